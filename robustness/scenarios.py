"""The built-in demo scenarios by name (``robustness.demo`` builds them; this module imports nothing,
so a page can list them without loading numpy, pandas or scikit-learn)."""

DEFAULT_SCENARIO = "credit"
SCENARIOS: tuple[str, ...] = ("credit", "energy", "machines")
