"""route53-no-dangling-records across accounts: a target another scanned account holds is ours.

The DNS account (`ACCOUNT_ID`) holds the zone example.com; the member account holds, or does not
hold, what its records point at. Each target kind is judged held by the member (PASS naming it), held
by nobody (as a lone account: FAIL), unreadable in the member (UNKNOWN, failed read: fail closed),
and possibly held by a trusted account that is not scanned (UNKNOWN, not checked). S3 buckets of
trusted accounts are confirmed by S3 itself at collection (`Route53Data.bucket_ownership`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import pytest

from cloudwarden.config import Config, Route53Config
from cloudwarden.findings import Severity, Status, UnknownCause
from cloudwarden.rules.base import RuleContext, Verdict
from cloudwarden.rules.route53_no_dangling_records import ROUTE53_NO_DANGLING_RECORDS
from cloudwarden.semantics.inventory import OrganisationInventory
from cloudwarden.snapshot import AccountSnapshot, BucketOwnership, Distribution, RecordSet

from .builders import (
    ACCOUNT_ID,
    AWS_ADDRESS,
    AWS_ADDRESS_V6,
    COLLECTED_AT,
    alias_record,
    hosted_zone,
    network_interface,
    outcomes,
    record_set,
    route53_account,
    route53_api_error,
    route53_data,
    s3_api_error,
    severity_of,
)

MEMBER = "222233334444"
"""The workload account that holds what the DNS account's records point at."""
THIRD = "333344445555"
"""A third scanned account."""
TRUSTED = "999988887777"
"""An account of ours that is not scanned (route53.trusted_accounts)."""

RECORD = "assets.example.com"
CHILD = "dev.example.com"
CHILD_SERVERS = (
    "ns-0.awsdns-00.com",
    "ns-1024.awsdns-00.org",
    "ns-1536.awsdns-00.co.uk",
    "ns-512.awsdns-00.net",
)
DISTRIBUTION = "d1a2b3c4d5e6f7.cloudfront.net"
APP_LB = "shop-alb-1234567890.eu-west-1.elb.amazonaws.com"
ELB_ZONE = "Z32O12XQLNTSW2"
API_ID = "a1b2c3d4e5"
BEANSTALK_NAME = "shop-prod.eu-west-1.elasticbeanstalk.com"
GENERATED_BEANSTALK = "shop-prod.eba-x7k2m9pq.eu-west-1.elasticbeanstalk.com"


def rid(record: RecordSet) -> str:
    return record.record_id


def member(
    account_id: str = MEMBER, *, own_buckets: Sequence[str] | None = (), **inventory: Any
) -> AccountSnapshot:
    """A scanned account with no zone of its own and this inventory (None: that part could not be read)."""
    interfaces = inventory.pop("interfaces", ())
    inventory.setdefault("zones", ())
    return route53_account(
        route53_data(**inventory),
        own_buckets=own_buckets,
        account_id=account_id,
        interfaces=interfaces,
    )


def dns_account(record: RecordSet, **data: Any) -> AccountSnapshot:
    """The DNS account: the zone example.com holding only `record`, and nothing else of its own."""
    return route53_account(route53_data(record, **data))


def verdicts(dns: AccountSnapshot, *others: AccountSnapshot, trusted: Sequence[str] = ()) -> list[Verdict]:
    """The rule's verdicts on the DNS account, in a scan of it and `others`."""
    context = RuleContext(
        config=Config(route53=Route53Config(trusted_accounts=tuple(trusted))),
        collected_at=COLLECTED_AT,
        inventory=OrganisationInventory.of((dns, *others)),
    )
    return list(ROUTE53_NO_DANGLING_RECORDS.check(dns, context))


def only(found: list[Verdict]) -> Verdict:
    assert len(found) == 1, found
    return found[0]


S3_RECORD = record_set(RECORD, "CNAME", "s3-website-eu-west-1.amazonaws.com")
ADDRESS_RECORD = record_set("app.example.com", "A", AWS_ADDRESS)
INTERFACE_RECORD = record_set("app6.example.com", "AAAA", AWS_ADDRESS_V6)
CLOUDFRONT_RECORD = record_set("www.example.com", "CNAME", DISTRIBUTION)
LB_RECORD = alias_record("shop.example.com", f"dualstack.{APP_LB}", ELB_ZONE)
API_RECORD = record_set("api.example.com", "CNAME", f"{API_ID}.execute-api.eu-west-1.amazonaws.com")
BEANSTALK_RECORD = record_set("env.example.com", "CNAME", GENERATED_BEANSTALK)
DELEGATION_RECORD = record_set(CHILD, "NS", *CHILD_SERVERS)
CHILD_ZONE = hosted_zone(CHILD, "Z08761232DEVEXAMPLE2", name_servers=CHILD_SERVERS)

