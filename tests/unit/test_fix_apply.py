"""Applying a plan and rolling it back, against an in-memory S3 that keeps bucket policies: each change
re-read before it is made, journaled before and after it is sent, skipped when the bucket drifted,
failed alone when refused, refused when aimed elsewhere than it reads; rollback restores what the journal
recorded, once, and only what is still as the change left it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from cloudwarden.fix import apply
from cloudwarden.fix.apply import (
    NEVER_TOOK_EFFECT,
    Entry,
    Journal,
    JournalError,
    Outcome,
    Sender,
    Step,
    Summary,
    apply_plan,
    read_journal,
    rollback,
    strays,
    to_roll_back,
)
from cloudwarden.fix.plan import Change, Plan
from cloudwarden.remedy import Call, State

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
REGION = "eu-west-1"
NOW = "2025-06-15T12:00:00+00:00"
ROLE_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/fixer/session"

PUBLIC = {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}
PARTNER = {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": OTHER_ACCOUNT}, "Action": "s3:GetObject"}
MIXED = {"Version": "2012-10-17", "Statement": [PUBLIC, PARTNER]}
PRIVATE = {"Version": "2012-10-17", "Statement": [PARTNER]}
PUBLIC_ONLY = {"Version": "2012-10-17", "Statement": [PUBLIC]}
OTHER = {"Version": "2012-10-17", "Statement": [{**PARTNER, "Sid": "Auditors"}]}


class Refused(Exception):
    """A call S3 refused (the `failure` applying is given), with its error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Buckets:
    """An account's buckets and their policies, answering GetBucketPolicy, PutBucketPolicy and
    DeleteBucketPolicy as S3 does; records every call it is sent. `lose` names calls that take effect
    but whose answer is lost on the way back (they raise as a timeout does)."""

    def __init__(
        self,
        policies: dict[str, dict[str, Any] | None],
        account: str = ACCOUNT,
        *,
        refuse: frozenset[tuple[str, str]] = frozenset(),
        lose: frozenset[tuple[str, str]] = frozenset(),
        interrupt: tuple[str, str] | None = None,
    ) -> None:
        self.policies = dict(policies)
        self._account = account
        self._refuse = refuse
        self._lose = lose
        self._interrupt = interrupt
        self.sent: list[tuple[str, str, str | None]] = []

    def account(self) -> str:
        return self._account

    def caller(self) -> str:
        return ROLE_ARN

    def send(
        self, service: str, operation: str, parameters: dict[str, Any], region: str | None
    ) -> dict[str, Any]:
        bucket = parameters["Bucket"]
        assert service == "s3"
        self.sent.append((operation, bucket, region))
        if (operation, bucket) in self._refuse:
            raise Refused("AccessDenied", f"not allowed to {operation} on {bucket}")
        if (operation, bucket) == self._interrupt:
            raise KeyboardInterrupt
        if bucket not in self.policies:
            raise Refused("NoSuchBucket", "The specified bucket does not exist")
        if operation == "GetBucketPolicy":
            policy = self.policies[bucket]
            if policy is None:
                raise Refused("NoSuchBucketPolicy", "The bucket policy does not exist")
            return {"Policy": json.dumps(policy)}
        if operation == "PutBucketPolicy":
            self.policies[bucket] = json.loads(parameters["Policy"])
        elif operation == "DeleteBucketPolicy":
            self.policies[bucket] = None
        else:
            raise AssertionError(f"not modelled: {operation}")
        if (operation, bucket) in self._lose:
            raise Refused("ReadTimeoutError", "Read timeout on endpoint URL")
        return {}


def _s3(operation: str, bucket: str, **parameters: Any) -> Call:
    return Call(service="s3", operation=operation, parameters={"Bucket": bucket, **parameters})


def policy_change(
    bucket: str, before: dict[str, Any], after: dict[str, Any] | None, account: str = ACCOUNT
) -> Change:
    """The change of `bucket`'s policy from `before` to `after` (None: deleted)."""
    call = (
        _s3("DeleteBucketPolicy", bucket)
        if after is None
        else _s3("PutBucketPolicy", bucket, Policy=json.dumps(after))
    )
    return Change(
        action="remove-public-policy-statements",
        summary=f"Remove the public statement of {bucket}.",
        state=State.BUCKET_POLICY,
        read=_s3("GetBucketPolicy", bucket),
        before={"policy": before},
        after={"policy": after},
        calls=(call,),
        rollback=(_s3("PutBucketPolicy", bucket, Policy=json.dumps(before)),),
        finding=f"cw-{bucket}",
        rule="s3-no-public-access",
        account=account,
        region=REGION,
        resource=bucket,
    )


ALPHA = policy_change("alpha", MIXED, PRIVATE)
BETA = policy_change("beta", PUBLIC_ONLY, None)


def _plan(*changes: Change) -> Plan:
    return Plan(report="scan.json", scanned_at=NOW, changes=changes, manual=(), left_out={})


