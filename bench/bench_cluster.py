"""Benchmark: accounts per minute of an organisation scan, local thread pool against Dask clusters.

Seeds an organisation of N accounts (the management account and N-1 members, each with a user with
a console password, a bucket and the default network) into the emulator, then collects every
account of it (`--org`, one region) three ways and prints accounts per minute for each:
- the local pool (`accounts.max_parallel` accounts at once, 8 by default);
- a local Dask cluster of 2 worker processes, then of 4, each running `THREADS_PER_WORKER`
  accounts at once: the same code path as `--cluster tcp://scheduler:8786`.

Run: `.venv/bin/python bench/bench_cluster.py [N] [LATENCY_MS] [WORKERS,...]` (defaults 200, 50 and
2,4). The latency models an AWS round trip. Every side talks to the one emulator process, whose
CPU (one core, a few milliseconds per call) caps the calls per second of all of them together; on
real AWS each account has rate limits of its own, so more workers keep paying off long after they
stop paying off here. docs/organisations.md extrapolates from these numbers.
"""

from __future__ import annotations

import dataclasses
import os
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import dask
from distributed import LocalCluster

from cloudwarden.collect import CollectOptions, collect
from cloudwarden.snapshot import Snapshot
from cloudwarden_emulator import Emulator
from cloudwarden_emulator.state import DEFAULT_ACCOUNT

THREADS_PER_WORKER = 8
REGION = "us-east-1"


def seed(emulator: Emulator, count: int) -> list[str]:
    """An organisation of `count` accounts, each with a little of everything the rules read."""
    organizations = emulator.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    for index in range(count - 1):
        organizations.create_account(AccountName=f"member-{index:04d}", Email=f"m{index}@example.test")
    accounts = [account["Id"] for account in organizations.list_accounts()["Accounts"]]

    def populate(account: str) -> None:
        iam = emulator.client("iam", account_id=account)
        iam.create_user(UserName="operator")
        iam.create_login_profile(UserName="operator", Password="Correct-Horse-9!")
        emulator.client("s3", account_id=account).create_bucket(Bucket=f"data-{account}")
        emulator.client("ec2", REGION, account_id=account).describe_security_groups()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(populate, accounts))
    return sorted(accounts)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(options: CollectOptions) -> tuple[float, float, Snapshot]:
    """Wall time, this process's CPU time, and the snapshot of one collection."""
    started, cpu = time.perf_counter(), _cpu()
    snapshot = collect(options)
    return time.perf_counter() - started, _cpu() - cpu, snapshot


def report(label: str, seconds: float, snapshot: Snapshot) -> None:
    accounts = len(snapshot.accounts)
    unreachable = sum(1 for account in snapshot.accounts if account.unreachable)
    calls = sum(entry.calls for entry in snapshot.stats.values())
    per_account = [account.stats.seconds for account in snapshot.accounts if account.stats is not None]
    mean = sum(per_account) / len(per_account) if per_account else 0.0
    print(
        f"{label:<28} {seconds:8.1f} s  {accounts / seconds * 60:8.0f} accounts/min  "
        f"{calls:6d} calls  {mean:5.2f} s per account  {unreachable} unreachable"
    )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    latency_ms = float(sys.argv[2]) if len(sys.argv) > 2 else 50.0
    sizes = [int(size) for size in sys.argv[3].split(",")] if len(sys.argv) > 3 else [2, 4]
    print(
        f"{count} accounts, region {REGION}; the emulator answers after {latency_ms:g} ms (an AWS round trip)"
    )
    with Emulator() as emulator:
        print("seeding ...", file=sys.stderr)
        accounts = seed(emulator, count)
        assert DEFAULT_ACCOUNT in accounts
        # Worker processes start with this environment: their own credential chain is the emulator's.
        os.environ.update(emulator.env())
        for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            os.environ.pop(variable, None)
        options = CollectOptions(regions=(REGION,), organization=True)
        collect(dataclasses.replace(options, organization=False))  # warm the emulator's service apps
        emulator.set_latency(latency_ms)
        seconds, cpu, snapshot = timed(options)
        report(f"local pool ({options.max_parallel_accounts} accounts)", seconds, snapshot)
        print(f"{'':<28} {cpu / len(snapshot.accounts):8.3f} s of scanner CPU per account")
        for workers in sizes:
            # Dask's profiler deadlocks threads that start threads on CPython < 3.11.9 (gh-116969).
            with (
                dask.config.set({"distributed.worker.profile.enabled": False}),
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=THREADS_PER_WORKER,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                ) as cluster,
            ):
                seconds, _, snapshot = timed(dataclasses.replace(options, cluster=cluster.scheduler_address))
            report(f"dask, {workers} workers x {THREADS_PER_WORKER}", seconds, snapshot)


if __name__ == "__main__":
    main()
