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


def account_summary(password: bool = True, mfa: bool = True, keys: bool = False) -> dict[str, int]:
    """A `GetAccountSummary` SummaryMap, with the root flags as 0/1 like AWS returns them."""
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
        "Users": 4,
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
