"""Small builders of snapshot data shaped like AWS's real answers, for the unit tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from cloudwarden.config import Config, RootConfig
from cloudwarden.findings import Severity, Status
from cloudwarden.rules.base import Rule, RuleContext, Verdict
from cloudwarden.semantics.credentials import ROOT_USER
from cloudwarden.snapshot import (
    AccountSnapshot,
    ApiError,
    CredentialReport,
    CredentialReportRow,
    IamData,
    ScanInfo,
    Snapshot,
    VirtualMfaDevice,
)

ACCOUNT_ID = "123456789012"
OTHER_ACCOUNT_ID = "210987654321"
COLLECTED_AT = datetime(2025, 6, 15, 12, 0, 0, tzinfo=UTC)
"""When every hand-built snapshot was "collected": rules measure recency from here."""

ACCOUNT_CREATED = "2019-03-04T09:15:22+00:00"


def days_before(days: float, moment: datetime = COLLECTED_AT) -> str:
    """A timestamp `days` before `moment`, written the way the credential report writes them."""
    return (moment - timedelta(days=days)).isoformat()


def root_row(account_id: str = ACCOUNT_ID, **changes: str | None) -> CredentialReportRow:
    """The `<root_account>` row of an account whose root has a password, MFA, no keys, no recent use.

    As in AWS's report, the password columns that do not apply to root say `not_supported`.
    """
    values: dict[str, str | None] = {
        "arn": f"arn:aws:iam::{account_id}:root",
        "user_creation_time": ACCOUNT_CREATED,
        "password_enabled": "not_supported",
        "password_last_used": days_before(400),
        "password_last_changed": "not_supported",
        "mfa_active": "true",
        "access_key_1_active": "false",
        "access_key_1_last_rotated": "N/A",
        "access_key_1_last_used_date": "N/A",
        "access_key_2_active": "false",
        "access_key_2_last_rotated": "N/A",
        "access_key_2_last_used_date": "N/A",
        "cert_1_active": "false",
        "cert_2_active": "false",
    }
    values.update(changes)
    return CredentialReportRow(user=ROOT_USER, **values)


def user_row(name: str, account_id: str = ACCOUNT_ID, **changes: str | None) -> CredentialReportRow:
    """An IAM user's row: by default a user with no password, no MFA and no access keys."""
    return _user_row(name, account_id, changes)


def _user_row(name: str, account_id: str, changes: Mapping[str, str | None]) -> CredentialReportRow:
    values: dict[str, str | None] = {
        "arn": f"arn:aws:iam::{account_id}:user/{name}",
        "user_creation_time": "2023-01-10T08:00:00+00:00",
        "password_enabled": "false",
        "password_last_used": "N/A",
        "password_last_changed": "N/A",
        "mfa_active": "false",
        "access_key_1_active": "false",
        "access_key_1_last_rotated": "N/A",
        "access_key_1_last_used_date": "N/A",
        "access_key_2_active": "false",
        "access_key_2_last_rotated": "N/A",
        "access_key_2_last_used_date": "N/A",
        "cert_1_active": "false",
        "cert_2_active": "false",
    }
    values.update(changes)
    return CredentialReportRow(user=name, **values)


def console_user(name: str, mfa: bool, **changes: str | None) -> CredentialReportRow:
    """A user who signs in to the console with a password."""
    values: dict[str, str | None] = {
        "password_enabled": "true",
        "password_last_used": days_before(2),
        "password_last_changed": days_before(100),
        "mfa_active": "true" if mfa else "false",
    }
    values.update(changes)
    return _user_row(name, ACCOUNT_ID, values)


def key_user(name: str, mfa: bool, **changes: str | None) -> CredentialReportRow:
    """A user who holds only an active access key (a program's identity)."""
    values: dict[str, str | None] = {
        "mfa_active": "true" if mfa else "false",
        "access_key_1_active": "true",
        "access_key_1_last_rotated": days_before(60),
        "access_key_1_last_used_date": days_before(1),
    }
    values.update(changes)
    return _user_row(name, ACCOUNT_ID, values)


