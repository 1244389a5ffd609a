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
   are scrolled by a wheel notch every 50 ms so the delegates paint.

   A 1 ms precise timer on the UI thread is the heartbeat: the gap between two ticks is how
   long an input event would have waited. For each gap it also records the UI thread's CPU
   time and, from ``/proc/thread-self/schedstat``, how long the thread was runnable but
   waiting for a core (the machine being busy: other processes on the shared cores, the
   benchmark's server). Reported over the steady state (from the end of loading to the end of
   the server's script), per 100 ms window of wall time:

   * ``window_stall_*``: the longest gap in each window (what a user feels), p50/p99/max;
   * ``window_own_*``: the same with each gap less its wait for a core (what the desk
     itself made the user wait: its UI-thread work and its own locks, the GIL included);
   * ``window_cpu_*``: the UI thread's CPU time within one gap;

   plus per-tick percentiles, stalls longer than a frame (16 ms) per minute and how much of
   their time was waiting for a core; for the desk's own stalls, how long of each the UI
   thread was neither running nor waiting for a core (blocked: the GIL, a lock, the disk) and
   how many had major page faults; and the longest gap while loading.
3. **Memory**: RSS and peak RSS of the desk process at the end.

The scripted server is a benchmark harness, not the product server: it lets the UI be loaded
exactly, without 5,000 simulated customers competing for the same two CPU cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
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
TICK_MS = 1  # heartbeat: finer than any stall worth reporting
WINDOW_MS = 100.0  # the longest stall is reported per window of this much wall time
THREAD = getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)  # Linux: this thread only
FRAME_MS = 16.0  # one frame at 60 Hz: a stall longer than this is a dropped frame

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


