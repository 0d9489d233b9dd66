"""`history`: the answer of `cloudwarden history` (`view.HistoryView`, whose docstring states the
semantics), read from the store's tables with SQLAlchemy Core, the same statements on SQLite and
PostgreSQL.

What is read, and why it stays fast on runs of a million findings: the runs table whole (a few thousand
rows at most) with each run's accounts and rules; `run_counts` of the runs a trend needs (rows per run,
account, rule and status: hundreds, not millions); `finding_state` (one row per finding id, never the
`findings` table) grouped per account and status in the database, its open FAILs ordered by the start
of the run they fail since with a limit, and streamed a batch at a time for the per-finding list;
`transitions` of the latest run of each account (since the previous run) and of the window's
resolutions, whose percentiles are computed by window functions in the database.

A store holds the times of runs both as `started_at` text (shown) and `started_epoch` (compared and
ordered): no date arithmetic is left to either database. Every part of a view but its per-finding list
is read in one snapshot (see `_snapshot`), so a scan recording meanwhile shows in all of it or none;
the list is read when iterated. A database error is a StoreError of one line naming the store.

Measured (SQLite and PostgreSQL 15, 3 runs of 1,000,000 findings over 10 accounts, a seventh of them
turning FAIL and another seventh fixed at each run, on 2 busy cores): the view in 5 to 15 s, most of it
since the previous run (its 285,714 transitions) and time to fix; the JSON of the million findings
in about 30 s.
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Engine, Select, and_, case, exists, func, or_, select, true
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import SQLAlchemyError

from cloudwarden.findings import Status
from cloudwarden.history.schema import ABSENT, finding_state, run_accounts, run_counts, runs, transitions
from cloudwarden.history.store import StoreError, one_line
from cloudwarden.history.view import (
    OLDEST_OPEN_SHOWN,
    SEVERITY_ORDER,
    AccountDelta,
    AccountState,
    Counts,
    FindingHistory,
    FindingStories,
    HistoryFilter,
    HistoryView,
    RunRef,
    RunSummary,
    TimeToFix,
    TrendCounts,
    TrendPoint,
)

BATCH = 1_000
"""Rows fetched at a time from a large answer (server-side cursor on PostgreSQL)."""

IN_LIST = 500
"""Run ids per `IN (...)`: far below SQLite's and PostgreSQL's limits on bound parameters."""

_DAY = 86_400.0
_RESOLVED = (Status.PASS.value, ABSENT)
"""The statuses that resolve a failing finding."""


class HasEngine(Protocol):
    """A store (`cloudwarden.history.store.Store`): what the queries need of it."""

    @property
    def engine(self) -> Engine: ...


@dataclass(frozen=True, slots=True)
class _Run:
    """A row of the runs table, its JSON columns decoded."""

    ref: RunRef
    epoch: int
    command: str
    accounts: tuple[str, ...]
    rules: frozenset[str]


def history(store: HasEngine | Engine, wanted: HistoryFilter) -> HistoryView:
    """What `cloudwarden history` shows for `wanted` (see `view` for the semantics). A database error,
    here or while the findings are read, is a StoreError of one line naming the store."""
    engine = store if isinstance(store, Engine) else store.engine
    with _failing(engine), _snapshot(engine) as connection:
        every_run = _all_runs(connection)
        judging = _judging(every_run, wanted)
        window = _window(judging, wanted)
        accounts = _accounts(connection, judging, wanted)
        stale = {state.account for state in accounts if state.stale}
        return HistoryView(
            filter=wanted,
            runs=_run_summaries(connection, window, wanted),
            accounts=accounts,
            totals=sum((state.counts for state in accounts), Counts()),
            since_previous=_since_previous(connection, judging, stale, wanted),
            time_to_fix=_time_to_fix(connection, wanted),
            oldest_open=_oldest_open(connection, every_run, wanted),
            trends=_trends(connection, judging, window, wanted),
            findings=FindingStories(lambda: _stories(engine, wanted)),
        )


@contextlib.contextmanager
def _failing(engine: Engine) -> Iterator[None]:
    try:
        yield
    except SQLAlchemyError as error:
        shown = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"{shown}: cannot read the history: {one_line(error)}") from error


def _snapshot(engine: Engine) -> Connection:
    """A connection whose reads all see the same committed runs, though another scan records
    meanwhile: on SQLite the one transaction the connection begins (WAL: readers see the database as
    it was when they began); on PostgreSQL that transaction at REPEATABLE READ (READ COMMITTED, the
    default, would see a run committed between two statements)."""
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        return connection.execution_options(isolation_level="REPEATABLE READ")
    return connection


def _all_runs(connection: Connection) -> tuple[_Run, ...]:
    """Every run, oldest first (by start, then id), with the accounts it judged (`run_accounts`: the
    summary's and its findings', sorted)."""
    judged: dict[int, list[str]] = defaultdict(list)
    for row in connection.execute(
        select(run_accounts.c.run_id, run_accounts.c.account).order_by(
            run_accounts.c.run_id, run_accounts.c.account
        )
    ):
        judged[row.run_id].append(row.account)
    rows = connection.execute(
        select(runs.c.id, runs.c.started_at, runs.c.started_epoch, runs.c.command, runs.c.rules).order_by(
            runs.c.started_epoch, runs.c.id
        )
    )
    return tuple(
        _Run(
            ref=RunRef(id=row.id, started_at=row.started_at),
            epoch=row.started_epoch,
            command=row.command,
            accounts=tuple(judged.get(row.id, ())),
            rules=frozenset(json.loads(row.rules)),
        )
        for row in rows
    )


def _judging(every_run: Sequence[_Run], wanted: HistoryFilter) -> tuple[_Run, ...]:
    """The runs that judged a filtered account, with only those accounts."""
    if not wanted.accounts:
        return tuple(every_run)
    kept = []
    for run in every_run:
        accounts = tuple(account for account in run.accounts if account in wanted.accounts)
        if accounts:
            kept.append(
                _Run(ref=run.ref, epoch=run.epoch, command=run.command, accounts=accounts, rules=run.rules)
            )
    return tuple(kept)


def _window(all_runs: Sequence[_Run], wanted: HistoryFilter) -> tuple[_Run, ...]:
    """The runs started on or after `since` that ran a filtered rule."""
    since = wanted.since_epoch
    return tuple(
        run
        for run in all_runs
        if (since is None or run.epoch >= since) and (not wanted.rules or run.rules & set(wanted.rules))
    )


def _where(wanted: HistoryFilter, account: Any, rule: Any) -> ColumnElement[bool]:
    """The account and rule filters on a table's `account` and `rule` columns (`account` None: the
    accounts are known to be filtered already)."""
    conditions: list[ColumnElement[bool]] = [true()]
    if wanted.accounts and account is not None:
        conditions.append(account.in_(wanted.accounts))
    if wanted.rules:
        conditions.append(rule.in_(wanted.rules))
    return and_(*conditions)


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), IN_LIST):
        yield ids[start : start + IN_LIST]


def _counts_of(
    connection: Connection, run_ids: Sequence[int], wanted: HistoryFilter
) -> dict[tuple[int, str, str], dict[str, int]]:
    """`run_counts` of these runs: (run, account, rule) -> {status: count}, filtered."""
    found: dict[tuple[int, str, str], dict[str, int]] = defaultdict(dict)
    for chunk in _chunks(sorted(run_ids)):
        rows = connection.execute(
            select(
                run_counts.c.run_id,
                run_counts.c.account,
                run_counts.c.rule,
                run_counts.c.status,
                run_counts.c.count.label("n"),
            )
            .where(run_counts.c.run_id.in_(chunk))
            .where(_where(wanted, run_counts.c.account, run_counts.c.rule))
        )
        for row in rows:
            found[(row.run_id, row.account, row.rule)][row.status] = row.n
    return found


def _run_summaries(
    connection: Connection, window: Sequence[_Run], wanted: HistoryFilter
) -> tuple[RunSummary, ...]:
    counts = _counts_of(connection, [run.ref.id for run in window], wanted)
    per_run: dict[int, Counts] = defaultdict(Counts)
    for (run_id, _account, _rule), by_status in counts.items():
        per_run[run_id] = per_run[run_id] + Counts.of(by_status)
    return tuple(
        RunSummary(run=run.ref, command=run.command, accounts=run.accounts, counts=per_run[run.ref.id])
        for run in window
    )


def _accounts(
    connection: Connection, all_runs: Sequence[_Run], wanted: HistoryFilter
) -> tuple[AccountState, ...]:
    """Every account's last run and its findings' latest statuses, grouped in the database."""
    last: dict[str, RunRef] = {}
    epochs: dict[str, int] = {}
    for run in all_runs:
        for account in run.accounts:
            last[account] = run.ref
            epochs[account] = run.epoch
    by_account: dict[str, dict[str, int]] = defaultdict(dict)
    rows = connection.execute(
        select(finding_state.c.account, finding_state.c.status, func.count().label("n"))
        .where(finding_state.c.status != ABSENT)
        .where(_where(wanted, finding_state.c.account, finding_state.c.rule))
        .group_by(finding_state.c.account, finding_state.c.status)
    )
    for row in rows:
        by_account[row.account][row.status] = row.n
    now = wanted.now.timestamp()
    states = []
    for account in sorted(last):
        days = (now - epochs[account]) / _DAY
        states.append(
            AccountState(
                account=account,
                last_run=last[account],
                days_since_last_run=days,
                stale=days > wanted.stale_after_days,
                counts=Counts.of(by_account.get(account, {})),
            )
        )
    return tuple(states)


def _since_previous(
    connection: Connection, judging: Sequence[_Run], stale: set[str], wanted: HistoryFilter
) -> tuple[AccountDelta, ...]:
    """Per account, its latest run against the previous one (see `view`). The accounts whose latest
    run is the same (usually all of them: one run judges them all) are read together: one pass over
    that run's transitions and one over the open FAILs, not one per account."""
    latest: dict[str, _Run] = {}
    previous: dict[str, RunRef | None] = {}
    for run in judging:
        for account in run.accounts:
            previous[account] = latest[account].ref if account in latest else None
            latest[account] = run
    by_run: dict[int, list[str]] = defaultdict(list)
    for account, run in latest.items():
        by_run[run.ref.id].append(account)
    changes: dict[str, _Changes] = {}
    for run_id, accounts in by_run.items():
        changes.update(_changes(connection, run_id, accounts, wanted))
    return tuple(
        AccountDelta(
            account=account,
            run=latest[account].ref,
            previous=previous[account],
            stale=account in stale,
            new=tuple(sorted(changes[account].new)),
            fixed=tuple(sorted(changes[account].fixed)),
            regressed=tuple(sorted(changes[account].regressed)),
            open=tuple(sorted(changes[account].open)),
        )
        for account in sorted(latest)
    )