def _answer(policy: dict[str, Any]) -> dict[str, str]:
    return {"Policy": json.dumps(policy)}


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every time the journal records is NOW, so that journals compare whole."""
    monkeypatch.setattr(apply, "_now", lambda: NOW)


class Told:
    """What applying tells as it goes."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, Outcome, str | None]] = []

    def __call__(self, change: Change, step: Step) -> None:
        self.steps.append((change.finding, step.outcome, step.reason))


def _apply(plan: Plan, sender: Sender, journal: Path) -> tuple[Summary, Told]:
    told = Told()
    summary, written = apply_plan(plan, sender, journal, Refused, told)
    assert read_journal(journal) == written
    return summary, told


def _journal(*entries: Entry, finished: bool = True, account: str = ACCOUNT) -> Journal:
    return Journal(
        report="scan.json",
        account=account,
        started_at=NOW,
        finished_at=NOW if finished else None,
        entries=list(entries),
    )


def _applied(before: dict[str, Any], after: Any) -> Step:
    return Step(
        outcome=Outcome.APPLIED,
        at=NOW,
        calls_sent=1,
        calls_attempted=1,
        seen_before=before,
        seen_after=after,
        verified=True,
    )


APPLIED_ALPHA = Entry(change=ALPHA, applied=_applied(_answer(MIXED), _answer(PRIVATE)))
APPLIED_BETA = Entry(change=BETA, applied=_applied(_answer(PUBLIC_ONLY), {"policy": None}))


def test_each_change_is_made_after_a_read_and_journaled_with_what_was_seen(tmp_path: Path) -> None:
    sender = Buckets({"alpha": MIXED, "beta": PUBLIC_ONLY})
    summary, told = _apply(_plan(ALPHA, BETA), sender, tmp_path / "j.json")
    assert (sender.policies, summary, told.steps) == (
        {"alpha": PRIVATE, "beta": None},
        Summary(done=2),
        [("cw-alpha", Outcome.APPLIED, None), ("cw-beta", Outcome.APPLIED, None)],
    )
    assert sender.sent == [
        ("GetBucketPolicy", "alpha", REGION),
        ("PutBucketPolicy", "alpha", REGION),
        ("GetBucketPolicy", "alpha", REGION),
        ("GetBucketPolicy", "beta", REGION),
        ("DeleteBucketPolicy", "beta", REGION),
        ("GetBucketPolicy", "beta", REGION),
    ]
    assert read_journal(tmp_path / "j.json") == _journal(APPLIED_ALPHA, APPLIED_BETA)
    assert json.loads((tmp_path / "j.json").read_text())["schema"] == "cloudwarden.fix-journal/1"


def test_a_bucket_changed_since_the_scan_is_skipped_and_the_others_applied(tmp_path: Path) -> None:
    sender = Buckets({"alpha": OTHER, "beta": PUBLIC_ONLY})
    summary, told = _apply(_plan(ALPHA, BETA), sender, tmp_path / "j.json")
    reason = "drifted: the bucket policy changed since the scan"
    assert (sender.policies, summary, told.steps) == (
        {"alpha": OTHER, "beta": None},
        Summary(done=1, skipped=1),
        [("cw-alpha", Outcome.SKIPPED, reason), ("cw-beta", Outcome.APPLIED, None)],
    )
    assert read_journal(tmp_path / "j.json") == _journal(
        Entry(
            change=ALPHA,
            applied=Step(outcome=Outcome.SKIPPED, reason=reason, at=NOW, seen_before=_answer(OTHER)),
        ),
        APPLIED_BETA,
    )


def test_a_bucket_whose_policy_was_deleted_since_the_scan_is_skipped(tmp_path: Path) -> None:
    sender = Buckets({"alpha": None})
    summary, told = _apply(_plan(ALPHA), sender, tmp_path / "j.json")
    assert (sender.policies, summary, told.steps) == (
        {"alpha": None},
        Summary(skipped=1),
        [("cw-alpha", Outcome.SKIPPED, "drifted: the bucket has no policy now")],
    )


def test_a_bucket_that_is_gone_is_skipped(tmp_path: Path) -> None:
    summary, told = _apply(_plan(ALPHA), Buckets({}), tmp_path / "j.json")
    assert (summary, told.steps) == (
        Summary(skipped=1),
        [("cw-alpha", Outcome.SKIPPED, "drifted: the resource no longer exists")],
    )


def test_a_refused_change_fails_alone_and_the_others_go_on(tmp_path: Path) -> None:
    sender = Buckets({"alpha": MIXED, "beta": PUBLIC_ONLY}, refuse=frozenset({("PutBucketPolicy", "alpha")}))
    summary, told = _apply(_plan(ALPHA, BETA), sender, tmp_path / "j.json")
    reason = "s3.PutBucketPolicy failed: AccessDenied: not allowed to PutBucketPolicy on alpha"
    assert (sender.policies, summary, told.steps) == (
        {"alpha": MIXED, "beta": None},
        Summary(done=1, failed=1),
        [("cw-alpha", Outcome.FAILED, reason), ("cw-beta", Outcome.APPLIED, None)],
    )
    assert read_journal(tmp_path / "j.json") == _journal(
        Entry(
            change=ALPHA,
            applied=Step(
                outcome=Outcome.FAILED,
                reason=reason,
                at=NOW,
                calls_attempted=1,
                seen_before=_answer(MIXED),
            ),
        ),
        APPLIED_BETA,
    )


