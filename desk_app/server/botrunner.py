"""The bot seam on the server side: batch contact messages, ask the bot, act on its replies.

Contact messages for conversations the bot holds are queued here. One collector task takes
everything that queued up while the bot was busy and calls ``bot.respond`` once for the
batch (matching works best on a batch), in a single worker thread so that the bot's CPU work
never stalls the event loop for long. At most one turn per conversation goes into a batch:
the next turn of the same conversation needs the state the previous reply returned.

The bot's memory (``state``) is saved with its reply, and the latest one per conversation is
kept in memory too, so a second message that arrives before the first reply was stored still
sees the new state. After a restart it is read back from the store.

Batches are pipelined with the store: once the bot has decided, its replies go to the writer
and the next batch is collected and matched at once, while they commit. Waiting for the
commit first put a whole batch cycle (match, then an fsync'd commit) in front of every
message that arrived meanwhile. Order within a conversation still holds: its next turn takes
the bot's state from memory (remembered when the bot decided, not when the reply committed),
and its reply is queued to the single writer after the previous one, which commits first.
Only after a handover (the state is forgotten and the conversation is no longer the bot's
once that commits) does the conversation stay out of batches until it is carried out.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from desk_app.bot.seam import Answer, Bot, BotReply, Handoff, Turn
from desk_app.protocol.messages import HandoffReason
from desk_app.store.models import utcnow

log = logging.getLogger("desk_app.server.bot")

T = TypeVar("T")

MAX_BATCH = 256
LINGER_S = 0.004
"""How long a batch of fewer than :data:`LINGER_BELOW` turns waits for more to join it.

