"""One small internet on 127.0.0.1 for the live checks.

The DNS server is both the resolver the checker is configured with and the name server that
delegations point at. The pages server plays a hosting service's front end: it serves the sites it
has customers for, and its "no such site" page for any other Host. The HTTPS port answers in plain
text, so every TLS handshake fails there, as it does at a service without a certificate for the name.
"""

from __future__ import annotations

from collections.abc import Iterator

import dns.rcode
import pytest

from cloudwarden.collect.live import LiveChecker
from tests.live.local_servers import DnsServer, Name, Page, PagesServer, PlainTextServer

LOCAL_ADDRESS = ("127.0.0.1",)
SOA = ("ns1.dns-host.test hostmaster.example.com 2024010101 7200 900 1209600 300",)

NAMES = {
    # CNAME targets
    "octocat.github.io": Name({"A": LOCAL_ADDRESS}),
    "status.netlify.app": Name({"CNAME": ("front.netlify.test",)}),
    "front.netlify.test": Name({"A": LOCAL_ADDRESS}),
    "shop.azurewebsites.net": Name({"CNAME": ("waws-prod-gone.cloudapp.test",)}),
    "live.azurewebsites.net": Name({"A": LOCAL_ADDRESS}),
    "www.example.org": Name({"A": LOCAL_ADDRESS}),
    "txt-only.github.io": Name({"TXT": ('"no address here"',)}),
    "broken.github.io": Name(rcode=dns.rcode.SERVFAIL),
    # zones delegated to the name server, and the server's own name
    "kept.example.com": Name({"SOA": SOA}),
    "refused.example.com": Name(rcode=dns.rcode.REFUSED),
    "failing.example.com": Name(rcode=dns.rcode.SERVFAIL),
    "lame.example.com": Name(authoritative=False),
    "parent-only.example.com": Name(),
    "cached.example.com": Name({"SOA": SOA}, authoritative=False),
    "ns1.dns-host.test": Name({"A": LOCAL_ADDRESS}),
}
"""Names that are not here do not exist (NXDOMAIN): deleted.herokuapp.com, ns-gone.dns-host.test..."""

UNCLAIMED = Page(404, "<html><body><h1>404</h1><p>There isn't a GitHub Pages site here.</p></body></html>")
BLOG = Page(200, "<html><body><h1>Example blog</h1></body></html>")
QUOTING_BLOG = Page(200, "<p>Our old site said: &quot;There isn't a GitHub Pages site here.&quot;</p>")


@pytest.fixture(scope="session")
def dns_server() -> Iterator[DnsServer]:
    with DnsServer(NAMES) as server:
        yield server


@pytest.fixture(scope="session")
def elsewhere_server() -> Iterator[PagesServer]:
    """Where a redirect points: a host the record does not point at."""
    with PagesServer({}, Page(200, "somewhere else")) as server:
        yield server


@pytest.fixture(scope="session")
def pages_server(elsewhere_server: PagesServer) -> Iterator[PagesServer]:
    moved = Page(301, "", {"Location": f"http://127.0.0.1:{elsewhere_server.port}/"})
    sites = {"blog.example.com": BLOG, "quoted.example.com": QUOTING_BLOG, "moved.example.com": moved}
    with PagesServer(sites, UNCLAIMED) as server:
        yield server


@pytest.fixture(scope="session")
def plain_text_server() -> Iterator[PlainTextServer]:
    with PlainTextServer() as server:
        yield server


@pytest.fixture
def pages(pages_server: PagesServer, elsewhere_server: PagesServer) -> PagesServer:
    pages_server.forget()
    elsewhere_server.forget()
    return pages_server


@pytest.fixture
def checker(dns_server: DnsServer, pages: PagesServer, plain_text_server: PlainTextServer) -> LiveChecker:
    dns_server.forget()
    return LiveChecker(
        [dns_server.address],
        timeout=2.0,
        http_port=pages.port,
        https_port=plain_text_server.port,
        dns_port=dns_server.port,
    )
