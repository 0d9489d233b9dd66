"""The IAM actions the scanner calls: its least-privilege policy (`cloudwarden permissions`)."""

from __future__ import annotations

from collections.abc import Sequence

from cloudwarden.rules import RULES, Rule

COLLECTION_ACTIONS = ("sts:GetCallerIdentity", "ec2:DescribeRegions")
"""Called by every scan, whatever the rules: who the credentials are, which regions exist."""


def required_actions(rules: Sequence[Rule] = RULES) -> list[str]:
    return sorted({*COLLECTION_ACTIONS, *(action for rule in rules for action in rule.permissions)})
