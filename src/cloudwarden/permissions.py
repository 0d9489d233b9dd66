"""The IAM actions the scanner calls: its least-privilege policy (`cloudwarden permissions`).

Derived from the operations collection declares (`collect/operations.py`), the list the read-only
guard enforces, so the policy cannot drift from what the scanner may call. For a few rules it is the
actions of the collections those rules need (`--rule`), the collections a scan of them reads."""

from __future__ import annotations

from collections.abc import Iterable

from cloudwarden.collect.operations import operations_of
from cloudwarden.ruledoc import RuleDoc
from cloudwarden.rules import collections_needed
from cloudwarden.snapshot import ALL_COLLECTIONS

IAM_ACTION_OF_OPERATION = {
    "s3.ListBuckets": "s3:ListAllMyBuckets",
    "s3.GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3control.GetPublicAccessBlock": "s3:GetAccountPublicAccessBlock",
    "s3.HeadBucket": "s3:ListBucket",
    "elb.DescribeLoadBalancers": "elasticloadbalancing:DescribeLoadBalancers",
    "elbv2.DescribeLoadBalancers": "elasticloadbalancing:DescribeLoadBalancers",
    "apigateway.GetRestApis": "apigateway:GET",
    "apigatewayv2.GetApis": "apigateway:GET",
}
"""API operations whose IAM action has another name (keys as in `scan.stats.operations`)."""


def iam_action(operation: str) -> str:
    """The IAM action that allows an API operation written `service.Operation`."""
    service, _, name = operation.partition(".")
    return IAM_ACTION_OF_OPERATION.get(operation, f"{service}:{name}")


def required_actions(rules: Iterable[RuleDoc] | None = None) -> list[str]:
    """What a scanned account's role must allow for a scan of `rules` (every rule when None): the
    actions of the collections they need. Entering other accounts (sts:AssumeRole,
    organizations:ListAccounts) is the scanning identity's own need, listed in docs/usage.md."""
    collections = ALL_COLLECTIONS if rules is None else collections_needed(rules)
    return sorted({iam_action(operation) for operation in operations_of(collections)})
