"""A fixed report for every reporter: two accounts, every status, and one finding full of hostile text.

The rules' documentation is fixed here too, so that editing a rule's wording does not change the golden
files (reporters read a rule's documentation only: no check is needed). So is the compliance catalogue:
its frameworks and the sample rules' controls are the sample's own, not `compliance/mapping.json`'s."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from cloudwarden.compliance import load_catalogue
from cloudwarden.findings import (
    Finding,
    Report,
    Resource,
    ScanSummary,
    Severity,
    Status,
    Suppression,
    ToolInfo,
    finding_id,
)
from cloudwarden.report.asff import render_asff
from cloudwarden.report.csv_report import render_csv
from cloudwarden.report.junit import render_junit
from cloudwarden.report.ocsf import render_ocsf
from cloudwarden.report.sarif import render_sarif
from cloudwarden.ruledoc import RuleDoc

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"
HOSTILE_ID = "=cmd|' /C calc'!A0"
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_MESSAGE = (
    "=cmd|' /C calc'!A0 \x1b[31mred\x1b[0m nul\x00 cdata]]> <img src=x onerror=alert(1)> \u202eevil"
)


def _rule(rule_id: str, section: str, guideline: str, severity: Severity, resource_type: str) -> RuleDoc:
    return RuleDoc(
        id=rule_id,
        section=section,
        guideline=guideline,
        audited_upstream=rule_id in {"root-mfa", "s3-no-public-access"},
        severity=severity,
        resource_type=resource_type,
        rationale=f"Why {rule_id} matters.",
        remediation=f"How to fix {rule_id}:\n1. do this\n2. then that",
        permissions=(),
    )


RULES: tuple[RuleDoc, ...] = (
    _rule("root-strong-password", "Root User", "Strong root password", Severity.HIGH, "AWS::::Account"),
    _rule("root-mfa", "Root User", "MFA for the root user", Severity.CRITICAL, "AWS::::Account"),
    _rule("iam-user-mfa", "Root User", "MFA for IAM users", Severity.HIGH, "AWS::IAM::User"),
    _rule(
        "cloudtrail-segregated-storage",
        "CloudTrail",
        "Segregated storage",
        Severity.CRITICAL,
        "AWS::::Account",
    ),
    _rule(
        "route53-no-dangling-records",
        "Route53",
        "No dangling records",
        Severity.HIGH,
        "AWS::Route53::RecordSet",
    ),
    _rule("s3-no-public-access", "S3", "No public access", Severity.CRITICAL, "AWS::S3::Bucket"),
    _rule(
        "sg-inbound-rules-only",
        "Security Groups",
        "Inbound rules only",
        Severity.MEDIUM,
        "AWS::EC2::SecurityGroup",
    ),
    _rule(
        "sg-minimal-inbound",
        "Security Groups",
        "Minimal inbound access",
        Severity.CRITICAL,
        "AWS::EC2::SecurityGroup",
    ),
    _rule(
        "sg-egress-via-nsm-only",
        "Security Groups",
        "Egress through the proxy only",
        Severity.MEDIUM,
        "AWS::EC2::SecurityGroup",
    ),
)
RULES_BY_ID = {rule.id: rule for rule in RULES}

CIS_3 = "cis-aws-foundations-3.0.0"
CIS_5 = "cis-aws-foundations-5.0.0"
FSBP = "aws-fsbp"


def _framework(framework_id: str, name: str, version: str, controls: dict[str, str]) -> dict[str, object]:
    return {
        "id": framework_id,
        "name": name,
        "version": version,
        "requirement_prefix": f"{name} v{version}",
        "sources": [f"https://example.org/{framework_id}"],
        "controls": [{"id": control, "title": title} for control, title in controls.items()],
    }


def _controls(*refs: tuple[str, str, str]) -> dict[str, object]:
    return {
        "controls": [
            {"framework": framework, "control": control, "relationship": relationship}
            for framework, control, relationship in refs
        ]
    }


CATALOGUE = load_catalogue(
    json.dumps(
        {
            "frameworks": [
                _framework(
                    CIS_3,
                    "CIS AWS Foundations Benchmark",
                    "3.0.0",
                    {
                        "1.5": "Ensure MFA is enabled for the 'root' user account",
                        "1.10": "Ensure MFA is enabled for all IAM users that have a console password",
                        "2.1.4": "Ensure that S3 Buckets are configured with 'Block public access'",
                        "5.2": "Ensure no security groups allow ingress from 0.0.0.0/0 to remote admin ports",
                        "5.3": "Ensure no security groups allow ingress from ::/0 to remote admin ports",
                    },
                ),
                _framework(
                    CIS_5,
                    "CIS AWS Foundations Benchmark",
                    "5.0.0",
                    {
                        "1.4": "Ensure MFA is enabled for the 'root' user account",
                        "1.9": "Ensure MFA is enabled for all IAM users that have a console password",
                    },
                ),
                _framework(
                    FSBP,
                    "AWS Foundational Security Best Practices",
                    "1.0.0",
                    {
                        "IAM.5": "MFA should be enabled for all IAM users that have a console password",
                        "IAM.6": "Hardware MFA should be enabled for the root user",
                        "S3.8": "S3 general purpose buckets should block public access",
                        "EC2.19": "Security groups should not allow unrestricted access to high-risk ports",
                    },
                ),
            ],
            "rules": {
                "root-strong-password": {
                    "unmapped": {CIS_3: "no control on the root password's strength"},
                },
                "root-mfa": _controls(
                    (CIS_3, "1.5", "equivalent"), (CIS_5, "1.4", "equivalent"), (FSBP, "IAM.6", "partial")
                ),
                "iam-user-mfa": _controls(
                    (CIS_3, "1.10", "partial"), (CIS_5, "1.9", "partial"), (FSBP, "IAM.5", "partial")
                ),
                "s3-no-public-access": _controls((CIS_3, "2.1.4", "partial"), (FSBP, "S3.8", "partial")),
                "sg-minimal-inbound": _controls(
                    (CIS_3, "5.2", "partial"), (CIS_3, "5.3", "partial"), (FSBP, "EC2.19", "partial")
                ),
            },
        }
    )
)
"""The sample's catalogue: three frameworks, some of whose controls the sample rules assess."""


