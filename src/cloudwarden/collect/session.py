"""The one seam between cloudwarden and AWS: boto3 clients with a read-only guard and call statistics.

Every client the scanner uses is made here, so every call passes these botocore event hooks:
- the read-only guard refuses any operation the scanner does not declare (`operations.py`), before
  it is sent;
- answers that are no AWS answer (an HTML page, an empty or broken JSON body) raise ResponseParserError,
  as botocore does for XML it cannot parse, instead of passing for an empty answer;
- the statistics hooks count calls, errors, retries and time per service and operation.
"""

from __future__ import annotations

import ipaddress
import json
import re
import threading
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import botocore.config
import botocore.loaders
import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    CredentialProvider,
    CredentialResolver,
    DeferredRefreshableCredentials,
)
from botocore.model import OperationModel
from botocore.parsers import ResponseParserError

from cloudwarden import __version__
from cloudwarden.collect.operations import DECLARED_OPERATIONS
from cloudwarden.snapshot import OperationStats

DEFAULT_REGION = "us-east-1"


class ReadOnlyViolation(RuntimeError):
    """The scanner tried to call an operation it does not declare; nothing was sent.

    A bug, never a failed call: it ends the scan instead of becoming an UNKNOWN."""


def is_declared(service: str, operation: str) -> bool:
    """Whether the guard lets `service.Operation` through: exactly the declared operations, so a
    `Get*` that mints credentials or changes state (sts:GetSessionToken) is refused like a write."""
    return f"{service}.{operation}" in DECLARED_OPERATIONS


def _service_name(model: OperationModel) -> str:
    return str(model.service_model.service_name)


def refuse_undeclared(model: OperationModel, **_: Any) -> None:
    service = _service_name(model)
    if not is_declared(service, model.name):
        raise ReadOnlyViolation(
            f"refused to call {service}:{model.name}: cloudwarden calls only the read operations it declares"
        )


class _RefuseOutside:
    """The guard of a session allowed other operations than the scanner's (`fix --apply`'s session:
    exactly the fixers' declared writes and re-reads): anything else is refused before it is sent."""

    def __init__(self, allowed: frozenset[str]) -> None:
        self._allowed = allowed

    def __call__(self, model: OperationModel, **_: Any) -> None:
        service = _service_name(model)
        if f"{service}.{model.name}" not in self._allowed:
            raise ReadOnlyViolation(
                f"refused to call {service}:{model.name}: this session calls only the operations it declares"
            )


_HTML = re.compile(rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!doctype\s+html|<html)", re.IGNORECASE)
_JSON_PROTOCOLS = frozenset({"json", "rest-json"})
_ROOT_NAMED_AFTER_OPERATION = frozenset({"query", "ec2"})
"""Protocols whose successful answer is the XML document `<{Operation}Response>`."""
REST_XML_ROOTS = {
    "s3.ListBuckets": "ListAllMyBucketsResult",
    "s3.GetBucketLocation": "LocationConstraint",
    "s3.GetBucketAcl": "AccessControlPolicy",
    "s3.GetBucketPolicyStatus": "PolicyStatus",
    "s3.GetPublicAccessBlock": "PublicAccessBlockConfiguration",
    "s3.GetBucketOwnershipControls": "OwnershipControls",
    "s3control.GetPublicAccessBlock": "PublicAccessBlockConfiguration",
    "route53.ListHostedZones": "ListHostedZonesResponse",
    "route53.GetHostedZone": "GetHostedZoneResponse",
    "route53.ListResourceRecordSets": "ListResourceRecordSetsResponse",
    "cloudfront.ListDistributions": "DistributionList",
}
"""The root element of each declared REST-XML answer that is an XML document (botocore's models do
not name it; a test checks that every such declared operation is listed)."""
_XML_ROOT = re.compile(rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:[\w.-]+:)?([\w.-]+)", re.DOTALL)


def _answers_in_body(model: OperationModel) -> bool:
    """Whether a successful answer carries members in its body (not only in headers)."""
    shape = model.output_shape
    if shape is None:
        return False
    return "payload" in shape.serialization or any(
        "location" not in member.serialization for member in shape.members.values()
    )


