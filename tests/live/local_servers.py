"""Real servers on 127.0.0.1 for the live checks: DNS from a table, HTTP by Host header, a port that
speaks plain text where TLS is expected, an HTTP server that trickles its page, and a UDP port that
never answers.

Each is a context manager that starts its thread on entry and, on exit, stops the thread and closes
every socket it opened.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

LOCALHOST = "127.0.0.1"


@dataclass(frozen=True)
class Name:
    """What the DNS server holds for one name: its records by type, or the rcode it answers with."""

    records: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    rcode: dns.rcode.Rcode = dns.rcode.NOERROR
    authoritative: bool = True
    """Answers carry the AA flag (False: a server that answers for a zone it does not hold)."""


@dataclass(frozen=True)
class Question:
    name: str
    type: str
    recursion_desired: bool


def _absolute(name: str) -> str:
    return name.lower().removesuffix(".") + "."


def _rrset(name: str, rdtype: str, values: tuple[str, ...]) -> dns.rrset.RRset:
    """Values are written as in a zone file whose origin is the root: names need no final dot."""
    return dns.rrset.from_text_list(
        name, 300, "IN", rdtype, list(values), origin=dns.name.root, relativize=False
    )


class DnsServer:
    """A UDP DNS server answering from `names`; a name it does not hold is NXDOMAIN.

    Like a recursive resolver, it follows CNAMEs within its table, so a chain that ends at a missing
    name answers NXDOMAIN with the chain in the answer section.
    """

    def __init__(self, names: Mapping[str, Name]) -> None:
        self.names = {_absolute(name): entry for name, entry in names.items()}
        self.questions: list[Question] = []
        self._lock = threading.Lock()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((LOCALHOST, 0))
        self._socket.settimeout(0.02)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="test-dns-server")

    @property
    def address(self) -> str:
        return f"{LOCALHOST}:{self.port}"

    @property
    def port(self) -> int:
        return int(self._socket.getsockname()[1])

    def asked(self) -> list[Question]:
        with self._lock:
            return list(self.questions)

    def forget(self) -> None:
        with self._lock:
            self.questions.clear()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._socket.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, client = self._socket.recvfrom(65535)
            except TimeoutError:
                continue
            response = self.answer(dns.message.from_wire(wire))
            self._socket.sendto(response.to_wire(), client)

    def answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        question = query.question[0]
        rdtype = dns.rdatatype.to_text(question.rdtype)
        name = question.name.to_text().lower()
        with self._lock:
            self.questions.append(Question(name, rdtype, bool(query.flags & dns.flags.RD)))
        for _ in range(8):
            entry = self.names.get(name)
            if entry is None:
                response.flags |= dns.flags.AA
                response.set_rcode(dns.rcode.NXDOMAIN)
                return response
            response.set_rcode(entry.rcode)
            if entry.rcode != dns.rcode.NOERROR:
                return response
            if entry.authoritative:
                response.flags |= dns.flags.AA
            alias = entry.records.get("CNAME")
            if alias and rdtype != "CNAME":
                response.answer.append(_rrset(name, "CNAME", alias))
                name = _absolute(alias[0])
                continue
            values = entry.records.get(rdtype)
            if values:
                response.answer.append(_rrset(name, rdtype, values))
            return response
        response.set_rcode(dns.rcode.SERVFAIL)
        return response


@dataclass(frozen=True)
class Page:
    status: int
    body: str
    headers: Mapping[str, str] = field(default_factory=dict)


class _PagesServer(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True

    def __init__(self, pages: Mapping[str, Page], default: Page) -> None:
        super().__init__((LOCALHOST, 0), _PagesHandler)
        self.pages = pages
        self.default = default
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up early is not the test's concern."""


class _PagesHandler(BaseHTTPRequestHandler):
    server: _PagesServer

    def do_GET(self) -> None:
        host = self.headers.get("Host", "")
        with self.server.lock:
            self.server.requests.append((host, self.path))
        page = self.server.pages.get(host, self.server.default)
        body = page.body.encode()
        self.send_response(page.status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in page.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test asserts on `requests` instead."""


class PagesServer:
    """An HTTP server answering `pages[Host]`, or `default` for a host it does not serve (as a hosting
    service's front end does); it keeps every (Host, path) it was asked for."""

    def __init__(self, pages: Mapping[str, Page], default: Page) -> None:
        self._server = _PagesServer(pages, default)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="test-pages-server"
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def requests(self) -> list[tuple[str, str]]:
        with self._server.lock:
            return list(self._server.requests)

    def forget(self) -> None:
        with self._server.lock:
            self._server.requests.clear()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()


class _PlainTextHandler(socketserver.BaseRequestHandler):
    request: socket.socket
    server: _PlainTextTcpServer

    def handle(self) -> None:
        self.request.settimeout(2)
        try:
            greeting = self.request.recv(4096)
            with self.server.lock:
                self.server.greetings.append(greeting)
            self.request.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            self.request.shutdown(socket.SHUT_WR)
            while self.request.recv(4096):
                pass
        except OSError:
            return


class _PlainTextTcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = False
    block_on_close = True

    def __init__(self) -> None:
        super().__init__((LOCALHOST, 0), _PlainTextHandler)
        self.greetings: list[bytes] = []
        self.lock = threading.Lock()


class PlainTextServer:
    """A TCP port that answers in plain HTTP, as a server without TLS on the HTTPS port would: a TLS
    client fails its handshake there. It keeps what each client sent first."""

    def __init__(self) -> None:
        self._server = _PlainTextTcpServer()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="test-plain-server"
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def greetings(self) -> list[bytes]:
        """The first bytes of each connection: a TLS client's hello, which names the server it wants."""
        with self._server.lock:
            return list(self._server.greetings)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()


class _TrickleHandler(socketserver.BaseRequestHandler):
    request: socket.socket

    def handle(self) -> None:
        self.request.settimeout(2)
        try:
            self.request.recv(4096)
            self.request.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n")
            for _ in range(100):
                self.request.sendall(b".")
                time.sleep(0.05)
        except OSError:
            return


class _TrickleTcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = False
    block_on_close = True


class TrickleServer:
    """An HTTP server that sends its page one byte at a time for five seconds, as a hostile target
    might to hold a scanner."""

    def __init__(self) -> None:
        self._server = _TrickleTcpServer((LOCALHOST, 0), _TrickleHandler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="test-trickle-server"
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()


class SilentUdpPort:
    """A bound UDP port that never answers: a resolver or name server that is down."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((LOCALHOST, 0))
        self.address = f"{LOCALHOST}:{self._socket.getsockname()[1]}"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._socket.close()


def closed_tcp_port() -> int:
    """A port nothing listens on (it was free a moment ago): connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOCALHOST, 0))
        return int(probe.getsockname()[1])
