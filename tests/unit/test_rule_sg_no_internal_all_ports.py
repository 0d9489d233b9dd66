"""sg-no-internal-all-ports on hand-built snapshots: the default group has no inbound rule, and no
group opens every port to a group reference. Groups attached to nothing are judged one severity level
lower.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from cloudwarden.findings import Severity, Status
from cloudwarden.rules.sg_no_internal_all_ports import SG_NO_INTERNAL_ALL_PORTS
from cloudwarden.snapshot import (
    GroupPair,
    IpPermission,
)

from .builders import (
    ACCOUNT_ID,
    OTHER_ACCOUNT_ID,
    default_group,
    outcomes,
    own_interface,
    permission,
    security_group,
    severity_of,
)
from .security_group_builders import (
    APP,
    DEFAULT,
    EMPTY_PREFIX_LIST,
    KNOWN_LISTS,
    PRIVATE_PREFIX_LIST,
    PRIVATE_RANGES,
    UNREAD_ERRORS,
    UNREAD_LISTS,
    UNREAD_PREFIX_LIST,
    WEB,
    check,
    only,
    verdict_for,
)


def test_default_group_as_aws_creates_it_fails_high() -> None:
    verdicts = check(SG_NO_INTERNAL_ALL_PORTS, default_group(DEFAULT))
    assert outcomes(verdicts) == {(Status.FAIL, DEFAULT)}
    verdict = only(verdicts)
    assert severity_of(SG_NO_INTERNAL_ALL_PORTS, verdict) is Severity.HIGH
    assert verdict.evidence["offending_rules"] == [
        {
            "rule": f"All traffic from {DEFAULT} (this group)",
            "why": "the default group must have no inbound rule",
            "permission": {
                "IpProtocol": "-1",
                "UserIdGroupPairs": [{"GroupId": DEFAULT, "UserId": ACCOUNT_ID}],
            },
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
        {
            "rule": "TCP 22 from 10.20.0.0/16",
            "why": "the default group must have no inbound rule",
            "permission": {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "10.20.0.0/16"}],
            },
        }
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
    ("allowed", "shown", "revoking"),
    [
        pytest.param(
            permission("-1", None, APP),
            f"All traffic from {APP} (this group)",
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": APP, "UserId": ACCOUNT_ID}]},
            id="all-traffic-from-itself",
        ),
        pytest.param(
            permission("-1", None, WEB),
            f"All traffic from {WEB}",
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": WEB, "UserId": ACCOUNT_ID}]},
            id="all-traffic-from-another",
        ),
        pytest.param(
            permission("tcp", (0, 65535), WEB),
            f"TCP all ports from {WEB}",
            {
                "IpProtocol": "tcp",
                "FromPort": 0,
                "ToPort": 65535,
                "UserIdGroupPairs": [{"GroupId": WEB, "UserId": ACCOUNT_ID}],
            },
            id="all-tcp",
        ),
        pytest.param(
            permission("udp", (0, 65535), WEB),
            f"UDP all ports from {WEB}",
            {
                "IpProtocol": "udp",
                "FromPort": 0,
                "ToPort": 65535,
                "UserIdGroupPairs": [{"GroupId": WEB, "UserId": ACCOUNT_ID}],
            },
            id="all-udp",
        ),
        pytest.param(
            IpPermission(protocol="-1", groups=(GroupPair(group_id=WEB, user_id=OTHER_ACCOUNT_ID),)),
            f"All traffic from {WEB} (account {OTHER_ACCOUNT_ID})",
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": WEB, "UserId": OTHER_ACCOUNT_ID}]},
            id="all-traffic-from-another-accounts-group",
        ),
        pytest.param(
            IpPermission(protocol="-1", groups=(GroupPair(group_id=WEB),)),
            f"All traffic from {WEB}",
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": WEB}]},
            id="all-traffic-from-a-group-whose-account-the-snapshot-does-not-name",
        ),
        pytest.param(
            IpPermission(
                protocol="-1",
                groups=(
                    GroupPair(
                        group_id=WEB,
                        user_id=OTHER_ACCOUNT_ID,
                        vpc_id="vpc-0d1e2f3a4b5c6d7e8",
                        vpc_peering_connection_id="pcx-0a1b2c3d4e5f60718",
                    ),
                ),
            ),
            f"All traffic from {WEB} (account {OTHER_ACCOUNT_ID}, peered via pcx-0a1b2c3d4e5f60718)",
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": WEB, "UserId": OTHER_ACCOUNT_ID}]},
            id="all-traffic-from-a-group-of-a-peered-vpc",
        ),
    ],
)
def test_all_ports_from_a_group_reference_fails_high(
    allowed: IpPermission, shown: str, revoking: dict[str, Any]
) -> None:
    group = security_group(APP, "app", ingress=[allowed])
    verdicts = check(SG_NO_INTERNAL_ALL_PORTS, group)
    assert outcomes(verdicts) == {(Status.FAIL, APP)}
    verdict = only(verdicts)
    assert severity_of(SG_NO_INTERNAL_ALL_PORTS, verdict) is Severity.HIGH
    assert verdict.evidence["offending_rules"] == [
        {"rule": shown, "why": "every port from a security group", "permission": revoking}
    ]
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


# --- prefix lists -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("listed", "shown", "revoking"),
    [
        pytest.param(
            PRIVATE_PREFIX_LIST,
            [f"All traffic from {cidr} (in prefix list {PRIVATE_PREFIX_LIST})" for cidr in PRIVATE_RANGES],
            None,
            id="known-entries-each-revoked-only-with-the-others",
        ),
        pytest.param(
            UNREAD_PREFIX_LIST,
            [f"All traffic from prefix list {UNREAD_PREFIX_LIST} (entries unknown)"],
            {"IpProtocol": "-1", "PrefixListIds": [{"PrefixListId": UNREAD_PREFIX_LIST}]},
            id="unknown-entries-the-reference-is-the-rule",
        ),
        pytest.param(
            EMPTY_PREFIX_LIST,
            [f"All traffic from prefix list {EMPTY_PREFIX_LIST} (empty)"],
            {"IpProtocol": "-1", "PrefixListIds": [{"PrefixListId": EMPTY_PREFIX_LIST}]},
            id="empty-list-is-still-an-inbound-rule",
        ),
    ],
)
def test_default_group_with_an_inbound_rule_from_a_prefix_list_fails(
    listed: str, shown: list[str], revoking: dict[str, Any] | None
) -> None:
    group = msgspec.structs.replace(default_group(DEFAULT), ingress=(permission("-1", None, listed),))
    verdicts = check(
        SG_NO_INTERNAL_ALL_PORTS, group, prefix_lists=[*KNOWN_LISTS, *UNREAD_LISTS], errors=UNREAD_ERRORS
    )
    assert outcomes(verdicts) == {(Status.FAIL, DEFAULT)}
    assert only(verdicts).evidence["offending_rules"] == [
        {"rule": text, "why": "the default group must have no inbound rule", "permission": revoking}
        for text in shown
    ]
