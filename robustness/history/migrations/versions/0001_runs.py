"""The first schema: runs, their checks, per-column drift and metrics.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
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
        sa.Column("report", sa.Text, nullable=False),
        sa.Column("manifest", sa.JSON, nullable=False),
        sa.Column("html", sa.LargeBinary),
    )
    op.create_index("ix_runs_project_created", "runs", ["project", "created_at"])
    op.create_table(
        "checks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("area", sa.String(80), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("plain", sa.Text, nullable=False, server_default=""),
        sa.Column("effect", sa.Float),
        sa.Column("headline", sa.String(80)),
        sa.Column("value", sa.Float),
        sa.Column("low", sa.Float),
        sa.Column("high", sa.Float),
    )
    op.create_index("ix_checks_run", "checks", ["run_id"])
    op.create_table(
        "drift_columns",
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
    )
    op.create_index("ix_drift_columns_run", "drift_columns", ["run_id"])
    op.create_table(
        "metrics",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("dataset", sa.String(40), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("low", sa.Float),
        sa.Column("high", sa.Float),
    )
    op.create_index("ix_metrics_run", "metrics", ["run_id"])


def downgrade() -> None:
    for table in ("metrics", "drift_columns", "checks", "runs"):
        op.drop_table(table)
