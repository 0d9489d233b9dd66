"""sg-inbound-rules-only on hand-built snapshots: no group (nor the union of the groups on one
interface) mixes inbound rules with outbound rules that govern access to non-internet destinations,
except internet egress groups, which may be another scanned account's. An outbound rule toward a
prefix list of unknown entries makes the verdict UNKNOWN only when it could change it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import msgspec
import pytest

from cloudwarden.findings import Severity, Status
from cloudwarden.rules.base import Verdict
from cloudwarden.rules.sg_inbound_rules_only import SG_INBOUND_RULES_ONLY
from cloudwarden.semantics.inventory import OrganisationInventory
from cloudwarden.snapshot import (
    AccountSnapshot,
    GroupPair,
    IpPermission,
    SecurityGroup,
)

from .builders import (
    ALL_TRAFFIC_TO_INTERNET,
    HOME_REGION,
    SECOND_REGION,
    VPC_CIDR,
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
    APP,
    CLIENTS,
    DB,
    EMPTY_PREFIX_LIST,
    EU_UNKNOWN,
    HTTPS_FROM_VPC,
    HTTPS_FROM_WORLD,
    KNOWN_LISTS,
    NO_EGRESS,
    NSM,
    OFFICE_PREFIX_LIST,
    OPEN_PREFIX_LIST,
    OUTBOUND,
    POSTGRES_TO_DB,
    PRIVATE_PREFIX_LIST,
    PRIVATE_RANGES,
    S3_PREFIX_LIST,
    SHARED_ENI,
    UNREAD_ERRORS,
    UNREAD_LISTS,
    UNREAD_PREFIX_LIST,
    UNREAD_REASON,
    VPC_PREFIX_LIST,
    WEB,
    WORLD_PREFIX_LIST,
    check,
    only,
    verdict_for,
)


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


# --- prefix lists -------------------------------------------------------------------------------------


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
