"""The s3 translator judged by the real rule `s3-no-public-access`: exact verdicts per bucket.

Documents are built by hand in the shape the parsers give: Terraform values are a plan's planned
values (attributes the AWS provider computes, such as a bucket's legacy `policy`, `acl` and `grant`
when the configuration does not set them, are unknown on create), CloudFormation values are a
resource's `Properties` with intrinsic functions resolved where they can be.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.config import Config
from cloudwarden.engine import evaluate
from cloudwarden.findings import Finding, Location, Status, UnknownCause
from cloudwarden.iac import s3
from cloudwarden.iac.model import Action, IacDocument, IacResource, Ref, Tool, Unknown
from cloudwarden.iac.s3 import ENFORCED
from cloudwarden.iac.translate import Draft, translate
from cloudwarden.rules.s3_no_public_access import S3_NO_PUBLIC_ACCESS
from cloudwarden.snapshot import (
    KNOWN_AFTER_APPLY,
    MALFORMED_VALUE,
    NOT_IN_DOCUMENT,
    AclGrant,
    ScanInfo,
    Snapshot,
)

PLAN = "plan.json"
TEMPLATE = "template.yaml"
REGION = "eu-west-1"
PASS, FAIL, UNKNOWN = Status.PASS, Status.FAIL, Status.UNKNOWN


def public_policy(bucket: str) -> str:
    """Anyone may read the objects: the policy a static website gives its bucket."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicRead",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                }
            ],
        }
    )


def tf(
    address: str,
    kind: str,
    values: dict[str, Any],
    action: Action = Action.CREATE,
) -> IacResource:
    return IacResource(
        address=address, type=kind, values=values, location=Location(file=PLAN), region=REGION, action=action
    )


def tf_bucket(address: str, name: str | None, action: Action = Action.CREATE, **extra: Any) -> IacResource:
    """A bucket as a create plan writes it, its legacy `acl`, `grant` and `policy` unset (the AWS
    provider computes them; a plan whose configuration leaves them unset may say so)."""
    values: dict[str, Any] = {
        "bucket": name if name is not None else Unknown(f"{address}.bucket"),
        "bucket_prefix": None,
        "force_destroy": False,
        "acl": None,
        "grant": None,
        "policy": None,
        "id": Unknown(f"{address}.id"),
        "arn": Unknown(f"{address}.arn"),
    }
    values.update(extra)
    return tf(address, "aws_s3_bucket", values, action)


def link(address: str, attribute: str | None, at: str) -> Ref:
    return Ref(address=address, attribute=attribute, at=at)


def tf_block(address: str, bucket: object, **flags: object) -> IacResource:
    values: dict[str, object] = {"bucket": bucket}
    values.update(flags)
    return tf(address, "aws_s3_bucket_public_access_block", values)


def open_block(address: str, bucket: object) -> IacResource:
    """Block Public Access with all four settings off, as a public website sets it."""
    return tf_block(
        address,
        bucket,
        block_public_acls=False,
        ignore_public_acls=False,
        block_public_policy=False,
        restrict_public_buckets=False,
    )


def ownership(address: str, bucket: object, setting: str) -> IacResource:
    return tf(
        address,
        "aws_s3_bucket_ownership_controls",
        {"bucket": bucket, "rule": [{"object_ownership": setting}]},
    )


def cfn(logical_id: str, kind: str, properties: dict[str, Any], line: int = 3) -> IacResource:
    return IacResource(
        address=logical_id, type=kind, values=properties, location=Location(file=TEMPLATE, line=line)
    )


def plan(*resources: IacResource) -> IacDocument:
    return IacDocument(path=PLAN, tool=Tool.TERRAFORM, resources=resources)


def template(*resources: IacResource) -> IacDocument:
    return IacDocument(path=TEMPLATE, tool=Tool.CLOUDFORMATION, resources=resources)


def judge(document: IacDocument) -> tuple[dict[str, Finding], Draft]:
    """The rule's findings on the translated document, by snapshot id, and the translation's draft."""
    account, draft = translate(document)
    snapshot = Snapshot(
        scan=ScanInfo(
            started_at="2026-01-01T00:00:00Z", finished_at="2026-01-01T00:00:01Z", tool_version="t"
        ),
        accounts=(account,),
    )
    report = evaluate(snapshot, Config(), rules=[S3_NO_PUBLIC_ACCESS])
    findings = {finding.resource.id: finding for finding in report.findings}
    assert len(findings) == len(report.findings)
    return findings, draft


def statuses(findings: dict[str, Finding]) -> dict[str, Status]:
    return {resource_id: finding.status for resource_id, finding in findings.items()}


SITE = "aws_s3_bucket.site"
SITE_ID = link(SITE, "id", "aws_s3_bucket_policy.site.bucket")


# --- Terraform -------------------------------------------------------------------------------------------


def test_a_new_bucket_alone_passes_on_aws_defaults_which_the_annotation_names() -> None:
    findings, draft = judge(plan(tf_bucket("aws_s3_bucket.logs", "logs-bucket")))
    assert statuses(findings) == {"logs-bucket": PASS}
    annotation = draft.annotations[("AWS::S3::Bucket", "logs-bucket")]
    assert annotation.address == "aws_s3_bucket.logs"
    assert annotation.location == Location(file=PLAN)
    assert annotation.attached == []
    assert annotation.assumed == [
        s3.ACCOUNT_NOT_IN_DOCUMENT,
        s3.NEW_BUCKET_ACL,
        s3.NEW_BUCKET_BLOCK,
        s3.NEW_BUCKET_OWNERSHIP,
    ]
    bucket = draft.buckets[0]
    assert bucket.public_access_block == s3.ALL_ON
    assert bucket.object_ownership == "BucketOwnerEnforced"
    assert bucket.region == REGION
    assert bucket.policy_is_public is None


