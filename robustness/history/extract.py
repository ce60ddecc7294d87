"""What a run keeps besides its report JSON: one row per check (with its headline figure and interval),
per drift-tested column and per metric. Read defensively: results are typed objects that change shape
over time (the drift engine's results may gain fields), and a report saved from its JSON alone gives
only what the JSON holds."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = [
    "HEADLINE_LABELS",
    "HIGHER_IS_BETTER",
    "CheckRow",
    "DriftRow",
    "MetricRow",
    "ReferenceRow",
    "RunRows",
    "headline",
    "rows_of",
]

#: Whether a larger value of a stored metric is better (None: neither). The performance entries mirror
#: robustness.performance.metrics.HIGHER_IS_BETTER (a test keeps them equal; importing it here would pull
#: scikit-learn into every `runs` command).
HIGHER_IS_BETTER: dict[str, bool] = {
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
    "coverage": True,
    "robustness_score": True,
    "drifted_share": False,
    "quality_issues": False,
    "shifted_features": False,
}

HEADLINE_LABELS = {
    "quality_issues": "data-quality issues",
    "drifted_share": "share of drifted columns",
    "robustness_score": "robustness score (0-100)",
    "shifted_features": "columns whose contribution shifted",
    "coverage": "coverage of the prediction sets",
    "accuracy": "accuracy",
    "precision": "precision",
    "recall": "recall",
    "f1": "F1",
    "roc_auc": "ROC AUC",
    "pr_auc": "PR AUC",
    "log_loss": "log loss",
    "brier": "Brier score",
    "mae": "MAE",
    "rmse": "RMSE",
    "r2": "R²",
    "set_size": "size of the prediction sets",
}


def _num(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


@dataclass(frozen=True)
class CheckRow:
    area: str
    status: str
    summary: str = ""
    plain: str = ""
    effect: float | None = None
    headline: str | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class DriftRow:
    column: str
    drifted: bool
    kind: str | None = None
    test: str | None = None
    statistic: float | None = None
    p_value: float | None = None
    p_value_adjusted: float | None = None
    effect_size: float | None = None
    threshold: float | None = None
    status: str | None = None


@dataclass(frozen=True)
class MetricRow:
    name: str
    dataset: str
    value: float | None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class ReferenceRow:
    """One reference column's drift summary as stored (``robustness.drift.saved``: encode / decode)."""

    column: str
    role: str
    kind: str
    format: str
    payload: bytes | None


@dataclass(frozen=True)
class RunRows:
    checks: tuple[CheckRow, ...]
    drift: tuple[DriftRow, ...] = ()
    metrics: tuple[MetricRow, ...] = field(default_factory=tuple)
    references: tuple[ReferenceRow, ...] = ()


def headline(area: str, metrics: dict) -> tuple[str | None, float | None, float | None, float | None]:
    """A check's headline figure: (name, value, low, high) from its ``metrics`` (None where absent)."""
    m = metrics or {}
    if area == "Data quality":
        return "quality_issues", _num(m.get("issues")), None, None
    if area == "Data drift":
        return "drifted_share", _num(m.get("share")), None, None
    if area == "Stress tests":
        return "robustness_score", _num(m.get("score")), None, None
    if area == "Explanation shift":
        return "shifted_features", _num(m.get("shifted")), None, None
    if area == "Performance":
        name = m.get("metric")
        return (str(name) if name else None), _num(m.get("current")), _num(m.get("low")), _num(m.get("high"))
    if area == "Uncertainty":
        return "coverage", _num(m.get("coverage")), _num(m.get("low")), _num(m.get("high"))
    return None, None, None, None


