"""Benchmark: evaluation alone (every rule and the engine), on a synthetic snapshot of N resources.

The snapshot is built in memory from the snapshot records, as `collect` would leave it: N resources
(default 1,000,000) spread over several accounts (default 10) and four regions each, in this mix:

- 30% security groups, each with 8 inbound and 2 outbound permissions of mixed kinds (world-open
  and internal CIDRs, IPv6, port ranges, ICMP, group references), a default group per VPC;
- 20% network interfaces, with one to three groups each, some with public addresses;
- 10% S3 buckets: public, limited and no policies, public ACL grants, Block Public Access, Object
  Ownership, tags, and a few unreadable policies;
- 10% IAM users in each account's credential report: console users with and without MFA, access-key
  users, users without credentials;
- 30% Route53 record sets in public zones of 200 records: A/AAAA to private, AWS and outside
  addresses, CNAMEs and aliases to S3 websites, CloudFront, load balancers, Elastic Beanstalk, API
  Gateway, EC2 host names and third-party services, NS delegations, MX and TXT; the snapshot carries a
  few thousand AWS address ranges (as `route53.aws_ip_ranges_file` gives) and each account's
  inventory (Elastic IPs, distributions, load balancers, environments, APIs).

It prints the time to build the snapshot, then the time to evaluate it with every rule and the
engine, the findings per status, and the peak RSS of the process (snapshot included), in one of
three modes:

- by default, evaluation alone: the findings are made one at a time (`Evaluation`), counted and
  dropped, as a streamed report takes them;
- `--json`: the same, writing the JSON report to a temporary file as `cloudwarden evaluate SNAPSHOT
  --format json --output FILE` does, so the time includes encoding and writing every finding;
- `--in-memory`: the whole report built as one object (`evaluate`), as the formats that group the
  findings need it.

`--org-dns` lays the same resources out as an organisation with central DNS: the first account holds
every account's zones and records, the others keep the resources those records point at, so each
record is judged against the organisation's inventory (built once, in one pass, by the engine; its
build time is printed on its own).

Targets: evaluation of 1,000,000 resources in under 60 s and 2 GB on a 2-core machine.

Run: `.venv/bin/python bench/bench_evaluate.py [N] [--accounts A] [--org-dns] [--json | --in-memory]`.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import random
import resource
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import msgspec
from bench_security_groups import permissions

from cloudwarden.config import Config, S3Config, SecurityGroupsConfig, SuppressionConfig
from cloudwarden.engine import Evaluation, evaluate
from cloudwarden.findings import Finding, Report
from cloudwarden.report.stream import write_json
from cloudwarden.semantics.inventory import OrganisationInventory
from cloudwarden.snapshot import (
    AccountSnapshot,
    AclGrant,
    ApiError,
    Bucket,
    ClassicEventSelector,
    CloudTrailData,
    CredentialReport,
    CredentialReportRow,
    Distribution,
    Ec2Data,
    EventSelectors,
    GroupPair,
    HostedZone,
    IamData,
    IpPermission,
    NetworkInterface,
    PublicAccessBlock,
    RecordSet,
    Route53Data,
    S3Data,
    ScanInfo,
    SecurityGroup,
    Snapshot,
    Trail,
    TrailStatus,
    VirtualMfaDevice,
    Vpc,
)

REGIONS = ("us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2")
MIX = (
    ("security groups", 0.30),
    ("network interfaces", 0.20),
    ("buckets", 0.10),
    ("IAM users", 0.10),
    ("record sets", 0.30),
)
GROUPS_PER_VPC = 100
RECORDS_PER_ZONE = 200
ARCHIVE_ACCOUNT = "999988887777"
NOW = "2026-11-01T00:00:00+00:00"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AWS_FIRST_OCTETS = (3, 13, 15, 18, 34, 35, 43, 44, 46, 50, 52, 54, 63, 99)


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def aws_ranges(seed: int = 7) -> tuple[str, ...]:
    """About 3,000 prefixes in AWS's first octets, like ip-ranges.json (54.214.0.0/16 among them)."""
    chooser = random.Random(seed)
    prefixes = {"54.214.0.0/16", "52.95.0.0/16"}
    while len(prefixes) < 2_700:
        address = f"{chooser.choice(AWS_FIRST_OCTETS)}.{chooser.randrange(256)}.{chooser.randrange(256)}.0"
        length = chooser.choice((16, 18, 20, 22, 24))
        prefixes.add(str(ipaddress.ip_network(f"{address}/{length}", strict=False)))
    while len(prefixes) < 3_000:
        prefixes.add(f"2600:1f{chooser.randrange(256):02x}:{chooser.randrange(65536):x}::/48")
    return tuple(sorted(prefixes))


