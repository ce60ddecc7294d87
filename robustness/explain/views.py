"""What the explanation views need beyond SHAP: permutation importance, partial dependence / ICE,
the strongest interaction of a feature, and explanation shift between reference and current.

- :func:`permutation_importance` wraps :func:`sklearn.inspection.permutation_importance`. With
  labels it measures the drop in accuracy (classifiers) or R² (regressors); without, the drop in
  agreement with the model's own unpermuted predictions (how much the model *uses* a column).
- :func:`partial_dependence` wraps :func:`sklearn.inspection.partial_dependence` (brute force,
  average and individual curves) around the model adapter, so ONNX models work too.
  Classifiers: the probability of each explained class; regressors: the prediction.
- :func:`strongest_interaction` asks ``shap.utils.approximate_interactions`` which other
  column best explains the spread of a feature's SHAP values (to colour a dependence plot).
- :func:`explanation_shift` compares the SHAP value distributions of reference and current rows
  with the drift engine (:func:`robustness.drift.engine.drift`: its default tests, BH-corrected),
  one column per (feature, class).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from robustness.errors import ConfigError, DataError, ModelError, RobustnessError
from robustness.explain.explainer import sample_rows
from robustness.explain.results import Explanation
from robustness.jsonsafe import to_json_safe
from robustness.models import ModelAdapter

__all__ = [
    "FeatureShift",
    "ExplanationShift",
    "PartialDependence",
    "PermutationImportance",
    "explanation_shift",
    "partial_dependence",
    "permutation_importance",
    "strongest_interaction",
]


# -- the adapter as a scikit-learn estimator ----------------------------------------------------------


def _as_estimator(model: ModelAdapter, features: Sequence[str]):
    """A fitted scikit-learn estimator that delegates to the adapter (for sklearn.inspection)."""
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

    base = ClassifierMixin if model.is_classifier else RegressorMixin

    class _Delegate(base, BaseEstimator):  # type: ignore[valid-type,misc]  # why: mixin chosen at run time
        def fit(self, X, y=None):  # pragma: no cover - never fitted here
            raise NotImplementedError

        def __sklearn_is_fitted__(self):
            return True

        def _frame(self, X):
            return X if isinstance(X, pd.DataFrame) else pd.DataFrame(X, columns=list(features))

        def predict(self, X):
            return np.asarray(model.predict(self._frame(X)))

        def predict_proba(self, X):
            return np.asarray(model.predict_proba(self._frame(X)), dtype=float)

    est = _Delegate()
    if model.is_classifier:
        est.classes_ = np.asarray(model.classes if model.classes is not None else [])
    return est


# -- permutation importance -------------------------------------------------------------------------


@dataclass(frozen=True)
class PermutationImportance:
    features: tuple[str, ...]  # largest mean drop first
    mean: tuple[float, ...]
    std: tuple[float, ...]
    scoring: str  # what dropped, in words
    labelled: bool
    n_rows: int
    n_repeats: int

    def to_dict(self) -> dict:
        return {
            "scoring": self.scoring,
            "labelled": self.labelled,
            "n_rows": self.n_rows,
            "n_repeats": self.n_repeats,
            "importance": [
                {"feature": f, "mean": to_json_safe(m), "std": to_json_safe(s)}
                for f, m, s in zip(self.features, self.mean, self.std)
            ],
        }


def permutation_importance(
    model: ModelAdapter,
    data: pd.DataFrame,
    *,
    target: str | None = None,
    n_repeats: int = 5,
    max_rows: int = 1000,
    seed: int = 0,
) -> PermutationImportance:
    """How much shuffling each input column lowers the score (scikit-learn's permutation importance)."""
    from sklearn.inspection import permutation_importance as sk_permutation_importance
    from sklearn.metrics import accuracy_score, r2_score

    if n_repeats < 1 or max_rows < 2:
        raise ConfigError("Permutation importance needs at least 1 repeat and 2 rows.")
    features = list(model.feature_names or [c for c in data.columns if c != target])
    missing = [c for c in features if c not in data.columns]
    if missing:
        raise DataError(f"The data lacks the model's input column(s) {', '.join(map(repr, missing[:10]))}.")
    rows = data if target is None or target not in data.columns else data[data[target].notna()]
    rows = sample_rows(rows, max_rows, seed)
    if len(rows) < 2:
        raise DataError("Permutation importance needs at least 2 rows (with a label, when labels are used).")
    X = rows[features].reset_index(drop=True)
    labelled = target is not None and target in rows.columns
    try:
        own = np.asarray(model.predict(X))
    except RobustnessError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ModelError(f"The model could not score the rows for permutation importance: {exc}") from exc
    y = rows[target].to_numpy() if labelled else own
    if model.is_classifier:
        scoring = "accuracy" if labelled else "agreement with the model's own predictions"

        def score(est, Xs, ys):
            return accuracy_score(_label_text(ys), _label_text(est.predict(Xs)))
    else:
        scoring = "R²" if labelled else "R² against the model's own predictions"

        def score(est, Xs, ys):
            return r2_score(np.asarray(ys, dtype=float), np.asarray(est.predict(Xs), dtype=float))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sk_permutation_importance(
            _as_estimator(model, features), X, y, scoring=score, n_repeats=n_repeats, random_state=seed
        )
    order = np.argsort(-res.importances_mean, kind="stable")
    return PermutationImportance(
        tuple(features[j] for j in order),
        tuple(float(res.importances_mean[j]) for j in order),
        tuple(float(res.importances_std[j]) for j in order),
        scoring,
        labelled,
        len(X),
        n_repeats,
    )


def _label_text(values) -> np.ndarray:
    """Class labels as text, whole floats without ".0": a label read as 1.0 from a CSV with gaps
    and a model's prediction 1 are the same class to a user."""
    out = []
    for v in np.asarray(values, dtype=object):
        if isinstance(v, (float, np.floating)) and math.isfinite(v) and float(v).is_integer():
            v = int(v)
        out.append(str(v))
    return np.asarray(out, dtype=object)


# -- partial dependence and ICE ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PartialDependence:
    feature: str
    categorical: bool
    grid: tuple  # the feature values the curves are evaluated at
    outputs: tuple[str, ...]  # class labels (probabilities) or ("prediction",)
    average: np.ndarray  # (outputs, grid): partial dependence
    individual: np.ndarray  # (outputs, ice_rows, grid): ICE curves
    n_rows: int  # rows averaged
    scale: str  # "probability" | "prediction"

    def to_dict(self) -> dict:
        return {
            "feature": self.feature,
            "categorical": self.categorical,
            "grid": [to_json_safe(g) for g in self.grid],
            "outputs": list(self.outputs),
            "average": to_json_safe(self.average.tolist()),
            "n_rows": self.n_rows,
            "scale": self.scale,
        }


def partial_dependence(
    model: ModelAdapter,
    data: pd.DataFrame,
    feature: str,
    *,
    categorical: bool | None = None,
    grid_resolution: int = 20,
    max_rows: int = 500,
    ice_rows: int = 50,
    seed: int = 0,
) -> PartialDependence:
    """Average (PDP) and individual (ICE) response to ``feature`` over a seeded sample of rows."""
    from sklearn.inspection import partial_dependence as sk_partial_dependence

    features = list(model.feature_names or data.columns)
    if feature not in features:
        raise DataError(f"'{feature}' is not one of the model's input columns, so it has no partial dependence.")
    missing = [c for c in features if c not in data.columns]
    if missing:
        raise DataError(f"The data lacks the model's input column(s) {', '.join(map(repr, missing[:10]))}.")
    rows = data[data[feature].notna()]
    rows = sample_rows(rows, max_rows, seed)
    if len(rows) < 2:
        raise DataError(f"'{feature}' has fewer than 2 non-missing values, so it has no partial dependence.")
    X = rows[features].reset_index(drop=True)
    series = X[feature]
    if categorical is None:
        categorical = (
            not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series) or series.nunique() <= 10
        )
    if categorical:
        X[feature] = series.astype(object)
    if model.is_classifier and not model.has_proba:
        raise ModelError("Partial dependence of a classifier needs class probabilities (predict_proba).")
    est = _as_estimator(model, features)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = sk_partial_dependence(
                est,
                X,
                [feature],
                kind="both",
                grid_resolution=grid_resolution,
                categorical_features=[feature] if categorical else None,
                percentiles=(0.05, 0.95),
                response_method="auto" if not model.is_classifier else "predict_proba",
            )
        except RobustnessError:
            raise
        except Exception as exc:  # noqa: BLE001 - the model's own code, on values it may not accept
            raise ModelError(f"The model could not score the partial-dependence grid of '{feature}': {exc}") from exc
    average = np.asarray(res["average"], dtype=float)
    individual = np.asarray(res["individual"], dtype=float)
    classes = [str(c) for c in (model.classes or [])]
    if model.is_classifier:
        outputs = tuple(classes[-1:]) if len(classes) <= 2 else tuple(classes)
    else:
        outputs = ("prediction",)
    keep = np.sort(
        np.random.default_rng(seed).choice(individual.shape[1], size=min(ice_rows, individual.shape[1]), replace=False)
    )
    grid = tuple(to_json_safe(v) for v in res["grid_values"][0])
    return PartialDependence(
        feature,
        bool(categorical),
        grid,
        outputs,
        average,
        individual[:, keep, :],
        len(X),
        "probability" if model.is_classifier else "prediction",
    )


