"""Live checks (opt-in): is the name a Route53 record points at still held by someone?

From the snapshot alone, a CNAME to a third-party service only says where the domain points. Whether
the service still has a customer for it can only be seen by asking: DNS for the target (NXDOMAIN: the
name is gone, and on some services anyone may create it again), then the service itself over HTTP
with the record's own name as Host, as a visitor's browser would ask. A service that answers with
its "no such site" page for our name may give the name to whoever claims it first. For an NS
delegation, the delegated servers are asked for the zone's SOA: when none of them serves the zone,
whoever creates the zone there controls the name.

Requests go only where the record points: the configured resolver for lookups, the target's own
address for HTTP, the delegated servers for their zone. Redirects are not followed and proxy settings
from the environment are ignored, so no other host is ever contacted. No check raises: whatever
prevented an answer is kept in `LiveCheck.error`.
"""

from __future__ import annotations

import ipaddress
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.nameserver
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import httpx
import msgspec

from cloudwarden import __version__
from cloudwarden.semantics.dns import normalise_name
from cloudwarden.semantics.takeover import Fingerprint, load_fingerprints, match_service
from cloudwarden.snapshot import LiveCheck

__all__ = ["Fingerprint", "LiveChecker", "load_fingerprints", "match_service"]

MAX_BODY_BYTES = 256 * 1024
"""How much of a page is read: services' "not found" pages are small, a live site's page may not be.
Reading also stops after the timeout, so a target that trickles its page cannot hold the scan."""
WILDCARD_LABEL = "cloudwarden-live-check"
"""The label asked for under a wildcard record (`*.example.com`): any name it covers answers alike."""
USER_AGENT = f"cloudwarden/{__version__} (dangling DNS record check)"


@dataclass(frozen=True)
class _Page:
    status: int
    body: str


