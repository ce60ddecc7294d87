"""robustness compare: exit codes, JSON and HTML, and the credit demo's challenger story."""

import json

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.linear_model import LinearRegression, LogisticRegression

from robustness.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cmp")
    rng = np.random.default_rng(0)

    def frame(n):
        X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
        X["y"] = (X.a + rng.normal(0, 0.7, n) > 0).astype(int)
        return X

    train = frame(500)
    frame(400).to_csv(d / "ref.csv", index=False)
    cur = frame(400)
    cur["note"] = ["<script>alert(1)</script>"] * len(cur)
    cur.to_csv(d / "cur.csv", index=False)
    sio.dump(LogisticRegression().fit(train[["a", "b"]], train.y), d / "m.skops")
    sio.dump(LinearRegression().fit(train[["a"]], train.b), d / "reg.skops")
    # three classes (text labels): a model on a and b, and a weaker one on a only
    for name, n in (("train3", 600), ("ref3", 500), ("cur3", 500)):
        X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
        z = X.a + 0.8 * X.b + rng.normal(0, 0.5, n)
        X["y"] = np.select([z < -0.6, z < 0.6], ["low", "mid"], "high")
        X.to_csv(d / f"{name}.csv", index=False)
    train3 = pd.read_csv(d / "train3.csv")
    sio.dump(LogisticRegression().fit(train3[["a", "b"]], train3.y), d / "m3.skops")
    sio.dump(LogisticRegression().fit(train3[["a"]], train3.y), d / "weak3.skops")
    return d


def _args(d, champion="m.skops", challenger="m.skops", *extra):
    return ["compare", "--model", str(d / champion), "--challenger", str(d / challenger),
            "--reference", str(d / "ref.csv"), "--current", str(d / "cur.csv"), "--target", "y", "--n-boot", "200",
            "--no-stress", *extra]  # fmt: skip


def test_same_file_twice(files, capsys):
    out = files / "out.json"
    html = files / "out.html"
    assert main(_args(files, "m.skops", "m.skops", "--json", str(out), "--html", str(html))) == 0
    d = json.loads(out.read_text())
    assert d["verdict"] == "no_difference"
    assert all(m["difference"] == 0 and m["p_value"] == 1 for m in d["metrics"])
    assert any("same file" in n for n in d["notes"])
    page = html.read_text()
    assert page.startswith("<!doctype html>") and "Plotly.newPlot" in page and "<script>alert(1)" not in page


def test_bad_input_exits_2(files, capsys):
    assert main(_args(files, "m.skops", "reg.skops")) == 2
    assert "regressor" in capsys.readouterr().err
    assert main(_args(files, "m.skops", "missing.skops")) == 2
    with pytest.raises(SystemExit) as e:
        main(["compare", "--model", str(files / "m.skops")])
    assert e.value.code == 2
    assert main(_args(files, "m.skops", "m.skops", "--target", "nope")) == 2


@pytest.mark.slow
def test_demo_challenger_story(tmp_path):
    from robustness.demo import export_challenger, export_scenario

    export_scenario("credit", tmp_path)
    export_challenger("credit", tmp_path)
    out = tmp_path / "out.json"
    t = str(tmp_path)
    code = main(["compare", "--model", f"{t}/model.skops", "--challenger", f"{t}/challenger.skops",
                 "--reference", f"{t}/reference.csv", "--current", f"{t}/current.csv", "--json", str(out)])  # fmt: skip
    d = json.loads(out.read_text())
    assert code == 0
    acc = {m["data"]: m for m in d["metrics"] if m["name"] == "accuracy"}
    assert acc["reference"]["direction"] == "better"  # more accurate on the reference
    assert acc["current"]["direction"] != "better"  # not better on current data
    assert d["verdict"] == "no_difference" and d["verdict_reference"] == "better"
    unit = {s["perturbation"]: s for s in d["stress"] if s["judged"] and s["perturbation"].startswith("unit_")}
    assert unit and all(s["challenger"] >= s["champion"] for s in unit.values())  # more fragile to unit errors
    assert any(s["challenger"] > s["champion"] + 0.05 for s in unit.values())
    assert "Robustness cost" in d["summary"]


def test_multiclass_json(files, capsys):
    """Three classes: the JSON has every documented field; ROC AUC is the macro one-vs-rest AUC with its
    DeLong-type test and per-class rows; a clearly worse challenger exits 1, the better one 0."""

    def run(champion, challenger, out):
        return main(["compare", "--model", str(files / champion), "--challenger", str(files / challenger),
                     "--reference", str(files / "ref3.csv"), "--current", str(files / "cur3.csv"), "--target", "y",
                     "--n-boot", "200", "--no-stress", "--json", str(out)])  # fmt: skip

    out = files / "m3.json"
    assert run("weak3.skops", "m3.skops", out) == 0
    assert "DeLong p" in capsys.readouterr().out  # the text lists the macro AUC class by class
    d = json.loads(out.read_text())
    assert d["task"] == "multiclass" and d["verdict"] == "better" and d["headline"] == "accuracy"
    assert set(d) >= {"metrics", "disagreement", "stress", "importance", "verdict", "summary", "findings", "notes"}
    auc = next(m for m in d["metrics"] if m["name"] == "roc_auc" and m["data"] == "current")
    assert set(auc) >= {"name", "champion", "challenger", "difference", "low", "high", "p_value", "test", "data"}
    assert auc["test"] == "delong_ovr" and auc["details"]["average"] == "macro one-vs-rest"
    assert auc["direction"] == "better" and auc["low"] > 0
    assert {r["class"] for r in auc["details"]["per_class"]} == {"low", "mid", "high"}
    assert all(set(r) == {"class", "champion", "challenger", "difference", "p_value", "p_holm"}
               for r in auc["details"]["per_class"])  # fmt: skip
    acc = next(m for m in d["metrics"] if m["name"] == "accuracy" and m["data"] == "current")
    assert acc["test"] == "mcnemar_midp" and acc["direction"] == "better"
    assert d["importance"] and {i["feature"] for i in d["importance"]} == {"a", "b"}
    assert run("m3.skops", "weak3.skops", files / "back3.json") == 1  # significantly worse on current accuracy
