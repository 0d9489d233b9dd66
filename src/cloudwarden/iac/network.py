"""Translator of the network family: security groups with their inline rules and the rule resources
attached to them, as each tool deploys them.

Resources read:
- Terraform: `aws_security_group` and `aws_default_security_group` (`name`, `vpc_id`, `tags_all` or
  `tags`, inline `ingress` and `egress` blocks of {from_port, to_port, protocol, cidr_blocks,
  ipv6_cidr_blocks, prefix_list_ids, security_groups, self}); `aws_security_group_rule` (`type`,
  `security_group_id`, `source_security_group_id`, `self`, `cidr_blocks`, `ipv6_cidr_blocks`,
  `prefix_list_ids`, `protocol`, `from_port`, `to_port`); `aws_vpc_security_group_ingress_rule` and
  `_egress_rule` (`security_group_id`, `cidr_ipv4`, `cidr_ipv6`, `prefix_list_id`,
  `referenced_security_group_id`, `ip_protocol`, `from_port`, `to_port`).
- CloudFormation: `AWS::EC2::SecurityGroup` (`GroupName`, `GroupDescription`, `VpcId`, `Tags`,
  `SecurityGroupIngress` and `SecurityGroupEgress` of {IpProtocol, FromPort, ToPort, CidrIp, CidrIpv6,
  SourceSecurityGroupId, SourceSecurityGroupOwnerId, SourcePrefixListId, DestinationSecurityGroupId,
  DestinationPrefixListId}); `AWS::EC2::SecurityGroupIngress` and `Egress` (`GroupId`: `!Ref X` or
  `!GetAtt X.GroupId`, or a literal `GroupName`; and the fields of one rule).

AWS adds an outbound rule allowing all traffic to 0.0.0.0/0 to every new VPC group (and ::/0 when the
VPC has IPv6). The tools differ:
- Terraform's AWS provider revokes it when it creates a group ("Terraform will remove this default
  rule", `aws_security_group` documentation; `resourceSecurityGroupCreate` calls
  RevokeSecurityGroupEgress): a group's egress is exactly its inline `egress` plus its egress rule
  resources. `ingress` and `egress` are optional and computed (attributes as blocks), so a plan marks
  the whole list unknown when the configuration does not set it, and the parser leaves it out: no
  inline rule. A `dynamic` block whose `for_each` is known only after apply looks the same, so a group
  with such a list left out and no rule resource attaching to it gets a warning (the verdict stays).
  A list the configuration sets to what is known only after apply (an `Unknown`, a `Ref`) is unknown
  rules. `aws_default_security_group` adopts the VPC's default group and "immediately removes all
  ingress and egress rules" before creating the configured ones (its documentation): a group named
  `default` with exactly its inline rules; with `--snapshot`, it stands for the live group named
  `default` of its literal `vpc_id`. Deleting it leaves the group as it is (nothing is revoked).
- CloudFormation keeps it unless the group's own `SecurityGroupEgress` names egress rules ("if you do
  not add egress rules, we add egress rules that allow all outbound IPv4 and IPv6 traffic",
  `AWS::EC2::SecurityGroup` reference); separate `AWS::EC2::SecurityGroupEgress` resources do not
  remove it. The kept rule (all traffic to 0.0.0.0/0) is added and `assumed` says so.

A group's snapshot id is its address (its real id, which a plan knows only for groups that exist, is
not used, so every group of a document is named alike). A peer that links to a group of the document,
or is a literal id equal to the known `id` of a group of the plan, is that group's address; `self` is
the group itself; other literal ids stay. A rule resource naming its group by a literal id that is not
a group of the document cannot open anything of the document: it is not judged, a warning names it.
A template rule naming its group by a literal `GroupName` (a default VPC's group: "for security groups
in a nondefault VPC, you must specify the group ID") is a literal group too: the template's group of
that `GroupName` without `VpcId`, else a warning, or with `--snapshot` the live group of that name in a
default VPC (several, in several regions: possibly each's, as below).
One whose group is not determined (an `Unknown`, a `Ref` to anything but a group of the document's id,
no value) may be any group's: every group of the draft (the document's; with `--snapshot`, those the
change touches) gets its permissions, protocol and ports as the rule gives them, toward one unknown peer
named "<address> (its group is known only after apply)", marked `possible` (`IpPermission.possible`):
a group is UNKNOWN wherever the rule could be too broad or make it FAIL, never PASS, and never FAIL on
that rule alone (at most one group gets it). A link to a VPC's default group (`default_security_group_id`,
`DefaultSecurityGroup`), which AWS creates with the VPC, is never a group of the document: a warning.

A rule resource the plan deletes (`aws_security_group_rule`, `aws_vpc_security_group_*_rule`) revokes
exactly its rule, read from its `before` values, from the group `before.security_group_id` names: the
peers it names leave the permission of the same protocol and ports (EC2 lists one permission per
protocol and ports with all their peers), and a permission left without peers goes. A group of the
document whose id the plan knows loses it from its state's inline rules (revocations come before the
rules the plan adds, which then stand); one outside the document only with `--snapshot`. Revoking only
narrows a group: one not to be found is left alone, silently.

Laid over a collected account (`iac --snapshot`, `Draft.live`):
- a group the plan updates, leaves unchanged or replaces has a real id (`values.id`, or `before.id` for
  a replacement): its record, named by its address, stands for the live group of that id, which leaves
  the judged account (`Draft.replaced`); it takes the live group's region when the plan gives none. A
  group the plan deletes (`before.id`) leaves it too, judged no more;
- a rule resource whose group is not in the document but is a live group, named by its literal id
  (`security_group_id`, `GroupId`: a `Ref` only names a group of the document), adds to that group: the
  judged record is the live group with its live rules and the document's added (a deleted rule
  resource's rule revoked). Its findings keep the group's id (the live scan's) and ARN
  (`Annotation.live_id`) and point at the first such rule resource; all of them are `attached`.
  (Several documents of one change add to the same record.) A peer named by a live group's id stays that
  id: the live group is in the judged account, as are the live prefix lists the rules name, whose
  entries then decide;
- when the live groups of the rule resource's region could not be read (a failed
  `ec2:DescribeSecurityGroups` there, or in any region for a resource without one; or EC2 not
  collected), a literal id not in the documents may still name a live group: it is judged as a record of
  its own, with the document's rules and, standing for its unread live rules, permissions toward an
  unknown peer naming the failed read (`IpPermission.unread_peers`: so it is never PASS, and the
  cause is a failed call: the run is not judged). Read and absent, the group does not exist:
  a warning.

What is left to deployment is never guessed: a CIDR, prefix list or source group that is unknown, or a
link to anything but a group of the document, is an unknown peer (`IpPermission.unknown_peers`, named
by its attribute), which the rules judge as any address or group could be. When the protocol or the
ports of a rule are unknown, nothing about it is known: its known peers are dropped and it becomes
rules toward unknown peers only (with unknown ports, its protocol over every port; with an unknown
protocol, both all traffic and TCP over every port, so that each rule meets the case that would decide
it: all traffic is the widest, and a single ported protocol is what makes an outbound rule govern
access). Ports are ignored, as EC2 ignores them, for all traffic and protocols other than TCP, UDP,
ICMP and ICMPv6.

What the document gives malformed is no value left to deployment: a port that is no integer from -1 to
65535 (text, a float, a date, a boolean), a protocol that is neither text nor a number from -1 to 255, a
CIDR that does not parse or is not of its field's IP version, a peer that is no text, rules given as a
mapping (or text) where a list goes, a rule that is no mapping. Each is a malformed peer
(`IpPermission.malformed_peers`, named by its attribute and value), judged as an unknown one is (a
malformed port or protocol: every port, or all traffic, toward its unknown peers), but the rules' cause
is then a rule error: never a FAIL over a garbage range, nor an unparsable CIDR read as the world.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from cloudwarden.findings import Location
from cloudwarden.iac.model import Action, IacResource, Ref, Unknown
from cloudwarden.iac.translate import UNKNOWN_REGION, Annotation, Draft, Graph
from cloudwarden.inputs import quoted
from cloudwarden.snapshot import MALFORMED_VALUE, Collection, GroupPair, IpPermission, SecurityGroup

GROUP_TYPE = "AWS::EC2::SecurityGroup"
"""The finding resource type of the security-group rules, and CloudFormation's group type."""

