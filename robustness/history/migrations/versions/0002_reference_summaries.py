"""The reference's per-column drift summaries, so a saved run can be a later drift check's reference.

Adds a table only: runs saved before keep every row (they have no summaries; `robustness drift
--reference-run` says so).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_summaries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("column", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("format", sa.String(40), nullable=False),
        sa.Column("payload", sa.LargeBinary),
    )
    op.create_index("ix_reference_summaries_run", "reference_summaries", ["run_id"])


def downgrade() -> None:
    op.drop_table("reference_summaries")
