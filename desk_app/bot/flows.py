"""Multi-turn flows declared in YAML: ask for slots, check them, confirm, finish.

A flow (``resources/bot/flows.yaml``; the format is described at the top of that file) is
what a bot needs when one message is not enough: "修改收货地址" needs an order number, the new
address and a phone number before a person can act. This module reads flow files and runs
one step of a flow at a time, as a pure function of (flow, state, text, now): no I/O, and the
state is a JSON-safe dict the server stores with the conversation, so a flow survives a
server restart and is tested without one.

What this module decides: is the text a valid answer to the question asked, a correction of
an earlier answer ("电话是139...", "地址改成..."), a yes/no to the confirmation. What it leaves
to the engine (``desk_app.bot.engine``), because it needs the knowledge index and the handoff
policy: cancelling, handing off on request, and leaving the flow when the contact changes the
topic. Those are checked by the engine before and after :meth:`FlowBook.advance`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Literal

from desk_app.bot.config import BotConfigError, Texts, load_yaml, localized
from desk_app.bot.handoff import _CHINA
from desk_app.bot.language import fold

__all__ = [
    "FLOW_PREFIX",
    "ChoiceOption",
    "Flow",
    "FlowBook",
    "FlowHandoff",
    "FlowOutcome",
    "Slot",
    "is_cancel",
    "parse_date",
    "yes_or_no",
]

FLOW_PREFIX = "flow:"
"""Flows are indexed as documents ``flow:<id>``; article ids never start with it."""

SlotType = Literal["pattern", "phone", "date", "choice", "text"]
MAX_VALUE = 300


# ---------------------------------------------------------------------------------------------
# Words: yes / no / cancel

_PARTICLE_TAIL = re.compile(r"[啊呀吧的了哈呢哦喔啦嘛~～。.!！,，\s]+$")
_PUNCTUATION_TAIL = re.compile(r"[~～。.!！,，?？\s]+$")
_YES = frozenset(
    (
        "是",
        "是的",
        "是滴",
        "对",
        "对的",
        "对对",
        "对对对",
        "对啊",
        "确认",
        "确定",
        "确认无误",
        "好",
        "好的",
        "好滴",
        "好嘞",
        "可以",
        "可以的",
        "没问题",
        "没错",
        "正确",
        "嗯",
        "嗯嗯",
        "恩",
        "恩恩",
        "行",
        "ok",
        "okay",
        "好的确认",
        "提交",
        "确认提交",
        "yes",
        "y",
        "yep",
        "yeah",
        "yup",
        "sure",
        "correct",
        "confirm",
        "confirmed",
        "right",
        "that's right",
        "thats right",
        "yes please",
        "go ahead",
    )
)
_NO = frozenset(
    (
        "不",
        "不是",
        "不对",
        "否",
        "错了",
        "不正确",
        "有误",
        "不确认",
        "不行",
        "不要",
        "没有",
        "不是的",
        "不对的",
        "no",
        "n",
        "nope",
        "nah",
        "wrong",
        "incorrect",
        "not right",
        "not correct",
    )
)
_NO_PREFIX = ("不对", "不是", "错了", "有误", "no,", "no ", "wrong", "not ")
_YES_PREFIX = ("是的", "对的", "确认", "确定", "没问题", "好的", "yes", "ok", "correct")
_CANCEL_WORD = (
    r"(?:取消|算了|不用了|不要了|不查了|不改了|不退了|不办了|不弄了|退出|结束|不需要了|先不了|"
    r"先不用了|先这样吧|我不退了|我不改了|不想退了|不想改了|cancel|stop|quit|exit|never ?mind|"
    r"forget (?:about )?it|no thanks|abort)"
)
_CANCEL_TAIL = r"(?:吧|了|啦|呀|谢谢|thanks?|thank you|please|it)"
_CANCEL = re.compile(rf"^{_CANCEL_WORD}(?:[\s,，.。!！]*(?:{_CANCEL_WORD}|{_CANCEL_TAIL}))*$")


def _clean(text: str) -> str:
    folded = " ".join(fold(text).split())
    return _PARTICLE_TAIL.sub("", folded).strip()


def yes_or_no(text: str) -> bool | None:
    """True for 是/对/确认/yes, False for 否/不对/no, None for anything else."""
    cleaned = _clean(text)
    if not cleaned or len(cleaned) > 30:
        return None
    if cleaned in _YES:
        return True
    if cleaned in _NO:
        return False
    if cleaned.startswith(_NO_PREFIX):
        return False
    if cleaned.startswith(_YES_PREFIX):
        return True
    return None


def is_cancel(text: str) -> bool:
    """The whole message says "stop this" (取消/算了/cancel). "取消订单" is a question, not this."""
    cleaned = _PUNCTUATION_TAIL.sub("", " ".join(fold(text).split())).strip()
    return bool(cleaned) and len(cleaned) <= 20 and bool(_CANCEL.match(cleaned))


# ---------------------------------------------------------------------------------------------
# Dates

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7, "七": 7}
_EN_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_EN_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_RELATIVE = (
    (re.compile(r"大后天|in 3 days"), 3),
    (re.compile(r"后天|day after tomorrow"), 2),
    (re.compile(r"明天|明日|tomorrow|tmr|tmrw"), 1),
    (re.compile(r"今天|今日|today|tonight|今晚"), 0),
    (re.compile(r"昨天|yesterday"), -1),
)
_YMD = re.compile(r"(?<!\d)(20\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?!\d)")
_MD = re.compile(r"(?<![\d.])(\d{1,2})\s*(?:月|/|-|\.)\s*(\d{1,2})\s*[日号]?(?![\d天])")
_D = re.compile(r"(?<![\d月])(\d{1,2})\s*[日号](?!\d)")
_WEEKDAY = re.compile(r"(下个?|这个?|本)?\s*(?:周|星期|礼拜)\s*([一二三四五六日天1-7])")
_EN_WEEKDAY = re.compile(r"\b(next|this)?\s*(" + "|".join(d[:3] for d in _EN_DAYS) + r")[a-z]*\b")
_EN_MD = re.compile(
    r"\b(" + "|".join(_EN_MONTHS) + r")[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b"
    r"|\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(" + "|".join(_EN_MONTHS) + r")[a-z]*\b"
)
_IN_DAYS = re.compile(r"(\d{1,2})\s*天(?:以)?后|in (\d{1,2}) days")


def _nearest(today: date, month: int, day: int) -> date | None:
    """The date with this month and day nearest to today (a pickup on 1月2日 asked on
    December 30th means next year)."""
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    return min(candidates, key=lambda d: abs((d - today).days)) if candidates else None


def parse_date(text: str, today: date) -> date | None:
    """A date in what a contact types: 明天, 周五, 下周一, 3月8日, 8号, 2025-03-08, Friday,
    March 8, 3天后. None when there is none (or it does not exist, like 2月30日)."""
    t = fold(text)
    if found := _YMD.search(t):
        try:
            return date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            return None
    if found := _MD.search(t):
        month, day = int(found[1]), int(found[2])
        return _nearest(today, month, day) if 1 <= month <= 12 else None
    if found := _EN_MD.search(t):
        month_name, day_text = (found[1], found[2]) if found[1] else (found[4], found[3])
        return _nearest(today, _EN_MONTHS.index(month_name[:3]) + 1, int(day_text))
    if found := _IN_DAYS.search(t):
        return today + timedelta(days=int(found[1] or found[2]))
    for pattern, offset in _RELATIVE:
        if pattern.search(t):
            return today + timedelta(days=offset)
    if found := _WEEKDAY.search(t):
        target = _CN_DIGITS.get(found[2]) or int(found[2])
        return _weekday(today, target, next_week=bool(found[1] and found[1].startswith("下")))
    if found := _EN_WEEKDAY.search(t):
        target = [d[:3] for d in _EN_DAYS].index(found[2][:3]) + 1
        return _weekday(today, target, next_week=found[1] == "next")
    if found := _D.search(t):
        day = int(found[1])
        month_start = today.replace(day=1)
        for months_ahead in (0, 1):
            first = (month_start + timedelta(days=32 * months_ahead)).replace(day=1)
            try:
                candidate = first.replace(day=day)
            except ValueError:
                continue
            if candidate >= today or months_ahead:
                return candidate
    return None


def _weekday(today: date, target: int, *, next_week: bool) -> date:
    if next_week:  # 下周三: Wednesday of next week, counted from Monday
        monday = today - timedelta(days=today.isoweekday() - 1) + timedelta(days=7)
        return monday + timedelta(days=target - 1)
    return today + timedelta(days=(target - today.isoweekday()) % 7)


# ---------------------------------------------------------------------------------------------
# Slots and flows


@dataclass(frozen=True, slots=True)
class ChoiceOption:
    value: str
    en: str
    synonyms: tuple[str, ...] = ()

    def terms(self) -> tuple[str, ...]:
        return tuple(fold(t) for t in (self.value, self.en, *self.synonyms) if t)


_PHONE = re.compile(r"(?<!\d)(?:\+?86)?(1[3-9]\d{9})(?!\d)")
_CN_NUMBER = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
_ORDINAL = re.compile(
    r"^(?:第|no\.?|number|option|#)?\s*(\d{1,2}|[一二两三四五六七八九十])\s*"
    r"(?:个|项|种|号|类|\.|、)?$"
)
_FIX_SIGNAL = re.compile(
    r"^\s*(?:也|好像|可能)?\s*(?:错了|不对|有误|写错|填错|搞错|改成|改为|换成|变成|应该是|是|为|:|：|"
    r"(?:is )?wrong|should be|is|to)",
    re.IGNORECASE,
)
"""After a slot's name, the words that make "订单号错了…" a correction rather than an answer
that happens to contain the name ("商品有质量问题" as a return reason)."""
_CHANGE_WORD = re.compile(
    r"^\s*(?:应该|要|需要|请)?\s*(?:改成|改为|换成|变成|修改为|更正为|是|为|"
    r"写成|:|：|to|is|should be|=)\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Slot:
    """One thing a flow asks for. ``parse`` turns an answer into the value to keep."""

    name: str
    type: SlotType
    label: Texts
    ask: Texts
    invalid: Texts
    aliases: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    strip: str = ""
    options: tuple[ChoiceOption, ...] = ()
    min_days: int | None = None
    max_days: int | None = None
    min_length: int = 1
    max_length: int = 200
    must_match: re.Pattern[str] | None = None

    def names(self) -> tuple[str, ...]:
        """How a contact may refer to this slot ("电话", "地址"), longest first."""
        names = {fold(self.label.zh), fold(self.label.en), *(fold(a) for a in self.aliases)}
        return tuple(sorted((n for n in names if n), key=len, reverse=True))

    def parse(self, text: str, today: date, *, whole: bool) -> str | None:
        """The value in ``text``, or None.

        ``whole``: the message answers this slot's question, so a free-text slot takes all
        of it and a choice may be a bare number. Otherwise the value is picked out of a
        longer sentence, which free text never is.
        """
        text = text[:2000]
        if self.type == "pattern":
            return self._pattern(text)
        if self.type == "phone":
            digits = re.sub(r"(?<=\d)[\s\-]+(?=\d)", "", fold(text))
            found = _PHONE.search(digits)
            return found[1] if found else None
        if self.type == "date":
            return self._date(text, today)
        if self.type == "choice":
            return self._choice(text, whole=whole)
        return self._text(text) if whole else None

    def _pattern(self, text: str) -> str | None:
        assert self.pattern is not None
        folded = fold(text)
        if self.strip:
            between = "[" + re.escape(self.strip) + "]+"
            folded = re.sub(rf"(?<=\w){between}(?=\w)", "", folded)
        found = self.pattern.search(folded)
        return found[0] if found else None

    def _date(self, text: str, today: date) -> str | None:
        when = parse_date(text, today)
        if when is None:
            return None
        days = (when - today).days
        if self.min_days is not None and days < self.min_days:
            return None
        if self.max_days is not None and days > self.max_days:
            return None
        return when.isoformat()

    def _choice(self, text: str, *, whole: bool) -> str | None:
        folded = " ".join(fold(text).split())
        if whole and (found := _ORDINAL.match(_clean(text))):
            number = int(found[1]) if found[1].isdigit() else _CN_NUMBER[found[1]]
            return self.options[number - 1].value if 1 <= number <= len(self.options) else None
        best: tuple[int, str] | None = None
        for option in self.options:
            for term in option.terms():
                if term and term in folded and (best is None or len(term) > best[0]):
                    best = (len(term), option.value)
        if best:
            return best[1]
        if whole and len(folded) <= 16:
            from rapidfuzz import fuzz, process

            terms = {term: o.value for o in self.options for term in o.terms() if len(term) >= 2}
            hit = process.extractOne(folded, list(terms), scorer=fuzz.ratio, score_cutoff=80)
            if hit:
                return terms[hit[0]]
        return None

    def _text(self, text: str) -> str | None:
        value = " ".join(text.split())[: self.max_length]
        if len(value) < self.min_length:
            return None
        if self.must_match and not self.must_match.search(value):
            return None
        return value

    def display(self, value: str, lang: str) -> str:
        """The value as the contact reads it in a confirmation or answer."""
        if self.type == "choice" and lang == "en":
            return next((o.en for o in self.options if o.value == value and o.en), value)
        if self.type == "date":
            try:
                when = date.fromisoformat(value)
            except ValueError:
                return value
            if lang == "en":
                return when.strftime("%a %d %b").replace(" 0", " ")
            return f"{when.month}月{when.day}日（周{'一二三四五六日'[when.weekday()]}）"
        return value


@dataclass(frozen=True, slots=True)
class FlowHandoff:
    text: Texts
    team: str | None = None
    priority: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Flow:
    id: str
    title: Texts
    triggers: tuple[str, ...]
    slots: tuple[Slot, ...]
    confirm: Texts | None = None
    answer: Texts | None = None
    handoff: FlowHandoff | None = None

    @property
    def intent(self) -> str:
        return FLOW_PREFIX + self.id

    def slot(self, name: str) -> Slot | None:
        return next((s for s in self.slots if s.name == name), None)

    def fill(self, template: str, values: Mapping[str, str], lang: str) -> str:
        shown = {s.name: s.display(values[s.name], lang) for s in self.slots if s.name in values}
        return template.format_map(_Blank(shown))


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowOutcome:
    """One step's result.

    ``kind``: ``ask`` (say ``text``, keep ``state``), ``invalid`` (the text answered nothing;
    the engine may treat it as a change of topic, else says ``text``, the hint, and keeps
    ``state``), ``gave_up`` (too many invalid answers: hand off), ``answer`` / ``handoff`` (the
    flow is done; ``state`` is None).
    """

    kind: Literal["ask", "invalid", "gave_up", "answer", "handoff"]
    text: str
    state: dict[str, Any] | None
    slots: dict[str, str]
    slot: str = ""
    handoff: FlowHandoff | None = None


@dataclass(slots=True)
class FlowBook:
    """Every flow of the bot, and the step function that runs them."""

    flows: dict[str, Flow] = field(default_factory=dict)
    zone: tzinfo = _CHINA
    max_attempts: int = 3
    messages: Mapping[str, Texts] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: Path, **kwargs: Any) -> FlowBook:
        data = load_yaml(path)
        entries = data.get("flows") or []
        if not isinstance(entries, list):
            raise BotConfigError(f"{path.name}: 'flows' must be a list")
        flows: dict[str, Flow] = {}
        for n, entry in enumerate(entries):
            flow = _flow(entry, f"{path.name}: flows[{n}]")
            if flow.id in flows:
                raise BotConfigError(f"{path.name}: flow id {flow.id!r} appears twice")
            flows[flow.id] = flow
        return cls(flows, **kwargs)

    def get(self, flow_id: str) -> Flow | None:
        return self.flows.get(flow_id.removeprefix(FLOW_PREFIX))

    def __len__(self) -> int:
        return len(self.flows)

    def today(self, now: datetime) -> date:
        return (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(self.zone).date()

    def _text(self, key: str, lang: str, default: str, **values: str) -> str:
        texts = self.messages.get(key)
        template = texts(lang) if texts else default
        try:
            return template.format_map(_Blank(values))
        except (ValueError, IndexError):
            return template

    # -----------------------------------------------------------------------------------------

    def start(self, flow: Flow, text: str, lang: str, now: datetime) -> FlowOutcome:
        """Begin ``flow``; values already in the triggering message are kept."""
        today = self.today(now)
        slots: dict[str, str] = {}
        for slot in flow.slots:
            if slot.type in ("pattern", "phone", "date"):
                value = slot.parse(text, today, whole=False)
                if value is not None:
                    slots[slot.name] = value
        return self._next(flow, slots, lang)

    def advance(
        self, flow: Flow, state: Mapping[str, Any], text: str, lang: str, now: datetime
    ) -> FlowOutcome:
        """One contact message inside ``flow``; ``state`` is what the last outcome returned."""
        today = self.today(now)
        raw_slots = state.get("slots")
        slots = {
            str(k): str(v)
            for k, v in (raw_slots.items() if isinstance(raw_slots, Mapping) else ())
            if flow.slot(str(k)) is not None
        }
        step = state.get("step")
        asking = flow.slot(str(state.get("slot", "")))
        attempts = state.get("attempts", 0)
        attempts = attempts if isinstance(attempts, int) else 0

        if step == "slot" and asking is not None:
            # another answer named and corrected ("订单号错了，是…") beats taking the text as
            # this answer: a free-text slot would otherwise swallow it
            mentioned = self._mentioned(flow, text, only=set(slots) - {asking.name})
            if mentioned is not None and _FIX_SIGNAL.match(mentioned[1]):
                slot, rest = mentioned
                value = self._value_after_name(slot, rest, today)
                if value is not None:
                    slots[slot.name] = value
                    prefix = self._updated(slots, [slot], lang)
                else:
                    slots.pop(slot.name, None)
                    prefix = ""
                return self._next(flow, slots, lang, prefix=prefix)
            value = asking.parse(text, today, whole=True) if asking.type != "text" else None
            if value is None:
                changed = self._corrections(flow, slots, text, today, skip=asking.name)
                if changed:
                    return self._next(flow, slots, lang, prefix=self._updated(slots, changed, lang))
                value = asking.parse(text, today, whole=True)
            if value is not None:
                slots[asking.name] = value
                self._prefill(flow, slots, text, today)  # "地址…，电话138…": both at once
                return self._next(flow, slots, lang)
            return self._invalid(flow, state, slots, asking.invalid(lang), attempts, asking.name)

        if step in ("confirm", "which"):
            mentioned = self._mentioned(flow, text)
            if mentioned is not None:
                slot, rest = mentioned
                value = self._value_after_name(slot, rest, today)
                if value is not None:
                    slots[slot.name] = value
                    return self._next(flow, slots, lang, prefix=self._updated(slots, [slot], lang))
                slots.pop(slot.name, None)  # "地址不对": ask for it again
                return self._next(flow, slots, lang)
            changed = self._corrections(flow, slots, text, today, skip=None)
            if changed:
                return self._next(flow, slots, lang, prefix=self._updated(slots, changed, lang))
            answer = yes_or_no(text)
            if answer is True:
                return (
                    self._done(flow, slots, lang)
                    if step == "confirm"
                    else self._next(flow, slots, lang)
                )
            if answer is False and step == "confirm":
                labels = " / ".join(s.label(lang) for s in flow.slots)
                return FlowOutcome(
                    kind="ask",
                    text=self._text("flow_which", lang, "{labels}", labels=labels),
                    state=self._state(flow, slots, "which"),
                    slots=slots,
                    slot="which",
                )
            hint = (
                self._text("flow_invalid_confirm", lang, 'Please reply "yes" or "no".')
                if step == "confirm"
                else self._text(
                    "flow_which",
                    lang,
                    "{labels}",
                    labels=" / ".join(s.label(lang) for s in flow.slots),
                )
            )
            return self._invalid(flow, state, slots, hint, attempts, str(step))

        return self._next(flow, slots, lang)  # a state from an older flows.yaml: carry on

    # -----------------------------------------------------------------------------------------

    @staticmethod
    def _state(
        flow: Flow, slots: Mapping[str, str], step: str, slot: str = "", attempts: int = 0
    ) -> dict[str, Any]:
        return {
            "id": flow.id,
            "slots": dict(slots),
            "step": step,
            "slot": slot,
            "attempts": attempts,
        }

    def _next(self, flow: Flow, slots: dict[str, str], lang: str, prefix: str = "") -> FlowOutcome:
        for slot in flow.slots:
            if slot.name not in slots:
                return FlowOutcome(
                    kind="ask",
                    text=_join(prefix, slot.ask(lang)),
                    state=self._state(flow, slots, "slot", slot.name),
                    slots=slots,
                    slot=slot.name,
                )
        if flow.confirm is not None:
            return FlowOutcome(
                kind="ask",
                text=_join(prefix, flow.fill(flow.confirm(lang), slots, lang)),
                state=self._state(flow, slots, "confirm"),
                slots=slots,
                slot="confirm",
            )
        return self._done(flow, slots, lang, prefix)

    def _done(self, flow: Flow, slots: dict[str, str], lang: str, prefix: str = "") -> FlowOutcome:
        if flow.answer is not None:
            text = _join(prefix, flow.fill(flow.answer(lang), slots, lang))
            return FlowOutcome(kind="answer", text=text, state=None, slots=slots)
        assert flow.handoff is not None
        text = _join(prefix, flow.fill(flow.handoff.text(lang), slots, lang))
        return FlowOutcome(kind="handoff", text=text, state=None, slots=slots, handoff=flow.handoff)

    def _invalid(
        self,
        flow: Flow,
        state: Mapping[str, Any],
        slots: dict[str, str],
        hint: str,
        attempts: int,
        slot: str,
    ) -> FlowOutcome:
        attempts += 1
        step = str(state.get("step", "slot"))
        if attempts >= self.max_attempts:
            return FlowOutcome(
                kind="gave_up", text=hint, state=None, slots=slots, handoff=flow.handoff
            )
        asked = "confirm" if step == "confirm" else ("which" if step == "which" else slot)
        return FlowOutcome(
            kind="invalid",
            text=hint,
            state=self._state(flow, slots, step, "" if step != "slot" else slot, attempts),
            slots=slots,
            slot=asked,
        )

    def _corrections(
        self, flow: Flow, slots: dict[str, str], text: str, today: date, skip: str | None
    ) -> list[Slot]:
        """Slots whose new value the text carries ("电话是13912345678" while asked for the
        address). Only types that can be picked out of a sentence; changes ``slots``."""
        changed = []
        for slot in flow.slots:
            if slot.name == skip or slot.type not in ("pattern", "phone", "date"):
                continue
            if slot.name not in slots and skip is not None:
                continue  # not asked yet: it will be, in order
            value = slot.parse(text, today, whole=False)
            if value is not None and value != slots.get(slot.name):
                slots[slot.name] = value
                changed.append(slot)
        return changed

    @staticmethod
    def _prefill(flow: Flow, slots: dict[str, str], text: str, today: date) -> None:
        """Values for questions not asked yet that the message already carries."""
        for slot in flow.slots:
            if slot.name not in slots and slot.type in ("pattern", "phone", "date"):
                value = slot.parse(text, today, whole=False)
                if value is not None:
                    slots[slot.name] = value

    @staticmethod
    def _mentioned(flow: Flow, text: str, only: set[str] | None = None) -> tuple[Slot, str] | None:
        """The first slot the text names ("地址", "phone"), and the text after the name.

        The name is looked for in the text as typed (so the value after it keeps its
        spelling and spaces), and in its folded form (full-width, traditional) otherwise.
        """
        folded = fold(text)
        lowered = text.casefold()
        best: tuple[int, int, Slot, str] | None = None
        for slot in flow.slots:
            if only is not None and slot.name not in only:
                continue
            for name in slot.names():
                for haystack in (lowered, folded):
                    at = haystack.find(name)
                    if at >= 0:
                        break
                if at >= 0 and (best is None or (at, -len(name)) < (best[0], -best[1])):
                    rest = (text if haystack is lowered else folded)[at + len(name) :]
                    best = (at, len(name), slot, rest)
        if best is None:
            return None
        return best[2], best[3]

    @staticmethod
    def _value_after_name(slot: Slot, rest: str, today: date) -> str | None:
        if slot.type == "text":
            change = _CHANGE_WORD.match(rest)
            return slot.parse(rest[change.end() :], today, whole=True) if change else None
        return slot.parse(rest, today, whole=slot.type == "choice")

    def _updated(self, slots: Mapping[str, str], changed: Sequence[Slot], lang: str) -> str:
        """ "好的，电话已更新为：139…。" for each changed slot, said before the next question."""
        return "".join(
            self._text(
                "flow_updated",
                lang,
                "{label}: {value}",
                label=slot.label(lang),
                value=slot.display(slots[slot.name], lang),
            )
            for slot in changed
        )


def _join(prefix: str, text: str) -> str:
    return f"{prefix}\n{text}" if prefix else text


# ---------------------------------------------------------------------------------------------
# Reading flows.yaml

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


def _regex(value: Any, where: str) -> re.Pattern[str]:
    if not isinstance(value, str) or not value:
        raise BotConfigError(f"{where}: expected a regular expression")
    try:
        return re.compile(value)
    except re.error as exc:
        raise BotConfigError(f"{where}: {exc}") from None


def _int(body: Mapping[str, Any], key: str, where: str, default: int | None) -> int | None:
    value = body.get(key, default)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise BotConfigError(f"{where}.{key}: expected a whole number")


def _slot(body: Any, where: str) -> Slot:
    if not isinstance(body, Mapping):
        raise BotConfigError(f"{where}: expected a mapping")
    name = body.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise BotConfigError(f"{where}.name: lower-case letters, digits and _ only")
    kind = body.get("type")
    if kind not in ("pattern", "phone", "date", "choice", "text"):
        raise BotConfigError(f"{where}.type: one of pattern, phone, date, choice, text")
    options: list[ChoiceOption] = []
    if kind == "choice":
        raw = body.get("options")
        if not isinstance(raw, list) or not raw:
            raise BotConfigError(f"{where}.options: a choice needs a list of options")
        for n, option in enumerate(raw):
            if isinstance(option, str):
                option = {"value": option}
            if not isinstance(option, Mapping) or not isinstance(option.get("value"), str):
                raise BotConfigError(f"{where}.options[{n}]: needs a value")
            synonyms = option.get("synonyms") or []
            if not isinstance(synonyms, list):
                raise BotConfigError(f"{where}.options[{n}].synonyms: expected a list")
            options.append(
                ChoiceOption(
                    option["value"], str(option.get("en") or ""), tuple(str(s) for s in synonyms)
                )
            )
    aliases = body.get("aliases") or []
    if not isinstance(aliases, list):
        raise BotConfigError(f"{where}.aliases: expected a list")
    return Slot(
        name=name,
        type=kind,
        label=localized(body.get("label", name), f"{where}.label"),
        ask=localized(body.get("ask"), f"{where}.ask"),
        invalid=localized(body.get("invalid", body.get("ask")), f"{where}.invalid"),
        aliases=tuple(str(a) for a in aliases),
        pattern=_regex(body.get("pattern"), f"{where}.pattern") if kind == "pattern" else None,
        strip=str(body.get("strip") or ""),
        options=tuple(options),
        min_days=_int(body, "min_days", where, None),
        max_days=_int(body, "max_days", where, None),
        min_length=_int(body, "min_length", where, 1) or 1,
        max_length=min(_int(body, "max_length", where, 200) or 200, MAX_VALUE),
        must_match=_regex(body["must_match"], f"{where}.must_match")
        if body.get("must_match")
        else None,
    )


def _check_template(texts: Texts, names: set[str], where: str) -> Texts:
    for template in (texts.zh, texts.en):
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
        except ValueError as exc:
            raise BotConfigError(f"{where}: {exc} (write {{{{ for a literal brace)") from None
        unknown = fields - names
        if unknown:
            raise BotConfigError(f"{where}: unknown slot(s) {', '.join(sorted(unknown))}")
    return texts


def _flow(body: Any, where: str) -> Flow:
    if not isinstance(body, Mapping):
        raise BotConfigError(f"{where}: expected a mapping")
    flow_id = body.get("id")
    if not isinstance(flow_id, str) or not _NAME.match(flow_id):
        raise BotConfigError(f"{where}.id: lower-case letters, digits and _ only")
    where = f"{where} ({flow_id})"
    triggers = body.get("triggers")
    if not isinstance(triggers, list) or not triggers:
        raise BotConfigError(f"{where}.triggers: at least one example phrase")
    slots = tuple(_slot(s, f"{where}.slots[{n}]") for n, s in enumerate(body.get("slots") or []))
    names = {s.name for s in slots}
    if len(names) != len(slots):
        raise BotConfigError(f"{where}: two slots share a name")
    done = body.get("done")
    if not isinstance(done, Mapping) or ("answer" in done) == ("handoff" in done):
        raise BotConfigError(f"{where}.done: exactly one of 'answer' or 'handoff'")
    answer = handoff = None
    if "answer" in done:
        answer = _check_template(
            localized(done["answer"], f"{where}.done.answer"), names, f"{where}.done.answer"
        )
    else:
        spec = done["handoff"] or {}
        if not isinstance(spec, Mapping):
            raise BotConfigError(f"{where}.done.handoff: expected a mapping")
        text = _check_template(
            localized(spec.get("text", ""), f"{where}.done.handoff.text"),
            names,
            f"{where}.done.handoff.text",
        )
        team = spec.get("team")
        handoff = FlowHandoff(
            text, str(team) if team else None, _int(spec, "priority", where, 0) or 0
        )
    confirm = body.get("confirm")
    return Flow(
        id=flow_id,
        title=localized(body.get("title", flow_id), f"{where}.title"),
        triggers=tuple(str(t) for t in triggers if str(t).strip()),
        slots=slots,
        confirm=_check_template(localized(confirm, f"{where}.confirm"), names, f"{where}.confirm")
        if confirm
        else None,
        answer=answer,
        handoff=handoff,
    )
