"""`robustness stress`: JSON contract, exit codes, reproducibility, bad input."""

import json

import pytest

from robustness.cli import main
from tests.test_cli import run_cli


@pytest.fixture(scope="module")
def demos(tmp_path_factory):
    out = {}
    for name in ("credit", "energy"):
        d = tmp_path_factory.mktemp(name)
        assert main(["demo", "export", str(d), "--scenario", name]) == 0
        out[name] = d
    return out


def _run(d, tmp_path, *extra):
    out = tmp_path / "stress.json"
    code = main(
        [
            "stress",
            "--model",
            str(d / "model.skops"),
            "--data",
            str(d / "current.csv"),
            "--json",
            str(out),
            *map(str, extra),
        ]
    )
    return code, json.loads(out.read_text())


def test_credit_contract_and_story(demos, tmp_path):
    code, payload = _run(demos["credit"], tmp_path)
    assert payload["verdict"] in ("pass", "warn", "fail")
    assert code == (1 if payload["verdict"] == "fail" else 0)
    for r in payload["results"]:
        assert {"perturbation", "severity", "columns", "flip_rate", "metrics", "errors"} <= set(r)
    zero = [r for r in payload["results"] if r["severity"] == 0]
    assert zero and all(r["flip_rate"] == 0 for r in zero)  # the default suite includes severity 0
    sens = {f["feature"]: f["sensitivity"] for f in payload["feature_sensitivity"]}
    assert "income" in sens and "region" in sens
    top3 = [f["feature"] for f in payload["feature_sensitivity"][:3]]
    assert "income" in top3
    # a unit error flips far more predictions than noise at the same severity
    by = {(r["perturbation"], r["severity"]): r for r in payload["results"]}
    assert by[("unit_x1000", 0.25)]["flip_rate"] > 2 * by[("gaussian_noise", 0.25)]["flip_rate"]
    # labels in the exported current data: metrics and their drops
    assert "accuracy" in by[("unit_x1000", 0.25)]["metrics"]


def test_regression_uses_mean_abs_change(demos, tmp_path):
    config = tmp_path / "stress.toml"
    config.write_text('[stress]\nperturbations = ["gaussian_noise", "unit_x10"]\nmax_rows = 500\n')
    code, payload = _run(demos["energy"], tmp_path, "--config", config)
    assert code in (0, 1)
    for r in payload["results"]:
        assert "mean_abs_change" in r and r.get("flip_rate") is None
        assert {"rmse", "mae"} <= set(r["metrics"])


def test_seed_reproducible(demos, tmp_path):
    config = tmp_path / "s.json"
    config.write_text(json.dumps({"perturbations": ["gaussian_noise", "category_swap"], "max_rows": 400}))
    _, a = _run(demos["credit"], tmp_path, "--config", config, "--seed", 7)
    _, b = _run(demos["credit"], tmp_path, "--config", config, "--seed", 7)
    assert a["results"] == b["results"] and a["seed"] == 7


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--target", "nope"], "nope"),
        (["--config", "CONFIG"], "severities"),
    ],
)
def test_bad_input_exits_2(demos, tmp_path, args, needle):
    config = tmp_path / "bad.json"
    config.write_text(json.dumps({"severities": [2.0]}))
    args = [str(config) if a == "CONFIG" else a for a in args]
    d = demos["credit"]
    result = run_cli("stress", "--model", d / "model.skops", "--data", d / "current.csv", *args)
    assert result.returncode == 2, result.stderr
    assert needle in result.stderr and "Traceback" not in result.stderr


def test_data_missing_model_columns_exits_2(demos, tmp_path):
    import pandas as pd

    d = demos["credit"]
    pd.read_csv(d / "current.csv").drop(columns=["income"]).to_csv(tmp_path / "cut.csv", index=False)
    result = run_cli("stress", "--model", d / "model.skops", "--data", tmp_path / "cut.csv")
    assert result.returncode == 2 and "'income'" in result.stderr
