"""Fixtures for the desk's tests: offscreen Qt, throw-away settings, a real server when present.

``QT_QPA_PLATFORM=offscreen`` is set before Qt loads so the tests run without a display (CI).
Settings go to an INI file under ``tmp_path`` so a test never reads or writes the real
user's preferences.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from desk_app.desk.settings import DeskSettings


@pytest.fixture
def desk_settings(tmp_path: Path) -> DeskSettings:
    return DeskSettings(QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat))


class RecordingSink:
    """Records the frames the controller sends (a double that records, never a mock)."""

    def __init__(self) -> None:
        self.sent: list[object] = []

    def send(self, frame: object) -> None:
        self.sent.append(frame)


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()
