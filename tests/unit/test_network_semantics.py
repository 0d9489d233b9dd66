"""Security group permissions as rules: protocols, ports, peers and address classes, table by table.

The reference is EC2's API (IpPermission): `-1` is all traffic; tcp, udp, icmp and icmpv6 have
names or numbers (6, 17, 1, 58); for tcp and udp FromPort/ToPort are a port range, for icmp and
icmpv6 they are the ICMP type and code (-1: any); any other protocol number allows the whole
protocol, whatever ports are given. An address is "internet" unless the whole range is private or
reserved, and "world-open" when it is 0.0.0.0/0, ::/0 or an internet range wider than /8 (IPv4)
or /32 (IPv6). A managed prefix list whose entries are known is those CIDRs, one rule per entry
naming the list; one whose entries are unknown stays a single prefix-list peer.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudwarden.semantics.network import (
    Direction,
    NetRule,
    Peer,
    PeerKind,
    PrefixLists,
    classify_cidr,
    normalise,
    protocol_name,
    rules_of,
)
from cloudwarden.snapshot import GroupPair, IpPermission
from tests.properties import PROPERTY_EXAMPLES

OWNER = "111122223333"
OTHER_ACCOUNT = "444455556666"
GROUP = "sg-0123456789abcdef0"
OTHER_GROUP = "sg-0fedcba9876543210"
PEER_GROUP = "sg-0a1b2c3d4e5f60718"
PEERING = "pcx-1a2b3c4d"
PEER_VPC = "vpc-0a1b2c3d"
PREFIX_LIST = "pl-63a5400a"
OTHER_PREFIX_LIST = "pl-0a1b2c3d4e5f60718"
WORLD = "0.0.0.0/0"
WORLD_V6 = "::/0"
FULL = (0, 65535)

FAST = settings(max_examples=PROPERTY_EXAMPLES, deadline=None)


def rules(
    permission: IpPermission,
    direction: Direction = Direction.INGRESS,
    *,
    group_id: str = GROUP,
    owner_id: str | None = OWNER,
    prefix_lists: PrefixLists | None = None,
) -> list[NetRule]:
    """`normalise`, with the entries of `prefix_lists` (None: the default, no list known)."""
    if prefix_lists is None:
        return list(normalise(permission, direction, group_id, owner_id))
    return list(normalise(permission, direction, group_id, owner_id, prefix_lists))


def only_rule(
    permission: IpPermission,
    direction: Direction = Direction.INGRESS,
    prefix_lists: PrefixLists | None = None,
) -> NetRule:
    (rule,) = rules(permission, direction, prefix_lists=prefix_lists)
    return rule


# --- Protocols and ports -------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """What a permission's protocol and ports become."""

    protocol: str
    ports: tuple[int, int] | None
    icmp: tuple[int, int] | None
    all_traffic: bool
    all_ports: bool
    port_span: int | None


def ported(protocol: str, low: int, high: int) -> Shape:
    """Port 0 is never served: 1-65535 opens every usable port, like 0-65535."""
    return Shape(protocol, (low, high), None, False, low <= 1 and high == FULL[1], high - low + 1)


def icmp(protocol: str, kind: int, code: int) -> Shape:
    return Shape(protocol, None, (kind, code), False, False, None)


def whole(protocol: str) -> Shape:
    return Shape(protocol, None, None, False, True, None)


ALL_TRAFFIC = Shape("all", None, None, True, True, None)

PROTOCOL_CASES = [
    pytest.param("-1", None, None, ALL_TRAFFIC, id="all-traffic-no-ports"),
    pytest.param("-1", 22, 22, ALL_TRAFFIC, id="all-traffic-ignores-ports"),
    pytest.param("-1", -1, -1, ALL_TRAFFIC, id="all-traffic-minus-one-ports"),
    pytest.param("6", 22, 22, ported("tcp", 22, 22), id="tcp-by-number"),
    pytest.param("tcp", 22, 22, ported("tcp", 22, 22), id="tcp-by-name"),
    pytest.param("TCP", 22, 22, ported("tcp", 22, 22), id="tcp-upper-case"),
    pytest.param(" tcp ", 443, 443, ported("tcp", 443, 443), id="tcp-padded"),
    pytest.param("tcp", 1000, 2000, ported("tcp", 1000, 2000), id="tcp-range"),
    pytest.param("tcp", 0, 65535, ported("tcp", 0, 65535), id="tcp-every-port"),
    pytest.param("tcp", 1, 65535, ported("tcp", 1, 65535), id="tcp-all-but-port-0-is-still-all"),
    pytest.param("tcp", 0, 65534, ported("tcp", 0, 65534), id="tcp-all-but-last-is-not-all"),
    pytest.param("tcp", 2000, 1000, ported("tcp", 1000, 2000), id="tcp-from-above-to-is-ordered"),
    pytest.param("tcp", None, None, ported("tcp", 0, 65535), id="tcp-missing-ports-all"),
    pytest.param("tcp", 22, None, ported("tcp", 0, 65535), id="tcp-missing-to-port-all"),
    pytest.param("tcp", -1, -1, ported("tcp", 0, 65535), id="tcp-minus-one-all"),
    pytest.param("17", 53, 53, ported("udp", 53, 53), id="udp-by-number"),
    pytest.param("udp", 53, 53, ported("udp", 53, 53), id="udp-by-name"),
    pytest.param("UDP", None, None, ported("udp", 0, 65535), id="udp-missing-ports-all"),
    pytest.param("udp", 0, 65535, ported("udp", 0, 65535), id="udp-every-port"),
    pytest.param("1", 8, -1, icmp("icmp", 8, -1), id="icmp-by-number-echo-request"),
    pytest.param("icmp", 8, -1, icmp("icmp", 8, -1), id="icmp-by-name-echo-request"),
    pytest.param("icmp", 3, 4, icmp("icmp", 3, 4), id="icmp-type-and-code"),
    pytest.param("icmp", -1, -1, icmp("icmp", -1, -1), id="icmp-all-types-not-all-ports"),
    pytest.param("icmp", 0, 65535, icmp("icmp", 0, 65535), id="icmp-is-never-a-port-range"),
    pytest.param("58", None, None, icmp("icmpv6", -1, -1), id="icmpv6-by-number-no-ports"),
    pytest.param("icmpv6", 128, 0, icmp("icmpv6", 128, 0), id="icmpv6-echo-request"),
    pytest.param("ICMPv6", -1, -1, icmp("icmpv6", -1, -1), id="icmpv6-mixed-case"),
    pytest.param("50", 22, 22, whole("50"), id="esp-ignores-ports"),
    pytest.param("50", None, None, whole("50"), id="esp-no-ports"),
    pytest.param("47", 0, 65535, whole("47"), id="gre-ignores-ports"),
    pytest.param("0", None, None, whole("0"), id="protocol-zero-is-a-protocol"),
]


