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
import collections
import itertools
import logging
import struct
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode, Frame as WsFrame, Opcode
from websockets.protocol import State

try:
    from websockets.speedups import apply_mask  # C, as websockets' own parser uses
except ImportError:  # pragma: no cover - a build without the extension
    from websockets.utils import apply_mask

from desk_app.protocol.errors import DeskError, ErrorCode, ProtocolError
from desk_app.protocol.messages import Error, Frame, Message, MessageFrame, encode, ref_of
from desk_app.server.ratelimit import TokenBucket

log = logging.getLogger("desk_app.server.connection")

MAX_BUFFERED = 4 * 1024 * 1024
"""Bytes queued for one client before it counts as not reading and is disconnected."""

RATE_LIMIT_STRIKES = 200
"""Refused frames in a row (over the rate limit) after which the connection is closed."""

PAUSE_AT = 64
"""Frames received but not yet answered (waiting their turn or their commit) at which the
server stops reading from the client's socket; it reads on once they are down to
:data:`RESUME_AT`. Back-pressure per connection, in place of websockets' ``max_queue``."""
RESUME_AT = 16

_ids = itertools.count(1)

OPEN = State.OPEN
_TEXT, _BINARY, _CONT = Opcode.TEXT, Opcode.BINARY, Opcode.CONT
# Unmasked server text frames (RFC 6455 5.2): FIN + opcode 1, then the payload length.
_SHORT_HEADERS = [bytes((0x81, n)) for n in range(126)]
_HEADER_16 = struct.Struct("!BBH").pack
_HEADER_64 = struct.Struct("!BBQ").pack


_HTTP, _FRAMES, _WEBSOCKETS = 0, 1, 2  # who reads the bytes, see DeskWebSocket.data_received
_MAX_REQUEST = 65536


def _text_header(size: int) -> bytes:
    if size < 126:
        return _SHORT_HEADERS[size]
    if size < 65536:
        return _HEADER_16(0x81, 126, size)
    return _HEADER_64(0x81, 127, size)


