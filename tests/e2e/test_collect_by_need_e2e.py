"""A scan of a few rules collects only what they need, over HTTP against the emulator's demo
organisation: no call outside their collections, the same findings as a full scan, and a snapshot
that, judged later for every rule, says "not checked" where it holds no data (never PASS)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace

import msgspec
import pytest

from cloudwarden.collect import CollectOptions, collect
from cloudwarden.collect.operations import ENTRY_OPERATIONS, REQUIRES, operations_of, with_requirements
from cloudwarden.config import Config
from cloudwarden.engine import evaluate
from cloudwarden.findings import Finding, Severity, Status, UnknownCause
from cloudwarden.outcome import Tally, exit_code
from cloudwarden.rules import RULES, Rule
from cloudwarden.snapshot import ALL_COLLECTIONS, Collection, Snapshot
from cloudwarden_emulator import Emulator
from cloudwarden_emulator.seed import seed_demo
from cloudwarden_emulator.state import DEFAULT_ACCOUNT

from .scanner import emulator_environment, scan_json

SERVICES_OF_RULE = {
    "root-strong-password": {"sts", "iam"},
    "root-mfa": {"sts", "iam"},
    "iam-user-mfa": {"sts", "iam"},
    "root-no-access-keys": {"sts", "iam"},
    "root-not-used": {"sts", "iam"},
    "cloudtrail-segregated-storage": {"sts", "cloudtrail", "organizations", "s3", "s3control"},
    "route53-no-dangling-records": {
        "sts",
        "ec2",
        "s3",
        "s3control",
        "route53",
        "cloudfront",
        "elb",
        "elbv2",
        "elasticbeanstalk",
        "apigateway",
        "apigatewayv2",
    },
    "s3-no-public-access": {"sts", "s3", "s3control"},
    "sg-inbound-rules-only": {"sts", "ec2"},
    "sg-minimal-inbound": {"sts", "ec2"},
    "sg-no-internal-all-ports": {"sts", "ec2"},
    "sg-egress-via-nsm-only": {"sts", "ec2"},
}
"""The services the accounts of a scan of each rule alone are asked about: `sts` (who the credentials
are) always, EC2's regions only when no region is given (these scans give one)."""

TAGGED_BUCKET = "tagged-for-billing"


@dataclass(frozen=True)
class Scans:
    full: Snapshot
    by_collections: dict[frozenset[Collection], Snapshot]
    """One scan of the organisation per set of collections some rule needs, keyed by what it collects.
    Each asks for its set without what the others of the set are built from: the Route53 rule's scan
    asks for Route53 alone, and must get EC2 and S3 with it."""

    def of(self, rule: Rule) -> Snapshot:
        return self.by_collections[with_requirements(rule.needs)]


def _asked(needs: frozenset[Collection]) -> frozenset[Collection]:
    """`needs` without what another of them is built from."""
    return needs - {required for collection in needs for required in REQUIRES.get(collection, ())}


@pytest.fixture(scope="module")
def scans(emulator_server: Emulator) -> Iterator[Scans]:
    """The demo organisation (three accounts), plus a tagged bucket, scanned once in full and once
    for each set of collections a rule needs. Collecting is the slow part: it is done once here."""
    emulator_server.reset()
    seed_demo(emulator_server)
    s3 = emulator_server.client("s3")
    s3.create_bucket(Bucket=TAGGED_BUCKET)
    s3.put_bucket_tagging(Bucket=TAGGED_BUCKET, Tagging={"TagSet": [{"Key": "team", "Value": "web"}]})
    with pytest.MonkeyPatch.context() as patch:
        for name, value in emulator_environment(emulator_server).items():
            if value is None:
                patch.delenv(name, raising=False)
            else:
                patch.setenv(name, value)

        def scan(collections: frozenset[Collection]) -> Snapshot:
            return collect(CollectOptions(regions=("us-east-1",), organization=True, collections=collections))

        yield Scans(
            full=scan(ALL_COLLECTIONS),
            by_collections={
                with_requirements(needs): scan(_asked(needs)) for needs in {rule.needs for rule in RULES}
            },
        )
    emulator_server.reset()


def _findings(snapshot: Snapshot, rules: tuple[Rule, ...] = RULES) -> dict[str, list[Finding]]:
    by_rule: dict[str, list[Finding]] = {rule.id: [] for rule in rules}
    for finding in evaluate(snapshot, Config(), rules).findings:
        by_rule[finding.rule].append(finding)
    return by_rule


def _in_accounts(snapshot: Snapshot) -> set[str]:
    """The operations called in the scanned accounts, without those of listing and entering them."""
    return set(snapshot.stats) - ENTRY_OPERATIONS


def _exit_code(snapshot: Snapshot, rules: tuple[Rule, ...]) -> int:
    report = evaluate(snapshot, Config(), rules)
    tally = Tally(Severity.INFO)
    for _ in tally.watch(report.findings):
        pass
    return exit_code(tally, report.scan)


def test_the_table_names_every_rule() -> None:
    assert SERVICES_OF_RULE.keys() == {rule.id for rule in RULES}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_a_scan_of_one_rule_calls_only_its_collections(scans: Scans, rule: Rule) -> None:
    operations = _in_accounts(scans.of(rule))
    assert {operation.partition(".")[0] for operation in operations} == SERVICES_OF_RULE[rule.id]
    assert operations <= operations_of(rule.needs)


