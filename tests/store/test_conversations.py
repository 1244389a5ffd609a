"""Conversations and messages: seq allocation, de-duplication, conditional state changes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from desk_app.protocol.errors import ConflictError, ErrorCode, NotAllowedError, NotFoundError
from desk_app.protocol.events import Event
from desk_app.protocol.messages import HandoffContext, HandoffReason, IntentGuess, Sender
from desk_app.store import conversations as repo
from desk_app.store.agents import create_agent
from desk_app.store.database import Store
from desk_app.store.models import Assignment, ReportingEvent, utcnow
from desk_app.store.tokens import hash_token, new_token


def start(store: Store, name: str = "张三") -> str:
    state = store.write_sync(
        lambda s: repo.create_conversation(
            s, token_hash=hash_token(new_token()), now=utcnow(), name=name
        )
    )
    return state.id


async def say(store: Store, cid: str, text: str, client_msg_id: str | None = None, **kw):
    return await store.write(
        lambda s: repo.append_message(
            s,
            cid,
            sender=Sender.CONTACT,
            text=text,
            now=utcnow(),
            client_msg_id=client_msg_id,
            **kw,
        )
    )


def events(store: Store, cid: str) -> list[str]:
    return store.read_sync(
        lambda s: list(
            s.scalars(
                select(ReportingEvent.name)
                .where(ReportingEvent.conversation_id == cid)
                .order_by(ReportingEvent.id)
            )
        )
    )


async def test_seqs_are_gapless_and_in_order_per_conversation(store: Store) -> None:
    a, b = start(store), start(store)
    results = await asyncio.gather(*(say(store, a if i % 2 else b, f"m{i}") for i in range(40)))
    for cid in (a, b):
        stored = await store.read(lambda s, cid=cid: repo.messages_after(s, cid))
        assert [m.seq for m in stored] == list(range(1, 21))
        mine = [r.message for r in results if r.message.conversation_id == cid]
        assert [m.text for m in stored] == [m.text for m in mine]  # seq follows arrival


async def test_a_resent_message_is_stored_once_with_its_first_seq(store: Store) -> None:
    cid = start(store)
    first = await say(store, cid, "你好", "m1")
    await say(store, cid, "在吗", "m2")
    again = await say(store, cid, "你好", "m1")
    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.message.seq == first.message.seq == 1
    both = await asyncio.gather(say(store, cid, "x", "m3"), say(store, cid, "x", "m3"))
    assert sorted(r.duplicate for r in both) == [False, True]
    assert {r.message.seq for r in both} == {3}
    stored = await store.read(lambda s: repo.messages_after(s, cid))
    assert [m.client_msg_id for m in stored] == ["m1", "m2", "m3"]


async def test_two_writers_on_one_database_never_share_a_seq(db_url: str) -> None:
    """Two stores are two writer threads with their own connections: on PostgreSQL this is
    what two server processes do. The atomic UPDATE ... RETURNING keeps seqs unique."""
    first, second = Store.open(db_url), Store.open(db_url, migrate=False)
    try:
        cid = start(first)

        async def burst(store: Store, tag: str) -> None:
            await asyncio.gather(*(say(store, cid, f"{tag}{i}", f"{tag}{i}") for i in range(60)))

        await asyncio.gather(burst(first, "a"), burst(second, "b"))
        stored = await first.read(lambda s: repo.messages_after(s, cid))
        assert [m.seq for m in stored] == list(range(1, 121))
        assert (
            await first.read(lambda s: repo.conversation_state(s, conversation_id=cid).last_seq)
            == 120
        )
    finally:
        first.close()
        second.close()


async def test_notes_never_reach_the_contact(store: Store) -> None:
    cid = start(store)
    await say(store, cid, "我的订单")
    await store.write(
        lambda s: repo.append_message(s, cid, sender=Sender.NOTE, text="VIP 客户", now=utcnow())
    )
    await say(store, cid, "还在吗")
    for_contact = await store.read(lambda s: repo.messages_after(s, cid, include_notes=False))
    assert [m.seq for m in for_contact] == [1, 3]
    assert len(await store.read(lambda s: repo.messages_after(s, cid))) == 3


async def test_a_closed_conversation_takes_no_messages(store: Store) -> None:
    cid = start(store)
    await store.write(lambda s: repo.close_conversation(s, cid, utcnow(), by="contact"))
    with pytest.raises(ConflictError) as info:
        await say(store, cid, "hello?")
    assert info.value.code == ErrorCode.CONVERSATION_CLOSED


async def test_handoff_assign_reply_close_leaves_the_reporting_trail(store: Store) -> None:
    cid = start(store)
    agent = store.write_sync(lambda s: create_agent(s, "li", "pw-123456", teams=["售后"]))
    await say(store, cid, "转人工")
    context = HandoffContext(
        reason=HandoffReason.CUSTOMER_ASKED,
        intents=[IntentGuess(intent="refund", score=0.4, title="退款")],
        slots={"order": "A1"},
    )
    item, said = await store.write(
        lambda s: repo.hand_off(s, cid, context, utcnow(), text="正在转接", team="售后")
    )
    assert item.skill == "售后"
    assert item.handoff == context
    assert item.last_text == "转人工"
    assert said is not None
    assert said.seq == 2
    assert said.sender is Sender.BOT
    detail, _ = await store.write(lambda s: repo.assign(s, cid, agent.id, "auto", utcnow()))
    assert [m.seq for m in detail.transcript] == [1, 2]
    assert detail.handoff == context
    with pytest.raises(ConflictError):  # a second agent cannot take it too
        await store.write(lambda s: repo.assign(s, cid, agent.id, "picked", utcnow()))
    with pytest.raises(NotAllowedError):
        await store.write(
            lambda s: repo.append_message(
                s, cid, sender=Sender.AGENT, text="hi", now=utcnow(), only_assignee="someone-else"
            )
        )
    reply = await store.write(
        lambda s: repo.append_message(
            s,
            cid,
            sender=Sender.AGENT,
            text="您好",
            now=utcnow(),
            agent_id=agent.id,
            only_assignee=agent.id,
        )
    )
    assert reply.first_reply
    again = await store.write(
        lambda s: repo.append_message(
            s, cid, sender=Sender.AGENT, text="请稍等", now=utcnow(), agent_id=agent.id
        )
    )
    assert not again.first_reply
    released = await store.write(
        lambda s: repo.close_conversation(s, cid, utcnow(), by="agent", owner=agent.id)
    )
    assert released.previous_assignee == agent.id
    assert released.handle_seconds is not None
    await store.write(lambda s: repo.rate(s, cid, 5, "很好", utcnow()))
    assert events(store, cid) == [
        Event.CONVERSATION_CREATED,
        Event.CONVERSATION_HANDED_OFF,
        Event.ASSIGNMENT_CREATED,
        Event.FIRST_REPLY_CREATED,
        Event.ASSIGNMENT_ENDED,
        Event.CONVERSATION_CLOSED,
        Event.CONVERSATION_RATED,
    ]
    rows = store.read_sync(lambda s: list(s.scalars(select(Assignment))))
    assert [(r.reason, r.end_reason) for r in rows] == [("auto", "closed")]


async def test_requeue_and_return_to_bot(store: Store) -> None:
    cid = start(store)
    agent = store.write_sync(lambda s: create_agent(s, "wang", "pw-123456"))
    store.write_sync(lambda s: create_agent(s, "zhao", "pw-123456", teams=["billing"]))
    context = HandoffContext(reason=HandoffReason.LOW_CONFIDENCE)
    await store.write(lambda s: repo.hand_off(s, cid, context, utcnow()))
    await store.write(lambda s: repo.assign(s, cid, agent.id, "picked", utcnow()))
    with pytest.raises(NotAllowedError):
        await store.write(lambda s: repo.requeue(s, cid, utcnow(), reason="transferred", owner="x"))
    released = await store.write(
        lambda s: repo.requeue(
            s, cid, utcnow(), reason="transferred", owner=agent.id, team="billing", note="账单问题"
        )
    )
    assert released.item is not None
    assert released.item.skill == "billing"
    assert released.item.handoff.reason is HandoffReason.TRANSFER
    assert released.item.handoff.note == "账单问题"
    await store.write(lambda s: repo.assign(s, cid, agent.id, "picked", utcnow()))
    await store.write(
        lambda s: repo.return_to_bot(s, cid, utcnow(), owner=agent.id, agent_id=agent.id)
    )
    state = await store.read(lambda s: repo.conversation_state(s, conversation_id=cid))
    assert (state.status, state.assignee_id) == ("bot", None)


async def test_tickets_and_queued_items_survive_a_reopen(store: Store, db_url: str) -> None:
    cid = start(store, name="李四")
    await store.write(
        lambda s: repo.hand_off(s, cid, HandoffContext(reason=HandoffReason.NO_ANSWER), utcnow())
    )
    ticket = await store.write(
        lambda s: repo.create_ticket(s, text="请回电", now=utcnow(), conversation_id=cid)
    )
    assert len(ticket) == 32
    reopened = Store.open(db_url, migrate=False)
    try:
        items = reopened.read_sync(repo.queued_items)
        assert [(i.conversation_id, i.contact_name) for i in items] == [(cid, "李四")]
        assert items[0].waiting_since is not None
        assert items[0].waiting_since.utcoffset() == timedelta(0)
    finally:
        reopened.close()


async def test_contact_and_agent_may_choose_the_same_client_id(store: Store) -> None:
    cid = start(store)
    agent = store.write_sync(lambda s: create_agent(s, "li", "pw-123456"))
    mine = await say(store, cid, "你好", "m1")
    theirs = await store.write(
        lambda s: repo.append_message(
            s,
            cid,
            sender=Sender.AGENT,
            text="您好",
            now=utcnow(),
            client_msg_id="m1",
            client_scope=agent.id,
            agent_id=agent.id,
        )
    )
    assert (mine.duplicate, theirs.duplicate) == (False, False)
    stored = await store.read(lambda s: repo.messages_after(s, cid))
    assert [(m.seq, m.client_msg_id) for m in stored] == [(1, "m1"), (2, "m1")]


async def test_the_bots_state_is_saved_with_its_reply(store: Store) -> None:
    cid = start(store)
    state = {"flow": "退货", "slots": {"order": "A1001"}, "failures": 1}
    appended = await store.write(
        lambda s: repo.append_message(
            s,
            cid,
            sender=Sender.BOT,
            text="请问订单号？",
            now=utcnow(),
            only_status="bot",
            bot_state=state,
        )
    )
    assert appended.status == "bot"
    saved = await store.read(lambda s: repo.conversation_state(s, conversation_id=cid))
    assert saved.bot_state == state
    await store.write(
        lambda s: repo.hand_off(s, cid, HandoffContext(reason=HandoffReason.FLOW), utcnow())
    )
    with pytest.raises(ConflictError):  # the bot no longer holds it: its late reply is refused
        await store.write(
            lambda s: repo.append_message(
                s, cid, sender=Sender.BOT, text="late", now=utcnow(), only_status="bot"
            )
        )


async def test_messages_that_arrive_together_are_stored_in_one_batch(store: Store) -> None:
    a, b, closed = start(store), start(store), start(store)
    await say(store, a, "早上好", "m0")
    await store.write(lambda s: repo.close_conversation(s, closed, utcnow(), by="contact"))

    def text(cid: str, words: str, client_id: str | None) -> repo.ContactText:
        return repo.ContactText(cid, words, client_id, "张三")

    fresh = [text(a, "一", "m1"), text(b, "二", "m1"), text(a, "三", None), text(b, "四", "m2")]
    outcomes = await store.write(lambda s: repo.append_contact_messages(s, fresh))
    assert [(o.message.conversation_id, o.message.seq) for o in outcomes] == [
        (a, 2),
        (b, 1),
        (a, 3),
        (b, 2),
    ]
    assert all(not o.duplicate and o.status == "bot" for o in outcomes)

    # refusals and resends in one batch: a resend of a stored message, the same id twice
    mixed = [
        text(a, "五", "m5"),
        text(closed, "还在吗", "m1"),
        text(b, "二", "m1"),
        text("no-such-conversation", "?", "m1"),
        text(a, "五", "m5"),
        text(b, "六", "m6"),
    ]
    outcomes = await store.write(lambda s: repo.append_contact_messages(s, mixed))
    assert isinstance(outcomes[1], ConflictError)
    assert outcomes[1].code == ErrorCode.CONVERSATION_CLOSED
    assert isinstance(outcomes[3], NotFoundError)
    kept = [outcomes[i] for i in (0, 2, 4, 5)]
    assert [(o.duplicate, o.message.seq) for o in kept] == [
        (False, 4),
        (True, 1),
        (True, 4),
        (False, 3),
    ]
    assert [o.message.text for o in kept] == ["五", "二", "五", "六"]

    for cid, texts in ((a, ["早上好", "一", "三", "五"]), (b, ["二", "四", "六"])):
        stored = await store.read(lambda s, cid=cid: repo.messages_after(s, cid))
        assert [m.text for m in stored] == texts
        assert [m.seq for m in stored] == list(range(1, len(texts) + 1))
        state = await store.read(lambda s, cid=cid: repo.conversation_state(s, conversation_id=cid))
        assert state.last_seq == len(texts)
    assert await store.read(lambda s: repo.messages_after(s, closed)) == []


async def test_two_writers_storing_batches_never_share_a_seq(db_url: str) -> None:
    """As two server processes on PostgreSQL: the batch locks its conversations' rows."""
    first, second = Store.open(db_url), Store.open(db_url, migrate=False)
    try:
        cids = [start(first) for _ in range(3)]

        async def burst(store: Store, tag: str) -> list[repo.Appended]:
            return await asyncio.gather(
                *(
                    store.write_item(
                        repo.append_contact_messages,
                        repo.ContactText(cids[i % 3], f"{tag}{i}", f"{tag}{i}"),
                    )
                    for i in range(90)
                )
            )

        results = await asyncio.gather(burst(first, "a"), burst(second, "b"))
        assert not any(r.duplicate for run in results for r in run)
        for cid in cids:
            stored = await first.read(lambda s, cid=cid: repo.messages_after(s, cid))
            assert [m.seq for m in stored] == list(range(1, 61))
    finally:
        first.close()
        second.close()
