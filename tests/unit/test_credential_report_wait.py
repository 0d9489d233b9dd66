"""Waiting for the credential report: backoff, an overall deadline, and retrying a report not yet ready.

These tests replace the IAM client with recorded answers of the real API's shape; the clock and
sleep are fakes, so no test waits.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from cloudwarden.collect.context import AccountContext
from cloudwarden.collect.iam import _credential_report

REPORT = b"user,arn,mfa_active\n<root_account>,arn:aws:iam::111122223333:root,true\n"


class RecordedIam:
    def __init__(self, states: list[str], get_errors: list[str] | None = None) -> None:
        self.states = states
        self.get_errors = get_errors or []
        self.generate_calls = 0

    def generate_credential_report(self) -> dict[str, Any]:
        self.generate_calls += 1
        return {"State": self.states.pop(0) if len(self.states) > 1 else self.states[0]}

    def get_credential_report(self) -> dict[str, Any]:
        if self.get_errors:
            code = self.get_errors.pop(0)
            raise ClientError({"Error": {"Code": code, "Message": "not yet"}}, "GetCredentialReport")
        return {"Content": REPORT, "ReportFormat": "text/csv"}


class RecordedSession:
    home_region = "us-east-1"

    def __init__(self, iam: RecordedIam) -> None:
        self.iam = iam

    def client(self, service: str, region: str | None = None) -> RecordedIam:
        assert service == "iam"
        return self.iam


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _context(iam: RecordedIam) -> AccountContext:
    return AccountContext(session=RecordedSession(iam), account_id="111122223333")  # type: ignore[arg-type]


def test_report_that_never_completes_is_an_error_after_the_deadline_not_a_hang() -> None:
    clock = FakeClock()
    context = _context(RecordedIam(["STARTED", "INPROGRESS"]))
    assert _credential_report(context, timeout=30, clock=clock, sleep=clock.sleep) is None
    assert clock.now <= 30
    assert clock.sleeps[:4] == [0.25, 0.5, 1.0, 2.0]
    assert max(clock.sleeps) == 5.0
    [error] = context.errors
    assert (error.operation, error.code) == ("GenerateCredentialReport", "Timeout")


def test_report_ready_after_polling_is_read() -> None:
    clock = FakeClock()
    iam = RecordedIam(["STARTED", "INPROGRESS", "COMPLETE"])
    report = _credential_report(_context(iam), timeout=30, clock=clock, sleep=clock.sleep)
    assert report is not None
    assert [row.user for row in report.rows] == ["<root_account>"]
    assert iam.generate_calls == 3
    assert clock.sleeps == [0.25, 0.5]


def test_report_not_yet_present_after_complete_is_retried() -> None:
    clock = FakeClock()
    iam = RecordedIam(["COMPLETE"], get_errors=["ReportInProgress", "ReportNotPresent"])
    report = _credential_report(_context(iam), timeout=30, clock=clock, sleep=clock.sleep)
    assert report is not None
    assert report.rows[0].mfa_active == "true"
    assert iam.generate_calls == 3


def test_access_denied_on_the_report_is_raised_for_the_caller_to_record() -> None:
    clock = FakeClock()
    iam = RecordedIam(["COMPLETE"], get_errors=["AccessDenied"])
    with pytest.raises(ClientError):
        _credential_report(_context(iam), timeout=30, clock=clock, sleep=clock.sleep)
