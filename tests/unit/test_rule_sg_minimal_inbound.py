"""sg-minimal-inbound on hand-built snapshots: an inbound rule from a CIDR, or from each entry of a
managed prefix list (a customer list may hold 0.0.0.0/0), may not open all traffic, every port, more
ports than `max_port_range`, or from a world-open source anything but `public_ports`. Where the entries
of a list are unknown, a verdict that depends on them is UNKNOWN with the reason; groups attached to
nothing are judged one severity level lower.
"""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.findings import Severity, Status
from cloudwarden.rules.sg_minimal_inbound import SG_MINIMAL_INBOUND
from cloudwarden.snapshot import (
    IpPermission,
    Vpc,
)

from .builders import (
    ACCOUNT_ID,
    HOME_REGION,
    SECOND_REGION,
    VPC_CIDR,
    VPC_ID,
    ec2_account,
    ec2_api_error,
    network_interface,
    outcomes,
    own_interface,
    permission,
    run,
    security_group,
    severity_of,
    sg_context,
)
from .security_group_builders import (
    ADMIN_RANGE,
    APP,
    DB,
    EMPTY_PREFIX_LIST,
    EU_WEB,
    GARBAGE_PREFIX_LIST,
    HTTPS_FROM_WORLD,
    KNOWN_LISTS,
    MISSING_PREFIX_LIST,
    OFFICE_PREFIX_LIST,
    OFFICE_RANGES,
    OPEN_PREFIX_LIST,
    OPEN_V6_PREFIX_LIST,
    OTHER_UNREAD_PREFIX_LIST,
    OUTBOUND,
    PRIVATE_PREFIX_LIST,
    PRIVATE_RANGES,
    SSH_FROM_WORLD,
    UNREAD_ERRORS,
    UNREAD_LISTS,
    UNREAD_PREFIX_LIST,
    UNREAD_REASON,
    VPC_PREFIX_LIST,
    WEB,
    check,
    entries_error,
    only,
    prefix_list,
    verdict_for,
)


