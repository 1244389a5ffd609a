"""Small talk: greetings, thanks, goodbyes, "are you a bot", answered politely.

These are not questions for the knowledge base: "谢谢" matched against articles would either
hit something absurd or count as a failure and push the contact towards a handoff they never
wanted. So a message made up *only* of small-talk phrases is recognised here first, and a
greeting in front of a real question ("你好，请问怎么退货") is taken off before matching.

The phrases are data (``resources/bot/smalltalk.yaml``); matching is exact after folding
(width, traditional characters, case, punctuation), with particles such as 啊/呀/哦 allowed
between phrases. Exact on purpose: small talk must never swallow a real question.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desk_app.bot.config import BotConfigError, load_yaml
from desk_app.bot.language import fold

__all__ = ["SmallTalk", "SmallTalkIntent", "SmallTalkMatch"]

_PARTICLES = frozenset("啊呀哦噢哈呢吧啦嘛喔哇呐哟咯嘞么~")
_FILLER_WORDS = ("so much", "very much", "a lot", "again", "guys", "all", "you", "u")
_SEPARATORS = r"[\s,，.。!！~～、?？…:：;；啊呀哦哈呢吧啦嘛]"
_EMOJI_JUNK = re.compile("[\ufe0f\u200d\U0001f3fb-\U0001f3ff]")


def _normalize(text: str) -> str:
    try:
        from desk_app.knowledge.normalize import normalize
    except ImportError:
        return " ".join(re.sub(r"[^\w]+", " ", fold(text)).split())
    return normalize(text)


@dataclass(frozen=True, slots=True)
class SmallTalkIntent:
    name: str
    phrases: tuple[str, ...]
    answers_zh: tuple[str, ...]
    answers_en: tuple[str, ...]
    not_a_prefix: frozenset[str] = frozenset()

    def answer(self, lang: str, turn: int = 0) -> str:
        answers = self.answers_en if lang == "en" and self.answers_en else self.answers_zh
        return answers[turn % len(answers)]


@dataclass(frozen=True, slots=True)
class SmallTalkMatch:
    intent: SmallTalkIntent

    @property
    def name(self) -> str:
        return self.intent.name


class SmallTalk:
    """Recognises small-talk messages; see the module docstring."""

    def __init__(self, intents: Sequence[SmallTalkIntent]) -> None:
        self.intents = list(intents)
        self._priority = {intent.name: n for n, intent in enumerate(self.intents)}
        self._phrases: dict[str, SmallTalkIntent] = {}
        self._emoji: dict[str, SmallTalkIntent] = {}
        for intent in self.intents:
            for phrase in intent.phrases:
                key = _normalize(phrase)
                if key:
                    self._phrases.setdefault(key, intent)
                else:  # 👍 🙏: nothing left after folding, matched as typed
                    self._emoji.setdefault(_EMOJI_JUNK.sub("", phrase.strip()), intent)
        self._by_length = sorted(self._phrases, key=len, reverse=True)
        # One compiled alternation per list instead of a Python loop over every phrase at
        # every position (the loop was 8 % of the server's CPU in the load benchmark). The
        # regex tries the alternatives in list order, so the longest phrase still wins.
        self._phrase_at = _alternation(self._by_length)
        self._filler_at = _alternation(_FILLER_WORDS)
        self._greeting = self._greeting_prefix()

    @classmethod
    def from_file(cls, path: Path) -> SmallTalk:
        data = load_yaml(path)
        intents = data.get("intents")
        if not isinstance(intents, Mapping) or not intents:
            raise BotConfigError(f"{path.name}: expected 'intents' with at least one entry")
        return cls([_intent(name, body, path.name) for name, body in intents.items()])

    # -----------------------------------------------------------------------------------------

    def match(self, text: str) -> SmallTalkMatch | None:
        """The small-talk intent when the whole message is small talk, else None."""
        text = text[:200]
        folded = _normalize(text)
        if not folded:
            raw = _EMOJI_JUNK.sub("", "".join(text.split()))
            found = [self._emoji[c] for c in raw if c in self._emoji]
            if raw and len(found) == len(raw):
                return SmallTalkMatch(max(found, key=lambda i: self._priority[i.name]))
            return None
        found_intents = self._parse(folded)
        if not found_intents:
            return None
        return SmallTalkMatch(max(found_intents, key=lambda i: self._priority[i.name]))

    def _parse(self, text: str) -> list[SmallTalkIntent]:
        found: list[SmallTalkIntent] = []
        i = 0
        while i < len(text):
            hit = self._phrase_at.match(text, i) if self._phrase_at else None
            if hit is not None:  # before particles: 哈 is one, 哈喽 a greeting
                found.append(self._phrases[hit[0]])
                i = hit.end()
                continue
            if text[i] == " " or text[i] in _PARTICLES:
                i += 1
                continue
            filler = self._filler_at.match(text, i) if found and self._filler_at else None
            if filler is None:
                return []
            i = filler.end()
        return found

    @staticmethod
    def _word_at(text: str, i: int, phrase: str) -> bool:
        if not text.startswith(phrase, i):
            return False
        end = i + len(phrase)
        # a Latin phrase must end at a word boundary: "hi" is not the start of "hiking"
        return not (
            phrase[-1].isascii()
            and phrase[-1].isalnum()
            and end < len(text)
            and text[end].isascii()
            and text[end].isalnum()
        )

    def _greeting_prefix(self) -> re.Pattern[str] | None:
        greeting = next((i for i in self.intents if i.name == "greeting"), None)
        if greeting is None:
            return None
        phrases = sorted(
            {
                fold(p).strip()
                for p in greeting.phrases
                if fold(p).strip() and p not in greeting.not_a_prefix
            },
            key=len,
            reverse=True,
        )
        long = [
            re.escape(p) + ("(?![a-z])" if p[-1].isascii() else "") for p in phrases if len(p) > 1
        ]
        short = [re.escape(p) for p in phrases if len(p) == 1]
        parts = []
        if long:
            parts.append(f"(?:{'|'.join(long)}){_SEPARATORS}*")
        if short:
            parts.append(f"(?:{'|'.join(short)}){_SEPARATORS}+")
        if not parts:
            return None
        return re.compile(rf"^\s*(?:{'|'.join(parts)})+")

    def strip_greeting(self, text: str) -> str:
        """``text`` without a leading greeting ("你好，" "hi, " "在吗"), if a question follows."""
        if self._greeting is None:
            return text
        folded = fold(text)
        if len(folded) != len(text):  # NFKC changed lengths: leave it to the matcher
            return text
        found = self._greeting.match(folded)
        if not found:
            return text
        rest = text[found.end() :].strip()
        return rest if any(unicodedata.category(c)[0] in "LN" for c in rest) else text


def _alternation(words: Sequence[str]) -> re.Pattern[str] | None:
    """A regex matching the first of ``words`` (in order) that :meth:`SmallTalk._word_at`
    accepts at a position: a word ending in a Latin letter or digit must not run on into
    another one ("hi" is not the start of "hiking")."""
    if not words:
        return None
    parts = [
        re.escape(w) + ("(?![A-Za-z0-9])" if w[-1].isascii() and w[-1].isalnum() else "")
        for w in words
    ]
    return re.compile("|".join(parts))


def _texts(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):  # YAML reads 88 (拜拜) as a number
        value = [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise BotConfigError(f"{where}: expected a list of texts")
    return tuple(v.strip() for v in value)


def _intent(name: Any, body: Any, where: str) -> SmallTalkIntent:
    if not isinstance(body, Mapping):
        raise BotConfigError(f"{where}: intent {name!r} must be a mapping")
    answers = body.get("answers")
    if isinstance(answers, str | list):
        answers = {"zh": answers}
    if not isinstance(answers, Mapping) or "zh" not in answers:
        raise BotConfigError(f"{where}: intent {name!r} needs answers with at least zh")
    zh = _texts(answers["zh"], f"{where}: {name}.answers.zh")
    en = _texts(answers["en"], f"{where}: {name}.answers.en") if answers.get("en") else ()
    phrases = _texts(body.get("phrases"), f"{where}: {name}.phrases")
    keep = (
        _texts(body["not_a_prefix"], f"{where}: {name}.not_a_prefix")
        if body.get("not_a_prefix")
        else ()
    )
    return SmallTalkIntent(str(name), phrases, zh, en, frozenset(keep))
