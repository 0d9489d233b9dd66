"""What a DNS record points at: which AWS service (and region), which address, or a third party.

The question for a record is "is the target still ours?"; this module only says what the target
*is*. Names are compared lower case, without the final dot.
"""

from __future__ import annotations

import bisect
import enum
import functools
import ipaddress
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cloudwarden.inputs import quoted
from cloudwarden.semantics.network import is_not_internet


class TargetKind(enum.StrEnum):
    S3_WEBSITE = "s3-website"
    S3_REST = "s3-rest"
    BEANSTALK = "elastic-beanstalk"
    CLOUDFRONT = "cloudfront"
    LOAD_BALANCER = "load-balancer"
    API_GATEWAY = "api-gateway"
    EC2_HOST = "ec2-host"
    OTHER_AWS = "other-aws"
    OTHER = "other"


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    name: str
    region: str | None = None
    detail: str | None = None
    """The bucket (S3 REST with a bucket in the name), the CNAME prefix (Elastic Beanstalk; None for
    a generated `eba-` name, which cannot be asked for), the API id (API Gateway) or the IPv4 address
    (EC2 host name)."""


_REGION = r"[a-z]{2}(?:-gov)?-[a-z]+-\d"
_PATTERNS: tuple[tuple[re.Pattern[str], TargetKind], ...] = tuple(
    (re.compile(pattern), kind)
    for pattern, kind in (
        (
            rf"^(?:(?P<detail>.+)\.)?s3-website[.-](?P<region>{_REGION})\.amazonaws\.com(?:\.cn)?$",
            TargetKind.S3_WEBSITE,
        ),
        (
            rf"^(?:(?P<detail>.+)\.)?s3(?:[.-](?:dualstack\.)?(?P<region>{_REGION}))?(?:\.dualstack\.(?P<region2>{_REGION}))?"
            r"\.amazonaws\.com(?:\.cn)?$",
            TargetKind.S3_REST,
        ),
        (rf"^(?P<detail>[a-z0-9-]+)\.(?P<region>{_REGION})\.elasticbeanstalk\.com$", TargetKind.BEANSTALK),
        # Without a CNAME prefix, AWS adds a random label: nobody can ask for such a name.
        (rf"^[a-z0-9-]+\.eba-[a-z0-9]+\.(?P<region>{_REGION})\.elasticbeanstalk\.com$", TargetKind.BEANSTALK),
        (r"^(?:[a-z0-9-]+\.)*cloudfront\.net$", TargetKind.CLOUDFRONT),
        # An older Elastic Beanstalk form without a region: not judged by name, so never a silent PASS.
        (r"^(?:.+\.)?elasticbeanstalk\.com$", TargetKind.OTHER_AWS),
        (
            r"^(?:dualstack\.)?(?:[a-z0-9.-]+\.)?elb\.(?:[a-z0-9-]+\.)?amazonaws\.com(?:\.cn)?$",
            TargetKind.LOAD_BALANCER,
        ),
        (
            rf"^(?P<detail>[a-z0-9]+)\.execute-api\.(?P<region>{_REGION})\.amazonaws\.com(?:\.cn)?$",
            TargetKind.API_GATEWAY,
        ),
        (
            rf"^ec2-(?P<detail>\d+-\d+-\d+-\d+)\.(?:(?P<region>{_REGION})\.compute|compute-1)"
            r"\.amazonaws\.com(?:\.cn)?$",
            TargetKind.EC2_HOST,
        ),
        (
            r"^(?:.+\.)?(?:amazonaws\.com|amazonaws\.com\.cn|awsglobalaccelerator\.com|awsapprunner\.com)$",
            TargetKind.OTHER_AWS,
        ),
    )
)


def placeholder(expression: str) -> str:
    """How `iac` writes a record's target that a plan or template leaves to apply but links to a
    resource of the same document: the expression that will give it (`${aws_lb.web.dns_name}`,
    `${Cdn.DomainName}`). No DNS name has `$`, `{` or `}`, so it cannot be taken for one."""
    return "${" + expression + "}"


def is_placeholder(name: str) -> bool:
    return name.startswith("${") and name.endswith("}")


def normalise_name(name: str) -> str:
    """Lower case, no final dot, Route53's octal escape of `*` decoded."""
    return name.strip().lower().rstrip(".").replace("\\052", "*")


@functools.lru_cache(maxsize=65536)
def classify_target(name: str) -> Target:
    target = normalise_name(name)
    for pattern, kind in _PATTERNS:
        match = pattern.match(target)
        if match is None:
            continue
        groups = match.groupdict()
        region = groups.get("region") or groups.get("region2")
        detail = groups.get("detail")
        if kind is TargetKind.EC2_HOST and detail:
            detail = detail.replace("-", ".")
            region = region or "us-east-1"
        return Target(kind, target, region, detail)
    return Target(TargetKind.OTHER, target)


def is_private_or_reserved(address: str) -> bool | None:
    """None when `address` is not an IP address at all."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    value = int(ip)
    return is_not_internet(value, value, ip.version)


def parse_ip_ranges(text: str) -> tuple[str, ...]:
    """The prefixes of an ip-ranges.json document; ValueError when it is not one."""
    try:
        return _prefixes(json.loads(text))
    except RecursionError as error:
        raise ValueError("nested too deeply to be read") from error


def _prefixes(document: object) -> tuple[str, ...]:
    if not isinstance(document, dict) or "prefixes" not in document:
        raise ValueError("not an ip-ranges.json document (no 'prefixes')")
    try:
        prefixes = [str(entry["ip_prefix"]) for entry in document["prefixes"]]
        prefixes += [str(entry["ipv6_prefix"]) for entry in document.get("ipv6_prefixes", [])]
    except (KeyError, TypeError) as error:
        raise ValueError(f"malformed prefix entry: {error!r}") from error
    for prefix in prefixes:
        try:
            ipaddress.ip_network(prefix, strict=False)
        except ValueError as error:
            raise ValueError(f"{quoted(prefix)} does not appear to be an IPv4 or IPv6 network") from error
    return tuple(sorted(set(prefixes)))


def _sorted_bounds(
    networks: Iterable[ipaddress.IPv4Network] | Iterable[ipaddress.IPv6Network],
) -> tuple[list[int], list[int]]:
    """The first and last addresses of disjoint networks, as integers, in address order."""
    pairs = sorted((int(n.network_address), int(n.broadcast_address)) for n in networks)
    return [first for first, _ in pairs], [last for _, last in pairs]


class AwsRanges:
    """AWS's published address ranges, searchable by address.

    The ranges are merged into disjoint, sorted blocks, so an address is found by bisection among
    their first addresses: ip-ranges.json has thousands of prefixes and a zone can have as many
    records pointing at addresses.
    """

    def __init__(self, prefixes: tuple[str, ...]) -> None:
        networks = []
        for prefix in prefixes:
            try:
                networks.append(ipaddress.ip_network(prefix, strict=False))
            except ValueError:
                continue
        v4 = ipaddress.collapse_addresses(n for n in networks if isinstance(n, ipaddress.IPv4Network))
        v6 = ipaddress.collapse_addresses(n for n in networks if isinstance(n, ipaddress.IPv6Network))
        self._bounds = {4: _sorted_bounds(v4), 6: _sorted_bounds(v6)}

    def contains(self, address: str) -> bool:
        ip = ipaddress.ip_address(address.strip())
        starts, ends = self._bounds[ip.version]
        value = int(ip)
        index = bisect.bisect_right(starts, value) - 1
        return index >= 0 and value <= ends[index]
