"""Graceful shutdown: clients are told, connections close with 1001, writes are committed."""

from __future__ import annotations

import asyncio

from websockets.exceptions import ConnectionClosed

from desk_app.protocol.messages import Ack, SendMessage, ServerShutdown
from desk_app.server.app import ServerConfig, run_server
from desk_app.store import conversations as repo
from desk_app.store.database import Store

from .conftest import Client, start_customer


async def until_closed(client: Client) -> tuple[list[object], int | None]:
    """Every frame until the server closes the connection, and the close code."""
    frames: list[object] = []
    try:
        while True:
            frames.append(await client.recv())
    except ConnectionClosed as closed:
        return frames, closed.rcvd.code if closed.rcvd else None


async def test_shutdown_tells_clients_and_keeps_every_ack(db_url: str, clients) -> None:
    config = ServerConfig(port=0, db_url=db_url, ping_interval_s=None)
    async with run_server(config) as server:
        customer, started = await start_customer(clients, server)
        for i in range(20):
            await customer.send(SendMessage(client_msg_id=f"m{i}", text=f"{i}"))
        await customer.expect(Ack, lambda a: a.client_msg_id == "m0")
        reading = asyncio.create_task(until_closed(customer))  # a client that keeps reading
    frames, code = await reading
    assert code == 1001
    shutdown = [f for f in frames if isinstance(f, ServerShutdown)]
    assert len(shutdown) == 1
    assert shutdown[0].retry_after >= 1
    acked = {a.client_msg_id for a in customer.taken(Ack) + frames if isinstance(a, Ack)}
    acked.add("m0")
    with Store.open(db_url, migrate=False) as store:
        stored = store.read_sync(lambda s: repo.messages_after(s, started.conversation_id))
    assert acked <= {m.client_msg_id for m in stored}
