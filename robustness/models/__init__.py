"""Model adapters: one interface (predict, predict_proba, task, feature names) whatever the model's origin.

- :mod:`~robustness.models.base`: :class:`Task`, :class:`ModelSummary` and the :class:`ModelAdapter` base class;
- :mod:`~robustness.models.sklearn`: any scikit-learn-API estimator (:func:`from_estimator`);
- :mod:`~robustness.models.onnx`: ONNX graphs through onnxruntime (:class:`OnnxAdapter`, imported on first use);
- :mod:`~robustness.models.onnx_proto`: what an ONNX file holds, checked before onnxruntime opens it;
- :mod:`~robustness.models.predictions`: no model, the predictions are columns of the data (:func:`from_predictions`);
- :mod:`~robustness.models.loading`: safe intake of model files (skops, ONNX, opted-in pickle) and their budgets.

Modules here import :mod:`robustness.errors` and :mod:`robustness.io.budget`, never a check package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from robustness.models.base import ModelAdapter, ModelSummary, Task, sorted_labels
from robustness.models.loading import (
    MODEL_SUFFIXES,
    ModelFileInfo,
    default_trusted,
    inspect_model_file,
    load_model,
    sniff_model_format,
)
from robustness.models.predictions import PredictionsAdapter, from_predictions
from robustness.models.sklearn import SklearnAdapter, describe_estimator, from_estimator

if TYPE_CHECKING:  # pragma: no cover
    from robustness.models.onnx import OnnxAdapter

__all__ = [
    "MODEL_SUFFIXES",
    "ModelAdapter",
    "ModelFileInfo",
    "ModelSummary",
    "OnnxAdapter",
    "PredictionsAdapter",
    "SklearnAdapter",
    "Task",
    "default_trusted",
    "describe_estimator",
    "from_estimator",
    "from_predictions",
    "inspect_model_file",
    "load_model",
    "sniff_model_format",
    "sorted_labels",
]


def __getattr__(name: str) -> Any:  # PEP 562: import onnxruntime only when ONNX is used
    if name == "OnnxAdapter":
        from robustness.models.onnx import OnnxAdapter

        return OnnxAdapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
