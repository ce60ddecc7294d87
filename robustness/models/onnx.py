"""ONNX models through onnxruntime: DataFrame columns in, labels/probabilities out.

Only onnxruntime is used at run time. Before a session is made, the file is read with protobuf
(:mod:`robustness.models.onnx_proto`; the ``onnx`` package is a test-only dependency) and refused if it
names external data or its weights need more memory than the budget. Class labels are read from
the graph's ZipMap / *Classifier nodes the same way; failing that they are learned from the
first outputs. Import :class:`OnnxAdapter` from :mod:`robustness.models`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import onnxruntime as ort
import pandas as pd
from onnxruntime.capi import onnxruntime_pybind11_state as _ort_state

from robustness.errors import FeatureNamesRequiredError, ModelError
from robustness.io.budget import table_budget
from robustness.jsonsafe import py_scalar
from robustness.models.base import ModelAdapter, ModelSummary, Task, _cap, _quote
from robustness.models.onnx_proto import check_onnx, class_labels

__all__ = ["ORT_ERRORS", "WEIGHT_BUDGET_TABLES", "OnnxAdapter", "graph_class_labels", "open_session", "weight_budget"]

# A model's weights (dense, sparse ones counted as the dense arrays onnxruntime makes of them) and its
# constant-shape tensors may take as much memory as this many tables: the budget is derived from the
# table budget (ROBUSTNESS_MAX_TABLE_MB, default total memory / 40), so one setting bounds both.
WEIGHT_BUDGET_TABLES = 1

ORT_ERRORS: tuple[type[BaseException], ...] = tuple(
    getattr(_ort_state, n)
    for n in (
        "Fail",
        "InvalidArgument",
        "NoSuchFile",
        "NoModel",
        "EngineError",
        "RuntimeException",
        "InvalidProtobuf",
        "ModelLoaded",
        "NotImplemented",
        "InvalidGraph",
        "EPFail",
    )
    if isinstance(getattr(_ort_state, n, None), type)
)
# opening a bad file raises onnxruntime's errors, or UnicodeDecodeError when a damaged name spoils the message
_OPEN_ERRORS: tuple[type[BaseException], ...] = (*ORT_ERRORS, UnicodeDecodeError)

_DTYPES: dict[str, Any] = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(string)": object,
    "tensor(bool)": np.bool_,
}
_FLOATS = ("tensor(float)", "tensor(double)")


def weight_budget() -> int:
    """The most memory a model's weights may need: ``WEIGHT_BUDGET_TABLES`` x the table budget."""
    return table_budget() * WEIGHT_BUDGET_TABLES


def open_session(data: bytes, name: str, *, max_weight_bytes: int | None = None) -> ort.InferenceSession:
    """An onnxruntime session from bytes, made only after :func:`robustness.models.onnx_proto.check_onnx`
    has refused external data (files the model names are never read) and weights above
    ``max_weight_bytes`` (None: :func:`weight_budget`)."""
    limit = weight_budget() if max_weight_bytes is None else max_weight_bytes
    check_onnx(data, name, max_weight_bytes=limit)
    opts = ort.SessionOptions()
    opts.log_severity_level = 4  # failures are raised to the caller, not logged
    try:  # read_config_from_model=0: session options never come from the (untrusted) file
        return ort.InferenceSession(
            bytes(data), sess_options=opts, providers=["CPUExecutionProvider"], read_config_from_model=0
        )
    except _OPEN_ERRORS as exc:
        reason = "it holds damaged text" if isinstance(exc, UnicodeDecodeError) else ort_reason(exc)
        raise ModelError(
            f"{_cap(name)} could not be opened as an ONNX model: {reason}. The file may be "
            "damaged or truncated; export it again (e.g. with skl2onnx.to_onnx) and "
            "upload the complete file."
        ) from exc


def ort_reason(exc: BaseException) -> str:
    """onnxruntime's message without its '[ONNXRuntimeError] : 7 : INVALID_PROTOBUF :' prefix."""
    msg = " ".join(str(exc).split())
    if msg.startswith("[ONNXRuntimeError]"):
        msg = msg.split(" : ", 3)[-1]
    return msg.rstrip(".") or type(exc).__name__


