"""Patches that make moto answer like real AWS where an audit depends on the difference.

Each patch wraps a moto function instead of copying it; those that need state
moto cannot hold read it from `EmulatorState`, which callers set through the
control API. Error injection answers in front of moto, at the WSGI level. Only
the emulator process imports this module.

- IAM credential report: a row for the root user (root state, per account).
- IAM GetAccountSummary: the root user's password, MFA and access key flags (root state).
- IAM ListVirtualMFADevices: the root user's virtual MFA device (root state).
- S3 HeadBucket: 403 when `ExpectedBucketOwner` names an account that does not own the bucket.
- CloudTrail GetTrailStatus: the outcome of the latest log delivery (delivery errors, per trail ARN).
- CloudTrail organization trails: visible to the member accounts of the management account's
  organization in DescribeTrails, GetTrailStatus and GetEventSelectors.
- CloudTrail event selectors: a new trail logs all management events, and putting basic
  selectors drops advanced ones (moto already does the reverse).
- Moto's reset: also forgets which accounts are members of an organization.
"""

import io
import re
import uuid
from dataclasses import dataclass
from threading import Lock
from typing import Any
from urllib.parse import parse_qs
from wsgiref.types import WSGIEnvironment
from xml.sax.saxutils import escape

import botocore.exceptions
import botocore.session
import msgspec
from moto.cloudtrail.exceptions import TrailNotFoundException
from moto.cloudtrail.models import CloudTrailBackend, Trail, TrailStatus, cloudtrail_backends
from moto.core.common_types import TYPE_RESPONSE
from moto.iam.models import AccountSummary, IAMBackend, get_account_id_from
from moto.moto_api._internal.models import MotoAPIBackend
from moto.organizations.models import organizations_backends
from moto.s3.models import s3_backends
from moto.s3.responses import S3Response
from moto.utilities.utils import get_partition
from werkzeug.wrappers import Response

from cloudwarden_emulator.state import ErrorRule, RootKey, RootState, parse_timestamp

REPORT_TIME = "%Y-%m-%dT%H:%M:%S+00:00"
"""How the credential report writes timestamps."""

ROOT_MFA_SERIAL = "root-account-mfa-device"


@dataclass(frozen=True)
class Injection:
    """An error rule together with the protocol that decides its error body's shape."""

    rule: ErrorRule
    protocol: str


