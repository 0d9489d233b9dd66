"""Rule `root-no-access-keys`: no active access keys for the root user, from the credential report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.findings import Severity, Status
from cloudwarden.ruledoc import Example
from cloudwarden.rules.base import Rule, RuleContext, Verdict, account_resource
from cloudwarden.rules.root_account import (
    NO_ROOT_CREDENTIALS,
    SECTION,
    has_no_root_credentials,
    report_problem,
    root_row,
    summary_flag,
)
from cloudwarden.semantics.credentials import Flag, parse_flag
from cloudwarden.snapshot import AccountSnapshot, Collection


def check_root_access_keys(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    resource = account_resource(account.account_id)
    if has_no_root_credentials(account):
        yield Verdict(Status.PASS, resource, NO_ROOT_CREDENTIALS, evidence={"root_credentials": False})
        return
    row = root_row(account)
    keys_present = summary_flag(account, "AccountAccessKeysPresent")
    if row is None:
        if keys_present is False:
            yield Verdict(Status.PASS, resource, "the root user has no access keys")
        else:
            yield Verdict(Status.UNKNOWN, resource, report_problem(account, context))
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
    summary=(
        "Whether the root user has an active access key, from the `access_key_1_active` and "
        "`access_key_2_active` columns of the credential report's `<root_account>` row. The IAM account "
        "summary's `AccountAccessKeysPresent` fills in when the report cannot be read, and tells "
        "inactive keys (which still pass, with a reminder to delete them) from no keys at all. An "
        "account whose root user has no password and no access keys (root access managed centrally by "
        "AWS Organizations) passes with that noted, with or without a credential report."
    ),
    passes=(
        "Neither root access key is active in the credential report (inactive keys pass, and the message "
        "asks to delete them); or the report cannot be read but the account summary says the root has no "
        "access keys; or the root user has no credentials at all."
    ),
    fails=(
        "The credential report shows one or both root access keys active, even when the other key's "
        "column is unreadable. The evidence lists the active keys and when each key was last rotated."
    ),
    unknown=(
        "The credential report could not be read (the message names the failed "
        "`GenerateCredentialReport` or `GetCredentialReport` call, or says the report is missing from "
        "the snapshot) or has no `<root_account>` row, while the account summary does not say the root "
        "has no access keys (it says it has some, or it is unreadable too). Also UNKNOWN when no key is "
        "active but a root key column is missing or holds an unexpected value: the message names it."
    ),
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
    needs=frozenset({Collection.IAM}),
    examples=(
        Example(Status.FAIL, "The root's first access key is active (last rotated 400 days ago)."),
        Example(
            Status.FAIL, "Both root access keys are active: the message counts 2 and the evidence names both."
        ),
        Example(Status.PASS, "The root has only an inactive access key: pass, with a reminder to delete it."),
        Example(
            Status.PASS,
            "`GetCredentialReport` was denied, but the account summary says the root has no access keys.",
        ),
        Example(Status.UNKNOWN, "The root row's `access_key_1_active` reads `maybe` and no key is active."),
        Example(
            Status.UNKNOWN,
            "`GenerateCredentialReport` was denied (AccessDenied) and the account summary says the root has "
            "access keys.",
        ),
    ),
    check=check_root_access_keys,
)
