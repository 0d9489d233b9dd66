"""The four security-group rules over HTTP against the emulator, including an interface that mixes groups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cloudwarden_emulator import Emulator

from .scanner import cloudwarden, finding, scan_rule, verdicts

SG_RULES = (
    "sg-inbound-rules-only",
    "sg-minimal-inbound",
    "sg-no-internal-all-ports",
    "sg-egress-via-nsm-only",
)


def _cidr(protocol: str, low: int | None, high: int | None, cidr: str) -> dict[str, Any]:
    permission: dict[str, Any] = {"IpProtocol": protocol}
    if low is not None:
        permission |= {"FromPort": low, "ToPort": high}
    key, field = ("Ipv6Ranges", "CidrIpv6") if ":" in cidr else ("IpRanges", "CidrIp")
    return permission | {key: [{field: cidr}]}


def _from_group(protocol: str, low: int | None, high: int | None, group: str) -> dict[str, Any]:
    permission: dict[str, Any] = {"IpProtocol": protocol, "UserIdGroupPairs": [{"GroupId": group}]}
    if low is not None:
        permission |= {"FromPort": low, "ToPort": high}
    return permission


class Network:
    """A VPC with the groups of every case, created over HTTP."""

    def __init__(self, emulator: Emulator) -> None:
        self.ec2 = emulator.client("ec2")
        self.vpc = self.ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        self.subnet = self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
        self.default = self.ec2.describe_security_groups(
            Filters=[{"Name": "vpc-id", "Values": [self.vpc]}, {"Name": "group-name", "Values": ["default"]}]
        )["SecurityGroups"][0]["GroupId"]

    def group(self, name: str, tags: dict[str, str] | None = None) -> str:
        group_id = str(
            self.ec2.create_security_group(GroupName=name, Description=name, VpcId=self.vpc)["GroupId"]
        )
        if tags:
            self.ec2.create_tags(Resources=[group_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        return group_id

    def ingress(self, group: str, *permissions: dict[str, Any]) -> None:
        self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=list(permissions))

    def egress(self, group: str, *permissions: dict[str, Any]) -> None:
        self.ec2.authorize_security_group_egress(GroupId=group, IpPermissions=list(permissions))

    def only_egress(self, group: str, *permissions: dict[str, Any]) -> None:
        """Replace AWS's default "All traffic to 0.0.0.0/0" egress rule."""
        self.ec2.revoke_security_group_egress(
            GroupId=group, IpPermissions=[_cidr("-1", None, None, "0.0.0.0/0")]
        )
        if permissions:
            self.egress(group, *permissions)

    def interface(self, *groups: str) -> str:
        return str(
            self.ec2.create_network_interface(SubnetId=self.subnet, Groups=list(groups))["NetworkInterface"][
                "NetworkInterfaceId"
            ]
        )


def _scan(emulator: Emulator, tmp_path: Path, config: str = "{}\n") -> dict[str, Any]:
    path = tmp_path / "config.yaml"
    path.write_text(config)
    rules = [argument for rule in SG_RULES for argument in ("--rule", rule)]
    run = cloudwarden(
        emulator, "scan", "--region", "us-east-1", *rules, "--format", "json", "--config", str(path)
    )
    assert run.exit_code in (0, 1), run.stderr
    document = run.json()
    assert document["scan"]["errors"] == []
    return document


def _mine(document: dict[str, Any], rule: str, ids: set[str]) -> set[tuple[str, str]]:
    """The verdicts of `rule` on the resources this test created (moto has other default groups)."""
    return {(status, resource) for status, resource in verdicts(document, rule) if resource in ids}


