"""The views of `cloudwarden history`: the terminal lines of the scenario of `scenario.py` exactly (no
colour, 110 columns), and the JSON document `cloudwarden.history/1` checked field by field against the
contract, its layout that of the whole document formatted at once even when its findings come in
several batches, stored text cleaned or escaped. On SQLite and on PostgreSQL alike."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import msgspec
import pytest

from cloudwarden.findings import Status
from cloudwarden.history import Store, open_store
from cloudwarden.history.query import history
from cloudwarden.history.view import HistoryFilter
from cloudwarden.report.history import render_history_json, render_history_terminal

from .child import finding
from .scenario import NOW, RULE_A, RULE_B, STARTS, A, B, a_id, fid, record, record_scenario

TERMINAL = "\n".join(
    [
        "cloudwarden history  runs: 4  accounts: 2 (1 stale)  since: every run",
        "",
        "Runs",
        "  #1 2026-11-01T00:00:00+00:00  scan  accounts: 2  PASS 2  FAIL 6  UNKNOWN 0  MANUAL 0",
        "  #2 2026-11-02T00:00:00+00:00  scan  accounts: 1  PASS 2  FAIL 3  UNKNOWN 1"
        "  MANUAL 0  SUPPRESSED 1",
        "  #3 2026-11-04T00:00:00+00:00  scan  accounts: 1  PASS 1  FAIL 3  UNKNOWN 0"
        "  MANUAL 0  SUPPRESSED 1",
        "  #4 2026-11-08T00:00:00+00:00  scan  accounts: 1  PASS 2  FAIL 3  UNKNOWN 1"
        "  MANUAL 0  SUPPRESSED 1",
        "",
        "Since the previous run",
        "  111111111111  run #4 vs #3  new 1  regressed 1  fixed 2  open 1",
        "    new        cw-111111111111-rule-b-fresh",
        "    regressed  cw-111111111111-rule-a-regress",
        "    fixed      cw-111111111111-rule-a-fixed",
        "    fixed      cw-111111111111-rule-b-gone",
        "  222222222222  run #1 (its first)  new 1  regressed 0  fixed 0  open 0  STALE",
        "    new        cw-222222222222-rule-a-b-open",
        "",
        "Oldest open FAILs (4 open)",
        "  since 2026-11-01T00:00:00+00:00  high     111111111111 rule-a open  cw-111111111111-rule-a-open",
        "  since 2026-11-01T00:00:00+00:00  high     222222222222 rule-a b-open"
        "  cw-222222222222-rule-a-b-open",
        "  since 2026-11-08T00:00:00+00:00  critical 111111111111 rule-a regress"
        "  regressions 1  cw-111111111111-rule-a-regress",
        "  since 2026-11-08T00:00:00+00:00  medium   111111111111 rule-b fresh  cw-111111111111-rule-b-fresh",
        "",
        "Time to fix (resolutions of every run)",
        "  critical  fixed 1  median 1.0 days  p90 1.0 days",
        "  high      fixed 2  median 6.0 days  p90 7.0 days",
        "  medium    fixed 0",
        "  low       fixed 0",
        "  info      fixed 0",
        "",
        "Trend (after each run; an account not in a run keeps its last counts)",
        "  #1 2026-11-01T00:00:00+00:00  FAIL 6  UNKNOWN 0",
        "  #2 2026-11-02T00:00:00+00:00  FAIL 4  UNKNOWN 1",
        "  #3 2026-11-04T00:00:00+00:00  FAIL 5  UNKNOWN 0",
        "  #4 2026-11-08T00:00:00+00:00  FAIL 4  UNKNOWN 1",
        "  account 111111111111  FAIL 5 -> 3  UNKNOWN 0 -> 1",
        "  account 222222222222  FAIL 1 -> 1  UNKNOWN 0 -> 0  STALE",
        "  rule rule-a  FAIL 6 -> 3  UNKNOWN 0 -> 1",
        "  rule rule-b  FAIL 0 -> 1  UNKNOWN 0 -> 0",
        "",
        "Accounts (last known state)",
        "  111111111111  last run #4 2026-11-08T00:00:00+00:00  PASS 2  FAIL 3"
        "  UNKNOWN 1  MANUAL 0  SUPPRESSED 1",
        "  222222222222  last run #1 2026-11-01T00:00:00+00:00  PASS 1  FAIL 1"
        "  UNKNOWN 0  MANUAL 0  STALE (9.0 days)",
        "Total  PASS 3  FAIL 4  UNKNOWN 1  MANUAL 0  SUPPRESSED 1  (stale accounts carried forward: 1)",
        "",
    ]
)

CONTRACT_KEYS = ["schema", "runs", "findings", "since_previous", "time_to_fix", "stale_accounts"]
ADDITIONS = ["accounts", "totals", "open_fails", "oldest_open", "trends", "filter"]
FINDING_KEYS = [
    "id",
    "rule",
    "account",
    "region",
    "resource",
    "status",
    "severity",
    "first_seen",
    "last_seen",
    "failing_since",
    "resolved_at",
    "regressions",
]
R1, R2, R3, R4 = STARTS


def _counts(passed: int = 0, failed: int = 0, unknown: int = 0, suppressed: int = 0) -> dict[str, int]:
    return {"PASS": passed, "FAIL": failed, "UNKNOWN": unknown, "MANUAL": 0, "SUPPRESSED": suppressed}


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as opened:
        yield opened


@pytest.fixture
def scenario(store: Store) -> Store:
    record_scenario(store)
    return store


def _json(store: Store, wanted: HistoryFilter | None = None) -> bytes:
    target = io.BytesIO()
    render_history_json(history(store, wanted or HistoryFilter(now=NOW)), target)
    return target.getvalue()


def _document(store: Store, wanted: HistoryFilter | None = None) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(_json(store, wanted))
    return loaded


def test_terminal_lines(scenario: Store) -> None:
    assert render_history_terminal(history(scenario, HistoryFilter(now=NOW)), color=False) == TERMINAL


def test_terminal_names_the_filters_and_an_empty_window(scenario: Store) -> None:
    wanted = HistoryFilter(now=NOW, since=date(2026, 11, 9), accounts=(B,), rules=(RULE_A,))
    lines = render_history_terminal(history(scenario, wanted), color=False).splitlines()
    assert lines[:5] == [
        "cloudwarden history  runs: 0  accounts: 1 (1 stale)  since: 2026-11-09"
        f"  account: {B}  rule: {RULE_A}",
        "",
        "Runs",
        "  no run in the window",
        "",
    ]
    assert (
        "  no run in the window"
        in lines[lines.index("Trend (after each run; an account not in a run keeps its last counts)") + 1]
    )
    assert lines[-2:] == [
        f"  {B}  last run #1 {R1}  PASS 1  FAIL 1  UNKNOWN 0  MANUAL 0  STALE (9.0 days)",
        "Total  PASS 1  FAIL 1  UNKNOWN 0  MANUAL 0  (stale accounts carried forward: 1)",
    ]


def test_the_json_contract_field_by_field(scenario: Store) -> None:
    document = _document(scenario)
    assert list(document) == CONTRACT_KEYS + ADDITIONS
    assert document["schema"] == "cloudwarden.history/1"
    assert document["runs"] == [
        {"id": 1, "started_at": R1, "accounts": [A, B], "counts": _counts(2, 6), "command": "scan"},
        {"id": 2, "started_at": R2, "accounts": [A], "counts": _counts(2, 3, 1, 1), "command": "scan"},
        {"id": 3, "started_at": R3, "accounts": [A], "counts": _counts(1, 3, 0, 1), "command": "scan"},
        {"id": 4, "started_at": R4, "accounts": [A], "counts": _counts(2, 3, 1, 1), "command": "scan"},
    ]
    findings = document["findings"]
    assert [item["id"] for item in findings] == sorted(item["id"] for item in findings)
    assert len(findings) == 10
    assert all(list(item) == FINDING_KEYS for item in findings)
    by_id = {item["id"]: item for item in findings}
    assert by_id[a_id("regress")] == {
        "id": a_id("regress"),
        "rule": RULE_A,
        "account": A,
        "region": "eu-west-1",
        "resource": {"type": "AWS::S3::Bucket", "id": "regress"},
        "status": "FAIL",
        "severity": "critical",
        "first_seen": R1,
        "last_seen": R4,
        "failing_since": R4,
        "resolved_at": None,
        "regressions": 1,
    }
    gone = by_id[a_id("gone")]
    assert (
        gone["status"],
        gone["first_seen"],
        gone["last_seen"],
        gone["failing_since"],
        gone["resolved_at"],
    ) == (
        "ABSENT",
        R2,
        R2,
        None,
        R4,
    )
    hidden = by_id[a_id("hidden")]
    assert (hidden["status"], hidden["failing_since"], hidden["resolved_at"]) == ("SUPPRESSED", R1, None)
    assert document["since_previous"] == {
        A: {
            "new": [a_id("fresh")],
            "fixed": [a_id("fixed"), a_id("gone")],
            "regressed": [a_id("regress")],
            "open": [a_id("open")],
            "run": {"id": 4, "started_at": R4},
            "previous_run": {"id": 3, "started_at": R3},
            "stale": False,
        },
        B: {
            "new": [fid(B, RULE_A, "b-open")],
            "fixed": [],
            "regressed": [],
            "open": [],
            "run": {"id": 1, "started_at": R1},
            "previous_run": None,
            "stale": True,
        },
    }
    assert document["time_to_fix"] == {
        "critical": {"median_days": 1.0, "p90_days": 1.0, "count": 1},
        "high": {"median_days": 6.0, "p90_days": 7.0, "count": 2},
        "medium": {"median_days": None, "p90_days": None, "count": 0},
        "low": {"median_days": None, "p90_days": None, "count": 0},
        "info": {"median_days": None, "p90_days": None, "count": 0},
    }
    assert document["stale_accounts"] == [B]


def test_the_json_additions(scenario: Store) -> None:
    document = _document(scenario)
    assert document["accounts"] == [
        {
            "account": A,
            "last_run": {"id": 4, "started_at": R4},
            "days_since_last_run": 2.0,
            "stale": False,
            "counts": _counts(2, 3, 1, 1),
        },
        {
            "account": B,
            "last_run": {"id": 1, "started_at": R1},
            "days_since_last_run": 9.0,
            "stale": True,
            "counts": _counts(1, 1),
        },
    ]
    assert document["totals"] == _counts(3, 4, 1, 1)
    assert document["open_fails"] == 4
    assert [item["id"] for item in document["oldest_open"]] == [
        a_id("open"),
        fid(B, RULE_A, "b-open"),
        a_id("regress"),
        a_id("fresh"),
    ]
    assert all(list(item) == FINDING_KEYS for item in document["oldest_open"])
    assert document["trends"][-1] == {
        "run": {"id": 4, "started_at": R4},
        "fail": 4,
        "unknown": 1,
        "by_rule": {RULE_A: {"fail": 3, "unknown": 1}, RULE_B: {"fail": 1, "unknown": 0}},
        "by_account": {
            A: {"fail": 3, "unknown": 1, "carried": False},
            B: {"fail": 1, "unknown": 0, "carried": True},
        },
    }
    assert [point["run"]["id"] for point in document["trends"]] == [1, 2, 3, 4]
    assert document["filter"] == {
        "since": None,
        "accounts": [],
        "rules": [],
        "stale_after_days": 7,
        "now": "2026-11-10T00:00:00+00:00",
    }


def test_json_of_an_empty_store(store: Store) -> None:
    raw = _json(store)
    assert raw == msgspec.json.format(msgspec.json.encode(json.loads(raw)), indent=2) + b"\n"
    document = json.loads(raw)
    assert (
        document["runs"],
        document["findings"],
        document["since_previous"],
        document["stale_accounts"],
    ) == (
        [],
        [],
        {},
        [],
    )
    assert document["time_to_fix"]["critical"] == {"median_days": None, "p90_days": None, "count": 0}


def test_json_findings_in_several_batches_are_laid_out_as_one_document(store: Store) -> None:
    """More findings than a batch (1,000): the streamed document is byte for byte the whole document
    formatted at once (two-space indentation, as the JSON report)."""
    record(store, R1, (A,), [RULE_A], [finding(f"b{n:05d}", Status.FAIL) for n in range(2_345)])
    raw = _json(store)
    document = json.loads(raw)
    assert raw == msgspec.json.format(msgspec.json.encode(document), indent=2) + b"\n"
    assert [item["id"] for item in document["findings"]] == [
        fid(A, RULE_A, f"b{n:05d}") for n in range(2_345)
    ]


def test_stored_text_is_cleaned_in_the_terminal_and_escaped_in_json(store: Store) -> None:
    hostile = "evil\x1b[31m\x9b2J\u202ename"
    record(store, R1, (A,), [RULE_A], [finding(hostile, Status.FAIL)])
    view = history(store, HistoryFilter(now=NOW))
    text = render_history_terminal(view, color=False)
    shown = "evil2Jname"
    assert f"  since {R1}  high     {A} {RULE_A} {shown}  {fid(A, RULE_A, shown)}" in text.splitlines()
    assert "\x1b" not in text
    assert "\x9b" not in text
    assert "\u202e" not in text
    raw = _json(store)
    assert b"\\u009b" in raw
    assert b"\xc2\x9b" not in raw
    assert json.loads(raw)["findings"][0]["resource"]["id"] == hostile
