"""Is the resource still as expected? A fresh read of a remedy's state compared with its `before` (before
applying) or its `after` (before rolling back). Pure functions of the read's answer.

Each `State` documents its shape (`cloudwarden.remedy`). A read that fails with the error meaning
"none" (no bucket policy, no Block Public Access configuration) is that state's empty value; one that
says the resource is gone (the group, the zone, the user, the bucket) means it no longer matches; any
other failed read means the state is not known: the change is not made (`Unread`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import msgspec

from cloudwarden.remedy import Call, State

_EMPTY_STATE = {
    State.BUCKET_POLICY: "NoSuchBucketPolicy",
    State.BUCKET_PUBLIC_ACCESS_BLOCK: "NoSuchPublicAccessBlockConfiguration",
}
"""The error a read of this state gives when there is none: the state is then None."""

_GONE = frozenset(
    {"NoSuchBucket", "InvalidGroup.NotFound", "InvalidGroupId.Malformed", "NoSuchHostedZone", "NoSuchEntity"}
)
"""Errors that say the resource itself no longer exists: it does not match what the scan saw."""

_PUBLIC_ACCESS_SETTINGS = (
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
)


class Unread(Exception):
    """The state could not be read (denied, an error, an answer that does not parse)."""


def observed(state: State, answer: dict[str, Any] | None, error_code: str | None) -> dict[str, Any] | None:
    """The state a read shows, in the shape of `before`/`after` for the kinds read whole (None for a
    resource that is gone); raw answers for the others. Raises Unread for a failed read."""
    if error_code is not None:
        if _EMPTY_STATE.get(state) == error_code:
            key = "policy" if state is State.BUCKET_POLICY else "configuration"
            return {key: None}
        if error_code in _GONE:
            return None
        raise Unread(error_code)
    return answer


def mismatch(state: State, expected: dict[str, Any], seen: dict[str, Any] | None) -> str | None:
    """Why `seen` (from `observed`) does not match `expected`; None when it does."""
    if seen is None:
        return "the resource no longer exists"
    try:
        return _COMPARE[state](expected, seen)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as error:
        raise Unread(f"the answer could not be read ({type(error).__name__}: {error})") from error


def _bucket_policy(expected: dict[str, Any], seen: dict[str, Any]) -> str | None:
    current = seen["policy"] if "policy" in seen else json.loads(seen["Policy"])
    if current == expected["policy"]:
        return None
    return (
        "the bucket policy changed since the scan" if current is not None else "the bucket has no policy now"
    )


def _grant_key(grant: dict[str, Any]) -> tuple[str, str, str]:
    grantee = grant.get("Grantee", {})
    who = grantee.get("ID") or grantee.get("URI") or grantee.get("EmailAddress") or ""
    return (str(grantee.get("Type", "")), str(who), str(grant.get("Permission", "")))


def _bucket_acl(expected: dict[str, Any], seen: dict[str, Any]) -> str | None:
    owner = seen.get("Owner", {}).get("ID")
    if owner != expected["owner"]:
        return "the bucket's owner changed since the scan"
    if Counter(map(_grant_key, seen.get("Grants", []))) != Counter(map(_grant_key, expected["grants"])):
        return "the bucket's ACL changed since the scan"
    return None


def _public_access_block(expected: dict[str, Any], seen: dict[str, Any]) -> str | None:
    current = seen["configuration"] if "configuration" in seen else seen["PublicAccessBlockConfiguration"]
    wanted = expected["configuration"]
    if (current is None) != (wanted is None):
        return "the bucket's Block Public Access configuration changed since the scan"
    if current is not None and any(
        bool(current.get(name, False)) != bool(wanted.get(name, False)) for name in _PUBLIC_ACCESS_SETTINGS
    ):
        return "the bucket's Block Public Access settings changed since the scan"
    return None


def _single_peers(permission: dict[str, Any]) -> list[dict[str, Any]]:
    """A permission split into one permission per peer (the form remedies name them in)."""
    return [single for single, _ in _peers_of(permission)]


def _peers_of(permission: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Each peer of a permission: as a permission of that one peer, and as the answer gives it."""
    base: dict[str, Any] = {
        key: permission[key] for key in ("IpProtocol", "FromPort", "ToPort") if key in permission
    }
    for field, (identity, *optional) in _PEER_KEYS.items():
        for peer in permission.get(field, []):
            named = {identity: peer[identity], **{key: peer[key] for key in optional if key in peer}}
            yield {**base, field: [named]}, peer


_PEER_KEYS = {
    "IpRanges": ("CidrIp",),
    "Ipv6Ranges": ("CidrIpv6",),
    "UserIdGroupPairs": ("GroupId", "UserId"),
    "PrefixListIds": ("PrefixListId",),
}
"""What identifies a peer, the first key always there (descriptions, peering states and VPC ids do
not): a peer without it is an answer that cannot be read, never a peer that matches nothing."""


def _comparable(permission: dict[str, Any]) -> str:
    single = _single_peers(permission)
    if len(single) != 1:
        raise ValueError("a permission of a remedy names one peer")
    return _canonical_permission(single[0])


