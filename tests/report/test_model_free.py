"""`robustness report` without a model file: performance and uncertainty run on the prediction columns and give
the numbers the model file that produced those columns gives; stress tests and explanation shift are skipped
with the reason (they score the model on altered inputs)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LinearRegression, LogisticRegression

from robustness.cli import main
from tests.monitor.conftest import simulate

PERF = {"report": {"checks": ["Performance", "Uncertainty"]}}


def _rounded(x):
    """Numbers to 9 decimals: a CSV read back by pandas' fast float parser may differ in the last bit."""
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    return round(x, 9) if isinstance(x, float) else x


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Two problems on the same simulated inputs x0, x1 (the current shifted), each with its model's outputs as
    columns and the model as a .skops file: a logistic regression of 'y' ('pred', 'p1'; clf_*.csv) and a linear
    regression of 'amount' ('yhat'; reg_*.csv). *_inputs.csv: the same rows without the output columns, for the
    model file; *_unlabelled.csv: the current rows before their labels arrived."""
    d = tmp_path_factory.mktemp("model_free")
    rng = np.random.default_rng(11)
    ref, cur = simulate(rng, 2000, 0.0), simulate(rng, 1500, 0.8)
    for frame in (ref, cur):
        frame["amount"] = 3 * frame["x0"] - frame["x1"] ** 2 + rng.normal(0, 0.5, len(frame))
    problems = {
        "clf": (LogisticRegression().fit(ref[["x0", "x1"]], ref["y"]), "y"),
        "reg": (LinearRegression().fit(ref[["x0", "x1"]], ref["amount"]), "amount"),
    }
    for name, (est, target) in problems.items():
        for part, frame in (("ref", ref), ("cur", cur)):
            out = frame[["x0", "x1", target]].copy()
            if name == "clf":
                out["pred"] = est.predict(frame[["x0", "x1"]])
                out["p1"] = est.predict_proba(frame[["x0", "x1"]])[:, 1]
            else:
                out["yhat"] = est.predict(frame[["x0", "x1"]])
            out.to_csv(d / f"{name}_{part}.csv", index=False)
            out[["x0", "x1", target]].to_csv(d / f"{name}_{part}_inputs.csv", index=False)
            if part == "cur":  # the labels have not arrived yet (the column is there, empty)
                out.assign(**{target: np.nan}).to_csv(d / f"{name}_cur_unlabelled.csv", index=False)
                out[["x0", "x1"]].assign(**{target: np.nan}).to_csv(
                    d / f"{name}_cur_unlabelled_inputs.csv", index=False
                )
        est.feature_names_in_ = np.array(["x0", "x1"], dtype=object)
        sio.dump(est, d / f"{name}.skops")
    (d / "perf.json").write_text(json.dumps(PERF))
    return d


def _report(capsys, d, problem: str, current: str, *how: str, config: bool = True) -> tuple[int, dict]:
    """The report from prediction columns (``how``), and its checks by name."""
    target = "y" if problem == "clf" else "amount"
    argv = ["report", "--reference", str(d / f"{problem}_ref.csv"), "--current", str(d / f"{problem}_{current}.csv"),
            "--target", target, "--engine", "memory", "--json", "-", *how]  # fmt: skip
    if config:
        argv += ["--config", str(d / "perf.json")]
    code = main(argv)
    return code, {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}


def _model(capsys, d, problem: str, current: str) -> dict:
    """The report from the model file on the same rows without the output columns."""
    target = "y" if problem == "clf" else "amount"
    argv = ["report", "--model", str(d / f"{problem}.skops"), "--reference", str(d / f"{problem}_ref_inputs.csv"),
            "--current", str(d / f"{problem}_{current}_inputs.csv"), "--target", target, "--engine", "memory",
            "--json", "-", "--config", str(d / "perf.json")]  # fmt: skip
    assert main(argv) in (0, 1)
    return {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}


def _same(a: dict, b: dict) -> None:
    for name in ("Performance", "Uncertainty"):
        assert a[name]["status"] == b[name]["status"], name
        assert _rounded(a[name]["metrics"]) == _rounded(b[name]["metrics"]), name
        assert a[name]["summary"] == b[name]["summary"], name


@pytest.mark.slow  # two reports (the model file's cross-validates its reference), about 1.5 s
def test_classifier_with_labels_gives_the_model_files_numbers(data, capsys):
    code, cols = _report(capsys, data, "clf", "cur", "--prediction", "pred", "--proba", "p1")
    model = _model(capsys, data, "clf", "cur")
    assert code in (0, 1)
    assert cols["Performance"]["status"] != "skipped" and cols["Uncertainty"]["status"] != "skipped"
    assert cols["Performance"]["metrics"]["source"] == "measured on current labels"
    assert cols["Uncertainty"]["metrics"]["coverage"] is not None
    _same(cols, model)


@pytest.mark.slow  # two reports with label-free estimates, about 2 s
def test_classifier_without_labels_is_estimated_as_with_the_model_file(data, capsys):
    _, cols = _report(capsys, data, "clf", "cur_unlabelled", "--prediction", "pred", "--proba", "p1")
    model = _model(capsys, data, "clf", "cur_unlabelled")
    assert cols["Performance"]["metrics"]["source"].startswith("estimated without labels (confidence")
    assert cols["Uncertainty"]["status"] == "skipped" and "no labels" in cols["Uncertainty"]["summary"]
    _same(cols, model)


@pytest.mark.slow  # importance weighting fits a domain classifier twice, about 1 s
def test_regressor_without_labels_is_estimated_by_weighting_on_the_data_columns(data, capsys):
    _, cols = _report(capsys, data, "reg", "cur_unlabelled", "--prediction", "yhat")
    model = _model(capsys, data, "reg", "cur_unlabelled")
    assert cols["Performance"]["metrics"]["source"] == "estimated without labels (weighting)"
    assert cols["Performance"]["metrics"]["metric"] == "mae"
    _same(cols, model)


def test_predictions_without_probabilities_skip_uncertainty_with_the_reason(data, capsys):
    _, cols = _report(capsys, data, "clf", "cur", "--prediction", "pred")
    assert cols["Performance"]["status"] != "skipped"
    assert cols["Uncertainty"]["status"] == "skipped"
    assert "class probabilities" in cols["Uncertainty"]["summary"]


def test_stress_and_explanations_are_skipped_with_why(data, capsys):
    code, cols = _report(capsys, data, "clf", "cur", "--prediction", "pred", "--proba", "p1", config=False)
    assert code in (0, 1)
    assert cols["Stress tests"]["status"] == "skipped"
    assert "change the inputs and score them again with the model" in cols["Stress tests"]["summary"]
    assert cols["Explanation shift"]["status"] == "skipped"
    assert "SHAP values come from scoring the model on altered copies" in cols["Explanation shift"]["summary"]
    for name in ("Data quality", "Data drift", "Performance", "Uncertainty"):
        assert cols[name]["status"] != "skipped", name


def test_no_model_and_no_prediction_columns_is_exit_2(data, capsys):
    code = main(["report", "--reference", str(data / "clf_ref.csv"), "--current", str(data / "clf_cur.csv")])
    assert code == 2
    assert "No model and no prediction columns" in capsys.readouterr().err