class EmulatorState:
    """Root users, trail delivery errors and error rules, shared by the patched code and the control API."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._roots: dict[str, RootState] = {}
        self._delivery_errors: dict[str, str] = {}
        self._injections: tuple[Injection, ...] = ()
        self.latency = 0.0
        """Seconds every AWS answer waits, to model real round trips in benchmarks (0: none)."""

    def root(self, account_id: str) -> RootState:
        return self._roots.get(account_id, RootState())

    def set_root(self, account_id: str, root: RootState) -> None:
        with self._lock:
            self._roots[account_id] = root

    def delivery_error(self, trail_arn: str) -> str | None:
        return self._delivery_errors.get(trail_arn)

    def set_delivery_error(self, trail_arn: str, error: str | None) -> None:
        with self._lock:
            if error is None:
                self._delivery_errors.pop(trail_arn, None)
            else:
                self._delivery_errors[trail_arn] = error

    @property
    def injections(self) -> tuple[Injection, ...]:
        return self._injections

    def add_injection(self, injection: Injection) -> None:
        with self._lock:
            self._injections = (*self._injections, injection)

    def clear_injections(self) -> None:
        with self._lock:
            self._injections = ()

    def reset(self) -> None:
        with self._lock:
            self._roots.clear()
            self._delivery_errors.clear()
            self._injections = ()
            self.latency = 0.0


def install(state: EmulatorState) -> None:
    """Apply every moto patch; the emulator process calls this once, before serving."""
    _patch_credential_report(state)
    _patch_account_summary(state)
    _patch_virtual_mfa_devices(state)
    _patch_head_bucket_expected_owner()
    _patch_organization_trails()
    _patch_trail_delivery(state)
    _patch_event_selectors()
    _patch_reset_forgets_organization_members()


# --- Root user ---------------------------------------------------------------


def _report_time(value: str) -> str:
    return parse_timestamp(value).strftime(REPORT_TIME)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _key_columns(number: int, key: RootKey | None) -> dict[str, str]:
    """Access key columns; the state does not track where a key was used, so region and service are N/A."""
    prefix = f"access_key_{number}"
    return {
        f"{prefix}_active": _flag(key is not None and key.active),
        f"{prefix}_last_rotated": "N/A" if key is None else _report_time(key.last_rotated),
        f"{prefix}_last_used_date": (
            "N/A" if key is None or key.last_used is None else _report_time(key.last_used)
        ),
        f"{prefix}_last_used_region": "N/A",
        f"{prefix}_last_used_service": "N/A",
    }


def root_report_row(header: str, account_id: str, partition: str, root: RootState) -> str:
    """The `<root_account>` row, in the column order of moto's header.

    AWS reports the root password's use but never its enablement, change or rotation
    (`not_supported`); last use is `no_information` when never used and `N/A` when there
    is no password.
    """
    if not root.password_present:
        password_last_used = "N/A"
    elif root.password_last_used is None:
        password_last_used = "no_information"
    else:
        password_last_used = _report_time(root.password_last_used)
    keys: list[RootKey | None] = [*root.access_keys, None, None]
    columns = {
        "user": "<root_account>",
        "arn": f"arn:{partition}:iam::{account_id}:root",
        "user_creation_time": _report_time(root.created),
        "password_enabled": "not_supported",
        "password_last_used": password_last_used,
        "password_last_changed": "not_supported",
        "password_next_rotation": "not_supported",
        "mfa_active": _flag(root.mfa != "none"),
        **_key_columns(1, keys[0]),
        **_key_columns(2, keys[1]),
        "cert_1_active": "false",
        "cert_1_last_rotated": "N/A",
        "cert_2_active": "false",
        "cert_2_last_rotated": "N/A",
    }
    return ",".join(columns[name] for name in header.split(","))


def _patch_credential_report(state: EmulatorState) -> None:
    """AWS starts the credential report with a row for the root user; moto lists IAM users only."""
    original = IAMBackend.get_credential_report

    def get_credential_report(self: IAMBackend) -> str:
        header, _, users = original(self).partition("\n")
        row = root_report_row(header, self.account_id, self.partition, state.root(self.account_id))
        return f"{header}\n{row}\n{users}"

    IAMBackend.get_credential_report = get_credential_report  # type: ignore[method-assign]


def _patch_account_summary(state: EmulatorState) -> None:
    """Moto hard-codes the root flags of GetAccountSummary to 0 and omits AccountPasswordPresent.

    AWS sets AccountMFAEnabled for either MFA kind and AccountAccessKeysPresent for
    any root key, active or not.
    """
    # Moto's property hides behind a type-ignored decorator, so fetch it untyped.
    original = vars(AccountSummary)["summary_map"].fget

    def summary_map(self: AccountSummary) -> dict[str, Any]:
        summary: dict[str, Any] = original(self)
        root = state.root(self._iam_backend.account_id)
        summary["AccountMFAEnabled"] = int(root.mfa != "none")
        summary["AccountAccessKeysPresent"] = int(bool(root.access_keys))
        summary["AccountPasswordPresent"] = int(root.password_present)
        return summary

    AccountSummary.summary_map = property(summary_map)  # type: ignore[method-assign,assignment]


def _root_virtual_mfa_device(account_id: str, partition: str, root: RootState) -> dict[str, Any]:
    """The device AWS lists for a root user with virtual MFA; root has no user name, only its ARN."""
    created = parse_timestamp(root.created)
    return {
        "SerialNumber": f"arn:{partition}:iam::{account_id}:mfa/{ROOT_MFA_SERIAL}",
        "User": {
            "Path": "/",
            "UserId": account_id,
            "Arn": f"arn:{partition}:iam::{account_id}:root",
            "CreateDate": created,
        },
        "EnableDate": created,
    }


def _patch_virtual_mfa_devices(state: EmulatorState) -> None:
    """AWS lists the root user's virtual MFA device; moto only knows devices created through IAM.

    A hardware device is not virtual, so it never shows up here.
    """
    original = IAMBackend.list_virtual_mfa_devices

    def list_virtual_mfa_devices(
        self: IAMBackend, assignment_status: str, marker: str | None, max_items: int
    ) -> tuple[list[Any], str | None]:
        devices, next_marker = original(self, assignment_status, marker, max_items)
        root = state.root(self.account_id)
        # Moto ends pagination only on a short page, so the last page has room for one more
        # device and moto's index markers stay valid.
        if root.mfa == "virtual" and assignment_status != "Unassigned" and next_marker is None:
            return [*devices, _root_virtual_mfa_device(self.account_id, self.partition, root)], None
        return list(devices), next_marker

    IAMBackend.list_virtual_mfa_devices = list_virtual_mfa_devices  # type: ignore[method-assign]


# --- S3 ----------------------------------------------------------------------


def _patch_head_bucket_expected_owner() -> None:
    """AWS answers HeadBucket with 403 when `x-amz-expected-bucket-owner` names another account.

    Auditors rely on this to learn who owns a bucket, such as a trail's destination,
    without being able to read it. Moto ignores the header. A bucket that does not exist
    stays 404, as in AWS; the owner is moto's record of the account that created the bucket.
    """
    original = S3Response.head_bucket

    def head_bucket(self: S3Response) -> TYPE_RESPONSE:
        status, headers, body = original(self)
        expected = self.headers.get("x-amz-expected-bucket-owner")
        owner = s3_backends.bucket_accounts.get(self.bucket_name, (None, None))[1]
        if status == 200 and expected is not None and owner != expected:
            return 403, headers, ""
        return status, headers, body

    S3Response.head_bucket = head_bucket  # type: ignore[method-assign]


# --- CloudTrail ----------------------------------------------------------------


def default_event_selector() -> dict[str, Any]:
    """The selector AWS reports for a trail created without any: all management events, no data events."""
    return {
        "ReadWriteType": "All",
        "IncludeManagementEvents": True,
        "DataResources": [],
        "ExcludeManagementEventSources": [],
    }


def organization_trails(account_id: str, region: str) -> list[Trail]:
    """The organization trails that the management account of `account_id`'s organization applies in `region`.

    Empty for the management account itself, whose trails moto already lists, and for
    accounts outside any organization.
    """
    management = organizations_backends.master_accounts.get(account_id)
    if management is None:
        return []
    management_id, partition = management
    organization = organizations_backends[management_id][partition]
    if organization.org is None or all(account.id != account_id for account in organization.accounts):
        return []
    return [
        trail
        for backend in list(cloudtrail_backends[management_id].values())
        for trail in list(backend.trails.values())
        if trail.is_org_trail
        and trail.partition == partition
        and (trail.is_multi_region or trail.region_name == region)
    ]


def _patch_organization_trails() -> None:
    """AWS replicates an organization trail into every member account; moto keeps it in the management one.

    A member sees it in DescribeTrails (and ListTrails) with shadow trails, in every
    region where it applies, under the management account's ARN and home region; it may
    ask GetTrailStatus and GetEventSelectors about it, by ARN only, and they answer from
    the management account's trail.
    """
    describe = CloudTrailBackend.describe_trails
    status = CloudTrailBackend.get_trail_status
    selectors = CloudTrailBackend.get_event_selectors

    def describe_trails(self: CloudTrailBackend, include_shadow_trails: bool) -> list[Trail]:
        trails = list(describe(self, include_shadow_trails))
        if include_shadow_trails:
            trails.extend(organization_trails(self.account_id, self.region_name))
        return trails

    def get_trail_status(self: CloudTrailBackend, name: str) -> TrailStatus:
        # Moto's lookup goes through describe_trails, so it finds organization trails by name too.
        found = status(self, name)
        if not name.startswith("arn:") and any(
            trail.status is found for trail in organization_trails(self.account_id, self.region_name)
        ):
            partition = get_partition(self.region_name)
            arn = f"arn:{partition}:cloudtrail:{self.region_name}:{self.account_id}:trail/{name}"
            raise TrailNotFoundException(account_id=self.account_id, name=arn)
        return found

    def get_event_selectors(
        self: CloudTrailBackend, trail_name: str
    ) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
        try:
            return selectors(self, trail_name)
        except TrailNotFoundException:
            trails = organization_trails(self.account_id, self.region_name)
            trail = next((trail for trail in trails if trail.arn == trail_name), None)
            if trail is None:
                raise
            classic, advanced = trail.get_event_selectors()
            return trail.arn, classic, advanced

    CloudTrailBackend.describe_trails = describe_trails  # type: ignore[method-assign]
    CloudTrailBackend.get_trail_status = get_trail_status  # type: ignore[method-assign]
    CloudTrailBackend.get_event_selectors = get_event_selectors  # type: ignore[method-assign]


@dataclass(frozen=True)
class DeliveryStatus:
    """A trail's status as moto keeps it, with the outcome of its latest delivery."""

    status: TrailStatus
    error: str | None

    def description(self) -> dict[str, Any]:
        """GetTrailStatus's answer: moto's, with LatestDeliveryAttemptSucceeded and LatestDeliveryError.

        A failing trail has never delivered as far as the emulator knows, so it has no
        successful attempt and no LatestDeliveryTime.
        """
        description: dict[str, Any] = self.status.description()
        if self.error is None:
            description["LatestDeliveryAttemptSucceeded"] = description["LatestDeliveryAttemptTime"]
        else:
            description["LatestDeliveryError"] = self.error
            description["LatestDeliveryAttemptSucceeded"] = ""
            description.pop("LatestDeliveryTime", None)
        return description


