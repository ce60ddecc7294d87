"""Champion vs challenger on the same rows: :func:`compare`.

Both models score the reference and the current data once; every metric, test, interval and disagreement is
computed from those two prediction vectors (paired: the same rows, resampled together). Rules:

- headline metric: accuracy for classifiers, MAE for regressors; the verdict (``better`` / ``worse`` /
  ``no_difference``) is on the current data's headline metric (the reference's when the current data has no
  labels). A difference counts as significant when its paired test gives p < ``alpha`` **and** its paired
  bootstrap interval excludes 0;
- tests: McNemar mid-p (accuracy), DeLong (binary ROC AUC), for a multiclass model's one-vs-rest macro ROC AUC
  a DeLong-type test from the same placement values (:func:`robustness.compare.stats.delong_ovr`; DeLong's own
  is binary), a paired t test on per-row losses (log loss, Brier score, squared error for RMSE), Wilcoxon
  signed-rank on absolute errors (MAE);
- a model that raises (or returns NaN) on some rows: those rows are isolated by bisection, reported as a
  finding, and the comparison goes on without them; a model that fails on more than half the rows is an error;
- disagreement: rows whose predicted class differs (regressors: predictions differing by more than
  ``tolerance``, default a tenth of the champion's prediction spread); the segments where the two disagree most
  are the leaves of a shallow tree on the input columns (the weak-segment finder's encoding and readable rules);
- stress: the stress suite (:func:`robustness.stress.run_stress`) for both, same seed and sample;
- importance: permutation importance (:func:`robustness.explain.permutation_importance`) for both.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from robustness.compare import stats
from robustness.compare.results import (
    TEST_LABELS,
    ComparisonResult,
    Disagreement,
    DisagreementSegment,
    ImportanceComparison,
    MetricComparison,
    StressComparison,
)
from robustness.errors import DataError, ModelError, RobustnessError
from robustness.formatting import count, interval, number, share
from robustness.models import ModelAdapter, Task
from robustness.performance.metrics import EPS, LABELS, label_codes

if TYPE_CHECKING:
    from robustness.workspace import Workspace

__all__ = ["CompareError", "check_challenger", "check_pair", "compare", "compare_workspace", "summarize"]

_HEAD_ROWS = 200
_MAX_SPLITS = 400  # model calls spent isolating failing rows before the remaining failing blocks are given up


class CompareError(RobustnessError):
    """The two models cannot be compared on this data (different tasks, classes or input columns)."""


# -- validation ------------------------------------------------------------------------------------------


def _task_words(task: Task, classes) -> str:
    if task is Task.REGRESSION:
        return "a regressor"
    return "a binary classifier" if task is Task.BINARY else f"a multiclass classifier ({len(classes or [])} classes)"


def _class_texts(model: ModelAdapter) -> list[str]:
    from robustness.performance.metrics import label_text

    return [label_text(c) for c in (model.classes or [])]


def check_pair(champion: ModelAdapter, challenger: ModelAdapter, frames: dict[str, pd.DataFrame]) -> None:
    """CompareError unless the two models can be compared on every frame of ``frames`` (name -> frame): the same
    task, the same classes, and every input column each model needs present in each frame."""
    if champion.task != challenger.task:
        raise CompareError(
            f"The champion is {_task_words(champion.task, champion.classes)} and the challenger "
            f"{_task_words(challenger.task, challenger.classes)}: only models of the same task can be compared on "
            "the same rows. Load a challenger trained for the same target."
        )
    if champion.is_classifier:
        a, b = _class_texts(champion), _class_texts(challenger)
        if a and b and set(a) != set(b):
            only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
            raise CompareError(
                "The two models predict different classes: "
                + "; ".join(
                    p
                    for p in (
                        f"only the champion knows {', '.join(only_a)}" if only_a else "",
                        f"only the challenger knows {', '.join(only_b)}" if only_b else "",
                    )
                    if p
                )
                + ". Compare models trained on the same labels."
            )
    for who, model in (("champion", champion), ("challenger", challenger)):
        for name, frame in frames.items():
            missing = [c for c in (model.feature_names or []) if c not in frame.columns]
            if missing:
                shown = ", ".join(f"'{c}'" for c in missing[:12]) + (
                    f" and {len(missing) - 12} more" if len(missing) > 12 else ""
                )
                raise CompareError(
                    f"The {who} needs {len(missing)} column{'s' if len(missing) > 1 else ''} that the {name} data "
                    f"lacks: {shown}. Load {name} data with these columns, or a {who} trained on the columns the "
                    "data has."
                )


def check_challenger(champion: ModelAdapter, challenger: ModelAdapter, frames: dict[str, pd.DataFrame]) -> None:
    """What a challenger must pass before it is loaded beside ``champion``: :func:`check_pair`, then a trial run
    on the first rows of each frame (ModelError, naming the frame, when the challenger raises there or returns
    something unusable). A challenger that fails only on some later rows is loaded: :func:`compare` reports
    those rows as a finding and goes on without them."""
    check_pair(champion, challenger, frames)
    for name, frame in frames.items():
        try:
            challenger.check_on(frame, name=name)
        except ModelError as err:
            raise ModelError(f"The challenger cannot be used: {' '.join(str(err).split())}") from err


# -- scoring with failing rows isolated ------------------------------------------------------------------


def _codes(values: np.ndarray, classes: list) -> np.ndarray:
    """:func:`robustness.performance.metrics.label_codes`, worked out once per distinct value (a label column of
    100k rows holds a handful): each value's index among ``classes``, -1 when no class reads the same."""
    codes, uniques = pd.factorize(np.asarray(values), use_na_sentinel=True)
    out = label_codes(np.asarray(uniques, dtype=object), classes)[codes] if len(uniques) else np.full(codes.size, -1)
    missing = codes < 0  # NaN or None: their own text decides, as label_codes does
    if missing.any():
        out[missing] = label_codes(np.asarray(values, dtype=object)[missing], classes)
    return out.astype(np.int64)


