"""Fixer of `iam-user-mfa`: deactivate the active access keys of a user that holds only access keys.

No API enrols an MFA device for a person (`EnableMFADevice` takes two consecutive codes from the
device), so a user who signs in to the console is left to a person. A user with access keys only is
usually a program's identity: its keys are deactivated (not deleted: the rollback activates them
again), which stops whatever uses them, hence disruptive; moving that work to a role, or requiring MFA,
is left to a person. The key ids come from the finding's `access_keys` (ListAccessKeys at the scan):
the credential report names no key.
"""

from __future__ import annotations

from cloudwarden.findings import Finding
from cloudwarden.remedy import Call, Fixer, Proposal, Remedy, State
from cloudwarden.rules.iam_user_mfa import IAM_USER_MFA
from cloudwarden.semantics.credentials import Flag, parse_flag

ACTIVE = "Active"
INACTIVE = "Inactive"


def propose_key_deactivation(finding: Finding) -> Proposal:
    user = finding.resource.id
    evidence = finding.evidence
    if "password_enabled" not in evidence:
        return Proposal(unplannable="the finding does not record whether the user has a console password")
    password = parse_flag(evidence["password_enabled"])
    if password is Flag.YES:
        return Proposal(manual=finding.remediation or IAM_USER_MFA.remediation)
    if password is not Flag.NO:
        return Proposal(
            unplannable=f"the user's password_enabled reads {evidence['password_enabled']!r}: whether it "
            "signs in to the console is not known"
        )
    keys = evidence.get("access_keys")
    if not isinstance(keys, list):
        return Proposal(
            unplannable="the finding does not list the user's access keys (`access_keys`: ListAccessKeys "
            "failed, or a report of an older version): scan again"
        )
    active = [key.get("id") for key in keys if isinstance(key, dict) and key.get("status") == ACTIVE]
    if not active:
        return Proposal(
            unplannable="no access key of the user was listed as active (the credential report is up to "
            "four hours older than the listing): scan again"
        )
    key_ids = [key_id for key_id in active if isinstance(key_id, str) and key_id]
    if len(key_ids) != len(active):
        return Proposal(unplannable=f"an active access key of the user is recorded without its id: {keys!r}")
    return Proposal(
        remedies=tuple(_deactivation(user, key_id) for key_id in key_ids),
        manual=(
            f"Deactivating the keys stops whatever uses them. Move that work to an IAM role with temporary "
            f"credentials, then delete {user}'s keys (or the user); or enrol an MFA device for {user} and "
            "require MFA in its policies (aws:MultiFactorAuthPresent), so that its keys serve only to get "
            "MFA-backed session credentials (sts GetSessionToken), before activating them again."
        ),
    )


def _deactivation(user: str, key_id: str) -> Remedy:
    def update(status: str) -> Call:
        return Call(
            service="iam",
            operation="UpdateAccessKey",
            parameters={"UserName": user, "AccessKeyId": key_id, "Status": status},
        )

    return Remedy(
        action="deactivate-access-key",
        summary=f"Deactivate the access key {key_id} of the IAM user {user}.",
        state=State.ACCESS_KEY,
        read=Call(service="iam", operation="ListAccessKeys", parameters={"UserName": user}),
        before={"user": user, "access_key_id": key_id, "status": ACTIVE},
        after={"user": user, "access_key_id": key_id, "status": INACTIVE},
        calls=(update(INACTIVE),),
        rollback=(update(ACTIVE),),
        disruptive=True,
    )


IAM_USER_MFA_FIX = Fixer(
    rule="iam-user-mfa",
    summary=(
        "Deactivates the active access keys of a user without MFA that holds no console password "
        "(disruptive: whatever uses them stops; the rollback activates them again). A console user's MFA "
        "is left to a person: no API enrols a device for them."
    ),
    actions=("iam:ListAccessKeys", "iam:UpdateAccessKey"),
    operations=frozenset({"iam.ListAccessKeys", "iam.UpdateAccessKey"}),
    propose=propose_key_deactivation,
    disruptive=True,
)
