"""Recording one run: its findings streamed in as the evaluation yields them, all of it committed in
one transaction after the last finding and the summary, or nothing.

Decided:
- What is kept: the run (its summary's started_at and finished_at, the command, the rules it ran: those
  it was given and those of its findings, for a run that judged by a rule ran it; the accounts it
  judged: the summary's and those of its findings, counts per status, the summary itself);
  per finding its id, rule, account, region, resource type and id, status, severity and message; and
  every finding whole (evidence included) as msgspec JSON, zlib level 3, a thousand to a block, so
  `Store.report_of` gives the run's report back exactly.
- Streaming, bounded memory: rows go to the database 10,000 at a time (SQLite: executemany of tuples on
  the DBAPI cursor; PostgreSQL: COPY), never the whole run in memory.
- One transaction, and writers that do not wait on one another's scans. PostgreSQL: the transaction
  opens with the recorder (its run row first, for the findings' foreign key), rows are COPYed into it,
  and concurrent recorders do not block one another until the state update, which takes an advisory
  transaction lock. SQLite allows one writer at a time: rows are staged in TEMP tables of the
  recorder's own connection (private, gone with it), and `finish` moves them into the store in one
  `BEGIN IMMEDIATE` transaction with the state update; a second recorder waits for it (busy timeout
  30 s) instead of for the whole scan. An exception, a signal turned exception, or a killed process
  leaves no part of the run: the transaction is rolled back, the staging vanishes with the connection.
- The state (see `schema.py`), per finding id, run after run of its account in (started_at, id) order:
  FAIL is failing (failing_since: the run its current stretch began, kept under UNKNOWN, MANUAL and
  SUPPRESSED, which are not known fixed); PASS after failing resolves it; absent from a run of its
  account in which its rule ran, it is ABSENT, and that resolves it too; absent from a run that did not
  run its rule, nothing changes. FAIL again after a resolution is a regression. Every status change
  is a transition (the first appearance included; a resolution carries the run it had failed since,
  and the severity it failed at: a PASS may carry another, and time to fix counts the failure's).
- What a run could not judge is not found gone: a run that gives an UNKNOWN finding on an account
  itself, or on its part in a region (`AWS::::Account`, id the account or `<account>/<region>`: the
  account unreachable, a listing call failed, a part the snapshot did not collect, a rule error)
  infers no ABSENT for that (account, rule), in any region (`run_counts` keeps such pairs under
  `UNJUDGED`): its other findings keep their state, the UNKNOWN is a finding of its own. An account
  the run could not enter at all (`unreachable-account`, or the summary's `unreachable_accounts`) is
  not judged by the run: not in `run_accounts`, its state untouched, so it is not the previous run
  of the account nor a fresh one (its findings and counts are kept with the run all the same).
- Cost: a run writes its findings (1,000,000 rows: the one big insert, in key order on SQLite, COPY on
  PostgreSQL, into a table with no index but its key and no foreign key), its evidence blocks, and
  only what it changes: a transition per change of status and a state row per new or changed finding
  (a few percent of a nightly run). An unchanged finding is read (joined against the state) but not
  written; the run that last saw it is derived from the runs, never stored (see `schema.py`).
- Order: a run is applied incrementally when it is the latest of each of its accounts. A run older
  than one already recorded for an account (two CI jobs racing) still lands: that account's state and
  transitions are recomputed from its runs in order. The state update is set-based SQL, the same text
  on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any

import msgspec
from sqlalchemy import Connection, RootTransaction, bindparam, insert, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import TextClause

from cloudwarden.findings import Finding, ScanSummary, Status, UnknownCause
from cloudwarden.history import schema
from cloudwarden.history.errors import RecordError
from cloudwarden.history.store import WRITE_LOCK_KEY, Store, one_line

BLOCK_SIZE = 1_000
"""Findings per evidence block: one finding's JSON compresses badly alone, a thousand compress well."""
BATCH_SIZE = 10_000
"""Rows per bulk insert: large enough that per-statement costs vanish, small enough to stream."""
ACCOUNT_RESOURCE = "AWS::::Account"
"""The resource type of a finding on an account itself."""
COMPRESSION_LEVEL = 3
"""Measured on a million findings: level 3 compresses 18.5 MB of blocks in 2.6 s, level 6 to 17.0 MB in
7.1 s; the 9 % saved is not worth the seconds."""

