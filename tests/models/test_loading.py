"""Safe model intake: skops with audited types, ONNX, and pickles only when allowed."""

from __future__ import annotations

import operator
import os
import pickle
import shlex
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from robustness.errors import ModelError, PickleRefusedError, UntrustedTypesError
from robustness.models import (
    MODEL_SUFFIXES,
    ModelFileInfo,
    OnnxAdapter,
    SklearnAdapter,
    Task,
    default_trusted,
    inspect_model_file,
    load_model,
    sniff_model_format,
)
from tests.models.test_adapters import CATEGORICAL, NUMERIC, make_frame, make_pipeline_for, make_target


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return make_frame(seed=7)


@pytest.fixture(scope="module")
def numeric() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    return pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])


# -- skops ------------------------------------------------------------------------------------


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_skops_round_trip_trusted_by_default(frame, task, tmp_path):
    pipe = make_pipeline_for(task, frame)
    path = tmp_path / "model.skops"
    sio.dump(pipe, path)
    # the file holds numpy.dtype and sklearn's Tree, which the default rule trusts
    raw_types = sio.get_untrusted_types(file=path)
    assert "numpy.dtype" in raw_types and "sklearn.tree._tree.Tree" in raw_types
    info = inspect_model_file(path)
    assert info == ModelFileInfo(
        name="model.skops", format="skops", sha256=info.sha256, n_bytes=path.stat().st_size, untrusted_types=()
    )
    assert len(info.sha256) == 64
    adapter = load_model(path)
    assert isinstance(adapter, SklearnAdapter) and adapter.source == "skops"
    assert adapter.feature_names == NUMERIC + CATEGORICAL
    np.testing.assert_array_equal(adapter.predict(frame), pipe.predict(frame))
    if task != "regression":
        np.testing.assert_array_equal(adapter.predict_proba(frame), pipe.predict_proba(frame))
    adapter.check_on(frame)
    assert adapter.summary().description.endswith("· 4 features · from skops")


def test_default_trust_rule():
    trusted, untrusted = default_trusted(
        [
            "numpy.dtype",
            "sklearn.tree._tree.Tree",
            "numpy.log1p",
            "scipy.sparse._csr.csr_matrix",
            "numpy.sum",
            "sklearn.utils.validation.check_array",
            "builtins.eval",
            "os.system",
            "_operator.neg",
            "lightgbm.sklearn.LGBMClassifier",
            "numpy.not_there",
            "numpy;os",
            "collections.OrderedDict",
        ]
    )
    assert trusted == ["numpy.dtype", "sklearn.tree._tree.Tree", "numpy.log1p", "scipy.sparse._csr.csr_matrix"]
    assert untrusted == [
        "numpy.sum",
        "sklearn.utils.validation.check_array",
        "builtins.eval",
        "os.system",
        "_operator.neg",
        "lightgbm.sklearn.LGBMClassifier",
        "numpy.not_there",
        "numpy;os",
        "collections.OrderedDict",
    ]


def test_default_trust_rule_never_imports_program_modules():
    import sys

    assert default_trusted(["numpy.f2py.__main__.main", "sklearn.conftest.X", "numpy.__config__.show"]) == (
        [],
        ["numpy.f2py.__main__.main", "sklearn.conftest.X", "numpy.__config__.show"],
    )
    assert "numpy.f2py.__main__" not in sys.modules and "sklearn.conftest" not in sys.modules


def test_skops_untrusted_function_needs_consent(numeric, tmp_path):
    X, y = numeric, (numeric["a"] > 0).astype(int)
    pipe = make_pipeline(FunctionTransformer(func=operator.neg), LogisticRegression()).fit(X, y)
    path = tmp_path / "neg.skops"
    sio.dump(pipe, path)
    with pytest.raises(UntrustedTypesError) as err:
        load_model(path)
    assert err.value.types == ["_operator.neg"]
    msg = str(err.value)
    assert msg.startswith("neg.skops holds types that are not trusted by default: _operator.neg.")
    assert '"Trust these types"' in msg and "--trust _operator.neg" in msg
    assert inspect_model_file(path).untrusted_types == ("_operator.neg",)
    with pytest.raises(UntrustedTypesError):
        load_model(path, trusted_types=["os.system"])  # trusting something else does not help
    adapter = load_model(path, trusted_types=["_operator.neg"])
    np.testing.assert_allclose(adapter.predict_proba(X), pipe.predict_proba(X))


