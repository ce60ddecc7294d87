"""Figure builders of the stress views: the status heatmap, severity curves and the sensitivity ranking,
on a classifier and a regressor."""

from __future__ import annotations

import pytest

from robustness.demo import load_scenario
from robustness.models import from_estimator
from robustness.plots import stress as splots
from robustness.stress import StressConfig, by_family, registry, run_stress


@pytest.fixture(scope="module")
def credit():
    s = load_scenario("credit")
    return run_stress(
        from_estimator(s.model), s.current, target="default", reference=s.reference, config=StressConfig(max_rows=600)
    )


@pytest.fixture(scope="module")
def energy():
    s = load_scenario("energy")
    return run_stress(
        from_estimator(s.model),
        s.current,
        target="energy_kwh",
        reference=s.reference,
        config=StressConfig(max_rows=600),
    )


@pytest.fixture(params=["credit", "energy"])
def result(request):
    return request.getfixturevalue(request.param)


def test_heatmap_has_one_row_per_perturbation_grouped_by_family_worst_first(result):
    fig = splots.status_heatmap(result)
    (heat,) = [t for t in fig.data if t.type == "heatmap"]
    families, labels = heat.y
    ordered = by_family(result.verdicts)
    assert list(labels) == [v.label for v in ordered] and len(labels) == len(result.verdicts)
    assert list(families) == [v.family for v in ordered]
    assert labels[0] == result.verdicts[0].label  # the worst on top
    assert not any("_" in label for label in labels)  # readable names, not registry ids
    assert list(heat.x) == [f"{s:g}" for s in result.config["severities"] if s > 0]
    assert fig.layout.yaxis.autorange == "reversed"
    level = {"pass": 0, "warn": 1, "fail": 2, "error": 2}
    for i, v in enumerate(ordered):
        for j, sev in enumerate(result.config["severities"][1:]):
            cell = result.result(v.perturbation, sev)
            assert heat.z[i][j] == level[result.status_of(cell)]
            text = heat.text[i][j]
            assert (text.startswith("<b>") and text.endswith("</b>")) == (sev == v.severity)  # the judged cell
            shown = text.removeprefix("<b>").removesuffix("</b>")
            value = result.value_of(cell)
            if result.is_classifier:
                assert float(shown.rstrip("%")) / 100 == pytest.approx(value, abs=0.006)
            else:
                assert float(shown) == pytest.approx(value, rel=0.06, abs=0.006)
    legend = [t.name for t in fig.data if t.type == "scatter"]
    assert len(legend) == 3 and legend[0].startswith("fail: ≥") and legend[2].startswith("pass: <")


def test_cell_status_follows_the_verdict_rule(result):
    for v in result.verdicts:
        cell = result.result(v.perturbation, v.severity)
        assert result.status_of(cell) == v.status


def test_severity_curves_one_colour_per_family_and_no_two_lines_alike(result):
    fig = splots.severity_curves(result)
    lines = [t for t in fig.data if t.legendgroup != "thresholds"]
    assert {t.name for t in lines} == {v.label for v in result.verdicts}
    looks = [(t.line.color, t.line.dash, t.marker.symbol) for t in lines]
    assert len(set(looks)) == len(looks)  # no two lines look the same
    for t in lines:
        assert t.line.color == splots.FAMILY_COLOURS[t.legendgroup] and t.legendgrouptitle.text == t.legendgroup
    by_colour = {}
    for t in lines:
        by_colour.setdefault(t.line.color, set()).add(t.legendgroup)
    assert all(len(groups) == 1 for groups in by_colour.values())  # a colour means one family
    assert len(set(splots.FAMILY_COLOURS.values())) == len(splots.FAMILY_COLOURS)
    # the legend lists the lines as the heatmap lists its rows
    assert [t.name for t in lines] == [v.label for v in by_family(result.verdicts)]


def test_threshold_labels_are_in_the_legend_not_under_the_lines(result):
    fig = splots.severity_curves(result)
    assert not fig.layout.annotations and not fig.layout.shapes
    warn, fail = result.thresholds()
    thresholds = {t.name: t for t in fig.data if t.legendgroup == "thresholds"}
    assert len(thresholds) == 2 and all(t.showlegend is not False for t in thresholds.values())
    (f,) = [t for n, t in thresholds.items() if n.startswith("fail at")]
    (w,) = [t for n, t in thresholds.items() if n.startswith("warn at")]
    assert list(f.y) == [fail, fail] and list(w.y) == [warn, warn]
    assert fig.layout.legend.x > 1  # the legend sits right of the plot area
    # tall enough for the whole legend: entries plus one title per group
    assert fig.layout.height >= 20 * len(fig.data) + 30 * len({t.legendgroup for t in fig.data})


def test_sensitivity_ranking_names_the_perturbation_by_its_label(credit):
    fig = splots.sensitivity_ranking(credit)
    labels = {row[0] for row in fig.data[0].customdata}
    assert labels and labels <= {s.label for s in registry().values()}


def test_line_styles_vary_within_a_family(credit):
    styles = splots.line_styles(credit)
    units = [styles[n] for n in ("unit_x10", "unit_x1000", "unit_div1000")]
    assert len({s["colour"] for s in units}) == 1
    assert len({(s["dash"], s["symbol"]) for s in units}) == 3


def test_cells_the_model_cannot_score_read_error_and_rank_first():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    s = load_scenario("credit")
    numeric = ["age", "income", "loan_amount", "loan_term_months", "debt_to_income"]
    train = s.reference.dropna(subset=numeric)
    est = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(train[numeric], train["default"])
    result = run_stress(
        from_estimator(est), s.current.dropna(subset=numeric), target="default", config=StressConfig(max_rows=400)
    )
    assert result.verdicts[0].status == "error"  # a model that cannot score the data: the worst of all
    fig = splots.status_heatmap(result)
    heat = fig.data[0]
    row = list(heat.y[1]).index(result.verdicts[0].label)
    assert row == 0 and all(t.replace("<b>", "").replace("</b>", "") == "error" for t in heat.text[row])
    assert all(z == 2 for z in heat.z[row])
    curves = splots.severity_curves(result)  # error cells have no point; the figure still builds
    assert result.verdicts[0].label not in {t.name for t in curves.data}
