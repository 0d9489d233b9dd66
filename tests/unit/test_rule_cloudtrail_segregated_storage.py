"""The rule cloudtrail-segregated-storage on hand-built snapshots: one exact verdict per account.

Every scanned region must be covered by a trail that applies there (multi-region, or its home
region), logs without delivery error, records management write events and delivers to a trusted
bucket outside the account; one covering trail must include global service events. Unreadable data
makes the verdict UNKNOWN unless the known data already decides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import msgspec

from cloudwarden.findings import Severity, Status, UnknownCause
from cloudwarden.rules.base import Verdict
from cloudwarden.rules.cloudtrail_segregated_storage import CLOUDTRAIL_SEGREGATED_STORAGE
from cloudwarden.semantics.inventory import OrganisationInventory
from cloudwarden.snapshot import AccountSnapshot, ApiError, CloudTrailData, Collection, EventSelectors

from .builders import (
    ACCOUNT_ID,
    ARCHIVE_ACCOUNT_ID,
    ARCHIVE_BUCKET,
    HOME_REGION,
    MANAGEMENT_ACCOUNT_ID,
    ORGANIZATION,
    OTHER_ACCOUNT_ID,
    OWN_BUCKET,
    SCANNED_REGIONS,
    SECOND_REGION,
    advanced_selector,
    api_error,
    classic_selector,
    cloudtrail_account,
    cloudtrail_api_error,
    cloudtrail_context,
    cloudtrail_data,
    field_selector,
    outcomes,
    ownership,
    run,
    s3_api_error,
    severity_of,
    single,
    trail,
    trail_arn,
)

MAIN_ARN = trail_arn("main")
KMS_KEY = f"arn:aws:kms:{HOME_REGION}:{ARCHIVE_ACCOUNT_ID}:key/8d3e1f4a-5b6c-4d7e-8f90-a1b2c3d4e5f6"
SNS_TOPIC = f"arn:aws:sns:{HOME_REGION}:{ACCOUNT_ID}:cloudtrail-delivery"
GLOBAL_EVENTS_MISSING = "no covering trail includes global service events (IAM, STS, CloudFront)"
ARCHIVE_UNCONFIRMED = f"{ARCHIVE_BUCKET} (owner not confirmed)"
ARCHIVE_CONFIRMED = f"{ARCHIVE_BUCKET} (owner {ARCHIVE_ACCOUNT_ID} confirmed)"
UNVERIFIED_WARNING = (
    f"{ARCHIVE_BUCKET} is outside this account but the destination is unverified: configure "
    "cloudtrail.trusted_buckets or cloudtrail.trusted_accounts"
)


def check(
    data: CloudTrailData | None,
    *,
    trusted_buckets: Sequence[str] = (),
    trusted_accounts: Sequence[str] = (),
    own_buckets: Sequence[str] | None = (OWN_BUCKET,),
    regions: Sequence[str] = SCANNED_REGIONS,
    errors: Sequence[ApiError] = (),
) -> list[Verdict]:
    """The rule's verdicts on an account scanned in `regions` with this CloudTrail data."""
    target = cloudtrail_account(data, own_buckets=own_buckets, regions=regions, errors=errors)
    return run(CLOUDTRAIL_SEGREGATED_STORAGE, target, cloudtrail_context(trusted_buckets, trusted_accounts))


def severity(verdict: Verdict) -> Severity:
    return severity_of(CLOUDTRAIL_SEGREGATED_STORAGE, verdict)


def covered(*names: str) -> dict[str, object]:
    """A region's evidence when every listed trail applies there and covers it."""
    return {"covered": True, "covered_by": list(names), "trails": {name: [] for name in names}}


def test_the_rule_reads_trails_and_buckets_and_exactly_these_actions() -> None:
    """The account's own buckets (S3) tell a destination in this account from one outside it."""
    assert CLOUDTRAIL_SEGREGATED_STORAGE.needs == {Collection.CLOUDTRAIL, Collection.S3}
    assert set(CLOUDTRAIL_SEGREGATED_STORAGE.permissions) == {
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
        "cloudtrail:GetEventSelectors",
        "organizations:DescribeOrganization",
        "s3:ListBucket",
        "s3:ListAllMyBuckets",
        "ec2:DescribeRegions",
    }


# --- PASS -------------------------------------------------------------------------------------------


