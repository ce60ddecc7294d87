"""Stress tests: how predictions break under noise, missing values, unit errors and category changes.

>>> from robustness.stress import ReferenceStats, perturb, registry
>>> stats = ReferenceStats.from_frame(reference_df)  # doctest: +SKIP
>>> noisy = perturb("gaussian_noise", current_df, stats, 0.25, columns=["income"], seed=0)  # doctest: +SKIP

Every perturbation has one signature, ``fn(data, stats, severity, rng, *, columns)``, and a
registry entry (``PerturbationSpec``); ``robustness.stress.perturbations`` documents which rows
change and when a column's dtype can change.
"""

# -- perturbations -------------------------------------------------------------------------------
from robustness.stress._stats import CategoricalStats, NumericStats, ReferenceStats
from robustness.stress.perturbations import (
    FAMILIES,
    PerturbationSpec,
    applicable,
    family_of,
    label_of,
    perturb,
    phrase_of,
    register,
    registry,
)

# -- stress suite (robustness.stress.suite, robustness.stress.fragile) ----------------------------
# from robustness.stress.suite import ...

__all__ = [
    "FAMILIES",
    "CategoricalStats",
    "NumericStats",
    "PerturbationSpec",
    "ReferenceStats",
    "applicable",
    "family_of",
    "label_of",
    "perturb",
    "phrase_of",
    "register",
    "registry",
]

# -- stress suite, conditions, fragile rows (robustness.stress.suite / config / fragile) ---------
from robustness.stress.config import StressConfig, Verdict, by_family, worst_first, worst_verdict  # noqa: E402
from robustness.stress.fragile import FragileRow, MinimalChange, fragile_rows, minimal_change  # noqa: E402
from robustness.stress.suite import (  # noqa: E402
    FeatureSensitivity,
    PerturbationResult,
    StressResult,
    run_stress,
    sample_rows,
)

__all__ += [
    "by_family",
    "FeatureSensitivity",
    "FragileRow",
    "MinimalChange",
    "PerturbationResult",
    "StressConfig",
    "StressResult",
    "Verdict",
    "fragile_rows",
    "minimal_change",
    "run_stress",
    "sample_rows",
    "worst_first",
    "worst_verdict",
]
