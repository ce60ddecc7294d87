"""The model adapter: one interface (predict, predict_proba, task, feature names) whatever the model's origin.

Adapters take a DataFrame, pick the model's feature columns and return NumPy arrays; every failure is a
ModelError saying what, where and what to do. ``OnnxAdapter`` lives in robustness/_onnx.py (lazy import).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from robustness.errors import ConfigError, ModelError, RobustnessError

if TYPE_CHECKING:  # pragma: no cover
    from robustness._onnx import OnnxAdapter

__all__ = [
    "ModelAdapter",
    "ModelSummary",
    "OnnxAdapter",
    "PredictionsAdapter",
    "SklearnAdapter",
    "Task",
    "describe_estimator",
    "from_estimator",
    "from_predictions",
]

_MAX_LISTED = 12
_FEW_VALUES = 20  # a numeric prediction column with at most this many integral values holds classes


class Task(StrEnum):
    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"


@dataclass(frozen=True)
class ModelSummary:
    source: str  # "skops" | "onnx" | "pickle" | "estimator" | "predictions"
    estimator: str
    task: Task
    feature_names: tuple[str, ...] | None
    classes: tuple | None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "estimator": self.estimator,
            "task": self.task.value,
            "feature_names": None if self.feature_names is None else list(self.feature_names),
            "classes": None if self.classes is None else [_py(c) for c in self.classes],
            "notes": list(self.notes),
        }

    @property
    def description(self) -> str:
        if self.task is Task.REGRESSION:
            parts = ["Regressor"]
        elif self.task is Task.BINARY:
            parts = ["Binary classifier"]
        else:
            k = f" ({len(self.classes)} classes)" if self.classes else ""
            parts = [f"Multiclass classifier{k}"]
        parts.append(self.estimator)
        if self.source != "predictions":
            n = None if self.feature_names is None else len(self.feature_names)
            parts.append("features unknown" if n is None else f"{n} feature{'' if n == 1 else 's'}")
            parts.append(f"from {self.source}")
        return " · ".join(parts)


class ModelAdapter(ABC):
    """Common interface: ``predict``, ``predict_proba``, ``summary`` and ``check_on``."""

    source: str
    task: Task
    feature_names: list[str] | None
    classes: list | None
    has_model: bool = True

    @property
    def is_classifier(self) -> bool:
        return self.task is not Task.REGRESSION

    @property
    def has_proba(self) -> bool:
        """True when ``predict_proba`` can be called (a classifier that gives probabilities)."""
        return self.is_classifier

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """One prediction per row of ``X`` (1-D)."""
        return self._predict_on(X, "the data")

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities, shape ``(n_rows, n_classes)``, columns in ``classes`` order."""
        return self._proba_on(X, "the data")

    @abstractmethod
    def summary(self) -> ModelSummary: ...

    def check_on(self, X: pd.DataFrame, *, name: str = "the data", n_rows: int = 200) -> None:
        """Run the model on the first ``n_rows`` of ``X``; ModelError if anything is wrong."""
        head = X.head(n_rows)
        if len(head) == 0:
            raise ModelError(
                f"{_cap(name)} has no rows, so the model cannot be checked on it. Load a file that contains data rows."
            )
        self._predict_on(head, name)
        if self.has_proba:
            self._proba_on(head, name)

    # -- shared by the adapters that wrap a real model; they define _raw_predict/_raw_proba --

    def _model_input(self, X: pd.DataFrame, name: str) -> Any:
        """The part of ``X`` the model is called with: its feature columns, in its order."""
        if self.feature_names is None:
            return X
        _require_columns(X, self.feature_names, name, what="the model needs")
        return X[list(self.feature_names)]

    def _predict_on(self, X: pd.DataFrame, name: str) -> np.ndarray:
        out = _call_model("predict", self._raw_predict, self._model_input(X, name), name)
        return _check_1d(out, len(X), name)

    def _proba_on(self, X: pd.DataFrame, name: str) -> np.ndarray:
        self._require_proba()
        out = _call_model("predict_proba", self._raw_proba, self._model_input(X, name), name)
        return _check_proba(out, len(X), self.classes, name)

    def _require_proba(self) -> None:
        if not self.is_classifier:
            raise ModelError(
                "The model is a regressor, so it has no class probabilities (predict_proba). "
                "Use its predictions instead, or load a classifier."
            )
        if not self.has_proba:
            raise ModelError(
                "The model does not give class probabilities (it has no predict_proba). "
                "Probability-based checks are skipped; to get them, re-train with a "
                "classifier that supports predict_proba."
            )


