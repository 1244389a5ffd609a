"""The desk's one connection to the server: an asyncio loop in its own thread.

Why a thread (STYLE rule 5): a slow network, a TLS handshake or a reconnect back-off must never
stall painting, and pytest-qt and the server tests each want to own their event loop. The
loop thread owns the socket and all delivery bookkeeping; the UI thread sees only
:class:`DeskConnection`'s signals (queued across threads by Qt) and calls :meth:`send`.

Delivery rules the UI can rely on:

* every ``message`` frame reaches the UI at most once per ``(conversation_id, seq)``, even when
  the server replays after a reconnect;
* a ``message.send`` is kept in an outbox until its ``ack`` (or its echo) arrives and is resent
  with the same ``client_msg_id`` after a reconnect, so the server stores it once;
* after a reconnect the connection logs in again with the token from the last ``auth.ok`` and
  asks ``conversation.sync`` for every conversation it holds, from the last ``seq`` it saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from PySide6.QtCore import QObject, Signal

from desk_app.protocol.errors import ErrorCode, ProtocolError
from desk_app.protocol.messages import (
    Ack,
    AgentStatus,
    AuthOk,
    ConversationAssigned,
    ConversationUnassigned,
    Error,
    Frame,
    LoggedOut,
    Login,
    Logout,
    MessageFrame,
    SendMessage,
    ServerShutdown,
    SetStatus,
    SyncConversation,
    TokenLogin,
    encode,
    parse_server_frame,
)

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

log = logging.getLogger(__name__)

AUTH_ERRORS = frozenset(
    {
        ErrorCode.BAD_CREDENTIALS,
        ErrorCode.TOKEN_EXPIRED,
        ErrorCode.TOKEN_INVALID,
        ErrorCode.NOT_AUTHENTICATED,
    }
)


class ConnectionState(StrEnum):
    """What the status bar shows. ``offline`` means "will retry"; ``signed_out`` means "won't"."""

    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"
    SIGNED_OUT = "signed_out"


def agent_endpoint(url: str) -> str:
    """The ``/ws/agent`` address for what a person typed in the login dialog.

    Accepts ``ws://``, ``wss://``, ``http://``, ``https://`` or a bare ``host:port`` and
    raises ``ValueError`` with a sentence a person can act on, so the dialog never crashes.
    """
    text = url.strip()
    if not text:
        raise ValueError("the server address is empty")
    if "://" not in text:
        text = "ws://" + text
    parts = urlsplit(text)
    scheme = {"ws": "ws", "http": "ws", "wss": "wss", "https": "wss"}.get(parts.scheme.lower())
    if scheme is None:
        raise ValueError(f"unsupported address scheme {parts.scheme!r}; use ws:// or wss://")
    if not parts.hostname:
        raise ValueError("the server address has no host name")
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ValueError("the server port must be a number between 1 and 65535") from None
    path = parts.path.rstrip("/")
    if not path.endswith("/ws/agent"):
        path = path + "/ws/agent"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


@dataclass
class Backoff:
    """Exponential back-off with full jitter between reconnect attempts.

    Full jitter (a uniform draw below the exponential cap) keeps a room full of desks from
    reconnecting in lock-step after a server restart. ``reset()`` after a successful login.
    """

    initial: float = 0.5
    maximum: float = 30.0
    factor: float = 2.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def next_delay(self) -> float:
        cap = min(self.maximum, self.initial * self.factor**self.attempt)
        self.attempt += 1
        return self.rng.uniform(cap / 2, cap)

    def reset(self) -> None:
        self.attempt = 0


class DeliveryState:
    """Sans-I/O bookkeeping for resume, de-duplication and the outbox.

    Lives on the loop thread only. Kept apart from the socket so the rules above are tested
    without a network.
    """

    def __init__(self) -> None:
        self.held: dict[str, int] = {}  # conversation id -> last seq seen
        self._seen: dict[str, set[int]] = {}
        self.outbox: OrderedDict[str, SendMessage] = OrderedDict()

    def accept(self, frame: Frame) -> bool:
        """Record a frame from the server; False means it is a duplicate to drop."""
        if isinstance(frame, MessageFrame):
            message = frame.message
            seen = self._seen.setdefault(message.conversation_id, set())
            if message.seq in seen:
                return False
            seen.add(message.seq)
            if message.conversation_id in self.held:
                self.held[message.conversation_id] = max(
                    self.held[message.conversation_id], message.seq
                )
            if message.client_msg_id:
                self.outbox.pop(message.client_msg_id, None)
        elif isinstance(frame, Ack):
            self.outbox.pop(frame.client_msg_id, None)
        elif isinstance(frame, ConversationAssigned):
            detail = frame.conversation
            seqs = {m.seq for m in detail.transcript}
            self._seen.setdefault(detail.conversation_id, set()).update(seqs)
            last = max(seqs, default=0)
            self.held[detail.conversation_id] = max(self.held.get(detail.conversation_id, 0), last)
            for message in detail.transcript:
                if message.client_msg_id:
                    self.outbox.pop(message.client_msg_id, None)
        elif isinstance(frame, ConversationUnassigned):
            self.held.pop(frame.conversation_id, None)
            self._seen.pop(frame.conversation_id, None)
        return True

    def resume_frames(self) -> list[Frame]:
        """What to send right after a re-login: syncs first, then every unacknowledged message."""
        syncs: list[Frame] = [
            SyncConversation(conversation_id=cid, last_seq=seq) for cid, seq in self.held.items()
        ]
        return syncs + list(self.outbox.values())


class DeskConnection(QObject):
    """The desk's one socket, its own asyncio loop in a thread; the UI sees only signals.

    Call :meth:`login` (or :meth:`login_with_token`) once; the connection then keeps itself
    up until :meth:`logout` or :meth:`stop`. Connect ``stop`` to ``aboutToQuit``.
    """

    frame_received = Signal(object)  # a server frame (or what prepare made of it), no duplicates
    state_changed = Signal(str)  # a ConnectionState value
    auth_failed = Signal(str, str)  # error code, server's message
    outbox_changed = Signal(int)  # messages typed but not yet acknowledged
    frame_dropped = Signal(object)  # a non-message frame that could not be sent while offline

    def __init__(
        self,
        url: str,
        parent: QObject | None = None,
        *,
        backoff: Backoff | None = None,
        open_timeout: float = 5.0,
        ping_interval: float | None = 10.0,
    ) -> None:
        super().__init__(parent)
        self.endpoint = agent_endpoint(url)
        self._backoff = backoff or Backoff()
        self._open_timeout = open_timeout
        self._ping_interval = ping_interval
        self._delivery = DeliveryState()
        self._state = ConnectionState.SIGNED_OUT
        self._credentials: Login | TokenLogin | None = None
        self._generation = 0  # bumped by every login the UI asks for
        self._status: AgentStatus | None = None
        self.token: str | None = None  # written on the loop thread, read anywhere (atomic)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopped = False
        self._wire: asyncio.Queue[Frame] | None = None
        self._online = False
        # asyncio.Event binds to a loop on first use (3.10+), so these can be made here.
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._closing: set[asyncio.Future[None]] = set()
        self._ws: ClientConnection | None = None
        # Called on the loop thread with every frame before it is handed to the UI thread:
        # the place for work the UI thread should not do (the controller's prepare_frame).
        self.prepare: Callable[[Frame], object] | None = None

    # --- UI thread ------------------------------------------------------------------------

    @property
    def state(self) -> ConnectionState:
        return self._state

    def start(self) -> None:
        """Start the loop thread (idempotent). Nothing connects until a login is given."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._thread_main, name="desk-net", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=5)

    def login(self, username: str, password: str) -> None:
        """Connect and log in with a password; ``auth.ok`` or ``auth_failed`` follows."""
        self._call(self._set_credentials, Login(username=username, password=password))

    def login_with_token(self, token: str) -> None:
        """Connect and log in with a remembered token (``auth.token``)."""
        self._call(self._set_credentials, TokenLogin(token=token))

    def send(self, frame: Frame) -> None:
        """Queue a frame for the server; safe to call while offline.

        ``message.send`` frames wait in the outbox until acknowledged and survive reconnects;
        an ``agent.status`` is remembered and re-applied after each login; anything else
        offered while offline is dropped and reported through ``frame_dropped``.
        """
        self._call(self._enqueue, frame)

    def logout(self) -> None:
        """Tell the server, forget the token, and stay disconnected."""
        self._call(self._logout)

    def drop(self) -> None:
        """Close the socket as a network failure would (the connection then reconnects)."""
        self._call(self._drop)

    def stop(self) -> None:
        """Close the socket and end the thread; call once, at quit. Later calls do nothing."""
        self._stopped = True
        if self._thread is None or self._loop is None:
            return
        with contextlib.suppress(RuntimeError):  # loop already closed
            self._loop.call_soon_threadsafe(self._request_stop)
        self._thread.join(timeout=5)
        self._thread = None

    def _call(self, fn: object, *args: object) -> None:
        if self._stopped:  # quitting: widgets closing may still say "stopped typing"
            return
        self.start()
        assert self._loop is not None
        self._loop.call_soon_threadsafe(fn, *args)  # type: ignore[arg-type]

    # --- loop thread ----------------------------------------------------------------------

    def _thread_main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._ready.set()
        try:
            loop.run_until_complete(self._run())
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def _set_state(self, state: ConnectionState) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state.value)

    def _set_credentials(self, credentials: Login | TokenLogin) -> None:
        self._credentials = credentials
        self._generation += 1
        self._backoff.reset()
        self._wake.set()

    def _request_stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._drop()

    def _drop(self) -> None:
        ws = self._ws
        if ws is not None:
            closing = asyncio.ensure_future(ws.close())
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)

    def _logout(self) -> None:
        if self._online and self._wire is not None:
            self._wire.put_nowait(Logout())
        self._credentials = None
        self.token = None
        self._delivery = DeliveryState()
        self._status = None
        self.outbox_changed.emit(0)

    def _enqueue(self, frame: Frame) -> None:
        if isinstance(frame, SendMessage):
            self._delivery.outbox[frame.client_msg_id] = frame
            self.outbox_changed.emit(len(self._delivery.outbox))
            if self._online and self._wire is not None:
                self._wire.put_nowait(frame)
            return
        if isinstance(frame, SetStatus):
            self._status = frame.status
        if self._online and self._wire is not None:
            self._wire.put_nowait(frame)
        elif not isinstance(frame, SetStatus):
            self.frame_dropped.emit(frame)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            if self._credentials is None:
                self._set_state(ConnectionState.SIGNED_OUT)
                await self._wake.wait()
                self._wake.clear()
                continue
            # Cleared *before* connecting: a login given while this attempt runs sets it again,
            # and then the back-off below is skipped instead of the login being lost.
            self._wake.clear()
            generation = self._generation
            self._set_state(ConnectionState.CONNECTING)
            retry_after = await self._connect_once()
            if self._stopping.is_set():
                break
            if self._credentials is None or self._generation != generation:
                continue  # auth failed, logged out, or new credentials: no back-off
            self._set_state(ConnectionState.OFFLINE)
            delay = max(retry_after, self._backoff.next_delay())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
        self._set_state(ConnectionState.SIGNED_OUT)

    def _prepare(self, frame: Frame) -> object:
        """``prepare(frame)`` on this thread; a failure there must not lose the frame."""
        prepare = self.prepare
        if prepare is None:
            return frame
        try:
            return prepare(frame)
        except Exception:
            log.exception("preparing %s failed; sent on as it came", type(frame).__name__)
            return frame

    async def _connect_once(self) -> float:
        """One connection's life; returns how long the server asked us to wait before retrying."""
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

        retry_after = 0.0
        try:
            async with connect(
                self.endpoint,
                open_timeout=self._open_timeout,
                ping_interval=self._ping_interval,
                ping_timeout=self._ping_interval,
                close_timeout=2,
                max_size=4 * 1024 * 1024,
                compression=None,
            ) as ws:
                self._ws = ws
                retry_after = await self._serve(ws)
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI, ConnectionClosed) as exc:
            log.info("connection to %s failed: %s", self.endpoint, type(exc).__name__)
        finally:
            self._ws = None
            self._online = False
            self._wire = None
        return retry_after

    async def _serve(self, ws: ClientConnection) -> float:
        from websockets.exceptions import ConnectionClosed

        assert self._credentials is not None
        generation = self._generation
        await ws.send(encode(self._credentials).decode())
        writer: asyncio.Task[None] | None = None
        try:
            async for raw in ws:
                try:
                    frame = parse_server_frame(raw)
                except ProtocolError as exc:
                    log.warning("server sent a frame the desk cannot read: %s", exc.code)
                    continue
                if isinstance(frame, AuthOk):
                    self.token = frame.token
                    self._credentials = TokenLogin(token=frame.token)
                    self._backoff.reset()
                    writer = asyncio.ensure_future(self._write(ws, self._go_online(frame)))
                elif isinstance(frame, Error) and frame.code in AUTH_ERRORS and not self._online:
                    if self._generation == generation:  # not a newer login given meanwhile
                        self._credentials = None
                        self.token = None
                    self.auth_failed.emit(frame.code.value, frame.message)
                    return 0.0
                elif isinstance(frame, LoggedOut):
                    self._credentials = None
                elif isinstance(frame, ServerShutdown):
                    self.frame_received.emit(frame)
                    return float(frame.retry_after)
                if self._delivery.accept(frame):
                    self.frame_received.emit(self._prepare(frame))
                if isinstance(frame, Ack | MessageFrame):
                    self.outbox_changed.emit(len(self._delivery.outbox))
        except ConnectionClosed:
            pass
        finally:
            if writer is not None:
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                    await writer
        return 0.0

    def _go_online(self, auth: AuthOk) -> asyncio.Queue[Frame]:
        """After ``auth.ok``: queue the resume frames and the remembered status, first of all.

        Synchronous on purpose: a frame offered right after ``auth.ok`` must land behind the
        resume frames, never be dropped as "offline".
        """
        wire: asyncio.Queue[Frame] = asyncio.Queue()
        for frame in self._delivery.resume_frames():
            wire.put_nowait(frame)
        if self._status is not None and self._status != auth.agent.status:
            wire.put_nowait(SetStatus(status=self._status))
        self._wire = wire
        self._online = True
        self._set_state(ConnectionState.ONLINE)
        return wire

    async def _write(self, ws: ClientConnection, wire: asyncio.Queue[Frame]) -> None:
        while True:
            frame = await wire.get()
            await ws.send(encode(frame).decode())
