"""Queue and assignment over the socket: snapshot and deltas, auto-assignment order,
picking, transfers, return to the bot, and the grace period after a disconnect."""

from __future__ import annotations

import pytest

from desk_app.protocol.errors import ErrorCode
from desk_app.protocol.messages import (
    Ack,
    AgentState,
    ConversationAssigned,
    ConversationUnassigned,
    Error,
    MessageFrame,
    PickConversation,
    QueueRemoved,
    QueueSnapshot,
    QueueUpdated,
    ReturnToBot,
    Sender,
    SendMessage,
    SetStatus,
    StatusChanged,
    TokenLogin,
    TransferConversation,
)
from desk_app.server.app import RunningServer, ServerConfig

from .conftest import add_agent, login_agent, start_customer


async def hand_off(clients, server: RunningServer, name: str):
    customer, started = await start_customer(clients, server, name=name)
    await customer.send(SendMessage(client_msg_id="h", text="转人工"))
    await customer.expect(StatusChanged, lambda f: f.status == "queued")
    return customer, started.conversation_id


async def test_longest_waiting_first_and_snapshot_then_deltas(
    server: RunningServer, clients
) -> None:
    await add_agent(server, "watcher", role="supervisor", capacity=0)
    watcher, _ = await login_agent(clients, server, "watcher")
    assert (await watcher.expect(QueueSnapshot)).items == []
    _, first = await hand_off(clients, server, "一")
    _, second = await hand_off(clients, server, "二")
    _, third = await hand_off(clients, server, "三")
    updated = [await watcher.expect(QueueUpdated) for _ in range(3)]
    assert [u.item.conversation_id for u in updated] == [first, second, third]
    assert updated[0].item.handoff is not None
    assert updated[0].item.contact_name == "一"

    await add_agent(server, "li", capacity=2)
    li, _ = await login_agent(clients, server, "li")
    snapshot = await li.expect(QueueSnapshot)
    assert [i.conversation_id for i in snapshot.items] == [first, second, third]
    got = [(await li.expect(ConversationAssigned)).conversation.conversation_id for _ in range(2)]
    assert got == [first, second]  # longest waiting first, up to capacity
    removed = [await watcher.expect(QueueRemoved) for _ in range(2)]
    assert [r.conversation_id for r in removed] == [first, second]
    state = await li.expect(AgentState, lambda f: f.agent.open_conversations == 2)
    assert state.agent.capacity == 2


async def test_the_least_loaded_agent_gets_the_next_one(server: RunningServer, clients) -> None:
    await add_agent(server, "li", capacity=4)
    await add_agent(server, "wang", capacity=2)
    li, _ = await login_agent(clients, server, "li")
    _, a = await hand_off(clients, server, "a")
    assert (await li.expect(ConversationAssigned)).conversation.conversation_id == a
    wang, _ = await login_agent(clients, server, "wang")
    _, b = await hand_off(clients, server, "b")
    assert (await wang.expect(ConversationAssigned)).conversation.conversation_id == b
    _, c = await hand_off(clients, server, "c")  # li: 1/4, wang: 1/2
    assert (await li.expect(ConversationAssigned)).conversation.conversation_id == c


async def test_away_agents_get_nothing_and_pick_by_hand(server: RunningServer, clients) -> None:
    await add_agent(server, "li", capacity=1)
    await add_agent(server, "wang", capacity=3)
    li, _ = await login_agent(clients, server, "li")
    await li.send(SetStatus(status="away"))
    await li.expect(AgentState, lambda f: f.agent.status == "away")
    wang, _ = await login_agent(clients, server, "wang")
    await wang.send(SetStatus(status="away"))
    await wang.expect(AgentState, lambda f: f.agent.status == "away")
    customer, cid = await hand_off(clients, server, "a")
    await li.expect(QueueUpdated)
    await li.send(PickConversation(conversation_id=cid))
    picked = await li.expect(ConversationAssigned)
    assert (picked.how, picked.conversation.conversation_id) == ("picked", cid)
    await wang.expect(QueueRemoved)
    await wang.send(PickConversation(conversation_id=cid))
    assert (await wang.expect(Error)).code == ErrorCode.CONFLICT
    _, other = await hand_off(clients, server, "b")
    await li.send(PickConversation(conversation_id=other))  # li is at capacity 1
    assert (await li.expect(Error)).code == ErrorCode.CONFLICT
    await customer.expect(StatusChanged, lambda f: f.status == "assigned")


