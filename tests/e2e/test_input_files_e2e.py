"""Hostile input files: every reader refuses them with exit 2 and one line naming the file and the problem.

The four readers are the snapshot (`evaluate`), the report (`diff`), the configuration (`--config`)
and AWS's ip-ranges file (`route53.aws_ip_ranges_file`). Each meets a FIFO, a device that never ends,
bytes that are not UTF-8 and 100,000 levels of nesting; the two read whole also meet a file above
their size bound (reports and snapshots are mapped, not read, and have none).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import msgspec
import pytest
import yaml

from cloudwarden.findings import Report, ScanSummary, ToolInfo
from cloudwarden.inputs import TEXT_MAX_BYTES
from cloudwarden.snapshot import ScanInfo, Snapshot

from .scanner import Run, cloudwarden

DEEP = 100_000
NESTED = b"[" * DEEP + b"]" * DEEP

OFFLINE = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    "AWS_EC2_METADATA_DISABLED": "true",
}
"""For `scan`: were the ip-ranges file accepted, no call could leave this machine."""


def _good_snapshot(directory: Path) -> Path:
    path = directory / "good-snapshot.json"
    scan = ScanInfo(
        started_at="2026-01-01T00:00:00+00:00", finished_at="2026-01-01T00:01:00+00:00", tool_version="t"
    )
    path.write_bytes(msgspec.json.encode(Snapshot(scan=scan, accounts=())))
    return path


def _good_report(directory: Path) -> Path:
    path = directory / "good-report.json"
    summary = ScanSummary(
        started_at="2026-01-01T00:00:00+00:00",
        finished_at="2026-01-01T00:01:00+00:00",
        tool=ToolInfo(name="cloudwarden", version="t"),
        accounts=(),
        regions=(),
        errors=(),
        stats={},
    )
    path.write_bytes(msgspec.json.encode(Report(scan=summary, findings=())))
    return path


def _evaluate(path: Path, directory: Path) -> Run:
    return cloudwarden(None, "evaluate", str(path))


def _diff(path: Path, directory: Path) -> Run:
    return cloudwarden(None, "diff", str(path), str(_good_report(directory)))


def _configure(path: Path, directory: Path) -> Run:
    return cloudwarden(None, "evaluate", str(_good_snapshot(directory)), "--config", str(path))


def _scan_with_ranges(path: Path, directory: Path) -> Run:
    config = directory / "ranges-config.yaml"
    config.write_text(f"route53:\n  aws_ip_ranges_file: {json.dumps(str(path))}\n", encoding="utf-8")
    return cloudwarden(None, "scan", "--config", str(config), env=dict(OFFLINE))


@dataclass(frozen=True)
class Reader:
    name: str
    run: Callable[[Path, Path], Run]
    """Runs the CLI so that this reader reads the given file (the second path: a scratch directory)."""
    what: str
    """How the messages name the file's role."""
    before_bad_byte: bytes
    """A document's beginning, up to where a string is decoded: a byte that is not UTF-8 goes there."""
    nested: bytes
    deep_problem: str
    bounded: bool


READERS = [
    Reader(
        "snapshot",
        _evaluate,
        "snapshot",
        b'{"schema": "cloudwarden.snapshot/1',
        b'{"schema": "cloudwarden.snapshot/1", "scan": ' + NESTED + b"}",
        "nested too deeply",
        bounded=False,
    ),
    Reader(
        "report",
        _diff,
        "report",
        b'{"schema": "cloudwarden.findings/1',
        b'{"schema": "cloudwarden.findings/1", "findings": ' + NESTED + b"}",
        "nested too deeply",
        bounded=False,
    ),
    Reader(
        "configuration",
        _configure,
        "configuration",
        b"root:\n  recent_use_days: 90  # caf",
        b"root: " + NESTED + b"\n",
        # libyaml stops at 1,000 levels; PyYAML's own parser reaches the recursion limit.
        "exceeded maximum nesting depth" if yaml.__with_libyaml__ else "nested too deeply",
        bounded=True,
    ),
    Reader(
        "ip-ranges",
        _scan_with_ranges,
        "route53.aws_ip_ranges_file",
        b'{"syncToken": "1718380000", "prefixes": [], "note": "',
        b'{"prefixes": ' + NESTED + b"}",
        "nested too deeply",
        bounded=True,
    ),
]
BOUNDED = [reader for reader in READERS if reader.bounded]


def _refused(run: Run, path: Path, *phrases: str) -> None:
    """Exit 2 with one line that names the file and the problem, no traceback."""
    assert run.exit_code == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("cloudwarden: error: ")
    assert str(path) in lines[0]
    for phrase in phrases:
        assert phrase in lines[0]


@pytest.mark.parametrize("reader", READERS, ids=lambda reader: reader.name)
def test_a_fifo_is_refused_without_waiting_for_a_writer(reader: Reader, tmp_path: Path) -> None:
    fifo = tmp_path / "input"
    os.mkfifo(fifo)
    _refused(reader.run(fifo, tmp_path), fifo, f"cannot read {reader.what}", "not a regular file (a FIFO)")


@pytest.mark.parametrize("reader", READERS, ids=lambda reader: reader.name)
def test_a_device_that_never_ends_is_refused(reader: Reader, tmp_path: Path) -> None:
    zero = Path("/dev/zero")
    _refused(reader.run(zero, tmp_path), zero, "not a regular file (a character device)")


@pytest.mark.parametrize("reader", READERS, ids=lambda reader: reader.name)
def test_bytes_that_are_not_utf8_are_refused_naming_their_offset(reader: Reader, tmp_path: Path) -> None:
    path = tmp_path / "input"
    path.write_bytes(reader.before_bad_byte + b'\xe9"}\n')
    offset = len(reader.before_bad_byte)
    _refused(reader.run(path, tmp_path), path, "is not UTF-8", f"byte 0xe9 at offset {offset}")


@pytest.mark.parametrize("reader", READERS, ids=lambda reader: reader.name)
def test_a_hundred_thousand_levels_of_nesting_are_refused(reader: Reader, tmp_path: Path) -> None:
    path = tmp_path / "input"
    path.write_bytes(reader.nested)
    _refused(reader.run(path, tmp_path), path, reader.deep_problem)


@pytest.mark.parametrize("reader", BOUNDED, ids=lambda reader: reader.name)
def test_a_file_above_the_size_bound_is_refused_unread(reader: Reader, tmp_path: Path) -> None:
    path = tmp_path / "input"
    path.touch()
    os.truncate(path, TEXT_MAX_BYTES + 1)  # sparse: nothing of it needs writing, or reading
    _refused(reader.run(path, tmp_path), path, f"cannot read {reader.what}", "larger than 64 MiB")
