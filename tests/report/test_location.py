"""`location` in every format: a finding of `iac` points at the file (and line) that defines its resource,
and a finding of a live scan (no location) is written exactly as before.

The findings are built by hand: a template's resource (file and line), a plan's resource (file only: a
plan's JSON has no lines of the configuration) and a live scan's resource (no location)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from typing import Any

import msgspec
import pytest

from cloudwarden.findings import (
    Finding,
    Location,
    Report,
    Resource,
    ScanSummary,
    Status,
    ToolInfo,
    UnknownCause,
    finding_id,
)
from cloudwarden.report import Format, render
from cloudwarden.report.asff import render_asff
from cloudwarden.report.csv_report import COLUMNS, render_csv
from cloudwarden.report.diff import compare, render_diff_json, render_diff_terminal
from cloudwarden.report.framework import framework_view, render_framework_html, render_framework_terminal
from cloudwarden.report.junit import render_junit
from cloudwarden.report.ocsf import render_ocsf
from cloudwarden.report.sarif import file_artifact, render_sarif
from cloudwarden.report.stream import write_json
from cloudwarden.report.terminal import finding_line
from tests.report_html.page import Element, parse

from .sample import CATALOGUE, CIS_3, HOSTILE_NAME, RULES, RULES_BY_ID
from .test_ocsf import _check
from .test_sarif import _validate

ACCOUNT = "123456789012"
TEMPLATE = Location(file="infra/web stack/template.yaml", line=12)
PLAN = Location(file="plans/plan.json")


def _finding(
    rule_id: str,
    status: Status,
    resource: Resource,
    message: str,
    location: Location | None,
    region: str = "us-east-1",
) -> Finding:
    rule = RULES_BY_ID[rule_id]
    return Finding(
        id=finding_id(rule_id, ACCOUNT, resource.id),
        rule=rule_id,
        title=rule.title,
        status=status,
        severity=rule.severity,
        account=ACCOUNT,
        region=region,
        resource=resource,
        message=message,
        remediation=rule.remediation,
        unknown_cause=UnknownCause.KNOWN_AFTER_APPLY if status is Status.UNKNOWN else msgspec.UNSET,
        compliance=CATALOGUE.compliance_of(rule_id),
        location=msgspec.UNSET if location is None else location,
    )


IN_TEMPLATE = _finding(
    "s3-no-public-access",
    Status.FAIL,
    Resource(type="AWS::S3::Bucket", id="LogsBucket", name="LogsBucket"),
    "the bucket policy grants s3:GetObject to everyone",
    TEMPLATE,
)
IN_PLAN = _finding(
    "sg-minimal-inbound",
    Status.UNKNOWN,
    Resource(type="AWS::EC2::SecurityGroup", id="module.web.aws_security_group.web"),
    "cidr_blocks is known only after apply",
    PLAN,
)
PASSING_IN_TEMPLATE = _finding(
    "s3-no-public-access",
    Status.PASS,
    Resource(type="AWS::S3::Bucket", id="ArchiveBucket", name="ArchiveBucket"),
    "every Block Public Access setting is on",
    Location(file="infra/web stack/template.yaml", line=40),
)
LIVE = _finding(
    "root-mfa",
    Status.FAIL,
    Resource(type="AWS::::Account", id=ACCOUNT, arn=f"arn:aws:iam::{ACCOUNT}:root", name=ACCOUNT),
    "the root user has no MFA device",
    None,
    region="global",
)
FINDINGS = (IN_TEMPLATE, IN_PLAN, PASSING_IN_TEMPLATE, LIVE)
SCAN = ScanSummary(
    started_at="2026-12-01T10:00:00+00:00",
    finished_at="2026-12-01T10:00:01+00:00",
    tool=ToolInfo(name="cloudwarden", version="9.9.9"),
    accounts=(ACCOUNT,),
    regions=("us-east-1",),
    errors=(),
    stats={},
)


def _report(*findings: Finding) -> Report:
    return Report(scan=SCAN, findings=findings or FINDINGS)


def _located(finding: Finding, location: Location) -> Finding:
    return msgspec.structs.replace(finding, location=location)


# --- JSON -------------------------------------------------------------------------------------------


def _json_report(report: Report) -> bytes:
    target = io.BytesIO()
    write_json(report.findings, lambda: report.scan, target)
    return target.getvalue()


def test_json_carries_the_location_only_when_set() -> None:
    findings = json.loads(_json_report(_report()))["findings"]
    assert [finding.get("location", "absent") for finding in findings] == [
        {"file": "infra/web stack/template.yaml", "line": 12},
        {"file": "plans/plan.json", "line": None},
        {"file": "infra/web stack/template.yaml", "line": 40},
        "absent",
    ]


def test_the_streamed_json_is_what_msgspec_makes_of_the_whole_report() -> None:
    report = _report()
    whole = msgspec.json.format(msgspec.json.encode(report), indent=2) + b"\n"
    assert _json_report(report) == whole
    assert render(report, Format.JSON, RULES) == whole.decode()


def test_the_json_report_reads_back_with_its_locations() -> None:
    report = _report()
    assert msgspec.json.decode(_json_report(report), type=Report) == report


# --- SARIF ------------------------------------------------------------------------------------------


def _sarif_locations(report: Report) -> list[list[dict[str, Any]]]:
    document = json.loads(render_sarif(report, RULES, CATALOGUE))
    _validate(document)
    return [result["locations"] for result in document["runs"][0]["results"]]


def test_sarif_points_a_located_result_at_its_file_and_line() -> None:
    """PASS is not a result; the live finding keeps its `aws://` artifact."""
    assert _sarif_locations(_report()) == [
        [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "infra/web%20stack/template.yaml", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 12},
                },
                "logicalLocations": [
                    {"name": "LogsBucket", "fullyQualifiedName": "LogsBucket", "kind": "resource"}
                ],
            }
        ],
        [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "plans/plan.json", "uriBaseId": "%SRCROOT%"},
                },
                "logicalLocations": [
                    {
                        "name": "module.web.aws_security_group.web",
                        "fullyQualifiedName": "module.web.aws_security_group.web",
                        "kind": "resource",
                    }
                ],
            }
        ],
        [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": f"aws://{ACCOUNT}/global/AWS::::Account/{ACCOUNT}"}
                },
                "logicalLocations": [
                    {
                        "name": ACCOUNT,
                        "fullyQualifiedName": f"arn:aws:iam::{ACCOUNT}:root",
                        "kind": "resource",
                    }
                ],
            }
        ],
    ]


def test_a_live_result_is_unchanged_by_locations() -> None:
    """The live finding's result, alone or among located ones, is the same bytes."""
    alone = json.loads(render_sarif(_report(LIVE), RULES, CATALOGUE))["runs"][0]["results"]
    among = json.loads(render_sarif(_report(), RULES, CATALOGUE))["runs"][0]["results"]
    assert among[-1] == alone[0]


