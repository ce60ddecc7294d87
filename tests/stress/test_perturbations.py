"""Every registered perturbation on the credit demo and on a small synthetic frame: identity at
severity 0, seeding, untouched columns and input, dtypes, affected shares, and the semantics of
each perturbation; the registry; reference stats; a hypothesis property on random frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robustness.demo import load_scenario
from robustness.errors import ConfigError, DataError
from robustness.schema import ColumnKind
from robustness.stress import (
    CategoricalStats,
    NumericStats,
    PerturbationSpec,
    ReferenceStats,
    _stats,
    applicable,
    perturb,
    perturbations,
    register,
    registry,
)
from robustness.stress._stats import numeric_values
from robustness.stress.perturbations import UNSEEN, perturbed_columns, reference_cdf, rounding_step, typos
from robustness.stress.suite import stack_rows

K = ColumnKind
BUILTINS = (
    "gaussian_noise",
    "unit_x10",
    "unit_x1000",
    "unit_div1000",
    "missing_random",
    "missing_column",
    "category_swap",
    "unseen_category",
    "typo",
    "outliers",
    "replace_median",
    "replace_mode",
    "rounding",
    "quantile_shift",
)
DETERMINISTIC = {"rounding", "quantile_shift"}  # no random draws: every seed gives the same result
ON_PRESENT = {"unit_x10", "unit_x1000", "unit_div1000", "category_swap", "typo"}  # share of present values
ON_ALL_ROWS = {"missing_random", "missing_column", "unseen_category", "outliers", "replace_median", "replace_mode"}
FRAMES = ("credit", "synthetic")


# -- data ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def credit():
    s = load_scenario("credit")
    return s.reference, list(s.features), s.current


def synthetic(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    amount = rng.lognormal(3, 0.5, n).round(2)
    amount[rng.random(n) < 0.1] = np.nan
    colour = rng.choice(np.array(["red", "green", "blue"], dtype=object), n, p=[0.5, 0.3, 0.2])
    colour[rng.random(n) < 0.1] = np.nan
    grade = pd.Categorical(rng.choice(["A", "B", "C"], n), categories=["A", "B", "C"])
    grade[rng.random(n) < 0.1] = np.nan
    score = pd.array(rng.integers(0, 100, n), dtype="Int64")
    score[rng.random(n) < 0.1] = pd.NA
    return pd.DataFrame(
        {
            "count": rng.integers(0, 50, n),
            "amount": amount,
            "colour": colour,
            "flag": rng.random(n) < 0.3,
            "grade": grade,
            "score": score,
        }
    )


@pytest.fixture(scope="module")
def frames(credit):
    ref, features, _ = credit
    syn = synthetic()
    return {
        "credit": (ref, ReferenceStats.from_frame(ref), features),
        "synthetic": (syn, ReferenceStats.from_frame(syn), list(syn.columns)),
    }


def _changed(before: pd.Series, after: pd.Series) -> np.ndarray:
    """Rows whose value differs (missing on both sides counts as equal)."""
    a, b = before.to_numpy(dtype=object), after.to_numpy(dtype=object)
    missing_a, missing_b = pd.isna(a), pd.isna(b)
    equal = np.array(
        [bool(x == y) if not (mx or my) else mx and my for x, y, mx, my in zip(a, b, missing_a, missing_b)], dtype=bool
    )
    return ~equal


def _dtype_changes(name: str, frame: pd.DataFrame, cols: list[str]) -> dict[str, str]:
    """The documented dtype changes at severity > 0: column -> expected dtype."""
    out = {}
    for col in cols:
        dtype = frame[col].dtype
        if name.startswith("missing") and dtype == np.int64:
            out[col] = "float64"
        elif name.startswith("missing") and dtype.kind == "b":
            out[col] = "object"
        elif name == "unit_div1000" and dtype == np.int64:
            out[col] = "float64"
        elif name == "unit_div1000" and str(dtype) == "Int64":
            out[col] = "Float64"
    if name == "missing_column":
        out = {c: v for c, v in out.items() if c == cols[0]}
    return out


def _same_dtype(a, b) -> bool:
    if isinstance(a, pd.CategoricalDtype) or isinstance(b, pd.CategoricalDtype):
        return isinstance(a, pd.CategoricalDtype) and isinstance(b, pd.CategoricalDtype)
    return a == b


# -- the registry ---------------------------------------------------------------------------------------


def test_registry_lists_the_builtins_with_plain_descriptions():
    reg = registry()
    assert tuple(reg) == BUILTINS
    for name, spec in reg.items():
        assert isinstance(spec, PerturbationSpec) and spec.name == name
        assert spec.scope in ("each", "one") and spec.default_severity == 0.25
        assert spec.kinds and all(isinstance(k, ColumnKind) for k in spec.kinds)
        assert spec.description.endswith(".") and "severity" in spec.description
        assert K.ID not in spec.kinds and K.DATETIME not in spec.kinds
    assert reg["missing_column"].scope == "one"
    reg.pop("typo")
    assert "typo" in registry()  # a copy


def test_applicable_respects_kinds_and_needs(frames):
    ref, stats, features = frames["credit"]
    every = list(ref.columns)
    assert applicable("gaussian_noise", stats, every) == [
        "age",
        "income",
        "loan_amount",
        "loan_term_months",
        "credit_history_years",
        "num_open_accounts",
        "debt_to_income",
    ]
    assert applicable("category_swap", stats, every) == [
        "employment_type",
        "region",
        "home_ownership",
        "has_cosigner",
        "default",
    ]
    assert applicable("unseen_category", stats, every) == ["employment_type", "region", "home_ownership"]
    assert "application_id" not in applicable("missing_random", stats, every)
    assert "application_date" not in applicable("missing_random", stats, every)
    assert applicable("typo", stats, ["default", "region"]) == ["region"]  # 0/1 values are not text
    constant = ReferenceStats.from_frame(pd.DataFrame({"c": ["x"] * 5}), kinds={"c": "categorical"})
    assert applicable("category_swap", constant, ["c"]) == []  # needs two categories
    assert applicable("replace_mode", constant, ["c"]) == ["c"]
    assert applicable("gaussian_noise", stats, "age") == ["age"]


# -- every perturbation on both frames ------------------------------------------------------------------


@pytest.mark.parametrize("frame", FRAMES)
@pytest.mark.parametrize("name", BUILTINS)
def test_severity_zero_is_the_identity(frames, name, frame):
    data, stats, cols = frames[frame]
    assert applicable(name, stats, cols), "every perturbation acts on some column of each frame"
    pd.testing.assert_frame_equal(perturb(name, data, stats, 0.0, columns=cols, seed=3), data, check_dtype=True)
    direct = registry()[name].fn(data, stats, 0.0, np.random.default_rng(3), columns=applicable(name, stats, cols))
    pd.testing.assert_frame_equal(direct, data, check_dtype=True)


@pytest.mark.parametrize("frame", FRAMES)
@pytest.mark.parametrize("name", BUILTINS)
def test_seeded_reproducible(frames, name, frame):
    data, stats, cols = frames[frame]
    first = perturb(name, data, stats, 0.5, columns=cols, seed=11)
    pd.testing.assert_frame_equal(perturb(name, data, stats, 0.5, columns=cols, seed=11), first)
    pd.testing.assert_frame_equal(perturb(name, data, stats, 0.5, columns=cols, seed=np.random.default_rng(11)), first)
    other = perturb(name, data, stats, 0.5, columns=cols, seed=12)
    if name in DETERMINISTIC:
        pd.testing.assert_frame_equal(other, first)
    else:
        assert not other.equals(first)
    assert not first.equals(data)


@pytest.mark.parametrize("frame", FRAMES)
@pytest.mark.parametrize("name", BUILTINS)
def test_other_columns_input_and_dtypes(frames, name, frame):
    data, stats, cols = frames[frame]
    targets = applicable(name, stats, cols)
    chosen = targets[::2]  # every other applicable column
    before = data.copy(deep=True)
    out = perturb(name, data, stats, 0.4, columns=chosen, seed=5)
    pd.testing.assert_frame_equal(data, before, check_dtype=True)  # the input is not modified
    assert out is not data and out.shape == data.shape and list(out.columns) == list(data.columns)
    acted = chosen[:1] if registry()[name].scope == "one" else chosen
    for col in data.columns:
        if col not in acted:
            pd.testing.assert_series_equal(out[col], data[col], check_dtype=True)
        else:
            assert _changed(data[col], out[col]).any(), col
    expected = _dtype_changes(name, data, acted)
    for col in acted:
        if col in expected:
            assert str(out[col].dtype) == expected[col], col
        else:
            assert _same_dtype(out[col].dtype, data[col].dtype), (col, out[col].dtype, data[col].dtype)


def _eligible(name: str, series: pd.Series, stats: ReferenceStats) -> np.ndarray:
    """Rows where the perturbation, if it draws them, shows a change."""
    missing = series.isna().to_numpy()
    if name in ON_PRESENT:
        nonzero = series.to_numpy(dtype=float, na_value=np.nan) != 0 if name.startswith("unit") else True
        return ~missing & nonzero
    if name.startswith("missing"):
        return ~missing
    if name == "replace_median":
        numeric = stats.numeric[series.name]
        median = round(numeric.median) if numeric.integer else numeric.median
        return ~(series == median).to_numpy(dtype=bool, na_value=False)
    if name == "replace_mode":
        return ~(series == stats.categorical[series.name].mode).to_numpy(dtype=bool, na_value=False)
    return np.ones(len(series), dtype=bool)  # unseen_category, outliers: every drawn row changes


@pytest.mark.parametrize("frame", FRAMES)
@pytest.mark.parametrize("name", sorted(ON_PRESENT | ON_ALL_ROWS))
@pytest.mark.parametrize("severity", [0.1, 0.6])
def test_affected_share_matches_severity(frames, name, frame, severity):
    data, stats, cols = frames[frame]
    targets = applicable(name, stats, cols)
    out = perturb(name, data, stats, severity, columns=targets, seed=8)
    for col in targets[:1] if name == "missing_column" else targets:
        changed, eligible = _changed(data[col], out[col]), _eligible(name, data[col], stats)
        if name in ON_PRESENT:
            assert not changed[data[col].isna().to_numpy()].any()  # missing values stay missing
        assert not changed[~eligible].any()
        share = changed[eligible].mean()
        if name in {"category_swap", "typo", "unseen_category", "outliers"}:  # every drawn row changes
            assert changed.sum() == round(severity * (len(data) if name in ON_ALL_ROWS else eligible.sum()))
        tolerance = 4 * np.sqrt(severity * (1 - severity) / eligible.sum()) + 0.005
        assert share == pytest.approx(severity, abs=tolerance), (col, share)


# -- what each perturbation does --------------------------------------------------------------------------


@pytest.mark.parametrize("name,factor", [("unit_x10", 10), ("unit_x1000", 1000), ("unit_div1000", 0.001)])
def test_unit_errors_scale_exactly_the_affected_rows(frames, name, factor):
    data, stats, cols = frames["credit"]
    numeric = applicable(name, stats, cols)
    out = perturb(name, data, stats, 0.3, columns=numeric, seed=2)
    for col in numeric:
        x, y = data[col].to_numpy(dtype=float), out[col].to_numpy(dtype=float)
        present = ~np.isnan(x)
        expected = x * 1000 if factor == 1000 else x * 10 if factor == 10 else x / 1000
        scaled = present & (y == expected) & (x != 0)
        assert np.all((y == x) | (y == expected) | np.isnan(x) & np.isnan(y))
        assert abs(scaled.sum() - round(0.3 * present.sum())) <= 0.03 * present.sum()
        if data[col].dtype == np.int64:
            assert out[col].dtype == (np.float64 if factor < 1 else np.int64)


def test_noise_sd_follows_severity_and_keeps_missing_and_whole_numbers(frames):
    data, stats, _ = frames["credit"]
    cols = ["debt_to_income", "income", "age"]
    out = perturb("gaussian_noise", data, stats, 0.5, columns=cols, seed=4)
    diff = out["debt_to_income"] - data["debt_to_income"]
    assert diff.std() == pytest.approx(0.5 * stats.numeric["debt_to_income"].std, rel=0.08)
    assert out["income"].isna().equals(data["income"].isna())
    assert out["age"].dtype == np.int64
    whole = out["income"].dropna()
    assert stats.numeric["income"].integer and (whole == whole.round()).all()


def test_missing_values_take_the_dtypes_missing_value(frames):
    data, stats, cols = frames["synthetic"]
    out = perturb("missing_random", data, stats, 0.5, columns=cols, seed=1)
    assert out["count"].dtype == np.float64 and out["count"].isna().mean() == pytest.approx(0.5, abs=0.01)
    assert out["flag"].dtype == object and out["flag"].isna().sum() == 200
    assert out["colour"].dtype == object and out["colour"].isna().mean() >= 0.5
    assert isinstance(out["grade"].dtype, pd.CategoricalDtype)
    assert str(out["score"].dtype) == "Int64"


def test_missing_column_empties_one_column(frames):
    data, stats, cols = frames["credit"]
    out = perturb("missing_column", data, stats, 1.0, columns=["region", "age"], seed=1)
    assert out["region"].isna().all()
    pd.testing.assert_series_equal(out["age"], data["age"])
    direct = registry()["missing_column"].fn(data, stats, 1.0, np.random.default_rng(0), columns=["age", "region"])
    assert direct["age"].isna().all() and direct["region"].equals(data["region"])


@pytest.mark.parametrize("which", ["reference", "current"])
def test_category_swap_never_keeps_the_value(frames, credit, which):
    data, stats, cols = frames["credit"]
    if which == "current":
        data = credit[2]  # holds 'gig-economy', a category the reference never saw
    targets = applicable("category_swap", stats, cols)
    out = perturb("category_swap", data, stats, 0.4, columns=targets, seed=9)
    for col in targets:
        present = data[col].notna().to_numpy()
        changed = _changed(data[col], out[col])
        assert changed.sum() == round(0.4 * present.sum()), col  # every drawn row changed
        assert set(out[col][changed]) <= set(stats.categorical[col].values)


def test_category_swap_draws_by_reference_shares():
    ref = pd.DataFrame({"c": ["a"] * 600 + ["b"] * 300 + ["c"] * 100})
    stats = ReferenceStats.from_frame(ref)
    out = perturb("category_swap", ref, stats, 1.0, columns=["c"], seed=0)
    from_a = out["c"][:600].value_counts(normalize=True)  # b and c in the ratio 3:1
    assert from_a["b"] == pytest.approx(0.75, abs=0.06)
    assert (out["c"][600:900] != "b").all()


def test_unseen_category_is_not_a_reference_value(frames):
    data, stats, cols = frames["synthetic"]
    out = perturb("unseen_category", data, stats, 0.3, columns=["colour", "grade"], seed=0)
    for col in ("colour", "grade"):
        new = set(out[col].dropna()) - set(stats.categorical[col].values)
        assert new == {UNSEEN}
    assert UNSEEN in out["grade"].cat.categories
    tricky = pd.DataFrame({"c": [UNSEEN, "x", "x", "__unseen_2__"]})
    tstats = ReferenceStats.from_frame(tricky, kinds={"c": "categorical"})
    got = perturb("unseen_category", tricky, tstats, 1.0, columns=["c"], seed=0)["c"]
    assert got.nunique() == 1 and got[0] not in tstats.categorical["c"].values
    codes = pd.DataFrame({"term": [12, 24, 36, 24]})
    cstats = ReferenceStats.from_frame(codes, kinds={"term": "categorical"})
    got = perturb("unseen_category", codes, cstats, 1.0, columns=["term"], seed=0)["term"]
    assert got.dtype == np.int64 and set(got) == {37}


def test_typo_changes_every_drawn_string_in_a_typo_like_way(frames):
    data, stats, cols = frames["credit"]
    out = perturb("typo", data, stats, 0.5, columns=["employment_type", "region"], seed=3)
    for col in ("employment_type", "region"):
        before, after = data[col], out[col]
        changed = _changed(before, after)
        assert changed.sum() == round(0.5 * before.notna().sum())
        for old, new in zip(before[changed], after[changed]):
            assert isinstance(new, str) and new != old
            assert new.lower() == old.lower() or new.strip() == old or abs(len(new) - len(old)) == 1, (old, new)
    rng = np.random.default_rng(0)
    values = np.array(["a", "", "123", "North", "gig-economy", "ÄÖ"] * 50, dtype=object)
    assert (typos(values, rng) != values).all()


def test_outliers_lie_beyond_the_reference_extremes(frames):
    data, stats, cols = frames["credit"]
    numeric = applicable("outliers", stats, cols)
    out = perturb("outliers", data, stats, 0.2, columns=numeric, seed=6)
    for col in numeric:
        s = stats.numeric[col]
        changed = _changed(data[col], out[col])
        values = out[col][changed]
        assert ((values < s.q01 - s.iqr) | (values > s.q99 + s.iqr)).all(), col
        assert changed.sum() >= round(0.2 * len(data)) - 2
        assert (values > s.q99).any() and (values < s.q01).any()


def test_replace_median_and_mode_at_severity_one_give_constants(frames):
    data, stats, cols = frames["credit"]
    out = perturb("replace_median", data, stats, 1.0, columns=["income", "age"], seed=0)
    assert (out["income"] == stats.numeric["income"].median).all()
    assert (out["age"] == round(stats.numeric["age"].median)).all() and out["age"].dtype == np.int64
    out = perturb("replace_mode", data, stats, 1.0, columns=["region", "home_ownership"], seed=0)
    assert (out["region"] == stats.categorical["region"].mode).all()
    assert (out["home_ownership"] == stats.categorical["home_ownership"].mode).all()


def test_rounding_gives_multiples_of_the_step(frames):
    data, stats, cols = frames["credit"]
    numeric = applicable("rounding", stats, cols)
    out = perturb("rounding", data, stats, 1.0, columns=numeric, seed=0)
    for col in numeric:
        step = rounding_step(stats.numeric[col], 1.0)
        assert step == 10.0 ** round(np.log10(stats.numeric[col].iqr))
        ratio = out[col].dropna().to_numpy(dtype=float) / step
        assert np.allclose(ratio, np.round(ratio), atol=1e-6), col
        assert out[col].isna().equals(data[col].isna())
    assert out["age"].dtype == np.int64 and (out["age"] % 10 == 0).all()
    assert rounding_step(stats.numeric["debt_to_income"], 0.1) < rounding_step(stats.numeric["debt_to_income"], 1.0)


def test_quantile_shift_moves_values_up_the_reference_distribution(frames):
    data, stats, cols = frames["credit"]
    numeric = applicable("quantile_shift", stats, cols)
    out = perturb("quantile_shift", data, stats, 0.5, columns=numeric, seed=0)
    for col in numeric:
        assert out[col].median() > data[col].median(), col
        present = data[col].notna()
        assert (out[col][present] >= data[col][present]).all() and out[col].isna().equals(data[col].isna())
    s = stats.numeric["debt_to_income"]
    assert out["debt_to_income"].median() == pytest.approx(s.quantiles[75], rel=0.03)  # median -> 75th pct
    assert out["age"].dtype == np.int64
    q = np.array([0.0, 1.0, 1.0, 2.0, 4.0])
    np.testing.assert_allclose(
        reference_cdf(np.array([-1.0, 0.5, 1.0, 3.0, 9.0, np.nan]), q), [0.0, 0.125, 0.375, 0.875, 1.0, np.nan]
    )


# -- user-defined perturbations and bad input -------------------------------------------------------------


@pytest.fixture
def own_registry(monkeypatch):
    """Keep registrations made by a test out of the shared registry."""
    monkeypatch.setattr(perturbations, "_REGISTRY", dict(perturbations._REGISTRY))
    monkeypatch.setattr(perturbations, "_REQUIRES", dict(perturbations._REQUIRES))


def _negate(data, stats, severity, rng, *, columns):
    out = data.copy()
    for col in columns:
        rows = rng.random(len(out)) < severity
        out.loc[rows, col] = -out.loc[rows, col]
    return out


def test_register_a_user_defined_perturbation(frames, own_registry):
    data, stats, cols = frames["credit"]
    register("negate", _negate, kinds=["numerical"], description="Flips the sign of a share = severity of values.")
    assert registry()["negate"].kinds == frozenset({K.NUMERICAL})
    assert applicable("negate", stats, cols) == applicable("gaussian_noise", stats, cols)
    out = perturb("negate", data, stats, 1.0, columns=["age", "region"], seed=0)
    assert (out["age"] == -data["age"]).all() and out["region"].equals(data["region"])
    pd.testing.assert_frame_equal(perturb("negate", data, stats, 0.0, columns=["age"], seed=0), data)
    with pytest.raises(ConfigError, match="'negate' is already registered"):
        register("negate", _negate, kinds=K.NUMERICAL, description="Again.")
    register("negate", _negate, kinds=K.NUMERICAL, description="Again.", scope="one", replace=True)
    assert registry()["negate"].scope == "one"
    out = perturb("negate", data, stats, 1.0, columns=["region", "income", "age"], seed=0)
    assert (out["income"] == -data["income"]).sum() > 0 and out["age"].equals(data["age"])  # first only
    register("rounding", _negate, kinds=K.NUMERICAL, description="Replaced.", replace=True)
    assert applicable("rounding", stats, ["age"]) == ["age"]


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(name="bad name"), "'bad name' is not a valid perturbation name"),
        (dict(name=""), "not a valid perturbation name"),
        (dict(kinds=["colour"]), "column kinds"),
        (dict(kinds=[]), "column kinds"),
        (dict(scope="all"), "Scope 'all'"),
        (dict(default_severity=2), "Severity 2"),
        (dict(description=" "), "needs a description"),
        (dict(fn=3), "not callable"),
    ],
)
def test_register_rejects_bad_specs(own_registry, kwargs, match):
    args = dict(name="mine", fn=_negate, kinds=["numerical"], description="Something.")
    args.update(kwargs)
    with pytest.raises(ConfigError, match=match):
        register(args.pop("name"), args.pop("fn"), **args)


def test_perturb_rejects_bad_input(frames, own_registry):
    data, stats, cols = frames["credit"]
    with pytest.raises(ConfigError, match="Unknown perturbation 'jitter'.*gaussian_noise"):
        perturb("jitter", data, stats, 0.1, columns=cols, seed=0)
    for bad in (1.5, -0.1, float("nan"), True, "0.5"):
        with pytest.raises(ConfigError, match=f"Severity {bad!r} for perturbation 'gaussian_noise'"):
            perturb("gaussian_noise", data, stats, bad, columns=cols, seed=0)
    with pytest.raises(ConfigError, match="'salary'"):
        perturb("gaussian_noise", data, stats, 0.1, columns=["age", "salary"], seed=0)
    with pytest.raises(ConfigError, match="seed"):
        perturb("gaussian_noise", data, stats, 0.1, columns=cols, seed="x")
    with pytest.raises(DataError):
        perturb("gaussian_noise", data.to_numpy(), stats, 0.1, columns=cols, seed=0)
    register(
        "broken",
        lambda data, stats, severity, rng, *, columns: data.iloc[:3],
        kinds="numerical",
        description="Drops rows.",
    )
    with pytest.raises(ConfigError, match="'broken' did not return"):
        perturb("broken", data, stats, 0.5, columns=["age"], seed=0)
    pd.testing.assert_frame_equal(perturb("typo", data, stats, 0.5, columns=["age"], seed=0), data)


# -- reference stats -------------------------------------------------------------------------------------------


def test_reference_stats_from_frame(frames):
    data, stats, _ = frames["credit"]
    assert stats.kinds["application_id"] is K.ID and stats.kinds["application_date"] is K.DATETIME
    assert set(stats.numeric) == {
        "age",
        "income",
        "loan_amount",
        "loan_term_months",
        "credit_history_years",
        "num_open_accounts",
        "debt_to_income",
    }
    assert "application_id" not in stats.categorical and "application_date" not in stats.numeric
    age = stats.numeric["age"]
    assert isinstance(age, NumericStats) and age.integer and len(age.quantiles) == 101
    assert age.median == data["age"].median() and age.std == pytest.approx(data["age"].std())
    assert age.iqr == pytest.approx(data["age"].quantile(0.75) - data["age"].quantile(0.25))
    assert (age.minimum, age.maximum) == (data["age"].min(), data["age"].max())
    assert not stats.numeric["debt_to_income"].integer
    region = stats.categorical["region"]
    assert isinstance(region, CategoricalStats) and sum(region.shares) == pytest.approx(1.0)
    assert region.categories == tuple(data["region"].value_counts().index) and region.mode == region.values[0]
    assert stats.categorical["default"].values in ((0, 1), (1, 0))
    assert all(type(v) is int for v in stats.categorical["default"].values)
    syn = ReferenceStats.from_frame(synthetic(), columns=["flag", "grade"], kinds={"count": "categorical"})
    assert set(syn.kinds) == {"flag", "grade"}
    assert all(type(v) is bool for v in syn.categorical["flag"].values)
    assert set(syn.categorical["grade"].values) == {"A", "B", "C"}
    over = ReferenceStats.from_frame(data, kinds={"loan_term_months": K.CATEGORICAL}, columns=["loan_term_months"])
    assert set(over.categorical["loan_term_months"].values) == {12, 24, 36, 48, 60}


def test_reference_stats_text_keeps_the_top_values_and_rejects_bad_input():
    words = [f"entry number {i} with several words" for i in range(120)]
    text = pd.DataFrame({"note": words + words[:30]})
    stats = ReferenceStats.from_frame(text)
    assert stats.kinds["note"] is K.TEXT and len(stats.categorical["note"].values) == _stats.TEXT_TOP
    assert applicable("typo", stats, ["note"]) == ["note"]
    with pytest.raises(ConfigError, match="'nope'"):
        ReferenceStats.from_frame(text, columns=["nope"])
    with pytest.raises(ConfigError, match="'colour' is not a column kind"):
        ReferenceStats.from_frame(text, kinds={"note": "colour"})
    empty = ReferenceStats.from_frame(pd.DataFrame({"x": [np.nan, np.nan]}), kinds={"x": "numerical"})
    assert empty.numeric == {} and applicable("gaussian_noise", empty, ["x"]) == []


# -- property: any small frame ------------------------------------------------------------------------------------


@st.composite
def small_frames(draw):
    n = draw(st.integers(1, 25))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    cols = {}
    if draw(st.booleans()):
        cols["i"] = rng.integers(-5, 5, n)
    if draw(st.booleans()):
        f = rng.normal(0, draw(st.sampled_from([0.0, 1e-3, 1.0, 1e6])), n)
        f[rng.random(n) < draw(st.floats(0, 1))] = np.nan
        cols["f"] = f
    if draw(st.booleans()):
        o = rng.choice(np.array(["a", "B b", "", "c"], dtype=object), n)
        o[rng.random(n) < 0.2] = np.nan
        cols["o"] = o
    if draw(st.booleans()):
        cols["b"] = rng.random(n) < 0.5
    if draw(st.booleans()):
        cols["k"] = pd.Categorical(rng.choice(["x", "y"], n))
    if not cols:
        cols["i"] = rng.integers(0, 3, n)
    return pd.DataFrame(cols)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=small_frames(), name=st.sampled_from(BUILTINS), severity=st.floats(0, 1), seed=st.integers(0, 99))
def test_property_shape_kept_and_zero_is_identity(frame, name, severity, seed):
    stats = ReferenceStats.from_frame(frame)
    cols = list(frame.columns)
    before = frame.copy(deep=True)
    out = perturb(name, frame, stats, severity, columns=cols, seed=seed)
    assert out.shape == frame.shape and list(out.columns) == cols and out.index.equals(frame.index)
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(perturb(name, frame, stats, 0.0, columns=cols, seed=seed), frame)


# -- the suite's path: changed columns only, stacked without building each copy ---------------------


@pytest.mark.parametrize("which", ["credit", "synthetic"])
def test_stacked_changes_equal_the_concatenated_perturbed_tables(frames, which, own_registry):
    """What the suite scores (perturbed_columns + stack_rows) is exactly pd.concat of perturb's tables:
    same values, same dtypes (int -> float with missing values, bool -> object, categoricals,
    nullable Int64), for every perturbation and a user-defined one."""
    data, stats, cols = frames[which]
    data = data[cols].head(300)
    register("negate", _negate, kinds=["numerical"], description="Flips the sign of a share = severity of values.")
    names = list(registry())
    tables, changes = [], []
    for i, name in enumerate(names):
        for severity in (0.0, 0.3, 1.0):
            kw = dict(columns=applicable(name, stats, cols) or cols[:1], seed=i)
            tables.append(perturb(name, data, stats, severity, **kw))
            changes.append(perturbed_columns(name, data, stats, severity, **kw))
            assert set(changes[-1]) <= set(cols)
    pd.testing.assert_frame_equal(stack_rows(data, changes), pd.concat(tables, ignore_index=True))
    # one copy at a time, as when a failing batch is split
    for table, change in zip(tables[:6], changes[:6]):
        pd.testing.assert_frame_equal(stack_rows(data, [change]), table.reset_index(drop=True))


def test_numeric_values_never_write_into_the_callers_data(frames):
    data, stats, cols = frames["credit"]
    before = data.copy()
    for name in registry():
        perturb(name, data, stats, 1.0, columns=applicable(name, stats, cols), seed=1)
    pd.testing.assert_frame_equal(data, before)
    with pytest.raises(ValueError):
        numeric_values(data["income"])[0] = 1.0


# -- names people read -----------------------------------------------------------------------------------------


def test_every_built_in_has_a_readable_label_a_family_and_a_plain_phrase():
    from robustness.stress import FAMILIES

    specs = registry()
    labels = [s.label for s in specs.values()]
    assert len(set(labels)) == len(labels)  # no two perturbations read the same
    for name, s in specs.items():
        assert s.label and "_" not in s.label and s.label[0].isupper(), name
        assert s.family in FAMILIES and s.family != "other", name
        phrase = s.plain(0.25)
        assert phrase and "_" not in phrase and "severity" not in phrase, name
    assert specs["unit_x10"].label == "Unit error ×10" and specs["gaussian_noise"].label == "Gaussian noise"
    assert specs["missing_random"].label == "Missing values" and specs["unseen_category"].label == "Unseen category"
    assert specs["category_swap"].label == "Swapped categories" and specs["outliers"].label == "Outliers"
    families = {s.family for s in specs.values()}
    assert {"noise", "unit errors", "missing values", "categories", "outliers"} <= families
    assert families <= {"noise", "unit errors", "missing values", "categories", "outliers", "shifts"}
    assert specs["unit_x10"].plain(0.25) == "a unit error (×10) in 25% of values"


def test_a_user_perturbation_gets_a_label_family_and_phrase(own_registry):
    from robustness.stress import family_of, label_of, phrase_of

    register("sensor_drift", _negate, kinds=["numerical"], description="Drifts.")
    assert label_of("sensor_drift") == "Sensor drift" and family_of("sensor_drift") == "other"
    assert phrase_of("sensor_drift", 0.1) == "sensor drift at 10% strength"
    register(
        "spikes",
        _negate,
        kinds=["numerical"],
        description="Spikes.",
        label="Power spikes",
        family="outliers",
        phrase="power spikes in {share} of readings",
    )
    assert label_of("spikes") == "Power spikes" and family_of("spikes") == "outliers"
    assert phrase_of("spikes", 0.5) == "power spikes in 50% of readings"
    assert label_of("never_registered") == "Never registered" and family_of("never_registered") == "other"
    with pytest.raises(ConfigError, match="Family 'weather'"):
        register("mine", _negate, kinds=["numerical"], description="x", family="weather")
    with pytest.raises(ConfigError, match="label"):
        register("mine", _negate, kinds=["numerical"], description="x", label=" ")
