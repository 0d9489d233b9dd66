"""The terminal report: one block per guideline, readable in ten seconds. A guideline that FAILs ends
its block with the framework controls that FAIL with it (`controls: cis-aws-foundations-3.0.0/1.5, ...`).
A finding of `iac` names its resource by address, then the file (and line) that defines it:
`module.web.aws_s3_bucket.site (example-site, eu-west-1) at plan.json`, `SiteBucket at main.yaml:12`.

AWS data (names, tags, messages quoting them) is attacker-controlled: it is stripped of control
characters and escape sequences and always printed as plain text, never as rich markup.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from cloudwarden.findings import GLOBAL_REGION, Finding, Report, Status
from cloudwarden.report._common import collection_cost, describe_error, location_text
from cloudwarden.ruledoc import RuleDoc

_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI sequences (colours, cursor moves)
    r"|\x1b\][^\x07\x1b]*(\x07|\x1b\\)?"  # OSC sequences (titles, hyperlinks)
    r"|[\x00-\x1f\x7f-\x9f]"  # C0 and C1 control characters
    r"|[\u200e\u200f\u202a-\u202e\u2066-\u2069]"  # bidirectional overrides that disguise names
)
_STATUS_STYLE = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.UNKNOWN: "yellow",
    Status.MANUAL: "cyan",
    Status.SUPPRESSED: "dim",
}
_STATUS_ORDER = (Status.PASS, Status.FAIL, Status.UNKNOWN, Status.MANUAL, Status.SUPPRESSED)
_SHOWN = (Status.FAIL, Status.UNKNOWN, Status.MANUAL, Status.SUPPRESSED)
MAX_LINES_PER_RULE = 25
_UNSAID_REGIONS = frozenset({GLOBAL_REGION, "unknown"})
"""Regions not worth a word on an `iac` finding's line: a global service's, and the one `iac` gives
resources whose template or plan does not say where they go (`iac.translate.UNKNOWN_REGION`)."""


def clean(text: str) -> str:
    """Remove escape sequences, control and bidi-override characters (tabs and newlines become spaces)."""
    return _CONTROL.sub(lambda match: " " if match.group(0) in "\t\n\r" else "", text)


def text_console(buffer: io.StringIO, color: bool, width: int) -> Console:
    """The console the text reports print to: colour only when asked, no markup guessed from AWS data."""
    return Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width,
        highlight=False,
        emoji=False,
        soft_wrap=True,
    )


def finding_line(finding: Finding, indent: int, style: str) -> Text:
    """One finding on one line: status, severity, where (account, resource and its name, region, and
    for `iac` the file and line), message and suppression, every piece from AWS or a file cleaned of
    control characters."""
    line = Text(" " * indent)
    line.append(f"{finding.status.value:<10}", style=style)
    line.append(f" {finding.severity.value:<8} ")
    location = location_text(finding)
    if location:
        line.append(clean(_in_code(finding)), style="bold")
        line.append(clean(f" at {location}"))
    else:
        line.append(clean(_in_account(finding)), style="bold")
    line.append(": " + clean(finding.message))
    if finding.suppression:
        line.append(
            clean(f" [suppressed until {finding.suppression.expires}: {finding.suppression.reason}]"),
            style="dim",
        )
    return line


def _in_account(finding: Finding) -> str:
    """A live finding's resource: `account resource [name] (region)`."""
    resource = finding.resource.id
    if (
        finding.resource.name
        and finding.resource.name not in resource
        and finding.resource.name != finding.account
    ):
        resource = f"{resource} [{finding.resource.name}]"
    where = finding.account if resource == finding.account else f"{finding.account} {resource}"
    if finding.region != GLOBAL_REGION:
        where = f"{where} ({finding.region})"
    return where


def _in_code(finding: Finding) -> str:
    """An `iac` finding's resource: `address (name, region)`. The account of a document's findings is
    the document's path, which `at file:line` names already; a region the document does not give is
    left out rather than shown as unknown."""
    resource = finding.resource.id
    details = []
    name = finding.resource.name
    if name and name not in resource and name != finding.account:
        details.append(name)
    if finding.region not in _UNSAID_REGIONS:
        details.append(finding.region)
    return f"{resource} ({', '.join(details)})" if details else resource


def render_terminal(report: Report, rules: Sequence[RuleDoc], color: bool, width: int = 110) -> str:
    buffer = io.StringIO()
    console = text_console(buffer, color, width)
    scan = report.scan
    console.print(
        Text.assemble(
            ("cloudwarden ", "bold"),
            f"{scan.tool.version}  accounts: {clean(', '.join(scan.accounts)) or '-'}  "
            f"regions: {len(scan.regions)}  collected: {scan.finished_at}",
        )
    )
    by_rule: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    for rule in rules:
        if rule.id in by_rule:
            console.print()
            _print_rule(console, rule, by_rule[rule.id])
    _print_totals(console, report)
    return buffer.getvalue()


def _counts(findings: Sequence[Finding]) -> Text:
    counts = Counter(finding.status for finding in findings)
    text = Text()
    for status in _STATUS_ORDER:
        if status is Status.SUPPRESSED and not counts[status]:
            continue
        style = _STATUS_STYLE[status] if counts[status] else "dim"
        text.append("   " if text else "  ")
        text.append(f"{status.value} {counts[status]}", style=style)
    return text


def _print_rule(console: Console, rule: RuleDoc, findings: list[Finding]) -> None:
    header = Text()
    header.append(f"{rule.section}: {rule.guideline}", style="bold")
    header.append(f"  [{rule.id}]", style="dim")
    header.append("  audited upstream" if rule.audited_upstream else "  not audited upstream", style="dim")
    console.print(header)
    console.print(_counts(findings))
    shown = sorted(
        (finding for finding in findings if finding.status in _SHOWN),
        key=lambda f: (_SHOWN.index(f.status), -f.severity.rank, f.account, f.resource.id),
    )
    for finding in shown[:MAX_LINES_PER_RULE]:
        line = finding_line(finding, indent=2, style=_STATUS_STYLE[finding.status])
        console.print(line)
    if len(shown) > MAX_LINES_PER_RULE:
        console.print(
            Text(f"  ... and {len(shown) - MAX_LINES_PER_RULE} more (see --format json)", style="dim")
        )
    failing = [finding for finding in findings if finding.status is Status.FAIL]
    controls = dict.fromkeys(
        f"{ref.framework}/{ref.control}" for finding in failing for ref in finding.compliance
    )
    if controls:
        console.print(Text(clean(f"  controls: {', '.join(controls)}"), style="dim"))


def _print_totals(console: Console, report: Report) -> None:
    console.print()
    if len(report.scan.accounts) > 1:
        by_account: dict[str, list[Finding]] = {account: [] for account in report.scan.accounts}
        for finding in report.findings:
            by_account.setdefault(finding.account, []).append(finding)
        for account, findings in by_account.items():
            line = Text(f"Account {clean(account)}")
            line.append_text(_counts(findings))
            cost = collection_cost(report, account)
            if cost:
                line.append(f"   {cost}", style="dim")
            reason = report.scan.unreachable_accounts.get(account)
            if reason is not None:
                line.append(f"   not scanned: {clean(reason)}", style="bold red")
            console.print(line)
    total = Text("Total")
    total.append_text(_counts(report.findings))
    console.print(total)
    for error in report.scan.errors:
        console.print(
            Text(
                clean(f"error: {describe_error(error)}"),
                style="yellow",
            )
        )
    for warning in report.scan.warnings:
        console.print(Text("warning: " + clean(warning), style="yellow"))
