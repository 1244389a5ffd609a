"""One WebSocket connection and the read loop every endpoint shares.

The loop is the only place that turns bad input into ``error`` frames: a frame over the size
limit, over the rate limit, binary, not JSON, of an unknown type or with a wrong field gets an
``error`` frame with a stable code, and the connection stays usable. Anything an endpoint
raises as a :class:`DeskError` becomes an ``error`` frame with that error's code; any other
exception is logged and answered with ``internal``. The endpoint only sees valid frames.

Sending never blocks the sender: frames go into the connection's transport without waiting
for the client (see :meth:`Connection.push`), so one slow client cannot stall a fan-out. A
client that stops reading and lets more than :data:`MAX_BUFFERED` bytes pile up is dropped.

Replay without duplicates: while a contact resumes (or an agent syncs) a conversation, live
messages for it are held back; after the replay (everything up to seq *n*), held and later
messages with seq <= *n* are dropped, since the replay carried them. Nothing is sent twice,
nothing is missed.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable
from typing import Any, Protocol

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from desk_app.protocol.errors import DeskError, ErrorCode, ProtocolError
from desk_app.protocol.messages import Error, Frame, Message, MessageFrame, encode, ref_of
from desk_app.server.ratelimit import TokenBucket

log = logging.getLogger("desk_app.server.connection")

MAX_BUFFERED = 4 * 1024 * 1024
"""Bytes queued for one client before it counts as not reading and is disconnected."""

RATE_LIMIT_STRIKES = 200
"""Refused frames in a row (over the rate limit) after which the connection is closed."""

_ids = itertools.count(1)


class Connection:
    """A customer's or agent's connection: identity, rate limit, non-blocking send."""

    def __init__(
        self,
        ws: ServerConnection,
        side: str,
        *,
        rate_per_s: float,
        burst: int,
        max_frame_bytes: int,
    ) -> None:
        self.ws = ws
        self.side = side
        self.id = f"{side[0]}{next(_ids)}"
        self.bucket = TokenBucket(rate_per_s, burst, time.monotonic())
        self.max_frame_bytes = max_frame_bytes
        self.strikes = 0
        # customer side: the conversation this connection speaks for
        self.conversation_id: str | None = None
        self.contact_name = ""
        self.locale = "zh-CN"
        # agent side: who is logged in (set by the agent endpoint)
        self.principal: Any = None
        self._held: dict[str, list[tuple[int, bytes]]] = {}
        self._outbox: list[bytes] | None = None
        self._loop = asyncio.get_running_loop()
        self._floor: dict[str, int] = {}

    @property
    def open(self) -> bool:
        return self.ws.protocol.state is State.OPEN

    # -- sending ------------------------------------------------------------------------------

    def push(self, data: bytes) -> None:
        """Queue one encoded frame; every frame queued in this loop turn goes out together.

        One ``socket.send`` per loop turn and connection instead of one per frame: an agent
        holding many conversations gets their messages in one write, and a reply and a
        fan-out to the same client share it. Costs at most one loop turn of latency.
        """
        if self._outbox is not None:
            self._outbox.append(data)
        elif self.open:
            self._outbox = [data]
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        frames, self._outbox = self._outbox, None
        ws = self.ws
        if not frames or ws.protocol.state is not State.OPEN:
            return
        protocol = ws.protocol
        for data in frames:
            protocol.send_text(data)
        chunks = protocol.data_to_send()
        transport = ws.transport
        joined = b"".join(chunks)
        if joined:
            transport.write(joined)
        if b"" in chunks:  # the protocol asked for a half-close (not expected while open)
            ws.send_data()
        if transport.get_write_buffer_size() > MAX_BUFFERED:
            log.warning("connection.slow_consumer", extra={"connection": self.id})
            transport.abort()

    def send(self, frame: Frame) -> None:
        self.push(encode(frame))

    def error(self, code: ErrorCode, message: str, ref: str | None = None) -> None:
        self.send(Error(code=code, message=message, ref=ref))

    # -- messages with replay ------------------------------------------------------------------

    def deliver(self, message: Message, data: bytes | None = None) -> None:
        """Send a ``message`` frame unless a replay of that conversation carries it."""
        cid, seq = message.conversation_id, message.seq
        if data is None:
            data = encode(MessageFrame(message=message))
        held = self._held.get(cid)
        if held is not None:
            held.append((seq, data))
            return
        if seq <= self._floor.get(cid, 0):
            return
        self.push(data)

    def replay(self, message: Message) -> None:
        """Send a message read for a replay (between :meth:`hold` and :meth:`release`)."""
        self.push(encode(MessageFrame(message=message)))

    def hold(self, conversation_id: str) -> None:
        """Start a replay: live messages of this conversation wait until :meth:`release`."""
        self._held.setdefault(conversation_id, [])

    def release(self, conversation_id: str, replayed_up_to: int) -> None:
        """The replay sent everything up to ``replayed_up_to``: send what is newer."""
        held = self._held.pop(conversation_id, [])
        floor = max(self._floor.get(conversation_id, 0), replayed_up_to)
        self._floor[conversation_id] = floor
        for seq, data in sorted(held, key=lambda item: item[0]):
            if seq > floor:
                self.push(data)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await self.ws.close(code, reason)


class Endpoint(Protocol):
    side: str

    def parse(self, raw: str | bytes) -> Any: ...

    async def handle(self, conn: Connection, frame: Any) -> None: ...

    async def closed(self, conn: Connection) -> None: ...


async def serve_connection(conn: Connection, endpoint: Endpoint) -> None:
    """Read frames until the client goes; answer bad ones with ``error`` frames."""
    log.debug("connection.opened", extra={"connection": conn.id, "side": conn.side})
    try:
        async for raw in conn.ws:
            await _one_frame(conn, endpoint, raw)
    except ConnectionClosed:
        pass
    finally:
        try:
            await endpoint.closed(conn)
        except Exception:
            log.exception("connection.cleanup_failed", extra={"connection": conn.id})
        log.debug("connection.closed", extra={"connection": conn.id, "side": conn.side})


async def _one_frame(conn: Connection, endpoint: Endpoint, raw: str | bytes) -> None:
    if not conn.bucket.take(time.monotonic()):
        conn.strikes += 1
        if conn.strikes >= RATE_LIMIT_STRIKES:
            log.warning("connection.rate_limit_close", extra={"connection": conn.id})
            await conn.close(1008, "rate limit exceeded")
            return
        conn.error(ErrorCode.RATE_LIMITED, "too many frames; slow down", _ref(raw))
        return
    conn.strikes = 0
    size = len(raw) if isinstance(raw, bytes) else _utf8_len(raw, conn.max_frame_bytes)
    if size > conn.max_frame_bytes:
        conn.error(
            ErrorCode.FRAME_TOO_LARGE,
            f"frame of {size} bytes is over the {conn.max_frame_bytes}-byte limit",
        )
        return
    try:
        frame = endpoint.parse(raw)
    except ProtocolError as exc:
        conn.error(exc.code, exc.detail, _ref(raw))
        return
    await run_guarded(conn, endpoint.handle(conn, frame), ref=_ref_of_frame(frame))


async def run_guarded(conn: Connection, work: Awaitable[None], *, ref: str | None) -> None:
    """Await an endpoint action; its DeskError becomes an ``error`` frame."""
    try:
        await work
    except DeskError as exc:
        conn.error(exc.code, exc.detail, ref)
    except ConnectionClosed:
        raise
    except Exception:
        log.exception("connection.frame_failed", extra={"connection": conn.id})
        conn.error(ErrorCode.INTERNAL, "internal error; the frame was not processed", ref)


def _utf8_len(text: str, limit: int) -> int:
    # a str of n characters is n..4n bytes: only encode when it could be over the limit
    return len(text) if len(text) * 4 <= limit else len(text.encode("utf-8", "surrogatepass"))


def _ref(raw: str | bytes) -> str | None:
    if isinstance(raw, bytes) or len(raw) > 70_000:
        return None
    return ref_of(raw)


def _ref_of_frame(frame: Any) -> str | None:
    return getattr(frame, "client_msg_id", None) or getattr(frame, "request_id", None)