def credential_report(*rows: CredentialReportRow) -> CredentialReport:
    return CredentialReport(generated_time=days_before(0), rows=rows)


def account_summary(
    password: bool = True, mfa: bool = True, keys: bool = False, users: int = 0
) -> dict[str, int]:
    """A `GetAccountSummary` SummaryMap, with the root flags as 0/1 like AWS returns them. `users`
    (IAM users now) is 0 by default: no more than any credential report lists."""
    return {
        "AccessKeysPerUserQuota": 2,
        "AccountAccessKeysPresent": int(keys),
        "AccountMFAEnabled": int(mfa),
        "AccountPasswordPresent": int(password),
        "AccountSigningCertificatesPresent": 0,
        "Groups": 3,
        "GroupsQuota": 300,
        "MFADevices": 2,
        "MFADevicesInUse": 2,
        "Policies": 12,
        "PoliciesQuota": 1500,
        "Roles": 20,
        "RolesQuota": 1000,
        "ServerCertificates": 0,
        "Users": users,
        "UsersQuota": 5000,
    }


def virtual_mfa(
    user_arn: str | None, serial: str = "arn:aws:iam::123456789012:mfa/phone"
) -> VirtualMfaDevice:
    return VirtualMfaDevice(serial_number=serial, user_arn=user_arn, enable_date=days_before(300))


def api_error(
    operation: str,
    code: str = "AccessDenied",
    service: str = "iam",
    account_id: str = ACCOUNT_ID,
) -> ApiError:
    return ApiError(
        account=account_id,
        service=service,
        operation=operation,
        region="us-east-1",
        code=code,
        message=f"User: arn:aws:iam::{account_id}:user/auditor is not authorized to perform: "
        f"{service}:{operation}",
    )


STANDARD_SUMMARY: Mapping[str, int] = MappingProxyType(account_summary())
STANDARD_REPORT = credential_report(root_row())
CENTRALIZED_ROOT: Mapping[str, int] = MappingProxyType(account_summary(password=False, mfa=False, keys=False))
"""Root access managed by AWS Organizations: no password, no keys, hence no MFA either."""


def account(
    *,
    summary: Mapping[str, int] | None = STANDARD_SUMMARY,
    report: CredentialReport | None = STANDARD_REPORT,
    devices: tuple[VirtualMfaDevice, ...] | None = (),
    errors: Sequence[ApiError] = (),
    account_id: str = ACCOUNT_ID,
) -> AccountSnapshot:
    """An account's snapshot; pass None for data that could not be read."""
    return AccountSnapshot(
        account_id=account_id,
        regions=("us-east-1", "eu-west-1"),
        iam=IamData(
            credential_report=report,
            account_summary=None if summary is None else dict(summary),
            virtual_mfa_devices=devices,
        ),
        errors=tuple(errors),
    )


def snapshot(*accounts: AccountSnapshot, errors: Sequence[ApiError] = ()) -> Snapshot:
    return Snapshot(
        scan=ScanInfo(
            started_at=days_before(1 / 24),
            finished_at=COLLECTED_AT.isoformat(),
            tool_version="0.1.0",
        ),
        accounts=accounts,
        errors=tuple(errors),
    )


def context(recent_use_days: int = 90, collected_at: datetime = COLLECTED_AT) -> RuleContext:
    return RuleContext(
        config=Config(root=RootConfig(recent_use_days=recent_use_days)), collected_at=collected_at
    )


def run(rule: Rule, target: AccountSnapshot, rule_context: RuleContext | None = None) -> list[Verdict]:
    return list(rule.check(target, rule_context or context()))


def outcomes(verdicts: Sequence[Verdict]) -> set[tuple[Status, str]]:
    return {(verdict.status, verdict.resource.id) for verdict in verdicts}


def single(verdicts: Sequence[Verdict]) -> Verdict:
    """The only verdict of an account rule."""
    assert len(verdicts) == 1, verdicts
    return verdicts[0]