def test_a_public_policy_fails_where_block_public_access_is_lifted_and_passes_where_aws_default_holds() -> (
    None
):
    findings, draft = judge(
        plan(
            tf_bucket(SITE, "site-bucket"),
            tf(
                "aws_s3_bucket_policy.site",
                "aws_s3_bucket_policy",
                {"bucket": SITE_ID, "policy": public_policy("site-bucket")},
            ),
            open_block("aws_s3_bucket_public_access_block.site", link(SITE, "id", "x.bucket")),
            tf_bucket("aws_s3_bucket.quiet", "quiet-bucket"),
            tf(
                "aws_s3_bucket_policy.quiet",
                "aws_s3_bucket_policy",
                {
                    "bucket": link("aws_s3_bucket.quiet", "bucket", "p.bucket"),
                    "policy": public_policy("quiet-bucket"),
                },
            ),
        )
    )
    assert statuses(findings) == {"site-bucket": FAIL, "quiet-bucket": PASS}
    assert (
        findings["site-bucket"].message == "anyone can read through its policy (statement 0 ('PublicRead'))"
    )
    assert "RestrictPublicBuckets" in findings["quiet-bucket"].message
    assert draft.annotations[("AWS::S3::Bucket", "site-bucket")].attached == [
        "aws_s3_bucket_policy.site",
        "aws_s3_bucket_public_access_block.site",
    ]
    assert s3.NEW_BUCKET_BLOCK not in draft.annotations[("AWS::S3::Bucket", "site-bucket")].assumed
    assert s3.NEW_BUCKET_BLOCK in draft.annotations[("AWS::S3::Bucket", "quiet-bucket")].assumed
    assert draft.warnings == []


def test_a_policy_known_only_after_apply_is_unknown_naming_the_attribute() -> None:
    findings, _ = judge(
        plan(
            tf_bucket(SITE, "site-bucket"),
            tf(
                "aws_s3_bucket_policy.site",
                "aws_s3_bucket_policy",
                {"bucket": SITE_ID, "policy": Unknown("aws_s3_bucket_policy.site.policy")},
            ),
            open_block("aws_s3_bucket_public_access_block.site", SITE_ID),
        )
    )
    assert statuses(findings) == {"site-bucket": UNKNOWN}
    finding = findings["site-bucket"]
    assert finding.unknown_cause is UnknownCause.KNOWN_AFTER_APPLY
    assert finding.message == (
        "the bucket policy is known only after apply: "
        "aws_s3_bucket_policy.site.policy is known only after apply"
    )


def test_the_legacy_inline_policy_counts_and_when_unknown_with_nothing_closing_it_is_unknown() -> None:
    findings, _ = judge(
        plan(
            tf_bucket("aws_s3_bucket.old", "old-style", policy=public_policy("old-style")),
            open_block("aws_s3_bucket_public_access_block.old", link("aws_s3_bucket.old", "id", "b.bucket")),
            tf_bucket("aws_s3_bucket.open", "open-bucket", policy=Unknown("aws_s3_bucket.open.policy")),
            open_block(
                "aws_s3_bucket_public_access_block.open", link("aws_s3_bucket.open", "id", "c.bucket")
            ),
        )
    )
    assert statuses(findings) == {"old-style": FAIL, "open-bucket": UNKNOWN}
    assert "aws_s3_bucket.open.policy is known only after apply" in findings["open-bucket"].message


def test_a_literal_bucket_name_attaches_and_one_naming_no_bucket_of_the_document_is_a_warning() -> None:
    findings, draft = judge(
        plan(
            tf_bucket(SITE, "site-bucket"),
            tf(
                "aws_s3_bucket_policy.site",
                "aws_s3_bucket_policy",
                {"bucket": "site-bucket", "policy": public_policy("site-bucket")},
            ),
            tf_block("aws_s3_bucket_public_access_block.site", "site-bucket"),
            tf(
                "aws_s3_bucket_policy.elsewhere",
                "aws_s3_bucket_policy",
                {"bucket": "live-bucket", "policy": public_policy("live-bucket")},
            ),
        )
    )
    # The block with all four arguments absent: every setting off.
    assert statuses(findings) == {"site-bucket": FAIL}
    assert draft.warnings == [
        "aws_s3_bucket_policy.elsewhere: its bucket ('live-bucket') is not a bucket of plan.json; not judged "
        "(give --snapshot to judge it with the live bucket)"
    ]


def test_a_bucket_whose_name_is_left_to_apply_is_named_by_its_address() -> None:
    findings, draft = judge(
        plan(tf_bucket("module.web.aws_s3_bucket.assets[0]", None, bucket_prefix="assets-"))
    )
    assert statuses(findings) == {"module.web.aws_s3_bucket.assets[0]": PASS}
    assert ("AWS::S3::Bucket", "module.web.aws_s3_bucket.assets[0]") in draft.annotations


def test_two_policies_on_one_bucket_overwrite_each_other_unknown_naming_both() -> None:
    findings, _ = judge(
        plan(
            tf_bucket(SITE, "site-bucket"),
            tf("aws_s3_bucket_policy.a", "aws_s3_bucket_policy", {"bucket": SITE_ID, "policy": "{}"}),
            tf("aws_s3_bucket_policy.b", "aws_s3_bucket_policy", {"bucket": SITE_ID, "policy": "{}"}),
            open_block("aws_s3_bucket_public_access_block.site", SITE_ID),
        )
    )
    assert statuses(findings) == {"site-bucket": UNKNOWN}
    assert findings["site-bucket"].message == (
        "the bucket policy is known only after apply: the bucket policy of site-bucket is set by both "
        "aws_s3_bucket_policy.a and aws_s3_bucket_policy.b, which overwrite each other (whichever applies "
        "last wins)"
    )


