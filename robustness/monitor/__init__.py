"""Monitoring without labels, over time: label-free performance per window of current data, each
estimate with its interval, bands from the reference's own chunks, alerts, and per-window drift."""

from robustness.monitor.inputs import adapter_from_columns
from robustness.monitor.results import Alert, Band, MetricEstimate, MonitorResult, MonitorWindow
from robustness.monitor.run import monitor

__all__ = ["Alert", "Band", "MetricEstimate", "MonitorResult", "MonitorWindow", "adapter_from_columns", "monitor"]