@pytest.mark.parametrize(
    ("path", "artifact"),
    [
        ("main.yaml", {"uri": "main.yaml", "uriBaseId": "%SRCROOT%"}),
        ("./stacks//web/main.yaml", {"uri": "stacks/web/main.yaml", "uriBaseId": "%SRCROOT%"}),
        ("../shared/main.yaml", {"uri": "../shared/main.yaml", "uriBaseId": "%SRCROOT%"}),
        ("c:web.yaml", {"uri": "c%3Aweb.yaml", "uriBaseId": "%SRCROOT%"}),
        ("stacks/#1 ?x%.yaml", {"uri": "stacks/%231%20%3Fx%25.yaml", "uriBaseId": "%SRCROOT%"}),
        ("stacks/café.yaml", {"uri": "stacks/caf%C3%A9.yaml", "uriBaseId": "%SRCROOT%"}),
        ("stacks/\udcff.yaml", {"uri": "stacks/%FF.yaml", "uriBaseId": "%SRCROOT%"}),
        ("/work/repo/web stack/main.yaml", {"uri": "file:///work/repo/web%20stack/main.yaml"}),
    ],
)
def test_a_file_path_becomes_a_uri(path: str, artifact: dict[str, str]) -> None:
    """Relative paths are relative references on `%SRCROOT%` (a `:` in the first segment would read as
    a scheme, so it is encoded); absolute paths are `file://` URIs, which take no base id."""
    assert file_artifact(path) == artifact


@pytest.mark.parametrize("line", [0, -3])
def test_a_line_below_one_gives_no_region(line: int) -> None:
    """SARIF lines count from 1 (the schema's minimum): such a line is no line."""
    [[location]] = _sarif_locations(_report(_located(IN_TEMPLATE, Location(file="t.yaml", line=line))))
    assert location["physicalLocation"] == {"artifactLocation": {"uri": "t.yaml", "uriBaseId": "%SRCROOT%"}}


def test_a_location_without_a_file_keeps_the_resource_artifact() -> None:
    [[location]] = _sarif_locations(_report(_located(IN_TEMPLATE, Location(file=" ", line=3))))
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": f"aws://{ACCOUNT}/us-east-1/AWS::S3::Bucket/LogsBucket"}
    }


