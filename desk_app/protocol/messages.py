"""Every frame that crosses a WebSocket, typed once for the server, the desk and the tests.

Frames are JSON text objects with a ``type`` tag. They are ``msgspec.Struct`` classes:
msgspec decodes and validates in one pass in C (the server's hot path is parsing), it is
strict by default (a string field given a number, an array, an object or
``{"$regex": ...}`` is refused, never coerced) and it generates the JSON Schema in
``docs/protocol.schema.json`` from these very classes. Unknown fields are refused too, so a
client cannot slip in a field the server would silently ignore (such as its own ``token``).

The only ways in and out are :func:`parse_customer_frame`, :func:`parse_agent_frame`,
:func:`parse_server_frame` and :func:`encode`. Parsing raises :class:`ProtocolError` with a
stable :class:`ErrorCode`: reply with an ``error`` frame and keep the connection.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from desk_app.protocol.errors import ErrorCode, ProtocolError

# ---------------------------------------------------------------------------------------------
# Field types


Id = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
"""Public ids are random (UUID hex / ULID), never counters; also client message ids."""

Text = Annotated[str, Meta(min_length=1, max_length=8000)]
"""A message body. The frame size limit (64 KiB) bounds it too; this bounds the store."""

ShortText = Annotated[str, Meta(max_length=200)]
Seq = Annotated[int, Meta(ge=0)]
Score = Annotated[float, Meta(ge=0.0, le=1.0)]
Rating = Annotated[int, Meta(ge=1, le=5)]
Capacity = Annotated[int, Meta(ge=0, le=100)]
Profile = Annotated[dict[Annotated[str, Meta(max_length=64)], ShortText], Meta(max_length=32)]
"""Contact profile fields (name, phone, order ...): strings only, few and short."""


class Sender(StrEnum):
    """Who wrote a message. ``note`` is an agent's internal note: never sent to the contact."""

    CONTACT = "contact"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"
    NOTE = "note"


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class AgentStatus(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


class ConversationStatus(StrEnum):
    """``bot``: the bot is answering; ``queued``: waiting for a person; ``assigned``: an agent
    holds it; ``closed``: ended by anyone."""

    BOT = "bot"
    QUEUED = "queued"
    ASSIGNED = "assigned"
    CLOSED = "closed"


class Channel(StrEnum):
    WEB = "web"
    TERMINAL = "terminal"
    API = "api"


class HandoffReason(StrEnum):
    """Why the bot handed a conversation to a person (DESIGN.md, handoff context)."""

    CUSTOMER_ASKED = "customer_asked"
    LOW_CONFIDENCE = "low_confidence"
    REPEATED_FAILURE = "repeated_failure"
    NEGATIVE_SENTIMENT = "negative_sentiment"
    FLOW = "flow"
    NO_ANSWER = "no_answer"
    TRANSFER = "transfer"
    AGENT_LEFT = "agent_left"


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    ARCHIVED = "archived"


# ---------------------------------------------------------------------------------------------
# Values carried inside frames


class _Value(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class IntentGuess(_Value):
    """One of the bot's best guesses: an article or flow id, its title and a 0-1 score."""

    intent: str
    score: Score
    title: str = ""


class HandoffContext(_Value):
    """What the agent needs so the contact never repeats themself."""

    reason: HandoffReason
    intents: list[IntentGuess] = []
    slots: dict[str, str] = {}
    note: str = ""  # e.g. the contact's own words when asking for a person


class Message(_Value):
    """One stored message. ``seq`` is per conversation, gapless, allocated by the server."""

    conversation_id: Id
    seq: Seq
    sender: Sender
    text: str
    created_at: datetime
    author: str = ""  # agent display name, "bot", or the contact's name
    client_msg_id: str | None = None
    article_id: str | None = None  # the article a bot answer came from


class ContactInfo(_Value):
    id: Id
    name: str = ""
    profile: dict[str, str] = {}


class QueueItem(_Value):
    """A waiting (or, for supervisors, any open) conversation as the queue shows it."""

    conversation_id: Id
    contact_name: str
    channel: Channel
    status: ConversationStatus
    priority: int = 0
    waiting_since: datetime | None = None
    handoff: HandoffContext | None = None
    last_text: str = ""
    skill: str | None = None
    assignee_id: str | None = None
    assignee_name: str | None = None


class ConversationDetail(_Value):
    """Everything an agent gets on assignment: the whole transcript and the handoff context."""

    conversation_id: Id
    status: ConversationStatus
    channel: Channel
    contact: ContactInfo
    transcript: list[Message]
    started_at: datetime
    handoff: HandoffContext | None = None
    assignee_id: str | None = None


class AgentInfo(_Value):
    id: Id
    username: str
    display_name: str
    role: Role
    status: AgentStatus
    capacity: int
    open_conversations: int = 0
    skills: list[str] = []
    teams: list[str] = []


class ArticleHit(_Value):
    """A knowledge article as a search result or suggestion."""

    article_id: str
    title: str
    answer: str
    score: Score
    tags: list[str] = []


# ---------------------------------------------------------------------------------------------
# Frames: the base class carries the ``type`` tag


class _Frame(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field="type"
):
    pass


# --- sent by either side ---------------------------------------------------------------------


class Typing(_Frame, tag="typing"):
    """Typing indicator. Contacts omit ``conversation_id`` (they have one conversation)."""

    conversation_id: Id | None = None
    is_typing: bool = True


class Ping(_Frame, tag="ping"):
    """Application-level liveness check; answered with ``pong`` (browsers cannot send pings)."""

    nonce: ShortText = ""


# --- contact -> server -----------------------------------------------------------------------


class StartConversation(_Frame, tag="conversation.start"):
    """Open a new conversation. The server issues the resume token; a client cannot pick it."""

    name: ShortText = ""
    locale: Annotated[str, Meta(max_length=16)] = "zh-CN"
    channel: Channel = Channel.WEB
    profile: Profile = {}


class ResumeConversation(_Frame, tag="conversation.resume"):
    """Reattach after a disconnect; the server replays every message after ``last_seq``."""

    token: Annotated[str, Meta(min_length=16, max_length=128)]
    last_seq: Seq = 0


class SendMessage(_Frame, tag="message.send"):
    """A new message. Contacts omit ``conversation_id``; agents must give it.

    ``client_msg_id`` makes a resend after a lost ``ack`` harmless: stored once, acked again
    with the same ``seq``. ``internal`` (agents only) makes it a note the contact never sees.
    """

    client_msg_id: Id
    text: Text
    conversation_id: Id | None = None
    internal: bool = False


class RequestHuman(_Frame, tag="handoff.request"):
    """The contact asks for a person (the web widget's button)."""

    note: ShortText = ""


class EndConversation(_Frame, tag="conversation.end"):
    pass


class RateConversation(_Frame, tag="conversation.rate"):
    """CSAT, 1-5, once per conversation (a second rating replaces the first)."""

    score: Rating
    comment: Annotated[str, Meta(max_length=2000)] = ""


class LeaveMessage(_Frame, tag="ticket.create"):
    """Offline message when no agent is online; becomes a ticket."""

    text: Text
    name: ShortText = ""
    contact: ShortText = ""  # phone or e-mail to reach the contact


# --- agent -> server -------------------------------------------------------------------------


class Login(_Frame, tag="auth.login"):
    username: Annotated[str, Meta(min_length=1, max_length=64)]
    password: Annotated[str, Meta(min_length=1, max_length=256)]


class TokenLogin(_Frame, tag="auth.token"):
    """Log in again with a token from an earlier ``auth.ok`` (reconnect, remember me)."""

    token: Annotated[str, Meta(min_length=16, max_length=128)]


class Logout(_Frame, tag="auth.logout"):
    pass


class SetStatus(_Frame, tag="agent.status"):
    status: AgentStatus


class PickConversation(_Frame, tag="queue.pick"):
    conversation_id: Id


class SyncConversation(_Frame, tag="conversation.sync"):
    """After a reconnect: send what this agent missed in a conversation after ``last_seq``."""

    conversation_id: Id
    last_seq: Seq = 0


class TransferConversation(_Frame, tag="conversation.transfer"):
    """Give the conversation to another agent or put it in a team's queue (exactly one)."""

    conversation_id: Id
    to_agent_id: Id | None = None
    to_team: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    note: ShortText = ""


class ReturnToBot(_Frame, tag="conversation.return_to_bot"):
    """Hand the conversation back to the bot: the contact's next question goes to it."""

    conversation_id: Id


class CloseConversation(_Frame, tag="conversation.close"):
    conversation_id: Id


class SearchKnowledge(_Frame, tag="knowledge.search"):
    request_id: Id
    query: Annotated[str, Meta(max_length=500)]
    limit: Annotated[int, Meta(ge=1, le=50)] = 8


class SubmitKnowledge(_Frame, tag="knowledge.submit"):
    """An agent turns what they learned into an article, pending review.

    The desk masks personal data before sending; the server masks again (never trust one end).
    """

    request_id: Id
    title: Annotated[str, Meta(min_length=1, max_length=200)]
    answer: Annotated[str, Meta(min_length=1, max_length=8000)]
    questions: Annotated[
        list[Annotated[str, Meta(min_length=1, max_length=500)]], Meta(max_length=50)
    ] = []
    tags: Annotated[
        list[Annotated[str, Meta(min_length=1, max_length=32)]], Meta(max_length=20)
    ] = []
    conversation_id: Id | None = None


# --- server -> client ------------------------------------------------------------------------


class Error(_Frame, tag="error"):
    """A frame was refused. ``code`` is stable (see :class:`ErrorCode`); ``message`` is for
    people. ``ref`` echoes the offending frame's ``client_msg_id`` or ``request_id``."""

    code: ErrorCode
    message: str
    ref: str | None = None


class Pong(_Frame, tag="pong"):
    nonce: str = ""


class Ack(_Frame, tag="ack"):
    """The message is committed to the store.

    ``duplicate`` marks a resend that was not stored again; ``seq`` is the original one.
    """

    client_msg_id: str
    conversation_id: Id
    seq: Seq
    duplicate: bool = False


class ConversationStarted(_Frame, tag="conversation.started"):
    """Keep ``token`` secret: it is the only key to this conversation (>= 128 random bits)."""

    conversation_id: Id
    token: str
    status: ConversationStatus
    last_seq: Seq


class ConversationResumed(_Frame, tag="conversation.resumed"):
    """Followed by the missed ``message`` frames, oldest first."""

    conversation_id: Id
    status: ConversationStatus
    last_seq: Seq


class MessageFrame(_Frame, tag="message"):
    message: Message


class QueuePosition(_Frame, tag="queue.position"):
    """Sent to a queued contact whenever the position changes. Position 1 is next."""

    position: Annotated[int, Meta(ge=1)]
    estimated_wait_seconds: Annotated[int, Meta(ge=0)]


class StatusChanged(_Frame, tag="conversation.status"):
    conversation_id: Id
    status: ConversationStatus
    agent_name: str | None = None


class TicketCreated(_Frame, tag="ticket.created"):
    ticket_id: Id


class Rated(_Frame, tag="conversation.rated"):
    conversation_id: Id
    score: Rating


class AuthOk(_Frame, tag="auth.ok"):
    token: str
    expires_at: datetime
    agent: AgentInfo


class LoggedOut(_Frame, tag="auth.logged_out"):
    pass


class AgentState(_Frame, tag="agent.state"):
    """The agent's own status and load, after every change."""

    agent: AgentInfo


class AgentsSnapshot(_Frame, tag="agents.snapshot"):
    """Every agent the server knows right now (logged in, or disconnected and within the
    grace period, shown ``offline``), sent after login so the desk can offer transfer
    targets; then ``agents.updated`` follows each change. Never carries secrets."""

    agents: list[AgentInfo]


class AgentsUpdated(_Frame, tag="agents.updated"):
    """One agent's status, load or teams changed (login, logout, status, assignment, close,
    grace expiry); sent to every logged-in agent. ``offline`` with no conversations means
    the agent left the roster."""

    agent: AgentInfo


class QueueSnapshot(_Frame, tag="queue.snapshot"):
    """The whole waiting queue; then ``queue.updated`` / ``queue.removed`` deltas follow."""

    items: list[QueueItem]


class QueueUpdated(_Frame, tag="queue.updated"):
    item: QueueItem


class QueueRemoved(_Frame, tag="queue.removed"):
    conversation_id: Id


class ConversationAssigned(_Frame, tag="conversation.assigned"):
    """This agent now holds the conversation. ``how`` is ``picked``, ``auto`` or ``transfer``."""

    conversation: ConversationDetail
    how: Literal["picked", "auto", "transfer", "resumed"] = "auto"


class ConversationUnassigned(_Frame, tag="conversation.unassigned"):
    """This agent no longer holds the conversation (closed, transferred, returned to bot)."""

    conversation_id: Id
    reason: Literal["closed", "transferred", "returned_to_bot", "grace_expired", "ended_by_contact"]


class KnowledgeResults(_Frame, tag="knowledge.results"):
    request_id: str
    hits: list[ArticleHit]


class KnowledgeSuggestions(_Frame, tag="knowledge.suggestions"):
    """Pushed after each contact message in a conversation the agent holds."""

    conversation_id: Id
    seq: Seq
    hits: list[ArticleHit]


class KnowledgeSubmitted(_Frame, tag="knowledge.submitted"):
    request_id: str
    article_id: str
    status: ArticleStatus


class ServerShutdown(_Frame, tag="server.shutdown"):
    """The server is stopping; reconnect after ``retry_after`` seconds and resume."""

    retry_after: int = 2


# ---------------------------------------------------------------------------------------------
# Unions and codecs

CustomerFrame = (
    StartConversation
    | ResumeConversation
    | SendMessage
    | Typing
    | RequestHuman
    | EndConversation
    | RateConversation
    | LeaveMessage
    | Ping
)

AgentFrame = (
    Login
    | TokenLogin
    | Logout
    | SetStatus
    | PickConversation
    | SyncConversation
    | SendMessage
    | Typing
    | TransferConversation
    | ReturnToBot
    | CloseConversation
    | SearchKnowledge
    | SubmitKnowledge
    | Ping
)

ServerFrame = (
    Error
    | Pong
    | Ack
    | ConversationStarted
    | ConversationResumed
    | MessageFrame
    | Typing
    | QueuePosition
    | StatusChanged
    | TicketCreated
    | Rated
    | AuthOk
    | LoggedOut
    | AgentState
    | AgentsSnapshot
    | AgentsUpdated
    | QueueSnapshot
    | QueueUpdated
    | QueueRemoved
    | ConversationAssigned
    | ConversationUnassigned
    | KnowledgeResults
    | KnowledgeSuggestions
    | KnowledgeSubmitted
    | ServerShutdown
)

Frame = CustomerFrame | AgentFrame | ServerFrame

_customer_decoder = msgspec.json.Decoder(CustomerFrame)
_agent_decoder = msgspec.json.Decoder(AgentFrame)
_server_decoder = msgspec.json.Decoder(ServerFrame)
_encoder = msgspec.json.Encoder()

_AGENT_ONLY = frozenset(
    msgspec.inspect.type_info(t).tag  # type: ignore[attr-defined]
    for t in AgentFrame.__args__  # type: ignore[attr-defined]
) - frozenset(
    msgspec.inspect.type_info(t).tag  # type: ignore[attr-defined]
    for t in CustomerFrame.__args__  # type: ignore[attr-defined]
)


def encode(frame: Frame) -> bytes:
    """UTF-8 JSON for a frame. Send it as a *text* frame (``ws.send(data.decode())`` or
    websockets' ``send(data, text=True)``)."""
    return _encoder.encode(frame)


def _parse(raw: str | bytes, decoder: msgspec.json.Decoder[Any], side: str) -> Any:
    if isinstance(raw, bytes | bytearray | memoryview) and side != "server":
        raise ProtocolError(
            "binary frames are not accepted; send JSON text", code=ErrorCode.BINARY_FRAME
        )
    try:
        return decoder.decode(raw)
    except msgspec.ValidationError as exc:
        detail = str(exc)
        tag_problem = detail.endswith("at `$.type`") or "missing required field `type`" in detail
        code = ErrorCode.UNKNOWN_TYPE if tag_problem else ErrorCode.INVALID_FIELD
        if code is ErrorCode.UNKNOWN_TYPE and side == "customer":
            tag = _peek_type(raw)
            if tag in _AGENT_ONLY:
                raise ProtocolError(
                    f"{tag!r} is for agents only", code=ErrorCode.FORBIDDEN
                ) from None
        raise ProtocolError(detail, code=code) from None
    except msgspec.DecodeError as exc:
        raise ProtocolError(f"not valid JSON: {exc}", code=ErrorCode.BAD_JSON) from None


def _peek_type(raw: str | bytes) -> str | None:
    try:
        value = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return None
    tag = value.get("type") if isinstance(value, dict) else None
    return tag if isinstance(tag, str) else None


def parse_customer_frame(raw: str | bytes) -> CustomerFrame:
    """Validate a frame from ``/ws/customer``. Raises :class:`ProtocolError`."""
    return _parse(raw, _customer_decoder, "customer")  # type: ignore[no-any-return]


def parse_agent_frame(raw: str | bytes) -> AgentFrame:
    """Validate a frame from ``/ws/agent``. Raises :class:`ProtocolError`."""
    return _parse(raw, _agent_decoder, "agent")  # type: ignore[no-any-return]


def parse_server_frame(raw: str | bytes) -> ServerFrame:
    """Validate a frame the server sent (used by the desk, the terminal client and tests)."""
    return _parse(raw, _server_decoder, "server")  # type: ignore[no-any-return]


def frame_type(frame: Frame | type[Frame]) -> str:
    """The ``type`` tag of a frame or frame class."""
    cls = frame if isinstance(frame, type) else type(frame)
    return cls.__struct_config__.tag  # type: ignore[return-value]


def ref_of(raw: str | bytes) -> str | None:
    """Best-effort ``client_msg_id`` / ``request_id`` of a refused frame, for ``Error.ref``."""
    try:
        value = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return None
    if not isinstance(value, dict):
        return None
    for key in ("client_msg_id", "request_id"):
        ref = value.get(key)
        if isinstance(ref, str) and len(ref) <= 64:
            return ref
    return None
