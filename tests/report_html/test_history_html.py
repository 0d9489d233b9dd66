"""The history page (`cloudwarden history --format html`), parsed: its sections and tables exactly, the
SVG of a known series point by point, hostile account and rule ids as inert text, the report's
Content-Security-Policy, and nothing loaded from anywhere. Built from the view records by hand."""

from __future__ import annotations

import base64
import hashlib
import re
from itertools import islice

import pytest

from cloudwarden.history.view import Counts, HistoryFilter, HistoryView
from cloudwarden.report.history import (
    HTML_IDS_SHOWN,
    history_html_chunks,
    render_history_html,
    small_multiples,
    total_chart,
)
from cloudwarden.report.html import render_html
from cloudwarden.rules import RULES

from .history_sample import (
    ACCOUNTS,
    HOSTILE_ACCOUNT,
    HOSTILE_RESOURCE,
    HOSTILE_RULE,
    NOW,
    R1,
    R2,
    R3,
    RULE_A,
    SHOWN_RESOURCE,
    STORIES,
    TRENDS,
    A,
    B,
    Reads,
    history_view,
)
from .page import Element, parse
from .sample import REPORT


@pytest.fixture(scope="module")
def html() -> str:
    return render_history_html(history_view())


@pytest.fixture(scope="module")
def page(html: str) -> Element:
    return parse(html)


def _rows(page: Element, table_id: str) -> list[Element]:
    return [row for row in page.by_id(table_id).find("tbody").find_all("tr")]


NONE = "\u2013"
"""What a cell shows for no run or no value (an en dash)."""


def _words(text: str) -> str:
    """Text with its runs of white space (U+2028 is one) made single spaces, as `_cells` gives it."""
    return " ".join(text.split())


def _cells(row: Element) -> list[str]:
    return [_words(cell.text()) for cell in row.find_all("td")]


def test_the_sections_come_in_order() -> None:
    page = parse(render_history_html(history_view()))
    sections = [element.attrs["id"] for element in page.find_all("section")]
    assert sections == ["runs", "since-previous", "oldest-open", "time-to-fix", "accounts", "findings"]
    assert page.find("h1").text() == "cloudwarden history"
    assert (
        " ".join(page.find("header").find("p").text().split())
        == "3 runs · 3 accounts (1 stale) · 1 open FAILs"
    )


def test_the_runs_table(page: Element) -> None:
    assert [_cells(row) for row in _rows(page, "runs-table")] == [
        ["#1", R1.started_at, "scan", f"{A}, {B}", "0", "4", "0", "0", "0"],
        ["#2", R2.started_at, "scan", _words(f"{A}, {HOSTILE_ACCOUNT}"), "2", "1", "1", "0", "0"],
        ["#3", R3.started_at, "evaluate", A, "1", "0", "1", "0", "0"],
    ]


def test_the_total_trend_is_drawn_point_by_point(page: Element) -> None:
    """640 x 180, the plot from x 40 to 624 and from y 152 (0) up to 12 (4, the largest count)."""
    svg = page.by_id("trend-total").find("svg")
    assert (svg.attrs["width"], svg.attrs["height"], svg.attrs["viewbox"]) == ("640", "180", "0 0 640 180")
    lines = {line.attrs["class"]: line.attrs["points"] for line in svg.find_all("polyline")}
    assert lines == {"series FAIL": "40,12 332,82 624,117", "series UNKNOWN": "40,152 332,117 624,117"}
    circles = [(c.attrs["class"], c.attrs["cx"], c.attrs["cy"], c.text()) for c in svg.find_all("circle")]
    assert circles == [
        ("point FAIL", "40", "12", f"#1 {R1.started_at}: FAIL 4"),
        ("point FAIL", "332", "82", f"#2 {R2.started_at}: FAIL 2"),
        ("point FAIL", "624", "117", f"#3 {R3.started_at}: FAIL 1"),
        ("point UNKNOWN", "40", "152", f"#1 {R1.started_at}: UNKNOWN 0"),
        ("point UNKNOWN", "332", "117", f"#2 {R2.started_at}: UNKNOWN 1"),
        ("point UNKNOWN", "624", "117", f"#3 {R3.started_at}: UNKNOWN 1"),
    ]
    assert [(text.attrs["x"], text.text()) for text in svg.find_all("text", "tick")] == [
        ("40", "#1"),
        ("332", "#2"),
        ("624", "#3"),
    ]
    assert [text.text() for text in svg.find_all("text", "scale")] == ["4", "0"]


