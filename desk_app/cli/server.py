"""``desk server``: the bot server on one port (customers, agents, /healthz).

On the first start (no agents in the store) an ``admin`` account is created; its password
comes from ``DESK_ADMIN_PASSWORD`` or is generated and printed once to this console (never
to the log). Logs are JSON lines on stderr. SIGTERM / SIGINT shut down gracefully.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "server",
        help="run the bot server",
        description="Run the bot server: customers at /ws/customer, agents at /ws/agent, "
        "GET /healthz, on one port.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one)")
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="SQLAlchemy URL, e.g. sqlite:///path/desk.db or "
        "postgresql+psycopg://user@host/db (default: a SQLite file in your data directory)",
    )
    parser.add_argument("--certfile", help="TLS certificate (PEM): serve wss://")
    parser.add_argument("--keyfile", help="TLS private key (PEM)")
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        type=str.upper,
    )
    parser.add_argument(
        "--kb",
        metavar="FILE",
        type=Path,
        help="knowledge base to load (YAML/JSON/CSV); default: the sample on first start",
    )
    parser.add_argument(
        "--allowed-origin",
        action="append",
        dest="allowed_origins",
        metavar="ORIGIN",
        help="browser origin allowed to connect besides this server's own (repeatable; "
        "'*' allows any)",
    )
    parser.add_argument(
        "--single-process",
        action="store_true",
        help="store contacts' messages in this process too, instead of a second one "
        "(one core; for debugging, or where a child process cannot open the database)",
    )
    parser.add_argument(
        "--grace-period",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long a disconnected agent keeps their conversations",
    )
    parser.add_argument(
        "--token-ttl",
        type=float,
        default=12 * 3600,
        metavar="SECONDS",
        help="lifetime of an agent login",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging
    import signal

    from desk_app.server.app import ServerConfig, run_server
    from desk_app.server.logs import setup_logging
    from desk_app.store.agents import ensure_first_admin
    from desk_app.store.database import Store, default_db_url

    setup_logging(args.log_level)
    log = logging.getLogger("desk_app.cli.server")
    if bool(args.certfile) != bool(args.keyfile):
        print("desk server: give both --certfile and --keyfile", file=sys.stderr)
        return 2
    url = args.db or default_db_url()
    store = Store.open(url)
    try:
        given = os.environ.get("DESK_ADMIN_PASSWORD") or None
        password = store.write_sync(lambda s: ensure_first_admin(s, given))
        if password is not None:
            if given:
                print("Created the admin account 'admin' with the password in DESK_ADMIN_PASSWORD.")
            else:
                print(
                    "First start: created the admin account.\n"
                    f"  username: admin\n  password: {password}\n"
                    "This password is shown only once. Change it with: "
                    "desk admin reset-password admin"
                )
            sys.stdout.flush()
        bot, knowledge = _bot_and_knowledge(store, args.kb, log)
        config = ServerConfig(
            host=args.host,
            port=args.port,
            db_url=url,
            certfile=args.certfile,
            keyfile=args.keyfile,
            allowed_origins=args.allowed_origins,
            grace_period_s=args.grace_period,
            token_ttl_s=args.token_ttl,
            writer_process=not args.single_process,
        )

        async def main() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            async with run_server(config, bot=bot, knowledge=knowledge, store=store) as running:
                print(f"desk server listening on {running.url}", flush=True)
                await stop.wait()

        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(main())
    finally:
        store.close()
    return 0


def _loop_factory() -> Any:
    """uvloop when installed (the ``fast`` extra): about a third more messages per second."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _bot_and_knowledge(store: Any, kb: Path | None, log: Any) -> tuple[Any, Any]:
    """The knowledge engine's bot and KnowledgeService; KeywordBot only when the engine's
    modules are not installed (a bad KB file is an error, not a reason to fall back)."""
    try:
        from desk_app.bot.engine import build_bot
        from desk_app.server.knowledge import load_knowledge

        knowledge = load_knowledge(store, kb)
        return build_bot(knowledge.index), knowledge
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("desk_app"):
            raise
        missing = exc.name
    from desk_app.bot.seam import KeywordBot

    if kb is not None:
        raise SystemExit(f"desk server: --kb needs the knowledge engine ({missing} is missing)")
    log.warning("server.keyword_bot", extra={"missing": missing})
    return KeywordBot(), None
