"""Performance metrics with bootstrap confidence intervals, curves and calibration.

Point estimates are scikit-learn's (``sklearn.metrics``); the intervals are percentile
bootstrap intervals over rows (``n_boot`` resamples of the labelled rows, seeded), computed
vectorised in NumPy for the metrics that are means of per-row terms (accuracy, log loss,
Brier score, MAE, RMSE, R²) and for counts (precision, recall, F1), and by calling scikit-learn
with ROC AUC as a vectorised Mann-Whitney statistic and PR AUC as vectorised average precision. Above 20,000 rows the
ranking metrics use the m-out-of-n bootstrap (resamples of 20,000 rows, deviations rescaled by
sqrt(m / n)) so their cost stays flat. Tests cross-check the point values against scikit-learn
and the intervals against ``scipy.stats.bootstrap``.

Definitions:

- binary: the positive class is the model's last class (``classes[-1]``); precision, recall,
  F1, PR AUC are for it; ROC AUC and Brier score use its probability;
- multiclass: precision, recall and F1 are macro averages over the model's classes; ROC AUC is
  one-vs-rest, macro; the Brier score is the mean over rows of Σ_k (p_k − 1[y = k])²;
- log loss clips probabilities to [1e-15, 1 − 1e-15];
- labels the model never predicts as a class (unknown classes) count as errors in accuracy,
  precision, recall and F1, and leave the probability metrics out (a note says so);
- expected calibration error (ECE): ten equal-width bins of the confidence (binary: the
  positive class probability against the positive rate; multiclass: the top-class probability
  against accuracy), Σ_b (n_b / n) |observed_b − confidence_b|.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn import metrics as skm

from robustness.jsonsafe import to_json_safe

EPS = 1e-15

CLASSIFICATION = ("accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "log_loss", "brier")
REGRESSION = ("mae", "rmse", "r2")
HIGHER_IS_BETTER = {
    "accuracy": True,
    "precision": True,
    "recall": True,
    "f1": True,
    "roc_auc": True,
    "pr_auc": True,
    "log_loss": False,
    "brier": False,
    "mae": False,
    "rmse": False,
    "r2": True,
}
LABELS = {
    "accuracy": "Accuracy",
    "precision": "Precision",
    "recall": "Recall",
    "f1": "F1",
    "roc_auc": "ROC AUC",
    "pr_auc": "PR AUC",
    "log_loss": "Log loss",
    "brier": "Brier score",
    "mae": "MAE",
    "rmse": "RMSE",
    "r2": "R²",
}


@dataclass(frozen=True)
class MetricValue:
    name: str
    value: float | None  # None: undefined here (e.g. ROC AUC with one class present)
    low: float | None  # bootstrap interval (None when not computed)
    high: float | None
    note: str = ""

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": to_json_safe(self.value),
            "low": to_json_safe(self.low),
            "high": to_json_safe(self.high),
            "note": self.note,
        }


@dataclass(frozen=True)
class Labelled:
    """Labels and model outputs for the labelled rows, in a common coding.

    ``y``: class index per row (−1: a label the model does not know) or the target value;
    ``pred``: predicted class index or value; ``proba``: (rows, classes) or None.
    """

    y: np.ndarray
    pred: np.ndarray
    proba: np.ndarray | None
    classes: tuple[str, ...] | None  # None for regression
    n_unknown: int = 0

    @property
    def classifier(self) -> bool:
        return self.classes is not None

    @property
    def n(self) -> int:
        return int(self.y.size)

    @property
    def n_classes(self) -> int:
        """The number of the model's classes (0 for a regressor)."""
        return 0 if self.classes is None else len(self.classes)


def label_codes(labels: np.ndarray | Sequence[Any], classes: Sequence[Any]) -> np.ndarray:
    """Each label's index among the model's classes (−1 when the model does not know it).

    Labels and classes are compared as text, whole floats without ".0" (1.0 read from a CSV with
    gaps is class 1)."""
    index = {label_text(c): i for i, c in enumerate(classes)}
    return np.fromiter(
        (index.get(label_text(v), -1) for v in np.asarray(labels, dtype=object)), dtype=np.int64, count=len(labels)
    )


