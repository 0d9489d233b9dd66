"""`history.query.history` over runs recorded by the real recorder, on SQLite and on PostgreSQL: the
exact answer for the scenario of `scenario.py` (new, fixed, regressed, open, a suppressed and an
UNKNOWN-hidden FAIL, a finding gone, an account no longer scanned), the filters, and nearest-rank
percentiles on a known set. The same expectations on both databases: identical answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from cloudwarden.findings import Severity, Status
from cloudwarden.history import Store, StoreError, open_store, query
from cloudwarden.history.query import history
from cloudwarden.history.view import (
    AccountDelta,
    AccountState,
    Counts,
    FindingHistory,
    HistoryFilter,
    HistoryView,
    RunRef,
    RunSummary,
    TimeToFix,
    TrendCounts,
    TrendPoint,
)

from .child import finding
from .scenario import NOW, RULE_A, RULE_B, STARTS, A, B, a_id, fid, record, record_scenario

R1, R2, R3, R4 = (RunRef(id=number, started_at=started) for number, started in enumerate(STARTS, start=1))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as opened:
        yield opened


@pytest.fixture
def scenario(store: Store) -> Store:
    assert record_scenario(store) == [1, 2, 3, 4]
    return store


def _view(store: Store, **wanted: object) -> HistoryView:
    return history(store, HistoryFilter(now=NOW, **wanted))  # type: ignore[arg-type]


def _story(
    name: str,
    status: str,
    first: RunRef,
    last: RunRef,
    failing: RunRef | None,
    resolved: RunRef | None,
    regressions: int = 0,
    *,
    account: str = A,
) -> FindingHistory:
    rules_and_severities = {
        "open": (RULE_A, "high"),
        "regress": (RULE_A, "critical"),
        "fixed": (RULE_A, "high"),
        "hidden": (RULE_A, "low"),
        "murky": (RULE_A, "medium"),
        "gone": (RULE_B, "high"),
        "fresh": (RULE_B, "medium"),
        "calm": (RULE_B, "info"),
        "b-open": (RULE_A, "high"),
        "b-pass": (RULE_A, "high"),
    }
    rule, severity = rules_and_severities[name]
    return FindingHistory(
        id=fid(account, rule, name),
        rule=rule,
        account=account,
        region="eu-west-1",
        resource_type="AWS::S3::Bucket",
        resource_id=name,
        status=status,
        severity=severity,
        first_seen=first,
        last_seen=last,
        failing_since=failing,
        resolved_at=resolved,
        regressions=regressions,
    )


STORIES = {
    "open": _story("open", "FAIL", R1, R4, R1, None),
    "regress": _story("regress", "FAIL", R1, R4, R4, None, 1),
    "fixed": _story("fixed", "PASS", R1, R4, None, R4),
    "hidden": _story("hidden", "SUPPRESSED", R1, R4, R1, None),
    "murky": _story("murky", "UNKNOWN", R1, R4, R1, None),
    "gone": _story("gone", "ABSENT", R2, R2, None, R4),
    "fresh": _story("fresh", "FAIL", R4, R4, R4, None),
    "calm": _story("calm", "PASS", R1, R4, None, None),
    "b-open": _story("b-open", "FAIL", R1, R1, R1, None, account=B),
    "b-pass": _story("b-pass", "PASS", R1, R1, None, None, account=B),
}


def _stories(*names: str) -> list[FindingHistory]:
    return sorted((STORIES[name] for name in names), key=lambda story: story.id)


def _no_fix(*severities: str) -> tuple[TimeToFix, ...]:
    return tuple(
        TimeToFix(severity=severity, count=0, median_days=None, p90_days=None) for severity in severities
    )


def _tc(key: str, fail: int, unknown: int, carried: bool = False) -> TrendCounts:
    return TrendCounts(key=key, fail=fail, unknown=unknown, carried=carried)


TREND_R3 = TrendPoint(
    run=R3,
    fail=5,
    unknown=0,
    by_rule=(_tc(RULE_A, 4, 0), _tc(RULE_B, 1, 0)),
    by_account=(_tc(A, 4, 0), _tc(B, 1, 0, carried=True)),
)
TREND_R4 = TrendPoint(
    run=R4,
    fail=4,
    unknown=1,
    by_rule=(_tc(RULE_A, 3, 1), _tc(RULE_B, 1, 0)),
    by_account=(_tc(A, 3, 1), _tc(B, 1, 0, carried=True)),
)
A_DELTA = AccountDelta(
    account=A,
    run=R4,
    previous=R3,
    stale=False,
    new=(a_id("fresh"),),
    fixed=(a_id("fixed"), a_id("gone")),
    regressed=(a_id("regress"),),
    open=(a_id("open"),),
)
B_DELTA = AccountDelta(
    account=B,
    run=R1,
    previous=None,
    stale=True,
    new=(fid(B, RULE_A, "b-open"),),
    fixed=(),
    regressed=(),
    open=(),
)
B_STATE = AccountState(
    account=B, last_run=R1, days_since_last_run=9.0, stale=True, counts=Counts(passed=1, failed=1)
)
OLDEST_OPEN = (STORIES["open"], STORIES["b-open"], STORIES["regress"], STORIES["fresh"])


def test_the_whole_story(scenario: Store) -> None:
    view = _view(scenario)
    assert view.runs == (
        RunSummary(run=R1, command="scan", accounts=(A, B), counts=Counts(passed=2, failed=6)),
        RunSummary(
            run=R2, command="scan", accounts=(A,), counts=Counts(passed=2, failed=3, unknown=1, suppressed=1)
        ),
        RunSummary(run=R3, command="scan", accounts=(A,), counts=Counts(passed=1, failed=3, suppressed=1)),
        RunSummary(
            run=R4, command="scan", accounts=(A,), counts=Counts(passed=2, failed=3, unknown=1, suppressed=1)
        ),
    )
    assert list(view.findings) == _stories(*STORIES)
    assert view.since_previous == (A_DELTA, B_DELTA)
    assert view.time_to_fix == (
        TimeToFix(severity="critical", count=1, median_days=1.0, p90_days=1.0),
        TimeToFix(severity="high", count=2, median_days=6.0, p90_days=7.0),
        *_no_fix("medium", "low", "info"),
    )
    assert view.oldest_open == OLDEST_OPEN
    assert view.open_fails == 4
    assert view.trends == (
        TrendPoint(
            run=R1,
            fail=6,
            unknown=0,
            by_rule=(_tc(RULE_A, 6, 0), _tc(RULE_B, 0, 0)),
            by_account=(_tc(A, 5, 0), _tc(B, 1, 0)),
        ),
        TrendPoint(
            run=R2,
            fail=4,
            unknown=1,
            by_rule=(_tc(RULE_A, 3, 1), _tc(RULE_B, 1, 0)),
            by_account=(_tc(A, 3, 1), _tc(B, 1, 0, carried=True)),
        ),
        TREND_R3,
        TREND_R4,
    )


def test_an_account_no_longer_scanned_is_stale_and_still_counted(scenario: Store) -> None:
    view = _view(scenario)
    assert view.accounts == (
        AccountState(
            account=A,
            last_run=R4,
            days_since_last_run=2.0,
            stale=False,
            counts=Counts(passed=2, failed=3, unknown=1, suppressed=1),
        ),
        B_STATE,
    )
    assert view.stale_accounts == (B_STATE,)
    assert view.totals == Counts(passed=3, failed=4, unknown=1, suppressed=1)


def test_stale_means_more_than_stale_after_days(scenario: Store) -> None:
    seven_days_after = datetime(2026, 11, 8, tzinfo=UTC)
    at_the_limit = history(scenario, HistoryFilter(now=seven_days_after, stale_after_days=7))
    assert [(state.account, state.days_since_last_run, state.stale) for state in at_the_limit.accounts] == [
        (A, 0.0, False),
        (B, 7.0, False),
    ]
    past_it = history(scenario, HistoryFilter(now=seven_days_after + timedelta(hours=12), stale_after_days=7))
    assert [(state.account, state.stale) for state in past_it.accounts] == [(A, False), (B, True)]
    assert past_it.totals == at_the_limit.totals == Counts(passed=3, failed=4, unknown=1, suppressed=1)
    assert [delta.stale for delta in past_it.since_previous] == [False, True]


def test_a_suppressed_fail_is_neither_open_nor_fixed(scenario: Store) -> None:
    view = _view(scenario)
    hidden = a_id("hidden")
    assert STORIES["hidden"] in list(view.findings)
    assert hidden not in {story.id for story in view.oldest_open}
    for delta in view.since_previous:
        assert hidden not in delta.new + delta.fixed + delta.regressed + delta.open
    assert view.time_to_fix[SEVERITY_INDEX[Severity.LOW]] == TimeToFix(
        severity="low", count=0, median_days=None, p90_days=None
    )


SEVERITY_INDEX = {severity: index for index, severity in enumerate(Severity)}


def test_since_windows_runs_trends_and_time_to_fix_not_the_current_state(scenario: Store) -> None:
    view = _view(scenario, since=date(2026, 11, 4))
    assert [summary.run for summary in view.runs] == [R3, R4]
    assert view.trends == (TREND_R3, TREND_R4)
    assert view.time_to_fix == (
        *_no_fix("critical"),
        TimeToFix(severity="high", count=2, median_days=6.0, p90_days=7.0),
        *_no_fix("medium", "low", "info"),
    )
    # Judged in the window, or still failing: B's PASS of the first run is out, its FAIL stays.
    assert list(view.findings) == _stories(*(name for name in STORIES if name != "b-pass"))
    assert view.since_previous == (A_DELTA, B_DELTA)
    assert view.oldest_open == OLDEST_OPEN
    assert view.accounts[1] == B_STATE


def test_since_after_every_run_keeps_the_last_known_state(scenario: Store) -> None:
    view = _view(scenario, since=date(2026, 11, 9))
    assert view.runs == ()
    assert view.trends == ()
    assert view.time_to_fix == _no_fix("critical", "high", "medium", "low", "info")
    assert view.totals == Counts(passed=3, failed=4, unknown=1, suppressed=1)
    assert list(view.findings) == _stories("open", "regress", "hidden", "murky", "fresh", "b-open")


def test_account_filter(scenario: Store) -> None:
    view = _view(scenario, accounts=(B,))
    assert view.runs == (
        RunSummary(run=R1, command="scan", accounts=(B,), counts=Counts(passed=1, failed=1)),
    )
    assert list(view.findings) == _stories("b-open", "b-pass")
    assert view.since_previous == (B_DELTA,)
    assert view.accounts == (B_STATE,)
    assert view.totals == Counts(passed=1, failed=1)
    assert view.oldest_open == (STORIES["b-open"],)
    assert view.time_to_fix == _no_fix("critical", "high", "medium", "low", "info")
    assert view.trends == (
        TrendPoint(
            run=R1,
            fail=1,
            unknown=0,
            by_rule=(_tc(RULE_A, 1, 0), _tc(RULE_B, 0, 0)),
            by_account=(_tc(B, 1, 0),),
        ),
    )


def test_rule_filter(scenario: Store) -> None:
    view = _view(scenario, rules=(RULE_B,))
    assert view.runs == (
        RunSummary(run=R1, command="scan", accounts=(A, B), counts=Counts(passed=1)),
        RunSummary(run=R2, command="scan", accounts=(A,), counts=Counts(passed=1, failed=1)),
        RunSummary(run=R4, command="scan", accounts=(A,), counts=Counts(passed=1, failed=1)),
    )
    assert list(view.findings) == _stories("gone", "fresh", "calm")
    # R3 did not run rule-b: A's run before R4 of the rules asked is R2.
    assert view.since_previous == (
        AccountDelta(
            account=A,
            run=R4,
            previous=R2,
            stale=False,
            new=(a_id("fresh"),),
            fixed=(a_id("gone"),),
            regressed=(),
            open=(),
        ),
        AccountDelta(account=B, run=R1, previous=None, stale=True, new=(), fixed=(), regressed=(), open=()),
    )
    assert view.time_to_fix == (
        *_no_fix("critical"),
        TimeToFix(severity="high", count=1, median_days=6.0, p90_days=6.0),
        *_no_fix("medium", "low", "info"),
    )
    assert view.oldest_open == (STORIES["fresh"],)
    assert [state.counts for state in view.accounts] == [Counts(passed=1, failed=1), Counts()]
    assert [(point.run, point.fail, point.by_account) for point in view.trends] == [
        (R1, 0, (_tc(A, 0, 0), _tc(B, 0, 0))),
        (R2, 1, (_tc(A, 1, 0), _tc(B, 0, 0, carried=True))),
        (R4, 1, (_tc(A, 1, 0), _tc(B, 0, 0, carried=True))),
    ]


def test_an_empty_store(store: Store) -> None:
    view = _view(store)
    assert view.runs == ()
    assert view.accounts == ()
    assert view.since_previous == ()
    assert view.oldest_open == ()
    assert view.trends == ()
    assert view.totals == Counts()
    assert view.time_to_fix == _no_fix("critical", "high", "medium", "low", "info")
    assert list(view.findings) == []


def test_median_and_p90_are_nearest_rank(store: Store) -> None:
    """Ten medium FAILs of run 0, the k-th fixed by run k, k days later: durations 1 to 10 days.
    Nearest rank: the median is the 5th (ceil(10 / 2)), the 90th percentile the 9th (ceil(9.0)); over
    the five of days 6 to 10, the 3rd (ceil(2.5)) and the 5th (ceil(4.5))."""
    start = datetime(2026, 10, 1, tzinfo=UTC)
    for run in range(11):
        started = (start + timedelta(days=run)).isoformat()
        found = [
            finding(f"m{k:02d}", Status.PASS if k <= run else Status.FAIL, severity=Severity.MEDIUM)
            for k in range(1, 11)
        ]
        record(store, started, (A,), [RULE_A], found)
    whole = _view(store)
    assert whole.time_to_fix[SEVERITY_INDEX[Severity.MEDIUM]] == TimeToFix(
        severity="medium", count=10, median_days=5.0, p90_days=9.0
    )
    window = _view(store, since=date(2026, 10, 7))
    assert window.time_to_fix[SEVERITY_INDEX[Severity.MEDIUM]] == TimeToFix(
        severity="medium", count=5, median_days=8.0, p90_days=10.0
    )
    assert [point.fail for point in whole.trends] == [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]


def test_oldest_open_lists_twenty_by_failing_since(store: Store) -> None:
    """25 open FAILs over two runs: the 20 listed are the 15 of the first run, then the first 5 of
    the second, each run's by id; `open_fails` counts all 25."""
    first = [finding(f"old{n:02d}", Status.FAIL) for n in range(15)]
    record(store, STARTS[0], (A,), [RULE_A], first)
    record(store, STARTS[1], (A,), [RULE_A], first + [finding(f"new{n:02d}", Status.FAIL) for n in range(10)])
    view = _view(store)
    assert view.open_fails == 25
    assert [story.id for story in view.oldest_open] == [fid(A, RULE_A, f"old{n:02d}") for n in range(15)] + [
        fid(A, RULE_A, f"new{n:02d}") for n in range(5)
    ]
    assert {story.failing_since for story in view.oldest_open[15:]} == {R2}


