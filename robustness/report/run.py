"""One trust-report run on files: what the CLI shares with the page."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from robustness.errors import ConfigError, DataError
from robustness.io.data import read_table
from robustness.models import load_model
from robustness.report.scorecard import ReportConfig, TrustReport, build_report
from robustness.schema import ColumnRoles
from robustness.workspace import Workspace, build_workspace, guess_roles_with_model

if TYPE_CHECKING:
    from robustness.compare import ComparisonResult


def report_config(config, seed) -> ReportConfig:
    """A ReportConfig from an object, a file path or None (the defaults), with ``seed`` when given."""
    cfg = config if isinstance(config, ReportConfig) else (ReportConfig.from_file(config) if config else ReportConfig())
    return ReportConfig.from_dict({**cfg.to_dict(), "seed": int(seed)}) if seed is not None else cfg


def report_roles(reference: pd.DataFrame, name: str, model, target: str | None) -> ColumnRoles:
    """Roles guessed on the reference (with the model's feature list); ``target`` wins."""
    if target is not None and target not in reference.columns:
        raise ConfigError(
            f"The target column '{target}' is not in {name}. Columns there: "
            f"{', '.join(map(str, list(reference.columns)[:15]))}. Name another with --target."
        )
    guessed = guess_roles_with_model(reference, model)
    return ColumnRoles.from_dict({**guessed.to_dict(), **({"target": target} if target else {})})


def with_challenger(
    report: TrustReport, comparison: ComparisonResult, *, name: str | None, sha256: str | None
) -> TrustReport:
    """``report`` with its "Champion vs challenger" section: the comparison among its results (under
    ``"compare"``, for the exports and :func:`robustness.report.story.challenger_section`) and the challenger's
    name and hash in its manifest."""
    manifest = {**report.manifest, "challenger": {"name": name, "sha256": sha256}}
    return replace(report, results={**report.results, "compare": comparison}, manifest=manifest)


def compare_in_report(ws: Workspace, config: ReportConfig | None = None, *, n_boot: int = 1000) -> ComparisonResult:
    """The comparison a report carries for a workspace with a challenger: the same seed as the report's checks."""
    from robustness.compare import compare_workspace

    return compare_workspace(ws, n_boot=n_boot, seed=(config or ReportConfig()).seed)


def report_files(
    model_path: str | Path,
    reference_path: str | Path,
    current_path: str | Path,
    *,
    target: str | None = None,
    config: str | Path | ReportConfig | None = None,
    seed: int | None = None,
    allow_pickle: bool = False,
    trusted_types=(),
    feature_names=None,
    challenger_path: str | Path | None = None,
) -> TrustReport:
    """Read the model and both files, assemble a workspace (roles guessed, ``target`` wins) and
    build the trust report. Bad input raises a RobustnessError naming the file and the fix.
    ``challenger_path``: a second model, checked like the app checks one and compared with the first in the
    report's "Champion vs challenger" section."""
    cfg = report_config(config, seed)
    model = load_model(model_path, allow_pickle=allow_pickle, trusted_types=trusted_types, feature_names=feature_names)
    reference, current = read_table(reference_path), read_table(current_path)
    if reference.frame.empty:
        raise DataError(f"The reference file {reference.name} has no rows; the report compares current data with it.")
    if current.frame.empty:
        raise DataError(f"The current file {current.name} has no rows; there is nothing to check.")
    roles = report_roles(reference.frame, reference.name, model, target)
    digest = hashlib.sha256(Path(model_path).read_bytes()).hexdigest()
    ws = build_workspace(reference, current, roles, model=model, model_name=Path(model_path).name, model_sha256=digest)
    if challenger_path is None:
        return build_report(ws, cfg)
    from robustness.compare import check_challenger

    challenger = load_model(
        challenger_path, allow_pickle=allow_pickle, trusted_types=trusted_types, feature_names=feature_names
    )
    check_challenger(model, challenger, {reference.name: reference.frame, current.name: current.frame})
    challenger_digest = hashlib.sha256(Path(challenger_path).read_bytes()).hexdigest()
    ws = ws.with_challenger(challenger, name=Path(challenger_path).name, sha256=challenger_digest)
    report = build_report(ws, cfg)
    return with_challenger(report, compare_in_report(ws, cfg), name=ws.challenger_name, sha256=challenger_digest)


#: Rows per dataset sampled for the areas that need rows in memory (explanations, performance, uncertainty).
SAMPLE_ROWS = 20_000


def _fingerprint(path: str) -> tuple[str, int]:
    """sha256 over the dataset's file names, sizes and modification times (hashing the bytes of a
    dataset larger than memory is a job of its own), and its size on disk (0 for URLs)."""
    import glob
    import os

    paths = (
        [path]
        if "://" in path
        else sorted(
            glob.glob(os.path.join(path, "**", "*"), recursive=True) if os.path.isdir(path) else glob.glob(path)
        )
    )
    h, total = hashlib.sha256(), 0
    for p in paths:
        size, mtime = (os.path.getsize(p), int(os.path.getmtime(p))) if os.path.isfile(p) else (0, 0)
        total += size
        h.update(f"{os.path.relpath(p, path) if os.path.isdir(path) else p}\0{size}\0{mtime}\n".encode())
    return h.hexdigest(), total


def report_dask(
    model_path: str | Path,
    reference_path: str,
    current_path: str,
    *,
    target: str | None = None,
    config: str | Path | ReportConfig | None = None,
    seed: int | None = None,
    allow_pickle: bool = False,
    trusted_types=(),
    feature_names=None,
    scheduler: str | None = None,
    workers: int | None = None,
    memory_limit: str | None = None,
    processes: bool = True,
    sample_rows: int = SAMPLE_ROWS,
) -> TrustReport:
    """The trust report on Parquet datasets through Dask. Data quality, drift and the stress suite run on
    the whole datasets on the cluster (stress on ``stress_rows`` rows sampled over every partition);
    explanation shift, performance and uncertainty run on uniform samples of ``sample_rows`` rows per
    dataset. The manifest says which (``engine``, ``rows`` and ``sample_rows`` per dataset)."""
    from robustness.drift.dask_run import dataset_name, drift_run_in
    from robustness.io.data import LoadedTable
    from robustness.quality.dask_quality import quality_job_work
    from robustness.scale import Job
    from robustness.scale.head import parquet_head
    from robustness.scale.model_work import sample_in
    from robustness.scale.session import cluster_session
    from robustness.stress import StressConfig
    from robustness.stress.dask_stress import stress_in

    cfg = report_config(config, seed)
    model = load_model(model_path, allow_pickle=allow_pickle, trusted_types=trusted_types, feature_names=feature_names)
    head = parquet_head(reference_path, "reference")
    ref_name, cur_name = dataset_name(reference_path), dataset_name(current_path)
    if head.empty:
        raise DataError(f"The reference dataset {ref_name} has no rows; the report compares current data with it.")
    roles = report_roles(head, ref_name, model, target)

    def work(job: Job):
        quality = (
            quality_job_work(job, reference_path, current_path, roles=roles) if "Data quality" in cfg.checks else None
        )
        drift = drift_run_in(job, reference_path, current_path, roles=roles) if "Data drift" in cfg.checks else None
        job.set_stage("Sampling rows for explanations and performance")
        ref_frame, n_ref = sample_in(job, reference_path, sample_rows, seed=cfg.seed, name="reference")
        cur_frame, n_cur = sample_in(job, current_path, sample_rows, seed=cfg.seed, name="current")
        labelled = bool(roles.target) and roles.target in cur_frame.columns and cur_frame[roles.target].notna().any()
        stress = None
        if "Stress tests" in cfg.checks:
            stress = stress_in(
                job,
                model,
                current_path,
                target=roles.target if labelled else None,
                reference_path=reference_path,
                config=StressConfig(max_rows=cfg.stress_rows, seed=cfg.seed),
            )
        return quality, drift, stress, (ref_frame, n_ref), (cur_frame, n_cur)

    with cluster_session(scheduler, workers=workers, memory_limit=memory_limit, processes=processes) as client:
        quality, drift, stress, (ref_frame, n_ref), (cur_frame, n_cur) = Job(work, client).run()
    tables = []
    for frame, n, path, name in (
        (ref_frame, n_ref, reference_path, ref_name),
        (cur_frame, n_cur, current_path, cur_name),
    ):
        digest, size = _fingerprint(str(path))
        note = f"A uniform sample of {len(frame):,} of {n:,} rows (Dask engine)."
        tables.append(LoadedTable(frame, name, "parquet", None, None, digest, size, (note,)))
    digest = hashlib.sha256(Path(model_path).read_bytes()).hexdigest()
    ws = build_workspace(
        tables[0], tables[1], roles, model=model, model_name=Path(model_path).name, model_sha256=digest
    )
    precomputed = {k: v for k, v in (("quality", quality), ("drift", drift), ("stress", stress)) if v is not None}
    extra = {
        "engine": "dask",
        "reference": {
            "name": ref_name,
            "fingerprint": tables[0].sha256,
            "rows": n_ref,
            "sample_rows": len(ref_frame),
            "columns": len(ref_frame.columns),
        },
        "current": {
            "name": cur_name,
            "fingerprint": tables[1].sha256,
            "rows": n_cur,
            "sample_rows": len(cur_frame),
            "columns": len(cur_frame.columns),
        },
        "whole_data": sorted(precomputed),
        "sampled": ["explain", "performance", "uncertainty"],
    }
    return build_report(ws, cfg, precomputed=precomputed, manifest_extra=extra)
