"""``desk app``: the Qt desk for agents."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "app",
        help="open the agent desk (Qt)",
        description="Open the agent desk. Sign in with your desk username and password.",
    )
    parser.add_argument("--url", help="server address, e.g. ws://127.0.0.1:8765")
    parser.add_argument("--username", help="sign in as this agent (asks for nothing else)")
    parser.add_argument(
        "--password-env",
        metavar="VAR",
        help="read the password from this environment variable (never pass it on the command line)",
    )
    parser.add_argument("--theme", choices=["light", "dark"], help="override the saved theme")
    parser.add_argument(
        "--lang", choices=["zh_CN", "en"], help="interface language (default: system locale)"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    import os
    import sys

    from desk_app.desk.app import run

    password = None
    if args.password_env:
        password = os.environ.get(args.password_env)
        if not password:
            print(f"desk app: environment variable {args.password_env} is empty", file=sys.stderr)
            return 2
    return run(
        server_url=args.url,
        username=args.username if password else None,
        password=password,
        theme_name=args.theme,
        language=args.lang,
    )
