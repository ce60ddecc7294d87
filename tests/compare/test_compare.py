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


class _Threshold:
    """A classifier whose predict uses a 0.3 threshold on the positive class: its most probable class is not its
    prediction."""

    def __init__(self, est):
        self.est, self.classes_ = est, est.classes_
        self.feature_names_in_ = est.feature_names_in_

    def predict(self, X):
        return self.est.classes_[(self.est.predict_proba(X)[:, 1] > 0.3).astype(int)]

    def predict_proba(self, X):
        return self.est.predict_proba(X)


def test_a_model_whose_prediction_is_not_its_most_probable_class(frames):
    """Accuracy and disagreement use what predict says; the probability metrics use predict_proba."""
    train, ref, cur = frames
    est = LogisticRegression().fit(train[["a", "b"]], train["y"])
    plain, shifted = from_estimator(est), from_estimator(_Threshold(est))
    r = compare(plain, shifted, ref, cur, target="y", stress=False, importance=False, n_boot=100)
    X, y = cur[["a", "b"]], cur["y"].to_numpy()
    assert r.metric("accuracy").challenger == pytest.approx(np.mean(_Threshold(est).predict(X) == y))
    assert r.metric("accuracy").champion == pytest.approx(np.mean(est.predict(X) == y))
    assert r.metric("roc_auc").difference == 0 and r.metric("log_loss").difference == 0
    moved = np.mean((est.predict_proba(X)[:, 1] > 0.3) != (est.predict_proba(X)[:, 1] > 0.5))
    assert moved > 0 and r.disagreement[1].share == pytest.approx(moved)


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


# -- multiclass -------------------------------------------------------------------------------------------


