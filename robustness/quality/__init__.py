"""Data quality, reference vs current: missing values, types, ranges, categories, duplicates,
constant columns and infinities. ``quality(reference, current)`` returns a typed report.

Single-file issues (e.g. a mostly empty column) are reported by
:func:`robustness.io.infer.data_issues`; this package compares the two files.
"""

from robustness.quality.results import (
    CHECKS,
    ColumnQuality,
    QualityConfig,
    QualityFinding,
    QualityReport,
)
from robustness.quality.suite import COLUMN_CHECKS, quality

__all__ = [
    "CHECKS",
    "COLUMN_CHECKS",
    "ColumnQuality",
    "QualityConfig",
    "QualityFinding",
    "QualityReport",
    "quality",
]
