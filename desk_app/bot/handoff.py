"""When the bot gives the conversation to a person, and when it cannot.

Four reasons to hand off (DESIGN.md, handoff context):

- the contact asks for a person (转人工, 找客服, "talk to a human", "agent please"...);
- a complaint or strong negative wording (投诉, 垃圾, 骗子, "scam", "terrible"...): a person
  at once, with priority, because every further bot turn makes it worse;
- N turns in a row the bot could not answer (``failures_before_handoff``, default 2);
- a flow says so (it collected what a person needs to act).

When the server says no agent is available (``Turn.agents_available``), the bot does not
queue the contact for nobody: it answers with an offer to leave a message, which the client
sends as a ``ticket.create`` frame; outside the working hours that offer names them. An agent
who is online is taken at their word, whatever the clock says: one who stays late or covers
the night shift gets the conversations, instead of customers being told nobody is there.

The phrase lists are regular expressions in ``resources/bot/config.yaml``, matched on folded
text (``desk_app.bot.language.fold``), with a list of look-alikes removed first: "人工智能"
and "人工费" are not requests for a person, "are you a human" is a question about the bot.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from typing import Any

from desk_app.bot.config import BotConfigError
from desk_app.bot.language import fold

__all__ = ["HandoffPolicy", "WorkingHours"]

_DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
_CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no DST since 1991
MAX_SCAN = 2000  # characters of a message the phrase rules look at


def _zone(name: str) -> tzinfo:
    """The named time zone; Asia/Shanghai works even without a tz database (Windows)."""
    try:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    except ImportError:  # pragma: no cover - Python 3.11 always has it
        return _CHINA
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name in ("Asia/Shanghai", "Asia/Chongqing", "PRC", "Asia/Hong_Kong"):
            return _CHINA
        raise BotConfigError(f"unknown time zone {name!r}") from None


def _clock(value: Any, where: str) -> time:
    if isinstance(value, int) and 0 <= value < 24 * 60:  # YAML reads 09:00 as 540 minutes
        return time(value // 60, value % 60)
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
        if match and int(match[1]) <= 24 and int(match[2]) < 60:
            hour, minute = int(match[1]), int(match[2])
            return time.max if hour == 24 else time(hour, minute)
    raise BotConfigError(f'{where}: expected a time like "09:00", not {value!r}')


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """Agents' hours in the shop's time zone. ``end`` before ``start`` spans midnight."""

    zone: tzinfo = _CHINA
    start: time = time(9, 0)
    end: time = time(21, 0)
    days: frozenset[int] = frozenset(range(1, 8))  # ISO weekdays, 1 = Monday

    @classmethod
    def from_config(cls, data: Mapping[str, Any]) -> WorkingHours:
        where = "handoff.working_hours"
        days = data.get("days", list(_DAYS))
        if not isinstance(days, list) or not days:
            raise BotConfigError(f"{where}.days: expected a list such as [mon, tue, ...]")
        numbers = set()
        for day in days:
            key = str(day).strip().lower()[:3]
            if key not in _DAYS and not (isinstance(day, int) and 1 <= day <= 7):
                raise BotConfigError(f"{where}.days: {day!r} is not a weekday")
            numbers.add(_DAYS.get(key, day))
        return cls(
            zone=_zone(str(data.get("timezone", "Asia/Shanghai"))),
            start=_clock(data.get("start", "09:00"), f"{where}.start"),
            end=_clock(data.get("end", "21:00"), f"{where}.end"),
            days=frozenset(numbers),
        )

    def local(self, now: datetime) -> datetime:
        return (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(self.zone)

    def open_at(self, now: datetime) -> bool:
        """Whether agents work at ``now`` (naive times are taken as UTC)."""
        local = self.local(now)
        clock = local.time().replace(tzinfo=None)
        if self.start <= self.end:
            return local.isoweekday() in self.days and self.start <= clock < self.end
        # overnight shift: 20:00-02:00 belongs to the day it started
        if clock >= self.start:
            return local.isoweekday() in self.days
        yesterday = (local - timedelta(days=1)).isoweekday()
        return clock < self.end and yesterday in self.days

    def describe(self) -> str:
        end = "24:00" if self.end == time.max else self.end.strftime("%H:%M")
        return f"{self.start.strftime('%H:%M')}–{end}"


def _compile(patterns: Iterable[Any], where: str) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for n, pattern in enumerate(patterns or ()):
        if not isinstance(pattern, str) or not pattern.strip():
            raise BotConfigError(f"{where}[{n}]: expected a regular expression")
        try:
            compiled.append(re.compile(pattern.strip(), re.IGNORECASE))
        except re.error as exc:
            raise BotConfigError(f"{where}[{n}]: {exc}") from None
    return tuple(compiled)


def _folded(text: str) -> str:
    """``fold`` of the scanned part, remembered: every turn asks both ``asks_for_person``
    and ``is_complaint`` about the same text, and folding costs more than the regexes."""
    return _fold_cached(text[:MAX_SCAN])


@functools.lru_cache(maxsize=64)  # one turn's two questions come one after the other
def _fold_cached(text: str) -> str:
    return fold(text)


_UNJOINABLE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(|\(\?[aiLmsux]+\)")


def _join(patterns: Sequence[re.Pattern[str]]) -> re.Pattern[str] | None:
    """``patterns`` as one alternation that matches where any of them does, or None when
    joining could change a pattern's meaning (back-references, conditionals or inline flags
    refer to a pattern's own groups and flags) or the flags differ."""
    if not patterns:
        return None
    flags = {p.flags for p in patterns}
    if len(flags) != 1 or any(_UNJOINABLE.search(p.pattern) for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), flags.pop())
    except re.error:
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoffPolicy:
    """The rules above, as data. Build it with :meth:`from_config`."""

    ask_for_person: Sequence[re.Pattern[str]] = ()
    not_a_person: Sequence[re.Pattern[str]] = ()
    complaint: Sequence[re.Pattern[str]] = ()
    failures_before_handoff: int = 2
    flow_attempts: int = 3
    complaint_priority: int = 1
    hours: WorkingHours | None = field(default_factory=WorkingHours)
    # each list as one compiled alternation (None: the list cannot be joined safely, e.g. it
    # uses back-references, and is searched pattern by pattern as before)
    _any_person: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)
    _any_lookalike: re.Pattern[str] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _any_complaint: re.Pattern[str] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # One search over the message instead of one per phrase pattern: the per-pattern
        # generator was 3.6 % of the server's CPU in the load benchmark.
        object.__setattr__(self, "_any_person", _join(self.ask_for_person))
        object.__setattr__(self, "_any_lookalike", _join(self.not_a_person))
        object.__setattr__(self, "_any_complaint", _join(self.complaint))

    @classmethod
    def from_config(cls, data: Mapping[str, Any]) -> HandoffPolicy:
        failures = data.get("failures_before_handoff", 2)
        attempts = data.get("flow_attempts", 3)
        priority = data.get("complaint_priority", 1)
        for name, value in (("failures_before_handoff", failures), ("flow_attempts", attempts)):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 20:
                raise BotConfigError(f"handoff.{name}: expected a whole number from 1 to 20")
        if isinstance(priority, bool) or not isinstance(priority, int):
            raise BotConfigError("handoff.complaint_priority: expected a whole number")
        hours = data.get("working_hours", {})
        if hours is not None and not isinstance(hours, Mapping):
            raise BotConfigError("handoff.working_hours: expected a mapping or null")
        return cls(
            ask_for_person=_compile(data.get("ask_for_person", ()), "handoff.ask_for_person"),
            not_a_person=_compile(data.get("not_a_person", ()), "handoff.not_a_person"),
            complaint=_compile(data.get("complaint", ()), "handoff.complaint"),
            failures_before_handoff=failures,
            flow_attempts=attempts,
            complaint_priority=priority,
            hours=WorkingHours.from_config(hours) if hours is not None else None,
        )

    def asks_for_person(self, text: str) -> bool:
        """Whether the message asks for a person (after removing look-alikes)."""
        folded = _folded(text)
        # no look-alike anywhere: every sub() below would leave the text as it is
        if self._any_lookalike is None or self._any_lookalike.search(folded):
            for pattern in self.not_a_person:
                folded = pattern.sub(" ", folded)
        if self._any_person is not None:
            return self._any_person.search(folded) is not None
        return any(pattern.search(folded) for pattern in self.ask_for_person)

    def is_complaint(self, text: str) -> bool:
        """Whether the message complains or uses strong negative wording."""
        folded = _folded(text)
        if self._any_complaint is not None:
            return self._any_complaint.search(folded) is not None
        return any(pattern.search(folded) for pattern in self.complaint)

    def within_hours(self, now: datetime) -> bool:
        return self.hours is None or self.hours.open_at(now)

    def hours_text(self) -> str:
        return self.hours.describe() if self.hours else ""
