"""Find and mask personal data in free text: phones, ID numbers, bank cards, e-mail, addresses.

Customers type their phone number, ID number or home address into the chat to prove who they
are or to get a parcel. That text must stay in the conversation: it may not reach a log file, a
knowledge article or an export. This module is the one place that recognises such data, so the
server's logging, the knowledge submission on both ends and ``desk redact`` agree on what is
personal.

What is recognised (:class:`Kind`):

- ``mobile``: Chinese mobile numbers ``1[3-9]x xxxx xxxx``, with ``+86`` / ``0086`` / ``(+86)``
  and spaces or dashes between the groups;
- ``landline``: ``0xx-xxxxxxxx`` / ``0xxx-xxxxxxx`` (area code, optional parentheses, dash or
  space), also as ``+86 10 ...``; an extension (``转123``, ``-123``) is left alone. Service
  numbers ``400-``/``800-`` are the shop's own and are *not* masked;
- ``id_number``: 18-digit resident ID numbers whose region, birth date and ISO 7064 check digit
  (``X`` allowed) are valid, and 15-digit old ones whose region and birth date are valid;
- ``bank_card``: 13-19 digits (groups separated by single spaces or dashes) that pass the Luhn
  check and start with 3, 4, 5 or 6 (UnionPay 62/60, Visa, Mastercard, JCB, Amex);
- ``email``;
- ``address``: Chinese street addresses. Pragmatic: the span runs from the road or estate name
  through the house, building, unit and room numbers (``中关村大街27号``,
  ``阳光花园3栋2单元501室``); the province / city / district before it stays, because a city
  identifies no one and agents and reviewers need it (``北京市海淀区[地址]``). US/UK-style
  ``123 Main Street, Apt 4B`` too;
- ``phone``: other phone numbers written the English way: ``(415) 555-2671``, ``415-555-2671``,
  ``+1 415 555 2671``, ``+44 20 7946 0958``.

Not personal data, never masked (the shop writes these all day):

- order and tracking numbers with a letter prefix (``DD20240515123456``, ``SF1234567890``,
  ``SKU-13812345678``): a number glued to letters or ``letters-`` is not a phone or a card;
- any number written right after an order cue (``订单号``, ``单号``, ``运单号``, ``order no.``,
  ``tracking #`` ...): ``订单号：13812345678`` stays, even though it looks like a mobile number;
- all-digit order numbers: the shop's 16-18 digit ones start with the date (``2024...``), and
  a card must start with 3-6, so they never look like cards; any other digit run is a card only
  if it passes Luhn, which a random number does one time in ten. That is the trade-off: a
  16-digit order number starting with 3-6 and written without a cue is masked one time in ten,
  and a real card number starting with 2 (Mastercard 2-series, rare in China) is not masked;
- prices, quantities, dates and times (``¥1380.00``, ``2024-05-15 13:45``, ``3件``): they are
  too short, have the wrong shape, or fail the region/date/check-digit tests;
- plain 10-digit numbers (``4155552671``) are not taken for US phone numbers: too many order
  numbers have 10 digits, so English numbers need their usual punctuation or ``+``.

Masks (:func:`redact`). Two styles, because the two uses differ:

- ``keep_hint=True`` keeps what helps a person recognise the value and identifies
  no one: a number keeps its network / area / country prefix (at most the first 3 digits of an
  ID or card number) and its last 4 digits, with separators in place, as every Chinese app shows
  them: ``138****5678``, ``110***********1234``, ``622* **** **** 7890``, ``010-****5678``;
  e-mail keeps the first letter and the domain (``z***@qq.com``); an address keeps the road or
  estate name (``中关村大街***``). For screens where an agent needs to say "the number ending
  in 5678".
- ``keep_hint=False`` (the default) replaces the whole value with a label: ``[手机号]``,
  ``[身份证号]``, ``[银行卡号]``, ``[电话]``, ``[邮箱]``, ``[地址]``. For anything that outlives the
  conversation: logs and exported knowledge. A label keeps no digit at all (last 4 digits plus a
  birth date or a city narrow a person down), reads naturally in a Chinese answer (the bot may
  quote it) and makes no two values look alike. ``labels=LABELS_EN`` gives English labels.
  The default because it is the safe one: a caller that writes ``redact(text)`` for a log, an
  export or an article leaks nothing; a screen that wants the hint asks for it.

Both styles are idempotent (masking masked text changes nothing) and keep the text around a
value untouched. Full-width digits and letters (``１３８…``) are recognised too.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "LABELS_EN",
    "LABELS_ZH",
    "Finding",
    "Kind",
    "RedactingFilter",
    "count_by_kind",
    "find_personal_data",
    "redact",
    "redact_with_findings",
]


class Kind(StrEnum):
    """What a piece of personal data is; the value is stable (used in stats and the CLI)."""

    MOBILE = "mobile"
    LANDLINE = "landline"
    PHONE = "phone"
    ID_NUMBER = "id_number"
    BANK_CARD = "bank_card"
    EMAIL = "email"
    ADDRESS = "address"


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of personal data: ``text == source[start:end]``."""

    kind: Kind
    start: int
    end: int
    text: str


