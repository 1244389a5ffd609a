"""Where the desk's files (icons, style sheets, translations, canned responses) live.

They sit in the repository's top-level ``resources/`` (DESIGN.md), next to the package, so one
helper finds them from a checkout or an editable install alike.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "resources"


def resource_path(*parts: str) -> Path:
    """A path under ``resources/``; the caller copes with a missing file (no crash)."""
    return ROOT.joinpath(*parts)


def icon_path(name: str) -> Path:
    return resource_path("desk", "icons", f"{name}.svg")
