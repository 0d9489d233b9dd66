"""Rule `root-strong-password`: the root password's strength, which only a person can confirm."""

from __future__ import annotations

from collections.abc import Iterator

from cloudwarden.findings import Severity, Status
from cloudwarden.ruledoc import Example
from cloudwarden.rules.base import Rule, RuleContext, Verdict, account_resource
from cloudwarden.rules.root_account import SECTION, has_no_root_credentials, summary_flag, summary_problem
from cloudwarden.snapshot import AccountSnapshot, Collection


def check_strong_password(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    """No API reveals a password's strength or uniqueness: a person must attest it."""
    resource = account_resource(account.account_id)
    password = summary_flag(account, "AccountPasswordPresent")
    if password is None:
        yield Verdict(Status.UNKNOWN, resource, summary_problem(account, context, "AccountPasswordPresent"))
    elif not password:
        yield Verdict(
            Status.PASS,
            resource,
            "the root user has no password",
            evidence={"password_present": False, "root_credentials": has_no_root_credentials(account)},
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
    summary=(
        "Whether the root user's password is strong and used nowhere else. No AWS API reveals a "
        "password's strength or uniqueness, so the rule only finds out, from `AccountPasswordPresent` "
        "in the IAM account summary, whether the root user has a password to judge. When it has one, a "
        "person confirms the password and records an attestation in the configuration, which turns the "
        "MANUAL finding into PASS until the attestation expires."
    ),
    passes="The root user has no password (`AccountPasswordPresent` is 0), with or without access keys.",
    fails="Never: a root password that exists cannot be judged by the scan, and is MANUAL instead.",
    unknown=(
        "UNKNOWN when the IAM account summary could not be read (the message names the failed "
        "`GetAccountSummary` call, or says the summary is missing from the snapshot), when it has no "
        "`AccountPasswordPresent` entry, or when that entry is neither 0 nor 1. MANUAL when the root "
        "user has a password (`AccountPasswordPresent` is 1): no API reveals its strength or whether it "
        "is used elsewhere, so a person confirms it is strong and unique."
    ),
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
    needs=frozenset({Collection.IAM}),
    examples=(
        Example(Status.MANUAL, "The root user has a password: confirm it is strong and unique, then attest."),
        Example(Status.PASS, "The root user has no password, though it still has access keys."),
        Example(
            Status.PASS, "Root access is managed centrally: the root has no password and no access keys."
        ),
        Example(Status.UNKNOWN, "`GetAccountSummary` was denied (AccessDenied)."),
        Example(Status.UNKNOWN, "The account summary's `AccountPasswordPresent` is 2, neither 0 nor 1."),
    ),
    check=check_strong_password,
    can_be_manual=True,
)
