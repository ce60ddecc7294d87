"""Fragile rows (from the suite) and the minimal-change search."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from robustness.demo import load_scenario
from robustness.errors import ConfigError
from robustness.formatting import number
from robustness.models import Task, from_estimator
from robustness.stress.config import StressConfig
from robustness.stress.fragile import minimal_change
from robustness.stress.perturbations import ReferenceStats, perturb
from robustness.stress.suite import run_stress, sample_rows


@pytest.fixture(scope="module")
def credit():
    return load_scenario("credit")


@pytest.fixture(scope="module")
def model(credit):
    return from_estimator(credit.model)


@pytest.fixture(scope="module")
def stats(credit):
    return ReferenceStats.from_frame(credit.reference, columns=list(credit.features))


@pytest.fixture(scope="module")
def run(credit, model):
    return run_stress(
        model, credit.current, target="default", reference=credit.reference, config=StressConfig(max_rows=1000, seed=3)
    )


@pytest.fixture(scope="module")
def probabilities(credit, model):
    return model.predict_proba(credit.current[list(credit.features)])[:, 1]


def test_fragile_rows_are_sorted_and_really_flip_at_their_severity(run, credit, model, stats):
    fragile = run.fragile
    assert 0 < len(fragile) <= 20
    assert [f.min_severity for f in fragile] == sorted(f.min_severity for f in fragile)
    assert fragile[0].min_severity == min(r.severity for r in run.results if r.severity > 0)
    X = sample_rows(credit.current, max_rows=1000, seed=3)[list(credit.features)]
    base = pd.Series(model.predict(X), index=X.index)
    scored: dict = {}

    def predictions(name, severity):
        if (name, severity) not in scored:
            r = run.result(name, severity)
            pert = perturb(name, X, stats, severity, columns=list(r.columns), seed=r.seed)
            scored[(name, severity)] = pd.Series(model.predict(pert), index=X.index)
        return scored[(name, severity)]

    names = list(dict.fromkeys(r.perturbation for r in run.results))
    lower = sorted({r.severity for r in run.results if 0 < r.severity})
    for f in fragile:
        assert f.prediction == base[f.row] and f.flipped_to != f.prediction
        assert predictions(f.perturbation, f.min_severity)[f.row] == f.flipped_to
        for name in names:  # no perturbation flips the row at a lower severity
            for sev in (s for s in lower if s < f.min_severity):
                assert predictions(name, sev)[f.row] == f.prediction
        assert f.values == json.loads(json.dumps(f.values, allow_nan=False))
        assert set(f.values) == set(credit.features)


def test_minimal_change_near_the_boundary_flips_the_row(credit, model, stats, probabilities):
    i = int(np.argmin(np.abs(probabilities - 0.5)))
    row = credit.current.iloc[[i]]  # the whole row, with id, date and target, as the page passes it
    found = minimal_change(model, row, stats)
    assert found.found and found.row == row.index[0]
    assert found.original == model.predict(row)[0] and found.new_prediction != found.original
    assert 1 <= len(found.changes) <= 2 and found.distance < 1
    assert 0 < found.evaluations <= 2000
    changed = row.copy()
    for column, before, after in found.changes:
        assert before == row[column].iloc[0]
        changed[column] = after
    assert model.predict(changed)[0] == found.new_prediction
    assert "changes the prediction from 0 to 1" in found.message
    assert f"(distance {number(found.distance)}: reference standard deviations" in found.message  # one format
    json.dumps(found.to_dict(), allow_nan=False)
    named = minimal_change(model, row, stats, class_names={"0": "repaid", "1": "default"})
    assert named.changes == found.changes and "changes the prediction from repaid to default" in named.message


def test_minimal_change_distance_is_measured_in_reference_stds(credit, model, stats, probabilities):
    i = int(np.argsort(np.abs(probabilities - 0.5))[5])
    row = credit.current[list(credit.features)].iloc[i]  # a Series works too
    found = minimal_change(model, row, stats)
    assert found.found
    expected = sum(
        abs(after - before) / stats.numeric[c].std if c in stats.numeric else 1.0 for c, before, after in found.changes
    )
    assert found.distance == pytest.approx(expected)


def test_bounds_are_respected(credit, model, stats, probabilities):
    i = int(np.argsort(np.abs(probabilities - 0.5))[10])
    row = credit.current[list(credit.features)].iloc[[i]]
    income, loan = float(row["income"].iloc[0]), float(row["loan_amount"].iloc[0])
    bounds = {"income": (income * 0.95, income * 1.05), "loan_amount": (loan * 0.9, loan * 1.2)}
    found = minimal_change(model, row, stats, columns=["income", "loan_amount"], bounds=bounds)
    for column, _, after in found.changes:
        lo, hi = bounds[column]
        assert lo <= after <= hi
    if found.found:  # the changes really flip the row
        changed = row.copy()
        for column, _, after in found.changes:
            changed[column] = after
        assert model.predict(changed)[0] != found.original
    # nothing at all can move within an empty range
    tight = minimal_change(model, row, stats, columns=["income"], bounds={"income": (income, income)})
    assert not tight.found and tight.changes == ()


def test_nothing_found_says_so(credit, model, stats, probabilities):
    i = int(np.argmin(probabilities))  # the safest applicant: region alone never flips it
    row = credit.current[list(credit.features)].iloc[[i]]
    found = minimal_change(model, row, stats, columns=["region"])
    assert not found.found and found.new_prediction is None and np.isnan(found.distance)
    assert found.message.startswith("No change within the ranges flips this row")
    assert found.evaluations == 1 + 3  # the row itself and the three other regions


def test_the_evaluation_budget_is_respected(credit, model, stats, probabilities):
    i = int(np.argmin(probabilities))
    row = credit.current[list(credit.features)].iloc[[i]]
    found = minimal_change(model, row, stats, max_evaluations=50)
    assert found.evaluations <= 50
    if not found.found:
        assert "evaluation budget of 50" in found.message
    with pytest.raises(ConfigError, match="max_evaluations"):
        minimal_change(model, row, stats, max_evaluations=0)


def test_pairs_are_tried_when_no_single_change_flips():
    """A classifier that says 1 only when both a > 1 and b > 1: no single move can flip (0, 0)."""

    class Both:
        task, classes, feature_names, has_model = Task.BINARY, [0, 1], ["a", "b", "c"], True
        is_classifier, has_proba = True, True

        def predict_proba(self, X):
            p = ((X["a"].to_numpy() > 1) & (X["b"].to_numpy() > 1)).astype(float)
            p = 0.3 + 0.6 * p + 0.01 * np.clip(X["a"].to_numpy() + X["b"].to_numpy(), 0, 5)
            return np.column_stack([1 - p, p])

        def predict(self, X):
            return self.predict_proba(X).argmax(axis=1)

    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"a": rng.normal(0, 1, 500), "b": rng.normal(0, 1, 500), "c": rng.choice(["x", "y"], 500)})
    stats = ReferenceStats.from_frame(ref)
    row = pd.DataFrame({"a": [0.0], "b": [0.0], "c": ["x"]})
    found = minimal_change(Both(), row, stats, max_evaluations=5000)
    assert found.found and {c for c, _, _ in found.changes} == {"a", "b"}
    assert all(after > 1 for _, _, after in found.changes)
    assert found.distance < 2.6  # shortened: just above 1 std on each column
    assert found.evaluations <= 5000


def test_regression_is_not_applicable():
    s = load_scenario("energy")
    stats = ReferenceStats.from_frame(s.reference, columns=list(s.features))
    found = minimal_change(from_estimator(s.model), s.current[list(s.features)].iloc[[0]], stats)
    assert not found.found and found.evaluations == 0
    assert "classifiers" in found.message


def test_bad_inputs_are_config_errors(credit, model, stats):
    rows = credit.current[list(credit.features)]
    with pytest.raises(ConfigError, match="one row"):
        minimal_change(model, rows.iloc[:2], stats)
    with pytest.raises(ConfigError, match="'nope'"):
        minimal_change(model, rows.iloc[[0]], stats, columns=["nope"])
    with pytest.raises(ConfigError, match="'region'.*numerical"):
        minimal_change(model, rows.iloc[[0]], stats, bounds={"region": (0, 1)})
    with pytest.raises(ConfigError, match="low <= high"):
        minimal_change(model, rows.iloc[[0]], stats, bounds={"income": (5, 1)})
