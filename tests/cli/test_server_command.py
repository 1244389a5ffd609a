"""``desk server`` as a process: the first admin's password on the console only, SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from desk_app.store.agents import agent_by_username, verify_password
from desk_app.store.database import Store

TIMEOUT = 30.0 * float(os.environ.get("DESK_TEST_TIMEOUT_SCALE", "1"))


@pytest.mark.slow
def test_first_start_prints_the_admin_password_once_and_not_to_the_log(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    env = {k: v for k, v in os.environ.items() if k != "DESK_ADMIN_PASSWORD"}
    command = [sys.executable, "-m", "desk_app.cli", "server", "--port", "0", "--db", db]

    def run_once() -> tuple[str, str]:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "listening on" in line:
                break
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=TIMEOUT)
        assert process.returncode == 0, err
        return "".join(lines) + out, err

    out, err = run_once()
    password = next(
        line.split(":", 1)[1].strip() for line in out.splitlines() if "password:" in line
    )
    assert password not in err
    assert '"event": "server.stopped"' in err  # graceful on SIGTERM, JSON log lines
    with Store.open(db, migrate=False) as store:
        admin = store.read_sync(lambda s: agent_by_username(s, "admin"))
    assert admin.role == "admin"
    assert verify_password(admin, password)

    out, _ = run_once()  # the second start creates no admin and prints no password
    assert "password" not in out