class SklearnAdapter(ModelAdapter):
    """Any estimator with the scikit-learn API (Pipelines, LightGBM/XGBoost wrappers, ...)."""

    def __init__(self, estimator: Any, *, source: str = "estimator", feature_names: Sequence[str] | None = None):
        if not callable(getattr(estimator, "predict", None)):
            raise ModelError(
                f"The {source} model is a {type(estimator).__name__}, which has no predict "
                "method, so it cannot make predictions. Save the fitted estimator or "
                "Pipeline itself (the object you call .predict on)."
            )
        _require_fitted(estimator, source)
        self.estimator = estimator
        self.source = source
        self._notes: list[str] = []
        kind = _estimator_kind(estimator)
        if kind is None:
            kind = "classifier" if hasattr(estimator, "classes_") else "regressor"
            self._notes.append(
                f"Could not tell whether {type(estimator).__name__} is a classifier or a "
                f"regressor; treated as a {kind}."
            )
        if kind == "classifier":
            raw = getattr(estimator, "classes_", None)
            self.classes = None if raw is None else [_py(c) for c in np.asarray(raw).ravel()]
            self.task = Task.MULTICLASS if self.classes is not None and len(self.classes) > 2 else Task.BINARY
        else:
            self.classes, self.task = None, Task.REGRESSION
        own, n_in = _feature_names_in(estimator), getattr(estimator, "n_features_in_", None)
        self.feature_names = own or (None if feature_names is None else [str(c) for c in feature_names])
        # fitted on an array with names given here: pass an array, as in training
        self._as_array = own is None and feature_names is not None and isinstance(n_in, (int, np.integer))
        if self._as_array and n_in != len(self.feature_names):
            raise ModelError(
                f"The model expects {n_in} features but {len(self.feature_names)} feature names "
                "were given. Give exactly the columns the model was trained on, in order."
            )
        if self.feature_names is None:
            self._notes.append(
                "The model does not record its feature names; the data's columns are "
                "passed as they are, so they must be exactly the training columns in order."
            )
        if self.is_classifier and not self.has_proba:
            self._notes.append("No predict_proba: probability-based checks are unavailable.")

    @property
    def has_proba(self) -> bool:
        return self.is_classifier and callable(getattr(self.estimator, "predict_proba", None))

    def _model_input(self, X: pd.DataFrame, name: str) -> Any:
        Xm = super()._model_input(X, name)
        return Xm.to_numpy() if self._as_array else Xm

    def _raw_predict(self, X: Any) -> Any:
        return self.estimator.predict(X)

    def _raw_proba(self, X: Any) -> Any:
        return self.estimator.predict_proba(X)

    def summary(self) -> ModelSummary:
        return ModelSummary(
            source=self.source,
            estimator=describe_estimator(self.estimator),
            task=self.task,
            feature_names=None if self.feature_names is None else tuple(self.feature_names),
            classes=None if self.classes is None else tuple(self.classes),
            notes=tuple(self._notes),
        )


