"""Is the resource still as expected? A fresh read of each kind of state compared with a remedy's
`before`/`after`: what matches, each way it does not, the errors that mean "none" or "gone", and
answers that cannot be read (never a crash, never a match)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.fix.drift import Unread, mismatch, observed, with_descriptions
from cloudwarden.remedy import Call, State

OWNER = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
PARTNER = "be2fe74dc7e8125d8f8fcae89d90e6dfdeca1e698f5d55e949b009fd0e95a97"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
GROUP = "sg-0123456789abcdef0"
PEER_GROUP = "sg-0fedcba9876543210"

POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}],
}


def _gives(state: State, expected: dict[str, Any], answer: dict[str, Any]) -> str | None:
    """The mismatch of a read that answered `answer`."""
    return mismatch(state, expected, observed(state, answer, None))


def _fails(state: State, expected: dict[str, Any], code: str) -> str | None:
    """The mismatch of a read that failed with `code`."""
    return mismatch(state, expected, observed(state, None, code))


# --- errors that mean "none", "gone" or "not known" ---------------------------------------------------


@pytest.mark.parametrize(
    ("state", "code", "empty"),
    [
        (State.BUCKET_POLICY, "NoSuchBucketPolicy", {"policy": None}),
        (State.BUCKET_PUBLIC_ACCESS_BLOCK, "NoSuchPublicAccessBlockConfiguration", {"configuration": None}),
    ],
)
def test_the_error_that_means_none_is_the_states_empty_value(
    state: State, code: str, empty: dict[str, Any]
) -> None:
    assert observed(state, None, code) == empty


def test_the_none_error_of_another_state_is_not_known() -> None:
    with pytest.raises(Unread, match=r"^NoSuchBucketPolicy$"):
        observed(State.BUCKET_ACL, None, "NoSuchBucketPolicy")


@pytest.mark.parametrize(
    ("state", "code"),
    [
        (State.BUCKET_POLICY, "NoSuchBucket"),
        (State.BUCKET_ACL, "NoSuchBucket"),
        (State.BUCKET_PUBLIC_ACCESS_BLOCK, "NoSuchBucket"),
        (State.SECURITY_GROUP_RULES, "InvalidGroup.NotFound"),
        (State.SECURITY_GROUP_RULES, "InvalidGroupId.Malformed"),
        (State.RECORD_SET, "NoSuchHostedZone"),
        (State.ACCESS_KEY, "NoSuchEntity"),
    ],
)
def test_a_resource_that_is_gone_no_longer_matches(state: State, code: str) -> None:
    assert observed(state, None, code) is None
    assert mismatch(state, {}, None) == "the resource no longer exists"


@pytest.mark.parametrize("code", ["AccessDenied", "Throttling", "InternalError", "ReadTimeoutError"])
def test_any_other_failed_read_is_not_known(code: str) -> None:
    with pytest.raises(Unread, match=rf"^{code}$"):
        observed(State.BUCKET_POLICY, None, code)


def test_an_answer_is_compared_as_it_came() -> None:
    answer = {"Policy": json.dumps(POLICY)}
    assert observed(State.BUCKET_POLICY, answer, None) is answer


# --- bucket policy -------------------------------------------------------------------------------------


def test_a_policy_that_is_the_same_document_written_otherwise_matches() -> None:
    written = json.dumps({"Statement": POLICY["Statement"], "Version": "2012-10-17"}, indent=4)
    assert _gives(State.BUCKET_POLICY, {"policy": POLICY}, {"Policy": written}) is None


def test_a_changed_policy_does_not_match() -> None:
    changed = {**POLICY, "Statement": []}
    assert (
        _gives(State.BUCKET_POLICY, {"policy": POLICY}, {"Policy": json.dumps(changed)})
        == "the bucket policy changed since the scan"
    )


def test_a_policy_deleted_since_does_not_match() -> None:
    assert (
        _fails(State.BUCKET_POLICY, {"policy": POLICY}, "NoSuchBucketPolicy")
        == "the bucket has no policy now"
    )


def test_no_policy_matches_an_expected_deletion_and_a_policy_does_not() -> None:
    assert _fails(State.BUCKET_POLICY, {"policy": None}, "NoSuchBucketPolicy") is None
    assert (
        _gives(State.BUCKET_POLICY, {"policy": None}, {"Policy": json.dumps(POLICY)})
        == "the bucket policy changed since the scan"
    )


# --- bucket ACL ----------------------------------------------------------------------------------------

OWNER_FULL = {"Grantee": {"Type": "CanonicalUser", "ID": OWNER}, "Permission": "FULL_CONTROL"}
PUBLIC_READ = {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"}
PARTNER_READ = {"Grantee": {"Type": "CanonicalUser", "ID": PARTNER}, "Permission": "READ"}
EMAIL_WRITE = {
    "Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "ops@example.com"},
    "Permission": "WRITE",
}
ACL = {"owner": OWNER, "grants": [OWNER_FULL, PUBLIC_READ, EMAIL_WRITE]}


def _named(grant: dict[str, Any]) -> dict[str, Any]:
    return {**grant, "Grantee": {**grant["Grantee"], "DisplayName": "someone"}}


def test_the_same_grants_in_another_order_with_display_names_match() -> None:
    answer = {
        "Owner": {"ID": OWNER, "DisplayName": "owner"},
        "Grants": [_named(EMAIL_WRITE), _named(PUBLIC_READ), _named(OWNER_FULL)],
    }
    assert _gives(State.BUCKET_ACL, ACL, answer) is None


def test_an_acl_without_grants_matches_an_expected_empty_one() -> None:
    assert _gives(State.BUCKET_ACL, {"owner": OWNER, "grants": []}, {"Owner": {"ID": OWNER}}) is None


def test_another_owner_does_not_match() -> None:
    answer = {"Owner": {"ID": PARTNER}, "Grants": ACL["grants"]}
    assert _gives(State.BUCKET_ACL, ACL, answer) == "the bucket's owner changed since the scan"


@pytest.mark.parametrize(
    "grants",
    [
        [OWNER_FULL, PUBLIC_READ],
        [OWNER_FULL, PUBLIC_READ, EMAIL_WRITE, PARTNER_READ],
        [OWNER_FULL, PUBLIC_READ, EMAIL_WRITE, PUBLIC_READ],
        [OWNER_FULL, {**PUBLIC_READ, "Permission": "WRITE"}, EMAIL_WRITE],
    ],
    ids=["a grant removed", "a grant added", "a grant twice", "another permission"],
)
def test_other_grants_do_not_match(grants: list[dict[str, Any]]) -> None:
    answer = {"Owner": {"ID": OWNER}, "Grants": grants}
    assert _gives(State.BUCKET_ACL, ACL, answer) == "the bucket's ACL changed since the scan"


# --- Block Public Access -------------------------------------------------------------------------------

ALL_ON = dict.fromkeys(
    ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
)
ACLS_ONLY = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": False,
    "RestrictPublicBuckets": False,
}


def test_the_same_settings_match_and_a_missing_setting_reads_as_false() -> None:
    assert (
        _gives(
            State.BUCKET_PUBLIC_ACCESS_BLOCK,
            {"configuration": ALL_ON},
            {"PublicAccessBlockConfiguration": ALL_ON},
        )
        is None
    )
    answer = {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "IgnorePublicAcls": True}}
    assert _gives(State.BUCKET_PUBLIC_ACCESS_BLOCK, {"configuration": ACLS_ONLY}, answer) is None


def test_another_setting_does_not_match() -> None:
    assert (
        _gives(
            State.BUCKET_PUBLIC_ACCESS_BLOCK,
            {"configuration": ACLS_ONLY},
            {"PublicAccessBlockConfiguration": ALL_ON},
        )
        == "the bucket's Block Public Access settings changed since the scan"
    )


def test_a_configuration_where_none_was_and_none_where_one_was_do_not_match() -> None:
    changed = "the bucket's Block Public Access configuration changed since the scan"
    assert (
        _gives(
            State.BUCKET_PUBLIC_ACCESS_BLOCK,
            {"configuration": None},
            {"PublicAccessBlockConfiguration": ALL_ON},
        )
        == changed
    )
    assert (
        _fails(
            State.BUCKET_PUBLIC_ACCESS_BLOCK,
            {"configuration": ALL_ON},
            "NoSuchPublicAccessBlockConfiguration",
        )
        == changed
    )


def test_no_configuration_matches_none_expected() -> None:
    assert (
        _fails(
            State.BUCKET_PUBLIC_ACCESS_BLOCK, {"configuration": None}, "NoSuchPublicAccessBlockConfiguration"
        )
        is None
    )


# --- security group rules ------------------------------------------------------------------------------

SSH_WORLD = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
ALL_FROM_PEER = {
    "IpProtocol": "-1",
    "FromPort": -1,
    "ToPort": -1,
    "UserIdGroupPairs": [{"GroupId": PEER_GROUP}],
}
DNS_IPV6 = {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
HTTPS_PREFIX_LIST = {
    "IpProtocol": "tcp",
    "FromPort": 443,
    "ToPort": 443,
    "PrefixListIds": [{"PrefixListId": "pl-1a2b3c4d"}],
}


def _group(ingress: list[Any], egress: list[Any] | None = None) -> dict[str, Any]:
    """DescribeSecurityGroups' answer for the group, as EC2 gives it."""
    return {
        "SecurityGroups": [
            {
                "GroupId": GROUP,
                "GroupName": "web",
                "OwnerId": "123456789012",
                "VpcId": "vpc-0123456789abcdef0",
                "IpPermissions": ingress,
                "IpPermissionsEgress": egress or [],
            }
        ]
    }