@pytest.mark.parametrize(("protocol", "from_port", "to_port", "shape"), PROTOCOL_CASES)
def test_protocol_and_ports(protocol: str, from_port: int | None, to_port: int | None, shape: Shape) -> None:
    permission = IpPermission(protocol=protocol, from_port=from_port, to_port=to_port, ipv4_ranges=(WORLD,))
    rule = only_rule(permission)
    actual = Shape(rule.protocol, rule.ports, rule.icmp, rule.all_traffic, rule.all_ports, rule.port_span)
    assert actual == shape


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("-1", "all"),
        ("6", "tcp"),
        ("tcp", "tcp"),
        ("Tcp", "tcp"),
        ("17", "udp"),
        ("1", "icmp"),
        ("58", "icmpv6"),
        ("ICMPV6", "icmpv6"),
        ("50", "50"),
        (" 132 ", "132"),
    ],
)
def test_protocol_name(raw: str, name: str) -> None:
    assert protocol_name(raw) == name


@FAST
@given(
    protocol=st.sampled_from(["tcp", "udp", "6", "17"]),
    from_port=st.one_of(st.none(), st.integers(-1, 65535)),
    to_port=st.one_of(st.none(), st.integers(-1, 65535)),
)
def test_tcp_udp_ranges_are_ordered_and_inside_the_port_space(
    protocol: str, from_port: int | None, to_port: int | None
) -> None:
    rule = only_rule(
        IpPermission(protocol=protocol, from_port=from_port, to_port=to_port, ipv4_ranges=(WORLD,))
    )
    assert rule.ports is not None
    low, high = rule.ports
    assert 0 <= low <= high <= 65535
    assert rule.port_span == high - low + 1
    assert rule.all_ports == (rule.ports == FULL)
    assert rule.icmp is None
    assert not rule.all_traffic


# --- Address classes -----------------------------------------------------------------------------

