"""``desk demo``: the whole product on one machine, for a first look.

Starts the bot server in a thread (a fresh SQLite file, the sample knowledge base), creates
demo agents, lets a few simulated customers chat with the bot and ask for a person, and opens
the desk already signed in. The customers keep arriving for a while, answer the agent's
replies and thank them, so a newcomer sees queues fill, chats arrive and suggestions change.

Everything runs in this process: the server on its own event loop, the customers on another,
the desk on the Qt thread. Nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEMO_PASSWORD = "demo-desk-2024"  # a throw-away local server; printed at start


@dataclass(frozen=True)
class Script:
    """One simulated customer: who they are, what they ask the bot, what they tell a person."""

    name: str
    questions: tuple[str, ...]
    to_agent: tuple[str, ...] = ()
    profile: dict[str, str] = field(default_factory=dict)
    locale: str = "zh-CN"
    channel: str = "web"


SCRIPTS: tuple[Script, ...] = (
    Script(
        "王先生",
        ("快递一般几天能到？", "我的都三天了还没到", "转人工"),
        ("订单号是 A20240611", "好的，谢谢你！"),
        {"vip": "金卡", "city": "杭州"},
    ),
    Script(
        "张女士",
        ("退款多久能到账？", "我都等了五天了，还没到", "人工客服"),
        ("我是用信用卡付的", "明白了，那我再等等"),
        {"city": "上海"},
    ),
    Script(
        "李雷",
        ("发票怎么开？", "我要公司抬头的专票", "转人工"),
        ("税号 91330100MA2XXXXX，手机 13812345678", "收到，谢谢"),
        {"vip": "银卡"},
        channel="terminal",
    ),
    Script(
        "Emily",
        ("How long does a refund take?", "It has been two weeks", "human please"),
        ("Order A20240702, paid by credit card", "Great, thanks!"),
        locale="en",
    ),
    Script(
        "陈晓",
        ("优惠券为什么用不了？", "还是不行", "转人工"),
        ("提示不满足使用条件", "好的"),
    ),
    Script(
        "刘洋",
        ("<b>会员</b>积分怎么兑换？", "转人工"),
        ("积分还有 3200", "谢谢"),
        {"vip": "普通"},
    ),
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="server + sample knowledge + demo customers + the desk, for a first look",
        description=(
            "Start a throw-away server with the sample knowledge base, demo agents and "
            "simulated customers, and open the desk signed in as a demo agent."
        ),
    )
    parser.add_argument("--db", help="SQLAlchemy URL (default: a new SQLite file in a temp dir)")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument(
        "--customers", type=int, default=len(SCRIPTS), help="simulated customers (default: 6)"
    )
    parser.add_argument("--theme", choices=["light", "dark"], help="desk theme")
    parser.add_argument("--lang", choices=["zh_CN", "en"], help="desk language")
    parser.add_argument(
        "--no-desk", action="store_true", help="run server and customers only (Ctrl+C stops)"
    )
    parser.set_defaults(handler=handle)


def bot_and_knowledge(store: Any) -> tuple[Any, Any]:
    """The knowledge engine's bot with the sample knowledge base; KeywordBot if not installed."""
    try:
        from desk_app.bot.engine import build_bot
        from desk_app.server.knowledge import load_knowledge
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("desk_app"):
            raise
        from desk_app.bot.seam import KeywordBot

        return KeywordBot(), None
    knowledge = load_knowledge(store)
    return build_bot(knowledge.index), knowledge


def create_demo_agents(store: Any) -> list[tuple[str, str]]:
    """The demo staff: ``demo`` (the desk signs in as her) and two colleagues."""
    from desk_app.store.agents import agent_by_username, create_agent

    agents = [
        ("demo", "李娜", "agent", 3, ("售后",)),
        ("zhangwei", "张伟", "agent", 5, ("售后", "VIP")),
        ("lead", "王芳（班长）", "supervisor", 5, ("售后",)),
    ]

    def add(session: Any) -> None:
        for username, display, role, capacity, teams in agents:
            if agent_by_username(session, username) is None:  # --db may point at an old demo
                create_agent(
                    session,
                    username,
                    DEMO_PASSWORD,
                    role=role,
                    display_name=display,
                    capacity=capacity,
                    teams=teams,
                )

    store.write_sync(add)
    return [(username, display) for username, display, *_ in agents]