# --- CSV --------------------------------------------------------------------------------------------


def _rows(report: Report) -> list[list[str]]:
    return list(csv.reader(io.StringIO(render_csv(report, RULES), newline="")))


def test_csv_appends_a_location_column() -> None:
    rows = _rows(_report())
    assert rows[0] == [*COLUMNS]
    assert COLUMNS[-1] == "location"
    assert [row[-1] for row in rows[1:]] == [
        "infra/web stack/template.yaml:12",
        "plans/plan.json",
        "infra/web stack/template.yaml:40",
        "",
    ]
    assert all(len(row) == len(COLUMNS) for row in rows)


def test_a_location_that_would_start_a_formula_is_inert() -> None:
    hostile = _located(IN_TEMPLATE, Location(file="=cmd|' /C calc'!A0\x1b[31m.yaml", line=2))
    assert _rows(_report(hostile))[1][-1] == "'=cmd|' /C calc'!A0.yaml:2"


# --- terminal ---------------------------------------------------------------------------------------


def test_the_terminal_line_names_the_file_and_line() -> None:
    """A located finding is named by its address and file, without the account (for `iac`, the
    document's path again); a live finding's line is unchanged."""
    assert [finding_line(finding, indent=2, style="").plain for finding in FINDINGS] == [
        "  FAIL       critical LogsBucket (us-east-1) at infra/web stack/template.yaml:12: "
        "the bucket policy grants s3:GetObject to everyone",
        "  UNKNOWN    critical module.web.aws_security_group.web (us-east-1) at "
        "plans/plan.json: cidr_blocks is known only after apply",
        "  PASS       critical ArchiveBucket (us-east-1) at infra/web stack/template.yaml:40: "
        "every Block Public Access setting is on",
        "  FAIL       critical 123456789012: the root user has no MFA device",
    ]


@pytest.mark.parametrize(
    ("name", "region", "shown"),
    [
        pytest.param("site-bucket", "unknown", "SiteBucket (site-bucket)", id="name-without-region"),
        pytest.param("site-bucket", "eu-west-1", "SiteBucket (site-bucket, eu-west-1)", id="name-and-region"),
        pytest.param(None, "unknown", "SiteBucket", id="neither"),
        pytest.param("SiteBucket", "global", "SiteBucket", id="name-in-the-address-global"),
    ],
)
def test_a_located_line_gives_the_name_and_only_a_known_region(
    name: str | None, region: str, shown: str
) -> None:
    finding = msgspec.structs.replace(
        IN_TEMPLATE,
        account="infra/template.yaml",
        region=region,
        resource=Resource(type="AWS::S3::Bucket", id="SiteBucket", name=name),
        location=Location(file="infra/template.yaml", line=4),
    )
    assert finding_line(finding, indent=0, style="").plain == (
        f"FAIL       critical {shown} at infra/template.yaml:4: "
        "the bucket policy grants s3:GetObject to everyone"
    )


def test_a_hostile_location_is_printed_without_its_escape_sequences() -> None:
    hostile = _located(IN_TEMPLATE, Location(file="a\x1b]8;;http://x\x07b\u202e.yaml", line=1))
    assert " at ab.yaml:1: " in finding_line(hostile, indent=0, style="").plain


def test_the_terminal_report_shows_located_findings() -> None:
    lines = render(_report(), Format.TERMINAL, RULES).splitlines()
    assert [line for line in lines if " at " in line] == [
        "  FAIL       critical LogsBucket (us-east-1) at infra/web stack/template.yaml:12: "
        "the bucket policy grants s3:GetObject to everyone",
        "  UNKNOWN    critical module.web.aws_security_group.web (us-east-1) at "
        "plans/plan.json: cidr_blocks is known only after apply",
    ]


# --- HTML -------------------------------------------------------------------------------------------


def _rows_by_resource(html: str) -> dict[str, Element]:
    rows = parse(html).by_id("findings-table").find_all("tr", "finding")
    return {row.find("span", "resource-id").text(): row for row in rows}


def test_html_shows_the_location_under_the_resource_and_in_the_details() -> None:
    rows = _rows_by_resource(render(_report(), Format.HTML, RULES))
    shown = {
        resource: (
            [span.text() for span in row.find("td", "resource").find_all("span", "location")],
            [paragraph.text() for paragraph in row.find_all("p", "location")],
        )
        for resource, row in rows.items()
    }
    assert shown == {
        "LogsBucket": (["infra/web stack/template.yaml:12"], ["infra/web stack/template.yaml:12"]),
        "module.web.aws_security_group.web": (["plans/plan.json"], ["plans/plan.json"]),
        "ArchiveBucket": (["infra/web stack/template.yaml:40"], ["infra/web stack/template.yaml:40"]),
        ACCOUNT: ([], []),
    }


