"""`cloudwarden history` rendered: the terminal view and the JSON document (`cloudwarden.history/1`) of a
`HistoryView` (whose module, `cloudwarden.history.view`, states the semantics).

Terminal, in this order: the runs of the window (each with its number of accounts and its own
counts; SUPPRESSED, as in the report, only when there are some); since the previous run of each
account (its latest run and the previous one by number, the counts of new, regressed, fixed and open,
then at most `IDS_SHOWN` ids of each but open); the oldest open FAILs (failing since, severity,
account, rule, resource id, regressions if any, finding id); time to fix per severity; the trend
(FAIL and UNKNOWN after each run, then per account and per rule from its first point in the window
to the last); the accounts, their last run and last known counts, stale ones marked `STALE`, and the
total of them all. Account ids, resource ids and every other stored text are cleaned of control
characters and printed as plain text.

JSON: `{"schema", "runs", "findings", "since_previous", "time_to_fix", "stale_accounts"}` as the
contract says, then the additions (docs/contract-additions.md): `accounts` (each account's last run,
days since it, `stale`, last known counts), `totals`, `open_fails`, `oldest_open`, `trends`, and
`filter`. Times are the `started_at` of the run concerned; counts name every status. Indented by two
spaces exactly as msgspec formats the whole document, C1 control characters escaped; the findings,
which may number millions, are written a batch at a time as the store yields them.

HTML (`render_history_html`, template `history.html.j2`): one self-contained page with the HTML
report's escaping and Content-Security-Policy (nothing loads, only the page's own inline style and
script run, pinned by hash; every printed text inert, then escaped by Jinja). Inline SVG charts: FAIL
and UNKNOWN after each run of the window, then one small chart per account and per rule on a scale
shared by its group and the same x axis (a carried-forward account point is drawn hollow). Then since
the previous run, the oldest open FAILs, time to fix, the accounts (stale ones marked `STALE`, kept in
the total) and every finding's history. One filter bar (account, rule, severity, status, free text)
narrows every table's rows that have the chosen property and leaves the others alone (an account's
row has no severity); the free text matches a row's visible cells, every word.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

import jinja2
import markupsafe
import msgspec
from rich.console import Console
from rich.text import Text

from cloudwarden.files import formatted_elements
from cloudwarden.history.view import (
    HISTORY_SCHEMA,
    SEVERITY_ORDER,
    STATUS_ORDER,
    AccountDelta,
    Counts,
    FindingHistory,
    HistoryView,
    RunRef,
    TrendCounts,
    TrendPoint,
)
from cloudwarden.report.html import _inert as inert_text
from cloudwarden.report.html import sha256_base64
from cloudwarden.report.stream import BATCH, c1_escaped
from cloudwarden.report.terminal import clean, text_console

IDS_SHOWN = 10
"""Finding ids listed per kind of change and account in the terminal; the JSON lists them all."""

_COUNT_STYLE = {
    "PASS": "green",
    "FAIL": "bold red",
    "UNKNOWN": "yellow",
    "MANUAL": "cyan",
    "SUPPRESSED": "dim",
}
_FINDINGS_SLOT = b'\n  "findings": []'
"""The findings' place in the formatted frame (only the document's own keys sit at two spaces: a
newline inside a stored text is escaped in JSON)."""
_BATCH_HEAD = b'{\n  "findings": [\n'
_BATCH_TAIL = b"\n  ]\n}"


def render_history_terminal(view: HistoryView, color: bool, width: int = 110) -> str:
    buffer = io.StringIO()
    console = text_console(buffer, color, width)
    _print_header(console, view)
    _print_runs(console, view)
    _print_since_previous(console, view)
    _print_oldest_open(console, view)
    _print_time_to_fix(console, view)
    _print_trends(console, view)
    _print_accounts(console, view)
    return buffer.getvalue()


def _section(console: Console, title: str) -> None:
    console.print()
    console.print(Text(title, style="bold"))


def _counts(counts: Counts) -> Text:
    text = Text()
    for status, count in counts.by_status().items():
        if status == "SUPPRESSED" and not count:
            continue
        text.append("  ")
        text.append(f"{status} {count}", style=_COUNT_STYLE[status] if count else "dim")
    return text


def _run(ref: RunRef) -> str:
    return f"#{ref.id} {clean(ref.started_at)}"


def _print_header(console: Console, view: HistoryView) -> None:
    wanted = view.filter
    line = Text.assemble(("cloudwarden history", "bold"), f"  runs: {len(view.runs)}")
    line.append(f"  accounts: {len(view.accounts)}")
    if view.stale_accounts:
        line.append(f" ({len(view.stale_accounts)} stale)", style="bold red")
    line.append(f"  since: {wanted.since.isoformat() if wanted.since else 'every run'}")
    if wanted.accounts:
        line.append(clean(f"  account: {', '.join(wanted.accounts)}"))
    if wanted.rules:
        line.append(clean(f"  rule: {', '.join(wanted.rules)}"))
    console.print(line)


def _print_runs(console: Console, view: HistoryView) -> None:
    _section(console, "Runs")
    if not view.runs:
        console.print(Text("  no run in the window", style="dim"))
    for summary in view.runs:
        line = Text(f"  {_run(summary.run)}  {clean(summary.command)}  accounts: {len(summary.accounts)}")
        line.append_text(_counts(summary.counts))
        console.print(line)


def _print_since_previous(console: Console, view: HistoryView) -> None:
    _section(console, "Since the previous run")
    if not view.since_previous:
        console.print(Text("  no run recorded", style="dim"))
    for delta in view.since_previous:
        _print_delta(console, delta)


def _print_delta(console: Console, delta: AccountDelta) -> None:
    line = Text(clean(f"  {delta.account}  run #{delta.run.id}"))
    line.append(f" vs #{delta.previous.id}" if delta.previous else " (its first)")
    line.append(f"  new {len(delta.new)}", style="bold red" if delta.new else "dim")
    line.append(f"  regressed {len(delta.regressed)}", style="bold red" if delta.regressed else "dim")
    line.append(f"  fixed {len(delta.fixed)}", style="green" if delta.fixed else "dim")
    line.append(f"  open {len(delta.open)}", style="red" if delta.open else "dim")
    if delta.stale:
        line.append("  STALE", style="bold red")
    console.print(line)
    for kind, ids in (("new", delta.new), ("regressed", delta.regressed), ("fixed", delta.fixed)):
        for finding_id in ids[:IDS_SHOWN]:
            console.print(Text(clean(f"    {kind:<10} {finding_id}")))
        if len(ids) > IDS_SHOWN:
            console.print(
                Text(f"    {kind:<10} ... and {len(ids) - IDS_SHOWN} more (see --format json)", style="dim")
            )


def _print_oldest_open(console: Console, view: HistoryView) -> None:
    _section(console, f"Oldest open FAILs ({view.open_fails} open)")
    if not view.oldest_open:
        console.print(Text("  none", style="dim"))
    for story in view.oldest_open:
        console.print(_story_line(story))
    if view.open_fails > len(view.oldest_open):
        console.print(
            Text(f"  ... and {view.open_fails - len(view.oldest_open)} more (see --format json)", style="dim")
        )


def _story_line(story: FindingHistory) -> Text:
    since = story.failing_since.started_at if story.failing_since else "-"
    line = Text(clean(f"  since {since}  "))
    line.append(f"{story.severity:<8}", style="bold" if story.severity in ("critical", "high") else "")
    line.append(clean(f" {story.account} {story.rule} {story.resource_id}"))
    if story.regressions:
        line.append(f"  regressions {story.regressions}", style="red")
    line.append(clean(f"  {story.id}"), style="dim")
    return line


def _print_time_to_fix(console: Console, view: HistoryView) -> None:
    since = view.filter.since
    _section(
        console, f"Time to fix (resolutions {f'since {since.isoformat()}' if since else 'of every run'})"
    )
    for entry in view.time_to_fix:
        line = Text(f"  {entry.severity:<8}  fixed {entry.count}")
        if entry.median_days is not None and entry.p90_days is not None:
            line.append(f"  median {entry.median_days:.1f} days  p90 {entry.p90_days:.1f} days")
        console.print(line)


def _print_trends(console: Console, view: HistoryView) -> None:
    _section(console, "Trend (after each run; an account not in a run keeps its last counts)")
    if not view.trends:
        console.print(Text("  no run in the window", style="dim"))
        return
    for point in view.trends:
        console.print(Text(f"  {_run(point.run)}  FAIL {point.fail}  UNKNOWN {point.unknown}"))
    stale = {state.account for state in view.stale_accounts}
    for label, series in (
        ("account", _series(view.trends, lambda point: point.by_account)),
        ("rule", _series(view.trends, lambda point: point.by_rule)),
    ):
        for key, (start, end) in series.items():
            line = Text(clean(f"  {label} {key}"))
            line.append(f"  FAIL {start.fail} -> {end.fail}  UNKNOWN {start.unknown} -> {end.unknown}")
            if label == "account" and key in stale:
                line.append("  STALE", style="bold red")
            console.print(line)


def _series(points: Sequence[TrendPoint], of: Any) -> dict[str, tuple[TrendCounts, TrendCounts]]:
    """Each key's counts at its first point in the window and at the last one, sorted by key."""
    found: dict[str, tuple[TrendCounts, TrendCounts]] = {}
    for point in points:
        for counts in of(point):
            start = found[counts.key][0] if counts.key in found else counts
            found[counts.key] = (start, counts)
    return dict(sorted(found.items()))