TF_GROUP = "aws_security_group"
TF_DEFAULT_GROUP = "aws_default_security_group"
TF_RULE = "aws_security_group_rule"
TF_INGRESS = "aws_vpc_security_group_ingress_rule"
TF_EGRESS = "aws_vpc_security_group_egress_rule"
CFN_INGRESS = "AWS::EC2::SecurityGroupIngress"
CFN_EGRESS = "AWS::EC2::SecurityGroupEgress"

INGRESS = "ingress"
EGRESS = "egress"

AWS_DEFAULT_EGRESS = IpPermission(protocol="-1", ipv4_ranges=("0.0.0.0/0",))
CFN_DEFAULT_EGRESS = (
    "egress: the group's SecurityGroupEgress names no rule, so CloudFormation keeps AWS's default rule, "
    "all traffic to 0.0.0.0/0 (and ::/0 when the VPC has IPv6)"
)
PORTED = frozenset({"tcp", "udp", "icmp", "icmpv6", "6", "17", "1", "58"})
"""Protocols whose ports (ICMP type and code) EC2 reads; it ignores them for all others."""
UNLISTED_GROUP = (
    "the group is not in the configuration and the live account's groups of its region could not be read: "
    "its rules other than those of the attached resources are unknown"
)
LIVE_GROUP = (
    "the group is not in the configuration: its rules other than those of the attached resources are the "
    "live group's (from the live account)"
)
EXISTING = (Action.UPDATE, Action.NO_OP, Action.REPLACE)
"""Actions on a group that exists already, whose real id the plan knows."""
GROUP_LINKS = frozenset({None, "id", "GroupId"})
"""What of a group a rule may name it by: its id (`aws_security_group.x.id`, `!Ref X`,
`!GetAtt X.GroupId`)."""


@dataclass
class _Group:
    """A group of the document, with the permissions gathered for it."""

    resource: IacResource
    ingress: list[IpPermission] = field(default_factory=list)
    egress: list[IpPermission] = field(default_factory=list)
    attached: list[str] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)
    live_region: str | None = None
    """The region of the live group it stands for (`--snapshot`)."""

    @property
    def cloudformation(self) -> bool:
        return self.resource.type == GROUP_TYPE

    @property
    def own(self) -> str:
        """The id its own rules name it by (`self`): its snapshot id."""
        return self.resource.address

    def add(self, direction: str, permissions: Iterable[IpPermission]) -> None:
        """Add permissions, once each (a group's state may repeat what a rule resource adds)."""
        _add(self.ingress if direction == INGRESS else self.egress, permissions)


def _add(target: list[IpPermission], permissions: Iterable[IpPermission]) -> None:
    for permission in permissions:
        if permission not in target:
            target.append(permission)