KINDS = [
    # record, what the member holds, the member's inventory unread, where the target is held
    pytest.param(S3_RECORD, {"own_buckets": [RECORD]}, {"own_buckets": None}, "eu-west-1", id="s3-bucket"),
    pytest.param(
        ADDRESS_RECORD, {"elastic_ips": [AWS_ADDRESS]}, {"elastic_ips": None}, None, id="elastic-ip"
    ),
    pytest.param(
        INTERFACE_RECORD,
        {
            "interface_ips": ["2600:1f18:4a3:6900:0:0:0:1c"],
            "interfaces": [
                msgspec.structs.replace(
                    network_interface("eni-0a1b2c3d", region="eu-west-1"),
                    public_ips=("2600:1f18:4a3:6900::1c",),
                )
            ],
        },
        {"interface_ips": None},
        "eu-west-1",
        id="interface-address",
    ),
    pytest.param(
        CLOUDFRONT_RECORD,
        {"distributions": [Distribution(domain_name=DISTRIBUTION)]},
        {"distributions": None},
        None,
        id="cloudfront",
    ),
    pytest.param(LB_RECORD, {"load_balancers": [APP_LB]}, {"load_balancers": None}, None, id="load-balancer"),
    pytest.param(API_RECORD, {"api_ids": [API_ID]}, {"api_ids": None}, None, id="api-gateway"),
    pytest.param(
        BEANSTALK_RECORD,
        {"beanstalk_cnames": [GENERATED_BEANSTALK]},
        {"beanstalk_cnames": None},
        None,
        id="beanstalk",
    ),
    pytest.param(
        DELEGATION_RECORD,
        {"zones": [CHILD_ZONE]},
        {"zones": [hosted_zone(CHILD, name_servers=None)]},
        None,
        id="ns-delegation",
    ),
]


@pytest.mark.parametrize(("record", "held", "unread", "region"), KINDS)
def test_target_held_by_another_scanned_account_passes_naming_it(
    record: RecordSet, held: dict[str, Any], unread: dict[str, Any], region: str | None
) -> None:
    found = verdicts(dns_account(record), member(**held))
    assert outcomes(found) == {(Status.PASS, rid(record))}
    verdict = only(found)
    assert f"account {MEMBER}" in verdict.message
    if region is not None:
        assert f"account {MEMBER} ({region})" in verdict.message
    held_by = verdict.evidence["held_by"]
    assert (held_by[0] if isinstance(held_by, list) else held_by) | {"address": None} == {
        "account": MEMBER,
        "region": region,
        "address": None,
    }


@pytest.mark.parametrize(("record", "held", "unread", "region"), KINDS)
def test_target_held_by_no_scanned_account_fails_as_for_a_lone_account(
    record: RecordSet, held: dict[str, Any], unread: dict[str, Any], region: str | None
) -> None:
    alone = only(verdicts(dns_account(record)))
    found = verdicts(dns_account(record), member(), member(THIRD))
    assert outcomes(found) == {(Status.FAIL, rid(record))}
    assert only(found).message == alone.message
    assert only(found).severity == alone.severity


@pytest.mark.parametrize(("record", "held", "unread", "region"), KINDS)
def test_target_not_found_while_another_accounts_inventory_is_unread_is_unknown(
    record: RecordSet, held: dict[str, Any], unread: dict[str, Any], region: str | None
) -> None:
    found = verdicts(dns_account(record), member(**unread), member(THIRD))
    assert outcomes(found) == {(Status.UNKNOWN, rid(record))}
    verdict = only(found)
    assert verdict.unknown_cause is UnknownCause.FAILED_CALL
    assert MEMBER in verdict.message
    assert verdict.evidence["unread_accounts"] == [MEMBER]


@pytest.mark.parametrize(("record", "held", "unread", "region"), KINDS)
def test_target_found_passes_even_when_a_third_accounts_inventory_is_unread(
    record: RecordSet, held: dict[str, Any], unread: dict[str, Any], region: str | None
) -> None:
    found = verdicts(dns_account(record), member(THIRD, **unread), member(**held))
    assert outcomes(found) == {(Status.PASS, rid(record))}