@dataclass(frozen=True, slots=True)
class _Changes:
    """An account's finding ids by change in its latest run."""

    new: list[str]
    fixed: list[str]
    regressed: list[str]
    open: list[str]


def _changes(
    connection: Connection, run_id: int, accounts: list[str], wanted: HistoryFilter
) -> dict[str, _Changes]:
    """The changes of these accounts' findings in `run_id`, the latest run of each: the transitions
    there (a status unchanged since the run before has none), and the FAILs seen there that did not
    turn FAIL there (still open)."""
    found = {account: _Changes(new=[], fixed=[], regressed=[], open=[]) for account in accounts}
    resolved_before = exists().where(
        transitions.c.finding_id == _earlier.c.finding_id,
        _earlier.c.to_status.in_(_RESOLVED),
        _earlier.c.failing_since_run.is_not(None),
    )
    rows = connection.execute(
        select(
            transitions.c.finding_id,
            transitions.c.account,
            transitions.c.to_status,
            transitions.c.failing_since_run,
            # Asked of the new FAILs only: a resolution is no regression.
            case((transitions.c.to_status == Status.FAIL.value, resolved_before), else_=False).label(
                "resolved_before"
            ),
        ).where(
            transitions.c.run_id == run_id,
            transitions.c.account.in_(accounts),
            _where(wanted, None, transitions.c.rule),
        )
    )
    for row in rows:
        changes = found[row.account]
        if row.to_status == Status.FAIL.value:  # a transition: it was not FAIL before
            (changes.regressed if row.resolved_before else changes.new).append(row.finding_id)
        elif row.to_status in _RESOLVED and row.failing_since_run is not None:
            changes.fixed.append(row.finding_id)
    # FAIL in the latest run and FAIL before it: a FAIL there that did not turn FAIL there. Set apart
    # in Python from the transitions just read, rather than by an anti-join that a database without
    # fresh statistics (a bulk load just committed) may plan as a nested loop over millions of rows.
    turned = {finding_id for changes in found.values() for finding_id in changes.new + changes.regressed}
    failing = connection.execute(
        select(finding_state.c.finding_id, finding_state.c.account).where(
            finding_state.c.status == Status.FAIL.value,
            finding_state.c.last_seen_run == run_id,
            finding_state.c.account.in_(accounts),
            _where(wanted, None, finding_state.c.rule),
        )
    )
    for finding_id, account in failing:
        if finding_id not in turned:
            found[account].open.append(finding_id)
    return found


