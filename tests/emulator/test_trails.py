"""CloudTrail as an audit reads it: trail settings, shadow trails, event selectors and logging."""

from typing import Any

import pytest
from botocore.exceptions import ClientError

from cloudwarden_emulator import Emulator

HOME = "us-east-1"
AWAY = "eu-west-1"
BUCKET = "trail-logs"
KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
ALL_MANAGEMENT_EVENTS = {
    "ReadWriteType": "All",
    "IncludeManagementEvents": True,
    "DataResources": [],
    "ExcludeManagementEventSources": [],
}
MANAGEMENT_WRITES = [
    {
        "Name": "management writes",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "readOnly", "Equals": ["false"]},
        ],
    }
]


@pytest.fixture
def cloudtrail(emulator: Emulator) -> Any:
    emulator.client("s3").create_bucket(Bucket=BUCKET)
    return emulator.client("cloudtrail", HOME)


def trails(emulator: Emulator, region: str, shadows: bool) -> list[dict[str, Any]]:
    client = emulator.client("cloudtrail", region)
    answer: list[dict[str, Any]] = client.describe_trails(includeShadowTrails=shadows)["trailList"]
    return answer


def selectors(cloudtrail: Any, trail: str) -> dict[str, Any]:
    answer: dict[str, Any] = cloudtrail.get_event_selectors(TrailName=trail)
    del answer["ResponseMetadata"]
    return answer


def test_describe_trails_reports_every_setting(emulator: Emulator, cloudtrail: Any) -> None:
    topic = emulator.client("sns", HOME).create_topic(Name="trail-news")["TopicArn"]
    cloudtrail.create_trail(
        Name="everything",
        S3BucketName=BUCKET,
        S3KeyPrefix="audit",
        SnsTopicName="trail-news",
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
        KmsKeyId=KMS_KEY,
    )

    assert trails(emulator, HOME, shadows=True) == [
        {
            "Name": "everything",
            "S3BucketName": BUCKET,
            "S3KeyPrefix": "audit",
            "SnsTopicName": "trail-news",
            "SnsTopicARN": topic,
            "IncludeGlobalServiceEvents": True,
            "IsMultiRegionTrail": True,
            "HomeRegion": HOME,
            "TrailARN": "arn:aws:cloudtrail:us-east-1:123456789012:trail/everything",
            "LogFileValidationEnabled": True,
            "KmsKeyId": KMS_KEY,
            "HasCustomEventSelectors": False,
            "HasInsightSelectors": False,
            "IsOrganizationTrail": False,
        }
    ]


def test_unset_optional_settings_are_absent(emulator: Emulator, cloudtrail: Any) -> None:
    cloudtrail.create_trail(Name="bare", S3BucketName=BUCKET, IncludeGlobalServiceEvents=False)

    (trail,) = trails(emulator, HOME, shadows=True)

    assert trail == {
        "Name": "bare",
        "S3BucketName": BUCKET,
        "IncludeGlobalServiceEvents": False,
        "IsMultiRegionTrail": False,
        "HomeRegion": HOME,
        "TrailARN": "arn:aws:cloudtrail:us-east-1:123456789012:trail/bare",
        "LogFileValidationEnabled": False,
        "HasCustomEventSelectors": False,
        "HasInsightSelectors": False,
        "IsOrganizationTrail": False,
    }


def test_multi_region_trails_shadow_into_other_regions(emulator: Emulator, cloudtrail: Any) -> None:
    cloudtrail.create_trail(Name="everywhere", S3BucketName=BUCKET, IsMultiRegionTrail=True)
    cloudtrail.create_trail(Name="home-only", S3BucketName=BUCKET)

    away = trails(emulator, AWAY, shadows=True)

    assert [(trail["Name"], trail["HomeRegion"]) for trail in away] == [("everywhere", HOME)]
    assert away[0]["TrailARN"] == "arn:aws:cloudtrail:us-east-1:123456789012:trail/everywhere"
    assert trails(emulator, AWAY, shadows=False) == []
    assert [trail["Name"] for trail in trails(emulator, HOME, shadows=False)] == ["everywhere", "home-only"]


def test_a_shadow_trail_has_its_home_status(emulator: Emulator, cloudtrail: Any) -> None:
    arn = cloudtrail.create_trail(Name="everywhere", S3BucketName=BUCKET, IsMultiRegionTrail=True)["TrailARN"]
    cloudtrail.start_logging(Name="everywhere")

    assert emulator.client("cloudtrail", AWAY).get_trail_status(Name=arn)["IsLogging"] is True


def test_a_new_trail_logs_all_management_events(cloudtrail: Any) -> None:
    arn = cloudtrail.create_trail(Name="fresh", S3BucketName=BUCKET)["TrailARN"]

    assert selectors(cloudtrail, arn) == {
        "TrailARN": arn,
        "EventSelectors": [ALL_MANAGEMENT_EVENTS],
        "AdvancedEventSelectors": [],
    }


def test_advanced_selectors_round_trip(cloudtrail: Any) -> None:
    arn = cloudtrail.create_trail(Name="advanced", S3BucketName=BUCKET)["TrailARN"]

    put = cloudtrail.put_event_selectors(TrailName="advanced", AdvancedEventSelectors=MANAGEMENT_WRITES)

    assert put["AdvancedEventSelectors"] == MANAGEMENT_WRITES
    assert selectors(cloudtrail, "advanced") == {
        "TrailARN": arn,
        "EventSelectors": [],
        "AdvancedEventSelectors": MANAGEMENT_WRITES,
    }


def test_basic_and_advanced_selectors_replace_each_other(cloudtrail: Any) -> None:
    cloudtrail.create_trail(Name="switching", S3BucketName=BUCKET)
    writes_only = [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}]

    cloudtrail.put_event_selectors(TrailName="switching", AdvancedEventSelectors=MANAGEMENT_WRITES)
    cloudtrail.put_event_selectors(TrailName="switching", EventSelectors=writes_only)
    basic = selectors(cloudtrail, "switching")
    cloudtrail.put_event_selectors(TrailName="switching", AdvancedEventSelectors=MANAGEMENT_WRITES)
    advanced = selectors(cloudtrail, "switching")

    assert (basic["EventSelectors"], basic["AdvancedEventSelectors"]) == (writes_only, [])
    assert (advanced["EventSelectors"], advanced["AdvancedEventSelectors"]) == ([], MANAGEMENT_WRITES)


def test_stop_logging_ends_logging(cloudtrail: Any) -> None:
    cloudtrail.create_trail(Name="switched", S3BucketName=BUCKET)
    assert cloudtrail.get_trail_status(Name="switched")["IsLogging"] is False

    cloudtrail.start_logging(Name="switched")
    started = cloudtrail.get_trail_status(Name="switched")
    cloudtrail.stop_logging(Name="switched")
    stopped = cloudtrail.get_trail_status(Name="switched")

    assert (started["IsLogging"], stopped["IsLogging"]) == (True, False)
    assert "StopLoggingTime" not in started
    assert stopped["StopLoggingTime"] >= stopped["StartLoggingTime"]


def test_a_trail_needs_an_existing_bucket(emulator: Emulator) -> None:
    with pytest.raises(ClientError) as caught:
        emulator.client("cloudtrail").create_trail(Name="nowhere", S3BucketName="no-such-bucket")

    assert caught.value.response["Error"]["Code"] == "S3BucketDoesNotExistException"
