"""Patches that make moto answer like real AWS where an audit depends on the difference.

Each patch wraps a moto function instead of copying it; those that need state
moto cannot hold read it from `EmulatorState`, which callers set through the
control API. Error injection (AWS errors, or malformed answers: an HTML page, a raw
control character, a truncated body) and transient faults answer in front of moto, at the
WSGI level. Only the emulator process imports this module.

- IAM credential report: a row for the root user (root state, per account).
- IAM GetAccountSummary: the root user's password, MFA and access key flags (root state).
- IAM ListVirtualMFADevices: the root user's virtual MFA device (root state).
- S3 HeadBucket: 403 when `ExpectedBucketOwner` names an account that does not own the bucket.
- S3 PutBucketAcl: an AccessControlPolicy whose grant list is empty sets an ACL without grants (moto
  kept no ACL at all, and every later GetBucketAcl failed with 500).
- CloudTrail GetTrailStatus: the outcome of the latest log delivery (delivery errors, per trail ARN).
- CloudTrail organization trails: visible to the member accounts of the management account's
  organization in DescribeTrails, GetTrailStatus and GetEventSelectors.
- CloudTrail event selectors: a new trail logs all management events, and putting basic
  selectors drops advanced ones (moto already does the reverse).
- Moto's reset: also forgets which accounts are members of an organization.
- Elastic Beanstalk CheckDNSAvailability (moto lacks it): a CNAME is taken by an environment of any
  account in the region, or by someone outside the emulator (reserved CNAMEs).
- Elastic Beanstalk CreateEnvironment: the CNAME comes from CNAMEPrefix, or from the environment
  name with a random label; a CNAME already taken is refused.
- Route 53 names: lower case, with `\\ooo` escapes for other characters (`*` is `\\052`); alias
  targets are absolute names.
- Route 53 hosted zones: name servers of their own, absolute NS values and AWS's SOA record.
- Route 53 ListResourceRecordSets: pages by set identifier too (StartRecordIdentifier, NextRecordIdentifier).
- Route 53 ChangeResourceRecordSets: checked against the zone's current record sets (a DELETE must
  carry the record set's current values), all or nothing.
- EC2 Elastic IPs: public addresses instead of loopback ones.
- EC2 security-group rules: the same rule whatever their descriptions (a rule from another group
  that has one could not be revoked by its peer alone).
- Classic load balancers: a DNS name in their own region.
"""

import copy
import functools
import io
import itertools
import random
import re
import sys
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
from moto.core.responses import ActionResult
from moto.ec2.models.elastic_ip_addresses import ElasticAddress, ElasticAddressBackend
from moto.ec2.models.security_groups import SecurityGroupRule
from moto.ec2.utils import random_public_ip
from moto.elasticbeanstalk.exceptions import InvalidParameterValueError
from moto.elasticbeanstalk.models import Environment, eb_backends
from moto.elasticbeanstalk.responses import EBResponse
from moto.elb.models import ELBBackend
from moto.elb.models import LoadBalancer as ClassicLoadBalancer
from moto.iam.models import AccountSummary, IAMBackend, get_account_id_from
from moto.moto_api._internal import mock_random
from moto.moto_api._internal.models import MotoAPIBackend
from moto.organizations.models import organizations_backends
from moto.route53.exceptions import (
    DnsNameInvalidForZone,
    InvalidActionValue,
    InvalidInput,
    Route53ClientError,
)
from moto.route53.models import DelegationSet, FakeZone, RecordSet, Route53Backend, reverse_domain_name
from moto.route53.responses import Route53
from moto.route53.utils import validate_domain_name
from moto.s3.models import FakeAcl, s3_backends
from moto.s3.responses import S3Response
from moto.utilities.utils import get_partition
from werkzeug.wrappers import Response

from cloudwarden_emulator.state import (
    ErrorRule,
    FaultKind,
    Faults,
    MalformedBody,
    RootKey,
    RootState,
    beanstalk_cname,
    parse_timestamp,
)

REPORT_TIME = "%Y-%m-%dT%H:%M:%S+00:00"
"""How the credential report writes timestamps."""

ROOT_MFA_SERIAL = "root-account-mfa-device"


@dataclass(frozen=True)
class Injection:
    """An error rule together with the protocol that decides its error body's shape."""

    rule: ErrorRule
    protocol: str


