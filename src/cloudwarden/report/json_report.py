"""The JSON report (`cloudwarden.findings/1`), written as a stream.

The document is `{"schema", "scan", "findings"}`, indented by two spaces, exactly as msgspec formats a
whole `Report`. It is written without the report in memory: findings are encoded in batches as they
arrive, and since the scan summary comes first in the document but is complete only after the last
finding (its warnings depend on every finding), the encoded findings wait in a spool (in memory while
small, then in a temporary file) until the summary is written.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

import msgspec

from cloudwarden.findings import Finding, Report, ScanSummary

BATCH = 1_000
"""Findings encoded at a time."""

SPOOL_IN_MEMORY = 32 * 1024 * 1024
"""Bytes of encoded findings kept in memory before the spool moves to a temporary file."""

_EMPTY_TAIL = b'"findings": []\n}'


def write_json(
    findings: Iterable[Finding],
    summary: Callable[[], ScanSummary],
    target: IO[bytes],
    spool_dir: Path | None = None,
) -> None:
    """Write the JSON report of `findings` to `target`; `summary` is called after the last finding.

    `spool_dir` is where the spool's temporary file goes if the findings outgrow memory (by default
    the system's temporary directory).
    """
    encoder = msgspec.json.Encoder()
    with tempfile.SpooledTemporaryFile(
        max_size=SPOOL_IN_MEMORY, dir=str(spool_dir) if spool_dir is not None else None
    ) as spool:
        count = 0
        batch: list[Finding] = []
        for finding in findings:
            batch.append(finding)
            if len(batch) == BATCH:
                _spool(encoder, batch, spool, first=count == 0)
                count += len(batch)
                batch = []
        if batch:
            _spool(encoder, batch, spool, first=count == 0)
            count += len(batch)
        head = msgspec.json.format(encoder.encode(Report(scan=summary(), findings=())), indent=2)
        if not head.endswith(_EMPTY_TAIL):  # pragma: no cover - msgspec's layout is fixed
            raise RuntimeError("unexpected layout of the encoded report")
        if count == 0:
            target.write(head + b"\n")
            return
        target.write(head[: -len(b"]\n}")] + b"\n")
        spool.seek(0)
        shutil.copyfileobj(spool, target, 1024 * 1024)
        target.write(b"\n  ]\n}\n")


_BATCH_HEAD = b'{\n  "findings": [\n'
_BATCH_TAIL = b"\n  ]\n}"


def _spool(encoder: msgspec.json.Encoder, batch: list[Finding], spool: IO[bytes], first: bool) -> None:
    """Append a batch as elements of the report's "findings" array.

    The batch is formatted inside an object of the same shape as the report, so its findings come out
    at the report's depth of indentation; only the enclosing lines are cut off.
    """
    text = msgspec.json.format(encoder.encode({"findings": batch}), indent=2)
    if not (text.startswith(_BATCH_HEAD) and text.endswith(_BATCH_TAIL)):  # pragma: no cover
        raise RuntimeError("unexpected layout of the encoded findings")
    if not first:
        spool.write(b",\n")
    spool.write(memoryview(text)[len(_BATCH_HEAD) : -len(_BATCH_TAIL)])
