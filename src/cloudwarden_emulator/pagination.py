"""Small pages for listings that moto answers in one: so that a client's pagination loop is exercised.

AWS splits a long listing into pages, each naming the next by a token, and a client that stops after
the first page misses the rest; moto answers most listings whole, whatever the page size asked (or
honours it for some operations only, sometimes without a token for the next page). For an operation
given a page size (`PageSize`, set through the control API), the emulator asks moto for the whole
listing on the first call and answers it `size` items at a time: each page but the last carries a
token of the emulator's own (`cwpage-<hex>`), and a call that returns one is answered the next page
from memory, without asking moto again. The result list, tokens and "more results" flag are found
through botocore's paginator and service models, so every protocol is answered in its own shape.

Moto's own pages are left alone: an answer that already names a next page (a client asked a page
size moto honours) is passed through whole. A token the emulator does not know (after a reset) is
answered InvalidPaginationToken. Only the emulator process imports this module.
"""

from __future__ import annotations

import io
import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from threading import Lock
from typing import Any
from urllib.parse import parse_qs
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import botocore.exceptions
import botocore.model
import botocore.session
from werkzeug.wrappers import Response

from cloudwarden_emulator.state import PageSize

TOKEN = re.compile(r"cwpage-[0-9a-f]{32}")
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/\s,]+/[^/]+/[^/]+/([^/]+)/aws4_request")
_XML_PROTOCOLS = frozenset({"query", "ec2", "rest-xml"})
_REST_PROTOCOLS = frozenset({"rest-xml", "rest-json"})
_PROTOCOLS = frozenset({"query", "ec2", "json", "rest-xml", "rest-json"})


@dataclass(frozen=True)
class Paging:
    """How one operation pages: where its items, next-page tokens and "more" flag are in an answer.

    Paths are wire names from the top of the answer (inside the result wrapper of the query
    protocol, inside the payload element of a REST-XML answer with one).
    """

    size: int
    service: str
    operation: str
    protocol: str
    signing_name: str
    api_version: str
    method: str
    path: re.Pattern[str] | None
    """REST operations: the request path, from the operation's request URI."""
    wrapper: str | None
    """Query protocol: the element the answer's members are in."""
    result: tuple[str, ...]
    item: str | None
    """XML: the tag of each item of the result list."""
    tokens: tuple[tuple[str, ...], ...]
    more: tuple[str, ...] | None


def _wire(shape: botocore.model.Shape, dotted: str, skip: str | None) -> tuple[tuple[str, ...], Any]:
    """The wire names along `dotted` (member names) from `shape`, and the shape it ends at."""
    names: list[str] = []
    for index, member in enumerate(dotted.split(".")):
        if not isinstance(shape, botocore.model.StructureShape) or member not in shape.members:
            raise ValueError(f"the answer has no {dotted}")
        shape = shape.members[member]
        if index == 0 and member == skip:
            continue  # the payload member is the root element itself
        names.append(str(shape.serialization.get("name", member)))
    return tuple(names), shape


def _request_path(uri: str) -> re.Pattern[str]:
    path = uri.partition("?")[0]
    parts = re.split(r"(\{[^}]+\})", path)
    pattern = "".join(
        (".+" if part.endswith("+}") else "[^/]+") if part.startswith("{") else re.escape(part)
        for part in parts
    )
    return re.compile(f"{pattern}/?")


def paging_for(page_size: PageSize) -> Paging:
    """Where the operation's pages are, from botocore's models; refuses what cannot be paged here."""
    session = botocore.session.get_session()
    try:
        model = session.get_service_model(page_size.service)
    except botocore.exceptions.UnknownServiceError as error:
        raise ValueError(f"unknown service {page_size.service!r}") from error
    try:
        operation = model.operation_model(page_size.operation)
    except botocore.model.OperationNotFoundError as error:
        raise ValueError(f"{page_size.service} has no operation {page_size.operation!r}") from error
    try:
        paginator = session.get_paginator_model(page_size.service).get_paginator(page_size.operation)
    except (botocore.exceptions.DataNotFoundError, ValueError) as error:
        raise ValueError(f"{page_size.service}:{page_size.operation} is not paginated") from error
    protocol = str(model.protocol)
    if protocol not in _PROTOCOLS:
        raise ValueError(f"{page_size.service} speaks {protocol}, which pagination does not support")
    result_keys = paginator["result_key"]
    if not isinstance(result_keys, str):
        raise ValueError(f"{page_size.service}:{page_size.operation} pages several lists")
    output = operation.output_shape
    assert output is not None
    skip = output.serialization.get("payload") if protocol == "rest-xml" else None
    result, listing = _wire(output, result_keys, skip)
    item = None
    if protocol in _XML_PROTOCOLS:
        if listing.serialization.get("flattened"):
            raise ValueError(f"{page_size.service}:{page_size.operation} answers a flattened list")
        item = str(listing.member.serialization.get("name", "item" if protocol == "ec2" else "member"))
    output_tokens = paginator["output_token"]
    tokens = tuple(
        _wire(output, token, skip)[0]
        for token in ([output_tokens] if isinstance(output_tokens, str) else output_tokens)
    )
    more = paginator.get("more_results")
    return Paging(
        size=page_size.size,
        service=page_size.service,
        operation=page_size.operation,
        protocol=protocol,
        signing_name=str(model.signing_name),
        api_version=str(model.api_version),
        method=str(operation.http.get("method", "POST")),
        path=_request_path(str(operation.http.get("requestUri", "/")))
        if protocol in _REST_PROTOCOLS
        else None,
        wrapper=output.serialization.get("resultWrapper"),
        result=result,
        item=item,
        tokens=tokens,
        more=None if more is None else _wire(output, more, skip)[0],
    )


