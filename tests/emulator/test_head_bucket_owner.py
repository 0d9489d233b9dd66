"""HeadBucket refuses with 403 when ExpectedBucketOwner names an account that does not own the bucket."""

from typing import Any

import pytest
from botocore.exceptions import ClientError

from cloudwarden_emulator import DEFAULT_ACCOUNT, Emulator

OTHER_ACCOUNT = "222222222222"
DEFAULT_BUCKET = "owned-by-default"
OTHER_BUCKET = "owned-by-other"
OWNERS = {DEFAULT_BUCKET: DEFAULT_ACCOUNT, OTHER_BUCKET: OTHER_ACCOUNT}


@pytest.fixture
def buckets(emulator: Emulator) -> Emulator:
    emulator.client("s3").create_bucket(Bucket=DEFAULT_BUCKET)
    emulator.client("s3", account_id=OTHER_ACCOUNT).create_bucket(Bucket=OTHER_BUCKET)
    return emulator


def head_status(s3: Any, bucket: str, **kwargs: str) -> int:
    try:
        answer = s3.head_bucket(Bucket=bucket, **kwargs)
    except ClientError as error:
        response: Any = error.response
        assert response["Error"]["Code"] == str(response["ResponseMetadata"]["HTTPStatusCode"])
        return int(response["ResponseMetadata"]["HTTPStatusCode"])
    return int(answer["ResponseMetadata"]["HTTPStatusCode"])


@pytest.mark.parametrize("caller", [DEFAULT_ACCOUNT, OTHER_ACCOUNT])
@pytest.mark.parametrize("bucket", [DEFAULT_BUCKET, OTHER_BUCKET])
def test_the_owner_is_confirmed_to_any_caller(buckets: Emulator, caller: str, bucket: str) -> None:
    s3 = buckets.client("s3", account_id=caller)

    assert head_status(s3, bucket, ExpectedBucketOwner=OWNERS[bucket]) == 200


@pytest.mark.parametrize("caller", [DEFAULT_ACCOUNT, OTHER_ACCOUNT])
@pytest.mark.parametrize(
    ("bucket", "wrong_owner"),
    [(DEFAULT_BUCKET, OTHER_ACCOUNT), (OTHER_BUCKET, DEFAULT_ACCOUNT), (DEFAULT_BUCKET, "999999999999")],
)
def test_another_owner_is_refused_with_403(
    buckets: Emulator, caller: str, bucket: str, wrong_owner: str
) -> None:
    s3 = buckets.client("s3", account_id=caller)

    assert head_status(s3, bucket, ExpectedBucketOwner=wrong_owner) == 403


@pytest.mark.parametrize("expected_owner", [None, DEFAULT_ACCOUNT, OTHER_ACCOUNT])
def test_a_missing_bucket_is_404_whatever_the_owner(buckets: Emulator, expected_owner: str | None) -> None:
    kwargs = {} if expected_owner is None else {"ExpectedBucketOwner": expected_owner}

    assert head_status(buckets.client("s3"), "no-such-bucket", **kwargs) == 404


def test_without_the_header_any_existing_bucket_answers(buckets: Emulator) -> None:
    s3 = buckets.client("s3")

    answer = s3.head_bucket(Bucket=OTHER_BUCKET)

    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert answer["BucketRegion"] == "us-east-1"


def test_other_calls_with_the_right_owner_still_work(buckets: Emulator) -> None:
    s3 = buckets.client("s3")
    owner = {"ExpectedBucketOwner": DEFAULT_ACCOUNT}
    policy = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", '
        '"Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::owned-by-default"}]}'
    )

    s3.put_bucket_policy(Bucket=DEFAULT_BUCKET, Policy=policy, **owner)
    s3.put_public_access_block(
        Bucket=DEFAULT_BUCKET,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
        **owner,
    )
    s3.put_object(Bucket=DEFAULT_BUCKET, Key="k", Body=b"v", **owner)

    assert s3.get_bucket_policy(Bucket=DEFAULT_BUCKET, **owner)["Policy"] == policy
    assert s3.get_public_access_block(Bucket=DEFAULT_BUCKET, **owner)["PublicAccessBlockConfiguration"][
        "BlockPublicAcls"
    ]
    assert s3.get_bucket_acl(Bucket=DEFAULT_BUCKET, **owner)["Grants"]
    assert s3.get_bucket_location(Bucket=DEFAULT_BUCKET, **owner)["LocationConstraint"] is None
    assert [item["Key"] for item in s3.list_objects_v2(Bucket=DEFAULT_BUCKET, **owner)["Contents"]] == ["k"]
    assert s3.head_object(Bucket=DEFAULT_BUCKET, Key="k", **owner)["ContentLength"] == 1
    assert s3.get_object(Bucket=DEFAULT_BUCKET, Key="k", **owner)["Body"].read() == b"v"
