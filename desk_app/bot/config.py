"""The bot's configuration: ``resources/bot/config.yaml`` and the files it names.

Behaviour a shop tunes (threshold, working hours, how many failures before a handoff, every
sentence the bot says) lives in YAML so changing it needs no release. This module only reads
and checks it: a mistake in the file stops start-up with a message naming the key, instead
of a bot that misbehaves on the first customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from desk_app.protocol.errors import DeskError, ErrorCode
from desk_app.resources import RESOURCES, resource_path

__all__ = [
    "DEFAULT_CONFIG",
    "RESOURCES",
    "BotConfig",
    "BotConfigError",
    "Lang",
    "Texts",
    "load_config",
    "load_yaml",
    "localized",
]

DEFAULT_CONFIG = resource_path("bot", "config.yaml")

Lang = Literal["zh", "en"]


class BotConfigError(DeskError):
    """A bot configuration file that cannot be used; the message names the file and key."""

    code = ErrorCode.INVALID_FIELD


@dataclass(frozen=True, slots=True)
class Texts:
    """One sentence in both languages."""

    zh: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


def localized(value: Any, where: str) -> Texts:
    """``{zh: ..., en: ...}`` (or one string for both) as :class:`Texts`."""
    if isinstance(value, str):
        return Texts(value, value)
    if isinstance(value, Mapping) and isinstance(value.get("zh"), str):
        en = value.get("en")
        return Texts(value["zh"], en if isinstance(en, str) else value["zh"])
    raise BotConfigError(f"{where}: expected text or {{zh: ..., en: ...}}")


def load_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping from ``path``; BotConfigError when missing or malformed."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BotConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise BotConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise BotConfigError(f"{path}: expected a mapping at the top")
    return data


@dataclass(frozen=True, slots=True, kw_only=True)
class BotConfig:
    """Everything in config.yaml, checked. ``handoff`` is parsed by HandoffPolicy."""

    path: Path | None = None
    threshold: float | None = None
    switch_score: float | None = None
    clarify_enabled: bool = True
    clarify_floor: float | None = None
    clarify_options: int = 3
    max_chars: int = 500
    flows_path: Path | None = None
    smalltalk_path: Path | None = None
    handoff: Mapping[str, Any] = field(default_factory=dict)
    messages: Mapping[str, Texts] = field(default_factory=dict)

    def text(self, key: str, lang: str, **values: str) -> str:
        """The message ``key`` in ``lang`` with ``{name}`` fields filled."""
        texts = self.messages.get(key)
        template = texts(lang) if texts else DEFAULT_MESSAGES[key](lang)
        try:
            return template.format_map(values)
        except (KeyError, ValueError, IndexError):
            return template


DEFAULT_MESSAGES: Mapping[str, Texts] = {
    "fallback": Texts(
        "抱歉，我没太明白您的意思，可以换个说法吗？需要人工帮忙请输入“转人工”。",
        'Sorry, I didn\'t get that. Could you rephrase? Type "agent" to talk to a person.',
    ),
    "empty": Texts("您好，请问有什么可以帮您？", "Hi, how can I help you?"),
    "handoff_asked": Texts("好的，正在为您转接人工客服，请稍候。", "Connecting you to an agent."),
    "handoff_failure": Texts("我为您转接人工客服，请稍候。", "Connecting you to an agent."),
    "handoff_complaint": Texts(
        "非常抱歉给您带来不好的体验，马上为您转接人工客服。",
        "I'm sorry about this. Connecting you to an agent right away.",
    ),
    "handoff_flow": Texts("我为您转接人工客服继续处理。", "Handing this over to an agent."),
    "leave_message_closed": Texts(
        "现在是人工客服的休息时间（{hours}），您可以点击「留言」留下问题和联系方式。",
        "Our agents are off duty ({hours}). Please leave a message with your contact details.",
    ),
    "leave_message_busy": Texts(
        "人工客服暂时都不在线，您可以点击「留言」留下问题和联系方式。",
        "No agent is available now. Please leave a message with your contact details.",
    ),
    "clarify": Texts("您是想问：\n{options}\n请回复序号。", "Did you mean:\n{options}"),
    "clarify_one": Texts("您是想问「{title}」吗？", 'Did you mean "{title}"?'),
    "flow_cancelled": Texts("好的，已取消。", "OK, cancelled."),
    "flow_invalid_confirm": Texts("请回复“是”或“否”。", 'Please reply "yes" or "no".'),
    "flow_which": Texts("请问要修改哪一项？{labels}", "What would you like to change? {labels}"),
    "flow_updated": Texts("好的，{label}已更新为：{value}。", "OK, {label} is now {value}."),
}


def _number(data: Mapping[str, Any], key: str, where: str, lo: float, hi: float) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise BotConfigError(f"{where}.{key}: expected a number from {lo} to {hi}")
    return float(value)


def _section(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, Mapping):
        raise BotConfigError(f"{where}: '{key}' must be a mapping")
    return value


def load_config(path: Path | None = None) -> BotConfig:
    """The configuration at ``path`` (default: the shipped ``resources/bot/config.yaml``)."""
    path = Path(path) if path is not None else DEFAULT_CONFIG
    data = load_yaml(path)
    where = path.name
    matching = _section(data, "matching", where)
    clarify = _section(matching, "clarify", f"{where}: matching")
    messages = _section(data, "messages", where)
    handoff = _section(data, "handoff", where)

    def sibling(key: str) -> Path | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise BotConfigError(f"{where}: '{key}' must be a file name or null")
        return (path.parent / value).resolve()

    max_chars = _number(matching, "max_chars", f"{where}: matching", 20, 100_000)
    return BotConfig(
        path=path,
        threshold=_number(matching, "threshold", f"{where}: matching", 0.0, 1.0),
        switch_score=_number(matching, "switch_score", f"{where}: matching", 0.0, 1.0),
        clarify_enabled=bool(clarify.get("enabled", True)),
        clarify_floor=_number(clarify, "floor", f"{where}: matching.clarify", 0.0, 1.0),
        clarify_options=int(_number(clarify, "options", f"{where}: matching.clarify", 1, 5) or 3),
        max_chars=int(max_chars) if max_chars else 500,
        flows_path=sibling("flows"),
        smalltalk_path=sibling("smalltalk"),
        handoff=handoff,
        messages={
            key: localized(value, f"{where}: messages.{key}") for key, value in messages.items()
        },
    )
