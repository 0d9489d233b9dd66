"""What the four security-group rules share (`rules.security_group_network`): one normalised network
per account, judged alike by each rule. Unreadable regions and missing network data are UNKNOWN for
every rule; a network worked out for one account is never reused for another, nor kept after it.
"""

from __future__ import annotations

import dataclasses
import gc

import msgspec
import pytest

from cloudwarden.config import Config
from cloudwarden.engine import evaluate
from cloudwarden.findings import Severity, Status
from cloudwarden.rules.base import Rule
from cloudwarden.rules.security_group_network import Network, revoking_permission
from cloudwarden.rules.sg_egress_via_nsm_only import SG_EGRESS_VIA_NSM_ONLY
from cloudwarden.rules.sg_inbound_rules_only import SG_INBOUND_RULES_ONLY
from cloudwarden.rules.sg_minimal_inbound import SG_MINIMAL_INBOUND
from cloudwarden.rules.sg_no_internal_all_ports import SG_NO_INTERNAL_ALL_PORTS
from cloudwarden.semantics.network import Direction, NetRule, Peer, PeerKind, rules_of
from cloudwarden.snapshot import Collection, GroupPair, IpPermission

from .builders import (
    ACCOUNT_ID,
    HOME_REGION,
    SECOND_REGION,
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
    snapshot,
)
from .security_group_builders import (
    ADMIN_RANGE,
    APP,
    CLIENTS,
    DB,
    DEFAULT,
    EMPTY_PREFIX_LIST,
    EU_UNKNOWN,
    EU_WEB,
    GARBAGE_PREFIX_LIST,
    HTTPS_FROM_VPC,
    HTTPS_FROM_WORLD,
    KNOWN_LISTS,
    NO_EGRESS,
    NSM,
    OFFICE_PREFIX_LIST,
    OFFICE_RANGES,
    OUTBOUND,
    POSTGRES_TO_DB,
    SHARED_ENI,
    SSH_FROM_WORLD,
    US_UNKNOWN,
    WEB,
    check,
    only,
    prefix_list,
    verdict_for,
    with_prefix_lists,
)

RULES = (SG_MINIMAL_INBOUND, SG_NO_INTERNAL_ALL_PORTS, SG_INBOUND_RULES_ONLY, SG_EGRESS_VIA_NSM_ONLY)


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
        assert rule.permissions == (
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeVpcs",
            "ec2:DescribeManagedPrefixLists",
            "ec2:GetManagedPrefixListEntries",
        )


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_each_rule_documents_itself_and_needs_only_the_network(rule: Rule) -> None:
    assert all((rule.summary, rule.passes, rule.fails, rule.unknown)), rule.id
    assert 4 <= len(rule.examples) <= 6
    assert {example.status for example in rule.examples} >= {Status.PASS, Status.FAIL, Status.UNKNOWN}
    assert rule.needs == frozenset({Collection.EC2})


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


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_every_group_finding_says_whether_the_configuration_designates_it_for_internet_egress(
    rule: Rule,
) -> None:
    """`fix` leaves designated groups out on the report alone, whatever the verdict."""
    groups = [
        security_group(NSM, "nsm-proxy", ingress=[SSH_FROM_WORLD]),
        security_group(WEB, "nat", ingress=[SSH_FROM_WORLD], tags={"Role": "nsm-proxy"}),
        security_group(DB, "db", tags={"Role": "nsm"}),
        security_group(APP, "app", ingress=[permission("-1", None, APP)], egress=[POSTGRES_TO_DB]),
    ]
    context = sg_context(internet_egress_groups=[NSM, "tag:Role=nsm-proxy"])
    verdicts = run(rule, ec2_account(*groups), context)
    assert {verdict.resource.id: verdict.evidence["internet_egress_group"] for verdict in verdicts} == {
        NSM: True,
        WEB: True,
        DB: False,
        APP: False,
    }


# --- the permission that revokes a rule ------------------------------------------------------------


def test_where_a_rule_comes_from_never_changes_what_it_is() -> None:
    """Rules of two permissions that allow the same are equal and hash alike (the rules' caches see
    one rule), yet each keeps its own permission."""
    alone = permission("tcp", 22, "0.0.0.0/0")
    beside = permission("tcp", 22, "0.0.0.0/0", "10.20.0.0/16")
    (from_alone,) = rules_of((alone,), Direction.INGRESS, WEB, ACCOUNT_ID)
    from_beside, _ = rules_of((beside,), Direction.INGRESS, WEB, ACCOUNT_ID)
    assert from_alone == from_beside
    assert hash(from_alone) == hash(from_beside)
    assert (from_alone.origin.permission, from_beside.origin.permission) == (alone, beside)


