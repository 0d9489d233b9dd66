"""The users translator judged by the real rule `iam-user-mfa`: exact verdicts per user.

No plan or template can enrol an MFA device, so every user a document gives a credential is a MANUAL
reminder, never PASS or FAIL; a user it gives none is not judged. Documents are built by hand in the
shape the parsers give (Terraform planned values, CloudFormation `Properties` with links as `Ref`).
"""

from __future__ import annotations

from typing import Any

from cloudwarden.config import Config
from cloudwarden.engine import evaluate
from cloudwarden.findings import Finding, Location, Severity, Status, UnknownCause
from cloudwarden.iac.model import Action, IacDocument, IacResource, Ref, Tool, Unknown
from cloudwarden.iac.translate import Draft, translate
from cloudwarden.rules.iam_user_mfa import IAM_USER_MFA
from cloudwarden.snapshot import ScanInfo, Snapshot

PLAN = "plan.json"
TEMPLATE = "template.yaml"
MANUAL, UNKNOWN = Status.MANUAL, Status.UNKNOWN


def tf(address: str, kind: str, values: dict[str, Any], action: Action = Action.CREATE) -> IacResource:
    return IacResource(
        address=address,
        type=kind,
        values=values,
        location=Location(file=PLAN),
        region="us-east-1",
        action=action,
    )


def cfn(logical_id: str, kind: str, properties: dict[str, Any], line: int = 3) -> IacResource:
    return IacResource(
        address=logical_id, type=kind, values=properties, location=Location(file=TEMPLATE, line=line)
    )


def user(name: str) -> IacResource:
    return tf(f"aws_iam_user.{name}", "aws_iam_user", {"name": name, "path": "/", "arn": Unknown("arn")})


def link(address: str, at: str) -> Ref:
    return Ref(address, "name", at)


def judge(*resources: IacResource, tool: Tool = Tool.TERRAFORM) -> tuple[dict[str, Finding], Draft]:
    document = IacDocument(path=PLAN if tool is Tool.TERRAFORM else TEMPLATE, tool=tool, resources=resources)
    account, draft = translate(document)
    snapshot = Snapshot(
        scan=ScanInfo(
            started_at="2026-12-01T00:00:00+00:00", finished_at="2026-12-01T00:00:00+00:00", tool_version="t"
        ),
        accounts=(account,),
    )
    findings = evaluate(snapshot, Config(), rules=[IAM_USER_MFA]).findings
    return {finding.resource.id: finding for finding in findings}, draft


def statuses(findings: dict[str, Finding]) -> dict[str, tuple[Status, Severity]]:
    return {resource: (finding.status, finding.severity) for resource, finding in findings.items()}


def test_a_console_password_is_a_manual_reminder_to_enrol_mfa() -> None:
    profile = tf(
        "aws_iam_user_login_profile.alice",
        "aws_iam_user_login_profile",
        {"user": link("aws_iam_user.alice", "aws_iam_user_login_profile.alice.user"), "password_length": 20},
    )
    findings, draft = judge(user("alice"), profile)
    assert statuses(findings) == {"alice": (MANUAL, Severity.HIGH)}
    assert findings["alice"].message == (
        "the document gives alice a console password and no plan or template can enrol an MFA device: enrol "
        "an MFA device for alice after apply, then scan the live account to confirm it"
    )
    annotation = draft.annotations[("AWS::IAM::User", "alice")]
    assert (annotation.address, annotation.attached) == (
        "aws_iam_user.alice",
        ["aws_iam_user_login_profile.alice"],
    )


def test_access_keys_only_are_a_medium_reminder_and_inactive_keys_do_not_count() -> None:
    findings, draft = judge(
        user("deploy"),
        user("idle"),
        user("nothing"),
        tf("aws_iam_access_key.deploy", "aws_iam_access_key", {"user": "deploy", "status": "Active"}),
        tf("aws_iam_access_key.idle", "aws_iam_access_key", {"user": "idle", "status": "Inactive"}),
    )
    assert statuses(findings) == {"deploy": (MANUAL, Severity.MEDIUM)}
    assert "active access keys, which work without a second factor," in findings["deploy"].message
    assert draft.annotations[("AWS::IAM::User", "deploy")].attached == ["aws_iam_access_key.deploy"]


def test_a_key_whose_status_is_left_to_apply_is_unknown_naming_it() -> None:
    status = Unknown("aws_iam_access_key.ci.status")
    findings, _ = judge(
        user("ci"), tf("aws_iam_access_key.ci", "aws_iam_access_key", {"user": "ci", "status": status})
    )
    assert statuses(findings) == {"ci": (UNKNOWN, Severity.HIGH)}
    assert findings["ci"].unknown_cause is UnknownCause.KNOWN_AFTER_APPLY
    assert findings["ci"].message == (
        "whether the document gives ci a credential is known only after apply: "
        "aws_iam_access_key.ci.status is known only after apply"
    )


