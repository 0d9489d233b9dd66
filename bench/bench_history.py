"""Benchmark: the scan history store: recording runs of many findings, then `history` and `diff --store`
over them, on SQLite and on a throwaway PostgreSQL server.

Records R runs (default 30) of about N findings each (default 1,000,000), one day apart, into a new
SQLite store (a file in a temporary directory) and into a new database of a PostgreSQL server started
for the purpose as the tests start theirs (`tests/pg.py`: initdb in a temporary directory, a free port on
127.0.0.1, run as `postgres` when root, removed at the end). The findings are those of A accounts
(default 10) and 20 rules, with ids as the engine makes them (`finding_id`: random order), in a mix
meant to look like nightly scans of an organisation:

- most findings stable from run to run: each keeps its own status (70 % PASS, 20 % FAIL, 6 % UNKNOWN,
  2 % MANUAL, 2 % SUPPRESSED) except in the ~3 % of runs where it takes another one (FAIL <-> PASS,
  UNKNOWN -> FAIL, ...), so a few percent change status at each run, half of them back the run after;
- about 1 % missing from each run (ABSENT, resolved if failing) and back later, and a few hundred new
  findings per account and run (resources created);
- the last account stops being scanned after the first third of the runs (stale, carried forward).

The findings of each batch of 10,000 are made before the clock starts: a record's time is that of
the recorder alone (`add` of every finding, then `finish`: its one transaction committed). For each
database it prints each run's record time, their median and slowest, then over the R runs: `history`
(the view: `cloudwarden.history.query.history`), its JSON rendered to /dev/null (every finding's
story streamed from the store), the terminal view, `cloudwarden diff --store URL --format json`
(the two latest runs, in a child process, its output to /dev/null), the size of the store on disk,
and the peak RSS of this process and of the diff's.

Target (issue 19): a run of a million findings recorded in seconds, not minutes.

Run: `.venv/bin/python bench/bench_history.py [RUNS] [FINDINGS] [--accounts A] [--database NAME]`
(NAME: sqlite or postgresql, repeatable; default both).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import pwd
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import text

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from tests.pg import _binaries, _free_port, _wait_until_ready  # noqa: E402

from cloudwarden.findings import Finding, Resource, ScanSummary, Severity, Status, ToolInfo, finding_id  # noqa: E402
from cloudwarden.history import Store, open_store  # noqa: E402
from cloudwarden.history.query import history  # noqa: E402
from cloudwarden.history.view import HistoryFilter, HistoryView  # noqa: E402
from cloudwarden.report.history import render_history_json, render_history_terminal  # noqa: E402

RULES = tuple(f"bench-rule-{number:02d}" for number in range(20))
SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
REGIONS = ("us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2")
BASE_STATUS = (
    (Status.PASS, 70),
    (Status.FAIL, 20),
    (Status.UNKNOWN, 6),
    (Status.MANUAL, 2),
    (Status.SUPPRESSED, 2),
)
OTHER_STATUS = {
    Status.PASS: Status.FAIL,
    Status.FAIL: Status.PASS,
    Status.UNKNOWN: Status.FAIL,
    Status.MANUAL: Status.PASS,
    Status.SUPPRESSED: Status.FAIL,
}
CHANGING_PERCENT = 3
MISSING_PERCENT = 1
NEW_PER_RUN = 300
"""Findings added to each account at each run (resources created)."""
BATCH = 10_000
FIRST_START = dt.datetime(2026, 10, 1, 2, 0, tzinfo=dt.UTC)


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size (Linux reports KiB) of this process, or of its waited-for children."""
    return resource.getrusage(who).ru_maxrss / 1024


def base_status(number: int) -> Status:
    """A finding's usual status, from its number (a fixed mix)."""
    slot = (number * 2_654_435_761) % 100
    for status, share in BASE_STATUS:
        if slot < share:
            return status
        slot -= share
    raise AssertionError("the shares add up to 100")