@dataclass(frozen=True)
class _Outputs:
    pred: np.ndarray  # class index in the champion's class order (classifiers) or value
    proba: np.ndarray | None  # champion's class order
    ok: np.ndarray  # rows the model scored (no exception, no NaN)
    failure: str | None  # the first failure's message


def _score(model: ModelAdapter, X: pd.DataFrame, classes: list, order: list[int] | None) -> _Outputs:
    """Both outputs of ``model`` on every row of ``X`` it scores; ``classes`` (empty for a regressor): the
    champion's, ``order``: the model's probability columns in their order.

    A classifier with probabilities is called once for them on all rows; its predicted class is the most
    probable one unless ``predict`` says otherwise on the first rows that scored (then ``predict`` runs on every
    row too). Rows the model raises on are isolated by bisection (at most ``_MAX_SPLITS`` calls)."""
    n = len(X)
    classifier = model.is_classifier
    use_proba = classifier and model.has_proba
    pred = np.zeros(n, dtype=np.int64) if classifier else np.full(n, np.nan)
    proba_rows = np.full((n, len(classes) if use_proba else 0), np.nan)
    ok = np.ones(n, dtype=bool)
    failure: list[str] = []
    calls = [0]

    def fill_proba(sub: pd.DataFrame, at: np.ndarray | slice) -> None:
        P = np.asarray(model.predict_proba(sub), dtype=float)[:, order]
        proba_rows[at] = P
        pred[at] = P.argmax(axis=1)

    def fill_pred(sub: pd.DataFrame, at: np.ndarray | slice) -> None:
        pred[at] = _codes(model.predict(sub), classes) if classifier else np.asarray(model.predict(sub), dtype=float)

    def run(fill: Callable[[pd.DataFrame, np.ndarray | slice], None], pos: np.ndarray) -> None:
        calls[0] += 1
        whole = len(pos) == n  # all rows: the frame itself, no copy
        try:
            fill(X if whole else X.iloc[pos], slice(None) if whole else pos)
        except Exception as exc:  # noqa: BLE001 - a model failing on rows is a finding; the comparison goes on
            if len(pos) == 1 or calls[0] >= _MAX_SPLITS:
                ok[pos] = False
                if not failure:
                    failure.append(" ".join(str(exc).split())[:300] or type(exc).__name__)
                return
            mid = len(pos) // 2
            run(fill, pos[:mid])
            run(fill, pos[mid:])

    if n and use_proba:
        run(fill_proba, np.arange(n))
        head = np.flatnonzero(ok & np.isfinite(proba_rows).all(axis=1))[:_HEAD_ROWS]
        try:  # does the most probable class reproduce predict? (on the first rows that scored)
            differs = head.size > 0 and not np.array_equal(_codes(model.predict(X.iloc[head]), classes), pred[head])
        except Exception:  # noqa: BLE001 - the model's own code may raise anything: its probabilities decide
            differs = False
        if differs:
            run(fill_pred, np.flatnonzero(ok))
    elif n:
        run(fill_pred, np.arange(n))
    proba = proba_rows if use_proba else None
    bad = ~np.isfinite(proba).all(axis=1) if proba is not None else np.zeros(n, dtype=bool)
    if not classifier:
        bad |= ~np.isfinite(pred)
    if (bad & ok).any() and not failure:
        failure.append("it returned NaN or infinite values")
    ok &= ~bad
    return _Outputs(pred, proba, ok, failure[0] if failure else None)