def _print_accounts(console: Console, view: HistoryView) -> None:
    _section(console, "Accounts (last known state)")
    for state in view.accounts:
        line = Text(clean(f"  {state.account}  last run {_run(state.last_run)}"))
        line.append_text(_counts(state.counts))
        if state.stale:
            line.append(f"  STALE ({state.days_since_last_run:.1f} days)", style="bold red")
        console.print(line)
    total = Text("Total")
    total.append_text(_counts(view.totals))
    if view.stale_accounts:
        total.append(f"  (stale accounts carried forward: {len(view.stale_accounts)})", style="dim")
    console.print(total)


def render_history_json(view: HistoryView, target: IO[bytes]) -> None:
    """Write the JSON document to `target`, the findings streamed from the store in batches."""
    encoder = msgspec.json.Encoder()
    frame = bytes(c1_escaped(msgspec.json.format(encoder.encode(_document(view)), indent=2)))
    end = frame.index(_FINDINGS_SLOT) + len(_FINDINGS_SLOT)
    head, tail = frame[: end - len(b"[]")], frame[end:]
    target.write(head)
    written = False
    for batch in _batches(iter(view.findings)):
        target.write(b",\n" if written else b"[\n")
        elements = formatted_elements(encoder, {"findings": batch}, _BATCH_HEAD, _BATCH_TAIL, indent=2)
        target.write(c1_escaped(elements))
        written = True
    target.write(b"\n  ]" if written else b"[]")
    target.write(tail)
    target.write(b"\n")


