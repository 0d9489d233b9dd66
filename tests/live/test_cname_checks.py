"""CNAME targets, probed through the local resolver and the local hosting front end."""

from __future__ import annotations

import re
import time

import pytest

from cloudwarden.collect.live import LiveChecker
from cloudwarden.snapshot import LiveCheck
from tests.live.local_servers import (
    DnsServer,
    PagesServer,
    PlainTextServer,
    SilentUdpPort,
    TrickleServer,
    closed_tcp_port,
)

RECORD = "Z0123456789ABC/www.example.com/CNAME"


def test_a_name_the_service_has_no_site_for_shows_its_unclaimed_page(
    checker: LiveChecker, pages: PagesServer, plain_text_server: PlainTextServer
) -> None:
    greetings_before = plain_text_server.greetings()
    assert checker.check_cname(RECORD, "gone.example.com", "octocat.github.io.") == LiveCheck(
        record=RECORD,
        target="octocat.github.io",
        service="GitHub Pages",
        nxdomain=False,
        http_status=404,
        fingerprint_matched=True,
    )
    assert pages.requests() == [("gone.example.com", "/")]
    assert plain_text_server.greetings() == greetings_before


def test_a_name_the_service_still_serves_is_not_matched(
    checker: LiveChecker, pages: PagesServer, plain_text_server: PlainTextServer
) -> None:
    greetings_before = plain_text_server.greetings()
    assert checker.check_cname(RECORD, "Blog.Example.com.", "octocat.github.io") == LiveCheck(
        record=RECORD,
        target="octocat.github.io",
        service="GitHub Pages",
        nxdomain=False,
        http_status=200,
        fingerprint_matched=False,
    )
    assert pages.requests() == [("blog.example.com", "/")]
    greetings = plain_text_server.greetings()
    assert len(greetings) == len(greetings_before) + 1
    assert greetings[-1].startswith(b"\x16\x03")
    assert b"blog.example.com" in greetings[-1]


def test_the_unclaimed_text_on_a_live_page_is_not_a_match(checker: LiveChecker) -> None:
    assert checker.check_cname(RECORD, "quoted.example.com", "octocat.github.io") == LiveCheck(
        record=RECORD,
        target="octocat.github.io",
        service="GitHub Pages",
        nxdomain=False,
        http_status=200,
        fingerprint_matched=False,
    )


def test_the_target_is_followed_through_its_own_cname(checker: LiveChecker, pages: PagesServer) -> None:
    assert checker.check_cname(RECORD, "gone.example.com", "status.netlify.app") == LiveCheck(
        record=RECORD, target="status.netlify.app", service="Netlify", nxdomain=False, http_status=404
    )
    assert pages.requests() == [("gone.example.com", "/")]


def test_a_redirect_is_not_followed_to_another_host(
    checker: LiveChecker, pages: PagesServer, elsewhere_server: PagesServer
) -> None:
    assert checker.check_cname(RECORD, "moved.example.com", "octocat.github.io") == LiveCheck(
        record=RECORD,
        target="octocat.github.io",
        service="GitHub Pages",
        nxdomain=False,
        http_status=301,
        fingerprint_matched=False,
    )
    assert pages.requests() == [("moved.example.com", "/")]
    assert elsewhere_server.requests() == []


def test_a_wildcard_record_is_asked_for_a_name_it_covers(checker: LiveChecker, pages: PagesServer) -> None:
    wildcard = "Z0123456789ABC/*.example.com/CNAME"
    assert checker.check_cname(wildcard, "*.example.com", "octocat.github.io") == LiveCheck(
        record=wildcard,
        target="octocat.github.io",
        service="GitHub Pages",
        nxdomain=False,
        http_status=404,
        fingerprint_matched=True,
    )
    assert pages.requests() == [("cloudwarden-live-check.example.com", "/")]


def test_a_target_that_does_not_exist_is_nxdomain(checker: LiveChecker, pages: PagesServer) -> None:
    assert checker.check_cname(RECORD, "app.example.com", "deleted.herokuapp.com") == LiveCheck(
        record=RECORD, target="deleted.herokuapp.com", service="Heroku", nxdomain=True
    )
    assert pages.requests() == []


def test_a_target_whose_cname_chain_ends_nowhere_is_nxdomain(checker: LiveChecker) -> None:
    assert checker.check_cname(RECORD, "shop.example.com", "shop.azurewebsites.net") == LiveCheck(
        record=RECORD, target="shop.azurewebsites.net", service="Azure App Service", nxdomain=True
    )