# -- metrics ---------------------------------------------------------------------------------------------


def _significant(p: float | None, low: float | None, high: float | None, alpha: float) -> bool:
    if p is None or not math.isfinite(p) or p >= alpha:
        return False
    return low is None or high is None or low > 0 or high < 0


def _metric(name, data, v0, v1, boot, p, test, higher, n, alpha, level, details=None) -> MetricComparison:
    low, high = stats.percentile(boot, level) if boot is not None else (None, None)
    diff = None if v0 is None or v1 is None else float(v1 - v0)
    return MetricComparison(
        name, data, v0, v1, diff, low, high, p, test, higher, n, _significant(p, low, high, alpha), dict(details or {})
    )


def _auc_classes(y: np.ndarray, classes: list[str], data: str, notes: list[str]) -> bool:
    """Whether ROC AUC can be compared on these labels (binary: both classes present; multiclass: every class
    with 2 rows or more, and 2 rows outside it, for its one-vs-rest AUC); a note says why not."""
    k = len(classes)
    rows = np.bincount(y, minlength=k)
    if k == 2:
        if 0 < rows[1] < y.size:
            return True
        notes.append(f"ROC AUC is not compared on the {data} data: every labelled row there is one class.")
        return False
    thin = [classes[c] for c in range(k) if rows[c] < 2 or y.size - rows[c] < 2]
    if not thin:
        return True
    names = ", ".join(f"'{c}'" for c in thin[:8]) + (f" and {len(thin) - 8} more" if len(thin) > 8 else "")
    notes.append(
        f"ROC AUC is not compared on the {data} data: the one-vs-rest macro AUC needs at least 2 labelled rows of "
        f"every class, and {names} {'has' if len(thin) == 1 else 'have'} fewer."
    )
    return False


