"""Findings and summaries for the store tests, and a recorder run in a child process (`python -m
tests.history.child URL ACCOUNT STARTED_AT COUNT MODE`) for the tests that kill one or race two.

Modes: `kill` prints "halfway" once half of the findings are written and then waits to be killed;
`race` prints "ready" after adding every finding, waits for the file named by CLOUDWARDEN_TEST_GO,
then finishes: two such children commit at the same moment."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from cloudwarden.findings import Finding, Resource, ScanSummary, Severity, Status, ToolInfo
from cloudwarden.history import open_store

ACCOUNT = "111111111111"
OTHER_ACCOUNT = "222222222222"


def finding(
    name: str,
    status: Status,
    *,
    account: str = ACCOUNT,
    rule: str = "rule-a",
    severity: Severity = Severity.HIGH,
) -> Finding:
    return Finding(
        id=f"cw-{account}-{rule}-{name}",
        rule=rule,
        title=f"title of {rule}",
        status=status,
        severity=severity,
        account=account,
        region="eu-west-1",
        resource=Resource(type="AWS::S3::Bucket", id=name, arn=f"arn:aws:s3:::{name}"),
        message=f"{name} is {status.value}",
        evidence={"name": name, "numbers": [1, 2, 3]},
    )


def summary(started_at: str, accounts: tuple[str, ...] = (ACCOUNT,)) -> ScanSummary:
    return ScanSummary(
        started_at=started_at,
        finished_at=started_at,
        tool=ToolInfo(name="cloudwarden", version="0.1.0"),
        accounts=accounts,
        regions=("eu-west-1",),
        errors=(),
        stats={},
    )


def many(count: int, account: str = ACCOUNT, status: Status = Status.FAIL) -> list[Finding]:
    return [finding(f"bucket-{n:07d}", status, account=account) for n in range(count)]


def main(url: str, account: str, started_at: str, count: int, mode: str) -> None:
    with open_store(url) as store, store.recorder(command="scan", rules=["rule-a"]) as recorder:
        for number, item in enumerate(many(count, account), start=1):
            recorder.add(item)
            if mode == "kill" and number == count // 2:
                print("halfway", flush=True)
                time.sleep(600)
        if mode == "race":
            print("ready", flush=True)
            go = Path(os.environ["CLOUDWARDEN_TEST_GO"])
            while not go.exists():
                time.sleep(0.01)
        recorder.finish(summary(started_at, (account,)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
