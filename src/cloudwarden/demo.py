"""The demo's configuration: what the sample organisation's security team has declared.

The emulator's seed and this configuration tell one story: an organization of three accounts,
scanned together (as `--org` does), whose logs go to the security team's
archive account, the website bucket is public on purpose, the NSM proxy is the one group that may
reach the internet, and the CI user's missing MFA is a known, time-boxed exception.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cloudwarden.config import Config, parse_config
from cloudwarden.rules import CONTRACT_RULE_IDS

DEMO_REGIONS = ("us-east-1", "eu-west-1")
DEMO_IP_RANGES = Path(__file__).with_name("demo_ip_ranges.json")
"""An excerpt in AWS's ip-ranges.json format, covering the demo's addresses."""


def demo_config(today: dt.date) -> Config:
    return parse_config(
        {
            "accounts": {"organization": True},
            "cloudtrail": {"trusted_accounts": ["999988887777"]},
            "route53": {"aws_ip_ranges_file": str(DEMO_IP_RANGES)},
            "s3": {"public_buckets": ["www.*"]},
            "security_groups": {"internet_egress_groups": ["tag:role=nsm-proxy"]},
            "suppressions": [
                {
                    "rule": "iam-user-mfa",
                    "resource": "ci-deployer",
                    "reason": "CI user moves to an OIDC role (ticket SEC-142)",
                    "expires": (today + dt.timedelta(days=90)).isoformat(),
                }
            ],
        },
        CONTRACT_RULE_IDS,
        source="demo configuration",
    )
