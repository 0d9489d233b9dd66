"""Reporters: they only format findings; every decision was made by the rules and the engine."""

from __future__ import annotations

import enum
from collections.abc import Sequence

import msgspec

from cloudwarden.findings import Report
from cloudwarden.report.terminal import render_terminal
from cloudwarden.rules.base import Rule


class Format(enum.StrEnum):
    TERMINAL = "terminal"
    JSON = "json"

    @property
    def extension(self) -> str:
        return {Format.TERMINAL: "txt", Format.JSON: "json"}[self]


def render(report: Report, output_format: Format, rules: Sequence[Rule], color: bool = False) -> str:
    if output_format is Format.JSON:
        return msgspec.json.format(msgspec.json.encode(report), indent=2).decode() + "\n"
    return render_terminal(report, rules, color=color)