@pytest.mark.parametrize("hidden", [Status.UNKNOWN, Status.SUPPRESSED, Status.MANUAL])
def test_a_fail_back_from_hiding_within_its_stretch_is_open_not_new(store: Store, hidden: Status) -> None:
    """FAIL, then UNKNOWN (a transient AccessDenied), SUPPRESSED or MANUAL, then FAIL: never known fixed,
    its failing stretch began at the first run, so its return is still `open`: neither new nor
    regressed, no regression counted. `y`, FAIL, PASS, hidden, FAIL, was resolved in between: its
    return begins a stretch, a regression. `w`, PASS, hidden, FAIL, never failed before: new."""
    x, y, w = (fid(A, RULE_A, name) for name in ("x", "y", "w"))
    nights = [
        (Status.FAIL, Status.FAIL, Status.PASS),
        (hidden, Status.PASS, hidden),
        (Status.FAIL, hidden, Status.FAIL),
        (Status.FAIL, Status.FAIL, Status.FAIL),
    ]
    for night, statuses in enumerate(nights):
        found = [finding(name, status) for name, status in zip(("x", "y", "w"), statuses, strict=True)]
        record(store, STARTS[night], (A,), [RULE_A], found)
    view = _view(store)
    assert view.since_previous == (
        AccountDelta(
            account=A, run=R4, previous=R3, stale=False, new=(), fixed=(), regressed=(y,), open=(w, x)
        ),
    )
    assert [
        (story.id, story.failing_since, story.resolved_at, story.regressions) for story in view.findings
    ] == [
        (w, R3, None, 0),
        (x, R1, None, 0),
        (y, R4, None, 1),
    ]
    # y's one resolution (R2, a day after R1) is the only time to fix: x's hiding resolved nothing.
    assert view.time_to_fix == (
        *_no_fix("critical"),
        TimeToFix(severity="high", count=1, median_days=1.0, p90_days=1.0),
        *_no_fix("medium", "low", "info"),
    )


