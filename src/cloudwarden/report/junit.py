"""JUnit XML, for CI systems that show test reports: one suite per rule, one test case per finding.

FAIL is a failure (typed by its severity), UNKNOWN an error (the check could not run), MANUAL and
SUPPRESSED are skipped, PASS passes. AWS text is stripped of the characters XML 1.0 cannot carry
(most C0 controls, lone surrogates, U+FFFE/U+FFFF) and of terminal escape sequences; ElementTree
escapes the rest.

A finding of `iac` gives its test case the `file` (and `line`) attributes of the common JUnit XML
format (as pytest's xunit1 and the format's reference at github.com/testmoapp/junitxml write them;
GitLab, for one, reads `file`), and its details a `location:` line.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence

import msgspec

from cloudwarden.findings import Finding, Report, Status
from cloudwarden.report._common import known_line, located, location_text, suppression_note, utc
from cloudwarden.report.terminal import clean
from cloudwarden.ruledoc import RuleDoc

_NOT_IN_XML = re.compile(r"[\ud800-\udfff\ufffe\uffff]")
_OUTCOME = {
    Status.FAIL: "failure",
    Status.UNKNOWN: "error",
    Status.MANUAL: "skipped",
    Status.SUPPRESSED: "skipped",
}
_COUNT_ATTRIBUTE = {"failure": "failures", "error": "errors", "skipped": "skipped"}


def render_junit(report: Report, rules: Sequence[RuleDoc]) -> str:
    by_rule: dict[str, list[Finding]] = {rule.id: [] for rule in rules}
    for finding in report.findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    titles = {rule.id: rule.title for rule in rules}
    timestamp = utc(report.scan.started_at).strftime("%Y-%m-%dT%H:%M:%S")
    suites = ET.Element("testsuites", name=_text(report.scan.tool.name))
    totals: Counter[str] = Counter()
    for rule_id, findings in by_rule.items():
        title = titles.get(rule_id) or (findings[0].title if findings else rule_id)
        counts = Counter(_OUTCOME.get(finding.status, "passed") for finding in findings)
        suite = ET.SubElement(suites, "testsuite", name=_text(title), id=_text(rule_id))
        _set_counts(suite, len(findings), counts)
        suite.set("timestamp", timestamp)
        for finding in findings:
            _test_case(suite, finding)
        totals.update(counts)
    _set_counts(suites, len(report.findings), totals)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _set_counts(element: ET.Element, tests: int, counts: Counter[str]) -> None:
    element.set("tests", str(tests))
    for outcome, attribute in _COUNT_ATTRIBUTE.items():
        element.set(attribute, str(counts[outcome]))


def _test_case(suite: ET.Element, finding: Finding) -> None:
    name = f"{finding.account} {finding.region} {finding.resource.id}"
    case = ET.SubElement(suite, "testcase", classname=_text(finding.rule), name=_text(name))
    location = located(finding)
    if location is not None:
        case.set("file", _text(location.file))
        line = known_line(location)
        if line is not None:
            case.set("line", str(line))
    outcome = _OUTCOME.get(finding.status)
    if outcome is None:
        return
    message = suppression_note(finding.suppression) if finding.suppression else finding.message
    result = ET.SubElement(case, outcome, message=_text(message))
    if outcome == "failure":
        result.set("type", finding.severity.value)
    elif outcome == "error":
        result.set("type", finding.status.value)
    result.text = _details(finding)


def _details(finding: Finding) -> str:
    resource = finding.resource
    lines = [
        f"status: {finding.status.value} ({finding.severity.value})",
        f"message: {finding.message}",
        f"resource: {resource.type} {resource.id}",
    ]
    location = location_text(finding)
    if location:
        lines.append(f"location: {location}")
    if resource.arn:
        lines.append(f"arn: {resource.arn}")
    if resource.name and resource.name != resource.id:
        lines.append(f"name: {resource.name}")
    if finding.remediation:
        lines.append(f"remediation: {finding.remediation}")
    if finding.evidence:
        lines.append(f"evidence: {msgspec.json.encode(finding.evidence).decode()}")
    return "\n".join(_text(line) for line in lines)


def _text(text: str) -> str:
    """`text` as XML 1.0 can carry it, and safe to print on a terminal."""
    return _NOT_IN_XML.sub("", clean(text))
