"""The one number format (robustness.formatting): 3 significant figures, thousands separated, % for shares."""

import math

import numpy as np
import pandas as pd
import pytest

from robustness.errors import ConfigError
from robustness.formatting import (
    D3_NUMBER,
    D3_SHARE,
    class_label,
    class_names_text,
    count,
    interval,
    number,
    parse_class_names,
    percent,
    share,
)


@pytest.mark.parametrize(
    "x, text",
    [
        (1234567, "1,230,000"),
        (0.000123, "0.000123"),
        (0.4567, "0.457"),
        (2.5, "2.5"),
        (2.50001, "2.5"),
        (5, "5"),
        (12.345, "12.3"),
        (123.456, "123"),
        (31115, "31,100"),
        (999.6, "1,000"),  # rounding carries into a new digit
        (0.9996, "1"),
        (-0.0421, "-0.0421"),
        (-1234.5, "-1,230"),
        (0, "0"),
        (0.0, "0"),
        (-0.0, "0"),
        (1e-6, "0.000001"),
        (1.234e-7, "1.23e-7"),  # only the extremes are scientific
        (-4.5e18, "-4.5e+18"),
        (999_999_999_999_999, "1e+15"),
        (np.float64(0.869), "0.869"),
        (np.int64(4000), "4,000"),
    ],
)
def test_number(x, text):
    assert number(x) == text


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, pd.NA, "text", True])
def test_missing_and_non_numbers_read_as_a_dash(missing):
    assert number(missing) == share(missing) == count(missing) == "–"


def test_infinities_and_signs():
    assert number(math.inf) == "∞" and number(-math.inf) == "-∞" and share(math.inf) == "∞"
    assert number(math.inf, signed=True) == "+∞"
    assert number(0.0123, signed=True) == "+0.0123"
    assert number(-0.0123, signed=True) == "-0.0123"
    assert number(0, signed=True) == "0"
    assert share(0.045, signed=True) == "+4.5%" and share(-0.045, signed=True) == "-4.5%"
    assert count(12, signed=True) == "+12" and count(-1200, signed=True) == "-1,200"


@pytest.mark.parametrize(
    "x, text",
    [
        (0.4567, "45.7%"),
        (0.05, "5%"),
        (1, "100%"),
        (0.999, "99.9%"),
        (0.9999, "100%"),
        (0.000123, "0.0123%"),
        (0.116, "11.6%"),
        (12.3456, "1,230%"),
        (0, "0%"),
    ],
)
def test_share(x, text):
    assert share(x) == text and percent(x) == text


@pytest.mark.parametrize("n, text", [(4000, "4,000"), (4123, "4,123"), (1_234_567, "1,234,567"), (0, "0"), (7.0, "7")])
def test_count_keeps_every_digit(n, text):
    assert count(n) == text


def test_interval():
    assert interval(0.8281, 0.8479) == "0.828–0.848"
    assert interval(0.8281, 0.8479, share) == "82.8%–84.8%"
    assert interval(None, 1) == "–"


def test_at_most_three_significant_figures_for_any_value():
    rng = np.random.default_rng(0)
    for v in np.concatenate([rng.lognormal(0, 6, 500), -rng.lognormal(0, 6, 500)]):
        text = number(v)
        if "e" in text:
            assert abs(v) < 1e-6 or abs(v) >= 1e15
            continue
        digits = text.replace("-", "").replace(",", "").replace(".", "").lstrip("0")
        assert len(digits.rstrip("0") if "." not in text else digits) <= 3, (v, text)
        assert float(text.replace(",", "")) == pytest.approx(v, rel=5e-3)


def test_d3_formats_say_the_same_rule():
    assert D3_NUMBER == ",.3~r" and D3_SHARE == ".3~p"


def test_class_label_names_a_class_when_a_name_is_given():
    names = {"0": "repaid", "1": "default"}
    assert class_label(1, names) == "default" and class_label(np.int64(0), names) == "repaid"
    assert class_label(1.0, names) == "default" and class_label("1", names) == "default"
    assert class_label(2, names) == "2"  # no name: the value itself
    assert class_label("wear") == "wear" and class_label(np.float64(3.0)) == "3"


def test_class_names_typed_as_text():
    assert parse_class_names("0 = repaid, 1 = default") == {"0": "repaid", "1": "default"}
    assert parse_class_names("0: repaid\n1.0: in default\n") == {"0": "repaid", "1": "in default"}
    assert parse_class_names("  ") == {}
    assert class_names_text({"0": "repaid", "1": "default"}) == "0 = repaid, 1 = default"
    with pytest.raises(ConfigError, match="'repaid' is not 'value = name'"):
        parse_class_names("repaid, 1 = default")
