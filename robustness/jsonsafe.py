"""Values as JSON can hold them: the one place results turn NumPy, pandas and datetime values into JSON.

Every result's ``to_dict`` goes through these helpers, so ``json.dumps(result.to_dict(), allow_nan=False)``
always works and two results never write the same value two ways.

- :func:`to_json_safe`: any value, nested containers included;
- :func:`py_scalar`: one NumPy scalar as the matching Python scalar (``np.int64(3)`` -> ``3``);
- :func:`finite_or_none`: a number as a float, or None when it is missing, NaN or infinite.

numpy and pandas are not imported here: a value can only be a NumPy or pandas object once the caller has
imported them, so the helpers look them up in ``sys.modules`` and modules that only write plain values
(e.g. the report's story) serialise without loading either.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
import sys
from collections.abc import Mapping
from typing import Any

__all__ = ["finite_or_none", "py_scalar", "to_json_safe"]


def to_json_safe(value: Any) -> Any:
    """``value`` with NaN/NA/NaT -> None, +/-inf -> "inf"/"-inf", timestamps -> ISO strings,
    numpy scalars -> Python numbers, tuples/arrays -> lists, mapping keys -> strings."""
    if value is None or isinstance(value, (str, bool)):
        return value
    np, pd = sys.modules.get("numpy"), sys.modules.get("pandas")
    if np is not None and isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, _dt.timedelta) or (np is not None and isinstance(value, (np.datetime64, np.timedelta64))):
        return _time_json(value)  # checked before integers: np.timedelta64 is an np.integer
    if isinstance(value, int) or (np is not None and isinstance(value, np.integer)):
        return int(value)
    if isinstance(value, (float, decimal.Decimal)) or (np is not None and isinstance(value, np.floating)):
        x = float(value)
        if math.isnan(x):
            return None
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    if isinstance(value, Mapping):
        return {_key(k): to_json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json_safe(v) for v in value]
    if np is not None and isinstance(value, np.ndarray):
        return [to_json_safe(v) for v in value]
    if pd is not None:
        if isinstance(value, (pd.Index, pd.Series)):
            return [to_json_safe(v) for v in value]
        if value is pd.NaT or value is pd.NA:
            return None
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):  # pd.Timestamp is a datetime
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if pd is not None:
        try:
            if pd.isna(value):
                return None
        except (TypeError, ValueError):
            pass
    return str(value)


def py_scalar(value: Any) -> Any:
    """A NumPy scalar as the matching Python scalar (``np.int64(3)`` -> 3, ``np.True_`` -> True); anything else
    as it is. Unlike :func:`to_json_safe` it keeps NaN and timestamps: use it for labels and values that are
    compared or shown, and :func:`to_json_safe` for what is written."""
    np = sys.modules.get("numpy")
    return value.item() if np is not None and isinstance(value, np.generic) else value


def finite_or_none(x: Any) -> float | None:
    """``x`` as a float, or None when it is None, NaN or +/-inf (JSON has no NaN or infinity)."""
    return None if x is None or not math.isfinite(float(x)) else float(x)


def _time_json(value: Any) -> str | None:
    """A duration or a NumPy datetime64/timedelta64 in pandas' one format for every timestamp and duration
    (ISO for timestamps, "1 days 02:00:00" for durations); None for NaT."""
    import numpy as np
    import pandas as pd

    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).isoformat()
    td = pd.Timedelta(value)
    return None if td is pd.NaT else str(td)


def _key(k: Any) -> str:
    safe = to_json_safe(k)
    return safe if isinstance(safe, str) else str(safe)
