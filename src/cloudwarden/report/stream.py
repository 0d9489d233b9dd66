"""Reports written as the findings arrive, for the formats made of one entry per finding.

JSON, CSV, OCSF, ASFF and SARIF need nothing of the other findings to write one: a stream takes the
findings one by one (`add`) and the scan summary at the end (`finish`), and holds at most a batch of
encoded findings. What it writes is byte for byte what the format's renderer makes of the whole
report (the renderers are built on the streams). HTML, JUnit and the terminal report group or count
the findings first, so they need the whole report.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

import msgspec

from cloudwarden.files import formatted_elements
from cloudwarden.findings import Finding, Report, ScanSummary

BATCH = 1_000
"""Findings encoded at a time."""

SPOOL_IN_MEMORY = 32 * 1024 * 1024
"""Bytes of encoded findings a JSON report keeps in memory before its spool moves to a temporary file."""

_C1_CONTROL = re.compile(b"\xc2([\x80-\x9f])")
"""A C1 control character (U+0080 to U+009F) in UTF-8. 0xc2 only ever begins a character, so these
two bytes match nothing else."""


def c1_escaped(encoded: bytes | memoryview) -> bytes | memoryview:
    """Encoded JSON with its C1 control characters written `\\u0080` to `\\u009f`. JSON allows them
    raw and msgspec escapes only those below U+0020, but a terminal showing the file obeys them
    (U+009B begins an escape sequence as ESC [ does). One search when there is none to escape."""
    if _C1_CONTROL.search(encoded) is None:
        return encoded
    return _C1_CONTROL.sub(lambda match: b"\\u%04x" % match[1][0], encoded)


@dataclass(frozen=True)
class ScanHeader:
    """What a report may need before the first finding: it comes from the snapshot, not the findings."""

    started_at: str
    finished_at: str
    version: str
    """The cloudwarden version that evaluates (the report's `scan.tool.version`)."""


class ReportStream(Protocol):
    def add(self, finding: Finding) -> None: ...

    def finish(self, summary: ScanSummary) -> None: ...

    def close(self) -> None:
        """Release what the stream holds, finished or not (it writes nothing more)."""


class JsonArrayStream:
    """A JSON array of one item per finding, indented by two spaces as msgspec formats a whole list."""

    def __init__(self, target: IO[bytes], item: Callable[[Finding], Any]) -> None:
        self._target = target
        self._item = item
        self._encoder = msgspec.json.Encoder()
        self._batch: list[Any] = []
        self._written = 0

    def add(self, finding: Finding) -> None:
        self._batch.append(self._item(finding))
        if len(self._batch) >= BATCH:
            self._flush()

    def finish(self, summary: ScanSummary) -> None:
        self._flush()
        self._target.write(b"\n]\n" if self._written else b"[]\n")

    def close(self) -> None:
        self._batch = []

    def _flush(self) -> None:
        if not self._batch:
            return
        self._target.write(b",\n" if self._written else b"[\n")
        elements = formatted_elements(self._encoder, self._batch, b"[\n", b"\n]", indent=2)
        self._target.write(c1_escaped(elements))
        self._written += len(self._batch)
        self._batch = []


_EMPTY_TAIL = b'"findings": []\n}'
_BATCH_HEAD = b'{\n  "findings": [\n'
_BATCH_TAIL = b"\n  ]\n}"


class JsonReportStream:
    """The JSON report (`cloudwarden.findings/1`): `{"schema", "scan", "findings"}`, indented by two
    spaces, exactly as msgspec formats a whole `Report` (C1 control characters escaped: `c1_escaped`).

    The scan summary comes first in the document but is complete only after the last finding (its
    warnings depend on every finding), so the encoded findings wait in a spool, in memory while small,
    then in a temporary file in `spool_dir` (by default the system's temporary directory), until the
    summary is written.
    """

    def __init__(self, target: IO[bytes], spool_dir: Path | None = None) -> None:
        self._target = target
        self._encoder = msgspec.json.Encoder()
        self._spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed in `finish` or `close`
            max_size=SPOOL_IN_MEMORY, dir=str(spool_dir) if spool_dir is not None else None
        )
        self._batch: list[Finding] = []
        self._written = 0

    def add(self, finding: Finding) -> None:
        self._batch.append(finding)
        if len(self._batch) >= BATCH:
            self._flush()

    def finish(self, summary: ScanSummary) -> None:
        try:
            self._flush()
            frame = msgspec.json.format(self._encoder.encode(Report(scan=summary, findings=())), indent=2)
            head = bytes(c1_escaped(frame))
            if not head.endswith(_EMPTY_TAIL):  # pragma: no cover - msgspec's layout is fixed
                raise RuntimeError("unexpected layout of the encoded report")
            if not self._written:
                self._target.write(head + b"\n")
                return
            self._target.write(head[: -len(b"]\n}")] + b"\n")
            _copy(self._spool, self._target)
            self._target.write(b"\n  ]\n}\n")
        finally:
            self.close()

    def close(self) -> None:
        """Drop the spool (also when the report is abandoned half-way)."""
        self._spool.close()

    def _flush(self) -> None:
        """Append the batch as elements of the report's "findings" array.

        The batch is formatted inside an object of the same shape as the report, so its findings come
        out at the report's depth of indentation; only the enclosing lines are cut off.
        """
        if not self._batch:
            return
        if self._written:
            self._spool.write(b",\n")
        document = {"findings": self._batch}
        elements = formatted_elements(self._encoder, document, _BATCH_HEAD, _BATCH_TAIL, indent=2)
        self._spool.write(c1_escaped(elements))
        self._written += len(self._batch)
        self._batch = []


def _copy(spool: IO[bytes], target: IO[bytes]) -> None:
    """Append the whole spool to `target`. A spool that moved to a file is copied by the kernel when
    the target is a file too (several times faster for a report of gigabytes); otherwise, or if the
    kernel refuses, through a buffer."""
    size = spool.tell()
    copied = 0
    if size > SPOOL_IN_MEMORY:
        try:
            spool.flush()
            target.flush()
            source, destination = spool.fileno(), target.fileno()
            spool.seek(0)
            while copied < size:
                count = os.copy_file_range(source, destination, size - copied)
                if count == 0:
                    break
                copied += count
        except (OSError, AttributeError, io.UnsupportedOperation):
            pass  # not two files, or a file system that will not: copy the rest by hand
    spool.seek(copied)
    shutil.copyfileobj(spool, target, 1024 * 1024)


def write_json(
    findings: Iterable[Finding],
    summary: Callable[[], ScanSummary],
    target: IO[bytes],
    spool_dir: Path | None = None,
) -> None:
    """Write the JSON report of `findings` to `target`; `summary` is called after the last finding."""
    stream = JsonReportStream(target, spool_dir)
    try:
        for finding in findings:
            stream.add(finding)
    except BaseException:
        stream.close()
        raise
    stream.finish(summary())


def rendered(report: Report, stream: Callable[[IO[bytes]], ReportStream]) -> str:
    """The whole report written through a stream, as text (what the format's renderer returns)."""
    target = io.BytesIO()
    writer = stream(target)
    for finding in report.findings:
        writer.add(finding)
    writer.finish(report.scan)
    return target.getvalue().decode()


def header_of(report: Report) -> ScanHeader:
    return ScanHeader(
        started_at=report.scan.started_at,
        finished_at=report.scan.finished_at,
        version=report.scan.tool.version,
    )
