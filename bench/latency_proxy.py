"""A loopback HTTP/1.1 proxy that makes every request wait, as a round trip to AWS does.

The emulator answers in about a millisecond of CPU where AWS takes tens of milliseconds; a benchmark
points `AWS_ENDPOINT_URL` (or a client's `endpoint_url`) at this proxy, which forwards each request to
the emulator after the given delay. The delay is per HTTP request, not per connection: botocore keeps
connections alive and sends many calls over each, and each call waits. Requests on different
connections wait side by side, so a client that calls concurrently pays the delay concurrently, as it
would against AWS.

Bodies are forwarded exactly as sent, whether framed by Content-Length or chunked; a response without
either (and that may have a body) is read to the end of the upstream connection, and the client's
connection is closed after it. `Connection` is a hop-by-hop header: the emulator's server (werkzeug)
closes its connection after every response, while the client's connection to the proxy stays open
for its next request, as a connection to AWS does. `Expect: 100-continue` is answered by the proxy
itself.

Used by `bench_account.py --latency-ms`; on its own:
`.venv/bin/python bench/latency_proxy.py http://127.0.0.1:PORT [--latency-ms 50] [--port 0]`
prints its endpoint and forwards until interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import threading
import urllib.parse
from types import TracebackType
from typing import Self

HEAD_LIMIT = 64 * 1024
"""Longest request or response head (request line or status line, and headers) accepted."""


class ProxyError(Exception):
    """A malformed request or response: the connection is closed."""


def _headers(head: bytes) -> tuple[bytes, dict[bytes, bytes]]:
    """The first line, and the headers by lower-case name (repeated headers joined with commas)."""
    lines = head.split(b"\r\n")
    headers: dict[bytes, bytes] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, colon, value = line.partition(b":")
        if not colon:
            raise ProxyError(f"malformed header line {line[:80]!r}")
        key = name.strip().lower()
        headers[key] = headers[key] + b", " + value.strip() if key in headers else value.strip()
    return lines[0], headers


async def _read_head(reader: asyncio.StreamReader) -> bytes | None:
    """A request or response head, up to and including the blank line; None at a clean end of stream."""
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if error.partial.strip():
            raise ProxyError("the connection ended inside a message head") from error
        return None
    except asyncio.LimitOverrunError as error:
        raise ProxyError("message head too long") from error


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    """A chunked body as sent (sizes, data, last chunk and trailers), to forward unchanged."""
    parts = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        parts.append(size_line)
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while True:  # trailers, then the blank line that ends the body
                trailer = await reader.readuntil(b"\r\n")
                parts.append(trailer)
                if trailer == b"\r\n":
                    return b"".join(parts)
        parts.append(await reader.readexactly(size + 2))


async def _read_body(reader: asyncio.StreamReader, headers: dict[bytes, bytes]) -> bytes | None:
    """The body framed by the headers: b"" when there is none, None when it runs to the end of stream."""
    if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
        return await _read_chunked(reader)
    length = headers.get(b"content-length")
    if length is not None:
        return await reader.readexactly(int(length))
    return None


def _without(head: bytes, name: bytes) -> bytes:
    """The head without the header `name` (lower case)."""
    lines = head.split(b"\r\n")
    kept = [lines[0]] + [line for line in lines[1:] if line.partition(b":")[0].strip().lower() != name]
    return b"\r\n".join(kept)


def _closes(first_line: bytes, headers: dict[bytes, bytes]) -> bool:
    """Whether the message ends its connection (Connection: close, or HTTP/1.0 without keep-alive)."""
    connection = headers.get(b"connection", b"").lower()
    if first_line.startswith(b"HTTP/1.0") or first_line.endswith(b"HTTP/1.0"):
        return b"keep-alive" not in connection
    return b"close" in connection


class LatencyProxy:
    """Forwards HTTP requests from 127.0.0.1 to `upstream`, each after `latency_ms` milliseconds.

    A context manager: the proxy serves on its own thread and event loop from `__enter__` to
    `__exit__`; `endpoint` is its base URL and `requests` the number of requests forwarded.
    """

    def __init__(self, upstream: str, latency_ms: float, port: int = 0) -> None:
        parts = urllib.parse.urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"upstream must be an http:// URL, not {upstream!r}")
        self._upstream = (parts.hostname, parts.port or 80)
        self._delay = max(0.0, latency_ms) / 1000
        self._port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._clients: set[asyncio.StreamWriter] = set()
        self.endpoint = ""
        self.requests = 0

    def __enter__(self) -> Self:
        self._thread = threading.Thread(target=self._run, name="latency-proxy", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            raise RuntimeError(f"the proxy did not start: {self._failure}") from self._failure
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported to __enter__ when it happens at start
            self._failure = error
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._serve, "127.0.0.1", self._port, limit=HEAD_LIMIT)
        port = server.sockets[0].getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{port}"
        self._ready.set()
        async with server:
            await self._stop.wait()
            # Idle kept-alive connections end at once: their handlers see the end of stream and return.
            for client in list(self._clients):
                client.close()
            for _ in range(100):
                if not self._clients:
                    break
                await asyncio.sleep(0.01)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(*self._upstream, limit=HEAD_LIMIT)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One client connection: its requests one after another, over one upstream connection."""
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._clients.add(writer)
        try:
            while True:
                head = await _read_head(reader)
                if head is None:
                    return
                request_line, headers = _headers(head)
                if b"100-continue" in headers.get(b"expect", b"").lower():
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                    await writer.drain()
                    head = _without(head, b"expect")
                body = await _read_body(reader, headers)
                if body is None:
                    body = b""  # a request without framing has no body (RFC 9112, 6.3)
                await asyncio.sleep(self._delay)
                method = request_line.split(b" ", 1)[0].upper()
                response, upstream = await self._forward(upstream, head + body, method)
                self.requests += 1
                closing = response.to_end or _closes(request_line, headers)
                writer.write(response.for_client(closing))
                await writer.drain()
                if closing:
                    return
        except (ProxyError, ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            self._clients.discard(writer)
            if upstream is not None:
                upstream[1].close()
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _forward(
        self,
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None,
        request: bytes,
        method: bytes,
    ) -> tuple[_Response, tuple[asyncio.StreamReader, asyncio.StreamWriter] | None]:
        """Send `request` upstream and read the answer; a kept-alive upstream connection that the server
        has closed meanwhile is opened again once."""
        for attempt in range(2):
            fresh = upstream is None
            if upstream is None:
                upstream = await self._connect()
            up_reader, up_writer = upstream
            try:
                up_writer.write(request)
                await up_writer.drain()
                response = await _read_response(up_reader, method)
            except (ConnectionError, ProxyError, asyncio.IncompleteReadError):
                up_writer.close()
                upstream = None
                if fresh or attempt:
                    raise
                continue
            if response is None:  # the server closed the kept-alive connection before answering
                up_writer.close()
                upstream = None
                if fresh or attempt:
                    raise ProxyError("the upstream server closed the connection without answering")
                continue
            if response.closes:
                up_writer.close()
                upstream = None
            return response, upstream
        raise ProxyError("unreachable")


class _Response:
    """A response from upstream: `closes` when upstream ends its connection after it, `to_end` when
    its body ran to that end (the client's connection must then end too, to frame it)."""

    def __init__(self, interim: bytes, head: bytes, body: bytes, closes: bool, to_end: bool = False) -> None:
        self.interim = interim
        self.head = head
        self.body = body
        self.closes = closes
        self.to_end = to_end

    def for_client(self, closing: bool) -> bytes:
        """The response with the client connection's own Connection header."""
        head = _without(self.head, b"connection")
        if closing:
            head = head.removesuffix(b"\r\n\r\n") + b"\r\nConnection: close\r\n\r\n"
        return self.interim + head + self.body


async def _read_response(reader: asyncio.StreamReader, method: bytes) -> _Response | None:
    """One final response (interim 1xx responses are passed along before it); None at end of stream."""
    interim = b""
    while True:
        head = await _read_head(reader)
        if head is None:
            if interim:
                raise ProxyError("the connection ended after an interim response")
            return None
        status_line, headers = _headers(head)
        fields = status_line.split(b" ", 2)
        if len(fields) < 2 or not fields[1].isdigit():
            raise ProxyError(f"malformed status line {status_line[:80]!r}")
        status = int(fields[1])
        if 100 <= status < 200 and status != 101:
            interim += head
            continue
        closes = _closes(status_line, headers)
        if method == b"HEAD" or status in (204, 304) or 100 <= status < 200:
            return _Response(interim, head, b"", closes)
        body = await _read_body(reader, headers)
        if body is None:  # delimited by the end of the connection
            return _Response(interim, head, await reader.read(), closes=True, to_end=True)
        return _Response(interim, head, body, closes)


def main() -> None:
    parser = argparse.ArgumentParser(description="Forward HTTP requests to UPSTREAM, each after a delay.")
    parser.add_argument("upstream", help="the server to forward to, such as http://127.0.0.1:5000")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="delay per request (default 50)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on, 127.0.0.1 (default: any)")
    arguments = parser.parse_args()
    with LatencyProxy(arguments.upstream, arguments.latency_ms, arguments.port) as proxy:
        print(proxy.endpoint, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
