"""`cloudwarden demo` as a user runs it: a real process, no AWS account, no credentials."""

from __future__ import annotations

import json
from pathlib import Path

from .scanner import cloudwarden_process


def test_demo_scans_the_seeded_account_without_credentials(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("")
    env = {"AWS_CONFIG_FILE": str(empty), "AWS_SHARED_CREDENTIALS_FILE": str(empty), "NO_COLOR": "1"}
    run = cloudwarden_process(["demo", "--format", "json"], env)
    assert run.exit_code == 0, run.stderr
    document = json.loads(run.stdout)
    by_rule: dict[str, set[tuple[str, str]]] = {}
    for entry in document["findings"]:
        by_rule.setdefault(entry["rule"], set()).add((entry["status"], entry["resource"]["id"]))
    account = "123456789012"
    assert by_rule == {
        "root-strong-password": {("MANUAL", account)},
        "root-mfa": {("PASS", account)},
        "root-no-access-keys": {("FAIL", account)},
        "root-not-used": {("FAIL", account)},
        "iam-user-mfa": {
            ("PASS", "alice"),
            ("FAIL", "bob"),
            ("SUPPRESSED", "ci-deployer"),
            ("PASS", "auditor-readonly"),
            ("PASS", "carol"),
        },
        "cloudtrail-segregated-storage": {("PASS", account)},
        "s3-no-public-access": {
            ("PASS", "www.acme-demo.example"),
            ("FAIL", "acme-customer-exports"),
            ("FAIL", "acme-partner-drop"),
            ("PASS", "acme-vpc-artifacts"),
            ("PASS", "acme-legacy-reports"),
            ("PASS", "acme-cloudtrail-local"),
        },
    }
    suppressed = next(f for f in document["findings"] if f["resource"]["id"] == "ci-deployer")
    assert suppressed["suppression"]["status_underneath"] == "FAIL"
    assert "OIDC" in suppressed["suppression"]["reason"]
    assert document["scan"]["errors"] == []


def test_demo_terminal_report_shows_every_guideline_block(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("")
    run = cloudwarden_process(
        ["demo"], {"AWS_CONFIG_FILE": str(empty), "AWS_SHARED_CREDENTIALS_FILE": str(empty)}
    )
    assert run.exit_code == 0, run.stderr
    for guideline in (
        "Use a strong unique password for the root user",
        "Enable multi factor authentication (MFA) for the root user",
        "Enable multi factor authentication (MFA) for non federated IAM users",
        "Avoid creating API keys for the root user",
        "Avoid logging in as the root user",
        "Avoid unintentionally granting public access to non-public S3 data",
        "Use the Mozilla Secure CloudTrail Storage System",
    ):
        assert guideline in run.stdout
    assert "\x1b[" not in run.stdout
