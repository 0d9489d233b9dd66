"""`iac` and a live scan agree: the verdicts `cloudwarden iac` gives a configuration equal the verdicts a
scan gives the same configuration deployed to the emulator.

Each configuration (a CloudFormation template with short-form tags, a Terraform plan, both under
`iac_fixtures/`) holds five buckets (public by policy; public by ACL, ObjectWriter and Block Public
Access off; private with the defaults; public policy neutralised by RestrictPublicBuckets; declared in
`s3.public_buckets`) and security groups (SSH from the world, 443 from the world, every port from
another group of the configuration, egress only to a private range, no rule at all). The test deploys
the same resources with boto3 as each tool would, scans the emulator with the same configuration and
rules, and compares per rule and per resource: the same resources judged, the same status, the same
severity except where the live side knows more (below).

What each tool does, as deployed here:
- CloudFormation keeps the "All traffic to 0.0.0.0/0" egress rule AWS gives a new VPC group unless the
  group's `SecurityGroupEgress` names rules (`AWS::EC2::SecurityGroup` reference); the Terraform AWS
  provider revokes it on create (`aws_security_group` documentation), so every group of the plan has it
  revoked before its own egress is authorised.
- A bucket whose configuration is silent gets S3's defaults for new buckets since April 2023: all four
  Block Public Access settings on and Object Ownership BucketOwnerEnforced. The emulator (moto) creates
  a bucket with neither (no block configuration, no ownership controls), so the deployment sets them
  explicitly: the emulator is not under test here, the agreement of the two judgements is.
- A plan or template cannot know which interfaces will carry a group, so `iac` judges a group at its
  full severity (`evidence.interfaces` is null); a live group attached to no interface FAILs one level
  lower. The deployment attaches none: each live FAIL on a group is expected one level below `iac`'s.

One group per configuration is left unknown on purpose (CloudFormation: a parameter without default;
Terraform: an Elastic IP allocated by the same plan): `iac` says UNKNOWN naming the attribute, and the
group is left out of the comparison (it is not deployed: its value is what deployment would decide).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cloudwarden_emulator import Emulator

from .scanner import cloudwarden

FIXTURES = Path(__file__).parent / "iac_fixtures"
TEMPLATE = FIXTURES / "equivalence.yaml"
PLAN = FIXTURES / "equivalence_plan.json"

S3_RULE = "s3-no-public-access"
SG_RULES = (
    "sg-inbound-rules-only",
    "sg-minimal-inbound",
    "sg-no-internal-all-ports",
    "sg-egress-via-nsm-only",
)
RULES = (S3_RULE, *SG_RULES)
CONFIG = 's3:\n  public_buckets: ["www.*"]\n'

ONE_LEVEL_LOWER = {"critical": "high", "high": "medium", "medium": "low", "low": "info", "info": "info"}
"""A group attached to no interface FAILs one level lower (rules/security_group_network.py)."""

ALL_OFF = {
    "BlockPublicAcls": False,
    "IgnorePublicAcls": False,
    "BlockPublicPolicy": False,
    "RestrictPublicBuckets": False,
}
ALL_ON = dict.fromkeys(ALL_OFF, True)
EVERYTHING_OUT = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
"""AWS's default egress rule of a new VPC group."""

Verdicts = dict[tuple[str, str], dict[str, Any]]
"""(rule, resource id) -> the finding."""


# --- the two judgements -------------------------------------------------------------------------------------


def _rule_arguments() -> list[str]:
    return [argument for rule in RULES for argument in ("--rule", rule)]


def _config(directory: Path) -> Path:
    path = directory / "config.yaml"
    path.write_text(CONFIG)
    return path


def _iac(path: Path, directory: Path) -> dict[str, Any]:
    """`cloudwarden iac`, which needs neither the emulator nor credentials. No value the buckets' verdicts
    read is left to deployment (it would be a KNOWN_AFTER_APPLY error): the scan's errors are none."""
    config = str(_config(directory))
    run = cloudwarden(None, "iac", str(path), *_rule_arguments(), "--format", "json", "--config", config)
    assert run.exit_code == 1, run.stderr
    document: dict[str, Any] = run.json()
    assert document["scan"]["errors"] == []
    return document


