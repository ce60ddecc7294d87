"""Split-conformal prediction sets and intervals calibrated on the reference; their coverage on current.

- classifiers (with probabilities): the score of a row is 1 − p(true class); with
  q = the ⌈(n + 1)(1 − α)⌉-th smallest reference score, a row's prediction set holds every class
  with 1 − p(class) ≤ q (the "LAC" sets of Sadinle et al., 2019);
- regressors: the score is |y − ŷ|; the interval is ŷ ± q.

On exchangeable data the sets cover the true label with probability ≥ 1 − α. Coverage on
current data below 1 − α (beyond sampling noise: the Wilson interval of the coverage lies below
1 − α) means the reference calibration no longer holds there: a robustness finding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from robustness.errors import ConfigError, DataError
from robustness.jsonsafe import to_json_safe
from robustness.models import ModelAdapter
from robustness.performance.evaluate import _predict, labelled

__all__ = ["ConformalKind", "Coverage", "ConformalResult", "conformal"]

ConformalKind = Literal["sets", "intervals"]  # prediction sets (classifiers) or intervals (regressors)


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    from scipy.stats import norm

    if n == 0:
        return math.nan, math.nan
    z = norm.ppf(0.5 + level / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Coverage:
    name: str  # "reference (calibration)" | "current"
    n: int
    coverage: float
    low: float
    high: float
    size: float  # mean set size (classes) or mean interval width

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "n": self.n,
            "coverage": to_json_safe(self.coverage),
            "low": to_json_safe(self.low),
            "high": to_json_safe(self.high),
            "size": to_json_safe(self.size),
        }


@dataclass(frozen=True, eq=False)
class ConformalResult:
    alpha: float
    kind: ConformalKind
    quantile: float  # q
    n_calibration: int
    current: Coverage | None  # None when current has no labels
    size_current: float  # mean set size / interval width on current (labels not needed)
    by_size: dict[int, float]  # set size -> share of current rows (classifiers)

    @property
    def target(self) -> float:
        return 1 - self.alpha

    @property
    def lost_coverage(self) -> bool:
        """Coverage on current is below 1 − α beyond sampling noise."""
        return self.current is not None and self.current.high < self.target

    def to_dict(self) -> dict[str, Any]:
        return {
            "alpha": self.alpha,
            "target": self.target,
            "kind": self.kind,
            "quantile": to_json_safe(self.quantile),
            "n_calibration": self.n_calibration,
            "current": None if self.current is None else self.current.to_dict(),
            "size_current": to_json_safe(self.size_current),
            "lost_coverage": self.lost_coverage,
            "by_size": {str(k): to_json_safe(v) for k, v in self.by_size.items()},
        }


def _quantile(scores: np.ndarray, alpha: float) -> float:
    n = scores.size
    rank = math.ceil((n + 1) * (1 - alpha))
    if rank > n:
        return math.inf
    return float(np.sort(scores)[rank - 1])


def conformal(
    model: ModelAdapter, reference: pd.DataFrame, current: pd.DataFrame, *, target: str, alpha: float = 0.1
) -> ConformalResult:
    if not 0 < alpha < 1:
        raise ConfigError(f"The miscoverage level alpha must be between 0 and 1 (e.g. 0.1 for 90% sets), not {alpha}.")
    d_ref, _ = labelled(model, reference, target, name="reference")
    if model.is_classifier:
        if d_ref.proba is None:
            raise DataError("Conformal prediction sets need class probabilities; this classifier gives none.")
        known = d_ref.y >= 0
        scores = 1 - d_ref.proba[known][np.arange(int(known.sum())), d_ref.y[known]]
    else:
        scores = np.abs(d_ref.y - d_ref.pred)
    if scores.size < 10:
        raise DataError(f"Only {scores.size} labelled reference rows: conformal calibration needs at least 10.")
    q = _quantile(scores, alpha)
    pred, proba = _predict(model, current, "current")  # probabilities for a classifier (checked above), else None
    sets = None if proba is None else np.less_equal(1 - proba, q)  # rows x classes: in the row's set
    by_size: dict[int, float] = {}
    if sets is not None:
        sizes = sets.sum(axis=1)
        size_current = float(sizes.mean()) if sizes.size else math.nan
        by_size = {int(s): float((sizes == s).mean()) for s in np.unique(sizes)}
    else:
        size_current = 2 * q
    cov = None
    if target in current.columns and current[target].notna().any():
        d_cur, _ = labelled(model, current, target, name="current", predictions=(pred, proba))
        if sets is not None:
            rows = np.flatnonzero(current[target].notna().to_numpy())
            cur_sets = sets[rows]
            hit = np.array([bool(y >= 0 and cur_sets[i, y]) for i, y in enumerate(d_cur.y)])
            size = float(cur_sets.sum(axis=1).mean())
        else:
            hit = np.abs(d_cur.y - d_cur.pred) <= q
            size = 2 * q
        k, n = int(hit.sum()), int(hit.size)
        lo, hi = wilson(k, n)
        cov = Coverage("current", n, k / n if n else math.nan, lo, hi, size)
    return ConformalResult(
        alpha, "sets" if model.is_classifier else "intervals", q, int(scores.size), cov, size_current, by_size
    )
