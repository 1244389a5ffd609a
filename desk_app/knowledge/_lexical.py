"""TF-IDF vectors of questions and the nearest-question search over them.

A :class:`Vocabulary` maps features (from ``_tokenize.analyze``) to columns with an IDF
weight; :func:`vectorize` turns a batch of analysed texts into one sparse matrix of
L2-normalised rows in a handful of numpy calls, so a batch of bot turns costs one pass.
A :class:`Segment` holds the question vectors of a set of articles, transposed (one posting
list per feature) so that ``queries @ postings`` touches only the questions that share a
feature with a query, plus each article's centroid and normalised question texts.

The index keeps a large *base* segment and a small *delta* segment for articles edited since
the base was built; the delta reuses the base's vocabulary and IDF and gives features the
base has never seen the highest IDF, so an edit is searchable without refitting anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from desk_app.knowledge._tokenize import is_word_feature

__all__ = ["Segment", "Vectors", "Vocabulary", "pad_rows", "vectorize", "widen"]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Feature -> column, with IDF weights; ``extra`` holds features added after fitting.

    ``ids`` is never mutated once built (searches read it from other threads); extending
    makes a new object that shares it and carries a small ``extra`` dict. ``idf`` and
    ``is_word`` have one more entry than there are columns: the slot of unknown features.
    """

    ids: dict[str, int]
    extra: dict[str, int]
    idf: np.ndarray  # float32, one per column (ids then extra), then the unknown slot
    is_word: np.ndarray  # bool, likewise
    is_unigram: np.ndarray  # bool, likewise: a single Chinese character

    @property
    def size(self) -> int:
        return len(self.idf) - 1

    @property
    def oov_idf(self) -> float:
        """The weight of a feature no question has (df = 0): the highest IDF."""
        return float(self.idf[-1])

    @classmethod
    def fit_transform(
        cls,
        analyses: Sequence[list[str]],
        *,
        word_weight: float = 1.0,
        cjk_unigram_weight: float = 1.0,
    ) -> tuple[Vocabulary, Vectors]:
        """IDF over ``analyses`` (one per question), and their vectors, in one pass.

        IDF is scikit-learn's smooth form, ln((1+n)/(1+df)) + 1. A single Chinese character
        says less than a pair (减 in 怎么减肥 is not the 减 of 满减), so its IDF is scaled by
        ``cjk_unigram_weight``; it still carries typos such as 优惠卷 for 优惠券.
        """
        ids: dict[str, int] = {}
        cols: list[int] = []
        setdefault = ids.setdefault
        for grams in analyses:
            cols.extend([setdefault(g, len(ids)) for g in grams])
        n = len(analyses)
        size = len(ids)
        counted = _counts(analyses, cols, size)
        df = np.bincount(counted[1], minlength=size)
        idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
        if cjk_unigram_weight != 1.0:
            idf[_unigram_mask(ids)] *= cjk_unigram_weight
        oov_idf = np.log(1.0 + n) + 1.0
        is_word = np.fromiter((is_word_feature(g) for g in ids), dtype=bool, count=size)
        vocabulary = cls(
            ids,
            {},
            np.append(idf, oov_idf).astype(np.float32),
            np.append(is_word, False),
            np.append(_unigram_mask(ids), False),
        )
        return vocabulary, _weigh(counted, vocabulary, {}, word_weight, oov_in_norm=True)

    def extended(self, analyses: Sequence[list[str]]) -> Vocabulary:
        """This vocabulary plus every feature of ``analyses`` it lacks, at the OOV weight."""
        ids = self.ids
        extra = dict(self.extra)
        new: list[str] = []
        for grams in analyses:
            for g in grams:
                if g not in ids and g not in extra:
                    extra[g] = len(ids) + len(extra)
                    new.append(g)
        if not new:
            return self
        size = self.size
        idf = np.concatenate(
            [self.idf[:size], np.full(len(new) + 1, self.oov_idf, dtype=np.float32)]
        )
        is_word = np.concatenate(
            [
                self.is_word[:size],
                np.fromiter((is_word_feature(g) for g in new), dtype=bool, count=len(new)),
                [False],
            ]
        )
        is_unigram = np.concatenate([self.is_unigram[:size], _unigram_mask(new), [False]])
        return Vocabulary(ids, extra, idf, is_word, is_unigram)


