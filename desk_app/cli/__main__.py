"""``desk``: one command, one subcommand per job.

Each subcommand lives in its own module under ``desk_app.cli`` with a ``register(subparsers)``
function; the module is imported only when listed here, and heavy imports (Qt, scikit-learn)
happen inside the command, so ``desk --help`` and ``desk server`` start fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS = [
    "server",  # desk server: the bot server
    "admin",  # desk admin: agents, roles, passwords
    "customer",  # desk customer: a terminal contact
    "kb",  # desk kb import/export
    "eval",  # desk eval: bot quality on a knowledge base and cases
    "app",  # desk app: the Qt desk
    "demo",  # desk demo: server + sample knowledge + demo customers + desk
    "redact",  # desk redact: mask personal data, stdin -> stdout
]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """All subcommands, or just ``only`` when the command line names one: importing every
    subcommand module costs ~0.15 s (asyncio and more), which ``desk app`` pays before its
    login window appears."""
    parser = argparse.ArgumentParser(prog="desk", description="Agent Desk")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        if only is not None and name != only:
            continue
        try:
            module = importlib.import_module(f"desk_app.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"desk_app.cli.{name}":
                raise
            continue  # not built yet
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    first = next((word for word in words if not word.startswith("-")), None)
    args = build_parser(first if first in SUBCOMMANDS else None).parse_args(argv)
    result: int | None = args.handler(args)
    return result or 0


if __name__ == "__main__":
    sys.exit(main())
