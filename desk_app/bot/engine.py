"""The bot: one decision per contact message, in a fixed order.

For each :class:`~desk_app.bot.seam.Turn` the bot decides, first match wins:

1. an active flow takes the message (a valid answer, a correction, yes/no), unless the
   contact asks for a person, complains, cancels, or clearly changes the topic;
2. a request for a person or a complaint -> :class:`Handoff`;
3. small talk (greeting, thanks, "are you a bot") -> a polite :class:`Answer`, unless the
   knowledge base has its own article for it that clearly matches;
4. a flow trigger ("我要退货") -> the flow starts and asks its first question;
5. a knowledge article scoring at least the threshold -> its answer;
6. the best guess below the threshold but above a floor -> "您是想问：…" with up to three
   suggestions (``answered=False``); the contact's next "2" / "第二个" / "是" picks one;
7. otherwise "没听懂" (``answered=False``); after ``failures_before_handoff`` such turns in a
   row -> :class:`Handoff` (``repeated_failure``).

When no agent can take a conversation (``Turn.agents_available`` False) the bot never
returns a Handoff: it answers with an offer to leave a message (naming the service hours
when it is outside the working hours in config.yaml), and puts ``leave_message`` (reason,
intents, slots) in the state so the server or client can prefill the ticket.

The bot's memory lives in the state dict it returns (JSON-safe): ``lang`` (zh/en),
``failures`` (consecutive unanswered turns), ``flow`` (the running flow's step and slots),
``clarify`` (the suggested articles), ``context`` (slots collected by finished flows; they
ride along with any later handoff), ``turns`` (a counter that varies small-talk answers).

Knowledge search runs once per batch (``KnowledgeIndex.search_many``) for every turn, so a
batch of 200 contacts costs one vectorised pass. Each turn is decided inside a guard: no
text a contact can type makes :meth:`DeskBot.respond` raise.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk_app.bot.config import DEFAULT_MESSAGES, BotConfig, load_config
from desk_app.bot.flows import FLOW_PREFIX, Flow, FlowBook, FlowOutcome, is_cancel, yes_or_no
from desk_app.bot.handoff import HandoffPolicy
from desk_app.bot.language import detect_language, fold
from desk_app.bot.seam import Answer, Ask, BotReply, Decision, Handoff, Turn
from desk_app.bot.smalltalk import SmallTalk
from desk_app.protocol.messages import HandoffReason, IntentGuess

if TYPE_CHECKING:
    from desk_app.knowledge.index import Document, KnowledgeIndex, Match

__all__ = ["DeskBot", "build_bot", "flow_documents"]

log = logging.getLogger("desk_app.bot")

GUESSES = 3  # intent guesses carried by a handoff or an unanswered reply
_LONG_NUMBER = re.compile(r"(?<!\d)\d(?:[\s-]?\d){6,}(?!\d)")
SEARCH_LIMIT = 5


def flow_documents(flows: FlowBook) -> list[Document]:
    """Each flow as a document ``flow:<id>`` whose questions are its trigger phrases."""
    from desk_app.knowledge.index import Document

    return [
        Document(
            article_id=flow.intent,
            title=flow.title.zh,
            questions=(*flow.triggers, flow.title.en),
            answer="",
            tags=("flow",),
        )
        for flow in flows.flows.values()
    ]


@dataclass(slots=True)
class _Prepared:
    """A turn's text as the rules see it."""

    text: str  # cut to max_chars, stripped
    query: str  # what is searched: the text without a leading greeting
    lang: str


