"""Agents coming and going: login, tokens, status, and the grace period after a disconnect.

An agent whose last connection drops keeps their conversations for ``grace_period_s`` (a
flaky network, a desk restart): routing gives them nothing new meanwhile. If they come back
in time they carry on; if not, their conversations go back to the *front* of the queue. A
server that restarts treats every agent holding conversations as just disconnected.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import defaultdict
from datetime import datetime

from sqlalchemy.orm import Session

from desk_app.protocol.errors import AuthError, ConflictError, ErrorCode
from desk_app.protocol.events import Event
from desk_app.protocol.messages import (
    AgentStatus,
    AuthOk,
    ConversationAssigned,
    LoggedOut,
    Login,
    QueueSnapshot,
    Role,
    TokenLogin,
)
from desk_app.server.connection import Connection
from desk_app.server.conversations import ConversationService
from desk_app.server.hub import Hub
from desk_app.server.presence import Presence, Principal, Roster
from desk_app.server.routing import Router
from desk_app.store import agents as agent_repo, conversations as repo
from desk_app.store.database import Store
from desk_app.store.models import Agent, utcnow

log = logging.getLogger("desk_app.server.staff")


@functools.cache
def _dummy() -> Agent:
    """Verified against when the username is unknown, so a wrong name costs as long as a
    wrong password and response times do not reveal which usernames exist."""
    return Agent(username="", password_hash=agent_repo.hash_password("not-a-password"))


class StaffService:
    def __init__(
        self,
        store: Store,
        hub: Hub,
        router: Router,
        roster: Roster,
        conversations: ConversationService,
        *,
        token_ttl_s: float,
        grace_period_s: float,
    ) -> None:
        self.store = store
        self.hub = hub
        self.router = router
        self.roster = roster
        self.conversations = conversations
        self.token_ttl_s = token_ttl_s
        self.grace_period_s = grace_period_s
        self.stopping = False

    async def restore(self) -> None:
        """At start-up: agents holding conversations are treated as just disconnected."""
        held: dict[str, list[str]] = defaultdict(list)
        for cid, agent_id in await self.store.read(repo.assigned_conversations):
            held[agent_id].append(cid)
        if not held:
            return
        agents = await self.store.read(
            lambda s: [agent_repo.agent_by_id(s, agent_id) for agent_id in held]
        )
        for agent in agents:
            if agent is None:
                continue
            presence = _presence(agent)
            presence.connected = False
            presence.holding = set(held[agent.id])
            self.roster.presences[agent.id] = presence
            self.router.set_agent(presence.load(), utcnow())
            self._start_grace(presence)
        log.info("staff.restored", extra={"agents": len(held)})

    def stop(self) -> None:
        self.stopping = True
        for presence in self.roster.presences.values():
            if presence.grace is not None:
                presence.grace.cancel()
                presence.grace = None

    # -- login --------------------------------------------------------------------------------

    async def login(self, conn: Connection, frame: Login) -> None:
        if conn.principal is not None:
            raise ConflictError("already logged in on this connection; log out first")
        agent = await self.store.read(lambda s: agent_repo.agent_by_username(s, frame.username))
        loop = asyncio.get_running_loop()
        ok = await loop.run_in_executor(
            None, agent_repo.verify_password, agent or _dummy(), frame.password
        )
        if agent is None or not ok or agent.disabled:
            log.info("agent.login_failed", extra={"connection": conn.id})
            raise AuthError("wrong username or password", code=ErrorCode.BAD_CREDENTIALS)
        now = utcnow()
        agent_id = agent.id

        def issue(session: Session) -> tuple[str, datetime]:
            token = agent_repo.issue_token(session, agent_id, self.token_ttl_s)
            repo.record_event(session, Event.AGENT_LOGGED_IN, now, agent_id=agent_id)
            return token

        token, expires_at = await self.store.write(issue)
        await self._attach(conn, agent, token, expires_at)

    async def token_login(self, conn: Connection, frame: TokenLogin) -> None:
        if conn.principal is not None:
            raise ConflictError("already logged in on this connection; log out first")
        now = utcnow()
        agent, expires_at = await self.store.read(
            lambda s: agent_repo.login_for_token(s, frame.token, now)
        )
        await self._attach(conn, agent, frame.token, expires_at)

    async def _attach(
        self, conn: Connection, agent: Agent, token: str, expires_at: datetime
    ) -> None:
        principal = Principal(
            agent_id=agent.id,
            username=agent.username,
            display_name=agent.display_name or agent.username,
            role=Role(agent.role),
            token=token,
            expires_at=expires_at,
        )
        fresh = _presence(agent)
        presence = self.roster.get(agent.id)
        arriving = presence is None
        if presence is None:
            presence = self.roster.presences[agent.id] = fresh
        else:  # keep status and what they hold; take role, capacity and teams from the store
            presence.role, presence.capacity = fresh.role, fresh.capacity
            presence.teams, presence.display_name = fresh.teams, fresh.display_name
        if presence.grace is not None:
            presence.grace.cancel()
            presence.grace = None
        held = await self.store.read(lambda s: repo.conversations_of(s, agent.id))
        conn.principal = principal
        presence.connected = True
        presence.holding = set(held)
        for cid in held:
            self.conversations.assignees[cid] = agent.id
        self.hub.add_agent(agent.id, conn)
        self.hub.agent_connections.add(conn)
        conn.send(AuthOk(token=token, expires_at=expires_at, agent=presence.info()))
        conn.send(QueueSnapshot(items=self.router.snapshot()))
        conn.send(self.roster.snapshot())
        for cid in held:
            conn.hold(cid)
        try:
            details = await self.store.read(
                lambda s: [repo.conversation_detail(s, cid) for cid in held]
            )
            for detail in details:
                conn.send(ConversationAssigned(conversation=detail, how="resumed"))
                conn.release(
                    detail.conversation_id, max((m.seq for m in detail.transcript), default=0)
                )
        finally:
            for cid in held:
                conn.release(cid, 0)
        log.info(
            "agent.logged_in",
            extra={"agent_id": agent.id, "connection": conn.id, "holding": len(held)},
        )
        if arriving:  # supervisors' views and KPIs read the status from the store
            previous = AgentStatus(agent.status) if agent.status in set(AgentStatus) else None
            await self._save_status(agent.id, presence.status, previous)
        await self._route(presence)

    async def _route(self, presence: Presence) -> None:
        assigns = self.router.set_agent(presence.load(), utcnow())
        self.roster.tell(presence.agent_id)
        await self.conversations.carry_out(assigns, "auto")

    # -- status -------------------------------------------------------------------------------

    async def set_status(self, principal: Principal, status: AgentStatus) -> None:
        presence = self.roster.get(principal.agent_id)
        assert presence is not None
        previous = presence.status
        presence.status = status
        await self._save_status(principal.agent_id, status, previous)
        await self._route(presence)

    async def _save_status(
        self, agent_id: str, status: AgentStatus, previous: AgentStatus | None
    ) -> None:
        now = utcnow()

        def save(session: Session) -> None:
            agent = session.get(Agent, agent_id)
            if agent is not None:
                agent.status = str(status)
            repo.record_event(
                session,
                Event.AGENT_STATUS_CHANGED,
                now,
                agent_id=agent_id,
                data={"status": str(status), "from": str(previous) if previous else None},
            )

        await self.store.write(save)

    # -- leaving ------------------------------------------------------------------------------

    async def logout(self, conn: Connection, principal: Principal) -> None:
        now = utcnow()

        def revoke(session: Session) -> None:
            agent_repo.revoke_token(session, principal.token)
            repo.record_event(session, Event.AGENT_LOGGED_OUT, now, agent_id=principal.agent_id)

        await self.store.write(revoke)
        conn.principal = None
        self.hub.agent_connections.discard(conn)
        conn.send(LoggedOut())
        if self.hub.remove_agent(principal.agent_id, conn):
            await self._gone(principal.agent_id, "logged_out")

    async def expired(self, conn: Connection, principal: Principal) -> None:
        """The login token ran out mid-connection: treat it like a disconnect."""
        conn.principal = None
        await self._detached(conn, principal)

    async def disconnected(self, conn: Connection) -> None:
        principal = conn.principal
        if principal is None:
            return
        conn.principal = None
        await self._detached(conn, principal)

    async def _detached(self, conn: Connection, principal: Principal) -> None:
        self.hub.agent_connections.discard(conn)
        if not self.hub.remove_agent(principal.agent_id, conn):
            return  # another desk of the same agent is still connected
        presence = self.roster.get(principal.agent_id)
        if presence is None or self.stopping:
            return
        presence.connected = False
        self.router.set_agent(presence.load(), utcnow())  # nothing new while away
        self.roster.announce(presence.info())  # offline, still holding: not a target
        self._start_grace(presence)
        log.info("agent.disconnected", extra={"agent_id": principal.agent_id})

    def _start_grace(self, presence: Presence) -> None:
        if presence.grace is not None:
            presence.grace.cancel()
        loop = asyncio.get_running_loop()
        agent_id = presence.agent_id
        presence.grace = loop.call_later(
            self.grace_period_s,
            lambda: self.conversations.spawn(self._grace_over(agent_id), "grace.expired"),
        )

    async def _grace_over(self, agent_id: str) -> None:
        presence = self.roster.get(agent_id)
        if presence is None or presence.connected or self.stopping:
            return
        presence.grace = None
        log.info("agent.grace_expired", extra={"agent_id": agent_id})
        await self._gone(agent_id, "grace_expired")

    async def _gone(self, agent_id: str, reason: str) -> None:
        presence = self.roster.get(agent_id)
        if presence is None:
            return
        if presence.grace is not None:
            presence.grace.cancel()
            presence.grace = None
        presence.connected = False
        self.router.drop_agent(agent_id)
        held = await self.store.read(lambda s: repo.conversations_of(s, agent_id))
        await self.conversations.requeue_held(agent_id, reason, held)
        if not self.hub.agent_connected(agent_id):
            self.roster.presences.pop(agent_id, None)
            self.roster.announce(presence.info())  # offline, holding nothing: gone
            await self._save_status(agent_id, AgentStatus.OFFLINE, presence.status)


def _presence(agent: Agent) -> Presence:
    return Presence(
        agent_id=agent.id,
        username=agent.username,
        display_name=agent.display_name or agent.username,
        role=Role(agent.role),
        capacity=agent.capacity,
        teams=frozenset(team.name for team in agent.teams),
        status=AgentStatus.ONLINE,
    )
