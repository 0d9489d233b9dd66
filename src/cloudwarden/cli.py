"""The command line (see the README and the contract for commands, flags and exit codes)."""

from __future__ import annotations

import datetime as dt
import enum
import importlib.util
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated, BinaryIO

import msgspec
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from cloudwarden import __version__
from cloudwarden.collect import CollectOptions, ScanAborted, collect
from cloudwarden.config import Config, ConfigError, is_account_id, load_config
from cloudwarden.demo import DEMO_REGIONS, demo_config
from cloudwarden.engine import Evaluation
from cloudwarden.files import check_writable, written_whole
from cloudwarden.findings import Finding, Report, ScanSummary, Severity, Status
from cloudwarden.inputs import InputError, read_text
from cloudwarden.interrupt import (
    Interrupted,
    leave,
    raise_on_stopping_signals,
    signals_blocked_in_new_threads,
)
from cloudwarden.permissions import required_actions
from cloudwarden.report import STREAMED, Format, open_stream, render
from cloudwarden.report.diff import (
    ReportFileError,
    compare,
    load_report,
    render_diff_json,
    render_diff_terminal,
)
from cloudwarden.report.stream import ReportStream, ScanHeader
from cloudwarden.rules import CONTRACT_RULE_IDS, MANUAL_RULE_IDS, RULES, RULES_BY_ID, Rule
from cloudwarden.semantics.dns import parse_ip_ranges
from cloudwarden.snapshot import Snapshot, SnapshotError, dump_snapshot, load_snapshot

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_CANNOT_SCAN = 3

_PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN")
"""Removed from the environment while the demo scans its emulator, so no real profile is read."""

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Audit AWS accounts against Mozilla's AWS Security guidelines.",
)


class UsageProblem(Exception):
    """Bad usage, configuration or input: exit 2 with the message."""


class RulesFormat(enum.StrEnum):
    TERMINAL = "terminal"
    JSON = "json"
    MARKDOWN = "markdown"


ConfigOption = Annotated[Path | None, typer.Option("--config", help="YAML configuration file.")]
RegionOption = Annotated[
    list[str] | None, typer.Option("--region", help="Region to scan (repeatable); default: all enabled.")
]
ProfileOption = Annotated[str | None, typer.Option("--profile", help="AWS profile to use.")]
RuleOption = Annotated[list[str] | None, typer.Option("--rule", help="Only this rule (repeatable).")]
FormatOption = Annotated[
    list[Format] | None, typer.Option("--format", help="Report format (repeatable); default terminal.")
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", help="Report file, or a directory with several formats.")
]
AccountOption = Annotated[
    list[str] | None,
    typer.Option("--account", help="Also scan this account, through AssumeRole (repeatable)."),
]
OrgOption = Annotated[
    bool, typer.Option("--org", help="Scan every active account of the AWS Organization, through AssumeRole.")
]
ClusterOption = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        help="Collect the accounts on this Dask scheduler's workers (tcp://host:8786); "
        "needs cloudwarden[distributed].",
    ),
]
LiveOption = Annotated[
    bool, typer.Option("--live", help="Probe Route53 targets with live DNS and HTTP checks (opt-in).")
]
FailOnOption = Annotated[
    Severity, typer.Option("--fail-on", help="Exit 1 only for FAILs at or above this severity.")
]


# --- plumbing ---------------------------------------------------------------------------------------


def _select_rules(rule_ids: Sequence[str] | None) -> tuple[Rule, ...]:
    if not rule_ids:
        return RULES
    pending = [rule_id for rule_id in rule_ids if rule_id in CONTRACT_RULE_IDS - RULES_BY_ID.keys()]
    if pending:
        raise UsageProblem(f"rule(s) not available in this version yet: {', '.join(pending)}")
    unknown = [rule_id for rule_id in rule_ids if rule_id not in RULES_BY_ID]
    if unknown:
        raise UsageProblem(
            f"unknown rule id(s): {', '.join(unknown)} (see `cloudwarden rules` for the available rules)"
        )
    return tuple(rule for rule in RULES if rule.id in rule_ids)


def _load_config(path: Path | None) -> Config:
    try:
        return load_config(path, CONTRACT_RULE_IDS, manual_rules=MANUAL_RULE_IDS)
    except ConfigError as error:
        raise UsageProblem(str(error)) from error