@pytest.mark.parametrize(("record", "held", "unread", "region"), KINDS)
def test_unreachable_account_counts_as_unread(
    record: RecordSet, held: dict[str, Any], unread: dict[str, Any], region: str | None
) -> None:
    unreachable = AccountSnapshot(
        account_id=MEMBER, regions=(), iam=member().iam, unreachable="cannot assume the role"
    )
    found = verdicts(dns_account(record), unreachable)
    assert outcomes(found) == {(Status.UNKNOWN, rid(record))}
    assert only(found).unknown_cause is UnknownCause.FAILED_CALL


@pytest.mark.parametrize(
    "record",
    [
        ADDRESS_RECORD,
        INTERFACE_RECORD,
        CLOUDFRONT_RECORD,
        LB_RECORD,
        API_RECORD,
        BEANSTALK_RECORD,
        DELEGATION_RECORD,
    ],
    ids=lambda record: record.name,
)
def test_aws_target_a_trusted_unscanned_account_might_hold_is_unknown_not_checked(record: RecordSet) -> None:
    found = verdicts(dns_account(record), member(), trusted=[TRUSTED])
    assert outcomes(found) == {(Status.UNKNOWN, rid(record))}
    verdict = only(found)
    assert verdict.unknown_cause is UnknownCause.NOT_CHECKED
    assert TRUSTED in verdict.message
    assert "route53.trusted_accounts" in verdict.message
    assert verdict.evidence["trusted_accounts"] == [TRUSTED]


@pytest.mark.parametrize(
    "record", [ADDRESS_RECORD, CLOUDFRONT_RECORD, DELEGATION_RECORD], ids=lambda r: r.name
)
def test_trusted_account_that_is_scanned_is_judged_on_its_inventory(record: RecordSet) -> None:
    found = verdicts(dns_account(record), member(TRUSTED), trusted=[TRUSTED])
    assert outcomes(found) == {(Status.FAIL, rid(record))}


def test_another_accounts_address_in_a_record_of_several_names_the_holder_of_each() -> None:
    record = record_set("app.example.com", "A", "10.0.0.7", AWS_ADDRESS)
    verdict = only(verdicts(dns_account(record), member(elastic_ips=[AWS_ADDRESS])))
    assert verdict.status is Status.PASS
    assert (
        verdict.message == f"AWS addresses held by another scanned account: {AWS_ADDRESS} by account {MEMBER}"
    )
    assert verdict.evidence["held_by"] == [{"address": AWS_ADDRESS, "account": MEMBER, "region": None}]


def test_target_of_another_account_passes_even_when_our_own_inventory_is_unread() -> None:
    found = verdicts(dns_account(ADDRESS_RECORD, elastic_ips=None), member(elastic_ips=[AWS_ADDRESS]))
    assert outcomes(found) == {(Status.PASS, rid(ADDRESS_RECORD))}


def test_named_beanstalk_environment_of_another_account_passes_without_asking_availability() -> None:
    record = record_set("env.example.com", "CNAME", BEANSTALK_NAME)
    verdict = only(verdicts(dns_account(record), member(beanstalk_cnames=[BEANSTALK_NAME])))
    assert verdict.status is Status.PASS
    assert verdict.message == (
        f"{BEANSTALK_NAME} is an Elastic Beanstalk environment of account {MEMBER}, another scanned account"
    )


def test_available_beanstalk_name_fails_even_while_another_account_is_unread() -> None:
    record = record_set("env.example.com", "CNAME", BEANSTALK_NAME)
    dns = dns_account(record, beanstalk_available={BEANSTALK_NAME: True})
    assert outcomes(verdicts(dns, member(beanstalk_cnames=None))) == {(Status.FAIL, rid(record))}


def test_delegation_to_another_accounts_zone_with_other_name_servers_fails() -> None:
    other = hosted_zone(CHILD, name_servers=("ns-1.awsdns-01.com", "ns-2.awsdns-02.net"))
    assert outcomes(verdicts(dns_account(DELEGATION_RECORD), member(zones=[other]))) == {
        (Status.FAIL, rid(DELEGATION_RECORD))
    }


