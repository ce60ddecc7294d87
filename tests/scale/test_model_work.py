"""Model work through Dask equals the in-memory engines: stress numbers on the same rows, prediction drift
decisions, model failures; and the model really travels to worker processes (skops and ONNX), once."""

from __future__ import annotations

import math
import os
import pickle

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.ensemble import GradientBoostingClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression

from robustness.demo import _CREDIT_CAT, _CREDIT_NUM, _ENERGY_CAT, _ENERGY_NUM, _credit_frame, _energy_frame, _pipeline
from robustness.drift.dask_prediction import prediction_drift_parquet, predictions_parquet
from robustness.drift.prediction import prediction_drift
from robustness.errors import ModelError
from robustness.models import from_estimator, load_model
from robustness.scale import connect, shutdown
from robustness.scale.model_work import ShippedModel, arrivals, uniform_sample_parquet
from robustness.stress.config import StressConfig
from robustness.stress.dask_stress import stress_parquet
from robustness.stress.suite import run_stress

CLEAN = ["age", "loan_amount", "loan_term_months", "num_open_accounts", "debt_to_income"]  # never missing
SMALL = dict(perturbations=["gaussian_noise", "missing_random", "category_swap", "unit_x1000"], severities=[0, 0.25])


def _write(frame: pd.DataFrame, folder, files: int) -> str:
    folder.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(frame)), files)):
        frame.iloc[part].to_parquet(folder / f"part-{i:03d}.parquet", index=False)
    return str(folder)


def _same(a, b, where="result"):
    """Equal JSON-like structures, floats up to rounding."""
    if isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b)), where
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    else:
        assert a == b, (where, a, b)


def _check_equal(dask_result, memory_result):
    got, want = dask_result.to_dict(), memory_result.to_dict()
    notes, base_notes = got.pop("notes"), want.pop("notes")
    _same(got, want)
    assert notes[: len(base_notes)] == base_notes
    return notes


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("model_work")
    train = _credit_frame(np.random.default_rng(0), 3000, current=False)
    gbm = _pipeline(_CREDIT_NUM, _CREDIT_CAT, GradientBoostingClassifier(n_estimators=30, random_state=0))
    gbm.fit(train[_CREDIT_NUM + _CREDIT_CAT], train["default"])
    sio.dump(gbm, root / "credit.skops")
    ref = _credit_frame(np.random.default_rng(1), 6000, current=False)
    cur = _credit_frame(np.random.default_rng(2), 6000, current=True)
    return {
        "root": root,
        "model": load_model(root / "credit.skops"),
        "train": train,
        "ref": ref,
        "cur": cur,
        "ref_path": _write(ref, root / "ref", 3),
        "cur_path": _write(cur, root / "cur", 4),
    }


def _memory_stress(model, data, client, config, columns, *, target="default"):
    sample = uniform_sample_parquet(data["cur_path"], config.max_rows, seed=config.seed, columns=columns, client=client)
    return run_stress(model, sample, target=target, reference=data["ref"], config=config), sample


def test_stress_equals_run_stress_on_the_same_rows(data, client):
    model, config = data["model"], StressConfig(max_rows=400, seed=3)
    result = stress_parquet(
        model, data["cur_path"], client=client, target="default", reference=data["ref_path"], config=config
    )
    memory, sample = _memory_stress(model, data, client, config, list(model.feature_names) + ["default"])
    notes = _check_equal(result, memory)  # every measure, metric (roc_auc too), verdict, score and fragile row
    assert result.n_rows == 400 and result.fragile and {f.row for f in result.fragile} <= set(sample.index)
    assert "a uniform sample of 400 of the 6,000 rows" in notes[-3]
    assert "6,000 of the 6,000 rows of the reference" in notes[-2]
    assert "Fragile rows: searched among 400 of the 400 sampled rows" in notes[-1]


def test_fragile_rows_are_ranked_on_a_bounded_subsample(data, client):
    config = StressConfig(max_rows=300, **SMALL)
    result = stress_parquet(data["model"], data["cur_path"], client=client, config=config, fragile_rows_max=60)
    assert result.n_rows == 300 and result.notes[-1] == "Fragile rows: searched among 60 of the 300 sampled rows."
    assert "rows of the data" in result.notes[-2]  # no reference: magnitudes from the data


