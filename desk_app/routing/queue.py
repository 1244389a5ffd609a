"""The waiting queue: which conversation a person takes next, and who takes it.

:class:`WaitingQueue` holds no sockets, rows or clocks. The server feeds it facts (a
conversation was handed off, an agent came online or closed a conversation) together with
``now``, and carries out the :class:`Assign` decisions it returns: save the assignment, tell
the agent, tell the contact. Routing is therefore tested in memory, and a restarted server
rebuilds the queue by replaying the waiting conversations and the agents' loads.

Policy (issue 3, interfaces.md "Routing"):

* Serving order: highest ``priority`` first, then longest waiting. ``front=True`` puts a
  conversation ahead of everything else in its priority band; the server uses it when an
  agent's grace period expires, so a customer who was already being served does not start
  again at the back.
* A conversation goes to the *least-loaded* online agent (``open_count / capacity``) who has
  free capacity and, if the conversation asks for a team, belongs to it. Ties go to the agent
  who has waited longest since their last assignment, so work is spread evenly.
* Away and offline agents (``online=False``) get nothing; their conversations stay theirs
  (the server decides about grace periods).

Invariant kept after every call: no waiting conversation could be given to any online agent
with free capacity. That is what keeps each call cheap: a new conversation only has to look
for an agent, and an agent whose load changed is the only one who can take anything that is
already waiting.

Cost with *n* waiting conversations, *t* teams that have waiting conversations and *a*
agents: ``enqueue`` is a bisect plus a list insert (O(log n) comparisons and one memmove of
at most n pointers: under a microsecond at 5,000) and an O(a) scan for an agent;
``remove`` and ``position`` are O(t log n); an assignment from ``update_agent`` is O(t);
``positions`` (everyone's place and estimate at once) is O(n log t + a t).
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left, insort
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

Moment = float | datetime
"""A point in time: a datetime (aware or naive, but one kind throughout) or seconds."""

DEFAULT_HANDLE_SECONDS = 240.0
"""Assumed handle time before any conversation was handled.