def test_every_security_group_case(emulator: Emulator, tmp_path: Path) -> None:
    net = Network(emulator)
    # AWS gives every default group "All traffic from itself"; the emulator does not, so add it.
    net.ingress(net.default, _from_group("-1", None, None, net.default))
    web = net.group("web")
    net.ingress(web, _cidr("tcp", 443, 443, "0.0.0.0/0"), _cidr("tcp", 80, 80, "::/0"))
    bastion = net.group("bastion")
    net.ingress(bastion, _cidr("tcp", 22, 22, "0.0.0.0/0"))
    wide_open = net.group("wide-open")
    net.ingress(wide_open, _cidr("-1", None, None, "::/0"))
    internal_range = net.group("internal-range")
    net.ingress(internal_range, _cidr("udp", 1000, 1100, "10.0.0.0/8"))
    app = net.group("app")
    net.ingress(app, _from_group("tcp", 8080, 8080, web))
    database = net.group("database")
    net.ingress(database, _from_group("tcp", 0, 65535, app))
    net.only_egress(database)
    mixed = net.group("mixed")
    net.ingress(mixed, _cidr("tcp", 8443, 8443, "10.20.0.0/16"))
    net.only_egress(mixed, _cidr("tcp", 5432, 5432, "10.20.0.0/16"))
    proxy = net.group("nsm-proxy", tags={"role": "nsm"})
    net.ingress(proxy, _from_group("tcp", 3128, 3128, app))
    inbound_only = net.group("inbound-only")
    net.ingress(inbound_only, _cidr("tcp", 9000, 9000, "10.20.0.0/16"))
    net.only_egress(inbound_only)
    governing_only = net.group("governing-only")
    net.only_egress(governing_only, _from_group("tcp", 5432, 5432, database))
    union = net.interface(inbound_only, governing_only)
    single = net.interface(web)
    pair_ok = net.interface(web, proxy)
    for attached in (bastion, app, database, mixed, net.default):
        net.interface(attached)

    document = _scan(
        emulator, tmp_path, config="security_groups:\n  internet_egress_groups: ['tag:role=nsm']\n"
    )
    groups = {net.default, web, bastion, wide_open, internal_range, app, database, mixed, proxy}
    groups |= {inbound_only, governing_only}
    interfaces = {union, single, pair_ok}

    assert _mine(document, "sg-minimal-inbound", groups) == {
        ("PASS", net.default),
        ("PASS", web),
        ("FAIL", bastion),
        ("FAIL", wide_open),
        ("FAIL", internal_range),
        ("PASS", app),
        ("PASS", database),
        ("PASS", mixed),
        ("PASS", proxy),
        ("PASS", inbound_only),
        ("PASS", governing_only),
    }
    assert finding(document, "sg-minimal-inbound", bastion)["severity"] == "high"
    # Attached to nothing, so one level below "critical for all traffic from the world".
    assert finding(document, "sg-minimal-inbound", wide_open)["severity"] == "high"
    assert finding(document, "sg-minimal-inbound", wide_open)["evidence"]["interfaces"] == 0
    assert finding(document, "sg-minimal-inbound", internal_range)["severity"] == "low"
    assert finding(document, "sg-minimal-inbound", bastion)["evidence"]["offending_rules"] == [
        {
            "rule": "TCP 22 from 0.0.0.0/0",
            "why": "open to the world on a port that is not public",
            "severity": "high",
            "permission": _cidr("tcp", 22, 22, "0.0.0.0/0"),
        }
    ]

    assert _mine(document, "sg-no-internal-all-ports", groups) == {
        ("FAIL", net.default),
        ("PASS", web),
        ("PASS", bastion),
        ("PASS", wide_open),
        ("PASS", internal_range),
        ("PASS", app),
        ("FAIL", database),
        ("PASS", mixed),
        ("PASS", proxy),
        ("PASS", inbound_only),
        ("PASS", governing_only),
    }
    assert "TCP all ports from" in finding(document, "sg-no-internal-all-ports", database)["message"]

    assert _mine(document, "sg-inbound-rules-only", groups | interfaces) == {
        ("PASS", net.default),
        ("PASS", web),
        ("PASS", bastion),
        ("PASS", wide_open),
        ("PASS", internal_range),
        ("PASS", app),
        ("PASS", database),
        ("FAIL", mixed),
        ("PASS", proxy),
        ("PASS", inbound_only),
        ("PASS", governing_only),
        ("FAIL", union),
        ("PASS", pair_ok),
    }
    union_finding = finding(document, "sg-inbound-rules-only", union)
    assert union_finding["evidence"]["groups_with_inbound_rules"] == [inbound_only]
    assert union_finding["evidence"]["groups_with_governing_outbound_rules"] == [governing_only]

    assert _mine(document, "sg-egress-via-nsm-only", groups) == {
        ("FAIL", net.default),
        ("FAIL", web),
        ("FAIL", bastion),
        ("FAIL", wide_open),
        ("FAIL", internal_range),
        ("FAIL", app),
        ("PASS", database),
        ("PASS", mixed),
        ("PASS", proxy),
        ("PASS", inbound_only),
        ("PASS", governing_only),
    }
    assert "All traffic to 0.0.0.0/0" in finding(document, "sg-egress-via-nsm-only", web)["remediation"]


def test_fixing_the_bastion_and_the_default_group_makes_them_pass(emulator: Emulator, tmp_path: Path) -> None:
    net = Network(emulator)
    net.ingress(net.default, _from_group("-1", None, None, net.default))
    bastion = net.group("bastion")
    net.ingress(bastion, _cidr("tcp", 22, 22, "0.0.0.0/0"))
    document = _scan(emulator, tmp_path)
    assert _mine(document, "sg-minimal-inbound", {bastion}) == {("FAIL", bastion)}
    assert _mine(document, "sg-no-internal-all-ports", {net.default}) == {("FAIL", net.default)}

    net.ec2.revoke_security_group_ingress(GroupId=bastion, IpPermissions=[_cidr("tcp", 22, 22, "0.0.0.0/0")])
    net.ingress(bastion, _cidr("tcp", 22, 22, "198.51.100.0/24"))
    net.ec2.revoke_security_group_ingress(
        GroupId=net.default, IpPermissions=[_from_group("-1", None, None, net.default)]
    )
    document = _scan(emulator, tmp_path)
    assert _mine(document, "sg-minimal-inbound", {bastion}) == {("PASS", bastion)}
    assert _mine(document, "sg-no-internal-all-ports", {net.default}) == {("PASS", net.default)}


