"""The four security-group rules on hand-built snapshots: exact verdicts per group and interface.

- sg-minimal-inbound: an inbound rule from a CIDR may not open all traffic, every port, more ports
  than `max_port_range`, or from a world-open source anything but `public_ports`;
- sg-no-internal-all-ports: the default group has no inbound rule, and no group opens every port
  to a group reference;
- sg-inbound-rules-only: no group (nor the union of the groups on one interface) mixes inbound rules
  with outbound rules that govern access to non-internet destinations, except internet egress groups;
- sg-egress-via-nsm-only: only the internet egress groups reach the internet.

A rule naming a managed prefix list is judged entry by entry, each entry like a CIDR (a customer list
may hold 0.0.0.0/0); where the entries of a list are unknown, a verdict that depends on them is
UNKNOWN with the reason. Groups attached to nothing are judged one severity level lower; unreadable
regions are UNKNOWN.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import msgspec
import pytest

from cloudwarden.findings import Severity, Status
from cloudwarden.rules.base import Rule, RuleContext, Verdict
from cloudwarden.rules.security_groups import (
    SG_EGRESS_VIA_NSM_ONLY,
    SG_INBOUND_RULES_ONLY,
    SG_MINIMAL_INBOUND,
    SG_NO_INTERNAL_ALL_PORTS,
)
from cloudwarden.semantics.inventory import OrganisationInventory
from cloudwarden.snapshot import (
    AccountSnapshot,
    ApiError,
    GroupPair,
    IpPermission,
    NetworkInterface,
    PrefixList,
    SecurityGroup,
    Vpc,
)

from .builders import (
    ACCOUNT_ID,
    ALL_TRAFFIC_TO_INTERNET,
    HOME_REGION,
    OTHER_ACCOUNT_ID,
    SECOND_REGION,
    VPC_CIDR,
    VPC_ID,
    default_group,
    ec2_account,
    ec2_api_error,
    network_interface,
    outcomes,
    own_interface,
    permission,
    run,
    s3_api_error,
    security_group,
    severity_of,
    sg_context,
)

RULES = (SG_MINIMAL_INBOUND, SG_NO_INTERNAL_ALL_PORTS, SG_INBOUND_RULES_ONLY, SG_EGRESS_VIA_NSM_ONLY)

WEB = "sg-0c1a2b3d4e5f60101"
APP = "sg-0c1a2b3d4e5f60202"
DB = "sg-0c1a2b3d4e5f60303"
NSM = "sg-0c1a2b3d4e5f60404"
DEFAULT = "sg-0c1a2b3d4e5f60505"
OUTBOUND = "sg-0c1a2b3d4e5f60606"
EU_WEB = "sg-0c1a2b3d4e5f60707"
"""A group in the second scanned region."""
CLIENTS = "sg-0c1a2b3d4e5f60808"
SHARED_ENI = "eni-07e1a2b3c4d5e6f70"
"""An interface carrying several groups."""
ADMIN_RANGE = "8.8.8.0/24"
"""A specific public range (an office's): internet, but not world-open."""
US_UNKNOWN = f"{ACCOUNT_ID}/{HOME_REGION}"
EU_UNKNOWN = f"{ACCOUNT_ID}/{SECOND_REGION}"

SSH_FROM_WORLD = permission("tcp", 22, "0.0.0.0/0")
HTTPS_FROM_WORLD = permission("tcp", 443, "0.0.0.0/0", "::/0")
HTTPS_FROM_VPC = permission("tcp", 443, "10.20.0.0/16")
POSTGRES_TO_DB = permission("tcp", 5432, DB)
NO_EGRESS: Sequence[IpPermission] = ()


def prefix_list(
    list_id: str,
    entries: Sequence[str] | None,
    *,
    region: str = HOME_REGION,
    name: str | None = None,
    owner_id: str = ACCOUNT_ID,
) -> PrefixList:
    """A managed prefix list as collected: its CIDRs, or None when they could not be read."""
    return PrefixList(
        id=list_id,
        region=region,
        name=name or f"list-{list_id[-4:]}",
        owner_id=owner_id,
        entries=None if entries is None else tuple(entries),
    )


def entries_error(list_id: str, region: str = HOME_REGION) -> ApiError:
    """GetManagedPrefixListEntries failed for `list_id` in `region`."""
    return msgspec.structs.replace(ec2_api_error("GetManagedPrefixListEntries", region), resource=list_id)


S3_PREFIX_LIST = "pl-63a5400a"
"""AWS's list for S3 in us-east-1 (com.amazonaws.us-east-1.s3): public AWS ranges."""
VPC_PREFIX_LIST = "pl-0c1a2b3d4e5f6a101"
"""A customer list of one private range: the VPC's."""
OFFICE_PREFIX_LIST = "pl-0c1a2b3d4e5f6a202"
"""A customer list of office ranges: public, but none world-open."""
PRIVATE_PREFIX_LIST = "pl-0c1a2b3d4e5f6a303"
"""A customer list of private ranges, IPv4 and IPv6."""
OPEN_PREFIX_LIST = "pl-0c1a2b3d4e5f6a404"
"""A customer list that someone extended with 0.0.0.0/0."""
OPEN_V6_PREFIX_LIST = "pl-0c1a2b3d4e5f6a505"
"""A customer list that someone extended with ::/0."""
WORLD_PREFIX_LIST = "pl-0c1a2b3d4e5f6a0a0"
"""A customer list of nothing but 0.0.0.0/0 and ::/0 (an "anywhere" list)."""
EMPTY_PREFIX_LIST = "pl-0c1a2b3d4e5f6a606"
GARBAGE_PREFIX_LIST = "pl-0c1a2b3d4e5f6a707"
"""A list whose one entry is not a CIDR."""
UNREAD_PREFIX_LIST = "pl-0c1a2b3d4e5f6a808"
"""A list whose record was read but whose entries could not be (see `entries_error`)."""
OTHER_UNREAD_PREFIX_LIST = "pl-0c1a2b3d4e5f6a909"
MISSING_PREFIX_LIST = "pl-0c1a2b3d4e5f6aaaa"
"""A list that rules name but that has no record in the snapshot."""

S3_RANGES = ("3.5.0.0/19", "16.15.176.0/20", "52.216.0.0/15", "54.231.0.0/16")
OFFICE_RANGES = (ADMIN_RANGE, "8.8.4.0/24", "2a00:1450:4001::/48")
PRIVATE_RANGES = (VPC_CIDR, "192.168.0.0/16", "fd00:20::/56")

KNOWN_LISTS = (
    prefix_list(S3_PREFIX_LIST, S3_RANGES, name="com.amazonaws.us-east-1.s3", owner_id="AWS"),
    prefix_list(VPC_PREFIX_LIST, (VPC_CIDR,)),
    prefix_list(OFFICE_PREFIX_LIST, OFFICE_RANGES),
    prefix_list(PRIVATE_PREFIX_LIST, PRIVATE_RANGES),
    prefix_list(OPEN_PREFIX_LIST, (VPC_CIDR, "0.0.0.0/0")),
    prefix_list(OPEN_V6_PREFIX_LIST, ("fd00:20::/56", "::/0")),
    prefix_list(WORLD_PREFIX_LIST, ("0.0.0.0/0", "::/0")),
    prefix_list(EMPTY_PREFIX_LIST, ()),
    prefix_list(GARBAGE_PREFIX_LIST, ("not-a-cidr",)),
)
"""The lists of the home region whose entries were read."""
UNREAD_LISTS = (
    prefix_list(UNREAD_PREFIX_LIST, None),
    prefix_list(OTHER_UNREAD_PREFIX_LIST, None),
)
UNREAD_ERRORS = (entries_error(UNREAD_PREFIX_LIST), entries_error(OTHER_UNREAD_PREFIX_LIST))
UNREAD_REASON = (
    f"the entries of prefix list {UNREAD_PREFIX_LIST} could not be read: ec2:GetManagedPrefixListEntries "
    f"for {UNREAD_PREFIX_LIST} in {HOME_REGION} failed: UnauthorizedOperation: "
    "You are not authorized to perform this operation."
)
"""Why the entries of UNREAD_PREFIX_LIST are unknown, in the words of an UNKNOWN verdict."""


def check(
    rule: Rule,
    *groups: SecurityGroup,
    interfaces: Sequence[NetworkInterface] | None = None,
    errors: Sequence[ApiError] = (),
    rule_context: RuleContext | None = None,
    prefix_lists: Sequence[PrefixList] = (),
) -> list[Verdict]:
    """The rule's verdicts on an account holding `groups` (each on an interface of its own unless
    `interfaces` says otherwise) and the records of `prefix_lists`; never two verdicts for one resource."""
    target = with_prefix_lists(ec2_account(*groups, interfaces=interfaces, errors=errors), *prefix_lists)
    verdicts = run(rule, target, rule_context or sg_context())
    assert len(verdicts) == len(outcomes(verdicts)), verdicts
    return verdicts


def with_prefix_lists(target: AccountSnapshot, *prefix_lists: PrefixList) -> AccountSnapshot:
    """`target` whose network data holds the records of `prefix_lists` (and no other list)."""
    assert target.ec2 is not None
    return msgspec.structs.replace(
        target, ec2=msgspec.structs.replace(target.ec2, prefix_lists=tuple(prefix_lists))
    )


def verdict_for(verdicts: Sequence[Verdict], resource_id: str) -> Verdict:
    (found,) = [verdict for verdict in verdicts if verdict.resource.id == resource_id]
    return found


def only(verdicts: Sequence[Verdict]) -> Verdict:
    assert len(verdicts) == 1, verdicts
    return verdicts[0]


# --- the rules --------------------------------------------------------------------------------------


def test_rules_enforce_the_four_guidelines_of_the_section() -> None:
    assert [(rule.id, rule.guideline, rule.severity) for rule in RULES] == [
        ("sg-minimal-inbound", "Disallow inbound network access by default", Severity.HIGH),
        (
            "sg-no-internal-all-ports",
            "Disallow inbound network access from internal resources",
            Severity.HIGH,
        ),
        (
            "sg-inbound-rules-only",
            "Use inbound security group rules instead of outbound security group rules to govern access",
            Severity.MEDIUM,
        ),
        (
            "sg-egress-via-nsm-only",
            "Disallow outbound internet access except through HTTP proxy on NSM server",
            Severity.MEDIUM,
        ),
    ]
    for rule in RULES:
        assert rule.section == "Security Groups"
        assert rule.resource_type == "AWS::EC2::SecurityGroup"
        assert rule.permissions == ("ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces")


# --- sg-minimal-inbound -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("allowed", "expected", "shown", "why"),
    [
        pytest.param(
            SSH_FROM_WORLD,
            Severity.HIGH,
            "TCP 22 from 0.0.0.0/0",
            "open to the world on a port that is not public",
            id="ssh-from-0.0.0.0/0-high",
        ),
        pytest.param(
            permission("tcp", 22, "::/0"),
            Severity.HIGH,
            "TCP 22 from ::/0",
            "open to the world on a port that is not public",
            id="ssh-from-::/0-high",
        ),
        pytest.param(
            permission("6", 22, "0.0.0.0/0"),
            Severity.HIGH,
            "TCP 22 from 0.0.0.0/0",
            "open to the world on a port that is not public",
            id="protocol-number-6-is-tcp",
        ),
        pytest.param(
            permission("udp", 53, "0.0.0.0/0"),
            Severity.HIGH,
            "UDP 53 from 0.0.0.0/0",
            "open to the world on a port that is not public",
            id="udp-53-from-world-high",
        ),
        pytest.param(
            permission("tcp", (80, 443), "0.0.0.0/0"),
            Severity.HIGH,
            "TCP 80-443 from 0.0.0.0/0",
            "364 ports, more than 32",
            id="range-80-443-from-world-between-public-ports-high",
        ),
        pytest.param(
            permission("tcp", (80, 81), "0.0.0.0/0"),
            Severity.HIGH,
            "TCP 80-81 from 0.0.0.0/0",
            "open to the world on a port that is not public",
            id="range-80-81-from-world-includes-a-non-public-port",
        ),
        pytest.param(
            permission("tcp", (0, 65535), "0.0.0.0/0"),
            Severity.CRITICAL,
            "TCP all ports from 0.0.0.0/0",
            "every port",
            id="all-tcp-from-world-critical",
        ),
        pytest.param(
            permission("udp", (0, 65535), "::/0"),
            Severity.CRITICAL,
            "UDP all ports from ::/0",
            "every port",
            id="all-udp-from-ipv6-world-critical",
        ),
        pytest.param(
            permission("tcp", (0, 65535), "10.0.0.0/8"),
            Severity.MEDIUM,
            "TCP all ports from 10.0.0.0/8",
            "every port",
            id="all-tcp-from-10/8-medium",
        ),
        pytest.param(
            permission("-1", None, "::/0"),
            Severity.CRITICAL,
            "All traffic from ::/0",
            "all traffic",
            id="all-traffic-from-::/0-critical",
        ),
        pytest.param(
            permission("-1", None, "0.0.0.0/0"),
            Severity.CRITICAL,
            "All traffic from 0.0.0.0/0",
            "all traffic",
            id="all-traffic-from-0.0.0.0/0-critical",
        ),
        pytest.param(
            permission("-1", None, "10.20.0.0/16"),
            Severity.MEDIUM,
            "All traffic from 10.20.0.0/16",
            "all traffic",
            id="all-traffic-from-the-vpc-medium",
        ),
        pytest.param(
            permission("-1", None, ADMIN_RANGE),
            Severity.MEDIUM,
            f"All traffic from {ADMIN_RANGE}",
            "all traffic",
            id="all-traffic-from-a-specific-public-range-medium",
        ),
        pytest.param(
            permission("udp", (1000, 1040), "10.0.0.0/16"),
            Severity.MEDIUM,
            "UDP 1000-1040 from 10.0.0.0/16",
            "41 ports, more than 32",
            id="udp-41-ports-internal-medium",
        ),
        pytest.param(
            permission("50", None, "0.0.0.0/0"),
            Severity.HIGH,
            "protocol 50 (all of it) from 0.0.0.0/0",
            "a whole protocol from the world",
            id="esp-from-world-high",
        ),
        pytest.param(
            permission("tcp", 22, "8.0.0.0/7"),
            Severity.HIGH,
            "TCP 22 from 8.0.0.0/7",
            "open to the world on a port that is not public",
            id="ssh-from-public-/7-is-world-open",
        ),
        pytest.param(
            permission("tcp", 22, "2600::/31"),
            Severity.HIGH,
            "TCP 22 from 2600::/31",
            "open to the world on a port that is not public",
            id="ssh-from-public-ipv6-/31-is-world-open",
        ),
        pytest.param(
            permission("-1", None, VPC_PREFIX_LIST),
            Severity.MEDIUM,
            f"All traffic from {VPC_CIDR} (in prefix list {VPC_PREFIX_LIST})",
            "all traffic",
            id="all-traffic-from-a-prefix-list-is-judged-on-its-entries",
        ),
    ],
)
def test_inbound_rule_that_is_too_broad_fails(
    allowed: IpPermission, expected: Severity, shown: str, why: str
) -> None:
    verdicts = check(
        SG_MINIMAL_INBOUND, security_group(WEB, "web", ingress=[allowed]), prefix_lists=KNOWN_LISTS
    )
    assert outcomes(verdicts) == {(Status.FAIL, WEB)}
    verdict = only(verdicts)
    assert severity_of(SG_MINIMAL_INBOUND, verdict) is expected
    assert verdict.message == f"inbound rules too broad: {shown} ({why})"
    assert verdict.evidence["offending_rules"] == [{"rule": shown, "why": why, "severity": expected.value}]
    assert verdict.evidence["interfaces"] == 1
    assert verdict.remediation is not None
    assert verdict.remediation.startswith(f"In {WEB} (web), remove or narrow: {shown}. ")
    assert "keep world-open rules to ports 80, 443" in verdict.remediation


