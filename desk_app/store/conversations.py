"""Conversations and their messages: repository functions run inside ``Store.write``/``read``.

Each function takes the session and plain values and returns plain data or protocol structs,
never rows that would lazy-load later. The hot path (:func:`append_message`) is three Core
statements: a duplicate check, the atomic ``seq`` allocation and the insert.

State changes check the state they expect *in the UPDATE's WHERE clause* (``status =
'queued'``, ``assignee_id = :agent``), so two agents picking the same conversation, or two
server processes on one PostgreSQL database, cannot both win: the loser gets a
:class:`ConflictError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from desk_app.protocol.errors import ConflictError, ErrorCode, NotAllowedError, NotFoundError
from desk_app.protocol.events import Event
from desk_app.protocol.messages import (
    Channel,
    ContactInfo,
    ConversationDetail,
    ConversationStatus,
    HandoffContext,
    Message,
    QueueItem,
    Sender,
)
from desk_app.store.hotpath import cursor_for, dumps
from desk_app.store.models import (
    Agent,
    Assignment,
    Contact,
    Conversation,
    Message as MessageRow,
    Team,
    Ticket,
    new_id,
    utcnow,
)

conversations = Conversation.__table__
messages = MessageRow.__table__

CLOSED = ConversationStatus.CLOSED.value
BOT = ConversationStatus.BOT.value
QUEUED = ConversationStatus.QUEUED.value
ASSIGNED = ConversationStatus.ASSIGNED.value


@dataclass(frozen=True, slots=True)
class ConversationState:
    """What the server needs to route a frame for a conversation."""

    id: str
    status: str
    assignee_id: str | None
    last_seq: int
    locale: str
    bot_state: Mapping[str, Any]
    contact_name: str = ""


@dataclass(frozen=True, slots=True)
class Appended:
    """Result of :func:`append_message`. For a duplicate, ``message`` is the stored original
    (and ``status``, ``assignee_id``, ``locale`` are the conversation's now)."""

    message: Message
    duplicate: bool
    status: str
    assignee_id: str | None
    locale: str = "zh-CN"
    first_reply: bool = False


def record_event(
    session: Session,
    name: Event,
    now: datetime,
    *,
    conversation_id: str | None = None,
    agent_id: str | None = None,
    value: float | None = None,
    data: Mapping[str, Any] | None = None,
) -> None:
    """Store a reporting event: the timed fact ``metrics`` computes KPIs from."""
    raw, sql = cursor_for(session)
    raw.execute(
        sql.insert_event,
        {
            "name": str(name),
            "cid": conversation_id,
            "agent": agent_id,
            "value": value,
            "data": dumps(data or {}),
            "at": sql.time(now),
        },
    )


# -- conversations ----------------------------------------------------------------------------


def create_conversation(
    session: Session,
    *,
    token_hash: str,
    now: datetime,
    name: str = "",
    locale: str = "zh-CN",
    channel: str = "web",
    profile: Mapping[str, str] | None = None,
) -> ConversationState:
    contact = Contact(id=new_id(), name=name, profile=dict(profile or {}), created_at=now)
    conversation = Conversation(
        id=new_id(),
        token_hash=token_hash,
        contact_id=contact.id,
        channel=channel,
        locale=locale,
        status=BOT,
        last_seq=0,
        bot_state={},
        created_at=now,
    )
    session.add_all([contact, conversation])
    session.flush()
    record_event(
        session,
        Event.CONVERSATION_CREATED,
        now,
        conversation_id=conversation.id,
        data={"channel": channel, "locale": locale},
    )
    return ConversationState(conversation.id, BOT, None, 0, locale, {}, name)


def conversation_state(
    session: Session, *, conversation_id: str | None = None, token_hash: str | None = None
) -> ConversationState | None:
    query = select(
        conversations.c.id,
        conversations.c.status,
        conversations.c.assignee_id,
        conversations.c.last_seq,
        conversations.c.locale,
        conversations.c.bot_state,
        Contact.__table__.c.name,
    ).join(Contact.__table__, Contact.__table__.c.id == conversations.c.contact_id)
    if conversation_id is not None:
        query = query.where(conversations.c.id == conversation_id)
    elif token_hash is not None:
        query = query.where(conversations.c.token_hash == token_hash)
    else:
        raise ValueError("give conversation_id or token_hash")
    row = session.execute(query).first()
    if row is None:
        return None
    return ConversationState(
        row.id, row.status, row.assignee_id, row.last_seq, row.locale, row.bot_state or {}, row.name
    )


def _require(session: Session, conversation_id: str) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFoundError(f"no conversation {conversation_id}")
    return conversation


# -- messages ---------------------------------------------------------------------------------


def _message(row: Any, conversation_id: str) -> Message:
    return Message(
        conversation_id=conversation_id,
        seq=row.seq,
        sender=Sender(row.sender),
        text=row.text,
        created_at=row.created_at,
        author=row.author,
        client_msg_id=_public_client_id(row.client_msg_id),
        article_id=row.article_id,
    )


def _public_client_id(stored: str | None) -> str | None:
    return None if stored is None else stored.partition(":")[2]


def append_message(
    session: Session,
    conversation_id: str,
    *,
    sender: Sender,
    text: str,
    now: datetime,
    author: str = "",
    client_msg_id: str | None = None,
    client_scope: str = "c",
    agent_id: str | None = None,
    article_id: str | None = None,
    only_status: str | None = None,
    only_assignee: str | None = None,
    bot_state: Mapping[str, Any] | None = None,
) -> Appended:
    """Store one message with the next ``seq`` of its conversation.

    The ``seq`` comes from ``UPDATE conversations SET last_seq = last_seq + 1 ... RETURNING``
    in this transaction: atomic in SQL, so it is safe with several writers on PostgreSQL
    (the row stays locked until COMMIT, so seqs commit in order). A ``client_msg_id`` seen
    before returns the original (``duplicate=True``) and stores nothing: the insert is
    ``ON CONFLICT DO NOTHING`` on the unique (conversation, client id), and when it inserted
    nothing the seq is given back while the row lock is still held, so seqs stay gapless.
    Client ids are scoped by ``client_scope`` ("c" for the contact, the agent's id for
    staff): two clients of one conversation may pick the same id without one message
    swallowing the other.

    ``only_status`` / ``only_assignee`` make the write conditional (the bot's reply only while
    the bot still holds the conversation; an agent's reply only while they hold it).
    ``bot_state`` is saved in the same UPDATE.
    """
    stored_client_id = _scoped(client_msg_id, client_scope)
    raw, sql = cursor_for(session)
    params: dict[str, Any] = {"cid": conversation_id}
    if bot_state is not None:
        params["state"] = dumps(bot_state)
    if only_status is not None:
        params["status"] = only_status
    if only_assignee is not None:
        params["assignee"] = only_assignee
    allocate = sql.allocate(
        state=bot_state is not None,
        status=only_status is not None,
        assignee=only_assignee is not None,
    )
    allocated = raw.execute(allocate, params).fetchone()
    if allocated is None:
        _explain_refusal(session, conversation_id, only_status, only_assignee)
    seq, status, assignee_id, locale, replied_at = allocated
    inserted = raw.execute(
        sql.insert_message if stored_client_id is None else sql.insert_new_message,
        {
            "cid": conversation_id,
            "seq": seq,
            "sender": sender.value,
            "author": author,
            "agent": agent_id,
            "text": text,
            "cm": stored_client_id,
            "article": article_id,
            "at": sql.time(now),
        },
    )
    if inserted.rowcount == 0:  # a resend: give the seq back (the row is still ours)
        raw.execute(sql.give_back_seq, {"cid": conversation_id})
        original = _stored(session, conversation_id, stored_client_id)
        return Appended(original, True, status, assignee_id, locale)
    first_reply = replied_at is None and sender is Sender.AGENT and status == ASSIGNED
    if first_reply:
        queued_at = session.scalar(
            select(conversations.c.queued_at).where(conversations.c.id == conversation_id)
        )
        session.execute(
            update(conversations)
            .where(conversations.c.id == conversation_id)
            .values(first_reply_at=now)
        )
        waited = (now - queued_at).total_seconds() if queued_at else None
        record_event(
            session,
            Event.FIRST_REPLY_CREATED,
            now,
            conversation_id=conversation_id,
            agent_id=agent_id,
            value=waited,
        )
    message = Message(
        conversation_id=conversation_id,
        seq=seq,
        sender=sender,
        text=text,
        created_at=now,
        author=author,
        client_msg_id=client_msg_id,
        article_id=article_id,
    )
    return Appended(message, False, status, assignee_id, locale, first_reply)


class ContactText(msgspec.Struct, frozen=True, array_like=True):
    """A contact's message waiting to be stored: an item of :func:`append_contact_messages`.

    A msgspec struct sent as an array, so that the pipe to the contact writer process
    encodes and decodes a batch of them without a line of Python per message."""

    conversation_id: str
    text: str
    client_msg_id: str | None
    author: str = ""


def append_contact_messages(
    session: Session, items: Sequence[ContactText]
) -> list[Appended | Exception]:
    """Store contacts' messages that arrived together, as :func:`append_message` stores one.

    The server's busiest write (``Store.submit_item``): instead of two statements per
    message, three for all of them: read (on PostgreSQL: lock, in id order) the
    conversations, insert every message with its next ``seq``, write each conversation's new
    ``last_seq``. Safe on SQLite because its one writer holds the write lock from the insert
    on, and a snapshot another process wrote past makes the insert fail rather than reuse a
    seq; on PostgreSQL because of the row locks. A message to a closed or unknown
    conversation gets its error as its outcome and stores nothing.

    A resend (a client id already stored, or twice in this batch) shows as fewer rows
    inserted than sent: then this batch's rows are deleted again and the messages stored
    one by one with :func:`append_message`, which tells each resend apart (rare: a resend
    comes after a reconnect).
    """
    raw, sql = cursor_for(session)
    ids = list(dict.fromkeys(item.conversation_id for item in items))
    rows = {row[0]: row for row in raw.execute(sql.lock_conversations, {"ids": sql.ids(ids)})}
    now = utcnow()
    at = sql.time(now)
    outcomes: list[Appended | Exception] = []
    last: dict[str, int] = {}
    params: list[dict[str, Any]] = []
    contact = Sender.CONTACT.value  # an enum member's .value is a property call (0.2 µs)
    for item in items:
        cid = item.conversation_id
        row = rows.get(cid)
        if row is None or row[2] == CLOSED:
            outcomes.append(_refusal(row is None, cid))
            continue
        seq = last[cid] = last.get(cid, row[1]) + 1
        client_id = _scoped(item.client_msg_id, "c")
        params.append(
            {
                "cid": cid,
                "seq": seq,
                "sender": contact,
                "author": item.author,
                "agent": None,
                "text": item.text,
                "cm": client_id,
                "article": None,
                "at": at,
            }
        )
        message = Message(
            conversation_id=cid,
            seq=seq,
            sender=Sender.CONTACT,
            text=item.text,
            created_at=now,
            author=item.author,
            client_msg_id=item.client_msg_id,
        )
        outcomes.append(Appended(message, False, row[2], row[3], row[4]))
    if not params:
        return outcomes
    cursor = raw.cursor()
    cursor.executemany(sql.insert_new_message, params)
    if cursor.rowcount == len(params):
        cursor.executemany(sql.set_last_seq, [{"cid": c, "seq": s} for c, s in last.items()])
        return outcomes
    # a resend among them: undo this batch's rows, then one at a time (seqs stay gapless)
    cursor.executemany(sql.drop_after, [{"cid": c, "seq": rows[c][1]} for c in last])
    return [
        outcome
        if isinstance(outcome, Exception)
        else append_message(
            session,
            outcome.message.conversation_id,
            sender=Sender.CONTACT,
            text=outcome.message.text,
            now=now,
            author=outcome.message.author,
            client_msg_id=outcome.message.client_msg_id,
        )
        for outcome in outcomes
    ]


def _scoped(client_msg_id: str | None, scope: str) -> str | None:
    """A client's message id as stored: ``<scope>:<id>`` (see :func:`append_message`)."""
    return None if client_msg_id is None else f"{scope}:{client_msg_id}"


def _refusal(missing: bool, conversation_id: str) -> Exception:
    if missing:
        return NotFoundError(f"no conversation {conversation_id}")
    return ConflictError("the conversation is closed", code=ErrorCode.CONVERSATION_CLOSED)


def _stored(session: Session, conversation_id: str, stored_client_id: str) -> Message:
    """The original of a resent message (the rare path: full columns through SQLAlchemy)."""
    row = session.execute(
        select(
            messages.c.seq,
            messages.c.sender,
            messages.c.text,
            messages.c.created_at,
            messages.c.author,
            messages.c.client_msg_id,
            messages.c.article_id,
        ).where(
            messages.c.conversation_id == conversation_id,
            messages.c.client_msg_id == stored_client_id,
        )
    ).one()
    return _message(row, conversation_id)


def _explain_refusal(
    session: Session, conversation_id: str, only_status: str | None, only_assignee: str | None
) -> None:
    row = session.execute(
        select(conversations.c.status, conversations.c.assignee_id).where(
            conversations.c.id == conversation_id
        )
    ).first()
    if row is None or row.status == CLOSED:
        raise _refusal(row is None, conversation_id)
    if only_assignee is not None and row.assignee_id != only_assignee:
        raise NotAllowedError("this conversation is not yours")
    raise ConflictError(f"the conversation is {row.status}, not {only_status}")


def messages_after(
    session: Session,
    conversation_id: str,
    after_seq: int = 0,
    *,
    include_notes: bool = True,
    limit: int | None = None,
) -> list[Message]:
    """Messages with ``seq > after_seq`` in order. Contacts never get notes."""
    query = (
        select(
            messages.c.seq,
            messages.c.sender,
            messages.c.text,
            messages.c.created_at,
            messages.c.author,
            messages.c.client_msg_id,
            messages.c.article_id,
        )
        .where(messages.c.conversation_id == conversation_id, messages.c.seq > after_seq)
        .order_by(messages.c.seq)
    )
    if not include_notes:
        query = query.where(messages.c.sender != Sender.NOTE.value)
    if limit is not None:
        query = query.limit(limit)
    return [_message(row, conversation_id) for row in session.execute(query)]


def conversation_detail(session: Session, conversation_id: str) -> ConversationDetail:
    """Everything an agent needs on assignment: the whole transcript (notes included) and
    the handoff context."""
    conversation = _require(session, conversation_id)
    contact = conversation.contact
    return ConversationDetail(
        conversation_id=conversation.id,
        status=ConversationStatus(conversation.status),
        channel=Channel(conversation.channel),
        contact=ContactInfo(id=contact.id, name=contact.name, profile=dict(contact.profile)),
        transcript=messages_after(session, conversation_id, 0),
        started_at=conversation.created_at,
        handoff=_handoff(conversation.handoff),
        assignee_id=conversation.assignee_id,
    )


def _handoff(value: Mapping[str, Any] | None) -> HandoffContext | None:
    if not value:
        return None
    try:
        return msgspec.convert(value, HandoffContext)
    except msgspec.ValidationError:
        return None


def _team_name(session: Session, team_id: str | None) -> str | None:
    if team_id is None:
        return None
    return session.scalar(select(Team.name).where(Team.id == team_id))


def queue_item(session: Session, conversation: Conversation) -> QueueItem:
    last = session.execute(
        select(messages.c.text)
        .where(
            messages.c.conversation_id == conversation.id,
            messages.c.sender == Sender.CONTACT.value,
        )
        .order_by(messages.c.seq.desc())
        .limit(1)
    ).scalar()
    assignee_name = None
    if conversation.assignee_id is not None:
        agent = session.get(Agent, conversation.assignee_id)
        assignee_name = agent.display_name if agent else None
    return QueueItem(
        conversation_id=conversation.id,
        contact_name=conversation.contact.name,
        channel=Channel(conversation.channel),
        status=ConversationStatus(conversation.status),
        priority=conversation.priority,
        waiting_since=conversation.queued_at,
        handoff=_handoff(conversation.handoff),
        last_text=(last or "")[:200],
        skill=_team_name(session, conversation.team_id),
        assignee_id=conversation.assignee_id,
        assignee_name=assignee_name,
    )


def queued_items(session: Session) -> list[QueueItem]:
    """Every waiting conversation, oldest first: how a starting server rebuilds its queue."""
    rows = session.scalars(
        select(Conversation).where(Conversation.status == QUEUED).order_by(Conversation.queued_at)
    )
    return [queue_item(session, row) for row in rows]


def assigned_conversations(session: Session) -> list[tuple[str, str]]:
    """``(conversation_id, agent_id)`` of every conversation an agent holds."""
    rows = session.execute(
        select(conversations.c.id, conversations.c.assignee_id).where(
            conversations.c.status == ASSIGNED
        )
    )
    return [(row.id, row.assignee_id) for row in rows]


def conversations_of(session: Session, agent_id: str) -> list[str]:
    return list(
        session.scalars(
            select(Conversation.id)
            .where(Conversation.assignee_id == agent_id, Conversation.status == ASSIGNED)
            .order_by(Conversation.assigned_at)
        )
    )


# -- state changes ----------------------------------------------------------------------------


def hand_off(
    session: Session,
    conversation_id: str,
    context: HandoffContext,
    now: datetime,
    *,
    text: str = "",
    team: str | None = None,
    priority: int = 0,
    bot_state: Mapping[str, Any] | None = None,
) -> tuple[QueueItem, Message | None]:
    """Bot -> queue. Stores the handoff context and, if given, the bot's parting ``text``.

    Only a conversation the bot holds can be handed off (ConflictError otherwise).
    """
    said: Message | None = None
    if text:
        said = append_message(
            session,
            conversation_id,
            sender=Sender.BOT,
            text=text,
            now=now,
            author="bot",
            only_status=BOT,
            bot_state=bot_state,
        ).message
    conversation = _require(session, conversation_id)
    if conversation.status != BOT:
        raise ConflictError(f"the conversation is {conversation.status}, not with the bot")

    team_id = None
    if team:
        team_id = session.scalar(select(Team.id).where(Team.name == team))
    conversation.status = QUEUED
    conversation.queued_at = now
    conversation.first_reply_at = None
    conversation.handoff = msgspec.to_builtins(context)
    conversation.team_id = team_id
    conversation.priority = priority
    if bot_state is not None:
        conversation.bot_state = dict(bot_state)
    session.flush()
    record_event(
        session,
        Event.CONVERSATION_HANDED_OFF,
        now,
        conversation_id=conversation_id,
        data={"reason": str(context.reason), "team": team_id and team},
    )
    return queue_item(session, conversation), said


def assign(
    session: Session,
    conversation_id: str,
    agent_id: str,
    how: str,
    now: datetime,
    *,
    from_status: Sequence[str] = (QUEUED,),
    owner: str | None = None,
) -> tuple[ConversationDetail, str | None]:
    """Give a conversation to an agent; returns its detail and the previous assignee.

    Ends the previous assignment (a transfer). ``owner``: the acting agent must hold it.
    """
    conversation = _require(session, conversation_id)
    if conversation.status not in from_status:
        code = ErrorCode.CONVERSATION_CLOSED if conversation.status == CLOSED else None
        raise ConflictError(f"the conversation is {conversation.status}", code=code)
    _check_owner(conversation, owner)
    if conversation.assignee_id == agent_id and conversation.status == ASSIGNED:
        raise ConflictError("the agent holds this conversation already")
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise NotFoundError(f"no agent {agent_id}")
    previous = conversation.assignee_id
    if previous is not None:
        _end_assignment(session, conversation_id, previous, "transferred", now)
    result = session.execute(
        update(conversations)
        .where(
            conversations.c.id == conversation_id,
            conversations.c.status == conversation.status,
        )
        .values(status=ASSIGNED, assignee_id=agent_id, assigned_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError("the conversation changed meanwhile")
    session.add(
        Assignment(
            id=new_id(),
            conversation_id=conversation_id,
            agent_id=agent_id,
            reason=how,
            created_at=now,
        )
    )
    waited = (now - conversation.queued_at).total_seconds() if conversation.queued_at else None
    record_event(
        session,
        Event.ASSIGNMENT_CREATED,
        now,
        conversation_id=conversation_id,
        agent_id=agent_id,
        value=waited if how != "transfer" else None,
        data={"how": how, "from_agent": previous},
    )
    if previous is not None:
        record_event(
            session,
            Event.CONVERSATION_TRANSFERRED,
            now,
            conversation_id=conversation_id,
            agent_id=previous,
            data={"to_agent": agent_id},
        )
    session.expire(conversation)
    return conversation_detail(session, conversation_id), previous


def _end_assignment(
    session: Session, conversation_id: str, agent_id: str, reason: str, now: datetime
) -> float | None:
    """Close the open assignment row; returns its duration in seconds (the handle time)."""
    row = session.scalar(
        select(Assignment)
        .where(
            Assignment.conversation_id == conversation_id,
            Assignment.agent_id == agent_id,
            Assignment.ended_at.is_(None),
        )
        .order_by(Assignment.created_at.desc())
        .limit(1)
    )
    seconds = None
    if row is not None:
        row.ended_at = now
        row.end_reason = reason
        seconds = (now - row.created_at).total_seconds()
    record_event(
        session,
        Event.ASSIGNMENT_ENDED,
        now,
        conversation_id=conversation_id,
        agent_id=agent_id,
        value=seconds,
        data={"reason": reason},
    )
    return seconds


@dataclass(frozen=True, slots=True)
class Released:
    """A conversation left an agent (closed, back to the queue or the bot)."""

    conversation_id: str
    previous_status: str
    previous_assignee: str | None
    handle_seconds: float | None
    item: QueueItem | None = None


def _check_owner(conversation: Conversation, agent_id: str | None) -> None:
    if agent_id is not None and conversation.assignee_id != agent_id:
        raise NotAllowedError("this conversation is not yours")


def close_conversation(
    session: Session,
    conversation_id: str,
    now: datetime,
    *,
    by: str,
    owner: str | None = None,
    agent_id: str | None = None,
) -> Released:
    """Close (``by`` = "agent" or "contact"). ``owner``: the acting agent must hold it."""
    conversation = _require(session, conversation_id)
    if conversation.status == CLOSED:
        raise ConflictError("the conversation is closed", code=ErrorCode.CONVERSATION_CLOSED)
    _check_owner(conversation, owner)
    previous_status, previous_assignee = conversation.status, conversation.assignee_id
    seconds = None
    if previous_status == ASSIGNED and previous_assignee is not None:
        reason = "closed" if by == "agent" else "ended_by_contact"
        seconds = _end_assignment(session, conversation_id, previous_assignee, reason, now)
    conversation.status = CLOSED
    conversation.closed_at = now
    record_event(
        session,
        Event.CONVERSATION_CLOSED,
        now,
        conversation_id=conversation_id,
        agent_id=agent_id,
        data={
            "by": by,
            "from_status": previous_status,
            "handed_off": conversation.handoff is not None,
        },
    )
    return Released(conversation_id, previous_status, previous_assignee, seconds)


def return_to_bot(
    session: Session, conversation_id: str, now: datetime, *, owner: str | None, agent_id: str
) -> Released:
    conversation = _require(session, conversation_id)
    if conversation.status == CLOSED:
        raise ConflictError("the conversation is closed", code=ErrorCode.CONVERSATION_CLOSED)
    if conversation.status == BOT:
        raise ConflictError("the bot holds this conversation already")
    _check_owner(conversation, owner)
    previous_status, previous_assignee = conversation.status, conversation.assignee_id
    seconds = None
    if previous_assignee is not None:
        seconds = _end_assignment(
            session, conversation_id, previous_assignee, "returned_to_bot", now
        )
    conversation.status = BOT
    conversation.assignee_id = None
    conversation.bot_state = {}
    record_event(
        session,
        Event.CONVERSATION_RETURNED_TO_BOT,
        now,
        conversation_id=conversation_id,
        agent_id=agent_id,
    )
    return Released(conversation_id, previous_status, previous_assignee, seconds)


def requeue(
    session: Session,
    conversation_id: str,
    now: datetime,
    *,
    reason: str,
    owner: str | None = None,
    agent_id: str | None = None,
    team: str | None = None,
    note: str = "",
    expect_assignee: str | None = None,
) -> Released:
    """An assigned conversation goes back to the queue.

    ``reason``: ``"transferred"`` (to a team), ``"grace_expired"`` (the agent stayed away
    too long) or ``"logged_out"``. ``queued_at`` is reset so the wait KPI measures this wait;
    the server puts those that were already being served at the front of the queue instead.
    """
    conversation = _require(session, conversation_id)
    if conversation.status != ASSIGNED:
        code = ErrorCode.CONVERSATION_CLOSED if conversation.status == CLOSED else None
        raise ConflictError(f"the conversation is {conversation.status}", code=code)
    _check_owner(conversation, owner)
    if expect_assignee is not None and conversation.assignee_id != expect_assignee:
        raise ConflictError("the conversation moved to another agent")
    previous_assignee = conversation.assignee_id
    seconds = None
    if previous_assignee is not None:
        seconds = _end_assignment(session, conversation_id, previous_assignee, reason, now)
    team_id = conversation.team_id
    if team is not None:
        team_id = session.scalar(select(Team.id).where(Team.name == team))
        if team_id is None:
            raise NotFoundError(f"no team {team!r}")
    conversation.status = QUEUED
    conversation.assignee_id = None
    conversation.queued_at = now
    conversation.first_reply_at = None
    conversation.team_id = team_id
    handoff = dict(conversation.handoff or {"reason": "transfer"})
    if reason == "transferred":
        handoff["reason"] = "transfer"
    elif reason in {"grace_expired", "logged_out"}:
        handoff["reason"] = "agent_left"
    if note:
        handoff["note"] = note[:200]
    conversation.handoff = handoff
    session.flush()
    if reason == "transferred":
        record_event(
            session,
            Event.CONVERSATION_TRANSFERRED,
            now,
            conversation_id=conversation_id,
            agent_id=previous_assignee,
            data={"to_team": team},
        )
    record_event(
        session,
        Event.CONVERSATION_HANDED_OFF,
        now,
        conversation_id=conversation_id,
        agent_id=agent_id,
        data={"reason": handoff["reason"], "team": team},
    )
    return Released(
        conversation_id, ASSIGNED, previous_assignee, seconds, queue_item(session, conversation)
    )


def rate(session: Session, conversation_id: str, score: int, comment: str, now: datetime) -> None:
    """CSAT 1-5; a second rating replaces the first (and is recorded as a new event)."""
    conversation = _require(session, conversation_id)
    conversation.csat_score = score
    conversation.csat_comment = comment or None
    record_event(
        session,
        Event.CONVERSATION_RATED,
        now,
        conversation_id=conversation_id,
        agent_id=conversation.assignee_id,
        value=float(score),
        data={"had_agent": conversation.handoff is not None},
    )


def create_ticket(
    session: Session,
    *,
    text: str,
    now: datetime,
    conversation_id: str | None = None,
    name: str = "",
    contact: str = "",
) -> str:
    ticket = Ticket(
        id=new_id(),
        conversation_id=conversation_id,
        name=name,
        contact=contact,
        text=text,
        created_at=now,
    )
    session.add(ticket)
    record_event(
        session, Event.TICKET_CREATED, now, conversation_id=conversation_id, data={"id": ticket.id}
    )
    return ticket.id
