"""Per-partition data-quality summaries that merge in any order: what the Dask quality engine
(:mod:`robustness.quality.dask_quality`) computes where the data lives.

A summary is a plain, picklable dict ``{"__lens__": {partition: rows}, column: {statistic: value}}``
(a bucket of row hashes gives ``{"n_duplicates": n, "duplicates": Best}``). :func:`merge_parts` merges two:
counts add, ``lo``/``hi`` take the min/max, sets unite, ``vtype`` follows :func:`merge_types`,
``error:<check>`` keeps the first reason, and the objects below merge themselves. Each has a fixed
bound, so a summary stays small whatever the number of partitions:

- :class:`Best`: the first ``k`` rows of a small table under an order: example positions in file
  order, the furthest out-of-range values, the first distinct unparseable values.
- :class:`Categories`: count and first position per category key, at most ``cap`` keys. Past the
  cap the rarest keys are dropped (their rows counted in ``other``) and ``capped`` is set: the kept
  counts are then lower bounds and a dropped key could reappear later as if it were new.
- :class:`Constancy`: empty, constant or varied, with the first value (and, when varied, a
  different one) as a one- or two-row slice of the column, dtype kept.

Positions are encoded as ``partition << 32 | row in partition``, so they sort in file order;
each summary records its partitions' lengths under ``__lens__`` and :func:`decode` turns positions
into global row numbers, i.e. the ``_row`` the in-memory suite shows for the files concatenated in
order (Dask may group the files of a pass that reads fewer columns differently, hence per-pass
lengths). Conversions, category keys, the unparseable-value rule and the row hashes are the
in-memory suite's own functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from robustness.errors import RobustnessError
from robustness.quality._context import _NUMBER_RE, Context, _datetime_ns, _lower_str, _numbers, _plain, _value_type
from robustness.quality.checks import _TYPE_WORDS, _categories, _duplicates
from robustness.quality.results import QualityConfig
from robustness.schema import ColumnKind, ColumnRoles

MAX_CATEGORIES = 10_000  # distinct category keys kept per column and side
SCAN_BAD = 10_000  # like the in-memory check: distinct unparseable values among the first 10,000
MAX_LISTED = 10  # values listed in a finding's details
_NEVER = np.iinfo(np.int64).max
_CATEGORY_KINDS = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)
_NUMERIC = (ColumnKind.NUMERICAL, ColumnKind.DATETIME)


@dataclass(frozen=True)
class Plan:
    """What a partition's summary needs to know; the current pass also gets the reference's facts."""

    kinds: dict
    roles: ColumnRoles
    config: QualityConfig
    shared: frozenset
    typed: frozenset = frozenset()  # shared columns whose current dtype is not object/string
    cap: int = MAX_CATEGORIES
    ref_types: dict = field(default_factory=dict)  # the reference's value type per shared column
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)  # finite reference (min, max) per column
    ref_keys: dict = field(default_factory=dict)  # reference category keys (pd.Index) per column
    ref_values: pd.DataFrame | None = None  # what Context.bad_values reads from the reference


# -- mergeable pieces --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Best:
    rows: pd.DataFrame
    k: int
    by: tuple = ("pos",)
    unique: str | None = None  # keep only the first row per value of this column

    @classmethod
    def of(cls, rows: pd.DataFrame, k: int, by=("pos",), unique=None) -> Best:
        return cls(rows, k, tuple(by), unique)._trim()

    @classmethod
    def first(cls, positions, k: int) -> Best:
        """The first ``k`` of ascending ``positions``."""
        return cls(pd.DataFrame({"pos": np.asarray(positions[:k], dtype=np.int64)}), k)

    @property
    def positions(self) -> list[int]:
        return [int(p) for p in self.rows["pos"]]

    def merge(self, other: Best) -> Best:
        rows = [t for t in (self.rows, other.rows) if len(t)]
        if len(rows) < 2:
            return self if len(self.rows) or not rows else other
        return replace(self, rows=pd.concat(rows, ignore_index=True))._trim()

    def _trim(self) -> Best:
        t = self.rows.sort_values(list(self.by), kind="stable")
        if self.unique:
            t = t.drop_duplicates(self.unique)
        return replace(self, rows=t.head(self.k).reset_index(drop=True))


@dataclass(frozen=True, eq=False)
class Categories:
    table: pd.DataFrame  # index: category key; columns "count" and "first" (global position)
    cap: int
    other: int = 0  # rows of keys dropped by the cap
    capped: bool = False

    @classmethod
    def of(cls, counts: pd.Series, first: pd.Series, cap: int) -> Categories:
        table = pd.DataFrame(
            {"count": counts.to_numpy(dtype=np.int64), "first": first.reindex(counts.index).to_numpy(dtype=np.int64)},
            index=counts.index,
        )
        return cls(table, cap)._capped()

    def merge(self, other: Categories) -> Categories:
        t = (
            pd.concat([self.table, other.table])
            .groupby(level=0, sort=False)
            .agg(count=("count", "sum"), first=("first", "min"))
        )
        return Categories(t, self.cap, self.other + other.other, self.capped or other.capped)._capped()

    def ordered(self) -> pd.Series:
        """Counts by key, most frequent first, ties in order of first appearance (as in memory)."""
        return self.table.sort_values(["count", "first"], ascending=[False, True], kind="stable")["count"]

    def _capped(self) -> Categories:
        if len(self.table) <= self.cap:
            return self
        t = self.table.loc[self.ordered().index]
        return Categories(t.iloc[: self.cap], self.cap, self.other + int(t["count"].iloc[self.cap :].sum()), True)


@dataclass(frozen=True, eq=False)
class Constancy:
    state: Literal["empty", "constant", "varied"]
    values: pd.Series  # first value (a missing cell when empty), plus a different one when varied
    first: int  # global position of the first value

    @classmethod
    def of(cls, s: pd.Series, missing: np.ndarray, offset: int) -> Constancy:
        present = np.flatnonzero(~missing)
        if not len(present):
            return cls("empty", s.iloc[:1], _NEVER)
        p0 = present[0]
        try:  # the comparison of checks._constant
            same = (s == s.iloc[p0]).to_numpy() | missing
        except (TypeError, ValueError):
            text = s.astype(str)
            same = (text == text.iloc[p0]).to_numpy() | missing
        other = np.flatnonzero(~same)[:1]
        return cls(
            "varied" if len(other) else "constant", s.iloc[np.array([p0, *other], dtype=np.intp)], offset + int(p0)
        )

    def merge(self, other: Constancy) -> Constancy:
        if other.state == "empty":
            return self
        if self.state == "empty":
            return other
        x, y = (self, other) if self.first <= other.first else (other, self)
        head, rest = x.values.iloc[:1], pd.concat([x.values.iloc[1:], y.values])
        for i in range(len(rest)):
            if not _same(head.iloc[0], rest.iloc[i]):
                return Constancy("varied", pd.concat([head, rest.iloc[i : i + 1]]), x.first)
        return Constancy("constant", head, x.first)


def _same(a, b) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return str(a) == str(b)


def merge_types(a: str, b: str) -> str:
    """The value type of two parts together (see ``_context._value_type``)."""
    if a == b or b == "empty":
        return a
    return b if a == "empty" else "mixed"


def merge_parts(a: dict, b: dict) -> dict:
    """Merge two summaries (associative and commutative)."""
    out = dict(a)
    for key, y in b.items():
        out[key] = y if key not in out else _merge(key, out[key], y)
    return out


def _merge(key, x, y):
    if isinstance(x, dict):
        return merge_parts(x, y)
    if isinstance(key, str) and key.startswith("error:"):
        return x
    if key in ("lo", "hi"):
        return min(x, y) if key == "lo" else max(x, y)
    if key == "vtype":
        return merge_types(x, y)
    if isinstance(x, frozenset):
        return x | y
    return x.merge(y) if hasattr(x, "merge") else x + y


def _try(st: dict, checks: tuple[str, ...], fn) -> None:
    """Add ``fn()``'s statistics to ``st``; an exception becomes an error for ``checks``."""
    try:
        st.update(fn())
    except Exception as exc:  # noqa: BLE001 - reported as an "error" finding, the run goes on
        reason = str(exc) if isinstance(exc, RobustnessError) else f"{type(exc).__name__}: {exc}"
        for name in checks:
            st.setdefault(f"error:{name}", (reason, type(exc).__name__))