@dataclass
class _Existing:
    """A group of the account the documents are laid over, and the rule resources that add to it."""

    base: SecurityGroup
    location: Location
    """The first rule resource's: where its findings point."""
    ingress: list[IpPermission] = field(default_factory=list)
    egress: list[IpPermission] = field(default_factory=list)
    attached: list[str] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)

    @property
    def own(self) -> str:
        return self.base.id

    def add(self, direction: str, permissions: Iterable[IpPermission]) -> None:
        _add(self.ingress if direction == INGRESS else self.egress, permissions)


@dataclass(frozen=True)
class _Groups:
    """The document's groups, by address and by the real id a plan knows for those that exist."""

    graph: Graph
    by_address: Mapping[str, _Group]
    by_id: Mapping[str, str]

    def linked(self, value: object) -> str | None:
        """The address of the group of the document that `value` names (a link or a known id)."""
        if isinstance(value, Ref):
            target = self.graph.target(value)
            if target is not None and target.address in self.by_address and value.attribute in GROUP_LINKS:
                return target.address
            return None
        if isinstance(value, str):
            return self.by_id.get(value)
        return None


@dataclass
class _Peers:
    """The peers of one rule: known ones by kind, the attributes of those left to deployment, and the
    attributes (with their values) of those the document gives malformed."""

    ipv4: list[str] = field(default_factory=list)
    ipv6: list[str] = field(default_factory=list)
    groups: list[GroupPair] = field(default_factory=list)
    prefix_lists: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(
            self.ipv4 or self.ipv6 or self.groups or self.prefix_lists or self.unknown or self.malformed
        )

    def with_value(self, value: object, where: str) -> _Peers:
        """Add a value that is no known peer: left to deployment (an `Unknown` or a `Ref`, named by its
        attribute), or malformed (anything else, or an `Unknown` the parser found malformed: named by
        `where` and the value)."""
        if isinstance(value, Unknown) and value.code == MALFORMED_VALUE:
            self.malformed.append(f"{value.attribute} ({value.why})")
        elif isinstance(value, Unknown | Ref):
            self.unknown.append(_name(value))
        else:
            self.malformed.append(f"{where} ({quoted(str(value))})")
        return self


def translate(graph: Graph, draft: Draft) -> None:
    """Add the document's security groups, with their inline and attached rules, to the draft."""
    _deleted(graph, draft)
    groups = [_Group(resource) for resource in graph.of_type(TF_GROUP, TF_DEFAULT_GROUP, GROUP_TYPE)]
    known_ids = {
        resource_id: group.resource.address
        for group in groups
        if isinstance(resource_id := group.resource.values.get("id"), str) and resource_id
    }
    for group in groups:
        _stand_for_live(draft, group)
    index = _Groups(graph, {group.resource.address: group for group in groups}, known_ids)
    for group in groups:
        _inline(index, group)
    elsewhere: dict[str, _Existing] = {}
    _revocations(index, draft, elsewhere)
    undetermined: list[IacResource] = []
    for resource in graph.of_type(TF_RULE, TF_INGRESS, TF_EGRESS, CFN_INGRESS, CFN_EGRESS):
        if not _separate(index, draft, resource, elsewhere):
            undetermined.append(resource)
    for resource in undetermined:
        _anywhere(index, draft, resource, groups, elsewhere)
    for group in groups:
        _unconfigured(graph, draft, group)
    for group in groups:
        draft.security_groups.append(_record(group))
        annotation = draft.annotate(GROUP_TYPE, group.resource.address, group.resource)
        annotation.attached.extend(group.attached)
        annotation.assumed.extend(group.assumed)
    for existing in elsewhere.values():
        _overlaid(draft, existing)


# --- the live account (`--snapshot`) ------------------------------------------------------------------------


def _deleted(graph: Graph, draft: Draft) -> None:
    """The groups the plan deletes leave the judged account (their id is in `before`)."""
    for resource in graph.document.resources:
        if resource.type == TF_GROUP and resource.action is Action.DELETE:
            group_id = (resource.before or resource.values).get("id")
            if isinstance(group_id, str) and group_id:
                draft.replaced.add(("group", group_id))


def _real_id(resource: IacResource) -> str | None:
    """The id of the live group a group of the plan updates, leaves as it is or replaces."""
    if resource.action not in EXISTING:
        return None
    values = resource.before if resource.action is Action.REPLACE else resource.values
    group_id = (values or {}).get("id")
    return group_id if isinstance(group_id, str) and group_id else None


def _adopted(draft: Draft, resource: IacResource) -> str | None:
    """The live default group an `aws_default_security_group` the plan creates adopts: the group named
    `default` of its literal `vpc_id` (the provider finds it so), when the live account holds it."""
    vpc = resource.values.get("vpc_id")
    if resource.type != TF_DEFAULT_GROUP or draft.live is None or draft.live.ec2 is None:
        return None
    found = [
        group.id
        for group in draft.live.ec2.security_groups
        if group.name == "default" and isinstance(vpc, str) and group.vpc_id == vpc
    ]
    return found[0] if len(found) == 1 else None


def _stand_for_live(draft: Draft, group: _Group) -> None:
    """A group that exists already stands for the live group of its id, which leaves the judged account
    (an adopted default group too: the provider replaces all of its rules with the configured ones)."""
    group_id = _real_id(group.resource) or _adopted(draft, group.resource)
    if group_id is None or draft.live is None:
        return
    live = _live_group(draft, group_id)
    draft.replaced.add(("group", group_id))
    if live is not None:
        group.live_region = live.region


def _live_group(draft: Draft, group_id: str) -> SecurityGroup | None:
    """The live account's group of that id, unless a document already deletes or stands for it."""
    if draft.live is None or draft.live.ec2 is None or ("group", group_id) in draft.replaced:
        return None
    return next((group for group in draft.live.ec2.security_groups if group.id == group_id), None)


