"""Benchmark: a full scan of one large account against the floor, a plain boto3 read of the same data.

Seeds one account into the emulator (at scale 1.0): 2,000 security groups with 10 rules each over
4 regions (world-open, internal and IPv6 CIDRs, port ranges, ICMP, group pairs) and network
interfaces carrying two groups, 1,000 S3 buckets in those regions, each with a bucket policy
(public, or limited by a condition; some with public ACLs, Block Public Access, Object Ownership,
tags), 200 IAM users (console passwords, access keys, virtual MFA devices), 50 public hosted zones
with 10,000 record sets in all (A/AAAA, CNAMEs to S3 websites, CloudFront, load balancers, Elastic
Beanstalk, API Gateway, EC2 host names and third parties, aliases, weighted sets, delegations, MX,
TXT), a trail and a few Elastic IPs. Seeding runs on threads; the emulator serves them concurrently.

Then, each in a subprocess of its own, so that the peak RSS is each side's alone (VmHWM, the
high-water mark of the process's own memory: `ru_maxrss` would include the parent's size at the
fork), and after the imports:
- the scan: what `cloudwarden scan --region R... --format json` does, in process (collect the four
  regions, evaluate every rule, render the JSON report): wall time, AWS calls (from the snapshot's
  call statistics), peak RSS;
- the floor: the same list, describe and get calls with plain boto3 (paginated listings, each
  bucket's reads in its region, the credential report, each zone's records, CheckDNSAvailability for
  the Elastic Beanstalk names records point at...) on as many threads as cloudwarden's call pool
  (`CollectOptions.max_workers`), keeping the answers but not normalising them: wall time, calls,
  peak RSS.
It prints both side by side with the resources each read (they must match), and the ratios.
Targets: the scan's wall time at most 1.25 times the floor's, and its peak RSS at most 400 MiB.

With `--latency-ms MS`, both sides go through `latency_proxy.py`, which makes every HTTP request wait
MS milliseconds, as a round trip to AWS does; the scan's wall time is then printed beside its calls
times MS, what the same calls would cost one after another.

Run: `.venv/bin/python bench/bench_account.py [SCALE] [--latency-ms MS] [--repeat N]` (defaults 1.0,
0 and 1); SCALE multiplies every count (0.05 gives a CI-sized account in a few seconds).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import io
import json
import os
import re
import resource
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import botocore.config

REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2")
HOME = REGIONS[0]
SEED_THREADS = 8
ROOT_USER = "<root_account>"
ZONE_SUFFIX = "bench-account.example"
RESOURCE_KINDS = (
    "security groups",
    "security group rules",
    "network interfaces",
    "buckets",
    "IAM users",
    "hosted zones",
    "record sets",
)
T = TypeVar("T")


# --- the account ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """How much of each resource the account gets."""

    groups: int
    buckets: int
    users: int
    zones: int
    records: int
    """Record sets in all, the two that Route53 creates at each zone's apex (SOA, NS) included."""

    @staticmethod
    def of(factor: float) -> Scale:
        zones = max(1, round(50 * factor))
        return Scale(
            groups=max(len(REGIONS), round(2_000 * factor)),
            buckets=max(1, round(1_000 * factor)),
            users=max(1, round(200 * factor)),
            zones=zones,
            records=max(zones * 4, round(10_000 * factor)),
        )


def _parallel(pool: ThreadPoolExecutor, work: Callable[[T], Any], items: Iterable[T]) -> list[Any]:
    """Run `work` on every item on the seeding pool; the first failure is raised."""
    return list(pool.map(work, items))


