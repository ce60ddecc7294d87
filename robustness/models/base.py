"""The model adapter's interface: the task, the summary and the :class:`ModelAdapter` base class.

Adapters take a DataFrame, pick the model's feature columns and return NumPy arrays; every failure is a
ModelError saying what, where and what to do. The adapters themselves live next door:
:mod:`robustness.models.sklearn`, :mod:`robustness.models.onnx` and :mod:`robustness.models.predictions`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from robustness.errors import ModelError, RobustnessError
from robustness.jsonsafe import py_scalar

__all__ = ["ModelAdapter", "ModelSummary", "Task", "sorted_labels"]

_MAX_LISTED = 12


class Task(StrEnum):
    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"


@dataclass(frozen=True)
class ModelSummary:
    source: str  # "skops" | "onnx" | "pickle" | "estimator" | "demo" | "predictions"
    estimator: str
    task: Task
    feature_names: tuple[str, ...] | None
    classes: tuple[Any, ...] | None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "estimator": self.estimator,
            "task": self.task.value,
            "feature_names": None if self.feature_names is None else list(self.feature_names),
            "classes": None if self.classes is None else [py_scalar(c) for c in self.classes],
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
    classes: list[Any] | None
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

    def _raw_predict(self, X: Any) -> Any:
        """The wrapped model's own predict on :meth:`_model_input`'s output."""
        raise NotImplementedError(f"{type(self).__name__} wraps no model: it overrides _predict_on instead")

    def _raw_proba(self, X: Any) -> Any:
        """The wrapped model's own predict_proba on :meth:`_model_input`'s output."""
        raise NotImplementedError(f"{type(self).__name__} wraps no model: it overrides _proba_on instead")

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


def sorted_labels(values: Iterable[Any]) -> list[Any]:
    """Class labels as Python scalars, sorted; by their text when they do not compare (e.g. 1 and "a")."""
    labels = [py_scalar(v) for v in values]
    try:
        return sorted(labels)
    except TypeError:
        return sorted(labels, key=str)


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


def _check_proba(out: Any, n: int, classes: Sequence[Any] | None, name: str) -> np.ndarray:
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


def _quote(names: Sequence[Any]) -> str:
    shown = ", ".join(f"'{n}'" for n in list(names)[:_MAX_LISTED])
    extra = len(names) - _MAX_LISTED
    return shown + (f" and {extra} more" if extra > 0 else "")


def _cap(text: str) -> str:
    """'the current data' -> 'The current data' at the start of a sentence; file names stay as they are."""
    return "The " + text[4:] if text.startswith("the ") else text
