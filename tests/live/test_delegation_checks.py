"""NS delegations: does at least one delegated server answer for the zone with authority?"""

from __future__ import annotations

from cloudwarden.collect.live import LiveChecker
from cloudwarden.snapshot import LiveCheck
from tests.live.local_servers import DnsServer, Question, SilentUdpPort

RECORD = "Z0123456789ABC/sub.example.com/NS"


def test_a_server_that_refuses_the_zone_leaves_it_unserved(
    checker: LiveChecker, dns_server: DnsServer
) -> None:
    server = dns_server.address
    assert checker.check_delegation(RECORD, "refused.example.com", [server]) == LiveCheck(
        record=RECORD, target=server, delegation_refused=True
    )


def test_a_server_with_the_zones_soa_serves_it(checker: LiveChecker, dns_server: DnsServer) -> None:
    server = dns_server.address
    assert checker.check_delegation(RECORD, "Kept.Example.com.", [server]) == LiveCheck(
        record=RECORD, target=server, delegation_refused=False
    )
    assert dns_server.asked() == [Question("kept.example.com.", "SOA", recursion_desired=False)]


def test_servfail_nxdomain_and_answers_without_authority_do_not_serve_the_zone(
    checker: LiveChecker, dns_server: DnsServer
) -> None:
    server = dns_server.address
    for zone in ("failing.example.com", "missing.example.com", "lame.example.com"):
        assert checker.check_delegation(RECORD, zone, [server]) == LiveCheck(
            record=RECORD, target=server, delegation_refused=True
        ), zone


def test_authority_for_a_parent_zone_without_the_zones_soa_does_not_serve_it(
    checker: LiveChecker, dns_server: DnsServer
) -> None:
    server = dns_server.address
    assert checker.check_delegation(RECORD, "parent-only.example.com", [server]) == LiveCheck(
        record=RECORD, target=server, delegation_refused=True
    )


def test_the_zones_soa_without_the_aa_flag_still_shows_the_zone_is_served(
    checker: LiveChecker, dns_server: DnsServer
) -> None:
    server = dns_server.address
    assert checker.check_delegation(RECORD, "cached.example.com", [server]) == LiveCheck(
        record=RECORD, target=server, delegation_refused=False
    )


def test_a_server_given_by_name_is_looked_up_then_asked(checker: LiveChecker, dns_server: DnsServer) -> None:
    assert checker.check_delegation(RECORD, "kept.example.com", ["NS1.dns-host.test."]) == LiveCheck(
        record=RECORD, target="ns1.dns-host.test", delegation_refused=False
    )
    assert dns_server.asked() == [
        Question("ns1.dns-host.test.", "A", recursion_desired=True),
        Question("kept.example.com.", "SOA", recursion_desired=False),
    ]


def test_a_server_whose_name_does_not_exist_does_not_serve_the_zone(checker: LiveChecker) -> None:
    assert checker.check_delegation(RECORD, "kept.example.com", ["ns-gone.dns-host.test"]) == LiveCheck(
        record=RECORD, target="ns-gone.dns-host.test", delegation_refused=True
    )


def test_one_server_that_serves_the_zone_is_enough(checker: LiveChecker, dns_server: DnsServer) -> None:
    servers = ["ns-gone.dns-host.test", dns_server.address]
    assert checker.check_delegation(RECORD, "kept.example.com", servers) == LiveCheck(
        record=RECORD, target=f"ns-gone.dns-host.test,{dns_server.address}", delegation_refused=False
    )


def test_a_server_that_never_answers_leaves_the_answer_open(dns_server: DnsServer) -> None:
    """Silence is not a refusal: outbound DNS may be filtered where the scan runs."""
    checker = LiveChecker([dns_server.address], timeout=0.3)
    with SilentUdpPort() as silent:
        found = checker.check_delegation(RECORD, "kept.example.com", [silent.address])
        host, port = silent.address.rsplit(":", 1)
    assert found == LiveCheck(
        record=RECORD,
        target=silent.address,
        error=f"{silent.address}: no answer from {host} port {port} within 0.3 s",
    )


def test_a_refusal_beside_a_silent_server_leaves_the_answer_open(
    checker: LiveChecker, dns_server: DnsServer
) -> None:
    quick = LiveChecker([dns_server.address], timeout=0.3, dns_port=checker.dns_port)
    with SilentUdpPort() as silent:
        found = quick.check_delegation(RECORD, "refused.example.com", [dns_server.address, silent.address])
    assert found.delegation_refused is None
    assert found.error is not None
    assert found.error.startswith(f"{silent.address}: no answer from ")


def test_a_silent_server_beside_one_that_serves_the_zone_is_enough(
    checker: LiveChecker, dns_server: DnsServer
) -> None:
    quick = LiveChecker([dns_server.address], timeout=0.3, dns_port=checker.dns_port)
    with SilentUdpPort() as silent:
        found = quick.check_delegation(RECORD, "kept.example.com", [silent.address, dns_server.address])
    assert found == LiveCheck(
        record=RECORD, target=f"{silent.address},{dns_server.address}", delegation_refused=False
    )


def test_a_server_name_the_resolver_cannot_look_up_leaves_the_answer_open() -> None:
    with SilentUdpPort() as silent:
        checker = LiveChecker([silent.address], timeout=0.3)
        found = checker.check_delegation(RECORD, "kept.example.com", ["ns1.dns-host.test"])
    assert found == LiveCheck(
        record=RECORD,
        target="ns1.dns-host.test",
        error="ns1.dns-host.test: address lookup failed: timed out",
    )


def test_a_delegation_without_servers_is_an_error(checker: LiveChecker) -> None:
    assert checker.check_delegation(RECORD, "kept.example.com", []) == LiveCheck(
        record=RECORD, target="", error="the delegation names no name server"
    )


def test_a_malformed_server_is_an_error_without_raising(checker: LiveChecker) -> None:
    assert checker.check_delegation(RECORD, "kept.example.com", ["127.0.0.1:dns"]) == LiveCheck(
        record=RECORD,
        target="127.0.0.1:dns",
        error="ValueError: invalid literal for int() with base 10: 'dns'",
    )
