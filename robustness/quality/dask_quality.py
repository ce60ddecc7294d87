"""Data quality on Parquet datasets through Dask: the in-memory suite's checks, thresholds and
report, computed from per-partition summaries (:mod:`robustness.quality._partials`), so memory is
bounded by the partition size and only summaries and bounded samples reach the client.

``quality_parquet(reference, current, client=...)`` (or :func:`quality_job_work` inside a
:class:`robustness.scale.Job`) returns what ``quality()`` returns on the files read and concatenated
in order: the same findings (check, column, status, value, message, details) in the same order, with
example rows whose ``_row`` is the row number in that concatenation.

1. Open both datasets (strings as object, as the in-memory loader reads Parquet), count rows, infer
   column kinds from a uniform reference sample of at most ``sample_rows`` rows (``kinds`` wins).
2. One pass over the reference (missing counts, value types, finite ranges, infinities, yes/no
   spellings, category counts, constancy), together with the duplicates of each side: each row's
   64-bit hash (``pd.util.hash_pandas_object`` without the id column, as in memory) is shuffled
   into one of as many buckets as there are partitions; every copy of a row lands in the same
   bucket, so rows repeating an earlier row are counted exactly across files, each bucket holding
   16 bytes per row of its share.
3. One pass over current that knows the reference's types, ranges and category keys: unparseable
   values (the in-memory ``Context.bad_values``), out-of-range and infinite values, new categories.
4. The findings from the in-memory checks' own ``*_finding`` functions (thresholds, wording);
   each kept at most ``max_examples`` example positions, and only those rows are read back,
   from the partitions holding them.

Exact: every count, share, status and range, and the duplicates. Like the in-memory check, two
different rows whose hashes collide count as a duplicate: for n rows the chance of any collision
is about n^2 / 2^65 (3e-4 at 10^8 rows, 3% at 10^9). Approximate:

- kinds come from the sample when the reference has more than ``sample_rows`` rows;
- a column with more than ``max_categories`` distinct values in reference (an identifier or free
  text) is not checked for new or vanished categories; its findings pass and say so. When only
  current passes the cap, the share of rows in new categories and the status stay exact, but the
  number of distinct new categories is a lower bound and the listed counts may be low;
- dates stored as text are parsed per partition (format guessed per partition); numbers stored
  as text in a text column are judged on every value (in memory: on a 10,000-value sample);
- category examples show the first row of each category (in memory: of each spelling of it), and
  out-of-range examples with tied distances may be other rows at the same distance.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from robustness.errors import ConfigError, RobustnessError
from robustness.quality import checks as _checks
from robustness.quality._context import Context
from robustness.quality._partials import (
    MAX_CATEGORIES,
    Plan,
    current_part,
    current_plan,
    decode,
    duplicate_bucket,
    first_unparseable,
    merge_parts,
    reference_part,
    row_hashes,
    rows_holding,
    take_rows,
)
from robustness.quality.checks import _TYPE_WORDS, _finding
from robustness.quality.results import QualityConfig, QualityFinding, QualityReport
from robustness.quality.suite import COLUMN_CHECKS, _check_roles, _empty_finding, _frame, _kinds, _table
from robustness.scale import Job, open_parquet, sample_frame
from robustness.schema import ColumnKind, ColumnRoles

__all__ = ["MAX_CATEGORIES", "SAMPLE_ROWS", "quality_job_work", "quality_parquet"]

SAMPLE_ROWS = 200_000
_NUMERIC = (ColumnKind.NUMERICAL, ColumnKind.DATETIME)
_CATEGORIES = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)


def quality_parquet(
    reference: str,
    current: str,
    *,
    client=None,
    kinds=None,
    roles: ColumnRoles | None = None,
    config: QualityConfig | None = None,
    sample_rows: int = SAMPLE_ROWS,
    seed: int = 0,
    max_categories: int = MAX_CATEGORIES,
) -> QualityReport:
    """The quality report of two Parquet datasets (a file, a folder or a glob), computed on the Dask
    cluster of ``client`` (the default scheduler when None)."""
    return Job(
        lambda job: quality_job_work(
            job,
            reference,
            current,
            kinds=kinds,
            roles=roles,
            config=config,
            sample_rows=sample_rows,
            seed=seed,
            max_categories=max_categories,
        ),
        client,
    ).run()


def quality_job_work(
    job: Job,
    reference_path: str,
    current_path: str,
    *,
    kinds=None,
    roles: ColumnRoles | None = None,
    config: QualityConfig | None = None,
    sample_rows: int = SAMPLE_ROWS,
    seed: int = 0,
    max_categories: int = MAX_CATEGORIES,
) -> QualityReport:
    """``quality()`` on two Parquet datasets, run through ``job`` (progress, cancellation)."""
    import dask

    config = QualityConfig() if config is None else config
    if not isinstance(config, QualityConfig):
        raise ConfigError(
            "quality() takes its thresholds as a QualityConfig; build one with QualityConfig.from_dict({...})."
        )
    roles = ColumnRoles() if roles is None else roles
    with dask.config.set({"dataframe.convert-string": False}):  # object strings, as the in-memory loader
        ref, cur = open_parquet(reference_path, "reference"), open_parquet(current_path, "current")
    ref_meta, cur_meta = _frame(ref._meta, "reference"), _frame(cur._meta, "current")
    _check_roles(roles, ref_meta, cur_meta)
    n_ref, n_cur = (int(n) for n in job.compute(_count(ref), _count(cur), label="Counting rows"))
    job.set_stage("Sampling the reference for column kinds")
    job.check()
    extra = [c for c in cur_meta.columns if c not in ref_meta.columns]
    all_kinds = _kinds(
        sample_frame(ref, sample_rows, seed, n=n_ref),
        sample_frame(cur[extra], sample_rows, seed, n=n_cur) if extra else cur_meta,
        kinds,
    )
    if n_ref == 0 or n_cur == 0:
        empty = (_empty_finding(n_ref, n_cur),)
        todo = {side: d.isna().sum() for side, d, n in (("reference", ref, n_ref), ("current", cur, n_cur)) if n}
        got = dict(zip(todo, job.compute(*todo.values(), label="Counting missing values"))) if todo else {}
        table = _columns(ref_meta, cur_meta, all_kinds, empty, got, n_ref, n_cur)
        return QualityReport(empty, table, n_ref, n_cur, None, None, config)

    shared = [c for c in ref_meta.columns if c in cur_meta.columns]
    typed = frozenset(
        c for c in shared if not (ptypes.is_object_dtype(cur_meta[c]) or ptypes.is_string_dtype(cur_meta[c]))
    )
    plan = Plan(all_kinds, roles, config, frozenset(shared), typed, max_categories)
    k = config.max_examples
    groups = {
        "reference": _tasks(reference_part, ref, plan),
        "dup_reference": _duplicate_tasks(ref, roles.id, k),
        "dup_current": _duplicate_tasks(cur, roles.id, k),
    }
    out: dict[str, dict] = {}
    if job.client is None:  # without a cluster Job computes item by item, which would redo a shuffle per bucket
        out = {
            g: functools.reduce(merge_parts, job.compute(*groups.pop(g)), {}) for g in ("dup_reference", "dup_current")
        }
    out.update(job.map_reduce(groups, merge_parts, dict, label="Summarising the reference and duplicate rows"))
    plan = current_plan(plan, out["reference"])
    out.update(
        job.map_reduce(
            {"current": _tasks(current_part, cur, plan)}, merge_parts, dict, label="Summarising the current data"
        )
    )
    run = _Run(out["reference"], out["current"], plan, n_ref, n_cur, ref_meta, cur_meta)
    found = [
        (f, None) for f in _checks.check_missing_column(Context.build(ref_meta, cur_meta, all_kinds, roles, config))
    ]
    for name in COLUMN_CHECKS:
        for col in shared:
            got = _column_finding(name, col, run)
            if got is not None:
                found.append(got)
    found.append(_duplicate_rows(run, out["dup_reference"], out["dup_current"]))
    findings = _with_examples(job, found, ref, cur, run)
    dup = next(f for f in findings if f.check == "duplicate_rows")
    missing = {
        side: {c: st["n_missing"] for c, st in s.items() if c != "__lens__"}
        for side, s in (("reference", run.ref), ("current", run.cur))
    }
    return QualityReport(
        findings,
        _columns(ref_meta, cur_meta, all_kinds, findings, missing, n_ref, n_cur),
        n_ref,
        n_cur,
        dup.reference_value,
        dup.value,
        config,
    )


# -- running on the cluster --------------------------------------------------------------------


def _count(ddf):
    """The number of rows, reading one column."""
    return (ddf[[ddf.columns[0]]] if len(ddf.columns) else ddf).map_partitions(len).sum()


def _tasks(fn, ddf, plan: Plan, *args) -> list:
    """``fn(partition, its number, plan, *args)`` per partition (the plan is one shared graph key)."""
    import dask

    summarise, shared_plan = dask.delayed(fn, pure=True), dask.delayed(plan, traverse=False)
    return [summarise(p, i, shared_plan, *args) for i, p in enumerate(ddf.to_delayed())]


def _duplicate_tasks(ddf, id_col, k: int) -> list:
    import dask

    meta = pd.DataFrame({"h": pd.Series(dtype=np.int64), "pos": pd.Series(dtype=np.int64)})
    hashes = ddf.map_partitions(row_hashes, id_col, partition_info=True, meta=meta)
    buckets = hashes.shuffle(on="h", npartitions=max(1, ddf.npartitions), shuffle_method="tasks")
    summarise = dask.delayed(duplicate_bucket, pure=True)
    return [summarise(b, k) for b in buckets.to_delayed()]


def _with_examples(job: Job, found, ref, cur, run: _Run) -> tuple[QualityFinding, ...]:
    """Read the example rows the findings asked for (a bounded number) and attach them."""
    k, lens = run.plan.config.max_examples, {"reference": run.ref["__lens__"], "current": run.cur["__lens__"]}
    asks = [a for _, a in found if a is not None]
    for a in asks:
        a.positions = decode(a.positions, lens[a.side])
        a.duplicate_of = dict(zip(decode(a.duplicate_of, lens[a.side]), decode(a.duplicate_of.values(), lens[a.side])))
    fills = [a for a in asks if a.fill is not None]
    if fills:  # fewer vanished categories than examples: further reference rows holding them
        groups = {a.column: _tasks(rows_holding, ref[[a.column]], run.plan, a.column, a.fill, 2 * k) for a in fills}
        got = job.map_reduce(groups, merge_parts, dict, label="Finding example rows")
        for a in fills:
            taken = set(a.positions)
            further = decode(got[a.column]["at"].positions, got[a.column]["__lens__"])
            a.positions += [p for p in further if p not in taken]
    job.set_stage("Reading example rows")
    frames = {
        side: _fetch(job, ddf, lens[side], sorted({p for a in asks if a.side == side for p in a.positions[:k]}))
        for side, ddf in (("reference", ref), ("current", cur))
    }
    ctx = Context(
        frames["reference"].reset_index(drop=True),
        frames["current"].reset_index(drop=True),
        frames["reference"].index.to_numpy(),
        frames["current"].index.to_numpy(),
        run.plan.kinds,
        run.plan.roles,
        run.plan.config,
    )
    out = []
    for f, a in found:
        if a is not None and a.positions and k:
            wanted = a.positions[:k]
            local = frames[a.side].index.get_indexer(wanted)
            extra = {int(i): {"_duplicate_of": a.duplicate_of[p]} for i, p in zip(local, wanted) if p in a.duplicate_of}
            f = dataclasses.replace(f, examples=ctx.examples(a.side, local, a.column, extra))
        out.append(f)
    return tuple(out)


def _fetch(job: Job, ddf, lens: dict, wanted: list[int]) -> pd.DataFrame:
    """The rows at global positions ``wanted``, read from the partitions holding them."""
    import dask

    if not wanted:
        return ddf._meta.iloc[:0]
    parts = sorted(lens)
    starts = np.cumsum([0] + [lens[p] for p in parts[:-1]])
    which = np.searchsorted(starts, wanted, side="right") - 1
    delayed, take = ddf.to_delayed(), dask.delayed(take_rows, pure=True)
    tasks = []
    for i in sorted(set(which)):
        labels = [p for p, w in zip(wanted, which) if w == i]
        tasks.append(take(delayed[parts[i]], [p - int(starts[i]) for p in labels], labels))
    return pd.concat(job.compute(*tasks))


def _columns(ref_meta, cur_meta, kinds, findings, missing: dict, n_ref: int, n_cur: int) -> tuple:
    """The per-column table of the in-memory suite, with the missing shares of one-sided columns."""
    out = []
    for c in _table(ref_meta, cur_meta, kinds, findings):
        changes: dict[str, Any] = {}  # missing_reference / missing_current: float
        for side, n, attr, present in (
            ("reference", n_ref, "missing_reference", c.in_reference),
            ("current", n_cur, "missing_current", c.in_current),
        ):
            if getattr(c, attr) is None and present and n:
                changes[attr] = float(missing[side][c.name] / n)
        out.append(dataclasses.replace(c, **changes))
    return tuple(out)


# -- findings from the summaries (through the checks' own *_finding functions) ------------------


_Run = collections.namedtuple("_Run", "ref cur plan n_ref n_cur ref_meta cur_meta")  # merged summaries and facts


@dataclasses.dataclass
class _Ask:
    """Example rows a finding wants: global positions on one side, in the order shown."""

    side: str
    positions: list
    column: str | None = None
    duplicate_of: dict = dataclasses.field(default_factory=dict)  # position -> position of the row it repeats
    fill: pd.Index | None = None  # vanished keys whose further rows fill up the examples


def _column_finding(name: str, col: str, run: _Run):
    kind, roles = run.plan.kinds.get(col), run.plan.roles
    if name == "out_of_range" and (kind not in _NUMERIC or col in (roles.id, roles.timestamp)):
        return None
    if name in ("new_categories", "vanished_categories") and (kind not in _CATEGORIES or col == roles.id):
        return None
    r, c = run.ref.get(col, {}), run.cur.get(col, {})
    error = r.get(f"error:{name}") or c.get(f"error:{name}")
    try:
        return _error(name, col, *error) if error else _BUILDERS[name](col, r, c, run)
    except Exception as exc:  # noqa: BLE001 - as in memory, a failing check is reported and the run goes on
        return _error(
            name,
            col,
            str(exc) if isinstance(exc, RobustnessError) else f"{type(exc).__name__}: {exc}",
            type(exc).__name__,
        )


def _error(name, col, reason, exception):
    msg = (
        f"The {name.replace('_', ' ')} check could not run on column '{col}': {reason}. The other checks still "
        "ran; look at this column's values for anything unusual, or report the problem with this message."
    )
    return QualityFinding("error", col, "fail", 0.0, None, msg, details={"check": name, "exception": exception}), None


def _missing_values(col, r, c, run: _Run):
    f = _checks.missing_values_finding(col, r["n_missing"], run.n_ref, c["n_missing"], run.n_cur, run.plan.config)
    return f, _Ask("current", c["missing_at"].positions, col) if f.status != "pass" else None


def _type_mismatch(col, r, c, run: _Run):
    kind, config = run.plan.ref_types[col], run.plan.config
    dtypes = str(run.ref_meta[col].dtype), str(run.cur_meta[col].dtype)
    if kind not in _TYPE_WORDS:
        return _checks.type_mismatch_finding(col, kind, *dtypes, config), None
    n_bad = c["n_bad"]
    firsts = first_unparseable(c) if n_bad else None
    f = _checks.type_mismatch_finding(
        col, kind, *dtypes, config, n_bad, run.n_cur - c["n_missing"], None if firsts is None else firsts["value"]
    )
    return f, _Ask("current", [int(p) for p in firsts["pos"]], col) if firsts is not None else None


def _out_of_range(col, r, c, run: _Run):
    kind = run.plan.ref_types.get(col)
    if kind not in ("number", "datetime"):
        return None
    if col not in run.plan.ranges:
        return _checks.out_of_range_finding(col, kind, None, run.plan.config), None
    n_out = c["n_below"] + c["n_above"]
    f = _checks.out_of_range_finding(
        col,
        kind,
        run.plan.ranges[col],
        run.plan.config,
        c["n_finite"],
        c["n_below"],
        c["n_above"],
        (c["lo"], c["hi"]) if n_out else None,
    )
    return f, _Ask("current", c["far"].positions, col) if n_out else None


def _not_checked(name: str, col: str, run: _Run):
    cap = run.plan.cap
    msg = (
        f"Column '{col}' has more than {cap:,} distinct values in reference, so "
        f"{'new' if name == 'new_categories' else 'vanished'} categories were not checked: the Dask engine keeps "
        f"the {cap:,} most frequent values per column. A column with that many categories is usually an "
        "identifier or free text; if so, set its kind or role accordingly."
    )
    count = "n_new" if name == "new_categories" else "n_vanished"
    return _finding(
        name,
        col,
        "pass",
        0.0,
        None,
        msg,
        details={"skipped": f"more than {cap} distinct values in reference", count: None},
    ), None


def _firsts(counts: pd.Series, first: pd.Series, k: int) -> list[int]:
    return [int(first[key]) for key in counts.index[:k]]


def _new_categories(col, r, c, run: _Run):
    if r["categories"].capped:
        return _not_checked("new_categories", col, run)
    new = c["new"].ordered()
    f = _checks.new_categories_finding(
        col, new, c["n_new_rows"], run.n_cur, len(r["categories"].table), len(c["seen"]) + len(new), run.plan.config
    )
    if len(new) == 0:
        return f, None
    if c["new"].capped:
        f = dataclasses.replace(
            f,
            details={**f.details, "capped": True},
            message=f.message
            + (
                f" (More than {run.plan.cap:,} distinct new values: the counts of categories are lower bounds; the "
                "share of rows is exact.)"
            ),
        )
    k = run.plan.config.max_examples
    positions = _firsts(new, c["new"].table["first"], k)
    if len(positions) < k:  # fewer new categories than examples: further rows holding them, in file order
        positions += [p for p in c["new_at"].positions if p not in set(positions)]
    return f, _Ask("current", positions, col)


def _vanished_categories(col, r, c, run: _Run):
    if r["categories"].capped:
        return _not_checked("vanished_categories", col, run)
    counts = r["categories"].ordered()
    gone = counts[~counts.index.isin(list(c["seen"]))]
    f = _checks.vanished_categories_finding(col, gone, run.n_ref, run.n_cur, run.plan.config)
    if len(gone) == 0:
        return f, None
    k = run.plan.config.max_examples
    positions = _firsts(gone, r["categories"].table["first"], k)
    fill = gone.index[:k] if len(positions) < k and int(gone.sum()) > len(positions) else None
    return f, _Ask("reference", positions, col, fill=fill)


def _constant_column(col, r, c, run: _Run):
    """The in-memory check itself, on one- or two-row slices that are empty, constant or varied as
    the whole column is."""
    ctx = Context.build(
        pd.DataFrame({col: r["const"].values}),
        pd.DataFrame({col: c["const"].values}),
        run.plan.kinds,
        run.plan.roles,
        run.plan.config,
    )
    return _checks.check_constant_column(ctx, col), None


def _infinite_values(col, r, c, run: _Run):
    if run.plan.ref_types.get(col) != "number":
        return None
    n_pos, n_neg = c["n_pos_inf"], c["n_neg_inf"]
    f = _checks.infinite_values_finding(col, r.get("n_inf", 0), run.n_ref, n_pos, n_neg, run.n_cur, run.plan.config)
    return f, _Ask("current", c["inf_at"].positions, col) if n_pos + n_neg else None


def _duplicate_rows(run: _Run, dr: dict, dc: dict):
    n_cur = dc.get("n_duplicates", 0)
    f = _checks.duplicate_rows_finding(
        dr.get("n_duplicates", 0), run.n_ref, n_cur, run.n_cur, run.cur_meta.columns, run.plan.roles.id, run.plan.config
    )
    if n_cur == 0:
        return f, None
    ex = dc["duplicates"].rows
    return f, _Ask("current", [int(p) for p in ex["pos"]], None, dict(zip(ex["pos"].tolist(), ex["first"].tolist())))


_BUILDERS = {
    "missing_values": _missing_values,
    "type_mismatch": _type_mismatch,
    "out_of_range": _out_of_range,
    "new_categories": _new_categories,
    "vanished_categories": _vanished_categories,
    "constant_column": _constant_column,
    "infinite_values": _infinite_values,
}
