"""The HTML report as rendered: its summaries, one row per finding, and AWS data that stays inert text."""

from __future__ import annotations

import base64
import hashlib
import re

import msgspec
import pytest

from cloudwarden.findings import Finding, Report, Resource, Severity, Status
from cloudwarden.report.html import BAR_LENGTH, render_html
from cloudwarden.rules import RULES, RULES_BY_ID
from tests.report.sample import CATALOGUE

from .page import Element, parse
from .sample import (
    CI_USER_SUPPRESSED,
    FINDINGS,
    HOSTILE_ATTRIBUTE,
    HOSTILE_NAME,
    HOSTILE_TEXT,
    PRIVATE_BUCKET,
    PRODUCTION,
    PUBLIC_BUCKET,
    REPORT,
    ROOT_PASSWORD_TO_ATTEST,
    SCAN,
    SSH_OPEN_TO_THE_WORLD,
    STAGING,
    STAGING_ROOT_WITHOUT_MFA,
    TRAIL_UNREADABLE,
    USER_WITHOUT_MFA,
)


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(REPORT, RULES, CATALOGUE)


@pytest.fixture(scope="module")
def page(html: str) -> Element:
    return parse(html)


def _counts(row: Element) -> tuple[int, ...]:
    """The PASS, FAIL, UNKNOWN, MANUAL and SUPPRESSED counts of a summary line."""
    return tuple(int(cell.text()) for cell in row.find_all("td", "num"))


def _finding_rows(page: Element) -> list[Element]:
    return page.by_id("findings-table").find_all("tr", "finding")


def _row_of(page: Element, finding: Finding) -> Element:
    rows = [row for row in _finding_rows(page) if row.attrs["data-finding"] == finding.id]
    assert len(rows) == 1
    return rows[0]


def test_the_page_is_one_html_document(html: str) -> None:
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert html.rstrip().endswith("</html>")


def test_guideline_summary_counts_each_status_in_the_rules_order(page: Element) -> None:
    rows = page.by_id("guidelines-table").find("tbody").find_all("tr")
    by_rule = {row.attrs["data-rule"]: row for row in rows[:-1]}
    assert list(by_rule) == [
        "root-strong-password",
        "root-mfa",
        "iam-user-mfa",
        "cloudtrail-segregated-storage",
        "s3-no-public-access",
        "sg-minimal-inbound",
    ]
    header = [cell.text() for cell in page.by_id("guidelines-table").find("thead").find_all("th", "num")]
    assert header == ["PASS", "FAIL", "UNKNOWN", "MANUAL", "SUPPRESSED"]
    assert _counts(by_rule["root-strong-password"]) == (0, 0, 0, 1, 0)
    assert _counts(by_rule["root-mfa"]) == (1, 1, 0, 0, 0)
    assert _counts(by_rule["iam-user-mfa"]) == (0, 1, 0, 0, 1)
    assert _counts(by_rule["cloudtrail-segregated-storage"]) == (0, 0, 1, 0, 0)
    assert _counts(by_rule["s3-no-public-access"]) == (1, 1, 0, 0, 0)
    assert _counts(by_rule["sg-minimal-inbound"]) == (0, 1, 0, 0, 0)
    assert rows[-1].attrs == {"class": "total"}
    assert _counts(rows[-1]) == (2, 4, 1, 1, 1)


def test_guideline_summary_names_section_guideline_and_upstream_audit(page: Element) -> None:
    rows = {row.attrs["data-rule"]: row for row in page.by_id("guidelines-table").find_all("tr")[1:-1]}
    for rule_id in ("root-mfa", "iam-user-mfa", "sg-minimal-inbound"):
        rule = RULES_BY_ID[rule_id]
        section, guideline, audited = (cell.text() for cell in rows[rule_id].find_all("td")[:3])
        assert section == rule.section
        assert guideline == rule.guideline + rule.id
        assert audited == ("yes" if rule.audited_upstream else "no")


def _bars(row: Element) -> dict[str, float]:
    return {
        rect.attrs["class"]: float(rect.attrs["width"])
        for rect in row.find_all("rect")
        if rect.attrs["class"] != "track"
    }


