"""Rule root-mfa on hand-built account summaries and virtual MFA devices."""

from __future__ import annotations

from cloudwarden.findings import Severity, Status
from cloudwarden.rules.root_mfa import ROOT_MFA

from .builders import (
    ACCOUNT_ID,
    CENTRALIZED_ROOT,
    OTHER_ACCOUNT_ID,
    account,
    account_summary,
    api_error,
    outcomes,
    run,
    severity_of,
    single,
    virtual_mfa,
)


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


def test_keys_flag_neither_0_nor_1_does_not_make_root_credentials_absent() -> None:
    """No password and a keys flag of 3: the root may have keys, so MFA is judged, not passed."""
    summary = {**CENTRALIZED_ROOT, "AccountAccessKeysPresent": 3}
    assert outcomes(run(ROOT_MFA, account(summary=summary))) == {(Status.FAIL, ACCOUNT_ID)}
