"""Injected errors reach botocore in each protocol's real shape, so it raises ClientError with the code."""

from typing import Any

import pytest
from botocore.exceptions import ClientError

from cloudwarden_emulator import Emulator, EmulatorError

OTHER_ACCOUNT = "111111111111"


def client_error(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response: Any = caught.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_iam_query_error(emulator: Emulator) -> None:
    emulator.inject_error("iam", "GetAccountSummary", message="no summary for you")
    iam = emulator.client("iam")

    assert client_error(iam.get_account_summary) == ("AccessDenied", "no summary for you", 403)
    assert iam.list_users()["Users"] == []


def test_other_operations_keep_their_form_body(emulator: Emulator) -> None:
    emulator.inject_error("iam", "DeleteUser")

    created = emulator.client("iam").create_user(UserName="zed", Path="/team/")["User"]

    assert (created["UserName"], created["Path"]) == ("zed", "/team/")


def test_ec2_error(emulator: Emulator) -> None:
    emulator.inject_error("ec2", "DescribeRegions", code="UnauthorizedOperation", message="nope")

    error = client_error(emulator.client("ec2").describe_regions)

    assert error == ("UnauthorizedOperation", "nope", 403)


def test_sts_error_with_status(emulator: Emulator) -> None:
    emulator.inject_error("sts", "GetCallerIdentity", code="InvalidClientTokenId", message="bad", status=401)

    error = client_error(emulator.client("sts").get_caller_identity)

    assert error == ("InvalidClientTokenId", "bad", 401)


def test_json_error_defaults_to_400(emulator: Emulator) -> None:
    emulator.inject_error("cloudtrail", "DescribeTrails", code="AccessDeniedException", message="no trails")

    error = client_error(emulator.client("cloudtrail").describe_trails)

    assert error == ("AccessDeniedException", "no trails", 400)


def test_s3_error_matches_method_and_path(emulator: Emulator) -> None:
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="demo-bucket")
    emulator.inject_error("s3", method="GET", path_regex=r"^/demo-bucket\?policy", message="no policy")

    error = client_error(s3.get_bucket_policy, Bucket="demo-bucket")

    assert error == ("AccessDenied", "no policy", 403)
    assert [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]] == ["demo-bucket"]


def test_route53_error(emulator: Emulator) -> None:
    emulator.inject_error("route53", method="GET", path_regex=r"/hostedzone$", message="no zones")

    error = client_error(emulator.client("route53").list_hosted_zones)

    assert error == ("AccessDenied", "no zones", 403)


def test_rule_for_one_account_spares_the_others(emulator: Emulator) -> None:
    emulator.inject_error("iam", "ListUsers", account=OTHER_ACCOUNT)

    assert emulator.client("iam").list_users()["Users"] == []
    other = emulator.client("iam", account_id=OTHER_ACCOUNT)
    assert client_error(other.list_users)[0] == "AccessDenied"


def test_rule_for_one_region_spares_the_others(emulator: Emulator) -> None:
    emulator.inject_error(
        "ec2", code="AuthFailure", message="region disabled", status=401, region="eu-west-3"
    )

    assert "Regions" in emulator.client("ec2", "us-east-1").describe_regions()
    paris = emulator.client("ec2", "eu-west-3")
    assert client_error(paris.describe_security_groups) == ("AuthFailure", "region disabled", 401)
    assert client_error(paris.describe_regions)[0] == "AuthFailure"


def test_rule_without_operation_covers_the_whole_service(emulator: Emulator) -> None:
    emulator.inject_error("iam")
    iam = emulator.client("iam")

    assert client_error(iam.list_users)[0] == "AccessDenied"
    assert client_error(iam.list_roles)[0] == "AccessDenied"
    assert emulator.client("sts").get_caller_identity()["Account"] == "123456789012"


def test_clear_errors(emulator: Emulator) -> None:
    emulator.inject_error("iam", "ListUsers")
    emulator.clear_errors()

    assert emulator.client("iam").list_users()["Users"] == []


@pytest.mark.parametrize(
    ("service", "operation", "method", "problem"),
    [
        ("s3", "GetBucketPolicy", None, "s3 is a REST service: match it by method and path_regex"),
        ("iam", None, "POST", "iam is not a REST service: match it by operation"),
        ("no-such-service", None, None, "unknown service 'no-such-service'"),
    ],
)
def test_rules_a_protocol_cannot_match_are_refused(
    emulator: Emulator, service: str, operation: str | None, method: str | None, problem: str
) -> None:
    with pytest.raises(EmulatorError, match=problem):
        emulator.inject_error(service, operation, method=method)


def test_invalid_path_regex_is_refused() -> None:
    with pytest.raises(ValueError, match="path_regex"):
        Emulator().inject_error("s3", path_regex="(")