def test_fail_bars_per_severity_are_scaled_to_the_largest_count_of_their_table(page: Element) -> None:
    total = page.by_id("guidelines-table").find("tr", "total")
    assert _bars(total) == {
        "critical": BAR_LENGTH,
        "high": BAR_LENGTH / 2,
        "medium": BAR_LENGTH / 2,
        "low": 0,
        "info": 0,
    }
    s3 = next(
        row
        for row in page.by_id("guidelines-table").find_all("tr")
        if row.attrs.get("data-rule") == "s3-no-public-access"
    )
    assert _bars(s3) == {"critical": BAR_LENGTH, "high": 0, "medium": 0, "low": 0, "info": 0}
    assert (
        total.find("svg").attrs["aria-label"]
        == "FAIL by severity: critical 2, high 1, medium 1, low 0, info 0"
    )


def test_each_account_has_a_summary_when_there_are_several(page: Element) -> None:
    rows = {
        row.attrs["data-account"]: row for row in page.by_id("accounts-table").find("tbody").find_all("tr")
    }
    assert list(rows) == [PRODUCTION, STAGING]
    assert _counts(rows[PRODUCTION]) == (2, 2, 0, 1, 1)
    assert _counts(rows[STAGING]) == (0, 2, 1, 0, 0)


def test_account_summaries_give_the_collection_cost_and_why_an_account_was_not_scanned() -> None:
    stats = {
        "operations": {},
        "accounts": {
            PRODUCTION: {"seconds": 42.25, "calls": 1234, "retries": 3, "errors": 0, "worker": None},
            STAGING: {"seconds": 0.4, "calls": 1, "retries": 0, "errors": 1, "worker": None},
        },
    }
    reason = "cannot assume arn:aws:iam::210987654321:role/Audit: AccessDenied: <script>x</script>"
    report = Report(
        scan=msgspec.structs.replace(SCAN, stats=stats, unreachable_accounts={STAGING: reason}),
        findings=FINDINGS,
    )
    rows = {
        row.attrs["data-account"]: row
        for row in parse(render_html(report, RULES)).by_id("accounts-table").find("tbody").find_all("tr")
    }
    assert rows[PRODUCTION].find_all("td")[-1].text() == "42.2 s, 1234 calls"
    assert rows[STAGING].find("div", "unreachable").text() == f"not scanned: {reason}"
    assert not rows[PRODUCTION].find_all("div", "unreachable")


def test_a_single_account_has_no_account_summary() -> None:
    report = Report(
        scan=msgspec.structs.replace(SCAN, accounts=(PRODUCTION,)),
        findings=tuple(finding for finding in FINDINGS if finding.account == PRODUCTION),
    )
    page = parse(render_html(report, RULES))
    assert not [element for element in page.iter() if element.attrs.get("id") == "accounts-table"]


def test_scan_metadata_is_shown(page: Element) -> None:
    scan = page.by_id("scan")
    meta = dict(
        zip(
            (term.text() for term in scan.find_all("dt")),
            (description.text() for description in scan.find_all("dd")),
            strict=True,
        )
    )
    assert meta == {
        "Started": "2025-06-15T10:00:00+00:00",
        "Finished": "2025-06-15T10:02:30+00:00",
        "Tool": "cloudwarden 9.8.7",
        "Accounts": f"{PRODUCTION}, {STAGING}",
        "Regions": "2: eu-west-1, us-east-1",
        "Errors": "1",
        "Warnings": "1",
    }
    assert [item.text() for item in page.by_id("scan-errors").find_all("li")] == [
        f"{STAGING} cloudtrail:DescribeTrails in eu-west-1: AccessDenied: {HOSTILE_TEXT}"
    ]
    assert [item.text() for item in page.by_id("scan-warnings").find_all("li")] == [
        f"suppression for iam-user-mfa on {HOSTILE_NAME} matches nothing"
    ]


