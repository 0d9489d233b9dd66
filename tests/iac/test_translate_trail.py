"""The trail translator judged by the real rule `cloudtrail-segregated-storage`: exact verdicts per trail.

Documents are built by hand in the shape the parsers give: Terraform values are a plan's planned values
(`aws_cloudtrail`'s schema defaults filled in by Terraform, `arn` unknown on create), CloudFormation
values are a resource's `Properties` (no defaults filled in) with intrinsic functions resolved where
they can be. In a plan or template each trail is judged on its own, one finding per trail.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudwarden.config import CloudTrailConfig, Config
from cloudwarden.engine import evaluate
from cloudwarden.findings import Finding, Location, Status, UnknownCause
from cloudwarden.iac.model import Action, IacDocument, IacResource, Ref, Tool, Unknown
from cloudwarden.iac.translate import Draft, translate
from cloudwarden.rules.cloudtrail_segregated_storage import CLOUDTRAIL_SEGREGATED_STORAGE
from cloudwarden.snapshot import ScanInfo, Snapshot

PLAN = "plan.json"
TEMPLATE = "template.yaml"
REGION = "eu-west-1"
PASS, FAIL, UNKNOWN = Status.PASS, Status.FAIL, Status.UNKNOWN
TRUSTED = Config(cloudtrail=CloudTrailConfig(trusted_buckets=("org-cloudtrail-*",)))


def tf(address: str, kind: str, values: Mapping[str, Any], action: Action = Action.CREATE) -> IacResource:
    return IacResource(
        address=address, type=kind, values=values, location=Location(file=PLAN), region=REGION, action=action
    )


def tf_trail(address: str, **values: Any) -> IacResource:
    """An `aws_cloudtrail` as a create plan shows it: the schema's defaults set, `arn` unknown."""
    name = address.rsplit(".", 1)[-1]
    planned: dict[str, Any] = {
        "name": name,
        "s3_bucket_name": "org-cloudtrail-archive",
        "enable_logging": True,
        "include_global_service_events": True,
        "is_multi_region_trail": True,
        "is_organization_trail": False,
        "enable_log_file_validation": True,
        "event_selector": [],
        "advanced_event_selector": [],
        "arn": Unknown(f"{address}.arn"),
    }
    planned.update(values)
    return tf(address, "aws_cloudtrail", planned)


def cfn(logical_id: str, kind: str, properties: dict[str, Any], line: int = 5) -> IacResource:
    return IacResource(
        address=logical_id, type=kind, values=properties, location=Location(file=TEMPLATE, line=line)
    )


def plan(*resources: IacResource) -> IacDocument:
    return IacDocument(path=PLAN, tool=Tool.TERRAFORM, resources=resources)


def template(*resources: IacResource) -> IacDocument:
    return IacDocument(path=TEMPLATE, tool=Tool.CLOUDFORMATION, resources=resources)


def judge(document: IacDocument, config: Config = TRUSTED) -> tuple[dict[str, Finding], Draft]:
    """The rule's findings on the document, by resource id."""
    account, draft = translate(document)
    snapshot = Snapshot(
        scan=ScanInfo(
            started_at="2026-12-01T00:00:00+00:00", finished_at="2026-12-01T00:00:00+00:00", tool_version="t"
        ),
        accounts=(account,),
    )
    findings = evaluate(snapshot, config, rules=[CLOUDTRAIL_SEGREGATED_STORAGE]).findings
    return {finding.resource.id: finding for finding in findings}, draft


def statuses(findings: dict[str, Finding]) -> dict[str, Status]:
    return {resource: finding.status for resource, finding in findings.items()}


def arn(address: str, region: str = REGION) -> str:
    return f"arn:aws:cloudtrail:{region}::trail/{address}"


# --- Terraform ------------------------------------------------------------------------------------------


def test_a_multi_region_logging_trail_to_a_trusted_bucket_passes() -> None:
    findings, draft = judge(plan(tf_trail("aws_cloudtrail.main")))
    assert statuses(findings) == {arn("aws_cloudtrail.main"): PASS}
    finding = findings[arn("aws_cloudtrail.main")]
    assert finding.resource.type == "AWS::CloudTrail::Trail"
    assert finding.resource.arn is None  # no account in a synthetic ARN
    assert finding.region == REGION
    assert "org-cloudtrail-archive (cloudtrail.trusted_buckets)" in finding.message
    annotation = draft.annotations[("AWS::CloudTrail::Trail", arn("aws_cloudtrail.main"))]
    assert annotation.address == "aws_cloudtrail.main"
    assert annotation.assumed == [
        "no event selector: CloudTrail records every management event, read and write (its default)"
    ]


