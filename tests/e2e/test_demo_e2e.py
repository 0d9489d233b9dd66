"""`cloudwarden demo` as a user runs it: a real process, no AWS account, no credentials."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .scanner import cloudwarden_process

VPC_GROUPS = (
    "default",
    "nsm-proxy",
    "web-tier",
    "ssh-bastion",
    "app-tier",
    "database",
    "db-clients",
    "vendor-rdp",
)


def _group_names(entry: dict[str, Any], document: dict[str, Any]) -> str:
    """A group's name, or the names of an interface's groups joined by "+"."""
    if entry["resource"]["type"] == "AWS::EC2::SecurityGroup":
        return str(entry["resource"]["name"])
    names = {
        f["resource"]["id"]: f["resource"]["name"]
        for f in document["findings"]
        if f["resource"]["type"] == "AWS::EC2::SecurityGroup"
    }
    return "+".join(names[group] for group in entry["evidence"]["groups"])


@dataclass(frozen=True)
class DemoRun:
    directory: Path
    """Where the run wrote its reports (`cloudwarden.json`, `cloudwarden.txt`) and its store
    (`history.db`, given as a relative URL: the directory was the process's working directory)."""
    document: dict[str, Any]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """One `cloudwarden demo` run with no credentials, in two formats and recorded into a store: a
    demo takes tens of seconds of CPU, and the tests that read its report, its terminal report or its
    record share it."""
    directory = tmp_path_factory.mktemp("demo")
    empty = directory / "empty"
    empty.write_text("")
    env = {"AWS_CONFIG_FILE": str(empty), "AWS_SHARED_CREDENTIALS_FILE": str(empty), "NO_COLOR": "1"}
    arguments = ["demo", "--format", "json", "--format", "terminal", "--output", "reports"]
    run = cloudwarden_process([*arguments, "--store", "sqlite:///history.db"], env, cwd=directory)
    assert run.exit_code == 0, run.stderr
    document: dict[str, Any] = json.loads((directory / "reports" / "cloudwarden.json").read_text())
    return DemoRun(directory, document)


@pytest.fixture(scope="module")
def demo_json(demo_run: DemoRun) -> dict[str, Any]:
    return demo_run.document


def test_demo_scans_the_seeded_account_without_credentials(demo_json: dict[str, Any]) -> None:
    document = demo_json
    by_rule: dict[str, set[tuple[str, str]]] = {}
    demo_vpc: dict[str, set[tuple[str, str]]] = {}
    account = "123456789012"
    for entry in document["findings"]:
        if entry["account"] != account:
            continue  # the members are judged in the next test
        if entry["rule"] == "route53-no-dangling-records":
            # The zone id is random: judge records by name and type.
            by_rule.setdefault(entry["rule"], set()).add(
                (entry["status"], entry["resource"]["name"] + "/" + entry["evidence"]["type"])
            )
            continue
        if entry["rule"].startswith("sg-"):
            # Group ids are random: judge the demo VPC's groups by name, interfaces by their groups' names.
            if entry["evidence"].get("default_vpc") is False or entry["resource"]["type"].endswith(
                "Interface"
            ):
                demo_vpc.setdefault(entry["rule"], set()).add(
                    (
                        entry["status"],
                        entry["resource"]["type"].rsplit("::", 1)[-1] + ":" + _group_names(entry, document),
                    )
                )
            continue
        by_rule.setdefault(entry["rule"], set()).add((entry["status"], entry["resource"]["id"]))
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
        "route53-no-dangling-records": {
            ("PASS", "www.acme-demo.example/CNAME"),
            ("PASS", "shop.acme-demo.example/CNAME"),
            ("PASS", "api.acme-demo.example/A"),
            ("PASS", "intranet.acme-demo.example/A"),
            ("FAIL", "assets.acme-demo.example/CNAME"),
            ("FAIL", "promo.acme-demo.example/CNAME"),
            ("FAIL", "legacy.acme-demo.example/A"),
            ("FAIL", "cdn.acme-demo.example/CNAME"),
            ("FAIL", "staging.acme-demo.example/NS"),
            ("UNKNOWN", "docs.acme-demo.example/CNAME"),
        },
        "s3-no-public-access": {
            ("PASS", "www.acme-demo.example"),
            ("FAIL", "acme-customer-exports"),
            ("FAIL", "acme-partner-drop"),
            ("PASS", "acme-vpc-artifacts"),
            ("PASS", "acme-legacy-reports"),
            ("PASS", "acme-cloudtrail-local"),
        },
    }
    assert demo_vpc == {
        "sg-inbound-rules-only": {
            *(("PASS", f"SecurityGroup:{name}") for name in VPC_GROUPS),
            ("FAIL", "NetworkInterface:app-tier+db-clients"),
        },
        "sg-minimal-inbound": {
            *(
                ("PASS", f"SecurityGroup:{name}")
                for name in VPC_GROUPS
                if name not in ("ssh-bastion", "vendor-rdp")
            ),
            ("FAIL", "SecurityGroup:ssh-bastion"),
            ("FAIL", "SecurityGroup:vendor-rdp"),  # 0.0.0.0/0 is in its prefix list
        },
        "sg-no-internal-all-ports": {
            *(
                ("PASS", f"SecurityGroup:{name}")
                for name in VPC_GROUPS
                if name not in ("default", "database")
            ),
            ("FAIL", "SecurityGroup:default"),
            ("FAIL", "SecurityGroup:database"),
        },
        "sg-egress-via-nsm-only": {
            ("PASS", "SecurityGroup:nsm-proxy"),
            ("PASS", "SecurityGroup:web-tier"),
            ("PASS", "SecurityGroup:app-tier"),
            ("PASS", "SecurityGroup:database"),
            ("PASS", "SecurityGroup:db-clients"),
            ("PASS", "SecurityGroup:vendor-rdp"),
            ("FAIL", "SecurityGroup:ssh-bastion"),
            ("FAIL", "SecurityGroup:default"),
        },
    }
    suppressed = next(f for f in document["findings"] if f["resource"]["id"] == "ci-deployer")
    assert suppressed["suppression"]["status_underneath"] == "FAIL"
    assert "OIDC" in suppressed["suppression"]["reason"]
    assert document["scan"]["errors"] == []


