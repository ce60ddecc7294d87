"""Performance without labels on current data, each estimate with an interval.

Three estimators, each with the assumption it rests on (shown to users):

- **Confidence-based** (``"confidence"``, classifiers with probabilities; the idea of NannyML's
  CBPE): the model's probabilities are calibrated on the labelled reference (isotonic
  regression, one-vs-rest, renormalised), then on current rows the expected confusion matrix
  follows from the calibrated probabilities. The interval is a Monte Carlo one: labels drawn
  from the calibrated probabilities, the metric computed on each draw (2.5 and 97.5 percentiles).
  Assumes covariate shift only: P(y | x) unchanged, so the reference calibration still holds.
- **Average thresholded confidence** (``"atc"``, classifiers; Garg et al., ICLR 2022): the
  threshold t on the top-class probability for which the share of reference rows above t
  equals the reference accuracy; estimated current accuracy = share of current rows above t.
  Interval: bootstrap over reference and current rows.
- **Importance weighting** (``"weighting"``, any task): a domain classifier (histogram gradient
  boosting, cross-fitted) tells reference from current rows; each reference row is weighted by
  the density ratio p(current | x) / p(reference | x) and the reference metric is recomputed
  with those weights. Interval: weighted bootstrap over reference rows. Assumes the current
  inputs lie within the reference's support (the effective sample size is reported; small
  means little support).

Estimated metrics: accuracy for every classifier; precision, recall and F1 of the positive
class too for binary ones (confidence-based); MAE and RMSE for regressors (weighting).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from robustness.errors import DataError
from robustness.formatting import count, number
from robustness.jsonsafe import to_json_safe
from robustness.models import ModelAdapter
from robustness.performance.evaluate import _predict, labelled
from robustness.performance.metrics import Labelled, MetricValue, percentile_interval, point_metrics

__all__ = [
    "Calibrator",
    "Estimate",
    "EstimateMethod",
    "LabelFreeResult",
    "atc_threshold",
    "binary_scores",
    "calibrated",
    "density_ratio",
    "estimate_performance",
    "fit_calibrators",
]

EstimateMethod = Literal["confidence", "atc", "weighting"]

ASSUMPTIONS: dict[EstimateMethod, str] = {
    "confidence": "P(label | inputs) is unchanged (covariate shift only), so probabilities calibrated on the "
    "reference still hold.",
    "atc": "The model is as over- or under-confident on current rows as on the reference.",
    "weighting": "Current inputs lie within the range of the reference inputs and P(label | inputs) is unchanged.",
}
NAMES: dict[EstimateMethod, str] = {
    "confidence": "Confidence-based (calibrated on reference)",
    "atc": "Average thresholded confidence",
    "weighting": "Importance weighting (domain classifier)",
}


@dataclass(frozen=True)
class Estimate:
    method: EstimateMethod
    metric: MetricValue  # the estimate with its interval
    actual: float | None = None  # the real current value, when current labels exist
    note: str = ""

    @property
    def covered(self) -> bool | None:
        m = self.metric
        if self.actual is None or m.low is None or m.high is None:
            return None
        return bool(m.low <= self.actual <= m.high)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "method_name": NAMES[self.method],
            "assumption": ASSUMPTIONS[self.method],
            **self.metric.to_dict(),
            "actual": to_json_safe(self.actual),
            "covered": self.covered,
            "note": self.note,
        }


@dataclass(frozen=True)
class LabelFreeResult:
    estimates: tuple[Estimate, ...]
    reference_values: dict[str, float | None]  # metric -> value on the labelled reference
    effective_sample_size: float | None  # of the importance weights
    notes: tuple[str, ...] = ()

    def get(self, method: str, metric: str) -> Estimate | None:
        return next((e for e in self.estimates if e.method == method and e.metric.name == metric), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "estimates": [e.to_dict() for e in self.estimates],
            "reference": {k: to_json_safe(v) for k, v in self.reference_values.items()},
            "effective_sample_size": to_json_safe(self.effective_sample_size),
            "notes": list(self.notes),
        }


class Calibrator(Protocol):
    """A fitted map from a class's probabilities to calibrated ones (scikit-learn's IsotonicRegression)."""

    def predict(self, v: np.ndarray) -> np.ndarray: ...


def fit_calibrators(P: np.ndarray, y: np.ndarray) -> dict[int, Calibrator]:
    """Isotonic maps from the reference's probabilities ``P`` to its labels ``y`` (class codes): class 1's
    alone for two classes, one per class otherwise; :func:`calibrated` applies them."""
    from sklearn.isotonic import IsotonicRegression

    k = P.shape[1]
    cols = [k - 1] if k == 2 else list(range(k))
    return {
        c: IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(P[:, c], (y == c).astype(float))
        for c in cols
    }


def calibrated(cal: Mapping[int, Calibrator], P: np.ndarray) -> np.ndarray:
    """``P`` through the calibrators of :func:`fit_calibrators`, rows renormalised to sum to 1."""
    k = P.shape[1]
    if k == 2:
        p1 = cal[1].predict(P[:, 1])
        return np.column_stack([1 - p1, p1])
    Q = np.column_stack([cal[c].predict(P[:, c]) for c in range(k)])
    total = Q.sum(axis=1, keepdims=True)
    return np.where(total > 0, Q / np.where(total > 0, total, 1), 1.0 / k)


def binary_scores(pred: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """accuracy, precision, recall, f1 of class 1 for each row of (draws x rows) label matrices."""
    tp = ((pred == 1) & (y == 1)).sum(axis=-1)
    fp = ((pred == 1) & (y == 0)).sum(axis=-1)
    fn = ((pred == 0) & (y == 1)).sum(axis=-1)
    n = y.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "accuracy": (pred == y).sum(axis=-1) / n,
            "precision": np.where(tp + fp > 0, tp / (tp + fp), 0.0),
            "recall": np.where(tp + fn > 0, tp / (tp + fn), 0.0),
            "f1": np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0),
        }


def estimate_performance(
    model: ModelAdapter,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    target: str,
    features: list[str] | None = None,
    n_draws: int = 500,
    level: float = 0.95,
    seed: int = 0,
    max_rows: int = 20_000,
) -> LabelFreeResult:
    """Estimate current performance without current labels (they are used, when present, only to
    report the actual value beside each estimate)."""
    ref = reference if len(reference) <= max_rows else reference.sample(max_rows, random_state=seed)
    cur = current if len(current) <= max_rows else current.sample(max_rows, random_state=seed)
    if target not in ref.columns:
        raise DataError(
            f"Estimating performance without labels calibrates on the labelled reference, but the "
            f"reference data has no target column '{target}'."
        )
    ref_pred = _predict(model, ref, "reference")
    d_ref, notes = labelled(model, ref, target, name="reference", predictions=ref_pred)
    if d_ref.n < 20:
        raise DataError(
            f"Only {d_ref.n} reference rows have a label; estimating performance without labels needs "
            "at least 20 labelled reference rows."
        )
    cur_pred, cur_proba = _predict(model, cur, "current")
    actual: dict[str, float | None] = {}
    if target in cur.columns and cur[target].notna().any():
        d_cur, _ = labelled(model, cur, target, name="current", predictions=(cur_pred, cur_proba))
        actual = point_metrics(d_cur)
    ref_values = point_metrics(d_ref)
    rng = np.random.default_rng(seed)
    estimates: list[Estimate] = []
    has = ref[target].notna().to_numpy()
    if model.is_classifier and d_ref.proba is not None and cur_proba is not None:  # both or neither
        known = d_ref.y >= 0
        P_ref, y_ref = d_ref.proba[known], d_ref.y[known]
        k = P_ref.shape[1]
        codes = np.clip(_codes(model, cur_pred), 0, k - 1)
        # confidence-based
        cal = fit_calibrators(P_ref, y_ref)
        Q = calibrated(cal, cur_proba)
        if k == 2:
            draws = (rng.random((n_draws, len(Q))) < Q[:, 1]).astype(int)
            sims = binary_scores(codes[None, :], draws)
            expected = {"accuracy": float(np.mean(np.where(codes == 1, Q[:, 1], Q[:, 0])))}
            tp = float(np.sum(Q[:, 1] * (codes == 1)))
            fp = float(np.sum(Q[:, 0] * (codes == 1)))
            fn = float(np.sum(Q[:, 1] * (codes == 0)))
            expected["precision"] = tp / (tp + fp) if tp + fp > 0 else 0.0
            expected["recall"] = tp / (tp + fn) if tp + fn > 0 else 0.0
            expected["f1"] = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn > 0 else 0.0
        else:
            cum = Q.cumsum(axis=1)
            u = rng.random((n_draws, len(Q), 1))
            draws = (u > cum[None, :, :]).sum(axis=2)
            sims = {"accuracy": (draws == codes[None, :]).mean(axis=1)}
            expected = {"accuracy": float(np.mean(Q[np.arange(len(Q)), codes]))}
        for name, value in expected.items():
            lo, hi = percentile_interval(sims[name], level)
            estimates.append(Estimate("confidence", MetricValue(name, value, lo, hi), actual.get(name)))
        # average thresholded confidence
        conf_ref, conf_cur = P_ref.max(axis=1), cur_proba.max(axis=1)
        acc_ref = d_ref.pred[known] == y_ref
        t = atc_threshold(conf_ref, acc_ref.mean())
        value = float((conf_cur > t).mean())
        boots: list[float] = []
        for _ in range(200):
            r = rng.integers(0, len(conf_ref), len(conf_ref))
            c = rng.integers(0, len(conf_cur), len(conf_cur))
            boots.append(float((conf_cur[c] > atc_threshold(conf_ref[r], acc_ref[r].mean())).mean()))
        lo, hi = percentile_interval(np.asarray(boots), level)
        estimates.append(
            Estimate(
                "atc",
                MetricValue("accuracy", value, lo, hi),
                actual.get("accuracy"),
                f"threshold {number(t)} on the top-class probability",
            )
        )
    elif model.is_classifier:
        notes.append("The model gives no class probabilities, so only importance weighting can estimate its accuracy.")
    # importance weighting
    feats = [c for c in (features or model.feature_names or []) if c in ref.columns and c in cur.columns]
    ess = None
    if feats:
        w = density_ratio(ref.loc[has, feats], cur[feats], seed)
        ess = float(w.sum() ** 2 / (w**2).sum())
        per_row = _per_row_losses(d_ref)
        for name, values in per_row.items():
            value = _weighted(name, values, w)
            boots = []
            for _ in range(200):
                r = rng.integers(0, len(w), len(w))
                boots.append(_weighted(name, values[r], w[r]))
            lo, hi = percentile_interval(np.asarray(boots), level)
            estimates.append(
                Estimate(
                    "weighting",
                    MetricValue(name, value, lo, hi),
                    actual.get(name),
                    f"effective sample size {count(ess)} of {count(len(w))} reference rows",
                )
            )
        if ess < 0.1 * len(w):
            notes.append(
                f"The importance weights concentrate on few reference rows (effective sample size {count(ess)} "
                f"of {count(len(w))}): current inputs fall outside most of the reference, so the weighted "
                "estimate is unreliable."
            )
    return LabelFreeResult(tuple(estimates), ref_values, ess, tuple(notes))


def _codes(model: ModelAdapter, pred: np.ndarray) -> np.ndarray:
    from robustness.performance.metrics import label_codes

    return label_codes(pred, list(model.classes or []))


def atc_threshold(conf: np.ndarray, accuracy: float) -> float:
    """t with mean(conf > t) = accuracy (the (1 - accuracy) quantile of the confidences)."""
    return float(np.quantile(conf, min(max(1.0 - accuracy, 0.0), 1.0)))


def _per_row_losses(d: Labelled) -> dict[str, np.ndarray]:
    if d.classifier:
        return {"accuracy": (d.pred == d.y).astype(float)}
    err = d.pred - d.y
    return {"mae": np.abs(err), "rmse": err**2}


def _weighted(name: str, values: np.ndarray, w: np.ndarray) -> float:
    mean = float(np.sum(values * w) / np.sum(w))
    return float(np.sqrt(mean)) if name == "rmse" else mean


def density_ratio(ref: pd.DataFrame, cur: pd.DataFrame, seed: int) -> np.ndarray:
    """p(current | x) / p(reference | x) × n_ref / n_cur for each reference row (cross-fitted, clipped)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import cross_val_predict
    from threadpoolctl import threadpool_limits

    from robustness.drift.multivariate import domain_matrix
    from robustness.io.infer import infer_kind

    kinds = {c: infer_kind(ref[c]) for c in ref.columns}
    X, is_cat = domain_matrix(ref, cur, kinds)
    y = np.r_[np.zeros(len(ref)), np.ones(len(cur))]
    clf = HistGradientBoostingClassifier(
        max_iter=60,
        learning_rate=0.1,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        categorical_features=is_cat if is_cat.any() else None,
        random_state=seed,
    )
    with warnings.catch_warnings(), threadpool_limits(1):  # small data: OpenMP threads only contend
        warnings.simplefilter("ignore")
        p = cross_val_predict(clf, X, y, cv=3, method="predict_proba")[:, 1]
    p_ref = np.clip(p[: len(ref)], 0.01, 0.99)
    return p_ref / (1 - p_ref) * len(ref) / len(cur)
