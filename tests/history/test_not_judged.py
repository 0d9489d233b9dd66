"""What a run could not judge is not found fixed: an account unreachable for a night, a listing call
failing (s3:ListBuckets), a snapshot that did not collect a rule's part (`evaluate` of a `scan --rule`
snapshot), a rule error, a region whose calls failed. The engine gives one UNKNOWN finding on the
account itself (or on its part in a region) instead of the per-resource findings; the findings it did
not give are not ABSENT, not fixed, not regressed when seen again, and keep their failing_since. An
unreachable account is not judged by the run at all: not the previous run of the account, not a
fresh one. Exact JSON (`cloudwarden.history/1`) on SQLite and PostgreSQL, whatever order the runs
are recorded in."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from cloudwarden.findings import Finding, Resource, Status, UnknownCause
from cloudwarden.history import Store, open_store
from cloudwarden.history.query import history
from cloudwarden.history.view import HistoryFilter
from cloudwarden.report.history import render_history_json

from .child import ACCOUNT, finding, summary
from .scenario import RULE_A, RULE_B, fid

A = ACCOUNT
N1, N2, N3 = "2026-11-01T00:00:00+00:00", "2026-11-08T00:00:00+00:00", "2026-11-09T00:00:00+00:00"
NOW = datetime(2026, 11, 10, tzinfo=UTC)
X, Y, Z = fid(A, RULE_A, "x"), fid(A, RULE_A, "y"), fid(A, RULE_B, "z")
NO_FIX = {"median_days": None, "p90_days": None, "count": 0}


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as opened:
        yield opened


def on_the_account(rule: str, cause: UnknownCause, region: str | None = None) -> Finding:
    """The UNKNOWN the engine gives for an account (or its part in a region) it could not judge."""
    resource_id = A if region is None else f"{A}/{region}"
    return Finding(
        id=f"cw-{A}-{rule}-account-{resource_id}",
        rule=rule,
        title=f"title of {rule}",
        status=Status.UNKNOWN,
        severity=finding("x", Status.FAIL).severity,
        account=A,
        region=region or "global",
        resource=Resource(type="AWS::::Account", id=resource_id, name=resource_id),
        message="could not be judged",
        unknown_cause=cause,
    )


def _record(store: Store, started_at: str, found: list[Finding], unreachable: bool = False) -> None:
    base = summary(started_at, (A,))
    scan = msgspec.structs.replace(base, unreachable_accounts={A: "AccessDenied"}) if unreachable else base
    with store.recorder(command="scan", rules=[RULE_A, RULE_B]) as recorder:
        for item in found:
            recorder.add(item)
        recorder.finish(scan)


def _document(store: Store) -> dict[str, Any]:
    target = io.BytesIO()
    render_history_json(history(store, HistoryFilter(now=NOW)), target)
    loaded: dict[str, Any] = json.loads(target.getvalue())
    return loaded


def _story(
    finding_id: str, status: str, first: str, last: str, failing: str | None, resolved: str | None
) -> tuple[object, ...]:
    return (finding_id, status, first, last, failing, resolved, 0)


def _stories(document: dict[str, Any]) -> list[tuple[object, ...]]:
    keys = ("id", "status", "first_seen", "last_seen", "failing_since", "resolved_at", "regressions")
    return [tuple(item[key] for key in keys) for item in document["findings"]]


def _counts(passed: int = 0, failed: int = 0, unknown: int = 0) -> dict[str, int]:
    return {"PASS": passed, "FAIL": failed, "UNKNOWN": unknown, "MANUAL": 0, "SUPPRESSED": 0}


FIRST = [finding("x", Status.FAIL), finding("y", Status.PASS), finding("z", Status.FAIL, rule=RULE_B)]
THIRD = [finding("x", Status.FAIL), finding("y", Status.PASS), finding("z", Status.PASS, rule=RULE_B)]

ORDERS = pytest.mark.parametrize(
    "order", [(0, 1, 2), (0, 2, 1), (2, 1, 0)], ids=["in-order", "second-last", "reversed"]
)


@ORDERS
def test_an_unreachable_night_fixes_nothing_and_is_no_previous_run(
    store: Store, order: tuple[int, ...]
) -> None:
    """Night 2 could not enter the account: its two UNKNOWNs are kept with the run, but the account's
    story goes from night 1 to night 3: z fixed in 8 days, x open since night 1."""
    unreachable = [on_the_account(rule, UnknownCause.UNREACHABLE_ACCOUNT) for rule in (RULE_A, RULE_B)]
    nights = [(N1, FIRST, False), (N2, unreachable, True), (N3, THIRD, False)]
    for index in order:
        _record(store, *nights[index])
    document = _document(store)
    ids = {N1: 1 + order.index(0), N2: 1 + order.index(1), N3: 1 + order.index(2)}
    assert document["runs"] == [
        {"id": ids[N1], "started_at": N1, "accounts": [A], "counts": _counts(1, 2), "command": "scan"},
        {"id": ids[N2], "started_at": N2, "accounts": [], "counts": _counts(unknown=2), "command": "scan"},
        {"id": ids[N3], "started_at": N3, "accounts": [A], "counts": _counts(2, 1), "command": "scan"},
    ]
    assert _stories(document) == [
        _story(X, "FAIL", N1, N3, N1, None),
        _story(Y, "PASS", N1, N3, None, None),
        _story(Z, "PASS", N1, N3, None, N3),
    ]
    assert document["since_previous"] == {
        A: {
            "new": [],
            "fixed": [Z],
            "regressed": [],
            "open": [X],
            "run": {"id": ids[N3], "started_at": N3},
            "previous_run": {"id": ids[N1], "started_at": N1},
            "stale": False,
        }
    }
    assert document["time_to_fix"] == {
        "critical": NO_FIX,
        "high": {"median_days": 8.0, "p90_days": 8.0, "count": 1},
        "medium": NO_FIX,
        "low": NO_FIX,
        "info": NO_FIX,
    }
    assert document["stale_accounts"] == []
    assert [(point["fail"], point["unknown"], point["by_account"]) for point in document["trends"]] == [
        (2, 0, {A: {"fail": 2, "unknown": 0, "carried": False}}),
        (2, 0, {A: {"fail": 2, "unknown": 0, "carried": True}}),
        (1, 0, {A: {"fail": 1, "unknown": 0, "carried": False}}),
    ]


def test_an_account_that_stays_unreachable_goes_stale_with_its_last_known_state(store: Store) -> None:
    unreachable = [on_the_account(rule, UnknownCause.UNREACHABLE_ACCOUNT) for rule in (RULE_A, RULE_B)]
    _record(store, N1, FIRST)
    _record(store, N2, unreachable, unreachable=True)
    document = _document(store)
    assert document["stale_accounts"] == [A]
    assert document["accounts"] == [
        {
            "account": A,
            "last_run": {"id": 1, "started_at": N1},
            "days_since_last_run": 9.0,
            "stale": True,
            "counts": _counts(1, 2),
        }
    ]
    assert document["since_previous"][A] == {
        "new": [X, Z],
        "fixed": [],
        "regressed": [],
        "open": [],
        "run": {"id": 1, "started_at": N1},
        "previous_run": None,
        "stale": True,
    }
    assert _stories(document) == [
        _story(X, "FAIL", N1, N1, N1, None),
        _story(Y, "PASS", N1, N1, None, None),
        _story(Z, "FAIL", N1, N1, N1, None),
    ]
    assert document["open_fails"] == 2


BLIND = pytest.mark.parametrize(
    ("cause", "region"),
    [
        (UnknownCause.FAILED_CALL, None),
        (UnknownCause.NOT_CHECKED, None),
        (UnknownCause.RULE_ERROR, None),
        (UnknownCause.FAILED_CALL, "eu-west-1"),
    ],
    ids=["listbuckets-failed", "not-collected", "rule-error", "region-failed"],
)


@BLIND
@ORDERS
def test_a_rule_not_judged_for_a_night_fixes_nothing_and_nothing_regresses(
    store: Store, cause: UnknownCause, region: str | None, order: tuple[int, ...]
) -> None:
    """Night 2: rule-a could not judge the account (its buckets not listed, its part not collected, the
    rule failing, or the region of x and y failing); rule-b did (z still FAIL). x and y are neither
    ABSENT nor fixed, x does not regress on night 3 and keeps failing since night 1; the UNKNOWN is a
    finding of its own, ABSENT (not fixed: it never failed) once rule-a judges the account again."""
    blind = on_the_account(RULE_A, cause, region)
    second = [blind, finding("z", Status.FAIL, rule=RULE_B)]
    third = [finding("x", Status.FAIL), finding("y", Status.PASS), finding("z", Status.FAIL, rule=RULE_B)]
    nights = [(N1, FIRST), (N2, second), (N3, third)]
    for index in order:
        _record(store, *nights[index])
    document = _document(store)
    ids = {N1: 1 + order.index(0), N2: 1 + order.index(1), N3: 1 + order.index(2)}
    assert [(run["id"], run["accounts"], run["counts"]) for run in document["runs"]] == [
        (ids[N1], [A], _counts(1, 2)),
        (ids[N2], [A], _counts(0, 1, 1)),
        (ids[N3], [A], _counts(1, 2)),
    ]
    assert _stories(document) == sorted(
        [
            _story(X, "FAIL", N1, N3, N1, None),
            _story(Y, "PASS", N1, N3, None, None),
            _story(Z, "FAIL", N1, N3, N1, None),
            _story(blind.id, "ABSENT", N2, N2, None, None),
        ]
    )
    assert document["since_previous"] == {
        A: {
            "new": [],
            "fixed": [],
            "regressed": [],
            "open": [X, Z],
            "run": {"id": ids[N3], "started_at": N3},
            "previous_run": {"id": ids[N2], "started_at": N2},
            "stale": False,
        }
    }
    assert document["time_to_fix"] == {
        severity: NO_FIX for severity in ("critical", "high", "medium", "low", "info")
    }
    assert [(point["fail"], point["unknown"]) for point in document["trends"]] == [(2, 0), (2, 1), (2, 0)]
    assert document["trends"][1]["by_rule"] == {
        RULE_A: {"fail": 1, "unknown": 1},
        RULE_B: {"fail": 1, "unknown": 0},
    }


@BLIND
def test_the_night_a_rule_is_not_judged(store: Store, cause: UnknownCause, region: str | None) -> None:
    """Right after night 2: x and z still open, x last seen on night 1 (rule-a did not see it)."""
    blind = on_the_account(RULE_A, cause, region)
    _record(store, N1, FIRST)
    _record(store, N2, [blind, finding("z", Status.FAIL, rule=RULE_B)])
    document = _document(store)
    assert _stories(document) == sorted(
        [
            _story(X, "FAIL", N1, N1, N1, None),
            _story(Y, "PASS", N1, N1, None, None),
            _story(Z, "FAIL", N1, N2, N1, None),
            _story(blind.id, "UNKNOWN", N2, N2, None, None),
        ]
    )
    assert document["since_previous"][A]["open"] == [X, Z]
    assert document["since_previous"][A]["fixed"] == []
    assert document["totals"] == _counts(1, 2, 1)
