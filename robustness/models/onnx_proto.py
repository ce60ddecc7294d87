"""What an ONNX file holds, read before onnxruntime opens it.

Given a model as bytes, onnxruntime still reads the *external data* a model names (tensor values
kept in other files, at paths relative to the server's working folder, or absolute: an upload
could have the server's own files come back as weights), expands *sparse* initializers to dense
arrays (a 154-byte file can ask for 2.4 GB) and folds nodes with constant inputs into tensors at
load (ConstantOfShape or Expand with a constant shape). :func:`check_onnx` refuses such files
with a :class:`~robustness.errors.ModelError` before any session exists:

- any tensor stored as external data (``data_location = EXTERNAL`` or ``external_data`` entries),
  anywhere: graph initializers, sparse initializers (values and indices), tensor attributes
  (Constant values and the like), subgraphs of If/Loop/Scan at any depth, functions, and
  training_info graphs;
- weights whose dense size (dims x element width; sparse tensors counted as the dense arrays they
  become) exceeds the budget;
- ConstantOfShape / Expand nodes whose shape is a constant (an initializer or a Constant node in
  scope) and whose output, with the weights, exceeds the budget. Expand counts the product of the
  shape (each output dimension is at least that), in the input's element width when the input
  is a constant, else 4 bytes (float32).

Left alone: shapes computed at run time (from the data's row count, Shape, Range, arithmetic on
shapes), other ops that can make large outputs from small inputs (Tile, Resize, Pad, OneHot, ...)
and what onnxruntime allocates while running; a process-level memory limit is the backstop.

The file is parsed with protobuf against a subset of onnx.proto declared here (only the fields
read below; the parser skips every other field), so the ``onnx`` package stays a test-only
dependency. protobuf is installed with onnxruntime, which needs it. Its parser is C (upb) and
follows protobuf's rules as onnxruntime's does (a message field given twice is merged, packed
and unpacked numbers both read), which a hand-written reader would have to copy. On a 21 MB
random forest (skl2onnx, 100 trees) parsing takes 0.12 s; the pure-Python field walker this
replaces took 3.9 s to find the class labels.
"""

from __future__ import annotations

import math
from collections import ChainMap
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError

from robustness.errors import ModelError

__all__ = ["check_onnx", "class_labels", "looks_like_onnx", "parse_model"]

# TensorProto.DataType -> (name, bits per element); std::string is 32 bytes in onnxruntime
_TYPES = {
    1: ("float", 32),
    2: ("uint8", 8),
    3: ("int8", 8),
    4: ("uint16", 16),
    5: ("int16", 16),
    6: ("int32", 32),
    7: ("int64", 64),
    8: ("string", 256),
    9: ("bool", 8),
    10: ("float16", 16),
    11: ("double", 64),
    12: ("uint32", 32),
    13: ("uint64", 64),
    14: ("complex64", 64),
    15: ("complex128", 128),
    16: ("bfloat16", 16),
    17: ("float8e4m3fn", 8),
    18: ("float8e4m3fnuz", 8),
    19: ("float8e5m2", 8),
    20: ("float8e5m2fnuz", 8),
    21: ("uint4", 4),
    22: ("int4", 4),
    23: ("float4e2m1", 4),
    24: ("float8e8m0", 8),
    25: ("uint2", 2),
    26: ("int2", 2),
    27: ("float6e2m3", 6),
    28: ("float6e3m2", 6),
}
_FLOAT, _INT32, _INT64, _EXTERNAL = 1, 6, 7, 1
_MAX_SHAPE_RANK = 64  # a shape tensor with more values than this is not read
_DEFAULT_DOMAINS = (b"", b"ai.onnx")