def test_a_service_judged_by_dns_alone_is_not_fetched(checker: LiveChecker, pages: PagesServer) -> None:
    assert checker.check_cname(RECORD, "app.example.com", "live.azurewebsites.net") == LiveCheck(
        record=RECORD, target="live.azurewebsites.net", service="Azure App Service", nxdomain=False
    )
    assert pages.requests() == []


def test_a_target_of_no_known_service_is_resolved_but_not_fetched(
    checker: LiveChecker, pages: PagesServer
) -> None:
    assert checker.check_cname(RECORD, "www.example.com", "WWW.Example.org.") == LiveCheck(
        record=RECORD, target="www.example.org", service=None, nxdomain=False
    )
    assert pages.requests() == []


def test_a_target_without_an_address_cannot_be_fetched(checker: LiveChecker, dns_server: DnsServer) -> None:
    assert checker.check_cname(RECORD, "www.example.com", "txt-only.github.io") == LiveCheck(
        record=RECORD,
        target="txt-only.github.io",
        service="GitHub Pages",
        nxdomain=False,
        error="txt-only.github.io has no A or AAAA record",
    )
    assert [(question.name, question.type) for question in dns_server.asked()] == [
        ("txt-only.github.io.", "A"),
        ("txt-only.github.io.", "AAAA"),
    ]


def test_a_resolver_failure_is_an_error_not_an_answer(checker: LiveChecker) -> None:
    assert checker.check_cname(RECORD, "www.example.com", "broken.github.io") == LiveCheck(
        record=RECORD,
        target="broken.github.io",
        service="GitHub Pages",
        error="DNS lookup of broken.github.io failed: no resolver gave an answer (SERVFAIL or refused)",
    )


def test_an_unreachable_resolver_is_an_error_without_raising() -> None:
    with SilentUdpPort() as silent:
        checker = LiveChecker([silent.address], timeout=0.3)
        found = checker.check_cname(RECORD, "www.example.com", "octocat.github.io")
    assert found == LiveCheck(
        record=RECORD,
        target="octocat.github.io",
        service="GitHub Pages",
        error="DNS lookup of octocat.github.io failed: timed out",
    )


def test_no_http_answer_at_all_is_an_error(
    dns_server: DnsServer, pages: PagesServer, plain_text_server: PlainTextServer
) -> None:
    checker = LiveChecker(
        [dns_server.address], timeout=2.0, http_port=closed_tcp_port(), https_port=plain_text_server.port
    )
    found = checker.check_cname(RECORD, "gone.example.com", "octocat.github.io")
    assert (found.service, found.nxdomain, found.http_status, found.fingerprint_matched) == (
        "GitHub Pages",
        False,
        None,
        False,
    )
    assert found.error is not None
    http, https = found.error.removeprefix("no HTTP answer from 127.0.0.1 for gone.example.com: ").split("; ")
    assert http == "http: ConnectError: [Errno 111] Connection refused"
    assert https.startswith("https: TLS handshake failed (")
    assert pages.requests() == []


def test_a_resolver_must_be_given_as_an_address() -> None:
    with pytest.raises(ValueError, match=re.escape("resolver 'dns.example.net' is not an IP address")):
        LiveChecker(["dns.example.net"])


def test_proxy_settings_of_the_environment_are_ignored(
    checker: LiveChecker, pages: PagesServer, elsewhere_server: PagesServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = f"http://127.0.0.1:{elsewhere_server.port}"
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(variable, proxy)
    for variable in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(variable, raising=False)
    assert checker.check_cname(RECORD, "gone.example.com", "octocat.github.io").fingerprint_matched is True
    assert pages.requests() == [("gone.example.com", "/")]
    assert elsewhere_server.requests() == []


def test_a_trickled_page_is_cut_off_at_the_timeout(
    dns_server: DnsServer, plain_text_server: PlainTextServer
) -> None:
    with TrickleServer() as trickle:
        checker = LiveChecker(
            [dns_server.address], timeout=0.3, http_port=trickle.port, https_port=plain_text_server.port
        )
        started = time.monotonic()
        found = checker.check_cname(RECORD, "gone.example.com", "octocat.github.io")
        elapsed = time.monotonic() - started
    assert found == LiveCheck(
        record=RECORD, target="octocat.github.io", service="GitHub Pages", nxdomain=False, http_status=404
    )
    assert elapsed < 2.0


def test_a_malformed_target_is_an_error_without_raising(checker: LiveChecker) -> None:
    assert checker.check_cname(RECORD, "www.example.com", "a..b.github.io") == LiveCheck(
        record=RECORD,
        target="a..b.github.io",
        service="GitHub Pages",
        error="DNS lookup of a..b.github.io failed: EmptyLabel: A DNS label is empty.",
    )
