"""The run store's tables (SQLAlchemy Core). Aggregates only: never a data row.

Changing a table means a new Alembic revision in ``migrations/versions`` (see ``migrations/README``);
the tables here are what the newest revision builds, and the tests check the two agree.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["metadata", "runs", "checks", "drift_columns", "metrics", "reference_summaries"]

metadata = sa.MetaData()

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("verdict", sa.String(16), nullable=False),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("model_name", sa.Text),
    sa.Column("model_hash", sa.String(64)),
    sa.Column("reference_name", sa.Text),
    sa.Column("reference_hash", sa.String(64)),
    sa.Column("current_name", sa.Text),
    sa.Column("current_hash", sa.String(64)),
    sa.Column("tool_version", sa.String(40)),
    sa.Column("report", sa.Text, nullable=False),  # the report JSON exactly as `robustness report --json` wrote it
    sa.Column("manifest", sa.JSON, nullable=False),
    sa.Column("html", sa.LargeBinary),  # the self-contained HTML report, zlib-compressed; optional
    sa.Index("ix_runs_project_created", "project", "created_at"),
)

checks = sa.Table(
    "checks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("area", sa.String(80), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("summary", sa.Text, nullable=False, server_default=""),
    sa.Column("plain", sa.Text, nullable=False, server_default=""),
    sa.Column("effect", sa.Float),
    sa.Column("headline", sa.String(80)),  # the check's headline figure: name, value and its interval
    sa.Column("value", sa.Float),
    sa.Column("low", sa.Float),
    sa.Column("high", sa.Float),
    sa.Index("ix_checks_run", "run_id"),
)

drift_columns = sa.Table(
    "drift_columns",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("column", sa.Text, nullable=False),
    sa.Column("kind", sa.String(40)),
    sa.Column("test", sa.String(60)),
    sa.Column("statistic", sa.Float),
    sa.Column("p_value", sa.Float),
    sa.Column("p_value_adjusted", sa.Float),
    sa.Column("effect_size", sa.Float),
    sa.Column("threshold", sa.Float),
    sa.Column("drifted", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(20)),
    sa.Index("ix_drift_columns_run", "run_id"),
)

metrics = sa.Table(
    "metrics",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("dataset", sa.String(40), nullable=False),
    sa.Column("value", sa.Float),
    sa.Column("low", sa.Float),
    sa.Column("high", sa.Float),
    sa.Index("ix_metrics_run", "run_id"),
)

# The reference's per-column drift summaries (robustness.drift.saved): bin counts and sums, category counts,
# never a row. A later `robustness drift --reference-run ID` uses them in place of the reference file.
reference_summaries = sa.Table(
    "reference_summaries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("column", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),  # feature, target, prediction, timestamp, id, probability:<class>
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("format", sa.String(40), nullable=False),  # "binned/1", "counts/1", "seen/1", "mixed/1", "none"
    sa.Column("payload", sa.LargeBinary),  # a NumPy .npz archive without pickles (robustness.drift.saved)
    sa.Index("ix_reference_summaries_run", "run_id"),
)
