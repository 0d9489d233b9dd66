"""Collections: what each part of an account costs in calls, what each rule needs, and a snapshot that
holds only some parts judged without ever passing a rule whose data it does not hold."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import msgspec

from cloudwarden.collect import unreachable_account
from cloudwarden.collect.operations import (
    ACCOUNT_OPERATIONS,
    BASE_OPERATIONS,
    OPERATIONS_BY_COLLECTION,
    operations_of,
    with_requirements,
)
from cloudwarden.collect.session import is_declared
from cloudwarden.config import Config
from cloudwarden.engine import evaluate
from cloudwarden.findings import Status, UnknownCause
from cloudwarden.permissions import iam_action, required_actions
from cloudwarden.rules import RULES, RULES_BY_ID, collections_needed
from cloudwarden.semantics.inventory import Held, OrganisationInventory
from cloudwarden.snapshot import (
    ALL_COLLECTIONS,
    EVERY_COLLECTION,
    AccountSnapshot,
    Collection,
    IamData,
    dump_snapshot,
    load_snapshot,
)

from .builders import (
    ACCOUNT_ID,
    AWS_ADDRESS,
    OTHER_ACCOUNT_ID,
    account,
    record_set,
    route53_account,
    route53_data,
    s3_account,
    s3_bucket,
    snapshot,
)

S3_RULE = RULES_BY_ID["s3-no-public-access"]
ROUTE53_RULE = RULES_BY_ID["route53-no-dangling-records"]


def _actions(collections: frozenset[Collection]) -> set[str]:
    return {iam_action(operation) for operation in operations_of(collections)}


def test_every_rule_reads_only_actions_its_collections_call() -> None:
    """A rule cannot read what the collections it needs do not call: its `--rule` scan would not."""
    assert {rule.id: set(rule.permissions) - _actions(rule.needs) for rule in RULES} == {
        rule.id: set() for rule in RULES
    }


def test_every_collection_is_needed_by_a_rule() -> None:
    """Nothing is collected that no rule reads."""
    assert collections_needed(RULES) == ALL_COLLECTIONS


def test_the_account_operations_are_those_of_every_collection_and_the_regions() -> None:
    assert OPERATIONS_BY_COLLECTION.keys() == ALL_COLLECTIONS
    assert BASE_OPERATIONS.union(*OPERATIONS_BY_COLLECTION.values()) == ACCOUNT_OPERATIONS
    assert {"sts.GetCallerIdentity", "ec2.DescribeRegions"} == BASE_OPERATIONS


def test_no_bucket_tags_are_read_nor_allowed() -> None:
    """No rule reads a bucket's tags: the call (one per bucket) is neither made nor let through."""
    assert not is_declared("s3", "GetBucketTagging")
    assert "s3:GetBucketTagging" not in required_actions()


def test_route53_is_built_from_ec2_and_s3() -> None:
    assert with_requirements({Collection.ROUTE53}) == {Collection.ROUTE53, Collection.EC2, Collection.S3}
    assert with_requirements({Collection.S3}) == {Collection.S3}
    assert with_requirements(()) == frozenset()


def test_the_policy_of_one_rule_is_the_actions_of_its_collections() -> None:
    assert required_actions([S3_RULE]) == [
        "ec2:DescribeRegions",
        "s3:GetAccountPublicAccessBlock",
        "s3:GetBucketAcl",
        "s3:GetBucketLocation",
        "s3:GetBucketOwnershipControls",
        "s3:GetBucketPolicy",
        "s3:GetBucketPolicyStatus",
        "s3:GetBucketPublicAccessBlock",
        "s3:ListAllMyBuckets",
        "sts:GetCallerIdentity",
    ]


def test_the_policy_of_every_rule_is_the_whole_policy() -> None:
    assert required_actions(RULES) == required_actions()
    assert set(required_actions([ROUTE53_RULE])) >= _actions(frozenset({Collection.EC2, Collection.S3}))


def test_rules_need_the_union_of_their_collections() -> None:
    assert collections_needed([]) == frozenset()
    assert collections_needed([S3_RULE]) == S3_RULE.needs
    assert collections_needed([S3_RULE, ROUTE53_RULE]) == S3_RULE.needs | ROUTE53_RULE.needs


def _findings_by_rule(*accounts: AccountSnapshot) -> dict[str, set[tuple[Status, str, object]]]:
    by_rule: dict[str, set[tuple[Status, str, object]]] = {}
    for finding in evaluate(snapshot(*accounts), Config()).findings:
        entry = (finding.status, finding.resource.id, finding.unknown_cause)
        by_rule.setdefault(finding.rule, set()).add(entry)
    return by_rule


