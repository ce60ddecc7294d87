"""The history figures: pure functions of stored rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from robustness.history.diff import diff_runs
from robustness.plots import history as hplots
from tests.history.fakes import fake_report
from tests.history.test_diff import _run


def _rows():
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i, (v, status) in enumerate([(0.9, "pass"), (0.85, "pass"), (0.8, "warn")]):
        out.append(
            {
                "run_id": i + 1,
                "created_at": t0 + timedelta(days=i),
                "verdict": status,
                "area": "Performance",
                "status": status,
                "headline": "accuracy",
                "value": v,
                "low": v - 0.01,
                "high": v + 0.01,
            }  # fmt: skip
        )
    return out


def test_trend_band_is_the_range_of_earlier_runs():
    assert hplots.trend_band([3.0, 1.0, None, 5.0]) == ([None, 3.0, 1.0, 1.0], [None, 3.0, 3.0, 3.0])


def test_check_trend_has_interval_band_and_status_colours():
    fig = hplots.check_trend(_rows(), "Performance", label="accuracy")
    band, line = fig.data
    assert band.fill == "toself" and list(line.y) == [0.9, 0.85, 0.8]
    assert list(line.error_y.array) == [0.01, 0.01, 0.01] or all(abs(a - 0.01) < 1e-9 for a in line.error_y.array)
    assert line.marker.color[-1] == hplots.STATUS_COLOUR["warn"]
    assert len(hplots.check_trend(_rows()[:1], "Performance").data) == 1  # one run: no band yet


def test_verdict_timeline_escapes_project_names():
    runs = [{"id": 1, "project": "<script>x</script>", "created_at": datetime(2026, 1, 1), "verdict": "fail"}]
    fig = hplots.verdict_timeline(runs)
    assert fig.data[0].y[0] == "&lt;script&gt;x&lt;/script&gt;"


def test_diff_charts():
    a = _run(1, *fake_report())
    b = _run(2, *fake_report(("fail",) + ("pass",) * 5, accuracy=(0.8, 0.79, 0.81)))
    d = diff_runs(a, b)
    status = hplots.diff_status_chart(d)
    assert len(status.layout.annotations) == 1  # one arrow: Data quality pass -> fail
    metrics = hplots.diff_metrics_chart(d)
    labels = list(metrics.data[1].y)
    acc_row = labels.index("accuracy (current)")
    assert abs(metrics.data[1].x[acc_row] - (0.8 / 0.87 - 1)) < 1e-9
    assert metrics.data[1].marker.color[acc_row] == hplots.STATUS_COLOUR["fail"]
    assert "data-quality issues (current)" not in labels  # no interval: in the words and the status chart
    acc = next(m for m in d.metrics if m.name == "accuracy" and m.dataset == "current")
    assert hplots.change_words(acc).startswith("0.87 → 0.8 (-0.07), worse")
