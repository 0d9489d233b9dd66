"""ASFF: each finding is a valid `BatchImportFindings` member by botocore's Security Hub model, within
Security Hub's documented limits (which the model does not carry)."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import botocore.session
import msgspec
import pytest
from botocore.model import ListShape, MapShape, ServiceModel, Shape, StringShape, StructureShape
from botocore.validate import ParamValidator

from cloudwarden.compliance import Catalogue
from cloudwarden.findings import ComplianceRef, Report, Severity
from cloudwarden.report.asff import render_asff
from cloudwarden.ruledoc import RuleDoc
from cloudwarden.rules import RULES as REAL_RULES

from .sample import ACCOUNT_A, ACCOUNT_B, CATALOGUE, CIS_3, HOSTILE, sample_report

LIMITS = {"Id": 512, "GeneratorId": 512, "Title": 256, "Description": 1024}
"""Security Hub's limits on a finding's text (AWS Security Finding Format, required attributes)."""
RECOMMENDATION_LIMIT = 512
RELATED_REQUIREMENTS_LIMIT = 32
"""`Compliance.RelatedRequirements`: at most 32 items (Security Hub's API reference, `Compliance`)."""
_REQUIREMENT = {
    "cis-aws-foundations-3.0.0": "CIS AWS Foundations Benchmark v3.0.0",
    "cis-aws-foundations-5.0.0": "CIS AWS Foundations Benchmark v5.0.0",
    "aws-fsbp": "AWS Foundational Security Best Practices v1.0.0",
}
"""How the sample catalogue's frameworks are named in requirements."""

PRODUCT_FIELDS_LIMIT = 50
PRODUCT_FIELD_KEY_LIMIT = 128
PRODUCT_FIELD_VALUE_LIMIT = 2048
RESOURCE_TYPES_WITHOUT_DETAILS = {"AwsAccount", "Other"}


@cache
def _securityhub() -> ServiceModel:
    return botocore.session.get_session().get_service_model("securityhub")


def _import_findings_input() -> StructureShape:
    shape = _securityhub().operation_model("BatchImportFindings").input_shape
    assert isinstance(shape, StructureShape)
    return shape


def _resource_types() -> set[str]:
    """The resource types Security Hub has details for (`AwsS3Bucket`, ...)."""
    details = _securityhub().shape_for("ResourceDetails")
    assert isinstance(details, StructureShape)
    return set(details.members)


def _model_problems(value: Any, shape: Shape, path: str) -> list[str]:
    """What botocore's parameter validation leaves out: enums and the non-empty string pattern."""
    problems: list[str] = []
    if isinstance(shape, StructureShape):
        for name, member in shape.members.items():
            if name in value:
                problems += _model_problems(value[name], member, f"{path}.{name}")
    elif isinstance(shape, ListShape):
        for index, item in enumerate(value):
            problems += _model_problems(item, shape.member, f"{path}[{index}]")
    elif isinstance(shape, MapShape):
        for key, item in value.items():
            problems += _model_problems(key, shape.key, f"{path} key {key!r}")
            problems += _model_problems(item, shape.value, f"{path}[{key!r}]")
    elif isinstance(shape, StringShape):
        if shape.enum and value not in shape.enum:
            problems.append(f"{path}: {value!r} is not one of {shape.enum}")
        pattern = shape.metadata.get("pattern")
        if pattern and not re.fullmatch(pattern, value, re.DOTALL):
            problems.append(f"{path}: {value!r} does not match {pattern}")
    return problems


def _validate(findings: list[dict[str, Any]]) -> None:
    request = {"Findings": findings}
    report = ParamValidator().validate(request, _import_findings_input())
    assert not report.has_errors(), report.generate_report()
    assert not _model_problems(request, _import_findings_input(), "")
    resource_types = _resource_types() | RESOURCE_TYPES_WITHOUT_DETAILS
    for finding in findings:
        for field, limit in LIMITS.items():
            assert len(finding[field]) <= limit, field
        if "Remediation" in finding:
            assert len(finding["Remediation"]["Recommendation"]["Text"]) <= RECOMMENDATION_LIMIT
        related = finding["Compliance"].get("RelatedRequirements", [])
        assert len(related) <= RELATED_REQUIREMENTS_LIMIT
        assert len(set(related)) == len(related)
        fields = finding["ProductFields"]
        assert len(fields) <= PRODUCT_FIELDS_LIMIT
        assert all(len(key) <= PRODUCT_FIELD_KEY_LIMIT for key in fields)
        assert all(len(value) <= PRODUCT_FIELD_VALUE_LIMIT for value in fields.values())
        assert all(not key.startswith("aws/") for key in fields)
        for resource in finding["Resources"]:
            assert resource["Type"] in resource_types
        assert len(msgspec.json.encode(finding)) < 240 * 1024


def _findings(
    report: Report, rules: tuple[RuleDoc, ...], catalogue: Catalogue = CATALOGUE
) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = json.loads(render_asff(report, rules, catalogue))
    return findings


def test_the_sample_report_is_valid_for_batch_import(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    findings = _findings(report, rules)
    assert len(findings) == len(report.findings)
    _validate(findings)


def test_findings_with_the_real_rules_are_valid() -> None:
    """With the real catalogue too (`compliance/mapping.json`)."""
    _validate(json.loads(render_asff(sample_report(), REAL_RULES)))


@pytest.mark.parametrize(
    ("field", "value"),
    [("Title", None), ("Workflow", {"Status": "OPEN"}), ("Description", "  "), ("Bogus", "x")],
)
def test_the_check_rejects_what_security_hub_refuses(
    field: str, value: object, report: Report, rules: tuple[RuleDoc, ...]
) -> None:
    finding = _findings(report, rules)[0]
    if value is None:
        del finding[field]
    else:
        finding[field] = value
    with pytest.raises(AssertionError):
        _validate([finding])


def test_identity_product_and_times(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    findings = _findings(report, rules)
    for finding, source in zip(findings, report.findings, strict=True):
        assert finding["SchemaVersion"] == "2018-10-08"
        assert finding["Id"] == source.id
        assert finding["GeneratorId"] == source.rule
        assert finding["AwsAccountId"] == source.account
        assert (finding["CreatedAt"], finding["UpdatedAt"]) == (
            "2025-06-15T11:58:30Z",
            "2025-06-15T12:00:00Z",
        )
        assert finding["Types"] == ["Software and Configuration Checks/AWS Security Best Practices"]
        assert finding["RecordState"] == "ACTIVE"
        region = "us-east-1" if source.region == "global" else source.region
        account = source.account
        assert finding["ProductArn"] == f"arn:aws:securityhub:{region}:{account}:product/{account}/default"


def test_statuses_follow_security_hub_conventions(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    rows = [
        (
            finding["ProductFields"]["cloudwarden/status"],
            finding["Compliance"]["Status"],
            [reason["ReasonCode"] for reason in finding["Compliance"].get("StatusReasons", [])],
            finding["Workflow"]["Status"],
            finding["Severity"]["Label"],
            finding["Severity"]["Original"],
        )
        for finding in _findings(report, rules)
    ]
    assert rows == [
        ("FAIL", "FAILED", [], "NEW", "CRITICAL", "critical"),
        ("PASS", "PASSED", [], "RESOLVED", "INFORMATIONAL", "critical"),
        ("MANUAL", "WARNING", ["CLOUDWARDEN_MANUAL_CHECK"], "NEW", "HIGH", "high"),
        ("FAIL", "FAILED", [], "NEW", "HIGH", "high"),
        ("SUPPRESSED", "FAILED", [], "SUPPRESSED", "MEDIUM", "medium"),
        ("FAIL", "FAILED", [], "NEW", "HIGH", "high"),
        ("UNKNOWN", "NOT_AVAILABLE", ["CLOUDWARDEN_DATA_UNREADABLE"], "NEW", "CRITICAL", "critical"),
        ("FAIL", "FAILED", [], "NEW", "LOW", "low"),
        ("FAIL", "FAILED", [], "NEW", "HIGH", "high"),
        ("PASS", "PASSED", [], "RESOLVED", "INFORMATIONAL", "critical"),
        ("PASS", "PASSED", [], "RESOLVED", "INFORMATIONAL", "medium"),
        ("FAIL", "FAILED", [], "NEW", "MEDIUM", "medium"),
    ]
    for finding in _findings(report, rules):
        assert finding["FindingProviderFields"] == {
            "Severity": finding["Severity"],
            "Types": finding["Types"],
        }


def test_every_severity_has_its_label(rules: tuple[RuleDoc, ...]) -> None:
    labels = {
        severity: _findings(sample_report((msgspec.structs.replace(HOSTILE, severity=severity),)), rules)[0][
            "Severity"
        ]["Label"]
        for severity in Severity
    }
    assert labels == {
        Severity.CRITICAL: "CRITICAL",
        Severity.HIGH: "HIGH",
        Severity.MEDIUM: "MEDIUM",
        Severity.LOW: "LOW",
        Severity.INFO: "INFORMATIONAL",
    }


def test_resources_and_their_types(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    resources = [finding["Resources"] for finding in _findings(report, rules)]
    assert [(resource["Type"], resource["Id"], resource["Region"]) for (resource,) in resources] == [
        ("AwsAccount", f"arn:aws:iam::{ACCOUNT_A}:root", "us-east-1"),
        ("AwsAccount", f"arn:aws:iam::{ACCOUNT_B}:root", "us-east-1"),
        ("AwsAccount", f"arn:aws:iam::{ACCOUNT_A}:root", "us-east-1"),
        ("AwsIamUser", f"arn:aws:iam::{ACCOUNT_A}:user/alice", "us-east-1"),
        ("AwsIamUser", f"arn:aws:iam::{ACCOUNT_B}:user/ci-deploy", "us-east-1"),
        ("AwsIamUser", f"arn:aws:iam::{ACCOUNT_A}:user/=cmd|' /C calc'!A0", "us-east-1"),
        ("AwsAccount", f"arn:aws:iam::{ACCOUNT_B}:root", "us-east-1"),
        ("Other", "Z0123456789/old.example.org/CNAME", "us-east-1"),
        ("AwsS3Bucket", "arn:aws:s3:::public-assets", "us-east-1"),
        ("AwsS3Bucket", "arn:aws:s3:::logs-b", "eu-west-1"),
        ("AwsEc2NetworkInterface", "eni-0abc", "us-east-1"),
        (
            "AwsEc2SecurityGroup",
            f"arn:aws:ec2:eu-west-1:{ACCOUNT_B}:security-group/sg-0123456789abcdef0",
            "eu-west-1",
        ),
    ]
    assert all(resource["Partition"] == "aws" for (resource,) in resources)


def test_product_fields_keep_what_asff_has_no_field_for(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    suppressed = _findings(report, rules)[4]
    suppressed_compliance = "; ".join(
        f"{_REQUIREMENT[ref.framework]}/{ref.control} ({ref.relationship})"
        for ref in report.findings[4].compliance
    )
    assert suppressed_compliance
    assert suppressed["ProductFields"] == {
        "cloudwarden/status": "SUPPRESSED",
        "cloudwarden/compliance": suppressed_compliance,
        "cloudwarden/region": "global",
        "cloudwarden/resource/type": "AWS::IAM::User",
        "cloudwarden/resource/id": "ci-deploy",
        "cloudwarden/resource/name": "ci-deploy",
        "cloudwarden/suppression/reason": "CI users move to OIDC roles in Q1",
        "cloudwarden/suppression/expires": "2027-03-31",
    }


def test_long_text_is_cut_to_security_hub_limits(rules: tuple[RuleDoc, ...]) -> None:
    finding = msgspec.structs.replace(
        HOSTILE,
        title="t" * 300,
        message="m" * 5000,
        remediation="r" * 5000,
        resource=msgspec.structs.replace(HOSTILE.resource, name="n" * 5000),
    )
    (asff,) = _findings(sample_report((finding,)), rules)
    _validate([asff])
    assert asff["Title"] == "t" * 255 + "…"
    assert asff["Description"] == "m" * 1023 + "…"
    assert asff["Remediation"]["Recommendation"]["Text"] == "r" * 511 + "…"
    assert asff["ProductFields"]["cloudwarden/resource/name"] == "n" * 2047 + "…"


def test_an_empty_message_or_remediation_leaves_no_empty_string(rules: tuple[RuleDoc, ...]) -> None:
    finding = msgspec.structs.replace(
        HOSTILE, message=" ", remediation="", resource=msgspec.structs.replace(HOSTILE.resource, name=None)
    )
    (asff,) = _findings(sample_report((finding,)), rules)
    _validate([asff])
    assert asff["Description"] == HOSTILE.title
    assert "Remediation" not in asff
    assert "cloudwarden/resource/name" not in asff["ProductFields"]


@pytest.mark.parametrize(
    ("region", "arn", "partition", "product_region"),
    [
        ("cn-north-1", None, "aws-cn", "cn-north-1"),
        ("global", "arn:aws-cn:iam::111111111111:user/x", "aws-cn", "cn-north-1"),
        ("us-gov-west-1", None, "aws-us-gov", "us-gov-west-1"),
        ("global", None, "aws", "us-east-1"),
    ],
)
def test_partitions_and_home_regions(
    region: str, arn: str | None, partition: str, product_region: str, rules: tuple[RuleDoc, ...]
) -> None:
    finding = msgspec.structs.replace(
        HOSTILE, region=region, resource=msgspec.structs.replace(HOSTILE.resource, arn=arn)
    )
    (asff,) = _findings(sample_report((finding,)), rules)
    _validate([asff])
    assert (
        asff["ProductArn"]
        == f"arn:{partition}:securityhub:{product_region}:{ACCOUNT_A}:product/{ACCOUNT_A}/default"
    )
    assert (asff["Resources"][0]["Partition"], asff["Resources"][0]["Region"]) == (partition, product_region)


def test_related_requirements_are_the_equivalent_controls_as_security_hub_names_them(
    report: Report, rules: tuple[RuleDoc, ...]
) -> None:
    """Security Hub reads a PASSED finding as passing each related requirement: only the controls the
    rule is `equivalent` to are there; every control, with its relationship, is in ProductFields."""
    findings = {
        (finding["GeneratorId"], finding["ProductFields"]["cloudwarden/status"]): finding
        for finding in _findings(report, rules)
    }
    related = {key: finding["Compliance"].get("RelatedRequirements") for key, finding in findings.items()}
    assert related[("root-mfa", "FAIL")] == [
        "CIS AWS Foundations Benchmark v3.0.0/1.5",
        "CIS AWS Foundations Benchmark v5.0.0/1.4",
    ]
    assert related[("root-mfa", "PASS")] == related[("root-mfa", "FAIL")]
    assert findings[("root-mfa", "PASS")]["ProductFields"]["cloudwarden/compliance"] == (
        "CIS AWS Foundations Benchmark v3.0.0/1.5 (equivalent); "
        "CIS AWS Foundations Benchmark v5.0.0/1.4 (equivalent); "
        "AWS Foundational Security Best Practices v1.0.0/IAM.6 (partial)"
    )
    assert related[("sg-minimal-inbound", "FAIL")] is None  # partial only
    assert findings[("sg-minimal-inbound", "FAIL")]["ProductFields"]["cloudwarden/compliance"] == (
        "CIS AWS Foundations Benchmark v3.0.0/5.2 (partial); "
        "CIS AWS Foundations Benchmark v3.0.0/5.3 (partial); "
        "AWS Foundational Security Best Practices v1.0.0/EC2.19 (partial)"
    )
    assert related[("route53-no-dangling-records", "FAIL")] is None
    assert "cloudwarden/compliance" not in findings[("route53-no-dangling-records", "FAIL")]["ProductFields"]
    assert related[("root-strong-password", "MANUAL")] is None


def test_a_framework_the_catalogue_lacks_is_named_by_its_id(rules: tuple[RuleDoc, ...]) -> None:
    finding = msgspec.structs.replace(
        HOSTILE,
        compliance=(ComplianceRef(framework="retired-framework", control="7", relationship="equivalent"),),
    )
    (asff,) = _findings(sample_report((finding,)), rules)
    _validate([asff])
    assert asff["Compliance"]["RelatedRequirements"] == ["retired-framework/7"]


def test_related_requirements_are_cut_to_security_hubs_limit(rules: tuple[RuleDoc, ...]) -> None:
    controls = tuple(
        ComplianceRef(framework=CIS_3, control=f"9.{number}", relationship="equivalent")
        for number in range(40)
    )
    finding = msgspec.structs.replace(HOSTILE, compliance=(*controls, controls[0]))
    (asff,) = _findings(sample_report((finding,)), rules)
    _validate([asff])
    assert asff["Compliance"]["RelatedRequirements"] == [
        f"CIS AWS Foundations Benchmark v3.0.0/9.{number}" for number in range(32)
    ]


def test_the_check_rejects_too_many_related_requirements(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    finding = _findings(report, rules)[0]
    finding["Compliance"]["RelatedRequirements"] = [f"CIS/{number}" for number in range(33)]
    with pytest.raises(AssertionError):
        _validate([finding])