def test_regressor_matches_memory(tmp_path, client):
    frame = _energy_frame(np.random.default_rng(5), 3000, current=False)
    model = from_estimator(
        _pipeline(
            _ENERGY_NUM, _ENERGY_CAT, RandomForestRegressor(n_estimators=10, max_depth=6, random_state=0, n_jobs=1)
        ).fit(frame[_ENERGY_NUM + _ENERGY_CAT], frame["energy_kwh"])
    )
    path = _write(frame, tmp_path / "energy", 3)
    config = StressConfig(max_rows=250, perturbations=["gaussian_noise", "unit_x10"], severities=[0, 0.5])
    result = stress_parquet(model, path, client=client, target="energy_kwh", config=config)
    sample = uniform_sample_parquet(path, 250, columns=_ENERGY_NUM + _ENERGY_CAT + ["energy_kwh"], client=client)
    _check_equal(result, run_stress(model, sample, target="energy_kwh", reference=frame, config=config))
    assert {"rmse", "mae"} <= set(result.baseline) and not result.fragile


def test_prediction_drift_decides_as_in_memory(data, client):
    model = data["model"]
    got = prediction_drift_parquet(model, data["ref_path"], data["cur_path"], client=client)
    want = prediction_drift(model, data["ref"], data["cur"])
    assert got.task == want.task and got.drifted == want.drifted
    assert [(f.feature, f.test, f.drifted) for f in got.features] == [
        (f.feature, f.test, f.drifted) for f in want.features
    ]
    assert np.allclose(
        [m for m in got.current_means if m is not None], [m for m in want.current_means if m is not None]
    )
    outputs = predictions_parquet(model, data["cur_path"], client=client)
    assert outputs.n_rows == 6000 and outputs.summary["predicted class"].counts.sum() == 6000


def test_model_failures_are_the_in_memory_ones(data, client):
    train, features = data["train"], CLEAN + ["income"]
    raising = from_estimator(LogisticRegression(max_iter=300).fit(train[features].fillna(0), train["default"]))
    config = StressConfig(max_rows=200, **SMALL)
    with pytest.raises(ModelError) as dask_error:  # income has missing values: no row can be scored
        stress_parquet(raising, data["cur_path"], client=client, config=config)
    sample = uniform_sample_parquet(data["cur_path"], 200, columns=features, client=client)
    with pytest.raises(ModelError) as memory_error:
        run_stress(raising, sample, reference=data["cur"], config=config)
    assert str(dask_error.value) == str(memory_error.value)
    with pytest.raises(ModelError) as dask_error:
        prediction_drift_parquet(raising, data["ref_path"], data["cur_path"], client=client)
    with pytest.raises(ModelError) as memory_error:
        prediction_drift(raising, data["ref"], data["cur"])
    assert str(dask_error.value) == str(memory_error.value)

    # fails only on perturbed rows (missing values): error findings, the suite goes on
    fragile = from_estimator(LogisticRegression(max_iter=300).fit(train[CLEAN], train["default"]))
    result = stress_parquet(
        fragile, data["cur_path"], client=client, target="default", reference=data["ref_path"], config=config
    )
    memory, _ = _memory_stress(fragile, data, client, config, CLEAN + ["default"])
    _check_equal(result, memory)
    assert result.result("missing_random", 0.25).status == "error" and result.verdict == "fail"


@pytest.fixture(scope="module")
def onnx_model(data):
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    train = data["train"]
    est = LogisticRegression(max_iter=300).fit(train[CLEAN].to_numpy("float32"), train["default"])
    graph = to_onnx(est, initial_types=[("X", FloatTensorType([None, len(CLEAN)]))])
    return load_model(graph.SerializeToString(), "credit.onnx", feature_names=CLEAN)


def test_an_onnx_model_pickles_as_its_bytes(onnx_model, data):
    copy = pickle.loads(pickle.dumps(ShippedModel(onnx_model)))
    rows = data["cur"].head(50)
    assert np.allclose(copy.adapter.predict_proba(rows), onnx_model.predict_proba(rows))
    assert copy.adapter.classes == onnx_model.classes


def test_the_model_travels_once_to_worker_processes(data, onnx_model):
    pc = connect(workers=2, processes=True)
    try:
        assert os.getpid() not in pc.run(os.getpid).values()
        skops_model = ShippedModel(data["model"])
        config = StressConfig(max_rows=200, **SMALL)
        result = stress_parquet(
            skops_model, data["cur_path"], client=pc, target="default", reference=data["ref_path"], config=config
        )
        memory, _ = _memory_stress(data["model"], data, pc, config, list(data["model"].feature_names) + ["default"])
        _check_equal(result, memory)
        assert list(pc.run(arrivals, skops_model.token).values()) == [1, 1]  # one copy per worker, whatever the tasks

        onnx = ShippedModel(onnx_model)
        got = prediction_drift_parquet(onnx, data["ref_path"], data["cur_path"], client=pc)
        want = prediction_drift(onnx_model, data["ref"], data["cur"])
        assert [(f.feature, f.drifted) for f in got.features] == [(f.feature, f.drifted) for f in want.features]
        assert list(pc.run(arrivals, onnx.token).values()) == [1, 1]
    finally:
        shutdown(pc)
