"""The knowledge index: which articles answer a question, with one calibrated 0–1 score.

One engine serves the bot (answer when the best score reaches :attr:`KnowledgeIndex.threshold`)
and the agents' knowledge panel (suggestions). A search runs, for a whole batch of texts:

1. normalisation (``normalize.py``) and features (``_tokenize.py``): character n-grams, words;
2. nearest question: TF-IDF cosine to every question sharing a feature (``_lexical.py``),
   best question per article, and the article's centroid;
3. a linear classifier over the questions (``_classifier.py``) when the base is small enough
   (at most ``classifier_max_articles``) and has been trained;
4. fusion (``_fusion.py``): a fixed logistic model turns each candidate's signals into the
   probability that it is the right article. That probability is :attr:`Match.score`.

Live edits. The index keeps a *base* (built in one go, with the classifier) and a *delta* of
the articles edited since. :meth:`upsert` and :meth:`remove` change the delta under a lock and
return; the next search sees the change (the delta is rebuilt lazily, in milliseconds, from
cached analyses). A background thread then rebuilds the base and retrains the classifier and
swaps it in; until then the edited articles are scored by the lexical model. Searches never
wait for training: liblinear releases the GIL, and a search only ever takes the lock to
rebuild a stale delta.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz.distance import Indel

from desk_app.knowledge._classifier import LinearIntents, train
from desk_app.knowledge._config import MatchConfig
from desk_app.knowledge._fusion import candidate_features
from desk_app.knowledge._lexical import Segment, Vocabulary, pair_dots, top_per_row, vectorize
from desk_app.knowledge._tokenize import analyze
from desk_app.knowledge.normalize import normalize

__all__ = ["Document", "KnowledgeIndex", "Match", "MatchConfig"]

log = logging.getLogger("desk_app.knowledge.index")


@dataclass(frozen=True, slots=True)
class Document:
    """An article as the index sees it: what it answers and the ways people ask for it."""

    article_id: str
    title: str
    questions: tuple[str, ...]
    answer: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Match:
    """A search result; ``score`` is the calibrated probability that the article is right."""

    article_id: str
    title: str
    score: float
    answer: str = ""
    tags: tuple[str, ...] = ()


@dataclass(slots=True)
class _Prepared:
    """A document's normalised question texts and their features (cached for the delta)."""

    document: Document
    texts: list[str]
    analyses: list[list[str]]


@dataclass(slots=True)
class _Base:
    """Articles indexed in one go at edit ``version``; ``classifier`` arrives later."""

    version: int
    documents: list[Document]
    position: dict[str, int]
    vocabulary: Vocabulary
    segment: Segment
    wants_classifier: bool
    classifier: LinearIntents | None = None
    trained: bool = False  # training finished (successfully or not)


@dataclass(slots=True)
class _Snapshot:
    """What one search reads: immutable once made, so searches need no lock."""

    version: int
    base: _Base
    alive: np.ndarray  # bool per base article: not removed or superseded by the delta
    delta_documents: list[Document]
    delta: Segment | None
    vocabulary: Vocabulary  # the base's, extended with the delta's new features


@dataclass(slots=True)
class _Candidates:
    """Candidate (query row, article) pairs and their signals, aligned arrays."""

    rows: np.ndarray
    in_delta: np.ndarray
    article: np.ndarray  # row in its segment
    nn: np.ndarray
    best_question: np.ndarray  # -1: no feature shared
    extras: dict[str, np.ndarray] = field(default_factory=dict)


