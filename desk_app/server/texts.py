"""What the server itself says to contacts, in Chinese and English.

The bot writes its own answers; these are the few system messages the server adds (no agent
online, an agent joined). Chosen by the conversation's locale: ``en*`` gets English, anything
else Chinese.
"""

from __future__ import annotations

_TEXTS: dict[str, tuple[str, str]] = {
    "no_agent": (
        "目前没有在线的人工客服。您可以继续等待，或者留言（留下联系方式），我们会尽快联系您。",
        "No agent is online right now. You can keep waiting, or leave a message with your "
        "contact details and we will get back to you soon.",
    ),
    "bot_failed": (
        "抱歉，系统暂时无法回答，正在为您转接人工客服。",
        "Sorry, I cannot answer right now. Connecting you to an agent.",
    ),
}


def say(key: str, locale: str) -> str:
    zh, en = _TEXTS[key]
    return en if locale.lower().startswith("en") else zh
