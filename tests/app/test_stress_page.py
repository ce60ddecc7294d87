"""The 'Stress tests' page on the demos, and without a model."""

import pytest

from tests.app.test_pages import metrics, texts

STRESS = "pages/stress.py"


def open_stress(app, scenario=None):
    if scenario:
        app.selectbox(key="scenario_choice").set_value(scenario).run()
    app.switch_page(STRESS).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.mark.parametrize("scenario", [None, "energy", "machines"])
def test_suite_runs_on_open(app, scenario):
    open_stress(app, scenario)
    m = metrics(app)
    assert m["Verdict"].split()[-1] in ("pass", "warn", "fail")
    assert m["Seed"] == "0"
    assert 0 <= float(m["Robustness score"].split()[0]) <= 100
    assert len(app.get("plotly_chart")) >= 2


def test_credit_story_on_the_page(app):
    open_stress(app)
    body = texts(app)
    assert "unit_x1000" in body  # the unit error is a finding
    store = app.session_state["stress_results"]
    (result,) = store.values()
    top = [f.feature for f in result.feature_sensitivity[:3]]
    assert "income" in top


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