async def test_transfer_to_an_agent_and_to_a_team(server: RunningServer, clients) -> None:
    await add_agent(server, "li", capacity=1, display_name="小李")
    await add_agent(server, "wang", capacity=0, display_name="小王")
    await add_agent(server, "zhao", capacity=2, teams=["billing"], display_name="小赵")
    li, _ = await login_agent(clients, server, "li")
    wang, wang_auth = await login_agent(clients, server, "wang")
    customer, cid = await hand_off(clients, server, "客户")
    await li.expect(ConversationAssigned)
    await li.send(SendMessage(conversation_id=cid, client_msg_id="l1", text="我转给同事"))
    await li.expect(Ack)

    await li.send(TransferConversation(conversation_id=cid, to_agent_id=wang_auth.agent.id))
    assert (await li.expect(ConversationUnassigned)).reason == "transferred"
    moved = await wang.expect(ConversationAssigned)
    assert moved.how == "transfer"
    assert [m.text for m in moved.conversation.transcript if m.sender is Sender.AGENT] == [
        "我转给同事"
    ]
    assert moved.conversation.handoff is not None  # the context travels along
    await customer.expect(StatusChanged, lambda f: f.agent_name == "小王")

    await wang.send(TransferConversation(conversation_id=cid, to_team="billing", note="账单"))
    assert (await wang.expect(ConversationUnassigned)).reason == "transferred"
    await customer.expect(StatusChanged, lambda f: f.status == "queued")
    zhao, _ = await login_agent(clients, server, "zhao")  # the billing team comes online
    arrived = await zhao.expect(ConversationAssigned)
    assert arrived.conversation.handoff.reason == "transfer"
    assert arrived.conversation.handoff.note == "账单"

    await wang.send(TransferConversation(conversation_id=cid, to_team="nosuchteam"))
    assert (await wang.expect(Error)).code == ErrorCode.FORBIDDEN  # not theirs any more


async def test_return_to_bot(server: RunningServer, clients) -> None:
    await add_agent(server, "li")
    li, _ = await login_agent(clients, server, "li")
    customer, cid = await hand_off(clients, server, "客户")
    await li.expect(ConversationAssigned)
    await li.send(ReturnToBot(conversation_id=cid))
    assert (await li.expect(ConversationUnassigned)).reason == "returned_to_bot"
    await customer.expect(StatusChanged, lambda f: f.status == "bot")
    customer.taken(MessageFrame)
    await customer.send(SendMessage(client_msg_id="again", text="运费多少"))
    await customer.expect(Ack)
    answer = await customer.expect(MessageFrame)
    assert answer.message.sender is Sender.BOT
    assert not [f for f in await li.barrier() if isinstance(f, MessageFrame)]


@pytest.fixture
def config(db_url: str) -> ServerConfig:
    return ServerConfig(port=0, db_url=db_url, ping_interval_s=None, grace_period_s=0.3)


async def test_after_the_grace_period_chats_go_to_the_front_of_the_queue(
    server: RunningServer, clients
) -> None:
    await add_agent(server, "li", capacity=1)
    await add_agent(server, "wang", capacity=1)
    li, _ = await login_agent(clients, server, "li")
    first, cid = await hand_off(clients, server, "先来")
    await li.expect(ConversationAssigned)
    _, later = await hand_off(clients, server, "后到")  # waits: li is full
    await li.close()  # li's network drops and stays down past the grace period
    await first.expect(StatusChanged, lambda f: f.status == "queued")
    wang, _ = await login_agent(clients, server, "wang")
    snapshot = await wang.expect(QueueSnapshot)
    assert [i.conversation_id for i in snapshot.items] == [cid, later]
    got = await wang.expect(ConversationAssigned)
    assert got.conversation.conversation_id == cid  # ahead of the one waiting longer
    assert got.conversation.handoff.reason == "agent_left"


async def test_coming_back_within_the_grace_period_keeps_the_chats(db_url: str, clients) -> None:
    from desk_app.server.app import run_server

    config = ServerConfig(port=0, db_url=db_url, ping_interval_s=None, grace_period_s=30)
    async with run_server(config) as server:
        await add_agent(server, "li")
        li, auth = await login_agent(clients, server, "li")
        customer, cid = await hand_off(clients, server, "客户")
        await li.expect(ConversationAssigned)
        await li.close()
        again = await clients(server.agent_url)
        await again.send(TokenLogin(token=auth.token))
        resumed = await again.expect(ConversationAssigned)
        assert (resumed.how, resumed.conversation.conversation_id) == ("resumed", cid)
        await customer.send(SendMessage(client_msg_id="m", text="还在吗"))
        assert (await again.expect(MessageFrame)).message.text == "还在吗"