LABELS_ZH: Mapping[Kind, str] = {
    Kind.MOBILE: "[手机号]",
    Kind.LANDLINE: "[电话]",
    Kind.PHONE: "[电话]",
    Kind.ID_NUMBER: "[身份证号]",
    Kind.BANK_CARD: "[银行卡号]",
    Kind.EMAIL: "[邮箱]",
    Kind.ADDRESS: "[地址]",
}
LABELS_EN: Mapping[Kind, str] = {
    Kind.MOBILE: "[phone]",
    Kind.LANDLINE: "[phone]",
    Kind.PHONE: "[phone]",
    Kind.ID_NUMBER: "[ID number]",
    Kind.BANK_CARD: "[bank card]",
    Kind.EMAIL: "[email]",
    Kind.ADDRESS: "[address]",
}

# ---------------------------------------------------------------------------------------------
# Normalisation: full-width forms map one character to one character, so offsets stay valid.

_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = ord(" ")


def _normalise(text: str) -> str:
    return text.translate(_FULLWIDTH)


# ---------------------------------------------------------------------------------------------
# Number patterns. A number may not touch a digit, a letter, "letters-" or a decimal point on
# either side: "DD13812345678", "SKU-13812345678" and "13812345678.50" are not phones.

_BEFORE = r"(?<![0-9A-Za-z_])(?<![A-Za-z0-9]-)(?<!\d\.)"
_AFTER = r"(?![0-9A-Za-z_])(?!\.\d)"
_SEP = r"[ -]?"

_MOBILE = re.compile(
    rf"{_BEFORE}(?:\(?(?:\+|00)86\)?{_SEP})?1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}}{_AFTER}"
)
_LANDLINE = re.compile(
    _BEFORE
    + r"(?:"
    + r"\(?0(?:10|2\d|[3-9]\d{2})\)?"  # 010, 021, 0755 ...
    + r"|(?:\+|00)86[ -]?\(?(?:10|2\d|[3-9]\d{2})\)?"  # +86 10 ...
    + r")[ -]?[1-9]\d{2,3}[ -]?\d{4}"  # an extension ("转123") is the company's: left alone
    + r"(?!\d)(?![A-Za-z_])(?!\.\d)"
)
_ID18 = re.compile(rf"{_BEFORE}\d{{6}} ?\d{{8}} ?\d{{3}}[\dXx]{_AFTER}")
_ID15 = re.compile(rf"{_BEFORE}\d{{15}}{_AFTER}")
# 13+ digits, single spaces or dashes between them; then cut into groups: _cards()
_CARD = re.compile(rf"{_BEFORE}\d(?:[ -]?\d){{12,}}{_AFTER}")
_NANP = re.compile(
    _BEFORE
    + r"(?:(?:\+1|1)[ .-]?)?"
    + r"(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .-])"  # the area code: parenthesised or punctuated
    + r"[2-9]\d{2}[ .-]\d{4}"
    + _AFTER
)
_INTERNATIONAL = re.compile(r"(?<![0-9A-Za-z+])\+[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){2,5}" + _AFTER)
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9_%+-][A-Za-z0-9._%+-]*@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,24}(?![A-Za-z0-9-])"
)

# A number written right after one of these is an order/tracking number, not personal data.
_ORDER_CUE = re.compile(
    r"(?:订单编号|订单号码|订单号|订单|单号|运单号|快递单号|物流单号|交易号|交易单号|流水号|"
    r"工单号|货号|商品编号|编号|发票号|"
    r"order(?:\s*(?:no\.?|number|id|#))?|tracking(?:\s*(?:no\.?|number|#))?|"
    r"invoice(?:\s*(?:no\.?|number|#))?|sku|ref(?:erence)?(?:\s*(?:no\.?|#))?)"
    r"[\s:：#=是为]*$",
    re.IGNORECASE,
)

