"""The bot server: configuration, start-up, graceful shutdown, and a thread runner.

:func:`run_server` wires the parts (store, hub, routing, conversation and staff services,
the two endpoints, the HTTP gate) onto one websockets server and one port::

    async with run_server(ServerConfig(port=0, db_url=url)) as server:
        ...  # server.url == "ws://127.0.0.1:<port>"

Leaving the block shuts down gracefully: stop accepting, send ``server.shutdown`` to every
client, let the bot answer what it was given (briefly), close the connections (1001), then
commit every queued write and close the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import ssl
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import text
from websockets.asyncio.server import Server, ServerConnection, serve

from desk_app.bot.seam import Bot
from desk_app.protocol.messages import ServerShutdown
from desk_app.server.agent import AgentEndpoint
from desk_app.server.connection import Connection, DeskWebSocket, serve_connection
from desk_app.server.conversations import ConversationService
from desk_app.server.customer import CustomerEndpoint
from desk_app.server.http import HttpGate, HttpHandler
from desk_app.server.hub import Hub
from desk_app.server.presence import Roster
from desk_app.server.routing import Router
from desk_app.server.staff import StaffService
from desk_app.store.database import Store

if TYPE_CHECKING:
    from desk_app.server.knowledge import KnowledgeService

log = logging.getLogger("desk_app.server")

__all__ = ["RunningServer", "ServerConfig", "run_server", "serve_in_thread"]


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8765  # 0 picks a free port (tests)
    db_url: str | None = None  # None: the SQLite file in the user's data directory
    certfile: str | None = None  # with keyfile: serve wss:// (TLS)
    keyfile: str | None = None
    allowed_origins: list[str] | None = None  # browser origins besides same-origin; "*" = any
    max_frame_bytes: int = 65536  # larger frames get error frame_too_large
    rate_limit_per_s: float = 20.0  # frames per second per connection, on average
    rate_burst: int = 40  # frames at once before the rate limit applies
    token_ttl_s: float = 12 * 3600  # agent login lifetime
    grace_period_s: float = 60.0  # a disconnected agent keeps their conversations this long
    shutdown_retry_after: int = 2  # seconds clients are told to wait before reconnecting
    shutdown_drain_s: float = 2.0  # how long the bot may finish answering at shutdown
    ping_interval_s: float | None = 20.0  # WebSocket keepalive; None disables it
    # contacts' messages stored by a second process, on the other core (store.contact_writer);
    # it reads its pipe with select(), which Windows offers for sockets only
    writer_process: bool = sys.platform != "win32"
    http_handler: HttpHandler | None = field(default=None, repr=False)  # extra HTTP routes


@dataclass
class RunningServer:
    url: str  # ws://host:port (wss:// with TLS); endpoints at url + "/ws/customer" etc.
    port: int
    store: Store
    hub: Hub
    conversations: ConversationService
    staff: StaffService
    loop: asyncio.AbstractEventLoop
    ws_server: Server = field(repr=False)

    @property
    def customer_url(self) -> str:
        return f"{self.url}/ws/customer"

    @property
    def agent_url(self) -> str:
        return f"{self.url}/ws/agent"


@contextlib.asynccontextmanager
async def run_server(
    config: ServerConfig,
    *,
    bot: Bot | None = None,
    knowledge: KnowledgeService | Callable[[Store], KnowledgeService] | None = None,
    store: Store | None = None,
) -> AsyncIterator[RunningServer]:
    """Serve until the block exits. ``bot`` defaults to :class:`KeywordBot`.

    ``store``: an open store to use (and leave open); by default the server opens (and
    migrates) ``config.db_url`` and closes it at the end. ``knowledge`` may be a factory
    taking the store, since a KnowledgeService needs the store the server opens.
    """
    own_store = store is None
    if store is None:
        store = await asyncio.to_thread(Store.open, config.db_url)
    service: KnowledgeService | None = None
    if knowledge is not None:
        service = knowledge if hasattr(knowledge, "search") else knowledge(store)  # type: ignore[operator]
    hub = Hub()
    router = Router()
    roster = Roster(hub)
    conversations = ConversationService(store, hub, router, roster, bot=bot, knowledge=service)
    staff = StaffService(
        store,
        hub,
        router,
        roster,
        conversations,
        token_ttl_s=config.token_ttl_s,
        grace_period_s=config.grace_period_s,
    )
    customer = CustomerEndpoint(conversations, hub)
    agent = AgentEndpoint(conversations, staff)

    async def health() -> dict[str, Any]:
        try:
            await asyncio.wait_for(store.read(lambda s: s.execute(text("SELECT 1")).scalar()), 5)
            db = "ok"
        except Exception:  # any failure is a finding, not a crash
            db = "unavailable"
        return {
            "status": "ok" if db == "ok" and not gate.stopping else "unavailable",
            "db": db,
            "customers": len(hub.customer_connections),
            "agents": len(hub.connected_agent_ids()),
            "waiting": len(router.queue),
            "bot_pending": conversations.bot.pending,
        }

    gate = HttpGate(
        allowed_origins=config.allowed_origins, health=health, extra=config.http_handler
    )

    async def handler(ws: ServerConnection) -> None:
        path = urlsplit(ws.request.path).path if ws.request else ""
        endpoint: CustomerEndpoint | AgentEndpoint = customer if path == "/ws/customer" else agent
        conn = Connection(
            ws,
            endpoint.side,
            rate_per_s=config.rate_limit_per_s,
            burst=config.rate_burst,
            max_frame_bytes=config.max_frame_bytes,
        )
        endpoint.opened(conn)
        await serve_connection(conn, endpoint)

    tls: ssl.SSLContext | None = None
    if config.certfile:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(config.certfile, config.keyfile)

    await conversations.start(writer_process=config.writer_process)
    try:
        await staff.restore()
        ws_server = await serve(
            handler,
            config.host,
            config.port,
            process_request=gate.process_request,
            # frames a little over the limit get a clear error frame_too_large and the
            # connection lives on; only absurd ones (4x) close it with 1009
            max_size=config.max_frame_bytes * 4,
            # frames go straight to the connection's callback, not through websockets'
            # message queue; back-pressure is Connection's (PAUSE_AT)
            create_connection=DeskWebSocket,
            compression=None,  # chat frames are small: deflate would cost CPU for nothing
            ssl=tls,
            server_header="agent-desk",
            ping_interval=config.ping_interval_s,
            ping_timeout=config.ping_interval_s,
        )
    except BaseException:  # e.g. the port is taken: leave nothing running behind
        staff.stop()
        await conversations.stop()
        if own_store:
            await asyncio.to_thread(store.close)
        raise
    _settle_heap()
    port = ws_server.sockets[0].getsockname()[1]
    scheme = "wss" if tls else "ws"
    host = config.host if config.host not in ("", "0.0.0.0", "::") else "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    running = RunningServer(
        url=f"{scheme}://{host}:{port}",
        port=port,
        store=store,
        hub=hub,
        conversations=conversations,
        staff=staff,
        loop=asyncio.get_running_loop(),
        ws_server=ws_server,
    )
    log.info(
        "server.started",
        extra={"port": port, "tls": tls is not None, "db": store.engine.dialect.name},
    )
    try:
        yield running
    finally:
        await _shut_down(config, ws_server, gate, hub, conversations, staff, store, own_store)


# Young collections run every GEN0_THRESHOLD net allocations. Python's default (700) makes
# them, and the full collections they escalate to, frequent on a server that allocates a few
# hundred objects per message; 10x fewer young collections, each still well under a
# millisecond, cost the same in total but take pauses out of the latency tail.
GEN0_THRESHOLD = 7_000


def _settle_heap() -> None:
    """Move everything alive after start-up out of the collector's sight.

    The bot's knowledge engine (scikit-learn, numpy, jieba's dictionary, the index) is
    millions of long-lived objects. Every full collection walked all of them: gen-2 pauses
    of up to 250 ms at 1,000 connections, each one stop-the-world and straight into p99.
    ``gc.freeze()`` puts what exists now into the permanent generation, which collections
    skip (measured: the longest gen-2 pause went to 17 ms). Objects frozen are never
    collected as cycles, which is right for start-up state that lives as long as the
    process; anything created later (connections, conversations) is collected as usual.
    """
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(max(GEN0_THRESHOLD, gc.get_threshold()[0]), gen1, gen2)


async def _shut_down(
    config: ServerConfig,
    ws_server: Server,
    gate: HttpGate,
    hub: Hub,
    conversations: ConversationService,
    staff: StaffService,
    store: Store,
    own_store: bool,
) -> None:
    log.info("server.stopping", extra={"connections": len(hub.customer_connections)})
    gate.stopping = True
    ws_server.server.close()  # stop accepting; open connections carry on for now
    hub.to_everyone(ServerShutdown(retry_after=config.shutdown_retry_after))
    staff.stop()  # no grace timers: nobody is leaving, the server is
    await conversations.bot.drain(config.shutdown_drain_s)
    ws_server.close(close_connections=True)
    try:
        await asyncio.wait_for(ws_server.wait_closed(), 15)
    except TimeoutError:
        log.warning("server.close_timeout")
    await conversations.stop()
    if own_store:
        await asyncio.to_thread(store.close)
    else:
        await store.flush()
    log.info("server.stopped")


@contextlib.contextmanager
def serve_in_thread(
    config: ServerConfig,
    *,
    bot: Bot | None = None,
    knowledge: KnowledgeService | Callable[[Store], KnowledgeService] | None = None,
    store: Store | None = None,
) -> Iterator[RunningServer]:
    """The server on its own asyncio loop in a daemon thread (Qt tests, ``desk demo``).

    Returns once the server listens; leaving the block shuts it down gracefully and joins
    the thread. Use ``running.loop`` with ``asyncio.run_coroutine_threadsafe`` to run
    coroutines on the server's loop.
    """
    ready = threading.Event()
    box: dict[str, Any] = {}
    loop = asyncio.new_event_loop()

    async def main() -> None:
        stop = asyncio.Event()
        box["stop"] = stop
        try:
            async with run_server(config, bot=bot, knowledge=knowledge, store=store) as running:
                box["running"] = running
                ready.set()
                await stop.wait()
        except BaseException as exc:
            box["error"] = exc
            ready.set()
            if not isinstance(exc, Exception):
                raise

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(main())
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="desk-server", daemon=True)
    thread.start()
    ready.wait()
    if "error" in box:
        thread.join(10)
        raise box["error"]
    try:
        yield box["running"]
    finally:
        with contextlib.suppress(RuntimeError):  # the loop may be gone already
            loop.call_soon_threadsafe(box["stop"].set)
        thread.join(30)