def _patch_trail_delivery(state: EmulatorState) -> None:
    """AWS's GetTrailStatus tells whether log delivery works; moto never reports a delivery outcome.

    AWS sets LatestDeliveryError (such as `AccessDenied` when the bucket policy refuses
    CloudTrail) and LatestDeliveryAttemptSucceeded, the time of the latest attempt that
    succeeded. Moto leaves the latter empty and has no delivery to fail, so the error
    comes from the per-trail state; without one, every attempt succeeds.
    """
    original = CloudTrailBackend.get_trail_status

    def get_trail_status(self: CloudTrailBackend, name: str) -> DeliveryStatus:
        status = original(self, name)
        trails = self.describe_trails(include_shadow_trails=True)
        trail = next(trail for trail in trails if trail.status is status)
        return DeliveryStatus(status, state.delivery_error(trail.arn))

    # Moto's response only asks the status for its description, which DeliveryStatus provides.
    CloudTrailBackend.get_trail_status = get_trail_status  # type: ignore[method-assign,assignment]


def _patch_event_selectors() -> None:
    """AWS gives a trail created without event selectors one that logs all management events.

    Moto reports no selector at all, which reads as a trail that logs nothing. AWS also
    keeps basic and advanced selectors exclusive: putting either replaces the other,
    while moto keeps advanced selectors next to basic ones put after them.
    """
    get_selectors = Trail.get_event_selectors
    put_selectors = Trail.put_event_selectors

    def get_event_selectors(self: Trail) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        classic, advanced = get_selectors(self)
        if not classic and not advanced:
            return [default_event_selector()], []
        return classic, advanced

    def put_event_selectors(
        self: Trail, event_selectors: list[dict[str, Any]], advanced_event_selectors: list[dict[str, Any]]
    ) -> None:
        put_selectors(self, event_selectors, advanced_event_selectors)
        if event_selectors:
            self.advanced_event_selectors = []

    Trail.get_event_selectors = get_event_selectors  # type: ignore[method-assign]
    Trail.put_event_selectors = put_event_selectors  # type: ignore[method-assign]


