"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run; one reporting descriptor per rule; one result per finding that needs attention:
FAIL (kind `fail`, level from its severity), SUPPRESSED (the same, with an external suppression
carrying the reason) and UNKNOWN or MANUAL (kind `review`: a person must look; SARIF requires level
`none` for any kind but `fail`). PASS findings are left out: code scanning treats every result as an
alert. GitHub takes an alert's severity from the rule's `security-severity`.

Resources are not files: each result names its resource as a logical location, and as an
`aws://<account>/<region>/<type>/<id>` artifact because code scanning needs a physical location.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import msgspec

from cloudwarden.findings import Finding, Report, Severity, Status
from cloudwarden.report._common import GUIDELINES_URL, iso_utc
from cloudwarden.rules.base import Rule

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT = "cloudwardenFindingId/v1"

SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
"""GitHub's scale (CVSS-like): 9.0 and up is critical, 7.0 high, 4.0 medium, above 0 low."""

LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_REPORTED = (Status.FAIL, Status.SUPPRESSED, Status.UNKNOWN, Status.MANUAL)


def render_sarif(report: Report, rules: Sequence[Rule]) -> str:
    rule_index = {rule.id: index for index, rule in enumerate(rules)}
    scan = report.scan
    run = {
        "tool": {
            "driver": {
                "name": scan.tool.name,
                "version": scan.tool.version,
                "informationUri": GUIDELINES_URL,
                "rules": [_descriptor(rule) for rule in rules],
            }
        },
        "invocations": [
            {
                "executionSuccessful": True,
                "startTimeUtc": iso_utc(scan.started_at),
                "endTimeUtc": iso_utc(scan.finished_at),
            }
        ],
        "results": [
            _result(finding, rule_index.get(finding.rule))
            for finding in report.findings
            if finding.status in _REPORTED
        ],
    }
    document = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return msgspec.json.format(msgspec.json.encode(document), indent=2).decode() + "\n"


def _descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": rule.remediation, "markdown": rule.remediation},
        "helpUri": GUIDELINES_URL,
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "section": rule.section,
            "auditedUpstream": rule.audited_upstream,
            "severity": rule.severity.value,
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "tags": ["security"],
        },
    }


def _result(finding: Finding, rule_index: int | None) -> dict[str, Any]:
    resource = finding.resource
    failed = finding.status in (Status.FAIL, Status.SUPPRESSED)
    result: dict[str, Any] = {"ruleId": finding.rule}
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    result |= {
        "kind": "fail" if failed else "review",
        "level": LEVEL[finding.severity] if failed else "none",
        "message": {"text": finding.message or finding.title},
        "locations": [
            {
                "physicalLocation": {"artifactLocation": {"uri": _resource_uri(finding)}},
                "logicalLocations": [
                    {
                        "name": resource.id,
                        "fullyQualifiedName": resource.arn or resource.id,
                        "kind": "resource",
                    }
                ],
            }
        ],
        "partialFingerprints": {FINGERPRINT: finding.id},
    }
    if finding.suppression is not None:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": finding.suppression.reason,
                "properties": {"expires": finding.suppression.expires},
            }
        ]
    result["properties"] = {
        "status": finding.status.value,
        "severity": finding.severity.value,
        "account": finding.account,
        "region": finding.region,
        "resource": msgspec.to_builtins(resource),
        "evidence": finding.evidence,
    }
    return result


def _resource_uri(finding: Finding) -> str:
    """`aws://<account>/<region>/<type>/<id>`, each part percent-encoded (record ids hold slashes)."""
    path = (finding.region, finding.resource.type, finding.resource.id)
    return f"aws://{quote(finding.account, safe='')}/" + "/".join(quote(part, safe=":") for part in path)
