"""The rule route53-no-dangling-records on hand-built snapshots: exact verdicts per record set.

Each judged record set (A, AAAA, CNAME, NS below the apex) of a public zone gets one verdict, its id
`<zone id>/<name>/<type>` (and `/<set identifier>` for weighted, latency... variants). A target is
judged against the account's own inventory: S3 serves the bucket named by the record name; an Elastic
Beanstalk name is ours, taken by someone else, or free; CloudFront, load balancer and API Gateway
names cannot be claimed by another account (stale: low); an AWS address must be held by the account;
a Route53 delegation must reach a zone of the account with exactly its name servers; takeover-prone
third-party names need live checks. Data that could not be read makes the verdict UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import pytest

from cloudwarden.findings import Severity, Status, UnknownCause
from cloudwarden.rules import route53_no_dangling_records as route53_rule
from cloudwarden.rules.base import Verdict
from cloudwarden.rules.route53_no_dangling_records import ROUTE53_NO_DANGLING_RECORDS
from cloudwarden.semantics import takeover
from cloudwarden.semantics.dns import AwsRanges
from cloudwarden.semantics.takeover import Fingerprint
from cloudwarden.snapshot import AccountSnapshot, ApiError, Collection, Distribution, RecordSet, Route53Data

from .builders import (
    ACCOUNT_ID,
    AWS_ADDRESS,
    AWS_ADDRESS_V6,
    OTHER_ACCOUNT_ID,
    OUTSIDE_AWS_ADDRESS,
    ZONE,
    ZONE_ID,
    ZONE_NAME,
    ZONE_SERVERS,
    alias_record,
    context,
    hosted_zone,
    live_check,
    outcomes,
    record_set,
    route53_account,
    route53_api_error,
    route53_data,
    run,
    s3_api_error,
    severity_of,
    single,
)

RECORD = "assets.example.com"
"""The record name most tests judge; S3 serves the bucket of this name."""
CHILD = "dev.example.com"
CHILD_ZONE_ID = "Z08761232DEVEXAMPLE2"
CHILD_SERVERS = (
    "ns-1536.awsdns-00.co.uk",
    "ns-0.awsdns-00.com",
    "ns-1024.awsdns-00.org",
    "ns-512.awsdns-00.net",
)
"""The delegation set of this account's zone dev.example.com."""
OTHER_SERVERS = (
    "ns-1300.awsdns-34.org",
    "ns-1900.awsdns-45.co.uk",
    "ns-200.awsdns-25.com",
    "ns-900.awsdns-40.net",
)
"""Route53 name servers of a zone this account does not own."""

S3_WEBSITE_ZONE = "Z1BKCTXD74EZPE"
"""The hosted zone id of S3 website endpoints in eu-west-1 (the AliasTarget.HostedZoneId to use)."""
CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"
ELB_ZONE = "Z32O12XQLNTSW2"
NLB_ZONE = "Z2IFOLAFXWLO4F"
BEANSTALK_ZONE = "Z2NYPWQ7DFZAZH"

BEANSTALK_NAME = "shop-prod.eu-west-1.elasticbeanstalk.com"
DISTRIBUTION = "d1a2b3c4d5e6f7.cloudfront.net"
CLASSIC_LB = "shop-lb-1234567890.eu-west-1.elb.amazonaws.com"
APP_LB = "shop-alb-1234567890.eu-west-1.elb.amazonaws.com"
NETWORK_LB = "shop-nlb-0123456789abcdef.elb.eu-west-1.amazonaws.com"
API_ID = "a1b2c3d4e5"
API_HOST = f"{API_ID}.execute-api.eu-west-1.amazonaws.com"

S3_TARGETS = (
    "shop-assets.s3-website-us-east-1.amazonaws.com",
    "shop-assets.s3-website.eu-west-1.amazonaws.com",
    "shop-assets.s3.amazonaws.com",
    "shop-assets.s3.eu-west-1.amazonaws.com",
    "shop-assets.s3-eu-west-1.amazonaws.com",
    "s3.amazonaws.com",
)
"""CNAME targets served by S3, in every region form (website and REST)."""


def rid(name: str, record_type: str, set_identifier: str | None = None, zone_id: str = ZONE_ID) -> str:
    """The expected resource id of a record set."""
    base = f"{zone_id}/{name}/{record_type}"
    return f"{base}/{set_identifier}" if set_identifier else base


def check(
    data: Route53Data | None, *, own_buckets: Sequence[str] | None = (), errors: Sequence[ApiError] = ()
) -> list[Verdict]:
    """The rule's verdicts on an account with this DNS data, holding `own_buckets`."""
    return run(ROUTE53_NO_DANGLING_RECORDS, route53_account(data, own_buckets=own_buckets, errors=errors))


def judge(
    record: RecordSet,
    data: Route53Data | None = None,
    *,
    own_buckets: Sequence[str] | None = (),
    errors: Sequence[ApiError] = (),
) -> Verdict:
    """The only verdict, that of `record`, on `data` (by default: the zone holding only `record`,
    nothing owned)."""
    data = route53_data(record) if data is None else data
    verdicts = check(data, own_buckets=own_buckets, errors=errors)
    verdict = single(verdicts)
    assert verdict.resource.id == rid(record.name, record.type, record.set_identifier, record.zone_id)
    return verdict


def severity(verdict: Verdict) -> Severity:
    return severity_of(ROUTE53_NO_DANGLING_RECORDS, verdict)


def cname(target: str, name: str = RECORD, set_identifier: str | None = None) -> RecordSet:
    return record_set(name, "CNAME", target, set_identifier=set_identifier)


