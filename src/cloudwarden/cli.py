"""The command line (see docs/usage.md and the contract for commands, flags and exit codes)."""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import importlib.util
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cloudwarden import __version__
from cloudwarden.collect import CollectOptions, ScanAborted, collect
from cloudwarden.compliance import CATALOGUE
from cloudwarden.config import Config, ConfigError, is_account_id, load_config
from cloudwarden.demo import DemoScan, DemoUnavailable, demo_config
from cloudwarden.engine import Evaluation
from cloudwarden.files import written_whole
from cloudwarden.findings import Finding, Report, ScanSummary, Severity
from cloudwarden.fix.command import (
    FixProblem,
    confirm,
    default_journal,
    fix_actions,
    fix_docs,
    new_journal,
    pending_rollbacks,
    reserved,
    run_apply,
    run_rollback,
)
from cloudwarden.fix.plan import Plan, Selection, plan_fixes
from cloudwarden.fix.render import RENDERERS, PlanFormat
from cloudwarden.history.errors import RecordError, StoreError
from cloudwarden.history.view import HistoryFilter, HistoryView
from cloudwarden.iac.build import build
from cloudwarden.iac.findings import live_key, live_status
from cloudwarden.iac.sources import read_documents
from cloudwarden.inputs import InputError
from cloudwarden.interrupt import Interrupted, leave, raise_on_stopping_signals
from cloudwarden.outcome import EXIT_CANNOT_SCAN, EXIT_FAILED, EXIT_OK, EXIT_USAGE, Tally, exit_code
from cloudwarden.permissions import required_actions
from cloudwarden.progress import progress_display
from cloudwarden.report import Format
from cloudwarden.report.diff import (
    ReportFileError,
    compare,
    load_report,
    render_diff_json,
    render_diff_terminal,
)
from cloudwarden.report.framework import (
    UnknownFramework,
    framework_of,
    framework_view,
    render_framework_rules_json,
    render_framework_rules_markdown,
    render_framework_rules_terminal,
)
from cloudwarden.report.history import history_html_chunks, render_history_json, render_history_terminal
from cloudwarden.report.reference import render_rules_json, render_rules_markdown, render_rules_terminal
from cloudwarden.report.stream import ScanHeader
from cloudwarden.report.writing import (
    Evaluated,
    OutputError,
    Targets,
    report_targets,
    standard_output,
    writable,
    write_framework_view,
    write_reports,
)
from cloudwarden.rules import MANUAL_RULE_IDS, RULE_IDS, RULES, RULES_BY_ID, Rule, collections_needed
from cloudwarden.snapshot import Snapshot, SnapshotError, dump_snapshot, load_snapshot

if TYPE_CHECKING:
    from cloudwarden.history.record import Recorder
    from cloudwarden.history.store import Store

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Audit AWS accounts against Mozilla's AWS Security guidelines.",
)


class UsageProblem(Exception):
    """Bad usage, configuration or input: exit 2 with the message."""


class NotRecorded(Exception):
    """The run was judged and reported, but could not be recorded in the store (nothing of it was
    kept): exit 3, the run did not do all it was asked."""


STORE_VARIABLE = "CLOUDWARDEN_STORE"
"""The store URL when `--store` is not given; it overrides the configuration's `history.store`."""


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
FrameworkOption = Annotated[
    str | None,
    typer.Option(
        "--framework",
        metavar="ID",
        help=f"Report per control of this compliance framework ({', '.join(CATALOGUE.frameworks)}); "
        "terminal, json and html formats.",
    ),
]

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        metavar="URL",
        help=f"Record the run in this scan history (sqlite:///path.db, postgresql://user@host/db); "
        f"default: ${STORE_VARIABLE}, then history.store.",
    ),
]

FRAMEWORK_FORMATS = (Format.TERMINAL, Format.JSON, Format.HTML)
"""The formats of the framework view; the others are one entry per finding, with no place for a control."""


def _debug_requested(context: typer.Context, value: bool) -> bool:
    """`--debug` after the command's name, or before it (the app's own option)."""
    before = context.parent is not None and context.parent.params.get("debug") is True
    return value or before


_DEBUG_HELP = "Print the traceback of an internal error."
DebugOption = Annotated[bool, typer.Option("--debug", callback=_debug_requested, help=_DEBUG_HELP)]
"""Every command takes it, and passes it to `_guarded` (the contract: `cloudwarden <any command> --debug`)."""


# --- plumbing ---------------------------------------------------------------------------------------


