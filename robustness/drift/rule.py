"""The drift rule: every decision, for both engines.

The in-memory engine (``robustness.drift.engine``) and the Dask engine (``robustness.drift.chunked``)
only build summaries (exact values, or bins merged from partitions; category counts in both) and hand
them here, column by column (:func:`judge`), then all at once (:func:`decide`). Nothing below knows which
engine ran.

**Test choice** (:func:`default_test`), the same at every size:

- numerical and datetime (epoch seconds) columns: ``ks_bf``, the Kolmogorov-Smirnov test for location
  and shape and the Brown-Forsythe test for spread, combined by Bonferroni (see
  ``robustness.drift.stattests`` for the measurement that chose it);
- text columns: ``tfidf``, a TF-IDF domain classifier on the texts' words (cross-validated ROC AUC with
  its DeLong interval, and the words that tell the two apart) and ``ks_bf`` on their lengths in
  characters, combined by Bonferroni (``robustness.drift.text``); a length test set by override reads the
  lengths only;
- categorical columns: ``z`` with exactly two categories, else ``chisquare`` (homogeneity);
- boolean columns: ``z``;
- id columns: not tested (skipped: identifiers differ by design).

**Decision.** p-values are adjusted with Benjamini-Hochberg across the columns (``correction="none"``
turns it off). A column drifts when its adjusted p-value is below ``alpha`` AND its change is at least
as large as one of its kind's practical thresholds (``robustness.drift.effects``: mean shift 0.05 SD,
spread ratio x1.1, shape 0.05 SD; share change 2.5 points, new category at 0.5 %; text content AUC 0.53),
at every n. So more
data never hides a real change (a significant change stays at least that large as n grows), and a tiny,
harmless difference in a million rows is significant but not drift. A constant that changed value always
drifts.

**Overrides** (``config.overrides``): a p-value test (``ks``, ``cramervonmises``, ``chisquare``, ...)
replaces the default test and its threshold replaces ``alpha`` for that column; the size condition still
applies. A distance test (``psi``, ``wasserstein``, ``jensenshannon``, ``hellinger``) decides alone:
drifted when the distance reaches its threshold (the override's, else ``distance_threshold``, else the
registry's default). A test that does not suit the column's kind is a ``ConfigError``; a test the
summary cannot serve (``cramervonmises`` through Dask) is an :class:`UnsupportedTest`, naming the
column and the test: never another test in its place.

**Skips** (status "skipped", with the reason): a column missing from one side, an id column, a column
with no values or fewer than 2 values on a side, a text column's content against a saved reference
(which keeps no texts). A test that fails on the data gets status "error"
with the reason, and the other columns go on. **Dataset**: drifted when the share of drifted tested
columns reaches ``drift_share``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from robustness.drift.config import DriftConfig
from robustness.drift.effects import (
    Effect,
    category_effects,
    category_headline,
    largest,
    missing_sentence,
    numeric_effects,
    numeric_headline,
    text_headline,
)
from robustness.drift.results import DatasetDrift, DriftResult, FeatureDrift
from robustness.drift.stattests import SUMMARY_NAMES, NotApplicable, StatTest, registry
from robustness.drift.summaries import CategoricalSummary
from robustness.drift.text import TextContent, TextSummary
from robustness.errors import ConfigError, RobustnessError
from robustness.formatting import number
from robustness.schema import ColumnKind

K = ColumnKind
NUMERIC = (K.NUMERICAL, K.DATETIME, K.TEXT)
MIN_VALUES, FEW_VALUES = 2, 30
MIXED = "The column mixes numbers and text, so its values were compared as text categories."


class UnsupportedTest(ConfigError):
    """An override names a test the column's summary cannot serve (e.g. an exact-data test through Dask)."""


def default_test(
    kind: ColumnKind, n_reference: int = 0, n_current: int = 0, n_categories: int | None = None, **_
) -> str:
    """The registry name of the default test (the rule in the module docstring); "none" for ids."""
    kind = ColumnKind(kind)
    if kind is K.TEXT:
        return "tfidf"
    if kind in NUMERIC:
        return "ks_bf"
    if kind is K.BOOLEAN:
        return "z"
    if kind is K.CATEGORICAL:
        return "z" if n_categories == 2 else "chisquare"
    return "none"


