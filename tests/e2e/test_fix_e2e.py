"""`cloudwarden fix` end to end against the emulator: plan, apply, scan again, roll back; drift and a
denied call. The plan is compared whole with golden files, in every format, its random ids (groups,
zone, findings) named after what they stand for."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from cloudwarden_emulator import Emulator
from cloudwarden_emulator.state import DEFAULT_ACCOUNT

from .scanner import cloudwarden, emulator_environment

GOLDEN = Path(__file__).parent / "fix_golden"
RULES = (
    "route53-no-dangling-records",
    "s3-no-public-access",
    "sg-minimal-inbound",
    "sg-no-internal-all-ports",
)
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
PRIVATE_STATEMENT = {
    "Sid": "Auditors",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::acme-exports/*",
}
PUBLIC_STATEMENT = {
    "Sid": "Everyone",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::acme-exports/*",
}
CONFIG = """\
suppressions:
  - rule: sg-minimal-inbound
    resource: "{bastion}"
    reason: "bastion, reviewed by secops"
    expires: 2099-01-01
"""


class Account:
    """A public bucket by its policy, one by its ACL, a world-open SSH group, a group open on all
    ports to that group, a suppressed world-open bastion, and a dangling record."""

    def __init__(self, emulator: Emulator, directory: Path) -> None:
        s3 = emulator.client("s3")
        s3.create_bucket(Bucket="acme-exports")
        s3.put_bucket_policy(
            Bucket="acme-exports",
            Policy=json.dumps({"Version": "2012-10-17", "Statement": [PUBLIC_STATEMENT, PRIVATE_STATEMENT]}),
        )
        s3.create_bucket(Bucket="acme-drop")
        s3.put_bucket_acl(Bucket="acme-drop", GrantRead=f"uri={ALL_USERS}")
        s3.create_bucket(Bucket="acme-private")
        self.ec2 = emulator.client("ec2")
        vpc = self.ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        self.groups = {
            name: self.ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
            for name in ("ssh", "internal", "bastion")
        }
        self.ssh = [
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "legacy ssh"}],
            },
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.20.0.0/16"}]},
        ]
        self.ec2.authorize_security_group_ingress(GroupId=self.groups["ssh"], IpPermissions=self.ssh)
        self.internal = [
            {
                "IpProtocol": "-1",
                "UserIdGroupPairs": [{"GroupId": self.groups["ssh"], "Description": "app tier"}],
            }
        ]
        self.ec2.authorize_security_group_ingress(
            GroupId=self.groups["internal"], IpPermissions=self.internal
        )
        self.ec2.authorize_security_group_ingress(GroupId=self.groups["bastion"], IpPermissions=self.ssh[:1])
        route53 = emulator.client("route53")
        zone = route53.create_hosted_zone(Name="acme.test", CallerReference="fix")["HostedZone"]["Id"]
        self.zone = str(zone).rsplit("/", 1)[-1]
        self.record = {
            "Name": "assets.acme.test.",
            "Type": "CNAME",
            "TTL": 300,
            "ResourceRecords": [{"Value": "assets.acme.test.s3-website-us-east-1.amazonaws.com"}],
        }
        route53.change_resource_record_sets(
            HostedZoneId=self.zone,
            ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": self.record}]},
        )
        self.directory = directory
        self.config = directory / "config.yaml"
        self.config.write_text(CONFIG.format(bastion=self.groups["bastion"]))
        self.report = directory / "scan.json"

    def scan(self, emulator: Emulator, output: Path | None = None) -> dict[str, Any]:
        target = output or self.report
        rules = [word for rule in RULES for word in ("--rule", rule)]
        run = cloudwarden(
            emulator, "scan", "--region", "us-east-1", *rules, "--config", str(self.config),
            "--format", "json", "--output", str(target),
        )  # fmt: skip
        assert run.exit_code in (0, 1), run.stderr
        document: dict[str, Any] = json.loads(target.read_text())
        return document

    def names(self, report: dict[str, Any]) -> dict[str, str]:
        """Random ids -> what they stand for, to compare plans with the golden files."""
        named = {group: f"<sg:{name}>" for name, group in self.groups.items()}
        named[self.zone] = "<zone>"
        for found in report["findings"]:
            resource = found["resource"]["id"]
            for raw, name in list(named.items()):
                resource = resource.replace(raw, name)
            named[found["id"]] = f"<{found['rule']}:{resource}>"
        named[str(self.directory)] = "<dir>"
        named[str(self.directory).replace("_", "\\_")] = "<dir>"  # as Markdown escapes it
        named[report["scan"]["started_at"]] = "<scanned-at>"
        return named


def outcomes(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(f["rule"], f["status"], f["resource"]["id"]) for f in report["findings"]}


def fails(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["rule"], f["resource"]["id"]) for f in report["findings"] if f["status"] == "FAIL"}


def renamed(text: str, names: dict[str, str]) -> str:
    for raw in sorted(names, key=len, reverse=True):
        text = text.replace(raw, names[raw])
    return text


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("CLOUDWARDEN_UPDATE_GOLDEN") == "1":
        path.write_text(text)
    assert text == path.read_text()


@pytest.fixture
def account(emulator: Emulator, tmp_path: Path) -> Account:
    return Account(emulator, tmp_path)


def test_the_plan_names_exactly_the_expected_changes_and_changes_nothing(
    emulator: Emulator, account: Account
) -> None:
    report = account.scan(emulator)
    names = account.names(report)
    ssh, internal, bastion = (account.groups[name] for name in ("ssh", "internal", "bastion"))
    assert fails(report) == {
        ("s3-no-public-access", "acme-exports"),
        ("s3-no-public-access", "acme-drop"),
        ("sg-minimal-inbound", ssh),
        ("sg-no-internal-all-ports", internal),
        ("route53-no-dangling-records", f"{account.zone}/assets.acme.test/CNAME"),
    }

    planned = cloudwarden(
        emulator, "fix", str(account.report), "--config", str(account.config), "--format", "json"
    )

    assert planned.exit_code == 0, planned.stderr
    plan = planned.json()
    assert [(c["rule"], c["resource"], c["action"]) for c in plan["changes"]] == [
        ("route53-no-dangling-records", f"{account.zone}/assets.acme.test/CNAME", "delete-record-set"),
        ("s3-no-public-access", "acme-exports", "remove-public-policy-statements"),
        ("s3-no-public-access", "acme-drop", "remove-public-acl-grants"),
        ("sg-minimal-inbound", ssh, "revoke-ingress"),
        ("sg-no-internal-all-ports", internal, "revoke-ingress"),
    ]
    by_action = {change["action"]: change for change in plan["changes"]}
    exports = by_action["remove-public-policy-statements"]
    assert exports["calls"] == [
        {
            "service": "s3",
            "operation": "PutBucketPolicy",
            "parameters": {
                "Bucket": "acme-exports",
                "Policy": json.dumps({"Version": "2012-10-17", "Statement": [PRIVATE_STATEMENT]}),
            },
        }
    ]
    assert by_action["delete-record-set"]["calls"][0]["parameters"]["ChangeBatch"]["Changes"] == [
        {"Action": "DELETE", "ResourceRecordSet": account.record}
    ]
    ssh_change = next(c for c in plan["changes"] if c["resource"] == ssh)
    assert ssh_change["calls"] == [
        {
            "service": "ec2",
            "operation": "RevokeSecurityGroupIngress",
            # as the scan keeps it: without the rule's description, which EC2 does not match
            "parameters": {
                "GroupId": ssh,
                "IpPermissions": [
                    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
                ],
            },
        }
    ]
    assert plan["left_out"] == {"pass": len(report["findings"]) - 6, "suppressed": 1}
    assert bastion not in json.dumps(plan["changes"])

    for fmt, name in (("json", "plan.json"), ("sh", "plan.sh"), ("markdown", "plan.md")):
        run = cloudwarden(
            emulator, "fix", str(account.report), "--config", str(account.config), "--format", fmt
        )
        assert run.exit_code == 0, run.stderr
        golden(name, renamed(run.stdout, names))

    again = account.scan(emulator, account.directory / "again.json")
    assert outcomes(again) == outcomes(report)


def test_apply_fixes_them_and_rollback_brings_them_back(emulator: Emulator, account: Account) -> None:
    report = account.scan(emulator)
    journal = account.directory / "journal.json"

    applied = cloudwarden(
        emulator, "fix", str(account.report), "--config", str(account.config),
        "--apply", "--yes", "--journal", str(journal),
    )  # fmt: skip

    assert applied.exit_code == 0, applied.stderr
    assert "5 applied, 0 skipped, 0 failed" in applied.stderr
    after = account.scan(emulator, account.directory / "after.json")
    assert fails(after) == set()
    suppressed = {(f["rule"], f["resource"]["id"]) for f in after["findings"] if f["status"] == "SUPPRESSED"}
    assert suppressed == {("sg-minimal-inbound", account.groups["bastion"])}
    bastion = account.ec2.describe_security_groups(GroupIds=[account.groups["bastion"]])["SecurityGroups"][0]
    assert [(p["FromPort"], p["IpRanges"][0]["CidrIp"]) for p in bastion["IpPermissions"]] == [
        (22, "0.0.0.0/0")
    ]
    ssh = account.ec2.describe_security_groups(GroupIds=[account.groups["ssh"]])["SecurityGroups"][0]
    assert [(p["FromPort"], p["IpRanges"][0]["CidrIp"]) for p in ssh["IpPermissions"]] == [
        (443, "10.20.0.0/16")
    ]
    policy = json.loads(emulator.client("s3").get_bucket_policy(Bucket="acme-exports")["Policy"])
    assert policy == {"Version": "2012-10-17", "Statement": [PRIVATE_STATEMENT]}
    entries = json.loads(journal.read_text())["entries"]
    assert [(e["change"]["action"], e["applied"]["outcome"], e["applied"]["verified"]) for e in entries] == [
        ("delete-record-set", "applied", True),
        ("remove-public-policy-statements", "applied", True),
        ("remove-public-acl-grants", "applied", True),
        ("revoke-ingress", "applied", True),
        ("revoke-ingress", "applied", True),
    ]

    rolled = cloudwarden(emulator, "fix", "--rollback", str(journal), "--yes")

    assert rolled.exit_code == 0, rolled.stderr
    assert "5 rolled back, 0 skipped, 0 failed" in rolled.stderr
    restored = account.scan(emulator, account.directory / "restored.json")
    assert outcomes(restored) == outcomes(report)
    ssh = account.ec2.describe_security_groups(GroupIds=[account.groups["ssh"]])["SecurityGroups"][0]
    assert {
        (p["FromPort"], r["CidrIp"], r.get("Description"))
        for p in ssh["IpPermissions"]
        for r in p["IpRanges"]
    } == {
        (22, "0.0.0.0/0", "legacy ssh"),  # as it was: the journal's read before the change had it
        (443, "10.20.0.0/16", None),
    }
    internal = account.ec2.describe_security_groups(GroupIds=[account.groups["internal"]])["SecurityGroups"][
        0
    ]
    assert [pair.get("Description") for p in internal["IpPermissions"] for pair in p["UserIdGroupPairs"]] == [
        "app tier"
    ]
    again = cloudwarden(emulator, "fix", "--rollback", str(journal), "--yes")
    assert (again.exit_code, again.stderr) == (0, "cloudwarden: fix --rollback: nothing to roll back\n")


def test_a_resource_changed_since_the_scan_is_skipped(emulator: Emulator, account: Account) -> None:
    account.scan(emulator)
    account.ec2.revoke_security_group_ingress(GroupId=account.groups["ssh"], IpPermissions=account.ssh[:1])
    account.ec2.authorize_security_group_ingress(
        GroupId=account.groups["ssh"],
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 2222, "ToPort": 2222, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    journal = account.directory / "journal.json"

    run = cloudwarden(
        emulator, "fix", str(account.report), "--config", str(account.config),
        "--apply", "--yes", "--journal", str(journal),
    )  # fmt: skip

    assert run.exit_code == 1
    assert "4 applied, 1 skipped, 0 failed" in run.stderr
    entries = json.loads(journal.read_text())["entries"]
    skipped = [
        (e["change"]["resource"], e["applied"]["reason"])
        for e in entries
        if e["applied"]["outcome"] == "skipped"
    ]
    assert skipped == [
        (account.groups["ssh"], "drifted: 1 of the rules to revoke are no longer in the group")
    ]
    ssh = account.ec2.describe_security_groups(GroupIds=[account.groups["ssh"]])["SecurityGroups"][0]
    assert sorted(p["FromPort"] for p in ssh["IpPermissions"]) == [443, 2222]


def test_a_denied_call_fails_that_change_only(emulator: Emulator, account: Account) -> None:
    account.scan(emulator)
    emulator.inject_error(
        "s3", method="PUT", path_regex=r"^/acme-drop/?\?acl$", account=DEFAULT_ACCOUNT, message="not this one"
    )
    journal = account.directory / "journal.json"

    run = cloudwarden(
        emulator, "fix", str(account.report), "--config", str(account.config),
        "--apply", "--yes", "--journal", str(journal),
    )  # fmt: skip

    assert run.exit_code == 1
    assert "4 applied, 0 skipped, 1 failed" in run.stderr
    entries = json.loads(journal.read_text())["entries"]
    assert [(e["change"]["action"], e["applied"]["outcome"]) for e in entries] == [
        ("delete-record-set", "applied"),
        ("remove-public-policy-statements", "applied"),
        ("remove-public-acl-grants", "failed"),
        ("revoke-ingress", "applied"),
        ("revoke-ingress", "applied"),
    ]
    failed = next(e for e in entries if e["applied"]["outcome"] == "failed")
    assert failed["applied"]["reason"] == "s3.PutBucketAcl failed: AccessDenied: not this one"
    emulator.clear_errors()
    acl = emulator.client("s3").get_bucket_acl(Bucket="acme-drop")
    assert ALL_USERS in [grant["Grantee"].get("URI") for grant in acl["Grants"]]


def _answer_at_a_terminal(emulator: Emulator, args: list[str], answer: bytes) -> tuple[int, str]:
    """Run the CLI as a process on a pseudo-terminal, answer its question, and give its exit code and
    everything it wrote."""
    environment = {k: v for k, v in emulator_environment(emulator).items() if v is not None}
    environment |= {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/"), "COLUMNS": "200"}
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "cloudwarden", *args], stdin=secondary, stdout=secondary, stderr=secondary,
        env=environment, close_fds=True,
    )  # fmt: skip
    os.close(secondary)
    written = b""
    answered = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 1)
        if ready:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the process closed its terminal
                break
            if not chunk:
                break
            written += chunk
        if not answered and b"[y/N]" in written:
            os.write(primary, answer)
            answered = True
    os.close(primary)
    return process.wait(timeout=60), written.decode(errors="replace")


@pytest.mark.parametrize(("answer", "code", "applied"), [(b"y\n", 0, True), (b"n\n", 1, False)])
def test_apply_asks_at_a_terminal_and_does_only_what_it_is_told(
    emulator: Emulator, account: Account, answer: bytes, code: int, applied: bool
) -> None:
    account.scan(emulator)
    journal = account.directory / "journal.json"
    args = ["fix", str(account.report), "--config", str(account.config), "--rule", "sg-minimal-inbound"]

    exit_code, written = _answer_at_a_terminal(
        emulator, [*args, "--apply", "--journal", str(journal)], answer
    )

    assert exit_code == code, written
    assert "Apply these 1 change(s) in account(s) 123456789012? [y/N]" in written
    assert "aws ec2 revoke-security-group-ingress" in written.split("[y/N]")[0]
    ssh = account.ec2.describe_security_groups(GroupIds=[account.groups["ssh"]])["SecurityGroups"][0]
    ports = sorted(permission["FromPort"] for permission in ssh["IpPermissions"])
    assert ports == ([443] if applied else [22, 443])
    assert journal.exists() is applied
