"""The history store's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

A run is one `scan`, `evaluate`, `demo` or `iac` recorded with `--store`. Times are the run's
`started_at`: kept as the ISO text the report gives and as epoch seconds (`*_epoch`) for comparing and
ordering on both databases alike; the state of a finding names runs by id, and the runs table (a few
thousand rows at most) gives their times.

- `runs`: one row per run: when, what command, which accounts and rules it judged (JSON arrays), its
  counts per status (JSON object), and its scan summary (msgspec JSON, zlib-compressed).
- `run_accounts`: (run, account): which runs judged an account, for "the previous run of each account".
- `findings`: every finding of every run, with where its whole JSON lies: `evidence_block` and
  `evidence_index` in `evidence_blocks`, which hold the findings' JSON zlib-compressed a thousand at a
  time (one finding's evidence compresses badly alone; a block's, well).
- `finding_state`: per finding id, its story so far, updated as each run is recorded: last status
  (`ABSENT` once a run of its account that ran its rule no longer has it), first and last run it was
  seen in, the run it has been failing since (while it is FAIL, or hidden under UNKNOWN/SUPPRESSED
  after a FAIL), the run that resolved it (PASS or ABSENT after FAIL), and how many times it regressed
  (FAIL again after being resolved).
- `transitions`: each change of a finding's status from one run to the next (its first appearance
  included), with the run it had been failing since when the change resolves it: time to fix and
  regressions over any window come from here.
- `run_counts`: per run, account, rule and status, how many findings: the trends.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
)

ABSENT = "ABSENT"
"""A finding's state once a run of its account, running its rule, no longer has it (its resource is
gone): resolved, as a PASS is."""

metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", Text, nullable=False),
    Column("started_epoch", BigInteger, nullable=False),
    Column("finished_at", Text, nullable=False),
    Column("recorded_at", Text, nullable=False),
    Column("command", Text, nullable=False),
    Column("tool_version", Text, nullable=False),
    Column("accounts", Text, nullable=False),
    Column("rules", Text, nullable=False),
    Column("counts", Text, nullable=False),
    Column("summary", LargeBinary, nullable=False),
    Index("runs_by_start", "started_epoch", "id"),
)

run_accounts = Table(
    "run_accounts",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("account", Text, nullable=False),
    PrimaryKeyConstraint("run_id", "account"),
    Index("run_accounts_by_account", "account", "run_id"),
)

findings = Table(
    "findings",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("finding_id", Text, nullable=False),
    Column("rule", Text, nullable=False),
    Column("account", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("resource_type", Text, nullable=False),
    Column("resource_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("evidence_block", Integer, nullable=False),
    Column("evidence_index", Integer, nullable=False),
    PrimaryKeyConstraint("run_id", "finding_id"),
    Index("findings_by_run_account", "run_id", "account"),
    Index("findings_by_id", "finding_id", "run_id"),
)

evidence_blocks = Table(
    "evidence_blocks",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("block", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    PrimaryKeyConstraint("run_id", "block"),
)

finding_state = Table(
    "finding_state",
    metadata,
    Column("finding_id", Text, primary_key=True),
    Column("rule", Text, nullable=False),
    Column("account", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("resource_type", Text, nullable=False),
    Column("resource_id", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("first_seen_run", Integer, nullable=False),
    Column("last_seen_run", Integer, nullable=False),
    Column("last_run", Integer, nullable=False),
    Column("failing_since_run", Integer, nullable=True),
    Column("resolved_run", Integer, nullable=True),
    Column("regressions", Integer, nullable=False, default=0),
    Index("finding_state_by_account", "account"),
    Index("finding_state_by_rule", "rule"),
    Index("finding_state_open", "status", "failing_since_run"),
)

transitions = Table(
    "transitions",
    metadata,
    Column("finding_id", Text, nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("from_status", Text, nullable=True),
    Column("to_status", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("account", Text, nullable=False),
    Column("rule", Text, nullable=False),
    Column("failing_since_run", Integer, nullable=True),
    PrimaryKeyConstraint("finding_id", "run_id"),
    Index("transitions_by_run", "run_id"),
)

run_counts = Table(
    "run_counts",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("account", Text, nullable=False),
    Column("rule", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("count", Integer, nullable=False),
    PrimaryKeyConstraint("run_id", "account", "rule", "status"),
)
