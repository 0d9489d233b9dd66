"""AWS Security Finding Format (ASFF), ready for Security Hub's `BatchImportFindings`.

One finding per cloudwarden finding, PASS included (it turns an earlier FAIL of the same id PASSED).
Each goes to the account's default product in its own region (the partition's home region for
global services): `BatchImportFindings` takes at most 100 findings of one region per call, from the
account they belong to, so a caller groups the array by `ProductArn` before sending it.

Security Hub's conventions for its own controls are followed: a passed check is INFORMATIONAL (its
rule's severity stays in `Severity.Original`) and, when first imported, RESOLVED (Security Hub leaves
the workflow of an existing finding to its users); UNKNOWN is NOT_AVAILABLE (the check could not
run: an API error or a denial) and MANUAL is WARNING, each with a status reason. The framework
controls the finding's status answers (those `equivalent` to its rule) are
`Compliance.RelatedRequirements`, named as Security Hub names them (`CIS AWS Foundations Benchmark
v3.0.0/1.5`): Security Hub reads a PASSED finding as passing each of them, which a `partial` rule's
PASS does not prove. Every control, with its relationship, is in `ProductFields`
(`cloudwarden/compliance`). A finding of `iac` also has its file and line there
(`cloudwarden/location`: `file:line`, or `file` for a plan). Text and lists are cut to Security Hub's
limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from cloudwarden.compliance import CATALOGUE, Catalogue
from cloudwarden.findings import Finding, Report, Severity, Status
from cloudwarden.report._common import (
    GUIDELINES_URL,
    ControlNames,
    concrete_region,
    iso_utc,
    location_text,
    partition,
)
from cloudwarden.report.stream import JsonArrayStream, ScanHeader, header_of, rendered
from cloudwarden.ruledoc import RuleDoc

SCHEMA_VERSION = "2018-10-08"
FINDING_TYPES = ["Software and Configuration Checks/AWS Security Best Practices"]

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 1024
RECOMMENDATION_LIMIT = 512
PRODUCT_FIELD_LIMIT = 2048
RELATED_REQUIREMENTS_LIMIT = 32
"""`Compliance.RelatedRequirements` holds at most 32 items (Security Hub's API reference; botocore's
model does not carry the limit)."""

RESOURCE_TYPE = {
    "AWS::::Account": "AwsAccount",
    "AWS::IAM::User": "AwsIamUser",
    "AWS::S3::Bucket": "AwsS3Bucket",
    "AWS::EC2::SecurityGroup": "AwsEc2SecurityGroup",
    "AWS::EC2::NetworkInterface": "AwsEc2NetworkInterface",
    "AWS::Route53::HostedZone": "AwsRoute53HostedZone",
}
"""Security Hub's resource types; any other resource is `Other` (its own type is in `ProductFields`)."""

SEVERITY_LABEL = {
    Severity.CRITICAL: "CRITICAL",
    Severity.HIGH: "HIGH",
    Severity.MEDIUM: "MEDIUM",
    Severity.LOW: "LOW",
    Severity.INFO: "INFORMATIONAL",
}
COMPLIANCE_STATUS = {
    Status.PASS: "PASSED",
    Status.FAIL: "FAILED",
    Status.SUPPRESSED: "FAILED",
    Status.UNKNOWN: "NOT_AVAILABLE",
    Status.MANUAL: "WARNING",
}
_STATUS_REASON = {
    Status.UNKNOWN: "CLOUDWARDEN_DATA_UNREADABLE",
    Status.MANUAL: "CLOUDWARDEN_MANUAL_CHECK",
}
_WORKFLOW_STATUS = {Status.PASS: "RESOLVED", Status.SUPPRESSED: "SUPPRESSED"}


def render_asff(report: Report, rules: Sequence[RuleDoc], catalogue: Catalogue = CATALOGUE) -> str:
    """`rules` is accepted like every reporter's; each finding carries all ASFF needs, and `catalogue`
    names its frameworks."""
    return rendered(report, lambda target: asff_stream(target, header_of(report), catalogue))


