"""Rule `root-mfa`: MFA for the root user, from the IAM account summary."""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.findings import Severity, Status
from cloudwarden.ruledoc import Example
from cloudwarden.rules.base import Rule, RuleContext, Verdict, account_resource
from cloudwarden.rules.root_account import (
    NO_ROOT_CREDENTIALS,
    SECTION,
    has_no_root_credentials,
    summary_flag,
    summary_problem,
)
from cloudwarden.snapshot import AccountSnapshot, Collection


def _mfa_kind(account: AccountSnapshot) -> str:
    """Virtual when a virtual device is assigned to exactly this account's root ARN."""
    devices = account.iam.virtual_mfa_devices
    if devices is None:
        return "unknown (virtual MFA devices could not be listed)"
    root_arn = f"arn:aws:iam::{account.account_id}:root"
    if any(device.user_arn == root_arn for device in devices):
        return "virtual"
    return "hardware or FIDO security key"


def check_root_mfa(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    resource = account_resource(account.account_id)
    if has_no_root_credentials(account):
        yield Verdict(Status.PASS, resource, NO_ROOT_CREDENTIALS, evidence={"root_credentials": False})
        return
    mfa = summary_flag(account, "AccountMFAEnabled")
    if mfa is None:
        yield Verdict(Status.UNKNOWN, resource, summary_problem(account, context, "AccountMFAEnabled"))
    elif mfa:
        kind = _mfa_kind(account)
        yield Verdict(Status.PASS, resource, f"the root user has MFA ({kind})", evidence={"mfa": kind})
    else:
        yield Verdict(
            Status.FAIL,
            resource,
            "the root user has no MFA device: its password alone opens the account",
            evidence={"mfa": None},
        )


ROOT_MFA = Rule(
    id="root-mfa",
    section=SECTION,
    guideline="Enable multi factor authentication (MFA) for the root user",
    audited_upstream=True,
    severity=Severity.CRITICAL,
    resource_type="AWS::::Account",
    summary=(
        "Whether the root user signs in with a second factor, from `AccountMFAEnabled` in the IAM "
        "account summary. The evidence names the kind of device: virtual when a virtual MFA device is "
        "assigned to exactly this account's root ARN (`arn:aws:iam::<account>:root`), else a hardware "
        "or FIDO security key. An account whose root user has no password and no access keys (root "
        "access managed centrally by AWS Organizations) has no root credentials to protect, and passes "
        "with that noted."
    ),
    passes=(
        "The root user has MFA (`AccountMFAEnabled` is 1), of whatever kind; or it has no credentials at "
        "all (`AccountPasswordPresent` and `AccountAccessKeysPresent` both 0), with or without a device. "
        "A failed `ListVirtualMFADevices` only leaves the kind of device unknown: the verdict still passes."
    ),
    fails=(
        "The root user has no MFA (`AccountMFAEnabled` is 0) while it has a password or access keys, or "
        "while the summary cannot show it has neither (an `AccountAccessKeysPresent` neither 0 nor 1)."
    ),
    unknown=(
        "The root user is not shown to lack credentials and the IAM account summary could not be read "
        "(the message names the failed `GetAccountSummary` call, or says the summary is missing from "
        "the snapshot), has no `AccountMFAEnabled` entry, or has one that is neither 0 nor 1."
    ),
    rationale=(
        "MFA stops an attacker who has the root password, from a phishing page or a breach, from "
        "signing in as the one identity that can do everything in the account."
    ),
    remediation=(
        "Sign in as the root user, open Security credentials and assign an MFA device (a hardware or "
        "FIDO key is best; a virtual authenticator is acceptable). Or remove the root credentials "
        "altogether with AWS Organizations' centralized root access."
    ),
    permissions=("iam:GetAccountSummary", "iam:ListVirtualMFADevices"),
    needs=frozenset({Collection.IAM}),
    examples=(
        Example(Status.FAIL, "The root user has a password and no MFA device."),
        Example(
            Status.PASS, "A virtual MFA device is assigned to the root's own ARN: MFA reported as virtual."
        ),
        Example(
            Status.PASS,
            "MFA is enabled and the only virtual devices belong to users such as `root-admin`: MFA "
            "reported as a hardware or FIDO security key.",
        ),
        Example(
            Status.PASS, "Root access is managed centrally: no root password, no access keys, no device."
        ),
        Example(Status.UNKNOWN, "`GetAccountSummary` was denied (AccessDenied)."),
        Example(Status.UNKNOWN, "The account summary's `AccountMFAEnabled` is 2, neither 0 nor 1."),
    ),
    check=check_root_mfa,
)
