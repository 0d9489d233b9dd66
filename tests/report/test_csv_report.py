"""CSV: one row per finding, every cell inert in a spreadsheet."""

from __future__ import annotations

import csv
import io

import msgspec
import pytest

from cloudwarden.findings import ComplianceRef, Report
from cloudwarden.report.csv_report import COLUMNS, neutralise, render_csv
from cloudwarden.ruledoc import RuleDoc

from .sample import HOSTILE, sample_report


def _rows(output: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(output, newline="")))


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("\t=1+1", "' =1+1"),
        ("\r=1+1", "' =1+1"),
        ("  =1+1", "'  =1+1"),
        ("\x00=1+1", "'=1+1"),
        ("\x1b[31m=1+1\x1b[0m", "'=1+1"),
        ("\tplain", " plain"),
        ("a=b", "a=b"),
        ("sg-0123", "sg-0123"),
        ("", ""),
        ("line\nbreak", "line break"),
    ],
)
def test_neutralise(cell: str, expected: str) -> None:
    assert neutralise(cell) == expected


def test_one_row_per_finding_under_a_header(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    rows = _rows(render_csv(report, rules))
    assert rows[0] == list(COLUMNS)
    assert [row[0] for row in rows[1:]] == [finding.id for finding in report.findings]
    assert all(len(row) == len(COLUMNS) for row in rows)


def test_a_row_holds_the_finding(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    suppressed = dict(zip(COLUMNS, _rows(render_csv(report, rules))[5], strict=True))
    assert suppressed == {
        "id": report.findings[4].id,
        "rule": "iam-user-mfa",
        "status": "SUPPRESSED",
        "severity": "medium",
        "account": "222222222222",
        "region": "global",
        "resource_type": "AWS::IAM::User",
        "resource_id": "ci-deploy",
        "resource_arn": "arn:aws:iam::222222222222:user/ci-deploy",
        "resource_name": "ci-deploy",
        "message": "the user's access keys work without MFA",
        "remediation": "How to fix iam-user-mfa: 1. do this 2. then that",
        "suppression_reason": "CI users move to OIDC roles in Q1",
        "suppression_expires": "2027-03-31",
        "compliance": "cis-aws-foundations-3.0.0/1.10; cis-aws-foundations-5.0.0/1.9; aws-fsbp/IAM.5",
        "location": "",
    }


def test_missing_values_are_empty_cells(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    record_set = dict(zip(COLUMNS, _rows(render_csv(report, rules))[8], strict=True))
    assert (
        record_set["resource_arn"],
        record_set["suppression_reason"],
        record_set["suppression_expires"],
        record_set["compliance"],
        record_set["location"],
    ) == ("", "", "", "", "")


def test_new_columns_come_after_the_first_ones() -> None:
    """A spreadsheet that reads columns by position keeps working: columns are only ever appended."""
    assert COLUMNS[:14] == (
        "id",
        "rule",
        "status",
        "severity",
        "account",
        "region",
        "resource_type",
        "resource_id",
        "resource_arn",
        "resource_name",
        "message",
        "remediation",
        "suppression_reason",
        "suppression_expires",
    )
    assert COLUMNS[14:] == ("compliance", "location")


def test_a_control_that_would_start_a_formula_is_inert(rules: tuple[RuleDoc, ...]) -> None:
    finding = msgspec.structs.replace(
        HOSTILE,
        compliance=(ComplianceRef(framework="=cmd|' /C calc'!A0", control="1", relationship="partial"),),
    )
    rows = _rows(render_csv(sample_report((finding,)), rules))
    assert rows[1][COLUMNS.index("compliance")] == "'=cmd|' /C calc'!A0/1"


def test_lines_end_with_crlf(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    output = render_csv(report, rules)
    assert output.count("\r\n") == len(report.findings) + 1
    assert "\n" not in output.replace("\r\n", "")


def test_quotes_and_commas_round_trip(rules: tuple[RuleDoc, ...]) -> None:
    finding = msgspec.structs.replace(HOSTILE, message='say "hi", then, "bye"')
    rows = _rows(render_csv(sample_report((finding,)), rules))
    assert rows[1][COLUMNS.index("message")] == 'say "hi", then, "bye"'


def test_only_the_header_for_no_findings(rules: tuple[RuleDoc, ...]) -> None:
    assert _rows(render_csv(sample_report(()), rules)) == [list(COLUMNS)]
