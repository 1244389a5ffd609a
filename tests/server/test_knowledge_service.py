"""KnowledgeService over a real store and the real index: what is published is answered at
once, what is archived is gone at once, submissions are masked, --kb replaces the sample."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desk_app.bot.engine import build_bot
from desk_app.bot.seam import Answer, Ask, Turn
from desk_app.knowledge.kbfile import KbFileError
from desk_app.protocol.errors import NotAllowedError
from desk_app.protocol.messages import ArticleStatus, SubmitKnowledge
from desk_app.server.knowledge import KnowledgeService, load_knowledge
from desk_app.store import articles as repo
from desk_app.store.database import Store
from desk_app.store.models import UnansweredQuestion

OPEN = datetime(2025, 3, 5, 3, 0, tzinfo=UTC)
NEW_QUESTION = "你们的门店可以自提吗"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    yield store
    store.close()


@pytest.fixture
def service(store: Store) -> KnowledgeService:
    service = load_knowledge(store)
    build_bot(service.index)  # the server indexes the bot's flows in the same index
    service.index.wait_ready(timeout=120)  # as after start-up; edits below are not waited for
    return service


def ask(service: KnowledgeService, text: str) -> Answer | Ask:
    """What the bot says to ``text`` (an Ask when it offers a clarification)."""
    bot = build_bot(service.index)
    [reply] = bot.respond([Turn(conversation_id="c1", text=text, now=OPEN)])
    assert isinstance(reply.decision, Answer | Ask)
    return reply.decision


def answered_with(service: KnowledgeService, text: str) -> str | None:
    return getattr(ask(service, text), "article_id", None)


def pickup_submission() -> SubmitKnowledge:
    return SubmitKnowledge(
        request_id="r1",
        title="门店自提",
        answer="支持到全国200家悦选门店自提：结算时选择「门店自提」，到店出示取货码即可，"
        "联系电话13812345678（店长）。",
        questions=["你们的门店可以自提吗", "能到店自己取货吗", "我手机13812345678能自提吗"],
        tags=["物流"],
        conversation_id="a" * 32,
    )


def test_first_start_imports_the_sample_once(store: Store) -> None:
    service = load_knowledge(store)
    assert len(store.read_sync(repo.published_articles)) >= 60
    again = load_knowledge(store)
    assert store.read_sync(repo.count_articles) == len(store.read_sync(repo.published_articles))
    assert len(again.index) == len(service.index)


async def test_search_gives_article_hits_without_flows(service: KnowledgeService) -> None:
    hits = await service.search("我要退货，退款多久到账", limit=5)
    assert hits
    assert len(hits) <= 5
    assert not any(h.article_id.startswith("flow:") for h in hits)
    assert {"refund-time"} & {h.article_id for h in hits}
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert await service.search("   ") == []


async def test_submission_is_masked_pending_and_linked(
    service: KnowledgeService, store: Store
) -> None:
    article_id, status = await service.submit(pickup_submission(), "alice")
    assert status == ArticleStatus.PENDING_REVIEW
    stored = store.read_sync(lambda s: repo.get_article(s, article_id))
    assert stored.author == "alice"
    assert stored.source_conversation_id == "a" * 32
    everything = stored.title + stored.answer + "".join(stored.questions)
    assert "13812345678" not in everything
    assert "门店自提" in stored.answer
    assert answered_with(service, NEW_QUESTION) != article_id  # not answerable before review


async def test_publish_is_answered_within_a_second(service: KnowledgeService) -> None:
    article_id, _ = await service.submit(pickup_submission(), "alice")
    with pytest.raises(NotAllowedError):
        await service.publish(article_id, reviewer="alice", role="agent")
    started = time.perf_counter()
    await service.publish(article_id, reviewer="bob", role="supervisor")
    answer = ask(service, NEW_QUESTION)
    elapsed = time.perf_counter() - started
    assert isinstance(answer, Answer)
    assert answer.article_id == article_id
    assert "门店自提" in answer.text
    assert elapsed < 1.0
    hits = await service.search("门店自提")
    assert hits[0].article_id == article_id


async def test_archive_is_gone_at_once(service: KnowledgeService) -> None:
    assert answered_with(service, "退款多久到账") == "refund-time"
    started = time.perf_counter()
    await service.archive("refund-time", actor="bob", role="supervisor")
    answer = answered_with(service, "退款多久到账")
    assert time.perf_counter() - started < 1.0
    assert answer != "refund-time"
    assert "refund-time" not in {h.article_id for h in await service.search("退款多久到账")}


async def test_an_edit_is_answered_at_once(service: KnowledgeService) -> None:
    await service.edit(
        "shipping-fee",
        {"answer": "全场包邮，不限金额。"},
        editor="bob",
        role="supervisor",
    )
    assert ask(service, "运费怎么算").text == "全场包邮，不限金额。"
    versions = await service.versions("shipping-fee")
    assert [v.version for v in versions] == [1, 2]
    assert versions[-1].editor == "bob"


async def test_record_unanswered_masks(service: KnowledgeService, store: Store) -> None:
    await service.record_unanswered("c1", "我电话13812345678怎么还没人联系", "service-hours", 0.3)
    rows = store.read_sync(
        lambda s: [(r.text, r.best_guess) for r in s.query(UnansweredQuestion).all()]
    )
    assert len(rows) == 1
    assert "13812345678" not in rows[0][0]
    assert rows[0][1] == "service-hours"


def test_kb_file_replaces_the_sample(store: Store, tmp_path: Path) -> None:
    load_knowledge(store)  # an earlier start with the sample
    store.write_sync(
        lambda s: repo.edit(
            s, "shipping-fee", {"answer": "我们改过的运费说明。"}, editor="bob", role="admin"
        )
    )
    kb = tmp_path / "faq.yaml"
    kb.write_text(
        "articles:\n"
        "  - id: opening-hours\n"
        "    title: 营业时间\n"
        "    answer: 每天10点到22点营业。\n"
        "    questions: [几点开门, 营业时间是几点, 晚上几点关门]\n",
        encoding="utf-8",
    )
    service = load_knowledge(store, kb)
    published = {a.id for a in store.read_sync(repo.published_articles)}
    assert published == {"opening-hours", "shipping-fee"}  # an edited sample article stays
    assert answered_with(service, "你们几点开门") == "opening-hours"
    assert answered_with(service, "退款多久到账") is None


def test_a_bad_kb_file_is_a_clear_error(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "faq.yaml"
    bad.write_text("articles:\n  - id: x\n    title: t\n", encoding="utf-8")
    with pytest.raises(KbFileError, match="answer is empty"):
        load_knowledge(store, bad)
