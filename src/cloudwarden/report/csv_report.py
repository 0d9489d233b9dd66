"""CSV, one row per finding, for spreadsheets (RFC 4180: quoted where needed, CRLF line ends).

AWS names are attacker-controlled, and a spreadsheet runs a cell that starts with `=`, `+`, `-`
or `@` as a formula (`=cmd|' /C calc'!A0`). Every cell is first stripped of control characters and
escape sequences (tabs and line breaks become spaces), then a cell that would start a formula is
prefixed with a single quote, which spreadsheets show as text.

Columns are only ever appended, so that a spreadsheet reading columns by position keeps working.
`compliance` holds the framework controls the rule assesses, `<framework>/<control>` joined by `; `
(`cis-aws-foundations-3.0.0/1.5; aws-fsbp/IAM.6`). `location` is where `iac` found the resource
(`file:line`, or `file` for a plan), empty for the findings of a live scan.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import IO

from cloudwarden.findings import Finding, Report, ScanSummary
from cloudwarden.report import stream
from cloudwarden.report._common import location_text
from cloudwarden.report.stream import rendered
from cloudwarden.report.terminal import clean
from cloudwarden.ruledoc import RuleDoc

COLUMNS = (
    "id",
    "rule",
    "status",
    "severity",
    "account",
    "region",
    "resource_type",
    "resource_id",
    "resource_arn",
    "resource_name",
    "message",
    "remediation",
    "suppression_reason",
    "suppression_expires",
    "compliance",
    "location",
)
_FORMULA_START = ("=", "+", "-", "@")
"""OWASP's list also has tab and carriage return: `clean` has made them spaces, and leading spaces
are looked through (a spreadsheet that trims them would see the formula)."""


def render_csv(report: Report, rules: Sequence[RuleDoc]) -> str:
    """`rules` is accepted like every reporter's; each finding carries its rule's id and remediation."""
    return rendered(report, CsvStream)


class CsvStream:
    """The rows written as the findings arrive, a batch at a time."""

    def __init__(self, target: IO[bytes]) -> None:
        self._target = target
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        self._writer.writerow(COLUMNS)
        self._rows = 0

    def add(self, finding: Finding) -> None:
        self._writer.writerow([neutralise(cell) for cell in _row(finding)])
        self._rows += 1
        if self._rows % stream.BATCH == 0:
            self._flush()

    def finish(self, summary: ScanSummary) -> None:
        self._flush()

    def close(self) -> None:
        self._buffer.close()

    def _flush(self) -> None:
        self._target.write(self._buffer.getvalue().encode())
        self._buffer.seek(0)
        self._buffer.truncate()


def neutralise(cell: str) -> str:
    """The cell as inert text: no control characters, and no formula a spreadsheet would run."""
    text = clean(cell)
    if text.lstrip(" ").startswith(_FORMULA_START):
        return "'" + text
    return text


def _row(finding: Finding) -> tuple[str, ...]:
    resource = finding.resource
    suppression = finding.suppression
    return (
        finding.id,
        finding.rule,
        finding.status.value,
        finding.severity.value,
        finding.account,
        finding.region,
        resource.type,
        resource.id,
        resource.arn or "",
        resource.name or "",
        finding.message,
        finding.remediation,
        suppression.reason if suppression else "",
        suppression.expires if suppression else "",
        "; ".join(dict.fromkeys(f"{ref.framework}/{ref.control}" for ref in finding.compliance)),
        location_text(finding),
    )
