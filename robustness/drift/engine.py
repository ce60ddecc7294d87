"""The univariate drift engine: one verdict per column, then one for the dataset.

Default rule (``default_test``), with n = min(values present in reference, in current):

- numerical and datetime columns (datetimes as epoch seconds): ``ks`` when n <= large_sample
  (5000), else ``wasserstein`` (W1 / reference std);
- text columns: the distribution of text lengths (characters), by the numerical rule; the
  message says so;
- categorical columns: when n <= large_sample, ``z`` if there are exactly two categories,
  else ``chisquare`` (homogeneity); above, ``jensenshannon``;
- boolean columns: ``z`` when n <= large_sample, else ``jensenshannon``;
- id columns: not tested (status "skipped": identifiers differ by design).

Small samples: the p-value decides (after Benjamini-Hochberg). Large samples: p-value tests
lose their meaning (any tiny, harmless difference becomes "significant"), so a distance
decides: a column drifts when its distance reaches the threshold (0.05: a twentieth of the
reference's standard deviation for Wasserstein; for Jensen-Shannon about a 7-point change in
one category's share) AND the difference is statistically significant, by the same p-value
test as for small samples (``ks`` or ``chisquare``, Benjamini-Hochberg adjusted), reported as
the result's p-value. The guard keeps sampling noise out near the switch and for categoricals
with many levels; the distance keeps trivial differences out at a million rows. With this rule
a 0.1-SD mean shift and a 10-point change in a category's share are flagged at 10k rows, and a
million rows drawn from one distribution do not drift. A per-column override of the test
turns the guard off for that column: the chosen test and threshold alone decide.
``config.overrides`` replaces the test and/or threshold per column.

p-values are adjusted with Benjamini-Hochberg across all columns decided by a p-value
(``config.correction = "none"`` turns it off); a column drifts when its adjusted p-value is
below ``alpha`` (or its override threshold), or its distance is at least the threshold.
``effect_size`` is the normalised Wasserstein distance for numerical-like columns and the
Jensen-Shannon distance for categorical and boolean ones, whichever test decided (see
``robustness.drift.stattests``).

Bad input never raises and never yields NaN: columns present in one file only, all-missing
columns, columns with fewer than 2 values on a side and id columns are "skipped" with a
plain reason; a column mixing numbers and text is compared as text categories; infinite
values are left out and counted; a column that is constant in both files does not drift
unless the constant changed, which always counts as drift; fewer than 30 values on a side
adds a low-power warning. A column whose test fails for another reason gets status "error"
with the reason, and the others go on.

Summaries are built once per column and every test reads them; big arrays are dropped before
the next column, so memory beyond the DataFrames stays around one column's worth.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from robustness.drift.config import DriftConfig
from robustness.drift.results import ColumnProfile, DatasetDrift, DriftResult, FeatureDrift
from robustness.drift.stattests import NotApplicable, StatTest, registry
from robustness.drift.summaries import (
    align_categories,
    category_counts,
    column_profile,
    describe_change,
    fmt_share,
    numeric_summary,
    numeric_values,
)
from robustness.errors import ConfigError, DataError, RobustnessError
from robustness.io.infer import infer_kind
from robustness.schema import ColumnKind

K = ColumnKind
_NUMERIC = (K.NUMERICAL, K.DATETIME, K.TEXT)
_MIN_VALUES, _FEW_VALUES = 2, 30


def default_test(
    kind: ColumnKind, n_reference: int, n_current: int, n_categories: int | None = None, *, large_sample: int = 1000
) -> str:
    """The registry name of the default test (the rule in the module docstring); "none" for ids."""
    kind = ColumnKind(kind)
    small = min(n_reference, n_current) <= large_sample
    if kind in _NUMERIC:
        return "ks" if small else "wasserstein"
    if kind is K.BOOLEAN:
        return "z" if small else "jensenshannon"
    if kind is K.CATEGORICAL:
        if not small:
            return "jensenshannon"
        return "z" if n_categories == 2 else "chisquare"
    return "none"


@dataclass
class _Verdict:
    """A column's result before the dataset-wide p-value correction."""

    feature: str
    kind: ColumnKind
    test: str = "none"
    statistic: float | None = None
    p_raw: float | None = None
    effect: float | None = None
    threshold: float = 0.0
    n_ref: int = 0
    n_cur: int = 0
    status: str = "ok"
    notes: list[str] = field(default_factory=list)
    forced: bool = False  # the constant changed: drifted whatever the test says
    is_p: bool = False
    guard: str | None = None  # large samples: the p-value test that must also be significant


def drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    kinds: Mapping[str, ColumnKind | str] | None = None,
    columns: Sequence[str] | None = None,
    config: DriftConfig | Mapping | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> DriftResult:
    """Compare ``current`` with ``reference`` column by column (see the module docstring)."""
    cfg = config if isinstance(config, DriftConfig) else DriftConfig.from_dict(config or {})
    reference, current = _str_columns(reference, "reference"), _str_columns(current, "current")
    names = _selected(reference, current, columns)
    column_kinds = _kinds(reference, current, names, kinds)
    tests = registry()
    _check_overrides(cfg, column_kinds, tests)
    verdicts: list[_Verdict] = []
    profiles: dict[str, ColumnProfile] = {}
    for i, col in enumerate(names):
        verdict, profile = _column(col, reference, current, column_kinds[col], cfg, tests)
        verdicts.append(verdict)
        if profile is not None:
            profiles[col] = profile
        if progress is not None:
            progress((i + 1) / len(names), col)
    features = _decide(verdicts, cfg)
    tested = [f for f in features if f.status == "ok"]
    n_drifted = sum(f.drifted for f in tested)
    share = n_drifted / len(tested) if tested else 0.0
    dataset = DatasetDrift(len(tested), n_drifted, share, cfg.drift_share, bool(tested) and share >= cfg.drift_share)
    return DriftResult(tuple(features), dataset, profiles, cfg.to_dict())


# -- inputs -----------------------------------------------------------------------------------------


def _str_columns(df: pd.DataFrame, name: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"The {name} data must be a table (pandas DataFrame), not {type(df).__name__}.")
    labels = [str(c) for c in df.columns]
    dups = sorted({c for c in labels if labels.count(c) > 1})
    if dups:
        raise DataError(
            f"The {name} file has duplicate column names: {', '.join(map(repr, dups))}. Rename them so each is unique."
        )
    if all(isinstance(c, str) for c in df.columns):
        return df
    return df.set_axis(labels, axis=1)


def _selected(reference: pd.DataFrame, current: pd.DataFrame, columns: Sequence[str] | None) -> list[str]:
    available = list(reference.columns) + [c for c in current.columns if c not in reference.columns]
    if columns is None:
        return available
    if isinstance(columns, str):
        columns = [columns]
    unknown = [str(c) for c in columns if str(c) not in available]
    if unknown:
        raise ConfigError(
            f"No column {', '.join(map(repr, unknown))} in either file. Available columns: {_short_list(available)}."
        )
    return list(dict.fromkeys(str(c) for c in columns))


def _kinds(reference, current, names, kinds) -> dict[str, ColumnKind]:
    given: dict[str, ColumnKind] = {}
    for col, kind in (kinds or {}).items():
        try:
            given[str(col)] = ColumnKind(kind)
        except ValueError:
            raise ConfigError(
                f"'{kind}' is not a column kind (column '{col}'). Use one of: {', '.join(k.value for k in ColumnKind)}."
            ) from None
    out = {c: given[c] for c in names if c in given}
    for frame in (reference, current):  # the rules of infer_schema, column by column: no copy of the frame
        out.update({c: infer_kind(frame[c]) for c in names if c not in out and c in frame.columns})
    return out


def _check_overrides(cfg: DriftConfig, kinds, tests: dict[str, StatTest]) -> None:
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


# -- one column -------------------------------------------------------------------------------------


def _column(
    col: str,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    kind: ColumnKind,
    cfg: DriftConfig,
    tests: dict[str, StatTest],
) -> tuple[_Verdict, ColumnProfile | None]:
    verdict = _Verdict(col, kind)
    if col not in reference.columns or col not in current.columns:
        lacking = "current" if col in reference.columns else "reference"
        return _skip(verdict, f"The {lacking} file has no column '{col}', so it cannot be compared."), None
    override = cfg.overrides.get(col)
    if kind is K.ID and (override is None or override.test is None):
        return _skip(verdict, "An identifier column: identifiers differ by design, so it is not tested."), None
    try:
        return _tested(verdict, reference[col], current[col], cfg, tests)
    except RobustnessError:
        raise
    except NotApplicable as exc:
        verdict.status = "error"
        verdict.notes.append(str(exc))
    except Exception as exc:  # a check that fails becomes a reported failure; the others go on
        verdict.status = "error"
        verdict.notes.append(
            f"The test could not run on this column ({exc}). Check its values, or set another test or kind for it."
        )
    verdict.statistic = verdict.p_raw = verdict.effect = None
    return verdict, None