class PredictionsAdapter(ModelAdapter):
    """No model: the predictions (and class probabilities) are columns of the data."""

    source = "predictions"
    has_model = False
    feature_names = None

    def __init__(
        self,
        *,
        prediction: str | None,
        task: Task,
        classes: Sequence | None = None,
        probabilities: Mapping[Any, str] | None = None,
        complement: tuple[Any, str] | None = None,
    ):
        self.prediction = prediction
        self.task = Task(task)
        self.classes = None if classes is None else [_py(c) for c in classes]
        self.probabilities = dict(probabilities or {})  # class label -> column
        self._complement = complement  # (label, column): P(label) = 1 - column

    @property
    def has_proba(self) -> bool:
        return self.is_classifier and bool(self.probabilities)

    def _predict_on(self, X: pd.DataFrame, name: str) -> np.ndarray:
        if self.prediction is not None:
            _require_columns(X, [self.prediction], name, what="holding the predictions")
            return X[self.prediction].to_numpy()
        proba = self._proba_on(X, name)
        return np.asarray(self.classes, dtype=object)[proba.argmax(axis=1)]

    def _proba_on(self, X: pd.DataFrame, name: str) -> np.ndarray:
        self._require_proba()
        comp = self._complement
        return np.column_stack(
            [
                1.0 - self._proba_column(X, comp[1], name)
                if comp is not None and label == comp[0]
                else self._proba_column(X, self.probabilities[label], name)
                for label in self.classes
            ]
        )

    def _proba_column(self, X: pd.DataFrame, col: str, name: str) -> np.ndarray:
        _require_columns(X, [col], name, what="holding class probabilities")
        values = pd.to_numeric(X[col], errors="coerce")
        if values.isna().sum() > X[col].isna().sum():
            raise ModelError(
                f"Column '{col}' in {name} should hold class probabilities but contains values "
                f"that are not numbers (dtype {X[col].dtype}). Choose the right probability "
                "columns in the column roles."
            )
        return values.to_numpy(dtype=float)

    def _require_proba(self) -> None:
        if self.is_classifier and not self.probabilities:
            raise ModelError(
                "No probability columns were given, so class probabilities are unavailable. "
                "Map each class to its probability column in the column roles."
            )
        super()._require_proba()

    def summary(self) -> ModelSummary:
        what = (
            "No model: predictions taken from the most probable class"
            if self.prediction is None
            else f"No model: predictions read from column '{self.prediction}'"
        )
        cols = ", ".join(f"'{c}' ({lbl})" for lbl, c in self.probabilities.items())
        notes = [f"Probabilities read from {cols}"] if cols else []
        return ModelSummary(
            source=self.source,
            estimator=what,
            task=self.task,
            feature_names=None,
            classes=None if self.classes is None else tuple(self.classes),
            notes=tuple(notes),
        )


def from_estimator(
    estimator: Any, *, source: str = "estimator", feature_names: Sequence[str] | None = None
) -> SklearnAdapter:
    """Wrap a fitted scikit-learn-API estimator; ``feature_names`` is used only if it records none."""
    return SklearnAdapter(estimator, source=source, feature_names=feature_names)


def from_predictions(
    *,
    prediction: str | None,
    probabilities: Mapping[str, str] | None = None,
    task: Task | str | None = None,
    reference: pd.DataFrame | None = None,
) -> PredictionsAdapter:
    """An adapter over prediction columns; the task is inferred from ``reference`` when not given."""
    probs = {str(k): v for k, v in (probabilities or {}).items()}
    task = None if task is None else Task(task)
    if prediction is None and not probs:
        raise ConfigError(
            "No prediction column and no probability columns were chosen. Choose the column "
            "that holds the model's predictions in the column roles, or load a model file."
        )
    if reference is not None:
        wanted = ([prediction] if prediction is not None else []) + list(probs.values())
        _require_columns(reference, wanted, "the reference data", what="named in the column roles")
    observed = None if prediction is None or reference is None else reference[prediction]
    if probs:
        if task is Task.REGRESSION:
            raise ConfigError(
                "Probability columns were given but the task is regression. Clear the "
                "probability columns, or choose a classification task."
            )
        labels = _typed_labels(list(probs), observed)
        mapping, complement = dict(zip(labels, probs.values())), None
        if len(mapping) == 1:  # binary with P(class) only: P(other class) = 1 - P(class)
            complement = (_other_label(labels[0], observed, mapping[labels[0]]), mapping[labels[0]])
            labels.append(complement[0])
        classes = _sorted(labels)
        inferred = Task.BINARY if len(classes) == 2 else Task.MULTICLASS
        if task is not None and task is not inferred:
            raise ConfigError(
                f"{len(classes)} classes have probability columns, which does not fit the "
                f"task '{task.value}'. Choose the task '{inferred.value}' or fix the columns."
            )
        return PredictionsAdapter(
            prediction=prediction, task=inferred, classes=classes, probabilities=mapping, complement=complement
        )
    if task is None:
        if observed is None:
            raise ConfigError(
                f"Cannot tell whether column '{prediction}' holds classes or numbers without "
                "data: pass the task or the reference data."
            )
        task = _infer_task(observed)
    classes = None
    if task is not Task.REGRESSION and observed is not None:
        classes = _sorted(pd.unique(observed.dropna()).tolist())
    return PredictionsAdapter(prediction=prediction, task=task, classes=classes)


