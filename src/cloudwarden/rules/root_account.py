"""What the Root User rules read about the root: its account summary flags and its credential report row."""

from __future__ import annotations

from cloudwarden.rules.base import RuleContext, unknown_because
from cloudwarden.semantics.credentials import ROOT_USER
from cloudwarden.snapshot import AccountSnapshot, CredentialReportRow

SECTION = "Root User"
SUMMARY_CALLS = ("GetAccountSummary",)
REPORT_CALLS = ("GenerateCredentialReport", "GetCredentialReport")
NO_ROOT_CREDENTIALS = (
    "the root user has no password and no access keys (root access managed centrally): "
    "there are no root credentials to misuse"
)

_FLAG_VALUES = {0: False, 1: True}


def summary_flag(account: AccountSnapshot, key: str) -> bool | None:
    """A 0/1 flag of the account summary; None when the summary or the key is missing, or when the
    value is neither 0 nor 1 (no value can be guessed to mean "enabled")."""
    summary = account.iam.account_summary
    if summary is None or key not in summary:
        return None
    return _FLAG_VALUES.get(summary[key])


def has_no_root_credentials(account: AccountSnapshot) -> bool:
    """Root access managed centrally (AWS Organizations): no root password and no root access keys."""
    return (
        summary_flag(account, "AccountPasswordPresent") is False
        and summary_flag(account, "AccountAccessKeysPresent") is False
    )


def root_row(account: AccountSnapshot) -> CredentialReportRow | None:
    report = account.iam.credential_report
    if report is None:
        return None
    return next((row for row in report.rows if row.user == ROOT_USER), None)


def report_problem(account: AccountSnapshot, context: RuleContext) -> str:
    """Why the root's credential report row cannot be read."""
    if account.iam.credential_report is None:
        errors = context.errors(account).errors_for("iam", *REPORT_CALLS)
        return unknown_because(errors, "the IAM credential report")
    return "the IAM credential report has no <root_account> row"


def summary_problem(account: AccountSnapshot, context: RuleContext, key: str) -> str:
    """Why `summary_flag(account, key)` is None."""
    summary = account.iam.account_summary
    if summary is None:
        errors = context.errors(account).errors_for("iam", *SUMMARY_CALLS)
        return unknown_because(errors, "the IAM account summary")
    if key not in summary:
        return f"the IAM account summary has no {key} entry"
    return f"the IAM account summary's {key} is {summary[key]}, neither 0 nor 1"