# --- Organizations -------------------------------------------------------------


def _patch_reset_forgets_organization_members() -> None:
    """Moto's reset drops every organization but remembers which accounts were their members.

    A member account of a reset organization then fails DescribeOrganization with an
    internal error and may not create an organization of its own; AWS has no reset, and
    the emulator's reset must leave no account in an organization.
    """
    original = MotoAPIBackend.reset

    def reset(self: MotoAPIBackend) -> None:
        original(self)
        organizations_backends.master_accounts.clear()

    MotoAPIBackend.reset = reset  # type: ignore[method-assign]


# --- Error injection ---------------------------------------------------------

_CREDENTIAL_SCOPE = re.compile(r"Credential=([^/\s,]+)/[^/]+/[^/]+/([^/]+)/aws4_request")
SUPPORTED_PROTOCOLS = frozenset({"query", "ec2", "json", "rest-json", "rest-xml"})
REST_PROTOCOLS = frozenset({"rest-json", "rest-xml"})


def injection_for(rule: ErrorRule) -> Injection:
    """Pair a rule with its service's protocol, rejecting filters that protocol cannot match."""
    try:
        protocol: str = botocore.session.get_session().get_service_model(rule.service).protocol
    except botocore.exceptions.UnknownServiceError as error:
        raise ValueError(f"unknown service {rule.service!r}") from error
    if protocol not in SUPPORTED_PROTOCOLS:
        raise ValueError(f"{rule.service} speaks {protocol}, which error injection does not support")
    if protocol in REST_PROTOCOLS and rule.operation is not None:
        raise ValueError(f"{rule.service} is a REST service: match it by method and path_regex")
    if protocol not in REST_PROTOCOLS and (rule.method is not None or rule.path_regex is not None):
        raise ValueError(f"{rule.service} is not a REST service: match it by operation")
    return Injection(rule=rule, protocol=protocol)


