"""Data quality on Parquet datasets through Dask gives the in-memory report on the same rows: the
same findings (check, column, status, value, message, details), examples and per-column table;
duplicates are counted across files; example rows and category counts stay bounded."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from robustness.demo import _credit_frame
from robustness.errors import ConfigError, DataError
from robustness.quality import QualityConfig, quality
from robustness.quality._partials import Plan, merge_parts, reference_part
from robustness.quality.dask_quality import quality_parquet
from robustness.schema import ColumnKind, ColumnRoles

ROLES = ColumnRoles(target="default", id="application_id", timestamp="application_date")


def _write(frame: pd.DataFrame, folder, files: int) -> None:
    folder.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(frame)), files)):
        frame.iloc[part].to_parquet(folder / f"part-{i:03d}.parquet", index=False)


def _read(folder) -> pd.DataFrame:
    """The files read one by one (as the in-memory loader does) and concatenated in order."""
    return pd.concat([pd.read_parquet(f) for f in sorted(folder.glob("*.parquet"))], ignore_index=True)


def _same_report(got, expected) -> None:
    """Finding by finding (check, column, status, value first, for a readable failure), then all of it."""
    assert [(f.check, f.column) for f in got.findings] == [(f.check, f.column) for f in expected.findings]
    for g, e in zip(got.findings, expected.findings):
        assert (g.status, g.value, g.reference_value) == (e.status, e.value, e.reference_value), (e.check, e.column)
        assert g.message == e.message and g.details == e.details, (e.check, e.column)
        assert g.examples == e.examples, (e.check, e.column)
    assert got.to_dict() == expected.to_dict()


@pytest.fixture(scope="module")
def credit(tmp_path_factory):
    """Credit data with known problems in current, split over several files."""
    root = tmp_path_factory.mktemp("quality")
    ref = _credit_frame(np.random.default_rng(1), 3000, current=False)
    cur = _credit_frame(np.random.default_rng(2), 2400, current=True)  # current adds "gig-economy"
    ref["legacy_score"] = np.where(np.arange(3000) % 7 == 0, np.nan, 1.0)  # reference only
    ref["branch"] = [f"{i % 40:04d}" for i in range(3000)]  # codes as text in reference ...
    cur["branch"] = np.arange(2400) % 40  # ... as numbers in current
    ref.loc[[11, 2500], "debt_to_income"] = np.inf
    cur["channel"] = np.where(np.arange(2400) % 3 == 0, None, "web")  # current only
    cur.loc[cur.sample(frac=0.2, random_state=0).index, "loan_amount"] = np.nan
    cur.loc[[5, 900, 2000], "age"] = [150, 171, -3]  # out of range, distinct distances
    cur["region"] = cur["region"].replace("West", "North")  # a vanished category
    cur["loan_term_months"] = 36  # constant in current only
    cur.loc[[7, 1500, 1, 1200], "debt_to_income"] = [np.inf, -np.inf, np.inf, np.inf]
    cur["num_open_accounts"] = cur["num_open_accounts"].astype(str)
    cur.loc[[3, 4, 800], "num_open_accounts"] = ["unknown", "n/a", "unknown"]  # not numbers
    cur.loc[[30, 1790], "has_cosigner"] = "maybe"
    cur.iloc[1700:1712] = cur.iloc[10:22].to_numpy()  # rows of the first file repeated in the last
    cur.iloc[1000] = cur.iloc[1701].to_numpy()  # a third copy, in the middle file
    _write(ref, root / "ref", 4)
    _write(cur, root / "cur", 3)
    return root, _read(root / "ref"), _read(root / "cur")


def test_dask_report_equals_the_in_memory_report(credit, client):
    root, ref, cur = credit
    got = quality_parquet(str(root / "ref"), str(root / "cur"), client=client, roles=ROLES)
    expected = quality(ref, cur, roles=ROLES)
    _same_report(got, expected)
    assert not [f for f in got.findings if f.check == "error"]
    flagged = {(f.check, f.column) for f in got.issues}
    assert flagged >= {
        ("missing_values", "loan_amount"),
        ("new_categories", "employment_type"),
        ("vanished_categories", "region"),
        ("constant_column", "loan_term_months"),
        ("infinite_values", "debt_to_income"),
        ("type_mismatch", "num_open_accounts"),
        ("missing_column", "legacy_score"),
        ("missing_column", "channel"),
    }
    age = got.finding("out_of_range", "age")
    assert (age.details["n_below"], age.details["n_above"]) == (1, 2)
    assert [e["age"] for e in age.examples] == [171, 150, -3]  # furthest first

    # duplicates across files, counted independently of both engines
    compared = cur.drop(columns=ROLES.id)
    dup = got.finding("duplicate_rows")
    assert dup.details["n_duplicates_current"] == compared.duplicated().sum() == 13
    assert dup.value == pytest.approx(13 / len(cur))
    for e in dup.examples:
        assert compared.iloc[e["_row"]].equals(compared.iloc[e["_duplicate_of"]]) and e["_duplicate_of"] < e["_row"]
    assert all(len(f.examples) <= got.config.max_examples for f in got.findings)


def test_inferred_roles_other_thresholds_and_fewer_examples(credit, client):
    root, ref, cur = credit
    config = QualityConfig(max_examples=2, out_of_range_warn=0.0, duplicate_warn=0.0, duplicate_fail=0.001)
    kinds = {"branch": "categorical"}
    got = quality_parquet(str(root / "ref"), str(root / "cur"), client=client, config=config, kinds=kinds)
    _same_report(got, quality(ref, cur, config=config, kinds=kinds))
    assert got.finding("duplicate_rows").status == "fail"
    assert got.finding("out_of_range", "application_date").status == "fail"  # dates, without the timestamp role
    assert max(len(f.examples) for f in got.findings) == 2


def test_categories_beyond_the_cap_stay_bounded(tmp_path, client):
    rng = np.random.default_rng(3)
    ref = pd.DataFrame(
        {
            "city": [f"c{i}" for i in rng.integers(0, 400, 1200)],  # ~400 distinct: over the cap
            "code": [f"k{i}" for i in rng.integers(0, 20, 1200)],
            "x": rng.normal(size=1200),
        }
    )
    cur = pd.DataFrame(
        {
            "city": [f"c{i}" for i in rng.integers(200, 600, 900)],
            "code": [f"k{i}" for i in rng.integers(0, 20, 800)] + [f"new{i}" for i in range(100)],
            "x": rng.normal(size=900),
        }
    )
    _write(ref, tmp_path / "ref", 3)
    _write(cur, tmp_path / "cur", 2)
    kinds = {"city": ColumnKind.CATEGORICAL, "code": ColumnKind.CATEGORICAL}
    got = quality_parquet(str(tmp_path / "ref"), str(tmp_path / "cur"), client=client, kinds=kinds, max_categories=50)
    expected = quality(_read(tmp_path / "ref"), _read(tmp_path / "cur"), kinds=kinds)
    for check in ("new_categories", "vanished_categories"):  # reference over the cap: not checked, says why
        f = got.finding(check, "city")
        assert f.status == "pass" and "more than 50 distinct values" in f.message and f.details["skipped"]
        assert expected.finding(check, "city").status == "fail"
    new = got.finding("new_categories", "code")  # only current over the cap: share and status still exact
    assert (new.status, new.value) == (
        expected.finding("new_categories", "code").status,
        expected.finding("new_categories", "code").value,
    )
    assert new.details["n_rows"] == 100 and new.details["capped"] and new.details["n_new"] <= 50
    assert got.column("city").new_categories is None and got.column("code").new_categories == new.details["n_new"]
    others = [(f.check, f.column) for f in expected.findings if f.column != "city" and f.check != "new_categories"]
    for check, column in others:
        g, e = got.finding(check, column), expected.finding(check, column)
        assert (g.status, g.value, g.message) == (e.status, e.value, e.message)


def test_empty_current_gives_the_in_memory_message(tmp_path, client):
    ref = _credit_frame(np.random.default_rng(4), 500, current=False)
    _write(ref, tmp_path / "ref", 2)
    _write(ref.iloc[:0], tmp_path / "cur", 1)
    got = quality_parquet(str(tmp_path / "ref"), str(tmp_path / "cur"), client=client)
    expected = quality(_read(tmp_path / "ref"), _read(tmp_path / "cur"))
    assert got.to_dict() == expected.to_dict()
    assert [f.check for f in got.findings] == ["empty_data"] and "Current has no rows" in got.findings[0].message


def test_bad_inputs_are_specific(tmp_path):
    (tmp_path / "nothing").mkdir()
    with pytest.raises(DataError, match="holds no Parquet files"):
        quality_parquet(str(tmp_path / "nothing"), str(tmp_path / "nothing"))
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "a.parquet")
    with pytest.raises(ConfigError, match="QualityConfig"):
        quality_parquet(str(tmp_path / "a.parquet"), str(tmp_path / "a.parquet"), config={"duplicate_warn": 0.1})


def test_partition_summaries_merge_in_any_order():
    frame = _credit_frame(np.random.default_rng(5), 600, current=True)
    frame.loc[[3, 400], "age"] = np.nan
    plan = Plan(
        {c: ColumnKind.CATEGORICAL if frame[c].dtype == object else ColumnKind.NUMERICAL for c in frame},
        ColumnRoles(),
        QualityConfig(),
        frozenset(frame.columns),
        cap=3,
    )
    bounds = [0, 50, 51, 230, 400, 600]
    parts = [reference_part(frame.iloc[a:b], i, plan) for i, (a, b) in enumerate(zip(bounds, bounds[1:]))]
    whole = reference_part(frame, 0, plan)
    for seed in range(3):
        random.Random(seed).shuffle(parts)
        merged = parts[0]
        for p in parts[1:]:
            merged = merge_parts(p, merged) if seed % 2 else merge_parts(merged, p)
        for col in frame.columns:
            m, w = merged[col], whole[col]
            assert (m["n_missing"], m["vtype"], m.get("lo"), m.get("hi")) == (
                w["n_missing"],
                w["vtype"],
                w.get("lo"),
                w.get("hi"),
            )
            assert m["const"].state == w["const"].state and m["const"].values.iloc[0] == w["const"].values.iloc[0]
        cats = merged["region"]["categories"]  # 4 regions, cap 3: one dropped, its rows counted in "other"
        assert cats.capped and len(cats.table) == 3 and cats.table["count"].sum() + cats.other == 600
        full = frame["region"].value_counts()
        assert (cats.table["count"] <= full[cats.table.index]).all()  # kept counts are lower bounds
