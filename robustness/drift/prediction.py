"""Drift of the model's outputs and of the target, through the univariate engine.

``prediction_drift`` turns the model's outputs on both datasets into columns and runs ``drift`` on them:
a regressor's prediction as a numerical column; a classifier's predicted class as a categorical column
and, when probabilities are available, the positive-class probability (binary; the positive class is the
second of the sorted classes, as in scikit-learn) or every class's probability (multiclass) as numerical
columns. Works with the predictions-only adapter too (its columns are read from the data).

``target_drift`` runs the engine on the target column; when either dataset lacks labels the result
holds no drift and says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from robustness.drift.results import FeatureDrift, find_feature
from robustness.jsonsafe import finite_or_none
from robustness.models import ModelAdapter, Task
from robustness.schema import ColumnKind

__all__ = ["PredictionDrift", "TargetDrift", "model_outputs", "prediction_drift", "target_drift"]

PREDICTED_CLASS = "predicted class"
PREDICTION = "prediction"


def proba_column(label) -> str:
    return f"P({label})"


def model_outputs(model: ModelAdapter, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, ColumnKind]]:
    """The model's outputs on ``frame`` as columns, with their kinds (see the module docstring)."""
    out: dict[str, np.ndarray] = {}
    kinds: dict[str, ColumnKind] = {}
    pred = model.predict(frame)
    if model.task is Task.REGRESSION:
        out[PREDICTION] = pd.to_numeric(pd.Series(pred), errors="coerce").to_numpy(dtype=float)
        kinds[PREDICTION] = ColumnKind.NUMERICAL
        return pd.DataFrame(out), kinds
    out[PREDICTED_CLASS] = np.array([None if pd.isna(v) else str(v) for v in pred], dtype=object)
    kinds[PREDICTED_CLASS] = ColumnKind.CATEGORICAL
    if model.has_proba:
        proba = model.predict_proba(frame)
        classes = model.classes or list(range(proba.shape[1]))
        keep = [1] if model.task is Task.BINARY and proba.shape[1] == 2 else range(proba.shape[1])
        for j in keep:
            col = proba_column(classes[j])
            out[col], kinds[col] = proba[:, j].astype(float), ColumnKind.NUMERICAL
    return pd.DataFrame(out), kinds


@dataclass(frozen=True)
class PredictionDrift:
    task: str  # "binary" | "multiclass" | "regression"
    features: tuple[FeatureDrift, ...]  # one per output column
    reference_means: tuple[float | None, ...]  # numerical outputs; None for the predicted class
    current_means: tuple[float | None, ...]
    drifted: bool  # any output column drifted
    message: str
    status: str = "ok"

    def feature(self, name: str) -> FeatureDrift:
        return find_feature(self.features, name)

    def to_dict(self) -> dict:
        return {
            "task": self.task,
            "features": [f.to_dict() for f in self.features],
            "reference_means": [finite_or_none(v) for v in self.reference_means],
            "current_means": [finite_or_none(v) for v in self.current_means],
            "drifted": self.drifted,
            "message": self.message,
            "status": self.status,
        }


def prediction_drift(
    model: ModelAdapter, reference: pd.DataFrame, current: pd.DataFrame, *, config=None
) -> PredictionDrift:
    """Compare the model's outputs on reference vs current with the univariate engine."""
    from robustness.drift import drift

    ref_out, kinds = model_outputs(model, reference)
    cur_out, _ = model_outputs(model, current)
    result = drift(ref_out, cur_out, kinds=kinds, columns=list(kinds), config=config)
    feats = tuple(result.feature(c) for c in kinds)
    ref_means = tuple(
        None if k is not ColumnKind.NUMERICAL else finite_or_none(ref_out[c].mean()) for c, k in kinds.items()
    )
    cur_means = tuple(
        None if k is not ColumnKind.NUMERICAL else finite_or_none(cur_out[c].mean()) for c, k in kinds.items()
    )
    drifted = [f.feature for f in feats if f.drifted]
    parts = []
    for (c, k), r, m in zip(kinds.items(), ref_means, cur_means):
        if k is ColumnKind.NUMERICAL and r is not None and m is not None:
            what = "mean prediction" if c == PREDICTION else f"mean predicted probability {c}"
            parts.append(f"the {what} moved from {r:.3g} to {m:.3g}")
    if drifted:
        msg = f"The model's outputs have drifted ({', '.join(drifted)})"
    else:
        msg = "The model's outputs show no significant drift"
    msg += f": {'; '.join(parts)}." if parts else "."
    return PredictionDrift(model.task.value, feats, ref_means, cur_means, bool(drifted), msg)


