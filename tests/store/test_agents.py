"""Agents, passwords (argon2) and login tokens (only their hash stored)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from desk_app.protocol.errors import AuthError, ConflictError, ErrorCode
from desk_app.store import agents
from desk_app.store.database import Store
from desk_app.store.models import Agent, AuthToken, utcnow
from desk_app.store.tokens import hash_token


def test_passwords_are_argon2_hashes_and_verify(store: Store) -> None:
    agent = store.write_sync(
        lambda s: agents.create_agent(
            s, "li", "秘密-pass", role="supervisor", teams=["售后", "售后"]
        )
    )
    assert agent.password_hash.startswith("$argon2id$")
    assert agents.verify_password(agent, "秘密-pass")
    assert not agents.verify_password(agent, "wrong")
    info = agents.agent_info(agent)
    assert (info.role, info.teams, info.status) == ("supervisor", ["售后"], "offline")
    with pytest.raises(ConflictError):
        store.write_sync(lambda s: agents.create_agent(s, "li", "x"))
    with pytest.raises(ValueError, match="Role"):
        store.write_sync(lambda s: agents.create_agent(s, "wu", "x", role="root"))


def test_tokens_expire_and_are_stored_hashed(store: Store) -> None:
    agent = store.write_sync(lambda s: agents.create_agent(s, "li", "pw"))
    token, expires_at = store.write_sync(lambda s: agents.issue_token(s, agent.id, 3600))
    assert len(token) >= 43  # 256 bits, URL-safe
    stored = store.read_sync(lambda s: list(s.scalars(select(AuthToken.token_hash))))
    assert stored == [hash_token(token)]
    now = utcnow()
    assert store.read_sync(lambda s: agents.agent_for_token(s, token, now)).id == agent.id
    later = expires_at + timedelta(seconds=1)
    with pytest.raises(AuthError) as info:
        store.read_sync(lambda s: agents.agent_for_token(s, token, later))
    assert info.value.code == ErrorCode.TOKEN_EXPIRED
    with pytest.raises(AuthError) as info:
        store.read_sync(lambda s: agents.agent_for_token(s, "x" * 43, now))
    assert info.value.code == ErrorCode.TOKEN_INVALID


def test_a_new_password_revokes_every_login(store: Store) -> None:
    agent = store.write_sync(lambda s: agents.create_agent(s, "li", "old-pw"))
    token, _ = store.write_sync(lambda s: agents.issue_token(s, agent.id, 3600))
    store.write_sync(lambda s: agents.set_password(s, "li", "new-pw"))
    with pytest.raises(AuthError):
        store.read_sync(lambda s: agents.agent_for_token(s, token, utcnow()))
    fresh = store.read_sync(lambda s: agents.agent_by_username(s, "li"))
    assert agents.verify_password(fresh, "new-pw")
    assert not agents.verify_password(fresh, "old-pw")


def test_the_first_admin_is_created_once(store: Store) -> None:
    password = store.write_sync(lambda s: agents.ensure_first_admin(s, None))
    assert password
    assert len(password) >= 12
    assert store.write_sync(lambda s: agents.ensure_first_admin(s, "other")) is None
    admins = store.read_sync(lambda s: list(s.scalars(select(Agent).where(Agent.role == "admin"))))
    assert [a.username for a in admins] == ["admin"]
    assert agents.verify_password(admins[0], password)