# Province-level codes: the first two digits of a resident ID number.
_REGIONS = re.compile(r"1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[12]|91")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


_NOT_DIGIT = re.compile("[^0-9]")


def _digits(text: str) -> str:
    return _NOT_DIGIT.sub("", text)


def _personal_phone(raw: str) -> bool:
    """8-15 digits and not a toll-free business line (400/800 in China, 8xx in the US)."""
    digits = _digits(raw)
    if raw.startswith("+1") or (len(digits) == 11 and digits[0] == "1"):
        digits = digits[1:]
    return 8 <= len(_digits(raw)) <= 15 and digits[:3] not in _TOLL_FREE


_TOLL_FREE = frozenset({"400", "800", "833", "844", "855", "866", "877", "888"})


def _valid_birth(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return 1900 <= year <= 2099


def _valid_id18(raw: str) -> bool:
    value = raw.replace(" ", "").upper()
    if not _REGIONS.fullmatch(value[:2]):
        return False
    if not _valid_birth(int(value[6:10]), int(value[10:12]), int(value[12:14])):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def _valid_id15(value: str) -> bool:
    return _REGIONS.fullmatch(value[:2]) is not None and _valid_birth(
        1900 + int(value[6:8]), int(value[8:10]), int(value[10:12])
    )


def _luhn(digits: str) -> bool:
    total = 0
    for position, ch in enumerate(reversed(digits)):
        n = int(ch)
        if position % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _valid_card(raw: str) -> bool:
    digits = _digits(raw)
    if not 13 <= len(digits) <= 19 or digits[0] not in "3456":
        return False
    groups = re.split(r"[ -]", raw)
    # "50 100 200 300 500" is a list of prices; cards are written in groups of 4 (Amex 4-6-5),
    # a 19-digit card ends with a group of 3: "6222 0212 3456 7890 128".
    if len(groups) > 1 and (any(len(g) < 4 for g in groups[:-1]) or len(groups[-1]) < 3):
        return False
    return _luhn(digits)


def _cards(text: str) -> Iterable[tuple[int, int]]:
    """Card numbers among runs of digit groups ("卡号 6222 0212 3456 7890 共 3 件" has one).

    A run such as "2 6222 0212 3456 7890 3" may hold a card between other numbers, so every
    stretch of at most 5 whole groups and 19 digits is tried, longest first, from the left
    (bounded, so a megabyte of "1 1 1 ..." is still scanned in linear time).
    """
    for match in _CARD.finditer(text):
        run = match.group()
        groups = [(g.start(), g.end()) for g in re.finditer(r"\d+", run)]
        first = 0
        while first < len(groups):
            last = first
            digits = groups[first][1] - groups[first][0]
            while last + 1 < len(groups) and last - first < 4:
                more = groups[last + 1][1] - groups[last + 1][0]
                if digits + more > 19:
                    break
                digits += more
                last += 1
            for end_group in range(last, first - 1, -1):
                start, end = groups[first][0], groups[end_group][1]
                if _valid_card(run[start:end]):
                    yield match.start() + start, match.start() + end
                    first = end_group
                    break
            first += 1


# ---------------------------------------------------------------------------------------------
# Chinese addresses

_CJK = "\u4e00-\u9fff"
_NUM = "[0-9一二三四五六七八九十百零〇两]+"
_ROAD_SUFFIX = "(?:大街|大道|胡同|路|街|巷|道)"
_ESTATE_SUFFIX = "(?:小区|花园|公寓|大厦|家园|新村|公馆|华府|广场|苑|城)"
_UNIT = "[0-9A-Za-z一二三四五六七八九十]{1,4}(?:号楼|栋|幢|座|单元|层|楼|室|户|号)"
_STRONG_UNIT = re.compile("号楼|栋|幢|单元|室")
_ROAD = re.compile(
    rf"[{_CJK}]{{1,12}}?{_ROAD_SUFFIX}(?:{_NUM}(?:弄|巷))?{_NUM}(?:[-之]{_NUM})?号(?:院)?"
)
_ROAD_TAIL = re.compile(
    rf"(?:[{_CJK}A-Za-z0-9]{{1,10}}?{_ESTATE_SUFFIX})?(?:{_UNIT}){{0,5}}(?:(?:(?<=单元)|(?<=楼)|(?<=层))\d{{3,4}})?"
)
_BUILDING = re.compile(
    rf"(?P<estate>[{_CJK}A-Za-z]{{1,10}}?{_ESTATE_SUFFIX})?"
    rf"(?P<units>(?:{_UNIT}){{1,5}})(?P<room>(?:(?<=单元)|(?<=楼)|(?<=层))\d{{3,4}})?"
)
_EN_ADDRESS = re.compile(
    r"(?<![0-9A-Za-z])\d{1,5}(?:\s+[A-Z][a-z]+){1,4}\s+"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl)\b\.?"
    r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Flat|#)\.?\s*[0-9A-Za-z-]+)?"
)
# Characters that end the words before an address: 省/市/区 (kept, not personal), and the
# verbs and pronouns of "我住在…", "寄到…", "地址是…".
_ADDRESS_STOP = set("省市区县镇乡旗州盟在到往至址住是为寄送发我你他她的了和与及或从去近吧呢啊：:")
_ADMIN = set("省市区县镇乡旗州盟")
_NOT_ROADS = re.compile("一路|思路|线路|网路|走路|出路|道路|电路|迷路|套路|销路")


