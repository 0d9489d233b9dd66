"""A fixed report for the HTML report's tests: two accounts, every status, and hostile AWS data.

The findings carry the controls of the report tests' sample catalogue (`CATALOGUE`), not the real one."""

from __future__ import annotations

from typing import Any

from cloudwarden.findings import (
    Finding,
    Report,
    Resource,
    ScanSummary,
    Severity,
    Status,
    Suppression,
    ToolInfo,
)
from tests.report.sample import CATALOGUE

PRODUCTION = "111122223333"
STAGING = "444455556666"

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
"""A bucket name as an attacker who can name resources would write it."""
HOSTILE_TEXT = "</script><script>alert(1)</script>"
"""Text that ends a script element if it is ever put into one unescaped."""
HOSTILE_ATTRIBUTE = '" onmouseover="alert(1)" data-x=\''
"""A tag value that breaks out of a quoted attribute if it is ever put into one unescaped."""


def _account(account: str) -> Resource:
    return Resource(type="AWS::::Account", id=account, arn=f"arn:aws:iam::{account}:root", name=account)


def _finding(
    number: int,
    rule: str,
    status: Status,
    severity: Severity,
    account: str,
    region: str,
    resource: Resource,
    message: str,
    evidence: dict[str, Any] | None = None,
    remediation: str = "",
    suppression: Suppression | None = None,
) -> Finding:
    return Finding(
        id=f"cw-{number:024d}",
        rule=rule,
        title=rule,
        status=status,
        severity=severity,
        account=account,
        region=region,
        resource=resource,
        message=message,
        evidence=evidence or {},
        remediation=remediation,
        suppression=suppression,
        compliance=CATALOGUE.compliance_of(rule),
    )


PUBLIC_BUCKET = _finding(
    1,
    "s3-no-public-access",
    Status.FAIL,
    Severity.CRITICAL,
    PRODUCTION,
    "eu-west-1",
    Resource(type="AWS::S3::Bucket", id=HOSTILE_NAME, arn=f"arn:aws:s3:::{HOSTILE_NAME}", name=HOSTILE_NAME),
    "the public can write to the bucket (statement AllowAll)",
    evidence={
        "statement": {"Sid": "AllowAll", "Principal": "*", "Action": "s3:*"},
        "tags": {"Name": HOSTILE_NAME, "owner": HOSTILE_ATTRIBUTE},
        "note": HOSTILE_TEXT,
    },
    remediation="Remove statement AllowAll from the bucket policy.",
)
PRIVATE_BUCKET = _finding(
    2,
    "s3-no-public-access",
    Status.PASS,
    Severity.HIGH,
    PRODUCTION,
    "us-east-1",
    Resource(type="AWS::S3::Bucket", id="logs-archive", arn="arn:aws:s3:::logs-archive", name="logs-archive"),
    "the bucket is not public",
)
STAGING_ROOT_WITHOUT_MFA = _finding(
    3,
    "root-mfa",
    Status.FAIL,
    Severity.CRITICAL,
    STAGING,
    "global",
    _account(STAGING),
    HOSTILE_TEXT,
    evidence={"mfa": False, "comment": HOSTILE_TEXT},
)
PRODUCTION_ROOT_WITH_MFA = _finding(
    4,
    "root-mfa",
    Status.PASS,
    Severity.CRITICAL,
    PRODUCTION,
    "global",
    _account(PRODUCTION),
    "the root user has a hardware MFA device",
    evidence={"mfa": True, "device": "hardware"},
)
SSH_OPEN_TO_THE_WORLD = _finding(
    5,
    "sg-minimal-inbound",
    Status.FAIL,
    Severity.MEDIUM,
    PRODUCTION,
    "eu-west-1",
    Resource(
        type="AWS::EC2::SecurityGroup",
        id="sg-0123456789abcdef0",
        arn="arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0123456789abcdef0",
        name="web-frontend",
    ),
    "inbound tcp 22 is open to 0.0.0.0/0",
    evidence={"rules": [{"protocol": "tcp", "ports": "22", "source": "0.0.0.0/0"}]},
    remediation="Remove the inbound rule tcp 22 from 0.0.0.0/0.",
)
TRAIL_UNREADABLE = _finding(
    6,
    "cloudtrail-segregated-storage",
    Status.UNKNOWN,
    Severity.CRITICAL,
    STAGING,
    "global",
    _account(STAGING),
    "trails could not be read: cloudtrail:DescribeTrails in eu-west-1 failed: AccessDenied",
)
ROOT_PASSWORD_TO_ATTEST = _finding(
    7,
    "root-strong-password",
    Status.MANUAL,
    Severity.HIGH,
    PRODUCTION,
    "global",
    _account(PRODUCTION),
    "the root user has a password: its strength needs an attestation",
)
CI_USER_SUPPRESSED = _finding(
    8,
    "iam-user-mfa",
    Status.SUPPRESSED,
    Severity.HIGH,
    PRODUCTION,
    "global",
    Resource(type="AWS::IAM::User", id="ci-deploy", arn="arn:aws:iam::111122223333:user/ci-deploy"),
    "the user can sign in without MFA",
    suppression=Suppression(
        reason="CI users move to OIDC roles in Q1", expires="2027-03-31", status_underneath=Status.FAIL
    ),
)
USER_WITHOUT_MFA = _finding(
    9,
    "iam-user-mfa",
    Status.FAIL,
    Severity.HIGH,
    STAGING,
    "global",
    Resource(type="AWS::IAM::User", id="alice", arn="arn:aws:iam::444455556666:user/alice"),
    "the user can sign in without MFA",
)

FINDINGS = (
    PUBLIC_BUCKET,
    PRIVATE_BUCKET,
    STAGING_ROOT_WITHOUT_MFA,
    PRODUCTION_ROOT_WITH_MFA,
    SSH_OPEN_TO_THE_WORLD,
    TRAIL_UNREADABLE,
    ROOT_PASSWORD_TO_ATTEST,
    CI_USER_SUPPRESSED,
    USER_WITHOUT_MFA,
)

SCAN = ScanSummary(
    started_at="2025-06-15T10:00:00+00:00",
    finished_at="2025-06-15T10:02:30+00:00",
    tool=ToolInfo(name="cloudwarden", version="9.8.7"),
    accounts=(PRODUCTION, STAGING),
    regions=("eu-west-1", "us-east-1"),
    errors=(
        {
            "account": STAGING,
            "service": "cloudtrail",
            "operation": "DescribeTrails",
            "region": "eu-west-1",
            "code": "AccessDenied",
            "message": HOSTILE_TEXT,
            "resource": None,
        },
    ),
    stats={"operations": {}},
    warnings=(f"suppression for iam-user-mfa on {HOSTILE_NAME} matches nothing",),
)

REPORT = Report(scan=SCAN, findings=FINDINGS)
