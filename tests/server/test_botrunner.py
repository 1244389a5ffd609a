"""BotRunner pipelining: the next batch is matched while the previous batch's replies are
still being carried out (committed); a conversation's turns keep their order and state."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

from desk_app.bot.seam import Answer, BotReply, Handoff, Turn
from desk_app.protocol.messages import HandoffReason
from desk_app.server.botrunner import BotJob, BotRunner

from .conftest import TIMEOUT


class CountingBot:
    """Answers with the turn's text and counts turns in the state; hands off on "human"."""

    def respond(self, turns: Sequence[Turn]) -> list[BotReply]:
        replies = []
        for turn in turns:
            n = int(turn.state.get("n", 0)) + 1
            if turn.text == "human":
                replies.append(BotReply(Handoff(reason=HandoffReason.REQUESTED), {"n": n}))
            else:
                replies.append(BotReply(Answer(text=turn.text), {"n": n}))
        return replies


class SlowStore:
    """Stands in for the writer: ``apply`` queues in call order (as ``Store.write`` does in
    its first step) and finishes when the test releases that text's commit."""

    def __init__(self) -> None:
        self.queued: list[tuple[str, str, int]] = []  # (conversation, text, state n seen)
        self.done: list[str] = []
        self.held: dict[str, asyncio.Event] = {}
        self.status: dict[str, str] = {}
        self.changed = asyncio.Event()

    async def apply(self, turn: Turn, reply: BotReply) -> None:
        self.queued.append((turn.conversation_id, turn.text, int(turn.state.get("n", 0))))
        self.changed.set()
        gate = self.held.get(turn.text)
        if gate is not None:
            await gate.wait()
        if isinstance(reply.decision, Handoff):
            self.status[turn.conversation_id] = "queued"
        self.done.append(turn.text)
        self.changed.set()

    def apply_now(self, turn: Turn, reply: BotReply, done: Callable[[], None]) -> bool:
        """Answers the way ``Store.submit`` carries them out: queued now, ``done`` called
        when the test releases the commit. Handovers are left to :meth:`apply`."""
        if isinstance(reply.decision, Handoff):
            return False
        self.queued.append((turn.conversation_id, turn.text, int(turn.state.get("n", 0))))
        self.changed.set()

        def committed() -> None:
            self.done.append(turn.text)
            self.changed.set()
            done()

        gate = self.held.get(turn.text)
        if gate is None:
            asyncio.get_running_loop().call_soon(committed)
        else:
            asyncio.get_running_loop().create_task(gate.wait()).add_done_callback(
                lambda _: committed()
            )
        return True

    async def load_states(
        self, ids: Sequence[str]
    ) -> Mapping[str, tuple[str, str, Mapping[str, Any]]]:
        return {cid: (self.status.get(cid, "bot"), "zh-CN", {}) for cid in ids}

    async def until(self, condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(TIMEOUT):
            while not condition():
                self.changed.clear()
                await self.changed.wait()


def job(cid: str, text: str) -> BotJob:
    return BotJob(cid, text, 1, "zh-CN")


@contextlib.asynccontextmanager
async def running(store: SlowStore, *, now: bool = False) -> AsyncIterator[BotRunner]:
    """A started BotRunner over ``store`` (``now``: answers carried out by ``apply_now``)."""
    runner = BotRunner(
        CountingBot(),
        apply=store.apply,
        apply_now=store.apply_now if now else None,
        load_states=store.load_states,
        agents_available=lambda: True,
    )
    runner.start()
    try:
        yield runner
    finally:
        await runner.stop()


async def test_the_next_batch_is_matched_while_replies_commit_in_order() -> None:
    store = SlowStore()
    store.held["a1"] = asyncio.Event()
    async with running(store) as runner:
        runner.submit(job("A", "a1"))
        runner.submit(job("A", "a2"))  # not in a1's batch: it needs a1's state
        await store.until(lambda: ("A", "a2", 1) in store.queued)  # a2 saw a1's state...
        assert store.done == ["a2"]  # ...while a1 was still committing
        assert [text for _, text, _ in store.queued] == ["a1", "a2"]  # queued in order
        runner.submit(job("B", "b1"))
        await store.until(lambda: "b1" in store.done)  # others go on meanwhile
        assert runner.pending == 1  # a1
        assert not await runner.drain(0.05)
        store.held["a1"].set()
        assert await runner.drain(TIMEOUT)
        assert runner.pending == 0


async def test_a_turn_after_a_handover_waits_until_the_handover_is_carried_out() -> None:
    store = SlowStore()
    store.held["human"] = asyncio.Event()
    async with running(store) as runner:
        runner.submit(job("A", "human"))
        await store.until(lambda: ("A", "human", 0) in store.queued)
        runner.submit(job("A", "after"))
        runner.submit(job("B", "b1"))
        await store.until(lambda: "b1" in store.done)
        assert [text for cid, text, _ in store.queued if cid == "A"] == ["human"]
        store.held["human"].set()
        assert await runner.drain(TIMEOUT)
        # the conversation is no longer the bot's once the handover committed: no answer
        assert [text for cid, text, _ in store.queued if cid == "A"] == ["human"]


async def test_answers_carried_out_without_a_task_keep_order_and_are_waited_for() -> None:
    store = SlowStore()
    store.held["a1"] = asyncio.Event()
    store.held["human"] = asyncio.Event()
    async with running(store, now=True) as runner:
        runner.submit(job("A", "a1"))
        runner.submit(job("A", "a2"))
        await store.until(lambda: ("A", "a2", 1) in store.queued)  # a1's state, from memory
        await store.until(lambda: "a2" in store.done)
        assert store.done == ["a2"]  # a1 is still committing
        assert runner.pending == 1  # a1 is not committed yet: drain waits for it
        assert not await runner.drain(0.05)
        runner.submit(job("B", "human"))  # a handover goes to apply, in a task
        runner.submit(job("B", "after"))
        await store.until(lambda: ("B", "human", 0) in store.queued)
        store.held["a1"].set()
        store.held["human"].set()
        assert await runner.drain(TIMEOUT)
        assert runner.pending == 0
        assert [text for cid, text, _ in store.queued if cid == "B"] == ["human"]
        assert sorted(store.done) == ["a1", "a2", "human"]
