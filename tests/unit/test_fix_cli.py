"""`cloudwarden fix` and `cloudwarden permissions --fix` on the command line, without AWS: usage errors
are one line and exit 2 before anything is sent; `--apply` and `--rollback` reach AWS only through
`Writer`, here an in-memory account of bucket policies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from typer.testing import CliRunner

from cloudwarden import cli
from cloudwarden.cli import app
from cloudwarden.collect.writer import CallFailed, WriterError
from cloudwarden.config import Config
from cloudwarden.engine import evaluate
from cloudwarden.findings import Report
from cloudwarden.fix import command
from cloudwarden.fix.apply import Journal, read_journal, write_journal
from cloudwarden.fix.command import fix_operations
from cloudwarden.fix.plan import Change, plan_fixes
from cloudwarden.permissions import iam_action
from cloudwarden.remedy import Call
from cloudwarden.rules import FIXERS
from cloudwarden.rules.s3_no_public_access import S3_NO_PUBLIC_ACCESS

from .builders import (
    ACCOUNT_ID,
    BUCKET_REGION,
    OTHER_ACCOUNT_ID,
    allow_statement,
    bucket_policy,
    s3_account,
    s3_bucket,
    snapshot,
)

BUCKET = "team-data"
PUBLIC = allow_statement(sid="PublicRead", bucket=BUCKET)
PARTNER = allow_statement(
    sid="Partner", principal={"AWS": f"arn:aws:iam::{OTHER_ACCOUNT_ID}:root"}, bucket=BUCKET
)
SCANNED = {"Version": "2012-10-17", "Statement": [PUBLIC, PARTNER]}
FIXED = {"Version": "2012-10-17", "Statement": [PARTNER]}


def _report() -> Report:
    """The JSON report of a scan that found the bucket public through one statement of its policy."""
    return evaluate(
        snapshot(s3_account(s3_bucket(BUCKET, policy=bucket_policy(PUBLIC, PARTNER)))),
        Config(),
        rules=[S3_NO_PUBLIC_ACCESS],
    )


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "scan.json"
    path.write_bytes(msgspec.json.encode(_report()))
    return path


class Account:
    """`collect.writer.Writer` without AWS: the account's bucket policies, answered as S3 does, and
    every session made and call sent."""

    def __init__(self, policies: dict[str, dict[str, Any] | None]) -> None:
        self.policies = policies
        self.sessions: list[tuple[str | None, frozenset[str]]] = []
        self.sent: list[str] = []

    def __call__(self, profile: str | None, allowed: frozenset[str]) -> Account:
        self.sessions.append((profile, allowed))
        return self

    def account(self) -> str:
        return ACCOUNT_ID

    def caller(self) -> str:
        return f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/fixer/session"

    def send(
        self, service: str, operation: str, parameters: dict[str, Any], region: str | None
    ) -> dict[str, Any]:
        self.sent.append(f"{service}.{operation} {parameters['Bucket']} {region}")
        policy = self.policies[parameters["Bucket"]]
        if operation == "GetBucketPolicy":
            if policy is None:
                raise CallFailed("NoSuchBucketPolicy", "The bucket policy does not exist")
            return {"Policy": json.dumps(policy)}
        if operation == "PutBucketPolicy":
            self.policies[parameters["Bucket"]] = json.loads(parameters["Policy"])
            return {}
        raise CallFailed("AccessDenied", f"not modelled: {operation}")


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Account:
    """The account `fix --apply` and `--rollback` change (no test here reaches AWS: `no_aws`)."""
    fake = Account({BUCKET: SCANNED})
    monkeypatch.setattr(command, "Writer", fake)
    return fake


@pytest.fixture(autouse=True)
def no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(profile: str | None, allowed: frozenset[str]) -> None:
        raise AssertionError("a test of the command line reached for AWS")

    monkeypatch.setattr(command, "Writer", refuse)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _usage_error(message: str) -> tuple[int, str, str]:
    return 2, "", f"cloudwarden: error: {message}\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "fix needs REPORT.json (a report of scan or evaluate), or --rollback JOURNAL"),
        (["--apply"], "fix needs REPORT.json (a report of scan or evaluate), or --rollback JOURNAL"),
        (["scan.json", "--yes"], "--yes, --profile and --journal go with --apply (or --rollback)"),
        (
            ["scan.json", "--profile", "fixer"],
            "--yes, --profile and --journal go with --apply (or --rollback)",
        ),
        (
            ["scan.json", "--journal", "j.json"],
            "--yes, --profile and --journal go with --apply (or --rollback)",
        ),
        (
            ["scan.json", "--rule", "s3-no-public-access", "--rule", "nope"],
            "unknown rule id(s): nope (see `cloudwarden rules` for the available rules)",
        ),
        (
            ["scan.json", "--account", ACCOUNT_ID, "--account", "12345"],
            "--account: not an account id (12 digits): '12345'",
        ),
        *(
            (["--rollback", "j.json", *others], "--rollback JOURNAL takes only --yes and --profile")
            for others in (
                ["scan.json"],
                ["--apply"],
                ["--journal", "other.json"],
                ["--include-disruptive"],
                ["--rule", "s3-no-public-access"],
                ["--finding", "cw-1"],
                ["--account", ACCOUNT_ID],
                ["--output", "plan.sh"],
                ["--config", "config.yaml"],
            )
        ),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    assert _run("fix", *args) == _usage_error(message)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"findings": []}', "schema None, expected 'cloudwarden.findings/1'"),
        (b"[1]", "Expected `object`, got `array`"),
    ],
)
def test_a_file_that_is_not_a_report_is_refused(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "scan.json"
    path.write_bytes(content)
    assert _run("fix", str(path)) == _usage_error(
        f"{path} is not a cloudwarden JSON report (--format json): {problem}"
    )


def test_a_report_that_is_not_there_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scan.json"
    assert _run("fix", str(path)) == _usage_error(f"cannot read report {path}: No such file or directory")


def test_the_plan_is_printed_and_nothing_sent_without_apply(report: Path) -> None:
    code, stdout, stderr = _run("fix", str(report), "--format", "json")
    plan = json.loads(stdout)
    assert (code, stderr) == (0, "")
    assert [(change["action"], change["calls"]) for change in plan["changes"]] == [
        (
            "remove-public-policy-statements",
            [
                {
                    "service": "s3",
                    "operation": "PutBucketPolicy",
                    "parameters": {"Bucket": BUCKET, "Policy": json.dumps(FIXED)},
                }
            ],
        )
    ]


@pytest.mark.parametrize("given", [True, False], ids=["--journal", "beside the report"])
def test_a_journal_that_exists_is_never_overwritten_and_nothing_is_sent(
    report: Path, account: Account, given: bool
) -> None:
    journal = report.parent / ("earlier.json" if given else "scan.fix-journal.json")
    journal.write_text("the only way back of earlier changes")
    args = ["--journal", str(journal)] if given else []
    assert _run("fix", str(report), "--apply", "--yes", *args) == _usage_error(
        f"{journal} exists: it may be the journal of earlier changes (their only way back); give another "
        "--journal, or move it away"
    )
    assert (journal.read_text(), account.sessions, account.policies) == (
        "the only way back of earlier changes",
        [],
        {BUCKET: SCANNED},
    )


def test_a_journal_in_a_directory_that_does_not_exist_is_refused(report: Path, account: Account) -> None:
    journal = report.parent / "missing" / "j.json"
    assert _run("fix", str(report), "--apply", "--yes", "--journal", str(journal)) == _usage_error(
        f"--journal {journal}: no such directory: {journal.parent}"
    )
    assert account.sessions == []


def test_apply_without_yes_is_refused_when_no_one_is_at_a_terminal(report: Path, account: Account) -> None:
    code, stdout, stderr = _run("fix", str(report), "--apply")
    assert (code, stderr) == (
        2,
        "cloudwarden: error: changes are made only after confirmation at a terminal: give --yes to apply "
        "without asking\n",
    )
    assert stdout.startswith("#!/bin/sh\n")
    assert (account.sessions, (report.parent / "scan.fix-journal.json").exists()) == ([], False)


def _told(action: str, reason: str = "") -> str:
    """The line `fix` writes of the bucket's change."""
    (change,) = plan_fixes(_report(), "scan.json", Config()).changes
    what = f"s3-no-public-access {BUCKET} ({ACCOUNT_ID}, {BUCKET_REGION}): {change.summary}"
    return f"{action:>11}  {what}{reason}\n"


