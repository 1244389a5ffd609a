"""Alembic migrations of the store, applied at start-up by ``upgrade_to_head``.

The hooks below are shared by ``env.py`` (autogenerate) and the test that checks models and
migrations agree, so both compare types the same way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DateTime

from desk_app.store.models import UTCDateTime


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write ``UTCDateTime`` as the plain column type it stores, so migrations do not
    import application code that may change later."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def compare_type(
    _context: Any, _inspected: Any, _metadata: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """``UTCDateTime`` matches any DateTime column; other types use Alembic's comparison."""
    if isinstance(metadata_type, UTCDateTime):
        return not isinstance(inspected_type, DateTime)
    return None