@dataclass
class Verdict:
    """A column's result before the dataset-wide p-value correction."""

    feature: str
    kind: ColumnKind
    test: str = "none"
    statistic: float | None = None
    p_raw: float | None = None
    effect_size: float | None = None
    threshold: float = 0.0
    n_ref: int = 0
    n_cur: int = 0
    status: str = "ok"
    notes: list[str] = field(default_factory=list)
    forced: bool = False  # the constant changed: drifted whatever the test says
    is_p: bool = False
    effect: Effect | None = None
    gate: bool = True  # the change is at least as large as a practical threshold
    details: list[str] = field(default_factory=list)  # the test's own numbers and approximation bounds
    content: TextContent | None = None  # text columns: the content comparison


class NoTexts(Exception):
    """Text content was asked for, but a side kept only the texts' lengths (a saved run's reference)."""


NO_TEXTS = (
    "The saved reference keeps no texts (only their lengths), so this text column's content cannot be compared. "
    "Compare with the reference file (--reference FILE), or set the column's test to ks_bf to compare the lengths."
)


def check_overrides(cfg: DriftConfig, kinds: Mapping[str, ColumnKind], tests: dict[str, StatTest]) -> None:
    """Overrides of columns that are not compared are ignored: one config serves features, model
    outputs and the target alike."""
    for col, o in cfg.overrides.items():
        if o.test is None or col not in kinds:
            continue
        kind = kinds[col]
        if kind not in tests[o.test].kinds:
            fitting = sorted(n for n, t in tests.items() if kind in t.kinds)
            hint = (
                f"Tests for {kind.value} columns: {', '.join(fitting)}."
                if fitting
                else "Identifier columns are not tested; set the column's kind to categorical to test it."
            )
            raise ConfigError(f"The test '{o.test}' does not apply to column '{col}', which is {kind.value}. {hint}")


def skip(verdict: Verdict, reason: str) -> Verdict:
    verdict.status, verdict.test, verdict.notes = "skipped", "none", [reason]
    return verdict


def judge(
    col: str,
    kind: ColumnKind,
    ref,
    cur,
    cfg: DriftConfig,
    *,
    rows: tuple[int, int] | None = None,
    notes: list[str] | None = None,
    n_categories: int | None = None,
    tests: dict[str, StatTest] | None = None,
) -> Verdict:
    """One column's verdict from its two summaries (None for a side that lacks the column).

    ``rows``: rows per side (values + missing) when the summaries do not say; ``notes``: caveats from
    reading the values (mixed types, unreadable dates, infinities, pooled categories)."""
    tests = tests or registry()
    verdict = Verdict(col, ColumnKind(kind), notes=list(notes or []))
    if ref is None or cur is None:
        lacking = "current" if ref is not None else "reference"
        return skip(verdict, f"The {lacking} file has no column '{col}', so it cannot be compared.")
    override = cfg.overrides.get(col)
    if verdict.kind is K.ID and (override is None or override.test is None):
        return skip(verdict, "An identifier column: identifiers differ by design, so it is not tested.")
    rows_ref, rows_cur = rows or (_rows(ref), _rows(cur))
    verdict.n_ref, verdict.n_cur = ref.n, cur.n
    problem = too_few(ref, cur, rows_ref, rows_cur)
    if problem:
        return skip(verdict, problem)
    try:
        _tested(verdict, ref, cur, cfg, tests, override, n_categories)
    except RobustnessError:
        raise
    except NoTexts:
        return skip(verdict, NO_TEXTS)
    except NotApplicable as exc:
        _error(verdict, str(exc))
    except Exception as exc:  # a check that fails becomes a reported failure; the others go on
        _error(
            verdict,
            f"The test could not run on this column ({exc}). Check its values, or set another test or kind for it.",
        )
    if verdict.status == "ok":
        verdict.notes += _low_power(ref.n, cur.n)
        missing = missing_sentence(ref.n_missing / max(rows_ref, 1), cur.n_missing / max(rows_cur, 1))
        if missing:
            verdict.notes.append(missing)
    return verdict


def _error(verdict: Verdict, reason: str) -> None:
    verdict.status = "error"
    verdict.notes.append(reason)
    verdict.statistic = verdict.p_raw = verdict.effect_size = verdict.effect = verdict.content = None


def _rows(summary) -> int:
    return int(summary.n + summary.n_missing + getattr(summary, "n_posinf", 0) + getattr(summary, "n_neginf", 0))


