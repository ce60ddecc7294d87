"""compare(): a model against itself, a clearly better one, faults and bad input."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from robustness.compare import CompareError, compare
from robustness.models import from_estimator


def _data(seed, n=600):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.normal(size=n)})
    X["y"] = (X.a + 0.5 * X.b + rng.normal(0, 0.7, n) > 0).astype(int)
    return X


@pytest.fixture(scope="module")
def frames():
    return _data(0), _data(1), _data(2)


def _fit(frame, cols, model=None):
    est = (model or LogisticRegression()).fit(frame[cols], frame["y"])
    return from_estimator(est)


def test_self_comparison_is_all_zero(frames):
    train, ref, cur = frames
    m = _fit(train, ["a", "b", "c"])
    r = compare(m, m, ref, cur, target="y", stress=False, importance=True, n_boot=200)
    assert r.verdict == "no_difference" and r.verdict_reference == "no_difference"
    assert r.metrics and all(x.difference == 0 and not x.significant for x in r.metrics)
    assert all(x.low == 0 and x.high == 0 for x in r.metrics)
    assert all(x.p_value == 1.0 for x in r.metrics)
    assert all(d.share == 0 for d in r.disagreement)
    assert any("same outputs" in n for n in r.notes)
    assert not r.significantly_worse
    json.dumps(r.to_dict(), allow_nan=False)


def test_clearly_better_challenger(frames):
    train, ref, cur = frames
    weak, strong = _fit(train, ["c"]), _fit(train, ["a", "b"])
    r = compare(weak, strong, ref, cur, target="y", stress=False, importance=False, n_boot=300)
    assert r.verdict == "better" and r.verdict_reference == "better"
    auc = r.metric("roc_auc")
    assert auc.test == "delong" and auc.significant and auc.difference > 0.2
    back = compare(strong, weak, ref, cur, target="y", stress=False, importance=False, n_boot=300)
    assert back.verdict == "worse" and back.significantly_worse
    assert back.disagreement[1].share > 0.2
    assert "WORSE" in back.summary


def test_regression_self_and_better(frames):
    train, ref, cur = frames
    reg = lambda cols: from_estimator(LinearRegression().fit(train[cols], train["a"] * 2 + train["b"]))  # noqa: E731
    good, bad = reg(["a", "b"]), reg(["c"])
    for f in (ref, cur):
        f["t"] = f["a"] * 2 + f["b"] + np.random.default_rng(0).normal(0, 0.3, len(f))
    r = compare(good, good, ref, cur, target="t", stress=False, importance=False, n_boot=100)
    assert r.headline == "mae" and r.verdict == "no_difference"
    assert {m.name for m in r.metrics} == {"mae", "rmse"}
    r = compare(bad, good, ref, cur, target="t", stress=False, importance=False, n_boot=200)
    assert r.verdict == "better" and r.metric("mae").test == "wilcoxon"


def test_different_tasks_classes_and_columns(frames):
    train, ref, cur = frames
    clf = _fit(train, ["a", "b"])
    reg = from_estimator(LinearRegression().fit(train[["a"]], train["b"]))
    with pytest.raises(CompareError, match="regressor"):
        compare(clf, reg, ref, cur, target="y")
    three = train.assign(y=np.where(train.a > 1, 2, train.y))
    with pytest.raises(CompareError, match="multiclass classifier"):
        compare(clf, _fit(three, ["a", "b"]), ref, cur, target="y")
    other = train.assign(y=train.y * 2)  # classes 0 and 2
    with pytest.raises(CompareError, match="only the champion knows 1; only the challenger knows 2"):
        compare(clf, _fit(other, ["a", "b"]), ref, cur, target="y")
    with pytest.raises(CompareError, match=r"challenger needs 1 column that the current data lacks: 'c'"):
        compare(clf, _fit(train, ["a", "c"]), ref, cur.drop(columns="c"), target="y")


class _Fragile:
    """A classifier that raises on rows where a > 2.5."""

    def __init__(self, est):
        self.est, self.classes_ = est, est.classes_
        self.feature_names_in_ = est.feature_names_in_

    def _check(self, X):
        if (X["a"] > 2.5).any():
            raise ValueError("cannot score a > 2.5")

    def predict(self, X):
        self._check(X)
        return self.est.predict(X)

    def predict_proba(self, X):
        self._check(X)
        return self.est.predict_proba(X)


def test_challenger_failing_on_some_rows_is_a_finding(frames):
    train, ref, cur = frames
    m = _fit(train, ["a", "b"])
    fragile = from_estimator(_Fragile(LogisticRegression().fit(train[["a", "b"]], train["y"])))
    r = compare(m, fragile, ref, cur, target="y", stress=False, importance=False, n_boot=100)
    bad = int((cur.a > 2.5).sum())
    assert bad > 0
    assert any(f"challenger fails on {bad} of 600 current rows" in f for f in r.findings)
    assert r.metric("accuracy").n_rows == 600 - bad
    assert r.verdict == "no_difference"


def test_stress_and_importance_for_both(frames):
    train, ref, cur = frames
    a, b = _fit(train, ["a", "b"]), _fit(train, ["a", "b", "c"])
    r = compare(a, b, ref, cur, target="y", n_boot=100, stress_rows=200)
    assert r.stress and {s.perturbation for s in r.stress} >= {"gaussian_noise"}
    assert all(0 <= s.champion <= 1 and 0 <= s.challenger <= 1 for s in r.stress if s.champion is not None)
    assert {i.feature for i in r.importance} == {"a", "b", "c"}
    d = r.to_dict()
    assert set(d) >= {"metrics", "disagreement", "stress", "importance", "verdict", "summary"}
    assert set(d["metrics"][0]) >= {"name", "champion", "challenger", "difference", "low", "high", "p_value", "test"}
    assert set(d["stress"][0]) >= {"perturbation", "severity", "champion", "challenger"}
