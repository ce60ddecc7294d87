"""The model adapter: scikit-learn estimators and prediction columns behind one interface."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC

from robustness.errors import ConfigError, ModelError
from robustness.models import (
    ModelSummary,
    PredictionsAdapter,
    SklearnAdapter,
    Task,
    describe_estimator,
    from_estimator,
    from_predictions,
)

NUMERIC = ["age", "income"]
CATEGORICAL = ["city", "plan"]


def make_frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Seeded mixed data: two numeric columns and two string categoricals, all with NaNs."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n),
            "income": rng.lognormal(10, 0.5, n),
            "city": rng.choice(["paris", "lyon", "nice"], n).astype(object),
            "plan": rng.choice(["basic", "pro"], n).astype(object),
        }
    )
    for col in df.columns:
        df.loc[rng.random(n) < 0.08, col] = np.nan
    return df


def make_target(X: pd.DataFrame, task: str, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed + 1)
    score = X["age"].fillna(40).to_numpy() / 10 + (X["city"] == "paris").to_numpy() + rng.normal(0, 0.5, len(X))
    if task == "regression":
        return score
    if task == "binary":
        return (score > np.median(score)).astype(int)
    return np.digitize(score, np.quantile(score, [1 / 3, 2 / 3]))  # 0, 1, 2


def make_pipeline_for(task: str, X: pd.DataFrame, seed: int = 0) -> Pipeline:
    prep = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(), StandardScaler()), NUMERIC),
            (
                "cat",
                make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")),
                CATEGORICAL,
            ),
        ]
    )
    model = (GradientBoostingRegressor if task == "regression" else GradientBoostingClassifier)(
        n_estimators=20, max_depth=2, random_state=seed
    )
    return Pipeline([("prep", prep), ("model", model)]).fit(X, make_target(X, task, seed))


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return make_frame()


@pytest.mark.parametrize(
    "task, expected", [("binary", Task.BINARY), ("multiclass", Task.MULTICLASS), ("regression", Task.REGRESSION)]
)
def test_sklearn_pipeline_task_features_and_predictions(frame, task, expected):
    pipe = make_pipeline_for(task, frame)
    adapter = from_estimator(pipe)
    assert isinstance(adapter, SklearnAdapter)
    assert adapter.task is expected and adapter.has_model and adapter.source == "estimator"
    assert adapter.feature_names == NUMERIC + CATEGORICAL
    # extra columns are ignored and the order of the data's columns does not matter
    shuffled = frame[["plan", "income", "city", "age"]].assign(target=1, pred=0)
    np.testing.assert_array_equal(adapter.predict(shuffled), pipe.predict(frame))
    if expected is Task.REGRESSION:
        assert adapter.classes is None and not adapter.has_proba
        with pytest.raises(ModelError, match="regressor"):
            adapter.predict_proba(frame)
    else:
        assert adapter.classes == ([0, 1] if expected is Task.BINARY else [0, 1, 2])
        assert all(type(c) is int for c in adapter.classes)  # python scalars, JSON-ready
        np.testing.assert_allclose(adapter.predict_proba(shuffled), pipe.predict_proba(frame))
    adapter.check_on(frame, name="the reference data")


def test_missing_columns_are_listed(frame):
    adapter = from_estimator(make_pipeline_for("binary", frame))
    with pytest.raises(ModelError) as err:
        adapter.check_on(frame.drop(columns=["city", "plan"]), name="the current data")
    msg = str(err.value)
    assert "The current data lacks 2 columns" in msg and "'city', 'plan'" in msg and "'age'" in msg


def test_summary_description_and_json(frame):
    summary = from_estimator(make_pipeline_for("binary", frame), source="skops").summary()
    structure = (
        "Pipeline(ColumnTransformer[SimpleImputer, StandardScaler | SimpleImputer, OneHotEncoder]"
        " → GradientBoostingClassifier)"
    )
    assert summary.estimator == structure
    assert summary.description == f"Binary classifier · {structure} · 4 features · from skops"
    d = summary.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["task"] == "binary" and d["classes"] == [0, 1] and d["feature_names"] == NUMERIC + CATEGORICAL
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.task = Task.REGRESSION  # type: ignore[misc]


def test_summary_for_multiclass_and_regressor(frame):
    multi = from_estimator(make_pipeline_for("multiclass", frame)).summary()
    assert multi.description.startswith("Multiclass classifier (3 classes) · Pipeline(")
    reg = from_estimator(make_pipeline_for("regression", frame)).summary()
    assert reg.description.startswith("Regressor · ") and reg.description.endswith("· from estimator")


def test_describe_meta_estimators():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import VotingClassifier

    assert (
        describe_estimator(CalibratedClassifierCV(LogisticRegression())) == "CalibratedClassifierCV(LogisticRegression)"
    )
    voting = VotingClassifier([("a", LogisticRegression()), ("b", LinearSVC())])
    assert describe_estimator(voting) == "VotingClassifier[LogisticRegression | LinearSVC]"


class Raising(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def predict(self, X):
        raise ValueError("could not convert string to float: 'paris'")

    def predict_proba(self, X):  # pragma: no cover - predict fails first
        return np.full((len(X), 2), 0.5)


class WrongLength(RegressorMixin, BaseEstimator):
    def fit(self, X, y):
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def predict(self, X):
        return np.zeros(len(X) - 1)


class WrongProbaShape(Raising):
    def predict(self, X):
        return np.zeros(len(X), dtype=int)

    def predict_proba(self, X):
        return np.full((len(X), 3), 1 / 3)


def test_model_that_raises_names_the_exception(frame):
    adapter = from_estimator(Raising().fit(frame[NUMERIC], [0, 1] * 150))
    with pytest.raises(ModelError) as err:
        adapter.check_on(frame, name="the current data")
    msg = str(err.value)
    assert msg.startswith(
        "The model raised ValueError in predict while predicting on the current data: "
        "could not convert string to float: 'paris'."
    )
    assert "trained on" in msg
    assert isinstance(err.value.__cause__, ValueError)


def test_wrong_length_output_is_detected(frame):
    adapter = from_estimator(WrongLength().fit(frame[NUMERIC], np.zeros(len(frame))))
    with pytest.raises(ModelError, match=r"returned 199 values for the 200 rows of the data"):
        adapter.check_on(frame)


def test_wrong_probability_shape_is_detected(frame):
    adapter = from_estimator(WrongProbaShape().fit(frame[NUMERIC], [0, 1] * 150))
    with pytest.raises(ModelError, match=r"predict_proba returned an array of shape \(50, 3\).*\(50, 2\)"):
        adapter.check_on(frame, n_rows=50)


def test_check_on_empty_data(frame):
    adapter = from_estimator(make_pipeline_for("binary", frame))
    with pytest.raises(ModelError, match="The current data has no rows"):
        adapter.check_on(frame.iloc[:0], name="the current data")


def test_classifier_without_predict_proba(frame):
    X = frame[NUMERIC].fillna(0)
    adapter = from_estimator(LinearSVC().fit(X, make_target(frame, "binary")))
    assert adapter.task is Task.BINARY and not adapter.has_proba
    adapter.check_on(X)  # predict only
    with pytest.raises(ModelError, match="no predict_proba"):
        adapter.predict_proba(X)
    assert any("predict_proba" in n for n in adapter.summary().notes)


def test_estimator_fitted_on_array_uses_given_feature_names(frame):
    X = frame[NUMERIC].fillna(0)
    y = make_target(frame, "binary")
    model = LogisticRegression().fit(X.to_numpy(), y)
    unnamed = from_estimator(model)
    assert unnamed.feature_names is None and any("feature names" in n for n in unnamed.summary().notes)
    named = from_estimator(model, feature_names=NUMERIC)
    assert named.feature_names == NUMERIC
    np.testing.assert_allclose(named.predict_proba(X[["income", "age"]].assign(x=1)), model.predict_proba(X.to_numpy()))
    with pytest.raises(ModelError, match="expects 2 features but 3 feature names"):
        from_estimator(model, feature_names=NUMERIC + ["city"])
    # the model's own names win over given ones
    assert from_estimator(LogisticRegression().fit(X, y), feature_names=["x", "y"]).feature_names == NUMERIC


def test_not_a_model_and_unfitted():
    with pytest.raises(ModelError, match="has no predict method"):
        from_estimator(StandardScaler())
    with pytest.raises(ModelError, match="has not been fitted"):
        from_estimator(LogisticRegression())


# -- predictions already in the data --------------------------------------------------------


@pytest.fixture
def scored() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    p1 = rng.random(120)
    return pd.DataFrame(
        {
            "x": rng.normal(size=120),
            "pred": (p1 > 0.5).astype(int),
            "p0": 1 - p1,
            "p1": p1,
            "yhat": rng.normal(size=120) * 3.7,
        }
    )


def test_predictions_binary_with_probability_columns(scored):
    adapter = from_predictions(prediction="pred", probabilities={"1": "p1", "0": "p0"}, reference=scored)
    assert isinstance(adapter, PredictionsAdapter)
    assert adapter.task is Task.BINARY and adapter.classes == [0, 1] and not adapter.has_model
    assert adapter.source == "predictions" and adapter.feature_names is None
    np.testing.assert_array_equal(adapter.predict(scored), scored["pred"].to_numpy())
    np.testing.assert_allclose(adapter.predict_proba(scored), scored[["p0", "p1"]].to_numpy())
    adapter.check_on(scored, name="the reference data")
    summary = adapter.summary()
    assert summary.estimator == "No model: predictions read from column 'pred'"
    assert summary.description == "Binary classifier · No model: predictions read from column 'pred'"
    assert json.loads(json.dumps(summary.to_dict()))["classes"] == [0, 1]
    with pytest.raises(ModelError, match="lacks 1 column holding the predictions: 'pred'"):
        adapter.check_on(scored.drop(columns="pred"), name="the current data")
    with pytest.raises(ModelError, match="Column 'p1' in the data should hold class probabilities"):
        adapter.predict_proba(scored.assign(p1="high"))


def test_predictions_single_probability_column(scored):
    adapter = from_predictions(prediction=None, probabilities={"1": "p1"}, reference=scored)
    assert adapter.task is Task.BINARY and adapter.classes == [0, 1]
    np.testing.assert_allclose(adapter.predict_proba(scored), scored[["p0", "p1"]].to_numpy())
    np.testing.assert_array_equal(adapter.predict(scored).astype(int), scored["pred"].to_numpy())
    with pytest.raises(ConfigError, match="other class"):
        from_predictions(prediction=None, probabilities={"spam": "p1"})


def test_predictions_regression(scored):
    adapter = from_predictions(prediction="yhat", reference=scored)
    assert adapter.task is Task.REGRESSION and adapter.classes is None and not adapter.has_proba
    np.testing.assert_array_equal(adapter.predict(scored), scored["yhat"].to_numpy())
    adapter.check_on(scored)
    with pytest.raises(ModelError, match="regressor"):
        adapter.predict_proba(scored)
    assert adapter.summary().description == "Regressor · No model: predictions read from column 'yhat'"


def test_predictions_task_inference():
    labels = pd.DataFrame({"s": ["a", "b", "c", "a"], "f": [0.0, 1.0, 1.0, 0.0], "i": [1, 2, 3, 4]})
    multi = from_predictions(prediction="s", reference=labels)
    assert multi.task is Task.MULTICLASS and multi.classes == ["a", "b", "c"]
    with pytest.raises(ModelError, match="No probability columns"):
        multi.predict_proba(labels)
    assert from_predictions(prediction="f", reference=labels).task is Task.BINARY
    assert from_predictions(prediction="i", reference=labels).task is Task.MULTICLASS
    many = pd.DataFrame({"i": np.arange(100)})
    assert from_predictions(prediction="i", reference=many).task is Task.REGRESSION
    assert from_predictions(prediction="i", task="binary").task is Task.BINARY


def test_predictions_configuration_errors(scored):
    with pytest.raises(ConfigError, match="No prediction column"):
        from_predictions(prediction=None)
    with pytest.raises(ConfigError, match="pass the task or the reference data"):
        from_predictions(prediction="pred")
    with pytest.raises(ConfigError, match="task is regression"):
        from_predictions(prediction="pred", probabilities={"0": "p0", "1": "p1"}, task=Task.REGRESSION)
    with pytest.raises(ModelError, match="'nope'"):
        from_predictions(prediction="nope", reference=scored)
    # built directly with probability columns but no class labels: said, not a TypeError from deep inside
    unlabelled = PredictionsAdapter(prediction="pred", task=Task.BINARY, probabilities={0: "p0", 1: "p1"})
    with pytest.raises(ConfigError, match="without the class labels"):
        unlabelled.predict_proba(scored)


def test_summary_is_a_frozen_typed_result():
    s = ModelSummary(
        source="onnx",
        estimator="ONNX graph (1 input of 3 columns → prediction)",
        task=Task.REGRESSION,
        feature_names=("a",),
        classes=None,
    )
    assert s.description == "Regressor · ONNX graph (1 input of 3 columns → prediction) · 1 feature · from onnx"


def test_library_does_not_import_streamlit_or_onnxruntime_eagerly():
    code = "import sys, robustness.models; print('streamlit' in sys.modules, 'onnxruntime' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_prediction_columns_know_the_classes_of_the_target_too():
    """A class the model never predicted on the reference is still a class: with the target given, a current
    prediction of it is scored as that class, not as an unknown label."""
    ref = pd.DataFrame({"pred": [0, 0, 0, 0], "y": [0, 1, 0, 1]})
    alone = from_predictions(prediction="pred", reference=ref)
    assert alone.classes == [0]
    adapter = from_predictions(prediction="pred", reference=ref, target_values=ref["y"])
    assert adapter.classes == [0, 1] and adapter.is_classifier
    cur = pd.DataFrame({"pred": [1, 0, 1], "y": [1, 0, 0]})
    assert list(adapter.predict(cur)) == [1, 0, 1]