class LiveChecker:
    """DNS and HTTP probes of record targets, through the given resolvers or the system's.

    `nameservers` are resolvers as `ip` or `ip:port` (`[ipv6]:port`). `timeout` bounds each DNS
    lookup, each query to a delegated server and each HTTP exchange, in seconds.
    `http_port`, `https_port` and `dns_port` (the port of delegated name servers given by name) are a
    test seam: in a scan they are the standard 80, 443 and 53.
    """

    def __init__(
        self,
        nameservers: Sequence[str] = (),
        timeout: float = 3.0,
        max_parallel: int = 8,
        *,
        http_port: int = 80,
        https_port: int = 443,
        dns_port: int = 53,
        fingerprints: Sequence[Fingerprint] | None = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, not {timeout}")
        if max_parallel < 1:
            raise ValueError(f"max_parallel must be at least 1, not {max_parallel}")
        self.timeout = timeout
        self.max_parallel = max_parallel
        self.http_port = http_port
        self.https_port = https_port
        self.dns_port = dns_port
        self.fingerprints = tuple(load_fingerprints() if fingerprints is None else fingerprints)
        self._resolver = _resolver(nameservers, timeout)
        self._tls = httpx.create_ssl_context()

    def run(self, checks: Sequence[Callable[[], LiveCheck]]) -> list[LiveCheck]:
        """Run the checks side by side, at most `max_parallel` at once; the results in the order given."""
        if not checks:
            return []
        workers = min(self.max_parallel, len(checks))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="live-check") as pool:
            return list(pool.map(_call, checks))

    def check_cname(self, record_id: str, record_name: str, target: str) -> LiveCheck:
        """Whether `target` still exists, and whether its service still serves `record_name`.

        The page is fetched only for a fingerprinted service with a known "unclaimed" page: for any
        other site a page proves nothing either way.
        """
        fingerprint = match_service(target, self.fingerprints)
        found = LiveCheck(
            record=record_id,
            target=normalise_name(target),
            service=fingerprint.service if fingerprint else None,
        )
        try:
            return self._probe_target(found, normalise_name(record_name), fingerprint)
        except Exception as error:
            return msgspec.structs.replace(found, error=_describe(error))

    def check_delegation(self, record_id: str, zone_name: str, name_servers: Sequence[str]) -> LiveCheck:
        """Whether at least one of the delegated name servers serves the zone.

        Servers are host names (looked up with the resolver) or addresses (`ip` or `ip:port`). A server
        whose name does not exist, that times out, or that answers REFUSED, SERVFAIL, NXDOMAIN or
        without the zone's SOA does not serve the zone.
        """
        found = LiveCheck(
            record=record_id, target=",".join(normalise_name(server) for server in name_servers)
        )
        try:
            return self._ask_delegated_servers(found, normalise_name(zone_name), name_servers)
        except Exception as error:
            return msgspec.structs.replace(found, error=_describe(error))

    def _probe_target(self, found: LiveCheck, record_name: str, fingerprint: Fingerprint | None) -> LiveCheck:
        try:
            addresses = self._addresses(found.target)
        except dns.exception.DNSException as error:
            return msgspec.structs.replace(
                found, error=f"DNS lookup of {found.target} failed: {_dns_failure(error)}"
            )
        if addresses is None:
            return msgspec.structs.replace(found, nxdomain=True)
        found = msgspec.structs.replace(found, nxdomain=False)
        if fingerprint is None or not fingerprint.http_fingerprints:
            return found
        if not addresses:
            return msgspec.structs.replace(found, error=f"{found.target} has no A or AAAA record")
        return self._judge_pages(found, addresses[0], _visitor_host(record_name), fingerprint)

    def _addresses(self, name: str) -> tuple[str, ...] | None:
        """The addresses of `name` (IPv4 when it has any, else IPv6); None when it does not exist."""
        qname = dns.name.from_text(name)
        for rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            try:
                answer = self._resolver.resolve(qname, rdtype, search=False, raise_on_no_answer=False)
            except dns.resolver.NXDOMAIN:
                return None
            addresses = tuple(rdata.to_text() for rdata in answer)
            if addresses:
                return addresses
        return ()

    def _judge_pages(self, found: LiveCheck, address: str, host: str, fingerprint: Fingerprint) -> LiveCheck:
        """Ask over HTTP, then HTTPS, as a visitor of `host` would: two requests at most.

        The first page that is the service's "unclaimed" page decides. A TLS failure (commonly: the
        service has no certificate for our name) is no answer rather than an error; only when neither
        scheme answered is the check incomplete.
        """
        pages: list[_Page] = []
        failures: list[str] = []
        with httpx.Client(
            verify=self._tls,
            timeout=httpx.Timeout(self.timeout),
            follow_redirects=False,
            trust_env=False,
        ) as client:
            for scheme, port in (("http", self.http_port), ("https", self.https_port)):
                outcome = _fetch(client, scheme, address, port, host, self.timeout)
                if isinstance(outcome, str):
                    failures.append(f"{scheme}: {outcome}")
                    continue
                if fingerprint.matches(outcome.status, outcome.body):
                    return msgspec.structs.replace(
                        found, http_status=outcome.status, fingerprint_matched=True
                    )
                pages.append(outcome)
        if not pages:
            return msgspec.structs.replace(
                found, error=f"no HTTP answer from {address} for {host}: {'; '.join(failures)}"
            )
        return msgspec.structs.replace(found, http_status=pages[0].status)

    def _ask_delegated_servers(self, found: LiveCheck, zone: str, name_servers: Sequence[str]) -> LiveCheck:
        if not name_servers:
            return msgspec.structs.replace(found, error="the delegation names no name server")
        unchecked: list[str] = []
        for server in name_servers:
            serves = self._serves_zone(server, zone)
            if serves is True:
                return msgspec.structs.replace(found, delegation_refused=False)
            if isinstance(serves, str):
                unchecked.append(f"{normalise_name(server)}: {serves}")
        if unchecked:
            return msgspec.structs.replace(found, error="; ".join(unchecked))
        return msgspec.structs.replace(found, delegation_refused=True)

    def _serves_zone(self, server: str, zone: str) -> bool | str:
        """Whether `server` holds `zone`; or why that could not be learned, as text.

        A server name that does not exist counts as a server that does not serve the zone: nobody
        answers there (and whoever registers the name could). A server that does not answer in time,
        or whose answer cannot be read, leaves the question open: from this network it may be out of
        reach (outbound DNS filtered), not gone.
        """
        endpoint = _address_and_port(server, self.dns_port)
        if endpoint is not None:
            return self._holds_zone(zone, *endpoint)
        try:
            addresses = self._addresses(normalise_name(server))
        except dns.exception.DNSException as error:
            return f"address lookup failed: {_dns_failure(error)}"
        unanswered: list[str] = []
        for address in addresses or ():
            holds = self._holds_zone(zone, address, self.dns_port)
            if holds is True:
                return True
            if isinstance(holds, str):
                unanswered.append(holds)
        return "; ".join(unanswered) if unanswered else False

    def _holds_zone(self, zone: str, address: str, port: int) -> bool | str:
        """Ask one server for the zone's SOA, without recursion; why it could not be asked, as text.

        Only the zone's own SOA in the answer shows that the server holds the zone. The AA flag alone
        does not: a server authoritative for a parent zone sets it too, answering that the name has
        no SOA there. Any answer without it (REFUSED, SERVFAIL, NXDOMAIN, no SOA) is a server that
        does not hold the zone.
        """
        qname = dns.name.from_text(zone)
        query = dns.message.make_query(qname, dns.rdatatype.SOA)
        query.flags &= ~dns.flags.RD
        try:
            response, _ = dns.query.udp_with_fallback(query, address, timeout=self.timeout, port=port)
        except dns.exception.Timeout:
            return f"no answer from {address} port {port} within {self.timeout:g} s"
        except (dns.exception.DNSException, OSError) as error:
            return f"no usable answer from {address} port {port}: {type(error).__name__}: {error}"
        if response.rcode() != dns.rcode.NOERROR:
            return False
        soa = response.get_rrset(response.answer, qname, dns.rdataclass.IN, dns.rdatatype.SOA)
        return soa is not None