@pytest.mark.parametrize(
    ("canned", "status"),
    [
        ("private", PASS),
        ("public-read", FAIL),
        ("public-read-write", FAIL),
        ("authenticated-read", FAIL),
        ("log-delivery-write", PASS),
        ("aws-exec-read", PASS),
        ("bucket-owner-read", PASS),
        ("bucket-owner-full-control", PASS),
    ],
)
def test_each_canned_acl_exposes_the_bucket_as_s3_grants_it_once_acls_are_enabled(
    canned: str, status: Status
) -> None:
    findings, _ = judge(
        plan(
            tf_bucket(SITE, "site-bucket"),
            tf("aws_s3_bucket_acl.site", "aws_s3_bucket_acl", {"bucket": SITE_ID, "acl": canned}),
            ownership("aws_s3_bucket_ownership_controls.site", SITE_ID, "BucketOwnerPreferred"),
            open_block("aws_s3_bucket_public_access_block.site", SITE_ID),
        )
    )
    assert statuses(findings) == {"site-bucket": status}


def test_canned_acls_become_the_grants_s3_writes() -> None:
    assert s3.CANNED_ACLS["public-read-write"] == (
        AclGrant(grantee_type="CanonicalUser", grantee=None, permission="FULL_CONTROL"),
        AclGrant(grantee_type="Group", grantee=s3.ALL_USERS, permission="READ"),
        AclGrant(grantee_type="Group", grantee=s3.ALL_USERS, permission="WRITE"),
    )
    assert s3.CANNED_ACLS["log-delivery-write"][1:] == (
        AclGrant(grantee_type="Group", grantee=s3.LOG_DELIVERY, permission="WRITE"),
        AclGrant(grantee_type="Group", grantee=s3.LOG_DELIVERY, permission="READ_ACP"),
    )


def test_a_public_acl_has_no_effect_while_acls_stay_disabled_by_default() -> None:
    findings, _ = judge(
        plan(
            tf_bucket(SITE, "site-bucket"),
            tf("aws_s3_bucket_acl.site", "aws_s3_bucket_acl", {"bucket": SITE_ID, "acl": "public-read"}),
            open_block("aws_s3_bucket_public_access_block.site", SITE_ID),
        )
    )
    assert statuses(findings) == {"site-bucket": PASS}
    assert "ACLs are disabled" in findings["site-bucket"].message


def grant(uri: object, permission: str = "READ") -> dict[str, Any]:
    return {
        "grantee": [{"type": "Group", "uri": uri, "id": None, "email_address": None}],
        "permission": permission,
    }


@pytest.mark.parametrize(
    ("grants", "status"),
    [
        ([grant(s3.ALL_USERS)], FAIL),
        ([grant(s3.LOG_DELIVERY, "WRITE")], PASS),
        (
            [grant(Unknown("aws_s3_bucket_acl.site.access_control_policy[0].grant[0].grantee[0].uri"))],
            UNKNOWN,
        ),
    ],
)
def test_access_control_policy_grants_are_judged_and_an_unknown_grantee_is_unknown(
    grants: list[dict[str, Any]], status: Status
) -> None:
    findings, _ = judge(
        plan(
            tf_bucket(SITE, "site-bucket"),
            tf(
                "aws_s3_bucket_acl.site",
                "aws_s3_bucket_acl",
                {
                    "bucket": SITE_ID,
                    "acl": None,
                    "access_control_policy": [
                        {"grant": grants, "owner": [{"id": "abc", "display_name": None}]}
                    ],
                },
            ),
            ownership("aws_s3_bucket_ownership_controls.site", SITE_ID, "ObjectWriter"),
            open_block("aws_s3_bucket_public_access_block.site", SITE_ID),
        )
    )
    assert statuses(findings) == {"site-bucket": status}


def test_the_account_level_block_of_the_plan_closes_a_public_policy_and_an_unknown_one_is_unknown() -> None:
    bucket_and_policy = (
        tf_bucket(SITE, "site-bucket"),
        tf(
            "aws_s3_bucket_policy.site",
            "aws_s3_bucket_policy",
            {"bucket": SITE_ID, "policy": public_policy("site-bucket")},
        ),
        open_block("aws_s3_bucket_public_access_block.site", SITE_ID),
    )
    account = tf(
        "aws_s3_account_public_access_block.this",
        "aws_s3_account_public_access_block",
        {"account_id": None, "block_public_acls": True, "restrict_public_buckets": True},
    )
    findings, draft = judge(plan(*bucket_and_policy, account))
    assert statuses(findings) == {"site-bucket": PASS}
    annotation = draft.annotations[("AWS::S3::Bucket", "site-bucket")]
    assert "aws_s3_account_public_access_block.this" in annotation.attached
    assert s3.ACCOUNT_NOT_IN_DOCUMENT not in annotation.assumed

    unknown = tf(
        "aws_s3_account_public_access_block.this",
        "aws_s3_account_public_access_block",
        {
            "restrict_public_buckets": Unknown(
                "aws_s3_account_public_access_block.this.restrict_public_buckets"
            )
        },
    )
    findings, draft = judge(
        plan(
            *bucket_and_policy[:2],
            tf_block("aws_s3_bucket_public_access_block.site", SITE_ID, restrict_public_buckets=True),
            unknown,
        )
    )
    # The bucket's own setting closes the policy: the account's unknown one does not matter.
    assert statuses(findings) == {"site-bucket": PASS}
    findings, draft = judge(plan(*bucket_and_policy, unknown))
    assert statuses(findings) == {"site-bucket": UNKNOWN}
    assert findings["site-bucket"].unknown_cause is UnknownCause.KNOWN_AFTER_APPLY
    assert (
        "aws_s3_account_public_access_block.this.restrict_public_buckets" in findings["site-bucket"].message
    )
    [error] = [e for e in draft.errors if e.service == "s3control"]
    assert (error.operation, error.code, error.resource) == ("GetPublicAccessBlock", KNOWN_AFTER_APPLY, None)


