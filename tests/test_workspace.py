"""Workspace assembly: roles, the model's columns, date parsing, and the errors users see."""

import pandas as pd
import pytest

from robustness.demo import export_scenario, load_scenario, scenario_workspace
from robustness.errors import ConfigError, DataError, ModelError
from robustness.io.data import read_table
from robustness.models import load_model
from robustness.schema import ColumnKind, ColumnRoles
from robustness.workspace import build_workspace, guess_roles_with_model, table_from_frame


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("credit")
    export_scenario("credit", d)
    return d


@pytest.fixture(scope="module")
def loaded(files):
    return load_model(files / "model.skops"), read_table(files / "reference.csv"), read_table(files / "current.csv")


def test_uploaded_files_give_a_workspace_like_the_demo(loaded):
    model, ref, cur = loaded
    roles = guess_roles_with_model(ref.frame, model)
    assert roles.target == "default" and roles.timestamp == "application_date" and roles.id == "application_id"
    ws = build_workspace(ref, cur, roles, model=model, model_sha256="x")
    assert pd.api.types.is_datetime64_any_dtype(ws.reference.frame["application_date"])
    assert pd.api.types.is_datetime64_any_dtype(ws.current.frame["application_date"])
    assert ws.feature_columns() == list(load_scenario("credit").features)
    assert ws.has_model and ws.has_target and ws.target_in_current
    assert ws.schema["employment_type"].kind is ColumnKind.CATEGORICAL
    demo = scenario_workspace("credit")
    assert demo.feature_columns() == ws.feature_columns()


def test_target_missing_in_current_is_a_note(loaded):
    model, ref, cur = loaded
    unlabelled = table_from_frame(cur.frame.drop(columns=["default"]), "unlabelled.csv")
    ws = build_workspace(ref, unlabelled, ColumnRoles(target="default"), model=model)
    assert not ws.target_in_current
    assert any("estimated without labels" in n for n in ws.notes)


def test_declared_target_missing_from_reference(loaded):
    model, ref, cur = loaded
    with pytest.raises(ConfigError, match="nope"):
        build_workspace(ref, cur, ColumnRoles(target="nope"), model=model)


def test_current_lacks_model_columns(loaded):
    model, ref, cur = loaded
    cut = table_from_frame(cur.frame.drop(columns=["income", "age"]), "cut.csv")
    with pytest.raises(DataError) as err:
        build_workspace(ref, cut, ColumnRoles(target="default"), model=model)
    msg = str(err.value)
    assert "cut.csv" in msg and "'income'" in msg and "'age'" in msg


def test_different_columns_without_model(loaded):
    _, ref, cur = loaded
    cut = table_from_frame(cur.frame.drop(columns=["region"]), "cut.csv")
    with pytest.raises(DataError, match="region"):
        build_workspace(ref, cut, ColumnRoles(target="default"))


def test_model_that_raises_on_the_data(loaded):
    model, ref, cur = loaded
    broken = cur.frame.copy()
    broken["age"] = "forty"  # the imputer cannot take strings in a numeric column
    with pytest.raises(ModelError, match="raised"):
        build_workspace(ref, table_from_frame(broken, "broken.csv"), ColumnRoles(target="default"), model=model)


def test_key_tracks_kinds_and_roles(loaded):
    model, ref, cur = loaded
    a = build_workspace(ref, cur, ColumnRoles(target="default"), model=model, check_model=False)
    b = build_workspace(
        ref,
        cur,
        ColumnRoles(target="default"),
        model=model,
        check_model=False,
        kinds={"num_open_accounts": "categorical"},
    )
    c = build_workspace(ref, cur, ColumnRoles(target="default", id="application_id"), model=model, check_model=False)
    assert len({a.key(), b.key(), c.key()}) == 3
    assert b.schema["num_open_accounts"].kind is ColumnKind.CATEGORICAL
