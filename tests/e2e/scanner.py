"""Running cloudwarden against the emulator, in-process (CliRunner) or as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cloudwarden.cli import app
from cloudwarden_emulator import Emulator

_PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.stdout)
        return document


def emulator_environment(emulator: Emulator) -> dict[str, str | None]:
    environment: dict[str, str | None] = dict.fromkeys(_PROFILE_VARIABLES)
    environment.update(emulator.env())
    return environment


def cloudwarden(emulator: Emulator | None, *args: str, env: dict[str, str | None] | None = None) -> Run:
    """Run the CLI in this process with the emulator's environment."""
    environment = emulator_environment(emulator) if emulator else {}
    environment.update(env or {})
    result = CliRunner().invoke(app, list(args), env=environment, catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def cloudwarden_process(args: list[str], env: dict[str, str], cwd: Path | None = None) -> Run:
    """Run the CLI as a real process, as a user would."""
    completed = subprocess.run(
        [sys.executable, "-m", "cloudwarden", *args],
        env={"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/"), **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        check=False,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


ARCHIVE_ACCOUNT = "999988887777"


def ship_trail_to_archive(emulator: Emulator) -> None:
    """Make the default account compliant with cloudtrail-segregated-storage: a multi-region trail,
    logging, to a bucket of another account (unverified without trust lists, which passes)."""
    emulator.client("s3", account_id=ARCHIVE_ACCOUNT).create_bucket(Bucket="archive-of-trails")
    cloudtrail = emulator.client("cloudtrail")
    cloudtrail.create_trail(
        Name="archive",
        S3BucketName="archive-of-trails",
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
    )
    cloudtrail.start_logging(Name="archive")


def close_internet_egress(emulator: Emulator, region: str = "us-east-1") -> None:
    """Remove AWS's default "All traffic to 0.0.0.0/0" egress rule from every group of the region."""
    ec2 = emulator.client("ec2", region=region)
    everything = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    for group in ec2.describe_security_groups()["SecurityGroups"]:
        ec2.revoke_security_group_egress(GroupId=group["GroupId"], IpPermissions=everything)


def scan_rule(emulator: Emulator, directory: Path, rule: str, config: str, *extra: str) -> Run:
    """A JSON scan of us-east-1 for `rule` alone, with `config` (YAML) written into `directory`."""
    path = directory / "config.yaml"
    path.write_text(config)
    return cloudwarden(
        emulator,
        "scan",
        "--region",
        "us-east-1",
        "--rule",
        rule,
        "--format",
        "json",
        "--config",
        str(path),
        *extra,
    )


def scan_json(emulator: Emulator, *args: str) -> dict[str, Any]:
    run = cloudwarden(emulator, "scan", "--region", "us-east-1", "--format", "json", *args)
    assert run.exit_code in (0, 1), run.stderr
    return run.json()


def verdicts(document: dict[str, Any], rule: str) -> set[tuple[str, str]]:
    """The (status, resource id) pairs of one rule's findings."""
    return {(f["status"], f["resource"]["id"]) for f in document["findings"] if f["rule"] == rule}


def finding(document: dict[str, Any], rule: str, resource_id: str) -> dict[str, Any]:
    matches = [f for f in document["findings"] if f["rule"] == rule and f["resource"]["id"] == resource_id]
    assert len(matches) == 1, matches
    found: dict[str, Any] = matches[0]
    return found


HELD_ADDRESS = "54.240.7.10"
"""An Elastic IP of the member of `central_dns_organisation`, inside its ranges file (the emulator's
default addresses are loopback ones, which would pass for the wrong reason)."""
FREE_ADDRESS = "54.240.7.99"
"""Inside the same ranges, held by nobody."""
WEBSITE = "www.example.test"
"""The member's website bucket, named like the record that S3 serves it for."""


@dataclass(frozen=True)
class CentralDns:
    member: str
    zone: str
    """The DNS zone's id (in the management account)."""
    ranges: Path
    """An ip-ranges.json file holding both addresses."""


def _change(name: str, kind: str, value: str) -> dict[str, Any]:
    record = {"Name": name, "Type": kind, "TTL": 300, "ResourceRecords": [{"Value": value}]}
    return {"Action": "CREATE", "ResourceRecordSet": record}


def central_dns_organisation(emulator: Emulator, directory: Path) -> CentralDns:
    """An organisation laid out as most are: the zone example.test in the management account, the
    Elastic IP and the website bucket its records point at in a member; plus a record to an address
    nobody holds and one serving a bucket that does not exist."""
    organizations = emulator.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    organizations.create_account(AccountName="workloads", Email="workloads@example.test")
    management = organizations.describe_organization()["Organization"]["MasterAccountId"]
    member = next(
        account["Id"] for account in organizations.list_accounts()["Accounts"] if account["Id"] != management
    )
    emulator.client("ec2", account_id=member).allocate_address(Domain="vpc", Address=HELD_ADDRESS)
    emulator.client("s3", account_id=member).create_bucket(Bucket=WEBSITE)
    route53 = emulator.client("route53")
    zone = route53.create_hosted_zone(Name="example.test", CallerReference="org-dns")["HostedZone"]["Id"]
    zone_id = str(zone).rsplit("/", 1)[-1]
    route53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                _change("app.example.test", "A", HELD_ADDRESS),
                _change("old.example.test", "A", FREE_ADDRESS),
                _change(WEBSITE, "CNAME", f"{WEBSITE}.s3-website-us-east-1.amazonaws.com"),
                _change("gone.example.test", "CNAME", "gone.example.test.s3-website-us-east-1.amazonaws.com"),
            ]
        },
    )
    ranges = directory / "ip-ranges.json"
    ranges.write_text(json.dumps({"prefixes": [{"ip_prefix": "54.240.0.0/16"}]}))
    return CentralDns(member=member, zone=zone_id, ranges=ranges)
