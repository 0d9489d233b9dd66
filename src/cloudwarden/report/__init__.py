"""Reporters: they only format findings; every decision was made by the rules and the engine."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from cloudwarden.findings import Report
from cloudwarden.report.asff import asff_stream, render_asff
from cloudwarden.report.csv_report import CsvStream, render_csv
from cloudwarden.report.html import render_html
from cloudwarden.report.junit import render_junit
from cloudwarden.report.ocsf import ocsf_stream, render_ocsf
from cloudwarden.report.sarif import SarifStream, render_sarif
from cloudwarden.report.stream import JsonReportStream, ReportStream, ScanHeader, rendered
from cloudwarden.report.terminal import render_terminal
from cloudwarden.ruledoc import RuleDoc


class Format(enum.StrEnum):
    TERMINAL = "terminal"
    JSON = "json"
    HTML = "html"
    SARIF = "sarif"
    OCSF = "ocsf"
    ASFF = "asff"
    JUNIT = "junit"
    CSV = "csv"

    @property
    def extension(self) -> str:
        """The file name extension used when several formats are written to a directory."""
        return _EXTENSIONS[self]


_EXTENSIONS = {
    Format.TERMINAL: "txt",
    Format.JSON: "json",
    Format.HTML: "html",
    Format.SARIF: "sarif",
    Format.OCSF: "ocsf.json",
    Format.ASFF: "asff.json",
    Format.JUNIT: "junit.xml",
    Format.CSV: "csv",
}


def _json(report: Report, rules: Sequence[RuleDoc]) -> str:
    return rendered(report, JsonReportStream)


_RENDERERS: dict[Format, Callable[[Report, Sequence[RuleDoc]], str]] = {
    Format.JSON: _json,
    Format.HTML: render_html,
    Format.SARIF: render_sarif,
    Format.OCSF: render_ocsf,
    Format.ASFF: render_asff,
    Format.JUNIT: render_junit,
    Format.CSV: render_csv,
}


def render(report: Report, output_format: Format, rules: Sequence[RuleDoc], color: bool = False) -> str:
    if output_format is Format.TERMINAL:
        return render_terminal(report, rules, color=color)
    return _RENDERERS[output_format](report, rules)


STREAMED = frozenset({Format.JSON, Format.CSV, Format.OCSF, Format.ASFF, Format.SARIF})
"""The formats written as the findings arrive, without the whole report in memory."""


def open_stream(
    output_format: Format,
    target: IO[bytes],
    header: ScanHeader,
    rules: Sequence[RuleDoc],
    spool_dir: Path | None = None,
) -> ReportStream:
    """A stream of `output_format` (one of `STREAMED`) to `target`."""
    if output_format is Format.JSON:
        return JsonReportStream(target, spool_dir)
    if output_format is Format.CSV:
        return CsvStream(target)
    if output_format is Format.OCSF:
        return ocsf_stream(target, header, rules)
    if output_format is Format.ASFF:
        return asff_stream(target, header)
    if output_format is Format.SARIF:
        return SarifStream(target, header, rules)
    raise ValueError(f"{output_format} is not written as a stream")