def test_multi_region_trail_to_a_trusted_bucket_passes() -> None:
    data = cloudtrail_data(trail(kms_key_id=KMS_KEY, sns_topic_arn=SNS_TOPIC))
    verdicts = check(data, trusted_buckets=[ARCHIVE_BUCKET])
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert verdict.message == (
        f"all 2 scanned regions ship logs to segregated storage: main -> {ARCHIVE_UNCONFIRMED}"
    )
    assert verdict.resource.type == "AWS::::Account"
    assert verdict.resource.arn == f"arn:aws:iam::{ACCOUNT_ID}:root"
    assert verdict.region == "global"
    assert verdict.evidence["regions"] == {HOME_REGION: covered("main"), SECOND_REGION: covered("main")}
    assert verdict.evidence["trails"] == {
        MAIN_ARN: {
            "name": "main",
            "home_region": HOME_REGION,
            "multi_region": True,
            "organization_trail": False,
            "owner_account": ACCOUNT_ID,
            "bucket": ARCHIVE_BUCKET,
            "destination": ARCHIVE_UNCONFIRMED,
            "logging": True,
            "latest_delivery_error": None,
            "global_service_events": True,
            "log_file_validation": True,
            "kms_key_id": KMS_KEY,
            "sns_topic_arn": SNS_TOPIC,
            "misses": [],
            "unknown": [],
        }
    }
    assert verdict.evidence["warnings"] == []
    assert verdict.evidence["trusted_buckets"] == [ARCHIVE_BUCKET]
    assert verdict.evidence["trusted_accounts"] == []
    assert verdict.evidence["organization"] is None


def test_trusted_bucket_glob_passes() -> None:
    verdicts = check(cloudtrail_data(trail()), trusted_buckets=["other-archive", "security-cloudtrail-*"])
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    assert single(verdicts).evidence["warnings"] == []


def test_trusted_bucket_glob_is_case_sensitive() -> None:
    verdicts = check(cloudtrail_data(trail()), trusted_buckets=["Security-CloudTrail-*"])
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    assert "untrusted bucket" in single(verdicts).message


def test_bucket_confirmed_to_belong_to_a_trusted_account_passes() -> None:
    data = cloudtrail_data(trail(), owners=[ownership(owner=ARCHIVE_ACCOUNT_ID)])
    verdicts = check(data, trusted_accounts=[ARCHIVE_ACCOUNT_ID])
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert verdict.message == (
        f"all 2 scanned regions ship logs to segregated storage: main -> {ARCHIVE_CONFIRMED}"
    )
    assert verdict.evidence["trails"][MAIN_ARN]["destination"] == ARCHIVE_CONFIRMED
    assert verdict.evidence["trusted_accounts"] == [ARCHIVE_ACCOUNT_ID]
    assert verdict.evidence["warnings"] == []


def test_foreign_bucket_without_trust_lists_passes_with_an_unverified_warning() -> None:
    verdicts = check(cloudtrail_data(trail()))
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert verdict.message == (
        f"all 2 scanned regions ship logs to segregated storage: main -> {ARCHIVE_UNCONFIRMED}"
        f"; warning: {UNVERIFIED_WARNING}"
    )
    assert verdict.evidence["warnings"] == [UNVERIFIED_WARNING]
    assert verdict.evidence["trails"][MAIN_ARN]["destination"] == ARCHIVE_UNCONFIRMED


def test_log_validation_kms_and_sns_are_recorded_without_failing() -> None:
    data = cloudtrail_data(trail(log_file_validation=False, kms_key_id=None, sns_topic_arn=None))
    verdicts = check(data, trusted_buckets=[ARCHIVE_BUCKET])
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    evidence = single(verdicts).evidence["trails"][MAIN_ARN]
    assert evidence["log_file_validation"] is False
    assert evidence["kms_key_id"] is None
    assert evidence["sns_topic_arn"] is None
    assert evidence["misses"] == []


def test_organisation_trail_seen_from_a_member_account_passes() -> None:
    org_trail = trail("org-trail", account_id=MANAGEMENT_ACCOUNT_ID, organization=True)
    org_arn = trail_arn("org-trail", MANAGEMENT_ACCOUNT_ID)
    data = cloudtrail_data(org_trail, organization=ORGANIZATION, owners=[ownership(owner=ARCHIVE_ACCOUNT_ID)])
    verdicts = check(data, trusted_accounts=[ARCHIVE_ACCOUNT_ID])
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert verdict.message == (
        f"all 2 scanned regions ship logs to segregated storage: org-trail -> {ARCHIVE_CONFIRMED}"
    )
    assert verdict.evidence["regions"] == {
        HOME_REGION: covered("org-trail"),
        SECOND_REGION: covered("org-trail"),
    }
    trail_evidence = verdict.evidence["trails"][org_arn]
    assert trail_evidence["organization_trail"] is True
    assert trail_evidence["owner_account"] == MANAGEMENT_ACCOUNT_ID
    assert verdict.evidence["organization"] == {
        "id": "o-a1b2c3d4e5",
        "management_account": MANAGEMENT_ACCOUNT_ID,
    }


