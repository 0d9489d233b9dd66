"""`history`: the answer of `cloudwarden history` (`view.HistoryView`, whose docstring states the
semantics), read from the store's tables with SQLAlchemy Core, the same statements on SQLite and
PostgreSQL.

What is read, and why it stays fast on runs of a million findings: the runs table whole (a few thousand
rows at most) with each run's accounts and rules; `run_counts` of the runs a trend needs (rows per run,
account, rule and status: hundreds, not millions); `finding_state` (one row per finding id, never the
`findings` table) grouped per account and status in the database, its open FAILs ordered by the start
of the run they fail since with a limit, and streamed a batch at a time for the per-finding list;
`transitions` of the latest run of each account and rule (since the previous run) and of the window's
resolutions, whose percentiles are computed by window functions in the database.

A store holds the times of runs both as `started_at` text (shown) and `started_epoch` (compared and
ordered): no date arithmetic is left to either database. Every part of a view but its per-finding list
is read in one snapshot (see `_snapshot`), so a scan recording meanwhile shows in all of it or none;
the list is read when iterated, in a snapshot of its own (its runs and the states together). A
database error is a StoreError of one line naming the store.

Measured (`bench/bench_history.py`, figures in docs/history.md; 2 busy cores): over 30 runs of 250,000
findings (320,000 finding ids) the view in 2 to 3.5 s and its JSON in 9 to 11 s on either database;
over 3 runs of 1,000,000 (1.1 million ids) the view in 7 to 11 s, its JSON in 32 s on SQLite.
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Engine, Select, and_, case, exists, false, func, or_, select, true
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import SQLAlchemyError

from cloudwarden.findings import Status
from cloudwarden.history.errors import StoreError
from cloudwarden.history.schema import (
    ABSENT,
    UNJUDGED,
    finding_state,
    run_accounts,
    run_counts,
    runs,
    transitions,
)
from cloudwarden.history.store import one_line
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
ACCOUNT_RESOURCE = "AWS::::Account"
"""The resource type of a finding on an account itself."""
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
    unjudged: frozenset[tuple[str, str]] = frozenset()
    """The (account, rule) pairs it could not judge whole (`schema.UNJUDGED`)."""


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
    summary's and its findings', sorted; not those it could not enter) and the (account, rule) pairs
    it could not judge whole."""
    judged: dict[int, list[str]] = defaultdict(list)
    for row in connection.execute(
        select(run_accounts.c.run_id, run_accounts.c.account).order_by(
            run_accounts.c.run_id, run_accounts.c.account
        )
    ):
        judged[row.run_id].append(row.account)
    unjudged: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for run_id, account, rule in connection.execute(
        select(run_counts.c.run_id, run_counts.c.account, run_counts.c.rule).where(
            run_counts.c.status == UNJUDGED
        )
    ):
        unjudged[run_id].add((account, rule))
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
            unjudged=frozenset(unjudged.get(row.id, ())),
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
                _Run(
                    ref=run.ref,
                    epoch=run.epoch,
                    command=run.command,
                    accounts=accounts,
                    rules=run.rules,
                    unjudged=run.unjudged,
                )
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
    """Per account, rule by rule: each (account, rule) from its latest run that ran the rule against
    the run before (see `view`), merged per account. The pairs whose latest run is the same (usually
    all of an account's: one run runs every rule) are read together: one pass over that run's
    transitions, and one over the open FAILs of every account, not one per account or rule."""
    latest: dict[str, _Run] = {}
    previous: dict[str, RunRef | None] = {}
    by_pair: dict[tuple[str, str], _Run] = {}
    for run in judging:
        ran = _ran(run, wanted)
        if not ran:
            continue
        for account in run.accounts:
            previous[account] = latest[account].ref if account in latest else None
            latest[account] = run
            for rule in ran:
                by_pair[(account, rule)] = run
    pairs_by_run: dict[int, set[tuple[str, str]]] = defaultdict(set)
    runs_by_id: dict[int, _Run] = {}
    for pair, run in by_pair.items():
        pairs_by_run[run.ref.id].add(pair)
        runs_by_id[run.ref.id] = run
    found = {account: _Changes(new=[], fixed=[], regressed=[], open=[]) for account in latest}
    for run_id, pairs in pairs_by_run.items():
        _changes(connection, runs_by_id[run_id], pairs, found)
    _still_open(connection, sorted(latest), wanted, found)
    return tuple(
        AccountDelta(
            account=account,
            run=latest[account].ref,
            previous=previous[account],
            stale=account in stale,
            new=tuple(sorted(found[account].new)),
            fixed=tuple(sorted(found[account].fixed)),
            regressed=tuple(sorted(found[account].regressed)),
            open=tuple(sorted(found[account].open)),
        )
        for account in sorted(latest)
    )


