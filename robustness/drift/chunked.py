"""The drift engine on data that arrives in parts (chunks of a file, partitions of a Dask frame).

Each part is summarised on its own (:func:`summarize_part`): numeric columns (numerical, datetime as
epoch seconds) as :class:`~robustness.drift.binned.BinnedSummary` over edges fixed in advance from a
bounded reference sample, text as the BinnedSummary of its lengths in characters with a bottom-k sample
of its word counts (:class:`~robustness.drift.text.TextSummary`), categorical and boolean columns as value
counts, id columns as a row count only. Parts merge in any order (:func:`merge_parts`), so a cluster
reduces them in a tree and only summaries travel. :func:`drift_from_summaries` then hands the merged
summaries to the one rule (``robustness.drift.rule``), exactly as the in-memory engine hands it exact
ones: the same test choice, overrides, thresholds, skip reasons and dataset verdict. Statistics on
binned numbers are within the bounds documented in ``robustness.drift.binned`` and
``robustness.drift.numeric`` (the message states them); counts are exact. A test that needs the exact
values (``cramervonmises``) is refused with :class:`~robustness.drift.rule.UnsupportedTest`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from robustness.drift.binned import BinnedSummary, fixed_edges
from robustness.drift.config import DriftConfig
from robustness.drift.results import DriftResult
from robustness.drift.rule import MIXED, Verdict, check_overrides, decide, infinities, judge, pooled
from robustness.drift.stattests import registry
from robustness.drift.summaries import align_categories, category_counts, numeric_values
from robustness.drift.text import TextSummary, doc_sample
from robustness.schema import ColumnKind

__all__ = [
    "CategoryCounts",
    "drift_from_parts",
    "drift_from_summaries",
    "merge_parts",
    "numeric_edges",
    "summarize_part",
]

K = ColumnKind
_NUMERIC = (K.NUMERICAL, K.DATETIME, K.TEXT)
_CATEGORIES = (K.CATEGORICAL, K.BOOLEAN)


@dataclass(frozen=True, eq=False)
class CategoryCounts:
    counts: pd.Series  # int64, indexed by the values as text (as the in-memory engine labels them)
    n_missing: int

    def merge(self, other: CategoryCounts) -> CategoryCounts:
        return CategoryCounts(
            self.counts.add(other.counts, fill_value=0).astype(np.int64), self.n_missing + other.n_missing
        )


@dataclass(frozen=True, eq=False)
class Seen:
    """A column that is not summarised (identifiers): only that it is there, and its rows."""

    rows: int

    def merge(self, other: Seen) -> Seen:
        return Seen(self.rows + other.rows)


Part = dict  # column -> BinnedSummary | CategoryCounts | Seen, plus "__rows__" -> int


def numeric_edges(sample: pd.DataFrame, kinds: Mapping[str, ColumnKind], *, bins: int = 8192) -> dict[str, np.ndarray]:
    """Bin edges per numeric column from a (bounded, uniform) reference sample."""
    out = {}
    for col, given in kinds.items():
        kind = ColumnKind(given)
        if kind in _NUMERIC and col in sample.columns:
            values, _ = numeric_values(sample[col], kind)
            if values is not None:
                out[col] = fixed_edges(values, bins)
    return out


def summarize_part(frame: pd.DataFrame, kinds: Mapping[str, ColumnKind], edges: Mapping[str, np.ndarray]) -> Part:
    """One part's summaries (columns absent from the part are left out)."""
    out: Part = {"__rows__": len(frame)}
    for col, kind in kinds.items():
        if col not in frame.columns:
            continue
        if kind is K.ID:
            out[col] = Seen(len(frame))
            continue
        if kind in _NUMERIC and col in edges:
            values, _ = numeric_values(frame[col], kind)
            if values is not None:
                binned = BinnedSummary.of(values, edges[col])
                # text: its lengths and a sample of its word counts (robustness.drift.text)
                out[col] = TextSummary(binned, doc_sample(frame[col])) if kind is K.TEXT else binned
                continue
        if kind in _CATEGORIES or kind in _NUMERIC:
            counts, missing, _ = category_counts(frame[col], kind if kind in _CATEGORIES else K.CATEGORICAL)
            out[col] = CategoryCounts(counts, missing)
    return out


