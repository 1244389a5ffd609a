"""``desk admin`` against a real SQLite file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from desk_app.cli.__main__ import main
from desk_app.store.agents import agent_by_username, verify_password
from desk_app.store.database import Store


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'desk.sqlite3'}"


def agent(db: str, username: str):
    with Store.open(db, migrate=False) as store:
        return store.read_sync(lambda s: agent_by_username(s, username))


def test_add_list_set_and_reset(db: str, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("first-secret\n"))
    assert main(["admin", "--db", db, "add-agent", "li", "--display-name", "小李",
                 "--team", "售后", "--capacity", "3", "--password-stdin"]) == 0  # fmt: skip
    assert verify_password(agent(db, "li"), "first-secret")

    assert (
        main(["admin", "--db", db, "add-agent", "wang", "--role", "supervisor", "--generate"]) == 0
    )
    generated = capsys.readouterr().out.split("password: ")[1].strip()
    assert verify_password(agent(db, "wang"), generated)

    assert main(["admin", "--db", db, "list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split() == ["USERNAME", "NAME", "ROLE", "STATUS", "CAPACITY", "TEAMS"]
    assert listing[1].split() == ["li", "小李", "agent", "offline", "3", "售后"]
    assert listing[2].split()[:3] == ["wang", "wang", "supervisor"]

    assert main(["admin", "--db", db, "set", "li", "--capacity", "8", "--team", "billing"]) == 0
    changed = agent(db, "li")
    assert (changed.capacity, [t.name for t in changed.teams]) == (8, ["billing"])

    monkeypatch.setattr("sys.stdin", io.StringIO("second-secret\n"))
    assert main(["admin", "--db", db, "reset-password", "li", "--password-stdin"]) == 0
    assert verify_password(agent(db, "li"), "second-secret")
    assert not verify_password(agent(db, "li"), "first-secret")


def test_mistakes_are_reported_not_raised(db: str, capsys, monkeypatch) -> None:
    assert main(["admin", "--db", db, "reset-password", "nobody", "--generate"]) == 1
    assert "no agent 'nobody'" in capsys.readouterr().err
    assert main(["admin", "--db", db, "add-agent", "li", "--generate"]) == 0
    assert main(["admin", "--db", db, "add-agent", "li", "--generate"]) == 1
    assert "exists" in capsys.readouterr().err
    assert main(["admin", "--db", db, "set", "li", "--capacity", "500"]) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(SystemExit, match="at least 8"):
        main(["admin", "--db", db, "add-agent", "zhao", "--password-stdin"])
