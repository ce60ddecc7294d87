"""The data-quality checks, reference vs current: one small function each.

A column check ``check_<name>(ctx, column)`` measures one quantity and returns one
:class:`QualityFinding` (or None when it does not apply to the column); a table check
``check_<name>(ctx)`` returns a list. The status comes from the configurable conditions in
:class:`QualityConfig`. The suite (:func:`robustness.quality.quality`) looks checks up by
name at run time and turns an exception in one into an "error" finding; the rest go on.

Each check measures, then leaves the status and wording to a pure ``<name>_finding(...)`` that
takes the counts; the Dask engine (:mod:`robustness.quality.dask_quality`) calls the same
functions with counts merged from partition summaries. Their ``examples`` (the example rows, or
a function returning them) are used only when the finding shows example rows.

Which columns each check looks at:

- missing_values, type_mismatch, constant_column: every column in both files (the target
  and other role columns included: their quality matters too).
- out_of_range: numerical and datetime columns, except the id and timestamp columns.
- new_categories, vanished_categories: categorical and boolean columns, except the id column.
- infinite_values: columns holding numbers in reference.
- missing_column: columns in one file only. duplicate_rows: whole rows, without the id column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from robustness.formatting import count, number
from robustness.jsonsafe import to_json_safe
from robustness.quality._context import Context, category_keys, listing, ns_to_text, num, pct, rows
from robustness.quality.results import QualityConfig, QualityFinding
from robustness.schema import ColumnKind

_TYPE_WORDS = {"number": "numbers", "datetime": "dates", "boolean": "yes/no values", "text": "text"}
_MAX_LISTED = 10


def _finding(check, column, status, value, reference_value, message, examples=(), details=None):
    return QualityFinding(
        check,
        column,
        status,
        float(value),
        None if reference_value is None else float(reference_value),
        message,
        tuple(examples),
        to_json_safe(dict(details or {})),
    )


def _shown(examples):
    """The example rows of a finding that shows some: ``examples``, or what it returns if callable."""
    return examples() if callable(examples) else examples


def _role_of(ctx: Context, col: str) -> str | None:
    r = ctx.roles
    named = {r.target: "target", r.prediction: "prediction", r.timestamp: "timestamp", r.id: "id"}
    named.update({c: f"probability of class '{k}'" for k, c in r.probabilities.items()})
    return named.get(col) if col is not None else None


# -- table checks ------------------------------------------------------------------------------


def check_missing_column(ctx: Context) -> list[QualityFinding]:
    """Columns present in one file only."""
    out = []
    cur_cols, ref_cols = set(ctx.cur.columns), set(ctx.ref.columns)
    for col in (c for c in ctx.ref.columns if c not in cur_cols):
        role = _role_of(ctx, col)
        if role is None:
            status = ctx.config.missing_column_status
            what = (
                "The model needs every feature, so it cannot score current as is. Add the column to "
                "current, or check whether it was renamed in the export."
            )
        else:
            status = "warn"
            what = {
                "target": "Performance cannot be measured on current until the labels are added.",
                "id": "Rows of current cannot be traced back to their source without it.",
                "timestamp": "Results cannot be shown over time for current without it.",
            }.get(role, "Results that need this column are not available for current; add it if you have it.")
        out.append(
            _finding(
                "missing_column",
                col,
                status,
                1.0,
                None,
                f"Column '{col}'{f' (the {role} column)' if role else ''} is in reference but "
                f"missing from current. {what}",
                details={"side": "reference only", "role": role},
            )
        )
    for col in (c for c in ctx.cur.columns if c not in ref_cols):
        role = _role_of(ctx, col)
        status = "pass" if role else ctx.config.extra_column_status
        out.append(
            _finding(
                "missing_column",
                col,
                status,
                1.0,
                None,
                f"Column '{col}'{f' (the {role} column)' if role else ''} is in current but not in "
                "reference, so it cannot be compared. If it is a renamed reference column, give it "
                "the same name in both files; otherwise it is ignored.",
                details={"side": "current only", "role": role},
            )
        )
    return out


def _duplicates(df: pd.DataFrame, id_col: str | None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(row hashes, mask of rows that repeat an earlier row, columns compared)."""
    cols = [c for c in df.columns if c != id_col]
    if not cols or len(df) == 0:
        return np.zeros(len(df), dtype=np.uint64), np.zeros(len(df), dtype=bool), cols
    try:
        h = pd.util.hash_pandas_object(df[cols], index=False)
    except TypeError:  # unhashable cells such as lists
        h = pd.util.hash_pandas_object(df[cols].astype(str), index=False)
    return h.to_numpy(), h.duplicated(keep="first").to_numpy(), cols


