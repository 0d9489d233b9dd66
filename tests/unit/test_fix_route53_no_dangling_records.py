"""The fixer of route53-no-dangling-records, on findings the rule makes of hand-built snapshots: each
dangling or stale record set whose every value dangles is deleted exactly as ListResourceRecordSets
listed it (so Route53 refuses the deletion if it changed since the scan), and created again on rollback;
a set whose other values may still serve is left to a person; a finding without the listed record set
plans nothing."""

from __future__ import annotations

from typing import Any

import msgspec

from cloudwarden.config import Config
from cloudwarden.engine import evaluate
from cloudwarden.findings import Finding, Status, finding_id
from cloudwarden.permissions import iam_action
from cloudwarden.remedy import Call, Proposal, Remedy, State
from cloudwarden.rules import FIXERS
from cloudwarden.rules.route53_no_dangling_records import ROUTE53_NO_DANGLING_RECORDS
from cloudwarden.rules.route53_no_dangling_records_fix import ROUTE53_NO_DANGLING_RECORDS_FIX
from cloudwarden.snapshot import AccountSnapshot, RecordSet

from .builders import (
    ACCOUNT_ID,
    AWS_ADDRESS,
    ZONE,
    ZONE_ID,
    alias_record,
    hosted_zone,
    live_check,
    record_set,
    route53_account,
    route53_data,
    snapshot,
)

RULE = "route53-no-dangling-records"
CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"
LEFTOVER_ADDRESS = {
    "Name": "legacy.example.com.",
    "Type": "A",
    "TTL": 300,
    "ResourceRecords": [{"Value": AWS_ADDRESS}],
}
STALE_DISTRIBUTION = {
    "Name": "cdn.example.com.",
    "Type": "A",
    "AliasTarget": {
        "HostedZoneId": CLOUDFRONT_ZONE,
        "DNSName": "d111111abcdef8.cloudfront.net.",
        "EvaluateTargetHealth": False,
    },
}
WEIGHTED_BLUE = {
    "Name": "www.example.com.",
    "Type": "A",
    "SetIdentifier": "blue",
    "Weight": 10,
    "TTL": 60,
    "ResourceRecords": [{"Value": AWS_ADDRESS}],
}
HELD_ADDRESS = "54.239.28.86"
"""An AWS address the account holds (an Elastic IP)."""
API_TWO_ADDRESSES = {
    "Name": "api.example.com.",
    "Type": "A",
    "TTL": 300,
    "ResourceRecords": [{"Value": HELD_ADDRESS}, {"Value": AWS_ADDRESS}],
}
CHILD_SERVERS = (
    "ns-0.awsdns-00.com",
    "ns-1024.awsdns-00.org",
    "ns-1536.awsdns-00.co.uk",
    "ns-512.awsdns-00.net",
)
"""The delegation set of this account's zone dev.example.com."""
PARTIAL_DELEGATION = {
    "Name": "dev.example.com.",
    "Type": "NS",
    "TTL": 172800,
    "ResourceRecords": [{"Value": "ns-0.awsdns-00.com."}, {"Value": "ns-1024.awsdns-00.org."}],
}
THIRD_PARTY_SERVERS = ("ns1.dnsprovider.example", "ns2.dnsprovider.example")
THIRD_PARTY_DELEGATION = {
    "Name": "dev.example.com.",
    "Type": "NS",
    "TTL": 172800,
    "ResourceRecords": [{"Value": "ns1.dnsprovider.example."}, {"Value": "ns2.dnsprovider.example."}],
}
WILDCARD_TO_S3 = {
    "Name": "\\052.example.com.",
    "Type": "CNAME",
    "TTL": 300,
    "ResourceRecords": [{"Value": "sites.example.com.s3-website-us-east-1.amazonaws.com"}],
}


def _as_listed(record: RecordSet, listed: dict[str, Any]) -> RecordSet:
    return msgspec.structs.replace(record, listed=listed)


def _findings(target: AccountSnapshot) -> dict[str, Finding]:
    """The rule's findings on `target`, by record set id, as a report carries them."""
    report = evaluate(snapshot(target), Config(), rules=(ROUTE53_NO_DANGLING_RECORDS,))
    return {finding.resource.id: finding for finding in report.findings}


