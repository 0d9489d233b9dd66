"""The HTML report in a real browser: Debian's Chromium, headless, opening the file from disk.

Every test watches the page: a console error, an uncaught exception, a dialog (an injected `alert`)
or any request that is not for a local file fails it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Dialog, Locator, Page, Route, sync_playwright

from cloudwarden.report.html import render_html
from cloudwarden.rules import RULES
from tests.report.sample import CATALOGUE, CIS_3, CIS_5

from .sample import (
    FINDINGS,
    HOSTILE_NAME,
    HOSTILE_TEXT,
    PRIVATE_BUCKET,
    PRODUCTION,
    PUBLIC_BUCKET,
    REPORT,
    SSH_OPEN_TO_THE_WORLD,
    STAGING,
    STAGING_ROOT_WITHOUT_MFA,
    USER_WITHOUT_MFA,
)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FAILING = [finding for finding in FINDINGS if finding.status.value == "FAIL"]


def _chromium() -> str:
    """Debian's Chromium (`apt-get install chromium`); Playwright's own browser downloads are not used."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.skip("no Chromium binary: install Debian's chromium package (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    executable = _chromium()
    with tempfile.TemporaryDirectory() as user_data_dir, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir, executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield context
        context.close()


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_html(REPORT, RULES, CATALOGUE), encoding="utf-8")
    return path


