"""Every paginated collection read past its first page, end to end.

Moto answers most listings whole, so a scanner that read only the first page would pass every other
test; here the emulator answers each listing a few items a page (`Emulator.set_page_size`), and the
scan must see every item: exact sets of verdicts, a FAIL (or a PASS that needs an item) planted on a
later page, and the number of calls in `scan.stats.operations` proving that more than one page was
read. Page sizes are small so that a handful of resources makes several pages.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cloudwarden_emulator import Emulator, RootState
from cloudwarden_emulator.state import DEFAULT_ACCOUNT

from .scanner import cloudwarden, finding, scan_rule, verdicts

SG_RULES = ("sg-minimal-inbound", "sg-inbound-rules-only")
DNS_RULE = "route53-no-dangling-records"
S3_RULE = "s3-no-public-access"


def _scan(
    emulator: Emulator, directory: Path, rules: tuple[str, ...], config: str = "{}\n"
) -> dict[str, Any]:
    path = directory / "config.yaml"
    path.write_text(config)
    chosen = [argument for rule in rules for argument in ("--rule", rule)]
    run = cloudwarden(
        emulator, "scan", "--region", "us-east-1", *chosen, "--format", "json", "--config", str(path)
    )
    assert run.exit_code in (0, 1), run.stderr
    document = run.json()
    assert document["scan"]["errors"] == []
    return document


def _calls(document: dict[str, Any], operation: str) -> int:
    calls: int = document["scan"]["stats"]["operations"][operation]["calls"]
    return calls


def _mine(document: dict[str, Any], rule: str, ids: set[str]) -> set[tuple[str, str]]:
    return {(status, resource) for status, resource in verdicts(document, rule) if resource in ids}


def _open(protocol: str, port: int | None, source: str) -> dict[str, Any]:
    permission: dict[str, Any] = {"IpProtocol": protocol, "IpRanges": [{"CidrIp": source}]}
    return permission if port is None else permission | {"FromPort": port, "ToPort": port}


def _from_list(port: int, prefix_list: str) -> dict[str, Any]:
    return {
        "IpProtocol": "tcp",
        "FromPort": port,
        "ToPort": port,
        "PrefixListIds": [{"PrefixListId": prefix_list}],
    }


def _from_group(port: int, group: str) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "UserIdGroupPairs": [{"GroupId": group}]}


def test_security_groups_interfaces_and_vpcs_beyond_the_first_page(
    emulator: Emulator, tmp_path: Path
) -> None:
    ec2 = emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]

    def group(name: str, *ingress: dict[str, Any]) -> str:
        group_id = str(ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"])
        if ingress:
            ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=list(ingress))
        return group_id

    quiet = [group(f"quiet-{index}", _open("tcp", 443, "10.40.0.0/16")) for index in range(4)]
    inbound_only = group("inbound-only", _open("tcp", 9000, "10.40.0.0/16"))
    ec2.revoke_security_group_egress(GroupId=inbound_only, IpPermissions=[_open("-1", None, "0.0.0.0/0")])
    governing = group("governing")
    ec2.revoke_security_group_egress(GroupId=governing, IpPermissions=[_open("-1", None, "0.0.0.0/0")])
    ec2.authorize_security_group_egress(GroupId=governing, IpPermissions=[_from_group(5432, quiet[0])])
    bastion = group("bastion", _open("tcp", 22, "0.0.0.0/0"))  # created last: listed on a later page

    def interface(*groups: str) -> str:
        created = ec2.create_network_interface(SubnetId=subnet, Groups=list(groups))
        return str(created["NetworkInterface"]["NetworkInterfaceId"])

    pairs = [interface(quiet[index], quiet[(index + 1) % 4]) for index in range(4)]
    mixed = interface(inbound_only, governing)  # the interface that fails, created last
    groups = {*quiet, inbound_only, governing, bastion}
    all_groups = ec2.describe_security_groups()["SecurityGroups"]
    emulator.set_page_size("ec2", "DescribeSecurityGroups", 2)
    emulator.set_page_size("ec2", "DescribeNetworkInterfaces", 2)
    emulator.set_page_size("ec2", "DescribeVpcs", 1)

    document = _scan(emulator, tmp_path, SG_RULES)

    assert _mine(document, "sg-minimal-inbound", groups) == {("FAIL", bastion)} | {
        ("PASS", group_id) for group_id in groups - {bastion}
    }
    assert _mine(document, "sg-inbound-rules-only", groups | {*pairs, mixed}) == {("FAIL", mixed)} | {
        ("PASS", resource) for resource in groups | set(pairs)
    }
    seen = {resource for _, resource in verdicts(document, "sg-minimal-inbound")}
    assert seen == {group["GroupId"] for group in all_groups}
    # Interfaces counted on every page; VPCs known on both pages (the default one and this one).
    assert finding(document, "sg-minimal-inbound", quiet[0])["evidence"]["interfaces"] == 2
    assert finding(document, "sg-minimal-inbound", governing)["evidence"]["interfaces"] == 1
    assert {
        finding(document, "sg-minimal-inbound", group_id)["evidence"]["default_vpc"] for group_id in groups
    } == {False}
    default_groups = {group["GroupId"] for group in all_groups if group["VpcId"] != vpc}
    assert {
        finding(document, "sg-minimal-inbound", group_id)["evidence"]["default_vpc"]
        for group_id in default_groups
    } == {True}
    assert _calls(document, "ec2.DescribeSecurityGroups") == (len(all_groups) + 1) // 2
    assert _calls(document, "ec2.DescribeNetworkInterfaces") == 3  # five interfaces
    assert _calls(document, "ec2.DescribeVpcs") == 2


def test_prefix_lists_and_their_entries_beyond_the_first_page(emulator: Emulator, tmp_path: Path) -> None:
    ec2 = emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]

    def prefix_list(name: str, *cidrs: str) -> str:
        created = ec2.create_managed_prefix_list(
            PrefixListName=name,
            AddressFamily="IPv4",
            MaxEntries=10,
            Entries=[{"Cidr": cidr, "Description": name} for cidr in cidrs],
        )
        return str(created["PrefixList"]["PrefixListId"])

    def group(name: str, prefix_list_id: str) -> str:
        group_id = str(ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"])
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[_from_list(22, prefix_list_id)])
        return group_id

    offices = [prefix_list(f"office-{index}", f"198.51.100.{index * 16}/28") for index in range(3)]
    # Everyone hides behind four office ranges: on the third page of entries.
    mostly_offices = prefix_list(
        "mostly-offices",
        "203.0.113.0/28",
        "203.0.113.16/28",
        "203.0.113.32/28",
        "203.0.113.48/28",
        "0.0.0.0/0",
    )
    office_ssh = [group(f"ssh-from-office-{index}", office) for index, office in enumerate(offices)]
    open_ssh = group("ssh-from-mostly-offices", mostly_offices)
    emulator.set_page_size("ec2", "DescribeManagedPrefixLists", 1)
    emulator.set_page_size("ec2", "GetManagedPrefixListEntries", 2)

    document = _scan(emulator, tmp_path, ("sg-minimal-inbound",))

    assert _mine(document, "sg-minimal-inbound", {*office_ssh, open_ssh}) == {("FAIL", open_ssh)} | {
        ("PASS", group_id) for group_id in office_ssh
    }
    assert f"in prefix list {mostly_offices}" in json.dumps(finding(document, "sg-minimal-inbound", open_ssh))
    assert _calls(document, "ec2.DescribeManagedPrefixLists") == 4  # four lists named, one a page
    assert _calls(document, "ec2.GetManagedPrefixListEntries") == 3 + 3  # one page each, three for five


def test_buckets_beyond_the_first_page(emulator: Emulator, tmp_path: Path) -> None:
    s3 = emulator.client("s3")
    private = {f"private-{index}" for index in range(4)}
    for name in sorted(private):
        s3.create_bucket(Bucket=name)
    s3.create_bucket(Bucket="zz-public")  # last by name and by creation: the last page either way
    s3.put_bucket_policy(
        Bucket="zz-public",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::zz-public/*",
                    }
                ],
            }
        ),
    )
    emulator.set_page_size("s3", "ListBuckets", 2)

    document = _scan(emulator, tmp_path, (S3_RULE,))

    assert verdicts(document, S3_RULE) == {("FAIL", "zz-public")} | {("PASS", name) for name in private}
    assert _calls(document, "s3.ListBuckets") == 3


def test_assigned_virtual_mfa_devices_beyond_the_first_page(emulator: Emulator, tmp_path: Path) -> None:
    """The root user's virtual device comes last, after the users' own: missing it would take root's
    MFA for a hardware key."""
    iam = emulator.client("iam")
    for index in range(4):
        user = f"user-{index}"
        iam.create_user(UserName=user)
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(
            UserName=user, SerialNumber=device, AuthenticationCode1="123456", AuthenticationCode2="654321"
        )
    emulator.set_root(DEFAULT_ACCOUNT, RootState(mfa="virtual"))
    emulator.set_page_size("iam", "ListVirtualMFADevices", 2)

    document = _scan(emulator, tmp_path, ("root-mfa",))

    assert verdicts(document, "root-mfa") == {("PASS", DEFAULT_ACCOUNT)}
    assert finding(document, "root-mfa", DEFAULT_ACCOUNT)["evidence"]["mfa"] == "virtual"
    assert _calls(document, "iam.ListVirtualMFADevices") == 3  # four users' devices and root's


def _record(name: str, kind: str, value: str, identifier: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"Name": name, "Type": kind, "TTL": 300, "ResourceRecords": [{"Value": value}]}
    if identifier:
        record |= {"SetIdentifier": identifier, "Weight": 50}
    return {"Action": "CREATE", "ResourceRecordSet": record}


def test_hosted_zones_and_record_sets_beyond_the_first_page(emulator: Emulator, tmp_path: Path) -> None:
    s3 = emulator.client("s3")
    route53 = emulator.client("route53")
    zones = {}
    for name in ("one.test", "two.test", "three.test"):
        zone = route53.create_hosted_zone(Name=name, CallerReference=name)["HostedZone"]["Id"].rsplit("/", 1)[
            -1
        ]
        zones[name] = zone
        s3.create_bucket(Bucket=f"www.{name}")
        s3.create_bucket(Bucket=f"weighted.{name}")
        # Records are listed by reversed name, three a page: [NS, SOA, weighted blue], [weighted green,
        # www, zz]; S3 serves the bucket named like the record, which "zz" lacks.
        changes = [
            _record(f"www.{name}", "CNAME", f"www.{name}.s3-website-us-east-1.amazonaws.com"),
            _record(f"weighted.{name}", "CNAME", f"www.{name}.s3-website-us-east-1.amazonaws.com", "blue"),
            _record(f"weighted.{name}", "CNAME", f"www.{name}.s3-website-us-east-1.amazonaws.com", "green"),
            _record(f"zz.{name}", "CNAME", f"zz.{name}.s3-website-us-east-1.amazonaws.com"),
        ]
        route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
    emulator.set_page_size("route53", "ListHostedZones", 1)
    emulator.set_page_size("route53", "ListResourceRecordSets", 3)

    document = _scan(emulator, tmp_path, (DNS_RULE,))

    expected = set()
    for name, zone in zones.items():
        expected |= {
            ("PASS", f"{zone}/www.{name}/CNAME"),
            ("PASS", f"{zone}/weighted.{name}/CNAME/blue"),
            ("PASS", f"{zone}/weighted.{name}/CNAME/green"),
            ("FAIL", f"{zone}/zz.{name}/CNAME"),
        }
    assert verdicts(document, DNS_RULE) == expected
    assert _calls(document, "route53.ListHostedZones") == 3
    assert _calls(document, "route53.ListResourceRecordSets") == 3 * 2


def test_load_balancers_and_apis_beyond_the_first_page(emulator: Emulator, tmp_path: Path) -> None:
    """A record to a load balancer or API of the account passes only if the scan sees it: the ones
    the records point at are created last, on the last page."""
    ec2 = emulator.client("ec2")
    subnets = [subnet["SubnetId"] for subnet in ec2.describe_subnets()["Subnets"]][:2]
    classic, modern = emulator.client("elb"), emulator.client("elbv2")
    rest, http = emulator.client("apigateway"), emulator.client("apigatewayv2")
    for index in range(3):
        classic.create_load_balancer(
            LoadBalancerName=f"classic-{index}",
            Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
            AvailabilityZones=["us-east-1a"],
        )
        modern_name = modern.create_load_balancer(Name=f"modern-{index}", Subnets=subnets)["LoadBalancers"][
            0
        ]["DNSName"]
        rest_id = rest.create_rest_api(name=f"rest-{index}")["id"]
        http_id = http.create_api(Name=f"http-{index}", ProtocolType="HTTP")["ApiId"]
    classic_name = classic.describe_load_balancers(LoadBalancerNames=["classic-2"])[
        "LoadBalancerDescriptions"
    ][0]["DNSName"]
    route53 = emulator.client("route53")
    zone = route53.create_hosted_zone(Name="example.test", CallerReference="lbs")["HostedZone"]["Id"].rsplit(
        "/", 1
    )[-1]
    targets = {
        "classic.example.test": classic_name,
        "modern.example.test": modern_name,
        "rest.example.test": f"{rest_id}.execute-api.us-east-1.amazonaws.com",
        "http.example.test": f"{http_id}.execute-api.us-east-1.amazonaws.com",
        "gone.example.test": "gone-123.us-east-1.elb.amazonaws.com",
    }
    route53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={"Changes": [_record(name, "CNAME", target) for name, target in targets.items()]},
    )
    for service, operation in (
        ("elb", "DescribeLoadBalancers"),
        ("elbv2", "DescribeLoadBalancers"),
        ("apigateway", "GetRestApis"),
        ("apigatewayv2", "GetApis"),
    ):
        emulator.set_page_size(service, operation, 2)

    document = _scan(emulator, tmp_path, (DNS_RULE,))

    assert verdicts(document, DNS_RULE) == {
        ("PASS", f"{zone}/classic.example.test/CNAME"),
        ("PASS", f"{zone}/modern.example.test/CNAME"),
        ("PASS", f"{zone}/rest.example.test/CNAME"),
        ("PASS", f"{zone}/http.example.test/CNAME"),
        ("FAIL", f"{zone}/gone.example.test/CNAME"),
    }
    assert _calls(document, "elb.DescribeLoadBalancers") == 2
    assert _calls(document, "elbv2.DescribeLoadBalancers") == 2
    assert _calls(document, "apigateway.GetRestApis") == 2
    assert _calls(document, "apigatewayv2.GetApis") == 2


def test_organisation_accounts_beyond_the_first_page(emulator: Emulator, tmp_path: Path) -> None:
    organizations = emulator.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    members = {
        organizations.create_account(AccountName=f"member-{index}", Email=f"member-{index}@example.test")[
            "CreateAccountStatus"
        ]["AccountId"]
        for index in range(3)
    }
    emulator.set_page_size("organizations", "ListAccounts", 1)

    run = scan_rule(emulator, tmp_path, "root-mfa", "{}\n", "--org")

    assert run.exit_code == 1, run.stderr  # no account's root has MFA
    document = run.json()
    assert set(document["scan"]["accounts"]) == {DEFAULT_ACCOUNT, *members}
    assert verdicts(document, "root-mfa") == {("FAIL", account) for account in {DEFAULT_ACCOUNT, *members}}
    assert _calls(document, "organizations.ListAccounts") == 4