class Seeder:
    """Fills the emulator's default account, on threads, through clients shared by them."""

    def __init__(self, emulator: Any, pool: ThreadPoolExecutor) -> None:
        self._emulator = emulator
        self._pool = pool
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._config = botocore.config.Config(
            max_pool_connections=SEED_THREADS * 2, retries={"mode": "standard", "max_attempts": 10}
        )

    def client(self, service: str, region: str = HOME) -> Any:
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self._emulator.client(service, region, config=self._config)
            return self._clients[key]

    def network(self, groups: int) -> None:
        """The regions side by side, each region's calls in order: moto's EC2 backend of a region is not
        safe for concurrent writes (two groups created at once can fail with a 500)."""
        shares = [
            groups // len(REGIONS) + (1 if index < groups % len(REGIONS) else 0)
            for index in range(len(REGIONS))
        ]
        _parallel(
            self._pool,
            lambda index: self._region_network(index, REGIONS[index], shares[index]),
            range(len(REGIONS)),
        )

    def _region_network(self, number: int, region: str, count: int) -> None:
        ec2 = self.client("ec2", region)
        vpc = ec2.create_vpc(CidrBlock=f"10.{number}.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{number}.0.0/20")["Subnet"]["SubnetId"]

        def create(index: int) -> str:
            name = f"bench-{region}-{index:04d}"
            return str(ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"])

        ids = [create(index) for index in range(count)]

        def authorize(index: int) -> None:
            peer = ids[(index + 1) % count]
            ec2.authorize_security_group_ingress(GroupId=ids[index], IpPermissions=_ingress(index, peer))
            # With AWS's "All traffic to 0.0.0.0/0", the group has 8 inbound and 2 outbound rules.
            ec2.authorize_security_group_egress(
                GroupId=ids[index],
                IpPermissions=[
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 5432,
                        "ToPort": 5432,
                        "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
                    }
                ],
            )

        for index in range(count):
            authorize(index)

        def interface(index: int) -> None:
            ec2.create_network_interface(
                SubnetId=subnet, Groups=[ids[index], ids[(index + 1) % count]], Description=f"bench {index}"
            )

        for index in range(0, count, 10):
            interface(index)
        for _ in range(3):
            ec2.allocate_address(Domain="vpc")

    def buckets(self, count: int) -> list[str]:
        s3 = self.client("s3")
        names = [f"bench-account-{index:05d}" for index in range(count)]

        def create(index: int) -> None:
            name, region = names[index], REGIONS[index % len(REGIONS)]
            if region == "us-east-1":
                s3.create_bucket(Bucket=name)
            else:
                s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
            s3.put_bucket_policy(Bucket=name, Policy=_bucket_policy(name, index))
            if index % 10 == 0:
                s3.put_bucket_acl(Bucket=name, ACL="public-read")
            elif index % 5 == 0:
                s3.put_bucket_ownership_controls(
                    Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
                )
            if index % 3 == 0:
                s3.put_public_access_block(
                    Bucket=name,
                    PublicAccessBlockConfiguration={
                        "BlockPublicAcls": True,
                        "IgnorePublicAcls": True,
                        "BlockPublicPolicy": True,
                        "RestrictPublicBuckets": True,
                    },
                )
            if index % 2 == 0:
                s3.put_bucket_tagging(
                    Bucket=name, Tagging={"TagSet": [{"Key": "team", "Value": f"team-{index % 12}"}]}
                )

        _parallel(self._pool, create, range(count))
        return names

    def users(self, count: int) -> None:
        iam = self.client("iam")

        def create(index: int) -> None:
            name = f"bench-user-{index:04d}"
            iam.create_user(UserName=name)
            if index % 2 == 0:
                iam.create_login_profile(UserName=name, Password="Bench-Passw0rd!")
            if index % 3 == 0:
                iam.create_access_key(UserName=name)
            if index % 4 == 0:
                device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
                iam.enable_mfa_device(
                    UserName=name,
                    SerialNumber=device["SerialNumber"],
                    AuthenticationCode1="123456",
                    AuthenticationCode2="654321",
                )

        _parallel(self._pool, create, range(count))
        # AWS keeps a generated report for four hours: both sides read the same one.
        iam.generate_credential_report()

    def dns(self, zones: int, records: int) -> None:
        route53 = self.client("route53")
        per_zone = [records // zones - 2 + (1 if z < records % zones else 0) for z in range(zones)]

        def create(zone: int) -> None:
            name = f"zone{zone:03d}.{ZONE_SUFFIX}"
            zone_id = route53.create_hosted_zone(Name=name, CallerReference=f"bench-{zone}")["HostedZone"][
                "Id"
            ]
            first = sum(per_zone[:zone])
            changes = [
                {"Action": "CREATE", "ResourceRecordSet": _record(first + offset, offset, name, zone_id)}
                for offset in range(per_zone[zone])
            ]
            route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})

        _parallel(self._pool, create, range(zones))

    def trail(self, bucket: str) -> None:
        cloudtrail = self.client("cloudtrail")
        cloudtrail.create_trail(
            Name="bench-audit", S3BucketName=bucket, IsMultiRegionTrail=True, IncludeGlobalServiceEvents=True
        )
        cloudtrail.start_logging(Name="bench-audit")

    def warm_up(self) -> None:
        """One call to every service and region the scan reads: the emulator builds each on first use."""
        calls: list[tuple[str, str, str, dict[str, Any]]] = [
            ("sts", HOME, "get_caller_identity", {}),
            ("iam", HOME, "get_account_summary", {}),
            ("cloudfront", HOME, "list_distributions", {}),
            ("organizations", HOME, "describe_organization", {}),
            ("s3control", HOME, "get_public_access_block", {"AccountId": "123456789012"}),
            ("elasticbeanstalk", HOME, "check_dns_availability", {"CNAMEPrefix": "bench-warm-up"}),
        ]
        for region in REGIONS:
            calls += [
                ("ec2", region, "describe_addresses", {}),
                ("elb", region, "describe_load_balancers", {}),
                ("elbv2", region, "describe_load_balancers", {}),
                ("elasticbeanstalk", region, "describe_environments", {}),
                ("apigateway", region, "get_rest_apis", {}),
                ("apigatewayv2", region, "get_apis", {}),
                ("cloudtrail", region, "describe_trails", {}),
            ]

        def call(entry: tuple[str, str, str, dict[str, Any]]) -> None:
            service, region, operation, parameters = entry
            client = self.client(service, region)
            with contextlib.suppress(client.exceptions.ClientError):
                getattr(client, operation)(**parameters)

        _parallel(self._pool, call, calls)