def check_duplicate_rows(ctx: Context) -> list[QualityFinding]:
    """Exact duplicate rows over all columns except the id column, in each file."""
    _, ref_dup, _ = _duplicates(ctx.ref, ctx.roles.id)
    h, dup, _ = _duplicates(ctx.cur, ctx.roles.id)

    def examples():
        pos = np.flatnonzero(dup)[: ctx.config.max_examples]
        first_pos = pd.Series(np.flatnonzero(~dup), index=h[~dup])
        firsts = first_pos.loc[h[pos]].to_numpy()
        labels = ctx.cur_labels
        extra = {int(p): {"_duplicate_of": labels[f] if labels is not None else None} for p, f in zip(pos, firsts)}
        return ctx.examples("current", pos, extra=extra)

    return [
        duplicate_rows_finding(
            int(ref_dup.sum()),
            len(ctx.ref),
            int(dup.sum()),
            len(ctx.cur),
            ctx.cur.columns,
            ctx.roles.id,
            ctx.config,
            examples,
        )
    ]


def duplicate_rows_finding(
    n_dup_ref: int,
    n_ref: int,
    n_dup_cur: int,
    n_cur: int,
    columns,
    id_col: str | None,
    config: QualityConfig,
    examples=(),
) -> QualityFinding:
    """The duplicate-rows finding from the number of rows repeating an earlier row in each file;
    ``columns`` are current's columns (all but ``id_col`` compared)."""
    share_ref, share = n_dup_ref / n_ref, n_dup_cur / n_cur
    status = config.grade(share, "duplicate")
    over = "all columns" + (f" except the id column '{id_col}'" if id_col in columns else "")
    details = {
        "n_duplicates_current": n_dup_cur,
        "n_duplicates_reference": n_dup_ref,
        "columns_compared": len([c for c in columns if c != id_col]),
    }
    if n_dup_cur == 0:
        return _finding(
            "duplicate_rows",
            None,
            status,
            0.0,
            share_ref,
            f"No row of current repeats an earlier row exactly (compared over {over}); reference "
            f"has {pct(share_ref)} duplicated rows ({n_dup_ref:,}).",
            details=details,
        )
    message = (
        f"{pct(share)} of current rows ({n_dup_cur:,} of {n_cur:,}) repeat an earlier row exactly "
        f"(compared over {over}); reference has {pct(share_ref)} ({n_dup_ref:,}). Duplicates give some cases "
        "extra weight in every statistic. Check the export or join that produced current and drop them "
        "if they are not genuine repeats."
    )
    return _finding("duplicate_rows", None, status, share, share_ref, message, _shown(examples), details)


# -- column checks -----------------------------------------------------------------------------


def check_missing_values(ctx: Context, col: str) -> QualityFinding:
    """Share of missing values in current vs reference; the increase decides."""
    r, c = ctx.isna("reference", col), ctx.isna("current", col)
    return missing_values_finding(
        col,
        int(r.sum()),
        len(r),
        int(c.sum()),
        len(c),
        ctx.config,
        lambda: ctx.examples("current", np.flatnonzero(c), col),
    )