class EmulatorState:
    """What patches and the control API share: root users, delivery errors, CNAMEs, error rules, faults."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._roots: dict[str, RootState] = {}
        self._delivery_errors: dict[str, str] = {}
        self._beanstalk_cnames: frozenset[str] = frozenset()
        self._injections: tuple[Injection, ...] = ()
        self._faults: Faults | None = None
        self._fault_draws = random.Random()
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

    def beanstalk_cname_reserved(self, cname: str) -> bool:
        return cname in self._beanstalk_cnames

    def reserve_beanstalk_cname(self, cname: str) -> None:
        with self._lock:
            self._beanstalk_cnames |= {cname}

    @property
    def injections(self) -> tuple[Injection, ...]:
        return self._injections

    def add_injection(self, injection: Injection) -> None:
        with self._lock:
            self._injections = (*self._injections, injection)

    def clear_injections(self) -> None:
        with self._lock:
            self._injections = ()

    def set_faults(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults if faults.share > 0 else None
            self._fault_draws = random.Random(faults.seed)

    def draw_fault(self, service: str) -> FaultKind | None:
        """How a call to `service` fails, if it does; draws under the lock, so a seed repeats the sequence.

        A call that no kind applies to draws nothing, so it leaves the sequence to the calls that can fail.
        """
        with self._lock:
            faults = self._faults
            if faults is None:
                return None
            kinds = [kind for kind in faults.kinds if kind != "request-limit" or service == "ec2"]
            if not kinds or self._fault_draws.random() >= faults.share:
                return None
            return self._fault_draws.choice(kinds)

    def reset(self) -> None:
        with self._lock:
            self._roots.clear()
            self._delivery_errors.clear()
            self._beanstalk_cnames = frozenset()
            self._injections = ()
            self._faults = None
            self.latency = 0.0


def install(state: EmulatorState) -> None:
    """Apply every moto patch; the emulator process calls this once, before serving."""
    _patch_credential_report(state)
    _patch_account_summary(state)
    _patch_virtual_mfa_devices(state)
    _patch_head_bucket_expected_owner()
    _patch_empty_bucket_acl()
    _patch_organization_trails()
    _patch_trail_delivery(state)
    _patch_event_selectors()
    _patch_reset_forgets_organization_members()
    _patch_beanstalk_dns_availability(state)
    _patch_beanstalk_cnames(state)
    _patch_record_set_changes()  # before the names' patch, which brings names to AWS's form first
    _patch_route53_names()
    _patch_route53_zone_records()
    _patch_record_set_pagination()
    _patch_elastic_ip_addresses()
    _patch_security_group_rule_identity()
    _patch_classic_load_balancer_dns_names()


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


def _patch_empty_bucket_acl() -> None:
    """AWS takes an AccessControlPolicy with an owner and no grant (`<AccessControlList/>`) as an ACL
    that grants nothing: the owner keeps its implicit rights to read and change the ACL. Removing
    the only public grant of a bucket whose ACL held nothing else is such a change. Moto read it as no
    ACL at all, and its GetBucketAcl then failed with 500."""
    original = S3Response._acl_from_body

    def acl_from_body(self: S3Response) -> FakeAcl | None:
        acl = original(self)
        if acl is None:  # the owner was checked by moto: an empty or absent grant list
            return FakeAcl([])
        return acl

    S3Response._acl_from_body = acl_from_body  # type: ignore[method-assign]


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


# --- Elastic Beanstalk -------------------------------------------------------

BEANSTALK_RANDOM_LABEL = 8
"""Letters and digits after `eba-` in the CNAME of an environment created without CNAMEPrefix."""


def beanstalk_cname_taken(state: EmulatorState, cname: str) -> bool:
    """Whether an environment of any account holds `cname`, or someone outside the emulator does."""
    if state.beanstalk_cname_reserved(cname):
        return True
    return any(
        environment.cname == cname
        for backends in list(eb_backends.values())
        for backend in list(backends.values())
        for application in list(backend.applications.values())
        for environment in list(application.environments.values())
    )


def _patch_beanstalk_dns_availability(state: EmulatorState) -> None:
    """AWS tells whether a CNAME prefix is free in a region (CheckDNSAvailability); moto lacks the call.

    A prefix is taken when an environment of any account holds `<prefix>.<region>.elasticbeanstalk.com`,
    or when the control API reserved it for someone outside the emulator.
    """

    def check_dns_availability(self: EBResponse) -> ActionResult:
        cname = beanstalk_cname(self._get_param("CNAMEPrefix"), self.region)
        return ActionResult(
            {"Available": not beanstalk_cname_taken(state, cname), "FullyQualifiedCNAME": cname}
        )

    EBResponse.check_dns_availability = check_dns_availability  # type: ignore[attr-defined]


def _patch_beanstalk_cnames(state: EmulatorState) -> None:
    """AWS gives every environment a CNAME under `<region>.elasticbeanstalk.com`; moto leaves it empty.

    With CNAMEPrefix the CNAME is `<prefix>.<region>.elasticbeanstalk.com`, refused when taken.
    Without it, AWS appends a random label to the environment name
    (`<name>.eba-<8 random>.<region>.elasticbeanstalk.com`), which no CNAME prefix can claim.
    Both are lower case.
    """
    original = EBResponse.create_environment

    def create_environment(self: EBResponse) -> ActionResult:
        prefix: str | None = self._get_param("CNAMEPrefix")
        cname = None if prefix is None else beanstalk_cname(prefix, self.region)
        if cname is not None and beanstalk_cname_taken(state, cname):
            raise InvalidParameterValueError(f"DNS name ({cname}) is not available.")
        result = original(self)
        environment = result.result
        assert isinstance(environment, Environment)
        if cname is None:
            label = mock_random.get_random_string(BEANSTALK_RANDOM_LABEL, lower_case=True)
            cname = f"{environment.environment_name.lower()}.eba-{label}.{self.region}.elasticbeanstalk.com"
        environment.cname = cname
        return result

    EBResponse.create_environment = create_environment  # type: ignore[method-assign]


# --- Route 53 ----------------------------------------------------------------

_NAME_ESCAPE = re.compile(r"\\([0-3][0-7]{2})")
_PLAIN_NAME_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789-_")


def route53_name(name: str) -> str:
    """A domain name as Route 53 returns it: absolute, in lower case, with `\\ooo` escapes.

    Every byte other than a-z, 0-9, `-`, `_` and the dots between labels is written as
    its three-digit octal code, so `*.Example.com` comes back as `\\052.example.com.`.
    Escapes in `name` are read first, so `\\052.example.com` names the same record.
    """
    labels = [bytearray()]
    position = 0
    while position < len(name):
        escape = _NAME_ESCAPE.match(name, position)
        if escape is not None:
            labels[-1].append(int(escape[1], 8))
            position = escape.end()
            continue
        if name[position] == ".":
            labels.append(bytearray())
        else:
            labels[-1] += name[position].encode()
        position += 1
    if not labels[-1]:
        labels.pop()
    return "".join(f"{_escape_label(label)}." for label in labels) or "."


def _escape_label(label: bytes | bytearray) -> str:
    lower = label.lower()
    return "".join(chr(byte) if byte in _PLAIN_NAME_BYTES else f"\\{byte:03o}" for byte in lower)


def _patch_route53_names() -> None:
    """Route 53 keeps names in lower case and returns other characters as `\\ooo` escapes.

    Moto keeps names as written, so a wildcard record comes back as `*.example.com.` where
    AWS answers `\\052.example.com.`, and `WWW.example.com` differs from `www.example.com`.
    Names are brought to AWS's form as they come in: zone names, record names,
    StartRecordName (see the pagination patch) and the DNSName of list_hosted_zones_by_name.
    Alias targets, which AWS returns absolute (`s3-website-us-east-1.amazonaws.com.`), too.
    Moto's refusal of unescaped control and non-ASCII characters still applies.
    """
    create_zone = Route53Backend.create_hosted_zone
    change = Route53Backend.change_resource_record_sets
    by_name = Route53Backend.list_hosted_zones_by_name

    def create_hosted_zone(self: Route53Backend, name: str, *args: Any, **kwargs: Any) -> FakeZone:
        return create_zone(self, route53_name(name), *args, **kwargs)

    def change_resource_record_sets(
        self: Route53Backend, zoneid: str, change_list: list[dict[str, Any]]
    ) -> None:
        changes = []
        for item in change_list:
            record_set = dict(item["ResourceRecordSet"])
            validate_domain_name(record_set["Name"], code="InvalidChangeBatch")
            record_set["Name"] = route53_name(record_set["Name"])
            if "AliasTarget" in record_set:
                alias = record_set["AliasTarget"]
                record_set["AliasTarget"] = {**alias, "DNSName": route53_name(alias["DNSName"])}
            changes.append({**item, "ResourceRecordSet": record_set})
        change(self, zoneid, changes)

    def list_hosted_zones_by_name(
        self: Route53Backend, dnsname: str | None
    ) -> tuple[str | None, list[FakeZone]]:
        return by_name(self, route53_name(dnsname) if dnsname else dnsname)

    Route53Backend.create_hosted_zone = create_hosted_zone  # type: ignore[method-assign]
    Route53Backend.change_resource_record_sets = change_resource_record_sets  # type: ignore[method-assign]
    Route53Backend.list_hosted_zones_by_name = list_hosted_zones_by_name  # type: ignore[method-assign]


NAME_SERVER_BLOCKS = (("com", 0), ("net", 512), ("org", 1024), ("co.uk", 1536))
"""Route 53's name servers `ns-0` to `ns-2047`: each top-level domain serves a block of 512."""
PRIVATE_NAME_SERVERS = (
    "ns-1536.awsdns-00.co.uk",
    "ns-0.awsdns-00.com",
    "ns-1024.awsdns-00.org",
    "ns-512.awsdns-00.net",
)
"""The NS record of every private hosted zone."""
SOA_TAIL = "awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"
"""The SOA record after its primary name server: contact, serial, refresh, retry, expiry, negative TTL."""