@pytest.mark.parametrize(
    "allowed",
    [
        pytest.param(permission("tcp", 80, "0.0.0.0/0", "::/0"), id="http-from-world"),
        pytest.param(HTTPS_FROM_WORLD, id="https-from-world"),
        pytest.param(permission("tcp", (1000, 1031), "10.0.0.0/16"), id="32-ports-internal"),
        pytest.param(permission("tcp", 22, "10.0.0.0/8"), id="ssh-from-private-range"),
        pytest.param(permission("icmp", (-1, -1), "0.0.0.0/0"), id="all-icmp-from-world"),
        pytest.param(permission("icmp", (8, 0), "0.0.0.0/0"), id="echo-request-from-world"),
        pytest.param(permission("icmpv6", (-1, -1), "::/0"), id="all-icmpv6-from-world"),
        pytest.param(permission("58", (-1, -1), "::/0"), id="protocol-number-58-is-icmpv6"),
        pytest.param(permission("tcp", 22, "203.0.113.7/32"), id="ssh-from-documentation-range"),
        pytest.param(permission("tcp", 22, ADMIN_RANGE), id="ssh-from-a-specific-public-/24"),
        pytest.param(permission("tcp", 22, "8.0.0.0/8"), id="ssh-from-public-/8-is-not-wider-than-/8"),
        pytest.param(permission("tcp", 22, "2600:1f00::/32"), id="ssh-from-public-ipv6-/32"),
        pytest.param(permission("50", None, "10.0.0.0/8"), id="esp-from-private-range"),
        pytest.param(permission("-1", None, APP), id="group-reference-is-not-a-cidr-source"),
        pytest.param(permission("tcp", 22, OFFICE_PREFIX_LIST), id="ssh-from-a-prefix-list-of-office-ranges"),
    ],
)
def test_inbound_rule_limited_enough_passes(allowed: IpPermission) -> None:
    verdicts = check(
        SG_MINIMAL_INBOUND, security_group(WEB, "web", ingress=[allowed]), prefix_lists=KNOWN_LISTS
    )
    assert outcomes(verdicts) == {(Status.PASS, WEB)}
    verdict = only(verdicts)
    assert verdict.message == "inbound access is limited to the ports and sources that need it"
    assert verdict.severity is None
    assert verdict.remediation is None
    assert "offending_rules" not in verdict.evidence


def test_group_without_inbound_rules_passes_minimal_inbound() -> None:
    verdicts = check(SG_MINIMAL_INBOUND, security_group(WEB, "web"))
    assert outcomes(verdicts) == {(Status.PASS, WEB)}


def test_several_broad_inbound_rules_fail_at_the_worst_severity_listing_the_worst_first() -> None:
    group = security_group(
        WEB,
        "web",
        ingress=[
            HTTPS_FROM_WORLD,
            SSH_FROM_WORLD,
            permission("udp", (1000, 1040), "10.0.0.0/16"),
            permission("-1", None, "::/0"),
            permission("tcp", 3389, "0.0.0.0/0"),
        ],
    )
    verdict = only(check(SG_MINIMAL_INBOUND, group))
    assert verdict.status is Status.FAIL
    assert severity_of(SG_MINIMAL_INBOUND, verdict) is Severity.CRITICAL
    assert verdict.evidence["offending_rules"] == [
        {"rule": "All traffic from ::/0", "why": "all traffic", "severity": "critical"},
        {
            "rule": "TCP 22 from 0.0.0.0/0",
            "why": "open to the world on a port that is not public",
            "severity": "high",
        },
        {
            "rule": "TCP 3389 from 0.0.0.0/0",
            "why": "open to the world on a port that is not public",
            "severity": "high",
        },
        {"rule": "UDP 1000-1040 from 10.0.0.0/16", "why": "41 ports, more than 32", "severity": "medium"},
    ]
    assert verdict.message == (
        "inbound rules too broad: All traffic from ::/0 (all traffic); "
        "TCP 22 from 0.0.0.0/0 (open to the world on a port that is not public); "
        "TCP 3389 from 0.0.0.0/0 (open to the world on a port that is not public); and 1 more"
    )
    assert verdict.remediation is not None
    assert verdict.remediation.startswith(
        f"In {WEB} (web), remove or narrow: All traffic from ::/0; TCP 22 from 0.0.0.0/0; "
        "TCP 3389 from 0.0.0.0/0; UDP 1000-1040 from 10.0.0.0/16. "
    )
    assert "TCP 443" not in verdict.remediation


def test_configured_public_ports_and_port_range_replace_the_defaults() -> None:
    groups = [
        security_group(WEB, "bastion", ingress=[SSH_FROM_WORLD]),
        security_group(APP, "https", ingress=[permission("tcp", 443, "0.0.0.0/0")]),
        security_group(DB, "rtp", ingress=[permission("udp", (1000, 1040), "10.0.0.0/16")]),
        security_group(OUTBOUND, "wide", ingress=[permission("tcp", (1000, 1100), "10.0.0.0/16")]),
    ]
    verdicts = check(
        SG_MINIMAL_INBOUND, *groups, rule_context=sg_context(public_ports=[22], max_port_range=100)
    )
    assert outcomes(verdicts) == {
        (Status.PASS, WEB),
        (Status.FAIL, APP),
        (Status.PASS, DB),
        (Status.FAIL, OUTBOUND),
    }
    https = verdict_for(verdicts, APP)
    assert severity_of(SG_MINIMAL_INBOUND, https) is Severity.HIGH
    assert https.evidence["offending_rules"][0]["why"] == "open to the world on a port that is not public"
    assert https.remediation is not None
    assert "keep world-open rules to ports 22." in https.remediation
    wide = verdict_for(verdicts, OUTBOUND)
    assert severity_of(SG_MINIMAL_INBOUND, wide) is Severity.MEDIUM
    assert wide.evidence["offending_rules"][0]["why"] == "101 ports, more than 100"


def test_world_open_range_made_only_of_configured_public_ports_passes() -> None:
    group = security_group(WEB, "proxy", ingress=[permission("tcp", (8080, 8081), "0.0.0.0/0")])
    verdicts = check(SG_MINIMAL_INBOUND, group, rule_context=sg_context(public_ports=[8080, 8081]))
    assert outcomes(verdicts) == {(Status.PASS, WEB)}


def test_without_public_ports_even_https_from_the_world_fails() -> None:
    group = security_group(WEB, "web", ingress=[HTTPS_FROM_WORLD])
    verdicts = check(SG_MINIMAL_INBOUND, group, rule_context=sg_context(public_ports=[]))
    assert outcomes(verdicts) == {(Status.FAIL, WEB)}
    verdict = only(verdicts)
    assert [item["rule"] for item in verdict.evidence["offending_rules"]] == [
        "TCP 443 from 0.0.0.0/0",
        "TCP 443 from ::/0",
    ]
    assert verdict.remediation is not None
    assert "keep world-open rules to ports (none)." in verdict.remediation


@pytest.mark.parametrize(
    ("allowed", "attached", "unattached"),
    [
        pytest.param(permission("-1", None, "0.0.0.0/0"), Severity.CRITICAL, Severity.HIGH, id="critical"),
        pytest.param(SSH_FROM_WORLD, Severity.HIGH, Severity.MEDIUM, id="high"),
        pytest.param(permission("tcp", (0, 65535), "10.0.0.0/8"), Severity.MEDIUM, Severity.LOW, id="medium"),
    ],
)
def test_unattached_group_with_broad_inbound_rules_fails_one_level_lower(
    allowed: IpPermission, attached: Severity, unattached: Severity
) -> None:
    used = security_group(WEB, "used", ingress=[allowed])
    unused = security_group(APP, "unused", ingress=[allowed])
    verdicts = check(SG_MINIMAL_INBOUND, used, unused, interfaces=[own_interface(used)])
    assert outcomes(verdicts) == {(Status.FAIL, WEB), (Status.FAIL, APP)}
    assert severity_of(SG_MINIMAL_INBOUND, verdict_for(verdicts, WEB)) is attached
    assert verdict_for(verdicts, WEB).evidence["interfaces"] == 1
    assert severity_of(SG_MINIMAL_INBOUND, verdict_for(verdicts, APP)) is unattached
    assert verdict_for(verdicts, APP).evidence["interfaces"] == 0
    assert verdict_for(verdicts, APP).evidence["offending_rules"][0]["severity"] == attached.value