# --- what is judged ---------------------------------------------------------------------------------


def test_the_rule_is_about_route53_record_sets_and_defaults_to_high() -> None:
    assert ROUTE53_NO_DANGLING_RECORDS.id == "route53-no-dangling-records"
    assert ROUTE53_NO_DANGLING_RECORDS.resource_type == "AWS::Route53::RecordSet"
    assert ROUTE53_NO_DANGLING_RECORDS.severity is Severity.HIGH


def test_the_rule_reads_dns_buckets_and_network_interfaces_and_exactly_these_actions() -> None:
    """Buckets (S3 serves the bucket a record names) and interfaces' public addresses (EC2) are ours
    too, in this account and through the organisation's inventory."""
    assert ROUTE53_NO_DANGLING_RECORDS.needs == {Collection.ROUTE53, Collection.S3, Collection.EC2}
    assert set(ROUTE53_NO_DANGLING_RECORDS.permissions) == {
        "route53:ListHostedZones",
        "route53:GetHostedZone",
        "route53:ListResourceRecordSets",
        "ec2:DescribeAddresses",
        "ec2:DescribeNetworkInterfaces",
        "cloudfront:ListDistributions",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticbeanstalk:DescribeEnvironments",
        "elasticbeanstalk:CheckDNSAvailability",
        "apigateway:GET",
        "s3:ListAllMyBuckets",
        "s3:ListBucket",
    }