def missing_values_finding(
    col: str, n_missing_ref: int, n_ref: int, n_missing_cur: int, n_cur: int, config: QualityConfig, examples=()
) -> QualityFinding:
    """The missing-values finding from the counts of missing values and of rows in each file."""
    share_r, share_c = n_missing_ref / n_ref, n_missing_cur / n_cur
    increase = share_c - share_r
    status = config.grade(increase, "missing_increase")
    details = {"n_missing_current": n_missing_cur, "n_missing_reference": n_missing_ref, "increase": increase}
    if status == "pass":
        if share_c == 1 and share_r == 1:
            msg = f"Column '{col}' has no values in either file, so nothing can be checked on it; consider dropping it."
        else:
            msg = (
                f"Column '{col}' is {pct(share_c)} missing in current and {pct(share_r)} in reference; "
                "no notable increase."
            )
        return _finding("missing_values", col, status, share_c, share_r, msg, details=details)
    where = "has no values at all in current" if share_c == 1 else f"is missing in {pct(share_c)} of current rows"
    msg = (
        f"Column '{col}' {where} ({n_missing_cur:,} of {n_cur:,}) against {pct(share_r)} in reference, "
        f"{number(increase * 100)} percentage points more. Check the step that fills this column for current "
        "(a join that stopped matching, a renamed source field, a failing sensor); imputing hides the problem "
        "from the model but not from its accuracy."
    )
    return _finding("missing_values", col, status, share_c, share_r, msg, _shown(examples), details)


def check_type_mismatch(ctx: Context, col: str) -> QualityFinding:
    """Current values that do not parse as the type the column has in reference."""
    kind = ctx.ref_type(col)
    dtypes = str(ctx.ref[col].dtype), str(ctx.cur[col].dtype)
    if kind not in _TYPE_WORDS:
        return type_mismatch_finding(col, kind, *dtypes, ctx.config)
    bad = ctx.bad_values(col).to_numpy()
    sub = ctx.cur[col][bad].head(10_000)
    firsts = sub[~sub.astype(str).duplicated()]
    return type_mismatch_finding(
        col,
        kind,
        *dtypes,
        ctx.config,
        int(bad.sum()),
        int((~ctx.isna("current", col)).sum()),
        firsts,
        lambda: ctx.examples("current", firsts.index, col),
    )


def type_mismatch_finding(
    col: str,
    kind: str,
    ref_dtype: str,
    cur_dtype: str,
    config: QualityConfig,
    n_bad: int = 0,
    n_present: int = 0,
    values: pd.Series | None = None,
    examples=(),
) -> QualityFinding:
    """The type-mismatch finding. ``kind`` is the column's type in reference (``Context.ref_type``);
    for a kind not compared the counts are not read. ``n_bad`` of the ``n_present`` non-missing
    current values do not parse; ``values``: the first distinct of them, in order (read if any)."""
    details: dict[str, object] = {"reference_type": kind, "reference_dtype": ref_dtype, "current_dtype": cur_dtype}
    if kind not in _TYPE_WORDS:
        why = {
            "empty": "reference has no values in it",
            "mixed": "reference already mixes several types in it",
            "other": f"its reference type ({ref_dtype}) is not compared",
        }[kind]
        return _finding(
            "type_mismatch",
            col,
            "pass",
            0.0,
            None,
            f"Types of column '{col}' are not compared: {why}.",
            details=details,
        )
    share = n_bad / n_present if n_present else 0.0
    status = config.grade(share, "type_mismatch")
    words = _TYPE_WORDS[kind]
    details.update(n_unparseable=n_bad, n_present=n_present)
    if n_bad == 0:
        return _finding(
            "type_mismatch", col, status, 0.0, None, f"Column '{col}' holds {words} in both files.", details=details
        )
    assert values is not None, "unparseable values come with their count (n_bad)"
    details["values"] = list(values.head(_MAX_LISTED))
    msg = (
        f"Column '{col}' holds {words} in reference ({ref_dtype}), but {n_bad:,} of {n_present:,} non-missing "
        f"current values ({pct(share)}) are not {words} (current type {cur_dtype}), e.g. "
        f"{listing(values.head(3))}."
        + (" The range and infinity checks treat them as missing." if kind in ("number", "datetime") else "")
        + " Fix the export so the column keeps one type and format, or clean these values."
    )
    return _finding("type_mismatch", col, status, share, None, msg, _shown(examples), details)


