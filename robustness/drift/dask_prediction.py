"""The model's outputs and their drift on Parquet datasets through Dask (the model travels once: see
:mod:`robustness.scale.model_work`). The results are the in-memory ones
(:class:`~robustness.drift.prediction.PredictionDrift`), so pages, CLI and report do not know which engine ran.

**Predictions** (:func:`predictions_in`): every partition is scored where it lives; its outputs (the
columns of :func:`~robustness.drift.prediction.model_outputs`: the predicted class and class
probabilities, or the prediction) are summarised with :func:`~robustness.drift.chunked.summarize_part`
over bin edges fixed from the outputs on a bounded sample of the first dataset, and the summaries
merge on the workers (:meth:`~robustness.scale.Job.map_reduce`). **Prediction drift**
(:func:`prediction_drift_in`) decides on the merged summaries with the chunked engine's rule: class
counts exactly, probabilities and regression outputs binned (within the bounds documented in
:mod:`robustness.drift.binned`); the means are exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from robustness.drift.binned import BinnedSummary
from robustness.drift.chunked import drift_from_summaries, merge_parts, numeric_edges, summarize_part
from robustness.drift.prediction import PREDICTION, PredictionDrift, model_outputs
from robustness.models import ModelAdapter
from robustness.scale.jobs import Job
from robustness.scale.model_work import ShippedModel, draw_sample, open_for_model, ship_model, unpack_model
from robustness.schema import ColumnKind

__all__ = ["OutputSummary", "prediction_drift_in", "prediction_drift_parquet", "predictions_in", "predictions_parquet"]

SAMPLE_ROWS = 200_000  # rows whose outputs fix the bin edges (as robustness.drift.dask_engine)


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

    shipped, model = unpack_model(model)
    columns = columns if columns is not None else model.feature_names
    frames = {name: open_for_model(path, name, columns) for name, path in paths.items()}
    first = next(iter(frames))
    sample, _ = draw_sample(job, frames[first], sample_rows, seed, first)
    outputs, kinds = model_outputs(model, sample)  # fails here, in the in-memory words, if the model fails
    edges = numeric_edges(outputs, kinds)
    on_workers = ship_model(job, shipped)
    summarize = dask.delayed(_summarize_outputs, pure=False)
    groups = {name: [summarize(on_workers, p, kinds, edges) for p in ddf.to_delayed()] for name, ddf in frames.items()}
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


# -- one call, one job ----------------------------------------------------------------------------


def predictions_parquet(model: ModelAdapter | ShippedModel, path: str, *, client=None, **options) -> OutputSummary:
    """:func:`predictions_in` as one :class:`Job` on ``client`` (the default scheduler when None)."""
    return Job(lambda job: predictions_in(job, model, path, **options), client).run()


def prediction_drift_parquet(
    model: ModelAdapter | ShippedModel, reference: str, current: str, *, client=None, **options
) -> PredictionDrift:
    """:func:`prediction_drift_in` as one :class:`Job`."""
    return Job(lambda job: prediction_drift_in(job, model, reference, current, **options), client).run()