def _drift_rows(results: dict) -> tuple[DriftRow, ...]:
    run = results.get("drift")
    result = getattr(run, "result", run)
    features = getattr(result, "features", None) or ()
    rows = []
    for f in features:
        d = f.to_dict() if hasattr(f, "to_dict") else dict(getattr(f, "__dict__", {}))
        name = d.get("feature", d.get("column"))
        if name is None:
            continue
        effect = d.get("effect_size", d.get("effect"))
        if isinstance(effect, dict):  # a richer effect object: keep its value
            effect = effect.get("value")
        rows.append(
            DriftRow(
                column=str(name),
                drifted=bool(d.get("drifted", False)),
                kind=None if d.get("kind") is None else str(d.get("kind")),
                test=None if d.get("test") is None else str(d.get("test")),
                statistic=_num(d.get("statistic")),
                p_value=_num(d.get("p_value")),
                p_value_adjusted=_num(d.get("p_value_adjusted")),
                effect_size=_num(effect),
                threshold=_num(d.get("threshold")),
                status=None if d.get("status") is None else str(d.get("status")),
            )
        )
    return tuple(rows)


def reference_rows(results: dict) -> tuple[ReferenceRow, ...]:
    """The drift check's reference summaries (none when the report ran no drift check, or its engine kept
    neither the reference table nor its summaries)."""
    run = results.get("drift")
    saved_reference = getattr(run, "saved_reference", None)
    if saved_reference is None:
        return ()
    saved = saved_reference()
    if saved is None:
        return ()
    from robustness.drift.saved import encode  # only when there is a drift run: its modules are loaded

    rows = []
    for c in saved.columns:
        fmt, payload = encode(c.summary)
        rows.append(ReferenceRow(c.column, c.role, c.kind.value, fmt, payload if fmt != "none" else None))
    return tuple(rows)


def _result_metrics(results: dict) -> list[MetricRow]:
    out: list[MetricRow] = []
    perf = results.get("performance")
    for dataset in ("reference", "current"):
        part = getattr(perf, dataset, None)
        if part is None or not getattr(part, "n_labelled", 1):
            continue
        for mv in getattr(part, "metrics", ()) or ():
            out.append(MetricRow(str(mv.name), dataset, _num(mv.value), _num(getattr(mv, "low", None)), _num(mv.high)))
    return out


def _check_metrics(checks: list[dict]) -> list[MetricRow]:
    out: list[MetricRow] = []
    for c in checks:
        area, m = c.get("name"), c.get("metrics") or {}
        if c.get("status") == "skipped":
            continue
        if area == "Performance" and m.get("metric"):
            if _num(m.get("reference")) is not None:
                out.append(MetricRow(str(m["metric"]), "reference", _num(m.get("reference"))))
            if _num(m.get("current")) is not None:
                dataset = "current" if str(m.get("source", "")).startswith("measured") else "current (estimated)"
                out.append(
                    MetricRow(
                        str(m["metric"]), dataset, _num(m.get("current")), _num(m.get("low")), _num(m.get("high"))
                    )
                )
            continue
        if area == "Uncertainty" and _num(m.get("coverage")) is not None:
            out.append(
                MetricRow("coverage", "current", _num(m.get("coverage")), _num(m.get("low")), _num(m.get("high")))
            )
            continue
        name, value, low, high = headline(str(area), m)
        if name and value is not None:
            out.append(MetricRow(name, "current", value, low, high))
    return out


def rows_of(report_dict: dict, results: dict | None = None) -> RunRows:
    """The rows to store for a report (its ``to_dict()``), with the typed ``results`` when at hand (a report
    just built: per-column drift and every performance metric with its interval)."""
    checks_json = list(report_dict.get("checks") or [])
    checks = []
    for c in checks_json:
        name, value, low, high = headline(str(c.get("name", "")), c.get("metrics") or {})
        checks.append(
            CheckRow(
                area=str(c.get("name", "")),
                status=str(c.get("status", "skipped")),
                summary=str(c.get("summary") or ""),
                plain=str(c.get("plain") or ""),
                effect=_num(c.get("effect")),
                headline=name,
                value=None if c.get("status") == "skipped" else value,
                low=None if c.get("status") == "skipped" else low,
                high=None if c.get("status") == "skipped" else high,
            )
        )
    results = results or {}
    metrics = {(m.name, m.dataset): m for m in _check_metrics(checks_json)}
    for m in _result_metrics(results):  # the full results win: intervals for the reference too
        metrics[(m.name, m.dataset)] = m
    return RunRows(tuple(checks), _drift_rows(results), tuple(metrics.values()), reference_rows(results))
