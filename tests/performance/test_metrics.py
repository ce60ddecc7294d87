"""Performance metrics: point values equal scikit-learn's, intervals agree with scipy's bootstrap,
label edge cases (unknown classes, one class, missing labels) give results, not crashes."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn import metrics as skm
from sklearn.linear_model import LinearRegression, LogisticRegression

from robustness.demo import load_scenario
from robustness.errors import DataError
from robustness.formatting import number, share
from robustness.models import Task, from_estimator
from robustness.performance import Labelled, evaluate, labelled, performance
from robustness.performance.metrics import _auc_rows, bootstrap_indices, bootstrap_metrics, calibration, point_metrics


@pytest.fixture(scope="module")
def credit():
    s = load_scenario("credit")
    return s, from_estimator(s.model)


@pytest.fixture(scope="module")
def machines():
    s = load_scenario("machines")
    return s, from_estimator(s.model)


def test_binary_point_metrics_equal_sklearn(credit):
    s, m = credit
    X, y = s.current, s.current["default"].to_numpy()
    proba, pred = s.model.predict_proba(X[list(s.features)])[:, 1], s.model.predict(X[list(s.features)])
    got = {v.name: v.value for v in evaluate(m, s.current, "default", n_boot=0).metrics}
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert got["precision"] == pytest.approx(skm.precision_score(y, pred))
    assert got["recall"] == pytest.approx(skm.recall_score(y, pred))
    assert got["f1"] == pytest.approx(skm.f1_score(y, pred))
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(y, proba))
    assert got["pr_auc"] == pytest.approx(skm.average_precision_score(y, proba))
    assert got["log_loss"] == pytest.approx(skm.log_loss(y, proba))
    assert got["brier"] == pytest.approx(skm.brier_score_loss(y, proba))


def test_multiclass_point_metrics_equal_sklearn(machines):
    s, m = machines
    t = s.roles.target
    X = s.current[list(s.features)]
    y, P, pred = s.current[t].to_numpy(), s.model.predict_proba(X), s.model.predict(X)
    got = {v.name: v.value for v in evaluate(m, s.current, t, n_boot=0).metrics}
    assert got["f1"] == pytest.approx(skm.f1_score(y, pred, average="macro"))
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(y, P, multi_class="ovr", average="macro"))
    assert got["log_loss"] == pytest.approx(skm.log_loss(y, P))
    onehot = (y[:, None] == s.model.classes_[None, :]).astype(float)
    assert got["brier"] == pytest.approx(np.mean(((P - onehot) ** 2).sum(axis=1)))
    assert got["pr_auc"] is None


def test_regression_point_metrics_equal_sklearn():
    s = load_scenario("energy")
    t = s.roles.target
    y, pred = s.current[t].to_numpy(), s.model.predict(s.current[list(s.features)])
    got = {v.name: v.value for v in evaluate(from_estimator(s.model), s.current, t, n_boot=0).metrics}
    assert got["mae"] == pytest.approx(skm.mean_absolute_error(y, pred))
    assert got["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(y, pred)))
    assert got["r2"] == pytest.approx(skm.r2_score(y, pred))


def test_vectorised_auc_equals_sklearn_with_ties():
    rng = np.random.default_rng(0)
    y = rng.random((5, 300)) < 0.3
    score = np.round(rng.random((5, 300)) + y * 0.3, 1)  # rounding makes ties
    got = _auc_rows(y, score)
    for b in range(5):
        assert got[b] == pytest.approx(skm.roc_auc_score(y[b], score[b]))


def test_bootstrap_intervals_agree_with_scipy(credit):
    """Our percentile interval for accuracy and MAE-like means matches scipy.stats.bootstrap's percentile
    interval within Monte Carlo error."""
    s, m = credit
    d, _ = labelled(m, s.current, "default")
    ours = evaluate(m, s.current, "default", n_boot=2000, seed=1).metric("accuracy")
    correct = (d.pred == d.y).astype(float)
    ref = stats.bootstrap(
        (correct,), np.mean, n_resamples=2000, method="percentile", random_state=1, confidence_level=0.95
    )
    assert ours.low == pytest.approx(ref.confidence_interval.low, abs=0.004)
    assert ours.high == pytest.approx(ref.confidence_interval.high, abs=0.004)
    assert ours.low < ours.value < ours.high


def test_interval_covers_the_truth_on_repeated_samples():
    """A 95% interval computed on a sample of 400 rows covers the population accuracy in ~95% of samples."""
    rng = np.random.default_rng(3)
    hits = 0
    trials = 120
    for i in range(trials):
        y = (rng.random(400) < 0.5).astype(int)
        pred = np.where(rng.random(400) < 0.8, y, 1 - y)  # population accuracy 0.8
        d = Labelled(y, pred, None, ("0", "1"))
        b = bootstrap_metrics(d, n_boot=400, seed=i, names=["accuracy"])["accuracy"]
        lo, hi = np.quantile(b, [0.025, 0.975])
        hits += lo <= 0.8 <= hi
    assert 0.88 <= hits / trials <= 0.99


def test_unknown_labels_count_as_errors_and_are_reported(credit):
    s, m = credit
    cur = s.current.copy()
    cur.loc[cur.index[:100], "default"] = 7  # a class the model never saw
    res = evaluate(m, cur, "default", n_boot=0)
    clean = evaluate(m, s.current, "default", n_boot=0)
    assert res.metric("accuracy").value < clean.metric("accuracy").value
    assert any("never predicts" in n and "'7'" in n for n in res.notes)
    assert res.confusion.shape == (3, 2) and res.confusion[2].sum() == 100
    assert res.metric("roc_auc").value is not None  # probability metrics use the known labels


def test_missing_labels_are_left_out_with_a_note(credit):
    s, m = credit
    cur = s.current.copy()
    cur["default"] = cur["default"].astype(float)
    cur.loc[cur.index[::4], "default"] = np.nan
    res = evaluate(m, cur, "default", n_boot=0)
    assert res.n_labelled == 3000 and any("no label" in n for n in res.notes)


def test_one_class_sample_leaves_auc_undefined_with_a_reason(credit):
    s, m = credit
    cur = s.current[s.current["default"] == 0]
    res = evaluate(m, cur, "default", n_boot=50)
    auc = res.metric("roc_auc")
    assert auc.value is None and "every class" in auc.note
    assert res.metric("accuracy").value is not None


def test_labels_read_as_floats_match_integer_classes(credit):
    s, m = credit
    cur = s.current.copy()
    cur["default"] = cur["default"].astype(float)
    assert evaluate(m, cur, "default", n_boot=0).metric("accuracy").value == pytest.approx(
        evaluate(m, s.current, "default", n_boot=0).metric("accuracy").value
    )


def test_regression_target_that_is_not_numbers_is_a_data_error():
    s = load_scenario("energy")
    cur = s.current.copy()
    t = s.roles.target
    cur[t] = cur[t].astype(object)
    cur.loc[cur.index[0], t] = "n/a"
    with pytest.raises(DataError, match="not finite numbers"):
        evaluate(from_estimator(s.model), cur, t)


def test_calibration_ece_matches_a_direct_computation():
    rng = np.random.default_rng(0)
    p = rng.random(2000)
    y = (rng.random(2000) < p**2).astype(int)  # over-confident model
    d = Labelled(y, (p >= 0.5).astype(int), np.column_stack([1 - p, p]), ("0", "1"))
    c = calibration(d)
    bins = np.minimum((p * 10).astype(int), 9)
    ece = sum(
        (bins == b).mean() * abs(y[bins == b].mean() - p[bins == b].mean()) for b in range(10) if (bins == b).any()
    )
    assert c.ece == pytest.approx(ece)
    assert c.ece > 0.1
    perfect = (rng.random(2000) < p).astype(int)
    assert calibration(Labelled(perfect, (p >= 0.5).astype(int), np.column_stack([1 - p, p]), ("0", "1"))).ece < 0.05


def test_performance_side_by_side_and_over_time(credit):
    s, m = credit
    res = performance(m, s.reference, s.current, target="default", timestamp="application_date", n_boot=50)
    assert res.reference.n_labelled == len(s.reference) and res.current.n_labelled == len(s.current)
    assert len(res.over_time) >= 3 and res.time_metric == "accuracy"
    assert sum(w.n_labelled for w in res.over_time) == len(s.current)
    d = res.to_dict()
    import json

    json.dumps(d, allow_nan=False)
    # the task is the model's Task (its headline follows it); the JSON holds its plain value
    assert res.task is Task.BINARY and res.headline == "accuracy" and type(d["task"]) is str and d["task"] == "binary"


def test_current_without_target_column_is_skipped_with_a_note(credit):
    s, m = credit
    res = performance(m, s.reference, s.current.drop(columns=["default"]), target="default", n_boot=0)
    assert res.current is None and any("no 'default' column" in n for n in res.notes)


def test_bootstrap_indices_are_seeded():
    assert np.array_equal(bootstrap_indices(10, 3, 5), bootstrap_indices(10, 3, 5))


def test_small_linear_models_work_end_to_end():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    y = (X.a + rng.normal(0, 0.5, 300) > 0).astype(int)
    m = from_estimator(LogisticRegression().fit(X, y))
    res = evaluate(m, X.assign(y=y), "y", n_boot=50)
    assert res.metric("roc_auc").value > 0.8
    r = from_estimator(LinearRegression().fit(X, X.a * 2))
    assert evaluate(r, X.assign(t=X.a * 2), "t", n_boot=20).metric("mae").value == pytest.approx(0, abs=1e-9)
    assert set(point_metrics(Labelled(np.zeros(0, int), np.zeros(0, int), None, ("0", "1"))).values()) == {None}


def test_vectorised_average_precision_equals_sklearn_with_ties():
    from robustness.performance.metrics import _ap_rows

    rng = np.random.default_rng(1)
    y = rng.random((6, 400)) < 0.25
    score = np.round(rng.random((6, 400)) * 0.7 + y * 0.3, 1)
    got = _ap_rows(y, score)
    for b in range(6):
        assert got[b] == pytest.approx(skm.average_precision_score(y[b], score[b]))
    assert np.isnan(_ap_rows(np.zeros((1, 5), bool), np.ones((1, 5))))[0]


def test_worst_errors_are_confident_misclassifications_first(credit):
    from robustness.performance.evaluate import worst_errors

    s, m = credit
    names = {"0": "repaid", "1": "default"}
    rows = worst_errors(m, s.current, "default", n=5, class_names=names)
    assert len(rows) == 5
    X = s.current[list(s.features)]
    proba = s.model.predict_proba(X).max(axis=1)
    pred = s.model.predict(X)
    confs = []
    for pos, text in rows:
        actual = s.current["default"].iloc[pos]
        assert pred[pos] != actual
        # classes by name, the confidence as a share in the one number format, the row by its index label
        assert text == (
            f"row {s.current.index[pos]}: predicted {names[str(pred[pos])]} ({share(proba[pos])} sure), "
            f"actually {names[str(actual)]}"
        )
        confs.append(proba[pos])
    assert confs == sorted(confs, reverse=True)
    plain = worst_errors(m, s.current, "default", n=5)  # without names a class reads as its value
    assert [p for p, _ in plain] == [p for p, _ in rows] and all(
        "predicted 0" in t or "predicted 1" in t for _, t in plain
    )
    e = load_scenario("energy")
    top = worst_errors(from_estimator(e.model), e.current, e.roles.target, n=3)
    predicted = e.model.predict(e.current[list(e.features)])
    err = abs(predicted - e.current[e.roles.target].to_numpy())
    assert [p for p, _ in top] == list(np.argsort(-err, kind="stable")[:3])
    for pos, text in top:
        y = e.current[e.roles.target].iloc[pos]
        assert text == (
            f"row {e.current.index[pos]}: predicted {number(predicted[pos])}, actually {number(y)} "
            f"(error {number(predicted[pos] - y, signed=True)})"
        )
        assert re.fullmatch(r"row \d+: predicted [\d.,-]+, actually [\d.,-]+ \(error [+-][\d.,]+\)", text), text
