"""Explanation results: data, not figures (the plots in robustness.plots.explain read these)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from robustness.jsonsafe import to_json_safe

#: Additivity tolerance: |base value + sum of attributions - model output| above this is reported.
ADDITIVITY_TOLERANCE = 1e-6


@dataclass(frozen=True)
class ExplainerInfo:
    """Which SHAP explainer runs, on what, and with which budget (shown to users)."""

    method: str  # "tree" | "linear" | "permutation"
    algorithm: str  # e.g. "shap.TreeExplainer (path-dependent)"
    explained: str  # what is explained, e.g. "the last step (GradientBoostingClassifier) of the Pipeline ..."
    scale: str  # "log-odds" | "probability" | "raw score" | "prediction"
    outputs: tuple[str, ...]  # class labels explained, or ("prediction",)
    background_rows: int  # 0 when the explainer needs none
    permutations: int  # 0 unless method == "permutation"
    reason: str  # one sentence: why this explainer
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "algorithm": self.algorithm,
            "explained": self.explained,
            "scale": self.scale,
            "outputs": list(self.outputs),
            "background_rows": self.background_rows,
            "permutations": self.permutations,
            "reason": self.reason,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Importance:
    feature: str
    mean_abs_shap: float
    per_output: tuple[float, ...]  # mean |SHAP| per output (class), same order as Explanation.outputs

    def to_dict(self) -> dict:
        return {
            "feature": self.feature,
            "mean_abs_shap": to_json_safe(self.mean_abs_shap),
            "per_output": [to_json_safe(v) for v in self.per_output],
        }


@dataclass(frozen=True, eq=False)
class Explanation:
    """SHAP attributions on the raw input columns for some rows.

    ``values[i, j, k]``: the contribution of feature ``features[j]`` to output ``outputs[k]`` for
    row ``i``, on ``info.scale``. ``base_values[k] + values[i, :, k].sum() == model_output[i, k]``
    up to ``additivity_max_error``. ``data`` holds the rows' raw values (index: the original row
    labels), ``predictions`` the model's prediction for each (class label or value).
    """

    info: ExplainerInfo
    features: tuple[str, ...]
    outputs: tuple[str, ...]
    values: np.ndarray  # (rows, features, outputs)
    base_values: np.ndarray  # (outputs,)
    model_output: np.ndarray  # (rows, outputs): the model's output on info.scale, computed apart from SHAP
    data: pd.DataFrame
    predictions: np.ndarray
    n_available: int  # rows the data had before sampling
    seed: int
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_rows(self) -> int:
        return int(self.values.shape[0])

    @property
    def additivity_errors(self) -> np.ndarray:
        """Per row: max over outputs of |base + sum of attributions - model output|."""
        if self.n_rows == 0:
            return np.zeros(0)
        total = self.base_values[None, :] + self.values.sum(axis=1)
        return np.abs(total - self.model_output).max(axis=1)

    @property
    def additivity_max_error(self) -> float:
        errors = self.additivity_errors
        return float(errors.max()) if errors.size else 0.0

    @property
    def additive(self) -> bool:
        scale = max(1.0, float(np.nanmax(np.abs(self.model_output)))) if self.n_rows else 1.0
        return bool(self.additivity_max_error <= ADDITIVITY_TOLERANCE * scale)

    def output_index(self, output: str | int | None) -> int:
        if output is None:
            return 0 if len(self.outputs) == 1 else -1
        if isinstance(output, int) and not isinstance(output, bool):
            return output
        try:
            return self.outputs.index(str(output))
        except ValueError:
            raise KeyError(f"No output {output!r}; outputs: {', '.join(self.outputs)}.") from None

    def importance(self) -> list[Importance]:
        """Mean |SHAP| per feature, largest first. With several outputs (multiclass) the overall
        value is the mean over classes of each class's mean |SHAP|; ``per_output`` keeps each."""
        if self.n_rows == 0:
            return [Importance(f, 0.0, tuple(0.0 for _ in self.outputs)) for f in self.features]
        per = np.abs(self.values).mean(axis=0)  # (features, outputs)
        overall = per.mean(axis=1)
        order = np.argsort(-overall, kind="stable")
        return [Importance(self.features[j], float(overall[j]), tuple(float(v) for v in per[j])) for j in order]

    def frame(self, output: str | int | None = None) -> pd.DataFrame:
        """The attributions of one output as a table (rows x features), indexed like ``data``.
        For multiclass without ``output``: the class each row is predicted as."""
        k = self.output_index(output)
        if k >= 0:
            values = self.values[:, :, k]
        else:
            picks = np.array([self.outputs.index(str(p)) if str(p) in self.outputs else 0 for p in self.predictions])
            values = self.values[np.arange(self.n_rows), :, picks] if self.n_rows else self.values[:, :, 0]
        return pd.DataFrame(values, index=self.data.index, columns=list(self.features))

    def row(self, label) -> RowExplanation:
        """One row's attributions (by its label in ``data.index``)."""
        positions = np.flatnonzero(self.data.index == label)
        if not positions.size:
            raise KeyError(f"Row {label!r} is not among the {self.n_rows} explained rows.")
        i = int(positions[0])
        return RowExplanation(
            label=to_json_safe(label),
            features=self.features,
            outputs=self.outputs,
            values=self.values[i],
            base_values=self.base_values,
            model_output=self.model_output[i],
            data=self.data.iloc[i],
            prediction=to_json_safe(self.predictions[i]),
            scale=self.info.scale,
        )

    def to_dict(self, *, top: int | None = None) -> dict:
        imp = self.importance()
        base = [to_json_safe(float(v)) for v in self.base_values]
        return {
            "explainer": self.info.method,
            "explainer_info": self.info.to_dict(),
            "n_rows": self.n_rows,
            "n_available": self.n_available,
            "seed": self.seed,
            "outputs": list(self.outputs),
            "base_value": base[0] if len(base) == 1 else base,
            "additivity_max_error": to_json_safe(self.additivity_max_error),
            "additive": self.additive,
            "global_importance": [i.to_dict() for i in (imp[:top] if top else imp)],
            "notes": list(self.notes),
        }


@dataclass(frozen=True, eq=False)
class RowExplanation:
    label: object
    features: tuple[str, ...]
    outputs: tuple[str, ...]
    values: np.ndarray  # (features, outputs)
    base_values: np.ndarray
    model_output: np.ndarray  # (outputs,)
    data: pd.Series
    prediction: object
    scale: str

    def contributions(self, output: int = 0) -> list[tuple[str, object, float]]:
        """(feature, value, contribution) sorted by |contribution|, largest first."""
        order = np.argsort(-np.abs(self.values[:, output]), kind="stable")
        return [
            (self.features[j], to_json_safe(self.data.get(self.features[j], math.nan)), float(self.values[j, output]))
            for j in order
        ]
