"""Rules of the guideline section "Root User", for the account's root user.

The facts come from two account-wide sources: the account summary (`AccountPasswordPresent`,
`AccountMFAEnabled`, `AccountAccessKeysPresent`) and the root row of the credential report
(`<root_account>`: key activity and last use). An account whose root user has no password and no
access keys (root access managed centrally by AWS Organizations) has no root credentials to
protect, and passes the credential rules with that noted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from cloudwarden.findings import Severity, Status
from cloudwarden.rules.base import Rule, RuleContext, Verdict, account_resource, unknown_because
from cloudwarden.semantics.credentials import (
    ROOT_USER,
    Flag,
    LastUse,
    UnreadableValueError,
    parse_flag,
    parse_last_use,
)
from cloudwarden.snapshot import AccountSnapshot, CredentialReportRow

SECTION = "Root User"
_SUMMARY_CALLS = ("GetAccountSummary",)
_REPORT_CALLS = ("GenerateCredentialReport", "GetCredentialReport")
_NO_ROOT_CREDENTIALS = (
    "the root user has no password and no access keys (root access managed centrally): "
    "there are no root credentials to misuse"
)

_FLAG_VALUES = {0: False, 1: True}


def _summary_flag(account: AccountSnapshot, key: str) -> bool | None:
    """A 0/1 flag of the account summary; None when the summary or the key is missing, or when the
    value is neither 0 nor 1 (no value can be guessed to mean "enabled")."""
    summary = account.iam.account_summary
    if summary is None or key not in summary:
        return None
    return _FLAG_VALUES.get(summary[key])


def _has_no_root_credentials(account: AccountSnapshot) -> bool:
    return (
        _summary_flag(account, "AccountPasswordPresent") is False
        and _summary_flag(account, "AccountAccessKeysPresent") is False
    )


def _root_row(account: AccountSnapshot) -> CredentialReportRow | None:
    report = account.iam.credential_report
    if report is None:
        return None
    return next((row for row in report.rows if row.user == ROOT_USER), None)


def _report_problem(account: AccountSnapshot) -> str:
    if account.iam.credential_report is None:
        return unknown_because(account.errors_for("iam", *_REPORT_CALLS), "the IAM credential report")
    return "the IAM credential report has no <root_account> row"


def _summary_problem(account: AccountSnapshot, key: str) -> str:
    summary = account.iam.account_summary
    if summary is None:
        return unknown_because(account.errors_for("iam", *_SUMMARY_CALLS), "the IAM account summary")
    if key not in summary:
        return f"the IAM account summary has no {key} entry"
    return f"the IAM account summary's {key} is {summary[key]}, neither 0 nor 1"


# --- root-strong-password -------------------------------------------------------------------------


def check_strong_password(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    """No API reveals a password's strength or uniqueness: a person must attest it."""
    resource = account_resource(account.account_id)
    password = _summary_flag(account, "AccountPasswordPresent")
    if password is None:
        yield Verdict(Status.UNKNOWN, resource, _summary_problem(account, "AccountPasswordPresent"))
    elif not password:
        yield Verdict(
            Status.PASS,
            resource,
            "the root user has no password",
            evidence={"password_present": False, "root_credentials": _has_no_root_credentials(account)},
        )
    else:
        yield Verdict(
            Status.MANUAL,
            resource,
            "no API can judge the root password's strength: confirm it and record an attestation",
            evidence={"password_present": True},
        )


ROOT_STRONG_PASSWORD = Rule(
    id="root-strong-password",
    section=SECTION,
    guideline="Use a strong unique password for the root user",
    audited_upstream=False,
    severity=Severity.HIGH,
    resource_type="AWS::::Account",
    rationale=(
        "A reused or weak root password can be guessed, brute forced or replayed from another "
        "site's breach, and the root user answers to no higher authority that could undo the damage."
    ),
    remediation=(
        "Generate a long random root password with a password manager, keep it in a vault protected "
        "by MFA (or offline, in a safe), then record an attestation for this account in the "
        "configuration (`attestations:`, rule root-strong-password)."
    ),
    permissions=("iam:GetAccountSummary",),
    check=check_strong_password,
    can_be_manual=True,
)


# --- root-mfa --------------------------------------------------------------------------------------


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
    if _has_no_root_credentials(account):
        yield Verdict(Status.PASS, resource, _NO_ROOT_CREDENTIALS, evidence={"root_credentials": False})
        return
    mfa = _summary_flag(account, "AccountMFAEnabled")
    if mfa is None:
        yield Verdict(Status.UNKNOWN, resource, _summary_problem(account, "AccountMFAEnabled"))
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
    check=check_root_mfa,
)


# --- root-no-access-keys ---------------------------------------------------------------------------


