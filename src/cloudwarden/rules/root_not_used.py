"""Rule `root-not-used`: no root sign-in or root key use within `root.recent_use_days` of the scan."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from cloudwarden.findings import Severity, Status
from cloudwarden.ruledoc import Example
from cloudwarden.rules.base import Rule, RuleContext, Verdict, account_resource
from cloudwarden.rules.root_account import SECTION, report_problem, root_row
from cloudwarden.semantics.credentials import LastUse, UnreadableValueError, parse_last_use
from cloudwarden.snapshot import AccountSnapshot, Collection


def check_root_not_used(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    resource = account_resource(account.account_id)
    row = root_row(account)
    if row is None:
        yield Verdict(Status.UNKNOWN, resource, report_problem(account, context))
        return
    columns = {
        "password": row.password_last_used,
        "access_key_1": row.access_key_1_last_used_date,
        "access_key_2": row.access_key_2_last_used_date,
    }
    uses: dict[str, LastUse] = {}
    unreadable: dict[str, str] = {}
    for credential, value in columns.items():
        try:
            uses[credential] = parse_last_use(value)
        except UnreadableValueError as error:
            unreadable[credential] = str(error)
    window_days = context.config.root.recent_use_days
    since = context.collected_at - timedelta(days=window_days)
    evidence: dict[str, Any] = {"last_used": columns, "recent_use_days": window_days}
    recent = sorted(
        ((use.when, credential) for credential, use in uses.items() if use.when and use.when > since),
        reverse=True,
    )
    if recent:  # a readable recent use decides, whatever an unreadable column says
        when, credential = recent[0]
        yield Verdict(
            Status.FAIL,
            resource,
            f"the root user's {credential.replace('_', ' ')} was used on {when.date().isoformat()}, "
            f"within the last {window_days} days",
            evidence=evidence,
        )
        return
    if unreadable:
        yield Verdict(
            Status.UNKNOWN,
            resource,
            "; ".join(
                f"the root user's last {credential} use is unreadable: {why}"
                for credential, why in unreadable.items()
            ),
            evidence={"last_used": columns},
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
    summary=(
        "Whether the root user was used recently: its last password sign-in and the last use of each of "
        "its two access keys, from the credential report's `<root_account>` row (IAM users' activity "
        "does not count). Recent means strictly newer than `root.recent_use_days` days (90 by default) "
        "before the data was collected, so re-evaluating a saved snapshot gives the same verdict. "
        "AWS's placeholders `N/A`, `no_information` and `not_supported` mean no recorded use."
    ),
    passes=(
        "No root credential was used within the window: the message gives the last use, older than the "
        "window (a use exactly `recent_use_days` days old is not newer than it), or says there is none."
    ),
    fails=(
        "The root password or a root access key was used within the last `recent_use_days` days; the "
        "message names the most recently used credential and the date."
    ),
    unknown=(
        "The credential report could not be read (the message names the failed "
        "`GenerateCredentialReport` or `GetCredentialReport` call, or says the report is missing from "
        "the snapshot) or has no `<root_account>` row; or one of the root's last-use columns "
        "(`password_last_used`, `access_key_1_last_used_date`, `access_key_2_last_used_date`) is missing "
        "or is neither a timestamp nor an AWS placeholder, unless another column shows a recent use (FAIL)."
    ),
    rationale=(
        "Every root sign-in or root key call is a chance for malware on the operator's machine to "
        "capture root access; IAM identities can do almost all of the same work."
    ),
    remediation=(
        "Find who used the root user and for what (CloudTrail events with userIdentity.type Root), "
        "give them an IAM role for that work, and keep root for the few tasks that require it."
    ),
    permissions=("iam:GenerateCredentialReport", "iam:GetCredentialReport"),
    needs=frozenset({Collection.IAM}),
    examples=(
        Example(
            Status.FAIL, "The root password was used 3 days before the scan, with the default 90-day window."
        ),
        Example(
            Status.FAIL, "A root access key was used 10 days before the scan; the password a year before."
        ),
        Example(Status.PASS, "The root was last used 200 days before the scan."),
        Example(Status.PASS, "The root's last-use columns read `no_information` and `N/A`: no recorded use."),
        Example(Status.UNKNOWN, "The root's `access_key_2_last_used_date` reads `last tuesday`."),
        Example(Status.UNKNOWN, "`GetCredentialReport` failed with Throttling."),
    ),
    check=check_root_not_used,
)