def test_a_change_whose_state_cannot_be_read_again_fails_and_nothing_is_sent(tmp_path: Path) -> None:
    sender = Buckets({"alpha": MIXED}, refuse=frozenset({("GetBucketPolicy", "alpha")}))
    summary, told = _apply(_plan(ALPHA), sender, tmp_path / "j.json")
    reason = (
        "could not read the state again (s3.GetBucketPolicy): "
        "AccessDenied: not allowed to GetBucketPolicy on alpha"
    )
    assert (sender.policies, sender.sent, summary, told.steps) == (
        {"alpha": MIXED},
        [("GetBucketPolicy", "alpha", REGION)],
        Summary(failed=1),
        [("cw-alpha", Outcome.FAILED, reason)],
    )


class Unchanging(Buckets):
    """Accepts every write and keeps the policy as it was (a write that did not take)."""

    def send(
        self, service: str, operation: str, parameters: dict[str, Any], region: str | None
    ) -> dict[str, Any]:
        if operation != "GetBucketPolicy":
            self.sent.append((operation, parameters["Bucket"], region))
            return {}
        return super().send(service, operation, parameters, region)


def test_a_change_whose_state_is_not_the_expected_one_after_is_unverified_and_counted_as_failed(
    tmp_path: Path,
) -> None:
    summary, told = _apply(_plan(ALPHA), Unchanging({"alpha": MIXED}), tmp_path / "j.json")
    reason = "the calls were accepted, but the state read after is not the one expected"
    assert (summary, told.steps) == (Summary(failed=1), [("cw-alpha", Outcome.UNVERIFIED, reason)])
    assert read_journal(tmp_path / "j.json") == _journal(
        Entry(
            change=ALPHA,
            applied=Step(
                outcome=Outcome.UNVERIFIED,
                reason=reason,
                at=NOW,
                calls_sent=1,
                calls_attempted=1,
                seen_before=_answer(MIXED),
                seen_after=_answer(MIXED),
                verified=False,
            ),
        )
    )


def test_changes_of_another_account_than_the_credentials_are_skipped_unsent(tmp_path: Path) -> None:
    elsewhere = policy_change("gamma", MIXED, PRIVATE, account=OTHER_ACCOUNT)
    sender = Buckets({"alpha": MIXED, "gamma": MIXED})
    summary, told = _apply(_plan(elsewhere, ALPHA), sender, tmp_path / "j.json")
    reason = f"the credentials are in account {ACCOUNT}, not {OTHER_ACCOUNT}"
    assert (sender.policies, summary, told.steps) == (
        {"alpha": PRIVATE, "gamma": MIXED},
        Summary(done=1, skipped=1),
        [("cw-gamma", Outcome.SKIPPED, reason), ("cw-alpha", Outcome.APPLIED, None)],
    )
    assert [bucket for _, bucket, _ in sender.sent] == ["alpha", "alpha", "alpha"]
    assert read_journal(tmp_path / "j.json") == _journal(
        Entry(change=elsewhere, applied=Step(outcome=Outcome.SKIPPED, reason=reason, at=NOW)), APPLIED_ALPHA
    )


def test_a_run_stopped_mid_call_leaves_a_journal_that_names_the_change_it_was_making(tmp_path: Path) -> None:
    sender = Buckets({"alpha": MIXED, "beta": PUBLIC_ONLY}, interrupt=("DeleteBucketPolicy", "beta"))
    with pytest.raises(KeyboardInterrupt):
        apply_plan(_plan(ALPHA, BETA), sender, tmp_path / "j.json", Refused, Told())
    assert read_journal(tmp_path / "j.json") == _journal(
        APPLIED_ALPHA, Entry(change=BETA, applied=Step(outcome=Outcome.STARTED, at=NOW)), finished=False
    )


def test_the_journal_is_written_before_the_first_change_is_read(tmp_path: Path) -> None:
    sender = Buckets({"alpha": MIXED}, interrupt=("GetBucketPolicy", "alpha"))
    with pytest.raises(KeyboardInterrupt):
        apply_plan(_plan(ALPHA), sender, tmp_path / "j.json", Refused, Told())
    assert read_journal(tmp_path / "j.json") == _journal(
        Entry(change=ALPHA, applied=Step(outcome=Outcome.STARTED, at=NOW)), finished=False
    )


def _rollback(journal: Path, sender: Sender) -> tuple[Summary, Told]:
    told = Told()
    return rollback(journal, sender, Refused, told), told


def _rolled_back(before: dict[str, Any], after: dict[str, Any]) -> Step:
    return Step(
        outcome=Outcome.ROLLED_BACK,
        at=NOW,
        calls_sent=1,
        calls_attempted=1,
        seen_before=before,
        seen_after=after,
        verified=True,
    )


