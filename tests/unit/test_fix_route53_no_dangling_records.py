"""The fixer of route53-no-dangling-records, on findings the rule makes of hand-built snapshots: each
dangling or stale record set is deleted exactly as ListResourceRecordSets listed it (so Route53 refuses
the deletion if it changed since the scan), and created again on rollback; a finding without the
listed record set plans nothing."""

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
    ZONE_ID,
    alias_record,
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