def _trim_start(text: str, start: int, suffix_at: int) -> tuple[int, bool]:
    """Move ``start`` past the last stop character before ``suffix_at``.

    The address regexes find the leftmost match, so "我住在北京市海淀区中关村大街" comes back
    whole; the road's name begins after the last 区/在/到. Returns the new start and whether
    an administrative division (省/市/区 ...) comes right before it.
    """
    for i in range(suffix_at - 1, start - 1, -1):
        if text[i] in _ADDRESS_STOP:
            return i + 1, text[i] in _ADMIN
    admin = start > 0 and text[start - 1] in _ADMIN
    return start, admin


def _chinese_addresses(text: str) -> Iterable[tuple[int, int]]:
    for match in _ROAD.finditer(text):
        suffix = re.search(rf"{_ROAD_SUFFIX}(?=[0-9一二三四五六七八九十百零〇两])", match.group())
        if suffix is None:
            continue
        suffix_at = match.start() + suffix.start()
        start, admin = _trim_start(text, match.start(), suffix_at)
        name = text[start : match.start() + suffix.end()]
        tail = _ROAD_TAIL.match(text, match.end())
        end = tail.end() if tail else match.end()
        has_units = end > match.end()
        # "知道3号" and "逛街3号" are dates; a road needs a real name or an address around it.
        if len(name) <= len(suffix.group()) or _NOT_ROADS.fullmatch(name):
            continue
        if len(name) < 3 and not (admin or has_units):
            continue
        yield start, end
    for match in _BUILDING.finditer(text):
        units = match.group("units")
        if not _STRONG_UNIT.search(units):
            continue
        components = len(re.findall(_UNIT, units))
        estate = match.group("estate")
        if estate is None and components < 2 and not match.group("room"):
            continue
        start = match.start("units")
        if estate is not None:
            suffix = re.search(f"{_ESTATE_SUFFIX}$", estate)
            assert suffix is not None
            suffix_at = match.start("estate") + suffix.start()
            trimmed, _ = _trim_start(text, match.start(), suffix_at)
            if trimmed < suffix_at:  # a name is left before 小区/花园: mask it too
                start = trimmed
            elif components < 2 and not match.group("room"):
                continue
        yield start, match.end()


# ---------------------------------------------------------------------------------------------
# Detection


def _after_order_cue(text: str, start: int) -> bool:
    return _ORDER_CUE.search(text[max(0, start - 24) : start]) is not None


def _number_findings(text: str) -> Iterable[tuple[Kind, int, int]]:
    for match in _ID18.finditer(text):
        if _valid_id18(match.group()):
            yield Kind.ID_NUMBER, match.start(), match.end()
    for match in _ID15.finditer(text):
        if _valid_id15(match.group()):
            yield Kind.ID_NUMBER, match.start(), match.end()
    for start, end in _cards(text):
        yield Kind.BANK_CARD, start, end
    for pattern, kind in (
        (_MOBILE, Kind.MOBILE),
        (_LANDLINE, Kind.LANDLINE),
        (_NANP, Kind.PHONE),
        (_INTERNATIONAL, Kind.PHONE),
    ):
        for match in pattern.finditer(text):
            if kind is Kind.PHONE and not _personal_phone(match.group()):
                continue
            yield kind, match.start(), match.end()