@dataclass(frozen=True)
class Sizes:
    """How many resources of each kind one account gets."""

    groups: int
    interfaces: int
    buckets: int
    users: int
    records: int

    @property
    def total(self) -> int:
        return self.groups + self.interfaces + self.buckets + self.users + self.records

    @staticmethod
    def split(total: int, accounts: int) -> list[Sizes]:
        """`total` resources over `accounts` accounts, in the proportions of MIX."""
        sizes = []
        for index in range(accounts):
            share = total // accounts + (1 if index < total % accounts else 0)
            counts = [int(share * fraction) for _, fraction in MIX]
            counts[-1] += share - sum(counts)
            sizes.append(Sizes(*counts))
        return sizes


def _group_id(account: int, index: int) -> str:
    return f"sg-{account:03x}{index:014x}"


def _permissions(index: int, peer: str) -> tuple[tuple[IpPermission, ...], tuple[IpPermission, ...]]:
    """8 inbound and 2 outbound permissions; a quarter of the groups are tidy web tiers."""
    octet = index % 256
    if index % 4 == 0:
        ingress = (
            IpPermission(protocol="tcp", from_port=443, to_port=443, ipv4_ranges=("0.0.0.0/0",)),
            IpPermission(protocol="tcp", from_port=80, to_port=80, ipv4_ranges=("0.0.0.0/0",)),
            IpPermission(protocol="tcp", from_port=443, to_port=443, ipv6_ranges=("::/0",)),
            IpPermission(protocol="tcp", from_port=22, to_port=22, ipv4_ranges=(f"10.{octet}.0.0/16",)),
            IpPermission(protocol="tcp", from_port=8080, to_port=8080, groups=(GroupPair(group_id=peer),)),
            IpPermission(protocol="icmp", from_port=3, to_port=4, ipv4_ranges=("10.0.0.0/8",)),
            IpPermission(protocol="udp", from_port=123, to_port=123, ipv4_ranges=(f"10.{octet}.1.0/24",)),
            IpPermission(
                protocol="tcp",
                from_port=9100,
                to_port=9110,
                groups=(GroupPair(group_id=peer, user_id="210987654321", vpc_id="vpc-0peer"),),
            ),
        )
        egress = (
            IpPermission(protocol="tcp", from_port=3128, to_port=3128, groups=(GroupPair(group_id=peer),)),
            IpPermission(protocol="tcp", from_port=443, to_port=443, ipv4_ranges=("0.0.0.0/0",)),
        )
        return ingress, egress
    return permissions(index, peer)


