"""The in-memory drift engine: exact summaries of each column, judged by the one rule.

The rule (test choice, thresholds, overrides, the practical size of a change, skip reasons, the
dataset verdict) lives in ``robustness.drift.rule`` and is the same for the Dask engine
(``robustness.drift.chunked``); this module only turns two DataFrames into per-column summaries:
exact sorted values for numbers (``NumericSummary``; datetimes as epoch seconds), text as its length in
characters with a sample of its word counts (``TextSummary``, ``robustness.drift.text``) and aligned
category counts for categories and booleans. Running in memory is the
one-partition case: the same summaries merge (``NumericSummary.merge``, ``CategoricalSummary``
counts add).

Bad input never raises and never yields NaN: columns present in one file only, all-missing
columns, columns with fewer than 2 values on a side and id columns are "skipped" with a plain
reason; a column mixing numbers and text is compared as text categories; infinite values are left
out and counted; a column that is constant in both files does not drift unless the constant
changed, which always counts as drift; fewer than 30 values on a side adds a low-power warning. A
column whose test fails for another reason gets status "error" with the reason, and the others go
on. Big arrays are dropped before the next column, so memory beyond the DataFrames stays around one
column's worth.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from robustness.drift.config import DriftConfig
from robustness.drift.results import ColumnProfile, DriftResult
from robustness.drift.rule import (
    MIXED,
    NUMERIC,
    Verdict,
    check_overrides,
    decide,
    default_test,
    infinities,
    judge,
    pooled,
)
from robustness.drift.stattests import registry
from robustness.drift.summaries import (
    align_categories,
    category_counts,
    column_profile,
    numeric_summary,
    numeric_values,
)
from robustness.drift.text import TextSummary, doc_sample
from robustness.errors import ConfigError, DataError
from robustness.io.infer import infer_kind
from robustness.schema import ColumnKind

K = ColumnKind

__all__ = ["default_test", "drift"]


def drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    kinds: Mapping[str, ColumnKind | str] | None = None,
    columns: Sequence[str] | None = None,
    config: DriftConfig | Mapping | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> DriftResult:
    """Compare ``current`` with ``reference`` column by column (the rule: ``robustness.drift.rule``)."""
    cfg = config if isinstance(config, DriftConfig) else DriftConfig.from_dict(config or {})
    reference, current = _str_columns(reference, "reference"), _str_columns(current, "current")
    names = _selected(reference, current, columns)
    column_kinds = _kinds(reference, current, names, kinds)
    tests = registry()
    check_overrides(cfg, column_kinds, tests)
    verdicts: list[Verdict] = []
    profiles: dict[str, ColumnProfile] = {}
    for i, col in enumerate(names):
        verdict, profile = _column(col, reference, current, column_kinds[col], cfg, tests)
        verdicts.append(verdict)
        if profile is not None:
            profiles[col] = profile
        if progress is not None:
            progress((i + 1) / len(names), col)
    return decide(verdicts, cfg, profiles)


def summarize_column(ref_s: pd.Series, cur_s: pd.Series, kind: ColumnKind, cfg: DriftConfig):
    """(kind as compared, reference summary, current summary, notes, number of categories)."""
    notes: list[str] = []
    if kind in NUMERIC:
        (rv, r_bad), (cv, c_bad) = numeric_values(ref_s, kind), numeric_values(cur_s, kind)
        if rv is not None and cv is not None:
            notes += _unreadable_dates(r_bad, c_bad)
            r_num = numeric_summary(rv, bins=cfg.bins)
            c_num = numeric_summary(cv, edges=r_num.edges)
            notes += infinities(r_num.n_inf, c_num.n_inf)
            if kind is K.TEXT:  # the lengths, and the texts' word counts for the content test
                return kind, TextSummary(r_num, doc_sample(ref_s)), TextSummary(c_num, doc_sample(cur_s)), notes, None
            return kind, r_num, c_num, notes, None
        kind = K.CATEGORICAL
        notes.append(MIXED)
    (rc, r_missing, r_mixed), (cc, c_missing, c_mixed) = category_counts(ref_s, kind), category_counts(cur_s, kind)
    if (r_mixed or c_mixed) and MIXED not in notes:
        notes.append(MIXED)
    n_categories = len(rc.index.union(cc.index))
    ref, cur = align_categories(rc, cc, r_missing, c_missing, max_categories=cfg.max_categories)
    if n_categories > cfg.max_categories:
        notes.append(pooled(n_categories, cfg.max_categories, ref.categories[-1]))
    return kind, ref, cur, notes, n_categories


# -- inputs -----------------------------------------------------------------------------------------


def _str_columns(df: pd.DataFrame, name: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"The {name} data must be a table (pandas DataFrame), not {type(df).__name__}.")
    labels = [str(c) for c in df.columns]
    dups = sorted({c for c in labels if labels.count(c) > 1})
    if dups:
        raise DataError(
            f"The {name} file has duplicate column names: {', '.join(map(repr, dups))}. Rename them so each is unique."
        )
    if all(isinstance(c, str) for c in df.columns):
        return df
    return df.set_axis(labels, axis=1)


def _selected(reference: pd.DataFrame, current: pd.DataFrame, columns: Sequence[str] | None) -> list[str]:
    available = list(reference.columns) + [c for c in current.columns if c not in reference.columns]
    if columns is None:
        return available
    if isinstance(columns, str):
        columns = [columns]
    unknown = [str(c) for c in columns if str(c) not in available]
    if unknown:
        raise ConfigError(
            f"No column {', '.join(map(repr, unknown))} in either file. Available columns: {_short_list(available)}."
        )
    return list(dict.fromkeys(str(c) for c in columns))


def _kinds(reference, current, names, kinds) -> dict[str, ColumnKind]:
    given: dict[str, ColumnKind] = {}
    for col, kind in (kinds or {}).items():
        try:
            given[str(col)] = ColumnKind(kind)
        except ValueError:
            raise ConfigError(
                f"'{kind}' is not a column kind (column '{col}'). Use one of: {', '.join(k.value for k in ColumnKind)}."
            ) from None
    out = {c: given[c] for c in names if c in given}
    for frame in (reference, current):  # the rules of infer_schema, column by column: no copy of the frame
        out.update({c: infer_kind(frame[c]) for c in names if c not in out and c in frame.columns})
    return out


# -- one column -------------------------------------------------------------------------------------


def _column(
    col: str, reference: pd.DataFrame, current: pd.DataFrame, kind: ColumnKind, cfg: DriftConfig, tests
) -> tuple[Verdict, ColumnProfile | None]:
    if col not in reference.columns or col not in current.columns:
        present = col in reference.columns  # judge skips the column, naming the side that lacks it
        return judge(col, kind, True if present else None, None if present else True, cfg, tests=tests), None
    override = cfg.overrides.get(col)
    if kind is K.ID and (override is None or override.test is None):
        return judge(col, kind, True, True, cfg, tests=tests), None
    ref_s, cur_s = reference[col], current[col]
    try:
        compared, ref, cur, notes, n_categories = summarize_column(ref_s, cur_s, kind, cfg)
    except Exception as exc:  # reading the values failed: a reported failure, the others go on
        verdict = Verdict(col, kind, status="error")
        verdict.notes.append(f"The values could not be read ({exc}). Check them, or set another kind for the column.")
        return verdict, None
    verdict = judge(
        col, compared, ref, cur, cfg, rows=(len(ref_s), len(cur_s)), notes=notes, n_categories=n_categories, tests=tests
    )
    if verdict.status != "ok":
        return verdict, None
    if isinstance(ref, TextSummary) and isinstance(cur, TextSummary):  # plots show the lengths
        return verdict, column_profile(col, compared, ref.lengths, cur.lengths, len(ref_s), len(cur_s), cfg.bins)
    return verdict, column_profile(col, compared, ref, cur, len(ref_s), len(cur_s), cfg.bins)


# -- messages ---------------------------------------------------------------------------------------


def _unreadable_dates(n_ref: int, n_cur: int) -> list[str]:
    out = []
    for side, n in (("reference", n_ref), ("current", n_cur)):
        if n:
            out.append(
                f"{n} value{'s' if n > 1 else ''} in the {side} file could not be read as "
                f"date{'s' if n > 1 else ''} and {'were' if n > 1 else 'was'} left out."
            )
    return out


def _short_list(items, limit: int = 15) -> str:
    items = [str(i) for i in items]
    return ", ".join(items[:limit]) + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")
