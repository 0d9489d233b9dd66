"""Rule root-strong-password on hand-built account summaries: MANUAL while the root has a password."""

from __future__ import annotations

import pytest

from cloudwarden.findings import Status
from cloudwarden.rules.root_strong_password import ROOT_STRONG_PASSWORD

from .builders import (
    ACCOUNT_ID,
    CENTRALIZED_ROOT,
    account,
    account_summary,
    api_error,
    outcomes,
    run,
    single,
)


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