def test_a_snapshot_of_one_rule_judged_for_every_rule_checks_no_other_rule() -> None:
    """Never a PASS for a rule whose data was not read: one UNKNOWN, not checked, per account."""
    limited = msgspec.structs.replace(
        s3_account(s3_bucket("private-data")), iam=IamData(), collected=(Collection.S3,)
    )
    other = msgspec.structs.replace(limited, account_id=OTHER_ACCOUNT_ID)
    by_rule = _findings_by_rule(limited, other)
    assert by_rule == {
        rule.id: {
            (Status.UNKNOWN, account_id, UnknownCause.NOT_CHECKED)
            for account_id in (ACCOUNT_ID, OTHER_ACCOUNT_ID)
        }
        for rule in RULES
        if rule is not S3_RULE
    } | {S3_RULE.id: {(Status.PASS, "private-data", msgspec.UNSET)}}
    assert not UnknownCause.NOT_CHECKED.not_judged  # such a run keeps exit 0 when nothing fails


def test_a_rule_not_checked_says_what_was_not_collected_and_how_to_collect_it() -> None:
    limited = msgspec.structs.replace(account(), collected=(Collection.IAM, Collection.S3))
    dns_rule = dataclasses.replace(
        ROUTE53_RULE, needs=frozenset({Collection.ROUTE53, Collection.EC2, Collection.S3})
    )
    (finding,) = evaluate(snapshot(limited), Config(), [dns_rule]).findings
    assert finding.message == (
        "not checked: the scan did not collect this account's ec2, route53 data (it collected iam, s3); "
        "scan with --rule route53-no-dangling-records, or without --rule, to check it"
    )
    assert finding.evidence == {"not_collected": ["ec2", "route53"], "collected": ["iam", "s3"]}


def test_the_summary_names_the_collections_of_the_scan() -> None:
    limited = msgspec.structs.replace(account(), collected=(Collection.IAM,))
    report = evaluate(snapshot(limited), Config(), [])
    assert report.scan.stats["collections"] == ["iam"]


def test_an_unreachable_account_collected_nothing_and_says_why() -> None:
    lost = unreachable_account(OTHER_ACCOUNT_ID, "cannot assume the role")
    assert lost.collected == ()
    assert _findings_by_rule(lost)[S3_RULE.id] == {
        (Status.UNKNOWN, OTHER_ACCOUNT_ID, UnknownCause.UNREACHABLE_ACCOUNT)
    }


DANGLING = record_set("old.example.com", "A", AWS_ADDRESS)
"""A record to an address of AWS's ranges that the account of the zone does not hold."""


def test_an_address_nobody_holds_is_dangling_when_every_account_was_collected() -> None:
    dns = route53_account(route53_data(DANGLING))
    other = route53_account(route53_data(), account_id=OTHER_ACCOUNT_ID)
    assert _findings_by_rule(dns, other)[ROUTE53_RULE.id] == {
        (Status.FAIL, DANGLING.record_id, msgspec.UNSET)
    }


def test_an_address_may_be_held_by_an_account_whose_network_was_not_collected() -> None:
    """UNKNOWN, not FAIL: the other account's public addresses were never read."""
    dns = route53_account(route53_data(DANGLING))
    other = msgspec.structs.replace(account(account_id=OTHER_ACCOUNT_ID), collected=(Collection.IAM,))
    (status,) = (
        status
        for status, resource, _ in _findings_by_rule(dns, other)[ROUTE53_RULE.id]
        if resource == DANGLING.record_id
    )
    assert status is Status.UNKNOWN


def test_the_inventory_counts_what_was_not_collected_as_unread() -> None:
    """Even where a part holds data (a hand-made snapshot), `collected` decides."""
    collected_everything = route53_account(
        route53_data(), own_buckets=["assets"], account_id=OTHER_ACCOUNT_ID
    )
    iam_only = msgspec.structs.replace(collected_everything, collected=(Collection.IAM,))
    full = OrganisationInventory.of((collected_everything,))
    partial = OrganisationInventory.of((iam_only,))
    assert all(full.unread_besides(kind, ACCOUNT_ID) == () for kind in Held)
    assert full.holder(Held.BUCKET, "assets") is not None
    assert all(partial.unread_besides(kind, ACCOUNT_ID) == (OTHER_ACCOUNT_ID,) for kind in Held)
    assert partial.holder(Held.BUCKET, "assets") is None


def test_a_snapshot_written_before_collections_reads_as_everything_collected(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.json"
    dump_snapshot(snapshot(account()), path)
    document = json.loads(path.read_text())
    assert document["accounts"][0]["collected"] == ["cloudtrail", "ec2", "iam", "route53", "s3"]
    del document["accounts"][0]["collected"]
    document["accounts"][0]["s3"]["buckets"] = [
        {"name": "old", "tags": {"team": "web"}}  # bucket tags were collected once: still readable
    ]
    path.write_text(json.dumps(document))
    (old,) = load_snapshot(path).accounts
    assert old.collected == EVERY_COLLECTION
    assert old.not_collected(ALL_COLLECTIONS) == ()
    assert old.s3.buckets is not None
    assert old.s3.buckets[0].tags == {"team": "web"}


def test_a_partial_snapshot_keeps_what_it_collected(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.json"
    dump_snapshot(snapshot(msgspec.structs.replace(account(), collected=(Collection.IAM,))), path)
    (read,) = load_snapshot(path).accounts
    assert read.collected == (Collection.IAM,)
    assert read.not_collected(frozenset({Collection.IAM, Collection.S3})) == (Collection.S3,)
