"""Model outputs for monitoring: from a model file or from prediction columns, validated once.

``adapter_from_columns`` builds the model adapter over prediction columns (``--prediction``,
``--proba`` for binary, ``--proba-prefix`` for one column per class). ``outputs`` scores a frame and
checks what came back: probabilities must be numbers in [0, 1] (no NaN), predictions must be among the
model's classes; a DataError names the column (or the model), the row and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from robustness.errors import ConfigError, DataError, ModelError
from robustness.models import ModelAdapter, PredictionsAdapter, Task, from_predictions
from robustness.performance.metrics import label_codes

__all__ = ["Outputs", "adapter_from_columns", "class_codes", "outputs", "prediction_columns"]

_TOL = 1e-9


def _labels(values: pd.Series) -> list:
    from robustness.models import sorted_labels

    return sorted_labels(pd.unique(values.dropna()))


def adapter_from_columns(
    reference: pd.DataFrame,
    *,
    prediction: str | None = None,
    proba: str | None = None,
    proba_prefix: str | None = None,
    target: str | None = None,
) -> PredictionsAdapter:
    """The adapter over prediction columns of ``reference`` (and, later, the current data).

    ``proba``: one column with the positive class's probability (binary; the positive class is the
    larger of the two labels seen in the prediction and target columns). ``proba_prefix``: one column
    per class named PREFIX + class label."""
    if proba is not None and proba_prefix is not None:
        raise ConfigError("Give --proba (binary: the positive class's probability) or --proba-prefix, not both.")
    if prediction is None and proba is None and proba_prefix is None:
        raise ConfigError(
            "No model and no prediction columns: give --model, or --prediction COL with --proba COL "
            "(binary) or --proba-prefix PREFIX (one probability column per class)."
        )
    for col, flag in ((prediction, "--prediction"), (proba, "--proba")):
        if col is not None and col not in reference.columns:
            raise ConfigError(
                f"The reference data has no column '{col}' ({flag}). Columns there: "
                f"{', '.join(map(str, list(reference.columns)[:15]))}."
            )
    if proba_prefix is not None:
        cols = {c[len(proba_prefix) :]: c for c in map(str, reference.columns) if c.startswith(proba_prefix)}
        cols = {k: v for k, v in cols.items() if k}
        if len(cols) < 2:
            raise ConfigError(
                f"--proba-prefix {proba_prefix!r} matches {len(cols)} column(s) of the reference data; it needs one "
                f"column per class (e.g. {proba_prefix}0 and {proba_prefix}1)."
            )
        return from_predictions(prediction=prediction, probabilities=cols, reference=reference)
    if proba is None:
        target_values = reference[target] if target is not None and target in reference.columns else None
        return from_predictions(prediction=prediction, reference=reference, target_values=target_values)
    seen = pd.concat(
        [reference[c] for c in (prediction, target) if c is not None and c in reference.columns], ignore_index=True
    )
    classes = _labels(seen)
    if len(classes) != 2:
        what = "no labels" if not classes else f"{len(classes)} label(s) ({', '.join(map(repr, classes[:6]))})"
        raise ConfigError(
            f"--proba gives one class's probability, which needs a binary task, but the reference's prediction and "
            f"target columns hold {what}. For more classes use --proba-prefix (one column per class)."
        )
    return PredictionsAdapter(
        prediction=prediction,
        task=Task.BINARY,
        classes=classes,
        probabilities={classes[1]: proba},
        complement=(classes[0], proba),
    )


def class_codes(values, classes) -> np.ndarray:
    """``label_codes`` (each label's index among the classes, -1 unknown or missing), computed once per
    distinct label: on 100,000 rows the per-row text comparison dominated a monitoring run."""
    seen, distinct = pd.factorize(pd.Series(np.asarray(values, dtype=object), dtype=object), use_na_sentinel=True)
    if not len(distinct):
        return np.full(len(seen), -1, dtype=np.int64)
    return np.where(seen >= 0, label_codes(np.asarray(distinct, dtype=object), classes)[seen], -1)


def prediction_columns(model: ModelAdapter) -> list[str]:
    """The data columns a predictions adapter reads (none for a model file)."""
    if not isinstance(model, PredictionsAdapter):
        return []
    cols = [model.prediction] if model.prediction else []
    return cols + [c for c in model.probabilities.values() if c not in cols]


@dataclass(frozen=True, eq=False)
class Outputs:
    pred: np.ndarray  # predictions as given (labels or values)
    codes: np.ndarray | None  # class codes (classifiers)
    proba: np.ndarray | None  # (rows, classes) or None


def _where(model: ModelAdapter, column: str | None, name: str) -> str:
    if isinstance(model, PredictionsAdapter) and column is not None:
        return f"Column '{column}' in the {name} data"
    return f"The model's output on the {name} data"


def outputs(model: ModelAdapter, frame: pd.DataFrame, name: str) -> Outputs:
    """Predictions, class codes and probabilities of ``frame``; DataError on invalid values."""
    pred = np.asarray(model.predict(frame))
    if not model.is_classifier:
        p = pd.to_numeric(pd.Series(pred), errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(p)
        if bad.any():
            col = model.prediction if isinstance(model, PredictionsAdapter) else None
            raise DataError(
                f"{_where(model, col, name)} has {int(bad.sum())} prediction(s) that are not finite numbers (first at "
                f"row {int(np.flatnonzero(bad)[0]) + 1}). Every row needs a prediction: fill or drop those rows."
            )
        return Outputs(p, None, None)
    classes = list(model.classes or [])
    proba = None
    if model.has_proba:
        if isinstance(model, PredictionsAdapter):
            for label, col in model.probabilities.items():
                _check_proba(pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float), model, col, name, label)
        try:
            proba = np.asarray(model.predict_proba(frame), dtype=float)
        except ModelError:
            raise
        _check_proba(proba, model, None, name, None)
    codes = class_codes(pred, classes)
    bad = codes < 0
    if bad.any():
        col = model.prediction if isinstance(model, PredictionsAdapter) else None
        i = int(np.flatnonzero(bad)[0])
        missing = pd.isna(pred[i])
        raise DataError(
            f"{_where(model, col, name)} has {int(bad.sum())} prediction(s) "
            + ("that are missing" if missing else f"that are not among the classes {classes} (for example {pred[i]!r})")
            + f", first at row {i + 1}. "
            + (
                "Every row needs a prediction: fill or drop those rows."
                if missing
                else "Check that the prediction column holds class labels of this model (the same labels as the "
                "probability columns and the target)."
            )
        )
    return Outputs(pred, codes, proba)


def _check_proba(P: np.ndarray, model: ModelAdapter, col: str | None, name: str, label) -> None:
    where = _where(model, col, name) if col is not None else _where(model, None, name)
    what = "probabilities" if label is None else f"probabilities of class {label!r}"
    nan = ~np.isfinite(P)
    if nan.any():
        i = int(np.flatnonzero(nan.reshape(len(P), -1).any(axis=1))[0])
        raise DataError(
            f"{where} has {int(nan.reshape(len(P), -1).any(axis=1).sum())} row(s) whose {what} are missing or not "
            f"numbers, first at row {i + 1}. Every row needs probabilities: fill or drop those rows."
        )
    out = (P < -_TOL) | (P > 1 + _TOL)
    if out.any():
        rows = out.reshape(len(P), -1).any(axis=1)
        i = int(np.flatnonzero(rows)[0])
        example = P.reshape(len(P), -1)[i][out.reshape(len(P), -1)[i]][0]
        raise DataError(
            f"{where} has {int(rows.sum())} row(s) whose {what} lie outside [0, 1] (for example {example:g} at row "
            f"{i + 1}). Probabilities must be between 0 and 1: check that the column holds probabilities, not "
            "scores or logits."
        )