def _account(account_id: str) -> Resource:
    return Resource(
        type="AWS::::Account", id=account_id, arn=f"arn:aws:iam::{account_id}:root", name=account_id
    )


def _finding(
    rule_id: str,
    status: Status,
    account: str,
    region: str,
    resource: Resource,
    message: str,
    severity: Severity | None = None,
    evidence: dict[str, object] | None = None,
    suppression: Suppression | None = None,
) -> Finding:
    rule = RULES_BY_ID[rule_id]
    return Finding(
        id=finding_id(rule_id, account, resource.id),
        rule=rule_id,
        title=rule.title,
        status=status,
        severity=severity or rule.severity,
        account=account,
        region=region,
        resource=resource,
        message=message,
        evidence=evidence or {},
        remediation=rule.remediation,
        suppression=suppression,
        compliance=CATALOGUE.compliance_of(rule_id),
    )


def _user(account: str, name: str, display: str | None = None) -> Resource:
    return Resource(
        type="AWS::IAM::User", id=name, arn=f"arn:aws:iam::{account}:user/{name}", name=display or name
    )


def _bucket(name: str) -> Resource:
    return Resource(type="AWS::S3::Bucket", id=name, arn=f"arn:aws:s3:::{name}", name=name)


FINDINGS: tuple[Finding, ...] = (
    _finding(
        "root-mfa",
        Status.FAIL,
        ACCOUNT_A,
        "global",
        _account(ACCOUNT_A),
        "the root user has no MFA device",
        evidence={"mfa_active": False},
    ),
    _finding(
        "root-mfa", Status.PASS, ACCOUNT_B, "global", _account(ACCOUNT_B), "the root user has a hardware MFA"
    ),
    _finding(
        "root-strong-password",
        Status.MANUAL,
        ACCOUNT_A,
        "global",
        _account(ACCOUNT_A),
        "no API can judge the root password; attest it",
    ),
    _finding(
        "iam-user-mfa",
        Status.FAIL,
        ACCOUNT_A,
        "global",
        _user(ACCOUNT_A, "alice"),
        "the user can sign in without MFA",
        evidence={"password_enabled": True, "mfa_active": False},
    ),
    _finding(
        "iam-user-mfa",
        Status.SUPPRESSED,
        ACCOUNT_B,
        "global",
        _user(ACCOUNT_B, "ci-deploy"),
        "the user's access keys work without MFA",
        severity=Severity.MEDIUM,
        suppression=Suppression(
            reason="CI users move to OIDC roles in Q1", expires="2027-03-31", status_underneath=Status.FAIL
        ),
    ),
    _finding(
        "iam-user-mfa",
        Status.FAIL,
        ACCOUNT_A,
        "global",
        _user(ACCOUNT_A, HOSTILE_ID, HOSTILE_NAME),
        HOSTILE_MESSAGE,
        evidence={"name": HOSTILE_NAME, "raw": "\x1b]0;title\x07"},
    ),
    _finding(
        "cloudtrail-segregated-storage",
        Status.UNKNOWN,
        ACCOUNT_B,
        "global",
        _account(ACCOUNT_B),
        "the trails could not be read: cloudtrail:DescribeTrails in eu-west-1: AccessDenied",
        evidence={"errors": [{"operation": "cloudtrail.DescribeTrails", "code": "AccessDenied"}]},
    ),
    _finding(
        "route53-no-dangling-records",
        Status.FAIL,
        ACCOUNT_A,
        "global",
        Resource(
            type="AWS::Route53::RecordSet", id="Z0123456789/old.example.org/CNAME", name="old.example.org."
        ),
        "old.example.org points at a CloudFront distribution the account does not own",
        severity=Severity.LOW,
    ),
    _finding(
        "s3-no-public-access",
        Status.FAIL,
        ACCOUNT_A,
        "us-east-1",
        _bucket("public-assets"),
        "the bucket policy grants s3:GetObject to everyone",
        severity=Severity.HIGH,
    ),
    _finding("s3-no-public-access", Status.PASS, ACCOUNT_B, "eu-west-1", _bucket("logs-b"), "not public"),
    _finding(
        "sg-inbound-rules-only",
        Status.PASS,
        ACCOUNT_A,
        "us-east-1",
        Resource(type="AWS::EC2::NetworkInterface", id="eni-0abc", name="web server"),
        "the interface's groups have no outbound rules",
    ),
    _finding(
        "sg-minimal-inbound",
        Status.FAIL,
        ACCOUNT_B,
        "eu-west-1",
        Resource(
            type="AWS::EC2::SecurityGroup",
            id="sg-0123456789abcdef0",
            arn=f"arn:aws:ec2:eu-west-1:{ACCOUNT_B}:security-group/sg-0123456789abcdef0",
            name="web",
        ),
        "tcp 22 is open to 0.0.0.0/0",
        severity=Severity.MEDIUM,
        evidence={"rules": [{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "0.0.0.0/0"}]},
    ),
)
HOSTILE = FINDINGS[5]


def sample_report(findings: tuple[Finding, ...] = FINDINGS) -> Report:
    return Report(
        scan=ScanSummary(
            started_at="2025-06-15T11:58:30+00:00",
            finished_at="2025-06-15T12:00:00+00:00",
            tool=ToolInfo(name="cloudwarden", version="1.2.3"),
            accounts=(ACCOUNT_A, ACCOUNT_B),
            regions=("eu-west-1", "us-east-1"),
            errors=(),
            stats={},
        ),
        findings=findings,
    )


RENDERERS: dict[str, Callable[[Report, Sequence[RuleDoc]], str]] = {
    "sarif": lambda report, rules: render_sarif(report, rules, CATALOGUE),
    "ocsf": lambda report, rules: render_ocsf(report, rules, CATALOGUE),
    "asff": lambda report, rules: render_asff(report, rules, CATALOGUE),
    "junit": render_junit,
    "csv": render_csv,
}
"""Each format's renderer, with the sample's catalogue."""
