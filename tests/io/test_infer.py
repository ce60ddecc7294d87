"""Kind inference, role guessing and validation, column comparison, data issues, coercion."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from robustness.errors import ConfigError, DataError
from robustness.io.infer import (
    ColumnComparison,
    DataIssue,
    coerce_types,
    compare_columns,
    data_issues,
    guess_roles,
    infer_kind,
    infer_schema,
    validate_roles,
)
from robustness.schema import ColumnKind, ColumnRoles

K = ColumnKind


def _typical(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": np.arange(1000, 1000 + n),
            "age": rng.integers(18, 90, n),
            "income": rng.normal(50_000, 12_000, n),
            "city": rng.choice(["Zürich", "Bern", "Basel", "Genève"], n),
            "signup_date": pd.date_range("2023-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "member": rng.choice(["yes", "no"], n),
            "churn": rng.integers(0, 2, n),
            "prediction": rng.integers(0, 2, n),
            "proba_0": rng.random(n),
            "proba_1": rng.random(n),
        }
    )


# -- kinds ---------------------------------------------------------------------------------------


def test_numerical():
    rng = np.random.default_rng(1)
    assert infer_kind(pd.Series(rng.normal(size=500), name="x")) is K.NUMERICAL
    assert infer_kind(pd.Series(rng.integers(0, 100, 500), name="count")) is K.NUMERICAL


@pytest.mark.parametrize(
    "values",
    [
        np.arange(1990, 2024),  # years
        np.arange(20200101, 20200131),  # yyyymmdd integers
        np.arange(1_600_000_000, 1_600_000_030),  # epoch seconds
    ],
)
def test_integers_do_not_become_datetimes(values):
    assert infer_kind(pd.Series(values, name="when")) is K.NUMERICAL
    assert infer_kind(pd.Series(values.astype(str), name="when")) is not K.DATETIME


@pytest.mark.parametrize(
    "values",
    [
        pd.date_range("2020-01-01", periods=50, freq="D").strftime("%Y-%m-%d"),
        pd.date_range("2020-01-01", periods=50, freq="h").strftime("%Y-%m-%dT%H:%M:%SZ"),
        pd.date_range("2020-01-01", periods=50, freq="D").strftime("%d.%m.%Y"),
        pd.date_range("2020-01-01", periods=50, freq="D").strftime("%m/%d/%Y"),
        pd.date_range("2020-01-01", periods=50, freq="D").strftime("%d %B %Y"),
    ],
)
def test_datetime_strings(values):
    assert infer_kind(pd.Series(values, name="d")) is K.DATETIME


def test_datetime_dtype_and_few_bad_strings():
    assert infer_kind(pd.Series(pd.date_range("2020", periods=5))) is K.DATETIME
    values = list(pd.date_range("2020-01-01", periods=99).strftime("%Y-%m-%d")) + ["not a date"]
    assert infer_kind(pd.Series(values)) is K.DATETIME  # 99% parse
    values = values[:80] + ["unknown"] * 20
    assert infer_kind(pd.Series(values)) is not K.DATETIME


def test_version_and_float_strings_are_not_dates():
    assert infer_kind(pd.Series(["1.2.3", "1.2.4", "2.0.1"] * 10)) is K.CATEGORICAL
    assert infer_kind(pd.Series(["1234.5", "2020.1", "n/a"] * 10)) is K.CATEGORICAL


@pytest.mark.parametrize(
    "values",
    [
        [True, False, True],
        [0, 1, 1, 0],
        [0.0, 1.0, np.nan],
        ["yes", "no", "Yes", None],
        ["TRUE", "false", "true"],
        ["Y", "N", "y"],
        ["t", "f"],
    ],
)
def test_boolean(values):
    assert infer_kind(pd.Series(values, name="flag")) is K.BOOLEAN


def test_two_values_that_are_not_boolean_pairs():
    assert infer_kind(pd.Series([0, 2, 2, 0])) is K.NUMERICAL
    assert infer_kind(pd.Series(["red", "blue", "red"])) is K.CATEGORICAL


def test_id_detection():
    n = 200
    assert infer_kind(pd.Series(np.arange(n), name="id")) is K.ID
    assert infer_kind(pd.Series(np.arange(n), name="customer_id")) is K.ID
    assert infer_kind(pd.Series(np.arange(n), name="userID")) is K.ID
    assert infer_kind(pd.Series(np.arange(n), name="account_key")) is K.ID
    assert infer_kind(pd.Series(np.arange(n) % 50, name="customer_id")) is K.NUMERICAL  # not unique
    assert infer_kind(pd.Series(np.arange(n), name="valid")) is K.NUMERICAL  # ends in "id", not an id
    assert infer_kind(pd.Series(np.arange(n), name="rank")) is K.NUMERICAL  # unique ints, not id-named
    codes = pd.Series([f"TX-{i:06d}" for i in range(n)], name="reference")
    assert infer_kind(codes) is K.ID
    assert infer_kind(pd.Series(["a", "b", "c"], name="uuid")) is K.ID


def test_text():
    rng = np.random.default_rng(2)
    words = ["the", "product", "arrived", "late", "great", "quality", "would", "buy", "again", "broken"]
    reviews = pd.Series([" ".join(rng.choice(words, 7)) for _ in range(300)], name="review")
    assert infer_kind(reviews) is K.TEXT
    long = pd.Series([f"{'lorem ipsum ' * 5} number {i}" for i in range(50)], name="note")
    assert infer_kind(long) is K.TEXT


def test_categorical():
    rng = np.random.default_rng(3)
    assert infer_kind(pd.Series(rng.choice(["New York", "San Francisco", "Los Angeles"], 300))) is K.CATEGORICAL
    assert infer_kind(pd.Series(pd.Categorical(rng.choice(["a", "b", "c"], 300)))) is K.CATEGORICAL
    assert infer_kind(pd.Series(["Zürich", "Bern", "Basel"], name="city")) is K.CATEGORICAL  # too few for an id


def test_all_missing_and_constant_columns_are_noted():
    df = pd.DataFrame(
        {
            "empty_f": [np.nan] * 4,
            "empty_o": pd.Series([None] * 4, dtype=object),
            "const": ["a", "a", None, "a"],
            "x": [1.0, 2.0, 3.0, 4.0],
        }
    )
    schema = infer_schema(df)
    assert schema["empty_f"].kind is K.NUMERICAL and schema["empty_f"].note == "all values missing"
    assert schema["empty_o"].kind is K.CATEGORICAL and schema["empty_o"].note == "all values missing"
    assert schema["const"].note == "constant" and schema["const"].n_unique == 1
    assert schema["const"].missing_share == pytest.approx(0.25)
    assert schema["x"].note == "" and schema["x"].dtype == "float64" and schema["x"].n_unique == 4


def test_infer_schema_overrides():
    df = _typical(50)
    schema = infer_schema(df, overrides={"age": "categorical", "churn": K.NUMERICAL})
    assert schema["age"].kind is K.CATEGORICAL and schema["churn"].kind is K.NUMERICAL
    with pytest.raises(ConfigError, match="'nope'.*Available columns: customer_id, age"):
        infer_schema(df, overrides={"nope": "numerical"})
    with pytest.raises(ConfigError, match="'float' is not a column kind.*numerical, categorical"):
        infer_schema(df, overrides={"age": "float"})


def test_infer_schema_rejects_duplicate_columns():
    df = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(DataError, match="duplicate column names: 'a'"):
        infer_schema(df)


def test_inference_is_fast_on_a_million_rows():
    rng = np.random.default_rng(4)
    n = 1_000_000
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "cat": rng.choice(["alpha", "beta", "gamma"], n),
            "when": pd.date_range("2000-01-01", periods=n, freq="min").astype(str),
        }
    )
    start = time.perf_counter()
    kinds = infer_schema(df).kinds()
    assert time.perf_counter() - start < 15
    assert kinds == {"x": K.NUMERICAL, "cat": K.CATEGORICAL, "when": K.DATETIME}


# -- roles ---------------------------------------------------------------------------------------


def test_guess_roles_on_a_typical_frame():
    roles = guess_roles(_typical())
    assert roles.target == "churn"
    assert roles.prediction == "prediction"
    assert roles.probabilities == {"0": "proba_0", "1": "proba_1"}
    assert roles.timestamp == "signup_date"
    assert roles.id == "customer_id"
    assert len(roles.role_columns()) == 6  # no column has two roles


def test_guess_roles_prefers_exact_target_names_and_avoids_ambiguity():
    df = _typical(50).rename(columns={"prediction": "y_pred"})
    df["label"] = df["churn"]
    roles = guess_roles(df)
    assert roles.target == "label" and roles.prediction == "y_pred"
    ambiguous = _typical(50).assign(price=1.0)  # churn and price: two weak candidates
    assert guess_roles(ambiguous).target is None


def test_guess_roles_on_plain_features():
    roles = guess_roles(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "z"]}))
    assert roles == ColumnRoles()


def test_guess_roles_probability_patterns_need_probabilities():
    df = pd.DataFrame(
        {"p_cat": [0.1, 0.9], "dog_proba": [0.9, 0.1], "probability_fish": [0.2, 0.3], "p_value": [3.0, 4.0]}
    )
    assert guess_roles(df).probabilities == {"cat": "p_cat", "dog": "dog_proba", "fish": "probability_fish"}


def test_validate_roles_accepts_valid_roles():
    df = _typical(20)
    validate_roles(df, guess_roles(df), name="reference.csv")


def test_validate_roles_missing_target():
    df = _typical(20)
    with pytest.raises(ConfigError) as info:
        validate_roles(df, ColumnRoles(target="default"), name="current.csv")
    msg = str(info.value)
    assert "In current.csv, the target column 'default' is not among the columns" in msg
    assert "Available columns: customer_id, age, income" in msg
    assert '"none"' in msg


def test_validate_roles_truncates_long_column_lists():
    df = pd.DataFrame({f"f{i}": [1, 2] for i in range(40)})
    with pytest.raises(ConfigError) as info:
        validate_roles(df, ColumnRoles(target="y", probabilities={"1": "proba_1"}), name="ref.csv")
    msg = str(info.value)
    assert "target column 'y'" in msg and "probability of class '1' column 'proba_1'" in msg
    assert "f14, ... (25 more)" in msg and "f39" not in msg


def test_validate_roles_same_column_twice():
    df = _typical(20)
    with pytest.raises(ConfigError, match=r"'churn' \(target and prediction\)"):
        validate_roles(df, ColumnRoles(target="churn", prediction="churn"), name="current.csv")


# -- comparison ----------------------------------------------------------------------------------


def test_compare_identical_columns():
    df = _typical(50)
    comparison = compare_columns(df, df.sample(frac=1, random_state=0))
    assert comparison.same_columns and comparison.message() == ""
    assert comparison == ColumnComparison((), (), (), "reference", "current")


def test_compare_different_columns_lists_both_sides():
    ref = _typical(50)
    cur = ref.drop(columns=["age", "city"]).assign(region=["north"] * 50)
    comparison = compare_columns(ref, cur, reference_name="reference.csv", current_name="current.csv")
    assert comparison.only_in_reference == ("age", "city")
    assert comparison.only_in_current == ("region",)
    assert not comparison.same_columns
    msg = comparison.message()
    assert "2 columns of reference.csv are missing from current.csv: age, city." in msg
    assert "current.csv has 1 column that reference.csv does not have: region." in msg


def test_compare_kind_mismatch():
    rng = np.random.default_rng(5)
    ref = pd.DataFrame({"x": rng.normal(size=100), "c": ["a"] * 100})
    cur = pd.DataFrame({"x": np.where(rng.random(100) < 0.5, "n/a", "1.5"), "c": ["a", "b"] * 50})
    comparison = compare_columns(ref, cur)
    assert comparison.same_columns
    assert comparison.kind_mismatches == (("x", "numerical", "categorical"),)  # constant 'c' is not compared
    assert "'x' is numerical in reference but categorical in current" in comparison.message()


# -- issues --------------------------------------------------------------------------------------


def _issue(issues: list[DataIssue], column: str | None) -> DataIssue:
    found = [i for i in issues if i.column == column]
    assert len(found) == 1, issues
    return found[0]


def test_data_issues():
    n = 100
    rng = np.random.default_rng(6)
    df = pd.DataFrame(
        {
            "ok": rng.normal(size=n),
            "empty": np.nan,
            "const": 7,
            "infs": np.r_[rng.normal(size=n - 3), [np.inf, -np.inf, np.inf]],
            "sparse": np.where(rng.random(n) < 0.8, np.nan, 1.0),
            "numtext": np.where(np.arange(n) < 5, "?", rng.integers(0, 9, n).astype(str)),
        }
    )
    issues = data_issues(df, infer_schema(df), name="current.csv")
    assert all(i.severity in ("warning", "info") for i in issues)
    assert [i.column for i in issues if i.column == "ok"] == []
    assert _issue(issues, "empty").message.startswith("Column 'empty' in current.csv has no values (all missing)")
    const = _issue(issues, "const")
    assert const.severity == "info" and "same value (7)" in const.message
    assert "3 infinite values" in _issue(issues, "infs").message
    sparse = [i for i in issues if i.column == "sparse"]
    assert any("% missing" in i.message for i in sparse)
    assert "'?'" in _issue(issues, "numtext").message
    assert all(i.column is not None for i in issues)  # 100 rows: no small-data warning


def test_data_issues_count_in_the_given_frame_not_the_schema():
    ref = pd.DataFrame({"a": ["x"] * 40, "b": np.arange(40.0)})
    cur = pd.DataFrame({"a": ["x", "y"] * 20, "b": [np.nan] * 40})
    issues = data_issues(cur, infer_schema(ref), name="current.csv")
    assert [i.column for i in issues] == ["b"]
    assert "Column 'b' in current.csv has no values" in issues[0].message


def test_data_issues_small_and_one_row_data():
    df = pd.DataFrame({"x": [1.0]})
    issue = _issue(data_issues(df, infer_schema(df), name="current.csv"), None)
    assert issue.severity == "warning"
    assert "current.csv has only 1 row" in issue.message and "little power" in issue.message
    df = pd.DataFrame({"x": np.arange(10.0)})
    assert "only 10 rows" in _issue(data_issues(df, infer_schema(df), name="ref.csv"), None).message


# -- coercion ------------------------------------------------------------------------------------


def test_coerce_types():
    df = pd.DataFrame(
        {
            "d": ["2024-01-05", "2024-02-05", None],
            "eu": ["05.01.2024", "13.02.2024", "01.03.2024"],
            "tz": ["2024-01-05T10:00:00+01:00", "2024-01-05T10:00:00+02:00", "2024-01-06T00:00:00Z"],
            "b": ["yes", "no", None],
            "i": [0, 1, 1],
            "x": [1.5, np.inf, np.nan],
            "c": pd.Categorical(["a", "b", "a"]),
            "num": ["1.5", "n/a", "3"],
            "s": pd.array(["a", "b", "a"], dtype="string"),
        }
    )
    schema = infer_schema(df, overrides={"num": "numerical", "tz": "datetime"})
    out = coerce_types(df, schema)
    assert out is not df and df["d"].dtype == object  # the input is untouched
    assert str(out["d"].dtype) == "datetime64[ns]" and out["d"].isna().tolist() == [False, False, True]
    assert out["eu"].dt.month.tolist() == [1, 2, 3]
    assert pd.api.types.is_datetime64_any_dtype(out["tz"]) and out["tz"].notna().all()
    assert str(out["b"].dtype) == "boolean" and out["b"].tolist()[:2] == [True, False] and out["b"].isna()[2]
    assert str(out["i"].dtype) == "boolean"
    assert out["x"].dtype == np.float64 and np.isinf(out["x"][1])
    assert out["c"].dtype == object
    assert out["num"].tolist()[0] == 1.5 and np.isnan(out["num"][1])
    assert str(out["s"].dtype) == "string" and out["s"].tolist() == ["a", "b", "a"]  # categorical: untouched


def test_coerce_epoch_numbers_overridden_as_datetime():
    df = pd.DataFrame({"t": [1_700_000_000, 1_700_000_060], "ms": [1_700_000_000_000, 1_700_000_060_000]})
    out = coerce_types(df, infer_schema(df, overrides={"t": "datetime", "ms": "datetime"}))
    assert out["t"].tolist() == out["ms"].tolist()
    assert out["t"][0] == pd.Timestamp("2023-11-14 22:13:20")


# -- properties ----------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=60), st.sampled_from(["x", "id", "when", "date"]))
def test_integers_never_become_datetimes(values, name):
    series = pd.Series(values, name=name)
    assert infer_kind(series) in (K.NUMERICAL, K.BOOLEAN, K.ID)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(allow_nan=True), st.text(max_size=10), st.integers()), max_size=40))
def test_schema_facts_are_consistent_and_deterministic(values):
    df = pd.DataFrame({"v": pd.Series(values, dtype=object)})
    first, second = infer_schema(df), infer_schema(df.copy())
    assert first == second
    info = first["v"]
    assert 0.0 <= info.missing_share <= 1.0
    assert info.n_unique <= max(len(values), 0)
    assert (info.note == "all values missing") == (df["v"].notna().sum() == 0)