def test_the_small_multiples_share_their_group_scale_and_the_x_axis(page: Element) -> None:
    """220 x 80: x from 32 to 212, y from 60 (0) up to 8 (3, the largest count of any account)."""
    figures = page.by_id("trend-accounts").find_all("figure")
    assert [figure.attrs["data-account"] for figure in figures] == [HOSTILE_ACCOUNT, A, B]
    points = [
        {line.attrs["class"]: line.attrs["points"] for line in figure.find_all("polyline")}
        for figure in figures
    ]
    assert points == [
        {"series FAIL": "122,60 212,60", "series UNKNOWN": "122,60 212,60"},  # judged from run 2 on
        {"series FAIL": "32,8 122,42.7 212,60", "series UNKNOWN": "32,60 122,42.7 212,42.7"},
        {"series FAIL": "32,42.7 122,42.7 212,42.7", "series UNKNOWN": "32,60 122,60 212,60"},
    ]
    stale_b = [circle.attrs["class"] for circle in figures[2].find_all("circle")]
    assert stale_b == [
        "point FAIL",
        "point FAIL carried",
        "point FAIL carried",
        "point UNKNOWN",
        "point UNKNOWN carried",
        "point UNKNOWN carried",
    ]
    assert figures[2].find("figcaption").text() == f"{B}STALE"
    rules = page.by_id("trend-rules").find_all("figure")
    assert [figure.attrs["data-rule"] for figure in rules] == [HOSTILE_RULE, RULE_A]  # "<" sorts before "a"
    assert [line.attrs["points"] for line in rules[0].find_all("polyline")] == [
        "32,42.7 122,42.7 212,42.7",
        "32,60 122,60 212,60",
    ]


def test_one_run_sits_in_the_middle_and_an_empty_chart_keeps_a_scale_of_one() -> None:
    chart = total_chart(TRENDS[:1])
    assert [line.points_attribute for line in chart.lines] == ["332,12", "332,152"]
    assert chart.scale == 4
    assert total_chart(()).scale == 1
    assert total_chart(()).lines[0].points == ()
    assert [chart.key for chart in small_multiples(TRENDS, lambda point: point.by_rule)] == [
        HOSTILE_RULE,
        RULE_A,
    ]


def test_since_the_previous_run(page: Element) -> None:
    rows = _rows(page, "since-previous-table")
    assert [row.attrs["data-account"] for row in rows] == [HOSTILE_ACCOUNT, A, B]
    assert [_cells(row)[:7] for row in rows] == [
        [_words(HOSTILE_ACCOUNT), f"#2 {R2.started_at}", "its first run", "0", "0", "0", "0"],
        [A, f"#3 {R3.started_at}", f"#2 {R2.started_at}", "0", "0", "1", "0"],
        [f"{B}STALE", f"#1 {R1.started_at}", "its first run", "1", "0", "0", "0"],
    ]
    details = rows[1].find("details")
    assert details.attrs["data-kind"] == "fixed"
    assert [item.text() for item in details.find_all("li")] == ["f-fixed"]


def test_a_long_list_of_ids_is_cut_with_a_note() -> None:
    base = history_view()
    delta = base.since_previous[2]
    many = tuple(f"f-{index:04}" for index in range(HTML_IDS_SHOWN + 5))
    view = _replace(base, since_previous=(type(delta)(B, R1, None, True, many, (), (), ()),))
    items = parse(render_history_html(view)).by_id("since-previous-table").find("details").find_all("li")
    assert len(items) == HTML_IDS_SHOWN + 1
    assert [item.text() for item in items[:2]] == ["f-0000", "f-0001"]
    assert items[-1].text() == "… and 5 more (see --format json)"


def test_the_oldest_open_fails(page: Element) -> None:
    rows = _rows(page, "oldest-open-table")
    assert [row.attrs["data-finding"] for row in rows] == ["f-b"]
    assert _cells(rows[0]) == [
        f"#1 {R1.started_at}",
        "high",
        HOSTILE_RULE,
        f"{B}STALE",
        "eu-west-1",
        f"{SHOWN_RESOURCE} AWS::S3::Bucket f-b",
        "0",
    ]
    assert page.by_id("oldest-open").find_all("p")[0].text() == "1 open."