def test_one_row_per_finding_worst_first(page: Element) -> None:
    rows = _finding_rows(page)
    assert len(rows) == len(FINDINGS)
    statuses = [row.attrs["data-status"] for row in rows]
    assert statuses == ["FAIL"] * 4 + ["UNKNOWN", "MANUAL", "SUPPRESSED", "PASS", "PASS"]
    assert [row.attrs["data-order"] for row in rows] == [str(index) for index in range(len(FINDINGS))]
    fail_severities = [row.attrs["data-severity"] for row in rows[:4]]
    assert fail_severities == ["critical", "critical", "high", "medium"]


def test_a_row_carries_what_the_filters_match(page: Element) -> None:
    row = _row_of(page, SSH_OPEN_TO_THE_WORLD)
    assert {key: value for key, value in row.attrs.items() if key != "data-order"} == {
        "class": "finding",
        "data-finding": SSH_OPEN_TO_THE_WORLD.id,
        "data-status": "FAIL",
        "data-severity": "medium",
        "data-rule": "sg-minimal-inbound",
        "data-account": PRODUCTION,
        "data-region": "eu-west-1",
        "data-compliance": "cis-aws-foundations-3.0.0/5.2 cis-aws-foundations-3.0.0/5.3 aws-fsbp/EC2.19",
    }
    options = {
        select.attrs["data-filter"]: [option.attrs["value"] for option in select.find_all("option")]
        for select in page.by_id("filters").find_all("select")
        if "data-filter" in select.attrs
    }
    assert options == {
        "status": ["", "FAIL", "UNKNOWN", "MANUAL", "SUPPRESSED", "PASS"],
        "severity": ["", "critical", "high", "medium"],
        "rule": [
            "",
            "root-strong-password",
            "root-mfa",
            "iam-user-mfa",
            "cloudtrail-segregated-storage",
            "s3-no-public-access",
            "sg-minimal-inbound",
        ],
        "account": ["", PRODUCTION, STAGING],
        "region": ["", "eu-west-1", "global", "us-east-1"],
    }


def test_a_finding_expands_to_its_evidence_and_remediation(page: Element) -> None:
    details = _row_of(page, SSH_OPEN_TO_THE_WORLD).find("details", "finding")
    assert details.find("summary").text() == "inbound tcp 22 is open to 0.0.0.0/0"
    assert details.find("p", "remediation").text() == "Remove the inbound rule tcp 22 from 0.0.0.0/0."
    assert details.find("pre", "evidence").text() == (
        '{\n  "rules": [\n    {\n      "protocol": "tcp",\n      "ports": "22",\n'
        '      "source": "0.0.0.0/0"\n    }\n  ]\n}'
    )


def test_without_its_own_remediation_a_finding_shows_the_rules(page: Element) -> None:
    details = _row_of(page, USER_WITHOUT_MFA).find("details", "finding")
    assert details.find("p", "remediation").text() == RULES_BY_ID["iam-user-mfa"].remediation


def test_a_suppressed_finding_says_why_and_until_when(page: Element) -> None:
    details = _row_of(page, CI_USER_SUPPRESSED).find("details", "finding")
    assert details.find("p", "suppression").text() == (
        "Suppressed until 2027-03-31 (status underneath: FAIL): CI users move to OIDC roles in Q1"
    )


def test_a_hostile_resource_name_is_escaped_text(html: str, page: Element) -> None:
    assert HOSTILE_NAME not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert page.find_all("img") == []
    row = _row_of(page, PUBLIC_BUCKET)
    assert row.find("span", "resource-id").text() == HOSTILE_NAME
    assert row.find("td", "resource").find("span", "arn").text() == f"arn:aws:s3:::{HOSTILE_NAME}"
    assert row.find("td", "resource").attrs["data-sort-value"] == HOSTILE_NAME


def test_hostile_text_in_a_message_and_in_evidence_cannot_end_or_start_a_script(
    html: str, page: Element
) -> None:
    assert HOSTILE_TEXT not in html
    assert html.count("<script") == 1
    assert html.count("</script>") == 1
    assert "alert" not in page.find("script").text()
    message = _row_of(page, STAGING_ROOT_WITHOUT_MFA).find("summary")
    assert message.text() == HOSTILE_TEXT
    evidence = _row_of(page, PUBLIC_BUCKET).find("pre", "evidence").text()
    assert f'"note": "{HOSTILE_TEXT}"' in evidence
    assert '"owner": "\\" onmouseover=\\"alert(1)\\" data-x=\'"' in evidence


