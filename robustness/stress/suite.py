"""The stress suite: every perturbation at every severity, scored in a few batched model calls.

``run_stress(model, data, ...)`` samples ``max_rows`` rows (seeded), scores them unperturbed
(the baseline), then builds a perturbed copy of the sample for each (perturbation, severity)
cell and for each column alone (feature sensitivity), stacks the copies into batches of up to
``BATCH_ROWS`` rows and calls the model once per batch. Severity 0 is the unperturbed sample and
needs no call. A batch the model raises on is split in halves by cell until the failing cells
are isolated; rows the model returns NaN for are counted in their own cell. Either way only the
affected cells become ``"error"`` results: a model failure is a finding, the suite goes on.
Only a model that cannot score the unperturbed sample raises ``ModelError``.

Classifiers: ``predict_proba`` is called once per batch and the class is its argmax over
``adapter.classes``, after checking on the baseline that this reproduces ``predict``; if it
does not, both are called. Measures per cell:

- ``flip_rate``: share of rows whose predicted class differs from the unperturbed prediction;
- ``mean_proba_change``: mean |Δ P(the originally predicted class)|;
- ``mean_abs_change`` (regressors): mean |Δ prediction| / spread, the spread being the
  target's standard deviation when labels are given, else the unperturbed predictions'.

The conditions that turn these measures into verdicts, the suite verdict and the robustness
score live in ``robustness.stress.config`` (documented there).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from robustness.errors import ConfigError, DataError, ModelError, RobustnessError
from robustness.formatting import count, number
from robustness.models import ModelAdapter, sorted_labels
from robustness.schema import ColumnKind
from robustness.stress._inputs import (
    _chosen_columns,
    _chosen_perturbations,
    _exc_text,
    _failure_message,
    _float_array,
    _input_columns,
    _kind_list,
    _labels,
    _quote,
    _task,
)
from robustness.stress._metrics import classification_metrics, regression_metrics
from robustness.stress._stack import stack_rows
from robustness.stress._stats import ColumnValues
from robustness.stress.config import StressConfig, Verdict, judge, robustness_score, suite_verdict
from robustness.stress.fragile import FragileRow, fragile_rows
from robustness.stress.perturbations import (
    PerturbationSpec,
    ReferenceStats,
    applicable,
    label_of,
    perturbed_columns,
    registry,
)
from robustness.stress.results import FeatureSensitivity, PerturbationResult, RunStatus, StressResult

__all__ = [
    "FeatureSensitivity",
    "PerturbationResult",
    "StressResult",
    "Verdict",
    "run_stress",
    "sample_rows",
    "BATCH_ROWS",
]

#: Rows per model call: perturbed copies are stacked up to this many rows.
BATCH_ROWS = 200_000


def sample_rows(data: pd.DataFrame, *, max_rows: int, seed: int) -> pd.DataFrame:
    """The rows the suite scores: all of ``data`` if it is small enough, else ``max_rows`` rows drawn
    without replacement (seeded), kept in their original order."""
    pos = _sample_positions(len(data), max_rows, seed)
    return data if pos is None else data.iloc[pos]


def _sample_positions(n: int, max_rows: int, seed: int) -> np.ndarray | None:
    if n <= max_rows:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, size=max_rows, replace=False))


def cell_seed(seed: int, name: str) -> int:
    """The seed of one perturbation, the same at every severity: ``perturb(name, sample, stats, severity,
    columns=result.columns, seed=result.seed)`` reproduces any cell of the suite."""
    return (int(seed) * 1_000_003 + zlib.crc32(name.encode())) % (2**32)


# -- the run ------------------------------------------------------------------------------------


@dataclass
class _Cell:
    name: str
    severity: float
    columns: tuple[str, ...]
    seed: int
    order: int  # position of the perturbation (suite cells) or the feature (sensitivity cells)
    feature: str | None = None  # set for feature-sensitivity cells
    changes: dict[str, ColumnValues] | None = None  # column -> perturbed values (perturbed_columns), while scored
    outcome: _Scores | tuple[RunStatus, str] | None = None  # scores | (status, message) when it failed | not run

    def perturbed(self) -> dict[str, ColumnValues]:
        assert self.changes is not None, "_run_cells perturbs a cell before it is scored"
        return self.changes


@dataclass
class _Scores:
    """One cell's measures (arrays over the sample)."""

    codes: np.ndarray | None  # classifiers: class index per row (-1: not one of the classes)
    proba: np.ndarray | None  # classifiers with probabilities
    values: np.ndarray | None  # regressors
    bad: np.ndarray  # rows the model returned NaN for

    @property
    def class_codes(self) -> np.ndarray:
        assert self.codes is not None, "a classifier's scores hold class indices"
        return self.codes

    @property
    def numbers(self) -> np.ndarray:
        assert self.values is not None, "a regressor's scores hold its predictions"
        return self.values


