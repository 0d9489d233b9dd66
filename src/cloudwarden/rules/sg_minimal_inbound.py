"""sg-minimal-inbound: inbound rules from address ranges open only the ports and sources that need them."""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.config import SecurityGroupsConfig
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
    unknown_reasons,
    unknown_verdict,
    unresolved,
)
from cloudwarden.semantics.network import ICMP, PORTED, NetRule, Peer, PeerKind
from cloudwarden.snapshot import AccountSnapshot


def _inbound_problem(
    context: RuleContext, rule: NetRule, settings: SecurityGroupsConfig
) -> tuple[str, Severity] | None:
    """Why an ingress rule from a CIDR is too broad, and how bad it is; None when it is fine.

    Worked out once per account for each distinct rule and settings: groups share most of their
    address rules, and a large account has many groups."""
    return context.per_account.by_value(_judge_inbound, (rule, settings))


def _judge_inbound(key: tuple[NetRule, SecurityGroupsConfig]) -> tuple[str, Severity] | None:
    rule, settings = key
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


def _too_broad_from_the_world(context: RuleContext, rule: NetRule, settings: SecurityGroupsConfig) -> bool:
    """Whether a rule toward a prefix list whose entries are unknown would be too broad if the list
    held 0.0.0.0/0 (ICMP, or a public port, is fine from anywhere)."""
    world = NetRule(rule.direction, rule.protocol, rule.ports, rule.icmp, _WORLD)
    return _inbound_problem(context, world, settings) is not None


_WORLD = Peer(PeerKind.IPV4, "0.0.0.0/0", internet=True, world_open=True)
_ADDRESSES = (PeerKind.IPV4, PeerKind.IPV6)