def check_out_of_range(ctx: Context, col: str) -> QualityFinding | None:
    """Share of current values below the reference minimum or above its maximum."""
    if ctx.kinds.get(col) not in (ColumnKind.NUMERICAL, ColumnKind.DATETIME):
        return None
    if col in (ctx.roles.id, ctx.roles.timestamp):
        return None
    kind = ctx.ref_type(col)
    if kind not in ("number", "datetime"):
        return None
    r, c = ctx.parsed("reference", col), ctx.parsed("current", col)
    r = r[np.isfinite(r)]
    if len(r) == 0:
        return out_of_range_finding(col, kind, None, ctx.config)
    lo, hi = float(r.min()), float(r.max())
    finite = np.isfinite(c)
    below, above = finite & (c < lo), finite & (c > hi)
    span = (float(c[finite].min()), float(c[finite].max())) if finite.any() else None

    def examples():  # the furthest out first
        dist = np.where(below, lo - c, np.where(above, c - hi, 0.0))
        pos = np.flatnonzero(below | above)
        k = ctx.config.max_examples
        if len(pos) > k > 0:
            pos = pos[np.argpartition(-dist[pos], k - 1)[:k]]
        return ctx.examples("current", pos[np.argsort(-dist[pos], kind="stable")], col)

    return out_of_range_finding(
        col, kind, (lo, hi), ctx.config, int(finite.sum()), int(below.sum()), int(above.sum()), span, examples
    )


def out_of_range_finding(
    col: str,
    kind: str,
    ref_range: tuple | None,
    config: QualityConfig,
    n_checked: int = 0,
    n_below: int = 0,
    n_above: int = 0,
    current_range: tuple | None = None,
    examples=(),
) -> QualityFinding:
    """The out-of-range finding. ``kind``: "number" or "datetime" (values as floats, datetimes as ns);
    ``ref_range``: reference's finite (min, max), None when it has none; of the ``n_checked`` finite
    current values ``n_below``/``n_above`` lie outside; ``current_range``: their (min, max) (read if any)."""
    if ref_range is None:
        return _finding(
            "out_of_range",
            col,
            "pass",
            0.0,
            None,
            f"The range of column '{col}' is not checked: reference has no finite values in it.",
            details={"skipped": "no finite reference values"},
        )
    show = ns_to_text if kind == "datetime" else num
    to_json = (lambda x: pd.Timestamp(int(x))) if kind == "datetime" else float
    (lo, hi), n = ref_range, n_checked
    share = (n_below + n_above) / n if n else 0.0
    status = config.grade(share, "out_of_range")
    details = {"min": to_json(lo), "max": to_json(hi), "n_below": n_below, "n_above": n_above, "n_checked": n}
    rng = f"[{show(lo)}, {show(hi)}]"
    if n_below + n_above == 0:
        return _finding(
            "out_of_range",
            col,
            status,
            0.0,
            None,
            f"All {n:,} current values of '{col}' lie within the reference range {rng}.",
            details=details,
        )
    assert current_range is not None, "values outside the range come with their (min, max)"
    cmin, cmax = current_range
    details.update(current_min=to_json(cmin), current_max=to_json(cmax))
    msg = (
        f"{pct(share)} of current values of '{col}' ({n_below + n_above:,} of {n:,}) lie outside the reference "
        f"range {rng}: {n_below:,} below and {n_above:,} above; current spans [{show(cmin)}, {show(cmax)}]."
    )
    if status == "pass":
        msg += f" That is under the warning threshold ({pct(config.out_of_range_warn)})."
    else:
        msg += (
            " The model never saw such values, so its predictions there are extrapolation. Check for a change "
            "of unit or scale or for entry errors; if the values are real, retrain on data that covers them."
        )
    return _finding("out_of_range", col, status, share, None, msg, _shown(examples), details)


