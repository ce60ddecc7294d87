"""Performance with labels (bootstrap intervals, curves, calibration, over time)."""

from robustness.performance.evaluate import (
    DatasetPerformance,
    PerformanceResult,
    WindowPerformance,
    evaluate,
    labelled,
    performance,
)
from robustness.performance.metrics import Calibration, Curves, Labelled, MetricValue

__all__ = ["Calibration", "Curves", "DatasetPerformance", "Labelled", "MetricValue", "PerformanceResult",
           "WindowPerformance", "evaluate", "labelled", "performance"]
