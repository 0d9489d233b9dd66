"""The write session of `fix --apply` (`AwsSession(allowed=...)`) lets through exactly the operations it
is given, and refuses any other before it is sent; the scanner's session still refuses every write a
fixer declares; `Writer` turns a refused or unknown operation into CallFailed, and credentials it cannot
use into WriterError. No request leaves the process: answers come from a `before-send` hook."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse, HTTPHeaders
from botocore.model import OperationModel

from cloudwarden.collect.operations import DECLARED_OPERATIONS
from cloudwarden.collect.session import AwsSession, ReadOnlyViolation, _RefuseOutside, refuse_undeclared
from cloudwarden.collect.writer import EXTRA_READS, CallFailed, Writer, WriterError
from cloudwarden.fix.command import fix_operations

WRITE_SESSION = fix_operations() | EXTRA_READS
"""The most `fix --apply`'s session allows (`collect.writer.Writer`): every fixer's operations, who the
credentials are, and the read botocore makes to find a bucket's region."""


def _model(key: str) -> OperationModel:
    service, _, operation = key.partition(".")
    return botocore.session.get_session().get_service_model(service).operation_model(operation)


@pytest.fixture(scope="module")
def operations_of_the_fixers_services() -> list[OperationModel]:
    """Every operation of every service a fixer calls."""
    session = botocore.session.get_session()
    services = sorted({key.partition(".")[0] for key in WRITE_SESSION})
    models = [session.get_service_model(service) for service in services]
    return [model.operation_model(name) for model in models for name in model.operation_names]


def _let_through(guard: Any, operation: OperationModel) -> bool:
    try:
        guard(operation)
    except ReadOnlyViolation:
        return False
    return True


def _key(operation: OperationModel) -> str:
    return f"{operation.service_model.service_name}.{operation.name}"


def test_the_write_guard_lets_through_exactly_the_allowed_operations(
    operations_of_the_fixers_services: list[OperationModel],
) -> None:
    """Also proves each operation a fixer declares is spelled as botocore spells it."""
    guard = _RefuseOutside(WRITE_SESSION)
    assert {
        _key(operation) for operation in operations_of_the_fixers_services if _let_through(guard, operation)
    } == WRITE_SESSION


def test_the_write_guard_refuses_an_operation_outside_what_it_allows() -> None:
    guard = _RefuseOutside(frozenset({"s3.PutBucketPolicy"}))
    with pytest.raises(
        ReadOnlyViolation,
        match=r"^refused to call s3:DeleteBucket: this session calls only the operations it declares$",
    ):
        guard(_model("s3.DeleteBucket"))
    guard(_model("s3.PutBucketPolicy"))


def test_the_scanners_guard_still_refuses_every_write_a_fixer_declares() -> None:
    writes = fix_operations() - DECLARED_OPERATIONS
    assert {"s3.PutBucketPolicy", "s3.DeleteBucketPolicy", "s3.PutBucketAcl"} <= writes
    assert [key for key in sorted(writes) if _let_through(refuse_undeclared, _model(key))] == []


class _Body:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content


