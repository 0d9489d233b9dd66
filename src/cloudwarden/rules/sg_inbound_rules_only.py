"""sg-inbound-rules-only: no group, nor the groups of one interface together, mixes inbound rules with
outbound rules that govern access."""

from __future__ import annotations

from collections.abc import Container, Iterator
from dataclasses import dataclass
from typing import Any

from cloudwarden.config import SecurityGroupsConfig
from cloudwarden.findings import Resource, Severity, Status
from cloudwarden.ruledoc import Example
from cloudwarden.rules.base import Rule, RuleContext, Verdict
from cloudwarden.rules.security_group_network import (
    NEEDS,
    PERMISSIONS,
    SECTION,
    Group,
    Network,
    certain,
    designated_groups,
    each_group,
    fail_verdict,
    is_internet_egress_group,
    listed,
    network_of,
    pass_verdict,
    region_unknowns,
    unknown_cause,
    unknown_reasons,
    unknown_verdict,
    unresolved,
)
from cloudwarden.semantics.inventory import OrganisationInventory
from cloudwarden.semantics.network import NetRule, PeerKind
from cloudwarden.snapshot import AccountSnapshot


@dataclass(frozen=True)
class _EgressGroups:
    """The internet egress groups an outbound rule may point at: this account's designated groups,
    the ids configured, and the designated groups of every other scanned account (the NSM proxy often
    lives in a central network account). Asked one group id at a time, so no account's check walks
    the whole organisation's groups."""

    own: frozenset[str]
    settings: SecurityGroupsConfig
    inventory: OrganisationInventory

    def __contains__(self, group_id: object) -> bool:
        if group_id in self.own or group_id in self.settings.internet_egress_groups:
            return True
        group = self.inventory.security_group(group_id) if isinstance(group_id, str) else None
        return group is not None and is_internet_egress_group(group, self.settings)


_UNCERTAIN = (PeerKind.PREFIX_LIST, PeerKind.UNRESOLVED)
"""Peers that may or may not govern access (an empty list, unknown entries, known only after apply)."""


def _governs(rule: NetRule, egress_groups: Container[str]) -> bool:
    """An egress rule governs access when it limits protocol or ports toward a non-internet destination.

    A rule toward an internet egress group (the NSM proxy) is the guideline's own pattern for reaching
    the internet: it controls internet access, it does not govern internal access.
    """
    if rule.all_traffic or rule.peer.internet or rule.peer.kind in _UNCERTAIN:
        # An empty prefix list allows nothing; one whose entries are unknown may or may not govern
        # access: see `unresolved`.
        return False
    return not (rule.peer.kind is PeerKind.GROUP and rule.peer.value in egress_groups)


def _doubtful_egress(group: Group, egress_groups: Container[str]) -> list[NetRule]:
    """Outbound rules that may govern access: toward peers not known (but all traffic, which never
    does), or governing ones that may not be the group's (`iac`)."""
    return [
        rule
        for rule in unresolved(group.egress)
        if not rule.all_traffic and (rule.peer.entries_unknown or _governs(rule, egress_groups))
    ]


def _undecided(
    inbound: bool, possible: list[NetRule], governing: bool, doubtful: list[NetRule]
) -> list[NetRule]:
    """The rules that leave undecided whether inbound rules mix with governing outbound ones, when no
    certain pair does: outbound rules that may govern access beside inbound rules that are or may be
    there, and inbound rules that may be there (`iac`: `possible`) beside outbound rules that govern
    access or may."""
    if inbound and governing:
        return []
    unknown = list(doubtful) if inbound or possible else []
    if not inbound and (governing or doubtful):
        unknown += possible
    return unknown


