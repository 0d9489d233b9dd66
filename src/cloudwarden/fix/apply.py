"""Applying a plan, and rolling it back, with a journal of every change as it happens.

For each change, in the plan's order: the state it changes is read again; if it is no longer what the
scan saw (`drift.mismatch` against `before`), the change is skipped and says why. Otherwise its calls
are sent; a failed call fails that change only, the others go on. The state is read once more after,
and the journal records what was seen before and after.

The journal (`cloudwarden.fix-journal/1`) is rewritten whole (a temporary file renamed,
`files.written_whole`) before each change is sent (the entry `started`) and after it: a run stopped
half-way leaves a journal that names the change it was making. `rollback` reads it, and for each
change applied (or started), latest first, re-reads the state: if it is still what the change left
(`after`), the change's rollback calls restore `before`; if someone changed it since, it is skipped.
Changes are made only in the account of the credentials; changes of other accounts are skipped.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import msgspec

from cloudwarden.files import written_whole
from cloudwarden.findings import GLOBAL_REGION
from cloudwarden.fix.drift import Unread, mismatch, observed
from cloudwarden.fix.plan import Change, Plan
from cloudwarden.inputs import InputError, decoded
from cloudwarden.remedy import Call

JOURNAL_SCHEMA = "cloudwarden.fix-journal/1"


class Sender(Protocol):
    """What applying needs of AWS (`collect.writer.Writer`)."""

    def account(self) -> str: ...

    def send(
        self, service: str, operation: str, parameters: dict[str, Any], region: str | None
    ) -> dict[str, Any]: ...


class CallError(Protocol):
    code: str
    message: str


class Outcome(enum.StrEnum):
    STARTED = "started"
    """Its calls were being sent when the run stopped: it may be applied."""
    APPLIED = "applied"
    SKIPPED = "skipped"
    FAILED = "failed"
    ROLLED_BACK = "rolled-back"


class Step(msgspec.Struct, kw_only=True):
    """What happened to one change (or to its rollback)."""

    outcome: Outcome
    reason: str | None = None
    at: str
    calls_sent: int = 0
    seen_before: Any = None
    seen_after: Any = None
    verified: bool | None = None
    """The state read after the calls is the one the change meant to leave (None: not read)."""


class Entry(msgspec.Struct, kw_only=True):
    change: Change
    applied: Step
    rollback: Step | None = None


class Journal(msgspec.Struct, kw_only=True):
    schema: str = JOURNAL_SCHEMA
    report: str
    account: str
    """The account of the credentials that applied the plan."""
    started_at: str
    finished_at: str | None = None
    entries: list[Entry] = msgspec.field(default_factory=list)


class JournalError(Exception):
    """A journal that cannot be read, written or rolled back from."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _region(change: Change) -> str | None:
    return None if change.region == GLOBAL_REGION else change.region


def write_journal(path: Path, journal: Journal) -> None:
    try:
        with written_whole(path) as target:
            target.write(msgspec.json.format(msgspec.json.encode(journal), indent=2) + b"\n")
    except OSError as error:
        raise JournalError(f"{path}: the journal cannot be written: {error.strerror or error}") from error


def read_journal(path: Path) -> Journal:
    def decode(raw: Any) -> Journal:
        try:
            journal = msgspec.json.decode(raw, type=Journal)
        except msgspec.DecodeError as error:
            raise JournalError(f"{path} is not a cloudwarden fix journal: {error}") from error
        if journal.schema != JOURNAL_SCHEMA:
            raise JournalError(f"{path}: schema {journal.schema!r}, expected {JOURNAL_SCHEMA!r}")
        return journal

    try:
        return decoded(path, "journal", decode)
    except InputError as error:
        raise JournalError(str(error)) from error