def test_the_location_is_in_what_the_search_reads() -> None:
    """The free-text filter searches the visible cells, the message cell by its summary: the location
    is in the resource cell, outside any summary."""
    row = _rows_by_resource(render(_report(), Format.HTML, RULES))["LogsBucket"]
    cell = row.find("td", "resource")
    assert cell.find_all("summary") == []
    assert "infra/web stack/template.yaml:12" in cell.text()


def test_a_live_row_is_unchanged_by_locations() -> None:
    alone = _rows_by_resource(render(_report(LIVE), Format.HTML, RULES))[ACCOUNT]
    among = _rows_by_resource(render(_report(), Format.HTML, RULES))[ACCOUNT]
    assert alone == among


def test_a_hostile_location_is_escaped_text() -> None:
    file = f"{HOSTILE_NAME}\u202e\x00.yaml"
    html = render(_report(_located(IN_TEMPLATE, Location(file=file, line=3))), Format.HTML, RULES)
    assert HOSTILE_NAME not in html
    row = _rows_by_resource(html)["LogsBucket"]
    assert row.find("span", "location").text() == f"{HOSTILE_NAME}.yaml:3"
    assert row.find("p", "location").text() == f"{HOSTILE_NAME}.yaml:3"
    assert [element.tag for element in row.iter() if element.tag == "img"] == []


def test_the_framework_page_shows_the_location_under_the_resource() -> None:
    view = framework_view(FINDINGS, [rule.id for rule in RULES], CIS_3, CATALOGUE)
    page = parse(render_framework_html(view, SCAN))
    cells = {
        row.attrs["data-finding"]: [
            div.text() for div in row.find("td", "resource").find_all("div", "location")
        ]
        for row in page.find_all("tr", "finding")
    }
    assert cells == {
        IN_TEMPLATE.id: ["infra/web stack/template.yaml:12"],
        IN_PLAN.id: ["plans/plan.json"],
        PASSING_IN_TEMPLATE.id: ["infra/web stack/template.yaml:40"],
        LIVE.id: [],
    }


def test_the_framework_terminal_view_names_the_file() -> None:
    view = framework_view(FINDINGS, [rule.id for rule in RULES], CIS_3, CATALOGUE)
    text = render_framework_terminal(view, SCAN, color=False)
    assert "LogsBucket (us-east-1) at infra/web stack/template.yaml:12: " in text
    assert "module.web.aws_security_group.web (us-east-1) at plans/plan.json: " in text


# --- ASFF and OCSF ----------------------------------------------------------------------------------


def test_asff_names_the_location_in_its_product_fields() -> None:
    findings = json.loads(render_asff(_report(), RULES, CATALOGUE))
    assert [finding["ProductFields"].get("cloudwarden/location") for finding in findings] == [
        "infra/web stack/template.yaml:12",
        "plans/plan.json",
        "infra/web stack/template.yaml:40",
        None,
    ]


def test_asff_gives_security_hub_twelve_digits_for_a_documents_path() -> None:
    """An `iac` finding's account is its document's path: Security Hub's AwsAccountId takes twelve
    digits, so the placeholder stands there and the path is in ProductFields."""
    live = _report().findings[3]
    from_document = msgspec.structs.replace(live, account="plans/plan.json")
    asff = json.loads(render_asff(_report(live, from_document), RULES, CATALOGUE))
    assert [(entry["AwsAccountId"], entry["ProductFields"].get("cloudwarden/account")) for entry in asff] == [
        (ACCOUNT, None),
        ("000000000000", "plans/plan.json"),
    ]
    assert asff[1]["ProductArn"].endswith(":000000000000:product/000000000000/default")


def test_ocsf_puts_the_location_in_unmapped() -> None:
    events = json.loads(render_ocsf(_report(), RULES, CATALOGUE))
    for event in events:
        _check(event)
    assert [event["unmapped"] for event in events] == [
        {"evidence": {}, "location": {"file": "infra/web stack/template.yaml", "line": 12}},
        {"evidence": {}, "location": {"file": "plans/plan.json"}},
        {"evidence": {}, "location": {"file": "infra/web stack/template.yaml", "line": 40}},
        {"evidence": {}},
    ]


