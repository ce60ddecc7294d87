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


def test_overrides_run_the_named_test_through_dask_or_exit_2(data, tmp_path, capsys):
    """One rule for both engines: a psi override runs PSI with its threshold (it used to run Wasserstein
    with 0.2), and a test the binned summary cannot serve exits 2 naming the column and the test."""
    cfg = tmp_path / "psi.toml"
    cfg.write_text('[drift.overrides.income]\ntest = "psi"\nthreshold = 0.2\n')
    out = tmp_path / "d.json"
    argv = ["drift", "--engine", "dask", "--workers", "1", "--reference", str(data / "ref"), "--current"]
    main([*argv, str(data / "cur"), "--config", str(cfg), "--json", str(out)])
    income = next(f for f in json.loads(out.read_text())["features"] if f["feature"] == "income")
    assert income["test"] == "psi" and income["threshold"] == 0.2 and income["p_value"] is None
    assert income["drifted"] == (income["statistic"] >= 0.2)
    capsys.readouterr()
    cfg.write_text('[drift.overrides.income]\ntest = "cramervonmises"\n')
    assert main([*argv, str(data / "cur"), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "'cramervonmises'" in err and "'income'" in err and "--engine memory" in err


def test_memory_engine_reads_parquet_folders_and_globs(data, tmp_path):
    """`--engine memory` takes the same paths as Dask (a folder, a glob) and gives the CSV's result."""
    outs = {}
    for label, ref, cur in (
        ("folder", str(data / "ref"), str(data / "cur")),
        ("glob", str(data / "ref" / "p*.parquet"), str(data / "cur" / "*.parquet")),
        ("csv", str(data / "ref.csv"), str(data / "cur.csv")),
    ):
        out = tmp_path / f"{label}.json"
        main(["drift", "--engine", "memory", "--reference", ref, "--current", cur, "--json", str(out)])
        outs[label] = {f["feature"]: (f["test"], f["drifted"]) for f in json.loads(out.read_text())["features"]}
    assert outs["folder"] == outs["glob"] == outs["csv"] and outs["csv"]
    assert main(["drift", "--engine", "memory", "--reference", str(tmp_path / "none*.parquet"), "--current", "x"]) == 2