def test_rollback_restores_every_change_latest_first_and_journals_it(tmp_path: Path) -> None:
    sender = Buckets({"alpha": MIXED, "beta": PUBLIC_ONLY})
    _apply(_plan(ALPHA, BETA), sender, tmp_path / "j.json")
    sender.sent.clear()
    summary, told = _rollback(tmp_path / "j.json", sender)
    assert (sender.policies, summary, told.steps) == (
        {"alpha": MIXED, "beta": PUBLIC_ONLY},
        Summary(done=2),
        [("cw-beta", Outcome.ROLLED_BACK, None), ("cw-alpha", Outcome.ROLLED_BACK, None)],
    )
    assert sender.sent == [
        ("GetBucketPolicy", "beta", REGION),
        ("PutBucketPolicy", "beta", REGION),
        ("GetBucketPolicy", "beta", REGION),
        ("GetBucketPolicy", "alpha", REGION),
        ("PutBucketPolicy", "alpha", REGION),
        ("GetBucketPolicy", "alpha", REGION),
    ]
    assert read_journal(tmp_path / "j.json") == _journal(
        Entry(
            change=ALPHA,
            applied=APPLIED_ALPHA.applied,
            rollback=_rolled_back(_answer(PRIVATE), _answer(MIXED)),
        ),
        Entry(
            change=BETA,
            applied=APPLIED_BETA.applied,
            rollback=_rolled_back({"policy": None}, _answer(PUBLIC_ONLY)),
        ),
    )


def test_a_change_rolled_back_is_not_rolled_back_again(tmp_path: Path) -> None:
    sender = Buckets({"alpha": MIXED, "beta": PUBLIC_ONLY})
    _apply(_plan(ALPHA, BETA), sender, tmp_path / "j.json")
    _rollback(tmp_path / "j.json", sender)
    journal = read_journal(tmp_path / "j.json")
    sender.sent.clear()
    summary, told = _rollback(tmp_path / "j.json", sender)
    assert (sender.sent, summary, told.steps, read_journal(tmp_path / "j.json")) == (
        [],
        Summary(),
        [],
        journal,
    )


def test_rollback_skips_a_change_whose_state_changed_since_the_fix(tmp_path: Path) -> None:
    sender = Buckets({"alpha": MIXED, "beta": PUBLIC_ONLY})
    _apply(_plan(ALPHA, BETA), sender, tmp_path / "j.json")
    sender.policies["alpha"] = OTHER
    summary, told = _rollback(tmp_path / "j.json", sender)
    reason = "changed since the fix: the bucket policy changed since the scan"
    assert (sender.policies, summary, told.steps) == (
        {"alpha": OTHER, "beta": PUBLIC_ONLY},
        Summary(done=1, skipped=1),
        [("cw-beta", Outcome.ROLLED_BACK, None), ("cw-alpha", Outcome.SKIPPED, reason)],
    )
    assert read_journal(tmp_path / "j.json").entries[0].rollback == Step(
        outcome=Outcome.SKIPPED, reason=reason, at=NOW, seen_before=_answer(OTHER)
    )


def test_a_skipped_rollback_is_tried_again_by_the_next_rollback(tmp_path: Path) -> None:
    sender = Buckets({"alpha": MIXED})
    _apply(_plan(ALPHA), sender, tmp_path / "j.json")
    sender.policies["alpha"] = OTHER
    _rollback(tmp_path / "j.json", sender)
    sender.policies["alpha"] = PRIVATE
    summary, _ = _rollback(tmp_path / "j.json", sender)
    assert (sender.policies, summary) == ({"alpha": MIXED}, Summary(done=1))


def test_rollback_of_a_stopped_run_restores_what_was_applied_and_skips_what_had_not_taken(
    tmp_path: Path,
) -> None:
    sender = Buckets({"alpha": MIXED, "beta": PUBLIC_ONLY}, interrupt=("DeleteBucketPolicy", "beta"))
    with pytest.raises(KeyboardInterrupt):
        apply_plan(_plan(ALPHA, BETA), sender, tmp_path / "j.json", Refused, Told())
    summary, told = _rollback(tmp_path / "j.json", Buckets(sender.policies))
    assert (summary, told.steps) == (
        Summary(done=1, skipped=1),
        [
            ("cw-beta", Outcome.SKIPPED, "changed since the fix: the bucket policy changed since the scan"),
            ("cw-alpha", Outcome.ROLLED_BACK, None),
        ],
    )


def test_rollback_with_credentials_of_another_account_changes_nothing(tmp_path: Path) -> None:
    sender = Buckets({"alpha": MIXED})
    _apply(_plan(ALPHA), sender, tmp_path / "j.json")
    elsewhere = Buckets({"alpha": PRIVATE}, account=OTHER_ACCOUNT)
    summary, told = _rollback(tmp_path / "j.json", elsewhere)
    reason = f"the credentials are in account {OTHER_ACCOUNT}, not {ACCOUNT}"
    assert (elsewhere.sent, summary, told.steps) == (
        [],
        Summary(skipped=1),
        [("cw-alpha", Outcome.SKIPPED, reason)],
    )