CIDR_CASES = [
    # IPv4 internet, world-open: the whole space, halves, anything wider than /8.
    pytest.param("0.0.0.0/0", True, True, id="v4-everything"),
    pytest.param("0.0.0.0/1", True, True, id="v4-lower-half"),
    pytest.param("128.0.0.0/1", True, True, id="v4-upper-half"),
    pytest.param("8.0.0.0/7", True, True, id="v4-public-slash-7"),
    pytest.param("10.0.0.0/7", True, True, id="v4-slash-7-over-rfc1918-and-public-11"),
    pytest.param("0.0.0.0/7", True, True, id="v4-slash-7-over-this-network-and-public-1"),
    # IPv4 internet, not world-open.
    pytest.param("3.0.0.0/8", True, False, id="v4-public-slash-8"),
    pytest.param("11.0.0.0/8", True, False, id="v4-public-beside-rfc1918"),
    pytest.param("52.0.0.0/9", True, False, id="v4-public-slash-9"),
    pytest.param("52.95.0.0/16", True, False, id="v4-public-slash-16"),
    pytest.param("8.8.8.8/32", True, False, id="v4-public-host"),
    pytest.param("8.8.8.8", True, False, id="v4-public-host-no-prefix"),
    pytest.param("172.0.0.0/8", True, False, id="v4-slash-8-straddling-172-16"),
    pytest.param("172.32.0.0/16", True, False, id="v4-just-above-172-16-12"),
    pytest.param("100.128.0.0/16", True, False, id="v4-just-above-cgnat"),
    pytest.param("100.64.0.0/9", True, False, id="v4-slash-9-wider-than-cgnat"),
    pytest.param("203.0.114.0/24", True, False, id="v4-beside-test-net-3"),
    pytest.param("192.169.0.0/16", True, False, id="v4-beside-192-168"),
    # IPv4 private and reserved.
    pytest.param("10.0.0.0/8", False, False, id="v4-rfc1918-10"),
    pytest.param("10.0.0.0/9", False, False, id="v4-rfc1918-10-slash-9"),
    pytest.param("10.1.2.3/32", False, False, id="v4-rfc1918-host"),
    pytest.param("10.1.2.3", False, False, id="v4-rfc1918-host-no-prefix"),
    pytest.param("10.1.2.3/8", False, False, id="v4-rfc1918-host-bits-set"),
    pytest.param("172.16.0.0/12", False, False, id="v4-rfc1918-172"),
    pytest.param("172.31.0.0/16", False, False, id="v4-rfc1918-172-default-vpc"),
    pytest.param("192.168.0.0/16", False, False, id="v4-rfc1918-192"),
    pytest.param("192.168.1.0/24", False, False, id="v4-rfc1918-192-slash-24"),
    pytest.param("100.64.0.0/10", False, False, id="v4-cgnat"),
    pytest.param("100.127.255.255/32", False, False, id="v4-cgnat-last-host"),
    pytest.param("127.0.0.0/8", False, False, id="v4-loopback"),
    pytest.param("169.254.0.0/16", False, False, id="v4-link-local"),
    pytest.param("169.254.169.254/32", False, False, id="v4-instance-metadata"),
    pytest.param("0.0.0.0/8", False, False, id="v4-this-network"),
    pytest.param("192.0.2.0/24", False, False, id="v4-test-net-1"),
    pytest.param("198.51.100.0/24", False, False, id="v4-test-net-2"),
    pytest.param("203.0.113.0/24", False, False, id="v4-test-net-3"),
    pytest.param("224.0.0.0/4", False, False, id="v4-multicast"),
    pytest.param("239.255.255.250/32", False, False, id="v4-multicast-host"),
    pytest.param("240.0.0.0/4", False, False, id="v4-reserved-240"),
    pytest.param("255.255.255.255/32", False, False, id="v4-limited-broadcast"),
    # 224.0.0.0/3 is exactly 224.0.0.0/4 (multicast) plus 240.0.0.0/4 (reserved): no internet address.
    pytest.param("224.0.0.0/3", False, False, id="v4-multicast-plus-240-is-all-reserved"),
    # IPv6 internet, world-open: the whole space and anything wider than /32.
    pytest.param("::/0", True, True, id="v6-everything"),
    pytest.param("::/1", True, True, id="v6-lower-half"),
    pytest.param("2000::/3", True, True, id="v6-global-unicast"),
    pytest.param("2600::/7", True, True, id="v6-public-slash-7"),
    pytest.param("2600::/8", True, True, id="v6-public-slash-8"),
    pytest.param("2600:1f00::/24", True, True, id="v6-public-slash-24"),
    pytest.param("2600:1f18::/31", True, True, id="v6-public-slash-31"),
    pytest.param("2001:db8::/31", True, True, id="v6-slash-31-over-documentation-and-public"),
    # IPv6 internet, not world-open.
    pytest.param("2600:1f18::/32", True, False, id="v6-public-slash-32"),
    pytest.param("2600:1f18:abcd::/48", True, False, id="v6-public-slash-48"),
    pytest.param("2001:db9::/32", True, False, id="v6-beside-documentation"),
    pytest.param("2001:4860:4860::8888/128", True, False, id="v6-public-host"),
    pytest.param("2001:4860:4860::8888", True, False, id="v6-public-host-no-prefix"),
    # IPv6 private and reserved.
    pytest.param("fc00::/7", False, False, id="v6-unique-local"),
    pytest.param("fd00::/8", False, False, id="v6-unique-local-fd"),
    pytest.param("fd12:3456:789a::/48", False, False, id="v6-unique-local-slash-48"),
    pytest.param("fe80::/10", False, False, id="v6-link-local"),
    pytest.param("fe80::1/128", False, False, id="v6-link-local-host"),
    pytest.param("ff00::/8", False, False, id="v6-multicast"),
    pytest.param("ff02::1", False, False, id="v6-multicast-host-no-prefix"),
    pytest.param("::1/128", False, False, id="v6-loopback"),
    pytest.param("::1", False, False, id="v6-loopback-no-prefix"),
    pytest.param("2001:db8::/32", False, False, id="v6-documentation"),
    pytest.param("2001:db8:1234::/48", False, False, id="v6-documentation-slash-48"),
    # Surrounding whitespace is not garbage.
    pytest.param(" 10.0.0.0/8\n", False, False, id="padded-private"),
    pytest.param("0.0.0.0/0 ", True, True, id="padded-world"),
    # Garbage is never silently safe.
    pytest.param("", True, True, id="garbage-empty"),
    pytest.param("not-a-cidr", True, True, id="garbage-words"),
    pytest.param("10.0.0.0/33", True, True, id="garbage-v4-prefix-too-long"),
    pytest.param("256.0.0.0/8", True, True, id="garbage-v4-octet-too-big"),
    pytest.param("10/8", True, True, id="garbage-v4-short-form"),
    pytest.param("10.0.0.0/-1", True, True, id="garbage-negative-prefix"),
    pytest.param("::/129", True, True, id="garbage-v6-prefix-too-long"),
    pytest.param("fc00::/7/8", True, True, id="garbage-two-prefixes"),
    pytest.param(GROUP, True, True, id="garbage-group-id"),
]


@pytest.mark.parametrize(("cidr", "internet", "world_open"), CIDR_CASES)
def test_classify_cidr(cidr: str, internet: bool, world_open: bool) -> None:
    assert classify_cidr(cidr) == (internet, world_open)


NOT_INTERNET_BLOCKS = [
    ipaddress.ip_network(block)
    for block in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
        "2001:db8::/32",
    )
]
"""The address space the specification names as private or reserved."""

CIDR_ALPHABET = st.sampled_from(list("0123456789abcdefABCDEF:./%x -\n\t\u0660\u00a0"))


@st.composite
def networks(draw: st.DrawFn) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    if draw(st.booleans()):
        return ipaddress.IPv4Network(
            (draw(st.integers(0, 2**32 - 1)), draw(st.integers(0, 32))), strict=False
        )
    return ipaddress.IPv6Network((draw(st.integers(0, 2**128 - 1)), draw(st.integers(0, 128))), strict=False)


@st.composite
def reserved_subnets(draw: st.DrawFn) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    block = draw(st.sampled_from(NOT_INTERNET_BLOCKS))
    address = block.network_address + draw(st.integers(0, block.num_addresses - 1))
    prefix = draw(st.integers(block.prefixlen, block.max_prefixlen))
    return ipaddress.ip_network(f"{address}/{prefix}", strict=False)


@FAST
@given(st.one_of(st.text(), st.text(CIDR_ALPHABET, max_size=45), networks().map(str)))
def test_classify_cidr_never_raises_and_world_open_is_internet(cidr: str) -> None:
    internet, world_open = classify_cidr(cidr)
    assert isinstance(internet, bool)
    assert isinstance(world_open, bool)
    assert internet or not world_open


@FAST
@given(networks())
def test_world_open_is_an_internet_range_wider_than_the_threshold(
    network: ipaddress.IPv4Network | ipaddress.IPv6Network,
) -> None:
    internet, world_open = classify_cidr(str(network))
    threshold = 8 if network.version == 4 else 32
    assert world_open == (internet and network.prefixlen < threshold)


@FAST
@given(reserved_subnets())
def test_a_subnet_of_a_non_internet_range_is_never_internet(
    network: ipaddress.IPv4Network | ipaddress.IPv6Network,
) -> None:
    assert classify_cidr(str(network)) == (False, False)
    if network.prefixlen == network.max_prefixlen:
        assert classify_cidr(str(network.network_address)) == (False, False)


