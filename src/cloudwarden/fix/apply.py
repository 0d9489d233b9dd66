"""Applying a plan, and rolling it back, with a journal of every change as it happens.

For each change, in the plan's order: the state it changes is read again; if it is no longer what the
scan saw (`drift.mismatch` against `before`), the change is skipped and says why. Otherwise its calls
are sent; a failed call fails that change only, the others go on. The state is read once more after,
and the journal records what was seen before and after.

The journal (`cloudwarden.fix-journal/1`) is rewritten whole (a temporary file renamed,
`files.written_whole`) before each change is sent (the entry `started`) and after it: a run stopped
half-way leaves a journal that names the change it was making. `rollback` reads it, and for each
change applied, started, unverified or failed after a call was sent (`to_roll_back`), latest first,
re-reads the state: if it is still what the change left (`after`), the change's rollback calls
restore `before` (security-group rules with the descriptions the read before the change showed);
if someone changed it since, it is skipped (and tried again by the next rollback).
Changes are made only in the account of the credentials, only on the resource their read reads, and
never to the access keys of the user making them; other changes are skipped.
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
from cloudwarden.fix.drift import Unread, mismatch, observed, with_descriptions
from cloudwarden.fix.plan import Change, Plan
from cloudwarden.inputs import InputError, decoded
from cloudwarden.remedy import Call

JOURNAL_SCHEMA = "cloudwarden.fix-journal/1"

NEVER_TOOK_EFFECT = "it never took effect"
"""The rollback of a change whose call was refused and whose state is still as before: nothing to undo."""


class Sender(Protocol):
    """What applying needs of AWS (`collect.writer.Writer`)."""

    def account(self) -> str: ...

    def caller(self) -> str:
        """The ARN of the identity the calls are made as."""
        ...

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
    UNVERIFIED = "unverified"
    """Its calls were accepted, but the state read after is not (or could not be read as) the one
    it meant to leave: counted as failed, and rolled back like an applied change."""
    SKIPPED = "skipped"
    FAILED = "failed"
    ROLLED_BACK = "rolled-back"


class Step(msgspec.Struct, kw_only=True):
    """What happened to one change (or to its rollback)."""

    outcome: Outcome
    reason: str | None = None
    at: str
    calls_sent: int = 0
    """Calls AWS accepted."""
    calls_attempted: int = 0
    """Calls sent, accepted or not: a refused call may still have taken effect (an answer lost on the
    way back), so a change whose calls were attempted is considered by rollback."""
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


_TARGET_PARAMETERS = ("Bucket", "GroupId", "HostedZoneId", "UserName")
"""The parameters that name the resource a call acts on."""


def _resource_of(call: Call) -> dict[str, Any]:
    named = {key: call.parameters[key] for key in _TARGET_PARAMETERS if key in call.parameters}
    group_ids = call.parameters.get("GroupIds")
    if isinstance(group_ids, list) and len(group_ids) == 1:
        named["GroupId"] = group_ids[0]
    return named


def strays(change: Change) -> list[str]:
    """The calls of `change` (and of its rollback) that act on another resource than the one its read
    reads: a plan or journal edited by hand is not trusted to aim its calls elsewhere."""
    resource = _resource_of(change.read)
    return [
        call.key
        for call in (*change.calls, *change.rollback)
        if not resource or _resource_of(call) != resource
    ]


def _caller_user(arn: str) -> str | None:
    """The user name of an IAM user's ARN (`arn:aws:iam::123456789012:user/path/name`), else None."""
    resource = arn.split(":", 5)[-1]
    return resource.rsplit("/", 1)[-1] if resource.startswith("user/") else None


def _refusal(change: Change, account: str, caller: str, *, undoing: bool = False) -> str | None:
    """Why `change` must not be made with these credentials, if it must not."""
    if change.account != account:
        return f"the credentials are in account {account}, not {change.account}"
    aimed_elsewhere = strays(change)
    if aimed_elsewhere:
        return f"its calls act on another resource than it reads: {', '.join(aimed_elsewhere)}"
    if (
        not undoing
        and change.before.get("user") is not None
        and change.before.get("user") == _caller_user(caller)
    ):
        return "it would deactivate an access key of the user these credentials are: do it by hand"
    return None


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
            outcome=Outcome.FAILED,
            reason=failed.reason,
            at=_now(),
            calls_sent=failed.sent,
            calls_attempted=failed.sent + 1,
            seen_before=seen,
        )
    seen_after, verified = _verified(sender, change, left, failure)
    if not verified:
        return Step(
            outcome=Outcome.UNVERIFIED if done is Outcome.APPLIED else Outcome.FAILED,
            reason="the calls were accepted, but the state read after is not the one expected"
            if verified is False
            else "the calls were accepted, but the state could not be read after",
            at=_now(),
            calls_sent=sent,
            calls_attempted=sent,
            seen_before=seen,
            seen_after=seen_after,
            verified=verified,
        )
    return Step(
        outcome=done,
        at=_now(),
        calls_sent=sent,
        calls_attempted=sent,
        seen_before=seen,
        seen_after=seen_after,
        verified=verified,
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
    caller = sender.caller()
    journal = Journal(report=plan.report, account=account, started_at=_now())
    write_journal(journal_path, journal)
    summary = Summary()
    for change in plan.changes:
        refusal = _refusal(change, account, caller)
        if refusal is not None:
            step = Step(outcome=Outcome.SKIPPED, reason=refusal, at=_now())
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
    caller = sender.caller()
    summary = Summary()
    for entry in reversed(to_roll_back(journal)):
        change = entry.change
        refusal = (
            f"the journal was written in account {journal.account}"
            if change.account != journal.account
            else _refusal(change, account, caller, undoing=True)
        )
        if refusal is not None:
            step = Step(outcome=Outcome.SKIPPED, reason=refusal, at=_now())
        else:
            calls = with_descriptions(change.rollback, entry.applied.seen_before)  # security groups' only
            step = _step(sender, change, change.after, change.before, calls, Outcome.ROLLED_BACK, failure)
            if step.outcome is Outcome.SKIPPED:
                if entry.applied.outcome is Outcome.FAILED and entry.applied.calls_sent == 0:
                    # Its one call sent was refused and did not take effect after all: nothing to undo.
                    # (An earlier call that was accepted did: that is not forgotten.)
                    entry.rollback = Step(outcome=Outcome.SKIPPED, reason=NEVER_TOOK_EFFECT, at=_now())
                    write_journal(journal_path, journal)
                    continue
                step.reason = (step.reason or "").replace("drifted:", "changed since the fix:", 1)
        entry.rollback = step
        write_journal(journal_path, journal)
        summary.count(step)
        tell(change, step)
    return summary


def to_roll_back(journal: Journal) -> list[Entry]:
    """The entries a rollback considers, in the journal's order: changes applied, started, unverified,
    or failed after a call was sent (it may have taken effect), not rolled back yet nor found never
    to have taken effect."""
    return [
        entry
        for entry in journal.entries
        if (
            entry.applied.outcome in (Outcome.APPLIED, Outcome.STARTED, Outcome.UNVERIFIED)
            or (entry.applied.outcome is Outcome.FAILED and entry.applied.calls_attempted > 0)
        )
        and (
            entry.rollback is None
            or entry.rollback.outcome is Outcome.FAILED
            or (entry.rollback.outcome is Outcome.SKIPPED and entry.rollback.reason != NEVER_TOOK_EFFECT)
        )
    ]