@pytest.fixture(autouse=True)
def no_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any) -> None:
        raise AssertionError("a unit test opened a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def _session(allowed: frozenset[str] | None) -> AwsSession:
    credentials = boto3.Session(
        aws_access_key_id="AKIDTEST", aws_secret_access_key="secret", region_name="eu-west-1"
    )
    return AwsSession(boto3_session=credentials, allowed=allowed)


def _answered(client: Any, status: int = 204, body: bytes = b"") -> list[str]:
    """Requests the client would send, answered in the process instead (204, no body, unless told)."""
    requests: list[str] = []

    def answer(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        requests.append(f"{request.method} {request.url}")
        return AWSResponse(request.url, status, HTTPHeaders(), _Body(body))

    client.meta.events.register("before-send", answer)
    return requests


def test_a_client_of_the_write_session_sends_an_allowed_call_and_refuses_any_other_unsent() -> None:
    client = _session(frozenset({"s3.PutBucketPolicy"})).client("s3", "eu-west-1")
    requests = _answered(client)
    client.put_bucket_policy(Bucket="team-data", Policy="{}")
    with pytest.raises(ReadOnlyViolation, match=r"^refused to call s3:DeleteBucket: "):
        client.delete_bucket(Bucket="team-data")
    assert requests == ["PUT https://team-data.s3.eu-west-1.amazonaws.com/?policy"]


def test_a_client_of_the_scanners_session_refuses_a_fixers_write_unsent() -> None:
    client = _session(None).client("s3", "eu-west-1")
    requests = _answered(client)
    with pytest.raises(
        ReadOnlyViolation, match=r"^refused to call s3:PutBucketPolicy: cloudwarden calls only "
    ):
        client.put_bucket_policy(Bucket="team-data", Policy="{}")
    assert requests == []


@pytest.fixture
def credentials_of_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keys in the environment, no profile anywhere: `Writer(None, ...)` uses them, a named profile is
    unknown."""
    empty = tmp_path / "empty"
    empty.write_text("")
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")


@pytest.mark.usefixtures("credentials_of_the_environment")
def test_a_writer_of_an_unknown_profile_is_refused() -> None:
    with pytest.raises(WriterError) as refused:
        Writer("nope", frozenset({"s3.PutBucketPolicy"}))
    assert str(refused.value) == "cannot use these credentials: The config profile (nope) could not be found"


def _client(writer: Writer, service: str, region: str | None) -> Any:
    """The client the writer sends `service`'s calls with (made once, then reused)."""
    return writer._session.client(service, region)


@pytest.mark.usefixtures("credentials_of_the_environment")
def test_a_writer_sends_an_allowed_call_and_fails_any_other_unsent() -> None:
    writer = Writer(None, frozenset({"s3.PutBucketPolicy"}))
    requests = _answered(_client(writer, "s3", "eu-west-1"))
    answer = writer.send("s3", "PutBucketPolicy", {"Bucket": "team-data", "Policy": "{}"}, "eu-west-1")
    with pytest.raises(CallFailed) as refused:
        writer.send("s3", "DeleteBucket", {"Bucket": "team-data"}, "eu-west-1")
    with pytest.raises(CallFailed) as unknown:
        writer.send("s3", "PutBucketPolcy", {"Bucket": "team-data", "Policy": "{}"}, "eu-west-1")
    assert (answer, requests) == ({}, ["PUT https://team-data.s3.eu-west-1.amazonaws.com/?policy"])
    assert [(failed.value.code, failed.value.message) for failed in (refused, unknown)] == [
        (
            "ReadOnlyViolation",
            "refused to call s3:DeleteBucket: this session calls only the operations it declares",
        ),
        ("AttributeError", "'S3' object has no attribute 'put_bucket_polcy'"),
    ]


IDENTITY_ANSWER = b"""<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/ops/alice</Arn>
    <UserId>AIDATEST</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>test</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"""


@pytest.mark.usefixtures("credentials_of_the_environment")
def test_a_writer_tells_its_account_and_identity_from_one_call_and_may_find_a_buckets_region() -> None:
    """Whatever the plan allows, a write session may ask who it is, and HeadBucket (which botocore
    sends on its own after a redirect to another region)."""
    writer = Writer(None, frozenset())
    asked = _answered(_client(writer, "sts", None), 200, IDENTITY_ANSWER)
    headed = _answered(_client(writer, "s3", "eu-west-1"), 200)
    assert (writer.account(), writer.caller(), asked) == (
        "123456789012",
        "arn:aws:iam::123456789012:user/ops/alice",
        ["POST https://sts.eu-west-1.amazonaws.com/"],
    )
    assert (writer.send("s3", "HeadBucket", {"Bucket": "team-data"}, "eu-west-1"), headed) == (
        {},
        ["HEAD https://team-data.s3.eu-west-1.amazonaws.com/"],
    )