def _unigram_mask(features: Iterable[str]) -> np.ndarray:
    return np.array([len(g) == 1 and "\u3400" <= g <= "\u9fff" for g in features], dtype=bool)


@dataclass(frozen=True, slots=True)
class Vectors:
    """A batch of normalised rows, and how much of each text the vocabulary did not know."""

    matrix: sp.csr_matrix  # (texts, vocabulary.size), float32, rows L2-normalised
    oov: np.ndarray  # share (0-1) of each text's squared weight on unknown features
    pairs: np.ndarray  # share (0-1) of each text's squared weight beyond single characters


def vectorize(
    analyses: Sequence[list[str]],
    vocabulary: Vocabulary,
    *,
    word_weight: float = 1.0,
    oov_in_norm: bool = True,
) -> Vectors:
    """TF-IDF rows (sublinear tf) with the character and word blocks each normalised.

    Normalising the two blocks separately keeps a long English sentence's many character
    n-grams from drowning its few words. With ``oov_in_norm`` a feature the vocabulary does
    not know still counts in the row's length (at the highest IDF) although it matches
    nothing: a question full of unknown words cannot look like a close match.
    """
    size = vocabulary.size
    ids, extra = vocabulary.ids, vocabulary.extra
    unknown: dict[str, int] = {}
    cols: list[int] = []
    get, get_extra = ids.get, extra.get
    for grams in analyses:
        for g in grams:
            col = get(g)
            if col is None:
                col = get_extra(g)
                if col is None:
                    col = unknown.setdefault(g, size + len(unknown))
            cols.append(col)
    counted = _counts(analyses, cols, size + len(unknown))
    return _weigh(counted, vocabulary, unknown, word_weight, oov_in_norm=oov_in_norm)


