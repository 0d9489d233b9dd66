"""A run's exit code (the contract's 0, 1, 2, 3), worked out from its findings as they stream past."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator

import msgspec

from cloudwarden.findings import Finding, ScanSummary, Severity, Status

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_CANNOT_SCAN = 3


class Tally:
    """Notes, as findings stream past, what decides the exit code: whether one FAIL is at or above
    `--fail-on`, and how many findings could not be judged (UNKNOWN for a failed read, an unreachable
    account or a rule error)."""

    def __init__(self, fail_on: Severity) -> None:
        self.fail_on = fail_on
        self.failing = False
        self.not_judged = 0

    def watch(self, findings: Iterable[Finding]) -> Iterator[Finding]:
        """`findings`, passed on unchanged and counted on the way."""
        for finding in findings:
            if finding.status is Status.UNKNOWN:
                cause = finding.unknown_cause
                self.not_judged += cause is msgspec.UNSET or cause.not_judged
            elif not self.failing and _fails(finding, self.fail_on):
                self.failing = True
            yield finding


def _fails(finding: Finding, fail_on: Severity) -> bool:
    """A FAIL at or above `fail_on`: what makes a run exit 1."""
    return finding.status is Status.FAIL and finding.severity.rank >= fail_on.rank


def exit_code(tally: Tally, scan: ScanSummary) -> int:
    """1 for a FAIL at or above `--fail-on`; else 3 when part of the scan could not be judged (an
    account not entered, a failed read, no account at all), so that it is never a green run; else 0.
    The reason for a 3 that the report does not show is said on standard error."""
    if tally.failing:
        return EXIT_FAILED
    if not scan.accounts:
        sys.stderr.write("cloudwarden: nothing was judged: the scan holds no account\n")
        return EXIT_CANNOT_SCAN
    if scan.unreachable_accounts:
        return EXIT_CANNOT_SCAN
    if tally.not_judged:
        sys.stderr.write(
            f"cloudwarden: {tally.not_judged} finding(s) could not be judged (UNKNOWN after a failed "
            "call or a rule error): exit 3\n"
        )
        return EXIT_CANNOT_SCAN
    return EXIT_OK
