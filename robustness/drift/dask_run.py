"""`robustness drift --engine dask`: the same DriftRun (text and JSON contract) as in memory."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from robustness.drift.chunked import drift_from_summaries
from robustness.drift.config import DriftConfig
from robustness.drift.dask_engine import connect, open_parquet, summarize_parquet
from robustness.drift.run import DriftRun
from robustness.io.infer import guess_roles
from robustness.schema import ColumnRoles


def run_drift_dask(reference: str, current: str, *, config: DriftConfig | None = None, roles: dict | None = None,
                   scheduler: str | None = None, workers: int | None = None, memory_limit: str | None = None,
                   processes: bool = True) -> DriftRun:
    head = open_parquet(reference, "reference").head(2_000, npartitions=-1)
    guessed = guess_roles(head).to_dict()
    named = {v for v in (roles or {}).values() if v}
    for key, value in (roles or {}).items():
        if value is not None:
            guessed[key] = value
    for key in ("target", "prediction", "timestamp", "id"):
        if (roles or {}).get(key) is None and guessed.get(key) in named:
            guessed[key] = None
    final = ColumnRoles.from_dict(guessed)
    role_cols = set(final.role_columns())
    features = [c for c in head.columns if c not in role_cols]
    target = final.target if final.target in head.columns else None
    client = connect(scheduler, workers=workers, memory_limit=memory_limit, processes=processes)
    try:
        r, c, kinds = summarize_parquet(reference, current, columns=features + ([target] if target else []),
                                        client=client)
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None and scheduler is None:
            cluster.close()
    result = drift_from_summaries(r, c, {k: v for k, v in kinds.items() if k != target}, config=config)
    target_drift = None
    if target and target in c:
        target_drift = drift_from_summaries(r, c, {target: kinds[target]}, config=config).features[0]
    name = lambda p: Path(str(p).rstrip("/")).name or str(p)  # noqa: E731
    return DriftRun(name(reference), name(current), final, result, target_drift, pd.DataFrame(), pd.DataFrame())