def test_evidence_counts_the_interfaces_that_carry_each_group_and_names_its_vpc() -> None:
    default_vpc = Vpc(
        id="vpc-0d0e0f1a2b3c4d5e6", region=HOME_REGION, cidrs=("172.31.0.0/16",), is_default=True
    )
    web = security_group(WEB, "web", ingress=[SSH_FROM_WORLD], vpc_id=default_vpc.id)
    app = security_group(APP, "app", ingress=[SSH_FROM_WORLD])
    lost = security_group(DB, "lost", ingress=[SSH_FROM_WORLD], vpc_id="vpc-0ffffffffffffffff")
    interfaces = [
        network_interface("eni-0a0000000000000a1", WEB),
        network_interface("eni-0a0000000000000a2", WEB, APP),
        network_interface("eni-0a0000000000000a3", WEB),
    ]
    vpcs = [default_vpc, Vpc(id=VPC_ID, region=HOME_REGION, cidrs=("10.20.0.0/16",))]
    target = ec2_account(web, app, lost, interfaces=interfaces, vpcs=vpcs)
    verdicts = run(SG_MINIMAL_INBOUND, target, sg_context())
    assert outcomes(verdicts) == {(Status.FAIL, WEB), (Status.FAIL, APP), (Status.FAIL, DB)}
    evidence = {
        verdict.resource.id: {key: verdict.evidence[key] for key in ("vpc", "default_vpc", "interfaces")}
        for verdict in verdicts
    }
    assert evidence == {
        WEB: {"vpc": default_vpc.id, "default_vpc": True, "interfaces": 3},
        APP: {"vpc": VPC_ID, "default_vpc": False, "interfaces": 1},
        DB: {"vpc": "vpc-0ffffffffffffffff", "default_vpc": None, "interfaces": 0},
    }
    web_verdict = verdict_for(verdicts, WEB)
    assert web_verdict.resource.type == "AWS::EC2::SecurityGroup"
    assert web_verdict.resource.name == "web"
    assert web_verdict.resource.arn == f"arn:aws:ec2:{HOME_REGION}:{ACCOUNT_ID}:security-group/{WEB}"
    assert web_verdict.region == HOME_REGION


# --- sg-no-internal-all-ports -------------------------------------------------------------------------


def test_default_group_as_aws_creates_it_fails_high() -> None:
    verdicts = check(SG_NO_INTERNAL_ALL_PORTS, default_group(DEFAULT))
    assert outcomes(verdicts) == {(Status.FAIL, DEFAULT)}
    verdict = only(verdicts)
    assert severity_of(SG_NO_INTERNAL_ALL_PORTS, verdict) is Severity.HIGH
    assert verdict.evidence["offending_rules"] == [
        {
            "rule": f"All traffic from {DEFAULT} (this group)",
            "why": "the default group must have no inbound rule",
        }
    ]
    assert verdict.message == (
        f"inbound access from internal resources on all ports: All traffic from {DEFAULT} (this group) "
        "(the default group must have no inbound rule)"
    )
    assert verdict.remediation is not None
    assert verdict.remediation == (
        f"Delete the inbound rules of the default group {DEFAULT}: All traffic from {DEFAULT} (this group). "
        "Give resources groups of their own instead."
    )


def test_default_group_without_inbound_rules_passes() -> None:
    emptied = msgspec.structs.replace(default_group(DEFAULT), ingress=())
    verdicts = check(SG_NO_INTERNAL_ALL_PORTS, emptied)
    assert outcomes(verdicts) == {(Status.PASS, DEFAULT)}
    assert only(verdicts).message == "no inbound rule opens every port to other resources"


def test_default_group_with_any_inbound_rule_fails_even_a_single_port_from_a_cidr() -> None:
    narrowed = msgspec.structs.replace(
        default_group(DEFAULT), ingress=(permission("tcp", 22, "10.20.0.0/16"),)
    )
    verdicts = check(SG_NO_INTERNAL_ALL_PORTS, narrowed)
    assert outcomes(verdicts) == {(Status.FAIL, DEFAULT)}
    assert only(verdicts).evidence["offending_rules"] == [
        {"rule": "TCP 22 from 10.20.0.0/16", "why": "the default group must have no inbound rule"}
    ]


def test_default_group_remediation_names_the_rules_it_actually_has() -> None:
    narrowed = msgspec.structs.replace(
        default_group(DEFAULT), ingress=(permission("tcp", 22, "10.20.0.0/16"),)
    )
    verdict = only(check(SG_NO_INTERNAL_ALL_PORTS, narrowed))
    assert verdict.remediation is not None
    assert DEFAULT in verdict.remediation
    assert "TCP 22 from 10.20.0.0/16" in verdict.remediation
    assert "All traffic" not in verdict.remediation


@pytest.mark.parametrize(
    ("allowed", "shown"),
    [
        pytest.param(
            permission("-1", None, APP), f"All traffic from {APP} (this group)", id="all-traffic-from-itself"
        ),
        pytest.param(permission("-1", None, WEB), f"All traffic from {WEB}", id="all-traffic-from-another"),
        pytest.param(permission("tcp", (0, 65535), WEB), f"TCP all ports from {WEB}", id="all-tcp"),
        pytest.param(permission("udp", (0, 65535), WEB), f"UDP all ports from {WEB}", id="all-udp"),
        pytest.param(
            IpPermission(protocol="-1", groups=(GroupPair(group_id=WEB, user_id=OTHER_ACCOUNT_ID),)),
            f"All traffic from {WEB} (account {OTHER_ACCOUNT_ID})",
            id="all-traffic-from-another-accounts-group",
        ),
    ],
)
def test_all_ports_from_a_group_reference_fails_high(allowed: IpPermission, shown: str) -> None:
    group = security_group(APP, "app", ingress=[allowed])
    verdicts = check(SG_NO_INTERNAL_ALL_PORTS, group)
    assert outcomes(verdicts) == {(Status.FAIL, APP)}
    verdict = only(verdicts)
    assert severity_of(SG_NO_INTERNAL_ALL_PORTS, verdict) is Severity.HIGH
    assert verdict.evidence["offending_rules"] == [{"rule": shown, "why": "every port from a security group"}]
    assert verdict.remediation == (
        f"In {APP} (app), replace {shown} with rules for the ports the service actually uses."
    )


@pytest.mark.parametrize(
    "allowed",
    [
        pytest.param(permission("tcp", 8080, WEB), id="single-port-from-a-group"),
        pytest.param(permission("tcp", 5432, APP), id="single-port-from-itself"),
        pytest.param(permission("tcp", (8000, 8010), WEB), id="port-range-from-a-group"),
        pytest.param(permission("icmp", (-1, -1), WEB), id="icmp-from-a-group"),
        pytest.param(permission("tcp", (0, 65535), "10.20.0.0/16"), id="all-ports-from-a-cidr"),
        pytest.param(
            permission("-1", None, PRIVATE_PREFIX_LIST), id="all-traffic-from-a-prefix-list-of-private-ranges"
        ),
        pytest.param(
            permission("-1", None, UNREAD_PREFIX_LIST),
            id="all-traffic-from-a-prefix-list-of-unknown-entries-holds-cidrs-never-groups",
        ),
    ],
)
def test_group_reference_on_limited_ports_or_non_group_source_passes(allowed: IpPermission) -> None:
    verdicts = check(
        SG_NO_INTERNAL_ALL_PORTS,
        security_group(APP, "app", ingress=[allowed]),
        prefix_lists=[*KNOWN_LISTS, *UNREAD_LISTS],
        errors=UNREAD_ERRORS,
    )
    assert outcomes(verdicts) == {(Status.PASS, APP)}


def test_unattached_groups_opening_all_ports_internally_fail_one_level_lower() -> None:
    used = security_group(APP, "app", ingress=[permission("-1", None, APP)])
    verdicts = check(SG_NO_INTERNAL_ALL_PORTS, used, default_group(DEFAULT), interfaces=[own_interface(used)])
    assert outcomes(verdicts) == {(Status.FAIL, APP), (Status.FAIL, DEFAULT)}
    assert severity_of(SG_NO_INTERNAL_ALL_PORTS, verdict_for(verdicts, APP)) is Severity.HIGH
    assert severity_of(SG_NO_INTERNAL_ALL_PORTS, verdict_for(verdicts, DEFAULT)) is Severity.MEDIUM
    assert verdict_for(verdicts, DEFAULT).evidence["interfaces"] == 0


# --- sg-inbound-rules-only ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "egress",
    [
        pytest.param([ALL_TRAFFIC_TO_INTERNET], id="aws-default-all-traffic-out"),
        pytest.param(NO_EGRESS, id="no-outbound-rule"),
        pytest.param([permission("-1", None, "10.0.0.0/8")], id="all-traffic-to-private-space"),
        pytest.param([permission("-1", None, DB)], id="all-traffic-to-a-group"),
        pytest.param([permission("tcp", 443, "0.0.0.0/0", "::/0")], id="https-to-the-internet"),
        pytest.param([permission("tcp", 443, "52.94.0.0/22")], id="https-to-a-public-range"),
        pytest.param(
            [permission("tcp", 443, S3_PREFIX_LIST)], id="https-to-a-prefix-list-of-public-aws-ranges"
        ),
        pytest.param([permission("tcp", 5432, EMPTY_PREFIX_LIST)], id="port-to-an-empty-prefix-list"),
    ],
)
def test_inbound_rules_with_open_or_internet_outbound_rules_pass(egress: Sequence[IpPermission]) -> None:
    group = security_group(APP, "app", ingress=[HTTPS_FROM_VPC], egress=egress)
    verdicts = check(SG_INBOUND_RULES_ONLY, group, prefix_lists=KNOWN_LISTS)
    assert outcomes(verdicts) == {(Status.PASS, APP)}
    assert only(verdicts).message == (
        "the group does not mix inbound rules with outbound rules that govern access"
    )


@pytest.mark.parametrize(
    ("governing", "shown"),
    [
        pytest.param(POSTGRES_TO_DB, f"TCP 5432 to {DB}", id="port-to-a-group"),
        pytest.param(
            permission("tcp", 443, VPC_PREFIX_LIST),
            f"TCP 443 to {VPC_CIDR} (in prefix list {VPC_PREFIX_LIST})",
            id="port-to-a-prefix-list-of-the-vpc-range",
        ),
        pytest.param(
            permission("udp", 53, "10.20.0.2/32"), "UDP 53 to 10.20.0.2/32", id="port-to-a-private-address"
        ),
        pytest.param(
            permission("tcp", (0, 65535), "10.0.0.0/8"),
            "TCP all ports to 10.0.0.0/8",
            id="tcp-only-to-private-space",
        ),
        pytest.param(
            permission("icmp", (-1, -1), "10.0.0.0/8"), "ICMP all to 10.0.0.0/8", id="icmp-to-private-space"
        ),
    ],
)
def test_inbound_rules_mixed_with_a_governing_outbound_rule_fail_medium(
    governing: IpPermission, shown: str
) -> None:
    group = security_group(APP, "app", ingress=[HTTPS_FROM_VPC], egress=[ALL_TRAFFIC_TO_INTERNET, governing])
    verdicts = check(SG_INBOUND_RULES_ONLY, group, prefix_lists=KNOWN_LISTS)
    assert outcomes(verdicts) == {(Status.FAIL, APP)}
    verdict = only(verdicts)
    assert severity_of(SG_INBOUND_RULES_ONLY, verdict) is Severity.MEDIUM
    assert verdict.message == f"inbound rules mixed with outbound rules that govern access: {shown}"
    assert verdict.evidence["offending_rules"] == [
        {"rule": shown, "why": "restricts an internal destination"}
    ]
    assert verdict.remediation is not None
    assert verdict.remediation.startswith(
        f"In {APP} (app), delete the outbound rules {shown}, leave outbound open"
    )
    assert "All traffic to 0.0.0.0/0" not in verdict.remediation


def test_governing_outbound_rules_without_inbound_rules_pass() -> None:
    group = security_group(APP, "app", egress=[POSTGRES_TO_DB])
    verdicts = check(SG_INBOUND_RULES_ONLY, group)
    assert outcomes(verdicts) == {(Status.PASS, APP)}


