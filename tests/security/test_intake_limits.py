"""What an uploaded file cannot make the server do: read its other files, or fill its memory.

Each probe of the security review, replayed: an ONNX model whose weights are "external data" at a
relative or absolute path (onnxruntime read the server's .streamlit/config.toml back as weights), a
154-byte ONNX file of sparse weights that expands to 2.4 GB, a 437 KB Parquet file of 1e8 constant
rows that took the server to 9.6 GB (the CLI to 6 GB). Memory is measured in a fresh process
(VmHWM), so what other tests allocated does not count.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from robustness.errors import DataError, ModelError
from robustness.io.data import read_table
from robustness.models import load_model
from robustness.scale.choose import choose_engine
from robustness.settings import ENV_MAX_TABLE_MB

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

MARKER = b"SECRET-MARKER-16"  # 16 bytes: four float32 weights
GB = 1024**3
ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- helpers
def _external(name: str, location: str) -> TensorProto:
    """A 4-float initializer whose values are 'stored' in the file at ``location``."""
    tensor = numpy_helper.from_array(np.zeros(4, np.float32), name)
    onnx.external_data_helper.set_external_data(tensor, location=location, offset=0, length=len(MARKER))
    tensor.data_location = TensorProto.EXTERNAL
    tensor.ClearField("raw_data")
    return tensor


def _model(nodes, initializers=(), sparse=(), functions=()) -> bytes:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 4])
    graph = helper.make_graph(nodes, "probe", [x], [y], list(initializers), sparse_initializer=list(sparse))
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("local", 1)], functions=list(functions)
    )
    model.ir_version = 8
    return model.SerializeToString()


def _add_w(location: str) -> bytes:
    """y = x + w, where w is read from ``location``: run on zeros, the model returns the file's bytes."""
    return _model([helper.make_node("Add", ["x", "w"], ["y"])], [_external("w", location)])


@pytest.fixture
def no_session(monkeypatch):
    """Fails the test if onnxruntime is asked for a session."""
    made = []

    def refuse(*args, **kwargs):
        made.append(args)
        raise AssertionError("an onnxruntime session was created")

    monkeypatch.setattr("robustness.models.onnx.ort.InferenceSession", refuse)
    return made


@pytest.fixture
def server_folder(tmp_path, monkeypatch):
    """The working folder of a server, with its .streamlit/config.toml holding the marker."""
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "config.toml").write_bytes(MARKER)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _peak_run(code: str, env_extra: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[int, str, int]:
    """Run Python ``code`` in a fresh process; (exit code, stderr, its peak memory in bytes).

    The peak is the process's own high-water mark (VmHWM), not ru_maxrss: Linux carries the forking
    parent's peak into ru_maxrss across exec, so a child of a 2 GB pytest process would report 2 GB."""
    wrapper = (
        "import sys\nrc = 0\ntry:\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
        + "finally:\n    hwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
        "    print('PEAK', hwm * 1024, file=sys.stderr)\nsys.exit(rc)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != ENV_MAX_TABLE_MB}
    env.update(env_extra or {})
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, "-c", wrapper], capture_output=True, text=True, env=env, cwd=cwd or ROOT, timeout=300
    )
    peak = int(next(line.split()[1] for line in proc.stderr.splitlines() if line.startswith("PEAK ")))
    return proc.returncode, proc.stderr, peak


def _constant_parquet(path: Path, rows_per_group: int = 10**6, groups: int = 100) -> Path:
    """The probe: ``rows_per_group x groups`` rows of one constant int64, written from a dictionary array
    (indices all 0), so neither 1e8 Python objects nor an 800 MB array is ever made."""
    column = pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows_per_group, np.int32)), pa.array([7], pa.int64()))
    table = pa.table({"value": column})
    with pq.ParquetWriter(path, table.schema, store_schema=False) as writer:  # read back as plain int64
        for _ in range(groups):
            writer.write_table(table)
    return path


@pytest.fixture(scope="module")
def bomb_parquet(tmp_path_factory) -> Path:
    return _constant_parquet(tmp_path_factory.mktemp("parquet") / "current.parquet")