def _classification_metrics(
    y, o0, o1, data, *, classes: list[str], notes: list[str], n_boot, seed, alpha, level
) -> list[MetricComparison]:
    """Accuracy (McNemar), ROC AUC (binary: DeLong; multiclass: one-vs-rest macro, DeLong-type test), log loss
    and Brier score (paired t), each with its paired bootstrap interval; ``classes``: the champion's, as text."""
    known = y >= 0
    if not known.all():  # labels the models never predict: left out of every metric (a note says so)
        y, o0, o1 = y[known], _take(o0, known), _take(o1, known)
    n = y.size
    c0, c1 = o0.pred == y, o1.pred == y
    means = {"accuracy": np.vstack([c0, c1]).astype(float)}
    aucs: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    macro: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    if o0.proba is not None and o1.proba is not None:
        rows = np.arange(n)
        ll = [-np.log(np.clip(o.proba[rows, y], EPS, 1)) for o in (o0, o1)]
        br = [_brier(y, o.proba) for o in (o0, o1)]
        means.update(log_loss=np.vstack(ll), brier=np.vstack(br))
        if _auc_classes(y, classes, data, notes):
            if len(classes) == 2:
                aucs["roc_auc"] = (y == 1, o0.proba[:, -1], o1.proba[:, -1])
            else:
                macro["roc_auc"] = (y, o0.proba, o1.proba)
    boot = stats.paired_bootstrap(n, means=means, aucs=aucs, macro_aucs=macro, n_boot=n_boot, seed=seed)
    mc = stats.mcnemar(c0, c1)
    out = [
        _metric(
            "accuracy",
            data,
            float(c0.mean()),
            float(c1.mean()),
            boot["accuracy"],
            mc["p_mid"],
            "mcnemar_midp",
            True,
            n,
            alpha,
            level,
            {"only_champion_right": mc["b"], "only_challenger_right": mc["c"], "p_exact": mc["p_exact"]},
        )  # fmt: skip
    ]
    if "roc_auc" in aucs:
        d = stats.delong(*aucs["roc_auc"])
        out.append(
            _metric(
                "roc_auc",
                data,
                d["auc_champion"],
                d["auc_challenger"],
                boot["roc_auc"],
                d["p_value"],
                "delong",
                True,
                n,
                alpha,
                level,
                {"z": d["z"], "delong_se": math.sqrt(d["variance"])},
            )  # fmt: skip
        )
    if "roc_auc" in macro:
        o, by_class = stats.delong_ovr(*macro["roc_auc"])
        per_class = [{"class": c, **row} for c, row in zip(classes, by_class)]
        out.append(
            _metric(
                "roc_auc",
                data,
                o["auc_champion"],
                o["auc_challenger"],
                boot["roc_auc"],
                o["p_value"],
                "delong_ovr",
                True,
                n,
                alpha,
                level,
                {
                    "average": "macro one-vs-rest",
                    "z": o["z"],
                    "delong_se": math.sqrt(o["variance"]),
                    "per_class": per_class,
                },
            )  # fmt: skip
        )
    for name in ("log_loss", "brier"):
        if name in means:
            t = means[name]
            out.append(
                _metric(
                    name,
                    data,
                    float(t[0].mean()),
                    float(t[1].mean()),
                    boot[name],
                    stats.paired_t(t[0], t[1]),
                    "paired_t",
                    False,
                    n,
                    alpha,
                    level,
                )  # fmt: skip
            )
    return out


def _regression_metrics(y, o0, o1, data, *, n_boot, seed, alpha, level) -> list[MetricComparison]:
    n = y.size
    a0, a1 = np.abs(o0.pred - y), np.abs(o1.pred - y)
    s0, s1 = a0**2, a1**2
    boot = stats.paired_bootstrap(
        n, means={"mae": np.vstack([a0, a1]), "rmse": np.vstack([s0, s1])}, roots=("rmse",), n_boot=n_boot, seed=seed
    )
    return [
        _metric(
            "mae",
            data,
            float(a0.mean()),
            float(a1.mean()),
            boot["mae"],
            stats.wilcoxon_abs(a0, a1),
            "wilcoxon",
            False,
            n,
            alpha,
            level,
        ),  # fmt: skip
        _metric(
            "rmse",
            data,
            math.sqrt(s0.mean()),
            math.sqrt(s1.mean()),
            boot["rmse"],
            stats.paired_t(s0, s1),
            "paired_t",
            False,
            n,
            alpha,
            level,
        ),  # fmt: skip
    ]


def _brier(y: np.ndarray, P: np.ndarray) -> np.ndarray:
    if P.shape[1] <= 2:
        return (P[:, -1] - (y == P.shape[1] - 1)) ** 2
    onehot = np.zeros_like(P)
    onehot[np.arange(len(y)), y] = 1.0
    return ((P - onehot) ** 2).sum(axis=1)


def _take(o: _Outputs, mask: np.ndarray) -> _Outputs:
    return _Outputs(o.pred[mask], None if o.proba is None else o.proba[mask], o.ok[mask], o.failure)


# -- disagreement ------------------------------------------------------------------------------------------


