"""s3-no-public-access over HTTP against the emulator: every exposure path, both levels of blocking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cloudwarden_emulator import Emulator
from cloudwarden_emulator.state import DEFAULT_ACCOUNT

from .scanner import finding, scan_rule, verdicts

RULE = "s3-no-public-access"
ALL_USERS = "uri=http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "uri=http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "uri=http://acs.amazonaws.com/groups/s3/LogDelivery"


def _policy(bucket: str, actions: list[str], condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Sid": "Open",
        "Effect": "Allow",
        "Principal": "*",
        "Action": actions,
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _block(**settings: bool) -> dict[str, bool]:
    names = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    return {name: settings.get(name, False) for name in names}


def _seed_buckets(emulator: Emulator) -> None:
    s3 = emulator.client("s3")
    for name in (
        "private-data",
        "policy-read",
        "policy-everything",
        "policy-vpce-only",
        "acl-public-read",
        "acl-authenticated-read",
        "policy-read-restricted",
        "acl-read-ignored",
        "policy-read-block-new-only",
        "www.example.test",
        "access-logs",
    ):
        s3.create_bucket(Bucket=name)
    s3.put_bucket_policy(Bucket="policy-read", Policy=_policy("policy-read", ["s3:GetObject"]))
    s3.put_bucket_policy(Bucket="policy-everything", Policy=_policy("policy-everything", ["s3:*"]))
    s3.put_bucket_policy(
        Bucket="policy-vpce-only",
        Policy=_policy("policy-vpce-only", ["s3:*"], {"StringEquals": {"aws:SourceVpce": "vpce-0a1b2c3d"}}),
    )
    s3.put_bucket_acl(Bucket="acl-public-read", GrantRead=ALL_USERS)
    s3.put_bucket_acl(Bucket="acl-authenticated-read", GrantRead=AUTHENTICATED_USERS)
    s3.put_bucket_policy(
        Bucket="policy-read-restricted", Policy=_policy("policy-read-restricted", ["s3:GetObject"])
    )
    s3.put_public_access_block(
        Bucket="policy-read-restricted", PublicAccessBlockConfiguration=_block(RestrictPublicBuckets=True)
    )
    s3.put_bucket_acl(Bucket="acl-read-ignored", GrantRead=ALL_USERS)
    s3.put_public_access_block(
        Bucket="acl-read-ignored", PublicAccessBlockConfiguration=_block(IgnorePublicAcls=True)
    )
    s3.put_bucket_policy(
        Bucket="policy-read-block-new-only", Policy=_policy("policy-read-block-new-only", ["s3:GetObject"])
    )
    s3.put_public_access_block(
        Bucket="policy-read-block-new-only",
        PublicAccessBlockConfiguration=_block(BlockPublicPolicy=True, BlockPublicAcls=True),
    )
    s3.put_bucket_policy(Bucket="www.example.test", Policy=_policy("www.example.test", ["s3:GetObject"]))
    s3.put_bucket_acl(Bucket="access-logs", GrantWrite=LOG_DELIVERY, GrantReadACP=LOG_DELIVERY)


def _scan(emulator: Emulator, tmp_path: Path, *extra: str, exit_code: int | None = None) -> dict[str, Any]:
    """The JSON report of a scan of RULE; `exit_code` when the test knows it (else 0 or 1)."""
    run = scan_rule(emulator, tmp_path, RULE, 's3:\n  public_buckets: ["www.*"]\n', *extra)
    assert run.exit_code in ((0, 1) if exit_code is None else (exit_code,)), run.stderr
    return run.json()


def test_every_exposure_path_is_judged_by_its_effective_exposure(emulator: Emulator, tmp_path: Path) -> None:
    _seed_buckets(emulator)
    document = _scan(emulator, tmp_path)
    assert verdicts(document, RULE) == {
        ("PASS", "private-data"),
        ("FAIL", "policy-read"),
        ("FAIL", "policy-everything"),
        ("PASS", "policy-vpce-only"),
        ("FAIL", "acl-public-read"),
        ("FAIL", "acl-authenticated-read"),
        ("PASS", "policy-read-restricted"),
        ("PASS", "acl-read-ignored"),
        ("FAIL", "policy-read-block-new-only"),
        ("PASS", "www.example.test"),
        ("PASS", "access-logs"),
    }
    severities = {f["resource"]["id"]: f["severity"] for f in document["findings"] if f["status"] == "FAIL"}
    assert severities == {
        "policy-read": "high",
        "policy-everything": "critical",
        "acl-public-read": "critical",
        "acl-authenticated-read": "critical",
        "policy-read-block-new-only": "high",
    }
    read = finding(document, RULE, "policy-read")
    assert read["evidence"]["public_statements"][0]["sid"] == "Open"
    assert read["evidence"]["block_public_access"] == {
        "account": "none configured",
        "bucket": "none configured",
    }
    assert "statement 0 ('Open')" in read["remediation"]
    assert "RestrictPublicBuckets" in finding(document, RULE, "policy-read-restricted")["message"]
    assert "IgnorePublicAcls" in finding(document, RULE, "acl-read-ignored")["message"]
    assert "declared public" in finding(document, RULE, "www.example.test")["message"]
    assert finding(document, RULE, "policy-vpce-only")["evidence"]["limited_statements"][0][
        "limited_by"
    ].startswith("StringEquals aws:SourceVpce")


def test_account_level_block_public_access_neutralises_every_bucket(
    emulator: Emulator, tmp_path: Path
) -> None:
    _seed_buckets(emulator)
    emulator.client("s3control").put_public_access_block(
        AccountId=DEFAULT_ACCOUNT,
        PublicAccessBlockConfiguration=_block(RestrictPublicBuckets=True, IgnorePublicAcls=True),
    )
    document = _scan(emulator, tmp_path)
    assert {status for status, _ in verdicts(document, RULE)} == {"PASS"}
    assert len(verdicts(document, RULE)) == 11
    neutralised = finding(document, RULE, "policy-everything")
    assert "lifting it would expose" in neutralised["message"]
    assert neutralised["evidence"]["block_public_access"]["account"]["restrict_public_buckets"] is True


def test_denied_acl_read_is_unknown_only_where_it_matters(emulator: Emulator, tmp_path: Path) -> None:
    s3 = emulator.client("s3")
    for name in ("quiet-bucket", "leaky-bucket"):
        s3.create_bucket(Bucket=name)
    s3.put_bucket_policy(Bucket="leaky-bucket", Policy=_policy("leaky-bucket", ["s3:GetObject"]))
    emulator.inject_error("s3", method="GET", path_regex=r"/(quiet|leaky)-bucket/?\?acl")
    # A FAIL decides the exit code, whatever could not be judged.
    document = _scan(emulator, tmp_path, exit_code=1)
    # The leaky bucket is public through its policy whatever its ACL says; the quiet one cannot be judged.
    assert verdicts(document, RULE) == {("UNKNOWN", "quiet-bucket"), ("FAIL", "leaky-bucket")}
    assert "GetBucketAcl" in finding(document, RULE, "quiet-bucket")["message"]
    assert "AccessDenied" in finding(document, RULE, "quiet-bucket")["message"]


def test_denied_account_block_is_unknown_only_for_buckets_public_in_principle(
    emulator: Emulator, tmp_path: Path
) -> None:
    s3 = emulator.client("s3")
    for name in ("quiet-bucket", "leaky-bucket"):
        s3.create_bucket(Bucket=name)
    s3.put_bucket_policy(Bucket="leaky-bucket", Policy=_policy("leaky-bucket", ["s3:GetObject"]))
    # S3 Control signs as "s3"; its account-level Block Public Access lives under /v20180820/.
    emulator.inject_error("s3", method="GET", path_regex="^/v20180820/configuration/publicAccessBlock")
    # Nothing FAILs, and a bucket could not be judged: not a green run.
    document = _scan(emulator, tmp_path, exit_code=3)
    assert verdicts(document, RULE) == {("PASS", "quiet-bucket"), ("UNKNOWN", "leaky-bucket")}
    assert "account's Block Public Access" in finding(document, RULE, "leaky-bucket")["message"]


def test_denied_bucket_listing_is_one_unknown_for_the_account(emulator: Emulator, tmp_path: Path) -> None:
    emulator.client("s3").create_bucket(Bucket="some-bucket")
    emulator.inject_error("s3", method="GET", path_regex=r"^/(\?.*)?$")
    document = _scan(emulator, tmp_path, exit_code=3)
    assert verdicts(document, RULE) == {("UNKNOWN", DEFAULT_ACCOUNT)}
    assert "ListBuckets" in finding(document, RULE, DEFAULT_ACCOUNT)["message"]


def test_bucket_in_another_region_is_read_there(emulator: Emulator, tmp_path: Path) -> None:
    s3 = emulator.client("s3", region="eu-west-1")
    s3.create_bucket(Bucket="eu-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_policy(Bucket="eu-bucket", Policy=_policy("eu-bucket", ["s3:GetObject"]))
    document = _scan(emulator, tmp_path)
    assert verdicts(document, RULE) == {("FAIL", "eu-bucket")}
    assert finding(document, RULE, "eu-bucket")["region"] == "eu-west-1"
