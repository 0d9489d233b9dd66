"""The IAM actions the scanner calls: its least-privilege policy (`cloudwarden permissions`)."""

from __future__ import annotations

from collections.abc import Sequence

from cloudwarden.rules import RULES, Rule

COLLECTION_ACTIONS = (
    "sts:GetCallerIdentity",
    "ec2:DescribeRegions",
    "ec2:DescribeVpcs",
    "ec2:DescribeManagedPrefixLists",
    "ec2:GetManagedPrefixListEntries",
)
"""Called by every scan, whatever the rules: who the credentials are, which regions exist, and the
network context recorded beside the security groups (VPCs, the prefix lists their rules name and
their entries)."""


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


def required_actions(rules: Sequence[Rule] = RULES) -> list[str]:
    return sorted({*COLLECTION_ACTIONS, *(action for rule in rules for action in rule.permissions)})
