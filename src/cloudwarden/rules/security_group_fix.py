"""What the security-group fixers share: revoking the offending rules a finding's evidence names.

The scan's DescribeSecurityGroups answer carries no security-group-rule ids, so a revoke cannot name a
rule by id. It names each rule by the exact permission the evidence records for it (`permission`: its
protocol and ports as DescribeSecurityGroups gave them, and its one peer), which EC2 matches exactly
against the group's rules: a rule is revoked only if it is that protocol, those ports and that peer,
and the other peers of the same IpPermission stay. The rollback authorizes the same permissions again.
The snapshot does not keep the rules' descriptions, so the plan's rollback names none; `--rollback`
adds to each rule the description it had when `--apply` read the group just before revoking it
(`fix.drift.with_descriptions`, from the journal).

A rule with no such permission (`permission` null: the rule of one entry of a managed prefix list,
whose reference stands for every entry; a peer not known; a rule of unknown severity) is left to a
person, named in the proposal's manual steps.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.findings import Finding
from cloudwarden.remedy import Call, Fixer, Proposal, Remedy, State
from cloudwarden.semantics.network import Direction

SECURITY_GROUP_TYPE = "AWS::EC2::SecurityGroup"
_PEER_KEYS = {
    "IpRanges": "CidrIp",
    "Ipv6Ranges": "CidrIpv6",
    "UserIdGroupPairs": "GroupId",
    "PrefixListIds": "PrefixListId",
}
"""Each peer list of an IpPermission, with the key its one entry must hold."""
_REVOKE = {Direction.INGRESS: "RevokeSecurityGroupIngress", Direction.EGRESS: "RevokeSecurityGroupEgress"}
_AUTHORIZE = {
    Direction.INGRESS: "AuthorizeSecurityGroupIngress",
    Direction.EGRESS: "AuthorizeSecurityGroupEgress",
}
_RULES = {Direction.INGRESS: "inbound", Direction.EGRESS: "outbound"}


def _ec2(operation: str, **parameters: Any) -> Call:
    return Call(service="ec2", operation=operation, parameters=parameters)


def _is_one_peer_permission(permission: Any) -> bool:
    """Whether `permission` is an IpPermission as the rules record it: a protocol, optional integer
    ports, and exactly one peer list holding exactly one entry."""
    if not isinstance(permission, dict) or not isinstance(permission.get("IpProtocol"), str):
        return False
    peers = [key for key in permission if key in _PEER_KEYS]
    if len(peers) != 1 or set(permission) - {"IpProtocol", "FromPort", "ToPort", *peers}:
        return False
    ports = [permission[key] for key in ("FromPort", "ToPort") if key in permission]
    if not all(isinstance(port, int) and not isinstance(port, bool) for port in ports):
        return False
    (peer,) = peers
    entries = permission[peer]
    return (
        isinstance(entries, list)
        and len(entries) == 1
        and isinstance(entries[0], dict)
        and isinstance(entries[0].get(_PEER_KEYS[peer]), str)
        and all(isinstance(value, str) for value in entries[0].values())
    )


def propose_revocations(finding: Finding, direction: Direction, disruptive: bool = False) -> Proposal:
    """Revoke, in one call, every offending rule of the group that a permission revokes alone; name the
    others as manual steps. Nothing is planned from evidence that lacks or garbles the permissions.
    `disruptive`: the revocation cuts traffic something may depend on (planned only on request)."""
    if finding.resource.type != SECURITY_GROUP_TYPE:
        return Proposal(unplannable=f"the finding is about a {finding.resource.type}, not a security group")
    group_id = finding.resource.id
    offending = finding.evidence.get("offending_rules")
    if not isinstance(offending, list) or not offending:
        return Proposal(unplannable="the evidence names no offending rules (offending_rules)")
    if not all(isinstance(item, dict) and "permission" in item for item in offending):
        return Proposal(
            unplannable="the evidence does not give the permission of each offending rule: the report "
            "predates it"
        )
    permissions: list[dict[str, Any]] = []
    revoked: list[str] = []
    entries: list[str] = []
    unknown: list[str] = []
    for item in offending:
        permission = item["permission"]
        if permission is None:
            (unknown if item.get("severity") == "unknown" else entries).append(str(item.get("rule")))
        elif not _is_one_peer_permission(permission):
            return Proposal(unplannable=f"the evidence holds a malformed permission: {permission!r}")
        elif permission not in permissions:
            permissions.append(permission)
            revoked.append(str(item.get("rule")))
    rules = _RULES[direction]
    manual = _manual(group_id, rules, entries, unknown)
    if not permissions:
        return Proposal(manual=manual)
    remedy = Remedy(
        action=f"revoke-{direction.value}",
        summary=f"Revoke the {rules} rules {'; '.join(revoked)} of {group_id}, keeping its other rules.",
        state=State.SECURITY_GROUP_RULES,
        read=_ec2("DescribeSecurityGroups", GroupIds=[group_id]),
        before={"direction": direction.value, "present": list(permissions), "absent": []},
        after={"direction": direction.value, "present": [], "absent": list(permissions)},
        calls=(_ec2(_REVOKE[direction], GroupId=group_id, IpPermissions=list(permissions)),),
        rollback=(_ec2(_AUTHORIZE[direction], GroupId=group_id, IpPermissions=list(permissions)),),
        disruptive=disruptive,
    )
    return Proposal(remedies=(remedy,), manual=manual)


def _manual(group_id: str, rules: str, entries: list[str], unknown: list[str]) -> str | None:
    """The steps for the offending rules no permission revokes alone: the rules of prefix list entries,
    and the rules whose peers are unknown (severity `unknown`), which may or may not be too broad. (A
    peer left to apply is `iac`'s, whose findings are never planned.)"""
    steps = []
    if entries:
        steps.append(
            f"In {group_id}, no single permission revokes the {rules} rules {'; '.join(entries)}: each "
            "stands for one entry of a managed prefix list, and revoking the group's rule that references "
            "the list revokes every entry. Remove the entry from the list if no other group relies on it, "
            "or delete or narrow the group's rule that references the list."
        )
    if unknown:
        steps.append(
            f"In {group_id}, check the {rules} rules {'; '.join(unknown)}: their peers are unknown, so "
            "whether they are too broad is too. Remove or narrow them if they are."
        )
    return " ".join(steps) or None


def revoking_fixer(rule: str, direction: Direction, summary: str, disruptive: bool = False) -> Fixer:
    """The fixer of `rule`, whose findings name offending rules of `direction` to revoke."""

    def propose(finding: Finding) -> Proposal:
        return propose_revocations(finding, direction, disruptive)

    return Fixer(
        rule=rule,
        summary=summary,
        actions=(
            "ec2:DescribeSecurityGroups",
            f"ec2:{_REVOKE[direction]}",
            f"ec2:{_AUTHORIZE[direction]}",
        ),
        operations=frozenset(
            {"ec2.DescribeSecurityGroups", f"ec2.{_REVOKE[direction]}", f"ec2.{_AUTHORIZE[direction]}"}
        ),
        propose=propose,
        disruptive=disruptive,
    )
