"""What DNS records point at: addresses, distributions, load balancers and APIs, as an audit lists them."""

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

import pytest

from cloudwarden_emulator import Emulator

HOME = "us-east-1"
AWAY = "eu-west-1"
MOTO_PUBLIC_BLOCK = ipaddress.ip_network("54.214.0.0/16")


@dataclass(frozen=True)
class Network:
    ec2: Any
    subnet_ids: tuple[str, str]
    ipv6_block: ipaddress.IPv6Network
    """The IPv6 block of the first subnet."""


@pytest.fixture
def network(emulator: Emulator) -> Network:
    """A VPC with an Amazon IPv6 block and two subnets in different zones, the first with IPv6."""
    ec2 = emulator.client("ec2", HOME)
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    (block,) = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"]
    ipv6_block = next(ipaddress.IPv6Network(block["Ipv6CidrBlock"]).subnets(new_prefix=64))
    first = ec2.create_subnet(
        VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a", Ipv6CidrBlock=str(ipv6_block)
    )["Subnet"]["SubnetId"]
    second = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1b")[
        "Subnet"
    ]["SubnetId"]
    return Network(ec2, (first, second), ipv6_block)


def test_elastic_ips_are_public_aws_addresses(network: Network) -> None:
    allocated = [network.ec2.allocate_address(Domain="vpc") for _ in range(3)]

    addresses = network.ec2.describe_addresses()["Addresses"]

    assert [address["PublicIp"] for address in addresses] == [item["PublicIp"] for item in allocated]
    assert len({address["PublicIp"] for address in addresses}) == 3
    for address in addresses:
        assert ipaddress.ip_address(address["PublicIp"]) in MOTO_PUBLIC_BLOCK
        assert address["Domain"] == "vpc"
        assert address["AllocationId"].startswith("eipalloc-")
        assert "AssociationId" not in address


def test_an_address_asked_for_is_kept(network: Network) -> None:
    allocated = network.ec2.allocate_address(Domain="vpc", Address="198.51.100.7")

    assert allocated["PublicIp"] == "198.51.100.7"


def test_an_interface_shows_its_elastic_ip_and_ipv6_addresses(network: Network) -> None:
    interface = network.ec2.create_network_interface(SubnetId=network.subnet_ids[0], Ipv6AddressCount=1)[
        "NetworkInterface"
    ]
    bare = network.ec2.create_network_interface(SubnetId=network.subnet_ids[1])["NetworkInterface"]
    address = network.ec2.allocate_address(Domain="vpc")
    association = network.ec2.associate_address(
        AllocationId=address["AllocationId"], NetworkInterfaceId=interface["NetworkInterfaceId"]
    )

    described = {
        item["NetworkInterfaceId"]: item
        for item in network.ec2.describe_network_interfaces()["NetworkInterfaces"]
    }
    (listed,) = network.ec2.describe_addresses()["Addresses"]

    associated = described[interface["NetworkInterfaceId"]]
    assert associated["Association"] == {
        "AllocationId": address["AllocationId"],
        "AssociationId": association["AssociationId"],
        "IpOwnerId": "123456789012",
        "PublicDnsName": f"ip-{address['PublicIp'].replace('.', '-')}.ec2.internal",
        "PublicIp": address["PublicIp"],
    }
    (ipv6,) = associated["Ipv6Addresses"]
    assert ipaddress.ip_address(ipv6["Ipv6Address"]) in network.ipv6_block
    assert "Association" not in described[bare["NetworkInterfaceId"]]
    assert described[bare["NetworkInterfaceId"]]["Ipv6Addresses"] == []
    assert (listed["NetworkInterfaceId"], listed["AssociationId"], listed["PrivateIpAddress"]) == (
        interface["NetworkInterfaceId"],
        association["AssociationId"],
        associated["PrivateIpAddress"],
    )


def test_distributions_list_their_aliases_and_origins(emulator: Emulator) -> None:
    cloudfront = emulator.client("cloudfront")
    created = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "shop",
            "Aliases": {"Quantity": 1, "Items": ["cdn.example.com"]},
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "assets",
                        "DomainName": "assets.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {"TargetOriginId": "assets", "ViewerProtocolPolicy": "redirect-to-https"},
            "Comment": "shop",
            "Enabled": True,
        }
    )["Distribution"]

    listing = cloudfront.list_distributions()["DistributionList"]

    (summary,) = listing["Items"]
    assert summary["Id"] == created["Id"]
    assert re.fullmatch(r"[a-z0-9]{13}\.cloudfront\.net", summary["DomainName"])
    assert summary["DomainName"] == created["DomainName"]
    assert summary["Aliases"] == {"Quantity": 1, "Items": ["cdn.example.com"]}
    assert [(origin["Id"], origin["DomainName"]) for origin in summary["Origins"]["Items"]] == [
        ("assets", "assets.s3.amazonaws.com")
    ]
    assert (listing["Quantity"], listing["IsTruncated"]) == (1, False)


@pytest.mark.parametrize("region", [HOME, AWAY])
def test_classic_load_balancers_are_named_in_their_region(emulator: Emulator, region: str) -> None:
    elb = emulator.client("elb", region)

    created = elb.create_load_balancer(
        LoadBalancerName="classic",
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
        AvailabilityZones=[f"{region}a"],
    )

    (described,) = elb.describe_load_balancers()["LoadBalancerDescriptions"]
    assert created["DNSName"] == f"classic.{region}.elb.amazonaws.com"
    assert (described["DNSName"], described["CanonicalHostedZoneName"]) == (created["DNSName"],) * 2


def test_application_and_network_load_balancers_have_dns_names(emulator: Emulator, network: Network) -> None:
    elbv2 = emulator.client("elbv2", HOME)
    elbv2.create_load_balancer(Name="app", Subnets=list(network.subnet_ids))
    elbv2.create_load_balancer(
        Name="net", Subnets=list(network.subnet_ids), Type="network", Scheme="internal"
    )

    described = elbv2.describe_load_balancers()["LoadBalancers"]

    assert [(item["LoadBalancerName"], item["Type"], item["DNSName"]) for item in described] == [
        ("app", "application", "app-1.us-east-1.elb.amazonaws.com"),
        ("net", "network", "net-1.us-east-1.elb.amazonaws.com"),
    ]


def test_rest_and_http_apis_list_their_ids(emulator: Emulator) -> None:
    apigateway = emulator.client("apigateway", HOME)
    apigatewayv2 = emulator.client("apigatewayv2", HOME)
    rest = apigateway.create_rest_api(name="rest")["id"]
    http = apigatewayv2.create_api(Name="http", ProtocolType="HTTP")

    assert [api["id"] for api in apigateway.get_rest_apis()["items"]] == [rest]
    assert [(api["ApiId"], api["ApiEndpoint"]) for api in apigatewayv2.get_apis()["Items"]] == [
        (http["ApiId"], f"https://{http['ApiId']}.execute-api.us-east-1.amazonaws.com")
    ]
    assert re.fullmatch(r"[a-z0-9]{10}", rest)
    assert re.fullmatch(r"[a-z0-9]{8}", http["ApiId"])
