"""Text normalisation shared by indexing and search.

Questions in the knowledge base and what a contact types go through the same function, so
``我想查訂單！``, ``我想查订单`` and ``我 想 查 订 单`` meet as the same string before any
n-gram is cut. It folds only what never changes meaning in a help-desk question: width
(full-width letters, digits and punctuation from Chinese input methods), traditional to
simplified characters, case, punctuation and spacing.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["is_cjk", "normalize", "to_simplified"]

# CJK Unified Ideographs (+ extension A) and the compatibility block; kana is kept apart on purpose.
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
# A space next to a Chinese character carries no meaning (Chinese is written without spaces, and
# contacts type 怎么 退货 or 退 货 by accident), while between latin words it separates words.
_SPACE_NEAR_CJK = re.compile(f"(?<=[{_CJK}]) +|(?: +)(?=[{_CJK}])")
_APOSTROPHE_IN_WORD = re.compile(r"(?<=\w)['’`](?=\w)")
_SPACES = re.compile(r"\s+")


def is_cjk(char: str) -> bool:
    """Whether ``char`` is a Chinese (Han) character."""
    return _CJK_CHAR.match(char) is not None


@lru_cache(maxsize=1)
def _converter() -> tuple[frozenset[str], object]:
    """The OpenCC t2s converter and the set of characters that make it worth calling.

    OpenCC's pure-Python converter costs ~30 µs a sentence; almost every question a mainland
    contact types has no traditional character, so a set test (~1 µs) skips it.
    """
    from opencc import OpenCC  # imported lazily: ~3 ms to build, unused for English-only text

    converter = OpenCC("t2s")
    triggers: set[str] = set()
    for line in _dictionary_lines("TSCharacters"):
        source, _, targets = line.partition("\t")
        if targets.split(" ")[0] != source:
            triggers.add(source)
    # A phrase can only match text that contains all its characters; if one of them is a
    # traditional character it triggers already (么麼 -> 幺麽 needs 麼, so 么 — in every
    # 什么 — stays off the list). Otherwise its changing characters (瞭, 覆, 藉...) join.
    for line in _dictionary_lines("TSPhrases"):
        source, _, targets = line.partition("\t")
        target = targets.split(" ")[0]
        if triggers.isdisjoint(source):
            if len(target) != len(source):
                triggers.update(source)
            else:
                triggers.update(a for a, b in zip(source, target, strict=True) if a != b)
    return frozenset(triggers), converter


def _dictionary_lines(name: str) -> list[str]:
    from importlib import resources

    text = resources.files("opencc").joinpath("dictionary", f"{name}.txt").read_text("utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def to_simplified(text: str) -> str:
    """Traditional Chinese characters and phrases to simplified (OpenCC t2s)."""
    triggers, converter = _converter()
    if triggers.isdisjoint(text):
        return text
    return converter.convert(text)  # type: ignore[attr-defined, no-any-return]


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """Every BMP code point that is not a letter, digit or mark -> a space (for translate)."""
    return {code: " " for code in range(0x10000) if unicodedata.category(chr(code))[0] not in "LNM"}


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _fold_astral(match: re.Match[str]) -> str:
    char = match.group()
    return char if unicodedata.category(char)[0] in "LNM" else " "


def _fold(text: str) -> str:
    """Punctuation, symbols, emoji, controls and separators -> spaces (they split words)."""
    text = text.translate(_fold_table())
    if not text.isascii() and _ASTRAL.search(text):
        text = _ASTRAL.sub(_fold_astral, text)
    return text


def normalize(text: str) -> str:
    """The comparable form of ``text``: half-width, simplified, lower case, no punctuation.

    Words are separated by single spaces; spaces touching a Chinese character are dropped.
    Idempotent: ``normalize(normalize(t)) == normalize(t)``. Never raises on a ``str``.
    """
    text = unicodedata.normalize("NFKC", text)  # full-width -> half-width, ligatures, ①->1
    text = to_simplified(text).casefold()
    text = _APOSTROPHE_IN_WORD.sub("", text)  # don't -> dont, so it stays one word
    text = _SPACES.sub(" ", _fold(text)).strip()
    # Dropping every space next to Chinese (also where a comma was) keeps this idempotent: a
    # stored normalised question normalises to itself, and 怎么 退货 == 怎么，退货 == 怎么退货.
    return _SPACE_NEAR_CJK.sub("", text)
