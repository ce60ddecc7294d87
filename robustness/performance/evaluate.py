"""Performance of a model on labelled data: reference and current side by side, and over time.

``performance(model, reference, current, target=...)`` scores both datasets with the model,
keeps the rows that have a label, and returns every metric of the task with a bootstrap
interval, the confusion matrix, ROC/PR curves, the calibration curve with its ECE (classifiers)
or residuals (regressors), and, when a timestamp column is given, the headline metric per window
(accuracy or MAE) with its interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from robustness.errors import ConfigError, DataError, ModelError, RobustnessError
from robustness.formatting import class_label, number, share
from robustness.models import ModelAdapter, Task
from robustness.performance.metrics import (
    Calibration,
    Curves,
    Labelled,
    MetricValue,
    calibration,
    confusion,
    curves,
    label_codes,
    metric_values,
)

__all__ = [
    "DatasetPerformance",
    "PerformanceResult",
    "WindowPerformance",
    "evaluate",
    "labelled",
    "performance",
    "worst_errors",
]

RESIDUAL_POINTS = 2000


def _predict(model: ModelAdapter, X: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    try:
        pred = np.asarray(model.predict(X))
        proba = np.asarray(model.predict_proba(X), dtype=float) if model.is_classifier and model.has_proba else None
    except RobustnessError:
        raise
    except Exception as exc:  # noqa: BLE001 - adapters wrap model errors; anything else is the model's
        raise ModelError(f"The model could not score the {name} data: {exc}") from exc
    return pred, proba


def labelled(
    model: ModelAdapter,
    data: pd.DataFrame,
    target: str,
    *,
    name: str = "current",
    predictions: tuple[np.ndarray, np.ndarray | None] | None = None,
) -> tuple[Labelled, list[str]]:
    """The labelled rows of ``data`` with the model's outputs, and notes on what was left out."""
    if target not in data.columns:
        raise DataError(f"The {name} data has no target column '{target}', so its performance cannot be measured.")
    y_raw = data[target]
    has = y_raw.notna().to_numpy()
    notes: list[str] = []
    if not has.all():
        notes.append(f"{int((~has).sum()):,} of {len(data):,} {name} rows have no label and are left out.")
    pred, proba = predictions if predictions is not None else _predict(model, data, name)
    pred, proba = pred[has], (None if proba is None else proba[has])
    y_raw = y_raw[has]
    if not model.is_classifier:
        y = pd.to_numeric(y_raw, errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(y)
        if bad.any():
            raise DataError(
                f"The target '{target}' in the {name} data holds {int(bad.sum())} value(s) that are not "
                f"finite numbers (for example {str(y_raw[bad].iloc[0])[:30]!r}); a regressor's target "
                "must be numbers."
            )
        return Labelled(y, pred.astype(float), None, None), notes
    classes = list(model.classes or [])
    y = label_codes(y_raw.to_numpy(), classes)
    unknown = y < 0
    if unknown.any():
        seen = ", ".join(repr(v) for v in pd.unique(y_raw[unknown].astype(str))[:5])
        notes.append(
            f"{int(unknown.sum()):,} {name} rows have labels the model never predicts ({seen}); they count "
            "as errors, and probability metrics leave them out."
        )
    codes = label_codes(pred, classes)
    return Labelled(y, codes, proba, tuple(str(c) for c in classes), int(unknown.sum())), notes


@dataclass(frozen=True, eq=False)
class DatasetPerformance:
    name: str
    n_rows: int
    n_labelled: int
    metrics: tuple[MetricValue, ...]
    confusion: np.ndarray | None = None
    curves: Curves | None = None
    calibration: Calibration | None = None
    residuals: tuple[np.ndarray, np.ndarray] | None = None  # (prediction, target) for up to 2,000 rows
    notes: tuple[str, ...] = ()

    def metric(self, name: str) -> MetricValue | None:
        return next((m for m in self.metrics if m.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "n_rows": self.n_rows,
            "n_labelled": self.n_labelled,
            "metrics": {m.name: m.to_dict() for m in self.metrics},
            "confusion": None if self.confusion is None else self.confusion.tolist(),
            "calibration": None if self.calibration is None else self.calibration.to_dict(),
            "notes": list(self.notes),
        }


def evaluate(
    model: ModelAdapter, data: pd.DataFrame, target: str, *, name: str = "current", n_boot: int = 200, seed: int = 0
) -> DatasetPerformance:
    """Every metric of the task on ``data``'s labelled rows, with bootstrap intervals."""
    d, notes = labelled(model, data, target, name=name)
    if d.n == 0:
        return DatasetPerformance(name, len(data), 0, (), notes=tuple(notes + [f"No {name} row has a label."]))
    residuals = None
    if not d.classifier:
        keep = np.random.default_rng(seed).permutation(d.n)[:RESIDUAL_POINTS]
        residuals = (d.pred[keep], d.y[keep])
    return DatasetPerformance(
        name,
        len(data),
        d.n,
        metric_values(d, n_boot=n_boot, seed=seed),
        confusion(d),
        curves(d),
        calibration(d),
        residuals,
        tuple(notes),
    )


@dataclass(frozen=True)
class WindowPerformance:
    start: str
    end: str
    n_labelled: int
    metric: MetricValue

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "n_labelled": self.n_labelled, **self.metric.to_dict()}


@dataclass(frozen=True, eq=False)
class PerformanceResult:
    task: Task
    classes: tuple[str, ...] | None
    reference: DatasetPerformance | None
    current: DatasetPerformance | None
    over_time: tuple[WindowPerformance, ...] = ()
    time_metric: str | None = None
    seed: int = 0
    n_boot: int = 200
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def headline(self) -> str:
        return "mae" if self.task is Task.REGRESSION else "accuracy"

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task.value,
            "classes": None if self.classes is None else list(self.classes),
            "reference": None if self.reference is None else self.reference.to_dict(),
            "current": None if self.current is None else self.current.to_dict(),
            "over_time": [w.to_dict() for w in self.over_time],
            "time_metric": self.time_metric,
            "seed": self.seed,
            "n_boot": self.n_boot,
            "notes": list(self.notes),
        }


