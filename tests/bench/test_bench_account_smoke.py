"""`bench_account.py` at a tiny size: it prints every figure, and the scan and the plain boto3 floor read
exactly the same resources (not timed: a shared CI machine makes timings meaningless)."""

from __future__ import annotations

import re

from .runner import number, run_bench

SIDE_BY_SIDE = re.compile(r"^  (?P<kind>[A-Za-z ]+?)\s{2,}(?P<scan>[\d,]+)\s+(?P<floor>[\d,]+)(?P<mark>.*)$")
RESOURCE_KINDS = (
    "security groups",
    "security group rules",
    "network interfaces",
    "buckets",
    "IAM users",
    "hosted zones",
    "record sets",
)


def test_bench_account_prints_both_sides_and_they_read_the_same_resources() -> None:
    output = run_bench("bench_account.py", "0.01")

    assert re.search(r"^wall time\s+[\d.]+ s\s+[\d.]+ s\s+[\d.]+x$", output, re.MULTILINE), output
    assert re.search(r"^API calls\s+[\d,]+\s+[\d,]+\s+[\d.]+x$", output, re.MULTILINE), output
    assert re.search(r"^peak RSS\s+\d+ MiB\s+\d+ MiB\s+[\d.]+x$", output, re.MULTILINE), output
    assert re.search(r"^targets: wall <= 1.25x floor: (met|MISSED); peak RSS", output, re.MULTILINE), output
    read = {
        match["kind"]: (number(match["scan"]), number(match["floor"]), match["mark"].strip())
        for match in map(SIDE_BY_SIDE.match, output.splitlines())
        if match
    }
    assert set(read) == set(RESOURCE_KINDS), output
    for kind, (scanned, floor, mark) in read.items():
        assert scanned == floor, f"{kind}: the scan read {scanned}, the floor {floor}"
        assert scanned > 0, kind
        assert not mark, output
