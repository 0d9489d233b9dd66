"""Per run, account, rule and status, how many findings (the trends), filled in for the runs already
recorded: a store upgraded from 0001 shows the trends of its old runs as of new ones.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "run_counts",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("account", sa.Text, nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "account", "rule", "status"),
    )
    op.execute(
        'INSERT INTO run_counts (run_id, account, rule, status, "count") '
        "SELECT run_id, account, rule, status, COUNT(*) FROM findings "
        "GROUP BY run_id, account, rule, status"
    )


def downgrade() -> None:
    op.drop_table("run_counts")
