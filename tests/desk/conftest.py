"""Fixtures for the desk's tests: offscreen Qt, throw-away settings, a real server when present.

``QT_QPA_PLATFORM=offscreen`` is set before Qt loads so the tests run without a display (CI).
Settings go to an INI file under ``tmp_path`` so a test never reads or writes the real
user's preferences.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")  # as desk_app.desk.app.create_application

import asyncio
import contextlib
import itertools
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import QSettings

from desk_app.desk.settings import DeskSettings
from desk_app.protocol.messages import (
    AgentState,
    ConversationAssigned,
    ConversationStarted,
    Login,
    MessageFrame,
    RequestHuman,
    ResumeConversation,
    SendMessage,
    StartConversation,
    encode,
    parse_server_frame,
)


@pytest.fixture
def desk_settings(tmp_path: Path) -> DeskSettings:
    return DeskSettings(QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat))


class MemoryKeyring(KeyringBackend):
    """A keyring backend that keeps secrets in memory (keyring's own extension point)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture
def use_keyring() -> Iterator[Callable[[KeyringBackend], KeyringBackend]]:
    previous = keyring.get_keyring()
    holder: dict[str, KeyringBackend] = {}

    def install(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        holder["b"] = backend
        return backend

    yield install
    keyring.set_keyring(previous)


class RecordingSink:
    """Records the frames the controller sends (a double that records, never a mock)."""

    def __init__(self) -> None:
        self.sent: list[object] = []

    def send(self, frame: object) -> None:
        self.sent.append(frame)


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


# --- a real server and real customers --------------------------------------------------------

PASSWORD = "pw-desk-123"
TIMEOUT_MS = int(15_000 * float(os.environ.get("DESK_TEST_TIMEOUT_SCALE", "1")))
_agents = itertools.count(1)


def _bot_and_knowledge(store: Any) -> tuple[Any, Any]:
    """The real bot and knowledge service when installed, else the seam's KeywordBot."""
    try:
        from desk_app.bot.engine import build_bot
        from desk_app.server.knowledge import load_knowledge
    except ModuleNotFoundError:
        from desk_app.bot.seam import KeywordBot

        return KeywordBot(), None
    knowledge = load_knowledge(store)
    return build_bot(knowledge.index), knowledge


class LiveServer:
    """A real server (serve_in_thread) over a real SQLite file; can be restarted in place."""

    def __init__(self, db_url: str) -> None:
        from desk_app.store.database import Store

        self.db_url = db_url
        self.store = Store.open(db_url)
        self.bot, self.knowledge = _bot_and_knowledge(self.store)
        self.port = 0
        self.running: Any = None
        self._context: Any = None

    def start(self) -> None:
        from desk_app.server.app import ServerConfig, serve_in_thread

        config = ServerConfig(port=self.port, db_url=self.db_url, grace_period_s=120.0)
        self._context = serve_in_thread(
            config, bot=self.bot, knowledge=self.knowledge, store=self.store
        )
        self.running = self._context.__enter__()
        self.port = self.running.port

    def stop(self) -> None:
        if self._context is not None:
            self._context.__exit__(None, None, None)
            self._context = None

    @property
    def url(self) -> str:
        return str(self.running.url)

    def new_agent(self, **kwargs: Any) -> str:
        """A fresh agent for one test (so tests sharing a server do not see each other)."""
        from desk_app.store.agents import create_agent

        username = f"agent{next(_agents)}"
        display = kwargs.pop("display_name", f"客服{username[-2:]}")
        self.store.write_sync(
            lambda s: create_agent(s, username, PASSWORD, display_name=display, **kwargs)
        )
        return username

    def close(self) -> None:
        self.stop()
        self.store.close()


class StaffClient:
    """A real websockets agent (not the desk) on the server's loop: logs in and reads."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.frames: list[Any] = []
        self._ws: Any = None
        self._reader: Any = None

    def login(self, username: str) -> None:
        async def go() -> None:
            from websockets.asyncio.client import connect

            self._ws = await connect(self.server.running.agent_url)
            await self._ws.send(encode(Login(username=username, password=PASSWORD)).decode())
            self._reader = asyncio.ensure_future(self._read())

        asyncio.run_coroutine_threadsafe(go(), self.server.running.loop).result(10)
        wait_for(lambda: any(isinstance(f, AgentState) for f in list(self.frames)))

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        with contextlib.suppress(ConnectionClosed):
            async for raw in self._ws:
                self.frames.append(parse_server_frame(raw))

    def holds(self, conversation_id: str) -> bool:
        return any(
            isinstance(f, ConversationAssigned)
            and f.conversation.conversation_id == conversation_id
            for f in list(self.frames)
        )


def wait_for(condition: Callable[[], bool], seconds: float = TIMEOUT_MS / 1000) -> None:
    """Outside a Qt event loop (fixtures): poll a condition other threads will make true."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.02)


@pytest.fixture
def desks() -> Iterator[list[Any]]:
    """DeskApps a test starts; shut down and deleted while the event loop still exists."""
    from PySide6.QtCore import QCoreApplication, QEvent

    made: list[Any] = []
    yield made
    for desk in made:
        desk.shutdown()
        if desk.window is not None:
            desk.window.close()
            desk.window.deleteLater()
        if desk.dialog is not None:
            desk.dialog.deleteLater()
        desk.deleteLater()
    # Delete them now, while the event loop exists, not at interpreter exit.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def wait(qtbot: Any, condition: Callable[[], Any], timeout: int = TIMEOUT_MS) -> None:
    """Run the Qt event loop until ``condition()`` is truthy (fails after ``timeout`` ms)."""
    qtbot.waitUntil(lambda: bool(condition()), timeout=timeout)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the module, with a *backstop* agent: online, capacity 1, and full.

    The bot offers a ticket instead of a queue when nobody is online with capacity; the
    backstop keeps the queue open, and being full it never takes a test's conversation.
    """
    path = tmp_path_factory.mktemp("desk-live") / "desk.sqlite3"
    server = LiveServer(f"sqlite:///{path}")
    server.start()
    backstop = StaffClient(server)
    backstop.login(server.new_agent(display_name="值班", capacity=1))
    filler = Customer(server)
    filler.start("占位客户")
    filler.say("转人工")
    wait_for(lambda: backstop.holds(filler.conversation_id))
    yield server
    filler.close()
    server.close()


class Customer:
    """A real websockets customer whose coroutines run on the server's event loop.

    Every frame it receives is kept in ``frames`` (appended from the server's thread), so a
    Qt test waits on them with ``qtbot.waitUntil`` while the Qt event loop keeps running.
    """

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.frames: list[Any] = []
        self.conversation_id = ""
        self.token = ""
        self._ws: Any = None
        self._reader: Any = None

    def _run(self, coro: Any) -> Any:
        loop = self.server.running.loop
        return asyncio.run_coroutine_threadsafe(coro, loop).result(TIMEOUT_MS / 1000)

    def start(self, name: str, profile: dict[str, str] | None = None) -> str:
        async def go() -> None:
            from websockets.asyncio.client import connect

            self._ws = await connect(self.server.running.customer_url)
            await self._ws.send(
                encode(StartConversation(name=name, profile=profile or {})).decode()
            )
            while True:
                frame = parse_server_frame(await self._ws.recv())
                self.frames.append(frame)
                if isinstance(frame, ConversationStarted):
                    self.conversation_id, self.token = frame.conversation_id, frame.token
                    break
            self._reader = asyncio.ensure_future(self._read())

        self._run(go())
        return self.conversation_id

    def resume(self) -> None:
        """Reconnect (after a server restart) and replay from the last seq received."""
        last = max((m.seq for m in self.messages()), default=0)

        async def go() -> None:
            from websockets.asyncio.client import connect

            self._ws = await connect(self.server.running.customer_url)
            frame = ResumeConversation(token=self.token, last_seq=last)
            await self._ws.send(encode(frame).decode())
            self._reader = asyncio.ensure_future(self._read())

        self._run(go())

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self._ws:
                self.frames.append(parse_server_frame(raw))
        except ConnectionClosed:
            pass

    def send(self, frame: Any) -> None:
        async def go() -> None:
            await self._ws.send(encode(frame).decode())

        self._run(go())

    def say(self, text: str) -> str:
        client_msg_id = uuid.uuid4().hex
        self.send(SendMessage(client_msg_id=client_msg_id, text=text))
        return client_msg_id

    def ask_for_human(self) -> None:
        self.send(RequestHuman(note="转人工"))

    def messages(self, where: Callable[[Any], bool] = lambda m: True) -> list[Any]:
        return [
            f.message for f in list(self.frames) if isinstance(f, MessageFrame) and where(f.message)
        ]

    def close(self) -> None:
        running = self.server.running
        if self._ws is None or running is None or running.loop.is_closed():
            return

        async def go() -> None:
            await self._ws.close()

        with contextlib.suppress(Exception):  # the server may be stopping (restart tests)
            self._run(go())