def test_a_bucket_the_plan_leaves_unchanged_does_not_get_new_bucket_defaults() -> None:
    """It may predate April 2023: its unmanaged Block Public Access is not in the plan."""
    findings, draft = judge(
        plan(
            tf_bucket(
                "aws_s3_bucket.legacy",
                "legacy-bucket",
                Action.NO_OP,
                policy=public_policy("legacy-bucket"),
                acl="private",
                grant=[],
            ),
            tf_bucket(
                "aws_s3_bucket.kept",
                "kept-bucket",
                Action.UPDATE,
                policy="",
                acl=None,
                grant=[{"id": "abc", "type": "CanonicalUser", "uri": None, "permissions": ["FULL_CONTROL"]}],
            ),
        )
    )
    assert statuses(findings) == {"legacy-bucket": UNKNOWN, "kept-bucket": PASS}
    assert "the Block Public Access of legacy-bucket is not in the plan" in findings["legacy-bucket"].message
    assert s3.LIVE_SETTINGS in draft.annotations[("AWS::S3::Bucket", "kept-bucket")].assumed
    assert s3.NEW_BUCKET_BLOCK not in draft.annotations[("AWS::S3::Bucket", "kept-bucket")].assumed


def test_deleted_buckets_and_policies_are_not_judged() -> None:
    findings, draft = judge(
        plan(
            tf_bucket("aws_s3_bucket.gone", "gone-bucket", Action.DELETE),
            tf_bucket(SITE, "site-bucket"),
            tf(
                "aws_s3_bucket_policy.old",
                "aws_s3_bucket_policy",
                {"bucket": SITE_ID, "policy": public_policy("site-bucket")},
                Action.DELETE,
            ),
        )
    )
    assert statuses(findings) == {"site-bucket": PASS}
    assert draft.annotations[("AWS::S3::Bucket", "site-bucket")].attached == []


# --- CloudFormation -----------------------------------------------------------------------------------------


def test_a_template_bucket_without_properties_passes_on_defaults_named_by_its_logical_id() -> None:
    findings, draft = judge(template(cfn("Logs", "AWS::S3::Bucket", {})))
    assert statuses(findings) == {"Logs": PASS}
    annotation = draft.annotations[("AWS::S3::Bucket", "Logs")]
    assert annotation.location == Location(file=TEMPLATE, line=3)
    assert annotation.assumed == [
        s3.ACCOUNT_NOT_IN_DOCUMENT,
        s3.NEW_BUCKET_ACL,
        s3.NEW_BUCKET_BLOCK,
        s3.NEW_BUCKET_OWNERSHIP,
    ]


def cfn_policy(document: object, bucket: object = None) -> IacResource:
    bucket = bucket if bucket is not None else Ref("Site", None, "SitePolicy.Bucket")
    return cfn("SitePolicy", "AWS::S3::BucketPolicy", {"Bucket": bucket, "PolicyDocument": document}, line=20)


