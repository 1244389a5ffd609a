"""The desk server as the benchmark runs it: a fresh database, benchmark agents, a chosen bot.

Run from ``tests/perf``::

    python -m loadgen.serve --db sqlite:////tmp/bench.sqlite3 --bot kb [--uvloop]

Creates ``--agents`` agents ``bench0..`` (capacity 100 each, the most an agent may have) so
the generator can log them in and have 1,000 conversations assigned, then serves with
:func:`desk_app.server.app.run_server` exactly as ``desk server`` would, except that the
per-connection rate limit is raised (a closed-loop benchmark connection sends as fast as it
is answered; the limiter itself still runs on every frame). Prints ``READY <port> <pid>
<bot>`` once listening; SIGTERM/SIGINT shut it down gracefully.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
from typing import Any

from desk_app.bot.seam import Bot, KeywordBot
from desk_app.server.app import ServerConfig, run_server
from desk_app.store.agents import create_agent
from desk_app.store.database import Store

SAMPLE_KB = os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "resources", "knowledge", "sample_kb.yaml"
)


def make_bot(kind: str) -> tuple[Bot, str, Any]:
    """The bot, its name for the table, and the knowledge index (None for KeywordBot)."""
    if kind == "keyword":
        return KeywordBot(), "KeywordBot", None
    try:
        from desk_app.bot.engine import build_bot
        from desk_app.knowledge.index import Document, KnowledgeIndex
        from desk_app.knowledge.kbfile import load_kb
    except ImportError as exc:  # the real bot has not landed yet
        return KeywordBot(), f"KeywordBot (real bot unavailable: {exc.name})", None
    articles = load_kb(SAMPLE_KB)
    index = KnowledgeIndex(
        Document(
            article_id=a.id,
            title=a.title,
            questions=tuple(a.questions),
            answer=a.answer,
            tags=tuple(a.tags),
        )
        for a in articles
    )
    return build_bot(index), f"DeskBot ({len(index)} sample articles)", index


def create_agents(store: Store, count: int, prefix: str, password: str) -> None:
    def add(session: Any) -> None:
        for k in range(count):
            create_agent(session, f"{prefix}{k}", password, capacity=100)

    store.write_sync(add)


async def main(args: argparse.Namespace) -> None:
    bot, bot_name, _index = make_bot(args.bot)
    store = await asyncio.to_thread(Store.open, args.db)
    await asyncio.to_thread(create_agents, store, args.agents, args.agent_prefix, args.password)
    config = ServerConfig(
        host="127.0.0.1",
        port=args.port,
        db_url=args.db,
        rate_limit_per_s=args.rate_limit,
        rate_burst=int(args.rate_limit),
    )
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    try:
        async with run_server(config, bot=bot, store=store) as running:
            print(f"READY {running.port} {os.getpid()} {bot_name}", flush=True)
            await stop
    finally:
        store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of a fresh database")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--bot", choices=["keyword", "kb"], default="keyword")
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--agent-prefix", default="bench")
    parser.add_argument("--password", default="bench-password")
    parser.add_argument("--rate-limit", type=float, default=1000.0)
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=args.log_level)
    if args.uvloop:
        import uvloop

        uvloop.run(main(args))
    else:
        asyncio.run(main(args))