def _disagreement(
    frame: pd.DataFrame, features: list[str], y, o0, o1, data, *, classifier, tolerance, seed, max_segments=5
) -> Disagreement:
    from sklearn.tree import DecisionTreeRegressor

    from robustness.performance.segments import encode_for_tree, leaf_paths, rule_text

    n = len(frame)
    if classifier:
        differ = o0.pred != o1.pred
        tol = None
    else:
        tol = float(tolerance) if tolerance is not None else 0.1 * float(np.std(o0.pred)) if n > 1 else 0.0
        differ = np.abs(o1.pred - o0.pred) > tol

    def right(mask) -> tuple[float | None, float | None]:
        if y is None:
            return None, None
        m = mask & _labelled(y, classifier)
        if not m.any():
            return None, None
        if classifier:
            return float((o0.pred[m] == y[m]).mean()), float((o1.pred[m] == y[m]).mean())
        e0, e1 = np.abs(o0.pred[m] - y[m]), np.abs(o1.pred[m] - y[m])
        return float((e0 < e1).mean()), float((e1 < e0).mean())

    overall = float(differ.mean()) if n else 0.0
    segments: list[tuple[float, DisagreementSegment]] = []
    if n >= 40 and 0 < differ.sum() < n and features:
        rng = np.random.default_rng(seed)
        fit_rows = np.sort(rng.choice(n, 20_000, replace=False)) if n > 20_000 else np.arange(n)
        err = differ.astype(float)
        X, orders = encode_for_tree(frame[features].iloc[fit_rows], err[fit_rows])
        min_size = max(30, int(0.02 * fit_rows.size))
        tree = DecisionTreeRegressor(max_depth=3, min_samples_leaf=min_size, random_state=seed)
        tree.fit(X, err[fit_rows])
        gaps = {c for j, c in enumerate(features) if np.isnan(X[:, j]).any()}
        paths = leaf_paths(tree, features, orders, gaps)
        leaves = tree.apply(X)
        for leaf in np.unique(leaves):
            rows = fit_rows[leaves == leaf]
            rate = float(differ[rows].mean())
            if rate < max(1.5 * overall, overall + 0.02):
                continue
            mask = np.zeros(n, dtype=bool)
            mask[rows] = True
            r0, r1 = right(mask & differ)
            conds = paths[leaf]
            seg = DisagreementSegment(
                rule_text(conds), tuple(conds), int(rows.size), rows.size / fit_rows.size, rate, r0, r1
            )
            segments.append((rows.size * (rate - overall), seg))
    segments.sort(key=lambda t: -t[0])
    r0, r1 = right(differ)
    return Disagreement(data, overall, n, tol, r0, r1, tuple(s for _, s in segments[:max_segments]))


def _labelled(y, classifier) -> np.ndarray:
    return y >= 0 if classifier else np.isfinite(y)


# -- stress and importance ---------------------------------------------------------------------------------


def _stress(champion, challenger, current, reference, *, seed, max_rows, findings) -> tuple[StressComparison, ...]:
    from robustness.stress import StressConfig, run_stress

    config = StressConfig(max_rows=max_rows, seed=seed)
    runs = {}
    for who, model in (("champion", champion), ("challenger", challenger)):
        try:
            runs[who] = run_stress(model, current, reference=reference, config=config)
        except RobustnessError as err:
            findings.append(f"The stress suite could not run for the {who}: {' '.join(str(err).split())}")
    if len(runs) < 2:
        return ()
    a, b = runs["champion"], runs["challenger"]
    judged = {v.perturbation: v.severity for v in a.verdicts}
    by_key = {(r.perturbation, round(r.severity, 9)): r for r in b.results}
    out = []
    for r in a.results:
        if r.severity == 0:
            continue
        other = by_key.get((r.perturbation, round(r.severity, 9)))
        if other is None:
            continue
        out.append(
            StressComparison(
                r.perturbation,
                _label(r.perturbation),
                float(r.severity),
                a.value_of(r),
                b.value_of(other),
                math.isclose(judged.get(r.perturbation, -1), r.severity),
                a.status_of(r),
                b.status_of(other),
            )
        )
    return tuple(out)


def _label(name: str) -> str:
    from robustness.stress import label_of

    return label_of(name)


