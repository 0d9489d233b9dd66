"""The HTML report: one self-contained file that works offline, opened straight from disk.

Everything AWS returns (names, tags, messages, evidence) is attacker-controlled. The page is rendered by
Jinja2 with autoescaping on, so that text only ever becomes escaped element text or quoted attribute
values: the findings are rendered rows, and the page's script only reads them back from the DOM (it never
parses data into code or markup). The Content-Security-Policy lets nothing load from anywhere and runs
only the page's own inline style and script, pinned by their SHA-256 hashes.

Each finding lists, when expanded, the framework controls its rule assesses (and the frameworks its
guideline goes beyond), and the findings filter by framework, then by one of its controls.

A finding of `iac` shows the file (and line) that defines its resource under the resource, where the
free-text filter searches it, and again in its expanded details.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import jinja2
import msgspec

from cloudwarden.compliance import CATALOGUE, Catalogue
from cloudwarden.findings import ComplianceRef, Finding, Report, Severity, Status
from cloudwarden.report._common import collection_cost, describe_error, location_text, standard
from cloudwarden.ruledoc import RuleDoc

SUMMARY_STATUSES = (Status.PASS, Status.FAIL, Status.UNKNOWN, Status.MANUAL, Status.SUPPRESSED)
"""The summary's columns, in the terminal report's order."""
WORST_FIRST = (Status.FAIL, Status.UNKNOWN, Status.MANUAL, Status.SUPPRESSED, Status.PASS)
"""The findings table's default order, and the order its status column sorts in."""
SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
BAR_LENGTH = 90
"""The longest bar of a chart, in pixels: the largest count of its table."""

_INVISIBLE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # control characters (tabs and newlines are kept)
    r"|[\u200e\u200f\u202a-\u202e\u2066-\u2069]"  # bidirectional overrides that disguise names
)


@dataclass(frozen=True)
class Bar:
    severity: str
    count: int
    length: float


@dataclass(frozen=True)
class Tally:
    """One line of a summary: counts per status, and the FAIL findings per severity as a bar chart."""

    counts: dict[str, int]
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class GuidelineSummary:
    rule_id: str
    section: str
    guideline: str
    audited_upstream: bool | None
    """None for a rule the report's rules do not describe."""
    tally: Tally


@dataclass(frozen=True)
class AccountSummary:
    account: str
    tally: Tally
    cost: str
    """Wall time and calls of the account's collection; empty when the report does not say."""
    unreachable: str | None


@dataclass(frozen=True)
class ControlLine:
    """A framework control a finding's rule assesses, as its expanded row lists it."""

    key: str
    """`<framework>/<control>`, what the control filter matches."""
    framework: str
    control: str
    title: str
    partial: bool


@dataclass(frozen=True)
class ControlOption:
    key: str
    framework: str
    """The framework's id: the control filter offers only the chosen framework's controls."""
    label: str


@dataclass(frozen=True)
class FindingRow:
    order: int
    id: str
    rule: str
    rule_title: str
    status: str
    status_rank: int
    severity: str
    severity_rank: int
    account: str
    region: str
    resource_type: str
    resource_id: str
    resource_name: str | None
    resource_arn: str | None
    location: str | None
    """`file:line` (or `file`) where `iac` found the resource; None for a live scan's finding."""
    message: str
    evidence: str
    remediation: str
    suppression: str | None
    compliance: str
    """The keys of its controls, separated by spaces (control ids hold none)."""
    controls: tuple[ControlLine, ...]
    beyond: tuple[str, ...]
    """The frameworks with no control for the finding's guideline, and why."""


