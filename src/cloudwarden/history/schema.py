"""The history store's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

A run is one `scan`, `evaluate`, `demo` or `iac` recorded with `--store`. Times are the run's
`started_at`: kept as the ISO text the report gives and as epoch seconds (`*_epoch`) for comparing and
ordering on both databases alike; the state of a finding names runs by id, and the runs table (a few
thousand rows at most) gives their times.

- `runs`: one row per run: when, what command, which accounts and rules it judged (JSON arrays), its
  counts per status (JSON object), and its scan summary (msgspec JSON, zlib-compressed).
- `run_accounts`: (run, account): which runs judged an account, for "the previous run of each account"
  (not an account the run could not enter: `unreachable-account`).
- `findings`: every finding of every run, with where its whole JSON lies: `evidence_block` and
  `evidence_index` in `evidence_blocks`, which hold the findings' JSON zlib-compressed a thousand at a
  time (one finding's evidence compresses badly alone; a block's, well). Keyed by (run, finding id) and
  nothing else: it is read run by run (the state update joins a run's rows; `Store.report_of` reads
  the blocks), never by finding or account across runs, so no other index is paid for at every insert.
- `finding_state`: per finding id, its story so far, changed only where a run changes it (a new
  finding, a new status, or another severity, region or resource type): last status (`ABSENT` once a
  run of its account that ran its rule no longer has it), the first run it was seen in, the run that
  last changed its status (`changed_run`: its first appearance included), the run it has been failing
  since (while it is FAIL, or hidden under UNKNOWN/SUPPRESSED after a FAIL), the run that resolved it
  (PASS or ABSENT after FAIL), and how many times it regressed (FAIL again after being resolved). Its
  *last seen* run is not stored, which would rewrite every row at every run: a finding not ABSENT was
  seen by every run of its account that ran its rule since its status last changed (it would be
  ABSENT otherwise), so it was last seen by the latest such run; an ABSENT one by the latest such run
  before `changed_run` (`cloudwarden.history.query` derives both from the runs table). Indexed by its
  key, and by (status, failing since) for the open FAILs: its other readers scan it whole (its
  accounts, the ABSENT of a run, the per-finding list), and an index by account or rule would be
  written at every new finding and would lead the planners (SQLite has no statistics) to walk it and
  look every row up again rather than read the table in order.
- `transitions`: each change of a finding's status from one run to the next (its first appearance
  included), with the run it had been failing since when the change resolves it, or when it turns
  FAIL again within the same failing stretch (back from UNKNOWN, MANUAL or SUPPRESSED: not a new
  FAIL; None for a FAIL that begins a stretch): time to fix and regressions over any window come from
  here.
- `run_counts`: per run, account, rule and status, how many findings: the trends; and, under the
  pseudo-status `UNJUDGED`, the pairs the run could not judge whole (see `UNJUDGED`).

Integrity of the big tables (`findings`, `evidence_blocks`, `transitions`) is by construction, not by
foreign keys checked row by row: their rows are written in the transaction that writes their run.
On SQLite the tables keyed by a finding id are WITHOUT ROWID tables: the key is the table, one B-tree
searched and written per row instead of a key index and a table.
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

UNJUDGED = "UNJUDGED"
"""Not a finding's status: the pseudo-status of the `run_counts` rows that name the (account, rule)
pairs a run could not judge whole (an UNKNOWN finding on the account itself, or on its part in a
region: `unreachable-account`, `failed-call`, `not-checked`, `rule-error`), counting those findings.
Such a run infers no ABSENT for the pair: what it did not see, it did not find gone."""

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
    Column("run_id", Integer, nullable=False),
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
    sqlite_with_rowid=False,
)

evidence_blocks = Table(
    "evidence_blocks",
    metadata,
    Column("run_id", Integer, nullable=False),
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
    Column("changed_run", Integer, nullable=False),
    Column("failing_since_run", Integer, nullable=True),
    Column("resolved_run", Integer, nullable=True),
    Column("regressions", Integer, nullable=False, default=0),
    Index("finding_state_open", "status", "failing_since_run"),
    sqlite_with_rowid=False,
)

transitions = Table(
    "transitions",
    metadata,
    Column("finding_id", Text, nullable=False),
    Column("run_id", Integer, nullable=False),
    Column("from_status", Text, nullable=True),
    Column("to_status", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("account", Text, nullable=False),
    Column("rule", Text, nullable=False),
    Column("failing_since_run", Integer, nullable=True),
    PrimaryKeyConstraint("finding_id", "run_id"),
    Index("transitions_by_run", "run_id"),
    sqlite_with_rowid=False,
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
