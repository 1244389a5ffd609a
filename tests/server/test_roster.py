"""The agent roster over real sockets: ``agents.snapshot`` after login, then
``agents.updated`` for every change of another agent's status or load, and a transfer to an
agent picked from the roster."""

from __future__ import annotations

import msgspec
import pytest

from desk_app.protocol.messages import (
    AgentsSnapshot,
    AgentsUpdated,
    CloseConversation,
    ConversationAssigned,
    ConversationUnassigned,
    Logout,
    SendMessage,
    SetStatus,
    StatusChanged,
    TransferConversation,
    encode,
)
from desk_app.server.app import RunningServer, ServerConfig

from .conftest import add_agent, login_agent, start_customer

INFO_FIELDS = {
    "id",
    "username",
    "display_name",
    "role",
    "status",
    "capacity",
    "open_conversations",
    "skills",
    "teams",
}


@pytest.fixture
def config(db_url: str) -> ServerConfig:
    return ServerConfig(port=0, db_url=db_url, ping_interval_s=None, grace_period_s=0.5)


async def hand_off(clients, server: RunningServer, name: str):
    customer, started = await start_customer(clients, server, name=name)
    await customer.send(SendMessage(client_msg_id="h", text="转人工"))
    await customer.expect(StatusChanged, lambda f: f.status == "queued")
    return customer, started.conversation_id


def about(agent_id: str, **want):
    """An ``agents.updated`` for ``agent_id`` whose info has the wanted values."""

    def check(frame: AgentsUpdated) -> bool:
        info = frame.agent
        return info.id == agent_id and all(getattr(info, k) == v for k, v in want.items())

    return check


async def test_snapshot_after_login_then_updates_for_the_others(
    server: RunningServer, clients
) -> None:
    await add_agent(server, "li", capacity=2, display_name="小李")
    await add_agent(server, "wang", capacity=3, display_name="小王", teams=["billing"])
    li, li_auth = await login_agent(clients, server, "li")
    first = await li.expect(AgentsSnapshot)
    assert [(a.id, a.status) for a in first.agents] == [(li_auth.agent.id, "online")]

    wang, wang_auth = await login_agent(clients, server, "wang")
    wang_id = wang_auth.agent.id
    joined = await li.expect(AgentsUpdated, about(wang_id, status="online"))
    assert (joined.agent.display_name, joined.agent.capacity) == ("小王", 3)
    assert joined.agent.teams == ["billing"]
    assert joined.agent.open_conversations == 0
    snapshot = await wang.expect(AgentsSnapshot)
    statuses = {a.display_name: a.status for a in snapshot.agents}
    assert statuses == {"小李": "online", "小王": "online"}
    for info in snapshot.agents:  # nothing but the public fields: no hashes, no tokens
        assert set(msgspec.to_builtins(info)) == INFO_FIELDS
    raw = encode(snapshot).decode() + encode(joined).decode()
    assert li_auth.token not in raw
    assert wang_auth.token not in raw
    assert "argon2" not in raw

    await wang.send(SetStatus(status="away"))
    await li.expect(AgentsUpdated, about(wang_id, status="away"))
    await wang.send(SetStatus(status="online"))
    await li.expect(AgentsUpdated, about(wang_id, status="online"))

    await wang.send(Logout())
    await li.expect(AgentsUpdated, about(wang_id, status="offline", open_conversations=0))
    again, _ = await login_agent(clients, server, "li")  # a second desk of li's
    later = await again.expect(AgentsSnapshot)
    assert [a.display_name for a in later.agents] == ["小李"]  # wang left the roster


async def test_load_changes_and_transfer_to_an_agent_from_the_roster(
    server: RunningServer, clients
) -> None:
    await add_agent(server, "li", capacity=2, display_name="小李")
    await add_agent(server, "wang", capacity=2, display_name="小王")
    li, li_auth = await login_agent(clients, server, "li")
    li_id = li_auth.agent.id
    await li.send(SetStatus(status="away"))  # the first handoff goes to wang
    await li.expect(AgentsUpdated, about(li_id, status="away"))
    wang, wang_auth = await login_agent(clients, server, "wang")
    wang_id = wang_auth.agent.id
    await li.expect(AgentsUpdated, about(wang_id, status="online"))

    _, cid = await hand_off(clients, server, "客户甲")
    assert (await wang.expect(ConversationAssigned)).conversation.conversation_id == cid
    await li.expect(AgentsUpdated, about(wang_id, open_conversations=1))

    await wang.send(CloseConversation(conversation_id=cid))
    assert (await wang.expect(ConversationUnassigned)).reason == "closed"
    await li.expect(AgentsUpdated, about(wang_id, open_conversations=0))

    # li takes the next one and hands it to wang, found by id in the roster
    await wang.send(SetStatus(status="away"))
    await li.expect(AgentsUpdated, about(wang_id, status="away"))
    await li.send(SetStatus(status="online"))
    _, second = await hand_off(clients, server, "客户乙")
    assert (await li.expect(ConversationAssigned)).conversation.conversation_id == second
    await wang.expect(AgentsUpdated, about(li_id, open_conversations=1))
    await li.send(TransferConversation(conversation_id=second, to_agent_id=wang_id, note="账单"))
    assert (await li.expect(ConversationUnassigned)).reason == "transferred"
    moved = await wang.expect(ConversationAssigned)
    assert (moved.how, moved.conversation.conversation_id) == ("transfer", second)
    await li.expect(AgentsUpdated, about(wang_id, open_conversations=1, status="away"))
    await wang.expect(AgentsUpdated, about(li_id, open_conversations=0))


async def test_a_dropped_agent_is_offline_then_leaves_after_the_grace_period(
    server: RunningServer, clients
) -> None:
    await add_agent(server, "li", capacity=2)
    await add_agent(server, "wang", capacity=2)
    li, li_auth = await login_agent(clients, server, "li")
    li_id = li_auth.agent.id
    await li.send(SetStatus(status="away"))
    await li.expect(AgentsUpdated, about(li_id, status="away"))
    wang, wang_auth = await login_agent(clients, server, "wang")
    wang_id = wang_auth.agent.id
    await hand_off(clients, server, "客户")
    await wang.expect(ConversationAssigned)
    await li.expect(AgentsUpdated, about(wang_id, open_conversations=1))

    await wang.close()  # the network drops: offline at once, still holding the conversation
    await li.expect(AgentsUpdated, about(wang_id, status="offline", open_conversations=1))
    # the grace period runs out: the conversation goes back, wang leaves the roster
    await li.expect(AgentsUpdated, about(wang_id, status="offline", open_conversations=0))
    again, _ = await login_agent(clients, server, "li")
    assert [a.id for a in (await again.expect(AgentsSnapshot)).agents] == [li_id]