class DeskBot:
    """Implements :class:`desk_app.bot.seam.Bot`; see the module docstring."""

    def __init__(
        self,
        index: KnowledgeIndex,
        *,
        flows: FlowBook | None = None,
        policy: HandoffPolicy | None = None,
        smalltalk: SmallTalk | None = None,
        config: BotConfig | None = None,
    ) -> None:
        self.index = index
        self.flows = flows or FlowBook()
        self.policy = policy or HandoffPolicy()
        self.smalltalk = smalltalk or SmallTalk([])
        self.config = config or BotConfig()
        if flows is not None and not flows.messages:
            flows.messages = self.config.messages or DEFAULT_MESSAGES
        for document in flow_documents(self.flows) if len(self.flows) else ():
            index.upsert(document)

    # -- thresholds ------------------------------------------------------------------------

    @property
    def threshold(self) -> float:
        """The answer threshold: the configured one, else the index's calibrated default."""
        configured = self.config.threshold
        return configured if configured is not None else float(self.index.threshold)

    @property
    def switch_score(self) -> float:
        """How well another topic must match to pull the contact out of a running flow."""
        configured = self.config.switch_score
        return configured if configured is not None else min(self.threshold + 0.1, 0.95)

    # -- the seam ----------------------------------------------------------------------------

    def respond(self, turns: Sequence[Turn]) -> list[BotReply]:
        prepared = [self._prepare(turn) for turn in turns]
        matches = self._search([p.query for p in prepared])
        replies: list[BotReply] = []
        latest: dict[str, Mapping[str, Any]] = {}
        for turn, prep, found in zip(turns, prepared, matches, strict=True):
            # two turns of one conversation in a batch: the second sees the first's state
            state = latest.get(turn.conversation_id, turn.state)
            state = dict(state) if isinstance(state, Mapping) else {}
            try:
                decision, new_state = self._decide(turn, prep, found, dict(state))
            except Exception:
                log.exception("bot.decide_failed", extra={"conversation_id": turn.conversation_id})
                decision = Answer(text=self.config.text("fallback", prep.lang), answered=False)
                new_state = state
            replies.append(BotReply(decision, new_state))
            latest[turn.conversation_id] = new_state
        return replies

    def _prepare(self, turn: Turn) -> _Prepared:
        try:
            text = str(turn.text or "")[: self.config.max_chars].strip()
            previous = turn.state.get("lang") if isinstance(turn.state, Mapping) else None
            lang = detect_language(text, locale=turn.locale or "zh-CN", previous=previous)
            query = self.smalltalk.strip_greeting(text) if text else ""
            # order and phone numbers say nothing about the topic and drown a short question
            query = " ".join(_LONG_NUMBER.sub(" ", query).split()) or query
            return _Prepared(text, query, lang)
        except Exception:
            log.exception("bot.prepare_failed")
            return _Prepared("", "", "zh")

    def _search(self, queries: list[str]) -> list[list[Match]]:
        results: list[list[Match]] = [[] for _ in queries]
        wanted = [n for n, q in enumerate(queries) if q]
        if not wanted:
            return results
        try:
            found = self.index.search_many([queries[n] for n in wanted], limit=SEARCH_LIMIT)
        except Exception:
            log.exception("bot.search_failed", extra={"queries": len(wanted)})
            return results
        for n, hits in zip(wanted, found, strict=False):
            results[n] = list(hits)
        return results

    # -- one turn ----------------------------------------------------------------------------

    def _decide(
        self, turn: Turn, prep: _Prepared, matches: list[Match], state: dict[str, Any]
    ) -> tuple[Decision, dict[str, Any]]:
        lang = prep.lang
        state["lang"] = lang
        state["turns"] = _int(state.get("turns")) + 1
        text = prep.text

        if not text:
            return Answer(text=self.config.text("empty", lang)), state

        running = state.get("flow")
        if isinstance(running, Mapping):
            flow = self.flows.get(str(running.get("id", "")))
            if flow is None:
                state.pop("flow", None)  # flows.yaml changed under a running flow
            else:
                decided = self._in_flow(turn, prep, matches, state, flow, running)
                if decided is not None:
                    return decided

        clarify = state.pop("clarify", None)
        if isinstance(clarify, list) and clarify:
            picked = _pick(clarify, text)
            if picked is not None:
                state["failures"] = 0
                return (
                    Answer(
                        text=str(picked.get("answer", "")),
                        article_id=str(picked.get("id")),
                        score=float(picked.get("score", 0.0)),
                        intents=self._guesses(matches, str(state.get("lang", "zh"))),
                    ),
                    state,
                )

        if self.policy.asks_for_person(text):
            return self._handoff(
                turn, state, HandoffReason.CUSTOMER_ASKED, "handoff_asked", matches
            )
        if self.policy.is_complaint(text):
            return self._handoff(
                turn,
                state,
                HandoffReason.NEGATIVE_SENTIMENT,
                "handoff_complaint",
                matches,
                priority=self.policy.complaint_priority,
            )

        top = matches[0] if matches else None
        threshold = self.threshold
        talk = self.smalltalk.match(text)
        # the shop's own article for "hello" or "are you a bot" beats the built-in reply when
        # it clearly matches (the bar for leaving a flow: threshold + 0.1)
        own = (
            top is not None
            and top.score >= self.switch_score
            and not top.article_id.startswith(FLOW_PREFIX)
        )
        if talk is not None and not own:
            state["failures"] = 0
            return Answer(text=talk.intent.answer(lang, state["turns"] - 1)), state
        if top is not None and top.score >= threshold and top.article_id.startswith(FLOW_PREFIX):
            flow = self.flows.get(top.article_id)
            if flow is not None:
                state["failures"] = 0
                outcome = self.flows.start(flow, text, lang, turn.now)
                return self._flow_step(turn, state, flow, outcome, matches)

        articles = [m for m in matches if not m.article_id.startswith(FLOW_PREFIX)]
        best = articles[0] if articles else None
        if best is not None and best.score >= threshold and best is top:
            state["failures"] = 0
            return (
                Answer(
                    text=best.answer,
                    article_id=best.article_id,
                    score=_score(best.score),
                    intents=self._guesses(matches, str(state.get("lang", "zh"))),
                ),
                state,
            )

        offered = self._clarification(articles, threshold, lang)
        if offered is not None:
            question, options = offered
            state["clarify"] = options
            return (
                Answer(
                    text=question,
                    score=_score(articles[0].score),
                    intents=self._guesses(matches, str(state.get("lang", "zh"))),
                    answered=False,  # the knowledge-gap report should see this question
                ),
                state,
            )

        return self._fallback(turn, state, matches)

    def _in_flow(
        self,
        turn: Turn,
        prep: _Prepared,
        matches: list[Match],
        state: dict[str, Any],
        flow: Flow,
        running: Mapping[str, Any],
    ) -> tuple[Decision, dict[str, Any]] | None:
        """The running flow's decision, or None when the message leaves the flow."""
        text, lang = prep.text, prep.lang
        slots = _strings(running.get("slots"))
        if self.policy.asks_for_person(text):
            state.pop("flow", None)
            return self._handoff(
                turn, state, HandoffReason.CUSTOMER_ASKED, "handoff_asked", matches, slots=slots
            )
        if self.policy.is_complaint(text):
            state.pop("flow", None)
            return self._handoff(
                turn,
                state,
                HandoffReason.NEGATIVE_SENTIMENT,
                "handoff_complaint",
                matches,
                slots=slots,
                priority=self.policy.complaint_priority,
            )
        if is_cancel(text):
            state.pop("flow", None)
            return Answer(text=self.config.text("flow_cancelled", lang)), state

        outcome = self.flows.advance(flow, running, text, lang, turn.now)
        if outcome.kind in ("invalid", "gave_up"):
            talk = self.smalltalk.match(text)
            if talk is not None:  # "稍等我找一下" while asked for the order number
                prompt = self._prompt(flow, running, lang)
                return Ask(
                    text=f"{talk.intent.answer(lang, state['turns'] - 1)}\n{prompt}".strip(),
                    slot=str(running.get("slot") or running.get("step") or ""),
                ), state
            other = next((m for m in matches if m.article_id != flow.intent), None)
            if other is not None and other.score >= self.switch_score:
                state.pop("flow", None)  # a new topic: answered by the normal path
                return None
        return self._flow_step(turn, state, flow, outcome, matches)

    def _prompt(self, flow: Flow, running: Mapping[str, Any], lang: str) -> str:
        """The question the flow is waiting on, to repeat after small talk."""
        step = running.get("step")
        if step == "slot":
            slot = flow.slot(str(running.get("slot", "")))
            return slot.ask(lang) if slot else ""
        if step == "confirm" and flow.confirm is not None:
            return flow.fill(flow.confirm(lang), _strings(running.get("slots")), lang)
        return ""

    def _flow_step(
        self,
        turn: Turn,
        state: dict[str, Any],
        flow: Flow,
        outcome: FlowOutcome,
        matches: list[Match],
    ) -> tuple[Decision, dict[str, Any]]:
        if outcome.state is not None:
            state["flow"] = outcome.state
        else:
            state.pop("flow", None)
        if outcome.kind in ("ask", "invalid"):
            return Ask(text=outcome.text, slot=outcome.slot), state
        context = {**_strings(state.get("context")), **outcome.slots}
        state["context"] = context
        if outcome.kind == "answer":
            return (
                Answer(
                    text=outcome.text,
                    score=1.0,
                    intents=(IntentGuess(intent=flow.intent, score=1.0, title=flow.title.zh),),
                ),
                state,
            )
        spec = outcome.handoff
        guesses = (IntentGuess(intent=flow.intent, score=1.0, title=flow.title.zh),)
        if outcome.kind == "gave_up":
            return self._handoff(
                turn, state, HandoffReason.FLOW, "handoff_flow", matches, intents=guesses
            )
        return self._handoff(
            turn,
            state,
            HandoffReason.FLOW,
            "handoff_flow",
            matches,
            intents=guesses,
            text=outcome.text,
            team=spec.team if spec else None,
            priority=spec.priority if spec else 0,
        )

    # -- endings -----------------------------------------------------------------------------

    def _fallback(
        self, turn: Turn, state: dict[str, Any], matches: list[Match]
    ) -> tuple[Decision, dict[str, Any]]:
        failures = _int(state.get("failures")) + 1
        state["failures"] = failures
        lang = str(state.get("lang", "zh"))
        if failures >= self.policy.failures_before_handoff:
            return self._handoff(
                turn, state, HandoffReason.REPEATED_FAILURE, "handoff_failure", matches
            )
        top = matches[0] if matches else None
        return (
            Answer(
                text=self.config.text("fallback", lang),
                score=_score(top.score) if top else 0.0,
                intents=self._guesses(matches, str(state.get("lang", "zh"))),
                answered=False,
            ),
            state,
        )

    def _handoff(
        self,
        turn: Turn,
        state: dict[str, Any],
        reason: HandoffReason,
        message: str,
        matches: list[Match],
        *,
        slots: Mapping[str, str] | None = None,
        intents: tuple[IntentGuess, ...] | None = None,
        text: str | None = None,
        team: str | None = None,
        priority: int = 0,
    ) -> tuple[Decision, dict[str, Any]]:
        lang = str(state.get("lang", "zh"))
        carried = {**_strings(state.get("context")), **(slots or {})}
        guesses = intents if intents is not None else self._guesses(matches, lang)
        top_score = max((g.score for g in guesses), default=0.0)
        # a handoff starts afresh: if an agent hands the conversation back, the bot must not
        # hand it off again on the first miss, nor resume a flow the agent already finished
        for key in ("flow", "clarify", "failures", "leave_message"):
            state.pop(key, None)
        if not turn.agents_available:
            key = "leave_message_busy"
            if not self.policy.within_hours(turn.now):
                key = "leave_message_closed"
            state["leave_message"] = {
                "reason": reason.value,
                "intents": [{"intent": g.intent, "score": g.score} for g in guesses],
                "slots": dict(carried),
            }
            return (
                Answer(
                    text=self.config.text(key, lang, hours=self.policy.hours_text()),
                    score=top_score,
                    intents=guesses,
                    answered=reason is not HandoffReason.REPEATED_FAILURE,
                ),
                state,
            )
        said = text if text is not None else self.config.text(message, lang)
        return (
            Handoff(
                reason=reason,
                text=said,
                intents=guesses,
                slots=carried,
                team=team,
                priority=priority,
            ),
            state,
        )

    def _guesses(self, matches: Sequence[Match], lang: str = "zh") -> tuple[IntentGuess, ...]:
        """The top guesses for the handoff card; a flow is named in the contact's language."""
        return tuple(
            IntentGuess(intent=m.article_id, score=_score(m.score), title=self._title(m, lang))
            for m in matches[:GUESSES]
        )

    def _title(self, match: Match, lang: str) -> str:
        flow = None
        if match.article_id.startswith(FLOW_PREFIX):
            flow = self.flows.get(match.article_id)
        title = (flow.title.en if lang == "en" else flow.title.zh) if flow is not None else None
        return (title or match.title)[:200]

    def _clarification(
        self, articles: list[Match], threshold: float, lang: str
    ) -> tuple[str, list[dict[str, Any]]] | None:
        """Suggestions when the best article is below the bar but reaches the floor.

        The floor is the configured one, else the index's, chosen with its threshold on
        validation data (a suggestion list is worth showing when it more often holds the
        right article than not). Further options are shown only when they are not noise
        (at least half the floor).
        Returns the text and the options kept in the state for the contact's pick.
        """
        if not self.config.clarify_enabled or not articles:
            return None
        configured = self.config.clarify_floor
        floor = min(configured if configured is not None else self.index.suggest_floor, threshold)
        if not floor <= articles[0].score < threshold:
            return None
        chosen = [articles[0]] + [
            m for m in articles[1 : self.config.clarify_options] if m.score >= floor / 2
        ]
        options = [
            {"id": m.article_id, "title": m.title, "answer": m.answer, "score": _score(m.score)}
            for m in chosen
        ]
        if len(chosen) == 1:
            return self.config.text("clarify_one", lang, title=chosen[0].title), options
        lines = "\n".join(f"{n}. {m.title}" for n, m in enumerate(chosen, start=1))
        return self.config.text("clarify", lang, options=lines), options


