"""Label-free estimates land within their intervals where their assumptions hold; conformal
coverage; weak segments find an injected weak slice; group metrics handle tiny groups."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from robustness.demo import load_scenario
from robustness.errors import ConfigError, DataError
from robustness.formatting import count, number
from robustness.models import from_estimator
from robustness.performance import conformal, estimate_performance, group_metrics, weak_segments


def _shifted_classification(seed: int = 0, n: int = 4000):
    """Covariate shift only: P(y | x) is the same logistic function on both sides."""
    rng = np.random.default_rng(seed)

    def frame(mean, size):
        X = pd.DataFrame({"a": rng.normal(mean, 1, size), "b": rng.normal(0, 1, size)})
        p = 1 / (1 + np.exp(-(1.5 * X.a - X.b)))
        return X.assign(y=(rng.random(size) < p).astype(int))

    train, ref, cur = frame(0, n), frame(0, n), frame(0.8, n)
    model = LogisticRegression().fit(train[["a", "b"]], train.y)
    return from_estimator(model), ref, cur


def test_every_label_free_estimate_covers_the_actual_accuracy_under_covariate_shift():
    m, ref, cur = _shifted_classification()
    res = estimate_performance(m, ref, cur, target="y", seed=0)
    methods = {e.method for e in res.estimates if e.metric.name == "accuracy"}
    assert methods == {"confidence", "atc", "weighting"}
    for e in res.estimates:
        assert e.actual is not None
        assert e.covered, (e.method, e.metric, e.actual)
    # the shift changes accuracy, and the estimates follow it rather than repeating the reference value
    acc = res.get("confidence", "accuracy")
    assert abs(acc.actual - res.reference_values["accuracy"]) > 0.02
    assert abs(acc.metric.value - acc.actual) < abs(res.reference_values["accuracy"] - acc.actual)
    json.dumps(res.to_dict(), allow_nan=False)


@pytest.mark.parametrize("name", ["credit", "machines"])
def test_confidence_based_estimate_covers_the_demos_drifted_accuracy(name):
    s = load_scenario(name)
    res = estimate_performance(from_estimator(s.model), s.reference, s.current, target=s.roles.target)
    e = res.get("confidence", "accuracy")
    assert e.covered, (e.metric, e.actual)


def test_current_labels_are_not_used_by_the_estimates():
    m, ref, cur = _shifted_classification(seed=1)
    with_labels = estimate_performance(m, ref, cur, target="y", seed=0)
    without = estimate_performance(m, ref, cur.drop(columns=["y"]), target="y", seed=0)
    for a, b in zip(with_labels.estimates, without.estimates):
        assert a.metric == b.metric and b.actual is None


def test_importance_weighting_estimates_regression_error_under_covariate_shift():
    rng = np.random.default_rng(2)

    def frame(mean, n=3000):
        x = rng.normal(mean, 1, n)
        return pd.DataFrame({"x": x, "t": x**2 + rng.normal(0, 0.3, n)})

    train, ref, cur = frame(0), frame(0), frame(0.7)
    m = from_estimator(LinearRegression().fit(train[["x"]], train.t))  # misspecified: error grows with |x|
    res = estimate_performance(m, ref, cur, target="t")
    mae = res.get("weighting", "mae")
    assert mae.actual > res.reference_values["mae"] * 1.1
    assert mae.covered, (mae.metric, mae.actual)


def test_estimates_need_labelled_reference_rows():
    m, ref, cur = _shifted_classification()
    with pytest.raises(DataError, match="no target column"):
        estimate_performance(m, ref.drop(columns=["y"]), cur, target="y")
    with pytest.raises(DataError, match="at least 20 labelled"):
        estimate_performance(m, ref.head(10), cur, target="y")


def test_conformal_sets_keep_their_coverage_on_exchangeable_data_and_lose_it_under_shift():
    rng = np.random.default_rng(4)

    def frame(n, shift=0.0):
        X = pd.DataFrame({"a": rng.normal(0, 1, n), "b": rng.normal(0, 1, n)})
        flip = rng.random(n) < 0.15 + shift
        y = ((X.a > 0) ^ flip).astype(int)
        return X.assign(y=y)

    train = frame(3000)
    m = from_estimator(LogisticRegression().fit(train[["a", "b"]], train.y))
    same = conformal(m, frame(3000), frame(3000), target="y", alpha=0.1)
    assert same.current.low <= 0.9 + 0.02 and same.current.coverage >= 0.88 and not same.lost_coverage
    noisier = conformal(m, frame(3000), frame(3000, shift=0.15), target="y", alpha=0.1)
    assert noisier.lost_coverage and noisier.current.high < 0.9
    with pytest.raises(ConfigError):
        conformal(m, frame(100), frame(100), target="y", alpha=1.5)


def test_conformal_intervals_on_the_energy_demo_lose_coverage():
    s = load_scenario("energy")
    res = conformal(from_estimator(s.model), s.reference, s.current, target=s.roles.target, alpha=0.1)
    assert res.kind == "intervals" and res.lost_coverage and res.current.coverage < 0.85


def test_weak_segments_find_an_injected_weak_slice():
    rng = np.random.default_rng(5)
    n = 4000
    df = pd.DataFrame(
        {
            "x": rng.normal(0, 1, n),
            "z": rng.normal(0, 1, n),
            "region": rng.choice(["North", "South", "East", "West"], n),
        }
    )
    y = (df.x > 0).astype(int)
    weak = (df.region == "North") & (df.z > 0.5)
    y = np.where(weak & (rng.random(n) < 0.45), 1 - y, y)  # labels noisy only in the slice
    train = df.assign(y=(df.x > 0).astype(int))
    from robustness.demo import _pipeline

    model = _pipeline(["x", "z"], ["region"], LogisticRegression()).fit(train[["x", "z", "region"]], train.y)
    segs = weak_segments(from_estimator(model), df.assign(y=y), target="y")
    assert segs, "the weak slice was not found"
    top = segs[0]
    assert "region = North" in top.rule and "z >=" in top.rule
    assert top.value < top.overall - 0.2 and top.high < top.overall
    assert 0.4 * weak.sum() <= top.size <= 1.1 * weak.sum()
    assert all(op != "present" for _, op, _ in top.conditions)  # no missing values, no such condition
    assert top.text == (  # the one number format: 3 significant figures, counts with every digit
        f"{top.rule}: Accuracy {number(top.value)} against {number(top.overall)} overall "
        f"({count(top.size)} rows, 95% interval {number(top.low)}–{number(top.high)})"
    )
    assert re.search(r": Accuracy 0\.\d{1,3} against 0\.\d{1,3} overall \(\d+ rows, 95% interval", top.text)
    assert top.sentence("Share right").startswith(f"{top.rule}: Share right {number(top.value)} against")


def test_group_metrics_report_the_gap_and_leave_tiny_groups_out():
    s = load_scenario("credit")
    cur = s.current.copy()
    cur.loc[cur.index[0], "region"] = "<b>Atlantis</b>"  # a group of one, with markup in its name
    g = group_metrics(from_estimator(s.model), cur, target="default", column="region")
    names = [x[0] for x in g.groups]
    assert "<b>Atlantis</b>" in names
    assert g.worst != "<b>Atlantis</b>" and g.best != "<b>Atlantis</b>"
    assert any("fewer than 30 rows" in n for n in g.notes)
    assert g.gap is not None and g.gap >= 0
    with pytest.raises(DataError):
        group_metrics(from_estimator(s.model), cur, target="default", column="nope")
