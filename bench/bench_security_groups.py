"""Benchmark: security groups per second, for collection (over HTTP) and for evaluation (in memory).

Evaluation: a synthetic snapshot of N groups (default 100,000), each with 10 rules of mixed kinds,
and one interface per two groups, judged by the four security-group rules.
Collection: M groups (default 2,000) with 10 rules each seeded into the emulator, read back by
cloudwarden's collector.

Run: `.venv/bin/python bench/bench_security_groups.py [N] [M]`.
"""

from __future__ import annotations

import os
import resource
import sys
import time

from cloudwarden.collect import CollectOptions, collect
from cloudwarden.config import Config
from cloudwarden.engine import evaluate
from cloudwarden.rules import RULES
from cloudwarden.snapshot import (
    AccountSnapshot,
    Ec2Data,
    GroupPair,
    IamData,
    IpPermission,
    NetworkInterface,
    ScanInfo,
    SecurityGroup,
    Snapshot,
)
from cloudwarden_emulator import Emulator

ACCOUNT = "123456789012"
SG_RULES = tuple(rule for rule in RULES if rule.id.startswith("sg-"))


def permissions(index: int, peer: str) -> tuple[tuple[IpPermission, ...], tuple[IpPermission, ...]]:
    """8 inbound and 2 outbound permissions of mixed kinds (world-open and internal CIDRs, IPv6, port
    ranges, ICMP, references to `peer`); `bench_evaluate.py` uses them too."""
    ingress = (
        IpPermission(protocol="tcp", from_port=443, to_port=443, ipv4_ranges=("0.0.0.0/0",)),
        IpPermission(protocol="tcp", from_port=22, to_port=22, ipv4_ranges=(f"10.{index % 256}.0.0/16",)),
        IpPermission(protocol="tcp", from_port=8000, to_port=8100, ipv4_ranges=("172.16.0.0/12",)),
        IpPermission(protocol="udp", from_port=53, to_port=53, ipv6_ranges=("::/0",)),
        IpPermission(protocol="-1", groups=(GroupPair(group_id=peer),)),
        IpPermission(protocol="icmp", from_port=8, to_port=-1, ipv4_ranges=("0.0.0.0/0",)),
        IpPermission(protocol="tcp", from_port=5432, to_port=5432, groups=(GroupPair(group_id=peer),)),
        IpPermission(
            protocol="tcp", from_port=3389, to_port=3389, ipv4_ranges=(f"203.0.{index % 256}.0/24",)
        ),
    )
    egress = (
        IpPermission(protocol="-1", ipv4_ranges=("0.0.0.0/0",)),
        IpPermission(protocol="tcp", from_port=5432, to_port=5432, ipv4_ranges=("10.0.0.0/8",)),
    )
    return ingress, egress


def synthetic_snapshot(count: int) -> Snapshot:
    groups = []
    for index in range(count):
        ingress, egress = permissions(index, f"sg-{(index + 1):017x}")
        groups.append(
            SecurityGroup(
                id=f"sg-{index:017x}",
                name="default" if index % 100 == 0 else f"group-{index}",
                region="us-east-1",
                vpc_id=f"vpc-{index // 100:08x}",
                owner_id=ACCOUNT,
                ingress=ingress,
                egress=egress,
            )
        )
    interfaces = tuple(
        NetworkInterface(
            id=f"eni-{index:017x}",
            region="us-east-1",
            group_ids=(groups[index].id, groups[index + 1].id),
        )
        for index in range(0, count - 1, 2)
    )
    account = AccountSnapshot(
        account_id=ACCOUNT,
        regions=("us-east-1",),
        iam=IamData(),
        ec2=Ec2Data(security_groups=tuple(groups), network_interfaces=interfaces),
    )
    now = "2026-01-01T00:00:00+00:00"
    return Snapshot(scan=ScanInfo(started_at=now, finished_at=now, tool_version="bench"), accounts=(account,))


def bench_evaluation(count: int) -> None:
    snapshot = synthetic_snapshot(count)
    started = time.perf_counter()
    report = evaluate(snapshot, Config(), SG_RULES)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"evaluation  {count:>7} groups, {count * 10:>8} rules  {elapsed:7.2f} s  "
        f"{count / elapsed:10.0f} groups/s  "
        f"{len(report.findings)} findings  peak RSS {peak:.0f} MiB"
    )


def bench_collection(count: int) -> None:
    with Emulator() as emulator:
        ec2 = emulator.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        print(f"seeding {count} groups ...", file=sys.stderr)
        for index in range(count):
            group = ec2.create_security_group(GroupName=f"bench-{index}", Description="bench", VpcId=vpc)[
                "GroupId"
            ]
            ec2.authorize_security_group_ingress(
                GroupId=group,
                IpPermissions=[
                    {
                        "IpProtocol": "tcp",
                        "FromPort": port,
                        "ToPort": port,
                        "IpRanges": [{"CidrIp": f"10.{index % 256}.{port % 256}.0/24"}],
                    }
                    for port in range(8000, 8010)
                ],
            )
        os.environ.update(emulator.env())
        collect(CollectOptions(regions=("us-east-1",)))  # warm the emulator's per-service apps
        started = time.perf_counter()
        snapshot = collect(CollectOptions(regions=("us-east-1",)))
        elapsed = time.perf_counter() - started
    groups = len(snapshot.accounts[0].ec2.security_groups) if snapshot.accounts[0].ec2 else 0
    calls = snapshot.stats["ec2.DescribeSecurityGroups"].calls
    print(
        f"collection  {groups:>7} groups (whole scan, all collectors)  {elapsed:7.2f} s  "
        f"{groups / elapsed:10.0f} groups/s  {calls} DescribeSecurityGroups calls"
    )


def main() -> None:
    evaluation = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    collection = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    bench_evaluation(evaluation)
    bench_collection(collection)


if __name__ == "__main__":
    main()
