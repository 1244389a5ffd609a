"""WaitingQueue: serving order, assignment policy, capacity, teams, position and estimate."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from desk_app.routing.queue import (
    DEFAULT_HANDLE_SECONDS,
    AgentLoad,
    Assign,
    WaitingQueue,
)


def agent(
    agent_id: str,
    *,
    online: bool = True,
    capacity: int = 1,
    open_count: int = 0,
    teams: tuple[str, ...] = (),
) -> AgentLoad:
    return AgentLoad(agent_id, online, capacity, open_count, frozenset(teams))


def order(queue: WaitingQueue) -> list[str]:
    return [w.conversation_id for w in queue.waiting()]


def test_waits_when_nobody_is_online() -> None:
    queue = WaitingQueue()
    assert queue.enqueue("c1", 0.0) == []
    assert "c1" in queue
    assert len(queue) == 1
    assert queue.position("c1") == 1


def test_priority_first_then_longest_waiting() -> None:
    queue = WaitingQueue()
    queue.enqueue("old-normal", 1.0)
    queue.enqueue("new-normal", 2.0)
    queue.enqueue("vip", 3.0, priority=5)
    queue.enqueue("older-vip", 0.5, priority=5)
    queue.enqueue("low", 0.0, priority=-1)
    assert order(queue) == ["older-vip", "vip", "old-normal", "new-normal", "low"]
    assert [queue.position(c) for c in order(queue)] == [1, 2, 3, 4, 5]


def test_same_time_keeps_arrival_order() -> None:
    queue = WaitingQueue()
    for name in ["a", "b", "c"]:
        queue.enqueue(name, 10.0)
    assert order(queue) == ["a", "b", "c"]


def test_front_goes_ahead_of_its_band_but_not_above_higher_priority() -> None:
    queue = WaitingQueue()
    queue.enqueue("vip", 1.0, priority=1)
    queue.enqueue("waiting-long", 2.0)
    queue.enqueue("grace-expired", 100.0, front=True)
    assert order(queue) == ["vip", "grace-expired", "waiting-long"]
    assert queue.waiting()[1].front


def test_assigned_at_once_when_an_agent_has_room() -> None:
    queue = WaitingQueue()
    assert queue.update_agent(agent("a1"), 0.0) == []
    assert queue.enqueue("c1", 1.0) == [Assign("c1", "a1")]
    assert "c1" not in queue
    assert queue.agent("a1").open_count == 1  # counted at once


def test_least_loaded_agent_gets_it() -> None:
    queue = WaitingQueue()
    queue.update_agent(agent("busy", capacity=4, open_count=3), 0.0)  # 75 %
    queue.update_agent(agent("calm", capacity=2, open_count=1), 0.0)  # 50 %
    queue.update_agent(agent("empty-but-full", capacity=0), 0.0)
    assert queue.enqueue("c1", 1.0) == [Assign("c1", "calm")]
    # calm is now 2/2 = full; busy (3/4) is the only one with room.
    assert queue.enqueue("c2", 2.0) == [Assign("c2", "busy")]
    assert queue.enqueue("c3", 3.0) == []


def test_ties_go_to_who_waited_longest_since_last_assignment() -> None:
    queue = WaitingQueue()
    queue.update_agent(agent("a", capacity=3), 0.0)
    queue.update_agent(agent("b", capacity=3), 0.0)
    first = queue.enqueue("c1", 1.0)[0].agent_id
    second = queue.enqueue("c2", 2.0)[0].agent_id
    assert {first, second} == {"a", "b"}
    # Both now hold one; the one assigned first has waited longer.
    assert queue.enqueue("c3", 3.0)[0].agent_id == first


def test_capacity_is_respected() -> None:
    queue = WaitingQueue()
    queue.update_agent(agent("a1", capacity=2), 0.0)
    results = [queue.enqueue(f"c{i}", float(i)) for i in range(5)]
    assert [r for r in results if r] == [[Assign("c0", "a1")], [Assign("c1", "a1")]]
    assert order(queue) == ["c2", "c3", "c4"]
    assert queue.agent("a1").open_count == 2


def test_away_and_offline_agents_get_nothing() -> None:
    queue = WaitingQueue()
    assert queue.update_agent(agent("away", online=False, capacity=5), 0.0) == []
    assert queue.enqueue("c1", 1.0) == []
    queue.enqueue("c2", 2.0)
    assert queue.update_agent(agent("away", online=False, capacity=5), 3.0) == []
    assert order(queue) == ["c1", "c2"]


def test_agent_coming_online_drains_in_serving_order() -> None:
    queue = WaitingQueue()
    queue.enqueue("normal", 1.0)
    queue.enqueue("vip", 5.0, priority=2)
    queue.enqueue("later", 3.0)
    queue.update_agent(agent("a1", online=False, capacity=2), 0.0)
    assert queue.update_agent(agent("a1", capacity=2), 10.0) == [
        Assign("vip", "a1"),
        Assign("normal", "a1"),
    ]
    assert order(queue) == ["later"]


def test_freeing_capacity_takes_the_next() -> None:
    queue = WaitingQueue()
    queue.update_agent(agent("a1", capacity=1), 0.0)
    queue.enqueue("c1", 1.0)
    queue.enqueue("c2", 2.0)
    queue.enqueue("c3", 3.0)
    # The server closed c1 and reports the real load.
    assert queue.update_agent(agent("a1", capacity=1, open_count=0), 4.0) == [Assign("c2", "a1")]
    # Capacity raised by a supervisor.
    assert queue.update_agent(agent("a1", capacity=3, open_count=1), 5.0) == [Assign("c3", "a1")]
    assert len(queue) == 0


def test_team_conversations_wait_for_a_member_while_others_are_served() -> None:
    queue = WaitingQueue()
    queue.enqueue("billing-1", 1.0, team="billing")
    queue.enqueue("general-1", 2.0)
    queue.enqueue("general-2", 3.0)
    assert queue.update_agent(agent("generalist", capacity=5, teams=("sales",)), 4.0) == [
        Assign("general-1", "generalist"),
        Assign("general-2", "generalist"),
    ]
    assert order(queue) == ["billing-1"]
    assert queue.enqueue("billing-2", 5.0, team="billing") == []
    assert queue.update_agent(agent("accountant", capacity=5, teams=("billing",)), 6.0) == [
        Assign("billing-1", "accountant"),
        Assign("billing-2", "accountant"),
    ]


def test_team_member_also_serves_general_conversations_in_order() -> None:
    queue = WaitingQueue()
    queue.enqueue("general-old", 1.0)
    queue.enqueue("billing-new", 2.0, team="billing")
    queue.enqueue("vip-general", 3.0, priority=1)
    assert queue.update_agent(agent("acc", capacity=3, teams=("billing",)), 4.0) == [
        Assign("vip-general", "acc"),
        Assign("general-old", "acc"),
        Assign("billing-new", "acc"),
    ]


def test_team_conversation_goes_to_the_least_loaded_member_only() -> None:
    queue = WaitingQueue()
    queue.update_agent(agent("outsider", capacity=10), 0.0)
    queue.update_agent(agent("member-busy", capacity=2, open_count=1, teams=("vip",)), 0.0)
    queue.update_agent(agent("member-calm", capacity=4, open_count=1, teams=("vip",)), 0.0)
    assert queue.enqueue("c1", 1.0, team="vip") == [Assign("c1", "member-calm")]


def test_remove_and_contains() -> None:
    queue = WaitingQueue()
    queue.enqueue("c1", 1.0)
    queue.enqueue("c2", 2.0, team="t")
    assert queue.remove("c1") is True
    assert queue.remove("c1") is False
    assert "c1" not in queue
    assert queue.position("c1") is None
    assert queue.position("c2") == 1
    assert queue.remove("c2") is True
    assert len(queue) == 0
    assert queue.waiting() == []


def test_enqueue_again_keeps_the_place_in_time_but_takes_the_new_priority() -> None:
    queue = WaitingQueue()
    queue.enqueue("c1", 1.0)
    queue.enqueue("c2", 2.0)
    queue.enqueue("c1", 50.0)
    assert order(queue) == ["c1", "c2"]
    queue.enqueue("c2", 60.0, priority=3)
    assert order(queue) == ["c2", "c1"]
    assert queue.waiting()[0].since == 2.0
    assert len(queue) == 2


def test_removed_agent_gets_nothing() -> None:
    queue = WaitingQueue()
    queue.update_agent(agent("a1", capacity=5), 0.0)
    queue.remove_agent("a1")
    assert queue.enqueue("c1", 1.0) == []
    assert queue.agent("a1") is None


def test_caller_objects_are_not_mutated() -> None:
    queue = WaitingQueue()
    mine = agent("a1", capacity=2)
    queue.update_agent(mine, 0.0)
    queue.enqueue("c1", 1.0)
    assert mine.open_count == 0
    assert queue.agent("a1").open_count == 1


def test_position_counts_everyone_ahead_across_teams() -> None:
    queue = WaitingQueue()
    queue.enqueue("a", 1.0, team="x")
    queue.enqueue("b", 2.0)
    queue.enqueue("c", 3.0, team="y")
    queue.enqueue("d", 4.0)
    assert [queue.position(c) for c in "abcd"] == [1, 2, 3, 4]
    queue.remove("b")
    assert [queue.position(c) for c in "acd"] == [1, 2, 3]


def test_estimated_wait_uses_the_default_before_any_data() -> None:
    queue = WaitingQueue()
    queue.enqueue("c1", 0.0)
    queue.enqueue("c2", 0.0)
    # Nobody online: counted as one slot, so the estimate is large but finite.
    assert queue.estimated_wait_seconds("c1", 0.0) == DEFAULT_HANDLE_SECONDS
    assert queue.estimated_wait_seconds("c2", 0.0) == 2 * DEFAULT_HANDLE_SECONDS
    assert queue.estimated_wait_seconds("absent", 0.0) == 0


def test_estimated_wait_follows_recent_handle_times_and_online_slots() -> None:
    queue = WaitingQueue()
    queue.update_agent(agent("a1", capacity=2, open_count=2), 0.0)
    queue.update_agent(agent("a2", capacity=2, open_count=2), 0.0)
    queue.update_agent(agent("away", online=False, capacity=10), 0.0)
    for seconds in (100.0, 200.0, -5.0, float("nan"), float("inf")):
        queue.record_handle_time(seconds)
    assert queue.mean_handle_seconds() == 150.0
    for i in range(3):
        queue.enqueue(f"c{i}", float(i))
    # 4 online slots, 150 s each: the queue moves one place every 37.5 s.
    assert [queue.estimated_wait_seconds(f"c{i}", 10.0) for i in range(3)] == [38, 75, 113]


def test_estimated_wait_counts_only_slots_that_can_take_a_team_conversation() -> None:
    queue = WaitingQueue()
    queue.update_agent(agent("member", capacity=2, open_count=2, teams=("billing",)), 0.0)
    queue.update_agent(agent("other", capacity=8, open_count=8), 0.0)
    queue.record_handle_time(100.0)
    queue.enqueue("c1", 1.0, team="billing")
    assert queue.estimated_wait_seconds("c1", 1.0) == 50


def test_positions_lists_everyone_with_the_same_figures_as_one_by_one() -> None:
    queue = WaitingQueue()
    queue.update_agent(agent("member", capacity=2, open_count=2, teams=("billing",)), 0.0)
    queue.update_agent(agent("other", capacity=6, open_count=6), 0.0)
    queue.record_handle_time(120.0)
    for i in range(12):
        queue.enqueue(f"c{i}", float(i), priority=i % 3, team="billing" if i % 4 == 0 else None)
    listed = queue.positions(100.0)
    assert [cid for cid, _, _ in listed] == order(queue)
    assert listed == [
        (cid, queue.position(cid), queue.estimated_wait_seconds(cid, 100.0)) for cid in order(queue)
    ]
    assert [place for _, place, _ in listed] == list(range(1, 13))
    assert WaitingQueue().positions(0.0) == []


def test_datetimes_work_as_time() -> None:
    queue = WaitingQueue()
    t0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    queue.enqueue("later", t0 + timedelta(minutes=5))
    queue.enqueue("earlier", t0)
    assert order(queue) == ["earlier", "later"]
    assert queue.waiting()[0].since == t0
    assert queue.update_agent(agent("a1"), t0 + timedelta(minutes=6)) == [Assign("earlier", "a1")]


@pytest.mark.parametrize("seed", range(5))
def test_random_operations_keep_the_invariants(seed: int) -> None:
    """After any sequence: capacity never exceeded, nobody waits who could be served,
    and the serving order equals a plain sort of what is waiting."""
    rng = random.Random(seed)
    queue = WaitingQueue()
    teams = ["billing", "vip", None]
    real_open: dict[str, set[str]] = {}
    held_by: dict[str, str] = {}
    loads: dict[str, AgentLoad] = {}
    now = 0.0

    def apply(decisions: list[Assign]) -> None:
        for d in decisions:
            real_open.setdefault(d.agent_id, set()).add(d.conversation_id)
            held_by[d.conversation_id] = d.agent_id

    for step in range(600):
        now += rng.random()
        op = rng.random()
        if op < 0.45:
            apply(
                queue.enqueue(
                    f"c{step}",
                    now,
                    priority=rng.choice([0, 0, 0, 1, 2]),
                    team=rng.choice(teams),
                    front=rng.random() < 0.05,
                )
            )
        elif op < 0.55 and len(queue):
            queue.remove(rng.choice(queue.waiting()).conversation_id)
        elif op < 0.75 and held_by:
            done = rng.choice(sorted(held_by))  # an agent closes a conversation
            holder = held_by.pop(done)
            real_open[holder].discard(done)
            lo = loads[holder]
            freed = agent(
                holder,
                online=lo.online,
                capacity=lo.capacity,
                open_count=len(real_open[holder]),
                teams=tuple(lo.teams),
            )
            apply(queue.update_agent(freed, now))
        else:
            agent_id = f"a{rng.randrange(6)}"
            lo = agent(
                agent_id,
                online=rng.random() < 0.8,
                capacity=rng.randrange(0, 4),
                open_count=len(real_open.get(agent_id, ())),
                teams=tuple(t for t in teams[:2] if rng.random() < 0.4),
            )
            loads[agent_id] = lo
            apply(queue.update_agent(lo, now))

        waiting = queue.waiting()
        assert len(waiting) == len(queue)
        expected = sorted(waiting, key=lambda w: (-w.priority, not w.front, float(w.since)))
        assert [w.conversation_id for w in waiting] == [w.conversation_id for w in expected]
        for agent_id, lo in loads.items():
            counted = queue.agent(agent_id)
            assert counted is not None
            assert counted.open_count == len(real_open.get(agent_id, ()))
            if lo.online and counted.open_count < lo.capacity:
                can_take = [w for w in waiting if w.team is None or w.team in lo.teams]
                assert can_take == [], (agent_id, can_take)
