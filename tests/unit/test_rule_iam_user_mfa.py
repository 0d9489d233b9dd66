"""Rule iam-user-mfa on hand-built credential reports: every IAM user judged by every credential."""

from __future__ import annotations

import msgspec
import pytest

from cloudwarden.findings import Severity, Status
from cloudwarden.rules.iam_user_mfa import IAM_USER_MFA
from cloudwarden.semantics.credentials import ROOT_USER
from cloudwarden.snapshot import CredentialReport

from .builders import (
    ACCOUNT_ID,
    account,
    account_summary,
    api_error,
    console_user,
    credential_report,
    key_user,
    outcomes,
    root_row,
    run,
    severity_of,
    single,
    user_row,
)


def test_console_user_without_mfa_fails_high() -> None:
    verdicts = run(
        IAM_USER_MFA, account(report=credential_report(root_row(), console_user("alice", mfa=False)))
    )
    assert outcomes(verdicts) == {(Status.FAIL, "alice")}
    verdict = single(verdicts)
    assert severity_of(IAM_USER_MFA, verdict) is Severity.HIGH
    assert "console" in verdict.message
    assert verdict.resource.type == "AWS::IAM::User"
    assert verdict.resource.arn == f"arn:aws:iam::{ACCOUNT_ID}:user/alice"


def test_access_key_only_user_without_mfa_fails_medium() -> None:
    verdicts = run(IAM_USER_MFA, account(report=credential_report(root_row(), key_user("deploy", mfa=False))))
    assert outcomes(verdicts) == {(Status.FAIL, "deploy")}
    verdict = single(verdicts)
    assert verdict.severity is Severity.MEDIUM
    assert "without" in verdict.message
    assert "access keys" in verdict.message


def test_user_with_only_second_key_active_and_no_mfa_fails_medium() -> None:
    row = user_row("ci", access_key_2_active="true", access_key_2_last_rotated="2024-01-01T00:00:00+00:00")
    verdict = single(run(IAM_USER_MFA, account(report=credential_report(root_row(), row))))
    assert (verdict.status, verdict.severity) == (Status.FAIL, Severity.MEDIUM)


def test_console_user_with_mfa_passes() -> None:
    verdicts = run(IAM_USER_MFA, account(report=credential_report(root_row(), console_user("bob", mfa=True))))
    assert outcomes(verdicts) == {(Status.PASS, "bob")}
    assert "has MFA" in single(verdicts).message


def test_user_with_keys_and_mfa_passes() -> None:
    verdicts = run(IAM_USER_MFA, account(report=credential_report(key_user("deploy", mfa=True))))
    assert outcomes(verdicts) == {(Status.PASS, "deploy")}


def test_user_without_any_credential_passes() -> None:
    verdicts = run(IAM_USER_MFA, account(report=credential_report(root_row(), user_row("idle"))))
    assert outcomes(verdicts) == {(Status.PASS, "idle")}
    assert "no password and no active access keys" in single(verdicts).message


def test_user_with_only_inactive_keys_and_no_mfa_passes() -> None:
    row = user_row(
        "retired", access_key_1_active="false", access_key_1_last_rotated="2022-01-01T00:00:00+00:00"
    )
    assert outcomes(run(IAM_USER_MFA, account(report=credential_report(row)))) == {(Status.PASS, "retired")}


def test_unreadable_mfa_flag_of_a_user_with_credentials_is_unknown() -> None:
    row = console_user("carol", mfa=False, mfa_active="enabled")
    verdicts = run(IAM_USER_MFA, account(report=credential_report(root_row(), row)))
    assert outcomes(verdicts) == {(Status.UNKNOWN, "carol")}
    assert "mfa_active" in single(verdicts).message


def test_missing_mfa_column_of_a_user_with_keys_is_unknown() -> None:
    row = key_user("deploy", mfa=False, mfa_active=None)
    assert outcomes(run(IAM_USER_MFA, account(report=credential_report(row)))) == {(Status.UNKNOWN, "deploy")}


def test_unreadable_password_flag_with_active_key_and_no_mfa_fails_medium() -> None:
    row = key_user("dave", mfa=False, password_enabled="???")
    verdicts = run(IAM_USER_MFA, account(report=credential_report(root_row(), row)))
    assert outcomes(verdicts) == {(Status.FAIL, "dave")}
    verdict = single(verdicts)
    assert verdict.severity is Severity.MEDIUM
    assert "password_enabled unreadable" in verdict.message


def test_unreadable_password_flag_without_keys_or_mfa_is_unknown() -> None:
    row = user_row("erin", password_enabled="yes")
    verdicts = run(IAM_USER_MFA, account(report=credential_report(row)))
    assert outcomes(verdicts) == {(Status.UNKNOWN, "erin")}
    assert "password_enabled" in single(verdicts).message


def test_unreadable_key_flag_without_password_or_mfa_is_unknown() -> None:
    row = user_row("frank", access_key_1_active="")
    verdicts = run(IAM_USER_MFA, account(report=credential_report(row)))
    assert outcomes(verdicts) == {(Status.UNKNOWN, "frank")}
    assert "access_key_1_active" in single(verdicts).message