def _batches(stories: Iterator[FindingHistory]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for story in stories:
        batch.append(_finding(story))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _time(ref: RunRef | None) -> str | None:
    return None if ref is None else ref.started_at


def _ref(ref: RunRef | None) -> dict[str, Any] | None:
    return None if ref is None else {"id": ref.id, "started_at": ref.started_at}


def _finding(story: FindingHistory) -> dict[str, Any]:
    return {
        "id": story.id,
        "rule": story.rule,
        "account": story.account,
        "region": story.region,
        "resource": {"type": story.resource_type, "id": story.resource_id},
        "status": story.status,
        "severity": story.severity,
        "first_seen": story.first_seen.started_at,
        "last_seen": story.last_seen.started_at,
        "failing_since": _time(story.failing_since),
        "resolved_at": _time(story.resolved_at),
        "regressions": story.regressions,
    }


def _document(view: HistoryView) -> dict[str, Any]:
    """The whole document but its findings (an empty list where they go)."""
    wanted = view.filter
    return {
        "schema": HISTORY_SCHEMA,
        "runs": [
            {
                "id": summary.run.id,
                "started_at": summary.run.started_at,
                "accounts": list(summary.accounts),
                "counts": summary.counts.by_status(),
                "command": summary.command,
            }
            for summary in view.runs
        ],
        "findings": [],
        "since_previous": {
            delta.account: {
                "new": list(delta.new),
                "fixed": list(delta.fixed),
                "regressed": list(delta.regressed),
                "open": list(delta.open),
                "run": _ref(delta.run),
                "previous_run": _ref(delta.previous),
                "stale": delta.stale,
            }
            for delta in view.since_previous
        },
        "time_to_fix": {
            entry.severity: {
                "median_days": entry.median_days,
                "p90_days": entry.p90_days,
                "count": entry.count,
            }
            for entry in view.time_to_fix
        },
        "stale_accounts": [state.account for state in view.stale_accounts],
        "accounts": [
            {
                "account": state.account,
                "last_run": _ref(state.last_run),
                "days_since_last_run": state.days_since_last_run,
                "stale": state.stale,
                "counts": state.counts.by_status(),
            }
            for state in view.accounts
        ],
        "totals": view.totals.by_status(),
        "open_fails": view.open_fails,
        "oldest_open": [_finding(story) for story in view.oldest_open],
        "trends": [_trend(point) for point in view.trends],
        "filter": {
            "since": wanted.since.isoformat() if wanted.since else None,
            "accounts": list(wanted.accounts),
            "rules": list(wanted.rules),
            "stale_after_days": wanted.stale_after_days,
            "now": wanted.now.isoformat(),
        },
    }


def _trend(point: TrendPoint) -> dict[str, Any]:
    return {
        "run": _ref(point.run),
        "fail": point.fail,
        "unknown": point.unknown,
        "by_rule": {counts.key: {"fail": counts.fail, "unknown": counts.unknown} for counts in point.by_rule},
        "by_account": {
            counts.key: {"fail": counts.fail, "unknown": counts.unknown, "carried": counts.carried}
            for counts in point.by_account
        },
    }


# --- HTML -------------------------------------------------------------------------------------------
# One self-contained page: the report's escaping and Content-Security-Policy (`cloudwarden.report.html`:
# Jinja2 autoescaping, every printed text made inert first, the inline style and script pinned by
# their SHA-256), inline SVG charts, and one filter bar over every table.

HTML_IDS_SHOWN = 100
"""Finding ids listed per kind of change and account on the page (a first run makes every FAIL new)."""
FINDING_STATUSES = (*(status.value for status in STATUS_ORDER), "ABSENT")
"""The statuses the page's status filter offers: a finding's story may end ABSENT."""


@dataclass(frozen=True, slots=True)
class ChartFrame:
    """A chart's geometry in pixels: the plot is the box inside the margins; counts go up from
    `baseline` to `top` (the chart's scale), runs from `left` to `width - right`, evenly spaced."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    radius: int

    @property
    def baseline(self) -> int:
        return self.height - self.bottom

    def x(self, index: int, points: int) -> float:
        """Run `index` of `points`: the first on the left edge, the last on the right; one alone in
        the middle."""
        span = self.width - self.left - self.right
        if points < 2:
            return self.left + span / 2
        return round(self.left + span * index / (points - 1), 1)

    def y(self, count: int, scale: int) -> float:
        return round(self.baseline - (self.baseline - self.top) * count / scale, 1)


TREND_FRAME = ChartFrame(width=640, height=180, left=40, right=16, top=12, bottom=28, radius=3)
"""The chart of the totals after each run."""
SMALL_FRAME = ChartFrame(width=220, height=80, left=32, right=8, top=8, bottom=20, radius=2)
"""A small multiple: one account's or one rule's counts after each run."""
TICKS_SHOWN = 12
"""Runs labelled under a chart: every run up to this many, else the first and the last."""


def _coordinate(value: float) -> str:
    """A coordinate as the SVG carries it: `40`, `82.5` (one decimal at most, no trailing zero)."""
    return f"{value:g}"


@dataclass(frozen=True, slots=True)
class ChartPoint:
    run: RunRef
    count: int
    x: float
    y: float
    carried: bool
    """An account's counts carried forward from an earlier run (it was not judged by this one)."""

    @property
    def x_text(self) -> str:
        return _coordinate(self.x)

    @property
    def y_text(self) -> str:
        return _coordinate(self.y)


@dataclass(frozen=True, slots=True)
class ChartLine:
    status: str
    """`FAIL` or `UNKNOWN`."""
    points: tuple[ChartPoint, ...]

    @property
    def points_attribute(self) -> str:
        """The polyline's `points`: `x,y` pairs separated by spaces."""
        return " ".join(f"{point.x_text},{point.y_text}" for point in self.points)


@dataclass(frozen=True, slots=True)
class ChartTick:
    run: RunRef
    x: float

    @property
    def x_text(self) -> str:
        return _coordinate(self.x)


@dataclass(frozen=True, slots=True)
class Chart:
    """FAIL and UNKNOWN after each run of the window, for the totals, an account or a rule."""

    key: str
    """The account or rule id; empty for the totals."""
    frame: ChartFrame
    scale: int
    """The count at the top of the plot: the largest of the chart (of its group, for small multiples,
    so that they compare at a glance), at least 1."""
    lines: tuple[ChartLine, ChartLine]
    ticks: tuple[ChartTick, ...]


@dataclass(frozen=True, slots=True)
class _Sample:
    """A key's counts at the trend point of index `index`."""

    index: int
    run: RunRef
    fail: int
    unknown: int
    carried: bool


def _chart(
    key: str, frame: ChartFrame, samples: Sequence[_Sample], runs: int, scale: int, labelled: bool
) -> Chart:
    """A key's chart: a point per trend point where it has counts (a rule or an account enters the
    trend when a run first judges it), at the x of that run among all `runs` of the window, so that
    every chart of the page shares its x axis. `labelled`: the runs are named under it."""
    lines = tuple(
        ChartLine(
            status=status,
            points=tuple(
                ChartPoint(
                    run=sample.run,
                    count=count,
                    x=frame.x(sample.index, runs),
                    y=frame.y(count, scale),
                    carried=sample.carried,
                )
                for sample in samples
                for count in (sample.fail if status == "FAIL" else sample.unknown,)
            ),
        )
        for status in ("FAIL", "UNKNOWN")
    )
    ticks: tuple[ChartTick, ...] = ()
    if labelled:
        named = {*range(runs)} if runs <= TICKS_SHOWN else {0, runs - 1}
        ticks = tuple(
            ChartTick(run=sample.run, x=frame.x(sample.index, runs))
            for sample in samples
            if sample.index in named
        )
    return Chart(key=key, frame=frame, scale=scale, lines=(lines[0], lines[1]), ticks=ticks)


def _scale(samples: Iterable[_Sample]) -> int:
    return max((max(sample.fail, sample.unknown) for sample in samples), default=0) or 1


def total_chart(points: Sequence[TrendPoint]) -> Chart:
    samples = [
        _Sample(index=index, run=point.run, fail=point.fail, unknown=point.unknown, carried=False)
        for index, point in enumerate(points)
    ]
    return _chart("", TREND_FRAME, samples, len(points), _scale(samples), labelled=True)


def small_multiples(
    points: Sequence[TrendPoint], of: Callable[[TrendPoint], Iterable[TrendCounts]]
) -> list[Chart]:
    """A chart per key (`of` gives a point's accounts or rules), sorted by key, on one shared scale."""
    by_key: dict[str, list[_Sample]] = {}
    for index, point in enumerate(points):
        for counts in of(point):
            by_key.setdefault(counts.key, []).append(
                _Sample(
                    index=index,
                    run=point.run,
                    fail=counts.fail,
                    unknown=counts.unknown,
                    carried=counts.carried,
                )
            )
    scale = _scale(sample for samples in by_key.values() for sample in samples)
    return [
        _chart(key, SMALL_FRAME, by_key[key], len(points), scale, labelled=False) for key in sorted(by_key)
    ]


def _visible(value: object) -> object:
    """Every printed text as the HTML report shows it: inert (escaping is Jinja's, after this). Markup
    (the template's own, a macro's output) is left as it is."""
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return inert_text(value)
    return value


def _days(value: float | None) -> str:
    return "\u2013" if value is None else f"{value:.1f}"


@functools.cache
def _history_template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("cloudwarden.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_visible,
    )
    environment.filters["sha256"] = sha256_base64
    environment.filters["days"] = _days
    environment.filters["amount"] = lambda value: f"{value:g}"
    return environment.get_template("history.html.j2")


def history_html_chunks(view: HistoryView) -> Iterator[str]:
    """The page, piece by piece: the findings are read from the store as the page is written."""
    return _history_template().generate(
        view=view,
        stale=frozenset(state.account for state in view.stale_accounts),
        statuses=[status.value for status in STATUS_ORDER],
        severities=[severity.value for severity in SEVERITY_ORDER],
        finding_statuses=FINDING_STATUSES,
        total_chart=total_chart(view.trends),
        account_charts=small_multiples(view.trends, lambda point: point.by_account),
        rule_charts=small_multiples(view.trends, lambda point: point.by_rule),
        ids_shown=HTML_IDS_SHOWN,
    )


def render_history_html(view: HistoryView) -> str:
    """The whole page as one text (see `history_html_chunks` to write it as it is made)."""
    return "".join(history_html_chunks(view))
