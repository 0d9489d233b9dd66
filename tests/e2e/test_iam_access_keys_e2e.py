"""iam-user-mfa over HTTP against the emulator: the access keys of each user the credential report shows
with an active key and no MFA are listed (ListAccessKeys, page after page) into the FAIL's evidence,
which `cloudwarden fix` needs to deactivate a key; no other user's are asked for; a listing that
fails is recorded and changes no verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cloudwarden_emulator import Emulator

from .scanner import finding, scan_rule, verdicts

RULE = "iam-user-mfa"
ASKED = ("deploy", "alice")
"""The users whose keys work without MFA: `deploy` holds keys only, `alice` a password too."""


def _users(emulator: Emulator) -> dict[str, list[dict[str, Any]]]:
    """`deploy` with two keys (the second deactivated), `alice` with a password and a key, `backup`
    with a key and MFA, `idle` with nothing; the keys of the users asked about, as IAM lists them."""
    iam = emulator.client("iam")
    for user in ("deploy", "alice", "backup", "idle"):
        iam.create_user(UserName=user)
    iam.create_access_key(UserName="deploy")
    spare = iam.create_access_key(UserName="deploy")["AccessKey"]["AccessKeyId"]
    iam.update_access_key(UserName="deploy", AccessKeyId=spare, Status="Inactive")
    iam.create_login_profile(UserName="alice", Password="correct-horse-battery-staple")
    iam.create_access_key(UserName="alice")
    iam.create_access_key(UserName="backup")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="backup")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName="backup", SerialNumber=device, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )
    return {user: iam.list_access_keys(UserName=user)["AccessKeyMetadata"] for user in ASKED}


def _scan(emulator: Emulator, tmp_path: Path) -> dict[str, Any]:
    run = scan_rule(emulator, tmp_path, RULE, "{}\n")
    assert run.exit_code == 1, run.stderr
    return run.json()


def test_the_keys_of_the_users_without_mfa_are_listed_page_after_page(
    emulator: Emulator, tmp_path: Path
) -> None:
    keys = _users(emulator)
    emulator.set_page_size("iam", "ListAccessKeys", 1)

    document = _scan(emulator, tmp_path)

    assert verdicts(document, RULE) == {
        ("FAIL", "deploy"),
        ("FAIL", "alice"),
        ("PASS", "backup"),
        ("PASS", "idle"),
    }
    for user in ASKED:
        assert finding(document, RULE, user)["evidence"]["access_keys"] == [
            {"id": key["AccessKeyId"], "status": key["Status"], "created": key["CreateDate"].isoformat()}
            for key in keys[user]
        ]
    assert [key["Status"] for key in keys["deploy"]] == ["Active", "Inactive"]
    assert "access_keys" not in finding(document, RULE, "backup")["evidence"]
    assert document["scan"]["stats"]["operations"]["iam.ListAccessKeys"]["calls"] == 3  # deploy's 2 pages
    assert document["scan"]["errors"] == []


def test_a_listing_that_fails_is_recorded_and_changes_no_verdict(emulator: Emulator, tmp_path: Path) -> None:
    _users(emulator)
    listed = _scan(emulator, tmp_path)
    emulator.inject_error("iam", "ListAccessKeys", code="AccessDenied", message="no keys for you")

    document = _scan(emulator, tmp_path)

    assert [
        (f["resource"]["id"], f["status"], f["severity"], f["message"]) for f in document["findings"]
    ] == [(f["resource"]["id"], f["status"], f["severity"], f["message"]) for f in listed["findings"]]
    assert sorted((e["operation"], e["resource"], e["code"]) for e in document["scan"]["errors"]) == [
        ("ListAccessKeys", "alice", "AccessDenied"),
        ("ListAccessKeys", "deploy", "AccessDenied"),
    ]
    assert all("access_keys" not in f["evidence"] for f in document["findings"])