def _importance(champion, challenger, data, target, *, seed, findings) -> tuple[ImportanceComparison, ...]:
    from robustness.explain import permutation_importance

    res = {}
    for who, model in (("champion", champion), ("challenger", challenger)):
        try:
            res[who] = permutation_importance(model, data, target=target, n_repeats=3, max_rows=1000, seed=seed)
        except RobustnessError as err:
            findings.append(f"Permutation importance could not run for the {who}: {' '.join(str(err).split())}")
    if len(res) < 2:
        return ()
    vals = {who: dict(zip(r.features, r.mean)) for who, r in res.items()}
    ranks = {who: {f: i + 1 for i, f in enumerate(r.features)} for who, r in res.items()}
    features = list(dict.fromkeys([*res["champion"].features, *res["challenger"].features]))
    rows = [
        ImportanceComparison(
            f,
            vals["champion"].get(f),
            vals["challenger"].get(f),
            ranks["champion"].get(f),
            ranks["challenger"].get(f),
        )
        for f in features
    ]
    # largest change of importance first: rank changes among columns that hardly matter are noise
    rows.sort(key=lambda r: (-abs((r.challenger or 0.0) - (r.champion or 0.0)), r.champion_rank or 10**9))
    return tuple(rows)


# -- the comparison ----------------------------------------------------------------------------------------