_earlier = transitions.alias("earlier")
"""Another reading of `transitions`: a finding's earlier resolutions, in `_changes`."""


def _time_to_fix(connection: Connection, wanted: HistoryFilter) -> tuple[TimeToFix, ...]:
    """Per severity, the count and the nearest-rank median and 90th percentile of the window's
    resolutions, ranked in the database: only two rows per severity come back."""
    resolving = runs.alias("resolving")
    failing = runs.alias("failing")
    seconds = (resolving.c.started_epoch - failing.c.started_epoch).label("seconds")
    ranked = (
        select(
            transitions.c.severity,
            seconds,
            func.row_number().over(partition_by=transitions.c.severity, order_by=seconds).label("rank"),
            func.count().over(partition_by=transitions.c.severity).label("n"),
        )
        .join(resolving, resolving.c.id == transitions.c.run_id)
        .join(failing, failing.c.id == transitions.c.failing_since_run)
        .where(transitions.c.to_status.in_(_RESOLVED), transitions.c.failing_since_run.is_not(None))
        .where(_where(wanted, transitions.c.account, transitions.c.rule))
    )
    since = wanted.since_epoch
    if since is not None:
        ranked = ranked.where(resolving.c.started_epoch >= since)
    ranks = ranked.subquery("ranked")
    # ceil(p * n) in integer arithmetic (floor division, `//`), the same on both databases:
    # (n + 1) // 2 and (9n + 9) // 10.
    median_rank = (ranks.c.n + 1) // 2
    p90_rank = (ranks.c.n * 9 + 9) // 10
    rows = connection.execute(
        select(
            ranks.c.severity,
            ranks.c.n,
            ranks.c.seconds,
            ranks.c.rank,
            median_rank.label("median_rank"),
            p90_rank.label("p90_rank"),
        ).where(or_(ranks.c.rank == median_rank, ranks.c.rank == p90_rank))
    )
    found: dict[str, dict[str, Any]] = defaultdict(dict)
    for row in rows:
        entry = found[row.severity]
        entry["count"] = row.n
        if row.rank == row.median_rank:
            entry["median"] = row.seconds / _DAY
        if row.rank == row.p90_rank:
            entry["p90"] = row.seconds / _DAY
    return tuple(
        TimeToFix(
            severity=severity.value,
            count=found[severity.value].get("count", 0),
            median_days=found[severity.value].get("median"),
            p90_days=found[severity.value].get("p90"),
        )
        for severity in SEVERITY_ORDER
    )