def asff_stream(target: IO[bytes], header: ScanHeader, catalogue: Catalogue = CATALOGUE) -> JsonArrayStream:
    """The ASFF findings written as the findings arrive (a JSON array)."""
    created_at = iso_utc(header.started_at)
    updated_at = iso_utc(header.finished_at)
    names = ControlNames(catalogue)
    return JsonArrayStream(target, lambda finding: _finding(finding, created_at, updated_at, names))


def _finding(finding: Finding, created_at: str, updated_at: str, names: ControlNames) -> dict[str, Any]:
    aws_partition = partition(finding)
    region = concrete_region(finding)
    label = "INFORMATIONAL" if finding.status is Status.PASS else SEVERITY_LABEL[finding.severity]
    severity = {"Label": label, "Original": finding.severity.value}
    title = _clip(finding.title, TITLE_LIMIT)
    account = aws_account(finding)
    asff: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding.id,
        "ProductArn": f"arn:{aws_partition}:securityhub:{region}:{account}:product/{account}/default",
        "ProductName": "cloudwarden",
        "CompanyName": "cloudwarden",
        "GeneratorId": finding.rule,
        "AwsAccountId": account,
        "Types": FINDING_TYPES,
        "CreatedAt": created_at,
        "UpdatedAt": updated_at,
        "Severity": severity,
        "Title": title,
        "Description": _clip(finding.message if finding.message.strip() else title, DESCRIPTION_LIMIT),
    }
    if finding.remediation.strip():
        asff["Remediation"] = {
            "Recommendation": {
                "Text": _clip(finding.remediation, RECOMMENDATION_LIMIT),
                "Url": GUIDELINES_URL,
            }
        }
    asff["ProductFields"] = _product_fields(finding, names)
    asff["Resources"] = [_resource(finding, aws_partition, region)]
    compliance: dict[str, Any] = {"Status": COMPLIANCE_STATUS[finding.status]}
    related = names.answered_requirements(finding)[:RELATED_REQUIREMENTS_LIMIT]
    if related:
        compliance["RelatedRequirements"] = related
    if finding.status in _STATUS_REASON:
        reason = {"ReasonCode": _STATUS_REASON[finding.status]}
        if finding.message.strip():
            reason["Description"] = finding.message
        compliance["StatusReasons"] = [reason]
    asff |= {
        "Compliance": compliance,
        "Workflow": {"Status": _WORKFLOW_STATUS.get(finding.status, "NEW")},
        "RecordState": "ACTIVE",
        "FindingProviderFields": {"Severity": severity, "Types": FINDING_TYPES},
    }
    return asff


NO_ACCOUNT = "000000000000"
"""`AwsAccountId` of a finding on a plan or template (`iac`), whose `account` is the document's path:
Security Hub takes twelve digits only. The path is in `ProductFields` (`cloudwarden/account`)."""


def aws_account(finding: Finding) -> str:
    """The finding's account as Security Hub takes it: its id, or `NO_ACCOUNT` for a document's path."""
    account = finding.account
    return account if len(account) == 12 and account.isdigit() else NO_ACCOUNT


def _resource(finding: Finding, aws_partition: str, region: str) -> dict[str, Any]:
    resource = finding.resource
    return {
        "Type": RESOURCE_TYPE.get(resource.type, "Other"),
        "Id": resource.arn or resource.id,
        "Partition": aws_partition,
        "Region": region,
    }


def _product_fields(finding: Finding, names: ControlNames) -> dict[str, str]:
    """cloudwarden's own words for what ASFF has no field for (non-empty values, as ASFF requires)."""
    fields = {
        "cloudwarden/status": finding.status.value,
        "cloudwarden/compliance": names.described(finding),
        "cloudwarden/region": finding.region,
        "cloudwarden/resource/type": finding.resource.type,
        "cloudwarden/resource/id": finding.resource.id,
        "cloudwarden/resource/name": finding.resource.name or "",
        "cloudwarden/location": location_text(finding),
        "cloudwarden/account": finding.account if aws_account(finding) != finding.account else "",
    }
    if finding.suppression is not None:
        fields["cloudwarden/suppression/reason"] = finding.suppression.reason
        fields["cloudwarden/suppression/expires"] = finding.suppression.expires
    return {key: _clip(value, PRODUCT_FIELD_LIMIT) for key, value in fields.items() if value.strip()}


def _clip(text: str, limit: int) -> str:
    """`text` within `limit` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
