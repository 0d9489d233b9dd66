"""The fixer of iam-user-mfa, on findings the rule makes of hand-built snapshots: a user that holds only
access keys has each active key deactivated (disruptive; the rollback activates it again), and what
else to do left to a person; a console user's MFA is a person's to enrol. Without the listed keys,
nothing is planned. Also the rule's side: the keys are evidence only, never a verdict's ground."""

from __future__ import annotations

import msgspec

from cloudwarden.config import Config
from cloudwarden.engine import evaluate
from cloudwarden.findings import Finding, Severity, Status
from cloudwarden.permissions import iam_action
from cloudwarden.remedy import Call, Proposal, Remedy, State
from cloudwarden.rules import FIXERS
from cloudwarden.rules.iam_user_mfa import IAM_USER_MFA
from cloudwarden.rules.iam_user_mfa_fix import IAM_USER_MFA_FIX
from cloudwarden.snapshot import AccessKey, AccountSnapshot, ApiError, CredentialReportRow

from .builders import (
    ACCOUNT_ID,
    account,
    console_user,
    credential_report,
    key_user,
    root_row,
    snapshot,
    user_row,
)

DEPLOY_KEY = AccessKey(id="AKIAIOSFODNN7DEPLOY1", status="Active", created="2025-04-16T08:00:00+00:00")
SPARE_KEY = AccessKey(id="AKIAIOSFODNN7DEPLOY2", status="Active", created="2025-05-02T08:00:00+00:00")
RETIRED_KEY = AccessKey(id="AKIAIOSFODNN7RETIRED", status="Inactive", created="2023-01-10T08:00:00+00:00")
KEYS_ONLY_STEPS = (
    "Deactivating the keys stops whatever uses them. Move that work to an IAM role with temporary "
    "credentials, then delete deploy's keys (or the user); or enrol an MFA device for deploy and require "
    "MFA in its policies (aws:MultiFactorAuthPresent), so that its keys serve only to get MFA-backed "
    "session credentials (sts GetSessionToken), before activating them again."
)
LISTING_DENIED = ApiError(
    account=ACCOUNT_ID,
    service="iam",
    operation="ListAccessKeys",
    region="us-east-1",
    code="AccessDenied",
    message=f"User: arn:aws:iam::{ACCOUNT_ID}:user/auditor is not authorized to perform: iam:ListAccessKeys",
    resource="deploy",
)


def _account(
    row: CredentialReportRow,
    keys: dict[str, tuple[AccessKey, ...]] | None,
    errors: tuple[ApiError, ...] = (),
) -> AccountSnapshot:
    """An account whose one user is `row`, with the access keys listed per user (None: not collected)."""
    target = account(report=credential_report(root_row(), row), errors=errors)
    return msgspec.structs.replace(target, iam=msgspec.structs.replace(target.iam, access_keys=keys))


def _finding(target: AccountSnapshot) -> Finding:
    """The rule's one finding on `target`, as a report carries it."""
    (finding,) = evaluate(snapshot(target), Config(), rules=(IAM_USER_MFA,)).findings
    return finding


def _deactivation(key_id: str) -> Remedy:
    def update(status: str) -> Call:
        return Call(
            service="iam",
            operation="UpdateAccessKey",
            parameters={"UserName": "deploy", "AccessKeyId": key_id, "Status": status},
        )

    return Remedy(
        action="deactivate-access-key",
        summary=f"Deactivate the access key {key_id} of the IAM user deploy.",
        state=State.ACCESS_KEY,
        read=Call(service="iam", operation="ListAccessKeys", parameters={"UserName": "deploy"}),
        before={"user": "deploy", "access_key_id": key_id, "status": "Active"},
        after={"user": "deploy", "access_key_id": key_id, "status": "Inactive"},
        calls=(update("Inactive"),),
        rollback=(update("Active"),),
        disruptive=True,
    )


def test_a_keys_only_user_has_its_active_key_deactivated_and_the_inactive_one_left() -> None:
    finding = _finding(_account(key_user("deploy", mfa=False), {"deploy": (DEPLOY_KEY, RETIRED_KEY)}))

    assert (finding.status, finding.severity) == (Status.FAIL, Severity.MEDIUM)
    assert IAM_USER_MFA_FIX.propose(finding) == Proposal(
        remedies=(_deactivation("AKIAIOSFODNN7DEPLOY1"),), manual=KEYS_ONLY_STEPS
    )


def test_a_keys_only_user_with_two_active_keys_has_both_deactivated() -> None:
    row = key_user("deploy", mfa=False, access_key_2_active="true")
    finding = _finding(_account(row, {"deploy": (DEPLOY_KEY, SPARE_KEY)}))

    assert IAM_USER_MFA_FIX.propose(finding) == Proposal(
        remedies=(_deactivation("AKIAIOSFODNN7DEPLOY1"), _deactivation("AKIAIOSFODNN7DEPLOY2")),
        manual=KEYS_ONLY_STEPS,
    )