class KnowledgeIndex:
    """Searchable articles; see the module docstring for how a search and an edit work."""

    def __init__(
        self, documents: Iterable[Document] = (), *, config: MatchConfig | None = None
    ) -> None:
        self.config = config or MatchConfig.load()
        self.threshold: float = float(self.config.threshold)
        # below the threshold, a best score of at least this is worth offering as a suggestion
        self.suggest_floor: float = float(self.config.suggest_floor)
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._documents: dict[str, Document] = {}
        for document in documents:
            self._documents[document.article_id] = _checked(document)
        self._prepared: dict[str, _Prepared] = {}
        self._edited: dict[str, int] = {}
        self._version = 0
        self._last_edit = 0.0
        self._worker: threading.Thread | None = None
        self._base = self._build_base(dict(self._documents), 0, cache=False)
        self._snapshot: _Snapshot | None = None
        if self._base.wants_classifier and not self.config.background_training:
            self._train(self._base)
        self._kick()

    # -- edits -------------------------------------------------------------------------------

    def upsert(self, document: Document) -> None:
        """Add or replace an article; the next search sees it."""
        document = _checked(document)
        with self._lock:
            if self._documents.get(document.article_id) == document:
                return  # unchanged (a reload of the same articles): nothing to rebuild
            self._documents[document.article_id] = document
            self._prepared.pop(document.article_id, None)
            self._mark_edited(document.article_id)

    def remove(self, article_id: str) -> None:
        """Take an article out; the next search no longer finds it. KeyError if absent."""
        with self._lock:
            if article_id not in self._documents:
                raise KeyError(article_id)
            del self._documents[article_id]
            self._prepared.pop(article_id, None)
            self._mark_edited(article_id)

    def _mark_edited(self, article_id: str) -> None:
        self._version += 1
        self._edited[article_id] = self._version
        self._last_edit = time.monotonic()
        self._kick()

    def __len__(self) -> int:
        return len(self._documents)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._documents

    def get(self, article_id: str) -> Document | None:
        """The indexed document with this id, if any."""
        return self._documents.get(article_id)

    # -- search ------------------------------------------------------------------------------

    def search(self, text: str, limit: int = 5) -> list[Match]:
        """The best articles for ``text``, best first (at most ``limit``)."""
        return self.search_many([text], limit)[0]

    def search_many(self, texts: Sequence[str], limit: int = 5) -> list[list[Match]]:
        """:meth:`search` for a batch in one vectorised pass (one list per text, in order)."""
        if not texts:
            return []
        snapshot = self._current()
        queries = [normalize(str(t)[: self.config.max_query_chars]) for t in texts]
        if limit <= 0:
            return [[] for _ in queries]
        scored = self._score(snapshot, queries)
        results: list[list[Match]] = [[] for _ in queries]
        if scored is None:
            return results
        rows, in_delta, article, prob = scored
        order = np.lexsort((-prob, rows))
        taken = [0] * len(queries)
        docs = (snapshot.base.documents, snapshot.delta_documents)
        # plain lists: indexing a numpy array per element costs more than the rest of the loop
        for row, delta, at, score in zip(
            rows[order].tolist(),
            in_delta[order].tolist(),
            article[order].tolist(),
            prob[order].tolist(),
            strict=True,
        ):
            if taken[row] >= limit:
                continue
            taken[row] += 1
            document = docs[delta][at]
            results[row].append(
                Match(document.article_id, document.title, score, document.answer, document.tags)
            )
        return results

    def candidate_features(self, texts: Sequence[str]) -> list[list[tuple[str, dict[str, float]]]]:
        """Every candidate's fusion features for each text (for calibration and debugging)."""
        snapshot = self._current()
        queries = [normalize(str(t)[: self.config.max_query_chars]) for t in texts]
        out: list[list[tuple[str, dict[str, float]]]] = [[] for _ in queries]
        found = self._candidates(snapshot, queries)
        if found is None:
            return out
        candidates, features, with_classifier = found
        docs = (snapshot.base.documents, snapshot.delta_documents)
        for i in range(len(candidates.rows)):
            document = docs[int(candidates.in_delta[i])][int(candidates.article[i])]
            values = {k: float(v[i]) for k, v in features.items()}
            values["has_classifier"] = float(with_classifier[i])
            out[int(candidates.rows[i])].append((document.article_id, values))
        return out

    def _score(
        self, snapshot: _Snapshot, queries: list[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        found = self._candidates(snapshot, queries)
        if found is None:
            return None
        candidates, features, with_classifier = found
        prob = self.config.lexical(features)
        if with_classifier.any():
            chosen = {k: v[with_classifier] for k, v in features.items()}
            prob[with_classifier] = self.config.with_classifier(chosen)
        return candidates.rows, candidates.in_delta, candidates.article, prob

    def _candidates(
        self, snapshot: _Snapshot, queries: list[str]
    ) -> tuple[_Candidates, dict[str, np.ndarray], np.ndarray] | None:
        config = self.config
        analyses = [
            analyze(
                q,
                latin=config.latin_ngrams,
                cjk=config.cjk_ngrams,
                word_bigrams=config.word_bigrams,
                jieba_words=config.jieba_words,
            )
            for q in queries
        ]
        vectors = vectorize(
            analyses,
            snapshot.vocabulary,
            word_weight=config.word_weight,
            oov_in_norm=config.oov_in_norm,
        )
        matrix = vectors.matrix
        n = len(queries)
        base = snapshot.base
        n_base = len(base.documents)
        k = max(1, config.candidates)

        # nearest question in both segments, as pairs keyed by a global article number
        parts = []
        if n_base:
            rows, art, nn, best = base.segment.scan(matrix, keep=2 * k)
            live = snapshot.alive[art]
            parts.append((rows[live], art[live], nn[live], best[live]))
        delta = snapshot.delta
        if delta is not None and delta.n_articles:
            rows, art, nn, best = delta.scan(matrix, keep=2 * k)
            parts.append((rows, art + n_base, nn, best))
        if parts:
            rows, glob, nn, best = (np.concatenate(p) for p in zip(*parts, strict=True))
        else:
            rows = glob = best = np.zeros(0, dtype=np.int64)
            nn = np.zeros(0, dtype=np.float32)
        picked = top_per_row(rows, nn, k)
        p_rows, p_glob, p_nn = rows[picked], glob[picked], nn[picked]
        ranked = picked_rank(p_rows)
        nn1 = np.zeros(n)
        nn2 = np.zeros(n)
        top1 = np.full(n, -1, dtype=np.int64)
        first = ranked == 0
        nn1[p_rows[first]] = p_nn[first]
        top1[p_rows[first]] = p_glob[first]
        second = ranked == 1
        nn2[p_rows[second]] = p_nn[second]
        chosen_rows = [p_rows]
        chosen_glob = [p_glob]

        classifier = base.classifier
        decision = None
        if classifier is not None and n_base:
            decision = classifier.decision(matrix)
            decision[:, ~snapshot.alive] = -np.inf
            kk = min(k, n_base)
            top = np.argpartition(-decision, kk - 1, axis=1)[:, :kk].ravel().astype(np.int64)
            live = snapshot.alive[top] & np.repeat(np.array([bool(q) for q in queries]), kk)
            chosen_rows.append(np.repeat(np.arange(n), kk)[live])
            chosen_glob.append(top[live])
            ordered = np.sort(decision, axis=1)
            dec1 = ordered[:, -1]
            dec2 = ordered[:, -2] if n_base > 1 else np.full(n, -np.inf)
            dec_top = np.argmax(decision, axis=1)

        width = n_base + (delta.n_articles if delta is not None else 0) + 1
        keys = np.unique(np.concatenate(chosen_rows) * width + np.concatenate(chosen_glob))
        if len(keys) == 0:
            return None
        c_rows = keys // width
        c_glob = keys % width
        in_delta = c_glob >= n_base
        c_art = np.where(in_delta, c_glob - n_base, c_glob)
        # signals of the chosen pairs: from the scan, else exact (large segments) or none
        nn_keys = rows * width + glob
        order = np.argsort(nn_keys)
        at = np.minimum(np.searchsorted(nn_keys[order], keys), max(len(order) - 1, 0))
        found = nn_keys[order][at] == keys if len(order) else np.zeros(len(keys), dtype=bool)
        src = order[at] if len(order) else np.zeros(len(keys), dtype=np.int64)
        c_nn = np.where(found, nn[src] if len(nn) else 0.0, 0.0)
        c_best = np.where(found, best[src] if len(best) else -1, -1)
        missing = ~found & ~in_delta
        if missing.any() and not base.segment.complete:
            c_nn[missing], c_best[missing] = base.segment.exact(
                matrix, c_rows[missing], c_art[missing]
            )

        nn_other = np.where(c_glob == top1[c_rows], nn2[c_rows], nn1[c_rows])
        centroid = np.zeros(len(keys))
        counts = np.zeros(len(keys))
        fuzz = np.zeros(len(keys))
        coverage = np.zeros(len(keys))
        pair_coverage = np.zeros(len(keys))
        for in_d, segment in ((False, base.segment), (True, snapshot.delta)):
            sel = in_delta == in_d
            if segment is None or not sel.any():
                continue
            centroid[sel] = segment.centroid_similarity(matrix, c_rows[sel], c_art[sel])
            counts[sel] = segment.counts[c_art[sel]]
            has_best = np.nonzero(sel & (c_best >= 0))[0]
            coverage[has_best] = pair_dots(
                matrix, c_rows[has_best], segment.questions, c_best[has_best], coverage=True
            )
            # the same over character pairs and words only: one shared character (减 of
            # 满减 in 怎么减肥) covers little of what a contact asked
            covered = pair_dots(
                matrix,
                c_rows[has_best],
                segment.questions,
                c_best[has_best],
                coverage=True,
                skip=snapshot.vocabulary.is_unigram,
            )
            wanted = vectors.pairs[c_rows[has_best]]
            pair_coverage[has_best] = np.divide(
                covered, wanted, out=np.zeros(len(covered)), where=wanted > 0
            )
            texts = segment.texts
            idx = np.nonzero(sel & (c_best >= 0))[0]
            fuzz[idx] = [
                Indel.normalized_similarity(queries[r], texts[q])
                for r, q in zip(c_rows[idx].tolist(), c_best[idx].tolist(), strict=True)
            ]
        query_chars = np.array([len(q) for q in queries], dtype=np.float64)[c_rows]
        with_classifier = np.zeros(len(keys), dtype=bool)
        dec = dec_other = None
        if decision is not None:
            with_classifier = ~in_delta
            safe_art = np.where(in_delta, 0, c_art)
            dec = np.where(with_classifier, decision[c_rows, safe_art], 0.0)
            other = np.where(dec_top[c_rows] == safe_art, dec2[c_rows], dec1[c_rows])
            dec_other = np.where(with_classifier, np.maximum(other, -2.0), 0.0)
            dec = np.where(np.isfinite(dec), dec, -2.0)
        features = candidate_features(
            nn=c_nn,
            nn_other=nn_other,
            centroid=centroid,
            fuzz=fuzz,
            n_questions=counts,
            query_chars=query_chars,
            oov=vectors.oov[c_rows],
            coverage=coverage,
            pair_coverage=pair_coverage,
            cjk=np.array([_cjk_share(q) for q in queries])[c_rows],
            n_articles=int(snapshot.alive.sum()) + (delta.n_articles if delta is not None else 0),
            decision=dec,
            decision_other=dec_other,
        )
        if dec is None:
            for name in ("dec", "dmarg", "decq", "top_dec"):
                features[name] = np.zeros(len(keys))
        candidates = _Candidates(c_rows, in_delta, c_art, c_nn, c_best)
        return candidates, features, with_classifier

    # -- snapshots, bases and the background worker ----------------------------------------

    def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        if (
            snapshot is not None
            and snapshot.version == self._version
            and snapshot.base is self._base
        ):
            return snapshot
        with self._lock:
            snapshot = self._snapshot
            if (
                snapshot is None
                or snapshot.version != self._version
                or snapshot.base is not self._base
            ):
                snapshot = self._make_snapshot()
                self._snapshot = snapshot
            return snapshot

    def _make_snapshot(self) -> _Snapshot:
        base = self._base
        changed = [a for a, v in self._edited.items() if v > base.version]
        present = [a for a in changed if a in self._documents]
        if len(present) > max(self.config.max_delta_articles, 64, len(base.documents)):
            # a bulk load through upsert: build a base now (the classifier follows in the
            # background), since a delta that size would be rebuilt on every edit
            base = self._build_base(dict(self._documents), self._version, cache=False)
            self._base = base
            self._kick()
            changed, present = [], []
        alive = np.ones(len(base.documents), dtype=bool)
        for article_id in changed:
            position = base.position.get(article_id)
            if position is not None:
                alive[position] = False
        vocabulary = base.vocabulary
        delta = None
        documents: list[Document] = []
        if present:
            prepared = [self._prepare(self._documents[a], cache=True) for a in present]
            analyses = [a for p in prepared for a in p.analyses]
            vocabulary = vocabulary.extended(analyses)
            vectors = vectorize(
                analyses,
                vocabulary,
                word_weight=self.config.word_weight,
                oov_in_norm=self.config.oov_in_norm,
            )
            delta = Segment.build(
                vectors.matrix,
                [len(p.texts) for p in prepared],
                [t for p in prepared for t in p.texts],
            )
            documents = [p.document for p in prepared]
        return _Snapshot(self._version, base, alive, documents, delta, vocabulary)

    def _prepare(self, document: Document, *, cache: bool) -> _Prepared:
        if cache:
            found = self._prepared.get(document.article_id)
            if found is not None and found.document is document:
                return found
        config = self.config
        texts: list[str] = []
        seen: set[str] = set()
        sources = (
            (document.title, *document.questions) if config.include_title else document.questions
        )
        for source in sources:
            text = normalize(source)
            if text and text not in seen:
                seen.add(text)
                texts.append(text)
        analyses = [
            analyze(
                t,
                latin=config.latin_ngrams,
                cjk=config.cjk_ngrams,
                word_bigrams=config.word_bigrams,
                jieba_words=config.jieba_words,
            )
            for t in texts
        ]
        prepared = _Prepared(document, texts, analyses)
        if cache:
            self._prepared[document.article_id] = prepared
        return prepared

    def _build_base(self, documents: dict[str, Document], version: int, *, cache: bool) -> _Base:
        started = time.perf_counter()
        ordered = list(documents.values())
        prepared = [self._prepare(d, cache=cache) for d in ordered]
        analyses = [a for p in prepared for a in p.analyses]
        vocabulary, vectors = Vocabulary.fit_transform(
            analyses,
            word_weight=self.config.word_weight,
            cjk_unigram_weight=self.config.cjk_unigram_weight,
        )
        segment = Segment.build(
            vectors.matrix,
            [len(p.texts) for p in prepared],
            [t for p in prepared for t in p.texts],
            exact_questions=self.config.exact_questions,
        )
        config = self.config
        # The classifier pays where articles have many questions (intent sets: +5 points);
        # with a shop FAQ's 2-5 per article it adds nothing the lexical signals lack and its
        # decision values swing with the KB's size, so such bases are scored lexically.
        wants = (
            config.classifier
            and 2 <= len(ordered) <= config.classifier_max_articles
            and len(analyses) >= config.classifier_min_questions * len(ordered)
        )
        log.debug(
            "knowledge.base_built",
            extra={"articles": len(ordered), "seconds": round(time.perf_counter() - started, 3)},
        )
        return _Base(
            version=version,
            documents=ordered,
            position={d.article_id: i for i, d in enumerate(ordered)},
            vocabulary=vocabulary,
            segment=segment,
            wants_classifier=wants,
            trained=not wants,
        )

    def _train(self, base: _Base) -> None:
        try:
            base.classifier = train(
                base.segment.questions,
                base.segment.question_article,
                len(base.documents),
                c=self.config.classifier_c,
                keep=self.config.classifier_keep,
            )
        except Exception:  # a broken model must not take search down: lexical scores remain
            log.exception("knowledge.classifier_failed")
        finally:
            base.trained = True

    def _pending(self) -> str | None:
        """The background job due now or later: ``train``, ``compact`` or None."""
        base = self._base
        if not base.trained:
            return "train"
        if any(v > base.version for v in self._edited.values()):
            return "compact"
        return None

    def _kick(self) -> None:
        """Start the background worker if there is work and none is running (lock held)."""
        with self._lock:
            if self._pending() is None:
                self._idle.notify_all()
                return
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._work, name="knowledge-index", daemon=True
                )
                self._worker.start()
            else:
                self._idle.notify_all()

    def _work(self) -> None:
        while True:
            with self._lock:
                job = self._pending()
                if job is None:
                    self._worker = None
                    self._idle.notify_all()
                    return
                if job == "compact":
                    due = self._last_edit + self.config.retrain_delay_s
                    wait = due - time.monotonic()
                    if wait > 0:  # let a burst of edits settle before a rebuild
                        self._idle.wait(wait)
                        continue
                    version = self._version
                    documents = dict(self._documents)
                base = self._base
            try:
                if job == "train":
                    self._train(base)
                    continue
                fresh = self._build_base(documents, version, cache=False)
                if fresh.wants_classifier:
                    self._train(fresh)
                with self._lock:
                    if self._base.version < version:
                        self._base = fresh
                        self._edited = {a: v for a, v in self._edited.items() if v > version}
                        self._prepared = {
                            a: p for a, p in self._prepared.items() if a in self._edited
                        }
            except Exception:
                log.exception("knowledge.rebuild_failed")
                with self._lock:
                    self._worker = None
                    self._idle.notify_all()
                return

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until background training and rebuilds are done; False on timeout.

        For the evaluation and tests, which must score with the trained classifier; the
        server never waits (it answers lexically meanwhile).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while self._pending() is not None or self._worker is not None:
                if self._worker is None:
                    self._kick()
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._idle.wait(remaining)
            return True

    @property
    def trained(self) -> bool:
        """Whether the base's classifier (if it has one) is in use."""
        return self._base.trained


def _cjk_share(text: str) -> float:
    """Share of Chinese characters in a normalised text (similarities run higher in Chinese,
    where single characters are features)."""
    if not text:
        return 0.0
    return sum("\u3400" <= ch <= "\u9fff" for ch in text) / len(text)


def picked_rank(rows: np.ndarray) -> np.ndarray:
    """Rank of each entry within its row, for entries grouped by row in rank order."""
    return np.arange(len(rows)) - np.searchsorted(rows, rows, side="left")


def _checked(document: Document) -> Document:
    if not isinstance(document, Document):
        raise TypeError(f"expected a Document, got {type(document).__name__}")
    if not isinstance(document.article_id, str) or not document.article_id:
        raise ValueError("a document needs a non-empty article_id")
    questions = tuple(str(q) for q in document.questions if str(q).strip())
    if questions != document.questions:
        document = Document(
            document.article_id,
            str(document.title),
            questions,
            document.answer,
            tuple(document.tags),
        )
    return document
