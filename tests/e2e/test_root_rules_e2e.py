"""The root and IAM user rules against the emulator over HTTP: non-compliant, then fixed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cloudwarden_emulator import Emulator, RootKey, RootState
from cloudwarden_emulator.state import DEFAULT_ACCOUNT

from .scanner import finding, scan_json, verdicts

ACCOUNT = DEFAULT_ACCOUNT


def ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).replace(microsecond=0).isoformat()


def test_root_without_mfa_fails_then_virtual_and_hardware_mfa_pass(emulator: Emulator) -> None:
    emulator.set_root(ACCOUNT, RootState(mfa="none"))
    assert verdicts(scan_json(emulator), "root-mfa") == {("FAIL", ACCOUNT)}

    emulator.set_root(ACCOUNT, RootState(mfa="virtual"))
    document = scan_json(emulator)
    assert verdicts(document, "root-mfa") == {("PASS", ACCOUNT)}
    assert finding(document, "root-mfa", ACCOUNT)["evidence"]["mfa"] == "virtual"

    emulator.set_root(ACCOUNT, RootState(mfa="hardware"))
    document = scan_json(emulator)
    assert verdicts(document, "root-mfa") == {("PASS", ACCOUNT)}
    assert finding(document, "root-mfa", ACCOUNT)["evidence"]["mfa"] == "hardware or FIDO security key"


def test_active_root_key_fails_then_deactivated_key_passes(emulator: Emulator) -> None:
    emulator.set_root(ACCOUNT, RootState(access_keys=(RootKey(active=True, last_rotated=ago(400)),)))
    document = scan_json(emulator)
    assert verdicts(document, "root-no-access-keys") == {("FAIL", ACCOUNT)}
    assert finding(document, "root-no-access-keys", ACCOUNT)["severity"] == "critical"

    emulator.set_root(ACCOUNT, RootState(access_keys=(RootKey(active=False, last_rotated=ago(400)),)))
    document = scan_json(emulator)
    assert verdicts(document, "root-no-access-keys") == {("PASS", ACCOUNT)}
    assert "inactive" in finding(document, "root-no-access-keys", ACCOUNT)["message"]


def test_recent_root_sign_in_fails_then_old_use_passes(emulator: Emulator) -> None:
    emulator.set_root(ACCOUNT, RootState(password_last_used=ago(3)))
    document = scan_json(emulator)
    assert verdicts(document, "root-not-used") == {("FAIL", ACCOUNT)}
    expected_date = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    assert expected_date in finding(document, "root-not-used", ACCOUNT)["message"]

    emulator.set_root(ACCOUNT, RootState(password_last_used=ago(200)))
    assert verdicts(scan_json(emulator), "root-not-used") == {("PASS", ACCOUNT)}


def test_recent_root_key_use_fails(emulator: Emulator) -> None:
    key = RootKey(active=True, last_rotated=ago(300), last_used=ago(10))
    emulator.set_root(ACCOUNT, RootState(password_last_used=ago(365), access_keys=(key,)))
    document = scan_json(emulator)
    assert verdicts(document, "root-not-used") == {("FAIL", ACCOUNT)}
    assert "access key 1" in finding(document, "root-not-used", ACCOUNT)["message"]


def test_root_password_is_manual_until_removed(emulator: Emulator) -> None:
    emulator.set_root(ACCOUNT, RootState(password_present=True))
    assert verdicts(scan_json(emulator), "root-strong-password") == {("MANUAL", ACCOUNT)}


def test_centrally_managed_root_without_credentials_passes_credential_rules(emulator: Emulator) -> None:
    emulator.set_root(ACCOUNT, RootState(password_present=False, mfa="none"))
    document = scan_json(emulator)
    for rule in ("root-strong-password", "root-mfa", "root-no-access-keys", "root-not-used"):
        assert verdicts(document, rule) == {("PASS", ACCOUNT)}, rule
    assert "managed centrally" in finding(document, "root-mfa", ACCOUNT)["message"]


def test_iam_users_judged_by_every_credential_then_fixed(emulator: Emulator) -> None:
    iam = emulator.client("iam")
    for name in ("console-user", "key-user", "idle-user", "mfa-user"):
        iam.create_user(UserName=name)
    iam.create_login_profile(UserName="console-user", Password="Correct-Horse-9!")
    iam.create_login_profile(UserName="mfa-user", Password="Correct-Horse-9!")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="mfa-user")["VirtualMFADevice"][
        "SerialNumber"
    ]
    iam.enable_mfa_device(
        UserName="mfa-user", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )
    key = iam.create_access_key(UserName="key-user")["AccessKey"]["AccessKeyId"]

    document = scan_json(emulator)
    assert verdicts(document, "iam-user-mfa") == {
        ("FAIL", "console-user"),
        ("FAIL", "key-user"),
        ("PASS", "idle-user"),
        ("PASS", "mfa-user"),
    }
    assert finding(document, "iam-user-mfa", "console-user")["severity"] == "high"
    key_only = finding(document, "iam-user-mfa", "key-user")
    assert key_only["severity"] == "medium"
    assert "without a second factor" in key_only["message"]

    iam.delete_login_profile(UserName="console-user")
    iam.delete_access_key(UserName="key-user", AccessKeyId=key)
    assert verdicts(scan_json(emulator), "iam-user-mfa") == {
        ("PASS", "console-user"),
        ("PASS", "key-user"),
        ("PASS", "idle-user"),
        ("PASS", "mfa-user"),
    }