BUCKET_POLICY_CALLS = frozenset({"s3.GetBucketPolicy", "s3.PutBucketPolicy"})
"""The calls of the plan's one change: its read, its call and its rollback (the alternative is not
applied: its calls are not allowed)."""


def test_apply_then_rollback_with_yes_changes_the_bucket_and_restores_it(
    report: Path, account: Account
) -> None:
    journal = report.parent / "scan.fix-journal.json"
    code, _, stderr = _run("fix", str(report), "--apply", "--yes", "--profile", "fixer")
    assert (code, stderr, account.policies) == (
        0,
        _told("applied") + f"cloudwarden: fix: 1 applied, 0 skipped, 0 failed (journal: {journal}; undo with "
        f"`cloudwarden fix --rollback {journal}`)\n",
        {BUCKET: FIXED},
    )
    assert account.sessions == [("fixer", BUCKET_POLICY_CALLS)]
    assert command.pending_rollbacks(journal) == list(plan_fixes(_report(), str(report), Config()).changes)

    code, stdout, stderr = _run("fix", "--rollback", str(journal), "--yes")
    assert (code, stdout, stderr, account.policies) == (
        0,
        "",
        _told("rolled back")
        + f"cloudwarden: fix --rollback: 1 rolled back, 0 skipped, 0 failed (journal: {journal})\n",
        {BUCKET: SCANNED},
    )
    assert account.sent == [
        f"s3.{operation} {BUCKET} {BUCKET_REGION}"
        for operation in ("GetBucketPolicy", "PutBucketPolicy", "GetBucketPolicy") * 2
    ]

    assert account.sessions[1:] == [(None, BUCKET_POLICY_CALLS)]

    assert _run("fix", "--rollback", str(journal), "--yes") == (
        0,
        "",
        "cloudwarden: fix --rollback: nothing to roll back\n",
    )
    assert command.pending_rollbacks(journal) == []