def _build_classes() -> dict[str, Any]:
    F = descriptor_pb2.FieldDescriptorProto
    opt, rep = F.LABEL_OPTIONAL, F.LABEL_REPEATED
    msg, i64, i32, byt = F.TYPE_MESSAGE, F.TYPE_INT64, F.TYPE_INT32, F.TYPE_BYTES
    messages = {  # name: [(field, number, label, type, message type)]; field numbers as in onnx.proto
        "Entry": [("key", 1, opt, byt, ""), ("value", 2, opt, byt, "")],
        "Tensor": [
            ("dims", 1, rep, i64, ""),
            ("data_type", 2, opt, i32, ""),
            ("int32_data", 5, rep, i32, ""),
            ("int64_data", 7, rep, i64, ""),
            ("name", 8, opt, byt, ""),
            ("raw_data", 9, opt, byt, ""),
            ("external_data", 13, rep, msg, "Entry"),
            ("data_location", 14, opt, i32, ""),
        ],
        "Sparse": [("values", 1, opt, msg, "Tensor"), ("indices", 2, opt, msg, "Tensor"), ("dims", 3, rep, i64, "")],
        "Attribute": [
            ("name", 1, opt, byt, ""),
            ("i", 3, opt, i64, ""),
            ("t", 5, opt, msg, "Tensor"),
            ("g", 6, opt, msg, "Graph"),
            ("ints", 8, rep, i64, ""),
            ("strings", 9, rep, byt, ""),
            ("tensors", 10, rep, msg, "Tensor"),
            ("graphs", 11, rep, msg, "Graph"),
            ("sparse_tensor", 22, opt, msg, "Sparse"),
            ("sparse_tensors", 23, rep, msg, "Sparse"),
        ],
        "Node": [
            ("input", 1, rep, byt, ""),
            ("output", 2, rep, byt, ""),
            ("name", 3, opt, byt, ""),
            ("op_type", 4, opt, byt, ""),
            ("attribute", 5, rep, msg, "Attribute"),
            ("domain", 7, opt, byt, ""),
        ],
        "Graph": [
            ("node", 1, rep, msg, "Node"),
            ("name", 2, opt, byt, ""),
            ("initializer", 5, rep, msg, "Tensor"),
            ("sparse_initializer", 15, rep, msg, "Sparse"),
        ],
        "Training": [("initialization", 1, opt, msg, "Graph"), ("algorithm", 2, opt, msg, "Graph")],
        "Function": [
            ("name", 1, opt, byt, ""),
            ("node", 7, rep, msg, "Node"),
            ("attribute_proto", 11, rep, msg, "Attribute"),
        ],
        "Model": [
            ("ir_version", 1, opt, i64, ""),
            ("graph", 7, opt, msg, "Graph"),
            ("training_info", 20, rep, msg, "Training"),
            ("functions", 25, rep, msg, "Function"),
        ],
    }
    package = "robustness_onnx_subset"
    file = descriptor_pb2.FileDescriptorProto(name=f"{package}.proto", package=package, syntax="proto2")
    for name, fields in messages.items():
        m = file.message_type.add(name=name)
        for fname, number, label, ftype, type_name in fields:
            f = m.field.add(name=fname, number=number, label=label, type=ftype)
            if type_name:
                f.type_name = f".{package}.{type_name}"
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    get = getattr(message_factory, "GetMessageClass", None) or message_factory.MessageFactory(pool).GetPrototype
    return {name: get(pool.FindMessageTypeByName(f"{package}.{name}")) for name in messages}


_Model = _build_classes()["Model"]


def parse_model(data: bytes) -> Any:
    """The model as the subset's ModelProto; DecodeError when the bytes are not a protobuf."""
    return _Model.FromString(bytes(data))


def looks_like_onnx(data: bytes) -> bool:
    """Whether the bytes parse as an ONNX ModelProto with an IR version and a graph of nodes."""
    try:
        model = parse_model(data)
    except DecodeError:
        return False
    return model.ir_version > 0 and model.HasField("graph") and len(model.graph.node) > 0


def class_labels(data: bytes) -> list[int] | list[str] | None:
    """Class labels stored in the main graph (ZipMap first, else the *Classifier node), or None."""
    try:
        graph = parse_model(data).graph
        zipmaps: list[list[int] | list[str]] = []
        classifiers: list[list[int] | list[str]] = []
        for node in graph.node:
            labels: list[int] | list[str] | None = None
            for attr in node.attribute:
                if attr.name in (b"classlabels_int64s", b"classlabels_ints"):
                    labels = list(attr.ints) or labels
                elif attr.name == b"classlabels_strings":
                    labels = [s.decode() for s in attr.strings] or labels
            if labels:
                (zipmaps if node.op_type == b"ZipMap" else classifiers).append(labels)
    except (DecodeError, UnicodeDecodeError):
        return None
    if zipmaps:
        return zipmaps[-1]
    if classifiers and all(c == classifiers[0] for c in classifiers):
        return classifiers[0]
    return None


# -- the checks ------------------------------------------------------------------------------------


@dataclass
class _Found:
    external: list[str] = field(default_factory=list)
    weights: list[tuple[int, str]] = field(default_factory=list)  # (dense bytes, what)
    allocations: list[tuple[int, str]] = field(default_factory=list)