def _scan(emulator: Emulator, directory: Path) -> dict[str, Any]:
    config = str(_config(directory))
    run = cloudwarden(
        emulator, "scan", "--region", "us-east-1", *_rule_arguments(), "--format", "json", "--config", config
    )
    assert run.exit_code == 1, run.stderr
    document: dict[str, Any] = run.json()
    assert document["scan"]["errors"] == []
    return document


def _by_resource(document: dict[str, Any]) -> Verdicts:
    found: Verdicts = {}
    for finding in document["findings"]:
        key = (finding["rule"], finding["resource"]["id"])
        assert key not in found, f"two findings for {key}"
        found[key] = finding
    return found


def _statuses(verdicts: Verdicts) -> set[tuple[str, str, str]]:
    return {(rule, finding["status"], resource) for (rule, resource), finding in verdicts.items()}


# --- deploying to the emulator ------------------------------------------------------------------------------


@dataclass
class Account:
    """The emulator's account, with the live id of each resource deployed for an address."""

    emulator: Emulator
    s3: Any = None
    ec2: Any = None
    vpc: str = ""
    buckets: dict[str, str] = field(default_factory=dict)
    """Address or logical id -> bucket name."""
    group_names: dict[str, str] = field(default_factory=dict)
    """Address or logical id -> GroupName."""

    def __post_init__(self) -> None:
        self.s3 = self.emulator.client("s3")
        self.ec2 = self.emulator.client("ec2")
        self.vpc = self.ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]

    def bucket(
        self,
        address: str,
        name: str,
        *,
        block: dict[str, bool] | None = None,
        ownership: str | None = None,
        acl: str | None = None,
        policy: dict[str, Any] | None = None,
    ) -> None:
        """A bucket as the tools create it; a setting the configuration leaves out gets S3's default
        for new buckets (all four Block Public Access settings on, BucketOwnerEnforced), which the
        emulator does not apply by itself."""
        self.s3.create_bucket(Bucket=name)
        self.s3.put_bucket_ownership_controls(
            Bucket=name,
            OwnershipControls={"Rules": [{"ObjectOwnership": ownership or "BucketOwnerEnforced"}]},
        )
        self.s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=ALL_ON if block is None else block
        )
        if acl is not None:
            self.s3.put_bucket_acl(Bucket=name, ACL=acl)
        if policy is not None:
            self.s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
        self.buckets[address] = name

    def group(self, address: str, name: str, description: str, *, keep_default_egress: bool) -> str:
        group_id = str(
            self.ec2.create_security_group(GroupName=name, Description=description, VpcId=self.vpc)["GroupId"]
        )
        if not keep_default_egress:
            self.ec2.revoke_security_group_egress(GroupId=group_id, IpPermissions=[EVERYTHING_OUT])
        self.group_names[address] = name
        return group_id

    def ingress(self, group: str, *permissions: dict[str, Any]) -> None:
        self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=list(permissions))

    def egress(self, group: str, *permissions: dict[str, Any]) -> None:
        self.ec2.authorize_security_group_egress(GroupId=group, IpPermissions=list(permissions))

    def live_ids(self) -> dict[str, str]:
        """Address -> live id: a bucket's name; a group's id, found by its GroupName."""
        groups = self.ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [self.vpc]}])
        by_name = {group["GroupName"]: group["GroupId"] for group in groups["SecurityGroups"]}
        return self.buckets | {address: by_name[name] for address, name in self.group_names.items()}

    def default_groups(self) -> set[str]:
        """The groups the emulator has without being asked (each VPC's default group)."""
        groups = self.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])
        return {group["GroupId"] for group in groups["SecurityGroups"]}


def _public_read(*resources: str, actions: list[str] | str = "s3:GetObject") -> dict[str, Any]:
    statement = {
        "Sid": "PublicRead",
        "Effect": "Allow",
        "Principal": "*",
        "Action": actions,
        "Resource": list(resources),
    }
    return {"Version": "2012-10-17", "Statement": [statement]}