def _categories(ctx: Context, col: str):
    """Cached (series, counts by key, raw value -> key) per side, or None if not categorical."""
    if ctx.kinds.get(col) not in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN) or col == ctx.roles.id:
        return None
    key = ("categories", col)
    if key not in ctx.cache:
        boolean = ctx.kinds.get(col) is ColumnKind.BOOLEAN
        out = []
        for df in (ctx.ref, ctx.cur):
            s = df[col]
            s = s.astype(object) if isinstance(s.dtype, pd.CategoricalDtype) else s
            try:
                vc = s.value_counts(dropna=True, sort=False)
                if vc.index.dtype == object and infer_dtype(vc.index, skipna=True) != "string":
                    hash(tuple(vc.index))
            except TypeError:  # unhashable cells such as lists: compare their text
                s = s.astype(str).where(s.notna())
                vc = s.value_counts(dropna=True, sort=False)
            raw_to_key = pd.Series(category_keys(vc.index, boolean), index=vc.index)
            counts = pd.Series(vc.to_numpy(), index=raw_to_key.to_numpy()).groupby(level=0, sort=False).sum()
            counts = counts.sort_values(ascending=False, kind="stable")
            out.append((s, counts, raw_to_key))
        ctx.cache[key] = out
    return ctx.cache[key]


def _category_examples(ctx, side, s, raw_to_key, keys, col):
    """First row of each of ``keys`` (in that order), as example rows."""
    keys = list(keys[: ctx.config.max_examples])
    raws = raw_to_key.index[raw_to_key.isin(keys).to_numpy()]
    sub = s[s.isin(raws)]
    firsts = sub[~sub.duplicated()]
    rank = {k: i for i, k in enumerate(keys)}
    key_of = dict(zip(raw_to_key.index, raw_to_key.to_numpy()))
    order = sorted(range(len(firsts)), key=lambda i: rank[key_of[firsts.iloc[i]]])
    positions = list(firsts.index[order])
    if len(positions) < ctx.config.max_examples:  # fill up with further rows in file order
        taken = set(positions)
        positions += [p for p in sub.index[: 2 * ctx.config.max_examples] if p not in taken]
    return ctx.examples(side, positions, col)


def _many(n: int) -> str:
    return f"categor{'y' if n == 1 else 'ies'}"


def check_new_categories(ctx: Context, col: str) -> QualityFinding | None:
    """Share of current rows holding a category that never occurs in reference."""
    cats = _categories(ctx, col)
    if cats is None:
        return None
    (_, ref_counts, _), (s, cur_counts, raw_to_key) = cats
    new = cur_counts[~cur_counts.index.isin(ref_counts.index)]
    return new_categories_finding(
        col,
        new,
        int(new.sum()),
        len(ctx.cur),
        len(ref_counts),
        len(cur_counts),
        ctx.config,
        lambda: _category_examples(ctx, "current", s, raw_to_key, new.index, col),
    )


