"""The framework view as a page: one row per control with its status, its rules and its findings; the
same self-contained, script-less, escaped page as the report."""

from __future__ import annotations

import base64
import hashlib

import pytest

from cloudwarden.findings import ScanSummary, Status, ToolInfo
from cloudwarden.report.framework import framework_view, render_framework_html
from tests.unit.framework_sample import (
    FINDINGS,
    FRAMEWORK,
    HOSTILE_TITLE,
    PRODUCTION,
    ROOT_MFA_FAILS_IN_STAGING,
    RULES_RUN,
    catalogue,
    finding,
)

from .page import Element, parse
from .sample import HOSTILE_ATTRIBUTE, HOSTILE_NAME, HOSTILE_TEXT

SCAN = ScanSummary(
    started_at="2025-06-15T12:00:00+00:00",
    finished_at="2025-06-15T12:01:00+00:00",
    tool=ToolInfo(name="cloudwarden", version="9.9.9"),
    accounts=(PRODUCTION,),
    regions=("us-east-1",),
    errors=({"account": PRODUCTION, "service": "s3", "operation": "GetBucketPolicy", "code": HOSTILE_TEXT},),
    stats={},
    warnings=(f"suppression of x for {HOSTILE_NAME} matches nothing",),
)
HOSTILE_FINDING = finding(
    "sg-inbound-rules-only", Status.FAIL, HOSTILE_NAME, message=HOSTILE_TEXT + HOSTILE_ATTRIBUTE
)


@pytest.fixture(scope="module")
def html() -> str:
    view = framework_view((*FINDINGS, HOSTILE_FINDING), RULES_RUN, FRAMEWORK, catalogue())
    return render_framework_html(view, SCAN)


@pytest.fixture(scope="module")
def page(html: str) -> Element:
    return parse(html)


def _controls(page: Element) -> dict[str, Element]:
    return {row.attrs["data-control"]: row for row in page.by_id("controls-table").find_all("tr", "control")}


def test_each_control_has_a_row_with_its_status_in_the_frameworks_order(page: Element) -> None:
    rows = _controls(page)
    assert list(rows) == ["1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "3.1", "4.1", "4.2", "9.9"]
    assert {control: row.attrs["data-status"] for control, row in rows.items()} == {
        "1.1": "FAIL",
        "1.2": "PASS",
        "1.3": "NOT_ASSESSED",
        "1.4": "MANUAL",
        "1.5": "NO_RESOURCES",
        "2.1": "PARTIALLY_ASSESSED",
        "3.1": "UNKNOWN",
        "4.1": "PASS",
        "4.2": "FAIL",
        "9.9": "FAIL",
    }
    assert rows["1.3"].find("span", "status").text() == "NOT ASSESSED"


def test_a_control_lists_its_rules_counts_and_findings(page: Element) -> None:
    row = _controls(page)["1.1"]
    assert [item.attrs["data-rule"] for item in row.find_all("li")] == ["root-mfa"]
    assert [int(cell.text()) for cell in row.find_all("td", "num")] == [1, 1, 0, 0, 0]
    findings = row.find("details", "control-findings").find_all("tr", "finding")
    assert [f.attrs["data-finding"] for f in findings] == [ROOT_MFA_FAILS_IN_STAGING.id, FINDINGS[0].id]
    assert "no cloudwarden rule" in _controls(page)["1.3"].text()
    assert "no resources" in _controls(page)["1.5"].text()


def test_partial_controls_are_labelled(page: Element) -> None:
    labelled = [control for control, row in _controls(page).items() if row.find_all("span", "partial")]
    assert labelled == ["2.1", "3.1", "9.9"]


def test_the_summary_and_the_rules_beyond_the_framework(page: Element) -> None:
    summary = {
        cell.attrs["data-status"]: int(cell.text()) for cell in page.by_id("summary-table").find_all("td")
    }
    assert summary == {
        "FAIL": 3,
        "UNKNOWN": 1,
        "MANUAL": 1,
        "SUPPRESSED": 0,
        "NOT_ASSESSED": 1,
        "PARTIALLY_ASSESSED": 1,
        "PASS": 2,
        "NO_RESOURCES": 1,
    }
    beyond = {
        row.attrs["data-rule"]: row.attrs["data-status"]
        for row in page.by_id("beyond-table").find_all("tr", "beyond-rule")
    }
    assert beyond == {"root-not-used": "NO_RESOURCES", "route53-no-dangling-records": "FAIL"}


def test_hostile_titles_names_and_messages_are_escaped_text(html: str, page: Element) -> None:
    for hostile in (HOSTILE_NAME, HOSTILE_TEXT, HOSTILE_ATTRIBUTE, "<img src=x onerror=alert(1)>"):
        assert hostile not in html
    assert page.find_all("img") == []
    assert page.find_all("script") == []
    assert _controls(page)["9.9"].find_all("td")[1].text().startswith("<img src=x onerror=alert(1)> red evil")
    for character in ("\x1b", "\u202e"):
        assert character not in html
    row = next(r for r in page.find_all("tr", "finding") if r.attrs["data-finding"] == HOSTILE_FINDING.id)
    assert row.find("td", "resource").text() == HOSTILE_NAME
    assert row.find("td", "message").text() == HOSTILE_TEXT + HOSTILE_ATTRIBUTE
    assert HOSTILE_TEXT in page.by_id("scan-errors").text()
    assert HOSTILE_NAME in page.by_id("scan-warnings").text()
    for element in page.iter():
        assert not [name for name in element.attrs if name.startswith("on") or name == "style"], element.tag
    assert HOSTILE_ATTRIBUTE not in [value for element in page.iter() for value in element.attrs.values()]


def test_nothing_loads_and_the_csp_allows_only_the_pages_own_style(page: Element) -> None:
    references = [
        value
        for element in page.iter()
        for name, value in element.attrs.items()
        if name in {"src", "href", "xlink:href", "action", "formaction", "srcset", "poster", "data"}
    ]
    assert references == []
    head = page.find("head")
    first_meta = [element for element in head.children if isinstance(element, Element)][:2]
    assert first_meta[0].attrs == {"charset": "utf-8"}
    directives = dict(
        [*directive.split(" ", 1), ""][:2]
        for directive in (part.strip() for part in first_meta[1].attrs["content"].split(";"))
    )
    style = page.find("style").text()
    assert directives == {
        "default-src": "'none'",
        "style-src": f"'sha256-{base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()}'",
        "script-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'none'",
        "require-trusted-types-for": "'script'",
        "trusted-types": "'none'",
    }
    assert "url(" not in style
    assert "@import" not in style


def test_the_title_names_the_framework(page: Element) -> None:
    assert page.find("title").text() == "cloudwarden: Test Benchmark 1.0.0"
    assert [item.text() for item in page.by_id("sources").find_all("li")] == ["https://example.org/benchmark"]
    assert HOSTILE_TITLE not in page.find("title").text()
    assert page.by_id("catalogue").text() == "every control of the benchmark"