def test_one_bad_and_one_good_trail_in_a_region_cover_it() -> None:
    local = trail("local", multi_region=False, bucket=OWN_BUCKET)
    data = cloudtrail_data(local, trail())
    verdicts = check(data, trusted_buckets=[ARCHIVE_BUCKET])
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert verdict.message == (
        f"all 2 scanned regions ship logs to segregated storage: main -> {ARCHIVE_UNCONFIRMED}"
    )
    assert verdict.evidence["regions"][HOME_REGION] == {
        "covered": True,
        "covered_by": ["main"],
        "trails": {"local": [f"own bucket: delivers to {OWN_BUCKET}, in this account"], "main": []},
    }
    assert verdict.evidence["regions"][SECOND_REGION]["covered"] is True
    assert verdict.evidence["regions"][SECOND_REGION]["covered_by"] == ["main"]
    assert verdict.evidence["trails"][trail_arn("local")]["misses"] == [
        f"own bucket: delivers to {OWN_BUCKET}, in this account"
    ]


def test_single_region_trails_in_every_scanned_region_pass() -> None:
    east = trail("east", multi_region=False)
    west = trail("west", home_region=SECOND_REGION, multi_region=False, global_events=False)
    verdicts = check(cloudtrail_data(east, west), trusted_buckets=[ARCHIVE_BUCKET])
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    regions = single(verdicts).evidence["regions"]
    assert regions[HOME_REGION]["covered_by"] == ["east"]
    assert regions[SECOND_REGION]["covered_by"] == ["west"]


def test_management_events_from_advanced_selectors_pass() -> None:
    selectors = EventSelectors(
        advanced=(
            advanced_selector(
                field_selector("eventCategory", equals=["Management"]),
                field_selector("eventSource", not_equals=["kms.amazonaws.com"]),
                name="Log all management events but KMS",
            ),
        )
    )
    verdicts = check(cloudtrail_data(trail(selectors=selectors)), trusted_buckets=[ARCHIVE_BUCKET])
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}


def test_write_only_management_events_pass() -> None:
    selectors = EventSelectors(classic=(classic_selector("WriteOnly"),))
    verdicts = check(cloudtrail_data(trail(selectors=selectors)), trusted_buckets=[ARCHIVE_BUCKET])
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}


def test_unreadable_own_buckets_do_not_matter_when_a_trusted_owner_is_confirmed() -> None:
    data = cloudtrail_data(trail(), owners=[ownership(owner=ARCHIVE_ACCOUNT_ID)])
    verdicts = check(
        data,
        trusted_accounts=[ARCHIVE_ACCOUNT_ID],
        own_buckets=None,
        errors=[s3_api_error("ListBuckets")],
    )
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}


