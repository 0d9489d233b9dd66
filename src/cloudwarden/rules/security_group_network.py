"""What the four security-group rules share: an account's groups normalised once (`network_of`), and
the verdicts they shape alike (one per group, one severity level lower for a group attached to nothing).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.config import SecurityGroupsConfig
from cloudwarden.findings import Resource, Severity, Status, UnknownCause
from cloudwarden.rules.base import RuleContext, Verdict, unknown_because
from cloudwarden.semantics.network import Direction, NetRule, Peer, PeerKind, rules_of
from cloudwarden.snapshot import (
    AccountSnapshot,
    ApiError,
    Collection,
    Ec2Data,
    ErrorIndex,
    IpPermission,
    NetworkInterface,
    SecurityGroup,
)

SECTION = "Security Groups"
PERMISSIONS = (
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DescribeManagedPrefixLists",
    "ec2:GetManagedPrefixListEntries",
)
"""Groups and their interfaces; VPCs (whether a group's is the default one, in the evidence); the
prefix lists that rules name, whose entries decide verdicts."""
NEEDS = frozenset({Collection.EC2})
"""Everything the rules read is network data: this account's, and the security groups of the other
scanned accounts (`context.inventory`), which come from their own EC2 collection."""

_LOWER = {
    Severity.CRITICAL: Severity.HIGH,
    Severity.HIGH: Severity.MEDIUM,
    Severity.MEDIUM: Severity.LOW,
    Severity.LOW: Severity.INFO,
    Severity.INFO: Severity.INFO,
}


@dataclass(frozen=True, eq=False)
class Group:
    """A group with its normalised rules and how many interfaces carry it (None: unknown).

    Compared and hashed by identity: one object per group of the snapshot."""

    group: SecurityGroup
    ingress: list[NetRule]
    egress: list[NetRule]
    interfaces: int | None
    default_vpc: bool | None
    internet_egress_group: bool
    """Designated by security_groups.internet_egress_groups: `fix` leaves it out on the report alone."""
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
            "internet_egress_group": self.internet_egress_group,
            **extra,
        }


@dataclass(frozen=True)
class Network:
    """An account's groups, normalised for its four rules."""

    groups: list[Group]
    by_id: dict[str, Group]
    interfaces: list[NetworkInterface]
    failed_regions: dict[str, str]
    """Region -> why its security groups could not be read."""
    interface_failures: dict[str, str]
    """Region -> why its network interfaces could not be read."""
    designated: dict[SecurityGroupsConfig, frozenset[Group]] = field(default_factory=dict)
    """The internet egress groups under each configuration seen (see `designated_groups`)."""


def network_of(account: AccountSnapshot, context: RuleContext) -> Network | None:
    """The account's groups normalised once for all four rules (None: no network data). Kept in
    `context.per_account`, which the engine clears when it moves to the next account."""
    normalise = _Normalise(context.errors(account), context.config.security_groups)
    return context.per_account(normalise, account)


@dataclass(frozen=True)
class _Normalise:
    """Normalises an account's network, reading its failed calls from the account's error index, and
    marks the groups that `settings` designates for internet egress.

    Equal whenever the index and settings are, so `per_account` finds the network again for the next rule."""

    errors: ErrorIndex
    settings: SecurityGroupsConfig

    def __call__(self, account: AccountSnapshot) -> Network | None:
        ec2 = account.ec2
        if ec2 is None:
            return None
        interface_failures = _failures(
            account, self.errors.errors_for("ec2", "DescribeNetworkInterfaces"), "network interfaces"
        )
        default_vpcs = {vpc.id: vpc.is_default for vpc in ec2.vpcs}
        counts: dict[str, int] = {}
        for interface in ec2.network_interfaces:
            for group_id in interface.group_ids:
                counts[group_id] = counts.get(group_id, 0) + 1
        entries: dict[str, dict[str, tuple[str, ...]]] = {}
        for prefix_list in ec2.prefix_lists:
            if prefix_list.entries is not None:
                entries.setdefault(prefix_list.region, {})[prefix_list.id] = prefix_list.entries
        why_unknown: dict[tuple[str, str], str] = {}  # once per list, however many groups name it
        designates = bool(self.settings.internet_egress_groups)
        groups = []
        for group in ec2.security_groups:
            known = entries.get(group.region, {})
            named = {pl for permission in (*group.ingress, *group.egress) for pl in permission.prefix_lists}
            unknown_lists: dict[str, str] = {}
            for list_id in sorted(named - known.keys()):
                key = (group.region, list_id)
                if key not in why_unknown:
                    why_unknown[key] = self._unknown_list(ec2, *key)
                unknown_lists[list_id] = why_unknown[key]
            groups.append(
                Group(
                    group=group,
                    ingress=rules_of(group.ingress, Direction.INGRESS, group.id, group.owner_id, known),
                    egress=rules_of(group.egress, Direction.EGRESS, group.id, group.owner_id, known),
                    interfaces=None
                    if account.partial or group.region in interface_failures
                    else counts.get(group.id, 0),
                    default_vpc=default_vpcs.get(group.vpc_id or ""),
                    internet_egress_group=designates and is_internet_egress_group(group, self.settings),
                    unknown_lists=unknown_lists,
                )
            )
        return Network(
            groups=groups,
            by_id={group.group.id: group for group in groups},
            interfaces=list(ec2.network_interfaces),
            failed_regions=_failures(
                account, self.errors.errors_for("ec2", "DescribeSecurityGroups"), "security groups"
            ),
            interface_failures=interface_failures,
        )

    def _unknown_list(self, ec2: Ec2Data, region: str, prefix_list: str) -> str:
        """Why the entries of a prefix list that a rule names are unknown."""
        if any(pl.id == prefix_list and pl.region == region for pl in ec2.prefix_lists):
            errors = tuple(
                e
                for e in self.errors.errors_for("ec2", "GetManagedPrefixListEntries", resource=prefix_list)
                if e.region == region
            )
            if not errors:
                return f"the entries of prefix list {prefix_list} are missing from the snapshot"
            return unknown_because(errors, f"the entries of prefix list {prefix_list}")
        errors = tuple(
            e for e in self.errors.errors_for("ec2", "DescribeManagedPrefixLists") if e.region == region
        )
        return unknown_because(errors, f"prefix list {prefix_list} of {region}")


def _failures(account: AccountSnapshot, errors: tuple[ApiError, ...], what: str) -> dict[str, str]:
    """Region -> why its `what` could not be read, for the scanned regions where a call failed."""
    return {
        region: unknown_because(tuple(e for e in errors if e.region == region), f"the {what} of {region}")
        for region in account.regions
        if any(e.region == region for e in errors)
    }


def designated_groups(network: Network, settings: SecurityGroupsConfig) -> frozenset[Group]:
    """The groups that security_groups.internet_egress_groups designates, found once per account."""
    designated = network.designated.get(settings)
    if designated is None:
        designated = frozenset(g for g in network.groups if is_internet_egress_group(g.group, settings))
        network.designated[settings] = designated
    return designated


def is_internet_egress_group(group: SecurityGroup, settings: SecurityGroupsConfig) -> bool:
    for entry in settings.internet_egress_groups:
        if entry.startswith("tag:"):
            key, _, value = entry[4:].partition("=")
            if group.tags.get(key) == value:
                return True
        elif entry == group.id:
            return True
    return False


def each_group(
    account: AccountSnapshot, context: RuleContext, judge: Callable[[Group], Verdict]
) -> Iterator[Verdict]:
    """Run `judge` on every group; UNKNOWN for regions whose groups could not be read."""
    network = network_of(account, context)
    if network is None:
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
            unknown_because(
                context.errors(account).errors_for("ec2", "DescribeRegions"), "the account's regions"
            ),
        )
        return
    yield from region_unknowns(account, network.failed_regions)
    for group in network.groups:
        yield judge(group)