def _existing(draft: Draft, group_id: str) -> SecurityGroup | None:
    """The group of that id in the account the documents are laid over: one an earlier document added
    to, else the live account's (None without `--snapshot`)."""
    if draft.live is None:
        return None
    earlier = next((group for group in draft.security_groups if group.id == group_id), None)
    return earlier if earlier is not None else _live_group(draft, group_id)


def _overlaid(draft: Draft, existing: _Existing) -> None:
    """The group with the document's rules added, judged in place of the record it was."""
    base = existing.base
    record = msgspec.structs.replace(base, ingress=tuple(existing.ingress), egress=tuple(existing.egress))
    if base in draft.security_groups:
        draft.security_groups[draft.security_groups.index(base)] = record
    else:
        draft.replaced.add(("group", base.id))
        draft.security_groups.append(record)
    annotation = draft.annotations.get((GROUP_TYPE, base.id))
    if annotation is None:
        # Named as the live scan names it: the same finding before and after the change.
        annotation = Annotation(base.id, existing.location, assumed=[LIVE_GROUP], live_id=True)
        draft.annotations[(GROUP_TYPE, base.id)] = annotation
    annotation.attached.extend(existing.attached)
    annotation.assumed.extend(existing.assumed)


def _record(group: _Group) -> SecurityGroup:
    resource = group.resource
    values = resource.values
    name = (
        "default"
        if resource.type == TF_DEFAULT_GROUP
        else values.get("GroupName" if group.cloudformation else "name")
    )
    vpc = values.get("VpcId" if group.cloudformation else "vpc_id")
    description = values.get("GroupDescription" if group.cloudformation else "description")
    return SecurityGroup(
        id=resource.address,
        name=name if isinstance(name, str) and name else resource.address,
        region=resource.region or group.live_region or UNKNOWN_REGION,
        vpc_id=vpc if isinstance(vpc, str) else None,
        description=description if isinstance(description, str) else None,
        tags=_tags(group),
        ingress=tuple(group.ingress),
        egress=tuple(group.egress),
    )


def _tags(group: _Group) -> dict[str, str]:
    """The group's known tags (those that decide `internet_egress_groups` by `tag:KEY=VALUE`)."""
    values = group.resource.values
    if group.cloudformation:
        raw = values.get("Tags")
        pairs = (
            [(tag.get("Key"), tag.get("Value")) for tag in raw if isinstance(tag, Mapping)]
            if isinstance(raw, list)
            else []
        )
    else:
        every = values.get("tags_all")
        chosen = every if isinstance(every, Mapping) else values.get("tags")
        pairs = list(chosen.items()) if isinstance(chosen, Mapping) else []
    return {key: value for key, value in pairs if isinstance(key, str) and isinstance(value, str)}


# --- inline rules -----------------------------------------------------------------------------------------


def _inline(index: _Groups, group: _Group) -> None:
    resource = group.resource
    if group.cloudformation:
        for key, direction in (("SecurityGroupIngress", INGRESS), ("SecurityGroupEgress", EGRESS)):
            _inline_list(index, group, direction, key, resource.values.get(key))
        egress = resource.values.get("SecurityGroupEgress")
        if egress is None or egress == []:
            group.add(EGRESS, [AWS_DEFAULT_EGRESS])
            group.assumed.append(CFN_DEFAULT_EGRESS)
        return
    for direction in (INGRESS, EGRESS):
        # Optional and computed: a list the configuration does not set is left out of the values by the
        # parser (no inline rule; see `_unconfigured`); one it sets to what is known only after apply is
        # an `Unknown` or a `Ref`: unknown rules.
        _inline_list(index, group, direction, direction, resource.values.get(direction))


def _unconfigured(graph: Graph, draft: Draft, group: _Group) -> None:
    """A Terraform group whose inline `ingress` or `egress` the plan leaves out (wholly unknown, and the
    configuration sets no expression for it) has no inline rule of that kind, as the provider computes
    it from the separate rule resources. But a `dynamic` block whose `for_each` is known only after apply
    leaves no expression either: when no rule resource attaches to the group, that may be what it is,
    and a warning names the group (the verdict stays the one of no inline rule)."""
    attached = (graph.by_address.get(address) for address in group.attached)
    if group.cloudformation or any(r is not None and r.action is not Action.DELETE for r in attached):
        return
    missing = [key for key in (INGRESS, EGRESS) if key not in group.resource.values]
    if missing:
        what = " and ".join(missing)
        draft.warnings.append(
            f"{group.resource.address}: its inline {what} is known only after apply and the configuration "
            f"sets no {what}, and no rule resource attaches to it: judged without inline {what} rules, but "
            "a dynamic block whose for_each is known only after apply looks the same and may add rules"
        )


def _inline_list(index: _Groups, group: _Group, direction: str, key: str, value: object) -> None:
    where = f"{group.resource.address}.{key}"
    if value is None:
        return
    if isinstance(value, Unknown | Ref):
        group.add(direction, _unknown_permission(value, where))
        group.assumed.append(f"{direction}: {_name(value)} is known only after apply: unknown rules")
        return
    if not isinstance(value, list):
        # A mapping (or text) where the list of rules goes: the document is malformed there.
        group.add(direction, _unknown_permission(f"{value} is not a list", where))
        return
    for position, rule in enumerate(value):
        at = f"{where}[{position}]"
        if not isinstance(rule, Mapping):
            group.add(direction, _unknown_permission(rule, at))
            continue
        fields = _cfn_fields(direction) if group.cloudformation else _TF_INLINE
        group.add(direction, _permissions(index, group.resource.address, rule, at, fields))


# --- separate rule resources --------------------------------------------------------------------------------


