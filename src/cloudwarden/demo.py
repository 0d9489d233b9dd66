"""The demo's configuration: what the sample organisation's security team has declared.

The emulator's seed and this configuration tell one story: the logs go to the security team's
archive account, the website bucket is public on purpose, the NSM proxy is the one group that may
reach the internet, and the CI user's missing MFA is a known, time-boxed exception.
"""

from __future__ import annotations

import datetime as dt

from cloudwarden.config import Config, parse_config
from cloudwarden.rules import CONTRACT_RULE_IDS

DEMO_REGIONS = ("us-east-1", "eu-west-1")


def demo_config(today: dt.date) -> Config:
    return parse_config(
        {
            "cloudtrail": {"trusted_accounts": ["999988887777"]},
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