def _query_action(environ: WSGIEnvironment) -> str | None:
    """The Action parameter, from the query string or the form body, which is left readable for moto."""
    query: str = environ.get("QUERY_STRING", "")
    action = parse_qs(query).get("Action")
    if action:
        return action[0]
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return None
    body: bytes = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    environ["wsgi.input"] = io.BytesIO(body)
    action = parse_qs(body.decode()).get("Action")
    return action[0] if action else None


def _operation(protocol: str, environ: WSGIEnvironment) -> str | None:
    if protocol == "json":
        target: str | None = environ.get("HTTP_X_AMZ_TARGET")
        return None if target is None else target.rpartition(".")[2]
    return _query_action(environ)


def _matches(injection: Injection, account: str, environ: WSGIEnvironment) -> bool:
    rule = injection.rule
    if rule.account is not None and rule.account != account:
        return False
    if injection.protocol in REST_PROTOCOLS:
        path = environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            path = f"{path}?{environ['QUERY_STRING']}"
        return (rule.method is None or rule.method.upper() == environ["REQUEST_METHOD"]) and (
            rule.path_regex is None or re.search(rule.path_regex, path) is not None
        )
    return rule.operation is None or rule.operation == _operation(injection.protocol, environ)


def find_injection(state: EmulatorState, environ: WSGIEnvironment) -> Injection | None:
    """The first rule matching this SigV4-signed request, if any."""
    scope = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if scope is None:
        return None
    access_key, service = scope.groups()
    candidates = [injection for injection in state.injections if injection.rule.service == service]
    if not candidates:
        return None
    account = get_account_id_from(access_key)
    return next((item for item in candidates if _matches(item, account, environ)), None)


def error_response(injection: Injection) -> Response:
    """The error as the service's protocol shapes it, so botocore raises ClientError with the code."""
    rule = injection.rule
    request_id = str(uuid.uuid4())
    headers = {"x-amzn-RequestId": request_id}
    if injection.protocol not in {"query", "ec2", "rest-xml"}:
        return Response(
            msgspec.json.encode({"__type": rule.code, "message": rule.message}),
            status=rule.status or 400,
            headers=headers,
            content_type="application/x-amz-json-1.1" if injection.protocol == "json" else "application/json",
        )
    error = f"<Code>{escape(rule.code)}</Code><Message>{escape(rule.message)}</Message>"
    if injection.protocol == "ec2":
        body = (
            f"<Response><Errors><Error>{error}</Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
    elif rule.service == "s3":
        body = f"<Error>{error}<RequestId>{request_id}</RequestId></Error>"
    else:
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type>{error}</Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    return Response(body, status=rule.status or 403, headers=headers, content_type="text/xml")
