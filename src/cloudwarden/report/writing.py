"""Writing reports where the command line asks: standard output, a file, or a directory of formats.

A report file is written whole or not at all; a place that cannot be written is an `OutputError`
(exit 2, with the path and the reason), worked out before any AWS call when it can be.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

from cloudwarden.files import check_writable, written_whole
from cloudwarden.findings import Finding, Report, ScanSummary
from cloudwarden.outcome import Tally
from cloudwarden.report import STREAMED, Format, open_stream, render
from cloudwarden.report.framework import (
    FrameworkView,
    render_framework_html,
    render_framework_json,
    render_framework_terminal,
)
from cloudwarden.report.stream import ReportStream, ScanHeader
from cloudwarden.ruledoc import RuleDoc

Targets = dict[Format, Path | None]
"""Where each format goes: a file, or standard output (None)."""


class OutputError(Exception):
    """A report that cannot be written where it was asked, with a one-line message naming the place."""


class Evaluated(Protocol):
    """What reports are written from: findings made one by one, then the scan's summary
    (`engine.Evaluation`)."""

    def __iter__(self) -> Iterator[Finding]: ...

    def summary(self) -> ScanSummary: ...


def report_targets(formats: Sequence[Format] | None, output: Path | None) -> Targets:
    """Where each format goes: standard output, the `--output` file, or a file in the `--output`
    directory (created here). Worked out before any AWS call, so that an output that cannot be
    written fails at once, not after the whole collection."""
    chosen = list(dict.fromkeys(formats or [Format.TERMINAL]))
    if output is None:
        return dict.fromkeys(chosen)
    if output.is_symlink():  # a file or a directory: nothing is written through a link
        raise OutputError(f"cannot write {output}: it is a symbolic link, not a regular file")
    if len(chosen) == 1 and not output.is_dir():
        return {chosen[0]: writable(output)}
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create the directory {output}: {error.strerror}") from error
    return {fmt: writable(output / f"cloudwarden.{fmt.extension}") for fmt in chosen}


def writable(path: Path) -> Path:
    """`path`, checked to be a file that can be written whole (`check_writable`)."""
    try:
        check_writable(path)
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror}") from error
    return path


def write_reports(
    evaluation: Evaluated,
    header: ScanHeader,
    rules: Sequence[RuleDoc],
    targets: Targets,
    tally: Tally,
) -> ScanSummary:
    """Write the reports of `evaluation` to `targets` (from `report_targets`), every finding counted
    by `tally` on the way, and give the scan's summary.

    JSON, CSV, OCSF, ASFF and SARIF are streamed: findings go out as they are made and the whole
    report is never in memory (only the snapshot and a batch of findings are), for any number of
    them written to files, or one to standard output. The other formats need the whole report first.
    """
    to_files = None not in targets.values()
    if targets.keys() <= STREAMED and (to_files or len(targets) == 1):
        return _stream(evaluation, header, rules, targets, tally)
    report = Report(findings=tuple(tally.watch(evaluation)), scan=evaluation.summary())
    color = not to_files and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    for output_format, path in targets.items():
        if path is None:
            with standard_output():
                sys.stdout.write(render(report, output_format, rules, color=color))
            continue
        with _atomic(path) as target:
            if output_format in STREAMED:
                stream = open_stream(output_format, target, header, rules, spool_dir=path.parent)
                for finding in report.findings:
                    stream.add(finding)
                stream.finish(report.scan)
            else:
                target.write(render(report, output_format, rules).encode())
    return report.scan


def _stream(
    evaluation: Evaluated,
    header: ScanHeader,
    rules: Sequence[RuleDoc],
    targets: Targets,
    tally: Tally,
) -> ScanSummary:
    """Every report written as the findings are made, in one pass over the evaluation."""
    streams: list[ReportStream] = []
    with ExitStack() as files:
        try:
            for output_format, path in targets.items():
                if path is None:
                    files.enter_context(standard_output())
                    target: BinaryIO = sys.stdout.buffer
                else:
                    target = files.enter_context(_atomic(path))
                spool = None if path is None else path.parent
                streams.append(open_stream(output_format, target, header, rules, spool_dir=spool))
            for finding in tally.watch(evaluation):
                for stream in streams:
                    stream.add(finding)
            summary = evaluation.summary()
            for stream in streams:
                stream.finish(summary)
        finally:
            for stream in streams:
                stream.close()
    return summary


@contextmanager
def _atomic(path: Path) -> Iterator[BinaryIO]:
    """A report file written whole or not at all (`written_whole`), its failures an `OutputError`."""
    try:
        with written_whole(path) as target:
            yield target
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror}") from error


@contextmanager
def standard_output() -> Iterator[None]:
    """A block that writes to standard output: a closed pipe (`| head`) or a full disk there is a
    report that could not be written (exit 2), not an internal error."""
    try:
        sys.stdout.flush()
        yield
        sys.stdout.flush()
    except OSError as error:
        _discard_standard_output()
        raise OutputError(f"cannot write to standard output: {error.strerror}") from error


def _discard_standard_output() -> None:
    """Point standard output at /dev/null, so that what is still buffered for it cannot fail once more
    when Python flushes it on exit ("Exception ignored ... BrokenPipeError")."""
    try:
        descriptor = sys.stdout.fileno()
    except (OSError, ValueError):  # not a file (a test's capture): nothing of it is flushed on exit
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)


def write_framework_view(view: FrameworkView, summary: ScanSummary, targets: Targets) -> None:
    """The framework view in each format of `targets` (terminal, json or html), as `write_reports`
    writes reports: to standard output, or to files written whole or not at all."""
    to_files = None not in targets.values()
    color = not to_files and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    for output_format, path in targets.items():
        if output_format is Format.JSON:
            text = render_framework_json(view, summary)
        elif output_format is Format.HTML:
            text = render_framework_html(view, summary)
        elif output_format is Format.TERMINAL:
            text = render_framework_terminal(view, summary, color=color and path is None)
        else:  # the command refuses other formats before any AWS call
            raise OutputError(f"the framework view has no {output_format.value} format")
        if path is None:
            with standard_output():
                sys.stdout.write(text)
        else:
            with _atomic(path) as target:
                target.write(text.encode())