def _body(environ: WSGIEnvironment) -> bytes:
    """The request body, left readable for moto."""
    body: bytes = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _matches(paging: Paging, environ: WSGIEnvironment, body: bytes) -> bool:
    if paging.path is not None:
        return environ["REQUEST_METHOD"] == paging.method and bool(
            paging.path.fullmatch(environ.get("PATH_INFO", ""))
        )
    if paging.protocol == "json":
        target: str = environ.get("HTTP_X_AMZ_TARGET", "")
        return target.rpartition(".")[2] == paging.operation
    form = parse_qs(environ.get("QUERY_STRING", "")) | parse_qs(body.decode(errors="replace"))
    # elb and elbv2 share a signing name and an endpoint: their API versions tell them apart.
    return form.get("Action") == [paging.operation] and form.get("Version") == [paging.api_version]


class Pager:
    """The page sizes set through the control API, and the pages given a token so far.

    Pages stay until `reset()`, so a call retried with the same token gets the same page.
    """

    def __init__(self) -> None:
        self._lock = Lock()
        # Replaced whole, never changed in place: requests read it without the lock.
        self._pagings: dict[tuple[str, str], Paging] = {}
        self._pages: dict[str, Response] = {}

    def set(self, page_size: PageSize) -> None:
        """Page the operation by `size` items from now on; a size of 0 answers it whole again."""
        key = (page_size.service, page_size.operation)
        paging = None if page_size.size == 0 else paging_for(page_size)
        with self._lock:
            others = {other: value for other, value in self._pagings.items() if other != key}
            self._pagings = others if paging is None else others | {key: paging}

    def reset(self) -> None:
        with self._lock:
            self._pagings = {}
            self._pages.clear()

    def __call__(
        self, moto: WSGIApplication, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """Answer the call a page if its operation is paged here, else let moto answer it."""
        paging = self._paging(environ)
        if paging is None:
            return moto(environ, start_response)
        found = TOKEN.search(f"{environ.get('QUERY_STRING', '')} {_body(environ).decode(errors='replace')}")
        if found is not None:
            with self._lock:
                page = self._pages.get(found[0])
            if page is None:
                page = _invalid_token(paging, found[0])
            return page(environ, start_response)
        status, headers, body = _call(moto, environ)
        split = _split(paging, body) if status == 200 else None
        if split is None:
            return Response(body, status=status, headers=headers)(environ, start_response)
        first, *rest = (Response(page, status=status, headers=headers) for page in split.pages)
        with self._lock:
            self._pages.update(zip(split.tokens, rest, strict=True))
        return first(environ, start_response)

    def _paging(self, environ: WSGIEnvironment) -> Paging | None:
        pagings = self._pagings
        if not pagings:
            return None
        scope = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if scope is None:
            return None
        candidates = [paging for paging in pagings.values() if paging.signing_name == scope[1]]
        if not candidates:
            return None
        body = b"" if environ["REQUEST_METHOD"] == "GET" else _body(environ)
        return next((paging for paging in candidates if _matches(paging, environ, body)), None)


def _call(moto: WSGIApplication, environ: WSGIEnvironment) -> tuple[int, list[tuple[str, str]], bytes]:
    """Moto's whole answer: status, headers (without Content-Length, which changes) and body."""
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        answer["status"], answer["headers"] = status, headers
        return lambda data: None

    chunks = moto(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    headers = [(name, value) for name, value in answer["headers"] if name.lower() != "content-length"]
    return int(str(answer["status"]).split()[0]), headers, body


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)] or [[]]


@dataclass(frozen=True)
class Split:
    """An answer cut into pages."""

    pages: list[bytes]
    tokens: list[str]
    """The token each page but the last names the next page by."""


