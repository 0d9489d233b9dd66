"""The one seam between cloudwarden and AWS: boto3 clients with a read-only guard and call statistics.

Every client the scanner uses is made here, so every call passes two botocore event hooks:
- the read-only guard refuses any operation that could change the account, before it is sent;
- the statistics hooks count calls, errors, retries and time per service and operation.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import botocore.config
import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    CredentialProvider,
    CredentialResolver,
    DeferredRefreshableCredentials,
)
from botocore.model import OperationModel

from cloudwarden import __version__
from cloudwarden.snapshot import OperationStats

READ_PREFIXES = ("Describe", "List", "Get", "Head")
READ_OPERATIONS = frozenset(
    {"iam.GenerateCredentialReport", "elasticbeanstalk.CheckDNSAvailability", "sts.AssumeRole"}
)
"""Operations outside the read prefixes that change nothing: generating the credential report only
asks IAM to build a report of the account's existing credentials; CheckDNSAvailability only asks
whether an Elastic Beanstalk name is free; AssumeRole only obtains credentials to read another
account."""

DEFAULT_REGION = "us-east-1"


class ReadOnlyViolation(RuntimeError):
    """The scanner tried to call an operation that is not read-only; nothing was sent."""


def is_read_only(service: str, operation: str) -> bool:
    return operation.startswith(READ_PREFIXES) or f"{service}.{operation}" in READ_OPERATIONS


def _service_name(model: OperationModel) -> str:
    return str(model.service_model.service_name)


def refuse_writes(model: OperationModel, **_: Any) -> None:
    service = _service_name(model)
    if not is_read_only(service, model.name):
        raise ReadOnlyViolation(f"refused to call {service}:{model.name}: cloudwarden only reads")


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
    ) -> None:
        if boto3_session is not None:
            self._session = boto3_session
        elif botocore_session is None:
            self._session = boto3.Session(profile_name=profile)
        else:
            self._session = boto3.Session(botocore_session=botocore_session)
        self.statistics = statistics or CallStatistics()
        self._max_connections = max_connections
        self._clients: dict[tuple[str, str], Any] = {}
        self._available: dict[str, frozenset[str]] = {}
        self._lock = threading.Lock()
        self._config = botocore.config.Config(
            retries={"mode": "adaptive", "max_attempts": 8},
            max_pool_connections=max_connections,
            connect_timeout=5,
            read_timeout=60,
            user_agent_extra=f"cloudwarden/{__version__}",
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
        events.register_first("before-call", refuse_writes)
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
        # Parsed service models are shared: reading them again costs seconds of CPU for every account.
        assumed.register_component("data_loader", self._session._session.get_component("data_loader"))
        assumed.set_config_variable("region", self.home_region)
        assumed.register_component("credential_provider", CredentialResolver([_Provide(credentials)]))
        return AwsSession(
            max_connections=self._max_connections, botocore_session=assumed, statistics=statistics
        )
