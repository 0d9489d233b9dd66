"""CloudTrail: which trails apply to each scanned region, their status, selectors and destination.

- `DescribeTrails` with shadow trails, once per scanned region: it lists every trail that applies
  there (multi-region trails of other home regions, organisation trails of the management account);
- `GetTrailStatus` and `GetEventSelectors` once per distinct trail, in its home region;
- `DescribeOrganization`: whether the account is in an organisation (and which account manages it);
- `HeadBucket` with `ExpectedBucketOwner` for each destination bucket, against this account and the
  trusted accounts, to learn who owns it without needing access to its contents.
"""

from __future__ import annotations

from concurrent.futures import Executor
from datetime import datetime
from typing import Any

from cloudwarden.collect.context import AccountContext, absent_when
from cloudwarden.collect.s3 import bucket_ownership
from cloudwarden.snapshot import (
    AdvancedEventSelector,
    ClassicEventSelector,
    CloudTrailData,
    EventSelectors,
    FieldSelector,
    Organization,
    Trail,
    TrailStatus,
)

SERVICE = "cloudtrail"
NOT_IN_ORGANIZATION = frozenset({"AWSOrganizationsNotInUseException"})


def collect_cloudtrail(
    context: AccountContext, pool: Executor, regions: tuple[str, ...], trusted_accounts: tuple[str, ...]
) -> CloudTrailData:
    organization = pool.submit(
        context.attempt,
        "organizations",
        "DescribeOrganization",
        context.session.home_region,
        lambda: _organization(context),
    )
    listings = {
        region: pool.submit(
            context.attempt,
            SERVICE,
            "DescribeTrails",
            region,
            lambda region=region: _describe(context, region),
        )
        for region in regions
    }
    described: dict[str, dict[str, Any]] = {}
    by_region: dict[str, tuple[str, ...]] = {}
    for region, future in listings.items():
        trails = future.result()
        if trails is None:
            continue
        by_region[region] = tuple(trail["TrailARN"] for trail in trails)
        for trail in trails:
            described.setdefault(trail["TrailARN"], trail)
    details = {arn: pool.submit(_trail, context, trail) for arn, trail in described.items()}
    buckets = sorted(
        {str(trail["S3BucketName"]) for trail in described.values() if trail.get("S3BucketName")}
    )
    owners = (context.account_id, *(account for account in trusted_accounts if account != context.account_id))
    ownership = [pool.submit(bucket_ownership, context, bucket, owners) for bucket in buckets]
    return CloudTrailData(
        trails=tuple(details[arn].result() for arn in sorted(details)),
        regions=by_region,
        organization=organization.result(),
        bucket_ownership=tuple(future.result() for future in ownership),
    )


def _organization(context: AccountContext) -> Organization | None:
    client = context.session.client("organizations")
    answer = absent_when(NOT_IN_ORGANIZATION, client.describe_organization)
    if answer is None:
        return None
    details = answer["Organization"]
    return Organization(id=str(details["Id"]), management_account=str(details["MasterAccountId"]))


def _describe(context: AccountContext, region: str) -> list[dict[str, Any]]:
    answer = context.session.client(SERVICE, region).describe_trails(includeShadowTrails=True)
    return list(answer.get("trailList", []))


def _trail(context: AccountContext, described: dict[str, Any]) -> Trail:
    arn = str(described["TrailARN"])
    home = str(described.get("HomeRegion") or arn.split(":")[3])
    client = context.session.client(SERVICE, home)
    status = context.attempt(
        SERVICE, "GetTrailStatus", home, lambda: _status(client.get_trail_status(Name=arn)), resource=arn
    )
    selectors = context.attempt(
        SERVICE,
        "GetEventSelectors",
        home,
        lambda: _selectors(client.get_event_selectors(TrailName=arn)),
        resource=arn,
    )
    return Trail(
        arn=arn,
        name=str(described.get("Name", arn.rsplit("/", 1)[-1])),
        home_region=home,
        is_multi_region=bool(described.get("IsMultiRegionTrail", False)),
        is_organization_trail=bool(described.get("IsOrganizationTrail", False)),
        include_global_service_events=bool(described.get("IncludeGlobalServiceEvents", False)),
        s3_bucket=described.get("S3BucketName"),
        s3_key_prefix=described.get("S3KeyPrefix"),
        kms_key_id=described.get("KmsKeyId"),
        log_file_validation=bool(described.get("LogFileValidationEnabled", False)),
        sns_topic_arn=described.get("SnsTopicARN"),
        status=status,
        selectors=selectors,
    )


def _status(answer: dict[str, Any]) -> TrailStatus:
    delivered = answer.get("LatestDeliveryTime")
    return TrailStatus(
        is_logging=bool(answer.get("IsLogging", False)),
        latest_delivery_error=answer.get("LatestDeliveryError") or None,
        latest_delivery_time=delivered.isoformat() if isinstance(delivered, datetime) else None,
    )


def _selectors(answer: dict[str, Any]) -> EventSelectors:
    classic = tuple(
        ClassicEventSelector(
            read_write_type=str(selector.get("ReadWriteType", "All")),
            include_management_events=bool(selector.get("IncludeManagementEvents", True)),
        )
        for selector in answer.get("EventSelectors") or []
    )
    advanced = tuple(
        AdvancedEventSelector(
            name=selector.get("Name"),
            field_selectors=tuple(
                FieldSelector(
                    field=str(field["Field"]),
                    equals=tuple(field.get("Equals", ())),
                    not_equals=tuple(field.get("NotEquals", ())),
                    starts_with=tuple(field.get("StartsWith", ())),
                    not_starts_with=tuple(field.get("NotStartsWith", ())),
                    ends_with=tuple(field.get("EndsWith", ())),
                    not_ends_with=tuple(field.get("NotEndsWith", ())),
                )
                for field in selector.get("FieldSelectors", [])
            ),
        )
        for selector in answer.get("AdvancedEventSelectors") or []
    )
    return EventSelectors(classic=classic, advanced=advanced)