def new_categories_finding(
    col: str,
    new: pd.Series,
    n_rows: int,
    n_cur: int,
    n_categories_ref: int,
    n_categories_cur: int,
    config: QualityConfig,
    examples=(),
) -> QualityFinding:
    """The new-categories finding. ``new``: current rows per category key absent from reference, most
    frequent first; ``n_rows`` current rows (of ``n_cur``) hold one of them."""
    share = n_rows / n_cur
    status = config.grade(share, "new_category")
    details = {
        "new": list(new.index[:_MAX_LISTED]),
        "n_new": len(new),
        "n_rows": n_rows,
        "counts": {k: int(v) for k, v in new.head(_MAX_LISTED).items()},
        "n_categories_reference": n_categories_ref,
        "n_categories_current": n_categories_cur,
    }
    if len(new) == 0:
        return _finding(
            "new_categories",
            col,
            status,
            0.0,
            None,
            f"Every category of column '{col}' in current also occurs in reference "
            f"({n_categories_cur:,} {_many(n_categories_cur)}).",
            details=details,
        )
    listed = "; ".join(f"'{k}' ({rows(int(v))}, {pct(v / n_cur)})" for k, v in new.head(_MAX_LISTED).items())
    more = f" and {len(new) - _MAX_LISTED:,} more" if len(new) > _MAX_LISTED else ""
    msg = (
        f"Column '{col}' has {len(new):,} {_many(len(new))} never seen in reference: {listed}{more}."
        + (f" Together they are {pct(share)} of current rows ({n_rows:,})." if len(new) > 1 else "")
        + f" The model has no experience with {'it' if len(new) == 1 else 'them'}: if genuine, retrain with "
        "examples or map to a known category; if it is a change of spelling, case or coding, fix it at the source."
    )
    if len(new) > 100:
        msg += (
            f" With {n_categories_cur:,} distinct values this column may be an identifier or free text; if so, "
            "set its kind or role accordingly."
        )
    return _finding("new_categories", col, status, share, None, msg, _shown(examples), details)


def check_vanished_categories(ctx: Context, col: str) -> QualityFinding | None:
    """Share of reference rows holding a category that no longer occurs in current."""
    cats = _categories(ctx, col)
    if cats is None:
        return None
    (s, ref_counts, raw_to_key), (_, cur_counts, _) = cats
    gone = ref_counts[~ref_counts.index.isin(cur_counts.index)]
    return vanished_categories_finding(
        col,
        gone,
        len(ctx.ref),
        len(ctx.cur),
        ctx.config,
        lambda: _category_examples(ctx, "reference", s, raw_to_key, gone.index, col),
    )


def vanished_categories_finding(
    col: str, gone: pd.Series, n_ref: int, n_cur: int, config: QualityConfig, examples=()
) -> QualityFinding:
    """The vanished-categories finding. ``gone``: reference rows per category key absent from
    current, most frequent first; the examples are reference rows."""
    n_rows = int(gone.sum())
    share = n_rows / n_ref
    status = config.grade(share, "vanished_category")
    details = {
        "vanished": list(gone.index[:_MAX_LISTED]),
        "n_vanished": len(gone),
        "n_rows_reference": n_rows,
        "counts": {k: int(v) for k, v in gone.head(_MAX_LISTED).items()},
        "examples_from": "reference",
    }
    if len(gone) == 0:
        return _finding(
            "vanished_categories",
            col,
            status,
            0.0,
            None,
            f"Every category of column '{col}' in reference still occurs in current.",
            details=details,
        )
    listed = "; ".join(f"'{k}' ({rows(int(v))}, {pct(v / n_ref)})" for k, v in gone.head(_MAX_LISTED).items())
    more = f" and {len(gone) - _MAX_LISTED:,} more" if len(gone) > _MAX_LISTED else ""
    one = len(gone) == 1
    msg = (
        f"Column '{col}': {len(gone):,} {_many(len(gone))} of reference no longer occur{'s' if one else ''} in "
        f"current: {listed}{more}. {'It' if one else 'They'} held {pct(share)} of reference rows, so about "
        f"{count(share * n_cur)} of the {n_cur:,} current rows would be expected to hold {'it' if one else 'them'}. "
        "Check whether current is filtered (a segment left out) or the category was renamed or recoded. "
        "Example rows are from reference."
    )
    return _finding("vanished_categories", col, status, share, None, msg, _shown(examples), details)


def _constant(s: pd.Series, missing: np.ndarray) -> tuple[str, object]:
    """("empty" | "constant" | "varied", the constant value or None)."""
    present = np.flatnonzero(~missing)
    if len(present) == 0:
        return "empty", None
    first = s.iloc[present[0]]
    try:
        same = bool(((s == first).to_numpy() | missing).all())
    except (TypeError, ValueError):  # unhashable or incomparable cells
        text = s.astype(str)
        same = bool(((text == text.iloc[present[0]]).to_numpy() | missing).all())
    return ("constant" if same else "varied"), first


