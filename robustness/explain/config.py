"""Explanation settings: which explainer, and how much work it may do.

``ExplainConfig`` is frozen and validated; ``from_dict`` / ``from_file`` (JSON or TOML, an
``[explain]`` table or the file itself) raise ``ConfigError`` naming the bad key and value.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from robustness.configfile import known_settings, load_section
from robustness.errors import ConfigError

METHODS = ("auto", "tree", "linear", "permutation")


@dataclass(frozen=True)
class ExplainConfig:
    """Settings of :class:`robustness.explain.Explainer`.

    - ``method``: "auto" picks Tree SHAP for tree ensembles (also the last step of a Pipeline,
      on the transformed data), Linear SHAP for linear models and Permutation SHAP for
      everything else; "tree", "linear" or "permutation" ask for one (an error when it cannot
      explain the model).
    - ``rows``: rows explained; a seeded uniform sample when the data has more (Tree and Linear).
    - ``permutation_rows``: the same for the Permutation explainer, which costs
      ``permutations × (2 × features + 1) × background`` predictions per row.
    - ``background``: rows of reference data the explainer averages over (Linear, Permutation;
      Tree SHAP uses the trees' own training coverage).
    - ``permutations``: permutations per row for the Permutation explainer (each is exact on its
      own ordering; more of them average out the order).
    - ``seed``: seeds every sample.
    """

    method: str = "auto"
    rows: int = 500
    permutation_rows: int = 100
    background: int = 100
    permutations: int = 3
    seed: int = 0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ConfigError(f"Explainer method {self.method!r} is not one of: {', '.join(METHODS)}.")
        for name, low in (("rows", 1), ("permutation_rows", 1), ("background", 1), ("permutations", 1), ("seed", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
                raise ConfigError(
                    f"The explain setting '{name}' must be a whole number of at least {low}, not {value!r}."
                )
            object.__setattr__(self, name, int(value))
        if self.rows > 1_000_000 or self.background > 100_000:
            raise ConfigError("Explain at most 1,000,000 rows with at most 100,000 background rows; sample first.")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping) -> ExplainConfig:
        values = known_settings(d, cls, "explain")
        for key, value in values.items():
            if isinstance(value, float) and math.isfinite(value) and value == int(value) and key != "method":
                values[key] = int(value)
        return cls(**values)

    @classmethod
    def from_file(cls, path) -> ExplainConfig:
        return load_section(path, "explain", cls.from_dict)