def _counts(
    analyses: Sequence[list[str]], cols: list[int], width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(row, column, count) of every distinct (text, feature) pair, sorted by row.

    Large batches (index builds) count with scipy's coo -> csr conversion, which sums
    repeats in C; a search's few dozen features are counted with one small sort instead,
    because scipy's per-call overhead (~100 µs) would dominate a query.
    """
    n = len(analyses)
    lengths = np.fromiter((len(a) for a in analyses), dtype=np.int64, count=n)
    rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
    cols_a = np.asarray(cols, dtype=np.int64)
    if len(cols_a) < 50_000:
        keys, counts = np.unique(rows * max(width, 1) + cols_a, return_counts=True)
        return keys // max(width, 1), keys % max(width, 1), counts, n
    counted = sp.coo_matrix(
        (np.ones(len(cols_a), dtype=np.float32), (rows.astype(np.int32), cols_a.astype(np.int32))),
        shape=(n, max(width, 1)),
    ).tocsr()
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(counted.indptr))
    return rows, counted.indices.astype(np.int64), counted.data, n


def _weigh(
    counted: tuple[np.ndarray, np.ndarray, np.ndarray, int],
    vocabulary: Vocabulary,
    unknown: dict[str, int],
    word_weight: float,
    *,
    oov_in_norm: bool,
) -> Vectors:
    rows, cols, counts, n = counted
    size = vocabulary.size
    known = cols < size
    slot = np.where(known, cols, size)  # unknown features read the last entry
    word = vocabulary.is_word[slot]
    unigram = vocabulary.is_unigram[slot]
    if unknown:
        unknown_word = np.fromiter((is_word_feature(g) for g in unknown), dtype=bool)
        word[~known] = unknown_word[cols[~known] - size]
        unigram[~known] = _unigram_mask(unknown)[cols[~known] - size]
    weights = (1.0 + np.log(counts)) * vocabulary.idf[slot]
    squared = weights * weights
    block = rows * 2 + word
    block_norm = np.sqrt(np.bincount(block, weights=squared, minlength=2 * n))
    scale = np.divide(1.0, block_norm, out=np.zeros_like(block_norm), where=block_norm > 0)
    if word_weight != 1.0:
        scale[1::2] *= word_weight
    weights = weights * scale[block]
    squared = weights * weights
    total = np.bincount(rows, weights=squared, minlength=n)
    if unknown:
        unknown_part = np.bincount(rows, weights=squared * ~known, minlength=n)
    else:
        unknown_part = np.zeros(n)
    oov = np.divide(unknown_part, total, out=np.zeros(n), where=total > 0)
    if not oov_in_norm:
        total = total - unknown_part
    pairs = np.divide(
        np.bincount(rows, weights=squared * ~unigram, minlength=n),
        total,
        out=np.zeros(n),
        where=total > 0,
    )
    inverse = np.divide(1.0, np.sqrt(total), out=np.zeros(n), where=total > 0)
    weights = weights * inverse[rows]
    if unknown:
        rows, cols, weights = rows[known], cols[known], weights[known]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    matrix = sp.csr_matrix(
        (weights.astype(np.float32), cols.astype(np.int32), indptr), shape=(n, size)
    )
    return Vectors(matrix, oov.astype(np.float32), pairs.astype(np.float32))


def widen(matrix: sp.csr_matrix, width: int) -> sp.csr_matrix:
    """``matrix`` with empty columns up to ``width`` (features added to the vocabulary)."""
    if matrix.shape[1] == width:
        return matrix
    return sp.csr_matrix(
        (matrix.data, matrix.indices, matrix.indptr), shape=(matrix.shape[0], width)
    )


def pad_rows(matrix: sp.csr_matrix, height: int) -> sp.csr_matrix:
    """``matrix`` with empty rows up to ``height`` (a features x something matrix meeting
    queries from a grown vocabulary)."""
    have = matrix.shape[0]
    if height <= have:
        return matrix
    indptr = np.concatenate([matrix.indptr, np.full(height - have, matrix.indptr[-1])])
    return sp.csr_matrix((matrix.data, matrix.indices, indptr), shape=(height, matrix.shape[1]))


def gather_rows(
    matrix: sp.csr_matrix, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The entries of ``matrix[rows]`` as (position in ``rows``, column, value) arrays.

    Plain numpy over ``indptr``: scipy's fancy row indexing costs ~100 µs of Python per call,
    more than the work for the few rows a search needs.
    """
    begin = matrix.indptr[rows].astype(np.int64)
    sizes = matrix.indptr[rows + 1].astype(np.int64) - begin
    total = int(sizes.sum())
    owner = np.repeat(np.arange(len(rows), dtype=np.int64), sizes)
    at = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    at += np.repeat(begin, sizes)
    return owner, matrix.indices[at], matrix.data[at]


def pair_dots(
    queries: sp.csr_matrix,
    query_rows: np.ndarray,
    matrix: sp.csr_matrix,
    rows: np.ndarray,
    *,
    coverage: bool = False,
    skip: np.ndarray | None = None,
) -> np.ndarray:
    """``queries[query_rows[i]] · matrix[rows[i]]`` for every i.

    With ``coverage`` it is instead the share of the query's (squared, unit) weight on
    features the row has at all: how much of what the contact wrote the question covers.
    """
    used = np.unique(queries.indices)
    if len(rows) == 0 or len(used) == 0:
        return np.zeros(len(rows), dtype=np.float64)
    dense = np.zeros((queries.shape[0], len(used) + 1), dtype=np.float32)
    q_rows = np.repeat(np.arange(queries.shape[0]), np.diff(queries.indptr))
    data = queries.data
    if skip is not None:  # columns that do not count (e.g. single characters)
        data = np.where(skip[np.minimum(queries.indices, len(skip) - 1)], 0.0, data)
    dense[q_rows, np.searchsorted(used, queries.indices)] = data
    owner, cols, data = gather_rows(matrix, rows)
    slot = np.searchsorted(used, cols)
    slot[(slot >= len(used)) | (used[np.minimum(slot, len(used) - 1)] != cols)] = len(used)
    query_part = dense[query_rows[owner], slot]  # the last column is all zeros
    values = query_part * query_part if coverage else data * query_part
    return np.bincount(owner, weights=values, minlength=len(rows))


def _keep_largest(matrix: sp.csr_matrix, limit: int) -> sp.csr_matrix:
    """Each row cut to its ``limit`` largest entries.

    An article with 100 questions has a centroid of thousands of features, most of them
    tiny; its largest few hundred carry the direction, and a bounded row keeps the centroid
    cosine of a search at a fixed cost.
    """
    sizes = np.diff(matrix.indptr)
    if len(sizes) == 0 or sizes.max() <= limit:
        return matrix
    rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), sizes)
    order = np.lexsort((-matrix.data, rows))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - np.repeat(matrix.indptr[:-1], sizes)
    keep = rank < limit
    indptr = np.zeros(matrix.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[keep], minlength=matrix.shape[0]), out=indptr[1:])
    return sp.csr_matrix((matrix.data[keep], matrix.indices[keep], indptr), shape=matrix.shape)