def _oldest_open(
    connection: Connection, every_run: Sequence[_Run], wanted: HistoryFilter
) -> tuple[FindingHistory, ...]:
    """The first open FAILs by failing since. Runs are few: walk them oldest first and take each one's
    open FAILs (index on status and failing_since_run) until enough are found, rather than sort every
    open FAIL of the store by its run's start."""
    times = {run.ref.id: run.ref for run in every_run}
    found: list[FindingHistory] = []
    for run in every_run:
        missing = OLDEST_OPEN_SHOWN - len(found)
        if missing <= 0:
            break
        rows = connection.execute(
            _story_columns()
            .where(
                finding_state.c.status == Status.FAIL.value,
                finding_state.c.failing_since_run == run.ref.id,
                _where(wanted, finding_state.c.account, finding_state.c.rule),
            )
            .order_by(finding_state.c.finding_id)
            .limit(missing)
        )
        found.extend(_story(row, times) for row in rows)
    return tuple(found)


def _trends(
    connection: Connection, judging: Sequence[_Run], window: Sequence[_Run], wanted: HistoryFilter
) -> tuple[TrendPoint, ...]:
    """One point per run of the window: each (account, rule) counts with its latest run at or before
    the point that judged the account and ran the rule. Before the window, only the run that last set
    each (account, rule) is read."""
    if not window:
        return ()
    first = window[0]
    before = [run for run in judging if (run.epoch, run.ref.id) < (first.epoch, first.ref.id)]
    carried_in = _last_setters(before, wanted)
    counts = _counts_of(connection, sorted(set(carried_in.values()) | {run.ref.id for run in window}), wanted)
    state = {key: _fail_unknown(counts.get((run_id, *key), {})) for key, run_id in carried_in.items()}
    known = {account for run in before for account in run.accounts}
    points = []
    for run in window:
        known.update(run.accounts)
        for account in run.accounts:
            for rule in _ran(run, wanted):
                state[(account, rule)] = _fail_unknown(counts.get((run.ref.id, account, rule), {}))
        points.append(_point(run, state, known))
    return tuple(points)


