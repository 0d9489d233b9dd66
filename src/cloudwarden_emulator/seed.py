"""Demo data: the root and IAM user situations an audit of the default account must tell apart.

Each seeder fills in one kind of resource; new kinds get a seeder appended to SEEDERS.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cloudwarden_emulator.client import Emulator
from cloudwarden_emulator.state import DEFAULT_ACCOUNT, RootKey, RootState

DEMO_PASSWORD = "Demo-Passw0rd!"


@dataclass(frozen=True)
class DemoUser:
    """An IAM user and the credentials it is given."""

    name: str
    console_password: bool = False
    access_key: bool = False
    virtual_mfa: bool = False


DEMO_USERS = (
    DemoUser("alice", console_password=True, virtual_mfa=True),
    DemoUser("bob", console_password=True),
    DemoUser("ci-deployer", access_key=True),
    DemoUser("auditor-readonly"),
    DemoUser("carol", console_password=True, access_key=True, virtual_mfa=True),
)


def _ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")


def seed_root(emulator: Emulator) -> None:
    """Root with a password and virtual MFA, but also an active access key used three days ago."""
    key = RootKey(active=True, last_rotated=_ago(400), last_used=_ago(3))
    emulator.set_root(DEFAULT_ACCOUNT, RootState(password_present=True, mfa="virtual", access_keys=(key,)))


def seed_iam_users(emulator: Emulator) -> None:
    """Create DEMO_USERS with their console passwords, access keys and enabled virtual MFA devices."""
    iam = emulator.client("iam")
    for user in DEMO_USERS:
        iam.create_user(UserName=user.name)
        if user.console_password:
            iam.create_login_profile(UserName=user.name, Password=DEMO_PASSWORD)
        if user.access_key:
            iam.create_access_key(UserName=user.name)
        if user.virtual_mfa:
            device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user.name)["VirtualMFADevice"]
            iam.enable_mfa_device(
                UserName=user.name,
                SerialNumber=device["SerialNumber"],
                AuthenticationCode1="123456",
                AuthenticationCode2="654321",
            )


SEEDERS: tuple[Callable[[Emulator], None], ...] = (seed_root, seed_iam_users)


def seed_demo(emulator: Emulator) -> None:
    """Fill the default account with the demo data, dated relative to now."""
    for seeder in SEEDERS:
        seeder(emulator)
