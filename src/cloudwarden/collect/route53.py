"""Route53: public hosted zones and their records, and the inventory to tell whether targets are ours.

Zones, their delegation sets and records are read once per account; the inventory (Elastic IPs,
load balancers, Elastic Beanstalk environments, APIs) in every scanned region, CloudFront once.
The public addresses of network interfaces come from the EC2 collection. Elastic Beanstalk is asked
`CheckDNSAvailability` only for the names records point at that no environment of the account holds.
With route53.trusted_accounts, S3 is asked (`HeadBucket` with `ExpectedBucketOwner`) whether a trusted
account owns each bucket that records serve and that this account does not own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from functools import partial
from typing import Any, TypeVar

from cloudwarden.collect.context import AccountContext
from cloudwarden.collect.live import LiveChecker
from cloudwarden.collect.s3 import bucket_ownership
from cloudwarden.semantics.dns import Target, TargetKind, classify_target, normalise_name
from cloudwarden.semantics.takeover import match_service
from cloudwarden.snapshot import (
    BucketOwnership,
    Distribution,
    Ec2Data,
    HostedZone,
    LiveCheck,
    RecordSet,
    Route53Data,
    S3Data,
)

T = TypeVar("T")


def _pages(client: Any, operation: str, key: str, **parameters: Any) -> Iterator[Any]:
    """The items of every page, one page held at a time: each page is dropped once turned into records."""
    for page in client.get_paginator(operation).paginate(**parameters):
        yield from page.get(key, [])


def collect_route53(
    context: AccountContext,
    pool: Executor,
    regions: tuple[str, ...],
    ec2: Callable[[], Ec2Data | None],
    aws_ranges: tuple[str, ...] | None,
    live: LiveChecker | None = None,
    trusted_accounts: tuple[str, ...] = (),
    s3: Callable[[], S3Data] = S3Data,
) -> Route53Data:
    home = context.session.home_region

    def submit(
        service: str, operation: str, region: str, read: Callable[[], T], resource: str | None = None
    ) -> Future[T | None]:
        return pool.submit(context.attempt, service, operation, region, read, resource)

    listed = submit("route53", "ListHostedZones", home, lambda: _zones(context))
    distributions = submit("cloudfront", "ListDistributions", home, lambda: _distributions(context))
    readers: dict[str, tuple[str, str, Callable[[AccountContext, str], tuple[str, ...]]]] = {
        "eips": ("ec2", "DescribeAddresses", _elastic_ips),
        "elb": ("elb", "DescribeLoadBalancers", _classic_lbs),
        "elbv2": ("elbv2", "DescribeLoadBalancers", _v2_lbs),
        "beanstalk": ("elasticbeanstalk", "DescribeEnvironments", _environments),
        "rest": ("apigateway", "GetRestApis", _rest_apis),
        "http": ("apigatewayv2", "GetApis", _http_apis),
    }
    per_region: dict[str, dict[str, Future[Any]]] = {
        region: {
            key: submit(service, operation, region, partial(read, context, region))
            for key, (service, operation, read) in readers.items()
            # A service that does not exist in a region has nothing there to point at.
            if context.session.offers(service, region)
        }
        for region in regions
    }
    zones = listed.result()
    public = [zone for zone in zones or [] if not zone.private]
    servers = {
        zone.id: submit("route53", "GetHostedZone", home, partial(_name_servers, context, zone.id), zone.id)
        for zone in public
    }
    records = {
        zone.id: submit(
            "route53", "ListResourceRecordSets", home, partial(_records, context, zone.id), zone.id
        )
        for zone in public
    }
    full_zones = tuple(
        HostedZone(id=zone.id, name=zone.name, private=zone.private, name_servers=servers[zone.id].result())
        if zone.id in servers
        else zone
        for zone in zones or []
    )
    all_records = tuple(record for future in records.values() for record in future.result() or [])

    def gathered(key: str) -> tuple[str, ...] | None:
        answers = [futures[key].result() for futures in per_region.values() if key in futures]
        return (
            None
            if any(answer is None for answer in answers)
            else tuple(x for answer in answers for x in answer)
        )

    load_balancers = gathered("elb"), gathered("elbv2")
    rest, http = gathered("rest"), gathered("http")
    beanstalk = gathered("beanstalk")
    return Route53Data(
        zones=full_zones,
        records=all_records,
        elastic_ips=gathered("eips"),
        interface_ips=_interface_ips(context, ec2()),
        distributions=distributions.result(),
        load_balancers=None
        if None in load_balancers
        else tuple(x for lbs in load_balancers for x in lbs or ()),
        beanstalk_cnames=beanstalk,
        api_ids=None if rest is None or http is None else (*rest, *http),
        beanstalk_available=_availability(context, pool, all_records, beanstalk),
        aws_ranges=aws_ranges,
        live=None if live is None else _live_checks(live, full_zones, all_records),
        bucket_ownership=_trusted_buckets(context, pool, all_records, s3, trusted_accounts),
    )


def _trusted_buckets(
    context: AccountContext,
    pool: Executor,
    records: tuple[RecordSet, ...],
    s3: Callable[[], S3Data],
    trusted_accounts: tuple[str, ...],
) -> tuple[BucketOwnership, ...]:
    """Who owns each bucket that S3 serves for a record (the record's name) and that this account does
    not own: once the account's own buckets are known (`s3` waits for them), the buckets are asked
    about side by side on the call pool, each of the trusted accounts in turn. Nothing is asked when
    no account is trusted."""
    candidates = tuple(account for account in trusted_accounts if account != context.account_id)
    if not candidates:
        return ()
    owned = frozenset(bucket.name for bucket in s3().buckets or ())
    served = sorted(
        {
            record.name
            for record in records
            for name in (record.alias_target, *(record.values if record.type == "CNAME" else ()))
            if name
            and "*" not in record.name  # a wildcard serves any bucket: no one name to ask about
            and classify_target(name).kind in (TargetKind.S3_WEBSITE, TargetKind.S3_REST)
            and record.name not in owned
        }
    )
    answers = [pool.submit(bucket_ownership, context, bucket, candidates) for bucket in served]
    return tuple(answer.result() for answer in answers)


def _live_checks(
    checker: LiveChecker, zones: tuple[HostedZone, ...], records: tuple[RecordSet, ...]
) -> tuple[LiveCheck, ...]:
    """Probe the targets that need it: CNAMEs to takeover-prone services, delegations to third parties."""
    apexes = {zone.id: zone.name for zone in zones}
    checks: list[Callable[[], LiveCheck]] = []
    for record in records:
        if record.type == "CNAME" and record.values and match_service(record.values[0]) is not None:
            checks.append(partial(checker.check_cname, record.record_id, record.name, record.values[0]))
        elif (
            record.type == "NS"
            and record.name != apexes.get(record.zone_id)
            and not any("awsdns" in server for server in record.values)
        ):
            checks.append(partial(checker.check_delegation, record.record_id, record.name, record.values))
    return tuple(checker.run(checks))


def _interface_ips(context: AccountContext, ec2: Ec2Data | None) -> tuple[str, ...] | None:
    """None when the interfaces are unknown: not collected, or a region's listing failed."""
    if ec2 is None or any(error.operation == "DescribeNetworkInterfaces" for error in context.errors):
        return None
    return tuple(ip for interface in ec2.network_interfaces for ip in interface.public_ips)


def _zones(context: AccountContext) -> list[HostedZone]:
    client = context.session.client("route53")
    return [
        HostedZone(
            id=str(zone["Id"]).rsplit("/", 1)[-1],
            name=normalise_name(str(zone["Name"])),
            private=bool(zone.get("Config", {}).get("PrivateZone", False)),
        )
        for zone in _pages(client, "list_hosted_zones", "HostedZones")
    ]


def _name_servers(context: AccountContext, zone_id: str) -> tuple[str, ...]:
    answer = context.session.client("route53").get_hosted_zone(Id=zone_id)
    return tuple(normalise_name(server) for server in answer.get("DelegationSet", {}).get("NameServers", []))


def _records(context: AccountContext, zone_id: str) -> list[RecordSet]:
    client = context.session.client("route53")
    result = []
    for record in _pages(client, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zone_id):
        kind = str(record["Type"])
        values = tuple(str(entry["Value"]) for entry in record.get("ResourceRecords", []))
        if kind in ("CNAME", "NS"):
            values = tuple(normalise_name(value) for value in values)
        alias = record.get("AliasTarget") or {}
        result.append(
            RecordSet(
                zone_id=zone_id,
                name=normalise_name(str(record["Name"])),
                type=kind,
                set_identifier=record.get("SetIdentifier"),
                values=values,
                alias_target=normalise_name(str(alias["DNSName"])) if alias.get("DNSName") else None,
                alias_zone=alias.get("HostedZoneId"),
                listed=dict(record),
            )
        )
    return result


def _distributions(context: AccountContext) -> tuple[Distribution, ...]:
    client = context.session.client("cloudfront")
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("list_distributions").paginate():
        items.extend(page.get("DistributionList", {}).get("Items", []) or [])
    return tuple(
        Distribution(
            domain_name=normalise_name(str(item["DomainName"])),
            aliases=tuple(normalise_name(alias) for alias in item.get("Aliases", {}).get("Items", []) or []),
            origins=tuple(
                normalise_name(str(origin["DomainName"]))
                for origin in item.get("Origins", {}).get("Items", []) or []
            ),
        )
        for item in items
    )


def _elastic_ips(context: AccountContext, region: str) -> tuple[str, ...]:
    answer = context.session.client("ec2", region).describe_addresses()
    return tuple(
        str(address["PublicIp"]) for address in answer.get("Addresses", []) if address.get("PublicIp")
    )


def _classic_lbs(context: AccountContext, region: str) -> tuple[str, ...]:
    client = context.session.client("elb", region)
    return tuple(
        normalise_name(str(lb["DNSName"]))
        for lb in _pages(client, "describe_load_balancers", "LoadBalancerDescriptions")
        if lb.get("DNSName")
    )


def _v2_lbs(context: AccountContext, region: str) -> tuple[str, ...]:
    client = context.session.client("elbv2", region)
    return tuple(
        normalise_name(str(lb["DNSName"]))
        for lb in _pages(client, "describe_load_balancers", "LoadBalancers")
        if lb.get("DNSName")
    )


def _environments(context: AccountContext, region: str) -> tuple[str, ...]:
    answer = context.session.client("elasticbeanstalk", region).describe_environments()
    return tuple(
        normalise_name(str(env["CNAME"])) for env in answer.get("Environments", []) if env.get("CNAME")
    )


def _rest_apis(context: AccountContext, region: str) -> tuple[str, ...]:
    client = context.session.client("apigateway", region)
    return tuple(str(api["id"]).lower() for api in _pages(client, "get_rest_apis", "items"))


def _http_apis(context: AccountContext, region: str) -> tuple[str, ...]:
    client = context.session.client("apigatewayv2", region)
    return tuple(str(api["ApiId"]).lower() for api in _pages(client, "get_apis", "Items"))


def _availability(
    context: AccountContext,
    pool: Executor,
    records: tuple[RecordSet, ...],
    owned: tuple[str, ...] | None,
) -> dict[str, bool]:
    """CheckDNSAvailability for each Elastic Beanstalk name that records point at and that no owned
    environment holds, asked side by side on the call pool: a large account has hundreds."""
    names: set[Target] = set()
    for record in records:
        for name in (record.alias_target, *(record.values if record.type == "CNAME" else ())):
            if name and classify_target(name).kind is TargetKind.BEANSTALK:
                names.add(classify_target(name))

    def ask(target: Target) -> Any:
        region = target.region or context.session.home_region
        client = context.session.client("elasticbeanstalk", region)
        return context.attempt(
            "elasticbeanstalk",
            "CheckDNSAvailability",
            region,
            partial(client.check_dns_availability, CNAMEPrefix=target.detail),
            resource=target.name,
        )

    answers = [
        (target, pool.submit(ask, target))
        for target in sorted(names, key=lambda t: t.name)
        if owned is None or target.name not in owned
    ]
    available: dict[str, bool] = {}
    for target, future in answers:
        answer = future.result()
        if answer is not None:
            available[target.name] = bool(answer.get("Available"))
    return available
