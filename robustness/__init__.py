"""Robustness dashboard backend: intake, checks and results. Never imports streamlit."""

from robustness.errors import ConfigError, DataError, ModelError, RobustnessError

__version__ = "0.1.0"

__all__ = ["ConfigError", "DataError", "ModelError", "RobustnessError", "__version__"]
