"""The demo: the embedded AWS emulator, seeded with a sample organisation, collected as a real one is,
with the configuration its security team has declared.

The emulator's seed and this configuration tell one story: an organization of three accounts,
scanned together (as `--org` does), whose logs go to the security team's
archive account, the website bucket is public on purpose, the NSM proxy is the one group that may
reach the internet, and the CI user's missing MFA is a known, time-boxed exception.

The emulator and moto are the optional extra `cloudwarden[demo]`: this is the one module of
cloudwarden that imports `cloudwarden_emulator`, and only when a demo is asked for.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from cloudwarden.collect import CollectOptions, collect
from cloudwarden.config import Config, parse_config
from cloudwarden.progress import progress_display
from cloudwarden.rules import RULE_IDS
from cloudwarden.snapshot import Snapshot

DEMO_EXTRA = "cloudwarden[demo]"
"""What to install for `cloudwarden demo`: the emulator and the moto it patches."""

_SERVER_MODULES = ("moto", "flask")
"""What the emulator's server imports beyond the scanner's own dependencies: moto and its server part.
The server runs in a process of its own, where a missing one would only show as a failed start, so
they are looked up (not imported: moto is slow to import and only the server may patch it) first."""

_PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN")
"""Removed from the environment while the demo scans its emulator, so no real profile is read."""

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
        RULE_IDS,
        source="demo configuration",
    )


class DemoUnavailable(Exception):
    """The emulator is not installed: one line saying what to install."""


class DemoScan:
    """The demo's collection. Made first, so that a missing emulator is the first thing said."""

    def __init__(self) -> None:
        try:
            from cloudwarden_emulator import Emulator
            from cloudwarden_emulator.seed import seed_demo
        except ImportError as error:
            raise _unavailable(error.name or "cloudwarden_emulator") from error
        for name in _SERVER_MODULES:
            try:
                found = importlib.util.find_spec(name) is not None
            except ImportError:
                found = False
            if not found:
                raise _unavailable(name)
        self._emulator = Emulator
        self._seed = seed_demo

    def collect(self, settings: Config) -> Snapshot:
        """Start the emulator, seed it with the sample organisation, and collect its `DEMO_REGIONS`
        through the same code path as a real scan (boto3 over HTTP, the organisation's accounts
        entered by AssumeRole)."""
        sys.stderr.write("starting the embedded AWS emulator on 127.0.0.1 ...\n")
        with self._emulator() as emulator:
            self._seed(emulator)
            with _environment(emulator.env()):
                options = CollectOptions.from_config(settings, regions=DEMO_REGIONS)
                with progress_display() as progress:
                    return collect(options, progress)


def _unavailable(module: str) -> DemoUnavailable:
    return DemoUnavailable(
        f"the demo needs the AWS emulator, an optional extra ({module} cannot be imported): "
        f"pip install '{DEMO_EXTRA}'"
    )


@contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    """The process's environment replaced by `variables` for the block. The emulator's environment
    is complete: nothing of the user's AWS settings may leak in (a service-specific endpoint
    variable would send calls to real AWS)."""
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(variables)
        for name in _PROFILE_VARIABLES:
            os.environ.pop(name, None)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