def _rules(direction: str, present: list[dict[str, Any]], absent: list[dict[str, Any]]) -> dict[str, Any]:
    return {"direction": direction, "present": present, "absent": absent}


# How EC2 lists the rules the remedies name: several peers in one permission, protocol numbers where
# rules were authorized by number, the owner of a referenced group filled in, descriptions.
AS_LISTED: list[dict[str, Any]] = [
    {
        "IpProtocol": "6",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [
            {"CidrIp": "10.0.0.0/8", "Description": "office"},
            {"CidrIp": "0.0.0.0/0", "Description": "x"},
        ],
        "Ipv6Ranges": [],
        "PrefixListIds": [],
        "UserIdGroupPairs": [],
    },
    {
        "IpProtocol": "-1",
        "IpRanges": [],
        "UserIdGroupPairs": [{"GroupId": PEER_GROUP, "UserId": "123456789012", "Description": "peers"}],
    },
    {"IpProtocol": "17", "FromPort": 53, "ToPort": 53, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
    {
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "PrefixListIds": [{"PrefixListId": "pl-1a2b3c4d", "Description": "s3"}],
    },
]
NAMED = [SSH_WORLD, ALL_FROM_PEER, DNS_IPV6, HTTPS_PREFIX_LIST]


def test_rules_as_ec2_lists_them_match_the_single_peer_permissions_a_remedy_names() -> None:
    assert _gives(State.SECURITY_GROUP_RULES, _rules("ingress", NAMED, []), _group(AS_LISTED)) is None


def test_every_revoked_rule_gone_matches_the_after_state() -> None:
    remaining = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]
    assert _gives(State.SECURITY_GROUP_RULES, _rules("ingress", [], NAMED), _group(remaining)) is None


