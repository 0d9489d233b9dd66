"""Demo data: the root and IAM user situations an audit of the default account must tell apart.

Each seeder fills in one kind of resource; new kinds get a seeder appended to SEEDERS.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cloudwarden_emulator.client import Emulator
from cloudwarden_emulator.state import DEFAULT_ACCOUNT, RootKey, RootState

DEMO_PASSWORD = "Demo-Passw0rd!"


@dataclass(frozen=True)
class DemoUser:
    """An IAM user and the credentials it is given."""

    name: str
    console_password: bool = False
    access_key: bool = False
    virtual_mfa: bool = False


DEMO_USERS = (
    DemoUser("alice", console_password=True, virtual_mfa=True),
    DemoUser("bob", console_password=True),
    DemoUser("ci-deployer", access_key=True),
    DemoUser("auditor-readonly"),
    DemoUser("carol", console_password=True, access_key=True, virtual_mfa=True),
)


def _ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")


def seed_root(emulator: Emulator) -> None:
    """Root with a password and virtual MFA, but also an active access key used three days ago."""
    key = RootKey(active=True, last_rotated=_ago(400), last_used=_ago(3))
    emulator.set_root(DEFAULT_ACCOUNT, RootState(password_present=True, mfa="virtual", access_keys=(key,)))


def seed_iam_users(emulator: Emulator) -> None:
    """Create DEMO_USERS with their console passwords, access keys and enabled virtual MFA devices."""
    iam = emulator.client("iam")
    for user in DEMO_USERS:
        iam.create_user(UserName=user.name)
        if user.console_password:
            iam.create_login_profile(UserName=user.name, Password=DEMO_PASSWORD)
        if user.access_key:
            iam.create_access_key(UserName=user.name)
        if user.virtual_mfa:
            device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user.name)["VirtualMFADevice"]
            iam.enable_mfa_device(
                UserName=user.name,
                SerialNumber=device["SerialNumber"],
                AuthenticationCode1="123456",
                AuthenticationCode2="654321",
            )


def _open_policy(bucket: str, actions: list[str], condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Sid": "Everyone",
        "Effect": "Allow",
        "Principal": "*",
        "Action": actions,
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def seed_buckets(emulator: Emulator) -> None:
    """A website meant to be public, leaky buckets, and private ones that look public at a glance."""
    s3 = emulator.client("s3")
    names = (
        "www.acme-demo.example",
        "acme-customer-exports",
        "acme-partner-drop",
        "acme-vpc-artifacts",
        "acme-legacy-reports",
        "acme-cloudtrail-local",
    )
    for name in names:
        s3.create_bucket(Bucket=name)
    # Public on purpose: the demo configuration lists www.* in s3.public_buckets.
    s3.put_bucket_policy(
        Bucket="www.acme-demo.example", Policy=_open_policy("www.acme-demo.example", ["s3:GetObject"])
    )
    # Leaky: anyone may list and download the exports.
    s3.put_bucket_policy(
        Bucket="acme-customer-exports",
        Policy=_open_policy("acme-customer-exports", ["s3:GetObject", "s3:ListBucket"]),
    )
    # Leaky: any AWS account holder may write through the ACL.
    s3.put_bucket_acl(
        Bucket="acme-partner-drop", GrantWrite="uri=http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
    )
    # Open principal, but only through one VPC endpoint: not public.
    s3.put_bucket_policy(
        Bucket="acme-vpc-artifacts",
        Policy=_open_policy(
            "acme-vpc-artifacts", ["s3:GetObject"], {"StringEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f"}}
        ),
    )
    # A public-read ACL neutralised by the bucket's Block Public Access.
    s3.put_bucket_acl(Bucket="acme-legacy-reports", ACL="public-read")
    s3.put_public_access_block(
        Bucket="acme-legacy-reports",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


ARCHIVE_ACCOUNT = "999988887777"
"""The security team's log archive account (listed in the demo's cloudtrail.trusted_accounts)."""


def seed_trails(emulator: Emulator) -> None:
    """A compliant multi-region trail to the archive account, and a legacy trail to a local bucket."""
    emulator.client("s3", account_id=ARCHIVE_ACCOUNT).create_bucket(Bucket="acme-cloudtrail-archive")
    cloudtrail = emulator.client("cloudtrail")
    cloudtrail.create_trail(
        Name="org-audit",
        S3BucketName="acme-cloudtrail-archive",
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
    )
    cloudtrail.start_logging(Name="org-audit")
    # Single-region, into a bucket of the audited account itself: an attacker could erase it.
    cloudtrail.create_trail(Name="legacy-local", S3BucketName="acme-cloudtrail-local")
    cloudtrail.start_logging(Name="legacy-local")


def _from_cidr(protocol: str, port: int | None, cidr: str) -> dict[str, Any]:
    permission: dict[str, Any] = {"IpProtocol": protocol, "IpRanges": [{"CidrIp": cidr}]}
    return permission if port is None else permission | {"FromPort": port, "ToPort": port}


def _from_group(protocol: str, low: int, high: int, group: str) -> dict[str, Any]:
    return {"IpProtocol": protocol, "FromPort": low, "ToPort": high, "UserIdGroupPairs": [{"GroupId": group}]}


def seed_network(emulator: Emulator) -> None:
    """A three-tier VPC: web tier, an SSH bastion open to the world, a database open on every port to
    the app tier, the NSM proxy that alone may reach the internet, AWS's default group rule, and RDP
    open to the world through a prefix list."""
    ec2 = emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "acme-prod"}])
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.1.0/24")["Subnet"]["SubnetId"]
    default = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    # Real AWS creates the default group with "All traffic from itself"; the emulator does not.
    ec2.authorize_security_group_ingress(
        GroupId=default, IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": default}]}]
    )

    def group(name: str, tags: dict[str, str] | None = None) -> str:
        group_id = str(ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"])
        if tags:
            ec2.create_tags(Resources=[group_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        return group_id

    def open_egress_only_to(group_id: str, *permissions: dict[str, Any]) -> None:
        ec2.revoke_security_group_egress(
            GroupId=group_id, IpPermissions=[_from_cidr("-1", None, "0.0.0.0/0")]
        )
        if permissions:
            ec2.authorize_security_group_egress(GroupId=group_id, IpPermissions=list(permissions))

    proxy = group("nsm-proxy", {"role": "nsm-proxy"})
    web = group("web-tier")
    ec2.authorize_security_group_ingress(
        GroupId=web, IpPermissions=[_from_cidr("tcp", 443, "0.0.0.0/0"), _from_cidr("tcp", 80, "0.0.0.0/0")]
    )
    open_egress_only_to(web, _from_group("tcp", 3128, 3128, proxy))
    bastion = group("ssh-bastion")
    ec2.authorize_security_group_ingress(GroupId=bastion, IpPermissions=[_from_cidr("tcp", 22, "0.0.0.0/0")])
    app = group("app-tier")
    ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[_from_group("tcp", 8080, 8080, web)])
    open_egress_only_to(app, _from_group("tcp", 3128, 3128, proxy))
    database = group("database")
    ec2.authorize_security_group_ingress(GroupId=database, IpPermissions=[_from_group("tcp", 0, 65535, app)])
    open_egress_only_to(database)
    ec2.authorize_security_group_ingress(GroupId=proxy, IpPermissions=[_from_group("tcp", 3128, 3128, web)])
    # No inbound rule, only an outbound rule to the database: fine alone, mixed on the app servers.
    db_clients = group("db-clients")
    open_egress_only_to(db_clients, _from_group("tcp", 5432, 5432, database))
    # RDP for a vendor, from a customer-managed prefix list to which someone added 0.0.0.0/0.
    vendor_ips = ec2.create_managed_prefix_list(
        PrefixListName="vendor-ips",
        AddressFamily="IPv4",
        MaxEntries=5,
        Entries=[
            {"Cidr": "198.51.100.0/24", "Description": "vendor office"},
            {"Cidr": "0.0.0.0/0", "Description": "temporary, for the migration"},
        ],
    )["PrefixList"]["PrefixListId"]
    vendor = group("vendor-rdp")
    ec2.authorize_security_group_ingress(
        GroupId=vendor,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 3389,
                "ToPort": 3389,
                "PrefixListIds": [{"PrefixListId": vendor_ips}],
            }
        ],
    )
    open_egress_only_to(vendor)
    interfaces = ([web], [bastion], [app, db_clients], [database], [proxy], [default], [vendor])
    for groups in interfaces:
        ec2.create_network_interface(SubnetId=subnet, Groups=groups, Description="+".join(groups))


def seed_dns(emulator: Emulator) -> None:
    """A public zone with one of each kind of leftover, beside records that are still ours."""
    held = emulator.client("ec2").allocate_address(Domain="vpc")["PublicIp"]
    beanstalk = emulator.client("elasticbeanstalk")
    beanstalk.create_application(ApplicationName="acme-shop")
    beanstalk.create_environment(
        ApplicationName="acme-shop", EnvironmentName="shop-prod", CNAMEPrefix="acme-shop"
    )
    route53 = emulator.client("route53")
    zone = route53.create_hosted_zone(Name="acme-demo.example", CallerReference="demo")["HostedZone"]["Id"]

    def record(name: str, kind: str, *values: str) -> dict[str, Any]:
        entry = {"Name": f"{name}.acme-demo.example", "Type": kind, "TTL": 300}
        return {
            "Action": "CREATE",
            "ResourceRecordSet": entry | {"ResourceRecords": [{"Value": v} for v in values]},
        }

    changes = [
        # Still ours.
        record("www", "CNAME", "www.acme-demo.example.s3-website-us-east-1.amazonaws.com"),
        record("shop", "CNAME", "acme-shop.us-east-1.elasticbeanstalk.com"),
        record("api", "A", held),
        record("intranet", "A", "10.42.1.10"),
        # Leftovers: a deleted bucket, a terminated environment, a released address, a stale CDN,
        # a forgotten delegation, and a third-party page nobody has checked.
        record("assets", "CNAME", "assets.acme-demo.example.s3-website-us-east-1.amazonaws.com"),
        record("promo", "CNAME", "acme-promo-2019.us-east-1.elasticbeanstalk.com"),
        record("legacy", "A", "54.214.77.12"),
        record("cdn", "CNAME", "d3k2example.cloudfront.net"),
        record("staging", "NS", "ns-1536.awsdns-00.co.uk", "ns-512.awsdns-00.net"),
        record("docs", "CNAME", "acme-demo.github.io"),
        record("mail", "MX", "10 mx.acme-demo.example"),
    ]
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})


def seed_members(emulator: Emulator) -> None:
    """An organization around the default (management) account, with two member accounts:
    `acme-dev`, whose root access is managed centrally and whose trail ships to the archive, and
    `acme-sandbox`, whose root has no MFA, was used yesterday, and which has no trail at all."""
    organizations = emulator.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    for name in ("acme-dev", "acme-sandbox"):
        organizations.create_account(AccountName=name, Email=f"{name}@acme-demo.example")
    members = {
        account["Name"]: account["Id"]
        for account in organizations.list_accounts()["Accounts"]
        if account["Id"] != DEFAULT_ACCOUNT
    }
    dev, sandbox = members["acme-dev"], members["acme-sandbox"]
    emulator.set_root(dev, RootState(password_present=False))
    emulator.set_root(sandbox, RootState(password_present=True, mfa="none", password_last_used=_ago(1)))
    cloudtrail = emulator.client("cloudtrail", account_id=dev)
    cloudtrail.create_trail(
        Name="dev-audit",
        S3BucketName="acme-cloudtrail-archive",
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
    )
    cloudtrail.start_logging(Name="dev-audit")
    sandbox_iam = emulator.client("iam", account_id=sandbox)
    sandbox_iam.create_user(UserName="experiment-bot")
    sandbox_iam.create_access_key(UserName="experiment-bot")
    sandbox_s3 = emulator.client("s3", account_id=sandbox)
    sandbox_s3.create_bucket(Bucket="acme-sandbox-scratch")


SEEDERS: tuple[Callable[[Emulator], None], ...] = (
    seed_root,
    seed_iam_users,
    seed_buckets,
    seed_trails,
    seed_network,
    seed_dns,
    seed_members,
)


def seed_demo(emulator: Emulator) -> None:
    """Fill the demo organization with its data, dated relative to now."""
    for seeder in SEEDERS:
        seeder(emulator)
