"""route53-no-dangling-records in an organisation laid out as most are: the zone in the management
account, the Elastic IP and the website bucket it points at in a member account.

`--org` sees the member's inventory, so its records PASS naming the member; scanned alone, the DNS
account trusts the member (route53.trusted_accounts): S3 confirms the bucket's owner (PASS), but the
address, which only the member's inventory could show, is UNKNOWN (not checked), not FAIL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cloudwarden_emulator import Emulator
from cloudwarden_emulator.state import DEFAULT_ACCOUNT

from .scanner import (
    HELD_ADDRESS,
    WEBSITE,
    CentralDns,
    central_dns_organisation,
    finding,
    scan_rule,
    verdicts,
)

RULE = "route53-no-dangling-records"


@pytest.fixture
def organisation(emulator: Emulator, tmp_path: Path) -> CentralDns:
    return central_dns_organisation(emulator, tmp_path)


def _scan(emulator: Emulator, tmp_path: Path, config: str, *extra: str) -> dict[str, Any]:
    run = scan_rule(emulator, tmp_path, RULE, config, *extra)
    assert run.exit_code == 1, run.stderr  # the records nobody holds FAIL
    return run.json()


def test_org_scan_passes_records_whose_targets_a_member_holds(
    emulator: Emulator, tmp_path: Path, organisation: CentralDns
) -> None:
    member, zone, ranges = organisation.member, organisation.zone, organisation.ranges
    document = _scan(emulator, tmp_path, f"route53:\n  aws_ip_ranges_file: {ranges}\n", "--org")
    assert verdicts(document, RULE) == {
        ("PASS", f"{zone}/app.example.test/A"),
        ("FAIL", f"{zone}/old.example.test/A"),
        ("PASS", f"{zone}/{WEBSITE}/CNAME"),
        ("FAIL", f"{zone}/gone.example.test/CNAME"),
    }
    address = finding(document, RULE, f"{zone}/app.example.test/A")
    assert address["account"] == DEFAULT_ACCOUNT
    assert f"{HELD_ADDRESS} by account {member}" in address["message"]
    assert address["evidence"]["held_by"] == [{"address": HELD_ADDRESS, "account": member, "region": None}]
    bucket = finding(document, RULE, f"{zone}/{WEBSITE}/CNAME")
    assert f"account {member} (us-east-1)" in bucket["message"]
    assert bucket["evidence"]["held_by"] == {"account": member, "region": "us-east-1"}


def test_dns_account_alone_trusting_the_member_confirms_the_bucket_and_cannot_judge_the_address(
    emulator: Emulator, tmp_path: Path, organisation: CentralDns
) -> None:
    member, zone, ranges = organisation.member, organisation.zone, organisation.ranges
    config = f"route53:\n  aws_ip_ranges_file: {ranges}\n  trusted_accounts: ['{member}']\n"
    document = _scan(emulator, tmp_path, config)
    assert document["scan"]["accounts"] == [DEFAULT_ACCOUNT]
    assert verdicts(document, RULE) == {
        ("UNKNOWN", f"{zone}/app.example.test/A"),
        ("UNKNOWN", f"{zone}/old.example.test/A"),
        ("PASS", f"{zone}/{WEBSITE}/CNAME"),
        ("FAIL", f"{zone}/gone.example.test/CNAME"),
    }
    address = finding(document, RULE, f"{zone}/app.example.test/A")
    assert address["unknown_cause"] == "not-checked"
    assert member in address["message"]
    bucket = finding(document, RULE, f"{zone}/{WEBSITE}/CNAME")
    assert (
        bucket["message"]
        == f"S3 serves the bucket named {WEBSITE}, which S3 confirms the trusted account {member} owns"
    )
    assert "no such bucket exists" in finding(document, RULE, f"{zone}/gone.example.test/CNAME")["message"]
    assert document["scan"]["errors"] == []
    assert document["scan"]["stats"]["operations"]["s3.HeadBucket"]["calls"] >= 2