class SchedStat:
    """The calling thread's time on a CPU and waiting for one, from the kernel (ns).

    ``/proc/thread-self/schedstat`` holds "time on CPU, time runnable but waiting on a run
    queue, time slices". The wait is exactly the part of a stall that is the machine being
    busy (other processes on the shared cores, the benchmark's own server): a wall-clock gap
    minus it is what the desk itself made the user wait, whether computing on the UI thread
    or blocked on its own locks (the GIL held by the network thread). Falls back to zero wait
    where the file does not exist.
    """

    def __init__(self) -> None:
        try:
            self._fd: int | None = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
        except OSError:
            self._fd = None

    def read(self) -> tuple[int, int]:
        """``(on_cpu_ns, run_queue_wait_ns)`` of the thread that opened this.

        The CPU time comes from ``CLOCK_THREAD_CPUTIME_ID``: the file's own figure for a
        running thread is only brought up to date at scheduler ticks. The wait is final by
        the time the thread reads it (it accrues while the thread is *not* running).
        """
        if self._fd is None:
            return time.thread_time_ns(), 0
        return time.thread_time_ns(), int(os.pread(self._fd, 96, 0).split()[1])

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@dataclass
class Ticks:
    """One heartbeat tick per row: when it fired and what the UI thread did since the last."""

    at_ms: list[float] = field(default_factory=list)  # since the steady phase began
    gap_ms: list[float] = field(default_factory=list)  # wall clock since the previous tick
    cpu_ms: list[float] = field(default_factory=list)  # UI thread on a CPU in that gap
    wait_ms: list[float] = field(default_factory=list)  # UI thread runnable, waiting for a core
    faults: list[int] = field(default_factory=list)  # major page faults (reads from disk)

    def own_ms(self) -> list[float]:
        """Each gap without the time spent waiting for a core: what the desk cost."""
        return [g - w for g, w in zip(self.gap_ms, self.wait_ms, strict=True)]

    def window_max(self, values: list[float], window_ms: float = WINDOW_MS) -> list[float]:
        """The longest value per ``window_ms`` of wall time (a gap counts where it ends)."""
        if not self.at_ms:
            return []
        worst = [0.0] * (int(self.at_ms[-1] // window_ms) + 1)
        for at, value in zip(self.at_ms, values, strict=True):
            slot = int(at // window_ms)
            worst[slot] = max(worst[slot], value)
        return worst


def stall_figures(ticks: Ticks, seconds: float) -> dict[str, float]:
    """The steady phase's figures: wall-clock gaps, and the same without waiting for a core."""
    own = ticks.own_ms()
    wall_windows = ticks.window_max(ticks.gap_ms)
    own_windows = ticks.window_max(own)
    cpu_windows = ticks.window_max(ticks.cpu_ms)
    stalls = [i for i, gap in enumerate(ticks.gap_ms) if gap > FRAME_MS]
    own_stalls = [i for i in stalls if own[i] > FRAME_MS]
    wall_total = sum(ticks.gap_ms[i] for i in stalls)
    minutes = max(1e-9, seconds / 60)
    return {
        "steady_seconds": round(seconds, 1),
        "steady_ticks": len(ticks.gap_ms),
        # what a user feels: the longest stall in each 100 ms of the run
        "window_stall_p50_ms": round(percentile(wall_windows, 50), 1),
        "window_stall_p99_ms": round(percentile(wall_windows, 99), 1),
        "window_stall_max_ms": round(max(wall_windows, default=0.0), 1),
        # the same, each gap less the UI thread's wait for a core (the machine's share)
        "window_own_p99_ms": round(percentile(own_windows, 99), 1),
        "window_own_max_ms": round(max(own_windows, default=0.0), 1),
        # the UI thread's CPU time within one gap (Python and Qt on the UI thread only)
        "window_cpu_p99_ms": round(percentile(cpu_windows, 99), 1),
        "window_cpu_max_ms": round(max(cpu_windows, default=0.0), 1),
        # per heartbeat tick (1 ms timer): read with the tick rate in mind
        "tick_gap_p50_ms": round(percentile(ticks.gap_ms, 50), 2),
        "tick_gap_p99_ms": round(percentile(ticks.gap_ms, 99), 2),
        "tick_gap_max_ms": round(max(ticks.gap_ms, default=0.0), 1),
        # stalls longer than a frame: how many, and whose
        "stalls_over_16ms_per_min": round(len(stalls) / minutes, 1),
        "own_stalls_over_16ms_per_min": round(len(own_stalls) / minutes, 1),
        "stall_time_waiting_for_core": round(
            sum(ticks.wait_ms[i] for i in stalls) / max(1e-9, wall_total), 2
        ),
        "stall_time_ui_cpu": round(sum(ticks.cpu_ms[i] for i in stalls) / max(1e-9, wall_total), 2),
        # own stalls that were not CPU: the UI thread blocked (on the GIL, a lock, the disk)
        "own_stalls_blocked_ms": round(
            sum(own[i] - ticks.cpu_ms[i] for i in own_stalls) / max(1, len(own_stalls)), 1
        ),
        "own_stalls_with_page_faults": sum(1 for i in own_stalls if ticks.faults[i]),
        "ui_cpu_share": round(sum(ticks.cpu_ms) / max(1e-9, sum(ticks.gap_ms)), 3),
        "ui_wait_share": round(sum(ticks.wait_ms) / max(1e-9, sum(ticks.gap_ms)), 3),
    }


def measure_stalls(
    seconds: float,
    *,
    scroll: bool = True,
    transcript: bool = True,
    churn: bool = True,
    ticks_out: Path | None = None,
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
    sched = SchedStat()  # opened on the UI thread: it reads the UI thread's figures
    gaps_loading: list[float] = []
    steady = Ticks()
    on_cpu, waited = sched.read()
    last = [clock.nsecsElapsed(), on_cpu, waited, resource.getrusage(THREAD).ru_majflt]
    phase = ["loading"]
    loaded_since = [0.0]
    steady_from = [0]
    steady_until = [0]

    def tick() -> None:
        now = clock.nsecsElapsed()
        on_cpu, waited = sched.read()
        faults = resource.getrusage(THREAD).ru_majflt
        gap = (now - last[0]) / 1e6
        if phase[0] == "steady":
            steady.at_ms.append((now - steady_from[0]) / 1e6)
            steady.gap_ms.append(gap)
            steady.cpu_ms.append((on_cpu - last[1]) / 1e6)
            steady.wait_ms.append((waited - last[2]) / 1e6)
            steady.faults.append(faults - last[3])
        elif phase[0] != "finished":
            gaps_loading.append(gap)
        last[:] = [now, on_cpu, waited, faults]

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
            steady_from[0] = last[0] = clock.nsecsElapsed()
            assert desk.connection is not None
            desk.connection.send(Ping(nonce="go"))
        if phase[0] == "steady" and any(line.startswith("done") for line in server_lines):
            # exit(), not quit(): quit() closes the window, which asks "you hold a
            # conversation, quit anyway?" in a nested event loop
            phase[0] = "finished"
            steady_until[0] = clock.nsecsElapsed()
            app.exit(0)

    watcher = QTimer()
    watcher.setInterval(50)
    watcher.timeout.connect(check_loaded)
    watcher.start()
    safety = QTimer()
    safety.setSingleShot(True)
    safety.timeout.connect(lambda: app.exit(1))
    safety.start(int((seconds + 60) * 1000))  # a safety net
    started = time.perf_counter()
    app.exec()
    elapsed = time.perf_counter() - started
    heartbeat.stop()
    sched.close()
    rss, peak = rss_mb()
    if desk.controller is not None:
        desk.controller.flush_queue()
    queue_rows = len(desk.controller.queue) if desk.controller else 0
    if desk.window is not None:
        desk.window.confirm_close = False
    desk.shutdown()
    server.wait(timeout=30)
    sent = [int(line.split()[1]) for line in server_lines if line.startswith("done")]
    if ticks_out is not None:
        ticks_out.write_text(json.dumps(asdict(steady)) + "\n", encoding="utf-8")
    steady_s = (steady_until[0] - steady_from[0]) / 1e9 if steady_until[0] else 0.0
    return {
        "run_seconds": round(elapsed, 1),
        "completed": phase[0] == "finished",
        "queue_updates_sent": sent[0] if sent else -1,
        "queue_rows_at_end": queue_rows,
        **stall_figures(steady, steady_s),
        "load_average_1m": os.getloadavg()[0],
        "loading_gap_max_ms": round(max(gaps_loading, default=0.0), 1),
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
    parser.add_argument("--ticks", type=Path, help="diagnosis: write every steady tick here")
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
            ticks_out=args.ticks,
        )
    )
    text = json.dumps(figures, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