def _cidr(protocol: str, low: int | None, high: int | None, *cidrs: str) -> dict[str, Any]:
    permission: dict[str, Any] = {"IpProtocol": protocol}
    if low is not None:
        permission |= {"FromPort": low, "ToPort": high}
    ipv4 = [{"CidrIp": cidr} for cidr in cidrs if ":" not in cidr]
    ipv6 = [{"CidrIpv6": cidr} for cidr in cidrs if ":" in cidr]
    return permission | ({"IpRanges": ipv4} if ipv4 else {}) | ({"Ipv6Ranges": ipv6} if ipv6 else {})


def _from_group(protocol: str, low: int | None, high: int | None, group: str) -> dict[str, Any]:
    permission: dict[str, Any] = {"IpProtocol": protocol, "UserIdGroupPairs": [{"GroupId": group}]}
    if low is not None:
        permission |= {"FromPort": low, "ToPort": high}
    return permission


def _deploy_template(account: Account) -> None:
    """equivalence.yaml as CloudFormation creates it (AdminGroup left out: its CIDR is a parameter)."""
    account.bucket(
        "PolicyPublicBucket",
        "cw-eq-cfn-policy-public",
        block=ALL_OFF,
        policy=_public_read("arn:aws:s3:::cw-eq-cfn-policy-public/*"),
    )
    account.bucket(
        "AclPublicBucket", "cw-eq-cfn-acl-public", block=ALL_OFF, ownership="ObjectWriter", acl="public-read"
    )
    account.bucket("PrivateBucket", "cw-eq-cfn-private")
    account.bucket(
        "RestrictedBucket",
        "cw-eq-cfn-restricted",
        block=ALL_OFF | {"RestrictPublicBuckets": True},
        policy=_public_read(
            "arn:aws:s3:::cw-eq-cfn-restricted",
            "arn:aws:s3:::cw-eq-cfn-restricted/*",
            actions=["s3:GetObject", "s3:ListBucket"],
        ),
    )
    account.bucket(
        "WebsiteBucket",
        "www.cw-eq-cfn.example",
        block=ALL_OFF,
        policy=_public_read("arn:aws:s3:::www.cw-eq-cfn.example/*"),
    )

    ssh = account.group("SshGroup", "cw-eq-cfn-ssh", "SSH from the world", keep_default_egress=True)
    account.ingress(ssh, _cidr("tcp", 22, 22, "0.0.0.0/0"))
    https = account.group("HttpsGroup", "cw-eq-cfn-https", "HTTPS from the world", keep_default_egress=True)
    account.ingress(https, _cidr("tcp", 443, 443, "0.0.0.0/0", "::/0"))
    app = account.group(
        "AppGroup", "cw-eq-cfn-app", "Every port from the HTTPS group", keep_default_egress=True
    )
    account.ingress(app, _from_group("tcp", 0, 65535, https))  # AppFromHttps
    private = account.group(
        "PrivateEgressGroup",
        "cw-eq-cfn-private-egress",
        "Reaches the database network only",
        keep_default_egress=False,  # its SecurityGroupEgress names a rule: the default one goes
    )
    account.ingress(private, _cidr("tcp", 8443, 8443, "10.0.0.0/8"))
    account.egress(private, _cidr("tcp", 5432, 5432, "10.0.0.0/8"))
    # No GroupName: CloudFormation names it after the stack and the logical id.
    account.group(
        "ClientsGroup",
        "equivalence-ClientsGroup-1XJ7Q2Z8KD3F",
        "No rule of its own, so AWS's default egress stays",
        keep_default_egress=True,
    )