@FAST
@given(networks(), st.integers(0, 128))
def test_a_supernet_of_an_internet_range_is_internet(
    network: ipaddress.IPv4Network | ipaddress.IPv6Network, shorter: int
) -> None:
    if classify_cidr(str(network))[0]:
        supernet = network.supernet(prefixlen_diff=min(shorter, network.prefixlen))
        assert classify_cidr(str(supernet))[0]


# --- Peers ---------------------------------------------------------------------------------------


def group_peer(permission_group: GroupPair, owner_id: str | None = OWNER) -> Peer:
    permission = IpPermission(protocol="tcp", from_port=443, to_port=443, groups=(permission_group,))
    (rule,) = rules(permission, owner_id=owner_id)
    return rule.peer


@pytest.mark.parametrize(
    ("pair", "owner_id", "peer"),
    [
        pytest.param(
            GroupPair(group_id=GROUP, user_id=OWNER),
            OWNER,
            Peer(PeerKind.GROUP, GROUP, self_reference=True),
            id="self-same-account",
        ),
        pytest.param(
            GroupPair(group_id=GROUP),
            OWNER,
            Peer(PeerKind.GROUP, GROUP, self_reference=True),
            id="self-no-user-id",
        ),
        pytest.param(
            GroupPair(group_id=GROUP, user_id=OWNER),
            None,
            Peer(PeerKind.GROUP, GROUP, self_reference=True),
            id="self-owner-unknown",
        ),
        pytest.param(
            GroupPair(group_id=GROUP, user_id=OTHER_ACCOUNT),
            OWNER,
            Peer(PeerKind.GROUP, GROUP, other_account=OTHER_ACCOUNT),
            id="same-id-other-account-is-not-self",
        ),
        pytest.param(
            GroupPair(group_id=OTHER_GROUP, user_id=OWNER),
            OWNER,
            Peer(PeerKind.GROUP, OTHER_GROUP),
            id="other-group-same-account",
        ),
        pytest.param(
            GroupPair(group_id=OTHER_GROUP, user_id=OTHER_ACCOUNT),
            OWNER,
            Peer(PeerKind.GROUP, OTHER_GROUP, other_account=OTHER_ACCOUNT),
            id="other-account",
        ),
        pytest.param(
            GroupPair(
                group_id=PEER_GROUP,
                user_id=OTHER_ACCOUNT,
                vpc_id=PEER_VPC,
                vpc_peering_connection_id=PEERING,
            ),
            OWNER,
            Peer(PeerKind.GROUP, PEER_GROUP, other_account=OTHER_ACCOUNT, peering=PEERING),
            id="peered-vpc-other-account",
        ),
        pytest.param(
            GroupPair(group_id=PEER_GROUP, user_id=OWNER, vpc_id=PEER_VPC, vpc_peering_connection_id=PEERING),
            OWNER,
            Peer(PeerKind.GROUP, PEER_GROUP, peering=PEERING),
            id="peered-vpc-same-account",
        ),
    ],
)
def test_group_peer(pair: GroupPair, owner_id: str | None, peer: Peer) -> None:
    actual = group_peer(pair, owner_id)
    assert actual == peer
    assert not actual.internet
    assert not actual.world_open


@pytest.mark.parametrize(
    ("permission", "peer"),
    [
        pytest.param(
            IpPermission(protocol="-1", ipv4_ranges=(WORLD,)),
            Peer(PeerKind.IPV4, WORLD, internet=True, world_open=True),
            id="ipv4-world",
        ),
        pytest.param(
            IpPermission(protocol="-1", ipv4_ranges=("10.0.0.0/16",)),
            Peer(PeerKind.IPV4, "10.0.0.0/16"),
            id="ipv4-private",
        ),
        pytest.param(
            IpPermission(protocol="-1", ipv4_ranges=("203.0.113.7/32",)),
            Peer(PeerKind.IPV4, "203.0.113.7/32"),
            id="ipv4-documentation-host",
        ),
        pytest.param(
            IpPermission(protocol="-1", ipv4_ranges=("52.95.0.0/16",)),
            Peer(PeerKind.IPV4, "52.95.0.0/16", internet=True),
            id="ipv4-public-narrow",
        ),
        pytest.param(
            IpPermission(protocol="-1", ipv6_ranges=(WORLD_V6,)),
            Peer(PeerKind.IPV6, WORLD_V6, internet=True, world_open=True),
            id="ipv6-world",
        ),
        pytest.param(
            IpPermission(protocol="-1", ipv6_ranges=("fd00::/8",)),
            Peer(PeerKind.IPV6, "fd00::/8"),
            id="ipv6-unique-local",
        ),
        pytest.param(
            IpPermission(protocol="-1", prefix_lists=(PREFIX_LIST,)),
            Peer(PeerKind.PREFIX_LIST, PREFIX_LIST, entries_unknown=True),
            id="prefix-list-of-unknown-entries-is-one-prefix-list-peer",
        ),
    ],
)
def test_address_and_prefix_list_peers(permission: IpPermission, peer: Peer) -> None:
    assert only_rule(permission).peer == peer


