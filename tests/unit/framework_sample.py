"""A hand-written compliance catalogue and findings for the framework view's tests: every way a control
can roll up, independent of the real mapping's data."""

from __future__ import annotations

import json

from cloudwarden.compliance import Catalogue, load_catalogue
from cloudwarden.findings import Finding, Resource, Severity, Status, Suppression, finding_id

FRAMEWORK = "test-benchmark-1.0.0"
OTHER_FRAMEWORK = "other-benchmark-2.0.0"
PRODUCTION = "111122223333"
STAGING = "444455556666"

HOSTILE_TITLE = "<img src=x onerror=alert(1)> \x1b[31mred\x1b[0m \u202eevil"
"""A control title as a hostile data file would write it (the data is ours, but nothing trusts it)."""


def _control(control_id: str, title: str) -> dict[str, str]:
    return {"id": control_id, "title": title}


def _ref(control: str, relationship: str = "equivalent", framework: str = FRAMEWORK) -> dict[str, str]:
    return {"framework": framework, "control": control, "relationship": relationship}


CATALOGUE_JSON = {
    "frameworks": [
        {
            "id": FRAMEWORK,
            "name": "Test Benchmark",
            "version": "1.0.0",
            "requirement_prefix": "Test Benchmark v1.0.0",
            "sources": ["https://example.org/benchmark"],
            "catalogue": "every control of the benchmark",
            "controls": [
                _control("1.1", "Root has MFA"),
                _control("1.2", "Console users have MFA"),
                _control("1.3", "Maintain contact details"),
                _control("1.4", "Root has a strong password"),
                _control("1.5", "Root has no access keys"),
                _control("2.1", "Buckets are not public"),
                _control("3.1", "CloudTrail goes to segregated storage"),
                _control("4.1", "No open inbound access"),
                _control("4.2", "Inbound rules govern access"),
                _control("9.9", HOSTILE_TITLE),
            ],
        },
        {
            "id": OTHER_FRAMEWORK,
            "name": "Other",
            "version": "2.0.0",
            "requirement_prefix": "Other v2.0.0",
            "sources": [],
            "controls": [_control("A", "Anything")],
        },
    ],
    "rules": {
        "root-mfa": {"controls": [_ref("1.1"), _ref("A", framework=OTHER_FRAMEWORK)]},
        "iam-user-mfa": {"controls": [_ref("1.2")]},
        "root-strong-password": {"controls": [_ref("1.4")]},
        "root-no-access-keys": {"controls": [_ref("1.5")]},
        "s3-no-public-access": {"controls": [_ref("2.1", "partial")]},
        "cloudtrail-segregated-storage": {"controls": [_ref("3.1", "partial")]},
        "sg-minimal-inbound": {"controls": [_ref("4.1")]},
        "sg-no-internal-all-ports": {"controls": [_ref("4.1", "partial")]},
        "sg-inbound-rules-only": {"controls": [_ref("4.2"), _ref("9.9", "partial")]},
        "root-not-used": {"controls": [], "unmapped": {FRAMEWORK: "no control covers root's recent use"}},
        "route53-no-dangling-records": {"unmapped": {FRAMEWORK: "no control covers dangling DNS records"}},
    },
}


def catalogue() -> Catalogue:
    return load_catalogue(json.dumps(CATALOGUE_JSON))


def finding(
    rule: str,
    status: Status,
    resource_id: str,
    account: str = PRODUCTION,
    severity: Severity = Severity.HIGH,
    message: str = "",
    suppressed: bool = False,
) -> Finding:
    return Finding(
        id=finding_id(rule, account, resource_id),
        rule=rule,
        title=rule,
        status=status,
        severity=severity,
        account=account,
        region="global",
        resource=Resource(type="AWS::Test::Thing", id=resource_id),
        message=message or f"{rule} on {resource_id}: {status.value}",
        suppression=(
            Suppression(reason="accepted by secops", expires="2027-06-30", status_underneath=Status.FAIL)
            if suppressed
            else None
        ),
    )


ROOT_MFA_FAILS_IN_STAGING = finding(
    "root-mfa", Status.FAIL, STAGING, account=STAGING, severity=Severity.CRITICAL
)
SUPPRESSED_GROUP = finding("sg-inbound-rules-only", Status.SUPPRESSED, "sg-2", suppressed=True)

FINDINGS = (
    finding("root-mfa", Status.PASS, PRODUCTION),
    ROOT_MFA_FAILS_IN_STAGING,
    finding("iam-user-mfa", Status.PASS, "alice"),
    finding("iam-user-mfa", Status.PASS, "bob"),
    finding("root-strong-password", Status.MANUAL, PRODUCTION),
    # root-no-access-keys judges nothing here: no resource.
    finding("s3-no-public-access", Status.PASS, "logs"),
    finding("cloudtrail-segregated-storage", Status.UNKNOWN, PRODUCTION),
    finding("sg-minimal-inbound", Status.PASS, "sg-1"),
    finding("sg-no-internal-all-ports", Status.PASS, "sg-1"),
    finding("sg-inbound-rules-only", Status.PASS, "sg-1"),
    SUPPRESSED_GROUP,
    finding("route53-no-dangling-records", Status.FAIL, "Z1/old.example.org/CNAME", severity=Severity.MEDIUM),
)

RULES_RUN = (
    "root-strong-password",
    "root-mfa",
    "iam-user-mfa",
    "root-no-access-keys",
    "root-not-used",
    "cloudtrail-segregated-storage",
    "route53-no-dangling-records",
    "s3-no-public-access",
    "sg-inbound-rules-only",
    "sg-minimal-inbound",
    "sg-no-internal-all-ports",
)
"""Every rule but sg-egress-via-nsm-only, in the rules' order."""