def test_a_skipped_change_is_not_rolled_back_and_a_refused_one_still_as_before_never_took_effect(
    tmp_path: Path,
) -> None:
    """The refused call was sent: its state is read once, found as before, and the change is marked as
    never having taken effect, neither counted nor tried again."""
    sender = Buckets(
        {"alpha": OTHER, "beta": PUBLIC_ONLY}, refuse=frozenset({("DeleteBucketPolicy", "beta")})
    )
    _apply(_plan(ALPHA, BETA), sender, tmp_path / "j.json")
    applied = read_journal(tmp_path / "j.json")
    sender.sent.clear()
    summary, told = _rollback(tmp_path / "j.json", sender)
    assert (sender.sent, sender.policies, summary, told.steps) == (
        [("GetBucketPolicy", "beta", REGION)],
        {"alpha": OTHER, "beta": PUBLIC_ONLY},
        Summary(),
        [],
    )
    assert read_journal(tmp_path / "j.json") == _journal(
        applied.entries[0],
        Entry(
            change=BETA,
            applied=applied.entries[1].applied,
            rollback=Step(outcome=Outcome.SKIPPED, reason=NEVER_TOOK_EFFECT, at=NOW),
        ),
    )
    sender.sent.clear()
    summary, told = _rollback(tmp_path / "j.json", sender)
    assert (sender.sent, summary, told.steps) == ([], Summary(), [])


def test_a_journal_that_is_absent_is_refused(tmp_path: Path) -> None:
    with pytest.raises(JournalError) as refused:
        _rollback(tmp_path / "j.json", Buckets({}))
    assert str(refused.value) == f"cannot read journal {tmp_path / 'j.json'}: No such file or directory"


