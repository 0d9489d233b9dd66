"""`iac --snapshot` reports what a change does to resources it never names: a finding on an untouched
resource is reported when, and only when, the change makes its status differ from the live account's
own judgement (a plan lifting the account's Block Public Access exposes every live bucket behind it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cloudwarden.cli import app
from cloudwarden.snapshot import PublicAccessBlock, dump_snapshot
from tests.iac.test_overlay_s3_network import PUBLIC_POLICY, S3_RULE, SITE, UNTOUCHED, live_account
from tests.unit.builders import HOME_REGION, s3_bucket, snapshot

PROVIDER = "registry.terraform.io/hashicorp/aws"
ACCOUNT_BLOCK = "aws_s3_account_public_access_block"
ALL_ON = PublicAccessBlock(
    block_public_acls=True, ignore_public_acls=True, block_public_policy=True, restrict_public_buckets=True
)


def _account_block_plan(after: dict[str, Any] | None, actions: list[str]) -> dict[str, Any]:
    """A plan (`terraform show -json`, format 1.2) that changes the account-level Block Public Access:
    updated to `after`, or deleted (`after` None)."""
    before = {
        "account_id": "123456789012",
        "block_public_acls": True,
        "block_public_policy": True,
        "id": "123456789012",
        "ignore_public_acls": True,
        "restrict_public_buckets": True,
    }
    address = f"{ACCOUNT_BLOCK}.this"
    resource = {
        "address": address,
        "mode": "managed",
        "type": ACCOUNT_BLOCK,
        "name": "this",
        "provider_name": PROVIDER,
        "schema_version": 0,
        "values": after,
        "sensitive_values": {},
    }
    configured = {
        "address": address,
        "mode": "managed",
        "type": ACCOUNT_BLOCK,
        "name": "this",
        "provider_config_key": "aws",
        "expressions": {
            key: {"constant_value": value}
            for key, value in (after or {}).items()
            if key not in ("id", "account_id")
        },
        "schema_version": 0,
    }
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": [resource] if after is not None else []}},
        "resource_changes": [
            {
                "address": address,
                "mode": "managed",
                "type": ACCOUNT_BLOCK,
                "name": "this",
                "provider_name": PROVIDER,
                "change": {
                    "actions": actions,
                    "before": before,
                    "after": after,
                    "after_unknown": {},
                    "before_sensitive": {},
                    "after_sensitive": {} if after is not None else False,
                },
            }
        ],
        "configuration": {
            "provider_config": {
                "aws": {
                    "name": "aws",
                    "full_name": PROVIDER,
                    "expressions": {"region": {"constant_value": HOME_REGION}},
                }
            },
            "root_module": {"resources": [configured] if after is not None else []},
        },
    }


def _run(tmp_path: Path, plan: dict[str, Any]) -> tuple[int, dict[tuple[str, str], dict[str, Any]]]:
    live = live_account([s3_bucket(SITE, policy=PUBLIC_POLICY)], account_block=ALL_ON)
    snapshot_file = tmp_path / "snapshot.json"
    dump_snapshot(snapshot(live), snapshot_file)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    report_file = tmp_path / "report.json"
    result = CliRunner().invoke(
        app,
        [
            "iac",
            str(plan_file),
            "--snapshot",
            str(snapshot_file),
            "--rule",
            S3_RULE,
            "--format",
            "json",
            "--output",
            str(report_file),
        ],
    )
    findings = json.loads(report_file.read_text())["findings"]
    return result.exit_code, {(f["rule"], f["resource"]["id"]): f for f in findings}


def test_lifting_the_accounts_block_reports_every_live_bucket_it_exposes(tmp_path: Path) -> None:
    lifted = {
        "account_id": "123456789012",
        "block_public_acls": False,
        "block_public_policy": False,
        "id": "123456789012",
        "ignore_public_acls": False,
        "restrict_public_buckets": False,
    }
    code, findings = _run(tmp_path, _account_block_plan(lifted, ["update"]))
    assert code == 1
    assert {key: finding["status"] for key, finding in findings.items()} == {
        (S3_RULE, SITE): "FAIL",
        (S3_RULE, UNTOUCHED): "FAIL",
    }
    for finding in findings.values():
        assert finding["evidence"]["iac"]["live_status"] == "PASS"
        assert finding["location"] == {"file": str(tmp_path / "plan.json"), "line": None}


def test_deleting_the_accounts_block_reports_the_same(tmp_path: Path) -> None:
    code, findings = _run(tmp_path, _account_block_plan(None, ["delete"]))
    assert code == 1
    assert {key: finding["status"] for key, finding in findings.items()} == {
        (S3_RULE, SITE): "FAIL",
        (S3_RULE, UNTOUCHED): "FAIL",
    }


def test_a_change_that_leaves_every_verdict_as_it_is_reports_nothing(tmp_path: Path) -> None:
    kept = {
        "account_id": "123456789012",
        "block_public_acls": True,
        "block_public_policy": True,
        "id": "123456789012",
        "ignore_public_acls": True,
        "restrict_public_buckets": True,
    }
    code, findings = _run(tmp_path, _account_block_plan(kept, ["update"]))
    assert code == 0
    assert findings == {}