def _call(check: Callable[[], LiveCheck]) -> LiveCheck:
    return check()


def _resolver(nameservers: Sequence[str], timeout: float) -> dns.resolver.Resolver:
    """The configured resolvers (and nothing from the system's configuration), or the system's."""
    if nameservers:
        resolver = dns.resolver.Resolver(configure=False)
        servers: list[str | dns.nameserver.Nameserver] = []
        for text in nameservers:
            endpoint = _address_and_port(text, 53)
            if endpoint is None:
                raise ValueError(f"resolver {text!r} is not an IP address (ip or ip:port)")
            servers.append(dns.nameserver.Do53Nameserver(*endpoint))
        resolver.nameservers = servers
    else:
        resolver = dns.resolver.Resolver()
    resolver.timeout = timeout
    resolver.lifetime = timeout
    return resolver


def _address_and_port(text: str, default_port: int) -> tuple[str, int] | None:
    """`ip`, `ip:port` or `[ipv6]:port` as (address, port); None when `text` is a host name."""
    host, port = text.strip(), default_port
    if host.startswith("["):
        host, _, rest = host[1:].partition("]")
        if rest:
            port = int(rest.removeprefix(":"))
    elif host.count(":") == 1:
        host, _, port_text = host.partition(":")
        port = int(port_text)
    try:
        return str(ipaddress.ip_address(host)), port
    except ValueError:
        return None


def _visitor_host(record_name: str) -> str:
    """The host name a visitor sends: a wildcard record is asked for one name it covers."""
    if record_name.startswith("*."):
        return f"{WILDCARD_LABEL}.{record_name.removeprefix('*.')}"
    return record_name


def _fetch(
    client: httpx.Client, scheme: str, address: str, port: int, host: str, timeout: float
) -> _Page | str:
    """One GET of `/` at the target's address, for `host` (Host header and TLS server name); or why
    there was no page."""
    url = httpx.URL(scheme=scheme, host=address, port=port, path="/")
    extensions = {"sni_hostname": host} if scheme == "https" else {}
    headers = {"Host": host, "User-Agent": USER_AGENT}
    try:
        with client.stream("GET", url, headers=headers, extensions=extensions) as response:
            return _Page(response.status_code, _read_body(response, time.monotonic() + timeout))
    except httpx.TimeoutException:
        return "timed out"
    except httpx.HTTPError as error:
        tls = _tls_error(error)
        if tls is not None:
            return f"TLS handshake failed ({tls.reason or tls})"
        return f"{type(error).__name__}: {error}"


def _read_body(response: httpx.Response, deadline: float) -> str:
    """The start of the body (what arrived by `deadline`), decoded as the response says (UTF-8 when it
    does not, or names no codec)."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_BODY_BYTES or time.monotonic() >= deadline:
            break
    raw = b"".join(chunks)[:MAX_BODY_BYTES]
    try:
        return raw.decode(response.encoding or "utf-8", errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")


def _tls_error(error: BaseException) -> ssl.SSLError | None:
    """The TLS error behind a transport error, if that is what it was."""
    for cause in _causes(error):
        if isinstance(cause, ssl.SSLError):
            return cause
    return None


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _dns_failure(error: dns.exception.DNSException) -> str:
    if isinstance(error, dns.resolver.LifetimeTimeout):
        return "timed out"
    if isinstance(error, dns.resolver.NoNameservers):
        return "no resolver gave an answer (SERVFAIL or refused)"
    return f"{type(error).__name__}: {error}"


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"