def check_minimal_inbound(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    settings = context.config.security_groups
    public_ports = ", ".join(map(str, settings.public_ports)) or "(none)"

    def too_broad_from_the_world(rule: NetRule) -> bool:
        return _too_broad_from_the_world(context, rule, settings)

    def doubtful(rule: NetRule) -> bool:
        """A rule whose peer is unknown that would be too broad from the world, or one that may be the
        group's (`iac`) and would be too broad."""
        if rule.peer.entries_unknown:
            return too_broad_from_the_world(rule)
        return rule.peer.kind in _ADDRESSES and _inbound_problem(context, rule, settings) is not None

    def judge(group: Group) -> Verdict:
        problems = []
        for rule in certain(group.ingress):
            if rule.peer.kind in _ADDRESSES:
                problem = _inbound_problem(context, rule, settings)
                if problem:
                    problems.append((rule, *problem))
        unknown = [rule for rule in unresolved(group.ingress) if doubtful(rule)]
        if not problems:
            if unknown:
                if any(rule.peer.kind is PeerKind.PREFIX_LIST for rule in unknown):
                    judged = "inbound access from prefix lists"
                elif any(rule.peer.failed_read for rule in unknown):
                    judged = "inbound access from sources that could not be read"
                elif all(rule.peer.malformed for rule in unknown):
                    judged = "inbound access from malformed rules"
                elif any(rule.peer.malformed for rule in unknown):
                    judged = "inbound access from malformed rules and sources known only after apply"
                else:
                    judged = "inbound access from sources known only after apply"
                return unknown_verdict(group, unknown, judged)
            return pass_verdict(group, "inbound access is limited to the ports and sources that need it")
        problems.sort(key=lambda item: -item[2].rank)
        described = [rule.describe() for rule, _, _ in problems]
        reasons = [why for _, why, _ in problems]
        offending = [
            {"rule": text, "why": why, "severity": sev.value, "permission": revoking_permission(rule)}
            for text, (rule, why, sev) in zip(described, problems, strict=True)
        ]
        fix = (
            f"In {group.group.id} ({group.group.name}), remove or narrow: "
            + "; ".join(described)
            + f". Allow only the ports the service needs, from the sources that need them; "
            f"keep world-open rules to ports {public_ports}."
        )
        message = f"inbound rules too broad: {listed(described, reasons)}"
        if unknown:
            # The FAIL is certain; the severity may be higher than what the known rules show. A live
            # scan's only unknown peers are prefix lists whose entries are unknown: its words.
            _, why = unknown_reasons([group], unknown)
            if all(rule.peer.kind is PeerKind.PREFIX_LIST for rule in unknown):
                message += f"; rules from prefix lists whose entries are unknown may allow more: {why}"
            else:
                message += f"; rules toward unknown peers may allow more: {why}"
            offending += [
                {
                    "rule": rule.describe(),
                    "why": "its peers are unknown",
                    "severity": "unknown",
                    "permission": None,
                }
                for rule in unknown
            ]
        return fail_verdict(group, problems[0][2], message, offending, fix)

    yield from each_group(account, context, judge)


SG_MINIMAL_INBOUND = Rule(
    id="sg-minimal-inbound",
    section=SECTION,
    guideline="Disallow inbound network access by default",
    audited_upstream=False,
    severity=Severity.HIGH,
    resource_type="AWS::EC2::SecurityGroup",
    summary=(
        "Judges every inbound rule of every security group whose source is address space: an IPv4 or "
        "IPv6 CIDR, or a managed prefix list, each of whose entries is judged like a CIDR (a customer "
        "list may hold 0.0.0.0/0). Sources that are security groups are `sg-no-internal-all-ports`' "
        "business. A source is world-open when it is 0.0.0.0/0, ::/0, a public range wider than /8 "
        "(IPv4) or /32 (IPv6), or an entry that is not a CIDR. One finding per group, at the severity "
        "of its worst rule, one level lower for a group attached to no network interface; the evidence "
        "names each offending rule in the console's words, why it is too broad, its severity, and "
        "`permission`: the IpPermission of that one source that revokes it (protocol and ports as "
        "`DescribeSecurityGroups` gives them), null where none revokes it alone (a rule for one entry of "
        "a prefix list, a rule of unknown severity). Every finding's evidence says whether the group is "
        "a designated internet egress group (`internet_egress_group`)."
    ),
    passes=(
        "A group none of whose inbound rules from address space is too broad: ICMP from anywhere; "
        "ports listed in `security_groups.public_ports` (default 80 and 443) from the world; up to "
        "`security_groups.max_port_range` ports (default 32) from any narrower source, including a "
        "specific public range such as an office's; a whole protocol other than TCP, UDP and ICMP "
        "from a source that is not world-open; a prefix list whose entries are all fine, or empty. "
        "A group without inbound rules passes."
    ),
    fails=(
        "A group with an inbound rule from address space that allows all traffic (critical from the "
        "world, else medium), every TCP or UDP port (critical from the world, else medium), more ports "
        "than `security_groups.max_port_range` (high from the world, else medium), a whole protocol "
        "other than TCP, UDP and ICMP from the world (high), or, from the world, any port that is not "
        "in `security_groups.public_ports` (high). The verdict is a FAIL even when a rule from a prefix "
        "list of unknown entries might allow more; that rule is named with severity `unknown`."
    ),
    unknown=(
        "A group with no certain problem but an inbound rule from a prefix list whose entries are "
        "unknown, when that rule would be too broad if the list held 0.0.0.0/0 (the verdict names the "
        "list and why: `ec2:GetManagedPrefixListEntries` failed for it, "
        "`ec2:DescribeManagedPrefixLists` failed for its region, or the list or its entries are "
        "missing from the snapshot). A region whose `ec2:DescribeSecurityGroups` failed: one UNKNOWN "
        "for the account in that region, naming the failed call. An account whose regions could not "
        "be read (`ec2:DescribeRegions`), or whose network data is missing from the snapshot: one "
        "UNKNOWN for the account."
    ),
    examples=(
        Example(Status.FAIL, "TCP 22 open to 0.0.0.0/0 (high)."),
        Example(
            Status.FAIL, "All traffic from 0.0.0.0/0 (critical); high if no interface carries the group."
        ),
        Example(Status.FAIL, "UDP 1000-1040 (41 ports, more than 32) from 10.0.0.0/16 (medium)."),
        Example(
            Status.FAIL, "TCP 22 from a customer prefix list that someone extended with 0.0.0.0/0 (high)."
        ),
        Example(Status.PASS, "HTTPS from 0.0.0.0/0 and ::/0 (public ports by default)."),
        Example(
            Status.UNKNOWN,
            "TCP 22 from a prefix list whose entries could not be read (GetManagedPrefixListEntries denied).",
        ),
    ),
    rationale=(
        "Every port a group opens is attack surface: a service nobody meant to expose, or a port range "
        "wider than the service needs, lets an attacker reach software that was never hardened for it."
    ),
    remediation=(
        "Allow only the ports the service uses, from the sources that need them; open only the public "
        "ports (security_groups.public_ports) to the whole internet."
    ),
    permissions=PERMISSIONS,
    needs=NEEDS,
    iac=(
        "Each `aws_security_group`, `aws_default_security_group` and `AWS::EC2::SecurityGroup` with its "
        "inline rules and the rule resources attached to it (`aws_security_group_rule`, "
        "`aws_vpc_security_group_ingress_rule`, `AWS::EC2::SecurityGroupIngress`). A source known only "
        "after apply (a CIDR of a VPC the plan creates) may be any address: UNKNOWN (`known-after-apply`) "
        "naming the attribute when the rule would be too broad from the world, never PASS; a rule resource "
        "whose group is known only after apply may be any group's: UNKNOWN where it would be too broad, "
        "never FAIL; a port or CIDR that is none is UNKNOWN (`rule-error`). A plan does not say which "
        "interfaces carry a group, so the severity is never lowered."
    ),
    check=check_minimal_inbound,
)