def make_rule(
    rule_id: str,
    check: Callable[[AccountSnapshot, RuleContext], Iterator[Verdict]],
    severity: Severity = Severity.HIGH,
) -> Rule:
    """A rule made for a test, around any check function."""
    return Rule(
        id=rule_id,
        section="Test",
        guideline=f"Guideline of {rule_id}",
        audited_upstream=False,
        severity=severity,
        resource_type="AWS::::Account",
        rationale="Why it matters.",
        remediation="How to fix it.",
        permissions=(),
        check=check,
    )


def severity_of(rule: Rule, verdict: Verdict) -> Severity:
    """The severity the finding will carry: the verdict's override, else the rule's default."""
    return verdict.severity or rule.severity


# --- S3 ---------------------------------------------------------------------------------------------
# Appended below the other builders; the imports they need are kept with them.

import json  # noqa: E402
from typing import Any  # noqa: E402

import msgspec  # noqa: E402

from cloudwarden.config import S3Config  # noqa: E402
from cloudwarden.snapshot import AclGrant, Bucket, PublicAccessBlock, S3Data  # noqa: E402

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
OWNER_CANONICAL_ID = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
OTHER_CANONICAL_ID = "be2fe74e7dc8125d8f8e8ae6d89d8e9d7cf55e2bd5f1a7ec9c0a0c0e1f7d3a41"
BUCKET_REGION = "eu-west-1"

ALL_BLOCKED = PublicAccessBlock(
    block_public_acls=True, ignore_public_acls=True, block_public_policy=True, restrict_public_buckets=True
)
"""All four Block Public Access settings on (the default of a bucket created since April 2023)."""


def owner_grant() -> AclGrant:
    """The grant every ACL starts with: FULL_CONTROL to the bucket owner."""
    return AclGrant(grantee_type="CanonicalUser", grantee=OWNER_CANONICAL_ID, permission="FULL_CONTROL")


def group_grant(uri: str, permission: str) -> AclGrant:
    """An ACL grant to a predefined group (AllUsers, AuthenticatedUsers, LogDelivery)."""
    return AclGrant(grantee_type="Group", grantee=uri, permission=permission)


def allow_statement(
    action: str | Sequence[str] = "s3:GetObject",
    *,
    sid: str | None = "PublicRead",
    principal: Any = "*",
    bucket: str = "example-bucket",
    condition: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An Allow statement on a bucket and its objects; open to anyone unless told otherwise."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": action if isinstance(action, str) else list(action),
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    }
    if sid is not None:
        statement = {"Sid": sid, **statement}
    if condition is not None:
        statement["Condition"] = dict(condition)
    return statement


def bucket_policy(*statements: Mapping[str, Any]) -> str:
    """A bucket policy's JSON text, as GetBucketPolicy returns it."""
    return json.dumps({"Version": "2012-10-17", "Statement": [dict(item) for item in statements]})


def s3_bucket(
    name: str,
    *,
    region: str | None = BUCKET_REGION,
    policy: str | None = None,
    policy_is_public: bool | None = None,
    grants: Sequence[AclGrant] | None = (),
    public_access_block: PublicAccessBlock | None = None,
    object_ownership: str | None = "ObjectWriter",
) -> Bucket:
    """A bucket with nothing that blocks public access: no policy, an ACL granting only its owner
    (plus `grants`; None: the ACL was not read), no Block Public Access, ACLs enabled."""
    return Bucket(
        name=name,
        created="2022-05-17T10:21:03+00:00",
        region=region,
        policy=policy,
        policy_is_public=policy_is_public,
        owner_id=OWNER_CANONICAL_ID,
        acl_grants=None if grants is None else (owner_grant(), *grants),
        public_access_block=public_access_block,
        object_ownership=object_ownership,
        tags={},
    )


def s3_api_error(
    operation: str, bucket: str | None = None, code: str = "AccessDenied", service: str = "s3"
) -> ApiError:
    """A failed S3 call; `bucket` is the bucket it was about (None for account-level calls)."""
    return ApiError(
        account=ACCOUNT_ID,
        service=service,
        operation=operation,
        region=BUCKET_REGION if bucket else "us-east-1",
        code=code,
        message=f"User: arn:aws:iam::{ACCOUNT_ID}:user/auditor is not authorized to perform: "
        f"{service}:{operation}",
        resource=bucket,
    )