def test_since_previous_of_the_third_night_after_a_hidden_fail(store: Store) -> None:
    """The night x comes back from UNKNOWN: open, not new (the reviewer's FAIL, UNKNOWN, FAIL)."""
    record(store, STARTS[0], (A,), [RULE_A], [finding("x", Status.FAIL)])
    record(store, STARTS[1], (A,), [RULE_A], [finding("x", Status.UNKNOWN)])
    record(store, STARTS[2], (A,), [RULE_A], [finding("x", Status.FAIL)])
    view = _view(store)
    x = fid(A, RULE_A, "x")
    assert view.since_previous == (
        AccountDelta(account=A, run=R3, previous=R2, stale=False, new=(), fixed=(), regressed=(), open=(x,)),
    )
    assert view.oldest_open[0].failing_since == R1
    assert view.time_to_fix == _no_fix("critical", "high", "medium", "low", "info")


def test_the_findings_stream_reads_in_batches(store: Store) -> None:
    """More findings than a batch: every one comes back, in id order."""
    record(store, STARTS[0], (A,), [RULE_A], [finding(f"b{n:05d}", Status.FAIL) for n in range(2_345)])
    stories = list(_view(store).findings)
    assert [story.id for story in stories] == [fid(A, RULE_A, f"b{n:05d}") for n in range(2_345)]