def refuse_malformed_answer(operation_model: OperationModel, response_dict: dict[str, Any], **_: Any) -> None:
    """Raise ResponseParserError for an answer no AWS service sends, before botocore parses it.

    Botocore raises it for XML it cannot parse, but raises UnicodeDecodeError for a JSON body that
    is not UTF-8, and takes a successful answer that is empty, an HTML page from a proxy, or JSON
    that does not parse, or an XML document other than the operation's answer, for an answer with
    nothing in it (no trails, no APIs, no security groups) or for a bucket policy's text: each would
    pass for data the account does not have.
    """
    body = response_dict.get("body")
    if not isinstance(body, bytes):
        return
    try:
        body.decode()
    except UnicodeDecodeError as error:
        raise ResponseParserError(f"Unable to parse response: not UTF-8 ({error.reason})") from None
    if response_dict["status_code"] >= 300 or not _answers_in_body(operation_model):
        return  # botocore makes a ClientError of any error answer
    if not body or body.isspace():
        raise ResponseParserError("Unable to parse response: the answer is empty")
    if _HTML.match(body, 0, 1024):
        raise ResponseParserError("Unable to parse response: the answer is an HTML page")
    protocol = operation_model.service_model.protocol
    if protocol in _JSON_PROTOCOLS:
        try:
            document = json.loads(body)
        except ValueError as error:
            raise ResponseParserError(f"Unable to parse response: invalid JSON ({error})") from None
        if not isinstance(document, dict):  # botocore would raise AttributeError on it
            raise ResponseParserError("Unable to parse response: the JSON answer is not an object")
        return
    # Another XML document (a proxy's page) would be read as an empty answer (no groups, no regions,
    # no buckets) or make botocore raise KeyError.
    if protocol in _ROOT_NAMED_AFTER_OPERATION:
        expected: str | None = f"{operation_model.name}Response"
    else:
        expected = REST_XML_ROOTS.get(f"{_service_name(operation_model)}.{operation_model.name}")
    if expected is not None:
        root = _XML_ROOT.match(body)
        if root is None or root.group(1) != expected.encode():
            raise ResponseParserError(f"Unable to parse response: the answer is not a {expected} document")


def send_account_host_to_ip_endpoint(request: AWSRequest, **_: Any) -> None:
    """S3 Control puts the account id in front of the host name (`123456789012.s3-control...`).

    That name cannot resolve when the endpoint is an IP address or localhost (an emulator, a proxy
    on loopback): send the request to the endpoint itself. The account id still travels in the
    `x-amz-account-id` header that S3 Control requires.
    """
    url = request.url
    if url is None:
        return
    parts = urlsplit(url)
    host: str = parts.hostname or ""
    label, _dot, endpoint_host = host.partition(".")
    if not (len(label) == 12 and label.isdigit()):
        return
    try:
        ipaddress.ip_address(endpoint_host)
    except ValueError:
        if endpoint_host != "localhost":
            return
    request.url = urlunsplit(parts._replace(netloc=parts.netloc.replace(host, endpoint_host, 1)))