A call to the bot costs about as much for one turn as for four (the matching's fixed cost
per call: 1.0 ms for one turn, 1.5 ms for four on the sample knowledge base), so at a few
hundred messages a second, batches of one or two kept the bot's thread busy on that fixed
cost and left the server no headroom: at 500 messages/s (load benchmark, scenario c) the
server's CPU per answer went from 2.0 to 1.5 ms with this wait, and the median latency
did not grow (10-12 ms against 13-14). A contact alone with the bot waits 4 ms more."""
LINGER_BELOW = 8
STATE_CACHE = 20_000


@dataclass(frozen=True, slots=True)
class BotJob:
    conversation_id: str
    text: str
    seq: int
    locale: str


Apply = Callable[[Turn, BotReply], Awaitable[None]]
ApplyNow = Callable[[Turn, BotReply, Callable[[], None]], bool]
LoadStates = Callable[[Sequence[str]], Awaitable[Mapping[str, tuple[str, str, Mapping[str, Any]]]]]


class BotRunner:
    """Owns the bot's worker thread and the collector task."""

    def __init__(
        self,
        bot: Bot,
        *,
        apply: Apply,
        load_states: LoadStates,
        agents_available: Callable[[], bool],
        apply_now: ApplyNow | None = None,
    ) -> None:
        """``apply`` carries out a reply (awaited in a task of its own). ``apply_now``, if
        given, is tried first: it returns True when it queued the reply's write itself and
        will call the function it was given once the write is done (an answer: no task and
        no future per reply), False to leave the reply to ``apply`` (a handover)."""
        self.bot = bot
        self._apply = apply
        self._apply_now = apply_now
        self._load_states = load_states
        self._agents_available = agents_available
        self._jobs: asyncio.Queue[BotJob] = asyncio.Queue()
        self._deferred: list[BotJob] = []
        self._in_flight: dict[str, int] = {}  # conversation id -> replies being carried out
        self._applying: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()  # a job arrived or a reply was carried out
        self._states: OrderedDict[str, Mapping[str, Any]] = OrderedDict()
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="bot")
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self.batches = 0
        self.turns = 0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="bot-runner")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for task in list(self._applying):
            task.cancel()
        if self._applying:
            await asyncio.gather(*self._applying, return_exceptions=True)
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def in_bot_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(*args)`` on the bot's worker thread (CPU work that touches the index).

        One thread owns the knowledge index: the bot's matching, agents' searches and
        suggestions never run concurrently with each other or stall the event loop.
        """
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)

    async def drive_in_bot_thread(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run a coroutine (``make()``) to completion on the bot's thread, in a loop of its
        own: for async APIs whose work is CPU (``KnowledgeService.search``)."""
        return await self.in_bot_thread(_drive, make)  # type: ignore[no-any-return]

    def submit(self, job: BotJob) -> None:
        self._idle.clear()
        self._jobs.put_nowait(job)
        self._wake.set()

    async def drain(self, seconds: float) -> bool:
        """Wait until every submitted turn was answered (shutdown); False after ``seconds``."""
        try:
            await asyncio.wait_for(self._idle.wait(), seconds)
        except TimeoutError:
            return False
        return True

    def remember(self, conversation_id: str, state: Mapping[str, Any]) -> None:
        self._states[conversation_id] = state
        self._states.move_to_end(conversation_id)
        while len(self._states) > STATE_CACHE:
            self._states.popitem(last=False)

    def forget(self, conversation_id: str) -> None:
        """The conversation left the bot (or came back with a fresh state)."""
        self._states.pop(conversation_id, None)

    @property
    def pending(self) -> int:
        return self._jobs.qsize() + len(self._deferred) + sum(self._in_flight.values())

    async def _run(self) -> None:
        while True:
            batch = await self._next_batch()
            if len(batch) < LINGER_BELOW:
                await asyncio.sleep(LINGER_S)
                self._deferred[:0] = batch  # before the turns that came after them
                batch = await self._next_batch()
            try:
                await self._answer(batch)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("bot.batch_failed", extra={"turns": len(batch)})

    async def _next_batch(self) -> list[BotJob]:
        """The next batch: waiting turns in arrival order, at most one per conversation,
        none for a conversation whose handover is still being carried out."""
        while True:
            waiting = self._deferred
            while len(waiting) < MAX_BATCH * 4:
                try:
                    waiting.append(self._jobs.get_nowait())
                except asyncio.QueueEmpty:
                    break
            batch: list[BotJob] = []
            self._deferred = []
            seen: set[str] = set()
            for job in waiting:
                cid = job.conversation_id
                handing_over = cid in self._in_flight and cid not in self._states
                if cid in seen or handing_over or len(batch) >= MAX_BATCH:
                    self._deferred.append(job)  # keeps arrival order for the next batch
                else:
                    seen.add(cid)
                    batch.append(job)
            if batch:
                return batch
            if not self._deferred and not self._in_flight and self._jobs.empty():
                self._idle.set()
            self._wake.clear()
            await self._wake.wait()

    async def _answer(self, batch: list[BotJob]) -> None:
        unknown = [job.conversation_id for job in batch if job.conversation_id not in self._states]
        stored = await self._load_states(unknown) if unknown else {}
        now = utcnow()
        available = self._agents_available()
        turns: list[Turn] = []
        for job in batch:
            state = self._states.get(job.conversation_id)
            if state is None:
                found = stored.get(job.conversation_id)
                if found is None or found[0] != "bot":
                    continue  # closed or handed over meanwhile: the bot stays out of it
                state = found[2]
            turns.append(
                Turn(
                    conversation_id=job.conversation_id,
                    text=job.text,
                    now=now,
                    locale=job.locale,
                    state=state,
                    agents_available=available,
                )
            )
        if not turns:
            return
        loop = asyncio.get_running_loop()
        try:
            replies = await loop.run_in_executor(self._executor, self.bot.respond, turns)
            if len(replies) != len(turns):
                raise ValueError(f"bot returned {len(replies)} replies for {len(turns)} turns")
        except Exception:
            log.exception("bot.respond_failed", extra={"turns": len(turns)})
            replies = [_fallback(turn) for turn in turns]
        self.batches += 1
        self.turns += len(turns)
        for turn, reply in zip(turns, replies, strict=True):
            if isinstance(reply.decision, Handoff):
                self.forget(turn.conversation_id)
            else:
                self.remember(turn.conversation_id, reply.state)
        apply_now = self._apply_now
        for turn, reply in zip(turns, replies, strict=True):
            # not awaited: the next batch is matched while these commit. Each reply queues its
            # write now (or its task does in its first step), before the next batch's replies
            # exist: writes keep order.
            cid = turn.conversation_id
            self._in_flight[cid] = self._in_flight.get(cid, 0) + 1
            if apply_now is not None:
                try:
                    if apply_now(turn, reply, functools.partial(self._carried_out, cid)):
                        continue
                except Exception:
                    log.exception("bot.apply_failed")
                    self._carried_out(cid)
                    continue
            task = loop.create_task(self._carry_out(turn, reply), name="bot-apply")
            self._applying.add(task)
            task.add_done_callback(self._applying.discard)

    async def _carry_out(self, turn: Turn, reply: BotReply) -> None:
        try:
            await self._apply(turn, reply)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("bot.apply_failed")
        finally:
            self._carried_out(turn.conversation_id)

    def _carried_out(self, cid: str) -> None:
        left = self._in_flight.pop(cid, 1) - 1
        if left:
            self._in_flight[cid] = left
        self._wake.set()


_thread_loop = threading.local()


def _drive(make: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    loop = getattr(_thread_loop, "loop", None)
    if loop is None:
        loop = _thread_loop.loop = asyncio.new_event_loop()
    return loop.run_until_complete(make())


def _fallback(turn: Turn) -> BotReply:
    """A broken bot must not leave the contact unanswered: hand over to a person."""
    from desk_app.server.texts import say

    if turn.agents_available:
        return BotReply(
            Handoff(reason=HandoffReason.NO_ANSWER, text=say("bot_failed", turn.locale)), turn.state
        )
    return BotReply(Answer(text=say("no_agent", turn.locale), answered=False), turn.state)
