"""IAM users a plan or template gives a credential, as credential-report rows for `iam-user-mfa`.

Read: Terraform's `aws_iam_user_login_profile` (a console password for `user`) and `aws_iam_access_key`
(`status` `Active` by default, or `Inactive`), linked to an `aws_iam_user` of the document or naming a
user by a literal name; CloudFormation's `AWS::IAM::User` with a `LoginProfile` property and
`AWS::IAM::AccessKey` (`UserName`, `Status` `Active` by default). A user of the document that gets
no credential from it is not translated: a partial snapshot concludes nothing from what is absent
(a password may be set outside the document), so it gives no finding.

No plan or template can enrol an MFA device: `EnableMFADevice` needs two consecutive codes from the
device itself. So the row of a user that gets a credential says `mfa_active` false, and the rule makes
it a MANUAL reminder to enrol the device after apply, never a PASS or a FAIL. A credential whose
presence is left to deployment (a `status` or `LoginProfile` known only after apply) is an `ApiError`
with the code `KNOWN_AFTER_APPLY` on the user (`iam:GetCredentialReport`); one the document gives as no
such value (a `LoginProfile` that is no mapping, a `Status` neither `Active` nor `Inactive`, a required
user missing) has the code `MALFORMED_VALUE`: UNKNOWN `rule-error`.

A row's `user`, which the rule puts in `resource.id`, is the user's name when the document knows it,
else the address of the `aws_iam_user` / `AWS::IAM::User` (a name left to CloudFormation or to apply),
else, for a credential whose user is itself unknown, the credential's address. The annotation points
at the user's resource when it is in the document, else at the credential's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.findings import GLOBAL_REGION
from cloudwarden.iac.model import IacResource, Ref, Unknown
from cloudwarden.iac.translate import Annotation, Draft, Graph
from cloudwarden.snapshot import MALFORMED_VALUE, CredentialReportRow

FINDING_TYPE = "AWS::IAM::User"
USER_TYPES = frozenset({"aws_iam_user", "AWS::IAM::User"})
LOGIN_PROFILE = "aws_iam_user_login_profile"
ACCESS_KEYS = frozenset({"aws_iam_access_key", "AWS::IAM::AccessKey"})


@dataclass
class _User:
    """What the document gives one user."""

    id: str
    annotation: Annotation
    arn: str | None = None
    password: bool = False
    active_keys: int = 0
    unknown: list[Unknown] = field(default_factory=list)


class _Users:
    """The document's users by snapshot id, in the order they are first met."""

    def __init__(self, graph: Graph, draft: Draft) -> None:
        self.graph = graph
        self.draft = draft
        self.users: dict[str, _User] = {}
        self.named: dict[str, IacResource] = {}
        for user in graph.of_type(*USER_TYPES):
            name = _user_name(user)
            if name is not None:
                self.named[name] = user

    def of_user(self, user: IacResource) -> _User:
        """The entry of a user resource of the document."""
        user_id = _user_name(user) or user.address
        entry = self.users.get(user_id)
        if entry is None:
            arn = user.values.get("arn")
            entry = _User(
                user_id, Annotation(user.address, user.location), arn if isinstance(arn, str) else None
            )
            self.users[user_id] = entry
        return entry

    def of_credential(self, credential: IacResource, user: object) -> _User:
        """The entry of the user a credential names: a link, a literal name, or a value left to apply."""
        target = self.graph.target(user)
        if target is not None and target.type in USER_TYPES:
            entry = self.of_user(target)
        elif isinstance(user, str) and user in self.named:
            entry = self.of_user(self.named[user])
        else:
            user_id = user if isinstance(user, str) and user else credential.address
            entry = self.users.get(user_id) or self.users.setdefault(
                user_id, _User(user_id, Annotation(credential.address, credential.location))
            )
            if not isinstance(user, str) or not user:
                entry.unknown.append(_unknown(user, f"{credential.address}.user"))
        if entry.annotation.address != credential.address:
            entry.annotation.attached.append(credential.address)
        return entry


def translate(graph: Graph, draft: Draft) -> None:
    """Adds a credential-report row per user that gets a password or an access key from the document."""
    users = _Users(graph, draft)
    for resource in graph.of_type("AWS::IAM::User"):
        _cloudformation_login_profile(users, resource)
    for resource in graph.of_type(LOGIN_PROFILE):
        users.of_credential(resource, resource.values.get("user")).password = True
    for resource in graph.of_type(*ACCESS_KEYS):
        key = "user" if resource.type == "aws_iam_access_key" else "UserName"
        _access_key(users.of_credential(resource, resource.values.get(key)), resource)
    for user in users.users.values():
        _add_row(draft, user)


def _cloudformation_login_profile(users: _Users, resource: IacResource) -> None:
    profile = resource.values.get("LoginProfile")
    if profile is None:
        return
    entry = users.of_user(resource)
    if isinstance(profile, Mapping):
        entry.password = True
    else:
        entry.unknown.append(_unknown(profile, f"{resource.address}.LoginProfile"))


def _access_key(user: _User, resource: IacResource) -> None:
    key = "status" if resource.type == "aws_iam_access_key" else "Status"
    status = resource.values.get(key)
    if status is None:
        user.annotation.assumed.append(f"{resource.address}.{key} is not set: Active (the default)")
        user.active_keys += 1
    elif status == "Active":
        user.active_keys += 1
    elif status != "Inactive":
        user.unknown.append(_unknown(status, f"{resource.address}.{key}"))


def _add_row(draft: Draft, user: _User) -> None:
    if not user.password and not user.active_keys and not user.unknown:
        return
    for unknown in user.unknown:
        draft.unknown("iam", "GetCredentialReport", GLOBAL_REGION, unknown, user.id)
    draft.users.append(
        CredentialReportRow(
            user=user.id,
            arn=user.arn,
            password_enabled=_flag(user.password),
            mfa_active="false",  # no document can enrol a device: EnableMFADevice needs its codes
            access_key_1_active=_flag(user.active_keys >= 1),
            access_key_2_active=_flag(user.active_keys >= 2),
        )
    )
    draft.annotations[(FINDING_TYPE, user.id)] = user.annotation


def _user_name(user: IacResource) -> str | None:
    name = user.values.get("name" if user.type == "aws_iam_user" else "UserName")
    return name if isinstance(name, str) and name else None


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _unknown(value: Any, attribute: str) -> Unknown:
    if isinstance(value, Ref):
        return value.unknown()
    if isinstance(value, Unknown):
        return value
    if value is None:
        return Unknown(attribute, "not set in the document (it is required)", MALFORMED_VALUE)
    return Unknown(
        attribute, f"not a value IAM accepts ({type(value).__name__} {value!r:.40})", MALFORMED_VALUE
    )