def _new_tokens(count: int) -> list[str | None]:
    """A token for each page but the last, which names none."""
    return [*(f"cwpage-{uuid.uuid4().hex}" for _ in range(count - 1)), None]


def _split(paging: Paging, body: bytes) -> Split | None:
    """The answer as pages, or None when it cannot be split (moto paged it itself, or it has no list)."""
    if paging.protocol in _XML_PROTOCOLS:
        return _split_xml(paging, body)
    return _split_json(paging, body)


# --- JSON ------------------------------------------------------------------------------------------------


def _json_parent(document: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any] | None:
    node: Any = document
    for name in path[:-1]:
        node = node.get(name) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def _split_json(paging: Paging, body: bytes) -> Split | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    holder = _json_parent(document, paging.result) if isinstance(document, dict) else None
    items = None if holder is None else holder.get(paging.result[-1])
    if holder is None or not isinstance(items, list):
        return None
    for path in paging.tokens:
        parent = _json_parent(document, path)
        if parent is not None and parent.get(path[-1]):
            return None
    chunks = _chunks(items, paging.size)
    tokens = _new_tokens(len(chunks))
    pages = []
    for chunk, token in zip(chunks, tokens, strict=True):
        holder[paging.result[-1]] = chunk
        for path in paging.tokens:
            parent = _json_parent(document, path)
            if parent is not None:
                if token is None:
                    parent.pop(path[-1], None)
                else:
                    parent[path[-1]] = token
        if paging.more is not None:
            parent = _json_parent(document, paging.more)
            if parent is not None:
                parent[paging.more[-1]] = token is not None
        pages.append(json.dumps(document).encode())
    return Split(pages, [token for token in tokens if token is not None])


# --- XML -------------------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _namespace(tag: str) -> str:
    return tag[: tag.index("}") + 1] if tag.startswith("{") else ""


def _child(parent: ET.Element, name: str, create: bool = False) -> ET.Element | None:
    for child in parent:
        if _local(child.tag) == name:
            return child
    return ET.SubElement(parent, _namespace(parent.tag) + name) if create else None


def _xml_element(top: ET.Element, path: tuple[str, ...], create: bool = False) -> ET.Element | None:
    node: ET.Element | None = top
    for name in path:
        if node is None:
            return None
        node = _child(node, name, create)
    return node


def _xml_parent(top: ET.Element, path: tuple[str, ...]) -> ET.Element | None:
    return _xml_element(top, path[:-1])


def _split_xml(paging: Paging, body: bytes) -> Split | None:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    top = root if paging.wrapper is None else _child(root, paging.wrapper)
    listing = None if top is None else _xml_element(top, paging.result)
    if top is None or listing is None:
        return None
    for path in paging.tokens:
        present = _xml_element(top, path)
        if present is not None and (present.text or "").strip():
            return None
    items = [child for child in listing if _local(child.tag) == paging.item]
    for item in items:
        listing.remove(item)
    namespace = _namespace(root.tag)
    if namespace:
        ET.register_namespace("", namespace[1:-1])
    chunks = _chunks(items, paging.size)
    tokens = _new_tokens(len(chunks))
    pages = []
    for chunk, token in zip(chunks, tokens, strict=True):
        listing.extend(chunk)
        for path in paging.tokens:
            if token is None:
                parent = _xml_parent(top, path)
                old = None if parent is None else _child(parent, path[-1])
                if parent is not None and old is not None:
                    parent.remove(old)
            else:
                element = _xml_element(top, path, create=True)
                assert element is not None
                element.text = token
        if paging.more is not None:
            flag = _xml_element(top, paging.more, create=True)
            assert flag is not None
            flag.text = "false" if token is None else "true"
        pages.append(ET.tostring(root, encoding="utf-8", xml_declaration=True))
        for item in chunk:
            listing.remove(item)
    return Split(pages, [token for token in tokens if token is not None])


def _invalid_token(paging: Paging, token: str) -> Response:
    """What AWS answers a token it never gave, in the protocol's shape."""
    message = f"the pagination token {token} is unknown (the emulator was reset since it was given)"
    if paging.protocol in ("json", "rest-json"):
        body = json.dumps({"__type": "InvalidPaginationToken", "message": message})
        return Response(body, status=400, content_type="application/json")
    error = f"<Code>InvalidPaginationToken</Code><Message>{message}</Message>"
    if paging.protocol == "ec2":
        return Response(f"<Response><Errors><Error>{error}</Error></Errors></Response>", status=400)
    return Response(f"<ErrorResponse><Error><Type>Sender</Type>{error}</Error></ErrorResponse>", status=400)
