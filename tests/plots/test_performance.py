"""Performance figures: metrics split by which way is better, classes by name, plain words, one number format."""

from __future__ import annotations

import json

import numpy as np
import pytest

from robustness.formatting import D3_NUMBER, D3_SHARE
from robustness.performance.metrics import Calibration
from robustness.plots import performance as pplots
from robustness.plots.wording import HIGHER, JARGON, LOWER, calibration_sentence, metric_label


@pytest.fixture(scope="module")
def credit():
    from robustness.demo import scenario_workspace
    from robustness.performance import performance

    ws = scenario_workspace("credit")
    perf = performance(ws.model, ws.reference.frame, ws.current.frame, target="default", n_boot=30, seed=0)
    return ws, perf


@pytest.fixture(scope="module")
def energy():
    from robustness.demo import scenario_workspace
    from robustness.performance import performance

    ws = scenario_workspace("energy")
    return performance(ws.model, ws.reference.frame, ws.current.frame, target="energy_kwh", n_boot=30, seed=0)


def _panels(fig) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for trace in fig.data:
        out.setdefault(trace.xaxis or "x", set()).update(x.replace("<br>", " ") for x in trace.x)
    return out


def test_classification_metrics_split_by_direction(credit):
    _, perf = credit
    fig = pplots.metric_comparison(perf)
    assert [a.text for a in fig.layout.annotations] == [HIGHER, LOWER]
    panels = _panels(fig)
    assert panels["x"] == {"Accuracy", "Precision", "Recall", "F1", "ROC AUC", "PR AUC"}
    assert panels["x2"] == {"Log loss", "Brier score"}
    assert sum(t.showlegend is not False for t in fig.data) == 2  # one legend entry per dataset
    assert all(D3_NUMBER in t.hovertemplate for t in fig.data) and fig.layout.yaxis.tickformat == D3_NUMBER


def test_regression_metrics_split_and_r2_shown(energy):
    panels = _panels(pplots.metric_comparison(energy))
    assert panels["x"] == {"R²"} and panels["x2"] == {"MAE", "RMSE"}


def test_plain_metric_names_have_no_jargon(credit):
    _, perf = credit
    fig = pplots.metric_comparison(perf, plain=True)
    shown = json.dumps(fig.to_plotly_json(), default=str)
    assert "Probability error" in shown and not any(word in shown for word in JARGON)
    assert metric_label("brier", plain=False) == "Brier score"


def test_confusion_matrix_and_curves_name_the_classes(credit):
    ws, perf = credit
    fig = pplots.confusion_matrix(perf.current, perf.classes, class_names=ws.class_names)
    assert list(fig.data[0].x) == ["repaid", "default"] and list(fig.data[0].y) == ["repaid", "default"]
    cells = [t for row in fig.data[0].text for t in row]
    assert all(t.endswith("%") for t in cells) and any("," in t.split("<br>")[0] for t in cells)  # 2,9xx<br>93.1%
    cal = pplots.calibration_curve(perf, class_names=ws.class_names, plain=True)
    assert (
        cal.layout.xaxis.title.text == "predicted probability of 'default'" and cal.layout.xaxis.tickformat == D3_SHARE
    )
    assert "points" in cal.data[0].name and "ECE" not in cal.data[0].name
    assert "ECE" in pplots.calibration_curve(perf).data[0].name


def test_calibration_in_one_sentence():
    cal = Calibration(
        confidence=np.array([0.15, 0.52, 0.79, 0.93]),
        observed=np.array([0.12, 0.49, 0.7123, 0.9]),
        counts=np.array([900, 300, 150, 10]),
        ece=0.0345,
        what="top-class probability",
    )
    said = calibration_sentence(cal, plain=True)
    assert said == (
        "When the model says it is about 79% sure, it is right 71.2% of the time (150 rows); its probabilities "
        "are off by 3.45 percentage points on average."
    )
    assert "ECE" in calibration_sentence(cal, plain=False) and "0.0345" in calibration_sentence(cal, plain=False)
    binary = Calibration(cal.confidence, cal.observed, cal.counts, cal.ece, "positive class probability")
    assert calibration_sentence(binary, positive="default").startswith(
        "When the model gives 'default' a probability of about 79%, it happens 71.2% of the time"
    )


def test_every_figure_formats_numbers_with_the_d3_rule(credit):
    _, perf = credit
    figs = [
        pplots.metric_comparison(perf),
        pplots.roc_pr_curves(perf, "roc"),
        pplots.calibration_curve(perf),
        pplots.confusion_matrix(perf.current, perf.classes),
    ]
    for fig in figs:
        text = json.dumps(fig.to_plotly_json(), default=str)
        assert not any(spec in text for spec in (":.3f", ":.4g", ":.1%", ":.2f", '".0%"')), fig.layout.title.text
