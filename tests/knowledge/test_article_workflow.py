"""The article workflow and validation, as plain data (no store)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from desk_app.knowledge.articles import (
    DEFAULT_REVIEW_DAYS,
    ArticleData,
    ArticleError,
    ArticleStatus,
    apply_edit,
    can_edit,
    clean_article,
    needs_review,
    transition,
)
from desk_app.protocol.errors import ConflictError, NotAllowedError

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
S = ArticleStatus


def article(status: ArticleStatus = S.DRAFT, author: str = "alice") -> ArticleData:
    return ArticleData(
        id="return-policy",
        title="七天无理由退货",
        answer="签收后7天内可申请。",
        questions=("怎么退货",),
        status=status,
        author=author,
    )


@pytest.mark.parametrize(
    ("start", "target", "actor", "role"),
    [
        (S.DRAFT, S.PENDING_REVIEW, "alice", "agent"),  # the author submits
        (S.PENDING_REVIEW, S.DRAFT, "alice", "agent"),  # the author withdraws
        (S.DRAFT, S.ARCHIVED, "alice", "agent"),  # the author discards a draft
        (S.PENDING_REVIEW, S.PUBLISHED, "bob", "supervisor"),
        (S.DRAFT, S.PUBLISHED, "root", "admin"),
        (S.PUBLISHED, S.ARCHIVED, "bob", "supervisor"),
        (S.PUBLISHED, S.DRAFT, "bob", "supervisor"),
        (S.ARCHIVED, S.DRAFT, "bob", "supervisor"),
        (S.PENDING_REVIEW, S.DRAFT, "bob", "supervisor"),  # rejected
    ],
)
def test_allowed_steps(start: ArticleStatus, target: ArticleStatus, actor: str, role: str) -> None:
    moved = transition(article(start), target, actor=actor, role=role, now=NOW)
    assert moved.status == target
    assert moved.version == 2
    assert moved.updated_at == NOW


@pytest.mark.parametrize(
    ("start", "target", "actor", "role"),
    [
        (S.PENDING_REVIEW, S.PUBLISHED, "alice", "agent"),  # nobody approves their own as agent
        (S.PENDING_REVIEW, S.PUBLISHED, "carol", "agent"),
        (S.DRAFT, S.PENDING_REVIEW, "carol", "agent"),  # not the author
        (S.PUBLISHED, S.ARCHIVED, "alice", "agent"),
        (S.ARCHIVED, S.DRAFT, "alice", "agent"),
    ],
)
def test_forbidden_steps(
    start: ArticleStatus, target: ArticleStatus, actor: str, role: str
) -> None:
    with pytest.raises(NotAllowedError):
        transition(article(start), target, actor=actor, role=role, now=NOW)


@pytest.mark.parametrize(
    ("start", "target"),
    [(S.ARCHIVED, S.PUBLISHED), (S.PUBLISHED, S.PENDING_REVIEW), (S.DRAFT, S.DRAFT)],
)
def test_steps_the_workflow_does_not_have(start: ArticleStatus, target: ArticleStatus) -> None:
    with pytest.raises(ConflictError):
        transition(article(start), target, actor="root", role="admin", now=NOW)


def test_publishing_records_the_reviewer_and_a_review_date() -> None:
    published = transition(
        article(S.PENDING_REVIEW), S.PUBLISHED, actor="bob", role="supervisor", now=NOW
    )
    assert published.reviewer == "bob"
    assert published.review_by == NOW + timedelta(days=DEFAULT_REVIEW_DAYS)
    assert not needs_review(published, NOW)
    assert needs_review(published, NOW + timedelta(days=DEFAULT_REVIEW_DAYS))


def test_a_later_review_date_is_kept() -> None:
    later = NOW + timedelta(days=400)
    given = replace(article(S.PENDING_REVIEW), review_by=later)
    assert transition(given, S.PUBLISHED, actor="bob", role="admin", now=NOW).review_by == later


def test_who_may_edit() -> None:
    assert can_edit(article(S.DRAFT), actor="alice", role="agent")
    assert can_edit(article(S.PENDING_REVIEW), actor="alice", role="agent")
    assert not can_edit(article(S.DRAFT), actor="carol", role="agent")
    assert not can_edit(article(S.PUBLISHED), actor="alice", role="agent")
    assert can_edit(article(S.PUBLISHED), actor="bob", role="supervisor")
    assert not can_edit(article(S.ARCHIVED), actor="root", role="admin")


def test_an_edit_bumps_the_version_and_a_no_op_does_not() -> None:
    given = article(S.PUBLISHED)
    edited = apply_edit(
        given, {"answer": "签收后7天内，在订单页申请。"}, actor="bob", role="supervisor", now=NOW
    )
    assert (edited.version, edited.answer) == (2, "签收后7天内，在订单页申请。")
    assert edited.status == S.PUBLISHED
    same = apply_edit(
        given, {"answer": " 签收后7天内可申请。 "}, actor="bob", role="admin", now=NOW
    )
    assert same is given


def test_an_edit_cannot_change_the_status() -> None:
    with pytest.raises(ArticleError):
        apply_edit(article(), {"status": "published"}, actor="alice", role="agent", now=NOW)


def test_cleaning_trims_and_deduplicates() -> None:
    cleaned = clean_article(
        replace(
            article(),
            title="  七天 无理由\n退货 ",
            questions=("怎么退货", " 怎么退货 ", "", "能退吗"),
        )
    )
    assert cleaned.title == "七天 无理由 退货"
    assert cleaned.questions == ("怎么退货", "能退吗")


@pytest.mark.parametrize(
    "bad",
    [
        {"id": ""},
        {"id": "has space"},
        {"id": "flow:order_status"},
        {"id": "x" * 65},
        {"title": "   "},
        {"answer": ""},
        {"answer": "长" * 8001},
        {"questions": ({"nested": 1},)},
    ],
)
def test_bad_articles_are_refused(bad: dict) -> None:
    with pytest.raises(ArticleError):
        clean_article(replace(article(), **bad))


def test_ids_may_be_chinese_or_carry_punctuation() -> None:
    assert clean_article(replace(article(), id="退货政策")).id == "退货政策"
    assert clean_article(replace(article(), id="reverted_card_payment?")).id
