"""A small history recorded through the real recorder, whose every answer the query and rendering
tests know by heart.

Account A (111111111111) is scanned four times, account B (222222222222) once, on the first run only:
by `NOW` (2026-11-10) B's last run is nine days old, stale. Run 3 runs rule-a only: rule-b's findings
of A are neither seen nor ABSENT in it.

    finding          rule  severity  R1 11-01  R2 11-02    R3 11-04    R4 11-08
    A open           a     high      FAIL      FAIL        FAIL        FAIL
    A regress        a     critical  FAIL      PASS        PASS        FAIL
    A fixed          a     high      FAIL      FAIL        FAIL        PASS
    A hidden         a     low       FAIL      SUPPRESSED  SUPPRESSED  SUPPRESSED
    A murky          a     medium    FAIL      UNKNOWN     FAIL        UNKNOWN
    A gone           b     high      -         FAIL        (not run)   - (ABSENT)
    A fresh          b     medium    -         -           (not run)   FAIL
    A calm           b     info      PASS      PASS        (not run)   PASS
    B b-open         a     high      FAIL
    B b-pass         a     high      PASS
"""

from __future__ import annotations

from datetime import UTC, datetime

from cloudwarden.findings import Finding, Severity, Status
from cloudwarden.history import Store

from .child import ACCOUNT, OTHER_ACCOUNT, finding, summary

A, B = ACCOUNT, OTHER_ACCOUNT
NOW = datetime(2026, 11, 10, tzinfo=UTC)
STARTS = (
    "2026-11-01T00:00:00+00:00",
    "2026-11-02T00:00:00+00:00",
    "2026-11-04T00:00:00+00:00",
    "2026-11-08T00:00:00+00:00",
)
RULE_A, RULE_B = "rule-a", "rule-b"

F, P, U, S = Status.FAIL, Status.PASS, Status.UNKNOWN, Status.SUPPRESSED
_A_STORIES: tuple[tuple[str, str, Severity, tuple[Status | None, ...]], ...] = (
    ("open", RULE_A, Severity.HIGH, (F, F, F, F)),
    ("regress", RULE_A, Severity.CRITICAL, (F, P, P, F)),
    ("fixed", RULE_A, Severity.HIGH, (F, F, F, P)),
    ("hidden", RULE_A, Severity.LOW, (F, S, S, S)),
    ("murky", RULE_A, Severity.MEDIUM, (F, U, F, U)),
    ("gone", RULE_B, Severity.HIGH, (None, F, None, None)),
    ("fresh", RULE_B, Severity.MEDIUM, (None, None, None, F)),
    ("calm", RULE_B, Severity.INFO, (P, P, None, P)),
)


def fid(account: str, rule: str, name: str) -> str:
    """The id `child.finding` gives."""
    return f"cw-{account}-{rule}-{name}"


def a_id(name: str) -> str:
    """The id of one of A's findings, by its name in the table."""
    rule = next(rule for story, rule, _, _ in _A_STORIES if story == name)
    return fid(A, rule, name)


def _a_findings(run: int) -> list[Finding]:
    found = []
    for name, rule, severity, statuses in _A_STORIES:
        status = statuses[run]
        if status is not None:
            found.append(finding(name, status, rule=rule, severity=severity))
    return found


def record(
    store: Store, started_at: str, accounts: tuple[str, ...], rules: list[str], found: list[Finding]
) -> int:
    with store.recorder(command="scan", rules=rules) as recorder:
        for item in found:
            recorder.add(item)
        return recorder.finish(summary(started_at, accounts))


def record_scenario(store: Store) -> list[int]:
    """The four runs of the table; their ids."""
    both = [RULE_A, RULE_B]
    b_findings = [finding("b-open", F, account=B), finding("b-pass", P, account=B)]
    return [
        record(store, STARTS[0], (A, B), both, _a_findings(0) + b_findings),
        record(store, STARTS[1], (A,), both, _a_findings(1)),
        record(store, STARTS[2], (A,), [RULE_A], _a_findings(2)),
        record(store, STARTS[3], (A,), both, _a_findings(3)),
    ]
