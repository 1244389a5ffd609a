"""The tables, as SQLAlchemy 2.x typed models.

Public ids (contacts, conversations, agents, tickets, articles...) are random 32-hex UUIDs
from :func:`new_id`, never counters, so an id in a URL or frame reveals nothing and cannot be
guessed. Rows only the server sees (messages, reporting events) use integer keys.

Times are stored in UTC (timezone-aware columns); KPIs are computed from these timestamps and
the ``reporting_events`` table, not from counters kept in memory.

Secrets are stored as SHA-256 hashes (conversation resume tokens, agent session tokens) or
argon2 hashes (passwords): a copy of the database does not let anyone impersonate a contact.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def new_id() -> str:
    """A random public id: 122 random bits as 32 lowercase hex characters."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite has no time zones: SQLAlchemy stores the naive text and reads back naive
    datetimes, which cannot be compared with ``utcnow()`` (token expiry, KPIs). This type
    converts to UTC on the way in and marks values as UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime for a UTC column; use models.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: UTCDateTime(),
    }


IdColumn = String(32)


agent_teams = Table(
    "agent_teams",
    Base.metadata,
    Column("agent_id", IdColumn, ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", IdColumn, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)


class Contact(Base):
    """The person writing in. ``profile`` holds what the channel or a flow learned (strings)."""

    __tablename__ = "contacts"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), default="")
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Team(Base):
    """A group of agents that is also a routing skill: a conversation asking for a team is
    offered only to its members."""

    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    agents: Mapped[list[Agent]] = relationship(secondary=agent_teams, back_populates="teams")


class Agent(Base):
    """Staff: role ``agent``, ``supervisor`` or ``admin``."""

    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="agent")
    status: Mapped[str] = mapped_column(String(16), default="offline")
    capacity: Mapped[int] = mapped_column(Integer, default=5)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    teams: Mapped[list[Team]] = relationship(secondary=agent_teams, back_populates="agents")


class AuthToken(Base):
    """An agent's login. Only the SHA-256 of the token is kept."""

    __tablename__ = "auth_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class Conversation(Base):
    """One contact's thread. ``last_seq`` is the highest message seq allocated so far.

    ``status``: bot, queued, assigned, closed (see protocol ``ConversationStatus``).
    ``handoff`` is the handoff context (reason, intent guesses, slots) as JSON;
    ``bot_state`` the bot's per-conversation memory (flow, slots, failures), so a restarted
    server continues a flow where it was.
    """

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="web")
    locale: Mapped[str] = mapped_column(String(16), default="zh-CN")
    status: Mapped[str] = mapped_column(String(16), default="bot", index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"), default=None)
    assignee_id: Mapped[str | None] = mapped_column(
        ForeignKey("agents.id"), default=None, index=True
    )
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    handoff: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    bot_state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(default=None)
    assigned_at: Mapped[datetime | None] = mapped_column(default=None)
    # first agent reply since the last handoff (None until then): FIRST_REPLY_CREATED once
    first_reply_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    csat_score: Mapped[int | None] = mapped_column(Integer, default=None)
    csat_comment: Mapped[str | None] = mapped_column(Text, default=None)

    contact: Mapped[Contact] = relationship()


class Message(Base):
    """One entry in a conversation. ``(conversation_id, seq)`` is unique and gapless;
    ``(conversation_id, client_msg_id)`` is unique, which is what makes resends harmless."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
        UniqueConstraint("conversation_id", "client_msg_id", name="uq_messages_client_msg"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    sender: Mapped[str] = mapped_column(String(16))  # contact, bot, agent, system, note
    author: Mapped[str] = mapped_column(String(200), default="")
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"), default=None)
    text: Mapped[str] = mapped_column(Text)
    # "<scope>:<client id>" (scope "c" for the contact, the agent id for staff), so ids
    # chosen by different clients of one conversation never collide
    client_msg_id: Mapped[str | None] = mapped_column(String(128), default=None)
    article_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assignment(Base):
    """Conversation <-> agent, with how it began (picked, auto, transfer) and how it ended."""

    __tablename__ = "assignments"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    end_reason: Mapped[str | None] = mapped_column(String(32), default=None)


class Ticket(Base):
    """A message left when no agent was online, for someone to answer later."""

    __tablename__ = "tickets"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id"), default=None
    )
    name: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportingEvent(Base):
    """A stored, timed fact (``desk_app.protocol.events.Event``) that ``metrics`` reads, and
    the audit trail: who did what to which conversation, when."""

    __tablename__ = "reporting_events"
    __table_args__ = (Index("ix_reporting_events_name_time", "name", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    agent_id: Mapped[str | None] = mapped_column(String(32), default=None)
    value: Mapped[float | None] = mapped_column(default=None)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Article(Base):
    """A knowledge article. ``questions`` are the alternative phrasings the bot matches.

    Edits bump ``version`` and copy the previous state into ``article_versions``.
    """

    __tablename__ = "articles"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    questions: Mapped[list[Any]] = mapped_column(default=list)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    author: Mapped[str] = mapped_column(String(64), default="")
    reviewer: Mapped[str | None] = mapped_column(String(64), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    review_by: Mapped[datetime | None] = mapped_column(default=None)
    source_conversation_id: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArticleVersion(Base):
    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    questions: Mapped[list[Any]] = mapped_column(default=list)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16))
    editor: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UnansweredQuestion(Base):
    """A contact question the bot could not answer, for the knowledge-gap report."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str | None] = mapped_column(String(32), default=None)
    text: Mapped[str] = mapped_column(Text)
    best_guess: Mapped[str | None] = mapped_column(String(64), default=None)
    score: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class CannedResponse(Base):
    """A reply agents insert with ``/shortcut`` in the composer."""

    __tablename__ = "canned_responses"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    shortcut: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