class _Failed(Exception):
    def __init__(self, reason: str, sent: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.sent = sent


def _read_state(sender: Sender, change: Change, failure: type[Exception]) -> dict[str, Any] | None:
    read = change.read
    try:
        answer = sender.send(read.service, read.operation, read.parameters, _region(change))
    except failure as error:
        code = getattr(error, "code", type(error).__name__)
        try:
            return observed(change.state, None, str(code))
        except Unread as unread:
            raise _Failed(f"could not read the state again ({read.key}): {error}") from unread
    return observed(change.state, answer, None)


def _send_all(sender: Sender, change: Change, calls: tuple[Call, ...], failure: type[Exception]) -> int:
    sent = 0
    for call in calls:
        try:
            sender.send(call.service, call.operation, call.parameters, _region(change))
        except failure as error:
            raise _Failed(f"{call.key} failed: {error}", sent) from error
        sent += 1
    return sent


def _verified(
    sender: Sender, change: Change, expected: dict[str, Any], failure: type[Exception]
) -> tuple[Any, bool | None]:
    try:
        seen = _read_state(sender, change, failure)
        return seen, mismatch(change.state, expected, seen) is None
    except (_Failed, Unread):
        return None, None


def _step(
    sender: Sender,
    change: Change,
    expected: dict[str, Any],
    left: dict[str, Any],
    calls: tuple[Call, ...],
    done: Outcome,
    failure: type[Exception],
) -> Step:
    """Re-read, compare with `expected`, send `calls`, re-read and compare with `left`."""
    try:
        seen = _read_state(sender, change, failure)
        why = mismatch(change.state, expected, seen)
    except _Failed as failed:
        return Step(outcome=Outcome.FAILED, reason=failed.reason, at=_now())
    except Unread as unread:
        return Step(outcome=Outcome.FAILED, reason=f"could not read the state again: {unread}", at=_now())
    if why is not None:
        return Step(outcome=Outcome.SKIPPED, reason=f"drifted: {why}", at=_now(), seen_before=seen)
    try:
        sent = _send_all(sender, change, calls, failure)
    except _Failed as failed:
        return Step(
            outcome=Outcome.FAILED, reason=failed.reason, at=_now(), calls_sent=failed.sent, seen_before=seen
        )
    seen_after, verified = _verified(sender, change, left, failure)
    return Step(
        outcome=done, at=_now(), calls_sent=sent, seen_before=seen, seen_after=seen_after, verified=verified
    )


class Summary(msgspec.Struct, kw_only=True):
    done: int = 0
    skipped: int = 0
    failed: int = 0

    @property
    def complete(self) -> bool:
        return self.skipped == 0 and self.failed == 0

    def count(self, step: Step) -> None:
        if step.outcome in (Outcome.APPLIED, Outcome.ROLLED_BACK):
            self.done += 1
        elif step.outcome is Outcome.SKIPPED:
            self.skipped += 1
        else:
            self.failed += 1


def apply_plan(
    plan: Plan,
    sender: Sender,
    journal_path: Path,
    failure: type[Exception],
    tell: Callable[[Change, Step], None],
) -> tuple[Summary, Journal]:
    """Apply every change of `plan` in the credentials' account, journaling each as it happens.
    `failure` is the exception a refused call raises (`collect.writer.CallFailed`)."""
    account = sender.account()
    journal = Journal(report=plan.report, account=account, started_at=_now())
    write_journal(journal_path, journal)
    summary = Summary()
    for change in plan.changes:
        if change.account != account:
            step = Step(
                outcome=Outcome.SKIPPED,
                reason=f"the credentials are in account {account}, not {change.account}",
                at=_now(),
            )
        else:
            entry = Entry(change=change, applied=Step(outcome=Outcome.STARTED, at=_now()))
            journal.entries.append(entry)
            write_journal(journal_path, journal)
            journal.entries.pop()
            step = _step(sender, change, change.before, change.after, change.calls, Outcome.APPLIED, failure)
        journal.entries.append(Entry(change=change, applied=step))
        write_journal(journal_path, journal)
        summary.count(step)
        tell(change, step)
    journal.finished_at = _now()
    write_journal(journal_path, journal)
    return summary, journal


def rollback(
    journal_path: Path, sender: Sender, failure: type[Exception], tell: Callable[[Change, Step], None]
) -> Summary:
    """Restore the state before every change the journal applied, latest first; the journal records
    each rollback as it happens (a change rolled back is not rolled back twice)."""
    journal = read_journal(journal_path)
    account = sender.account()
    summary = Summary()
    for entry in reversed(journal.entries):
        if entry.applied.outcome not in (Outcome.APPLIED, Outcome.STARTED):
            continue
        if entry.rollback is not None and entry.rollback.outcome is Outcome.ROLLED_BACK:
            continue
        change = entry.change
        if account != journal.account:
            step = Step(
                outcome=Outcome.SKIPPED,
                reason=f"the credentials are in account {account}, the journal's changes in "
                f"{journal.account}",
                at=_now(),
            )
        else:
            step = _step(
                sender, change, change.after, change.before, change.rollback, Outcome.ROLLED_BACK, failure
            )
            if step.outcome is Outcome.SKIPPED:
                step.reason = (step.reason or "").replace("drifted:", "changed since the fix:", 1)
        entry.rollback = step
        write_journal(journal_path, journal)
        summary.count(step)
        tell(change, step)
    return summary