def _report(
    snapshot: Snapshot,
    settings: Config,
    rules: Sequence[Rule],
    targets: dict[Format, Path | None],
    fail_on: Severity,
) -> int:
    """Evaluate `snapshot`, write the reports to `targets` (from `_targets`), and give the exit code.

    JSON, CSV, OCSF, ASFF and SARIF are streamed: findings go out as they are made and the whole
    report is never in memory (only the snapshot and a batch of findings are), for any number of
    them written to files, or one to standard output. The other formats need the whole report first.
    """
    evaluation = Evaluation(snapshot, settings, rules)
    header = ScanHeader(snapshot.scan.started_at, snapshot.scan.finished_at, __version__)
    to_files = None not in targets.values()
    if targets.keys() <= STREAMED and (to_files or len(targets) == 1):
        return _stream(evaluation, header, rules, targets, fail_on)
    report = Report(findings=tuple(evaluation), scan=evaluation.summary())
    color = not to_files and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    for output_format, path in targets.items():
        if path is None:
            with _standard_output():
                sys.stdout.write(render(report, output_format, rules, color=color))
            continue
        with _atomic(path) as target:
            if output_format in STREAMED:
                stream = open_stream(output_format, target, header, rules, spool_dir=path.parent)
                for finding in report.findings:
                    stream.add(finding)
                stream.finish(report.scan)
            else:
                target.write(render(report, output_format, rules).encode())
    tally = _Tally(fail_on)
    tally.count(report.findings)
    return _exit_code(tally, report.scan)


def _stream(
    evaluation: Evaluation,
    header: ScanHeader,
    rules: Sequence[Rule],
    targets: dict[Format, Path | None],
    fail_on: Severity,
) -> int:
    """Every report written as the findings are made, in one pass over the evaluation."""
    tally = _Tally(fail_on)
    streams: list[ReportStream] = []
    with ExitStack() as files:
        try:
            for output_format, path in targets.items():
                if path is None:
                    files.enter_context(_standard_output())
                    target: BinaryIO = sys.stdout.buffer
                else:
                    target = files.enter_context(_atomic(path))
                spool = None if path is None else path.parent
                streams.append(open_stream(output_format, target, header, rules, spool_dir=spool))
            for finding in tally.watch(evaluation):
                for stream in streams:
                    stream.add(finding)
            summary = evaluation.summary()
            for stream in streams:
                stream.finish(summary)
        finally:
            for stream in streams:
                stream.close()
    return _exit_code(tally, summary)


def _targets(formats: Sequence[Format] | None, output: Path | None) -> dict[Format, Path | None]:
    """Where each format goes: standard output, the `--output` file, or a file in the `--output`
    directory (created here). Worked out before any AWS call, so that an output that cannot be
    written fails at once, not after the whole collection."""
    chosen = list(dict.fromkeys(formats or [Format.TERMINAL]))
    if output is None:
        return dict.fromkeys(chosen)
    if output.is_symlink():  # a file or a directory: nothing is written through a link
        raise UsageProblem(f"cannot write {output}: it is a symbolic link, not a regular file")
    if len(chosen) == 1 and not output.is_dir():
        return {chosen[0]: _writable(output)}
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageProblem(f"cannot create the directory {output}: {error.strerror}") from error
    return {fmt: _writable(output / f"cloudwarden.{fmt.extension}") for fmt in chosen}


def _writable(path: Path) -> Path:
    """`path`, checked to be a file that can be written whole (`check_writable`)."""
    try:
        check_writable(path)
    except OSError as error:
        raise UsageProblem(f"cannot write {path}: {error.strerror}") from error
    return path


@contextmanager
def _atomic(path: Path) -> Iterator[BinaryIO]:
    """A report file written whole or not at all (`written_whole`), its failures a usage problem."""
    try:
        with written_whole(path) as target:
            yield target
    except OSError as error:
        raise UsageProblem(f"cannot write {path}: {error.strerror}") from error


@contextmanager
def _standard_output() -> Iterator[None]:
    """A block that writes to standard output: a closed pipe (`| head`) or a full disk there is a
    report that could not be written (exit 2), not an internal error."""
    try:
        sys.stdout.flush()
        yield
        sys.stdout.flush()
    except OSError as error:
        _discard_standard_output()
        raise UsageProblem(f"cannot write to standard output: {error.strerror}") from error


def _discard_standard_output() -> None:
    """Point standard output at /dev/null, so that what is still buffered for it cannot fail once more
    when Python flushes it on exit ("Exception ignored ... BrokenPipeError")."""
    try:
        descriptor = sys.stdout.fileno()
    except (OSError, ValueError):  # not a file (a test's capture): nothing of it is flushed on exit
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)


