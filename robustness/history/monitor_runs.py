"""Monitoring runs in the run history (``robustness monitor --save``), through the store's public API (here, in
the run history, so that robustness.monitor never imports the store: the store's notifications read the report).

The store (``robustness.history``) was made for trust reports: a run is a report JSON with a verdict
(pass/warn/fail), a title, checks and a manifest, plus rows per check, drifted column and metric. A
monitoring run is stored as such a document, ``kind: "monitor"``:

- ``verdict``: ``fail`` when any window alerts (the monitor's exit code 1), ``warn`` when some window's
  drift tests fired without leaving the reference band, else ``pass``; ``monitor`` holds the monitor's
  own JSON exactly as ``robustness monitor --json`` writes it (its verdict ``ok``/``alert`` included);
- two checks the history's trends and diffs already understand: **Performance** (the headline metric of
  the last estimated window against the mean over the reference's chunks; fail when a window left its
  band) and **Data drift** (the share of tested columns that alerted in some window);
- rows: one metric per monitored metric for the last estimated window (``current (estimated)``, or
  ``current`` when labels measured it) with its interval, and the reference chunks' mean
  (``reference``); one drift row per column tested, drifted when it alerted in some window.

Per-window numbers live in the document only: the store has no table for windows (a schema change of
``robustness/history`` would add one, and a ``kind`` column on runs).
"""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from robustness.formatting import count, interval, number
from robustness.monitor.results import METHOD_NAMES, MonitorResult, MonitorWindow
from robustness.performance.metrics import LABELS

if TYPE_CHECKING:
    from robustness.history.extract import RunRows

__all__ = ["KIND", "monitor_document", "monitor_manifest", "monitor_rows", "save_monitor"]

KIND = "monitor"
_RANK = {"skipped": -1, "pass": 0, "warn": 1, "fail": 2}


def _label(metric: str) -> str:
    return LABELS.get(metric, metric)


def _when(w: MonitorWindow) -> str:
    return w.start if w.start == w.end else f"{w.start} – {w.end}"


def _last_estimated(result: MonitorResult) -> MonitorWindow | None:
    return next((w for w in reversed(result.windows) if w.status == "ok"), None)


def _last_value(w: MonitorWindow, metric: str) -> tuple[float | None, float | None, float | None, str]:
    """The window's value of ``metric``: realised when labels cover at least half its rows (as the alerts
    judge it), else the headline estimate; with its interval and where it comes from."""
    real = w.realised_value(metric)
    if real is not None and w.labelled_rows >= w.rows / 2:
        return real, None, None, "measured on current labels"
    e = w.estimate(metric)
    if e is None or e.value is None:
        return None, None, None, ""
    return e.value, e.low, e.high, f"estimated without labels ({e.method})"


def _performance_check(result: MonitorResult) -> dict[str, Any]:
    head = result.metrics[0]
    last = _last_estimated(result)
    perf = [(w, a) for w in result.windows for a in w.alerts if a.kind == "performance"]
    if last is None:
        return {
            "name": "Performance",
            "status": "skipped",
            "summary": "No window has enough rows to estimate its performance.",
            "plain": "No period had enough rows to estimate how the model performs.",
            "details": [],
            "metrics": {},
        }
    value, low, high, source = _last_value(last, head)
    band = result.band(head)
    ref = band.mean if band is not None else None
    status = "fail" if perf else "pass"
    where = f"the last window ({_when(last)}, {count(last.rows)} rows)"
    ci = f" (95% interval {interval(low, high)})" if low is not None and high is not None else ""
    now = f"{_label(head)} of {where}: {number(value)}{ci}, {source}" if value is not None else ""
    flagged = list(dict.fromkeys(w.index for w, _ in perf))
    if perf:
        first_w, first_a = perf[0]
        summary = (
            f"{count(len(flagged))} of {count(len(result.windows))} windows left the reference band of their "
            f"performance; the first, {_when(first_w)}: {first_a.message}."
        )
        plain = (
            f"The model's performance left its usual range in {count(len(flagged))} of "
            f"{count(len(result.windows))} periods, first {_when(first_w)}."
        )
    else:
        summary = f"No window's performance left its reference band ({count(len(result.windows))} windows)."
        plain = f"The model performs within its usual range in all {count(len(result.windows))} periods."
    if now:
        summary += f" {now[0].upper()}{now[1:]}."
    if ref is not None:
        summary += f" Reference chunks: {number(ref)} on average."
    details = []
    for w in result.windows:
        e = w.estimate(head)
        est = w.message if w.status != "ok" or e is None else f"{number(e.value)} ({interval(e.low, e.high)})"
        real = w.realised_value(head)
        tail = f", realised {number(real)}" if real is not None else ""
        flags = [a.message for a in w.alerts if a.kind == "performance"]
        details.append(f"{_when(w)}: {est}{tail}" + (f"; ALERT: {'; '.join(flags)}" if flags else ""))
    change = None
    if ref and value is not None:
        higher = head not in ("mae", "rmse")
        change = (ref - value) / abs(ref) if higher else (value - ref) / abs(ref)
    return {
        "name": "Performance",
        "status": status,
        "summary": summary,
        "plain": plain,
        "details": details,
        "metrics": {
            "metric": head,
            "reference": ref,
            "current": value,
            "low": low,
            "high": high,
            "source": source,
            "relative_change": change,
            "window": _when(last),
            "windows": len(result.windows),
            "windows_alerting": len(flagged),
        },
    }


