import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from robustness.drift import DriftConfig
from robustness.drift.prediction import PREDICTED_CLASS, PREDICTION, model_outputs, prediction_drift, target_drift
from robustness.models import from_estimator, from_predictions
from robustness.schema import ColumnKind


def _json(result):
    return json.loads(json.dumps(result.to_dict(), allow_nan=False))


@pytest.fixture(scope="module")
def credit():
    from robustness.demo import load_scenario

    return load_scenario("credit")


def test_credit_positive_class_probability_drifts(credit):
    model = from_estimator(credit.model)
    r = prediction_drift(model, credit.reference, credit.current)
    assert [f.feature for f in r.features] == [PREDICTED_CLASS, "P(1)"]
    assert r.features[0].kind is ColumnKind.CATEGORICAL and r.features[1].kind is ColumnKind.NUMERICAL
    p = r.feature("P(1)")
    assert p.drifted and p.status == "ok" and r.drifted
    assert r.current_means[1] > r.reference_means[1]  # lower incomes: higher predicted default risk
    assert r.reference_means[0] is None
    assert "P(1)" in r.message and "moved from" in r.message
    d = _json(r)
    assert d["task"] == "binary" and d["features"][1]["drifted"] is True


def test_predictions_only_adapter(credit):
    model = from_estimator(credit.model)
    ref, cur = credit.reference.copy(), credit.current.copy()
    for df in (ref, cur):
        df["p_default"] = model.predict_proba(df)[:, 1]
        df["pred"] = model.predict(df)
    adapter = from_predictions(prediction="pred", probabilities={"1": "p_default"}, reference=ref)
    r = prediction_drift(adapter, ref, cur)
    assert r.feature("P(1)").drifted
    assert r.feature("P(1)").statistic == pytest.approx(
        prediction_drift(model, credit.reference, credit.current).feature("P(1)").statistic
    )
    # predictions only, no probabilities: the predicted class alone
    r = prediction_drift(from_predictions(prediction="pred", task="binary", reference=ref), ref, cur)
    assert [f.feature for f in r.features] == [PREDICTED_CLASS]
    _json(r)


def test_regression_and_multiclass_outputs():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(0, 1, 600), "b": rng.normal(0, 1, 600)})
    reg = from_estimator(LinearRegression().fit(X, 2 * X["a"] + rng.normal(0, 0.1, 600)))
    cur = X.assign(a=X["a"] + 1.0)
    r = prediction_drift(reg, X, cur)
    assert [f.feature for f in r.features] == [PREDICTION] and r.drifted and r.task == "regression"
    assert r.current_means[0] - r.reference_means[0] == pytest.approx(2.0, abs=0.05)
    y = np.digitize(X["a"], [-0.5, 0.5])
    clf = from_estimator(LogisticRegression().fit(X, y))
    frame, kinds = model_outputs(clf, X)
    assert list(frame.columns) == [PREDICTED_CLASS, "P(0)", "P(1)", "P(2)"]
    assert kinds[PREDICTED_CLASS] is ColumnKind.CATEGORICAL
    r = prediction_drift(clf, X, X.copy())
    assert not r.drifted and len(r.features) == 4
    _json(r)


def test_target_drift_credit(credit):
    t = target_drift(credit.reference, credit.current, target="default", kind="boolean")
    assert t.drift is not None and t.drift.status == "ok" and t.drift.effect_size > 0.03
    shares = dict(zip(t.classes, t.current_shares))
    ref_shares = dict(zip(t.classes, t.reference_shares))
    assert ref_shares["1"] == pytest.approx(0.15, abs=0.02) and shares["1"] == pytest.approx(0.21, abs=0.02)
    assert "15%" in t.message and "21%" in t.message
    # 4000 rows per side: the engine's rule uses the JS distance (0.05 < 0.1); a z-test flags the change
    z = target_drift(
        credit.reference, credit.current, target="default", kind="boolean", config=DriftConfig(large_sample=10_000)
    )
    assert z.drift.test == "z" and z.drifted
    _json(t)


def test_target_drift_numerical_and_absent():
    rng = np.random.default_rng(1)
    ref = pd.DataFrame({"y": rng.normal(0, 1, 300)})
    t = target_drift(ref, pd.DataFrame({"y": rng.normal(1, 1, 300)}), target="y")
    assert t.drifted and t.reference_mean < t.current_mean
    absent = target_drift(ref, pd.DataFrame({"x": [1.0, 2.0]}), target="y")
    assert absent.drift is None and not absent.drifted
    assert "current data has no column 'y'" in absent.message
    empty = target_drift(ref, pd.DataFrame({"y": [np.nan] * 5}), target="y")
    assert empty.drift is None and "no values" in empty.message
    assert _json(absent)["drift"] is None
