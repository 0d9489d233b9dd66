"""cloudtrail-segregated-storage over HTTP against the emulator, with buckets in several accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cloudwarden_emulator import Emulator
from cloudwarden_emulator.state import DEFAULT_ACCOUNT

from .scanner import cloudwarden, finding, verdicts

RULE = "cloudtrail-segregated-storage"
ARCHIVE_ACCOUNT = "999988887777"
STRANGER_ACCOUNT = "444455556666"
ARCHIVE = "corp-cloudtrail-archive"
REGIONS = ("us-east-1", "eu-west-1")


def _scan(
    emulator: Emulator,
    tmp_path: Path,
    config: str = f"cloudtrail:\n  trusted_accounts: ['{ARCHIVE_ACCOUNT}']\n",
    env: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    path = tmp_path / "config.yaml"
    path.write_text(config)
    regions = [argument for region in REGIONS for argument in ("--region", region)]
    run = cloudwarden(
        emulator, "scan", *regions, "--rule", RULE, "--format", "json", "--config", str(path), env=env
    )
    assert run.exit_code in (0, 1), run.stderr
    return run.json()


def _archive(emulator: Emulator, name: str = ARCHIVE, account: str = ARCHIVE_ACCOUNT) -> None:
    emulator.client("s3", account_id=account).create_bucket(Bucket=name)


def _trail(emulator: Emulator, name: str, bucket: str, multi_region: bool = True, start: bool = True) -> str:
    cloudtrail = emulator.client("cloudtrail")
    arn = str(
        cloudtrail.create_trail(
            Name=name, S3BucketName=bucket, IsMultiRegionTrail=multi_region, IncludeGlobalServiceEvents=True
        )["TrailARN"]
    )
    if start:
        cloudtrail.start_logging(Name=name)
    return arn


def test_no_trail_fails_critical_for_every_region(emulator: Emulator, tmp_path: Path) -> None:
    document = _scan(emulator, tmp_path)
    assert verdicts(document, RULE) == {("FAIL", DEFAULT_ACCOUNT)}
    result = finding(document, RULE, DEFAULT_ACCOUNT)
    assert result["severity"] == "critical"
    assert "us-east-1 (no trail applies)" in result["message"]
    assert "eu-west-1 (no trail applies)" in result["message"]


def test_trail_to_a_bucket_of_this_account_fails(emulator: Emulator, tmp_path: Path) -> None:
    emulator.client("s3").create_bucket(Bucket="local-trail-logs")
    _trail(emulator, "local", "local-trail-logs")
    document = _scan(emulator, tmp_path)
    assert verdicts(document, RULE) == {("FAIL", DEFAULT_ACCOUNT)}
    assert (
        "own bucket: delivers to local-trail-logs, in this account"
        in finding(document, RULE, DEFAULT_ACCOUNT)["message"]
    )


def test_trail_to_the_trusted_archive_passes_then_fails_when_logging_stops(
    emulator: Emulator, tmp_path: Path
) -> None:
    _archive(emulator)
    _trail(emulator, "org-archive", ARCHIVE)
    document = _scan(emulator, tmp_path)
    assert verdicts(document, RULE) == {("PASS", DEFAULT_ACCOUNT)}
    passed = finding(document, RULE, DEFAULT_ACCOUNT)
    assert f"owner {ARCHIVE_ACCOUNT} confirmed" in passed["message"]
    assert passed["evidence"]["regions"]["eu-west-1"]["covered_by"] == ["org-archive"]

    emulator.client("cloudtrail").stop_logging(Name="org-archive")
    document = _scan(emulator, tmp_path)
    assert verdicts(document, RULE) == {("FAIL", DEFAULT_ACCOUNT)}
    assert "org-archive: not logging" in finding(document, RULE, DEFAULT_ACCOUNT)["message"]


def test_trusted_bucket_by_name_passes_without_confirming_its_owner(
    emulator: Emulator, tmp_path: Path
) -> None:
    _archive(emulator)
    _trail(emulator, "org-archive", ARCHIVE)
    document = _scan(emulator, tmp_path, config=f"cloudtrail:\n  trusted_buckets: ['{ARCHIVE}']\n")
    assert verdicts(document, RULE) == {("PASS", DEFAULT_ACCOUNT)}


def test_delivery_error_fails(emulator: Emulator, tmp_path: Path) -> None:
    _archive(emulator)
    arn = _trail(emulator, "org-archive", ARCHIVE)
    emulator.set_trail_delivery_error(arn, "AccessDenied")
    document = _scan(emulator, tmp_path)
    assert verdicts(document, RULE) == {("FAIL", DEFAULT_ACCOUNT)}
    assert "delivery error: AccessDenied" in finding(document, RULE, DEFAULT_ACCOUNT)["message"]


def test_single_region_trail_leaves_the_second_scanned_region_uncovered(
    emulator: Emulator, tmp_path: Path
) -> None:
    _archive(emulator)
    _trail(emulator, "home-only", ARCHIVE, multi_region=False)
    document = _scan(emulator, tmp_path)
    assert verdicts(document, RULE) == {("FAIL", DEFAULT_ACCOUNT)}
    result = finding(document, RULE, DEFAULT_ACCOUNT)
    assert "eu-west-1 (no trail applies)" in result["message"]
    assert "us-east-1" not in result["message"]
    assert result["evidence"]["regions"]["eu-west-1"]["trails"] == {
        "home-only": ["single-region trail of us-east-1"]
    }


def test_untrusted_foreign_bucket_fails(emulator: Emulator, tmp_path: Path) -> None:
    _archive(emulator, "someone-elses-bucket", STRANGER_ACCOUNT)
    _trail(emulator, "elsewhere", "someone-elses-bucket")
    document = _scan(emulator, tmp_path)
    assert verdicts(document, RULE) == {("FAIL", DEFAULT_ACCOUNT)}
    message = finding(document, RULE, DEFAULT_ACCOUNT)["message"]
    assert "untrusted bucket: someone-elses-bucket" in message
    assert f"S3 refused the ownership check for {DEFAULT_ACCOUNT}, {ARCHIVE_ACCOUNT}" in message


def test_foreign_bucket_without_trust_lists_passes_with_a_warning(emulator: Emulator, tmp_path: Path) -> None:
    _archive(emulator, "someone-elses-bucket", STRANGER_ACCOUNT)
    _trail(emulator, "elsewhere", "someone-elses-bucket")
    document = _scan(emulator, tmp_path, config="{}\n")
    assert verdicts(document, RULE) == {("PASS", DEFAULT_ACCOUNT)}
    assert "destination is unverified" in finding(document, RULE, DEFAULT_ACCOUNT)["message"]


def test_organisation_trail_seen_from_a_member_account_passes(emulator: Emulator, tmp_path: Path) -> None:
    organizations = emulator.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    organizations.create_account(AccountName="member", Email="member@example.test")
    member = next(
        account["Id"]
        for account in organizations.list_accounts()["Accounts"]
        if account["Id"] != DEFAULT_ACCOUNT
    )
    _archive(emulator)
    cloudtrail = emulator.client("cloudtrail")
    cloudtrail.create_trail(
        Name="organization",
        S3BucketName=ARCHIVE,
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        IsOrganizationTrail=True,
    )
    cloudtrail.start_logging(Name="organization")
    credentials = emulator.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", RoleSessionName="audit"
    )["Credentials"]
    member_env: dict[str, str | None] = {
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
    }
    document = _scan(emulator, tmp_path, env=member_env)
    assert document["scan"]["accounts"] == [member]
    assert verdicts(document, RULE) == {("PASS", member)}
    evidence = finding(document, RULE, member)["evidence"]
    [trail] = evidence["trails"].values()
    assert trail["organization_trail"] is True
    assert trail["owner_account"] == DEFAULT_ACCOUNT
    assert evidence["organization"]["management_account"] == DEFAULT_ACCOUNT
