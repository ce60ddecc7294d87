"""The 'Stress tests' page on the demos, and without a model.

What it opens with: the area's status line from the scorecard, one summary line naming the worst
perturbation (the largest effect among the worst-status verdicts), then the heatmap of every
perturbation; at most one alert box before the first chart."""

import json
import re
from pathlib import Path

import pytest

from robustness.stress import by_family, registry, worst_verdict
from tests.app.test_pages import plain, texts

STRESS = "pages/stress.py"
ALERTS = {"error", "warning", "info", "success"}


def open_stress(app, scenario=None):
    if scenario:
        app.selectbox(key="scenario_choice").set_value(scenario).run()
    app.switch_page(STRESS).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def elements(app) -> list:
    """The page's elements in the order they are shown (leaves, plus expanders), from the main area."""
    out = []

    def walk(node):
        kids = getattr(node, "children", None)
        if isinstance(kids, dict) and kids:
            if getattr(node, "type", None) == "expander":
                out.append(node)
            for child in kids.values():
                walk(child)
        else:
            out.append(node)

    walk(app.main)
    return out


def before_first_chart(app) -> list:
    els = elements(app)
    first = next(i for i, e in enumerate(els) if e.type == "plotly_chart")
    return els[:first]


def the_result(app):
    (result,) = app.session_state["stress_results"].values()
    return result


@pytest.mark.parametrize("scenario", [None, "energy", "machines"])
def test_opens_with_the_status_line_the_summary_and_the_heatmap(app, scenario):
    open_stress(app, scenario)
    result = the_result(app)
    els = [e for e in elements(app) if e.type != "empty"]
    assert els[0].type == "title"
    status, summary = els[1], els[2]
    assert status.type in ALERTS and plain(status.value).startswith("**Stress tests:")
    assert summary.type == "markdown" and "Worst:" in summary.value
    assert f"robustness score {result.score:.0f}/100" in summary.value.lower()
    # no more than one alert box (the status line) before the first chart
    head = before_first_chart(app)
    assert sum(e.type in ALERTS for e in head) <= 1, [e.value for e in head if e.type in ALERTS]
    # the first chart is the heatmap: one row per perturbation, worst on top
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    heat = spec["data"][0]
    assert heat["type"] == "heatmap" and len(heat["y"][1]) == len(result.verdicts)
    assert heat["y"][1][0] == result.verdicts[0].label
    # heatmap, severity curves, sensitivity ranking; and champion vs challenger where the demo ships one
    assert len(app.get("plotly_chart")) == (4 if app.session_state["workspace"].has_challenger else 3)


@pytest.mark.parametrize(
    "scenario, worst", [(None, ("unit_x10",)), ("energy", ("unit_x10", "unit_x1000")), ("machines", ("unit_x1000",))]
)
def test_the_worst_named_is_the_largest_effect_and_agrees_with_the_scorecard(app, scenario, worst):
    open_stress(app, scenario)
    result = the_result(app)
    named = worst_verdict(result.verdicts)
    same = [v for v in result.verdicts if v.status == named.status]
    assert named.value == max(v.value for v in same) and named.perturbation in worst
    els = [e for e in elements(app) if e.type != "empty"]
    status, summary = plain(els[1].value), plain(els[2].value)
    assert re.search(r"Worst: \*\*(.+?)\*\*", summary).group(1) == named.label
    if scenario == "energy":
        assert "Gaussian noise" not in summary.split("Worst:")[1].split("(")[0]
    # the status line (the scorecard's sentence) speaks of the same perturbation
    assert registry()[named.perturbation].plain(named.severity) in status


def test_readable_names_everywhere_a_stakeholder_reads(app):
    open_stress(app)
    body = texts(app)
    assert "Unit error ×1000" in body  # the unit error is a finding, by its readable name
    summary = [e for e in elements(app) if e.type == "markdown"][0].value
    assert not re.search(r"[a-z]+_[a-z0-9]+", plain(summary))  # no registry ids in the summary
    result = the_result(app)
    top = [f.feature for f in result.feature_sensitivity[:3]]
    assert "income" in top
    verdict_list = [e for e in elements(app) if e.type == "markdown" and e.value.startswith("- ")][0]
    lines = [line for line in verdict_list.value.splitlines() if line.startswith("- ")]
    named = [re.search(r"\*\*(.+?)\*\*", plain(line)).group(1) for line in lines]
    assert named == [v.label for v in by_family(result.verdicts)]  # the heatmap's order: worst family first
    assert named[0] == result.verdicts[0].label


def test_tables_show_every_row():
    """Every table goes through the dashboard's one table helper (dashboard.tables.show_table): every row in
    view up to MAX_TABLE_ROWS, beyond that a caption says how many scroll out of view."""
    from dashboard.tables import MAX_TABLE_ROWS, hidden_rows_note, table_height

    source = (Path(__file__).resolve().parents[2] / STRESS).read_text()
    assert "st.dataframe(" not in source and "show_table(" in source
    assert not re.search(r"height=\d", source)
    assert table_height(12) == 38 + 35 * 12 and hidden_rows_note(MAX_TABLE_ROWS) is None
    assert "30 of them are below the visible part" in hidden_rows_note(MAX_TABLE_ROWS + 30, what="results")


def test_minimal_change_search(app):
    open_stress(app)
    (b,) = [b for b in app.button if b.label == "Search"]
    b.click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.success or app.info


def test_needs_a_model(app, exported):
    from tests.app.test_pages import load_predictions_only

    load_predictions_only(app, exported["credit"])
    app.switch_page(STRESS).run()
    assert not app.exception
    assert "need a model file" in texts(app)
