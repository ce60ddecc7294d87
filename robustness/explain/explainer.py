"""One explainer per (model, background sample), choosing and caching the right SHAP explainer.

- **Tree** (``shap.TreeExplainer``, path-dependent): tree ensembles shap supports (scikit-learn
  forests, gradient boosting, LightGBM, XGBoost, ...), also as the last step of a Pipeline:
  the steps before it transform the rows and the trees are explained on the transformed
  columns. Whether shap supports a model is shap's call: we ask it.
- **Linear** (``shap.LinearExplainer``, interventional, over the background): models with
  ``coef_`` and ``intercept_`` that shap's linear explainer accepts, Pipelines too.
- **Permutation** (``shap.PermutationExplainer``): everything else (ONNX, other estimators,
  Pipelines whose steps produce non-numeric columns). It works on the raw columns directly:
  shap's masker substitutes background values column by column; text categories are handed to
  it as integer codes and decoded before the model sees them.

Attributions on transformed columns are summed back onto the raw columns
(:mod:`robustness.explain._mapping`), so users see ``occupation``, not ``occupation_7``; a sum
of attributions is exact, so additivity carries over.

Scales: Tree SHAP explains what the trees add up: probabilities for scikit-learn forests and
decision trees, log-odds (binary) or raw per-class scores (multiclass) for boosting; Linear SHAP
the linear function (log-odds for logistic regression); Permutation SHAP the model's
probabilities (classifiers) or predictions (regressors). Binary classifiers are explained for
their second class (the "positive" one) only. The model's output on that scale is computed
apart from SHAP (``predict_proba``, ``decision_function``, LightGBM ``raw_score``, XGBoost
``output_margin``, ``predict``) and compared with base value + sum of attributions.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

from robustness.errors import ConfigError, DataError, ModelError, RobustnessError
from robustness.explain._mapping import dense, raw_groups
from robustness.explain.config import ExplainConfig
from robustness.explain.results import ExplainerInfo, Explanation
from robustness.models import ModelAdapter

__all__ = ["Explainer", "explain", "sample_rows"]


def sample_rows(data: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` rows drawn uniformly without replacement (all rows, in order, when there are fewer)."""
    if len(data) <= n:
        return data
    idx = np.sort(np.random.default_rng(seed).choice(len(data), size=n, replace=False))
    return data.iloc[idx]


def _split(estimator):
    """(preprocessing or None, final estimator) of a Pipeline; (None, estimator) otherwise."""
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline) and len(estimator.steps) > 1:
        return estimator[:-1], estimator.steps[-1][1]
    if isinstance(estimator, Pipeline):
        return None, estimator.steps[-1][1]
    return None, estimator


def _forest_like(est) -> bool:
    """Trees whose leaves hold class shares: Tree SHAP explains probabilities."""
    from sklearn.ensemble._forest import BaseForest
    from sklearn.tree import BaseDecisionTree

    return isinstance(est, (BaseForest, BaseDecisionTree))


