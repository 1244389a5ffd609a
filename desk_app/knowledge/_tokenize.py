"""The features a normalised question is compared on: character n-grams and words.

Chinese is written without spaces and contacts make typos in every language, so the core
feature is the character n-gram: Chinese runs give single characters and bigrams, latin
words give 2–4-grams of `` word `` (padded, so prefixes and suffixes count). Words come on
top (latin words lightly stemmed, plus word bigrams for word order; optionally jieba words
for Chinese). Word features carry a ``_`` prefix, which normalisation never leaves in text,
so a word and a character n-gram never share a feature.

Measured on the validation sets (``docs/bot-quality.md``): Chinese character 1–2-grams beat
1–3-grams, latin 2–4-grams match 2–5-grams at half the features, and jieba words change
accuracy by less than a point while costing four times the rest of the analysis (~60 µs a
question), so they are off by default.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

__all__ = ["analyze", "stem"]

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(f"[{_CJK}]+|[^\\s{_CJK}]+")
_WORD_PREFIX = "_"
# Modal particles and interjections: alone they say nothing about what is asked, and a
# rare one (啊 in one question of a shop FAQ) would otherwise carry a high IDF, so that
# "啊啊啊" matched that question. They still count inside bigrams (发货啊), in context.
_PARTICLES = frozenset("啊吗嘛呢吧呀哦噢喔哟呗咯啦嘞哈嗯呃额哎唉诶欸哇呐么")


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English suffix strip (plurals, -ing, -ed), enough to meet ``cards``/``card``.

    Deliberately crude and symmetric: it runs on questions and queries alike, so it only
    has to map variants together, not to produce dictionary words.
    """
    if len(word) <= 3 or not word.isascii() or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith("ss"):
                return word
            return word[: -len(suffix)]
    return word


def analyze(
    text: str,
    *,
    latin: tuple[int, int] = (2, 4),
    cjk: tuple[int, int] = (1, 2),
    word_bigrams: bool = True,
    jieba_words: bool = False,
) -> list[str]:
    """Every feature of a normalised ``text`` (repeats kept: they are term counts)."""
    grams: list[str] = []
    words: list[str] = []
    lat_lo, lat_hi = latin
    cjk_lo, cjk_hi = cjk
    for run in _RUN.findall(text):
        if _is_cjk(run[0]):
            size = len(run)
            for n in range(cjk_lo, cjk_hi + 1):
                if n == 1:
                    grams.extend([c for c in run if c not in _PARTICLES])
                else:
                    grams.extend([run[i : i + n] for i in range(size - n + 1)])
            if jieba_words:
                words.extend(_jieba_words(run))
        else:
            padded = f" {run} "
            size = len(padded)
            for n in range(lat_lo, lat_hi + 1):
                grams.extend([padded[i : i + n] for i in range(size - n + 1)])
            words.append(stem(run))
    if word_bigrams and len(words) > 1:
        words.extend([f"{a} {b}" for a, b in pairwise(words)])
    grams.extend([_WORD_PREFIX + w for w in words])
    return grams


def _jieba_words(run: str) -> list[str]:
    import jieba  # imported only when configured: loading its dictionary takes ~0.8 s

    return [w for w in jieba.lcut(run, HMM=False) if len(w) > 1]


def is_word_feature(feature: str) -> bool:
    """Whether ``feature`` (from :func:`analyze`) is a word rather than a character n-gram."""
    return feature.startswith(_WORD_PREFIX)