Chat agents in a contact centre typically spend 3-6 minutes per chat while holding several at
once; four minutes gives a customer an honest first estimate ("a few minutes") rather than
"0 seconds", which would be wrong the moment the first agent is busy.
"""

RECENT_HANDLE_TIMES = 50
"""How many recent handle times feed the estimate: enough to smooth one long chat, few enough
to follow the day (short chats in a morning rush, long ones in the evening)."""


def _seconds(moment: Moment) -> float:
    return moment.timestamp() if isinstance(moment, datetime) else float(moment)


@dataclass(frozen=True, slots=True)
class Assign:
    """Decision: give ``conversation_id`` to ``agent_id``. The server stores and announces it."""

    conversation_id: str
    agent_id: str


@dataclass(slots=True)
class AgentLoad:
    """What routing knows about an agent. ``online=False`` covers away and offline."""

    agent_id: str
    online: bool
    capacity: int
    open_count: int
    teams: frozenset[str] = frozenset()

    @property
    def free(self) -> int:
        """Conversations this agent can still take (never negative)."""
        return max(0, self.capacity - self.open_count)

    @property
    def load(self) -> float:
        """Share of capacity in use; an agent with no capacity counts as full."""
        return self.open_count / self.capacity if self.capacity > 0 else math.inf


@dataclass(frozen=True, slots=True)
class Waiting:
    """A conversation in the queue, as :meth:`WaitingQueue.waiting` lists it."""

    conversation_id: str
    since: Moment
    priority: int = 0
    team: str | None = None
    front: bool = False


# Sort key: (-priority, 0 for front else 1, since in seconds, arrival seq, conversation_id,
# team). ``seq`` is unique, so what follows it is never compared; it is there to get from a
# key back to its conversation and team without a second lookup.
_Key = tuple[int, int, float, int, str, str | None]


@dataclass(slots=True)
class _Agent:
    load: AgentLoad
    idle_since: float  # last assignment, or when they came online


@dataclass(slots=True)
class _Entry:
    key: _Key
    waiting: Waiting


@dataclass
class WaitingQueue:
    """Conversations waiting for a person, in serving order, and the agents who may take them.

    Every method that can lead to an assignment returns the :class:`Assign` decisions; the
    queue counts each one against the agent at once (``open_count + 1``) so that several
    decisions in one call spread correctly. Report the real load with :meth:`update_agent`
    whenever it changes (a conversation closed or transferred, capacity edited, status
    changed).
    """

    default_handle_seconds: float = DEFAULT_HANDLE_SECONDS
    _by_team: dict[str | None, list[_Key]] = field(default_factory=dict, init=False)
    _entries: dict[str, _Entry] = field(default_factory=dict, init=False)
    _agents: dict[str, _Agent] = field(default_factory=dict, init=False)
    _seq: Iterator[int] = field(default_factory=itertools.count, init=False)
    _handle_times: deque[float] = field(
        default_factory=lambda: deque(maxlen=RECENT_HANDLE_TIMES), init=False
    )

    # -- conversations -------------------------------------------------------------------

    def enqueue(
        self,
        conversation_id: str,
        now: Moment,
        *,
        priority: int = 0,
        team: str | None = None,
        front: bool = False,
    ) -> list[Assign]:
        """Queue a conversation, or assign it at once when an agent can take it.

        Returns ``[Assign]`` when an agent took it (it is then not in the queue) and ``[]``
        when it waits. Enqueueing a conversation that is already waiting updates its
        priority and team but keeps its place in time (unless ``front``), so a repeated
        handoff never sends a customer to the back.
        """
        at = now_s = _seconds(now)
        since: Moment = now
        old = self._entries.get(conversation_id)
        if old is not None:
            self._discard(old)
            if not front:
                at, since = old.key[2], old.waiting.since
        team = team or None
        agent = self._best_agent_for(team)
        if agent is not None:
            return [self._assign(conversation_id, agent, now_s)]
        key: _Key = (-priority, 0 if front else 1, at, next(self._seq), conversation_id, team)
        insort(self._by_team.setdefault(team, []), key)
        self._entries[conversation_id] = _Entry(
            key, Waiting(conversation_id, since, priority, team, front)
        )
        return []

    def remove(self, conversation_id: str) -> bool:
        """Take a conversation out (picked by hand, closed, back to the bot). False if absent."""
        entry = self._entries.pop(conversation_id, None)
        if entry is None:
            return False
        self._discard(entry)
        return True

    def position(self, conversation_id: str) -> int | None:
        """1-based place in the serving order (1 = next), or None when not waiting.

        Counts every conversation ahead, whatever its team: the contact sees one honest
        number, and it only ever goes down while they wait.
        """
        entry = self._entries.get(conversation_id)
        if entry is None:
            return None
        key = entry.key
        return 1 + sum(bisect_left(keys, key) for keys in self._by_team.values())

    def estimated_wait_seconds(self, conversation_id: str, now: Moment) -> int:
        """Seconds until an agent is likely to take this conversation (0 when not waiting).

        position x mean recent handle time / online slots: each of the ``slots`` places
        (sum of the capacities of online agents who may take it) frees up about once per
        handle time, so the queue moves ``slots / handle`` places per second. Before any
        handle time was recorded, :data:`DEFAULT_HANDLE_SECONDS` stands in. With nobody
        online who could take it the estimate counts one slot, so it is large but finite
        (the server offers a ticket in that case anyway). ``now`` is accepted for callers
        that want the estimate to shrink with time already waited; the rate model ignores it.
        """
        del now  # the rate model only depends on position and capacity
        place = self.position(conversation_id)
        if place is None:
            return 0
        team = self._entries[conversation_id].waiting.team
        return self._estimate(place, self.mean_handle_seconds(), self._slots(team))

    def positions(self, now: Moment) -> list[tuple[str, int, int]]:
        """``(conversation_id, position, estimated_wait_seconds)`` for everyone, next first.

        The same figures as :meth:`position` and :meth:`estimated_wait_seconds`, in one pass
        (a C-level merge of the t sorted runs: O(n log t + a t)) rather than n calls
        (O(n (t log n + a))): about 10x less work at 5,000 waiting, which the server pays
        whenever the queue changes.
        """
        del now
        handle = self.mean_handle_seconds()
        per_place: dict[str | None, float] = {  # seconds each place ahead costs, per team
            team: handle / max(1, self._slots(team)) for team in self._by_team
        }
        ceil = math.ceil
        # sorting the concatenated runs is a C-level merge of t sorted lists
        ordered = sorted(itertools.chain.from_iterable(self._by_team.values()))
        return [
            (key[4], place, ceil(place * per_place[key[5]]))
            for place, key in enumerate(ordered, start=1)
        ]

    def _slots(self, team: str | None) -> int:
        """Capacity of the online agents who may take a conversation for ``team``."""
        return sum(
            a.load.capacity
            for a in self._agents.values()
            if a.load.online and a.load.capacity > 0 and (team is None or team in a.load.teams)
        )

    @staticmethod
    def _estimate(place: int, handle_seconds: float, slots: int) -> int:
        return max(0, math.ceil(place * (handle_seconds / max(1, slots))))

    def record_handle_time(self, seconds: float) -> None:
        """Feed the estimate with one handled conversation's duration (assignment to close).

        Negative, non-finite or absurd values (clock jumps) are ignored rather than allowed
        to poison every customer's estimate.
        """
        if math.isfinite(seconds) and 0 <= seconds <= 24 * 3600:
            self._handle_times.append(float(seconds))

    def mean_handle_seconds(self) -> float:
        """Mean of the recent handle times, or the default before there is any."""
        if not self._handle_times:
            return self.default_handle_seconds
        return sum(self._handle_times) / len(self._handle_times)

    def waiting(self) -> list[Waiting]:
        """Every waiting conversation, in serving order (next first)."""
        entries = self._entries
        ordered = sorted(itertools.chain.from_iterable(self._by_team.values()))
        return [entries[key[4]].waiting for key in ordered]

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, conversation_id: object) -> bool:
        return conversation_id in self._entries

    # -- agents --------------------------------------------------------------------------

    def update_agent(self, agent: AgentLoad, now: Moment) -> list[Assign]:
        """Record an agent's status, capacity, load and teams; give them waiting work.

        Call it when an agent logs in, changes status, finishes or is given a conversation
        outside the queue, or when capacity or teams are edited. Returns the assignments
        this made possible, best-first in serving order.
        """
        at = _seconds(now)
        load = AgentLoad(
            agent.agent_id,
            agent.online,
            max(0, agent.capacity),
            max(0, agent.open_count),
            frozenset(agent.teams),
        )
        known = self._agents.get(agent.agent_id)
        if known is None:
            known = self._agents[agent.agent_id] = _Agent(load, at)
        else:
            if load.online and not known.load.online:
                known.idle_since = max(known.idle_since, at)
            known.load = load
        return self._drain_for(known, at)

    def remove_agent(self, agent_id: str) -> None:
        """Forget an agent (logged out or deleted); they get no further assignments."""
        self._agents.pop(agent_id, None)

    def agent(self, agent_id: str) -> AgentLoad | None:
        """The load routing currently counts for an agent (after its own assignments)."""
        known = self._agents.get(agent_id)
        return None if known is None else replace(known.load)

    # -- internals -----------------------------------------------------------------------

    def _discard(self, entry: _Entry) -> None:
        team = entry.waiting.team
        keys = self._by_team[team]
        del keys[bisect_left(keys, entry.key)]
        if not keys:
            del self._by_team[team]

    def _best_agent_for(self, team: str | None) -> _Agent | None:
        best: _Agent | None = None
        best_rank: tuple[float, float, str] | None = None
        for candidate in self._agents.values():
            load = candidate.load
            if not load.online or load.free <= 0:
                continue
            if team is not None and team not in load.teams:
                continue
            rank = (load.load, candidate.idle_since, load.agent_id)
            if best_rank is None or rank < best_rank:
                best, best_rank = candidate, rank
        return best

    def _drain_for(self, agent: _Agent, at: float) -> list[Assign]:
        decisions: list[Assign] = []
        load = agent.load
        if not load.online:
            return decisions
        teams: list[str | None] = [None, *load.teams]
        while load.free > 0:
            heads = [(keys[0], team) for team in teams if (keys := self._by_team.get(team))]
            if not heads:
                break
            key, team = min(heads)
            keys = self._by_team[team]
            del keys[0]
            if not keys:
                del self._by_team[team]
            del self._entries[key[4]]
            decisions.append(self._assign(key[4], agent, at))
        return decisions

    def _assign(self, conversation_id: str, agent: _Agent, at: float) -> Assign:
        agent.load.open_count += 1
        agent.idle_since = at
        return Assign(conversation_id, agent.load.agent_id)
