"""Rule `iam-user-mfa`: MFA for every IAM user that holds a credential, from the credential report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cloudwarden.findings import Resource, Severity, Status
from cloudwarden.ruledoc import Example
from cloudwarden.rules.base import Rule, RuleContext, Verdict, account_resource, cause_of, unknown_because
from cloudwarden.semantics.credentials import ROOT_USER, Flag, parse_flag
from cloudwarden.snapshot import (
    AccessKey,
    AccountSnapshot,
    Collection,
    CredentialReport,
    CredentialReportRow,
    ErrorIndex,
)


def _user_resource(account_id: str, row: CredentialReportRow) -> Resource:
    return Resource(
        type="AWS::IAM::User",
        id=row.user,
        arn=row.arn or f"arn:aws:iam::{account_id}:user/{row.user}",
        name=row.user,
    )


def _judge_user(
    account_id: str, row: CredentialReportRow, listed_keys: tuple[AccessKey, ...] | None
) -> Verdict:
    """`listed_keys`: the user's access keys as ListAccessKeys gave them, when it did (evidence only: the
    credential report decides)."""
    resource = _user_resource(account_id, row)
    password = parse_flag(row.password_enabled)
    keys = [parse_flag(row.access_key_1_active), parse_flag(row.access_key_2_active)]
    mfa = parse_flag(row.mfa_active)
    evidence: dict[str, Any] = {
        "password_enabled": row.password_enabled,
        "mfa_active": row.mfa_active,
        "access_key_1_active": row.access_key_1_active,
        "access_key_2_active": row.access_key_2_active,
    }
    has_keys = Flag.YES in keys
    failed_evidence = evidence
    if has_keys and listed_keys is not None:
        failed_evidence = evidence | {
            "access_keys": [
                {"id": key.id, "status": key.status, "created": key.created} for key in listed_keys
            ]
        }
    no_credentials = password is Flag.NO and all(flag is Flag.NO for flag in keys)
    if mfa is Flag.YES:
        return Verdict(Status.PASS, resource, "the user has MFA", evidence=evidence)
    if no_credentials:
        return Verdict(
            Status.PASS, resource, "the user has no password and no active access keys", evidence=evidence
        )
    if mfa is not Flag.NO:
        return Verdict(
            Status.UNKNOWN,
            resource,
            f"the credential report's mfa_active column is unreadable: {row.mfa_active!r}",
            evidence=evidence,
        )
    if password is Flag.YES:
        return Verdict(
            Status.FAIL,
            resource,
            "the user can sign in to the console with a password and has no MFA",
            evidence=failed_evidence,
        )
    if has_keys:
        caveat = "" if password is Flag.NO else f" (password_enabled unreadable: {row.password_enabled!r})"
        return Verdict(
            Status.FAIL,
            resource,
            "the user has active access keys and no MFA: the keys work without a second factor" + caveat,
            evidence=failed_evidence,
            severity=Severity.MEDIUM,
        )
    unreadable = [
        name
        for name, flag in (
            ("password_enabled", password),
            ("access_key_1_active", keys[0]),
            ("access_key_2_active", keys[1]),
        )
        if flag is not Flag.NO
    ]
    return Verdict(
        Status.UNKNOWN,
        resource,
        "the credential report's columns are unreadable for this user: " + ", ".join(unreadable),
        evidence=evidence,
    )


def _planned_credentials(row: CredentialReportRow) -> tuple[str, Severity] | None:
    """What a plan or template gives the user that MFA must protect, and how severe its lack is; None
    when the document gives it no credential (its other credentials are not in view)."""
    if parse_flag(row.password_enabled) is Flag.YES:
        return "a console password", Severity.HIGH
    if Flag.YES in (parse_flag(row.access_key_1_active), parse_flag(row.access_key_2_active)):
        return "active access keys, which work without a second factor,", Severity.MEDIUM
    return None


def _check_planned_users(report: CredentialReport, errors: ErrorIndex) -> Iterator[Verdict]:
    """The users a plan or template gives a credential: MANUAL, since no document can enrol MFA."""
    for row in report.rows:
        resource = Resource(type="AWS::IAM::User", id=row.user, arn=row.arn, name=row.user)
        # Only the document's own: an overlaid scan's failed ListAccessKeys for a namesake is no concern here.
        unknown = errors.errors_for("iam", "GetCredentialReport", resource=row.user)
        evidence = {
            "password_enabled": row.password_enabled,
            "access_key_1_active": row.access_key_1_active,
            "access_key_2_active": row.access_key_2_active,
            "unknown": [error.describe() for error in unknown],
        }
        credentials = _planned_credentials(row)
        if credentials is not None:
            what, severity = credentials
            yield Verdict(
                Status.MANUAL,
                resource,
                f"the document gives {row.user} {what} and no plan or template can enrol an MFA device: "
                f"enrol an MFA device for {row.user} after apply, then scan the live account to confirm it",
                evidence=evidence,
                severity=severity,
            )
        elif unknown:
            yield Verdict(
                Status.UNKNOWN,
                resource,
                unknown_because(unknown, f"whether the document gives {row.user} a credential"),
                evidence=evidence,
                unknown_cause=cause_of(unknown),
            )


def check_user_mfa(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    report = account.iam.credential_report
    if account.partial:
        # A document holds some users: none is judged by what it does not say.
        if report is not None:
            yield from _check_planned_users(report, context.errors(account))
        return
    if report is None:
        yield Verdict(
            Status.UNKNOWN,
            account_resource(account.account_id),
            unknown_because(
                context.errors(account).errors_for("iam", "GenerateCredentialReport", "GetCredentialReport"),
                "the IAM credential report",
            ),
        )
        return
    listed = 0
    access_keys = account.iam.access_keys
    for row in report.rows:
        if row.user != ROOT_USER:
            listed += 1
            yield _judge_user(
                account.account_id, row, None if access_keys is None else access_keys.get(row.user)
            )
    missing = _missing_from_report(account, report, listed)
    if missing is not None:
        yield missing


def _missing_from_report(account: AccountSnapshot, report: CredentialReport, listed: int) -> Verdict | None:
    """UNKNOWN when the account has more users than the credential report lists.

    AWS hands out the same report for up to four hours after generating it, so users created since
    are not in it and would silently go unjudged. GetAccountSummary counts the users as they are now.
    """
    summary = account.iam.account_summary
    users = None if summary is None else summary.get("Users")
    if not isinstance(users, int) or users <= listed:
        return None
    generated = report.generated_time
    return Verdict(
        Status.UNKNOWN,
        account_resource(account.account_id),
        f"{users - listed} of the account's {users} IAM users are not in the credential report "
        f"(generated {generated or 'at an unknown time'}): they were created after it, and AWS reuses a "
        "report for up to four hours; scan again once it is regenerated",
        evidence={"users": users, "users_in_report": listed, "report_generated": generated},
    )


IAM_USER_MFA = Rule(
    id="iam-user-mfa",
    section="Root User",
    guideline="Enable multi factor authentication (MFA) for non federated IAM users",
    audited_upstream=False,
    severity=Severity.HIGH,
    resource_type="AWS::IAM::User",
    summary=(
        "Whether every IAM user that holds a credential has MFA, one finding per user of the credential "
        "report (the `<root_account>` row is `root-mfa`'s). Every IAM user is non-federated by "
        "definition: federated identities have no IAM user. A user is judged by every credential it "
        "holds: a console password without MFA is the classic gap, but active access keys without MFA "
        "work just as well for an attacker, so they fail too, at MEDIUM severity, unlike tools that look "
        "at console users only. AWS reuses a credential report for up to four hours, so the user count "
        "of `GetAccountSummary` shows users created since, which the report cannot judge."
    ),
    passes=(
        "The user has MFA (`mfa_active` true), whatever its credentials; or it has no console password "
        "and no active access key (inactive keys do not count), whatever its `mfa_active` says. Never in a "
        "plan or template."
    ),
    fails=(
        "The user has no MFA and can sign in to the console with a password (HIGH); or it has no MFA and "
        "holds an active access key but no password (MEDIUM; also when its `password_enabled` column is "
        "unreadable, which the message notes). Never in a plan or template. The finding on a user with an "
        "active access key also lists the user's keys (`access_keys`: `id`, `status`, `created`, from "
        "`ListAccessKeys`, which `cloudwarden fix` needs to deactivate one), unless they could not be "
        "listed; that call's failure never changes the verdict."
    ),
    unknown=(
        "For the account (`resource.id` is the account id): the credential report could not be read "
        "(one finding naming the failed `GenerateCredentialReport` or `GetCredentialReport` call, or "
        "saying the report is missing from the snapshot, and no user is judged); or the account "
        "summary counts more IAM users than the report lists (users created after the report; the "
        "listed users are still judged). For a user that holds or may hold a credential: its "
        "`mfa_active` column is missing or unreadable, or, with `mfa_active` false and no active key, "
        "its `password_enabled` or an access key column is (the message names the columns). In a plan or "
        "template: MANUAL (HIGH for a console password, MEDIUM for access keys only) for each user the "
        "document gives a credential, asking to enrol an MFA device after apply and scan the live account; "
        "UNKNOWN (known after apply) for a user whose only possible credential is left to deployment (an "
        "access key's status, a `LoginProfile` under an unresolved condition), naming the attribute."
    ),
    rationale=(
        "A stolen password or access key is enough to act as a user who has no MFA; with MFA the "
        "attacker also needs the user's device."
    ),
    remediation=(
        "Assign an MFA device to the user (IAM console, Security credentials, or "
        "`aws iam enable-mfa-device`). For users that only hold access keys, prefer an IAM role "
        "with temporary credentials, or require MFA in their policies with aws:MultiFactorAuthPresent; "
        "delete users that need no credentials."
    ),
    permissions=(
        "iam:GenerateCredentialReport",
        "iam:GetCredentialReport",
        "iam:GetAccountSummary",
        "iam:ListAccessKeys",
    ),
    needs=frozenset({Collection.IAM}),
    examples=(
        Example(Status.FAIL, "User `alice` signs in to the console with a password and has no MFA (HIGH)."),
        Example(Status.FAIL, "User `deploy` holds only an active access key and has no MFA (MEDIUM)."),
        Example(Status.PASS, "User `bob` signs in to the console with a password and has MFA."),
        Example(Status.PASS, "User `idle` has no password and no active access keys, and no MFA."),
        Example(Status.UNKNOWN, "User `carol` has a console password and her `mfa_active` reads `enabled`."),
        Example(
            Status.UNKNOWN,
            "The account summary counts 5 IAM users and the credential report, generated three hours "
            "before the scan, lists 2: one finding for the account, beside the two users' own.",
        ),
        Example(
            Status.MANUAL,
            "A Terraform plan creates `aws_iam_user_login_profile.alice` for user `alice`: enrol an MFA "
            "device for her after apply (HIGH).",
        ),
    ),
    can_be_manual=True,
    iac=(
        "The users the document gives a credential: a console password (`aws_iam_user_login_profile`, an "
        "`AWS::IAM::User` with a `LoginProfile`) or an active access key (`aws_iam_access_key`, "
        "`AWS::IAM::AccessKey`; `Active` unless `Inactive`), linked to a user of the document or naming one. "
        "No plan or template can enrol an MFA device (`EnableMFADevice` needs two consecutive codes from the "
        "device), so each such user is MANUAL, never PASS or FAIL: enrol the device after apply and scan "
        "the live account (HIGH for a password, MEDIUM for access keys only, as the live verdicts). A "
        "credential left to deployment (an access key's `status`, a `LoginProfile` under an unresolved "
        "condition) is UNKNOWN (`known-after-apply`) naming the attribute. A user the document gives no "
        "credential, and a document without users, give no finding: other credentials are not in view."
    ),
    check=check_user_mfa,
)
