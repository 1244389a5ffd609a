"""The bot seam: batches, state carried between turns, decisions carried out, knowledge frames."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import select

from desk_app.bot.seam import Answer, Ask, BotReply, Handoff, Turn
from desk_app.protocol.errors import ErrorCode
from desk_app.protocol.events import Event
from desk_app.protocol.messages import (
    Ack,
    ArticleHit,
    ArticleStatus,
    ConversationAssigned,
    Error,
    HandoffReason,
    IntentGuess,
    KnowledgeResults,
    KnowledgeSubmitted,
    KnowledgeSuggestions,
    MessageFrame,
    SearchKnowledge,
    Sender,
    SendMessage,
    StatusChanged,
    SubmitKnowledge,
)
from desk_app.server.app import ServerConfig, run_server
from desk_app.store.models import Conversation, ReportingEvent

from .conftest import TIMEOUT, add_agent, login_agent, start_customer


class RecordingBot:
    """Answers with the turn count it keeps in its state; records every batch. ``gate``
    holds the first call until released, so later messages pile up into one batch."""

    def __init__(self) -> None:
        self.batches: list[list[tuple[str, str, int]]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def respond(self, turns: Sequence[Turn]) -> list[BotReply]:
        self.entered.set()
        assert self.gate.wait(TIMEOUT)
        self.batches.append([(t.conversation_id, t.text, t.state.get("n", 0)) for t in turns])
        replies = []
        for turn in turns:
            n = turn.state.get("n", 0) + 1
            if turn.text == "ask":
                decision: Any = Ask(text="您的订单号是？", slot="order")
            elif turn.text == "handoff":
                decision = Handoff(
                    reason=HandoffReason.LOW_CONFIDENCE,
                    text="为您转人工",
                    intents=(IntentGuess(intent="refund", score=0.42, title="退款"),),
                    slots={"order": "A1001"},
                    priority=1,
                )
            elif turn.text == "crash":
                raise RuntimeError("the bot broke")
            elif turn.text == "unknown":
                decision = Answer(
                    text="不太明白",
                    answered=False,
                    score=0.2,
                    intents=(IntentGuess(intent="x", score=0.2),),
                )
            else:
                decision = Answer(text=f"第{n}轮", article_id="a1", score=0.9)
            replies.append(BotReply(decision, {"n": n}))
        return replies


class RecordingKnowledge:
    def __init__(self) -> None:
        self.searches: list[str] = []
        self.unanswered: list[tuple[str, str, str | None, float]] = []
        self.submissions: list[tuple[str, str]] = []

    async def search(self, query: str, limit: int = 8) -> list[ArticleHit]:
        self.searches.append(query)
        return [
            ArticleHit(article_id="a1", title="退款多久到账", answer="3-5 个工作日", score=0.8)
        ][:limit]

    async def submit(self, frame: SubmitKnowledge, author: str) -> tuple[str, ArticleStatus]:
        self.submissions.append((frame.title, author))
        return "new-article", ArticleStatus.PENDING_REVIEW

    async def record_unanswered(
        self, conversation_id: str, text: str, best_guess: str | None, score: float
    ) -> None:
        self.unanswered.append((conversation_id, text, best_guess, score))


@pytest.fixture
def bot() -> RecordingBot:
    return RecordingBot()


@pytest.fixture
def knowledge() -> RecordingKnowledge:
    return RecordingKnowledge()


@pytest.fixture
async def server(config: ServerConfig, bot: RecordingBot, knowledge: RecordingKnowledge):
    async with run_server(config, bot=bot, knowledge=knowledge) as running:
        yield running


async def test_turns_that_arrive_together_are_one_batch_with_fresh_state(
    server, clients, bot: RecordingBot
) -> None:
    customers = [await start_customer(clients, server, name=str(i)) for i in range(4)]
    bot.gate.clear()
    first, _ = customers[0]
    await first.send(SendMessage(client_msg_id="m0", text="你好"))
    assert await asyncio.to_thread(bot.entered.wait, TIMEOUT)  # the bot is busy...
    for i, (customer, _) in enumerate(customers):
        await customer.send(SendMessage(client_msg_id="m1", text=f"问题{i}"))
        await customer.expect(Ack, lambda a: a.client_msg_id == "m1")
    bot.gate.set()  # ...while everyone else's turn queued up
    for i, (customer, _) in enumerate(customers):
        texts = [
            (await customer.expect(MessageFrame)).message.text for _ in range(2 if i == 0 else 1)
        ]
        assert texts[-1] == ("第2轮" if i == 0 else "第1轮")
    assert [len(batch) for batch in bot.batches] == [1, 4]
    # the first customer's second turn saw the state its first reply returned
    assert bot.batches[1][0][2] == 1


async def test_ask_and_unanswered(server, clients, knowledge: RecordingKnowledge) -> None:
    customer, started = await start_customer(clients, server)
    await customer.send(SendMessage(client_msg_id="a", text="ask"))
    assert (await customer.expect(MessageFrame)).message.text == "您的订单号是？"
    await customer.send(SendMessage(client_msg_id="u", text="unknown"))
    said = await customer.expect(MessageFrame)
    assert said.message.sender is Sender.BOT
    cid = started.conversation_id

    def events(session):
        return list(
            session.scalars(
                select(ReportingEvent.name)
                .where(ReportingEvent.conversation_id == cid)
                .order_by(ReportingEvent.id)
            )
        )

    assert (await server.store.read(events))[-2:] == [Event.BOT_ANSWERED, Event.BOT_UNANSWERED]
    await customer.barrier()
    assert knowledge.unanswered == [(cid, "unknown", "x", 0.2)]
    state = await server.store.read(lambda s: s.get(Conversation, cid).bot_state)
    assert state == {"n": 2}


async def test_a_handoff_carries_the_bots_context(server, clients) -> None:
    await add_agent(server, "li")
    agent, _ = await login_agent(clients, server, "li")
    customer, _ = await start_customer(clients, server)
    await customer.send(SendMessage(client_msg_id="h", text="handoff"))
    detail = (await agent.expect(ConversationAssigned)).conversation
    assert detail.handoff.reason is HandoffReason.LOW_CONFIDENCE
    assert detail.handoff.intents == [IntentGuess(intent="refund", score=0.42, title="退款")]
    assert detail.handoff.slots == {"order": "A1001"}
    assert detail.transcript[-1].text == "为您转人工"
    await customer.expect(StatusChanged, lambda f: f.status == "assigned")


async def test_a_broken_bot_hands_over_instead_of_going_silent(server, clients) -> None:
    await add_agent(server, "li")
    agent, _ = await login_agent(clients, server, "li")
    customer, _ = await start_customer(clients, server)
    await customer.send(SendMessage(client_msg_id="c", text="crash"))
    detail = (await agent.expect(ConversationAssigned)).conversation
    assert detail.handoff.reason is HandoffReason.NO_ANSWER


async def test_knowledge_frames_and_suggestions(
    server, clients, knowledge: RecordingKnowledge
) -> None:
    await add_agent(server, "li")
    agent, _ = await login_agent(clients, server, "li")
    customer, started = await start_customer(clients, server)
    await customer.send(SendMessage(client_msg_id="h", text="handoff"))
    await agent.expect(ConversationAssigned)
    await customer.send(SendMessage(client_msg_id="q", text="退款多久到账"))
    suggestion = await agent.expect(KnowledgeSuggestions)
    assert (suggestion.conversation_id, [h.article_id for h in suggestion.hits]) == (
        started.conversation_id,
        ["a1"],
    )
    assert "退款多久到账" in knowledge.searches

    await agent.send(SearchKnowledge(request_id="r1", query="退款"))
    results = await agent.expect(KnowledgeResults)
    assert (results.request_id, results.hits[0].title) == ("r1", "退款多久到账")
    await agent.send(SubmitKnowledge(request_id="r2", title="新问题", answer="答案"))
    submitted = await agent.expect(KnowledgeSubmitted)
    assert (submitted.article_id, submitted.status) == ("new-article", "pending_review")
    assert knowledge.submissions == [("新问题", "li")]


async def test_suggestions_for_a_burst_are_coalesced_to_the_newest_message(
    server, clients, knowledge: RecordingKnowledge
) -> None:
    await add_agent(server, "li")
    agent, _ = await login_agent(clients, server, "li")
    customer, _ = await start_customer(clients, server)
    await customer.send(SendMessage(client_msg_id="h", text="handoff"))
    await agent.expect(ConversationAssigned)
    await customer.send(SendMessage(client_msg_id="q0", text="第一句"))
    q0 = (await customer.expect(Ack, lambda a: a.client_msg_id == "q0")).seq
    first = await agent.expect(KnowledgeSuggestions)  # after a quiet spell: at once
    began = time.monotonic()
    seqs = []
    for i, text in enumerate(["第二句", "第三句", "第四句"], 1):
        await customer.send(SendMessage(client_msg_id=f"q{i}", text=text))
        seqs.append((await customer.expect(Ack, lambda a, i=i: a.client_msg_id == f"q{i}")).seq)
    burst = time.monotonic() - began
    latest = await agent.expect(KnowledgeSuggestions)
    assert (first.seq, latest.seq) == (q0, seqs[-1])  # the newest, nothing between
    if burst < 0.5:  # the burst fell inside one window (not guaranteed on a stalled machine)
        assert knowledge.searches == ["第一句", "第四句"]
        assert time.monotonic() - began >= 0.5  # held back to the end of the window


async def test_without_a_knowledge_base_the_frames_are_refused(
    config: ServerConfig, clients
) -> None:
    async with run_server(config) as server:
        await add_agent(server, "li")
        agent, _ = await login_agent(clients, server, "li")
        await agent.send(SearchKnowledge(request_id="r1", query="退款"))
        error = await agent.expect(Error)
        assert (error.code, error.ref) == (ErrorCode.NOT_FOUND, "r1")
        await agent.send(SubmitKnowledge(request_id="r2", title="t", answer="a"))
        assert (await agent.expect(Error)).code == ErrorCode.NOT_FOUND