def _ingress(index: int, peer: str) -> list[dict[str, Any]]:
    """8 inbound rules: the usual web group, with a world-open SSH every tenth group."""
    ssh = "0.0.0.0/0" if index % 10 == 0 else f"10.{index % 256}.0.0/16"

    def cidr(protocol: str, low: int, high: int, block: str) -> dict[str, Any]:
        ranges = {"Ipv6Ranges": [{"CidrIpv6": block}]} if ":" in block else {"IpRanges": [{"CidrIp": block}]}
        return {"IpProtocol": protocol, "FromPort": low, "ToPort": high, **ranges}

    def pair(low: int, high: int) -> dict[str, Any]:
        return {"IpProtocol": "tcp", "FromPort": low, "ToPort": high, "UserIdGroupPairs": [{"GroupId": peer}]}

    return [
        cidr("tcp", 443, 443, "0.0.0.0/0"),
        cidr("tcp", 22, 22, ssh),
        cidr("tcp", 8000, 8100, "172.16.0.0/12"),
        cidr("udp", 53, 53, "::/0"),
        pair(0, 65535),
        cidr("icmp", 8, -1, "0.0.0.0/0"),
        pair(5432, 5432),
        cidr("tcp", 3389, 3389, f"81.{index % 256}.0.0/16"),
    ]