@dataclass(frozen=True, slots=True)
class _Changes:
    """An account's finding ids by change since the previous run of each of its rules."""

    new: list[str]
    fixed: list[str]
    regressed: list[str]
    open: list[str]


def _changes(
    connection: Connection, run: _Run, pairs: set[tuple[str, str]], found: dict[str, _Changes]
) -> None:
    """The changes of the findings of `pairs` (account, rule) in `run`, the latest run of each: the
    transitions there (a status unchanged since the run before has none). A FAIL that begins a failing
    stretch there is new, or regressed when it was resolved before; a FAIL back from UNKNOWN, MANUAL
    or SUPPRESSED within a stretch begun earlier (its transition names that stretch) is still open,
    found by `_still_open`; a resolution of a failing finding is fixed."""
    accounts = sorted({account for account, _ in pairs})
    rules = sorted({rule for _, rule in pairs})
    resolved_before = exists().where(
        transitions.c.finding_id == _earlier.c.finding_id,
        _earlier.c.to_status.in_(_RESOLVED),
        _earlier.c.failing_since_run.is_not(None),
    )
    begins = and_(transitions.c.to_status == Status.FAIL.value, transitions.c.failing_since_run.is_(None))
    rows = connection.execute(
        select(
            transitions.c.finding_id,
            transitions.c.account,
            transitions.c.rule,
            transitions.c.to_status,
            transitions.c.failing_since_run,
            # Asked of the FAILs that begin a stretch only: a resolution is no regression.
            case((begins, resolved_before), else_=False).label("resolved_before"),
        ).where(
            transitions.c.run_id == run.ref.id,
            transitions.c.account.in_(accounts),
            transitions.c.rule.in_(rules),
        )
    )
    for row in rows:
        if (row.account, row.rule) not in pairs:
            continue  # a rule whose latest run for this account is another
        changes = found[row.account]
        if row.to_status == Status.FAIL.value and row.failing_since_run is None:
            (changes.regressed if row.resolved_before else changes.new).append(row.finding_id)
        elif row.to_status in _RESOLVED and row.failing_since_run is not None:
            changes.fixed.append(row.finding_id)


def _still_open(
    connection: Connection, accounts: list[str], wanted: HistoryFilter, found: dict[str, _Changes]
) -> None:
    """Open: FAIL now (the state), and not new or regressed in the latest run of its rule: it was
    failing before it. Set apart in Python from the transitions just read, rather than by an
    anti-join that a database without fresh statistics (a bulk load just committed) may plan as a
    nested loop over millions of rows."""
    turned = {finding_id for changes in found.values() for finding_id in changes.new + changes.regressed}
    failing = connection.execute(
        select(finding_state.c.finding_id, finding_state.c.account).where(
            finding_state.c.status == Status.FAIL.value,
            finding_state.c.account.in_(accounts),
            _where(wanted, None, finding_state.c.rule),
        )
    )
    for finding_id, account in failing:
        if finding_id not in turned:
            found[account].open.append(finding_id)


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
    seen = _Seen.of(every_run)
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
        found.extend(_story(row, seen) for row in rows)
    return tuple(found)


