"""Run history: every trust report kept in a database, trends across runs, and what changed between two.

``open_store(url)`` opens the store (SQLite file ``runs.db`` under ``ROBUSTNESS_HOME`` by default, or any
SQLAlchemy URL via ``--db`` / ``ROBUSTNESS_DB``); ``diff_runs(a, b)`` compares two stored runs. The store
holds aggregates only (verdicts, checks, per-column drift statistics, metrics, the report and its
manifest, and the reference's per-column drift summaries that ``robustness drift --reference-run`` reads:
bin counts and sums of at least 5 values a bin, category counts; see ``robustness.drift.saved``), never a
data row. In the app it is a server-level store, shared by every visitor of that
server: see ``robustness/settings.py``.
"""

from importlib import import_module

# Imported on first use: `robustness --help` and the other commands must not pay for SQLAlchemy.
_EXPORTS = {
    "RunDiff": "diff",
    "diff_runs": "diff",
    "ENV_DB": "store",
    "ENV_HOME": "store",
    "HistoryError": "store",
    "Run": "store",
    "RunNotFoundError": "store",
    "RunStore": "store",
    "RunSummary": "store",
    "default_url": "store",
    "open_store": "store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"robustness.history.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'robustness.history' has no attribute {name!r}")