def _interfaces(
    account: AccountSnapshot, network: Network, settings: SecurityGroupsConfig, egress_groups: Container[str]
) -> Iterator[Verdict]:
    designated = designated_groups(network, settings)
    yield from region_unknowns(
        account,
        {
            region: reason
            for region, reason in network.interface_failures.items()
            if region not in network.failed_regions
        },
    )
    for interface in network.interfaces:
        if len(interface.group_ids) < 2:
            continue
        resource = Resource(
            type="AWS::EC2::NetworkInterface", id=interface.id, name=interface.description or interface.id
        )
        missing = [group_id for group_id in interface.group_ids if group_id not in network.by_id]
        evidence: dict[str, Any] = {"groups": list(interface.group_ids), "attached_to": interface.attached_to}
        if missing:
            yield Verdict(
                Status.UNKNOWN,
                resource,
                f"the interface carries groups that could not be read: {', '.join(missing)}",
                region=interface.region,
                evidence=evidence,
            )
            continue
        groups = [network.by_id[group_id] for group_id in interface.group_ids]
        inbound = [g.group.id for g in groups if certain(g.ingress)]
        governing = [
            g.group.id
            for g in groups
            if g not in designated and any(_governs(rule, egress_groups) for rule in certain(g.egress))
        ]
        evidence |= {"groups_with_inbound_rules": inbound, "groups_with_governing_outbound_rules": governing}
        unknown = _undecided(
            bool(inbound),
            [rule for g in groups for rule in g.ingress if rule.peer.possible],
            bool(governing),
            [rule for g in groups if g not in designated for rule in _doubtful_egress(g, egress_groups)],
        )
        if unknown:
            lists, reasons = unknown_reasons(groups, unknown)
            yield Verdict(
                Status.UNKNOWN,
                resource,
                f"whether its groups' outbound rules govern access cannot be judged: {reasons}",
                region=interface.region,
                evidence=evidence | {"unknown_prefix_lists": lists},
                unknown_cause=unknown_cause(unknown),
            )
            continue
        if inbound and governing:
            yield Verdict(
                Status.FAIL,
                resource,
                f"its groups together mix inbound rules ({', '.join(inbound)}) with outbound rules "
                f"that govern access ({', '.join(governing)})",
                region=interface.region,
                evidence=evidence,
                remediation=(
                    "Delete the outbound rules that restrict internal destinations: "
                    + "; ".join(
                        f"{rule.describe()} in {g.group.id}"
                        for g in groups
                        if g.group.id in governing
                        for rule in g.egress
                        if _governs(rule, egress_groups)
                    )
                    + " (leave outbound open), and express the intended access as inbound rules on the "
                    "destination."
                ),
            )
        else:
            yield Verdict(
                Status.PASS,
                resource,
                "its groups together do not mix inbound and outbound rules",
                region=interface.region,
                evidence=evidence,
            )