def describe_estimator(est: Any, *, inner: bool = False) -> str:
    """A readable one-line structure, e.g. ``Pipeline(ColumnTransformer[...] → GradientBoostingClassifier)``."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import FeatureUnion, Pipeline

    if isinstance(est, str) or est is None:
        return str(est)
    if isinstance(est, Pipeline):
        steps = [describe_estimator(s) for _, s in est.steps if s is not None and s != "passthrough"]
        return ", ".join(steps) if inner else f"Pipeline({' → '.join(steps) or 'passthrough'})"
    if isinstance(est, ColumnTransformer):
        specs = est.transformers_ if hasattr(est, "transformers_") else est.transformers
        parts = [
            describe_estimator(t, inner=True)
            for _, t, cols in specs
            if not (isinstance(t, str) and t == "drop") and not (hasattr(cols, "__len__") and len(cols) == 0)
        ]
        return f"ColumnTransformer[{' | '.join(parts)}]"
    if isinstance(est, FeatureUnion):
        return f"FeatureUnion[{' | '.join(describe_estimator(t, inner=True) for _, t in est.transformer_list)}]"
    name = type(est).__name__
    for attr in ("estimator", "regressor", "base_estimator"):
        sub = getattr(est, attr, None)
        if sub is not None and not isinstance(sub, str) and hasattr(sub, "fit"):
            return f"{name}({describe_estimator(sub)})"
    subs = getattr(est, "estimators", None)
    if isinstance(subs, list) and subs and all(isinstance(s, tuple) and len(s) == 2 for s in subs):
        return f"{name}[{' | '.join(describe_estimator(s) for _, s in subs)}]"
    return name


def __getattr__(name: str) -> Any:  # PEP 562: import onnxruntime only when ONNX is used
    if name == "OnnxAdapter":
        from robustness._onnx import OnnxAdapter

        return OnnxAdapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- helpers ---------------------------------------------------------------------------------


def _call_model(call: str, fn: Callable[[Any], Any], X: Any, name: str) -> Any:
    """Run the model's own code; anything it raises becomes a ModelError (original chained)."""
    try:
        return fn(X)
    except RobustnessError:
        raise
    except Exception as exc:  # the model's own code may raise anything
        msg = " ".join(str(exc).split())[:400] or "(no message)"
        raise ModelError(
            f"The model raised {type(exc).__name__} in {call} while predicting on {name}: {msg.rstrip('.')}. "
            f"Check that {name} has the columns and value types the model was trained on "
            "(same column names, numbers stored as numbers, categories as text)."
        ) from exc


def _check_1d(out: Any, n: int, name: str) -> np.ndarray:
    arr = _as_array(out, "predict", name, None)
    arr = arr.ravel() if arr.ndim == 2 and arr.shape[1] == 1 else arr
    if arr.ndim != 1 or len(arr) != n:
        got = f"{len(arr)} values" if arr.ndim == 1 else f"an array of shape {arr.shape}"
        raise ModelError(
            f"The model's predict returned {got} for the {n} rows of {name}; it must return "
            "exactly one prediction per row. Check the model's predict method (models with "
            "several outputs are not supported)."
        )
    return arr


def _check_proba(out: Any, n: int, classes: list | None, name: str) -> np.ndarray:
    arr, k = _as_array(out, "predict_proba", name, float), None if classes is None else len(classes)
    if arr.ndim != 2 or arr.shape[0] != n or (k is not None and arr.shape[1] != k):
        raise ModelError(
            f"The model's predict_proba returned an array of shape {arr.shape} on {name}; "
            f"expected ({n}, {k or 'number of classes'}): one row per data row, one column per "
            "class. Check the model's predict_proba method."
        )
    return arr