@pytest.mark.parametrize(
    ("entry", "peer"),
    [
        pytest.param(
            WORLD,
            Peer(PeerKind.IPV4, WORLD, internet=True, world_open=True, prefix_list=PREFIX_LIST),
            id="ipv4-world",
        ),
        pytest.param(
            WORLD_V6,
            Peer(PeerKind.IPV6, WORLD_V6, internet=True, world_open=True, prefix_list=PREFIX_LIST),
            id="ipv6-world",
        ),
        pytest.param(
            "8.0.0.0/7",
            Peer(PeerKind.IPV4, "8.0.0.0/7", internet=True, world_open=True, prefix_list=PREFIX_LIST),
            id="ipv4-public-wider-than-/8",
        ),
        pytest.param(
            "52.216.0.0/15",
            Peer(PeerKind.IPV4, "52.216.0.0/15", internet=True, prefix_list=PREFIX_LIST),
            id="ipv4-public-aws-range",
        ),
        pytest.param(
            "2600:1f18::/32",
            Peer(PeerKind.IPV6, "2600:1f18::/32", internet=True, prefix_list=PREFIX_LIST),
            id="ipv6-public-/32",
        ),
        pytest.param(
            "10.20.0.0/16", Peer(PeerKind.IPV4, "10.20.0.0/16", prefix_list=PREFIX_LIST), id="ipv4-private"
        ),
        pytest.param("fd00::/8", Peer(PeerKind.IPV6, "fd00::/8", prefix_list=PREFIX_LIST), id="ipv6-private"),
        pytest.param(
            "not-a-cidr",
            Peer(PeerKind.IPV4, "not-a-cidr", internet=True, world_open=True, prefix_list=PREFIX_LIST),
            id="garbage-is-world-open",
        ),
        pytest.param(
            "fd00::/129",
            Peer(PeerKind.IPV6, "fd00::/129", internet=True, world_open=True, prefix_list=PREFIX_LIST),
            id="garbage-ipv6-is-world-open",
        ),
    ],
)
def test_prefix_list_entry_is_a_peer_classified_like_the_cidr(entry: str, peer: Peer) -> None:
    permission = IpPermission(protocol="tcp", from_port=22, to_port=22, prefix_lists=(PREFIX_LIST,))
    rule = only_rule(permission, prefix_lists={PREFIX_LIST: (entry,)})
    assert rule.peer == peer
    assert (rule.protocol, rule.ports, rule.icmp, rule.direction) == (
        "tcp",
        (22, 22),
        None,
        Direction.INGRESS,
    )


# --- rules_of ------------------------------------------------------------------------------------


EVERY_KIND_OF_PEER = IpPermission(
    protocol="tcp",
    from_port=22,
    to_port=22,
    ipv4_ranges=(WORLD, "10.0.0.0/8"),
    ipv6_ranges=(WORLD_V6,),
    groups=(
        GroupPair(group_id=GROUP, user_id=OWNER),
        GroupPair(group_id=OTHER_GROUP, user_id=OTHER_ACCOUNT),
    ),
    prefix_lists=(PREFIX_LIST, OTHER_PREFIX_LIST),
)


def ssh(peer: Peer) -> NetRule:
    return NetRule(Direction.INGRESS, "tcp", (22, 22), None, peer)


ADDRESS_AND_GROUP_RULES = [
    ssh(Peer(PeerKind.IPV4, WORLD, internet=True, world_open=True)),
    ssh(Peer(PeerKind.IPV4, "10.0.0.0/8")),
    ssh(Peer(PeerKind.IPV6, WORLD_V6, internet=True, world_open=True)),
    ssh(Peer(PeerKind.GROUP, GROUP, self_reference=True)),
    ssh(Peer(PeerKind.GROUP, OTHER_GROUP, other_account=OTHER_ACCOUNT)),
]
"""The rules of EVERY_KIND_OF_PEER before those of its prefix lists."""


def test_one_rule_per_peer_in_order_ipv4_ipv6_groups_prefix_lists_of_unknown_entries() -> None:
    assert rules_of((EVERY_KIND_OF_PEER,), Direction.INGRESS, GROUP, OWNER) == [
        *ADDRESS_AND_GROUP_RULES,
        ssh(Peer(PeerKind.PREFIX_LIST, PREFIX_LIST, entries_unknown=True)),
        ssh(Peer(PeerKind.PREFIX_LIST, OTHER_PREFIX_LIST, entries_unknown=True)),
    ]


def test_known_prefix_list_entries_follow_the_cidrs_and_groups_one_rule_each_in_entry_order() -> None:
    known = {
        PREFIX_LIST: ("52.216.0.0/15", "2600:1f18::/32", "0.0.0.0/0", "10.30.0.0/16"),
        OTHER_PREFIX_LIST: ("192.168.0.0/16",),
    }
    assert rules_of((EVERY_KIND_OF_PEER,), Direction.INGRESS, GROUP, OWNER, known) == [
        *ADDRESS_AND_GROUP_RULES,
        ssh(Peer(PeerKind.IPV4, "52.216.0.0/15", internet=True, prefix_list=PREFIX_LIST)),
        ssh(Peer(PeerKind.IPV6, "2600:1f18::/32", internet=True, prefix_list=PREFIX_LIST)),
        ssh(Peer(PeerKind.IPV4, WORLD, internet=True, world_open=True, prefix_list=PREFIX_LIST)),
        ssh(Peer(PeerKind.IPV4, "10.30.0.0/16", prefix_list=PREFIX_LIST)),
        ssh(Peer(PeerKind.IPV4, "192.168.0.0/16", prefix_list=OTHER_PREFIX_LIST)),
    ]


def test_only_the_lists_in_the_mapping_are_resolved() -> None:
    known = {OTHER_PREFIX_LIST: ("10.30.0.0/16", "fd00:30::/56"), "pl-0ffffffffffffffff": (WORLD,)}
    assert rules_of((EVERY_KIND_OF_PEER,), Direction.INGRESS, GROUP, OWNER, known) == [
        *ADDRESS_AND_GROUP_RULES,
        ssh(Peer(PeerKind.PREFIX_LIST, PREFIX_LIST, entries_unknown=True)),
        ssh(Peer(PeerKind.IPV4, "10.30.0.0/16", prefix_list=OTHER_PREFIX_LIST)),
        ssh(Peer(PeerKind.IPV6, "fd00:30::/56", prefix_list=OTHER_PREFIX_LIST)),
    ]


