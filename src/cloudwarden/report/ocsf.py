"""OCSF 1.5.0 Compliance Finding events (class 2003), for data lakes and SIEMs (Security Lake, ...).

Compliance Finding rather than Detection Finding: every finding is the verdict of a guideline on
one resource, PASS included, which is what class 2003 describes (a check against a standard, with a
compliance status); Detection Finding is for alerts raised by detection engines.

One event per finding (activity Create), with the cloud profile. The compliance status says what
the check found (Pass, Warning for UNKNOWN and MANUAL: no result for lack of information, Fail, also
for a suppressed FAIL); the finding status says what a person did with it (New, or Suppressed).
cloudwarden's own status is kept in `status_code`; the evidence goes to `unmapped`.

A finding of `iac` has its file and line in `unmapped.location` (`{"file", "line"}`, the line left
out when not known): OCSF 1.5.0 has a code location with lines only in a vulnerability's
`affected_code` (Vulnerability Finding), and a Compliance Finding's `evidences[].file` is a file
object with no line (py-ocsf-models 0.10 does not model it either).

`compliance.standards` names Mozilla's guidelines, then each framework of the rule's controls with its
version (`CIS AWS Foundations Benchmark v3.0.0`); `compliance.requirements` names the rule, then each
control as the ASFF report's `Compliance.RelatedRequirements` names it
(`CIS AWS Foundations Benchmark v3.0.0/1.5`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

import msgspec

from cloudwarden.compliance import CATALOGUE, Catalogue
from cloudwarden.findings import Finding, Report, Severity, Status
from cloudwarden.report._common import ControlNames, known_line, located, partition, suppression_note, utc
from cloudwarden.report.stream import JsonArrayStream, ScanHeader, header_of, rendered
from cloudwarden.ruledoc import RuleDoc

OCSF_VERSION = "1.5.0"
COMPLIANCE_FINDING = 2003
FINDINGS_CATEGORY = 2
CREATE = 1
STANDARD = "Mozilla AWS Security Guidelines"
FINDING_TYPE = "Software and Configuration Checks/AWS Security Best Practices"
AWS_ACCOUNT_TYPE_ID = 10

SEVERITY_ID = {
    Severity.INFO: (1, "Informational"),
    Severity.LOW: (2, "Low"),
    Severity.MEDIUM: (3, "Medium"),
    Severity.HIGH: (4, "High"),
    Severity.CRITICAL: (5, "Critical"),
}
COMPLIANCE_STATUS_ID = {
    Status.PASS: (1, "Pass"),
    Status.UNKNOWN: (2, "Warning"),
    Status.MANUAL: (2, "Warning"),
    Status.FAIL: (3, "Fail"),
    Status.SUPPRESSED: (3, "Fail"),
}
_NEW = (1, "New")
_SUPPRESSED = (3, "Suppressed")


def render_ocsf(report: Report, rules: Sequence[RuleDoc], catalogue: Catalogue = CATALOGUE) -> str:
    return rendered(report, lambda target: ocsf_stream(target, header_of(report), rules, catalogue))


def ocsf_stream(
    target: IO[bytes], header: ScanHeader, rules: Sequence[RuleDoc], catalogue: Catalogue = CATALOGUE
) -> JsonArrayStream:
    """The events written as the findings arrive (a JSON array, one event per finding); `catalogue`
    names the frameworks of the findings' controls."""
    rules_by_id = {rule.id: rule for rule in rules}
    time = int(utc(header.finished_at).timestamp() * 1000)
    version = header.version
    names = ControlNames(catalogue)
    return JsonArrayStream(
        target, lambda finding: _event(finding, rules_by_id.get(finding.rule), version, time, names)
    )


def _event(
    finding: Finding, rule: RuleDoc | None, version: str, time: int, names: ControlNames
) -> dict[str, Any]:
    severity_id, severity = SEVERITY_ID[finding.severity]
    status_id, status = _SUPPRESSED if finding.status is Status.SUPPRESSED else _NEW
    compliance_status_id, compliance_status = COMPLIANCE_STATUS_ID[finding.status]
    resource = finding.resource
    compliance: dict[str, Any] = {"standards": [STANDARD, *names.standards(finding)]}
    if rule is not None:
        compliance |= {"category": rule.section, "control": rule.guideline}
    compliance |= {
        "requirements": [finding.rule, *names.requirements(finding)],
        "status_id": compliance_status_id,
        "status": compliance_status,
        "status_code": finding.status.value,
    }
    event: dict[str, Any] = {
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "cloudwarden", "vendor_name": "cloudwarden", "version": version},
            "profiles": ["cloud"],
            "event_code": finding.rule,
        },
        "time": time,
        "category_uid": FINDINGS_CATEGORY,
        "category_name": "Findings",
        "class_uid": COMPLIANCE_FINDING,
        "class_name": "Compliance Finding",
        "activity_id": CREATE,
        "activity_name": "Create",
        "type_uid": COMPLIANCE_FINDING * 100 + CREATE,
        "type_name": "Compliance Finding: Create",
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "status_code": finding.status.value,
        "message": finding.message,
        "finding_info": {
            "uid": finding.id,
            "title": finding.title,
            "desc": finding.message,
            "types": [FINDING_TYPE],
        },
        "compliance": compliance,
        "resources": [
            {
                "uid": resource.arn or resource.id,
                "name": resource.name or resource.id,
                "type": resource.type,
                "region": finding.region,
                "cloud_partition": partition(finding),
                "data": {"id": resource.id},
            }
        ],
        "cloud": {
            "provider": "AWS",
            "account": {
                "uid": finding.account,
                "name": finding.account,
                "type_id": AWS_ACCOUNT_TYPE_ID,
                "type": "AWS Account",
            },
            "region": finding.region,
        },
        "unmapped": {"evidence": finding.evidence},
    }
    if finding.suppression is not None:
        detail = suppression_note(finding.suppression)
        event["status_detail"] = detail
        compliance["status_details"] = [detail]
        event["unmapped"]["suppression"] = msgspec.to_builtins(finding.suppression)
    if finding.remediation:
        event["remediation"] = {"desc": finding.remediation}
    location = located(finding)
    if location is not None:
        line = known_line(location)
        event["unmapped"]["location"] = {"file": location.file} | ({} if line is None else {"line": line})
    return event