def _canonical_permission(permission: dict[str, Any]) -> str:
    protocol = str(permission.get("IpProtocol"))
    normalised = {**permission, "IpProtocol": _PROTOCOL_NAMES.get(protocol, protocol)}
    if normalised["IpProtocol"] == "-1":
        normalised.pop("FromPort", None)
        normalised.pop("ToPort", None)
    if "UserIdGroupPairs" in normalised:  # EC2 fills in the owner of a group named by id alone
        normalised["UserIdGroupPairs"] = [
            {"GroupId": pair.get("GroupId")} for pair in normalised["UserIdGroupPairs"]
        ]
    return json.dumps(normalised, sort_keys=True)


_PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}


def _security_group_rules(expected: dict[str, Any], seen: dict[str, Any]) -> str | None:
    groups = seen.get("SecurityGroups", [])
    if len(groups) != 1:
        return "the security group no longer exists"
    field = "IpPermissions" if expected["direction"] == "ingress" else "IpPermissionsEgress"
    current = {
        _canonical_permission(peer)
        for permission in groups[0].get(field, [])
        for peer in _single_peers(permission)
    }
    missing = [p for p in expected.get("present", []) if _comparable(p) not in current]
    if missing:
        return f"{len(missing)} of the rules to revoke are no longer in the group"
    back = [p for p in expected.get("absent", []) if _comparable(p) in current]
    if back:
        return f"{len(back)} of the revoked rules are back in the group"
    return None


_AUTHORIZED_FIELD = {
    "AuthorizeSecurityGroupIngress": "IpPermissions",
    "AuthorizeSecurityGroupEgress": "IpPermissionsEgress",
}


def with_descriptions(calls: tuple[Call, ...], seen: Any) -> tuple[Call, ...]:
    """`calls` whose security-group rules, authorised again by a rollback, carry the descriptions they
    had in `seen`: the group as read just before the change was made (the journal keeps that read).
    The scan does not keep descriptions, so a rule restored from the plan alone would come back
    without its own. A rule `seen` does not show, or shows without a description, is left as it is;
    other calls, and any call when `seen` is not one group's DescribeSecurityGroups answer, too."""
    groups = seen.get("SecurityGroups") if isinstance(seen, dict) else None
    if not (isinstance(groups, list) and len(groups) == 1 and isinstance(groups[0], dict)):
        return calls
    try:
        return tuple(_described(call, groups[0]) for call in calls)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError):
        return calls  # an answer (or a journal) that cannot be read: the rules as planned


def _described(call: Call, group: dict[str, Any]) -> Call:
    field = _AUTHORIZED_FIELD.get(call.operation)
    permissions = call.parameters.get("IpPermissions")
    if call.service != "ec2" or field is None or not isinstance(permissions, list):
        return call
    descriptions = {
        _canonical_permission(single): peer["Description"]
        for permission in group.get(field, [])
        for single, peer in _peers_of(permission)
        if isinstance(peer.get("Description"), str) and peer["Description"]
    }
    described: list[Any] = []
    for permission in permissions:
        peers = list(_peers_of(permission))
        description = descriptions.get(_canonical_permission(peers[0][0])) if len(peers) == 1 else None
        if description is None or "Description" in peers[0][1]:
            described.append(permission)
            continue
        peer_field = next(name for name in _PEER_KEYS if permission.get(name))
        described.append({**permission, peer_field: [{**peers[0][1], "Description": description}]})
    return msgspec.structs.replace(call, parameters={**call.parameters, "IpPermissions": described})


def _same_name(left: str, right: str) -> bool:
    return left.rstrip(".").lower() == right.rstrip(".").lower()


def _record_key(record: dict[str, Any]) -> tuple[str, str | None]:
    return (str(record["Type"]), record.get("SetIdentifier"))


def _record_set(expected: dict[str, Any], seen: dict[str, Any]) -> str | None:
    wanted = expected.get("present") or expected.get("absent")
    if wanted is None:
        raise ValueError("a record-set state names a record")
    listed = [
        record
        for record in seen.get("ResourceRecordSets", [])
        if _same_name(str(record["Name"]), str(wanted["Name"])) and _record_key(record) == _record_key(wanted)
    ]
    if expected.get("present") is not None:
        if not listed:
            return "the record set no longer exists"
        if listed[0] != wanted:
            return "the record set changed since the scan"
        return None
    return "a record set of that name and type exists again" if listed else None


def _access_key(expected: dict[str, Any], seen: dict[str, Any]) -> str | None:
    keys = [
        key
        for key in seen.get("AccessKeyMetadata", [])
        if key.get("AccessKeyId") == expected["access_key_id"]
    ]
    if not keys:
        return "the access key no longer exists"
    if keys[0].get("Status") != expected["status"]:
        return f"the access key is {keys[0].get('Status')} now, not {expected['status']}"
    return None


_COMPARE: dict[State, Callable[[dict[str, Any], dict[str, Any]], str | None]] = {
    State.BUCKET_POLICY: _bucket_policy,
    State.BUCKET_ACL: _bucket_acl,
    State.BUCKET_PUBLIC_ACCESS_BLOCK: _public_access_block,
    State.SECURITY_GROUP_RULES: _security_group_rules,
    State.RECORD_SET: _record_set,
    State.ACCESS_KEY: _access_key,
}
