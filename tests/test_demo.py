"""Demo scenarios: deterministic, with the stories they claim."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline

from robustness.demo import DEFAULT_SCENARIO, SCENARIOS, export_scenario, load_scenario
from robustness.errors import ConfigError


@pytest.fixture(scope="module")
def scenarios():
    return {name: load_scenario(name) for name in SCENARIOS}


def test_default_is_credit_and_three_tasks(scenarios):
    assert DEFAULT_SCENARIO == "credit"
    assert {s.task for s in scenarios.values()} == {"binary", "regression", "multiclass"}


def test_deterministic(scenarios):
    again = load_scenario("credit")
    pd.testing.assert_frame_equal(again.reference, scenarios["credit"].reference)
    pd.testing.assert_frame_equal(again.current, scenarios["credit"].current)
    X = again.current[list(again.features)]
    np.testing.assert_array_equal(again.model.predict_proba(X), scenarios["credit"].model.predict_proba(X))


def test_credit_story(scenarios):
    s = scenarios["credit"]
    assert isinstance(s.model, Pipeline)
    assert isinstance(s.model.steps[0][1], ColumnTransformer)
    ref, cur = s.reference, s.current
    # income shifted down by about a quarter
    assert cur["income"].median() < 0.85 * ref["income"].median()
    # a new category only in current
    assert "gig-economy" not in set(ref["employment_type"])
    assert (cur["employment_type"] == "gig-economy").mean() > 0.05
    # missing values, mixed kinds
    assert ref["income"].isna().any() and ref["home_ownership"].isna().any()
    assert ref["region"].dtype == object and ref["age"].dtype.kind in "iu"
    assert set(ref["default"].unique()) == {0, 1}
    # the model scores current data despite the unseen category and the NaNs
    p = s.model.predict_proba(cur[list(s.features)])
    assert p.shape == (len(cur), 2) and np.isfinite(p).all()


def test_energy_and_machines_stories(scenarios):
    e = scenarios["energy"]
    assert e.current["outdoor_temp_c"].mean() > e.reference["outdoor_temp_c"].mean() + 5
    assert e.current["floor_area_m2"].max() > 2 * e.reference["floor_area_m2"].max()
    m = scenarios["machines"]
    assert set(m.model.classes_) == {"normal", "wear", "failure"}
    m2 = lambda d: d.loc[d["machine_model"] == "M2", "vibration_mm_s"].mean()  # noqa: E731
    assert m2(m.current) > 1.2 * m2(m.reference)


def test_unknown_scenario():
    with pytest.raises(ConfigError, match="Unknown demo scenario 'nope'.*credit"):
        load_scenario("nope")


def test_export_round_trip(tmp_path, scenarios):
    from robustness.models import load_model

    paths = export_scenario("credit", tmp_path)
    assert sorted(p.name for p in paths) == ["current.csv", "model.skops", "reference.csv", "scenario.json"]
    meta = json.loads((tmp_path / "scenario.json").read_text())
    assert meta["target"] == "default" and meta["timestamp"] == "application_date" and meta["id"] == "application_id"
    adapter = load_model(tmp_path / "model.skops")  # default trust is enough for the demo
    cur = pd.read_csv(tmp_path / "current.csv")
    np.testing.assert_allclose(
        adapter.predict_proba(cur), scenarios["credit"].model.predict_proba(cur[list(scenarios["credit"].features)])
    )


def test_a_demos_title_and_story_are_read_without_building_it(monkeypatch):
    import robustness.demo as demo

    built = {name: (s.title, s.story) for name in demo.SCENARIOS for s in [demo.load_scenario(name)]}
    monkeypatch.setattr(demo, "_build", lambda *a, **k: pytest.fail("scenario_text built the demo"))
    assert {name: demo.scenario_text(name) for name in demo.SCENARIOS} == built
    with pytest.raises(ConfigError, match="Unknown demo scenario 'nope'"):
        demo.scenario_text("nope")