def _group_link(resource: IacResource) -> object:
    cloudformation = resource.type in (CFN_INGRESS, CFN_EGRESS)
    return resource.values.get("GroupId" if cloudformation else "security_group_id")


def _group_name(resource: IacResource) -> str | None:
    """The literal `GroupName` an `AWS::EC2::SecurityGroupIngress` or `Egress` without `GroupId` names
    its group by (a group of a default VPC, or EC2-Classic: "for security groups in a nondefault VPC,
    you must specify the group ID")."""
    if resource.type not in (CFN_INGRESS, CFN_EGRESS) or resource.values.get("GroupId") is not None:
        return None
    name = resource.values.get("GroupName")
    return name if isinstance(name, str) and name else None


def _separate(index: _Groups, draft: Draft, resource: IacResource, elsewhere: dict[str, _Existing]) -> bool:
    """Attach a rule resource to its group: one of the document, else (`--snapshot`) one of the account
    named by its literal id (or name), gathered in `elsewhere`; or warn that its group is not to be
    found. False when its group is not determined (not a literal id or name, nor a link to a group of
    the document)."""
    link = _group_link(resource)
    name = _group_name(resource)
    if name is not None:
        return _named(index, draft, resource, name, elsewhere)
    address = index.linked(link)
    group: _Group | _Existing | None = index.by_address.get(address) if address else None
    if group is None and isinstance(link, str):
        group = _elsewhere(draft, elsewhere, resource, link)
    if group is None and not isinstance(link, str) and not _default_group(link):
        return False
    if group is None:
        draft.warnings.append(_unattached(index, draft, resource, link))
        return True
    _attach(index, group, resource)
    return True


def _attach(index: _Groups, group: _Group | _Existing, resource: IacResource) -> None:
    group.attached.append(resource.address)
    for direction in _directions(resource):
        fields = _fields_of(resource.type, direction)
        group.add(direction, _permissions(index, group.own, resource.values, resource.address, fields))


def _named(
    index: _Groups, draft: Draft, resource: IacResource, name: str, elsewhere: dict[str, _Existing]
) -> bool:
    """A template rule naming its group by a literal `GroupName`: a literal group, as a literal id is. A
    group of the template with that `GroupName` and no `VpcId` (so in the default VPC, where names are
    unique) is it; else, laid over the live account, the live groups of that name in a default VPC (one
    is it; several, in several regions, may each be: the rule is possible for each); else a warning."""
    mine = [
        group
        for group in index.by_address.values()
        if group.cloudformation
        and group.resource.values.get("GroupName") == name
        and group.resource.values.get("VpcId") is None
    ]
    if len(mine) == 1:
        _attach(index, mine[0], resource)
        return True
    matches = _live_named(draft, name, resource.region)
    if len(matches) == 1:
        found = _elsewhere(draft, elsewhere, resource, matches[0].id)
        if found is not None:
            _attach(index, found, resource)
            return True
    elif matches:
        targets: list[_Group | _Existing] = []
        for match in matches:
            found = _elsewhere(draft, elsewhere, resource, match.id)
            if found is not None:
                found.attached.append(resource.address)
                targets.append(found)
        note = f"{resource.address} may add to this group: it names its group by GroupName {quoted(name)}"
        _possibly(index, draft, resource, targets, note)
        return True
    elif draft.live is not None and _listing_failure(draft, resource.region) is not None:
        # The live groups could not be read: it may exist, judged under its name with its rules unknown.
        found = _elsewhere(draft, elsewhere, resource, name)
        if found is not None:
            _attach(index, found, resource)
            return True
    draft.warnings.append(_unattached(index, draft, resource, _Named(f"GroupName {quoted(name)}")))
    return True


@dataclass(frozen=True)
class _Named:
    """A group named by its name, as a warning describes it."""

    text: str


def _live_named(draft: Draft, name: str, region: str | None) -> list[SecurityGroup]:
    """The live groups of that name in a default VPC (or outside any VPC: EC2-Classic), in `region` when
    the resource has one; any VPC's when the snapshot holds no VPC to tell."""
    if draft.live is None or draft.live.ec2 is None:
        return []
    ec2 = draft.live.ec2
    defaults = {vpc.id for vpc in ec2.vpcs if vpc.is_default}
    return [
        group
        for group in ec2.security_groups
        if group.name == name
        and (region is None or group.region == region)
        and (not ec2.vpcs or group.vpc_id is None or group.vpc_id in defaults)
        and ("group", group.id) not in draft.replaced
    ]


DEFAULT_GROUP_LINKS = frozenset({"default_security_group_id", "DefaultSecurityGroup"})
"""A VPC's attributes naming its default group (`aws_vpc.x.default_security_group_id`,
`!GetAtt X.DefaultSecurityGroup`), which AWS creates with the VPC: never a group of the document."""


def _default_group(link: object) -> bool:
    return isinstance(link, Ref) and link.attribute in DEFAULT_GROUP_LINKS


def _elsewhere(
    draft: Draft, elsewhere: dict[str, _Existing], resource: IacResource, group_id: str
) -> _Existing | None:
    """The group of the account the documents are laid over that a literal id names: one that exists,
    or one that may (the live groups of its region could not be read); None without `--snapshot`."""
    if group_id in elsewhere:
        return elsewhere[group_id]
    base = _existing(draft, group_id)
    if base is not None:
        found = elsewhere[group_id] = _Existing(
            base, resource.location, ingress=list(base.ingress), egress=list(base.egress)
        )
        return found
    failure = _listing_failure(draft, resource.region)
    if failure is None or ("group", group_id) in draft.replaced:
        return None
    # Its live rules are not known: stand-ins toward unknown peers, both ways, naming the failed read.
    unread = _unread_permission(f"the live rules of {group_id} are unknown: {failure}")
    base = SecurityGroup(id=group_id, name=group_id, region=resource.region or UNKNOWN_REGION)
    found = elsewhere[group_id] = _Existing(
        base, resource.location, ingress=list(unread), egress=list(unread), assumed=[UNLISTED_GROUP]
    )
    return found