class Universe:
    """The findings of every account, run by run: what each run of the benchmark records."""

    def __init__(self, runs: int, findings: int, accounts: int) -> None:
        self.runs = runs
        self.accounts = tuple(f"{100000000000 + number * 11111:012d}" for number in range(accounts))
        kept = max(1, accounts - 1)
        self.per_account = max(1, findings // kept - NEW_PER_RUN * runs // 2)
        """Findings of each account at the first run (the accounts still scanned after the first third of
        the runs hold about FINDINGS between them)."""
        self.stops_after = max(1, runs // 3) if accounts > 1 else runs
        """Runs that scan the last account (then it is not scanned any more: stale)."""

    @property
    def stale_after_days(self) -> float:
        """`history.stale_after_days` for the view, the day after the last run: 7, or fewer when there
        are fewer runs, so that the account no longer scanned is stale and no other."""
        return min(7.0, self.runs - self.stops_after + 0.5)

    def started_at(self, run: int) -> str:
        return (FIRST_START + dt.timedelta(days=run)).isoformat()

    def scanned(self, run: int) -> tuple[str, ...]:
        return self.accounts if run < self.stops_after else self.accounts[:-1]

    def batches(self, run: int) -> Iterator[list[Finding]]:
        """The run's findings, BATCH at a time (made before the recorder sees them)."""
        batch: list[Finding] = []
        for account in self.scanned(run):
            for number in range(self.per_account + NEW_PER_RUN * run):
                if (number * 40_503 + run * 7_919) % 100 < MISSING_PERCENT:
                    continue
                batch.append(self._finding(account, number, run))
                if len(batch) == BATCH:
                    yield batch
                    batch = []
        if batch:
            yield batch

    def _finding(self, account: str, number: int, run: int) -> Finding:
        status = base_status(number)
        if (number * 104_729 + run * 15_485_863) % 100 < CHANGING_PERCENT:
            status = OTHER_STATUS[status]
        rule = RULES[number % len(RULES)]
        name = f"resource-{number:08d}"
        return Finding(
            id=finding_id(rule, account, name),
            rule=rule,
            title=f"title of {rule}",
            status=status,
            severity=SEVERITIES[number % len(SEVERITIES)],
            account=account,
            region=REGIONS[number % len(REGIONS)],
            resource=Resource(type="AWS::EC2::SecurityGroup", id=name, arn=f"arn:aws:ec2:::{name}"),
            message=f"{name}: {status.value.lower()} ({rule})",
            evidence={"permissions": [{"port": number % 65_536, "cidr": "0.0.0.0/0"}], "run": run},
        )

    def summary(self, run: int) -> ScanSummary:
        started = self.started_at(run)
        return ScanSummary(
            started_at=started,
            finished_at=started,
            tool=ToolInfo(name="cloudwarden", version="bench"),
            accounts=self.scanned(run),
            regions=REGIONS,
            errors=(),
            stats={},
        )


def record(store: Store, universe: Universe, run: int) -> tuple[float, float, int]:
    """One run recorded: seconds adding the findings, seconds finishing (commit), findings."""
    adding = 0.0
    count = 0
    with store.recorder(command="scan", rules=RULES) as recorder:
        for batch in universe.batches(run):
            start = time.perf_counter()
            for finding in batch:
                recorder.add(finding)
            adding += time.perf_counter() - start
            count += len(batch)
        start = time.perf_counter()
        recorder.finish(universe.summary(run))
        finishing = time.perf_counter() - start
    return adding, finishing, count


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


DIFF_CHILD = """
import resource, sys
from cloudwarden.cli import app
try:
    app(["diff", "--store", sys.argv[1], "--format", "json"])
except SystemExit as stop:
    code = stop.code
finally:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
sys.exit(0 if code in (0, 1) else code)
"""
"""`cloudwarden diff --store URL --format json` in a child process that tells its own peak RSS (KiB) on
standard error: exit 0 or 1 (a new FAIL) is a diff written."""


def diff(url: str) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of `diff --store` over the two latest runs, its output to /dev/null."""
    start = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", DIFF_CHILD, url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if child.returncode != 0:
        raise RuntimeError(f"diff --store failed ({child.returncode}): {child.stderr.strip()}")
    return elapsed, int(child.stderr.strip().splitlines()[-1]) / 1024


def bench(label: str, url: str, universe: Universe, size: Callable[[Store], int]) -> None:
    """Record every run into the store at `url`, then read them back: print the figures."""
    print(label, flush=True)
    totals: list[float] = []
    with open_store(url) as store:
        for run in range(universe.runs):
            adding, finishing, count = record(store, universe, run)
            totals.append(adding + finishing)
            print(
                f"  run {run + 1:>3} {count:>11,} findings  record {adding + finishing:7.2f} s  "
                f"(add {adding:6.2f} s, finish {finishing:6.2f} s)",
                flush=True,
            )
        print(f"  record median         {statistics.median(totals):7.2f} s   slowest {max(totals):7.2f} s")
        now = dt.datetime.fromisoformat(universe.started_at(universe.runs - 1)) + dt.timedelta(days=1)
        wanted = HistoryFilter(now=now, stale_after_days=universe.stale_after_days)
        views: list[HistoryView] = []
        view_time = timed(lambda: views.append(history(store, wanted)))
        view = views[0]
        with open(os.devnull, "wb") as sink:
            json_time = timed(lambda: render_history_json(view, sink))
        terminal_time = timed(lambda: render_history_terminal(view, False))
        stale = [state.account for state in view.accounts if state.stale]
        print(
            f"  history (the view)    {view_time:7.2f} s   over {universe.runs} runs, "
            f"{len(stale)} stale account(s)"
        )
        print(f"  history json          {json_time:7.2f} s   to /dev/null, {view.open_fails:,} open FAILs")
        print(f"  history terminal      {terminal_time:7.2f} s")
        diff_time, diff_rss = diff(url)
        print(f"  diff --store          {diff_time:7.2f} s   peak RSS {diff_rss:6.0f} MiB (its process)")
        print(f"  store on disk         {size(store) / 2**20:7,.0f} MiB")
    print(f"  peak RSS              {peak_rss_mib():7.0f} MiB (this process, so far)", flush=True)


def sqlite_size(path: Path) -> Callable[[Store], int]:
    """The store's file and its write-ahead log."""

    def size(_: Store) -> int:
        return sum(file.stat().st_size for file in path.parent.glob(path.name + "*"))

    return size


def postgresql_size(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one())


@contextlib.contextmanager
def postgresql_server() -> Iterator[str | None]:
    """A throwaway server as `tests/pg.py` starts one, and a database on it; None without binaries."""
    binaries = _binaries()
    if binaries is None:
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="cloudwarden-bench-postgres-"))
    user = "postgres" if os.geteuid() == 0 else None
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    data, log, port = root / "data", root / "server.log", _free_port()
    server: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            [binaries / "initdb", "-D", data, "-A", "trust", "-U", "cloudwarden", "-E", "UTF8", "--no-sync"],
            check=True,
            capture_output=True,
            user=user,
        )
        with log.open("wb") as output:
            server = subprocess.Popen(
                [
                    *(str(binaries / "postgres"), "-D", str(data), "-p", str(port), "-k", str(root)),
                    *("-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"),
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
                user=user,
            )
        _wait_until_ready(server, f"host=127.0.0.1 port={port} user=cloudwarden dbname=postgres", log)
        yield f"postgresql://cloudwarden@127.0.0.1:{port}/postgres"
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("runs", nargs="?", type=int, default=30, help="runs recorded (default 30)")
    parser.add_argument(
        "findings", nargs="?", type=int, default=1_000_000, help="findings per run (default 1,000,000)"
    )
    parser.add_argument("--accounts", type=int, default=10, help="accounts scanned (default 10)")
    parser.add_argument(
        "--database", choices=("sqlite", "postgresql"), action="append", help="only this one (repeatable)"
    )
    arguments = parser.parse_args()
    universe = Universe(max(2, arguments.runs), max(1, arguments.findings), max(1, arguments.accounts))
    databases = arguments.database or ["sqlite", "postgresql"]
    print(
        f"{universe.runs} runs of ~{arguments.findings:,} findings, {len(universe.accounts)} accounts, "
        f"{len(RULES)} rules; the last account scanned by the first {universe.stops_after} runs only",
        flush=True,
    )
    if "sqlite" in databases:
        with tempfile.TemporaryDirectory(prefix="cloudwarden-bench-history-") as scratch:
            path = Path(scratch) / "history.db"
            bench("sqlite", f"sqlite:///{path}", universe, sqlite_size(path))
    if "postgresql" in databases:
        with postgresql_server() as url:
            if url is None:
                print(
                    "postgresql: skipped: no server binaries (initdb, postgres) in PATH or "
                    "/usr/lib/postgresql/*/bin"
                )
            else:
                bench("postgresql", url, universe, postgresql_size)
    print(
        "target              a run of a million findings recorded in seconds, not minutes "
        "(median record < 60 s)"
    )


if __name__ == "__main__":
    main()