def _select_rules(rule_ids: Sequence[str] | None) -> tuple[Rule, ...]:
    if not rule_ids:
        return RULES
    unknown = [rule_id for rule_id in rule_ids if rule_id not in RULES_BY_ID]
    if unknown:
        raise UsageProblem(
            f"unknown rule id(s): {', '.join(unknown)} (see `cloudwarden rules` for the available rules)"
        )
    return tuple(rule for rule in RULES if rule.id in rule_ids)


def _load_config(path: Path | None) -> Config:
    try:
        return load_config(path, RULE_IDS, manual_rules=MANUAL_RULE_IDS)
    except ConfigError as error:
        raise UsageProblem(str(error)) from error


def _check_framework(framework: str | None, formats: Sequence[Format] | None) -> None:
    """A known framework and formats that can show it, checked before any output or AWS call."""
    if framework is None:
        return
    try:
        framework_of(framework)
    except UnknownFramework as error:
        raise UsageProblem(str(error)) from error
    others = [fmt.value for fmt in dict.fromkeys(formats or ()) if fmt not in FRAMEWORK_FORMATS]
    if others:
        raise UsageProblem(
            f"--framework: the framework view exists in terminal, json and html only, not in "
            f"{', '.join(others)} (their findings carry their controls without --framework)"
        )


def _report(
    snapshot: Snapshot,
    settings: Config,
    rules: Sequence[Rule],
    targets: Targets,
    fail_on: Severity,
    framework: str | None = None,
    *,
    prepare: Callable[[Finding], Finding | None] | None = None,
    warnings: Sequence[str] = (),
    store: Store | None = None,
    command: str = "scan",
) -> int:
    """Evaluate `snapshot`, write the reports to `targets` (`report_targets`), per control of
    `framework` when one is given, and give the exit code (the same with or without a framework).
    `prepare` and `warnings` are the engine's (`iac` points findings at the code). With a `store`, the
    run is recorded as `command` from the same stream of findings, and committed after the reports
    (`_Recorded`): the exit code is the same, unless recording failed (NotRecorded)."""
    evaluation = Evaluation(snapshot, settings, rules, prepare=prepare, warnings=warnings)
    header = ScanHeader(snapshot.scan.started_at, snapshot.scan.finished_at, __version__)
    if store is None:
        return _judge(evaluation, header, rules, targets, fail_on, framework)
    try:
        with store.recorder(command=command, rules=[rule.id for rule in rules]) as recorder:
            recorded = _Recorded(evaluation, recorder)
            code = _judge(recorded, header, rules, targets, fail_on, framework)
            recorded.commit()
    except RecordError as error:
        raise NotRecorded(str(error)) from error
    return code


def _judge(
    evaluation: Evaluated,
    header: ScanHeader,
    rules: Sequence[Rule],
    targets: Targets,
    fail_on: Severity,
    framework: str | None,
) -> int:
    """The reports of `evaluation` (or its framework view) written, and the run's exit code."""
    tally = Tally(fail_on)
    if framework is not None:
        findings = tuple(tally.watch(evaluation))
        summary = evaluation.summary()
        write_framework_view(
            framework_view(findings, [rule.id for rule in rules], framework), summary, targets
        )
        return exit_code(tally, summary)
    summary = write_reports(evaluation, header, rules, targets, tally)
    return exit_code(tally, summary)


class _Recorded:
    """The evaluation as the reports read it, each finding handed to the recorder on the way: one
    stream, never the whole run in memory. A database that fails mid-run does not cut the reports
    short: the recorder has rolled back, the rest of the findings go to the reports alone, and
    `commit` says it (the run exits 3, its reports whole)."""

    def __init__(self, evaluation: Evaluation, recorder: Recorder) -> None:
        self._evaluation = evaluation
        self._recorder = recorder
        self._failure: RecordError | None = None

    def __iter__(self) -> Iterator[Finding]:
        for finding in self._evaluation:
            if self._failure is None:
                try:
                    self._recorder.add(finding)
                except RecordError as error:
                    self._failure = error
            yield finding

    def summary(self) -> ScanSummary:
        return self._evaluation.summary()

    def commit(self) -> None:
        """The run recorded in one transaction, after its last finding and its summary; or the error
        that stopped it (raised inside the recorder's block, which then keeps nothing)."""
        if self._failure is not None:
            raise self._failure
        self._recorder.finish(self._evaluation.summary())