def _listing_failure(draft: Draft, region: str | None) -> str | None:
    """Why the live groups of `region` (of any region, when the resource names none) are not all known
    (`--snapshot`): the failed DescribeSecurityGroups, or EC2 not collected; None when they were read."""
    live = draft.live
    if live is None:
        return None
    if live.ec2 is None or Collection.EC2 not in live.collected:
        return "the snapshot given did not collect EC2"
    failed = [
        error
        for error in live.errors_for("ec2", "DescribeSecurityGroups")
        if region is None or error.region == region
    ]
    return failed[0].describe() if failed else None


def _anywhere(
    index: _Groups,
    draft: Draft,
    resource: IacResource,
    groups: list[_Group],
    elsewhere: dict[str, _Existing],
) -> None:
    """A rule resource whose group is not determined may be any group's: every group the draft judges
    (the document's, those the change touches) gets its permissions as possible ones, toward unknown
    peers named by the resource, so that a group is UNKNOWN wherever the rule could be too broad or make
    it FAIL, never PASS, and never FAIL on it alone (`IpPermission.possible`)."""
    where = _describe(_group_link(resource))
    targets: list[_Group | _Existing] = [*groups, *elsewhere.values()]
    note = f"{resource.address} may add to this group: its group ({where}) is known only after apply"
    _possibly(index, draft, resource, targets, note, include_earlier=True)
    if draft.live is not None:
        draft.warnings.append(
            f"{resource.address}: its group ({where}) is known only after apply; it may also be a group of "
            "the live account that the change does not otherwise touch, which is not judged"
        )


def _possibly(
    index: _Groups,
    draft: Draft,
    resource: IacResource,
    targets: list[_Group | _Existing],
    note: str,
    include_earlier: bool = False,
) -> None:
    """Give each target the rule's permissions as possible ones (it is one of them, or none: not known
    which), toward one unknown peer named by the resource (and its malformed values, which make the
    rule an error wherever it lands); `include_earlier` adds them to the records of earlier documents
    of the change too."""
    label = f"{resource.address} (its group is known only after apply)"
    stand_ins: dict[str, list[IpPermission]] = {}
    for direction in _directions(resource):
        fields = _fields_of(resource.type, direction)
        permissions = _permissions(index, resource.address, resource.values, resource.address, fields)
        stand_ins[direction] = [
            IpPermission(
                protocol=permission.protocol,
                from_port=permission.from_port,
                to_port=permission.to_port,
                unknown_peers=(label,),
                malformed_peers=permission.malformed_peers,
                possible=True,
            )
            for permission in permissions
        ]
    for target in targets:
        for direction, permissions in stand_ins.items():
            target.add(direction, permissions)
        target.assumed.append(note)
    if not include_earlier:
        return
    own = {target.own for target in targets if isinstance(target, _Existing)}
    for position, record in enumerate(draft.security_groups):  # an earlier document's (one change)
        if record.id in own:
            continue  # this document adds to it: among the targets above
        draft.security_groups[position] = msgspec.structs.replace(
            record,
            ingress=(*record.ingress, *stand_ins.get(INGRESS, ())),
            egress=(*record.egress, *stand_ins.get(EGRESS, ())),
        )
        annotation = draft.annotations.get((GROUP_TYPE, record.id))
        if annotation is not None:
            annotation.assumed.append(note)


# --- deleted rule resources ---------------------------------------------------------------------------------


def _revocations(index: _Groups, draft: Draft, elsewhere: dict[str, _Existing]) -> None:
    """Each rule resource the plan deletes revokes exactly its rule (read from its `before` values) from
    the group its `before.security_group_id` names: a group of the document whose id the plan knows
    (where its state may still list the rule), else (`--snapshot`) one of the account laid over.
    Revoking only narrows a group: one not to be found is left alone."""
    for resource in index.graph.document.resources:
        if resource.type not in (TF_RULE, TF_INGRESS, TF_EGRESS) or resource.action is not Action.DELETE:
            continue
        before = resource.before or resource.values
        group_id = before.get("security_group_id")
        if not isinstance(group_id, str) or not group_id:
            continue
        address = index.by_id.get(group_id)
        group: _Group | _Existing | None = index.by_address.get(address) if address else None
        if group is None and draft.live is not None and _existing(draft, group_id) is not None:
            group = _elsewhere(draft, elsewhere, resource, group_id)
        if group is None:
            continue
        for direction in _directions(resource):
            fields = _fields_of(resource.type, direction)
            revoked = _permissions(index, group_id, before, resource.address, fields)
            permissions = group.ingress if direction == INGRESS else group.egress
            permissions[:] = _revoked(permissions, revoked, group.own, group_id)
        group.attached.append(resource.address)
        group.assumed.append(f"{resource.address}: deleted by the plan, so its rule is revoked")


_PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}
"""Protocol numbers EC2 lists by name (DescribeSecurityGroups answers `tcp`, not `6`)."""


