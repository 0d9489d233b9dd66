"""Running many checks: side by side, bounded, results in the order the checks were given."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable

import pytest

from cloudwarden.collect.live import LiveChecker
from cloudwarden.snapshot import LiveCheck
from tests.live.local_servers import DnsServer


def test_results_come_back_in_the_order_given(checker: LiveChecker, dns_server: DnsServer) -> None:
    checks: list[Callable[[], LiveCheck]] = [
        functools.partial(
            checker.check_cname, "Z1/gone.example.com/CNAME", "gone.example.com", "octocat.github.io"
        ),
        functools.partial(
            checker.check_cname, "Z1/app.example.com/CNAME", "app.example.com", "deleted.herokuapp.com"
        ),
        functools.partial(
            checker.check_delegation, "Z1/sub.example.com/NS", "refused.example.com", [dns_server.address]
        ),
        functools.partial(
            checker.check_cname, "Z1/blog.example.com/CNAME", "blog.example.com", "octocat.github.io"
        ),
    ]
    assert checker.run(checks) == [
        LiveCheck(
            record="Z1/gone.example.com/CNAME",
            target="octocat.github.io",
            service="GitHub Pages",
            nxdomain=False,
            http_status=404,
            fingerprint_matched=True,
        ),
        LiveCheck(
            record="Z1/app.example.com/CNAME", target="deleted.herokuapp.com", service="Heroku", nxdomain=True
        ),
        LiveCheck(record="Z1/sub.example.com/NS", target=dns_server.address, delegation_refused=True),
        LiveCheck(
            record="Z1/blog.example.com/CNAME",
            target="octocat.github.io",
            service="GitHub Pages",
            nxdomain=False,
            http_status=200,
        ),
    ]


def test_no_more_checks_run_at_once_than_allowed() -> None:
    lock = threading.Lock()
    running = 0
    peak = 0

    def check(number: int) -> LiveCheck:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return LiveCheck(record=f"record-{number}", target="target.example.net")

    checker = LiveChecker(["127.0.0.1"], max_parallel=2)
    results = checker.run([functools.partial(check, number) for number in range(8)])
    assert [result.record for result in results] == [f"record-{number}" for number in range(8)]
    assert 1 <= peak <= 2


def test_no_checks_give_no_results() -> None:
    assert LiveChecker(["127.0.0.1"]).run([]) == []


def test_at_least_one_check_must_be_allowed_at_a_time() -> None:
    with pytest.raises(ValueError, match="max_parallel must be at least 1, not 0"):
        LiveChecker(["127.0.0.1"], max_parallel=0)


def test_the_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match=r"timeout must be positive, not 0\.0"):
        LiveChecker(["127.0.0.1"], timeout=0.0)
