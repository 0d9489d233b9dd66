"""Security group permissions as rules: protocol, ports, peer, and what kind of address space the peer is.

Every `IpPermission` is normalised into one `NetRule` per peer. The address classes:
- **internet**: any address space that is not private or reserved (0.0.0.0/0, ::/0, public CIDRs);
- **world-open**: 0.0.0.0/0, ::/0, or an internet CIDR wider than /8 (IPv4) or /32 (IPv6).
Group references are never internet: they name resources, not address space. A managed prefix list
is the CIDRs it holds: each entry becomes a rule of its own, classified like any CIDR (a
customer-managed list may hold 0.0.0.0/0). A prefix list whose entries are not known stays one rule
with a `PREFIX_LIST` peer marked `entries_unknown`, which the rules judge as UNKNOWN rather than
guess; an empty list stays one rule with a `PREFIX_LIST` peer too, which allows nothing but is still
an inbound rule (the default group must have none). A peer that an infrastructure plan leaves to
deployment (`IpPermission.unknown_peers`) is an `UNRESOLVED` peer, also `entries_unknown`: it may be
any address or group, and the rules judge it as they judge a prefix list of unknown entries; so is a
peer, port or protocol that a document gives malformed (`IpPermission.malformed_peers`: `malformed`).
The peers of a permission that may not be the group's at all (`IpPermission.possible`: a rule resource
whose group is known only after apply) are `possible`: the rules never FAIL a group on them.
Each rule keeps its `Origin`, the snapshot permission it comes from, so that a finding can name the
exact permission that revokes it; where a rule comes from never changes what it is.

Protocols follow EC2: `-1` is all traffic (no ports); tcp/udp carry a port range; icmp/icmpv6 carry
a type and code, not ports; any other protocol number allows the whole protocol, whatever the ports
say. Pure functions; CIDR parsing and classification are cached, as a large account repeats the
same few CIDRs many times.
"""

from __future__ import annotations

import enum
import functools
import ipaddress
from collections.abc import Iterator, Mapping
from types import MappingProxyType

import msgspec

from cloudwarden.snapshot import IpPermission

ALL = "all"
PROTOCOL_NAMES = {"-1": ALL, "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
PORTED = frozenset({"tcp", "udp"})
ICMP = frozenset({"icmp", "icmpv6"})
FULL_RANGE = (0, 65535)

NOT_INTERNET_V4 = tuple(
    ipaddress.collapse_addresses(
        ipaddress.IPv4Network(block)
        for block in (
            "0.0.0.0/8",
            "10.0.0.0/8",
            "100.64.0.0/10",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "172.16.0.0/12",
            "192.0.0.0/24",
            "192.0.2.0/24",
            "192.168.0.0/16",
            "198.18.0.0/15",
            "198.51.100.0/24",
            "203.0.113.0/24",
            "224.0.0.0/4",
            "240.0.0.0/4",
        )
    )
)
NOT_INTERNET_V6 = tuple(
    ipaddress.collapse_addresses(
        ipaddress.IPv6Network(block)
        for block in ("::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8", "2001:db8::/32", "100::/64")
    )
)
"""Private and reserved space, merged so that a range spanning adjacent blocks is seen as reserved."""
_WORLD_PREFIX = {4: 8, 6: 32}


class PeerKind(enum.StrEnum):
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    GROUP = "group"
    PREFIX_LIST = "prefix_list"
    UNRESOLVED = "unresolved"
    """Known only after apply (`iac`): `value` names the attribute that will hold it."""


class Direction(enum.StrEnum):
    INGRESS = "ingress"
    EGRESS = "egress"


class Peer(msgspec.Struct, frozen=True, gc=False):
    """The source (ingress) or destination (egress) of a rule.

    A known prefix list's entries are IPV4 and IPV6 peers that name the list in `prefix_list`; a
    `PREFIX_LIST` peer is a list whose entries are unknown (`entries_unknown`) or that is empty."""

    kind: PeerKind
    value: str
    internet: bool = False
    world_open: bool = False
    self_reference: bool = False
    other_account: str | None = None
    peering: str | None = None
    prefix_list: str | None = None
    entries_unknown: bool = False
    failed_read: bool = False
    """An `UNRESOLVED` peer unknown because a read failed (`IpPermission.unread_peers`), not because
    a plan leaves it to apply: `value` names the failed read."""
    malformed: bool = False
    """An `UNRESOLVED` peer unknown because the document gives a value that is no such value
    (`IpPermission.malformed_peers`): `value` names the attribute and the value."""
    possible: bool = False
    """The peer of a rule that may not be this group's (`IpPermission.possible`)."""

    def describe(self) -> str:
        if self.kind is PeerKind.GROUP:
            if self.self_reference:
                return f"{self.value} (this group)"
            extra = [f"account {self.other_account}"] if self.other_account else []
            extra += [f"peered via {self.peering}"] if self.peering else []
            return f"{self.value}" + (f" ({', '.join(extra)})" if extra else "")
        if self.kind is PeerKind.UNRESOLVED:
            if self.failed_read:
                return self.value
            return f"{self.value} ({'malformed' if self.malformed else 'known only after apply'})"
        if self.kind is PeerKind.PREFIX_LIST:
            return f"prefix list {self.value} ({'entries unknown' if self.entries_unknown else 'empty'})"
        if self.prefix_list is not None:
            return f"{self.value} (in prefix list {self.prefix_list})"
        return self.value


class Origin(msgspec.Struct, frozen=True, gc=False):
    """The snapshot permission a rule comes from (one object shared by the rules of its peers).

    Every origin equals every other and hashes alike: two rules that allow the same are the same rule,
    wherever they come from, for the rules' comparisons and caches (a cache may hand back a rule of an
    equal permission of another group: its origin says the same)."""

    permission: IpPermission | None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Origin)

    def __hash__(self) -> int:
        return 0