def region_unknowns(account: AccountSnapshot, failures: dict[str, str]) -> Iterator[Verdict]:
    """One UNKNOWN per region in `failures`, for the account's part in that region."""
    for region, reason in failures.items():
        resource = Resource(
            type="AWS::::Account",
            id=f"{account.account_id}/{region}",
            name=f"{account.account_id} in {region}",
        )
        yield Verdict(Status.UNKNOWN, resource, reason, region=region)


def unresolved(rules: list[NetRule]) -> list[NetRule]:
    """The rules toward prefix lists whose entries are unknown, toward peers known only after apply or
    malformed (`iac`), and the rules that may not be the group's at all (`iac`, `possible`)."""
    return [rule for rule in rules if rule.peer.entries_unknown or rule.peer.possible]


def certain(rules: list[NetRule]) -> list[NetRule]:
    """The rules that are the group's for sure: a FAIL rests on these only (`iac`: a rule resource whose
    group is known only after apply may be any group's, so its rules are only `possible` for each)."""
    return [rule for rule in rules if not rule.peer.possible]


def after_apply(rules: list[NetRule]) -> list[str]:
    """The attributes, known only after apply, that name the peers of `rules` (`iac`)."""
    return sorted(
        {
            rule.peer.value
            for rule in rules
            if rule.peer.kind is PeerKind.UNRESOLVED and not (rule.peer.failed_read or rule.peer.malformed)
        }
    )


def _malformed(rules: list[NetRule]) -> list[str]:
    """The malformed values that left peers of `rules` unknown (`iac`)."""
    return sorted({rule.peer.value for rule in rules if rule.peer.malformed})


def _unread(rules: list[NetRule]) -> list[str]:
    """The failed reads that left peers of `rules` unknown (`iac --snapshot`)."""
    return sorted({rule.peer.value for rule in rules if rule.peer.failed_read})


def _possible(rules: list[NetRule]) -> list[str]:
    """The rules of `rules` that may not be the group's, whose peers are known (`iac`)."""
    return [rule.describe() for rule in rules if rule.peer.possible and not rule.peer.entries_unknown]