# ---------------------------------------------------------------- ONNX: external data
def test_relative_external_data_is_refused_and_nothing_is_read(server_folder, no_session):
    data = _add_w(".streamlit/config.toml")
    with pytest.raises(ModelError) as info:
        load_model(data, "probe.onnx")
    message = str(info.value)
    assert message.startswith(
        "probe.onnx keeps weights outside the file: initializer 'w' at "
        "'.streamlit/config.toml' is stored as external data."
    )
    assert "save_as_external_data=False" in message and "not opened" in message
    assert MARKER.decode() not in message and not no_session
    (server_folder / "probe.onnx").write_bytes(data)  # from a path, and sniffed without an extension
    for source, name in [(server_folder / "probe.onnx", None), (data, "upload")]:
        with pytest.raises(ModelError, match="keeps weights outside the file"):
            load_model(source, name)
    assert not no_session


def test_the_probe_model_really_reads_the_file_when_onnxruntime_gets_it(server_folder):
    """Why the check exists: onnxruntime 1.32, given these bytes, returns the marker as predictions."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.log_severity_level = 4
    try:
        session = ort.InferenceSession(
            _add_w(".streamlit/config.toml"), sess_options=opts, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # noqa: BLE001 - a later onnxruntime may refuse it itself
        pytest.skip(f"this onnxruntime refuses external data from bytes itself: {exc}")
    leaked = session.run(None, {"x": np.zeros((1, 4), np.float32)})[0].tobytes()
    assert leaked == MARKER


def test_absolute_external_data_is_refused(tmp_path, no_session):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(MARKER)
    with pytest.raises(ModelError, match=rf"initializer 'w' at '{secret}' is stored as external data"):
        load_model(_add_w(str(secret)), "probe.onnx")
    assert not no_session


def _in_subgraph(location: str) -> bytes:
    """The external tensor as a Constant in the then-branch of an If."""
    out = helper.make_tensor_value_info("c", TensorProto.FLOAT, [4])
    const = helper.make_node("Constant", [], ["c"], value=_external("hidden", location))
    branch = helper.make_graph([const], "then", [], [out])
    cond = helper.make_node("Constant", [], ["cond"], value=helper.make_tensor("t", TensorProto.BOOL, [], [True]))
    node = helper.make_node("If", ["cond"], ["w"], then_branch=branch, else_branch=branch, name="if")
    return _model([cond, node, helper.make_node("Add", ["x", "w"], ["y"])])


def _in_function(location: str) -> bytes:
    const = helper.make_node("Constant", [], ["c"], value=_external("hidden", location))
    add = helper.make_node("Add", ["a", "c"], ["b"])
    fn = helper.make_function("local", "AddSecret", ["a"], ["b"], [const, add], [helper.make_opsetid("", 13)])
    return _model([helper.make_node("AddSecret", ["x"], ["y"], domain="local")], functions=[fn])


def _sparse_values(location: str) -> bytes:
    values = _external("sw", location)
    indices = helper.make_tensor("sw_i", TensorProto.INT64, [4], [0, 1, 2, 3])
    sparse = helper.make_sparse_tensor(values, indices, [4])
    return _model([helper.make_node("Add", ["x", "sw"], ["y"])], sparse=[sparse])


@pytest.mark.parametrize(
    "build, where",
    [
        (_in_subgraph, "_branch' of the If node 'if' at"),  # the Constant in the then or else branch
        (_in_function, "in function 'AddSecret'"),
        (_sparse_values, "the values of sparse initializer 'sw'"),
    ],
)
def test_external_data_is_refused_wherever_it_hides(server_folder, no_session, build, where):
    with pytest.raises(ModelError, match="keeps weights outside the file") as info:
        load_model(build(".streamlit/config.toml"), "probe.onnx")
    assert where in str(info.value) and "'.streamlit/config.toml'" in str(info.value)
    assert not no_session


# ---------------------------------------------------------------- ONNX: memory
def _sparse_bomb() -> bytes:
    values = helper.make_tensor("W", TensorProto.FLOAT, [1], [1.0])
    indices = helper.make_tensor("W_i", TensorProto.INT64, [1], [0])
    sparse = helper.make_sparse_tensor(values, indices, [20000, 30000])
    return _model([helper.make_node("Add", ["x", "x"], ["y"])], sparse=[sparse])


def test_sparse_bomb_is_refused_at_once_without_a_session(no_session):
    data = _sparse_bomb()
    assert len(data) < 160  # the probe's file was 154 bytes
    start = time.perf_counter()
    with pytest.raises(ModelError) as info:
        load_model(data, "sparse.onnx", max_weight_bytes=600 * 2**20)
    assert time.perf_counter() - start < 1.0 and not no_session  # onnxruntime would have made 2.2 GB
    assert str(info.value).startswith(
        "sparse.onnx would need 2.2 GB of memory for its weights once expanded (the largest: sparse initializer "
        "'W': 20,000 x 30,000 = 600,000,000 values of float once made dense, 2.2 GB), more than the 600 MB allowed "
        "for a model (the table budget, ROBUSTNESS_MAX_TABLE_MB), so the model was not opened."
    )


def test_the_default_model_budget_is_the_table_budget(monkeypatch, no_session):
    monkeypatch.setenv(ENV_MAX_TABLE_MB, "100")
    with pytest.raises(ModelError, match="more than the 100 MB allowed for a model"):
        load_model(_sparse_bomb(), "sparse.onnx")
    assert not no_session


def test_large_dense_weights_are_refused_above_the_budget():
    w = numpy_helper.from_array(np.zeros((256, 1024), np.float32), "w")  # 1 MB
    data = _model([helper.make_node("Add", ["x", "x"], ["y"])], [w])
    with pytest.raises(ModelError, match=r"would need 1 MB .* initializer 'w': 256 x 1,024"):
        load_model(data, "dense.onnx", max_weight_bytes=512 * 1024)
    from robustness.models.onnx_proto import check_onnx

    check_onnx(data, "dense.onnx", max_weight_bytes=2 * 2**20)  # within the budget: no error


@pytest.mark.parametrize("shape_from", ["initializer", "constant"])
def test_constant_shapes_that_allocate_too_much_are_refused(shape_from, no_session):
    shape = [100_000, 100_000]
    if shape_from == "initializer":
        inits = [numpy_helper.from_array(np.array(shape, np.int64), "shape")]
        nodes = [helper.make_node("ConstantOfShape", ["shape"], ["big"], name="fill")]
        expected = "the ConstantOfShape node 'fill' makes a tensor of shape 100,000 x 100,000"
    else:
        inits = []
        nodes = [
            helper.make_node("Constant", [], ["shape"], value_ints=[1] + shape),
            helper.make_node("Expand", ["x", "shape"], ["big"], name="grow"),
        ]
        expected = "the Expand node 'grow' makes a tensor of shape 1 x 100,000 x 100,000"
    data = _model(nodes + [helper.make_node("Add", ["x", "x"], ["y"])], inits)
    with pytest.raises(ModelError, match="would need 37.3 GB of memory for its constant tensors") as info:
        load_model(data, "shape.onnx", max_weight_bytes=600 * 2**20)
    assert expected in str(info.value) and "Export the model without that node" in str(info.value)
    assert not no_session


def test_small_constant_shapes_and_shapes_known_at_run_time_are_left_alone():
    from robustness.models.onnx_proto import check_onnx

    small = [numpy_helper.from_array(np.array([2, 4], np.int64), "shape")]
    nodes = [
        helper.make_node("ConstantOfShape", ["shape"], ["z"]),
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("ConstantOfShape", ["s"], ["z2"]),
        helper.make_node("Add", ["x", "x"], ["y"]),
    ]
    check_onnx(_model(nodes, small), "fine.onnx", max_weight_bytes=1024)


def test_a_normal_model_still_loads_and_predicts():
    w = numpy_helper.from_array(np.ones(4, np.float32), "w")
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 1])
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["m"]), helper.make_node("Unsqueeze", ["m", "axes"], ["y"])],
        "ok",
        [x],
        [y],
        [w, numpy_helper.from_array(np.array([1], np.int64), "axes")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    adapter = load_model(model.SerializeToString(), "ok.onnx", feature_names=list("abcd"))
    frame = pd.DataFrame(np.arange(8, dtype=float).reshape(2, 4), columns=list("abcd"))
    assert adapter.predict(frame).tolist() == [6.0, 22.0]


def test_the_cli_reports_the_refusal(server_folder, capsys):
    from robustness.cli import main

    (server_folder / "probe.onnx").write_bytes(_add_w(".streamlit/config.toml"))
    assert main(["inspect", "--model", str(server_folder / "probe.onnx")]) == 2
    captured = capsys.readouterr()
    assert "keeps weights outside the file" in captured.err and MARKER.decode() not in captured.out + captured.err


# ---------------------------------------------------------------- Parquet and CSV: the table budget
def test_parquet_bomb_is_refused_before_reading(bomb_parquet):
    assert bomb_parquet.stat().st_size < 1024**2  # the probe's file was 437 KB
    meta = pq.ParquetFile(bomb_parquet).metadata
    assert (meta.num_rows, meta.num_columns) == (10**8, 1)
    code = (
        f"from robustness.io.data import read_table\nfrom robustness.errors import DataError\n"
        f"import time\nt = time.perf_counter()\ntry:\n    read_table({str(bomb_parquet)!r})\n"
        f"    rc = 1\nexcept DataError as e:\n    print('SECONDS', time.perf_counter() - t, file=sys.stderr)\n"
        f"    print(e, file=sys.stderr)\n    rc = 2"
    )
    rc, err, peak = _peak_run(code, {ENV_MAX_TABLE_MB: "100"})
    assert rc == 2, err
    assert peak < GB, f"peak {peak / 2**20:.0f} MB"
    seconds = float(next(line.split()[1] for line in err.splitlines() if line.startswith("SECONDS")))
    assert seconds < 1.0
    assert (
        "current.parquet would take about 763 MB in memory once read (100,000,000 rows x 1 column, estimated "
        "from its Parquet footer), more than the table budget of 100 MB (ROBUSTNESS_MAX_TABLE_MB). Use a sample "
        "of the rows (for example a random 10%), or run the checks on the Dask engine, which reads Parquet part "
        "by part: in the CLI `robustness drift --engine dask` (also report and stress), in the app the "
        "large-dataset section."
    ) in err


def _shared_row_groups(columns: int, rows_per_group: int, groups: int) -> bytes:
    """A Parquet file whose footer lists the same row group ``groups`` times (the format allows it):
    ``columns`` x ``rows_per_group x groups`` constant int64 values, written once."""
    column = pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows_per_group, np.int32)), pa.array([7], pa.int64()))
    buf = io.BytesIO()
    pq.write_table(pa.table({f"c{i}": column for i in range(columns)}), buf, store_schema=False)
    one = buf.getvalue()
    meta, again = (pq.ParquetFile(io.BytesIO(one)).metadata for _ in range(2))
    for _ in range(groups - 1):
        meta.append_row_groups(again)
    footer = io.BytesIO()
    meta.write_metadata_file(footer)
    return one[: len(one) - int.from_bytes(one[-8:-4], "little") - 8] + footer.getvalue()[4:]


def test_the_default_budget_refuses_it_on_any_machine_under_1_tb(monkeypatch):
    monkeypatch.delenv(ENV_MAX_TABLE_MB, raising=False)
    data = _shared_row_groups(columns=5, rows_per_group=10**6, groups=1000)  # 5 x 1e9 int64: 37 GB
    pfile = pq.ParquetFile(io.BytesIO(data))
    assert pfile.metadata.num_rows == 10**9 and len(data) < 1024**2
    assert pfile.read_row_group(999, columns=["c4"]).column(0)[0].as_py() == 7  # a real, readable file
    start = time.perf_counter()
    with pytest.raises(
        DataError,
        match=r"would take about 37\.3 GB in memory once read \(1,000,000,000 rows x 5 "
        r"columns, estimated from its Parquet footer\)",
    ):
        read_table(data, "huge.parquet")
    assert time.perf_counter() - start < 2.0
    assert 5 * 10**9 * 8 > 2**40 // 40  # above the default budget (memory / 40) of a 1 TB machine


def test_a_long_string_repeated_on_every_row_is_refused_from_its_values(tmp_path):
    """The footer cannot see it (one 10 KB dictionary value, 1e6 indices): read as dictionaries, counted,
    refused before the strings are expanded to 9.3 GB."""
    column = pa.DictionaryArray.from_arrays(pa.array(np.zeros(10**5, np.int32)), pa.array(["x" * 10_000]))
    table = pa.table({"s": column})
    path = tmp_path / "strings.parquet"
    with pq.ParquetWriter(path, table.schema, store_schema=False) as writer:
        for _ in range(10):
            writer.write_table(table)
    code = (
        f"from robustness.io.data import read_table\nfrom robustness.errors import DataError\ntry:\n"
        f"    read_table({str(path)!r})\n    rc = 1\nexcept DataError as e:\n    print(e, file=sys.stderr)\n"
        f"    rc = 2"
    )
    rc, err, peak = _peak_run(code, {ENV_MAX_TABLE_MB: "600"})
    assert rc == 2 and peak < GB, (err, peak)
    assert (
        "would take about 9.3 GB in memory once read (1,000,000 rows x 1 column, estimated from its Parquet "
        "values)" in err
    )


def test_tables_well_under_the_budget_still_load(tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "age": rng.integers(18, 90, 50_000),
            "income": rng.normal(5e4, 1e4, 50_000),
            "city": rng.choice(["Zürich", "Genève", "Bern"], 50_000),
            "id": [f"c{i}" for i in range(50_000)],
            "member": rng.random(50_000) > 0.5,
        }
    )
    df.to_parquet(tmp_path / "ref.parquet", index=False)
    df.to_csv(tmp_path / "ref.csv", index=False)
    pd.testing.assert_frame_equal(read_table(tmp_path / "ref.parquet").frame, df)  # the default budget
    pd.testing.assert_frame_equal(read_table(tmp_path / "ref.csv").frame, df)
    pd.testing.assert_frame_equal(read_table(tmp_path / "ref.parquet", max_table_bytes=50 * 2**20).frame, df)


def test_csv_is_measured_as_the_frame_it_becomes_not_as_text():
    text = b"a,b\n" + b"1,2\n" * 2_000_000  # 8 MB of text, a 32 MB frame
    with pytest.raises(
        DataError,
        match=r"current.csv would take about 3\d MB in memory once read .* estimated from "
        r"a sample of its lines\), more than the table budget of 16 MB .* save the "
        r"data as Parquet and run the checks on the Dask engine",
    ):
        read_table(text, "current.csv", max_table_bytes=16 * 2**20)
    assert read_table(text, "current.csv", max_table_bytes=64 * 2**20).frame.shape == (2_000_000, 2)


# ---------------------------------------------------------------- the CLI
def test_the_cli_memory_engine_refuses_it_with_exit_2(bomb_parquet):
    args = ["drift", "--reference", str(bomb_parquet), "--current", str(bomb_parquet), "--engine", "memory"]
    code = f"from robustness.cli import main\nrc = main({json.dumps(args)})"
    rc, err, peak = _peak_run(code, {ENV_MAX_TABLE_MB: "100"})
    assert rc == 2, err
    assert peak < GB, f"peak {peak / 2**20:.0f} MB"  # the probe took 6 GB
    assert (
        "robustness: error: " + str(bomb_parquet) + " would take about 763 MB in memory (100,000,000 rows x 1 "
        "column, estimated from its Parquet footer), more than the table budget of 100 MB "
        "(ROBUSTNESS_MAX_TABLE_MB), so the in-memory engine does not read it. Run `robustness drift` again with "
        "`--engine dask`"
    ) in err


def test_engine_auto_picks_dask_above_the_budget_and_says_so(bomb_parquet, monkeypatch):
    monkeypatch.setenv(ENV_MAX_TABLE_MB, "100")
    choice = choose_engine("auto", [str(bomb_parquet), str(bomb_parquet)], command="report")
    assert choice.engine == "dask"
    assert choice.note.endswith(
        "more than the table budget of 100 MB (ROBUSTNESS_MAX_TABLE_MB): using the Dask "
        "engine, which reads Parquet part by part."
    )
    with pytest.raises(DataError, match=r"Run `robustness report` again with `--engine dask`"):
        choose_engine("memory", [str(bomb_parquet)], command="report")
    monkeypatch.setenv(ENV_MAX_TABLE_MB, "1000")  # within the budget: memory, as before
    assert choose_engine("auto", [str(bomb_parquet)]).engine == "memory"