def _ran(run: _Run, wanted: HistoryFilter) -> frozenset[str]:
    """The filtered rules the run ran."""
    return run.rules & frozenset(wanted.rules) if wanted.rules else run.rules


def _last_setters(before: Sequence[_Run], wanted: HistoryFilter) -> dict[tuple[str, str], int]:
    """(account, rule) -> the last run of `before` that judged the account and ran the rule."""
    setters: dict[tuple[str, str], int] = {}
    for run in before:
        for account in run.accounts:
            for rule in _ran(run, wanted):
                setters[(account, rule)] = run.ref.id
    return setters


def _fail_unknown(by_status: dict[str, int]) -> tuple[int, int]:
    return by_status.get(Status.FAIL.value, 0), by_status.get(Status.UNKNOWN.value, 0)


def _point(run: _Run, state: dict[tuple[str, str], tuple[int, int]], known: set[str]) -> TrendPoint:
    """The totals after `run`; an account known but not judged by it is carried forward."""
    by_rule: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_account: dict[str, list[int]] = {account: [0, 0] for account in known}
    for (account, rule), (fail, unknown) in state.items():
        for totals in (by_rule[rule], by_account[account]):
            totals[0] += fail
            totals[1] += unknown
    return TrendPoint(
        run=run.ref,
        fail=sum(fail for fail, _ in by_account.values()),
        unknown=sum(unknown for _, unknown in by_account.values()),
        by_rule=tuple(TrendCounts(key=rule, fail=f, unknown=u) for rule, (f, u) in sorted(by_rule.items())),
        by_account=tuple(
            TrendCounts(key=account, fail=f, unknown=u, carried=account not in run.accounts)
            for account, (f, u) in sorted(by_account.items())
        ),
    )


def _story_columns() -> Select[Any]:
    return select(
        finding_state.c.finding_id,
        finding_state.c.rule,
        finding_state.c.account,
        finding_state.c.region,
        finding_state.c.resource_type,
        finding_state.c.resource_id,
        finding_state.c.status,
        finding_state.c.severity,
        finding_state.c.first_seen_run,
        finding_state.c.last_seen_run,
        finding_state.c.failing_since_run,
        finding_state.c.resolved_run,
        finding_state.c.regressions,
    )


def _story(row: Row[Any], times: dict[int, RunRef]) -> FindingHistory:
    return FindingHistory(
        id=row.finding_id,
        rule=row.rule,
        account=row.account,
        region=row.region,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        status=row.status,
        severity=row.severity,
        first_seen=times[row.first_seen_run],
        last_seen=times[row.last_seen_run],
        failing_since=None if row.failing_since_run is None else times[row.failing_since_run],
        resolved_at=None if row.resolved_run is None else times[row.resolved_run],
        regressions=row.regressions,
    )


def _stories(engine: Engine, wanted: HistoryFilter) -> Iterator[FindingHistory]:
    """The per-finding list, in finding id order, a batch at a time: the filtered findings judged in
    the window (seen, or found gone: `last_run`), and every finding still failing (FAIL, or hidden
    under UNKNOWN, MANUAL or SUPPRESSED)."""
    with _failing(engine), engine.connect() as connection:
        times = {run.ref.id: run.ref for run in _all_runs(connection)}
        statement = _story_columns().where(_where(wanted, finding_state.c.account, finding_state.c.rule))
        since = wanted.since_epoch
        if since is not None:
            in_window = select(runs.c.id).where(runs.c.started_epoch >= since)
            statement = statement.where(
                or_(
                    finding_state.c.last_run.in_(in_window),
                    finding_state.c.failing_since_run.is_not(None),
                )
            )
        rows = connection.execution_options(yield_per=BATCH).execute(
            statement.order_by(finding_state.c.finding_id)
        )
        for row in rows:
            yield _story(row, times)