def new_name_servers() -> list[str]:
    """Four name servers as Route 53 picks them for a delegation set: one from each block.

    The `awsdns-NN` part follows from the number: `ns-N.awsdns-{(N - block start) // 8}`.
    """
    servers = []
    for domain, start in NAME_SERVER_BLOCKS:
        number = start + mock_random.randrange(512)
        servers.append(f"ns-{number}.awsdns-{(number - start) // 8:02d}.{domain}")
    return servers


def _patch_route53_zone_records() -> None:
    """Route 53 gives each delegation set its own four name servers; moto gives every zone the same four.

    With one shared set, a delegation to the name servers of a deleted zone looks like one to
    a live zone of the same name, so each delegation set (a zone's own or a reusable one)
    draws its servers like AWS does, and a zone created in a reusable set keeps that set, where
    moto replaces it. The zone's NS record lists them as absolute names (private zones: one
    fixed set), and its SOA record is AWS's, where moto's holds the repr of a dict.
    """
    delegation_set_init = DelegationSet.__init__
    create_zone = Route53Backend.create_hosted_zone

    def init_delegation_set(
        self: DelegationSet,
        caller_reference: str,
        name_servers: list[str] | None,
        delegation_set_id: str | None,
    ) -> None:
        delegation_set_init(self, caller_reference, name_servers or new_name_servers(), delegation_set_id)

    def create_hosted_zone(
        self: Route53Backend, name: str, private_zone: bool, *args: Any, **kwargs: Any
    ) -> FakeZone:
        reusable_id = kwargs.get("delegation_set_id")
        reusable = self.delegation_sets.get(reusable_id) if reusable_id else None
        zone = create_zone(self, name, private_zone, *args, **kwargs)
        if reusable is not None:
            self.delegation_sets[reusable.id] = zone.delegation_set = reusable
        assert zone.delegation_set is not None
        servers = PRIVATE_NAME_SERVERS if private_zone else zone.delegation_set.name_servers
        for record_set in zone.rrsets:
            if record_set.type == "NS":
                record_set.records = [f"{server}." for server in servers]
            elif record_set.type == "SOA":
                record_set.records = [f"{servers[0]}. {SOA_TAIL}"]
        return zone

    DelegationSet.__init__ = init_delegation_set  # type: ignore[method-assign]
    Route53Backend.create_hosted_zone = create_hosted_zone  # type: ignore[method-assign]