def test_a_store_that_cannot_be_read_is_one_line(store: Store) -> None:
    record(store, STARTS[0], (A,), [RULE_A], [finding("x", Status.FAIL)])
    with store.engine.begin() as connection:
        connection.execute(text("DROP TABLE run_counts"))
    with pytest.raises(StoreError) as refused:
        _view(store)
    message = str(refused.value)
    shown = store.engine.url.render_as_string(hide_password=True)
    assert message.startswith(f"{shown}: cannot read the history: ")
    assert "run_counts" in message
    assert "\n" not in message


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="must be an aware time"):
        HistoryFilter(now=datetime(2026, 11, 10))


def test_the_findings_stream_is_one_snapshot_though_a_run_lands_while_it_is_read(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scan records its run after the stream has read the runs and before it reads the findings'
    state (the window is forced by recording from inside the reading of the runs): the stream reads
    both in one snapshot, so it gives the state of the runs it knows, not a state naming a run it
    does not (PostgreSQL at READ COMMITTED would: a KeyError)."""
    record(store, STARTS[0], (A,), [RULE_A], [finding("x", Status.FAIL)])
    view = _view(store)
    read_runs = query._all_runs
    landed: list[int] = []

    def runs_then_a_scan_lands(connection: Any) -> Any:
        runs = read_runs(connection)
        if not landed:
            landed.append(record(store, STARTS[1], (A,), [RULE_A], [finding("late", Status.FAIL)]))
        return runs

    monkeypatch.setattr(query, "_all_runs", runs_then_a_scan_lands)
    x = FindingHistory(
        id=fid(A, RULE_A, "x"),
        rule=RULE_A,
        account=A,
        region="eu-west-1",
        resource_type="AWS::S3::Bucket",
        resource_id="x",
        status="FAIL",
        severity="high",
        first_seen=R1,
        last_seen=R1,
        failing_since=R1,
        resolved_at=None,
        regressions=0,
    )
    assert list(view.findings) == [x]
    assert landed == [2]
    monkeypatch.undo()
    assert [story.id for story in _view(store).findings] == [fid(A, RULE_A, "late"), x.id]


def test_since_previous_goes_rule_by_rule_past_a_one_rule_run(store: Store) -> None:
    """R1 and R2 run both rules, R3 (`scan --rule rule-a`) only rule-a. rule-b's changes are those of
    its latest run, R2 (w new, z open), not hidden by R3; rule-a's are R3's (none: x fixed by R2 is
    R2's news for rule-a, and R3 ran rule-a after it). `--rule rule-b` answers from R2 against R1,
    `--rule rule-a` from R3 against R2. A one-rule run is a run of the account: its last run is R3."""
    both = [RULE_A, RULE_B]
    z, w = fid(A, RULE_B, "z"), fid(A, RULE_B, "w")
    record(store, STARTS[0], (A,), both, [finding("x", Status.FAIL), finding("z", Status.FAIL, rule=RULE_B)])
    second = [
        finding("x", Status.PASS),
        finding("z", Status.FAIL, rule=RULE_B),
        finding("w", Status.FAIL, rule=RULE_B),
    ]
    record(store, STARTS[1], (A,), both, second)
    record(store, STARTS[2], (A,), [RULE_A], [finding("x", Status.PASS)])
    view = _view(store)
    assert view.since_previous == (
        AccountDelta(
            account=A, run=R3, previous=R2, stale=False, new=(w,), fixed=(), regressed=(), open=(z,)
        ),
    )
    assert [(state.account, state.last_run) for state in view.accounts] == [(A, R3)]
    assert _view(store, rules=(RULE_B,)).since_previous == (
        AccountDelta(
            account=A, run=R2, previous=R1, stale=False, new=(w,), fixed=(), regressed=(), open=(z,)
        ),
    )
    assert _view(store, rules=(RULE_A,)).since_previous == (
        AccountDelta(account=A, run=R3, previous=R2, stale=False, new=(), fixed=(), regressed=(), open=()),
    )
