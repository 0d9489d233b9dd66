"""A cluster scan's progress in logs: the account tally, not more often than the interval, and the end."""

from __future__ import annotations

import pytest

from cloudwarden.progress import LogProgress


def test_the_tally_is_logged_at_the_start_then_at_most_every_interval_and_at_the_end(
    capsys: pytest.CaptureFixture[str],
) -> None:
    progress = LogProgress()
    progress.step("accounts", 3)
    progress.status("accounts", "(3 running, 0 failed)")
    progress.advance("accounts")
    progress.status("accounts", "(2 running, 0 failed)")  # within the interval: not logged
    progress.advance("accounts")
    progress.advance("accounts")
    progress.status("accounts", "(1 failed)")

    assert capsys.readouterr().err.splitlines() == [
        "cloudwarden: accounts 0/3 done (3 running, 0 failed)",
        "cloudwarden: accounts 3/3 done (1 failed)",
    ]


def test_a_local_scan_logs_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    progress = LogProgress()
    progress.step("iam", None)
    progress.advance("iam")
    progress.done("iam")
    assert capsys.readouterr().err == ""
