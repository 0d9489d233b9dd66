"""GetAccountSummary reports the root user's password, MFA and access keys from the root state."""

import pytest

from cloudwarden_emulator import DEFAULT_ACCOUNT, Emulator, RootKey, RootState

ROOT_FLAGS = (
    "AccountPasswordPresent",
    "AccountMFAEnabled",
    "AccountAccessKeysPresent",
    "AccountSigningCertificatesPresent",
)


def root_flags(emulator: Emulator, account_id: str | None = None) -> dict[str, int]:
    summary: dict[str, int] = emulator.client("iam", account_id=account_id).get_account_summary()[
        "SummaryMap"
    ]
    return {flag: summary[flag] for flag in ROOT_FLAGS}


def test_fresh_account_has_a_password_only(emulator: Emulator) -> None:
    assert root_flags(emulator) == {
        "AccountPasswordPresent": 1,
        "AccountMFAEnabled": 0,
        "AccountAccessKeysPresent": 0,
        "AccountSigningCertificatesPresent": 0,
    }


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        pytest.param(RootState(password_present=False), {"AccountPasswordPresent": 0}, id="no-password"),
        pytest.param(RootState(mfa="virtual"), {"AccountMFAEnabled": 1}, id="virtual-mfa"),
        pytest.param(RootState(mfa="hardware"), {"AccountMFAEnabled": 1}, id="hardware-mfa"),
        pytest.param(
            RootState(access_keys=(RootKey(active=False, last_rotated="2021-01-01T00:00:00Z"),)),
            {"AccountAccessKeysPresent": 1},
            id="inactive-key-counts",
        ),
    ],
)
def test_root_flags_follow_root_state(emulator: Emulator, root: RootState, expected: dict[str, int]) -> None:
    fresh = {
        "AccountPasswordPresent": 1,
        "AccountMFAEnabled": 0,
        "AccountAccessKeysPresent": 0,
        "AccountSigningCertificatesPresent": 0,
    }
    emulator.set_root(DEFAULT_ACCOUNT, root)

    assert root_flags(emulator) == fresh | expected


def test_other_summary_entries_still_come_from_moto(emulator: Emulator) -> None:
    iam = emulator.client("iam")
    iam.create_user(UserName="zed")
    emulator.set_root(DEFAULT_ACCOUNT, RootState(mfa="virtual"))

    summary = iam.get_account_summary()["SummaryMap"]

    assert (summary["Users"], summary["UsersQuota"], summary["AccountMFAEnabled"]) == (1, 5000, 1)