def test_internet_egress_group_may_mix_inbound_and_outbound_rules() -> None:
    nsm = security_group(
        NSM,
        "nsm-proxy",
        ingress=[permission("tcp", 3128, "10.20.0.0/16")],
        egress=[permission("tcp", 443, "0.0.0.0/0"), permission("udp", 53, "10.20.0.2/32")],
    )
    tagged = security_group(
        WEB,
        "nat",
        ingress=[HTTPS_FROM_VPC],
        egress=[POSTGRES_TO_DB],
        tags={"Role": "internet-egress"},
    )
    plain = security_group(APP, "app", ingress=[HTTPS_FROM_VPC], egress=[POSTGRES_TO_DB])
    verdicts = check(
        SG_INBOUND_RULES_ONLY,
        nsm,
        tagged,
        plain,
        rule_context=sg_context(internet_egress_groups=[NSM, "tag:Role=internet-egress"]),
    )
    assert outcomes(verdicts) == {(Status.PASS, NSM), (Status.PASS, WEB), (Status.FAIL, APP)}
    assert verdict_for(verdicts, NSM).message == (
        "designated internet egress group: its outbound rules are the exception"
    )


def test_unattached_group_mixing_rules_fails_one_level_lower() -> None:
    group = security_group(APP, "app", ingress=[HTTPS_FROM_VPC], egress=[POSTGRES_TO_DB])
    verdicts = check(SG_INBOUND_RULES_ONLY, group, interfaces=())
    assert outcomes(verdicts) == {(Status.FAIL, APP)}
    assert severity_of(SG_INBOUND_RULES_ONLY, only(verdicts)) is Severity.LOW
    assert only(verdicts).evidence["interfaces"] == 0


def test_interface_whose_groups_together_mix_inbound_and_governing_outbound_rules_fails() -> None:
    inbound = security_group(APP, "app", ingress=[HTTPS_FROM_VPC])
    outbound = security_group(OUTBOUND, "db-clients", egress=[POSTGRES_TO_DB])
    shared = network_interface(SHARED_ENI, APP, OUTBOUND, attached_to="i-0123456789abcdef0")
    verdicts = check(SG_INBOUND_RULES_ONLY, inbound, outbound, interfaces=[shared])
    assert outcomes(verdicts) == {
        (Status.PASS, APP),
        (Status.PASS, OUTBOUND),
        (Status.FAIL, SHARED_ENI),
    }
    verdict = verdict_for(verdicts, SHARED_ENI)
    assert verdict.resource.type == "AWS::EC2::NetworkInterface"
    assert verdict.region == HOME_REGION
    assert severity_of(SG_INBOUND_RULES_ONLY, verdict) is Severity.MEDIUM
    assert verdict.message == (
        f"its groups together mix inbound rules ({APP}) with outbound rules that govern access ({OUTBOUND})"
    )
    assert verdict.evidence == {
        "groups": [APP, OUTBOUND],
        "attached_to": "i-0123456789abcdef0",
        "groups_with_inbound_rules": [APP],
        "groups_with_governing_outbound_rules": [OUTBOUND],
    }
    assert verdict.remediation is not None
    assert OUTBOUND in verdict.remediation
    assert verdict_for(verdicts, APP).evidence["interfaces"] == 1


def test_interface_failure_names_the_outbound_rules_to_change() -> None:
    inbound = security_group(APP, "app", ingress=[HTTPS_FROM_VPC])
    outbound = security_group(OUTBOUND, "db-clients", egress=[POSTGRES_TO_DB])
    shared = network_interface(SHARED_ENI, APP, OUTBOUND)
    verdict = verdict_for(check(SG_INBOUND_RULES_ONLY, inbound, outbound, interfaces=[shared]), SHARED_ENI)
    assert verdict.status is Status.FAIL
    assert verdict.remediation is not None
    assert f"TCP 5432 to {DB}" in verdict.remediation


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(
            security_group(APP, "app", ingress=[HTTPS_FROM_VPC]),
            security_group(WEB, "web", ingress=[HTTPS_FROM_WORLD]),
            id="inbound-only-groups",
        ),
        pytest.param(
            security_group(APP, "app", ingress=[HTTPS_FROM_VPC]),
            security_group(OUTBOUND, "egress", egress=[permission("tcp", 443, "0.0.0.0/0")]),
            id="inbound-and-internet-outbound",
        ),
        pytest.param(
            security_group(APP, "app", ingress=[HTTPS_FROM_VPC]),
            security_group(NSM, "nsm-proxy", egress=[permission("tcp", 3128, "10.20.0.10/32")]),
            id="inbound-and-internet-egress-group",
        ),
        pytest.param(
            security_group(OUTBOUND, "egress", egress=[POSTGRES_TO_DB]),
            security_group(DB, "db-clients", egress=[permission("tcp", 6379, "10.20.0.0/16")]),
            id="governing-outbound-only-groups",
        ),
    ],
)
def test_interface_whose_groups_together_do_not_mix_passes(
    first: SecurityGroup, second: SecurityGroup
) -> None:
    shared = network_interface(SHARED_ENI, first.id, second.id)
    verdicts = check(
        SG_INBOUND_RULES_ONLY,
        first,
        second,
        interfaces=[shared],
        rule_context=sg_context(internet_egress_groups=[NSM]),
    )
    assert outcomes(verdicts) == {
        (Status.PASS, first.id),
        (Status.PASS, second.id),
        (Status.PASS, SHARED_ENI),
    }
    assert verdict_for(verdicts, SHARED_ENI).message == (
        "its groups together do not mix inbound and outbound rules"
    )


def test_interfaces_with_a_single_group_are_judged_through_that_group_only() -> None:
    group = security_group(APP, "app", ingress=[HTTPS_FROM_VPC], egress=[POSTGRES_TO_DB])
    verdicts = check(SG_INBOUND_RULES_ONLY, group, interfaces=[own_interface(group)])
    assert outcomes(verdicts) == {(Status.FAIL, APP)}


def test_interface_carrying_a_group_missing_from_the_snapshot_is_unknown() -> None:
    inbound = security_group(APP, "app", ingress=[HTTPS_FROM_VPC])
    shared = network_interface(SHARED_ENI, APP, OUTBOUND)
    verdicts = check(SG_INBOUND_RULES_ONLY, inbound, interfaces=[shared])
    assert outcomes(verdicts) == {(Status.PASS, APP), (Status.UNKNOWN, SHARED_ENI)}
    verdict = verdict_for(verdicts, SHARED_ENI)
    assert verdict.message == f"the interface carries groups that could not be read: {OUTBOUND}"
    assert verdict.evidence["groups"] == [APP, OUTBOUND]


def test_unreadable_interfaces_make_only_the_interface_part_of_the_region_unknown() -> None:
    us_group = security_group(APP, "app", ingress=[SSH_FROM_WORLD], egress=[POSTGRES_TO_DB])
    eu_group = security_group(EU_WEB, "eu-web", ingress=[SSH_FROM_WORLD], region=SECOND_REGION)
    errors = [ec2_api_error("DescribeNetworkInterfaces", SECOND_REGION)]
    target = ec2_account(us_group, eu_group, interfaces=[own_interface(us_group)], errors=errors)
    per_rule = {rule.id: run(rule, target, sg_context()) for rule in RULES}
    assert outcomes(per_rule["sg-inbound-rules-only"]) == {
        (Status.FAIL, APP),
        (Status.PASS, EU_WEB),
        (Status.UNKNOWN, EU_UNKNOWN),
    }
    unknown = verdict_for(per_rule["sg-inbound-rules-only"], EU_UNKNOWN)
    assert unknown.resource.type == "AWS::::Account"
    assert unknown.region == SECOND_REGION
    assert unknown.message.startswith(
        f"the network interfaces of {SECOND_REGION} could not be read: "
        f"ec2:DescribeNetworkInterfaces in {SECOND_REGION} failed: UnauthorizedOperation"
    )
    assert outcomes(per_rule["sg-minimal-inbound"]) == {(Status.FAIL, APP), (Status.FAIL, EU_WEB)}
    assert outcomes(per_rule["sg-no-internal-all-ports"]) == {(Status.PASS, APP), (Status.PASS, EU_WEB)}
    assert outcomes(per_rule["sg-egress-via-nsm-only"]) == {(Status.PASS, APP), (Status.FAIL, EU_WEB)}
    # Interfaces unknown: no interface count, so no severity drop for the eu-west-1 group.
    eu_verdict = verdict_for(per_rule["sg-minimal-inbound"], EU_WEB)
    assert eu_verdict.evidence["interfaces"] is None
    assert severity_of(SG_MINIMAL_INBOUND, eu_verdict) is Severity.HIGH
    assert verdict_for(per_rule["sg-egress-via-nsm-only"], EU_WEB).severity is Severity.MEDIUM
    assert verdict_for(per_rule["sg-minimal-inbound"], APP).evidence["interfaces"] == 1


def test_region_with_neither_groups_nor_interfaces_readable_has_one_unknown() -> None:
    us_group = security_group(APP, "app", ingress=[HTTPS_FROM_VPC])
    errors = [
        ec2_api_error("DescribeSecurityGroups", SECOND_REGION),
        ec2_api_error("DescribeNetworkInterfaces", SECOND_REGION),
    ]
    verdicts = check(SG_INBOUND_RULES_ONLY, us_group, errors=errors)
    assert outcomes(verdicts) == {(Status.PASS, APP), (Status.UNKNOWN, EU_UNKNOWN)}
    assert verdict_for(verdicts, EU_UNKNOWN).message.startswith(
        f"the security groups of {SECOND_REGION} could not be read"
    )


# --- sg-egress-via-nsm-only ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("egress", "shown"),
    [
        pytest.param(ALL_TRAFFIC_TO_INTERNET, "All traffic to 0.0.0.0/0", id="aws-default-outbound-rule"),
        pytest.param(permission("-1", None, "::/0"), "All traffic to ::/0", id="all-traffic-to-ipv6-world"),
        pytest.param(permission("tcp", 443, "0.0.0.0/0"), "TCP 443 to 0.0.0.0/0", id="https-to-the-world"),
        pytest.param(
            permission("tcp", 443, "8.8.8.8/32"), "TCP 443 to 8.8.8.8/32", id="https-to-one-public-address"
        ),
        pytest.param(
            permission("udp", 53, "2606:4700:4700::1111/128"),
            "UDP 53 to 2606:4700:4700::1111/128",
            id="dns-to-a-public-ipv6-address",
        ),
    ],
)
def test_outbound_rule_to_the_internet_fails_medium(egress: IpPermission, shown: str) -> None:
    group = security_group(APP, "app", egress=[permission("tcp", 5432, DB), egress])
    verdicts = check(SG_EGRESS_VIA_NSM_ONLY, group)
    assert outcomes(verdicts) == {(Status.FAIL, APP)}
    verdict = only(verdicts)
    assert severity_of(SG_EGRESS_VIA_NSM_ONLY, verdict) is Severity.MEDIUM
    assert verdict.message == (
        f"outbound internet access outside the NSM proxy: {shown} "
        "(no security_groups.internet_egress_groups configured)"
    )
    assert verdict.evidence["offending_rules"] == [{"rule": shown, "why": "reaches the internet directly"}]
    assert verdict.remediation is not None
    assert verdict.remediation.startswith(f"In {APP} (app), delete {shown} ")
    assert "NSM proxy's group" in verdict.remediation


@pytest.mark.parametrize(
    "egress",
    [
        pytest.param(NO_EGRESS, id="no-outbound-rule"),
        pytest.param([permission("-1", None, "10.0.0.0/8")], id="all-traffic-to-private-space"),
        pytest.param([permission("-1", None, "fd00::/8")], id="all-traffic-to-ipv6-unique-local"),
        pytest.param([permission("-1", None, "100.64.0.0/10")], id="all-traffic-to-shared-address-space"),
        pytest.param([permission("tcp", 443, "203.0.113.0/24")], id="https-to-documentation-range"),
        pytest.param([permission("tcp", 3128, NSM)], id="proxy-port-to-the-nsm-group"),
        pytest.param(
            [permission("tcp", 443, PRIVATE_PREFIX_LIST)], id="https-to-a-prefix-list-of-private-ranges"
        ),
        pytest.param([permission("-1", None, EMPTY_PREFIX_LIST)], id="all-traffic-to-an-empty-prefix-list"),
    ],
)
def test_outbound_rules_only_to_private_space_groups_or_prefix_lists_of_private_ranges_pass(
    egress: Sequence[IpPermission],
) -> None:
    verdicts = check(
        SG_EGRESS_VIA_NSM_ONLY, security_group(APP, "app", egress=egress), prefix_lists=KNOWN_LISTS
    )
    assert outcomes(verdicts) == {(Status.PASS, APP)}
    assert only(verdicts).message == "no outbound rule reaches the internet"