class DeskWebSocket(ServerConnection):
    """websockets' server connection, with each complete message handed to a callback.

    websockets runs the opening handshake, answers pings and runs the closing handshake as
    usual. Two things are cut short, because per message they cost about as much CPU as
    everything else the server does with a chat message besides storing it:

    * Messages skip websockets' message queue (``Assembler``) and ``recv()`` (a future and
      a wake-up of the reading coroutine per message): :attr:`on_message` is called with
      each complete message, text as ``str`` (invalid UTF-8 closes the connection with
      1007, as ``recv()`` would), binary as ``bytes``. Messages that complete before it is
      set are kept and handed over when it is.
    * The common frame, a whole masked text message within the size limit on an open
      connection, is cut from the bytes here (a header check and websockets' C unmasking),
      not by websockets' generator-based parser. Every other frame (control, binary,
      fragmented, too large, unmasked) is handed to websockets whole, so its parser always
      starts at a frame boundary; anything it refuses, it refuses as before. Bytes that
      came with the handshake request, or anything unusual, leave websockets reading the
      connection from then on.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_message: Callable[[str | bytes], None] | None = None
        self._early: list[str | bytes] = []
        self._fragments: list[bytes] | None = None
        self._fragments_text = False
        self._mode = _HTTP
        self._pending = b""  # the request so far (_HTTP), or an incomplete frame (_FRAMES)
        self._refused = False  # invalid UTF-8 came: nothing more is read

    @property
    def on_message(self) -> Callable[[str | bytes], None] | None:
        return self._on_message

    @on_message.setter
    def on_message(self, callback: Callable[[str | bytes], None]) -> None:
        self._on_message = callback
        early, self._early = self._early, []
        for message in early:
            callback(message)

    # -- bytes in -------------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        mode = self._mode
        if mode == _FRAMES:
            self._frames_received(data)
            return
        if mode == _HTTP:
            # the request ends at its blank line (a GET has no body); frames are ours to
            # cut only if websockets got nothing after it, so its parser is at a frame start
            seen = self._pending + data
            end = seen.find(b"\r\n\r\n")
            if end >= 0:
                self._mode = _FRAMES if end + 4 == len(seen) else _WEBSOCKETS
                self._pending = b""
            elif len(seen) > _MAX_REQUEST:
                self._mode = _WEBSOCKETS
                self._pending = b""
            else:
                self._pending = seen
        super().data_received(data)

    def _frames_received(self, data: bytes) -> None:
        protocol = self.protocol
        buf = self._pending + data if self._pending else data
        self._pending = b""
        size = len(buf)
        pos = 0
        limit = protocol.max_message_size
        while size - pos >= 2:
            first, second = buf[pos], buf[pos + 1]
            length = second & 0x7F
            if length < 126:
                head = pos + 2
            elif length == 126:
                if size - pos < 4:
                    break
                length = (buf[pos + 2] << 8) | buf[pos + 3]
                head = pos + 4
            else:
                if size - pos < 10:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = pos + 10
            if (
                not second & 0x80  # unmasked: websockets fails the connection
                or (limit is not None and length > limit)  # too large: so does it
                or protocol.state is not OPEN  # closing: it discards what follows
            ):
                self._mode = _WEBSOCKETS
                super().data_received(buf[pos:])
                return
            end = head + 4 + length
            if end > size:
                break
            if (
                first == 0x81  # FIN, no extension bits, text
                and self._fragments is None
                and protocol.current_size is None
                and self._on_message is not None
            ):
                payload = apply_mask(buf[head + 4 : end], buf[head : head + 4])
                pos = end
                self._message(payload, True)
            else:
                chunk = buf[pos:end]
                pos = end
                super().data_received(chunk)
        if pos < size:
            self._pending = buf[pos:]

    # -- frames in (from websockets' parser) -----------------------------------------------------

    def process_event(self, event: Any) -> None:
        if self.request is None or not isinstance(event, WsFrame):
            super().process_event(event)  # the handshake request
            return
        opcode = event.opcode
        if opcode is _TEXT or opcode is _BINARY:
            if not event.fin:
                self._fragments = [bytes(event.data)]
                self._fragments_text = opcode is _TEXT
                return
            self._message(event.data, opcode is _TEXT)
        elif opcode is _CONT:
            if self._fragments is None:  # the protocol refuses a stray continuation
                return
            self._fragments.append(bytes(event.data))
            if event.fin:
                data, text = b"".join(self._fragments), self._fragments_text
                self._fragments = None
                self._message(data, text)
        else:
            super().process_event(event)  # pong

    def _message(self, data: Any, text: bool) -> None:
        if self._refused:
            return
        message: str | bytes
        if text:
            try:
                message = str(data, "utf-8")
            except UnicodeDecodeError as exc:
                # close after the answers to earlier frames (queued with call_soon) are out
                self._refused = True
                self.loop.call_soon(self._fail, f"{exc.reason} at position {exc.start}")
                return
        else:
            message = bytes(data)
        callback = self._on_message
        if callback is None:
            self._early.append(message)
        else:
            callback(message)

    def _fail(self, reason: str) -> None:
        if self.protocol.state is OPEN:
            self.protocol.fail(CloseCode.INVALID_DATA, reason)
            self.send_data()


class Connection:
    """A customer's or agent's connection: identity, rate limit, frame order, cheap send.

    Frames are handled in the order they arrive. One the endpoint can act on without
    waiting (:meth:`Endpoint.handle_now`: a contact's message, whose store write answers
    through a callback) is handled at once, inside the socket's read callback: no task, no
    future, no coroutine per message. Any other frame runs in this connection's one worker
    task, after the store writes of earlier frames have committed, and frames arriving
    meanwhile wait their turn behind it; so, as before, a frame's effects never overtake
    those of the frames sent before it.
    """

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
        # frames in, in order: see the class docstring
        self._endpoint: Endpoint | None = None
        self._inbox: collections.deque[str | bytes] = collections.deque()
        self._worker: asyncio.Task[None] | None = None
        self._writing = 0  # store writes started by frames handled at once, not yet done
        self._settled: asyncio.Future[None] | None = None  # set when _writing drops to 0
        self._paused = False
        self._tasks: set[asyncio.Task[Any]] = set()
        # websockets' framing is skipped for sends when no extension changes the frames
        self._own_framing = not getattr(ws.protocol, "extensions", None)

    @property
    def open(self) -> bool:
        return self.ws.protocol.state is OPEN

    @property
    def writing(self) -> bool:
        """Store writes started by earlier frames are not done yet."""
        return self._writing > 0

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
        if not frames or ws.protocol.state is not OPEN:
            return
        transport = ws.transport
        if self._own_framing:
            # the frame header written here: websockets' send_text builds a Frame object
            # and serializes it through several calls per frame (same bytes on the wire)
            if len(frames) == 1:
                data = frames[0]
                transport.write(_text_header(len(data)) + data)
            else:
                parts = []
                for data in frames:
                    parts.append(_text_header(len(data)))
                    parts.append(data)
                transport.write(b"".join(parts))
        else:
            protocol = ws.protocol
            for data in frames:
                protocol.send_text(data)
            chunks = protocol.data_to_send()
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

    def failed(self, exc: BaseException, ref: str | None) -> None:
        """Answer a frame whose action raised: a DeskError's code, else ``internal``."""
        if isinstance(exc, DeskError):
            self.error(exc.code, exc.detail, ref)
        else:
            log.error("connection.frame_failed", exc_info=exc, extra={"connection": self.id})
            self.error(ErrorCode.INTERNAL, "internal error; the frame was not processed", ref)

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

    # -- frames in ----------------------------------------------------------------------------

    def attach(self, endpoint: Endpoint) -> None:
        """Start taking frames for ``endpoint`` (those that arrived already come first)."""
        self._endpoint = endpoint
        if isinstance(self.ws, DeskWebSocket):
            self.ws.on_message = self._received

    def track_write(
        self, done: Callable[[Any, BaseException | None], None]
    ) -> Callable[[Any, BaseException | None], None]:
        """Wrap the callback of a store write started by a frame handled at once, so that
        the next frame needing the worker waits until it has run."""
        self._writing += 1

        def finished(result: Any, error: BaseException | None) -> None:
            try:
                done(result, error)
            finally:
                self._writing -= 1
                if not self._writing:
                    settled = self._settled
                    if settled is not None:
                        self._settled = None
                        if not settled.done():
                            settled.set_result(None)
                if self._paused:
                    self._flow()

        return finished

    async def finish(self) -> None:
        """The client is gone: let the frame being handled, those behind it and the writes
        in flight finish (the endpoint's clean-up runs after them, as it always did)."""
        while self._worker is not None:
            await asyncio.wait([self._worker])
        await self._all_written()

    async def _all_written(self) -> None:
        while self._writing:
            if self._settled is None:
                self._settled = self._loop.create_future()
            await self._settled

    def _received(self, raw: str | bytes) -> None:
        """websockets' read callback, one complete message: handle it now or queue it."""
        if self._worker is not None:
            self._inbox.append(raw)
            if len(self._inbox) + self._writing >= PAUSE_AT:
                self._flow()
            return
        frame = self._take(raw)
        if frame is not None:
            self._worker = self._loop.create_task(self._work(frame), name=f"frames-{self.id}")
        elif self._writing >= PAUSE_AT:
            self._flow()

    def _take(self, raw: str | bytes) -> Any:
        """Admit a frame and handle it now if the endpoint can: the frame if it needs the
        worker, else None (handled, or refused with an ``error`` frame)."""
        frame = None
        try:
            frame = self._admit(raw)
            if frame is None:
                return None
            endpoint = self._endpoint
            assert endpoint is not None
            if endpoint.handle_now(self, frame):
                return None
        except Exception as exc:  # never into websockets' read callback
            self.failed(exc, None if frame is None else _ref_of_frame(frame))
            return None
        return frame

    def _admit(self, raw: str | bytes) -> Any:
        """Rate limit, size limit, parse: the frame, or None when it was refused here."""
        if not self.bucket.take(time.monotonic()):
            self.strikes += 1
            if self.strikes >= RATE_LIMIT_STRIKES:
                if self.strikes == RATE_LIMIT_STRIKES:
                    log.warning("connection.rate_limit_close", extra={"connection": self.id})
                    self._spawn(self.close(1008, "rate limit exceeded"))
                return None
            self.error(ErrorCode.RATE_LIMITED, "too many frames; slow down", _ref(raw))
            return None
        self.strikes = 0
        size = len(raw) if isinstance(raw, bytes) else _utf8_len(raw, self.max_frame_bytes)
        if size > self.max_frame_bytes:
            self.error(
                ErrorCode.FRAME_TOO_LARGE,
                f"frame of {size} bytes is over the {self.max_frame_bytes}-byte limit",
            )
            return None
        endpoint = self._endpoint
        assert endpoint is not None
        try:
            return endpoint.parse(raw)
        except ProtocolError as exc:
            self.error(exc.code, exc.detail, _ref(raw))
            return None

    async def _work(self, frame: Any) -> None:
        """The worker: this frame, then every frame queued behind it, one at a time."""
        endpoint = self._endpoint
        assert endpoint is not None
        try:
            while frame is not None:
                await self._all_written()  # earlier frames' writes commit first
                await run_guarded(self, endpoint.handle(self, frame), ref=_ref_of_frame(frame))
                frame = None
                while frame is None and self._inbox:
                    raw = self._inbox.popleft()
                    if self._paused:
                        self._flow()
                    frame = self._take(raw)
        except ConnectionClosed:
            self._inbox.clear()
        except Exception:
            log.exception("connection.worker_failed", extra={"connection": self.id})
            self._inbox.clear()
        finally:
            self._worker = None
            if self._paused:
                self._flow()

    def _flow(self) -> None:
        """Pause reading from a client that is far ahead of its answers; resume later."""
        backlog = len(self._inbox) + self._writing
        transport = self.ws.transport
        if not self._paused and backlog >= PAUSE_AT:
            self._paused = True
            transport.pause_reading()
        elif self._paused and backlog <= RESUME_AT:
            self._paused = False
            if not transport.is_closing():
                transport.resume_reading()

    def _spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


