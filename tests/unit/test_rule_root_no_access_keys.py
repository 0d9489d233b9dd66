"""Rule root-no-access-keys on hand-built credential reports and account summaries."""

from __future__ import annotations

from cloudwarden.findings import Severity, Status
from cloudwarden.rules.root_no_access_keys import ROOT_NO_ACCESS_KEYS

from .builders import (
    ACCOUNT_ID,
    CENTRALIZED_ROOT,
    account,
    account_summary,
    api_error,
    credential_report,
    days_before,
    outcomes,
    root_row,
    run,
    severity_of,
    single,
    user_row,
)


def test_root_with_active_first_key_fails_critical() -> None:
    report = credential_report(
        root_row(access_key_1_active="true", access_key_1_last_rotated=days_before(400)), user_row("alice")
    )
    verdicts = run(ROOT_NO_ACCESS_KEYS, account(summary=account_summary(keys=True), report=report))
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert severity_of(ROOT_NO_ACCESS_KEYS, verdict) is Severity.CRITICAL
    assert verdict.evidence["active_keys"] == ["access_key_1"]
    assert "1 active access key" in verdict.message


def test_root_with_active_second_key_fails() -> None:
    report = credential_report(
        root_row(access_key_2_active="true", access_key_2_last_rotated=days_before(30))
    )
    verdicts = run(ROOT_NO_ACCESS_KEYS, account(summary=account_summary(keys=True), report=report))
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    assert single(verdicts).evidence["active_keys"] == ["access_key_2"]


def test_root_with_two_active_keys_fails_naming_both() -> None:
    report = credential_report(root_row(access_key_1_active="TRUE", access_key_2_active="true"))
    verdict = single(run(ROOT_NO_ACCESS_KEYS, account(summary=account_summary(keys=True), report=report)))
    assert verdict.status is Status.FAIL
    assert verdict.evidence["active_keys"] == ["access_key_1", "access_key_2"]
    assert "2 active access key" in verdict.message


def test_root_with_only_inactive_keys_passes_and_says_inactive() -> None:
    report = credential_report(
        root_row(access_key_1_active="false", access_key_1_last_rotated=days_before(700))
    )
    verdicts = run(ROOT_NO_ACCESS_KEYS, account(summary=account_summary(keys=True), report=report))
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    assert "inactive" in single(verdicts).message


def test_root_without_keys_passes() -> None:
    verdicts = run(ROOT_NO_ACCESS_KEYS, account(summary=account_summary(keys=False)))
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert "no active access keys" in verdict.message
    assert verdict.evidence["active_keys"] == []


def test_unreadable_root_key_flag_is_unknown_naming_the_column() -> None:
    report = credential_report(root_row(access_key_1_active="maybe"))
    verdicts = run(ROOT_NO_ACCESS_KEYS, account(summary=account_summary(keys=True), report=report))
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert "access_key_1" in single(verdicts).message


def test_missing_root_key_column_is_unknown() -> None:
    report = credential_report(root_row(access_key_2_active=None))
    verdicts = run(ROOT_NO_ACCESS_KEYS, account(summary=account_summary(keys=False), report=report))
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert "access_key_2" in single(verdicts).message


def test_active_root_key_fails_even_when_the_other_flag_is_unreadable() -> None:
    report = credential_report(root_row(access_key_1_active="true", access_key_2_active="???"))
    verdicts = run(ROOT_NO_ACCESS_KEYS, account(summary=account_summary(keys=True), report=report))
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}


def test_missing_report_with_summary_saying_no_keys_passes() -> None:
    target = account(
        summary=account_summary(keys=False),
        report=None,
        errors=[api_error("GetCredentialReport", code="AccessDenied")],
    )
    verdicts = run(ROOT_NO_ACCESS_KEYS, target)
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    assert "no access keys" in single(verdicts).message


def test_missing_report_with_summary_saying_keys_exist_is_unknown() -> None:
    target = account(
        summary=account_summary(keys=True),
        report=None,
        errors=[api_error("GenerateCredentialReport", code="AccessDenied")],
    )
    verdicts = run(ROOT_NO_ACCESS_KEYS, target)
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    message = single(verdicts).message
    assert "credential report" in message
    assert "AccessDenied" in message


def test_missing_report_and_missing_summary_is_unknown() -> None:
    verdicts = run(ROOT_NO_ACCESS_KEYS, account(summary=None, report=None))
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}


def test_report_without_root_row_and_no_summary_is_unknown() -> None:
    report = credential_report(user_row("alice"), user_row("bob"))
    verdicts = run(ROOT_NO_ACCESS_KEYS, account(summary=None, report=report))
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert "<root_account>" in single(verdicts).message


def test_centrally_managed_root_passes_access_keys_even_without_report() -> None:
    verdicts = run(ROOT_NO_ACCESS_KEYS, account(summary=CENTRALIZED_ROOT, report=None))
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    assert "managed centrally" in single(verdicts).message


def test_keys_flag_neither_0_nor_1_does_not_make_root_credentials_absent() -> None:
    """No password and a keys flag of 3: the root may have keys, so they are judged, not passed."""
    summary = {**CENTRALIZED_ROOT, "AccountAccessKeysPresent": 3}
    keys = run(ROOT_NO_ACCESS_KEYS, account(summary=summary, report=None))
    assert outcomes(keys) == {(Status.UNKNOWN, ACCOUNT_ID)}