def test_a_rule_to_revoke_that_is_no_longer_there_does_not_match() -> None:
    assert (
        _gives(State.SECURITY_GROUP_RULES, _rules("ingress", NAMED, []), _group(AS_LISTED[1:]))
        == "1 of the rules to revoke are no longer in the group"
    )


def test_a_rule_with_other_ports_is_another_rule() -> None:
    wider = [{**AS_LISTED[0], "ToPort": 23}]
    assert (
        _gives(State.SECURITY_GROUP_RULES, _rules("ingress", [SSH_WORLD], []), _group(wider))
        == "1 of the rules to revoke are no longer in the group"
    )


def test_revoked_rules_back_in_the_group_do_not_match() -> None:
    assert (
        _gives(State.SECURITY_GROUP_RULES, _rules("ingress", [], NAMED), _group(AS_LISTED[:2]))
        == "2 of the revoked rules are back in the group"
    )


def test_a_direction_is_compared_with_that_directions_rules_only() -> None:
    egress = _rules("egress", [SSH_WORLD], [])
    assert _gives(State.SECURITY_GROUP_RULES, egress, _group([SSH_WORLD])) == (
        "1 of the rules to revoke are no longer in the group"
    )
    assert _gives(State.SECURITY_GROUP_RULES, egress, _group([], [SSH_WORLD])) is None