@dataclass(frozen=True)
class TargetDrift:
    target: str
    drift: FeatureDrift | None  # None when the target cannot be compared (see message)
    message: str
    classes: tuple[str, ...] = ()  # categorical/boolean targets: class shares
    reference_shares: tuple[float, ...] = ()
    current_shares: tuple[float, ...] = ()
    reference_mean: float | None = None  # numerical targets
    current_mean: float | None = None

    @property
    def drifted(self) -> bool:
        return self.drift is not None and self.drift.drifted

    def to_dict(self) -> dict:
        return {
            "target": self.target,
            "drift": None if self.drift is None else self.drift.to_dict(),
            "message": self.message,
            "classes": list(self.classes),
            "reference_shares": [finite_or_none(v) for v in self.reference_shares],
            "current_shares": [finite_or_none(v) for v in self.current_shares],
            "reference_mean": finite_or_none(self.reference_mean),
            "current_mean": finite_or_none(self.current_mean),
        }


def target_drift(
    reference: pd.DataFrame, current: pd.DataFrame, *, target: str, kind: ColumnKind | str | None = None, config=None
) -> TargetDrift:
    """Drift of the label distribution; ``drift`` is None (with the reason) when labels are missing."""
    from robustness.drift import drift

    for frame, name in ((reference, "reference"), (current, "current")):
        if target not in frame.columns:
            return TargetDrift(
                target,
                None,
                f"The {name} data has no column '{target}', so target drift "
                "cannot be measured. Load labelled data to compare the labels.",
            )
        if frame[target].notna().sum() == 0:
            return TargetDrift(
                target, None, f"Column '{target}' has no values in the {name} data, so target drift cannot be measured."
            )
    if kind is None:
        from robustness.io.infer import infer_kind

        kind = infer_kind(reference[target])
    kind = ColumnKind(kind)
    f = drift(reference[[target]], current[[target]], kinds={target: kind}, columns=[target], config=config).feature(
        target
    )
    verdict = "has drifted" if f.drifted else "shows no significant drift"
    if kind is ColumnKind.NUMERICAL:
        r, c = (finite_or_none(pd.to_numeric(x[target], errors="coerce").mean()) for x in (reference, current))
        msg = f"The target '{target}' {verdict}" + (
            f": its mean moved from {r:.3g} to {c:.3g}." if r is not None and c is not None else "."
        )
        return TargetDrift(target, f, msg, reference_mean=r, current_mean=c)
    shares = [x[target].dropna().astype(str).value_counts(normalize=True) for x in (reference, current)]
    classes = sorted(set(shares[0].index) | set(shares[1].index), key=lambda v: -shares[0].get(v, 0.0))[:20]
    ref_s = tuple(float(shares[0].get(c, 0.0)) for c in classes)
    cur_s = tuple(float(shares[1].get(c, 0.0)) for c in classes)
    rare = min(range(len(classes)), key=lambda i: ref_s[i]) if classes else None
    msg = f"The target '{target}' {verdict}"
    if rare is not None:
        msg += f": the share of class {classes[rare]} moved from {ref_s[rare]:.0%} to {cur_s[rare]:.0%}."
    else:
        msg += "."
    return TargetDrift(target, f, msg, classes=tuple(classes), reference_shares=ref_s, current_shares=cur_s)