def check_inbound_rules_only(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    settings = context.config.security_groups
    network = network_of(account, context)
    designated = frozenset() if network is None else designated_groups(network, settings)
    egress_groups = _EgressGroups(frozenset(g.group.id for g in designated), settings, context.inventory)

    def judge(group: Group) -> Verdict:
        if group in designated:
            return pass_verdict(
                group, "designated internet egress group: its outbound rules are the exception"
            )
        inbound = certain(group.ingress)
        governing = [rule for rule in certain(group.egress) if _governs(rule, egress_groups)]
        if not inbound or not governing:
            possible = [rule for rule in group.ingress if rule.peer.possible]
            doubtful = _doubtful_egress(group, egress_groups)
            unknown = _undecided(bool(inbound), possible, bool(governing), doubtful)
            if unknown and not inbound and not doubtful:
                return unknown_verdict(group, unknown, "whether it has inbound rules")
            if unknown:
                return unknown_verdict(group, unknown, "whether its outbound rules govern access")
            return pass_verdict(
                group, "the group does not mix inbound rules with outbound rules that govern access"
            )
        described = [rule.describe() for rule in governing]
        offending = [{"rule": text, "why": "restricts an internal destination"} for text in described]
        fix = (
            f"In {group.group.id} ({group.group.name}), delete the outbound rules "
            + "; ".join(described)
            + ", leave outbound open (or internet-bound only), and grant the access with inbound rules "
            "on the destination's group."
        )
        return fail_verdict(
            group,
            Severity.MEDIUM,
            f"inbound rules mixed with outbound rules that govern access: {listed(described)}",
            offending,
            fix,
        )

    yield from each_group(account, context, judge)
    if network is not None and account.regions:
        yield from _interfaces(account, network, settings, egress_groups)


SG_INBOUND_RULES_ONLY = Rule(
    id="sg-inbound-rules-only",
    section=SECTION,
    guideline="Use inbound security group rules instead of outbound security group rules to govern access",
    audited_upstream=False,
    severity=Severity.MEDIUM,
    resource_type="AWS::EC2::SecurityGroup",
    summary=(
        "Judges every security group, and every network interface that carries several groups (on the "
        "union of their rules), for inbound rules mixed with outbound rules that govern access. An "
        "outbound rule governs access when it limits protocol or ports toward a destination that is "
        "not the internet: a private or reserved range, a prefix list entry in such space, or a "
        "security group. All traffic out, rules to the internet, empty prefix lists and rules to an "
        "internet egress group never govern access. Internet egress groups are those "
        "`security_groups.internet_egress_groups` designates by id or `tag:KEY=VALUE`, in this account "
        "or in another scanned account (the NSM proxy often lives in a central network account). One "
        "finding per group, medium, one level lower for a group attached to no network interface; one "
        "per interface of several groups, medium."
    ),
    passes=(
        "A group without inbound rules, or whose outbound rules all leave access open: all traffic out "
        "(as AWS creates it), no outbound rule, rules to the internet or to prefix lists of internet "
        "ranges, to an empty prefix list, or to an internet egress group. A designated internet "
        "egress group, whatever its rules. An interface whose groups together do not mix the two."
    ),
    fails=(
        "A group with inbound rules and at least one outbound rule that governs access, such as "
        "TCP 5432 to a database's group or UDP 53 to a private address. An interface whose groups "
        "together mix them: one group's inbound rules with another's governing outbound rules "
        "(designated groups excepted); the remediation names the outbound rules to delete."
    ),
    unknown=(
        "A group with inbound rules and no certain governing rule but an outbound rule (other than all "
        "traffic) toward a prefix list whose entries are unknown, and an interface whose groups are in "
        "that case together (the verdict names the list and why: `ec2:GetManagedPrefixListEntries` "
        "failed for it, `ec2:DescribeManagedPrefixLists` failed for its region, or the list or its "
        "entries are missing from the snapshot). An interface carrying a group missing from the "
        "snapshot. A region whose `ec2:DescribeNetworkInterfaces` failed: one UNKNOWN for the account's "
        "interfaces there (its groups are still judged, without the one-level drop). A region whose "
        "`ec2:DescribeSecurityGroups` failed: one UNKNOWN for the account in that region. An account "
        "whose regions could not be read (`ec2:DescribeRegions`), or whose network data is missing "
        "from the snapshot: one UNKNOWN for the account."
    ),
    examples=(
        Example(Status.FAIL, "HTTPS in from the VPC, and TCP 5432 out to the database's group."),
        Example(
            Status.FAIL,
            "An interface carrying a group with inbound rules and another whose only rule is TCP 5432 out "
            "to the database's group.",
        ),
        Example(Status.PASS, "HTTPS in from the VPC, and AWS's default all traffic out to 0.0.0.0/0."),
        Example(Status.PASS, "The designated NSM proxy group: TCP 3128 in, TCP 443 and UDP 53 out."),
        Example(
            Status.PASS,
            "TCP 3128 out to the NSM proxy's group in a central network account, tagged as configured.",
        ),
        Example(
            Status.UNKNOWN,
            "HTTPS in from the VPC, and TCP 5432 out to a prefix list whose entries could not be read.",
        ),
    ),
    rationale=(
        "When a group, or the union of the groups on one interface, mixes inbound rules with outbound "
        "rules that restrict internal destinations, the access it appears to grant differs from the "
        "access it grants, and that difference is where unintended exposure hides."
    ),
    remediation=(
        "Govern access with inbound rules on the destination; keep outbound rules open, except in the "
        "groups that control access to the internet."
    ),
    permissions=PERMISSIONS,
    needs=NEEDS,
    iac=(
        "The groups of the document, as for `sg-minimal-inbound`, each on its own; the network interfaces "
        "that carry several groups are not in a plan or template."
    ),
    check=check_inbound_rules_only,
)