UNKNOWN_ORIGIN = Origin(None)
"""The origin of a rule made by hand (tests, a rule built to ask "what if"): none to revoke."""


class NetRule(msgspec.Struct, frozen=True, gc=False):
    direction: Direction
    protocol: str
    """"all", "tcp", "udp", "icmp", "icmpv6", or another protocol's number."""
    ports: tuple[int, int] | None
    """The port range for tcp and udp; None for every other protocol."""
    icmp: tuple[int, int] | None
    """ICMP type and code (-1: any) for icmp and icmpv6."""
    peer: Peer
    origin: Origin = UNKNOWN_ORIGIN
    """Where the rule comes from; never part of what it is (see `Origin`)."""

    @property
    def all_traffic(self) -> bool:
        return self.protocol == ALL

    @property
    def all_ports(self) -> bool:
        """All protocols, every port of tcp or udp (0 or 1 to 65535: port 0 is never served), or a
        whole non-ported, non-ICMP protocol."""
        if self.protocol in PORTED:
            return self.ports is not None and self.ports[0] <= 1 and self.ports[1] == FULL_RANGE[1]
        return self.protocol not in ICMP

    @property
    def port_span(self) -> int | None:
        """How many ports a tcp/udp rule opens (None for other protocols)."""
        return None if self.ports is None else self.ports[1] - self.ports[0] + 1

    def describe(self) -> str:
        """The rule in the console's words: type, protocol, port range, and source or destination."""
        return _describe(self)


@functools.lru_cache(maxsize=65536)
def _describe(rule: NetRule) -> str:
    """Cached: a large account repeats the same rules, and every finding quotes them."""
    if rule.all_traffic:
        what = "All traffic"
    elif rule.protocol in PORTED:
        low, high = rule.ports or FULL_RANGE
        ports = "all ports" if (low, high) == FULL_RANGE else str(low) if low == high else f"{low}-{high}"
        what = f"{rule.protocol.upper()} {ports}"
    elif rule.protocol in ICMP:
        kind, code = rule.icmp or (-1, -1)
        what = ("ICMPv6 " if rule.protocol == "icmpv6" else "ICMP ") + (
            "all" if kind == -1 else f"type {kind}" + ("" if code == -1 else f" code {code}")
        )
    else:
        what = f"protocol {rule.protocol} (all of it)"
    preposition = "from" if rule.direction is Direction.INGRESS else "to"
    return f"{what} {preposition} {rule.peer.describe()}"


def protocol_name(raw: str) -> str:
    text = raw.strip().lower()
    return PROTOCOL_NAMES.get(text, text)


def _bounds(
    blocks: tuple[ipaddress.IPv4Network, ...] | tuple[ipaddress.IPv6Network, ...],
) -> tuple[tuple[int, int], ...]:
    return tuple((int(block.network_address), int(block.broadcast_address)) for block in blocks)


_NOT_INTERNET_BOUNDS = {4: _bounds(NOT_INTERNET_V4), 6: _bounds(NOT_INTERNET_V6)}
"""First and last address of each private or reserved block, as integers, by IP version."""


def is_not_internet(first: int, last: int, version: int) -> bool:
    """Whether the addresses `first` to `last` lie inside one private or reserved block."""
    return any(low <= first and last <= high for low, high in _NOT_INTERNET_BOUNDS[version])


@functools.lru_cache(maxsize=65536)
def classify_cidr(cidr: str) -> tuple[bool, bool]:
    """(internet, world_open) for a CIDR. An unparseable CIDR counts as both: never silently safe."""
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return True, True
    first = int(network.network_address)
    internet = not is_not_internet(first, first | int(network.hostmask), network.version)
    world_open = internet and network.prefixlen < _WORLD_PREFIX[network.version]
    return internet, world_open


