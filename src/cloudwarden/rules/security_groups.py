"""The four rules of the guideline section "Security Groups".

Every permission is first normalised by `semantics.network` (protocol, ports, peer, address class).
One finding per security group and rule; `sg-inbound-rules-only` also judges each network interface
that carries several groups on the union of their rules. Groups attached to nothing are still judged
(the guideline is about creating them) one severity level lower; the evidence says how many
interfaces use each group and names the offending rules in the console's words.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.config import SecurityGroupsConfig
from cloudwarden.findings import Resource, Severity, Status
from cloudwarden.rules.base import Rule, RuleContext, Verdict, unknown_because
from cloudwarden.semantics.inventory import OrganisationInventory
from cloudwarden.semantics.network import ICMP, PORTED, Direction, NetRule, Peer, PeerKind, rules_of
from cloudwarden.snapshot import AccountSnapshot, Ec2Data, NetworkInterface, SecurityGroup

SECTION = "Security Groups"
_LOWER = {
    Severity.CRITICAL: Severity.HIGH,
    Severity.HIGH: Severity.MEDIUM,
    Severity.MEDIUM: Severity.LOW,
    Severity.LOW: Severity.INFO,
    Severity.INFO: Severity.INFO,
}
_PERMISSIONS = ("ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces")


@dataclass(frozen=True, eq=False)
class _Group:
    """A group with its normalised rules and how many interfaces carry it (None: unknown).

    Compared and hashed by identity: one object per group of the snapshot."""

    group: SecurityGroup
    ingress: list[NetRule]
    egress: list[NetRule]
    interfaces: int | None
    default_vpc: bool | None
    unknown_lists: dict[str, str] = field(default_factory=dict)
    """Prefix list id -> why its entries are unknown, for the lists this group's rules name."""

    @functools.cached_property
    def resource(self) -> Resource:
        """One record for the group's four findings."""
        group = self.group
        arn = f"arn:aws:ec2:{group.region}:{group.owner_id or ''}:security-group/{group.id}"
        return Resource(type="AWS::EC2::SecurityGroup", id=group.id, arn=arn, name=group.name)

    def severity(self, severity: Severity) -> Severity:
        return _LOWER[severity] if self.interfaces == 0 else severity

    def evidence(self, **extra: Any) -> dict[str, Any]:
        return {
            "vpc": self.group.vpc_id,
            "default_vpc": self.default_vpc,
            "interfaces": self.interfaces,
            **extra,
        }


@dataclass(frozen=True)
class _Network:
    groups: list[_Group]
    by_id: dict[str, _Group]
    interfaces: list[NetworkInterface]
    failed_regions: dict[str, str]
    """Region -> why its security groups could not be read."""
    interface_failures: dict[str, str]
    """Region -> why its network interfaces could not be read."""
    designated: dict[SecurityGroupsConfig, frozenset[_Group]] = field(default_factory=dict)
    """The internet egress groups under each configuration seen (see `_designated`)."""


_cache: list[tuple[AccountSnapshot, _Network]] = []


def _network(account: AccountSnapshot, ec2: Ec2Data) -> _Network:
    """Normalise the account's groups once, for all four rules (the last few accounts are kept).

    Keyed on the account snapshot itself: its errors and regions decide what is unknown."""
    for cached, network in _cache:
        if cached is account:
            return network
    failed = {
        region: unknown_because(
            tuple(e for e in account.errors_for("ec2", "DescribeSecurityGroups") if e.region == region),
            f"the security groups of {region}",
        )
        for region in account.regions
        if any(e.region == region for e in account.errors_for("ec2", "DescribeSecurityGroups"))
    }
    interface_failures = {
        region: unknown_because(
            tuple(e for e in account.errors_for("ec2", "DescribeNetworkInterfaces") if e.region == region),
            f"the network interfaces of {region}",
        )
        for region in account.regions
        if any(e.region == region for e in account.errors_for("ec2", "DescribeNetworkInterfaces"))
    }
    default_vpcs = {vpc.id: vpc.is_default for vpc in ec2.vpcs}
    counts: dict[str, int] = {}
    for interface in ec2.network_interfaces:
        for group_id in interface.group_ids:
            counts[group_id] = counts.get(group_id, 0) + 1
    entries: dict[str, dict[str, tuple[str, ...]]] = {}
    for prefix_list in ec2.prefix_lists:
        if prefix_list.entries is not None:
            entries.setdefault(prefix_list.region, {})[prefix_list.id] = prefix_list.entries

    @functools.cache
    def why_unknown(region: str, prefix_list: str) -> str:
        """Worked out once per list, however many groups name it."""
        return _unknown_list(account, ec2, region, prefix_list)

    groups = []
    for group in ec2.security_groups:
        known = entries.get(group.region, {})
        named = {pl for permission in (*group.ingress, *group.egress) for pl in permission.prefix_lists}
        groups.append(
            _Group(
                group=group,
                ingress=rules_of(group.ingress, Direction.INGRESS, group.id, group.owner_id, known),
                egress=rules_of(group.egress, Direction.EGRESS, group.id, group.owner_id, known),
                interfaces=None if group.region in interface_failures else counts.get(group.id, 0),
                default_vpc=default_vpcs.get(group.vpc_id or ""),
                unknown_lists={pl: why_unknown(group.region, pl) for pl in sorted(named) if pl not in known},
            )
        )
    network = _Network(
        groups=groups,
        by_id={group.group.id: group for group in groups},
        interfaces=list(ec2.network_interfaces),
        failed_regions=failed,
        interface_failures=interface_failures,
    )
    _cache[:] = [*_cache[-3:], (account, network)]
    return network


