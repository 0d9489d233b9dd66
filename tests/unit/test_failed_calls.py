"""What counts as a failed call: an error answer, no answer, or an answer that is none. Each is
recorded with its code and message; a refused undeclared call is a bug and is never recorded."""

from __future__ import annotations

from typing import NoReturn

import botocore.session
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.parsers import ResponseParserError

from cloudwarden.collect.context import MALFORMED_ANSWER, AccountContext, failure_details
from cloudwarden.collect.session import AwsSession, ReadOnlyViolation, refuse_malformed_answer

ACCOUNT = "123456789012"
HTML = b'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>502</title></head><body><hr></body></html>'
XHTML = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body></body>\r\n</html>\r\n"
"""A load balancer's page that happens to be well-formed XML: botocore alone parses it as an empty answer."""


def _check(service: str, operation: str, status: int, body: bytes) -> None:
    model = botocore.session.get_session().get_service_model(service).operation_model(operation)
    refuse_malformed_answer(operation_model=model, response_dict={"status_code": status, "body": body})


@pytest.mark.parametrize(
    ("service", "operation", "status", "body", "problem"),
    [
        ("cloudtrail", "DescribeTrails", 200, HTML, "the answer is an HTML page"),
        ("s3", "GetBucketPolicy", 200, HTML, "the answer is an HTML page"),
        ("s3", "ListBuckets", 200, XHTML, "the answer is an HTML page"),
        ("iam", "GetAccountSummary", 200, b"<?xml version='1.0'?>\n" + XHTML, "the answer is an HTML page"),
        ("cloudtrail", "DescribeTrails", 200, b'{"trailList": [{"Name": "cut sh', "invalid JSON"),
        ("apigateway", "GetRestApis", 200, b'{"items": "raw \x01 character"}', "invalid JSON"),
        ("organizations", "DescribeOrganization", 200, b"", "the answer is empty"),
        ("s3", "ListBuckets", 200, b" \n", "the answer is empty"),
        ("cloudtrail", "DescribeTrails", 400, b'{"message": "caf\xe9"}', "not UTF-8"),
        # Another XML document: EC2 would read it as no security groups, IAM raise KeyError.
        ("ec2", "DescribeSecurityGroups", 200, b"<Status><Code>OK</Code></Status>", "not a Describe"),
        ("ec2", "DescribeRegions", 200, b"<DescribeVpcsResponse/>", "not a DescribeRegionsResponse"),
        ("iam", "GetAccountSummary", 200, b'<?xml version="1.0"?>\n<Maintenance/>', "not a GetAccount"),
        ("sts", "GetCallerIdentity", 200, b"<!-- cached --><Foo><Bar>1</Bar></Foo>", "not a GetCaller"),
        ("s3", "ListBuckets", 200, b"<Maintenance><Until>noon</Until></Maintenance>", "not a ListAllMy"),
        ("cloudfront", "ListDistributions", 200, b"<Maintenance/>", "not a DistributionList"),
        ("route53", "ListHostedZones", 200, b"<Error/>", "not a ListHostedZonesResponse"),
        ("cloudtrail", "DescribeTrails", 200, b"null", "not an object"),
        ("cloudtrail", "DescribeTrails", 200, b"[]", "not an object"),
        ("apigateway", "GetRestApis", 200, b'"maintenance"', "not an object"),
    ],
)
def test_answers_that_are_none_are_refused_before_botocore_parses_them(
    service: str, operation: str, status: int, body: bytes, problem: str
) -> None:
    with pytest.raises(ResponseParserError, match=problem):
        _check(service, operation, status, body)


@pytest.mark.parametrize(
    ("service", "operation", "status", "body"),
    [
        ("cloudtrail", "DescribeTrails", 200, b'{"trailList": []}'),
        ("s3", "ListBuckets", 200, b"<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>"),
        ("s3", "GetBucketPolicy", 200, b'{"Version": "2012-10-17", "Statement": []}'),
        ("s3", "HeadBucket", 200, b""),  # its answer is all headers
        ("cloudtrail", "DescribeTrails", 502, HTML),  # an error answer: botocore makes a ClientError of it
        ("cloudtrail", "DescribeTrails", 400, b'{"__type": "AccessDeniedException", "message": "no"}'),
        (
            "ec2",
            "DescribeRegions",
            200,
            b'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/'
            b'doc/2016-11-15/"><regionInfo/></DescribeRegionsResponse>',
        ),
        (
            "iam",
            "GetAccountSummary",
            200,
            b"<GetAccountSummaryResponse><GetAccountSummaryResult/></GetAccountSummaryResponse>",
        ),
        ("ec2", "DescribeRegions", 400, b"<Response><Errors/></Response>"),  # an error: botocore's
    ],
)
def test_real_answers_and_error_answers_are_left_to_botocore(
    service: str, operation: str, status: int, body: bytes
) -> None:
    _check(service, operation, status, body)


def test_a_parser_error_is_recorded_by_its_first_line_without_the_body() -> None:
    error = ResponseParserError(
        "Unable to parse response (mismatched tag: line 6, column 2), invalid XML received. "
        "Further retries may succeed:\nb'<html>... a whole page ...'"
    )
    assert failure_details(error) == (
        MALFORMED_ANSWER,
        "Unable to parse response (mismatched tag: line 6, column 2), invalid XML received.",
    )


def test_error_answers_and_missing_answers_keep_their_code_and_message() -> None:
    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetBucketPolicy")
    assert failure_details(denied) == ("AccessDenied", "no")
    unreachable = EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
    assert failure_details(unreachable) == (
        "EndpointConnectionError",
        'Could not connect to the endpoint URL: "http://127.0.0.1:9"',
    )


def _raise(error: Exception) -> NoReturn:
    raise error


@pytest.fixture
def context() -> AccountContext:
    return AccountContext(session=AwsSession(botocore_session=botocore.session.Session()), account_id=ACCOUNT)


def test_a_malformed_answer_is_recorded_as_a_failed_call(context: AccountContext) -> None:
    page = ResponseParserError("Unable to parse response: the answer is an HTML page")

    assert context.attempt("s3", "GetBucketPolicy", "us-east-1", lambda: _raise(page), "bucket") is None

    assert [error.describe() for error in context.errors] == [
        "s3:GetBucketPolicy for bucket in us-east-1 failed: MalformedAnswer: "
        "Unable to parse response: the answer is an HTML page"
    ]


def test_a_refused_call_is_a_bug_that_is_never_recorded(context: AccountContext) -> None:
    refused = ReadOnlyViolation("refused to call iam:ListUsers")

    with pytest.raises(ReadOnlyViolation):
        context.attempt("iam", "GetAccountSummary", "us-east-1", lambda: _raise(refused))

    assert context.errors == ()
