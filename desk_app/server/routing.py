"""The server's side of routing: feeds :class:`WaitingQueue` facts and keeps what it shows.

:class:`WaitingQueue` decides; this keeps the pieces the decisions need around them in one
process: the :class:`QueueItem` each waiting conversation is shown as, the load the server
counts for each agent (so every change is reported to the queue the same way), and the last
queue position told to each waiting contact (so a contact is told only when it changes).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from desk_app.protocol.messages import QueueItem, QueuePosition
from desk_app.routing.queue import AgentLoad, Assign, WaitingQueue


class Router:
    def __init__(self, queue: WaitingQueue | None = None) -> None:
        self.queue = queue or WaitingQueue()
        self.items: dict[str, QueueItem] = {}
        self.loads: dict[str, AgentLoad] = {}
        self._told: dict[str, tuple[int, int]] = {}

    # -- conversations ------------------------------------------------------------------------

    def enqueue(self, item: QueueItem, now: datetime, *, front: bool = False) -> list[Assign]:
        """Queue ``item``; returns the assignment when an agent can take it at once."""
        assigns = self.queue.enqueue(
            item.conversation_id,
            now,
            priority=item.priority,
            team=item.skill,
            front=front,
        )
        self._count(assigns)
        if item.conversation_id in self.queue:
            self.items[item.conversation_id] = item
        return assigns

    def remove(self, conversation_id: str) -> QueueItem | None:
        """Take a conversation out of the queue; returns its item if it was waiting."""
        self.queue.remove(conversation_id)
        self._told.pop(conversation_id, None)
        return self.items.pop(conversation_id, None)

    def taken(self, assign: Assign) -> QueueItem | None:
        """The queue gave this conversation to an agent: forget its item."""
        self._told.pop(assign.conversation_id, None)
        return self.items.pop(assign.conversation_id, None)

    def update_item(self, item: QueueItem) -> bool:
        if item.conversation_id not in self.items:
            return False
        self.items[item.conversation_id] = item
        return True

    def snapshot(self) -> list[QueueItem]:
        """Waiting items in serving order."""
        return [
            self.items[w.conversation_id]
            for w in self.queue.waiting()
            if w.conversation_id in self.items
        ]

    def positions(self, now: datetime) -> list[tuple[str, QueuePosition]]:
        """Position frames for the contacts whose position or estimate changed."""
        changed = []
        for cid, place, eta in self.queue.positions(now):  # one pass, not n lookups
            if self._told.get(cid) != (place, eta):
                self._told[cid] = (place, eta)
                changed.append((cid, QueuePosition(position=place, estimated_wait_seconds=eta)))
        return changed

    def position(self, conversation_id: str, now: datetime) -> QueuePosition | None:
        place = self.queue.position(conversation_id)
        if place is None:
            return None
        eta = self.queue.estimated_wait_seconds(conversation_id, now)
        self._told[conversation_id] = (place, eta)
        return QueuePosition(position=place, estimated_wait_seconds=eta)

    # -- agents -------------------------------------------------------------------------------

    def set_agent(self, load: AgentLoad, now: datetime) -> list[Assign]:
        """Record an agent's status, capacity, teams and open count; returns new work."""
        self.loads[load.agent_id] = replace(load)
        assigns = self.queue.update_agent(load, now)
        self._count(assigns)
        return assigns

    def adjust(self, agent_id: str, delta: int, now: datetime) -> list[Assign]:
        """The agent's open count changed by ``delta`` outside the queue's own decisions."""
        load = self.loads.get(agent_id)
        if load is None:
            return []
        load.open_count = max(0, load.open_count + delta)
        return self.set_agent(load, now)

    def drop_agent(self, agent_id: str) -> None:
        self.loads.pop(agent_id, None)
        self.queue.remove_agent(agent_id)

    def any_online(self, team: str | None = None) -> bool:
        """Someone online with capacity who could take a conversation for ``team``."""
        return any(
            load.online and load.capacity > 0 and (team is None or team in load.teams)
            for load in self.loads.values()
        )

    def record_handle_time(self, seconds: float | None) -> None:
        if seconds is not None:
            self.queue.record_handle_time(seconds)

    def _count(self, assigns: list[Assign]) -> None:
        for assign in assigns:
            load = self.loads.get(assign.agent_id)
            if load is not None:
                load.open_count += 1