def unknown_cause(rules: list[NetRule]) -> UnknownCause:
    """A failed read when a prefix list's entries, or a peer, are unknown because a read failed; else a
    rule error when the document gives a malformed value; else the plan left the peers (or the group a
    rule is for) to apply."""
    if any(
        rule.peer.failed_read or (rule.peer.kind is not PeerKind.UNRESOLVED and rule.peer.entries_unknown)
        for rule in rules
    ):
        return UnknownCause.FAILED_CALL
    if any(rule.peer.malformed for rule in rules):
        return UnknownCause.RULE_ERROR
    return UnknownCause.KNOWN_AFTER_APPLY


def unknown_reasons(groups: list[Group], rules: list[NetRule]) -> tuple[list[str], str]:
    """The prefix lists of `rules` whose entries are unknown, and why (from the groups that name
    them), then the peers known only after apply, the malformed ones and those a failed read left
    unknown, and the rules that may not be the group's."""
    lists = sorted({rule.peer.value for rule in rules if rule.peer.kind is PeerKind.PREFIX_LIST})
    why = {pl: reason for group in groups for pl, reason in group.unknown_lists.items()}
    reasons = [why.get(pl, f"the entries of prefix list {pl} are unknown") for pl in lists]
    reasons += [f"{name} is known only after apply" for name in after_apply(rules)]
    reasons += [f"{name} is malformed" for name in _malformed(rules)]
    reasons += _unread(rules)
    reasons += [
        f"{rule} may be this group's (a rule whose group is known only after apply)"
        for rule in _possible(rules)
    ]
    return lists, "; ".join(reasons)


def unknown_verdict(group: Group, rules: list[NetRule], judged: str) -> Verdict:
    """UNKNOWN: the group would pass, but rules toward prefix lists with unknown entries (or peers
    known only after apply) may allow more."""
    lists, reasons = unknown_reasons([group], rules)
    extra: dict[str, Any] = {"unknown_prefix_lists": lists}
    if later := after_apply(rules):
        extra["known_after_apply"] = later
    if malformed := _malformed(rules):
        extra["malformed"] = malformed
    return Verdict(
        Status.UNKNOWN,
        group.resource,
        f"{judged} cannot be judged: {reasons}",
        region=group.group.region,
        evidence=group.evidence(**extra, rules=[rule.describe() for rule in rules]),
        unknown_cause=unknown_cause(rules),
    )


def revoking_permission(rule: NetRule) -> dict[str, Any] | None:
    """The permission that revokes exactly `rule`, as RevokeSecurityGroupIngress (or Egress) takes it:
    its protocol and ports as the snapshot has them, and its one peer. None when no permission revokes
    the rule alone: the rule of one entry of a prefix list (revoking the list's reference revokes every
    entry), a peer not known (`iac`), a rule that may not be the group's, or a rule made by hand."""
    permission = rule.origin.permission
    peer = rule.peer
    if permission is None or peer.possible or peer.prefix_list is not None:
        return None
    revoking: dict[str, Any] = {"IpProtocol": permission.protocol}
    if permission.from_port is not None:
        revoking["FromPort"] = permission.from_port
    if permission.to_port is not None:
        revoking["ToPort"] = permission.to_port
    if peer.kind is PeerKind.IPV4:
        revoking["IpRanges"] = [{"CidrIp": peer.value}]
    elif peer.kind is PeerKind.IPV6:
        revoking["Ipv6Ranges"] = [{"CidrIpv6": peer.value}]
    elif peer.kind is PeerKind.PREFIX_LIST:
        revoking["PrefixListIds"] = [{"PrefixListId": peer.value}]
    elif peer.kind is PeerKind.GROUP and (pair := _group_pair(permission, peer)) is not None:
        revoking["UserIdGroupPairs"] = [pair]
    else:
        return None
    return revoking


def _group_pair(permission: IpPermission, peer: Peer) -> dict[str, str] | None:
    """The UserIdGroupPair of a group peer, with its account when the snapshot names one; None when the
    permission holds no single pair for it."""
    accounts = {
        pair.user_id
        for pair in permission.groups
        if pair.group_id == peer.value
        and pair.vpc_peering_connection_id == peer.peering
        and (peer.other_account is None or pair.user_id == peer.other_account)
    }
    if not peer.value or len(accounts) != 1:
        return None
    (account,) = accounts
    return {"GroupId": peer.value} | ({"UserId": account} if account else {})


def fail_verdict(
    group: Group, severity: Severity, message: str, offending: list[dict[str, Any]], fix: str
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


def pass_verdict(group: Group, message: str, **evidence: Any) -> Verdict:
    return Verdict(
        Status.PASS, group.resource, message, region=group.group.region, evidence=group.evidence(**evidence)
    )


def listed(rules: list[str], reasons: list[str] | None = None) -> str:
    """The first three rules (their descriptions), with why each is wrong when `reasons` are given."""
    shown = "; ".join(
        rules[:3]
        if reasons is None
        else [f"{rule} ({why})" for rule, why in zip(rules[:3], reasons, strict=False)]
    )
    return shown + (f"; and {len(rules) - 3} more" if len(rules) > 3 else "")