def _text(b: bytes, limit: int = 60) -> str:
    s = b.decode("utf-8", "replace")
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _elements(dims: Iterable[int]) -> int:
    return math.prod(max(int(d), 0) for d in dims)


def _bytes(n: int, data_type: int) -> int:
    return (n * _TYPES.get(data_type, ("", 64))[1] + 7) // 8


def _shape_text(dims: Iterable[int]) -> str:
    dims = list(dims)
    return " x ".join(f"{d:,}" for d in dims[:8]) + (" x …" if len(dims) > 8 else "") if dims else "a scalar"


def _tensor(t: Any, what: str, found: _Found) -> None:
    if t.data_location == _EXTERNAL or len(t.external_data):
        location = next((e.value for e in t.external_data if e.key == b"location"), b"")
        found.external.append(f"{what} at '{_text(location, 200)}'" if location else what)
    n = _elements(t.dims)
    found.weights.append(
        (_bytes(n, t.data_type), f"{what}: {_shape_text(t.dims)} = {n:,} values of {_type_name(t.data_type)}")
    )


def _sparse(s: Any, what: str, found: _Found) -> None:
    for part, t in (("values", s.values), ("indices", s.indices)):
        if t.data_location == _EXTERNAL or len(t.external_data):
            location = next((e.value for e in t.external_data if e.key == b"location"), b"")
            found.external.append(f"the {part} of {what}" + (f" at '{_text(location, 200)}'" if location else ""))
    n = _elements(s.dims)
    found.weights.append(
        (
            _bytes(n, s.values.data_type),
            f"{what}: {_shape_text(s.dims)} = {n:,} values of {_type_name(s.values.data_type)} once made dense",
        )
    )


def _type_name(data_type: int) -> str:
    return _TYPES.get(data_type, (f"type {data_type}", 0))[0]