def compare(
    champion: ModelAdapter,
    challenger: ModelAdapter,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    target: str | None = None,
    alpha: float = 0.05,
    level: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    tolerance: float | None = None,
    stress: bool = True,
    importance: bool = True,
    stress_rows: int = 1000,
    same_file: bool = False,
    progress: Callable[[float, str], None] | None = None,
) -> ComparisonResult:
    """Compare ``challenger`` with ``champion`` on the same rows of ``reference`` and ``current``.

    ``target``: the label column (metrics and tests need it; disagreement, stress and importance do not).
    ``same_file``: the caller knows both models come from one file (a note; every difference is then 0).
    ``progress``: called with (share done, what runs now) before each stage.
    """

    def step(done: float, label: str) -> None:
        if progress is not None:
            progress(done, label)

    if not 0 < alpha < 1 or not 0 < level < 1:
        raise CompareError(f"alpha and level must lie between 0 and 1 (got alpha={alpha}, level={level}).")
    frames = {"reference": reference, "current": current}
    for name, frame in frames.items():
        if not isinstance(frame, pd.DataFrame) or frame.empty:
            raise DataError(f"The {name} data has no rows; load a file with rows to compare the models on.")
    check_pair(champion, challenger, frames)
    classifier = champion.is_classifier
    classes: list = list(champion.classes or []) if classifier else []  # the champion's order
    order0 = order1 = None
    if classifier:
        texts0, texts1 = _class_texts(champion), _class_texts(challenger)
        order0, order1 = list(range(len(texts0))), [texts1.index(t) for t in texts0]
    features = [
        c
        for c in dict.fromkeys([*(champion.feature_names or []), *(challenger.feature_names or [])])
        if c != target and c in current.columns and c in reference.columns
    ] or [c for c in current.columns if c != target and c in reference.columns]
    notes: list[str] = []
    findings: list[str] = []
    if same_file:
        notes.append("The champion and the challenger are the same file: every difference is 0 by construction.")

    metrics: list[MetricComparison] = []
    disagreement: list[Disagreement] = []
    identical = True
    labelled_data: set[str] = set()
    for k, (name, frame) in enumerate(frames.items()):
        step(0.3 * k, f"Scoring both models on the {name} data and bootstrapping the differences…")
        o0 = _score(champion, frame, classes, order0)
        o1 = _score(challenger, frame, classes, order1)
        for who, o in (("champion", o0), ("challenger", o1)):
            bad = int((~o.ok).sum())
            if bad:
                if bad > len(frame) / 2:
                    raise ModelError(
                        f"The {who} fails on {count(bad)} of {count(len(frame))} {name} rows ({o.failure}), so the "
                        f"two cannot be compared. Check that the {name} data has the columns and value types the "
                        f"{who} was trained on."
                    )
                where = ", ".join(str(frame.index[i]) for i in np.flatnonzero(~o.ok)[:5])
                findings.append(
                    f"The {who} fails on {count(bad)} of {count(len(frame))} {name} rows (for example rows {where}: "
                    f"{o.failure.rstrip('.') if o.failure else 'no message'}); the comparison goes on without them."
                )
        keep = o0.ok & o1.ok
        sub = frame[keep] if not keep.all() else frame
        o0, o1 = _take(o0, keep), _take(o1, keep)
        same = np.array_equal(o0.pred, o1.pred) and (
            o0.proba is None or o1.proba is None or np.allclose(o0.proba, o1.proba, rtol=0, atol=1e-12)
        )
        identical &= same
        y = None
        if target is not None and target in sub.columns:
            raw = sub[target]
            has = raw.notna().to_numpy()
            if has.any():
                labelled_data.add(name)
                if classifier:
                    y = np.where(has, _codes(raw.to_numpy(), classes), -2)
                else:
                    y = np.where(has, pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float), np.nan)
                lab = y >= 0 if classifier else np.isfinite(y)
                if not lab.all():
                    notes.append(f"{count(int((~lab).sum()))} {name} rows have no usable label and are left out.")
                if classifier and (y == -1).any():
                    notes.append(
                        f"{count(int((y == -1).sum()))} {name} rows have labels neither model predicts; they are "
                        "left out of the metrics."
                    )
                yl = y[lab]
                m0, m1 = _take(o0, lab), _take(o1, lab)
                if yl.size >= 2:
                    kw = dict(n_boot=n_boot, seed=seed + k, alpha=alpha, level=level)
                    if classifier:
                        metrics += _classification_metrics(
                            yl, m0, m1, name, classes=_class_texts(champion), notes=notes, **kw
                        )
                    else:
                        metrics += _regression_metrics(yl, m0, m1, name, **kw)
        disagreement.append(
            _disagreement(sub, features, y, o0, o1, name, classifier=classifier, tolerance=tolerance, seed=seed)
        )
    if identical and not same_file:
        notes.append("The two models give the same outputs on every row: the same model twice? No difference.")

    target_cur = target if "current" in labelled_data else None
    if stress:
        step(0.6, "Running the stress suite for both models…")
    stress_rows_out = (
        _stress(champion, challenger, current, reference, seed=seed, max_rows=stress_rows, findings=findings)
        if stress
        else ()
    )
    if importance:
        step(0.8, "Shuffling each column for both models' permutation importance…")
    importance_out = (
        _importance(champion, challenger, current, target_cur, seed=seed, findings=findings) if importance else ()
    )
    headline = "accuracy" if classifier else "mae"
    by = {(m.name, m.data): m for m in metrics}
    cur, ref = by.get((headline, "current")), by.get((headline, "reference"))
    verdict_ref = ref.direction if ref is not None else None
    if cur is not None:
        verdict, verdict_data = cur.direction, "current"
    elif ref is not None:
        verdict, verdict_data = ref.direction, "reference"
        notes.append("The current data has no labels: the verdict is on the reference data.")
    else:
        verdict, verdict_data = "no_difference", "none"
        notes.append(
            "Neither data set has labels: no metric can be compared, only disagreement, stress and importance."
        )
    result = ComparisonResult(
        task=str(champion.task),
        headline=headline,
        alpha=alpha,
        level=level,
        n_boot=n_boot,
        seed=seed,
        metrics=tuple(metrics),
        disagreement=tuple(disagreement),
        stress=stress_rows_out,
        importance=importance_out,
        verdict=verdict,
        verdict_data=verdict_data,
        verdict_reference=verdict_ref,
        summary="",
        findings=tuple(findings),
        notes=tuple(notes),
    )
    from dataclasses import replace

    step(1.0, "Done")
    return replace(result, summary=summarize(result))


def compare_workspace(
    ws: Workspace,
    *,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
    progress: Callable[[float, str], None] | None = None,
) -> ComparisonResult:
    """:func:`compare` on a workspace's model and challenger, reference and current data and target: what the
    app's pages and the trust report run."""
    if ws.model is None or ws.challenger is None:
        raise CompareError("No challenger is loaded beside the model: load one to compare the two.")
    return compare(
        ws.model,
        ws.challenger,
        ws.reference.frame,
        ws.current.frame,
        target=ws.roles.target if ws.has_target or ws.target_in_current else None,
        n_boot=n_boot,
        alpha=alpha,
        seed=seed,
        same_file=ws.model_sha256 is not None and ws.model_sha256 == ws.challenger_sha256,
        progress=progress,
    )


