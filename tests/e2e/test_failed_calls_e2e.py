"""Answers no SDK can parse (a proxy's HTML page, a raw control character, a truncated body) are
failed calls like any other: the findings that needed them UNKNOWN, naming the call, everything
else judged as in a calm scan, in every collector and in accounts entered by AssumeRole. A call
the guard refuses is no failed call but a bug: it ends the scan."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.config
import pytest

from cloudwarden.collect import iam
from cloudwarden.collect.context import AccountContext
from cloudwarden_emulator import Emulator
from cloudwarden_emulator.seed import seed_demo
from cloudwarden_emulator.state import DEFAULT_ACCOUNT, MalformedBody

from .scanner import Run, cloudwarden

REGION = ("--region", "us-east-1")
Finding = tuple[str, str, str, str, str]


def _scan(emulator: Emulator, *extra: str) -> tuple[Run, dict[str, Any]]:
    """A scan that ends with a whole report, whatever its exit code: never an internal error."""
    run = cloudwarden(emulator, "scan", *REGION, "--format", "json", *extra)
    assert "internal error" not in run.stderr, run.stderr
    document = run.json()
    return run, document


def _findings(document: dict[str, Any]) -> set[Finding]:
    return {
        (item["account"], item["rule"], item["resource"]["id"], item["status"], item["message"])
        for item in document["findings"]
    }


def _errors(document: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {
        (error["account"], error["service"], error["operation"], error["code"])
        for error in document["scan"]["errors"]
    }


@pytest.fixture(scope="module")
def _calm_scan(emulator_server: Emulator) -> dict[str, Any]:
    """The demo organisation, seeded once for the tests that take `demo_org` (they come first in this
    module: the later ones reset the emulator), and its scan without a fault."""
    emulator_server.reset()
    seed_demo(emulator_server)
    _, document = _scan(emulator_server, "--org")
    assert document["scan"]["errors"] == []
    return document


@pytest.fixture
def calm(_calm_scan: dict[str, Any]) -> dict[str, Any]:
    return _calm_scan


@pytest.fixture
def demo_org(emulator_server: Emulator, _calm_scan: dict[str, Any]) -> Iterator[Emulator]:
    """The seeded demo organisation; the faults a test injects are cleared after it (scans read only,
    so nothing else changes)."""
    yield emulator_server
    emulator_server.clear_errors()


def test_an_html_page_for_one_bucket_policy_makes_only_that_bucket_unknown(
    demo_org: Emulator, calm: dict[str, Any]
) -> None:
    bucket = "acme-vpc-artifacts"  # its policy alone tells that it is not public
    assert (DEFAULT_ACCOUNT, "s3-no-public-access", bucket) in {item[:3] for item in _findings(calm)}
    demo_org.inject_malformed_answer("s3", method="GET", path_regex=rf"^/{bucket}\?policy$", body="html")

    run, document = _scan(demo_org, "--org")

    changed = _findings(document) - _findings(calm)
    (unknown,) = changed
    assert unknown[:4] == (DEFAULT_ACCOUNT, "s3-no-public-access", bucket, "UNKNOWN")
    assert (
        f"s3:GetBucketPolicy for {bucket} in us-east-1 failed: MalformedAnswer: "
        "Unable to parse response: the answer is an HTML page"
    ) in unknown[4]
    assert {item[:3] for item in _findings(calm) - _findings(document)} == {unknown[:3]}
    assert document["scan"]["accounts"] == calm["scan"]["accounts"]
    assert document["scan"]["unreachable_accounts"] == {}
    assert run.exit_code == 1  # the usual code: the scan has FAILs


def _changed(document: dict[str, Any], calm: dict[str, Any]) -> dict[tuple[str, str, str], tuple[str, str]]:
    """The findings whose status is not the calm scan's, or that it did not have: (status, message)."""
    before = {item[:3]: item[3] for item in _findings(calm)}
    return {item[:3]: item[3:] for item in _findings(document) if before.get(item[:3]) != item[3]}


@pytest.mark.parametrize(
    ("service", "operation", "match", "body", "status", "code"),
    [
        ("iam", "GetAccountSummary", {"operation": "GetAccountSummary"}, "html", 200, "MalformedAnswer"),
        (
            "ec2",
            "DescribeSecurityGroups",
            {"operation": "DescribeSecurityGroups"},
            "control-character",
            200,
            "MalformedAnswer",
        ),
        (
            "cloudtrail",
            "DescribeTrails",
            {"operation": "DescribeTrails"},
            "truncated",
            200,
            "MalformedAnswer",
        ),
        (
            "elasticbeanstalk",
            "CheckDNSAvailability",
            {"operation": "CheckDNSAvailability"},
            "html",
            500,
            "MalformedAnswer",
        ),
        (
            "route53",
            "ListResourceRecordSets",
            {"method": "GET", "path_regex": "/rrset"},
            "truncated",
            200,
            "MalformedAnswer",
        ),
        (
            "ec2",
            "DescribeNetworkInterfaces",
            {"operation": "DescribeNetworkInterfaces"},
            "html",
            200,
            "MalformedAnswer",
        ),
        # Botocore takes an S3 answer it cannot parse for a partial one, retries it as a 500, then gives up.
        ("s3", "ListBuckets", {"method": "GET", "path_regex": "^/$"}, "control-character", 200, "500"),
    ],
)
def test_a_malformed_answer_leaves_unknown_only_what_needed_it(
    demo_org: Emulator,
    calm: dict[str, Any],
    service: str,
    operation: str,
    match: dict[str, str],
    body: MalformedBody,
    status: int,
    code: str,
) -> None:
    """Asked of the management account only; the members, entered with its credentials, still answer."""
    demo_org.inject_malformed_answer(service, body=body, status=status, account=DEFAULT_ACCOUNT, **match)

    _, document = _scan(demo_org, "--org")

    assert _errors(document) == {(DEFAULT_ACCOUNT, service, operation, code)}
    changed = _changed(document, calm)
    assert {(account, verdict) for (account, _, _), (verdict, _) in changed.items()} == {
        (DEFAULT_ACCOUNT, "UNKNOWN")
    }
    assert any(f"{service}:{operation}" in message and code in message for _, message in changed.values())
    assert {item for item in _findings(calm) if item[0] != DEFAULT_ACCOUNT} <= _findings(document)


