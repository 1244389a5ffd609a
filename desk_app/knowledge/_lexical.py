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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from desk_app.knowledge._tokenize import is_word_feature

__all__ = ["Segment", "Vectors", "Vocabulary", "pad_rows", "vectorize", "widen"]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Feature -> column, with IDF weights; ``extra`` holds features added after fitting.

    ``ids`` is never mutated once built (searches read it from other threads); extending
    makes a new object that shares it and carries a small ``extra`` dict.
    """

    ids: dict[str, int]
    extra: dict[str, int]
    idf: np.ndarray  # float32, one per column (ids then extra)
    is_word: np.ndarray  # bool, one per column
    oov_idf: float  # weight of a feature no question has (df = 0)

    @property
    def size(self) -> int:
        return len(self.idf)

    @classmethod
    def fit(cls, analyses: Sequence[list[str]]) -> Vocabulary:
        """IDF over ``analyses`` (one per question): ln((1+n)/(1+df)) + 1, as scikit-learn."""
        ids: dict[str, int] = {}
        cols: list[int] = []
        lengths = np.fromiter((len(a) for a in analyses), dtype=np.int64, count=len(analyses))
        setdefault = ids.setdefault
        for grams in analyses:
            cols.extend([setdefault(g, len(ids)) for g in grams])
        n = len(analyses)
        size = len(ids)
        rows = np.repeat(np.arange(n, dtype=np.int32), lengths)
        # coo -> csr sums repeated (question, feature) pairs in C; df counts the columns
        present = sp.coo_matrix(
            (np.ones(len(cols), dtype=np.float32), (rows, np.asarray(cols, dtype=np.int32))),
            shape=(n, size),
        ).tocsr()
        df = np.bincount(present.indices, minlength=size)
        idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
        is_word = np.fromiter((is_word_feature(g) for g in ids), dtype=bool, count=size)
        oov_idf = float(np.log(1.0 + n) + 1.0)
        return cls(ids, {}, idf, is_word, oov_idf)

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
        idf = np.concatenate([self.idf, np.full(len(new), self.oov_idf, dtype=np.float32)])
        is_word = np.concatenate(
            [self.is_word, np.fromiter((is_word_feature(g) for g in new), dtype=bool)]
        )
        return Vocabulary(ids, extra, idf, is_word, self.oov_idf)


@dataclass(frozen=True, slots=True)
class Vectors:
    """A batch of normalised rows, and how much of each text the vocabulary did not know."""

    matrix: sp.csr_matrix  # (texts, vocabulary.size), float32, rows L2-normalised
    oov: np.ndarray  # share (0-1) of each text's squared weight on unknown features


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
    n = len(analyses)
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
    lengths = np.fromiter((len(a) for a in analyses), dtype=np.int64, count=n)
    if not cols:
        empty = sp.csr_matrix((n, size), dtype=np.float32)
        return Vectors(empty, np.zeros(n, dtype=np.float32))
    width = size + len(unknown)
    counted = sp.coo_matrix(
        (
            np.ones(len(cols), dtype=np.float32),
            (np.repeat(np.arange(n, dtype=np.int32), lengths), np.asarray(cols, dtype=np.int64)),
        ),
        shape=(n, width),
    ).tocsr()  # sums repeats: data holds term counts
    counts = counted.data.astype(np.float64)
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(counted.indptr))
    cols_a = counted.indices.astype(np.int64)
    known = cols_a < size
    slot = np.where(known, cols_a, size)  # unknown features read the appended last entry
    idf = np.append(vocabulary.idf, np.float32(vocabulary.oov_idf))[slot]
    word = np.append(vocabulary.is_word, False)[slot]
    if unknown:
        unknown_word = np.fromiter((is_word_feature(g) for g in unknown), dtype=bool)
        word[~known] = unknown_word[cols_a[~known] - size]
    weights = (1.0 + np.log(counts)) * idf
    block = rows * 2 + word
    block_norm = np.sqrt(np.bincount(block, weights=weights * weights, minlength=2 * n))
    weights = weights / block_norm[block]
    if word_weight != 1.0:
        weights = np.where(word, weights * word_weight, weights)
    squared = weights * weights
    total = np.bincount(rows, weights=squared, minlength=n)
    unknown_part = np.bincount(rows, weights=np.where(known, 0.0, squared), minlength=n)
    oov = np.divide(unknown_part, total, out=np.zeros(n), where=total > 0)
    if not oov_in_norm:
        total = total - unknown_part
    norm = np.sqrt(total)
    weights = np.divide(weights, norm[rows], out=np.zeros_like(weights), where=norm[rows] > 0)
    rows, cols_a, weights = rows[known], cols_a[known], weights[known]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    matrix = sp.csr_matrix(
        (weights.astype(np.float32), cols_a.astype(np.int32), indptr), shape=(n, size)
    )
    return Vectors(matrix, oov.astype(np.float32))


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


@dataclass(slots=True)
class Segment:
    """The question vectors of some articles, searchable by nearest question.

    Article ``a``'s questions are rows ``starts[a]:starts[a] + counts[a]``; ``postings`` is
    the transposed question matrix (features x questions).
    """

    postings: sp.csr_matrix  # (vocabulary size at build, questions)
    questions: sp.csr_matrix  # (questions, vocabulary size at build)
    centroids: sp.csr_matrix  # (articles, vocabulary size at build), rows L2-normalised
    question_article: np.ndarray  # int32, article of each question
    counts: np.ndarray  # int32, questions per article
    texts: list[str]  # normalised question texts, one per question

    @classmethod
    def build(cls, vectors: sp.csr_matrix, counts: Sequence[int], texts: list[str]) -> Segment:
        counts_a = np.asarray(counts, dtype=np.int32)
        question_article = np.repeat(np.arange(len(counts_a), dtype=np.int32), counts_a)
        # centroid = normalised sum of an article's question vectors (a sparse matrix product)
        owner = sp.csr_matrix(
            (
                np.ones(len(question_article), dtype=np.float32),
                question_article,
                np.arange(len(question_article) + 1),
            ),
            shape=(len(question_article), len(counts_a)),
        )
        sums = (owner.T.tocsr() @ vectors).tocsr()
        norms = np.sqrt(np.asarray(sums.multiply(sums).sum(axis=1)).ravel())
        scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        centroids = sp.diags(scale.astype(np.float32)) @ sums
        return cls(
            postings=vectors.T.tocsr(),
            questions=vectors,
            centroids=centroids.tocsr(),
            question_article=question_article,
            counts=counts_a,
            texts=texts,
        )

    @property
    def n_articles(self) -> int:
        return len(self.counts)

    def nearest(self, queries: sp.csr_matrix) -> tuple[np.ndarray, ...]:
        """(row, article, best cosine, best question) for every article sharing a feature.

        One sparse product gives every query-question cosine; the per-article maximum is
        taken with one sort, so the cost follows the postings touched, not the KB size.
        """
        products = (queries @ pad_rows(self.postings, queries.shape[1])).tocsr()
        products.sort_indices()  # questions in id order, so each article's run is contiguous
        entries = np.diff(products.indptr)
        rows = np.repeat(np.arange(queries.shape[0], dtype=np.int64), entries)
        question = products.indices.astype(np.int64)
        score = products.data
        if len(score) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0, dtype=np.float32), empty
        article = self.question_article[question].astype(np.int64)
        key = rows * max(1, self.n_articles) + article
        starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
        best = np.maximum.reduceat(score, starts)
        # the first entry of each run that reaches the run's maximum is its best question
        run = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(key))))
        hit = np.flatnonzero(score >= best[run])
        first_hit = hit[np.concatenate([[True], run[hit][1:] != run[hit][:-1]])]
        return rows[starts], article[starts], best, question[first_hit]

    def centroid_similarity(
        self, queries: sp.csr_matrix, rows: np.ndarray, articles: np.ndarray
    ) -> np.ndarray:
        """Cosine between query ``rows[i]`` and the centroid of ``articles[i]``."""
        if len(rows) == 0:
            return np.zeros(0, dtype=np.float32)
        right = widen(self.centroids[articles], queries.shape[1])
        return np.asarray(queries[rows].multiply(right).sum(axis=1)).ravel()