def s3_account(
    *buckets: Bucket,
    listed: bool = True,
    account_block: PublicAccessBlock | None = None,
    errors: Sequence[ApiError] = (),
) -> AccountSnapshot:
    """An account holding `buckets` (`listed=False`: ListBuckets failed), with this account-level
    Block Public Access (None: none configured, or unreadable when `errors` say so)."""
    s3 = S3Data(buckets=buckets if listed else None, account_public_access_block=account_block)
    return msgspec.structs.replace(account(errors=errors), s3=s3)


def s3_context(*public_buckets: str) -> RuleContext:
    """A rule context whose configuration declares these bucket names or globs public."""
    return RuleContext(config=Config(s3=S3Config(public_buckets=public_buckets)), collected_at=COLLECTED_AT)


# --- CloudTrail -------------------------------------------------------------------------------------
# Appended below the other builders; the imports they need are kept with them.

from cloudwarden.config import CloudTrailConfig  # noqa: E402
from cloudwarden.snapshot import (  # noqa: E402
    AdvancedEventSelector,
    BucketOwnership,
    ClassicEventSelector,
    CloudTrailData,
    EventSelectors,
    FieldSelector,
    Organization,
    Trail,
    TrailStatus,
)

HOME_REGION = "us-east-1"
SECOND_REGION = "eu-west-1"
SCANNED_REGIONS = (HOME_REGION, SECOND_REGION)
"""The regions `account()` scans."""
ARCHIVE_ACCOUNT_ID = "444455556666"
"""The security account that owns the central CloudTrail archive."""
ARCHIVE_BUCKET = "security-cloudtrail-archive"
MANAGEMENT_ACCOUNT_ID = "111122223333"
ORGANIZATION = Organization(id="o-a1b2c3d4e5", management_account=MANAGEMENT_ACCOUNT_ID)
OWN_BUCKET = "app-assets"
"""The bucket every CloudTrail test account holds."""


def classic_selector(read_write_type: str = "All", management: bool = True) -> ClassicEventSelector:
    """A classic event selector as GetEventSelectors returns it (ReadWriteType, IncludeManagementEvents)."""
    return ClassicEventSelector(read_write_type=read_write_type, include_management_events=management)


def field_selector(
    name: str,
    *,
    equals: Sequence[str] = (),
    not_equals: Sequence[str] = (),
    starts_with: Sequence[str] = (),
    not_starts_with: Sequence[str] = (),
    ends_with: Sequence[str] = (),
    not_ends_with: Sequence[str] = (),
) -> FieldSelector:
    """One condition of an advanced event selector, on the field `name` (spelled as given)."""
    return FieldSelector(
        field=name,
        equals=tuple(equals),
        not_equals=tuple(not_equals),
        starts_with=tuple(starts_with),
        not_starts_with=tuple(not_starts_with),
        ends_with=tuple(ends_with),
        not_ends_with=tuple(not_ends_with),
    )


def advanced_selector(*fields: FieldSelector, name: str | None = None) -> AdvancedEventSelector:
    return AdvancedEventSelector(name=name, field_selectors=fields)


def management_category() -> FieldSelector:
    """`eventCategory` Equals `Management`: the condition every management selector starts with."""
    return field_selector("eventCategory", equals=["Management"])


ALL_MANAGEMENT_EVENTS = EventSelectors(classic=(classic_selector("All"),))
"""The selectors of a trail created with the defaults: management events, read and write."""


def trail_arn(name: str, account_id: str = ACCOUNT_ID, region: str = HOME_REGION) -> str:
    return f"arn:aws:cloudtrail:{region}:{account_id}:trail/{name}"


