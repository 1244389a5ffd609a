"""The desk server as the benchmark runs it: a fresh database, benchmark agents, a chosen bot.

Run from ``tests/perf``::

    python -m loadgen.serve --db sqlite:////tmp/bench.sqlite3 [--bot keyword] [--uvloop]

Creates ``--agents`` agents ``bench0..`` (capacity 100 each, the most an agent may have) so
the generator can log them in and have 1,000 conversations assigned, then serves with
:func:`desk_app.server.app.run_server` as ``desk server`` does (same bot, knowledge service
and logging), except that the per-connection rate limit is raised (a closed-loop benchmark
connection sends as fast as it is answered; the limiter itself still runs on every frame).
Prints ``SOURCE <where desk_app was imported from>`` and ``READY <port> <pid> <bot>`` once
listening; SIGTERM/SIGINT shut it down gracefully.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
from typing import Any

import desk_app
from desk_app.bot.seam import Bot, KeywordBot
from desk_app.server.app import ServerConfig, run_server
from desk_app.server.logs import setup_logging
from desk_app.store.agents import create_agent
from desk_app.store.database import Store


def make_bot(kind: str, store: Store) -> tuple[Bot, Any, str]:
    """The bot, the knowledge service (or None) and a name for the table.

    ``product`` wires them exactly as ``desk server`` does (the knowledge engine's bot over
    the sample knowledge base, knowledge suggestions pushed to agents; KeywordBot only when
    the engine is not installed); ``keyword`` is KeywordBot with no knowledge service.
    """
    if kind == "keyword":
        return KeywordBot(), None, "KeywordBot"
    from desk_app.cli.server import _bot_and_knowledge

    bot, knowledge = _bot_and_knowledge(store, None, logging.getLogger("bench"))
    name = type(bot).__name__
    if knowledge is not None:
        name += f" ({len(knowledge.index)} articles, suggestions on)"
    return bot, knowledge, name


def create_agents(store: Store, count: int, prefix: str, password: str) -> None:
    def add(session: Any) -> None:
        for k in range(count):
            create_agent(session, f"{prefix}{k}", password, capacity=100)

    store.write_sync(add)


async def main(args: argparse.Namespace) -> None:
    store = await asyncio.to_thread(Store.open, args.db)
    await asyncio.to_thread(create_agents, store, args.agents, args.agent_prefix, args.password)
    bot, knowledge, bot_name = await asyncio.to_thread(make_bot, args.bot, store)
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
        async with run_server(config, bot=bot, knowledge=knowledge, store=store) as running:
            print(f"SOURCE {os.path.dirname(desk_app.__file__)}", flush=True)
            print(f"READY {running.port} {os.getpid()} {bot_name}", flush=True)
            await stop
    finally:
        store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of a fresh database")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--bot", choices=["product", "keyword"], default="product")
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--agent-prefix", default="bench")
    parser.add_argument("--password", default="bench-password")
    parser.add_argument("--rate-limit", type=float, default=1000.0)
    parser.add_argument("--log-level", default="INFO", help="as desk server's default")
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args()
    setup_logging(args.log_level)
    if args.uvloop:
        import uvloop

        uvloop.run(main(args))
    else:
        asyncio.run(main(args))