def _store_url(given: str | None, settings: Config | None) -> str | None:
    """The store to record in: `--store`, else $CLOUDWARDEN_STORE, else `history.store`; None: none."""
    configured = settings.history.store if settings is not None else None
    if given is not None and not given.strip():
        raise UsageProblem("--store: empty (a CI variable unset?): give a store URL, or no --store")
    variable = os.environ.get(STORE_VARIABLE)
    if given is None and variable is not None and not variable.strip():
        raise UsageProblem(f"${STORE_VARIABLE} is set but empty: give a store URL, or unset it")
    return given or variable or configured


@contextlib.contextmanager
def _opened_store(url: str | None, *, read_only: bool = False) -> Iterator[Store | None]:
    """The store at `url` opened, its schema created or upgraded (never, `read_only`), before any AWS
    call or input file is read: a bad URL, an unreachable server or a store of a newer schema is exit 2
    at once."""
    if url is None:
        yield None
        return
    from cloudwarden.history.store import open_store  # the database code, only when a store is used

    try:
        store = open_store(url, read_only=read_only)
    except StoreError as error:
        raise UsageProblem(str(error)) from error
    with store:
        yield store


@contextlib.contextmanager
def _reading_store(url: str) -> Iterator[Store]:
    """The existing store at `url`, read only (`history`, `diff --store`)."""
    with _opened_store(_existing_store(url), read_only=True) as opened:
        if opened is None:  # pragma: no cover - a URL was given
            raise UsageProblem("no store given")
        yield opened


def _collect(
    profile: str | None,
    regions: Sequence[str] | None,
    settings: Config,
    live: bool = False,
    accounts: Sequence[str] | None = None,
    organization: bool = False,
    cluster: str | None = None,
    rules: Sequence[Rule] = RULES,
) -> Snapshot:
    """Collect what `rules` read, with the command line's options over the configuration's."""
    bad = [account for account in accounts or () if not is_account_id(account)]
    if bad:
        raise UsageProblem(f"--account: {', '.join(bad)} is not a 12-digit AWS account id")
    cluster = cluster or settings.execution.cluster
    if cluster and importlib.util.find_spec("distributed") is None:
        raise UsageProblem(
            f"scanning on the cluster {cluster} needs Dask: pip install 'cloudwarden[distributed]'"
        )
    options = CollectOptions.from_config(  # an unreadable ip-ranges file is an InputError: exit 2
        settings,
        profile=profile,
        regions=regions or (),
        live=live,
        accounts=accounts or (),
        organization=organization,
        cluster=cluster,
        collections=collections_needed(rules),
    )
    with progress_display() as progress:
        return collect(options, progress)


def _one_line(message: str) -> str:
    return " ".join(message.split())


_USAGE_PROBLEMS = (UsageProblem, OutputError, DemoUnavailable, InputError, FixProblem)
"""Exit 2 with their message: bad usage, an output that cannot be written, a missing extra, an input
file that cannot be read."""