def top_per_row(rows: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest ``score`` entries of each row, grouped by row."""
    order = np.lexsort((-score, rows))
    ordered_rows = rows[order]
    first = np.searchsorted(ordered_rows, ordered_rows, side="left")
    return order[np.arange(len(order)) - first < k]


@dataclass(slots=True)
class Segment:
    """The question vectors of some articles, searchable by nearest question.

    Article ``a``'s questions are rows ``starts[a]:starts[a] + counts[a]``; ``postings`` is
    the transposed question matrix (features x questions).

    Large segments (more than ``exact_questions`` questions) search in two stages: the
    queries' common features (those in more than ``df_cap`` questions, e.g. 怎/么/吗 or
    " th") are left out of the first, approximate pass, which then touches only short
    posting lists; the best articles of that pass are re-scored exactly. Small segments
    are scored exactly in one pass.
    """

    postings: sp.csr_matrix  # (vocabulary size at build, questions)
    questions: sp.csr_matrix  # (questions, vocabulary size at build)
    centroids: sp.csr_matrix  # (articles, vocabulary size at build), rows L2-normalised
    question_article: np.ndarray  # int32, article of each question
    starts: np.ndarray  # int64, first question of each article
    counts: np.ndarray  # int32, questions per article
    texts: list[str]  # normalised question texts, one per question
    df: np.ndarray  # int64, questions per feature (posting list lengths)
    df_cap: int  # 0: exact search; else features above this df skip the first pass
    min_features: int

    @classmethod
    def build(
        cls,
        vectors: sp.csr_matrix,
        counts: Sequence[int],
        texts: list[str],
        *,
        exact_questions: int = 20000,
        df_ratio: float = 0.005,
        min_features: int = 6,
        centroid_features: int = 256,
    ) -> Segment:
        counts_a = np.asarray(counts, dtype=np.int32)
        n_questions = int(counts_a.sum())
        question_article = np.repeat(np.arange(len(counts_a), dtype=np.int32), counts_a)
        # centroid = normalised sum of an article's question vectors (a sparse matrix product)
        owner = sp.csr_matrix(
            (
                np.ones(n_questions, dtype=np.float32),
                question_article,
                np.arange(n_questions + 1),
            ),
            shape=(n_questions, len(counts_a)),
        )
        sums = _keep_largest((owner.T.tocsr() @ vectors).tocsr(), centroid_features)
        norms = np.sqrt(np.asarray(sums.multiply(sums).sum(axis=1)).ravel())
        scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        centroids = sp.diags(scale.astype(np.float32)) @ sums
        postings = vectors.T.tocsr()
        df_cap = 0 if n_questions <= exact_questions else max(64, int(df_ratio * n_questions))
        return cls(
            postings=postings,
            questions=vectors,
            centroids=centroids.tocsr(),
            question_article=question_article,
            starts=np.concatenate([[0], np.cumsum(counts_a)[:-1]]).astype(np.int64),
            counts=counts_a,
            texts=texts,
            df=np.diff(postings.indptr).astype(np.int64),
            df_cap=df_cap,
            min_features=min_features,
        )

    @property
    def n_articles(self) -> int:
        return len(self.counts)

    @property
    def complete(self) -> bool:
        """Whether :meth:`scan` returns every article sharing a feature with a query."""
        return self.df_cap == 0

    def scan(self, queries: sp.csr_matrix, keep: int) -> tuple[np.ndarray, ...]:
        """(row, article, best cosine, best question) pairs, exact scores.

        Complete segments return every article that shares a feature with a query; large
        ones return each query's ``keep`` best articles of the approximate first pass.
        """
        if self.complete:
            return self._pairs(queries)
        rows, article, approx, _ = self._pairs(self._rare_features(queries))
        pick = top_per_row(rows, approx, keep)
        rows, article = rows[pick], article[pick]
        score, question = self.exact(queries, rows, article)
        return rows, article, score, question

    def _rare_features(self, queries: sp.csr_matrix) -> sp.csr_matrix:
        """The queries without their common features (but never fewer than min_features)."""
        entries = np.diff(queries.indptr)
        rows = np.repeat(np.arange(queries.shape[0], dtype=np.int64), entries)
        cols = queries.indices
        df = np.zeros(len(cols), dtype=np.int64)
        inside = cols < len(self.df)
        df[inside] = self.df[cols[inside]]
        order = np.lexsort((df, rows))
        rank = np.empty(len(cols), dtype=np.int64)
        rank[order] = np.arange(len(cols)) - np.searchsorted(rows[order], rows[order])
        keep = (df <= self.df_cap) | (rank < self.min_features)
        indptr = np.zeros(queries.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows[keep], minlength=queries.shape[0]), out=indptr[1:])
        return sp.csr_matrix((queries.data[keep], cols[keep], indptr), shape=queries.shape)

    def _pairs(self, queries: sp.csr_matrix) -> tuple[np.ndarray, ...]:
        """Every (row, article) sharing a feature, with the best cosine and question.

        One sparse product gives every query-question cosine; with the questions in id
        order each article's entries are contiguous, so the maximum is one reduceat.
        """
        products = (queries @ pad_rows(self.postings, queries.shape[1])).tocsr()
        products.sort_indices()
        score = products.data
        if len(score) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0, dtype=np.float32), empty
        rows = np.repeat(np.arange(queries.shape[0], dtype=np.int64), np.diff(products.indptr))
        question = products.indices.astype(np.int64)
        article = self.question_article[question].astype(np.int64)
        key = rows * max(1, self.n_articles) + article
        starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
        best = np.maximum.reduceat(score, starts)
        # the first entry of each run that reaches the run's maximum is its best question
        run = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(key))))
        hit = np.flatnonzero(score >= best[run])
        first_hit = hit[np.concatenate([[True], run[hit][1:] != run[hit][:-1]])]
        return rows[starts], article[starts], best, question[first_hit]

    def exact(
        self, queries: sp.csr_matrix, rows: np.ndarray, articles: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Best cosine and best question (-1 if none) of each (row, article) pair."""
        score = np.zeros(len(rows), dtype=np.float32)
        question = np.full(len(rows), -1, dtype=np.int64)
        sizes = self.counts[articles].astype(np.int64)
        total = int(sizes.sum())
        if total == 0:
            return score, question
        ends = np.cumsum(sizes)
        offsets = np.arange(total) - np.repeat(ends - sizes, sizes)
        qids = np.repeat(self.starts[articles], sizes) + offsets
        pair = np.repeat(np.arange(len(rows)), sizes)
        dots = pair_dots(queries, rows[pair], self.questions, qids)
        has = sizes > 0
        firsts = (ends - sizes)[has]
        best = np.maximum.reduceat(dots, firsts)
        score[has] = best
        hit = np.flatnonzero(dots >= np.repeat(score, sizes))
        first_hit = hit[np.concatenate([[True], pair[hit][1:] != pair[hit][:-1]])]
        question[pair[first_hit]] = qids[first_hit]
        question[score <= 0] = -1
        return score, question

    def centroid_similarity(
        self, queries: sp.csr_matrix, rows: np.ndarray, articles: np.ndarray
    ) -> np.ndarray:
        """Cosine between query ``rows[i]`` and the centroid of ``articles[i]``."""
        if len(rows) == 0:
            return np.zeros(0, dtype=np.float32)
        return pair_dots(queries, rows, self.centroids, articles)
