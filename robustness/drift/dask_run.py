"""`robustness drift --engine dask`: the same DriftRun (text and JSON contract) as in memory."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from robustness.drift.chunked import drift_from_summaries
from robustness.drift.config import DriftConfig
from robustness.drift.dask_engine import summarize_in
from robustness.drift.run import DriftRun, guessed_roles
from robustness.drift.saved import SavedReference, drift_from_saved
from robustness.scale import Job, open_parquet
from robustness.scale.head import parquet_head
from robustness.scale.session import cluster_session
from robustness.schema import ColumnRoles


def dataset_name(path) -> str:
    return Path(str(path).rstrip("/")).name or str(path)


def parquet_roles(reference: str, roles: dict | None = None) -> tuple[ColumnRoles, list[str]]:
    """Roles guessed on the reference's first rows (``roles`` wins), and every column name."""
    head = parquet_head(reference, "reference")
    return ColumnRoles.from_dict(guessed_roles(head, roles)), list(head.columns)


def drift_run_in(
    job: Job,
    reference: str,
    current: str,
    *,
    config: DriftConfig | None = None,
    roles: dict | ColumnRoles | None = None,
) -> DriftRun:
    """The DriftRun of two Parquet datasets, computed through ``job`` (roles: given ColumnRoles are used
    as they are; a dict is completed by guessing on the reference's first rows)."""
    if isinstance(roles, ColumnRoles):
        final, columns = roles, list(open_parquet(reference, "reference").columns)
    else:
        final, columns = parquet_roles(reference, roles)
    role_cols = set(final.role_columns())
    features = [c for c in columns if c not in role_cols]
    target = final.target if final.target in columns else None
    r, c, kinds = summarize_in(job, reference, current, columns=features + ([target] if target else []))
    job.set_stage("Testing")
    result = drift_from_summaries(r, c, {k: v for k, v in kinds.items() if k != target}, config=config)
    target_drift = None
    if target and target in c:
        target_drift = drift_from_summaries(r, c, {target: kinds[target]}, config=config).features[0]
    return DriftRun(
        dataset_name(reference),
        dataset_name(current),
        final,
        result,
        target_drift,
        pd.DataFrame(),
        pd.DataFrame(),
        kinds=kinds,
        reference_summaries=r,
    )


def drift_job(
    reference: str, current: str, *, config: DriftConfig | None = None, roles: dict | None = None, client=None
) -> Job:
    """A Job (not started) whose result is the DriftRun of two Parquet datasets."""
    return Job(lambda job: drift_run_in(job, reference, current, config=config, roles=roles), client)


def run_drift_dask(
    reference: str,
    current: str,
    *,
    config: DriftConfig | None = None,
    roles: dict | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    memory_limit: str | None = None,
    processes: bool = True,
) -> DriftRun:
    parquet_roles(reference, roles)  # bad paths fail before a cluster starts
    with cluster_session(scheduler, workers=workers, memory_limit=memory_limit, processes=processes) as client:
        return drift_job(reference, current, config=config, roles=roles, client=client).run()


def saved_run_in(job: Job, saved: SavedReference, current: str, *, config: DriftConfig | None = None) -> DriftRun:
    """The DriftRun of a Parquet dataset against a saved run's reference summaries: every current partition
    summarised over the saved bin edges on the workers, merged, then the one rule."""
    import dask

    from robustness.drift.chunked import Seen, merge_parts, summarize_part
    from robustness.io.infer import infer_schema
    from robustness.scale.head import parquet_head

    head = parquet_head(current, "current")
    role_cols = set(saved.roles.role_columns())
    kinds = saved.kinds
    others = [c for c in head.columns if c not in kinds and c not in role_cols]
    extra = infer_schema(head[others]).kinds() if others else {}
    cur = open_parquet(current, "current", [c for c in head.columns if c in kinds], optional=True)
    summarize = dask.delayed(summarize_part, pure=True)
    parts = [summarize(p, kinds, saved.edges()) for p in cur.to_delayed()]
    merged = job.map_reduce({"current": parts}, merge_parts, lambda: {"__rows__": 0})["current"]
    merged.update({c: Seen(0) for c in extra})  # not in the reference: skipped, as in memory
    job.set_stage("Testing")
    out = drift_from_saved(saved, merged, extra, config=config)
    return DriftRun(
        saved.name, dataset_name(current), out.roles, out.result, out.target, pd.DataFrame(), pd.DataFrame()
    )


def run_saved_dask(
    saved: SavedReference,
    current: str,
    *,
    config: DriftConfig | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    memory_limit: str | None = None,
    processes: bool = True,
) -> DriftRun:
    parquet_head(current, "current")  # a bad path fails before a cluster starts
    with cluster_session(scheduler, workers=workers, memory_limit=memory_limit, processes=processes) as client:
        return Job(lambda job: saved_run_in(job, saved, current, config=config), client).run()