def _revoked(
    permissions: list[IpPermission], revoked: list[IpPermission], own: str, group_id: str
) -> list[IpPermission]:
    """`permissions` without the peers of `revoked` (EC2 lists one permission per protocol and ports,
    with all of its peers: revoking one rule removes its peers from it, and the permission when none is
    left). The group itself may be named by its id or by its snapshot id (`own`)."""
    result: list[IpPermission] = []
    for permission in permissions:
        left = permission
        for gone in revoked:
            if _shape(left) == _shape(gone):
                left = _without(left, gone, own, group_id)
        if _Peers(
            list(left.ipv4_ranges),
            list(left.ipv6_ranges),
            list(left.groups),
            list(left.prefix_lists),
            list(left.unknown_peers),
        ).any:
            result.append(left)
    return result


def _without(permission: IpPermission, gone: IpPermission, own: str, group_id: str) -> IpPermission:
    """`permission` without the peers `gone` names."""
    gone_groups = {pair.group_id for pair in gone.groups}
    if group_id in gone_groups:
        gone_groups.add(own)
    return msgspec.structs.replace(
        permission,
        ipv4_ranges=tuple(r for r in permission.ipv4_ranges if r not in gone.ipv4_ranges),
        ipv6_ranges=tuple(r for r in permission.ipv6_ranges if r not in gone.ipv6_ranges),
        prefix_lists=tuple(p for p in permission.prefix_lists if p not in gone.prefix_lists),
        groups=tuple(pair for pair in permission.groups if pair.group_id not in gone_groups),
    )


def _shape(permission: IpPermission) -> tuple[str, int | None, int | None]:
    """Protocol (by name) and ports: what EC2 lists one permission per."""
    protocol = _PROTOCOL_NAMES.get(permission.protocol, permission.protocol)
    return protocol, permission.from_port, permission.to_port


def _unattached(index: _Groups, draft: Draft, resource: IacResource, link: object) -> str:
    """The warning for a rule resource whose group is nowhere to be found."""
    described = link.text if isinstance(link, _Named) else _describe(link)
    if draft.live is None:
        return (
            f"{resource.address}: its group ({described}) is not a security group of "
            f"{index.graph.document.path}; not judged (give --snapshot to judge it with the live group)"
        )
    return (
        f"{resource.address}: its group ({described}) is not a security group of "
        f"{index.graph.document.path} or of the live account (or the change deletes or replaces it); "
        "not judged"
    )


def _directions(resource: IacResource) -> tuple[str, ...]:
    """Which way the rule goes; an `aws_security_group_rule` whose `type` is unknown goes both ways."""
    if resource.type in (TF_INGRESS, CFN_INGRESS):
        return (INGRESS,)
    if resource.type in (TF_EGRESS, CFN_EGRESS):
        return (EGRESS,)
    kind = resource.values.get("type")
    return (kind,) if kind in (INGRESS, EGRESS) else (INGRESS, EGRESS)


@dataclass(frozen=True)
class _Fields:
    """Where one tool's rule keeps its protocol, ports and peers."""

    protocol: str
    from_port: str
    to_port: str
    ipv4: tuple[str, ...] = ()
    ipv6: tuple[str, ...] = ()
    prefix_lists: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    self_key: str | None = None
    owner: str | None = None


_TF_INLINE = _Fields(
    "protocol",
    "from_port",
    "to_port",
    ipv4=("cidr_blocks",),
    ipv6=("ipv6_cidr_blocks",),
    prefix_lists=("prefix_list_ids",),
    groups=("security_groups",),
    self_key="self",
)
_TF_RULE = dataclasses.replace(_TF_INLINE, groups=("source_security_group_id",))
_TF_VPC_RULE = _Fields(
    "ip_protocol",
    "from_port",
    "to_port",
    ipv4=("cidr_ipv4",),
    ipv6=("cidr_ipv6",),
    prefix_lists=("prefix_list_id",),
    groups=("referenced_security_group_id",),
)


def _cfn_fields(direction: str) -> _Fields:
    if direction == INGRESS:
        return _Fields(
            "IpProtocol",
            "FromPort",
            "ToPort",
            ipv4=("CidrIp",),
            ipv6=("CidrIpv6",),
            prefix_lists=("SourcePrefixListId",),
            groups=("SourceSecurityGroupId",),
            owner="SourceSecurityGroupOwnerId",
        )
    return _Fields(
        "IpProtocol",
        "FromPort",
        "ToPort",
        ipv4=("CidrIp",),
        ipv6=("CidrIpv6",),
        prefix_lists=("DestinationPrefixListId",),
        groups=("DestinationSecurityGroupId",),
    )


def _fields_of(resource_type: str, direction: str) -> _Fields:
    if resource_type == TF_RULE:
        return _TF_RULE
    if resource_type in (TF_INGRESS, TF_EGRESS):
        return _TF_VPC_RULE
    return _cfn_fields(direction)


# --- one rule -----------------------------------------------------------------------------------------------


def _permissions(
    index: _Groups, own: str, rule: Mapping[str, Any], where: str, fields: _Fields
) -> list[IpPermission]:
    """One rule's permission (none when it names no peer: EC2 adds nothing), or the permissions that
    stand for it when its protocol or ports are unknown or malformed."""
    peers = _peers(index, own, rule, where, fields)
    if not peers.any:
        return []
    protocol = rule.get(fields.protocol)
    if isinstance(protocol, Unknown | Ref):
        return _undetermined(peers.with_value(protocol, f"{where}.{fields.protocol}"))
    text = _protocol(protocol)
    if text is None:
        peers.malformed.append(f"{where}.{fields.protocol} ({quoted(str(protocol))})")
        return _undetermined(peers)
    if text not in PORTED:
        return [_known(text, None, None, peers)]
    low, high = rule.get(fields.from_port), rule.get(fields.to_port)
    ports = _Peers()
    for key, value in ((fields.from_port, low), (fields.to_port, high)):
        if isinstance(value, Unknown | Ref):
            ports.with_value(value, f"{where}.{key}")
        elif value is not None and _port(value) is None:
            ports.malformed.append(f"{where}.{key} ({quoted(str(value))})")
    if ports.unknown or ports.malformed:
        # The ports decide every verdict: the rule is its protocol over any ports toward any peer.
        return [
            IpPermission(
                protocol=text,
                unknown_peers=tuple(dict.fromkeys([*ports.unknown, *peers.unknown])),
                malformed_peers=tuple(dict.fromkeys([*ports.malformed, *peers.malformed])),
            )
        ]
    return [_known(text, _port(low), _port(high), peers)]


