"""Fit the fusion coefficients and the default threshold on validation data.

    python -m desk_app.knowledge._calibrate --data ../shared/data [--write]

For every data set in ``--data`` (folders with ``kb.yaml`` and ``val.csv``) it builds
knowledge bases in several regimes and collects the fusion features of every candidate of
every validation question, labelled right or wrong:

- ``full``: the knowledge base as given (40–100 questions per article);
- ``q3``: three questions per article (seeded sample) — a shop FAQ's regime;
- ``hold``: 20% of the articles removed, their questions becoming out-of-scope (near-miss
  questions from the same domain, which the data sets have too few of);
- ``q5-hold``: five questions per article and 20% held out.

It fits the ``with_classifier`` model on candidates the classifier scored and the ``lexical``
model on a second pass with the classifier off, then chooses the threshold that maximises the
mean over all regimes of (accuracy at threshold + out-of-scope recall) / 2, so no single
data set decides it. Test files are never read. ``--write`` rewrites matcher.yaml.
"""

from __future__ import annotations

import argparse
import csv
import pickle
import random
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from desk_app.knowledge._config import SHIPPED_CONFIG, MatchConfig
from desk_app.knowledge._fusion import Calibrator, feature_value
from desk_app.knowledge.index import Document, KnowledgeIndex

BASE_FEATURES = ("nn", "nmarg", "cen", "fz", "lnq", "qlen", "oov")
LEXICAL = (*BASE_FEATURES, "nn*lnq", "nmarg*lnq", "cen*lnq", "fz*lnq")
WITH_CLASSIFIER = ("dec", "dmarg", "dec*lnq", "dmarg*lnq", *LEXICAL)
REGIMES = ("full", "q3", "hold", "q5-hold")
THRESHOLDS = np.round(np.arange(0.05, 0.951, 0.01), 2)


def say(*parts: object, file: Any = None) -> None:
    """This is a command-line tool: it reports on stdout (progress on stderr)."""
    print(*parts, file=file or sys.stdout)


def read_documents(path: Path) -> list[Document]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return [
        Document(
            article_id=str(a["id"]),
            title=str(a.get("title", "")),
            questions=tuple(str(q) for q in a.get("questions", [])),
            answer=str(a.get("answer", "")),
        )
        for a in data["articles"]
    ]


