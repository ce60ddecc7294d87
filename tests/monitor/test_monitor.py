"""monitor(): windows, bands, alerts, drift, JSON; the same result from a model file and from its
predictions in columns; bad input with specific messages."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from robustness.errors import ConfigError, DataError
from robustness.models import from_estimator
from robustness.monitor import adapter_from_columns, monitor
from tests.monitor.conftest import columns_adapter


def _scored(model, frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.drop(columns=["pred", "p_0", "p_1"])
    out["pred"] = model.predict(out[["x0", "x1"]])
    out["p1"] = model.predict_proba(out[["x0", "x1"]])[:, 1]
    return out


def test_model_file_and_prediction_columns_give_the_same_result(shifted):
    ref, cur = shifted
    est = LogisticRegression().fit(ref[["x0", "x1"]], ref["y"])
    ref, cur = _scored(est, ref), _scored(est, cur)
    cur.loc[cur.index[1200:], "y"] = np.nan  # labels stop arriving halfway
    options = dict(target="y", timestamp="ts", period="week", seed=1)
    with_model = monitor(from_estimator(est), ref, cur, **options)
    columns = adapter_from_columns(ref, prediction="pred", proba="p1", target="y")
    without = monitor(columns, ref, cur, **options)
    a, b = with_model.to_dict(), without.to_dict()
    assert a["windows"] == b["windows"] and a["reference_bands"] == b["reference_bands"]
    assert a["drift"] == b["drift"] and a["verdict"] == b["verdict"]
    assert [w["realised"] is not None for w in a["windows"]] == [True, True, True, False, False, False]
    assert without.drift is not None and "(prediction)" in without.drift.features


def test_windows_bands_alerts_and_json(shifted):
    ref, cur = shifted
    res = monitor(columns_adapter(), ref, cur, target="y", timestamp="ts", period="week", seed=0)
    assert res.window == "period" and res.period == "W" and len(res.windows) == 6
    assert {b.metric for b in res.bands} == set(res.metrics) == {"accuracy", "precision", "recall", "f1", "roc_auc"}
    assert res.methods == ("confidence", "atc", "weighting")
    w = res.windows[-1]
    assert w.status == "ok" and w.labelled_rows == w.rows
    e = w.estimate("roc_auc")
    assert e.method == "confidence" and e.low <= e.value <= e.high
    # the inputs shift by 1.5 sd by the last week: x0 drifts beyond its reference band there
    assert "x0" in w.above_band and any(a.kind == "drift" for a in w.alerts)
    d = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    win = d["windows"][0]
    assert set(win["estimated"]["accuracy"]) == {"value", "low", "high", "method"}
    assert set(win["estimated_by_method"]) == {"confidence", "atc", "weighting"}
    assert set(d) >= {"windows", "reference_bands", "drift", "verdict"}
    assert d["verdict"] == res.verdict == ("alert" if res.alerts else "ok")
    assert d["reference_bands"]["accuracy"]["n_chunks"] >= 3


def test_chunks_without_timestamp_and_a_too_small_last_window(shifted):
    ref, cur = shifted
    res = monitor(columns_adapter(), ref, cur.iloc[:1010], target="y", chunk=500, drift=False, methods=("confidence",))
    assert [w.rows for w in res.windows] == [500, 500, 10]
    last = res.windows[-1]
    assert last.status == "too_few_rows" and "Only 10 rows" in last.message and not last.estimates
    assert res.windows[0].start == "row 1" and res.ordered_by == "row order"


def test_multiclass_and_regression():
    rng = np.random.default_rng(0)
    from tests.monitor.conftest import simulate

    ref, cur = simulate(rng, 2000, 0.0, 3), simulate(rng, 1500, 0.7, 3)
    res = monitor(columns_adapter(3), ref, cur, target="y", chunk=500, drift=False, methods=("confidence", "atc"))
    assert {e.metric for e in res.windows[0].estimates if e.method == "confidence"} >= {"roc_auc", "f1"}
    x = rng.normal(size=(1500, 2))
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "t": x @ [2.0, -1.0] + rng.normal(0, 0.5, 1500)})
    reg = from_estimator(LinearRegression().fit(frame[["a", "b"]], frame["t"]))
    res = monitor(reg, frame.iloc[:1000], frame.iloc[1000:], target="t", chunk=250, drift=False)
    assert res.metrics == ("mae", "rmse") and res.methods == ("weighting",)
    e = res.windows[0].estimate("mae")
    assert e.method == "weighting" and 0.3 < e.value < 0.5 and e.low < e.high


# --------------------------------------------------------------------------- bad input
def test_probabilities_outside_0_1_or_missing(shifted):
    ref, cur = shifted
    bad = cur.copy()
    bad.loc[5, "p_1"] = 1.7
    with pytest.raises(DataError, match=r"Column 'p_1' in the current data .*outside \[0, 1\].*1.7 at row 6"):
        monitor(columns_adapter(), ref, bad, target="y", chunk=400, drift=False)
    bad = cur.copy()
    bad.loc[9, "p_0"] = np.nan
    with pytest.raises(DataError, match=r"Column 'p_0' in the current data .*missing or not numbers, first at row 10"):
        monitor(columns_adapter(), ref, bad, target="y", chunk=400, drift=False)


def test_predictions_not_among_the_classes(shifted):
    ref, cur = shifted
    bad = cur.copy()
    bad["pred"] = bad["pred"].astype(object)
    bad.loc[3, "pred"] = "maybe"
    with pytest.raises(DataError, match=r"Column 'pred' in the current data .*not among the classes \[0, 1\].*'maybe'"):
        monitor(columns_adapter(), ref, bad, target="y", chunk=400, drift=False)


def test_period_without_timestamp_and_reference_without_labels(shifted):
    ref, cur = shifted
    with pytest.raises(ConfigError, match="calendar period .*need a timestamp column"):
        monitor(columns_adapter(), ref, cur, target="y", period="week")
    with pytest.raises(ConfigError, match="not a calendar period"):
        monitor(columns_adapter(), ref, cur, target="y", timestamp="ts", period="fortnight")
    with pytest.raises(DataError, match="reference data has no target column 'y'.*labelled reference"):
        monitor(columns_adapter(), ref.drop(columns="y"), cur, target="y", chunk=400)
    unlabelled = ref.assign(y=np.nan)
    with pytest.raises(DataError, match="Only 0 reference rows have a label"):
        monitor(columns_adapter(), unlabelled, cur, target="y", chunk=400)


def test_adapter_from_columns_messages(shifted):
    ref, _ = shifted
    with pytest.raises(ConfigError, match="--proba-prefix 'q_' matches 0 column"):
        adapter_from_columns(ref, prediction="pred", proba_prefix="q_")
    with pytest.raises(ConfigError, match="No model and no prediction columns"):
        adapter_from_columns(ref)
    with pytest.raises(ConfigError, match="no column 'nope' \\(--proba\\)"):
        adapter_from_columns(ref, prediction="pred", proba="nope")
    three = ref.assign(y=np.arange(len(ref)) % 3)
    with pytest.raises(ConfigError, match="needs a binary task"):
        adapter_from_columns(three, prediction="y", proba="p_1")
    a = adapter_from_columns(ref, prediction="pred", proba_prefix="p_")
    assert a.classes == [0, 1] and a.has_proba