def test_demo_organization_shows_a_fail_and_a_pass_for_every_guideline(demo_json: dict[str, Any]) -> None:
    document = demo_json
    assert len(document["scan"]["accounts"]) == 3
    statuses: dict[str, set[str]] = {}
    for entry in document["findings"]:
        statuses.setdefault(entry["rule"], set()).add(entry["status"])
    for rule, seen in statuses.items():
        # No API can judge a root password: MANUAL is the most a password can get without attestation.
        failing = "MANUAL" if rule == "root-strong-password" else "FAIL"
        assert {failing, "PASS"} <= seen, rule
    assert len(statuses) == 12


def test_demo_terminal_report_shows_every_guideline_block(demo_run: DemoRun) -> None:
    terminal = (demo_run.directory / "reports" / "cloudwarden.txt").read_text()
    for guideline in (
        "Use a strong unique password for the root user",
        "Enable multi factor authentication (MFA) for the root user",
        "Enable multi factor authentication (MFA) for non federated IAM users",
        "Avoid creating API keys for the root user",
        "Avoid logging in as the root user",
        "Avoid unintentionally granting public access to non-public S3 data",
        "Use the Mozilla Secure CloudTrail Storage System",
        "resolve to third party services which you are no longer using",
        "Disallow inbound network access from internal resources",
        "Disallow outbound internet access except through HTTP proxy on NSM server",
    ):
        assert guideline in terminal
    assert "\x1b[" not in terminal


def test_the_demo_records_into_a_relative_sqlite_store(demo_run: DemoRun) -> None:
    history = cloudwarden_process(
        ["history", "--store", "sqlite:///history.db", "--format", "json"], env={}, cwd=demo_run.directory
    )
    assert (history.exit_code, history.stderr) == (0, "")
    (recorded,) = history.json()["runs"]
    report = demo_run.document
    counts = Counter(finding["status"] for finding in report["findings"])
    assert recorded == {
        "id": 1,
        "started_at": report["scan"]["started_at"],
        "accounts": sorted(report["scan"]["accounts"]),
        "counts": {
            status: counts.get(status, 0) for status in ("PASS", "FAIL", "UNKNOWN", "MANUAL", "SUPPRESSED")
        },
        "command": "demo",
    }
