"""Reporters: they only format findings; every decision was made by the rules and the engine."""

from __future__ import annotations

import enum
import io
from collections.abc import Callable, Sequence

from cloudwarden.findings import Report
from cloudwarden.report.asff import render_asff
from cloudwarden.report.csv_report import render_csv
from cloudwarden.report.html import render_html
from cloudwarden.report.json_report import write_json
from cloudwarden.report.junit import render_junit
from cloudwarden.report.ocsf import render_ocsf
from cloudwarden.report.sarif import render_sarif
from cloudwarden.report.terminal import render_terminal
from cloudwarden.rules.base import Rule


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


def _json(report: Report, rules: Sequence[Rule]) -> str:
    text = io.BytesIO()
    write_json(report.findings, lambda: report.scan, text)
    return text.getvalue().decode()


_RENDERERS: dict[Format, Callable[[Report, Sequence[Rule]], str]] = {
    Format.JSON: _json,
    Format.HTML: render_html,
    Format.SARIF: render_sarif,
    Format.OCSF: render_ocsf,
    Format.ASFF: render_asff,
    Format.JUNIT: render_junit,
    Format.CSV: render_csv,
}


def render(report: Report, output_format: Format, rules: Sequence[Rule], color: bool = False) -> str:
    if output_format is Format.TERMINAL:
        return render_terminal(report, rules, color=color)
    return _RENDERERS[output_format](report, rules)