def test_root_row_is_never_judged_as_a_user() -> None:
    root_without_mfa = root_row(mfa_active="false", access_key_1_active="true")
    assert run(IAM_USER_MFA, account(report=credential_report(root_without_mfa))) == []


def test_missing_report_is_one_unknown_for_the_account_naming_the_error() -> None:
    target = account(report=None, errors=[api_error("GenerateCredentialReport", code="AccessDenied")])
    verdicts = run(IAM_USER_MFA, target)
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert verdict.resource.type == "AWS::::Account"
    assert "AccessDenied" in verdict.message


def test_several_users_are_judged_each_on_their_own() -> None:
    report = credential_report(
        root_row(mfa_active="false"),
        console_user("alice", mfa=False),
        console_user("bob", mfa=True),
        key_user("deploy", mfa=False),
        key_user("backup", mfa=True),
        user_row("idle"),
        console_user("carol", mfa=False, mfa_active="garbage"),
        user_row("root-admin", password_enabled="true", mfa_active="false"),
    )
    verdicts = run(IAM_USER_MFA, account(report=report))
    assert outcomes(verdicts) == {
        (Status.FAIL, "alice"),
        (Status.PASS, "bob"),
        (Status.FAIL, "deploy"),
        (Status.PASS, "backup"),
        (Status.PASS, "idle"),
        (Status.UNKNOWN, "carol"),
        (Status.FAIL, "root-admin"),
    }
    assert len(verdicts) == 7
    assert ROOT_USER not in {verdict.resource.id for verdict in verdicts}
    severities = {v.resource.id: severity_of(IAM_USER_MFA, v) for v in verdicts if v.status is Status.FAIL}
    assert severities == {"alice": Severity.HIGH, "deploy": Severity.MEDIUM, "root-admin": Severity.HIGH}


def test_user_arn_from_the_report_is_kept() -> None:
    row = console_user("eve", mfa=False, arn=f"arn:aws:iam::{ACCOUNT_ID}:user/team/eve")
    verdict = single(run(IAM_USER_MFA, account(report=credential_report(row))))
    assert verdict.resource.arn == f"arn:aws:iam::{ACCOUNT_ID}:user/team/eve"
    assert verdict.resource.id == "eve"


# --- users newer than the credential report ---------------------------------------------------------


def _report_of_two() -> CredentialReport:
    report = credential_report(root_row(), console_user("alice", mfa=True), key_user("deploy", mfa=False))
    return msgspec.structs.replace(report, generated_time="2025-06-15T09:00:00+00:00")


def test_users_created_after_the_report_make_the_account_unknown_beside_the_judged_users() -> None:
    verdicts = run(IAM_USER_MFA, account(summary=account_summary(users=5), report=_report_of_two()))
    assert outcomes(verdicts) == {
        (Status.PASS, "alice"),
        (Status.FAIL, "deploy"),
        (Status.UNKNOWN, ACCOUNT_ID),
    }
    unknown = next(v for v in verdicts if v.status is Status.UNKNOWN)
    assert unknown.message.startswith(
        "3 of the account's 5 IAM users are not in the credential report "
        "(generated 2025-06-15T09:00:00+00:00)"
    )
    assert unknown.evidence == {
        "users": 5,
        "users_in_report": 2,
        "report_generated": "2025-06-15T09:00:00+00:00",
    }
    assert unknown.resource.type == "AWS::::Account"


@pytest.mark.parametrize("users", [2, 1, 0])
def test_as_many_users_as_the_report_lists_or_fewer_adds_nothing(users: int) -> None:
    """Fewer users now than in the report: some were deleted since, and their rows are still judged."""
    verdicts = run(IAM_USER_MFA, account(summary=account_summary(users=users), report=_report_of_two()))
    assert outcomes(verdicts) == {(Status.PASS, "alice"), (Status.FAIL, "deploy")}


def test_without_the_account_summary_the_report_is_judged_alone() -> None:
    verdicts = run(
        IAM_USER_MFA,
        account(summary=None, report=_report_of_two(), errors=[api_error("GetAccountSummary")]),
    )
    assert outcomes(verdicts) == {(Status.PASS, "alice"), (Status.FAIL, "deploy")}


def test_an_unreadable_report_stays_one_unknown_whatever_the_user_count() -> None:
    verdicts = run(
        IAM_USER_MFA,
        account(summary=account_summary(users=7), report=None, errors=[api_error("GetCredentialReport")]),
    )
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert "credential report" in single(verdicts).message


def test_a_report_without_its_generation_time_says_so() -> None:
    report = msgspec.structs.replace(_report_of_two(), generated_time=None)
    verdicts = run(IAM_USER_MFA, account(summary=account_summary(users=3), report=report))
    unknown = next(v for v in verdicts if v.status is Status.UNKNOWN)
    assert "(generated at an unknown time)" in unknown.message
    assert unknown.evidence["report_generated"] is None
