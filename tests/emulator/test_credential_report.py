"""The credential report starts with the root user's row, built from the account's root state."""

import csv
import io
from typing import Any

import pytest

from cloudwarden_emulator import DEFAULT_ACCOUNT, Emulator, RootKey, RootState

HEADER = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
]

FRESH_ROOT_ROW = (
    "<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,"
    "no_information,not_supported,not_supported,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,"
    "false,N/A,false,N/A"
)


def report_lines(iam: Any) -> list[str]:
    iam.generate_credential_report()
    content: bytes = iam.get_credential_report()["Content"]
    return content.decode().splitlines()


def root_row(iam: Any) -> dict[str, str]:
    rows = list(csv.DictReader(io.StringIO("\n".join(report_lines(iam)))))
    return rows[0]


def test_fresh_account_has_default_root_row(emulator: Emulator) -> None:
    lines = report_lines(emulator.client("iam"))

    assert lines == [",".join(HEADER), FRESH_ROOT_ROW]


def test_root_row_comes_before_users(emulator: Emulator) -> None:
    iam = emulator.client("iam")
    iam.create_user(UserName="zed")

    lines = report_lines(iam)

    assert [line.split(",")[0] for line in lines] == ["user", "<root_account>", "zed"]
    assert lines[1] == FRESH_ROOT_ROW


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        pytest.param(
            RootState(password_last_used="2024-01-02T04:04:05+01:00"),
            {"password_last_used": "2024-01-02T03:04:05+00:00"},
            id="password-used-converted-to-utc",
        ),
        pytest.param(RootState(password_present=False), {"password_last_used": "N/A"}, id="no-password"),
        pytest.param(RootState(mfa="virtual"), {"mfa_active": "true"}, id="virtual-mfa"),
        pytest.param(RootState(mfa="hardware"), {"mfa_active": "true"}, id="hardware-mfa"),
        pytest.param(
            RootState(created="2015-06-07T08:09:10Z"),
            {"user_creation_time": "2015-06-07T08:09:10+00:00"},
            id="created",
        ),
        pytest.param(
            RootState(access_keys=(RootKey(active=True, last_rotated="2021-02-03T04:05:06+00:00"),)),
            {
                "access_key_1_active": "true",
                "access_key_1_last_rotated": "2021-02-03T04:05:06+00:00",
            },
            id="one-key-never-used",
        ),
        pytest.param(
            RootState(
                access_keys=(
                    RootKey(
                        active=False,
                        last_rotated="2021-02-03T04:05:06+00:00",
                        last_used="2022-03-04T05:06:07+00:00",
                    ),
                    RootKey(
                        active=True,
                        last_rotated="2023-04-05T06:07:08+00:00",
                        last_used="2024-05-06T07:08:09+00:00",
                    ),
                )
            ),
            {
                "access_key_1_active": "false",
                "access_key_1_last_rotated": "2021-02-03T04:05:06+00:00",
                "access_key_1_last_used_date": "2022-03-04T05:06:07+00:00",
                "access_key_2_active": "true",
                "access_key_2_last_rotated": "2023-04-05T06:07:08+00:00",
                "access_key_2_last_used_date": "2024-05-06T07:08:09+00:00",
            },
            id="two-keys-used",
        ),
    ],
)
def test_root_row_follows_root_state(emulator: Emulator, root: RootState, expected: dict[str, str]) -> None:
    fresh = dict(zip(HEADER, FRESH_ROOT_ROW.split(","), strict=True))
    emulator.set_root(DEFAULT_ACCOUNT, root)

    row = root_row(emulator.client("iam"))

    assert row == fresh | expected


def test_root_row_of_another_account_names_that_account(emulator: Emulator) -> None:
    row = root_row(emulator.client("iam", account_id="111111111111"))

    assert row["arn"] == "arn:aws:iam::111111111111:root"