def test_an_empty_prefix_list_gives_one_rule_that_allows_nothing() -> None:
    """An empty list opens no address, but the permission is still there (the default group must
    have none): one rule toward the list, neither internet nor unknown."""
    permission = IpPermission(protocol="-1", prefix_lists=(PREFIX_LIST,))
    empty = NetRule(Direction.INGRESS, "all", None, None, Peer(PeerKind.PREFIX_LIST, PREFIX_LIST))
    assert rules_of((permission,), Direction.INGRESS, GROUP, OWNER, {PREFIX_LIST: ()}) == [empty]
    assert rules(permission, prefix_lists={PREFIX_LIST: ()}) == [empty]
    assert empty.describe() == f"All traffic from prefix list {PREFIX_LIST} (empty)"
    assert not empty.peer.internet
    assert not empty.peer.entries_unknown
    beside = IpPermission(protocol="-1", ipv4_ranges=("10.0.0.0/8",), prefix_lists=(PREFIX_LIST,))
    assert rules_of((beside,), Direction.EGRESS, GROUP, OWNER, {PREFIX_LIST: ()}) == [
        NetRule(Direction.EGRESS, "all", None, None, Peer(PeerKind.IPV4, "10.0.0.0/8")),
        NetRule(Direction.EGRESS, "all", None, None, Peer(PeerKind.PREFIX_LIST, PREFIX_LIST)),
    ]


def test_the_rules_of_a_prefix_list_follow_the_mapping_of_each_call() -> None:
    """Permissions naming prefix lists are not cached: the same permission, in another region or
    account, holds other entries."""
    permission = IpPermission(protocol="tcp", from_port=22, to_port=22, prefix_lists=(PREFIX_LIST,))
    world = rules_of((permission,), Direction.INGRESS, GROUP, OWNER, {PREFIX_LIST: (WORLD,)})
    office = rules_of((permission,), Direction.INGRESS, GROUP, OWNER, {PREFIX_LIST: ("8.8.8.0/24",)})
    unknown = rules_of((permission,), Direction.INGRESS, GROUP, OWNER, {})
    assert [rule.peer for rule in world] == [
        Peer(PeerKind.IPV4, WORLD, internet=True, world_open=True, prefix_list=PREFIX_LIST)
    ]
    assert [rule.peer for rule in office] == [
        Peer(PeerKind.IPV4, "8.8.8.0/24", internet=True, prefix_list=PREFIX_LIST)
    ]
    assert [rule.peer for rule in unknown] == [Peer(PeerKind.PREFIX_LIST, PREFIX_LIST, entries_unknown=True)]
    assert rules_of((permission,), Direction.INGRESS, GROUP, OWNER) == unknown


def test_a_mapping_does_not_change_the_rules_of_cidrs_and_groups() -> None:
    permission = IpPermission(
        protocol="tcp",
        from_port=443,
        to_port=443,
        ipv4_ranges=("10.0.0.0/8",),
        groups=(GroupPair(group_id=OTHER_GROUP),),
    )
    known = {PREFIX_LIST: (WORLD,)}
    assert rules_of((permission,), Direction.INGRESS, GROUP, OWNER, known) == rules_of(
        (permission,), Direction.INGRESS, GROUP, OWNER
    )
    assert all(rule.peer.prefix_list is None for rule in rules(permission, prefix_lists=known))


def test_rules_of_several_permissions_keeps_their_order_and_direction() -> None:
    permissions = (
        IpPermission(protocol="-1", ipv4_ranges=(WORLD,), ipv6_ranges=(WORLD_V6,)),
        IpPermission(protocol="icmp", from_port=8, to_port=-1, ipv4_ranges=("192.168.0.0/16",)),
        IpPermission(protocol="50", from_port=500, to_port=500, prefix_lists=(PREFIX_LIST,)),
        IpPermission(protocol="udp", from_port=53, to_port=53),
    )
    assert rules_of(permissions, Direction.EGRESS, GROUP, OWNER) == [
        NetRule(
            Direction.EGRESS, "all", None, None, Peer(PeerKind.IPV4, WORLD, internet=True, world_open=True)
        ),
        NetRule(
            Direction.EGRESS, "all", None, None, Peer(PeerKind.IPV6, WORLD_V6, internet=True, world_open=True)
        ),
        NetRule(Direction.EGRESS, "icmp", None, (8, -1), Peer(PeerKind.IPV4, "192.168.0.0/16")),
        NetRule(
            Direction.EGRESS, "50", None, None, Peer(PeerKind.PREFIX_LIST, PREFIX_LIST, entries_unknown=True)
        ),
    ]


def test_rules_of_several_permissions_with_known_lists_keeps_their_order_and_direction() -> None:
    permissions = (
        IpPermission(protocol="icmp", from_port=8, to_port=-1, prefix_lists=(PREFIX_LIST,)),
        IpPermission(protocol="udp", from_port=53, to_port=53, ipv4_ranges=("10.0.0.2/32",)),
        IpPermission(protocol="50", prefix_lists=(OTHER_PREFIX_LIST, PREFIX_LIST)),
    )
    known = {PREFIX_LIST: ("fd00::/8", "203.0.113.0/24")}
    assert rules_of(permissions, Direction.EGRESS, GROUP, OWNER, known) == [
        NetRule(
            Direction.EGRESS, "icmp", None, (8, -1), Peer(PeerKind.IPV6, "fd00::/8", prefix_list=PREFIX_LIST)
        ),
        NetRule(
            Direction.EGRESS,
            "icmp",
            None,
            (8, -1),
            Peer(PeerKind.IPV4, "203.0.113.0/24", prefix_list=PREFIX_LIST),
        ),
        NetRule(Direction.EGRESS, "udp", (53, 53), None, Peer(PeerKind.IPV4, "10.0.0.2/32")),
        NetRule(
            Direction.EGRESS,
            "50",
            None,
            None,
            Peer(PeerKind.PREFIX_LIST, OTHER_PREFIX_LIST, entries_unknown=True),
        ),
        NetRule(Direction.EGRESS, "50", None, None, Peer(PeerKind.IPV6, "fd00::/8", prefix_list=PREFIX_LIST)),
        NetRule(
            Direction.EGRESS, "50", None, None, Peer(PeerKind.IPV4, "203.0.113.0/24", prefix_list=PREFIX_LIST)
        ),
    ]


def test_rules_of_nothing_is_empty() -> None:
    assert rules_of((), Direction.INGRESS, GROUP, OWNER) == []
    assert rules_of((IpPermission(protocol="-1"),), Direction.INGRESS, GROUP, OWNER) == []


ENTRY_CIDRS = [WORLD, WORLD_V6, "10.0.0.0/8", "52.95.0.0/16", "fd00::/8", "2600:1f18::/32", "not-a-cidr"]


