"""No model: the predictions (and class probabilities) are columns of the data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from robustness.errors import ConfigError, ModelError
from robustness.jsonsafe import py_scalar
from robustness.models.base import ModelAdapter, ModelSummary, Task, _require_columns, sorted_labels

__all__ = ["PredictionsAdapter", "from_predictions"]

_FEW_VALUES = 20  # a numeric prediction column with at most this many integral values holds classes


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
        classes: Sequence[Any] | None = None,
        probabilities: Mapping[Any, str] | None = None,
        complement: tuple[Any, str] | None = None,
    ):
        self.prediction = prediction
        self.task = Task(task)
        self.classes = None if classes is None else [py_scalar(c) for c in classes]
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
        if self.classes is None:
            raise ConfigError(
                "Probability columns were given without the class labels they belong to. Give the classes, "
                "in the order of the probability columns, or use from_predictions, which reads them."
            )
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


def from_predictions(
    *,
    prediction: str | None,
    probabilities: Mapping[str, str] | None = None,
    task: Task | str | None = None,
    reference: pd.DataFrame | None = None,
    target_values: pd.Series | None = None,
) -> PredictionsAdapter:
    """An adapter over prediction columns; the task is inferred from ``reference`` when not given.
    ``target_values``: the reference's target, when known: its classes join those the predictions show (a class
    the model never predicted on the reference is still a class)."""
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
    classes: list[Any] | None
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
        classes = sorted_labels(labels)
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
        seen = observed if target_values is None else pd.concat([observed, target_values], ignore_index=True)
        classes = sorted_labels(pd.unique(seen.dropna()).tolist())
    return PredictionsAdapter(prediction=prediction, task=task, classes=classes)


def _infer_task(values: pd.Series) -> Task:
    s = values.dropna()
    few = s.nunique() <= _FEW_VALUES
    if pd.api.types.is_float_dtype(s.dtype):
        few = few and bool(np.all(np.mod(s.to_numpy(), 1) == 0))
    if not few and (pd.api.types.is_float_dtype(s.dtype) or pd.api.types.is_integer_dtype(s.dtype)):
        return Task.REGRESSION  # text, categories and booleans always hold class labels
    return Task.BINARY if s.nunique() <= 2 else Task.MULTICLASS


def _typed_labels(keys: list[str], observed: pd.Series | None) -> list[Any]:
    """Probability-column labels are strings; give them the prediction column's type when possible."""
    seen = {} if observed is None else {str(py_scalar(v)): py_scalar(v) for v in pd.unique(observed.dropna())}
    return [seen[k] if k in seen else int(k) if k.lstrip("-").isdigit() else k for k in keys]


def _other_label(label: Any, observed: pd.Series | None, col: str) -> Any:
    others = [] if observed is None else [v for v in sorted_labels(pd.unique(observed.dropna())) if v != label]
    if len(others) == 1:
        return others[0]
    if isinstance(label, (bool, int)) and label == 1:  # True -> False, 1 -> 0
        return type(label)(0)
    raise ConfigError(
        f"Only one probability column ('{col}', class {label!r}) was given and the other class "
        "cannot be told. Map the probability column of every class in the column roles."
    )
