"""A linear classifier over the knowledge base's questions (one class per article).

Nearest-question similarity only knows the questions as written; a linear model learns which
features tell the articles apart, which is worth ~10 points of top-1 accuracy on intent sets
with 40–100 questions per article (``docs/bot-quality.md``). It is a LinearSVC (liblinear,
one-vs-rest) on the same TF-IDF rows the lexical search uses; its decision values are
features of the fused score, not probabilities, so it needs no calibration of its own.

Training releases the GIL (liblinear runs ``nogil``), so the index trains it in a background
thread while searches go on. Only the largest 10% of weights are kept, as a sparse
features x articles matrix: accuracy is unchanged on the validation sets and the model of a
150-article base stays a few megabytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from desk_app.knowledge._lexical import pad_rows

__all__ = ["LinearIntents", "train"]


@dataclass(frozen=True, slots=True)
class LinearIntents:
    """Decision values of the base segment's articles for a batch of query rows."""

    weights: sp.csr_matrix  # (features, articles) float32
    bias: np.ndarray  # (articles,) float32

    def decision(self, queries: sp.csr_matrix) -> np.ndarray:
        """(queries, articles) dense decision values."""
        out = (queries @ pad_rows(self.weights, queries.shape[1])).toarray()
        out += self.bias
        return out


def train(
    questions: sp.csr_matrix,
    labels: np.ndarray,
    n_articles: int,
    *,
    c: float = 1.0,
    keep: float = 0.1,
) -> LinearIntents | None:
    """Fit on question rows labelled with their article; None when there is nothing to learn.

    ``keep`` is the share of weights kept (largest magnitude). With two articles liblinear
    fits one binary model; it is expanded to the two columns the index expects.
    """
    from sklearn.svm import LinearSVC  # imported here: ~0.3 s, only when a model is trained

    present = np.unique(labels)
    if len(present) < 2:
        return None
    model = LinearSVC(C=c, tol=1e-3, max_iter=2000)
    model.fit(questions, labels)
    coef = np.asarray(model.coef_, dtype=np.float32)
    bias = np.asarray(model.intercept_, dtype=np.float32)
    if coef.shape[0] == 1:  # binary: decision > 0 means present[1]
        coef = np.vstack([-coef, coef])
        bias = np.array([-bias[0], bias[0]], dtype=np.float32)
    if 0 < keep < 1:
        cut = np.quantile(np.abs(coef), 1.0 - keep)
        coef[np.abs(coef) < cut] = 0.0
    full_bias = np.full(n_articles, -10.0, dtype=np.float32)  # articles without questions
    full_bias[present] = bias
    weights = sp.csr_matrix(coef.T)  # (features, present classes)
    expand = sp.csr_matrix(
        (np.ones(len(present), dtype=np.float32), (np.arange(len(present)), present)),
        shape=(len(present), n_articles),
    )
    weights = (weights @ expand).tocsr()
    return LinearIntents(weights, full_bias)