# -- the reference pass ------------------------------------------------------------------------


def reference_part(frame: pd.DataFrame, part: int, plan: Plan) -> dict:
    frame, offset = frame.reset_index(drop=True), part << 32
    out: dict = {"__lens__": {part: len(frame)}}
    for col in frame.columns:
        missing = frame[col].isna().to_numpy()
        st = out[col] = {"n_missing": int(missing.sum())}
        if col in plan.shared and len(frame):
            _reference_column(st, frame, col, missing, offset, plan)
    return out


def _reference_column(st, frame, col, missing, offset, plan: Plan) -> None:
    s, kind = frame[col], plan.kinds.get(col)
    plain = _plain(s)
    _try(st, ("constant_column",), lambda: {"const": Constancy.of(s, missing, offset)})
    _try(st, ("type_mismatch", "out_of_range", "infinite_values"), lambda: {"vtype": _value_type(s, kind)})
    vtype = st.get("vtype")
    if vtype in ("number", "datetime"):
        _try(
            st,
            ("out_of_range", "infinite_values"),
            lambda: _finite(_datetime_ns(plain) if vtype == "datetime" else _numbers(plain)),
        )
    elif vtype == "boolean":
        _try(st, ("type_mismatch",), lambda: {"allowed": frozenset(_lower_str(pd.Series(plain.dropna().unique())))})
    elif vtype == "text" and col in plan.typed:

        def numbers_as_text():
            text = plain.dropna().astype(str)
            return {"n_text": len(text), "n_numlike": int(text.str.fullmatch(_NUMBER_RE).sum())}

        _try(st, ("type_mismatch",), numbers_as_text)
    if kind in _CATEGORY_KINDS and col != plan.roles.id:

        def categories():
            keys, counts = row_keys(frame, col, plan)
            return {"categories": Categories.of(counts, _first_positions(keys, offset), plan.cap)}

        _try(st, ("new_categories", "vanished_categories"), categories)


