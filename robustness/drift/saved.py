"""A reference kept as summaries, so a later drift check needs no reference file.

``robustness report --save`` keeps, per reference column, the summary the Dask engine reads
(:mod:`robustness.drift.chunked`), never a row:

- numbers, dates (epoch seconds) and text lengths: a :class:`~robustness.drift.binned.BinnedSummary`:
  per bin its count, the sum of its values and the count on its left edge, with the column's count,
  mean, sum of squared deviations, min and max, and the missing and infinite counts. The edges are the
  reference's quantiles (linear interpolation, as ``np.quantile``), as many as 8,192 bins (the Dask
  engine's) but never so many that a bin holds fewer than :data:`MIN_PER_BIN` values on average: no
  single value can be read back from a bin's sum (the Dask engine's finer bins are merged to that size,
  :func:`coarsen`). A column with few distinct values (whole numbers, codes: at most one per
  :data:`MIN_PER_BIN` values) keeps one edge per value: a count per value, as category counts are kept;
- categories and booleans: the count of each value (as text), and the missing count;
- text: the binned summary of its lengths in characters only. The texts are the rows' content, so they are
  not kept: a saved reference cannot compare a text column's content (the column is skipped, saying so,
  unless its test is set to a length test such as ``ks_bf``);
- identifiers: the row count; other role columns (prediction, timestamp, probabilities): their names.

:func:`drift_from_saved` then runs the one rule (:mod:`robustness.drift.rule`) on these summaries and
the current data's, summarised over the same edges, exactly as the Dask engine does. Statistics on
numbers are therefore within the binned bounds of :mod:`robustness.drift.binned` and
:mod:`robustness.drift.numeric` of the ones a run with the reference file gives (each column's
``details`` states its bound; counts are exact): the KS statistic within the largest share of a bin's
interior (at most about ``MIN_PER_BIN / n``: 0.001 for 5,000 rows, 0.0006 from 40,000 rows at 8,192
bins), the Wasserstein and shape distances within bin-width-weighted shares.

Payloads are NumPy ``.npz`` archives without pickles (``allow_pickle=False`` on reading: a database
cannot hand code to the reader) with a JSON header; their format name is versioned (``binned/1``).
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from robustness.drift.binned import BinnedSummary, fixed_edges
from robustness.drift.chunked import CategoryCounts, Part, Seen, _Mixed, drift_from_summaries, summarize_part
from robustness.drift.config import DriftConfig
from robustness.drift.results import DriftResult, FeatureDrift
from robustness.drift.summaries import numeric_values
from robustness.drift.text import TextSummary
from robustness.errors import DataError
from robustness.schema import ColumnKind, ColumnRoles

__all__ = [
    "MIN_PER_BIN",
    "SavedColumn",
    "SavedReference",
    "coarsen",
    "decode",
    "drift_from_saved",
    "encode",
    "summarize_reference",
]

K = ColumnKind
BINS = 8192  # as the Dask engine's edges
MIN_PER_BIN = 5
_NUMERIC = (K.NUMERICAL, K.DATETIME, K.TEXT)
FEATURE, TARGET = "feature", "target"
_ROLE_FIELDS = ("target", "prediction", "timestamp", "id")


@dataclass(frozen=True)
class SavedColumn:
    column: str
    role: str  # "feature", "target", "prediction", "timestamp", "id" or "probability:<class>"
    kind: ColumnKind
    summary: Any  # BinnedSummary | CategoryCounts | Seen | _Mixed | None (role columns not compared)


@dataclass(frozen=True)
class SavedReference:
    """A reference's per-column summaries and roles (see the module docstring)."""

    name: str
    rows: int
    columns: tuple[SavedColumn, ...]

    @property
    def roles(self) -> ColumnRoles:
        d: dict[str, Any] = {"probabilities": {}}
        for c in self.columns:
            if c.role in _ROLE_FIELDS:
                d[c.role] = c.column
            elif c.role.startswith("probability:"):
                d["probabilities"][c.role.removeprefix("probability:")] = c.column
        return ColumnRoles.from_dict(d)

    @property
    def features(self) -> list[str]:
        return [c.column for c in self.columns if c.role == FEATURE]

    @property
    def kinds(self) -> dict[str, ColumnKind]:
        return {c.column: c.kind for c in self.columns if c.summary is not None}

    @classmethod
    def from_stored(cls, name: str, rows: Iterable) -> SavedReference:
        """From stored rows (column, role, kind, format, payload), as :func:`encode` wrote them."""
        columns = tuple(
            SavedColumn(str(col), str(role), ColumnKind(kind), decode(str(fmt), payload))
            for col, role, kind, fmt, payload in rows
        )
        return cls(name, max((_rows(c.summary) for c in columns), default=0), columns)

    def part(self) -> Part:
        out: Part = {"__rows__": self.rows}
        out.update({c.column: c.summary for c in self.columns if c.summary is not None})
        return out

    def edges(self) -> dict[str, np.ndarray]:
        return {c.column: c.summary.edges for c in self.columns if isinstance(c.summary, BinnedSummary)}