def test_a_malformed_answer_inside_an_assumed_role_account(demo_org: Emulator, calm: dict[str, Any]) -> None:
    member = next(account for account in calm["scan"]["accounts"] if account != DEFAULT_ACCOUNT)
    demo_org.inject_malformed_answer("iam", "GetAccountSummary", account=member, body="truncated")

    _, document = _scan(demo_org, "--org")

    assert _errors(document) == {(member, "iam", "GetAccountSummary", "MalformedAnswer")}
    changed = _changed(document, calm)
    assert {(account, verdict) for (account, _, _), (verdict, _) in changed.items()} == {(member, "UNKNOWN")}
    assert all("iam:GetAccountSummary" in message for _, message in changed.values())
    assert {item for item in _findings(calm) if item[0] != member} <= _findings(document)
    assert document["scan"]["unreachable_accounts"] == {}


def test_a_malformed_assume_role_answer_leaves_the_members_unreachable_and_the_rest_judged(
    demo_org: Emulator, calm: dict[str, Any]
) -> None:
    demo_org.inject_malformed_answer("sts", "AssumeRole", body="html")

    run, document = _scan(demo_org, "--org")

    members = set(calm["scan"]["accounts"]) - {DEFAULT_ACCOUNT}
    unreachable = document["scan"]["unreachable_accounts"]
    assert set(unreachable) == members
    assert all("MalformedAnswer: Unable to parse response" in reason for reason in unreachable.values())
    dns = "route53-no-dangling-records"
    own = {item for item in _findings(calm) if item[0] == DEFAULT_ACCOUNT}
    assert {item for item in own if item[1] != dns} <= _findings(document)
    # A record no reachable account holds may point at a member's resource: fail closed, never FAIL.
    now = {item[2]: item for item in _findings(document) if item[0] == DEFAULT_ACCOUNT and item[1] == dns}
    for _, _, record, status, message in (item for item in own if item[1] == dns):
        if status != "FAIL":
            assert now[record][3:] == (status, message)
        elif now[record][3] == "UNKNOWN":
            assert any(member in now[record][4] for member in members)
    assert run.exit_code == 1  # the management account's FAILs decide, as with any unreachable account


@pytest.mark.parametrize(
    ("service", "operation", "what"),
    [
        ("sts", "GetCallerIdentity", "cannot reach AWS"),
        ("organizations", "ListAccounts", "cannot list the organization's accounts"),
    ],
)
def test_a_malformed_answer_before_any_account_stops_the_scan_in_one_line(
    emulator: Emulator, service: str, operation: str, what: str
) -> None:
    emulator.client("organizations").create_organization(FeatureSet="ALL")
    emulator.inject_malformed_answer(service, operation)

    run = cloudwarden(emulator, "scan", *REGION, "--org")

    assert run.exit_code == 3
    (line,) = run.stderr.strip().splitlines()
    assert f"{what}: MalformedAnswer: Unable to parse response: the answer is an HTML page" in line
    assert "internal error" not in line


def test_a_call_the_guard_refuses_ends_the_scan_instead_of_becoming_unknown(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def undeclared(context: AccountContext) -> dict[str, int]:
        context.session.client("iam").list_users()
        return {}

    monkeypatch.setattr(iam, "_summary", undeclared)

    run = cloudwarden(emulator, "scan", *REGION, "--format", "json")

    assert run.exit_code == 3
    assert "internal error: ReadOnlyViolation: refused to call iam:ListUsers" in run.stderr
    assert run.stdout == ""


def test_a_trail_bucket_named_like_a_directory_bucket_is_asked_about_without_minting_credentials(
    emulator: Emulator,
) -> None:
    """Botocore would call s3:CreateSession first, which the guard refuses: the scan signs with SigV4."""
    bucket = "logs--use1-az4--x-s3"
    express = botocore.config.Config(s3={"disable_s3_express_session_auth": True})  # type: ignore[arg-type]
    emulator.client("s3", config=express).create_bucket(Bucket=bucket)
    emulator.client("cloudtrail").create_trail(Name="trail", S3BucketName=bucket, IsMultiRegionTrail=True)

    _, document = _scan(emulator)

    assert document["scan"]["errors"] == []
    operations = document["scan"]["stats"]["operations"]
    assert operations["s3.HeadBucket"]["calls"] >= 1
    assert "s3.CreateSession" not in operations
