"""Typed, frozen results of a monitoring run; ``to_dict`` gives the JSON contract (via ``to_json_safe``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from robustness.jsonsafe import to_json_safe
from robustness.performance.metrics import HIGHER_IS_BETTER, LABELS

if TYPE_CHECKING:
    from robustness.drift.windows import TimeDriftResult

__all__ = ["Alert", "Band", "MetricEstimate", "MonitorResult", "MonitorWindow", "METHOD_NAMES"]

METHOD_NAMES = {
    "confidence": "Confidence-based (calibrated on reference)",
    "atc": "Average thresholded confidence",
    "weighting": "Importance weighting (domain classifier)",
    "realised": "Realised (labels)",
}
BOUNDED = {"accuracy", "precision", "recall", "f1", "roc_auc"}  # metrics in [0, 1]


@dataclass(frozen=True)
class MetricEstimate:
    metric: str
    method: str  # "confidence" | "atc" | "weighting"
    value: float | None
    low: float | None
    high: float | None

    def to_dict(self) -> dict:
        return to_json_safe({"value": self.value, "low": self.low, "high": self.high, "method": self.method})


@dataclass(frozen=True)
class Band:
    """A metric's expected range from its realised values on the reference's own chunks: mean ± 3 sd,
    the sd widened by sqrt(chunk_rows / rows) for a window of ``rows`` rows."""

    metric: str
    mean: float
    sd: float
    chunk_rows: int  # median rows of the reference chunks
    n_chunks: int
    values: tuple[float, ...]  # the metric on each reference chunk

    def limits(self, rows: int) -> tuple[float, float]:
        half = 3 * self.sd * math.sqrt(self.chunk_rows / max(rows, 1))
        low, high = self.mean - half, self.mean + half
        if self.metric in BOUNDED:
            low, high = max(low, 0.0), min(high, 1.0)
        elif self.metric in ("mae", "rmse"):
            low = max(low, 0.0)
        return low, high

    def to_dict(self) -> dict:
        return to_json_safe(
            {
                "metric": self.metric,
                "mean": self.mean,
                "sd": self.sd,
                "low": self.limits(self.chunk_rows)[0],
                "high": self.limits(self.chunk_rows)[1],
                "chunk_rows": self.chunk_rows,
                "n_chunks": self.n_chunks,
                "chunk_values": list(self.values),
                "rule": "mean ± 3 sd of the metric over reference chunks; a window of n rows widens the sd by "
                "sqrt(chunk_rows / n)",
            }
        )


@dataclass(frozen=True)
class Alert:
    kind: str  # "performance" | "drift"
    metric: str | None  # performance: the metric; drift: None
    method: str | None  # the estimator, or "realised"
    value: float | None
    low: float | None
    high: float | None
    columns: tuple[str, ...]  # drift: the columns whose drift exceeds their reference band
    message: str

    def to_dict(self) -> dict:
        return to_json_safe(
            {
                "kind": self.kind,
                "metric": self.metric,
                "method": self.method,
                "value": self.value,
                "low": self.low,
                "high": self.high,
                "columns": list(self.columns),
                "message": self.message,
            }
        )


@dataclass(frozen=True)
class MonitorWindow:
    index: int
    start: str
    end: str
    rows: int
    status: str  # "ok" | "too_few_rows"
    message: str
    estimates: tuple[MetricEstimate, ...]  # every method's estimate of every metric
    primary: tuple[tuple[str, str], ...]  # (metric, method) whose estimate is the headline
    labelled_rows: int
    realised: tuple[tuple[str, float | None], ...]  # (metric, value) on the labelled rows; () without labels
    band: tuple[tuple[str, float, float], ...]  # (metric, low, high) for this window's size
    alerts: tuple[Alert, ...]
    drifted: tuple[str, ...] = ()  # columns whose drift test fired in this window
    above_band: tuple[str, ...] = ()  # columns whose drift effect exceeds the reference band

    def estimate(self, metric: str, method: str | None = None) -> MetricEstimate | None:
        method = method or dict(self.primary).get(metric)
        return next((e for e in self.estimates if e.metric == metric and e.method == method), None)

    def realised_value(self, metric: str) -> float | None:
        return dict(self.realised).get(metric)

    def band_for(self, metric: str) -> tuple[float, float] | None:
        return next(((lo, hi) for m, lo, hi in self.band if m == metric), None)

    def to_dict(self) -> dict:
        estimated = {}
        for m, method in self.primary:
            e = self.estimate(m, method)
            if e is not None:
                estimated[m] = e.to_dict()
        by_method: dict[str, dict] = {}
        for e in self.estimates:
            by_method.setdefault(e.method, {})[e.metric] = e.to_dict()
        return to_json_safe(
            {
                "index": self.index,
                "start": self.start,
                "end": self.end,
                "rows": self.rows,
                "status": self.status,
                "message": self.message,
                "estimated": estimated,
                "estimated_by_method": by_method,
                "labelled_rows": self.labelled_rows,
                "realised": dict(self.realised) if self.realised else None,
                "band": {m: {"low": lo, "high": hi} for m, lo, hi in self.band},
                "alerts": [a.to_dict() for a in self.alerts],
            }
        )


@dataclass(frozen=True, eq=False)
class MonitorResult:
    task: str
    classes: tuple | None
    metrics: tuple[str, ...]
    methods: tuple[str, ...]
    windows: tuple[MonitorWindow, ...]
    bands: tuple[Band, ...]
    window: str  # "chunk" | "period"
    chunk: int | None
    period: str | None
    ordered_by: str
    reference_rows: int
    level: float
    drift: TimeDriftResult | None  # drift per window of the inputs and the model's outputs
    notes: tuple[str, ...] = ()

    @property
    def alerts(self) -> tuple[Alert, ...]:
        return tuple(a for w in self.windows for a in w.alerts)

    @property
    def verdict(self) -> str:
        return "alert" if self.alerts else "ok"

    def band(self, metric: str) -> Band | None:
        return next((b for b in self.bands if b.metric == metric), None)

    def summary(self) -> str:
        ok = [w for w in self.windows if w.status == "ok"]
        flagged = [w for w in self.windows if w.alerts]
        text = f"{len(self.windows)} windows ({len(ok)} estimated); "
        if not flagged:
            return text + "no window left its reference band."
        first = flagged[0]
        return text + f"{len(flagged)} with alerts, first {first.start}: {first.alerts[0].message}"

    def to_dict(self) -> dict:
        drift = []
        if self.drift is not None:
            for w in self.windows:
                drift.append({"window": w.index, "drifted": list(w.drifted), "above_band": list(w.above_band)})
        return to_json_safe(
            {
                "task": self.task,
                "classes": None if self.classes is None else list(self.classes),
                "metrics": list(self.metrics),
                "metric_labels": {m: LABELS.get(m, m) for m in self.metrics},
                "higher_is_better": {m: HIGHER_IS_BETTER.get(m, True) for m in self.metrics},
                "methods": {m: METHOD_NAMES[m] for m in self.methods},
                "window": self.window,
                "chunk": self.chunk,
                "period": self.period,
                "ordered_by": self.ordered_by,
                "reference_rows": self.reference_rows,
                "level": self.level,
                "windows": [w.to_dict() for w in self.windows],
                "reference_bands": {b.metric: b.to_dict() for b in self.bands},
                "drift": drift,
                "drift_detail": None if self.drift is None else self.drift.to_dict(),
                "verdict": self.verdict,
                "summary": self.summary(),
                "notes": list(self.notes),
            }
        )
