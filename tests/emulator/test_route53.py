"""Route 53 as a DNS audit reads it: zones, their name servers, every record type, names and paging."""

import re
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cloudwarden_emulator import Emulator

NAME_SERVER = re.compile(r"ns-(\d+)\.awsdns-(\d\d)\.(com|net|org|co\.uk)")
BLOCKS = {"com": 0, "net": 512, "org": 1024, "co.uk": 1536}
PRIVATE_NAME_SERVERS = [
    "ns-1536.awsdns-00.co.uk.",
    "ns-0.awsdns-00.com.",
    "ns-1024.awsdns-00.org.",
    "ns-512.awsdns-00.net.",
]
SOA_TAIL = " awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"
S3_WEBSITE = {
    "HostedZoneId": "Z3AQBSTGFYJSTF",
    "DNSName": "s3-website-us-east-1.amazonaws.com",
    "EvaluateTargetHealth": False,
}
CLOUDFRONT = {
    "HostedZoneId": "Z2FDTNDATAQYW2",
    "DNSName": "d111111abcdef8.cloudfront.net",
    "EvaluateTargetHealth": False,
}


def plain(name: str, kind: str, *values: str, ttl: int = 300, **extra: Any) -> dict[str, Any]:
    return {
        "Name": name,
        "Type": kind,
        "TTL": ttl,
        "ResourceRecords": [{"Value": value} for value in values],
        **extra,
    }


def alias(name: str, target: dict[str, Any]) -> dict[str, Any]:
    return {"Name": name, "Type": "A", "AliasTarget": target}


def weighted(identifier: str, weight: int, value: str) -> dict[str, Any]:
    return plain("w.example.com", "CNAME", value, ttl=60, SetIdentifier=identifier, Weight=weight)


RECORDS = [
    plain("www.example.com", "CNAME", "shop.us-east-1.elasticbeanstalk.com"),
    plain("a.example.com", "A", "192.0.2.1", "192.0.2.2"),
    plain("a.example.com", "AAAA", "2001:db8::1"),
    plain("sub.example.com", "NS", "ns-1.awsdns-00.com.", "ns-600.awsdns-11.net."),
    plain("example.com", "TXT", '"v=spf1 -all"'),
    plain("example.com", "MX", "10 mail.example.com"),
    alias("static.example.com", S3_WEBSITE),
    alias("cdn.example.com", CLOUDFRONT),
    weighted("blue", 10, "blue.example.net"),
    weighted("green", 20, "green.example.net"),
    plain("*.example.com", "CNAME", "wild.example.net"),
]


def create(route53: Any, name: str, **kwargs: Any) -> str:
    answer = route53.create_hosted_zone(Name=name, CallerReference=str(uuid.uuid4()), **kwargs)
    zone_id: str = answer["HostedZone"]["Id"]
    return zone_id


def change(route53: Any, zone_id: str, action: str, *record_sets: dict[str, Any]) -> None:
    batch = {"Changes": [{"Action": action, "ResourceRecordSet": record_set} for record_set in record_sets]}
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)


def listed(route53: Any, zone_id: str, page_size: int | None = None) -> list[dict[str, Any]]:
    config = {} if page_size is None else {"PageSize": page_size}
    pages = route53.get_paginator("list_resource_record_sets").paginate(
        HostedZoneId=zone_id, PaginationConfig=config
    )
    return [record_set for page in pages for record_set in page["ResourceRecordSets"]]


