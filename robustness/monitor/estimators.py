"""Label-free estimators for one window of rows, fitted once on the labelled reference.

Each estimator returns, per metric, a point value and an interval meant to cover the metric
*realised* on the window's rows once their labels arrive (not only its expectation):

- **confidence** (CBPE-like): the model's probabilities calibrated on the reference (isotonic,
  one-vs-rest; ``robustness.performance.estimate``), then the expected confusion counts of the
  window give accuracy, precision, recall and F1 (macro over classes for multiclass), and the
  expected ROC curve gives ROC AUC (one-vs-rest macro for multiclass: each class's raw score
  ranked against calibrated soft labels, as NannyML does). Interval: labels drawn from the
  calibrated probabilities, the metric computed on every draw (ROC AUC through the ranks of the
  scores, computed once), percentiles.
- **atc** (accuracy): the share of window rows whose top-class probability exceeds the reference
  threshold. Interval: reference thresholds bootstrapped once, window rows resampled per draw.
- **weighting** (any task): reference rows weighted by a domain classifier's density ratio
  (window vs reference); the weighted reference metric is the estimate. Interval: windows of the
  same size drawn from the reference with probabilities proportional to the weights, the metric on
  each, percentiles; this includes the window's own sampling noise.

Everything is vectorised over draws (no Python loop over rows or draws).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

from robustness.performance.estimate import atc_threshold, binary_scores, calibrated, fit_calibrators
from robustness.performance.metrics import percentile_interval

__all__ = ["ReferenceFit", "atc", "confidence", "fit_reference", "soft_auc", "weighting"]

CLASS_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc")
REGRESSION_METRICS = ("mae", "rmse")
_MAX_CELLS = 20_000_000  # draws x rows x classes per batch of label draws


@dataclass(frozen=True, eq=False)
class ReferenceFit:
    """What the estimators learn once from the labelled reference (classifiers with probabilities)."""

    k: int  # number of classes
    calibrators: dict
    atc_threshold: float
    atc_boot: np.ndarray  # thresholds on bootstrap resamples of the reference
    boot_calibrators: tuple  # calibrators fitted on bootstrap resamples: the calibration's own uncertainty


def fit_reference(
    P: np.ndarray,
    y: np.ndarray,
    pred: np.ndarray,
    *,
    rng: np.random.Generator,
    n_boot: int = 200,
    n_cal: int = 20,
    atc: bool = True,
):
    """Calibrators and the ATC threshold from reference probabilities ``P``, label codes ``y`` (all known)
    and predicted codes ``pred``; ``n_cal`` calibrators on bootstrap resamples carry the calibration's own
    uncertainty into the confidence-based intervals."""
    conf, hit = P.max(axis=1), (pred == y)
    n = len(y)
    n_boot = n_boot if atc else 0
    idx = rng.integers(0, n, size=(n_boot, n))
    q = np.clip(1.0 - hit[idx].mean(axis=1), 0.0, 1.0) * (n - 1)  # per resample, as np.quantile (linear)
    srt = np.sort(conf[idx], axis=1)
    lo = np.floor(q).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    rows = np.arange(n_boot)
    boot = srt[rows, lo] + (q - lo) * (srt[rows, hi] - srt[rows, lo])
    cals = []
    for _ in range(n_cal):
        i = rng.integers(0, n, n)
        if len(np.unique(y[i])) == len(np.unique(y)):
            cals.append(_fast(fit_calibrators(P[i], y[i])))
    return ReferenceFit(P.shape[1], _fast(fit_calibrators(P, y)), atc_threshold(conf, hit.mean()), boot, tuple(cals))


class _Interp:
    """A fitted isotonic regression as its step points: ``predict`` by ``np.interp`` (what scikit-learn's
    ``out_of_bounds="clip"`` computes, without its input checks, which dominate on a window)."""

    def __init__(self, iso):
        self.x, self.y = np.asarray(iso.X_thresholds_, float), np.asarray(iso.y_thresholds_, float)

    def predict(self, v: np.ndarray) -> np.ndarray:
        return np.interp(v, self.x, self.y)


def _fast(cal: dict) -> dict:
    return {c: _Interp(iso) for c, iso in cal.items()}


# --------------------------------------------------------------------------- ROC AUC helpers
def soft_auc(score: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> float:
    """Area under the ROC curve with row weights ``pos`` (positive mass) and ``neg`` (negative mass)
    per row; ties count one half. With 0/1 labels it is scikit-learn's ``roc_auc_score``; with
    calibrated probabilities as ``pos`` and ``1 - pos`` as ``neg`` it is the expected-ROC-curve AUC
    (NannyML's CBPE)."""
    order = np.argsort(score, kind="stable")
    s, p, q = score[order], pos[order], neg[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    pos_g, neg_g = np.add.reduceat(p, starts), np.add.reduceat(q, starts)
    below = np.cumsum(neg_g) - neg_g  # negative mass strictly below each tie group
    total = pos_g.sum() * neg_g.sum()
    if total <= 0:
        return float("nan")
    return float(np.sum(pos_g * (below + 0.5 * neg_g)) / total)


def _rank_auc(ranks: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """AUC per row of the 0/1 matrix ``labels`` (draws x rows) for fixed scores with midranks ``ranks``
    (rows) or per-draw midranks (draws x rows); NaN where a draw has one class only."""
    n = labels.shape[-1]
    n1 = labels.sum(axis=-1).astype(float)
    if ranks.ndim == 1:
        r_pos = labels.astype(np.float64) @ ranks
    else:
        r_pos = (labels * ranks).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((n1 > 0) & (n1 < n), (r_pos - n1 * (n1 + 1) / 2) / (n1 * (n - n1)), np.nan)


# --------------------------------------------------------------------------- confidence-based
def _counts_metrics(tp, fp, fn) -> dict[str, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "precision": np.where(tp + fp > 0, tp / np.where(tp + fp > 0, tp + fp, 1), 0.0),
            "recall": np.where(tp + fn > 0, tp / np.where(tp + fn > 0, tp + fn, 1), 0.0),
            "f1": np.where(2 * tp + fp + fn > 0, 2 * tp / np.where(2 * tp + fp + fn > 0, 2 * tp + fp + fn, 1), 0.0),
        }


def _draw_labels(Q: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Class codes drawn from the rows of ``Q`` (draws x rows), int8/int16."""
    n, k = Q.shape
    if k == 2:
        return (rng.random((n_draws, n), dtype=np.float32) < Q[:, 1]).view(np.int8)
    cum = Q.cumsum(axis=1)[:, :-1]
    per = max(1, _MAX_CELLS // max(n * k, 1))
    out = np.empty((n_draws, n), dtype=np.int16)
    for a in range(0, n_draws, per):
        u = rng.random((min(per, n_draws - a), n, 1))
        out[a : a + per] = (u > cum[None, :, :]).sum(axis=2)
    return out


def confidence(
    fit: ReferenceFit,
    P: np.ndarray,
    codes: np.ndarray,
    *,
    metrics=CLASS_METRICS,
    n_draws: int = 500,
    level: float = 0.95,
    rng: np.random.Generator,
) -> dict[str, tuple[float | None, float | None, float | None]]:
    """metric -> (estimate, low, high) on a window with raw probabilities ``P`` and predicted codes."""
    Q = calibrated(fit.calibrators, P)
    k = Q.shape[1]
    cals = fit.boot_calibrators or (fit.calibrators,)
    per = -(-n_draws // len(cals))
    draws = np.concatenate([_draw_labels(calibrated(c, P), per, rng) for c in cals])[:n_draws]
    out: dict[str, tuple] = {}
    point: dict[str, float] = {"accuracy": float(np.mean(Q[np.arange(len(Q)), codes]))}
    sims: dict[str, np.ndarray] = {"accuracy": (draws == codes[None, :]).mean(axis=1)}
    classes = [1] if k == 2 else list(range(k))
    if any(m in metrics for m in ("precision", "recall", "f1")):
        e_parts, s_parts = [], []
        for c in classes:
            is_c = codes == c
            tp, fp, fn = float(Q[is_c, c].sum()), float((1 - Q[is_c, c]).sum()), float(Q[~is_c, c].sum())
            e_parts.append(_counts_metrics(np.array(tp), np.array(fp), np.array(fn)))
            if k == 2:
                s_parts.append(binary_scores(codes[None, :], draws))
            else:
                hit = draws == c
                tp_d = (hit & is_c[None, :]).sum(axis=1)
                s_parts.append(_counts_metrics(tp_d, is_c.sum() - tp_d, hit.sum(axis=1) - tp_d))
        for m in ("precision", "recall", "f1"):
            point[m] = float(np.mean([float(e[m]) for e in e_parts]))
            sims[m] = np.mean([s[m] for s in s_parts], axis=0)
    if "roc_auc" in metrics:
        aucs, sim_aucs = [], []
        for c in classes:
            score = P[:, c]
            aucs.append(soft_auc(score, Q[:, c], 1 - Q[:, c]))
            sim_aucs.append(_rank_auc(rankdata(score), (draws == c)))
        point["roc_auc"] = float(np.mean(aucs))
        sims["roc_auc"] = np.mean(sim_aucs, axis=0)
    for m in metrics:
        if m in point:
            lo, hi = percentile_interval(np.asarray(sims[m], dtype=float), level)
            value = point[m]
            out[m] = (None if not np.isfinite(value) else value, lo, hi)
    return out


# --------------------------------------------------------------------------- ATC
def atc(
    fit: ReferenceFit,
    P: np.ndarray,
    codes: np.ndarray | None = None,
    *,
    level: float = 0.95,
    n_draws: int = 500,
    rng: np.random.Generator,
) -> tuple[float, float | None, float | None]:
    """(estimated accuracy, low, high) on a window with raw probabilities ``P`` and predicted codes
    ``codes`` (default: the top class).

    The estimate is ATC's rule: the share of rows whose top-class probability exceeds the reference
    threshold. The interval is the hull of two: ATC's own (reference thresholds bootstrapped, window
    rows resampled) and the accuracy realised under labels drawn from the calibrated probabilities
    (the realised value's own noise, and the calibration's). Under covariate shift the rule is biased
    (multiclass: +0.11 at the largest shift of tests/monitor's simulation, +0.05 with a perfectly
    calibrated model), so its own interval alone covered the realised accuracy in 43 % of windows;
    where the rule and the calibrated probabilities disagree, the interval spans both."""
    conf = P.max(axis=1)
    value = float((conf > fit.atc_threshold).mean())
    idx = rng.integers(0, len(conf), size=(len(fit.atc_boot), len(conf)))
    sims = (conf[idx] > fit.atc_boot[:, None]).mean(axis=1)
    lo, hi = percentile_interval(sims, level)
    codes = P.argmax(axis=1) if codes is None else codes
    r_lo, r_hi = percentile_interval(_realised_accuracy(fit, P, codes, n_draws, rng), level)
    if lo is None or r_lo is None or hi is None or r_hi is None:
        return value, lo, hi
    return value, min(lo, r_lo), max(hi, r_hi)


def _realised_accuracy(
    fit: ReferenceFit, P: np.ndarray, codes: np.ndarray, n_draws: int, rng: np.random.Generator
) -> np.ndarray:
    """Draws of the accuracy the window's labels would give if they followed the calibrated
    probabilities: per draw a calibrator (the bootstrapped ones carry the calibration's uncertainty)
    and the share of correct rows, a sum of independent Bernoulli(q) over rows, drawn from its normal
    approximation (mean and variance exact), so memory does not grow with the window."""
    cals = fit.boot_calibrators or (fit.calibrators,)
    n = len(codes)
    rows = np.arange(n)
    moments = np.array(
        [(q.mean(), np.sqrt(np.sum(q * (1 - q))) / n) for q in (calibrated(c, P)[rows, codes] for c in cals)]
    )
    pick = moments[np.arange(n_draws) % len(cals)]
    return np.clip(pick[:, 0] + pick[:, 1] * rng.standard_normal(n_draws), 0.0, 1.0)


# --------------------------------------------------------------------------- importance weighting
def _class_metrics(y: np.ndarray, pred: np.ndarray, k: int, w: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """accuracy, precision, recall, F1 (binary: of class k-1; else macro) per row of (draws x rows)
    arrays, optionally with row weights ``w`` (same shape)."""
    w = np.ones(y.shape) if w is None else w
    total = w.sum(axis=-1)
    out = {"accuracy": (w * (y == pred)).sum(axis=-1) / total}
    parts = []
    for c in [k - 1] if k <= 2 else range(k):
        tp = (w * ((pred == c) & (y == c))).sum(axis=-1)
        fp = (w * ((pred == c) & (y != c))).sum(axis=-1)
        fn = (w * ((pred != c) & (y == c))).sum(axis=-1)
        parts.append(_counts_metrics(tp, fp, fn))
    for m in ("precision", "recall", "f1"):
        out[m] = np.mean([p[m] for p in parts], axis=0)
    return out


def weighting(
    w: np.ndarray,
    y: np.ndarray,
    pred: np.ndarray,
    *,
    k: int | None,
    n_window: int,
    score: np.ndarray | None = None,
    metrics=CLASS_METRICS,
    n_boot: int = 200,
    level: float = 0.95,
    rng: np.random.Generator,
) -> dict[str, tuple[float | None, float | None, float | None]]:
    """metric -> (estimate, low, high): reference rows (labels ``y``, predictions ``pred``, for
    classifiers codes and ``score`` (rows x classes) or None) weighted by ``w``; ``k`` None for
    regression."""
    p = w / w.sum()
    idx = rng.choice(len(w), size=(n_boot, n_window), p=p)
    point: dict[str, float] = {}
    sims: dict[str, np.ndarray] = {}
    if k is None:
        err = pred.astype(float) - y.astype(float)
        point = {"mae": float(np.sum(p * np.abs(err))), "rmse": float(np.sqrt(np.sum(p * err**2)))}
        sims = {"mae": np.abs(err)[idx].mean(axis=1), "rmse": np.sqrt((err**2)[idx].mean(axis=1))}
    else:
        point = {m: float(v) for m, v in _class_metrics(y, pred, k, w).items()}
        sims = _class_metrics(y[idx], pred[idx], k)
        if "roc_auc" in metrics and score is not None:
            known = y >= 0
            aucs, sim_aucs = [], []
            for c in [k - 1] if k <= 2 else range(k):
                s = score[:, c]
                aucs.append(soft_auc(s[known], (w * (y == c))[known], (w * (y != c))[known]))
                sim_aucs.append(_rank_auc(rankdata(s[idx], axis=1), (y[idx] == c)))
            point["roc_auc"] = float(np.mean(aucs))
            sims["roc_auc"] = np.mean(sim_aucs, axis=0)
    out = {}
    for m in metrics:
        if m in point:
            lo, hi = percentile_interval(np.asarray(sims[m], dtype=float), level)
            out[m] = (point[m] if np.isfinite(point[m]) else None, lo, hi)
    return out


# --------------------------------------------------------------------------- realised values
def realised(
    y: np.ndarray, pred: np.ndarray, proba: np.ndarray | None, *, k: int | None, metrics
) -> dict[str, float | None]:
    """The metrics on labelled rows, as ``robustness.performance.metrics.point_metrics`` defines them
    (labels the model does not know, code -1, count as errors and are left out of ROC AUC), computed
    in NumPy: scikit-learn's input checks cost more than the arithmetic on a window."""
    if len(y) == 0:
        return {m: None for m in metrics}
    if k is None:
        err = pred.astype(float) - y.astype(float)
        return {"mae": float(np.mean(np.abs(err))), "rmse": float(np.sqrt(np.mean(err**2)))}
    out: dict[str, float | None] = {m: float(v) for m, v in _class_metrics(y, pred, k).items()}
    out["roc_auc"] = None
    known = y >= 0
    if proba is not None and "roc_auc" in metrics:
        yk, Pk = y[known], proba[known]
        present = np.unique(yk)
        if k <= 2 and present.size == 2:
            out["roc_auc"] = soft_auc(Pk[:, -1], (yk == k - 1).astype(float), (yk != k - 1).astype(float))
        elif k > 2 and present.size == k:
            out["roc_auc"] = float(
                np.mean([soft_auc(Pk[:, c], (yk == c).astype(float), (yk != c).astype(float)) for c in range(k)])
            )
    return {m: out.get(m) for m in metrics}