def test_delegation_is_unknown_when_another_account_could_not_list_its_zones() -> None:
    listing_failed = msgspec.structs.replace(
        member(zones=[]), errors=(route53_api_error("route53", "ListHostedZones"),)
    )
    found = verdicts(dns_account(DELEGATION_RECORD), listing_failed)
    assert outcomes(found) == {(Status.UNKNOWN, rid(DELEGATION_RECORD))}
    assert only(found).unknown_cause is UnknownCause.FAILED_CALL


def test_private_zone_of_another_account_does_not_take_a_delegation() -> None:
    private = hosted_zone(CHILD, private=True)
    assert outcomes(verdicts(dns_account(DELEGATION_RECORD), member(zones=[private]))) == {
        (Status.FAIL, rid(DELEGATION_RECORD))
    }


# --- S3 buckets of trusted accounts, confirmed by S3 ------------------------------------------------


def with_ownership(*ownership: BucketOwnership, errors: Sequence[Any] = ()) -> AccountSnapshot:
    return route53_account(route53_data(S3_RECORD, bucket_ownership=ownership), errors=errors)


def test_bucket_a_trusted_account_is_confirmed_to_own_passes_naming_it() -> None:
    dns = with_ownership(BucketOwnership(bucket=RECORD, confirmed_owner=TRUSTED, exists=True))
    verdict = only(verdicts(dns, trusted=[TRUSTED]))
    assert verdict.status is Status.PASS
    assert (
        verdict.message
        == f"S3 serves the bucket named {RECORD}, which S3 confirms the trusted account {TRUSTED} owns"
    )
    assert verdict.evidence["held_by"] == {"account": TRUSTED, "region": None}


def test_bucket_that_does_not_exist_fails_whatever_the_trust_list() -> None:
    dns = with_ownership(BucketOwnership(bucket=RECORD, exists=False))
    for others in ((), (member(own_buckets=None),)):
        verdict = only(verdicts(dns, *others, trusted=[TRUSTED]))
        assert verdict.status is Status.FAIL
        assert severity_of(ROUTE53_NO_DANGLING_RECORDS, verdict) is Severity.HIGH
        assert "no such bucket exists" in verdict.message


def test_bucket_whose_owner_check_failed_is_unknown_failed_call() -> None:
    failure = s3_api_error("HeadBucket", RECORD, code="InternalError")
    dns = with_ownership(BucketOwnership(bucket=RECORD), errors=[failure])
    verdict = only(verdicts(dns, trusted=[TRUSTED]))
    assert verdict.status is Status.UNKNOWN
    assert verdict.unknown_cause is UnknownCause.FAILED_CALL
    assert "s3:HeadBucket" in verdict.message


def test_bucket_s3_refuses_to_confirm_for_every_trusted_account_is_unknown_not_fail() -> None:
    """403 is both "another owner" and "you may not ask" (a website bucket seldom grants
    s3:ListBucket to other accounts): the bucket exists, and whose it is stays open."""
    dns = with_ownership(BucketOwnership(bucket=RECORD, refused=(TRUSTED,)))
    verdict = only(verdicts(dns, trusted=[TRUSTED]))
    assert verdict.status is Status.UNKNOWN
    assert verdict.unknown_cause is UnknownCause.FAILED_CALL
    assert "answered 403" in verdict.message
    assert verdict.evidence["owner_check_refused"] == [TRUSTED]


def test_wildcard_record_to_s3_fails_with_trusted_accounts_as_no_bucket_can_have_its_name() -> None:
    record = record_set("*.example.com", "CNAME", "shop-assets.s3.amazonaws.com")
    dns = route53_account(route53_data(record))
    verdict = only(verdicts(dns, trusted=[TRUSTED]))
    assert verdict.status is Status.FAIL
    assert verdict.evidence["bucket_served"] == "*.example.com"


def test_bucket_not_asked_of_a_trusted_account_is_unknown_not_checked() -> None:
    verdict = only(verdicts(with_ownership(), trusted=[TRUSTED]))
    assert verdict.status is Status.UNKNOWN
    assert verdict.unknown_cause is UnknownCause.NOT_CHECKED
    assert "collect again" in verdict.message


def test_bucket_with_no_trust_list_and_no_holder_fails() -> None:
    assert only(verdicts(with_ownership(), member())).status is Status.FAIL


def test_own_account_in_the_trust_list_changes_nothing() -> None:
    assert only(verdicts(with_ownership(), member(), trusted=[ACCOUNT_ID])).status is Status.FAIL