def _guarded(action: Callable[[], int], debug: bool) -> int:
    """Run a command body, mapping known problems to exit codes with one clear line. An unexpected
    error is one line too, unless `debug` asks for its traceback."""
    try:
        result = action()
    except _USAGE_PROBLEMS as error:
        sys.stderr.write(f"cloudwarden: error: {_one_line(str(error))}\n")
        return EXIT_USAGE
    except ScanAborted as error:
        sys.stderr.write(f"cloudwarden: cannot scan: {_one_line(str(error))}\n")
        return EXIT_CANNOT_SCAN
    except NotRecorded as error:
        sys.stderr.write(f"cloudwarden: not recorded: {_one_line(str(error))}\n")
        return EXIT_CANNOT_SCAN
    except StoreError as error:  # reading a store that stopped answering (`history`, `diff --store`)
        sys.stderr.write(f"cloudwarden: store error: {_one_line(str(error))}\n")
        return EXIT_CANNOT_SCAN
    except Exception as error:
        summary = f"cloudwarden: internal error: {type(error).__name__}: {_one_line(str(error))}"
        if debug:
            traceback.print_exception(error, file=sys.stderr)
            sys.stderr.write(f"{summary}\n")
        else:
            sys.stderr.write(f"{summary} (run again with --debug for the traceback)\n")
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
    framework: FrameworkOption = None,
    store: StoreOption = None,
    debug: DebugOption = False,
) -> None:
    """Collect from AWS and evaluate (collect + evaluate)."""

    def body() -> int:
        settings = _load_config(config)
        rules = _select_rules(rule)
        _check_framework(framework, output_format)
        targets = report_targets(output_format, output)
        with _opened_store(_store_url(store, settings)) as history_store:
            snapshot = _collect(profile, region, settings, live, account, org, cluster, rules)
            return _report(
                snapshot, settings, rules, targets, fail_on, framework, store=history_store, command="scan"
            )

    raise typer.Exit(_guarded(body, debug))


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
    debug: DebugOption = False,
) -> None:
    """Collect from AWS into a snapshot file, for `evaluate` later (offline)."""

    def body() -> int:
        settings = _load_config(config)
        writable(output)
        snapshot = _collect(profile, region, settings, live, account, org, cluster)
        try:
            dump_snapshot(snapshot, output)
        except OSError as error:
            raise UsageProblem(f"cannot write {output}: {error.strerror}") from error
        return EXIT_OK

    raise typer.Exit(_guarded(body, debug))


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
    framework: FrameworkOption = None,
    store: StoreOption = None,
    debug: DebugOption = False,
) -> None:
    """Evaluate a saved snapshot; no network call."""

    def body() -> int:
        settings = _load_config(config)
        rules = _select_rules(rule)
        _check_framework(framework, output_format)
        targets = report_targets(output_format, output)
        with _opened_store(_store_url(store, settings)) as history_store:
            try:
                snapshot = load_snapshot(snapshot_path)
            except SnapshotError as error:
                raise UsageProblem(str(error)) from error
            return _report(
                snapshot,
                settings,
                rules,
                targets,
                fail_on,
                framework,
                store=history_store,
                command="evaluate",
            )

    raise typer.Exit(_guarded(body, debug))


@app.command("iac")
def iac_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH...",
            help="Terraform plans in JSON (`terraform show -json PLAN`), CloudFormation templates (YAML or "
            "JSON), or directories holding them.",
        ),
    ],
    config: ConfigOption = None,
    rule: RuleOption = None,
    output_format: FormatOption = None,
    output: OutputOption = None,
    fail_on: FailOnOption = Severity.INFO,
    snapshot_path: Annotated[
        Path | None,
        typer.Option(
            "--snapshot",
            metavar="SNAPSHOT.json",
            help="A snapshot of the account the plans change (`collect`): judge them against what it holds.",
        ),
    ] = None,
    framework: FrameworkOption = None,
    store: StoreOption = None,
    debug: DebugOption = False,
) -> None:
    """Judge Terraform plans and CloudFormation templates with the same rules, before deployment; no
    AWS call, no credentials."""

    def body() -> int:
        settings = _load_config(config)
        rules = _iac_rules(rule)
        _check_framework(framework, output_format)
        targets = report_targets(output_format, output)
        url = _store_url(store, settings)
        if url is not None and snapshot_path is not None:
            raise UsageProblem(
                "--store with --snapshot: a plan laid over an account is no run of that account (its "
                "history would count the account's other findings fixed); record the plan alone, or scans"
            )
        with _opened_store(url) as history_store:
            return _iac(paths, snapshot_path, settings, rules, targets, fail_on, framework, history_store)

    raise typer.Exit(_guarded(body, debug))


def _iac(
    paths: Sequence[Path],
    snapshot_path: Path | None,
    settings: Config,
    rules: Sequence[Rule],
    targets: Targets,
    fail_on: Severity,
    framework: str | None,
    store: Store | None,
) -> int:
    """`iac`'s judgement of the documents (over the live snapshot's account, if any), recorded in
    `store` when one is given (the live account's own judgement, only compared, is not recorded)."""
    live = _live_snapshot(snapshot_path) if snapshot_path is not None else None
    account = live.accounts[0] if live is not None else None
    region = account.regions[0] if account is not None and len(account.regions) == 1 else None
    account_id = account.account_id if account is not None else None
    documents = read_documents(paths, account_id=account_id, region=region)
    built = build(documents, account)
    relabel = built.relabel
    if live is not None:
        # What the account is now, to report what the change alters beyond what it names.
        judged = Evaluation(live, settings, rules)
        relabel = relabel.with_live({live_key(f): live_status(f) for f in judged})
    return _report(
        built.snapshot,
        settings,
        rules,
        targets,
        fail_on,
        framework,
        prepare=relabel,
        warnings=built.warnings,
        store=store,
        command="iac",
    )