class DemoCustomers:
    """Simulated customers on their own event loop in a thread (never the Qt thread)."""

    def __init__(self, customer_url: str, scripts: tuple[Script, ...], *, seed: int = 7) -> None:
        self.customer_url = customer_url
        self.scripts = scripts
        self.rng = random.Random(seed)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._main, name="demo-customers", daemon=True)
        self._stop: asyncio.Event | None = None

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        if self._stop is not None:
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(timeout=5)

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._run())

    async def _run(self) -> None:
        self._stop = asyncio.Event()
        tasks = []
        for i, script in enumerate(self.scripts):
            # Two at once so the desk is busy from the start, then one every few seconds.
            delay = 0.5 * i if i < 2 else 4.0 + 6.0 * (i - 2) + self.rng.uniform(0, 2)
            tasks.append(asyncio.ensure_future(self._customer(script, delay)))
        await self._stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _customer(self, script: Script, delay: float) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed

        from desk_app.protocol.messages import (
            MessageFrame,
            Sender,
            SendMessage,
            StartConversation,
            Typing,
            encode,
            parse_server_frame,
        )

        await asyncio.sleep(delay)
        try:
            async with connect(self.customer_url) as ws:
                start = StartConversation(
                    name=script.name,
                    locale=script.locale,
                    channel=script.channel,  # type: ignore[arg-type]
                    profile=script.profile,
                )
                await ws.send(encode(start).decode())

                async def say(text: str) -> None:
                    await ws.send(encode(Typing(is_typing=True)).decode())
                    await asyncio.sleep(1.0 + len(text) * 0.05)
                    frame = SendMessage(client_msg_id=uuid.uuid4().hex, text=text)
                    await ws.send(encode(frame).decode())

                for question in script.questions:
                    await say(question)
                    await asyncio.sleep(2.5)
                replies = list(script.to_agent)
                async for raw in ws:
                    frame = parse_server_frame(raw)
                    if (
                        isinstance(frame, MessageFrame)
                        and frame.message.sender == Sender.AGENT
                        and replies
                    ):
                        await asyncio.sleep(self.rng.uniform(2.0, 5.0))
                        await say(replies.pop(0))
        except (OSError, ConnectionClosed):
            return  # the demo is shutting down


def handle(args: argparse.Namespace) -> int:
    from desk_app.server.app import ServerConfig, serve_in_thread
    from desk_app.store.database import Store

    if args.customers < 0:
        print("desk demo: --customers must be 0 or more", file=sys.stderr)
        return 2
    workdir = None
    if args.db:
        url = args.db
    else:
        workdir = tempfile.TemporaryDirectory(prefix="agent-desk-demo-")
        url = f"sqlite:///{Path(workdir.name) / 'demo.sqlite3'}"
    print("Agent Desk demo")
    print(f"  database: {url}")
    store = Store.open(url)
    try:
        print("  loading the sample knowledge base…", flush=True)
        bot, knowledge = bot_and_knowledge(store)
        agents = create_demo_agents(store)
        config = ServerConfig(port=args.port, db_url=url)
        with serve_in_thread(config, bot=bot, knowledge=knowledge, store=store) as running:
            print(f"  server:   {running.url}  (customers: {running.customer_url})")
            names = ", ".join(f"{u} ({d})" for u, d in agents)
            print(f"  agents:   {names}; password {DEMO_PASSWORD}")
            print(f"  try a customer yourself: desk customer --url {running.url}", flush=True)
            scripts = tuple(SCRIPTS[i % len(SCRIPTS)] for i in range(args.customers))
            customers = DemoCustomers(running.customer_url, scripts)
            customers.start()
            try:
                if args.no_desk:
                    threading.Event().wait()
                    return 0
                from PySide6.QtCore import QSettings

                from desk_app.desk.app import run
                from desk_app.desk.settings import DeskSettings

                # The demo keeps its own preferences: it must not replace the real server
                # address and username the agent's desk remembers.
                settings = DeskSettings(QSettings("AgentDesk", "desk-demo"))
                return run(
                    server_url=running.url,
                    username="demo",
                    password=DEMO_PASSWORD,
                    theme_name=args.theme,
                    language=args.lang,
                    settings=settings,
                )
            except KeyboardInterrupt:
                return 0
            finally:
                customers.stop()
    finally:
        store.close()
        if workdir is not None:
            workdir.cleanup()