def _unknown_list(account: AccountSnapshot, ec2: Ec2Data, region: str, prefix_list: str) -> str:
    """Why the entries of a prefix list that a rule names are unknown."""
    if any(pl.id == prefix_list and pl.region == region for pl in ec2.prefix_lists):
        errors = tuple(
            e
            for e in account.errors_for("ec2", "GetManagedPrefixListEntries")
            if e.region == region and e.resource == prefix_list
        )
        if not errors:
            return f"the entries of prefix list {prefix_list} are missing from the snapshot"
        return unknown_because(errors, f"the entries of prefix list {prefix_list}")
    errors = tuple(e for e in account.errors_for("ec2", "DescribeManagedPrefixLists") if e.region == region)
    return unknown_because(errors, f"prefix list {prefix_list} of {region}")


def _unknown(group: _Group, rules: list[NetRule], judged: str) -> Verdict:
    """UNKNOWN: the group would pass, but rules toward prefix lists with unknown entries may allow more."""
    lists, reasons = _unknown_reasons([group], rules)
    return Verdict(
        Status.UNKNOWN,
        group.resource,
        f"{judged} cannot be judged: {reasons}",
        region=group.group.region,
        evidence=group.evidence(unknown_prefix_lists=lists, rules=[rule.describe() for rule in rules]),
    )


def _unresolved(rules: list[NetRule]) -> list[NetRule]:
    """The rules toward prefix lists whose entries are unknown."""
    return [rule for rule in rules if rule.peer.entries_unknown]


def _unknown_reasons(groups: list[_Group], rules: list[NetRule]) -> tuple[list[str], str]:
    """The prefix lists of `rules` whose entries are unknown, and why, from the groups that name them."""
    lists = sorted({rule.peer.value for rule in rules})
    why = {pl: reason for group in groups for pl, reason in group.unknown_lists.items()}
    return lists, "; ".join(why.get(pl, f"the entries of prefix list {pl} are unknown") for pl in lists)


def _region_unknowns(account: AccountSnapshot, failures: dict[str, str]) -> Iterator[Verdict]:
    for region, reason in failures.items():
        resource = Resource(
            type="AWS::::Account",
            id=f"{account.account_id}/{region}",
            name=f"{account.account_id} in {region}",
        )
        yield Verdict(Status.UNKNOWN, resource, reason, region=region)


def _each_group(account: AccountSnapshot, judge: Callable[[_Group], Verdict]) -> Iterator[Verdict]:
    """Run `judge` on every group; UNKNOWN for regions whose groups could not be read."""
    if account.ec2 is None:
        yield Verdict(
            Status.UNKNOWN,
            Resource(type="AWS::::Account", id=account.account_id, name=account.account_id),
            "network data is missing from the snapshot",
        )
        return
    if not account.regions:
        yield Verdict(
            Status.UNKNOWN,
            Resource(type="AWS::::Account", id=account.account_id, name=account.account_id),
            unknown_because(account.errors_for("ec2", "DescribeRegions"), "the account's regions"),
        )
        return
    network = _network(account, account.ec2)
    yield from _region_unknowns(account, network.failed_regions)
    for group in network.groups:
        yield judge(group)


def _is_internet_egress_group(group: SecurityGroup, settings: SecurityGroupsConfig) -> bool:
    for entry in settings.internet_egress_groups:
        if entry.startswith("tag:"):
            key, _, value = entry[4:].partition("=")
            if group.tags.get(key) == value:
                return True
        elif entry == group.id:
            return True
    return False


