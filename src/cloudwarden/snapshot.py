"""The snapshot: everything a scan read from AWS, as plain typed data.

A snapshot is written by `collect/` and read by the rules. It round-trips through JSON, so a saved
scan can be evaluated again offline with exactly the same result. Values are kept as AWS returned
them (the credential report keeps its raw strings); interpretation belongs to `semantics/`.
A piece of data that could not be read is `None`, and the failed call is in `errors`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import msgspec

SNAPSHOT_SCHEMA = "cloudwarden.snapshot/1"


class ApiError(msgspec.Struct, frozen=True, kw_only=True):
    """One failed AWS call."""

    account: str
    service: str
    operation: str
    region: str
    code: str
    message: str
    resource: str | None = None
    """The resource the call was about (a bucket name), when it was about one."""

    def describe(self) -> str:
        about = f" for {self.resource}" if self.resource else ""
        return f"{self.service}:{self.operation}{about} in {self.region} failed: {self.code}: {self.message}"


class OperationStats(msgspec.Struct, kw_only=True):
    """What one AWS operation cost during a scan."""

    calls: int = 0
    errors: int = 0
    retries: int = 0
    seconds: float = 0.0


class CredentialReportRow(msgspec.Struct, frozen=True, kw_only=True):
    """One row of the IAM credential report, values exactly as AWS wrote them.

    A column missing from the report is `None`; AWS's placeholders (`N/A`, `no_information`,
    `not_supported`) are kept as strings.
    """

    user: str
    arn: str | None = None
    user_creation_time: str | None = None
    password_enabled: str | None = None
    password_last_used: str | None = None
    password_last_changed: str | None = None
    mfa_active: str | None = None
    access_key_1_active: str | None = None
    access_key_1_last_rotated: str | None = None
    access_key_1_last_used_date: str | None = None
    access_key_2_active: str | None = None
    access_key_2_last_rotated: str | None = None
    access_key_2_last_used_date: str | None = None
    cert_1_active: str | None = None
    cert_2_active: str | None = None


class CredentialReport(msgspec.Struct, frozen=True, kw_only=True):
    generated_time: str | None
    rows: tuple[CredentialReportRow, ...]


class VirtualMfaDevice(msgspec.Struct, frozen=True, kw_only=True):
    serial_number: str
    user_arn: str | None
    enable_date: str | None


class IamData(msgspec.Struct, frozen=True, kw_only=True):
    """Account-wide IAM facts, read with a constant number of calls."""

    credential_report: CredentialReport | None = None
    account_summary: dict[str, int] | None = None
    virtual_mfa_devices: tuple[VirtualMfaDevice, ...] | None = None


class PublicAccessBlock(msgspec.Struct, frozen=True, kw_only=True):
    """S3 Block Public Access settings (account or bucket level); a missing flag is off."""

    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False


class AclGrant(msgspec.Struct, frozen=True, kw_only=True):
    grantee_type: str
    """CanonicalUser, Group, AmazonCustomerByEmail."""
    grantee: str | None
    """The group URI, canonical id or e-mail address."""
    permission: str


class Bucket(msgspec.Struct, frozen=True, kw_only=True):
    """One bucket's access settings. `None` is "AWS answered: none" unless a call for it failed
    (see `AccountSnapshot.errors_for(..., resource=name)`)."""

    name: str
    created: str | None = None
    region: str | None = None
    policy: str | None = None
    """The bucket policy's JSON text, exactly as stored."""
    policy_is_public: bool | None = None
    """AWS's own verdict (GetBucketPolicyStatus), where the API answered."""
    owner_id: str | None = None
    acl_grants: tuple[AclGrant, ...] | None = None
    public_access_block: PublicAccessBlock | None = None
    object_ownership: str | None = None
    tags: dict[str, str] | None = None


class S3Data(msgspec.Struct, frozen=True, kw_only=True):
    buckets: tuple[Bucket, ...] | None = None
    """None when the buckets could not be listed."""
    account_public_access_block: PublicAccessBlock | None = None
    """None when the account has none (or when the call failed: see the account's errors)."""


class AccountSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    account_id: str
    regions: tuple[str, ...]
    iam: IamData
    s3: S3Data = S3Data()
    errors: tuple[ApiError, ...] = ()

    def errors_for(self, service: str, *operations: str, resource: str | None = None) -> tuple[ApiError, ...]:
        """The failed calls of `service` (restricted to `operations` and to `resource` when given)."""
        return tuple(
            error
            for error in self.errors
            if error.service == service
            and (not operations or error.operation in operations)
            and (resource is None or error.resource == resource)
        )


class ScanInfo(msgspec.Struct, frozen=True, kw_only=True):
    started_at: str
    finished_at: str
    tool_version: str
    regions_requested: tuple[str, ...] | None = None


class Snapshot(msgspec.Struct, frozen=True, kw_only=True):
    schema: str = SNAPSHOT_SCHEMA
    scan: ScanInfo
    accounts: tuple[AccountSnapshot, ...]
    stats: dict[str, OperationStats] = msgspec.field(default_factory=dict)
    errors: tuple[ApiError, ...] = ()


class SnapshotError(Exception):
    """A snapshot file that cannot be read as a cloudwarden snapshot."""


def dump_snapshot(snapshot: Snapshot, path: Path) -> None:
    path.write_bytes(msgspec.json.format(msgspec.json.encode(snapshot), indent=1))


def load_snapshot(path: Path) -> Snapshot:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SnapshotError(f"cannot read snapshot {path}: {error.strerror}") from error
    try:
        header = msgspec.json.decode(raw, type=dict[str, object])
    except msgspec.DecodeError as error:
        raise SnapshotError(f"{path} is not valid JSON: {error}") from error
    if header.get("schema") != SNAPSHOT_SCHEMA:
        raise SnapshotError(
            f"{path} is not a cloudwarden snapshot (schema {header.get('schema')!r}, "
            f"expected {SNAPSHOT_SCHEMA!r})"
        )
    try:
        snapshot = msgspec.json.decode(raw, type=Snapshot)
    except msgspec.ValidationError as error:
        raise SnapshotError(f"{path} is a corrupt snapshot: {error}") from error
    for name in ("started_at", "finished_at"):
        value = getattr(snapshot.scan, name)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise SnapshotError(f"{path} is a corrupt snapshot: scan.{name} {value!r} is not a UTC timestamp")
    return snapshot
