"""At-a-glance summary of a workspace: what is loaded and what each view will examine."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from robustness.schema import ColumnKind

if TYPE_CHECKING:  # numpy, pandas and the workspace are imported where a summary is computed: a stored
    import pandas as pd  # overview is read back (``Overview.from_dict``) by a fresh server's first page

    from robustness.workspace import Workspace

PREDICTION_SAMPLE = 20_000  # rows per dataset scored for the overview
HISTOGRAM_SAMPLE = 5_000  # regression values kept for the histogram


@dataclass(frozen=True)
class ColumnSummary:
    name: str
    kind: ColumnKind
    role: str  # "feature", "target", "prediction", "probability", "timestamp", "id", "unused"
    missing_reference: float
    missing_current: float | None  # None when the column is absent from current
    unique_reference: int
    new_categories: int  # categories in current that reference never had (categorical/boolean)
    new_category_examples: tuple[str, ...] = ()  # up to five of them, most frequent first
    new_category_share: float = 0.0  # share of current rows that hold one of them


@dataclass(frozen=True)
class PredictionSummary:
    task: str
    rows_scored: tuple[int, int]
    classes: tuple[str, ...] = ()
    shares_reference: tuple[float, ...] = ()  # predicted class shares
    shares_current: tuple[float, ...] = ()
    values_reference: tuple[float, ...] = ()  # regression: sampled predictions
    values_current: tuple[float, ...] = ()
    mean_reference: float | None = None
    mean_current: float | None = None


@dataclass(frozen=True)
class ViewPlan:
    view: str
    available: bool
    examines: str  # plain language: what it will look at, or why it cannot


@dataclass(frozen=True)
class Overview:
    n_reference: int
    n_current: int
    n_features: int
    kinds: dict[str, int]  # kind -> number of feature columns
    columns: tuple[ColumnSummary, ...]
    predictions: PredictionSummary | None
    plans: tuple[ViewPlan, ...]
    model_description: str | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types; :meth:`from_dict` gives back an equal object."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Overview:
        def tuples(d: dict[str, Any]) -> dict[str, Any]:
            return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}

        pred = data.get("predictions")
        return cls(
            n_reference=int(data["n_reference"]),
            n_current=int(data["n_current"]),
            n_features=int(data["n_features"]),
            kinds={str(k): int(v) for k, v in data["kinds"].items()},
            columns=tuple(ColumnSummary(**{**tuples(c), "kind": ColumnKind(c["kind"])}) for c in data["columns"]),
            predictions=PredictionSummary(**tuples(pred)) if pred else None,
            plans=tuple(ViewPlan(**p) for p in data["plans"]),
            model_description=data.get("model_description"),
        )


def _role_of(column: str, ws: Workspace, features: set[str]) -> str:
    r = ws.roles
    if column == r.target:
        return "target"
    if column == r.prediction:
        return "prediction"
    if column in r.probabilities.values():
        return "probability"
    if column == r.timestamp:
        return "timestamp"
    if column == r.id:
        return "id"
    return "feature" if column in features else "unused"


def _new_categories(ref: pd.Series, cur: pd.Series) -> tuple[int, tuple[str, ...], float]:
    """(count, up to five examples by frequency, share of current rows) of unseen categories."""
    known = set(ref.dropna().astype(str).unique())
    values = cur.dropna().astype(str)
    unseen = values[~values.isin(known)]
    if unseen.empty:
        return 0, (), 0.0
    counts = unseen.value_counts()
    return len(counts), tuple(counts.index[:5]), float(len(unseen) / max(len(cur), 1))


def _sample(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    return frame if len(frame) <= n else frame.sample(n, random_state=0)


def summarize_predictions(ws: Workspace) -> PredictionSummary | None:
    import numpy as np
    import pandas as pd

    model = ws.model
    if model is None:
        return None
    ref = _sample(ws.reference.frame, PREDICTION_SAMPLE)
    cur = _sample(ws.current.frame, PREDICTION_SAMPLE)
    p_ref, p_cur = model.predict(ref), model.predict(cur)
    scored = (len(ref), len(cur))
    if model.task.value == "regression":
        r = np.asarray(p_ref, dtype=float)
        c = np.asarray(p_cur, dtype=float)
        rng = np.random.default_rng(0)
        pick = lambda a: a if len(a) <= HISTOGRAM_SAMPLE else rng.choice(a, HISTOGRAM_SAMPLE, replace=False)  # noqa: E731
        return PredictionSummary(
            task="regression",
            rows_scored=scored,
            values_reference=tuple(float(v) for v in pick(r)),
            values_current=tuple(float(v) for v in pick(c)),
            mean_reference=float(np.nanmean(r)),
            mean_current=float(np.nanmean(c)),
        )
    classes = [str(c) for c in (model.classes or sorted(set(map(str, p_ref)) | set(map(str, p_cur))))]
    s_ref = pd.Series(np.asarray(p_ref).astype(str)).value_counts(normalize=True)
    s_cur = pd.Series(np.asarray(p_cur).astype(str)).value_counts(normalize=True)
    return PredictionSummary(
        task=model.task.value,
        rows_scored=scored,
        classes=tuple(classes),
        shares_reference=tuple(float(s_ref.get(c, 0.0)) for c in classes),
        shares_current=tuple(float(s_cur.get(c, 0.0)) for c in classes),
    )


def _plans(ws: Workspace, n_features: int, kinds: dict[str, int]) -> tuple[ViewPlan, ...]:
    kind_text = ", ".join(f"{n} {k}" for k, n in kinds.items() if n)
    has_model = ws.has_model
    labels = (
        "labels in both datasets"
        if ws.target_in_current
        else ("labels in reference only: current performance is estimated" if ws.has_target else "no labels")
    )
    plans = [
        ViewPlan(
            "Data quality & drift",
            True,
            f"{n_features} input columns ({kind_text}) compared between "
            f"{ws.reference.name} and {ws.current.name}"
            + (", plus the model's predictions" if ws.has_predictions else "")
            + (f" and the target '{ws.roles.target}'" if ws.target_in_current else "")
            + ".",
        ),
        ViewPlan(
            "Stress tests",
            has_model,
            f"perturbations of {n_features} inputs and how the predictions change."
            if has_model
            else "needs a model file: predictions read from columns cannot be re-scored on perturbed data.",
        ),
        ViewPlan(
            "Explainability",
            has_model,
            "SHAP attributions on the raw input columns, reference against current."
            if has_model
            else "needs a model file to attribute predictions to inputs.",
        ),
        ViewPlan(
            "Performance",
            ws.has_predictions and ws.has_target,
            f"metrics with {labels}, by segment, with calibration and uncertainty."
            if ws.has_predictions and ws.has_target
            else "needs a target column (and a model or prediction columns).",
        ),
    ]
    return tuple(plans)


def summarize(ws: Workspace) -> Overview:
    ref, cur = ws.reference.frame, ws.current.frame
    features = ws.feature_columns()
    fset = set(features)
    kinds_by_col = ws.schema.kinds()
    counts = {k.value: 0 for k in ColumnKind}
    for c in features:
        if c in kinds_by_col:
            counts[kinds_by_col[c].value] += 1
    cols = []
    for info in ws.schema.columns:
        name = info.name
        in_cur = name in cur.columns
        new, share = 0, 0.0
        examples: tuple[str, ...] = ()
        if in_cur and info.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN):
            new, examples, share = _new_categories(ref[name], cur[name])
        cols.append(
            ColumnSummary(
                name=name,
                kind=info.kind,
                role=_role_of(name, ws, fset),
                missing_reference=float(ref[name].isna().mean()) if len(ref) else 0.0,
                missing_current=float(cur[name].isna().mean()) if in_cur and len(cur) else None,
                unique_reference=info.n_unique,
                new_categories=new,
                new_category_examples=examples,
                new_category_share=share,
            )
        )
    return Overview(
        n_reference=len(ref),
        n_current=len(cur),
        n_features=len(features),
        kinds={k: v for k, v in counts.items() if v},
        columns=tuple(cols),
        predictions=summarize_predictions(ws),
        plans=_plans(ws, len(features), {k: v for k, v in counts.items() if v}),
        model_description=ws.model.summary().description if ws.model is not None else None,
    )
