"""GetTrailStatus reports the outcome of the latest log delivery, failing as the delivery state says."""

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from cloudwarden_emulator import Emulator

BUCKET = "trail-logs"
TRAIL_ARN = "arn:aws:cloudtrail:us-east-1:123456789012:trail/main"


@pytest.fixture
def cloudtrail(emulator: Emulator) -> Any:
    emulator.client("s3").create_bucket(Bucket=BUCKET)
    client = emulator.client("cloudtrail")
    client.create_trail(Name="main", S3BucketName=BUCKET, IsMultiRegionTrail=True)
    client.start_logging(Name="main")
    return client


def status(cloudtrail: Any, name: str = "main") -> dict[str, Any]:
    answer: dict[str, Any] = cloudtrail.get_trail_status(Name=name)
    del answer["ResponseMetadata"]
    return answer


def test_a_delivering_trail_reports_its_latest_attempt_as_successful(cloudtrail: Any) -> None:
    answer = status(cloudtrail)

    assert "LatestDeliveryError" not in answer
    assert answer["LatestDeliveryAttemptTime"] != ""
    assert answer["LatestDeliveryAttemptSucceeded"] == answer["LatestDeliveryAttemptTime"]
    assert "LatestDeliveryTime" in answer


def test_a_trail_that_never_logged_has_no_attempt(emulator: Emulator, cloudtrail: Any) -> None:
    cloudtrail.create_trail(Name="idle", S3BucketName=BUCKET)

    answer = status(cloudtrail, "idle")

    assert (answer["LatestDeliveryAttemptTime"], answer["LatestDeliveryAttemptSucceeded"]) == ("", "")
    assert "LatestDeliveryError" not in answer


def test_a_failing_trail_reports_the_error(emulator: Emulator, cloudtrail: Any) -> None:
    emulator.set_trail_delivery_error(TRAIL_ARN, "AccessDenied")

    answer = status(cloudtrail)

    assert answer["IsLogging"] is True
    assert answer["LatestDeliveryError"] == "AccessDenied"
    assert answer["LatestDeliveryAttemptTime"] != ""
    assert answer["LatestDeliveryAttemptSucceeded"] == ""
    assert "LatestDeliveryTime" not in answer


def test_the_error_is_reported_wherever_the_trail_is_asked_about(emulator: Emulator, cloudtrail: Any) -> None:
    emulator.set_trail_delivery_error(TRAIL_ARN, "NoSuchBucket")

    by_arn = status(cloudtrail, TRAIL_ARN)
    shadow = status(emulator.client("cloudtrail", "eu-west-1"), TRAIL_ARN)

    assert (by_arn["LatestDeliveryError"], shadow["LatestDeliveryError"]) == ("NoSuchBucket", "NoSuchBucket")


def test_other_trails_keep_delivering(emulator: Emulator, cloudtrail: Any) -> None:
    cloudtrail.create_trail(Name="other", S3BucketName=BUCKET)
    cloudtrail.start_logging(Name="other")
    emulator.set_trail_delivery_error(TRAIL_ARN, "AccessDenied")

    assert "LatestDeliveryError" not in status(cloudtrail, "other")


def test_clearing_the_error_restores_delivery(emulator: Emulator, cloudtrail: Any) -> None:
    emulator.set_trail_delivery_error(TRAIL_ARN, "AccessDenied")
    emulator.set_trail_delivery_error(TRAIL_ARN, None)

    answer = status(cloudtrail)

    assert "LatestDeliveryError" not in answer
    assert answer["LatestDeliveryAttemptSucceeded"] == answer["LatestDeliveryAttemptTime"]


def test_reset_forgets_delivery_errors(emulator: Emulator, cloudtrail: Any) -> None:
    emulator.set_trail_delivery_error(TRAIL_ARN, "AccessDenied")

    emulator.reset()
    emulator.client("s3").create_bucket(Bucket=BUCKET)
    cloudtrail.create_trail(Name="main", S3BucketName=BUCKET)

    assert "LatestDeliveryError" not in status(cloudtrail)


@pytest.mark.parametrize(
    ("trail_arn", "error", "problem"),
    [
        ("main", "AccessDenied", "'main' is not a trail ARN"),
        ("arn:aws:s3:::trail-logs", "AccessDenied", "is not a trail ARN"),
        (TRAIL_ARN, "", "error must name the failure"),
    ],
)
def test_impossible_delivery_errors_are_refused(
    emulator: Emulator, trail_arn: str, error: str, problem: str
) -> None:
    body = json.dumps({"trail_arn": trail_arn, "error": error}).encode()
    request = urllib.request.Request(
        f"{emulator.endpoint}/_cloudwarden/trail-delivery-error", data=body, method="PUT"
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)

    with caught.value as refusal:
        assert refusal.code == 400
        assert problem in json.load(refusal)["error"]
    with pytest.raises(ValueError, match=problem):
        emulator.set_trail_delivery_error(trail_arn, error)
