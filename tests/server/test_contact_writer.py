"""Contacts' messages stored by the writer process (``desk_app.store.contact_writer``).

A real child process on the test's SQLite file: what it acknowledges is in the store, in
order; a resend is recognised; and when the child dies mid-conversation the server goes on
with its own writer, losing nothing and storing nothing twice.
"""

from __future__ import annotations

import asyncio
import os
import signal

from desk_app.protocol.messages import Ack, Message, Sender, SendMessage
from desk_app.server.app import RunningServer
from desk_app.store import conversations as repo

from .conftest import start_customer


async def stored(server: RunningServer, cid: str) -> list[Message]:
    return await server.store.read(lambda s: repo.messages_after(s, cid))


def contact_texts(messages: list[Message]) -> list[str]:
    return [m.text for m in messages if m.sender is Sender.CONTACT]


async def test_the_writer_process_stores_and_acknowledges_in_order(
    server: RunningServer, clients
) -> None:
    writer = server.conversations.contact_writer
    assert writer is not None, "a server on a SQLite file stores contacts' messages in a child"
    customer, started = await start_customer(clients, server)
    cid = started.conversation_id
    for k in range(20):  # sent back to back: they reach the child together
        await customer.send(SendMessage(client_msg_id=f"m{k}", text=f"第{k}条"))
    acks = [await customer.expect(Ack) for _ in range(20)]
    assert [a.client_msg_id for a in acks] == [f"m{k}" for k in range(20)]
    seqs = [a.seq for a in acks]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 20

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
    customer, started = await start_customer(clients, server)
    cid = started.conversation_id
    await customer.send(SendMessage(client_msg_id="before", text="之前"))
    await customer.expect(Ack)

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
    assert [m.seq for m in messages] == list(range(1, len(messages) + 1))  # gapless
