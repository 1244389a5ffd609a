"""Contacts' messages stored by the writer process (``desk_app.store.contact_writer``).

A real child process on the test's database (a SQLite file, then PostgreSQL when it
answers): what it acknowledges is in the store, in
order; a resend is recognised; and when the child dies mid-conversation the server goes on
with its own writer, losing nothing and storing nothing twice.
"""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from desk_app.protocol.messages import (
    Ack,
    ConversationAssigned,
    Message,
    MessageFrame,
    Sender,
    SendMessage,
)
from desk_app.server.app import RunningServer
from desk_app.store import conversations as repo

from .conftest import Client, add_agent, login_agent, start_customer


@pytest.fixture
def db_url(any_db_url: str) -> str:
    return any_db_url


async def stored(server: RunningServer, cid: str) -> list[Message]:
    return await server.store.read(lambda s: repo.messages_after(s, cid))


def contact_texts(messages: list[Message]) -> list[str]:
    return [m.text for m in messages if m.sender is Sender.CONTACT and m.text != "转人工"]


def from_contact(frame: MessageFrame) -> bool:
    return frame.message.sender is Sender.CONTACT and frame.message.text.startswith("第")


async def agent_held(server: RunningServer, clients) -> tuple[Client, Client, str]:
    """A customer whose conversation an agent holds: the conversations the child writes."""
    await add_agent(server, "li")
    agent, _ = await login_agent(clients, server, "li")
    customer, started = await start_customer(clients, server)
    await customer.send(SendMessage(client_msg_id="human", text="转人工"))
    await agent.expect(ConversationAssigned)
    await customer.expect(Ack)
    return customer, agent, started.conversation_id


async def test_the_writer_process_stores_and_acknowledges_in_order(
    server: RunningServer, clients
) -> None:
    writer = server.conversations.contact_writer
    assert writer is not None, "the server stores contacts' messages in a child process"
    customer, agent, cid = await agent_held(server, clients)
    for k in range(20):  # sent back to back: they reach the child together
        await customer.send(SendMessage(client_msg_id=f"m{k}", text=f"第{k}条"))
    acks = [await customer.expect(Ack) for _ in range(20)]
    assert [a.client_msg_id for a in acks] == [f"m{k}" for k in range(20)]
    seqs = [a.seq for a in acks]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 20
    assert writer.answered == 20
    pushed = [await agent.expect(MessageFrame, from_contact) for _ in range(20)]
    assert [f.message.seq for f in pushed] == seqs

    await customer.send(SendMessage(client_msg_id="m3", text="第3条"))  # a resend
    again = await customer.expect(Ack)
    assert again.duplicate
    assert again.seq == seqs[3]

    assert contact_texts(await stored(server, cid)) == [f"第{k}条" for k in range(20)]


async def test_when_the_writer_process_dies_the_server_stores_on_its_own(
    server: RunningServer, clients
) -> None:
    writer = server.conversations.contact_writer
    assert writer is not None
    customer, agent, cid = await agent_held(server, clients)
    await customer.send(SendMessage(client_msg_id="before", text="之前"))
    await customer.expect(Ack)
    assert writer.answered == 1

    os.kill(writer.pid, signal.SIGKILL)
    for k in range(10):  # some may have reached the child before it died, some not
        await customer.send(SendMessage(client_msg_id=f"m{k}", text=f"第{k}条"))
    acks = [await customer.expect(Ack) for _ in range(10)]
    assert [a.client_msg_id for a in acks] == [f"m{k}" for k in range(10)]
    await asyncio.wait_for(writer.wait_closed(), 10)

    await customer.send(SendMessage(client_msg_id="after", text="之后"))
    await customer.expect(Ack)
    messages = await stored(server, cid)
    assert contact_texts(messages) == ["之前", *(f"第{k}条" for k in range(10)), "之后"]
    # the agent was shown each of them once, those the child stored before dying included
    pushed = [await agent.expect(MessageFrame, from_contact) for _ in range(10)]
    assert [f.message.text for f in pushed] == [f"第{k}条" for k in range(10)]
    assert [m.seq for m in messages] == list(range(1, len(messages) + 1))  # gapless
