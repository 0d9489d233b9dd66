"""`cloudwarden fix`: plan, show, confirm, apply and roll back (the command line's side of it).

Planning reads the report and the configuration only. Applying and rolling back reach AWS through
`collect.writer.Writer`, whose session allows exactly the operations the fixers declare.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from cloudwarden.collect.writer import CallFailed, Writer, WriterError
from cloudwarden.fix.apply import (
    JournalError,
    Outcome,
    Step,
    Summary,
    apply_plan,
    read_journal,
    rollback,
    to_roll_back,
)
from cloudwarden.fix.plan import Change, Plan
from cloudwarden.remedy import Fixer
from cloudwarden.report.reference import AutomaticFix
from cloudwarden.rules import FIXERS

JOURNAL_SUFFIX = ".fix-journal.json"


class FixProblem(Exception):
    """Bad usage or input of `fix`: exit 2 with the message."""


def fix_operations(fixers: Sequence[Fixer] | None = None) -> frozenset[str]:
    """Every operation the write session may call: the fixers' writes, rollbacks and re-reads."""
    chosen = FIXERS.values() if fixers is None else fixers
    return frozenset().union(*(fixer.operations for fixer in chosen))


def fix_actions(rules: Sequence[str] | None = None) -> list[str]:
    """The IAM actions `fix --apply` and `--rollback` need (for the fixers of `rules`, or all), and
    sts:GetCallerIdentity, with which they check the account they are in."""
    chosen = [fixer for rule, fixer in FIXERS.items() if rules is None or rule in rules]
    return sorted({"sts:GetCallerIdentity", *(action for fixer in chosen for action in fixer.actions)})


def fix_docs() -> dict[str, AutomaticFix]:
    """What each fixer does, by rule id, for `cloudwarden rules` (the reference cannot read the fixers
    itself: reports never import the rules). A rule left out has no fixer: its FAILs are manual steps."""
    return {
        rule: AutomaticFix(summary=fixer.summary, actions=fixer.actions, disruptive=fixer.disruptive)
        for rule, fixer in FIXERS.items()
    }


def default_journal(report: Path) -> Path:
    """Beside the report: `scan.json` -> `scan.fix-journal.json`."""
    return report.with_name(report.stem + JOURNAL_SUFFIX)


def new_journal(path: Path) -> Path:
    """A journal path that holds no journal yet: an earlier one is how its changes are rolled back."""
    if path.exists() or path.is_symlink():
        raise FixProblem(
            f"{path} exists: it may be the journal of earlier changes (their only way back); "
            "give another --journal, or move it away"
        )
    if not path.parent.is_dir():
        raise FixProblem(f"--journal {path}: no such directory: {path.parent}")
    return path


@contextlib.contextmanager
def reserved(path: Path) -> Iterator[None]:
    """`path` created empty, exclusively (O_EXCL, following no link), for the block: of two runs
    applying at once with one journal path, the second is refused instead of replacing the first's
    journal. Removed again when the block ends before anything was journaled (the file is still
    empty); the journal itself is then written over it whole (`apply.write_journal`)."""
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600)
    except FileExistsError as error:
        raise FixProblem(
            f"{path} exists: it may be the journal of earlier changes (their only way back); "
            "give another --journal, or move it away"
        ) from error
    except OSError as error:
        raise FixProblem(f"--journal {path}: cannot be created: {error.strerror}") from error
    os.close(descriptor)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            if path.stat().st_size == 0:
                path.unlink()


def confirm(question: str, yes: bool, ask: Callable[[str], bool]) -> bool:
    """`--yes`, or the answer of a person at a terminal; never a guess on a pipe."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise FixProblem(
            "changes are made only after confirmation at a terminal: give --yes to apply without asking"
        )
    return ask(question)


def _tell(done: str) -> Callable[[Change, Step], None]:
    def tell(change: Change, step: Step) -> None:
        what = f"{change.rule} {change.resource} ({change.account}, {change.region}): {change.summary}"
        label = done if step.outcome in (Outcome.APPLIED, Outcome.ROLLED_BACK) else step.outcome.value
        reason = f": {step.reason}" if step.reason else ""
        sys.stderr.write(f"{label:>11}  {_printable(what)}{_printable(reason)}\n")

    return tell


def _printable(text: str) -> str:
    return "".join(character if character.isprintable() else repr(character)[1:-1] for character in text)


def operations_of(changes: Iterable[Change]) -> frozenset[str]:
    """What a session needs to make (and check, and undo) `changes`: their own calls only, each one
    declared by a fixer; the session refuses every other operation."""
    used = {call.key for change in changes for call in (change.read, *change.calls, *change.rollback)}
    return frozenset(used) & fix_operations()


def _writer(profile: str | None, changes: Sequence[Change]) -> Writer:
    try:
        return Writer(profile, operations_of(changes))
    except WriterError as error:
        raise FixProblem(str(error)) from error


def run_apply(plan: Plan, profile: str | None, journal: Path) -> Summary:
    writer = _writer(profile, plan.changes)
    try:
        summary, _ = apply_plan(plan, writer, journal, CallFailed, _tell("applied"))
    except JournalError as error:  # nothing more is sent once a change cannot be journaled
        raise FixProblem(f"stopped: {error}") from error
    except CallFailed as error:  # the credentials' own account could not be read: nothing was sent
        raise FixProblem(f"cannot tell which account the credentials are in: {error}") from error
    sys.stderr.write(
        f"cloudwarden: fix: {summary.done} applied, {summary.skipped} skipped, {summary.failed} failed "
        f"(journal: {journal}; undo with `cloudwarden fix --rollback {journal}`)\n"
    )
    return summary


def pending_rollbacks(journal: Path) -> list[Change]:
    """The changes `--rollback` would consider, in the journal's order."""
    try:
        return [entry.change for entry in to_roll_back(read_journal(journal))]
    except JournalError as error:
        raise FixProblem(str(error)) from error


def run_rollback(journal: Path, profile: str | None) -> Summary:
    writer = _writer(profile, pending_rollbacks(journal))
    try:
        summary = rollback(journal, writer, CallFailed, _tell("rolled back"))
    except JournalError as error:
        raise FixProblem(str(error)) from error
    except CallFailed as error:
        raise FixProblem(f"cannot tell which account the credentials are in: {error}") from error
    sys.stderr.write(
        f"cloudwarden: fix --rollback: {summary.done} rolled back, {summary.skipped} skipped, "
        f"{summary.failed} failed (journal: {journal})\n"
    )
    return summary
