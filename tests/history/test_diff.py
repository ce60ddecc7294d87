"""The diff's rules on runs made by hand."""

from __future__ import annotations

from datetime import UTC, datetime

from robustness.history.diff import diff_runs
from robustness.history.extract import HIGHER_IS_BETTER, MetricRow
from robustness.history.store import Run, RunSummary
from tests.history.fakes import fake_report


def _run(run_id, text, rows, **hashes) -> Run:
    import json

    report = json.loads(text)
    m = report["manifest"]
    summary = RunSummary(
        run_id,
        "p",
        datetime(2026, 1, run_id, tzinfo=UTC),
        report["verdict"],
        report["title"],
        "model.skops",
        m["model"]["sha256"],
        "reference.csv",
        m["reference"]["sha256"],
        "current.csv",
        m["current"]["sha256"],
    )
    return Run(summary, text, m, rows.checks, rows.drift, rows.metrics, False)


def test_nothing_worse_between_identical_runs():
    text, rows = fake_report()
    d = diff_runs(_run(1, text, rows), _run(2, text, rows))
    assert not d.worse and not d.checks and not d.changed and "nothing got worse" in d.sentence()


def test_status_drift_metrics_and_hashes():
    a = _run(1, *fake_report(("pass", "warn", "fail", "pass", "pass", "pass"), drifted=("a",)))
    b = _run(
        2,
        *fake_report(
            ("fail", "pass", "fail", "skipped", "pass", "pass"),
            drifted=("b", "c"),
            accuracy=(0.80, 0.79, 0.81),
            coverage=(0.895, 0.88, 0.90),
            current_hash="d" * 64,
        ),
    )
    d = diff_runs(a, b)
    assert [(c.area, c.before, c.after, c.direction) for c in d.checks] == [
        ("Data quality", "pass", "fail", "worse"),
        ("Data drift", "warn", "pass", "better"),
        ("Explanation shift", "pass", "skipped", "not comparable"),
    ]
    assert d.newly_drifted == ("b", "c") and d.no_longer_drifted == ("a",)
    acc = next(m for m in d.metrics if m.name == "accuracy" and m.dataset == "current")
    assert acc.beyond_intervals and acc.direction == "worse" and round(acc.change, 3) == -0.07
    cov = next(m for m in d.metrics if m.name == "coverage")
    assert cov.beyond_intervals is False and cov.direction == "within intervals"
    assert [h.part for h in d.changed] == ["current data"]
    assert d.worse
    text = d.text()
    assert "Data quality: pass -> fail (worse)" in text and "Columns newly drifted: b, c" in text
    assert d.to_dict()["worse"] is True


def test_a_better_run_is_not_worse():
    a = _run(1, *fake_report(("fail", "warn", "pass", "pass", "pass", "pass"), accuracy=(0.7, 0.69, 0.71)))
    b = _run(2, *fake_report(accuracy=(0.8, 0.79, 0.81)))
    d = diff_runs(a, b)
    assert not d.worse and {c.direction for c in d.checks} == {"better"}
    assert next(m for m in d.metrics if m.name == "accuracy" and m.dataset == "current").direction == "better"


def test_one_interval_judges_the_other_value():
    from robustness.history.diff import _metric_change

    m = _metric_change(MetricRow("mae", "current", 1.0, 0.9, 1.1), MetricRow("mae", "current", 1.3))
    assert m.beyond_intervals and m.direction == "worse"
    m = _metric_change(MetricRow("drifted_share", "current", 0.1), MetricRow("drifted_share", "current", 0.3))
    assert m.beyond_intervals is None and m.direction == "higher"


def test_directions_mirror_the_performance_metrics():
    from robustness.performance.metrics import HIGHER_IS_BETTER as PERF

    assert {k: HIGHER_IS_BETTER[k] for k in PERF} == PERF
