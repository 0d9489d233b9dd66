"""Benchmark: how fast S3 buckets are collected, against the emulator over HTTP.

Seeds N buckets (a third with a public or limited policy, a tenth with a public ACL), then prints
for cloudwarden's collection and for a plain sequential boto3 read of the same calls: wall time,
buckets per second and API calls.

Run: `.venv/bin/python bench/bench_s3.py [N] [LATENCY_MS]` (defaults 1000 and 20). The emulator
answers in about a millisecond of CPU where AWS takes tens of milliseconds of round trip; the
latency argument models that round trip. With 0, both sides only measure the two processes'
CPU on this machine's cores.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys
import time
from typing import Any

from cloudwarden.collect import CollectOptions, collect
from cloudwarden_emulator import Emulator

PER_BUCKET_CALLS = (
    "get_bucket_location",
    "get_bucket_policy",
    "get_bucket_policy_status",
    "get_bucket_acl",
    "get_public_access_block",
    "get_bucket_ownership_controls",
)


def seed(emulator: Emulator, count: int) -> list[str]:
    s3 = emulator.client("s3")
    names = [f"bench-bucket-{index:05d}" for index in range(count)]
    for index, name in enumerate(names):
        s3.create_bucket(Bucket=name)
        if index % 3 == 0:
            statement: dict[str, Any] = {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{name}/*",
            }
            if index % 2:
                statement["Condition"] = {"StringEquals": {"aws:SourceVpce": "vpce-0abc"}}
            s3.put_bucket_policy(
                Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
            )
        if index % 10 == 0:
            s3.put_bucket_acl(Bucket=name, ACL="public-read")
    return names


def sequential_floor(emulator: Emulator, names: list[str]) -> tuple[float, int]:
    s3 = emulator.client("s3")
    calls = 0
    started = time.perf_counter()
    s3.list_buckets()
    for name in names:
        for operation in PER_BUCKET_CALLS:
            calls += 1
            with contextlib.suppress(s3.exceptions.ClientError):
                getattr(s3, operation)(Bucket=name)
    return time.perf_counter() - started, calls + 1


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    latency_ms = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    print(f"{count} buckets; emulator answers after {latency_ms:g} ms (an AWS round trip)")
    with Emulator() as emulator:
        print(f"seeding {count} buckets ...", file=sys.stderr)
        names = seed(emulator, count)
        emulator.set_latency(latency_ms)
        os.environ.update(emulator.env())
        for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            os.environ.pop(variable, None)
        collect(CollectOptions(regions=("us-east-1",)))  # warm the emulator's per-service apps
        started = time.perf_counter()
        snapshot = collect(CollectOptions(regions=("us-east-1",)))
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        s3_calls = sum(stat.calls for key, stat in snapshot.stats.items() if key.startswith("s3"))
        buckets = snapshot.accounts[0].s3.buckets or ()
        floor, floor_calls = sequential_floor(emulator, names)
    print(f"buckets                         {len(buckets)}")
    print(
        f"cloudwarden collect (all rules) {elapsed:8.2f} s  {len(buckets) / elapsed:8.1f} buckets/s  "
        f"{s3_calls} S3 calls  peak RSS {peak:.0f} MiB"
    )
    print(
        f"plain boto3, sequential         {floor:8.2f} s  {len(names) / floor:8.1f} buckets/s  "
        f"{floor_calls} S3 calls"
    )
    print(f"speed-up over sequential        {floor / elapsed:8.2f}x")


if __name__ == "__main__":
    main()
