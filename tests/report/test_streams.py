"""Streamed reports are byte for byte what the renderers make of the whole report."""

from __future__ import annotations

import csv
import io
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from io import BytesIO
from pathlib import Path
from typing import IO

import msgspec
import pytest

from cloudwarden.findings import Finding, Report, ScanSummary, Status
from cloudwarden.report import Format, asff, csv_report, ocsf, render, sarif, stream
from cloudwarden.report._common import GUIDELINES_URL, ControlNames, iso_utc, utc
from cloudwarden.report.asff import render_asff
from cloudwarden.report.csv_report import render_csv
from cloudwarden.report.ocsf import render_ocsf
from cloudwarden.report.sarif import render_sarif
from cloudwarden.report.stream import JsonReportStream, ReportStream, header_of, write_json
from cloudwarden.ruledoc import RuleDoc

from .sample import CATALOGUE, FINDINGS, sample_report


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
    monkeypatch.setattr(stream, "BATCH", 3)
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
    monkeypatch.setattr(stream, "BATCH", 2)
    monkeypatch.setattr(stream, "SPOOL_IN_MEMORY", 100)
    report = sample_report(_many(25))
    assert _streamed(report, spool_dir=tmp_path) == _whole(report)
    assert list(tmp_path.iterdir()) == []


def test_findings_carry_their_controls_streamed_as_held() -> None:
    """`compliance` as the contract gives it, the same whether the report is streamed or held whole."""
    report = sample_report()
    streamed = msgspec.json.decode(_streamed(report))
    assert streamed["findings"][0]["compliance"] == [
        {"framework": "cis-aws-foundations-3.0.0", "control": "1.5", "relationship": "equivalent"},
        {"framework": "cis-aws-foundations-5.0.0", "control": "1.4", "relationship": "equivalent"},
        {"framework": "aws-fsbp", "control": "IAM.6", "relationship": "partial"},
    ]
    assert [finding["compliance"] for finding in streamed["findings"]] == [
        list(msgspec.to_builtins(finding.compliance)) for finding in report.findings
    ]
    assert streamed == msgspec.json.decode(render(report, Format.JSON, ()))
    unmapped = [
        finding for finding in streamed["findings"] if finding["rule"] == "route53-no-dangling-records"
    ]
    assert [finding["compliance"] for finding in unmapped] == [[]]


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
    monkeypatch.setattr(stream, "BATCH", 2)
    encoded: list[int] = []
    real = JsonReportStream._flush

    def spy(self: JsonReportStream) -> None:
        encoded.append(len(self._batch))
        real(self)

    monkeypatch.setattr(JsonReportStream, "_flush", spy)
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


# --- the arrays and the CSV ---------------------------------------------------------------------


def _whole_array(items: Sequence[object]) -> bytes:
    return msgspec.json.format(msgspec.json.encode(items), indent=2) + b"\n"


def _whole_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_report.COLUMNS)
    writer.writerows([csv_report.neutralise(cell) for cell in csv_report._row(f)] for f in report.findings)
    return buffer.getvalue().encode()


def _through(report: Report, made: Callable[[IO[bytes]], ReportStream]) -> bytes:
    target = BytesIO()
    writer = made(target)
    for finding in iter(report.findings):
        writer.add(finding)
    writer.finish(report.scan)
    return target.getvalue()


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 7])
def test_ocsf_asff_and_csv_streams_are_the_whole_documents(
    count: int, monkeypatch: pytest.MonkeyPatch, rules: tuple[RuleDoc, ...]
) -> None:
    monkeypatch.setattr(stream, "BATCH", 3)
    report = sample_report(_many(count))
    header = header_of(report)
    rules_by_id = {rule.id: rule for rule in rules}
    time = int(utc(report.scan.finished_at).timestamp() * 1000)
    events = [
        ocsf._event(f, rules_by_id.get(f.rule), "1.2.3", time, ControlNames(CATALOGUE))
        for f in report.findings
    ]
    created, updated = iso_utc(report.scan.started_at), iso_utc(report.scan.finished_at)
    asff_findings = [asff._finding(f, created, updated, ControlNames(CATALOGUE)) for f in report.findings]

    assert _through(
        report, lambda target: ocsf.ocsf_stream(target, header, rules, CATALOGUE)
    ) == _whole_array(events)
    assert _through(report, lambda target: asff.asff_stream(target, header, CATALOGUE)) == _whole_array(
        asff_findings
    )
    assert _through(report, csv_report.CsvStream) == _whole_csv(report)


