"""How large a change is, in units a user reads, and the sentence that names it.

Numbers (numerical, datetime as epoch seconds, text as length in characters), from either summary
(``robustness.drift.numeric.view``):

- ``mean shift``: (current mean - reference mean) / reference SD, in SDs (signed; the gate uses |x|);
- ``spread ratio``: current SD / reference SD (the gate uses max(r, 1/r): narrowing counts too);
- ``shape``: the Wasserstein-1 distance between the standardised distributions, in SDs: what is left
  once means and spreads are matched (two peaks instead of one, a heavier tail).

Categories and booleans (``CategoricalSummary``, exact in both engines):

- ``share change``: the largest change of one category's share of the non-missing values (0-1);
- ``new category share``: the largest current share of a category absent from the reference.

Text content (``TextSummary`` under the ``tfidf`` test, with the text lengths' three effects above):

- ``content AUC``: the cross-validated ROC AUC of a classifier telling current texts from reference texts
  (0.5 = alike, 1 = always told apart); its score is (AUC - 0.5) / (threshold - 0.5).

Each effect has a threshold (``DriftConfig.min_*``); the column's effect is the one furthest above
(or nearest below) its threshold, relative to it (for the spread ratio on the log scale).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from robustness.drift.numeric import NumericView, shape_distance, view
from robustness.drift.summaries import CategoricalSummary
from robustness.schema import ColumnKind

K = ColumnKind
_MINUS = "\u2212"
_ARROW = "->"


@dataclass(frozen=True)
class Effect:
    name: str  # "mean shift" | "spread ratio" | "shape" | "share change" | "new category share" | "content AUC"
    value: float
    threshold: float
    unit: str  # "SD" | "x" | "share" | "AUC"

    @property
    def score(self) -> float:
        """Size relative to the threshold: >= 1 means at least as large."""
        if self.name == "spread ratio":
            r = max(self.value, 1 / self.value) if self.value > 0 else math.inf
            return math.log(r) / math.log(self.threshold) if self.threshold > 1 else math.inf
        if self.unit == "AUC":  # above chance (0.5), relative to the threshold's distance from it
            return (self.value - 0.5) / (self.threshold - 0.5) if self.threshold > 0.5 else math.inf
        if self.threshold <= 0:
            return math.inf
        return abs(self.value) / self.threshold

    def to_dict(self) -> dict:
        value = self.value if math.isfinite(self.value) else None
        return {"name": self.name, "value": value, "threshold": self.threshold, "unit": self.unit}


def numeric_effects(ref, cur, cfg) -> tuple[list[Effect], str]:
    """(effects, caveat on the binned approximation) of two numeric summaries."""
    r, c = view(ref), view(cur)
    scale = r.std if r.std > 0 else _pooled_sd(r, c)
    shift = (c.mean - r.mean) / scale if scale > 0 else 0.0
    ratio = c.std / r.std if r.std > 0 else (1.0 if c.std == 0 else math.inf)
    shape, bound = shape_distance(r, c)
    effects = [
        Effect("mean shift", shift, cfg.min_shift_sd, "SD"),
        Effect("spread ratio", ratio, cfg.min_spread_ratio, "x"),
        Effect("shape", shape, cfg.min_shape_sd, "SD"),
    ]
    caveat = f"Binned shape distance: within {bound:.2g} SD of the exact value." if bound else ""
    return effects, caveat


def _pooled_sd(r: NumericView, c: NumericView) -> float:
    n1, n2 = r.n, c.n
    var = (r.m2 + c.m2 + n1 * n2 / (n1 + n2) * (r.mean - c.mean) ** 2) / (n1 + n2)
    return math.sqrt(var) if var > 0 else 0.0


def category_effects(ref: CategoricalSummary, cur: CategoricalSummary, cfg) -> list[Effect]:
    p, q = ref.counts / max(ref.n, 1), cur.counts / max(cur.n, 1)
    change = float(np.max(np.abs(q - p))) if p.size else 0.0
    named = len(ref.categories) - (1 if ref.pooled else 0)
    new = [float(q[i]) for i in range(named) if ref.counts[i] == 0]
    return [
        Effect("share change", change, cfg.min_share_change, "share"),
        Effect("new category share", max(new, default=0.0), cfg.min_new_category_share, "share"),
    ]


def largest(effects: list[Effect]) -> Effect:
    return max(effects, key=lambda e: e.score)


# -- words ------------------------------------------------------------------------------------------


def fmt(x: float) -> str:
    """3 significant digits with thousands separators: 52,134 -> "52,100"; 0.01234 -> "0.0123"."""
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{float(f'{x:.3g}'):,.0f}".replace("-", _MINUS)
    return f"{x:.3g}".replace("-", _MINUS)


def pct(share: float) -> str:
    """A share in percent to 0.1 point: 0.116 -> "11.6 %", 0.15 -> "15 %", 0 -> "0 %"."""
    if 0 < share < 0.0005:
        return "<0.1 %"
    text = f"{share * 100:.1f}".removesuffix(".0")
    return f"{text} %"


def _date(seconds: float, spread: float) -> str:
    stamp = np.datetime64(int(round(seconds)), "s")  # numpy: no nanosecond range limit (year 9999 is fine)
    return np.datetime_as_string(stamp, unit="D" if spread > 2 * 86400 else "m").replace("T", " ")


def _days(seconds: float) -> str:
    return f"{fmt(seconds / 86400)} days" if abs(seconds) >= 86400 else f"{fmt(seconds / 3600)} hours"


def numeric_headline(
    kind: ColumnKind, ref, cur, effects: list[Effect], *, text_prefix: str = "Compared by text length (characters): "
) -> tuple[str, bool]:
    """(the sentence naming the largest change, whether a constant changed value)."""
    r, c = view(ref), view(cur)
    if r.min == r.max and c.min == c.max:
        a, b = (_date(r.min, 0), _date(c.min, 0)) if kind is K.DATETIME else (fmt(r.min), fmt(c.min))
        if r.min == c.min:
            return f"Every value is {a} in both files.", False
        return f"Every value was {a} in the reference and is {b} in the current file: the constant changed.", True
    top = largest(effects)
    shift, spread, shape = effects
    if kind is K.DATETIME:
        span = max(r.max, c.max) - min(r.min, c.min)
        a, b = _date(r.median()[0], span), _date(c.median()[0], span)
        where = f"Median date stays at {a}" if a == b else f"Median date moved from {a} to {b}"
        da, db = _days(r.std), _days(c.std)
        sd = f"SD unchanged at {da}" if da == db else f"SD {da} {_ARROW} {db}"
        if top is spread and top.score >= 1:
            return (
                f"Dates spread {'wider' if spread.value > 1 else 'narrower'} ({sd}); {where[0].lower()}{where[1:]}.",
                False,
            )
        return f"{where} ({sd}).", False
    prefix = text_prefix if kind is K.TEXT else ""
    mean_a, mean_b = fmt(r.mean), fmt(c.mean)
    sd_a, sd_b = fmt(r.std), fmt(c.std)
    mean_words = f"mean unchanged at {mean_a}" if mean_a == mean_b else f"mean {mean_a} {_ARROW} {mean_b}"
    sd_words = f"SD unchanged at {sd_a}" if sd_a == sd_b else f"SD {sd_a} {_ARROW} {sd_b}"
    if top is spread and spread.value != 1 and math.isfinite(spread.value):
        if spread.value > 1:
            text = f"Spread widened {spread.value:.2g}x ({sd_words})"
        else:
            text = f"Spread narrowed to {spread.value:.2g}x ({sd_words})"
        return f"{prefix}{text}; {mean_words}.", False
    if top is shape and shape.score > max(shift.score, spread.score):
        return (
            f"{prefix}Shape changed: with mean and spread matched, values differ by {shape.value:.2g} SD on "
            f"average ({mean_words}; {sd_words}).",
            False,
        )
    if mean_a == mean_b:
        return f"{prefix}Mean stays at {mean_a} ({sd_words}).", False
    sign = f"{shift.value:+.2f} SD".replace("-", _MINUS)
    if r.min > 0 and r.mean > 0:  # a ratio scale: a relative change means something
        rel = (c.mean - r.mean) / r.mean
        sign = (
            (f"{rel * 100:+.0f} %" if abs(rel) >= 0.095 else f"{rel * 100:+.1f} %").replace("-", _MINUS) + ", " + sign
        )
    return f"{prefix}Mean moved from {mean_a} to {mean_b} ({sign}; {sd_words}).", False


def category_headline(
    kind: ColumnKind, ref: CategoricalSummary, cur: CategoricalSummary, effects: list[Effect] | None = None
) -> tuple[str, bool]:
    cats = ref.categories
    p, q = ref.counts / max(ref.n, 1), cur.counts / max(cur.n, 1)
    r_only, c_only = np.flatnonzero(ref.counts), np.flatnonzero(cur.counts)
    if r_only.size == 1 and c_only.size == 1:
        a, b = cats[r_only[0]], cats[c_only[0]]
        if a == b:
            return f"Every value is '{a}' in both files.", False
        return f"Every value was '{a}' in the reference and is '{b}' in the current file: the constant changed.", True
    named = range(len(cats) - (1 if ref.pooled else 0))
    new = [j for j in named if ref.counts[j] == 0 and cur.counts[j] > 0]
    if kind is K.BOOLEAN and "True" in cats:
        i = cats.index("True")
    elif effects and new and largest(effects).name == "new category share":
        i = max(new, key=lambda j: q[j])
    else:
        i = int(np.argmax(np.abs(q - p)))
    a, b = pct(p[i]), pct(q[i])
    if a == b:
        return f"Category shares are unchanged (largest: '{cats[i]}' at {b}).", False
    verb = "rose" if q[i] > p[i] else "fell"
    extra = ""
    if ref.counts[i] == 0:
        extra = " (a new category)"
    elif cur.counts[i] == 0:
        extra = " (absent from the current file)"
    others = [j for j in new if j != i and q[j] >= 0.005]
    if others:
        extra += f"; {len(others)} more new categor{'y' if len(others) == 1 else 'ies'}"
    return f"Share of '{cats[i]}' {verb} from {a} to {b}{extra}.", False


def text_headline(ref, cur, effects: list[Effect], content) -> tuple[str, bool]:
    """Text columns: the content sentence and the lengths' (``ref``/``cur``: the lengths' summaries; the
    content effect last in ``effects``), the larger change first."""
    from robustness.drift.text import content_sentence

    length_effects = effects[:3]
    length, forced = numeric_headline(K.TEXT, ref, cur, length_effects, text_prefix="Text length (characters): ")
    if content is None:
        return length, forced
    top, content_effect = largest(effects), effects[-1]
    sentence = content_sentence(content, content_effect.threshold)
    if top is content_effect:
        big = largest(length_effects).score >= 1
        return (f"{sentence} {length}" if big else sentence), forced
    return f"{length} {sentence}", forced


def missing_sentence(share_ref: float, share_cur: float) -> str:
    if abs(share_ref - share_cur) < 0.05:
        return ""
    verb = "rose" if share_cur > share_ref else "fell"
    return f"Missing values {verb} from {pct(share_ref)} to {pct(share_cur)}."


__all__ = [
    "Effect",
    "category_effects",
    "category_headline",
    "fmt",
    "largest",
    "missing_sentence",
    "numeric_effects",
    "numeric_headline",
    "pct",
    "text_headline",
]
