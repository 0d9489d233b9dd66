"""A history view built by hand from the view records (no store): three runs, three accounts, one of
them stale and one named with markup, quotes and a U+2028, a rule id with markup, and every part of a
finding's story.

    finding   account  rule     severity  #1 11-01  #2 11-04  #3 11-08
    f-b       B        HOSTILE  high      FAIL
    f-fixed   A        rule-a   high      FAIL      FAIL      PASS
    f-gone    A        rule-a   low       FAIL      PASS      - (ABSENT)
    f-h       H        rule-a   info                PASS
    f-murky   A        rule-a   medium    FAIL      UNKNOWN   UNKNOWN

By `NOW` (11-10) B's last run (#1) is nine days old: stale; H's (#2) six: not stale.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cloudwarden.history.view import (
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

NOW = datetime(2026, 11, 10, tzinfo=UTC)
A = "111111111111"
B = "222222222222"
HOSTILE_ACCOUNT = "\"><script>alert('account')</script>\u2028x"
HOSTILE_RULE = "rule-<script>alert(1)</script>'\""
HOSTILE_RESOURCE = "<img src=x onerror=alert(1)>\u202egpj.exe"
SHOWN_RESOURCE = "<img src=x onerror=alert(1)>gpj.exe"
"""The hostile resource id as the page shows it: the bidi override removed."""
RULE_A = "rule-a"

R1 = RunRef(id=1, started_at="2026-11-01T00:00:00+00:00")
R2 = RunRef(id=2, started_at="2026-11-04T00:00:00+00:00")
R3 = RunRef(id=3, started_at="2026-11-08T00:00:00+00:00")


def story(
    finding_id: str,
    account: str,
    rule: str,
    severity: str,
    status: str,
    seen: tuple[RunRef, RunRef],
    failing_since: RunRef | None = None,
    resolved_at: RunRef | None = None,
    regressions: int = 0,
    resource_id: str | None = None,
) -> FindingHistory:
    return FindingHistory(
        id=finding_id,
        rule=rule,
        account=account,
        region="eu-west-1",
        resource_type="AWS::S3::Bucket",
        resource_id=resource_id or f"bucket-{finding_id}",
        status=status,
        severity=severity,
        first_seen=seen[0],
        last_seen=seen[1],
        failing_since=failing_since,
        resolved_at=resolved_at,
        regressions=regressions,
    )


F_B = story("f-b", B, HOSTILE_RULE, "high", "FAIL", (R1, R1), failing_since=R1, resource_id=HOSTILE_RESOURCE)
F_FIXED = story("f-fixed", A, RULE_A, "high", "PASS", (R1, R3), resolved_at=R3)
F_GONE = story("f-gone", A, RULE_A, "low", "ABSENT", (R1, R2), resolved_at=R2)
F_H = story("f-h", HOSTILE_ACCOUNT, RULE_A, "info", "PASS", (R2, R2))
F_MURKY = story("f-murky", A, RULE_A, "medium", "UNKNOWN", (R1, R3), failing_since=R1, regressions=2)
STORIES = (F_B, F_FIXED, F_GONE, F_H, F_MURKY)


@dataclass
class Reads:
    """The stories of a view, counting how many the page has read so far."""

    stories: tuple[FindingHistory, ...]
    read: int = field(default=0)

    def __call__(self) -> Iterator[FindingHistory]:
        for finding in self.stories:
            self.read += 1
            yield finding


def _point(run: RunRef, accounts: list[TrendCounts], rules: list[TrendCounts]) -> TrendPoint:
    return TrendPoint(
        run=run,
        fail=sum(counts.fail for counts in accounts),
        unknown=sum(counts.unknown for counts in accounts),
        by_rule=tuple(rules),
        by_account=tuple(accounts),
    )


TRENDS = (
    _point(
        R1,
        [TrendCounts(A, 3, 0), TrendCounts(B, 1, 0)],
        [TrendCounts(RULE_A, 3, 0), TrendCounts(HOSTILE_RULE, 1, 0)],
    ),
    _point(
        R2,
        [TrendCounts(HOSTILE_ACCOUNT, 0, 0), TrendCounts(A, 1, 1), TrendCounts(B, 1, 0, carried=True)],
        [TrendCounts(RULE_A, 1, 1), TrendCounts(HOSTILE_RULE, 1, 0)],
    ),
    _point(
        R3,
        [
            TrendCounts(HOSTILE_ACCOUNT, 0, 0, carried=True),
            TrendCounts(A, 0, 1),
            TrendCounts(B, 1, 0, carried=True),
        ],
        [TrendCounts(RULE_A, 0, 1), TrendCounts(HOSTILE_RULE, 1, 0)],
    ),
)
"""FAIL 4, 2, 1 and UNKNOWN 0, 1, 1 in total (sorted by key: the hostile account sorts first)."""

ACCOUNTS = (
    AccountState(HOSTILE_ACCOUNT, R2, 6.0, stale=False, counts=Counts(passed=1)),
    AccountState(A, R3, 2.0, stale=False, counts=Counts(passed=1, unknown=1)),
    AccountState(B, R1, 9.0, stale=True, counts=Counts(failed=1)),
)


def history_view(stories: tuple[FindingHistory, ...] = STORIES, reads: Reads | None = None) -> HistoryView:
    return HistoryView(
        filter=HistoryFilter(now=NOW),
        runs=(
            RunSummary(R1, "scan", (A, B), Counts(failed=4)),
            RunSummary(R2, "scan", (A, HOSTILE_ACCOUNT), Counts(passed=2, failed=1, unknown=1)),
            RunSummary(R3, "evaluate", (A,), Counts(passed=1, unknown=1)),
        ),
        accounts=ACCOUNTS,
        totals=Counts(passed=2, failed=1, unknown=1),
        since_previous=(
            AccountDelta(HOSTILE_ACCOUNT, R2, None, False, (), (), (), ()),
            AccountDelta(A, R3, R2, False, (), ("f-fixed",), (), ()),
            AccountDelta(B, R1, None, True, ("f-b",), (), (), ()),
        ),
        time_to_fix=(
            TimeToFix("critical", 0, None, None),
            TimeToFix("high", 1, 7.0, 7.0),
            TimeToFix("medium", 0, None, None),
            TimeToFix("low", 1, 3.0, 3.0),
            TimeToFix("info", 0, None, None),
        ),
        oldest_open=(F_B,),
        trends=TRENDS,
        findings=FindingStories(reads or Reads(stories)),
    )