def run_stress(
    model: ModelAdapter,
    data: pd.DataFrame,
    *,
    target: str | pd.Series | None = None,
    reference: pd.DataFrame | None = None,
    kinds: Mapping[str, ColumnKind | str] | None = None,
    config: StressConfig | None = None,
    progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> StressResult:
    """Stress ``model`` with every configured perturbation on (a sample of) ``data``.

    ``target``: a column of ``data`` or a Series aligned with it; gives accuracy / f1 / roc_auc
    (rmse / mae) and their change. ``reference``: the data the perturbation magnitudes are
    learnt from (default ``data``). ``kinds``: column -> kind, overriding inference.
    ``progress(fraction, label)`` is called after each batch; ``should_stop()`` is checked
    between batches and, when true, the partial result comes back with ``stopped=True``.
    """
    config = config if config is not None else StressConfig()
    if not isinstance(config, StressConfig):
        raise ConfigError(
            "run_stress() takes its settings as a StressConfig; build one with StressConfig.from_dict({...})."
        )
    if not isinstance(data, pd.DataFrame) or len(data) == 0:
        raise DataError("The stress suite needs data rows to perturb; the data is empty. Load a file with rows.")
    if not getattr(model, "has_model", True):
        raise ModelError(
            "The stress suite needs a model that can score perturbed rows; predictions read from "
            "columns cannot be recomputed. Load the model file."
        )
    labels = _labels(data, target)
    inputs = _input_columns(model, data, labels)
    base_ref = reference if reference is not None else data
    missing = [c for c in inputs if c not in base_ref.columns]
    if missing:
        raise DataError(
            f"The reference data lacks the model's input column(s) {_quote(missing)}. Use reference "
            "data with the same columns as the data."
        )
    stats = ReferenceStats.from_frame(
        base_ref, kinds={k: v for k, v in (kinds or {}).items() if k in inputs}, columns=inputs
    )
    specs = registry()
    columns = _chosen_columns(config, inputs, stats, specs)
    names = _chosen_perturbations(config, specs)

    pos = _sample_positions(len(data), config.max_rows, config.seed)
    sample = data.iloc[pos][inputs] if pos is not None else data[inputs]
    y = None if labels is None else labels.iloc[pos] if pos is not None else labels
    ctx, sample, notes = _scored_baseline(model, sample, y, config)
    scorer = ctx.scorer

    cells, results = _suite_cells(ctx, names, specs, stats, columns, config)
    sens_cells, sens_errors = _sensitivity_cells(specs, stats, columns, config)
    stopped = _run_cells(cells + sens_cells, sample, stats, scorer, progress, should_stop)
    for c in cells:
        if c.outcome is not None:
            results[(c.order, c.severity)] = ctx.outcome_result(c)
    ordered = tuple(results[k] for k in sorted(results))
    sensitivity = tuple(ctx.sensitivity(c) for c in sens_cells if c.outcome is not None) + tuple(sens_errors)
    sensitivity = tuple(
        sorted(sensitivity, key=lambda f: (math.isnan(f.sensitivity), -np.nan_to_num(f.sensitivity), f.feature))
    )
    verdicts = judge(ordered, names, specs, config, classifier=model.is_classifier)
    fragile = ctx.fragile(names, sample) if model.is_classifier else ()
    if progress is not None:
        progress(1.0, "stopped" if stopped else "done")
    return StressResult(
        task=_task(model),
        seed=config.seed,
        n_rows=len(sample),
        columns=tuple(columns),
        results=ordered,
        feature_sensitivity=sensitivity,
        verdicts=verdicts,
        verdict=suite_verdict(verdicts),
        score=robustness_score(verdicts),
        baseline=ctx.baseline_metrics,
        config=config.to_dict(),
        stopped=stopped,
        fragile=fragile,
        notes=tuple(notes),
    )


def _scored_baseline(
    model: ModelAdapter, sample: pd.DataFrame, y: pd.Series | None, config: StressConfig
) -> tuple[_Context, pd.DataFrame, list[str]]:
    """The unperturbed sample scored: (context, the sample without the rows the model returned NaN for,
    notes). ModelError when the model cannot score it. Shared with the Dask engine (robustness.scale)."""
    scorer = _Scorer(model)
    base, notes = scorer.baseline(sample)
    keep = ~base.bad
    if not keep.any():
        raise ModelError(
            f"The model returned NaN for every one of the {len(sample)} unperturbed rows, so nothing can "
            "be said about its robustness. Check that the data holds the columns and value types the "
            "model was trained on."
        )
    if not keep.all():
        notes.append(
            f"The model returned NaN for {int((~keep).sum())} of {len(sample)} unperturbed rows; they are left out."
        )
        sample, base = sample[keep], scorer.subset(base, keep)
        y = None if y is None else y[keep]
    return _Context(model, scorer, base, y, config), sample, notes


def _suite_cells(
    ctx: _Context,
    names: Sequence[str],
    specs: Mapping[str, PerturbationSpec],
    stats: ReferenceStats,
    columns: Sequence[str],
    config: StressConfig,
) -> tuple[list[_Cell], dict[tuple[int, float], PerturbationResult]]:
    """One cell per (perturbation, severity > 0) to score; severity 0 and skipped ones are results already."""
    cells: list[_Cell] = []
    results: dict[tuple[int, float], PerturbationResult] = {}
    for order, name in enumerate(names):
        spec = specs[name]
        usable = applicable(name, stats, list(columns))
        cols = tuple(usable[:1] if spec.scope == "one" else usable)
        seed = cell_seed(config.seed, name)
        for sev in config.severities:
            if not cols:
                if config.perturbations is not None:  # asked for by name: say why it did not run
                    results[(order, sev)] = PerturbationResult(
                        name,
                        float(sev),
                        (),
                        None,
                        None,
                        None,
                        {},
                        (f"'{name}' cannot act on the chosen columns ({_kind_list(spec)} columns only).",),
                        0,
                        "skipped",
                        seed,
                    )
            elif sev == 0:
                results[(order, sev)] = ctx.result(name, sev, cols, seed, ctx.base)
            else:
                cells.append(_Cell(name, sev, cols, seed, order))
    return cells, results


def _sensitivity_cells(
    specs: Mapping[str, PerturbationSpec], stats: ReferenceStats, columns: Sequence[str], config: StressConfig
) -> tuple[list[_Cell], list[FeatureSensitivity]]:
    """One cell per column: its kind's sensitivity perturbation at that perturbation's default severity."""
    cells: list[_Cell] = []
    errors: list[FeatureSensitivity] = []
    for order, col in enumerate(columns):
        kind = ColumnKind(stats.kinds[col]).value
        name = config.sensitivity_perturbation.get(kind)
        if name is None or name not in specs:
            why = (
                f"no sensitivity perturbation is set for {kind} columns"
                if name is None
                else f"the sensitivity perturbation '{name}' is not registered"
            )
            errors.append(FeatureSensitivity(col, name or "", 0.0, math.nan, why))
        elif not applicable(name, stats, [col]):
            errors.append(
                FeatureSensitivity(
                    col, name, specs[name].default_severity, math.nan, f"'{name}' cannot act on this column"
                )
            )
        else:
            cells.append(
                _Cell(
                    name,
                    specs[name].default_severity,
                    (col,),
                    cell_seed(config.seed, f"{name}:{col}"),
                    order,
                    feature=col,
                )
            )
    return cells, errors


def _run_cells(
    cells: list[_Cell],
    sample: pd.DataFrame,
    stats: ReferenceStats,
    scorer: _Scorer,
    progress: Callable[[float, str], None] | None,
    should_stop: Callable[[], bool] | None,
) -> bool:
    """Perturb and score the cells in batches of up to BATCH_ROWS rows; True when stopped early."""
    total, done, n = len(cells), 0, len(sample)
    per_batch = max(1, BATCH_ROWS // max(n, 1))
    for start in range(0, total, per_batch):
        if should_stop is not None and should_stop():
            return True
        batch = cells[start : start + per_batch]
        ready: list[_Cell] = []
        for c in batch:
            try:
                c.changes = perturbed_columns(c.name, sample, stats, c.severity, columns=list(c.columns), seed=c.seed)
            except Exception as exc:  # noqa: BLE001 - a perturbation that fails is reported, the suite goes on
                c.outcome = ("skipped", f"the perturbation could not be applied ({_exc_text(exc)})")
            else:
                ready.append(c)
        if ready:
            scorer.score_cells(ready, sample)
        for c in batch:
            c.changes = None
        done += len(batch)
        if progress is not None:
            last = batch[-1]
            name = label_of(last.name)
            what = f"{name} on '{last.feature}'" if last.feature else f"{name} at severity {number(last.severity)}"
            progress(done / total, f"{count(done)} of {count(total)} perturbed copies scored ({what})")
    return False


class _Scorer:
    """Calls the model: one predict_proba (or predict) per batch, bisecting batches that raise."""

    def __init__(self, model: ModelAdapter) -> None:
        self.model = model
        self.classifier = model.is_classifier
        self.proba = self.classifier and bool(getattr(model, "has_proba", False))
        self.both = False  # call predict as well as predict_proba
        classes = getattr(model, "classes", None)
        self.classes: list[Any] | None = list(classes) if classes is not None else None

    @property
    def class_list(self) -> list[Any]:
        """The classes predictions are coded by."""
        assert self.classes is not None, "a classifier's classes are known once its baseline is scored"
        return self.classes

    def baseline(self, sample: pd.DataFrame) -> tuple[_Scores, list[str]]:
        notes: list[str] = []
        what = f"the unperturbed sample of {len(sample)} rows"
        try:
            pred = self.model.predict(sample)
        except Exception as exc:  # noqa: BLE001 - the model's own code may raise anything
            raise ModelError(
                f"The model cannot score {what}, so nothing can be said about its robustness: "
                f"{exc if isinstance(exc, RobustnessError) else _exc_text(exc)}"
            ) from exc
        proba = None
        if self.proba:
            try:
                proba = np.asarray(self.model.predict_proba(sample), dtype=float)
            except Exception as exc:  # noqa: BLE001
                self.proba = False
                notes.append(
                    f"predict_proba failed on the unperturbed sample, so probability changes and "
                    f"roc_auc are left out ({_exc_text(exc)})."
                )
        if self.classifier:
            if self.classes is None:
                self.classes = sorted_labels(pd.unique(pd.Series(pred).dropna()))
            codes = self._codes(pred)
            if proba is not None:
                derived = proba.argmax(axis=1)
                finite = np.isfinite(proba).all(axis=1)
                self.both = not np.array_equal(derived[finite], codes[finite])
                if self.both:
                    notes.append(
                        "The most probable class does not always match predict on the unperturbed data, "
                        "so both predict and predict_proba are called on every batch."
                    )
            return self._scores(codes, proba), notes
        values = _float_array(pred)
        if values is None:
            raise ModelError(
                f"The regressor returned values that are not numbers on {what}; it must return one number per row."
            )
        return _Scores(None, None, values, ~np.isfinite(values)), notes

    def subset(self, s: _Scores, keep: np.ndarray) -> _Scores:
        def pick(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[keep]

        return _Scores(pick(s.codes), pick(s.proba), pick(s.values), s.bad[keep])

    def score_cells(self, cells: list[_Cell], sample: pd.DataFrame) -> None:
        X = stack_rows(sample, [c.perturbed() for c in cells])
        try:
            scores = self._call(X)
        except Exception as exc:  # noqa: BLE001 - a model failure is a finding; the failing cells are isolated
            if len(cells) == 1:
                cells[0].outcome = ("error", _failure_message(cells[0], exc))
                return
            mid = len(cells) // 2
            self.score_cells(cells[:mid], sample)
            self.score_cells(cells[mid:], sample)
            return
        n = len(sample)
        for k, c in enumerate(cells):
            sl = slice(k * n, (k + 1) * n)
            c.outcome = _Scores(
                None if scores.codes is None else scores.codes[sl],
                None if scores.proba is None else scores.proba[sl],
                None if scores.values is None else scores.values[sl],
                scores.bad[sl],
            )

    def _call(self, X: pd.DataFrame) -> _Scores:
        if not self.classifier:
            values = _float_array(self.model.predict(X))
            if values is None:
                raise ModelError("The regressor returned values that are not numbers.")
            return _Scores(None, None, values, ~np.isfinite(values))
        proba = np.asarray(self.model.predict_proba(X), dtype=float) if self.proba else None
        if proba is not None and not self.both:
            codes = proba.argmax(axis=1)
        else:
            codes = self._codes(self.model.predict(X))
        return self._scores(codes, proba)

    def _scores(self, codes: np.ndarray, proba: np.ndarray | None) -> _Scores:
        """A classifier's scores; rows with NaN probabilities or predictions are bad."""
        bad = codes < -1  # codes of -2: the model returned NaN (see _codes)
        if proba is not None:
            bad = bad | ~np.isfinite(proba).all(axis=1)
        return _Scores(np.where(codes == -2, -1, codes), proba, None, bad)

    def _codes(self, pred: object) -> np.ndarray:
        values = np.asarray(pred)
        codes = pd.Index(self.class_list, dtype=object).get_indexer(pd.Index(values.astype(object), dtype=object))
        return np.where(pd.isna(values), -2, codes)


class _Context:
    """What turns one cell's scores into results: the baseline, labels and spread."""

    def __init__(
        self, model: ModelAdapter, scorer: _Scorer, base: _Scores, y: pd.Series | None, config: StressConfig
    ) -> None:
        self.scorer, self.base, self.config = scorer, base, config
        self.classifier = model.is_classifier
        self.y: np.ndarray | None = None
        self.labelled: np.ndarray | None = None  # rows with a label
        self.y_float: np.ndarray | None = None  # regressors: the labels as numbers
        self.y_codes: np.ndarray | None = None  # classifiers: the labels as class indices (-1: not a class)
        if y is not None:
            name = f"'{y.name}'" if y.name is not None else "given"
            self.y, self.labelled = y.to_numpy(), y.notna().to_numpy()
            if self.classifier:
                classes = scorer.class_list
                self.y_codes = pd.Index(classes, dtype=object).get_indexer(
                    pd.Index(self.y.astype(object), dtype=object)
                )
                if self.labelled.any() and (self.y_codes[self.labelled] < 0).all():
                    raise DataError(
                        f"The target {name} holds none of the model's classes "
                        f"({', '.join(map(repr, classes[:10]))}). Choose the column with the labels "
                        "the model was trained on, stored the same way (e.g. 1, not '1')."
                    )
            else:
                self.y_float = _float_array(self.y)
                if self.y_float is None:
                    raise DataError(
                        f"The target {name} holds values that are not numbers, so the regressor's errors "
                        "cannot be measured. Choose the numeric target column, or none."
                    )
        spread = None
        if not self.classifier:
            yv, base_values = self.y_float, base.numbers
            if yv is not None and np.isfinite(yv).sum() > 1:
                spread = float(np.nanstd(yv[np.isfinite(yv)], ddof=1))
            if not spread or not math.isfinite(spread):
                spread = float(np.std(base_values, ddof=1)) if len(base_values) > 1 else 0.0
            if not spread or not math.isfinite(spread):
                spread = max(float(np.mean(np.abs(base_values))), 1.0)
        self.spread = spread
        self.base_p: np.ndarray | None = None  # classifiers with probabilities: P(the unperturbed class)
        if base.proba is not None:
            codes = base.class_codes
            self.base_p = base.proba[np.arange(len(codes)), codes]
        self.baseline_metrics = self._metrics(base, np.ones(len(base.bad), dtype=bool))
        n = len(base.bad)
        self.min_sev = np.full(n, np.inf)
        self.min_order = np.full(n, -1)
        self.flipped_to = np.full(n, -1)

    def _metrics(self, s: _Scores, ok: np.ndarray) -> dict[str, float]:
        if self.y is None or self.labelled is None:
            return {}
        rows = ok & self.labelled
        if not rows.any():
            return {}
        pick = (lambda a: a) if rows.all() else (lambda a: a[rows])  # noqa: E731 - no copy when all rows count
        if self.classifier:
            return classification_metrics(
                pick(self.y_codes),
                pick(s.codes),
                None if s.proba is None else pick(s.proba),
                len(self.scorer.class_list),
            )
        return regression_metrics(pick(self.y_float), pick(s.values))

    def measures(self, s: _Scores) -> tuple[dict[str, float | None], np.ndarray]:
        ok = ~s.bad
        out: dict[str, float | None] = {"flip_rate": None, "mean_proba_change": None, "mean_abs_change": None}
        if not ok.any():
            return out, ok
        rows = slice(None) if ok.all() else np.flatnonzero(ok)
        if self.classifier:
            idx = self.base.class_codes[rows]
            out["flip_rate"] = float(np.mean(s.class_codes[rows] != idx))
            if s.proba is not None and self.base_p is not None:
                p = s.proba[rows]
                out["mean_proba_change"] = float(
                    np.abs(np.take_along_axis(p, idx[:, None], axis=1)[:, 0] - self.base_p[rows]).mean()
                )
        else:
            assert self.spread is not None, "a regressor's context has its spread"
            out["mean_abs_change"] = float(np.abs(s.numbers[rows] - self.base.numbers[rows]).mean() / self.spread)
        return out, ok

    def result(
        self, name: str, sev: float, cols: tuple[str, ...], seed: int, s: _Scores, errors: tuple[str, ...] = ()
    ) -> PerturbationResult:
        values, ok = self.measures(s)
        metrics = self._metrics(s, ok)
        for key, base in self.baseline_metrics.items():
            if key in metrics:
                if self.classifier:
                    metrics[f"{key}_drop"] = base - metrics[key]
                else:
                    metrics[f"{key}_change"] = metrics[key] - base
        n_bad = int(s.bad.sum())
        if n_bad:
            what = "NaN probabilities" if self.scorer.proba else "NaN"
            errors = errors + (
                f"the model returned {what} for {n_bad} of {len(s.bad)} rows after '{name}' on {_quote(cols)}",
            )
        return PerturbationResult(
            name,
            float(sev),
            tuple(cols),
            values["flip_rate"],
            values["mean_proba_change"],
            values["mean_abs_change"],
            metrics,
            tuple(errors),
            int(ok.sum()),
            "error" if errors else "ok",
            seed,
        )

    def outcome_result(self, c: _Cell) -> PerturbationResult:
        """The result of a cell that ran (scored, or failed)."""
        if isinstance(c.outcome, tuple):
            status, message = c.outcome
            return PerturbationResult(
                c.name, float(c.severity), c.columns, None, None, None, {}, (message,), 0, status, c.seed
            )
        s = _ran(c)
        if self.classifier:
            codes = s.class_codes
            flips = (codes != self.base.class_codes) & ~s.bad
            better = flips & ((c.severity < self.min_sev) | ((c.severity == self.min_sev) & (c.order < self.min_order)))
            self.min_sev[better], self.min_order[better] = c.severity, c.order
            self.flipped_to[better] = codes[better]
        return self.result(c.name, c.severity, c.columns, c.seed, s)

    def sensitivity(self, c: _Cell) -> FeatureSensitivity:
        """The feature sensitivity of a sensitivity cell that ran."""
        assert c.feature is not None, "sensitivity cells name their feature"
        if isinstance(c.outcome, tuple):
            return FeatureSensitivity(c.feature, c.name, float(c.severity), math.nan, c.outcome[1])
        s = _ran(c)
        values, _ = self.measures(s)
        value = values["flip_rate"] if self.classifier else values["mean_abs_change"]
        error = ""
        if s.bad.any():
            error = f"the model returned NaN for {int(s.bad.sum())} rows"
        return FeatureSensitivity(c.feature, c.name, float(c.severity), math.nan if value is None else value, error)

    def fragile(self, names: list[str], sample: pd.DataFrame) -> tuple[FragileRow, ...]:
        classes = np.asarray(self.scorer.class_list, dtype=object)
        label = lambda codes: np.where(codes >= 0, classes[np.clip(codes, 0, None)], None)  # noqa: E731

        which = np.where(self.min_order >= 0, np.asarray(names, dtype=object)[np.clip(self.min_order, 0, None)], None)
        margin = None if self.base_p is None else self.base_p
        return fragile_rows(
            sample,
            min_severity=self.min_sev,
            perturbation=which,
            prediction=label(self.base.class_codes),
            flipped_to=label(self.flipped_to),
            confidence=margin,
        )


def _ran(c: _Cell) -> _Scores:
    """The scores of a cell that was scored (callers skip cells that did not run)."""
    assert isinstance(c.outcome, _Scores), "only cells that ran have results"
    return c.outcome


# -- inputs --------------------------------------------------------------------------------------