def test_a_group_not_in_the_answer_no_longer_exists() -> None:
    assert (
        _gives(State.SECURITY_GROUP_RULES, _rules("ingress", [SSH_WORLD], []), {"SecurityGroups": []})
        == "the security group no longer exists"
    )
    assert _fails(
        State.SECURITY_GROUP_RULES, _rules("ingress", [SSH_WORLD], []), "InvalidGroup.NotFound"
    ) == ("the resource no longer exists")


# --- record sets ---------------------------------------------------------------------------------------

RECORD = {
    "Name": "assets.example.com.",
    "Type": "CNAME",
    "TTL": 300,
    "ResourceRecords": [{"Value": "assets.example.com.s3-website-us-east-1.amazonaws.com"}],
}
NEXT_RECORD = {
    "Name": "www.example.com.",
    "Type": "A",
    "TTL": 60,
    "ResourceRecords": [{"Value": "192.0.2.1"}],
}
WEIGHTED = {**RECORD, "SetIdentifier": "blue", "Weight": 10}


def _listing(*records: dict[str, Any]) -> dict[str, Any]:
    return {"ResourceRecordSets": list(records), "IsTruncated": False, "MaxItems": "1"}


def test_the_record_set_listed_identically_matches() -> None:
    assert (
        _gives(State.RECORD_SET, {"present": RECORD, "absent": None}, _listing(RECORD, NEXT_RECORD)) is None
    )


def test_a_record_set_is_found_under_its_name_in_any_case_with_or_without_final_dot() -> None:
    """Found, then compared whole: a `present` one listed otherwise than the scan saw it has changed."""
    expected = {**RECORD, "Name": "Assets.Example.com"}
    assert _gives(State.RECORD_SET, {"present": expected, "absent": None}, _listing(RECORD)) == (
        "the record set changed since the scan"
    )
    assert _gives(State.RECORD_SET, {"present": None, "absent": expected}, _listing(RECORD)) == (
        "a record set of that name and type exists again"
    )


def test_a_record_set_with_other_values_does_not_match() -> None:
    assert _gives(State.RECORD_SET, {"present": RECORD, "absent": None}, _listing({**RECORD, "TTL": 60})) == (
        "the record set changed since the scan"
    )


def test_a_record_set_no_longer_listed_does_not_match() -> None:
    assert _gives(State.RECORD_SET, {"present": RECORD, "absent": None}, _listing(NEXT_RECORD)) == (
        "the record set no longer exists"
    )


def test_a_deleted_record_set_matches_the_after_state_until_it_is_created_again() -> None:
    assert _gives(State.RECORD_SET, {"present": None, "absent": RECORD}, _listing(NEXT_RECORD)) is None
    assert _gives(State.RECORD_SET, {"present": None, "absent": RECORD}, _listing({**RECORD, "TTL": 5})) == (
        "a record set of that name and type exists again"
    )


def test_record_sets_of_one_name_and_type_are_told_apart_by_their_set_identifier() -> None:
    green = {**WEIGHTED, "SetIdentifier": "green"}
    assert _gives(State.RECORD_SET, {"present": WEIGHTED, "absent": None}, _listing(green)) == (
        "the record set no longer exists"
    )
    assert _gives(State.RECORD_SET, {"present": WEIGHTED, "absent": None}, _listing(green, WEIGHTED)) is None


def test_a_zone_that_is_gone_no_longer_matches() -> None:
    assert _fails(State.RECORD_SET, {"present": RECORD, "absent": None}, "NoSuchHostedZone") == (
        "the resource no longer exists"
    )