def _deploy_plan(account: Account) -> None:
    """equivalence_plan.json as the AWS provider applies it (aws_security_group.admin left out: its
    CIDR is the address of an Elastic IP allocated on apply)."""
    account.bucket(
        "aws_s3_bucket.policy_public",
        "cw-eq-tf-policy-public",
        block=ALL_OFF,
        policy=_public_read("arn:aws:s3:::cw-eq-tf-policy-public/*"),
    )
    account.bucket(
        "aws_s3_bucket.acl_public",
        "cw-eq-tf-acl-public",
        block=ALL_OFF,
        ownership="ObjectWriter",
        acl="public-read",
    )
    account.bucket("aws_s3_bucket.private", "cw-eq-tf-private")
    account.bucket(
        "aws_s3_bucket.restricted",
        "cw-eq-tf-restricted",
        block=ALL_OFF | {"RestrictPublicBuckets": True},
        policy=_public_read(
            "arn:aws:s3:::cw-eq-tf-restricted",
            "arn:aws:s3:::cw-eq-tf-restricted/*",
            actions=["s3:GetObject", "s3:ListBucket"],
        ),
    )
    account.bucket(
        "aws_s3_bucket.website",
        "www.cw-eq-tf.example",
        block=ALL_OFF,
        policy=_public_read("arn:aws:s3:::www.cw-eq-tf.example/*"),
    )

    def group(name: str, description: str) -> str:
        """A group as the provider creates it: AWS's default egress revoked."""
        tf_name = "cw-eq-tf-" + name.replace("_", "-")
        return account.group(f"aws_security_group.{name}", tf_name, description, keep_default_egress=False)

    ssh = group("ssh", "SSH from the world")
    account.ingress(ssh, _cidr("tcp", 22, 22, "0.0.0.0/0"))
    https = group("https", "HTTPS from the world, everything out")
    account.ingress(https, _cidr("tcp", 443, 443, "0.0.0.0/0", "::/0"))
    account.egress(https, EVERYTHING_OUT)
    app = group("app", "Every port from the HTTPS group")
    account.ingress(app, _from_group("-1", None, None, https))  # aws_vpc_security_group_ingress_rule
    private = group("private_egress", "Reaches the database network only")
    account.ingress(private, _cidr("tcp", 8443, 8443, "10.0.0.0/8"))
    account.egress(private, _cidr("tcp", 5432, 5432, "10.0.0.0/8"))
    group("no_egress", "No rule: the provider removes AWS's default egress")


# --- the comparison -----------------------------------------------------------------------------------------


def _assert_agree(
    iac: Verdicts, live: Verdicts, live_ids: dict[str, str], excluded: str, others: set[str]
) -> None:
    """Per rule, per resource: the same resources judged, the same status, the same severity (one level
    lower live for a group FAILing while attached to no interface). `excluded` is the address left
    unknown on purpose; `others` the live resources the configuration does not hold (default groups)."""
    compared = {(rule, address): finding for (rule, address), finding in iac.items() if address != excluded}
    mine = set(live_ids.values())
    for rule in RULES:
        iac_resources = {live_ids[address] for (r, address) in compared if r == rule}
        live_resources = {resource for (r, resource) in live if r == rule}
        expected_others = others if rule in SG_RULES else set()
        assert live_resources == iac_resources | expected_others, rule
        assert iac_resources == {
            live_ids[address] for address in live_ids if _is_judged_by(rule, address, live_ids)
        }, rule
    assert {resource for (_, resource) in live} == mine | others
    for (rule, address), on_plan in compared.items():
        deployed = live[(rule, live_ids[address])]
        assert deployed["status"] == on_plan["status"], (
            rule,
            address,
            on_plan["message"],
            deployed["message"],
        )
        expected = on_plan["severity"]
        if rule in SG_RULES:
            assert on_plan["evidence"]["interfaces"] is None  # a plan cannot know attachments
            assert deployed["evidence"]["interfaces"] == 0
            if deployed["status"] == "FAIL":
                expected = ONE_LEVEL_LOWER[expected]
        assert deployed["severity"] == expected, (rule, address)


def _is_judged_by(rule: str, address: str, live_ids: dict[str, str]) -> bool:
    """Whether `rule` judges the resource deployed for `address` (buckets by the S3 rule, groups by the
    four others)."""
    is_group = live_ids[address].startswith("sg-")
    return is_group == (rule in SG_RULES)


# --- the tests ----------------------------------------------------------------------------------------------