# -- the verdict in words ----------------------------------------------------------------------------------


def _metric_sentence(m: MetricComparison, level: float) -> str:
    label = LABELS.get(m.name, m.name)
    word = {"better": "better", "worse": "worse", "no_difference": "not significantly different"}[m.direction]
    ci = f"{level:.0%} interval {interval(m.low, m.high)}, " if m.low is not None else ""
    p = f"{TEST_LABELS.get(m.test, m.test)} p-value {number(m.p_value)}" if m.p_value is not None else "no test"
    return (
        f"On the {m.data} data ({count(m.n_rows)} rows) the challenger is {word} on {label}: "
        f"{number(m.challenger)} against the champion's {number(m.champion)} "
        f"(difference {number(m.difference, signed=True)}; {ci}{p})."
    )


def summarize(r: ComparisonResult) -> str:
    """The plain-words verdict paragraph."""
    parts = []
    cur, ref = r.metric(r.headline, "current"), r.metric(r.headline, "reference")
    head = {"better": "BETTER", "worse": "WORSE", "no_difference": "NO SIGNIFICANT DIFFERENCE"}[r.verdict]
    where = f"on the {r.verdict_data} data" if r.verdict_data != "none" else "(no labels)"
    parts.append(f"Verdict {where}: {head} on {LABELS.get(r.headline, r.headline)}.")
    for m in (cur, ref):
        if m is not None:
            parts.append(_metric_sentence(m, r.level))
    others = [m for m in r.metrics if m.name != r.headline and m.data == "current" and m.significant]
    if others:
        parts.append(
            "Also on the current data: "
            + ", ".join(f"{LABELS.get(m.name, m.name)} {m.direction}" for m in others)
            + "."
        )
    dis = next((d for d in r.disagreement if d.data == "current"), None)
    if dis is not None:
        text = f"The two disagree on {share(dis.share)} of current rows"
        if dis.segments:
            s = dis.segments[0]
            text += f", most where {s.rule} ({share(s.disagreement)} of {count(s.size)} rows"
            if s.champion_right is not None:
                text += f"; right there: champion {share(s.champion_right)}, challenger {share(s.challenger_right)}"
            text += ")"
        parts.append(text + ".")
    judged = [s for s in r.stress if s.judged]
    if judged:
        worse = [s for s in judged if s.more_robust == "champion"]
        better = [s for s in judged if s.more_robust == "challenger"]
        if worse:
            w = max(worse, key=lambda s: (s.challenger or 0) - (s.champion or 0))
            measure = "flips" if r.task != "regression" else "changes"
            parts.append(
                f"Robustness cost: the challenger is more fragile under {len(worse)} of {len(judged)} perturbations, "
                f"worst {w.label} ({share(w.challenger)} {measure} against {share(w.champion)})"
                + (f"; more robust under {len(better)}." if better else ".")
            )
        elif better:
            parts.append(f"No robustness cost: the challenger is more robust under {len(better)} of {len(judged)} "
                         "perturbations and no less robust under the rest.")  # fmt: skip
        else:
            parts.append("Robustness: the two react alike to every perturbation.")
    i = r.importance[0] if r.importance else None
    if i is not None and i.champion is not None and i.challenger is not None:
        way = "more" if i.challenger > i.champion else "less"
        parts.append(
            f"The challenger leans {way} on {i.feature} (permutation importance {number(i.challenger)} against "
            f"{number(i.champion)}; rank {i.challenger_rank} against {i.champion_rank})."
        )
    if r.findings:
        parts.append(f"{len(r.findings)} problem{'s' if len(r.findings) > 1 else ''} met on the way (see findings).")
    return " ".join(parts)


def metric_names(task: str) -> Sequence[str]:
    return ("mae", "rmse") if task == "regression" else ("accuracy", "roc_auc", "log_loss", "brier")
