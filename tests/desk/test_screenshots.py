"""The screenshot script keeps working (it runs under Xvfb; skipped where there is none)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("screenshots.py")
EXPECTED = {"login", "main", "mine", "submit-knowledge", "shortcuts", "main-dark"}


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run (apt: xvfb)")
def test_screenshots_of_every_main_screen_are_written(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    subprocess.run(
        [
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1600x1000x24",
            sys.executable,
            str(SCRIPT),
            "--lang",
            "en",
            "--out",
            str(tmp_path),
        ],
        check=True,
        env=env,
        timeout=300,
        capture_output=True,
    )
    written = {p.name.removesuffix(".en.png") for p in tmp_path.glob("*.en.png")}
    assert written == EXPECTED
    assert all(p.stat().st_size > 10_000 for p in tmp_path.glob("*.png"))
