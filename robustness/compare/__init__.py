"""Champion vs challenger: two models compared on the same rows, with paired tests and intervals.

>>> from robustness.compare import compare
>>> result = compare(champion, challenger, reference_df, current_df, target="default")  # doctest: +SKIP
>>> result.verdict, result.summary  # doctest: +SKIP

:mod:`robustness.compare.stats` holds the paired statistics (paired bootstrap, McNemar, DeLong and its
one-vs-rest macro form for multiclass models), :mod:`robustness.compare.run` the comparison and its verdict,
:mod:`robustness.compare.results` the typed results; the ``robustness compare`` command is
:mod:`robustness.cli_compare`.
"""

from robustness.compare.results import (
    TEST_LABELS,
    ComparisonResult,
    Disagreement,
    DisagreementSegment,
    ImportanceComparison,
    MetricComparison,
    StressComparison,
)
from robustness.compare.run import (
    CompareError,
    check_challenger,
    check_pair,
    compare,
    compare_workspace,
    summarize,
)

__all__ = [
    "CompareError",
    "ComparisonResult",
    "Disagreement",
    "DisagreementSegment",
    "ImportanceComparison",
    "MetricComparison",
    "StressComparison",
    "TEST_LABELS",
    "check_challenger",
    "check_pair",
    "compare",
    "compare_workspace",
    "summarize",
]
