"""Bad input gets an error frame with a stable code (or a close code), and the server keeps
serving the offender's connection where it can and everyone else always."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from websockets.exceptions import ConnectionClosed

from desk_app.protocol.errors import ErrorCode
from desk_app.protocol.messages import (
    Ack,
    AuthOk,
    CloseConversation,
    ConversationAssigned,
    Error,
    Login,
    Ping,
    Pong,
    ResumeConversation,
    ReturnToBot,
    SendMessage,
    SetStatus,
    SyncConversation,
    TokenLogin,
    TransferConversation,
    Typing,
)
from desk_app.server.app import RunningServer, ServerConfig
from desk_app.store.agents import issue_token
from desk_app.store.models import utcnow

from .conftest import PASSWORD, Client, add_agent, login_agent, start_customer


@pytest.fixture
def config(db_url: str) -> ServerConfig:
    return ServerConfig(
        port=0, db_url=db_url, ping_interval_s=None, rate_limit_per_s=5.0, rate_burst=20
    )


async def still_served(client: Client) -> None:
    """The connection answers a ping: it survived."""
    await client.send(Ping(nonce="alive"))
    await client.expect(Pong, lambda p: p.nonce == "alive")


async def bystander_served(bystander: Client, n: list[int]) -> None:
    n[0] += 1
    await bystander.send(SendMessage(client_msg_id=f"b{n[0]}", text="还在吗"))
    await bystander.expect(Ack, lambda a: a.client_msg_id == f"b{n[0]}")


@pytest.mark.parametrize(
    ("raw", "code", "ref"),
    [
        ("{not json", ErrorCode.BAD_JSON, None),
        (b'{"type":"ping"}', ErrorCode.BINARY_FRAME, None),
        (b"\x00\xff\xfe", ErrorCode.BINARY_FRAME, None),
        ('{"type":"no.such.frame"}', ErrorCode.UNKNOWN_TYPE, None),
        ('{"no":"type"}', ErrorCode.UNKNOWN_TYPE, None),
        ('{"type":"message.send","client_msg_id":"m1","text":5}', ErrorCode.INVALID_FIELD, "m1"),
        (
            '{"type":"message.send","client_msg_id":"m2","text":{"$regex":".*"}}',
            ErrorCode.INVALID_FIELD,
            "m2",
        ),
        (
            '{"type":"message.send","client_msg_id":"m3","text":["x"]}',
            ErrorCode.INVALID_FIELD,
            "m3",
        ),
        ('{"type":"conversation.rate","score":9}', ErrorCode.INVALID_FIELD, None),
        ('{"type":"queue.pick","conversation_id":"c1"}', ErrorCode.FORBIDDEN, None),
        ('{"type":"auth.login","username":"a","password":"b"}', ErrorCode.FORBIDDEN, None),
        (
            '{"type":"message.send","client_msg_id":"m4","text":"hi","internal":true}',
            ErrorCode.FORBIDDEN,
            "m4",
        ),
    ],
)
async def test_bad_customer_frames(
    server: RunningServer, clients, raw: str | bytes, code: ErrorCode, ref: str | None
) -> None:
    bystander, _ = await start_customer(clients, server, name="旁观者")
    customer, _ = await start_customer(clients, server)
    await customer.send_raw(raw)
    error = await customer.expect(Error)
    assert (error.code, error.ref) == (code, ref)
    assert error.message
    await still_served(customer)
    await bystander_served(bystander, [0])


async def test_frames_before_a_conversation_and_bad_resume_tokens(
    server: RunningServer, clients
) -> None:
    customer = await clients(server.customer_url)
    await customer.send(SendMessage(client_msg_id="m1", text="hello"))
    assert (await customer.expect(Error)).code == ErrorCode.NO_CONVERSATION
    await customer.send(ResumeConversation(token="x" * 43, last_seq=0))
    assert (await customer.expect(Error)).code == ErrorCode.TOKEN_INVALID
    await customer.send_raw('{"type":"conversation.resume","token":"short"}')
    assert (await customer.expect(Error)).code == ErrorCode.INVALID_FIELD
    await still_served(customer)


async def test_oversized_frames(server: RunningServer, clients) -> None:
    bystander, _ = await start_customer(clients, server, name="旁观者")
    customer, _ = await start_customer(clients, server)
    await customer.send(SendMessage(client_msg_id="big", text="长" * 25_000))  # 75 kB UTF-8
    error = await customer.expect(Error)
    assert error.code == ErrorCode.FRAME_TOO_LARGE
    await still_served(customer)
    await customer.send_raw("x" * (server_limit(server) * 4 + 1))  # absurd: the socket closes
    with pytest.raises(ConnectionClosed) as info:
        await customer.recv()
    assert info.value.rcvd is not None
    assert info.value.rcvd.code == 1009
    await bystander_served(bystander, [0])


def server_limit(server: RunningServer) -> int:
    return 65536


async def test_rate_limit(server: RunningServer, clients) -> None:
    bystander, _ = await start_customer(clients, server, name="旁观者")
    flooder, _ = await start_customer(clients, server)
    for i in range(60):
        await flooder.send(Ping(nonce=str(i)))
    frames = [await flooder.recv() for _ in range(60)]
    limited = [f for f in frames if isinstance(f, Error)]
    assert limited
    assert {e.code for e in limited} == {ErrorCode.RATE_LIMITED}
    # the burst went through (the conversation.start frame took one token)
    assert sum(isinstance(f, Pong) for f in frames) >= 19
    await bystander_served(bystander, [0])


async def test_agent_frames_need_a_login(server: RunningServer, clients) -> None:
    agent = await clients(server.agent_url)
    await agent.send(SetStatus(status="online"))
    assert (await agent.expect(Error)).code == ErrorCode.NOT_AUTHENTICATED
    await agent.send_raw('{"type":"conversation.start"}')  # a customer frame on the agent side
    assert (await agent.expect(Error)).code == ErrorCode.UNKNOWN_TYPE
    await still_served(agent)


async def test_bad_credentials_and_tokens(server: RunningServer, clients) -> None:
    agent_id = await add_agent(server, "li")
    agent = await clients(server.agent_url)
    await agent.send(Login(username="li", password="wrong-password"))
    assert (await agent.expect(Error)).code == ErrorCode.BAD_CREDENTIALS
    await agent.send(Login(username="nobody", password="wrong-password"))
    assert (await agent.expect(Error)).code == ErrorCode.BAD_CREDENTIALS
    await agent.send(TokenLogin(token="not-a-real-token-0123456789"))
    assert (await agent.expect(Error)).code == ErrorCode.TOKEN_INVALID
    expired, _ = await server.store.write(lambda s: issue_token(s, agent_id, -1))
    await agent.send(TokenLogin(token=expired))
    assert (await agent.expect(Error)).code == ErrorCode.TOKEN_EXPIRED
    await agent.send(Login(username="li", password=PASSWORD))
    await agent.expect(AuthOk)


async def test_a_login_that_expires_mid_connection(server: RunningServer, clients) -> None:
    await add_agent(server, "li")
    agent, auth = await login_agent(clients, server, "li")
    assert auth.expires_at > utcnow() + timedelta(hours=11)
    (conn,) = server.hub.agent_connections
    # the clock moves on: the login on this connection is now past its expiry
    conn.principal = dataclasses.replace(conn.principal, expires_at=utcnow())
    await agent.send(SetStatus(status="away"))
    assert (await agent.expect(Error)).code == ErrorCode.TOKEN_EXPIRED
    await agent.send(SetStatus(status="online"))
    assert (await agent.expect(Error)).code == ErrorCode.NOT_AUTHENTICATED


async def test_an_agent_cannot_touch_another_agents_conversation(
    server: RunningServer, clients
) -> None:
    await add_agent(server, "li", capacity=1)
    await add_agent(server, "wang", capacity=0)
    await add_agent(server, "boss", role="supervisor", capacity=0)
    li, _ = await login_agent(clients, server, "li")
    wang, wang_auth = await login_agent(clients, server, "wang")
    customer, started = await start_customer(clients, server)
    cid = started.conversation_id
    await customer.send(SendMessage(client_msg_id="c1", text="转人工"))
    await li.expect(ConversationAssigned)

    attempts = [
        SendMessage(conversation_id=cid, client_msg_id="w1", text="我来"),
        SendMessage(conversation_id=cid, client_msg_id="w2", text="note", internal=True),
        Typing(conversation_id=cid),
        SyncConversation(conversation_id=cid, last_seq=0),
        CloseConversation(conversation_id=cid),
        ReturnToBot(conversation_id=cid),
        TransferConversation(conversation_id=cid, to_agent_id=wang_auth.agent.id),
        TransferConversation(conversation_id=cid, to_team="售后"),
    ]
    for frame in attempts:
        await wang.send(frame)
        error = await wang.expect(Error)
        assert error.code == ErrorCode.FORBIDDEN, frame
    await wang.send(SendMessage(client_msg_id="w3", text="which one?"))
    assert (await wang.expect(Error)).code == ErrorCode.INVALID_FIELD
    await wang.send(TransferConversation(conversation_id=cid))
    assert (await wang.expect(Error)).code == ErrorCode.INVALID_FIELD

    boss, _ = await login_agent(clients, server, "boss")  # supervisors may act on any
    await boss.send(SendMessage(conversation_id=cid, client_msg_id="s1", text="主管介入"))
    assert (await boss.expect(Ack)).seq > 0
    await boss.send(CloseConversation(conversation_id=cid))
    await boss.barrier()
    await li.send(SendMessage(conversation_id=cid, client_msg_id="l1", text="晚了"))
    assert (await li.expect(Error)).code == ErrorCode.CONVERSATION_CLOSED


async def test_unknown_conversations(server: RunningServer, clients) -> None:
    await add_agent(server, "boss", role="admin")
    boss, _ = await login_agent(clients, server, "boss")
    for frame in (
        SendMessage(conversation_id="nope", client_msg_id="x", text="hi"),
        CloseConversation(conversation_id="nope"),
        SyncConversation(conversation_id="nope"),
    ):
        await boss.send(frame)
        assert (await boss.expect(Error)).code == ErrorCode.NOT_FOUND
    await still_served(boss)


async def test_an_unexpected_failure_is_an_internal_error_not_a_crash(
    server: RunningServer, clients
) -> None:
    customer, _ = await start_customer(clients, server)

    async def broken(*_args: object) -> None:
        raise RuntimeError("bug")

    server.conversations.rate = broken  # type: ignore[method-assign]
    await customer.send_raw('{"type":"conversation.rate","score":5}')
    assert (await customer.expect(Error)).code == ErrorCode.INTERNAL
    await still_served(customer)
