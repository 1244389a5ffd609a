"""The matcher's settings: ``resources/knowledge/matcher.yaml``.

The file holds the default answer threshold, the feature settings and the calibration
coefficients, all produced together by ``python -m desk_app.knowledge._calibrate`` from
validation data only; change one and the others no longer fit. A shop tunes the threshold
in the bot's configuration (``resources/bot/config.yaml``), after ``desk eval --tune``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from desk_app.knowledge._fusion import Calibrator

__all__ = ["SHIPPED_CONFIG", "MatchConfig"]

SHIPPED_CONFIG = Path(__file__).resolve().parents[2] / "resources" / "knowledge" / "matcher.yaml"


def _fallback_lexical() -> Calibrator:
    # Only for a MatchConfig built by hand without coefficients: nearest-question cosine.
    return Calibrator(-4.0, {"nn": 8.0})


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """How the knowledge index analyses, ranks and scores. See matcher.yaml for each field."""

    threshold: float = 0.5
    suggest_floor: float = 0.1
    candidates: int = 10
    latin_ngrams: tuple[int, int] = (2, 4)
    cjk_ngrams: tuple[int, int] = (1, 2)
    word_bigrams: bool = True
    jieba_words: bool = False
    word_weight: float = 1.0
    cjk_unigram_weight: float = 1.0
    oov_in_norm: bool = True
    include_title: bool = True
    classifier: bool = True
    classifier_max_articles: int = 600
    classifier_min_questions: float = 8.0
    classifier_c: float = 1.0
    classifier_keep: float = 0.1
    background_training: bool = True
    retrain_delay_s: float = 0.5
    max_query_chars: int = 500
    max_delta_articles: int = 2000
    exact_questions: int = 20000
    with_classifier: Calibrator = field(default_factory=_fallback_lexical)
    lexical: Calibrator = field(default_factory=_fallback_lexical)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> MatchConfig:
        """A config from parsed YAML; unknown keys are an error (a typo must not pass)."""
        data = dict(data)
        calibration = data.pop("calibration", {}) or {}
        known = {f.name for f in fields(cls)} - {"with_classifier", "lexical"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"matcher config: unknown setting(s) {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name in ("latin_ngrams", "cjk_ngrams"):
                low, high = (int(v) for v in value)
                values[name] = (low, high)
            else:
                values[name] = value
        if "with_classifier" in calibration:
            values["with_classifier"] = Calibrator.from_mapping(calibration["with_classifier"])
        if "lexical" in calibration:
            values["lexical"] = Calibrator.from_mapping(calibration["lexical"])
        config = cls(**values)
        if not 0.0 <= config.suggest_floor <= config.threshold <= 1.0:
            raise ValueError("matcher config: need 0 <= suggest_floor <= threshold <= 1")
        return config

    @classmethod
    def load(cls, path: str | Path | None = None) -> MatchConfig:
        """The config in ``path``, default the shipped ``resources/knowledge/matcher.yaml``."""
        if path is None:
            return shipped()
        with Path(path).open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
        if not isinstance(data, Mapping):
            raise ValueError(f"{path}: expected a mapping of settings")
        return cls.from_mapping(data)


@lru_cache(maxsize=1)
def shipped() -> MatchConfig:
    """The shipped configuration, read once."""
    return MatchConfig.load(SHIPPED_CONFIG)
