"""The packaged fingerprints load, each is well formed, and targets are matched to their service."""

from __future__ import annotations

import pytest

from cloudwarden.collect.live import Fingerprint, load_fingerprints, match_service

SERVICES = (
    "GitHub Pages",
    "Heroku",
    "Azure App Service",
    "Azure Cloud Services",
    "Azure Traffic Manager",
    "Azure Blob Storage",
    "Azure CDN",
    "Netlify",
    "Shopify",
    "Fastly",
    "Zendesk",
    "Ghost",
    "Surge.sh",
    "Bitbucket",
    "Read the Docs",
    "Pantheon",
    "WP Engine",
    "Unbounce",
    "Help Scout",
    "Cargo Collective",
    "WordPress.com",
    "Tumblr",
    "Strikingly",
    "Webflow",
    "Agile CRM",
    "Kinsta",
)


def test_the_packaged_file_holds_every_service_in_order() -> None:
    assert tuple(fingerprint.service for fingerprint in load_fingerprints()) == SERVICES


def test_github_pages_is_read_with_every_field() -> None:
    assert load_fingerprints()[0] == Fingerprint(
        service="GitHub Pages",
        cname_patterns=("*.github.io",),
        nxdomain_claimable=False,
        http_fingerprints=("There isn't a GitHub Pages site here.",),
        http_status=404,
        verifies_ownership=False,
    )


def test_a_service_without_a_status_is_read_as_none() -> None:
    fastly = next(fingerprint for fingerprint in load_fingerprints() if fingerprint.service == "Fastly")
    assert (fastly.http_status, fastly.verifies_ownership) == (None, True)


@pytest.mark.parametrize("fingerprint", load_fingerprints(), ids=lambda fingerprint: fingerprint.service)
def test_every_fingerprint_is_well_formed(fingerprint: Fingerprint) -> None:
    assert fingerprint.service.strip() == fingerprint.service != ""
    assert fingerprint.cname_patterns != ()
    for pattern in fingerprint.cname_patterns:
        assert pattern == pattern.lower().strip()
        assert not pattern.endswith(".")
        assert "*" not in pattern.removeprefix("*.")
        assert "." in pattern.removeprefix("*.")
    assert fingerprint.nxdomain_claimable or fingerprint.http_fingerprints != ()
    for text in fingerprint.http_fingerprints:
        assert text.strip() == text != ""
    if fingerprint.http_status is not None:
        assert 400 <= fingerprint.http_status <= 599
        assert fingerprint.http_fingerprints != ()


@pytest.mark.parametrize("fingerprint", load_fingerprints(), ids=lambda fingerprint: fingerprint.service)
def test_no_service_hides_the_names_of_another(fingerprint: Fingerprint) -> None:
    for pattern in fingerprint.cname_patterns:
        example = pattern.replace("*", "customer-site")
        assert match_service(example, load_fingerprints()) == fingerprint


@pytest.mark.parametrize(
    ("target", "service"),
    [
        ("octocat.github.io", "GitHub Pages"),
        ("OctoCat.GitHub.IO.", "GitHub Pages"),
        ("docs.team.github.io", "GitHub Pages"),
        ("github.io", None),
        ("notgithub.io", None),
        ("octocat.github.io.attacker.test", None),
        ("app-1234.herokuapp.com", "Heroku"),
        ("shy-wave-1234.herokudns.com.", "Heroku"),
        ("contoso.azurewebsites.net", "Azure App Service"),
        ("contoso.cloudapp.net", "Azure Cloud Services"),
        ("contoso.westeurope.cloudapp.azure.com", "Azure Cloud Services"),
        ("contoso.trafficmanager.net", "Azure Traffic Manager"),
        ("contoso.blob.core.windows.net", "Azure Blob Storage"),
        ("global.ssl.fastly.net", "Fastly"),
        ("dualstack.n.sni.global.fastly.net", "Fastly"),
        ("shops.myshopify.com", "Shopify"),
        ("proxy-ssl.webflow.com", "Webflow"),
        ("www.webflow.com", None),
        ("readthedocs.io", "Read the Docs"),
        ("d111111abcdef8.cloudfront.net", None),
        ("www.example.org", None),
        ("", None),
    ],
)
def test_match_service(target: str, service: str | None) -> None:
    found = match_service(target, load_fingerprints())
    assert (found.service if found else None) == service


def test_the_first_matching_service_wins() -> None:
    narrow = Fingerprint("Narrow", ("*.pages.example.net",), nxdomain_claimable=True)
    broad = Fingerprint("Broad", ("*.example.net",), nxdomain_claimable=True)
    assert match_service("site.pages.example.net", (narrow, broad)) is narrow
    assert match_service("site.pages.example.net", (broad, narrow)) is broad
    assert match_service("site.example.net", (narrow, broad)) is broad


@pytest.mark.parametrize(
    ("status", "body", "matched"),
    [
        (404, "<p>There isn't a GitHub Pages site here.</p>", True),
        (404, "THERE ISN'T A GITHUB PAGES SITE HERE.", True),
        (200, "<p>There isn't a GitHub Pages site here.</p>", False),
        (404, "<p>Page not found</p>", False),
    ],
)
def test_a_page_matches_on_its_text_and_status(status: int, body: str, matched: bool) -> None:
    assert load_fingerprints()[0].matches(status, body) is matched


def test_a_page_matches_any_text_whatever_its_status_when_the_service_has_none() -> None:
    ghost = Fingerprint(
        "Ghost",
        ("*.ghost.io",),
        nxdomain_claimable=False,
        http_fingerprints=("no longer here", "Failed to resolve DNS path"),
    )
    assert ghost.matches(200, "Failed to resolve DNS path for this host") is True
    assert ghost.matches(500, "It is no longer here, or never was") is True
    assert ghost.matches(404, "Not Found") is False
