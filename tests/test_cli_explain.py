"""`robustness explain`: JSON contract, exit codes, reproducibility, bad input."""

import json

import pandas as pd
import pytest

from robustness.cli import main
from tests.test_cli import run_cli

KEYS = {
    "explainer",
    "explainer_info",
    "n_rows",
    "n_available",
    "seed",
    "outputs",
    "base_value",
    "additivity_max_error",
    "additive",
    "global_importance",
    "notes",
    "model",
    "data",
}


@pytest.fixture(scope="module")
def demos(tmp_path_factory):
    out = {}
    for name in ("credit", "energy", "machines"):
        d = tmp_path_factory.mktemp(name)
        assert main(["demo", "export", str(d), "--scenario", name]) == 0
        out[name] = d
    return out


def _features(d) -> list[str]:
    return json.loads((d / "scenario.json").read_text())["features"]


def _run(d, tmp_path, *extra, data="current.csv"):
    out = tmp_path / "explain.json"
    code = main(
        ["explain", "--model", str(d / "model.skops"), "--data", str(d / data), "--json", str(out), *map(str, extra)]
    )
    assert code == 0
    return json.loads(out.read_text())


def test_credit_contract(demos, tmp_path, capsys):
    d = demos["credit"]
    payload = _run(d, tmp_path, "--rows", 120)
    assert KEYS <= set(payload)
    assert payload["explainer"] == "tree" and payload["explainer_info"]["scale"] == "log-odds"
    assert payload["n_rows"] == 120 and payload["n_available"] == 4000
    assert payload["model"] == "model.skops" and payload["data"] == "current.csv"
    assert isinstance(payload["base_value"], float)
    assert payload["additivity_max_error"] < 1e-6 and payload["additive"] is True
    # attributions live on the raw input columns, never on one-hot columns or the target/ID/date
    raw = list(pd.read_csv(d / "current.csv", nrows=1).columns)
    features = [g["feature"] for g in payload["global_importance"]]
    assert sorted(features) == sorted(_features(d))
    assert set(features) <= set(raw) and not {"default", "application_id", "application_date"} & set(features)
    values = [g["mean_abs_shap"] for g in payload["global_importance"]]
    assert values == sorted(values, reverse=True) and values[0] > 0
    assert {"income", "loan_amount"} & set(features[:3])
    text = capsys.readouterr().out
    assert "Explainer: tree" in text and "120 of 4,000" in text and features[0] in text


@pytest.mark.parametrize("rows", [1, 37, 10_000])
def test_rows_honoured(demos, tmp_path, rows):
    payload = _run(demos["credit"], tmp_path, "--rows", rows)
    assert payload["n_rows"] == min(rows, 4000)
    assert len(payload["global_importance"]) == len(_features(demos["credit"]))


def test_small_file_explains_every_row(demos, tmp_path):
    d = demos["credit"]
    pd.read_csv(d / "current.csv").head(30).to_csv(tmp_path / "small.csv", index=False)
    out = tmp_path / "small.json"
    assert (
        main(["explain", "--model", str(d / "model.skops"), "--data", str(tmp_path / "small.csv"), "--json", str(out)])
        == 0
    )
    payload = json.loads(out.read_text())
    assert payload["n_rows"] == payload["n_available"] == 30
    assert not any("sample" in n for n in payload["notes"])


def test_regression(demos, tmp_path):
    payload = _run(demos["energy"], tmp_path, "--rows", 40, "--reference", demos["energy"] / "reference.csv")
    assert payload["explainer"] == "tree" and payload["outputs"] == ["prediction"]
    assert isinstance(payload["base_value"], float) and payload["n_rows"] == 40
    assert payload["additivity_max_error"] < 1e-6
    assert sorted(g["feature"] for g in payload["global_importance"]) == sorted(_features(demos["energy"]))


