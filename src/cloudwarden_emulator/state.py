"""Values exchanged between the emulator process and its clients.

This module must not import moto: clients load it in processes that moto's
import-time botocore hooks must never reach.
"""

import re
from datetime import UTC, datetime
from typing import Literal

import msgspec

DEFAULT_ACCOUNT = "123456789012"
"""The account moto serves when an access key is unknown to it."""

READY_PREFIX = "cloudwarden-emulator listening on "
"""Start of the one line the emulator prints, followed by its endpoint, once it accepts requests."""

ACCOUNT_ID = re.compile(r"\d{12}")
TRAIL_ARN = re.compile(r"arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:\d{12}:trail/[\w.-]+")
REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d+")
CNAME_PREFIX = re.compile(r"[a-z0-9][a-z0-9-]{2,61}[a-z0-9]", re.IGNORECASE)
"""What Elastic Beanstalk accepts as a CNAME prefix: one DNS label of 4 to 63 characters."""

DEFAULT_ERROR_CODE = "AccessDenied"
DEFAULT_ERROR_MESSAGE = "User is not authorized to perform this operation"

MfaKind = Literal["none", "virtual", "hardware"]
FaultKind = Literal["throttling", "request-limit", "500", "503", "drop"]
FAULT_KINDS: tuple[FaultKind, ...] = ("throttling", "request-limit", "500", "503", "drop")
MalformedBody = Literal["html", "control-character", "truncated"]
MALFORMED_BODIES: tuple[MalformedBody, ...] = ("html", "control-character", "truncated")


def parse_timestamp(value: str) -> datetime:
    """Parse an ISO-8601 timestamp, refusing naive ones since AWS reports every time in UTC."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def beanstalk_cname(prefix: str, region: str) -> str:
    """The host name that a CNAME prefix claims in a region, as Elastic Beanstalk writes it."""
    return f"{prefix.lower()}.{region}.elasticbeanstalk.com"


class RootKey(msgspec.Struct, frozen=True, kw_only=True):
    """One access key of the root user, with the dates the credential report shows for it."""

    active: bool
    last_rotated: str
    last_used: str | None = None

    def __post_init__(self) -> None:
        parse_timestamp(self.last_rotated)
        if self.last_used is not None:
            parse_timestamp(self.last_used)


class RootState(msgspec.Struct, frozen=True, kw_only=True):
    """The root user's credentials; the defaults describe a freshly created account."""

    password_present: bool = True
    password_last_used: str | None = None
    """None means the password was never used (or there is none)."""
    mfa: MfaKind = "none"
    access_keys: tuple[RootKey, ...] = ()
    created: str = "2020-01-01T00:00:00+00:00"

    def __post_init__(self) -> None:
        parse_timestamp(self.created)
        if self.password_last_used is not None:
            if not self.password_present:
                raise ValueError("password_last_used requires password_present")
            parse_timestamp(self.password_last_used)
        if len(self.access_keys) > 2:
            raise ValueError("AWS allows at most 2 access keys for the root user")


