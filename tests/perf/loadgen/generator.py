"""Drive 1,000 customer connections at a server and measure replies: closed or open loop.

Run from ``tests/perf`` (``../run_load.py`` does it for you)::

    python -m loadgen.generator --port 8765 --scenario agent --mode closed --connections 1000

Scenarios (what counts as "the reply" to a customer's ``message.send``):

``echo``   the bare echo server returns the frame itself.
``agent``  (a) the conversation is held by an agent: the reply is the ``ack`` (sent after
           the message is committed, and fanned out to the agent). Setup logs in the
           benchmark agents, starts every conversation and hands it off until the agents
           hold all of them.
``bot``    (b)/(c) the bot answers: the reply is the first bot ``message`` whose ``seq`` is
           above the ``ack``'s (a greeting or a second bubble from the bot is not mistaken for
           the answer).

Modes: ``closed`` (each connection sends, waits for the reply, sends again: saturation
throughput) and ``open`` (a fixed offered ``--rate`` spread round-robin over the connections,
whatever the replies do; latency counts from the *scheduled* send time, so a generator or
server that falls behind shows up as latency instead of hiding it).

Output on stdout, one line each: ``SETUP <seconds>``, ``MEASURE_START``, ``MEASURE_END``
(the runner samples the server's CPU and memory at these) and ``RESULT <json>``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from loadgen.wsclient import OP_TEXT, WsClient, connect, frame_header, text_frame

clock = time.perf_counter

ACK = b'"type":"ack"'
ERROR = b'"type":"error"'
MESSAGE = b'"type":"message"'
BOT = b'"sender":"bot"'
SEQ = b'"seq":'
ASSIGNED = b'"type":"conversation.assigned"'


def seq_of(payload: bytes) -> int:
    """The first ``"seq":N`` in a frame, without parsing the JSON."""
    i = payload.find(SEQ) + 6
    j = i
    while 48 <= payload[j] <= 57:
        j += 1
    return int(payload[i:j])


class Stats:
    """Counters shared by all connections of this process."""

    def __init__(self) -> None:
        self.window_start = float("inf")
        self.window_end = float("inf")
        self.replies = 0
        self.errors = 0
        self.latencies: list[float] = []
        self.samples: list[tuple[float, float]] | None = None  # (sent_at, latency) for --dump
        self.sent_in_window = 0

    def reply(self, sent_at: float, now: float) -> None:
        if self.window_start <= now <= self.window_end:
            self.replies += 1
        if self.window_start <= sent_at <= self.window_end:
            self.latencies.append(now - sent_at)
            if self.samples is not None:
                self.samples.append((sent_at - self.window_start, now - sent_at))


class Template:
    """A ``message.send`` frame with a fixed-width counter: ``head + b"%08d" % n + tail``."""

    def __init__(self, conn_tag: str, text: str) -> None:
        prefix = b'{"type":"message.send","client_msg_id":"' + conn_tag.encode() + b"-"
        tail = b'","text":' + json.dumps(text, ensure_ascii=False).encode() + b"}"
        length = len(prefix) + 8 + len(tail)
        self.head = frame_header(OP_TEXT, length) + prefix
        self.tail = tail

    def frame(self, n: int) -> bytes:
        return self.head + b"%08d" % n + self.tail


class Customer(WsClient):
    """One customer connection; replies drive the next send in closed-loop mode."""

    def __init__(
        self, host: str, port: int, path: str, stats: Stats, kind: str, templates: list[Template]
    ) -> None:
        super().__init__(host, port, path)
        self.stats = stats
        self.kind = kind
        self.templates = templates
        self.closed_loop = False
        self.running = False
        self.n = 0
        self.outstanding: deque[float] = deque()
        self.acked: deque[tuple[int, float]] = deque()
        self._want: bytes | None = None
        self._waiter: asyncio.Future[bytes] | None = None

    async def request(self, frame: bytes, marker: bytes, limit_s: float = 60.0) -> bytes:
        """Setup only: send ``frame`` and wait for a server frame containing ``marker``."""
        self._want = marker
        self._waiter = asyncio.get_running_loop().create_future()
        if frame:
            self.send_raw(frame)
        try:
            return await asyncio.wait_for(self._waiter, limit_s)
        finally:
            self._want = None

    def send_next(self, sent_at: float | None = None) -> None:
        n = self.n
        self.n = n + 1
        templates = self.templates
        self.outstanding.append(clock() if sent_at is None else sent_at)
        self.send_raw(templates[n % len(templates)].frame(n))

    def on_message(self, payload: bytes) -> None:
        if self._want is not None:
            if self._want in payload and self._waiter is not None and not self._waiter.done():
                self._waiter.set_result(payload)
            return
        if not self.outstanding and not self.acked:
            return
        kind = self.kind
        if kind == "echo":
            self._replied(self.outstanding.popleft())
        elif kind == "agent":
            if ACK in payload[:24]:
                self._replied(self.outstanding.popleft())
            elif ERROR in payload[:24]:
                self._error(payload)
        else:  # bot
            head = payload[:24]
            if ACK in head:
                self.acked.append((seq_of(payload), self.outstanding.popleft()))
            elif MESSAGE in head:
                if BOT in payload and self.acked and self.acked[0][0] < seq_of(payload):
                    self._replied(self.acked.popleft()[1])
            elif ERROR in head:
                self._error(payload)

    def _replied(self, sent_at: float) -> None:
        self.stats.reply(sent_at, clock())
        if self.closed_loop and self.running:
            self.send_next()

    def _error(self, payload: bytes) -> None:
        stats = self.stats
        if stats.errors < 3:
            print("server error frame:", payload[:200].decode(errors="replace"), file=sys.stderr)
        stats.errors += 1
        if self.outstanding:
            self.outstanding.popleft()
        if self.closed_loop and self.running:
            self.send_next()


class Agent(WsClient):
    """A benchmark agent: logs in, goes online, and just drains what the server pushes."""

    def __init__(self, host: str, port: int, path: str) -> None:
        super().__init__(host, port, path)
        self.assigned = 0
        self.frames = 0
        self.changed = asyncio.Event()
        self._want: bytes | None = None
        self._waiter: asyncio.Future[bytes] | None = None

    async def request(self, frame: bytes, marker: bytes, limit_s: float = 30.0) -> bytes:
        self._want = marker
        self._waiter = asyncio.get_running_loop().create_future()
        self.send_raw(frame)
        try:
            return await asyncio.wait_for(self._waiter, limit_s)
        finally:
            self._want = None

    def on_message(self, payload: bytes) -> None:
        self.frames += 1
        want, waiter = self._want, self._waiter
        if want is not None and want in payload and waiter is not None and not waiter.done():
            waiter.set_result(payload)
        if ASSIGNED in payload[:40]:
            self.assigned += 1
            self.changed.set()


def frame_json(obj: dict[str, Any]) -> bytes:
    return text_frame(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode())


async def open_customers(
    args: argparse.Namespace, stats: Stats, texts: Sequence[str]
) -> list[Customer]:
    path = "/" if args.scenario == "echo" else "/ws/customer"
    kind = args.scenario
    gate = asyncio.Semaphore(args.concurrency)
    rng = random.Random(1)

    async def one(i: int) -> Customer:
        tag = f"b{i:04d}"
        order = list(texts)
        rng.shuffle(order)
        templates = [Template(tag, t) for t in order]
        async with gate:
            conn = await connect(Customer, args.host, args.port, path, stats, kind, templates)
            assert isinstance(conn, Customer)
            if kind != "echo":
                start = {"type": "conversation.start", "name": f"压测{i}", "channel": "api"}
                await conn.request(frame_json(start), b'"type":"conversation.started"')
            if kind == "agent":  # assignment is awaited on the agents' side
                conn.send_raw(frame_json({"type": "handoff.request", "note": "benchmark"}))
            return conn

    return list(await asyncio.gather(*(one(i) for i in range(args.connections))))


async def open_agents(args: argparse.Namespace) -> list[Agent]:
    agents = []
    for k in range(args.agents):
        conn = await connect(Agent, args.host, args.port, "/ws/agent")
        assert isinstance(conn, Agent)
        login = {
            "type": "auth.login",
            "username": f"{args.agent_prefix}{k}",
            "password": args.agent_password,
        }
        await conn.request(frame_json(login), b'"type":"auth.ok"')
        conn.send_raw(frame_json({"type": "agent.status", "status": "online"}))
        agents.append(conn)
    return agents


async def wait_assigned(agents: list[Agent], want: int, limit_s: float) -> None:
    deadline = clock() + limit_s
    while sum(a.assigned for a in agents) < want:
        left = deadline - clock()
        if left <= 0:
            got = sum(a.assigned for a in agents)
            raise TimeoutError(f"only {got} of {want} conversations reached the agents")
        waits = [asyncio.ensure_future(a.changed.wait()) for a in agents]
        await asyncio.wait(waits, timeout=min(left, 1.0), return_when=asyncio.FIRST_COMPLETED)
        for w in waits:
            w.cancel()
        for a in agents:
            a.changed.clear()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    texts: list[str] = json.loads(Path(args.texts).read_text("utf-8")) if args.texts else []  # noqa: ASYNC240
    if not texts:
        texts = ["你好，我想问一下我的订单什么时候发货？"]
    stats = Stats()
    if args.dump:
        stats.samples = []
    t_setup = clock()
    agents = await open_agents(args) if args.scenario == "agent" else []
    customers = await open_customers(args, stats, texts)
    if agents:
        await wait_assigned(agents, args.connections, limit_s=120.0)
    setup_s = clock() - t_setup
    print(f"SETUP {setup_s:.2f}", flush=True)

    for c in customers:
        c.running = True
        c.closed_loop = args.mode == "closed"
    loop_task = None
    t0 = clock()
    stats.window_start = t0 + args.warmup
    stats.window_end = stats.window_start + args.duration
    if args.mode == "closed":
        for c in customers:
            c.send_next()
    else:
        loop_task = asyncio.ensure_future(offer(customers, args.rate, stats))
    await asyncio.sleep(max(0.0, stats.window_start - clock()))
    cpu0 = time.process_time()
    print("MEASURE_START", flush=True)
    await asyncio.sleep(max(0.0, stats.window_end - clock()))
    cpu1 = time.process_time()
    print("MEASURE_END", flush=True)
    for c in customers:
        c.running = False
    if loop_task is not None:
        loop_task.cancel()
        # Let replies to messages sent inside the window arrive (they count as latency).
        drain_until = clock() + args.drain
        # polls many deques against a deadline: cheaper than an event per connection
        while clock() < drain_until and any(c.outstanding or c.acked for c in customers):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    lat = sorted(stats.latencies)
    lost = sum(len(c.outstanding) + len(c.acked) for c in customers) if loop_task else 0

    def pct(p: float) -> float | None:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2) if lat else None

    await close_all([*customers, *agents])
    if args.dump and stats.samples is not None:
        rows = [f"{t:.4f} {lat * 1000:.2f}" for t, lat in sorted(stats.samples)]
        text = "\n".join(["# seconds_into_window latency_ms", *rows]) + "\n"
        Path(args.dump).write_text(text)  # noqa: ASYNC240  # after the measurement
    return {
        "scenario": args.scenario,
        "mode": args.mode,
        "connections": len(customers),
        "duration_s": args.duration,
        "replies": stats.replies,
        "rate": round(stats.replies / args.duration, 1),
        "offered": args.rate if args.mode == "open" else None,
        "sent_in_window": stats.sent_in_window if args.mode == "open" else None,
        "unanswered": lost,
        "errors": stats.errors,
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": round(lat[-1] * 1000, 2) if lat else None,
        "generator_cpu_s": round(cpu1 - cpu0, 3),
        "setup_s": round(setup_s, 2),
        "agent_frames": sum(a.frames for a in agents),
    }


async def close_all(conns: Sequence[WsClient], limit_s: float = 10.0) -> None:
    """Close politely, so the server logs normal closures rather than resets."""
    for c in conns:
        c.close()
    await asyncio.wait([asyncio.ensure_future(c.closed) for c in conns], timeout=limit_s)


async def offer(customers: list[Customer], rate: float, stats: Stats) -> None:
    """Open loop: message n is due at t0 + n / rate, on connection n mod N (shuffled)."""
    order = list(customers)
    random.Random(2).shuffle(order)
    count = len(order)
    t0 = clock()
    n = 0
    while True:
        due = int((clock() - t0) * rate) + 1
        while n < due:
            at = t0 + n / rate
            if stats.window_start <= at <= stats.window_end:
                stats.sent_in_window += 1
            order[n % count].send_next(at)
            n += 1
        await asyncio.sleep(max(0.0, t0 + n / rate - clock()))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--scenario", choices=["echo", "agent", "bot"], default="echo")
    parser.add_argument("--mode", choices=["closed", "open"], default="closed")
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=100, help="connections set up at once")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--drain", type=float, default=5.0, help="open loop: wait for late replies")
    parser.add_argument("--rate", type=float, default=500.0, help="open loop: messages/s offered")
    parser.add_argument("--texts", help="JSON file with a list of customer texts to rotate")
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--agent-prefix", default="bench")
    parser.add_argument("--agent-password", default="bench-password")
    parser.add_argument("--no-uvloop", action="store_true", help="generator on plain asyncio")
    parser.add_argument("--dump", help="write every (send time, latency) in the window here")
    args = parser.parse_args(argv)
    if args.no_uvloop:
        result = asyncio.run(run(args))
    else:
        import uvloop

        result = uvloop.run(run(args))
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