@FAST
@given(
    ipv4=st.lists(st.sampled_from([WORLD, "10.0.0.0/8", "52.95.0.0/16"]), max_size=3),
    ipv6=st.lists(st.sampled_from([WORLD_V6, "fd00::/8"]), max_size=3),
    groups=st.lists(st.sampled_from([GROUP, OTHER_GROUP]), max_size=3),
    prefix_lists=st.lists(st.sampled_from([PREFIX_LIST, OTHER_PREFIX_LIST]), max_size=3),
    known=st.dictionaries(
        st.sampled_from([PREFIX_LIST, OTHER_PREFIX_LIST]),
        st.lists(st.sampled_from(ENTRY_CIDRS), max_size=4).map(tuple),
    ),
    protocol=st.sampled_from(["-1", "tcp", "17", "icmp", "58", "50"]),
)
def test_rules_of_yields_exactly_one_rule_per_peer_and_per_known_entry(
    ipv4: list[str],
    ipv6: list[str],
    groups: list[str],
    prefix_lists: list[str],
    known: dict[str, tuple[str, ...]],
    protocol: str,
) -> None:
    permission = IpPermission(
        protocol=protocol,
        from_port=80,
        to_port=80,
        ipv4_ranges=tuple(ipv4),
        ipv6_ranges=tuple(ipv6),
        groups=tuple(GroupPair(group_id=group) for group in groups),
        prefix_lists=tuple(prefix_lists),
    )
    result = rules_of((permission,), Direction.INGRESS, GROUP, OWNER, known)
    # A known list gives one rule per entry (an empty one, a single rule naming it); an unknown
    # list, one rule naming it.
    listed = [(entry, name) for name in prefix_lists for entry in (known.get(name) or (name,))]
    assert [rule.peer.value for rule in result] == [*ipv4, *ipv6, *groups, *(entry for entry, _ in listed)]
    assert len({(rule.protocol, rule.ports, rule.icmp, rule.direction) for rule in result}) <= 1
    from_lists = result[len(ipv4) + len(ipv6) + len(groups) :]
    for rule, (entry, name) in zip(from_lists, listed, strict=True):
        if known.get(name):
            assert rule.peer.kind is (PeerKind.IPV6 if ":" in entry else PeerKind.IPV4)
            assert rule.peer.prefix_list == name
            assert (rule.peer.internet, rule.peer.world_open) == classify_cidr(entry)
        else:
            assert rule.peer == Peer(PeerKind.PREFIX_LIST, name, entries_unknown=name not in known)
    assert all(rule.peer.prefix_list is None for rule in result[: len(result) - len(from_lists)])


# --- describe() ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("permission", "direction", "text"),
    [
        pytest.param(
            IpPermission(protocol="-1", ipv4_ranges=(WORLD,)),
            Direction.INGRESS,
            "All traffic from 0.0.0.0/0",
            id="all-traffic-from-world",
        ),
        pytest.param(
            IpPermission(protocol="-1", ipv6_ranges=(WORLD_V6,)),
            Direction.EGRESS,
            "All traffic to ::/0",
            id="all-traffic-to-world-v6",
        ),
        pytest.param(
            IpPermission(protocol="tcp", from_port=22, to_port=22, ipv4_ranges=("10.0.0.0/8",)),
            Direction.INGRESS,
            "TCP 22 from 10.0.0.0/8",
            id="tcp-single-port",
        ),
        pytest.param(
            IpPermission(
                protocol="6", from_port=1000, to_port=2000, groups=(GroupPair(group_id=OTHER_GROUP),)
            ),
            Direction.EGRESS,
            f"TCP 1000-2000 to {OTHER_GROUP}",
            id="tcp-range-to-group",
        ),
        pytest.param(
            IpPermission(protocol="tcp", from_port=0, to_port=65535, ipv4_ranges=(WORLD,)),
            Direction.INGRESS,
            "TCP all ports from 0.0.0.0/0",
            id="tcp-every-port",
        ),
        pytest.param(
            IpPermission(protocol="tcp", ipv4_ranges=(WORLD,)),
            Direction.INGRESS,
            "TCP all ports from 0.0.0.0/0",
            id="tcp-missing-ports",
        ),
        pytest.param(
            IpPermission(protocol="udp", from_port=-1, to_port=-1, ipv6_ranges=(WORLD_V6,)),
            Direction.INGRESS,
            "UDP all ports from ::/0",
            id="udp-all-ports",
        ),
        pytest.param(
            IpPermission(protocol="17", from_port=53, to_port=53, ipv4_ranges=("10.0.0.2/32",)),
            Direction.EGRESS,
            "UDP 53 to 10.0.0.2/32",
            id="udp-single-port",
        ),
        pytest.param(
            IpPermission(protocol="icmp", from_port=-1, to_port=-1, ipv4_ranges=(WORLD,)),
            Direction.INGRESS,
            "ICMP all from 0.0.0.0/0",
            id="icmp-all",
        ),
        pytest.param(
            IpPermission(protocol="1", from_port=8, to_port=-1, ipv4_ranges=(WORLD,)),
            Direction.INGRESS,
            "ICMP type 8 from 0.0.0.0/0",
            id="icmp-echo-request",
        ),
        pytest.param(
            IpPermission(protocol="icmp", from_port=3, to_port=4, ipv4_ranges=(WORLD,)),
            Direction.INGRESS,
            "ICMP type 3 code 4 from 0.0.0.0/0",
            id="icmp-type-and-code",
        ),
        pytest.param(
            IpPermission(protocol="50", from_port=22, to_port=22, ipv4_ranges=(WORLD,)),
            Direction.INGRESS,
            "protocol 50 (all of it) from 0.0.0.0/0",
            id="esp-whole-protocol",
        ),
        pytest.param(
            IpPermission(protocol="-1", groups=(GroupPair(group_id=GROUP, user_id=OWNER),)),
            Direction.INGRESS,
            f"All traffic from {GROUP} (this group)",
            id="self-reference",
        ),
        pytest.param(
            IpPermission(
                protocol="tcp",
                from_port=443,
                to_port=443,
                groups=(GroupPair(group_id=OTHER_GROUP, user_id=OTHER_ACCOUNT),),
            ),
            Direction.INGRESS,
            f"TCP 443 from {OTHER_GROUP} (account {OTHER_ACCOUNT})",
            id="other-account-group",
        ),
        pytest.param(
            IpPermission(
                protocol="tcp",
                from_port=5432,
                to_port=5432,
                groups=(
                    GroupPair(
                        group_id=PEER_GROUP,
                        user_id=OTHER_ACCOUNT,
                        vpc_id=PEER_VPC,
                        vpc_peering_connection_id=PEERING,
                    ),
                ),
            ),
            Direction.INGRESS,
            f"TCP 5432 from {PEER_GROUP} (account {OTHER_ACCOUNT}, peered via {PEERING})",
            id="peered-other-account-group",
        ),
        pytest.param(
            IpPermission(
                protocol="tcp",
                from_port=5432,
                to_port=5432,
                groups=(GroupPair(group_id=PEER_GROUP, user_id=OWNER, vpc_peering_connection_id=PEERING),),
            ),
            Direction.INGRESS,
            f"TCP 5432 from {PEER_GROUP} (peered via {PEERING})",
            id="peered-same-account-group",
        ),
        pytest.param(
            IpPermission(protocol="tcp", from_port=443, to_port=443, prefix_lists=(PREFIX_LIST,)),
            Direction.EGRESS,
            f"TCP 443 to prefix list {PREFIX_LIST} (entries unknown)",
            id="prefix-list-of-unknown-entries",
        ),
        pytest.param(
            IpPermission(protocol="-1", prefix_lists=(PREFIX_LIST,)),
            Direction.INGRESS,
            f"All traffic from prefix list {PREFIX_LIST} (entries unknown)",
            id="all-traffic-from-a-prefix-list-of-unknown-entries",
        ),
    ],
)
def test_describe(permission: IpPermission, direction: Direction, text: str) -> None:
    assert only_rule(permission, direction).describe() == text