class Explainer:
    """The SHAP explainer for one model and one background sample, chosen once and reused.

    ``background``: reference rows (raw columns); a seeded sample of ``config.background`` rows
    is kept. ``explain(data)`` explains a seeded sample of ``data`` (``config.rows``, or
    ``config.permutation_rows`` for the Permutation explainer).
    """

    def __init__(self, model: ModelAdapter, background: pd.DataFrame, *, config: ExplainConfig | None = None):
        self.model = model
        self.config = config or ExplainConfig()
        if not getattr(model, "has_model", True):
            raise ModelError(
                "There is no model to explain: the predictions come from a column of the data. "
                "Upload the model file (skops, ONNX or, if you trust it, pickle) to see explanations."
            )
        if not isinstance(background, pd.DataFrame) or background.empty:
            raise DataError("Explanations need reference rows to compare against; the reference data is empty.")
        self.features = list(model.feature_names or background.columns)
        missing = [c for c in self.features if c not in background.columns]
        if missing:
            raise DataError(
                f"The reference data lacks the model's input column(s) {', '.join(map(repr, missing[:10]))}."
            )
        self.background = sample_rows(background, self.config.background, self.config.seed)[self.features]
        self.classifier = model.is_classifier
        self.classes = [str(c) for c in (model.classes or [])]
        self._notes: list[str] = []
        self._groups: tuple[list[str], np.ndarray | None] | None = None
        self.pre: Any = None  # the Pipeline's preprocessing (scikit-learn, untyped), None when there is none
        self.final: Any = None  # the final estimator, None for a model SHAP sees as a black box
        self._choose()
        if self.method != "permutation" and self.pre is not None:  # the raw-column mapping, once, up front:
            self._mapping(self._n_inputs)  # explain() then only reads shared state (pages call it from threads)

    # -- choice ----------------------------------------------------------------------------------

    def _choose(self) -> None:
        wanted = self.config.method
        estimator = getattr(self.model, "estimator", None)
        self.pre, self.final = _split(estimator) if estimator is not None else (None, None)
        tried: list[str] = []
        if self.final is not None and wanted in ("auto", "tree"):
            why = self._try_tree()
            if why is None:
                return
            tried.append(why)
        if self.final is not None and wanted in ("auto", "linear") and hasattr(self.final, "coef_"):
            why = self._try_linear()
            if why is None:
                return
            tried.append(why)
        elif wanted == "linear" and self.final is not None:
            tried.append(f"{self._what()} is not a linear model (it has no coefficients)")
        if self.final is None and wanted in ("tree", "linear"):
            tried.append(f"{self._what()} is a black box to SHAP (it exposes no trees or coefficients)")
        if wanted in ("tree", "linear"):
            raise ConfigError(
                f"The {wanted} explainer cannot explain this model: {'; '.join(tried)}. "
                "Use method 'auto' or 'permutation'."
            )
        self._use_permutation(tried)

    def _what(self) -> str:
        if self.final is None:
            return f"the {self.model.summary().source.upper()} model"
        name = type(self.final).__name__
        return f"the last step ({name}) of the Pipeline" if self.pre is not None else f"the {name}"

    def _transformed(self, X: pd.DataFrame) -> np.ndarray:
        cols = X[self.features]
        Xm: pd.DataFrame | np.ndarray = cols.to_numpy() if getattr(self.model, "_as_array", False) else cols
        out = dense(self.pre.transform(Xm)) if self.pre is not None else dense(Xm)
        if out.dtype.kind not in "f":
            raise DataError("the preprocessing does not produce numbers only")
        return out

    def _try_tree(self) -> str | None:
        import shap

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._shap = shap.TreeExplainer(self.final)
            n_in = getattr(self.final, "n_features_in_", None)  # Tree SHAP needs no background: skip its transform
            self._n_inputs = int(n_in) if n_in is not None else self._transformed(self.background.head(1)).shape[1]
        except Exception as exc:  # noqa: BLE001 - shap decides which models it supports
            return f"Tree SHAP does not support {self._what()} ({_short(exc)})"
        self.method = "tree"
        if self.classifier and _forest_like(self.final):
            self.scale = "probability"
        elif self.classifier:
            self.scale = "log-odds" if len(self.classes) <= 2 else "raw score"
        else:
            self.scale = "prediction"
        self.algorithm = "shap.TreeExplainer (exact, path-dependent: averages over the trees' training coverage)"
        self.reason = f"{self._what()} is a tree ensemble, which Tree SHAP explains exactly and fast."
        self.background_used = 0
        return None

    def _try_linear(self) -> str | None:
        import shap

        try:
            Xb = self._transformed(self.background)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._shap = shap.LinearExplainer(self.final, shap.maskers.Independent(Xb, max_samples=len(Xb)))
        except Exception as exc:  # noqa: BLE001
            return f"Linear SHAP does not support {self._what()} ({_short(exc)})"
        if self.classifier and not callable(getattr(self.final, "decision_function", None)):
            return f"{self._what()} has no decision_function to check Linear SHAP against"
        self.method = "linear"
        self._n_inputs = Xb.shape[1]
        self.scale = ("log-odds" if len(self.classes) <= 2 else "raw score") if self.classifier else "prediction"
        self.algorithm = f"shap.LinearExplainer (interventional, over {len(Xb)} background rows)"
        self.reason = f"{self._what()} is linear, so its exact SHAP values follow from the coefficients."
        self.background_used = len(Xb)
        return None

    def _use_permutation(self, tried: list[str]) -> None:
        if self.classifier and not self.model.has_proba:
            raise ModelError(
                "This classifier gives no class probabilities (no predict_proba), which the "
                "permutation explainer needs. Re-train with a classifier that has predict_proba, "
                "or use a tree or linear model."
            )
        self.method = "permutation"
        self.scale = "probability" if self.classifier else "prediction"
        self.background_used = len(self.background)
        self.algorithm = (
            f"shap.PermutationExplainer ({self.config.permutations} permutation(s) per row, "
            f"{len(self.background)} background rows)"
        )
        if self.config.method == "permutation":
            self.reason = (
                f"Permutation SHAP was asked for: {self._what()} is explained as a black box, by "
                "permuting its raw input columns (model-agnostic)."
            )
        elif self.final is None:
            self.reason = (
                f"{self._what()} is explained as a black box: attributions come from permuting its "
                "raw input columns (model-agnostic)."
            )
        else:
            self.reason = (
                f"{self._what()} is neither a tree ensemble nor a linear model that SHAP explains "
                "directly, so attributions come from permuting its raw input columns (model-agnostic)."
            )
        self._notes.extend(f"{t}." for t in tried)

    # -- outputs ---------------------------------------------------------------------------------

    @property
    def outputs(self) -> tuple[str, ...]:
        if not self.classifier:
            return ("prediction",)
        if len(self.classes) <= 2:
            return (self.classes[-1] if self.classes else "positive",)
        return tuple(self.classes)

    @property
    def info(self) -> ExplainerInfo:
        explained = (
            f"{self._what()}, on the {self._n_inputs} columns its preprocessing produces; attributions "
            f"summed back onto the {len(self.features)} input columns"
            if self.method != "permutation" and self.pre is not None
            else f"{self._what()}, on its {len(self.features)} input columns"
        )
        return ExplainerInfo(
            method=self.method,
            algorithm=self.algorithm,
            explained=explained,
            scale=self.scale,
            outputs=self.outputs,
            background_rows=self.background_used,
            permutations=self.config.permutations if self.method == "permutation" else 0,
            reason=self.reason,
            notes=tuple(self._notes),
        )

    def _margin(self, Xt: np.ndarray) -> np.ndarray:
        """The final estimator's output on the explained scale, as (rows, outputs)."""
        est = self.final
        if not self.classifier:
            out = est.predict(Xt)
        elif self.scale == "probability":
            out = est.predict_proba(Xt)
        elif _is(est, "lightgbm"):
            out = est.predict(Xt, raw_score=True)
        elif _is(est, "xgboost"):
            out = est.predict(Xt, output_margin=True)
        else:
            out = est.decision_function(Xt)
        return self._by_output(np.asarray(out, dtype=float))

    def _by_output(self, arr: np.ndarray) -> np.ndarray:
        """Model outputs or SHAP's last axis reduced to the explained outputs (binary: the positive class)."""
        if arr.ndim == 1:
            return arr.reshape(-1, 1)
        if self.classifier and len(self.classes) <= 2 and arr.shape[-1] == 2:
            return arr[..., 1:]
        return arr

    # -- explaining ------------------------------------------------------------------------------

    def explain(self, data: pd.DataFrame, *, sample: bool = True) -> Explanation:
        """Explain (a seeded sample of) ``data``'s rows."""
        start = time.perf_counter()
        if not isinstance(data, pd.DataFrame):
            raise DataError("Explanations need a table of rows (a pandas DataFrame).")
        missing = [c for c in self.features if c not in data.columns]
        if missing:
            raise DataError(
                f"The data lacks the model's input column(s) {', '.join(map(repr, missing[:10]))}; "
                "explanations need every input column."
            )
        cap = self.config.permutation_rows if self.method == "permutation" else self.config.rows
        rows = sample_rows(data, cap, self.config.seed) if sample else data
        X = rows[self.features]
        predictions = None
        if self.method == "permutation":
            values, base, output = self._permutation(X)
            features = list(self.features)
        else:
            values, base, output, features, predictions = self._shap_transformed(X)
        if predictions is None:
            try:
                predictions = np.asarray(self.model.predict(X)) if len(X) else np.empty(0, dtype=object)
            except RobustnessError:
                raise
            except Exception as exc:  # noqa: BLE001 - adapters wrap model errors; anything else is a model failure
                raise ModelError(f"The model could not score the rows being explained: {_short(exc)}") from exc
        notes = list(self._notes)
        if len(data) > len(rows):
            notes.append(
                f"Explained a seeded uniform sample of {len(rows):,} of the {len(data):,} rows "
                f"(seed {self.config.seed}); raise the row budget to explain more."
            )
        return Explanation(
            info=self.info,
            features=tuple(features),
            outputs=self.outputs,
            values=values,
            base_values=base,
            model_output=output,
            data=rows[self.features].copy(),
            predictions=predictions,
            n_available=len(data),
            seed=self.config.seed,
            seconds=time.perf_counter() - start,
            notes=tuple(notes),
        )

    def _shap_transformed(self, X: pd.DataFrame):
        if len(X) == 0:  # before the preprocessing, which may refuse zero rows
            groups, _ = self._mapping(self._n_inputs)
            k = len(self.outputs)
            return np.zeros((0, len(groups), k)), self._base(), np.zeros((0, k)), list(groups), None
        try:
            Xt = self._transformed(X)
        except RobustnessError:
            raise
        except Exception as exc:  # noqa: BLE001 - the model's own preprocessing
            raise ModelError(f"The model's preprocessing failed on the rows being explained: {_short(exc)}") from exc
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.method == "tree":
                raw = self._shap.shap_values(Xt, check_additivity=False)
            else:
                raw = self._shap.shap_values(Xt)
        values = _three_d(raw, len(X), Xt.shape[1])
        values = self._by_output(values)
        base = self._base()
        output = self._margin(Xt)
        groups, M = self._mapping(Xt.shape[1])
        raw_values = np.einsum("rjk,jf->rfk", values, M) if M is not None else values
        try:  # the final step on the rows already transformed: no second pass through the preprocessing
            predictions = np.asarray(self.final.predict(Xt))
        except Exception:  # noqa: BLE001 - fall back to the adapter (explain() does)
            predictions = None
        return raw_values, base, output, groups, predictions

    def _base(self) -> np.ndarray:
        return self._by_output(np.atleast_1d(np.asarray(self._shap.expected_value, dtype=float)).reshape(1, -1))[0]

    def _mapping(self, n_out: int) -> tuple[list[str], np.ndarray | None]:
        if self._groups is None:
            if self.pre is None:
                self._groups = (list(self.features), None)
            else:
                groups, M, notes = raw_groups(self.pre, self.background, n_out)
                self._notes.extend(notes)
                self._groups = (groups, M)
        return self._groups

    def _permutation(self, X: pd.DataFrame):
        import shap

        k = len(self.outputs)
        if len(X) == 0:
            return np.zeros((0, len(self.features), k)), np.zeros(k), np.zeros((0, k))
        codes = {c: _Codes(self.background[c]) for c in self.features}  # per call: explain() may run in threads
        dtypes = {c: X[c].dtype for c in self.features}

        def f(arr: np.ndarray) -> np.ndarray:
            frame = pd.DataFrame({c: codes[c].decode(arr[:, j], dtypes[c]) for j, c in enumerate(self.features)})
            if self.classifier:
                return self._by_output(np.asarray(self.model.predict_proba(frame), dtype=float))
            return np.asarray(self.model.predict(frame), dtype=float).reshape(-1, 1)

        encoded_bg = np.column_stack([codes[c].encode(self.background[c]) for c in self.features])
        encoded = np.column_stack([codes[c].encode(X[c]) for c in self.features])
        masker = shap.maskers.Independent(encoded_bg, max_samples=len(encoded_bg))
        explainer = shap.PermutationExplainer(f, masker, seed=self.config.seed)
        n = len(self.features)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sv = explainer(encoded, max_evals=self.config.permutations * (2 * n + 1), silent=True)
        values = _three_d(sv.values, len(X), n)
        base = np.asarray(sv.base_values, dtype=float).reshape(len(X), -1)[0]
        output = f(encoded)
        return values, base, output