def _tested(verdict: Verdict, ref, cur, cfg: DriftConfig, tests, override, n_categories) -> None:
    kind = verdict.kind
    categorical = isinstance(ref, CategoricalSummary)
    if categorical and n_categories is None:
        n_categories = int(((ref.counts + cur.counts) > 0).sum())
    name = override.test if override and override.test else default_test(kind, ref.n, cur.n, n_categories)
    test = tests[name]
    if kind not in test.kinds:
        raise NotApplicable(
            f"The values were compared as {kind.value} (see above), which the test '{name}' does not handle. "
            f"Choose one of: {', '.join(sorted(n for n, t in tests.items() if kind in t.kinds))}."
        )
    texts = isinstance(ref, TextSummary) and isinstance(cur, TextSummary)
    if texts and not test.supports(ref):  # a length test chosen for a text column: it reads the lengths
        texts, ref, cur = False, ref.lengths, cur.lengths
    elif texts and (ref.docs is None or cur.docs is None):
        raise NoTexts
    if not test.supports(ref):
        served = sorted(n for n, t in tests.items() if kind in t.kinds and t.supports(ref))
        raise UnsupportedTest(
            f"The test '{name}' set for column '{verdict.feature}' cannot run on "
            f"{SUMMARY_NAMES.get(type(ref), type(ref).__name__)}: use the in-memory engine (--engine memory) "
            f"or another test for this column ({', '.join(served)})."
        )
    verdict.test, verdict.is_p = name, test.is_p_value
    threshold = override.threshold if override and override.threshold is not None else None
    if test.is_p_value:
        verdict.threshold = cfg.alpha if threshold is None else threshold
        if verdict.threshold >= 1:
            raise NotApplicable(
                f"The threshold {verdict.threshold:g} is not a significance level for the p-value test "
                f"'{name}'; use a value between 0 and 1."
            )
    else:
        default = cfg.distance_threshold if cfg.distance_threshold is not None else test.default_threshold
        verdict.threshold = threshold if threshold is not None else default
    outcome = test(ref, cur, bins=cfg.bins, seed=cfg.seed)
    values = (outcome.statistic, outcome.effect_size) + ((outcome.p_value,) if test.is_p_value else ())
    if not all(np.isfinite(v) for v in values):
        raise NotApplicable(
            "The test gave no finite result on these values (for example, values too large "
            "to compare); choose another test for this column."
        )
    verdict.statistic, verdict.effect_size = float(outcome.statistic), float(outcome.effect_size)
    verdict.p_raw = float(np.clip(outcome.p_value, 0.0, 1.0)) if test.is_p_value else None
    if categorical:
        effects = category_effects(ref, cur, cfg)
        headline, verdict.forced = category_headline(kind, ref, cur, effects)
        caveat = ""
    elif texts:
        effects, caveat = numeric_effects(ref.lengths, cur.lengths, cfg)
        verdict.content = outcome.content
        if outcome.content is not None:
            effects.append(Effect("content AUC", outcome.content.auc, cfg.min_text_auc, "AUC"))
        headline, verdict.forced = text_headline(ref.lengths, cur.lengths, effects, outcome.content)
    else:
        effects, caveat = numeric_effects(ref, cur, cfg)
        headline, verdict.forced = numeric_headline(kind, ref, cur, effects)
    top = largest(effects)
    verdict.effect, verdict.gate = top, top.score >= 1
    verdict.notes.insert(0, headline)
    verdict.details += [x for x in (outcome.note, caveat) if x]


def decide(verdicts: list[Verdict], cfg: DriftConfig, profiles: dict | None = None) -> DriftResult:
    """Benjamini-Hochberg across the columns with p-values, each column's verdict, the dataset's."""
    with_p = [v for v in verdicts if v.status == "ok" and v.is_p]
    adjusted: dict[int, float] = {}
    if with_p:
        raw = np.array([v.p_raw for v in with_p])
        adj = stats.false_discovery_control(raw, method="bh") if cfg.correction == "bh" else raw
        adjusted = {id(v): float(np.clip(a, 0.0, 1.0)) for v, a in zip(with_p, adj)}
    features = []
    for v in verdicts:
        p = adjusted.get(id(v))
        if v.status != "ok":
            drifted = False
        elif v.is_p and p is not None:
            significant = p < v.threshold
            drifted = v.forced or (significant and v.gate)
            if significant and not v.gate and not v.forced and v.effect is not None:
                v.notes.append(_too_small(v.effect))
                v.details.append(f"p {p:.2g} after Benjamini-Hochberg, below {v.threshold:g}.")
        else:
            drifted = v.forced or (v.statistic is not None and v.statistic >= v.threshold)
        features.append(
            FeatureDrift(
                feature=v.feature,
                kind=v.kind,
                test=v.test,
                statistic=v.statistic,
                p_value=v.p_raw if v.is_p else None,
                effect_size=v.effect_size,
                threshold=float(v.threshold),
                drifted=bool(drifted),
                n_reference=v.n_ref,
                n_current=v.n_cur,
                status=v.status,
                message=" ".join(v.notes),
                p_value_adjusted=p,
                effect=v.effect,
                details=" ".join(v.details),
                content=v.content,
            )
        )
    tested = [f for f in features if f.status == "ok"]
    n_drifted = sum(f.drifted for f in tested)
    share = n_drifted / len(tested) if tested else 0.0
    dataset = DatasetDrift(len(tested), n_drifted, share, cfg.drift_share, bool(tested) and share >= cfg.drift_share)
    return DriftResult(tuple(features), dataset, profiles or {}, cfg.to_dict())