def _fail(
    group: _Group, severity: Severity, message: str, offending: list[dict[str, str]], fix: str
) -> Verdict:
    return Verdict(
        Status.FAIL,
        group.resource,
        message,
        region=group.group.region,
        evidence=group.evidence(offending_rules=offending),
        severity=group.severity(severity),
        remediation=fix,
    )


def _pass(group: _Group, message: str, **evidence: Any) -> Verdict:
    return Verdict(
        Status.PASS, group.resource, message, region=group.group.region, evidence=group.evidence(**evidence)
    )


def _listed(rules: list[str], reasons: list[str] | None = None) -> str:
    """The first three rules (their descriptions), with why each is wrong when `reasons` are given."""
    shown = "; ".join(
        rules[:3]
        if reasons is None
        else [f"{rule} ({why})" for rule, why in zip(rules[:3], reasons, strict=False)]
    )
    return shown + (f"; and {len(rules) - 3} more" if len(rules) > 3 else "")


# --- sg-minimal-inbound -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def _inbound_problem(rule: NetRule, settings: SecurityGroupsConfig) -> tuple[str, Severity] | None:
    """Why an ingress rule from a CIDR is too broad, and how bad it is; None when it is fine.

    Cached: groups share most of their address rules, and a large account has many groups."""
    world = rule.peer.world_open
    if rule.all_traffic:
        return "all traffic", Severity.CRITICAL if world else Severity.MEDIUM
    if rule.protocol in ICMP:
        return None
    if rule.protocol not in PORTED:
        return ("a whole protocol from the world", Severity.HIGH) if world else None
    if rule.all_ports:
        return "every port", Severity.CRITICAL if world else Severity.MEDIUM
    span = rule.port_span or 0
    if span > settings.max_port_range:
        return (
            f"{span} ports, more than {settings.max_port_range}",
            Severity.HIGH if world else Severity.MEDIUM,
        )
    if world and rule.ports is not None:
        extra = sorted(set(range(rule.ports[0], rule.ports[1] + 1)) - set(settings.public_ports))
        if extra:
            return "open to the world on a port that is not public", Severity.HIGH
    return None


def _too_broad_from_the_world(rule: NetRule, settings: SecurityGroupsConfig) -> bool:
    """Whether a rule toward a prefix list whose entries are unknown would be too broad if the list
    held 0.0.0.0/0 (ICMP, or a public port, is fine from anywhere)."""
    world = NetRule(rule.direction, rule.protocol, rule.ports, rule.icmp, _WORLD)
    return _inbound_problem(world, settings) is not None


_WORLD = Peer(PeerKind.IPV4, "0.0.0.0/0", internet=True, world_open=True)