def trail(
    name: str = "main",
    *,
    account_id: str = ACCOUNT_ID,
    home_region: str = HOME_REGION,
    multi_region: bool = True,
    organization: bool = False,
    global_events: bool = True,
    bucket: str | None = ARCHIVE_BUCKET,
    logging: bool | None = True,
    delivery_error: str | None = None,
    selectors: EventSelectors | None = ALL_MANAGEMENT_EVENTS,
    log_file_validation: bool = True,
    kms_key_id: str | None = None,
    sns_topic_arn: str | None = None,
) -> Trail:
    """A trail with its status and selectors; by default a good one: multi-region, global service
    events, logging without error, all management events, delivered to the central archive.
    `logging=None`: GetTrailStatus could not be read; `selectors=None`: GetEventSelectors neither."""
    return Trail(
        arn=trail_arn(name, account_id, home_region),
        name=name,
        home_region=home_region,
        is_multi_region=multi_region,
        is_organization_trail=organization,
        include_global_service_events=global_events,
        s3_bucket=bucket,
        kms_key_id=kms_key_id,
        log_file_validation=log_file_validation,
        sns_topic_arn=sns_topic_arn,
        status=None
        if logging is None
        else TrailStatus(
            is_logging=logging,
            latest_delivery_error=delivery_error,
            latest_delivery_time="2025-06-15T11:55:02+00:00",
        ),
        selectors=selectors,
    )


def ownership(
    bucket: str = ARCHIVE_BUCKET,
    *,
    owner: str | None = None,
    exists: bool | None = None,
    refused: Sequence[str] = (ACCOUNT_ID,),
) -> BucketOwnership:
    """What HeadBucket with ExpectedBucketOwner said; by default S3 refused the check for this
    account (403) and nothing confirmed an owner."""
    return BucketOwnership(
        bucket=bucket,
        confirmed_owner=owner,
        exists=True if owner is not None and exists is None else exists,
        refused=tuple(refused),
    )


def cloudtrail_data(
    *trails: Trail,
    regions: Mapping[str, Sequence[str]] | None = None,
    organization: Organization | None = None,
    owners: Sequence[BucketOwnership] | None = None,
) -> CloudTrailData:
    """CloudTrail as collected. By default each scanned region lists the trails DescribeTrails shows
    there (multi-region trails, and single-region trails in their home region), and every
    destination bucket has the default `ownership()`."""
    if regions is None:
        regions = {
            region: [t.arn for t in trails if t.is_multi_region or t.home_region == region]
            for region in SCANNED_REGIONS
        }
    if owners is None:
        owners = [ownership(bucket) for bucket in sorted({t.s3_bucket for t in trails if t.s3_bucket})]
    return CloudTrailData(
        trails=trails,
        regions={region: tuple(arns) for region, arns in regions.items()},
        organization=organization,
        bucket_ownership=tuple(owners),
    )


def cloudtrail_api_error(
    operation: str,
    *,
    region: str = HOME_REGION,
    resource: str | None = None,
    code: str = "AccessDeniedException",
    service: str = "cloudtrail",
) -> ApiError:
    """A failed CloudTrail call; `resource` is the trail ARN it was about (None for DescribeTrails)."""
    return ApiError(
        account=ACCOUNT_ID,
        service=service,
        operation=operation,
        region=region,
        code=code,
        message=f"User: arn:aws:iam::{ACCOUNT_ID}:user/auditor is not authorized to perform: "
        f"{service}:{operation}",
        resource=resource,
    )


def cloudtrail_account(
    data: CloudTrailData | None,
    *,
    own_buckets: Sequence[str] | None = (OWN_BUCKET,),
    regions: Sequence[str] = SCANNED_REGIONS,
    errors: Sequence[ApiError] = (),
) -> AccountSnapshot:
    """An account scanned in `regions` with this CloudTrail data, holding `own_buckets`
    (None: ListBuckets failed)."""
    buckets = None if own_buckets is None else tuple(s3_bucket(name) for name in own_buckets)
    return msgspec.structs.replace(
        account(errors=errors), regions=tuple(regions), s3=S3Data(buckets=buckets), cloudtrail=data
    )


