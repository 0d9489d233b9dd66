"""JUnit XML: one suite per rule with the right counts, one case per finding, parsed back with ElementTree."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import msgspec

from cloudwarden.findings import Report
from cloudwarden.report.junit import render_junit
from cloudwarden.ruledoc import RuleDoc

from .sample import ACCOUNT_A, HOSTILE, sample_report


def _root(report: Report, rules: tuple[RuleDoc, ...]) -> ET.Element:
    return ET.fromstring(render_junit(report, rules))


def _counts(element: ET.Element) -> tuple[int, int, int, int]:
    return (
        int(element.get("tests", "")),
        int(element.get("failures", "")),
        int(element.get("errors", "")),
        int(element.get("skipped", "")),
    )


def test_one_suite_per_rule_with_its_counts(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    root = _root(report, rules)
    assert root.tag == "testsuites"
    assert _counts(root) == (12, 6, 1, 2)
    suites = {suite.get("id"): (suite.get("name"), _counts(suite)) for suite in root.iter("testsuite")}
    assert suites == {
        "root-strong-password": ("Root User: Strong root password", (1, 0, 0, 1)),
        "root-mfa": ("Root User: MFA for the root user", (2, 1, 0, 0)),
        "iam-user-mfa": ("Root User: MFA for IAM users", (3, 2, 0, 1)),
        "cloudtrail-segregated-storage": ("CloudTrail: Segregated storage", (1, 0, 1, 0)),
        "route53-no-dangling-records": ("Route53: No dangling records", (1, 1, 0, 0)),
        "s3-no-public-access": ("S3: No public access", (2, 1, 0, 0)),
        "sg-inbound-rules-only": ("Security Groups: Inbound rules only", (1, 0, 0, 0)),
        "sg-minimal-inbound": ("Security Groups: Minimal inbound access", (1, 1, 0, 0)),
        "sg-egress-via-nsm-only": ("Security Groups: Egress through the proxy only", (0, 0, 0, 0)),
    }


def test_the_counts_match_the_cases(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    for suite in _root(report, rules).iter("testsuite"):
        cases = suite.findall("testcase")
        assert _counts(suite) == (
            len(cases),
            sum(case.find("failure") is not None for case in cases),
            sum(case.find("error") is not None for case in cases),
            sum(case.find("skipped") is not None for case in cases),
        )


def test_one_case_per_finding_with_its_outcome(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    cases = list(_root(report, rules).iter("testcase"))
    outcomes = [
        (case.get("classname"), case.get("name"), [(child.tag, child.get("type")) for child in case])
        for case in cases
    ]
    assert outcomes == [
        ("root-strong-password", f"{ACCOUNT_A} global {ACCOUNT_A}", [("skipped", None)]),
        ("root-mfa", f"{ACCOUNT_A} global {ACCOUNT_A}", [("failure", "critical")]),
        ("root-mfa", "222222222222 global 222222222222", []),
        ("iam-user-mfa", f"{ACCOUNT_A} global alice", [("failure", "high")]),
        ("iam-user-mfa", "222222222222 global ci-deploy", [("skipped", None)]),
        ("iam-user-mfa", f"{ACCOUNT_A} global =cmd|' /C calc'!A0", [("failure", "high")]),
        ("cloudtrail-segregated-storage", "222222222222 global 222222222222", [("error", "UNKNOWN")]),
        (
            "route53-no-dangling-records",
            f"{ACCOUNT_A} global Z0123456789/old.example.org/CNAME",
            [("failure", "low")],
        ),
        ("s3-no-public-access", f"{ACCOUNT_A} us-east-1 public-assets", [("failure", "high")]),
        ("s3-no-public-access", "222222222222 eu-west-1 logs-b", []),
        ("sg-inbound-rules-only", f"{ACCOUNT_A} us-east-1 eni-0abc", []),
        ("sg-minimal-inbound", "222222222222 eu-west-1 sg-0123456789abcdef0", [("failure", "medium")]),
    ]


def test_a_failure_says_why_and_how_to_fix(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    (case,) = [
        case
        for case in _root(report, rules).iter("testcase")
        if case.get("name", "").endswith("sg-0123456789abcdef0")
    ]
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == "tcp 22 is open to 0.0.0.0/0"
    assert (failure.text or "").splitlines() == [
        "status: FAIL (medium)",
        "message: tcp 22 is open to 0.0.0.0/0",
        "resource: AWS::EC2::SecurityGroup sg-0123456789abcdef0",
        "arn: arn:aws:ec2:eu-west-1:222222222222:security-group/sg-0123456789abcdef0",
        "name: web",
        "remediation: How to fix sg-minimal-inbound: 1. do this 2. then that",
        'evidence: {"rules":[{"protocol":"tcp","from_port":22,"to_port":22,"cidr":"0.0.0.0/0"}]}',
    ]


def test_skipped_cases_say_why(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    messages = {
        case.get("name"): skipped.get("message")
        for case in _root(report, rules).iter("testcase")
        if (skipped := case.find("skipped")) is not None
    }
    assert messages == {
        f"{ACCOUNT_A} global {ACCOUNT_A}": "no API can judge the root password; attest it",
        "222222222222 global ci-deploy": "suppressed until 2027-03-31: CI users move to OIDC roles in Q1",
    }


def test_the_timestamp_is_the_scan_start(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    assert {suite.get("timestamp") for suite in _root(report, rules).iter("testsuite")} == {
        "2025-06-15T11:58:30"
    }


def test_a_finding_of_a_rule_not_given_gets_a_suite_of_its_own(rules: tuple[RuleDoc, ...]) -> None:
    finding = msgspec.structs.replace(HOSTILE, rule="retired-rule")
    root = _root(sample_report((finding,)), rules)
    (suite,) = [suite for suite in root.iter("testsuite") if suite.get("id") == "retired-rule"]
    assert suite.get("name") == HOSTILE.title
    assert _counts(suite) == (1, 1, 0, 0)
    assert _counts(root) == (1, 1, 0, 0)


def test_characters_xml_cannot_carry_are_removed(rules: tuple[RuleDoc, ...]) -> None:
    finding = msgspec.structs.replace(HOSTILE, message="a\ud800b\ufffec\uffffd\x0be\x1ff")
    output = render_junit(sample_report((finding,)), rules)
    failure = ET.fromstring(output).find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == "abcdef"
    assert not re.search("[\ud800-\udfff\ufffe\uffff\x00-\x08\x0b\x0c\x0e-\x1f]", output)