def _change(action: str, record_id: str, listed: dict[str, Any]) -> Call:
    return Call(
        service="route53",
        operation="ChangeResourceRecordSets",
        parameters={
            "HostedZoneId": ZONE_ID,
            "ChangeBatch": {
                "Comment": f"cloudwarden fix {finding_id(RULE, ACCOUNT_ID, record_id)}",
                "Changes": [{"Action": action, "ResourceRecordSet": listed}],
            },
        },
    )


def test_a_record_to_an_aws_address_no_one_holds_is_deleted_as_listed() -> None:
    record_id = f"{ZONE_ID}/legacy.example.com/A"
    record = _as_listed(record_set("legacy.example.com", "A", AWS_ADDRESS), LEFTOVER_ADDRESS)
    finding = _findings(route53_account(route53_data(record)))[record_id]

    assert finding.status is Status.FAIL
    assert ROUTE53_NO_DANGLING_RECORDS_FIX.propose(finding) == Proposal(
        remedies=(
            Remedy(
                action="delete-record-set",
                summary=f"Delete the A record set legacy.example.com. from the hosted zone {ZONE_ID}.",
                state=State.RECORD_SET,
                read=Call(
                    service="route53",
                    operation="ListResourceRecordSets",
                    parameters={
                        "HostedZoneId": ZONE_ID,
                        "StartRecordName": "legacy.example.com.",
                        "StartRecordType": "A",
                        "MaxItems": "1",
                    },
                ),
                before={"present": LEFTOVER_ADDRESS, "absent": None},
                after={"present": None, "absent": LEFTOVER_ADDRESS},
                calls=(_change("DELETE", record_id, LEFTOVER_ADDRESS),),
                rollback=(_change("CREATE", record_id, LEFTOVER_ADDRESS),),
            ),
        )
    )


def test_a_stale_alias_to_a_distribution_is_deleted_with_its_alias_target() -> None:
    record_id = f"{ZONE_ID}/cdn.example.com/A"
    record = alias_record("cdn.example.com", "d111111abcdef8.cloudfront.net", CLOUDFRONT_ZONE)
    finding = _findings(route53_account(route53_data(_as_listed(record, STALE_DISTRIBUTION))))[record_id]

    (remedy,) = ROUTE53_NO_DANGLING_RECORDS_FIX.propose(finding).remedies

    assert finding.status is Status.FAIL
    assert remedy.summary == f"Delete the A record set cdn.example.com. from the hosted zone {ZONE_ID}."
    assert remedy.calls == (_change("DELETE", record_id, STALE_DISTRIBUTION),)
    assert remedy.rollback == (_change("CREATE", record_id, STALE_DISTRIBUTION),)
    assert (remedy.before, remedy.after) == (
        {"present": STALE_DISTRIBUTION, "absent": None},
        {"present": None, "absent": STALE_DISTRIBUTION},
    )


def test_a_weighted_record_is_read_back_from_its_set_identifier() -> None:
    record_id = f"{ZONE_ID}/www.example.com/A/blue"
    record = record_set("www.example.com", "A", AWS_ADDRESS, set_identifier="blue")
    finding = _findings(route53_account(route53_data(_as_listed(record, WEIGHTED_BLUE))))[record_id]

    (remedy,) = ROUTE53_NO_DANGLING_RECORDS_FIX.propose(finding).remedies

    assert remedy.read == Call(
        service="route53",
        operation="ListResourceRecordSets",
        parameters={
            "HostedZoneId": ZONE_ID,
            "StartRecordName": "www.example.com.",
            "StartRecordType": "A",
            "StartRecordIdentifier": "blue",
            "MaxItems": "1",
        },
    )
    assert remedy.summary == (
        f"Delete the A record set www.example.com. (set identifier blue) from the hosted zone {ZONE_ID}."
    )
    assert remedy.calls == (_change("DELETE", record_id, WEIGHTED_BLUE),)


