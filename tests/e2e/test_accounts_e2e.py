"""Several accounts in one scan: --account and --org through AssumeRole, and an account left unentered."""

from __future__ import annotations

from typing import Any

from cloudwarden.rules import RULES
from cloudwarden_emulator import Emulator, RootState
from cloudwarden_emulator.state import DEFAULT_ACCOUNT

from .scanner import cloudwarden, finding, verdicts

MEMBER = "222233334444"


def _scan(emulator: Emulator, *extra: str) -> dict[str, Any]:
    run = cloudwarden(emulator, "scan", "--region", "us-east-1", "--format", "json", *extra)
    assert run.exit_code in (0, 1), run.stderr
    return run.json()


def test_an_explicit_account_is_scanned_through_assume_role(emulator: Emulator) -> None:
    emulator.client("iam").create_user(UserName="in-management")
    member_iam = emulator.client("iam", account_id=MEMBER)
    member_iam.create_user(UserName="in-member")
    member_iam.create_login_profile(UserName="in-member", Password="Correct-Horse-9!")
    emulator.set_root(MEMBER, RootState(mfa="virtual"))
    document = _scan(emulator, "--account", MEMBER)
    assert document["scan"]["accounts"] == [DEFAULT_ACCOUNT, MEMBER]
    assert verdicts(document, "iam-user-mfa") == {("PASS", "in-management"), ("FAIL", "in-member")}
    by_account = {(f["account"], f["status"]) for f in document["findings"] if f["rule"] == "root-mfa"}
    assert by_account == {(DEFAULT_ACCOUNT, "FAIL"), (MEMBER, "PASS")}
    stats = document["scan"]["stats"]["operations"]
    assert stats["sts.AssumeRole"]["calls"] >= 1


def test_an_account_that_cannot_be_entered_is_unknown_and_the_others_are_scanned(emulator: Emulator) -> None:
    emulator.client("iam").create_user(UserName="in-management")
    emulator.inject_error("sts", "AssumeRole", code="AccessDenied", message="not allowed to assume")
    document = _scan(emulator, "--account", MEMBER)
    member = {(f["rule"], f["status"]) for f in document["findings"] if f["account"] == MEMBER}
    assert member == {(rule.id, "UNKNOWN") for rule in RULES}
    reason = finding(document, "root-mfa", MEMBER)["message"]
    assert "cannot assume arn:aws:iam::222233334444:role/OrganizationAccountAccessRole" in reason
    assert "AccessDenied" in reason
    assert verdicts(document, "iam-user-mfa") == {("PASS", "in-management"), ("UNKNOWN", MEMBER)}
    assert [(e["account"], e["operation"]) for e in document["scan"]["errors"]] == [(MEMBER, "AssumeRole")]


def test_org_scans_every_active_account_of_the_organization(emulator: Emulator) -> None:
    organizations = emulator.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    organizations.create_account(AccountName="member", Email="member@example.test")
    accounts = sorted(account["Id"] for account in organizations.list_accounts()["Accounts"])
    member = next(account for account in accounts if account != DEFAULT_ACCOUNT)
    emulator.client("iam", account_id=member).create_user(UserName="member-user")
    document = _scan(emulator, "--org")
    assert sorted(document["scan"]["accounts"]) == accounts
    assert ("PASS", "member-user") in verdicts(document, "iam-user-mfa")


def test_a_malformed_account_id_is_a_usage_error(emulator: Emulator) -> None:
    run = cloudwarden(emulator, "scan", "--account", "12345")
    assert run.exit_code == 2
    assert "12345 is not a 12-digit AWS account id" in run.stderr


def test_an_unentered_account_makes_the_exit_code_3_when_nothing_fails(emulator: Emulator) -> None:
    emulator.client("iam").create_user(UserName="no-console")  # no password: iam-user-mfa passes
    emulator.inject_error("sts", "AssumeRole", code="AccessDenied", message="not allowed to assume")
    run = cloudwarden(
        emulator, "scan", "--region", "us-east-1", "--rule", "iam-user-mfa", "--account", MEMBER
    )
    assert run.exit_code == 3, run.stderr
    document = cloudwarden(
        emulator,
        "scan",
        "--region",
        "us-east-1",
        "--rule",
        "iam-user-mfa",
        "--account",
        MEMBER,
        "--format",
        "json",
    ).json()
    assert verdicts(document, "iam-user-mfa") == {("PASS", "no-console"), ("UNKNOWN", MEMBER)}
    assert list(document["scan"]["unreachable_accounts"]) == [MEMBER]
    assert "AccessDenied" in document["scan"]["unreachable_accounts"][MEMBER]


def test_a_fail_elsewhere_still_exits_1_beside_an_unentered_account(emulator: Emulator) -> None:
    iam = emulator.client("iam")
    iam.create_user(UserName="console-no-mfa")
    iam.create_login_profile(UserName="console-no-mfa", Password="Correct-Horse-9!")
    emulator.inject_error("sts", "AssumeRole", code="AccessDenied", message="not allowed to assume")
    run = cloudwarden(
        emulator, "scan", "--region", "us-east-1", "--rule", "iam-user-mfa", "--account", MEMBER
    )
    assert run.exit_code == 1, run.stderr


def test_every_account_reports_its_own_time_and_calls(emulator: Emulator) -> None:
    emulator.client("iam", account_id=MEMBER).create_user(UserName="in-member")
    document = _scan(emulator, "--account", MEMBER)
    per_account = document["scan"]["stats"]["accounts"]
    assert sorted(per_account) == sorted([DEFAULT_ACCOUNT, MEMBER])
    for entry in per_account.values():
        assert entry["seconds"] > 0
        assert entry["calls"] > 0
        assert entry["worker"] is None
    operations = document["scan"]["stats"]["operations"]
    total = sum(entry["calls"] for entry in operations.values())
    # Only the coordinator's own identity call is not an account's.
    assert total == sum(entry["calls"] for entry in per_account.values()) + 1
    assert operations["sts.AssumeRole"]["calls"] >= 1
    assert document["scan"]["unreachable_accounts"] == {}
