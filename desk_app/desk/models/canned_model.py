"""Canned responses for the composer's ``/`` completer.

Read from ``resources/desk/canned_responses.yaml`` (shortcut, Chinese and English text); the
desk shows the text in its interface language. A missing or broken file means no canned
responses, never a crash at start-up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from desk_app.desk.labels import one_line
from desk_app.desk.models.roles import ShortcutRole
from desk_app.desk.resources import resource_path

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class CannedResponse:
    shortcut: str
    text: str


def load_canned_responses(language: str, path: Path | None = None) -> list[CannedResponse]:
    """Canned responses in ``language`` (``zh_CN`` or ``en``), in file order."""
    import yaml

    source = path or resource_path("desk", "canned_responses.yaml")
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        log.warning("canned responses not loaded from %s: %s", source, type(exc).__name__)
        return []
    key = "zh" if language.startswith("zh") else "en"
    out: list[CannedResponse] = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict):
            continue
        shortcut = str(entry.get("shortcut", "")).strip().lstrip("/")
        text = entry.get(key) or entry.get("zh") or entry.get("en")
        if shortcut and isinstance(text, str) and text.strip():
            out.append(CannedResponse(shortcut, text.strip()))
    return out


class CannedModel(QAbstractListModel):
    """``/shortcut`` entries; ``EditRole`` is what the completer matches (``/`` + shortcut)."""

    def __init__(self, responses: list[CannedResponse], parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._responses = list(responses)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._responses)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._responses):
            return None
        response = self._responses[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"/{response.shortcut}  {one_line(response.text, 60)}"
        if role == Qt.ItemDataRole.EditRole:
            return f"/{response.shortcut}"
        if role == ShortcutRole:
            return response.shortcut
        if role == Qt.ItemDataRole.UserRole:
            return response.text
        return None

    def text_for(self, shortcut: str) -> str | None:
        wanted = shortcut.lstrip("/")
        for response in self._responses:
            if response.shortcut == wanted:
                return response.text
        return None