def _three(seed, n=900):
    """A seeded 3-class problem (labels as text): the class follows a and b, c is noise."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.normal(size=n)})
    z = X.a + 0.6 * X.b + rng.normal(0, 0.6, n)
    X["y"] = np.select([z < -0.5, z < 0.7], ["low", "mid"], "high")
    return X


@pytest.fixture(scope="module")
def three():
    train, ref, cur = _three(10), _three(11), _three(12)
    weak = _fit(train, ["a", "c"])
    strong = _fit(train, ["a", "b", "c"])
    return train, ref, cur, weak, strong


def test_multiclass_metrics_against_sklearn_and_statsmodels(three):
    from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

    sm = pytest.importorskip("statsmodels.stats.contingency_tables")
    train, ref, cur, weak, strong = three
    r = compare(weak, strong, ref, cur, target="y", stress=False, importance=False, n_boot=300)
    assert r.task == "multiclass" and r.verdict == "better"
    X, y = cur[["a", "b", "c"]], cur["y"].to_numpy()
    p0, p1 = weak.predict(X), strong.predict(X)
    P0, P1 = weak.predict_proba(X), strong.predict_proba(X)
    acc = r.metric("accuracy")
    assert acc.champion == pytest.approx(accuracy_score(y, p0)) and acc.challenger == pytest.approx(
        accuracy_score(y, p1)
    )
    right0, right1 = p0 == y, p1 == y
    table = [[np.sum(right0 & right1), np.sum(right0 & ~right1)], [np.sum(~right0 & right1), np.sum(~right0 & ~right1)]]
    assert acc.test == "mcnemar_midp"
    assert acc.details["p_exact"] == pytest.approx(sm.mcnemar(table, exact=True).pvalue, rel=1e-9)
    auc = r.metric("roc_auc")
    assert auc.test == "delong_ovr" and auc.details["average"] == "macro one-vs-rest"
    assert auc.champion == pytest.approx(roc_auc_score(y, P0, multi_class="ovr", labels=weak.classes), abs=1e-12)
    assert auc.challenger == pytest.approx(roc_auc_score(y, P1, multi_class="ovr", labels=weak.classes), abs=1e-12)
    assert auc.significant and auc.low > 0 and auc.p_value < 0.001
    per_class = auc.details["per_class"]
    assert [c["class"] for c in per_class] == ["high", "low", "mid"]
    for row, k in zip(per_class, range(3)):
        assert row["challenger"] == pytest.approx(roc_auc_score(y == weak.classes[k], P1[:, k]), abs=1e-12)
        assert row["p_holm"] >= row["p_value"]
    ll = r.metric("log_loss")
    assert ll.champion == pytest.approx(log_loss(y, P0, labels=weak.classes), rel=1e-9)
    assert ll.challenger == pytest.approx(log_loss(y, P1, labels=weak.classes), rel=1e-9)
    assert r.metric("brier").test == "paired_t"
    d = next(x for x in r.disagreement if x.data == "current")
    assert d.share == pytest.approx(np.mean(p0 != p1))
    json.dumps(r.to_dict(), allow_nan=False)


def test_multiclass_self_comparison_is_all_zero(three):
    train, ref, cur, weak, _ = three
    r = compare(weak, weak, ref, cur, target="y", stress=False, importance=False, n_boot=200)
    assert r.verdict == "no_difference" and r.metric("roc_auc").test == "delong_ovr"
    assert all(x.difference == 0 and x.low == 0 and x.high == 0 and x.p_value == 1.0 for x in r.metrics)


def test_multiclass_stress_importance_and_a_missing_class(three):
    train, ref, cur, weak, strong = three
    few = cur[cur["y"] != "high"].copy()
    few = pd.concat([few, cur[cur["y"] == "high"].head(1)])  # one 'high' row: no one-vs-rest AUC for it
    r = compare(weak, strong, ref, few, target="y", n_boot=100, stress_rows=200)
    assert r.metric("roc_auc", "current") is None and r.metric("roc_auc", "reference") is not None
    assert any("ROC AUC is not compared on the current data" in n and "'high' has fewer" in n for n in r.notes)
    assert r.metric("accuracy", "current") is not None
    assert r.stress and all(s.champion is None or 0 <= s.champion <= 1 for s in r.stress)
    assert {i.feature for i in r.importance} == {"a", "b", "c"}


def test_multiclass_challenger_with_other_classes_is_refused(three):
    from robustness.compare import check_challenger

    train, ref, cur, weak, strong = three
    check_challenger(weak, strong, {"reference": ref, "current": cur})  # multiclass pairs are accepted
    two = _fit(train[train["y"] != "mid"], ["a", "b"])
    with pytest.raises(CompareError, match="a multiclass classifier .3 classes. and the challenger a binary"):
        check_challenger(weak, two, {"reference": ref, "current": cur})
    renamed = _fit(train.assign(y=train["y"].replace({"mid": "medium"})), ["a", "b"])
    with pytest.raises(CompareError, match="only the champion knows mid; only the challenger knows medium"):
        check_challenger(weak, renamed, {"reference": ref, "current": cur})


def test_machines_demo_with_a_second_model():
    """The multiclass demo against a shallow tree trained on its generator: the comparison runs end to end with
    the demo's text classes, and its numbers are scikit-learn's."""
    from sklearn.metrics import roc_auc_score
    from sklearn.tree import DecisionTreeClassifier

    from robustness.demo import _MACH_CAT, _MACH_NUM, SEED, _machines_frame, _pipeline, load_scenario

    s = load_scenario("machines")
    train = _machines_frame(np.random.default_rng(SEED + 50), 4000, current=False)
    other = _pipeline(_MACH_NUM, _MACH_CAT, DecisionTreeClassifier(max_depth=6, random_state=0))
    other.fit(train[list(s.features)], train[s.roles.target])
    champion, challenger = from_estimator(s.model), from_estimator(other)
    r = compare(champion, challenger, s.reference, s.current, target=s.roles.target, n_boot=200, stress_rows=300)
    assert r.task == "multiclass"
    for data, frame in (("reference", s.reference), ("current", s.current)):
        auc = r.metric("roc_auc", data)
        P = challenger.predict_proba(frame)
        assert auc.test == "delong_ovr"
        assert auc.challenger == pytest.approx(
            roc_auc_score(frame[s.roles.target], P, multi_class="ovr", labels=challenger.classes), abs=1e-12
        )
        assert {c["class"] for c in auc.details["per_class"]} == {"normal", "wear", "failure"}
        assert auc.low is not None and auc.low <= auc.difference <= auc.high
    assert r.stress and r.importance and r.disagreement[1].share > 0
    assert r.verdict in {"better", "worse", "no_difference"} and r.summary.startswith("Verdict on the current data")
