"""Page sizes: a listing moto answers whole comes `size` items a page, each naming the next, in every
protocol, and botocore's paginators read it back whole; nothing else changes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from cloudwarden_emulator import Emulator, EmulatorError
from cloudwarden_emulator.state import PageSize


def _pages(client: Any, operation: str, key: str, **parameters: Any) -> list[list[Any]]:
    """The items of each page a paginator reads (`key` may be dotted)."""
    pages = []
    for page in client.get_paginator(operation).paginate(**parameters):
        items = page
        for name in key.split("."):
            items = items.get(name, {})
        pages.append(list(items))
    return pages


def _sizes(pages: list[list[Any]]) -> list[int]:
    return [len(page) for page in pages]


def test_ec2_security_groups_come_in_pages_and_read_back_whole(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    for index in range(4):
        ec2.create_security_group(GroupName=f"group-{index}", Description="d", VpcId=vpc)
    whole = {group["GroupId"] for group in ec2.describe_security_groups()["SecurityGroups"]}
    emulator.set_page_size("ec2", "DescribeSecurityGroups", 2)

    first = ec2.describe_security_groups()
    pages = _pages(ec2, "describe_security_groups", "SecurityGroups")

    assert len(first["SecurityGroups"]) == 2
    assert first["NextToken"].startswith("cwpage-")
    assert _sizes(pages) == [2] * (len(whole) // 2) + [len(whole) % 2] * (len(whole) % 2)
    assert {group["GroupId"] for page in pages for group in page} == whole


def test_query_protocol_pages_set_is_truncated_and_the_marker(emulator: Emulator) -> None:
    iam = emulator.client("iam")
    for index in range(3):
        iam.create_virtual_mfa_device(VirtualMFADeviceName=f"device-{index}")
    emulator.set_page_size("iam", "ListVirtualMFADevices", 2)

    first = iam.list_virtual_mfa_devices()
    pages = _pages(iam, "list_virtual_mfa_devices", "VirtualMFADevices")

    assert (len(first["VirtualMFADevices"]), first["IsTruncated"]) == (2, True)
    assert first["Marker"].startswith("cwpage-")
    assert _sizes(pages) == [2, 1]
    assert {device["SerialNumber"].rsplit("/", 1)[-1] for page in pages for device in page} == {
        "device-0",
        "device-1",
        "device-2",
    }


def test_rest_xml_bucket_listing_pages_by_continuation_token(emulator: Emulator) -> None:
    s3 = emulator.client("s3")
    names = {f"bucket-{index}" for index in range(5)}
    for name in names:
        s3.create_bucket(Bucket=name)
    emulator.set_page_size("s3", "ListBuckets", 2)

    first = s3.list_buckets()
    pages = _pages(s3, "list_buckets", "Buckets")

    assert first["ContinuationToken"].startswith("cwpage-")
    assert first["Owner"]["ID"]  # what is not the list stays on every page
    assert _sizes(pages) == [2, 2, 1]
    assert {bucket["Name"] for page in pages for bucket in page} == names


def test_route53_record_sets_page_by_their_three_tokens(emulator: Emulator) -> None:
    route53 = emulator.client("route53")
    zone = route53.create_hosted_zone(Name="example.test", CallerReference="pages")["HostedZone"]["Id"]
    changes = [
        {
            "Action": "CREATE",
            "ResourceRecordSet": {
                "Name": f"host-{index}.example.test",
                "Type": "A",
                "TTL": 60,
                "ResourceRecords": [{"Value": f"192.0.2.{index}"}],
            },
        }
        for index in range(5)
    ]
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
    whole = {
        (record["Name"], record["Type"])
        for record in route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    }
    emulator.set_page_size("route53", "ListResourceRecordSets", 3)

    first = route53.list_resource_record_sets(HostedZoneId=zone)
    pages = _pages(route53, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zone)

    assert first["IsTruncated"] is True
    assert first["NextRecordName"] == first["NextRecordType"] == first["NextRecordIdentifier"]
    assert _sizes(pages) == [3, 3, 1]  # five records, the NS and the SOA
    assert {(record["Name"], record["Type"]) for page in pages for record in page} == whole


@pytest.mark.parametrize(
    ("service", "operation", "key", "create"),
    [
        pytest.param(
            "organizations",
            "ListAccounts",
            "Accounts",
            lambda emulator, index: emulator.client("organizations").create_account(
                AccountName=f"member-{index}", Email=f"member-{index}@example.test"
            ),
            id="json",
        ),
        pytest.param(
            "apigatewayv2",
            "GetApis",
            "Items",
            lambda emulator, index: emulator.client("apigatewayv2").create_api(
                Name=f"api-{index}", ProtocolType="HTTP"
            ),
            id="rest-json",
        ),
        pytest.param(
            "apigateway",
            "GetRestApis",
            "items",
            lambda emulator, index: emulator.client("apigateway").create_rest_api(name=f"api-{index}"),
            id="rest-json-v1-beside-v2",
        ),
    ],
)
def test_json_protocols_page(emulator: Emulator, service: str, operation: str, key: str, create: Any) -> None:
    if service == "organizations":
        emulator.client("organizations").create_organization(FeatureSet="ALL")
    for index in range(4):
        create(emulator, index)
    client = emulator.client(service)
    method = {"ListAccounts": "list_accounts", "GetApis": "get_apis", "GetRestApis": "get_rest_apis"}[
        operation
    ]
    whole = _pages(client, method, key)
    emulator.set_page_size(service, operation, 2)

    pages = _pages(client, method, key)

    assert len(whole) == 1
    assert _sizes(pages) == [2] * (len(whole[0]) // 2) + [1] * (len(whole[0]) % 2)
    assert sorted(map(str, (item for page in pages for item in page))) == sorted(map(str, whole[0]))


def test_elb_and_elbv2_share_an_endpoint_but_page_apart(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    subnets = [subnet["SubnetId"] for subnet in ec2.describe_subnets()["Subnets"]][:2]
    classic, v2 = emulator.client("elb"), emulator.client("elbv2")
    for index in range(3):
        classic.create_load_balancer(
            LoadBalancerName=f"classic-{index}",
            Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
            AvailabilityZones=["us-east-1a"],
        )
        v2.create_load_balancer(Name=f"modern-{index}", Subnets=subnets)
    emulator.set_page_size("elbv2", "DescribeLoadBalancers", 2)

    assert _sizes(_pages(v2, "describe_load_balancers", "LoadBalancers")) == [2, 1]
    assert _sizes(_pages(classic, "describe_load_balancers", "LoadBalancerDescriptions")) == [3]


def test_an_empty_listing_is_one_page_without_a_token(emulator: Emulator) -> None:
    cloudfront = emulator.client("cloudfront")
    emulator.set_page_size("cloudfront", "ListDistributions", 2)

    answer = cloudfront.list_distributions()["DistributionList"]

    assert answer["IsTruncated"] is False
    assert "NextMarker" not in answer
    assert _pages(cloudfront, "list_distributions", "DistributionList.Items") == [[]]


def test_a_page_size_the_client_asks_and_moto_honours_is_left_to_moto(emulator: Emulator) -> None:
    iam = emulator.client("iam")
    for index in range(3):
        iam.create_virtual_mfa_device(VirtualMFADeviceName=f"device-{index}")
    emulator.set_page_size("iam", "ListVirtualMFADevices", 2)

    pages = list(iam.get_paginator("list_virtual_mfa_devices").paginate(PaginationConfig={"PageSize": 1}))

    # Moto ends its own pages only on a short one: a last, empty page.
    assert [len(page["VirtualMFADevices"]) for page in pages] == [1, 1, 1, 0]
    assert not any(page.get("Marker", "").startswith("cwpage-") for page in pages)


def test_size_zero_answers_whole_again_and_other_operations_never_page(emulator: Emulator) -> None:
    s3 = emulator.client("s3")
    for index in range(3):
        s3.create_bucket(Bucket=f"bucket-{index}")
    emulator.set_page_size("s3", "ListBuckets", 1)
    emulator.set_page_size("ec2", "DescribeVpcs", 1)

    assert _sizes(_pages(emulator.client("ec2"), "describe_security_groups", "SecurityGroups")) == [1]
    emulator.set_page_size("s3", "ListBuckets", 0)

    assert _sizes(_pages(s3, "list_buckets", "Buckets")) == [3]


def test_reset_forgets_page_sizes_and_pages(emulator: Emulator) -> None:
    s3 = emulator.client("s3")
    for index in range(3):
        s3.create_bucket(Bucket=f"bucket-{index}")
    emulator.set_page_size("s3", "ListBuckets", 1)
    token = s3.list_buckets()["ContinuationToken"]

    emulator.reset()
    s3.create_bucket(Bucket="after-reset")
    emulator.set_page_size("s3", "ListBuckets", 1)

    with pytest.raises(ClientError) as caught:
        s3.list_buckets(ContinuationToken=token)
    assert caught.value.response["Error"]["Code"] == "InvalidPaginationToken"
    emulator.reset()
    assert _sizes(_pages(s3, "list_buckets", "Buckets")) == [0]


@pytest.mark.parametrize(
    ("service", "operation", "size", "problem"),
    [
        ("nosuchservice", "ListThings", 2, "unknown service"),
        ("ec2", "DescribeThings", 2, "has no operation"),
        ("ec2", "DescribeAddresses", 2, "is not paginated"),
        ("sts", "GetCallerIdentity", 2, "is not paginated"),
    ],
)
def test_a_page_size_that_cannot_apply_is_refused(
    emulator: Emulator, service: str, operation: str, size: int, problem: str
) -> None:
    with pytest.raises(EmulatorError, match=problem):
        emulator.set_page_size(service, operation, size)


def test_a_negative_page_size_is_refused_before_it_is_sent() -> None:
    with pytest.raises(ValueError, match="negative"):
        PageSize(service="s3", operation="ListBuckets", size=-1)
