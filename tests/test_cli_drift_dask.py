"""`robustness drift --engine dask`: same JSON contract and decisions as in memory; bad input exits 2."""

import json

import numpy as np
import pytest

from robustness.cli import main
from robustness.demo import _credit_frame


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("dask-cli")
    for name, current, seed in (("ref", False, 1), ("cur", True, 2)):
        frame = _credit_frame(np.random.default_rng(seed), 30_000, current=current)
        (root / name).mkdir()
        for i, part in enumerate(np.array_split(np.arange(len(frame)), 6)):
            frame.iloc[part].to_parquet(root / name / f"p{i}.parquet", index=False)
        frame.to_csv(root / f"{name}.csv", index=False)
    return root


def test_dask_engine_matches_memory_through_the_cli(data, tmp_path, capsys):
    out_d, out_m = tmp_path / "d.json", tmp_path / "m.json"
    code_d = main(
        [
            "drift",
            "--engine",
            "dask",
            "--workers",
            "2",
            "--reference",
            str(data / "ref"),
            "--current",
            str(data / "cur"),
            "--json",
            str(out_d),
        ]
    )
    code_m = main(
        ["drift", "--reference", str(data / "ref.csv"), "--current", str(data / "cur.csv"), "--json", str(out_m)]
    )
    d, m = json.loads(out_d.read_text()), json.loads(out_m.read_text())
    assert code_d == code_m
    assert set(d) >= {"features", "dataset", "roles", "target"}
    assert d["roles"]["target"] == m["roles"]["target"] == "default"
    got = {f["feature"]: f["drifted"] for f in d["features"]}
    assert got == {f["feature"]: f["drifted"] for f in m["features"]}
    assert d["target"]["drifted"] == m["target"]["drifted"]
    assert "DRIFTED" in capsys.readouterr().out


def test_bad_input_exits_2(data, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    for argv in (
        ["--reference", str(tmp_path / "empty"), "--current", str(data / "cur")],
        ["--reference", str(data / "ref"), "--current", str(data / "cur"), "--scheduler", "tcp://127.0.0.1:9"],
        ["--reference", str(data / "ref"), "--current", str(data / "cur"), "--evidently-html", "x.html"],
    ):
        assert main(["drift", "--engine", "dask", "--workers", "1", *argv]) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("robustness: error:"), err
