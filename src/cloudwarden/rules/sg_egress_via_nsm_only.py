"""sg-egress-via-nsm-only: only the designated internet egress groups (the NSM proxy's) reach the internet."""

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
    designated_groups,
    each_group,
    fail_verdict,
    listed,
    network_of,
    pass_verdict,
    revoking_permission,
    unknown_verdict,
    unresolved,
)
from cloudwarden.snapshot import AccountSnapshot


def check_egress_via_nsm_only(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    settings = context.config.security_groups
    network = network_of(account, context)
    designated = frozenset() if network is None else designated_groups(network, settings)

    def judge(group: Group) -> Verdict:
        if group in designated:
            return pass_verdict(
                group, "designated internet egress group (security_groups.internet_egress_groups)"
            )
        internet = [rule for rule in certain(group.egress) if rule.peer.internet]
        if not internet:
            # Peers not known, and internet rules that may be the group's (`iac`).
            unknown = [
                rule for rule in unresolved(group.egress) if rule.peer.entries_unknown or rule.peer.internet
            ]
            if unknown:
                return unknown_verdict(group, unknown, "whether its outbound rules reach the internet")
            return pass_verdict(group, "no outbound rule reaches the internet")
        described = [rule.describe() for rule in internet]
        offending = [
            {"rule": text, "why": "reaches the internet directly", "permission": revoking_permission(rule)}
            for text, rule in zip(described, internet, strict=True)
        ]
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
        return fail_verdict(
            group,
            Severity.MEDIUM,
            f"outbound internet access outside the NSM proxy: {listed(described)}{hint}",
            offending,
            fix,
        )

    yield from each_group(account, context, judge)


SG_EGRESS_VIA_NSM_ONLY = Rule(
    id="sg-egress-via-nsm-only",
    section=SECTION,
    guideline="Disallow outbound internet access except through HTTP proxy on NSM server",
    audited_upstream=False,
    severity=Severity.MEDIUM,
    resource_type="AWS::EC2::SecurityGroup",
    summary=(
        "Judges the outbound rules of every security group. A destination is the internet when it is "
        "address space that is neither private nor reserved: 0.0.0.0/0, ::/0, any public CIDR however "
        "narrow, or a prefix list entry that is one (or is not a CIDR at all). Security groups, "
        "private and reserved ranges (RFC 1918, shared address space, documentation ranges, IPv6 "
        "unique local...) and empty prefix lists are not. The groups that "
        "`security_groups.internet_egress_groups` designates, by id or by `tag:KEY=VALUE`, are the "
        "NSM proxy's and may reach the internet. One finding per group, medium, one level lower for a "
        "group attached to no network interface; the evidence names every outbound internet rule, each "
        "with `permission`: the IpPermission of that one destination that revokes it (protocol and ports "
        "as `DescribeSecurityGroups` gives them), null where none revokes it alone (a rule for one entry "
        "of a prefix list). Every finding's evidence says whether the group is a designated internet "
        "egress group (`internet_egress_group`)."
    ),
    passes=(
        "A designated internet egress group. Any other group whose outbound rules reach only private "
        "or reserved space, security groups (such as the NSM proxy's), prefix lists of such ranges, "
        "or empty prefix lists; a group without outbound rules."
    ),
    fails=(
        "Any other group with an outbound rule to the internet, including the rule AWS adds to every "
        "new group (all traffic to 0.0.0.0/0); the message says so when no internet egress group is "
        "configured. The FAIL stands even beside a rule toward a prefix list of unknown entries."
    ),
    unknown=(
        "A group, not designated, with no certain internet rule but an outbound rule toward a prefix "
        "list whose entries are unknown (the verdict names the list and why: "
        "`ec2:GetManagedPrefixListEntries` failed for it, `ec2:DescribeManagedPrefixLists` failed for "
        "its region, or the list or its entries are missing from the snapshot). A region whose "
        "`ec2:DescribeSecurityGroups` failed: one UNKNOWN for the account in that region, naming the "
        "failed call. An account whose regions could not be read (`ec2:DescribeRegions`), or whose "
        "network data is missing from the snapshot: one UNKNOWN for the account."
    ),
    examples=(
        Example(Status.FAIL, 'A group with AWS\'s default outbound rule "All traffic to 0.0.0.0/0".'),
        Example(Status.FAIL, "TCP 443 to a customer prefix list holding 0.0.0.0/0."),
        Example(Status.PASS, "A single outbound rule: TCP 3128 to the NSM proxy's group."),
        Example(Status.PASS, "The group tagged as configured by `tag:Role=nsm-proxy`, open to the internet."),
        Example(
            Status.UNKNOWN,
            "TCP 443 to a prefix list whose entries could not be read, and no other internet rule.",
        ),
    ),
    rationale=(
        "Outbound traffic that goes through the network security monitoring proxy can be inspected and "
        "limited to known destinations, so a compromised machine cannot quietly call home or exfiltrate "
        "data; traffic that bypasses it cannot."
    ),
    remediation=(
        "Remove outbound internet rules from every group except the NSM proxy's (list it in "
        "security_groups.internet_egress_groups), and let systems reach the internet through the proxy."
    ),
    permissions=PERMISSIONS,
    needs=NEEDS,
    iac=(
        "The groups of the document with their outbound rules as each tool creates them: Terraform's AWS "
        "provider removes AWS's default rule (all traffic to 0.0.0.0/0) from the groups it creates, so only "
        "the configured rules remain; CloudFormation keeps it unless the group's own `SecurityGroupEgress` "
        "names rules (separate `AWS::EC2::SecurityGroupEgress` resources do not remove it), and "
        "`evidence.iac.assumed` says it was kept."
    ),
    check=check_egress_via_nsm_only,
)
