"""What `cloudwarden history` says, as records: the answer of `history.query.history` that every view
(terminal, JSON, HTML) renders. Nothing here reads the store; the records are plain frozen values,
except `HistoryView.findings`, which streams the per-finding stories from the store when iterated
(a store of runs of a million findings each must never be read into memory whole).

Semantics (decided for every view):

- Runs are ordered by `started_at` (epoch seconds), then id. The window (`--since`) keeps the runs
  started on or after that day, 00:00 UTC. A time shown for a finding (first seen, failing since...) is
  the `started_at` of the run concerned.
- A finding's story: `first_seen`/`last_seen`, the first and last run it appeared in; `failing_since`,
  the run where its current failing stretch began (kept while a FAIL is hidden under UNKNOWN, MANUAL
  or SUPPRESSED: it is not known fixed; None when not failing); `resolved_at`, the run that last resolved
  it (PASS, or ABSENT: missing from a later run of its account that ran its rule), None if never or
  failing again; `regressions`, the times it turned FAIL again after being resolved.
- What a run could not judge is not found gone. A run that gives an UNKNOWN on the account itself or
  on its part in a region (resource `AWS::::Account`, id the account or `<account>/<region>`: a
  listing call failed, a part the snapshot did not collect, a rule error) judged that (account, rule)
  only in part: none of its findings becomes ABSENT by that run (they keep their state, and their
  last seen run is the last that judged the pair whole), the UNKNOWN is a finding of its own. An
  account the run could not enter (`unreachable-account`) is not judged by the run at all: not in
  the run's accounts, its state untouched, not its previous run, not a fresh run against staleness.
- The current state (accounts and their totals, since the previous run, oldest open FAILs) is the
  state now, whatever the window: an account's last known state counts until it is scanned again.
  An account whose last run started more than `stale_after_days` before `now` is *stale*: it stays in
  every total and view with that last known state, marked stale, never dropped and never clean. Its
  last run is the last that judged it: a run of one rule (`scan --rule`) counts (it scanned the
  account), a run that could not enter it does not.
- Open FAILs are the findings whose status is FAIL now (not those hidden under UNKNOWN, MANUAL or
  SUPPRESSED).
- Since the previous run, per account and rule by rule: each rule's findings from the latest run that
  judged the account and ran the rule, against their status before it (their last known one), merged
  per account (`AccountDelta.run` is the account's latest run of the rules asked, `previous` the one
  before it): a `scan --rule X` changes X's answer only, and `--rule Y` answers from the runs of Y.
  *New* = turned FAIL in that run, beginning a failing stretch there, never resolved before;
  *regressed* = the same, resolved at some point before (a regression counted); *fixed* = FAIL before
  (or a FAIL hidden under UNKNOWN, MANUAL or SUPPRESSED), PASS or ABSENT now (a resolution); *open* =
  FAIL now and failing since an earlier run (a FAIL back from UNKNOWN, MANUAL or SUPPRESSED, never
  known fixed, is open, not new).
- Time to fix, per severity: each resolution whose resolving run is in the window counts the days
  (float, from the runs' `started_at`) from the run it had been failing since to the resolving run.
  Median and 90th percentile are nearest-rank: the value at rank ceil(p * n) of the n durations sorted
  ascending (the median is the ceil(n / 2)-th: the lower middle of an even count).
- Trends, one point per run of the window: FAIL and UNKNOWN counts after that run, in total, per rule
  and per account, where each account and rule counts with its latest run at or before the point that
  judged it (carried forward: an account not scanned by the run keeps its last counts, it does not
  turn clean). A run that judged an (account, rule) only in part leaves it its last FAIL count of a
  run that judged it whole, and adds its own UNKNOWNs to that run's: an approximation where a region
  failed and the others were judged (their changes show with the next whole run). The run's own
  counts are in `RunSummary.counts`.
- Filters: `accounts` and `rules` restrict everything to those accounts and rules; the per-finding
  list keeps, with `since`, the findings judged in the window (seen in a run of it, or found ABSENT
  by one) and every finding still failing (FAIL, or a FAIL hidden under UNKNOWN, MANUAL or
  SUPPRESSED).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from cloudwarden.findings import Severity, Status

HISTORY_SCHEMA = "cloudwarden.history/1"

STATUS_ORDER = (Status.PASS, Status.FAIL, Status.UNKNOWN, Status.MANUAL, Status.SUPPRESSED)
"""The order counts are given in (a finding's ABSENT state is no count: it is not in the run)."""

SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)

DEFAULT_STALE_AFTER_DAYS = 7
OLDEST_OPEN_SHOWN = 20
"""Open FAILs the views list, oldest first (`HistoryView.open_fails` counts them all)."""


@dataclass(frozen=True, slots=True)
class HistoryFilter:
    """What `cloudwarden history` was asked: the window, the accounts and rules, and the clock that
    decides which accounts are stale (given, so that a view is reproducible)."""

    now: datetime
    since: date | None = None
    accounts: tuple[str, ...] = ()
    """Empty: every account."""
    rules: tuple[str, ...] = ()
    """Empty: every rule."""
    stale_after_days: float = DEFAULT_STALE_AFTER_DAYS

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("HistoryFilter.now must be an aware time: a naive one would be read as local")

    @property
    def since_epoch(self) -> int | None:
        """The window's start, 00:00 UTC of `since`, in epoch seconds."""
        if self.since is None:
            return None
        return int(datetime(self.since.year, self.since.month, self.since.day, tzinfo=UTC).timestamp())


@dataclass(frozen=True, slots=True)
class RunRef:
    """A run named in a view: its id and its `started_at` (the time the views show for it)."""

    id: int
    started_at: str


