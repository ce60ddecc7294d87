"""The built-in demo scenarios by name (``robustness.demo`` builds them; this module imports nothing,
so a page can list them without loading numpy, pandas or scikit-learn)."""

DEFAULT_SCENARIO = "credit"
SCENARIOS: tuple[str, ...] = ("credit", "energy", "machines")
#: How each demo's classes read (class as text -> name); a demo whose labels are words needs none.
CLASS_NAMES: dict[str, dict[str, str]] = {"credit": {"0": "repaid", "1": "default"}}
