"""Any estimator with the scikit-learn API (Pipelines, LightGBM/XGBoost wrappers, ...) as a model adapter.

scikit-learn itself is imported only inside the functions that need it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from robustness.errors import ModelError
from robustness.jsonsafe import py_scalar
from robustness.models.base import ModelAdapter, ModelSummary, Task

__all__ = ["SklearnAdapter", "describe_estimator", "from_estimator"]


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
            self.classes = None if raw is None else [py_scalar(c) for c in np.asarray(raw).ravel()]
            self.task = Task.MULTICLASS if self.classes is not None and len(self.classes) > 2 else Task.BINARY
        else:
            self.classes, self.task = None, Task.REGRESSION
        own, n_in = _feature_names_in(estimator), getattr(estimator, "n_features_in_", None)
        given = None if feature_names is None else [str(c) for c in feature_names]
        self.feature_names = own or given
        # fitted on an array with names given here: pass an array, as in training
        self._as_array = own is None and given is not None and isinstance(n_in, (int, np.integer))
        if self._as_array and given is not None and n_in != len(given):
            raise ModelError(
                f"The model expects {n_in} features but {len(given)} feature names "
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


def from_estimator(
    estimator: Any, *, source: str = "estimator", feature_names: Sequence[str] | None = None
) -> SklearnAdapter:
    """Wrap a fitted scikit-learn-API estimator; ``feature_names`` is used only if it records none."""
    return SklearnAdapter(estimator, source=source, feature_names=feature_names)


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