def test_a_wildcard_record_keeps_its_name_as_route53_escapes_it() -> None:
    record_id = f"{ZONE_ID}/*.example.com/CNAME"
    record = record_set("*.example.com", "CNAME", "sites.example.com.s3-website-us-east-1.amazonaws.com")
    finding = _findings(route53_account(route53_data(_as_listed(record, WILDCARD_TO_S3))))[record_id]

    (remedy,) = ROUTE53_NO_DANGLING_RECORDS_FIX.propose(finding).remedies

    assert finding.status is Status.FAIL
    assert remedy.read.parameters["StartRecordName"] == "\\052.example.com."
    assert remedy.calls == (_change("DELETE", record_id, WILDCARD_TO_S3),)


def test_a_two_address_record_with_one_released_and_one_held_address_is_left_to_a_person() -> None:
    """The rule fails the set on its released address; deleting the set would cut the held one too."""
    record_id = f"{ZONE_ID}/api.example.com/A"
    record = _as_listed(record_set("api.example.com", "A", HELD_ADDRESS, AWS_ADDRESS), API_TWO_ADDRESSES)
    finding = _findings(route53_account(route53_data(record, elastic_ips=(HELD_ADDRESS,))))[record_id]

    assert finding.status is Status.FAIL
    assert finding.evidence == {
        "zone": "example.com",
        "type": "A",
        "addresses": [HELD_ADDRESS, AWS_ADDRESS],
        "zone_id": ZONE_ID,
        "record_set": API_TWO_ADDRESSES,
    }
    assert ROUTE53_NO_DANGLING_RECORDS_FIX.propose(finding) == Proposal(
        manual=f"The A record set api.example.com. of the hosted zone {ZONE_ID}: of its 2 values "
        f"({HELD_ADDRESS}, {AWS_ADDRESS}), the finding names one that dangles ({AWS_ADDRESS} is an AWS "
        "address no scanned account holds: whoever is given it next serves this name), not which of the "
        "others are still held, private or outside AWS. Deleting the set would cut those too: remove only "
        "the values that dangle (DELETE of the set as it is and CREATE of it without them, in one change "
        "batch)."
    )


def test_a_delegation_to_only_some_of_an_owned_zones_route53_servers_is_left_to_a_person() -> None:
    """The rule fails it as it fails a delegation to servers of no zone, and it still resolves."""
    record_id = f"{ZONE_ID}/dev.example.com/NS"
    record = _as_listed(record_set("dev.example.com", "NS", *CHILD_SERVERS[:2]), PARTIAL_DELEGATION)
    child = hosted_zone("dev.example.com", "Z08761232DEVEXAMPLE2", name_servers=CHILD_SERVERS)
    finding = _findings(route53_account(route53_data(record, zones=(ZONE, child))))[record_id]

    assert finding.status is Status.FAIL
    assert ROUTE53_NO_DANGLING_RECORDS_FIX.propose(finding) == Proposal(
        manual=f"The NS record set dev.example.com. of the hosted zone {ZONE_ID}: the finding does not say "
        "whether some of its Route53 name servers (ns-0.awsdns-00.com., ns-1024.awsdns-00.org.) still "
        "serve a hosted zone of that name (a delegation to only some of a zone's servers fails too). "
        "Deleting it could cut a delegation that still works: delete it if no zone of that name has these "
        "servers, else set its values to that zone's name servers."
    )


def test_a_third_party_delegation_every_server_of_which_refuses_the_zone_is_deleted() -> None:
    record_id = f"{ZONE_ID}/dev.example.com/NS"
    record = _as_listed(record_set("dev.example.com", "NS", *THIRD_PARTY_SERVERS), THIRD_PARTY_DELEGATION)
    refused = live_check(record_id, ",".join(THIRD_PARTY_SERVERS), delegation_refused=True)
    finding = _findings(route53_account(route53_data(record, live=[refused])))[record_id]

    (remedy,) = ROUTE53_NO_DANGLING_RECORDS_FIX.propose(finding).remedies

    assert finding.status is Status.FAIL
    assert remedy.summary == f"Delete the NS record set dev.example.com. from the hosted zone {ZONE_ID}."
    assert remedy.calls == (_change("DELETE", record_id, THIRD_PARTY_DELEGATION),)
    assert remedy.rollback == (_change("CREATE", record_id, THIRD_PARTY_DELEGATION),)
    assert (remedy.before, remedy.after) == (
        {"present": THIRD_PARTY_DELEGATION, "absent": None},
        {"present": None, "absent": THIRD_PARTY_DELEGATION},
    )


