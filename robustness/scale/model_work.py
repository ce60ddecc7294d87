"""Model work on Parquet datasets through Dask: predictions, prediction drift and the stress suite.

The results are the in-memory ones (:class:`~robustness.drift.prediction.PredictionDrift`,
:class:`~robustness.stress.results.StressResult`), so pages, CLI and report do not know which engine ran.

**The model travels once.** :func:`ship_model` scatters a :class:`ShippedModel` with
``broadcast=True``: one copy lands in each worker's memory and every task receives that copy. A
scikit-learn adapter (from skops, pickle or an estimator) travels as itself; an ONNX adapter, whose
onnxruntime session does not pickle, travels as the model's bytes, and each worker opens its
session once, on first use.

**Predictions** (:func:`predictions_in`): every partition is scored where it lives; its outputs (the
columns of :func:`~robustness.drift.prediction.model_outputs`: the predicted class and class
probabilities, or the prediction) are summarised with :func:`~robustness.drift.chunked.summarize_part`
over bin edges fixed from the outputs on a bounded sample of the first dataset, and the summaries
merge on the workers (:meth:`~robustness.scale.Job.map_reduce`). **Prediction drift**
(:func:`prediction_drift_in`) decides on the merged summaries with the chunked engine's rule: class
counts exactly, probabilities and regression outputs binned (within the bounds documented in
:mod:`robustness.drift.binned`); the means are exact.

**Stress** (:func:`stress_in`): a simple random sample of ``config.max_rows`` rows drawn per
partition in proportion, kept on the cluster; perturbation magnitudes learnt on the client from a
uniform reference sample of at most ``reference_rows`` rows and sent once with the plan; the suite's
cells split over tasks that each score the whole sample (see :mod:`robustness.scale._stress_tasks`
for why cells and not rows). Every number equals ``run_stress`` on the same sampled rows, roc_auc
included. Fragile rows are ranked on a uniform subsample of at most ``fragile_rows_max`` rows (the
whole sample at the defaults); the result's notes state both sizes.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from robustness.drift.binned import BinnedSummary
from robustness.drift.chunked import drift_from_summaries, merge_parts, numeric_edges, summarize_part
from robustness.drift.prediction import PREDICTION, PredictionDrift, model_outputs
from robustness.errors import ConfigError, DataError, ModelError
from robustness.models import ModelAdapter
from robustness.scale import _stress_tasks as tasks
from robustness.scale.cluster import open_parquet
from robustness.scale.jobs import Job
from robustness.schema import ColumnKind
from robustness.stress._inputs import _chosen_columns, _chosen_perturbations, _input_columns, _labels, _quote, _task
from robustness.stress.config import StressConfig, judge, robustness_score, suite_verdict
from robustness.stress.fragile import fragile_rows
from robustness.stress.perturbations import ReferenceStats, applicable, registry
from robustness.stress.results import StressResult

__all__ = [
    "OutputSummary",
    "ShippedModel",
    "arrivals",
    "prediction_drift_in",
    "prediction_drift_parquet",
    "open_for_model",
    "predictions_in",
    "predictions_parquet",
    "sample_in",
    "ship_model",
    "stress_in",
    "stress_parquet",
    "uniform_sample_parquet",
]

SAMPLE_ROWS = 200_000  # rows whose outputs fix the bin edges (as robustness.drift.dask_engine)
REFERENCE_ROWS = 100_000  # reference rows the perturbation magnitudes are learnt from
FRAGILE_ROWS = 2_000  # rows the fragile-row ranking covers
_BUILTIN = "robustness.stress.perturbations"
_ARRIVALS: dict[str, int] = {}  # ShippedModel token -> times it was unpickled in this process


# -- the model on the workers -------------------------------------------------------------------


class ShippedModel:
    """What travels to the workers in place of a :class:`ModelAdapter`; ``.adapter`` is the model there."""

    def __init__(self, adapter: ModelAdapter):
        self.token = uuid.uuid4().hex
        self._adapter: ModelAdapter | None = adapter
        self._onnx = None
        session = getattr(adapter, "_session", None)
        if session is not None:  # an OnnxAdapter: its session cannot be pickled, its bytes can
            data = getattr(session, "_model_bytes", None)
            if data is None:
                raise ModelError(
                    "The ONNX model cannot be sent to the Dask workers because its bytes are not "
                    "available. Load it with robustness.models.load_model from its file or bytes."
                )
            self._onnx = (
                bytes(data),
                {
                    "feature_names": adapter.feature_names if getattr(adapter, "_matrix", False) else None,
                    "classes": adapter.classes,
                    "name": adapter.name,
                },
            )
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        return {"token": self.token, "adapter": None if self._onnx else self._adapter, "onnx": self._onnx}

    def __setstate__(self, state: dict) -> None:
        self.token, self._adapter, self._onnx = state["token"], state["adapter"], state["onnx"]
        self._lock = threading.Lock()
        _ARRIVALS[self.token] = _ARRIVALS.get(self.token, 0) + 1

    @property
    def adapter(self) -> ModelAdapter:
        if self._adapter is None:
            with self._lock:
                if self._adapter is None:
                    from robustness.models.onnx import OnnxAdapter

                    data, options = self._onnx
                    self._adapter = OnnxAdapter(data, **options)
        return self._adapter


def arrivals(token: str) -> int:
    """How many times the shipped model ``token`` arrived in this process (1 per worker: it travelled once)."""
    return _ARRIVALS.get(token, 0)


def ship_model(job: Job, model: ModelAdapter | ShippedModel):
    """One copy of the model on every worker: a Future to pass into tasks (the object itself without a client)."""
    shipped = model if isinstance(model, ShippedModel) else ShippedModel(model)
    return shipped if job.client is None else _scatter(job, shipped)


def _unpack(model) -> tuple[ShippedModel, ModelAdapter]:
    shipped = model if isinstance(model, ShippedModel) else ShippedModel(model)
    return shipped, shipped.adapter


def _scatter(job: Job, obj):
    return obj if job.client is None else job.client.scatter(obj, broadcast=True, hash=False)


# -- cluster helpers ------------------------------------------------------------------------------


def open_for_model(path: str, name: str, columns: Sequence[str] | None = None):
    """The dataset with text as Python strings (as the in-memory reader gives them), so models and
    perturbations see the same values and dtypes in both engines."""
    import dask

    with dask.config.set({"dataframe.convert-string": False}):
        return open_parquet(path, name, columns)


def _wait(job: Job, futures: list) -> None:
    """Wait for ``futures``, checking for cancellation; raise the first error."""
    try:
        while not all(f.done() for f in futures):
            job.check()
            time.sleep(0.05)
        job.check()
    except BaseException:
        job.client.cancel(futures)
        raise
    for f in futures:
        if f.status == "error":
            raise f.exception()


def _gather(job: Job, items: list, label: str) -> list:
    """Compute delayed objects and bring their (small) results here."""
    job.check()
    job.set_stage(label, len(items))
    if job.client is None:
        import dask

        return list(dask.compute(*items))
    futures = job.client.compute(list(items))
    _wait(job, futures)
    return job.client.gather(futures)


def _hold(job: Job, item, label: str):
    """Compute a delayed object and keep it on the cluster (a Future; the value itself without a client)."""
    if job.client is None:
        return _gather(job, [item], label)[0]
    job.check()
    job.set_stage(label, 1)
    future = job.client.compute(item)
    _wait(job, [future])
    return future


def _row_counts(job: Job, ddf, name: str) -> list[int]:
    import dask

    counts = _gather(job, [dask.delayed(len)(p) for p in ddf.to_delayed()], f"Counting the {name} rows")
    if sum(counts) == 0:
        raise DataError(f"The {name} Parquet dataset has no rows.")
    return [int(c) for c in counts]


def _shares(ddf, counts: Sequence[int], rows: int, seed: int) -> list:
    """Delayed per-partition shares of a simple random sample of ``rows`` rows (see _stress_tasks)."""
    import dask

    take = tasks.allocate(counts, rows, seed)
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))
    share = dask.delayed(tasks.take_share, pure=True)
    return [share(p, int(k), seed, i, int(o)) for i, (p, k, o) in enumerate(zip(ddf.to_delayed(), take, offsets)) if k]


def _sample(job: Job, ddf, rows: int, seed: int, name: str, counts=None) -> tuple[pd.DataFrame, int]:
    """(a uniform sample of at most ``rows`` rows, brought here; the dataset's row count)."""
    import dask

    counts = _row_counts(job, ddf, name) if counts is None else counts
    (sample,) = _gather(
        job, [dask.delayed(tasks.join_shares)(*_shares(ddf, counts, rows, seed))], f"Sampling the {name} data"
    )
    return sample, sum(counts)


def sample_in(
    job: Job, path: str, rows: int, *, seed: int = 0, name: str = "data", columns: Sequence[str] | None = None
) -> tuple[pd.DataFrame, int]:
    """(a uniform sample of at most ``rows`` rows of a Parquet dataset, brought here; its row count)."""
    return _sample(job, open_for_model(path, name, columns), rows, seed, name)


def uniform_sample_parquet(
    path: str, rows: int, *, seed: int = 0, columns: Sequence[str] | None = None, client=None
) -> pd.DataFrame:
    """The uniform sample :func:`stress_parquet` scores (``rows=config.max_rows``, ``seed=config.seed``),
    brought to this process: for checks and small samples. Rows are labelled by their row number."""
    return Job(lambda job: _sample(job, open_for_model(path, "data", columns), rows, seed, "data")[0], client).run()


# -- predictions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputSummary:
    """A dataset's model outputs, summarised per partition and merged (see robustness.drift.chunked)."""

    task: str
    kinds: dict[str, ColumnKind]  # output column -> kind, as model_outputs names them
    summary: dict  # output column -> BinnedSummary | CategoryCounts, plus "__rows__"

    @property
    def n_rows(self) -> int:
        return int(self.summary.get("__rows__", 0))

    def mean(self, column: str) -> float | None:
        """The mean of a numerical output over the dataset (None for the predicted class)."""
        s = self.summary.get(column)
        return s.mean if isinstance(s, BinnedSummary) and s.n else None


def _summarize_outputs(shipped: ShippedModel, part: pd.DataFrame, kinds, edges) -> dict:
    if len(part) == 0:
        return {"__rows__": 0}
    outputs, _ = model_outputs(shipped.adapter, part)
    return summarize_part(outputs, kinds, edges)


def _outputs_in(
    job: Job, model, paths: Mapping[str, str], *, columns, sample_rows: int, seed: int
) -> dict[str, OutputSummary]:
    import dask

    shipped, model = _unpack(model)
    columns = columns if columns is not None else model.feature_names
    frames = {name: open_for_model(path, name, columns) for name, path in paths.items()}
    first = next(iter(frames))
    sample, _ = _sample(job, frames[first], sample_rows, seed, first)
    outputs, kinds = model_outputs(model, sample)  # fails here, in the in-memory words, if the model fails
    edges = numeric_edges(outputs, kinds)
    shipped = ship_model(job, shipped)
    summarize = dask.delayed(_summarize_outputs, pure=False)
    groups = {name: [summarize(shipped, p, kinds, edges) for p in ddf.to_delayed()] for name, ddf in frames.items()}
    merged = job.map_reduce(groups, merge_parts, lambda: {"__rows__": 0}, label="Scoring partitions")
    return {name: OutputSummary(model.task.value, kinds, merged[name]) for name in frames}


def predictions_in(
    job: Job,
    model: ModelAdapter | ShippedModel,
    path: str,
    *,
    columns: Sequence[str] | None = None,
    sample_rows: int = SAMPLE_ROWS,
    seed: int = 0,
) -> OutputSummary:
    """The model's outputs on a Parquet dataset, summarised per partition on the workers and merged.
    ``columns``: the columns read (default: the model's feature names, else all)."""
    return _outputs_in(job, model, {"data": path}, columns=columns, sample_rows=sample_rows, seed=seed)["data"]


def prediction_drift_in(
    job: Job,
    model: ModelAdapter | ShippedModel,
    reference_path: str,
    current_path: str,
    *,
    config=None,
    columns: Sequence[str] | None = None,
    sample_rows: int = SAMPLE_ROWS,
    seed: int = 0,
) -> PredictionDrift:
    """Drift of the model's outputs between two Parquet datasets, as
    :func:`robustness.drift.prediction.prediction_drift` reports it in memory."""
    out = _outputs_in(
        job,
        model,
        {"reference": reference_path, "current": current_path},
        columns=columns,
        sample_rows=sample_rows,
        seed=seed,
    )
    ref, cur = out["reference"], out["current"]
    job.set_stage("Testing")
    result = drift_from_summaries(ref.summary, cur.summary, ref.kinds, config=config)
    feats = tuple(result.feature(c) for c in ref.kinds)
    ref_means = tuple(ref.mean(c) for c in ref.kinds)
    cur_means = tuple(cur.mean(c) for c in ref.kinds)
    drifted = [f.feature for f in feats if f.drifted]
    parts = [
        f"the {'mean prediction' if c == PREDICTION else f'mean predicted probability {c}'} moved from "
        f"{r:.3g} to {m:.3g}"
        for c, r, m in zip(ref.kinds, ref_means, cur_means)
        if r is not None and m is not None
    ]
    msg = (
        f"The model's outputs have drifted ({', '.join(drifted)})"
        if drifted
        else "The model's outputs show no significant drift"
    )
    msg += f": {'; '.join(parts)}." if parts else "."
    return PredictionDrift(ref.task, feats, ref_means, cur_means, bool(drifted), msg)


# -- stress ---------------------------------------------------------------------------------------


def stress_in(
    job: Job,
    model: ModelAdapter | ShippedModel,
    path: str,
    *,
    target: str | None = None,
    reference_path: str | None = None,
    kinds: Mapping | None = None,
    config: StressConfig | None = None,
    reference_rows: int = REFERENCE_ROWS,
    fragile_rows_max: int = FRAGILE_ROWS,
) -> StressResult:
    """The stress suite on a Parquet dataset (see the module docstring): ``run_stress``'s result on a
    uniform sample of ``config.max_rows`` rows, scored on the workers."""
    import dask

    shipped, model = _unpack(model)
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
    counts = _row_counts(job, data, "data")
    ref_sample, n_ref = _sample(
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

    sample = _hold(
        job,
        dask.delayed(tasks.join_shares)(*_shares(data, counts, config.max_rows, config.seed)),
        "Drawing the stress sample",
    )
    shipped, sent = ship_model(job, shipped), _scatter(job, plan)
    run = dask.delayed(tasks.run_group, pure=False)
    part = job.map_reduce(
        {"cells": [run(shipped, sample, sent, g) for g in range(plan.groups)]},
        tasks.merge_parts,
        tasks.StressPart,
        label="Scoring perturbed copies",
    )["cells"]
    head = part.head
    ordered = tasks.ordered_results(part.results)
    verdicts = judge(ordered, names, specs, config, classifier=model.is_classifier)
    fragile = ()
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


# -- one call, one job ----------------------------------------------------------------------------


def predictions_parquet(model: ModelAdapter | ShippedModel, path: str, *, client=None, **options) -> OutputSummary:
    """:func:`predictions_in` as one :class:`Job` on ``client`` (the default scheduler when None)."""
    return Job(lambda job: predictions_in(job, model, path, **options), client).run()


def prediction_drift_parquet(
    model: ModelAdapter | ShippedModel, reference: str, current: str, *, client=None, **options
) -> PredictionDrift:
    """:func:`prediction_drift_in` as one :class:`Job`."""
    return Job(lambda job: prediction_drift_in(job, model, reference, current, **options), client).run()


def stress_parquet(
    model: ModelAdapter | ShippedModel,
    path: str,
    *,
    client=None,
    target: str | None = None,
    reference: str | None = None,
    **options,
) -> StressResult:
    """:func:`stress_in` as one :class:`Job`; ``options``: kinds, config, reference_rows, fragile_rows_max."""
    return Job(
        lambda job: stress_in(job, model, path, target=target, reference_path=reference, **options), client
    ).run()