class _Codes:
    """Text categories <-> float codes, so shap's masker (which compares numbers) can swap them."""

    def __init__(self, reference: pd.Series):
        dtype = reference.dtype
        self.numeric = dtype.kind in "iuf" if isinstance(dtype, np.dtype) else pd.api.types.is_numeric_dtype(dtype)
        self.numeric = self.numeric and not pd.api.types.is_bool_dtype(dtype)
        self.values: list = []
        self.index: dict = {}

    def encode(self, series: pd.Series) -> np.ndarray:
        if self.numeric and pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series):
            return series.to_numpy(dtype=np.float64, na_value=np.nan)
        self.numeric = False
        out = np.empty(len(series), dtype=np.float64)
        for i, v in enumerate(series.to_numpy(dtype=object)):
            if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
                out[i] = np.nan
                continue
            code = self.index.get(v)
            if code is None:
                code = self.index[v] = len(self.values)
                self.values.append(v)
            out[i] = code
        return out

    def decode(self, codes: np.ndarray, dtype) -> np.ndarray | pd.Series:
        codes = np.asarray(codes, dtype=np.float64)
        if self.numeric:
            if isinstance(dtype, np.dtype) and dtype.kind in "iu" and np.isfinite(codes).all():
                return codes.astype(dtype)
            return codes
        lookup = np.array(self.values + [np.nan], dtype=object)
        idx = np.where(np.isnan(codes), len(self.values), codes).astype(np.int64)
        return lookup[idx]


def _three_d(raw, n_rows: int, n_features: int) -> np.ndarray:
    """SHAP values as (rows, features, outputs), whatever shap returned (array, list per class)."""
    if isinstance(raw, list):
        arr = np.stack([np.asarray(a, dtype=float) for a in raw], axis=-1)
    else:
        arr = np.asarray(raw, dtype=float)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.shape[:2] != (n_rows, n_features):
        raise ModelError(
            f"SHAP returned attributions of shape {arr.shape} for {n_rows} rows x {n_features} "
            "columns; the model's output could not be explained."
        )
    return arr


def _is(est, package: str) -> bool:
    return type(est).__module__.split(".")[0] == package


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:300] or type(exc).__name__
    return text.rstrip(".")


def explain(
    model: ModelAdapter,
    data: pd.DataFrame,
    *,
    background: pd.DataFrame | None = None,
    config: ExplainConfig | None = None,
) -> Explanation:
    """Explain ``data`` with the explainer chosen for ``model`` (background: ``background`` or ``data``)."""
    return Explainer(model, data if background is None else background, config=config).explain(data)