def label_text(v: Any) -> str:
    """A class label as text: 1, 1.0 and np.int64(1) all read "1", so labels from files and from models match."""
    if isinstance(v, (float, np.floating)) and math.isfinite(v) and float(v).is_integer():
        v = int(v)
    if isinstance(v, (np.integer, np.bool_)):
        v = v.item()
    return str(v)


# -- point estimates ---------------------------------------------------------------------------------


def point_metrics(d: Labelled) -> dict[str, float | None]:
    """scikit-learn's values of every metric of the task (None where undefined)."""
    if d.n == 0:
        return {name: None for name in (CLASSIFICATION if d.classifier else REGRESSION)}
    if d.classes is None:  # a regressor
        y, p = d.y.astype(float), d.pred.astype(float)
        r2 = float(skm.r2_score(y, p)) if d.n >= 2 and np.var(y) > 0 else None
        return {
            "mae": float(skm.mean_absolute_error(y, p)),
            "rmse": float(math.sqrt(skm.mean_squared_error(y, p))),
            "r2": r2,
        }
    k = len(d.classes)
    labels = list(range(k))
    y_all = np.where(d.y < 0, k, d.y)  # unknown labels: an extra code no prediction has
    out: dict[str, float | None] = {"accuracy": float(skm.accuracy_score(y_all, d.pred))}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if k <= 2:
            pos = k - 1
            out["precision"] = float(skm.precision_score(y_all, d.pred, labels=[pos], average="macro", zero_division=0))
            out["recall"] = float(skm.recall_score(y_all, d.pred, labels=[pos], average="macro", zero_division=0))
            out["f1"] = float(skm.f1_score(y_all, d.pred, labels=[pos], average="macro", zero_division=0))
        else:
            for name, fn in (("precision", skm.precision_score), ("recall", skm.recall_score), ("f1", skm.f1_score)):
                out[name] = float(fn(y_all, d.pred, labels=labels, average="macro", zero_division=0))
    known = d.y >= 0
    for name in ("roc_auc", "pr_auc", "log_loss", "brier"):
        out[name] = None
    if d.proba is not None and known.any():
        y, P = d.y[known], d.proba[known]
        present = np.unique(y)
        if k <= 2:
            score = P[:, -1]
            pos = (y == k - 1).astype(int)
            if present.size == 2:
                out["roc_auc"] = float(skm.roc_auc_score(pos, score))
                out["pr_auc"] = float(skm.average_precision_score(pos, score))
        elif present.size == k:
            out["roc_auc"] = float(skm.roc_auc_score(y, P, multi_class="ovr", average="macro", labels=labels))
        out["log_loss"] = float(skm.log_loss(y, np.clip(P, EPS, 1 - EPS), labels=labels))
        out["brier"] = float(np.mean(_brier_rows(y, P)))
    return out


def _brier_rows(y: np.ndarray, P: np.ndarray) -> np.ndarray:
    if P.shape[1] <= 2:
        return (P[:, -1] - (y == P.shape[1] - 1)) ** 2
    onehot = np.zeros_like(P)
    onehot[np.arange(len(y)), y] = 1.0
    return ((P - onehot) ** 2).sum(axis=1)


# -- bootstrap --------------------------------------------------------------------------------------


def bootstrap_indices(n: int, n_boot: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(n_boot, n)) if n else np.zeros((n_boot, 0), dtype=int)


def percentile_interval(samples: np.ndarray, level: float) -> tuple[float | None, float | None]:
    """The central ``level`` interval of bootstrap ``samples`` (NaN/inf dropped); (None, None) below 10 samples."""
    samples = samples[np.isfinite(samples)]
    if samples.size < 10:
        return None, None
    a = (1 - level) / 2
    lo, hi = np.quantile(samples, [a, 1 - a])
    return float(lo), float(hi)