def test_a_trail_to_a_bucket_of_the_same_plan_fails_as_the_accounts_own() -> None:
    logs = tf("aws_s3_bucket.logs", "aws_s3_bucket", {"bucket": "org-cloudtrail-logs", "bucket_prefix": None})
    trail = tf_trail(
        "aws_cloudtrail.main", s3_bucket_name=Ref("aws_s3_bucket.logs", "id", "x.s3_bucket_name")
    )
    findings, draft = judge(plan(logs, trail))
    assert statuses(findings) == {arn("aws_cloudtrail.main"): FAIL}
    message = findings[arn("aws_cloudtrail.main")].message
    assert "own bucket: delivers to org-cloudtrail-logs, a bucket the same document creates" in message
    assert draft.annotations[("AWS::CloudTrail::Trail", arn("aws_cloudtrail.main"))].attached == [
        "aws_s3_bucket.logs"
    ]


def test_a_bucket_named_like_a_bucket_of_the_plan_is_the_accounts_own_even_when_trusted() -> None:
    logs = tf("aws_s3_bucket.logs", "aws_s3_bucket", {"bucket": "org-cloudtrail-archive"})
    findings, _ = judge(plan(logs, tf_trail("aws_cloudtrail.main")))
    assert statuses(findings) == {arn("aws_cloudtrail.main"): FAIL}


def test_a_bucket_of_unknown_name_of_the_plan_is_the_accounts_own() -> None:
    logs = tf("aws_s3_bucket.logs", "aws_s3_bucket", {"bucket": Unknown("aws_s3_bucket.logs.bucket")})
    trail = tf_trail(
        "aws_cloudtrail.main", s3_bucket_name=Ref("aws_s3_bucket.logs", "id", "x.s3_bucket_name")
    )
    findings, _ = judge(plan(logs, trail))
    assert statuses(findings) == {arn("aws_cloudtrail.main"): FAIL}
    assert "delivers to aws_s3_bucket.logs" in findings[arn("aws_cloudtrail.main")].message


def test_every_miss_is_named() -> None:
    trail = tf_trail(
        "aws_cloudtrail.main",
        is_multi_region_trail=False,
        enable_logging=False,
        include_global_service_events=False,
        event_selector=[{"read_write_type": "ReadOnly", "include_management_events": True}],
    )
    findings, _ = judge(plan(trail))
    assert statuses(findings) == {arn("aws_cloudtrail.main"): FAIL}
    assert findings[arn("aws_cloudtrail.main")].message == (
        "main: single-region trail of eu-west-1: other regions are not covered; no global service events "
        "(IAM, STS, CloudFront); not logging; no management write events (no event selector includes "
        "management write events)"
    )


def test_a_destination_outside_the_plan_and_untrusted_is_not_checked() -> None:
    findings, _ = judge(plan(tf_trail("aws_cloudtrail.main", s3_bucket_name="other-bucket")))
    assert statuses(findings) == {arn("aws_cloudtrail.main"): UNKNOWN}
    finding = findings[arn("aws_cloudtrail.main")]
    assert finding.unknown_cause is UnknownCause.NOT_CHECKED
    assert finding.message == (
        "main: cannot tell whether other-bucket is outside this account: the live account is not visible; "
        "list it in cloudtrail.trusted_buckets or give --snapshot"
    )


def test_trusted_accounts_cannot_be_confirmed_without_aws() -> None:
    config = Config(cloudtrail=CloudTrailConfig(trusted_accounts=("111122223333",)))
    findings, _ = judge(plan(tf_trail("aws_cloudtrail.main")), config)
    finding = findings[arn("aws_cloudtrail.main")]
    assert (finding.status, finding.unknown_cause) == (UNKNOWN, UnknownCause.NOT_CHECKED)
    assert "cloudtrail.trusted_accounts cannot be confirmed to own it without AWS" in finding.message