def _rows(summary) -> int:
    if summary is None:
        return 0
    if isinstance(summary, (Seen, _Mixed)):
        return summary.rows
    if isinstance(summary, CategoryCounts):
        return int(summary.counts.sum()) + summary.n_missing
    return int(summary.n + summary.n_missing + summary.n_posinf + summary.n_neginf)


# -- building -----------------------------------------------------------------------------------------


def _role_of(roles: ColumnRoles) -> dict[str, str]:
    out = {label_col: f"probability:{label}" for label, label_col in roles.probabilities.items()}
    for name in reversed(_ROLE_FIELDS):  # the target wins when one column holds two roles
        col = getattr(roles, name)
        if col is not None:
            out[col] = name
    return out


def summarize_reference(
    frame: pd.DataFrame, kinds: Mapping[str, ColumnKind | str], roles: ColumnRoles, *, name: str = "reference"
) -> SavedReference:
    """The summaries to keep of a reference table (its features and target; role columns by name)."""
    role_of = _role_of(roles)
    column_kinds = {str(c): ColumnKind(kinds[c]) for c in frame.columns if c in kinds}
    compared = {c: k for c, k in column_kinds.items() if role_of.get(c, FEATURE) in (FEATURE, TARGET)}
    edges = {}
    for col, kind in compared.items():
        if kind in _NUMERIC:
            values, _ = numeric_values(frame[col], kind)
            if values is not None:
                finite = int(np.isfinite(values).sum())
                edges[col] = fixed_edges(values, max(1, min(BINS, finite // MIN_PER_BIN)))
    part = summarize_part(frame, compared, edges)
    return from_part(part, column_kinds, roles, name=name, rows=len(frame))


def from_part(
    part: Part, kinds: Mapping[str, ColumnKind], roles: ColumnRoles, *, name: str, rows: int | None = None
) -> SavedReference:
    """A SavedReference from a merged Part (either engine's): bins coarsened to :data:`MIN_PER_BIN`."""
    role_of = _role_of(roles)
    columns = []
    for col, kind in kinds.items():
        role = role_of.get(col, FEATURE)
        summary = part.get(col) if role in (FEATURE, TARGET) else None
        if isinstance(summary, TextSummary):  # the lengths only: texts are rows' content
            summary = summary.lengths
        if isinstance(summary, BinnedSummary):
            summary = coarsen(summary)
        columns.append(SavedColumn(col, role, ColumnKind(kind), summary))
    for col, role in role_of.items():  # role columns without a kind: kept by name
        if col not in kinds:
            columns.append(SavedColumn(col, role, K.ID, None))
    return SavedReference(name, int(part.get("__rows__", 0) if rows is None else rows), tuple(columns))


def coarsen(s: BinnedSummary, min_per_bin: int = MIN_PER_BIN) -> BinnedSummary:
    """The same summary over every k-th edge (the first and the last kept), k the smallest stride that puts
    ``min_per_bin`` values in a bin on average (edges at distinct values too: a value on a removed edge joins
    its bin's interior). Counts, sums and moments are unchanged; only positions within merged bins are lost."""
    n_bins = s.edges.size - 1
    if n_bins < 2 or s.n == 0:
        return s
    stride = math.ceil(min_per_bin * n_bins / s.n)
    if stride <= 1:
        return s
    kept = np.unique(np.append(np.arange(0, n_bins + 1, stride), n_bins))
    groups = kept[:-1]  # new bin j holds the old bins kept[j] .. kept[j + 1] - 1
    counts = np.concatenate(([s.counts[0]], np.add.reduceat(s.counts[1:-1], groups), [s.counts[-1]]))
    sums = None
    if s.sums is not None:
        sums = np.concatenate(([s.sums[0]], np.add.reduceat(s.sums[1:-1], groups), [s.sums[-1]]))
    return BinnedSummary(
        s.edges[kept],
        counts.astype(np.int64),
        s.at_edge[kept].astype(np.int64),
        s.n_missing,
        s.n_posinf,
        s.n_neginf,
        s.n,
        s.mean,
        s.m2,
        s.min,
        s.max,
        sums,
    )


# -- storing ------------------------------------------------------------------------------------------


def encode(summary) -> tuple[str, bytes]:
    """(format name, payload) of a column's summary; ("none", b"") for a column kept by name only."""
    if summary is None:
        return "none", b""
    meta: dict[str, Any]
    arrays: dict[str, Any] = {}  # every value an array (Any: savez_compressed also takes allow_pickle)
    if isinstance(summary, BinnedSummary):
        fmt = "binned/1"
        meta = {f: getattr(summary, f) for f in ("n_missing", "n_posinf", "n_neginf", "n", "mean", "m2", "min", "max")}
        arrays = {"edges": summary.edges, "counts": summary.counts, "at_edge": summary.at_edge}
        if summary.sums is not None:
            arrays["sums"] = summary.sums
    elif isinstance(summary, CategoryCounts):
        fmt = "counts/1"
        meta = {"labels": [str(x) for x in summary.counts.index], "n_missing": summary.n_missing}
        arrays = {"counts": summary.counts.to_numpy(dtype=np.int64)}
    elif isinstance(summary, (Seen, _Mixed)):
        fmt = "seen/1" if isinstance(summary, Seen) else "mixed/1"
        meta = {"rows": summary.rows}
    else:
        raise TypeError(f"No stored form for {type(summary).__name__}.")
    meta = {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in meta.items()}
    buf = io.BytesIO()
    header = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    np.savez_compressed(buf, meta=header, **arrays)
    return fmt, buf.getvalue()


def decode(fmt: str, payload: bytes | None):
    """The summary back from :func:`encode`'s output."""
    if fmt == "none":
        return None
    try:
        with np.load(io.BytesIO(payload or b""), allow_pickle=False) as z:
            meta = json.loads(z["meta"].tobytes().decode("utf-8"))
            arrays = {k: z[k] for k in z.files if k != "meta"}
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"A saved reference summary could not be read ({exc}); save the run again.") from None
    if fmt == "binned/1":
        return BinnedSummary(
            arrays["edges"].astype(np.float64),
            arrays["counts"].astype(np.int64),
            arrays["at_edge"].astype(np.int64),
            int(meta["n_missing"]),
            int(meta["n_posinf"]),
            int(meta["n_neginf"]),
            int(meta["n"]),
            float(meta["mean"]),
            float(meta["m2"]),
            float(meta["min"]),
            float(meta["max"]),
            arrays["sums"].astype(np.float64) if "sums" in arrays else None,
        )
    if fmt == "counts/1":
        index = pd.Index(meta["labels"], dtype=object)
        return CategoryCounts(pd.Series(arrays["counts"].astype(np.int64), index=index), int(meta["n_missing"]))
    if fmt == "seen/1":
        return Seen(int(meta["rows"]))
    if fmt == "mixed/1":
        return _Mixed(int(meta["rows"]))
    raise DataError(f"A saved reference summary has the format {fmt!r}, which this version cannot read.")


# -- using --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedDrift:
    """The outcome of a drift check against a saved reference (what DriftRun holds)."""

    roles: ColumnRoles
    result: DriftResult
    target: FeatureDrift | None


def compared_columns(saved: SavedReference, current_columns: Iterable[str]) -> list[str]:
    """The saved features, then the current data's other columns that hold no role (as in memory)."""
    role_cols = set(saved.roles.role_columns())
    features = saved.features
    return features + [c for c in current_columns if c not in role_cols and c not in features]


def drift_from_saved(
    saved: SavedReference,
    current: Part,
    current_kinds: Mapping[str, ColumnKind],
    *,
    config: DriftConfig | None = None,
) -> SavedDrift:
    """The rule on the saved summaries and the current data's (summarised over :meth:`SavedReference.edges`
    with :func:`~robustness.drift.chunked.summarize_part`); ``current_kinds`` for columns only the current
    data has."""
    reference = saved.part()
    kinds = saved.kinds
    names = compared_columns(saved, [c for c in current if c != "__rows__"])
    features = {c: kinds.get(c) or ColumnKind(current_kinds[c]) for c in names}
    result = drift_from_summaries(reference, current, features, config=config)
    target = None
    t = saved.roles.target
    if t and t in kinds and t in current:
        target = drift_from_summaries(reference, current, {t: kinds[t]}, config=config).features[0]
    return SavedDrift(saved.roles, result, target)


def summarize_current(frame: pd.DataFrame, saved: SavedReference) -> tuple[Part, dict[str, ColumnKind]]:
    """The current table's summaries over the saved edges, and the kinds of its columns the saved
    reference does not have (inferred on the current data)."""
    from robustness.io.infer import infer_kind

    role_cols = set(saved.roles.role_columns())
    kinds = saved.kinds
    extra = {str(c): infer_kind(frame[c]) for c in frame.columns if c not in kinds and c not in role_cols}
    part = summarize_part(frame, kinds, saved.edges())
    part.update({c: Seen(len(frame)) for c in extra})  # not in the reference: skipped, as in memory
    return part, extra