def _trends(
    connection: Connection, judging: Sequence[_Run], window: Sequence[_Run], wanted: HistoryFilter
) -> tuple[TrendPoint, ...]:
    """One point per run of the window: each (account, rule) counts with its latest run at or before
    the point that judged the account and ran the rule; a run that could not judge the pair whole
    leaves it its last judged FAIL count, adding its own UNKNOWNs to the last judged ones (what it
    did not see is not gone). Before the window, only the runs that last set each pair are read."""
    if not window:
        return ()
    first = window[0]
    before = [run for run in judging if (run.epoch, run.ref.id) < (first.epoch, first.ref.id)]
    carried_in = _last_setters(before, wanted)
    setters = {run_id for pair in carried_in.values() for run_id in pair if run_id is not None}
    counts = _counts_of(connection, sorted(setters | {run.ref.id for run in window}), wanted)
    judged: dict[tuple[str, str], tuple[int, int]] = {}
    state: dict[tuple[str, str], tuple[int, int]] = {}
    for key, (judged_id, unjudged_id) in carried_in.items():
        if judged_id is not None:
            judged[key] = state[key] = _fail_unknown(counts.get((judged_id, *key), {}))
        if unjudged_id is not None:
            state[key] = _not_judged(judged.get(key), counts.get((unjudged_id, *key), {}))
    known = {account for run in before for account in run.accounts}
    points = []
    for run in window:
        known.update(run.accounts)
        for account in run.accounts:
            for rule in _ran(run, wanted):
                key = (account, rule)
                here = counts.get((run.ref.id, *key), {})
                if key in run.unjudged:
                    state[key] = _not_judged(judged.get(key), here)
                else:
                    judged[key] = state[key] = _fail_unknown(here)
        points.append(_point(run, state, known))
    return tuple(points)


def _ran(run: _Run, wanted: HistoryFilter) -> frozenset[str]:
    """The filtered rules the run ran."""
    return run.rules & frozenset(wanted.rules) if wanted.rules else run.rules


def _last_setters(
    before: Sequence[_Run], wanted: HistoryFilter
) -> dict[tuple[str, str], tuple[int | None, int | None]]:
    """(account, rule) -> the last run of `before` that judged the account and ran the rule, judging
    the pair whole; and the last that could not, when it came after that one."""
    setters: dict[tuple[str, str], tuple[int | None, int | None]] = {}
    for run in before:
        for account in run.accounts:
            for rule in _ran(run, wanted):
                key = (account, rule)
                if key in run.unjudged:
                    setters[key] = (setters.get(key, (None, None))[0], run.ref.id)
                else:
                    setters[key] = (run.ref.id, None)
    return setters


def _not_judged(last: tuple[int, int] | None, here: dict[str, int]) -> tuple[int, int]:
    """A pair a run could not judge whole: its last judged FAILs, and UNKNOWNs with the run's."""
    fail, unknown = last or (0, 0)
    return fail, unknown + here.get(Status.UNKNOWN.value, 0)


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
        finding_state.c.changed_run,
        finding_state.c.failing_since_run,
        finding_state.c.resolved_run,
        finding_state.c.regressions,
    )


