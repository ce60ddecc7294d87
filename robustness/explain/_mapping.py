"""From a Pipeline's transformed columns back to the raw columns users know.

``raw_groups(pre, raw, n_out)`` says, for each output column of the preprocessing ``pre``, which
raw input columns it depends on. A ColumnTransformer is read from its structure: a transformer
given one column owns all its outputs; a transformer given several columns has its outputs
matched by name (``occupation_7`` belongs to ``occupation``; one-to-one when it keeps the count).
Anything else (a transformer that mixes columns, a FunctionTransformer, a name that matches no
column or two) is probed: each raw column in turn is replaced by its values shifted by one row,
and the outputs that change depend on it. An output that depends on several raw columns is
attributed to their group ("a + b"); an output that depends on none (constant on the probe
rows) to the raw column its name matches, or to "(other)".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

OTHER = "(other)"


def dense(X) -> np.ndarray:
    """A transformed matrix as a dense 2-D float array (sparse matrices and DataFrames too)."""
    if hasattr(X, "toarray"):
        X = X.toarray()
    elif isinstance(X, pd.DataFrame):
        X = X.to_numpy()
    arr = np.asarray(X)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    return arr.astype(np.float64) if arr.dtype.kind in "iufb" else arr


def _names_out(pre, n_out: int) -> list[str] | None:
    try:
        names = [str(n) for n in pre.get_feature_names_out()]
    except Exception:  # noqa: BLE001 - a transformer without names: probe instead
        return None
    return names if len(names) == n_out else None


def _match(name: str, columns: Sequence[str]) -> list[str]:
    """Raw columns that ``name`` (an output name, transformer prefix removed) is or starts with."""
    hits = [c for c in columns if name == c or name.startswith(c + "_")]
    exact = [c for c in hits if name == c]
    return exact or hits


def _structural(pre, columns: list[str], n_out: int) -> list[set[str] | None] | None:
    """Per output: its raw columns from a ColumnTransformer's structure (None: unknown, probe it)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    ct = pre
    while isinstance(ct, Pipeline) and len(ct.steps) == 1:
        ct = ct.steps[0][1]
    if not isinstance(ct, ColumnTransformer) or not hasattr(ct, "transformers_"):
        return None
    names = _names_out(ct, n_out)
    names_in = [str(c) for c in getattr(ct, "feature_names_in_", columns)]
    out: list[set[str] | None] = []
    for tname, trans, cols in ct.transformers_:
        if isinstance(trans, str) and trans == "drop":
            continue
        if callable(cols):
            return None
        if isinstance(cols, slice):
            cols = names_in[cols]
        elif isinstance(cols, str) or np.ndim(cols) == 0:
            cols = [cols]
        cols = list(cols)
        if cols and all(isinstance(c, (bool, np.bool_)) for c in cols):
            cols = [names_in[i] for i, keep in enumerate(cols) if keep]
        cols = [names_in[c] if isinstance(c, (int, np.integer)) else str(c) for c in cols]
        if any(c not in columns for c in cols):
            return None
        if not cols:
            continue
        if isinstance(trans, str) and trans == "passthrough":
            count = len(cols)
        else:
            try:
                count = len(trans.get_feature_names_out(cols))
            except Exception:  # noqa: BLE001
                return None
        start = len(out)
        if names is not None and start + count > len(names):
            return None
        own = [_strip(names[start + k], tname) for k in range(count)] if names is not None else None
        if len(cols) == 1:
            out.extend({cols[0]} for _ in range(count))
        elif count == len(cols) and (own is None or own == cols):
            out.extend({c} for c in cols)
        else:
            for k in range(count):
                hits = _match(own[k], cols) if own is not None else []
                out.append({hits[0]} if len(hits) == 1 else None)
    return out if len(out) == n_out else None


def _strip(name: str, prefix: str | None = None) -> str:
    """The output name without its transformer's ``prefix__`` (any ``x__`` when not known)."""
    if prefix is not None:
        return name[len(prefix) + 2 :] if name.startswith(prefix + "__") else name
    return re.sub(r"^.*?__", "", name, count=1)


def _probe(pre, raw: pd.DataFrame, base: np.ndarray, columns: list[str], wanted: np.ndarray) -> list[set[str]]:
    """For the outputs marked in ``wanted``: the raw columns whose shifted values change them."""
    deps: list[set[str]] = [set() for _ in range(base.shape[1])]
    same_base = np.isnan(base) if base.dtype.kind == "f" else None
    for col in columns:
        values = raw[col].to_numpy()
        if len(values) < 2:
            break
        probe = raw.copy()
        probe[col] = np.roll(values, 1)
        try:
            out = dense(pre.transform(probe))
        except Exception:  # noqa: BLE001 - a shifted value the preprocessing rejects: no evidence
            continue
        if out.shape != base.shape:
            continue
        if same_base is not None and out.dtype.kind == "f":
            equal = (out == base) | (np.isnan(out) & same_base)
        else:
            equal = out == base
        changed = ~np.asarray(equal).all(axis=0)
        for j in np.flatnonzero(changed & wanted):
            deps[j].add(col)
    return deps


def raw_groups(pre, raw: pd.DataFrame, n_out: int) -> tuple[list[str], np.ndarray, list[str]]:
    """(feature names, M, notes): ``M`` (n_out × features) sums transformed attributions onto
    the raw columns (in ``raw``'s order) and any groups of columns the preprocessing mixes."""
    columns = [str(c) for c in raw.columns]
    deps = _structural(pre, columns, n_out)
    if deps is None:
        deps = [None] * n_out
    notes: list[str] = []
    unknown = np.array([d is None for d in deps])
    if unknown.any():
        base = dense(pre.transform(raw))
        probed = _probe(pre, raw, base, columns, unknown)
        names = _names_out(pre, n_out)
        for j in map(int, np.flatnonzero(unknown)):
            found = probed[j]
            if not found and names is not None:
                found = set(_match(_strip(names[j]), columns)[:1])
            deps[j] = found
    groups: list[str] = list(columns)
    index = {c: i for i, c in enumerate(columns)}
    M = np.zeros((n_out, len(columns)))
    for j, d in enumerate(deps):
        if not d:
            key = OTHER
        elif len(d) == 1:
            key = next(iter(d))
        else:
            key = " + ".join(c for c in columns if c in d)
        if key not in index:
            index[key] = len(groups)
            groups.append(key)
            M = np.hstack([M, np.zeros((n_out, 1))])
            if key == OTHER:
                notes.append(
                    "Some transformed columns depend on no input column on the rows probed (constant "
                    "there); their attributions are shown as '(other)'."
                )
            else:
                notes.append(
                    f"The preprocessing combines {key.replace(' + ', ', ')} into shared columns, so their "
                    f"attributions are shown together as '{key}'."
                )
        M[j, index[key]] = 1.0
    # a column that reaches the model only through a group is shown in the group, not as a zero of its own
    grouped = {c for key in groups[len(columns) :] if key != OTHER for c in key.split(" + ")}
    keep = [i for i, g in enumerate(groups) if not (g in grouped and not M[:, i].any())]
    return [groups[i] for i in keep], M[:, keep], notes