def test_a_known_miss_fails_even_when_the_destination_is_left_to_apply() -> None:
    trail = tf_trail(
        "aws_cloudtrail.main",
        is_multi_region_trail=False,
        s3_bucket_name=Unknown("aws_cloudtrail.main.s3_bucket_name"),
    )
    findings, _ = judge(plan(trail))
    assert statuses(findings) == {arn("aws_cloudtrail.main"): FAIL}


def test_values_left_to_apply_are_unknown_naming_the_attribute_never_a_miss() -> None:
    trail = tf_trail(
        "aws_cloudtrail.main",
        is_multi_region_trail=Unknown("aws_cloudtrail.main.is_multi_region_trail"),
        enable_logging=Unknown("aws_cloudtrail.main.enable_logging"),
        event_selector=[
            {"read_write_type": Unknown("aws_cloudtrail.main.event_selector[0].read_write_type")}
        ],
    )
    findings, _ = judge(plan(trail))
    assert statuses(findings) == {arn("aws_cloudtrail.main"): UNKNOWN}
    finding = findings[arn("aws_cloudtrail.main")]
    assert finding.unknown_cause is UnknownCause.KNOWN_AFTER_APPLY
    for attribute in ("is_multi_region_trail", "enable_logging", "event_selector[0].read_write_type"):
        assert f"aws_cloudtrail.main.{attribute} is known only after apply" in finding.message
    assert "single-region" not in finding.message


def test_an_unknown_destination_with_nothing_missed_is_known_after_apply() -> None:
    trail = tf_trail("aws_cloudtrail.main", s3_bucket_name=Unknown("aws_cloudtrail.main.s3_bucket_name"))
    findings, _ = judge(plan(trail))
    finding = findings[arn("aws_cloudtrail.main")]
    assert (finding.status, finding.unknown_cause) == (UNKNOWN, UnknownCause.KNOWN_AFTER_APPLY)
    assert "aws_cloudtrail.main.s3_bucket_name is known only after apply" in finding.message


def test_advanced_selectors_are_judged_by_their_conditions() -> None:
    management = {
        "name": "all management events",
        "field_selector": [
            {"field": "eventCategory", "equals": ["Management"], "not_equals": None},
            {"field": "readOnly", "equals": ["false"]},
        ],
    }
    data_only = {
        "name": "Management events",  # the name is only a label
        "field_selector": [
            {"field": "eventCategory", "equals": ["Data"]},
            {"field": "resources.type", "equals": ["AWS::S3::Object"]},
        ],
    }
    findings, _ = judge(
        plan(
            tf_trail("aws_cloudtrail.good", advanced_event_selector=[management]),
            tf_trail("aws_cloudtrail.data", advanced_event_selector=[data_only]),
        )
    )
    assert statuses(findings) == {arn("aws_cloudtrail.good"): PASS, arn("aws_cloudtrail.data"): FAIL}


def test_a_known_arn_is_the_trails_id() -> None:
    known = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/main"
    trail = tf(
        "aws_cloudtrail.main", "aws_cloudtrail", {**tf_trail("aws_cloudtrail.main").values, "arn": known}
    )
    findings, draft = judge(plan(trail))
    assert statuses(findings) == {known: PASS}
    assert findings[known].resource.arn == known
    assert ("AWS::CloudTrail::Trail", known) in draft.annotations


def test_a_deleted_trail_and_a_plan_without_trail_give_no_finding() -> None:
    deleted = tf("aws_cloudtrail.old", "aws_cloudtrail", tf_trail("aws_cloudtrail.old").values, Action.DELETE)
    assert judge(plan(deleted))[0] == {}
    assert judge(plan(tf("aws_s3_bucket.logs", "aws_s3_bucket", {"bucket": "b"})))[0] == {}


# --- CloudFormation -------------------------------------------------------------------------------------


def test_cloudformation_defaults_are_applied_and_said() -> None:
    trail = cfn(
        "Trail", "AWS::CloudTrail::Trail", {"IsLogging": True, "S3BucketName": "org-cloudtrail-archive"}
    )
    findings, draft = judge(template(trail))
    trail_arn = arn("Trail", "unknown")
    assert statuses(findings) == {trail_arn: FAIL}  # IsMultiRegionTrail defaults to false
    assert findings[trail_arn].message.startswith("Trail: single-region trail of unknown")
    assert draft.annotations[("AWS::CloudTrail::Trail", trail_arn)].assumed == [
        "IsMultiRegionTrail is not set: false (the default)",
        "IsOrganizationTrail is not set: false (the default)",
        "IncludeGlobalServiceEvents is not set: true (the default)",
        "EnableLogFileValidation is not set: false (the default)",
        "no event selector: CloudTrail records every management event, read and write (its default)",
    ]