def _live_snapshot(path: Path) -> Snapshot:
    """A snapshot of the one account that plans are laid over (`iac --snapshot`)."""
    try:
        snapshot = load_snapshot(path)
    except SnapshotError as error:
        raise UsageProblem(str(error)) from error
    if len(snapshot.accounts) != 1:
        raise UsageProblem(
            f"--snapshot {path}: it holds {len(snapshot.accounts)} accounts; plans are laid over one "
            "(collect the account they deploy to alone)"
        )
    (account,) = snapshot.accounts
    if account.unreachable is not None:
        raise UsageProblem(
            f"--snapshot {path}: account {account.account_id} was not read: {account.unreachable}"
        )
    return snapshot


def _iac_rules(rule_ids: Sequence[str] | None) -> tuple[Rule, ...]:
    """The rules `iac` runs: those with something to judge in a plan or template (`RuleDoc.iac`)."""
    rules = _select_rules(rule_ids)
    if rule_ids:
        idle = [rule.id for rule in rules if rule.iac is None]
        if idle:
            raise UsageProblem(
                f"nothing to judge in a plan or template for {', '.join(idle)} "
                "(no infrastructure code configures the root user): see `cloudwarden rules`"
            )
    return tuple(rule for rule in rules if rule.iac is not None)


class DiffFormat(enum.StrEnum):
    TERMINAL = "terminal"
    JSON = "json"


