"""Performance, Stress tests and Explainability with a challenger loaded: one chart with two colours each; and
the texts these pages write in the one number format (weak segments, worst errors, the stress verdicts)."""

from __future__ import annotations

import json
import re

import pytest

from robustness.plots.compare import CHALLENGER, CHAMPION
from tests.app.test_compare_challenger import _click
from tests.app.test_pages import MODEL_DATA, problems, texts
from tests.app.test_presentation import format_problems

PERFORMANCE, STRESS, EXPLAIN = "pages/performance.py", "pages/stress.py", "pages/explain.py"
CLASSIFIED = re.compile(r"row \d+: predicted (repaid|default) \(\d+(\.\d+)?% sure\), actually (repaid|default)")


def _charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _pair(at) -> dict | None:
    """The chart whose traces are the champion and the challenger, in their two colours."""
    for fig in _charts(at):
        named = {t.get("name"): t.get("marker", {}).get("color") for t in fig["data"]}
        if named.get("champion") == CHAMPION and named.get("challenger") == CHALLENGER:
            return fig
    return None


def _values(fig: dict, who: str, axis: str = "y") -> dict:
    return {
        y: x for t in fig["data"] if t["name"] == who and t.get("yaxis", "y") == axis for y, x in zip(t["y"], t["x"])
    }


def _open(app, page, scenario=None):
    if scenario:
        app.selectbox(key="scenario_choice").set_value(scenario).run()
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_performance_shows_both_models_in_one_chart(app):
    _open(app, PERFORMANCE)
    fig = _pair(app)
    assert fig is not None and "side by side" in fig["layout"]["title"]["text"]
    champion, challenger = _values(fig, "champion"), _values(fig, "challenger")
    # the demo's story: more accurate on the reference; both charts' rows are the same metrics
    assert challenger["Accuracy (reference)"] > champion["Accuracy (reference)"]
    assert set(champion) == set(challenger) and "Accuracy (current)" in champion
    assert "tested on the rows both score (paired) on the 'Compare models' page" in texts(app)
    # the reference/current chart is still the page's one "95%" chart (tests/app/test_presentation.py)
    assert sum("95%" in f["layout"]["title"]["text"] for f in _charts(app)) == 1


def test_without_a_challenger_each_page_shows_one_model(app):
    _open(app, MODEL_DATA)
    _click(app, "Remove the challenger")
    for page in (PERFORMANCE, STRESS, EXPLAIN):
        _open(app, page)
        if page == STRESS and not app.get("plotly_chart"):
            app.run()
        assert _pair(app) is None, page
        assert "Champion vs challenger" not in [s.value for s in app.subheader], page


def test_stress_runs_the_same_suite_for_the_challenger(app):
    _open(app, STRESS)
    (champion_result,) = app.session_state["stress_results"].values()  # only the model's: its fragile rows
    (challenger_result,) = app.session_state["stress_results_challenger"].values()
    assert challenger_result.seed == champion_result.seed and challenger_result.n_rows == champion_result.n_rows
    fig = _pair(app)
    assert fig is not None
    champion, challenger = _values(fig, "champion"), _values(fig, "challenger")
    for v in champion_result.verdicts:
        assert champion[v.label] == pytest.approx(v.value)
    assert challenger["Unit error ×1000"] > champion["Unit error ×1000"] + 0.05  # the demo's fragile challenger
    assert fig["data"][0]["y"][0] == "Unit error ×1000"  # where the challenger is most fragile: first
    said = " ".join(c.value for c in app.caption)
    assert re.search(r"more fragile than the model under \d+ of 14 perturbations", said)


def test_stress_verdicts_name_perturbations_and_numbers_readably(app):
    _open(app, STRESS)
    listed = " ".join(m.value for m in app.markdown if "What it does" in m.value)
    assert listed, "the verdict list is missing"
    assert "Unit error ×1000 on 7 columns at severity 0.25 changes" in listed
    assert "by 1,000, a unit error such as kilograms recorded as grams" in listed
    assert not re.search(r"\bby 1000\b", listed) and "'unit_x1000'" not in listed
    assert not format_problems(listed), format_problems(listed)
    table = next(d.value for d in app.dataframe if "what it does" in d.value.columns)
    assert not table["what it does"].str.contains(r"\bby 1000\b").any()


def test_explain_importance_for_both(app):
    _open(app, EXPLAIN)
    fig = _pair(app)
    assert fig is not None and "permutation" not in fig["layout"]["title"]["text"].lower()  # Plain words
    champion, challenger = _values(fig, "champion"), _values(fig, "challenger")
    assert challenger["income"] > champion["income"]  # the challenger leans on income
    assert "the challenger on 'income'" in texts(app)
    assert not problems(app)


@pytest.mark.parametrize("scenario", [None, "energy"])
def test_weak_segments_and_worst_errors_in_the_one_format(app, scenario):
    _open(app, PERFORMANCE, scenario)
    app.segmented_control(key="performance_section").set_value("Weak segments").run()
    lines = [m.value for m in app.markdown if m.value.startswith("- ")]
    assert lines, texts(app)
    metric = "Accuracy" if scenario is None else "Average error \\(MAE\\)"
    for line in lines:
        assert re.search(rf": {metric} [\d.,]+ against [\d.,]+ overall \([\d,]+ rows(, 95% interval .+)?\)$", line)
        assert "n = " not in line and not format_problems(line), line
    _open(app, EXPLAIN)
    app.segmented_control(key="explain_section").set_value("Single row").run()
    app.radio(key="explain_row_mode").set_value("worst errors").run()
    assert not app.exception
    options = app.selectbox(key="explain_row_worst").options
    assert len(options) == 20
    for text in options:
        if scenario is None:  # classes by name, confidence as a share
            assert re.fullmatch(
                r"row \d+: predicted (repaid|default) \(\d+(\.\d+)?% sure\), actually (repaid|default)", text
            )
        else:
            assert re.fullmatch(r"row \d+: predicted [\d.,-]+, actually [\d.,-]+ \(error [+-][\d.,]+\)", text), text
        assert not format_problems(text.split(": ", 1)[1]), text  # "row 3194" is an ID, shown as it is
