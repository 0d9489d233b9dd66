"""sg-no-internal-all-ports: no group opens every port to other groups; default groups allow no inbound."""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.findings import Severity, Status
from cloudwarden.ruledoc import Example
from cloudwarden.rules.base import Rule, RuleContext, Verdict
from cloudwarden.rules.security_group_network import (
    NEEDS,
    PERMISSIONS,
    SECTION,
    Group,
    certain,
    each_group,
    fail_verdict,
    listed,
    pass_verdict,
    revoking_permission,
    unknown_verdict,
    unresolved,
)
from cloudwarden.semantics.network import PORTED, NetRule, PeerKind
from cloudwarden.snapshot import AccountSnapshot


def check_no_internal_all_ports(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    def every_port(rule: NetRule) -> bool:
        return rule.all_traffic or (rule.protocol in PORTED and rule.all_ports)

    def judge(group: Group) -> Verdict:
        default = group.group.name == "default"
        problems: list[tuple[NetRule, str, Severity]] = []
        if default:
            problems += [
                (rule, "the default group must have no inbound rule", Severity.HIGH)
                for rule in certain(group.ingress)
            ]
        else:
            problems += [
                (rule, "every port from a security group", Severity.HIGH)
                for rule in certain(group.ingress)
                if rule.peer.kind is PeerKind.GROUP and every_port(rule)
            ]
        if not problems:
            if default:
                # A rule that may be this group's (`iac`) would be an inbound rule of the default group.
                unknown = [rule for rule in group.ingress if rule.peer.possible]
                judged = "whether the default group has inbound rules"
            else:
                # A peer known only after apply may be a group: every port toward it is undecided; so is
                # every port from a group by a rule that may be this group's (`iac`).
                unknown = [
                    rule
                    for rule in unresolved(group.ingress)
                    if rule.peer.kind in (PeerKind.UNRESOLVED, PeerKind.GROUP) and every_port(rule)
                ]
                judged = "whether its inbound rules open every port to groups"
            if unknown:
                return unknown_verdict(group, unknown, judged)
            return pass_verdict(group, "no inbound rule opens every port to other resources")
        described = [rule.describe() for rule, _, _ in problems]
        reasons = [why for _, why, _ in problems]
        offending = [
            {"rule": text, "why": why, "permission": revoking_permission(rule)}
            for text, (rule, why, _) in zip(described, problems, strict=True)
        ]
        if group.group.name == "default":
            fix = (
                f"Delete the inbound rules of the default group {group.group.id}: "
                + "; ".join(described)
                + ". Give resources groups of their own instead."
            )
        else:
            fix = (
                f"In {group.group.id} ({group.group.name}), replace "
                + "; ".join(described)
                + " with rules for the ports the service actually uses."
            )
        return fail_verdict(
            group,
            Severity.HIGH,
            f"inbound access from internal resources on all ports: {listed(described, reasons)}",
            offending,
            fix,
        )

    yield from each_group(account, context, judge)


SG_NO_INTERNAL_ALL_PORTS = Rule(
    id="sg-no-internal-all-ports",
    section=SECTION,
    guideline="Disallow inbound network access from internal resources",
    audited_upstream=False,
    severity=Severity.HIGH,
    resource_type="AWS::EC2::SecurityGroup",
    summary=(
        "Judges the inbound rules of every security group whose source is a security group (itself, "
        "another group, or another account's group), and every inbound rule of each VPC's default "
        "group (the group named `default`), whatever its source. Sources that are address space are "
        "`sg-minimal-inbound`'s business. One finding per group, high, one level lower for a group "
        "attached to no network interface; the evidence names each offending rule in the console's "
        "words, why, and `permission`: the IpPermission of that one source that revokes it (protocol "
        "and ports as `DescribeSecurityGroups` gives them), null where none revokes it alone (a default "
        "group's rule for one entry of a prefix list). Every finding's evidence says whether the group "
        "is a designated internet egress group (`internet_egress_group`)."
    ),
    passes=(
        "A default group without inbound rules. Any other group whose inbound rules from security "
        "groups open single ports, port ranges short of every port, or ICMP; inbound rules from CIDRs "
        "or prefix lists (even all traffic) are not judged here."
    ),
    fails=(
        "A default group with any inbound rule, even one port from a CIDR or a rule from an empty "
        "prefix list (as AWS creates it, it accepts all traffic from itself). Any other group with an "
        "inbound rule from a security group that allows all traffic, or every TCP or UDP port."
    ),
    unknown=(
        "Prefix lists never make this rule UNKNOWN (their entries are address ranges, never groups). "
        "A region whose `ec2:DescribeSecurityGroups` failed: one UNKNOWN for the account in that "
        "region, naming the failed call. An account whose regions could not be read "
        "(`ec2:DescribeRegions`), or whose network data is missing from the snapshot: one UNKNOWN for "
        "the account."
    ),
    examples=(
        Example(Status.FAIL, "A default group as AWS creates it: all traffic from itself."),
        Example(Status.FAIL, "A default group whose only inbound rule is TCP 22 from 10.20.0.0/16."),
        Example(
            Status.FAIL,
            "All traffic, or every TCP port, from another group; medium if no interface carries the group.",
        ),
        Example(Status.PASS, "TCP 8080 from another group, or all TCP ports from 10.20.0.0/16."),
        Example(Status.PASS, "A default group whose inbound rules were deleted."),
        Example(
            Status.UNKNOWN,
            "The security groups of eu-west-1 could not be read: one UNKNOWN for the account there.",
        ),
    ),
    rationale=(
        "A group that accepts every port from itself or another group lets an attacker who owns one "
        "machine reach every service of its neighbours: lateral movement without a single exploit of "
        "the network layer. The default group does exactly this unless its rule is deleted."
    ),
    remediation=(
        "Delete the inbound rules of each VPC's default group, and replace every all-ports rule from a "
        "security group with rules for the ports the service uses."
    ),
    permissions=PERMISSIONS,
    needs=NEEDS,
    iac=(
        "The groups of the document, as for `sg-minimal-inbound`. An every-port rule whose source is known "
        "only after apply may come from a group: UNKNOWN (`known-after-apply`) naming the attribute."
    ),
    check=check_no_internal_all_ports,
)