def test_the_oldest_open_says_how_many_more_are_open() -> None:
    view = _replace(history_view(), totals=Counts(failed=25))
    text = parse(render_history_html(view)).by_id("oldest-open").find_all("p")[0].text()
    assert text == "25 open; the oldest 1 shown (see --format json)."


def test_time_to_fix(page: Element) -> None:
    assert [_cells(row) for row in _rows(page, "time-to-fix-table")] == [
        ["critical", "0", NONE, NONE],
        ["high", "1", "7.0", "7.0"],
        ["medium", "0", NONE, NONE],
        ["low", "1", "3.0", "3.0"],
        ["info", "0", NONE, NONE],
    ]


def test_a_stale_account_is_marked_and_counted_in_the_total(page: Element) -> None:
    rows = _rows(page, "accounts-table")
    assert [_cells(row) for row in rows] == [
        [_words(HOSTILE_ACCOUNT), f"#2 {R2.started_at}", "6.0", "1", "0", "0", "0", "0"],
        [A, f"#3 {R3.started_at}", "2.0", "1", "0", "1", "0", "0"],
        [f"{B}STALE", f"#1 {R1.started_at}", "9.0", "0", "1", "0", "0", "0"],
        ["Total (stale accounts carried forward: 1)", "2", "1", "1", "0", "0"],
    ]
    assert rows[2].attrs["class"] == "item stale-account"
    assert [state.stale for state in ACCOUNTS] == [False, False, True]


def test_every_finding_has_its_story(page: Element) -> None:
    rows = _rows(page, "findings-table")
    assert [row.attrs["data-finding"] for row in rows] == [story.id for story in STORIES]
    assert [
        (
            row.attrs["data-account"],
            row.attrs["data-rule"],
            row.attrs["data-severity"],
            row.attrs["data-status"],
        )
        for row in rows
    ] == [(s.account, s.rule, s.severity, s.status) for s in STORIES]
    cells = {row.attrs["data-finding"]: _cells(row)[6:] for row in rows}
    assert cells == {
        "f-b": [f"#1 {R1.started_at}", f"#1 {R1.started_at}", f"#1 {R1.started_at}", NONE, "0"],
        "f-fixed": [f"#1 {R1.started_at}", f"#3 {R3.started_at}", NONE, f"#3 {R3.started_at}", "0"],
        "f-gone": [f"#1 {R1.started_at}", f"#2 {R2.started_at}", NONE, f"#2 {R2.started_at}", "0"],
        "f-h": [f"#2 {R2.started_at}", f"#2 {R2.started_at}", NONE, NONE, "0"],
        "f-murky": [f"#1 {R1.started_at}", f"#3 {R3.started_at}", f"#1 {R1.started_at}", NONE, "2"],
    }
    assert [_cells(row)[0] for row in rows] == ["FAIL", "PASS", "ABSENT", "PASS", "UNKNOWN"]


def test_the_findings_are_read_from_the_store_as_the_page_is_written() -> None:
    reads = Reads(STORIES)
    chunks = history_html_chunks(history_view(reads=reads))
    head = "".join(islice(chunks, 50))
    assert "<style>" in head
    assert reads.read == 0
    rest = "".join(chunks)
    assert reads.read == len(STORIES)
    assert rest.endswith("</html>")


def test_the_filters_offer_the_accounts_severities_and_statuses(page: Element) -> None:
    def options(name: str) -> list[str]:
        return [option.attrs["value"] for option in page.by_id(f"filter-{name}").find_all("option")]

    assert options("account") == ["", HOSTILE_ACCOUNT, A, B]
    assert options("rule") == [""]  # the script offers the rules of the rows
    assert options("severity") == ["", "critical", "high", "medium", "low", "info"]
    assert options("status") == ["", "PASS", "FAIL", "UNKNOWN", "MANUAL", "SUPPRESSED", "ABSENT"]
    assert page.by_id("filters").attrs["hidden"] == ""
    assert [table.attrs["id"] for table in page.find_all("table") if "data-filtered" in table.attrs] == [
        "since-previous-table",
        "oldest-open-table",
        "time-to-fix-table",
        "accounts-table",
        "findings-table",
    ]


