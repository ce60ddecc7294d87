"""`robustness stress|report --engine dask`: the same JSON contracts, verdicts and exit codes as in memory
on the same data (small enough that every row is in both engines' samples), and the report says which
engine ran on how many rows."""

import json

import numpy as np
import pandas as pd
import pytest

from robustness.cli import main
from robustness.demo import export_scenario


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("dask-model-cli")
    export_scenario("credit", root)
    for name in ("reference", "current"):
        frame = pd.read_csv(root / f"{name}.csv")
        frame.to_parquet(root / f"{name}.parquet", index=False)  # the same values for the memory engine
        (root / name).mkdir()
        for i, part in enumerate(np.array_split(np.arange(len(frame)), 4)):
            frame.iloc[part].to_parquet(root / name / f"p{i}.parquet", index=False)
    return root


def _both(argv_dask, argv_memory, tmp_path):
    out_d, out_m = tmp_path / "d.json", tmp_path / "m.json"
    code_d = main([*argv_dask, "--json", str(out_d)])
    code_m = main([*argv_memory, "--json", str(out_m)])
    return code_d, code_m, json.loads(out_d.read_text()), json.loads(out_m.read_text())


def test_stress_through_dask_equals_memory(data, tmp_path, capsys):
    config = tmp_path / "stress.toml"
    config.write_text("[stress]\nmax_rows = 100000\n")
    common = ["stress", "--model", str(data / "model.skops"), "--config", str(config), "--seed", "3"]
    code_d, code_m, d, m = _both(
        [
            *common,
            "--engine",
            "dask",
            "--workers",
            "2",
            "--data",
            str(data / "current"),
            "--reference",
            str(data / "reference"),
        ],
        [
            *common,
            "--engine",
            "memory",
            "--data",
            str(data / "current.parquet"),
            "--reference",
            str(data / "reference.parquet"),
        ],
        tmp_path,
    )
    assert code_d == code_m and d["verdict"] == m["verdict"] and d["n_rows"] == m["n_rows"]
    assert d["score"] == pytest.approx(m["score"], abs=1e-9)
    flips_d = {(r["perturbation"], r["severity"]): r["flip_rate"] for r in d["results"]}
    flips_m = {(r["perturbation"], r["severity"]): r["flip_rate"] for r in m["results"]}
    assert flips_d.keys() == flips_m.keys()
    for key, value in flips_m.items():
        assert flips_d[key] == pytest.approx(value, abs=1e-12), key
    assert any("rows" in note for note in d["notes"])  # the sample sizes are stated


def test_report_through_dask_agrees_with_memory(data, tmp_path):
    common = ["report", "--model", str(data / "model.skops"), "--seed", "0"]
    code_d, code_m, d, m = _both(
        [
            *common,
            "--engine",
            "dask",
            "--workers",
            "2",
            "--reference",
            str(data / "reference"),
            "--current",
            str(data / "current"),
        ],
        [
            *common,
            "--engine",
            "memory",
            "--reference",
            str(data / "reference.parquet"),
            "--current",
            str(data / "current.parquet"),
        ],
        tmp_path,
    )
    assert code_d == code_m and d["verdict"] == m["verdict"]
    assert [(c["name"], c["status"]) for c in d["checks"]] == [(c["name"], c["status"]) for c in m["checks"]]
    man = d["manifest"]
    rows = len(pd.read_csv(data / "current.csv"))
    assert man["engine"] == "dask" and man["current"]["rows"] == rows == man["current"]["sample_rows"]
    assert set(man["whole_data"]) == {"quality", "drift", "stress"}


def test_auto_engine_says_why_and_bad_input_exits_2(data, tmp_path, capsys):
    code = main(
        [
            "stress",
            "--model",
            str(data / "model.skops"),
            "--data",
            str(data / "current"),
            "--workers",
            "1",
            "--json",
            str(tmp_path / "s.json"),
        ]
    )
    assert code in (0, 1)
    assert "using the Dask engine" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    for argv in (
        ["stress", "--model", str(data / "model.skops"), "--data", str(tmp_path / "empty")],
        [
            "report",
            "--model",
            str(data / "model.skops"),
            "--reference",
            str(data / "reference"),
            "--current",
            str(tmp_path / "nothing-here"),
        ],
    ):
        assert main([*argv, "--engine", "dask", "--workers", "1"]) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("robustness: error:"), err
