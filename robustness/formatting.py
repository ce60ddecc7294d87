"""One number format for everything the dashboard, the report and the figures show.

The rule:

- **numbers** (:func:`number`): at most 3 significant figures, written out in decimal notation with
  commas between thousands, trailing zeros dropped: 1234567 -> ``1,230,000``, 0.4567 -> ``0.457``,
  0.000123 -> ``0.000123``, 2.50 -> ``2.5``, -0.0421 -> ``-0.0421``. Only the extremes, where decimal
  notation stops being readable (0 < |x| < 1e-6 or |x| >= 1e15), are written in scientific notation
  (``1.23e-7``, ``4.5e+18``);
- **shares** (:func:`share`, a fraction of 1 shown as a percent): the same 3 significant figures of
  the percent: 0.4567 -> ``45.7%``, 0.05 -> ``5%``, 1 -> ``100%``, 0.000123 -> ``0.0123%``;
- **counts** (:func:`count`: rows, columns, categories): every digit, commas between thousands:
  4000 -> ``4,000``. Years, IDs and seeds are not numbers to read and are shown as they are (``str``);
- missing values (None, NaN) read ``–``; infinities ``∞`` and ``-∞``; ``signed=True`` puts ``+`` before
  positive values (changes, deltas).

Plotly figures follow the same rule with d3 formats: :data:`D3_NUMBER` (``",.3~r"``: 3 significant
figures in decimal notation, thousands separated, trailing zeros trimmed), :data:`D3_SHARE`
(``".3~p"``: the percent to 3 significant figures) and :data:`D3_COUNT` (``",d"``). The one difference:
d3 never switches to scientific notation, so a hover may show ``0.0000000123`` where the page says
``1.23e-8``.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

__all__ = [
    "D3_COUNT",
    "D3_NUMBER",
    "D3_SHARE",
    "MISSING",
    "count",
    "class_label",
    "class_names_text",
    "interval",
    "number",
    "parse_class_names",
    "percent",
    "share",
]

DIGITS = 3  # significant figures of every number and share
MISSING = "–"
D3_NUMBER = ",.3~r"  # Plotly's hovertemplate "%{y:,.3~r}", tickformat=",.3~r"
D3_SHARE = ".3~p"  # 0.4567 -> 45.7%
D3_COUNT = ",d"
_SMALL, _LARGE = 1e-6, 1e15  # outside [1e-6, 1e15) decimal notation is unreadable: scientific instead


def _value(x) -> float | None:
    """x as a float, or None when it is missing (None, NaN, pandas' NA) or not a number at all."""
    if x is None or isinstance(x, bool):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def _special(v: float, signed: bool) -> str | None:
    if math.isinf(v):
        return "∞" if v > 0 and not signed else "+∞" if v > 0 else "-∞"
    return None


def _scientific(v: float, digits: int) -> str:
    mantissa, exponent = f"{v:.{digits - 1}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    sign, power = exponent[0], exponent[1:].lstrip("0") or "0"
    return f"{mantissa}e{sign}{power}"


def _decimal(v: float, digits: int) -> str:
    """v rounded to ``digits`` significant figures, in decimal notation with thousands separated."""
    rounded = f"{v:.{digits - 1}e}"  # rounds once, to the significant figures wanted
    exponent = int(rounded.split("e")[1])
    places = max(0, digits - 1 - exponent)
    text = f"{float(rounded):,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "0") else text


def number(x, *, signed: bool = False, digits: int = DIGITS) -> str:
    """A measured number: 3 significant figures, thousands separated (see the module docstring)."""
    v = _value(x)
    if v is None:
        return MISSING
    special = _special(v, signed)
    if special is not None:
        return special
    if v == 0:
        return "0"
    a = abs(float(f"{v:.{digits - 1}e}"))  # after rounding: 999,999,999,999,999 is 1e+15
    text = _scientific(v, digits) if a < _SMALL or a >= _LARGE else _decimal(v, digits)
    return f"+{text}" if signed and v > 0 and text != "0" else text


def share(x, *, signed: bool = False, digits: int = DIGITS) -> str:
    """A fraction of 1 as a percent with 3 significant figures: 0.4567 -> 45.7%, 0.05 -> 5%."""
    v = _value(x)
    if v is None:
        return MISSING
    special = _special(v, signed)
    if special is not None:
        return special
    return number(100 * v, signed=signed, digits=digits) + "%"


percent = share  # the same rule under its other name


def count(n, *, signed: bool = False) -> str:
    """A count (rows, columns, categories): every digit, thousands separated: 4000 -> 4,000."""
    v = _value(n)
    if v is None:
        return MISSING
    special = _special(v, signed)
    if special is not None:
        return special
    whole = int(n) if isinstance(n, Integral) else int(round(v))
    text = f"{whole:,}"
    return f"+{text}" if signed and whole > 0 else text


def interval(low, high, fmt=number) -> str:
    """A range such as a 95% interval: "0.828–0.848" (``fmt`` formats both ends, e.g. :func:`share`);
    "–" when either end is missing."""
    if _value(low) is None or _value(high) is None:
        return MISSING
    return f"{fmt(low)}–{fmt(high)}"


def class_label(value, names=None) -> str:
    """A class as people read it: its name when ``names`` (class as text -> name) gives one, else the value
    as text (whole floats without ".0", so a label 1.0 read from a CSV is class "1")."""
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif hasattr(value, "item") and not isinstance(value, str):  # a NumPy scalar
        return class_label(value.item(), names)
    else:
        text = str(value)
    return (names or {}).get(text, text)


def class_names_text(names) -> str:
    """Class names as typed on the Model & data page: "0 = repaid, 1 = default"."""
    return ", ".join(f"{k} = {v}" for k, v in (names or {}).items())


def parse_class_names(text: str) -> dict[str, str]:
    """ "0 = repaid, 1 = default" (commas or new lines between entries; ':' works for '=') as
    {"0": "repaid", "1": "default"}. Raises ConfigError naming the entry that has no '='."""
    from robustness.errors import ConfigError

    names: dict[str, str] = {}
    for entry in (e.strip() for e in text.replace("\n", ",").split(",")):
        if not entry:
            continue
        sep = "=" if "=" in entry else ":" if ":" in entry else None
        value, name = (p.strip() for p in entry.split(sep, 1)) if sep else ("", "")
        if not value or not name:
            raise ConfigError(f"Class names: '{entry}' is not 'value = name'. Write them as '0 = repaid, 1 = default'.")
        try:  # "1.0" typed for a class read as 1
            key = class_label(float(value)) if float(value).is_integer() else value
        except ValueError:
            key = value
        names[key] = name
    return names


def is_number(x) -> bool:
    """True for a real number that is not a bool (what :func:`number` formats rather than calls str on)."""
    return isinstance(x, Real) and not isinstance(x, bool)