def test_multiclass(demos, tmp_path):
    payload = _run(demos["machines"], tmp_path, "--rows", 40)
    assert payload["explainer"] == "tree"
    assert sorted(payload["outputs"]) == ["failure", "normal", "wear"]
    assert isinstance(payload["base_value"], list) and len(payload["base_value"]) == 3
    assert all(len(g["per_output"]) == 3 for g in payload["global_importance"])
    assert payload["additivity_max_error"] < 1e-6
    assert sorted(g["feature"] for g in payload["global_importance"]) == sorted(_features(demos["machines"]))


def test_json_to_stdout(demos, capsys):
    d = demos["credit"]
    assert (
        main(
            [
                "explain",
                "--model",
                str(d / "model.skops"),
                "--data",
                str(d / "current.csv"),
                "--rows",
                "20",
                "--json",
                "-",
            ]
        )
        == 0
    )
    payload = json.loads(capsys.readouterr().out)  # stdout holds the JSON document alone
    assert payload["n_rows"] == 20 and payload["explainer"] == "tree"


def test_seed_reproducible(demos, tmp_path):
    a = _run(demos["credit"], tmp_path, "--rows", 50, "--seed", 7)
    b = _run(demos["credit"], tmp_path, "--rows", 50, "--seed", 7)
    c = _run(demos["credit"], tmp_path, "--rows", 50, "--seed", 8)
    assert a["seed"] == b["seed"] == 7 and c["seed"] == 8
    assert a["global_importance"] == b["global_importance"] and a["base_value"] == b["base_value"]
    assert a["global_importance"] != c["global_importance"]  # another seed, another sample


def test_config_method_and_background(demos, tmp_path):
    config = tmp_path / "explain.toml"
    config.write_text('[explain]\nmethod = "permutation"\npermutation_rows = 6\nbackground = 50\npermutations = 2\n')
    payload = _run(
        demos["credit"],
        tmp_path,
        "--config",
        config,
        "--background",
        12,
        "--reference",
        demos["credit"] / "reference.csv",
    )
    info = payload["explainer_info"]
    assert payload["explainer"] == "permutation" and info["scale"] == "probability"
    assert info["background_rows"] == 12 and info["permutations"] == 2
    assert payload["n_rows"] == 6 and payload["additivity_max_error"] < 1e-6
    assert sorted(g["feature"] for g in payload["global_importance"]) == sorted(_features(demos["credit"]))
    # --method overrides the config
    payload = _run(demos["credit"], tmp_path, "--config", config, "--method", "auto", "--rows", 10)
    assert payload["explainer"] == "tree" and payload["n_rows"] == 10


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
    s.current.head(300).to_csv(data, index=False)
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"permutation_rows": 8, "background": 20}))
    base = ["explain", "--model", str(path), "--data", str(data), "--config", str(config)]
    assert main(base) == 2  # the ONNX graph takes one matrix and does not name its columns
    out = tmp_path / "onnx.json"
    assert main(base + ["--feature-names", ",".join(cols), "--json", str(out)]) == 0
    payload = json.loads(out.read_text())
    assert payload["explainer"] == "permutation" and payload["n_rows"] == 8
    assert sorted(g["feature"] for g in payload["global_importance"]) == sorted(cols)
    assert payload["additive"] is True and payload["additivity_max_error"] < 1e-6


# -- bad input: exit 2, one line on stderr, no traceback -------------------------------------------