def statement(**fields: object) -> dict[str, object]:
    return {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::site/*",
        **fields,
    }


LIFTED = {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True}}
"""Only BlockPublicAcls given: the three omitted settings are off."""


@pytest.mark.parametrize(
    ("document", "status"),
    [
        ({"Statement": [statement()]}, FAIL),
        (
            {"Statement": [statement(Resource=Unknown("SitePolicy.PolicyDocument.Statement[0].Resource"))]},
            FAIL,
        ),
        (
            {"Statement": [statement(Principal=Unknown("SitePolicy.PolicyDocument.Statement[0].Principal"))]},
            UNKNOWN,
        ),
        ({"Statement": [statement(Condition={"StringEquals": {"aws:SourceVpce": Unknown("c")}})]}, UNKNOWN),
        (
            {
                "Statement": [
                    statement(
                        Principal={"Service": "cloudfront.amazonaws.com"},
                        Condition={
                            "StringEquals": {"AWS:SourceArn": Ref("Cdn", None, "SitePolicy.PolicyDocument.x")}
                        },
                    )
                ]
            },
            PASS,
        ),
        (json.dumps({"Statement": [statement()]}), FAIL),
    ],
)
def test_a_template_policy_is_judged_unless_an_unknown_decides_its_publicness(
    document: object, status: Status
) -> None:
    findings, _ = judge(
        template(cfn("Site", "AWS::S3::Bucket", {"BucketName": "site", **LIFTED}), cfn_policy(document))
    )
    assert statuses(findings) == {"site": status}


def test_an_unknown_resource_is_judged_with_a_placeholder_said_in_the_annotation() -> None:
    resource = Unknown("SitePolicy.PolicyDocument.Statement[0].Resource")
    _, draft = judge(
        template(
            cfn("Site", "AWS::S3::Bucket", LIFTED), cfn_policy({"Statement": [statement(Resource=resource)]})
        )
    )
    annotation = draft.annotations[("AWS::S3::Bucket", "Site")]
    assert annotation.attached == ["SitePolicy"]
    assert (
        "SitePolicy.PolicyDocument: SitePolicy.PolicyDocument.Statement[0].Resource is known only after "
        "apply, but whether the policy is public does not depend on it "
        "(it was judged with a placeholder there)"
    ) in annotation.assumed


@pytest.mark.parametrize(
    ("access_control", "status"),
    [
        ("PublicRead", FAIL),
        ("PublicReadWrite", FAIL),
        ("AuthenticatedRead", FAIL),
        ("Private", PASS),
        ("LogDeliveryWrite", PASS),
        ("Bogus", UNKNOWN),
    ],
)
def test_a_template_access_control_counts_once_acls_are_enabled(access_control: str, status: Status) -> None:
    properties = {
        "AccessControl": access_control,
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]},
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": False,
            "IgnorePublicAcls": "false",
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    }
    findings, _ = judge(template(cfn("Site", "AWS::S3::Bucket", properties)))
    assert statuses(findings) == {"Site": status}


def test_a_template_policy_for_a_bucket_outside_the_template_is_a_warning() -> None:
    findings, draft = judge(
        template(
            cfn("Site", "AWS::S3::Bucket", {}), cfn_policy({"Statement": [statement()]}, bucket="shared-logs")
        )
    )
    assert statuses(findings) == {"Site": PASS}
    assert draft.warnings == [
        "SitePolicy: its bucket ('shared-logs') is not a bucket of template.yaml; not judged "
        "(give --snapshot to judge it with the live bucket)"
    ]


# --- a resource whose bucket is not determined -----------------------------------------------------------

OPEN_SITE = "aws_s3_bucket.open"
"""A bucket whose Block Public Access is lifted: any public policy or ACL that lands on it counts."""


def open_and_default_buckets(*resources: IacResource) -> IacDocument:
    """`open-bucket` (block off, ACLs enabled) and `closed-bucket` (AWS's defaults), and `resources`."""
    return plan(
        tf_bucket(OPEN_SITE, "open-bucket"),
        open_block("aws_s3_bucket_public_access_block.open", link(OPEN_SITE, "id", "b.bucket")),
        ownership("aws_s3_bucket_ownership_controls.open", link(OPEN_SITE, "id", "o.bucket"), "ObjectWriter"),
        tf_bucket("aws_s3_bucket.closed", "closed-bucket"),
        *resources,
    )


UNKNOWN_TARGET = Unknown("aws_s3_bucket_policy.anywhere.bucket")


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(UNKNOWN_TARGET, id="unknown"),
        pytest.param(
            link("aws_vpc.main", "id", "aws_s3_bucket_policy.anywhere.bucket"), id="link-to-no-bucket"
        ),
    ],
)
def test_a_public_policy_whose_bucket_is_not_determined_is_unknown_on_every_bucket_it_could_open(
    target: object,
) -> None:
    anywhere = tf(
        "aws_s3_bucket_policy.anywhere",
        "aws_s3_bucket_policy",
        {"bucket": target, "policy": public_policy("x")},
    )
    findings, draft = judge(open_and_default_buckets(anywhere))
    # on the closed bucket, RestrictPublicBuckets (AWS's default) neutralises whatever policy lands
    assert statuses(findings) == {"open-bucket": UNKNOWN, "closed-bucket": PASS}
    finding = findings["open-bucket"]
    assert finding.unknown_cause is UnknownCause.KNOWN_AFTER_APPLY
    assert "the bucket policy of open-bucket is unknown: it may be aws_s3_bucket_policy.anywhere's" in (
        finding.message
    )
    assert any(
        "aws_s3_bucket_policy.anywhere may be this bucket's" in a
        for a in draft.annotations[("AWS::S3::Bucket", "open-bucket")].assumed
    )
    assert draft.warnings == []


def test_an_open_block_whose_bucket_is_not_determined_makes_a_bucket_with_a_public_policy_unknown() -> None:
    findings, _ = judge(
        plan(
            tf_bucket(SITE, "site-bucket"),
            tf(
                "aws_s3_bucket_policy.site",
                "aws_s3_bucket_policy",
                {"bucket": SITE_ID, "policy": public_policy("s")},
            ),
            tf_bucket("aws_s3_bucket.other", "other-bucket"),
            open_block("aws_s3_bucket_public_access_block.anywhere", Unknown("anywhere.bucket")),
        )
    )
    assert statuses(findings) == {"site-bucket": UNKNOWN, "other-bucket": PASS}
    assert "Block Public Access" in findings["site-bucket"].message


@pytest.mark.parametrize(
    "harmless",
    [
        pytest.param(
            tf(
                "aws_s3_bucket_policy.anywhere",
                "aws_s3_bucket_policy",
                {
                    "bucket": UNKNOWN_TARGET,
                    "policy": json.dumps(
                        {
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                                    "Action": "s3:GetObject",
                                    "Resource": "*",
                                }
                            ]
                        }
                    ),
                },
            ),
            id="private-policy",
        ),
        pytest.param(
            tf(
                "aws_s3_bucket_acl.anywhere",
                "aws_s3_bucket_acl",
                {"bucket": UNKNOWN_TARGET, "acl": "private"},
            ),
            id="private-acl",
        ),
        pytest.param(
            tf_block(
                "aws_s3_bucket_public_access_block.anywhere",
                UNKNOWN_TARGET,
                block_public_acls=True,
                ignore_public_acls=True,
                block_public_policy=True,
                restrict_public_buckets=True,
            ),
            id="block-all-on",
        ),
        pytest.param(
            ownership("aws_s3_bucket_ownership_controls.anywhere", UNKNOWN_TARGET, "BucketOwnerEnforced"),
            id="acls-disabled",
        ),
    ],
)
def test_a_resource_whose_bucket_is_not_determined_but_opens_nothing_changes_no_verdict(
    harmless: IacResource,
) -> None:
    public = tf(
        "aws_s3_bucket_policy.open",
        "aws_s3_bucket_policy",
        {"bucket": link(OPEN_SITE, "id", "p.bucket"), "policy": public_policy("open-bucket")},
    )
    findings, draft = judge(open_and_default_buckets(public, harmless))
    assert statuses(findings) == {"open-bucket": FAIL, "closed-bucket": PASS}
    assert draft.warnings == [
        f"{harmless.address}: its bucket is not known (aws_s3_bucket_policy.anywhere.bucket is known only "
        "after apply); it opens nothing, so no verdict depends on which bucket it is"
    ]


@pytest.mark.parametrize(
    ("acl", "expected"),
    [("public-read", UNKNOWN), ("private", PASS)],
)
def test_an_acl_whose_bucket_is_not_determined_is_unknown_where_acls_are_enabled(
    acl: str, expected: Status
) -> None:
    anywhere = tf("aws_s3_bucket_acl.anywhere", "aws_s3_bucket_acl", {"bucket": UNKNOWN_TARGET, "acl": acl})
    findings, _ = judge(open_and_default_buckets(anywhere))
    # ACLs stay disabled (BucketOwnerEnforced, AWS's default) on the closed bucket
    assert statuses(findings) == {"open-bucket": expected, "closed-bucket": PASS}


# --- deleted policy, block and ownership resources ---------------------------------------------------------


def deleted(address: str, kind: str, before: dict[str, Any]) -> IacResource:
    """A resource the plan deletes: its values are its `before` values."""
    return IacResource(
        address=address,
        type=kind,
        values=before,
        location=Location(file=PLAN),
        region=REGION,
        action=Action.DELETE,
        before=before,
    )


KEPT = "aws_s3_bucket.kept"
BLOCK_GONE = deleted(
    "aws_s3_bucket_public_access_block.kept",
    "aws_s3_bucket_public_access_block",
    {
        "bucket": "kept-bucket",
        "block_public_acls": True,
        "ignore_public_acls": True,
        "block_public_policy": True,
        "restrict_public_buckets": True,
    },
)


def kept_with_public_policy(*resources: IacResource) -> IacDocument:
    """`kept-bucket` exists (no-op), a public policy resource on it, and `resources`."""
    return plan(
        tf_bucket(KEPT, "kept-bucket", Action.NO_OP, id="kept-bucket", arn="arn:aws:s3:::kept-bucket"),
        tf(
            "aws_s3_bucket_policy.kept",
            "aws_s3_bucket_policy",
            {"bucket": link(KEPT, "id", "p.bucket"), "policy": public_policy("kept-bucket")},
        ),
        ownership(
            "aws_s3_bucket_ownership_controls.kept", link(KEPT, "id", "o.bucket"), "BucketOwnerEnforced"
        ),
        tf(
            "aws_s3_bucket_acl.kept",
            "aws_s3_bucket_acl",
            {"bucket": link(KEPT, "id", "a.bucket"), "acl": "private"},
        ),
        *resources,
    )


def test_deleting_the_block_of_a_bucket_of_the_plan_removes_it_and_exposes_its_public_policy() -> None:
    without, _ = judge(kept_with_public_policy())
    assert statuses(without) == {"kept-bucket": UNKNOWN}  # its block is not in the plan
    findings, draft = judge(kept_with_public_policy(BLOCK_GONE))
    assert statuses(findings) == {"kept-bucket": FAIL}
    annotation = draft.annotations[("AWS::S3::Bucket", "kept-bucket")]
    assert BLOCK_GONE.address in annotation.attached
    assert f"Block Public Access: none, the plan deletes {BLOCK_GONE.address}" in annotation.assumed


def test_a_deleted_block_beside_a_new_one_on_the_same_bucket_is_unknown_whichever_applies_last() -> None:
    findings, _ = judge(
        kept_with_public_policy(
            BLOCK_GONE,
            tf_block(
                "aws_s3_bucket_public_access_block.renamed",
                link(KEPT, "id", "r.bucket"),
                block_public_acls=True,
                ignore_public_acls=True,
                block_public_policy=True,
                restrict_public_buckets=True,
            ),
        )
    )
    assert statuses(findings) == {"kept-bucket": UNKNOWN}
    assert (
        "removed by the deletion of aws_s3_bucket_public_access_block.kept" in findings["kept-bucket"].message
    )


def test_a_deleted_policy_of_a_bucket_out_of_the_plan_is_a_warning_without_snapshot() -> None:
    gone = deleted(
        "aws_s3_bucket_policy.old", "aws_s3_bucket_policy", {"bucket": "far-bucket", "policy": "{}"}
    )
    findings, draft = judge(plan(tf_bucket(SITE, "site-bucket"), gone))
    assert statuses(findings) == {"site-bucket": PASS}
    assert draft.warnings == [
        "aws_s3_bucket_policy.old: deleted from bucket 'far-bucket', which is not a bucket of plan.json; not "
        "judged (give --snapshot to judge it with the live bucket)"
    ]


# --- a template's bucket may be new or an existing stack's ------------------------------------------------

OPEN = {
    "PublicAccessBlockConfiguration": {
        "BlockPublicAcls": False,
        "IgnorePublicAcls": False,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False,
    }
}
WRITER = {"OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}}


def error_codes(draft: Draft, name: str) -> dict[str, str]:
    """The operations whose data the document does not give for bucket `name`, with their codes."""
    return {error.operation: error.code for error in draft.errors if error.resource == name}


def test_a_public_policy_on_a_template_bucket_without_block_public_access_is_not_checked() -> None:
    """A new bucket's defaults would refuse the policy; an existing stack's bucket may have no block and
    be public: the template alone cannot tell, so not PASS."""
    findings, draft = judge(
        template(cfn("Site", "AWS::S3::Bucket", {}), cfn_policy({"Statement": [statement()]}))
    )
    assert statuses(findings) == {"Site": UNKNOWN}
    assert findings["Site"].unknown_cause is UnknownCause.NOT_CHECKED
    assert f"Site.PublicAccessBlockConfiguration is {s3.TEMPLATE_DOUBT}" in findings["Site"].message
    assert error_codes(draft, "Site") == {"GetPublicAccessBlock": NOT_IN_DOCUMENT}
    assumed = draft.annotations[("AWS::S3::Bucket", "Site")].assumed
    assert s3.NEW_BUCKET_BLOCK not in assumed
    assert f"PublicAccessBlockConfiguration: {s3.TEMPLATE_DOUBT}" in assumed


@pytest.mark.parametrize(
    ("properties", "status", "doubted"),
    [
        # a public ACL: without the defaults, both the block and ACLs enabled would let it through
        ({"AccessControl": "PublicRead"}, UNKNOWN, {"GetPublicAccessBlock", "GetBucketOwnershipControls"}),
        # ACLs disabled by the template itself: the default block decides nothing
        (
            {"AccessControl": "PublicRead", "OwnershipControls": {"Rules": [{"ObjectOwnership": ENFORCED}]}},
            PASS,
            set(),
        ),
        # IgnorePublicAcls given: the default ownership decides nothing
        (
            {
                "AccessControl": "PublicRead",
                "PublicAccessBlockConfiguration": {"IgnorePublicAcls": True, "RestrictPublicBuckets": True},
            },
            PASS,
            set(),
        ),
        # ACLs enabled by the template, the block left to the default
        ({"AccessControl": "PublicRead", **WRITER}, UNKNOWN, {"GetPublicAccessBlock"}),
        # the block given open, ACLs left to the default
        ({"AccessControl": "PublicRead", **OPEN}, UNKNOWN, {"GetBucketOwnershipControls"}),
        # nothing public in the template: the defaults decide nothing
        ({"AccessControl": "Private"}, PASS, set()),
        ({**OPEN, **WRITER}, PASS, set()),
    ],
)
def test_the_defaults_of_a_template_bucket_stand_only_where_no_verdict_depends_on_them(
    properties: dict[str, Any], status: Status, doubted: set[str]
) -> None:
    findings, draft = judge(template(cfn("Site", "AWS::S3::Bucket", properties)))
    assert statuses(findings) == {"Site": status}
    assert set(error_codes(draft, "Site")) == doubted
    assert set(error_codes(draft, "Site").values()) <= {NOT_IN_DOCUMENT}
    if status is UNKNOWN:
        assert findings["Site"].unknown_cause is UnknownCause.NOT_CHECKED


def test_a_policy_whose_principal_is_unknown_on_a_template_bucket_that_may_be_new_is_not_passed() -> None:
    principal = Unknown("SitePolicy.PolicyDocument.Statement[0].Principal")
    findings, draft = judge(
        template(
            cfn("Site", "AWS::S3::Bucket", {}), cfn_policy({"Statement": [statement(Principal=principal)]})
        )
    )
    assert statuses(findings) == {"Site": UNKNOWN}
    assert findings["Site"].unknown_cause is UnknownCause.KNOWN_AFTER_APPLY
    assert error_codes(draft, "Site") == {
        "GetBucketPolicy": KNOWN_AFTER_APPLY,
        "GetPublicAccessBlock": NOT_IN_DOCUMENT,
    }


def test_a_terraform_create_keeps_the_new_bucket_defaults_and_says_s3_would_refuse_the_policy() -> None:
    policy = tf(
        "aws_s3_bucket_policy.site",
        "aws_s3_bucket_policy",
        {"bucket": SITE_ID, "policy": public_policy("site-bucket")},
    )
    findings, draft = judge(plan(tf_bucket(SITE, "site-bucket"), policy))
    assert statuses(findings) == {"site-bucket": PASS}
    assumed = draft.annotations[("AWS::S3::Bucket", "site-bucket")].assumed
    assert s3.NEW_BUCKET_BLOCK in assumed
    assert s3.REFUSED_POLICY in assumed


def test_a_terraform_update_whose_unmanaged_block_is_not_in_the_plan_is_not_checked() -> None:
    findings, draft = judge(
        plan(tf_bucket("aws_s3_bucket.legacy", "legacy", Action.UPDATE, policy=public_policy("legacy")))
    )
    assert statuses(findings) == {"legacy": UNKNOWN}
    assert findings["legacy"].unknown_cause is UnknownCause.NOT_CHECKED
    assert f"the Block Public Access of legacy is {s3.NOT_IN_PLAN}" in findings["legacy"].message
    assert "give --snapshot" in s3.NOT_IN_PLAN
    assert error_codes(draft, "legacy") == {
        "GetBucketAcl": NOT_IN_DOCUMENT,
        "GetPublicAccessBlock": NOT_IN_DOCUMENT,
        "GetBucketOwnershipControls": NOT_IN_DOCUMENT,
    }


# --- resources under a condition decided at deployment ----------------------------------------------------

PROD = Unknown("Conditions.IsProd", "decided at deployment: parameter Env has no default")


def conditional(resource: IacResource, condition: Unknown = PROD) -> IacResource:
    return IacResource(
        address=resource.address,
        type=resource.type,
        values=resource.values,
        location=resource.location,
        condition=condition,
    )


def test_a_public_policy_under_an_unresolved_condition_makes_the_bucket_policy_unknown() -> None:
    findings, draft = judge(
        template(cfn("Site", "AWS::S3::Bucket", OPEN), conditional(cfn_policy({"Statement": [statement()]})))
    )
    assert statuses(findings) == {"Site": UNKNOWN}
    assert findings["Site"].unknown_cause is UnknownCause.KNOWN_AFTER_APPLY
    assert (
        "the bucket policy of Site is set by SitePolicy only if condition IsProd holds (decided at "
        "deployment: parameter Env has no default)"
    ) in findings["Site"].message
    assert error_codes(draft, "Site") == {"GetBucketPolicy": KNOWN_AFTER_APPLY}


def test_a_conditional_public_policy_neutralised_either_way_passes() -> None:
    restricted = {"PublicAccessBlockConfiguration": {"RestrictPublicBuckets": True}}
    findings, _ = judge(
        template(
            cfn("Site", "AWS::S3::Bucket", restricted), conditional(cfn_policy({"Statement": [statement()]}))
        )
    )
    assert statuses(findings) == {"Site": PASS}


def test_a_conditional_policy_known_not_public_changes_no_verdict_and_is_applied() -> None:
    private = statement(Principal={"AWS": "arn:aws:iam::111122223333:root"})
    findings, draft = judge(
        template(cfn("Site", "AWS::S3::Bucket", OPEN), conditional(cfn_policy({"Statement": [private]})))
    )
    assert statuses(findings) == {"Site": PASS}
    assert error_codes(draft, "Site") == {}
    assert (
        "bucket policy: SitePolicy exists only if condition IsProd holds (decided at deployment: parameter "
        "Env has no default); it is not public, so the verdict is the same either way"
    ) in draft.annotations[("AWS::S3::Bucket", "Site")].assumed


def test_a_bucket_under_an_unresolved_condition_is_judged_as_if_created_and_says_so() -> None:
    findings, draft = judge(
        template(conditional(cfn("Site", "AWS::S3::Bucket", OPEN)), cfn_policy({"Statement": [statement()]}))
    )
    assert statuses(findings) == {"Site": FAIL}
    assert (
        "judged as if created: the bucket exists only if condition IsProd holds (decided at deployment: "
        "parameter Env has no default)"
    ) in draft.annotations[("AWS::S3::Bucket", "Site")].assumed


# --- malformed values: a run that cannot judge, not values left to apply ----------------------------------


def site_policy(policy: object) -> IacResource:
    return tf("aws_s3_bucket_policy.site", "aws_s3_bucket_policy", {"bucket": SITE_ID, "policy": policy})


OPENED = open_block("aws_s3_bucket_public_access_block.site", SITE_ID)
WRITER_TF = ownership("aws_s3_bucket_ownership_controls.site", SITE_ID, "ObjectWriter")
PUBLIC_ACL = tf("aws_s3_bucket_acl.site", "aws_s3_bucket_acl", {"bucket": SITE_ID, "acl": "public-read"})


@pytest.mark.parametrize(
    ("resources", "operation", "words"),
    [
        pytest.param(
            (site_policy(5), OPENED),
            "GetBucketPolicy",
            "aws_s3_bucket_policy.site.policy is not a policy document ('5')",
            id="number",
        ),
        pytest.param(
            (site_policy("{not json"), OPENED),
            "GetBucketPolicy",
            "aws_s3_bucket_policy.site.policy is not a policy document: not JSON",
            id="not-json",
        ),
        pytest.param(
            (site_policy("[1, 2]"), OPENED),
            "GetBucketPolicy",
            "aws_s3_bucket_policy.site.policy is not a policy document: not a JSON object",
            id="not-an-object",
        ),
        pytest.param(
            (
                site_policy(
                    json.dumps({"Statement": [{"Effect": "Allow", "Principal": 5, "Action": "s3:*"}]})
                ),
                OPENED,
            ),
            "GetBucketPolicy",
            "a Principal is neither a string nor an object",
            id="principal-a-number",
        ),
        pytest.param(
            (
                site_policy(public_policy("site-bucket")),
                tf_block(
                    "aws_s3_bucket_public_access_block.site",
                    SITE_ID,
                    block_public_acls=False,
                    ignore_public_acls=False,
                    block_public_policy=False,
                    restrict_public_buckets="false",
                ),
            ),
            "GetPublicAccessBlock",
            "aws_s3_bucket_public_access_block.site.restrict_public_buckets is not a boolean ('false')",
            id="terraform-flag-a-string",
        ),
        pytest.param(
            (PUBLIC_ACL, OPENED, ownership("aws_s3_bucket_ownership_controls.site", SITE_ID, "Nobody")),
            "GetBucketOwnershipControls",
            "is not an Object Ownership setting ('Nobody')",
            id="ownership",
        ),
        pytest.param(
            (
                tf("aws_s3_bucket_acl.site", "aws_s3_bucket_acl", {"bucket": SITE_ID, "acl": "world"}),
                OPENED,
                WRITER_TF,
            ),
            "GetBucketAcl",
            "aws_s3_bucket_acl.site.acl is not a canned ACL ('world')",
            id="canned-acl",
        ),
    ],
)
def test_a_malformed_value_is_a_rule_error_naming_it(
    resources: tuple[IacResource, ...], operation: str, words: str
) -> None:
    findings, draft = judge(plan(tf_bucket(SITE, "site-bucket"), *resources))
    assert statuses(findings) == {"site-bucket": UNKNOWN}
    assert findings["site-bucket"].unknown_cause is UnknownCause.RULE_ERROR
    assert words in findings["site-bucket"].message
    assert error_codes(draft, "site-bucket") == {operation: MALFORMED_VALUE}


@pytest.mark.parametrize(
    ("properties", "policy", "operation"),
    [
        ({"AccessControl": "Bogus", **OPEN, **WRITER}, False, "GetBucketAcl"),
        ({"PublicAccessBlockConfiguration": "all", **WRITER}, True, "GetPublicAccessBlock"),
        (
            {"AccessControl": "PublicRead", "OwnershipControls": "enforced", **OPEN},
            False,
            "GetBucketOwnershipControls",
        ),
        (
            {"AccessControl": "PublicRead", "OwnershipControls": {"Rules": []}, **OPEN},
            False,
            "GetBucketOwnershipControls",
        ),
        (
            {"PublicAccessBlockConfiguration": {"RestrictPublicBuckets": "maybe"}},
            True,
            "GetPublicAccessBlock",
        ),
    ],
)
def test_a_malformed_template_property_is_a_rule_error_not_a_default(
    properties: dict[str, Any], policy: bool, operation: str
) -> None:
    resources = [cfn("Site", "AWS::S3::Bucket", properties)]
    if policy:
        resources.append(cfn_policy({"Statement": [statement()]}))
    findings, draft = judge(template(*resources))
    assert statuses(findings) == {"Site": UNKNOWN}
    assert findings["Site"].unknown_cause is UnknownCause.RULE_ERROR
    assert error_codes(draft, "Site") == {operation: MALFORMED_VALUE}


def test_a_template_policy_document_that_is_a_number_is_a_rule_error() -> None:
    findings, _ = judge(template(cfn("Site", "AWS::S3::Bucket", OPEN), cfn_policy(7)))
    assert statuses(findings) == {"Site": UNKNOWN}
    assert findings["Site"].unknown_cause is UnknownCause.RULE_ERROR


def test_a_template_flag_written_as_a_string_is_a_boolean() -> None:
    """CloudFormation passes scalars as strings: "false" is false there (not in a plan)."""
    as_text = {"PublicAccessBlockConfiguration": {key: "false" for key in s3.BLOCK_SETTINGS.values()}}
    findings, _ = judge(
        template(cfn("Site", "AWS::S3::Bucket", as_text), cfn_policy({"Statement": [statement()]}))
    )
    assert statuses(findings) == {"Site": FAIL}


def test_a_conditional_policy_known_not_public_whose_bucket_is_not_determined_opens_nothing() -> None:
    private = json.dumps({"Statement": [statement(Principal={"AWS": "arn:aws:iam::111122223333:root"})]})
    harmless = conditional(
        tf(
            "aws_s3_bucket_policy.anywhere",
            "aws_s3_bucket_policy",
            {"bucket": UNKNOWN_TARGET, "policy": private},
        )
    )
    findings, draft = judge(open_and_default_buckets(harmless))
    assert statuses(findings) == {"open-bucket": PASS, "closed-bucket": PASS}
    assert draft.warnings == [
        "aws_s3_bucket_policy.anywhere: its bucket is not known (aws_s3_bucket_policy.anywhere.bucket is "
        "known only after apply); it opens nothing, so no verdict depends on which bucket it is"
    ]