# ---------------------------------------------------------------------------------------------


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _score(value: float) -> float:
    try:
        return round(min(1.0, max(0.0, float(value))), 4)
    except (TypeError, ValueError):
        return 0.0


def _strings(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str | int | float)}


_ORDINAL = re.compile(
    r"^(?:第|no\.?|number|option|#)?\s*([1-9]|[一二两三四五六七八九])\s*(?:个|项|条|种|\.|、)?$"
)
_CN_ORDINAL = {
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
}


def _pick(options: list[Any], text: str) -> Mapping[str, Any] | None:
    """The suggestion the contact chose ("2", "第二个", "是" to a single one, or its title)."""
    valid = [o for o in options if isinstance(o, Mapping) and o.get("answer") and o.get("id")]
    if not valid or len(valid) != len(options):
        return None
    answer = fold(text).strip(" .。!！?？、,，~～")
    if found := _ORDINAL.match(answer):
        number = int(found[1]) if found[1].isdigit() else _CN_ORDINAL[found[1]]
        return valid[number - 1] if number <= len(valid) else None
    if len(valid) == 1 and yes_or_no(text) is True:
        return valid[0]
    return next((o for o in valid if fold(str(o.get("title"))) == answer), None)


def build_bot(index: KnowledgeIndex, config_path: Path | None = None) -> DeskBot:
    """The bot as configured in ``config_path`` (default ``resources/bot/config.yaml``).

    Loads the flows and small talk the configuration names and indexes the flows' trigger
    phrases in ``index`` as ``flow:<id>`` documents (so KnowledgeService.search filters
    them out of agents' results). Raises BotConfigError on a bad file: better at start-up
    than on the first customer.
    """
    config = load_config(config_path)
    policy = HandoffPolicy.from_config(config.handoff)
    flows = None
    if config.flows_path is not None:
        zone = policy.hours.zone if policy.hours else None
        extra: dict[str, Any] = {"max_attempts": policy.flow_attempts, "messages": config.messages}
        if zone is not None:
            extra["zone"] = zone
        flows = FlowBook.from_file(config.flows_path, **extra)
    smalltalk = SmallTalk.from_file(config.smalltalk_path) if config.smalltalk_path else None
    return DeskBot(index, flows=flows, policy=policy, smalltalk=smalltalk, config=config)
