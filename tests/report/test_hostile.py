"""AWS names and messages are attacker-controlled: the hostile finding goes through every format inert."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cloudwarden.cli import app
from cloudwarden.findings import Report
from cloudwarden.report import Format, render, stream
from cloudwarden.report.csv_report import COLUMNS, neutralise, render_csv
from cloudwarden.report.diff import compare, render_diff_json
from cloudwarden.report.junit import render_junit
from cloudwarden.ruledoc import RuleDoc

from .sample import HOSTILE, HOSTILE_ID, HOSTILE_MESSAGE, HOSTILE_NAME, RENDERERS, RULES, sample_report

RAW_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters a file may not carry raw (line ends aside)."""
CLEANED_MESSAGE = "=cmd|' /C calc'!A0 red nul cdata]]> <img src=x onerror=alert(1)> evil"


@pytest.mark.parametrize("output_format", sorted(RENDERERS))
def test_no_raw_control_character_in_any_format(output_format: str, rules: tuple[RuleDoc, ...]) -> None:
    output = RENDERERS[output_format](sample_report((HOSTILE,)), rules)
    assert not RAW_CONTROL.search(output)


@pytest.mark.parametrize("output_format", ["sarif", "ocsf", "asff"])
def test_json_formats_are_valid_json_keeping_the_text_exactly(
    output_format: str, rules: tuple[RuleDoc, ...]
) -> None:
    document = json.loads(RENDERERS[output_format](sample_report((HOSTILE,)), rules))
    strings = set(_strings(document))
    assert HOSTILE_MESSAGE in strings
    assert any(HOSTILE_ID in text for text in strings)


def test_junit_is_well_formed_with_the_text_cleaned(rules: tuple[RuleDoc, ...]) -> None:
    output = render_junit(sample_report((HOSTILE,)), rules)
    assert "<img" not in output
    assert "]]>" not in output
    case = ET.fromstring(output).find("testsuite/testcase")
    assert case is not None
    assert case.get("name") == f"{HOSTILE.account} global {HOSTILE_ID}"
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == CLEANED_MESSAGE
    assert f"name: {HOSTILE_NAME}" in (failure.text or "").splitlines()


def test_csv_cells_are_neutralised(rules: tuple[RuleDoc, ...]) -> None:
    output = render_csv(sample_report((HOSTILE,)), rules)
    _, row = csv.reader(io.StringIO(output, newline=""))
    cells = dict(zip(COLUMNS, row, strict=True))
    assert cells["resource_id"] == "'" + HOSTILE_ID
    assert cells["message"] == "'" + CLEANED_MESSAGE
    assert cells["resource_name"] == HOSTILE_NAME
    assert not [cell for cell in row if cell.lstrip(" ").startswith(("=", "+", "-", "@"))]


@given(st.text(max_size=200))
@settings(deadline=None)  # the first example also warms up every renderer; a loaded machine is slower
def test_any_text_stays_inert_in_every_format(text: str) -> None:
    finding = msgspec.structs.replace(
        HOSTILE, message=text, resource=msgspec.structs.replace(HOSTILE.resource, id=text, name=text)
    )
    report = sample_report((finding,))
    for output_format in ("sarif", "ocsf"):
        assert text in _strings(json.loads(RENDERERS[output_format](report, RULES)))
    asff = _strings(json.loads(RENDERERS["asff"](report, RULES)))
    assert text in asff or not text.strip()
    junit = render_junit(report, RULES)
    assert not RAW_CONTROL.search(junit)
    ET.fromstring(junit)
    _, row = csv.reader(io.StringIO(render_csv(report, RULES), newline=""))
    assert not [cell for cell in row if cell.lstrip(" ").startswith(("=", "+", "-", "@"))]
    assert not RAW_CONTROL.search("".join(row))


@given(st.text())
def test_neutralised_cells_never_start_a_formula(text: str) -> None:
    cell = neutralise(text)
    assert not cell.lstrip(" ").startswith(("=", "+", "-", "@"))
    assert not RAW_CONTROL.search(cell)


C1_TEXT = "csi \x9b31m red, next line \x85, first \x80 and last \x9f; not C1: \xa0\xe9"
"""C1 control characters (a terminal obeys U+009B as ESC [), beside letters that are not C1."""


def _with_c1(report: Report) -> Report:
    findings = tuple(msgspec.structs.replace(finding, message=C1_TEXT) for finding in report.findings)
    return msgspec.structs.replace(
        report, findings=findings, scan=msgspec.structs.replace(report.scan, warnings=(C1_TEXT,))
    )


def _json_outputs(report: Report, rules: tuple[RuleDoc, ...]) -> dict[str, str]:
    outputs = {
        fmt.value: render(report, fmt, rules) for fmt in (Format.JSON, Format.SARIF, Format.OCSF, Format.ASFF)
    }
    outputs["diff"] = render_diff_json(compare(sample_report(()), report))
    return outputs


def test_c1_control_characters_are_escaped_in_every_json_output(rules: tuple[RuleDoc, ...]) -> None:
    for name, output in _json_outputs(_with_c1(sample_report((HOSTILE,))), rules).items():
        assert not re.search("[\x80-\x9f]", output), name
        assert "\\u009b31m" in output, name
        assert "\xa0\xe9" in output, name
        assert C1_TEXT in _strings(json.loads(output)), name


def test_c1_escapes_do_not_depend_on_how_findings_are_batched(
    rules: tuple[RuleDoc, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    report = _with_c1(sample_report())
    whole = _json_outputs(report, rules)
    monkeypatch.setattr(stream, "BATCH", 2)
    assert _json_outputs(report, rules) == whole


def test_the_rules_json_is_ascii() -> None:
    """`json.dumps` escapes every character beyond ASCII, C1 included."""
    result = CliRunner().invoke(app, ["rules", "--format", "json"])
    assert result.exit_code == 0
    assert result.stdout.isascii()


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []
