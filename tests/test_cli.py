"""The `robustness` command: exit codes, messages, and that pickles never run."""

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from robustness.cli import main

ROOT = Path(__file__).resolve().parents[1]


class _Evil:
    """Unpickling this creates the file named by SENTINEL."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def run_cli(*args, cwd=None):
    """Run the installed console entry point in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "robustness.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=300,
    )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo")
    assert main(["demo", "export", str(d), "--scenario", "credit"]) == 0
    return d


def test_inspect_exported_demo_exits_0(demo_dir, capsys):
    code = main(["inspect", "--model", str(demo_dir / "model.skops"), "--data", str(demo_dir / "current.csv")])
    out = capsys.readouterr().out
    assert code == 0
    assert "Binary classifier" in out or "binary" in out
    assert "Schema check: OK" in out
    assert "employment_type" in out


def test_inspect_json(demo_dir, tmp_path):
    import json

    out = tmp_path / "inspect.json"
    assert (
        main(
            [
                "inspect",
                "--model",
                str(demo_dir / "model.skops"),
                "--data",
                str(demo_dir / "reference.csv"),
                "--json",
                str(out),
            ]
        )
        == 0
    )
    payload = json.loads(out.read_text())
    assert payload["ok"] is True
    assert payload["model"]["task"] == "binary"
    assert payload["data"]["rows"] == 4000
    assert payload["data"]["roles"]["target"] == "default"
    assert payload["data"]["missing_features"] == []


def test_evil_pickle_refused_and_never_executed(tmp_path):
    sentinel = tmp_path / "pwned"
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(pickle.dumps(_Evil(sentinel)))
    result = run_cli("inspect", "--model", evil)
    assert result.returncode == 2
    assert "pickle" in result.stderr.lower() and "--allow-pickle" in result.stderr
    assert "Traceback" not in result.stderr
    assert not sentinel.exists()


def test_allow_pickle_loads_a_trusted_pickle(tmp_path, demo_dir):
    import joblib

    from robustness.demo import load_scenario

    path = tmp_path / "model.joblib"
    joblib.dump(load_scenario("credit").model, path)
    assert main(["inspect", "--model", str(path)]) == 2
    assert main(["inspect", "--model", str(path), "--allow-pickle", "--data", str(demo_dir / "current.csv")]) == 0


def test_empty_csv_exits_2_without_traceback(tmp_path, demo_dir):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = run_cli("inspect", "--model", demo_dir / "model.skops", "--data", empty)
    assert result.returncode == 2
    assert "empty.csv" in result.stderr and "empty" in result.stderr.lower()
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_columns_exit_2(tmp_path, demo_dir, capsys):
    import pandas as pd

    cur = pd.read_csv(demo_dir / "current.csv").drop(columns=["income", "region"])
    path = tmp_path / "cut.csv"
    cur.to_csv(path, index=False)
    assert main(["inspect", "--model", str(demo_dir / "model.skops"), "--data", str(path)]) == 2
    out = capsys.readouterr().out
    assert "'income'" in out and "'region'" in out


def test_missing_files_and_bad_usage_exit_2(tmp_path, capsys):
    assert main(["inspect", "--model", str(tmp_path / "nope.skops")]) == 2
    assert "nope.skops" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["inspect"])
    assert exc.value.code == 2


def test_console_script_installed():
    exe = Path(sys.executable).with_name("robustness")
    assert exe.exists(), "the console script 'robustness' is not installed in the venv"
    result = subprocess.run([str(exe), "demo", "list"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0
    assert "credit" in result.stdout and "energy" in result.stdout and "machines" in result.stdout


def test_import_does_not_pull_streamlit():
    code = (
        "import sys, robustness, robustness.cli, robustness.demo, robustness.workspace, robustness.overview, "
        "robustness.plots, robustness.io.data, robustness.models, robustness.quality, "
        "robustness.drift, robustness.drift.run, robustness.drift.multivariate, robustness.drift.windows, "
        "robustness.drift.impact, robustness.plots.drift, robustness.plots.drift_context, robustness.stress, "
        "robustness.stress.run, robustness.plots.stress; "
        "assert 'streamlit' not in sys.modules, 'streamlit imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env={**os.environ}, timeout=300
    )
    assert result.returncode == 0, result.stderr


def test_declared_target_missing_exits_2(demo_dir, capsys):
    code = main(
        [
            "inspect",
            "--model",
            str(demo_dir / "model.skops"),
            "--data",
            str(demo_dir / "current.csv"),
            "--target",
            "churned",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "'churned'" in err and "current.csv" in err
    assert len(err.strip().splitlines()) == 1


def test_onnx_matrix_model_with_feature_names(tmp_path):
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.linear_model import LinearRegression

    from robustness.demo import load_scenario

    s = load_scenario("energy")
    cols = ["outdoor_temp_c", "floor_area_m2", "occupancy_share"]
    model = LinearRegression().fit(s.reference[cols].to_numpy("float32"), s.reference["energy_kwh"])
    path = tmp_path / "energy.onnx"
    path.write_bytes(to_onnx(model, initial_types=[("X", FloatTensorType([None, 3]))]).SerializeToString())
    data = tmp_path / "current.csv"
    s.current.to_csv(data, index=False)
    result = run_cli("inspect", "--model", path, "--data", data)
    assert result.returncode == 2 and "--feature-names" in result.stderr
    result = run_cli("inspect", "--model", path, "--data", data, "--feature-names", ",".join(cols))
    assert result.returncode == 0, result.stderr
    assert "regression" in result.stdout