class _Tally:
    """Notes, as findings stream past, what decides the exit code: whether one FAIL is at or above
    `--fail-on`, and how many findings could not be judged (UNKNOWN for a failed read, an unreachable
    account or a rule error)."""

    def __init__(self, fail_on: Severity) -> None:
        self.fail_on = fail_on
        self.failing = False
        self.not_judged = 0

    def watch(self, findings: Iterable[Finding]) -> Iterator[Finding]:
        for finding in findings:
            if finding.status is Status.UNKNOWN:
                cause = finding.unknown_cause
                self.not_judged += cause is msgspec.UNSET or cause.not_judged
            elif not self.failing and _fails(finding, self.fail_on):
                self.failing = True
            yield finding

    def count(self, findings: Iterable[Finding]) -> None:
        for _finding in self.watch(findings):
            pass


def _fails(finding: Finding, fail_on: Severity) -> bool:
    return finding.status is Status.FAIL and finding.severity.rank >= fail_on.rank


def _exit_code(tally: _Tally, scan: ScanSummary) -> int:
    """1 for a FAIL at or above `--fail-on`; else 3 when part of the scan could not be judged (an
    account not entered, a failed read, no account at all), so that it is never a green run; else 0."""
    if tally.failing:
        return EXIT_FAILED
    if not scan.accounts:
        sys.stderr.write("cloudwarden: nothing was judged: the scan holds no account\n")
        return EXIT_CANNOT_SCAN
    if scan.unreachable_accounts:
        return EXIT_CANNOT_SCAN
    if tally.not_judged:
        sys.stderr.write(
            f"cloudwarden: {tally.not_judged} finding(s) could not be judged (UNKNOWN after a failed "
            "call or a rule error): exit 3\n"
        )
        return EXIT_CANNOT_SCAN
    return EXIT_OK


class _RichProgress:
    """Live collection progress on standard error (only when it is a terminal)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}
        self._lock = threading.Lock()

    def step(self, name: str, total: int | None) -> None:
        with self._lock:
            task = self._tasks.get(name)
            if task is None:
                self._tasks[name] = self._progress.add_task(name, total=total)
            else:
                self._progress.update(task, total=total)

    def advance(self, name: str) -> None:
        self._progress.advance(self._tasks[name])

    def done(self, name: str) -> None:
        task = self._tasks[name]
        total = self._progress.tasks[task].total or 1
        self._progress.update(task, total=total, completed=total)

    def status(self, name: str, text: str) -> None:
        self._progress.update(self._tasks[name], description=f"{name} {text}")


class _LogProgress:
    """Progress of a cluster scan as plain lines on standard error, for logs (not a terminal).

    Only the coordinator's account tally is logged, at most every `LOG_INTERVAL` seconds and when
    it ends: a local scan's steps are too fine-grained for a log.
    """

    LOG_INTERVAL = 30.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._totals: dict[str, int] = {}
        self._done: dict[str, int] = {}
        self._last = 0.0

    def step(self, name: str, total: int | None) -> None:
        with self._lock:
            self._totals[name] = total or 0
            self._done[name] = 0

    def advance(self, name: str) -> None:
        with self._lock:
            self._done[name] = self._done.get(name, 0) + 1

    def done(self, name: str) -> None:
        pass

    def status(self, name: str, text: str) -> None:
        now = time.monotonic()
        with self._lock:
            finished = self._done.get(name, 0) >= self._totals.get(name, 0)
            if not finished and now - self._last < self.LOG_INTERVAL:
                return
            self._last = now
            line = f"cloudwarden: {name} {self._done.get(name, 0)}/{self._totals.get(name, 0)} done {text}"
        print(line, file=sys.stderr, flush=True)


@contextmanager
def _progress() -> Iterator[_RichProgress | _LogProgress]:
    console = Console(stderr=True, highlight=False)
    if not console.is_terminal:
        yield _LogProgress()
        return
    progress = Progress(
        TextColumn("collecting [bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with signals_blocked_in_new_threads():  # the display's refresh thread leaves Ctrl-C to the main one
        progress.start()
    try:
        yield _RichProgress(progress)
    finally:
        progress.stop()


def _aws_ranges(settings: Config) -> tuple[str, ...] | None:
    """AWS's address ranges from route53.aws_ip_ranges_file, read before any AWS call."""
    path = settings.route53.aws_ip_ranges_file
    if path is None:
        return None
    try:
        return parse_ip_ranges(read_text(Path(path), "route53.aws_ip_ranges_file"))
    except InputError as error:
        raise UsageProblem(str(error)) from error
    except (ValueError, KeyError, TypeError) as error:
        raise UsageProblem(
            f"route53.aws_ip_ranges_file {path} is not AWS's ip-ranges.json format: {error}"
        ) from error