# -- interactions -----------------------------------------------------------------------------------


def _codes(series: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    codes, _ = pd.factorize(series.astype(object), sort=True)
    return np.where(codes < 0, np.nan, codes).astype(np.float64)


def strongest_interaction(expl: Explanation, feature: str, *, output: int | str | None = None) -> str | None:
    """The column whose values best explain the spread of ``feature``'s SHAP values (None: no other)."""
    import shap

    if feature not in expl.features:
        raise KeyError(f"'{feature}' is not an explained feature.")
    plain = [f for f in expl.features if f in expl.data.columns]
    if feature not in plain or len(plain) < 2 or expl.n_rows < 3:
        return None
    values = expl.frame(output)[plain].to_numpy()
    X = np.column_stack([_codes(expl.data[c]) for c in plain])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        order = shap.utils.approximate_interactions(plain.index(feature), values, X)
    others = [plain[i] for i in order if plain[i] != feature]
    return others[0] if others else None


# -- explanation shift ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureShift:
    feature: str
    mean_abs_reference: float
    mean_abs_current: float
    output: str  # the class whose contributions changed most (or "prediction")
    test: str
    statistic: float | None
    p_value: float | None
    effect_size: float | None
    shifted: bool

    @property
    def change(self) -> float:
        return self.mean_abs_current - self.mean_abs_reference

    def to_dict(self) -> dict:
        return {
            "feature": self.feature,
            "mean_abs_shap_reference": to_json_safe(self.mean_abs_reference),
            "mean_abs_shap_current": to_json_safe(self.mean_abs_current),
            "change": to_json_safe(self.change),
            "output": self.output,
            "test": self.test,
            "statistic": to_json_safe(self.statistic),
            "p_value": to_json_safe(self.p_value),
            "effect_size": to_json_safe(self.effect_size),
            "shifted": self.shifted,
        }


@dataclass(frozen=True)
class ExplanationShift:
    features: tuple[FeatureShift, ...]  # shifted first, then by |change in mean |SHAP||
    n_reference: int
    n_current: int
    scale: str

    @property
    def shifted(self) -> list[str]:
        return [f.feature for f in self.features if f.shifted]

    def to_dict(self) -> dict:
        return {
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "scale": self.scale,
            "shifted": self.shifted,
            "features": [f.to_dict() for f in self.features],
        }


def explanation_shift(reference: Explanation, current: Explanation, *, config=None) -> ExplanationShift:
    """Which features' contribution distributions differ between reference and current rows.

    Both explanations must come from the same explainer (same features, outputs and scale).
    Each (feature, class) SHAP column is compared with the drift engine's default test for its
    size (KS up to 5,000 values a side, else Wasserstein with a significance guard), with
    Benjamini-Hochberg over all of them; a feature shifts when any of its classes does.
    """
    from robustness.drift.engine import drift

    if (
        reference.features != current.features
        or reference.outputs != current.outputs
        or reference.info.scale != current.info.scale
    ):
        raise ConfigError(
            "Explanation shift compares two explanations of the same model by the same explainer; "
            "these differ in features, classes or scale."
        )
    feats, outs = list(reference.features), list(reference.outputs)
    name = lambda f, k: f if len(outs) == 1 else f"{f} [{outs[k]}]"  # noqa: E731
    cols = [name(f, k) for f in feats for k in range(len(outs))]

    def table(e: Explanation) -> pd.DataFrame:
        return pd.DataFrame(e.values.reshape(e.n_rows, -1), columns=cols)

    result = drift(table(reference), table(current), kinds={c: "numerical" for c in cols}, config=config)
    by_col = {f.feature: f for f in result.features}
    ref_abs = np.abs(reference.values).mean(axis=0) if reference.n_rows else np.zeros((len(feats), len(outs)))
    cur_abs = np.abs(current.values).mean(axis=0) if current.n_rows else np.zeros((len(feats), len(outs)))
    shifts = []
    for j, f in enumerate(feats):
        tests = [by_col[name(f, k)] for k in range(len(outs))]
        pick = min(
            range(len(outs)),
            key=lambda k: (
                not tests[k].drifted,
                tests[k].p_value if tests[k].p_value is not None else math.inf,
                -(tests[k].effect_size or 0.0),
            ),
        )
        t = tests[pick]
        shifts.append(
            FeatureShift(
                f,
                float(ref_abs[j].mean()),
                float(cur_abs[j].mean()),
                outs[pick],
                t.test,
                t.statistic,
                t.p_value,
                t.effect_size,
                any(x.drifted for x in tests),
            )
        )
    shifts.sort(key=lambda s: (not s.shifted, -abs(s.change)))
    return ExplanationShift(tuple(shifts), reference.n_rows, current.n_rows, reference.info.scale)
