"""Transient faults reach botocore as the errors of a service under load, and never touch the control API."""

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from cloudwarden_emulator import DEFAULT_ACCOUNT, Emulator, RootState
from cloudwarden_emulator.state import FaultKind

NO_RETRIES = Config(retries={"total_max_attempts": 1}, read_timeout=10)
"""One attempt (botocore's `max_attempts` counts retries, not attempts), and a read timeout short
enough to tell a connection left open from a dropped one."""


def client(emulator: Emulator, service: str) -> Any:
    return emulator.client(service, config=NO_RETRIES)


def client_error(call: Any, **kwargs: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response: Any = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.mark.parametrize(
    ("kind", "service", "operation", "error"),
    [
        ("throttling", "iam", "list_users", ("ThrottlingException", 400)),
        ("throttling", "cloudtrail", "describe_trails", ("ThrottlingException", 400)),
        ("throttling", "s3", "list_buckets", ("SlowDown", 503)),
        ("request-limit", "ec2", "describe_regions", ("RequestLimitExceeded", 503)),
        ("500", "sts", "get_caller_identity", ("InternalError", 500)),
        ("500", "organizations", "describe_organization", ("InternalError", 500)),
        ("503", "route53", "list_hosted_zones", ("ServiceUnavailable", 503)),
        ("503", "ec2", "describe_security_groups", ("ServiceUnavailable", 503)),
    ],
)
def test_each_fault_reaches_botocore_as_its_error(
    emulator: Emulator, kind: FaultKind, service: str, operation: str, error: tuple[str, int]
) -> None:
    aws = client(emulator, service)
    emulator.set_faults(1.0, kinds=[kind])

    assert client_error(getattr(aws, operation)) == error


def test_query_server_errors_blame_the_receiver(emulator: Emulator) -> None:
    emulator.set_faults(1.0, kinds=["503"])

    with pytest.raises(ClientError) as caught:
        client(emulator, "iam").list_users()

    response: Any = caught.value.response
    assert response["Error"]["Type"] == "Receiver"


def test_a_dropped_connection_closes_without_an_answer(emulator: Emulator) -> None:
    sts = client(emulator, "sts")
    emulator.set_faults(1.0, kinds=["drop"])

    with pytest.raises(ConnectionClosedError):
        sts.get_caller_identity()
    emulator.set_faults(0)
    assert sts.get_caller_identity()["Account"] == DEFAULT_ACCOUNT


def test_a_dropped_s3_upload_closes_without_an_answer(emulator: Emulator) -> None:
    s3 = client(emulator, "s3")
    s3.create_bucket(Bucket="uploads")
    emulator.set_faults(1.0, kinds=["drop"])

    with pytest.raises(ConnectionClosedError):
        s3.put_object(Bucket="uploads", Key="data", Body=b"x" * 100_000)


def test_request_limit_is_ec2s_alone(emulator: Emulator) -> None:
    emulator.set_faults(1.0, kinds=["request-limit"])

    assert client(emulator, "iam").list_users()["Users"] == []
    assert client_error(client(emulator, "ec2").describe_vpcs) == ("RequestLimitExceeded", 503)


def outcomes(emulator: Emulator, calls: int) -> list[str]:
    """What each of `calls` GetCallerIdentity calls met: `ok`, or the code of its error."""
    sts = client(emulator, "sts")
    met = []
    for _ in range(calls):
        try:
            sts.get_caller_identity()
            met.append("ok")
        except ClientError as error:
            met.append(error.response["Error"]["Code"])
    return met


def test_a_seed_repeats_the_faults(emulator: Emulator) -> None:
    emulator.set_faults(0.5, kinds=["500", "503"], seed=7)
    first = outcomes(emulator, 30)
    emulator.set_faults(0.5, kinds=["500", "503"], seed=7)
    second = outcomes(emulator, 30)

    assert first == second
    assert set(first) == {"ok", "InternalError", "ServiceUnavailable"}


def test_share_zero_turns_faults_off(emulator: Emulator) -> None:
    emulator.set_faults(1.0)
    emulator.set_faults(0, seed=7)

    assert outcomes(emulator, 10) == ["ok"] * 10


def test_reset_turns_faults_off(emulator: Emulator) -> None:
    emulator.set_faults(1.0, kinds=["500"])
    emulator.reset()

    assert outcomes(emulator, 10) == ["ok"] * 10


def test_the_control_api_is_never_faulted(emulator: Emulator) -> None:
    emulator.set_faults(1.0)

    with urllib.request.urlopen(f"{emulator.endpoint}/_cloudwarden/health", timeout=10) as response:
        assert json.load(response) == {"status": "ok"}
    emulator.set_root(DEFAULT_ACCOUNT, RootState(mfa="virtual"))
    emulator.set_latency(0)
    with pytest.raises((ClientError, ConnectionClosedError)):
        client(emulator, "sts").get_caller_identity()


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"share": 1.5}, "share 1.5 is not between 0 and 1"),
        ({"share": -0.1}, "share -0.1 is not between 0 and 1"),
        ({"share": 0.5, "kinds": []}, "kinds must name at least one fault"),
        ({"share": 0.5, "kinds": ["slow"]}, "Invalid enum value 'slow' - at `$.kinds[0]`"),
    ],
)
def test_impossible_faults_are_refused(emulator: Emulator, body: dict[str, Any], problem: str) -> None:
    request = urllib.request.Request(
        f"{emulator.endpoint}/_cloudwarden/faults", data=json.dumps(body).encode(), method="PUT"
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)

    with caught.value as error:
        assert (error.code, json.load(error)) == (400, {"error": problem})


def test_set_faults_checks_before_sending() -> None:
    with pytest.raises(ValueError, match="share 2 is not between 0 and 1"):
        Emulator().set_faults(2)