@functools.lru_cache(maxsize=65536)
def _cidr_peer(kind: PeerKind, cidr: str, prefix_list: str | None = None) -> Peer:
    internet, world = classify_cidr(cidr)
    return Peer(kind, cidr, internet=internet, world_open=world, prefix_list=prefix_list)


PrefixLists = Mapping[str, tuple[str, ...]]
"""The entries (CIDRs) of the prefix lists whose entries are known, by prefix list id."""


Shape = tuple[str, tuple[int, int] | None, tuple[int, int] | None]
"""Protocol name, port range (tcp, udp) and ICMP type and code (icmp, icmpv6) of a permission."""


@functools.lru_cache(maxsize=4096)
def _shape(raw_protocol: str, low: int | None, high: int | None) -> Shape:
    """A permission's protocol and ranges; cached, as groups repeat the same few of them."""
    protocol = protocol_name(raw_protocol)
    if protocol in PORTED:
        if low is None or high is None or low < 0 or high < 0:
            return protocol, FULL_RANGE, None
        return protocol, (min(low, high), max(low, high)), None
    if protocol in ICMP:
        return protocol, None, (-1 if low is None else low, -1 if high is None else high)
    return protocol, None, None


def _normalised(
    permission: IpPermission,
    direction: Direction,
    group_id: str,
    owner_id: str | None,
    prefix_lists: PrefixLists,
) -> list[NetRule]:
    protocol, ports, icmp = _shape(permission.protocol, permission.from_port, permission.to_port)
    origin = Origin(permission)
    peers: list[Peer] = [_cidr_peer(PeerKind.IPV4, cidr) for cidr in permission.ipv4_ranges]
    peers.extend(_cidr_peer(PeerKind.IPV6, cidr) for cidr in permission.ipv6_ranges)
    for pair in permission.groups:
        other = pair.user_id if pair.user_id and owner_id and pair.user_id != owner_id else None
        peers.append(
            Peer(
                PeerKind.GROUP,
                pair.group_id,
                self_reference=pair.group_id == group_id and other is None,
                other_account=other,
                peering=pair.vpc_peering_connection_id,
            )
        )
    for prefix_list in permission.prefix_lists:
        entries = prefix_lists.get(prefix_list)
        if not entries:
            peers.append(Peer(PeerKind.PREFIX_LIST, prefix_list, entries_unknown=entries is None))
            continue
        peers.extend(
            _cidr_peer(PeerKind.IPV6 if ":" in cidr else PeerKind.IPV4, cidr, prefix_list) for cidr in entries
        )
    peers.extend(Peer(PeerKind.UNRESOLVED, name, entries_unknown=True) for name in permission.unknown_peers)
    peers.extend(
        Peer(PeerKind.UNRESOLVED, name, entries_unknown=True, failed_read=True)
        for name in permission.unread_peers
    )
    peers.extend(
        Peer(PeerKind.UNRESOLVED, name, entries_unknown=True, malformed=True)
        for name in permission.malformed_peers
    )
    if permission.possible:
        peers = [msgspec.structs.replace(peer, possible=True) for peer in peers]
    return [NetRule(direction, protocol, ports, icmp, peer, origin) for peer in peers]


_NO_PREFIX_LISTS: PrefixLists = MappingProxyType({})


def normalise(
    permission: IpPermission,
    direction: Direction,
    group_id: str,
    owner_id: str | None,
    prefix_lists: PrefixLists = _NO_PREFIX_LISTS,
) -> Iterator[NetRule]:
    """One NetRule per peer of the permission (per entry of each prefix list whose entries are known)."""
    return iter(_normalised(permission, direction, group_id, owner_id, prefix_lists))


@functools.lru_cache(maxsize=65536)
def _address_rules(permission: IpPermission, direction: Direction) -> tuple[NetRule, ...]:
    """The rules of a permission of CIDRs only do not depend on its group or account: cached."""
    return tuple(_normalised(permission, direction, "", None, _NO_PREFIX_LISTS))


def rules_of(
    permissions: tuple[IpPermission, ...],
    direction: Direction,
    group_id: str,
    owner_id: str | None,
    prefix_lists: PrefixLists = _NO_PREFIX_LISTS,
) -> list[NetRule]:
    """The rules of a group's permissions; `prefix_lists` holds the entries of the lists of its region."""
    rules: list[NetRule] = []
    for permission in permissions:
        if (
            permission.groups
            or permission.prefix_lists
            or permission.unknown_peers
            or permission.unread_peers
            or permission.malformed_peers
            or permission.possible
        ):
            rules.extend(_normalised(permission, direction, group_id, owner_id, prefix_lists))
        else:
            rules.extend(_address_rules(permission, direction))
    return rules
