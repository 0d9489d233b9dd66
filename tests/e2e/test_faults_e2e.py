"""Scans under transient faults (throttling, server errors, dropped connections) find what calm ones do.

Botocore retries every kind of fault the emulator draws; a call it gives up on must leave the
findings that depend on it UNKNOWN, never PASS.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden_emulator import Emulator
from cloudwarden_emulator.state import DEFAULT_ACCOUNT, FAULT_KINDS, FaultKind

from .scanner import scan_json, ship_trail_to_archive, verdicts

FAULT_SHARE = 0.2
FAULT_SEED = 7
"""With this seed, even the EC2-only RequestLimitExceeded meets the scan's few EC2 calls."""
SECURITY_GROUP_RULES = (
    "sg-inbound-rules-only",
    "sg-minimal-inbound",
    "sg-no-internal-all-ports",
    "sg-egress-via-nsm-only",
)


def _public_read(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                }
            ],
        }
    )


def _seed_small_account(emulator: Emulator) -> None:
    """Two users (one with a console password), a public and a private bucket, open SSH and a trail."""
    iam = emulator.client("iam")
    for user in ("alice", "bob"):
        iam.create_user(UserName=user)
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-9!")
    iam.create_access_key(UserName="bob")
    s3 = emulator.client("s3")
    for bucket in ("team-public-site", "team-private-data", "team-trail-logs"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket="team-public-site", Policy=_public_read("team-public-site"))
    ec2 = emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="bastion", Description="bastion", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    cloudtrail = emulator.client("cloudtrail")
    cloudtrail.create_trail(Name="main", S3BucketName="team-trail-logs", IsMultiRegionTrail=True)
    cloudtrail.start_logging(Name="main")


def _findings(document: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    """What the report says, without its timing: (rule, resource id, status, message) of each finding."""
    return {
        (item["rule"], item["resource"]["id"], item["status"], item["message"])
        for item in document["findings"]
    }


def _retries(document: dict[str, Any]) -> int:
    return sum(entry["retries"] for entry in document["scan"]["stats"]["operations"].values())


@pytest.fixture
def calm_scan(emulator: Emulator) -> dict[str, Any]:
    _seed_small_account(emulator)
    document = scan_json(emulator)
    assert _retries(document) == 0
    assert {status for _, _, status, _ in _findings(document)} >= {"PASS", "FAIL"}
    return document


def test_a_scan_under_faults_finds_exactly_what_a_calm_scan_finds(
    emulator: Emulator, calm_scan: dict[str, Any]
) -> None:
    emulator.set_faults(FAULT_SHARE, seed=FAULT_SEED)

    faulted = scan_json(emulator)

    assert _findings(faulted) == _findings(calm_scan)
    assert _retries(faulted) > 0


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_a_scan_survives_each_fault_kind_alone(
    emulator: Emulator, calm_scan: dict[str, Any], kind: FaultKind
) -> None:
    emulator.set_faults(FAULT_SHARE, kinds=[kind], seed=FAULT_SEED)

    faulted = scan_json(emulator)

    assert _findings(faulted) == _findings(calm_scan)
    assert _retries(faulted) > 0


def test_a_service_down_beyond_retries_leaves_its_findings_unknown(
    emulator: Emulator, calm_scan: dict[str, Any]
) -> None:
    """What happens to a region when botocore gives up: EC2 answers 503 to every attempt."""
    emulator.inject_error("ec2", code="ServiceUnavailable", message="Service Unavailable", status=503)

    document = scan_json(emulator)

    findings = _findings(document)
    security_groups = {item for item in findings if item[0] in SECURITY_GROUP_RULES}
    region = f"{DEFAULT_ACCOUNT}/us-east-1"
    assert {item[:3] for item in security_groups} == {
        (rule, region, "UNKNOWN") for rule in SECURITY_GROUP_RULES
    }
    assert all("ServiceUnavailable" in message for *_, message in security_groups)
    assert findings - security_groups == {
        item for item in _findings(calm_scan) if item[0] not in SECURITY_GROUP_RULES
    }
    errors = document["scan"]["errors"]
    assert {(error["service"], error["code"]) for error in errors} == {("ec2", "ServiceUnavailable")}
    assert "DescribeSecurityGroups" in {error["operation"] for error in errors}
    operations = document["scan"]["stats"]["operations"]
    ec2 = [entry for key, entry in operations.items() if key.startswith("ec2.")]
    assert all(entry["errors"] == entry["calls"] and entry["retries"] > 0 for entry in ec2)


def _open_ssh_group(emulator: Emulator, region: str) -> str:
    ec2 = emulator.client("ec2", region)
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    group = str(ec2.create_security_group(GroupName="ssh", Description="ssh", VpcId=vpc)["GroupId"])
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    return group


def test_an_unreachable_region_is_unknown_and_the_other_regions_are_judged(emulator: Emulator) -> None:
    """A region refusing every call (an opt-in region turned off, an outage) fails only its own findings."""
    east = _open_ssh_group(emulator, "us-east-1")
    west = _open_ssh_group(emulator, "us-west-2")
    ship_trail_to_archive(emulator)
    assert verdicts(scan_json(emulator, "--region", "us-west-2"), "cloudtrail-segregated-storage") == {
        ("PASS", DEFAULT_ACCOUNT)
    }
    for service, code in (
        ("ec2", "AuthFailure"),
        ("cloudtrail", "UnrecognizedClientException"),
        ("elasticbeanstalk", "InvalidClientTokenId"),
    ):
        emulator.inject_error(
            service, code=code, message="region unreachable", status=401, region="us-west-2"
        )

    document = scan_json(emulator, "--region", "us-west-2")

    findings = {(item[0], item[1], item[2]) for item in _findings(document)}
    minimal = {(resource, status) for rule, resource, status in findings if rule == "sg-minimal-inbound"}
    assert east != west
    east_groups = emulator.client("ec2", "us-east-1").describe_security_groups()["SecurityGroups"]
    defaults = {(group["GroupId"], "PASS") for group in east_groups if group["GroupId"] != east}
    assert minimal == {(east, "FAIL"), (f"{DEFAULT_ACCOUNT}/us-west-2", "UNKNOWN"), *defaults}
    # Whether us-west-2 is logged cannot be read: the trail that passed before is no PASS now.
    assert verdicts(document, "cloudtrail-segregated-storage") == {("UNKNOWN", DEFAULT_ACCOUNT)}
    errors = {(error["service"], error["region"]) for error in document["scan"]["errors"]}
    assert ("ec2", "us-west-2") in errors
    assert all(region == "us-west-2" for _, region in errors)
