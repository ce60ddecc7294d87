import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from robustness.drift import drift
from robustness.drift.impact import drift_impact
from robustness.models import from_estimator, from_predictions


def _json(result):
    return json.loads(json.dumps(result.to_dict(), allow_nan=False))


@pytest.fixture(scope="module")
def credit_case():
    from robustness.demo import load_scenario

    s = load_scenario("credit")
    ref, cur = s.reference.copy(), s.current.copy()
    rng = np.random.default_rng(0)
    ref["noise"], cur["noise"] = rng.normal(0, 1, len(ref)), rng.normal(1, 1, len(cur))  # drifts, unused
    result = drift(ref, cur, columns=[*s.features, "noise"])
    return s, from_estimator(s.model), ref, result


@pytest.mark.parametrize("target", ["default", None])
def test_credit_income_matters_noise_does_not(credit_case, target):
    s, model, ref, result = credit_case
    r = drift_impact(model, ref, result, target=target, n_repeats=3, max_rows=3000)
    assert r.status == "ok" and r.n_rows_used == 3000 and r.n_repeats == 3
    assert r.scoring == ("roc_auc" if target else "mean absolute output change")
    drifted = [it.feature for it in r.items if it.drifted]
    assert "income" in drifted[:2] and r.items[0].feature == "income"
    assert "income" in r.relied_drifted and "noise" in r.ignored_drifted
    noise = r.item("noise")
    assert noise.reliance == 0 and noise.impact == 0 and not noise.used_by_model and noise.drifted
    assert [it.feature for it in r.items].index("noise") >= len(r.items) - 4
    assert sum(it.reliance for it in r.items) == pytest.approx(1.0)
    assert "The model relies on" in r.message and "income (" in r.message
    assert "noise drifted but the model barely uses it" in r.message
    d = _json(r)
    assert d["items"][0]["feature"] == "income"


def test_predictions_only_adapter_is_skipped(credit_case):
    s, model, ref, result = credit_case
    ref = ref.assign(pred=model.predict(ref))
    r = drift_impact(from_predictions(prediction="pred", task="binary", reference=ref), ref, result)
    assert r.status == "skipped" and "model" in r.message and r.items == ()
    _json(r)


def test_regression_without_drift_and_unused_columns():
    rng = np.random.default_rng(2)
    X = pd.DataFrame({"a": rng.normal(0, 1, 400), "b": rng.normal(0, 1, 400), "c": rng.normal(0, 1, 400)})
    model = from_estimator(LinearRegression().fit(X, 3 * X["a"] + 0.01 * X["b"]))
    ref, cur = X.iloc[:200], X.iloc[200:]
    r = drift_impact(model, ref, drift(ref, cur), n_repeats=2)
    assert r.status == "ok" and r.relied_drifted == () and "No column has drifted" in r.message
    assert r.item("a").reliance > 0.9
    # a drifted column the model barely uses
    cur = cur.assign(b=cur["b"] + 2)
    r = drift_impact(model, ref, drift(ref, cur), target=None, n_repeats=2)
    assert r.ignored_drifted == ("b",) and "None of the drifted columns" in r.message
    y = 3 * ref["a"]
    r = drift_impact(model, ref.assign(y=y), drift(ref, cur), target="y", n_repeats=2)
    assert r.scoring == "r2" and r.baseline_score == pytest.approx(1.0, abs=1e-3)
    _json(r)


def test_missing_model_columns_and_tiny_reference(credit_case):
    s, model, ref, result = credit_case
    r = drift_impact(model, ref.drop(columns=["income"]), result)
    assert r.status == "skipped" and "income" in r.message
    r = drift_impact(model, ref.head(5), result)
    assert r.status == "skipped" and "at least 10" in r.message
