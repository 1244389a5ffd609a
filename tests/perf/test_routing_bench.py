"""Routing cost with 5,000 waiting conversations (pytest-benchmark, not in the unit suite).

Run: ``pytest tests/perf/test_routing_bench.py --benchmark-only``
(``tests/perf`` is ignored by the default run, so name the file).
"""

from __future__ import annotations

from typing import Any

from desk_app.routing.queue import AgentLoad, WaitingQueue

N = 5_000
TEAMS = [None, None, None, "billing", "vip"]


def filled(n: int = N) -> WaitingQueue:
    queue = WaitingQueue()
    for i in range(n):
        queue.enqueue(f"c{i}", float(i % 977), priority=i % 3, team=TEAMS[i % len(TEAMS)])
    return queue


def test_enqueue_5000(benchmark: Any) -> None:
    """Fill an empty queue with 5,000 conversations (no agent online)."""
    queue = benchmark(filled)
    assert len(queue) == N


def test_enqueue_remove_one_at_5000(benchmark: Any) -> None:
    """One enqueue + position + remove while 5,000 others wait: the per-handoff cost."""
    queue = filled()

    def one() -> None:
        queue.enqueue("x", 500.0, priority=1, team="billing")
        queue.position("x")
        queue.remove("x")

    benchmark(one)
    assert len(queue) == N


def test_assign_all_5000(benchmark: Any) -> None:
    """Fifty agents come online and drain 5,000 waiting conversations."""

    def drain() -> int:
        queue = filled()
        assigned = 0
        for a in range(50):
            teams = frozenset({"billing", "vip"} if a % 2 else {"vip"})
            assigned += len(queue.update_agent(AgentLoad(f"a{a}", True, 200, 0, teams), 1e6))
        return assigned

    assigned = benchmark.pedantic(drain, rounds=5, iterations=1)
    assert assigned == N


def test_positions_of_5000(benchmark: Any) -> None:
    """Everyone's place and estimated wait, as the server refreshes them after a change."""
    queue = filled()
    for a in range(20):
        queue.update_agent(AgentLoad(f"a{a}", True, 0, 0, frozenset({"billing"})), 0.0)
    listed = benchmark(queue.positions, 1e6)
    assert len(listed) == N
