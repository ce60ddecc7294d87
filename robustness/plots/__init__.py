"""Pure Plotly figure builders: result -> plotly.graph_objects.Figure."""

from robustness.plots.overview import missing_values, prediction_comparison

__all__ = ["missing_values", "prediction_comparison"]
