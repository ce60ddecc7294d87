"""The stress suite on a Parquet dataset through Dask; the result is the in-memory one
(:class:`~robustness.stress.results.StressResult`), so pages, CLI and report do not know which engine ran.

:func:`stress_in`: a simple random sample of ``config.max_rows`` rows drawn per partition in proportion
(:func:`robustness.scale.model_work.draw_sample`), kept on the cluster; perturbation magnitudes learnt on the
client from a uniform reference sample of at most ``reference_rows`` rows and sent once with the plan; the
suite's cells split over tasks that each score the whole sample (see :mod:`robustness.stress._dask_tasks`
for why cells and not rows). Every number equals ``run_stress`` on the same sampled rows, roc_auc
included. Fragile rows are ranked on a uniform subsample of at most ``fragile_rows_max`` rows (the
whole sample at the defaults); the result's notes state both sizes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from robustness.errors import ConfigError, DataError, ModelError
from robustness.models import ModelAdapter
from robustness.scale.jobs import Job
from robustness.scale.model_work import (
    ShippedModel,
    draw_sample,
    hold,
    join_shares,
    open_for_model,
    row_counts,
    sample_shares,
    scatter,
    ship_model,
    unpack_model,
)
from robustness.schema import ColumnKind
from robustness.stress import _dask_tasks as tasks
from robustness.stress._inputs import _chosen_columns, _chosen_perturbations, _input_columns, _labels, _quote, _task
from robustness.stress.config import StressConfig, judge, robustness_score, suite_verdict
from robustness.stress.fragile import FragileRow, fragile_rows
from robustness.stress.perturbations import ReferenceStats, applicable, registry
from robustness.stress.results import StressResult

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["stress_in", "stress_parquet"]

REFERENCE_ROWS = 100_000  # reference rows the perturbation magnitudes are learnt from
FRAGILE_ROWS = 2_000  # rows the fragile-row ranking covers
_BUILTIN = "robustness.stress.perturbations"


def stress_in(
    job: Job,
    model: ModelAdapter | ShippedModel,
    path: str,
    *,
    target: str | None = None,
    reference_path: str | None = None,
    kinds: Mapping[str, ColumnKind | str] | None = None,
    config: StressConfig | None = None,
    reference_rows: int = REFERENCE_ROWS,
    fragile_rows_max: int = FRAGILE_ROWS,
) -> StressResult:
    """The stress suite on a Parquet dataset (see the module docstring): ``run_stress``'s result on a
    uniform sample of ``config.max_rows`` rows, scored on the workers."""
    import dask

    shipped, model = unpack_model(model)
    config = config if config is not None else StressConfig()
    if not isinstance(config, StressConfig):
        raise ConfigError(
            "stress_in() takes its settings as a StressConfig; build one with StressConfig.from_dict({...})."
        )
    if not getattr(model, "has_model", True):
        raise ModelError(
            "The stress suite needs a model that can score perturbed rows; predictions read from "
            "columns cannot be recomputed. Load the model file."
        )
    if target is not None and not isinstance(target, str):
        raise ConfigError(f"On a Parquet dataset the target is the name of its column, not {type(target).__name__}.")
    data = open_for_model(path, "data")
    labels = _labels(data._meta, target)
    inputs = _input_columns(model, data._meta, labels)
    data = data[inputs + ([target] if target is not None else [])]
    ref = data if reference_path is None else open_for_model(reference_path, "reference")
    missing = [c for c in inputs if c not in ref.columns]
    if missing:
        raise DataError(
            f"The reference data lacks the model's input column(s) {_quote(missing)}. Use reference "
            "data with the same columns as the data."
        )
    counts = row_counts(job, data, "data")
    ref_sample, n_ref = draw_sample(
        job, ref[inputs], reference_rows, config.seed, "reference", counts=counts if reference_path is None else None
    )
    stats = ReferenceStats.from_frame(
        ref_sample, kinds={k: v for k, v in (kinds or {}).items() if k in inputs}, columns=inputs
    )
    specs = registry()
    columns = _chosen_columns(config, inputs, stats, specs)
    names = _chosen_perturbations(config, specs)
    used = set(names) | set(config.sensitivity_perturbation.values())
    custom = {n: s for n, s in specs.items() if n in used and getattr(s.fn, "__module__", "") != _BUILTIN}
    n_cells = len(columns) + sum(
        len([s for s in config.severities if s > 0]) for n in names if applicable(n, stats, columns)
    )
    slots = sum(job.client.nthreads().values()) if job.client is not None else 1
    plan = tasks.Plan(
        inputs, target, stats, names, columns, config, max(1, min(n_cells, 2 * slots)), fragile_rows_max, custom
    )

    sample = hold(
        job,
        dask.delayed(join_shares)(*sample_shares(data, counts, config.max_rows, config.seed)),
        "Drawing the stress sample",
    )
    # The plan first: unpickling it imports the task code on the workers, which must not come between shipping
    # the model and the tasks that use it (the active memory manager drops replicas that no task waits for yet,
    # and a dropped copy travels again).
    sent = scatter(job, plan)
    on_workers = ship_model(job, shipped)
    run = dask.delayed(tasks.run_group, pure=False)
    part: tasks.StressPart = job.map_reduce(
        {"cells": [run(on_workers, sample, sent, g) for g in range(plan.groups)]},
        tasks.merge_parts,
        tasks.StressPart,
        label="Scoring perturbed copies",
    )["cells"]
    head = part.head
    assert head is not None, "the task of group 0 returns the head, and there is always one group"
    ordered = tasks.ordered_results(part.results)
    verdicts = judge(ordered, names, specs, config, classifier=model.is_classifier)
    fragile: tuple[FragileRow, ...] = ()
    if model.is_classifier and part.fragile is not None:
        min_sev, min_order, flipped_to = part.fragile
        classes = np.asarray(head.classes, dtype=object)
        label = lambda codes: np.where(codes >= 0, classes[np.clip(codes, 0, None)], None)  # noqa: E731
        which = np.where(min_order >= 0, np.asarray(names, dtype=object)[np.clip(min_order, 0, None)], None)
        fragile = fragile_rows(
            head.rows,
            min_severity=min_sev,
            perturbation=which,
            prediction=label(head.codes),
            flipped_to=label(flipped_to),
            confidence=head.confidence,
        )
    n_data = sum(counts)
    notes = list(head.notes) + [
        f"Stress measures: a uniform sample of {head.n_rows:,} of the {n_data:,} rows"
        + (" (all of them)." if head.n_rows == n_data else ", drawn per partition in proportion."),
        f"Perturbation magnitudes: learnt from {len(ref_sample):,} of the {n_ref:,} rows of the "
        f"{'data' if reference_path is None else 'reference'}.",
    ]
    if model.is_classifier:
        notes.append(f"Fragile rows: searched among {len(head.rows):,} of the {head.n_rows:,} sampled rows.")
    return StressResult(
        task=_task(model),
        seed=config.seed,
        n_rows=head.n_rows,
        columns=tuple(columns),
        results=ordered,
        feature_sensitivity=tasks.sorted_sensitivity(part.sensitivity),
        verdicts=verdicts,
        verdict=suite_verdict(verdicts),
        score=robustness_score(verdicts),
        baseline=head.baseline,
        config=config.to_dict(),
        stopped=False,
        fragile=fragile,
        notes=tuple(notes),
    )


def stress_parquet(
    model: ModelAdapter | ShippedModel,
    path: str,
    *,
    client: Client | None = None,
    target: str | None = None,
    reference: str | None = None,
    **options: Any,
) -> StressResult:
    """:func:`stress_in` as one :class:`Job`; ``options``: kinds, config, reference_rows, fragile_rows_max."""
    return Job(
        lambda job: stress_in(job, model, path, target=target, reference_path=reference, **options), client
    ).run()
