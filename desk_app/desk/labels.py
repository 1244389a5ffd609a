"""Human words for protocol values (handoff reasons, channels, senders), translated once.

Kept in one module so the queue, the handoff card and the notifications say the same thing,
and so ``pyside6-lupdate`` finds every string under one context, ``Labels``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QCoreApplication

from desk_app.protocol.messages import AgentStatus, Channel, HandoffReason, Sender

_cache: dict[str, dict[object, str]] = {}
_cache_language = [""]


def _cached(name: str, build: Callable[[], dict[object, str]]) -> dict[object, str]:
    """Label tables are built once per interface language, not per call.

    A queue snapshot labels thousands of rows; building the table there meant eleven
    ``translate`` calls per row. The language is probed with one translation, so installing
    another translator (tests do) rebuilds the tables.
    """
    language = QCoreApplication.translate("Labels", "Customer")
    if language != _cache_language[0]:
        _cache.clear()
        _cache_language[0] = language
    table = _cache.get(name)
    if table is None:
        table = _cache[name] = build()
    return table


def reason_label(reason: HandoffReason | str | None) -> str:
    if reason is None:
        return ""
    labels = _cached("reason", _reason_labels)
    try:
        return labels[HandoffReason(reason)]
    except ValueError:
        return str(reason)


def _reason_labels() -> dict[object, str]:
    return {
        HandoffReason.CUSTOMER_ASKED: QCoreApplication.translate("Labels", "Asked for a person"),
        HandoffReason.LOW_CONFIDENCE: QCoreApplication.translate("Labels", "Bot unsure"),
        HandoffReason.REPEATED_FAILURE: QCoreApplication.translate(
            "Labels", "Bot failed repeatedly"
        ),
        HandoffReason.NEGATIVE_SENTIMENT: QCoreApplication.translate("Labels", "Upset customer"),
        HandoffReason.FLOW: QCoreApplication.translate("Labels", "Flow handoff"),
        HandoffReason.NO_ANSWER: QCoreApplication.translate("Labels", "No answer found"),
        HandoffReason.TRANSFER: QCoreApplication.translate("Labels", "Transferred"),
        HandoffReason.AGENT_LEFT: QCoreApplication.translate("Labels", "Agent left"),
    }


def channel_label(channel: Channel | str) -> str:
    labels = _cached("channel", _channel_labels)
    try:
        return labels[Channel(channel)]
    except ValueError:
        return str(channel)


def _channel_labels() -> dict[object, str]:
    return {
        Channel.WEB: QCoreApplication.translate("Labels", "Web"),
        Channel.TERMINAL: QCoreApplication.translate("Labels", "Terminal"),
        Channel.API: QCoreApplication.translate("Labels", "API"),
    }


def sender_label(sender: Sender) -> str:
    return _cached("sender", _sender_labels)[sender]


def _sender_labels() -> dict[object, str]:
    return {
        Sender.CONTACT: QCoreApplication.translate("Labels", "Customer"),
        Sender.BOT: QCoreApplication.translate("Labels", "Bot"),
        Sender.AGENT: QCoreApplication.translate("Labels", "Agent"),
        Sender.SYSTEM: QCoreApplication.translate("Labels", "System"),
        Sender.NOTE: QCoreApplication.translate("Labels", "Internal note"),
    }


def status_label(status: AgentStatus | str) -> str:
    labels = {
        AgentStatus.ONLINE: QCoreApplication.translate("Labels", "Online"),
        AgentStatus.AWAY: QCoreApplication.translate("Labels", "Away"),
        AgentStatus.OFFLINE: QCoreApplication.translate("Labels", "Offline"),
    }
    try:
        return labels[AgentStatus(status)]
    except ValueError:
        return str(status)


def profile_label(key: str) -> str:
    """Known profile keys get a translated name; anything else is shown as the key itself."""
    labels = {
        "name": QCoreApplication.translate("Labels", "Name"),
        "phone": QCoreApplication.translate("Labels", "Phone"),
        "email": QCoreApplication.translate("Labels", "E-mail"),
        "order": QCoreApplication.translate("Labels", "Order"),
        "order_id": QCoreApplication.translate("Labels", "Order"),
        "vip": QCoreApplication.translate("Labels", "VIP level"),
        "city": QCoreApplication.translate("Labels", "City"),
        "locale": QCoreApplication.translate("Labels", "Language"),
    }
    return labels.get(key, key)


def elapsed(since: datetime | None, now: datetime | None = None) -> str:
    """``m:ss`` under an hour, ``h:mm:ss`` above: compact enough for a queue column."""
    if since is None:
        return ""
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    seconds = max(0, int(((now or datetime.now(UTC)) - since).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def local_time(moment: datetime) -> str:
    """Time of day in the desk's local zone (stored times are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%H:%M")


def one_line(text: str, limit: int = 80) -> str:
    """A preview for lists: one line, at most ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


__all__ = [
    "channel_label",
    "elapsed",
    "local_time",
    "one_line",
    "profile_label",
    "reason_label",
    "sender_label",
    "status_label",
]


def error_text(code: str, message: str) -> str:
    """What to tell the agent about an ``error`` frame, by its stable code."""
    texts = {
        "conflict": QCoreApplication.translate(
            "Labels", "Someone else took this conversation first."
        ),
        "forbidden": QCoreApplication.translate(
            "Labels", "You are not allowed to do that with this conversation."
        ),
        "not_found": QCoreApplication.translate("Labels", "That conversation no longer exists."),
        "conversation_closed": QCoreApplication.translate(
            "Labels", "That conversation is already closed."
        ),
        "rate_limited": QCoreApplication.translate(
            "Labels", "Too many actions at once; slow down a little."
        ),
        "bad_credentials": QCoreApplication.translate("Labels", "Wrong username or password."),
        "token_expired": QCoreApplication.translate(
            "Labels", "Your sign-in has expired; sign in again."
        ),
        "token_invalid": QCoreApplication.translate("Labels", "Please sign in again."),
        "not_authenticated": QCoreApplication.translate("Labels", "Please sign in again."),
    }
    return texts.get(code) or QCoreApplication.translate(
        "Labels", "The server refused: %1"
    ).replace("%1", message)