def test_every_outbound_internet_rule_is_named_in_evidence_and_remediation() -> None:
    internet = [
        ALL_TRAFFIC_TO_INTERNET,
        permission("-1", None, "::/0"),
        permission("tcp", 443, "8.8.8.8/32"),
        permission("udp", 123, "8.8.4.4/32"),
    ]
    group = security_group(APP, "app", egress=[*internet, permission("tcp", 5432, DB)])
    verdict = only(check(SG_EGRESS_VIA_NSM_ONLY, group))
    shown = [
        "All traffic to 0.0.0.0/0",
        "All traffic to ::/0",
        "TCP 443 to 8.8.8.8/32",
        "UDP 123 to 8.8.4.4/32",
    ]
    assert [item["rule"] for item in verdict.evidence["offending_rules"]] == shown
    assert verdict.remediation is not None
    assert verdict.remediation.startswith(f"In {APP} (app), delete {'; '.join(shown)} ")
    assert "5432" not in verdict.remediation


def test_internet_egress_groups_designated_by_id_or_tag_may_reach_the_internet() -> None:
    nsm = security_group(NSM, "nsm-proxy")
    tagged = security_group(WEB, "nat", tags={"Role": "nsm-proxy"})
    other_tag = security_group(DB, "db", tags={"Role": "nsm"})
    plain = security_group(APP, "app", egress=[permission("tcp", 443, "0.0.0.0/0")])
    verdicts = check(
        SG_EGRESS_VIA_NSM_ONLY,
        nsm,
        tagged,
        other_tag,
        plain,
        rule_context=sg_context(internet_egress_groups=[NSM, "tag:Role=nsm-proxy"]),
    )
    assert outcomes(verdicts) == {
        (Status.PASS, NSM),
        (Status.PASS, WEB),
        (Status.FAIL, DB),
        (Status.FAIL, APP),
    }
    assert verdict_for(verdicts, NSM).message == (
        "designated internet egress group (security_groups.internet_egress_groups)"
    )
    assert verdict_for(verdicts, APP).message == (
        "outbound internet access outside the NSM proxy: TCP 443 to 0.0.0.0/0"
    )


def test_unattached_group_reaching_the_internet_fails_one_level_lower() -> None:
    used = security_group(APP, "app")
    unused = security_group(WEB, "unused")
    verdicts = check(SG_EGRESS_VIA_NSM_ONLY, used, unused, interfaces=[own_interface(used)])
    assert outcomes(verdicts) == {(Status.FAIL, APP), (Status.FAIL, WEB)}
    assert severity_of(SG_EGRESS_VIA_NSM_ONLY, verdict_for(verdicts, APP)) is Severity.MEDIUM
    assert severity_of(SG_EGRESS_VIA_NSM_ONLY, verdict_for(verdicts, WEB)) is Severity.LOW


# --- prefix lists -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("allowed", "expected", "offending"),
    [
        pytest.param(
            permission("tcp", 22, OPEN_PREFIX_LIST),
            Severity.HIGH,
            [
                (
                    f"TCP 22 from 0.0.0.0/0 (in prefix list {OPEN_PREFIX_LIST})",
                    "open to the world on a port that is not public",
                    "high",
                )
            ],
            id="ssh-from-a-customer-list-holding-0.0.0.0/0-high",
        ),
        pytest.param(
            permission("tcp", 22, OPEN_V6_PREFIX_LIST),
            Severity.HIGH,
            [
                (
                    f"TCP 22 from ::/0 (in prefix list {OPEN_V6_PREFIX_LIST})",
                    "open to the world on a port that is not public",
                    "high",
                )
            ],
            id="ssh-from-a-customer-list-holding-::/0-high",
        ),
        pytest.param(
            permission("-1", None, OPEN_PREFIX_LIST),
            Severity.CRITICAL,
            [
                (
                    f"All traffic from 0.0.0.0/0 (in prefix list {OPEN_PREFIX_LIST})",
                    "all traffic",
                    "critical",
                ),
                (f"All traffic from {VPC_CIDR} (in prefix list {OPEN_PREFIX_LIST})", "all traffic", "medium"),
            ],
            id="all-traffic-from-a-customer-list-holding-0.0.0.0/0-critical-each-entry-named",
        ),
        pytest.param(
            permission("tcp", (0, 65535), OPEN_V6_PREFIX_LIST),
            Severity.CRITICAL,
            [
                (f"TCP all ports from ::/0 (in prefix list {OPEN_V6_PREFIX_LIST})", "every port", "critical"),
                (
                    f"TCP all ports from fd00:20::/56 (in prefix list {OPEN_V6_PREFIX_LIST})",
                    "every port",
                    "medium",
                ),
            ],
            id="all-tcp-from-a-customer-list-holding-::/0-critical",
        ),
        pytest.param(
            permission("tcp", 22, GARBAGE_PREFIX_LIST),
            Severity.HIGH,
            [
                (
                    f"TCP 22 from not-a-cidr (in prefix list {GARBAGE_PREFIX_LIST})",
                    "open to the world on a port that is not public",
                    "high",
                )
            ],
            id="ssh-from-a-list-whose-entry-is-not-a-cidr-is-world-open",
        ),
        pytest.param(
            permission("tcp", (1000, 1040), PRIVATE_PREFIX_LIST),
            Severity.MEDIUM,
            [
                (
                    f"TCP 1000-1040 from {cidr} (in prefix list {PRIVATE_PREFIX_LIST})",
                    "41 ports, more than 32",
                    "medium",
                )
                for cidr in PRIVATE_RANGES
            ],
            id="41-ports-from-a-list-of-private-ranges-medium-each-entry-named",
        ),
    ],
)
def test_inbound_rule_from_a_prefix_list_is_judged_entry_by_entry_like_a_cidr(
    allowed: IpPermission, expected: Severity, offending: list[tuple[str, str, str]]
) -> None:
    verdicts = check(
        SG_MINIMAL_INBOUND, security_group(WEB, "web", ingress=[allowed]), prefix_lists=KNOWN_LISTS
    )
    assert outcomes(verdicts) == {(Status.FAIL, WEB)}
    verdict = only(verdicts)
    assert severity_of(SG_MINIMAL_INBOUND, verdict) is expected
    assert verdict.evidence["offending_rules"] == [
        {"rule": rule, "why": why, "severity": severity} for rule, why, severity in offending
    ]
    assert verdict.message == "inbound rules too broad: " + "; ".join(
        f"{rule} ({why})" for rule, why, _ in offending
    )
    assert verdict.remediation is not None
    assert verdict.remediation.startswith(
        f"In {WEB} (web), remove or narrow: {'; '.join(rule for rule, _, _ in offending)}. "
    )


def test_prefix_list_holding_the_world_fails_like_the_cidr_and_one_level_lower_when_unattached() -> None:
    used = security_group(WEB, "used", ingress=[permission("tcp", 22, OPEN_PREFIX_LIST)])
    unused = security_group(APP, "unused", ingress=[permission("tcp", 22, OPEN_PREFIX_LIST)])
    cidr = security_group(DB, "cidr", ingress=[SSH_FROM_WORLD])
    verdicts = check(
        SG_MINIMAL_INBOUND,
        used,
        unused,
        cidr,
        interfaces=[own_interface(used), own_interface(cidr)],
        prefix_lists=KNOWN_LISTS,
    )
    assert outcomes(verdicts) == {(Status.FAIL, WEB), (Status.FAIL, APP), (Status.FAIL, DB)}
    assert severity_of(SG_MINIMAL_INBOUND, verdict_for(verdicts, WEB)) is Severity.HIGH
    assert severity_of(SG_MINIMAL_INBOUND, verdict_for(verdicts, DB)) is Severity.HIGH
    assert severity_of(SG_MINIMAL_INBOUND, verdict_for(verdicts, APP)) is Severity.MEDIUM


@pytest.mark.parametrize(
    "allowed",
    [
        pytest.param(permission("tcp", 22, OFFICE_PREFIX_LIST), id="ssh-from-office-ranges-ipv4-and-ipv6"),
        pytest.param(permission("tcp", 22, PRIVATE_PREFIX_LIST), id="ssh-from-private-ranges"),
        pytest.param(permission("tcp", 443, OPEN_PREFIX_LIST), id="https-from-a-list-holding-0.0.0.0/0"),
        pytest.param(
            permission("icmpv6", (-1, -1), OPEN_V6_PREFIX_LIST), id="icmpv6-from-a-list-holding-::/0"
        ),
        pytest.param(permission("-1", None, EMPTY_PREFIX_LIST), id="all-traffic-from-an-empty-list"),
    ],
)
def test_inbound_rule_from_a_prefix_list_whose_entries_are_all_fine_passes(allowed: IpPermission) -> None:
    verdicts = check(
        SG_MINIMAL_INBOUND, security_group(WEB, "web", ingress=[allowed]), prefix_lists=KNOWN_LISTS
    )
    assert outcomes(verdicts) == {(Status.PASS, WEB)}
    verdict = only(verdicts)
    assert verdict.message == "inbound access is limited to the ports and sources that need it"
    assert "unknown_prefix_lists" not in verdict.evidence


@pytest.mark.parametrize(
    ("allowed", "shown"),
    [
        pytest.param(
            permission("tcp", 22, UNREAD_PREFIX_LIST),
            f"TCP 22 from prefix list {UNREAD_PREFIX_LIST} (entries unknown)",
            id="ssh",
        ),
        pytest.param(
            permission("-1", None, UNREAD_PREFIX_LIST),
            f"All traffic from prefix list {UNREAD_PREFIX_LIST} (entries unknown)",
            id="all-traffic",
        ),
        pytest.param(
            permission("tcp", (80, 443), UNREAD_PREFIX_LIST),
            f"TCP 80-443 from prefix list {UNREAD_PREFIX_LIST} (entries unknown)",
            id="range-between-public-ports",
        ),
        pytest.param(
            permission("50", None, UNREAD_PREFIX_LIST),
            f"protocol 50 (all of it) from prefix list {UNREAD_PREFIX_LIST} (entries unknown)",
            id="whole-protocol",
        ),
    ],
)
def test_inbound_rule_from_a_prefix_list_of_unknown_entries_is_unknown_with_the_failed_call(
    allowed: IpPermission, shown: str
) -> None:
    group = security_group(WEB, "web", ingress=[HTTPS_FROM_WORLD, allowed])
    verdicts = check(
        SG_MINIMAL_INBOUND, group, prefix_lists=[*KNOWN_LISTS, *UNREAD_LISTS], errors=UNREAD_ERRORS
    )
    assert outcomes(verdicts) == {(Status.UNKNOWN, WEB)}
    verdict = only(verdicts)
    assert verdict.message == f"inbound access from prefix lists cannot be judged: {UNREAD_REASON}"
    assert verdict.region == HOME_REGION
    assert verdict.severity is None
    assert verdict.remediation is None
    assert verdict.evidence["unknown_prefix_lists"] == [UNREAD_PREFIX_LIST]
    assert verdict.evidence["rules"] == [shown]
    assert verdict.evidence["interfaces"] == 1
    assert "offending_rules" not in verdict.evidence


def test_unknown_verdict_names_every_unknown_list_with_its_own_reason() -> None:
    missing = MISSING_PREFIX_LIST
    group = security_group(
        WEB,
        "web",
        ingress=[
            permission("tcp", 22, UNREAD_PREFIX_LIST, missing),
            permission("tcp", 443, OTHER_UNREAD_PREFIX_LIST),
            permission("tcp", 3389, OFFICE_PREFIX_LIST),
        ],
    )
    verdicts = check(
        SG_MINIMAL_INBOUND, group, prefix_lists=[*KNOWN_LISTS, *UNREAD_LISTS], errors=UNREAD_ERRORS
    )
    assert outcomes(verdicts) == {(Status.UNKNOWN, WEB)}
    verdict = only(verdicts)
    # The HTTPS rule would be fine whatever OTHER_UNREAD_PREFIX_LIST holds: neither named nor blamed.
    assert verdict.evidence["unknown_prefix_lists"] == [UNREAD_PREFIX_LIST, missing]
    assert verdict.evidence["rules"] == [
        f"TCP 22 from prefix list {UNREAD_PREFIX_LIST} (entries unknown)",
        f"TCP 22 from prefix list {missing} (entries unknown)",
    ]
    assert verdict.message == (
        f"inbound access from prefix lists cannot be judged: {UNREAD_REASON}; "
        f"prefix list {missing} of {HOME_REGION} is missing from the snapshot"
    )
    assert OTHER_UNREAD_PREFIX_LIST not in verdict.message


