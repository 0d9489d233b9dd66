"""The history page in a real browser: Debian's Chromium, headless, opening the file from disk, watched
as the HTML report is (`test_browser.py`: a console error, an uncaught exception, a dialog or a request
that is not for the local file fails a test) and for Content-Security-Policy violations too.

The charts render (their points are visible and have a size) and the one filter bar narrows the tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page

from cloudwarden.report.history import render_history_html

from .history_sample import HOSTILE_ACCOUNT, HOSTILE_RULE, RULE_A, STORIES, A, B, history_view
from .test_browser import Watched, _watch, browser

__all__ = ["browser"]  # the fixture that starts Chromium (skipped without it), shared with the report's test

WATCH_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""
"""Run before the page's own script (Playwright's init scripts are not the page's: the CSP lets them)."""


@pytest.fixture(scope="module")
def history_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("history") / "history.html"
    path.write_text(render_history_html(history_view()), encoding="utf-8")
    return path


def _open(browser: BrowserContext, path: Path) -> Watched:
    watched, page = _watch(browser)
    page.add_init_script(WATCH_VIOLATIONS)
    page.goto(path.as_uri(), wait_until="load")
    return watched


def _violations(page: Page) -> list[str]:
    found = page.evaluate("window.cspViolations")
    assert isinstance(found, list)
    return [str(item) for item in found]


@pytest.fixture
def watched(browser: BrowserContext, history_file: Path) -> Iterator[Watched]:
    watched = _open(browser, history_file)
    yield watched
    assert _violations(watched.page) == []
    watched.assert_quiet()
    watched.page.close()


def _visible(page: Page, table_id: str, key: str = "data-finding") -> list[str]:
    rows = page.locator(f"#{table_id} tbody tr.item:visible").all()
    return [row.get_attribute(key) or "" for row in rows]


def _figures(page: Page, group: str, key: str) -> list[str]:
    return [figure.get_attribute(key) or "" for figure in page.locator(f"#{group} figure:visible").all()]


def test_the_page_loads_with_its_script_and_nothing_else(watched: Watched) -> None:
    page = watched.page
    assert page.url.startswith("file://")
    assert page.locator("#filters").is_visible()  # the script ran: the CSP allowed it by its hash
    assert len(watched.requests) == 1
    assert page.locator("script").count() == 1
    assert page.locator("#findings-table-shown").text_content() == "5 of 5 shown"
    rules = page.locator("#filter-rule option").evaluate_all("options => options.map(option => option.value)")
    assert rules == ["", HOSTILE_RULE, RULE_A]


def _assert_drawn(page: Page, selector: str, count: int) -> None:
    elements = page.locator(selector)
    assert elements.count() == count
    for element in elements.all():
        assert element.is_visible()
        box = element.bounding_box()
        assert box is not None
        assert box["width"] > 0
        assert box["height"] > 0


def test_the_charts_render(watched: Watched) -> None:
    page = watched.page
    _assert_drawn(page, "#trend-total svg", 1)
    _assert_drawn(page, "#trend-total circle.FAIL", 3)
    _assert_drawn(page, "#trend-total circle.UNKNOWN", 3)
    _assert_drawn(page, "#trend-total polyline", 2)
    points = page.locator("#trend-total polyline.FAIL").evaluate("line => line.points.numberOfItems")
    assert points == 3
    _assert_drawn(page, "#trend-accounts figure svg", 3)
    _assert_drawn(page, "#trend-accounts circle", 4 + 6 + 6)  # the hostile account from run 2 on
    _assert_drawn(page, "#trend-accounts circle.carried", 2 + 4)
    _assert_drawn(page, "#trend-rules circle", 6 + 6)
    box = page.locator("#trend-total svg").bounding_box()
    assert box is not None
    assert (box["width"], box["height"]) == (640, 180)


def test_typing_an_account_id_leaves_only_its_rows(watched: Watched) -> None:
    page = watched.page
    page.fill("#filter-text", A)
    assert _visible(page, "findings-table") == ["f-fixed", "f-gone", "f-murky"]
    assert page.locator("#findings-table-shown").text_content() == "3 of 5 shown"
    assert _visible(page, "accounts-table", "data-account") == [A]
    assert _visible(page, "since-previous-table", "data-account") == [A]
    assert _visible(page, "oldest-open-table") == []
    assert page.locator("#oldest-open-table-none").is_visible()
    assert page.locator("#accounts-table tr.total").is_visible()
    page.click("#filter-reset")
    assert _visible(page, "findings-table") == [story.id for story in STORIES]
    assert not page.locator("#oldest-open-table-none").is_visible()


def test_the_severity_filter_narrows_the_rows_that_have_a_severity(watched: Watched) -> None:
    page = watched.page
    page.select_option("#filter-severity", "high")
    assert _visible(page, "findings-table") == ["f-b", "f-fixed"]
    assert _visible(page, "oldest-open-table") == ["f-b"]
    assert _visible(page, "time-to-fix-table", "data-severity") == ["high"]
    assert _visible(page, "accounts-table", "data-account") == [HOSTILE_ACCOUNT, A, B]  # no severity
    page.select_option("#filter-status", "PASS")
    assert _visible(page, "findings-table") == ["f-fixed"]
    page.select_option("#filter-severity", "critical")
    assert _visible(page, "findings-table") == []
    assert page.locator("#findings-table-none").is_visible()


def test_the_account_filter_takes_a_hostile_id_and_narrows_the_charts(watched: Watched) -> None:
    page = watched.page
    page.select_option("#filter-account", HOSTILE_ACCOUNT)
    assert _visible(page, "findings-table") == ["f-h"]
    assert _figures(page, "trend-accounts", "data-account") == [HOSTILE_ACCOUNT]
    assert _figures(page, "trend-rules", "data-rule") == [HOSTILE_RULE, RULE_A]
    assert page.locator("#trend-total svg").is_visible()
    page.select_option("#filter-account", B)
    assert _visible(page, "accounts-table", "data-account") == [B]
    stale = page.locator("#accounts-table tbody tr.item:visible .stale")
    assert stale.inner_text() == "STALE"


def test_the_rule_and_status_filters(watched: Watched) -> None:
    page = watched.page
    page.select_option("#filter-rule", HOSTILE_RULE)
    assert _visible(page, "findings-table") == ["f-b"]
    assert _figures(page, "trend-rules", "data-rule") == [HOSTILE_RULE]
    page.select_option("#filter-rule", "")
    page.select_option("#filter-status", "ABSENT")
    assert _visible(page, "findings-table") == ["f-gone"]
    cells = page.locator("#findings-table tbody tr.item:visible td").all_inner_texts()
    assert cells[6:10] == [
        "#1 2026-11-01T00:00:00+00:00",
        "#2 2026-11-04T00:00:00+00:00",
        "\u2013",
        "#2 2026-11-04T00:00:00+00:00",
    ]


def test_a_csp_violation_would_be_caught(browser: BrowserContext, tmp_path: Path) -> None:
    """The violation watch the other tests rely on does see a script the policy does not allow."""
    page_file = tmp_path / "violating.html"
    page_file.write_text(
        '<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="script-src \'none\'">'
        "<script>document.title = 'ran';</script>",
        encoding="utf-8",
    )
    watched = _open(browser, page_file)
    assert watched.page.title() == ""
    assert _violations(watched.page) == ["script-src-elem inline"]
    watched.page.close()