BOOT_ROWS = 20_000  # above this many rows, the m-out-of-n bootstrap (see bootstrap_metrics)


def _resample(
    fn: Callable[[np.ndarray], dict[str, np.ndarray]], n: int, n_boot: int, seed: int
) -> dict[str, np.ndarray]:
    """``fn(index_matrix) -> {metric: values per resample}`` on n_boot resamples of n rows. Above
    BOOT_ROWS rows: resamples of m = BOOT_ROWS rows whose deviations from the full-sample value are
    shrunk by sqrt(m / n) (the m-out-of-n bootstrap, valid for these asymptotically normal
    metrics), so the cost stays flat at any size."""
    if n <= BOOT_ROWS:
        return fn(bootstrap_indices(n, n_boot, seed))
    m = BOOT_ROWS
    vals = fn(np.random.default_rng(seed).integers(0, n, size=(n_boot, m)))
    full = fn(np.arange(n)[None, :])
    return {k: full[k][0] + (v - full[k][0]) * math.sqrt(m / n) for k, v in vals.items()}


def bootstrap_metrics(
    d: Labelled, *, n_boot: int = 200, level: float = 0.95, seed: int = 0, names: Sequence[str] | None = None
) -> dict[str, np.ndarray]:
    """Per metric: its value on each of ``n_boot`` resamples of the rows (NaN where undefined)."""
    wanted = set(names or (CLASSIFICATION if d.classifier else REGRESSION))
    if d.n == 0:
        return {name: np.full(n_boot, np.nan) for name in wanted}
    if d.classes is None:  # a regressor
        y, p = d.y.astype(float), d.pred.astype(float)
        err = p - y

        def regression(idx: np.ndarray) -> dict[str, np.ndarray]:
            out: dict[str, np.ndarray] = {}
            if "mae" in wanted:
                out["mae"] = np.abs(err)[idx].mean(axis=1)
            sq = (err**2)[idx]
            if "rmse" in wanted:
                out["rmse"] = np.sqrt(sq.mean(axis=1))
            if "r2" in wanted:
                yb = y[idx]
                sst = ((yb - yb.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
                with np.errstate(divide="ignore", invalid="ignore"):
                    out["r2"] = np.where(sst > 0, 1 - sq.sum(axis=1) / sst, np.nan)
            return out

        return _resample(regression, d.n, n_boot, seed)
    k = len(d.classes)
    positives = [k - 1] if k <= 2 else list(range(k))

    def counts(idx: np.ndarray) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        yb, pb = d.y[idx], d.pred[idx]
        if "accuracy" in wanted:
            out["accuracy"] = (yb == pb).mean(axis=1)
        prec: list[np.ndarray] = []
        rec: list[np.ndarray] = []
        f1: list[np.ndarray] = []
        for c in positives:
            tp = ((pb == c) & (yb == c)).sum(axis=1)
            fp = ((pb == c) & (yb != c)).sum(axis=1)
            fn = ((pb != c) & (yb == c)).sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                prec.append(np.where(tp + fp > 0, tp / (tp + fp), 0.0))
                rec.append(np.where(tp + fn > 0, tp / (tp + fn), 0.0))
                f1.append(np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0))
        for name, vals in (("precision", prec), ("recall", rec), ("f1", f1)):
            if name in wanted:
                out[name] = np.mean(vals, axis=0)
        return out

    out = _resample(counts, d.n, n_boot, seed)
    known = d.y >= 0
    if d.proba is not None and known.any():
        ky, kP = d.y[known], d.proba[known]
        loss = -np.log(np.clip(kP[np.arange(ky.size), ky], EPS, 1))
        brier = _brier_rows(ky, kP)

        def probabilities(idx: np.ndarray) -> dict[str, np.ndarray]:
            res: dict[str, np.ndarray] = {}
            if "log_loss" in wanted:
                res["log_loss"] = loss[idx].mean(axis=1)
            if "brier" in wanted:
                res["brier"] = brier[idx].mean(axis=1)
            for name in ("roc_auc", "pr_auc"):
                if name in wanted and not (name == "pr_auc" and k > 2):
                    res[name] = _ranked(name, ky, kP, idx, k)
            return res

        out.update(_resample(probabilities, int(ky.size), n_boot, seed + 1))
    return out


def _ranked(name: str, y: np.ndarray, P: np.ndarray, idx: np.ndarray, k: int) -> np.ndarray:
    """ROC AUC (Mann-Whitney on average ranks; one-vs-rest macro for multiclass) or PR AUC (average
    precision of the positive class) on each resample, vectorised; NaN where a class is absent."""
    if name == "roc_auc":
        which = [k - 1] if k <= 2 else list(range(k))
        aucs = [_auc_rows((y == c)[idx], P[:, c][idx]) for c in which]
        return np.mean(aucs, axis=0)
    return _ap_rows((y == k - 1)[idx], P[:, -1][idx])


def _ap_rows(positive: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Average precision (scikit-learn's definition: tied scores form one threshold) of each row of
    (positive, score) matrices; NaN where a row has one class only."""
    order = np.argsort(-score, axis=1, kind="stable")
    s = np.take_along_axis(score, order, axis=1)
    y = np.take_along_axis(positive, order, axis=1).astype(np.int64)
    tp = np.cumsum(y, axis=1)
    seen = np.arange(1, y.shape[1] + 1)[None, :]
    boundary = np.ones_like(y, dtype=bool)
    boundary[:, :-1] = s[:, :-1] != s[:, 1:]  # the last of a run of tied scores closes a threshold
    at = np.where(boundary, tp, 0)
    prev = np.zeros_like(tp)
    prev[:, 1:] = np.maximum.accumulate(at, axis=1)[:, :-1]
    gain = np.where(boundary, tp - prev, 0)
    npos = tp[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ap = (gain * (tp / seen)).sum(axis=1) / npos
    return np.where((npos > 0) & (npos < y.shape[1]), ap, np.nan)


def _auc_rows(positive: np.ndarray, score: np.ndarray) -> np.ndarray:
    """ROC AUC of each row of (positive, score) matrices (NaN where a row has one class only)."""
    from scipy.stats import rankdata

    ranks = rankdata(score, axis=1)
    n1 = positive.sum(axis=1)
    n0 = positive.shape[1] - n1
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = ((ranks * positive).sum(axis=1) - n1 * (n1 + 1) / 2) / (n1 * n0)
    return np.where((n1 > 0) & (n0 > 0), auc, np.nan)


def metric_values(
    d: Labelled, *, n_boot: int = 200, level: float = 0.95, seed: int = 0, names: Sequence[str] | None = None
) -> tuple[MetricValue, ...]:
    """Every metric of the task (or those in ``names``): scikit-learn's value with a bootstrap interval."""
    points = point_metrics(d)
    if names is not None:
        points = {k: v for k, v in points.items() if k in names}
    boots = bootstrap_metrics(d, n_boot=n_boot, level=level, seed=seed, names=list(points)) if n_boot else {}
    out = []
    for name, value in points.items():
        lo, hi = percentile_interval(boots[name], level) if name in boots and value is not None else (None, None)
        note = ""
        if value is None:
            note = _undefined(name, d)
        out.append(MetricValue(name, value, lo, hi, note))
    return tuple(out)


def _undefined(name: str, d: Labelled) -> str:
    if name in ("mae", "rmse", "r2"):
        return "needs at least 2 labelled rows with different target values"
    if d.proba is None:
        return "the model gives no class probabilities"
    if name in ("roc_auc", "pr_auc"):
        if name == "pr_auc" and d.n_classes > 2:
            return "defined here for binary classifiers"
        return "needs every class among the labels (the sample holds only some)"
    return "no labelled row with a known class"


# -- curves and calibration -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Curves:
    """ROC and PR curves (binary: the positive class; multiclass: one-vs-rest per class)."""

    classes: tuple[str, ...]
    roc: tuple[tuple[np.ndarray, np.ndarray], ...]  # (fpr, tpr) per class
    pr: tuple[tuple[np.ndarray, np.ndarray], ...]  # (recall, precision) per class


def curves(d: Labelled, *, max_points: int = 400) -> Curves | None:
    if d.classes is None or d.proba is None:  # a regressor, or a classifier without probabilities
        return None
    known = d.y >= 0
    y, P = d.y[known], d.proba[known]
    k = len(d.classes)
    which = [k - 1] if k <= 2 else list(range(k))
    rocs: list[tuple[np.ndarray, np.ndarray]] = []
    prs: list[tuple[np.ndarray, np.ndarray]] = []
    names: list[str] = []
    for c in which:
        pos = (y == c).astype(int)
        if pos.min(initial=1) == pos.max(initial=0):
            continue
        fpr, tpr, _ = skm.roc_curve(pos, P[:, c])
        prec, rec, _ = skm.precision_recall_curve(pos, P[:, c])
        rocs.append(_thin(fpr, tpr, max_points))
        prs.append(_thin(rec, prec, max_points))
        names.append(d.classes[c])
    return Curves(tuple(names), tuple(rocs), tuple(prs)) if names else None


def _thin(x: np.ndarray, y: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    if x.size <= n:
        return x, y
    keep = np.unique(np.linspace(0, x.size - 1, n).round().astype(int))
    return x[keep], y[keep]


@dataclass(frozen=True, eq=False)
class Calibration:
    confidence: np.ndarray  # mean predicted probability per non-empty bin
    observed: np.ndarray  # observed rate (binary) or accuracy (multiclass top-label) per bin
    counts: np.ndarray
    ece: float
    what: str  # "positive class probability" | "top-class probability"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ece": to_json_safe(self.ece),
            "what": self.what,
            "confidence": to_json_safe(self.confidence),
            "observed": to_json_safe(self.observed),
            "counts": to_json_safe(self.counts),
        }


def calibration(d: Labelled, *, bins: int = 10) -> Calibration | None:
    """Reliability curve and expected calibration error over equal-width bins."""
    if not d.classifier or d.proba is None:
        return None
    known = d.y >= 0
    y, P = d.y[known], d.proba[known]
    if not y.size:
        return None
    k = P.shape[1]
    if k <= 2:
        conf, hit, what = P[:, -1], (y == k - 1).astype(float), "positive class probability"
    else:
        top = P.argmax(axis=1)
        conf, hit, what = P[np.arange(y.size), top], (top == y).astype(float), "top-class probability"
    which = np.minimum((conf * bins).astype(int), bins - 1)
    counts = np.bincount(which, minlength=bins)
    sum_conf = np.bincount(which, weights=conf, minlength=bins)
    sum_hit = np.bincount(which, weights=hit, minlength=bins)
    nz = counts > 0
    confidence, observed = sum_conf[nz] / counts[nz], sum_hit[nz] / counts[nz]
    ece = float(np.sum(counts[nz] / y.size * np.abs(observed - confidence)))
    return Calibration(confidence, observed, counts[nz], ece, what)


def confusion(d: Labelled) -> np.ndarray | None:
    """Counts (rows: true class, with a last row for unknown labels when there are any; columns: predicted)."""
    if d.classes is None:  # a regressor
        return None
    k = len(d.classes)
    y = np.where(d.y < 0, k, d.y)
    m = np.zeros((k + 1, k), dtype=np.int64)
    np.add.at(m, (y, np.clip(d.pred, 0, k - 1)), 1)
    return m if d.n_unknown else m[:k]
