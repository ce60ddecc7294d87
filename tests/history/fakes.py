"""Small reports made by hand, for store tests that need no model."""

from __future__ import annotations

import json

from robustness.history.extract import DriftRow, RunRows, rows_of

AREAS = ("Data quality", "Data drift", "Stress tests", "Explanation shift", "Performance", "Uncertainty")


def fake_report(
    statuses=("pass",) * 6,
    *,
    accuracy=(0.87, 0.86, 0.88),
    coverage=(0.9, 0.89, 0.91),
    drifted=(),
    current_hash="c" * 64,
    model_hash="m" * 64,
    title="Trust report: model.skops on current.csv",
) -> tuple[str, RunRows]:
    """(report JSON, rows) shaped like `robustness report --json` writes, with per-column drift rows."""
    rank = {"pass": 0, "warn": 1, "fail": 2}
    metrics = {
        "Data quality": {"issues": sum(s != "pass" for s in statuses[:1])},
        "Data drift": {"drifted": len(drifted), "tested": 5, "share": len(drifted) / 5},
        "Stress tests": {"score": 95.0},
        "Explanation shift": {"shifted": 0, "features": 5},
        "Performance": {
            "metric": "accuracy",
            "reference": 0.87,
            "current": accuracy[0],
            "low": accuracy[1],
            "high": accuracy[2],
            "source": "measured on current labels",
        },
        "Uncertainty": {"target": 0.9, "coverage": coverage[0], "low": coverage[1], "high": coverage[2]},
    }
    checks = [
        {
            "name": a,
            "status": s,
            "summary": f"{a} {s}",
            "plain": f"{a} {s}",
            "effect": 0.1,
            "details": [],
            "metrics": metrics[a],
        }
        for a, s in zip(AREAS, statuses)
    ]
    verdict = max((s for s in statuses if s in rank), key=rank.__getitem__, default="pass")
    report = {
        "title": title,
        "verdict": verdict,
        "checks": checks,
        "manifest": {
            "created": "2026-01-01T00:00:00+00:00",
            "model": {"name": "model.skops", "sha256": model_hash},
            "reference": {"name": "reference.csv", "sha256": "r" * 64, "rows": 100, "columns": 6},
            "current": {"name": "current.csv", "sha256": current_hash, "rows": 100, "columns": 6},
            "packages": {"robustness-dashboard": "0.1.0"},
        },
        "seconds": 1.0,
    }
    text = json.dumps(report, indent=2)
    base = rows_of(report)
    drift = tuple(
        DriftRow(column=c, drifted=c in drifted, kind="numerical", test="ks", statistic=0.1, p_value=0.5)
        for c in ("a", "b", "c", "d", "e")
    )
    return text, RunRows(base.checks, drift, base.metrics)
