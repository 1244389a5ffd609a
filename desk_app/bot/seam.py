"""The seam between the server and the bot: plain data in, a decision out.

The server builds a :class:`Turn` for every contact message in a conversation the bot holds,
calls :meth:`Bot.respond` (batched: every turn that arrived together, so matching can work on
a batch), stores the reply and carries out the decision. The bot owns no socket and no row:
its memory of a conversation (the flow it is in, slots, failed turns) is the ``state`` dict it
returns, which the server stores with the conversation. A restarted server therefore continues
a flow where it stopped, and the bot is tested without a server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from desk_app.protocol.messages import HandoffReason, IntentGuess


@dataclass(frozen=True, slots=True, kw_only=True)
class Turn:
    """One contact message for the bot, with everything it may decide on."""

    conversation_id: str
    text: str
    now: datetime
    locale: str = "zh-CN"
    state: Mapping[str, Any] = field(default_factory=dict)
    agents_available: bool = True  # someone online with room for one more


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """Reply to the contact. ``article_id`` is set when the text came from an article."""

    text: str
    article_id: str | None = None
    score: float = 0.0
    intents: tuple[IntentGuess, ...] = ()
    answered: bool = True  # False for "sorry, I did not understand": counts as unanswered


@dataclass(frozen=True, slots=True, kw_only=True)
class Ask:
    """Reply with a question; the conversation stays with the bot (a flow wants a slot)."""

    text: str
    slot: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Handoff:
    """Put the conversation in the queue for a person, with the context the agent will see.

    ``text`` is said to the contact first (e.g. 正在为您转接人工客服). ``team`` asks routing
    for a team/skill. When no agent is available the server offers a ticket instead.
    """

    reason: HandoffReason
    text: str = ""
    intents: tuple[IntentGuess, ...] = ()
    slots: Mapping[str, str] = field(default_factory=dict)
    team: str | None = None
    priority: int = 0


Decision = Answer | Ask | Handoff


@dataclass(frozen=True, slots=True)
class BotReply:
    decision: Decision
    state: Mapping[str, Any]


class Bot(Protocol):
    def respond(self, turns: Sequence[Turn]) -> list[BotReply]:
        """One reply per turn, in order. Must not raise for any text a contact can type."""
        ...


HUMAN_REQUEST = re.compile(
    r"转人工|人工客服|人工服务|找人工|真人|客服人员|"
    r"\b(human|agent|real person|representative|operator)\b",
    re.IGNORECASE,
)


class KeywordBot:
    """The smallest honest bot: hands off when asked for a person, otherwise says it can only
    connect the contact to a person. Used by the server's tests so they do not depend on the
    knowledge engine; the product uses ``desk_app.bot.engine``."""

    def respond(self, turns: Sequence[Turn]) -> list[BotReply]:
        return [BotReply(self._decide(turn), turn.state) for turn in turns]

    @staticmethod
    def _decide(turn: Turn) -> Decision:
        if HUMAN_REQUEST.search(turn.text):
            return Handoff(
                reason=HandoffReason.CUSTOMER_ASKED,
                text="好的，正在为您转接人工客服，请稍候。",
                slots={},
            )
        return Answer(
            text="您好，我是智能客服。这个问题我还不会回答，输入“转人工”可以联系人工客服。",
            answered=False,
        )