def _bad_files(d, tmp_path) -> dict:
    (tmp_path / "empty.csv").write_bytes(b"")
    pd.read_csv(d / "current.csv").drop(columns=["income"]).to_csv(tmp_path / "cut.csv", index=False)
    (tmp_path / "corrupt.skops").write_bytes(b"PK\x03\x04 this is not a zip archive" * 10)
    (tmp_path / "unknown.toml").write_text("[explain]\nrows = 50\nsamples = 3\n")
    return {"MODEL": str(d / "model.skops"), "DATA": str(d / "current.csv"), "TMP": str(tmp_path)}


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--model", "MODEL", "--data", "TMP/nope.csv"], "nope.csv"),
        (["--model", "TMP/nope.skops", "--data", "DATA"], "nope.skops"),
        (["--model", "MODEL", "--data", "TMP/empty.csv"], "empty"),
        (["--model", "MODEL", "--data", "TMP/cut.csv"], "'income'"),
        (["--model", "MODEL", "--data", "DATA", "--reference", "TMP/cut.csv"], "'income'"),
        (["--model", "TMP/corrupt.skops", "--data", "DATA"], "corrupt.skops"),
        (["--model", "MODEL", "--data", "DATA", "--rows", "0"], "rows"),
        (["--model", "MODEL", "--data", "DATA", "--seed", "-1"], "seed"),
        (["--model", "MODEL", "--data", "DATA", "--background", "0"], "background"),
        (["--model", "MODEL", "--data", "DATA", "--config", "TMP/unknown.toml"], "samples"),
        (["--model", "MODEL", "--data", "DATA", "--config", "TMP/nope.toml"], "nope.toml"),
    ],
)
def test_bad_input_exits_2(demos, tmp_path, capsys, args, needle):
    paths = _bad_files(demos["credit"], tmp_path)
    args = [paths.get(a, a).replace("TMP", paths["TMP"]) for a in args]
    assert main(["explain", *args]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("robustness: error:") and needle in err[0], captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--method", "kernel"], "invalid choice: 'kernel'"),
        (["--rows", "many"], "invalid int value"),
    ],
)
def test_usage_errors_exit_2(demos, capsys, args, needle):
    d = demos["credit"]
    with pytest.raises(SystemExit) as exc:
        main(["explain", "--model", str(d / "model.skops"), "--data", str(d / "current.csv"), *args])
    assert exc.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("robustness: error:")]
    assert len(errors) == 1 and needle in errors[0]


def test_console_script_bad_input_no_traceback(demos, tmp_path):
    d = demos["credit"]
    (tmp_path / "empty.csv").write_text("")
    result = run_cli("explain", "--model", d / "model.skops", "--data", tmp_path / "empty.csv")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "empty.csv" in result.stderr


@pytest.mark.filterwarnings("ignore:X has feature names")  # sklearn: fitted on an array, called with a table
def test_model_without_feature_names_is_explained_on_non_role_columns(tmp_path):
    import numpy as np
    import skops.io as sio
    from sklearn.ensemble import RandomForestRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = 2 * X[:, 0] + X[:, 1]
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(target=y)
    frame.to_csv(tmp_path / "data.csv", index=False)
    sio.dump(RandomForestRegressor(n_estimators=10, random_state=0).fit(X, y), tmp_path / "model.skops")
    out = tmp_path / "out.json"
    assert (
        main(
            [
                "explain",
                "--model",
                str(tmp_path / "model.skops"),
                "--data",
                str(tmp_path / "data.csv"),
                "--rows",
                "30",
                "--json",
                str(out),
            ]
        )
        == 0
    )
    payload = json.loads(out.read_text())
    assert [g["feature"] for g in payload["global_importance"]][:2] == ["a", "b"]
    assert sorted(g["feature"] for g in payload["global_importance"]) == ["a", "b", "c"]  # not the target


def test_text_summary_warns_when_not_additive():
    import dataclasses

    from robustness.demo import load_scenario
    from robustness.explain import ExplainConfig, Explainer
    from robustness.explain.run import ExplainRun
    from robustness.models import from_estimator

    s = load_scenario("credit")
    e = Explainer(from_estimator(s.model), s.reference, config=ExplainConfig(rows=20)).explain(s.current)
    assert "WARNING" not in ExplainRun("m.skops", "d.csv", e).text()
    off = dataclasses.replace(e, model_output=e.model_output + 0.1)
    text = ExplainRun("m.skops", "d.csv", off).text()
    assert "WARNING: the attributions do not add up" in text and "1.00e-01" in text
    assert ExplainRun("m.skops", "d.csv", off).to_dict()["additive"] is False