def _drift_check(result: MonitorResult) -> dict[str, Any]:
    drift = result.drift
    if drift is None:
        return {
            "name": "Data drift",
            "status": "skipped",
            "summary": "Drift per window was not computed (--no-drift, no input column shared by both datasets, "
            "or windows that could not be lined up).",
            "plain": "Changes in the inputs were not checked.",
            "details": [],
            "metrics": {},
        }
    tested = list(drift.features)
    alerting = list(dict.fromkeys(c for a in result.alerts if a.kind == "drift" for c in a.columns))
    fired = list(dict.fromkeys(c for w in result.windows for c in w.drifted))
    status = "fail" if alerting else "warn" if fired else "pass"
    n = max(len(tested), 1)
    names = ", ".join(alerting[:5] or fired[:5]) + (" ..." if len(alerting or fired) > 5 else "")
    if alerting:
        summary = (
            f"{count(len(alerting))} of {count(len(tested))} columns drifted beyond the reference's own band in some "
            f"window ({names})."
        )
        plain = f"{count(len(alerting))} of {count(len(tested))} inputs or outputs changed more than usual ({names})."
    elif fired:
        summary = (
            f"The drift test fired for {count(len(fired))} of {count(len(tested))} columns in some window ({names}), "
            "within the reference's own chunk-to-chunk variability."
        )
        plain = f"Some inputs moved a little ({names}), within their usual variation."
    else:
        summary = f"No window's inputs or outputs drifted ({count(len(tested))} columns tested)."
        plain = "The inputs and outputs look as in the reference in every period."
    details = [
        f"{_when(w)}: " + (", ".join(w.drifted) if w.drifted else "no drifted column")
        for w in result.windows
        if w.status == "ok"
    ]
    return {
        "name": "Data drift",
        "status": status,
        "summary": summary,
        "plain": plain,
        "details": details,
        "metrics": {
            "drifted": len(alerting),
            "tested": len(tested),
            "share": len(alerting) / n,
            "fired": len(fired),
        },
    }


def monitor_manifest(
    result: MonitorResult,
    *,
    model_name: str | None,
    model_sha256: str | None,
    model_summary: dict | None,
    reference: dict,
    current: dict,
    roles: dict,
    settings: dict,
) -> dict:
    """The run's manifest: what ran on what (``reference`` and ``current``: name, sha256, rows, columns),
    with which settings, in which environment. Keys as a trust report's, so the store reads its hashes."""
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, str | None] = {}
    for pkg in ("robustness-dashboard", "numpy", "pandas", "scikit-learn", "scipy"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = None
    return {
        "kind": KIND,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": {"name": model_name, "sha256": model_sha256, "summary": model_summary},
        "reference": reference,
        "current": current,
        "roles": roles,
        "config": {**settings, "methods": list(result.methods), "level": result.level},
        "seed": settings.get("seed"),
        "python": platform.python_version(),
        "packages": versions,
    }


def monitor_document(result: MonitorResult, *, title: str, manifest: dict) -> dict:
    """The document a monitoring run is stored as (see the module docstring); JSON-safe."""
    checks = [_performance_check(result), _drift_check(result)]
    judged = [c["status"] for c in checks if c["status"] != "skipped"]
    verdict = max(judged, key=_RANK.__getitem__) if judged else "pass"
    from robustness.jsonsafe import to_json_safe

    return to_json_safe(
        {
            "kind": KIND,
            "title": title,
            "verdict": verdict,
            "summary": result.summary(),
            "methods": {m: METHOD_NAMES[m] for m in result.methods},
            "checks": checks,
            "manifest": manifest,
            "monitor": result.to_dict(),
        }
    )


def monitor_rows(result: MonitorResult, document: dict) -> RunRows:
    """The rows stored beside the document: its checks (as the store derives them), a metric row per monitored
    metric for the last estimated window and for the reference chunks, and a drift row per column tested."""
    from robustness.history.extract import DriftRow, MetricRow, RunRows, rows_of

    checks = rows_of(document).checks
    metrics: list[MetricRow] = []
    last = _last_estimated(result)
    for m in result.metrics:
        band = result.band(m)
        if band is not None:
            metrics.append(MetricRow(m, "reference", band.mean))
        if last is not None:
            value, low, high, source = _last_value(last, m)
            if value is not None:
                dataset = "current" if source.startswith("measured") else "current (estimated)"
                metrics.append(MetricRow(m, dataset, value, low, high))
    drift = []
    if result.drift is not None:
        alerting = {c for a in result.alerts if a.kind == "drift" for c in a.columns}
        tests = dict(zip(result.drift.features, result.drift.tests))
        for c in result.drift.features:
            drift.append(DriftRow(column=str(c), drifted=c in alerting, test=tests.get(c), status="monitor"))
    return RunRows(checks, tuple(drift), tuple(metrics))


def save_monitor(
    result: MonitorResult,
    *,
    project: str,
    title: str,
    manifest: dict,
    url: str | None = None,
    html: str | None = None,
    created_at: datetime | None = None,
) -> int:
    """Store the monitoring run in the run store at ``url`` (default: the store's own default) under
    ``project``; its run id. HistoryError when the store cannot be opened or written."""
    from robustness.history.store import open_store

    document = monitor_document(result, title=title, manifest=manifest)
    text = json.dumps(document, indent=2, allow_nan=False, ensure_ascii=False)
    with open_store(url) as store:
        return store.save_json(
            text, project=project, rows=monitor_rows(result, document), html=html, created_at=created_at
        )
