"""DNS targets, addresses and takeover-prone services, table by table.

The references are AWS's endpoint names (S3 website `-region` and `.region` forms, S3 REST global,
`.region`, `-region` and dual-stack forms, the China partition's `.amazonaws.com.cn`; Elastic
Beanstalk `<prefix>.<region>.elasticbeanstalk.com`; classic, application and network load balancers;
API Gateway `<id>.execute-api.<region>`; EC2 public host names), RFC 6890's special-purpose address
blocks, and the format of AWS's ip-ranges.json. Names are compared lower case, without the final dot,
with Route53's `\\052` read as `*`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.semantics.dns import (
    AwsRanges,
    TargetKind,
    classify_target,
    is_private_or_reserved,
    normalise_name,
    parse_ip_ranges,
)
from cloudwarden.semantics.takeover import load_fingerprints, match_service

# --- names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("www.example.com", "www.example.com"),
        ("www.example.com.", "www.example.com"),
        ("WWW.Example.COM.", "www.example.com"),
        (" www.example.com. ", "www.example.com"),
        ("\\052.example.com.", "*.example.com"),
        ("\\052.Dev.Example.com", "*.dev.example.com"),
    ],
)
def test_normalise_name(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


S3_WEBSITE = TargetKind.S3_WEBSITE
S3_REST = TargetKind.S3_REST
BEANSTALK = TargetKind.BEANSTALK
CLOUDFRONT = TargetKind.CLOUDFRONT
LOAD_BALANCER = TargetKind.LOAD_BALANCER
API_GATEWAY = TargetKind.API_GATEWAY
EC2_HOST = TargetKind.EC2_HOST
OTHER_AWS = TargetKind.OTHER_AWS
OTHER = TargetKind.OTHER

CLASSIFIED = [
    # S3 website endpoints: `s3-website-<region>` and `s3-website.<region>`, with or without a bucket
    ("shop-assets.s3-website-us-east-1.amazonaws.com", S3_WEBSITE),
    ("shop-assets.s3-website.eu-west-1.amazonaws.com", S3_WEBSITE),
    ("www.example.com.s3-website-ap-southeast-2.amazonaws.com", S3_WEBSITE),
    ("s3-website-us-west-2.amazonaws.com", S3_WEBSITE),
    ("s3-website.eu-central-1.amazonaws.com.", S3_WEBSITE),
    ("shop-assets.s3-website-us-gov-west-1.amazonaws.com", S3_WEBSITE),
    ("shop-assets.s3-website.cn-north-1.amazonaws.com.cn", S3_WEBSITE),
    ("Shop-Assets.S3-Website-US-East-1.AmazonAWS.com.", S3_WEBSITE),
    # S3 REST endpoints: global, `.region`, `-region`, dual-stack, China
    ("shop-assets.s3.amazonaws.com", S3_REST),
    ("shop-assets.s3.eu-west-1.amazonaws.com", S3_REST),
    ("shop-assets.s3-eu-west-1.amazonaws.com", S3_REST),
    ("shop-assets.s3.dualstack.eu-west-1.amazonaws.com", S3_REST),
    ("www.example.com.s3.amazonaws.com", S3_REST),
    ("s3.amazonaws.com", S3_REST),
    ("s3.amazonaws.com.", S3_REST),
    ("s3.eu-west-1.amazonaws.com", S3_REST),
    ("shop-assets.s3.cn-northwest-1.amazonaws.com.cn", S3_REST),
    ("SHOP-ASSETS.S3.AMAZONAWS.COM.", S3_REST),
    # Elastic Beanstalk
    ("shop-prod.us-east-1.elasticbeanstalk.com", BEANSTALK),
    ("Shop-Prod.EU-West-1.ElasticBeanstalk.com.", BEANSTALK),
    # CloudFront
    ("d1a2b3c4d5e6f7.cloudfront.net", CLOUDFRONT),
    ("D1A2B3C4D5E6F7.CloudFront.NET.", CLOUDFRONT),
    # Load balancers: classic, application (internal, dual-stack), network
    ("shop-lb-1234567890.eu-west-1.elb.amazonaws.com", LOAD_BALANCER),
    ("dualstack.shop-alb-1234567890.eu-west-1.elb.amazonaws.com", LOAD_BALANCER),
    ("internal-shop-alb-1234567890.eu-west-1.elb.amazonaws.com.", LOAD_BALANCER),
    ("shop-nlb-0123456789abcdef.elb.eu-west-1.amazonaws.com", LOAD_BALANCER),
    ("dualstack.shop-nlb-0123456789abcdef.elb.us-east-1.amazonaws.com", LOAD_BALANCER),
    # API Gateway
    ("a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com", API_GATEWAY),
    ("A1B2C3D4E5.Execute-Api.EU-West-1.amazonaws.com.", API_GATEWAY),
    # EC2 public host names
    ("ec2-54-239-28-85.compute-1.amazonaws.com", EC2_HOST),
    ("ec2-52-95-245-7.eu-west-1.compute.amazonaws.com", EC2_HOST),
    # other AWS names
    ("orders.c9akciq32lce.eu-west-1.rds.amazonaws.com", OTHER_AWS),
    ("shop-ap-123456789012.s3-accesspoint.eu-west-1.amazonaws.com", OTHER_AWS),
    ("a1234567890abcdef.awsglobalaccelerator.com", OTHER_AWS),
    ("xyz123abc.eu-west-1.awsapprunner.com", OTHER_AWS),
    ("sqs.cn-north-1.amazonaws.com.cn", OTHER_AWS),
    ("amazonaws.com", OTHER_AWS),
    # not AWS: third parties, look-alikes, AWS names as a prefix of another domain
    ("example-org.github.io", OTHER),
    ("www.example.com.", OTHER),
    ("\\052.example.com", OTHER),
    ("amazonaws.com.example.net", OTHER),
    ("s3.amazonaws.com.example.net", OTHER),
    ("shop-assets.s3-website-us-east-1.amazonaws.com.example.net", OTHER),
    ("d1a2b3c4d5e6f7.cloudfront.net.example.net", OTHER),
    ("notamazonaws.com", OTHER),
    ("mycloudfront.net", OTHER),
]


@pytest.mark.parametrize(("name", "kind"), CLASSIFIED)
def test_classify_target_kind(name: str, kind: TargetKind) -> None:
    target = classify_target(name)
    assert target.kind is kind
    assert target.name == normalise_name(name)


@pytest.mark.parametrize(
    ("name", "region", "detail"),
    [
        ("shop-assets.s3-website-us-east-1.amazonaws.com", "us-east-1", "shop-assets"),
        ("shop-assets.s3-website.eu-west-1.amazonaws.com", "eu-west-1", "shop-assets"),
        ("www.example.com.s3-website-ap-southeast-2.amazonaws.com", "ap-southeast-2", "www.example.com"),
        ("s3-website-us-west-2.amazonaws.com", "us-west-2", None),
        ("shop-assets.s3-website-us-gov-west-1.amazonaws.com", "us-gov-west-1", "shop-assets"),
        ("shop-assets.s3-website.cn-north-1.amazonaws.com.cn", "cn-north-1", "shop-assets"),
        ("shop-assets.s3.amazonaws.com", None, "shop-assets"),
        ("shop-assets.s3.eu-west-1.amazonaws.com", "eu-west-1", "shop-assets"),
        ("shop-assets.s3-eu-west-1.amazonaws.com", "eu-west-1", "shop-assets"),
        ("shop-assets.s3.dualstack.eu-west-1.amazonaws.com", "eu-west-1", "shop-assets"),
        ("www.example.com.s3.amazonaws.com", None, "www.example.com"),
        ("s3.amazonaws.com", None, None),
        ("SHOP-ASSETS.S3.AMAZONAWS.COM.", None, "shop-assets"),
        ("shop-prod.us-east-1.elasticbeanstalk.com", "us-east-1", "shop-prod"),
        ("Shop-Prod.EU-West-1.ElasticBeanstalk.com.", "eu-west-1", "shop-prod"),
        ("a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com", "eu-west-1", "a1b2c3d4e5"),
        ("A1B2C3D4E5.Execute-Api.EU-West-1.amazonaws.com.", "eu-west-1", "a1b2c3d4e5"),
        ("ec2-54-239-28-85.compute-1.amazonaws.com", "us-east-1", "54.239.28.85"),
        ("ec2-52-95-245-7.eu-west-1.compute.amazonaws.com", "eu-west-1", "52.95.245.7"),
    ],
)
def test_classify_target_region_and_detail(name: str, region: str | None, detail: str | None) -> None:
    target = classify_target(name)
    assert (target.region, target.detail) == (region, detail)


def test_other_targets_have_no_region_or_detail() -> None:
    target = classify_target("Example-Org.GitHub.io.")
    assert (target.kind, target.name, target.region, target.detail) == (
        OTHER,
        "example-org.github.io",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("shop-lb-1234567890.cn-north-1.elb.amazonaws.com.cn", LOAD_BALANCER),
        ("shop-nlb-0123456789abcdef.elb.cn-north-1.amazonaws.com.cn", LOAD_BALANCER),
        ("a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn", API_GATEWAY),
        ("ec2-54-223-1-2.cn-north-1.compute.amazonaws.com.cn", EC2_HOST),
    ],
)
def test_china_names_of_inventoried_services_keep_their_kind(name: str, kind: TargetKind) -> None:
    """The China partition names load balancers, APIs and EC2 hosts like the others, in `.com.cn`."""
    assert classify_target(name).kind is kind


# --- addresses --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        # private and special-purpose IPv4
        ("10.0.0.1", True),
        ("10.255.255.255", True),
        ("172.16.0.1", True),
        ("172.31.255.255", True),
        ("192.168.1.10", True),
        ("127.0.0.1", True),
        ("0.0.0.0", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),
        ("100.127.255.255", True),
        ("192.0.0.8", True),
        ("192.0.2.10", True),
        ("198.18.0.1", True),
        ("198.19.255.255", True),
        ("198.51.100.7", True),
        ("203.0.113.9", True),
        ("224.0.0.251", True),
        ("240.0.0.1", True),
        ("255.255.255.255", True),
        (" 10.0.0.1 ", True),
        # special-purpose IPv6
        ("::", True),
        ("::1", True),
        ("fd12:3456:789a::1", True),
        ("fc00::1", True),
        ("fe80::1", True),
        ("ff02::1", True),
        ("2001:db8::1", True),
        # public, including the neighbours of the blocks above
        ("8.8.8.8", False),
        ("54.239.28.85", False),
        ("9.255.255.255", False),
        ("11.0.0.0", False),
        ("172.15.255.255", False),
        ("172.32.0.0", False),
        ("100.63.255.255", False),
        ("100.128.0.0", False),
        ("192.169.0.1", False),
        ("198.17.255.255", False),
        ("198.20.0.0", False),
        ("223.255.255.255", False),
        ("2600:1f18:4a3:6900::1c", False),
        ("2a05:d018::1", False),
        ("2001:db9::1", False),
        # not addresses
        ("example.com", None),
        ("10.0.0.256", None),
        ("10.0.0.0/8", None),
        ("", None),
        ("ec2-54-239-28-85", None),
    ],
)
def test_is_private_or_reserved(address: str, expected: bool | None) -> None:
    assert is_private_or_reserved(address) is expected


RANGES = AwsRanges(("52.94.76.0/22", "54.239.0.0/17", "2600:1f18::/36"))


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("52.94.76.0", True),
        ("52.94.79.255", True),
        ("52.94.75.255", False),
        ("52.94.80.0", False),
        ("54.239.28.85", True),
        ("54.239.127.255", True),
        ("54.239.128.0", False),
        (" 54.239.28.85 ", True),
        ("8.8.8.8", False),
        ("2600:1f18::1", True),
        ("2600:1f18:4a3:6900::1c", True),
        ("2600:1F18:04A3:6900:0000:0000:0000:001C", True),
        ("2600:1f18:1000::1", False),
        ("2600:1f17:ffff::1", False),
    ],
)
def test_aws_ranges_contains(address: str, expected: bool) -> None:
    assert RANGES.contains(address) is expected


def test_aws_ranges_accept_host_bits_and_skip_what_is_not_a_prefix() -> None:
    ranges = AwsRanges(("not-a-prefix", "52.95.245.7/24", "300.1.2.0/24"))
    assert ranges.contains("52.95.245.200")
    assert not ranges.contains("52.95.246.1")


def test_aws_ranges_of_one_family_do_not_contain_the_other() -> None:
    assert not AwsRanges(("::/0",)).contains("8.8.8.8")
    assert not AwsRanges(("0.0.0.0/0",)).contains("2600:1f18::1")


def test_empty_aws_ranges_contain_nothing() -> None:
    assert not AwsRanges(()).contains("54.239.28.85")


# --- ip-ranges.json ---------------------------------------------------------------------------------


def ip_ranges_document(prefixes: list[dict[str, Any]], ipv6: list[dict[str, Any]] | None = None) -> str:
    """An ip-ranges.json document, as AWS publishes it."""
    document: dict[str, Any] = {
        "syncToken": "1718380000",
        "createDate": "2025-06-14-16-13-02",
        "prefixes": prefixes,
    }
    if ipv6 is not None:
        document["ipv6_prefixes"] = ipv6
    return json.dumps(document)


def v4(prefix: str, service: str = "AMAZON", region: str = "eu-west-1") -> dict[str, Any]:
    return {"ip_prefix": prefix, "region": region, "service": service, "network_border_group": region}


def v6(prefix: str, service: str = "AMAZON", region: str = "us-east-1") -> dict[str, Any]:
    return {"ipv6_prefix": prefix, "region": region, "service": service, "network_border_group": region}


def test_parse_ip_ranges_gives_every_prefix_once_sorted() -> None:
    text = ip_ranges_document(
        [v4("54.239.0.0/17"), v4("52.94.76.0/22"), v4("52.94.76.0/22", service="EC2")],
        [v6("2600:1f18::/36"), v6("2600:1f18::/36", service="EC2")],
    )
    assert parse_ip_ranges(text) == ("2600:1f18::/36", "52.94.76.0/22", "54.239.0.0/17")


def test_parse_ip_ranges_without_ipv6_prefixes() -> None:
    assert parse_ip_ranges(ip_ranges_document([v4("52.94.76.0/22")])) == ("52.94.76.0/22",)


def test_parse_ip_ranges_result_feeds_aws_ranges() -> None:
    text = ip_ranges_document([v4("52.94.76.0/22")], [v6("2600:1f18::/36")])
    ranges = AwsRanges(parse_ip_ranges(text))
    assert ranges.contains("52.94.77.1")
    assert ranges.contains("2600:1f18::1")
    assert not ranges.contains("52.94.80.1")


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"syncToken": "1718380000", "ipv6_prefixes": []}),
        json.dumps([v4("52.94.76.0/22")]),
        "null",
    ],
)
def test_document_without_prefixes_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="no 'prefixes'"):
        parse_ip_ranges(text)


def test_text_that_is_not_json_is_rejected() -> None:
    with pytest.raises(ValueError, match="Expecting value"):
        parse_ip_ranges("<html>Access Denied</html>")


@pytest.mark.parametrize(
    "text",
    [
        ip_ranges_document([v4("52.94.76.0/33")]),
        ip_ranges_document([v4("not-a-prefix")]),
        ip_ranges_document([v4("52.94.76.0/22")], [v6("2600:1f18::/129")]),
    ],
)
def test_bad_prefix_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 network"):
        parse_ip_ranges(text)


def test_a_long_bad_prefix_is_quoted_cut_to_its_beginning_and_length() -> None:
    with pytest.raises(ValueError, match=r"\.\.\. \(10000002 characters\) does not appear to be") as caught:
        parse_ip_ranges(ip_ranges_document([v4("1" * 10_000_000)]))
    assert len(str(caught.value)) < 200


def test_deep_nesting_is_rejected() -> None:
    with pytest.raises(ValueError, match="nested too deeply"):
        parse_ip_ranges('{"prefixes": ' + "[" * 100_000 + "]" * 100_000 + "}")


# --- takeover-prone services ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "service"),
    [
        ("example-org.github.io", "GitHub Pages"),
        ("Example-Org.GitHub.IO.", "GitHub Pages"),
        ("shop-frontend.herokuapp.com", "Heroku"),
        ("SHOP-FRONTEND.HEROKUAPP.COM.", "Heroku"),
        ("shop-frontend-1a2b3c.herokudns.com", "Heroku"),
    ],
)
def test_match_service(target: str, service: str) -> None:
    found = match_service(target)
    assert found is not None
    assert found.service == service


@pytest.mark.parametrize(
    "target",
    [
        "github.io",
        "herokuapp.com",
        "notgithub.io",
        "example-org.github.io.example.net",
        "shop-frontend.herokuapp.com.example.net",
        "www.example.org",
    ],
)
def test_match_service_none(target: str) -> None:
    assert match_service(target) is None


def test_takeover_data_of_github_pages_and_heroku() -> None:
    by_name = {service.service: service for service in load_fingerprints()}
    github, heroku = by_name["GitHub Pages"], by_name["Heroku"]
    assert github.nxdomain_claimable is False
    assert github.http_status == 404
    assert "There isn't a GitHub Pages site here." in github.http_fingerprints
    # herokuapp.com answers every name (wildcard DNS): NXDOMAIN never says a Heroku name is free.
    assert heroku.nxdomain_claimable is False
    assert "No such app" in heroku.http_fingerprints


def test_takeover_services_have_unique_names_and_some_patterns() -> None:
    names = [service.service for service in load_fingerprints()]
    assert len(names) == len(set(names))
    assert all(service.cname_patterns for service in load_fingerprints())