@pytest.mark.parametrize("package, cls", [("lightgbm", "LGBMClassifier"), ("xgboost", "XGBClassifier")])
def test_gradient_boosting_libraries_via_skops(numeric, package, cls, tmp_path):
    lib = pytest.importorskip(package)
    y = np.digitize(numeric["a"] + numeric["b"], [-0.5, 0.5])  # 3 classes
    kwargs = {"verbose": -1} if package == "lightgbm" else {}
    model = getattr(lib, cls)(n_estimators=15, max_depth=3, random_state=0, **kwargs).fit(numeric, y)
    path = tmp_path / f"{package}.skops"
    sio.dump(model, path)
    with pytest.raises(UntrustedTypesError) as err:
        load_model(path)
    assert f"{package}.sklearn.{cls}" in err.value.types
    adapter = load_model(path, trusted_types=err.value.types)
    assert adapter.task is Task.MULTICLASS and adapter.classes == [0, 1, 2]
    assert adapter.feature_names == ["a", "b", "c"]
    np.testing.assert_allclose(adapter.predict_proba(numeric[["c", "b", "a"]]), model.predict_proba(numeric))
    adapter.check_on(numeric)
    assert cls in adapter.summary().description


def test_skops_object_that_is_not_a_model(tmp_path):
    path = tmp_path / "data.skops"
    sio.dump({"weights": np.arange(3)}, path)
    with pytest.raises(ModelError, match="data.skops holds a builtins.dict, not a model: it has no predict"):
        load_model(path)


# -- ONNX -------------------------------------------------------------------------------------


def _onnx_bytes(model, initial_types, **kwargs) -> bytes:
    skl2onnx = pytest.importorskip("skl2onnx")
    return skl2onnx.to_onnx(model, initial_types=initial_types, **kwargs).SerializeToString()


def _column_types(X: pd.DataFrame) -> list:
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    return [(c, StringTensorType([None, 1]) if X[c].dtype == object else FloatTensorType([None, 1])) for c in X.columns]