@pytest.mark.parametrize(
    "allowed",
    [
        pytest.param(permission("icmp", (-1, -1), UNREAD_PREFIX_LIST), id="all-icmp"),
        pytest.param(permission("icmpv6", (128, -1), UNREAD_PREFIX_LIST), id="icmpv6-echo-request"),
        pytest.param(permission("tcp", 443, UNREAD_PREFIX_LIST), id="https"),
        pytest.param(permission("tcp", 80, UNREAD_PREFIX_LIST), id="http"),
    ],
)
def test_inbound_rule_from_a_prefix_list_of_unknown_entries_that_would_be_fine_from_the_world_passes(
    allowed: IpPermission,
) -> None:
    group = security_group(WEB, "web", ingress=[allowed])
    verdicts = check(SG_MINIMAL_INBOUND, group, prefix_lists=UNREAD_LISTS, errors=UNREAD_ERRORS)
    assert outcomes(verdicts) == {(Status.PASS, WEB)}
    assert only(verdicts).message == "inbound access is limited to the ports and sources that need it"


def test_https_from_a_prefix_list_of_unknown_entries_is_unknown_without_public_ports() -> None:
    group = security_group(WEB, "web", ingress=[permission("tcp", 443, UNREAD_PREFIX_LIST)])
    verdicts = check(
        SG_MINIMAL_INBOUND,
        group,
        prefix_lists=UNREAD_LISTS,
        errors=UNREAD_ERRORS,
        rule_context=sg_context(public_ports=[]),
    )
    assert outcomes(verdicts) == {(Status.UNKNOWN, WEB)}


@pytest.mark.parametrize(
    ("certain", "expected", "shown"),
    [
        pytest.param(SSH_FROM_WORLD, Severity.HIGH, "TCP 22 from 0.0.0.0/0", id="ssh-from-the-world"),
        pytest.param(
            permission("tcp", 22, OPEN_PREFIX_LIST),
            Severity.HIGH,
            f"TCP 22 from 0.0.0.0/0 (in prefix list {OPEN_PREFIX_LIST})",
            id="ssh-from-a-known-list-holding-the-world",
        ),
        pytest.param(
            permission("tcp", (0, 65535), "10.0.0.0/8"),
            Severity.MEDIUM,
            "TCP all ports from 10.0.0.0/8",
            id="every-port-from-private-space",
        ),
    ],
)
def test_certain_inbound_problem_fails_even_beside_a_prefix_list_of_unknown_entries(
    certain: IpPermission, expected: Severity, shown: str
) -> None:
    group = security_group(WEB, "web", ingress=[permission("tcp", 22, UNREAD_PREFIX_LIST), certain])
    verdicts = check(
        SG_MINIMAL_INBOUND, group, prefix_lists=[*KNOWN_LISTS, *UNREAD_LISTS], errors=UNREAD_ERRORS
    )
    assert outcomes(verdicts) == {(Status.FAIL, WEB)}
    verdict = only(verdicts)
    assert severity_of(SG_MINIMAL_INBOUND, verdict) is expected
    unknown = f"TCP 22 from prefix list {UNREAD_PREFIX_LIST} (entries unknown)"
    # The FAIL is certain; the rule toward the unknown list is named, as it may allow more.
    assert [item["rule"] for item in verdict.evidence["offending_rules"]] == [shown, unknown]
    assert verdict.evidence["offending_rules"][-1]["severity"] == "unknown"
    assert verdict.message.endswith(
        f"; rules from prefix lists whose entries are unknown may allow more: {UNREAD_REASON}"
    )


def test_prefix_list_missing_from_a_region_whose_lists_could_not_be_described_is_unknown() -> None:
    group = security_group(WEB, "web", ingress=[permission("tcp", 22, OPEN_PREFIX_LIST)])
    errors = [
        ec2_api_error("DescribeManagedPrefixLists", HOME_REGION, code="RequestLimitExceeded"),
        entries_error(OPEN_PREFIX_LIST, SECOND_REGION),
    ]
    verdicts = check(SG_MINIMAL_INBOUND, group, errors=errors)
    assert outcomes(verdicts) == {(Status.UNKNOWN, WEB)}
    verdict = only(verdicts)
    assert verdict.message == (
        f"inbound access from prefix lists cannot be judged: prefix list {OPEN_PREFIX_LIST} of {HOME_REGION} "
        f"could not be read: ec2:DescribeManagedPrefixLists in {HOME_REGION} failed: RequestLimitExceeded: "
        "You are not authorized to perform this operation."
    )
    assert verdict.evidence["unknown_prefix_lists"] == [OPEN_PREFIX_LIST]


def test_prefix_list_missing_without_a_failed_call_is_unknown_as_missing_from_the_snapshot() -> None:
    group = security_group(WEB, "web", ingress=[permission("tcp", 22, OPEN_PREFIX_LIST)])
    errors = [ec2_api_error("DescribeManagedPrefixLists", SECOND_REGION)]
    verdicts = check(SG_MINIMAL_INBOUND, group, errors=errors)
    assert outcomes(verdicts) == {(Status.UNKNOWN, WEB)}
    assert only(verdicts).message == (
        f"inbound access from prefix lists cannot be judged: prefix list {OPEN_PREFIX_LIST} of {HOME_REGION} "
        "is missing from the snapshot"
    )


def test_prefix_list_record_without_entries_or_a_failed_call_is_unknown() -> None:
    """As in a snapshot written before entries were read."""
    group = security_group(WEB, "web", ingress=[permission("tcp", 22, UNREAD_PREFIX_LIST)])
    errors = [entries_error(OTHER_UNREAD_PREFIX_LIST), entries_error(UNREAD_PREFIX_LIST, SECOND_REGION)]
    verdicts = check(SG_MINIMAL_INBOUND, group, prefix_lists=UNREAD_LISTS, errors=errors)
    assert outcomes(verdicts) == {(Status.UNKNOWN, WEB)}
    message = only(verdicts).message
    assert message.startswith(
        f"inbound access from prefix lists cannot be judged: the entries of prefix list {UNREAD_PREFIX_LIST} "
    )
    assert message.endswith("missing from the snapshot")
    assert "could not be read" not in message


def test_prefix_lists_are_regional_a_list_known_in_another_region_does_not_resolve_a_reference() -> None:
    """Only the eu-west-1 list of that id was read (office ranges): the us-east-1 reference stays open."""
    us_group = security_group(WEB, "us-web", ingress=[permission("tcp", 22, OFFICE_PREFIX_LIST)])
    eu_group = security_group(
        EU_WEB, "eu-web", ingress=[permission("tcp", 22, OFFICE_PREFIX_LIST)], region=SECOND_REGION
    )
    eu_list = prefix_list(OFFICE_PREFIX_LIST, OFFICE_RANGES, region=SECOND_REGION)
    verdicts = check(SG_MINIMAL_INBOUND, us_group, eu_group, prefix_lists=[eu_list])
    assert outcomes(verdicts) == {(Status.UNKNOWN, WEB), (Status.PASS, EU_WEB)}
    assert verdict_for(verdicts, WEB).message == (
        f"inbound access from prefix lists cannot be judged: prefix list {OFFICE_PREFIX_LIST} of "
        f"{HOME_REGION} is missing from the snapshot"
    )


def test_prefix_list_known_in_another_region_only_judges_the_groups_of_that_region() -> None:
    """The same id holding the world in eu-west-1 and office ranges in us-east-1: each group its own."""
    us_group = security_group(WEB, "us-web", ingress=[permission("tcp", 22, OFFICE_PREFIX_LIST)])
    eu_group = security_group(
        EU_WEB, "eu-web", ingress=[permission("tcp", 22, OFFICE_PREFIX_LIST)], region=SECOND_REGION
    )
    lists = [
        prefix_list(OFFICE_PREFIX_LIST, ("0.0.0.0/0",), region=SECOND_REGION),
        prefix_list(OFFICE_PREFIX_LIST, OFFICE_RANGES),
    ]
    verdicts = check(SG_MINIMAL_INBOUND, us_group, eu_group, prefix_lists=lists)
    assert outcomes(verdicts) == {(Status.PASS, WEB), (Status.FAIL, EU_WEB)}
    assert verdict_for(verdicts, EU_WEB).evidence["offending_rules"][0]["rule"] == (
        f"TCP 22 from 0.0.0.0/0 (in prefix list {OFFICE_PREFIX_LIST})"
    )


@pytest.mark.parametrize(
    ("listed", "shown"),
    [
        pytest.param(
            PRIVATE_PREFIX_LIST,
            [f"All traffic from {cidr} (in prefix list {PRIVATE_PREFIX_LIST})" for cidr in PRIVATE_RANGES],
            id="known-entries",
        ),
        pytest.param(
            UNREAD_PREFIX_LIST,
            [f"All traffic from prefix list {UNREAD_PREFIX_LIST} (entries unknown)"],
            id="unknown-entries",
        ),
        pytest.param(
            EMPTY_PREFIX_LIST,
            [f"All traffic from prefix list {EMPTY_PREFIX_LIST} (empty)"],
            id="empty-list-is-still-an-inbound-rule",
        ),
    ],
)
def test_default_group_with_an_inbound_rule_from_a_prefix_list_fails(listed: str, shown: list[str]) -> None:
    group = msgspec.structs.replace(default_group(DEFAULT), ingress=(permission("-1", None, listed),))
    verdicts = check(
        SG_NO_INTERNAL_ALL_PORTS, group, prefix_lists=[*KNOWN_LISTS, *UNREAD_LISTS], errors=UNREAD_ERRORS
    )
    assert outcomes(verdicts) == {(Status.FAIL, DEFAULT)}
    assert only(verdicts).evidence["offending_rules"] == [
        {"rule": text, "why": "the default group must have no inbound rule"} for text in shown
    ]


@pytest.mark.parametrize(
    ("egress", "shown"),
    [
        pytest.param(
            permission("tcp", 443, OPEN_PREFIX_LIST),
            [f"TCP 443 to 0.0.0.0/0 (in prefix list {OPEN_PREFIX_LIST})"],
            id="list-holding-0.0.0.0/0",
        ),
        pytest.param(
            permission("-1", None, OPEN_V6_PREFIX_LIST),
            [f"All traffic to ::/0 (in prefix list {OPEN_V6_PREFIX_LIST})"],
            id="list-holding-::/0",
        ),
        pytest.param(
            permission("tcp", 443, OFFICE_PREFIX_LIST),
            [f"TCP 443 to {cidr} (in prefix list {OFFICE_PREFIX_LIST})" for cidr in OFFICE_RANGES],
            id="list-of-narrow-public-ranges",
        ),
        pytest.param(
            permission("udp", 53, GARBAGE_PREFIX_LIST),
            [f"UDP 53 to not-a-cidr (in prefix list {GARBAGE_PREFIX_LIST})"],
            id="list-whose-entry-is-not-a-cidr",
        ),
    ],
)
def test_outbound_rule_to_a_prefix_list_entry_in_internet_space_fails(
    egress: IpPermission, shown: list[str]
) -> None:
    group = security_group(APP, "app", egress=[POSTGRES_TO_DB, egress])
    verdicts = check(SG_EGRESS_VIA_NSM_ONLY, group, prefix_lists=KNOWN_LISTS)
    assert outcomes(verdicts) == {(Status.FAIL, APP)}
    verdict = only(verdicts)
    assert severity_of(SG_EGRESS_VIA_NSM_ONLY, verdict) is Severity.MEDIUM
    assert verdict.evidence["offending_rules"] == [
        {"rule": text, "why": "reaches the internet directly"} for text in shown
    ]
    assert verdict.message.startswith(f"outbound internet access outside the NSM proxy: {shown[0]}")