def performance(
    model: ModelAdapter,
    reference: pd.DataFrame | None,
    current: pd.DataFrame | None,
    *,
    target: str,
    timestamp: str | None = None,
    period: str | None = None,
    n_boot: int = 200,
    seed: int = 0,
    max_windows: int = 60,
) -> PerformanceResult:
    """Reference and current performance side by side (either may be None or lack labels)."""
    if n_boot < 0 or n_boot > 10_000:
        raise ConfigError(f"The number of bootstrap resamples must be between 0 and 10,000, not {n_boot}.")
    out: dict[str, DatasetPerformance | None] = {}
    notes: list[str] = []
    for name, frame in (("reference", reference), ("current", current)):
        if frame is None or target not in frame.columns:
            out[name] = None
            if frame is not None:
                notes.append(f"The {name} data has no '{target}' column, so its performance is not measured.")
            continue
        out[name] = evaluate(model, frame, target, name=name, n_boot=n_boot, seed=seed)
    windows: tuple[WindowPerformance, ...] = ()
    headline = "mae" if not model.is_classifier else "accuracy"
    if timestamp is not None and current is not None and out["current"] is not None:
        windows = _over_time(model, current, target, timestamp, period, headline, n_boot, seed, max_windows)
    classes = None if not model.is_classifier else tuple(str(c) for c in (model.classes or []))
    return PerformanceResult(
        model.task,
        classes,
        out["reference"],
        out["current"],
        windows,
        headline if windows else None,
        seed,
        n_boot,
        tuple(notes),
    )


def _over_time(
    model: ModelAdapter,
    current: pd.DataFrame,
    target: str,
    timestamp: str,
    period: str | None,
    headline: str,
    n_boot: int,
    seed: int,
    max_windows: int,
) -> tuple[WindowPerformance, ...]:
    from robustness.drift.windows import split_windows

    if period is None:
        parts, _, _, _ = split_windows(current, timestamp, "size", None, None, 50, max_windows)
    else:
        parts, _, _, _ = split_windows(current, timestamp, "period", None, period, 1, max_windows)
    pred, proba = _predict(model, current, "current")
    windows: list[WindowPerformance] = []
    for start, end, pos in parts:
        frame = current.iloc[pos]
        d, _ = labelled(model, frame, target, predictions=(pred[pos], None if proba is None else proba[pos]))
        if d.n == 0:
            continue
        m = next(
            v for v in metric_values(d, n_boot=min(n_boot, 100), seed=seed, names=(headline,)) if v.name == headline
        )
        windows.append(WindowPerformance(str(start), str(end), d.n, m))
    return tuple(windows)


def worst_errors(
    model: ModelAdapter,
    data: pd.DataFrame,
    target: str,
    *,
    n: int = 20,
    class_names: Mapping[str, str] | None = None,
) -> list[tuple[int, str]]:
    """(row position in ``data``, description) of the worst predictions against the labels:
    classifiers: misclassified rows, most confident first; regressors: the largest |error|.

    The descriptions are in the one number format (robustness.formatting), classes by their names when
    ``class_names`` (class as text -> name) gives them: "row 3194: predicted repaid (97.6% sure), actually
    default"; "row 12: predicted 2,450, actually 323 (error +2,120)". The row is its index label, shown as it is.
    """
    if target not in data.columns:
        return []
    has = np.flatnonzero(data[target].notna().to_numpy())
    if has.size == 0:
        return []
    d, _ = labelled(model, data, target)
    index = data.index[has]
    out: list[tuple[int, str]] = []
    if d.classes is not None:  # a classifier
        classes = list(model.classes if model.classes is not None else d.classes)
        labels = data[target].to_numpy(dtype=object)[has]
        conf = d.proba.max(axis=1) if d.proba is not None else np.full(d.n, np.nan)
        wrong = np.flatnonzero(d.pred != d.y)
        for i in wrong[np.argsort(-np.nan_to_num(conf[wrong], nan=0.0), kind="stable")][:n]:
            sure = "" if not np.isfinite(conf[i]) else f" ({share(conf[i])} sure)"
            predicted = class_label(classes[d.pred[i]], class_names) if d.pred[i] >= 0 else "?"
            actual = class_label(classes[d.y[i]] if d.y[i] >= 0 else labels[i], class_names)
            out.append((int(has[i]), f"row {index[i]}: predicted {predicted}{sure}, actually {actual}"))
        return out
    err = d.pred - d.y
    for i in np.argsort(-np.abs(err), kind="stable")[:n]:
        out.append(
            (
                int(has[i]),
                f"row {index[i]}: predicted {number(d.pred[i])}, actually {number(d.y[i])} "
                f"(error {number(err[i], signed=True)})",
            )
        )
    return out