def test_no_element_gets_an_event_handler_or_inline_style(page: Element) -> None:
    for element in page.iter():
        assert not [name for name in element.attrs if name.startswith("on") or name == "style"], element.tag
    assert HOSTILE_ATTRIBUTE not in [value for element in page.iter() for value in element.attrs.values()]


def test_nothing_is_loaded_from_elsewhere(html: str, page: Element) -> None:
    references = [
        value
        for element in page.iter()
        for name, value in element.attrs.items()
        if name in {"src", "href", "xlink:href", "action", "formaction", "srcset", "poster", "data"}
    ]
    assert references == []
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert page.find_all("link") == []
    assert [element.attrs for element in page.find_all("script")] == [{}]
    assert [element.attrs for element in page.find_all("style")] == [{}]
    style = page.find("style").text()
    assert "url(" not in style
    assert "@import" not in style


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_the_content_security_policy_allows_only_the_pages_own_style_and_script(page: Element) -> None:
    head = page.find("head")
    first_meta = [element for element in head.children if isinstance(element, Element)][:2]
    assert first_meta[0].attrs == {"charset": "utf-8"}
    assert first_meta[1].attrs["http-equiv"] == "Content-Security-Policy"
    directives = dict(
        [*directive.split(" ", 1), ""][:2]
        for directive in (part.strip() for part in first_meta[1].attrs["content"].split(";"))
    )
    assert directives == {
        "default-src": "'none'",
        "style-src": f"'sha256-{_sha256(page.find('style').text())}'",
        "script-src": f"'sha256-{_sha256(page.find('script').text())}'",
        "base-uri": "'none'",
        "form-action": "'none'",
        "require-trusted-types-for": "'script'",
        "trusted-types": "'none'",
    }


def test_bidi_overrides_and_control_characters_are_removed() -> None:
    disguised = Resource(type="AWS::S3::Bucket", id="evil\u202egpj.exe\x1b[31m", name="evil\u2066name\x07")
    report = Report(
        scan=SCAN,
        findings=(msgspec.structs.replace(PRIVATE_BUCKET, resource=disguised, message="a\u202eb\x00c"),),
    )
    html = render_html(report, RULES)
    for character in ("\u202e", "\u2066", "\x1b", "\x07", "\x00"):
        assert character not in html
    row = _finding_rows(parse(html))[0]
    assert row.find("span", "resource-id").text() == "evilgpj.exe[31m"
    assert row.find("summary").text() == "abc"


def test_a_rule_the_rules_do_not_describe_gets_its_own_summary_line() -> None:
    report = Report(
        scan=SCAN, findings=(msgspec.structs.replace(PRIVATE_BUCKET, rule="future-rule", title="Future: x"),)
    )
    rows = parse(render_html(report, RULES)).by_id("guidelines-table").find_all("tr")[1:]
    assert rows[0].attrs["data-rule"] == "future-rule"
    assert [cell.text() for cell in rows[0].find_all("td")[:3]] == ["", "Future: xfuture-rule", "?"]


def test_an_empty_report_says_there_are_no_findings() -> None:
    page = parse(render_html(Report(scan=SCAN, findings=()), RULES))
    assert "No findings." in page.by_id("findings").text()
    assert not [element for element in page.iter() if element.attrs.get("id") == "findings-table"]


@pytest.mark.parametrize("severity", list(Severity))
@pytest.mark.parametrize("status", list(Status))
def test_every_status_and_severity_renders(status: Status, severity: Severity) -> None:
    finding = msgspec.structs.replace(PRIVATE_BUCKET, status=status, severity=severity)
    row = _finding_rows(parse(render_html(Report(scan=SCAN, findings=(finding,)), RULES)))[0]
    assert (row.attrs["data-status"], row.attrs["data-severity"]) == (status.value, severity.value)


