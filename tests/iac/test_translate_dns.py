"""The dns translator judged by the real rule `route53-no-dangling-records`: exact verdicts per record.

A plan or template decides a record only where it holds the target; anything else is UNKNOWN (not
checked: the live account is not visible), never FAIL. Documents are built by hand in the shape the
parsers give: Terraform planned values (computed attributes such as a load balancer's `dns_name` are
links, `Ref`, when the configuration refers to them), CloudFormation `Properties` with `!Ref` and
`!GetAtt` as links.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.config import Config
from cloudwarden.engine import evaluate
from cloudwarden.findings import Finding, Location, Status, UnknownCause
from cloudwarden.iac.model import IacDocument, IacResource, Ref, Tool, Unknown
from cloudwarden.iac.translate import Draft, translate
from cloudwarden.rules.route53_no_dangling_records import ROUTE53_NO_DANGLING_RECORDS
from cloudwarden.snapshot import ScanInfo, Snapshot

PLAN = "plan.json"
TEMPLATE = "template.yaml"
REGION = "us-east-1"
PASS, UNKNOWN = Status.PASS, Status.UNKNOWN
NOT_CHECKED, AFTER_APPLY = UnknownCause.NOT_CHECKED, UnknownCause.KNOWN_AFTER_APPLY
ZONE = "aws_route53_zone.main"


def tf(address: str, kind: str, values: dict[str, Any]) -> IacResource:
    return IacResource(address=address, type=kind, values=values, location=Location(file=PLAN), region=REGION)


def cfn(logical_id: str, kind: str, properties: dict[str, Any], line: int = 4) -> IacResource:
    return IacResource(
        address=logical_id, type=kind, values=properties, location=Location(file=TEMPLATE, line=line)
    )


def zone(address: str = ZONE, name: str = "example.com", **values: Any) -> IacResource:
    """An `aws_route53_zone` as a create plan shows it: its id and name servers unknown."""
    planned: dict[str, Any] = {
        "name": name,
        "vpc": [],
        "zone_id": Unknown(f"{address}.zone_id"),
        "name_servers": Unknown(f"{address}.name_servers"),
        "force_destroy": False,
    }
    return tf(address, "aws_route53_zone", planned | values)


def record(name: str, kind: str, *, zone_id: object = None, **values: Any) -> IacResource:
    address = f"aws_route53_record.{name.replace('.', '_').replace('*', 'star')}_{kind.lower()}"
    planned: dict[str, Any] = {
        "zone_id": Ref(ZONE, "zone_id", f"{address}.zone_id") if zone_id is None else zone_id,
        "name": name,
        "type": kind,
        "records": None,
        "ttl": 300,
        "alias": [],
        "set_identifier": None,
        "fqdn": Unknown(f"{address}.fqdn"),
    }
    return tf(address, "aws_route53_record", planned | values)


def alias(target: object, zone_id: object = "Z35SXDOTRQ7X7K") -> list[dict[str, Any]]:
    return [{"name": target, "zone_id": zone_id, "evaluate_target_health": True}]


def link(address: str, attribute: str | None, at: str = "aws_route53_record.r.records") -> Ref:
    return Ref(address, attribute, at)


def judge(*resources: IacResource, tool: Tool = Tool.TERRAFORM) -> tuple[dict[str, Finding], Draft]:
    document = IacDocument(path=PLAN if tool is Tool.TERRAFORM else TEMPLATE, tool=tool, resources=resources)
    account, draft = translate(document)
    snapshot = Snapshot(
        scan=ScanInfo(
            started_at="2026-12-01T00:00:00+00:00", finished_at="2026-12-01T00:00:00+00:00", tool_version="t"
        ),
        accounts=(account,),
    )
    findings = evaluate(snapshot, Config(), rules=[ROUTE53_NO_DANGLING_RECORDS]).findings
    return {finding.resource.id: finding for finding in findings}, draft


def verdicts(findings: dict[str, Finding]) -> dict[str, tuple[Status, UnknownCause | None]]:
    return {
        resource: (
            finding.status,
            finding.unknown_cause if isinstance(finding.unknown_cause, UnknownCause) else None,
        )
        for resource, finding in findings.items()
    }


def rid(name: str, kind: str, zone_id: str = ZONE) -> str:
    return f"{zone_id}/{name}/{kind}"


def test_targets_the_plan_creates_pass_and_others_are_not_checked() -> None:
    resources = (
        zone(),
        tf("aws_lb.web", "aws_lb", {"name": "web", "dns_name": Unknown("aws_lb.web.dns_name")}),
        tf("aws_cloudfront_distribution.cdn", "aws_cloudfront_distribution", {"enabled": True}),
        tf("aws_eip.ip", "aws_eip", {"domain": "vpc"}),
        tf("aws_instance.box", "aws_instance", {"ami": "ami-1"}),
        tf("aws_s3_bucket.site", "aws_s3_bucket", {"bucket": "static.example.com"}),
        tf("aws_elastic_beanstalk_environment.app", "aws_elastic_beanstalk_environment", {"name": "app"}),
        tf(
            "aws_apigatewayv2_domain_name.api",
            "aws_apigatewayv2_domain_name",
            {"domain_name": "api.example.com"},
        ),
        record("www", "A", alias=alias(link("aws_lb.web", "dns_name"), link("aws_lb.web", "zone_id"))),
        record("cdn.example.com", "CNAME", records=[link("aws_cloudfront_distribution.cdn", "domain_name")]),
        record("ip.example.com", "A", records=[link("aws_eip.ip", "public_ip")]),
        record("box.example.com", "A", records=[link("aws_instance.box", "public_ip")]),
        record(
            "static.example.com", "CNAME", records=["static.example.com.s3-website-us-east-1.amazonaws.com."]
        ),
        record("old.example.com", "CNAME", records=["old.example.com.s3-website-us-east-1.amazonaws.com"]),
        record("app.example.com", "CNAME", records=[link("aws_elastic_beanstalk_environment.app", "cname")]),
        record(
            "api.example.com",
            "A",
            alias=alias(link("aws_apigatewayv2_domain_name.api", "target_domain_name")),
        ),
        record("lb.example.com", "CNAME", records=["dualstack.other-123.us-east-1.elb.amazonaws.com"]),
        record("docs.example.com", "CNAME", records=["docs.example.org"]),
        record("pages.example.com", "CNAME", records=["someone.github.io"]),
        record("office.example.com", "A", records=["10.0.0.1", "192.168.1.1"]),
        record("example.com", "TXT", records=["v=spf1 -all"]),
    )
    findings, draft = judge(*resources)
    assert verdicts(findings) == {
        rid("www.example.com", "A"): (PASS, None),
        rid("cdn.example.com", "CNAME"): (PASS, None),
        rid("ip.example.com", "A"): (PASS, None),
        rid("box.example.com", "A"): (UNKNOWN, NOT_CHECKED),
        rid("static.example.com", "CNAME"): (PASS, None),
        rid("old.example.com", "CNAME"): (UNKNOWN, NOT_CHECKED),
        rid("app.example.com", "CNAME"): (PASS, None),
        rid("api.example.com", "A"): (PASS, None),
        rid("lb.example.com", "CNAME"): (UNKNOWN, NOT_CHECKED),
        rid("docs.example.com", "CNAME"): (PASS, None),
        rid("pages.example.com", "CNAME"): (UNKNOWN, NOT_CHECKED),
        rid("office.example.com", "A"): (PASS, None),
    }
    assert findings[rid("www.example.com", "A")].message == "points at a load balancer this document creates"
    assert findings[rid("box.example.com", "A")].message == (
        "the address ${aws_instance.box.public_ip} is not in this document and the live account is not "
        "visible (give --snapshot)"
    )
    assert findings[rid("old.example.com", "CNAME")].message == (
        "S3 serves the bucket named old.example.com, which is not in this document and the live account is "
        "not visible (give --snapshot)"
    )
    annotation = draft.annotations[("AWS::Route53::RecordSet", rid("www.example.com", "A"))]
    assert (annotation.address, annotation.attached) == ("aws_route53_record.www_a", ["aws_lb.web"])


def test_an_alias_to_a_bucket_of_the_plan_passes_only_for_the_bucket_s3_serves() -> None:
    website = {
        "bucket": Ref("aws_s3_bucket.site", "id", "w.bucket"),
        "index_document": [{"suffix": "i.html"}],
    }
    resources = (
        zone(),
        tf("aws_s3_bucket.site", "aws_s3_bucket", {"bucket": "example.com"}),
        tf("aws_s3_bucket_website_configuration.site", "aws_s3_bucket_website_configuration", website),
        record(
            "",
            "A",
            alias=alias(
                link("aws_s3_bucket_website_configuration.site", "website_domain"),
                link("aws_s3_bucket.site", "hosted_zone_id"),
            ),
        ),
        record("www", "A", alias=alias(link("aws_s3_bucket_website_configuration.site", "website_domain"))),
    )
    findings, _ = judge(*resources)
    assert verdicts(findings) == {
        rid("example.com", "A"): (PASS, None),
        rid("www.example.com", "A"): (UNKNOWN, NOT_CHECKED),
    }
    assert findings[rid("example.com", "A")].evidence["target"] == "s3-website-us-east-1.amazonaws.com"


def test_delegations_aliases_to_own_zones_private_zones_and_values_left_to_apply() -> None:
    resources = (
        zone(),
        zone("aws_route53_zone.dev", "dev.example.com"),
        zone(
            "aws_route53_zone.internal",
            "internal.example.com",
            vpc=[{"vpc_id": "vpc-1", "vpc_region": REGION}],
        ),
        record("dev.example.com", "NS", records=link("aws_route53_zone.dev", "name_servers")),
        record("example.com", "NS", records=["ns-1.awsdns-01.org"]),  # the apex: not judged
        record("old.example.com", "NS", records=["ns-2.awsdns-02.com", "ns-3.awsdns-03.net"]),
        record("partner.example.com", "NS", records=["ns1.partner.example.net"]),
        record("alias.example.com", "A", alias=alias("www.example.com", link(ZONE, "zone_id"))),
        record(
            "db.internal.example.com",
            "CNAME",
            zone_id=link("aws_route53_zone.internal", "zone_id"),
            records=["x.example.org"],
        ),
        record("later.example.com", "CNAME", records=Unknown("aws_route53_record.later.records")),
        record("w", "CNAME", set_identifier="blue", records=["blue.example.org"]),
    )
    findings, _ = judge(*resources)
    assert verdicts(findings) == {
        rid("dev.example.com", "NS"): (PASS, None),
        rid("old.example.com", "NS"): (UNKNOWN, NOT_CHECKED),
        rid("partner.example.com", "NS"): (UNKNOWN, NOT_CHECKED),
        rid("alias.example.com", "A"): (PASS, None),
        rid("later.example.com", "CNAME"): (UNKNOWN, AFTER_APPLY),
        rid("w.example.com", "CNAME") + "/blue": (PASS, None),
    }
    assert findings[rid("later.example.com", "CNAME")].message == (
        "the record later.example.com is known only after apply: aws_route53_record.later.records is known "
        "only after apply"
    )
    assert "enable live checks" in findings[rid("partner.example.com", "NS")].message


def test_a_zone_outside_the_plan_keeps_its_literal_id() -> None:
    resources = (
        tf("aws_lb.api", "aws_lb", {"name": "api", "dns_name": "api-1.us-east-1.elb.amazonaws.com"}),
        record(
            "api.example.com", "CNAME", zone_id="Z0123456789", records=["API-1.us-east-1.elb.amazonaws.com."]
        ),
        record("cdn.example.com", "CNAME", zone_id="/hostedzone/Z0123456789", records=["d1.cloudfront.net"]),
    )
    findings, draft = judge(*resources)
    assert verdicts(findings) == {
        rid("api.example.com", "CNAME", "Z0123456789"): (PASS, None),
        rid("cdn.example.com", "CNAME", "Z0123456789"): (UNKNOWN, NOT_CHECKED),
    }
    assert [(z.id, z.name, z.private) for z in draft.zones] == [("Z0123456789", "", False)]


def test_a_plan_without_records_gives_no_finding() -> None:
    assert judge(zone(), tf("aws_lb.web", "aws_lb", {"name": "web"}))[0] == {}


def test_cloudformation_record_sets_and_groups() -> None:
    resources = (
        cfn("Zone", "AWS::Route53::HostedZone", {"Name": "example.com."}),
        cfn("Cdn", "AWS::CloudFront::Distribution", {"DistributionConfig": {"Enabled": True}}),
        cfn("Lb", "AWS::ElasticLoadBalancingV2::LoadBalancer", {"Type": "application"}),
        cfn("Ip", "AWS::EC2::EIP", {"Domain": "vpc"}),
        cfn(
            "Www",
            "AWS::Route53::RecordSet",
            {
                "HostedZoneId": Ref("Zone", None, "Www.HostedZoneId"),
                "Name": "www.example.com.",
                "Type": "A",
                "AliasTarget": {
                    "DNSName": Ref("Cdn", "DomainName", "Www.AliasTarget.DNSName"),
                    "HostedZoneId": "Z2FDTNDATAQYW2",
                },
            },
            line=20,
        ),
        cfn(
            "Group",
            "AWS::Route53::RecordSetGroup",
            {
                "HostedZoneName": "example.com.",
                "RecordSets": [
                    {
                        "Name": "app.example.com.",
                        "Type": "A",
                        "AliasTarget": {
                            "DNSName": Ref("Lb", "DNSName", "Group.RecordSets[0].AliasTarget.DNSName"),
                            "HostedZoneId": Ref("Lb", "CanonicalHostedZoneID", "x"),
                        },
                    },
                    {
                        "Name": "ip.example.com",
                        "Type": "A",
                        "ResourceRecords": [Ref("Ip", None, "y")],
                        "TTL": "60",
                    },
                    {
                        "Name": "blog.example.com",
                        "Type": "CNAME",
                        "SetIdentifier": "eu",
                        "ResourceRecords": ["blog.example.com.s3.eu-west-1.amazonaws.com"],
                    },
                ],
            },
            line=40,
        ),
        cfn(
            "Elsewhere",
            "AWS::Route53::RecordSet",
            {
                "HostedZoneName": "example.org.",
                "Name": "a.example.org",
                "Type": "A",
                "ResourceRecords": ["54.1.2.3"],
            },
        ),
    )
    findings, draft = judge(*resources, tool=Tool.CLOUDFORMATION)
    assert verdicts(findings) == {
        "Zone/www.example.com/A": (PASS, None),
        "Zone/app.example.com/A": (PASS, None),
        "Zone/ip.example.com/A": (PASS, None),
        "Zone/blog.example.com/CNAME/eu": (UNKNOWN, NOT_CHECKED),
        "example.org/a.example.org/A": (UNKNOWN, NOT_CHECKED),
    }
    assert (
        findings["Zone/www.example.com/A"].message
        == "points at a CloudFront distribution this document creates"
    )
    www = draft.annotations[("AWS::Route53::RecordSet", "Zone/www.example.com/A")]
    assert (www.address, www.location, www.attached) == ("Www", Location(file=TEMPLATE, line=20), ["Cdn"])
    group = draft.annotations[("AWS::Route53::RecordSet", "Zone/blog.example.com/CNAME/eu")]
    assert (group.address, group.location) == ("Group", Location(file=TEMPLATE, line=40))


def test_a_record_whose_values_are_no_such_values_is_a_rule_error_not_left_to_apply() -> None:
    findings, _ = judge(
        cfn(
            "Bad",
            "AWS::Route53::RecordSet",
            {"HostedZoneId": "Z1", "Name": 5, "Type": "CNAME", "ResourceRecords": ["x.example.net"]},
        ),
        cfn(
            "Later",
            "AWS::Route53::RecordSet",
            {
                "HostedZoneId": "Z1",
                "Name": Unknown("Later.Name"),
                "Type": "CNAME",
                "ResourceRecords": ["x.example.net"],
            },
        ),
        cfn(
            "Group",
            "AWS::Route53::RecordSetGroup",
            {"HostedZoneName": "example.com.", "RecordSets": {"Name": "a"}},
        ),
        cfn("Items", "AWS::Route53::RecordSetGroup", {"HostedZoneName": "example.com.", "RecordSets": [7]}),
        tool=Tool.CLOUDFORMATION,
    )
    assert verdicts(findings) == {
        "Z1/Bad/CNAME": (UNKNOWN, UnknownCause.RULE_ERROR),
        "Z1/Later/CNAME": (UNKNOWN, AFTER_APPLY),
        "example.com/group.recordsets/(malformed)": (UNKNOWN, UnknownCause.RULE_ERROR),
        "example.com/items.recordsets[0]/(malformed)": (UNKNOWN, UnknownCause.RULE_ERROR),
    }
    assert findings["Z1/Bad/CNAME"].message == (
        "the record Bad cannot be judged from the document: Bad.name is not a value Route53 accepts (int 5)"
    )