def _collect(
    profile: str | None,
    regions: Sequence[str] | None,
    settings: Config,
    live: bool = False,
    accounts: Sequence[str] | None = None,
    organization: bool = False,
    cluster: str | None = None,
) -> Snapshot:
    bad = [account for account in accounts or () if not is_account_id(account)]
    if bad:
        raise UsageProblem(f"--account: {', '.join(bad)} is not a 12-digit AWS account id")
    cluster = cluster or settings.execution.cluster
    if cluster and importlib.util.find_spec("distributed") is None:
        raise UsageProblem(
            f"scanning on the cluster {cluster} needs Dask: pip install 'cloudwarden[distributed]'"
        )
    options = CollectOptions(
        profile=profile,
        regions=tuple(regions or ()),
        trusted_accounts=settings.cloudtrail.trusted_accounts,
        dns_trusted_accounts=settings.route53.trusted_accounts,
        aws_ranges=_aws_ranges(settings),
        live=live or settings.route53.live_checks,
        nameservers=settings.route53.nameservers,
        accounts=(*settings.accounts.ids, *(accounts or ())),
        organization=organization or settings.accounts.organization,
        exclude=settings.accounts.exclude,
        role_name=settings.accounts.role_name,
        external_id=settings.accounts.external_id,
        max_parallel_accounts=settings.accounts.max_parallel,
        cluster=cluster,
    )
    with _progress() as progress:
        return collect(options, progress)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _guarded(action: Callable[[], int]) -> int:
    """Run a command body, mapping known problems to exit codes with one clear line."""
    try:
        result = action()
    except UsageProblem as error:
        sys.stderr.write(f"cloudwarden: error: {_one_line(str(error))}\n")
        return EXIT_USAGE
    except ScanAborted as error:
        sys.stderr.write(f"cloudwarden: cannot scan: {_one_line(str(error))}\n")
        return EXIT_CANNOT_SCAN
    except Exception as error:
        sys.stderr.write(f"cloudwarden: internal error: {type(error).__name__}: {_one_line(str(error))}\n")
        return EXIT_CANNOT_SCAN
    return result


# --- commands ---------------------------------------------------------------------------------------


@app.command()
def scan(
    config: ConfigOption = None,
    region: RegionOption = None,
    profile: ProfileOption = None,
    account: AccountOption = None,
    org: OrgOption = False,
    cluster: ClusterOption = None,
    live: LiveOption = False,
    rule: RuleOption = None,
    output_format: FormatOption = None,
    output: OutputOption = None,
    fail_on: FailOnOption = Severity.INFO,
) -> None:
    """Collect from AWS and evaluate (collect + evaluate)."""

    def body() -> int:
        settings = _load_config(config)
        rules = _select_rules(rule)
        targets = _targets(output_format, output)
        snapshot = _collect(profile, region, settings, live, account, org, cluster)
        return _report(snapshot, settings, rules, targets, fail_on)

    raise typer.Exit(_guarded(body))


@app.command("collect")
def collect_command(
    output: Annotated[Path, typer.Option("--output", help="Where to write the snapshot (JSON).")],
    config: ConfigOption = None,
    region: RegionOption = None,
    profile: ProfileOption = None,
    account: AccountOption = None,
    org: OrgOption = False,
    cluster: ClusterOption = None,
    live: LiveOption = False,
) -> None:
    """Collect from AWS into a snapshot file, for `evaluate` later (offline)."""

    def body() -> int:
        settings = _load_config(config)
        _writable(output)
        snapshot = _collect(profile, region, settings, live, account, org, cluster)
        try:
            dump_snapshot(snapshot, output)
        except OSError as error:
            raise UsageProblem(f"cannot write {output}: {error.strerror}") from error
        return EXIT_OK

    raise typer.Exit(_guarded(body))


@app.command("evaluate")
def evaluate_command(
    snapshot_path: Annotated[
        Path, typer.Argument(metavar="SNAPSHOT.json", help="A snapshot from `collect`.")
    ],
    config: ConfigOption = None,
    rule: RuleOption = None,
    output_format: FormatOption = None,
    output: OutputOption = None,
    fail_on: FailOnOption = Severity.INFO,
) -> None:
    """Evaluate a saved snapshot; no network call."""

    def body() -> int:
        settings = _load_config(config)
        rules = _select_rules(rule)
        targets = _targets(output_format, output)
        try:
            snapshot = load_snapshot(snapshot_path)
        except SnapshotError as error:
            raise UsageProblem(str(error)) from error
        return _report(snapshot, settings, rules, targets, fail_on)

    raise typer.Exit(_guarded(body))