def test_unreadable_trail_does_not_matter_when_another_applying_trail_is_good() -> None:
    other = trail("audit", logging=None, selectors=None)
    errors = [
        cloudtrail_api_error("GetTrailStatus", resource=trail_arn("audit")),
        cloudtrail_api_error("GetEventSelectors", resource=trail_arn("audit")),
    ]
    verdicts = check(cloudtrail_data(trail(), other), trusted_buckets=[ARCHIVE_BUCKET], errors=errors)
    assert outcomes(verdicts) == {(Status.PASS, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert verdict.evidence["regions"][HOME_REGION]["covered_by"] == ["main"]
    assert verdict.evidence["trails"][trail_arn("audit")]["logging"] is None
    assert len(verdict.evidence["trails"][trail_arn("audit")]["unknown"]) == 2


# --- FAIL: nothing applies ---------------------------------------------------------------------------


def test_account_without_any_trail_fails_critical() -> None:
    verdicts = check(cloudtrail_data())
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert severity(verdict) is Severity.CRITICAL
    assert verdict.message == (
        f"regions not covered: {HOME_REGION} (no trail applies), {SECOND_REGION} (no trail applies)"
    )
    assert verdict.evidence["regions"] == {
        HOME_REGION: {"covered": False, "covered_by": [], "trails": {}},
        SECOND_REGION: {"covered": False, "covered_by": [], "trails": {}},
    }
    assert verdict.evidence["trails"] == {}


def test_single_region_trail_leaves_the_second_region_uncovered() -> None:
    data = cloudtrail_data(trail(multi_region=False))
    verdicts = check(data, trusted_buckets=[ARCHIVE_BUCKET])
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert severity(verdict) is Severity.CRITICAL
    assert verdict.message == f"regions not covered: {SECOND_REGION} (no trail applies)"
    assert verdict.evidence["regions"][HOME_REGION] == covered("main")
    assert verdict.evidence["regions"][SECOND_REGION] == {
        "covered": False,
        "covered_by": [],
        "trails": {"main": [f"single-region trail of {HOME_REGION}"]},
    }
    assert verdict.evidence["trails"][MAIN_ARN]["multi_region"] is False


def test_multi_region_trail_missing_from_a_region_listing_does_not_apply_there() -> None:
    data = cloudtrail_data(trail(), regions={HOME_REGION: [MAIN_ARN], SECOND_REGION: []})
    verdicts = check(data, trusted_buckets=[ARCHIVE_BUCKET])
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert verdict.message == f"regions not covered: {SECOND_REGION} (no trail applies)"
    assert verdict.evidence["regions"][SECOND_REGION]["covered"] is False


def test_multi_region_trail_missing_from_a_region_listing_is_not_called_single_region() -> None:
    """The region's evidence must not describe a multi-region trail as a single-region one."""
    data = cloudtrail_data(trail(), regions={HOME_REGION: [MAIN_ARN], SECOND_REGION: []})
    verdict = single(check(data, trusted_buckets=[ARCHIVE_BUCKET]))
    reasons = verdict.evidence["regions"][SECOND_REGION]["trails"].get("main", [])
    assert not any("single-region" in reason for reason in reasons), reasons


def test_single_region_trail_listed_outside_its_home_region_does_not_apply_there() -> None:
    data = cloudtrail_data(
        trail(multi_region=False), regions={HOME_REGION: [MAIN_ARN], SECOND_REGION: [MAIN_ARN]}
    )
    verdicts = check(data, trusted_buckets=[ARCHIVE_BUCKET])
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    assert single(verdicts).message == f"regions not covered: {SECOND_REGION} (no trail applies)"


def test_trail_of_another_account_that_is_not_an_organisation_trail_does_not_apply() -> None:
    """Only this account's trails and organisation trails count: a trail of another account that
    is not an organisation trail protects nothing here."""
    foreign = trail("partner", account_id=OTHER_ACCOUNT_ID, organization=False)
    verdicts = check(cloudtrail_data(foreign), trusted_buckets=[ARCHIVE_BUCKET])
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert severity(verdict) is Severity.CRITICAL
    assert verdict.message == (
        f"regions not covered: {HOME_REGION} (no trail applies), {SECOND_REGION} (no trail applies)"
    )


# --- FAIL: the destination ---------------------------------------------------------------------------


def test_trail_to_a_bucket_of_this_account_fails() -> None:
    data = cloudtrail_data(trail(bucket=OWN_BUCKET))
    verdicts = check(data)
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert severity(verdict) is Severity.HIGH
    miss = f"own bucket: delivers to {OWN_BUCKET}, in this account"
    assert verdict.message == (
        f"regions not covered: {HOME_REGION} (main: {miss}), {SECOND_REGION} (main: {miss})"
    )
    assert verdict.evidence["regions"][HOME_REGION] == {
        "covered": False,
        "covered_by": [],
        "trails": {"main": [miss]},
    }
    assert verdict.evidence["trails"][MAIN_ARN]["misses"] == [miss]
    assert verdict.evidence["trails"][MAIN_ARN]["destination"] == f"{OWN_BUCKET} (this account)"


def test_own_bucket_fails_even_when_listed_as_trusted() -> None:
    data = cloudtrail_data(trail(bucket=OWN_BUCKET))
    verdicts = check(data, trusted_buckets=[OWN_BUCKET], trusted_accounts=[ACCOUNT_ID])
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    assert "own bucket" in single(verdicts).message


def test_bucket_confirmed_in_this_account_fails_even_when_buckets_are_unreadable() -> None:
    data = cloudtrail_data(trail(), owners=[ownership(owner=ACCOUNT_ID, refused=())])
    verdicts = check(
        data, trusted_buckets=[ARCHIVE_BUCKET], own_buckets=None, errors=[s3_api_error("ListBuckets")]
    )
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert f"own bucket: delivers to {ARCHIVE_BUCKET}, in this account" in verdict.message
    assert verdict.evidence["trails"][MAIN_ARN]["destination"] == f"{ARCHIVE_BUCKET} (this account)"


def test_foreign_bucket_not_trusted_fails_naming_the_refused_ownership_check() -> None:
    data = cloudtrail_data(
        trail(bucket="partner-logs"),
        owners=[ownership("partner-logs", refused=[ACCOUNT_ID, ARCHIVE_ACCOUNT_ID])],
    )
    verdicts = check(data, trusted_buckets=[ARCHIVE_BUCKET], trusted_accounts=[ARCHIVE_ACCOUNT_ID])
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert severity(verdict) is Severity.HIGH
    miss = (
        "untrusted bucket: partner-logs is not in cloudtrail.trusted_buckets and not confirmed to "
        f"belong to a trusted account (S3 refused the ownership check for {ACCOUNT_ID}, "
        f"{ARCHIVE_ACCOUNT_ID} (not the owner, or no permission to ask))"
    )
    assert verdict.evidence["trails"][trail_arn("main")]["misses"] == [miss]
    assert verdict.evidence["trails"][MAIN_ARN]["destination"] == "partner-logs (owner not confirmed)"
    assert verdict.message == (
        f"regions not covered: {HOME_REGION} (main: {miss}), {SECOND_REGION} (main: {miss})"
    )


def test_foreign_bucket_not_matching_the_trusted_names_fails() -> None:
    data = cloudtrail_data(trail(bucket="partner-logs"), owners=[ownership("partner-logs")])
    verdicts = check(data, trusted_buckets=["security-*"])
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    assert "untrusted bucket: partner-logs is not in cloudtrail.trusted_buckets" in single(verdicts).message


def test_bucket_confirmed_to_an_untrusted_account_fails() -> None:
    data = cloudtrail_data(trail(), owners=[ownership(owner=OTHER_ACCOUNT_ID)])
    verdicts = check(data, trusted_accounts=[ARCHIVE_ACCOUNT_ID])
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    assert "untrusted bucket" in single(verdicts).message


def test_nonexistent_destination_bucket_fails_even_when_trusted() -> None:
    data = cloudtrail_data(trail(), owners=[ownership(exists=False, refused=())])
    verdicts = check(data, trusted_buckets=[ARCHIVE_BUCKET])
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert severity(verdict) is Severity.HIGH
    miss = f"delivers to {ARCHIVE_BUCKET}, which does not exist: anyone may create it"
    assert verdict.evidence["trails"][MAIN_ARN]["misses"] == [miss]
    assert f"{HOME_REGION} (main: {miss})" in verdict.message


def test_nonexistent_destination_bucket_fails_without_trust_lists() -> None:
    data = cloudtrail_data(trail(), owners=[ownership(exists=False, refused=())])
    verdicts = check(data)
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    assert "which does not exist" in single(verdicts).message


def test_trail_without_an_s3_destination_fails() -> None:
    verdicts = check(cloudtrail_data(trail(bucket=None)))
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    assert single(verdicts).evidence["trails"][MAIN_ARN]["misses"] == ["no S3 destination"]


# --- FAIL: status, selectors, global events ----------------------------------------------------------


def test_trail_that_stopped_logging_fails() -> None:
    verdicts = check(cloudtrail_data(trail(logging=False)), trusted_buckets=[ARCHIVE_BUCKET])
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert severity(verdict) is Severity.HIGH
    assert verdict.message == (
        f"regions not covered: {HOME_REGION} (main: not logging), {SECOND_REGION} (main: not logging)"
    )
    assert verdict.evidence["trails"][MAIN_ARN]["logging"] is False
    assert verdict.evidence["regions"][HOME_REGION] == {
        "covered": False,
        "covered_by": [],
        "trails": {"main": ["not logging"]},
    }


def test_trail_with_a_delivery_error_fails() -> None:
    data = cloudtrail_data(trail(delivery_error="AccessDenied"))
    verdicts = check(data, trusted_buckets=[ARCHIVE_BUCKET])
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert severity(verdict) is Severity.HIGH
    assert f"{HOME_REGION} (main: delivery error: AccessDenied)" in verdict.message
    assert verdict.evidence["trails"][MAIN_ARN]["latest_delivery_error"] == "AccessDenied"
    assert verdict.evidence["trails"][MAIN_ARN]["misses"] == ["delivery error: AccessDenied"]


def test_trail_recording_only_read_events_fails() -> None:
    selectors = EventSelectors(classic=(classic_selector("ReadOnly"),))
    verdicts = check(cloudtrail_data(trail(selectors=selectors)), trusted_buckets=[ARCHIVE_BUCKET])
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    miss = "no management write events (no event selector includes management write events)"
    assert single(verdicts).evidence["trails"][MAIN_ARN]["misses"] == [miss]
    assert f"{HOME_REGION} (main: {miss})" in single(verdicts).message


def test_selector_named_management_events_that_records_data_events_fails() -> None:
    selectors = EventSelectors(
        advanced=(
            advanced_selector(
                field_selector("eventCategory", equals=["Data"]),
                field_selector("resources.type", equals=["AWS::S3::Object"]),
                name="Management events",
            ),
        )
    )
    verdicts = check(cloudtrail_data(trail(selectors=selectors)), trusted_buckets=[ARCHIVE_BUCKET])
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    assert single(verdicts).evidence["trails"][MAIN_ARN]["misses"] == [
        "no management write events (advanced selector 0: does not select eventCategory = Management)"
    ]


def test_trail_failing_several_conditions_names_them_all() -> None:
    data = cloudtrail_data(trail(logging=False, delivery_error="NoSuchBucket", bucket=OWN_BUCKET))
    verdict = single(check(data))
    assert verdict.status is Status.FAIL
    assert verdict.evidence["trails"][MAIN_ARN]["misses"] == [
        "not logging",
        "delivery error: NoSuchBucket",
        f"own bucket: delivers to {OWN_BUCKET}, in this account",
    ]
    assert (
        f"{HOME_REGION} (main: not logging, delivery error: NoSuchBucket, own bucket: delivers to "
        f"{OWN_BUCKET}, in this account)"
    ) in verdict.message


def test_good_trail_without_global_service_events_fails() -> None:
    verdicts = check(cloudtrail_data(trail(global_events=False)), trusted_buckets=[ARCHIVE_BUCKET])
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert severity(verdict) is Severity.HIGH
    assert verdict.message == GLOBAL_EVENTS_MISSING
    assert verdict.evidence["regions"] == {HOME_REGION: covered("main"), SECOND_REGION: covered("main")}
    assert verdict.evidence["trails"][MAIN_ARN]["global_service_events"] is False


def test_global_service_events_of_a_bad_trail_do_not_count() -> None:
    noisy = trail("local", bucket=OWN_BUCKET, global_events=True)
    data = cloudtrail_data(noisy, trail(global_events=False))
    verdicts = check(data, trusted_buckets=[ARCHIVE_BUCKET])
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    assert single(verdicts).message == GLOBAL_EVENTS_MISSING


def test_uncovered_region_with_a_bad_trail_is_high_and_one_without_any_trail_is_critical() -> None:
    east = trail("east", multi_region=False, logging=False)
    verdicts = check(cloudtrail_data(east), trusted_buckets=[ARCHIVE_BUCKET])
    verdict = single(verdicts)
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.CRITICAL
    assert verdict.message == (
        f"regions not covered: {HOME_REGION} (east: not logging), {SECOND_REGION} (no trail applies)"
    )


# --- UNKNOWN: fail closed -----------------------------------------------------------------------------


def test_missing_cloudtrail_data_is_unknown() -> None:
    verdicts = check(None)
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert verdict.message == "CloudTrail data is missing from the snapshot"
    assert verdict.evidence == {}


def test_account_without_scanned_regions_is_unknown() -> None:
    error = api_error("DescribeRegions", code="UnauthorizedOperation", service="ec2")
    verdicts = check(cloudtrail_data(trail()), regions=(), errors=[error])
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    message = single(verdicts).message
    assert message.startswith("the account's regions could not be read: ")
    assert "ec2:DescribeRegions" in message
    assert "UnauthorizedOperation" in message


def test_account_without_scanned_regions_and_no_error_is_unknown() -> None:
    verdicts = check(cloudtrail_data(trail()), regions=())
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert single(verdicts).message == "the account's regions is missing from the snapshot"


def test_region_whose_trails_could_not_be_listed_is_unknown() -> None:
    data = cloudtrail_data(trail(), regions={HOME_REGION: [MAIN_ARN]})
    errors = [
        cloudtrail_api_error("DescribeTrails", region=SECOND_REGION),
        cloudtrail_api_error("DescribeTrails", region="ap-southeast-2"),
    ]
    verdicts = check(data, trusted_buckets=[ARCHIVE_BUCKET], errors=errors)
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert verdict.message == (
        f"{SECOND_REGION}: the trails could not be read: cloudtrail:DescribeTrails in {SECOND_REGION} "
        f"failed: AccessDeniedException: User: arn:aws:iam::{ACCOUNT_ID}:user/auditor is not "
        "authorized to perform: cloudtrail:DescribeTrails"
    )
    assert verdict.evidence["regions"] == {
        HOME_REGION: covered("main"),
        SECOND_REGION: {"covered": None},
    }


def test_trails_that_could_not_be_listed_anywhere_are_unknown_not_a_missing_global_trail() -> None:
    errors = [cloudtrail_api_error("DescribeTrails", region=region) for region in SCANNED_REGIONS]
    verdicts = check(cloudtrail_data(regions={}), errors=errors)
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert GLOBAL_EVENTS_MISSING not in verdict.message
    assert verdict.message.startswith(f"{HOME_REGION}: the trails could not be read: ")
    assert verdict.evidence["regions"] == {region: {"covered": None} for region in SCANNED_REGIONS}


def test_unlisted_region_may_hold_the_trail_with_global_events() -> None:
    data = cloudtrail_data(trail(global_events=False), regions={HOME_REGION: [MAIN_ARN]})
    errors = [cloudtrail_api_error("DescribeTrails", region=SECOND_REGION)]
    verdicts = check(data, trusted_buckets=[ARCHIVE_BUCKET], errors=errors)
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert GLOBAL_EVENTS_MISSING not in single(verdicts).message


def test_unreadable_region_does_not_hide_a_failing_one() -> None:
    data = cloudtrail_data(regions={HOME_REGION: []})
    errors = [cloudtrail_api_error("DescribeTrails", region=SECOND_REGION)]
    verdicts = check(data, errors=errors)
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert severity(verdict) is Severity.CRITICAL
    assert verdict.message == f"regions not covered: {HOME_REGION} (no trail applies)"
    assert verdict.evidence["regions"][SECOND_REGION] == {"covered": None}


def test_unreadable_trail_status_is_unknown() -> None:
    error = cloudtrail_api_error("GetTrailStatus", resource=MAIN_ARN)
    verdicts = check(cloudtrail_data(trail(logging=None)), trusted_buckets=[ARCHIVE_BUCKET], errors=[error])
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    verdict = single(verdicts)
    reason = f"the status of main could not be read: {error.describe()}"
    assert verdict.message == f"{HOME_REGION}: main: {reason}; {SECOND_REGION}: main: {reason}"
    assert verdict.evidence["trails"][MAIN_ARN]["unknown"] == [reason]
    assert verdict.evidence["trails"][MAIN_ARN]["logging"] is None
    assert verdict.evidence["trails"][MAIN_ARN]["latest_delivery_error"] is None
    assert verdict.evidence["regions"][HOME_REGION] == {
        "covered": None,
        "covered_by": [],
        "trails": {"main": [reason]},
    }


def test_unreadable_status_cites_only_the_errors_of_that_trail() -> None:
    other_error = cloudtrail_api_error("GetTrailStatus", resource=trail_arn("other"))
    verdicts = check(
        cloudtrail_data(trail(logging=None)), trusted_buckets=[ARCHIVE_BUCKET], errors=[other_error]
    )
    verdict = single(verdicts)
    assert verdict.status is Status.UNKNOWN
    assert verdict.evidence["trails"][MAIN_ARN]["unknown"] == [
        "the status of main is missing from the snapshot"
    ]


def test_unreadable_event_selectors_are_unknown() -> None:
    error = cloudtrail_api_error("GetEventSelectors", resource=MAIN_ARN)
    data = cloudtrail_data(trail(selectors=None))
    verdicts = check(data, trusted_buckets=[ARCHIVE_BUCKET], errors=[error])
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    verdict = single(verdicts)
    reason = f"the event selectors of main could not be read: {error.describe()}"
    assert verdict.evidence["trails"][MAIN_ARN]["unknown"] == [reason]
    assert reason in verdict.message
    assert "GetEventSelectors" in verdict.message


def test_unreadable_status_of_a_trail_known_to_be_bad_fails() -> None:
    error = cloudtrail_api_error("GetTrailStatus", resource=MAIN_ARN)
    data = cloudtrail_data(trail(logging=None, bucket=OWN_BUCKET))
    verdicts = check(data, errors=[error])
    assert outcomes(verdicts) == {(Status.FAIL, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert "own bucket" in verdict.message
    assert verdict.evidence["regions"][HOME_REGION]["covered"] is False


def test_unreadable_trail_beside_a_bad_one_is_unknown() -> None:
    bad = trail("local", multi_region=False, logging=False)
    unreadable = trail(logging=None)
    error = cloudtrail_api_error("GetTrailStatus", resource=MAIN_ARN)
    verdicts = check(cloudtrail_data(bad, unreadable), trusted_buckets=[ARCHIVE_BUCKET], errors=[error])
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert single(verdicts).evidence["regions"][HOME_REGION]["covered"] is None


def test_unreadable_own_buckets_and_unconfirmed_owner_are_unknown() -> None:
    error = s3_api_error("ListBuckets")
    verdicts = check(
        cloudtrail_data(trail()), trusted_buckets=[ARCHIVE_BUCKET], own_buckets=None, errors=[error]
    )
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    verdict = single(verdicts)
    reason = (
        f"cannot tell whether {ARCHIVE_BUCKET} is in this account: the account's buckets could not be "
        f"read: {error.describe()}"
    )
    assert verdict.evidence["trails"][MAIN_ARN]["unknown"] == [reason]
    assert f"{HOME_REGION}: main: {reason}" in verdict.message


def test_unreadable_own_buckets_without_trust_lists_are_unknown() -> None:
    verdicts = check(cloudtrail_data(trail()), own_buckets=None)
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert "the account's buckets is missing from the snapshot" in single(verdicts).message
    assert single(verdicts).unknown_cause is UnknownCause.FAILED_CALL


def test_owner_not_asked_of_a_newly_trusted_account_is_unknown_as_not_checked() -> None:
    """The snapshot was collected before the account was trusted: nothing failed, the run can be green."""
    data = cloudtrail_data(trail(), owners=[ownership(refused=())])
    verdicts = check(data, trusted_accounts=[ARCHIVE_ACCOUNT_ID])
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert "was not checked against" in verdict.message
    assert verdict.unknown_cause is UnknownCause.NOT_CHECKED
    # Beside a failed read, the same verdict counts as not judged.
    error = cloudtrail_api_error("GetTrailStatus", resource=MAIN_ARN)
    unread = cloudtrail_data(trail(logging=None), owners=[ownership(refused=())])
    assert single(check(unread, trusted_accounts=[ARCHIVE_ACCOUNT_ID], errors=[error])).unknown_cause is (
        UnknownCause.FAILED_CALL
    )


def test_unreadable_trail_that_may_bring_the_missing_global_events_is_unknown() -> None:
    """The good trail lacks global service events; the unreadable one has them and may be good:
    nothing known decides FAIL yet."""
    good = trail(global_events=False)
    unreadable = trail("audit", logging=None, global_events=True)
    error = cloudtrail_api_error("GetTrailStatus", resource=trail_arn("audit"))
    verdicts = check(cloudtrail_data(good, unreadable), trusted_buckets=[ARCHIVE_BUCKET], errors=[error])
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}


# --- the destination bucket of another scanned account ----------------------------------------------


def _org_check(
    archive: AccountSnapshot,
    *,
    own_buckets: Sequence[str] | None = (OWN_BUCKET,),
    trusted_accounts: Sequence[str] = (),
) -> list[Verdict]:
    """The verdicts on this account, whose trail ships to `ARCHIVE_BUCKET`, scanned with `archive`;
    S3 refused the ownership check (403) for every account asked."""
    target = cloudtrail_account(cloudtrail_data(trail()), own_buckets=own_buckets)
    context = dataclasses.replace(
        cloudtrail_context(trusted_accounts=trusted_accounts),
        inventory=OrganisationInventory.of((target, archive)),
    )
    return run(CLOUDTRAIL_SEGREGATED_STORAGE, target, context)


ARCHIVE = msgspec.structs.replace(
    cloudtrail_account(None, own_buckets=[ARCHIVE_BUCKET]), account_id=ARCHIVE_ACCOUNT_ID
)
"""The scanned log archive account, which lists the archive bucket as its own."""


def test_bucket_a_scanned_trusted_account_lists_passes_without_s3_confirming_it() -> None:
    verdict = single(_org_check(ARCHIVE, trusted_accounts=[ARCHIVE_ACCOUNT_ID]))
    assert verdict.status is Status.PASS
    assert verdict.evidence["trails"][MAIN_ARN]["destination"] == ARCHIVE_CONFIRMED


def test_bucket_a_scanned_untrusted_account_lists_fails_naming_it() -> None:
    verdict = single(_org_check(ARCHIVE, trusted_accounts=[OTHER_ACCOUNT_ID]))
    assert verdict.status is Status.FAIL
    assert f"untrusted bucket: {ARCHIVE_BUCKET} belongs to {ARCHIVE_ACCOUNT_ID}, not a trusted account" in (
        verdict.message
    )


def test_bucket_a_scanned_account_lists_is_not_ours_even_when_our_buckets_are_unread() -> None:
    verdict = single(_org_check(ARCHIVE, own_buckets=None))
    assert verdict.status is Status.PASS
    assert verdict.evidence["trails"][MAIN_ARN]["destination"] == ARCHIVE_CONFIRMED