@pytest.fixture(scope="module")
def onnx_case():
    """A multiclass Pipeline (float + string columns, NaNs in the floats) and its ONNX export."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    X = make_frame(seed=5)
    X[CATEGORICAL] = X[CATEGORICAL].fillna("missing")  # skl2onnx imputes strings only for "" markers
    prep = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(), StandardScaler()), NUMERIC),
            ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ]
    )
    model = GradientBoostingClassifier(n_estimators=20, max_depth=2, random_state=0)
    pipe = Pipeline([("prep", prep), ("model", model)]).fit(X, make_target(X, "multiclass"))
    return X, pipe, _onnx_bytes(pipe, _column_types(X))


def test_onnx_one_input_per_column_matches_sklearn(onnx_case, tmp_path):
    X, pipe, data = onnx_case
    path = tmp_path / "model.onnx"
    path.write_bytes(data)
    assert inspect_model_file(path).format == "onnx"
    adapter = load_model(path)
    assert isinstance(adapter, OnnxAdapter) and adapter.source == "onnx"
    assert adapter.task is Task.MULTICLASS and adapter.classes == [0, 1, 2]
    assert adapter.feature_names == NUMERIC + CATEGORICAL
    shuffled = X[["plan", "city", "income", "age"]].assign(target=0)
    np.testing.assert_allclose(adapter.predict_proba(shuffled), pipe.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(adapter.predict(shuffled), pipe.predict(X))
    adapter.check_on(X)
    assert adapter.summary().estimator == "ONNX graph (4 inputs → label, probabilities)"
    assert adapter.summary().description.startswith("Multiclass classifier (3 classes) · ONNX graph")


def test_onnx_class_labels_are_read_from_the_graph(onnx_case):
    onnx = pytest.importorskip("onnx")
    from robustness.models.onnx import graph_class_labels

    _, _, data = onnx_case
    zipmap = [n for n in onnx.load_from_string(data).graph.node if n.op_type == "ZipMap"][0]
    expected = list(onnx.helper.get_attribute_value(zipmap.attribute[0]))
    assert graph_class_labels(data) == expected == [0, 1, 2]
    assert graph_class_labels(b"\x08\x07garbage") is None


def test_onnx_string_labels_without_zipmap_learned_from_outputs(numeric, monkeypatch):
    y = np.array(["low", "mid", "high"])[np.digitize(numeric["a"], [-0.4, 0.4])]
    model = LogisticRegression().fit(numeric, y)
    from skl2onnx.common.data_types import FloatTensorType

    data = _onnx_bytes(model, [("X", FloatTensorType([None, 3]))], options={id(model): {"zipmap": False}})
    assert OnnxAdapter(data, feature_names=["a", "b", "c"]).classes == ["high", "low", "mid"]
    monkeypatch.setattr("robustness.models.onnx.graph_class_labels", lambda data: None)
    adapter = OnnxAdapter(data, feature_names=["a", "b", "c"])
    assert adapter.classes is None and adapter.task is Task.MULTICLASS
    adapter.check_on(numeric)  # labels aligned with the argmax of the probabilities
    assert adapter.classes == list(model.classes_)
    np.testing.assert_allclose(adapter.predict_proba(numeric), model.predict_proba(numeric), atol=1e-5)
    np.testing.assert_array_equal(adapter.predict(numeric), model.predict(numeric))


def test_onnx_single_matrix_input_needs_feature_names(numeric):
    onnx = pytest.importorskip("onnx")
    from skl2onnx.common.data_types import FloatTensorType

    y = (numeric["a"] - numeric["c"] > 0).astype(int)
    model = LogisticRegression().fit(numeric.to_numpy(), y)
    data = _onnx_bytes(model, [("input", FloatTensorType([None, 3]))])
    with pytest.raises(ModelError, match="takes all features as one input 'input'.*feature names"):
        load_model(data, "matrix.onnx")
    with pytest.raises(ModelError, match="expects 3 feature columns.*2 feature names"):
        load_model(data, "matrix.onnx", feature_names=["a", "b"])
    adapter = load_model(data, "matrix.onnx", feature_names=["a", "b", "c"])
    assert adapter.task is Task.BINARY and adapter.classes == [0, 1]
    assert adapter.summary().estimator == "ONNX graph (1 input of 3 columns → label, probabilities)"
    reordered = numeric[["c", "a", "b"]].assign(other="x")
    np.testing.assert_allclose(adapter.predict_proba(reordered), model.predict_proba(numeric.to_numpy()), atol=1e-5)
    with pytest.raises(ModelError, match="Column 'b' in the data has dtype object.*tensor\\(float\\)"):
        adapter.predict(numeric.assign(b="n/a"))
    # names stored in the model's metadata_props are used without being passed
    proto = onnx.load_from_string(data)
    onnx.helper.set_model_props(proto, {"feature_names": "a,b,c"})
    stored = load_model(proto.SerializeToString(), "meta.onnx")
    assert stored.feature_names == ["a", "b", "c"]
    np.testing.assert_allclose(stored.predict_proba(numeric), adapter.predict_proba(numeric))


def test_onnx_regression(numeric):
    from skl2onnx.common.data_types import FloatTensorType

    y = numeric["a"] * 2 + numeric["b"]
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(
        ColumnTransformer([("num", StandardScaler(), ["a", "b", "c"])]),
        GradientBoostingRegressor(n_estimators=20, random_state=0),
    ).fit(numeric, y)
    adapter = load_model(_onnx_bytes(model, [(c, FloatTensorType([None, 1])) for c in "abc"]), "reg.onnx")
    assert adapter.task is Task.REGRESSION and adapter.classes is None and not adapter.has_proba
    np.testing.assert_allclose(adapter.predict(numeric), model.predict(numeric), rtol=1e-4, atol=1e-4)
    assert adapter.summary().estimator == "ONNX graph (3 inputs → prediction)"
    with pytest.raises(ModelError, match="regressor"):
        adapter.predict_proba(numeric)


def test_onnx_name_mismatch(onnx_case):
    X, _, data = onnx_case
    adapter = load_model(data, "model.onnx")
    with pytest.raises(ModelError) as err:
        adapter.check_on(X.rename(columns={"age": "Age", "city": "town"}), name="the current data")
    msg = str(err.value)
    assert msg.startswith("The current data lacks 2 column(s) that model.onnx needs: 'age', 'city'.")
    assert "'age' (tensor(float))" in msg and "'city' (tensor(string))" in msg and "'Age'" in msg


def test_onnx_type_mismatch(onnx_case):
    X, _, data = onnx_case
    adapter = load_model(data, "model.onnx")
    with pytest.raises(
        ModelError,
        match=r"Column 'age' in the current data has dtype object but the ONNX "
        r"model expects tensor\(float\)",
    ):
        adapter.check_on(X.assign(age="forty"), name="the current data")
    with pytest.raises(ModelError, match=r"Column 'city' in the data has dtype float64 .* tensor\(string\)"):
        adapter.predict(X.assign(city=1.5))
    # numbers stored as text and integers are converted to the input's type
    np.testing.assert_allclose(
        adapter.predict_proba(X.assign(age=X["age"].astype(str).replace("nan", None))),
        adapter.predict_proba(X),
        atol=1e-6,
    )


# -- damaged, empty, unknown ------------------------------------------------------------------


def test_truncated_skops(frame, tmp_path):
    data = sio.dumps(make_pipeline_for("binary", frame))
    for cut in (len(data) // 2, len(data) - 20):
        with pytest.raises(ModelError, match=r"model.skops is damaged or truncated.*skops.io.dump"):
            load_model(data[:cut], "model.skops")
        with pytest.raises(ModelError, match="damaged or truncated"):
            inspect_model_file(data[:cut], "model.skops")


def test_truncated_onnx(onnx_case):
    _, _, data = onnx_case
    with pytest.raises(ModelError, match=r"model.onnx could not be opened as an ONNX model: .*protobuf"):
        load_model(data[: len(data) // 2], "model.onnx")


def test_damaged_bytes_give_model_errors_only(frame, onnx_case):
    """Seeded byte flips and cuts: a file either still works or fails with a ModelError, nothing else."""
    import random

    X, _, onnx_bytes = onnx_case
    skops_bytes = sio.dumps(make_pipeline_for("binary", frame.head(60)), compression=8)
    rng = random.Random(42)
    for data, name in [(skops_bytes, "model.skops"), (onnx_bytes, "model.onnx"), (onnx_bytes, "upload")]:
        for k in range(25):
            damaged = bytearray(data[: rng.randrange(1, len(data))] if k % 3 == 0 else data)
            for _ in range(0 if k % 3 == 0 else 4):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            try:
                load_model(bytes(damaged), name).check_on(X)
            except ModelError:
                pass


def test_empty_and_unknown_files(tmp_path):
    empty = tmp_path / "model.skops"
    empty.write_bytes(b"")
    with pytest.raises(ModelError, match=r"model.skops is empty \(0 bytes\)"):
        load_model(empty)
    with pytest.raises(ModelError, match="does not exist"):
        load_model(tmp_path / "missing.onnx")
    with pytest.raises(ModelError, match=r"notes.txt is not a model file.*\.skops.*\.onnx.*pickle"):
        load_model(b"just some text", "notes.txt")


def test_sniffing(frame, onnx_case):
    skops_bytes = sio.dumps(make_pipeline_for("binary", frame))
    _, _, onnx_bytes = onnx_case
    assert sniff_model_format(skops_bytes, "upload") == "skops"
    assert sniff_model_format(skops_bytes, "model.pkl") == "skops"  # content wins: nothing to execute
    assert sniff_model_format(onnx_bytes, "upload") == "onnx"
    assert sniff_model_format(b"\x00\x01garbage", "model.onnx") == "onnx"
    assert sniff_model_format(pickle.dumps([1], protocol=0), "blob") == "pickle"
    assert set(MODEL_SUFFIXES.values()) == {"skops", "onnx", "pickle"}


# -- pickles ----------------------------------------------------------------------------------


class _Evil:
    """Unpickling this runs a shell command that creates ``sentinel``."""

    def __init__(self, sentinel: Path):
        self.sentinel = sentinel

    def __reduce__(self):
        return os.system, (f"touch {shlex.quote(str(self.sentinel))}",)


class _EvilPath(_Evil):
    def __reduce__(self):
        return Path.touch, (self.sentinel,)


def _evil_payloads(sentinel: Path) -> dict[str, bytes]:
    payloads = {f"protocol{p}": pickle.dumps(_Evil(sentinel), protocol=p) for p in (0, 1, 2, 5)}
    payloads["pathlib"] = pickle.dumps(_EvilPath(sentinel), protocol=4)
    for compress in ("zlib", "gzip"):
        buf = Path(sentinel.parent / f"evil.{compress}")
        joblib.dump(_Evil(sentinel), buf, compress=(compress, 3))
        payloads[f"joblib-{compress}"] = buf.read_bytes()
    return payloads


@pytest.mark.parametrize("name", ["model.pkl", "model.joblib", "model.skops", "model.onnx", "model", "model.bin"])
def test_pickle_is_refused_and_nothing_runs(tmp_path, name):
    sentinel = tmp_path / "pwned"
    for kind, payload in _evil_payloads(sentinel).items():
        path = tmp_path / name
        path.write_bytes(payload)
        with pytest.raises(PickleRefusedError) as err:
            load_model(path)
        assert inspect_model_file(path).format == "pickle", kind
        with pytest.raises(PickleRefusedError):
            load_model(payload, name)
        assert not sentinel.exists(), f"{kind} as {name} executed code"
    msg = str(err.value)
    assert msg.startswith(f"{name} is a pickle")
    for part in (
        "runs code stored in the file",
        'skops.io.dump(model, "model.skops")',
        "ONNX",
        '"Allow pickle files I trust"',
        "--allow-pickle",
    ):
        assert part in msg


def test_evil_pickle_is_a_real_threat_when_allowed(tmp_path):
    """Positive control: the payload above does run when pickles are allowed."""
    sentinel = tmp_path / "pwned"
    with pytest.raises(ModelError, match="not a model"):
        load_model(pickle.dumps(_EvilPath(sentinel)), "evil.pkl", allow_pickle=True)
    assert sentinel.exists()


def test_pickle_allowed_loads(frame, tmp_path):
    pipe = make_pipeline_for("multiclass", frame)
    joblib.dump(pipe, tmp_path / "model.joblib", compress=3)
    adapter = load_model(str(tmp_path / "model.joblib"), allow_pickle=True)
    assert adapter.source == "pickle" and adapter.task is Task.MULTICLASS
    np.testing.assert_array_equal(adapter.predict_proba(frame), pipe.predict_proba(frame))
    plain = load_model(pickle.dumps(pipe), "model.pkl", allow_pickle=True)
    np.testing.assert_array_equal(plain.predict(frame), pipe.predict(frame))


def test_feature_names_fallback_for_array_fitted_model(numeric, tmp_path):
    y = make_target(pd.DataFrame({"age": numeric["a"] * 10 + 40, "city": "x"}), "binary")
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(numeric.to_numpy(), y)
    path = tmp_path / "rf.skops"
    sio.dump(model, path)
    adapter = load_model(path, feature_names=["a", "b", "c"])
    np.testing.assert_array_equal(adapter.predict(numeric[["b", "c", "a"]]), model.predict(numeric.to_numpy()))
