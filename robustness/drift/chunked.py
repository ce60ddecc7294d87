"""The drift engine on data that arrives in parts (chunks of a file, partitions of a Dask frame).

Each part is summarised on its own (:func:`summarize_part`): numeric columns as
:class:`~robustness.drift.binned.BinnedSummary` over edges fixed in advance from a bounded
reference sample, categorical and boolean columns as value counts. Parts merge in any order
(:func:`merge_parts`), so a cluster reduces them in a tree and only summaries travel.
:func:`drift_from_summaries` then applies the in-memory engine's rule and its decision code
(``engine._decide``: Benjamini-Hochberg, the distance + significance guard) to the merged
summaries:

- numeric: ``ks`` (binned, asymptotic p-value) when min(n) <= ``large_sample``, else
  ``wasserstein`` (binned, over the reference std) guarded by the binned KS p-value. The
  statistics are within the bounds of :mod:`robustness.drift.binned` of the exact ones; the
  message says so when a bound reaches the threshold (the decision is then within the
  approximation);
- categorical and boolean: the same tests as in memory on the merged counts (exact).

The same :class:`~robustness.drift.results.DriftResult` comes back, so the pages, the CLI and the
report do not know which engine ran.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from robustness.drift.binned import BinnedSummary, binned_ks, binned_wasserstein, fixed_edges
from robustness.drift.config import DriftConfig
from robustness.drift.engine import _decide, _Verdict, default_test
from robustness.drift.results import DatasetDrift, DriftResult
from robustness.drift.stattests import registry
from robustness.drift.summaries import align_categories, category_counts, numeric_values
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
_NUMERIC = (K.NUMERICAL, K.DATETIME)
_CATEGORIES = (K.CATEGORICAL, K.BOOLEAN)


@dataclass(frozen=True, eq=False)
class CategoryCounts:
    counts: pd.Series  # int64, indexed by the values as text (as the in-memory engine labels them)
    n_missing: int

    def merge(self, other: CategoryCounts) -> CategoryCounts:
        return CategoryCounts(
            self.counts.add(other.counts, fill_value=0).astype(np.int64), self.n_missing + other.n_missing
        )


Part = dict  # column -> BinnedSummary | CategoryCounts, plus "__rows__" -> int


def numeric_edges(sample: pd.DataFrame, kinds: Mapping[str, ColumnKind], *, bins: int = 8192) -> dict[str, np.ndarray]:
    """Bin edges per numeric column from a (bounded, uniform) reference sample."""
    out = {}
    for col, kind in kinds.items():
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
        if kind in _NUMERIC and col in edges:
            values, _ = numeric_values(frame[col], kind)
            if values is not None:
                out[col] = BinnedSummary.of(values, edges[col])
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
            out[col] = a[col].merge(b[col])
        else:
            out[col] = a.get(col, b.get(col))
    return out


def _p_ks(d: float, n: int, m: int) -> float:
    en = n * m / (n + m)
    return float(np.clip(stats.kstwo.sf(d, np.round(en)), 0.0, 1.0))


def drift_from_summaries(
    reference: Part, current: Part, kinds: Mapping[str, ColumnKind], *, config: DriftConfig | None = None
) -> DriftResult:
    cfg = config or DriftConfig()
    tests = registry()
    verdicts: list[_Verdict] = []
    for col, kind in kinds.items():
        v = _Verdict(col, kind)
        r, c = reference.get(col), current.get(col)
        if r is None or c is None:
            v.status = "skipped"
            v.notes.append(f"The column is only in the {'current' if r is None else 'reference'} data.")
        elif isinstance(r, BinnedSummary) and isinstance(c, BinnedSummary):
            _numeric(v, r, c, cfg)
        elif isinstance(r, CategoryCounts) and isinstance(c, CategoryCounts):
            _categorical(v, r, c, cfg, tests)
        else:
            v.status = "skipped"
            v.notes.append("The column holds numbers in one file and text in the other.")
        verdicts.append(v)
    features = _decide(verdicts, cfg)
    tested = [f for f in features if f.status == "ok"]
    n_drifted = sum(f.drifted for f in tested)
    share = n_drifted / len(tested) if tested else 0.0
    dataset = DatasetDrift(len(tested), n_drifted, share, cfg.drift_share, bool(tested) and share >= cfg.drift_share)
    return DriftResult(tuple(features), dataset, {}, cfg.to_dict())


def _numeric(v: _Verdict, r: BinnedSummary, c: BinnedSummary, cfg: DriftConfig) -> None:
    v.n_ref, v.n_cur = r.n, c.n
    if min(r.n, c.n) < 2:
        v.status = "skipped"
        v.notes.append("Fewer than 2 values on a side.")
        return
    d, d_bound = binned_ks(r, c)
    w, w_bound = binned_wasserstein(r, c)
    scale = r.std if r.std > 0 else 1.0
    v.effect = w / scale
    name = default_test(v.kind, r.n, c.n, large_sample=cfg.large_sample)
    override = cfg.overrides.get(v.feature)
    threshold = override.threshold if override and override.threshold is not None else None
    if name == "ks":
        v.test, v.is_p, v.statistic, v.p_raw = "ks", True, d, _p_ks(d, r.n, c.n)
        v.threshold = cfg.alpha if threshold is None else threshold
        v.notes.append(f"Binned KS: the exact statistic lies in [{d:.4f}, {d + d_bound:.4f}].")
    else:
        v.test, v.statistic = "wasserstein", w / scale
        v.threshold = (
            threshold
            if threshold is not None
            else (cfg.distance_threshold if cfg.distance_threshold is not None else 0.05)
        )
        v.guard, v.p_raw = "ks", _p_ks(d, r.n, c.n)
        v.notes.append(f"Binned Wasserstein: within ±{w_bound / scale:.4f} of the exact value (reference SDs).")
        if abs(v.statistic - v.threshold) <= w_bound / scale:
            v.notes.append("The distance is within the approximation bound of the threshold.")
    if r.min == r.max == c.min == c.max:
        v.notes.append("Constant in both files.")
    elif r.n and c.n and r.min == r.max and c.min == c.max and r.min != c.min:
        v.forced = True


def _categorical(v: _Verdict, r: CategoryCounts, c: CategoryCounts, cfg: DriftConfig, tests) -> None:
    n_categories = len(r.counts.index.union(c.counts.index))
    ref, cur = align_categories(r.counts, c.counts, r.n_missing, c.n_missing, max_categories=cfg.max_categories)
    v.n_ref, v.n_cur = ref.n, cur.n
    if min(ref.n, cur.n) < 2:
        v.status = "skipped"
        v.notes.append("Fewer than 2 values on a side.")
        return
    override = cfg.overrides.get(v.feature)
    name = (
        override.test
        if override and override.test
        else default_test(v.kind, ref.n, cur.n, n_categories, large_sample=cfg.large_sample)
    )
    test = tests[name]
    outcome = test(ref, cur)
    v.test, v.is_p = name, test.is_p_value
    v.statistic, v.effect = float(outcome.statistic), float(outcome.effect_size)
    threshold = override.threshold if override and override.threshold is not None else None
    if test.is_p_value:
        v.p_raw = float(np.clip(outcome.p_value, 0.0, 1.0))
        v.threshold = cfg.alpha if threshold is None else threshold
    else:
        v.threshold = (
            threshold
            if threshold is not None
            else (cfg.distance_threshold if cfg.distance_threshold is not None else test.default_threshold)
        )
        if not (override and override.test):
            v.guard, v.p_raw = "chisquare", float(np.clip(tests["chisquare"](ref, cur).p_value, 0.0, 1.0))


def drift_from_parts(
    reference: Iterable[pd.DataFrame],
    current: Iterable[pd.DataFrame],
    *,
    kinds: Mapping[str, ColumnKind | str],
    edges: Mapping[str, np.ndarray],
    config: DriftConfig | None = None,
) -> DriftResult:
    """Summarise each part, merge, decide. ``edges`` come from :func:`numeric_edges` on a reference sample."""
    kinds = {c: ColumnKind(k) for c, k in kinds.items()}

    def reduce(parts: Iterable[pd.DataFrame]) -> Part:
        total: Part = {"__rows__": 0}
        for part in parts:
            total = merge_parts(total, summarize_part(part, kinds, edges))
        return total

    return drift_from_summaries(reduce(reference), reduce(current), kinds, config=config)
