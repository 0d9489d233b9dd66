"""S3: every bucket's access settings, and the account's Block Public Access.

Buckets are read in parallel on the account's bounded pool, each in its own region. "No policy",
"no Block Public Access" and "no ownership controls" are answers (None), not errors; any other
failure (AccessDenied above all) is recorded against the bucket, and the rule then says UNKNOWN for
it. A bucket's tags are not read: no rule uses them. `bucket_ownership` asks S3 who owns a bucket of
another account (a trail's destination, a bucket a DNS record serves) without needing access to it.
"""

from __future__ import annotations

from concurrent.futures import Executor
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from cloudwarden.collect.context import CALL_FAILURES, AccountContext, absent_when, error_code

if TYPE_CHECKING:
    from cloudwarden.collect import Progress
from cloudwarden.snapshot import AclGrant, Bucket, BucketOwnership, PublicAccessBlock, S3Data

SERVICE = "s3"
CONTROL_SERVICE = "s3control"

NO_POLICY = frozenset({"NoSuchBucketPolicy"})
NO_PUBLIC_ACCESS_BLOCK = frozenset({"NoSuchPublicAccessBlockConfiguration"})
NO_OWNERSHIP_CONTROLS = frozenset({"OwnershipControlsNotFoundError"})


def collect_s3(context: AccountContext, pool: Executor, progress: Progress) -> S3Data:
    home = context.session.home_region
    account_block = pool.submit(
        context.attempt,
        CONTROL_SERVICE,
        "GetPublicAccessBlock",
        home,
        lambda: _account_public_access_block(context),
    )
    listed = context.attempt(SERVICE, "ListBuckets", home, lambda: _list_buckets(context))
    buckets = None
    if listed is not None:
        progress.step("s3", len(listed))

        def read(name: str, created: str | None) -> Bucket:
            bucket = _bucket(context, name, created)
            progress.advance("s3")
            return bucket

        futures = [pool.submit(read, name, created) for name, created in listed]
        buckets = tuple(future.result() for future in futures)
    return S3Data(buckets=buckets, account_public_access_block=account_block.result())


def _list_buckets(context: AccountContext) -> list[tuple[str, str | None]]:
    paginator = context.session.client(SERVICE).get_paginator("list_buckets")
    buckets = []
    for page in paginator.paginate():
        for entry in page.get("Buckets", []):
            created = entry.get("CreationDate")
            buckets.append((entry["Name"], created.isoformat() if isinstance(created, datetime) else None))
    return buckets


def _public_access_block(answer: dict[str, Any]) -> PublicAccessBlock:
    settings = answer.get("PublicAccessBlockConfiguration", {})
    return PublicAccessBlock(
        block_public_acls=bool(settings.get("BlockPublicAcls", False)),
        ignore_public_acls=bool(settings.get("IgnorePublicAcls", False)),
        block_public_policy=bool(settings.get("BlockPublicPolicy", False)),
        restrict_public_buckets=bool(settings.get("RestrictPublicBuckets", False)),
    )


def _account_public_access_block(context: AccountContext) -> PublicAccessBlock | None:
    client = context.session.client(CONTROL_SERVICE)
    answer = absent_when(
        NO_PUBLIC_ACCESS_BLOCK, lambda: client.get_public_access_block(AccountId=context.account_id)
    )
    return None if answer is None else _public_access_block(answer)


def _region_of(location: dict[str, Any]) -> str:
    """GetBucketLocation's answer as a region: none means us-east-1, the legacy "EU" eu-west-1."""
    constraint = location.get("LocationConstraint")
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else str(constraint)


def _bucket(context: AccountContext, name: str, created: str | None) -> Bucket:
    home = context.session.home_region

    def attempt(operation: str, region: str, read: Any) -> Any:
        return context.attempt(SERVICE, operation, region, read, resource=name)

    location = attempt(
        "GetBucketLocation", home, lambda: context.session.client(SERVICE).get_bucket_location(Bucket=name)
    )
    region = _region_of(location) if location is not None else None
    s3 = context.session.client(SERVICE, region or home)
    where = region or home

    policy = attempt(
        "GetBucketPolicy", where, lambda: absent_when(NO_POLICY, lambda: s3.get_bucket_policy(Bucket=name))
    )
    status = attempt(
        "GetBucketPolicyStatus",
        where,
        lambda: absent_when(NO_POLICY, lambda: s3.get_bucket_policy_status(Bucket=name)),
    )
    acl = attempt("GetBucketAcl", where, lambda: s3.get_bucket_acl(Bucket=name))
    block = attempt(
        "GetPublicAccessBlock",
        where,
        lambda: absent_when(NO_PUBLIC_ACCESS_BLOCK, lambda: s3.get_public_access_block(Bucket=name)),
    )
    ownership = attempt(
        "GetBucketOwnershipControls",
        where,
        lambda: absent_when(NO_OWNERSHIP_CONTROLS, lambda: s3.get_bucket_ownership_controls(Bucket=name)),
    )
    return Bucket(
        name=name,
        created=created,
        region=region,
        policy=None if policy is None else policy.get("Policy"),
        policy_is_public=None if status is None else status.get("PolicyStatus", {}).get("IsPublic"),
        owner_id=None if acl is None else acl.get("Owner", {}).get("ID"),
        acl_grants=None if acl is None else tuple(_grant(grant) for grant in acl.get("Grants", [])),
        public_access_block=None if block is None else _public_access_block(block),
        object_ownership=None if ownership is None else _ownership(ownership),
    )


def _grant(grant: dict[str, Any]) -> AclGrant:
    grantee = grant.get("Grantee", {})
    kind = str(grantee.get("Type", "Unknown"))
    identity = grantee.get("URI") or grantee.get("ID") or grantee.get("EmailAddress")
    return AclGrant(grantee_type=kind, grantee=identity, permission=str(grant.get("Permission", "")))


def _ownership(answer: dict[str, Any]) -> str | None:
    rules = answer.get("OwnershipControls", {}).get("Rules", [])
    return str(rules[0].get("ObjectOwnership")) if rules else None


def bucket_ownership(context: AccountContext, bucket: str, candidates: tuple[str, ...]) -> BucketOwnership:
    """Ask S3 whether each candidate account owns `bucket`; stop at the first that does.

    200 confirms the owner; 404 says the bucket does not exist (anyone may create it); 403 means
    either another owner or no permission to ask, which S3 does not tell apart.
    """
    client = context.session.client("s3")
    refused: list[str] = []
    for account in candidates:
        try:
            client.head_bucket(Bucket=bucket, ExpectedBucketOwner=account)
        except CALL_FAILURES as error:
            code = error_code(error) if isinstance(error, ClientError) else None
            if code in ("404", "NoSuchBucket"):
                return BucketOwnership(bucket=bucket, exists=False, refused=tuple(refused))
            if code in ("403", "AccessDenied"):
                refused.append(account)
                continue
            context.record_failure("s3", "HeadBucket", context.session.home_region, error, bucket)
            return BucketOwnership(bucket=bucket, refused=tuple(refused))
        return BucketOwnership(bucket=bucket, confirmed_owner=account, exists=True, refused=tuple(refused))
    return BucketOwnership(bucket=bucket, refused=tuple(refused))