def _as_array(out: Any, call: str, name: str, dtype: Any) -> np.ndarray:
    try:
        return np.asarray(out, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ModelError(
            f"The model's {call} returned a {type(out).__name__} on {name} that is not one "
            f"array ({exc}). Wrap the model so that it returns one array."
        ) from exc


def _require_columns(X: pd.DataFrame, needed: Sequence[str], name: str, *, what: str) -> None:
    missing = [c for c in needed if c not in X.columns]
    if missing:
        raise ModelError(
            f"{_cap(name)} lacks {len(missing)} column{'s' if len(missing) > 1 else ''} "
            f"{what}: {_quote(missing)}. Columns available: {_quote(list(X.columns))}. Load "
            "data with these columns, or check that the model and data files belong together."
        )


def _require_fitted(estimator: Any, source: str) -> None:
    from sklearn.base import BaseEstimator
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    if isinstance(estimator, BaseEstimator):
        try:
            check_is_fitted(estimator)
        except NotFittedError as exc:
            raise ModelError(
                f"The {source} model ({type(estimator).__name__}) has not been fitted. "
                "Fit it on training data before saving it."
            ) from exc


def _estimator_kind(est: Any) -> str | None:
    from sklearn.base import is_classifier, is_regressor

    if hasattr(est, "__sklearn_tags__"):  # scikit-learn >= 1.6 API, also LightGBM / XGBoost wrappers
        return "classifier" if is_classifier(est) else "regressor" if is_regressor(est) else None
    kind = getattr(est, "_estimator_type", None)
    return kind if kind in ("classifier", "regressor") else None


def _feature_names_in(est: Any) -> list[str] | None:
    names = getattr(est, "feature_names_in_", None)
    if names is None and hasattr(est, "steps") and est.steps:
        names = getattr(est.steps[0][1], "feature_names_in_", None)
    return None if names is None else [str(c) for c in names]


def _infer_task(values: pd.Series) -> Task:
    s = values.dropna()
    few = s.nunique() <= _FEW_VALUES
    if pd.api.types.is_float_dtype(s.dtype):
        few = few and bool(np.all(np.mod(s.to_numpy(), 1) == 0))
    if not few and (pd.api.types.is_float_dtype(s.dtype) or pd.api.types.is_integer_dtype(s.dtype)):
        return Task.REGRESSION  # text, categories and booleans always hold class labels
    return Task.BINARY if s.nunique() <= 2 else Task.MULTICLASS


def _typed_labels(keys: list[str], observed: pd.Series | None) -> list:
    """Probability-column labels are strings; give them the prediction column's type when possible."""
    seen = {} if observed is None else {str(_py(v)): _py(v) for v in pd.unique(observed.dropna())}
    return [seen[k] if k in seen else int(k) if k.lstrip("-").isdigit() else k for k in keys]


def _other_label(label: Any, observed: pd.Series | None, col: str) -> Any:
    others = [] if observed is None else [v for v in _sorted(pd.unique(observed.dropna())) if v != label]
    if len(others) == 1:
        return others[0]
    if isinstance(label, (bool, int)) and label == 1:  # True -> False, 1 -> 0
        return type(label)(0)
    raise ConfigError(
        f"Only one probability column ('{col}', class {label!r}) was given and the other class "
        "cannot be told. Map the probability column of every class in the column roles."
    )


def _sorted(values: list) -> list:
    values = [_py(v) for v in values]
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def _py(v: Any) -> Any:
    """A NumPy scalar as the matching Python scalar (JSON-serialisable)."""
    return v.item() if isinstance(v, np.generic) else v


def _quote(names: Sequence[Any]) -> str:
    shown = ", ".join(f"'{n}'" for n in list(names)[:_MAX_LISTED])
    extra = len(names) - _MAX_LISTED
    return shown + (f" and {extra} more" if extra > 0 else "")


def _cap(text: str) -> str:
    """'the current data' -> 'The current data' at the start of a sentence; file names stay as they are."""
    return "The " + text[4:] if text.startswith("the ") else text
