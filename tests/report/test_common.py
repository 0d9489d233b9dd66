"""Scan times and partitions, as the machine-readable reporters write them."""

from __future__ import annotations

import msgspec
import pytest

from cloudwarden.report._common import concrete_region, iso_utc, partition

from .sample import HOSTILE


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        ("2025-06-15T12:00:00+00:00", "2025-06-15T12:00:00Z"),
        ("2025-06-15T14:00:00+02:00", "2025-06-15T12:00:00Z"),
        ("2025-06-15T12:00:00Z", "2025-06-15T12:00:00Z"),
        ("2025-06-15T12:00:00", "2025-06-15T12:00:00Z"),
    ],
)
def test_scan_times_are_written_in_utc(timestamp: str, expected: str) -> None:
    assert iso_utc(timestamp) == expected


@pytest.mark.parametrize(
    ("region", "arn", "expected_partition", "expected_region"),
    [
        ("global", "arn:aws:iam::111111111111:root", "aws", "us-east-1"),
        ("global", "arn:aws-us-gov:iam::111111111111:root", "aws-us-gov", "us-gov-west-1"),
        ("global", None, "aws", "us-east-1"),
        ("eu-west-1", None, "aws", "eu-west-1"),
        ("cn-northwest-1", None, "aws-cn", "cn-northwest-1"),
        ("us-gov-east-1", None, "aws-us-gov", "us-gov-east-1"),
        ("us-east-1", "not-an-arn", "aws", "us-east-1"),
    ],
)
def test_partition_and_region(
    region: str, arn: str | None, expected_partition: str, expected_region: str
) -> None:
    finding = msgspec.structs.replace(
        HOSTILE, region=region, resource=msgspec.structs.replace(HOSTILE.resource, arn=arn)
    )
    assert (partition(finding), concrete_region(finding)) == (expected_partition, expected_region)