def keys(record_sets: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    return [(rrset["Name"], rrset["Type"], rrset.get("SetIdentifier")) for rrset in record_sets]


@pytest.fixture
def route53(emulator: Emulator) -> Any:
    return emulator.client("route53")


@pytest.fixture
def zone(route53: Any) -> str:
    """example.com with one record set of every kind the audit judges or skips."""
    zone_id = create(route53, "example.com")
    change(route53, zone_id, "CREATE", *RECORDS)
    return zone_id


def test_a_public_zone_has_four_name_servers_of_its_own(route53: Any) -> None:
    first = create(route53, "example.com")
    second = create(route53, "example.com")

    servers = [
        route53.get_hosted_zone(Id=zone_id)["DelegationSet"]["NameServers"] for zone_id in (first, second)
    ]

    assert servers[0] != servers[1]
    for name_servers in servers:
        numbers = [NAME_SERVER.fullmatch(server) for server in name_servers]
        assert [match[3] for match in numbers if match] == ["com", "net", "org", "co.uk"]
        for match in filter(None, numbers):
            offset = int(match[1]) - BLOCKS[match[3]]
            assert 0 <= offset < 512
            assert int(match[2]) == offset // 8


def test_the_apex_records_list_the_name_servers_absolute(route53: Any) -> None:
    zone_id = create(route53, "example.com")
    name_servers = route53.get_hosted_zone(Id=zone_id)["DelegationSet"]["NameServers"]

    ns, soa = listed(route53, zone_id)

    assert ns == {
        "Name": "example.com.",
        "Type": "NS",
        "TTL": 172800,
        "ResourceRecords": [{"Value": f"{server}."} for server in name_servers],
    }
    assert soa == {
        "Name": "example.com.",
        "Type": "SOA",
        "TTL": 900,
        "ResourceRecords": [{"Value": f"{name_servers[0]}.{SOA_TAIL}"}],
    }


def test_a_private_zone_is_tied_to_its_vpc_and_has_no_delegation_set(
    emulator: Emulator, route53: Any
) -> None:
    vpc_id = emulator.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    zone_id = create(
        route53,
        "internal.example",
        HostedZoneConfig={"PrivateZone": True, "Comment": "inside"},
        VPC={"VPCRegion": "us-east-1", "VPCId": vpc_id},
    )

    zone = route53.get_hosted_zone(Id=zone_id)
    ns, soa = listed(route53, zone_id)

    assert zone["HostedZone"]["Config"] == {"PrivateZone": True, "Comment": "inside"}
    assert zone["VPCs"] == [{"VPCRegion": "us-east-1", "VPCId": vpc_id}]
    assert "DelegationSet" not in zone
    assert [item["Value"] for item in ns["ResourceRecords"]] == PRIVATE_NAME_SERVERS
    assert soa["ResourceRecords"] == [{"Value": f"{PRIVATE_NAME_SERVERS[0]}{SOA_TAIL}"}]


def test_a_zone_in_a_reusable_delegation_set_uses_its_name_servers(route53: Any) -> None:
    reusable = route53.create_reusable_delegation_set(CallerReference="shared")["DelegationSet"]

    zone_id = create(route53, "example.org", DelegationSetId=reusable["Id"])

    assert route53.get_hosted_zone(Id=zone_id)["DelegationSet"]["NameServers"] == reusable["NameServers"]
    assert route53.get_reusable_delegation_set(Id=reusable["Id"])["DelegationSet"] == reusable


def test_list_hosted_zones_pages(route53: Any) -> None:
    created = [create(route53, f"zone{number}.example") for number in range(5)]

    first = route53.list_hosted_zones(MaxItems="2")
    pages = route53.get_paginator("list_hosted_zones").paginate(PaginationConfig={"PageSize": 2})

    assert (len(first["HostedZones"]), first["IsTruncated"], first["MaxItems"]) == (2, True, "2")
    assert [zone["Id"] for page in pages for zone in page["HostedZones"]] == created
    assert [zone["Name"] for zone in route53.list_hosted_zones()["HostedZones"]] == [
        f"zone{number}.example." for number in range(5)
    ]


def test_every_record_type_comes_back_as_written(route53: Any, zone: str) -> None:
    apex = {("example.com.", "NS"), ("example.com.", "SOA")}
    record_sets = [rrset for rrset in listed(route53, zone) if (rrset["Name"], rrset["Type"]) not in apex]

    assert record_sets == [
        plain("example.com.", "MX", "10 mail.example.com"),
        plain("example.com.", "TXT", '"v=spf1 -all"'),
        plain("\\052.example.com.", "CNAME", "wild.example.net"),
        plain("a.example.com.", "A", "192.0.2.1", "192.0.2.2"),
        plain("a.example.com.", "AAAA", "2001:db8::1"),
        alias("cdn.example.com.", {**CLOUDFRONT, "DNSName": "d111111abcdef8.cloudfront.net."}),
        alias("static.example.com.", {**S3_WEBSITE, "DNSName": "s3-website-us-east-1.amazonaws.com."}),
        plain("sub.example.com.", "NS", "ns-1.awsdns-00.com.", "ns-600.awsdns-11.net."),
        plain("w.example.com.", "CNAME", "blue.example.net", ttl=60, SetIdentifier="blue", Weight=10),
        plain("w.example.com.", "CNAME", "green.example.net", ttl=60, SetIdentifier="green", Weight=20),
        plain("www.example.com.", "CNAME", "shop.us-east-1.elasticbeanstalk.com"),
    ]
    assert route53.get_hosted_zone(Id=zone)["HostedZone"]["ResourceRecordSetCount"] == len(RECORDS) + 2


@pytest.mark.parametrize(
    ("written", "returned"),
    [
        ("*.example.com", "\\052.example.com."),
        ("\\052.example.com.", "\\052.example.com."),
        ("WWW.Example.COM", "www.example.com."),
        ("_dmarc.example.com", "_dmarc.example.com."),
        ("a\\056b.example.com", "a\\056b.example.com."),
        ("x!y.example.com", "x\\041y.example.com."),
    ],
)
def test_names_come_back_in_lower_case_with_escapes(route53: Any, written: str, returned: str) -> None:
    zone_id = create(route53, "example.com")

    change(route53, zone_id, "CREATE", plain(written, "TXT", '"x"'))

    assert returned in [rrset["Name"] for rrset in listed(route53, zone_id)]


def test_a_wildcard_may_be_named_either_way(route53: Any, zone: str) -> None:
    page = route53.list_resource_record_sets(HostedZoneId=zone, StartRecordName="*.example.com", MaxItems="1")

    change(route53, zone, "DELETE", plain("\\052.example.com", "CNAME", "wild.example.net"))

    assert keys(page["ResourceRecordSets"]) == [("\\052.example.com.", "CNAME", None)]
    assert "\\052.example.com." not in [rrset["Name"] for rrset in listed(route53, zone)]


def test_a_zone_refuses_unescaped_control_characters(route53: Any) -> None:
    zone_id = create(route53, "example.com")

    with pytest.raises(ClientError) as caught:
        change(route53, zone_id, "CREATE", plain("bad\tname.example.com", "TXT", '"x"'))

    assert caught.value.response["Error"]["Code"] == "InvalidChangeBatch"


def test_weighted_records_stay_apart(route53: Any, zone: str) -> None:
    change(route53, zone, "UPSERT", weighted("blue", 0, "blue2.example.net"))
    change(route53, zone, "DELETE", weighted("green", 20, "green.example.net"))

    weighted_sets = [rrset for rrset in listed(route53, zone) if rrset["Name"] == "w.example.com."]

    assert weighted_sets == [
        plain("w.example.com.", "CNAME", "blue2.example.net", ttl=60, SetIdentifier="blue", Weight=0)
    ]


@pytest.mark.parametrize("page_size", [1, 2, 3, 5, 12, 13, 300])
def test_paging_returns_every_record_set_once(route53: Any, zone: str, page_size: int) -> None:
    assert keys(listed(route53, zone, page_size)) == keys(listed(route53, zone))
    assert len(listed(route53, zone, page_size)) == len(RECORDS) + 2


def test_a_page_ending_between_weighted_records_names_the_next_identifier(route53: Any, zone: str) -> None:
    first = route53.list_resource_record_sets(
        HostedZoneId=zone, StartRecordName="w.example.com", StartRecordType="CNAME", MaxItems="1"
    )
    second = route53.list_resource_record_sets(
        HostedZoneId=zone,
        StartRecordName=first["NextRecordName"],
        StartRecordType=first["NextRecordType"],
        StartRecordIdentifier=first["NextRecordIdentifier"],
        MaxItems="1",
    )

    assert keys(first["ResourceRecordSets"]) == [("w.example.com.", "CNAME", "blue")]
    assert (first["IsTruncated"], first["NextRecordName"], first["NextRecordType"]) == (
        True,
        "w.example.com.",
        "CNAME",
    )
    assert first["NextRecordIdentifier"] == "green"
    assert keys(second["ResourceRecordSets"]) == [("w.example.com.", "CNAME", "green")]
    assert (second["NextRecordName"], second["NextRecordType"]) == ("www.example.com.", "CNAME")
    assert "NextRecordIdentifier" not in second


def test_the_last_page_is_not_truncated(route53: Any, zone: str) -> None:
    last = route53.list_resource_record_sets(HostedZoneId=zone, StartRecordName="www.example.com")

    assert keys(last["ResourceRecordSets"]) == [("www.example.com.", "CNAME", None)]
    assert last["IsTruncated"] is False
    assert "NextRecordName" not in last
    assert last["MaxItems"] == "300"


def test_a_start_type_needs_a_start_name(route53: Any, zone: str) -> None:
    with pytest.raises(ClientError) as caught:
        route53.list_resource_record_sets(HostedZoneId=zone, StartRecordType="A")

    assert caught.value.response["Error"]["Code"] == "InvalidInput"
