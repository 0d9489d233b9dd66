"""The streamed JSON report is byte for byte the document msgspec makes of the whole report."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import IO

import msgspec
import pytest

from cloudwarden.findings import Finding, Report, ScanSummary
from cloudwarden.report import json_report
from cloudwarden.report.json_report import write_json

from .sample import FINDINGS, sample_report


def _whole(report: Report) -> bytes:
    """The reference: the whole report encoded at once."""
    return msgspec.json.format(msgspec.json.encode(report), indent=2) + b"\n"


def _streamed(report: Report, spool_dir: Path | None = None) -> bytes:
    target = BytesIO()
    write_json(iter(report.findings), lambda: report.scan, target, spool_dir=spool_dir)
    return target.getvalue()


def _many(count: int) -> tuple[Finding, ...]:
    """`count` findings, cycling through the sample's (every status, hostile text)."""
    return tuple(FINDINGS[index % len(FINDINGS)] for index in range(count))


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 6, 7, 11])
def test_every_batch_boundary_gives_the_whole_document(count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_report, "BATCH", 3)
    report = sample_report(_many(count))
    streamed = _streamed(report)
    assert streamed == _whole(report)
    assert msgspec.json.decode(streamed, type=Report) == report


def test_the_sample_report_with_hostile_text_is_unchanged() -> None:
    report = sample_report()
    assert _streamed(report) == _whole(report)


def test_a_spool_moved_to_disk_gives_the_same_bytes_and_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(json_report, "BATCH", 2)
    monkeypatch.setattr(json_report, "SPOOL_IN_MEMORY", 100)
    report = sample_report(_many(25))
    assert _streamed(report, spool_dir=tmp_path) == _whole(report)
    assert list(tmp_path.iterdir()) == []


def test_the_summary_is_asked_for_only_after_the_last_finding() -> None:
    report = sample_report()
    produced: list[Finding] = []

    def findings() -> Iterator[Finding]:
        for finding in report.findings:
            produced.append(finding)
            yield finding

    def summary() -> ScanSummary:
        assert len(produced) == len(report.findings)
        return report.scan

    target = BytesIO()
    write_json(findings(), summary, target)
    assert target.getvalue() == _whole(report)


def test_findings_are_encoded_batch_by_batch_as_they_arrive(monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer keeps no more than one batch of findings: each earlier one is already encoded."""
    monkeypatch.setattr(json_report, "BATCH", 2)
    encoded: list[int] = []
    real = json_report._spool

    def spy(encoder: msgspec.json.Encoder, batch: list[Finding], spool: IO[bytes], first: bool) -> None:
        encoded.append(len(batch))
        real(encoder, batch, spool, first)

    monkeypatch.setattr(json_report, "_spool", spy)
    report = sample_report(_many(7))
    held: list[int] = []

    def findings() -> Iterator[Finding]:
        for index, finding in enumerate(report.findings):
            held.append(index - sum(encoded))
            yield finding

    target = BytesIO()
    write_json(findings(), lambda: report.scan, target)
    assert encoded == [2, 2, 2, 1]
    assert max(held) == 1  # never a whole batch waiting
    assert target.getvalue() == _whole(report)