# --- access keys ---------------------------------------------------------------------------------------

KEY = {"user": "deploy-bot", "access_key_id": "AKIAFIRST", "status": "Active"}


def _keys(*statuses: tuple[str, str]) -> dict[str, Any]:
    return {
        "AccessKeyMetadata": [
            {
                "UserName": "deploy-bot",
                "AccessKeyId": key,
                "Status": status,
                "CreateDate": "2024-01-02T03:04:05Z",
            }
            for key, status in statuses
        ],
        "IsTruncated": False,
    }


def test_the_key_listed_with_that_status_matches() -> None:
    assert _gives(State.ACCESS_KEY, KEY, _keys(("AKIAOTHER", "Inactive"), ("AKIAFIRST", "Active"))) is None


def test_the_key_with_another_status_does_not_match() -> None:
    assert _gives(State.ACCESS_KEY, KEY, _keys(("AKIAFIRST", "Inactive"))) == (
        "the access key is Inactive now, not Active"
    )


def test_a_key_no_longer_listed_does_not_match() -> None:
    assert _gives(State.ACCESS_KEY, KEY, _keys(("AKIAOTHER", "Active"))) == "the access key no longer exists"


# --- answers that cannot be read -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "expected", "answer"),
    [
        (State.BUCKET_POLICY, {"policy": POLICY}, {}),
        (State.BUCKET_POLICY, {"policy": POLICY}, {"Policy": "<html>not a policy</html>"}),
        (State.BUCKET_POLICY, {"policy": POLICY}, {"Policy": None}),
        (State.BUCKET_POLICY, {"policy": POLICY}, {"Policy": "[" * 100_000}),
        (State.BUCKET_ACL, ACL, {"Owner": None}),
        (State.BUCKET_ACL, ACL, {"Owner": {"ID": OWNER}, "Grants": ["FULL_CONTROL"]}),
        (State.BUCKET_ACL, ACL, {"Owner": {"ID": OWNER}, "Grants": [{"Grantee": "everyone"}]}),
        (State.BUCKET_PUBLIC_ACCESS_BLOCK, {"configuration": ALL_ON}, {}),
        (
            State.BUCKET_PUBLIC_ACCESS_BLOCK,
            {"configuration": ALL_ON},
            {"PublicAccessBlockConfiguration": "on"},
        ),
        (State.SECURITY_GROUP_RULES, _rules("ingress", [SSH_WORLD], []), {"SecurityGroups": None}),
        (State.SECURITY_GROUP_RULES, _rules("ingress", [SSH_WORLD], []), {"SecurityGroups": "x"}),
        (State.SECURITY_GROUP_RULES, _rules("ingress", [SSH_WORLD], []), _group(["tcp 22"])),
        (
            State.SECURITY_GROUP_RULES,
            _rules("ingress", [SSH_WORLD], []),
            _group([{"IpRanges": ["0.0.0.0/0"]}]),
        ),
        (
            State.SECURITY_GROUP_RULES,
            _rules("ingress", [], [SSH_WORLD]),
            _group([{"IpProtocol": "tcp", "IpRanges": [{"Description": "no address"}]}]),
        ),
        (State.SECURITY_GROUP_RULES, {"present": [SSH_WORLD]}, _group([SSH_WORLD])),
        (
            State.RECORD_SET,
            {"present": RECORD, "absent": None},
            {"ResourceRecordSets": [{"Name": RECORD["Name"]}]},
        ),
        (State.RECORD_SET, {"present": RECORD, "absent": None}, {"ResourceRecordSets": None}),
        (State.ACCESS_KEY, KEY, {"AccessKeyMetadata": [None]}),
        (State.ACCESS_KEY, KEY, {"AccessKeyMetadata": 3}),
    ],
)
def test_an_answer_that_cannot_be_read_is_not_known(
    state: State, expected: dict[str, Any], answer: dict[str, Any]
) -> None:
    with pytest.raises(Unread, match=r"^the answer could not be read"):
        _gives(state, expected, answer)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (
            State.SECURITY_GROUP_RULES,
            _rules("ingress", [{**SSH_WORLD, "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "::/0"}]}], []),
        ),
        (
            State.SECURITY_GROUP_RULES,
            _rules("ingress", [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}], []),
        ),
        (State.RECORD_SET, {"present": None, "absent": None}),
    ],
    ids=["a permission with two peers", "a permission with no peer", "a record-set state naming no record"],
)
def test_an_expected_state_that_names_nothing_exactly_is_not_compared(
    state: State, expected: dict[str, Any]
) -> None:
    answer = _group([SSH_WORLD]) if state is State.SECURITY_GROUP_RULES else _listing(RECORD)
    with pytest.raises(Unread, match=r"^the answer could not be read"):
        _gives(state, expected, answer)