@pytest.mark.parametrize(
    "unrevokable",
    [
        pytest.param(
            IpPermission(
                protocol="tcp", from_port=22, to_port=22, unknown_peers=("aws_vpc.main.cidr_block",)
            ),
            id="peer-known-only-after-apply",
        ),
        pytest.param(
            IpPermission(protocol="tcp", from_port=22, to_port=22, malformed_peers=("cidr_blocks: nowhere",)),
            id="malformed-peer",
        ),
        pytest.param(
            IpPermission(
                protocol="tcp", from_port=22, to_port=22, unread_peers=("ec2:DescribeSecurityGroups",)
            ),
            id="peer-unread",
        ),
        pytest.param(
            IpPermission(protocol="tcp", from_port=22, to_port=22, ipv4_ranges=("0.0.0.0/0",), possible=True),
            id="rule-that-may-not-be-the-groups",
        ),
        pytest.param(
            IpPermission(
                protocol="-1",
                groups=(GroupPair(group_id=APP, user_id=ACCOUNT_ID), GroupPair(group_id=APP)),
            ),
            id="one-group-twice-with-and-without-its-account",
        ),
        pytest.param(IpPermission(protocol="-1", groups=(GroupPair(group_id=""),)), id="group-without-an-id"),
    ],
)
def test_no_permission_revokes_a_rule_whose_peer_is_not_known_for_sure(unrevokable: IpPermission) -> None:
    rules = rules_of((unrevokable,), Direction.INGRESS, WEB, ACCOUNT_ID)
    assert rules
    assert [revoking_permission(rule) for rule in rules] == [None] * len(rules)


def test_no_permission_revokes_a_rule_made_by_hand() -> None:
    made = NetRule(Direction.INGRESS, "tcp", (22, 22), None, Peer(PeerKind.IPV4, "0.0.0.0/0"))
    assert revoking_permission(made) is None


# --- prefix lists -------------------------------------------------------------------------------------


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


# --- one network per account, kept no longer than the account ----------------------------------------


def test_a_network_shared_by_two_configurations_is_judged_under_each() -> None:
    """A context copied with another configuration keeps its memos: which groups are designated
    follows the configuration, not the first one that normalised the account."""
    target = ec2_account(security_group(NSM, "nsm-proxy"))
    plain = sg_context()
    designating = dataclasses.replace(plain, config=sg_context(internet_egress_groups=[NSM]).config)
    assert designating.per_account is plain.per_account
    assert outcomes(run(SG_EGRESS_VIA_NSM_ONLY, target, designating)) == {(Status.PASS, NSM)}
    assert outcomes(run(SG_EGRESS_VIA_NSM_ONLY, target, plain)) == {(Status.FAIL, NSM)}
    assert outcomes(run(SG_INBOUND_RULES_ONLY, target, designating)) == {(Status.PASS, NSM)}
    assert only(run(SG_MINIMAL_INBOUND, target, designating)).evidence["internet_egress_group"] is True
    assert only(run(SG_MINIMAL_INBOUND, target, plain)).evidence["internet_egress_group"] is False


def test_no_network_outlives_the_evaluation_of_its_account() -> None:
    """The engine forgets each account's memo when it moves on, so nothing keeps a judged account's
    normalised network (nor, through it, its snapshot) alive, as a module cache of recent accounts did."""
    group_ids = ("sg-0f1e2d3c4b5a60001", "sg-0f1e2d3c4b5a60002")
    accounts = [
        msgspec.structs.replace(
            ec2_account(security_group(group_id, "app", ingress=[SSH_FROM_WORLD])), account_id=account_id
        )
        for group_id, account_id in zip(group_ids, ("700000000001", "700000000002"), strict=True)
    ]
    report = evaluate(snapshot(*accounts), Config(), RULES)
    assert {(finding.account, finding.resource.id) for finding in report.findings} >= {
        ("700000000001", group_ids[0]),
        ("700000000002", group_ids[1]),
    }
    gc.collect()
    kept = [
        network
        for network in gc.get_objects()
        if isinstance(network, Network) and any(group.group.id in group_ids for group in network.groups)
    ]
    assert kept == []