def test_live_asff_and_ocsf_entries_are_unchanged_by_locations() -> None:
    for renderer in (render_asff, render_ocsf):
        alone = json.loads(renderer(_report(LIVE), RULES, CATALOGUE))
        among = json.loads(renderer(_report(), RULES, CATALOGUE))
        assert among[-1] == alone[0]


# --- JUnit ------------------------------------------------------------------------------------------


def test_junit_gives_located_test_cases_a_file_and_line() -> None:
    cases = {
        case.get("name"): case for case in ET.fromstring(render_junit(_report(), RULES)).iter("testcase")
    }
    assert {name: (case.get("file"), case.get("line")) for name, case in cases.items()} == {
        f"{ACCOUNT} us-east-1 LogsBucket": ("infra/web stack/template.yaml", "12"),
        f"{ACCOUNT} us-east-1 module.web.aws_security_group.web": ("plans/plan.json", None),
        f"{ACCOUNT} us-east-1 ArchiveBucket": ("infra/web stack/template.yaml", "40"),
        f"{ACCOUNT} global {ACCOUNT}": (None, None),
    }
    failure = cases[f"{ACCOUNT} us-east-1 LogsBucket"].find("failure")
    error = cases[f"{ACCOUNT} us-east-1 module.web.aws_security_group.web"].find("error")
    live = cases[f"{ACCOUNT} global {ACCOUNT}"].find("failure")
    assert failure is not None
    assert error is not None
    assert live is not None
    assert (failure.text or "").splitlines()[3] == "location: infra/web stack/template.yaml:12"
    assert (error.text or "").splitlines()[3] == "location: plans/plan.json"
    assert not any(line.startswith("location:") for line in (live.text or "").splitlines())


def test_a_hostile_location_is_valid_xml() -> None:
    hostile = _located(IN_TEMPLATE, Location(file="a\x00\x1b[31m<b>\ufffe.yaml", line=5))
    case = ET.fromstring(render_junit(_report(hostile), RULES)).find(".//testcase")
    assert case is not None
    assert (case.get("file"), case.get("line")) == ("a<b>.yaml", "5")


# --- diff -------------------------------------------------------------------------------------------


def _old_and_new() -> tuple[Report, Report]:
    """The template's bucket was PASS, the plan's group is new: both name their files in the diff."""
    old = _report(msgspec.structs.replace(IN_TEMPLATE, status=Status.PASS), LIVE)
    return old, _report(IN_TEMPLATE, IN_PLAN, LIVE)


def test_the_json_diff_names_the_locations() -> None:
    diff = json.loads(render_diff_json(compare(*_old_and_new())))
    assert [(entry["resource"], entry.get("location")) for entry in diff["changed"]] == [
        ("LogsBucket", {"file": "infra/web stack/template.yaml", "line": 12})
    ]
    assert [(entry["resource"], entry.get("location", "absent")) for entry in diff["new"]] == [
        ("module.web.aws_security_group.web", {"file": "plans/plan.json", "line": None})
    ]
    assert diff["unchanged"] == 1


def test_the_json_diff_of_live_findings_has_no_location() -> None:
    old = _report(msgspec.structs.replace(LIVE, status=Status.PASS))
    diff = json.loads(render_diff_json(compare(old, _report(LIVE))))
    brief = {
        "id": LIVE.id,
        "rule": "root-mfa",
        "status": "FAIL",
        "severity": "critical",
        "account": ACCOUNT,
        "region": "global",
        "resource": ACCOUNT,
        "message": "the root user has no MFA device",
    }
    assert diff["new_fails"] == [brief]
    assert diff["changed"] == [brief | {"old_status": "PASS"}]


def test_the_terminal_diff_names_the_locations() -> None:
    """The new FAIL is printed (the new UNKNOWN is not), wrapped at 110 columns."""
    text = render_diff_terminal(compare(*_old_and_new()), color=False)
    assert "".join(text.splitlines()[1:]) == (
        "  new FAIL  critical s3-no-public-access 123456789012 LogsBucket at "
        "infra/web stack/template.yaml:12: the bucket policy grants s3:GetObject to everyone"
    )


def test_a_location_is_no_part_of_a_findings_identity() -> None:
    """The same resource moved to another line is the same finding: unchanged, not new and resolved."""
    moved = _located(IN_TEMPLATE, Location(file="infra/web stack/template.yaml", line=30))
    diff = compare(_report(IN_TEMPLATE), _report(moved))
    assert (diff.new, diff.resolved, diff.changed, diff.unchanged) == ((), (), (), (moved,))