def render_html(report: Report, rules: Sequence[RuleDoc], catalogue: Catalogue = CATALOGUE) -> str:
    """`catalogue` names the frameworks and controls of the findings' `compliance`."""
    rules_by_id = {rule.id: rule for rule in rules}
    rule_order = {rule.id: index for index, rule in enumerate(rules)}
    findings = sorted(
        report.findings,
        key=lambda f: (
            WORST_FIRST.index(f.status),
            -f.severity.rank,
            rule_order.get(f.rule, len(rules)),
            f.rule,
            f.account,
            f.resource.id,
        ),
    )
    guidelines = _guideline_summaries(report.findings, rules)
    accounts = _account_summaries(report)
    controls = _Controls(catalogue)
    present = controls.ordered(ref for finding in findings for ref in finding.compliance)
    scan = report.scan
    return _template().render(
        started_at=_inert(scan.started_at),
        finished_at=_inert(scan.finished_at),
        tool=_inert(f"{scan.tool.name} {scan.tool.version}"),
        accounts=[_inert(account) for account in scan.accounts],
        regions=[_inert(region) for region in scan.regions],
        errors=[_error_line(error) for error in scan.errors],
        warnings=[_inert(warning) for warning in scan.warnings],
        statuses=[status.value for status in SUMMARY_STATUSES],
        total=_tally(report.findings, _largest_fail_count([report.findings])),
        guidelines=guidelines,
        account_summaries=accounts if len(accounts) > 1 else [],
        rows=[_row(index, finding, rules_by_id, controls) for index, finding in enumerate(findings)],
        filters=_filter_options(findings, rule_order),
        frameworks=controls.framework_options(present),
        controls=controls.control_options(present),
        bar_length=BAR_LENGTH,
    )


@functools.cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("cloudwarden.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["sha256"] = sha256_base64
    return environment.get_template("report.html.j2")


def sha256_base64(source: str) -> str:
    """The digest of a CSP `'sha256-...'` source, which allows exactly this inline script or style."""
    return base64.b64encode(hashlib.sha256(str(source).encode()).digest()).decode()


def _inert(text: str) -> str:
    """Text as it may be shown: without control characters or bidi overrides (HTML escaping is Jinja's)."""
    return _INVISIBLE.sub("", text)


def _largest_fail_count(groups: Iterable[Iterable[Finding]]) -> int:
    largest = 0
    for group in groups:
        failing = Counter(finding.severity for finding in group if finding.status is Status.FAIL)
        largest = max(largest, *failing.values(), 0)
    return largest


def _tally(findings: Iterable[Finding], scale: int) -> Tally:
    findings = list(findings)
    statuses = Counter(finding.status for finding in findings)
    failing = Counter(finding.severity for finding in findings if finding.status is Status.FAIL)
    return Tally(
        counts={status.value: statuses[status] for status in SUMMARY_STATUSES},
        bars=tuple(
            Bar(
                severity=severity.value,
                count=failing[severity],
                length=round(BAR_LENGTH * failing[severity] / scale, 1) if scale else 0.0,
            )
            for severity in SEVERITIES
        ),
    )


def _guideline_summaries(findings: Sequence[Finding], rules: Sequence[RuleDoc]) -> list[GuidelineSummary]:
    """One line per rule that has findings, in the rules' order; rules the report's rules lack come last."""
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    scale = _largest_fail_count(by_rule.values())
    summaries = [
        GuidelineSummary(
            rule_id=rule.id,
            section=rule.section,
            guideline=rule.guideline,
            audited_upstream=rule.audited_upstream,
            tally=_tally(by_rule.pop(rule.id), scale),
        )
        for rule in rules
        if rule.id in by_rule
    ]
    summaries.extend(
        GuidelineSummary(
            rule_id=_inert(rule_id),
            section="",
            guideline=_inert(group[0].title),
            audited_upstream=None,
            tally=_tally(group, scale),
        )
        for rule_id, group in by_rule.items()
    )
    return summaries


def _account_summaries(report: Report) -> list[AccountSummary]:
    by_account: dict[str, list[Finding]] = {account: [] for account in report.scan.accounts}
    for finding in report.findings:
        by_account.setdefault(finding.account, []).append(finding)
    scale = _largest_fail_count(by_account.values())
    summaries = []
    for account, group in by_account.items():
        reason = report.scan.unreachable_accounts.get(account)
        summaries.append(
            AccountSummary(
                account=_inert(account),
                tally=_tally(group, scale),
                cost=collection_cost(report, account),
                unreachable=None if reason is None else _inert(reason),
            )
        )
    return summaries


def _row(order: int, finding: Finding, rules_by_id: dict[str, RuleDoc], controls: _Controls) -> FindingRow:
    rule = rules_by_id.get(finding.rule)
    refs = controls.ordered(finding.compliance)
    resource = finding.resource
    suppression = None
    if finding.suppression:
        suppression = (
            f"Suppressed until {finding.suppression.expires} (status underneath: "
            f"{finding.suppression.status_underneath.value}): {finding.suppression.reason}"
        )
    return FindingRow(
        order=order,
        id=_inert(finding.id),
        rule=_inert(finding.rule),
        rule_title=_inert(rule.title if rule else finding.title),
        status=finding.status.value,
        status_rank=WORST_FIRST.index(finding.status),
        severity=finding.severity.value,
        severity_rank=SEVERITIES.index(finding.severity),
        account=_inert(finding.account),
        region=_inert(finding.region),
        resource_type=_inert(resource.type),
        resource_id=_inert(resource.id),
        resource_name=_inert(resource.name) if resource.name and resource.name != resource.id else None,
        resource_arn=_inert(resource.arn) if resource.arn else None,
        location=_inert(location_text(finding)) or None,
        message=_inert(finding.message),
        evidence=_inert(msgspec.json.format(msgspec.json.encode(finding.evidence), indent=2).decode()),
        remediation=_inert(finding.remediation or (rule.remediation if rule else "")),
        suppression=_inert(suppression) if suppression else None,
        compliance=" ".join(_key(ref) for ref in refs),
        controls=tuple(controls.line(ref) for ref in refs),
        beyond=controls.beyond(finding.rule),
    )


class _Controls:
    """The catalogue as the page shows it: names, titles, and the frameworks' own order, found once."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self._titles = {
            (framework.id, control.id): control.title
            for framework in catalogue.frameworks.values()
            for control in framework.controls
        }
        self._rank = {
            key: (framework_rank, control_rank)
            for framework_rank, framework in enumerate(catalogue.frameworks.values())
            for control_rank, key in enumerate((framework.id, control.id) for control in framework.controls)
        }
        self._unknown = (len(catalogue.frameworks), 0)

    def ordered(self, refs: Iterable[ComplianceRef]) -> list[ComplianceRef]:
        """Each control once, by framework in the catalogue's order, then in its framework's order."""
        unique = {(ref.framework, ref.control): ref for ref in refs}
        return [
            unique[key] for key in sorted(unique, key=lambda key: (self._rank.get(key, self._unknown), key))
        ]

    def framework_name(self, framework_id: str) -> str:
        return _inert(standard(framework_id, self._catalogue))

    def title(self, ref: ComplianceRef) -> str:
        return _inert(self._titles.get((ref.framework, ref.control), ""))

    def line(self, ref: ComplianceRef) -> ControlLine:
        return ControlLine(
            key=_key(ref),
            framework=self.framework_name(ref.framework),
            control=_inert(ref.control),
            title=self.title(ref),
            partial=ref.relationship == "partial",
        )

    def beyond(self, rule_id: str) -> tuple[str, ...]:
        """Why the rule has no control in a framework, for each framework that says so."""
        mapping = self._catalogue.rules.get(rule_id)
        if mapping is None:
            return ()
        return tuple(
            _inert(f"Not in {self.framework_name(framework_id)}: {reason}")
            for framework_id, reason in mapping.unmapped.items()
        )

    def framework_options(self, present: Sequence[ComplianceRef]) -> list[tuple[str, str]]:
        """(id, name) of each framework of `present` (ordered), in the catalogue's order."""
        framework_ids = dict.fromkeys(ref.framework for ref in present)
        return [(_inert(framework_id), self.framework_name(framework_id)) for framework_id in framework_ids]

    def control_options(self, present: Sequence[ComplianceRef]) -> list[ControlOption]:
        options = []
        for ref in present:
            title = self.title(ref)
            label = f"{_inert(ref.control)} {title}" if title else _inert(ref.control)
            options.append(ControlOption(key=_key(ref), framework=_inert(ref.framework), label=label))
        return options


def _key(ref: ComplianceRef) -> str:
    """`<framework>/<control>`: what a row's `data-compliance` lists and the control filter matches."""
    return _inert(f"{ref.framework}/{ref.control}")


def _filter_options(findings: Sequence[Finding], rule_order: dict[str, int]) -> dict[str, list[str]]:
    """The values each filter offers: those present in the report, in a useful order."""
    present_statuses = {finding.status for finding in findings}
    present_severities = {finding.severity for finding in findings}
    present_rules = sorted(
        {finding.rule for finding in findings}, key=lambda rule: (rule_order.get(rule, len(rule_order)), rule)
    )
    return {
        "status": [status.value for status in WORST_FIRST if status in present_statuses],
        "severity": [severity.value for severity in SEVERITIES if severity in present_severities],
        "rule": [_inert(rule) for rule in present_rules],
        "account": sorted({_inert(finding.account) for finding in findings}),
        "region": sorted({_inert(finding.region) for finding in findings}),
    }


def _error_line(error: dict[str, object]) -> str:
    return _inert(describe_error(error))