def _finite(values: np.ndarray) -> dict:
    finite = values[np.isfinite(values)]
    out: dict[str, float] = {"n_inf": int(np.isinf(values).sum())}
    if len(finite):
        out.update(lo=float(finite.min()), hi=float(finite.max()))
    return out


def row_keys(frame: pd.DataFrame, col: str, plan: Plan) -> tuple[pd.Series, pd.Series]:
    """(the key of each row, NaN when missing; counts by key in order of first appearance), with
    the in-memory check's keys (``checks._categories``)."""
    ctx = Context(frame, frame.iloc[:0], None, None, plan.kinds, plan.roles, plan.config)
    (s, counts, raw_to_key), _ = _categories(ctx, col)
    return s.map(raw_to_key), counts


def _first_positions(keys: pd.Series, offset: int) -> pd.Series:
    firsts = keys.dropna()
    firsts = firsts[~firsts.duplicated()]
    return pd.Series(firsts.index.to_numpy(dtype=np.int64) + offset, index=firsts.to_numpy())


# -- the current pass --------------------------------------------------------------------------


def current_plan(plan: Plan, ref: dict) -> Plan:
    """The plan of the current pass: the reference's value types, ranges, category keys (when under
    the cap) and what ``Context.bad_values`` reads from the reference."""
    types, ranges, keys, values = {}, {}, {}, {}
    for col in plan.shared:
        st = ref.get(col, {})
        cats, t = st.get("categories"), st.get("vtype")
        if cats is not None and not cats.capped:
            keys[col] = pd.Index(cats.table.index)
        if t is None:
            continue
        types[col] = t
        if (
            plan.kinds.get(col) in _NUMERIC
            and col not in (plan.roles.id, plan.roles.timestamp)
            and t in ("number", "datetime")
            and "lo" in st
        ):
            ranges[col] = (st["lo"], st["hi"])
        if t == "boolean":
            values[col] = pd.Series(sorted(st.get("allowed", ())), dtype=object)
        elif t == "text" and col in plan.typed:  # one value whose numbers-as-text share decides as the column's
            n_text = st.get("n_text", 0)
            values[col] = pd.Series(["0" if n_text and st.get("n_numlike", 0) / n_text >= 0.95 else "x"])
    return replace(plan, ref_types=types, ranges=ranges, ref_keys=keys, ref_values=pd.DataFrame(values))


