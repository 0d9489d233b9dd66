"""`cloudwarden diff`: what changed between two JSON reports, matched by finding id.

A finding is *new* when its id is only in the newer report, *resolved* when it is only in the older
one, *changed* when its status differs, *unchanged* otherwise. A *new FAIL* is a FAIL of the newer
report that was not a FAIL before (new, or changed into FAIL): teams gate a change on it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from rich.console import Console
from rich.text import Text

from cloudwarden.findings import Finding, Report, Status
from cloudwarden.report.terminal import clean

DIFF_SCHEMA = "cloudwarden.diff/1"


class ReportFileError(Exception):
    """A file that is not a cloudwarden JSON report."""


def load_report(path: Path) -> Report:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ReportFileError(f"cannot read report {path}: {error.strerror}") from error
    try:
        return msgspec.json.decode(raw, type=Report)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise ReportFileError(f"{path} is not a cloudwarden JSON report (--format json): {error}") from error


@dataclass(frozen=True)
class Change:
    old: Finding
    new: Finding


@dataclass(frozen=True)
class Diff:
    new: tuple[Finding, ...]
    resolved: tuple[Finding, ...]
    changed: tuple[Change, ...]
    unchanged: tuple[Finding, ...]

    @property
    def new_fails(self) -> tuple[Finding, ...]:
        fresh = [finding for finding in self.new if finding.status is Status.FAIL]
        turned = [
            c.new for c in self.changed if c.new.status is Status.FAIL and c.old.status is not Status.FAIL
        ]
        return (*fresh, *turned)


def compare(old: Report, new: Report) -> Diff:
    before = {finding.id: finding for finding in old.findings}
    after = {finding.id: finding for finding in new.findings}
    return Diff(
        new=tuple(finding for fid, finding in after.items() if fid not in before),
        resolved=tuple(finding for fid, finding in before.items() if fid not in after),
        changed=tuple(
            Change(before[fid], finding)
            for fid, finding in after.items()
            if fid in before and before[fid].status is not finding.status
        ),
        unchanged=tuple(
            finding
            for fid, finding in after.items()
            if fid in before and before[fid].status is finding.status
        ),
    )


def _brief(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "rule": finding.rule,
        "status": finding.status.value,
        "severity": finding.severity.value,
        "account": finding.account,
        "region": finding.region,
        "resource": finding.resource.id,
        "message": finding.message,
    }


def render_diff_json(diff: Diff) -> str:
    document = {
        "schema": DIFF_SCHEMA,
        "new_fails": [_brief(finding) for finding in diff.new_fails],
        "new": [_brief(finding) for finding in diff.new],
        "resolved": [_brief(finding) for finding in diff.resolved],
        "changed": [{**_brief(change.new), "old_status": change.old.status.value} for change in diff.changed],
        "unchanged": len(diff.unchanged),
    }
    return msgspec.json.format(msgspec.json.encode(document), indent=2).decode() + "\n"


def render_diff_terminal(diff: Diff, color: bool) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=110, highlight=False)
    console.print(
        Text(
            f"new {len(diff.new)}  resolved {len(diff.resolved)}  changed {len(diff.changed)}  "
            f"unchanged {len(diff.unchanged)}  new FAIL {len(diff.new_fails)}",
            style="bold",
        )
    )
    sections = (
        ("new FAIL", diff.new_fails, "bold red"),
        ("resolved", diff.resolved, "green"),
    )
    for title, findings, style in sections:
        for finding in findings:
            line = Text(f"  {title:<9}", style=style)
            line.append(
                clean(
                    f" {finding.severity.value:<8} {finding.rule} {finding.account} {finding.resource.id}: "
                )
            )
            line.append(clean(finding.message))
            console.print(line)
    new_fail_ids = {finding.id for finding in diff.new_fails}
    for change in diff.changed:
        if change.new.id in new_fail_ids:
            continue
        line = Text("  changed  ", style="yellow")
        line.append(
            clean(
                f" {change.old.status.value} -> {change.new.status.value} {change.new.rule} "
                f"{change.new.account} {change.new.resource.id}: {change.new.message}"
            )
        )
        console.print(line)
    return buffer.getvalue()
