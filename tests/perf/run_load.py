"""Server load benchmark (issue 3): echo baseline and scenarios (a), (b), (c), median of runs.

Run (about 12 minutes with the defaults)::

    /work/venv/bin/python tests/perf/run_load.py            # all scenarios, 3 runs
    /work/venv/bin/python tests/perf/run_load.py --runs 1 --duration 5 --only echo,a
    # before/after in one session: both commits, every scenario interleaved, two tables
    /work/venv/bin/python tests/perf/run_load.py --snapshot HEAD --baseline REV --loops uvloop

Every scenario gets its own server process (fresh SQLite database in a temporary
directory) and its own generator process (:mod:`loadgen.generator`: a hand-written,
zero-mask WebSocket client, far cheaper per message than the server). Scenarios are
interleaved within each run so that noise from other work on the machine spreads over all
of them; the ratios to the echo baseline are taken within a run, then the median.

Scenarios:

=========  ============================================================================
echo       bare ``websockets`` echo server, closed loop: the ceiling
a          messages in conversations held by an agent; the reply is the ``ack`` (after
           commit) and each message is also pushed to the agent; closed loop
b          messages the bot answers (sample knowledge base); the reply is the bot's
           answer; closed loop
c          as (b) at a fixed offered 500 msg/s over the 1,000 connections (open loop)
echo-open the echo server at the same offered rate, for comparison with (c)
=========  ============================================================================

Each runs on the standard asyncio loop and, with ``--loops asyncio,uvloop`` (default), on
uvloop too (the generator always uses uvloop). Server CPU and memory come from
``/proc/<pid>``: CPU per message over the measuring window, RSS at its end, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PYTHON = sys.executable
SAMPLE_KB = ROOT / "resources" / "knowledge" / "sample_kb.yaml"
TICK = os.sysconf("SC_CLK_TCK")
SERVER_MODULE = ["-m", "loadgen.serve"]  # --server-script swaps it for a candidate change
SOURCE = [ROOT]  # where desk_app is imported from; --snapshot points it at a git archive
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Scenario:
    name: str
    server: str  # "echo" or "desk"
    gen: str  # generator scenario: echo | agent | bot
    mode: str  # closed | open
    bot: str = "product"


SCENARIOS = {
    "echo": Scenario("echo", "echo", "echo", "closed"),
    "a": Scenario("a", "desk", "agent", "closed"),
    "b": Scenario("b", "desk", "bot", "closed"),
    "c": Scenario("c", "desk", "bot", "open"),
    "a-keyword": Scenario("a-keyword", "desk", "agent", "closed", bot="keyword"),
    "echo-open": Scenario("echo-open", "echo", "echo", "open"),
}


@dataclass
class Result:
    scenario: str
    loop: str
    run: int
    gen: dict[str, Any] = field(default_factory=dict)
    server_cpu_s: float = 0.0
    rss_mb: float = 0.0
    peak_rss_mb: float = 0.0
    bot: str = ""
    error: str = ""
    label: str = ""  # which source: "" alone, or the commit with --baseline

    @property
    def rate(self) -> float:
        return float(self.gen.get("rate") or 0.0)

    @property
    def cpu_us_per_msg(self) -> float | None:
        replies = self.gen.get("replies") or 0
        return self.server_cpu_s / replies * 1e6 if replies else None


def family(pid: int) -> list[int]:
    """The server and its child processes (the contact writer): the server's cost is theirs."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return [pid, *children]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the server and its children, all threads included."""
    total = 0
    for member in family(pid):
        fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, peak RSS) in MiB, of the server and its children together."""
    rss = hwm = 0
    for member in family(pid):
        status = Path(f"/proc/{member}/status").read_text()
        rss += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
        hwm += int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return rss / 1024, hwm / 1024


def bot_texts(path: Path) -> list[str]:
    """Questions from the sample knowledge base that do not ask for a person."""
    import yaml

    from desk_app.bot.seam import HUMAN_REQUEST

    data = yaml.safe_load(SAMPLE_KB.read_text(encoding="utf-8"))
    texts = [
        q
        for article in data.get("articles", [])
        for q in article.get("questions", [])
        if isinstance(q, str) and not HUMAN_REQUEST.search(q)
    ]
    path.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    return texts


def env(source: Path | None = None) -> dict[str, str]:
    e = dict(os.environ)
    where = source or SOURCE[0]
    e["PYTHONPATH"] = os.pathsep.join([str(HERE), str(where), e.get("PYTHONPATH", "")])
    return e


def start_server(
    sc: Scenario, loop: str, workdir: Path, tag: str, source: Path | None = None
) -> tuple[subprocess.Popen[bytes], int, str, Path]:
    out = workdir / f"server-{tag}.out"
    err = workdir / f"server-{tag}.err"
    if sc.server == "echo":
        cmd = [PYTHON, "-m", "loadgen.echo_server", "--port", "0"]
    else:
        db = workdir / f"desk-{tag}.sqlite3"
        cmd = [PYTHON, *SERVER_MODULE, "--db", f"sqlite:///{db}", "--bot", sc.bot]
    if loop == "uvloop":
        cmd.append("--uvloop")
    proc = subprocess.Popen(
        cmd, cwd=HERE, env=env(source), stdout=out.open("wb"), stderr=err.open("wb")
    )
    expected = str(source or SOURCE[0])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        lines = out.read_text(errors="replace").split("\n")
        ready = [line for line in lines if line.startswith("READY")]
        if ready:
            imported = [line[7:] for line in lines if line.startswith("SOURCE ")]
            if imported and not imported[0].startswith(expected):
                proc.kill()
                raise RuntimeError(f"server imported desk_app from {imported[0]}")
            parts = ready[0].split(" ", 3)
            return proc, int(parts[1]), parts[3] if len(parts) > 3 else "", err
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server did not start: {err.read_text(errors='replace')[-2000:]}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_one(
    sc: Scenario,
    loop: str,
    run: int,
    args: argparse.Namespace,
    workdir: Path,
    texts: Path,
    source: tuple[str, Path] | None = None,
) -> Result:
    label, where = source if source else ("", None)
    tag = f"{sc.name}-{loop}-{run}{'-' + label if label else ''}"
    result = Result(sc.name, loop, run, label=label)
    server, port, result.bot, server_err = start_server(sc, loop, workdir, tag, where)
    gen_err = workdir / f"gen-{tag}.err"
    cmd = [
        PYTHON, "-m", "loadgen.generator",
        "--port", str(port),
        "--scenario", sc.gen,
        "--mode", sc.mode,
        "--connections", str(args.connections),
        "--warmup", str(args.warmup),
        "--duration", str(args.duration),
        "--rate", str(args.rate),
        "--texts", str(texts),
    ]  # fmt: skip
    try:
        gen = subprocess.Popen(
            cmd, cwd=HERE, env=env(), stdout=subprocess.PIPE, stderr=gen_err.open("wb"), text=True
        )
        assert gen.stdout is not None
        cpu0 = 0.0
        for line in gen.stdout:
            if line.startswith("MEASURE_START"):
                cpu0 = cpu_seconds(server.pid)
            elif line.startswith("MEASURE_END"):
                result.server_cpu_s = cpu_seconds(server.pid) - cpu0
                result.rss_mb, result.peak_rss_mb = memory_mb(server.pid)
            elif line.startswith("RESULT "):
                result.gen = json.loads(line[7:])
        gen.wait(60)
        if not result.gen:
            result.error = gen_err.read_text(errors="replace")[-1500:]
    finally:
        stop(server)
    if result.error:
        result.error += "\nserver: " + server_err.read_text(errors="replace")[-1500:]
    return result


def snapshot(rev: str, into: Path, *, default: bool = True) -> str:
    """Extract ``desk_app`` and ``resources`` at ``rev`` into ``into``; servers import it
    (all of them, unless ``default`` is False: then only those told to, see --baseline)."""
    into.mkdir()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, "desk_app", "resources"],
        cwd=ROOT,
        capture_output=True,
    )
    archive.check_returncode()
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    if default:
        SOURCE[0] = into
    return commit


def source_state(snapshot_commit: str | None = None) -> str:
    """The commit measured, and any uncommitted server-side files (the tree is shared)."""
    if snapshot_commit:
        return f"commit {snapshot_commit} (snapshot, working-tree edits excluded)"
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "desk_app"], cwd=ROOT, capture_output=True, text=True
        ).stdout.split("\n")
    except OSError:
        return "unknown"
    changed = [line[3:] for line in dirty if line.strip()]
    return f"commit {head}" + (f", uncommitted: {', '.join(changed)}" if changed else "")


def progress(r: Result) -> None:
    g = r.gen
    print(
        f"run {r.run} {r.loop:7} {r.scenario:9} {r.label:8}"
        + (
            f"{g['rate']:>8,.0f} msg/s  p50 {g['p50_ms']} ms  p99 {g['p99_ms']} ms"
            f"  server cpu {r.server_cpu_s:.1f}s  gen cpu {g['generator_cpu_s']}s"
            f"  rss {r.rss_mb:.0f} MiB  errors {g['errors']}"
            f"  unanswered {g['unanswered']}"
            if g
            else f"FAILED\n{r.error}"
        ),
        file=sys.stderr,
        flush=True,
    )


def med(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def fmt(value: float | None, digits: int = 0, suffix: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{suffix}"


def table(results: list[Result], runs: int, source: str, label: str = "") -> str:
    results = [r for r in results if r.label == label]
    rows = [
        "| scenario | loop | msg/s | vs echo | CPU/msg vs echo | p50 ms | p99 ms "
        "| server CPU µs/msg | RSS MiB (peak) | errors + unanswered | bot |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    keys = list(dict.fromkeys((r.scenario, r.loop) for r in results))
    for name, loop in keys:
        mine = [r for r in results if r.scenario == name and r.loop == loop and r.gen]
        if not mine:
            rows.append(f"| {name} | {loop} | failed | | | | | | | | |")
            continue
        closed = SCENARIOS[name].mode == "closed"
        ratios: list[float | None] = []
        cpu_ratios: list[float | None] = []
        for r in mine:
            base = [
                b for b in results
                if b.scenario == "echo" and b.loop == loop and b.run == r.run and b.gen
            ]  # fmt: skip
            if closed and name != "echo" and base and base[0].rate:
                ratios.append(r.rate / base[0].rate)
                echo_cpu, cpu = base[0].cpu_us_per_msg, r.cpu_us_per_msg
                cpu_ratios.append(echo_cpu / cpu if echo_cpu and cpu else None)
        ratio, cpu_ratio = med(ratios), med(cpu_ratios)
        problems = sum(r.gen.get("errors", 0) + (r.gen.get("unanswered") or 0) for r in mine)
        rows.append(
            f"| {name} | {loop} | {fmt(med([r.rate for r in mine]))} "
            f"| {fmt(ratio * 100 if ratio else None, 0, ' %')} "
            f"| {fmt(cpu_ratio * 100 if cpu_ratio else None, 0, ' %')} "
            f"| {fmt(med([r.gen.get('p50_ms') for r in mine]), 1)} "
            f"| {fmt(med([r.gen.get('p99_ms') for r in mine]), 1)} "
            f"| {fmt(med([r.cpu_us_per_msg for r in mine]))} "
            f"| {fmt(med([r.rss_mb for r in mine]))} ({fmt(med([r.peak_rss_mb for r in mine]))}) "
            f"| {problems} | {mine[0].bot} |"
        )
    note = (
        f"median of {runs} run(s); vs echo = median of per-run ratios of msg/s to the echo "
        "server's (closed loop only); CPU/msg vs echo = echo's server CPU per message divided "
        f"by this one's (robust when other work competes for the cores); {source}"
    )
    return "\n".join(rows) + f"\n\n{note}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="echo,a,b,c,echo-open")
    parser.add_argument("--loops", default="asyncio,uvloop")
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=500.0, help="offered msg/s for c, echo-open")
    parser.add_argument("--json", help="also write every run's raw result here")
    parser.add_argument("--from-json", help="only print the table of an earlier --json file")
    parser.add_argument(
        "--server-script",
        help="run this script instead of loadgen.serve (same arguments): to measure a "
        "candidate change, e.g. a wrapper that patches a function, before committing it",
    )
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="with --snapshot: also measure this commit, interleaved (every scenario of a "
        "run on the baseline, then on the snapshot), one table each: a before/after in one "
        "session, under the same load",
    )
    parser.add_argument(
        "--snapshot",
        metavar="REV",
        help="measure this commit (git archive of desk_app) instead of the working tree, "
        "which others may be editing while the benchmark runs",
    )
    args = parser.parse_args()
    if args.server_script:
        SERVER_MODULE[:] = [str(Path(args.server_script).resolve())]
    if args.from_json:
        saved = json.loads(Path(args.from_json).read_text())
        source = saved["source"] if isinstance(saved, dict) else "source not recorded"
        rows = saved["results"] if isinstance(saved, dict) else saved
        loaded = [Result(**{k: v for k, v in r.items()}) for r in rows]
        for label in dict.fromkeys(r.label for r in loaded):
            title = (
                saved.get("sources", {}).get(label, source) if isinstance(saved, dict) else source
            )
            print(table(loaded, max(r.run for r in loaded), title, label) + "\n")
        return
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    loops = [x.strip() for x in args.loops.split(",") if x.strip()]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="desk-load-") as tmp:
        workdir = Path(tmp)
        texts = workdir / "texts.json"
        commit = snapshot(args.snapshot, workdir / "src") if args.snapshot else None
        source = source_state(commit)
        sources: list[tuple[str, Path] | None] = [None]
        titles = {"": source}
        if args.baseline:
            if not commit:
                parser.error("--baseline needs --snapshot")
            base = snapshot(args.baseline, workdir / "base", default=False)
            sources = [(base, workdir / "base"), (commit, workdir / "src")]
            titles = {base: source_state(base), commit: source}
            print(f"baseline {titles[base]}", file=sys.stderr)
        print(f"measuring {source}", file=sys.stderr)
        print(f"{len(bot_texts(texts))} bot texts from {SAMPLE_KB.name}", file=sys.stderr)
        for run in range(1, args.runs + 1):
            for loop in loops:
                for name in names:
                    for src in sources:
                        r = run_one(SCENARIOS[name], loop, run, args, workdir, texts, src)
                        results.append(r)
                        progress(r)
    for label, title in titles.items():
        print(table(results, args.runs, title, label) + "\n")
    if args.json:
        saved = {
            "source": source,
            "sources": titles,
            "results": [r.__dict__ for r in results],
        }
        Path(args.json).write_text(json.dumps(saved, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