def current_part(frame: pd.DataFrame, part: int, plan: Plan) -> dict:
    frame, offset = frame.reset_index(drop=True), part << 32
    assert plan.ref_values is not None, "the current pass runs on the plan current_plan made"
    ctx = Context(plan.ref_values, frame, None, None, plan.kinds, plan.roles, plan.config, _types=dict(plan.ref_types))
    out: dict = {"__lens__": {part: len(frame)}}
    for col in frame.columns:
        missing = ctx.isna("current", col)
        st = out[col] = {"n_missing": int(missing.sum())}
        if col in plan.shared and len(frame):
            _current_column(st, ctx, col, missing, offset, plan)
    return out


def _current_column(st, ctx: Context, col, missing, offset, plan: Plan) -> None:
    k, s, rtype = plan.config.max_examples, ctx.cur[col], plan.ref_types.get(col)
    st["missing_at"] = Best.first(np.flatnonzero(missing) + offset, k)
    _try(st, ("constant_column",), lambda: {"const": Constancy.of(s, missing, offset)})
    if rtype in _TYPE_WORDS:
        _try(st, ("type_mismatch",), lambda: _unparseable(ctx, col, offset, k))
    if rtype == "number":

        def infinite():
            c = ctx.parsed("current", col)
            pos, neg = np.isposinf(c), np.isneginf(c)
            return {
                "n_pos_inf": int(pos.sum()),
                "n_neg_inf": int(neg.sum()),
                "inf_at": Best.first(np.flatnonzero(pos | neg) + offset, k),
            }

        _try(st, ("infinite_values",), infinite)
    if col in plan.ranges:
        _try(st, ("out_of_range",), lambda: _beyond(ctx.parsed("current", col), *plan.ranges[col], offset, k))
    if col in plan.ref_keys:
        _try(st, ("new_categories", "vanished_categories"), lambda: _new_keys(ctx.cur, col, offset, plan))


def _unparseable(ctx: Context, col, offset, k) -> dict:
    bad = ctx.bad_values(col).to_numpy()
    sub = ctx.cur[col][bad].head(SCAN_BAD)
    firsts = sub[~sub.astype(str).duplicated()].head(max(k, MAX_LISTED))
    rows = pd.DataFrame(
        {
            "pos": firsts.index.to_numpy(dtype=np.int64) + offset,
            "rank": sub.index.get_indexer(firsts.index),
            "part": offset >> 32,
            "text": firsts.astype(str).to_numpy(dtype=object),
            "value": firsts.astype(object).to_numpy(dtype=object),
        }
    )
    n_bad = int(bad.sum())
    return {"n_bad": n_bad, "bad_in": {offset >> 32: n_bad}, "bad": Best.of(rows, max(k, MAX_LISTED), unique="text")}


def first_unparseable(st: dict) -> pd.DataFrame:
    """The first distinct unparseable values among the first SCAN_BAD of the whole column."""
    rows, counts = st["bad"].rows, st["bad_in"]
    before = {q: sum(n for p, n in counts.items() if p < q) for q in set(rows["part"])}
    return rows[(rows["part"].map(before) + rows["rank"]) < SCAN_BAD]


