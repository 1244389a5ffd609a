"""Articles in a real store (SQLite file, real migrations): import, workflow, versions."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desk_app.knowledge.articles import ArticleData, ArticleError, ArticleStatus
from desk_app.protocol.errors import ConflictError, NotAllowedError, NotFoundError
from desk_app.store import articles as repo
from desk_app.store.database import Store
from desk_app.store.models import UnansweredQuestion

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
S = ArticleStatus


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    yield store
    store.close()


def faq(article_id: str = "return-policy", answer: str = "签收后7天内可申请退货。") -> ArticleData:
    return ArticleData(
        id=article_id,
        title="七天无理由退货",
        answer=answer,
        questions=("怎么退货", "可以退货吗"),
        tags=("售后",),
        status=S.PUBLISHED,
    )


def test_import_inserts_updates_and_skips_unchanged(store: Store) -> None:
    first = store.write_sync(lambda s: repo.import_articles(s, [faq(), faq("invoice")], now=NOW))
    assert (first.created, first.updated, first.unchanged) == (["return-policy", "invoice"], [], [])
    again = store.write_sync(
        lambda s: repo.import_articles(s, [faq(), faq("invoice", "新答案")], now=NOW)
    )
    assert (again.created, again.updated, again.unchanged) == ([], ["invoice"], ["return-policy"])
    history = store.read_sync(lambda s: repo.article_versions(s, "invoice"))
    assert [(v.version, v.answer, v.editor) for v in history] == [
        (1, "签收后7天内可申请退货。", "import"),
        (2, "新答案", "import"),
    ]
    assert {a.id for a in store.read_sync(repo.published_articles)} == {"return-policy", "invoice"}


def test_import_status_override(store: Store) -> None:
    store.write_sync(lambda s: repo.import_articles(s, [faq()], status=S.DRAFT))
    assert store.read_sync(repo.published_articles) == []
    assert store.read_sync(lambda s: repo.get_article(s, "return-policy")).status == S.DRAFT


def test_an_invalid_article_in_an_import_writes_nothing(store: Store) -> None:
    bad = ArticleData(id="bad", title="x", answer="   ")
    with pytest.raises(ArticleError):
        store.write_sync(lambda s: repo.import_articles(s, [faq(), bad]))
    assert store.read_sync(repo.count_articles) == 0


def test_submission_review_and_publish(store: Store) -> None:
    submitted = store.write_sync(
        lambda s: repo.create_submission(
            s,
            title="退款多久到账",
            answer="原路退回，1-3个工作日到账。",
            questions=["退款什么时候到", "钱什么时候退回来"],
            tags=["退款"],
            author="alice",
            conversation_id="c" * 32,
            now=NOW,
        )
    )
    assert submitted.status == S.PENDING_REVIEW
    assert submitted.source_conversation_id == "c" * 32
    assert len(submitted.id) == 32
    with pytest.raises(NotAllowedError):
        store.write_sync(lambda s: repo.publish(s, submitted.id, reviewer="alice", role="agent"))
    published = store.write_sync(
        lambda s: repo.publish(s, submitted.id, reviewer="bob", role="supervisor", now=NOW)
    )
    assert (published.status, published.reviewer, published.version) == (S.PUBLISHED, "bob", 2)
    stored = store.read_sync(lambda s: repo.get_article(s, submitted.id))
    assert stored.review_by == NOW + timedelta(days=180)
    assert stored.author == "alice"
    assert [a.id for a in store.read_sync(repo.published_articles)] == [submitted.id]


def test_edit_and_archive_keep_a_full_history(store: Store) -> None:
    store.write_sync(lambda s: repo.import_articles(s, [faq()], editor="root", now=NOW))
    later = NOW + timedelta(hours=1)
    store.write_sync(
        lambda s: repo.edit(
            s,
            "return-policy",
            {"answer": "签收后7天内，在“我的订单”申请。"},
            editor="bob",
            role="supervisor",
            now=later,
        )
    )
    same = store.write_sync(
        lambda s: repo.edit(
            s,
            "return-policy",
            {"answer": "签收后7天内，在“我的订单”申请。"},
            editor="bob",
            role="supervisor",
        )
    )
    assert same.version == 2  # nothing changed, no new version
    with pytest.raises(NotAllowedError):  # an agent may not edit a published article
        store.write_sync(
            lambda s: repo.edit(s, "return-policy", {"title": "x"}, editor="alice", role="agent")
        )
    store.write_sync(lambda s: repo.archive(s, "return-policy", actor="bob", now=later))
    history = store.read_sync(lambda s: repo.article_versions(s, "return-policy"))
    assert [(v.version, v.status, v.editor) for v in history] == [
        (1, S.PUBLISHED, "root"),
        (2, S.PUBLISHED, "bob"),
        (3, S.ARCHIVED, "bob"),
    ]
    assert history[0].answer == "签收后7天内可申请退货。"
    assert history[1].created_at == later
    assert store.read_sync(repo.published_articles) == []
    with pytest.raises(ConflictError):  # archived goes back through draft, not straight live
        store.write_sync(lambda s: repo.publish(s, "return-policy", reviewer="bob"))


def test_unknown_article(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.write_sync(lambda s: repo.publish(s, "nope", reviewer="bob"))


def test_create_article_refuses_a_taken_id(store: Store) -> None:
    store.write_sync(lambda s: repo.create_article(s, faq(), editor="root"))
    with pytest.raises(ConflictError):
        store.write_sync(lambda s: repo.create_article(s, faq(), editor="root"))


def test_due_for_review(store: Store) -> None:
    old = ArticleData(**{**_fields(faq("old")), "review_by": NOW - timedelta(days=1)})
    store.write_sync(lambda s: repo.import_articles(s, [old, faq("fresh")], now=NOW))
    assert [a.id for a in store.read_sync(lambda s: repo.due_for_review(s, NOW))] == ["old"]


def _fields(article: ArticleData) -> dict:
    return {name: getattr(article, name) for name in article.__dataclass_fields__}


def test_record_unanswered(store: Store) -> None:
    store.write_sync(
        lambda s: repo.record_unanswered(
            s,
            conversation_id="c1",
            text="能用花呗吗" * 1000,
            best_guess="payment-methods",
            score=0.41,
            now=NOW,
        )
    )
    rows = store.read_sync(
        lambda s: [
            (len(r.text), r.best_guess, r.score, r.created_at)
            for r in s.query(UnansweredQuestion).all()
        ]
    )
    assert rows == [(repo.MAX_UNANSWERED_TEXT, "payment-methods", 0.41, NOW)]