class Endpoint(Protocol):
    side: str

    def parse(self, raw: str | bytes) -> Any: ...

    def handle_now(self, conn: Connection, frame: Any) -> bool:
        """Handle ``frame`` without awaiting anything, if this endpoint can: True if it did.
        Store writes it starts go through ``conn.track_write``."""
        ...

    async def handle(self, conn: Connection, frame: Any) -> None: ...

    async def closed(self, conn: Connection) -> None: ...


async def serve_connection(conn: Connection, endpoint: Endpoint) -> None:
    """Take frames until the client goes; answer bad ones with ``error`` frames."""
    log.debug("connection.opened", extra={"connection": conn.id, "side": conn.side})
    try:
        conn.attach(endpoint)
        if isinstance(conn.ws, DeskWebSocket):
            await conn.ws.wait_closed()
        else:  # a plain websockets connection (not made by the desk server's serve())
            async for raw in conn.ws:
                conn._received(raw)
    except ConnectionClosed:
        pass
    finally:
        try:
            await conn.finish()
            await endpoint.closed(conn)
        except Exception:
            log.exception("connection.cleanup_failed", extra={"connection": conn.id})
        log.debug("connection.closed", extra={"connection": conn.id, "side": conn.side})


async def run_guarded(conn: Connection, work: Awaitable[None], *, ref: str | None) -> None:
    """Await an endpoint action; its DeskError becomes an ``error`` frame."""
    try:
        await work
    except ConnectionClosed:
        raise
    except Exception as exc:
        conn.failed(exc, ref)


def _utf8_len(text: str, limit: int) -> int:
    # a str of n characters is n..4n bytes: only encode when it could be over the limit
    return len(text) if len(text) * 4 <= limit else len(text.encode("utf-8", "surrogatepass"))


def _ref(raw: str | bytes) -> str | None:
    if isinstance(raw, bytes) or len(raw) > 70_000:
        return None
    return ref_of(raw)


def _ref_of_frame(frame: Any) -> str | None:
    return getattr(frame, "client_msg_id", None) or getattr(frame, "request_id", None)
