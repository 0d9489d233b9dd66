"""The demo data gives each audit check both passing and failing subjects."""

import csv
import io
from datetime import UTC, datetime, timedelta

from cloudwarden_emulator import Emulator
from cloudwarden_emulator.seed import seed_demo


def test_seed_demo(emulator: Emulator) -> None:
    seed_demo(emulator)

    iam = emulator.client("iam")
    iam.generate_credential_report()
    report = iam.get_credential_report()["Content"].decode()
    rows = {row["user"]: row for row in csv.DictReader(io.StringIO(report))}
    columns = ("password_enabled", "mfa_active", "access_key_1_active", "access_key_2_active")
    assert {user: tuple(row[column] for column in columns) for user, row in rows.items()} == {
        "<root_account>": ("not_supported", "true", "true", "false"),
        "alice": ("true", "true", "false", "false"),
        "bob": ("true", "false", "false", "false"),
        "ci-deployer": ("false", "false", "true", "false"),
        "auditor-readonly": ("false", "false", "false", "false"),
        "carol": ("true", "true", "true", "false"),
    }
    root_key_used = datetime.fromisoformat(rows["<root_account>"]["access_key_1_last_used_date"])
    assert timedelta(days=3) <= datetime.now(UTC) - root_key_used < timedelta(days=3, minutes=1)
    devices = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    assert [device["SerialNumber"].rsplit("/", 1)[1] for device in devices] == [
        "alice",
        "carol",
        "root-account-mfa-device",
    ]