def test_a_password_decides_whatever_the_keys() -> None:
    findings, _ = judge(
        user("ops"),
        tf("aws_iam_user_login_profile.ops", "aws_iam_user_login_profile", {"user": "ops"}),
        tf("aws_iam_access_key.ops", "aws_iam_access_key", {"user": "ops", "status": Unknown("s")}),
    )
    assert statuses(findings) == {"ops": (MANUAL, Severity.HIGH)}


def test_a_user_outside_the_plan_and_a_user_left_to_apply_are_named_by_what_the_plan_says() -> None:
    findings, draft = judge(
        tf("aws_iam_user_login_profile.bob", "aws_iam_user_login_profile", {"user": "bob"}),
        tf(
            "aws_iam_user_login_profile.who",
            "aws_iam_user_login_profile",
            {"user": Unknown("aws_iam_user_login_profile.who.user")},
        ),
    )
    assert statuses(findings) == {
        "bob": (MANUAL, Severity.HIGH),
        "aws_iam_user_login_profile.who": (MANUAL, Severity.HIGH),
    }
    assert draft.annotations[("AWS::IAM::User", "bob")].address == "aws_iam_user_login_profile.bob"
    assert findings["aws_iam_user_login_profile.who"].evidence["unknown"] == [
        "aws_iam_user_login_profile.who.user is known only after apply"
    ]


def test_users_without_credentials_deleted_credentials_and_no_users_give_no_finding() -> None:
    deleted = tf(
        "aws_iam_user_login_profile.gone", "aws_iam_user_login_profile", {"user": "gone"}, Action.DELETE
    )
    assert judge(user("gone"), deleted)[0] == {}
    assert judge(tf("aws_s3_bucket.b", "aws_s3_bucket", {"bucket": "b"}))[0] == {}


def test_cloudformation_users_with_a_login_profile_or_an_access_key() -> None:
    alice = cfn("Alice", "AWS::IAM::User", {"UserName": "alice", "LoginProfile": {"Password": "x"}})
    generated = cfn(
        "Generated", "AWS::IAM::User", {"LoginProfile": {"Password": "y", "PasswordResetRequired": True}}
    )
    service = cfn("Service", "AWS::IAM::User", {"UserName": "service"})
    key = cfn("ServiceKey", "AWS::IAM::AccessKey", {"UserName": Ref("Service", None, "ServiceKey.UserName")})
    conditional = cfn(
        "Conditional",
        "AWS::IAM::User",
        {
            "UserName": "maybe",
            "LoginProfile": Unknown("Conditional.LoginProfile", "known only at deployment"),
        },
    )
    plain = cfn("Plain", "AWS::IAM::User", {"UserName": "plain"})
    findings, draft = judge(alice, generated, service, key, conditional, plain, tool=Tool.CLOUDFORMATION)
    assert statuses(findings) == {
        "alice": (MANUAL, Severity.HIGH),
        "Generated": (MANUAL, Severity.HIGH),
        "service": (MANUAL, Severity.MEDIUM),
        "maybe": (UNKNOWN, Severity.HIGH),
    }
    assert draft.annotations[("AWS::IAM::User", "service")].address == "Service"
    assert draft.annotations[("AWS::IAM::User", "service")].attached == ["ServiceKey"]
    assert draft.annotations[("AWS::IAM::User", "service")].assumed == [
        "ServiceKey.Status is not set: Active (the default)"
    ]
    assert draft.annotations[("AWS::IAM::User", "Generated")].location == Location(file=TEMPLATE, line=3)
    assert "Conditional.LoginProfile is known only at deployment" in findings["maybe"].message


def test_a_login_profile_or_a_key_status_that_is_no_such_value_is_a_rule_error_not_left_to_apply() -> None:
    findings, _ = judge(
        cfn("Web", "AWS::IAM::User", {"UserName": "web", "LoginProfile": ["x"]}),
        cfn("Ci", "AWS::IAM::User", {"UserName": "ci", "LoginProfile": Unknown("Ci.LoginProfile")}),
        cfn("Ops", "AWS::IAM::User", {"UserName": "ops"}),
        cfn("OpsKey", "AWS::IAM::AccessKey", {"UserName": "ops", "Status": "Enabled"}),
        tool=Tool.CLOUDFORMATION,
    )
    assert {user: (f.status, f.unknown_cause) for user, f in findings.items()} == {
        "web": (UNKNOWN, UnknownCause.RULE_ERROR),
        "ci": (UNKNOWN, UnknownCause.KNOWN_AFTER_APPLY),
        "ops": (UNKNOWN, UnknownCause.RULE_ERROR),
    }
    assert findings["web"].message == (
        "whether the document gives web a credential cannot be judged from the document: "
        "Web.LoginProfile is not a value IAM accepts (list ['x'])"
    )
