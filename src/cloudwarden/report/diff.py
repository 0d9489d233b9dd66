"""`cloudwarden diff`: what changed between two JSON reports, matched by finding id.

A finding is *new* when its id is only in the newer report, *resolved* when it is only in the older
one, *changed* when its status differs, *unchanged* otherwise. A *new FAIL* is a FAIL of the newer
report that was not a FAIL before (new, or changed into FAIL): teams gate a change on it.

A finding's `location` (`iac`) is no part of its identity: moving a resource to another file or line
changes no id. Where the output names a finding's resource it names its location too (JSON:
`location`, only for located findings; terminal: `at file:line`).
"""

from __future__ import annotations

import io
import mmap
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from rich.console import Console
from rich.text import Text

from cloudwarden.findings import FINDINGS_SCHEMA, Finding, Report, Status
from cloudwarden.inputs import InputError, decoded, quoted
from cloudwarden.report._common import known_line, located, location_text
from cloudwarden.report.stream import c1_escaped
from cloudwarden.report.terminal import clean

DIFF_SCHEMA = "cloudwarden.diff/1"

_DUPLICATES_NAMED = 5
"""Duplicated finding ids named in an error; the others are counted."""


class ReportFileError(Exception):
    """A file that is not a cloudwarden JSON report, or not one that can be compared."""


class _Header(msgspec.Struct):
    """The one field read before the whole file is decoded (the others are skipped, not decoded)."""

    schema: object = None


def load_report(path: Path) -> Report:
    """Read a JSON report to compare, mapped into memory like a snapshot (`inputs.mapped`).

    Only `cloudwarden.findings/1` is read: another version's fields may mean something else. A report
    holding one finding id twice is refused: which of the two to compare would be a guess, and a FAIL
    would hide behind a later PASS of the same id."""
    try:
        report = decoded(path, "report", lambda raw: _decode_report(path, raw))
    except InputError as error:
        raise ReportFileError(str(error)) from error
    counts = Counter(finding.id for finding in report.findings)
    duplicated = [finding_id for finding_id, count in counts.items() if count > 1]
    if duplicated:
        named = ", ".join(quoted(finding_id) for finding_id in duplicated[:_DUPLICATES_NAMED])
        more = len(duplicated) - _DUPLICATES_NAMED
        raise ReportFileError(
            f"{path} holds the same finding id more than once: {named}"
            + (f" and {more} more" if more > 0 else "")
        )
    return report


def _decode_report(path: Path, raw: mmap.mmap | bytes) -> Report:
    not_a_report = f"{path} is not a cloudwarden JSON report (--format json)"
    try:
        header = msgspec.json.decode(raw, type=_Header)
        if header.schema != FINDINGS_SCHEMA:
            raise ReportFileError(
                f"{not_a_report}: schema {quoted(header.schema)}, expected {FINDINGS_SCHEMA!r}"
            )
        return msgspec.json.decode(raw, type=Report)
    except msgspec.DecodeError as error:
        raise ReportFileError(f"{not_a_report}: {error}") from error


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
    } | _location(finding)


def _location(finding: Finding) -> dict[str, Any]:
    """`{"location": {"file", "line"}}` for a finding of `iac` (the line when known), else nothing."""
    location = located(finding)
    if location is None:
        return {}
    return {"location": {"file": location.file, "line": known_line(location)}}


def _where(finding: Finding) -> str:
    """The finding's resource, and for `iac` the file and line that define it."""
    location = location_text(finding)
    return f"{finding.resource.id} at {location}" if location else finding.resource.id


def render_diff_json(diff: Diff) -> str:
    document = {
        "schema": DIFF_SCHEMA,
        "new_fails": [_brief(finding) for finding in diff.new_fails],
        "new": [_brief(finding) for finding in diff.new],
        "resolved": [_brief(finding) for finding in diff.resolved],
        "changed": [{**_brief(change.new), "old_status": change.old.status.value} for change in diff.changed],
        "unchanged": len(diff.unchanged),
    }
    return bytes(c1_escaped(msgspec.json.format(msgspec.json.encode(document), indent=2))).decode() + "\n"


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
                clean(f" {finding.severity.value:<8} {finding.rule} {finding.account} {_where(finding)}: ")
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
                f"{change.new.account} {_where(change.new)}: {change.new.message}"
            )
        )
        console.print(line)
    return buffer.getvalue()
