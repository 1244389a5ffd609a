"""``desk admin``: staff accounts (agents, supervisors, admins) in the store.

Works while the server runs (SQLite waits for the server's writer; PostgreSQL is
concurrent). Changes to role, capacity and teams apply at the agent's next login.
Passwords are never taken from the command line by default (other users can read process
lists): they are asked for on a terminal, read from stdin with ``--password-stdin``, or
generated and printed once.
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from typing import Any

ROLES = ["agent", "supervisor", "admin"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("admin", help="manage agents, roles and passwords")
    parser.add_argument("--db", metavar="URL", help="database URL (default: the local file)")
    commands = parser.add_subparsers(dest="admin_command", required=True, metavar="ACTION")

    add = commands.add_parser("add-agent", help="create a staff account")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, default="agent")
    add.add_argument("--display-name", default="", help="name shown to customers")
    add.add_argument("--capacity", type=int, default=5, help="conversations at once (0-100)")
    add.add_argument("--team", action="append", default=[], help="team/skill (repeatable)")
    _password_options(add)
    add.set_defaults(handler=add_agent)

    reset = commands.add_parser("reset-password", help="set a new password (ends all logins)")
    reset.add_argument("username")
    _password_options(reset)
    reset.set_defaults(handler=reset_password)

    listing = commands.add_parser("list", help="list staff accounts")
    listing.set_defaults(handler=list_agents)

    change = commands.add_parser("set", help="change role, capacity, teams, name or access")
    change.add_argument("username")
    change.add_argument("--role", choices=ROLES)
    change.add_argument("--display-name")
    change.add_argument("--capacity", type=int)
    change.add_argument("--team", action="append", help="replaces the teams (repeatable)")
    change.add_argument("--no-teams", action="store_true", help="remove every team")
    access = change.add_mutually_exclusive_group()
    access.add_argument("--disable", action="store_true", help="refuse further logins")
    access.add_argument("--enable", action="store_true")
    change.set_defaults(handler=set_agent)


def _password_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    group.add_argument(
        "--generate", action="store_true", help="generate a password and print it once"
    )


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    """The new password and whether it was generated (and must be shown)."""
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif args.generate or not sys.stdin.isatty():
        return secrets.token_urlsafe(12), True
    else:
        password = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != password:
            raise SystemExit("desk admin: the passwords differ")
    if len(password) < 8:
        raise SystemExit("desk admin: use at least 8 characters")
    return password, False


def _open(args: argparse.Namespace) -> Any:
    from desk_app.store.database import Store

    return Store.open(args.db)


def _fail(exc: Exception) -> int:
    from desk_app.protocol.errors import DeskError

    detail = exc.detail if isinstance(exc, DeskError) else str(exc)
    print(f"desk admin: {detail}", file=sys.stderr)
    return 1


def add_agent(args: argparse.Namespace) -> int:
    from desk_app.protocol.errors import DeskError
    from desk_app.store.agents import create_agent

    password, generated = _password(args)
    with _open(args) as store:
        try:
            agent = store.write_sync(
                lambda s: create_agent(
                    s,
                    args.username,
                    password,
                    role=args.role,
                    display_name=args.display_name,
                    capacity=args.capacity,
                    teams=args.team,
                )
            )
        except (DeskError, ValueError) as exc:
            return _fail(exc)
    print(f"created {agent.role} {agent.username} ({agent.id})")
    if generated:
        print(f"password: {password}")
    return 0


def reset_password(args: argparse.Namespace) -> int:
    from desk_app.protocol.errors import DeskError
    from desk_app.store.agents import set_password

    password, generated = _password(args)
    with _open(args) as store:
        try:
            store.write_sync(lambda s: set_password(s, args.username, password))
        except DeskError as exc:
            return _fail(exc)
    print(f"new password set for {args.username}; their open logins are ended")
    if generated:
        print(f"password: {password}")
    return 0


def list_agents(args: argparse.Namespace) -> int:
    from desk_app.store.agents import list_agents as rows

    with _open(args) as store:
        agents = store.read_sync(
            lambda s: [
                (
                    a.username,
                    a.display_name,
                    a.role,
                    a.status,
                    str(a.capacity),
                    ",".join(sorted(t.name for t in a.teams)) or "-",
                    "disabled" if a.disabled else "",
                )
                for a in rows(s)
            ]
        )
    header = ("USERNAME", "NAME", "ROLE", "STATUS", "CAPACITY", "TEAMS", "")
    table = [header, *agents]
    widths = [max(_width(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        cells = [
            cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)
        ]
        print("  ".join(cells).rstrip())
    return 0


def set_agent(args: argparse.Namespace) -> int:
    from desk_app.protocol.errors import DeskError
    from desk_app.store.agents import update_agent

    teams = [] if args.no_teams else args.team
    disabled = True if args.disable else (False if args.enable else None)
    with _open(args) as store:
        try:
            agent = store.write_sync(
                lambda s: update_agent(
                    s,
                    args.username,
                    role=args.role,
                    display_name=args.display_name,
                    capacity=args.capacity,
                    teams=teams,
                    disabled=disabled,
                )
            )
        except (DeskError, ValueError) as exc:
            return _fail(exc)
    print(f"updated {agent.username}")
    return 0


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