def test_aws_ranges_are_built_once_per_evaluation_though_each_account_holds_its_own_copy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A snapshot read from JSON gives every account an equal copy of the ranges: they are built once
    for the evaluation, and again for the next one (no cache outlives its evaluation)."""
    built: list[tuple[str, ...]] = []

    def counted(prefixes: tuple[str, ...]) -> AwsRanges:
        built.append(prefixes)
        return AwsRanges(prefixes)

    monkeypatch.setattr(route53_rule, "AwsRanges", counted)
    record = record_set("app.example.com", "A", AWS_ADDRESS)
    first, second = (
        msgspec.json.decode(
            msgspec.json.encode(route53_account(route53_data(record), account_id=account_id)),
            type=AccountSnapshot,
        )
        for account_id in (ACCOUNT_ID, OTHER_ACCOUNT_ID)
    )
    assert first.route53 is not None
    assert second.route53 is not None
    assert first.route53.aws_ranges == second.route53.aws_ranges
    assert first.route53.aws_ranges is not second.route53.aws_ranges
    evaluation = context()
    verdicts = [
        *run(ROUTE53_NO_DANGLING_RECORDS, first, evaluation),
        *run(ROUTE53_NO_DANGLING_RECORDS, second, evaluation),
    ]
    assert [verdict.status for verdict in verdicts] == [Status.FAIL, Status.FAIL]
    assert len(built) == 1
    run(ROUTE53_NO_DANGLING_RECORDS, first, context())
    assert len(built) == 2


def test_zone_without_records_has_no_verdict() -> None:
    assert check(route53_data()) == []


def test_txt_mx_soa_and_apex_ns_records_have_no_verdict() -> None:
    data = route53_data(
        record_set(
            ZONE_NAME, "SOA", "ns-1142.awsdns-14.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"
        ),
        record_set(ZONE_NAME, "NS", *ZONE_SERVERS),
        record_set(ZONE_NAME, "MX", "10 inbound-smtp.eu-west-1.amazonaws.com"),
        record_set(ZONE_NAME, "TXT", '"v=spf1 include:amazonses.com -all"'),
        record_set("_dmarc.example.com", "TXT", '"v=DMARC1; p=reject"'),
        record_set("_sip._tcp.example.com", "SRV", "10 60 5060 sip.example.com"),
        record_set(ZONE_NAME, "CAA", '0 issue "amazon.com"'),
    )
    assert check(data) == []


def test_records_of_a_private_zone_are_not_judged() -> None:
    internal = hosted_zone("internal.example.com", "Z0PRIVATE000EXAMPLE3", private=True)
    data = route53_data(
        record_set("db.internal.example.com", "A", AWS_ADDRESS, zone_id=internal.id),
        record_set("www.internal.example.com", "CNAME", "old-site.github.io", zone_id=internal.id),
        zones=(ZONE, internal),
    )
    assert check(data) == []


def test_verdict_names_the_record_set_its_zone_and_type() -> None:
    verdict = judge(record_set("www.example.com", "A", "10.0.4.17"))
    assert verdict.resource.type == "AWS::Route53::RecordSet"
    assert verdict.resource.id == f"{ZONE_ID}/www.example.com/A"
    assert verdict.resource.name == "www.example.com"
    assert verdict.region == "global"
    assert verdict.evidence["zone"] == ZONE_NAME
    assert verdict.evidence["type"] == "A"


def test_weighted_variants_of_one_name_are_judged_apart() -> None:
    blue = cname(DISTRIBUTION, "www.example.com", "blue")
    green = cname("e9f8a7b6c5d4e3.cloudfront.net", "www.example.com", "green")
    data = route53_data(blue, green, distributions=[Distribution(domain_name=DISTRIBUTION)])
    assert outcomes(check(data)) == {
        (Status.PASS, f"{ZONE_ID}/www.example.com/CNAME/blue"),
        (Status.FAIL, f"{ZONE_ID}/www.example.com/CNAME/green"),
    }


def test_records_of_every_public_zone_are_judged() -> None:
    other = hosted_zone("example.org", "Z0OTHER0000EXAMPLE4")
    data = route53_data(
        record_set("www.example.com", "A", "10.0.4.17"),
        record_set("www.example.org", "A", AWS_ADDRESS, zone_id=other.id),
        zones=(ZONE, other),
    )
    verdicts = check(data)
    assert outcomes(verdicts) == {
        (Status.PASS, rid("www.example.com", "A")),
        (Status.FAIL, rid("www.example.org", "A", zone_id=other.id)),
    }
    assert {verdict.evidence["zone"] for verdict in verdicts} == {"example.com", "example.org"}


# --- fail closed ------------------------------------------------------------------------------------


def test_dns_not_collected_is_unknown_for_the_account() -> None:
    verdict = single(check(None))
    assert verdict.status is Status.UNKNOWN
    assert verdict.resource.type == "AWS::::Account"
    assert verdict.resource.id == ACCOUNT_ID
    assert verdict.message == "DNS data is missing from the snapshot"


def test_hosted_zones_that_could_not_be_listed_make_the_account_unknown() -> None:
    error = route53_api_error("route53", "ListHostedZones")
    verdicts = check(route53_data(zones=()), errors=[error])
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert verdict.resource.type == "AWS::::Account"
    assert verdict.message == f"the hosted zones could not be read: {error.describe()}"


def test_zone_whose_records_could_not_be_listed_is_unknown_and_other_zones_are_judged() -> None:
    broken = hosted_zone("example.net", "Z0BROKEN000EXAMPLE5")
    error = route53_api_error("route53", "ListResourceRecordSets", resource=broken.id)
    data = route53_data(record_set("www.example.com", "A", "10.0.4.17"), zones=(ZONE, broken))
    verdicts = check(data, errors=[error])
    assert outcomes(verdicts) == {
        (Status.UNKNOWN, broken.id),
        (Status.PASS, rid("www.example.com", "A")),
    }
    (unknown,) = (verdict for verdict in verdicts if verdict.status is Status.UNKNOWN)
    assert unknown.resource.type == "AWS::Route53::HostedZone"
    assert unknown.resource.name == "example.net"
    assert unknown.message == f"the records of example.net could not be read: {error.describe()}"


def test_failed_record_listing_of_another_zone_does_not_make_this_zone_unknown() -> None:
    error = route53_api_error("route53", "ListResourceRecordSets", resource="Z0SOMEOTHERZONE00006")
    assert check(route53_data(), errors=[error]) == []


# --- S3 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", S3_TARGETS)
def test_cname_to_s3_without_a_bucket_named_like_the_record_fails_high(target: str) -> None:
    verdict = judge(cname(target), own_buckets=["shop-assets"])
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.HIGH
    assert verdict.message == (
        f"S3 serves the bucket named by the Host header, {RECORD}, and no scanned or trusted account owns "
        "such a bucket: anyone can create it and serve content under this name"
    )
    assert verdict.evidence["bucket_served"] == RECORD
    assert verdict.evidence["target"] == target
    assert verdict.evidence["target_kind"] in {"s3-website", "s3-rest"}


@pytest.mark.parametrize("target", S3_TARGETS)
def test_cname_to_s3_with_an_owned_bucket_named_like_the_record_passes(target: str) -> None:
    verdict = judge(cname(target), own_buckets=["shop-assets", RECORD])
    assert verdict.status is Status.PASS
    assert verdict.message == f"S3 serves the bucket named {RECORD}, which this account owns"
    assert verdict.evidence["bucket_served"] == RECORD


def test_alias_to_an_s3_website_endpoint_without_the_bucket_fails_high() -> None:
    record = alias_record(RECORD, "s3-website-eu-west-1.amazonaws.com", S3_WEBSITE_ZONE)
    verdict = judge(record)
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.HIGH
    assert verdict.evidence["target_kind"] == "s3-website"
    assert verdict.evidence["bucket_served"] == RECORD


def test_alias_to_an_s3_website_endpoint_with_the_bucket_passes() -> None:
    record = alias_record(RECORD, "s3-website-eu-west-1.amazonaws.com", S3_WEBSITE_ZONE)
    assert judge(record, own_buckets=[RECORD]).status is Status.PASS


def test_wildcard_cname_to_s3_fails_as_no_bucket_can_have_its_name() -> None:
    verdict = judge(cname("shop-assets.s3-website.eu-west-1.amazonaws.com", "*.example.com"))
    assert verdict.status is Status.FAIL
    assert verdict.evidence["bucket_served"] == "*.example.com"


def test_cname_to_s3_is_unknown_when_the_buckets_could_not_be_listed() -> None:
    error = s3_api_error("ListBuckets")
    record = cname("shop-assets.s3.amazonaws.com")
    verdicts = check(route53_data(record), own_buckets=None, errors=[error])
    assert outcomes(verdicts) == {(Status.UNKNOWN, rid(RECORD, "CNAME"))}
    assert single(verdicts).message == f"the account's buckets could not be read: {error.describe()}"
    assert single(verdicts).unknown_cause is UnknownCause.FAILED_CALL


# --- Elastic Beanstalk ------------------------------------------------------------------------------


def test_cname_to_an_owned_beanstalk_environment_passes() -> None:
    data = route53_data(cname(BEANSTALK_NAME), beanstalk_cnames=[BEANSTALK_NAME])
    verdict = judge(cname(BEANSTALK_NAME), data)
    assert verdict.status is Status.PASS
    assert verdict.message == f"{BEANSTALK_NAME} is an Elastic Beanstalk environment of this account"
    assert verdict.evidence["target_kind"] == "elastic-beanstalk"


def test_cname_to_an_available_beanstalk_name_fails_high() -> None:
    data = route53_data(cname(BEANSTALK_NAME), beanstalk_available={BEANSTALK_NAME: True})
    verdict = judge(cname(BEANSTALK_NAME), data)
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.HIGH
    assert "belongs to no environment and is available" in verdict.message


def test_alias_to_an_available_beanstalk_name_fails_high() -> None:
    record = alias_record(RECORD, BEANSTALK_NAME, BEANSTALK_ZONE)
    data = route53_data(record, beanstalk_available={BEANSTALK_NAME: True})
    verdict = judge(record, data)
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.HIGH


def test_cname_to_a_beanstalk_name_held_by_another_account_passes_with_a_note() -> None:
    data = route53_data(cname(BEANSTALK_NAME), beanstalk_available={BEANSTALK_NAME: False})
    verdict = judge(cname(BEANSTALK_NAME), data)
    assert verdict.status is Status.PASS
    assert "another account holds it" in verdict.message
    assert "remove the record if it is no longer used" in verdict.message


def test_cname_to_a_beanstalk_name_whose_availability_is_unanswered_is_unknown() -> None:
    error = route53_api_error(
        "elasticbeanstalk", "CheckDNSAvailability", resource=BEANSTALK_NAME, region="eu-west-1"
    )
    data = route53_data(cname(BEANSTALK_NAME))
    verdicts = check(data, errors=[error])
    assert outcomes(verdicts) == {(Status.UNKNOWN, rid(RECORD, "CNAME"))}
    assert error.describe() in single(verdicts).message


def test_beanstalk_name_reserved_by_someone_is_unknown_when_our_environments_could_not_be_read() -> None:
    error = route53_api_error("elasticbeanstalk", "DescribeEnvironments", region="eu-west-1")
    data = route53_data(
        cname(BEANSTALK_NAME), beanstalk_cnames=None, beanstalk_available={BEANSTALK_NAME: False}
    )
    verdicts = check(data, errors=[error])
    assert outcomes(verdicts) == {(Status.UNKNOWN, rid(RECORD, "CNAME"))}
    assert error.describe() in single(verdicts).message


def test_available_beanstalk_name_fails_even_when_our_environments_could_not_be_read() -> None:
    """An available name is held by no environment at all, ours included: the record dangles."""
    error = route53_api_error("elasticbeanstalk", "DescribeEnvironments", region="eu-west-1")
    data = route53_data(
        cname(BEANSTALK_NAME), beanstalk_cnames=None, beanstalk_available={BEANSTALK_NAME: True}
    )
    verdicts = check(data, errors=[error])
    assert outcomes(verdicts) == {(Status.FAIL, rid(RECORD, "CNAME"))}
    assert severity(single(verdicts)) is Severity.HIGH


# --- CloudFront, load balancers, API Gateway --------------------------------------------------------

UNCLAIMABLE = (
    pytest.param(cname(DISTRIBUTION), "distributions", "CloudFront distribution", id="cloudfront-cname"),
    pytest.param(
        alias_record(RECORD, DISTRIBUTION, CLOUDFRONT_ZONE),
        "distributions",
        "CloudFront distribution",
        id="cloudfront-alias",
    ),
    pytest.param(cname(CLASSIC_LB), "load_balancers", "load balancer", id="classic-lb-cname"),
    pytest.param(
        alias_record(RECORD, f"dualstack.{APP_LB}", ELB_ZONE),
        "load_balancers",
        "load balancer",
        id="alb-dualstack-alias",
    ),
    pytest.param(
        alias_record(RECORD, NETWORK_LB, NLB_ZONE), "load_balancers", "load balancer", id="nlb-alias"
    ),
    pytest.param(cname(API_HOST), "api_ids", "API", id="api-gateway-cname"),
)


def owning(field: str) -> Route53Data:
    """An inventory holding the distribution, the load balancers or the API the targets name."""
    if field == "distributions":
        return route53_data(distributions=[Distribution(domain_name=DISTRIBUTION, aliases=(RECORD,))])
    if field == "load_balancers":
        return route53_data(load_balancers=[CLASSIC_LB, APP_LB, NETWORK_LB])
    return route53_data(api_ids=[API_ID, "z9y8x7w6v5"])


@pytest.mark.parametrize(("record", "field", "what"), UNCLAIMABLE)
def test_target_owned_by_this_account_passes(record: RecordSet, field: str, what: str) -> None:
    inventory = owning(field)
    data = route53_data(
        record,
        distributions=inventory.distributions,
        load_balancers=inventory.load_balancers,
        api_ids=inventory.api_ids,
    )
    verdict = judge(record, data)
    assert verdict.status is Status.PASS
    assert verdict.message == f"points at a {what} of this account"


@pytest.mark.parametrize(("record", "field", "what"), UNCLAIMABLE)
def test_unclaimable_target_not_owned_is_a_stale_record_failing_low(
    record: RecordSet, field: str, what: str
) -> None:
    verdict = judge(record)
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.LOW
    assert verdict.message == (
        f"points at a {what} no scanned account holds; its name cannot be claimed by another account, "
        "so the record is stale: remove it"
    )


@pytest.mark.parametrize(("record", "field", "what"), UNCLAIMABLE)
def test_unclaimable_target_is_unknown_without_the_inventory(
    record: RecordSet, field: str, what: str
) -> None:
    data = route53_data(
        record,
        distributions=None if field == "distributions" else (),
        load_balancers=None if field == "load_balancers" else (),
        api_ids=None if field == "api_ids" else (),
    )
    verdict = judge(record, data)
    assert verdict.status is Status.UNKNOWN
    assert verdict.message.startswith(f"the account's {what}s ")


@pytest.mark.parametrize(
    ("service", "operation", "record", "field"),
    [
        pytest.param(
            "cloudfront",
            "ListDistributions",
            cname(DISTRIBUTION),
            "distributions",
            id="cloudfront-ListDistributions",
        ),
        pytest.param(
            "elb",
            "DescribeLoadBalancers",
            cname(CLASSIC_LB),
            "load_balancers",
            id="elb-DescribeLoadBalancers",
        ),
        pytest.param(
            "elbv2",
            "DescribeLoadBalancers",
            cname(APP_LB),
            "load_balancers",
            id="elbv2-DescribeLoadBalancers",
        ),
        pytest.param("apigateway", "GetRestApis", cname(API_HOST), "api_ids", id="apigateway-GetRestApis"),
        pytest.param("apigatewayv2", "GetApis", cname(API_HOST), "api_ids", id="apigatewayv2-GetApis"),
    ],
)
def test_unknown_inventory_names_the_failed_call(
    service: str, operation: str, record: RecordSet, field: str
) -> None:
    """The service names are those the collection records its failed calls under."""
    error = route53_api_error(service, operation, region="eu-west-1")
    data = route53_data(
        record,
        distributions=None if field == "distributions" else (),
        load_balancers=None if field == "load_balancers" else (),
        api_ids=None if field == "api_ids" else (),
    )
    verdict = judge(record, data, errors=[error])
    assert verdict.status is Status.UNKNOWN
    assert error.describe() in verdict.message


def test_api_gateway_target_is_matched_by_api_id_not_by_host_name() -> None:
    data = route53_data(cname(API_HOST), api_ids=[API_HOST])
    assert judge(cname(API_HOST), data).status is Status.FAIL


def test_cname_to_an_rds_endpoint_is_unknown_as_rds_is_not_inventoried() -> None:
    target = "orders.c9akciq32lce.eu-west-1.rds.amazonaws.com"
    verdict = judge(cname(target, "db.example.com"))
    assert verdict.status is Status.UNKNOWN
    assert verdict.message == (
        f"{target} is an AWS name of a service whose resources cloudwarden does not inventory: "
        "confirm it still belongs to this account"
    )
    assert verdict.evidence["target_kind"] == "other-aws"
    assert verdict.unknown_cause is UnknownCause.UNDECIDABLE


def test_alias_to_a_record_of_this_accounts_own_zone_passes() -> None:
    record = alias_record("example.com", "www.example.com", ZONE_ID)
    verdict = judge(record)
    assert verdict.status is Status.PASS
    assert verdict.message == "alias to a record of this account's own hosted zone"
    assert verdict.evidence["target"] == "www.example.com"


# --- addresses --------------------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["10.0.4.17", "172.20.0.9", "192.168.1.10", "127.0.0.1", "100.64.3.3"])
def test_a_record_to_a_private_address_passes_even_with_aws_ranges_unknown(address: str) -> None:
    record = record_set("intranet.example.com", "A", address)
    verdict = judge(record, route53_data(record, aws_ranges=None))
    assert verdict.status is Status.PASS
    assert verdict.message == "every address is private, reserved, or held by this account"
    assert verdict.evidence["addresses"] == [address]


def test_aaaa_record_to_a_unique_local_address_passes() -> None:
    assert judge(record_set("intranet.example.com", "AAAA", "fd12:3456:789a::1")).status is Status.PASS


def test_a_record_to_an_aws_address_this_account_does_not_hold_fails_high() -> None:
    verdict = judge(record_set("app.example.com", "A", AWS_ADDRESS))
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.HIGH
    assert verdict.message == (
        f"{AWS_ADDRESS} is an AWS address no scanned account holds: whoever is given it next serves this name"
    )
    assert verdict.evidence["addresses"] == [AWS_ADDRESS]


def test_a_record_to_an_elastic_ip_of_this_account_passes() -> None:
    record = record_set("app.example.com", "A", AWS_ADDRESS)
    verdict = judge(record, route53_data(record, elastic_ips=[AWS_ADDRESS]))
    assert verdict.status is Status.PASS
    assert verdict.message == "every address is private, reserved, or held by this account"


def test_a_record_to_a_public_address_of_an_interface_of_this_account_passes() -> None:
    record = record_set("app.example.com", "A", AWS_ADDRESS)
    assert judge(record, route53_data(record, interface_ips=[AWS_ADDRESS])).status is Status.PASS


def test_a_record_outside_aws_passes() -> None:
    verdict = judge(record_set("blog.example.com", "A", OUTSIDE_AWS_ADDRESS))
    assert verdict.status is Status.PASS
    assert verdict.message == "the addresses are outside AWS (not an AWS leftover)"


def test_public_address_is_unknown_when_aws_ranges_are_unknown() -> None:
    record = record_set("blog.example.com", "A", OUTSIDE_AWS_ADDRESS)
    verdict = judge(record, route53_data(record, aws_ranges=None))
    assert verdict.status is Status.UNKNOWN
    assert verdict.message == (
        "AWS's address ranges are unknown (set route53.aws_ip_ranges_file): cannot tell whether "
        f"{OUTSIDE_AWS_ADDRESS} is an AWS address"
    )
    assert verdict.unknown_cause is UnknownCause.NOT_CHECKED


@pytest.mark.parametrize("missing", ["elastic_ips", "interface_ips"])
def test_aws_address_is_unknown_when_the_accounts_addresses_could_not_be_read(missing: str) -> None:
    operation = "DescribeAddresses" if missing == "elastic_ips" else "DescribeNetworkInterfaces"
    error = route53_api_error("ec2", operation, region="eu-west-1")
    record = record_set("app.example.com", "A", AWS_ADDRESS)
    data = route53_data(
        record,
        elastic_ips=None if missing == "elastic_ips" else [AWS_ADDRESS],
        interface_ips=None if missing == "interface_ips" else [AWS_ADDRESS],
    )
    verdict = single(check(data, errors=[error]))
    assert verdict.status is Status.UNKNOWN
    assert verdict.message == f"the account's public addresses could not be read: {error.describe()}"


@pytest.mark.parametrize(
    "values",
    [
        ("52.94.76.10", AWS_ADDRESS),
        (AWS_ADDRESS, "52.94.76.10"),
        (OUTSIDE_AWS_ADDRESS, AWS_ADDRESS),
        ("10.0.0.1", AWS_ADDRESS),
    ],
)
def test_one_unheld_aws_address_among_several_values_fails(values: tuple[str, ...]) -> None:
    record = record_set("app.example.com", "A", *values)
    verdict = judge(record, route53_data(record, elastic_ips=["52.94.76.10"]))
    assert verdict.status is Status.FAIL
    assert AWS_ADDRESS in verdict.message
    assert verdict.evidence["addresses"] == list(values)


def test_several_held_private_and_outside_values_pass() -> None:
    record = record_set("app.example.com", "A", "52.94.76.10", "10.0.0.1", OUTSIDE_AWS_ADDRESS)
    assert judge(record, route53_data(record, elastic_ips=["52.94.76.10"])).status is Status.PASS


def test_aaaa_record_to_an_aws_ipv6_address_not_held_fails_high() -> None:
    verdict = judge(record_set("app.example.com", "AAAA", AWS_ADDRESS_V6))
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.HIGH


def test_aaaa_record_to_an_ipv6_address_of_an_interface_passes() -> None:
    record = record_set("app.example.com", "AAAA", AWS_ADDRESS_V6)
    assert judge(record, route53_data(record, interface_ips=[AWS_ADDRESS_V6])).status is Status.PASS


def test_aaaa_record_written_in_full_matches_the_held_address_in_compressed_form() -> None:
    """Route53 keeps an AAAA value as it was written; EC2 reports the compressed form."""
    written = "2600:1F18:04A3:6900:0000:0000:0000:001C"
    record = record_set("app.example.com", "AAAA", written)
    verdict = judge(record, route53_data(record, interface_ips=[AWS_ADDRESS_V6]))
    assert verdict.status is Status.PASS


@pytest.mark.parametrize(
    "target", ["ec2-54-239-28-85.compute-1.amazonaws.com", "ec2-54-239-28-85.eu-west-1.compute.amazonaws.com"]
)
def test_cname_to_an_ec2_host_name_of_an_address_not_held_fails_high(target: str) -> None:
    verdict = judge(cname(target, "app.example.com"))
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.HIGH
    assert verdict.evidence["addresses"] == [AWS_ADDRESS]
    assert verdict.evidence["target_kind"] == "ec2-host"
    assert verdict.evidence["target"] == target


@pytest.mark.parametrize(
    "target", ["ec2-54-239-28-85.compute-1.amazonaws.com", "ec2-54-239-28-85.eu-west-1.compute.amazonaws.com"]
)
def test_cname_to_an_ec2_host_name_of_a_held_address_passes(target: str) -> None:
    record = cname(target, "app.example.com")
    assert judge(record, route53_data(record, elastic_ips=[AWS_ADDRESS])).status is Status.PASS


def test_cname_to_an_ec2_host_name_is_unknown_when_aws_ranges_are_unknown() -> None:
    record = cname("ec2-54-239-28-85.compute-1.amazonaws.com", "app.example.com")
    assert judge(record, route53_data(record, aws_ranges=None)).status is Status.UNKNOWN


# --- delegations ------------------------------------------------------------------------------------


def delegation(*servers: str) -> RecordSet:
    return record_set(CHILD, "NS", *servers)


def test_delegation_to_an_owned_zone_with_exactly_its_name_servers_passes() -> None:
    record = delegation(*reversed(CHILD_SERVERS))
    data = route53_data(record, zones=(ZONE, hosted_zone(CHILD, CHILD_ZONE_ID, name_servers=CHILD_SERVERS)))
    verdict = judge(record, data)
    assert verdict.status is Status.PASS
    assert verdict.message == "delegated to a hosted zone of this account with exactly these name servers"
    assert verdict.evidence["name_servers"] == sorted(CHILD_SERVERS)


def test_delegation_values_are_compared_without_case_or_final_dot() -> None:
    record = delegation(*(f"{server.upper()}." for server in CHILD_SERVERS))
    data = route53_data(record, zones=(ZONE, hosted_zone(CHILD, CHILD_ZONE_ID, name_servers=CHILD_SERVERS)))
    assert judge(record, data).status is Status.PASS


def test_delegation_to_route53_servers_without_an_owned_zone_fails_high() -> None:
    record = delegation(*OTHER_SERVERS)
    verdict = judge(record)
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.HIGH
    assert verdict.message == (
        "delegated to Route53 name servers of a zone no scanned account owns: anyone can create a "
        "hosted zone of that name and may be given these servers"
    )
    assert verdict.evidence["name_servers"] == sorted(OTHER_SERVERS)


def test_delegation_to_other_route53_servers_than_the_owned_zones_fails() -> None:
    record = delegation(*OTHER_SERVERS)
    data = route53_data(record, zones=(ZONE, hosted_zone(CHILD, CHILD_ZONE_ID, name_servers=CHILD_SERVERS)))
    assert judge(record, data).status is Status.FAIL


def test_delegation_to_only_some_of_the_owned_zones_servers_fails() -> None:
    record = delegation(*CHILD_SERVERS[:2])
    data = route53_data(record, zones=(ZONE, hosted_zone(CHILD, CHILD_ZONE_ID, name_servers=CHILD_SERVERS)))
    assert judge(record, data).status is Status.FAIL


def test_delegation_to_a_zone_of_the_same_name_elsewhere_in_the_tree_fails() -> None:
    record = delegation(*CHILD_SERVERS)
    other = hosted_zone("dev.example.org", CHILD_ZONE_ID, name_servers=CHILD_SERVERS)
    assert judge(record, route53_data(record, zones=(ZONE, other))).status is Status.FAIL


def test_delegation_is_unknown_when_the_owned_zones_name_servers_could_not_be_read() -> None:
    error = route53_api_error("route53", "GetHostedZone", resource=CHILD_ZONE_ID)
    record = delegation(*CHILD_SERVERS)
    data = route53_data(record, zones=(ZONE, hosted_zone(CHILD, CHILD_ZONE_ID, name_servers=None)))
    verdict = single(check(data, errors=[error]))
    assert verdict.status is Status.UNKNOWN
    assert (
        verdict.message == f"the name servers of this account's zones could not be read: {error.describe()}"
    )


def test_private_zone_of_the_delegated_name_does_not_hide_the_public_one() -> None:
    """Split horizon: a private zone dev.example.com has no delegation set, and is not the target."""
    record = delegation(*CHILD_SERVERS)
    zones = (
        ZONE,
        hosted_zone(CHILD, CHILD_ZONE_ID, name_servers=CHILD_SERVERS),
        hosted_zone(CHILD, "Z0PRIVATE000EXAMPLE3", private=True),
    )
    verdict = judge(record, route53_data(record, zones=zones))
    assert verdict.status is Status.PASS


def test_private_zone_of_the_delegated_name_does_not_turn_a_dangling_delegation_unknown() -> None:
    record = delegation(*OTHER_SERVERS)
    zones = (ZONE, hosted_zone(CHILD, "Z0PRIVATE000EXAMPLE3", private=True))
    verdict = judge(record, route53_data(record, zones=zones))
    assert verdict.status is Status.FAIL


def test_third_party_delegation_refused_by_its_servers_fails_high() -> None:
    record = delegation("ns1.dnsprovider.example", "ns2.dnsprovider.example")
    check_result = live_check(rid(CHILD, "NS"), "ns1.dnsprovider.example", delegation_refused=True)
    verdict = judge(record, route53_data(record, live=[check_result]))
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.HIGH
    assert "refuse the zone" in verdict.message


def test_third_party_delegation_answered_by_its_servers_passes() -> None:
    record = delegation("ns1.dnsprovider.example", "ns2.dnsprovider.example")
    check_result = live_check(rid(CHILD, "NS"), "ns1.dnsprovider.example", delegation_refused=False)
    verdict = judge(record, route53_data(record, live=[check_result]))
    assert verdict.status is Status.PASS
    assert verdict.message == "third-party delegation answered by its name servers"


def test_third_party_delegation_whose_live_check_failed_is_unknown() -> None:
    record = delegation("ns1.dnsprovider.example", "ns2.dnsprovider.example")
    check_result = live_check(rid(CHILD, "NS"), "ns1.dnsprovider.example", error="timed out")
    verdict = judge(record, route53_data(record, live=[check_result]))
    assert verdict.status is Status.UNKNOWN
    assert verdict.message == "live check failed: timed out"
    assert verdict.unknown_cause is UnknownCause.FAILED_CALL


# --- takeover-prone third parties -------------------------------------------------------------------

GITHUB_TARGET = "example-org.github.io"
HEROKU_TARGET = "shop-frontend.herokuapp.com"


def test_cname_to_github_pages_without_live_checks_is_unknown() -> None:
    verdict = judge(cname(GITHUB_TARGET, "docs.example.com"))
    assert verdict.status is Status.UNKNOWN
    assert "enable live checks" in verdict.message
    assert verdict.evidence["service"] == "GitHub Pages"
    assert verdict.unknown_cause is UnknownCause.NOT_CHECKED


def test_cname_to_heroku_without_live_checks_is_unknown() -> None:
    verdict = judge(cname(HEROKU_TARGET, "shop.example.com"))
    assert verdict.status is Status.UNKNOWN
    assert "enable live checks" in verdict.message
    assert verdict.evidence["service"] == "Heroku"


def test_github_pages_answering_its_unclaimed_page_fails_high() -> None:
    record = cname(GITHUB_TARGET, "docs.example.com")
    found = live_check(
        rid("docs.example.com", "CNAME"),
        GITHUB_TARGET,
        service="GitHub Pages",
        http_status=404,
        fingerprint_matched=True,
    )
    verdict = judge(record, route53_data(record, live=[found]))
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.HIGH
    assert verdict.message == "GitHub Pages answers with its page for an unclaimed name: anyone can claim it"
    assert verdict.evidence["nxdomain"] is False
    assert verdict.evidence["http_status"] == 404


def test_azure_name_that_does_not_exist_fails_high() -> None:
    target = "acme-shop.azurewebsites.net"
    record = cname(target, "shop.example.com")
    found = live_check(rid("shop.example.com", "CNAME"), target, nxdomain=True, http_status=None)
    verdict = judge(record, route53_data(record, live=[found]))
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.HIGH
    assert verdict.message == f"{target} does not exist (NXDOMAIN): anyone can claim it on Azure App Service"


def test_heroku_name_that_does_not_exist_is_not_a_claimable_nxdomain() -> None:
    """herokuapp.com answers every name: NXDOMAIN there is a DNS failure, not a free name."""
    record = cname(HEROKU_TARGET, "shop.example.com")
    found = live_check(rid("shop.example.com", "CNAME"), HEROKU_TARGET, nxdomain=True, http_status=None)
    assert judge(record, route53_data(record, live=[found])).status is Status.PASS


def test_github_pages_name_that_does_not_exist_is_not_a_claimable_nxdomain() -> None:
    record = cname(GITHUB_TARGET, "docs.example.com")
    found = live_check(rid("docs.example.com", "CNAME"), GITHUB_TARGET, nxdomain=True, http_status=None)
    assert judge(record, route53_data(record, live=[found])).status is Status.PASS


def test_third_party_site_that_serves_the_name_passes() -> None:
    record = cname(HEROKU_TARGET, "shop.example.com")
    found = live_check(rid("shop.example.com", "CNAME"), HEROKU_TARGET)
    verdict = judge(record, route53_data(record, live=[found]))
    assert verdict.status is Status.PASS
    assert verdict.message == "Heroku serves this name"
    assert verdict.evidence["http_status"] == 200


def test_third_party_live_check_that_failed_to_resolve_is_unknown() -> None:
    record = cname(HEROKU_TARGET, "shop.example.com")
    found = live_check(
        rid("shop.example.com", "CNAME"), HEROKU_TARGET, nxdomain=None, http_status=None, error="SERVFAIL"
    )
    verdict = judge(record, route53_data(record, live=[found]))
    assert verdict.status is Status.UNKNOWN
    assert verdict.message == "live check failed: SERVFAIL"


def test_third_party_live_check_whose_http_request_failed_is_unknown() -> None:
    """The name resolves, but no page was read: nothing shows that the site is claimed."""
    record = cname(GITHUB_TARGET, "docs.example.com")
    found = live_check(
        rid("docs.example.com", "CNAME"),
        GITHUB_TARGET,
        nxdomain=False,
        http_status=None,
        error="ReadTimeout: timed out",
    )
    verdict = judge(record, route53_data(record, live=[found]))
    assert verdict.status is Status.UNKNOWN


def test_live_check_is_found_by_the_record_id_including_the_set_identifier() -> None:
    name = "docs.example.com"
    primary = cname(GITHUB_TARGET, name, "primary")
    secondary = cname("example-org-mirror.github.io", name, "secondary")
    found = live_check(
        rid(name, "CNAME", "primary"), GITHUB_TARGET, http_status=404, fingerprint_matched=True
    )
    verdicts = check(route53_data(primary, secondary, live=[found]))
    assert outcomes(verdicts) == {
        (Status.FAIL, rid(name, "CNAME", "primary")),
        (Status.UNKNOWN, rid(name, "CNAME", "secondary")),
    }


def test_service_that_verifies_ownership_fails_medium(monkeypatch: pytest.MonkeyPatch) -> None:
    verifying = Fingerprint(
        service="Verified Hosting",
        cname_patterns=("*.verified-hosting.example",),
        nxdomain_claimable=True,
        http_fingerprints=("Domain not configured",),
        http_status=404,
        verifies_ownership=True,
    )
    monkeypatch.setattr(takeover, "load_fingerprints", lambda: (verifying,))
    target = "shop.verified-hosting.example"
    record = cname(target, "shop.example.com")
    for found in (
        live_check(rid("shop.example.com", "CNAME"), target, http_status=404, fingerprint_matched=True),
        live_check(rid("shop.example.com", "CNAME"), target, nxdomain=True, http_status=None),
    ):
        verdict = judge(record, route53_data(record, live=[found]))
        assert verdict.status is Status.FAIL
        assert severity(verdict) is Severity.MEDIUM
        assert verdict.evidence["service"] == "Verified Hosting"


@pytest.mark.parametrize("target", ["www.example.org", "mail.protection.outlook.example", "example.com"])
def test_cname_to_another_name_passes(target: str) -> None:
    verdict = judge(cname(target, "www.example.com"))
    assert verdict.status is Status.PASS
    assert verdict.message == "the target is not an AWS resource or a known takeover-prone service"
    assert verdict.evidence["target_kind"] == "other"


def test_third_party_delegation_without_live_checks_is_unknown() -> None:
    record = record_set("partner.example.com", "NS", "ns1.partner-dns.example", "ns2.partner-dns.example")
    verdict = judge(record)
    assert verdict.status is Status.UNKNOWN
    assert "enable live checks" in verdict.message
    assert verdict.unknown_cause is UnknownCause.NOT_CHECKED


def test_address_record_without_values_is_unknown() -> None:
    verdict = judge(record_set("policy.example.com", "A"))
    assert verdict.status is Status.UNKNOWN
    assert "no value" in verdict.message
    assert verdict.unknown_cause is UnknownCause.UNDECIDABLE


def test_region_less_beanstalk_name_is_never_a_silent_pass() -> None:
    verdict = judge(record_set("old.example.com", "CNAME", "myapp.elasticbeanstalk.com"))
    assert verdict.status is Status.UNKNOWN
