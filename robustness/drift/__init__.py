"""Univariate data drift: one verdict per column from a registry of statistical tests.

>>> from robustness.drift import drift, DriftConfig
>>> result = drift(reference_df, current_df, config=DriftConfig(alpha=0.01))  # doctest: +SKIP

The default test per column kind and size is documented in ``robustness.drift.engine``.
"""

from robustness.drift.config import ColumnOverride, DriftConfig
from robustness.drift.engine import default_test, drift
from robustness.drift.results import ColumnProfile, DatasetDrift, DriftResult, FeatureDrift
from robustness.drift.stattests import StatTest, TestOutcome, registry

__all__ = [
    "ColumnOverride",
    "ColumnProfile",
    "DatasetDrift",
    "DriftConfig",
    "DriftResult",
    "FeatureDrift",
    "StatTest",
    "TestOutcome",
    "default_test",
    "drift",
    "registry",
]