def network(account: int, account_id: str, sizes: Sizes) -> Ec2Data:
    groups = []
    for index in range(sizes.groups):
        region = REGIONS[index % len(REGIONS)]
        vpc = index // GROUPS_PER_VPC
        peer = _group_id(account, (index + len(REGIONS)) % max(sizes.groups, 1))
        if index % GROUPS_PER_VPC == 0:
            ingress: tuple[IpPermission, ...] = (
                IpPermission(protocol="-1", groups=(GroupPair(group_id=_group_id(account, index)),)),
            )
            egress: tuple[IpPermission, ...] = (IpPermission(protocol="-1", ipv4_ranges=("0.0.0.0/0",)),)
            name = "default"
        else:
            ingress, egress = _permissions(index, peer)
            name = f"service-{index}"
        tags = {"role": "nsm-proxy"} if index % 1000 == 1 else {"team": f"team-{index % 40}"}
        groups.append(
            SecurityGroup(
                id=_group_id(account, index),
                name=name,
                region=region,
                vpc_id=f"vpc-{account:03x}{vpc:014x}",
                owner_id=account_id,
                description=f"{name} of vpc {vpc}",
                tags=tags,
                ingress=ingress,
                egress=egress,
            )
        )
    interfaces = []
    for index in range(sizes.interfaces):
        first = (index * 2) % max(sizes.groups, 1)
        carried = 1 + index % 3
        # Groups of one region: the same residue modulo the number of regions.
        group_ids = tuple(
            _group_id(account, (first + step * len(REGIONS)) % max(sizes.groups, 1))
            for step in range(carried)
        )
        public = (f"54.214.{(index // 256) % 256}.{index % 256}",) if index % 5 == 0 else ()
        interfaces.append(
            NetworkInterface(
                id=f"eni-{account:03x}{index:014x}",
                region=REGIONS[first % len(REGIONS)],
                group_ids=group_ids,
                vpc_id=f"vpc-{account:03x}{first // GROUPS_PER_VPC:014x}",
                interface_type="interface",
                public_ips=public,
                attached_to=f"i-{account:03x}{index:014x}",
                description=f"instance {index}",
            )
        )
    vpcs = tuple(
        Vpc(
            id=f"vpc-{account:03x}{vpc:014x}",
            region=REGIONS[vpc % len(REGIONS)],
            cidrs=(f"10.{vpc % 256}.0.0/16",),
            is_default=vpc % 50 == 0,
        )
        for vpc in range(sizes.groups // GROUPS_PER_VPC + 1)
    )
    return Ec2Data(security_groups=tuple(groups), network_interfaces=tuple(interfaces), vpcs=vpcs)


def _policy(bucket: str, index: int) -> str | None:
    kind = index % 5
    if kind >= 3:
        return None
    statements: list[dict[str, object]] = [
        {
            "Sid": "Read",
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["s3:GetObject"] if kind != 2 else ["s3:GetObject", "s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        }
    ]
    if kind == 1:
        statements[0]["Condition"] = {"StringEquals": {"aws:SourceVpce": f"vpce-{index:08x}"}}
    if kind == 2:
        statements.append(
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def buckets(account: int, account_id: str, sizes: Sizes) -> tuple[tuple[Bucket, ...], list[ApiError]]:
    result = []
    errors = []
    owner = f"{account:064x}"
    blocked = PublicAccessBlock(
        block_public_acls=True,
        ignore_public_acls=True,
        block_public_policy=True,
        restrict_public_buckets=True,
    )
    for index in range(sizes.buckets):
        name = (
            f"www.site-{index}.acct{account}.example"
            if index % 50 == 0
            else f"acct{account}-data-{index:07d}"
        )
        policy = _policy(name, index)
        grants = [AclGrant(grantee_type="CanonicalUser", grantee=owner, permission="FULL_CONTROL")]
        if index % 10 == 0:
            grants.append(AclGrant(grantee_type="Group", grantee=ALL_USERS, permission="READ"))
        if index % 1000 == 7:
            policy = None
            errors.append(
                ApiError(
                    account=account_id,
                    service="s3",
                    operation="GetBucketPolicy",
                    region=REGIONS[index % len(REGIONS)],
                    code="AccessDenied",
                    message="Access Denied",
                    resource=name,
                )
            )
        result.append(
            Bucket(
                name=name,
                created="2024-03-01T12:00:00+00:00",
                region=REGIONS[index % len(REGIONS)],
                policy=policy,
                policy_is_public=None if policy is None else index % 5 in (0, 2),
                owner_id=owner,
                acl_grants=tuple(grants),
                public_access_block=blocked if index % 3 == 0 else None,
                object_ownership="BucketOwnerEnforced" if index % 4 == 0 else "ObjectWriter",
                tags={"team": f"team-{index % 40}", "env": "prod" if index % 2 else "dev"},
            )
        )
    return tuple(result), errors


def iam(account_id: str, sizes: Sizes) -> IamData:
    root = CredentialReportRow(
        user="<root_account>",
        arn=f"arn:aws:iam::{account_id}:root",
        user_creation_time="2019-01-01T00:00:00+00:00",
        password_enabled="not_supported",
        password_last_used="2026-01-10T08:00:00+00:00",
        password_last_changed="not_supported",
        mfa_active="true",
        access_key_1_active="false",
        access_key_1_last_rotated="N/A",
        access_key_1_last_used_date="N/A",
        access_key_2_active="false",
        access_key_2_last_rotated="N/A",
        access_key_2_last_used_date="N/A",
        cert_1_active="false",
        cert_2_active="false",
    )
    rows = [root]
    devices = [
        VirtualMfaDevice(
            serial_number=f"arn:aws:iam::{account_id}:mfa/root-account-mfa-device",
            user_arn=f"arn:aws:iam::{account_id}:root",
            enable_date="2020-01-01T00:00:00+00:00",
        )
    ]
    for index in range(sizes.users):
        name = f"user-{index:06d}"
        kind = index % 6
        password = kind in (0, 1, 4)
        mfa = kind in (0, 3)
        keys = kind in (2, 3, 4)
        rows.append(
            CredentialReportRow(
                user=name,
                arn=f"arn:aws:iam::{account_id}:user/{name}",
                user_creation_time="2023-05-01T10:00:00+00:00",
                password_enabled="true" if password else "false",
                password_last_used="2026-10-01T09:00:00+00:00" if password else "N/A",
                password_last_changed="2026-01-01T09:00:00+00:00" if password else "N/A",
                mfa_active="true" if mfa else "false",
                access_key_1_active="true" if keys else "false",
                access_key_1_last_rotated="2026-02-01T00:00:00+00:00" if keys else "N/A",
                access_key_1_last_used_date="2026-10-30T00:00:00+00:00" if keys else "N/A",
                access_key_2_active="false",
                access_key_2_last_rotated="N/A",
                access_key_2_last_used_date="N/A",
                cert_1_active="false",
                cert_2_active="false",
            )
        )
        if mfa:
            devices.append(
                VirtualMfaDevice(
                    serial_number=f"arn:aws:iam::{account_id}:mfa/{name}",
                    user_arn=f"arn:aws:iam::{account_id}:user/{name}",
                    enable_date="2024-01-01T00:00:00+00:00",
                )
            )
    return IamData(
        credential_report=CredentialReport(generated_time=NOW, rows=tuple(rows)),
        account_summary={"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0, "Users": sizes.users},
        virtual_mfa_devices=tuple(devices),
    )


def _record_values(
    account: int, index: int, zone_name: str, bucket_names: list[str]
) -> tuple[str, str, tuple[str, ...], str | None, str | None]:
    """(name, type, values, alias target, alias zone) of record `index` in `zone_name`."""
    name = f"r{index}.{zone_name}"
    octets = f"{(index // 256) % 256}.{index % 256}"
    kind = index % 20
    region = REGIONS[index % len(REGIONS)]
    cnames: dict[int, str] = {
        4: f"{name}.s3-website-{region}.amazonaws.com",
        5: f"d{account:03x}{index % 60:010x}.cloudfront.net",
        6: f"lb-{index % 60}-{account}.{region}.elb.amazonaws.com",
        7: f"shop-{account}-{index}.{region}.elasticbeanstalk.com",
        8: f"a{account:03x}{index % 30:06x}.execute-api.{region}.amazonaws.com",
        9: f"ec2-54-214-{octets.replace('.', '-')}.compute-1.amazonaws.com",
        10: f"acct{account}-docs-{index}.github.io",
        11: f"partner-{index % 300}.example.net",
        12: f"service-{index}.{region}.amazonaws.com",
    }
    if kind in cnames:
        return name, "CNAME", (cnames[kind],), None, None
    if kind == 13 and bucket_names:
        bucket = bucket_names[index % len(bucket_names)]
        return bucket, "CNAME", (f"{bucket}.s3-website-{region}.amazonaws.com",), None, None
    match kind:
        case 0:
            return name, "A", (f"10.{octets}",), None, None
        case 1:
            return name, "A", (f"54.214.{octets}",), None, None
        case 2:
            return name, "A", (f"93.184.{octets}", f"93.185.{octets}"), None, None
        case 3:
            return name, "AAAA", (f"2600:1f00::{index % 65536:x}",), None, None
        case 14:
            return name, "A", (), f"d{account:03x}{index % 80:010x}.cloudfront.net", "Z2FDTNDATAQYW2"
        case 15:
            return (
                name,
                "A",
                (),
                f"dualstack.lb-{index % 80}-{account}.{region}.elb.amazonaws.com",
                "Z35SXDOTRQ7X7K",
            )
        case 16:
            return name, "A", (), f"www.{zone_name}", "OWNZONE"
        case 17:
            servers = (
                ("ns-1.awsdns-01.org", "ns-2.awsdns-02.com") if index % 2 else ("ns1.thirdparty.example",)
            )
            return f"sub{index}.{zone_name}", "NS", servers, None, None
        case 18:
            return name, "MX", (f"10 mx.{zone_name}",), None, None
    return name, "TXT", ('"v=spf1 include:_spf.example.net ~all"',), None, None


def dns(
    account: int, sizes: Sizes, bucket_names: list[str], ec2: Ec2Data, ranges: tuple[str, ...]
) -> Route53Data:
    zone_count = max(1, sizes.records // RECORDS_PER_ZONE)
    zones = tuple(
        HostedZone(
            id=f"Z{account:03d}{zone:010d}",
            name=f"zone{zone}.acct{account}.example",
            name_servers=(f"ns-{zone % 2048}.awsdns-{zone % 64:02d}.org", f"ns-{zone % 512}.awsdns-01.com"),
        )
        for zone in range(zone_count)
    )
    records = []
    for index in range(sizes.records):
        zone = zones[index % zone_count]
        name, kind, values, alias, alias_zone = _record_values(account, index, zone.name, bucket_names)
        records.append(
            RecordSet(
                zone_id=zone.id,
                name=name,
                type=kind,
                set_identifier=f"weight-{index % 3}" if index % 40 == 1 else None,
                values=values,
                alias_target=alias,
                alias_zone=zone.id if alias_zone == "OWNZONE" else alias_zone,
            )
        )
    beanstalk = tuple(
        f"shop-{account}-{index}.{REGIONS[index % 4]}.elasticbeanstalk.com" for index in range(7, 2000, 40)
    )
    available = {
        f"shop-{account}-{index}.{REGIONS[index % 4]}.elasticbeanstalk.com": index % 3 == 0
        for index in range(7, sizes.records, 20)
    }
    return Route53Data(
        zones=zones,
        records=tuple(records),
        elastic_ips=tuple(f"54.214.{index // 256}.{index % 256}" for index in range(0, 4000, 7)),
        interface_ips=tuple(ip for interface in ec2.network_interfaces for ip in interface.public_ips),
        distributions=tuple(
            Distribution(
                domain_name=f"d{account:03x}{index:010x}.cloudfront.net", aliases=(f"cdn{index}.example",)
            )
            for index in range(40)
        ),
        load_balancers=tuple(
            f"lb-{index}-{account}.{REGIONS[index % 4]}.elb.amazonaws.com" for index in range(40)
        ),
        beanstalk_cnames=beanstalk,
        api_ids=tuple(f"a{account:03x}{index:06x}" for index in range(20)),
        beanstalk_available=available,
        aws_ranges=ranges,
    )


def trails(account_id: str) -> CloudTrailData:
    arn = f"arn:aws:cloudtrail:us-east-1:{account_id}:trail/audit"
    return CloudTrailData(
        trails=(
            Trail(
                arn=arn,
                name="audit",
                home_region="us-east-1",
                is_multi_region=True,
                include_global_service_events=True,
                s3_bucket="org-cloudtrail-archive",
                log_file_validation=True,
                status=TrailStatus(is_logging=True, latest_delivery_time=NOW),
                selectors=EventSelectors(classic=(ClassicEventSelector(),)),
            ),
        ),
        regions={region: (arn,) for region in REGIONS},
    )


def synthetic_snapshot(total: int, accounts: int) -> Snapshot:
    ranges = aws_ranges()
    built = []
    for account, sizes in enumerate(Sizes.split(total, accounts)):
        account_id = f"{100000000000 + account * 1111:012d}"
        ec2 = network(account, account_id, sizes)
        bucket_records, errors = buckets(account, account_id, sizes)
        bucket_names = [bucket.name for bucket in bucket_records[::97]]
        built.append(
            AccountSnapshot(
                account_id=account_id,
                regions=REGIONS,
                iam=iam(account_id, sizes),
                s3=S3Data(buckets=bucket_records, account_public_access_block=None),
                cloudtrail=trails(account_id),
                ec2=ec2,
                route53=dns(account, sizes, bucket_names, ec2, ranges),
                errors=tuple(errors),
            )
        )
    return Snapshot(
        scan=ScanInfo(started_at=NOW, finished_at=NOW, tool_version="bench", regions_requested=REGIONS),
        accounts=tuple(built),
    )


def central_dns(snapshot: Snapshot) -> Snapshot:
    """The organisation with every zone and record moved to its first account, each other account
    keeping its inventory: DNS in one account, what it points at in the others."""
    first, *others = snapshot.accounts
    assert first.route53 is not None
    zones = tuple(zone for account in snapshot.accounts if account.route53 for zone in account.route53.zones)
    records = tuple(
        record for account in snapshot.accounts if account.route53 for record in account.route53.records
    )
    available = {
        name: free
        for account in snapshot.accounts
        if account.route53
        for name, free in account.route53.beanstalk_available.items()
    }
    dns_account = msgspec.structs.replace(
        first,
        route53=msgspec.structs.replace(
            first.route53, zones=zones, records=records, beanstalk_available=available
        ),
    )
    workloads = tuple(
        msgspec.structs.replace(
            account,
            route53=msgspec.structs.replace(account.route53, zones=(), records=(), beanstalk_available={}),
        )
        for account in others
        if account.route53 is not None
    )
    return msgspec.structs.replace(snapshot, accounts=(dns_account, *workloads))


def bench_config() -> Config:
    """A configuration as a large organisation writes it: an NSM proxy, public websites, suppressions."""
    expires = date(2099, 1, 1)
    return Config(
        security_groups=SecurityGroupsConfig(internet_egress_groups=("tag:role=nsm-proxy",)),
        s3=S3Config(public_buckets=("www.*",)),
        suppressions=(
            SuppressionConfig(
                rule="iam-user-mfa", resource="user-0000*", reason="moving to SSO", expires=expires
            ),
            SuppressionConfig(
                rule="sg-egress-via-nsm-only", resource="sg-000*", reason="legacy VPC", expires=expires
            ),
        ),
    )


def timed(work: Callable[[], object]) -> tuple[object, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def counted(evaluation: Evaluation, statuses: Counter[str]) -> Iterator[Finding]:
    for finding in evaluation:
        statuses[finding.status] += 1
        yield finding


def stream(snapshot: Snapshot, statuses: Counter[str]) -> None:
    """Evaluate, counting the findings and keeping none."""
    evaluation = Evaluation(snapshot, bench_config())
    for _ in counted(evaluation, statuses):
        pass
    evaluation.summary()


def stream_json(snapshot: Snapshot, path: Path, statuses: Counter[str]) -> None:
    """Evaluate and write the JSON report as the command line does, counting findings on the way."""
    evaluation = Evaluation(snapshot, bench_config())
    with path.open("wb") as target:
        write_json(counted(evaluation, statuses), evaluation.summary, target, spool_dir=path.parent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("resources", nargs="?", type=int, default=1_000_000, help="default 1,000,000")
    parser.add_argument("--accounts", type=int, default=10, help="accounts to spread them over (default 10)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="also write the JSON report to a temporary file")
    mode.add_argument("--in-memory", action="store_true", help="build the whole report in memory")
    parser.add_argument(
        "--org-dns", action="store_true", help="every zone and record in the first account (central DNS)"
    )
    arguments = parser.parse_args()
    total, accounts = arguments.resources, max(1, min(arguments.accounts, arguments.resources))

    snapshot, build = timed(lambda: synthetic_snapshot(total, accounts))
    if arguments.org_dns:
        assert isinstance(snapshot, Snapshot)
        snapshot = central_dns(snapshot)
    assert isinstance(snapshot, Snapshot)
    built_rss = peak_rss_mib()
    _, inventory = timed(lambda: OrganisationInventory.of(snapshot.accounts))
    counts: Counter[str] = Counter()
    for account in snapshot.accounts:
        assert account.ec2 is not None
        assert account.route53 is not None
        assert account.iam.credential_report is not None
        counts["security groups"] += len(account.ec2.security_groups)
        counts["network interfaces"] += len(account.ec2.network_interfaces)
        counts["buckets"] += len(account.s3.buckets or ())
        counts["IAM users"] += len(account.iam.credential_report.rows) - 1
        counts["record sets"] += len(account.route53.records)
    statuses: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="cloudwarden-bench-") as scratch:
        path = Path(scratch) / "report.json"
        if arguments.in_memory:
            report, elapsed = timed(lambda: evaluate(snapshot, bench_config()))
            assert isinstance(report, Report)
            statuses.update(str(finding.status) for finding in report.findings)
            written = "report held in memory, not written"
        elif arguments.json:
            _, elapsed = timed(lambda: stream_json(snapshot, path, statuses))
            written = f"JSON report streamed to a file: {path.stat().st_size / 2**20:,.0f} MiB"
        else:
            _, elapsed = timed(lambda: stream(snapshot, statuses))
            written = "findings streamed, counted and dropped (no report)"
        peak = peak_rss_mib()
    layout = f"{accounts} accounts x {len(REGIONS)} regions" + (", central DNS" if arguments.org_dns else "")
    print(f"resources           {sum(counts.values()):>10,}  in {layout}")
    for kind, _ in MIX:
        print(f"  {kind:<18}{counts[kind]:>10,}")
    print(f"build snapshot      {build:10.2f} s   peak RSS {built_rss:8.0f} MiB")
    print(f"  organisation inventory (one pass, also inside evaluate) {inventory:.2f} s")
    print(
        f"evaluate            {elapsed:10.2f} s   peak RSS {peak:8.0f} MiB   "
        f"{sum(counts.values()) / elapsed:,.0f} resources/s"
    )
    print(f"  {written}")
    print(
        f"findings            {statuses.total():>10,}  "
        + "  ".join(f"{k} {v:,}" for k, v in sorted(statuses.items()))
    )
    print(
        f"targets             evaluate < 60 s: {'met' if elapsed < 60 else 'MISSED'}; "
        f"peak RSS < 2048 MiB: {'met' if peak < 2048 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
