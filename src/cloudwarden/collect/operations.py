"""Every AWS API operation cloudwarden calls, named as botocore names them: `service.Operation`, the
keys of `scan.stats.operations`.

This is the one list: the read-only guard lets exactly these through and refuses everything else
before it is sent (`session.refuse_undeclared`), and `cloudwarden permissions` prints their IAM
actions. A test checks it against the calls a full scan really makes.
"""

from __future__ import annotations

ACCOUNT_OPERATIONS = frozenset(
    {
        # Who the credentials are (and, in an entered account, that the role landed there); its regions.
        "sts.GetCallerIdentity",
        "ec2.DescribeRegions",
        # IAM. Generating the credential report only asks IAM to build a report of existing credentials.
        "iam.GenerateCredentialReport",
        "iam.GetCredentialReport",
        "iam.GetAccountSummary",
        "iam.ListVirtualMFADevices",
        # S3: the buckets' access settings and the account's Block Public Access.
        "s3.ListBuckets",
        "s3.GetBucketLocation",
        "s3.GetBucketPolicy",
        "s3.GetBucketPolicyStatus",
        "s3.GetBucketAcl",
        "s3.GetPublicAccessBlock",
        "s3.GetBucketOwnershipControls",
        "s3.GetBucketTagging",
        "s3control.GetPublicAccessBlock",
        # CloudTrail: the trails, their status and selectors, the organisation, who owns their buckets
        # (HeadBucket is also how botocore finds a bucket's region after a redirect).
        "cloudtrail.DescribeTrails",
        "cloudtrail.GetTrailStatus",
        "cloudtrail.GetEventSelectors",
        "organizations.DescribeOrganization",
        "s3.HeadBucket",
        # EC2 networking: security groups, the interfaces that carry them, VPCs, prefix lists.
        "ec2.DescribeSecurityGroups",
        "ec2.DescribeNetworkInterfaces",
        "ec2.DescribeVpcs",
        "ec2.DescribeManagedPrefixLists",
        "ec2.GetManagedPrefixListEntries",
        # Route53 and what records may point at. CheckDNSAvailability only asks whether a name is free.
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
    }
)
"""Called in every scanned account, with its own credentials or an assumed role's."""

ENTRY_OPERATIONS = frozenset({"sts.AssumeRole", "organizations.ListAccounts"})
"""Called only with the scan's own credentials, to list and enter other accounts (`--account`,
`--org`): the scanned accounts' roles need none of them."""

DECLARED_OPERATIONS = ACCOUNT_OPERATIONS | ENTRY_OPERATIONS