def check_constant_column(ctx: Context, col: str) -> QualityFinding:
    """A column with one distinct non-missing value in current (and in reference)."""
    (cur_state, cur_value), (ref_state, ref_value) = (
        _constant(ctx.cur[col], ctx.isna("current", col)),
        _constant(ctx.ref[col], ctx.isna("reference", col)),
    )
    value = 1.0 if cur_state == "constant" else 0.0
    ref = None if ref_state == "empty" else (1.0 if ref_state == "constant" else 0.0)
    details = {"current": cur_state, "reference": ref_state, "value": cur_value}
    if cur_state != "constant":
        text = "has no values in current" if cur_state == "empty" else "varies in current"
        return _finding("constant_column", col, "pass", value, ref, f"Column '{col}' {text}.", details=details)
    v = num(cur_value)
    if ref_state == "varied" or (ref_state == "constant" and to_json_safe(ref_value) != to_json_safe(cur_value)):
        was = "varies in reference" if ref_state == "varied" else f"was always {num(ref_value)} in reference"
        msg = (
            f"Column '{col}' has the same value ({v}) in every current row that has one, but {was}. A column "
            "that stops varying or changes its only value usually means a broken feed or a default filled in "
            "upstream; check the source before trusting predictions that use it."
        )
        return _finding("constant_column", col, ctx.config.constant_status, value, ref, msg, details=details)
    if ref_state == "constant":
        msg = (
            f"Column '{col}' holds the single value {v} in both files: it tells rows apart in neither, so it "
            "can be dropped from the analysis."
        )
    else:
        msg = f"Column '{col}' holds the single value {v} in current; reference has no values to compare."
    return _finding("constant_column", col, "pass", value, ref, msg, details=details)


def check_infinite_values(ctx: Context, col: str) -> QualityFinding | None:
    """Share of current rows holding +inf or -inf (numeric columns)."""
    if ctx.ref_type(col) != "number":
        return None
    c, r = ctx.parsed("current", col), ctx.parsed("reference", col)
    pos_c, neg_c = np.isposinf(c), np.isneginf(c)
    return infinite_values_finding(
        col,
        int(np.isinf(r).sum()),
        len(r),
        int(pos_c.sum()),
        int(neg_c.sum()),
        len(c),
        ctx.config,
        lambda: ctx.examples("current", np.flatnonzero(pos_c | neg_c), col),
    )


def infinite_values_finding(
    col: str, n_inf_ref: int, n_ref: int, n_pos_cur: int, n_neg_cur: int, n_cur: int, config: QualityConfig, examples=()
) -> QualityFinding:
    """The infinite-values finding from the counts of infinities and of rows in each file."""
    n_c, n_r = n_pos_cur + n_neg_cur, n_inf_ref
    share, share_r = n_c / n_cur, n_r / n_ref
    status = config.grade(share, "infinite")
    details = {"n_current": n_c, "n_reference": n_r, "n_positive_current": n_pos_cur, "n_negative_current": n_neg_cur}
    if n_c == 0:
        ref_note = f"; reference has {n_r:,} ({pct(share_r)})" if n_r else ""
        return _finding(
            "infinite_values",
            col,
            status,
            0.0,
            share_r,
            f"Column '{col}' has no infinite values in current{ref_note}.",
            details=details,
        )
    msg = (
        f"Column '{col}' has {n_c:,} infinite values in current ({n_pos_cur:,} +inf, {n_neg_cur:,} "
        f"-inf; {pct(share)} of rows) against {n_r:,} in reference. They often come from a division by zero; "
        "most statistics and many models cannot use them. Replace them with missing values or a finite cap "
        "in the source data."
    )
    return _finding("infinite_values", col, status, share, share_r, msg, _shown(examples), details)
