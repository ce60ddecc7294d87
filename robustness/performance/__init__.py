"""Performance with labels (bootstrap intervals, curves, calibration, over time), estimated without
labels, weak segments, group metrics, conformal coverage, and whether the reference looks like the
model's training data."""

from robustness.performance.estimate import Estimate, LabelFreeResult, estimate_performance
from robustness.performance.evaluate import (
    DatasetPerformance,
    PerformanceResult,
    WindowPerformance,
    evaluate,
    labelled,
    performance,
)
from robustness.performance.metrics import Calibration, Curves, Labelled, MetricValue
from robustness.performance.sanity import ReferenceSanity, reference_sanity
from robustness.performance.segments import GroupMetrics, Segment, group_metrics, weak_segments
from robustness.performance.uncertainty import ConformalResult, Coverage, conformal

__all__ = [
    "Calibration",
    "ConformalResult",
    "Coverage",
    "Curves",
    "DatasetPerformance",
    "Estimate",
    "GroupMetrics",
    "LabelFreeResult",
    "Labelled",
    "MetricValue",
    "PerformanceResult",
    "ReferenceSanity",
    "Segment",
    "WindowPerformance",
    "conformal",
    "estimate_performance",
    "evaluate",
    "group_metrics",
    "labelled",
    "performance",
    "reference_sanity",
    "weak_segments",
]