def _too_small(effect: Effect) -> str:
    unit = {"SD": " SD", "x": "x", "share": "", "AUC": ""}[effect.unit]
    if effect.unit == "AUC":
        value, line = number(effect.value), number(effect.threshold)
    elif effect.unit == "share":
        value, line = f"{effect.value * 100:.2g} points", f"{effect.threshold * 100:.2g} points"
    else:
        value, line = f"{abs(effect.value):.2g}{unit}", f"{effect.threshold:.2g}{unit}"
    return (
        "Real but small: the change is statistically clear, but the largest one "
        f"({effect.name} {value}) is below the practical threshold ({line}), so it does not count as drift."
    )


# -- skip reasons and caveats, the same words in both engines ----------------------------------------


def too_few(ref, cur, rows_ref: int, rows_cur: int, minimum: int = MIN_VALUES) -> str:
    def empty(summary, rows: int) -> str:
        if summary.n:
            return ""
        if rows == 0:
            return "has no rows"
        inf = getattr(summary, "n_posinf", 0) + getattr(summary, "n_neginf", 0)
        return "has only missing or infinite values" if inf else "has only missing values"

    reasons = [(side, empty(s, rows)) for side, s, rows in (("reference", ref, rows_ref), ("current", cur, rows_cur))]
    reasons = [(side, r) for side, r in reasons if r]
    if len(reasons) == 2 and reasons[0][1] == reasons[1][1]:
        return f"The column {reasons[0][1]} in both files, so it cannot be tested."
    if reasons:
        return f"The column {' and '.join(f'{r} in the {side} file' for side, r in reasons)}, so it cannot be tested."
    side, n = ("reference", ref.n) if ref.n < cur.n else ("current", cur.n)
    if n >= minimum:
        return ""
    return (
        f"Only {n} value{'s' if n != 1 else ''} in the {side} file: at least {minimum} per file are needed to "
        f"test, and 30 or more are recommended."
    )


def _low_power(n_ref: int, n_cur: int, few: int = FEW_VALUES) -> list[str]:
    side, n = ("reference", n_ref) if n_ref < n_cur else ("current", n_cur)
    if n >= few:
        return []
    return [
        f"Only {n} values in the {side} file, so the test has little power: real changes may go "
        f"undetected. Use {few} or more."
    ]


def infinities(n_ref: int, n_cur: int) -> list[str]:
    total = n_ref + n_cur
    if not total:
        return []
    where = " and ".join(f"{n} in the {side} file" for side, n in (("reference", n_ref), ("current", n_cur)) if n)
    return [
        f"{total} infinite value{'s' if total > 1 else ''} (+inf/-inf: {where}) "
        f"{'were' if total > 1 else 'was'} left out of the test."
    ]


def pooled(n_categories: int, kept: int, other: str) -> str:
    return (
        f"{n_categories:,} distinct values: the {kept} most frequent are compared one by one, "
        f"the rest pooled as '{other}'."
    )


def effect_line(effect: Effect | None) -> str:
    """'mean shift 0.12 SD (threshold 0.05)' for tables."""
    if effect is None:
        return ""
    if effect.unit == "share":
        return f"{effect.name} {effect.value * 100:.3g} points (threshold {effect.threshold * 100:.3g})"
    if effect.unit == "AUC":
        return f"{effect.name} {effect.value:.3g} (threshold {effect.threshold:.3g})"
    unit = " SD" if effect.unit == "SD" else "x"
    value = effect.value if math.isfinite(effect.value) else float("inf")
    return f"{effect.name} {value:.3g}{unit} (threshold {effect.threshold:.3g}{unit})"