def _skip(verdict: _Verdict, reason: str) -> _Verdict:
    verdict.status, verdict.test, verdict.notes = "skipped", "none", [reason]
    return verdict


def _tested(
    verdict: _Verdict, ref_s: pd.Series, cur_s: pd.Series, cfg: DriftConfig, tests: dict[str, StatTest]
) -> tuple[_Verdict, ColumnProfile | None]:
    kind = verdict.kind
    notes = verdict.notes
    numeric = None
    if kind in _NUMERIC:
        (rv, r_bad), (cv, c_bad) = numeric_values(ref_s, kind), numeric_values(cur_s, kind)
        if rv is not None and cv is not None:
            numeric = (rv, cv)
            notes += _unreadable_dates(r_bad, c_bad)
        else:
            kind = verdict.kind = K.CATEGORICAL
            notes.append(_MIXED)
        del rv, cv
    numeric_kind = numeric is not None
    if numeric is not None:
        ref = numeric_summary(numeric[0], bins=cfg.bins)
        cur = numeric_summary(numeric[1], edges=ref.edges)
        del numeric
        n_categories = None
        notes += _infinities(ref.n_posinf + ref.n_neginf, cur.n_posinf + cur.n_neginf)
    else:
        (rc, r_missing, r_mixed), (cc, c_missing, c_mixed) = category_counts(ref_s, kind), category_counts(cur_s, kind)
        if (r_mixed or c_mixed) and _MIXED not in notes:
            notes.append(_MIXED)
        n_categories = len(rc.index.union(cc.index))
        ref, cur = align_categories(rc, cc, r_missing, c_missing, max_categories=cfg.max_categories)
        if n_categories > cfg.max_categories:
            notes.append(_pooled(n_categories, cfg.max_categories, ref.categories[-1]))
    verdict.n_ref, verdict.n_cur = ref.n, cur.n
    problem = _too_few(ref, cur, len(ref_s), len(cur_s), _MIN_VALUES)
    if problem:
        return _skip(verdict, problem), None
    override = cfg.overrides.get(verdict.feature)
    name = (
        override.test
        if override and override.test
        else default_test(kind, ref.n, cur.n, n_categories, large_sample=cfg.large_sample)
    )
    test = tests[name]
    if kind not in test.kinds:
        raise NotApplicable(
            f"The values were compared as {kind.value} (see above), which the test '{name}' "
            f"does not handle. Choose one of: "
            f"{', '.join(sorted(n for n, t in tests.items() if kind in t.kinds))}."
        )
    verdict.test, verdict.is_p = name, test.is_p_value
    threshold = override.threshold if override and override.threshold is not None else None
    if test.is_p_value:
        verdict.threshold = cfg.alpha if threshold is None else threshold
        if verdict.threshold >= 1:
            raise NotApplicable(
                f"The threshold {verdict.threshold:g} is not a significance level for the "
                f"p-value test '{name}'; use a value between 0 and 1."
            )
    else:
        verdict.threshold = (
            threshold
            if threshold is not None
            else (cfg.distance_threshold if cfg.distance_threshold is not None else test.default_threshold)
        )
    outcome = test(ref, cur)
    values = (outcome.statistic, outcome.effect_size) + ((outcome.p_value,) if test.is_p_value else ())
    if not all(np.isfinite(v) for v in values):
        raise NotApplicable(
            "The test gave no finite result on these values (for example, values too large "
            "to compare); choose another test for this column."
        )
    verdict.statistic, verdict.effect = float(outcome.statistic), float(outcome.effect_size)
    verdict.p_raw = float(np.clip(outcome.p_value, 0.0, 1.0)) if test.is_p_value else None
    if not test.is_p_value and not (override and override.test):
        # the default rule on a large sample: the distance must also be statistically significant
        guard = "ks" if numeric_kind else "chisquare"
        p_guard = tests[guard](ref, cur).p_value
        if np.isfinite(p_guard):
            verdict.guard, verdict.p_raw = guard, float(np.clip(p_guard, 0.0, 1.0))
    main, verdict.forced = describe_change(kind, ref, cur)
    notes.insert(0, main)
    notes += _low_power(ref.n, cur.n, _FEW_VALUES)
    notes += _missing_change(ref.n_missing / max(len(ref_s), 1), cur.n_missing / max(len(cur_s), 1))
    if outcome.note:
        notes.append(outcome.note)
    return verdict, column_profile(verdict.feature, kind, ref, cur, len(ref_s), len(cur_s), cfg.bins)


