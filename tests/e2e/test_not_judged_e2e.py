"""A scan that could not judge is never a green run: with no FAIL, UNKNOWN after a failed call exits 3.

Each case is run twice, calm and with the refusal, so that the test shows the refusal, and nothing
else, turns exit 0 into exit 3.
"""

from __future__ import annotations

from typing import Any

from cloudwarden_emulator import Emulator

from .scanner import cloudwarden, ship_trail_to_archive, verdicts

ACCOUNT = "123456789012"
CLOUDTRAIL = "cloudtrail-segregated-storage"
ONE_LINE = (
    "cloudwarden: 1 finding(s) could not be judged (UNKNOWN after a failed call or a rule error): exit 3\n"
)


def _scan_cloudtrail(emulator: Emulator, *regions: str) -> tuple[int, dict[str, Any], str]:
    region_args = [argument for region in regions for argument in ("--region", region)]
    run = cloudwarden(emulator, "scan", *region_args, "--rule", CLOUDTRAIL, "--format", "json")
    return run.exit_code, run.json(), run.stderr


def test_denied_describe_trails_everywhere_is_unknown_and_exits_3(emulator: Emulator) -> None:
    ship_trail_to_archive(emulator)
    code, document, stderr = _scan_cloudtrail(emulator, "us-east-1", "eu-west-1")
    assert (code, verdicts(document, CLOUDTRAIL)) == (0, {("PASS", ACCOUNT)})

    emulator.inject_error("cloudtrail", "DescribeTrails", code="AccessDeniedException", message="denied")
    code, document, stderr = _scan_cloudtrail(emulator, "us-east-1", "eu-west-1")
    assert verdicts(document, CLOUDTRAIL) == {("UNKNOWN", ACCOUNT)}
    (only,) = document["findings"]
    assert only["unknown_cause"] == "failed-call"
    assert "DescribeTrails" in only["message"]
    assert "global service events" not in only["message"]
    assert code == 3
    assert stderr == ONE_LINE


def test_one_region_refusing_cloudtrail_is_not_a_green_run(emulator: Emulator) -> None:
    ship_trail_to_archive(emulator)
    emulator.inject_error("cloudtrail", code="AccessDeniedException", message="denied", region="eu-west-1")
    code, document, stderr = _scan_cloudtrail(emulator, "us-east-1", "eu-west-1")
    assert verdicts(document, CLOUDTRAIL) == {("UNKNOWN", ACCOUNT)}
    assert code == 3
    assert stderr == ONE_LINE

    code, document, _ = _scan_cloudtrail(emulator, "us-east-1")
    assert (code, verdicts(document, CLOUDTRAIL)) == (0, {("PASS", ACCOUNT)})


def test_unknown_by_set_up_keeps_a_green_run(emulator: Emulator) -> None:
    """A record to a public address without AWS's ranges file is UNKNOWN by choice, not for a failure."""
    route53 = emulator.client("route53")
    zone = route53.create_hosted_zone(Name="example.org", CallerReference="exit-codes")["HostedZone"]["Id"]
    route53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "www.example.org",
                        "Type": "A",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": "54.240.7.10"}],
                    },
                }
            ]
        },
    )
    run = cloudwarden(
        emulator, "scan", "--region", "us-east-1", "--rule", "route53-no-dangling-records", "--format", "json"
    )
    (only,) = run.json()["findings"]
    assert (only["status"], only["unknown_cause"]) == ("UNKNOWN", "not-checked")
    assert run.exit_code == 0
    assert run.stderr == ""