def _values(t: Any) -> list[int] | None:
    """The integers of a small int64/int32 tensor (a shape), or None."""
    if t is None or t.data_location == _EXTERNAL or _elements(t.dims) > _MAX_SHAPE_RANK:
        return None
    if t.data_type == _INT64:
        if t.raw_data:
            return np.frombuffer(t.raw_data[: len(t.raw_data) // 8 * 8], "<i8").tolist()
        return list(t.int64_data)
    if t.data_type == _INT32:
        if t.raw_data:
            return np.frombuffer(t.raw_data[: len(t.raw_data) // 4 * 4], "<i4").tolist()
        return list(t.int32_data)
    return None


def _constant(node: Any) -> tuple[list[int] | None, int | None]:
    """(integer values if a small int tensor, element type) of a Constant node's output."""
    for attr in node.attribute:
        if attr.name == b"value" and attr.HasField("t"):
            return _values(attr.t), attr.t.data_type
        if attr.name == b"value_ints":
            return (list(attr.ints) if len(attr.ints) <= _MAX_SHAPE_RANK else None), _INT64
        if attr.name == b"value_int":
            return [attr.i], _INT64
        if attr.name in (b"value_float", b"value_floats"):
            return None, _FLOAT
    return None, None


def _lookup(consts: MutableMapping[bytes, Any], name: bytes) -> tuple[list[int] | None, int | None]:
    value = consts.get(name)
    if value is None:
        return None, None
    if isinstance(value, tuple):
        return value
    return _values(value), value.data_type  # an initializer


def _allocation(node: Any, op: str, label: str, consts: MutableMapping[bytes, Any], found: _Found) -> None:
    if op == "ConstantOfShape":
        if not node.input:
            return
        shape, _ = _lookup(consts, node.input[0])
        width = next((a.t.data_type for a in node.attribute if a.name == b"value" and a.HasField("t")), _FLOAT)
    else:  # Expand(input, shape)
        if len(node.input) < 2:
            return
        shape, _ = _lookup(consts, node.input[1])
        width = _lookup(consts, node.input[0])[1] or _FLOAT
    if shape is None:
        return  # the shape is computed at run time: left alone
    n = _elements(shape)
    found.allocations.append(
        (
            _bytes(n, width),
            f"{label} makes a tensor of shape {_shape_text(shape)} ({n:,} values of {_type_name(width)})",
        )
    )


def _nodes(nodes: Any, where: str, consts: MutableMapping[bytes, Any], found: _Found) -> None:
    for node in nodes:  # Constant outputs first: they are in scope for every node of the graph
        if node.op_type == b"Constant" and node.domain in _DEFAULT_DOMAINS and node.output:
            consts[node.output[0]] = _constant(node)
    for node in nodes:
        op = _text(node.op_type)
        article = "an" if op[:1].lower() in "aeiou" else "a"
        label = f"the {op} node '{_text(node.name)}'{where}" if node.name else f"{article} {op} node{where}"
        for attr in node.attribute:
            _attribute(attr, f"attribute '{_text(attr.name)}' of {label}", consts, found)
        if op in ("ConstantOfShape", "Expand") and node.domain in _DEFAULT_DOMAINS:
            _allocation(node, op, label, consts, found)


def _attribute(attr: Any, what: str, consts: MutableMapping[bytes, Any], found: _Found) -> None:
    if attr.HasField("t"):
        _tensor(attr.t, what, found)
    for t in attr.tensors:
        _tensor(t, what, found)
    if attr.HasField("sparse_tensor"):
        _sparse(attr.sparse_tensor, what, found)
    for s in attr.sparse_tensors:
        _sparse(s, what, found)
    inner = f" in the subgraph of {what}"
    if attr.HasField("g"):
        _graph(attr.g, inner, consts, found)
    for g in attr.graphs:
        _graph(g, inner, consts, found)


def _graph(graph: Any, where: str, outer: MutableMapping[bytes, Any], found: _Found) -> None:
    consts: ChainMap = ChainMap({}, outer)  # a subgraph sees the names of the graphs around it
    for t in graph.initializer:
        consts[t.name] = t
        _tensor(t, f"initializer '{_text(t.name)}'{where}", found)
    for s in graph.sparse_initializer:
        _sparse(s, f"sparse initializer '{_text(s.values.name)}'{where}", found)
    _nodes(graph.node, where, consts, found)


def _scan(model: Any) -> _Found:
    found = _Found()
    if model.HasField("graph"):
        _graph(model.graph, "", {}, found)
    for f in model.functions:
        where = f" in function '{_text(f.name)}'"
        for attr in f.attribute_proto:
            _attribute(attr, f"default attribute '{_text(attr.name)}'{where}", {}, found)
        _nodes(f.node, where, {}, found)
    for info in model.training_info:
        for part in ("initialization", "algorithm"):
            if info.HasField(part):
                _graph(getattr(info, part), f" in the training {part} graph", {}, found)
    return found


def _size(n: int) -> str:
    from robustness.io.budget import format_bytes

    return format_bytes(n)


def check_onnx(data: bytes, name: str, *, max_weight_bytes: int) -> None:
    """Refuse an ONNX model that names external data or needs more than ``max_weight_bytes`` for its
    weights and constant-shape tensors (see the module docstring); ``name`` is used in messages."""
    what = "The " + name[4:] if name.startswith("the ") else name
    try:
        model = parse_model(data)
    except DecodeError as exc:  # "Error parsing message with type '...Model': Wire format was corrupt"
        detail = str(exc).rsplit(": ", 1)[-1].rstrip(".") or "it could not be parsed"
        raise ModelError(
            f"{what} could not be opened as an ONNX model: it is not a valid ONNX protobuf "
            f"({detail.lower()}). The file may be damaged or truncated; export it again (e.g. with "
            "skl2onnx.to_onnx) and upload the complete file."
        ) from None
    found = _scan(model)
    if found.external:
        n = len(found.external)
        more = f" and {n - 1} more" if n > 1 else ""
        raise ModelError(
            f"{what} keeps weights outside the file: {found.external[0]}{more} is stored as external data. "
            "Only self-contained ONNX files are opened (a model may not make this program read other files), "
            "so the model was not opened. Save the model with its weights inside the file, e.g. "
            "onnx.save_model(model, path, save_as_external_data=False), and use that file."
        )
    weights = sum(b for b, _ in found.weights)
    budget = f"{_size(max_weight_bytes)} allowed for a model (the table budget, ROBUSTNESS_MAX_TABLE_MB)"
    if weights > max_weight_bytes:
        largest = max(found.weights)
        raise ModelError(
            f"{what} would need {_size(weights)} of memory for its weights once expanded (the largest: "
            f"{largest[1]}, {_size(largest[0])}), more than the {budget}, so the model was not opened. Use a "
            "smaller model or, if this machine has the memory, raise ROBUSTNESS_MAX_TABLE_MB."
        )
    total = weights + sum(b for b, _ in found.allocations)
    if total > max_weight_bytes:
        largest = max(found.allocations)
        raise ModelError(
            f"{what} would need {_size(total)} of memory for its constant tensors: {largest[1]}, "
            f"{_size(largest[0])}. That is more than the {budget}, so the model was not opened. Export the model "
            "without that node or with a smaller shape."
        )