def _beyond(c: np.ndarray, lo: float, hi: float, offset: int, k: int) -> dict:
    finite = np.isfinite(c)
    below, above = finite & (c < lo), finite & (c > hi)
    out: dict[str, object] = {"n_finite": int(finite.sum()), "n_below": int(below.sum()), "n_above": int(above.sum())}
    if finite.any():
        out.update(lo=float(c[finite].min()), hi=float(c[finite].max()))
    far = np.flatnonzero(below | above)
    dist = np.where(below, lo - c, c - hi)[far]
    out["far"] = Best.of(pd.DataFrame({"neg": -dist, "pos": far + offset}), k, ("neg", "pos"))
    return out


def _new_keys(frame: pd.DataFrame, col, offset, plan: Plan) -> dict:
    keys, counts = row_keys(frame, col, plan)
    known = plan.ref_keys[col]
    is_new = ~counts.index.isin(known)
    new_rows = np.flatnonzero(keys.notna().to_numpy() & ~keys.isin(known).to_numpy())
    return {
        "n_new_rows": int(counts[is_new].sum()),
        "seen": frozenset(counts.index[~is_new]),
        "new": Categories.of(counts[is_new], _first_positions(keys, offset), plan.cap),
        "new_at": Best.first(new_rows + offset, 2 * plan.config.max_examples),
    }


def rows_holding(frame: pd.DataFrame, part: int, plan: Plan, col: str, keys: pd.Index, limit: int) -> dict:
    """The first ``limit`` positions whose category key is one of ``keys``."""
    found, _ = row_keys(frame.reset_index(drop=True), col, plan)
    at = np.flatnonzero(found.isin(keys).to_numpy()) + (part << 32)
    return {"__lens__": {part: len(frame)}, "at": Best.first(at, limit)}


# -- duplicate rows ----------------------------------------------------------------------------


def row_hashes(frame: pd.DataFrame, id_col, partition_info=None) -> pd.DataFrame:
    """The 64-bit hash (``checks._duplicates``) and position of each row."""
    offset = int(partition_info["number"]) << 32 if partition_info else 0
    h, _, cols = _duplicates(frame.reset_index(drop=True), id_col)
    if not cols:  # nothing to compare: no duplicates, as in memory
        h = h[:0]
    return pd.DataFrame({"h": h.view(np.int64), "pos": np.arange(len(h), dtype=np.int64) + offset})


def duplicate_bucket(frame: pd.DataFrame, k: int) -> dict:
    """Rows of one hash bucket (every copy of a hash lands in the same bucket): how many repeat
    an earlier row, and the first ``k`` of them with the position of the row they repeat."""
    t = frame.sort_values("pos", kind="stable")
    h, pos = t["h"].to_numpy(), t["pos"].to_numpy()
    dup = pd.Series(h).duplicated().to_numpy()
    first_of = pd.Series(pos[~dup], index=h[~dup])
    at = np.flatnonzero(dup)[:k]
    ex = pd.DataFrame({"pos": pos[at], "first": first_of.loc[h[at]].to_numpy()})
    return {"n_duplicates": int(dup.sum()), "duplicates": Best.of(ex, k)}


def take_rows(frame: pd.DataFrame, rows: list[int], labels: list[int]) -> pd.DataFrame:
    return frame.reset_index(drop=True).iloc[rows].set_axis(pd.Index(labels), axis=0)


def decode(positions, lens: dict) -> list[int]:
    """Global row numbers of encoded positions, given the lengths of the partitions."""
    parts = sorted(lens)
    offsets = dict(zip(parts, np.cumsum([0] + [lens[p] for p in parts[:-1]]).tolist()))
    return [offsets[int(p) >> 32] + (int(p) & 0xFFFFFFFF) for p in positions]