def check_minimal_inbound(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    settings = context.config.security_groups
    public_ports = ", ".join(map(str, settings.public_ports)) or "(none)"

    def judge(group: _Group) -> Verdict:
        problems = []
        for rule in group.ingress:
            if rule.peer.kind in (PeerKind.IPV4, PeerKind.IPV6):
                problem = _inbound_problem(rule, settings)
                if problem:
                    problems.append((rule, *problem))
        if not problems:
            unresolved = [
                rule for rule in _unresolved(group.ingress) if _too_broad_from_the_world(rule, settings)
            ]
            if unresolved:
                return _unknown(group, unresolved, "inbound access from prefix lists")
            return _pass(group, "inbound access is limited to the ports and sources that need it")
        problems.sort(key=lambda item: -item[2].rank)
        described = [rule.describe() for rule, _, _ in problems]
        reasons = [why for _, why, _ in problems]
        offending = [
            {"rule": text, "why": why, "severity": sev.value}
            for text, (_, why, sev) in zip(described, problems, strict=True)
        ]
        fix = (
            f"In {group.group.id} ({group.group.name}), remove or narrow: "
            + "; ".join(described)
            + f". Allow only the ports the service needs, from the sources that need them; "
            f"keep world-open rules to ports {public_ports}."
        )
        message = f"inbound rules too broad: {_listed(described, reasons)}"
        unresolved = [
            rule for rule in _unresolved(group.ingress) if _too_broad_from_the_world(rule, settings)
        ]
        if unresolved:
            # The FAIL is certain; the severity may be higher than what the known rules show.
            _, why = _unknown_reasons([group], unresolved)
            message += f"; rules from prefix lists whose entries are unknown may allow more: {why}"
            offending += [
                {
                    "rule": rule.describe(),
                    "why": "its prefix list's entries are unknown",
                    "severity": "unknown",
                }
                for rule in unresolved
            ]
        return _fail(group, problems[0][2], message, offending, fix)

    yield from _each_group(account, judge)


SG_MINIMAL_INBOUND = Rule(
    id="sg-minimal-inbound",
    section=SECTION,
    guideline="Disallow inbound network access by default",
    audited_upstream=False,
    severity=Severity.HIGH,
    resource_type="AWS::EC2::SecurityGroup",
    rationale=(
        "Every port a group opens is attack surface: a service nobody meant to expose, or a port range "
        "wider than the service needs, lets an attacker reach software that was never hardened for it."
    ),
    remediation=(
        "Allow only the ports the service uses, from the sources that need them; open only the public "
        "ports (security_groups.public_ports) to the whole internet."
    ),
    permissions=_PERMISSIONS,
    check=check_minimal_inbound,
)


# --- sg-no-internal-all-ports -------------------------------------------------------------------------


def check_no_internal_all_ports(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    def judge(group: _Group) -> Verdict:
        problems: list[tuple[NetRule, str, Severity]] = []
        if group.group.name == "default":
            problems += [
                (rule, "the default group must have no inbound rule", Severity.HIGH) for rule in group.ingress
            ]
        problems += [
            (rule, "every port from a security group", Severity.HIGH)
            for rule in group.ingress
            if rule.peer.kind is PeerKind.GROUP
            and (rule.all_traffic or (rule.protocol in PORTED and rule.all_ports))
            and group.group.name != "default"
        ]
        if not problems:
            return _pass(group, "no inbound rule opens every port to other resources")
        described = [rule.describe() for rule, _, _ in problems]
        reasons = [why for _, why, _ in problems]
        offending = [{"rule": text, "why": why} for text, why in zip(described, reasons, strict=True)]
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
        return _fail(
            group,
            Severity.HIGH,
            f"inbound access from internal resources on all ports: {_listed(described, reasons)}",
            offending,
            fix,
        )

    yield from _each_group(account, judge)


SG_NO_INTERNAL_ALL_PORTS = Rule(
    id="sg-no-internal-all-ports",
    section=SECTION,
    guideline="Disallow inbound network access from internal resources",
    audited_upstream=False,
    severity=Severity.HIGH,
    resource_type="AWS::EC2::SecurityGroup",
    rationale=(
        "A group that accepts every port from itself or another group lets an attacker who owns one "
        "machine reach every service of its neighbours: lateral movement without a single exploit of "
        "the network layer. The default group does exactly this unless its rule is deleted."
    ),
    remediation=(
        "Delete the inbound rules of each VPC's default group, and replace every all-ports rule from a "
        "security group with rules for the ports the service uses."
    ),
    permissions=_PERMISSIONS,
    check=check_no_internal_all_ports,
)


# --- sg-inbound-rules-only ----------------------------------------------------------------------------


def _designated(network: _Network, settings: SecurityGroupsConfig) -> frozenset[_Group]:
    """The groups that security_groups.internet_egress_groups designates, found once per account."""
    designated = network.designated.get(settings)
    if designated is None:
        designated = frozenset(g for g in network.groups if _is_internet_egress_group(g.group, settings))
        network.designated[settings] = designated
    return designated


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
        return group is not None and _is_internet_egress_group(group, self.settings)


def _governs(rule: NetRule, egress_groups: Container[str]) -> bool:
    """An egress rule governs access when it limits protocol or ports toward a non-internet destination.

    A rule toward an internet egress group (the NSM proxy) is the guideline's own pattern for reaching
    the internet: it controls internet access, it does not govern internal access.
    """
    if rule.all_traffic or rule.peer.internet or rule.peer.kind is PeerKind.PREFIX_LIST:
        # An empty prefix list allows nothing; one whose entries are unknown may or may not govern
        # access: see `_unresolved`.
        return False
    return not (rule.peer.kind is PeerKind.GROUP and rule.peer.value in egress_groups)


def _interfaces(
    account: AccountSnapshot, network: _Network, settings: SecurityGroupsConfig, egress_groups: Container[str]
) -> Iterator[Verdict]:
    designated = _designated(network, settings)
    yield from _region_unknowns(
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
        inbound = [g.group.id for g in groups if g.ingress]
        governing = [
            g.group.id
            for g in groups
            if g not in designated and any(_governs(rule, egress_groups) for rule in g.egress)
        ]
        evidence |= {"groups_with_inbound_rules": inbound, "groups_with_governing_outbound_rules": governing}
        unresolved = [
            rule
            for g in groups
            if g not in designated
            for rule in _unresolved(g.egress)
            if not rule.all_traffic
        ]
        if inbound and not governing and unresolved:
            lists, reasons = _unknown_reasons(groups, unresolved)
            yield Verdict(
                Status.UNKNOWN,
                resource,
                f"whether its groups' outbound rules govern access cannot be judged: {reasons}",
                region=interface.region,
                evidence=evidence | {"unknown_prefix_lists": lists},
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
    network = None if account.ec2 is None else _network(account, account.ec2)
    designated = frozenset() if network is None else _designated(network, settings)
    egress_groups = _EgressGroups(frozenset(g.group.id for g in designated), settings, context.inventory)

    def judge(group: _Group) -> Verdict:
        if group in designated:
            return _pass(group, "designated internet egress group: its outbound rules are the exception")
        governing = [rule for rule in group.egress if _governs(rule, egress_groups)]
        if not group.ingress or not governing:
            unresolved = [rule for rule in _unresolved(group.egress) if not rule.all_traffic]
            if group.ingress and unresolved:
                return _unknown(group, unresolved, "whether its outbound rules govern access")
            return _pass(group, "the group does not mix inbound rules with outbound rules that govern access")
        described = [rule.describe() for rule in governing]
        offending = [{"rule": text, "why": "restricts an internal destination"} for text in described]
        fix = (
            f"In {group.group.id} ({group.group.name}), delete the outbound rules "
            + "; ".join(described)
            + ", leave outbound open (or internet-bound only), and grant the access with inbound rules "
            "on the destination's group."
        )
        listed = _listed(described)
        return _fail(
            group,
            Severity.MEDIUM,
            f"inbound rules mixed with outbound rules that govern access: {listed}",
            offending,
            fix,
        )

    yield from _each_group(account, judge)
    if network is not None and account.regions:
        yield from _interfaces(account, network, settings, egress_groups)


SG_INBOUND_RULES_ONLY = Rule(
    id="sg-inbound-rules-only",
    section=SECTION,
    guideline="Use inbound security group rules instead of outbound security group rules to govern access",
    audited_upstream=False,
    severity=Severity.MEDIUM,
    resource_type="AWS::EC2::SecurityGroup",
    rationale=(
        "When a group, or the union of the groups on one interface, mixes inbound rules with outbound "
        "rules that restrict internal destinations, the access it appears to grant differs from the "
        "access it grants, and that difference is where unintended exposure hides."
    ),
    remediation=(
        "Govern access with inbound rules on the destination; keep outbound rules open, except in the "
        "groups that control access to the internet."
    ),
    permissions=_PERMISSIONS,
    check=check_inbound_rules_only,
)


# --- sg-egress-via-nsm-only ---------------------------------------------------------------------------


def check_egress_via_nsm_only(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    settings = context.config.security_groups
    designated = frozenset() if account.ec2 is None else _designated(_network(account, account.ec2), settings)

    def judge(group: _Group) -> Verdict:
        if group in designated:
            return _pass(group, "designated internet egress group (security_groups.internet_egress_groups)")
        internet = [rule for rule in group.egress if rule.peer.internet]
        if not internet:
            unresolved = _unresolved(group.egress)
            if unresolved:
                return _unknown(group, unresolved, "whether its outbound rules reach the internet")
            return _pass(group, "no outbound rule reaches the internet")
        described = [rule.describe() for rule in internet]
        offending = [{"rule": text, "why": "reaches the internet directly"} for text in described]
        hint = (
            ""
            if settings.internet_egress_groups
            else " (no security_groups.internet_egress_groups configured)"
        )
        fix = (
            f"In {group.group.id} ({group.group.name}), delete "
            + "; ".join(described)
            + ' (AWS adds "All traffic to 0.0.0.0/0" to every new group) and allow outbound only to the NSM '
            "proxy's group; send internet traffic through its HTTP proxy."
        )
        listed = _listed(described)
        return _fail(
            group,
            Severity.MEDIUM,
            f"outbound internet access outside the NSM proxy: {listed}{hint}",
            offending,
            fix,
        )

    yield from _each_group(account, judge)


SG_EGRESS_VIA_NSM_ONLY = Rule(
    id="sg-egress-via-nsm-only",
    section=SECTION,
    guideline="Disallow outbound internet access except through HTTP proxy on NSM server",
    audited_upstream=False,
    severity=Severity.MEDIUM,
    resource_type="AWS::EC2::SecurityGroup",
    rationale=(
        "Outbound traffic that goes through the network security monitoring proxy can be inspected and "
        "limited to known destinations, so a compromised machine cannot quietly call home or exfiltrate "
        "data; traffic that bypasses it cannot."
    ),
    remediation=(
        "Remove outbound internet rules from every group except the NSM proxy's (list it in "
        "security_groups.internet_egress_groups), and let systems reach the internet through the proxy."
    ),
    permissions=_PERMISSIONS,
    check=check_egress_via_nsm_only,
)
