"""The snapshot: everything a scan read from AWS, as plain typed data.

A snapshot is written by `collect/` and read by the rules. It round-trips through JSON, so a saved
scan can be evaluated again offline with exactly the same result. Values are kept as AWS returned
them (the credential report keeps its raw strings); interpretation belongs to `semantics/`.
A piece of data that could not be read is `None`, and the failed call is in `errors`.

The records are frozen and hold no reference cycles, so the cyclic garbage collector does not track
them (`gc=False`): a snapshot of a million resources is tens of millions of objects.
"""

from __future__ import annotations

import enum
import mmap
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec

from cloudwarden.files import formatted_elements, written_whole
from cloudwarden.inputs import InputError, decoded, quoted

SNAPSHOT_SCHEMA = "cloudwarden.snapshot/1"


class Collection(enum.StrEnum):
    """A part of an account's snapshot that a rule may need: a scan of a few rules collects only
    theirs. (The account's regions are always read: most collections are per region.)"""

    IAM = "iam"
    """The credential report, the account summary, the virtual MFA devices, and the access keys of
    the users whose keys work without MFA."""
    S3 = "s3"
    CLOUDTRAIL = "cloudtrail"
    EC2 = "ec2"
    """Security groups, network interfaces, prefix lists, VPCs and what holds public addresses."""
    ROUTE53 = "route53"
    """Hosted zones, their record sets and what their targets point to."""


ALL_COLLECTIONS: frozenset[Collection] = frozenset(Collection)

EVERY_COLLECTION: tuple[Collection, ...] = tuple(sorted(ALL_COLLECTIONS))
"""`AccountSnapshot.collected` of a full scan."""

_COLLECTED_BEFORE_PARTIAL_SCANS = (
    Collection.CLOUDTRAIL,
    Collection.EC2,
    Collection.IAM,
    Collection.ROUTE53,
    Collection.S3,
)
"""What a snapshot without `collected` holds: written before scans could be partial, it collected
these five. Spelled out, not derived from `Collection`: a collection added later was not in it."""


KNOWN_AFTER_APPLY = "KnownAfterApply"
"""The `code` of an `ApiError` that is no failed call: `iac` found the value left to deployment (an
attribute known only after apply, a parameter without default). Its `message` names the attribute;
rules turn it into UNKNOWN with the cause `known-after-apply`."""
NOT_IN_DOCUMENT = "NotInDocument"
"""`iac`, no failed call either: the value is not in the plan or template and the live account is not
in view (an existing bucket's setting the configuration does not manage): UNKNOWN `not-checked`, which
`--snapshot` decides."""
MALFORMED_VALUE = "MalformedValue"
"""`iac`: the document gives a value that is not one (a port that is not a number, a CIDR that is not
one): UNKNOWN `rule-error`, a run that could not judge."""
DOCUMENT_CODES = frozenset({KNOWN_AFTER_APPLY, NOT_IN_DOCUMENT, MALFORMED_VALUE})
"""The codes `iac` gives errors that are no call: their message is the whole description."""