def cloudtrail_context(
    trusted_buckets: Sequence[str] = (), trusted_accounts: Sequence[str] = ()
) -> RuleContext:
    """A rule context whose configuration trusts these destination buckets (names or globs) and
    the buckets of these accounts."""
    settings = CloudTrailConfig(
        trusted_buckets=tuple(trusted_buckets), trusted_accounts=tuple(trusted_accounts)
    )
    return RuleContext(config=Config(cloudtrail=settings), collected_at=COLLECTED_AT)


# --- Security groups --------------------------------------------------------------------------------
# Appended below the other builders; the imports they need are kept with them.

from cloudwarden.config import SecurityGroupsConfig  # noqa: E402
from cloudwarden.snapshot import (  # noqa: E402
    Ec2Data,
    GroupPair,
    IpPermission,
    NetworkInterface,
    SecurityGroup,
    Vpc,
)

VPC_ID = "vpc-0a1b2c3d4e5f60718"
VPC_CIDR = "10.20.0.0/16"

ALL_TRAFFIC_TO_INTERNET = IpPermission(protocol="-1", ipv4_ranges=("0.0.0.0/0",))
"""The outbound rule AWS gives every new group: "All traffic to 0.0.0.0/0"."""


def permission(protocol: str, ports: int | tuple[int, int] | None = None, *peers: str) -> IpPermission:
    """One permission as DescribeSecurityGroups returns it. `ports` is a port or (from, to) for tcp and
    udp, (type, code) for icmp, None where AWS gives none ("-1", other protocol numbers). Each peer is
    sorted into its list by its form: `sg-…` a group of this account, `pl-…` a prefix list, a CIDR with
    a colon IPv6, any other CIDR IPv4."""
    low, high = (ports, ports) if isinstance(ports, int) else ports or (None, None)
    return IpPermission(
        protocol=protocol,
        from_port=low,
        to_port=high,
        ipv4_ranges=tuple(p for p in peers if not p.startswith(("sg-", "pl-")) and ":" not in p),
        ipv6_ranges=tuple(p for p in peers if not p.startswith(("sg-", "pl-")) and ":" in p),
        groups=tuple(GroupPair(group_id=p, user_id=ACCOUNT_ID) for p in peers if p.startswith("sg-")),
        prefix_lists=tuple(p for p in peers if p.startswith("pl-")),
    )


def security_group(
    group_id: str,
    name: str | None = None,
    *,
    ingress: Sequence[IpPermission] = (),
    egress: Sequence[IpPermission] = (ALL_TRAFFIC_TO_INTERNET,),
    region: str = HOME_REGION,
    vpc_id: str | None = VPC_ID,
    tags: Mapping[str, str] | None = None,
) -> SecurityGroup:
    """A group of this account; by default as AWS creates it: no inbound rule, all traffic out."""
    return SecurityGroup(
        id=group_id,
        name=name or f"group-{group_id[-4:]}",
        region=region,
        vpc_id=vpc_id,
        owner_id=ACCOUNT_ID,
        description=f"Group {name or group_id}",
        tags=dict(tags or {}),
        ingress=tuple(ingress),
        egress=tuple(egress),
    )


def default_group(group_id: str, *, region: str = HOME_REGION, vpc_id: str = VPC_ID) -> SecurityGroup:
    """A VPC's "default" group as AWS creates it: all traffic from itself in, all traffic out."""
    return security_group(
        group_id, "default", ingress=[permission("-1", None, group_id)], region=region, vpc_id=vpc_id
    )


def network_interface(
    interface_id: str, *group_ids: str, region: str = HOME_REGION, attached_to: str | None = None
) -> NetworkInterface:
    """An interface carrying `group_ids`, attached to an instance (named after the interface by default)."""
    return NetworkInterface(
        id=interface_id,
        region=region,
        group_ids=group_ids,
        vpc_id=VPC_ID,
        interface_type="interface",
        attached_to=attached_to or f"i-{interface_id.removeprefix('eni-')}",
        description=None,
    )


def own_interface(group: SecurityGroup) -> NetworkInterface:
    """The interface of an instance that carries only `group` (`eni-` followed by the group's suffix)."""
    return network_interface(f"eni-{group.id.removeprefix('sg-')}", group.id, region=group.region)


