"""`--framework ID` from the command line: the report per control of the real catalogue, the same exit
code as without it, and a framework or a format it cannot show refused before anything is read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwarden.compliance import CATALOGUE
from cloudwarden.snapshot import dump_snapshot
from tests.unit.builders import (
    ACCOUNT_ID,
    account,
    account_summary,
    console_user,
    credential_report,
    root_row,
    snapshot,
)

from .scanner import cloudwarden

CIS_3 = "cis-aws-foundations-3.0.0"


@pytest.fixture
def saved_snapshot(tmp_path: Path) -> Path:
    """Root without MFA and a console user without MFA; no S3, CloudTrail or network data collected."""
    path = tmp_path / "snapshot.json"
    failing = account(
        summary=account_summary(mfa=False),
        report=credential_report(root_row(), console_user("alice", mfa=False)),
    )
    dump_snapshot(snapshot(failing), path)
    return path


def test_evaluate_gives_the_cis_controls_rolled_up(saved_snapshot: Path) -> None:
    run = cloudwarden(None, "evaluate", str(saved_snapshot), "--framework", CIS_3, "--format", "json")
    assert run.exit_code == 1, run.stderr
    document = run.json()
    assert document["schema"] == "cloudwarden.framework/1"
    assert document["framework"]["id"] == CIS_3
    assert document["framework"]["version"] == "3.0.0"
    controls = {control["id"]: control for control in document["controls"]}
    assert list(controls) == [control.id for control in CATALOGUE.frameworks[CIS_3].controls]
    assessed = {
        control_id: c["status"] for control_id, c in controls.items() if c["status"] != "NOT_ASSESSED"
    }
    assert assessed == {
        "1.4": "PARTIALLY_ASSESSED",  # root-no-access-keys passes; it is partial (inactive keys pass)
        "1.5": "FAIL",  # root-mfa, equivalent
        "1.6": "FAIL",  # root-mfa, partial (hardware MFA)
        "1.7": "PARTIALLY_ASSESSED",  # root-not-used passes; partial
        "1.10": "FAIL",  # iam-user-mfa: alice
        "2.1.4": "UNKNOWN",  # the snapshot holds no S3 data
        "3.1": "UNKNOWN",
        "5.2": "UNKNOWN",
        "5.3": "UNKNOWN",
        "5.4": "UNKNOWN",
    }
    assert all(not c["rules"] for c in controls.values() if c["status"] == "NOT_ASSESSED")
    root_mfa = controls["1.5"]
    assert root_mfa["coverage"] == "equivalent"
    assert root_mfa["rules"] == [
        {"rule": "root-mfa", "relationship": "equivalent", "evaluated": True, "status": "FAIL"}
    ]
    findings = {finding["id"]: finding for finding in document["findings"]}
    [failing] = root_mfa["findings"]
    assert (findings[failing]["rule"], findings[failing]["resource"]["id"]) == ("root-mfa", ACCOUNT_ID)
    assert [rule["rule"] for rule in document["beyond"]] == [
        "root-strong-password",
        "route53-no-dangling-records",
        "sg-inbound-rules-only",
        "sg-egress-via-nsm-only",
    ]
    report = cloudwarden(None, "evaluate", str(saved_snapshot), "--format", "json")
    assert report.exit_code == run.exit_code
    assert document["findings"] == report.json()["findings"]


def test_a_run_of_some_rules_leaves_the_other_controls_not_assessed(saved_snapshot: Path) -> None:
    run = cloudwarden(
        None, "evaluate", str(saved_snapshot), "--rule", "root-no-access-keys", "--framework", CIS_3,
        "--format", "json",
    )  # fmt: skip
    assert run.exit_code == 0, run.stderr
    statuses = {control["id"]: control["status"] for control in run.json()["controls"]}
    assert statuses.pop("1.4") == "PARTIALLY_ASSESSED"
    assert set(statuses.values()) == {"NOT_ASSESSED"}


def test_every_format_of_the_view_goes_to_its_file(saved_snapshot: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    run = cloudwarden(
        None, "evaluate", str(saved_snapshot), "--framework", "aws-fsbp", "--output", str(reports),
        "--format", "terminal", "--format", "json", "--format", "html",
    )  # fmt: skip
    assert run.exit_code == 1, run.stderr
    assert run.stdout == ""
    assert sorted(path.name for path in reports.iterdir()) == [
        "cloudwarden.html",
        "cloudwarden.json",
        "cloudwarden.txt",
    ]
    assert json.loads((reports / "cloudwarden.json").read_text())["framework"]["id"] == "aws-fsbp"
    assert (
        "<title>cloudwarden: AWS Foundational Security Best Practices"
        in (reports / "cloudwarden.html").read_text()
    )
    terminal = (reports / "cloudwarden.txt").read_text()
    assert "\x1b" not in terminal
    assert "FAIL                IAM.6  " in terminal


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (
            ["--framework", "cis-aws-foundations-9.9.9"],
            "unknown framework: cis-aws-foundations-9.9.9 (known frameworks: aws-fsbp, "
            "cis-aws-foundations-3.0.0, cis-aws-foundations-5.0.0)",
        ),
        (
            ["--framework", CIS_3, "--format", "json", "--format", "sarif"],
            "--framework: the framework view exists in terminal, json and html only, not in sarif "
            "(their findings carry their controls without --framework)",
        ),
    ],
)
def test_a_framework_or_format_the_view_cannot_give_is_exit_2(
    saved_snapshot: Path, tmp_path: Path, arguments: list[str], problem: str
) -> None:
    output = tmp_path / "out"
    run = cloudwarden(None, "evaluate", str(saved_snapshot), *arguments, "--output", str(output))
    assert run.exit_code == 2
    assert run.stderr == f"cloudwarden: error: {problem}\n"
    assert run.stdout == ""
    assert not output.exists()


def test_rules_lists_the_frameworks_controls_with_their_rules() -> None:
    run = cloudwarden(None, "rules", "--framework", CIS_3, "--format", "json")
    assert run.exit_code == 0, run.stderr
    document = run.json()
    assert document["schema"] == "cloudwarden.framework-rules/1"
    controls = {control["id"]: control for control in document["controls"]}
    assert list(controls) == [control.id for control in CATALOGUE.frameworks[CIS_3].controls]
    assert controls["1.5"]["rules"] == [{"rule": "root-mfa", "relationship": "equivalent"}]
    assert controls["1.2"] == {
        "id": "1.2",
        "title": controls["1.2"]["title"],
        "assessed": False,
        "rules": [],
    }
    unknown = cloudwarden(None, "rules", "--framework", "nope")
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("cloudwarden: error: unknown framework: nope (known frameworks: ")