def _bucket_policy(name: str, index: int) -> str:
    """Public reads, or reads limited to a VPC endpoint or an organisation; list through a broad IP."""
    arns = [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"]
    statement: dict[str, Any] = {"Sid": "Read", "Effect": "Allow", "Principal": "*", "Resource": arns}
    kind = index % 4
    statements = [statement | {"Action": "s3:GetObject"}]
    if kind == 1:
        statements[0]["Condition"] = {"StringEquals": {"aws:SourceVpce": f"vpce-{index:08x}"}}
    elif kind == 2:
        statements[0]["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": "o-bench12345"}}
        statements.append(
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": arns,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        )
    elif kind == 3:
        statements[0] |= {
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/1"}},
        }
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _record(number: int, offset: int, zone: str, zone_id: str) -> dict[str, Any]:
    """Record set `number` of the account (`offset` in its zone): one of twenty kinds of targets."""
    name = f"r{offset}.{zone}"
    region = REGIONS[number % len(REGIONS)]
    octets = f"{(number // 256) % 256}.{number % 256}"

    def values(kind: str, *targets: str, record: str = name) -> dict[str, Any]:
        return {"Name": record, "Type": kind, "TTL": 300, "ResourceRecords": [{"Value": t} for t in targets]}

    def alias(target: str, target_zone: str) -> dict[str, Any]:
        return {
            "Name": name,
            "Type": "A",
            "AliasTarget": {"HostedZoneId": target_zone, "DNSName": target, "EvaluateTargetHealth": False},
        }

    match number % 20:
        case 0:
            return values("A", f"10.{octets}")
        case 1:
            return values("A", f"54.214.{octets}")
        case 2:
            return values("A", f"93.184.{octets}", f"93.185.{octets}")
        case 3:
            return values("AAAA", f"2600:1f00::{number % 65536:x}")
        case 4:
            return values("CNAME", f"{name}.s3-website-{region}.amazonaws.com")
        case 5:
            return values("CNAME", f"d{number:012x}.cloudfront.net")
        case 6:
            return values("CNAME", f"bench-lb-{number}.{region}.elb.amazonaws.com")
        case 7:
            return values("CNAME", f"bench-shop-{number}.{region}.elasticbeanstalk.com")
        case 8:
            return values("CNAME", f"a{number:09x}.execute-api.{region}.amazonaws.com")
        case 9:
            return values("CNAME", f"ec2-54-214-{octets.replace('.', '-')}.compute-1.amazonaws.com")
        case 10:
            return values("CNAME", f"bench-docs-{number}.github.io")
        case 11:
            return values("CNAME", f"partner-{number % 300}.example.net")
        case 12:
            return values("CNAME", f"service-{number}.{region}.amazonaws.com")
        case 13:
            return values("A", f"54.214.{octets}") | {"SetIdentifier": "blue", "Weight": 10}
        case 14:
            return alias(f"d{number:012x}.cloudfront.net", "Z2FDTNDATAQYW2")
        case 15:
            return alias(f"dualstack.bench-lb-{number}.{region}.elb.amazonaws.com", "Z35SXDOTRQ7X7K")
        case 16:
            return alias(f"r0.{zone}", zone_id.rsplit("/", 1)[-1])
        case 17:
            servers = ("ns-1.awsdns-01.org", "ns-2.awsdns-02.com") if number % 2 else ("ns1.dns.example.net",)
            return values("NS", *servers, record=f"sub{offset}.{zone}")
        case 18:
            return values("MX", f"10 mx.{zone}")
    return values("TXT", '"v=spf1 include:_spf.example.net ~all"')


# --- the two sides, each in a subprocess of its own --------------------------------------------------------


@dataclass
class Side:
    """What one side measured."""

    wall: float
    calls: int
    peak_rss_mib: float
    resources: dict[str, int]
    operations: dict[str, int]
    findings: int | None = None


def _peak_rss_mib() -> float:
    """This process's peak RSS: VmHWM, the high-water mark of its own memory since it started.

    `ru_maxrss` would do on its own, but Linux keeps the parent's RSS at the fork in it across the exec,
    so a child of a large parent would report at least the parent's size.
    """
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_scan(regions: tuple[str, ...]) -> Side:
    """`cloudwarden scan --region ... --format json`, in this process."""
    from cloudwarden.collect import CollectOptions, collect
    from cloudwarden.config import load_config
    from cloudwarden.engine import evaluate
    from cloudwarden.report import Format, render
    from cloudwarden.rules import RULE_IDS, RULES

    started = time.perf_counter()
    config = load_config(None, RULE_IDS)
    snapshot = collect(CollectOptions(regions=regions))
    report = evaluate(snapshot, config, RULES)
    Path(os.devnull).write_text(render(report, Format.JSON, RULES), encoding="utf-8")
    wall = time.perf_counter() - started

    account = snapshot.accounts[0]
    ec2, dns, rows = account.ec2, account.route53, account.iam.credential_report
    groups = ec2.security_groups if ec2 else ()
    rules = sum(
        len(p.ipv4_ranges) + len(p.ipv6_ranges) + len(p.groups) + len(p.prefix_lists)
        for group in groups
        for p in (*group.ingress, *group.egress)
    )
    return Side(
        wall=wall,
        calls=sum(stat.calls for stat in snapshot.stats.values()),
        peak_rss_mib=_peak_rss_mib(),
        resources={
            "security groups": len(groups),
            "security group rules": rules,
            "network interfaces": len(ec2.network_interfaces) if ec2 else 0,
            "buckets": len(account.s3.buckets or ()),
            "IAM users": sum(1 for row in rows.rows if row.user != ROOT_USER) if rows else 0,
            "hosted zones": len(dns.zones) if dns else 0,
            "record sets": len(dns.records) if dns else 0,
        },
        operations={key: stat.calls for key, stat in snapshot.stats.items()},
        findings=len(report.findings),
    )


_BEANSTALK = re.compile(
    r"^(?P<prefix>[a-z0-9-]+)\.(?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d)\.elasticbeanstalk\.com$"
)


class Tasks:
    """A thread pool whose tasks may submit more tasks; `wait` returns when none is left."""

    def __init__(self, workers: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="floor")
        self._pending = 0
        self._done = threading.Condition()
        self._failures: list[BaseException] = []

    def submit(self, work: Callable[..., object], *arguments: Any, **keywords: Any) -> None:
        with self._done:
            self._pending += 1
        self._pool.submit(self._run, functools.partial(work, *arguments, **keywords))

    def _run(self, work: Callable[[], object]) -> None:
        try:
            work()
        except BaseException as error:
            self._failures.append(error)
        finally:
            with self._done:
                self._pending -= 1
                self._done.notify_all()

    def wait(self) -> None:
        with self._done:
            while self._pending:
                self._done.wait()
        self._pool.shutdown()
        if self._failures:
            raise self._failures[0]


class Barrier:
    """Runs `then` once `count` parts are done; parts may be added before they are all done."""

    def __init__(self, count: int, then: Callable[[], None]) -> None:
        self._count = count
        self._then = then
        self._lock = threading.Lock()

    def add(self, count: int) -> None:
        with self._lock:
            self._count += count

    def done(self) -> None:
        with self._lock:
            self._count -= 1
            last = self._count == 0
        if last:
            self._then()


@dataclass
class Floor:
    """The same reads as a scan, with plain boto3 clients and no normalisation."""

    workers: int
    regions: tuple[str, ...]
    kept: list[Any] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _records: list[dict[str, Any]] = field(default_factory=list)
    _environments: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        import boto3

        self._session = boto3.session.Session()
        self._config = botocore.config.Config(max_pool_connections=self.workers)

    def client(self, service: str, region: str = HOME) -> Any:
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                client = self._session.client(service, region_name=region, config=self._config)  # type: ignore[call-overload]
                client.meta.events.register("after-call", self._count)
                client.meta.events.register("after-call-error", self._count_error)
                if service == "s3control":
                    client.meta.events.register("before-sign.s3-control", _to_endpoint_host)
                self._clients[key] = client
            return self._clients[key]

    def _count(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.operations[f"{model.service_model.service_name}.{model.name}"] += 1

    def _count_error(self, context: dict[str, Any], **_: Any) -> None:
        with self._lock:
            self.operations["transport errors"] += 1

    def call(self, service: str, region: str, operation: str, **parameters: Any) -> Any:
        """One call; an AWS error is an answer too (None)."""
        client = self.client(service, region)
        try:
            answer = getattr(client, operation)(**parameters)
        except client.exceptions.ClientError:
            return None
        self.kept.append(answer)
        return answer

    def pages(self, service: str, region: str, operation: str, *keys: str, **parameters: Any) -> list[Any]:
        """Every page of a listing; the items under `keys` (nested) of all pages."""
        client = self.client(service, region)
        items: list[Any] = []
        try:
            for page in client.get_paginator(operation).paginate(**parameters):
                self.kept.append(page)
                value: Any = page
                for key in keys:
                    value = (value or {}).get(key)
                items.extend(value or [])
        except client.exceptions.ClientError:
            pass
        return items

    def tally(self, kind: str, count: int) -> None:
        with self._lock:
            self.counts[kind] += count

    def run(self) -> None:
        account = str(self.call("sts", HOME, "get_caller_identity")["Account"])
        tasks = Tasks(self.workers)
        beanstalk = Barrier(1 + len(self.regions), lambda: self._check_names(tasks))
        tasks.submit(self._credential_report)
        tasks.submit(self.call, "iam", HOME, "get_account_summary")
        tasks.submit(self.pages, "iam", HOME, "list_virtual_mfa_devices", "VirtualMFADevices")
        tasks.submit(self.call, "s3control", HOME, "get_public_access_block", AccountId=account)
        tasks.submit(self._buckets, tasks)
        tasks.submit(self.call, "organizations", HOME, "describe_organization")
        tasks.submit(self._trails, tasks, account)
        tasks.submit(self._zones, tasks, beanstalk)
        tasks.submit(self.pages, "cloudfront", HOME, "list_distributions", "DistributionList", "Items")
        for region in self.regions:
            tasks.submit(self._groups, tasks, region)
            tasks.submit(self._interfaces, region)
            tasks.submit(self.pages, "ec2", region, "describe_vpcs", "Vpcs")
            tasks.submit(self.call, "ec2", region, "describe_addresses")
            tasks.submit(self.pages, "elb", region, "describe_load_balancers", "LoadBalancerDescriptions")
            tasks.submit(self.pages, "elbv2", region, "describe_load_balancers", "LoadBalancers")
            tasks.submit(self._environments_of, region, beanstalk)
            tasks.submit(self.pages, "apigateway", region, "get_rest_apis", "items")
            tasks.submit(self.pages, "apigatewayv2", region, "get_apis", "Items")
        tasks.wait()

    def _credential_report(self) -> None:
        delay = 0.25
        while (self.call("iam", HOME, "generate_credential_report") or {}).get("State") != "COMPLETE":
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
        report = self.call("iam", HOME, "get_credential_report")
        rows = csv.DictReader(io.StringIO(report["Content"].decode()))
        self.tally("IAM users", sum(1 for row in rows if row.get("user") != ROOT_USER))

    def _buckets(self, tasks: Tasks) -> None:
        buckets = self.pages("s3", HOME, "list_buckets", "Buckets")
        self.tally("buckets", len(buckets))
        for bucket in buckets:
            tasks.submit(self._bucket, str(bucket["Name"]))

    def _bucket(self, name: str) -> None:
        location = self.call("s3", HOME, "get_bucket_location", Bucket=name) or {}
        constraint = location.get("LocationConstraint")
        region = "eu-west-1" if constraint == "EU" else constraint or "us-east-1"
        for operation in (
            "get_bucket_policy",
            "get_bucket_policy_status",
            "get_bucket_acl",
            "get_public_access_block",
            "get_bucket_ownership_controls",
        ):
            self.call("s3", region, operation, Bucket=name)

    def _trails(self, tasks: Tasks, account: str) -> None:
        trails: dict[str, dict[str, Any]] = {}
        for region in self.regions:
            for trail in (
                self.call("cloudtrail", region, "describe_trails", includeShadowTrails=True) or {}
            ).get("trailList", []):
                trails.setdefault(trail["TrailARN"], trail)
        for arn, trail in trails.items():
            home = trail.get("HomeRegion") or arn.split(":")[3]
            tasks.submit(self.call, "cloudtrail", home, "get_trail_status", Name=arn)
            tasks.submit(self.call, "cloudtrail", home, "get_event_selectors", TrailName=arn)
        for bucket in sorted(
            {trail["S3BucketName"] for trail in trails.values() if trail.get("S3BucketName")}
        ):
            tasks.submit(self.call, "s3", HOME, "head_bucket", Bucket=bucket, ExpectedBucketOwner=account)

    def _groups(self, tasks: Tasks, region: str) -> None:
        groups = self.pages("ec2", region, "describe_security_groups", "SecurityGroups")
        self.tally("security groups", len(groups))
        prefix_lists: set[str] = set()
        rules = 0
        for group in groups:
            for permission in (*group.get("IpPermissions", []), *group.get("IpPermissionsEgress", [])):
                lists = [entry["PrefixListId"] for entry in permission.get("PrefixListIds", [])]
                prefix_lists.update(lists)
                rules += len(permission.get("IpRanges", [])) + len(permission.get("Ipv6Ranges", []))
                rules += len(permission.get("UserIdGroupPairs", [])) + len(lists)
        self.tally("security group rules", rules)
        if prefix_lists:
            ids = sorted(prefix_lists)
            tasks.submit(
                self.pages, "ec2", region, "describe_managed_prefix_lists", "PrefixLists", PrefixListIds=ids
            )

    def _interfaces(self, region: str) -> None:
        self.tally(
            "network interfaces",
            len(self.pages("ec2", region, "describe_network_interfaces", "NetworkInterfaces")),
        )

    def _zones(self, tasks: Tasks, beanstalk: Barrier) -> None:
        zones = self.pages("route53", HOME, "list_hosted_zones", "HostedZones")
        self.tally("hosted zones", len(zones))
        public = [
            str(zone["Id"]).rsplit("/", 1)[-1]
            for zone in zones
            if not zone.get("Config", {}).get("PrivateZone")
        ]
        beanstalk.add(len(public))
        for zone_id in public:
            tasks.submit(self.call, "route53", HOME, "get_hosted_zone", Id=zone_id)
            tasks.submit(self._records_of, zone_id, beanstalk)
        beanstalk.done()

    def _records_of(self, zone_id: str, beanstalk: Barrier) -> None:
        records = self.pages(
            "route53", HOME, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zone_id
        )
        self.tally("record sets", len(records))
        with self._lock:
            self._records.extend(records)
        beanstalk.done()

    def _environments_of(self, region: str, beanstalk: Barrier) -> None:
        answer = self.call("elasticbeanstalk", region, "describe_environments") or {}
        with self._lock:
            self._environments.update(
                str(env["CNAME"]).lower().rstrip(".")
                for env in answer.get("Environments", [])
                if env.get("CNAME")
            )
        beanstalk.done()

    def _check_names(self, tasks: Tasks) -> None:
        """CheckDNSAvailability, each a task, for the Elastic Beanstalk names records point at that no
        environment holds."""
        names: set[str] = set()
        for record in self._records:
            targets = (
                [entry["Value"] for entry in record.get("ResourceRecords", [])]
                if record["Type"] == "CNAME"
                else []
            )
            targets.append((record.get("AliasTarget") or {}).get("DNSName", ""))
            names.update(target.lower().rstrip(".") for target in targets if target)
        for name in sorted(names - self._environments):
            match = _BEANSTALK.match(name)
            if match:
                tasks.submit(
                    self.call,
                    "elasticbeanstalk",
                    match["region"],
                    "check_dns_availability",
                    CNAMEPrefix=match["prefix"],
                )


def _to_endpoint_host(request: Any, **_: Any) -> None:
    """S3 Control puts the account id before the endpoint's host, which cannot resolve on 127.0.0.1."""
    parts = urllib.parse.urlsplit(request.url)
    label, dot, rest = parts.netloc.partition(".")
    if dot and label.isdigit():
        request.url = urllib.parse.urlunsplit(parts._replace(netloc=rest))


def measure_floor(regions: tuple[str, ...], workers: int) -> Side:
    floor = Floor(workers=workers, regions=regions)
    started = time.perf_counter()
    floor.run()
    wall = time.perf_counter() - started
    return Side(
        wall=wall,
        calls=sum(count for key, count in floor.operations.items() if key != "transport errors"),
        peak_rss_mib=_peak_rss_mib(),
        resources={kind: floor.counts[kind] for kind in RESOURCE_KINDS},
        operations=dict(floor.operations),
    )


def _measure_in_subprocess(side: str, environment: dict[str, str], workers: int) -> Side:
    command = [sys.executable, __file__, "--measure", side, "--workers", str(workers)]
    completed = subprocess.run(
        command, env=environment, capture_output=True, text=True, timeout=3600, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the {side} subprocess failed ({completed.returncode}):\n{completed.stderr}")
    return Side(**json.loads(completed.stdout.strip().splitlines()[-1]))


# --- the report ----------------------------------------------------------------------------------------


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}x" if denominator else "-"


def report(scan: Side, floor: Side, latency_ms: float) -> Iterator[str]:
    yield f"{'':26}{'cloudwarden scan':>18}{'boto3 floor':>16}{'scan/floor':>12}"
    yield f"{'wall time':26}{scan.wall:>16.2f} s{floor.wall:>14.2f} s{_ratio(scan.wall, floor.wall):>12}"
    yield f"{'API calls':26}{scan.calls:>18,}{floor.calls:>16,}{_ratio(scan.calls, floor.calls):>12}"
    yield (
        f"{'peak RSS':26}{scan.peak_rss_mib:>14.0f} MiB{floor.peak_rss_mib:>12.0f} MiB"
        f"{_ratio(scan.peak_rss_mib, floor.peak_rss_mib):>12}"
    )
    yield "resources read"
    for kind in RESOURCE_KINDS:
        scanned, read = scan.resources.get(kind, 0), floor.resources.get(kind, 0)
        mark = "" if scanned == read else "   DIFFERENT"
        yield f"  {kind:24}{scanned:>18,}{read:>16,}{mark}"
    yield f"{'findings':26}{scan.findings or 0:>18,}"
    differing = sorted(
        key
        for key in set(scan.operations) | set(floor.operations)
        if scan.operations.get(key, 0) != floor.operations.get(key, 0)
    )
    for key in differing:
        scanned, read = scan.operations.get(key, 0), floor.operations.get(key, 0)
        yield f"  calls differ: {key}: scan {scanned}, floor {read}"
    if latency_ms:
        serial = scan.calls * latency_ms / 1000
        yield (
            f"with {latency_ms:g} ms per request: scan {scan.wall:.2f} s; its {scan.calls:,} calls one after "
            f"another would wait {serial:.1f} s ({_ratio(serial, scan.wall)} the scan's wall time)"
        )
    wall_ok = scan.wall <= 1.25 * floor.wall
    memory_ok = scan.peak_rss_mib <= 400
    yield (
        f"targets: wall <= 1.25x floor: {'met' if wall_ok else 'MISSED'}; "
        f"peak RSS <= 400 MiB: {'met' if memory_ok else 'MISSED'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Scan one large account, beside a plain boto3 read of it.")
    parser.add_argument(
        "scale", nargs="?", type=float, default=1.0, help="multiplies every count (default 1.0)"
    )
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay per HTTP request (default 0)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side; the fastest is shown")
    parser.add_argument("--measure", choices=("scan", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=0, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure:
        side = (
            measure_scan(REGIONS)
            if arguments.measure == "scan"
            else measure_floor(REGIONS, arguments.workers)
        )
        print(json.dumps(asdict(side)))
        return
    run(arguments.scale, arguments.latency_ms, max(1, arguments.repeat))


def run(factor: float, latency_ms: float, repeat: int) -> None:
    from cloudwarden.collect import CollectOptions
    from cloudwarden_emulator import Emulator

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from latency_proxy import LatencyProxy

    scale = Scale.of(factor)
    workers = CollectOptions().max_workers
    print(
        f"one account, scale {factor:g}: {scale.groups:,} security groups (10 rules each) in {len(REGIONS)} "
        f"regions, {scale.buckets:,} buckets, {scale.users:,} IAM users, {scale.zones:,} zones with "
        f"{scale.records:,} record sets; {workers} threads a side; {latency_ms:g} ms per request",
        flush=True,
    )
    with Emulator() as emulator, ThreadPoolExecutor(SEED_THREADS, thread_name_prefix="seed") as pool:
        started = time.perf_counter()
        seeder = Seeder(emulator, pool)
        steps: list[tuple[str, Callable[[], object]]] = [
            ("network", lambda: seeder.network(scale.groups)),
            ("buckets", lambda: seeder.trail(seeder.buckets(scale.buckets)[0])),
            ("users", lambda: seeder.users(scale.users)),
            ("dns", lambda: seeder.dns(scale.zones, scale.records)),
            ("warm-up", seeder.warm_up),
        ]
        times = []
        for name, step in steps:
            begun = time.perf_counter()
            step()
            times.append(f"{name} {time.perf_counter() - begun:.1f} s")
        print(f"seeded in {time.perf_counter() - started:.1f} s ({', '.join(times)})", flush=True)
        with contextlib.ExitStack() as stack:
            endpoint = emulator.endpoint
            if latency_ms > 0:
                endpoint = stack.enter_context(LatencyProxy(emulator.endpoint, latency_ms)).endpoint
            environment = emulator.env() | {"AWS_ENDPOINT_URL": endpoint}
            for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
                environment.pop(variable, None)
            runs: dict[str, list[Side]] = {"floor": [], "scan": []}
            for _ in range(repeat):
                for side in ("floor", "scan"):
                    runs[side].append(_measure_in_subprocess(side, environment, workers))
    best = {side: min(sides, key=lambda s: s.wall) for side, sides in runs.items()}
    for line in report(best["scan"], best["floor"], latency_ms):
        print(line)


if __name__ == "__main__":
    main()
