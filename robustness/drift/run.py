"""One drift comparison of two loaded tables: what the CLI, the page and the report share."""

from __future__ import annotations

import glob
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from robustness.drift import DriftConfig, drift
from robustness.drift.results import DriftResult, FeatureDrift
from robustness.errors import DataError
from robustness.io.data import LoadedTable, read_table
from robustness.io.infer import guess_roles, infer_kind, infer_schema, validate_roles
from robustness.schema import ColumnKind, ColumnRoles

if TYPE_CHECKING:
    from robustness.drift.saved import SavedReference


@dataclass(frozen=True)
class DriftRun:
    reference_name: str
    current_name: str
    roles: ColumnRoles
    result: DriftResult  # the input columns (role columns excluded)
    target: FeatureDrift | None  # target drift when both files have labels
    reference: pd.DataFrame  # kept for exports; never serialised
    current: pd.DataFrame
    kinds: Mapping[str, ColumnKind] = field(default_factory=dict)  # of the reference's columns
    reference_summaries: dict[str, Any] | None = None  # the reference's merged Part (Dask), when at hand

    def saved_reference(self) -> SavedReference | None:
        """The reference's summaries to keep with a saved run (``robustness.drift.saved``): from the Dask
        engine's merged summaries, or summarised now from the reference table; None without either."""
        from robustness.drift.saved import from_part, summarize_reference

        if self.reference_summaries is not None:
            return from_part(self.reference_summaries, dict(self.kinds), self.roles, name=self.reference_name)
        if self.reference.empty or not self.kinds:
            return None
        return summarize_reference(self.reference, self.kinds, self.roles, name=self.reference_name)

    def to_dict(self) -> dict:
        out = self.result.to_dict()
        out["reference"] = self.reference_name
        out["current"] = self.current_name
        out["roles"] = self.roles.to_dict()
        out["target"] = None if self.target is None else self.target.to_dict()
        return out

    def text(self) -> str:
        d = self.result.dataset
        lines = [
            f"Drift: {self.reference_name} (reference) vs {self.current_name} (current)",
            f"{'column':28s} {'kind':11s} {'test':13s} {'statistic':>10s} {'p-value':>9s} {'effect':>8s}  verdict",
        ]
        order = sorted(self.result.features, key=lambda f: (f.status != "ok", -(f.effect_size or 0)))
        for f in order:
            if f.status != "ok":
                lines.append(
                    f"{f.feature[:28]:28s} {f.kind.value:11s} {'-':13s} {'':>10s} {'':>9s} {'':>8s}  "
                    f"{f.status}: {f.message}"
                )
                continue
            lines.append(
                f"{f.feature[:28]:28s} {f.kind.value:11s} {f.test:13s} {_num(f.statistic):>10s} "
                f"{_num(f.p_value):>9s} {_num(f.effect_size):>8s}  {'DRIFTED' if f.drifted else 'ok'}"
            )
        if self.target is not None:
            t = self.target
            lines.append(
                f"Target '{t.feature}': {t.test} effect {_num(t.effect_size)}, "
                f"{'DRIFTED' if t.drifted else 'no drift'}."
            )
        lines.append(
            f"Dataset: {d.n_drifted} of {d.n_columns} columns drifted ({d.drifted_share:.0%}; "
            f"the dataset counts as drifted at {d.share_threshold:.0%}) -> "
            + ("DRIFTED" if d.drifted else "no dataset drift")
        )
        return "\n".join(lines)


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:.4g}"


def feature_columns(reference: pd.DataFrame, current: pd.DataFrame, roles: ColumnRoles) -> list[str]:
    """Every column of either file except the role columns, reference order first."""
    role_cols = set(roles.role_columns())
    cols = [c for c in reference.columns if c not in role_cols]
    cols += [c for c in current.columns if c not in role_cols and c not in cols]
    return cols


