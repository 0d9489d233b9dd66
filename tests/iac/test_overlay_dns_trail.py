"""`iac --snapshot` for Route53 records and CloudTrail trails: documents laid over a collected account.

The documents are built by hand in the shape the parsers give (Terraform planned values with `before`
for updates and deletions, CloudFormation `Properties`); the live account by hand in the shape
`collect` gives (hosted zone ids without `/hostedzone/`, names lower case without the final dot,
inventories None when their calls failed, with the failed calls in `errors`). Everything runs through
`iac.build.build(documents, live)` and the engine with the relabel as `prepare`, so the verdicts are
the reported ones: findings on the documents' resources only, named by their address.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from cloudwarden.config import CloudTrailConfig, Config
from cloudwarden.engine import Evaluation
from cloudwarden.findings import Finding, Location, Severity, Status, UnknownCause
from cloudwarden.iac.build import Built, build
from cloudwarden.iac.model import Action, IacDocument, IacResource, Ref, Tool, Unknown
from cloudwarden.rules.base import Rule
from cloudwarden.rules.cloudtrail_segregated_storage import CLOUDTRAIL_SEGREGATED_STORAGE
from cloudwarden.rules.route53_no_dangling_records import ROUTE53_NO_DANGLING_RECORDS
from cloudwarden.snapshot import (
    EVERY_COLLECTION,
    AccountSnapshot,
    ApiError,
    Bucket,
    BucketOwnership,
    ClassicEventSelector,
    CloudTrailData,
    Collection,
    Distribution,
    EventSelectors,
    HostedZone,
    IamData,
    LiveCheck,
    RecordSet,
    Route53Data,
    S3Data,
    Trail,
    TrailStatus,
)

ACCOUNT = "123456789012"
ARCHIVE_ACCOUNT = "999988887777"
REGION = "us-east-1"
PLAN = "plan.json"
TEMPLATE = "template.yaml"
PASS, FAIL, UNKNOWN = Status.PASS, Status.FAIL, Status.UNKNOWN
NOT_CHECKED = UnknownCause.NOT_CHECKED
FAILED_CALL = UnknownCause.FAILED_CALL
AFTER_APPLY = UnknownCause.KNOWN_AFTER_APPLY

ZONE_ID = "Z04117183JQ3EXAMPLE1"
ZONE_SERVERS = (
    "ns-1142.awsdns-14.org",
    "ns-1977.awsdns-55.co.uk",
    "ns-294.awsdns-36.com",
    "ns-731.awsdns-27.net",
)
LIVE_LB = "shop-alb-1234567890.us-east-1.elb.amazonaws.com"
ALB_ZONE = "Z35SXDOTRQ7X7K"
"""The hosted zone id of Application Load Balancers in us-east-1 (an alias's `zone_id`)."""
S3_WEBSITE_ZONE = "Z3AQBSTGFYJSTF"
"""The hosted zone id of S3 website endpoints in us-east-1."""
AWS_RANGES = ("52.94.76.0/22", "54.239.0.0/17")
LIVE_EIP = "54.239.28.85"
LIVE_TRAIL_ARN = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/main"


# --- the live account -------------------------------------------------------------------------------


def live_error(service: str, operation: str, resource: str | None = None) -> ApiError:
    return ApiError(
        account=ACCOUNT,
        service=service,
        operation=operation,
        region=REGION,
        code="AccessDenied",
        message=f"User: arn:aws:iam::{ACCOUNT}:user/auditor is not authorized to perform: "
        f"{service}:{operation}",
        resource=resource,
    )


def dns(**changes: Any) -> Route53Data:
    """The live zone example.com: a dangling CNAME the plans do not touch, the record the plans update,
    and an inventory with one load balancer, one Elastic IP and nothing else; AWS's ranges known,
    live checks off."""
    data = Route53Data(
        zones=(HostedZone(id=ZONE_ID, name="example.com", name_servers=ZONE_SERVERS),),
        records=(
            RecordSet(
                zone_id=ZONE_ID,
                name="legacy.example.com",
                type="CNAME",
                values=("legacy.example.com.s3-website-us-east-1.amazonaws.com",),
            ),
            RecordSet(
                zone_id=ZONE_ID,
                name="api.example.com",
                type="CNAME",
                values=("d111111abcdef8.cloudfront.net",),
            ),
            RecordSet(zone_id=ZONE_ID, name="gone.example.com", type="A", values=("54.239.1.1",)),
        ),
        elastic_ips=(LIVE_EIP,),
        interface_ips=(),
        distributions=(),
        load_balancers=(LIVE_LB,),
        beanstalk_cnames=(),
        api_ids=(),
        aws_ranges=AWS_RANGES,
    )
    return msgspec.structs.replace(data, **changes)


def trails(*extra: Trail) -> CloudTrailData:
    main = Trail(
        arn=LIVE_TRAIL_ARN,
        name="main",
        home_region=REGION,
        is_multi_region=True,
        include_global_service_events=True,
        s3_bucket="org-cloudtrail-archive",
        status=TrailStatus(is_logging=True),
        selectors=EventSelectors(classic=(ClassicEventSelector(),)),
    )
    every = (main, *extra)
    return CloudTrailData(trails=every, regions={REGION: tuple(trail.arn for trail in every)})


def live(
    *,
    buckets: Sequence[str] | None = ("assets.example.com", "app-logs-123456789012"),
    route53: Route53Data | None = None,
    cloudtrail: CloudTrailData | None = None,
    errors: Sequence[ApiError] = (),
) -> AccountSnapshot:
    """The collected account (None for buckets: ListBuckets failed, with its error in `errors`)."""
    return AccountSnapshot(
        account_id=ACCOUNT,
        regions=(REGION,),
        iam=IamData(),
        s3=S3Data(
            buckets=None if buckets is None else tuple(Bucket(name=name, region=REGION) for name in buckets)
        ),
        cloudtrail=trails() if cloudtrail is None else cloudtrail,
        route53=dns() if route53 is None else route53,
        collected=EVERY_COLLECTION,
        errors=tuple(errors),
    )


# --- the documents -----------------------------------------------------------------------------------


def tf(
    address: str,
    kind: str,
    values: Mapping[str, Any],
    action: Action = Action.CREATE,
    before: Mapping[str, Any] | None = None,
) -> IacResource:
    return IacResource(
        address=address,
        type=kind,
        values=values,
        location=Location(file=PLAN),
        region=REGION,
        action=action,
        before=before,
    )


def record(name: str, kind: str, **values: Any) -> IacResource:
    """An `aws_route53_record` in the live zone, named by its literal id, with a name relative to it."""
    address = f"aws_route53_record.{name}"
    planned: dict[str, Any] = {
        "zone_id": ZONE_ID,
        "name": name,
        "type": kind,
        "ttl": 300,
        "records": None,
        "alias": [],
        "set_identifier": None,
        "allow_overwrite": None,
        "fqdn": Unknown(f"{address}.fqdn"),
    }
    return tf(address, "aws_route53_record", planned | values)


def alias(name: object, zone_id: object) -> list[dict[str, Any]]:
    return [{"name": name, "zone_id": zone_id, "evaluate_target_health": True}]


def plan(*resources: IacResource) -> IacDocument:
    return IacDocument(path=PLAN, tool=Tool.TERRAFORM, resources=resources)


def judge(
    documents: Sequence[IacDocument],
    account: AccountSnapshot | None,
    rule: Rule,
    config: Config | None = None,
) -> tuple[dict[str, Finding], Built]:
    """The reported findings of `rule` by resource id (the address), as `iac` reports them."""
    built = build(documents, account)
    evaluation = Evaluation(built.snapshot, config or Config(), [rule], prepare=built.relabel)
    findings = list(evaluation)
    by_id = {finding.resource.id: finding for finding in findings}
    assert len(by_id) == len(findings), findings
    return by_id, built


def verdicts(findings: Mapping[str, Finding]) -> dict[str, tuple[Status, UnknownCause | None]]:
    return {
        address: (
            finding.status,
            finding.unknown_cause if isinstance(finding.unknown_cause, UnknownCause) else None,
        )
        for address, finding in findings.items()
    }


def routing_plan() -> IacDocument:
    lb = {"name": "web", "dns_name": Unknown("aws_lb.web.dns_name"), "zone_id": Unknown("aws_lb.web.zone_id")}
    return plan(
        tf("aws_lb.web", "aws_lb", lb),
        tf("aws_instance.box", "aws_instance", {"ami": "ami-0abcdef1234567890", "public_ip": Unknown("x")}),
        tf("aws_s3_bucket.static", "aws_s3_bucket", {"bucket": "static.example.com"}),
        record("static", "CNAME", records=["static.example.com.s3-website-us-east-1.amazonaws.com"]),
        record("www", "A", alias=alias(f"dualstack.{LIVE_LB}.", ALB_ZONE)),
        record(
            "new",
            "A",
            alias=alias(Ref("aws_lb.web", "dns_name", "r.alias"), Ref("aws_lb.web", "zone_id", "z")),
        ),
        record("old", "CNAME", records=["old.example.com.s3-website-us-east-1.amazonaws.com"]),
        record("assets", "A", alias=alias("s3-website-us-east-1.amazonaws.com", S3_WEBSITE_ZONE)),
        record("pages", "CNAME", records=["example-org.github.io"]),
        record("cdn", "CNAME", records=["d2222222abcdef8.cloudfront.net"]),
        record("ip", "A", records=[LIVE_EIP]),
        record("spare", "A", records=["54.239.30.30"]),
        record("box", "A", records=[Ref("aws_instance.box", "public_ip", "aws_route53_record.box.records")]),
        record("api", "CNAME", records=[f"dualstack.{LIVE_LB}"]),
    )


ROUTING = {
    "aws_route53_record.static": (PASS, None),
    "aws_route53_record.www": (PASS, None),
    "aws_route53_record.new": (PASS, None),
    "aws_route53_record.old": (FAIL, None),
    "aws_route53_record.assets": (PASS, None),
    "aws_route53_record.pages": (UNKNOWN, NOT_CHECKED),
    "aws_route53_record.cdn": (FAIL, None),
    "aws_route53_record.ip": (PASS, None),
    "aws_route53_record.spare": (FAIL, None),
    "aws_route53_record.box": (UNKNOWN, AFTER_APPLY),
    "aws_route53_record.api": (PASS, None),
}


# --- Route53 -----------------------------------------------------------------------------------------


def test_records_are_judged_against_the_live_inventory_as_a_live_scan_judges_them() -> None:
    findings, built = judge([routing_plan()], live(), ROUTE53_NO_DANGLING_RECORDS)
    assert verdicts(findings) == ROUTING
    assert findings["aws_route53_record.www"].message == "points at a load balancer of this account"
    assert findings["aws_route53_record.new"].message == "points at a load balancer this document creates"
    assert findings["aws_route53_record.old"].message == (
        "S3 serves the bucket named by the Host header, old.example.com, and no scanned or trusted account "
        "owns such a bucket: anyone can create it and serve content under this name"
    )
    assert findings["aws_route53_record.old"].severity is Severity.HIGH
    assert findings["aws_route53_record.cdn"].severity is Severity.LOW
    assert findings["aws_route53_record.box"].message == (
        "the target ${aws_instance.box.public_ip} is known only after apply, and it is not the name of a "
        "load balancer, distribution, environment, API, Elastic IP or hosted zone of the documents"
    )
    # The relative names took the live zone's name; the findings point at the plan.
    assert findings["aws_route53_record.www"].resource.name == "www.example.com"
    assert findings["aws_route53_record.www"].location == Location(file=PLAN)
    account = built.snapshot.accounts[0]
    assert (account.account_id, account.partial, account.live_context) == (ACCOUNT, True, True)
    assert account.route53 is not None
    # The live zone is kept once, as collected; `api` replaces the live record of the same id.
    assert [zone.id for zone in account.route53.zones] == [ZONE_ID]
    api = [r for r in account.route53.records if r.name == "api.example.com"]
    assert [r.values for r in api] == [(f"dualstack.{LIVE_LB}",)]


def test_without_a_snapshot_the_same_plan_gives_the_partial_verdicts() -> None:
    findings, _ = judge([routing_plan()], None, ROUTE53_NO_DANGLING_RECORDS)
    assert verdicts(findings) == {
        # The zone's name is not in the plan: the relative name `static` names no bucket it creates.
        "aws_route53_record.static": (UNKNOWN, NOT_CHECKED),
        "aws_route53_record.www": (UNKNOWN, NOT_CHECKED),
        "aws_route53_record.new": (PASS, None),
        "aws_route53_record.old": (UNKNOWN, NOT_CHECKED),
        "aws_route53_record.assets": (UNKNOWN, NOT_CHECKED),
        "aws_route53_record.pages": (UNKNOWN, NOT_CHECKED),
        "aws_route53_record.cdn": (UNKNOWN, NOT_CHECKED),
        "aws_route53_record.ip": (UNKNOWN, NOT_CHECKED),
        "aws_route53_record.spare": (UNKNOWN, NOT_CHECKED),
        "aws_route53_record.box": (UNKNOWN, NOT_CHECKED),
        "aws_route53_record.api": (UNKNOWN, NOT_CHECKED),
    }
    assert findings["aws_route53_record.old"].message.endswith(
        "the live account is not visible (give --snapshot)"
    )


def test_live_checks_count_only_for_the_target_they_probed() -> None:
    pages_id = f"{ZONE_ID}/pages.example.com/CNAME"
    docs_id = f"{ZONE_ID}/docs.example.com/CNAME"
    checks = (
        LiveCheck(
            record=pages_id, target="example-org.github.io", service="GitHub Pages", fingerprint_matched=True
        ),
        LiveCheck(record=docs_id, target="old-docs.github.io", service="GitHub Pages", http_status=200),
    )
    documents = [
        plan(
            record("pages", "CNAME", records=["example-org.github.io."]),
            record("docs", "CNAME", records=["new-docs.github.io"]),
        )
    ]
    findings, _ = judge(documents, live(route53=dns(live=checks)), ROUTE53_NO_DANGLING_RECORDS)
    assert verdicts(findings) == {
        "aws_route53_record.pages": (FAIL, None),
        "aws_route53_record.docs": (UNKNOWN, NOT_CHECKED),
    }
    assert findings["aws_route53_record.pages"].message == (
        "GitHub Pages answers with its page for an unclaimed name: anyone can claim it"
    )
    assert (
        "the snapshot's live checks did not probe this target" in findings["aws_route53_record.docs"].message
    )


def test_an_inventory_the_live_scan_could_not_read_is_unknown_as_live() -> None:
    account = live(
        buckets=None,
        route53=dns(load_balancers=None, elastic_ips=None),
        errors=(
            live_error("s3", "ListBuckets"),
            live_error("elbv2", "DescribeLoadBalancers"),
            live_error("ec2", "DescribeAddresses"),
        ),
    )
    findings, _ = judge([routing_plan()], account, ROUTE53_NO_DANGLING_RECORDS)
    assert verdicts(findings) == ROUTING | {
        "aws_route53_record.www": (UNKNOWN, FAILED_CALL),
        # A target the plan leaves to apply: the load balancer list that would hold it was not read.
        "aws_route53_record.new": (UNKNOWN, FAILED_CALL),
        "aws_route53_record.box": (UNKNOWN, FAILED_CALL),
        "aws_route53_record.old": (UNKNOWN, FAILED_CALL),
        "aws_route53_record.assets": (UNKNOWN, FAILED_CALL),
        "aws_route53_record.ip": (UNKNOWN, FAILED_CALL),
        "aws_route53_record.spare": (UNKNOWN, FAILED_CALL),
        "aws_route53_record.api": (UNKNOWN, FAILED_CALL),
    }
    assert findings["aws_route53_record.www"].message == (
        "the account's load balancers could not be read: elbv2:DescribeLoadBalancers in us-east-1 failed: "
        f"AccessDenied: User: arn:aws:iam::{ACCOUNT}:user/auditor is not authorized to perform: "
        "elbv2:DescribeLoadBalancers"
    )


def test_zones_the_live_scan_could_not_list_leave_every_record_of_the_plan_unknown() -> None:
    account = live(route53=Route53Data(), errors=(live_error("route53", "ListHostedZones"),))
    documents = [
        plan(
            record("www", "A", alias=alias(LIVE_LB, ALB_ZONE)), record("txt", "TXT", records=["v=spf1 -all"])
        )
    ]
    findings, _ = judge(documents, account, ROUTE53_NO_DANGLING_RECORDS)
    assert verdicts(findings) == {"aws_route53_record.www": (UNKNOWN, FAILED_CALL)}
    assert findings["aws_route53_record.www"].message.startswith(
        "the account's hosted zones could not be read"
    )


def test_updated_renamed_and_deleted_records_replace_the_live_ones() -> None:
    before = {"zone_id": ZONE_ID, "name": "gone.example.com", "type": "A", "records": ["54.239.1.1"]}
    renamed_before = {"zone_id": ZONE_ID, "name": "legacy", "type": "CNAME", "set_identifier": None}
    documents = [
        plan(
            tf("aws_route53_record.gone", "aws_route53_record", {}, Action.DELETE, before),
            record("legacy2", "CNAME", records=[LIVE_LB]) | _replacing(renamed_before),
            record("api", "CNAME", records=["d111111abcdef8.cloudfront.net"]) | _updating(),
        )
    ]
    findings, built = judge(documents, live(), ROUTE53_NO_DANGLING_RECORDS)
    assert verdicts(findings) == {
        "aws_route53_record.legacy2": (PASS, None),
        "aws_route53_record.api": (FAIL, None),  # the live distribution list holds no such distribution
    }
    route53 = built.snapshot.accounts[0].route53
    assert route53 is not None
    assert sorted(r.record_id for r in route53.records) == [
        f"{ZONE_ID}/api.example.com/CNAME",
        f"{ZONE_ID}/legacy2.example.com/CNAME",
    ]


def _replacing(before: Mapping[str, Any]) -> Any:
    return _Change(Action.REPLACE, before)


def _updating() -> Any:
    return _Change(Action.UPDATE, {"zone_id": ZONE_ID, "name": "api", "type": "CNAME"})


class _Change:
    """`resource | _Change(...)`: the same resource as an update or replacement with these `before`."""

    def __init__(self, action: Action, before: Mapping[str, Any]) -> None:
        self.action, self.before = action, before

    def __ror__(self, resource: IacResource) -> IacResource:
        return IacResource(
            address=resource.address,
            type=resource.type,
            values=resource.values,
            location=resource.location,
            region=resource.region,
            action=self.action,
            before=self.before,
        )


def test_a_template_names_the_live_zone_by_name_and_its_record_replaces_the_live_one() -> None:
    template = IacDocument(
        path=TEMPLATE,
        tool=Tool.CLOUDFORMATION,
        resources=(
            IacResource(
                address="ApiRecord",
                type="AWS::Route53::RecordSet",
                values={
                    "HostedZoneName": "example.com.",
                    "Name": "api.example.com.",
                    "Type": "CNAME",
                    "TTL": "300",
                    "ResourceRecords": [f"{LIVE_LB}."],
                },
                location=Location(file=TEMPLATE, line=3),
            ),
        ),
    )
    findings, built = judge([template], live(), ROUTE53_NO_DANGLING_RECORDS)
    assert verdicts(findings) == {"ApiRecord": (PASS, None)}
    assert findings["ApiRecord"].location == Location(file=TEMPLATE, line=3)
    route53 = built.snapshot.accounts[0].route53
    assert route53 is not None
    api = [r for r in route53.records if r.name == "api.example.com"]
    assert [(r.zone_id, r.values) for r in api] == [(ZONE_ID, (LIVE_LB,))]


# --- CloudTrail --------------------------------------------------------------------------------------


def tf_trail(address: str, bucket: object, **values: Any) -> IacResource:
    """An `aws_cloudtrail` as a create plan shows it: the schema's defaults set, `arn` unknown."""
    planned: dict[str, Any] = {
        "name": address.rsplit(".", 1)[-1],
        "s3_bucket_name": bucket,
        "enable_logging": True,
        "include_global_service_events": True,
        "is_multi_region_trail": True,
        "is_organization_trail": False,
        "enable_log_file_validation": True,
        "event_selector": [],
        "advanced_event_selector": [],
        "arn": Unknown(f"{address}.arn"),
    }
    return tf(address, "aws_cloudtrail", planned | values)


def trail_plan() -> IacDocument:
    return plan(
        tf_trail("aws_cloudtrail.own", "app-logs-123456789012"),
        tf_trail("aws_cloudtrail.archive", "org-cloudtrail-archive"),
        tf_trail("aws_cloudtrail.partner", "partner-archive"),
        tf_trail(
            "aws_cloudtrail.created", Ref("aws_s3_bucket.logs", "id", "aws_cloudtrail.created.s3_bucket_name")
        ),
        tf_trail("aws_cloudtrail.later", Unknown("aws_cloudtrail.later.s3_bucket_name")),
        tf("aws_s3_bucket.logs", "aws_s3_bucket", {"bucket": "new-logs-123456789012"}),
    )


def test_a_trail_s_destination_is_judged_with_the_live_bucket_list() -> None:
    trusted = Config(cloudtrail=CloudTrailConfig(trusted_buckets=("org-cloudtrail-*",)))
    findings, _ = judge([trail_plan()], live(), CLOUDTRAIL_SEGREGATED_STORAGE, trusted)
    assert verdicts(findings) == {
        "aws_cloudtrail.own": (FAIL, None),
        "aws_cloudtrail.archive": (PASS, None),
        "aws_cloudtrail.partner": (FAIL, None),
        "aws_cloudtrail.created": (FAIL, None),
        "aws_cloudtrail.later": (UNKNOWN, AFTER_APPLY),
    }
    assert findings["aws_cloudtrail.own"].message == (
        "own: own bucket: delivers to app-logs-123456789012, in this account"
    )
    assert findings["aws_cloudtrail.created"].message == (
        "created: own bucket: delivers to new-logs-123456789012, in this account"
    )
    assert findings["aws_cloudtrail.partner"].message == (
        "partner: untrusted bucket: partner-archive is not in cloudtrail.trusted_buckets and not confirmed "
        "to belong to a trusted account (no trusted account is configured)"
    )
    assert findings["aws_cloudtrail.archive"].message.endswith(
        "delivers to org-cloudtrail-archive (owner not confirmed)"
    )


def test_without_trust_lists_a_bucket_outside_the_account_passes_with_the_live_warning() -> None:
    findings, _ = judge([trail_plan()], live(), CLOUDTRAIL_SEGREGATED_STORAGE)
    assert verdicts(findings) == {
        "aws_cloudtrail.own": (FAIL, None),
        "aws_cloudtrail.archive": (PASS, None),
        "aws_cloudtrail.partner": (PASS, None),
        "aws_cloudtrail.created": (FAIL, None),
        "aws_cloudtrail.later": (UNKNOWN, AFTER_APPLY),
    }
    assert findings["aws_cloudtrail.partner"].message.endswith(
        "; warning: partner-archive is outside this account but the destination is unverified: configure "
        "cloudtrail.trusted_buckets or cloudtrail.trusted_accounts"
    )
    assert findings["aws_cloudtrail.partner"].evidence["warnings"] == [
        "partner-archive is outside this account but the destination is unverified: configure "
        "cloudtrail.trusted_buckets or cloudtrail.trusted_accounts"
    ]


def test_trusted_accounts_use_the_live_owner_checks() -> None:
    ownership = (
        BucketOwnership(bucket="org-cloudtrail-archive", confirmed_owner=ARCHIVE_ACCOUNT, exists=True),
        BucketOwnership(bucket="partner-archive", refused=(ARCHIVE_ACCOUNT,)),
    )
    account = live(cloudtrail=msgspec.structs.replace(trails(), bucket_ownership=ownership))
    config = Config(cloudtrail=CloudTrailConfig(trusted_accounts=(ARCHIVE_ACCOUNT, "111122223333")))
    findings, _ = judge([trail_plan()], account, CLOUDTRAIL_SEGREGATED_STORAGE, config)
    assert verdicts(findings) == {
        "aws_cloudtrail.own": (FAIL, None),
        "aws_cloudtrail.archive": (PASS, None),
        "aws_cloudtrail.partner": (UNKNOWN, NOT_CHECKED),  # 111122223333 was never asked
        "aws_cloudtrail.created": (FAIL, None),
        "aws_cloudtrail.later": (UNKNOWN, AFTER_APPLY),
    }
    assert findings["aws_cloudtrail.archive"].message.endswith(
        f"delivers to org-cloudtrail-archive (owner {ARCHIVE_ACCOUNT} confirmed)"
    )


def test_a_bucket_list_the_live_scan_could_not_read_leaves_the_destination_unknown() -> None:
    account = live(buckets=None, errors=(live_error("s3", "ListBuckets"),))
    trusted = Config(cloudtrail=CloudTrailConfig(trusted_buckets=("org-cloudtrail-*",)))
    findings, _ = judge([trail_plan()], account, CLOUDTRAIL_SEGREGATED_STORAGE, trusted)
    assert verdicts(findings) == {
        "aws_cloudtrail.own": (UNKNOWN, FAILED_CALL),
        "aws_cloudtrail.archive": (UNKNOWN, FAILED_CALL),
        "aws_cloudtrail.partner": (UNKNOWN, FAILED_CALL),
        "aws_cloudtrail.created": (FAIL, None),  # the plan's own bucket is the account's
        "aws_cloudtrail.later": (UNKNOWN, AFTER_APPLY),
    }
    assert findings["aws_cloudtrail.own"].message == (
        "own: cannot tell whether app-logs-123456789012 is in this account: the account's buckets could not "
        "be read: s3:ListBuckets in us-east-1 failed: AccessDenied: User: "
        f"arn:aws:iam::{ACCOUNT}:user/auditor is not authorized to perform: s3:ListBuckets"
    )


def test_without_a_snapshot_the_same_trails_give_the_partial_verdicts() -> None:
    trusted = Config(cloudtrail=CloudTrailConfig(trusted_buckets=("org-cloudtrail-*",)))
    findings, _ = judge([trail_plan()], None, CLOUDTRAIL_SEGREGATED_STORAGE, trusted)
    assert verdicts(findings) == {
        "aws_cloudtrail.own": (UNKNOWN, NOT_CHECKED),
        "aws_cloudtrail.archive": (PASS, None),
        "aws_cloudtrail.partner": (UNKNOWN, NOT_CHECKED),
        "aws_cloudtrail.created": (FAIL, None),
        "aws_cloudtrail.later": (UNKNOWN, AFTER_APPLY),
    }


def test_a_trail_the_plan_updates_or_a_template_names_replaces_the_live_one() -> None:
    other = Trail(
        arn=f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/audit",
        name="audit",
        home_region=REGION,
        s3_bucket="app-logs-123456789012",
    )
    updated = tf_trail("aws_cloudtrail.main", "org-cloudtrail-archive", arn=LIVE_TRAIL_ARN) | _Change(
        Action.UPDATE, {"arn": LIVE_TRAIL_ARN, "name": "main", "s3_bucket_name": "app-logs-123456789012"}
    )
    template = IacDocument(
        path=TEMPLATE,
        tool=Tool.CLOUDFORMATION,
        resources=(
            IacResource(
                address="AuditTrail",
                type="AWS::CloudTrail::Trail",
                values={
                    "TrailName": "audit",
                    "S3BucketName": "org-cloudtrail-archive",
                    "IsLogging": True,
                    "IsMultiRegionTrail": True,
                },
                location=Location(file=TEMPLATE, line=7),
            ),
        ),
    )
    account = live(cloudtrail=trails(other))
    trusted = Config(cloudtrail=CloudTrailConfig(trusted_buckets=("org-cloudtrail-*",)))
    findings, built = judge([plan(updated), template], account, CLOUDTRAIL_SEGREGATED_STORAGE, trusted)
    assert verdicts(findings) == {"aws_cloudtrail.main": (PASS, None), "AuditTrail": (PASS, None)}
    assert findings["AuditTrail"].resource.arn == other.arn
    assert findings["AuditTrail"].region == REGION
    cloudtrail = built.snapshot.accounts[0].cloudtrail
    assert cloudtrail is not None
    assert sorted((trail.arn, trail.s3_bucket) for trail in cloudtrail.trails) == [
        (other.arn, "org-cloudtrail-archive"),
        (LIVE_TRAIL_ARN, "org-cloudtrail-archive"),
    ]


def test_a_snapshot_that_did_not_collect_the_buckets_does_not_make_the_plan_s_buckets_the_whole_list() -> (
    None
):
    account = msgspec.structs.replace(
        live(buckets=None), collected=tuple(c for c in EVERY_COLLECTION if c is not Collection.S3)
    )
    documents = [
        trail_plan(),
        plan(record("assets", "A", alias=alias("s3-website-us-east-1.amazonaws.com", S3_WEBSITE_ZONE))),
    ]
    trails_found, built = judge(documents, account, CLOUDTRAIL_SEGREGATED_STORAGE)
    records_found, _ = judge(documents, account, ROUTE53_NO_DANGLING_RECORDS)
    assert verdicts(trails_found) == {
        "aws_cloudtrail.own": (UNKNOWN, FAILED_CALL),
        "aws_cloudtrail.archive": (UNKNOWN, FAILED_CALL),
        "aws_cloudtrail.partner": (UNKNOWN, FAILED_CALL),
        "aws_cloudtrail.created": (FAIL, None),
        "aws_cloudtrail.later": (UNKNOWN, AFTER_APPLY),
    }
    assert verdicts(records_found) == {"aws_route53_record.assets": (UNKNOWN, FAILED_CALL)}
    assert records_found["aws_route53_record.assets"].message == (
        "the account's buckets could not be read: s3:ListBuckets in global failed: NotCollected: the "
        "snapshot given with --snapshot did not collect the account's buckets"
    )
    listing = [e for e in built.snapshot.accounts[0].errors if e.operation == "ListBuckets"]
    assert len(listing) == 1


def test_delegations_to_a_zone_of_the_plan_pass_and_to_nobody_s_route53_zone_fail() -> None:
    dev = {
        "name": "dev.example.com",
        "vpc": [],
        "zone_id": Unknown("aws_route53_zone.dev.zone_id"),
        "name_servers": Unknown("aws_route53_zone.dev.name_servers"),
        "force_destroy": False,
    }
    documents = [
        plan(
            tf("aws_route53_zone.dev", "aws_route53_zone", dev),
            record("dev", "NS", records=Ref("aws_route53_zone.dev", "name_servers", "r.records")),
            record("old", "NS", records=["ns-2.awsdns-02.com", "ns-3.awsdns-03.net"]),
        )
    ]
    findings, _ = judge(documents, live(), ROUTE53_NO_DANGLING_RECORDS)
    assert verdicts(findings) == {
        "aws_route53_record.dev": (PASS, None),
        "aws_route53_record.old": (FAIL, None),
    }
    assert findings["aws_route53_record.dev"].message == (
        "delegated to a hosted zone this document creates, with its name servers"
    )


LIVE_CDN = "d111111abcdef8.cloudfront.net"
LIVE_CNAME = "shop.us-east-1.elasticbeanstalk.com"
LIVE_API = "a1b2c3d4e5"


def held_targets(*changes: IacResource) -> IacDocument:
    """Records of the plan pointing at the live load balancer, Elastic IP, distribution, environment
    and API, with `changes` to those targets."""
    return plan(
        *changes,
        record("www", "A", alias=alias(f"dualstack.{LIVE_LB}.", ALB_ZONE)),
        record("ip", "A", records=[LIVE_EIP]),
        record("cdn", "CNAME", records=[LIVE_CDN]),
        record("shop", "CNAME", records=[LIVE_CNAME]),
        record("api", "CNAME", records=[f"{LIVE_API}.execute-api.{REGION}.amazonaws.com"]),
    )


def held_live() -> AccountSnapshot:
    return live(
        route53=dns(
            distributions=(Distribution(domain_name=LIVE_CDN),),
            beanstalk_cnames=(LIVE_CNAME,),
            api_ids=(LIVE_API,),
            interface_ips=(LIVE_EIP,),  # the Elastic IP is associated with an interface
            beanstalk_available={LIVE_CNAME: True},  # CheckDNSAvailability: anyone may claim it once freed
        )
    )


HELD = ("www", "ip", "cdn", "shop", "api")
BEFORE: Mapping[str, tuple[str, Mapping[str, Any]]] = {
    "aws_lb.shop": ("aws_lb", {"name": "shop", "dns_name": LIVE_LB.upper() + "."}),
    "aws_eip.ip": ("aws_eip", {"domain": "vpc", "public_ip": LIVE_EIP}),
    "aws_cloudfront_distribution.cdn": ("aws_cloudfront_distribution", {"domain_name": LIVE_CDN}),
    "aws_elastic_beanstalk_environment.shop": ("aws_elastic_beanstalk_environment", {"cname": LIVE_CNAME}),
    "aws_apigatewayv2_api.api": ("aws_apigatewayv2_api", {"id": LIVE_API, "name": "api"}),
}


def test_a_plan_deleting_or_replacing_what_records_point_at_leaves_them_dangling() -> None:
    kept, _ = judge([held_targets()], held_live(), ROUTE53_NO_DANGLING_RECORDS)
    assert verdicts(kept) == {f"aws_route53_record.{name}": (PASS, None) for name in HELD}
    deletions = [
        tf(address, kind, before, Action.DELETE, before=before) for address, (kind, before) in BEFORE.items()
    ]
    findings, built = judge([held_targets(*deletions)], held_live(), ROUTE53_NO_DANGLING_RECORDS)
    assert verdicts(findings) == {f"aws_route53_record.{name}": (FAIL, None) for name in HELD}
    route53 = judged_route53(built)
    assert (route53.load_balancers, route53.elastic_ips, route53.interface_ips) == ((), (), ())
    replacements = [
        tf(
            address,
            kind,
            {**before, "dns_name": Unknown(f"{address}.dns_name")},
            Action.REPLACE,
            before=before,
        )
        for address, (kind, before) in BEFORE.items()
        if kind == "aws_lb"
    ]
    replaced, _ = judge([held_targets(*replacements)], held_live(), ROUTE53_NO_DANGLING_RECORDS)
    assert verdicts(replaced)["aws_route53_record.www"] == (FAIL, None)


def test_an_update_that_keeps_the_name_or_leaves_it_to_apply_keeps_the_target() -> None:
    before = {"name": "shop", "dns_name": LIVE_LB}
    same = tf("aws_lb.shop", "aws_lb", {**before, "idle_timeout": 120}, Action.UPDATE, before=before)
    later = tf("aws_lb.shop", "aws_lb", {**before, "dns_name": Unknown("d")}, Action.UPDATE, before=before)
    for change in (same, later):
        findings, _ = judge([held_targets(change)], held_live(), ROUTE53_NO_DANGLING_RECORDS)
        assert verdicts(findings)["aws_route53_record.www"] == (PASS, None)


def judged_route53(built: Built) -> Route53Data:
    (account,) = built.snapshot.accounts
    assert account.route53 is not None
    return account.route53