class OnnxAdapter(ModelAdapter):
    """An ONNX graph run by onnxruntime.

    Inputs: one graph input per column (names = column names), or a single 2-D input fed
    with ``feature_names`` in order (given here or stored in the model's metadata_props
    under "feature_names"). Missing strings are fed as "".
    """

    source = "onnx"
    feature_names: list[str]  # always known: the graph's input names, or the columns its matrix input is fed

    def __init__(
        self,
        data: bytes,
        *,
        feature_names: Sequence[str] | None = None,
        classes: Sequence[Any] | None = None,
        name: str = "the ONNX model",
        max_weight_bytes: int | None = None,
    ):
        self.name = name
        self._session = open_session(data, name, max_weight_bytes=max_weight_bytes)
        self._inputs = self._session.get_inputs()
        outputs = self._session.get_outputs()
        meta = self._session.get_modelmeta()
        self._notes: list[str] = []
        if meta.producer_name:
            self._notes.append(f"Exported by {meta.producer_name}")
        self._matrix, self.feature_names = self._plan_inputs(feature_names, meta.custom_metadata_map)
        self._predicted, self._proba = _plan_outputs(outputs, name)
        self._classes: list[Any] | None = None
        self._n_classes: int | None = None
        self._zipmap = False
        if self._proba is not None:
            out = outputs[self._proba]
            self._zipmap = out.type.startswith("seq(")
            width = out.shape[1] if len(out.shape) == 2 and isinstance(out.shape[1], int) else None
            given = None if classes is None else [py_scalar(c) for c in classes]
            if given is not None and width is not None and len(given) != width:
                raise ModelError(
                    f"{len(given)} class labels were given but {name} outputs probabilities "
                    f"for {width} classes. Give one label per probability column, in order."
                )
            labels = given if given is not None else graph_class_labels(data)
            if labels is not None and (width is None or len(labels) == width) and len(labels) >= 2:
                self._classes = labels
            self._n_classes = len(self._classes) if self._classes else width
            if self._n_classes is None:
                self._notes.append("The number of classes is known only after the model has run.")

    # -- public state ------------------------------------------------------------------

    @property
    def task(self) -> Task:  # type: ignore[override]  # read-only: follows the classes learned on the first run
        if self._proba is None:
            return Task.REGRESSION
        return Task.BINARY if self._n_classes == 2 else Task.MULTICLASS

    @property
    def classes(self) -> list[Any] | None:  # type: ignore[override]  # read-only: learned on the first run
        return None if self._classes is None else list(self._classes)

    def summary(self) -> ModelSummary:
        n = len(self._inputs)
        ins = f"1 input of {len(self.feature_names)} columns" if self._matrix else f"{n} input{'s' if n > 1 else ''}"
        outs = "label, probabilities" if self._proba is not None else "prediction"
        return ModelSummary(
            source=self.source,
            estimator=f"ONNX graph ({ins} → {outs})",
            task=self.task,
            feature_names=tuple(self.feature_names),
            classes=None if self._classes is None else tuple(self._classes),
            notes=tuple(self._notes),
        )

    # -- ModelAdapter hooks ----------------------------------------------------------------

    def _model_input(self, X: pd.DataFrame, name: str) -> dict[str, np.ndarray]:
        """The feed dict for onnxruntime, with each column cast to its input's tensor type."""
        if self._matrix:
            inp = self._inputs[0]
            self._require(X, name, [(c, inp.type) for c in self.feature_names])
            arr = np.column_stack([_to_tensor(X[c], inp.type, c, name) for c in self.feature_names])
            return {inp.name: arr}
        self._require(X, name, [(i.name, i.type) for i in self._inputs])
        feeds = {}
        for inp in self._inputs:
            col = _to_tensor(X[inp.name], inp.type, inp.name, name)
            feeds[inp.name] = col if len(inp.shape) == 1 else col.reshape(-1, 1)
        return feeds

    def _raw_predict(self, feeds: dict[str, np.ndarray]) -> Any:
        return self._run(feeds)[self._predicted]

    def _raw_proba(self, feeds: dict[str, np.ndarray]) -> Any:
        return self._proba_matrix(self._run(feeds))

    # -- internals -------------------------------------------------------------------------

    def _run(self, feeds: dict[str, np.ndarray]) -> list[Any]:
        outs = self._session.run(None, feeds)
        if self._proba is not None and self._classes is None:
            self._learn_classes(outs, self._proba)
        return outs

    def _proba_matrix(self, outs: list[Any]) -> np.ndarray:
        assert self._proba is not None, "a regressor has no probabilities: _require_proba refuses it first"
        p = outs[self._proba]
        if not self._zipmap:
            return np.asarray(p, dtype=float)
        if len(p) == 0:
            return np.zeros((0, self._n_classes or 0))
        keys = list(p[0].keys())  # ZipMap keeps the classifier's class order
        return np.array([[row[k] for k in keys] for row in p], dtype=float)

    def _learn_classes(self, outs: list[Any], proba: int) -> None:
        """Class labels from the ZipMap keys, or from the labels of rows with a clear argmax
        (``proba``: the index of the probabilities output)."""
        p = outs[proba]
        if self._zipmap:
            if len(p):
                self._classes = [py_scalar(k) for k in p[0].keys()]
        else:
            probs = np.asarray(p, dtype=float)
            labels = np.asarray(outs[self._predicted]).ravel()
            if probs.ndim != 2 or len(labels) != len(probs) or probs.shape[1] < 2:
                return
            top2 = np.sort(probs, axis=1)[:, -2:]
            clear = top2[:, 1] - top2[:, 0] > 1e-6
            arg = probs.argmax(axis=1)
            found: dict[int, Any] = {}
            for j in range(probs.shape[1]):
                rows = np.flatnonzero(clear & (arg == j))
                if len(rows):
                    found[j] = py_scalar(labels[rows[0]])
            if len(found) == probs.shape[1]:
                self._classes = [found[j] for j in range(probs.shape[1])]
            self._n_classes = probs.shape[1]
        if self._classes is not None:
            self._n_classes = len(self._classes)

    def _plan_inputs(self, given: Sequence[str] | None, meta: dict[str, str]) -> tuple[bool, list[str]]:
        ins, name = self._inputs, self.name
        stored = [s.strip() for s in meta.get("feature_names", "").split(",") if s.strip()] or None
        names = stored or (None if given is None else [str(c) for c in given])
        if len(ins) == 1 and len(ins[0].shape) == 2:
            inp = ins[0]
            width = inp.shape[1] if isinstance(inp.shape[1], int) else None
            if width != 1 or (names is not None and len(names) == 1 and names != [inp.name]):
                if names is None:
                    raise FeatureNamesRequiredError(
                        f"{_cap(name)} takes all features as one input '{inp.name}' ({inp.type}, "
                        f"{width or 'k'} columns) and does not record which columns these are. Give the "
                        "model's feature names in training order (in the app: the 'Feature names' box; in "
                        "the CLI: --feature-names a,b,c), or export the model with a metadata_props entry "
                        "'feature_names' (comma-separated).",
                        width=width,
                    )
                if width is not None and len(names) != width:
                    raise ModelError(
                        f"{_cap(name)} expects {width} feature columns in its input '{inp.name}' but "
                        f"{len(names)} feature names were given: {_quote(names)}. Give exactly "
                        "the training columns, in training order."
                    )
                if inp.type not in _DTYPES:
                    raise ModelError(_unsupported_type(name, inp))
                return True, names
        for inp in ins:
            if inp.type not in _DTYPES or not (
                len(inp.shape) == 1
                or (len(inp.shape) == 2 and not isinstance(inp.shape[1], int))
                or (len(inp.shape) == 2 and inp.shape[1] == 1)
            ):
                raise ModelError(
                    _unsupported_type(name, inp)
                    if inp.type not in _DTYPES
                    else f"{_cap(name)} has an input '{inp.name}' of shape {inp.shape}; inputs must "
                    "be one column each, of shape [rows, 1], or a single [rows, k] input. "
                    "Export the model with one of these layouts."
                )
        return False, [i.name for i in ins]

    def _require(self, X: pd.DataFrame, name: str, needed: list[tuple[str, str]]) -> None:
        missing = [(c, t) for c, t in needed if c not in X.columns]
        if missing:
            expected = ", ".join(f"'{c}' ({t})" for c, t in needed[:12]) + (" …" if len(needed) > 12 else "")
            raise ModelError(
                f"{_cap(name)} lacks {len(missing)} column(s) that {self.name} needs: "
                f"{_quote([c for c, _ in missing])}. The model expects {expected}; columns available: "
                f"{_quote(list(X.columns))}. Rename the columns to match, or give the right feature names."
            )


