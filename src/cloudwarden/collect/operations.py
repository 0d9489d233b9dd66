"""Every AWS API operation cloudwarden calls, named as botocore names them: `service.Operation`, the
keys of `scan.stats.operations`, declared per collection.

This is the one list: the read-only guard lets exactly these through and refuses everything else
before it is sent (`session.refuse_undeclared`), and `cloudwarden permissions` prints their IAM
actions, for every rule or for the collections of the rules asked. A test checks it against the
calls a full scan really makes, and a scan of one collection against the calls it makes.
"""

from __future__ import annotations

from collections.abc import Iterable

from cloudwarden.snapshot import ALL_COLLECTIONS, Collection

BASE_OPERATIONS = frozenset(
    {
        # Who the credentials are (and, in an entered account, that the role landed there); its regions,
        # read whatever is collected: most collections are per region.
        "sts.GetCallerIdentity",
        "ec2.DescribeRegions",
    }
)
"""Called in every scanned account, whatever it collects."""

OPERATIONS_BY_COLLECTION: dict[Collection, frozenset[str]] = {
    Collection.IAM: frozenset(
        {
            # Generating the credential report only asks IAM to build a report of existing credentials.
            "iam.GenerateCredentialReport",
            "iam.GetCredentialReport",
            "iam.GetAccountSummary",
            "iam.ListVirtualMFADevices",
            # The access keys of the users whose keys work without MFA (the report names no key).
            "iam.ListAccessKeys",
        }
    ),
    Collection.S3: frozenset(
        {
            # The buckets' access settings and the account's Block Public Access (not their tags: no
            # rule reads them, and a bucket's tags cost one call per bucket).
            "s3.ListBuckets",
            "s3.GetBucketLocation",
            "s3.GetBucketPolicy",
            "s3.GetBucketPolicyStatus",
            "s3.GetBucketAcl",
            "s3.GetPublicAccessBlock",
            "s3.GetBucketOwnershipControls",
            "s3control.GetPublicAccessBlock",
        }
    ),
    Collection.CLOUDTRAIL: frozenset(
        {
            # The trails, their status and selectors, the organisation, who owns their buckets
            # (HeadBucket is also how botocore finds a bucket's region after a redirect).
            "cloudtrail.DescribeTrails",
            "cloudtrail.GetTrailStatus",
            "cloudtrail.GetEventSelectors",
            "organizations.DescribeOrganization",
            "s3.HeadBucket",
        }
    ),
    Collection.EC2: frozenset(
        {
            # Security groups, the interfaces that carry them, VPCs, prefix lists.
            "ec2.DescribeSecurityGroups",
            "ec2.DescribeNetworkInterfaces",
            "ec2.DescribeVpcs",
            "ec2.DescribeManagedPrefixLists",
            "ec2.GetManagedPrefixListEntries",
        }
    ),
    Collection.ROUTE53: frozenset(
        {
            # The zones and what records may point at. CheckDNSAvailability only asks whether a name is
            # free; HeadBucket asks the trusted accounts who owns a bucket that records serve.
            "route53.ListHostedZones",
            "route53.GetHostedZone",
            "route53.ListResourceRecordSets",
            "cloudfront.ListDistributions",
            "ec2.DescribeAddresses",
            "elb.DescribeLoadBalancers",
            "elbv2.DescribeLoadBalancers",
            "elasticbeanstalk.DescribeEnvironments",
            "elasticbeanstalk.CheckDNSAvailability",
            "apigateway.GetRestApis",
            "apigatewayv2.GetApis",
            "s3.HeadBucket",
        }
    ),
}
"""What collecting each part of an account calls (`Collection`)."""

REQUIRES: dict[Collection, frozenset[Collection]] = {
    Collection.ROUTE53: frozenset({Collection.EC2, Collection.S3}),
}
"""Collections another one is built from: Route53's inventory takes the public addresses of the
network interfaces from EC2, and asks about a bucket a record serves only if S3 says the account
does not own it. Asking for Route53 therefore collects EC2 and S3 too, and the snapshot says so."""


def with_requirements(collections: Iterable[Collection]) -> frozenset[Collection]:
    """`collections` and every collection they are built from."""
    wanted = set(collections)
    pending = list(wanted)
    while pending:
        for required in REQUIRES.get(pending.pop(), frozenset()) - wanted:
            wanted.add(required)
            pending.append(required)
    return frozenset(wanted)


def operations_of(collections: Iterable[Collection]) -> frozenset[str]:
    """Every operation a scan of `collections` may call in an account (their requirements and the
    regions included)."""
    return BASE_OPERATIONS.union(
        *(OPERATIONS_BY_COLLECTION[collection] for collection in with_requirements(collections))
    )


ACCOUNT_OPERATIONS = operations_of(ALL_COLLECTIONS)
"""Called in every scanned account, with its own credentials or an assumed role's."""

ENTRY_OPERATIONS = frozenset({"sts.AssumeRole", "organizations.ListAccounts"})
"""Called only with the scan's own credentials, to list and enter other accounts (`--account`,
`--org`): the scanned accounts' roles need none of them."""

DECLARED_OPERATIONS = ACCOUNT_OPERATIONS | ENTRY_OPERATIONS
