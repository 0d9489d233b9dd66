"""`cloudwarden fix`: plan, show, confirm, apply and roll back (the command line's side of it).

Planning reads the report and the configuration only. Applying and rolling back reach AWS through
`collect.writer.Writer`, whose session allows exactly the operations the fixers declare.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from cloudwarden.collect.writer import CallFailed, Writer
from cloudwarden.fix.apply import (
    JournalError,
    Outcome,
    Step,
    Summary,
    apply_plan,
    read_journal,
    rollback,
)
from cloudwarden.fix.plan import Change, Plan
from cloudwarden.remedy import Fixer
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


def run_apply(plan: Plan, profile: str | None, journal: Path) -> Summary:
    writer = Writer(profile, fix_operations())
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


def pending_rollbacks(journal: Path) -> int:
    try:
        entries = read_journal(journal).entries
    except JournalError as error:
        raise FixProblem(str(error)) from error
    return sum(
        1
        for entry in entries
        if entry.applied.outcome in (Outcome.APPLIED, Outcome.STARTED)
        and (entry.rollback is None or entry.rollback.outcome is not Outcome.ROLLED_BACK)
    )


def run_rollback(journal: Path, profile: str | None) -> Summary:
    writer = Writer(profile, fix_operations())
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