def test_outbound_rule_to_a_prefix_list_of_unknown_entries_is_unknown() -> None:
    group = security_group(
        APP, "app", egress=[POSTGRES_TO_DB, permission("tcp", 443, PRIVATE_PREFIX_LIST, UNREAD_PREFIX_LIST)]
    )
    verdicts = check(
        SG_EGRESS_VIA_NSM_ONLY, group, prefix_lists=[*KNOWN_LISTS, *UNREAD_LISTS], errors=UNREAD_ERRORS
    )
    assert outcomes(verdicts) == {(Status.UNKNOWN, APP)}
    verdict = only(verdicts)
    assert (
        verdict.message == f"whether its outbound rules reach the internet cannot be judged: {UNREAD_REASON}"
    )
    assert verdict.evidence["unknown_prefix_lists"] == [UNREAD_PREFIX_LIST]
    assert verdict.evidence["rules"] == [f"TCP 443 to prefix list {UNREAD_PREFIX_LIST} (entries unknown)"]


def test_outbound_internet_rule_fails_even_beside_a_prefix_list_of_unknown_entries() -> None:
    group = security_group(
        APP, "app", egress=[permission("tcp", 443, UNREAD_PREFIX_LIST), ALL_TRAFFIC_TO_INTERNET]
    )
    verdicts = check(SG_EGRESS_VIA_NSM_ONLY, group, prefix_lists=UNREAD_LISTS, errors=UNREAD_ERRORS)
    assert outcomes(verdicts) == {(Status.FAIL, APP)}
    assert only(verdicts).evidence["offending_rules"] == [
        {"rule": "All traffic to 0.0.0.0/0", "why": "reaches the internet directly"}
    ]


def test_internet_egress_group_toward_a_prefix_list_of_unknown_entries_passes() -> None:
    nsm = security_group(NSM, "nsm-proxy", egress=[permission("tcp", 443, UNREAD_PREFIX_LIST)])
    plain = security_group(APP, "app", egress=[permission("tcp", 443, UNREAD_PREFIX_LIST)])
    verdicts = check(
        SG_EGRESS_VIA_NSM_ONLY,
        nsm,
        plain,
        prefix_lists=UNREAD_LISTS,
        errors=UNREAD_ERRORS,
        rule_context=sg_context(internet_egress_groups=[NSM]),
    )
    assert outcomes(verdicts) == {(Status.PASS, NSM), (Status.UNKNOWN, APP)}


def test_inbound_rules_mixed_with_an_outbound_rule_to_a_prefix_list_of_internal_ranges_fail() -> None:
    group = security_group(
        APP,
        "app",
        ingress=[HTTPS_FROM_VPC],
        egress=[ALL_TRAFFIC_TO_INTERNET, permission("tcp", 5432, OPEN_PREFIX_LIST, PRIVATE_PREFIX_LIST)],
    )
    verdicts = check(SG_INBOUND_RULES_ONLY, group, prefix_lists=KNOWN_LISTS)
    assert outcomes(verdicts) == {(Status.FAIL, APP)}
    verdict = only(verdicts)
    assert severity_of(SG_INBOUND_RULES_ONLY, verdict) is Severity.MEDIUM
    # The 0.0.0.0/0 entry reaches the internet: it does not govern internal access.
    assert [item["rule"] for item in verdict.evidence["offending_rules"]] == [
        f"TCP 5432 to {VPC_CIDR} (in prefix list {OPEN_PREFIX_LIST})",
        *(f"TCP 5432 to {cidr} (in prefix list {PRIVATE_PREFIX_LIST})" for cidr in PRIVATE_RANGES),
    ]


@pytest.mark.parametrize(
    "egress",
    [
        pytest.param(permission("tcp", 443, OFFICE_PREFIX_LIST), id="list-of-narrow-public-ranges"),
        pytest.param(permission("tcp", 443, S3_PREFIX_LIST), id="list-of-public-aws-ranges"),
        pytest.param(permission("tcp", 443, WORLD_PREFIX_LIST), id="list-holding-only-the-world"),
    ],
)
def test_inbound_rules_with_an_outbound_rule_to_a_prefix_list_of_internet_ranges_pass(
    egress: IpPermission,
) -> None:
    group = security_group(APP, "app", ingress=[HTTPS_FROM_VPC], egress=[egress])
    verdicts = check(SG_INBOUND_RULES_ONLY, group, prefix_lists=KNOWN_LISTS)
    assert outcomes(verdicts) == {(Status.PASS, APP)}


def test_inbound_rules_with_an_outbound_rule_to_a_prefix_list_of_unknown_entries_are_unknown() -> None:
    group = security_group(
        APP,
        "app",
        ingress=[HTTPS_FROM_VPC],
        egress=[ALL_TRAFFIC_TO_INTERNET, permission("tcp", 5432, UNREAD_PREFIX_LIST)],
    )
    verdicts = check(SG_INBOUND_RULES_ONLY, group, prefix_lists=UNREAD_LISTS, errors=UNREAD_ERRORS)
    assert outcomes(verdicts) == {(Status.UNKNOWN, APP)}
    verdict = only(verdicts)
    assert verdict.message == f"whether its outbound rules govern access cannot be judged: {UNREAD_REASON}"
    assert verdict.evidence["unknown_prefix_lists"] == [UNREAD_PREFIX_LIST]
    assert verdict.evidence["rules"] == [f"TCP 5432 to prefix list {UNREAD_PREFIX_LIST} (entries unknown)"]


@pytest.mark.parametrize(
    ("ingress", "egress", "expected"),
    [
        pytest.param(
            [],
            [permission("tcp", 5432, UNREAD_PREFIX_LIST)],
            Status.PASS,
            id="no-inbound-rule-nothing-to-mix",
        ),
        pytest.param(
            [HTTPS_FROM_VPC],
            [permission("-1", None, UNREAD_PREFIX_LIST)],
            Status.PASS,
            id="all-traffic-out-never-governs",
        ),
        pytest.param(
            [HTTPS_FROM_VPC],
            [permission("tcp", 5432, UNREAD_PREFIX_LIST), POSTGRES_TO_DB],
            Status.FAIL,
            id="a-certain-governing-rule-fails",
        ),
        pytest.param(
            [HTTPS_FROM_VPC],
            [permission("tcp", 5432, UNREAD_PREFIX_LIST, VPC_PREFIX_LIST)],
            Status.FAIL,
            id="a-governing-entry-of-a-known-list-fails",
        ),
    ],
)
def test_outbound_rule_to_a_prefix_list_of_unknown_entries_when_it_cannot_change_the_verdict(
    ingress: Sequence[IpPermission], egress: Sequence[IpPermission], expected: Status
) -> None:
    group = security_group(APP, "app", ingress=ingress, egress=egress)
    verdicts = check(
        SG_INBOUND_RULES_ONLY, group, prefix_lists=[*KNOWN_LISTS, *UNREAD_LISTS], errors=UNREAD_ERRORS
    )
    assert outcomes(verdicts) == {(expected, APP)}


def test_interface_whose_groups_mix_inbound_rules_with_outbound_rules_to_an_unknown_list_is_unknown() -> None:
    inbound = security_group(APP, "app", ingress=[HTTPS_FROM_VPC])
    outbound = security_group(OUTBOUND, "db-clients", egress=[permission("tcp", 5432, UNREAD_PREFIX_LIST)])
    shared = network_interface(SHARED_ENI, APP, OUTBOUND, attached_to="i-0123456789abcdef0")
    verdicts = check(
        SG_INBOUND_RULES_ONLY,
        inbound,
        outbound,
        interfaces=[shared],
        prefix_lists=UNREAD_LISTS,
        errors=UNREAD_ERRORS,
    )
    assert outcomes(verdicts) == {
        (Status.PASS, APP),
        (Status.PASS, OUTBOUND),
        (Status.UNKNOWN, SHARED_ENI),
    }
    verdict = verdict_for(verdicts, SHARED_ENI)
    assert verdict.message == (
        f"whether its groups' outbound rules govern access cannot be judged: {UNREAD_REASON}"
    )
    assert verdict.region == HOME_REGION
    assert verdict.evidence == {
        "groups": [APP, OUTBOUND],
        "attached_to": "i-0123456789abcdef0",
        "groups_with_inbound_rules": [APP],
        "groups_with_governing_outbound_rules": [],
        "unknown_prefix_lists": [UNREAD_PREFIX_LIST],
    }


@pytest.mark.parametrize(
    ("egress", "expected"),
    [
        pytest.param(permission("tcp", 5432, PRIVATE_PREFIX_LIST), Status.FAIL, id="list-of-private-ranges"),
        pytest.param(permission("tcp", 443, OFFICE_PREFIX_LIST), Status.PASS, id="list-of-public-ranges"),
        pytest.param(permission("tcp", 5432, EMPTY_PREFIX_LIST), Status.PASS, id="empty-list"),
        pytest.param(
            permission("-1", None, UNREAD_PREFIX_LIST), Status.PASS, id="all-traffic-to-an-unknown-list"
        ),
    ],
)
def test_interface_whose_groups_mix_inbound_rules_with_outbound_rules_to_a_known_list(
    egress: IpPermission, expected: Status
) -> None:
    inbound = security_group(APP, "app", ingress=[HTTPS_FROM_VPC])
    outbound = security_group(OUTBOUND, "egress", egress=[egress])
    verdicts = check(
        SG_INBOUND_RULES_ONLY,
        inbound,
        outbound,
        interfaces=[network_interface(SHARED_ENI, APP, OUTBOUND)],
        prefix_lists=[*KNOWN_LISTS, *UNREAD_LISTS],
        errors=UNREAD_ERRORS,
    )
    assert outcomes(verdicts) == {(Status.PASS, APP), (Status.PASS, OUTBOUND), (expected, SHARED_ENI)}


def test_interface_with_an_unknown_list_and_a_certain_governing_rule_fails() -> None:
    inbound = security_group(APP, "app", ingress=[HTTPS_FROM_VPC])
    unknown = security_group(OUTBOUND, "egress", egress=[permission("tcp", 5432, UNREAD_PREFIX_LIST)])
    governing = security_group(CLIENTS, "db-clients", egress=[POSTGRES_TO_DB])
    verdicts = check(
        SG_INBOUND_RULES_ONLY,
        inbound,
        unknown,
        governing,
        interfaces=[network_interface(SHARED_ENI, APP, OUTBOUND, CLIENTS)],
        prefix_lists=UNREAD_LISTS,
        errors=UNREAD_ERRORS,
    )
    assert outcomes(verdicts) == {
        (Status.PASS, APP),
        (Status.PASS, OUTBOUND),
        (Status.PASS, CLIENTS),
        (Status.FAIL, SHARED_ENI),
    }


def test_an_empty_prefix_list_allows_nothing() -> None:
    group = security_group(
        WEB,
        "web",
        ingress=[permission("-1", None, EMPTY_PREFIX_LIST)],
        egress=[permission("-1", None, EMPTY_PREFIX_LIST)],
    )
    target = with_prefix_lists(ec2_account(group), *KNOWN_LISTS)
    per_rule = {rule.id: outcomes(run(rule, target, sg_context())) for rule in RULES}
    assert per_rule == {
        "sg-minimal-inbound": {(Status.PASS, WEB)},
        "sg-no-internal-all-ports": {(Status.PASS, WEB)},
        "sg-inbound-rules-only": {(Status.PASS, WEB)},
        "sg-egress-via-nsm-only": {(Status.PASS, WEB)},
    }


def test_a_garbage_prefix_list_entry_is_world_open() -> None:
    group = security_group(
        WEB,
        "web",
        ingress=[permission("tcp", 22, GARBAGE_PREFIX_LIST)],
        egress=[permission("tcp", 443, GARBAGE_PREFIX_LIST)],
    )
    target = with_prefix_lists(ec2_account(group), *KNOWN_LISTS)
    per_rule = {rule.id: outcomes(run(rule, target, sg_context())) for rule in RULES}
    assert per_rule == {
        "sg-minimal-inbound": {(Status.FAIL, WEB)},
        "sg-no-internal-all-ports": {(Status.PASS, WEB)},
        "sg-inbound-rules-only": {(Status.PASS, WEB)},
        "sg-egress-via-nsm-only": {(Status.FAIL, WEB)},
    }