def test_template_verdicts_equal_the_live_verdicts_of_its_deployment(
    emulator: Emulator, tmp_path: Path
) -> None:
    on_template = _by_resource(_iac(TEMPLATE, tmp_path))
    assert _statuses(on_template) == {
        (S3_RULE, "FAIL", "PolicyPublicBucket"),
        (S3_RULE, "FAIL", "AclPublicBucket"),
        (S3_RULE, "PASS", "PrivateBucket"),
        (S3_RULE, "PASS", "RestrictedBucket"),
        (S3_RULE, "PASS", "WebsiteBucket"),
        *_group_statuses(
            minimal_inbound={"SshGroup": "FAIL", "AdminGroup": "UNKNOWN"},
            internal_all_ports={"AppGroup": "FAIL"},
            inbound_rules_only={"PrivateEgressGroup": "FAIL"},
            egress_via_nsm={
                "SshGroup": "FAIL",
                "HttpsGroup": "FAIL",
                "AppGroup": "FAIL",
                "ClientsGroup": "FAIL",
                "AdminGroup": "FAIL",
            },
            groups=("SshGroup", "HttpsGroup", "AppGroup", "PrivateEgressGroup", "ClientsGroup", "AdminGroup"),
        ),
    }
    _assert_left_to_deployment(
        on_template[("sg-minimal-inbound", "AdminGroup")], "AdminGroup.SecurityGroupIngress[0].CidrIp"
    )

    account = Account(emulator)
    _deploy_template(account)
    live = _by_resource(_scan(emulator, tmp_path))
    _assert_agree(on_template, live, account.live_ids(), "AdminGroup", account.default_groups())


def test_plan_verdicts_equal_the_live_verdicts_of_its_deployment(emulator: Emulator, tmp_path: Path) -> None:
    on_plan = _by_resource(_iac(PLAN, tmp_path))
    group = "aws_security_group."
    assert _statuses(on_plan) == {
        (S3_RULE, "FAIL", "aws_s3_bucket.policy_public"),
        (S3_RULE, "FAIL", "aws_s3_bucket.acl_public"),
        (S3_RULE, "PASS", "aws_s3_bucket.private"),
        (S3_RULE, "PASS", "aws_s3_bucket.restricted"),
        (S3_RULE, "PASS", "aws_s3_bucket.website"),
        *_group_statuses(
            minimal_inbound={f"{group}ssh": "FAIL", f"{group}admin": "UNKNOWN"},
            internal_all_ports={f"{group}app": "FAIL"},
            inbound_rules_only={f"{group}private_egress": "FAIL"},
            egress_via_nsm={f"{group}https": "FAIL"},  # the provider removed the default elsewhere
            groups=tuple(
                f"{group}{name}" for name in ("ssh", "https", "app", "private_egress", "no_egress", "admin")
            ),
        ),
    }
    _assert_left_to_deployment(
        on_plan[("sg-minimal-inbound", f"{group}admin")], "aws_security_group_rule.admin_ssh.cidr_blocks[0]"
    )

    account = Account(emulator)
    _deploy_plan(account)
    live = _by_resource(_scan(emulator, tmp_path))
    _assert_agree(on_plan, live, account.live_ids(), f"{group}admin", account.default_groups())


def _group_statuses(
    *,
    minimal_inbound: dict[str, str],
    internal_all_ports: dict[str, str],
    inbound_rules_only: dict[str, str],
    egress_via_nsm: dict[str, str],
    groups: tuple[str, ...],
) -> set[tuple[str, str, str]]:
    """The four group rules' verdicts: the statuses given, PASS for every other group."""
    given = {
        "sg-minimal-inbound": minimal_inbound,
        "sg-no-internal-all-ports": internal_all_ports,
        "sg-inbound-rules-only": inbound_rules_only,
        "sg-egress-via-nsm-only": egress_via_nsm,
    }
    return {(rule, statuses.get(g, "PASS"), g) for rule, statuses in given.items() for g in groups}


def _assert_left_to_deployment(finding: dict[str, Any], attribute: str) -> None:
    assert finding["status"] == "UNKNOWN"
    assert finding["unknown_cause"] == "known-after-apply"
    assert f"{attribute} is known only after apply" in finding["message"]