def test_the_renderers_give_the_whole_documents(rules: tuple[RuleDoc, ...]) -> None:
    """What `--format` writes for a held report is the whole document, as the streams write it."""
    report = sample_report()
    rules_by_id = {rule.id: rule for rule in rules}
    time = int(utc(report.scan.finished_at).timestamp() * 1000)
    events = [
        ocsf._event(f, rules_by_id.get(f.rule), "1.2.3", time, ControlNames(CATALOGUE))
        for f in report.findings
    ]
    created, updated = iso_utc(report.scan.started_at), iso_utc(report.scan.finished_at)
    assert render_ocsf(report, rules, CATALOGUE).encode() == _whole_array(events)
    assert render_asff(report, rules, CATALOGUE).encode() == _whole_array(
        [asff._finding(f, created, updated, ControlNames(CATALOGUE)) for f in report.findings]
    )
    assert render_csv(report, rules).encode() == _whole_csv(report)


def _whole_sarif(report: Report, rules: Sequence[RuleDoc]) -> bytes:
    """The SARIF document built whole, as one object."""
    index = {rule.id: position for position, rule in enumerate(rules)}
    run = {
        "tool": {
            "driver": {
                "name": "cloudwarden",
                "version": report.scan.tool.version,
                "informationUri": GUIDELINES_URL,
                "rules": [sarif._descriptor(rule, CATALOGUE.compliance_of(rule.id)) for rule in rules],
            }
        },
        "invocations": [
            {
                "executionSuccessful": True,
                "startTimeUtc": iso_utc(report.scan.started_at),
                "endTimeUtc": iso_utc(report.scan.finished_at),
            }
        ],
        "results": [
            sarif._result(f, index.get(f.rule))
            for f in report.findings
            if f.status in (Status.FAIL, Status.SUPPRESSED, Status.UNKNOWN, Status.MANUAL)
        ],
    }
    document = {"$schema": sarif.SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return msgspec.json.format(msgspec.json.encode(document), indent=2) + b"\n"


@pytest.mark.parametrize("count", [0, 1, 3, 4, 7, 12])
def test_the_sarif_stream_is_the_whole_document(
    count: int, monkeypatch: pytest.MonkeyPatch, rules: tuple[RuleDoc, ...]
) -> None:
    """PASS findings give no result: batches fill with the others only."""
    monkeypatch.setattr(stream, "BATCH", 3)
    report = sample_report(_many(count))
    streamed = _through(report, lambda target: sarif.SarifStream(target, header_of(report), rules, CATALOGUE))
    assert streamed == _whole_sarif(report, rules)
    assert render_sarif(report, rules, CATALOGUE).encode() == streamed


def test_a_sarif_stream_of_passes_only_has_no_result(rules: tuple[RuleDoc, ...]) -> None:
    passes = tuple(f for f in FINDINGS if f.status is Status.PASS)
    assert passes
    report = sample_report(passes * 3)
    streamed = _through(report, lambda target: sarif.SarifStream(target, header_of(report), rules, CATALOGUE))
    assert streamed == _whole_sarif(report, rules)
    assert msgspec.json.decode(streamed)["runs"][0]["results"] == []


def test_a_spool_on_disk_is_copied_whole_into_a_file_and_into_a_pipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel copies a spool file into a report file; a pipe takes the buffered copy instead."""
    monkeypatch.setattr(stream, "BATCH", 2)
    monkeypatch.setattr(stream, "SPOOL_IN_MEMORY", 100)
    report = sample_report(_many(25))
    whole = _whole(report)

    path = tmp_path / "report.json"
    with path.open("wb") as target:
        write_json(iter(report.findings), lambda: report.scan, target, spool_dir=tmp_path)
    assert path.read_bytes() == whole

    reading, writing = os.pipe()
    received: list[bytes] = []

    def read() -> None:
        with os.fdopen(reading, "rb") as pipe:
            received.append(pipe.read())

    reader = threading.Thread(target=read)
    reader.start()
    with os.fdopen(writing, "wb") as target:
        write_json(iter(report.findings), lambda: report.scan, target, spool_dir=tmp_path)
    reader.join(timeout=10)
    assert received == [whole]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