def test_the_entries_of_a_list_are_read_again_for_each_account() -> None:
    """Two accounts with the same groups, one where the list holds the world: each judged on its own."""
    group = security_group(WEB, "web", ingress=[permission("tcp", 22, OFFICE_PREFIX_LIST)])
    office = with_prefix_lists(ec2_account(group), prefix_list(OFFICE_PREFIX_LIST, OFFICE_RANGES))
    world = with_prefix_lists(ec2_account(group), prefix_list(OFFICE_PREFIX_LIST, ("0.0.0.0/0",)))
    unread = with_prefix_lists(ec2_account(group), prefix_list(OFFICE_PREFIX_LIST, None))
    assert outcomes(run(SG_MINIMAL_INBOUND, office, sg_context())) == {(Status.PASS, WEB)}
    assert outcomes(run(SG_MINIMAL_INBOUND, world, sg_context())) == {(Status.FAIL, WEB)}
    assert outcomes(run(SG_MINIMAL_INBOUND, unread, sg_context())) == {(Status.UNKNOWN, WEB)}
    assert outcomes(run(SG_MINIMAL_INBOUND, office, sg_context())) == {(Status.PASS, WEB)}


# --- several groups at once ---------------------------------------------------------------------------


def test_an_account_of_several_groups_is_judged_group_by_group_and_interface_by_interface() -> None:
    web = security_group(
        WEB,
        "web",
        ingress=[HTTPS_FROM_WORLD, permission("tcp", 22, ADMIN_RANGE)],
        egress=[permission("tcp", 8080, APP)],
    )
    app = security_group(APP, "app", ingress=[permission("tcp", 8080, WEB)], egress=[POSTGRES_TO_DB])
    db = security_group(DB, "db", ingress=[permission("tcp", 5432, APP)], egress=NO_EGRESS)
    legacy = security_group(OUTBOUND, "legacy", ingress=[SSH_FROM_WORLD, permission("-1", None, OUTBOUND)])
    nsm = security_group(NSM, "nsm-proxy", ingress=[permission("tcp", 3128, "10.20.0.0/16")])
    default = default_group(DEFAULT)
    eu_web = security_group(EU_WEB, "eu-web", ingress=[HTTPS_FROM_WORLD], region=SECOND_REGION)
    clients = security_group(CLIENTS, "db-clients", egress=[POSTGRES_TO_DB])
    interfaces = [
        network_interface("eni-0b000000000000b01", WEB),
        network_interface("eni-0b000000000000b02", APP),
        network_interface("eni-0b000000000000b03", DB, DEFAULT),
        network_interface(SHARED_ENI, NSM, DEFAULT),
        network_interface("eni-0b000000000000b04", EU_WEB, region=SECOND_REGION),
        network_interface("eni-0b000000000000b05", DB, CLIENTS),
    ]
    target = ec2_account(web, app, db, legacy, nsm, default, eu_web, clients, interfaces=interfaces)
    context = sg_context(internet_egress_groups=[NSM])
    per_rule = {rule.id: outcomes(run(rule, target, context)) for rule in RULES}
    assert per_rule == {
        "sg-minimal-inbound": {
            (Status.PASS, WEB),
            (Status.PASS, APP),
            (Status.PASS, DB),
            (Status.FAIL, OUTBOUND),
            (Status.PASS, NSM),
            (Status.PASS, DEFAULT),
            (Status.PASS, EU_WEB),
            (Status.PASS, CLIENTS),
        },
        "sg-no-internal-all-ports": {
            (Status.PASS, WEB),
            (Status.PASS, APP),
            (Status.PASS, DB),
            (Status.FAIL, OUTBOUND),
            (Status.PASS, NSM),
            (Status.FAIL, DEFAULT),
            (Status.PASS, EU_WEB),
            (Status.PASS, CLIENTS),
        },
        "sg-inbound-rules-only": {
            (Status.FAIL, WEB),
            (Status.FAIL, APP),
            (Status.PASS, DB),
            (Status.PASS, OUTBOUND),
            (Status.PASS, NSM),
            (Status.PASS, DEFAULT),
            (Status.PASS, EU_WEB),
            (Status.PASS, CLIENTS),
            (Status.PASS, "eni-0b000000000000b03"),
            (Status.PASS, SHARED_ENI),
            (Status.FAIL, "eni-0b000000000000b05"),
        },
        "sg-egress-via-nsm-only": {
            (Status.PASS, WEB),
            (Status.PASS, APP),
            (Status.PASS, DB),
            (Status.FAIL, OUTBOUND),
            (Status.PASS, NSM),
            (Status.FAIL, DEFAULT),
            (Status.FAIL, EU_WEB),
            (Status.PASS, CLIENTS),
        },
    }
    severities = {
        rule.id: {
            verdict.resource.id: severity_of(rule, verdict)
            for verdict in run(rule, target, context)
            if verdict.status is Status.FAIL
        }
        for rule in RULES
    }
    assert severities == {
        "sg-minimal-inbound": {OUTBOUND: Severity.MEDIUM},
        "sg-no-internal-all-ports": {OUTBOUND: Severity.MEDIUM, DEFAULT: Severity.HIGH},
        "sg-inbound-rules-only": {
            WEB: Severity.MEDIUM,
            APP: Severity.MEDIUM,
            "eni-0b000000000000b05": Severity.MEDIUM,
        },
        "sg-egress-via-nsm-only": {
            OUTBOUND: Severity.LOW,
            DEFAULT: Severity.MEDIUM,
            EU_WEB: Severity.MEDIUM,
        },
    }


# --- data that could not be read ----------------------------------------------------------------------


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_region_whose_groups_could_not_be_read_is_unknown_and_the_others_are_judged(rule: Rule) -> None:
    us_group = security_group(APP, "app", ingress=[HTTPS_FROM_VPC])
    errors = [ec2_api_error("DescribeSecurityGroups", SECOND_REGION)]
    verdicts = check(rule, us_group, errors=errors)
    assert {resource_id for _, resource_id in outcomes(verdicts)} == {APP, EU_UNKNOWN}
    unknown = verdict_for(verdicts, EU_UNKNOWN)
    assert unknown.status is Status.UNKNOWN
    assert unknown.resource.type == "AWS::::Account"
    assert unknown.region == SECOND_REGION
    assert unknown.message == (
        f"the security groups of {SECOND_REGION} could not be read: ec2:DescribeSecurityGroups in "
        f"{SECOND_REGION} failed: UnauthorizedOperation: You are not authorized to perform this operation."
    )
    assert verdict_for(verdicts, APP).status is not Status.UNKNOWN


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_no_region_readable_gives_one_unknown_per_region(rule: Rule) -> None:
    errors = [
        ec2_api_error("DescribeSecurityGroups", HOME_REGION),
        ec2_api_error("DescribeSecurityGroups", SECOND_REGION, code="RequestLimitExceeded"),
    ]
    verdicts = check(rule, errors=errors)
    assert outcomes(verdicts) == {(Status.UNKNOWN, US_UNKNOWN), (Status.UNKNOWN, EU_UNKNOWN)}
    assert "RequestLimitExceeded" in verdict_for(verdicts, EU_UNKNOWN).message


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_failed_calls_of_other_services_or_operations_do_not_make_groups_unknown(rule: Rule) -> None:
    errors = [s3_api_error("ListBuckets"), ec2_api_error("DescribeManagedPrefixLists", SECOND_REGION)]
    verdicts = check(rule, security_group(APP, "app", egress=NO_EGRESS), errors=errors)
    assert outcomes(verdicts) == {(Status.PASS, APP)}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_network_data_missing_from_the_snapshot_is_unknown(rule: Rule) -> None:
    target = msgspec.structs.replace(ec2_account(), ec2=None)
    verdicts = run(rule, target, sg_context())
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert verdicts[0].message == "network data is missing from the snapshot"
    assert verdicts[0].resource.type == "AWS::::Account"


def test_region_failure_is_seen_when_the_same_network_data_was_judged_before_without_it() -> None:
    readable = ec2_account(security_group(APP, "app", ingress=[SSH_FROM_WORLD]))
    assert outcomes(run(SG_MINIMAL_INBOUND, readable, sg_context())) == {(Status.FAIL, APP)}
    failed = msgspec.structs.replace(
        readable, errors=(ec2_api_error("DescribeSecurityGroups", SECOND_REGION),)
    )
    assert outcomes(run(SG_MINIMAL_INBOUND, failed, sg_context())) == {
        (Status.FAIL, APP),
        (Status.UNKNOWN, EU_UNKNOWN),
    }


def test_region_failure_of_one_account_does_not_outlive_it_on_the_same_network_data() -> None:
    errors = (ec2_api_error("DescribeNetworkInterfaces", HOME_REGION),)
    failed = ec2_account(security_group(APP, "app", ingress=[SSH_FROM_WORLD]), interfaces=(), errors=errors)
    before = only(run(SG_MINIMAL_INBOUND, failed, sg_context()))
    assert (before.evidence["interfaces"], before.severity) == (None, Severity.HIGH)
    readable = msgspec.structs.replace(failed, errors=())
    after = only(run(SG_MINIMAL_INBOUND, readable, sg_context()))
    assert (after.evidence["interfaces"], after.severity) == (0, Severity.MEDIUM)


def test_unreadable_regions_make_every_security_group_rule_unknown() -> None:
    group = security_group("sg-0a1b2c3d4e5f60001", ingress=[permission("tcp", 22, "0.0.0.0/0")])
    account = msgspec.structs.replace(ec2_account(group), regions=())
    for rule in RULES:
        assert outcomes(run(rule, account, sg_context())) == {(Status.UNKNOWN, ACCOUNT_ID)}, rule.id


# --- the NSM proxy group in another scanned account -----------------------------------------------

NETWORK_ACCOUNT = "555566667777"
"""The central network account that runs the NSM proxy."""
CENTRAL_NSM = "sg-0d1e2f3a4b5c60606"


def _central_nsm(tags: dict[str, str]) -> AccountSnapshot:
    group = msgspec.structs.replace(
        security_group(CENTRAL_NSM, "nsm-proxy", tags=tags), owner_id=NETWORK_ACCOUNT
    )
    return msgspec.structs.replace(ec2_account(group), account_id=NETWORK_ACCOUNT)


def _to_central_proxy(*scanned: AccountSnapshot, egress_groups: Sequence[str]) -> list[Verdict]:
    """sg-inbound-rules-only on an app group with inbound rules whose only outbound rule reaches the
    central proxy group (a group of another account), scanned with `scanned`."""
    to_proxy = IpPermission(
        protocol="tcp",
        from_port=3128,
        to_port=3128,
        groups=(GroupPair(group_id=CENTRAL_NSM, user_id=NETWORK_ACCOUNT),),
    )
    app = security_group(APP, "app", ingress=[HTTPS_FROM_VPC], egress=[to_proxy])
    target = ec2_account(app)
    context = dataclasses.replace(
        sg_context(internet_egress_groups=egress_groups),
        inventory=OrganisationInventory.of((target, *scanned)),
    )
    return run(SG_INBOUND_RULES_ONLY, target, context)


def test_outbound_rule_to_a_tagged_proxy_group_of_another_scanned_account_does_not_govern_access() -> None:
    verdicts = _to_central_proxy(_central_nsm({"Role": "nsm"}), egress_groups=["tag:Role=nsm"])
    assert outcomes(verdicts) == {(Status.PASS, APP)}


def test_outbound_rule_to_a_configured_proxy_group_id_of_another_account_does_not_govern_access() -> None:
    assert outcomes(_to_central_proxy(egress_groups=[CENTRAL_NSM])) == {(Status.PASS, APP)}


@pytest.mark.parametrize(
    ("scanned", "egress_groups"),
    [
        pytest.param((), ["tag:Role=nsm"], id="proxy-account-not-scanned"),
        pytest.param((_central_nsm({"Role": "web"}),), ["tag:Role=nsm"], id="group-not-tagged"),
    ],
)
def test_outbound_rule_to_another_accounts_group_not_designated_governs_access(
    scanned: tuple[AccountSnapshot, ...], egress_groups: list[str]
) -> None:
    assert outcomes(_to_central_proxy(*scanned, egress_groups=egress_groups)) == {(Status.FAIL, APP)}