@pytest.mark.parametrize(
    ("allowed", "expected", "shown", "why", "revoking"),
    [
        pytest.param(
            SSH_FROM_WORLD,
            Severity.HIGH,
            "TCP 22 from 0.0.0.0/0",
            "open to the world on a port that is not public",
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            id="ssh-from-0.0.0.0/0-high",
        ),
        pytest.param(
            permission("tcp", 22, "::/0"),
            Severity.HIGH,
            "TCP 22 from ::/0",
            "open to the world on a port that is not public",
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
            id="ssh-from-::/0-high",
        ),
        pytest.param(
            permission("6", 22, "0.0.0.0/0"),
            Severity.HIGH,
            "TCP 22 from 0.0.0.0/0",
            "open to the world on a port that is not public",
            {"IpProtocol": "6", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            id="protocol-number-6-is-tcp",
        ),
        pytest.param(
            permission("udp", 53, "0.0.0.0/0"),
            Severity.HIGH,
            "UDP 53 from 0.0.0.0/0",
            "open to the world on a port that is not public",
            {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            id="udp-53-from-world-high",
        ),
        pytest.param(
            permission("tcp", (80, 443), "0.0.0.0/0"),
            Severity.HIGH,
            "TCP 80-443 from 0.0.0.0/0",
            "364 ports, more than 32",
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            id="range-80-443-from-world-between-public-ports-high",
        ),
        pytest.param(
            permission("tcp", (80, 81), "0.0.0.0/0"),
            Severity.HIGH,
            "TCP 80-81 from 0.0.0.0/0",
            "open to the world on a port that is not public",
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 81, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            id="range-80-81-from-world-includes-a-non-public-port",
        ),
        pytest.param(
            permission("tcp", (0, 65535), "0.0.0.0/0"),
            Severity.CRITICAL,
            "TCP all ports from 0.0.0.0/0",
            "every port",
            {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            id="all-tcp-from-world-critical",
        ),
        pytest.param(
            permission("udp", (0, 65535), "::/0"),
            Severity.CRITICAL,
            "UDP all ports from ::/0",
            "every port",
            {"IpProtocol": "udp", "FromPort": 0, "ToPort": 65535, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
            id="all-udp-from-ipv6-world-critical",
        ),
        pytest.param(
            permission("tcp", (0, 65535), "10.0.0.0/8"),
            Severity.MEDIUM,
            "TCP all ports from 10.0.0.0/8",
            "every port",
            {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
            id="all-tcp-from-10/8-medium",
        ),
        pytest.param(
            permission("-1", None, "::/0"),
            Severity.CRITICAL,
            "All traffic from ::/0",
            "all traffic",
            {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
            id="all-traffic-from-::/0-critical",
        ),
        pytest.param(
            permission("-1", None, "0.0.0.0/0"),
            Severity.CRITICAL,
            "All traffic from 0.0.0.0/0",
            "all traffic",
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            id="all-traffic-from-0.0.0.0/0-critical",
        ),
        pytest.param(
            permission("-1", None, "10.20.0.0/16"),
            Severity.MEDIUM,
            "All traffic from 10.20.0.0/16",
            "all traffic",
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.20.0.0/16"}]},
            id="all-traffic-from-the-vpc-medium",
        ),
        pytest.param(
            permission("-1", None, ADMIN_RANGE),
            Severity.MEDIUM,
            f"All traffic from {ADMIN_RANGE}",
            "all traffic",
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": ADMIN_RANGE}]},
            id="all-traffic-from-a-specific-public-range-medium",
        ),
        pytest.param(
            permission("udp", (1000, 1040), "10.0.0.0/16"),
            Severity.MEDIUM,
            "UDP 1000-1040 from 10.0.0.0/16",
            "41 ports, more than 32",
            {"IpProtocol": "udp", "FromPort": 1000, "ToPort": 1040, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
            id="udp-41-ports-internal-medium",
        ),
        pytest.param(
            permission("50", None, "0.0.0.0/0"),
            Severity.HIGH,
            "protocol 50 (all of it) from 0.0.0.0/0",
            "a whole protocol from the world",
            {"IpProtocol": "50", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            id="esp-from-world-high",
        ),
        pytest.param(
            permission("tcp", 22, "8.0.0.0/7"),
            Severity.HIGH,
            "TCP 22 from 8.0.0.0/7",
            "open to the world on a port that is not public",
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "8.0.0.0/7"}]},
            id="ssh-from-public-/7-is-world-open",
        ),
        pytest.param(
            permission("tcp", 22, "2600::/31"),
            Severity.HIGH,
            "TCP 22 from 2600::/31",
            "open to the world on a port that is not public",
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": [{"CidrIpv6": "2600::/31"}]},
            id="ssh-from-public-ipv6-/31-is-world-open",
        ),
        pytest.param(
            permission("-1", None, VPC_PREFIX_LIST),
            Severity.MEDIUM,
            f"All traffic from {VPC_CIDR} (in prefix list {VPC_PREFIX_LIST})",
            "all traffic",
            None,
            id="all-traffic-from-a-prefix-list-is-judged-on-its-entries",
        ),
    ],
)
def test_inbound_rule_that_is_too_broad_fails(
    allowed: IpPermission, expected: Severity, shown: str, why: str, revoking: dict[str, Any] | None
) -> None:
    verdicts = check(
        SG_MINIMAL_INBOUND, security_group(WEB, "web", ingress=[allowed]), prefix_lists=KNOWN_LISTS
    )
    assert outcomes(verdicts) == {(Status.FAIL, WEB)}
    verdict = only(verdicts)
    assert severity_of(SG_MINIMAL_INBOUND, verdict) is expected
    assert verdict.message == f"inbound rules too broad: {shown} ({why})"
    assert verdict.evidence["offending_rules"] == [
        {"rule": shown, "why": why, "severity": expected.value, "permission": revoking}
    ]
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
        {
            "rule": "All traffic from ::/0",
            "why": "all traffic",
            "severity": "critical",
            "permission": {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        },
        {
            "rule": "TCP 22 from 0.0.0.0/0",
            "why": "open to the world on a port that is not public",
            "severity": "high",
            "permission": {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
        },
        {
            "rule": "TCP 3389 from 0.0.0.0/0",
            "why": "open to the world on a port that is not public",
            "severity": "high",
            "permission": {
                "IpProtocol": "tcp",
                "FromPort": 3389,
                "ToPort": 3389,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
        },
        {
            "rule": "UDP 1000-1040 from 10.0.0.0/16",
            "why": "41 ports, more than 32",
            "severity": "medium",
            "permission": {
                "IpProtocol": "udp",
                "FromPort": 1000,
                "ToPort": 1040,
                "IpRanges": [{"CidrIp": "10.0.0.0/16"}],
            },
        },
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


def test_evidence_counts_the_interfaces_that_carry_each_group_and_names_its_vpc_and_designation() -> None:
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
    verdicts = run(SG_MINIMAL_INBOUND, target, sg_context(internet_egress_groups=[APP]))
    assert outcomes(verdicts) == {(Status.FAIL, WEB), (Status.FAIL, APP), (Status.FAIL, DB)}
    keys = ("vpc", "default_vpc", "interfaces", "internet_egress_group")
    evidence = {verdict.resource.id: {key: verdict.evidence[key] for key in keys} for verdict in verdicts}
    assert evidence == {
        WEB: {"vpc": default_vpc.id, "default_vpc": True, "interfaces": 3, "internet_egress_group": False},
        APP: {"vpc": VPC_ID, "default_vpc": False, "interfaces": 1, "internet_egress_group": True},
        DB: {
            "vpc": "vpc-0ffffffffffffffff",
            "default_vpc": None,
            "interfaces": 0,
            "internet_egress_group": False,
        },
    }
    web_verdict = verdict_for(verdicts, WEB)
    assert web_verdict.resource.type == "AWS::EC2::SecurityGroup"
    assert web_verdict.resource.name == "web"
    assert web_verdict.resource.arn == f"arn:aws:ec2:{HOME_REGION}:{ACCOUNT_ID}:security-group/{WEB}"
    assert web_verdict.region == HOME_REGION


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
    # No permission revokes the rule of one entry: revoking the list's reference revokes every entry.
    assert verdict.evidence["offending_rules"] == [
        {"rule": rule, "why": why, "severity": severity, "permission": None}
        for rule, why, severity in offending
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
    ("certain", "expected", "shown", "why", "revoking"),
    [
        pytest.param(
            SSH_FROM_WORLD,
            Severity.HIGH,
            "TCP 22 from 0.0.0.0/0",
            "open to the world on a port that is not public",
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            id="ssh-from-the-world",
        ),
        pytest.param(
            permission("tcp", 22, OPEN_PREFIX_LIST),
            Severity.HIGH,
            f"TCP 22 from 0.0.0.0/0 (in prefix list {OPEN_PREFIX_LIST})",
            "open to the world on a port that is not public",
            None,
            id="ssh-from-a-known-list-holding-the-world",
        ),
        pytest.param(
            permission("tcp", (0, 65535), "10.0.0.0/8"),
            Severity.MEDIUM,
            "TCP all ports from 10.0.0.0/8",
            "every port",
            {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
            id="every-port-from-private-space",
        ),
    ],
)
def test_certain_inbound_problem_fails_even_beside_a_prefix_list_of_unknown_entries(
    certain: IpPermission, expected: Severity, shown: str, why: str, revoking: dict[str, Any] | None
) -> None:
    group = security_group(WEB, "web", ingress=[permission("tcp", 22, UNREAD_PREFIX_LIST), certain])
    verdicts = check(
        SG_MINIMAL_INBOUND, group, prefix_lists=[*KNOWN_LISTS, *UNREAD_LISTS], errors=UNREAD_ERRORS
    )
    assert outcomes(verdicts) == {(Status.FAIL, WEB)}
    verdict = only(verdicts)
    assert severity_of(SG_MINIMAL_INBOUND, verdict) is expected
    unknown = f"TCP 22 from prefix list {UNREAD_PREFIX_LIST} (entries unknown)"
    # The FAIL is certain; the rule toward the unknown list is named, as it may allow more, with no
    # permission to revoke: whether it is too broad is unknown.
    assert verdict.evidence["offending_rules"] == [
        {
            "rule": shown,
            "why": why,
            "severity": expected.value,
            "permission": revoking,
        },
        {"rule": unknown, "why": "its peers are unknown", "severity": "unknown", "permission": None},
    ]
    # A live scan's only unknown peers are prefix lists: its message keeps their words.
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
