"""Fit the fusion coefficients and the default threshold on validation data.

    python -m desk_app.knowledge._calibrate --data ../shared/data [--write]

For every data set in ``--data`` (folders with ``kb.yaml`` and ``val.csv``) it builds
knowledge bases in several regimes and collects the fusion features of every candidate of
every validation question, labelled right or wrong:

- ``full``: the knowledge base as given (40–100 questions per article);
- ``q3``: three questions per article (seeded sample) — a shop FAQ's regime;
- ``hold``: 20% of the articles removed, their questions becoming out-of-scope (near-miss
  questions from the same domain, which the data sets have too few of);
- ``q5-hold``: five questions per article and 20% held out;
- ``a20-q5``, ``a40-q3``, ``a12-q4``: a small FAQ — 12 to 40 articles with 3–5 questions,
  other articles' questions out of scope (a quarter as many as in scope);
- ``faq``: the sample shop FAQ (resources/knowledge/sample_kb.yaml) with hand-written
  validation paraphrases (tests/knowledge/data/sample_kb_val.csv), or ``--faq KB CASES``.

Every regime also gets 40 junk cases (interjections, key mashing, random frequent characters),
out of scope, because contacts type those too.

It fits the ``with_classifier`` model on candidates the classifier scored (only bases it is
trained for: many questions per article) and the ``lexical`` model on a second pass with the
classifier off; each regime weighs the same. Then it chooses the threshold that maximises the
mean over all regimes (and both models) of the value per question — right answers minus
WRONG_COST x wrong answers, a decline counting zero — so no single data set decides it.
Test files are never read. ``--write`` rewrites matcher.yaml (threshold and coefficients).
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

BASE_FEATURES = ("nn", "nmarg", "cen", "fz", "cov", "cov2", "lnq", "qlen", "oov")
LEXICAL = (
    *BASE_FEATURES,
    "nn*lnq",
    "nmarg*lnq",
    "cen*lnq",
    "fz*lnq",
    "cov*lnq",
    "cov2*lnq",
    # No products of similarity with margin (nn*nmarg...): fitted, they came out negative and
    # an exact question with a clear lead scored 0.2 — the validation objective gained 0.001.
    # Interjections like 啊啊啊 are handled where they arise, in _tokenize (no particle
    # unigrams).
)
WITH_CLASSIFIER = ("dec", "dmarg", "dec*lnq", "dmarg*lnq", *LEXICAL)
REPO = Path(__file__).resolve().parents[2]
# The sample shop FAQ with validation paraphrases written for calibration; its test cases
# (tests/knowledge/data/sample_kb_test.csv) are never read here.
SAMPLE_FAQ = (
    REPO / "resources" / "knowledge" / "sample_kb.yaml",
    REPO / "tests" / "knowledge" / "data" / "sample_kb_val.csv",
)
REGIMES = ("full", "q3", "hold", "q5-hold", "a20-q5", "a20-q5-s2", "a40-q3", "a12-q4")
THRESHOLDS = np.round(np.arange(0.05, 0.951, 0.01), 2)
# A wrong answer costs a little less than a right one gains: below the threshold the bot
# offers its two best guesses, and after two misses a person takes over, so a decline is
# not free either. With 0.75 the validation sets land where issue 4 asks (CLINC150 accuracy
# >= 0.90 with out-of-scope recall >= 0.5; the Chinese set >= 0.85 with >= 0.8).
WRONG_COST = 0.75


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
    """The knowledge base of one regime and the article ids held out of it.

    ``full``; ``qN``: N questions per article; ``hold``: 20% of the articles held out;
    ``aM``: only M articles (the rest held out: their questions are out of scope), the
    size of a small shop's FAQ. Parts combine: ``a20-q5``. A ``-sK`` suffix changes the seed.
    """
    parts = name.split("-")
    rng = random.Random(f"{seed}:{name}")
    ids = sorted(d.article_id for d in documents)
    held: set[str] = set()
    keep = None
    for part in parts:
        if part == "hold":
            held = set(rng.sample(ids, len(ids) // 5))
        elif part.startswith("a") and part[1:].isdigit():
            chosen = set(rng.sample(ids, min(len(ids), int(part[1:]))))
            held = set(ids) - chosen
        elif part.startswith("q") and part[1:].isdigit():
            keep = int(part[1:])
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


_FREQUENT = (
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于"
    "着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还"
    "进好小部其些主样理心她本前开但因只从想实"
)
_INTERJECTIONS = (
    "啊啊啊",
    "哈哈哈哈",
    "嗯嗯",
    "呃",
    "哦哦",
    "666",
    "ok",
    "hmm",
    "lol",
    "???",
    "。。。",
)


def junk_cases(name: str, count: int = 40, seed: int = 7) -> list[tuple[str, str]]:
    """What contacts also type: interjections, key mashing, random words. Out of scope.

    The data sets' out-of-scope questions are well-formed sentences; without these a weak
    match on one shared character (啊啊啊 -> the one question with 啊) looks confident.
    """
    rng = random.Random(f"{seed}:{name}:junk")
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = []
    for i in range(count):
        kind = i % 4
        if kind == 0:
            text = "".join(rng.choice(_FREQUENT) for _ in range(rng.randint(2, 6)))
        elif kind == 1:
            text = rng.choice(_INTERJECTIONS)
        elif kind == 2:
            text = "".join(rng.choice(letters) for _ in range(rng.randint(3, 10)))
        else:
            words = [
                "".join(rng.choice(letters) for _ in range(rng.randint(2, 6))) for _ in range(3)
            ]
            text = " ".join(words)
        out.append((text, ""))
    return out


def near_miss_cases(
    documents: list[Document], pool: list[str], name: str, count: int = 40, seed: int = 7
) -> list[tuple[str, str]]:
    """Questions about something else that share one word with the knowledge base.

    A contact asks 今天天气怎么样 and the shop's FAQ has 今天能发吗: one shared word, a large
    lead over every other article, and nothing else in common. The data sets' out-of-scope
    questions rarely look like that, so without these cases a lone shared word looks like a
    confident match. Each case is an out-of-scope sentence from ``pool`` (other data sets'
    questions in the same script) with a word of a random question of this base spliced in.
    """
    rng = random.Random(f"{seed}:{name}:near")
    questions = [q for d in documents for q in d.questions]
    if not questions or not pool:
        return []
    out = []
    for _ in range(count):
        sentence = rng.choice(pool)
        question = rng.choice(questions)
        if _is_cjk_text(question):
            if len(question) < 2:
                continue
            at = rng.randrange(len(question) - 1)
            word = question[at : at + 2]
            cut = rng.randrange(len(sentence) + 1)
            text = sentence[:cut] + word + sentence[cut:]
        else:
            words = [w for w in question.split() if len(w) > 3] or question.split()
            tokens = sentence.split()
            tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(words))
            text = " ".join(tokens)
        out.append((text, ""))
    return out


def _is_cjk_text(text: str) -> bool:
    return sum("\u4e00" <= c <= "\u9fff" for c in text) * 2 > len(text.replace(" ", ""))


def small_faq_cases(
    cases: list[tuple[str, str]], kept: set[str], name: str, seed: int = 7
) -> list[tuple[str, str]]:
    """In a small-FAQ regime, every held-out article's question is out of scope — 85% of
    the cases. A real FAQ's traffic is not like that, so keep a quarter as many
    out-of-scope cases as in-scope ones."""
    rng = random.Random(f"{seed}:{name}:cases")
    inside = [c for c in cases if c[1] in kept]
    outside = [c for c in cases if c[1] not in kept]
    return inside + rng.sample(outside, min(len(outside), len(inside) // 3))


def _same_script_pool(texts: dict[str, list[str]], label: str, kb: list[Document]) -> list[str]:
    cjk = _is_cjk_text(" ".join(q for d in kb[:20] for q in d.questions[:2]))
    return [
        t
        for other, pool in sorted(texts.items())
        if other != label
        for t in pool
        if _is_cjk_text(t) == cjk
    ]


def gather(
    data: Path, cache: Path | None, faqs: list[tuple[Path, Path]]
) -> dict[tuple[str, str, bool], list[dict[str, Any]]]:
    if cache is not None and cache.exists():
        with cache.open("rb") as fh:
            return pickle.load(fh)
    base = MatchConfig.load()
    groups: list[tuple[str, str, list[Document], list[tuple[str, str]]]] = []
    for folder in sorted(p for p in data.iterdir() if (p / "kb.yaml").exists()):
        documents = read_documents(folder / "kb.yaml")
        cases = read_cases(folder / "val.csv")
        for name in REGIMES:
            kb, _ = regime(documents, name)
            regime_cases = cases
            if any(part[:1] == "a" and part[1:].isdigit() for part in name.split("-")):
                regime_cases = small_faq_cases(cases, {d.article_id for d in kb}, name)
            groups.append((folder.name, name, kb, regime_cases))
    for kb_path, cases_path in faqs:
        groups.append((kb_path.stem, "faq", read_documents(kb_path), read_cases(cases_path)))
    # near misses: sentences from the other data sets in the same script (never this one's:
    # its questions may be in scope)
    texts: dict[str, list[str]] = {}
    for label, _, _, cases in groups:
        if label not in texts:  # the first regime of a data set has all its cases
            texts[label] = [t for t, _ in cases]
    groups = [
        (
            label,
            name,
            kb,
            cases
            + junk_cases(f"{label}:{name}")
            + near_miss_cases(kb, _same_script_pool(texts, label, kb), f"{label}:{name}"),
        )
        for label, name, kb, cases in groups
    ]
    out = {}
    for label, name, kb, cases in groups:
        for with_classifier in (True, False):
            started = time.perf_counter()
            config = replace(base, classifier=with_classifier, background_training=False)
            found = collect(kb, cases, config)
            if with_classifier and not any(
                values["has_classifier"] for r in found for _, values in r["candidates"]
            ):
                continue  # the base is scored lexically in production: no separate pass
            out[(label, name, with_classifier)] = found
            say(
                f"{label:12} {name:9} classifier={with_classifier!s:5} "
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


def fit(groups: list[list[dict[str, Any]]], names: tuple[str, ...], classifier: bool) -> Calibrator:
    """A logistic model over the candidates of every group, each group weighing the same.

    A group is one data set in one regime; without the weights CLINC150's 3,100 validation
    questions would outvote the Chinese set's 585 and the threshold would fit English.
    """
    from sklearn.linear_model import LogisticRegression

    xs, ys, ws = [], [], []
    for records in groups:
        x, y = design(records, names, classifier)
        if len(y) == 0:
            continue
        xs.append(x)
        ys.append(y)
        ws.append(np.full(len(y), 1.0 / len(records)))
    x, y, w = np.vstack(xs), np.concatenate(ys), np.concatenate(ws)
    model = LogisticRegression(C=1.0, max_iter=5000).fit(x, y, sample_weight=w / w.mean())
    return Calibrator(
        float(model.intercept_[0]), dict(zip(names, model.coef_[0].tolist(), strict=True))
    )


def suggestion_value(records, config: MatchConfig, threshold: float) -> np.ndarray:
    """Per floor in THRESHOLDS: (useful - useless suggestion lists) / cases.

    A case below the threshold gets up to three suggestions when its best score reaches the
    floor; they are useful when the right article is among them, useless otherwise (an
    out-of-scope question, or three wrong guesses).
    """
    useful = np.zeros(len(THRESHOLDS))
    useless = np.zeros(len(THRESHOLDS))
    for record in records:
        scored = []
        for article_id, values in record["candidates"]:
            features = {k: np.asarray([v]) for k, v in values.items()}
            model = config.with_classifier if values["has_classifier"] else config.lexical
            scored.append((float(model(features)[0]), article_id))
        if not scored:
            continue
        scored.sort(reverse=True)
        best = scored[0][0]
        if best >= threshold:
            continue
        offered = best >= THRESHOLDS
        hit = record["expected"] != "" and record["expected"] in [a for _, a in scored[:3]]
        useful += offered & hit
        useless += offered & (not hit)
    return (useful - useless) / max(1, len(records))


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


def curve(decided: list[tuple[str, str, float]]) -> dict[str, Any]:
    """Metrics at every threshold in THRESHOLDS for one regime's decisions.

    ``right`` and ``wrong`` are the shares of all cases answered with the right / a wrong
    article; the threshold maximises right - WRONG_COST * wrong.
    """
    expected = np.array([d[0] for d in decided])
    right = np.array([d[0] == d[1] and d[0] != "" for d in decided])
    score = np.array([d[2] for d in decided])
    in_scope = expected != ""
    n_in, n_out = max(1, in_scope.sum()), in_scope.size - in_scope.sum()
    answered = score[None, :] >= THRESHOLDS[:, None]
    good = (answered & right[None, :]).sum(axis=1)
    bad = (answered & ~right[None, :]).sum(axis=1)
    if n_out:
        oos = ((~answered) & ~in_scope[None, :]).sum(axis=1) / n_out
    else:
        oos = np.full(len(THRESHOLDS), np.nan)
    return {
        "top1": right[in_scope].mean() if in_scope.any() else np.nan,
        "acc": good / n_in,
        "oos": oos,
        "right": good / len(decided),
        "wrong": bad / len(decided),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument(
        "--faq",
        nargs=2,
        action="append",
        type=Path,
        metavar=("KB", "CASES"),
        help="a shop FAQ and its validation cases (default: the sample knowledge base)",
    )
    parser.add_argument("--write", action="store_true", help="rewrite matcher.yaml")
    parser.add_argument(
        "--export",
        nargs=2,
        metavar=("REGIME", "DIR"),
        help="write each data set's knowledge base in REGIME (e.g. q3) to DIR/<set>/kb.yaml "
        "for desk eval, and stop",
    )
    parser.add_argument(
        "--wrong-cost",
        type=float,
        default=WRONG_COST,
        help="what a wrong answer costs, relative to what a right one gains (default %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.export:
        export(args.data, args.export[0], Path(args.export[1]))
        return 0
    faqs = args.faq if args.faq is not None else [SAMPLE_FAQ] if SAMPLE_FAQ[1].exists() else []
    records = gather(args.data, args.cache, faqs)
    with_clf = [rs for (_, _, clf), rs in records.items() if clf]
    lexical = [rs for (_, _, clf), rs in records.items() if not clf]
    config = replace(
        MatchConfig.load(),
        with_classifier=fit(with_clf, WITH_CLASSIFIER, True),
        lexical=fit(lexical, LEXICAL, False),
    )
    objective = []
    for (ds, name, clf), rs in sorted(records.items()):
        c = curve(decisions(rs, config))
        objective.append(c["right"] - args.wrong_cost * c["wrong"])
        marks = "  ".join(
            f"t{t:.2f} {c['acc'][i]:.3f}/{c['oos'][i]:.3f}"
            for i, t in enumerate(THRESHOLDS)
            if round(t * 100) % 10 == 0 and 0.1 < t < 0.8
        )
        say(f"{ds[:10]:10} {name:8} clf={clf!s:5} top1 {c['top1']:.3f}  {marks}")
    mean = np.mean(objective, axis=0)
    threshold = float(THRESHOLDS[int(np.argmax(mean))])
    say(f"threshold {threshold:.2f} (objective {mean.max():.4f})")
    floors = np.mean([suggestion_value(rs, config, threshold) for rs in records.values()], axis=0)
    usable = threshold >= THRESHOLDS
    suggest_floor = float(THRESHOLDS[usable][int(np.argmax(floors[usable]))])
    say(f"suggest_floor {suggest_floor:.2f} (objective {floors[usable].max():.4f})")
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
        write(threshold, suggest_floor, config)
    return 0


def export(data: Path, name: str, out: Path) -> None:
    """The knowledge bases of regime ``name`` as kb.yaml files (same seed as calibration)."""
    for folder in sorted(p for p in data.iterdir() if (p / "kb.yaml").exists()):
        kb, _ = regime(read_documents(folder / "kb.yaml"), name)
        target = out / folder.name / "kb.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        articles = [
            {
                "id": d.article_id,
                "title": d.title,
                "answer": d.answer,
                "questions": list(d.questions),
            }
            for d in kb
        ]
        with target.open("w", encoding="utf-8") as fh:
            yaml.safe_dump({"articles": articles}, fh, allow_unicode=True, sort_keys=False)
        say(f"{target}: {len(kb)} articles, {sum(len(d.questions) for d in kb)} questions")


def write(threshold: float, suggest_floor: float, config: MatchConfig) -> None:
    text = SHIPPED_CONFIG.read_text(encoding="utf-8")
    head, _, _ = text.partition("calibration:")
    lines = []
    for line in head.splitlines():
        if line.startswith("threshold:"):
            line = f"threshold: {threshold:.2f}"
        elif line.startswith("suggest_floor:"):
            line = f"suggest_floor: {suggest_floor:.2f}"
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
