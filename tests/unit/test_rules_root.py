"""The Root User rules on hand-built snapshots: exact verdicts per account."""

from __future__ import annotations

import pytest

from cloudwarden.findings import Severity, Status
from cloudwarden.rules.root import ROOT_MFA, ROOT_NO_ACCESS_KEYS, ROOT_NOT_USED, ROOT_STRONG_PASSWORD
from cloudwarden.snapshot import AccountSnapshot

from .builders import (
    ACCOUNT_ID,
    OTHER_ACCOUNT_ID,
    account,
    account_summary,
    api_error,
    context,
    credential_report,
    days_before,
    key_user,
    outcomes,
    root_row,
    run,
    severity_of,
    single,
    user_row,
    virtual_mfa,
)

CENTRALIZED_ROOT = account_summary(password=False, mfa=False, keys=False)
"""Root access managed by AWS Organizations: no password, no keys, hence no MFA either."""

# --- root-strong-password -------------------------------------------------------------------------


def test_root_with_a_password_needs_a_manual_check() -> None:
    verdicts = run(ROOT_STRONG_PASSWORD, account(summary=account_summary(password=True)))
    assert outcomes(verdicts) == {(Status.MANUAL, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert "attestation" in verdict.message
    assert verdict.evidence["password_present"] is True


def test_root_without_a_password_passes() -> None:
    verdicts = run(ROOT_STRONG_PASSWORD, account(summary=account_summary(password=False, keys=True)))
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert "no password" in verdict.message
    assert verdict.evidence == {"password_present": False, "root_credentials": False}


def test_root_without_any_credential_passes_strong_password_and_says_so() -> None:
    verdict = single(run(ROOT_STRONG_PASSWORD, account(summary=CENTRALIZED_ROOT)))
    assert verdict.status is Status.PASS
    assert verdict.evidence["root_credentials"] is True


def test_denied_account_summary_makes_strong_password_unknown_naming_the_error() -> None:
    denied = account(summary=None, errors=[api_error("GetAccountSummary", code="AccessDenied")])
    verdicts = run(ROOT_STRONG_PASSWORD, denied)
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    message = single(verdicts).message
    assert "AccessDenied" in message
    assert "GetAccountSummary" in message


def test_account_summary_missing_without_error_is_unknown() -> None:
    verdicts = run(ROOT_STRONG_PASSWORD, account(summary=None))
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert "missing from the snapshot" in single(verdicts).message


def test_account_summary_without_password_key_is_unknown() -> None:
    summary = account_summary()
    del summary["AccountPasswordPresent"]
    verdicts = run(ROOT_STRONG_PASSWORD, account(summary=summary))
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert "AccountPasswordPresent" in single(verdicts).message


@pytest.mark.parametrize("value", [2, -1])
def test_password_flag_neither_0_nor_1_is_unknown_naming_it(value: int) -> None:
    summary = {**account_summary(), "AccountPasswordPresent": value}
    verdicts = run(ROOT_STRONG_PASSWORD, account(summary=summary))
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert (
        single(verdicts).message
        == f"the IAM account summary's AccountPasswordPresent is {value}, neither 0 nor 1"
    )


# --- root-mfa --------------------------------------------------------------------------------------


def test_root_with_virtual_mfa_on_its_own_arn_passes_as_virtual() -> None:
    devices = (virtual_mfa(f"arn:aws:iam::{ACCOUNT_ID}:root", serial=f"arn:aws:iam::{ACCOUNT_ID}:mfa/root"),)
    verdicts = run(ROOT_MFA, account(summary=account_summary(mfa=True), devices=devices))
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    assert single(verdicts).evidence == {"mfa": "virtual"}


def test_virtual_mfa_of_a_user_named_like_root_is_not_the_roots_device() -> None:
    devices = (
        virtual_mfa(f"arn:aws:iam::{ACCOUNT_ID}:user/root-admin"),
        virtual_mfa(f"arn:aws:iam::{ACCOUNT_ID}:user/ops/rootkit-hunter"),
    )
    verdicts = run(ROOT_MFA, account(summary=account_summary(mfa=True), devices=devices))
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    assert single(verdicts).evidence == {"mfa": "hardware or FIDO security key"}


def test_virtual_mfa_of_another_accounts_root_is_not_this_roots_device() -> None:
    devices = (virtual_mfa(f"arn:aws:iam::{OTHER_ACCOUNT_ID}:root"),)
    verdict = single(run(ROOT_MFA, account(summary=account_summary(mfa=True), devices=devices)))
    assert verdict.status is Status.PASS
    assert verdict.evidence["mfa"] == "hardware or FIDO security key"


def test_root_mfa_passes_with_unknown_kind_when_devices_cannot_be_listed() -> None:
    target = account(
        summary=account_summary(mfa=True),
        devices=None,
        errors=[api_error("ListVirtualMFADevices")],
    )
    verdicts = run(ROOT_MFA, target)
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    assert str(single(verdicts).evidence["mfa"]).startswith("unknown")


def test_root_without_mfa_fails_critical() -> None:
    verdicts = run(ROOT_MFA, account(summary=account_summary(password=True, mfa=False)))
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert severity_of(ROOT_MFA, verdict) is Severity.CRITICAL
    assert "no MFA" in verdict.message


def test_root_with_only_access_keys_and_no_mfa_fails() -> None:
    summary = account_summary(password=False, mfa=False, keys=True)
    assert outcomes(run(ROOT_MFA, account(summary=summary))) == {(Status.FAIL, ACCOUNT_ID)}


def test_centrally_managed_root_passes_mfa_without_a_device() -> None:
    verdicts = run(ROOT_MFA, account(summary=CENTRALIZED_ROOT))
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert "managed centrally" in verdict.message
    assert verdict.evidence == {"root_credentials": False}


def test_root_mfa_is_unknown_when_the_summary_is_denied() -> None:
    target = account(summary=None, errors=[api_error("GetAccountSummary", code="AccessDenied")])
    verdicts = run(ROOT_MFA, target)
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert "AccessDenied" in single(verdicts).message


def test_root_mfa_is_unknown_when_the_summary_lacks_the_mfa_flag() -> None:
    summary = account_summary()
    del summary["AccountMFAEnabled"]
    verdicts = run(ROOT_MFA, account(summary=summary))
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert "AccountMFAEnabled" in single(verdicts).message


def test_mfa_flag_neither_0_nor_1_is_unknown_not_enabled() -> None:
    summary = {**account_summary(), "AccountMFAEnabled": 2}
    verdicts = run(ROOT_MFA, account(summary=summary))
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert single(verdicts).message == "the IAM account summary's AccountMFAEnabled is 2, neither 0 nor 1"


# --- root-no-access-keys ---------------------------------------------------------------------------


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
    """No password and a keys flag of 3: the root may have keys, so MFA and keys are judged, not passed."""
    summary = {**CENTRALIZED_ROOT, "AccountAccessKeysPresent": 3}
    keys = run(ROOT_NO_ACCESS_KEYS, account(summary=summary, report=None))
    assert outcomes(keys) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert outcomes(run(ROOT_MFA, account(summary=summary))) == {(Status.FAIL, ACCOUNT_ID)}


# --- root-not-used ---------------------------------------------------------------------------------


def _root_used(
    password: str | None = "N/A", key_1: str | None = "N/A", key_2: str | None = "N/A"
) -> AccountSnapshot:
    """An account whose root credentials were last used at these times (a user was active just now)."""
    return account(
        summary=account_summary(keys=True),
        report=credential_report(
            root_row(
                password_last_used=password,
                access_key_1_active="true",
                access_key_1_last_used_date=key_1,
                access_key_2_active="true",
                access_key_2_last_used_date=key_2,
            ),
            user_row("alice", password_enabled="true", password_last_used=days_before(0.5)),
        ),
    )


def test_root_password_used_three_days_ago_fails_with_the_date() -> None:
    verdicts = run(ROOT_NOT_USED, _root_used(password=days_before(3)))
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert "password" in verdict.message
    assert "2025-06-12" in verdict.message
    assert "90 days" in verdict.message
    assert severity_of(ROOT_NOT_USED, verdict) is Severity.HIGH


def test_root_key_used_ten_days_ago_fails_naming_the_access_key() -> None:
    verdicts = run(ROOT_NOT_USED, _root_used(password=days_before(365), key_1=days_before(10)))
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    message = single(verdicts).message
    assert "access key 1" in message
    assert "2025-06-05" in message


def test_most_recent_of_several_recent_root_uses_is_reported() -> None:
    verdict = single(
        run(ROOT_NOT_USED, _root_used(password=days_before(20), key_1=days_before(40), key_2=days_before(2)))
    )
    assert verdict.status is Status.FAIL
    assert "access key 2" in verdict.message
    assert "2025-06-13" in verdict.message


def test_root_used_two_hundred_days_ago_passes_with_the_last_date() -> None:
    verdicts = run(ROOT_NOT_USED, _root_used(password=days_before(200), key_2=days_before(250)))
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    message = single(verdicts).message
    assert "2024-11-27" in message
    assert "over 90 days ago" in message


def test_root_used_one_second_inside_the_window_fails() -> None:
    inside = days_before(90 - 1 / 86400)
    assert outcomes(run(ROOT_NOT_USED, _root_used(password=inside))) == {(Status.FAIL, ACCOUNT_ID)}


def test_root_used_one_second_before_the_window_passes() -> None:
    outside = days_before(90 + 1 / 86400)
    assert outcomes(run(ROOT_NOT_USED, _root_used(password=outside))) == {(Status.PASS, ACCOUNT_ID)}


def test_root_used_exactly_recent_use_days_ago_is_not_newer_than_the_window() -> None:
    """CONTRACT.md: "a root login or key use newer than this [recent_use_days] fails"."""
    boundary = days_before(90)
    assert outcomes(run(ROOT_NOT_USED, _root_used(password=boundary))) == {(Status.PASS, ACCOUNT_ID)}


def test_recent_use_days_from_config_sets_the_window() -> None:
    target = _root_used(key_1=days_before(3))
    week = single(run(ROOT_NOT_USED, target, context(recent_use_days=7)))
    day = single(run(ROOT_NOT_USED, target, context(recent_use_days=1)))
    assert (week.status, day.status) == (Status.FAIL, Status.PASS)
    assert "within the last 7 days" in week.message
    assert day.evidence["recent_use_days"] == 1


def test_root_with_no_recorded_use_passes() -> None:
    verdicts = run(ROOT_NOT_USED, _root_used(password="no_information", key_1="N/A", key_2="N/A"))
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    assert "no recorded use" in single(verdicts).message


def test_garbage_root_last_use_is_unknown_not_never_used() -> None:
    verdicts = run(ROOT_NOT_USED, _root_used(password=days_before(300), key_2="last tuesday"))
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    message = single(verdicts).message
    assert "access_key_2" in message
    assert "last tuesday" in message


def test_garbage_root_last_use_is_unknown_even_beside_an_old_use() -> None:
    verdicts = run(ROOT_NOT_USED, _root_used(password="2024-02-30T00:00:00+00:00"))
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}


def test_missing_root_last_use_column_is_unknown() -> None:
    verdicts = run(ROOT_NOT_USED, _root_used(key_1=None))
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert "missing" in single(verdicts).message


def test_root_not_used_is_unknown_without_the_report() -> None:
    target = account(report=None, errors=[api_error("GetCredentialReport", code="Throttling")])
    verdicts = run(ROOT_NOT_USED, target)
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert "Throttling" in single(verdicts).message


def test_root_not_used_is_unknown_when_the_report_has_no_root_row() -> None:
    verdicts = run(ROOT_NOT_USED, account(report=credential_report(user_row("alice"))))
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert "<root_account>" in single(verdicts).message


def test_user_activity_does_not_count_as_root_use() -> None:
    target = account(
        report=credential_report(
            root_row(password_last_used="no_information"),
            user_row("alice", password_enabled="true", password_last_used=days_before(1)),
            key_user("deploy", mfa=False),
        )
    )
    assert outcomes(run(ROOT_NOT_USED, target)) == {(Status.PASS, ACCOUNT_ID)}