def test_the_compliance_filters_offer_the_frameworks_and_controls_of_the_findings(page: Element) -> None:
    frameworks = page.by_id("filter-framework").find_all("option")
    assert [(option.attrs["value"], option.text()) for option in frameworks] == [
        ("", "all"),
        ("cis-aws-foundations-3.0.0", "CIS AWS Foundations Benchmark v3.0.0"),
        ("cis-aws-foundations-5.0.0", "CIS AWS Foundations Benchmark v5.0.0"),
        ("aws-fsbp", "AWS Foundational Security Best Practices v1.0.0"),
    ]
    controls = page.by_id("filter-control").find_all("option")
    assert [(option.attrs["value"], option.attrs.get("data-framework")) for option in controls] == [
        ("", None),
        ("cis-aws-foundations-3.0.0/1.5", "cis-aws-foundations-3.0.0"),
        ("cis-aws-foundations-3.0.0/1.10", "cis-aws-foundations-3.0.0"),
        ("cis-aws-foundations-3.0.0/2.1.4", "cis-aws-foundations-3.0.0"),
        ("cis-aws-foundations-3.0.0/5.2", "cis-aws-foundations-3.0.0"),
        ("cis-aws-foundations-3.0.0/5.3", "cis-aws-foundations-3.0.0"),
        ("cis-aws-foundations-5.0.0/1.4", "cis-aws-foundations-5.0.0"),
        ("cis-aws-foundations-5.0.0/1.9", "cis-aws-foundations-5.0.0"),
        ("aws-fsbp/IAM.5", "aws-fsbp"),
        ("aws-fsbp/IAM.6", "aws-fsbp"),
        ("aws-fsbp/S3.8", "aws-fsbp"),
        ("aws-fsbp/EC2.19", "aws-fsbp"),
    ]
    assert controls[1].text() == "1.5 Ensure MFA is enabled for the 'root' user account"


def test_a_finding_expands_to_its_controls(page: Element) -> None:
    details = _row_of(page, USER_WITHOUT_MFA).find("details", "finding")
    lines = details.find("ul", "controls").find_all("li")
    assert [(line.attrs["data-control"], line.text()) for line in lines] == [
        (
            "cis-aws-foundations-3.0.0/1.10",
            "CIS AWS Foundations Benchmark v3.0.0 1.10 Ensure MFA is enabled for all IAM users that have a "
            "console password (partial)",
        ),
        (
            "cis-aws-foundations-5.0.0/1.9",
            "CIS AWS Foundations Benchmark v5.0.0 1.9 Ensure MFA is enabled for all IAM users that have a "
            "console password (partial)",
        ),
        (
            "aws-fsbp/IAM.5",
            "AWS Foundational Security Best Practices v1.0.0 IAM.5 MFA should be enabled for all IAM users "
            "that have a console password (partial)",
        ),
    ]


def test_an_equivalent_control_is_not_marked_partial(page: Element) -> None:
    details = _row_of(page, STAGING_ROOT_WITHOUT_MFA).find("details", "finding")
    first = details.find("ul", "controls").find_all("li")[0]
    assert (
        first.text()
        == "CIS AWS Foundations Benchmark v3.0.0 1.5 Ensure MFA is enabled for the 'root' user account"
    )


def test_a_guideline_beyond_a_framework_says_so(page: Element) -> None:
    details = _row_of(page, ROOT_PASSWORD_TO_ATTEST).find("details", "finding")
    (note,) = details.find("ul", "controls").find_all("li")
    assert note.attrs["class"] == "beyond muted"
    assert (
        note.text()
        == "Not in CIS AWS Foundations Benchmark v3.0.0: no control on the root password's strength"
    )


def test_a_finding_without_controls_lists_none() -> None:
    report = Report(scan=SCAN, findings=(msgspec.structs.replace(TRAIL_UNREADABLE, compliance=()),))
    page = parse(render_html(report, RULES, CATALOGUE))
    (row,) = _finding_rows(page)
    assert "data-compliance" not in row.attrs
    assert row.find_all("ul", "controls") == []
    assert not [
        element
        for element in page.iter()
        if element.attrs.get("id") in {"filter-framework", "filter-control"}
    ]
