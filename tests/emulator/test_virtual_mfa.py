"""ListVirtualMFADevices includes the root user's device when root uses virtual MFA."""

from datetime import UTC, datetime
from typing import Any

import pytest

from cloudwarden_emulator import DEFAULT_ACCOUNT, Emulator, RootState
from cloudwarden_emulator.state import MfaKind

ROOT_SERIAL = "arn:aws:iam::123456789012:mfa/root-account-mfa-device"


def serials(iam: Any, status: str, page_size: int = 100) -> list[str]:
    paginator = iam.get_paginator("list_virtual_mfa_devices")
    pages = paginator.paginate(AssignmentStatus=status, PaginationConfig={"PageSize": page_size})
    return [device["SerialNumber"] for page in pages for device in page["VirtualMFADevices"]]


def test_root_virtual_device_is_listed_with_root_identity(emulator: Emulator) -> None:
    emulator.set_root(DEFAULT_ACCOUNT, RootState(mfa="virtual", created="2019-05-06T07:08:09+00:00"))

    devices = emulator.client("iam").list_virtual_mfa_devices()["VirtualMFADevices"]

    created = datetime(2019, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert devices == [
        {
            "SerialNumber": ROOT_SERIAL,
            "User": {
                "Path": "/",
                "UserId": "123456789012",
                "Arn": "arn:aws:iam::123456789012:root",
                "CreateDate": created,
            },
            "EnableDate": created,
        }
    ]


@pytest.mark.parametrize(
    ("mfa", "status", "expected"),
    [
        ("virtual", "Any", [ROOT_SERIAL]),
        ("virtual", "Assigned", [ROOT_SERIAL]),
        ("virtual", "Unassigned", []),
        ("hardware", "Any", []),
        ("none", "Any", []),
    ],
)
def test_root_device_depends_on_mfa_kind_and_status(
    emulator: Emulator, mfa: MfaKind, status: str, expected: list[str]
) -> None:
    emulator.set_root(DEFAULT_ACCOUNT, RootState(mfa=mfa))

    assert serials(emulator.client("iam"), status) == expected


def test_root_device_follows_user_devices_across_pages(emulator: Emulator) -> None:
    iam = emulator.client("iam")
    for name in ("dana", "erin"):
        iam.create_user(UserName=name)
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(
            UserName=name, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
        )
    iam.create_virtual_mfa_device(VirtualMFADeviceName="spare")
    emulator.set_root(DEFAULT_ACCOUNT, RootState(mfa="virtual"))

    assert serials(iam, "Assigned", page_size=1) == [
        "arn:aws:iam::123456789012:mfa/dana",
        "arn:aws:iam::123456789012:mfa/erin",
        ROOT_SERIAL,
    ]
    assert serials(iam, "Any", page_size=2) == [
        "arn:aws:iam::123456789012:mfa/dana",
        "arn:aws:iam::123456789012:mfa/erin",
        "arn:aws:iam::123456789012:mfa/spare",
        ROOT_SERIAL,
    ]