def check_root_access_keys(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    resource = account_resource(account.account_id)
    if _has_no_root_credentials(account):
        yield Verdict(Status.PASS, resource, _NO_ROOT_CREDENTIALS, evidence={"root_credentials": False})
        return
    row = _root_row(account)
    keys_present = _summary_flag(account, "AccountAccessKeysPresent")
    if row is None:
        if keys_present is False:
            yield Verdict(Status.PASS, resource, "the root user has no access keys")
        else:
            yield Verdict(Status.UNKNOWN, resource, _report_problem(account))
        return
    flags = {
        "access_key_1": parse_flag(row.access_key_1_active),
        "access_key_2": parse_flag(row.access_key_2_active),
    }
    active = [name for name, flag in flags.items() if flag is Flag.YES]
    unreadable = [name for name, flag in flags.items() if flag not in (Flag.YES, Flag.NO)]
    evidence: dict[str, Any] = {
        "active_keys": active,
        "access_key_1_last_rotated": row.access_key_1_last_rotated,
        "access_key_2_last_rotated": row.access_key_2_last_rotated,
    }
    if active:
        yield Verdict(
            Status.FAIL,
            resource,
            f"the root user has {len(active)} active access key(s): they act as root without MFA",
            evidence=evidence,
        )
    elif unreadable:
        yield Verdict(
            Status.UNKNOWN,
            resource,
            "the credential report's root key columns are unreadable: " + ", ".join(unreadable),
            evidence=evidence,
        )
    elif keys_present:
        yield Verdict(
            Status.PASS,
            resource,
            "the root user has only inactive access keys (delete them)",
            evidence=evidence,
        )
    else:
        yield Verdict(Status.PASS, resource, "the root user has no active access keys", evidence=evidence)


ROOT_NO_ACCESS_KEYS = Rule(
    id="root-no-access-keys",
    section=SECTION,
    guideline="Avoid creating API keys for the root user",
    audited_upstream=False,
    severity=Severity.CRITICAL,
    resource_type="AWS::::Account",
    rationale=(
        "Root access keys bypass MFA: whoever copies them from a laptop, a CI variable or a "
        "repository owns the account. Nearly everything root can do, an IAM identity can do instead."
    ),
    remediation=(
        "Find what still uses the key (its last use in the credential report, CloudTrail), move that "
        "work to an IAM role or user with only the permissions it needs, then deactivate and delete "
        "the root access keys under the root user's Security credentials."
    ),
    permissions=("iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:GetAccountSummary"),
    check=check_root_access_keys,
)


# --- root-not-used ---------------------------------------------------------------------------------


def check_root_not_used(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    resource = account_resource(account.account_id)
    row = _root_row(account)
    if row is None:
        yield Verdict(Status.UNKNOWN, resource, _report_problem(account))
        return
    columns = {
        "password": row.password_last_used,
        "access_key_1": row.access_key_1_last_used_date,
        "access_key_2": row.access_key_2_last_used_date,
    }
    uses: dict[str, LastUse] = {}
    for credential, value in columns.items():
        try:
            uses[credential] = parse_last_use(value)
        except UnreadableValueError as error:
            yield Verdict(
                Status.UNKNOWN,
                resource,
                f"the root user's last {credential} use is unreadable: {error}",
                evidence={"last_used": columns},
            )
            return
    window_days = context.config.root.recent_use_days
    since = context.collected_at - timedelta(days=window_days)
    evidence: dict[str, Any] = {"last_used": columns, "recent_use_days": window_days}
    recent = sorted(
        ((use.when, credential) for credential, use in uses.items() if use.when and use.when > since),
        reverse=True,
    )
    if recent:
        when, credential = recent[0]
        yield Verdict(
            Status.FAIL,
            resource,
            f"the root user's {credential.replace('_', ' ')} was used on {when.date().isoformat()}, "
            f"within the last {window_days} days",
            evidence=evidence,
        )
        return
    used = [use.when for use in uses.values() if use.when]
    message = (
        f"the root user was last used on {max(used).date().isoformat()}, over {window_days} days ago"
        if used
        else "the root user has no recorded use"
    )
    yield Verdict(Status.PASS, resource, message, evidence=evidence)


ROOT_NOT_USED = Rule(
    id="root-not-used",
    section=SECTION,
    guideline="Avoid logging in as the root user",
    audited_upstream=False,
    severity=Severity.HIGH,
    resource_type="AWS::::Account",
    rationale=(
        "Every root sign-in or root key call is a chance for malware on the operator's machine to "
        "capture root access; IAM identities can do almost all of the same work."
    ),
    remediation=(
        "Find who used the root user and for what (CloudTrail events with userIdentity.type Root), "
        "give them an IAM role for that work, and keep root for the few tasks that require it."
    ),
    permissions=("iam:GenerateCredentialReport", "iam:GetCredentialReport"),
    check=check_root_not_used,
)
