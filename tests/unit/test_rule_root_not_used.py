"""Rule root-not-used on hand-built credential reports: the root's last uses against the window."""

from __future__ import annotations

from cloudwarden.findings import Severity, Status
from cloudwarden.rules.root_not_used import ROOT_NOT_USED
from cloudwarden.snapshot import AccountSnapshot

from .builders import (
    ACCOUNT_ID,
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
)


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


def test_a_recent_root_use_fails_even_beside_an_unreadable_column() -> None:
    verdicts = run(ROOT_NOT_USED, _root_used(password=days_before(3), key_2="last tuesday"))
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    assert "password" in single(verdicts).message


def test_every_unreadable_root_last_use_column_is_named() -> None:
    verdicts = run(ROOT_NOT_USED, _root_used(key_1="soon", key_2="last tuesday"))
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert "soon" in single(verdicts).message
    assert "last tuesday" in single(verdicts).message


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