def test_hostile_ids_are_inert_text(html: str, page: Element) -> None:
    assert len(re.findall("<script", html, re.IGNORECASE)) == 1
    assert "<img" not in html
    assert "\u202e" not in html
    script = page.find("script").text()
    for value in (HOSTILE_ACCOUNT, HOSTILE_RULE, SHOWN_RESOURCE, "\u2028"):
        assert value not in script
    # Escaped, the values read back exactly, U+2028 included (it is neither control nor bidi override).
    row = page.by_id("findings-table").find_all("tr", "item")[3]
    assert row.attrs["data-account"] == HOSTILE_ACCOUNT
    assert row.find_all("td")[3].text() == HOSTILE_ACCOUNT
    open_row = page.by_id("oldest-open-table").find("tr", "item")
    assert open_row.attrs["data-rule"] == HOSTILE_RULE
    assert open_row.find("code").text() == HOSTILE_RULE
    assert open_row.find("span", "resource-id").text() == SHOWN_RESOURCE
    assert HOSTILE_RESOURCE != SHOWN_RESOURCE
    assert page.find("head").find("title").text() == f"cloudwarden history: {HOSTILE_ACCOUNT}, {A}, {B}"


def test_no_element_gets_an_event_handler_or_inline_style(page: Element) -> None:
    for element in page.iter():
        assert not [name for name in element.attrs if name.startswith("on") or name == "style"], element.tag


def test_nothing_is_loaded_from_elsewhere(html: str, page: Element) -> None:
    references = [
        value
        for element in page.iter()
        for name, value in element.attrs.items()
        if name in {"src", "href", "xlink:href", "action", "formaction", "srcset", "poster", "data"}
    ]
    assert references == []
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "http://" not in html
    assert "https://" not in html
    assert page.find_all("link") == []
    assert [element.attrs for element in page.find_all("script")] == [{}]
    assert [element.attrs for element in page.find_all("style")] == [{}]
    style = page.find("style").text()
    assert "url(" not in style
    assert "@import" not in style


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def _policy(page: Element) -> dict[str, str]:
    head = page.find("head")
    first_meta = [element for element in head.children if isinstance(element, Element)][:2]
    assert first_meta[0].attrs == {"charset": "utf-8"}
    assert first_meta[1].attrs["http-equiv"] == "Content-Security-Policy"
    return dict(
        [*directive.split(" ", 1), ""][:2]
        for directive in (part.strip() for part in first_meta[1].attrs["content"].split(";"))
    )


def test_the_content_security_policy_is_the_reports_for_the_pages_own_style_and_script(page: Element) -> None:
    policy = _policy(page)
    assert policy == {
        "default-src": "'none'",
        "style-src": f"'sha256-{_sha256(page.find('style').text())}'",
        "script-src": f"'sha256-{_sha256(page.find('script').text())}'",
        "base-uri": "'none'",
        "form-action": "'none'",
        "require-trusted-types-for": "'script'",
        "trusted-types": "'none'",
    }
    report_policy = _policy(parse(render_html(REPORT, RULES)))
    assert {key: value for key, value in policy.items() if not value.startswith("'sha256-")} == {
        key: value for key, value in report_policy.items() if not value.startswith("'sha256-")
    }
    assert policy.keys() == report_policy.keys()


def test_an_empty_history_is_a_page_that_says_so() -> None:
    view = HistoryView(
        filter=HistoryFilter(now=NOW),
        runs=(),
        accounts=(),
        totals=Counts(),
        since_previous=(),
        time_to_fix=history_view().time_to_fix,
        oldest_open=(),
        trends=(),
        findings=history_view(stories=()).findings,
    )
    page = parse(render_history_html(view))
    assert page.by_id("runs").find("p").text() == "No run in the window."
    assert page.by_id("since-previous").find("p").text() == "No run recorded."
    assert page.by_id("accounts").find("p").text() == "No account."
    assert page.by_id("findings-table").find("tbody").find_all("tr") == []
    assert page.find_all("svg") == []


def _replace(view: HistoryView, **changes: object) -> HistoryView:
    fields = {name: getattr(view, name) for name in HistoryView.__dataclass_fields__}
    fields.update(changes)
    return HistoryView(**fields)
