"""Applying a plan and rolling it back, against an in-memory S3 that keeps bucket policies: each change
re-read before it is made, journaled before and after it is sent, skipped when the bucket drifted,
failed alone when refused; rollback restores what the journal recorded, once, and only what is still
as the change left it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from cloudwarden.fix import apply
from cloudwarden.fix.apply import (
    Entry,
    Journal,
    JournalError,
    Outcome,
    Step,
    Summary,
    apply_plan,
    read_journal,
    rollback,
)
from cloudwarden.fix.plan import Change, Plan
from cloudwarden.remedy import Call, State

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
REGION = "eu-west-1"
NOW = "2025-06-15T12:00:00+00:00"

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
    DeleteBucketPolicy as S3 does; records every call it is sent."""

    def __init__(
        self,
        policies: dict[str, dict[str, Any] | None],
        account: str = ACCOUNT,
        *,
        refuse: frozenset[tuple[str, str]] = frozenset(),
        interrupt: tuple[str, str] | None = None,
    ) -> None:
        self.policies = dict(policies)
        self._account = account
        self._refuse = refuse
        self._interrupt = interrupt
        self.sent: list[tuple[str, str, str | None]] = []

    def account(self) -> str:
        return self._account

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


def _apply(plan: Plan, sender: Buckets, journal: Path) -> tuple[Summary, Told]:
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
        outcome=Outcome.APPLIED, at=NOW, calls_sent=1, seen_before=before, seen_after=after, verified=True
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
            applied=Step(outcome=Outcome.FAILED, reason=reason, at=NOW, seen_before=_answer(MIXED)),
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


def test_a_change_whose_state_is_not_the_expected_one_after_is_applied_but_not_verified(
    tmp_path: Path,
) -> None:
    summary, _ = _apply(_plan(ALPHA), Unchanging({"alpha": MIXED}), tmp_path / "j.json")
    assert summary == Summary(done=1)
    assert read_journal(tmp_path / "j.json") == _journal(
        Entry(
            change=ALPHA,
            applied=Step(
                outcome=Outcome.APPLIED,
                at=NOW,
                calls_sent=1,
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


def _rollback(journal: Path, sender: Buckets) -> tuple[Summary, Told]:
    told = Told()
    return rollback(journal, sender, Refused, told), told


def _rolled_back(before: dict[str, Any], after: dict[str, Any]) -> Step:
    return Step(
        outcome=Outcome.ROLLED_BACK, at=NOW, calls_sent=1, seen_before=before, seen_after=after, verified=True
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
    reason = f"the credentials are in account {OTHER_ACCOUNT}, the journal's changes in {ACCOUNT}"
    assert (elsewhere.sent, summary, told.steps) == (
        [],
        Summary(skipped=1),
        [("cw-alpha", Outcome.SKIPPED, reason)],
    )


def test_changes_not_applied_are_not_rolled_back(tmp_path: Path) -> None:
    sender = Buckets(
        {"alpha": OTHER, "beta": PUBLIC_ONLY}, refuse=frozenset({("DeleteBucketPolicy", "beta")})
    )
    _apply(_plan(ALPHA, BETA), sender, tmp_path / "j.json")
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
