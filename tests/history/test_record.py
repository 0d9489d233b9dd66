"""Recording runs: each finding's state after a sequence of runs, whatever order they are recorded in;
no part of a run that stops half-way (exception, Ctrl-C, a killed process); two recorders at once.
The same expectations from SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from cloudwarden.findings import Finding, Severity, Status
from cloudwarden.history import Store, open_store
from cloudwarden.history.errors import RecordError
from cloudwarden.history.query import history
from cloudwarden.history.view import HistoryFilter

from .child import ACCOUNT, OTHER_ACCOUNT, finding, many, summary

REPOSITORY = Path(__file__).parents[2]

T1, T2, T3, T4 = (f"2026-03-0{day}T00:00:00+00:00" for day in (1, 2, 3, 4))
T2B = "2026-03-02T12:00:00+00:00"
"""A run of the other account, between the second and third of the first."""

RUNS: dict[str, tuple[list[str], list[Finding]]] = {
    T1: (
        ["rule-a", "rule-b"],
        [
            finding("x", Status.FAIL),
            finding("y", Status.FAIL),
            finding("z", Status.FAIL, rule="rule-b"),
            finding("u", Status.FAIL),
            finding("s", Status.FAIL),
            finding("p", Status.PASS),
        ],
    ),
    T2: (  # rule-b not run: z is not absent; y is
        ["rule-a"],
        [
            finding("x", Status.FAIL),
            finding("u", Status.UNKNOWN),
            finding("s", Status.SUPPRESSED),
            finding("p", Status.PASS),
        ],
    ),
    T2B: (["rule-a"], [finding("q", Status.FAIL, account=OTHER_ACCOUNT)]),
    T3: (
        ["rule-a"],
        [
            finding("x", Status.PASS),
            finding("u", Status.FAIL),
            finding("s", Status.PASS),
            finding("p", Status.PASS),
        ],
    ),
    T4: (
        ["rule-a"],
        [
            finding("x", Status.FAIL),
            finding("u", Status.FAIL),
            finding("y", Status.FAIL),
            finding("s", Status.PASS),
            finding("p", Status.PASS),
        ],
    ),
}


def fid(name: str, account: str = ACCOUNT, rule: str = "rule-a") -> str:
    return f"cw-{account}-{rule}-{name}"


STATE_AFTER_ALL = {
    # finding: status, first seen, last seen, failing since, resolved at, regressions
    fid("x"): ("FAIL", T1, T4, T4, None, 1),  # FAIL, FAIL, PASS (resolved), FAIL (regressed)
    fid("y"): ("FAIL", T1, T4, T4, None, 1),  # FAIL, absent (resolved), FAIL (regressed)
    fid("z", rule="rule-b"): ("FAIL", T1, T1, T1, None, 0),  # its rule never ran again
    fid("u"): ("FAIL", T1, T4, T1, None, 0),  # FAIL, UNKNOWN (not known fixed), FAIL, FAIL
    fid("s"): ("PASS", T1, T4, None, T3, 0),  # FAIL, SUPPRESSED, PASS (resolved), PASS
    fid("p"): ("PASS", T1, T4, None, None, 0),  # always PASS: never resolved
    fid("q", OTHER_ACCOUNT): ("FAIL", T2B, T2B, T2B, None, 0),  # the other account's runs leave it be
}

TRANSITIONS_AFTER_ALL = sorted(
    [
        # finding, run, from, to, the run it had failed since (resolutions, and a FAIL that goes on
        # with a stretch begun earlier: back from UNKNOWN here)
        (fid("x"), T1, None, "FAIL", None),
        (fid("x"), T3, "FAIL", "PASS", T1),
        (fid("x"), T4, "PASS", "FAIL", None),
        (fid("y"), T1, None, "FAIL", None),
        (fid("y"), T2, "FAIL", "ABSENT", T1),
        (fid("y"), T4, "ABSENT", "FAIL", None),
        (fid("z", rule="rule-b"), T1, None, "FAIL", None),
        (fid("u"), T1, None, "FAIL", None),
        (fid("u"), T2, "FAIL", "UNKNOWN", None),
        (fid("u"), T3, "UNKNOWN", "FAIL", T1),
        (fid("s"), T1, None, "FAIL", None),
        (fid("s"), T2, "FAIL", "SUPPRESSED", None),
        (fid("s"), T3, "SUPPRESSED", "PASS", T1),
        (fid("p"), T1, None, "PASS", None),
        (fid("q", OTHER_ACCOUNT), T2B, None, "FAIL", None),
    ]
)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as opened:
        yield opened


def record(store: Store, started_at: str, rules: Sequence[str], findings: Sequence[Finding]) -> int:
    accounts = tuple(sorted({item.account for item in findings}))
    with store.recorder(command="scan", rules=rules) as recorder:
        for item in recorder.watch(findings):
            assert item.id  # the tee yields every finding on
        return recorder.finish(summary(started_at, accounts))


def record_runs(store: Store, order: Sequence[str]) -> None:
    for started_at in order:
        rules, findings = RUNS[started_at]
        record(store, started_at, rules, findings)


def _times(store: Store) -> dict[int | None, str | None]:
    with store.engine.connect() as connection:
        times: dict[int | None, str | None] = dict(
            (row.id, row.started_at) for row in connection.execute(text("SELECT id, started_at FROM runs"))
        )
    times[None] = None
    return times


def state_of(store: Store) -> dict[str, tuple[Any, ...]]:
    """Each finding's state, runs named by their started_at (ids depend on the recording order), as
    the history reads it (the last run a finding was seen in is derived from the runs, not stored)."""
    stories = history(store, HistoryFilter(now=datetime(2026, 4, 1, tzinfo=UTC))).findings
    return {
        story.id: (
            story.status,
            story.first_seen.started_at,
            story.last_seen.started_at,
            None if story.failing_since is None else story.failing_since.started_at,
            None if story.resolved_at is None else story.resolved_at.started_at,
            story.regressions,
        )
        for story in stories
    }


def transitions_of(store: Store) -> list[tuple[Any, ...]]:
    times = _times(store)
    query = "SELECT finding_id, run_id, from_status, to_status, failing_since_run FROM transitions"
    with store.engine.connect() as connection:
        rows = connection.execute(text(query))
        return sorted((row[0], times[row[1]], row[2], row[3], times[row[4]]) for row in rows)


def count(store: Store, table: str) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def everything(store: Store) -> tuple[object, ...]:
    """What an interrupted run must not change."""
    tables = ("runs", "run_accounts", "findings", "evidence_blocks", "transitions", "run_counts")
    return (store.run_ids(), state_of(store), transitions_of(store), *(count(store, t) for t in tables))


def test_the_state_after_each_run(store: Store) -> None:
    record_runs(store, [T1, T2])
    assert state_of(store) == {
        fid("x"): ("FAIL", T1, T2, T1, None, 0),
        fid("y"): ("ABSENT", T1, T1, None, T2, 0),
        fid("z", rule="rule-b"): ("FAIL", T1, T1, T1, None, 0),
        fid("u"): ("UNKNOWN", T1, T2, T1, None, 0),
        fid("s"): ("SUPPRESSED", T1, T2, T1, None, 0),
        fid("p"): ("PASS", T1, T2, None, None, 0),
    }
    record_runs(store, [T2B, T3, T4])
    assert state_of(store) == STATE_AFTER_ALL
    assert transitions_of(store) == TRANSITIONS_AFTER_ALL


@pytest.mark.parametrize(
    "order",
    [[T4, T1, T3, T2B, T2], [T2, T3, T4, T1, T2B], [T1, T3, T2, T4, T2B]],
    ids=["oldest-second", "oldest-last", "swapped"],
)
def test_runs_recorded_out_of_order_give_the_state_in_started_order(store: Store, order: list[str]) -> None:
    record_runs(store, order)
    assert state_of(store) == STATE_AFTER_ALL
    assert transitions_of(store) == TRANSITIONS_AFTER_ALL
    ordered = [started for started in sorted(RUNS)]
    assert [_times(store)[run] for run in store.run_ids()] == ordered


def test_a_run_keeps_its_accounts_rules_and_counts(store: Store) -> None:
    run = record(store, T1, ["rule-b", "rule-a", "rule-a"], RUNS[T1][1])
    with store.engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM runs WHERE id = :id"), {"id": run}).mappings().one()
        counts = connection.execute(
            text(
                'SELECT account, rule, status, "count" FROM run_counts WHERE run_id = :id '
                "ORDER BY rule, status"
            ),
            {"id": run},
        ).all()
        accounts = connection.execute(
            text("SELECT account FROM run_accounts WHERE run_id = :id"), {"id": run}
        )
        assert [a for (a,) in accounts] == [ACCOUNT]
    assert (row["started_at"], row["started_epoch"], row["command"], row["tool_version"]) == (
        T1,
        1772323200,
        "scan",
        "0.1.0",
    )
    assert (row["accounts"], row["rules"]) == (f'["{ACCOUNT}"]', '["rule-a","rule-b"]')
    assert row["counts"] == '{"PASS":1,"FAIL":5,"UNKNOWN":0,"MANUAL":0,"SUPPRESSED":0}'
    assert [tuple(c) for c in counts] == [
        (ACCOUNT, "rule-a", "FAIL", 4),
        (ACCOUNT, "rule-a", "PASS", 1),
        (ACCOUNT, "rule-b", "FAIL", 1),
    ]


class Stop(Exception):
    """The evaluation failing half-way."""


@pytest.mark.parametrize("interruption", [Stop, KeyboardInterrupt])
def test_an_interrupted_run_leaves_nothing(store: Store, interruption: type[BaseException]) -> None:
    record_runs(store, [T1])
    before = everything(store)
    with pytest.raises(interruption):
        _record_until(store, 5_000, interruption)
    assert everything(store) == before
    record_runs(store, [T2])  # the store is not left locked
    assert [_times(store)[run] for run in store.run_ids()] == [T1, T2]


def _record_until(store: Store, stop_after: int, interruption: type[BaseException]) -> None:
    with store.recorder(command="scan", rules=["rule-a"]) as recorder:
        for number, item in enumerate(many(12_000), start=1):
            recorder.add(item)
            if number == stop_after:
                raise interruption()


def test_a_recorder_left_before_finish_records_nothing(store: Store) -> None:
    before = everything(store)
    with pytest.raises(RecordError) as refused, store.recorder(command="scan", rules=["rule-a"]) as recorder:
        recorder.add(finding("x", Status.FAIL))
    assert str(refused.value) == f"{store.url}: the run was not recorded: left before its end"
    assert everything(store) == before


def _child(
    url: str, account: str, started_at: str, findings: int, mode: str, go: Path
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.history.child", url, account, started_at, str(findings), mode],
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "CLOUDWARDEN_TEST_GO": str(go)},
    )


def _stop(child: subprocess.Popen[str]) -> None:
    """Kill it if still running (SIGKILL: no clean-up of its own), reap it, close its pipe."""
    if child.poll() is None:
        child.kill()
    child.communicate()


def test_a_recorder_killed_half_way_leaves_the_store_whole(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    record_runs(store, [T1])
    before = everything(store)
    child = _child(store_url, ACCOUNT, T2, 40_000, "kill", tmp_path / "go")
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "halfway\n"
    finally:
        _stop(child)
    assert everything(store) == before
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    record_runs(store, [T2])
    assert state_of(store)[fid("y")] == ("ABSENT", T1, T1, None, T2, 0)


@pytest.mark.parametrize(
    "accounts", [(ACCOUNT, ACCOUNT), (ACCOUNT, OTHER_ACCOUNT)], ids=["same", "different"]
)
def test_two_recorders_at_once_both_land(
    store: Store, store_url: str, tmp_path: Path, accounts: tuple[str, str]
) -> None:
    """Both commit at the same moment; the state is as if the older run came first, whichever won."""
    go = tmp_path / "go"
    children = [
        _child(store_url, accounts[0], T1, 3_000, "race", go),
        _child(store_url, accounts[1], T2, 2_000, "race", go),
    ]
    try:
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline() == "ready\n"
        go.touch()
        assert [child.wait(timeout=120) for child in children] == [0, 0]
    finally:
        for child in children:
            _stop(child)
    assert [_times(store)[run] for run in store.run_ids()] == [T1, T2]
    assert count(store, "findings") == 5_000
    state = state_of(store)
    assert len(state) == (3_000 if accounts[0] == accounts[1] else 5_000)
    first = [item.id for item in many(3_000, accounts[0])]
    second = {item.id for item in many(2_000, accounts[1])}
    if accounts[0] == accounts[1]:
        assert {state[i] for i in first if i in second} == {("FAIL", T1, T2, T1, None, 0)}
        assert {state[i] for i in first if i not in second} == {("ABSENT", T1, T1, None, T2, 0)}
    else:
        assert {state[i] for i in first} == {("FAIL", T1, T1, T1, None, 0)}
        assert {state[i] for i in second} == {("FAIL", T2, T2, T2, None, 0)}


def test_findings_stream_through_in_batches(store: Store) -> None:
    """More findings than a batch and than a block: every one kept, in order, each in its block."""
    findings = many(23_456)
    run = record(store, T1, ["rule-a"], findings)
    assert count(store, "findings") == 23_456
    assert count(store, "evidence_blocks") == 24
    with store.engine.connect() as connection:
        where = connection.execute(
            text("SELECT evidence_block, evidence_index FROM findings WHERE finding_id = :id"),
            {"id": findings[12_345].id},
        ).one()
    assert tuple(where) == (12, 345)
    assert list(itertools.islice(store.report_of(run).findings, 1_000, 1_003)) == findings[1_000:1_003]


def test_a_run_writes_only_the_state_it_changes(store: Store) -> None:
    """Unchanged findings keep their state row as it was (a run of a million findings must not rewrite a
    million rows): only a new status, severity, region or resource type is written; the last run that
    saw each one is derived from the runs."""
    first = [finding("kept", Status.FAIL), finding("turns", Status.FAIL), finding("rated", Status.PASS)]
    second = [
        finding("kept", Status.FAIL),
        finding("turns", Status.PASS),
        finding("rated", Status.PASS, severity=Severity.CRITICAL),
    ]
    run_1 = record(store, T1, ["rule-a"], first)
    run_2 = record(store, T2, ["rule-a"], second)
    with store.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT finding_id, status, severity, changed_run FROM finding_state ORDER BY finding_id")
        ).all()
    assert [tuple(row) for row in rows] == [
        (fid("kept"), "FAIL", "high", run_1),
        (fid("rated"), "PASS", "critical", run_1),
        (fid("turns"), "PASS", "high", run_2),
    ]
    assert transitions_of(store) == [
        (fid("kept"), T1, None, "FAIL", None),
        (fid("rated"), T1, None, "PASS", None),
        (fid("turns"), T1, None, "FAIL", None),
        (fid("turns"), T2, "FAIL", "PASS", T1),
    ]
    assert state_of(store) == {
        fid("kept"): ("FAIL", T1, T2, T1, None, 0),
        fid("rated"): ("PASS", T1, T2, None, None, 0),
        fid("turns"): ("PASS", T1, T2, None, T2, 0),
    }


def test_a_finding_of_a_rule_not_listed_counts_as_run(store: Store) -> None:
    """A run that judged by a rule ran it, whether or not its caller listed it: its findings are seen
    there, and ABSENT from a later run that ran that rule without them."""
    record(store, T1, ["rule-a"], [finding("x", Status.FAIL), finding("w", Status.FAIL, rule="rule-w")])
    record(store, T2, ["rule-a"], [finding("x", Status.FAIL), finding("w", Status.FAIL, rule="rule-w")])
    record(store, T3, ["rule-a", "rule-w"], [finding("x", Status.FAIL)])
    with store.engine.connect() as connection:
        rules = connection.execute(text("SELECT rules FROM runs ORDER BY started_epoch")).scalars().all()
    assert rules == ['["rule-a","rule-w"]'] * 3
    assert state_of(store)[fid("w", rule="rule-w")] == ("ABSENT", T1, T2, None, T3, 0)