def _record_set_order(record_set: RecordSet) -> tuple[str, str, str]:
    return reverse_domain_name(record_set.name), record_set.type or "", record_set.set_identifier or ""


def _patch_record_set_pagination() -> None:
    """Route 53 pages ListResourceRecordSets by name, type and set identifier; moto by name and type only.

    Moto ignores StartRecordIdentifier and never returns NextRecordIdentifier, so records that
    share a name and type (weighted, latency, failover...) repeat on the next page, and a page
    that ends between two of them makes a paginator see the same token twice. Moto's
    response method is replaced; its backend still finds the zone, checks the start name and
    sorts, and this orders each name and type by set identifier and pages the whole tail.
    """
    listing = Route53Backend.list_resource_record_sets

    def list_resource_record_sets(self: Route53) -> ActionResult:
        start_name: str | None = self._get_param("StartRecordName")
        start_type: str | None = self._get_param("StartRecordType")
        start_identifier: str | None = self._get_param("StartRecordIdentifier")
        max_items = self._get_int_param("MaxItems", 300)
        if (start_type and not start_name) or (start_identifier and not start_type):
            raise InvalidInput("The input is not valid")
        if start_name:
            validate_domain_name(start_name)
            start_name = route53_name(start_name)
        zone_id = self._get_param("HostedZoneId")
        tail, *_ = listing(self.backend, zone_id, start_type or "", start_name or "", sys.maxsize)
        records = sorted(tail, key=_record_set_order)
        if start_identifier:
            start = (reverse_domain_name(start_name or ""), start_type or "", start_identifier)
            records = list(itertools.dropwhile(lambda record: _record_set_order(record) < start, records))
        following = records[max_items] if len(records) > max_items else None
        return ActionResult(
            {
                "ResourceRecordSets": records[:max_items],
                "IsTruncated": following is not None,
                "NextRecordName": following and following.name,
                "NextRecordType": following and following.type,
                "NextRecordIdentifier": following and following.set_identifier,
                "MaxItems": max_items,
            }
        )

    Route53.list_resource_record_sets = list_resource_record_sets  # type: ignore[method-assign]


