"""Data quality, reference vs current: each check on data with a known answer, the conditions,
error isolation, JSON safety, the credit demo and a 1M-row run."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robustness.errors import ConfigError, DataError
from robustness.quality import CHECKS, QualityConfig, QualityReport, quality
from robustness.quality import checks as quality_checks
from robustness.schema import ColumnKind, ColumnRoles

TINY = 1e-12


def _base(n: int = 1000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "record_id": np.arange(n),
            "x": rng.uniform(0, 100, n),
            "color": rng.choice(["red", "green", "blue"], n),
            "member": rng.choice(["yes", "no"], n),
        }
    )


def _json_roundtrip(report: QualityReport) -> dict:
    return json.loads(json.dumps(report.to_dict(), allow_nan=False))


# -- missing values ----------------------------------------------------------------------------


def test_missing_increase_warns_then_fails_with_numbers():
    ref, cur = _base(), _base(seed=1)
    ref.loc[:19, "x"] = np.nan  # 2% missing in reference
    cur.loc[:99, "x"] = np.nan  # 10%: +8 points -> warn
    f = quality(ref, cur).finding("missing_values", "x")
    assert f.status == "warn"
    assert f.value == pytest.approx(0.10, abs=TINY) and f.reference_value == pytest.approx(0.02, abs=TINY)
    assert f.details["increase"] == pytest.approx(0.08, abs=TINY)
    assert (
        "missing in 10% of current rows (100 of 1,000) against 2% in reference, 8 percentage points more" in f.message
    )
    assert len(f.examples) == 5 and all(e["x"] is None for e in f.examples)
    assert [e["_row"] for e in f.examples] == [0, 1, 2, 3, 4]

    cur.loc[:299, "x"] = np.nan  # 30%: +28 points -> fail
    assert quality(ref, cur).finding("missing_values", "x").status == "fail"


def test_missing_unchanged_passes_and_all_nan_column_does_not_crash():
    ref, cur = _base(), _base(seed=1)
    ref["empty"], cur["empty"] = np.nan, np.nan
    cur["x"] = np.nan  # all values missing in current only
    report = quality(ref, cur)
    assert report.finding("missing_values", "color").status == "pass"
    empty = report.finding("missing_values", "empty")
    assert empty.status == "pass" and "no values in either file" in empty.message
    gone = report.finding("missing_values", "x")
    assert gone.status == "fail" and gone.value == 1.0 and "no values at all in current" in gone.message
    assert report.column("empty").missing_current == 1.0
    _json_roundtrip(report)


# -- type mismatches ---------------------------------------------------------------------------


def test_numbers_in_reference_strings_in_current_is_a_type_mismatch():
    ref, cur = _base(), _base(seed=1)
    cur["x"] = np.random.default_rng(2).choice(["low", "mid", "high"], len(cur))
    report = quality(ref, cur)
    f = report.finding("type_mismatch", "x")
    assert f.status == "fail" and f.value == 1.0
    assert "'x'" in f.message and "numbers" in f.message and "float64" in f.message
    assert f.details["n_unparseable"] == 1000 and f.details["current_dtype"] == "object"
    assert set(f.details["values"]) == {"low", "mid", "high"}
    # examples: one row per distinct bad value first
    assert {e["x"] for e in f.examples} == {"low", "mid", "high"}
    assert "'low'" in f.message or "'mid'" in f.message or "'high'" in f.message


def test_a_few_unparseable_values_warn_and_are_counted():
    ref, cur = _base(), _base(seed=1)
    cur["x"] = cur["x"].round(3).astype(str)  # numbers stored as text parse fine
    cur.loc[[10, 20, 30], "x"] = ["12,5", "n/a", "?"]
    f = quality(ref, cur).finding("type_mismatch", "x")
    assert f.status == "warn"  # 0.3% < type_mismatch_fail 5%
    assert f.value == pytest.approx(3 / 1000, abs=TINY)
    assert [e["_row"] for e in f.examples] == [10, 20, 30]
    assert "'12,5'" in f.message and "treat them as missing" in f.message


def test_same_types_pass_and_int_vs_float_is_not_a_mismatch():
    ref, cur = _base(), _base(seed=1)
    cur["record_id"] = cur["record_id"].astype(float)
    report = quality(ref, cur)
    assert all(f.status == "pass" for f in report.findings if f.check == "type_mismatch")


def test_text_reference_with_numbers_and_mixed_types_in_current():
    ref, cur = _base(), _base(seed=1)
    cur["color"] = cur["color"].astype(object)
    cur.loc[:49, "color"] = 7  # a mixed-type object column: 50 ints among strings
    f = quality(ref, cur).finding("type_mismatch", "color")
    assert f.value == pytest.approx(0.05, abs=TINY) and f.status == "fail"
    assert f.details["values"] == [7]


def test_mixed_and_unhashable_reference_columns_do_not_crash():
    ref, cur = _base(100), _base(100, seed=1)
    ref["mixed"] = [1, "a"] * 50
    cur["mixed"] = ["a", 2.5] * 50
    ref["lists"] = [[1, 2]] * 100
    cur["lists"] = [[1, 2], [3]] * 50
    report = quality(ref, cur)
    assert not [f for f in report.findings if f.check == "error"]
    assert "not compared" in report.finding("type_mismatch", "mixed").message
    assert report.finding("duplicate_rows").value >= 0
    _json_roundtrip(report)


def test_yes_no_reference_with_other_values_in_current():
    ref, cur = _base(), _base(seed=1)
    cur["member"] = np.where(np.arange(1000) < 40, "maybe", np.where(cur["member"] == "yes", "TRUE", "false"))
    report = quality(ref, cur)
    f = report.finding("type_mismatch", "member")
    assert f.value == pytest.approx(0.04, abs=TINY)
    new = report.finding("new_categories", "member")  # TRUE/false map onto yes/no
    assert new.details["new"] == ["maybe"] and new.value == pytest.approx(0.04, abs=TINY)


# -- out of range ------------------------------------------------------------------------------


def test_three_percent_out_of_range_warns_with_most_extreme_examples_first():
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({"x": np.r_[0.0, 100.0, rng.uniform(0, 100, 998)]})
    inside = rng.uniform(0, 100, 970)
    below = -np.arange(1, 16, dtype=float)  # -1 .. -15
    above = 100 + np.arange(1, 16, dtype=float) * 10  # 110 .. 250
    cur = pd.DataFrame({"x": np.r_[inside, below, above]})
    f = quality(ref, cur).finding("out_of_range", "x")
    assert f.status == "warn"
    assert f.value == pytest.approx(0.03, abs=TINY)
    assert f.details["n_below"] == 15 and f.details["n_above"] == 15
    assert f.details["min"] == 0.0 and f.details["max"] == 100.0
    assert [e["x"] for e in f.examples] == [250.0, 240.0, 230.0, 220.0, 210.0]
    assert f.message.startswith("3% of current values of 'x' (30 of 1,000) lie outside the reference range [0, 100]")
    assert "15 below and 15 above" in f.message


def test_messages_write_numbers_in_the_one_format():
    # shares and values as robustness.formatting writes them: 3 significant figures, thousands separated
    ref = pd.DataFrame({"x": np.linspace(0.1234567, 98765.4321, 1000), "k": 3.14159})
    cur = pd.DataFrame({"x": np.r_[np.linspace(1.0, 90000.0, 999), 123456.789], "k": 3.14159})
    report = quality(ref, cur)
    f = report.finding("out_of_range", "x")
    assert f.message.startswith(
        "0.1% of current values of 'x' (1 of 1,000) lie outside the reference range [0.123, 98,800]: 0 below and "
        "1 above; current spans [1, 123,000]."
    ), f.message
    assert f.details["max"] == pytest.approx(98765.4321)  # the JSON keeps the number itself
    assert "holds the single value 3.14 in both files" in report.finding("constant_column", "k").message


def test_out_of_range_fail_pass_and_configurable_threshold():
    ref = pd.DataFrame({"x": np.linspace(0, 1, 101)})
    cur = pd.DataFrame({"x": np.r_[np.linspace(0, 1, 90), np.full(10, 2.0)]})  # 10% above
    assert quality(ref, cur).finding("out_of_range", "x").status == "fail"
    lenient = QualityConfig(out_of_range_warn=0.05, out_of_range_fail=0.5)
    assert quality(ref, cur, config=lenient).finding("out_of_range", "x").status == "warn"
    assert quality(ref, ref).finding("out_of_range", "x").value == 0.0


def test_out_of_range_on_dates_skips_id_and_timestamp_roles():
    n = 200
    ref = pd.DataFrame(
        {
            "row_id": np.arange(n),
            "event_time": pd.date_range("2024-01-01", periods=n, freq="D"),
            "signup": pd.date_range("2020-01-01", periods=n, freq="D"),
            "amount": np.linspace(1, 10, n),
        }
    )
    cur = ref.copy()
    cur["row_id"] += 10_000
    cur["event_time"] += pd.Timedelta(days=365)
    cur.loc[:9, "signup"] = pd.Timestamp("2030-01-01")  # 5% after the reference range
    roles = ColumnRoles(id="row_id", timestamp="event_time")
    report = quality(ref, cur, roles=roles, kinds={"row_id": "numerical"})
    checked = {f.column for f in report.findings if f.check == "out_of_range"}
    assert checked == {"signup", "amount"}
    f = report.finding("out_of_range", "signup")
    assert f.value == pytest.approx(0.05, abs=TINY) and f.status == "fail"
    assert f.details["max"] == "2020-07-18T00:00:00"
    assert f.examples[0]["signup"] == "2030-01-01T00:00:00"
    assert report.column("event_time").out_of_range_share is None


# -- categories --------------------------------------------------------------------------------


def test_new_category_with_twelve_percent_fails_naming_it():
    ref, cur = _base(), _base(seed=1)
    cur.loc[cur.index[-120:], "color"] = "purple"
    f = quality(ref, cur).finding("new_categories", "color")
    assert f.status == "fail" and f.value == pytest.approx(0.12, abs=TINY)
    assert f.details["new"] == ["purple"] and f.details["counts"] == {"purple": 120}
    assert "'purple' (120 rows, 12%)" in f.message
    assert len(f.examples) == 5 and all(e["color"] == "purple" for e in f.examples)
    assert f.examples[0]["_row"] == 880


def test_vanished_category_share_of_reference_rows():
    ref, cur = _base(), _base(seed=1)
    cur["color"] = cur["color"].replace("blue", "red")
    n_blue = int((ref["color"] == "blue").sum())
    f = quality(ref, cur).finding("vanished_categories", "color")
    assert f.status == "fail" and f.value == pytest.approx(n_blue / 1000, abs=TINY)
    assert f.details["vanished"] == ["blue"] and f.details["examples_from"] == "reference"
    assert all(e["color"] == "blue" for e in f.examples)
    assert "'blue'" in f.message and "filtered" in f.message


def test_high_cardinality_lists_at_most_ten_new_categories():
    rng = np.random.default_rng(4)
    ref = pd.DataFrame({"code": rng.choice([f"c{i}" for i in range(20)], 5000)})
    cur = pd.DataFrame({"code": [f"n{i}" for i in range(5000)]})
    f = quality(ref, cur, kinds={"code": "categorical"}).finding("new_categories", "code")
    assert f.details["n_new"] == 5000 and len(f.details["new"]) == 10 and len(f.details["counts"]) == 10
    assert "and 4,990 more" in f.message and "identifier or free text" in f.message
    assert len(f.examples) == 5


def test_categories_compare_values_not_representations():
    ref = pd.DataFrame(
        {
            "grade": [1, 2, 3] * 100,
            "flag": [True, False] * 150,
            "tier": pd.Categorical(["a", "b", "c"] * 100, categories=["a", "b", "c", "z"]),
        }
    )
    cur = pd.DataFrame(
        {
            "grade": [1.0, 2.0, 3.0, np.nan] * 75,
            "flag": ["yes", "no"] * 150,
            "tier": pd.Categorical(["a", "b", "c"] * 100),
        }
    )
    report = quality(ref, cur, kinds={"grade": "categorical"})
    for col in ("grade", "flag", "tier"):
        assert report.finding("new_categories", col).value == 0.0, col
        assert report.finding("vanished_categories", col).value == 0.0, col


def test_kind_override_makes_a_numeric_code_categorical():
    ref = pd.DataFrame({"code": [10, 20, 30] * 100})
    cur = pd.DataFrame({"code": [10, 20, 40] * 100})
    assert not [f for f in quality(ref, cur).findings if f.check == "new_categories"]
    f = quality(ref, cur, kinds={"code": ColumnKind.CATEGORICAL}).finding("new_categories", "code")
    assert f.details["new"] == ["40"] and f.value == pytest.approx(1 / 3, abs=TINY)


# -- duplicates --------------------------------------------------------------------------------


def test_two_percent_duplicate_rows_ignoring_the_id_column():
    ref, cur = _base(), _base(seed=1)
    cur.iloc[980:1000, 1:] = cur.iloc[0:20, 1:].to_numpy()  # same values, different record_id
    report = quality(ref, cur, roles=ColumnRoles(id="record_id"))
    f = report.finding("duplicate_rows")
    assert f.column is None and f.status == "warn"
    assert f.value == pytest.approx(0.02, abs=TINY) and f.reference_value == 0.0
    assert report.duplicate_share_current == pytest.approx(0.02) and report.duplicate_share_reference == 0.0
    assert [(e["_row"], e["_duplicate_of"]) for e in f.examples] == [(980 + i, i) for i in range(5)]
    assert f.message.startswith("2% of current rows (20 of 1,000)") and "'record_id'" in f.message
    # without the id role the ids differ, so no row is a duplicate
    assert quality(ref, cur).finding("duplicate_rows").value == 0.0


# -- constant columns and infinities -----------------------------------------------------------


def test_constant_column_in_current_warns_and_in_both_passes():
    ref, cur = _base(), _base(seed=1)
    ref["unit"], cur["unit"] = "kg", "kg"
    cur["color"] = "red"
    cur.loc[:5, "color"] = None  # missing values do not count as a second value
    report = quality(ref, cur)
    f = report.finding("constant_column", "color")
    assert f.status == "warn" and f.value == 1.0 and f.reference_value == 0.0
    assert "'red'" in f.message and "varies in reference" in f.message
    both = report.finding("constant_column", "unit")
    assert both.status == "pass" and "both files" in both.message
    assert report.column("color").constant and report.column("unit").constant
    assert (
        quality(ref, cur, config=QualityConfig(constant_status="fail")).finding("constant_column", "color").status
        == "fail"
    )


def test_infinite_values_in_current_and_reference():
    ref, cur = _base(), _base(seed=1)
    ref.loc[0, "x"] = np.inf
    cur.loc[[3, 4], "x"] = [np.inf, -np.inf]
    report = quality(ref, cur)
    f = report.finding("infinite_values", "x")
    assert f.status == "warn" and f.value == pytest.approx(0.002, abs=TINY)
    assert f.reference_value == pytest.approx(0.001, abs=TINY)
    assert f.details["n_positive_current"] == 1 and f.details["n_negative_current"] == 1
    assert {e["x"] for e in f.examples} == {"inf", "-inf"}
    assert report.column("x").n_infinite_current == 2
    # infinities are not counted as out of range: they have their own check
    assert report.finding("out_of_range", "x").details["n_checked"] == 998
    data = _json_roundtrip(report)
    assert data["findings"]


# -- columns in one file, empty data -----------------------------------------------------------


def test_columns_in_one_file_only():
    ref, cur = _base(), _base(seed=1)
    ref["churn"] = 0
    ref["legacy"] = 1.0
    cur = cur.drop(columns="x").assign(extra=1)
    report = quality(ref, cur, roles=ColumnRoles(target="churn"))
    x = report.finding("missing_column", "x")
    assert x.status == "fail" and "missing from current" in x.message
    target = report.finding("missing_column", "churn")
    assert target.status == "warn" and "target" in target.message and "labels" in target.message
    extra = report.finding("missing_column", "extra")
    assert extra.status == "warn" and extra.details["side"] == "current only"
    assert not [f for f in report.findings if f.check != "missing_column" and f.column in ("x", "extra")]
    assert report.column("extra").in_reference is False and report.column("x").in_current is False
    assert report.column("x").missing_current is None
    assert set(CHECKS) >= {f.check for f in report.findings}


@pytest.mark.parametrize("which", ["current", "reference", "both"])
def test_empty_data_gives_one_finding(which):
    ref, cur = _base(), _base(seed=1)
    if which in ("current", "both"):
        cur = cur.iloc[:0]
    if which in ("reference", "both"):
        ref = ref.iloc[:0]
    report = quality(ref, cur)
    assert len(report.findings) == 1
    f = report.findings[0]
    assert f.check == "empty_data" and f.status == "fail" and "no rows" in f.message
    assert report.status == "fail" and len(report.columns) == 4
    assert report.duplicate_share_current is None
    _json_roundtrip(report)


# -- the suite: errors, config, report ---------------------------------------------------------


def test_a_check_that_raises_becomes_an_error_finding_and_the_others_run(monkeypatch):
    def broken(ctx, column):
        raise ValueError("boom")

    monkeypatch.setattr(quality_checks, "check_out_of_range", broken)
    ref, cur = _base(), _base(seed=1)
    cur.loc[:149, "color"] = "purple"
    report = quality(ref, cur)
    errors = [f for f in report.findings if f.check == "error"]
    assert errors and all(f.status == "fail" for f in errors)
    assert {f.details["check"] for f in errors} == {"out_of_range"}
    assert "out of range check" in errors[0].message and "ValueError: boom" in errors[0].message
    assert not [f for f in report.findings if f.check == "out_of_range"]
    assert report.finding("new_categories", "color").status == "fail"  # the others still ran
    assert report.finding("duplicate_rows").status == "pass"
    assert report.column("x").out_of_range_share is None and report.column("x").status == "fail"
    _json_roundtrip(report)


def test_a_table_check_that_raises_is_isolated(monkeypatch):
    monkeypatch.setattr(quality_checks, "check_duplicate_rows", lambda ctx: 1 / 0)
    report = quality(_base(), _base(seed=1))
    err = report.finding("error", None)
    assert "duplicate rows" in err.message and "ZeroDivisionError" in err.message
    assert report.duplicate_share_current is None
    assert report.finding("missing_values", "x").status == "pass"


def test_config_validation_and_round_trip():
    cfg = QualityConfig(duplicate_warn=0.02, max_examples=2)
    assert QualityConfig.from_dict(cfg.to_dict()) == cfg
    assert QualityConfig.from_dict({}) == QualityConfig()
    with pytest.raises(ConfigError, match="'duplicate_warning'"):
        QualityConfig.from_dict({"duplicate_warning": 0.1})
    with pytest.raises(ConfigError, match="out_of_range_warn"):
        QualityConfig(out_of_range_warn=1.5)
    with pytest.raises(ConfigError, match="above 'missing_increase_fail'"):
        QualityConfig(missing_increase_warn=0.3)
    with pytest.raises(ConfigError, match="constant_status"):
        QualityConfig.from_dict({"constant_status": "bad"})
    with pytest.raises(ConfigError, match="max_examples"):
        QualityConfig(max_examples=-1)


def test_thresholds_change_the_status_and_examples_are_capped():
    ref, cur = _base(), _base(seed=1)
    cur.loc[:29, "color"] = "purple"  # 3% new
    assert quality(ref, cur).finding("new_categories", "color").status == "warn"
    strict = QualityConfig(new_category_warn=0.0, new_category_fail=0.02, max_examples=2)
    f = quality(ref, cur, config=strict).finding("new_categories", "color")
    assert f.status == "fail" and len(f.examples) == 2
    off = QualityConfig(new_category_warn=0.5, new_category_fail=0.5, max_examples=0)
    f = quality(ref, cur, config=off).finding("new_categories", "color")
    assert f.status == "pass" and f.examples == ()


def test_examples_are_json_safe():
    n = 100
    ref = pd.DataFrame(
        {
            "x": np.linspace(0, 1, n),
            "when": pd.date_range("2024-01-01", periods=n, freq="D"),
            "note": ["a"] * n,
            "d": pd.to_timedelta(np.arange(n), unit="s"),
        }
    )
    cur = ref.copy()
    cur.loc[:9, "x"] = 5.0
    cur.loc[0, "when"] = pd.NaT
    cur.loc[1, "note"] = None
    report = quality(ref, cur)
    ex = report.finding("out_of_range", "x").examples
    assert len(ex) == 5
    assert ex[0]["when"] is None and ex[1]["note"] is None and ex[2]["when"] == "2024-01-03T00:00:00"
    assert isinstance(ex[0]["d"], str) and ex[0]["_row"] == 0
    text = json.dumps([f.to_dict() for f in report.findings], allow_nan=False)
    assert "NaN" not in text


def test_report_status_issues_and_table():
    ref, cur = _base(), _base(seed=1)
    cur.loc[:149, "color"] = "purple"  # fail
    cur.loc[:29, "x"] = -1.0  # 3% below range: warn
    report = quality(ref, cur)
    assert report.status == "fail"
    assert [f.status for f in report.issues] == ["fail", "warn"]
    assert report.column("color").new_categories == 1 and report.column("color").status == "fail"
    assert report.column("x").out_of_range_share == pytest.approx(0.03)
    assert report.column("record_id").kind is ColumnKind.ID
    data = _json_roundtrip(report)
    assert data["status"] == "fail" and data["counts"]["fail"] == 1 and data["counts"]["warn"] == 1
    assert data["columns"][0]["kind"] == "id" and data["config"]["max_examples"] == 5


def test_bad_inputs_raise_user_facing_errors():
    ref = _base()
    with pytest.raises(DataError, match="current data must be a table"):
        quality(ref, ref.to_numpy())
    with pytest.raises(ConfigError, match="'nope'"):
        quality(ref, ref, kinds={"nope": "numerical"})
    with pytest.raises(ConfigError, match="'label'"):
        quality(ref, ref, roles=ColumnRoles(target="label"))
    dup = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(DataError, match="duplicate column names"):
        quality(ref, dup)


def test_non_string_column_names_are_reported_as_strings():
    ref = pd.DataFrame({0: [1.0, 2.0, 3.0], 1: ["a", "b", "a"]})
    cur = pd.DataFrame({0: [1.0, 2.0, 9.0], 1: ["a", "b", "c"]})
    report = quality(ref, cur)
    assert report.finding("out_of_range", "0").value == pytest.approx(1 / 3)
    assert report.finding("new_categories", "1").details["new"] == ["c"]


# -- properties --------------------------------------------------------------------------------

_frames = st.integers(min_value=1, max_value=60).flatmap(
    lambda n: st.tuples(
        st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)), min_size=n, max_size=n),
        st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c"])), min_size=n, max_size=n),
        st.randoms(use_true_random=False),
    )
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_frames)
def test_identical_data_has_no_comparison_findings_and_row_order_does_not_matter(data):
    nums, cats, rnd = data
    df = pd.DataFrame({"num": pd.Series(nums, dtype=float), "cat": pd.Series(cats, dtype=object)})
    report = quality(df, df.copy())
    comparative = (
        "missing_values",
        "type_mismatch",
        "out_of_range",
        "new_categories",
        "vanished_categories",
        "infinite_values",
        "error",
        "missing_column",
    )
    assert all(f.status == "pass" for f in report.findings if f.check in comparative)
    order = list(range(len(df)))
    rnd.shuffle(order)
    shuffled = quality(df, df.iloc[order])
    values = {(f.check, f.column): f.value for f in report.findings}
    assert {(f.check, f.column): f.value for f in shuffled.findings} == pytest.approx(values)
    json.dumps(report.to_dict(), allow_nan=False)


# -- the credit demo ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def credit():
    from robustness.demo import load_scenario

    s = load_scenario("credit")
    return s, quality(s.reference, s.current, roles=s.roles)


def test_credit_demo_finds_gig_economy(credit):
    s, report = credit
    f = report.finding("new_categories", "employment_type")
    share = float((s.current["employment_type"] == "gig-economy").mean())
    assert 0.10 < share < 0.14
    assert f.status == "fail" and f.details["new"] == ["gig-economy"]
    assert f.value == pytest.approx(share, abs=TINY)
    assert "'gig-economy'" in f.message
    assert report.status == "fail"
    assert [(i.check, i.column) for i in report.issues] == [("new_categories", "employment_type")]


def test_credit_demo_income_range_duplicates_and_roles(credit):
    s, report = credit
    income = report.finding("out_of_range", "income")
    ref_min = s.reference["income"].min()
    cur = s.current["income"].dropna()
    n_below = int((cur < ref_min).sum())
    assert n_below == income.details["n_below"] > 0  # incomes fell: a few lie below the reference minimum
    assert income.details["n_above"] == int((cur > s.reference["income"].max()).sum()) == 0
    assert income.value == pytest.approx(n_below / len(cur), abs=TINY)
    assert income.status == "pass"  # well under the 1% warning threshold
    assert income.examples[0]["income"] == cur.min()  # most extreme first
    dup = report.finding("duplicate_rows")
    assert dup.value == 0.0 and dup.reference_value == 0.0 and dup.status == "pass"
    range_checked = {f.column for f in report.findings if f.check == "out_of_range"}
    assert "application_date" not in range_checked and "application_id" not in range_checked
    category_checked = {f.column for f in report.findings if f.check == "new_categories"}
    assert "default" in category_checked and "application_id" not in category_checked
    text = json.dumps(report.to_dict(), allow_nan=False)
    assert "gig-economy" in text


# -- scale ------------------------------------------------------------------------------------


def test_a_million_rows_run_in_seconds():
    n = 1_000_000
    rng = np.random.default_rng(7)

    def frame(seed_shift: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "row_id": np.arange(n),
                "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**7, n), unit="s"),
                "x": rng.normal(seed_shift, 1, n),
                "y": rng.integers(0, 100, n).astype(float),
                "cat": rng.choice(["a", "b", "c", "d"], n),
                "flag": rng.choice(["yes", "no"], n),
            }
        )

    ref, cur = frame(0.0), frame(0.5)
    cur.loc[: n // 50 - 1, "cat"] = "e"  # 2% new category
    start = time.perf_counter()
    report = quality(ref, cur, roles=ColumnRoles(id="row_id", timestamp="ts"))
    elapsed = time.perf_counter() - start
    assert elapsed < 20, f"took {elapsed:.1f} s"
    assert report.finding("new_categories", "cat").value == pytest.approx(0.02)
    assert report.finding("new_categories", "cat").status == "warn"
    assert not [f for f in report.findings if f.check == "error"]
    assert math.isfinite(report.finding("out_of_range", "x").value)