@dataclass
class Watched:
    """A page, and everything it did that a report must never do."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"}:
            self.console_errors.append(f"{message.type}: {message.text}")

    def on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_route(self, route: Route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def assert_quiet(self) -> None:
        assert self.console_errors == []
        assert self.page_errors == []
        assert self.dialogs == []
        assert self.blocked == []
        assert [url for url in self.requests if not url.startswith("file://")] == []


def _watch(browser: BrowserContext) -> tuple[Watched, Page]:
    page = browser.new_page()
    watched = Watched(page)
    page.on("console", watched.on_console)
    page.on("pageerror", lambda error: watched.page_errors.append(str(error)))
    page.on("dialog", watched.on_dialog)
    page.on("request", lambda request: watched.requests.append(request.url))
    page.route("**/*", watched.on_route)
    return watched, page


@pytest.fixture
def watched(browser: BrowserContext, report_file: Path) -> Iterator[Watched]:
    watched, page = _watch(browser)
    page.goto(report_file.as_uri(), wait_until="load")
    yield watched
    page.close()


def _visible_rows(page: Page) -> Locator:
    return page.locator("#findings-table tbody tr.finding:visible")


def _visible_ids(page: Page) -> list[str]:
    return [row.get_attribute("data-finding") or "" for row in _visible_rows(page).all()]


def test_the_page_loads_from_disk_with_its_script_running_and_nothing_else(watched: Watched) -> None:
    page = watched.page
    assert page.url.startswith("file://")
    assert page.locator("#filters").is_visible()  # the script ran: CSP allowed it by its hash
    assert page.locator("#shown-count").text_content() == str(len(FINDINGS))
    assert len(watched.requests) == 1
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 1
    watched.assert_quiet()


def test_the_hostile_name_shows_as_text(watched: Watched) -> None:
    page = watched.page
    resource = page.locator(f'#findings-table tr[data-finding="{PUBLIC_BUCKET.id}"] span.resource-id')
    assert resource.text_content() == HOSTILE_NAME
    assert resource.is_visible()
    message = page.locator(f'#findings-table tr[data-finding="{STAGING_ROOT_WITHOUT_MFA.id}"] summary')
    assert message.inner_text() == HOSTILE_TEXT
    assert page.locator("#scan-errors li").inner_text().endswith(f"AccessDenied: {HOSTILE_TEXT}")
    watched.assert_quiet()


def test_the_status_filter_shows_only_its_rows(watched: Watched) -> None:
    page = watched.page
    page.select_option("#filter-status", "FAIL")
    assert sorted(_visible_ids(page)) == sorted(finding.id for finding in FAILING)
    assert [row.get_attribute("data-status") for row in _visible_rows(page).all()] == ["FAIL"] * 4
    assert page.locator("#shown-count").text_content() == "4"
    page.click("#filter-reset")
    assert _visible_rows(page).count() == len(FINDINGS)
    watched.assert_quiet()


def test_the_severity_filter_combines_with_the_status_filter(watched: Watched) -> None:
    page = watched.page
    page.select_option("#filter-severity", "critical")
    assert {row.get_attribute("data-severity") for row in _visible_rows(page).all()} == {"critical"}
    assert _visible_rows(page).count() == 4
    page.select_option("#filter-status", "PASS")
    assert _visible_rows(page).count() == 1
    page.select_option("#filter-severity", "medium")
    assert _visible_rows(page).count() == 0
    assert page.locator("#no-match").is_visible()
    watched.assert_quiet()


def test_the_free_text_filter_matches_visible_text_in_any_case(watched: Watched) -> None:
    page = watched.page
    page.fill("#filter-text", "LOGS-archive")
    assert _visible_ids(page) == [PRIVATE_BUCKET.id]
    page.fill("#filter-text", "web-frontend 0.0.0.0/0")  # every word must match: name and message
    assert _visible_ids(page) == [SSH_OPEN_TO_THE_WORLD.id]
    page.fill("#filter-text", "onerror=alert(1)")
    assert _visible_ids(page) == [PUBLIC_BUCKET.id]
    page.fill("#filter-text", "nothing matches this")
    assert _visible_ids(page) == []
    assert page.locator("#no-match").is_visible()
    watched.assert_quiet()


def test_the_account_rule_and_region_filters(watched: Watched) -> None:
    page = watched.page
    page.select_option("#filter-rule", "s3-no-public-access")
    assert sorted(_visible_ids(page)) == sorted([PUBLIC_BUCKET.id, PRIVATE_BUCKET.id])
    page.select_option("#filter-region", "eu-west-1")
    assert _visible_ids(page) == [PUBLIC_BUCKET.id]
    page.click("#filter-reset")
    page.select_option("#filter-account", PUBLIC_BUCKET.account)
    assert {row.get_attribute("data-account") for row in _visible_rows(page).all()} == {PUBLIC_BUCKET.account}
    watched.assert_quiet()


def _carrying(framework: str, control: str | None = None) -> list[str]:
    """The ids of the findings with a control of `framework` (that control, if given)."""
    return sorted(
        finding.id
        for finding in FINDINGS
        if any(ref.framework == framework and control in {None, ref.control} for ref in finding.compliance)
    )


def _offered_controls(page: Page) -> list[str]:
    options = page.locator("#filter-control option:not([hidden])").all()
    return [option.get_attribute("value") or "" for option in options]


def test_the_framework_and_control_filters_show_exactly_the_findings_carrying_them(watched: Watched) -> None:
    page = watched.page
    assert page.locator("#filter-control").is_disabled()
    page.select_option("#filter-framework", CIS_3)
    assert sorted(_visible_ids(page)) == _carrying(CIS_3)
    assert len(_carrying(CIS_3)) == 7
    assert _offered_controls(page) == [
        "",
        *(f"{CIS_3}/{control}" for control in ("1.5", "1.10", "2.1.4", "5.2", "5.3")),
    ]

    page.select_option("#filter-control", f"{CIS_3}/1.10")
    assert sorted(_visible_ids(page)) == _carrying(CIS_3, "1.10")
    assert len(_carrying(CIS_3, "1.10")) == 2
    assert page.locator("#shown-count").text_content() == "2"
    page.select_option("#filter-status", "FAIL")
    assert _visible_ids(page) == [USER_WITHOUT_MFA.id]

    page.select_option("#filter-status", "")
    page.select_option("#filter-framework", CIS_5)  # 1.10 is not CIS 5's: the control filter lets go
    assert page.locator("#filter-control").input_value() == ""
    assert _offered_controls(page) == ["", f"{CIS_5}/1.4", f"{CIS_5}/1.9"]
    assert sorted(_visible_ids(page)) == _carrying(CIS_5)
    page.select_option("#filter-control", f"{CIS_5}/1.4")
    assert sorted(_visible_ids(page)) == _carrying(CIS_5, "1.4")

    page.click("#filter-reset")
    assert page.locator("#filter-framework").input_value() == ""
    assert page.locator("#filter-control").is_disabled()
    assert _visible_rows(page).count() == len(FINDINGS)
    watched.assert_quiet()


def test_expanding_a_finding_shows_its_controls(watched: Watched) -> None:
    page = watched.page
    row = page.locator(f'#findings-table tr[data-finding="{USER_WITHOUT_MFA.id}"]')
    controls = row.locator("ul.controls li")
    assert not controls.first.is_visible()
    row.locator("summary").click()
    assert controls.first.is_visible()
    assert controls.evaluate_all("items => items.map(item => item.dataset.control)") == [
        f"{CIS_3}/1.10",
        f"{CIS_5}/1.9",
        "aws-fsbp/IAM.5",
    ]
    watched.assert_quiet()


def _column(page: Page, index: int) -> list[str]:
    return [
        (cell.text_content() or "").strip()
        for cell in page.locator(f"#findings-table tbody tr td:nth-child({index})").all()
    ]


def test_clicking_a_column_sorts_by_it_and_again_reverses(watched: Watched) -> None:
    page = watched.page
    resource_header = page.locator("#findings-table th").nth(5)
    before = _visible_ids(page)
    resource_header.locator("button").click()
    assert resource_header.get_attribute("aria-sort") == "ascending"
    ascending = page.locator("#findings-table tbody td.resource").evaluate_all(
        "cells => cells.map(cell => cell.dataset.sortValue)"
    )
    expected = [  # the browser's collation: punctuation, then digits, then letters
        HOSTILE_NAME,
        PRODUCTION,
        PRODUCTION,
        STAGING,
        STAGING,
        "alice",
        "ci-deploy",
        "logs-archive",
        "sg-0123456789abcdef0",
    ]
    assert ascending == expected
    assert _visible_ids(page) != before
    resource_header.locator("button").click()
    assert resource_header.get_attribute("aria-sort") == "descending"
    descending = page.locator("#findings-table tbody td.resource").evaluate_all(
        "cells => cells.map(cell => cell.dataset.sortValue)"
    )
    assert descending == list(reversed(expected))

    region_header = page.locator("#findings-table th").nth(4)
    region_header.locator("button").click()
    assert resource_header.get_attribute("aria-sort") is None
    assert _column(page, 5) == sorted(_column(page, 5))
    watched.assert_quiet()


def test_sorting_by_severity_puts_the_most_severe_first(watched: Watched) -> None:
    page = watched.page
    page.locator("#findings-table th").nth(3).locator("button").click()  # by rule, to shuffle
    page.locator("#findings-table th").nth(1).locator("button").click()
    assert _column(page, 2) == ["critical"] * 4 + ["high"] * 4 + ["medium"]
    watched.assert_quiet()


def test_expanding_a_finding_shows_its_evidence_and_remediation(watched: Watched) -> None:
    page = watched.page
    row = page.locator(f'#findings-table tr[data-finding="{PUBLIC_BUCKET.id}"]')
    evidence = row.locator("pre.evidence")
    remediation = row.locator("p.remediation")
    assert not evidence.is_visible()
    row.locator("summary").click()
    assert evidence.is_visible()
    assert remediation.is_visible()
    assert remediation.text_content() == PUBLIC_BUCKET.remediation
    shown = evidence.inner_text()
    assert f'"note": "{HOSTILE_TEXT}"' in shown
    assert f'"Name": "{HOSTILE_NAME}"' in shown
    assert page.locator("img").count() == 0
    row.locator("summary").click()
    assert not evidence.is_visible()
    watched.assert_quiet()


def test_the_network_guard_catches_a_request(browser: BrowserContext) -> None:
    """The guard the other tests rely on does see a page that reaches out."""
    watched, page = _watch(browser)
    page.set_content('<img src="http://192.0.2.1/pixel.png">')
    page.close()
    assert watched.blocked == ["http://192.0.2.1/pixel.png"]
    with pytest.raises(AssertionError):
        watched.assert_quiet()


def test_an_injected_alert_would_be_caught(browser: BrowserContext) -> None:
    """The dialog handler the other tests rely on does record an alert."""
    watched, page = _watch(browser)
    page.evaluate("alert('caught')")
    page.close()
    assert watched.dialogs == ["alert: caught"]