_RECORD_SET_VALUES = (
    "ttl",
    "records",
    "weight",
    "region",
    "health_check_id",
    "alias_target",
    "failover",
    "geo_location",
    "multi_value_answer",
)
"""What a DELETE must give as the record set has them, besides its name, type and set identifier."""


def _record_set_key(record_set: RecordSet) -> tuple[str, str, str]:
    return record_set.name, record_set.type or "", record_set.set_identifier or ""


def _change_refused(record_set: RecordSet, action: str, why: str) -> Route53ClientError:
    identifier = f", set-identifier='{record_set.set_identifier}'" if record_set.set_identifier else ""
    return Route53ClientError(
        "InvalidChangeBatch",
        f"Tried to {action} resource record set [name='{record_set.name}', type='{record_set.type}'"
        f"{identifier}] {why}",
    )


def _patch_record_set_changes() -> None:
    """Route 53 checks a change batch against the zone's record sets as they are; moto against its journal
    of past changes.

    AWS refuses (InvalidChangeBatch) to create a record set that exists, and to delete one that does not
    or whose values (TTL, records, alias target, weight...) are not its current ones: a DELETE carries the
    record set exactly as it is. From its journal, moto deletes a record set with the values it had
    before an UPSERT, an alias whatever its target, one already deleted, refuses to create again one it
    deleted, creates a second record set of a name and type, and deleting by set identifier removes that
    identifier's record sets of every name. Moto's backend method is replaced (its check is the part that
    differs): each change is checked in order against the record sets as the batch's earlier changes
    leave them, and the batch is applied only when every change passes. Moto's journal of changes, which
    nothing else reads, is no longer kept.
    """

    def change_resource_record_sets(
        self: Route53Backend, zoneid: str, change_list: list[dict[str, Any]]
    ) -> None:
        zone = self.get_hosted_zone(zoneid)
        current = {_record_set_key(record_set): record_set for record_set in zone.rrsets}
        for item in change_list:
            action = item["Action"]
            if action not in ("CREATE", "UPSERT", "DELETE"):
                raise InvalidActionValue(action)
            given = dict(item["ResourceRecordSet"])
            if "ResourceRecords" in given:  # kept as their values, as moto keeps them
                given["ResourceRecords"] = [entry["Value"] for entry in given["ResourceRecords"]]
            record_set = RecordSet(given)  # type: ignore[abstract]  # as moto's FakeZone.add_rrset makes them
            if record_set.name != zone.name and not record_set.name.endswith(f".{zone.name}"):
                raise DnsNameInvalidForZone(name=record_set.name, zone_name=zone.name)
            key = _record_set_key(record_set)
            existing = current.get(key)
            if action == "CREATE" and existing is not None:
                raise _change_refused(record_set, "create", "but it already exists")
            if action != "DELETE":
                current[key] = record_set
                continue
            if existing is None:
                raise _change_refused(record_set, "delete", "but it was not found")
            if any(getattr(existing, value) != getattr(record_set, value) for value in _RECORD_SET_VALUES):
                raise _change_refused(
                    record_set, "delete", "but the values provided do not match the current values"
                )
            del current[key]
        zone.rrsets = list(current.values())

    Route53Backend.change_resource_record_sets = change_resource_record_sets  # type: ignore[method-assign]