# When two findings overlap, the longer one wins; on a tie, the earlier kind in this order
# (an 18-digit ID number that happens to pass Luhn is an ID number, not a card).
_PRIORITY = {
    kind: rank
    for rank, kind in enumerate(
        (
            Kind.EMAIL,
            Kind.ID_NUMBER,
            Kind.BANK_CARD,
            Kind.MOBILE,
            Kind.LANDLINE,
            Kind.PHONE,
            Kind.ADDRESS,
        )
    )
}


# Every kind of finding has an ASCII digit, an "@" or a Chinese numeral before 号/栋/室 ...
_WORTH_SCANNING = re.compile("[0-9@]|[一二三四五六七八九十百零〇两][号栋幢单室层楼弄巷户座]")


def _allowed_key(kind: Kind, text: str) -> str:
    return text.strip().lower() if kind in (Kind.EMAIL, Kind.ADDRESS) else _digits(text)


def find_personal_data(text: str, *, allow: Collection[str] = ()) -> list[Finding]:
    """Every piece of personal data in ``text``, in order, none overlapping.

    ``allow`` lists values that are public and stay, such as the shop's own hotline or support
    address (``allow=["021-6432 1234", "service@shop.example"]``); numbers are compared by their
    digits, so the way they are written does not matter.
    """
    plain = _normalise(text)
    if not _WORTH_SCANNING.search(plain):  # most chat lines: skip the dozen scans below
        return []
    candidates: list[tuple[Kind, int, int]] = []
    for kind, start, end in _number_findings(plain):
        if not _after_order_cue(plain, start):
            candidates.append((kind, start, end))
    candidates.extend((Kind.EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(plain))
    candidates.extend((Kind.ADDRESS, s, e) for s, e in _chinese_addresses(plain))
    candidates.extend((Kind.ADDRESS, m.start(), m.end()) for m in _EN_ADDRESS.finditer(plain))
    candidates = _merge_addresses(candidates)

    allowed = {key for value in allow if (key := _allowed_key(Kind.EMAIL, value))}
    allowed |= {key for value in allow if (key := _digits(_normalise(value)))}
    chosen: list[tuple[Kind, int, int]] = []
    taken: list[tuple[int, int]] = []
    for kind, start, end in sorted(candidates, key=lambda c: (c[1] - c[2], _PRIORITY[c[0]])):
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        if _allowed_key(kind, plain[start:end]) in allowed:
            continue
        chosen.append((kind, start, end))
        taken.append((start, end))
    return [Finding(kind, s, e, text[s:e]) for kind, s, e in sorted(chosen, key=lambda c: c[1])]


def _merge_addresses(candidates: list[tuple[Kind, int, int]]) -> list[tuple[Kind, int, int]]:
    """Join overlapping address spans ("…路8号" and "…小区3栋2单元") into one."""
    spans = sorted((s, e) for kind, s, e in candidates if kind is Kind.ADDRESS)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    others = [c for c in candidates if c[0] is not Kind.ADDRESS]
    return others + [(Kind.ADDRESS, s, e) for s, e in merged]


# ---------------------------------------------------------------------------------------------
# Masking


def _mask_digits(text: str, head: int, tail: int = 4, digits: str = "0123456789") -> str:
    """Keep the first ``head`` and last ``tail`` digits, star the others, keep separators."""
    total = sum(ch in digits for ch in text)
    head = max(0, min(head, total - tail - 3))  # always hide at least 3 digits
    out: list[str] = []
    seen = 0
    for ch in text:
        if ch in digits:
            out.append(ch if seen < head or seen >= total - tail else "*")
            seen += 1
        else:
            out.append(ch)
    return "".join(out)


# Country calling codes are prefix-free: these are the 1- and 2-digit ones, all others have 3.
_SHORT_COUNTRY_CODES = re.compile(r"[17]|2[07]|3[0-469]|4[013-9]|5[1-8]|6[0-6]|8[1246]|9[0-58]")


def _country_digits(text: str) -> int:
    """How many leading digits are the country code ("+86", "0086", "(+1)"); 0 if none."""
    match = re.match(r"\(?(\+|00)(\d{1,3})", text)
    if match is None:
        return 0
    digits = match.group(2)
    code = next(
        (digits[:n] for n in (1, 2) if _SHORT_COUNTRY_CODES.fullmatch(digits[:n])), digits[:3]
    )
    return len(code) + (2 if match.group(1) == "00" else 0)


def _hint(kind: Kind, text: str) -> str:
    if kind is Kind.MOBILE:
        return _mask_digits(text, _country_digits(text) + 3)
    if kind is Kind.LANDLINE:
        area = re.match(r"\D*(?:(?:\+|00)86\D*)?(0?(?:10|2\d|[3-9]\d{2}))", text)
        head = _country_digits(text) + (len(area.group(1)) if area else 0)
        return _mask_digits(text, head)
    if kind is Kind.PHONE:
        return _mask_digits(text, _country_digits(text))
    if kind is Kind.ID_NUMBER:
        return _mask_digits(text, 3, digits="0123456789Xx")  # the check "digit" may be X
    if kind is Kind.BANK_CARD:
        return _mask_digits(text, 3)
    if kind is Kind.EMAIL:
        local, _, domain = text.partition("@")
        return f"{local[:1]}***@{domain}"
    # An address keeps its road or estate name and loses every number.
    name = re.match(rf"[^0-9]*?(?:{_ROAD_SUFFIX}|{_ESTATE_SUFFIX})", text)
    if name is not None and name.end() < len(text):
        return name.group() + "***"
    return re.sub(r"\d", "*", text) if re.search("[A-Za-z]", text) else "***"


def redact_with_findings(
    text: str,
    keep_hint: bool = False,
    *,
    allow: Collection[str] = (),
    labels: Mapping[Kind, str] = LABELS_ZH,
) -> tuple[str, list[Finding]]:
    """:func:`redact` and what it masked (for a note such as "已隐藏 1 个手机号")."""
    findings = find_personal_data(text, allow=allow)
    if not findings:
        return text, findings
    plain = _normalise(text)
    parts: list[str] = []
    position = 0
    for finding in findings:
        parts.append(text[position : finding.start])
        value = plain[finding.start : finding.end]
        parts.append(_hint(finding.kind, value) if keep_hint else labels[finding.kind])
        position = finding.end
    parts.append(text[position:])
    return "".join(parts), findings


def redact(
    text: str,
    keep_hint: bool = False,
    *,
    allow: Collection[str] = (),
    labels: Mapping[Kind, str] = LABELS_ZH,
) -> str:
    """``text`` with every piece of personal data masked (the styles: see the module docstring).

    Labels (``[手机号]``) by default, for anything that outlives the conversation (logs,
    knowledge, exports); ``keep_hint=True`` keeps the last 4 digits for screens an agent reads.
    """
    return redact_with_findings(text, keep_hint, allow=allow, labels=labels)[0]


def count_by_kind(findings: Iterable[Finding]) -> Counter[Kind]:
    """How many of each kind, e.g. to say "已隐藏 2 个手机号、1 个身份证号"."""
    return Counter(finding.kind for finding in findings)


# ---------------------------------------------------------------------------------------------
# Logging


class RedactingFilter(logging.Filter):
    """Masks personal data in a log record's message, arguments, exception and stack text.

    Attach it to *handlers* (``handler.addFilter(RedactingFilter())``), not to loggers: a
    logger's filters do not see records that propagate from its children, a handler's do.
    The message is formatted once here (``msg % args``) and the arguments dropped, because a
    masked argument may no longer fit its ``%d``. Records are always let through: losing a log
    line to a masking problem would be worse than the line itself, which is masked anyway.
    Labels rather than hints by default: a log file lives long and travels far.
    """

    def __init__(
        self,
        name: str = "",
        *,
        keep_hint: bool = False,
        allow: Collection[str] = (),
        redactor: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__(name)
        self._redact = redactor or (lambda text: redact(text, keep_hint, allow=allow))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # bad format arguments: keep every part, masked
            message = " ".join([str(record.msg), *map(repr, _as_tuple(record.args))])
        record.msg = self._redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True


def _as_tuple(args: object) -> tuple[object, ...]:
    if args is None:
        return ()
    return args if isinstance(args, tuple) else (args,)
