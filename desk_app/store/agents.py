"""Agents, teams and their logins: repository functions over a :class:`Session`.

Passwords are argon2id hashes (argon2-cffi defaults: memory-hard, so a stolen database is
slow to crack). Verifying costs tens of milliseconds of CPU on purpose: the server runs it
off the event loop.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from desk_app.protocol.errors import AuthError, ConflictError, ErrorCode, NotFoundError
from desk_app.protocol.messages import AgentInfo, AgentStatus, Role
from desk_app.store.models import Agent, AuthToken, Conversation, Team, utcnow
from desk_app.store.tokens import hash_token, new_token

_hasher = PasswordHasher()

ADMIN_USERNAME = "admin"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(agent: Agent, password: str) -> bool:
    """True when ``password`` matches; never raises for a wrong or malformed hash."""
    try:
        return _hasher.verify(agent.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def create_agent(
    session: Session,
    username: str,
    password: str,
    *,
    role: str = "agent",
    display_name: str = "",
    capacity: int = 5,
    teams: Iterable[str] = (),
) -> Agent:
    """Add a staff account. Teams are created on first use (a team is also a skill)."""
    Role(role)  # ValueError for an unknown role
    if not username or len(username) > 64:
        raise ValueError("username must be 1-64 characters")
    if capacity < 0 or capacity > 100:
        raise ValueError("capacity must be 0-100")
    if session.scalar(select(Agent.id).where(Agent.username == username)) is not None:
        raise ConflictError(f"agent {username!r} exists")
    agent = Agent(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        capacity=capacity,
        status=AgentStatus.OFFLINE,
        created_at=utcnow(),
    )
    agent.teams = [team_named(session, name) for name in dict.fromkeys(teams)]
    session.add(agent)
    session.flush()
    return agent


def team_named(session: Session, name: str) -> Team:
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name)
        session.add(team)
        session.flush()
    return team


def agent_by_username(session: Session, username: str) -> Agent | None:
    return session.scalar(
        select(Agent).where(Agent.username == username).options(selectinload(Agent.teams))
    )


def agent_by_id(session: Session, agent_id: str) -> Agent | None:
    return session.scalar(
        select(Agent).where(Agent.id == agent_id).options(selectinload(Agent.teams))
    )


def set_password(session: Session, username: str, password: str) -> None:
    """Replace the password and revoke every open login of that agent."""
    agent = agent_by_username(session, username)
    if agent is None:
        raise NotFoundError(f"no agent {username!r}")
    agent.password_hash = hash_password(password)
    now = utcnow()
    for token in session.scalars(
        select(AuthToken).where(AuthToken.agent_id == agent.id, AuthToken.revoked_at.is_(None))
    ):
        token.revoked_at = now


def update_agent(
    session: Session,
    username: str,
    *,
    role: str | None = None,
    display_name: str | None = None,
    capacity: int | None = None,
    teams: Iterable[str] | None = None,
    disabled: bool | None = None,
) -> Agent:
    agent = agent_by_username(session, username)
    if agent is None:
        raise NotFoundError(f"no agent {username!r}")
    if role is not None:
        agent.role = Role(role).value
    if display_name is not None:
        agent.display_name = display_name
    if capacity is not None:
        if capacity < 0 or capacity > 100:
            raise ValueError("capacity must be 0-100")
        agent.capacity = capacity
    if teams is not None:
        agent.teams = [team_named(session, name) for name in dict.fromkeys(teams)]
    if disabled is not None:
        agent.disabled = disabled
    return agent


def list_agents(session: Session) -> list[Agent]:
    return list(
        session.scalars(select(Agent).order_by(Agent.username).options(selectinload(Agent.teams)))
    )


def ensure_first_admin(session: Session, password: str | None = None) -> str | None:
    """On a store with no agents, create ``admin`` and return its password.

    ``password`` (from ``DESK_ADMIN_PASSWORD``) is used if given, else a random one is made.
    Returns None when agents exist already: the password is shown exactly once.
    """
    if session.scalar(select(func.count()).select_from(Agent)):
        return None
    password = password or secrets.token_urlsafe(12)
    create_agent(session, ADMIN_USERNAME, password, role=Role.ADMIN, display_name="管理员")
    return password


def open_conversation_count(session: Session, agent_id: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Conversation)
            .where(Conversation.assignee_id == agent_id, Conversation.status == "assigned")
        )
        or 0
    )


def agent_info(agent: Agent, *, status: str | None = None, open_count: int = 0) -> AgentInfo:
    team_names = sorted(team.name for team in agent.teams)
    return AgentInfo(
        id=agent.id,
        username=agent.username,
        display_name=agent.display_name or agent.username,
        role=Role(agent.role),
        status=AgentStatus(status or agent.status),
        capacity=agent.capacity,
        open_conversations=open_count,
        skills=team_names,
        teams=team_names,
    )


# -- logins -----------------------------------------------------------------------------------


def issue_token(session: Session, agent_id: str, ttl_seconds: float) -> tuple[str, datetime]:
    """A new login token for the agent; only its hash is stored."""
    token = new_token()
    now = utcnow()
    expires_at = now + timedelta(seconds=ttl_seconds)
    session.add(
        AuthToken(
            token_hash=hash_token(token), agent_id=agent_id, created_at=now, expires_at=expires_at
        )
    )
    return token, expires_at


def agent_for_token(session: Session, token: str, now: datetime) -> Agent:
    """The agent a login token belongs to. Raises AuthError token_invalid / token_expired."""
    return login_for_token(session, token, now)[0]


def login_for_token(session: Session, token: str, now: datetime) -> tuple[Agent, datetime]:
    """The agent and the token's expiry. Raises AuthError token_invalid / token_expired."""
    row = session.get(AuthToken, hash_token(token))
    if row is None or row.revoked_at is not None:
        raise AuthError("unknown or revoked token", code=ErrorCode.TOKEN_INVALID)
    if row.expires_at <= now:
        raise AuthError("token expired; log in again", code=ErrorCode.TOKEN_EXPIRED)
    agent = agent_by_id(session, row.agent_id)
    if agent is None or agent.disabled:
        raise AuthError("account disabled", code=ErrorCode.TOKEN_INVALID)
    return agent, row.expires_at


def revoke_token(session: Session, token: str) -> None:
    row = session.get(AuthToken, hash_token(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