def test_apply_exits_1_when_a_change_was_skipped(report: Path, account: Account) -> None:
    account.policies[BUCKET] = FIXED
    journal = report.parent / "scan.fix-journal.json"
    code, _, stderr = _run("fix", str(report), "--apply", "--yes")
    assert (code, stderr, account.policies) == (
        1,
        _told("skipped", ": drifted: the bucket policy changed since the scan")
        + f"cloudwarden: fix: 0 applied, 1 skipped, 0 failed (journal: {journal}; "
        f"undo with `cloudwarden fix --rollback {journal}`)\n",
        {BUCKET: FIXED},
    )


def test_rollback_without_yes_is_refused_when_no_one_is_at_a_terminal(report: Path, account: Account) -> None:
    journal = report.parent / "scan.fix-journal.json"
    _run("fix", str(report), "--apply", "--yes")
    account.sessions.clear()
    assert _run("fix", "--rollback", str(journal)) == _usage_error(
        "changes are made only after confirmation at a terminal: give --yes to apply without asking"
    )
    assert (account.sessions, account.policies) == ([], {BUCKET: FIXED})


def test_rollback_of_a_file_that_is_not_a_journal_is_refused(tmp_path: Path, account: Account) -> None:
    journal = tmp_path / "j.json"
    journal.write_text("[]")
    assert _run("fix", "--rollback", str(journal), "--yes") == _usage_error(
        f"{journal} is not a cloudwarden fix journal: Expected `object`, got `array`"
    )
    assert account.sessions == []


