"""One calibrated 0–1 score per (query, article) from the ranking signals.

Each candidate article of a query is described by a few numbers: its nearest-question cosine
and how far that beats the best other article, the centroid cosine, the rapidfuzz ratio to
its closest question (typos), how many questions it has, the query's length and its share of
unknown features, and — when the linear classifier knows the article — the classifier's
decision value and margin. A logistic model turns them into the probability that the article
is the right answer; the bot answers when the best probability reaches the threshold.

The model's coefficients are fixed (``resources/knowledge/matcher.yaml``), fitted once on the
validation sets of all three evaluation data sets *and* on sub-sampled knowledge bases with
3–5 questions per article and held-out articles (``desk_app.knowledge._calibrate``), so one
threshold means the same on a shop FAQ as on an intent set. The products with ``lnq`` let
the classifier count for more when an article has many questions and nearest-question
similarity carry articles with few. Articles the classifier has not been trained on yet (just
edited) and knowledge bases too large for it are scored by the ``lexical`` model, fitted on
the same data without classifier features.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["LEXICAL_FEATURES", "Calibrator", "candidate_features"]

LEXICAL_FEATURES = ("nn", "nmarg", "cen", "fz", "lnq", "qlen", "oov")
CLASSIFIER_FEATURES = ("dec", "dmarg")


def candidate_features(
    *,
    nn: np.ndarray,
    nn_other: np.ndarray,
    centroid: np.ndarray,
    fuzz: np.ndarray,
    n_questions: np.ndarray,
    query_chars: np.ndarray,
    oov: np.ndarray,
    coverage: np.ndarray | None = None,
    pair_coverage: np.ndarray | None = None,
    cjk: np.ndarray | None = None,
    n_articles: int = 1,
    decision: np.ndarray | None = None,
    decision_other: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The named features of candidate pairs (all arrays aligned, one entry per pair)."""
    features = {
        "nn": nn,
        "nmarg": nn - nn_other,
        "cen": centroid,
        "fz": fuzz,
        "lnq": np.log(np.maximum(n_questions, 1)),
        "qlen": np.log1p(query_chars),
        "oov": oov,
        "cov": np.zeros(len(nn)) if coverage is None else coverage,
        "cov2": np.zeros(len(nn)) if pair_coverage is None else pair_coverage,
        "cjk": np.zeros(len(nn)) if cjk is None else cjk,
        "nnq": np.maximum(nn, nn_other),
        "top_nn": (nn >= nn_other).astype(np.float64),
        "lna": np.full(len(nn), np.log(max(n_articles, 1))),
    }
    if decision is not None and decision_other is not None:
        features["dec"] = decision
        features["dmarg"] = decision - decision_other
        features["decq"] = np.maximum(decision, decision_other)
        features["top_dec"] = (decision >= decision_other).astype(np.float64)
    return {k: np.asarray(v, dtype=np.float64) for k, v in features.items()}


@dataclass(frozen=True, slots=True)
class Calibrator:
    """A logistic model over named features; a name ``a*b`` is the product of two features."""

    intercept: float
    weights: Mapping[str, float]

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Calibrator:
        weights = data.get("weights", {})
        if not isinstance(weights, Mapping):
            raise ValueError("calibration weights must be a mapping of feature: weight")
        return cls(
            float(data.get("intercept", 0.0)), {str(k): float(v) for k, v in weights.items()}
        )

    def to_mapping(self) -> dict[str, object]:
        return {
            "intercept": round(self.intercept, 6),
            "weights": {k: round(v, 6) for k, v in self.weights.items()},
        }

    def logit(self, features: Mapping[str, np.ndarray]) -> np.ndarray:
        size = len(next(iter(features.values()))) if features else 0
        out = np.full(size, self.intercept, dtype=np.float64)
        for name, weight in self.weights.items():
            out += weight * feature_value(features, name)
        return out

    def __call__(self, features: Mapping[str, np.ndarray]) -> np.ndarray:
        """Probabilities in [0, 1], one per candidate pair."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.logit(features), -40.0, 40.0)))


def feature_value(features: Mapping[str, np.ndarray], name: str) -> np.ndarray:
    """The values of feature ``name``; ``a*b`` multiplies two base features."""
    if "*" in name:
        left, right = name.split("*", 1)
        return features[left] * features[right]
    return features[name]
