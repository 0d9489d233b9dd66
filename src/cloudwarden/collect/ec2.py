"""EC2 networking: security groups, network interfaces, VPCs, and the prefix lists rules refer to.

One complete source per resource type, paginated, every region at once: `DescribeSecurityGroups`
carries every rule, so `DescribeSecurityGroupRules` is never called as well.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor, Future
from typing import Any

from cloudwarden.collect.context import MALFORMED_ANSWER, AccountContext
from cloudwarden.snapshot import (
    Ec2Data,
    GroupPair,
    IpPermission,
    NetworkInterface,
    PrefixList,
    SecurityGroup,
    Vpc,
)

SERVICE = "ec2"


def collect_ec2(context: AccountContext, pool: Executor, regions: tuple[str, ...]) -> Ec2Data:
    groups: dict[str, Future[list[SecurityGroup] | None]] = {}
    interfaces: dict[str, Future[list[NetworkInterface] | None]] = {}
    vpcs: dict[str, Future[list[Vpc] | None]] = {}
    for region in regions:
        groups[region] = pool.submit(
            context.attempt, SERVICE, "DescribeSecurityGroups", region, lambda r=region: _groups(context, r)
        )
        interfaces[region] = pool.submit(
            context.attempt,
            SERVICE,
            "DescribeNetworkInterfaces",
            region,
            lambda r=region: _interfaces(context, r),
        )
        vpcs[region] = pool.submit(
            context.attempt, SERVICE, "DescribeVpcs", region, lambda r=region: _vpcs(context, r)
        )
    all_groups = [group for future in groups.values() for group in future.result() or []]
    referenced: dict[str, set[str]] = {}
    for group in all_groups:
        for permission in (*group.ingress, *group.egress):
            referenced.setdefault(group.region, set()).update(permission.prefix_lists)
    prefix_lists = [
        pool.submit(
            context.attempt,
            SERVICE,
            "DescribeManagedPrefixLists",
            region,
            _prefix_list_reader(context, region, sorted(ids)),
        )
        for region, ids in referenced.items()
        if ids
    ]
    return Ec2Data(
        security_groups=tuple(all_groups),
        network_interfaces=tuple(i for future in interfaces.values() for i in future.result() or []),
        vpcs=tuple(vpc for future in vpcs.values() for vpc in future.result() or []),
        prefix_lists=tuple(pl for future in prefix_lists for pl in future.result() or []),
    )


def _pages(
    context: AccountContext, region: str, operation: str, key: str, **parameters: Any
) -> Iterator[Any]:
    """The items of every page, one page held at a time: each page is dropped once turned into records."""
    paginator = context.session.client(SERVICE, region).get_paginator(operation)
    for page in paginator.paginate(**parameters):
        yield from page.get(key, [])


def _permission(raw: dict[str, Any]) -> IpPermission:
    return IpPermission(
        protocol=str(raw.get("IpProtocol", "-1")),
        from_port=raw.get("FromPort"),
        to_port=raw.get("ToPort"),
        ipv4_ranges=tuple(str(entry["CidrIp"]) for entry in raw.get("IpRanges", []) if "CidrIp" in entry),
        ipv6_ranges=tuple(
            str(entry["CidrIpv6"]) for entry in raw.get("Ipv6Ranges", []) if "CidrIpv6" in entry
        ),
        groups=tuple(
            GroupPair(
                group_id=str(pair.get("GroupId", "")),
                user_id=pair.get("UserId"),
                vpc_id=pair.get("VpcId"),
                vpc_peering_connection_id=pair.get("VpcPeeringConnectionId"),
            )
            for pair in raw.get("UserIdGroupPairs", [])
        ),
        prefix_lists=tuple(
            str(entry["PrefixListId"]) for entry in raw.get("PrefixListIds", []) if "PrefixListId" in entry
        ),
    )


def _tags(raw: list[dict[str, Any]] | None) -> dict[str, str]:
    return {str(tag["Key"]): str(tag.get("Value", "")) for tag in raw or [] if "Key" in tag}


def _groups(context: AccountContext, region: str) -> list[SecurityGroup]:
    return [
        SecurityGroup(
            id=str(group["GroupId"]),
            name=str(group.get("GroupName", "")),
            region=region,
            vpc_id=group.get("VpcId"),
            owner_id=group.get("OwnerId"),
            description=group.get("Description"),
            tags=_tags(group.get("Tags")),
            ingress=tuple(_permission(p) for p in group.get("IpPermissions", [])),
            egress=tuple(_permission(p) for p in group.get("IpPermissionsEgress", [])),
        )
        for group in _pages(context, region, "describe_security_groups", "SecurityGroups")
    ]


def _interfaces(context: AccountContext, region: str) -> list[NetworkInterface]:
    result = []
    for interface in _pages(context, region, "describe_network_interfaces", "NetworkInterfaces"):
        attachment = interface.get("Attachment") or {}
        result.append(
            NetworkInterface(
                id=str(interface["NetworkInterfaceId"]),
                region=region,
                group_ids=tuple(str(group["GroupId"]) for group in interface.get("Groups", [])),
                vpc_id=interface.get("VpcId"),
                interface_type=interface.get("InterfaceType"),
                public_ips=tuple(
                    str(ip)
                    for ip in (
                        (interface.get("Association") or {}).get("PublicIp"),
                        *(entry.get("Ipv6Address") for entry in interface.get("Ipv6Addresses", [])),
                    )
                    if ip
                ),
                attached_to=attachment.get("InstanceId") or interface.get("RequesterId") or None,
                description=interface.get("Description") or None,
            )
        )
    return result


def _vpcs(context: AccountContext, region: str) -> list[Vpc]:
    return [
        Vpc(
            id=str(vpc["VpcId"]),
            region=region,
            cidrs=tuple(str(entry["CidrBlock"]) for entry in vpc.get("CidrBlockAssociationSet", []))
            or ((str(vpc["CidrBlock"]),) if vpc.get("CidrBlock") else ()),
            ipv6_cidrs=tuple(
                str(entry["Ipv6CidrBlock"])
                for entry in vpc.get("Ipv6CidrBlockAssociationSet", [])
                if "Ipv6CidrBlock" in entry
            ),
            is_default=bool(vpc.get("IsDefault", False)),
        )
        for vpc in _pages(context, region, "describe_vpcs", "Vpcs")
    ]


def _prefix_list_reader(
    context: AccountContext, region: str, ids: list[str]
) -> Callable[[], list[PrefixList]]:
    return lambda: _prefix_lists(context, region, ids)


def _prefix_lists(context: AccountContext, region: str, ids: list[str]) -> list[PrefixList]:
    """The prefix lists of `ids`, each with its entries (None where they could not be read).

    A rule that names a prefix list allows every CIDR in it: a customer-managed list may hold
    0.0.0.0/0, so the entries are read, one paginated call per list."""
    described = list(
        _pages(context, region, "describe_managed_prefix_lists", "PrefixLists", PrefixListIds=ids)
    )
    return [
        PrefixList(
            id=str(entry["PrefixListId"]),
            region=region,
            name=entry.get("PrefixListName"),
            owner_id=entry.get("OwnerId"),
            entries=context.attempt(
                SERVICE,
                "GetManagedPrefixListEntries",
                region,
                _entries_reader(context, region, str(entry["PrefixListId"])),
                resource=str(entry["PrefixListId"]),
            ),
        )
        for entry in described
    ]


def _entries_reader(
    context: AccountContext, region: str, prefix_list: str
) -> Callable[[], tuple[str, ...] | None]:
    return lambda: _entries(context, region, prefix_list)


def _entries(context: AccountContext, region: str, prefix_list: str) -> tuple[str, ...] | None:
    """The CIDRs of a prefix list; None (its rules UNKNOWN) if an entry is malformed."""
    pages = _pages(context, region, "get_managed_prefix_list_entries", "Entries", PrefixListId=prefix_list)
    try:
        return prefix_list_cidrs(pages)
    except ValueError as error:
        context.record(
            SERVICE, "GetManagedPrefixListEntries", region, MALFORMED_ANSWER, str(error), prefix_list
        )
        return None


def prefix_list_cidrs(entries: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """The CIDRs of GetManagedPrefixListEntries' entries. An entry without one is an error, not
    skipped: a shorter list could pass where the whole one fails."""
    cidrs = []
    for entry in entries:
        cidr = entry.get("Cidr")
        if not isinstance(cidr, str):
            raise ValueError(f"a prefix list entry has no CIDR: {dict(entry)!r}")
        cidrs.append(cidr)
    return tuple(cidrs)