def _policy_actions(stdout: str) -> list[str]:
    (statement,) = json.loads(stdout)["Statement"]
    assert {key: value for key, value in statement.items() if key != "Action"} == {
        "Sid": "CloudwardenFix",
        "Effect": "Allow",
        "Resource": "*",
    }
    return list(statement["Action"])


IAM_ACTION_OF_WRITE = {
    "s3.PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "s3.DeletePublicAccessBlock": "s3:PutBucketPublicAccessBlock",
}
"""Operations of the fixers whose IAM action has another name (the scanner's reads: `iam_action`)."""


def _action_of(operation: str) -> str:
    return IAM_ACTION_OF_WRITE.get(operation) or iam_action(operation)


def test_permissions_fix_is_the_union_of_the_fixers_actions_and_get_caller_identity() -> None:
    code, stdout, stderr = _run("permissions", "--fix")
    actions = _policy_actions(stdout)
    assert (code, stderr) == (0, "")
    assert actions == sorted(
        {"sts:GetCallerIdentity", *(action for fixer in FIXERS.values() for action in fixer.actions)}
    )
    assert set(actions) - {"sts:GetCallerIdentity"} <= {
        _action_of(operation) for operation in fix_operations()
    }


@pytest.mark.parametrize("rule", sorted(FIXERS))
def test_a_fixers_actions_are_exactly_those_of_the_operations_it_declares(rule: str) -> None:
    fixer = FIXERS[rule]
    assert sorted(set(fixer.actions)) == sorted({_action_of(operation) for operation in fixer.operations})


@pytest.mark.parametrize("rule", sorted(FIXERS))
def test_permissions_fix_of_one_rule_is_its_fixers_actions_only(rule: str) -> None:
    code, stdout, _ = _run("permissions", "--fix", "--rule", rule)
    assert (code, _policy_actions(stdout)) == (0, sorted({"sts:GetCallerIdentity", *FIXERS[rule].actions}))


def test_permissions_fix_of_a_rule_without_fixer_is_only_the_account_check() -> None:
    code, stdout, _ = _run("permissions", "--fix", "--rule", "root-mfa")
    assert (code, _policy_actions(stdout)) == (0, ["sts:GetCallerIdentity"])


# --- the journal reserved for the run, and what the write session allows --------------------------------

EXISTS = (
    "exists: it may be the journal of earlier changes (their only way back); give another --journal, or "
    "move it away"
)