@pytest.mark.parametrize(
    ("permission", "direction", "entry", "text"),
    [
        pytest.param(
            IpPermission(protocol="tcp", from_port=22, to_port=22, prefix_lists=(PREFIX_LIST,)),
            Direction.INGRESS,
            WORLD,
            f"TCP 22 from 0.0.0.0/0 (in prefix list {PREFIX_LIST})",
            id="ssh-from-world-entry",
        ),
        pytest.param(
            IpPermission(protocol="-1", prefix_lists=(PREFIX_LIST,)),
            Direction.EGRESS,
            WORLD_V6,
            f"All traffic to ::/0 (in prefix list {PREFIX_LIST})",
            id="all-traffic-to-ipv6-world-entry",
        ),
        pytest.param(
            IpPermission(protocol="icmp", from_port=8, to_port=-1, prefix_lists=(PREFIX_LIST,)),
            Direction.INGRESS,
            "10.0.0.0/8",
            f"ICMP type 8 from 10.0.0.0/8 (in prefix list {PREFIX_LIST})",
            id="icmp-from-private-entry",
        ),
        pytest.param(
            IpPermission(protocol="udp", from_port=53, to_port=53, prefix_lists=(PREFIX_LIST,)),
            Direction.EGRESS,
            "not-a-cidr",
            f"UDP 53 to not-a-cidr (in prefix list {PREFIX_LIST})",
            id="garbage-entry-shown-as-it-is",
        ),
    ],
)
def test_describe_a_prefix_list_entry_names_the_list(
    permission: IpPermission, direction: Direction, entry: str, text: str
) -> None:
    assert only_rule(permission, direction, {PREFIX_LIST: (entry,)}).describe() == text


def test_describe_a_prefix_list_entry_differs_from_the_same_cidr_and_from_another_list() -> None:
    """`describe` is cached: an entry must not take the words of the same CIDR given directly."""
    direct = only_rule(IpPermission(protocol="tcp", from_port=22, to_port=22, ipv4_ranges=(WORLD,)))
    listed = IpPermission(protocol="tcp", from_port=22, to_port=22, prefix_lists=(PREFIX_LIST,))
    other = IpPermission(protocol="tcp", from_port=22, to_port=22, prefix_lists=(OTHER_PREFIX_LIST,))
    assert [
        direct.describe(),
        only_rule(listed, prefix_lists={PREFIX_LIST: (WORLD,)}).describe(),
        only_rule(other, prefix_lists={OTHER_PREFIX_LIST: (WORLD,)}).describe(),
        direct.describe(),
    ] == [
        "TCP 22 from 0.0.0.0/0",
        f"TCP 22 from 0.0.0.0/0 (in prefix list {PREFIX_LIST})",
        f"TCP 22 from 0.0.0.0/0 (in prefix list {OTHER_PREFIX_LIST})",
        "TCP 22 from 0.0.0.0/0",
    ]


def test_describe_peer_of_each_prefix_list_kind() -> None:
    assert (
        Peer(PeerKind.PREFIX_LIST, PREFIX_LIST, entries_unknown=True).describe()
        == f"prefix list {PREFIX_LIST} (entries unknown)"
    )
    assert Peer(PeerKind.PREFIX_LIST, PREFIX_LIST).describe() == f"prefix list {PREFIX_LIST} (empty)"
    assert Peer(PeerKind.IPV6, "fd00::/8", prefix_list=PREFIX_LIST).describe() == (
        f"fd00::/8 (in prefix list {PREFIX_LIST})"
    )
    assert Peer(PeerKind.IPV4, "10.0.0.0/8").describe() == "10.0.0.0/8"


def test_describe_icmpv6() -> None:
    """The words are pinned, not the letter case of "ICMPv6"."""
    rule = only_rule(IpPermission(protocol="58", ipv6_ranges=(WORLD_V6,)))
    assert rule.describe().casefold() == "icmpv6 all from ::/0"
    rule = only_rule(IpPermission(protocol="icmpv6", from_port=128, to_port=-1, ipv6_ranges=(WORLD_V6,)))
    assert rule.describe().casefold() == "icmpv6 type 128 from ::/0"
