"""The drift engine: bad inputs, the default rule, BH, config files, the credit demo, the JSON contract."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from robustness.demo import load_scenario
from robustness.drift import ColumnOverride, DriftConfig, DriftResult, drift
from robustness.errors import ConfigError, DataError
from robustness.io.infer import infer_schema
from robustness.schema import ColumnKind

K = ColumnKind


def _no_nan(result: DriftResult) -> None:
    json.dumps(result.to_dict(), allow_nan=False)
    for f in result.features:
        for v in (f.statistic, f.p_value, f.effect_size, f.p_value_raw, f.threshold):
            assert v is None or math.isfinite(v), f
        if f.status != "ok":
            assert f.statistic is None and f.p_value is None and f.effect_size is None and not f.drifted
        assert f.message, f


@pytest.fixture(scope="module")
def bad() -> DriftResult:
    rng = np.random.default_rng(0)
    n = 300
    ref = pd.DataFrame(
        {
            "mixed": [1, 2, "a", 3.5] * (n // 4),
            "all_nan_ref": [np.nan] * n,
            "all_nan_cur": rng.normal(size=n),
            "const_same": [5] * n,
            "const_changed": [5.0] * n,
            "cat_const_changed": ["a"] * n,
            "infs": np.r_[rng.normal(size=n - 3), [np.inf, -np.inf, np.nan]],
            "when": pd.date_range("2024-01-01", periods=n, freq="h"),
            "when_text": pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "flag": rng.random(n) < 0.3,
            "many": [f"c{i}" for i in rng.integers(0, 2000, n)],
            "only_ref": 1.0,
            "comment": [" ".join(["word"] * int(k)) for k in rng.integers(3, 20, n)],
            "user_id": np.arange(n),
        }
    )
    cur = ref.drop(columns=["only_ref"]).copy()
    cur["all_nan_cur"] = np.nan
    cur["all_nan_ref"] = 1.0
    cur["const_changed"] = 7.0
    cur["cat_const_changed"] = "b"
    cur["when_text"] = list(cur["when_text"][:-2]) + ["not a date", "nope"]
    cur["infs"] = np.r_[rng.normal(size=n - 1), [np.inf]]
    cur["only_cur"] = 2
    return drift(ref, cur, kinds={"comment": "text"})


def test_bad_inputs_never_crash_nor_give_nan(bad):
    _no_nan(bad)
    assert [f.feature for f in bad.features][-2:] == ["user_id", "only_cur"]


@pytest.mark.parametrize(
    "col,status,needle",
    [
        ("only_ref", "skipped", "current file has no column"),
        ("only_cur", "skipped", "reference file has no column"),
        ("all_nan_ref", "skipped", "only missing values in the reference"),
        ("all_nan_cur", "skipped", "only missing values in the current"),
        ("user_id", "skipped", "identifiers differ by design"),
        ("mixed", "ok", "mixes numbers and text"),
        ("infs", "ok", "3 infinite values"),
        ("when_text", "ok", "2 values in the current file could not be read as dates"),
        ("many", "ok", "the 50 most frequent"),
        ("comment", "ok", "Text length (characters)"),
        ("const_same", "ok", "Every value is 5 in both files"),
        ("const_changed", "ok", "the constant changed"),
        ("cat_const_changed", "ok", "the constant changed"),
    ],
)
def test_bad_input_messages(bad, col, status, needle):
    f = bad.feature(col)
    assert f.status == status and needle in f.message, f


def test_bad_input_verdicts(bad):
    assert bad.feature("mixed").kind is K.CATEGORICAL and bad.feature("mixed").test == "chisquare"
    assert not bad.feature("const_same").drifted and bad.feature("const_same").statistic == 0
    assert bad.feature("const_changed").drifted and bad.feature("cat_const_changed").drifted
    assert bad.feature("infs").n_reference == 297 and bad.feature("infs").n_current == 299
    assert bad.feature("when").kind is K.DATETIME and bad.feature("when").statistic == 0
    assert bad.feature("flag").test == "z" and bad.feature("flag").p_value == 1.0
    assert bad.feature("comment").kind is K.TEXT and bad.feature("comment").test == "tfidf"
    assert bad.profiles["many"].categories[-1] == "other" and len(bad.profiles["many"].categories) == 51
    assert "user_id" not in bad.profiles and "only_ref" not in bad.profiles
    tested = [f for f in bad.features if f.status == "ok"]
    assert bad.dataset.n_columns == len(tested)
    assert bad.dataset.drifted_share == pytest.approx(sum(f.drifted for f in tested) / len(tested))


def test_one_row_current_file_says_how_many_values_are_needed():
    rng = np.random.default_rng(1)
    ref = pd.DataFrame({"x": rng.normal(size=100), "c": rng.choice(["a", "b"], 100)})
    res = drift(ref, ref.head(1))
    _no_nan(res)
    for f in res.features:
        assert f.status == "skipped" and "Only 1 value in the current file" in f.message and "at least 2" in f.message
    assert res.dataset.n_columns == 0 and res.dataset.drifted_share == 0 and not res.dataset.drifted
    few = drift(ref, ref.head(10))
    assert all(f.status == "ok" and "little power" in f.message for f in few.features)


def test_empty_and_odd_frames():
    ref = pd.DataFrame({"x": [1.0, 2.0, 3.0], 0: ["a", "b", "a"]})
    res = drift(ref, ref.iloc[:0])
    _no_nan(res)
    assert all("no rows in the current file" in f.message for f in res.features)
    assert [f.feature for f in res.features] == ["x", "0"]
    with pytest.raises(DataError, match="duplicate"):
        drift(pd.DataFrame([[1, 2]], columns=["a", "a"]), ref)
    with pytest.raises(ConfigError, match="'nope'"):
        drift(ref, ref, columns=["x", "nope"])
    with pytest.raises(ConfigError, match="not a column kind"):
        drift(ref, ref, kinds={"x": "weird"})


def test_numbers_with_a_few_strings_are_compared_as_categories():
    ref = pd.DataFrame({"x": np.arange(100.0) % 7})
    cur = pd.DataFrame({"x": [*(np.arange(98.0) % 7), "n/a", "n/a"]})
    f = drift(ref, cur, kinds={"x": "numerical"}).feature("x")
    assert f.kind is K.CATEGORICAL and "mixes numbers and text" in f.message and f.status == "ok"


def test_default_rule_is_the_same_at_every_size_and_bh_adjusts():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({f"x{i}": rng.normal(size=4000) for i in range(5)} | {"c": rng.choice(list("abc"), 4000)})
    small = drift(df.iloc[:2000], df.iloc[2000:])
    large = drift(df.iloc[:2000], df.iloc[2000:], config=DriftConfig(large_sample=1000))
    assert {f.test for f in small.features} == {f.test for f in large.features} == {"ks_bf", "chisquare"}
    raw = np.array([f.p_value for f in small.features])  # p_value is raw, p_value_adjusted is BH's
    order = np.argsort(raw)
    adj = np.minimum.accumulate((raw[order] * len(raw) / np.arange(1, len(raw) + 1))[::-1])[::-1]
    assert np.allclose([small.features[i].p_value_adjusted for i in order], np.minimum(adj, 1), rtol=1e-12)
    assert np.allclose(stats.false_discovery_control(raw), [f.p_value_adjusted for f in small.features])
    none = drift(df.iloc[:2000], df.iloc[2000:], config=DriftConfig(correction="none"))
    assert [f.p_value for f in none.features] == [f.p_value_adjusted for f in none.features]


def test_significant_but_small_changes_are_not_drift_and_distances_decide_alone():
    """A 0.02-SD shift in 400k rows is significant but below the 0.05-SD line; a distance override
    decides by its threshold alone."""
    rng = np.random.default_rng(11)
    n = 400_000
    ref = pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(list("ab"), n, p=[0.5, 0.5])})
    cur = pd.DataFrame({"x": rng.normal(0.02, 1, n), "c": rng.choice(list("ab"), n, p=[0.49, 0.51])})
    res = drift(ref, cur)
    for col in ("x", "c"):
        f = res.feature(col)
        assert f.p_value_adjusted < 0.05 and not f.drifted, f
        assert "below the practical threshold" in f.message
    assert res.feature("x").effect.name == "mean shift" and res.feature("x").effect.value == pytest.approx(
        0.02, abs=0.01
    )
    loose = DriftConfig(min_shift_sd=0.01, min_share_change=0.005)
    assert all(f.drifted for f in drift(ref, cur, config=loose).features)
    psi = drift(ref, cur, config={"overrides": {"x": {"test": "psi", "threshold": 0.0003}}}).feature("x")
    assert psi.test == "psi" and psi.p_value is None and psi.drifted and psi.statistic >= 0.0003


def test_progress_is_called_per_column():
    calls = []
    df = pd.DataFrame({"a": np.arange(50.0), "b": ["x", "y"] * 25, "c": np.arange(50.0)})
    drift(df, df, progress=lambda frac, col: calls.append((frac, col)))
    assert [c for _, c in calls] == ["a", "b", "c"] and calls[-1][0] == 1.0
    assert all(0 <= f <= 1 for f, _ in calls)


# -- configuration ---------------------------------------------------------------------------------


def test_config_round_trip_and_files(tmp_path):
    cfg = DriftConfig(alpha=0.01, max_categories=10, overrides={"income": ColumnOverride("psi", 0.2)})
    assert DriftConfig.from_dict(cfg.to_dict()) == cfg and hash(DriftConfig.from_dict(cfg.to_dict())) == hash(cfg)
    (tmp_path / "c.json").write_text(json.dumps({"drift": cfg.to_dict()}))
    assert DriftConfig.from_file(tmp_path / "c.json") == cfg
    (tmp_path / "c.toml").write_text(
        '[drift]\nalpha = 0.01\nmax_categories = 10\n[drift.overrides.income]\ntest = "psi"\nthreshold = 0.2\n'
    )
    assert DriftConfig.from_file(tmp_path / "c.toml") == cfg
    (tmp_path / "flat.toml").write_text('alpha = 0.02\ncorrection = "none"\n')
    assert DriftConfig.from_file(tmp_path / "flat.toml").correction == "none"


@pytest.mark.parametrize(
    "d,needle",
    [
        ({"alpah": 0.05}, "alpah"),
        ({"alpha": 1.5}, "alpha"),
        ({"alpha": "0.05"}, "alpha"),
        ({"drift_share": 0}, "drift_share"),
        ({"large_sample": 10.5}, "large_sample"),
        ({"max_categories": 0}, "max_categories"),
        ({"bins": True}, "bins"),
        ({"correction": "bonferroni"}, "bonferroni"),
        ({"distance_threshold": -0.1}, "distance_threshold"),
        ({"overrides": {"income": {"test": "nope"}}}, "income"),
        ({"overrides": ["income"]}, "overrides"),
    ],
)
def test_config_errors_name_the_key(d, needle):
    with pytest.raises(ConfigError, match=needle):
        DriftConfig.from_dict(d)


def test_config_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="Cannot read"):
        DriftConfig.from_file(tmp_path / "missing.toml")
    (tmp_path / "bad.json").write_text('{"alpha": 0.05,,}')
    with pytest.raises(ConfigError, match="not valid JSON"):
        DriftConfig.from_file(tmp_path / "bad.json")
    (tmp_path / "bad.toml").write_text("alpha = = 1")
    with pytest.raises(ConfigError, match="TOML"):
        DriftConfig.from_file(tmp_path / "bad.toml")
    (tmp_path / "key.toml").write_text("[drift]\nbinz = 3\n")
    with pytest.raises(ConfigError, match="key.toml.*binz"):
        DriftConfig.from_file(tmp_path / "key.toml")


# -- the credit demo and the JSON contract ---------------------------------------------------------


@pytest.fixture(scope="module")
def credit() -> DriftResult:
    s = load_scenario("credit")
    columns = [c for c in s.reference.columns if c not in s.roles.role_columns()]
    kinds = infer_schema(s.reference).kinds()
    return drift(s.reference, s.current, kinds=kinds, columns=columns)


def test_credit_demo_story(credit):
    assert credit.feature("income").drifted and credit.feature("employment_type").drifted
    assert "gig-economy" in credit.feature("employment_type").message
    assert "−26 %" in credit.feature("income").message
    untouched = ["age", "region", "loan_term_months", "num_open_accounts", "home_ownership", "has_cosigner"]
    assert sum(credit.feature(c).drifted for c in untouched) <= 1
    assert credit.feature("income").effect_size > max(credit.feature(c).effect_size for c in untouched)


def test_to_dict_matches_the_cli_contract(credit):
    d = json.loads(json.dumps(credit.to_dict(), allow_nan=False))
    keys = {"feature", "kind", "test", "statistic", "p_value", "effect_size", "threshold", "drifted"}
    assert all(keys <= set(f) for f in d["features"])
    assert {"drifted_share", "drifted"} <= set(d["dataset"])
    assert d["config"] == DriftConfig().to_dict()
    income = next(f for f in d["features"] if f["feature"] == "income")
    assert income["kind"] == "numerical" and income["test"] == "ks_bf" and income["drifted"] is True
    assert income["p_value"] <= income["p_value_adjusted"] < 0.05
    assert income["effect"] == {
        "name": "mean shift",
        "value": pytest.approx(-0.51, abs=0.05),
        "threshold": 0.05,
        "unit": "SD",
    }


def test_profiles_are_small_plot_data(credit):
    p = credit.profiles["income"]
    assert len(p.bin_edges) == 31 and len(p.counts_reference) == 30 and sum(p.counts_reference) > 3000
    assert len(p.ecdf_x) <= 200 and p.ecdf_reference[-1] == 1.0 and list(p.ecdf_x) == sorted(p.ecdf_x)
    assert 0.03 < p.missing_reference < 0.09
    cats = credit.profiles["employment_type"]
    assert "gig-economy" in cats.categories
    assert cats.category_counts_reference[cats.categories.index("gig-economy")] == 0