class ApiError(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One failed AWS call (or, from `iac`, a value known only after apply: `KNOWN_AFTER_APPLY`)."""

    account: str
    service: str
    operation: str
    region: str
    code: str
    message: str
    resource: str | None = None
    """The resource the call was about (a bucket name), when it was about one."""

    @property
    def after_apply(self) -> bool:
        """Not a failed call: a value a plan or template leaves to deployment."""
        return self.code == KNOWN_AFTER_APPLY

    @property
    def from_document(self) -> bool:
        """Not a failed call: what `iac` found in (or missing from) a plan or template."""
        return self.code in DOCUMENT_CODES

    def describe(self) -> str:
        if self.from_document:
            return self.message
        about = f" for {self.resource}" if self.resource else ""
        return f"{self.service}:{self.operation}{about} in {self.region} failed: {self.code}: {self.message}"


class OperationStats(msgspec.Struct, kw_only=True):
    """What one AWS operation cost during a scan."""

    calls: int = 0
    errors: int = 0
    retries: int = 0
    seconds: float = 0.0


def merge_operations(*parts: dict[str, OperationStats]) -> dict[str, OperationStats]:
    """The sum of several operation tables (one per account, the coordinator's own calls...)."""
    total: dict[str, OperationStats] = {}
    for part in parts:
        for key, value in part.items():
            entry = total.setdefault(key, OperationStats())
            entry.calls += value.calls
            entry.errors += value.errors
            entry.retries += value.retries
            entry.seconds = round(entry.seconds + value.seconds, 4)
    return dict(sorted(total.items()))


class AccountStats(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """What scanning one account cost, and where it ran."""

    seconds: float
    """Wall time from entering the account to its last call."""
    operations: dict[str, OperationStats] = msgspec.field(default_factory=dict)
    worker: str | None = None
    """The cluster worker that collected the account; None for a local scan."""


class CredentialReportRow(msgspec.Struct, frozen=True, kw_only=True, gc=False):
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


class CredentialReport(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    generated_time: str | None
    rows: tuple[CredentialReportRow, ...]


class VirtualMfaDevice(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    serial_number: str
    user_arn: str | None
    enable_date: str | None


class AccessKey(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One access key of an IAM user, as ListAccessKeys gives it (the credential report names none)."""

    id: str
    status: str
    """`Active` or `Inactive`."""
    created: str | None = None


class IamData(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Account-wide IAM facts, read with a constant number of calls, and the access keys of the users
    whose keys work without MFA (a call per such user)."""

    credential_report: CredentialReport | None = None
    account_summary: dict[str, int] | None = None
    virtual_mfa_devices: tuple[VirtualMfaDevice, ...] | None = None
    access_keys: dict[str, tuple[AccessKey, ...]] | None = None
    """Per user the credential report shows with an active access key and no MFA, the user's keys (a
    user whose ListAccessKeys failed is missing, and the call is in the errors). None when not collected
    (no credential report, a plan or template, snapshots from versions that did not read them)."""


class PublicAccessBlock(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """S3 Block Public Access settings (account or bucket level); a missing flag is off."""

    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False


class AclGrant(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    grantee_type: str
    """CanonicalUser, Group, AmazonCustomerByEmail."""
    grantee: str | None
    """The group URI, canonical id or e-mail address."""
    permission: str


class Bucket(msgspec.Struct, frozen=True, kw_only=True, gc=False):
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
    """No longer collected (no rule reads a bucket's tags, and they cost a call per bucket): None,
    except in older snapshots, which still read."""


class S3Data(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    buckets: tuple[Bucket, ...] | None = None
    """None when the buckets could not be listed."""
    account_public_access_block: PublicAccessBlock | None = None
    """None when the account has none (or when the call failed: see the account's errors)."""


class TrailStatus(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    is_logging: bool
    latest_delivery_error: str | None = None
    latest_delivery_time: str | None = None


class ClassicEventSelector(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    read_write_type: str = "All"
    include_management_events: bool = True


class FieldSelector(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    field: str
    equals: tuple[str, ...] = ()
    not_equals: tuple[str, ...] = ()
    starts_with: tuple[str, ...] = ()
    not_starts_with: tuple[str, ...] = ()
    ends_with: tuple[str, ...] = ()
    not_ends_with: tuple[str, ...] = ()


class AdvancedEventSelector(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    name: str | None = None
    """Only a label: never used to judge what the selector records."""
    field_selectors: tuple[FieldSelector, ...] = ()


class EventSelectors(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    classic: tuple[ClassicEventSelector, ...] = ()
    advanced: tuple[AdvancedEventSelector, ...] = ()


class Trail(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A trail as DescribeTrails shows it, with its status and selectors (None when unreadable)."""

    arn: str
    name: str
    home_region: str
    is_multi_region: bool = False
    is_organization_trail: bool = False
    include_global_service_events: bool = False
    s3_bucket: str | None = None
    s3_key_prefix: str | None = None
    kms_key_id: str | None = None
    log_file_validation: bool = False
    sns_topic_arn: str | None = None
    status: TrailStatus | None = None
    selectors: EventSelectors | None = None

    @property
    def account_id(self) -> str:
        """The account that owns the trail (an organisation trail's management account)."""
        parts = self.arn.split(":")
        return parts[4] if len(parts) > 4 else ""


class BucketOwnership(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """What HeadBucket with ExpectedBucketOwner said about a trail's destination bucket."""

    bucket: str
    confirmed_owner: str | None = None
    """The trusted account confirmed to own the bucket, if any."""
    exists: bool | None = None
    """False when S3 answered 404; None when no answer settled it."""
    refused: tuple[str, ...] = ()
    """Accounts for which S3 refused the check (403: not the owner, or no permission to ask)."""


class Organization(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    id: str
    management_account: str


class CloudTrailData(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    trails: tuple[Trail, ...] = ()
    regions: dict[str, tuple[str, ...]] = msgspec.field(default_factory=dict)
    """Per scanned region whose DescribeTrails answered: the ARNs of the trails that apply there.
    A scanned region missing here could not be read."""
    organization: Organization | None = None
    """None when the account is in no organization, or when that could not be read (see errors)."""
    bucket_ownership: tuple[BucketOwnership, ...] = ()


class GroupPair(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A security group referenced by a rule (UserIdGroupPair)."""

    group_id: str
    user_id: str | None = None
    vpc_id: str | None = None
    vpc_peering_connection_id: str | None = None


class IpPermission(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One permission of a security group, as DescribeSecurityGroups returns it."""

    protocol: str
    """IpProtocol: "-1" (all), a name (tcp, udp, icmp, icmpv6) or a protocol number."""
    from_port: int | None = None
    to_port: int | None = None
    ipv4_ranges: tuple[str, ...] = ()
    ipv6_ranges: tuple[str, ...] = ()
    groups: tuple[GroupPair, ...] = ()
    prefix_lists: tuple[str, ...] = ()
    unknown_peers: tuple[str, ...] = ()
    """`iac` only: peers a plan or template leaves to deployment, each named by the attribute that
    holds it (`aws_security_group_rule.web.cidr_blocks`). Rules judge them as any address could be."""
    unread_peers: tuple[str, ...] = ()
    """`iac --snapshot` only: peers not known because a read failed (the live rules of a group whose
    region's groups could not be read), each naming the failed read. Judged as `unknown_peers` are,
    but caused by a failed call: the run is not judged (exit 3)."""
    malformed_peers: tuple[str, ...] = ()
    """`iac` only: peers, ports or protocols a plan or template gives as something that is no such value
    (a port `abc`, a CIDR that does not parse), each naming the attribute and the value. Judged as
    `unknown_peers` are (the rule may be anything), but the cause is the document: a rule error."""
    possible: bool = False
    """`iac` only: the permission may not be this group's at all: it stands for a rule resource whose
    group is known only after apply, which may be any group judged. Never the ground of a FAIL; where
    it would be, the verdict is UNKNOWN."""


class SecurityGroup(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    id: str
    name: str
    region: str
    vpc_id: str | None = None
    owner_id: str | None = None
    description: str | None = None
    tags: dict[str, str] = msgspec.field(default_factory=dict)
    ingress: tuple[IpPermission, ...] = ()
    egress: tuple[IpPermission, ...] = ()


class NetworkInterface(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    id: str
    region: str
    group_ids: tuple[str, ...]
    vpc_id: str | None = None
    interface_type: str | None = None
    public_ips: tuple[str, ...] = ()
    """Public IPv4 (association) and IPv6 addresses of the interface."""
    attached_to: str | None = None
    """The instance id, or what AWS says uses the interface (load balancer, NAT gateway...)."""
    description: str | None = None


class Vpc(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    id: str
    region: str
    cidrs: tuple[str, ...] = ()
    ipv6_cidrs: tuple[str, ...] = ()
    is_default: bool = False


class PrefixList(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A managed prefix list that a security group rule names, with the CIDRs it holds."""

    id: str
    region: str
    name: str | None = None
    owner_id: str | None = None
    entries: tuple[str, ...] | None = None
    """The CIDRs of its current version (GetManagedPrefixListEntries); None when they could not be
    read, as in snapshots from versions that did not read them: its rules are then UNKNOWN."""


class Ec2Data(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Network data of every scanned region whose calls answered (a failed region has an error)."""

    security_groups: tuple[SecurityGroup, ...] = ()
    network_interfaces: tuple[NetworkInterface, ...] = ()
    vpcs: tuple[Vpc, ...] = ()
    prefix_lists: tuple[PrefixList, ...] = ()


class HostedZone(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    id: str
    """Without the /hostedzone/ prefix."""
    name: str
    """Lower case, without the final dot."""
    private: bool = False
    name_servers: tuple[str, ...] | None = None
    """The zone's delegation set (lower case, no final dot); None when it could not be read."""


class RecordSet(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    zone_id: str
    name: str
    """Lower case, without the final dot, with `\\052` decoded as `*`."""
    type: str
    set_identifier: str | None = None
    """Weighted, latency, failover... variants of one name and type are kept apart."""
    values: tuple[str, ...] = ()
    """The record's values (targets without the final dot for CNAME and NS)."""
    alias_target: str | None = None
    """An alias record's DNS name (lower case, no final dot)."""
    alias_zone: str | None = None
    listed: dict[str, Any] | None = None
    """The ResourceRecordSet exactly as ListResourceRecordSets gave it (Name with its final dot and
    escapes, TTL, ResourceRecords, AliasTarget, SetIdentifier, Weight...): deleting a record set takes
    its current values, which the fields above normalise. None from a plan or template, and in
    snapshots from versions that did not keep it."""

    @property
    def record_id(self) -> str:
        """`<zone id>/<name>/<type>`, and `/<set identifier>` for weighted, latency... variants."""
        base = f"{self.zone_id}/{self.name}/{self.type}"
        return f"{base}/{self.set_identifier}" if self.set_identifier else base


class Distribution(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    domain_name: str
    aliases: tuple[str, ...] = ()
    origins: tuple[str, ...] = ()


class LiveCheck(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """What live DNS/HTTP probing found for one record's target (opt-in `--live`)."""

    record: str
    """The record set's id: <zone id>/<name>/<type>."""
    target: str
    service: str | None = None
    """The fingerprinted third-party service the target belongs to, if any."""
    nxdomain: bool | None = None
    http_status: int | None = None
    fingerprint_matched: bool = False
    """The service's "not found / unclaimed" page answered."""
    delegation_refused: bool | None = None
    """For NS delegations: every name server refused or failed to answer for the zone."""
    error: str | None = None


class Route53Data(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Public hosted zones and their records, with the account's own inventory to compare targets with."""

    zones: tuple[HostedZone, ...] = ()
    records: tuple[RecordSet, ...] = ()
    elastic_ips: tuple[str, ...] | None = None
    interface_ips: tuple[str, ...] | None = None
    """Public IPv4 and IPv6 addresses of the account's network interfaces."""
    distributions: tuple[Distribution, ...] | None = None
    load_balancers: tuple[str, ...] | None = None
    """DNS names of classic and v2 load balancers (lower case)."""
    beanstalk_cnames: tuple[str, ...] | None = None
    api_ids: tuple[str, ...] | None = None
    """REST and HTTP API ids of API Gateway (their execute-api host names start with them)."""
    beanstalk_available: dict[str, bool] = msgspec.field(default_factory=dict)
    """CheckDNSAvailability answers, per Elastic Beanstalk host name judged (True: anyone may claim it)."""
    aws_ranges: tuple[str, ...] | None = None
    """AWS's published address ranges (ip-ranges.json), when they were available."""
    live: tuple[LiveCheck, ...] | None = None
    """Live check results; None when live checks were off."""
    bucket_ownership: tuple[BucketOwnership, ...] = ()
    """HeadBucket with ExpectedBucketOwner for each bucket S3 records serve that this account does not
    own, asked of route53.trusted_accounts (none asked when that list is empty)."""


class AccountSnapshot(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    account_id: str
    regions: tuple[str, ...]
    iam: IamData
    s3: S3Data = S3Data()
    cloudtrail: CloudTrailData | None = None
    """None when CloudTrail was not collected at all."""
    ec2: Ec2Data | None = None
    """None when the network was not collected at all."""
    route53: Route53Data | None = None
    """None when DNS was not collected at all."""
    collected: tuple[Collection, ...] = _COLLECTED_BEFORE_PARTIAL_SCANS
    """The parts of the account this scan asked for, sorted (a `--rule` scan collects only what its
    rules need). A part not listed was never read: its empty value says nothing about the account,
    and a rule that needs it is not checked. Older snapshots, without the field, collected all."""
    errors: tuple[ApiError, ...] = ()
    unreachable: str | None = None
    """Why the account could not be entered (AssumeRole refused...): none of its data was read."""
    stats: AccountStats | None = None
    """Time and calls spent on this account; None in snapshots that predate per-account statistics."""
    partial: bool = False
    """The snapshot holds some of the account's resources, not all: those of an infrastructure plan or
    template (`iac`). Rules judge what it holds and conclude nothing from what is absent (a record
    target it does not hold is not dangling, a region without a trail in it is not uncovered)."""
    live_context: bool = False
    """A partial snapshot laid over a collected one (`iac --snapshot`): besides the document's resources
    it holds the account's own as collected, which the document's resources are judged against (a
    record target neither holds is dangling, a trail's bucket among them is the account's own). Rules
    still judge only what the document touches: the rest is the live scan's business."""

    def not_collected(self, needs: frozenset[Collection]) -> tuple[Collection, ...]:
        """The parts of `needs` this snapshot of the account does not hold, sorted."""
        return tuple(sorted(needs.difference(self.collected)))

    def errors_for(self, service: str, *operations: str, resource: str | None = None) -> tuple[ApiError, ...]:
        """The failed calls of `service` (restricted to `operations` and to `resource` when given).
        Indexes the account's errors for this one question: a rule that asks once per resource keeps
        the `ErrorIndex` (`RuleContext.errors`)."""
        return ErrorIndex(self).errors_for(service, *operations, resource=resource)


class ErrorIndex:
    """An account's failed calls by (service, resource) and by service, built once: rules ask for a
    bucket's errors once per bucket, and a big account has many. Rules get it from their context
    (`RuleContext.errors`), which forgets it with the account."""

    def __init__(self, account: AccountSnapshot) -> None:
        self._index: dict[tuple[str, str | None], list[ApiError]] = {}
        for error in account.errors:
            self._index.setdefault((error.service, None), []).append(error)
            if error.resource is not None:
                self._index.setdefault((error.service, error.resource), []).append(error)

    def errors_for(self, service: str, *operations: str, resource: str | None = None) -> tuple[ApiError, ...]:
        """As `AccountSnapshot.errors_for`, without scanning every error of the account."""
        candidates = self._index.get((service, resource), ())
        return tuple(error for error in candidates if not operations or error.operation in operations)


class ScanInfo(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    started_at: str
    finished_at: str
    tool_version: str
    regions_requested: tuple[str, ...] | None = None


class Snapshot(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    schema: str = SNAPSHOT_SCHEMA
    scan: ScanInfo
    accounts: tuple[AccountSnapshot, ...]
    stats: dict[str, OperationStats] = msgspec.field(default_factory=dict)
    errors: tuple[ApiError, ...] = ()


class SnapshotError(Exception):
    """A snapshot file that cannot be read as a cloudwarden snapshot."""


_ACCOUNT_HEAD = b'{\n "accounts": [\n'
_ACCOUNT_TAIL = b"\n ]\n}"
_NO_ACCOUNTS = b'"accounts": [],'


def dump_snapshot(snapshot: Snapshot, path: Path) -> None:
    """Write `snapshot` as JSON indented by one space, one account at a time: the file is the document
    msgspec makes of the whole snapshot, without that document (several times the size of the
    records) in memory at once."""
    encoder = msgspec.json.Encoder()
    frame = msgspec.json.format(encoder.encode(msgspec.structs.replace(snapshot, accounts=())), indent=1)
    before, found, after = frame.partition(_NO_ACCOUNTS)
    if not found:  # pragma: no cover - msgspec's layout is fixed
        raise RuntimeError("unexpected layout of the encoded snapshot")
    with written_whole(path) as target:  # a collection that stops half-way leaves the old snapshot
        if not snapshot.accounts:
            target.write(frame)
            return
        target.write(before + b'"accounts": [\n')
        for index, account in enumerate(snapshot.accounts):
            if index:
                target.write(b",\n")
            document = {"accounts": [account]}
            target.write(formatted_elements(encoder, document, _ACCOUNT_HEAD, _ACCOUNT_TAIL, indent=1))
        target.write(b"\n ]," + after)


class _Header(msgspec.Struct):
    """The one field read before the whole file is decoded (the others are skipped, not decoded)."""

    schema: object = None


def load_snapshot(path: Path) -> Snapshot:
    """Read a snapshot file, mapped into memory rather than read into it (`inputs.mapped`): a large
    snapshot's JSON text is then not held in the process's own memory beside its records."""
    try:
        return decoded(path, "snapshot", lambda raw: _decode_snapshot(path, raw))
    except InputError as error:
        raise SnapshotError(str(error)) from error


def _decode_snapshot(path: Path, raw: mmap.mmap | bytes) -> Snapshot:
    try:
        header = msgspec.json.decode(raw, type=_Header)
    except msgspec.DecodeError as error:
        raise SnapshotError(f"{path} is not valid JSON: {error}") from error
    if header.schema != SNAPSHOT_SCHEMA:
        raise SnapshotError(
            f"{path} is not a cloudwarden snapshot "
            f"(schema {quoted(header.schema)}, expected {SNAPSHOT_SCHEMA!r})"
        )
    try:
        snapshot = msgspec.json.decode(raw, type=Snapshot)
    except msgspec.DecodeError as error:
        raise SnapshotError(f"{path} is a corrupt snapshot: {error}") from error
    for name in ("started_at", "finished_at"):
        value = getattr(snapshot.scan, name)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise SnapshotError(
                f"{path} is a corrupt snapshot: scan.{name} {quoted(value)} is not a UTC timestamp"
            )
    return snapshot