NOT_A_JOURNAL = " is not a cloudwarden fix journal: "


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", f"{NOT_A_JOURNAL}Input data was truncated"),
        (b"not json", f"{NOT_A_JOURNAL}JSON is malformed: invalid character (byte 4)"),
        (b"[]", f"{NOT_A_JOURNAL}Expected `object`, got `array`"),
        (
            b'{"schema": "cloudwarden.fix-journal/1"}',
            f"{NOT_A_JOURNAL}Object missing required field `report`",
        ),
        (
            b'{"schema": "cloudwarden.findings/1", "report": "r", "account": "1", "started_at": "t"}',
            ": schema 'cloudwarden.findings/1', expected 'cloudwarden.fix-journal/1'",
        ),
        (
            b'{"report": "r", "account": "1", "started_at": "t", "entries": [{"change": {}}]}',
            f"{NOT_A_JOURNAL}Object missing required field `action` - at `$.entries[0].change`",
        ),
        (b"\xff\xfe", f"{NOT_A_JOURNAL}JSON is malformed: invalid character (byte 0)"),
    ],
    ids=[
        "empty",
        "not JSON",
        "not an object",
        "no fields",
        "another schema",
        "a malformed entry",
        "not UTF-8",
    ],
)
def test_a_journal_that_cannot_be_read_is_refused_and_nothing_sent(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "j.json"
    path.write_bytes(content)
    sender = Buckets({"alpha": PRIVATE})
    with pytest.raises(JournalError) as refused:
        _rollback(path, sender)
    assert (str(refused.value), sender.sent) == (
        f"{path}{problem}",
        [],
    )


def test_a_journal_that_cannot_be_written_stops_before_anything_is_sent(tmp_path: Path) -> None:
    sender = Buckets({"alpha": MIXED})
    with pytest.raises(JournalError, match="the journal cannot be written"):
        apply_plan(_plan(ALPHA), sender, tmp_path / "missing" / "j.json", Refused, Told())
    assert sender.sent == []


def test_the_journal_round_trips_every_field_of_a_change(tmp_path: Path) -> None:
    journal = _journal(APPLIED_ALPHA)
    apply.write_journal(tmp_path / "j.json", journal)
    assert msgspec.json.decode((tmp_path / "j.json").read_bytes(), type=Journal) == journal


# --- what applying and rolling back refuse, and what they consider done --------------------------------


class BlindAfterWrite(Buckets):
    """Refuses the read that follows each write (a role that may write, and read only a moment later)."""

    def __init__(self, policies: dict[str, dict[str, Any] | None]) -> None:
        super().__init__(policies)
        self._written = False

    def send(
        self, service: str, operation: str, parameters: dict[str, Any], region: str | None
    ) -> dict[str, Any]:
        if operation == "GetBucketPolicy" and self._written:
            self._written = False
            self.sent.append((operation, parameters["Bucket"], region))
            raise Refused("AccessDenied", "not allowed yet")
        answer = super().send(service, operation, parameters, region)
        self._written = operation != "GetBucketPolicy"
        return answer


def test_a_change_whose_state_cannot_be_read_after_is_unverified_and_rolled_back_like_an_applied_one(
    tmp_path: Path,
) -> None:
    sender = BlindAfterWrite({"alpha": MIXED})
    summary, told = _apply(_plan(ALPHA), sender, tmp_path / "j.json")
    reason = "the calls were accepted, but the state could not be read after"
    unverified = Step(
        outcome=Outcome.UNVERIFIED,
        reason=reason,
        at=NOW,
        calls_sent=1,
        calls_attempted=1,
        seen_before=_answer(MIXED),
    )
    assert (sender.policies, summary, told.steps) == (
        {"alpha": PRIVATE},
        Summary(failed=1),
        [("cw-alpha", Outcome.UNVERIFIED, reason)],
    )
    assert read_journal(tmp_path / "j.json") == _journal(Entry(change=ALPHA, applied=unverified))

    restorer = Buckets(sender.policies)
    summary, told = _rollback(tmp_path / "j.json", restorer)
    assert (restorer.policies, summary, told.steps) == (
        {"alpha": MIXED},
        Summary(done=1),
        [("cw-alpha", Outcome.ROLLED_BACK, None)],
    )
    assert read_journal(tmp_path / "j.json") == _journal(
        Entry(change=ALPHA, applied=unverified, rollback=_rolled_back(_answer(PRIVATE), _answer(MIXED)))
    )


def test_a_call_that_took_effect_but_whose_answer_was_lost_fails_and_is_rolled_back(tmp_path: Path) -> None:
    sender = Buckets({"alpha": MIXED}, lose=frozenset({("PutBucketPolicy", "alpha")}))
    summary, told = _apply(_plan(ALPHA), sender, tmp_path / "j.json")
    reason = "s3.PutBucketPolicy failed: ReadTimeoutError: Read timeout on endpoint URL"
    failed = Step(
        outcome=Outcome.FAILED, reason=reason, at=NOW, calls_attempted=1, seen_before=_answer(MIXED)
    )
    assert (sender.policies, summary, told.steps) == (
        {"alpha": PRIVATE},
        Summary(failed=1),
        [("cw-alpha", Outcome.FAILED, reason)],
    )
    assert read_journal(tmp_path / "j.json") == _journal(Entry(change=ALPHA, applied=failed))

    restorer = Buckets(sender.policies)
    summary, told = _rollback(tmp_path / "j.json", restorer)
    assert (restorer.policies, summary, told.steps) == (
        {"alpha": MIXED},
        Summary(done=1),
        [("cw-alpha", Outcome.ROLLED_BACK, None)],
    )
    assert read_journal(tmp_path / "j.json") == _journal(
        Entry(change=ALPHA, applied=failed, rollback=_rolled_back(_answer(PRIVATE), _answer(MIXED)))
    )


def test_a_change_refused_after_its_first_call_took_effect_is_rolled_back_again_not_forgotten(
    tmp_path: Path,
) -> None:
    """Its first call changed the bucket: the state is neither `after` nor `before`, so the rollback is
    skipped as for a change made since, counted, and tried again next time (not `never took effect`)."""
    two_calls = msgspec.structs.replace(
        BETA,
        calls=(_s3("PutBucketPolicy", "beta", Policy=json.dumps(PRIVATE)), _s3("DeleteBucketPolicy", "beta")),
    )
    sender = Buckets({"beta": PUBLIC_ONLY}, refuse=frozenset({("DeleteBucketPolicy", "beta")}))
    _apply(_plan(two_calls), sender, tmp_path / "j.json")
    assert read_journal(tmp_path / "j.json").entries[0].applied == Step(
        outcome=Outcome.FAILED,
        reason="s3.DeleteBucketPolicy failed: AccessDenied: not allowed to DeleteBucketPolicy on beta",
        at=NOW,
        calls_sent=1,
        calls_attempted=2,
        seen_before=_answer(PUBLIC_ONLY),
    )
    summary, told = _rollback(tmp_path / "j.json", sender)
    reason = "changed since the fix: the bucket policy changed since the scan"
    assert (sender.policies, summary, told.steps) == (
        {"beta": PRIVATE},
        Summary(skipped=1),
        [("cw-beta", Outcome.SKIPPED, reason)],
    )
    assert [entry.change for entry in to_roll_back(read_journal(tmp_path / "j.json"))] == [two_calls]


STRAY = "its calls act on another resource than it reads: "


def test_a_change_whose_calls_or_rollback_act_on_another_bucket_than_it_reads_is_skipped_unsent(
    tmp_path: Path,
) -> None:
    """A plan edited by hand: the read checks one bucket, the calls would change another."""
    aimed_elsewhere = msgspec.structs.replace(ALPHA, calls=(_s3("DeleteBucketPolicy", "beta"),))
    undone_elsewhere = msgspec.structs.replace(
        BETA, rollback=(_s3("PutBucketPolicy", "alpha", Policy=json.dumps(OTHER)),)
    )
    sender = Buckets({"alpha": MIXED, "beta": PUBLIC_ONLY})
    summary, told = _apply(_plan(aimed_elsewhere, undone_elsewhere), sender, tmp_path / "j.json")
    assert (sender.sent, sender.policies, summary, told.steps) == (
        [],
        {"alpha": MIXED, "beta": PUBLIC_ONLY},
        Summary(skipped=2),
        [
            ("cw-alpha", Outcome.SKIPPED, f"{STRAY}s3.DeleteBucketPolicy"),
            ("cw-beta", Outcome.SKIPPED, f"{STRAY}s3.PutBucketPolicy"),
        ],
    )


def test_rollback_of_a_journal_edited_to_restore_another_bucket_is_skipped_unsent(tmp_path: Path) -> None:
    edited = msgspec.structs.replace(ALPHA, rollback=(_s3("DeleteBucketPolicy", "beta"),))
    apply.write_journal(tmp_path / "j.json", _journal(Entry(change=edited, applied=APPLIED_ALPHA.applied)))
    sender = Buckets({"alpha": PRIVATE, "beta": PUBLIC_ONLY})
    summary, told = _rollback(tmp_path / "j.json", sender)
    assert (sender.sent, sender.policies, summary, told.steps) == (
        [],
        {"alpha": PRIVATE, "beta": PUBLIC_ONLY},
        Summary(skipped=1),
        [("cw-alpha", Outcome.SKIPPED, f"{STRAY}s3.DeleteBucketPolicy")],
    )


GROUP = "sg-0123456789abcdef0"
OTHER_GROUP = "sg-0fedcba9876543210"
SSH_WORLD = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def _revocation(read_groups: list[str], group: str) -> Change:
    """Revoking SSH from the world of `group`, checked by reading `read_groups`."""

    def ec2(operation: str, **parameters: Any) -> Call:
        return Call(service="ec2", operation=operation, parameters=parameters)

    return Change(
        action="revoke-ingress",
        summary=f"Revoke SSH from the world of {group}.",
        state=State.SECURITY_GROUP_RULES,
        read=ec2("DescribeSecurityGroups", GroupIds=read_groups),
        before={"direction": "ingress", "present": [SSH_WORLD], "absent": []},
        after={"direction": "ingress", "present": [], "absent": [SSH_WORLD]},
        calls=(ec2("RevokeSecurityGroupIngress", GroupId=group, IpPermissions=[SSH_WORLD]),),
        rollback=(ec2("AuthorizeSecurityGroupIngress", GroupId=group, IpPermissions=[SSH_WORLD]),),
        finding=f"cw-{group}",
        rule="sg-minimal-inbound",
        account=ACCOUNT,
        region=REGION,
        resource=group,
    )


BOTH_CALLS = ["ec2.RevokeSecurityGroupIngress", "ec2.AuthorizeSecurityGroupIngress"]


@pytest.mark.parametrize(
    ("read_groups", "group", "expected"),
    [
        ([GROUP], GROUP, []),
        ([GROUP], OTHER_GROUP, BOTH_CALLS),
        ([GROUP, OTHER_GROUP], GROUP, BOTH_CALLS),
        ([], GROUP, BOTH_CALLS),
    ],
    ids=["the group it reads", "another group", "a read of two groups", "a read of no group"],
)
def test_a_group_revocation_strays_unless_its_read_names_that_one_group(
    read_groups: list[str], group: str, expected: list[str]
) -> None:
    assert strays(_revocation(read_groups, group)) == expected


class AccessKeys:
    """IAM users' access keys (user -> key id -> status), answering ListAccessKeys and UpdateAccessKey
    as IAM does, to credentials whose identity is `caller`."""

    def __init__(self, keys: dict[str, dict[str, str]], caller: str) -> None:
        self.keys = {user: dict(statuses) for user, statuses in keys.items()}
        self._caller = caller
        self.sent: list[tuple[str, str]] = []

    def account(self) -> str:
        return ACCOUNT

    def caller(self) -> str:
        return self._caller

    def send(
        self, service: str, operation: str, parameters: dict[str, Any], region: str | None
    ) -> dict[str, Any]:
        assert (service, region) == ("iam", None)
        user = parameters["UserName"]
        self.sent.append((operation, user))
        if operation == "ListAccessKeys":
            listed = [
                {"UserName": user, "AccessKeyId": key, "Status": status}
                for key, status in self.keys[user].items()
            ]
            return {"AccessKeyMetadata": listed}
        assert operation == "UpdateAccessKey"
        self.keys[user][parameters["AccessKeyId"]] = parameters["Status"]
        return {}


def deactivation(user: str, key: str) -> Change:
    def update(status: str) -> Call:
        return Call(
            service="iam",
            operation="UpdateAccessKey",
            parameters={"UserName": user, "AccessKeyId": key, "Status": status},
        )

    return Change(
        action="deactivate-access-key",
        summary=f"Deactivate the access key {key} of the IAM user {user}.",
        state=State.ACCESS_KEY,
        read=Call(service="iam", operation="ListAccessKeys", parameters={"UserName": user}),
        before={"user": user, "access_key_id": key, "status": "Active"},
        after={"user": user, "access_key_id": key, "status": "Inactive"},
        calls=(update("Inactive"),),
        rollback=(update("Active"),),
        disruptive=True,
        finding=f"cw-{user}",
        rule="iam-user-mfa",
        account=ACCOUNT,
        region="global",
        resource=user,
    )


OWN_KEY = "it would deactivate an access key of the user these credentials are: do it by hand"


@pytest.mark.parametrize(
    ("caller", "alice"),
    [
        (f"arn:aws:iam::{ACCOUNT}:user/alice", (Outcome.SKIPPED, OWN_KEY)),
        (f"arn:aws:iam::{ACCOUNT}:user/ops/alice", (Outcome.SKIPPED, OWN_KEY)),
        (f"arn:aws:iam::{ACCOUNT}:user/ops/alice-admin", (Outcome.APPLIED, None)),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/alice/session", (Outcome.APPLIED, None)),
    ],
    ids=["the user", "the user under a path", "another user", "a role of the same name"],
)
def test_an_access_key_of_the_user_the_credentials_are_is_never_deactivated(
    tmp_path: Path, caller: str, alice: tuple[Outcome, str | None]
) -> None:
    """Deactivating it would cut off the run that makes the change, half-way through the plan."""
    sender = AccessKeys({"alice": {"AKIAALICE": "Active"}, "bob": {"AKIABOB": "Active"}}, caller)
    summary, told = _apply(
        _plan(deactivation("alice", "AKIAALICE"), deactivation("bob", "AKIABOB")), sender, tmp_path / "j.json"
    )
    sent = [("ListAccessKeys", "bob"), ("UpdateAccessKey", "bob"), ("ListAccessKeys", "bob")]
    if alice[0] is Outcome.SKIPPED:
        assert (sender.keys, sender.sent, summary, told.steps) == (
            {"alice": {"AKIAALICE": "Active"}, "bob": {"AKIABOB": "Inactive"}},
            sent,
            Summary(done=1, skipped=1),
            [("cw-alice", *alice), ("cw-bob", Outcome.APPLIED, None)],
        )
    else:
        assert (sender.keys, sender.sent, summary, told.steps) == (
            {"alice": {"AKIAALICE": "Inactive"}, "bob": {"AKIABOB": "Inactive"}},
            [(operation, "alice") for operation, _ in sent] + sent,
            Summary(done=2),
            [("cw-alice", *alice), ("cw-bob", Outcome.APPLIED, None)],
        )


def test_rollback_skips_an_entry_of_another_account_than_the_journals(tmp_path: Path) -> None:
    """A journal edited by hand: a change is rolled back only in the account the journal was written in."""
    elsewhere = policy_change("gamma", MIXED, PRIVATE, account=OTHER_ACCOUNT)
    apply.write_journal(
        tmp_path / "j.json",
        _journal(APPLIED_ALPHA, Entry(change=elsewhere, applied=_applied(_answer(MIXED), _answer(PRIVATE)))),
    )
    sender = Buckets({"alpha": PRIVATE, "gamma": PRIVATE})
    summary, told = _rollback(tmp_path / "j.json", sender)
    assert (sender.policies, summary, told.steps) == (
        {"alpha": MIXED, "gamma": PRIVATE},
        Summary(done=1, skipped=1),
        [
            ("cw-gamma", Outcome.SKIPPED, f"the journal was written in account {ACCOUNT}"),
            ("cw-alpha", Outcome.ROLLED_BACK, None),
        ],
    )
    assert [bucket for _, bucket, _ in sender.sent] == ["alpha", "alpha", "alpha"]


def _entry(outcome: Outcome, attempted: int = 1, rollback: Step | None = None) -> Entry:
    return Entry(
        change=ALPHA, applied=Step(outcome=outcome, at=NOW, calls_attempted=attempted), rollback=rollback
    )


@pytest.mark.parametrize(
    ("entry", "considered"),
    [
        (_entry(Outcome.APPLIED), True),
        (_entry(Outcome.STARTED, attempted=0), True),
        (_entry(Outcome.UNVERIFIED), True),
        (_entry(Outcome.FAILED), True),
        (_entry(Outcome.FAILED, attempted=0), False),
        (_entry(Outcome.SKIPPED, attempted=0), False),
        (_entry(Outcome.APPLIED, rollback=Step(outcome=Outcome.ROLLED_BACK, at=NOW)), False),
        (_entry(Outcome.APPLIED, rollback=Step(outcome=Outcome.FAILED, at=NOW)), True),
        (_entry(Outcome.APPLIED, rollback=Step(outcome=Outcome.SKIPPED, reason="drifted", at=NOW)), True),
        (
            _entry(Outcome.FAILED, rollback=Step(outcome=Outcome.SKIPPED, reason=NEVER_TOOK_EFFECT, at=NOW)),
            False,
        ),
    ],
    ids=[
        "applied",
        "started",
        "unverified",
        "failed after a call was sent",
        "failed before any call",
        "skipped",
        "rolled back",
        "rollback failed",
        "rollback skipped",
        "never took effect",
    ],
)
def test_which_entries_a_rollback_considers(entry: Entry, considered: bool) -> None:
    assert to_roll_back(_journal(entry)) == ([entry] if considered else [])