def test_a_record_set_of_a_type_the_rule_does_not_judge_is_unplannable() -> None:
    """An edited report: nothing says what its values are."""
    record = _as_listed(record_set("legacy.example.com", "A", AWS_ADDRESS), LEFTOVER_ADDRESS)
    finding = _findings(route53_account(route53_data(record)))[f"{ZONE_ID}/legacy.example.com/A"]
    edited = msgspec.structs.replace(
        finding, evidence={**finding.evidence, "record_set": {**LEFTOVER_ADDRESS, "Type": "TXT"}}
    )

    assert ROUTE53_NO_DANGLING_RECORDS_FIX.propose(edited) == Proposal(
        unplannable="the recorded record set is of a type the rule does not judge: TXT"
    )


def test_the_fail_records_the_zone_id_and_the_record_set_as_listed() -> None:
    record = _as_listed(record_set("legacy.example.com", "A", AWS_ADDRESS), LEFTOVER_ADDRESS)
    finding = _findings(route53_account(route53_data(record)))[f"{ZONE_ID}/legacy.example.com/A"]

    assert finding.evidence == {
        "zone": "example.com",
        "type": "A",
        "addresses": [AWS_ADDRESS],
        "zone_id": ZONE_ID,
        "record_set": LEFTOVER_ADDRESS,
    }


def test_a_record_that_passes_records_no_record_set() -> None:
    held = _as_listed(record_set("legacy.example.com", "A", AWS_ADDRESS), LEFTOVER_ADDRESS)
    finding = _findings(route53_account(route53_data(held, elastic_ips=(AWS_ADDRESS,))))[
        f"{ZONE_ID}/legacy.example.com/A"
    ]

    assert finding.status is Status.PASS
    assert finding.evidence == {"zone": "example.com", "type": "A", "addresses": [AWS_ADDRESS]}


def test_a_fail_from_a_snapshot_without_the_listed_record_set_is_unplannable() -> None:
    """A snapshot of an older version: the record set's current values are not known."""
    finding = _findings(route53_account(route53_data(record_set("legacy.example.com", "A", AWS_ADDRESS))))[
        f"{ZONE_ID}/legacy.example.com/A"
    ]

    assert finding.status is Status.FAIL
    assert finding.evidence["zone_id"] == ZONE_ID
    assert "record_set" not in finding.evidence
    assert ROUTE53_NO_DANGLING_RECORDS_FIX.propose(finding) == Proposal(
        unplannable="the finding does not record the record set as listed and its hosted zone "
        "(`record_set`, `zone_id`: a report of an older version): scan again"
    )


def test_a_record_of_a_plan_laid_over_the_account_records_no_zone_id() -> None:
    """`iac --snapshot`: the document's record was never listed, and its zone may be a resource address."""
    planned = record_set("legacy.example.com", "A", AWS_ADDRESS)
    overlay = msgspec.structs.replace(route53_account(route53_data(planned)), partial=True, live_context=True)

    finding = _findings(overlay)[f"{ZONE_ID}/legacy.example.com/A"]

    assert finding.status is Status.FAIL
    assert finding.evidence == {"zone": "example.com", "type": "A", "addresses": [AWS_ADDRESS]}


def test_the_fixer_is_registered_and_declares_exactly_what_it_calls() -> None:
    fixer = FIXERS[RULE]

    assert fixer is ROUTE53_NO_DANGLING_RECORDS_FIX
    assert fixer.operations == frozenset(
        {"route53.ListResourceRecordSets", "route53.ChangeResourceRecordSets"}
    )
    assert fixer.actions == ("route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets")
    assert {iam_action(operation) for operation in fixer.operations} == set(fixer.actions)
    assert fixer.disruptive is False
