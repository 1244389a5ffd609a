"""Structured logging: one JSON object per line on stderr.

Fields come from ``extra=`` (``log.info("conversation.started", extra={"conversation_id":
cid})``): the message is an event name, never free text built from customer input. Message
text and contact profile fields are personal data and are never passed to a logger; as a
second line of defence the desk-wide ``RedactingFilter`` (``desk_app.privacy``) masks phone
numbers, ID numbers and addresses in anything that slips through, when that module exists.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys() | {"message", "asctime"}
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = _value(value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _value(value: object) -> object:
    try:
        return value if isinstance(value, str | int | float | bool) else str(value)
    except Exception:  # e.g. a weak proxy to an object that is gone
        return "<unprintable>"


def setup_logging(level: str | int = "INFO", stream: TextIO | None = None) -> None:
    """Configure the root logger for the server process (the CLI calls this once)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    try:
        from desk_app.privacy.redact import RedactingFilter
    except ImportError:  # the privacy module is optional here
        pass
    else:
        handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    # websockets logs every failed handshake at INFO with the peer address: keep it quieter
    logging.getLogger("websockets").setLevel(max(root.level, logging.WARNING))
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))
