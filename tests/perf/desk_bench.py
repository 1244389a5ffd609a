"""Desk benchmark: UI event-loop stalls under a busy queue, start-up time, memory.

Run (from the repository root; not part of the unit suite)::

    QT_QPA_PLATFORM=offscreen python tests/perf/desk_bench.py            # or under xvfb-run
    python tests/perf/desk_bench.py --seconds 30 --json out.json

What it does, all through the real desk code (connection thread, controller, models, views):

1. **Start-up**: spawns ``desk app`` with ``DESK_STARTUP_PROBE=1`` five times and measures from
   spawning the process to the line the app prints after the first event-loop pass with the
   login window shown (median and worst).
2. **Stalls**: a scripted agent-protocol server (real ``websockets`` on 127.0.0.1) signs the
   desk in, sends a snapshot of 5,000 waiting conversations and assigns one conversation
   with a 2,000-message transcript, then sends 100 queue changes a second (updates, new
   arrivals, removals) plus a customer message a second. Meanwhile the transcript and the queue
   are scrolled every 100 ms so the delegates paint. A 5 ms precise timer on the UI thread
   records the gaps between its ticks: a gap above 5 ms is time the event loop was busy.
   Reported: p50 / p99 / max gap over the steady state (after the snapshot and transcript
   have loaded) and the worst gap of the loading phase.
3. **Memory**: RSS and peak RSS of the desk process at the end.

The scripted server is a benchmark harness, not the product server: it lets the UI be loaded
exactly, without 5,000 simulated customers competing for the same two CPU cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from desk_app.protocol.messages import (  # noqa: E402
    AgentInfo,
    AgentStatus,
    AuthOk,
    Channel,
    ContactInfo,
    ConversationAssigned,
    ConversationDetail,
    ConversationStatus,
    HandoffContext,
    HandoffReason,
    IntentGuess,
    Message,
    MessageFrame,
    QueueItem,
    QueueRemoved,
    QueueSnapshot,
    QueueUpdated,
    Role,
    Sender,
    encode,
)

N_WAITING = 5_000
N_TRANSCRIPT = 2_000
UPDATES_PER_S = 100
TICK_MS = 5

NAMES = ["王先生", "张女士", "李雷", "韩梅梅", "Alice", "Bob", "陈晓", "刘洋", "赵敏", "周杰"]
TEXTS = [
    "我的快递三天了还没到，帮我查一下",
    "退款什么时候到账？",
    "转人工",
    "How do I change my delivery address?",
    "发票怎么开？需要公司抬头",
    "优惠券用不了，提示不满足条件",
]


def queue_item(i: int, now: datetime) -> QueueItem:
    return QueueItem(
        conversation_id=f"q{i}",
        contact_name=f"{NAMES[i % len(NAMES)]}{i}",
        channel=Channel.WEB if i % 3 else Channel.TERMINAL,
        status=ConversationStatus.QUEUED,
        priority=i % 3,
        waiting_since=now - timedelta(seconds=i % 3600),
        handoff=HandoffContext(
            reason=list(HandoffReason)[i % 6],
            intents=[IntentGuess(intent=f"i{i % 40}", title=f"意图{i % 40}", score=0.3)],
        ),
        last_text=TEXTS[i % len(TEXTS)],
    )


def transcript(now: datetime) -> list[Message]:
    senders = [Sender.CONTACT, Sender.BOT, Sender.CONTACT, Sender.BOT, Sender.AGENT, Sender.NOTE]
    return [
        Message(
            conversation_id="big",
            seq=s,
            sender=senders[s % len(senders)],
            text=(TEXTS[s % len(TEXTS)] + " ") * (1 + s % 4),
            created_at=now - timedelta(seconds=N_TRANSCRIPT - s),
            author="赵敏" if senders[s % len(senders)] == Sender.CONTACT else "bot",
        )
        for s in range(1, N_TRANSCRIPT + 1)
    ]


class ScriptedServer:
    """Speaks just enough of /ws/agent to load the desk: login, snapshot, assignment, churn."""

    def __init__(self, seconds: float, *, transcript: bool = True, churn: bool = True) -> None:
        self.seconds = seconds
        self.with_transcript = transcript
        self.churn = churn
        self.port = 0
        self.sent_updates = 0
        self.done = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(10)

    def _main(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        from websockets.asyncio.server import serve

        async with serve(self._handler, "127.0.0.1", 0, max_size=None, compression=None) as srv:
            self.port = srv.sockets[0].getsockname()[1]
            self._ready.set()
            await asyncio.get_running_loop().run_in_executor(None, self.done.wait)

    async def _handler(self, ws: object) -> None:
        now = datetime.now(UTC)
        await ws.recv()  # type: ignore[attr-defined]  # auth.login
        agent = AgentInfo(
            id="a1",
            username="bench",
            display_name="压测客服",
            role=Role.AGENT,
            status=AgentStatus.ONLINE,
            capacity=10,
            open_conversations=1,
        )
        send = ws.send  # type: ignore[attr-defined]
        await send(encode(AuthOk(token="t" * 32, expires_at=now, agent=agent)).decode())
        items = [queue_item(i, now) for i in range(N_WAITING)]
        await send(encode(QueueSnapshot(items=items)).decode())
        detail = ConversationDetail(
            conversation_id="big",
            status=ConversationStatus.ASSIGNED,
            channel=Channel.WEB,
            contact=ContactInfo(id="k1", name="赵敏", profile={"vip": "金卡"}),
            transcript=transcript(now),
            started_at=now - timedelta(hours=1),
            handoff=HandoffContext(reason=HandoffReason.LOW_CONFIDENCE),
        )
        if self.with_transcript:
            await send(encode(ConversationAssigned(conversation=detail, how="picked")).decode())
        # let the desk load before the churn starts: it says "go" with a ping when loaded
        while True:
            raw = await ws.recv()  # type: ignore[attr-defined]
            if '"go"' in raw:
                break
        next_new = N_WAITING
        alive = list(range(N_WAITING))
        seq = N_TRANSCRIPT
        start = time.perf_counter()
        i = 0
        while time.perf_counter() - start < self.seconds:
            if not self.churn:
                await asyncio.sleep(0.05)
                continue
            due = start + i / UPDATES_PER_S
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            kind = i % 5
            if kind in (0, 1, 2):  # an update of a waiting conversation
                n = alive[(i * 7919) % len(alive)]
                item = queue_item(n, now)
                frame: object = QueueUpdated(item=item)
            elif kind == 3:  # a new arrival
                alive.append(next_new)
                frame = QueueUpdated(item=queue_item(next_new, datetime.now(UTC)))
                next_new += 1
            else:  # someone else picked one
                n = alive.pop((i * 104729) % len(alive))
                frame = QueueRemoved(conversation_id=f"q{n}")
            await send(encode(frame).decode())  # type: ignore[arg-type]
            self.sent_updates += 1
            if i % UPDATES_PER_S == 0:
                seq += 1
                message = Message(
                    conversation_id="big",
                    seq=seq,
                    sender=Sender.CONTACT,
                    text=TEXTS[seq % len(TEXTS)],
                    created_at=datetime.now(UTC),
                    author="赵敏",
                )
                await send(encode(MessageFrame(message=message)).decode())
            i += 1
        self.done.set()


def serve_main(seconds: float, transcript: bool, churn: bool) -> None:
    """The scripted server as its own process: the desk must not share a GIL with it."""
    server = ScriptedServer(seconds, transcript=transcript, churn=churn)
    server.start()
    print(f"port {server.port}", flush=True)
    server.done.wait()
    print(f"done {server.sent_updates}", flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def rss_mb() -> tuple[float, float]:
    fields: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


def measure_stalls(
    seconds: float, *, scroll: bool = True, transcript: bool = True, churn: bool = True
) -> dict[str, float]:
    from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer

    from desk_app.desk import i18n, theme
    from desk_app.desk.app import DeskApp, create_application
    from desk_app.desk.settings import DeskSettings, TokenVault
    from desk_app.protocol.messages import Ping

    server = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            "--seconds",
            str(seconds),
            *([] if transcript else ["--no-transcript"]),
            *([] if churn else ["--no-churn"]),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    port = int(server.stdout.readline().split()[1])
    server_lines: list[str] = []
    reader = threading.Thread(target=lambda: server_lines.extend(server.stdout or []), daemon=True)
    reader.start()
    app = create_application(["desk-bench"])
    i18n.install_translators(app, "zh_CN")
    theme.apply_theme(app, "light")
    tmp = tempfile.mkdtemp(prefix="desk-bench-")
    settings = DeskSettings(QSettings(f"{tmp}/desk.ini", QSettings.Format.IniFormat))
    desk = DeskApp(app, settings, vault=TokenVault(), language="zh_CN")
    desk.login_with_password(f"ws://127.0.0.1:{port}", "bench", "pw", False)

    clock = QElapsedTimer()
    clock.start()
    gaps_loading: list[float] = []
    gaps_steady: list[float] = []
    busy_steady: list[float] = []  # UI-thread CPU time between ticks
    last = [clock.nsecsElapsed(), time.thread_time()]
    phase = ["loading"]
    loaded_since = [0.0]

    def tick() -> None:
        now, cpu = clock.nsecsElapsed(), time.thread_time()
        gap = (now - last[0]) / 1e6
        busy = (cpu - last[1]) * 1e3
        last[0], last[1] = now, cpu
        if phase[0] == "steady":
            gaps_steady.append(gap)
            busy_steady.append(busy)
        else:
            gaps_loading.append(gap)

    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(TICK_MS)
    heartbeat.timeout.connect(tick)
    heartbeat.start()

    direction: dict[int, int] = {}

    def scroll_views() -> None:
        """One mouse-wheel notch on the transcript and on the queue, every 50 ms: an agent
        scrolling continuously with the wheel through both lists at once."""
        window = desk.window
        if window is None:
            return
        for bar, notch in (
            (window.queue_view.table.verticalScrollBar(), 3),
            *(
                [(window.current_view().transcript.verticalScrollBar(), 120)]  # type: ignore[union-attr]
                if window.current_view() is not None
                else []
            ),
        ):
            key = id(bar)
            step = direction.setdefault(key, -1)
            if bar.value() - notch < bar.minimum() or bar.value() + notch > bar.maximum():
                step = direction[key] = -step
            bar.setValue(bar.value() + step * notch)

    scroller = QTimer()
    scroller.setInterval(50)
    scroller.timeout.connect(scroll_views)
    if scroll:
        scroller.start()

    def check_loaded() -> None:
        window = desk.window
        controller = desk.controller
        if phase[0] == "loading" and window is not None and controller is not None:
            model = controller.transcripts.get("big")
            has_transcript = not transcript or (model is not None and model.rowCount() > 0)
            if len(controller.queue) >= N_WAITING and has_transcript:
                phase[0] = "settling"
                loaded_since[0] = time.perf_counter()
        if phase[0] == "settling" and time.perf_counter() - loaded_since[0] > 2.0:
            phase[0] = "steady"  # the batched transcript layout has finished by now
            assert desk.connection is not None
            desk.connection.send(Ping(nonce="go"))
        if any(line.startswith("done") for line in server_lines):
            app.quit()

    watcher = QTimer()
    watcher.setInterval(50)
    watcher.timeout.connect(check_loaded)
    watcher.start()
    QTimer.singleShot(int((seconds + 60) * 1000), app.quit)  # a safety net
    started = time.perf_counter()
    app.exec()
    elapsed = time.perf_counter() - started
    rss, peak = rss_mb()
    if desk.controller is not None:
        desk.controller.flush_queue()
    queue_rows = len(desk.controller.queue) if desk.controller else 0
    desk.shutdown()
    server.wait(timeout=30)
    sent = [int(line.split()[1]) for line in server_lines if line.startswith("done")]
    return {
        "run_seconds": round(elapsed, 1),
        "queue_updates_sent": sent[0] if sent else -1,
        "queue_rows_at_end": queue_rows,
        "steady_ticks": len(gaps_steady),
        "steady_gap_p50_ms": round(percentile(gaps_steady, 50), 2),
        "steady_gap_p99_ms": round(percentile(gaps_steady, 99), 2),
        "steady_gap_max_ms": round(max(gaps_steady, default=0.0), 2),
        "steady_busy_p99_ms": round(percentile(busy_steady, 99), 2),
        "steady_busy_max_ms": round(max(busy_steady, default=0.0), 2),
        "ui_cpu_share": round(sum(busy_steady) / max(1e-9, sum(gaps_steady)), 3),
        "load_average_1m": os.getloadavg()[0],
        "loading_gap_max_ms": round(max(gaps_loading, default=0.0), 2),
        "loading_gap_p99_ms": round(percentile(gaps_loading, 99), 2),
        "rss_mb": round(rss, 1),
        "peak_rss_mb": round(peak, 1),
    }


def measure_startup(runs: int = 5) -> dict[str, float]:
    """Seconds from spawning ``desk app`` to the login window being shown."""
    times: list[float] = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="desk-start-") as home:
            env = {
                **os.environ,
                "DESK_STARTUP_PROBE": "1",
                "XDG_CONFIG_HOME": home,
                "HOME": home,
            }
            started = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "desk_app.cli", "app"],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
                cwd=REPO,
                text=True,
            )
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith("login-window-shown"):
                    times.append(time.perf_counter() - started)
                    break
            proc.wait(timeout=30)
    return {
        "startup_median_s": round(statistics.median(times), 3),
        "startup_max_s": round(max(times), 3),
        "startup_runs": len(times),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="steady-state duration")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--skip-startup", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-scroll", action="store_true", help="diagnosis: no scrolling")
    parser.add_argument("--no-transcript", action="store_true", help="diagnosis: no transcript")
    parser.add_argument("--no-churn", action="store_true", help="diagnosis: no queue updates")
    args = parser.parse_args()
    if args.serve:
        serve_main(args.seconds, not args.no_transcript, not args.no_churn)
        return 0
    figures: dict[str, object] = {"platform": os.environ.get("QT_QPA_PLATFORM", "")}
    if not args.skip_startup:
        figures.update(measure_startup())
    figures.update(
        measure_stalls(
            args.seconds,
            scroll=not args.no_scroll,
            transcript=not args.no_transcript,
            churn=not args.no_churn,
        )
    )
    text = json.dumps(figures, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
