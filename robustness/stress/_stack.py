"""Perturbed copies of the sample, one under the other, built column by column (what the suite scores)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from robustness.stress._stats import ColumnValues

__all__ = ["stack_rows"]

_PLAIN_KINDS = frozenset("iufb")  # numpy integer, unsigned, float and bool dtypes


def stack_rows(base: pd.DataFrame, changes: Sequence[Mapping[str, ColumnValues]]) -> pd.DataFrame:
    """Perturbed copies of ``base``, one under the other: copy k is ``base`` with the columns in
    ``changes[k]`` (column -> new values, as :func:`perturbed_columns` gives them) put in.

    Equal, values and dtypes, to ``pd.concat(copies, ignore_index=True)``, without building the
    copies: a column whose parts have plain numpy dtypes (object, or numbers that numpy promotes
    as pandas does) is joined with one ``np.concatenate``, which also skips pandas' per-block
    checks (they look at every cell of an all-missing object column). Any other column
    (categorical, nullable, datetime, mixed object/number) goes through pandas.
    """
    columns = base.columns
    if columns.has_duplicates:
        copies = []
        for change in changes:
            copy = base.copy()
            for col, values in change.items():
                copy[col] = values
            copies.append(copy)
        return pd.concat(copies, ignore_index=True)
    out: dict[int, np.ndarray | pd.Series] = {}
    for i, col in enumerate(columns):
        own: ColumnValues = base[col]
        parts = [change.get(col, own) for change in changes]
        dtypes = {p.dtype for p in parts}
        plain = all(isinstance(d, np.dtype) for d in dtypes) and (
            len(dtypes) == 1 and next(iter(dtypes)).kind in _PLAIN_KINDS | {"O"} or all(d.kind in "iuf" for d in dtypes)
        )
        if plain:
            out[i] = np.concatenate([np.asarray(p) for p in parts])
        else:
            out[i] = pd.concat(
                [p if isinstance(p, pd.Series) else pd.Series(p, name=col) for p in parts], ignore_index=True
            )
    stacked = pd.DataFrame(out, copy=False)
    stacked.columns = columns
    return stacked