def test_a_journal_reserved_by_one_run_is_refused_to_a_second_and_freed_when_left_empty(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "j.json"
    with command.reserved(journal):
        assert (journal.read_bytes(), journal.stat().st_mode & 0o777) == (b"", 0o600)
        with pytest.raises(command.FixProblem) as refused, command.reserved(journal):
            pass
        assert (str(refused.value), journal.exists()) == (f"{journal} {EXISTS}", True)
    assert journal.exists() is False


def test_a_journal_reserved_is_removed_when_the_block_fails_before_anything_was_journaled(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "j.json"
    with pytest.raises(CallFailed), command.reserved(journal):
        raise CallFailed("AccessDenied", "not allowed")
    assert journal.exists() is False


def test_a_journal_reserved_is_kept_once_written(tmp_path: Path) -> None:
    journal = tmp_path / "j.json"
    written = Journal(report="scan.json", account=ACCOUNT_ID, started_at="2025-06-15T12:00:00+00:00")
    with command.reserved(journal):
        write_journal(journal, written)
    assert read_journal(journal) == written


def test_a_link_where_the_journal_goes_is_refused_and_what_it_points_to_untouched(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("someone else's file")
    journal = tmp_path / "j.json"
    journal.symlink_to(target)
    with pytest.raises(command.FixProblem) as refused, command.reserved(journal):
        pass
    assert (str(refused.value), journal.is_symlink(), target.read_text()) == (
        f"{journal} {EXISTS}",
        True,
        "someone else's file",
    )


def test_a_journal_that_cannot_be_created_is_refused(tmp_path: Path) -> None:
    journal = tmp_path / "missing" / "j.json"
    with pytest.raises(command.FixProblem) as refused, command.reserved(journal):
        pass
    assert str(refused.value) == f"--journal {journal}: cannot be created: No such file or directory"


class Asked:
    """A person at a terminal who answers `answer` to every question, which it records."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.questions: list[tuple[str, bool]] = []

    def __call__(self, question: str, yes: bool, ask: Any) -> bool:
        self.questions.append((question, yes))
        return self.answer


QUESTION = f"Apply these 1 change(s) in account(s) {ACCOUNT_ID}?"


@pytest.mark.parametrize("to_file", [True, False], ids=["--output", "plan on stdout"])
def test_declining_at_the_terminal_sends_nothing_and_leaves_no_journal(
    report: Path, account: Account, monkeypatch: pytest.MonkeyPatch, to_file: bool
) -> None:
    """With --output the plan is not on the screen: it is shown on stderr before the question."""
    asked = Asked(answer=False)
    monkeypatch.setattr(cli, "confirm", asked)
    plan_file = report.parent / "plan.sh"
    code, stdout, stderr = _run(
        "fix", str(report), "--apply", *(["--output", str(plan_file)] if to_file else [])
    )
    shown = plan_file.read_text() if to_file else ""
    assert (code, stderr, asked.questions) == (
        1,
        f"{shown}cloudwarden: fix: nothing applied\n",
        [(QUESTION, False)],
    )
    assert stdout.startswith("#!/bin/sh\n") is not to_file
    assert (account.sessions, account.sent, (report.parent / "scan.fix-journal.json").exists()) == (
        [],
        [],
        False,
    )


def test_with_output_and_yes_the_plan_is_not_shown_again(report: Path, account: Account) -> None:
    journal = report.parent / "scan.fix-journal.json"
    code, stdout, stderr = _run(
        "fix", str(report), "--apply", "--yes", "--output", str(report.parent / "plan.sh")
    )
    assert (code, stdout, stderr) == (
        0,
        "",
        _told("applied") + f"cloudwarden: fix: 1 applied, 0 skipped, 0 failed (journal: {journal}; undo with "
        f"`cloudwarden fix --rollback {journal}`)\n",
    )


def test_credentials_that_cannot_be_used_are_a_usage_error_and_leave_no_journal(
    report: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unusable(profile: str | None, allowed: frozenset[str]) -> None:
        raise WriterError(f"cannot use these credentials: The config profile ({profile}) could not be found")

    monkeypatch.setattr(command, "Writer", unusable)
    code, stdout, stderr = _run("fix", str(report), "--apply", "--yes", "--profile", "nope")
    assert (code, stderr) == (
        2,
        "cloudwarden: error: cannot use these credentials: The config profile (nope) could not be found\n",
    )
    assert (stdout.startswith("#!/bin/sh\n"), (report.parent / "scan.fix-journal.json").exists()) == (
        True,
        False,
    )


def _change(*calls: Call) -> Change:
    (change,) = plan_fixes(_report(), "scan.json", Config()).changes
    return msgspec.structs.replace(change, calls=calls) if calls else change


def test_the_write_session_allows_the_plans_own_calls_that_fixers_declare_only() -> None:
    """A plan edited to delete the bucket: the session will refuse that call (no fixer declares it)."""
    deleting = Call(service="s3", operation="DeleteBucket", parameters={"Bucket": BUCKET})
    acl = Call(service="s3", operation="PutBucketAcl", parameters={"Bucket": BUCKET})
    assert (
        command.operations_of([]),
        command.operations_of([_change()]),
        command.operations_of([_change(deleting), _change(acl)]),
    ) == (
        frozenset(),
        BUCKET_POLICY_CALLS,
        frozenset({"s3.GetBucketPolicy", "s3.PutBucketPolicy", "s3.PutBucketAcl"}),
    )
