"""The desk's files (icons, style sheets, translations, canned responses) in ``resources/``."""

from __future__ import annotations

from pathlib import Path

from desk_app.resources import resource_path

__all__ = ["icon_path", "resource_path"]


def icon_path(name: str) -> Path:
    return resource_path("desk", "icons", f"{name}.svg")
