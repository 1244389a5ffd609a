"""A real server on 127.0.0.1 (port 0) over a real SQLite file, and real websockets clients.

Waiting is always on frames (``Client.expect``) with a deadline, never on sleeps. Scale every
deadline with ``DESK_TEST_TIMEOUT_SCALE`` on a slow machine.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import msgspec
import pytest
from websockets.asyncio.client import ClientConnection, connect

from desk_app.protocol.messages import (
    AuthOk,
    ConversationStarted,
    Frame,
    Login,
    Ping,
    Pong,
    StartConversation,
    encode,
    parse_server_frame,
)
from desk_app.server.app import RunningServer, ServerConfig, run_server
from desk_app.store.agents import create_agent

SCALE = float(os.environ.get("DESK_TEST_TIMEOUT_SCALE", "1"))
TIMEOUT = 10.0 * SCALE
PASSWORD = "pw-123456"

F = TypeVar("F")


class Client:
    """A test client: sends frames, and waits for the frames it expects.

    Frames that arrive while waiting for another kind are kept (``backlog``) so a test can
    ask for them later in any order.
    """

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.backlog: list[Any] = []

    async def send(self, frame: Frame) -> None:
        await self.ws.send(encode(frame).decode())

    async def send_raw(self, raw: str | bytes) -> None:
        await self.ws.send(raw)

    async def recv(self, within: float = TIMEOUT) -> Any:
        return parse_server_frame(await asyncio.wait_for(self.ws.recv(), within))

    async def expect(
        self,
        kind: type[F],
        where: Callable[[F], bool] | None = None,
        within: float = TIMEOUT,
    ) -> F:
        for i, frame in enumerate(self.backlog):
            if isinstance(frame, kind) and (where is None or where(frame)):
                return self.backlog.pop(i)  # type: ignore[no-any-return]
        deadline = asyncio.get_running_loop().time() + within
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError(f"no {kind.__name__} within {within}s; got {self.backlog}")
            frame = await self.recv(left)
            if isinstance(frame, kind) and (where is None or where(frame)):
                return frame
            self.backlog.append(frame)

    async def barrier(self) -> list[Any]:
        """Ping and wait for the pong: every frame the server sent before it is in hand.
        Returns (and clears) the backlog."""
        nonce = os.urandom(4).hex()
        await self.send(Ping(nonce=nonce))
        await self.expect(Pong, lambda p: p.nonce == nonce)
        frames, self.backlog = self.backlog, []
        return frames

    def taken(self, kind: type[F]) -> list[F]:
        """Remove and return every backlog frame of ``kind``."""
        found = [f for f in self.backlog if isinstance(f, kind)]
        self.backlog = [f for f in self.backlog if not isinstance(f, kind)]
        return found

    async def close(self) -> None:
        await self.ws.close()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'desk.sqlite3'}"


@pytest.fixture
def config(db_url: str) -> ServerConfig:
    return ServerConfig(port=0, db_url=db_url, grace_period_s=30.0, ping_interval_s=None)


@pytest.fixture
async def server(config: ServerConfig) -> AsyncIterator[RunningServer]:
    async with run_server(config) as running:
        yield running


@pytest.fixture
async def clients() -> AsyncIterator[Callable[..., Any]]:
    """``await clients(url)`` opens a client that is closed at the end of the test."""
    opened: list[Client] = []

    async def open_client(url: str, **kwargs: Any) -> Client:
        client = Client(await connect(url, compression=None, **kwargs))
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        await client.close()


async def add_agent(server: RunningServer, username: str, **kwargs: Any) -> str:
    """Create an agent (argon2 hashing runs off the loop); returns the agent id."""
    agent = await asyncio.to_thread(
        server.store.write_sync, lambda s: create_agent(s, username, PASSWORD, **kwargs)
    )
    return agent.id


async def start_customer(
    clients: Callable[..., Any], server: RunningServer, name: str = "张三", **kwargs: Any
) -> tuple[Client, ConversationStarted]:
    customer = await clients(server.customer_url)
    await customer.send(StartConversation(name=name, **kwargs))
    return customer, await customer.expect(ConversationStarted)


async def login_agent(
    clients: Callable[..., Any], server: RunningServer, username: str
) -> tuple[Client, AuthOk]:
    agent = await clients(server.agent_url)
    await agent.send(Login(username=username, password=PASSWORD))
    return agent, await agent.expect(AuthOk)


def to_builtins(value: Any) -> Any:
    return msgspec.to_builtins(value)