def ec2_api_error(operation: str, region: str = HOME_REGION, code: str = "UnauthorizedOperation") -> ApiError:
    """A failed EC2 call in `region`."""
    return ApiError(
        account=ACCOUNT_ID,
        service="ec2",
        operation=operation,
        region=region,
        code=code,
        message="You are not authorized to perform this operation.",
    )


def ec2_account(
    *groups: SecurityGroup,
    interfaces: Sequence[NetworkInterface] | None = None,
    vpcs: Sequence[Vpc] = (Vpc(id=VPC_ID, region=HOME_REGION, cidrs=(VPC_CIDR,)),),
    errors: Sequence[ApiError] = (),
) -> AccountSnapshot:
    """An account scanned in `SCANNED_REGIONS` holding these groups. `interfaces=None`: each group
    is on an interface of its own (`own_interface`); pass `()` for groups attached to nothing."""
    if interfaces is None:
        interfaces = [own_interface(group) for group in groups]
    data = Ec2Data(security_groups=groups, network_interfaces=tuple(interfaces), vpcs=tuple(vpcs))
    return msgspec.structs.replace(account(errors=errors), ec2=data)


def sg_context(
    internet_egress_groups: Sequence[str] = (),
    public_ports: Sequence[int] | None = None,
    max_port_range: int | None = None,
) -> RuleContext:
    """A rule context with these security_groups settings (None: the default)."""
    settings = SecurityGroupsConfig(internet_egress_groups=tuple(internet_egress_groups))
    if public_ports is not None:
        settings = msgspec.structs.replace(settings, public_ports=tuple(public_ports))
    if max_port_range is not None:
        settings = msgspec.structs.replace(settings, max_port_range=max_port_range)
    return RuleContext(config=Config(security_groups=settings), collected_at=COLLECTED_AT)


# --- Route53 ----------------------------------------------------------------------------------------
# Appended below the other builders; the imports they need are kept with them.

from cloudwarden.snapshot import (  # noqa: E402
    Distribution,
    HostedZone,
    LiveCheck,
    RecordSet,
    Route53Data,
)

ZONE_ID = "Z04117183JQ3EXAMPLE1"
ZONE_NAME = "example.com"
ZONE_SERVERS = (
    "ns-1142.awsdns-14.org",
    "ns-1977.awsdns-55.co.uk",
    "ns-294.awsdns-36.com",
    "ns-731.awsdns-27.net",
)
"""The delegation set Route53 gave the zone example.com (lower case, no final dot, as collected)."""

AWS_RANGES = ("52.94.76.0/22", "54.239.0.0/17", "2600:1f18::/36")
"""A few prefixes of AWS's ip-ranges.json."""
AWS_ADDRESS = "54.239.28.85"
"""An address inside `AWS_RANGES`."""
AWS_ADDRESS_V6 = "2600:1f18:4a3:6900::1c"
"""An IPv6 address inside `AWS_RANGES`."""
OUTSIDE_AWS_ADDRESS = "185.199.108.153"
"""A public address outside `AWS_RANGES` (a GitHub Pages server)."""


def hosted_zone(
    name: str = ZONE_NAME,
    zone_id: str = ZONE_ID,
    *,
    private: bool = False,
    name_servers: Sequence[str] | None = ZONE_SERVERS,
) -> HostedZone:
    """A hosted zone as collected. A private zone has no delegation set: its name servers are never
    read (None)."""
    return HostedZone(
        id=zone_id,
        name=name,
        private=private,
        name_servers=None if private or name_servers is None else tuple(name_servers),
    )


ZONE = hosted_zone()
"""The public zone example.com, with `ZONE_SERVERS`."""


def record_set(
    name: str, record_type: str, *values: str, zone_id: str = ZONE_ID, set_identifier: str | None = None
) -> RecordSet:
    """A plain record set of `zone_id` (names and CNAME/NS values lower case without final dot, as
    collected)."""
    return RecordSet(
        zone_id=zone_id, name=name, type=record_type, set_identifier=set_identifier, values=values
    )