class DiffFormat(enum.StrEnum):
    TERMINAL = "terminal"
    JSON = "json"


@app.command("diff")
def diff_command(
    old: Annotated[Path, typer.Argument(metavar="OLD.json", help="The earlier report (--format json).")],
    new: Annotated[Path, typer.Argument(metavar="NEW.json", help="The later report (--format json).")],
    output_format: Annotated[DiffFormat, typer.Option("--format")] = DiffFormat.TERMINAL,
) -> None:
    """Compare two JSON reports by finding id: new, resolved, changed, unchanged; exit 1 on a new FAIL."""

    def body() -> int:
        try:
            changes = compare(load_report(old), load_report(new))
        except ReportFileError as error:
            raise UsageProblem(str(error)) from error
        with _standard_output():
            if output_format is DiffFormat.JSON:
                sys.stdout.write(render_diff_json(changes))
            else:
                color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
                sys.stdout.write(render_diff_terminal(changes, color))
        return EXIT_FAILED if changes.new_fails else EXIT_OK

    raise typer.Exit(_guarded(body))


@app.command()
def demo(output_format: FormatOption = None, output: OutputOption = None) -> None:
    """Scan an embedded AWS emulator seeded with a sample organisation: no AWS account needed."""

    def body() -> int:
        from cloudwarden_emulator import Emulator
        from cloudwarden_emulator.seed import seed_demo

        settings = demo_config(dt.datetime.now(dt.UTC).date())
        targets = _targets(output_format, output)
        sys.stderr.write("starting the embedded AWS emulator on 127.0.0.1 ...\n")
        with Emulator() as emulator:
            seed_demo(emulator)
            saved = dict(os.environ)
            # The emulator's environment is complete: nothing of the user's AWS settings may leak in
            # (a service-specific endpoint variable would send calls to real AWS).
            os.environ.clear()
            os.environ.update(emulator.env())
            for name in _PROFILE_VARIABLES:
                os.environ.pop(name, None)
            try:
                snapshot = _collect(None, DEMO_REGIONS, settings)
            finally:
                os.environ.clear()
                os.environ.update(saved)
        _report(snapshot, settings, RULES, targets, Severity.INFO)
        return EXIT_OK

    raise typer.Exit(_guarded(body))


@app.command("rules")
def rules_command(
    output_format: Annotated[RulesFormat, typer.Option("--format")] = RulesFormat.TERMINAL,
) -> None:
    """List the rules: guideline, severity, rationale, remediation, permissions."""
    entries = [
        {
            "id": rule.id,
            "section": rule.section,
            "guideline": rule.guideline,
            "audited_upstream": rule.audited_upstream,
            "severity": rule.severity.value,
            "resource_type": rule.resource_type,
            "rationale": rule.rationale,
            "remediation": rule.remediation,
            "permissions": list(rule.permissions),
        }
        for rule in RULES
    ]
    if output_format is RulesFormat.JSON:
        sys.stdout.write(json.dumps(entries, indent=2) + "\n")
    elif output_format is RulesFormat.MARKDOWN:
        lines = ["| rule id | guideline | audited upstream | severity | resource |", "|---|---|---|---|---|"]
        lines += [
            f"| `{e['id']}` | {e['section']}: {e['guideline']} | {'yes' if e['audited_upstream'] else 'no'} "
            f"| {e['severity']} | {e['resource_type']} |"
            for e in entries
        ]
        sys.stdout.write("\n".join(lines) + "\n")
    else:
        console = Console(highlight=False)
        for entry in entries:
            console.print(f"[bold]{entry['id']}[/bold]  ({entry['severity']})", highlight=False)
            console.print(f"  {entry['section']}: {entry['guideline']}", markup=False)
            console.print(f"  why: {entry['rationale']}", markup=False)
            console.print(f"  fix: {entry['remediation']}", markup=False)


@app.command()
def permissions() -> None:
    """Print the least-privilege IAM policy the scanner needs."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "CloudwardenReadOnly", "Effect": "Allow", "Action": required_actions(), "Resource": "*"}
        ],
    }
    sys.stdout.write(json.dumps(policy, indent=2) + "\n")


def _version_callback(value: bool) -> None:
    if value:
        sys.stdout.write(f"cloudwarden {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Audit AWS accounts against Mozilla's AWS Security guidelines."""


def main() -> None:
    """The console script: the app, stopped promptly by SIGINT, SIGTERM or SIGHUP (see `interrupt`)."""
    raise_on_stopping_signals()
    try:
        app()
    except Interrupted as stop:
        leave(stop)
