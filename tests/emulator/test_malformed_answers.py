"""Malformed answers: a body no SDK can parse, in place of the service's, as a proxy in front of an
endpoint can send. Matched like injected errors; the raw answer is checked, and what botocore alone
makes of it (an exception for XML, an empty answer for JSON)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree

import pytest
from botocore.parsers import ResponseParserError

from cloudwarden_emulator import Emulator
from cloudwarden_emulator.state import ErrorRule, MalformedBody


def raw_answer(client: Any, call: Callable[[], object]) -> tuple[int, str, bytes]:
    """The status, content type and body of the answer to `call`, before botocore parses it."""
    seen: dict[str, Any] = {}

    def keep(response_dict: dict[str, Any], **_: Any) -> None:
        seen.update(response_dict)

    client.meta.events.register("before-parse", keep)
    try:
        call()
    except ResponseParserError:
        pass
    finally:
        client.meta.events.unregister("before-parse", keep)
    return seen["status_code"], seen["headers"]["Content-Type"], seen["body"]


@pytest.mark.parametrize("status", [200, 500])
def test_an_html_page_answers_in_place_of_the_service(emulator: Emulator, status: int) -> None:
    emulator.inject_malformed_answer("iam", "GetAccountSummary", body="html", status=status)
    iam = emulator.client("iam")

    code, content_type, body = raw_answer(iam, iam.get_account_summary)

    assert (code, content_type) == (status, "text/html")
    assert body.startswith(b"<!DOCTYPE html>\n<html>")
    with pytest.raises(ResponseParserError, match="mismatched tag"):
        iam.get_account_summary()
    assert iam.list_users()["Users"] == []


def test_xml_with_a_raw_control_character(emulator: Emulator) -> None:
    emulator.inject_malformed_answer("ec2", "DescribeVpcs", body="control-character")
    ec2 = emulator.client("ec2")

    code, content_type, body = raw_answer(ec2, ec2.describe_vpcs)

    assert (code, content_type) == (200, "text/xml")
    assert b"\x01" in body
    with pytest.raises(ResponseParserError, match="not well-formed"):
        ec2.describe_vpcs()


def test_a_truncated_xml_answer_of_a_rest_service(emulator: Emulator) -> None:
    emulator.inject_malformed_answer("route53", method="GET", path_regex=r"/hostedzone$", body="truncated")
    route53 = emulator.client("route53")

    _, _, body = raw_answer(route53, route53.list_hosted_zones)

    with pytest.raises(ElementTree.ParseError):
        ElementTree.fromstring(body)
    with pytest.raises(ResponseParserError):
        route53.list_hosted_zones()


@pytest.mark.parametrize("kind", ["control-character", "truncated"])
def test_json_answers_that_do_not_parse(emulator: Emulator, kind: MalformedBody) -> None:
    emulator.inject_malformed_answer("cloudtrail", "DescribeTrails", body=kind)
    cloudtrail = emulator.client("cloudtrail")

    code, content_type, body = raw_answer(cloudtrail, cloudtrail.describe_trails)

    assert (code, content_type) == (200, "application/x-amz-json-1.1")
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    # Botocore alone takes it for an answer without trails: the scanner has to check for itself.
    assert "trailList" not in cloudtrail.describe_trails()


def test_an_s3_operation_matched_by_path(emulator: Emulator) -> None:
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="demo-bucket")
    emulator.inject_malformed_answer("s3", method="GET", path_regex=r"^/demo-bucket\?policy")

    # Botocore alone hands the page over as the bucket policy's text.
    assert s3.get_bucket_policy(Bucket="demo-bucket")["Policy"].startswith("<!DOCTYPE html>")
    assert s3.get_bucket_acl(Bucket="demo-bucket")["Owner"]["ID"]


def test_clear_errors_removes_malformed_answers(emulator: Emulator) -> None:
    emulator.inject_malformed_answer("iam", "ListUsers")
    emulator.clear_errors()

    assert emulator.client("iam").list_users()["Users"] == []


def test_an_unknown_kind_of_body_is_refused() -> None:
    with pytest.raises(ValueError, match="malformed 'xml' is not one of html, control-character, truncated"):
        ErrorRule(service="iam", malformed="xml")  # type: ignore[arg-type]
