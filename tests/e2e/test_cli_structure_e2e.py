"""A scan or a policy for some rules only: `scan --rule` collects what those rules read and nothing
else (its `scan.stats` shows it), and `permissions --rule` prints the actions of that collection."""

from __future__ import annotations

import json

from cloudwarden_emulator import Emulator

from .scanner import cloudwarden

S3_SCAN_ACTIONS = [
    "ec2:DescribeRegions",  # the regions are always read
    "s3:GetAccountPublicAccessBlock",
    "s3:GetBucketAcl",
    "s3:GetBucketLocation",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketPolicy",
    "s3:GetBucketPolicyStatus",
    "s3:GetBucketPublicAccessBlock",
    "s3:ListAllMyBuckets",
    "sts:GetCallerIdentity",  # who the credentials are: every scan begins with it
]


def _policy(*args: str) -> list[str]:
    run = cloudwarden(None, "permissions", *args)
    assert run.exit_code == 0, run.stderr
    actions: list[str] = json.loads(run.stdout)["Statement"][0]["Action"]
    return actions


def test_the_policy_for_one_rule_holds_only_what_its_scan_calls() -> None:
    assert _policy("--rule", "s3-no-public-access") == S3_SCAN_ACTIONS


def test_the_policy_for_several_rules_is_the_union_of_theirs() -> None:
    both = _policy("--rule", "s3-no-public-access", "--rule", "root-mfa")
    alone = _policy("--rule", "root-mfa")
    assert set(both) == set(S3_SCAN_ACTIONS) | set(alone)
    assert set(_policy()) > set(both)


def test_a_policy_for_an_unknown_rule_is_a_usage_error() -> None:
    run = cloudwarden(None, "permissions", "--rule", "s3-no-public-acess")
    assert run.exit_code == 2
    assert run.stdout == ""
    assert run.stderr == (
        "cloudwarden: error: unknown rule id(s): s3-no-public-acess "
        "(see `cloudwarden rules` for the available rules)\n"
    )


def test_a_scan_of_one_s3_rule_makes_no_ec2_or_route53_call(emulator: Emulator) -> None:
    emulator.client("s3").create_bucket(Bucket="private-data")
    emulator.client("route53").create_hosted_zone(Name="example.test", CallerReference="zone")
    # Every enabled region, as a scan without --region reads them: DescribeRegions is made.
    run = cloudwarden(emulator, "scan", "--rule", "s3-no-public-access", "--format", "json")
    assert run.exit_code == 0, run.stderr
    document = run.json()
    operations = set(document["scan"]["stats"]["operations"])
    services = {operation.partition(".")[0] for operation in operations}
    assert services == {"ec2", "s3", "s3control", "sts"}
    assert {operation for operation in operations if operation.startswith("ec2.")} == {"ec2.DescribeRegions"}
    assert {(f["rule"], f["resource"]["id"]) for f in document["findings"]} == {
        ("s3-no-public-access", "private-data")
    }
