"""`robustness monitor` and `robustness report` without a model: files in, JSON and exit codes out."""

import json

import pytest

from robustness.cli import main


def _rounded(x):
    """Numbers to 9 decimals: a CSV read back by pandas' fast float parser may differ in the last bit."""
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    return round(x, 9) if isinstance(x, float) else x


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_monitor_model_file_and_columns_agree(files, capsys):
    common = [
        "monitor",
        "--reference",
        str(files / "ref.csv"),
        "--current",
        str(files / "cur.csv"),
        "--target",
        "y",
        "--timestamp",
        "ts",
        "--period",
        "week",
    ]
    code_m, out_m, _ = _run(
        capsys,
        *common,
        "--model",
        str(files / "model.skops"),
        "--json",
        str(files / "m.json"),
        "--html",
        str(files / "m.html"),
    )
    code_c, out_c, _ = _run(capsys, *common, "--prediction", "pred", "--proba", "p1", "--json", str(files / "c.json"))
    m, c = json.loads((files / "m.json").read_text()), json.loads((files / "c.json").read_text())
    assert code_m == code_c == (1 if m["verdict"] == "alert" else 0)
    assert _rounded(m["windows"]) == _rounded(c["windows"])
    assert m["drift"] == c["drift"] and m["verdict"] == c["verdict"]
    assert [w["alerts"] for w in m["windows"]] == [w["alerts"] for w in c["windows"]]
    assert len(m["windows"]) == 6 and m["windows"][0]["estimated"]["roc_auc"]["method"] == "confidence"
    assert m["windows"][-1]["realised"] is None and m["windows"][0]["realised"]["accuracy"] is not None
    assert "Verdict:" in out_m and out_m.splitlines()[1:] == out_c.splitlines()[1:]
    page = (files / "m.html").read_text()
    assert "Plotly.newPlot('chart-0'" in page and "<script>" in page


def test_monitor_json_to_stdout_and_chunks(files, capsys):
    code, out, _ = _run(
        capsys,
        "monitor",
        "--reference",
        str(files / "ref.csv"),
        "--current",
        str(files / "cur.csv"),
        "--prediction",
        "pred",
        "--proba",
        "p1",
        "--chunk",
        "1000",
        "--no-drift",
        "--json",
        "-",
    )
    d = json.loads(out)
    assert [w["rows"] for w in d["windows"]] == [1000, 1000, 400] and d["drift"] == []
    assert code in (0, 1)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--period", "week", "--timestamp", "nope", "--prediction", "pred", "--proba", "p1"],
            "no timestamp column 'nope'",
        ),
        (["--period", "week"], "No model and no prediction columns: give --model"),
        (["--period", "week", "--model", "MODEL", "--prediction", "pred"], "Give --model or prediction columns"),
        (["--chunk", "500", "--proba", "nope"], "no column 'nope' \\(--proba\\)"),
        (["--chunk", "500", "--prediction", "pred", "--proba", "p1", "--target", "x0x"], "no label column 'x0x'"),
    ],
)
def test_monitor_bad_input_exits_2(files, capsys, extra, message):
    argv = ["monitor", "--reference", str(files / "ref.csv"), "--current", str(files / "cur.csv")]
    argv += [str(files / "model.skops") if a == "MODEL" else a for a in extra]
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert __import__("re").search(message, err), err


def test_monitor_period_without_any_timestamp_exits_2(files, capsys):
    import pandas as pd

    for name in ("ref", "cur"):
        pd.read_csv(files / f"{name}.csv").drop(columns="ts").to_csv(files / f"{name}.csv", index=False)
    code, _, err = _run(
        capsys,
        "monitor",
        "--reference",
        str(files / "ref.csv"),
        "--current",
        str(files / "cur.csv"),
        "--prediction",
        "pred",
        "--proba",
        "p1",
        "--target",
        "y",
        "--period",
        "week",
    )
    assert code == 2 and "--period cuts the data into calendar periods" in err


def test_monitor_reference_without_labels_exits_2(files, capsys):
    import pandas as pd

    pd.read_csv(files / "ref.csv").drop(columns="y").to_csv(files / "ref.csv", index=False)
    code, _, err = _run(
        capsys,
        "monitor",
        "--reference",
        str(files / "ref.csv"),
        "--current",
        str(files / "cur.csv"),
        "--prediction",
        "pred",
        "--proba",
        "p1",
        "--chunk",
        "500",
    )
    assert code == 2 and "calibrate on a labelled reference" in err


def test_report_without_a_model_runs_what_predictions_allow(files, capsys):
    code, out, _ = _run(
        capsys,
        "report",
        "--reference",
        str(files / "ref.csv"),
        "--current",
        str(files / "cur.csv"),
        "--target",
        "y",
        "--prediction",
        "pred",
        "--proba",
        "p1",
        "--json",
        "-",
    )
    d = json.loads(out)
    status = {c["name"]: c for c in d["checks"]}
    assert code in (0, 1)
    assert status["Data drift"]["status"] != "skipped" and status["Data quality"]["status"] != "skipped"
    assert status["Performance"]["status"] != "skipped" and status["Uncertainty"]["status"] != "skipped"
    for name in ("Stress tests", "Explanation shift"):
        assert status[name]["status"] == "skipped" and "No model file" in status[name]["summary"]
    # the prediction columns are outputs, not inputs: drift does not test them as features
    assert not any(f["feature"] in ("pred", "p1") for f in d["checks"][1]["details"] if isinstance(f, dict))