def test_cloudformation_trails_each_judged() -> None:
    good = cfn(
        "Good",
        "AWS::CloudTrail::Trail",
        {
            "TrailName": "org-trail",
            "IsLogging": True,
            "IsMultiRegionTrail": True,
            "S3BucketName": "org-cloudtrail-archive",
            "EventSelectors": [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}],
        },
    )
    own = cfn(
        "Own",
        "AWS::CloudTrail::Trail",
        {
            "IsLogging": True,
            "IsMultiRegionTrail": True,
            "S3BucketName": Ref("Logs", None, "Own.S3BucketName"),
        },
    )
    parameter = cfn(
        "Parameter",
        "AWS::CloudTrail::Trail",
        {
            "IsLogging": Unknown(
                "Parameter.IsLogging", "known only at deployment (parameter Logging has no default)"
            ),
            "IsMultiRegionTrail": True,
            "S3BucketName": "org-cloudtrail-archive",
        },
    )
    missing = cfn(
        "Missing", "AWS::CloudTrail::Trail", {"IsMultiRegionTrail": True, "S3BucketName": "org-cloudtrail-x"}
    )
    advanced = cfn(
        "Advanced",
        "AWS::CloudTrail::Trail",
        {
            "IsLogging": True,
            "IsMultiRegionTrail": True,
            "S3BucketName": "org-cloudtrail-archive",
            "AdvancedEventSelectors": [
                {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}
            ],
        },
    )
    logs = cfn("Logs", "AWS::S3::Bucket", {})
    findings, _ = judge(template(good, own, parameter, missing, advanced, logs))
    assert statuses(findings) == {
        arn("Good", "unknown"): PASS,
        arn("Own", "unknown"): FAIL,
        arn("Parameter", "unknown"): UNKNOWN,
        arn("Missing", "unknown"): UNKNOWN,
        arn("Advanced", "unknown"): PASS,
    }
    assert findings[arn("Good", "unknown")].resource.name == "org-trail"
    assert "delivers to Logs, a bucket the same document creates" in findings[arn("Own", "unknown")].message
    assert (
        "Parameter.IsLogging is known only at deployment (parameter Logging has no default)"
        in findings[arn("Parameter", "unknown")].message
    )
    assert (
        "Missing.IsLogging is not set in the document (it is required)"
        in findings[arn("Missing", "unknown")].message
    )


def test_a_selector_of_the_wrong_shape_is_unknown_naming_it() -> None:
    trail = cfn(
        "Trail",
        "AWS::CloudTrail::Trail",
        {
            "IsLogging": True,
            "IsMultiRegionTrail": True,
            "S3BucketName": "org-cloudtrail-archive",
            "EventSelectors": "all",
        },
    )
    findings, _ = judge(template(trail))
    finding = findings[arn("Trail", "unknown")]
    assert finding.status is UNKNOWN
    assert "Trail.EventSelectors is not a value CloudTrail accepts (str 'all')" in finding.message


def test_values_that_are_no_such_values_are_rule_errors_not_left_to_apply() -> None:
    base = {"IsMultiRegionTrail": True, "S3BucketName": "org-cloudtrail-archive"}
    findings, _ = judge(
        template(
            cfn("Yes", "AWS::CloudTrail::Trail", {**base, "IsLogging": "yes"}),
            cfn("Missing", "AWS::CloudTrail::Trail", base),
            cfn("Bucket", "AWS::CloudTrail::Trail", {**base, "IsLogging": True, "S3BucketName": ["a"]}),
            cfn("Later", "AWS::CloudTrail::Trail", {**base, "IsLogging": Unknown("Later.IsLogging")}),
        )
    )
    causes = {resource: (f.status, f.unknown_cause) for resource, f in findings.items()}
    assert causes == {
        arn("Yes", "unknown"): (UNKNOWN, UnknownCause.RULE_ERROR),
        arn("Missing", "unknown"): (UNKNOWN, UnknownCause.RULE_ERROR),
        arn("Bucket", "unknown"): (UNKNOWN, UnknownCause.RULE_ERROR),
        arn("Later", "unknown"): (UNKNOWN, UnknownCause.KNOWN_AFTER_APPLY),
    }