def _plan_outputs(outputs: Sequence[Any], name: str) -> tuple[int, int | None]:
    """(index of the output ``predict`` reads: the label of a classifier, the value of a regressor;
    index of the probabilities output, None for a regressor)."""
    prob = [i for i, o in enumerate(outputs) if o.type.startswith("seq(map")]
    if not prob:
        prob = [i for i, o in enumerate(outputs) if "prob" in o.name.lower() and o.type in _FLOATS]
    if not prob and len(outputs) == 2:
        prob = [i for i, o in enumerate(outputs) if o.type in _FLOATS and len(o.shape) == 2 and o.shape[1] != 1]
    if len(prob) == 1 and len(outputs) >= 2:
        others = [i for i in range(len(outputs)) if i != prob[0]]
        label = [i for i in others if "label" in outputs[i].name.lower()] or others
        return label[0], prob[0]
    if len(outputs) == 1:
        o = outputs[0]
        if o.type in _FLOATS and (
            len(o.shape) == 1
            or (len(o.shape) == 2 and o.shape[1] in (1, None))
            or (len(o.shape) == 2 and isinstance(o.shape[1], str))
        ):
            return 0, None
    desc = ", ".join(f"'{o.name}' ({o.type} {o.shape})" for o in outputs)
    raise ModelError(
        f"{_cap(name)} has outputs {desc}; expected a label output plus a probabilities output (a "
        "classifier) or a single float output of shape [rows] or [rows, 1] (a regressor). "
        "Export the model again, e.g. with skl2onnx.to_onnx(model, X)."
    )


