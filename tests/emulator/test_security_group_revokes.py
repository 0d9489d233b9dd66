"""Security-group revokes as `cloudwarden fix` makes them: a permission with one peer, its protocol and
ports as DescribeSecurityGroups gives them, revokes exactly that rule (the other peers of the same
IpPermission stay), and authorizing it again puts it back."""

import json
from typing import Any

import pytest

from cloudwarden_emulator import Emulator

SSH_FROM_THE_WORLD = {
    "IpProtocol": "tcp",
    "FromPort": 22,
    "ToPort": 22,
    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
}
ALL_TRAFFIC_TO_THE_WORLD = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
POSTGRES_TO_THE_VPC = {
    "IpProtocol": "tcp",
    "FromPort": 5432,
    "ToPort": 5432,
    "IpRanges": [{"CidrIp": "10.20.0.0/16"}],
}


@pytest.fixture
def ec2(emulator: Emulator) -> Any:
    return emulator.client("ec2")


@pytest.fixture
def vpc(ec2: Any) -> str:
    return str(ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"])


def described(ec2: Any, group_id: str, key: str) -> list[dict[str, Any]]:
    """The group's permissions of one direction (`IpPermissions`, `IpPermissionsEgress`), reduced to what
    the scan keeps: protocol, ports and peers, without descriptions or empty lists."""
    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    return [
        {
            name: [
                {k: v for k, v in peer.items() if k in ("CidrIp", "CidrIpv6", "GroupId", "UserId")}
                for peer in value
            ]
            if isinstance(value, list)
            else value
            for name, value in permission.items()
            if value != []
        }
        for permission in group[key]
    ]


def test_revoking_one_cidr_of_a_permission_keeps_its_other_cidrs_and_authorizing_puts_it_back(
    ec2: Any, vpc: str
) -> None:
    group_id = ec2.create_security_group(GroupName="bastion", Description="bastion", VpcId=vpc)["GroupId"]
    ssh = {**SSH_FROM_THE_WORLD, "IpRanges": [{"CidrIp": "10.20.0.0/16"}, {"CidrIp": "0.0.0.0/0"}]}
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[ssh])
    ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[SSH_FROM_THE_WORLD])
    assert described(ec2, group_id, "IpPermissions") == [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.20.0.0/16"}]}
    ]
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[SSH_FROM_THE_WORLD])
    assert described(ec2, group_id, "IpPermissions") == [ssh]


def test_revoking_the_default_groups_rule_from_itself_by_its_group_pair_leaves_no_inbound_rule(
    ec2: Any, vpc: str
) -> None:
    (default,) = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    itself = {
        "IpProtocol": "-1",
        "UserIdGroupPairs": [{"GroupId": default["GroupId"], "UserId": default["OwnerId"]}],
    }
    # The emulator creates the default group bare: its rule from itself is added as AWS has it.
    ec2.authorize_security_group_ingress(GroupId=default["GroupId"], IpPermissions=[itself])
    assert described(ec2, default["GroupId"], "IpPermissions") == [itself]
    ec2.revoke_security_group_ingress(GroupId=default["GroupId"], IpPermissions=[itself])
    assert described(ec2, default["GroupId"], "IpPermissions") == []


def test_revoking_all_traffic_to_the_world_keeps_the_other_outbound_rules(ec2: Any, vpc: str) -> None:
    group_id = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_egress(GroupId=group_id, IpPermissions=[POSTGRES_TO_THE_VPC])
    assert described(ec2, group_id, "IpPermissionsEgress") == [ALL_TRAFFIC_TO_THE_WORLD, POSTGRES_TO_THE_VPC]
    ec2.revoke_security_group_egress(GroupId=group_id, IpPermissions=[ALL_TRAFFIC_TO_THE_WORLD])
    assert described(ec2, group_id, "IpPermissionsEgress") == [POSTGRES_TO_THE_VPC]


@pytest.mark.parametrize(
    "with_description",
    [
        {
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "x"}],
        },
        {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0", "Description": "x"}]},
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "<peer>", "Description": "app tier"}]},
    ],
    ids=["ipv4", "ipv6", "group"],
)
def test_a_rule_with_a_description_is_revoked_by_its_peer_alone_and_is_no_second_rule(
    ec2: Any, vpc: str, with_description: dict[str, Any]
) -> None:
    """AWS: "If the security group rule has a description, you do not need to specify the description
    to revoke the rule"; the same rule with another description is a duplicate."""
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    peer = ec2.create_security_group(GroupName="peer", Description="peer", VpcId=vpc)["GroupId"]
    rule = json.loads(json.dumps(with_description).replace("<peer>", peer))
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[rule])
    (field,) = (name for name in ("IpRanges", "Ipv6Ranges", "UserIdGroupPairs") if name in rule)
    other_description = {**rule, field: [{**rule[field][0], "Description": "another"}]}
    bare = {**rule, field: [{k: v for k, v in rule[field][0].items() if k != "Description"}]}

    with pytest.raises(ec2.exceptions.ClientError, match=r"InvalidPermission\.Duplicate"):
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[other_description])
    ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[bare])

    assert described(ec2, group, "IpPermissions") == []
    with pytest.raises(ec2.exceptions.ClientError, match=r"InvalidPermission\.NotFound"):
        ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[bare])