def merge_parts(a: Part, b: Part) -> Part:
    out: Part = {"__rows__": a.get("__rows__", 0) + b.get("__rows__", 0)}
    for col in dict.fromkeys(list(a) + list(b)):
        if col == "__rows__":
            continue
        if col in a and col in b:
            x, y = a[col], b[col]
            out[col] = x.merge(y) if type(x) is type(y) else _Mixed(_rows(x) + _rows(y))
        else:
            out[col] = a.get(col, b.get(col))
    return out


@dataclass(frozen=True, eq=False)
class _Mixed:
    """Parts that disagree on a column's type (numbers in some, text in others)."""

    rows: int

    def merge(self, other) -> _Mixed:
        return _Mixed(self.rows + _rows(other))


def _rows(s) -> int:
    if isinstance(s, TextSummary):
        s = s.lengths
    if isinstance(s, (Seen, _Mixed)):
        return s.rows
    if isinstance(s, CategoryCounts):
        return int(s.counts.sum()) + s.n_missing
    return int(s.n + s.n_missing + s.n_posinf + s.n_neginf)


def drift_from_summaries(
    reference: Part, current: Part, kinds: Mapping[str, ColumnKind], *, config: DriftConfig | None = None
) -> DriftResult:
    """The rule on merged summaries (``robustness.drift.rule``), as the in-memory engine applies it."""
    cfg = config or DriftConfig()
    kinds = {c: ColumnKind(k) for c, k in kinds.items()}
    tests = registry()
    check_overrides(cfg, kinds, tests)
    verdicts: list[Verdict] = []
    for col, kind in kinds.items():
        r, c = reference.get(col), current.get(col)
        if r is None or c is None or kind is K.ID or isinstance(r, Seen) or isinstance(c, Seen):
            verdicts.append(judge(col, kind, r, c, cfg, tests=tests))
        elif isinstance(r, BinnedSummary) and isinstance(c, BinnedSummary):
            notes = infinities(r.n_posinf + r.n_neginf, c.n_posinf + c.n_neginf)
            verdicts.append(judge(col, kind, r, c, cfg, notes=notes, tests=tests))
        elif isinstance(r, (TextSummary, BinnedSummary)) and isinstance(c, (TextSummary, BinnedSummary)):
            # text: a side kept as lengths only (a saved run's reference) has no texts for the content test
            r_text = r if isinstance(r, TextSummary) else TextSummary(r, None)
            c_text = c if isinstance(c, TextSummary) else TextSummary(c, None)
            verdicts.append(judge(col, kind, r_text, c_text, cfg, tests=tests))
        elif isinstance(r, CategoryCounts) and isinstance(c, CategoryCounts):
            notes = [MIXED] if kind in _NUMERIC else []
            compared = K.CATEGORICAL if kind in _NUMERIC else kind
            n_categories = len(r.counts.index.union(c.counts.index))
            ref, cur = align_categories(r.counts, c.counts, r.n_missing, c.n_missing, max_categories=cfg.max_categories)
            if n_categories > cfg.max_categories:
                notes.append(pooled(n_categories, cfg.max_categories, ref.categories[-1]))
            verdicts.append(judge(col, compared, ref, cur, cfg, notes=notes, n_categories=n_categories, tests=tests))
        else:
            v = Verdict(col, kind, status="skipped", test="none")
            v.notes.append(
                "The column holds numbers in some parts and text in others, so the parts cannot be combined; "
                "set its kind to categorical to compare it as text categories."
            )
            verdicts.append(v)
    return decide(verdicts, cfg)


def drift_from_parts(
    reference: Iterable[pd.DataFrame],
    current: Iterable[pd.DataFrame],
    *,
    kinds: Mapping[str, ColumnKind | str],
    edges: Mapping[str, np.ndarray],
    config: DriftConfig | None = None,
) -> DriftResult:
    """Summarise each part, merge, decide. ``edges`` come from :func:`numeric_edges` on a reference sample."""
    column_kinds = {c: ColumnKind(k) for c, k in kinds.items()}

    def reduce(parts: Iterable[pd.DataFrame]) -> Part:
        total: Part = {"__rows__": 0}
        for part in parts:
            total = merge_parts(total, summarize_part(part, column_kinds, edges))
        return total

    return drift_from_summaries(reduce(reference), reduce(current), column_kinds, config=config)
