"""``desk eval``: how well the bot answers from a knowledge base, measured on labelled cases.

``desk eval --kb KB.yaml --cases CASES.csv [--json]`` loads the knowledge base (YAML, JSON or
CSV, as ``desk kb``) into a fresh index, builds the bot exactly as ``desk server`` does (flows,
small talk, handoff policy, the configured threshold) and sends every case to it as the first
message of a new conversation. Cases are UTF-8 CSV with the header ``text,expected``;
``expected`` is an article id, or empty where the bot should not answer with an article (out
of scope, small talk, a request for a person).

Reported (fractions 0–1): ``top1_accuracy`` (in-scope cases whose best article is right,
threshold ignored), ``accuracy_at_threshold`` (in-scope cases the bot answered with the
right article; declining counts as wrong), ``oos_recall`` (out-of-scope cases not answered
with an article), ``wrong_answer_rate`` (share of all cases answered with a wrong article),
and ``latency_ms`` of one bot turn (median, p99).

``--tune VAL.csv`` prints the threshold a validation file suggests, for a person to put in
``resources/bot/config.yaml`` (``matching.threshold``); it never changes a file. Tune on
validation cases only and report on separate test cases.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FLOW_PREFIX = "flow:"


class EvalError(Exception):
    """A bad input file; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Case:
    text: str
    expected: str  # "" = the bot should not answer with an article


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="bot quality on a knowledge base and labelled cases",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    parser.add_argument("--kb", type=Path, required=True, metavar="KB", help="knowledge base file")
    parser.add_argument(
        "--cases", type=Path, metavar="CASES.csv", help="cases to report on (text,expected)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--tune",
        type=Path,
        metavar="VAL.csv",
        help="print the threshold these validation cases suggest (changes nothing)",
    )
    parser.add_argument(
        "--engine",
        choices=("bot", "index"),
        default="bot",
        help="bot: the whole bot as served (default); index: the knowledge index alone, "
        "answering when the best score reaches the threshold",
    )
    parser.add_argument(
        "--bot-config", type=Path, metavar="FILE", help="bot configuration (default: shipped)"
    )
    parser.add_argument(
        "--threshold", type=float, metavar="T", help="evaluate at T instead of the configured one"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.cases is None and args.tune is None:
        print("desk eval: give --cases CASES.csv (and/or --tune VAL.csv)", file=sys.stderr)
        return 2
    if args.threshold is not None and not 0.0 <= args.threshold <= 1.0:
        print("desk eval: --threshold must be between 0 and 1", file=sys.stderr)
        return 2
    try:
        cases = read_cases(args.cases) if args.cases is not None else None
        tune_cases = read_cases(args.tune) if args.tune is not None else None
        evaluator = Evaluator.load(args.kb, engine=args.engine, bot_config=args.bot_config)
    except EvalError as exc:
        print(f"desk eval: {exc}", file=sys.stderr)
        return 2
    if args.threshold is not None:
        evaluator.threshold = args.threshold
    output: dict[str, Any] = {}
    if tune_cases is not None:
        output["tune"] = evaluator.tune(tune_cases)
    if cases is not None:
        output.update(evaluator.evaluate(cases))
    if args.json:
        print(json.dumps(output, ensure_ascii=False, indent=2))
    else:
        print_report(output, kb=args.kb, cases=args.cases, tune=args.tune)
    return 0


def read_cases(path: Path) -> list[Case]:
    """The cases in a ``text,expected`` CSV file; EvalError names the problem."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise EvalError(f"{path}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EvalError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None or not {"text", "expected"} <= set(reader.fieldnames):
        raise EvalError(f"{path}: the header must name the columns text,expected")
    cases = []
    for line, row in enumerate(reader, start=2):
        value = row.get("text")
        if value is None:
            raise EvalError(f"{path}:{line}: missing text")
        cases.append(Case(value, (row.get("expected") or "").strip()))
    if not cases:
        raise EvalError(f"{path}: no cases")
    return cases


class Evaluator:
    """A fresh index and bot over one knowledge base, and the cases run through them."""

    def __init__(self, index: Any, bot: Any | None, article_ids: set[str], load_s: float) -> None:
        self.index = index
        self.bot = bot
        self.article_ids = article_ids
        self.load_s = load_s
        configured = bot.threshold if bot is not None else index.threshold
        self.threshold = float(configured)

    @classmethod
    def load(cls, kb: Path, *, engine: str = "bot", bot_config: Path | None = None) -> Evaluator:
        from desk_app.knowledge.articles import ArticleStatus
        from desk_app.knowledge.index import Document, KnowledgeIndex
        from desk_app.knowledge.kbfile import load_kb
        from desk_app.protocol.errors import DeskError

        started = time.perf_counter()
        try:
            articles = load_kb(kb)
        except DeskError as exc:
            raise EvalError(str(exc.detail)) from exc
        published = [a for a in articles if a.status == ArticleStatus.PUBLISHED]
        if not published:
            raise EvalError(f"{kb}: no published articles")
        index = KnowledgeIndex(
            Document(a.id, a.title, tuple(a.questions), a.answer, tuple(a.tags)) for a in published
        )
        bot = None
        if engine == "bot":
            from desk_app.bot.config import BotConfigError
            from desk_app.bot.engine import build_bot

            try:
                bot = build_bot(index, bot_config)
            except BotConfigError as exc:
                raise EvalError(str(exc)) from exc
        index.wait_ready()  # score as the live bot does a moment after start: classifier in
        return cls(index, bot, {a.id for a in published}, time.perf_counter() - started)

    def _tops(self, cases: Sequence[Case]) -> list[tuple[str, float]]:
        """The best article (flows left out) and its score for each case, in batches."""
        tops: list[tuple[str, float]] = []
        texts = [c.text for c in cases]
        for start in range(0, len(texts), 256):
            for hits in self.index.search_many(texts[start : start + 256], limit=5):
                best = next((m for m in hits if not m.article_id.startswith(FLOW_PREFIX)), None)
                tops.append((best.article_id, best.score) if best else ("", 0.0))
        return tops

    def _answer(self, text: str) -> str:
        """The article the bot answers ``text`` with as a conversation's first message."""
        if self.bot is None:
            hits = self.index.search(text, limit=1)
            if hits and hits[0].score >= self.threshold:
                return str(hits[0].article_id)
            return ""
        from desk_app.bot.seam import Answer, Turn

        turn = Turn(
            conversation_id=f"eval-{uuid.uuid4().hex}",
            text=text,
            now=datetime(2025, 1, 8, 10, 0, tzinfo=UTC),  # a weekday inside working hours
        )
        decision = self.bot.respond([turn])[0].decision
        if isinstance(decision, Answer) and decision.answered and decision.article_id:
            return str(decision.article_id)
        return ""

    def evaluate(self, cases: Sequence[Case]) -> dict[str, Any]:
        unknown = sorted({c.expected for c in cases if c.expected} - self.article_ids)
        if unknown:
            shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
            print(f"desk eval: expected ids not in the knowledge base: {shown}", file=sys.stderr)
        if self.bot is not None:
            self.bot.config = _with_threshold(self.bot.config, self.threshold)
        tops = self._tops(cases)
        answers: list[str] = []
        latencies: list[float] = []
        started = time.perf_counter()
        for case in cases:
            t0 = time.perf_counter()
            answers.append(self._answer(case.text))
            latencies.append((time.perf_counter() - t0) * 1000)
        elapsed = time.perf_counter() - started
        in_scope = [i for i, c in enumerate(cases) if c.expected]
        out_of_scope = [i for i, c in enumerate(cases) if not c.expected]
        right_top = sum(tops[i][0] == cases[i].expected for i in in_scope)
        right = sum(answers[i] == cases[i].expected for i in in_scope)
        declined_oos = sum(answers[i] == "" for i in out_of_scope)
        wrong = sum(a != "" and a != c.expected for a, c in zip(answers, cases, strict=True))
        return {
            "cases": len(cases),
            "in_scope": len(in_scope),
            "out_of_scope": len(out_of_scope),
            "top1_accuracy": _ratio(right_top, len(in_scope)),
            "accuracy_at_threshold": _ratio(right, len(in_scope)),
            "oos_recall": _ratio(declined_oos, len(out_of_scope)),
            "wrong_answer_rate": _ratio(wrong, len(cases)),
            "answered_rate": _ratio(sum(a != "" for a in answers), len(cases)),
            "latency_ms": {
                "median": round(statistics.median(latencies), 3),
                "p99": round(_percentile(latencies, 99), 3),
            },
            "threshold": round(self.threshold, 4),
            "engine": "bot" if self.bot is not None else "index",
            "articles": len(self.article_ids),
            "load_s": round(self.load_s, 2),
            "run_s": round(elapsed, 2),
        }

    def tune(self, cases: Sequence[Case]) -> dict[str, Any]:
        """The threshold that maximises (accuracy at threshold + out-of-scope recall) / 2.

        Uses the index's best score per case (the rule the bot applies to articles). With
        no out-of-scope cases there is nothing to decline, so accuracy alone would pick the
        lowest threshold; then the suggestion is the configured one and a note says why.
        """
        tops = self._tops(cases)
        in_scope = [i for i, c in enumerate(cases) if c.expected]
        out_of_scope = [i for i, c in enumerate(cases) if not c.expected]
        rows = []
        for step in range(5, 96):
            t = step / 100
            acc = _ratio(
                sum(tops[i][0] == cases[i].expected and tops[i][1] >= t for i in in_scope),
                len(in_scope),
            )
            oos = _ratio(sum(tops[i][1] < t for i in out_of_scope), len(out_of_scope))
            wrong = _ratio(
                sum(tops[i][1] >= t and tops[i][0] != cases[i].expected for i in range(len(cases))),
                len(cases),
            )
            rows.append(
                {
                    "threshold": t,
                    "accuracy_at_threshold": acc,
                    "oos_recall": oos,
                    "wrong_answer_rate": wrong,
                }
            )
        if out_of_scope and in_scope:
            best = max(rows, key=lambda r: (r["accuracy_at_threshold"] + r["oos_recall"]) / 2)
            suggested, note = (
                best["threshold"],
                "maximises (accuracy_at_threshold + oos_recall) / 2",
            )
        else:
            suggested = round(self.threshold, 2)
            note = "no out-of-scope cases (or no in-scope ones): keep the configured threshold"
        return {
            "suggested_threshold": suggested,
            "configured_threshold": round(self.threshold, 4),
            "note": note,
            "curve": rows[::5],
        }


def _with_threshold(config: Any, threshold: float) -> Any:
    from dataclasses import replace

    return replace(config, threshold=threshold)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def print_report(
    output: dict[str, Any], *, kb: Path, cases: Path | None, tune: Path | None
) -> None:
    def show(value: Any) -> str:
        return "—" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)

    if "cases" in output:
        print(f"knowledge base  {kb}  ({output['articles']} articles, engine {output['engine']})")
        print(f"cases           {cases}")
        rows = [
            ("cases", output["cases"]),
            ("in scope", output["in_scope"]),
            ("out of scope", output["out_of_scope"]),
            ("top-1 accuracy", output["top1_accuracy"]),
            ("accuracy at threshold", output["accuracy_at_threshold"]),
            ("out-of-scope recall", output["oos_recall"]),
            ("wrong answer rate", output["wrong_answer_rate"]),
            ("answered", output["answered_rate"]),
            ("latency median (ms)", output["latency_ms"]["median"]),
            ("latency p99 (ms)", output["latency_ms"]["p99"]),
            ("threshold", output["threshold"]),
        ]
        for label, value in rows:
            print(f"  {label:<24}{show(value):>10}")
    if "tune" in output:
        tuned = output["tune"]
        print(f"\ntuning on {tune}")
        print(f"  {'threshold':>10}{'acc@t':>10}{'oos rec':>10}{'wrong':>10}")
        for row in tuned["curve"]:
            print(
                f"  {row['threshold']:>10.2f}{show(row['accuracy_at_threshold']):>10}"
                f"{show(row['oos_recall']):>10}{show(row['wrong_answer_rate']):>10}"
            )
        print(
            f"  suggested threshold {tuned['suggested_threshold']:.2f} ({tuned['note']}); "
            f"configured {tuned['configured_threshold']:.2f}.\n"
            "  To use it, set matching.threshold in the bot configuration; nothing was changed."
        )