class CallStatistics:
    """Thread-safe counters of calls per `service.Operation`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stats: dict[str, OperationStats] = {}

    def _entry(self, model: OperationModel) -> OperationStats:
        key = f"{_service_name(model)}.{model.name}"
        entry = self._stats.get(key)
        if entry is None:
            entry = self._stats[key] = OperationStats()
        return entry

    def before_call(self, model: OperationModel, context: dict[str, Any], **_: Any) -> None:
        context["cloudwarden_started"] = time.perf_counter()
        context["cloudwarden_operation"] = model

    def after_call(
        self, model: OperationModel, parsed: dict[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        self._record(
            model, context, parsed.get("ResponseMetadata", {}).get("RetryAttempts", 0), "Error" in parsed
        )

    def after_call_error(self, context: dict[str, Any], **_: Any) -> None:
        """A call that got no answer (connection refused, timeout): botocore passes no model here."""
        model = context.get("cloudwarden_operation")
        if model is not None:
            self._record(model, context, 0, True)

    def _record(self, model: OperationModel, context: dict[str, Any], retries: int, failed: bool) -> None:
        elapsed = time.perf_counter() - context.get("cloudwarden_started", time.perf_counter())
        with self._lock:
            entry = self._entry(model)
            entry.calls += 1
            entry.retries += int(retries)
            entry.errors += int(failed)
            entry.seconds += elapsed

    def snapshot(self) -> dict[str, OperationStats]:
        with self._lock:
            return {
                key: OperationStats(
                    calls=value.calls,
                    errors=value.errors,
                    retries=value.retries,
                    seconds=round(value.seconds, 4),
                )
                for key, value in sorted(self._stats.items())
            }


class _Provide(CredentialProvider):
    """Hands botocore the refreshable credentials of an assumed role."""

    METHOD = "assume-role"

    def __init__(self, credentials: DeferredRefreshableCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> DeferredRefreshableCredentials:
        return self._credentials


_LOADERS: dict[str | None, botocore.loaders.Loader] = {}
_LOADERS_LOCK = threading.Lock()


def _boto3_session(session: botocore.session.Session) -> boto3.Session:
    """A boto3 session around `session`, which reads its service models through the process's one
    loader for its data path.

    A loader parses botocore's model files (JSON, several MiB for EC2) and caches them; a new session
    would read and parse them all again, about a second of CPU for each account of a scan. The files
    do not change while the process runs and the parsed models are only read, so every session of a
    data path shares them, as the clients of one session always do. (boto3 adds its own data
    directory to the loader's search path for every session made: added once.)"""
    data_path = session.get_config_variable("data_path")
    with _LOADERS_LOCK:
        loader = _LOADERS.get(data_path)
        if loader is None:
            loader = botocore.loaders.create_loader(data_path)
            _LOADERS[data_path] = loader
        session.register_component("data_loader", loader)
        made = boto3.Session(botocore_session=session)
        if len(loader.search_paths) > 1 and loader.search_paths[-1] in loader.search_paths[:-1]:
            loader.search_paths.pop()
    return made


class AwsSession:
    """A boto3 session whose clients are guarded, counted, retried adaptively and shared by threads."""

    def __init__(
        self,
        profile: str | None = None,
        max_connections: int = 16,
        *,
        botocore_session: botocore.session.Session | None = None,
        boto3_session: boto3.Session | None = None,
        statistics: CallStatistics | None = None,
        allowed: frozenset[str] | None = None,
        attempts: int = 8,
    ) -> None:
        """`allowed`: the operations its clients may call; None: the scanner's declared reads
        (`operations.DECLARED_OPERATIONS`), the guard of every scan. `attempts`: how many times a
        call is sent at most (retried with adaptive back-off; 1: never retried)."""
        if boto3_session is not None:
            self._session = boto3_session
        else:
            self._session = _boto3_session(botocore_session or botocore.session.Session(profile=profile))
        self.statistics = statistics or CallStatistics()
        self._guard: Any = refuse_undeclared if allowed is None else _RefuseOutside(allowed)
        self._max_connections = max_connections
        self._clients: dict[tuple[str, str], Any] = {}
        self._available: dict[str, frozenset[str]] = {}
        self._lock = threading.Lock()
        self._config = botocore.config.Config(
            retries={"mode": "adaptive", "max_attempts": attempts},
            max_pool_connections=max_connections,
            connect_timeout=5,
            read_timeout=60,
            user_agent_extra=f"cloudwarden/{__version__}",
            # A bucket named like an S3 Express directory bucket (a trail's destination is any name)
            # would make botocore call s3:CreateSession, which mints credentials: sign with SigV4.
            s3={"disable_s3_express_session_auth": True},  # type: ignore[arg-type]  # not in the stubs
        )

    @property
    def home_region(self) -> str:
        """The region for global services and account-wide calls."""
        return self._session.region_name or DEFAULT_REGION

    def offers(self, service: str, region: str) -> bool:
        """Whether `service` has an endpoint in `region` (botocore's partition data)."""
        regions = self._available.get(service)
        if regions is None:
            regions = frozenset(self._session.get_available_regions(service))
            self._available[service] = regions
        return not regions or region in regions

    def client(self, service: str, region: str | None = None) -> Any:
        """A client of `service` in `region`, made once and then reused (clients are thread-safe)."""
        key = (service, region or self.home_region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._new_client(service, key[1])
                self._clients[key] = client
            return client

    def _new_client(
        self, service: str, region: str | None = None, *, statistics: CallStatistics | None = None
    ) -> Any:
        counter = statistics or self.statistics
        client = self._session.client(service, region_name=region or self.home_region, config=self._config)  # type: ignore[call-overload]
        events = client.meta.events
        events.register_first("before-call", self._guard)
        events.register("before-parse", refuse_malformed_answer)
        events.register("before-call", counter.before_call)
        events.register("after-call", counter.after_call)
        events.register("after-call-error", counter.after_call_error)
        if service == "s3control":
            events.register("before-sign.s3-control", send_account_host_to_ip_endpoint)
        return client

    def sibling(self) -> AwsSession:
        """The same credentials with clients and statistics of their own (one account's calls)."""
        return AwsSession(max_connections=self._max_connections, boto3_session=self._session)

    def assume(
        self, role_arn: str, external_id: str | None = None, duration_seconds: int | None = None
    ) -> AwsSession:
        """A session in another account, through AssumeRole with these credentials.

        The role's credentials are fetched on first use and refreshed by botocore before they expire,
        so a long scan of a large account keeps going. The new session counts its calls apart, the
        AssumeRole calls included, and guards them like every other call.
        """
        statistics = CallStatistics()
        extra: dict[str, Any] = {"RoleSessionName": f"cloudwarden-{__version__}"}
        if external_id:
            extra["ExternalId"] = external_id
        if duration_seconds is not None:
            extra["DurationSeconds"] = duration_seconds

        def create_client(service: str, region: str | None = None, **_: Any) -> Any:
            return self._new_client(service, region, statistics=statistics)

        fetcher = AssumeRoleCredentialFetcher(
            client_creator=create_client,
            source_credentials=self._session.get_credentials(),
            role_arn=role_arn,
            extra_args=extra,
        )
        credentials = DeferredRefreshableCredentials(
            method="assume-role", refresh_using=fetcher.fetch_credentials
        )
        assumed = botocore.session.Session()
        # The models are read where the source session reads them (its loader is shared).
        assumed.set_config_variable("data_path", self._session._session.get_config_variable("data_path"))
        assumed.set_config_variable("region", self.home_region)
        assumed.register_component("credential_provider", CredentialResolver([_Provide(credentials)]))
        return AwsSession(
            max_connections=self._max_connections, botocore_session=assumed, statistics=statistics
        )