@app.command("diff")
def diff_command(
    old: Annotated[
        Path | None, typer.Argument(metavar="OLD.json", help="The earlier report (--format json).")
    ] = None,
    new: Annotated[
        Path | None, typer.Argument(metavar="NEW.json", help="The later report (--format json).")
    ] = None,
    output_format: Annotated[DiffFormat, typer.Option("--format")] = DiffFormat.TERMINAL,
    store: Annotated[
        str | None,
        typer.Option(
            "--store", metavar="URL", help="Compare the two latest runs of this scan history (no files)."
        ),
    ] = None,
    run: Annotated[
        int | None,
        typer.Option("--run", metavar="ID", help="With --store: this run against the one before it."),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Compare two JSON reports by finding id: new, resolved, changed, unchanged; exit 1 on a new FAIL.
    With --store, two runs of the scan history instead of two files."""

    def body() -> int:
        older, newer = _diffed_reports(old, new, store, run)
        changes = compare(older, newer)
        with standard_output():
            if output_format is DiffFormat.JSON:
                sys.stdout.write(render_diff_json(changes))
            else:
                color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
                sys.stdout.write(render_diff_terminal(changes, color))
        return EXIT_FAILED if changes.new_fails else EXIT_OK

    raise typer.Exit(_guarded(body, debug))


def _diffed_reports(
    old: Path | None, new: Path | None, store: str | None, run: int | None
) -> tuple[Report, Report]:
    """The two reports `diff` compares: two files, or two runs of a store (never both)."""
    if store is None:
        if run is not None:
            raise UsageProblem("--run names a run of a store: give --store URL too")
        if old is None or new is None:
            raise UsageProblem("diff compares two reports: OLD.json NEW.json, or --store URL")
        try:
            return load_report(old), load_report(new)
        except ReportFileError as error:
            raise UsageProblem(str(error)) from error
    if old is not None or new is not None:
        raise UsageProblem("diff compares two report files or two runs of --store, not both")
    with _reading_store(store) as opened:
        earlier, later = _runs_to_compare(opened, run)
        return opened.report_of(earlier), opened.report_of(later)


def _runs_to_compare(store: Store, run: int | None) -> tuple[int, int]:
    """The run before `run` and `run` (by default the latest), in the history's order: started_at,
    then id. The run before is the one recorded just before it, whatever accounts it judged."""
    ids = store.run_ids()
    if run is None:
        if len(ids) < 2:
            raise UsageProblem(f"{store.url}: the store holds {len(ids)} run(s): diff needs two")
        return ids[-2], ids[-1]
    if run not in ids:
        raise UsageProblem(f"{store.url}: no run {run} in the store (runs: {_id_ranges(ids)})")
    position = ids.index(run)
    if position == 0:
        raise UsageProblem(f"{store.url}: run {run} is the first recorded: there is no run before it")
    return ids[position - 1], run


def _id_ranges(ids: Sequence[int]) -> str:
    """Run ids for a message: `1-4, 7` (never thousands of numbers on one line)."""
    ranges: list[list[int]] = []
    for number in sorted(ids):
        if ranges and number == ranges[-1][1] + 1:
            ranges[-1][1] = number
        else:
            ranges.append([number, number])
    shown = [str(a) if a == b else f"{a}-{b}" for a, b in ranges]
    return ", ".join(shown) if shown else "none"


def _existing_store(url: str) -> str:
    """`url`, if it names a store that exists: reading (`history`, `diff --store`) never creates a SQLite
    file. The path is SQLAlchemy's: what follows `sqlite:///` (a fourth slash makes it absolute)."""
    scheme, separator, rest = url.partition("://")
    if separator and scheme in ("sqlite", "sqlite+pysqlite") and rest.startswith("/"):
        path = rest[1:].partition("?")[0]
        if path and path != ":memory:" and not Path(path).is_file():
            raise UsageProblem(
                f"{url}: no store there ({path} does not exist): record a run first, with --store on "
                "scan, evaluate, demo or iac"
            )
    return url


class HistoryFormat(enum.StrEnum):
    TERMINAL = "terminal"
    JSON = "json"
    HTML = "html"


@app.command("fix")
def fix_command(
    report: Annotated[
        Path | None,
        typer.Argument(metavar="REPORT.json", help="A JSON report of scan or evaluate (--format json)."),
    ] = None,
    config: ConfigOption = None,
    rule: Annotated[
        list[str] | None, typer.Option("--rule", help="Only findings of this rule (repeatable).")
    ] = None,
    finding: Annotated[
        list[str] | None, typer.Option("--finding", metavar="ID", help="Only this finding (repeatable).")
    ] = None,
    account: Annotated[
        list[str] | None,
        typer.Option("--account", metavar="ID", help="Only this account's findings (repeatable)."),
    ] = None,
    output_format: Annotated[PlanFormat, typer.Option("--format", help="The plan's format.")] = PlanFormat.SH,
    output: Annotated[Path | None, typer.Option("--output", help="Write the plan to this file.")] = None,
    include_disruptive: Annotated[
        bool,
        typer.Option(
            "--include-disruptive", help="Plan changes that break what uses the resource (access keys)."
        ),
    ] = False,
    apply: Annotated[bool, typer.Option("--apply", help="Make the changes (after confirmation).")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    profile: Annotated[
        str | None, typer.Option("--profile", help="AWS profile of a role that may make the changes.")
    ] = None,
    journal: Annotated[
        Path | None,
        typer.Option("--journal", help="Where --apply journals each change (default: beside the report)."),
    ] = None,
    rollback: Annotated[
        Path | None,
        typer.Option("--rollback", metavar="JOURNAL", help="Undo the changes this journal recorded."),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Plan the changes that fix a report's FAILs; apply them only with --apply; undo with --rollback."""

    def body() -> int:
        if rollback is not None:
            return _fix_rollback()
        if report is None:
            raise UsageProblem("fix needs REPORT.json (a report of scan or evaluate), or --rollback JOURNAL")
        if not apply and (yes or profile is not None or journal is not None):
            raise UsageProblem("--yes, --profile and --journal go with --apply (or --rollback)")
        settings = _load_config(config)
        selection = Selection(
            rules=frozenset(rule.id for rule in _select_rules(rule)) if rule else None,
            findings=frozenset(finding) if finding else None,
            accounts=frozenset(_account_ids(account)) if account else None,
        )
        journal_path = new_journal(journal or default_journal(report)) if apply else None
        if output is not None:
            writable(output)
        try:
            loaded = load_report(report)
        except ReportFileError as error:
            raise UsageProblem(str(error)) from error
        plan = plan_fixes(loaded, str(report), settings, selection, include_disruptive=include_disruptive)
        _write_plan(plan, output_format, output)
        if not apply:
            return EXIT_OK
        if not plan.changes:
            sys.stderr.write("cloudwarden: fix: nothing to apply\n")
            return EXIT_OK
        assert journal_path is not None
        with reserved(journal_path):
            accounts = ", ".join(dict.fromkeys(change.account for change in plan.changes))
            question = f"Apply these {len(plan.changes)} change(s) in account(s) {accounts}?"
            if output is not None and not yes:  # the plan went to a file: shown here before the question
                sys.stderr.write(RENDERERS[PlanFormat.SH](plan))
            if not confirm(question, yes, lambda text: typer.confirm(text, default=False, err=True)):
                sys.stderr.write("cloudwarden: fix: nothing applied\n")
                return EXIT_FAILED
            summary = run_apply(plan, profile, journal_path)
        return EXIT_OK if summary.complete else EXIT_FAILED

    def _fix_rollback() -> int:
        if rollback is None:  # pragma: no cover - checked by the caller
            return EXIT_USAGE
        others = report is not None or apply or journal is not None or include_disruptive
        if others or rule or finding or account or output is not None or config is not None:
            raise UsageProblem("--rollback JOURNAL takes only --yes and --profile")
        pending = len(pending_rollbacks(rollback))
        if not pending:
            sys.stderr.write("cloudwarden: fix --rollback: nothing to roll back\n")
            return EXIT_OK
        question = f"Roll back {pending} change(s) recorded in {rollback}?"
        if not confirm(question, yes, lambda text: typer.confirm(text, default=False, err=True)):
            sys.stderr.write("cloudwarden: fix --rollback: nothing rolled back\n")
            return EXIT_FAILED
        summary = run_rollback(rollback, profile)
        return EXIT_OK if summary.complete else EXIT_FAILED

    raise typer.Exit(_guarded(body, debug))


def _account_ids(given: Sequence[str]) -> list[str]:
    wrong = [text for text in given if not is_account_id(text)]
    if wrong:
        raise UsageProblem(f"--account: not an account id (12 digits): {', '.join(map(repr, wrong))}")
    return list(given)


def _write_plan(plan: Plan, output_format: PlanFormat, target: Path | None) -> None:
    text = RENDERERS[output_format](plan)
    if target is None:
        with standard_output():
            sys.stdout.write(text)
        return
    try:
        with written_whole(target) as sink:
            sink.write(text.encode())
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror}") from error


@app.command("history")
def history_command(
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            metavar="URL",
            help=f"The scan history to read; default: ${STORE_VARIABLE}, then history.store.",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="DATE", help="Only runs started on or after this day (UTC)."),
    ] = None,
    account: Annotated[
        list[str] | None, typer.Option("--account", metavar="ID", help="Only this account (repeatable).")
    ] = None,
    rule: RuleOption = None,
    output_format: Annotated[HistoryFormat, typer.Option("--format")] = HistoryFormat.TERMINAL,
    output: Annotated[Path | None, typer.Option("--output", help="Write to this file.")] = None,
    config: ConfigOption = None,
    debug: DebugOption = False,
) -> None:
    """What the recorded runs say over time: per finding, since each account's previous run, time to
    fix, oldest open FAILs, trends, stale accounts."""

    def body() -> int:
        settings = _load_config(config)
        wanted = HistoryFilter(
            now=dt.datetime.now(dt.UTC),
            since=_day(since),
            accounts=_accounts(account),
            rules=tuple(selected.id for selected in _select_rules(rule)) if rule else (),
            stale_after_days=settings.history.stale_after_days,
        )
        url = _store_url(store, settings)
        if url is None:
            raise UsageProblem(
                f"history reads a store: give --store URL (or ${STORE_VARIABLE}, or history.store)"
            )
        target = writable(output) if output is not None else None
        with _reading_store(url) as opened:
            if not opened.run_ids():
                sys.stderr.write(
                    f"cloudwarden: {opened.url} holds no run yet: record one with --store on scan, "
                    "evaluate, demo or iac\n"
                )
            from cloudwarden.history.query import history

            view = history(opened, wanted)
            judged = {state.account for state in view.accounts}
            for unseen in (name for name in wanted.accounts if name not in judged):
                sys.stderr.write(f"cloudwarden: no recorded run judged account {unseen}\n")
            _write_history(view, output_format, target)
        return EXIT_OK

    raise typer.Exit(_guarded(body, debug))


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageProblem(f"--since: {text!r} is not a day (YYYY-MM-DD)") from None


def _accounts(given: Sequence[str] | None) -> tuple[str, ...]:
    """The accounts asked for, as recorded: 12-digit ids, or an `iac` document's path; never blank."""
    blank = [account for account in given or () if not account.strip()]
    if blank:
        raise UsageProblem("--account: an account id must not be empty")
    return tuple(dict.fromkeys(given or ()))


def _write_history(view: HistoryView, output_format: HistoryFormat, target: Path | None) -> None:
    """The view on standard output, or into `target` written whole or not at all."""
    if target is None:
        console = Console()  # NO_COLOR and a standard output that is no terminal mean no colour
        color = console.is_terminal and not console.no_color
        with standard_output():
            _render_history(view, output_format, sys.stdout.buffer, color, console.width)
        return
    try:
        with written_whole(target) as sink:
            _render_history(view, output_format, sink, False, Console().width)
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror}") from error


def _render_history(
    view: HistoryView, output_format: HistoryFormat, sink: IO[bytes], color: bool, width: int
) -> None:
    if output_format is HistoryFormat.JSON:
        render_history_json(view, sink)
    elif output_format is HistoryFormat.HTML:
        for chunk in history_html_chunks(view):  # a million findings' page is never whole in memory
            sink.write(chunk.encode())
    else:
        sink.write(render_history_terminal(view, color, width).encode())


@app.command()
def demo(
    output_format: FormatOption = None,
    output: OutputOption = None,
    framework: FrameworkOption = None,
    store: StoreOption = None,
    debug: DebugOption = False,
) -> None:
    """Scan an embedded AWS emulator seeded with a sample organisation: no AWS account needed."""

    def body() -> int:
        _check_framework(framework, output_format)
        targets = report_targets(output_format, output)
        with _opened_store(_store_url(store, None)) as history_store:
            demo_scan = DemoScan()
            settings = demo_config(dt.datetime.now(dt.UTC).date())
            snapshot = demo_scan.collect(settings)
            _report(
                snapshot,
                settings,
                RULES,
                targets,
                Severity.INFO,
                framework,
                store=history_store,
                command="demo",
            )
        return EXIT_OK

    raise typer.Exit(_guarded(body, debug))


@app.command("rules")
def rules_command(
    output_format: Annotated[RulesFormat, typer.Option("--format")] = RulesFormat.TERMINAL,
    framework: Annotated[
        str | None,
        typer.Option(
            "--framework",
            metavar="ID",
            help=f"List this framework's controls ({', '.join(CATALOGUE.frameworks)}), the rules that "
            "assess each, and those not assessed.",
        ),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """List the rules and their documentation (markdown: the reference in docs/rules.md)."""

    def body() -> int:
        if framework is not None:
            _check_framework(framework, None)
            text = _framework_rules(framework, output_format)
        elif output_format is RulesFormat.JSON:
            text = render_rules_json(RULES, automatic_fixes=fix_docs())
        elif output_format is RulesFormat.MARKDOWN:
            text = render_rules_markdown(RULES, automatic_fixes=fix_docs())
        else:
            console = Console()  # NO_COLOR and a standard output that is no terminal mean no colour
            color = console.is_terminal and not console.no_color
            text = render_rules_terminal(RULES, color=color, width=console.width, automatic_fixes=fix_docs())
        with standard_output():
            sys.stdout.write(text)
        return EXIT_OK

    raise typer.Exit(_guarded(body, debug))


def _framework_rules(framework: str, output_format: RulesFormat) -> str:
    """`rules --framework`: the framework's controls, each with the rules mapped to it."""
    if output_format is RulesFormat.JSON:
        return render_framework_rules_json(framework, RULES)
    if output_format is RulesFormat.MARKDOWN:
        return render_framework_rules_markdown(framework, RULES)
    console = Console()
    color = console.is_terminal and not console.no_color
    return render_framework_rules_terminal(framework, RULES, color=color, width=console.width)


@app.command()
def permissions(
    rule: RuleOption = None,
    fix: Annotated[
        bool,
        typer.Option(
            "--fix", help="The write policy `fix --apply` and `--rollback` need instead (the fixers')."
        ),
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Print the least-privilege IAM policy the scanner needs (for a scan of these rules, with --rule);
    with --fix, the policy of the role that applies and rolls back fixes."""

    def body() -> int:
        chosen = _select_rules(rule) if rule else None
        if fix:
            actions = fix_actions([chosen_rule.id for chosen_rule in chosen] if chosen else None)
            sid = "CloudwardenFix"
        else:
            actions = required_actions(chosen)
            sid = "CloudwardenReadOnly"
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": "*"}],
        }
        with standard_output():
            sys.stdout.write(json.dumps(policy, indent=2) + "\n")
        return EXIT_OK

    raise typer.Exit(_guarded(body, debug))


def _version_callback(value: bool) -> None:
    if value:
        sys.stdout.write(f"cloudwarden {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version.")
    ] = False,
    # Given before the command's name, it is read there, by the command's own option (`DebugOption`).
    debug: Annotated[bool, typer.Option("--debug", help=_DEBUG_HELP)] = False,
) -> None:
    """Audit AWS accounts against Mozilla's AWS Security guidelines."""


def main() -> None:
    """The console script: the app, stopped promptly by SIGINT, SIGTERM or SIGHUP (see `interrupt`)."""
    raise_on_stopping_signals()
    try:
        app()
    except Interrupted as stop:
        leave(stop)