def test_a_console_user_with_keys_is_left_to_a_person_with_the_remediation() -> None:
    row = console_user("deploy", mfa=False, access_key_1_active="true")
    finding = _finding(_account(row, {"deploy": (DEPLOY_KEY,)}))

    assert (finding.status, finding.severity) == (Status.FAIL, Severity.HIGH)
    assert IAM_USER_MFA_FIX.propose(finding) == Proposal(manual=IAM_USER_MFA.remediation)


def test_a_console_user_without_keys_is_left_to_a_person_with_the_remediation() -> None:
    finding = _finding(_account(console_user("alice", mfa=False), {}))

    assert IAM_USER_MFA_FIX.propose(finding) == Proposal(manual=IAM_USER_MFA.remediation)


def test_a_keys_only_user_whose_keys_could_not_be_listed_is_unplannable() -> None:
    finding = _finding(_account(key_user("deploy", mfa=False), {}, errors=(LISTING_DENIED,)))

    assert IAM_USER_MFA_FIX.propose(finding) == Proposal(
        unplannable="the finding does not list the user's access keys (`access_keys`: ListAccessKeys "
        "failed, or a report of an older version): scan again"
    )


def test_a_keys_only_user_whose_keys_are_all_inactive_by_now_is_unplannable() -> None:
    """Deactivated between the credential report (reused for up to four hours) and the listing."""
    finding = _finding(_account(key_user("deploy", mfa=False), {"deploy": (RETIRED_KEY,)}))

    assert IAM_USER_MFA_FIX.propose(finding) == Proposal(
        unplannable="no access key of the user was listed as active (the credential report is up to "
        "four hours older than the listing): scan again"
    )


def test_a_user_whose_password_flag_is_unreadable_is_unplannable() -> None:
    finding = _finding(
        _account(key_user("deploy", mfa=False, password_enabled="???"), {"deploy": (DEPLOY_KEY,)})
    )

    assert finding.status is Status.FAIL
    assert IAM_USER_MFA_FIX.propose(finding) == Proposal(
        unplannable="the user's password_enabled reads '???': whether it signs in to the console is not known"
    )


def test_the_fail_of_a_user_with_keys_lists_them() -> None:
    finding = _finding(_account(key_user("deploy", mfa=False), {"deploy": (DEPLOY_KEY, RETIRED_KEY)}))

    assert finding.evidence == {
        "password_enabled": "false",
        "mfa_active": "false",
        "access_key_1_active": "true",
        "access_key_2_active": "false",
        "access_keys": [
            {"id": "AKIAIOSFODNN7DEPLOY1", "status": "Active", "created": "2025-04-16T08:00:00+00:00"},
            {"id": "AKIAIOSFODNN7RETIRED", "status": "Inactive", "created": "2023-01-10T08:00:00+00:00"},
        ],
    }


def test_a_failed_listing_changes_no_verdict_only_the_evidence() -> None:
    listed = _finding(_account(key_user("deploy", mfa=False), {"deploy": (DEPLOY_KEY,)}))
    denied = _finding(_account(key_user("deploy", mfa=False), {}, errors=(LISTING_DENIED,)))

    assert (denied.status, denied.severity, denied.message) == (
        listed.status,
        listed.severity,
        listed.message,
    )
    assert denied.evidence == {
        "password_enabled": "false",
        "mfa_active": "false",
        "access_key_1_active": "true",
        "access_key_2_active": "false",
    }


def test_a_passing_user_lists_no_keys() -> None:
    finding = _finding(_account(key_user("deploy", mfa=True), {}))

    assert finding.status is Status.PASS
    assert "access_keys" not in finding.evidence


def test_a_document_user_is_not_made_unknown_by_a_failed_listing_of_the_scan_it_is_laid_over() -> None:
    """`iac --snapshot`: the collected account's failed ListAccessKeys of a namesake is no document's."""
    target = msgspec.structs.replace(
        account(report=credential_report(user_row("deploy")), errors=(LISTING_DENIED,)),
        partial=True,
        live_context=True,
    )

    assert evaluate(snapshot(target), Config(), rules=(IAM_USER_MFA,)).findings == ()


def test_the_fixer_is_registered_disruptive_and_declares_exactly_what_it_calls() -> None:
    fixer = FIXERS["iam-user-mfa"]

    assert fixer is IAM_USER_MFA_FIX
    assert fixer.disruptive is True
    assert fixer.operations == frozenset({"iam.ListAccessKeys", "iam.UpdateAccessKey"})
    assert fixer.actions == ("iam:ListAccessKeys", "iam:UpdateAccessKey")
    assert {iam_action(operation) for operation in fixer.operations} == set(fixer.actions)
