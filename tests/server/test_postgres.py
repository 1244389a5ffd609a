"""The server on PostgreSQL (``--db postgresql+psycopg://...``), when one is reachable."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from desk_app.protocol.messages import (
    Ack,
    CloseConversation,
    ConversationAssigned,
    MessageFrame,
    Sender,
    SendMessage,
)
from desk_app.server.app import ServerConfig, run_server
from desk_app.store import conversations as repo

from .conftest import add_agent, login_agent, start_customer

pytestmark = pytest.mark.postgres

PG = "host=127.0.0.1 port=5432 dbname=test user=postgres"


@pytest.fixture
def pg_url() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed")
    try:
        admin = psycopg.connect(PG, autocommit=True, connect_timeout=2)
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 (db test) is unreachable: {exc}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield (
                "postgresql+psycopg://postgres@127.0.0.1:5432/test"
                f"?options=-csearch_path%3D{schema}"
            )
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def test_a_conversation_end_to_end_on_postgresql(pg_url: str, clients) -> None:
    config = ServerConfig(port=0, db_url=pg_url, ping_interval_s=None)
    async with run_server(config) as server:
        await add_agent(server, "li")
        agent, _ = await login_agent(clients, server, "li")
        customer, started = await start_customer(clients, server)
        cid = started.conversation_id
        await customer.send(SendMessage(client_msg_id="c1", text="你好"))
        assert (await customer.expect(Ack)).seq == 1
        assert (await customer.expect(MessageFrame)).message.sender is Sender.BOT
        await customer.send(SendMessage(client_msg_id="c2", text="转人工"))
        detail = (await agent.expect(ConversationAssigned)).conversation
        assert [m.seq for m in detail.transcript] == [1, 2, 3, 4]
        await agent.send(SendMessage(conversation_id=cid, client_msg_id="a1", text="您好"))
        assert (await agent.expect(Ack)).seq == 5
        await customer.send(SendMessage(client_msg_id="c2", text="转人工"))  # a resend
        again = await customer.expect(Ack, lambda a: a.duplicate)
        assert again.seq == 3
        await agent.send(CloseConversation(conversation_id=cid))
        await agent.barrier()
        stored = await server.store.read(lambda s: repo.messages_after(s, cid))
    assert [(m.seq, m.sender) for m in stored] == [
        (1, Sender.CONTACT),
        (2, Sender.BOT),
        (3, Sender.CONTACT),
        (4, Sender.BOT),
        (5, Sender.AGENT),
    ]
