"""Explanations: SHAP attributions on the raw input columns, chosen per model and checked for additivity.

>>> from robustness.explain import Explainer
>>> ex = Explainer(adapter, reference_df)          # doctest: +SKIP
>>> expl = ex.explain(current_df)                  # doctest: +SKIP
>>> expl.importance()[0].feature                   # doctest: +SKIP
"""

from robustness.explain.config import ExplainConfig
from robustness.explain.explainer import Explainer, explain, sample_rows
from robustness.explain.results import ADDITIVITY_TOLERANCE, ExplainerInfo, Explanation, Importance, RowExplanation
from robustness.explain.views import (
    ExplanationShift,
    FeatureShift,
    PartialDependence,
    PermutationImportance,
    explanation_shift,
    partial_dependence,
    permutation_importance,
    strongest_interaction,
)

__all__ = [
    "ADDITIVITY_TOLERANCE",
    "ExplainConfig",
    "Explainer",
    "ExplainerInfo",
    "Explanation",
    "Importance",
    "RowExplanation",
    "explain",
    "sample_rows",
    "ExplanationShift",
    "FeatureShift",
    "PartialDependence",
    "PermutationImportance",
    "explanation_shift",
    "partial_dependence",
    "permutation_importance",
    "strongest_interaction",
]