def _unsupported_type(name: str, inp: Any) -> str:
    return (
        f"{_cap(name)} has an input '{inp.name}' of type {inp.type}, which is not supported. Supported input "
        f"types: {', '.join(_DTYPES)}. Export the model with one of these."
    )


def _to_tensor(s: pd.Series, etype: str, col: str, where: str) -> np.ndarray:
    """One column as a 1-D array of the input's element type; ModelError naming the column if it cannot be."""

    def bad(why: str = "") -> ModelError:
        return ModelError(
            f"Column '{col}' in {where} has dtype {s.dtype} but the ONNX model expects "
            f"{etype} for it{why}. Convert the column to that type, or export the model "
            "with an input type that matches the data."
        )

    if etype == "tensor(string)":
        if pd.api.types.is_float_dtype(s.dtype):
            raise bad()
        return s.astype(object).where(s.notna(), "").astype(str).to_numpy(dtype=object)
    if pd.api.types.is_bool_dtype(s.dtype) or (
        pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_complex_dtype(s.dtype)
    ):
        num = s
    elif s.dtype == object or isinstance(s.dtype, (pd.StringDtype, pd.CategoricalDtype)):
        num = pd.to_numeric(s.astype(object), errors="coerce")
        if num.isna().sum() > s.isna().sum():
            raise bad(" (it holds text)")
    else:
        raise bad()
    if etype in _FLOATS:
        return num.to_numpy(dtype=_DTYPES[etype], na_value=np.nan)
    if num.isna().any():
        raise bad(", which cannot hold missing values; fill them first")
    values = num.to_numpy(dtype=np.float64)
    if etype == "tensor(bool)":
        if not np.isin(values, (0.0, 1.0)).all():
            raise bad(" (only 0/1 or True/False fit)")
        return values.astype(np.bool_)
    if not np.all(np.mod(values, 1) == 0):
        raise bad(" (it holds non-integer numbers)")
    return values.astype(_DTYPES[etype])


# -- class labels from the graph ---------------------------------------------------------------


def graph_class_labels(data: bytes) -> list[Any] | None:
    """Class labels stored in the graph (ZipMap first, else the classifier node), or None."""
    return class_labels(data)