def test_a_scan_of_the_s3_rule_may_ask_ec2_only_for_the_regions() -> None:
    """Spelt out for the issue's example: no EC2 call but the regions (when none is given), no Route53,
    CloudTrail or IAM call."""
    s3_only = frozenset({Collection.S3})
    assert {operation for operation in operations_of(s3_only) if not operation.startswith("s3")} == {
        "sts.GetCallerIdentity",
        "ec2.DescribeRegions",
    }


def test_the_s3_scan_of_an_organisation_makes_only_s3_calls_besides_entering_its_accounts(
    scans: Scans,
) -> None:
    operations = set(scans.by_collections[frozenset({Collection.S3})].stats)
    assert {operation for operation in operations if not operation.startswith(("s3.", "s3control."))} == {
        "sts.GetCallerIdentity",
        "sts.AssumeRole",
        "organizations.ListAccounts",
    }


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_a_scan_of_one_rule_finds_what_a_full_scan_finds_for_it(scans: Scans, rule: Rule) -> None:
    assert _findings(scans.of(rule), (rule,)) == _findings(scans.full, (rule,))


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_a_scan_of_one_rule_judged_for_every_rule_passes_none_it_did_not_read(
    scans: Scans, rule: Rule
) -> None:
    """A rule whose collections were all read is judged as in a full scan; any other is one UNKNOWN,
    not checked, per account: never PASS, and the run exits as the rules judged alone would."""
    limited = scans.of(rule)
    collected = with_requirements(rule.needs)
    accounts = [account.account_id for account in limited.accounts]
    judged = _findings(limited)
    full = _findings(scans.full)
    for other in RULES:
        if other.needs <= collected:
            assert judged[other.id] == full[other.id], other.id
        else:
            assert [(f.status, f.unknown_cause, f.account, f.resource.id) for f in judged[other.id]] == [
                (Status.UNKNOWN, UnknownCause.NOT_CHECKED, account, account) for account in accounts
            ], other.id
    checked = tuple(other for other in RULES if other.needs <= collected)
    assert _exit_code(limited, RULES) == _exit_code(limited, checked)


def test_every_account_records_what_was_collected_and_the_report_shows_it(scans: Scans) -> None:
    limited = scans.by_collections[frozenset({Collection.ROUTE53, Collection.EC2, Collection.S3})]
    assert len(limited.accounts) == 3
    assert {account.collected for account in limited.accounts} == {
        (Collection.EC2, Collection.ROUTE53, Collection.S3)
    }
    stats = evaluate(limited, Config(), ()).scan.stats
    assert stats["collections"] == ["ec2", "route53", "s3"]
    assert [entry["collections"] for entry in stats["accounts"].values()] == [["ec2", "route53", "s3"]] * 3


def test_route53_asked_alone_brings_the_network_and_buckets_it_is_built_from(scans: Scans) -> None:
    """Its inventory takes the interfaces' public addresses from EC2, the account's buckets from S3
    (the scan asked for Route53 only: see `Scans.by_collections`)."""
    assert _asked(frozenset({Collection.ROUTE53, Collection.EC2, Collection.S3})) == {Collection.ROUTE53}
    asked_for_route53 = scans.by_collections[with_requirements({Collection.ROUTE53})]
    assert {account.collected for account in asked_for_route53.accounts} == {
        (Collection.EC2, Collection.ROUTE53, Collection.S3)
    }


def test_no_bucket_tags_are_read(scans: Scans) -> None:
    assert "s3.GetBucketTagging" not in scans.full.stats
    tagged = [
        bucket
        for account in scans.full.accounts
        for bucket in account.s3.buckets or ()
        if bucket.name == TAGGED_BUCKET
    ]
    assert [bucket.tags for bucket in tagged] == [None]


def test_a_cluster_task_collects_only_the_collections_it_is_sent(
    scans: Scans, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The options travel with every task: a worker collects what the coordinator was asked."""
    pytest.importorskip("distributed")
    from cloudwarden.collect import cluster

    monkeypatch.setattr(cluster, "get_worker", lambda: SimpleNamespace(address="tcp://127.0.0.1:1"))
    monkeypatch.setattr(cluster, "_SESSION", [])
    options = CollectOptions(regions=("us-east-1",), collections=frozenset({Collection.IAM}))
    blob = cluster.collect_remote(DEFAULT_ACCOUNT, options, several=False)
    account = msgspec.msgpack.decode(blob, type=cluster.RemoteAccount).account
    assert account.collected == (Collection.IAM,)
    assert account.stats is not None
    # The worker's own account: who its credentials are was asked once, on the worker's session.
    assert {operation.partition(".")[0] for operation in account.stats.operations} == {"iam"}


def test_the_command_line_scan_of_one_rule_collects_only_its_collections(emulator: Emulator) -> None:
    emulator.client("s3").create_bucket(Bucket="private-data")
    document = scan_json(emulator, "--rule", "s3-no-public-access")
    operations = set(document["scan"]["stats"]["operations"])
    assert {operation.partition(".")[0] for operation in operations} == {"sts", "s3", "s3control"}
    assert document["scan"]["stats"]["collections"] == ["s3"]
    assert {(f["rule"], f["status"], f["resource"]["id"]) for f in document["findings"]} == {
        ("s3-no-public-access", "PASS", "private-data")
    }