class ErrorRule(msgspec.Struct, frozen=True, kw_only=True):
    """Answer matching calls with an AWS error, or a malformed answer, instead of letting moto serve them.

    `service` is the SigV4 signing name. Query and JSON protocol services match on
    `operation`; REST services (s3, route53) match on `method` and `path_regex`, which
    is searched in the path plus query string (S3 requests to the emulator are
    path-style: `/bucket/key?policy`). `region` matches the region the call is signed for,
    so every call of a service in one region can fail (a region that cannot be reached).
    Filters left as None match anything.
    `malformed` None answers the AWS error `code` and `message`, with `status` None meaning
    what AWS sends for the protocol: 400 for JSON, else 403. Otherwise the answer is a body
    no SDK can parse, with `status` None meaning 200 (code and message unused):
    - `html`: a proxy's or load balancer's HTML error page, in front of any protocol;
    - `control-character`: the protocol's XML or JSON with a raw control character (U+0001);
    - `truncated`: the protocol's XML or JSON cut short, its Content-Length matching the cut.
    """

    service: str
    operation: str | None = None
    code: str = DEFAULT_ERROR_CODE
    message: str = DEFAULT_ERROR_MESSAGE
    account: str | None = None
    status: int | None = None
    method: str | None = None
    path_regex: str | None = None
    region: str | None = None
    malformed: MalformedBody | None = None

    def __post_init__(self) -> None:
        if self.malformed is not None and self.malformed not in MALFORMED_BODIES:
            raise ValueError(f"malformed {self.malformed!r} is not one of {', '.join(MALFORMED_BODIES)}")
        if self.path_regex is not None:
            try:
                re.compile(self.path_regex)
            except re.error as error:
                raise ValueError(f"path_regex {self.path_regex!r}: {error}") from error
        if self.account is not None and not ACCOUNT_ID.fullmatch(self.account):
            raise ValueError(f"account {self.account!r} is not a 12-digit account id")


class Faults(msgspec.Struct, frozen=True, kw_only=True):
    """Fail a share of AWS calls with the transient faults of a service under load, which SDKs retry.

    Each signed AWS call (never a control call) fails with probability `share`, in a way drawn
    from the `kinds` that apply to its service; a call that none applies to never fails:
    - `throttling`: ThrottlingException with HTTP 400; S3 throttles with SlowDown and HTTP 503;
    - `request-limit`: EC2's throttling, RequestLimitExceeded with HTTP 503 (EC2 calls only);
    - `500`: InternalError with HTTP 500;
    - `503`: ServiceUnavailable with HTTP 503;
    - `drop`: the connection closes without an answer.
    `seed` makes the sequence of draws repeatable (None: seeded by the system); calls made
    concurrently still race for their place in it. A share of 0 turns faults off.
    """

    share: float
    kinds: tuple[FaultKind, ...] = FAULT_KINDS
    seed: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.share <= 1:
            raise ValueError(f"share {self.share} is not between 0 and 1")
        if not self.kinds:
            raise ValueError("kinds must name at least one fault")


class PageSize(msgspec.Struct, frozen=True, kw_only=True):
    """Answer a paginated listing `size` items a page, each page naming the next, as AWS pages a long one.

    `service` is botocore's service name (`elbv2`, `apigatewayv2`, not the signing name) and
    `operation` one it paginates; the page size holds in every account and region until `reset()`,
    and a `size` of 0 answers the listing whole again, as moto does.
    """

    service: str
    operation: str
    size: int

    def __post_init__(self) -> None:
        if self.size < 0:
            raise ValueError(f"size {self.size} is negative")


class TrailDeliveryError(msgspec.Struct, frozen=True, kw_only=True):
    """What went wrong when CloudTrail last delivered a trail's log files to its S3 bucket.

    `error` is what GetTrailStatus reports as LatestDeliveryError, such as `AccessDenied`
    when the bucket policy refuses CloudTrail; None means delivery succeeds again.
    """

    trail_arn: str
    error: str | None = None

    def __post_init__(self) -> None:
        if not TRAIL_ARN.fullmatch(self.trail_arn):
            raise ValueError(f"{self.trail_arn!r} is not a trail ARN")
        if self.error == "":
            raise ValueError("error must name the failure; None means delivery succeeds")


class ReservedCname(msgspec.Struct, frozen=True, kw_only=True):
    """An Elastic Beanstalk CNAME held by an environment of someone outside the emulated accounts."""

    prefix: str
    region: str

    def __post_init__(self) -> None:
        if not CNAME_PREFIX.fullmatch(self.prefix):
            raise ValueError(f"{self.prefix!r} is not a CNAME prefix (a DNS label of 4 to 63 characters)")
        if not REGION.fullmatch(self.region):
            raise ValueError(f"{self.region!r} is not a region name")

    @property
    def cname(self) -> str:
        return beanstalk_cname(self.prefix, self.region)
