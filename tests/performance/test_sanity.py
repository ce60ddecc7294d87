"""Whether the reference looks like the model's training data: flagged with the numbers when it is,
quiet on held-out references and on the demos, graceful when the model cannot be re-fitted; the
scorecard's Performance and Uncertainty checks carry the caveat."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.tree import DecisionTreeClassifier

from robustness.errors import ConfigError
from robustness.formatting import number
from robustness.models import from_estimator, from_predictions
from robustness.performance import ReferenceSanity, reference_sanity
from robustness.performance.sanity import ACCURACY_GAP, ERROR_RATIO


def _classification(seed: int, n: int) -> pd.DataFrame:
    """A noisy task: about 80% accuracy is all a model can reach on rows it has not seen."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.normal(size=n)})
    p = 1 / (1 + np.exp(-(2 * X.a - X.b + 0.5 * X.c)))
    return X.assign(y=(rng.random(n) < p).astype(int))


def _regression(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    return X.assign(y=3 * X.a + np.sin(2 * X.b) + rng.normal(0, 0.5, n))


FEATURES = ["a", "b", "c"]


@pytest.fixture(scope="module")
def tree_on_its_training_rows():
    train = _classification(0, 1500)
    model = from_estimator(DecisionTreeClassifier(random_state=0).fit(train[FEATURES], train.y))
    return model, train


def test_a_model_on_its_own_training_rows_is_flagged_with_the_numbers(tree_on_its_training_rows):
    model, train = tree_on_its_training_rows
    res = reference_sanity(model, train, target="y")
    assert res.looks_like_training and res.checked
    assert res.metric == "accuracy" and res.reference_score == 1.0 and res.log_loss == pytest.approx(0.0, abs=1e-9)
    assert res.cv_score is not None and res.cv_score < 1.0 - ACCURACY_GAP
    assert res.folds == 5 and res.n_rows == 1500
    assert "accuracy 1 on 1,500 reference rows" in res.reason  # the one number format (robustness.formatting)
    assert f" {number(res.cv_score)} when re-fitted in 5-fold cross-validation" in res.reason
    assert "held-out validation set" in res.reason
    assert res.caveat == (
        f"The reference looks like the model's training data (accuracy 1 on it, "
        f"{number(res.cv_score)} in cross-validation): the label-free estimate and the prediction sets "
        "will be over-confident; upload a held-out validation set (rows the model never saw in "
        "training) as the reference."
    )
    json.dumps(res.to_dict(), allow_nan=False)


def test_the_answer_is_kept_per_model_object_and_reference_content(tree_on_its_training_rows, monkeypatch):
    """A run of reports on one reference (the demo history, the app's pages) cross-validates once; another
    model object, or other rows, are checked afresh."""
    from robustness.performance import sanity

    model, train = tree_on_its_training_rows
    fits = []
    real = sanity._cross_validate
    monkeypatch.setattr(sanity, "_cross_validate", lambda *a, **k: fits.append(1) or real(*a, **k))
    monkeypatch.setattr(sanity, "_MEMO", type(sanity._MEMO)())
    first = reference_sanity(model, train, target="y")
    assert reference_sanity(model, train.copy(), target="y") is first and len(fits) == 1
    assert reference_sanity(model, train, target="y", seed=1) is not first and len(fits) == 2
    changed = train.copy()
    changed.loc[0, "a"] += 1.0
    assert reference_sanity(model, changed, target="y") is not first and len(fits) == 3
    other = from_estimator(model.estimator)
    again = reference_sanity(other, train, target="y")
    assert again is not first and len(fits) == 4 and again.cv_score == first.cv_score


def test_the_same_model_on_held_out_rows_is_not_flagged(tree_on_its_training_rows):
    model, _ = tree_on_its_training_rows
    held_out = _classification(1, 1500)
    res = reference_sanity(model, held_out, target="y")
    assert not res.looks_like_training and res.caveat == ""
    assert res.reference_score < 0.9 and res.cv_score is not None
    assert "no sign that the reference is its training data" in res.reason


def test_a_random_forest_on_its_training_rows_is_flagged():
    train = _classification(2, 1500)
    rf = RandomForestClassifier(n_estimators=50, random_state=0, n_jobs=1).fit(train[FEATURES], train.y)
    res = reference_sanity(from_estimator(rf), train, target="y")
    assert res.looks_like_training, res.reason
    assert res.reference_score > 0.99 and res.reference_score - res.cv_score >= ACCURACY_GAP


def test_a_regressor_on_its_training_rows_is_flagged_by_its_error_ratio():
    train, held_out = _regression(0, 1500), _regression(1, 1500)
    rf = RandomForestRegressor(n_estimators=50, random_state=0, n_jobs=1).fit(train[["a", "b"]], train.y)
    model = from_estimator(rf)
    res = reference_sanity(model, train, target="y")
    assert res.looks_like_training and res.metric == "r2", res.reason
    ratio = np.sqrt((1 - res.cv_score) / (1 - res.reference_score))
    assert ratio >= ERROR_RATIO
    assert f"errors {number(ratio)} times as large on unseen rows" in res.reason, res.reason
    assert "R² " in res.caveat and "prediction intervals" in res.caveat
    assert not reference_sanity(model, held_out, target="y").looks_like_training


def test_an_easy_task_is_not_mistaken_for_training_data():
    from sklearn.linear_model import LogisticRegression

    def frame(seed):
        rng = np.random.default_rng(seed)
        X = pd.DataFrame({"a": rng.normal(size=1500), "b": rng.normal(size=1500), "c": rng.normal(size=1500)})
        return X.assign(y=(X.a + 0.02 * rng.normal(size=1500) > 0).astype(int))

    model = from_estimator(LogisticRegression(C=100).fit(frame(0)[FEATURES], frame(0).y))
    res = reference_sanity(model, frame(1), target="y")
    assert res.reference_score >= 0.99 and res.cv_score >= 0.97
    assert not res.looks_like_training, res.reason


def test_sampling_is_bounded_and_seeded(tree_on_its_training_rows):
    model, train = tree_on_its_training_rows
    a = reference_sanity(model, train, target="y", max_rows=600, seed=3)
    b = reference_sanity(model, train, target="y", max_rows=600, seed=3)
    assert a.n_rows == 600 and (a.reference_score, a.cv_score) == (b.reference_score, b.cv_score)


# ---------------------------------------------------------------- models that cannot be re-fitted
def test_prediction_columns_degrade_to_the_near_perfect_rule():
    ref = _classification(3, 800)
    perfect = ref.assign(pred=ref.y)  # predictions that equal the labels: as on training data
    model = from_predictions(prediction="pred", task="binary", reference=perfect)
    res = reference_sanity(model, perfect, target="y")
    assert res.looks_like_training and res.cv_score is None and res.folds == 0
    assert "no model to re-fit" in res.cv_skipped
    assert res.caveat.startswith("The reference looks like the model's training data (accuracy 1 on it)")
    honest = ref.assign(pred=(ref.a > 0).astype(int))
    model = from_predictions(prediction="pred", task="binary", reference=honest)
    res = reference_sanity(model, honest, target="y")
    assert not res.looks_like_training and res.checked and "not near-perfect" in res.reason


class _NoParams:
    """A fitted classifier without get_params (not a scikit-learn estimator): it cannot be cloned."""

    _estimator_type = "classifier"

    def __init__(self, tree):
        self.tree, self.classes_ = tree, tree.classes_

    def predict(self, X):
        return self.tree.predict(X)

    def predict_proba(self, X):
        return self.tree.predict_proba(X)


class _FailsToFit(ClassifierMixin, BaseEstimator):
    def __init__(self, tree=None):
        self.tree = tree

    def fit(self, X, y):
        raise RuntimeError("this model can only be used, not trained")

    def predict(self, X):
        return self.tree.predict(X)

    def predict_proba(self, X):
        return self.tree.predict_proba(X)


def test_models_that_cannot_be_cloned_or_fitted_are_not_checked_by_cross_validation(tree_on_its_training_rows):
    model, train = tree_on_its_training_rows
    tree = model.estimator
    fitted = _FailsToFit(tree)
    fitted.classes_, fitted.n_features_in_, fitted.feature_names_in_ = tree.classes_, 3, tree.feature_names_in_
    for est, says in (
        (_NoParams(tree), "could not be copied for re-fitting"),
        (fitted, "re-fitting the _FailsToFit failed (RuntimeError: this model can only be used"),
    ):
        res = reference_sanity(from_estimator(est, feature_names=FEATURES), train, target="y")
        assert res.cv_score is None and says in res.cv_skipped, res.cv_skipped
        # the near-perfect rule still applies: a full-depth tree on its training rows
        assert res.looks_like_training and "could not be cross-checked" in res.reason


def test_missing_or_too_few_labels_are_not_checked(tree_on_its_training_rows):
    model, train = tree_on_its_training_rows
    res = reference_sanity(model, train.drop(columns=["y"]), target="y")
    assert not res.checked and not res.looks_like_training and "no target column 'y'" in res.reason
    few = train.assign(y=train.y.where(train.index < 20))
    res = reference_sanity(model, few, target="y")
    assert not res.checked and "only 20 reference rows have a label" in res.reason


@pytest.mark.parametrize("kwargs", [{"max_rows": 10}, {"folds": 1}, {"folds": True}])
def test_bad_options_are_refused(tree_on_its_training_rows, kwargs):
    model, train = tree_on_its_training_rows
    with pytest.raises(ConfigError):
        reference_sanity(model, train, target="y", **kwargs)


# ---------------------------------------------------------------- the demos' references are held out
@pytest.mark.parametrize("name", ["credit", "energy", "machines"])
def test_the_demos_are_not_flagged(name):
    from robustness.demo import scenario_workspace

    ws = scenario_workspace(name)
    res = reference_sanity(ws.model, ws.reference.frame, target=ws.roles.target)
    assert isinstance(res, ReferenceSanity) and res.checked and res.folds == 5
    assert not res.looks_like_training, res.reason
    assert res.seconds < 10  # about 1-2 s each on an idle core


# ---------------------------------------------------------------- the scorecard carries the caveat
def _workspace(reference: pd.DataFrame, current: pd.DataFrame, estimator):
    from robustness.schema import ColumnRoles
    from robustness.workspace import build_workspace, table_from_frame

    return build_workspace(
        table_from_frame(reference, "train.csv"),
        table_from_frame(current, "current.csv"),
        ColumnRoles(target="y"),
        model=from_estimator(estimator),
        model_name="tree",
    )


@pytest.mark.parametrize("labelled_current", [True, False])
def test_the_scorecard_warns_once_per_check_and_runs_the_check_once(
    tree_on_its_training_rows, monkeypatch, labelled_current
):
    from robustness.performance import sanity
    from robustness.report import ReportConfig, build_report
    from robustness.report.story import story_of

    model, train = tree_on_its_training_rows
    current = _classification(4, 1000)
    if not labelled_current:
        current = current.drop(columns=["y"])
    calls = []
    monkeypatch.setattr(
        "robustness.performance.reference_sanity", lambda *a, **k: calls.append(1) or sanity.reference_sanity(*a, **k)
    )
    ws = _workspace(train, current, model.estimator)
    report = build_report(ws, ReportConfig(checks=("Performance", "Uncertainty"), n_boot=0))
    assert len(calls) == 1
    caveat = report.results["reference_sanity"].caveat
    assert caveat.startswith("The reference looks like the model's training data (accuracy 1 on it, 0.")
    for name in ("Performance", "Uncertainty"):
        c = report.check(name)
        assert c.metrics["caveat"] == caveat
        assert c.summary.endswith(caveat) and c.plain_summary.endswith(caveat)
        assert c.summary.count(caveat) == 1
    assert story_of(report).caveats == (caveat,)
    unc = report.check("Uncertainty")
    if not labelled_current:  # a current file without labels is normal: said once, as a fact, not a warning
        assert unc.status == "skipped" and unc.summary.count("no labels") == 1
        assert "estimated without labels" in report.check("Performance").summary
    json.dumps(report.to_dict(), allow_nan=False)


def test_the_scorecard_has_no_caveat_on_a_held_out_reference(tree_on_its_training_rows):
    from robustness.report import ReportConfig, build_report
    from robustness.report.story import story_of

    model, _ = tree_on_its_training_rows
    ws = _workspace(_classification(1, 1500), _classification(4, 1000), model.estimator)
    report = build_report(ws, ReportConfig(checks=("Performance", "Uncertainty"), n_boot=0))
    assert not report.results["reference_sanity"].looks_like_training
    assert all("caveat" not in c.metrics for c in report.checks)
    assert story_of(report).caveats == ()
    assert "training data" not in report.check("Performance").summary
