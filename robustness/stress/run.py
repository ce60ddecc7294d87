"""One stress run on files: what the CLI shares with the page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from robustness.errors import ConfigError, DataError
from robustness.formatting import count, number, share
from robustness.io.data import read_table
from robustness.io.infer import infer_schema
from robustness.models import Task, load_model
from robustness.schema import ColumnRoles
from robustness.stress.config import StressConfig
from robustness.stress.results import StressResult
from robustness.stress.suite import run_stress
from robustness.workspace import check_features, guess_roles_with_model


@dataclass(frozen=True)
class StressRun:
    model_name: str
    data_name: str
    target: str | None
    result: StressResult

    def to_dict(self) -> dict[str, Any]:
        out = self.result.to_dict()
        out["model"], out["data"], out["target"] = self.model_name, self.data_name, self.target
        return out

    def text(self) -> str:
        r = self.result
        classifier = r.task != Task.REGRESSION
        measure = "flip rate" if classifier else "mean |change| / spread"
        lines = [
            f"Stress test: {self.model_name} on {self.data_name} ({count(r.n_rows)} rows, seed {r.seed})",
            f"{'perturbation':18s} {'severity':>8s} {measure:>22s}  notes",
        ]
        for p in r.results:
            value = p.flip_rate if classifier else p.mean_abs_change
            shown = "-" if value is None else share(value) if classifier else number(value)
            note = "; ".join(p.errors)
            lines.append(f"{p.perturbation[:18]:18s} {number(p.severity):>8s} {shown:>22s}  {note}")
        if r.feature_sensitivity:
            top = ", ".join(
                f"{f.feature} ({share(f.sensitivity) if classifier else number(f.sensitivity)})"
                for f in r.feature_sensitivity[:5]
            )
            lines.append(f"Most sensitive columns: {top}")
        for v in r.verdicts:
            if v.status != "pass":
                lines.append(f"{v.status.upper()}: {v.message}")
        lines.append(
            f"Robustness score {count(r.score)}/100 -> verdict {r.verdict.upper()}"
            + (" (stopped early)" if r.stopped else "")
        )
        return "\n".join(lines)


def run_stress_files(
    model_path: str | Path,
    data_path: str | Path,
    *,
    reference: str | Path | None = None,
    target: str | None = None,
    config: str | Path | StressConfig | None = None,
    seed: int | None = None,
    allow_pickle: bool = False,
    trusted_types: Iterable[str] = (),
) -> StressRun:
    model = load_model(model_path, allow_pickle=allow_pickle, trusted_types=trusted_types)
    if not model.has_model:  # pragma: no cover - files always hold a model
        raise ConfigError("Stress tests need a model that can score perturbed rows.")
    data = read_table(data_path)
    ref = read_table(reference) if reference else None
    cfg = _config(config, seed)
    roles = guess_roles_with_model(data.frame, model)
    target = _target(target, roles, data.frame, data.name)
    for table in (data, ref) if ref is not None else (data,):
        fc = check_features(model, table.frame, roles, dataset=table.name)
        if not fc.ok:
            raise DataError(fc.message())
    base = ref.frame if ref is not None else data.frame
    kinds = infer_schema(base).kinds()
    model.check_on(data.frame, name=data.name)
    result = run_stress(model, data.frame, target=target, reference=base, kinds=kinds, config=cfg)
    return StressRun(model_name=Path(model_path).name, data_name=data.name, target=target, result=result)


def _config(config: str | Path | StressConfig | None, seed: int | None) -> StressConfig:
    cfg = config if isinstance(config, StressConfig) else (StressConfig.from_file(config) if config else StressConfig())
    return replace(cfg, seed=int(seed)) if seed is not None else cfg


def _target(target: str | None, roles: ColumnRoles, frame: pd.DataFrame, name: str) -> str | None:
    if target is None:
        return roles.target
    if target not in frame.columns:
        raise ConfigError(
            f"The target column '{target}' is not in {name}. Columns there: "
            f"{', '.join(map(str, list(frame.columns)[:15]))}. Name another with --target."
        )
    return target


def run_stress_dask(
    model_path: str | Path,
    data_path: str,
    *,
    reference: str | None = None,
    target: str | None = None,
    config: str | Path | StressConfig | None = None,
    seed: int | None = None,
    allow_pickle: bool = False,
    trusted_types: Iterable[str] = (),
    scheduler: str | None = None,
    workers: int | None = None,
    memory_limit: str | None = None,
    processes: bool = True,
) -> StressRun:
    """The stress suite on Parquet datasets through Dask: ``config.max_rows`` rows sampled uniformly over
    every partition and scored on the workers (:func:`robustness.stress.dask_stress.stress_in`)."""
    from robustness.drift.dask_run import dataset_name
    from robustness.scale import Job
    from robustness.scale.head import parquet_head
    from robustness.scale.session import cluster_session
    from robustness.stress.dask_stress import stress_in

    model = load_model(model_path, allow_pickle=allow_pickle, trusted_types=trusted_types)
    cfg = _config(config, seed)
    name = dataset_name(data_path)
    head = parquet_head(data_path, "data")
    roles = guess_roles_with_model(head, model)
    target = _target(target, roles, head, name)
    tables = [(head, name)]
    if reference:
        tables.append((parquet_head(reference, "reference"), dataset_name(reference)))
    for frame, table_name in tables:
        fc = check_features(model, frame, roles, dataset=table_name)
        if not fc.ok:
            raise DataError(fc.message())
    model.check_on(head, name=name)
    with cluster_session(scheduler, workers=workers, memory_limit=memory_limit, processes=processes) as client:
        result = Job(
            lambda job: stress_in(job, model, data_path, target=target, reference_path=reference, config=cfg), client
        ).run()
    return StressRun(model_name=Path(model_path).name, data_name=name, target=target, result=result)
