"""Tables as every page shows them: numbers in the one format, every row in view or a line saying how
many are not.

``show_table(frame)`` formats float columns with :func:`robustness.formatting.number` (3 significant
figures, thousands separated), integer columns as counts and the columns named in ``shares`` as
percents, through a pandas Styler, so the table still sorts by the numbers themselves. The table is
as tall as its rows up to :data:`MAX_TABLE_ROWS`; beyond that it scrolls and a caption says how many
rows are out of view. ``total``: the number of rows the table stands for when it shows only the
first ones (a preview), said in the caption.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from robustness.formatting import count, number, share

MAX_TABLE_ROWS = 40  # tables grow to show this many rows; beyond, they scroll and say how many are out of view


def table_height(n_rows: int) -> int:
    """A table's height in pixels that shows every row up to MAX_TABLE_ROWS (Streamlit's default shows ~10)."""
    return 38 + 35 * max(1, min(n_rows, MAX_TABLE_ROWS))


def hidden_rows_note(n_rows: int, *, what: str = "rows", total: int | None = None) -> str | None:
    """What the caption under a table says about rows out of view, or None when every row is in view."""
    parts = []
    if total is not None and total > n_rows:
        parts.append(f"Showing the first {count(n_rows)} of {count(total)} {what}.")
    if n_rows > MAX_TABLE_ROWS:
        parts.append(
            f"{count(n_rows)} {what} in the table: {count(n_rows - MAX_TABLE_ROWS)} of them are below the "
            "visible part; scroll inside the table to see them."
        )
    return " ".join(parts) or None


def _number_cell(v) -> str:
    if isinstance(v, bool) or v is None:
        return "" if v is None else str(v)
    return number(v)


def styled(frame: pd.DataFrame, *, shares=(), counts=(), plain_columns=()):
    """``frame`` with its numbers written in the one format (a Styler; the values themselves are kept).
    ``plain_columns``: numeric columns shown as they are (IDs, seeds, years)."""
    formats = {}
    for col in frame.columns:
        if col in plain_columns:
            continue
        dtype = frame[col].dtype
        if col in shares:
            formats[col] = share
        elif col in counts or pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            formats[col] = count
        elif pd.api.types.is_float_dtype(dtype):
            formats[col] = _number_cell
    return frame.style.format(formats, na_rep="–") if formats else frame


def show_table(
    frame: pd.DataFrame,
    *,
    what: str = "rows",
    total: int | None = None,
    shares=(),
    counts=(),
    plain_columns=(),
    column_config: dict | None = None,
    hide_index: bool = True,
    key: str | None = None,
    **selection,
):
    """A table with every row in view (up to MAX_TABLE_ROWS; beyond, a caption says how many scroll out
    of view) and its numbers in the one format (see the module docstring). ``selection``: st.dataframe's
    ``on_select`` and ``selection_mode``; the selection event is returned."""
    frame = frame.reset_index(drop=True) if hide_index else frame
    event = st.dataframe(
        styled(frame, shares=shares, counts=counts, plain_columns=plain_columns),
        hide_index=hide_index,
        width="stretch",
        height=table_height(len(frame)),
        column_config=column_config,
        key=key,
        **selection,
    )
    note = hidden_rows_note(len(frame), what=what, total=total)
    if note:
        st.caption(note)
    return event
