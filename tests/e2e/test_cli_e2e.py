"""The command line against the emulator: the pipeline, exit codes, failures and the read-only guard."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cloudwarden.collect.operations import DECLARED_OPERATIONS, ENTRY_OPERATIONS
from cloudwarden.collect.session import AwsSession, ReadOnlyViolation
from cloudwarden.permissions import iam_action, required_actions
from cloudwarden.rules import RULES
from cloudwarden_emulator import Emulator, RootKey, RootState
from cloudwarden_emulator.state import DEFAULT_ACCOUNT

from .scanner import (
    close_internet_egress,
    cloudwarden,
    cloudwarden_process,
    emulator_environment,
    finding,
    scan_json,
    ship_trail_to_archive,
    verdicts,
)

ACCOUNT = DEFAULT_ACCOUNT
COMPLIANT_ROOT = RootState(password_present=False)
FAILING_ROOT = RootState(
    mfa="none", access_keys=(RootKey(active=True, last_rotated="2024-01-01T00:00:00+00:00"),)
)


def _findings_without_times(document: dict[str, object]) -> list[object]:
    findings = document["findings"]
    assert isinstance(findings, list)
    return findings


def test_collect_then_evaluate_gives_exactly_the_findings_of_scan(emulator: Emulator, tmp_path: Path) -> None:
    emulator.set_root(ACCOUNT, FAILING_ROOT)
    emulator.client("iam").create_user(UserName="someone")
    emulator.client("s3").create_bucket(Bucket="some-bucket")
    route53 = emulator.client("route53")
    zone = route53.create_hosted_zone(Name="example.test", CallerReference="collect")["HostedZone"]["Id"]
    change = {"Name": "www.example.test", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "10.0.0.1"}]}
    route53.change_resource_record_sets(
        HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": change}]}
    )
    live = scan_json(emulator)
    snapshot = tmp_path / "snapshot.json"
    collected = cloudwarden(emulator, "collect", "--region", "us-east-1", "--output", str(snapshot))
    assert collected.exit_code == 0, collected.stderr

    emulator.reset()  # evaluate must not need AWS: the emulator's data is gone
    offline = cloudwarden(None, "evaluate", str(snapshot), "--format", "json")
    assert offline.exit_code == 1
    assert _findings_without_times(offline.json()) == _findings_without_times(live)
    assert {f["rule"] for f in live["findings"]} == {rule.id for rule in RULES}


def test_exit_code_is_0_without_fails_and_1_with_one(emulator: Emulator) -> None:
    emulator.set_root(ACCOUNT, COMPLIANT_ROOT)
    ship_trail_to_archive(emulator)
    close_internet_egress(emulator)
    assert cloudwarden(emulator, "scan", "--region", "us-east-1").exit_code == 0
    emulator.set_root(ACCOUNT, FAILING_ROOT)
    assert cloudwarden(emulator, "scan", "--region", "us-east-1").exit_code == 1


def test_fail_on_ignores_fails_below_the_threshold(emulator: Emulator) -> None:
    emulator.set_root(ACCOUNT, COMPLIANT_ROOT)
    ship_trail_to_archive(emulator)
    close_internet_egress(emulator)
    iam = emulator.client("iam")
    iam.create_user(UserName="keys-only")
    iam.create_access_key(UserName="keys-only")  # a medium FAIL
    assert cloudwarden(emulator, "scan", "--region", "us-east-1", "--fail-on", "high").exit_code == 0
    assert cloudwarden(emulator, "scan", "--region", "us-east-1", "--fail-on", "medium").exit_code == 1


@pytest.mark.parametrize(
    ("config_text", "problem"),
    [
        ("root: {recent_use_days: soon}\n", "recent_use_days"),
        ("rooot: {}\n", "rooot"),
        (
            "suppressions: [{rule: no-such-rule, resource: x, reason: y, expires: 2027-01-01}]\n",
            "no-such-rule",
        ),
        ("suppressions: [{rule: root-mfa, resource: x, reason: y, expires: 2027-13-01}]\n", "YAML"),
        ("suppressions: [{rule: root-mfa, resource: x, expires: 2027-01-01}]\n", "reason"),
    ],
)
def test_bad_configuration_exits_2_before_any_aws_call(
    emulator: Emulator, tmp_path: Path, config_text: str, problem: str
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(config_text)
    emulator.inject_error("sts", "GetCallerIdentity", code="ShouldNotBeCalled")
    run = cloudwarden(emulator, "scan", "--config", str(config))
    assert run.exit_code == 2
    assert problem in run.stderr
    assert "Traceback" not in run.stderr


def test_unknown_rule_and_corrupt_snapshot_exit_2(tmp_path: Path) -> None:
    run = cloudwarden(None, "rules", "--format", "nonsense")
    assert run.exit_code == 2
    corrupt = tmp_path / "snapshot.json"
    corrupt.write_text('{"schema": "cloudwarden.snapshot/1", "accounts": 7}')
    run = cloudwarden(None, "evaluate", str(corrupt))
    assert run.exit_code == 2
    assert "corrupt snapshot" in run.stderr
    run = cloudwarden(None, "evaluate", str(tmp_path / "missing.json"))
    assert run.exit_code == 2
    assert "cannot read snapshot" in run.stderr
    snapshot = tmp_path / "ok.json"
    snapshot.write_text("{}")
    run = cloudwarden(None, "evaluate", str(snapshot), "--rule", "no-such-rule")
    assert run.exit_code == 2
    assert "no-such-rule" in run.stderr


def test_no_credentials_exits_3_with_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("")
    env = {
        "AWS_CONFIG_FILE": str(empty),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    run = cloudwarden_process(["scan"], env)
    assert run.exit_code == 3
    assert "no AWS credentials" in run.stderr
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_unreachable_endpoint_exits_3_with_one_line(emulator: Emulator) -> None:
    env = {key: value for key, value in emulator_environment(emulator).items() if value is not None}
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"  # the discard port: nothing listens
    env["AWS_MAX_ATTEMPTS"] = "1"
    run = cloudwarden_process(["scan", "--region", "us-east-1"], env)
    assert run.exit_code == 3
    assert "cannot reach AWS" in run.stderr
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_access_denied_on_account_summary_makes_only_its_rules_unknown(emulator: Emulator) -> None:
    emulator.set_root(ACCOUNT, RootState(mfa="none", password_last_used="2020-06-01T00:00:00+00:00"))
    emulator.client("iam").create_user(UserName="someone")
    emulator.inject_error("iam", "GetAccountSummary", code="AccessDenied", message="no summary for you")
    document = scan_json(emulator)
    for rule in ("root-mfa", "root-strong-password"):
        assert verdicts(document, rule) == {("UNKNOWN", ACCOUNT)}
        assert "AccessDenied" in finding(document, rule, ACCOUNT)["message"]
    assert verdicts(document, "root-not-used") == {("PASS", ACCOUNT)}
    assert verdicts(document, "root-no-access-keys") == {("PASS", ACCOUNT)}
    assert verdicts(document, "iam-user-mfa") == {("PASS", "someone")}
    errors = document["scan"]["errors"]
    assert [(e["service"], e["operation"], e["code"]) for e in errors] == [
        ("iam", "GetAccountSummary", "AccessDenied")
    ]


def test_access_denied_on_credential_report_makes_its_rules_unknown(emulator: Emulator) -> None:
    emulator.set_root(ACCOUNT, RootState(mfa="virtual"))
    emulator.inject_error("iam", "GenerateCredentialReport", code="AccessDenied")
    document = scan_json(emulator)
    for rule in ("root-not-used", "iam-user-mfa"):
        assert verdicts(document, rule) == {("UNKNOWN", ACCOUNT)}, rule
        assert "GenerateCredentialReport" in finding(document, rule, ACCOUNT)["message"]
    assert verdicts(document, "root-mfa") == {("PASS", ACCOUNT)}
    # The account summary alone proves that root has no access key at all.
    assert verdicts(document, "root-no-access-keys") == {("PASS", ACCOUNT)}


def test_read_only_guard_refuses_a_write_before_it_is_sent(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in emulator_environment(emulator).items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    session = AwsSession()
    iam = session.client("iam")
    with pytest.raises(ReadOnlyViolation, match="iam:CreateUser"):
        iam.create_user(UserName="intruder")
    with pytest.raises(ReadOnlyViolation, match="iam:ListUsers"):
        iam.list_users()  # a read the scanner does not declare
    with pytest.raises(ReadOnlyViolation, match="sts:GetSessionToken"):
        session.client("sts").get_session_token()  # named like a read, mints credentials
    assert emulator.client("iam").list_users()["Users"] == []
    # Declared reads still work through the same client.
    assert iam.get_account_summary()["SummaryMap"]["Users"] == 0


def test_a_full_scan_calls_exactly_the_declared_operations_and_the_policy_allows_them(
    emulator: Emulator,
) -> None:
    """A scan that makes every call: any undeclared one would be refused, ending it in an internal error."""
    organizations = emulator.client("organizations")  # so that ListAccounts and AssumeRole are made
    organizations.create_organization(FeatureSet="ALL")
    organizations.create_account(AccountName="member", Email="member@example.test")
    emulator.set_root(ACCOUNT, FAILING_ROOT)
    iam = emulator.client("iam")  # a user whose key works without MFA: so that its keys are listed
    iam.create_user(UserName="keys-only")
    iam.create_access_key(UserName="keys-only")
    emulator.client("s3").create_bucket(Bucket="one-bucket")  # so that every per-bucket call is made
    ship_trail_to_archive(emulator)  # so that every per-trail call is made
    route53 = emulator.client("route53")  # so that every per-zone call and CheckDNSAvailability are made
    zone = route53.create_hosted_zone(Name="example.test", CallerReference="permissions")["HostedZone"]["Id"]
    target = {"Value": "gone.us-east-1.elasticbeanstalk.com"}
    change = {"Name": "app.example.test", "Type": "CNAME", "TTL": 60, "ResourceRecords": [target]}
    route53.change_resource_record_sets(
        HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": change}]}
    )
    ec2 = emulator.client("ec2")
    prefix_list = ec2.create_managed_prefix_list(
        PrefixListName="offices", MaxEntries=2, AddressFamily="IPv4", Entries=[{"Cidr": "192.0.2.0/24"}]
    )["PrefixList"]["PrefixListId"]
    group = ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]
    ec2.authorize_security_group_ingress(  # so that the prefix lists that rules name are read
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "PrefixListIds": [{"PrefixListId": prefix_list}],
            }
        ],
    )
    run = cloudwarden(emulator, "scan", "--org", "--format", "json")  # every region: DescribeRegions too
    assert "internal error" not in run.stderr
    operations = run.json()["scan"]["stats"]["operations"]
    assert set(operations) == DECLARED_OPERATIONS
    assert operations["elasticbeanstalk.CheckDNSAvailability"]["errors"] == 0  # the emulator serves it
    in_accounts = {iam_action(operation) for operation in set(operations) - ENTRY_OPERATIONS}
    assert in_accounts == set(required_actions())
    policy = json.loads(cloudwarden(None, "permissions").stdout)
    assert policy["Statement"][0]["Action"] == required_actions()


def test_stats_count_calls_per_operation(emulator: Emulator) -> None:
    stats = scan_json(emulator)["scan"]["stats"]["operations"]
    assert stats["iam.GetAccountSummary"]["calls"] == 1
    assert stats["iam.ListVirtualMFADevices"]["calls"] == 1
    assert stats["sts.GetCallerIdentity"]["calls"] == 1
    assert stats["iam.GenerateCredentialReport"]["calls"] >= 1
    # Error answers are counted, including those that mean "none configured".
    assert {operation for operation, entry in stats.items() if entry["errors"]} == {
        "s3control.GetPublicAccessBlock",  # no account-level Block Public Access
        "organizations.DescribeOrganization",  # not in an organisation
    }


def test_several_formats_go_to_a_directory(emulator: Emulator, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    run = cloudwarden(
        emulator,
        "scan",
        "--region",
        "us-east-1",
        "--format",
        "json",
        "--format",
        "terminal",
        "--output",
        str(out),
    )
    assert run.exit_code == 1
    assert sorted(path.name for path in out.iterdir()) == ["cloudwarden.json", "cloudwarden.txt"]
    assert json.loads((out / "cloudwarden.json").read_text())["schema"] == "cloudwarden.findings/1"
    text = (out / "cloudwarden.txt").read_text()
    assert "Root User: Enable multi factor authentication (MFA) for the root user" in text
    assert "\x1b[" not in text


def test_terminal_report_is_plain_when_not_a_terminal(emulator: Emulator) -> None:
    run = cloudwarden(emulator, "scan", "--region", "us-east-1")
    assert "\x1b[" not in run.stdout
    assert "FAIL 1" in run.stdout or "FAIL 0" in run.stdout
    assert "root-mfa" in run.stdout
    assert os.environ.get("AWS_ENDPOINT_URL") is None  # the runner restored the environment
