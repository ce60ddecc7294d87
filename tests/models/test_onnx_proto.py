"""The ONNX subset reader: protobuf's rules (merged fields), damaged bytes, class labels, sniffing."""

from __future__ import annotations

import numpy as np
import pytest

from robustness.errors import ModelError
from robustness.models.onnx_proto import check_onnx, class_labels, looks_like_onnx

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


def _model(nodes, initializers=(), outputs=None) -> onnx.ModelProto:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])
    outs = outputs or [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 4])]
    graph = helper.make_graph(nodes, "g", [x], outs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def test_a_graph_given_twice_is_merged_as_onnxruntime_merges_it():
    """protobuf merges a message field that appears twice; a reader taking the first graph would miss
    the initializer hidden in the second."""
    plain = _model([helper.make_node("Add", ["x", "w"], ["y"])]).SerializeToString()
    hidden = numpy_helper.from_array(np.zeros(4, np.float32), "w")
    onnx.external_data_helper.set_external_data(hidden, location="/etc/hostname")
    hidden.data_location = TensorProto.EXTERNAL
    hidden.ClearField("raw_data")
    extra = onnx.ModelProto(graph=onnx.GraphProto(initializer=[hidden])).SerializeToString()
    data = plain + extra
    assert [t.name for t in onnx.load_from_string(data).graph.initializer] == ["w"]  # what a parser sees
    with pytest.raises(ModelError, match="initializer 'w' at '/etc/hostname' is stored as external data"):
        check_onnx(data, "merged.onnx", max_weight_bytes=2**30)


def test_damaged_bytes_are_a_model_error_naming_protobuf():
    with pytest.raises(
        ModelError,
        match=r"^the.onnx could not be opened as an ONNX model: it is not a valid ONNX "
        r"protobuf .*export it again",
    ):
        check_onnx(b"\x3a\xff\x01", "the.onnx", max_weight_bytes=2**30)


def test_class_labels_from_a_zipmap_with_strings():
    probs = helper.make_tensor_value_info("p", TensorProto.FLOAT, [None, 2])
    zipmap = helper.make_node("ZipMap", ["x"], ["z"], domain="ai.onnx.ml", classlabels_strings=["no", "yes"])
    model = _model([zipmap], outputs=[probs])
    assert class_labels(model.SerializeToString()) == ["no", "yes"]
    assert class_labels(b"\x3a\xff\x01") is None


def test_sniffing_needs_an_ir_version_and_a_graph_of_nodes():
    assert looks_like_onnx(_model([helper.make_node("Add", ["x", "x"], ["y"])]).SerializeToString())
    for data in (b"a,b\n1,2\n", b"PK\x03\x04" + bytes(40), b"\x80\x04\x95", b"", bytes(range(256))):
        assert not looks_like_onnx(data)