_ROW_COLUMNS = (
    "finding_id, rule, account, region, resource_type, resource_id, status, severity, message, "
    "evidence_block, evidence_index"
)
Row = tuple[str, str, str, str, str, str, str, str, str, int, int]


def _database_errors() -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (SQLAlchemyError, sqlite3.Error)
    try:
        import psycopg
    except ImportError:
        return errors
    return (*errors, psycopg.Error)


class Recorder:
    """One run: `add` (or `watch`) its findings, then `finish` with its summary. A context manager:
    leaving it with an exception, or without `finish`, keeps nothing of the run."""

    def __init__(self, store: Store, *, command: str, rules: Sequence[str]) -> None:
        self._store = store
        self._command = command
        self._rules = sorted(set(rules))
        self._errors = _database_errors()
        self._block: list[Finding] = []
        self._blocks = 0
        self._rows: list[Row] = []
        self._sealed: list[tuple[int, bytes]] = []
        self._accounts: set[str] = set()
        self._unreachable: set[str] = set()
        self._counts: Counter[tuple[str, str, str]] = Counter()
        self._finished = False
        self._encoder = msgspec.json.Encoder()
        with self._failing("could not start recording"):
            self._connection = store.writer()
            self._sink = _sink(store, self._connection)

    def add(self, finding: Finding) -> None:
        """Take one finding; written with the next batch."""
        if self._finished:
            raise RuntimeError("the run is already recorded")
        index = len(self._block)
        self._block.append(finding)
        resource = finding.resource
        status = finding.status.value
        self._rows.append(
            (
                finding.id,
                finding.rule,
                finding.account,
                finding.region,
                resource.type,
                resource.id,
                status,
                finding.severity.value,
                finding.message,
                self._blocks,
                index,
            )
        )
        self._accounts.add(finding.account)
        self._counts[finding.account, finding.rule, status] += 1
        if finding.status is Status.UNKNOWN and _on_the_account(finding):
            self._counts[finding.account, finding.rule, schema.UNJUDGED] += 1
            if finding.unknown_cause is UnknownCause.UNREACHABLE_ACCOUNT:
                self._unreachable.add(finding.account)
        if len(self._block) == BLOCK_SIZE:
            self._seal()
        if len(self._rows) >= BATCH_SIZE:
            self._flush()

    def watch(self, findings: Iterable[Finding]) -> Iterator[Finding]:
        """Yield each finding after recording it: the reports and the store read the same stream."""
        for finding in findings:
            self.add(finding)
            yield finding

    def finish(self, summary: ScanSummary) -> int:
        """Write the run, its accounts, the state, transitions and counts; commit. The run's id."""
        if self._finished:
            raise RuntimeError("the run is already recorded")
        started = _epoch(summary.started_at, self._store.url)
        self._rules = sorted(set(self._rules) | {rule for (_, rule, _) in self._counts})
        self._seal()
        self._flush()
        with self._failing("the run could not be recorded"):
            transaction, run_id = self._sink.open_run(self._run_values(summary, started))
            unreachable = self._unreachable | set(summary.unreachable_accounts)
            accounts = sorted((self._accounts | set(summary.accounts)) - unreachable)
            if accounts:
                self._connection.execute(
                    insert(schema.run_accounts), [{"run_id": run_id, "account": a} for a in accounts]
                )
            self._write_counts(run_id)
            self._sink.before_state()
            unjudged = any(status == schema.UNJUDGED for (_, _, status) in self._counts)
            if accounts:  # none when it could enter no account: no state to update
                _update_state(self._connection, run_id, started, accounts, self._rules, unjudged=unjudged)
            transaction.commit()
        self._finished = True
        self._close()
        return run_id

    def __enter__(self) -> Recorder:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        finished = self._finished
        self._close()
        if kind is None and not finished:
            raise RecordError(f"{self._store.url}: the run was not recorded: left before its end")

    def _run_values(self, summary: ScanSummary, started: int) -> dict[str, Any]:
        totals: Counter[str] = Counter()
        for (_, _, status), number in self._counts.items():
            totals[status] += number
        counts = {status.value: totals[status.value] for status in Status}
        return {
            "started_at": summary.started_at,
            "started_epoch": started,
            "finished_at": summary.finished_at,
            "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": self._command,
            "tool_version": summary.tool.version,
            "accounts": msgspec.json.encode(sorted(set(summary.accounts))).decode(),
            "rules": msgspec.json.encode(self._rules).decode(),
            "counts": msgspec.json.encode(counts).decode(),
            "summary": zlib.compress(msgspec.json.encode(summary), COMPRESSION_LEVEL),
        }

    def _write_counts(self, run_id: int) -> None:
        """The trends' rows, counted as the findings went by (cheaper than grouping a million rows)."""
        rows = [
            {"run_id": run_id, "account": account, "rule": rule, "status": status, "count": number}
            for (account, rule, status), number in sorted(self._counts.items())
        ]
        if rows:
            self._connection.execute(insert(schema.run_counts), rows)

    def _seal(self) -> None:
        if self._block:
            data = zlib.compress(self._encoder.encode(self._block), COMPRESSION_LEVEL)
            self._sealed.append((self._blocks, data))
            self._blocks += 1
            self._block = []

    def _flush(self) -> None:
        if self._rows or self._sealed:
            with self._failing("the run could not be recorded"):
                self._sink.write(self._rows, self._sealed)
            self._rows = []
            self._sealed = []

    def _failing(self, what: str) -> _Failing:
        return _Failing(self, what)

    def _close(self) -> None:
        """Close the DBAPI connection for good, not back to the pool: whatever it held uncommitted (the
        transaction, SQLite's staging tables) goes with it."""
        connection = getattr(self, "_connection", None)
        if connection is not None and not connection.closed:
            try:
                connection.invalidate()
                connection.close()
            except self._errors:
                pass  # the connection is gone with whatever it held uncommitted