class _Seen:
    """Which run last saw a finding, which the state does not store (rewriting every row at every
    run): a finding not ABSENT was seen by every run of its account that ran its rule since its
    status last changed, so last by the latest of them; an ABSENT one by the latest of them before
    the run that found it gone (its `changed_run`). Runs are few; the answers are cached."""

    def __init__(self, every_run: Sequence[_Run]) -> None:
        self.times = {run.ref.id: run.ref for run in every_run}
        self._judging: dict[str, list[_Run]] = defaultdict(list)
        self._position: dict[tuple[str, int], int] = {}
        for run in every_run:
            for account in run.accounts:
                self._position[(account, run.ref.id)] = len(self._judging[account])
                self._judging[account].append(run)
        self._order = {run.ref.id: index for index, run in enumerate(every_run)}
        self._cache: dict[tuple[str, str, int | None, bool], RunRef | None] = {}

    @staticmethod
    def of(every_run: Sequence[_Run]) -> _Seen:
        return _Seen(every_run)

    def last_seen(self, account: str, rule: str, gone_in: int | None, *, whole: bool) -> RunRef | None:
        """The latest run of `account` that ran `rule` (before `gone_in`, the run that found the
        finding ABSENT, when it is); with `whole`, one that judged the pair whole (a finding on a
        resource, which a run that could not judge the pair did not see); None if there is none."""
        key = (account, rule, gone_in, whole)
        if key not in self._cache:
            runs = self._judging.get(account, [])
            end = len(runs) if gone_in is None else self._position.get((account, gone_in), 0)
            self._cache[key] = next(
                (
                    runs[index].ref
                    for index in range(end - 1, -1, -1)
                    if rule in runs[index].rules and not (whole and (account, rule) in runs[index].unjudged)
                ),
                None,
            )
        return self._cache[key]

    def later(self, first: RunRef | None, second: RunRef) -> RunRef:
        """The later of two runs, in the runs' order."""
        if first is None or self._order[second.id] > self._order[first.id]:
            return second
        return first

    def rules_judged_since(self, since: int) -> dict[str, frozenset[str]]:
        """Per account, the rules run by its runs started at or after `since`: the findings of those
        (account, rule) not ABSENT were seen in the window."""
        judged: dict[str, frozenset[str]] = {}
        for account, judging in self._judging.items():
            rules = frozenset().union(*(run.rules for run in judging if run.epoch >= since))
            if rules:
                judged[account] = rules
        return judged


def _story(row: Row[Any], seen: _Seen) -> FindingHistory:
    times = seen.times
    gone_in = row.changed_run if row.status == ABSENT else None
    whole = row.resource_type != ACCOUNT_RESOURCE
    last_seen = seen.last_seen(row.account, row.rule, gone_in, whole=whole)
    # Not ABSENT: it was in the run that last changed it (a run that could not judge its pair whole
    # may have seen it all the same).
    seen_last = last_seen or times[row.first_seen_run]
    last_seen = seen_last if gone_in is not None else seen.later(seen_last, times[row.changed_run])
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
        last_seen=last_seen,
        failing_since=None if row.failing_since_run is None else times[row.failing_since_run],
        resolved_at=None if row.resolved_run is None else times[row.resolved_run],
        regressions=row.regressions,
    )


def _stories(engine: Engine, wanted: HistoryFilter) -> Iterator[FindingHistory]:
    """The per-finding list, in finding id order, a batch at a time: the filtered findings judged in
    the window (seen in a run of it, or found ABSENT by one), and every finding still failing (FAIL,
    or hidden under UNKNOWN, MANUAL or SUPPRESSED)."""
    with _failing(engine), _snapshot(engine) as connection:
        seen = _Seen.of(_all_runs(connection))
        statement = _story_columns().where(_where(wanted, finding_state.c.account, finding_state.c.rule))
        since = wanted.since_epoch
        if since is not None:
            statement = statement.where(_judged_since(seen, since))
        rows = connection.execution_options(yield_per=BATCH).execute(
            statement.order_by(finding_state.c.finding_id)
        )
        for row in rows:
            yield _story(row, seen)


def _judged_since(seen: _Seen, since: int) -> ColumnElement[bool]:
    """A finding judged in the window, or still failing: found ABSENT by a run of the window; not
    ABSENT, of an account and rule a run of the window judged (so it saw it); or failing."""
    groups: dict[frozenset[str], list[str]] = defaultdict(list)
    for account, rules in seen.rules_judged_since(since).items():
        groups[rules].append(account)
    state = finding_state.c
    seen_in_window = [
        and_(state.account.in_(sorted(accounts)), state.rule.in_(sorted(rules)))
        for rules, accounts in groups.items()
    ]
    return or_(
        and_(
            state.status == ABSENT,
            state.changed_run.in_(select(runs.c.id).where(runs.c.started_epoch >= since)),
        ),
        and_(state.status != ABSENT, or_(false(), *seen_in_window)),
        state.failing_since_run.is_not(None),
    )
