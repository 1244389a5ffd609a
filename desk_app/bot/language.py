"""Which language to answer in, and the text folding the bot's own rules match on.

The contact's language is read from what they type, not only from the locale their client
sent: the web widget says ``zh-CN`` for everyone by default, and an English speaker who gets
Chinese answers leaves. Chinese customers mix in Latin words ("iphone 15 几天到", "ok"), so any
Chinese character means Chinese, and a short Latin reply keeps the conversation's language.
"""

from __future__ import annotations

import re
import unicodedata

from desk_app.bot.config import Lang

__all__ = ["detect_language", "fold"]

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-zA-Z]{2,}")
_CJK_LATIN = re.compile(
    r"(?<=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])(?=[a-z0-9])"
    r"|(?<=[a-z0-9])(?=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])"
)


def detect_language(text: str, *, locale: str = "zh-CN", previous: str | None = None) -> Lang:
    """``zh`` or ``en`` for a reply to ``text``.

    Chinese characters -> zh. Latin words only -> en, except a one- or two-word reply ("ok",
    "yes please") in a conversation already in Chinese. No letters at all (an order number,
    an emoji) -> the conversation's language, else the locale's.
    """
    if _CJK.search(text):
        return "zh"
    words = _LATIN_WORD.findall(text)
    if words:
        if previous == "zh" and len(words) <= 2:
            return "zh"
        return "en"
    if previous in ("zh", "en"):
        return previous  # type: ignore[return-value]
    return "en" if locale.lower().startswith("en") else "zh"


def _simplified(text: str) -> str:
    try:
        from desk_app.knowledge.normalize import to_simplified
    except ImportError:  # the matching part not installed: traditional stays traditional
        return text
    return to_simplified(text)


def fold(text: str) -> str:
    """Half-width, simplified, lower case, with a space between Chinese and Latin/digits.

    Punctuation is kept (rules use ``\\W`` and ``^...$``); the added space lets ``\\b`` find
    words glued to Chinese, as in ``你sb吧`` or ``转人工please``.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _simplified(text).casefold()
    return _CJK_LATIN.sub(" ", text)