# --- descriptions restored by a rollback ---------------------------------------------------------------


def _authorize(*permissions: dict[str, Any], egress: bool = False) -> Call:
    operation = "AuthorizeSecurityGroupEgress" if egress else "AuthorizeSecurityGroupIngress"
    return Call(
        service="ec2", operation=operation, parameters={"GroupId": GROUP, "IpPermissions": [*permissions]}
    )


def test_a_rollback_authorizes_each_rule_with_the_description_it_had_before_the_change() -> None:
    calls = (_authorize(SSH_WORLD, ALL_FROM_PEER, DNS_IPV6, HTTPS_PREFIX_LIST),)

    (described,) = with_descriptions(calls, _group(AS_LISTED))

    assert described.parameters == {
        "GroupId": GROUP,
        "IpPermissions": [
            {**SSH_WORLD, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "x"}]},
            {**ALL_FROM_PEER, "UserIdGroupPairs": [{"GroupId": PEER_GROUP, "Description": "peers"}]},
            DNS_IPV6,  # listed without a description: none added
            {**HTTPS_PREFIX_LIST, "PrefixListIds": [{"PrefixListId": "pl-1a2b3c4d", "Description": "s3"}]},
        ],
    }
    assert (described.service, described.operation) == ("ec2", "AuthorizeSecurityGroupIngress")


def test_descriptions_come_from_the_direction_the_call_authorizes() -> None:
    egress = [{**SSH_WORLD, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "outbound ssh"}]}]
    seen = _group(AS_LISTED, egress)

    (inbound,) = with_descriptions((_authorize(SSH_WORLD),), seen)
    (outbound,) = with_descriptions((_authorize(SSH_WORLD, egress=True),), seen)

    assert inbound.parameters["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0", "Description": "x"}]
    assert outbound.parameters["IpPermissions"][0]["IpRanges"] == [
        {"CidrIp": "0.0.0.0/0", "Description": "outbound ssh"}
    ]


@pytest.mark.parametrize(
    "seen",
    [
        None,  # a change journaled as started: its read before was never journaled
        {},
        {"SecurityGroups": []},
        {"SecurityGroups": [{"IpPermissions": AS_LISTED}, {"IpPermissions": AS_LISTED}]},
        {"SecurityGroups": [{"IpPermissions": [{"IpProtocol": "tcp", "IpRanges": [{"Description": "x"}]}]}]},
        {"SecurityGroups": [{"IpPermissions": "not a list"}]},
        {"SecurityGroups": ["not a group"]},
    ],
)
def test_without_a_readable_group_the_rules_are_authorized_as_planned(seen: Any) -> None:
    calls = (_authorize(SSH_WORLD, ALL_FROM_PEER),)
    assert with_descriptions(calls, seen) == calls


def test_other_calls_a_planned_description_and_rules_not_seen_are_left_as_they_are() -> None:
    put = Call(service="s3", operation="PutBucketPolicy", parameters={"Bucket": "b", "Policy": "{}"})
    described = {**SSH_WORLD, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "as planned"}]}
    elsewhere = {**SSH_WORLD, "IpRanges": [{"CidrIp": "192.0.2.0/24"}]}
    revoke = Call(
        service="ec2", operation="RevokeSecurityGroupIngress", parameters={"IpPermissions": [SSH_WORLD]}
    )
    calls = (put, _authorize(described, elsewhere), revoke)

    assert with_descriptions(calls, _group(AS_LISTED)) == calls
