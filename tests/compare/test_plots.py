"""Champion vs challenger figures (robustness.plots.compare): what each trace holds, in which order, in which
colour, and the one number format in hovers and axes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from robustness.compare import compare
from robustness.compare.results import (
    ComparisonResult,
    Disagreement,
    DisagreementSegment,
    ImportanceComparison,
    MetricComparison,
    StressComparison,
)
from robustness.formatting import D3_NUMBER, D3_SHARE
from robustness.models import from_estimator
from robustness.plots import compare as cplots
from robustness.plots.wording import HIGHER, LOWER, higher_is_better, metric_label


def _metric(name, data, champion, challenger, low, high, p, higher=True, significant=False):
    return MetricComparison(
        name, data, champion, challenger, challenger - champion, low, high, p, "mcnemar_midp", higher, 500,
        significant,
    )  # fmt: skip


def _result(**kw) -> ComparisonResult:
    base = dict(
        task="binary",
        headline="accuracy",
        alpha=0.05,
        level=0.95,
        n_boot=200,
        seed=0,
        metrics=(
            _metric("accuracy", "reference", 0.80, 0.85, 0.02, 0.08, 0.001, significant=True),
            _metric("log_loss", "current", 0.40, 0.45, 0.01, 0.09, 0.01, higher=False, significant=True),
            _metric("accuracy", "current", 0.82, 0.83, -0.01, 0.03, 0.4),
        ),
        disagreement=(
            Disagreement(
                "current",
                0.1,
                500,
                None,
                0.4,
                0.6,
                (
                    DisagreementSegment("a < 0", (("a", "<", 0.0),), 100, 0.2, 0.3, 0.5, 0.5),
                    DisagreementSegment("b = <x>", (("b", "in", ["<x>"]),), 50, 0.1, 0.25, None, None),
                ),
            ),
        ),
        stress=(
            StressComparison("noise", "Gaussian noise", 0.25, 0.05, 0.06, True, "warn", "warn"),
            StressComparison("unit_x1000", "Unit error ×1000", 0.25, 0.2, 0.4, True, "fail", "fail"),
            StressComparison("unit_x1000", "Unit error ×1000", 0.5, 0.3, 0.5, False, "fail", "fail"),
            StressComparison("missing", "Missing values", 0.25, 0.1, 0.02, True, "fail", "pass"),
        ),
        importance=(
            ImportanceComparison("income", 0.01, 0.05, 3, 1),
            ImportanceComparison("age", 0.04, 0.03, 1, 2),
        ),
        verdict="no_difference",
        verdict_data="current",
        verdict_reference="better",
        summary="",
    )
    return ComparisonResult(**{**base, **kw})


def _hovers(fig: go.Figure) -> list[str]:
    return [t.hovertemplate or "" for t in fig.data]


def test_metric_differences_rows_colours_and_intervals():
    r = _result()
    fig = cplots.metric_differences(r, plain=False)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [(t.name, t.marker.color) for t in bars] == [
        ("champion", cplots.CHAMPION),
        ("challenger", cplots.CHALLENGER),
    ]
    # current first, the headline first within each data set; ↑ / ↓ say which way is better
    rows = list(bars[0].y)
    assert rows == ["Accuracy ↑ (current)", "Log loss ↓ (current)", "Accuracy ↑ (reference)"]
    assert list(bars[0].x) == [0.82, 0.40, 0.80] and list(bars[1].x) == [0.83, 0.45, 0.85]
    (diff,) = [t for t in fig.data if t.type == "scatter"]
    assert list(diff.y) == rows and diff.xaxis == "x2"
    assert np.allclose(diff.x, [0.01, 0.05, 0.05])
    # asymmetric error bars reach exactly the paired interval
    assert np.allclose(np.asarray(diff.x) + np.asarray(diff.error_x.array), [0.03, 0.09, 0.08])
    assert np.allclose(np.asarray(diff.x) - np.asarray(diff.error_x.arrayminus), [-0.01, 0.01, 0.02])
    # a higher log loss is worse: red; no significant difference: grey; better: green
    assert list(diff.marker.color) == [
        cplots.DIRECTION_COLOURS["no_difference"],
        cplots.DIRECTION_COLOURS["worse"],
        cplots.DIRECTION_COLOURS["better"],
    ]
    assert [c[2] for c in diff.customdata] == ["no significant difference", "worse", "better"]
    assert all(D3_NUMBER in h for h in _hovers(fig))
    assert any(s.x0 == 0 and s.xref == "x2" for s in fig.layout.shapes)


def test_metric_differences_in_plain_words_and_without_labels():
    fig = cplots.metric_differences(_result(), plain=True)
    assert "Penalty for confident mistakes ↓ (current)" in fig.data[0].y
    empty = cplots.metric_differences(_result(metrics=()))
    assert not empty.data and "No labels" in empty.layout.title.text


def test_stress_flips_judged_rows_most_fragile_challenger_first():
    fig = cplots.stress_flips(_result())
    champion, challenger = fig.data
    assert (champion.name, challenger.name) == ("champion", "challenger")
    assert list(champion.y) == ["Unit error ×1000", "Gaussian noise", "Missing values"]  # judged severity only
    assert list(champion.x) == [0.2, 0.05, 0.1] and list(challenger.x) == [0.4, 0.06, 0.02]
    assert all(D3_SHARE in h for h in _hovers(fig)) and fig.layout.xaxis.tickformat == D3_SHARE
    reg = cplots.stress_flips(_result(task="regression"))
    assert reg.layout.xaxis.tickformat == D3_NUMBER and "mean change" in reg.layout.title.text


def test_disagreement_and_importance():
    r = _result()
    fig = cplots.disagreement_segments(r)
    (bar,) = fig.data
    assert list(bar.x) == [0.3, 0.25] and bar.y[0].startswith("a < 0 (100 rows)")
    assert fig.layout.shapes[0].x0 == 0.1  # the whole data's share
    assert [c[1:] for c in bar.customdata] == [["50%", "50%"], ["–", "–"]]
    assert "No reference data" in cplots.disagreement_segments(r, "reference").layout.title.text
    imp = cplots.importance_ranks(r)
    assert list(imp.data[0].y) == ["income (rank 3 → 1)", "age (rank 1 → 2)"]
    assert list(imp.data[0].x) == [0.01, 0.04] and list(imp.data[1].x) == [0.05, 0.03]


def _data(seed, n=500):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.choice(["u", "v"], n)})
    X["y"] = (X.a + 0.5 * X.b + rng.normal(0, 0.7, n) > 0).astype(int)
    return X


@pytest.fixture(scope="module")
def real():
    train, ref, cur = _data(0), _data(1), _data(2)
    champion = from_estimator(LogisticRegression().fit(train[["a", "b"]], train["y"]))
    challenger = from_estimator(DecisionTreeClassifier(max_depth=4, random_state=0).fit(train[["a", "b"]], train["y"]))
    return champion, challenger, ref, cur


def test_every_figure_from_a_real_comparison_serialises(real):
    champion, challenger, ref, cur = real
    r = compare(champion, challenger, ref, cur, target="y", n_boot=100, stress_rows=200)
    for fig in (
        cplots.metric_differences(r),
        cplots.disagreement_segments(r),
        cplots.stress_flips(r),
        cplots.importance_ranks(r),
    ):
        assert fig.data
        json.loads(fig.to_json())


def test_side_by_side_figures(real):
    from robustness.explain import permutation_importance
    from robustness.performance import performance
    from robustness.stress import StressConfig, run_stress

    champion, challenger, ref, cur = real
    perf = [performance(m, ref, cur, target="y", n_boot=50, seed=0) for m in (champion, challenger)]
    fig = cplots.performance_pair(*perf)
    names = [t.name for t in fig.data]
    assert set(names) == {"champion", "challenger"} and [t.showlegend for t in fig.data].count(True) == 2
    assert [a.text for a in fig.layout.annotations] == [HIGHER, LOWER]  # split by which way is better
    top = {t.name: dict(zip(t.y, t.x)) for t in fig.data if t.yaxis == "y"}
    bottom = {t.name: dict(zip(t.y, t.x)) for t in fig.data if t.yaxis == "y2"}
    for who, p in zip(("champion", "challenger"), perf):
        for ds in (p.reference, p.current):
            for m in ds.metrics:
                panel = top if higher_is_better(m.name) else bottom
                assert panel[who][f"{metric_label(m.name, plain=False)} ({ds.name})"] == pytest.approx(m.value)
    assert "95%" not in fig.layout.title.text  # the page's one "95%" chart is the reference/current one

    config = StressConfig(max_rows=200, seed=0)
    stress = [run_stress(m, cur, reference=ref, config=config) for m in (champion, challenger)]
    sfig = cplots.stress_pair(*stress)
    by = {t.name: dict(zip(t.y, t.x)) for t in sfig.data}
    for who, res in zip(("champion", "challenger"), stress):
        for v in res.verdicts:
            assert by[who][v.label] == pytest.approx(v.value)
    gaps = [(by["challenger"][y] or 0) - (by["champion"][y] or 0) for y in sfig.data[0].y]
    assert gaps == sorted(gaps, reverse=True)
    assert {a.text.split()[0] for a in sfig.layout.annotations} == {"warn", "fail"}

    pis = [permutation_importance(m, cur[["a", "b", "y"]], target="y", seed=0) for m in (champion, challenger)]
    ifig = cplots.importance_pair(*pis)
    assert [t.marker.color for t in ifig.data] == [cplots.CHAMPION, cplots.CHALLENGER]
    got = {t.name: dict(zip(t.y, t.x)) for t in ifig.data}
    assert got["champion"] == pytest.approx(dict(zip(pis[0].features, pis[0].mean)))