def read_cases(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [(r["text"], (r.get("expected") or "").strip()) for r in csv.DictReader(fh)]


def regime(documents: list[Document], name: str, seed: int = 7) -> tuple[list[Document], set[str]]:
    """The knowledge base of one regime and the article ids held out of it."""
    rng = random.Random(f"{seed}:{name}")
    held: set[str] = set()
    if "hold" in name:
        ids = sorted(d.article_id for d in documents)
        held = set(rng.sample(ids, len(ids) // 5))
    keep = {"q3": 3, "q5-hold": 5}.get(name)
    out = []
    for d in documents:
        if d.article_id in held:
            continue
        if keep is not None and len(d.questions) > keep:
            questions = list(d.questions)
            rng.shuffle(questions)
            d = replace(d, questions=tuple(questions[:keep]))
        out.append(d)
    return out, held


def collect(
    documents: list[Document], cases: list[tuple[str, str]], config: MatchConfig
) -> list[dict[str, Any]]:
    """One record per case: expected id ('' = out of scope) and its candidates' features."""
    index = KnowledgeIndex(documents, config=config)
    index.wait_ready()
    known = {d.article_id for d in documents}
    found = index.candidate_features([t for t, _ in cases])
    return [
        {"expected": e if e in known else "", "candidates": c}
        for (_, e), c in zip(cases, found, strict=True)
    ]


def gather(data: Path, cache: Path | None) -> dict[tuple[str, str, bool], list[dict[str, Any]]]:
    if cache is not None and cache.exists():
        with cache.open("rb") as fh:
            return pickle.load(fh)
    base = MatchConfig.load()
    out = {}
    for folder in sorted(p for p in data.iterdir() if (p / "kb.yaml").exists()):
        documents = read_documents(folder / "kb.yaml")
        cases = read_cases(folder / "val.csv")
        for name in REGIMES:
            kb, _ = regime(documents, name)
            for with_classifier in (True, False):
                started = time.perf_counter()
                config = replace(base, classifier=with_classifier, background_training=False)
                out[(folder.name, name, with_classifier)] = collect(kb, cases, config)
                say(
                    f"{folder.name:12} {name:8} classifier={with_classifier!s:5} "
                    f"{time.perf_counter() - started:5.1f}s",
                    file=sys.stderr,
                )
    if cache is not None:
        with cache.open("wb") as fh:
            pickle.dump(out, fh)
    return out


def design(records: list[dict[str, Any]], names: tuple[str, ...], classifier: bool):
    rows, labels = [], []
    for record in records:
        for article_id, values in record["candidates"]:
            if bool(values["has_classifier"]) != classifier:
                continue
            rows.append([float(feature_value(values, n)) for n in names])
            labels.append(int(article_id == record["expected"]))
    return np.asarray(rows), np.asarray(labels)


def fit(records: list[dict[str, Any]], names: tuple[str, ...], classifier: bool) -> Calibrator:
    from sklearn.linear_model import LogisticRegression

    x, y = design(records, names, classifier)
    model = LogisticRegression(C=1.0, max_iter=5000).fit(x, y)
    return Calibrator(
        float(model.intercept_[0]), dict(zip(names, model.coef_[0].tolist(), strict=True))
    )


def decisions(records, config: MatchConfig) -> list[tuple[str, str, float]]:
    """(expected, best article, best score) per case, scored as the index scores."""
    out = []
    for record in records:
        best_id, best = "", -1.0
        for article_id, values in record["candidates"]:
            features = {k: np.asarray([v]) for k, v in values.items()}
            model = config.with_classifier if values["has_classifier"] else config.lexical
            score = float(model(features)[0])
            if score > best:
                best_id, best = article_id, score
        out.append((record["expected"], best_id, best))
    return out


def curve(decided: list[tuple[str, str, float]]) -> dict[str, np.ndarray]:
    expected = np.array([d[0] for d in decided])
    right = np.array([d[0] == d[1] and d[0] != "" for d in decided])
    score = np.array([d[2] for d in decided])
    in_scope = expected != ""
    n_in, n_out = max(1, in_scope.sum()), in_scope.size - in_scope.sum()
    answered = score[None, :] >= THRESHOLDS[:, None]
    acc = (answered & right[None, :]).sum(axis=1) / n_in
    oos = (
        ((~answered) & ~in_scope[None, :]).sum(axis=1) / n_out
        if n_out
        else np.full(len(THRESHOLDS), np.nan)
    )
    return {"top1": right[in_scope].mean() if in_scope.any() else np.nan, "acc": acc, "oos": oos}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--write", action="store_true", help="rewrite matcher.yaml")
    args = parser.parse_args(argv)
    records = gather(args.data, args.cache)
    with_clf = [r for (ds, name, clf), rs in records.items() if clf for r in rs]
    lexical = [r for (ds, name, clf), rs in records.items() if not clf for r in rs]
    config = replace(
        MatchConfig.load(),
        with_classifier=fit(with_clf, WITH_CLASSIFIER, True),
        lexical=fit(lexical, LEXICAL, False),
    )
    objective = []
    for (ds, name, clf), rs in sorted(records.items()):
        c = curve(decisions(rs, config))
        value = (c["acc"] + c["oos"]) / 2 if not np.isnan(c["oos"]).all() else c["acc"]
        objective.append(value)
        marks = "  ".join(
            f"t{t:.2f} {c['acc'][i]:.3f}/{c['oos'][i]:.3f}"
            for i, t in enumerate(THRESHOLDS)
            if round(t * 100) % 10 == 0 and 0.1 < t < 0.8
        )
        say(f"{ds[:10]:10} {name:8} clf={clf!s:5} top1 {c['top1']:.3f}  {marks}")
    mean = np.mean(objective, axis=0)
    threshold = float(THRESHOLDS[int(np.argmax(mean))])
    say(f"threshold {threshold:.2f} (objective {mean.max():.4f})")
    say(
        yaml.safe_dump(
            {
                "with_classifier": config.with_classifier.to_mapping(),
                "lexical": config.lexical.to_mapping(),
            },
            sort_keys=False,
        )
    )
    if args.write:
        write(threshold, config)
    return 0


def write(threshold: float, config: MatchConfig) -> None:
    text = SHIPPED_CONFIG.read_text(encoding="utf-8")
    head, _, _ = text.partition("calibration:")
    lines = []
    for line in head.splitlines():
        if line.startswith("threshold:"):
            line = f"threshold: {threshold:.2f}"
        lines.append(line)
    body = yaml.safe_dump(
        {
            "calibration": {
                "with_classifier": config.with_classifier.to_mapping(),
                "lexical": config.lexical.to_mapping(),
            }
        },
        sort_keys=False,
        default_flow_style=False,
    )
    SHIPPED_CONFIG.write_text("\n".join(lines) + "\n" + body, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
