"""The desk paints on its UI thread alone: no Qt GUI thread pool to wait for.

Run in a fresh interpreter because the choice is made when the QApplication is created, and
the test session's application exists already.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PAINT_TALL_SCROLL_BAR = """
import os, sys
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QScrollBar
from desk_app.desk.app import create_application

app = create_application(["test"])
app.setStyle("Fusion")
before = len(os.listdir("/proc/self/task"))
bar = QScrollBar(Qt.Orientation.Vertical)
bar.resize(15, 700)  # fills taller than 32 px are what Qt would hand to its pool
bar.setRange(0, 10_000)
image = QImage(15, 700, QImage.Format.Format_ARGB32_Premultiplied)
for value in range(0, 10_000, 500):
    bar.setValue(value)
    bar.render(image)
print(before, len(os.listdir("/proc/self/task")), os.environ.get("QT_NO_GUI_THREADPOOL"))
"""


def test_painting_starts_no_gui_thread_pool() -> None:
    env = {k: v for k, v in os.environ.items() if k != "QT_NO_GUI_THREADPOOL"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    out = subprocess.run(
        [sys.executable, "-c", PAINT_TALL_SCROLL_BAR],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=True,
    ).stdout.split()
    before, after, setting = int(out[0]), int(out[1]), out[2]
    assert after == before, f"painting started {after - before} thread(s)"
    assert setting == "1"