# -- the decision -----------------------------------------------------------------------------------


def _decide(verdicts: list[_Verdict], cfg: DriftConfig) -> list[FeatureDrift]:
    with_p = [v for v in verdicts if v.status == "ok" and (v.is_p or v.guard)]
    adjusted: dict[int, float] = {}
    if with_p:
        raw = np.array([v.p_raw for v in with_p])
        adj = stats.false_discovery_control(raw, method="bh") if cfg.correction == "bh" else raw
        adjusted = {id(v): float(np.clip(a, 0.0, 1.0)) for v, a in zip(with_p, adj)}
    out = []
    for v in verdicts:
        p = adjusted.get(id(v))
        if v.status != "ok":
            drifted = False
        elif v.is_p:
            drifted = v.forced or p < v.threshold
        elif v.guard and p is not None:
            significant = p < cfg.alpha
            drifted = v.forced or (v.statistic >= v.threshold and significant)
            if v.statistic >= v.threshold and not significant:
                v.notes.append(
                    f"The distance reaches the threshold but the difference is not statistically "
                    f"significant ({v.guard} p-value {p:.3g} after Benjamini-Hochberg), so it is "
                    "treated as sampling noise."
                )
        else:
            drifted = v.forced or v.statistic >= v.threshold
        out.append(
            FeatureDrift(
                feature=v.feature,
                kind=v.kind,
                test=v.test,
                statistic=v.statistic,
                p_value=p,
                effect_size=v.effect,
                threshold=float(v.threshold),
                drifted=bool(drifted),
                n_reference=v.n_ref,
                n_current=v.n_cur,
                status=v.status,
                message=" ".join(v.notes),
                p_value_raw=v.p_raw if (v.is_p or v.guard) else None,
            )
        )
    return out


# -- messages ---------------------------------------------------------------------------------------

_MIXED = "The column mixes numbers and text, so its values were compared as text categories."


def _too_few(ref, cur, rows_ref: int, rows_cur: int, minimum: int) -> str:
    def empty(summary, rows: int) -> str:
        if summary.n:
            return ""
        if rows == 0:
            return "has no rows"
        return "has only missing or infinite values" if getattr(summary, "n_inf", 0) else "has only missing values"

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


def _low_power(n_ref: int, n_cur: int, few: int) -> list[str]:
    side, n = ("reference", n_ref) if n_ref < n_cur else ("current", n_cur)
    if n >= few:
        return []
    return [
        f"Only {n} values in the {side} file, so the test has little power: real changes may go "
        f"undetected. Use {few} or more."
    ]


def _missing_change(share_ref: float, share_cur: float) -> list[str]:
    if abs(share_ref - share_cur) < 0.05:
        return []
    return [f"Missing values went from {fmt_share(share_ref)} to {fmt_share(share_cur)} of rows."]


def _infinities(n_ref: int, n_cur: int) -> list[str]:
    total = n_ref + n_cur
    if not total:
        return []
    where = " and ".join(f"{n} in the {side} file" for side, n in (("reference", n_ref), ("current", n_cur)) if n)
    return [
        f"{total} infinite value{'s' if total > 1 else ''} (+inf/-inf: {where}) "
        f"{'were' if total > 1 else 'was'} left out of the test."
    ]


def _unreadable_dates(n_ref: int, n_cur: int) -> list[str]:
    out = []
    for side, n in (("reference", n_ref), ("current", n_cur)):
        if n:
            out.append(
                f"{n} value{'s' if n > 1 else ''} in the {side} file could not be read as "
                f"date{'s' if n > 1 else ''} and {'were' if n > 1 else 'was'} left out."
            )
    return out


def _pooled(n_categories: int, kept: int, other: str) -> str:
    return (
        f"{n_categories:,} distinct values: the {kept} most frequent are compared one by one, "
        f"the rest pooled as '{other}'."
    )


def _short_list(items, limit: int = 15) -> str:
    items = [str(i) for i in items]
    return ", ".join(items[:limit]) + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")
