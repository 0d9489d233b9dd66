"""The first schema: runs, the accounts they judged, their findings and evidence, each finding's state
and its transitions. Written out here, not taken from `schema.py`: a revision stays what it was when
later ones change the tables. The big tables (findings, evidence, transitions) have no foreign key and
`findings` no index but its key (see `schema.py`); the tables keyed by a finding id are WITHOUT ROWID
tables on SQLite (the key is the table: one B-tree per row, not two).

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _run_reference() -> sa.Column[int]:
    return sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.Text, nullable=False),
        sa.Column("started_epoch", sa.BigInteger, nullable=False),
        sa.Column("finished_at", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.Text, nullable=False),
        sa.Column("command", sa.Text, nullable=False),
        sa.Column("tool_version", sa.Text, nullable=False),
        sa.Column("accounts", sa.Text, nullable=False),
        sa.Column("rules", sa.Text, nullable=False),
        sa.Column("counts", sa.Text, nullable=False),
        sa.Column("summary", sa.LargeBinary, nullable=False),
    )
    op.create_index("runs_by_start", "runs", ["started_epoch", "id"])
    op.create_table(
        "run_accounts",
        _run_reference(),
        sa.Column("account", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "account"),
    )
    op.create_index("run_accounts_by_account", "run_accounts", ["account", "run_id"])
    op.create_table(
        "findings",
        sa.Column("run_id", sa.Integer, nullable=False),
        *(
            sa.Column(name, sa.Text, nullable=False)
            for name in ("finding_id", "rule", "account", "region", "resource_type", "resource_id")
        ),
        *(sa.Column(name, sa.Text, nullable=False) for name in ("status", "severity", "message")),
        sa.Column("evidence_block", sa.Integer, nullable=False),
        sa.Column("evidence_index", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "finding_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "evidence_blocks",
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("block", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "block"),
    )
    _create_state()
    op.create_table(
        "transitions",
        sa.Column("finding_id", sa.Text, nullable=False),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("from_status", sa.Text, nullable=True),
        *(sa.Column(name, sa.Text, nullable=False) for name in ("to_status", "severity", "account", "rule")),
        sa.Column("failing_since_run", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("finding_id", "run_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("transitions_by_run", "transitions", ["run_id"])


def _create_state() -> None:
    op.create_table(
        "finding_state",
        sa.Column("finding_id", sa.Text, primary_key=True),
        *(
            sa.Column(name, sa.Text, nullable=False)
            for name in ("rule", "account", "region", "resource_type", "resource_id", "severity", "status")
        ),
        sa.Column("first_seen_run", sa.Integer, nullable=False),
        sa.Column("changed_run", sa.Integer, nullable=False),
        sa.Column("failing_since_run", sa.Integer, nullable=True),
        sa.Column("resolved_run", sa.Integer, nullable=True),
        sa.Column("regressions", sa.Integer, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("finding_state_open", "finding_state", ["status", "failing_since_run"])


def downgrade() -> None:
    for table in ("transitions", "finding_state", "evidence_blocks", "findings", "run_accounts", "runs"):
        op.drop_table(table)
