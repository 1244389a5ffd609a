"""``desk customer``: the terminal client against a real server, reconnects included."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from desk_app.cli.customer import chat, customer_url, plain
from desk_app.server.app import ServerConfig, run_server
from desk_app.store import conversations as repo
from desk_app.store.models import Conversation

TIMEOUT = 10.0 * float(os.environ.get("DESK_TEST_TIMEOUT_SCALE", "1"))


class Terminal:
    """Lines typed into the client, and what it printed (waitable)."""

    def __init__(self) -> None:
        self.typed: asyncio.Queue[str | None] = asyncio.Queue()
        self.printed: list[str] = []
        self._changed = asyncio.Event()

    async def lines(self) -> AsyncIterator[str]:
        while (line := await self.typed.get()) is not None:
            yield line

    def out(self, line: str) -> None:
        self.printed.append(line)
        self._changed.set()

    def type(self, line: str | None) -> None:
        self.typed.put_nowait(line)

    async def shows(self, needle: str, after: int = 0) -> int:
        """Wait until a printed line contains ``needle``; returns its index."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT
        while True:
            for i, line in enumerate(self.printed[after:], start=after):
                if needle in line:
                    return i
            self._changed.clear()
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError(f"{needle!r} never shown; got {self.printed}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)


def test_urls_and_plain_text() -> None:
    assert customer_url("ws://127.0.0.1:8765") == "ws://127.0.0.1:8765/ws/customer"
    assert customer_url("127.0.0.1:8765/") == "ws://127.0.0.1:8765/ws/customer"
    assert customer_url("wss://desk.example/ws/customer") == "wss://desk.example/ws/customer"
    assert plain("hi\x1b[2J there\u202e") == "hi[2J there"


async def test_chat_handoff_ticket_and_a_server_restart(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    config = ServerConfig(port=0, db_url=db_url, ping_interval_s=None, shutdown_retry_after=1)
    terminal = Terminal()
    async with run_server(config) as server:
        config.port = server.port
        client = asyncio.create_task(
            chat(server.url, terminal.lines(), terminal.out, name="终端客户")
        )
        terminal.type("你好")
        await terminal.shows("机器人: 您好，我是智能客服")
        terminal.type("/human")
        await terminal.shows("waiting for an agent")
        await terminal.shows("目前没有在线的人工客服")
        terminal.type("/ticket 请回电")
        await terminal.shows("留言已提交")
    # the server restarts on the same port and file; the client resumes by itself
    async with run_server(config) as server:
        mark = await terminal.shows("resumed")
        terminal.type("我还在等")
        await terminal.shows("排队第 1 位", after=mark)
        terminal.type("/end")
        await terminal.shows("会话已结束")
        terminal.type("/rate 5 不错")
        await terminal.shows("感谢您的评价")
        terminal.type("/quit")
        await asyncio.wait_for(client, TIMEOUT)

        def stored(session):
            (conversation,) = session.query(Conversation).all()
            texts = [m.text for m in repo.messages_after(session, conversation.id)]
            return conversation.status, conversation.csat_score, conversation.channel, texts

        status, score, channel, texts = await server.store.read(stored)
    assert (status, score, channel) == ("closed", 5, "terminal")
    assert texts.count("我还在等") == 1
    assert texts[0] == "你好"


@pytest.mark.parametrize("line", ["/rate 9", "/rate", "/ticket"])
async def test_usage_hints(line: str, tmp_path: Path) -> None:
    config = ServerConfig(
        port=0, db_url=f"sqlite:///{tmp_path / 'd.sqlite3'}", ping_interval_s=None
    )
    terminal = Terminal()
    async with run_server(config) as server:
        client = asyncio.create_task(chat(server.url, terminal.lines(), terminal.out))
        terminal.type(line)
        await terminal.shows("usage")
        terminal.type("/quit")
        await asyncio.wait_for(client, TIMEOUT)