def run_drift(
    reference: LoadedTable,
    current: LoadedTable,
    *,
    roles: ColumnRoles,
    kinds: Mapping[str, ColumnKind] | None = None,
    config: DriftConfig | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> DriftRun:
    ref, cur = reference.frame, current.frame
    kinds = dict(kinds) if kinds is not None else infer_schema(ref).kinds()
    for c in cur.columns:  # columns only in current still need a kind
        if c not in kinds:
            kinds[c] = infer_kind(cur[c])
    result = drift(ref, cur, kinds=kinds, columns=feature_columns(ref, cur, roles), config=config, progress=progress)
    target = None
    if roles.target and roles.target in ref.columns and roles.target in cur.columns:
        target = drift(ref, cur, kinds=kinds, columns=[roles.target], config=config).features[0]
    return DriftRun(
        reference.name,
        current.name,
        roles,
        result,
        target,
        ref,
        cur,
        kinds={c: k for c, k in kinds.items() if c in ref.columns},
    )


def read_dataset(source: str | Path) -> LoadedTable:
    """A CSV or Parquet file, or a local Parquet folder or glob read into one table (the same paths the
    Dask engine takes; every file through ``read_table`` with its checks, then concatenated)."""
    text = str(source)
    path = Path(text)
    if not (path.is_dir() or any(ch in text for ch in "*?[")):
        return read_table(source)
    files = sorted(path.glob("*.parquet")) if path.is_dir() else sorted(Path(p) for p in glob.glob(text))
    files = [f for f in files if f.is_file()]
    if not files:
        raise DataError(
            f"No Parquet files in {text}: give a folder of .parquet files, a glob that matches some, or a file."
        )
    tables = [read_table(f, min_rows=0) for f in files]
    columns = list(tables[0].frame.columns)
    for t, f in zip(tables, files):
        if list(t.frame.columns) != columns:
            raise DataError(
                f"{f.name} has other columns than {files[0].name}; every file of {text} must hold the same ones."
            )
    frame = pd.concat([t.frame for t in tables], ignore_index=True)
    name = Path(text.rstrip("/")).name or text
    digest = hashlib.sha256("".join(t.sha256 for t in tables).encode()).hexdigest()
    note = f"{len(files)} Parquet files read from {text}."
    return LoadedTable(frame, name, "parquet", None, None, digest, sum(t.n_bytes for t in tables), (note,))


def guessed_roles(frame: pd.DataFrame, roles: Mapping[str, str | None] | None = None) -> dict:
    """Roles guessed on ``frame``, the ones named in ``roles`` winning (as a ColumnRoles dict)."""
    guessed = guess_roles(frame).to_dict()
    for key, value in (roles or {}).items():
        if value is not None:
            guessed[key] = value
    # a guessed column must not hold two roles once the user named one
    named = {v for v in (roles or {}).values() if v}
    for key in ("target", "prediction", "timestamp", "id"):
        if (roles or {}).get(key) is None and guessed.get(key) in named:
            guessed[key] = None
    return guessed


def run_drift_files(
    reference: str | Path,
    current: str | Path,
    *,
    config: DriftConfig | None = None,
    roles: Mapping[str, str | None] | None = None,
) -> DriftRun:
    """Read two files (or Parquet folders / globs), guess the column roles (explicit ones win) and
    compare them."""
    ref, cur = read_dataset(reference), read_dataset(current)
    guessed = guessed_roles(ref.frame, roles)
    final = ColumnRoles.from_dict(guessed)
    validate_roles(ref.frame, final, name=ref.name)
    cur_roles = ColumnRoles.from_dict(
        {**guessed, "target": final.target if final.target in cur.frame.columns else None}
    )
    validate_roles(cur.frame, cur_roles, name=cur.name)
    return run_drift(ref, cur, roles=final, config=config)


def drift_run_from_saved(saved: SavedReference, current: str | Path, *, config: DriftConfig | None = None) -> DriftRun:
    """A DriftRun of a current file (or Parquet folder / glob) against a saved run's reference summaries
    (``robustness.drift.saved``): the current data summarised over the saved bin edges, then the one rule."""
    from robustness.drift.saved import drift_from_saved, summarize_current

    table = read_dataset(current)
    part, extra = summarize_current(table.frame, saved)
    out = drift_from_saved(saved, part, extra, config=config)
    return DriftRun(saved.name, table.name, out.roles, out.result, out.target, pd.DataFrame(), table.frame)
