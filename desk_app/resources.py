"""Where the shipped resources (knowledge base, bot flows, themes, icons, translations) live.

In a checkout and an editable install they are the repository's top-level ``resources/``; a
wheel installs the same folder as the package ``desk_app._resources`` (see ``setup.py``). Every
module asks here instead of counting parent directories, so both layouts work.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _root() -> Path:
    installed = _PACKAGE / "_resources"
    return installed if installed.is_dir() else _PACKAGE.parent / "resources"


RESOURCES = _root()


def resource_path(*parts: str) -> Path:
    """A path under ``resources/``; the caller decides what a missing file means."""
    return RESOURCES.joinpath(*parts)
