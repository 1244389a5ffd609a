"""Who is logged in, what they may do, and what they hold right now (in this process).

A :class:`Principal` is an authenticated agent connection: the role decides what it may
touch. A :class:`Presence` is the agent across connections: status, capacity, teams, the
conversations they hold and the grace timer that runs while they are disconnected. The
:class:`Roster` holds the presences and tells each agent about their own state.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from desk_app.protocol.errors import AuthError, ErrorCode
from desk_app.protocol.messages import (
    AgentInfo,
    AgentsSnapshot,
    AgentState,
    AgentStatus,
    AgentsUpdated,
    Role,
)
from desk_app.routing.queue import AgentLoad
from desk_app.server.hub import Hub


@dataclass(frozen=True, slots=True)
class Principal:
    agent_id: str
    username: str
    display_name: str
    role: Role
    token: str
    expires_at: datetime

    @property
    def oversees(self) -> bool:
        """Supervisors and admins may act on any conversation."""
        return self.role in (Role.SUPERVISOR, Role.ADMIN)

    def owner_filter(self) -> str | None:
        """The agent id a conversation must be held by for this principal to touch it, or
        None when the role may touch any conversation."""
        return None if self.oversees else self.agent_id

    def check_token(self, now: datetime) -> None:
        if now >= self.expires_at:
            raise AuthError("your login expired; log in again", code=ErrorCode.TOKEN_EXPIRED)


@dataclass(slots=True)
class Presence:
    agent_id: str
    username: str
    display_name: str
    role: Role
    capacity: int
    teams: frozenset[str]
    status: AgentStatus = AgentStatus.ONLINE
    holding: set[str] = field(default_factory=set)
    connected: bool = False
    grace: asyncio.TimerHandle | None = None

    def load(self) -> AgentLoad:
        return AgentLoad(
            agent_id=self.agent_id,
            online=self.connected and self.status is AgentStatus.ONLINE,
            capacity=self.capacity,
            open_count=len(self.holding),
            teams=self.teams,
        )

    def info(self) -> AgentInfo:
        teams = sorted(self.teams)
        return AgentInfo(
            id=self.agent_id,
            username=self.username,
            display_name=self.display_name,
            role=self.role,
            status=self.status if self.connected else AgentStatus.OFFLINE,
            capacity=self.capacity,
            open_conversations=len(self.holding),
            skills=teams,
            teams=teams,
        )


class Roster:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.presences: dict[str, Presence] = {}

    def get(self, agent_id: str) -> Presence | None:
        return self.presences.get(agent_id)

    def display_name(self, agent_id: str) -> str:
        presence = self.presences.get(agent_id)
        return presence.display_name if presence else ""

    def opened(self, agent_id: str, conversation_id: str) -> None:
        presence = self.presences.get(agent_id)
        if presence is not None:
            presence.holding.add(conversation_id)
            self.tell(agent_id)

    def released(self, agent_id: str, conversation_id: str) -> None:
        presence = self.presences.get(agent_id)
        if presence is not None:
            presence.holding.discard(conversation_id)
            self.tell(agent_id)

    def tell(self, agent_id: str) -> None:
        """Send the agent their own status and load (``agent.state``), and tell every
        logged-in agent (``agents.updated``) so transfer dialogs stay current."""
        presence = self.presences.get(agent_id)
        if presence is not None:
            info = presence.info()
            self.hub.to_agent(agent_id, AgentState(agent=info))
            self.announce(info)

    def announce(self, info: AgentInfo) -> None:
        """``agents.updated`` to every logged-in agent (also for one who just left)."""
        self.hub.to_agents(AgentsUpdated(agent=info))

    def snapshot(self) -> AgentsSnapshot:
        """Everyone in the roster, by display name: what a desk needs right after login."""
        infos = [p.info() for p in self.presences.values()]
        infos.sort(key=lambda info: (info.display_name, info.id))
        return AgentsSnapshot(agents=infos)
