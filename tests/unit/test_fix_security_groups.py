"""The fixers of sg-minimal-inbound, sg-no-internal-all-ports and sg-egress-via-nsm-only on findings the
real rules give for hand-built groups, read back from the JSON report as `cloudwarden fix` reads them:
each offending rule is revoked by its exact one-peer permission, the others of its IpPermission stay,
and what no permission revokes alone is left to a person."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import pytest

from cloudwarden.config import Config
from cloudwarden.engine import evaluate
from cloudwarden.findings import Finding, Status
from cloudwarden.remedy import Call, Fixer, Proposal, Remedy, State
from cloudwarden.rules import FIXERS
from cloudwarden.rules.base import Rule
from cloudwarden.rules.sg_egress_via_nsm_only import SG_EGRESS_VIA_NSM_ONLY
from cloudwarden.rules.sg_egress_via_nsm_only_fix import SG_EGRESS_VIA_NSM_ONLY_FIX
from cloudwarden.rules.sg_minimal_inbound import SG_MINIMAL_INBOUND
from cloudwarden.rules.sg_minimal_inbound_fix import SG_MINIMAL_INBOUND_FIX
from cloudwarden.rules.sg_no_internal_all_ports import SG_NO_INTERNAL_ALL_PORTS
from cloudwarden.rules.sg_no_internal_all_ports_fix import SG_NO_INTERNAL_ALL_PORTS_FIX
from cloudwarden.snapshot import GroupPair, IpPermission, PrefixList, SecurityGroup

from .builders import (
    ACCOUNT_ID,
    ALL_TRAFFIC_TO_INTERNET,
    OTHER_ACCOUNT_ID,
    default_group,
    ec2_account,
    permission,
    security_group,
    snapshot,
)
from .security_group_builders import (
    ADMIN_RANGE,
    APP,
    DB,
    DEFAULT,
    HTTPS_FROM_WORLD,
    KNOWN_LISTS,
    OPEN_PREFIX_LIST,
    POSTGRES_TO_DB,
    UNREAD_LISTS,
    UNREAD_PREFIX_LIST,
    WEB,
    with_prefix_lists,
)

SSH_FROM_THE_WORLD = {
    "IpProtocol": "tcp",
    "FromPort": 22,
    "ToPort": 22,
    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
}
SSH_FROM_IPV6_WORLD = {
    "IpProtocol": "tcp",
    "FromPort": 22,
    "ToPort": 22,
    "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
}
ALL_TRAFFIC_FROM_IPV6_WORLD = {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
ALL_TRAFFIC_TO_THE_WORLD = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
ENTRY_RULE = f"TCP 22 from 0.0.0.0/0 (in prefix list {OPEN_PREFIX_LIST})"
ENTRY_STEPS = (
    f"In {WEB}, no single permission revokes the inbound rules {ENTRY_RULE}: each stands for one entry "
    "of a managed prefix list, and revoking the group's rule that references the list revokes every "
    "entry. Remove the entry from the list if no other group relies on it, or delete or narrow the "
    "group's rule that references the list."
)


def failed(rule: Rule, group: SecurityGroup, prefix_lists: Sequence[PrefixList] = KNOWN_LISTS) -> Finding:
    """The rule's FAIL on `group`, alone in its account, through the JSON report, as `cloudwarden fix`
    reads it."""
    account = with_prefix_lists(ec2_account(group), *prefix_lists)
    report = evaluate(snapshot(account), Config(), rules=[rule])
    (finding,) = msgspec.json.decode(msgspec.json.encode(report.findings), type=list[Finding])
    assert (finding.status, finding.resource.id) == (Status.FAIL, group.id), finding.message
    return finding


def revoking(group_id: str, direction: str, permissions: list[dict[str, Any]], summary: str) -> Remedy:
    """The remedy that revokes `permissions` of `direction` from the group, and authorizes them back
    (disruptive for outbound rules: what the instances reach directly stops)."""
    operation = "Ingress" if direction == "ingress" else "Egress"
    return Remedy(
        action=f"revoke-{direction}",
        summary=summary,
        state=State.SECURITY_GROUP_RULES,
        read=Call(service="ec2", operation="DescribeSecurityGroups", parameters={"GroupIds": [group_id]}),
        before={"direction": direction, "present": permissions, "absent": []},
        after={"direction": direction, "present": [], "absent": permissions},
        calls=(
            Call(
                service="ec2",
                operation=f"RevokeSecurityGroup{operation}",
                parameters={"GroupId": group_id, "IpPermissions": permissions},
            ),
        ),
        rollback=(
            Call(
                service="ec2",
                operation=f"AuthorizeSecurityGroup{operation}",
                parameters={"GroupId": group_id, "IpPermissions": permissions},
            ),
        ),
        disruptive=direction == "egress",
    )


def older(finding: Finding) -> Finding:
    """The finding as a report of an older version gives it: offending rules without `permission`."""
    offending = [
        {key: value for key, value in item.items() if key != "permission"}
        for item in finding.evidence["offending_rules"]
    ]
    return msgspec.structs.replace(finding, evidence={**finding.evidence, "offending_rules": offending})


# --- sg-minimal-inbound -------------------------------------------------------------------------------


def test_world_open_ssh_among_other_sources_of_one_permission_revokes_only_that_cidr() -> None:
    group = security_group(
        WEB, "web", ingress=[permission("tcp", 22, "10.20.0.0/16", "0.0.0.0/0", ADMIN_RANGE)]
    )
    proposal = SG_MINIMAL_INBOUND_FIX.propose(failed(SG_MINIMAL_INBOUND, group))
    assert proposal == Proposal(
        remedies=(
            revoking(
                WEB,
                "ingress",
                [SSH_FROM_THE_WORLD],
                f"Revoke the inbound rules TCP 22 from 0.0.0.0/0 of {WEB}, keeping its other rules.",
            ),
        )
    )


def test_ssh_from_the_ipv6_world_is_revoked_by_its_ipv6_range() -> None:
    group = security_group(WEB, "web", ingress=[HTTPS_FROM_WORLD, permission("tcp", 22, "::/0")])
    proposal = SG_MINIMAL_INBOUND_FIX.propose(failed(SG_MINIMAL_INBOUND, group))
    assert proposal == Proposal(
        remedies=(
            revoking(
                WEB,
                "ingress",
                [SSH_FROM_IPV6_WORLD],
                f"Revoke the inbound rules TCP 22 from ::/0 of {WEB}, keeping its other rules.",
            ),
        )
    )


def test_the_permission_keeps_the_protocol_and_ports_as_the_snapshot_gives_them() -> None:
    """EC2 matches the revoke against the rule as it holds it: a protocol number stays a number."""
    group = security_group(WEB, "web", ingress=[permission("6", (1000, 1100), "10.0.0.0/16")])
    proposal = SG_MINIMAL_INBOUND_FIX.propose(failed(SG_MINIMAL_INBOUND, group))
    revoked = {"IpProtocol": "6", "FromPort": 1000, "ToPort": 1100, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}
    assert proposal == Proposal(
        remedies=(
            revoking(
                WEB,
                "ingress",
                [revoked],
                f"Revoke the inbound rules TCP 1000-1100 from 10.0.0.0/16 of {WEB}, keeping its other rules.",
            ),
        )
    )


def test_a_rule_for_one_entry_of_a_prefix_list_is_left_to_a_person_with_no_remedy() -> None:
    group = security_group(WEB, "web", ingress=[permission("tcp", 22, OPEN_PREFIX_LIST)])
    proposal = SG_MINIMAL_INBOUND_FIX.propose(failed(SG_MINIMAL_INBOUND, group))
    assert proposal == Proposal(manual=ENTRY_STEPS)


def test_a_mix_revokes_what_a_permission_revokes_alone_and_names_the_rest() -> None:
    """All traffic and SSH from the world, SSH from a list holding the world, and SSH from a list whose
    entries could not be read: two revoked in one call, worst first; the entry and the unknown list
    left to a person."""
    group = security_group(
        WEB,
        "web",
        ingress=[
            permission("tcp", 22, "0.0.0.0/0", OPEN_PREFIX_LIST),
            permission("tcp", 22, UNREAD_PREFIX_LIST),
            permission("-1", None, "::/0"),
        ],
    )
    finding = failed(SG_MINIMAL_INBOUND, group, prefix_lists=[*KNOWN_LISTS, *UNREAD_LISTS])
    unknown = f"TCP 22 from prefix list {UNREAD_PREFIX_LIST} (entries unknown)"
    assert SG_MINIMAL_INBOUND_FIX.propose(finding) == Proposal(
        remedies=(
            revoking(
                WEB,
                "ingress",
                [ALL_TRAFFIC_FROM_IPV6_WORLD, SSH_FROM_THE_WORLD],
                f"Revoke the inbound rules All traffic from ::/0; TCP 22 from 0.0.0.0/0 of {WEB}, keeping "
                "its other rules.",
            ),
        ),
        manual=(
            f"{ENTRY_STEPS} In {WEB}, check the inbound rules {unknown}: their peers are unknown, so "
            "whether they are too broad is too. Remove or narrow them if they are."
        ),
    )


def test_a_cidr_listed_twice_in_one_permission_is_revoked_once() -> None:
    twice = IpPermission(protocol="tcp", from_port=22, to_port=22, ipv4_ranges=("0.0.0.0/0", "0.0.0.0/0"))
    group = security_group(WEB, "web", ingress=[twice])
    finding = failed(SG_MINIMAL_INBOUND, group)
    assert len(finding.evidence["offending_rules"]) == 2
    assert SG_MINIMAL_INBOUND_FIX.propose(finding) == Proposal(
        remedies=(
            revoking(
                WEB,
                "ingress",
                [SSH_FROM_THE_WORLD],
                f"Revoke the inbound rules TCP 22 from 0.0.0.0/0 of {WEB}, keeping its other rules.",
            ),
        )
    )


# --- sg-no-internal-all-ports -------------------------------------------------------------------------


def test_the_default_groups_all_traffic_from_itself_is_revoked_by_its_group_pair() -> None:
    proposal = SG_NO_INTERNAL_ALL_PORTS_FIX.propose(failed(SG_NO_INTERNAL_ALL_PORTS, default_group(DEFAULT)))
    itself = {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": DEFAULT, "UserId": ACCOUNT_ID}]}
    assert proposal == Proposal(
        remedies=(
            revoking(
                DEFAULT,
                "ingress",
                [itself],
                f"Revoke the inbound rules All traffic from {DEFAULT} (this group) of {DEFAULT}, keeping its "
                "other rules.",
            ),
        )
    )


def test_every_port_from_another_accounts_group_is_revoked_with_that_account() -> None:
    others = IpPermission(
        protocol="tcp",
        from_port=0,
        to_port=65535,
        groups=(
            GroupPair(group_id=WEB, user_id=OTHER_ACCOUNT_ID),
            GroupPair(group_id=DB, user_id=ACCOUNT_ID),
        ),
    )
    group = security_group(APP, "app", ingress=[others, permission("tcp", 5432, WEB)])
    proposal = SG_NO_INTERNAL_ALL_PORTS_FIX.propose(failed(SG_NO_INTERNAL_ALL_PORTS, group))
    revoked = [
        {
            "IpProtocol": "tcp",
            "FromPort": 0,
            "ToPort": 65535,
            "UserIdGroupPairs": [{"GroupId": WEB, "UserId": OTHER_ACCOUNT_ID}],
        },
        {
            "IpProtocol": "tcp",
            "FromPort": 0,
            "ToPort": 65535,
            "UserIdGroupPairs": [{"GroupId": DB, "UserId": ACCOUNT_ID}],
        },
    ]
    assert proposal == Proposal(
        remedies=(
            revoking(
                APP,
                "ingress",
                revoked,
                f"Revoke the inbound rules TCP all ports from {WEB} (account {OTHER_ACCOUNT_ID}); TCP all "
                f"ports from {DB} of {APP}, keeping its other rules.",
            ),
        )
    )


# --- sg-egress-via-nsm-only ---------------------------------------------------------------------------


def test_all_traffic_to_the_world_is_revoked_from_the_outbound_rules() -> None:
    group = security_group(APP, "app", egress=[POSTGRES_TO_DB, ALL_TRAFFIC_TO_INTERNET])
    proposal = SG_EGRESS_VIA_NSM_ONLY_FIX.propose(failed(SG_EGRESS_VIA_NSM_ONLY, group))
    assert proposal == Proposal(
        remedies=(
            revoking(
                APP,
                "egress",
                [ALL_TRAFFIC_TO_THE_WORLD],
                f"Revoke the outbound rules All traffic to 0.0.0.0/0 of {APP}, keeping its other rules.",
            ),
        )
    )


def test_an_outbound_rule_for_one_entry_of_a_prefix_list_is_left_to_a_person() -> None:
    group = security_group(APP, "app", egress=[permission("tcp", 443, OPEN_PREFIX_LIST)])
    proposal = SG_EGRESS_VIA_NSM_ONLY_FIX.propose(failed(SG_EGRESS_VIA_NSM_ONLY, group))
    entry = f"TCP 443 to 0.0.0.0/0 (in prefix list {OPEN_PREFIX_LIST})"
    assert proposal == Proposal(
        manual=(
            f"In {APP}, no single permission revokes the outbound rules {entry}: each stands for one entry "
            "of a managed prefix list, and revoking the group's rule that references the list revokes "
            "every entry. Remove the entry from the list if no other group relies on it, or delete or "
            "narrow the group's rule that references the list."
        )
    )


# --- evidence that cannot be planned from -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixer", "rule", "group"),
    [
        pytest.param(
            SG_MINIMAL_INBOUND_FIX,
            SG_MINIMAL_INBOUND,
            security_group(WEB, "web", ingress=[permission("tcp", 22, "0.0.0.0/0")]),
            id="sg-minimal-inbound",
        ),
        pytest.param(
            SG_NO_INTERNAL_ALL_PORTS_FIX,
            SG_NO_INTERNAL_ALL_PORTS,
            default_group(DEFAULT),
            id="sg-no-internal",
        ),
        pytest.param(
            SG_EGRESS_VIA_NSM_ONLY_FIX, SG_EGRESS_VIA_NSM_ONLY, security_group(APP, "app"), id="sg-egress"
        ),
    ],
)
def test_a_report_that_predates_the_permissions_is_unplannable(
    fixer: Fixer, rule: Rule, group: SecurityGroup
) -> None:
    assert fixer.propose(older(failed(rule, group))) == Proposal(
        unplannable="the evidence does not give the permission of each offending rule: the report predates it"
    )


@pytest.mark.parametrize(
    "garbled",
    [
        pytest.param({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}, id="no-peer"),
        pytest.param({**SSH_FROM_THE_WORLD, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}, id="two-peers"),
        pytest.param(
            {**SSH_FROM_THE_WORLD, "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8"}]},
            id="two-cidrs",
        ),
        pytest.param({**SSH_FROM_THE_WORLD, "FromPort": "22"}, id="port-not-a-number"),
        pytest.param({**SSH_FROM_THE_WORLD, "Description": "ssh"}, id="unknown-key"),
        pytest.param("tcp 22 from 0.0.0.0/0", id="not-an-object"),
    ],
)
def test_a_malformed_permission_is_unplannable(garbled: Any) -> None:
    group = security_group(WEB, "web", ingress=[permission("tcp", 22, "0.0.0.0/0")])
    finding = failed(SG_MINIMAL_INBOUND, group)
    (item,) = finding.evidence["offending_rules"]
    changed = msgspec.structs.replace(
        finding, evidence={**finding.evidence, "offending_rules": [{**item, "permission": garbled}]}
    )
    assert SG_MINIMAL_INBOUND_FIX.propose(changed) == Proposal(
        unplannable=f"the evidence holds a malformed permission: {garbled!r}"
    )


def test_a_finding_about_something_else_than_a_group_is_unplannable() -> None:
    group = security_group(WEB, "web", ingress=[permission("tcp", 22, "0.0.0.0/0")])
    finding = failed(SG_MINIMAL_INBOUND, group)
    account = msgspec.structs.replace(
        finding, resource=msgspec.structs.replace(finding.resource, type="AWS::::Account")
    )
    assert SG_MINIMAL_INBOUND_FIX.propose(account) == Proposal(
        unplannable="the finding is about a AWS::::Account, not a security group"
    )


# --- the fixers ---------------------------------------------------------------------------------------


def test_the_fixers_are_registered_and_allow_only_their_reads_revokes_and_authorizes() -> None:
    assert [
        FIXERS[rule] for rule in ("sg-minimal-inbound", "sg-no-internal-all-ports", "sg-egress-via-nsm-only")
    ] == [
        SG_MINIMAL_INBOUND_FIX,
        SG_NO_INTERNAL_ALL_PORTS_FIX,
        SG_EGRESS_VIA_NSM_ONLY_FIX,
    ]
    declared = {
        fixer.rule: (fixer.actions, fixer.operations, fixer.disruptive)
        for fixer in (SG_MINIMAL_INBOUND_FIX, SG_NO_INTERNAL_ALL_PORTS_FIX, SG_EGRESS_VIA_NSM_ONLY_FIX)
    }
    ingress = (
        (
            "ec2:DescribeSecurityGroups",
            "ec2:RevokeSecurityGroupIngress",
            "ec2:AuthorizeSecurityGroupIngress",
        ),
        frozenset(
            {
                "ec2.DescribeSecurityGroups",
                "ec2.RevokeSecurityGroupIngress",
                "ec2.AuthorizeSecurityGroupIngress",
            }
        ),
        False,
    )
    assert declared == {
        "sg-minimal-inbound": ingress,
        "sg-no-internal-all-ports": ingress,
        "sg-egress-via-nsm-only": (
            (
                "ec2:DescribeSecurityGroups",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:AuthorizeSecurityGroupEgress",
            ),
            frozenset(
                {
                    "ec2.DescribeSecurityGroups",
                    "ec2.RevokeSecurityGroupEgress",
                    "ec2.AuthorizeSecurityGroupEgress",
                }
            ),
            True,  # cutting direct internet egress stops what depends on it
        ),
    }
