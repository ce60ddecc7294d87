"""`robustness drift`: the JSON contract, exit codes, config files and the Evidently export."""

import json

import pandas as pd
import pytest

from robustness.cli import main
from tests.test_cli import run_cli


@pytest.fixture(scope="module")
def credit(tmp_path_factory):
    d = tmp_path_factory.mktemp("credit")
    assert main(["demo", "export", str(d), "--scenario", "credit"]) == 0
    return d


def test_json_contract_and_story(credit, tmp_path):
    out = tmp_path / "drift.json"
    code = main(
        [
            "drift",
            "--reference",
            str(credit / "reference.csv"),
            "--current",
            str(credit / "current.csv"),
            "--json",
            str(out),
        ]
    )
    payload = json.loads(out.read_text())
    assert set(payload) >= {"features", "dataset"}
    keys = {"feature", "kind", "test", "statistic", "p_value", "effect_size", "threshold", "drifted"}
    for f in payload["features"]:
        assert keys <= set(f)
    assert set(payload["dataset"]) >= {"drifted_share", "drifted"}
    by = {f["feature"]: f for f in payload["features"]}
    # role columns are not features
    assert "default" not in by and "application_id" not in by and "application_date" not in by
    assert by["income"]["drifted"] and by["employment_type"]["drifted"]
    assert not by["age"]["drifted"] and not by["region"]["drifted"]
    share = payload["dataset"]["drifted_share"]
    assert share == pytest.approx(sum(f["drifted"] for f in payload["features"]) / len(payload["features"]))
    assert code == (1 if payload["dataset"]["drifted"] else 0)


def test_exit_1_when_the_dataset_drifted(credit, tmp_path):
    config = tmp_path / "drift.toml"
    config.write_text("[drift]\ndrift_share = 0.2\n")
    assert (
        main(
            [
                "drift",
                "--reference",
                str(credit / "reference.csv"),
                "--current",
                str(credit / "current.csv"),
                "--config",
                str(config),
            ]
        )
        == 1
    )


def test_exit_0_for_the_same_distribution(credit, tmp_path):
    ref = pd.read_csv(credit / "reference.csv")
    a, b = ref.iloc[::2], ref.iloc[1::2]
    a.to_csv(tmp_path / "a.csv", index=False)
    b.to_csv(tmp_path / "b.csv", index=False)
    assert main(["drift", "--reference", str(tmp_path / "a.csv"), "--current", str(tmp_path / "b.csv")]) == 0


def test_per_column_override_from_json_config(credit, tmp_path):
    config = tmp_path / "drift.json"
    config.write_text(json.dumps({"overrides": {"age": {"test": "psi", "threshold": 0.2}}}))
    out = tmp_path / "out.json"
    main(
        [
            "drift",
            "--reference",
            str(credit / "reference.csv"),
            "--current",
            str(credit / "current.csv"),
            "--config",
            str(config),
            "--json",
            str(out),
        ]
    )
    age = next(f for f in json.loads(out.read_text())["features"] if f["feature"] == "age")
    assert age["test"] == "psi" and age["threshold"] == 0.2


@pytest.mark.parametrize(
    "content, expected",
    [
        ('{"alpha": 2}', "alpha"),
        ('{"overrides": {"age": {"test": "nonsense"}}}', "nonsense"),
        ("not json at all {", "drift.json"),
    ],
)
def test_bad_config_exits_2(credit, tmp_path, content, expected):
    config = tmp_path / "drift.json"
    config.write_text(content)
    result = run_cli(
        "drift", "--reference", credit / "reference.csv", "--current", credit / "current.csv", "--config", config
    )
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_bad_files_exit_2(credit, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = run_cli("drift", "--reference", credit / "reference.csv", "--current", empty)
    assert result.returncode == 2 and "empty.csv" in result.stderr and "Traceback" not in result.stderr


def test_bad_columns_are_per_column_results(credit, tmp_path):
    """A column in one file only, an all-NaN column, +/-inf: results with reasons, never a crash or NaN."""
    ref = pd.read_csv(credit / "reference.csv")
    cur = pd.read_csv(credit / "current.csv").drop(columns=["region"])
    ref["empty"] = float("nan")
    cur["empty"] = float("nan")
    cur.loc[:10, "loan_amount"] = float("inf")
    ref.to_csv(tmp_path / "r.csv", index=False)
    cur.to_csv(tmp_path / "c.csv", index=False)
    out = tmp_path / "o.json"
    code = main(
        ["drift", "--reference", str(tmp_path / "r.csv"), "--current", str(tmp_path / "c.csv"), "--json", str(out)]
    )
    assert code in (0, 1)
    text = out.read_text()
    assert "NaN" not in text and "Infinity" not in text
    by = {f["feature"]: f for f in json.loads(text)["features"]}
    assert by["region"]["status"] == "skipped" and "current" in by["region"]["message"]
    assert by["empty"]["status"] == "skipped"
    assert by["loan_amount"]["status"] == "ok" and "inf" in by["loan_amount"]["message"].lower()


def test_evidently_export(credit, tmp_path):
    html, js = tmp_path / "ev.html", tmp_path / "ev.json"
    result = run_cli(
        "drift",
        "--reference",
        credit / "reference.csv",
        "--current",
        credit / "current.csv",
        "--evidently-html",
        html,
        "--evidently-json",
        js,
    )
    assert result.returncode in (0, 1), result.stderr
    assert html.read_text().lstrip().lower().startswith("<!doctype html") or "<html" in html.read_text()[:2000]
    metrics = json.loads(js.read_text())["metrics"]
    names = " ".join(m["metric_name"] for m in metrics)
    assert "column=income,method=ks" in names and "column=employment_type,method=chisquare" in names
