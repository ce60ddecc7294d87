"""robustness.jsonsafe: the one set of JSON helpers every result's ``to_dict`` uses."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from robustness.jsonsafe import finite_or_none, py_scalar, to_json_safe


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("a", "a"),
        (True, True),
        (np.bool_(False), False),
        (np.int64(4), 4),
        (np.uint8(3), 3),
        (np.float32(1.5), 1.5),
        (decimal.Decimal("1.25"), 1.25),
        (float("nan"), None),
        (np.inf, "inf"),
        (-math.inf, "-inf"),
        (pd.NaT, None),
        (pd.NA, None),
        (pd.Timestamp("2024-01-02 03:04:05"), "2024-01-02T03:04:05"),
        (dt.date(2024, 1, 2), "2024-01-02"),
        (np.datetime64("2024-01-02"), "2024-01-02T00:00:00"),
        (np.datetime64("NaT"), None),
        (pd.Timedelta("1h"), "0 days 01:00:00"),
        (dt.timedelta(days=1, hours=2), "1 days 02:00:00"),  # one format for every duration
        (np.timedelta64(3, "s"), "0 days 00:00:03"),  # an np.integer subclass: not an int
        (np.timedelta64("NaT"), None),
        (b"ab\xff", "ab\ufffd"),
        (pd.Period("2024-01"), "2024-01"),
    ],
)
def test_scalars(value, expected):
    assert to_json_safe(value) == expected


def test_containers_become_lists_and_keys_strings():
    value = {
        "a": np.array([1.0, np.nan]),
        2: (1, {np.int64(3): pd.Series([np.inf, None], dtype=float)}),
        None: {1},
        "i": pd.Index(["x"]),
    }
    safe = to_json_safe(value)
    assert safe == {"a": [1.0, None], "2": [1, {"3": ["inf", None]}], "None": [1], "i": ["x"]}
    json.dumps(safe, allow_nan=False)


def test_py_scalar_and_finite_or_none():
    assert py_scalar(np.int64(3)) == 3 and type(py_scalar(np.int64(3))) is int
    assert py_scalar(np.True_) is True
    assert py_scalar("a") == "a" and math.isnan(py_scalar(np.float64("nan")))  # NaN kept: a value, not output
    assert finite_or_none(np.float32(2.5)) == 2.5 and type(finite_or_none(np.float32(2.5))) is float
    assert finite_or_none(None) is None and finite_or_none(math.nan) is None and finite_or_none(-math.inf) is None


def test_plain_values_serialise_without_importing_numpy_or_pandas():
    code = (
        "import sys, datetime; from robustness.jsonsafe import to_json_safe; "
        "assert to_json_safe({'a': [1, float('nan')], 'd': datetime.date(2024, 1, 2)}) == {'a': [1, None], "
        "'d': '2024-01-02'}; print('numpy' in sys.modules, 'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