def _on_the_account(finding: Finding) -> bool:
    """A finding on the account itself, or on its part in a region (`<account>/<region>`): what a run
    gives instead of per-resource findings where it could not judge them (see `schema.UNJUDGED`)."""
    resource = finding.resource
    return resource.type == ACCOUNT_RESOURCE and (
        resource.id == finding.account or resource.id.startswith(f"{finding.account}/")
    )


def _sink(store: Store, connection: Connection) -> _Sink:
    return _PostgresSink(connection) if store.is_postgresql else _SqliteSink(connection)


class _Failing:
    """Database errors while recording become one RecordError; the connection is closed (rolled back)."""

    def __init__(self, recorder: Recorder, what: str) -> None:
        self._recorder = recorder
        self._what = what

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if error is not None and isinstance(error, self._recorder._errors):
            self._recorder._close()
            url = self._recorder._store.url
            raise RecordError(f"{url}: {self._what}: {one_line(error)}") from error


def _epoch(started_at: str, url: str) -> int:
    try:
        moment = dt.datetime.fromisoformat(started_at)
    except ValueError:
        raise RecordError(f"{url}: the run's started_at {started_at!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


def _driver_connection(connection: Connection) -> Any:
    """The driver's own connection (sqlite3's, psycopg's), for executemany and COPY."""
    driver = connection.connection.driver_connection
    if driver is None:
        raise RuntimeError("the store's connection is closed")
    return driver


def _insert_run(connection: Connection, values: dict[str, Any]) -> int:
    key = connection.execute(insert(schema.runs).values(values)).inserted_primary_key
    if key is None or key[0] is None:
        raise RuntimeError("the database gave the new run no id")
    return int(key[0])


class _Sink:
    """Where a run's rows go before commit, and how its run row and lock come about, per database."""

    def write(self, rows: list[Row], blocks: list[tuple[int, bytes]]) -> None:
        raise NotImplementedError

    def open_run(self, values: dict[str, Any]) -> tuple[RootTransaction, int]:
        raise NotImplementedError

    def before_state(self) -> None:
        """Serialise state updates (SQLite's BEGIN IMMEDIATE already does)."""


class _SqliteSink(_Sink):
    """Rows staged in TEMP tables of this connection (autocommit: pysqlite's own BEGIN is off); moved
    into the store by `open_run`, in the BEGIN IMMEDIATE transaction that also updates the state."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._raw = _driver_connection(connection)
        cursor = self._raw.cursor()
        cursor.execute(
            "CREATE TEMP TABLE staged_findings (finding_id TEXT, rule TEXT, account TEXT, region TEXT, "
            "resource_type TEXT, resource_id TEXT, status TEXT, severity TEXT, message TEXT, "
            "evidence_block INTEGER, evidence_index INTEGER)"
        )
        cursor.execute("CREATE TEMP TABLE staged_blocks (block INTEGER, data BLOB)")
        cursor.close()

    def write(self, rows: list[Row], blocks: list[tuple[int, bytes]]) -> None:
        cursor = self._raw.cursor()
        cursor.execute("BEGIN")
        try:
            cursor.executemany(f"INSERT INTO staged_findings VALUES ({', '.join('?' * 11)})", rows)
            cursor.executemany("INSERT INTO staged_blocks VALUES (?, ?)", blocks)
            cursor.execute("COMMIT")
        finally:
            if self._raw.in_transaction:
                self._raw.rollback()
            cursor.close()

    def open_run(self, values: dict[str, Any]) -> tuple[RootTransaction, int]:
        transaction = self._connection.begin()
        run_id = _insert_run(self._connection, values)
        self._connection.execute(
            text(
                f"INSERT INTO findings (run_id, {_ROW_COLUMNS}) "
                f"SELECT :run, {_ROW_COLUMNS} FROM temp.staged_findings ORDER BY finding_id"
            ),
            {"run": run_id},
        )
        self._connection.execute(
            text(
                "INSERT INTO evidence_blocks (run_id, block, data) "
                "SELECT :run, block, data FROM temp.staged_blocks"
            ),
            {"run": run_id},
        )
        return transaction, run_id


class _PostgresSink(_Sink):
    """The transaction opens with the recorder: its run row (filled in by `open_run`), then COPY."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._transaction = connection.begin()
        placeholder = {
            "started_at": "",
            "started_epoch": 0,
            "finished_at": "",
            "recorded_at": "",
            "command": "",
            "tool_version": "",
            "accounts": "[]",
            "rules": "[]",
            "counts": "{}",
            "summary": b"",
        }
        self._run_id = _insert_run(connection, placeholder)
        self._raw = _driver_connection(connection)

    def write(self, rows: list[Row], blocks: list[tuple[int, bytes]]) -> None:
        run = self._run_id
        with self._raw.cursor() as cursor:
            with cursor.copy(f"COPY findings (run_id, {_ROW_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((run, *row))
            with cursor.copy("COPY evidence_blocks (run_id, block, data) FROM STDIN") as copy:
                for block, data in blocks:
                    copy.write_row((run, block, data))

    def open_run(self, values: dict[str, Any]) -> tuple[RootTransaction, int]:
        self._connection.execute(update(schema.runs).where(schema.runs.c.id == self._run_id).values(values))
        return self._transaction, self._run_id

    def before_state(self) -> None:
        """The lock; then fresh statistics: the million rows just COPYed are not in them yet (autovacuum
        has not seen this transaction), and a plan made for an empty table joins them row by row."""
        self._connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
        self._connection.execute(text("ANALYZE findings, finding_state"))


def _in(statement: str, *names: str) -> TextClause:
    return text(statement).bindparams(*(bindparam(name, expanding=True) for name in names))


_NOT_IN_RUN = "NOT EXISTS (SELECT 1 FROM findings f WHERE f.run_id = :run AND f.finding_id = s.finding_id)"
_GONE = f"s.account IN :accounts AND s.rule IN :rules AND s.status <> 'ABSENT' AND {_NOT_IN_RUN}"
_JUDGED = (
    "NOT EXISTS (SELECT 1 FROM run_counts u WHERE u.run_id = :run AND u.account = s.account "
    f"AND u.rule = s.rule AND u.status = '{schema.UNJUDGED}')"
)
"""The pair was judged whole: a run with an UNKNOWN on an account (or its part in a region) infers no
ABSENT for that account and rule. Asked only of the runs that have such a pair."""

_CHANGES_TABLE = text(
    "CREATE TEMP TABLE run_changes (finding_id TEXT NOT NULL PRIMARY KEY, rule TEXT NOT NULL, "
    "account TEXT NOT NULL, region TEXT NOT NULL, resource_type TEXT NOT NULL, resource_id TEXT NOT NULL, "
    "status TEXT NOT NULL, severity TEXT NOT NULL, old_status TEXT, old_severity TEXT, "
    "old_failing_since_run INTEGER)"
)
_CHANGES_DROP = text("DROP TABLE run_changes")
_CHANGES = _in(
    "INSERT INTO run_changes SELECT f.finding_id, f.rule, f.account, f.region, f.resource_type, "
    "f.resource_id, f.status, f.severity, s.status, s.severity, s.failing_since_run "
    "FROM findings f LEFT JOIN finding_state s ON s.finding_id = f.finding_id "
    "WHERE f.run_id = :run AND f.account IN :accounts AND (s.status IS NULL OR s.status <> f.status "
    "OR s.severity <> f.severity OR s.region <> f.region OR s.resource_type <> f.resource_type)",
    "accounts",
)
"""The run's findings that are new or differ from their state (status, severity, region, resource
type): the one pass over the run's million rows; the statements after it read these few."""

_TRANSITIONS_PRESENT = text(
    "INSERT INTO transitions "
    "(finding_id, run_id, from_status, to_status, severity, account, rule, failing_since_run) "
    "SELECT c.finding_id, :run, c.old_status, c.status, "
    "CASE WHEN c.status = 'PASS' AND c.old_failing_since_run IS NOT NULL THEN c.old_severity "
    "ELSE c.severity END, "
    "c.account, c.rule, CASE WHEN c.status IN ('PASS', 'FAIL') THEN c.old_failing_since_run END "
    "FROM run_changes c WHERE c.old_status IS NULL OR c.old_status <> c.status"
)
_TRANSITIONS_ABSENT_TEXT = (
    "INSERT INTO transitions "
    "(finding_id, run_id, from_status, to_status, severity, account, rule, failing_since_run) "
    "SELECT s.finding_id, :run, s.status, 'ABSENT', s.severity, s.account, s.rule, s.failing_since_run "
    f"FROM finding_state s WHERE {_GONE}"
)
_TRANSITIONS_ABSENT = _in(_TRANSITIONS_ABSENT_TEXT, "accounts", "rules")
_TRANSITIONS_ABSENT_JUDGED = _in(f"{_TRANSITIONS_ABSENT_TEXT} AND {_JUDGED}", "accounts", "rules")
_STATE_ABSENT = _in(
    "UPDATE finding_state SET status = 'ABSENT', changed_run = :run, "
    "resolved_run = CASE WHEN failing_since_run IS NULL THEN resolved_run ELSE :run END, "
    "failing_since_run = NULL "
    "WHERE finding_id IN (SELECT t.finding_id FROM transitions t WHERE t.run_id = :run "
    "AND t.to_status = 'ABSENT' AND t.account IN :accounts)",
    "accounts",
)
_STATE_PRESENT = text(
    "UPDATE finding_state SET region = c.region, resource_type = c.resource_type, severity = c.severity, "
    "status = c.status, "
    "changed_run = CASE WHEN finding_state.status <> c.status THEN :run "
    "ELSE finding_state.changed_run END, "
    "failing_since_run = CASE "
    "WHEN c.status = 'FAIL' THEN COALESCE(finding_state.failing_since_run, :run) "
    "WHEN c.status = 'PASS' THEN NULL ELSE finding_state.failing_since_run END, "
    "resolved_run = CASE WHEN c.status = 'FAIL' AND finding_state.failing_since_run IS NULL THEN NULL "
    "WHEN c.status = 'PASS' AND finding_state.failing_since_run IS NOT NULL THEN :run "
    "ELSE finding_state.resolved_run END, "
    "regressions = finding_state.regressions + CASE WHEN c.status = 'FAIL' "
    "AND finding_state.failing_since_run IS NULL AND finding_state.resolved_run IS NOT NULL "
    "THEN 1 ELSE 0 END "
    "FROM run_changes c WHERE c.finding_id = finding_state.finding_id "
    # Said twice so that SQLite, without statistics, looks the few changed rows up by key rather than
    # probe the changes for every row of the state.
    "AND finding_state.finding_id IN (SELECT finding_id FROM run_changes WHERE old_status IS NOT NULL)"
)
_STATE_NEW = text(
    "INSERT INTO finding_state (finding_id, rule, account, region, resource_type, resource_id, severity, "
    "status, first_seen_run, changed_run, failing_since_run, resolved_run, regressions) "
    "SELECT c.finding_id, c.rule, c.account, c.region, c.resource_type, c.resource_id, c.severity, "
    "c.status, :run, :run, CASE WHEN c.status = 'FAIL' THEN :run END, NULL, 0 "
    "FROM run_changes c WHERE c.old_status IS NULL ORDER BY c.finding_id"
)
_LATER_RUNS = _in(
    "SELECT DISTINCT ra.account FROM run_accounts ra JOIN runs r ON r.id = ra.run_id "
    "WHERE ra.account IN :accounts AND ra.run_id <> :run "
    "AND (r.started_epoch > :started OR (r.started_epoch = :started AND r.id > :run))",
    "accounts",
)


def _update_state(
    connection: Connection,
    run_id: int,
    started: int,
    accounts: list[str],
    rules: list[str],
    *,
    unjudged: bool,
) -> None:
    """Apply the run to the state of its accounts (`unjudged`: some (account, rule) it could not judge
    whole, whose `run_counts` rows are written): incrementally where it is their latest run; where it
    is not, recompute those accounts from their runs in order."""
    behind = {row[0] for row in connection.execute(_LATER_RUNS, _args(run_id, accounts, started=started))}
    ahead = [account for account in accounts if account not in behind]
    if ahead:
        _apply(connection, run_id, ahead, rules, unjudged=unjudged)
    if behind:
        _recompute(connection, sorted(behind))


def _apply(
    connection: Connection, run_id: int, accounts: list[str], rules: list[str], *, unjudged: bool
) -> None:
    """One run's judgement of some of its accounts, on the state of the runs before it. One pass
    joins the run's findings to the state and keeps, in a temporary table, those new or changed;
    the transitions and the state rows are written from it (and the ABSENT ones from the state's
    anti-join with the run, but for the pairs the run could not judge whole: `unjudged`). A finding
    unchanged is read, never written."""
    args = _args(run_id, accounts, rules=rules)
    connection.execute(_CHANGES_TABLE)
    for statement in (
        _CHANGES,
        _TRANSITIONS_PRESENT,
        _TRANSITIONS_ABSENT_JUDGED if unjudged else _TRANSITIONS_ABSENT,
        _STATE_ABSENT,
        _STATE_PRESENT,
        _STATE_NEW,
        _CHANGES_DROP,
    ):
        connection.execute(statement, args)


def _recompute(connection: Connection, accounts: list[str]) -> None:
    """The accounts' state and transitions again from nothing, run by run in (started_at, id) order."""
    runs, run_accounts = schema.runs, schema.run_accounts
    connection.execute(schema.finding_state.delete().where(schema.finding_state.c.account.in_(accounts)))
    connection.execute(schema.transitions.delete().where(schema.transitions.c.account.in_(accounts)))
    query = (
        select(runs.c.id, runs.c.rules, run_accounts.c.account)
        .join(run_accounts, run_accounts.c.run_id == runs.c.id)
        .where(run_accounts.c.account.in_(accounts))
        .order_by(runs.c.started_epoch, runs.c.id, run_accounts.c.account)
    )
    judged: dict[int, tuple[list[str], list[str]]] = {}
    for row in connection.execute(query):
        judged.setdefault(row.id, (msgspec.json.decode(row.rules, type=list[str]), []))[1].append(row.account)
    counts = schema.run_counts.c
    pairs = select(counts.run_id).where(counts.status == schema.UNJUDGED, counts.account.in_(accounts))
    unjudged = set(connection.execute(pairs.distinct()).scalars())
    for run_id, (rules, run_accounts_judged) in judged.items():
        _apply(connection, run_id, run_accounts_judged, rules, unjudged=run_id in unjudged)


def _args(run_id: int, accounts: list[str], **more: object) -> dict[str, object]:
    return {"run": run_id, "accounts": accounts, **more}