def test_denied_security_group_listing_is_unknown_for_its_region(emulator: Emulator, tmp_path: Path) -> None:
    emulator.inject_error("ec2", "DescribeSecurityGroups", code="UnauthorizedOperation")
    path = tmp_path / "config.yaml"
    path.write_text("{}\n")
    rules = [argument for rule in SG_RULES for argument in ("--rule", rule)]
    run = cloudwarden(
        emulator, "scan", "--region", "us-east-1", *rules, "--format", "json", "--config", str(path)
    )
    document = run.json()
    for rule in SG_RULES:
        assert verdicts(document, rule) == {("UNKNOWN", "123456789012/us-east-1")}, rule
        assert "UnauthorizedOperation" in finding(document, rule, "123456789012/us-east-1")["message"]


def _from_list(protocol: str, low: int, high: int, prefix_list: str) -> dict[str, Any]:
    return {
        "IpProtocol": protocol,
        "FromPort": low,
        "ToPort": high,
        "PrefixListIds": [{"PrefixListId": prefix_list}],
    }


def _prefix_list(net: Network, name: str, *cidrs: str) -> str:
    created = net.ec2.create_managed_prefix_list(
        PrefixListName=name,
        AddressFamily="IPv4",
        MaxEntries=10,
        Entries=[{"Cidr": cidr, "Description": name} for cidr in cidrs],
    )
    return str(created["PrefixList"]["PrefixListId"])


def test_prefix_lists_are_judged_by_their_entries(emulator: Emulator, tmp_path: Path) -> None:
    """A rule that names a prefix list allows the CIDRs in it, read with GetManagedPrefixListEntries."""
    net = Network(emulator)
    anywhere = _prefix_list(net, "anywhere", "0.0.0.0/0")
    office = _prefix_list(net, "office", "198.51.100.0/24", "203.0.113.0/24")
    internal = _prefix_list(net, "internal", "10.30.0.0/16")
    open_ssh = net.group("ssh-from-a-list-of-everyone")
    net.ingress(open_ssh, _from_list("tcp", 22, 22, anywhere))
    office_ssh = net.group("ssh-from-the-office-list")
    net.ingress(office_ssh, _from_list("tcp", 22, 22, office))
    out_internal = net.group("egress-to-an-internal-list")
    net.only_egress(out_internal, _from_list("tcp", 5432, 5432, internal))
    out_world = net.group("egress-to-a-list-of-everyone")
    net.only_egress(out_world, _from_list("tcp", 443, 443, anywhere))
    ids = {open_ssh, office_ssh, out_internal, out_world}

    document = _scan(emulator, tmp_path)
    assert _mine(document, "sg-minimal-inbound", ids) == {
        ("FAIL", open_ssh),
        ("PASS", office_ssh),
        ("PASS", out_internal),
        ("PASS", out_world),
    }
    failing = finding(document, "sg-minimal-inbound", open_ssh)
    assert (
        failing["evidence"]["offending_rules"][0]["rule"]
        == f"TCP 22 from 0.0.0.0/0 (in prefix list {anywhere})"
    )
    assert _mine(document, "sg-egress-via-nsm-only", ids) == {
        ("FAIL", open_ssh),  # AWS's default "All traffic to 0.0.0.0/0" is still there
        ("FAIL", office_ssh),
        ("PASS", out_internal),
        ("FAIL", out_world),
    }
    operations = document["scan"]["stats"]["operations"]
    assert operations["ec2.GetManagedPrefixListEntries"]["calls"] == 3


def test_unreadable_prefix_list_entries_make_their_rules_unknown(emulator: Emulator, tmp_path: Path) -> None:
    net = Network(emulator)
    office = _prefix_list(net, "office", "198.51.100.0/24")
    ssh = net.group("ssh-from-the-office-list")
    net.ingress(ssh, _from_list("tcp", 22, 22, office))
    web = net.group("https-from-the-office-list")
    net.ingress(web, _from_list("tcp", 443, 443, office))
    emulator.inject_error("ec2", "GetManagedPrefixListEntries", code="UnauthorizedOperation")

    document = scan_rule(emulator, tmp_path, "sg-minimal-inbound", "{}\n").json()
    assert _mine(document, "sg-minimal-inbound", {ssh, web}) == {("UNKNOWN", ssh), ("PASS", web)}
    message = finding(document, "sg-minimal-inbound", ssh)["message"]
    assert office in message
    assert "UnauthorizedOperation" in message
    assert [error["resource"] for error in document["scan"]["errors"]] == [office]