def _protocol(value: object) -> str | None:
    """The protocol as EC2 lists it (`-1` for all traffic), or None when the value is none: not text or
    a number, or a number outside -1 to 255 (an IP protocol number)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip().lower()
    if text == "all":
        return "-1"
    if text.lstrip("-").isdigit() and not -1 <= int(text) <= 255:
        return None
    return text or None


def _known(protocol: str, low: int | None, high: int | None, peers: _Peers) -> IpPermission:
    return IpPermission(
        protocol=protocol,
        from_port=low,
        to_port=high,
        ipv4_ranges=tuple(peers.ipv4),
        ipv6_ranges=tuple(peers.ipv6),
        groups=tuple(peers.groups),
        prefix_lists=tuple(peers.prefix_lists),
        unknown_peers=tuple(dict.fromkeys(peers.unknown)),
        malformed_peers=tuple(dict.fromkeys(peers.malformed)),
    )


def _unread_permission(why: str) -> list[IpPermission]:
    """Stand-ins for live rules that could not be read: all traffic, and TCP over every port."""
    return [
        IpPermission(protocol="-1", unread_peers=(why,)),
        IpPermission(protocol="tcp", unread_peers=(why,)),
    ]


def _undetermined(peers: _Peers) -> list[IpPermission]:
    """Stand-ins for a rule of which nothing is known (its protocol unknown or malformed, or the rule
    itself): all traffic, and TCP over every port, toward its unknown and malformed peers only."""
    unknown = tuple(dict.fromkeys(peers.unknown))
    malformed = tuple(dict.fromkeys(peers.malformed))
    return [
        IpPermission(protocol="-1", unknown_peers=unknown, malformed_peers=malformed),
        IpPermission(protocol="tcp", unknown_peers=unknown, malformed_peers=malformed),
    ]


def _unknown_permission(value: object, where: str) -> list[IpPermission]:
    """Stand-ins for a rule, or a list of rules, that is `value`: unknown, or malformed."""
    return _undetermined(_Peers().with_value(value, where))


PORT_RANGE = range(-1, 65536)
"""What a port (or ICMP type or code) may be: -1 (every ICMP type or code) to 65535."""


def _port(value: object) -> int | None:
    """A port (or ICMP type or code) as a plan (a number) or a template (a number or its text) writes it;
    None for anything else (a value that is no integer, or one outside -1 to 65535)."""
    if isinstance(value, bool):
        return None
    number: int | None = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value.strip()) <= 6:
        number = int(value.strip())
    return number if number is not None and number in PORT_RANGE else None


def _cidr(value: str, version: int) -> bool:
    """Whether `value` is a CIDR of IP `version` (host bits may be set: EC2 reads the network)."""
    try:
        return ipaddress.ip_network(value.strip(), strict=False).version == version
    except ValueError:
        return False


def _peers(index: _Groups, own: str, rule: Mapping[str, Any], where: str, fields: _Fields) -> _Peers:
    """The rule's peers: literal ones by kind, links to groups of the document as those groups, every
    value left to deployment (unknown, a link to anything else) as an unknown peer, and every value that
    is none (not text, a CIDR that does not parse) as a malformed peer."""
    peers = _Peers()
    for keys, known, version in ((fields.ipv4, peers.ipv4, 4), (fields.ipv6, peers.ipv6, 6)):
        for key in keys:
            for item in _items(rule.get(key)):
                if isinstance(item, str) and _cidr(item, version):
                    known.append(item)
                else:
                    peers.with_value(item, f"{where}.{key}")
    for key in fields.prefix_lists:
        for item in _items(rule.get(key)):
            if isinstance(item, str):
                peers.prefix_lists.append(item)
            else:
                peers.with_value(item, f"{where}.{key}")
    owner = rule.get(fields.owner) if fields.owner else None
    for key in fields.groups:
        for item in _items(rule.get(key)):
            address = index.linked(item)
            if address is not None:
                peers.groups.append(GroupPair(group_id=address))
            elif isinstance(item, str):
                peers.groups.append(
                    GroupPair(group_id=item, user_id=owner if isinstance(owner, str) else None)
                )
            else:
                peers.with_value(item, f"{where}.{key}")
    if fields.self_key:
        itself = rule.get(fields.self_key)
        if itself is True:
            peers.groups.append(GroupPair(group_id=own))
        elif itself not in (None, False):
            peers.with_value(itself, f"{where}.{fields.self_key}")
    return peers


def _items(value: object) -> list[object]:
    """A field's values: a single value or a list (an empty text is no value)."""
    if value is None:
        return []
    items = list(value) if isinstance(value, list | tuple) else [value]
    return [item for item in items if item != ""]


def _name(value: object) -> str:
    """The attribute an unknown value stands in."""
    if isinstance(value, Ref):
        return value.at
    if isinstance(value, Unknown):
        return value.attribute
    return quoted(str(value))


def _describe(link: object) -> str:
    if isinstance(link, Ref):
        return f"{link.address}.{link.attribute}" if link.attribute else link.address
    if isinstance(link, Unknown):
        return link.describe()
    return quoted(link) if isinstance(link, str) else "not given"