# --- EC2 ---------------------------------------------------------------------


def _patch_security_group_rule_identity() -> None:
    """AWS: "If the security group rule has a description, you do not need to specify the description
    to revoke the rule" (RevokeSecurityGroupIngress); a rule is its protocol, ports and peer. Moto
    compared a referenced group with its description, so a rule from another group that had one was
    not found by its peer alone (InvalidPermission.NotFound), and the same rule authorized again with
    another description was not a duplicate. Rules now compare without their peers' descriptions."""
    original = SecurityGroupRule.__eq__

    def same_rule(self: SecurityGroupRule, other: object) -> bool:
        if not isinstance(other, SecurityGroupRule):
            return False
        if "Description" not in self.source_group and "Description" not in other.source_group:
            return bool(original(self, other))
        mine, theirs = copy.copy(self), copy.copy(other)
        mine.source_group = {k: v for k, v in self.source_group.items() if k != "Description"}
        theirs.source_group = {k: v for k, v in other.source_group.items() if k != "Description"}
        return bool(original(mine, theirs))

    SecurityGroupRule.__eq__ = same_rule  # type: ignore[method-assign]


def _patch_elastic_ip_addresses() -> None:
    """AWS allocates Elastic IPs from its public address space; moto draws them from 127.0.0.0/8.

    A loopback address reads as reserved, so a DNS record pointing at an Elastic IP would look
    harmless whoever holds the address. Addresses now come from 54.214.0.0/16, the AWS block
    moto already uses for instances' public addresses, unused in the account and region; an
    address asked for by AllocateAddress's `Address` stays as asked.
    """
    original = ElasticAddressBackend.allocate_address

    def allocate_address(
        self: ElasticAddressBackend,
        domain: str,
        address: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> ElasticAddress:
        if address is None:
            taken = {allocated.public_ip for allocated in self.addresses}
            address = next(candidate for candidate in iter(random_public_ip, None) if candidate not in taken)
        return original(self, domain, address=address, tags=tags)

    ElasticAddressBackend.allocate_address = allocate_address  # type: ignore[method-assign]


# --- Elastic Load Balancing --------------------------------------------------


def _patch_classic_load_balancer_dns_names() -> None:
    """A classic load balancer's DNS name names its region; moto writes `us-east-1` whatever the region.

    The name keeps moto's form, `<name>.<region>.elb.amazonaws.com`; AWS also puts a random
    number after the name, and `internal-` before it for internal load balancers.
    """
    original = ELBBackend.create_load_balancer

    def create_load_balancer(self: ELBBackend, *args: Any, **kwargs: Any) -> ClassicLoadBalancer:
        balancer = original(self, *args, **kwargs)
        balancer.dns_name = f"{balancer.name}.{self.region_name}.elb.amazonaws.com"
        return balancer

    ELBBackend.create_load_balancer = create_load_balancer  # type: ignore[method-assign]


# --- Error injection ---------------------------------------------------------

_CREDENTIAL_SCOPE = re.compile(r"Credential=([^/\s,]+)/[^/]+/([^/]+)/([^/]+)/aws4_request")
SUPPORTED_PROTOCOLS = frozenset({"query", "ec2", "json", "rest-json", "rest-xml"})
REST_PROTOCOLS = frozenset({"rest-json", "rest-xml"})
JSON_PROTOCOLS = frozenset({"json", "rest-json"})


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


def _matches(injection: Injection, account: str, region: str, environ: WSGIEnvironment) -> bool:
    rule = injection.rule
    if rule.account is not None and rule.account != account:
        return False
    if rule.region is not None and rule.region != region:
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
    access_key, region, service = scope.groups()
    candidates = [injection for injection in state.injections if injection.rule.service == service]
    if not candidates:
        return None
    account = get_account_id_from(access_key)
    return next((item for item in candidates if _matches(item, account, region, environ)), None)


HTML_ERROR_PAGE = (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>502 Bad Gateway</title></head>\n'
    "<body><h1>Bad Gateway</h1><hr><p>The proxy received an invalid response from an upstream server.</p>"
    "</body></html>\n"
)
"""What a proxy or load balancer in front of an endpoint answers in its place (`<hr>` is not XML)."""
MALFORMED_XML: dict[str, str] = {
    "control-character": "<Answer><Note>a raw \x01 control character</Note></Answer>",
    "truncated": "<Answer><Items><Item><Name>cut sh",
}
MALFORMED_JSON: dict[str, str] = {
    "control-character": '{"Note": "a raw \x01 control character"}',
    "truncated": '{"Items": [{"Name": "cut sh',
}


def malformed_response(kind: MalformedBody, protocol: str, status: int | None) -> Response:
    """A body no SDK can parse, of this kind, in the protocol's content type unless it is HTML."""
    headers = {"x-amzn-RequestId": str(uuid.uuid4())}
    if kind == "html":
        return Response(HTML_ERROR_PAGE, status=status or 200, headers=headers, content_type="text/html")
    if protocol in JSON_PROTOCOLS:
        content_type = "application/x-amz-json-1.1" if protocol == "json" else "application/json"
        body = MALFORMED_JSON[kind]
    else:
        content_type = "text/xml"
        body = '<?xml version="1.0" encoding="UTF-8"?>\n' + MALFORMED_XML[kind]
    return Response(body, status=status or 200, headers=headers, content_type=content_type)


def error_response(injection: Injection) -> Response:
    """The error as the service's protocol shapes it, so botocore raises ClientError with the code;
    or, for a rule with `malformed`, the malformed answer."""
    rule = injection.rule
    if rule.malformed is not None:
        return malformed_response(rule.malformed, injection.protocol, rule.status)
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
        side = "Receiver" if (rule.status or 403) >= 500 else "Sender"
        body = (
            f"<ErrorResponse><Error><Type>{side}</Type>{error}</Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    return Response(body, status=rule.status or 403, headers=headers, content_type="text/xml")


# --- Transient faults ----------------------------------------------------------

SERVICES_BY_SIGNING_NAME = {"elasticloadbalancing": "elb"}
"""Signing names that botocore knows by another service name; elb and elbv2 share one and its protocol."""
FAULT_ERRORS: dict[FaultKind, tuple[str, str, int]] = {
    "throttling": ("ThrottlingException", "Rate exceeded", 400),
    "request-limit": ("RequestLimitExceeded", "Request limit exceeded.", 503),
    "500": ("InternalError", "We encountered an internal error. Please try again.", 500),
    "503": ("ServiceUnavailable", "Service Unavailable", 503),
}
"""The code, message and HTTP status of each fault that answers."""
S3_THROTTLING = ("SlowDown", "Please reduce your request rate.", 503)
"""S3 throttles with SlowDown and 503, not ThrottlingException; HEAD answers have no body, only the status."""


class DroppedConnection(ConnectionAbortedError):
    """Raised instead of answering: werkzeug's handler takes it for a dropped connection and closes it."""


@functools.cache
def signing_protocol(signing_name: str) -> str | None:
    """The protocol of the service that signs as `signing_name`, None when faults cannot shape its errors."""
    service = SERVICES_BY_SIGNING_NAME.get(signing_name, signing_name)
    try:
        protocol: str = botocore.session.get_session().get_service_model(service).protocol
    except botocore.exceptions.UnknownServiceError:
        return None
    return protocol if protocol in SUPPORTED_PROTOCOLS else None


def fault_response(state: EmulatorState, environ: WSGIEnvironment) -> Response | None:
    """The transient fault this SigV4-signed call meets, if it draws one; a dropped connection raises.

    The error takes its protocol's shape through `error_response`, like an injected error.
    Unsigned requests and services whose protocol is unknown are never faulted.
    """
    scope = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if scope is None:
        return None
    service = scope[3]
    protocol = signing_protocol(service)
    if protocol is None:
        return None
    kind = state.draw_fault(service)
    if kind is None:
        return None
    if kind == "drop":
        raise DroppedConnection(f"fault: dropped a call to {service}")
    code, message, status = S3_THROTTLING if kind == "throttling" and service == "s3" else FAULT_ERRORS[kind]
    rule = ErrorRule(service=service, code=code, message=message, status=status)
    return error_response(Injection(rule=rule, protocol=protocol))