@dataclass(frozen=True, slots=True)
class Counts:
    """Findings per status (in `STATUS_ORDER`)."""

    passed: int = 0
    failed: int = 0
    unknown: int = 0
    manual: int = 0
    suppressed: int = 0

    def by_status(self) -> dict[str, int]:
        """`{"PASS": n, "FAIL": n, ...}`: the form of the JSON view, every status named."""
        return {
            Status.PASS.value: self.passed,
            Status.FAIL.value: self.failed,
            Status.UNKNOWN.value: self.unknown,
            Status.MANUAL.value: self.manual,
            Status.SUPPRESSED.value: self.suppressed,
        }

    @staticmethod
    def of(by_status: dict[str, int]) -> Counts:
        """Counts from `{status: n}` (statuses not named count 0, ABSENT is no count)."""
        return Counts(
            passed=by_status.get(Status.PASS.value, 0),
            failed=by_status.get(Status.FAIL.value, 0),
            unknown=by_status.get(Status.UNKNOWN.value, 0),
            manual=by_status.get(Status.MANUAL.value, 0),
            suppressed=by_status.get(Status.SUPPRESSED.value, 0),
        )

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            passed=self.passed + other.passed,
            failed=self.failed + other.failed,
            unknown=self.unknown + other.unknown,
            manual=self.manual + other.manual,
            suppressed=self.suppressed + other.suppressed,
        )


@dataclass(frozen=True, slots=True)
class RunSummary:
    """A run of the window: what it judged and its own counts (of the filtered accounts and rules)."""

    run: RunRef
    command: str
    accounts: tuple[str, ...]
    """The accounts it judged (of those filtered), in the run's order."""
    counts: Counts


@dataclass(frozen=True, slots=True)
class FindingHistory:
    """One finding id's story (see the module's semantics). `status` is a `Status` value or `ABSENT`."""

    id: str
    rule: str
    account: str
    region: str
    resource_type: str
    resource_id: str
    status: str
    severity: str
    first_seen: RunRef
    last_seen: RunRef
    failing_since: RunRef | None
    resolved_at: RunRef | None
    regressions: int


@dataclass(frozen=True, slots=True)
class AccountState:
    """An account's last known state: its last run, whether that is stale, and its findings per status
    now (every finding's latest status, carried forward from its last run that judged it)."""

    account: str
    last_run: RunRef
    days_since_last_run: float
    """From the last run's `started_at` to the filter's `now`."""
    stale: bool
    counts: Counts


@dataclass(frozen=True, slots=True)
class AccountDelta:
    """Since the previous run of an account: finding ids (sorted) that are new, fixed, regressed or
    still open in its latest run. `previous` is None for an account run once (every FAIL is new)."""

    account: str
    run: RunRef
    previous: RunRef | None
    stale: bool
    new: tuple[str, ...]
    fixed: tuple[str, ...]
    regressed: tuple[str, ...]
    open: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TimeToFix:
    """Resolutions of a severity in the window: how many, and their median and 90th percentile in
    days (nearest-rank; None when there is none)."""

    severity: str
    count: int
    median_days: float | None
    p90_days: float | None


@dataclass(frozen=True, slots=True)
class TrendCounts:
    """FAIL and UNKNOWN counts of a rule or an account at a trend point."""

    key: str
    """The rule id or the account id."""
    fail: int
    unknown: int
    carried: bool = False
    """Accounts only: its counts come from an earlier run than the point's (it was not judged by it)."""


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """The state after a run of the window (see the module's semantics: carried forward)."""

    run: RunRef
    fail: int
    unknown: int
    by_rule: tuple[TrendCounts, ...]
    """Sorted by rule id."""
    by_account: tuple[TrendCounts, ...]
    """Sorted by account id."""


class FindingStories(Iterable[FindingHistory]):
    """The per-finding stories of a view, read from the store each time they are iterated, a batch at
    a time, in finding id order: they may number millions. They are read when iterated, not when the
    view was made: a run recorded in between shows in them. Each iteration reads in one snapshot (the
    runs and the states together): a run recorded while it reads is in none of it."""

    def __init__(self, read: Callable[[], Iterator[FindingHistory]]) -> None:
        self._read = read

    def __iter__(self) -> Iterator[FindingHistory]:
        return self._read()


@dataclass(frozen=True, slots=True)
class HistoryView:
    """The whole answer of `cloudwarden history` (see the module's semantics)."""

    filter: HistoryFilter
    runs: tuple[RunSummary, ...]
    """The runs of the window, oldest first."""
    accounts: tuple[AccountState, ...]
    """Every account judged by a run (of those filtered), sorted by id, stale ones included."""
    totals: Counts
    """The sum of the accounts' last known states: stale accounts included."""
    since_previous: tuple[AccountDelta, ...]
    """Per account, sorted by id."""
    time_to_fix: tuple[TimeToFix, ...]
    """One per severity, most severe first (count 0 when none was fixed in the window)."""
    oldest_open: tuple[FindingHistory, ...]
    """The first `OLDEST_OPEN_SHOWN` open FAILs, by failing since (its run's start, then run id),
    then finding id."""
    trends: tuple[TrendPoint, ...]
    """One per run of the window, oldest first."""
    findings: FindingStories = field(compare=False)

    @property
    def stale_accounts(self) -> tuple[AccountState, ...]:
        return tuple(account for account in self.accounts if account.stale)

    @property
    def open_fails(self) -> int:
        """Every open FAIL, not only the ones `oldest_open` lists."""
        return self.totals.failed
