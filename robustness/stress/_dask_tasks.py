"""What the stress suite runs on the Dask workers (the plan is in :func:`robustness.stress.dask_stress.stress_in`).

- The sample: a simple random sample drawn per partition on the workers
  (:func:`robustness.scale.model_work.draw_sample`), kept on the cluster.
- The cells: every task holds the whole sample, scores the unperturbed sample and the perturbed
  copies of its share of the suite's cells (every ``groups``-th cell) with the in-memory suite's own
  code (``robustness.stress.suite``), and returns their results; the parts merge by union. A
  perturbation draws its rows and noise over the whole sample with one random stream, so splitting
  by cells rather than by rows is what keeps the numbers equal to ``run_stress`` on the same rows
  (roc_auc included: every cell's metrics see all its rows at once). Each task scores the unperturbed
  sample itself (one model call of the sample's size per task, a few per worker) rather than
  receiving the suite's internal scoring state. Memory per task: the sample plus one batch of
  ``BATCH_ROWS`` stacked rows, as in memory.
- Fragile rows: each task keeps, for the rows of a bounded uniform subsample, the lowest
  (severity, perturbation) that flipped them among its cells; the minimum merges exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from robustness.stress.config import StressConfig
from robustness.stress.perturbations import PerturbationSpec, ReferenceStats, register, registry
from robustness.stress.results import FeatureSensitivity, PerturbationResult
from robustness.stress.suite import _run_cells, _sample_positions, _scored_baseline, _sensitivity_cells, _suite_cells

if TYPE_CHECKING:
    from robustness.scale.model_work import ShippedModel

__all__ = ["Plan", "StressPart", "merge_parts", "ordered_results", "run_group", "sorted_sensitivity"]


@dataclass(frozen=True)
class Plan:
    """What every task needs besides the model and the sample; sent to the workers once."""

    inputs: list[str]
    target: str | None
    stats: ReferenceStats
    names: list[str]  # perturbations, in suite order
    columns: list[str]  # the columns perturbed
    config: StressConfig
    groups: int  # tasks; task g scores cells g, g + groups, ...
    fragile_rows: int  # rows of the fragile subsample
    custom: dict[str, PerturbationSpec] = field(default_factory=dict)  # user-registered perturbations


@dataclass(frozen=True)
class Head:
    """What only the first task returns: the baseline, and the fragile subsample's rows."""

    n_rows: int  # the sample minus the rows the model returned NaN for
    notes: tuple[str, ...]
    baseline: dict[str, float]
    classes: list[Any] | None
    rows: pd.DataFrame  # the fragile subsample (inputs only)
    codes: np.ndarray | None  # its unperturbed class indices
    confidence: np.ndarray | None  # its unperturbed probability of the predicted class


#: Per fragile row: (the lowest severity that flipped it, the perturbation's order there, the class it flipped to)
Flips = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass
class StressPart:
    results: dict[tuple[int, float], PerturbationResult] = field(default_factory=dict)  # by (order, severity)
    sensitivity: list[FeatureSensitivity] = field(default_factory=list)
    fragile: Flips | None = None
    head: Head | None = None


def merge_parts(a: StressPart, b: StressPart) -> StressPart:
    """Union of two tasks' cells (associative and commutative: cells are disjoint, fragile keeps the minimum)."""
    return StressPart(
        {**a.results, **b.results},
        a.sensitivity + b.sensitivity,
        _lowest(a.fragile, b.fragile),
        a.head if a.head is not None else b.head,
    )


def _lowest(a: Flips | None, b: Flips | None) -> Flips | None:
    if a is None or b is None:
        return b if a is None else a
    better = (b[0] < a[0]) | ((b[0] == a[0]) & (b[1] < a[1]))
    sev, order, code = (np.where(better, y, x) for x, y in zip(a, b))
    return sev, order, code


def run_group(shipped: ShippedModel, sample: pd.DataFrame, plan: Plan, group: int) -> StressPart:
    """Score the unperturbed sample and the cells of ``group``, as ``run_stress`` does."""
    have = registry()
    for name, spec in plan.custom.items():  # a perturbation registered in the client process only
        if name not in have:
            register(
                name,
                spec.fn,
                kinds=spec.kinds,
                description=spec.description,
                scope=spec.scope,
                default_severity=spec.default_severity,
            )
    model, specs, config = shipped.adapter, registry(), plan.config
    y = None if plan.target is None else sample[plan.target]
    ctx, data, notes = _scored_baseline(model, sample[plan.inputs], y, config)
    cells, ready = _suite_cells(ctx, plan.names, specs, plan.stats, plan.columns, config)
    sens, sens_errors = _sensitivity_cells(specs, plan.stats, plan.columns, config)
    mine = (cells + sens)[group :: plan.groups]
    _run_cells(mine, data, plan.stats, ctx.scorer, None, None)
    part = StressPart()
    for c in mine:
        if c.feature is None:
            part.results[(c.order, c.severity)] = ctx.outcome_result(c)
        else:
            part.sensitivity.append(ctx.sensitivity(c))
    pos = _sample_positions(len(data), plan.fragile_rows, config.seed)
    pos = np.arange(len(data)) if pos is None else pos
    if model.is_classifier:
        part.fragile = (ctx.min_sev[pos], ctx.min_order[pos], ctx.flipped_to[pos])
    if group == 0:
        part.results.update(ready)
        part.sensitivity.extend(sens_errors)
        base = ctx.base
        part.head = Head(
            len(data),
            tuple(notes),
            dict(ctx.baseline_metrics),
            ctx.scorer.classes,
            data.iloc[pos],
            None if base.codes is None else base.codes[pos],
            None if ctx.base_p is None else ctx.base_p[pos],
        )
    return part


def sorted_sensitivity(items: Iterable[FeatureSensitivity]) -> tuple[FeatureSensitivity, ...]:
    """In the in-memory suite's order: most sensitive first, errors last."""
    return tuple(sorted(items, key=lambda f: (np.isnan(f.sensitivity), -np.nan_to_num(f.sensitivity), f.feature)))


def ordered_results(results: dict[tuple[int, float], PerturbationResult]) -> tuple[PerturbationResult, ...]:
    return tuple(results[k] for k in sorted(results))
