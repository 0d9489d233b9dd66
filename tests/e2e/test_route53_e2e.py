"""route53-no-dangling-records over HTTP against the emulator: one zone with every kind of leftover."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cloudwarden.snapshot import load_snapshot
from cloudwarden_emulator import Emulator

from .scanner import cloudwarden, finding, scan_rule, verdicts

RULE = "route53-no-dangling-records"
CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"
S3_WEBSITE_ZONE = "Z3AQBSTGFYJSTF"


def _record(name: str, kind: str, *values: str, identifier: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Name": name,
        "Type": kind,
        "TTL": 300,
        "ResourceRecords": [{"Value": v} for v in values],
    }
    if identifier:
        record |= {"SetIdentifier": identifier, "Weight": 50}
    return {"Action": "CREATE", "ResourceRecordSet": record}


def _alias(name: str, target: str, zone: str) -> dict[str, Any]:
    return {
        "Action": "CREATE",
        "ResourceRecordSet": {
            "Name": name,
            "Type": "A",
            "AliasTarget": {"HostedZoneId": zone, "DNSName": target, "EvaluateTargetHealth": False},
        },
    }


def _scan(emulator: Emulator, tmp_path: Path, config: str) -> dict[str, Any]:
    run = scan_rule(emulator, tmp_path, RULE, config)
    assert run.exit_code in (0, 1), run.stderr
    return run.json()


def test_every_kind_of_record_target(emulator: Emulator, tmp_path: Path) -> None:
    ec2 = emulator.client("ec2")
    held = ec2.allocate_address(Domain="vpc")["PublicIp"]
    emulator.client("s3").create_bucket(Bucket="assets.example.test")
    environment = emulator.client("elasticbeanstalk")
    environment.create_application(ApplicationName="shop")
    environment.create_environment(
        ApplicationName="shop", EnvironmentName="shop-live", CNAMEPrefix="acme-shop-live"
    )
    emulator.reserve_beanstalk_cname("someone-elses-app")
    route53 = emulator.client("route53")
    zone = route53.create_hosted_zone(Name="example.test", CallerReference="e2e")["HostedZone"]["Id"].split(
        "/"
    )[-1]
    sub_zone = route53.create_hosted_zone(Name="team.example.test", CallerReference="e2e-team")["HostedZone"]
    team_servers = route53.get_hosted_zone(Id=sub_zone["Id"])["DelegationSet"]["NameServers"]
    route53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={
            "Changes": [
                _record("www.example.test", "CNAME", "www.example.test.s3-website-us-east-1.amazonaws.com"),
                _record("assets.example.test", "CNAME", "assets.example.test.s3.amazonaws.com"),
                _alias("site.example.test", "s3-website-us-east-1.amazonaws.com", S3_WEBSITE_ZONE),
                _record("shop.example.test", "CNAME", "acme-shop-live.us-east-1.elasticbeanstalk.com"),
                _record("old-shop.example.test", "CNAME", "acme-old-shop.us-east-1.elasticbeanstalk.com"),
                _record("taken.example.test", "CNAME", "someone-elses-app.us-east-1.elasticbeanstalk.com"),
                _alias("cdn.example.test", "d1234abcd.cloudfront.net", CLOUDFRONT_ZONE),
                _record("api.example.test", "A", held),
                _record("legacy.example.test", "A", "54.200.1.2"),
                _record("office.example.test", "A", "8.8.8.8"),
                _record("intranet.example.test", "A", "10.1.2.3"),
                _record("weighted.example.test", "A", "54.200.9.9", identifier="blue"),
                _record("weighted.example.test", "A", held, identifier="green"),
                _record("docs.example.test", "CNAME", "acme.github.io"),
                _record("team.example.test", "NS", *team_servers),
                _record("old-team.example.test", "NS", "ns-1.awsdns-01.org", "ns-2.awsdns-02.com"),
                _record("mail.example.test", "MX", "10 mail.example.test"),
                _record("verify.example.test", "TXT", '"v=spf1 -all"'),
            ]
        },
    )
    ranges = tmp_path / "ip-ranges.json"
    ranges.write_text(json.dumps({"prefixes": [{"ip_prefix": "54.0.0.0/8"}, {"ip_prefix": held + "/32"}]}))
    document = _scan(emulator, tmp_path, f"route53:\n  aws_ip_ranges_file: {ranges}\n")

    def rid(name: str, kind: str, identifier: str | None = None) -> str:
        return f"{zone}/{name}/{kind}" + (f"/{identifier}" if identifier else "")

    assert verdicts(document, RULE) == {
        ("FAIL", rid("www.example.test", "CNAME")),
        ("PASS", rid("assets.example.test", "CNAME")),
        ("FAIL", rid("site.example.test", "A")),
        ("PASS", rid("shop.example.test", "CNAME")),
        ("FAIL", rid("old-shop.example.test", "CNAME")),
        ("PASS", rid("taken.example.test", "CNAME")),
        ("FAIL", rid("cdn.example.test", "A")),
        ("PASS", rid("api.example.test", "A")),
        ("FAIL", rid("legacy.example.test", "A")),
        ("PASS", rid("office.example.test", "A")),
        ("PASS", rid("intranet.example.test", "A")),
        ("FAIL", rid("weighted.example.test", "A", "blue")),
        ("PASS", rid("weighted.example.test", "A", "green")),
        ("UNKNOWN", rid("docs.example.test", "CNAME")),
        ("PASS", rid("team.example.test", "NS")),
        ("FAIL", rid("old-team.example.test", "NS")),
    }
    assert finding(document, RULE, rid("cdn.example.test", "A"))["severity"] == "low"
    assert finding(document, RULE, rid("www.example.test", "CNAME"))["severity"] == "high"
    assert "enable live checks" in finding(document, RULE, rid("docs.example.test", "CNAME"))["message"]
    assert document["scan"]["errors"] == []


def test_without_aws_ranges_public_addresses_are_unknown(emulator: Emulator, tmp_path: Path) -> None:
    route53 = emulator.client("route53")
    zone = route53.create_hosted_zone(Name="example.test", CallerReference="e2e")["HostedZone"]["Id"].split(
        "/"
    )[-1]
    route53.change_resource_record_sets(
        HostedZoneId=zone, ChangeBatch={"Changes": [_record("legacy.example.test", "A", "54.200.1.2")]}
    )
    document = _scan(emulator, tmp_path, "{}\n")
    assert verdicts(document, RULE) == {("UNKNOWN", f"{zone}/legacy.example.test/A")}


def test_each_record_set_is_kept_as_listed_and_a_fail_records_it(emulator: Emulator, tmp_path: Path) -> None:
    """What `cloudwarden fix` deletes a record set with: the record set exactly as Route53 lists it."""
    route53 = emulator.client("route53")
    zone = route53.create_hosted_zone(Name="example.test", CallerReference="e2e")["HostedZone"]["Id"].split(
        "/"
    )[-1]
    route53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={
            "Changes": [
                _alias("cdn.example.test", "d1234abcd.cloudfront.net", CLOUDFRONT_ZONE),
                _record("weighted.example.test", "A", "54.200.9.9", identifier="blue"),
                _record("*.example.test", "CNAME", "gone.example.test.s3-website-us-east-1.amazonaws.com"),
            ]
        },
    )
    listing = route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    by_name = {record_set["Name"]: record_set for record_set in listing}
    ranges = tmp_path / "ip-ranges.json"
    ranges.write_text(json.dumps({"prefixes": [{"ip_prefix": "54.0.0.0/8"}]}))
    config = tmp_path / "config.yaml"
    config.write_text(f"route53:\n  aws_ip_ranges_file: {ranges}\n")
    saved = tmp_path / "snapshot.json"

    collected = cloudwarden(
        emulator, "collect", "--region", "us-east-1", "--config", str(config), "--output", str(saved)
    )
    evaluated = cloudwarden(
        None, "evaluate", str(saved), "--rule", RULE, "--config", str(config), "--format", "json"
    )

    assert collected.exit_code == 0, collected.stderr
    assert evaluated.exit_code == 1, evaluated.stderr
    (account,) = load_snapshot(saved).accounts
    assert account.route53 is not None
    assert [record.listed for record in account.route53.records] == listing
    fails = {
        found["resource"]["id"]: (found["evidence"]["zone_id"], found["evidence"]["record_set"])
        for found in evaluated.json()["findings"]
        if found["status"] == "FAIL"
    }
    assert fails == {
        f"{zone}/cdn.example.test/A": (zone, by_name["cdn.example.test."]),
        f"{zone}/weighted.example.test/A/blue": (zone, by_name["weighted.example.test."]),
        f"{zone}/*.example.test/CNAME": (zone, by_name["\\052.example.test."]),
    }