def alias_record(
    name: str,
    target: str,
    target_zone: str,
    *,
    record_type: str = "A",
    zone_id: str = ZONE_ID,
    set_identifier: str | None = None,
) -> RecordSet:
    """An alias record to `target`, whose hosted zone id (AliasTarget.HostedZoneId) is `target_zone`."""
    return RecordSet(
        zone_id=zone_id,
        name=name,
        type=record_type,
        set_identifier=set_identifier,
        alias_target=target,
        alias_zone=target_zone,
    )


def route53_data(
    *records: RecordSet,
    zones: Sequence[HostedZone] = (ZONE,),
    elastic_ips: Sequence[str] | None = (),
    interface_ips: Sequence[str] | None = (),
    distributions: Sequence[Distribution] | None = (),
    load_balancers: Sequence[str] | None = (),
    beanstalk_cnames: Sequence[str] | None = (),
    api_ids: Sequence[str] | None = (),
    beanstalk_available: Mapping[str, bool] | None = None,
    aws_ranges: Sequence[str] | None = AWS_RANGES,
    live: Sequence[LiveCheck] | None = None,
    bucket_ownership: Sequence[BucketOwnership] = (),
) -> Route53Data:
    """DNS as collected: by default the zone example.com, an inventory that holds nothing, AWS's
    ranges known and live checks off. None for inventory that could not be read."""

    def optional(values: Sequence[str] | None) -> tuple[str, ...] | None:
        return None if values is None else tuple(values)

    return Route53Data(
        zones=tuple(zones),
        records=records,
        elastic_ips=optional(elastic_ips),
        interface_ips=optional(interface_ips),
        distributions=None if distributions is None else tuple(distributions),
        load_balancers=optional(load_balancers),
        beanstalk_cnames=optional(beanstalk_cnames),
        api_ids=optional(api_ids),
        beanstalk_available=dict(beanstalk_available or {}),
        aws_ranges=optional(aws_ranges),
        live=None if live is None else tuple(live),
        bucket_ownership=tuple(bucket_ownership),
    )


def route53_account(
    data: Route53Data | None,
    *,
    own_buckets: Sequence[str] | None = (),
    errors: Sequence[ApiError] = (),
    account_id: str = ACCOUNT_ID,
    interfaces: Sequence[NetworkInterface] = (),
) -> AccountSnapshot:
    """An account with this DNS data (None: DNS was not collected), holding `own_buckets`
    (None: ListBuckets failed) and the network `interfaces`."""
    buckets = None if own_buckets is None else tuple(s3_bucket(name) for name in own_buckets)
    return msgspec.structs.replace(
        account(errors=errors, account_id=account_id),
        s3=S3Data(buckets=buckets),
        ec2=Ec2Data(network_interfaces=tuple(interfaces)) if interfaces else None,
        route53=data,
    )


def route53_api_error(
    service: str,
    operation: str,
    *,
    resource: str | None = None,
    region: str = "us-east-1",
    code: str = "AccessDenied",
) -> ApiError:
    """A failed call of the DNS collection (`resource`: the zone id or name it was about)."""
    return ApiError(
        account=ACCOUNT_ID,
        service=service,
        operation=operation,
        region=region,
        code=code,
        message=f"User: arn:aws:iam::{ACCOUNT_ID}:user/auditor is not authorized to perform: "
        f"{service}:{operation}",
        resource=resource,
    )


def live_check(
    record: str,
    target: str,
    *,
    service: str | None = None,
    nxdomain: bool | None = False,
    http_status: int | None = 200,
    fingerprint_matched: bool = False,
    delegation_refused: bool | None = None,
    error: str | None = None,
) -> LiveCheck:
    """What live probing found for the record set with id `record`; by default the target resolves
    and answers 200 with no "unclaimed" page."""
    return LiveCheck(
        record=record,
        target=target,
        service=service,
        nxdomain=nxdomain,
        http_status=http_status,
        fingerprint_matched=fingerprint_matched,
        delegation_refused=delegation_refused,
        error=error,
    )
