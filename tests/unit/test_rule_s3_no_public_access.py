"""The rule s3-no-public-access on hand-built snapshots: exact verdicts per bucket.

A bucket is public through its policy (AWS's definition of a public policy, unless
RestrictPublicBuckets is on at the account or the bucket level) or through its ACL (a grant to AllUsers
or AuthenticatedUsers, unless IgnorePublicAcls is on at either level or Object Ownership is
BucketOwnerEnforced). BlockPublicPolicy and BlockPublicAcls only refuse new public settings.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence

import msgspec
import pytest

from cloudwarden.findings import Severity, Status
from cloudwarden.rules.base import Verdict
from cloudwarden.rules.s3_no_public_access import S3_NO_PUBLIC_ACCESS
from cloudwarden.snapshot import AclGrant, ApiError, Bucket, Collection, PublicAccessBlock

from .builders import (
    ACCOUNT_ID,
    ALL_BLOCKED,
    ALL_USERS,
    AUTHENTICATED_USERS,
    LOG_DELIVERY,
    OTHER_ACCOUNT_ID,
    OTHER_CANONICAL_ID,
    OWNER_CANONICAL_ID,
    allow_statement,
    bucket_policy,
    group_grant,
    outcomes,
    run,
    s3_account,
    s3_api_error,
    s3_bucket,
    s3_context,
    severity_of,
    single,
)

BUCKET = "team-data"
ENFORCED = "BucketOwnerEnforced"
PUBLIC_READ = bucket_policy(allow_statement("s3:GetObject", sid="PublicRead", bucket=BUCKET))
"""Statement 0, "PublicRead": anyone may GetObject, without condition."""
VPCE_ONLY = {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}

NO_FLAGS = {
    "block_public_acls": False,
    "ignore_public_acls": False,
    "block_public_policy": False,
    "restrict_public_buckets": False,
}
ALL_FLAGS = dict.fromkeys(NO_FLAGS, True)
RESTRICT = PublicAccessBlock(restrict_public_buckets=True)
IGNORE_ACLS = PublicAccessBlock(ignore_public_acls=True)


def check(
    *buckets: Bucket,
    account_block: PublicAccessBlock | None = None,
    errors: Sequence[ApiError] = (),
    declared: Sequence[str] = (),
) -> list[Verdict]:
    """The rule's verdicts on an account holding `buckets`, with `declared` in s3.public_buckets."""
    target = s3_account(*buckets, account_block=account_block, errors=errors)
    return run(S3_NO_PUBLIC_ACCESS, target, s3_context(*declared))


def severity(verdict: Verdict) -> Severity:
    return severity_of(S3_NO_PUBLIC_ACCESS, verdict)


def test_the_rule_reads_the_s3_collection_and_exactly_the_actions_of_its_access_settings() -> None:
    """Not the bucket's tags: no rule reads them."""
    assert S3_NO_PUBLIC_ACCESS.needs == {Collection.S3}
    assert set(S3_NO_PUBLIC_ACCESS.permissions) == {
        "s3:ListAllMyBuckets",
        "s3:GetBucketLocation",
        "s3:GetBucketPolicy",
        "s3:GetBucketPolicyStatus",
        "s3:GetBucketAcl",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetBucketOwnershipControls",
        "s3:GetAccountPublicAccessBlock",
    }


# --- nothing public ---------------------------------------------------------------------------------


def test_bucket_without_policy_and_with_only_the_owner_grant_passes() -> None:
    verdicts = check(s3_bucket(BUCKET))
    assert outcomes(verdicts) == {(Status.PASS, BUCKET)}
    verdict = single(verdicts)
    assert verdict.message == "not public: no public policy statement and no public ACL grant"
    assert verdict.resource.type == "AWS::S3::Bucket"
    assert verdict.resource.arn == f"arn:aws:s3:::{BUCKET}"
    assert verdict.region == "eu-west-1"
    assert verdict.evidence["block_public_access"] == {
        "account": "none configured",
        "bucket": "none configured",
    }
    assert verdict.evidence["public_acl_grants"] == []
    assert verdict.evidence["exposed_via"] == []
    assert verdict.evidence["public_can"] == []
    assert verdict.evidence["object_ownership"] == "ObjectWriter"


def test_account_without_buckets_has_no_verdict() -> None:
    assert check() == []


def test_policy_granting_only_a_fixed_account_passes() -> None:
    policy = bucket_policy(
        allow_statement("s3:*", sid="Partner", principal={"AWS": f"arn:aws:iam::{OTHER_ACCOUNT_ID}:root"})
    )
    verdicts = check(s3_bucket(BUCKET, policy=policy))
    assert outcomes(verdicts) == {(Status.PASS, BUCKET)}
    assert single(verdicts).evidence["public_statements"] == []


def test_open_policy_limited_to_a_vpc_endpoint_passes_and_names_the_limit() -> None:
    policy = bucket_policy(allow_statement("s3:*", sid="FromVpce", bucket=BUCKET, condition=VPCE_ONLY))
    verdicts = check(s3_bucket(BUCKET, policy=policy))
    assert outcomes(verdicts) == {(Status.PASS, BUCKET)}
    verdict = single(verdicts)
    assert verdict.evidence["public_statements"] == []
    assert verdict.evidence["limited_statements"] == [
        {"index": 0, "sid": "FromVpce", "limited_by": "StringEquals aws:SourceVpce ['vpce-1a2b3c4d']"}
    ]
    assert "no public policy statement" in verdict.message


def test_log_delivery_grants_are_not_public() -> None:
    grants = (group_grant(LOG_DELIVERY, "WRITE"), group_grant(LOG_DELIVERY, "READ_ACP"))
    verdicts = check(s3_bucket("access-logs", grants=grants))
    assert outcomes(verdicts) == {(Status.PASS, "access-logs")}
    assert single(verdicts).evidence["public_acl_grants"] == []


def test_grants_to_other_canonical_users_and_emails_are_not_public() -> None:
    grants = (
        AclGrant(grantee_type="CanonicalUser", grantee=OTHER_CANONICAL_ID, permission="FULL_CONTROL"),
        AclGrant(grantee_type="AmazonCustomerByEmail", grantee="ops@example.com", permission="READ"),
    )
    verdicts = check(s3_bucket(BUCKET, grants=grants))
    assert outcomes(verdicts) == {(Status.PASS, BUCKET)}
    assert single(verdicts).evidence["public_acl_grants"] == []


# --- exposure through the policy --------------------------------------------------------------------


def test_policy_letting_anyone_get_objects_fails_high_naming_the_statement() -> None:
    verdicts = check(s3_bucket(BUCKET, policy=PUBLIC_READ))
    assert outcomes(verdicts) == {(Status.FAIL, BUCKET)}
    verdict = single(verdicts)
    assert severity(verdict) is Severity.HIGH
    assert verdict.message == "anyone can read through its policy (statement 0 ('PublicRead'))"
    assert verdict.evidence["public_statements"] == [
        {
            "index": 0,
            "sid": "PublicRead",
            "principal": '"*"',
            "grants": ["read"],
            "why_no_condition_limits_it": ["no condition"],
        }
    ]
    assert verdict.evidence["exposed_via"] == ["its policy (statement 0 ('PublicRead'))"]
    assert verdict.evidence["public_can"] == ["read"]
    assert verdict.remediation is not None
    assert f"In the policy of {BUCKET}, remove statement 0 ('PublicRead')" in verdict.remediation
    assert "s3.public_buckets" in verdict.remediation


def test_policy_granting_s3_star_to_anyone_fails_critical() -> None:
    policy = bucket_policy(allow_statement("s3:*", sid="Everything", bucket=BUCKET))
    verdict = single(check(s3_bucket(BUCKET, policy=policy)))
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.CRITICAL
    assert verdict.evidence["public_can"] == ["read", "list", "write"]
    assert verdict.message.startswith("anyone can read, list, write through its policy")


def test_policy_letting_anyone_list_the_bucket_fails_critical() -> None:
    policy = bucket_policy(allow_statement("s3:ListBucket", sid="Listing", bucket=BUCKET))
    verdict = single(check(s3_bucket(BUCKET, policy=policy)))
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.CRITICAL
    assert verdict.evidence["public_can"] == ["list"]


def test_policy_letting_anyone_put_objects_fails_critical() -> None:
    policy = bucket_policy(allow_statement("s3:PutObject", sid="Dropbox", bucket=BUCKET))
    verdict = single(check(s3_bucket(BUCKET, policy=policy)))
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.CRITICAL
    assert verdict.evidence["public_can"] == ["write"]


def test_open_statement_with_a_condition_that_does_not_fix_the_caller_fails_explaining_why() -> None:
    secure = {"Bool": {"aws:SecureTransport": "true"}}
    policy = bucket_policy(
        allow_statement("s3:GetObject", sid="Private", bucket=BUCKET, condition=VPCE_ONLY),
        allow_statement(
            "s3:GetObject", sid="TlsOnly", principal={"AWS": "*"}, bucket=BUCKET, condition=secure
        ),
    )
    verdict = single(check(s3_bucket(BUCKET, policy=policy)))
    assert verdict.status is Status.FAIL
    assert verdict.evidence["public_statements"] == [
        {
            "index": 1,
            "sid": "TlsOnly",
            "principal": '{"AWS": "*"}',
            "grants": ["read"],
            "why_no_condition_limits_it": [
                "Bool aws:SecureTransport: this key does not identify the caller or its network"
            ],
        }
    ]
    assert [item["index"] for item in verdict.evidence["limited_statements"]] == [0]
    assert "statement 1 ('TlsOnly')" in verdict.message
    assert verdict.remediation is not None
    assert "remove statement 1 ('TlsOnly')" in verdict.remediation


def test_public_statement_without_sid_is_named_by_its_index() -> None:
    policy = bucket_policy(allow_statement("s3:GetObject", sid=None, bucket=BUCKET))
    verdict = single(check(s3_bucket(BUCKET, policy=policy)))
    assert verdict.status is Status.FAIL
    assert verdict.message == "anyone can read through its policy (statement 0)"


def test_deny_for_everyone_does_not_offset_a_public_allow() -> None:
    deny = {
        "Sid": "TlsOnly",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    policy = bucket_policy(allow_statement("s3:GetObject", bucket=BUCKET), deny)
    verdict = single(check(s3_bucket(BUCKET, policy=policy)))
    assert verdict.status is Status.FAIL
    assert verdict.evidence["narrowing_denies"] == [
        {"index": 1, "sid": "TlsOnly", "effect": "denies everyone when Bool aws:SecureTransport ['false']"}
    ]


# --- exposure through the ACL -----------------------------------------------------------------------


def test_all_users_read_grant_fails_critical_as_listing() -> None:
    verdicts = check(s3_bucket(BUCKET, grants=(group_grant(ALL_USERS, "READ"),)))
    assert outcomes(verdicts) == {(Status.FAIL, BUCKET)}
    verdict = single(verdicts)
    assert severity(verdict) is Severity.CRITICAL
    assert verdict.message == "anyone can list through its ACL"
    assert verdict.evidence["public_acl_grants"] == [{"grantee": "AllUsers (anyone)", "permission": "READ"}]
    assert verdict.evidence["exposed_via"] == ["its ACL"]
    assert verdict.evidence["public_can"] == ["list"]
    assert verdict.remediation is not None
    assert f"Set Object Ownership of {BUCKET} to BucketOwnerEnforced" in verdict.remediation
    assert "In the policy of" not in verdict.remediation


def test_authenticated_users_read_grant_fails_critical_as_listing() -> None:
    verdict = single(check(s3_bucket(BUCKET, grants=(group_grant(AUTHENTICATED_USERS, "READ"),))))
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.CRITICAL
    assert verdict.evidence["public_can"] == ["list"]
    assert verdict.evidence["public_acl_grants"] == [
        {"grantee": "AuthenticatedUsers (any AWS account)", "permission": "READ"}
    ]


def test_all_users_read_acp_only_fails_high() -> None:
    verdict = single(check(s3_bucket(BUCKET, grants=(group_grant(ALL_USERS, "READ_ACP"),))))
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.HIGH
    assert verdict.evidence["public_can"] == ["read"]


@pytest.mark.parametrize(
    ("permission", "can"),
    [
        ("WRITE", ["write"]),
        ("WRITE_ACP", ["write"]),
        ("FULL_CONTROL", ["list", "write"]),
    ],
)
def test_all_users_write_grants_fail_critical(permission: str, can: list[str]) -> None:
    verdict = single(check(s3_bucket(BUCKET, grants=(group_grant(ALL_USERS, permission),))))
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.CRITICAL
    assert verdict.evidence["public_can"] == can


def test_several_public_grants_are_all_listed_and_combined() -> None:
    grants = (
        group_grant(AUTHENTICATED_USERS, "READ_ACP"),
        group_grant(LOG_DELIVERY, "WRITE"),
        group_grant(ALL_USERS, "WRITE"),
    )
    verdict = single(check(s3_bucket(BUCKET, grants=grants)))
    assert verdict.status is Status.FAIL
    assert verdict.evidence["public_acl_grants"] == [
        {"grantee": "AuthenticatedUsers (any AWS account)", "permission": "READ_ACP"},
        {"grantee": "AllUsers (anyone)", "permission": "WRITE"},
    ]
    assert verdict.evidence["public_can"] == ["read", "write"]


def test_public_acl_with_ownership_bucket_owner_preferred_still_fails() -> None:
    bucket = s3_bucket(
        BUCKET, grants=(group_grant(ALL_USERS, "READ"),), object_ownership="BucketOwnerPreferred"
    )
    assert outcomes(check(bucket)) == {(Status.FAIL, BUCKET)}


# --- both paths -------------------------------------------------------------------------------------


def test_public_policy_and_public_acl_fail_naming_both_paths() -> None:
    bucket = s3_bucket(BUCKET, policy=PUBLIC_READ, grants=(group_grant(ALL_USERS, "READ"),))
    verdict = single(check(bucket))
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.CRITICAL
    assert (
        verdict.message == "anyone can read, list through its policy (statement 0 ('PublicRead')) and its ACL"
    )
    assert verdict.evidence["exposed_via"] == ["its policy (statement 0 ('PublicRead'))", "its ACL"]
    assert verdict.evidence["public_can"] == ["read", "list"]
    assert verdict.remediation is not None
    assert "remove statement 0 ('PublicRead')" in verdict.remediation
    assert "BucketOwnerEnforced" in verdict.remediation


def test_neutralised_policy_beside_an_open_acl_fails_through_the_acl_only() -> None:
    bucket = s3_bucket(
        BUCKET,
        policy=bucket_policy(allow_statement("s3:*", bucket=BUCKET)),
        grants=(group_grant(ALL_USERS, "READ_ACP"),),
        public_access_block=RESTRICT,
    )
    verdict = single(check(bucket))
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.HIGH
    assert verdict.evidence["exposed_via"] == ["its ACL"]
    assert verdict.evidence["public_can"] == ["read"]
    assert verdict.remediation is not None
    assert "In the policy of" not in verdict.remediation


def test_neutralised_acl_beside_an_open_policy_fails_through_the_policy_only() -> None:
    bucket = s3_bucket(
        BUCKET, policy=PUBLIC_READ, grants=(group_grant(ALL_USERS, "WRITE"),), object_ownership=ENFORCED
    )
    verdict = single(check(bucket))
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.HIGH
    assert verdict.evidence["exposed_via"] == ["its policy (statement 0 ('PublicRead'))"]
    assert verdict.evidence["public_can"] == ["read"]
    assert verdict.remediation is not None
    assert "BucketOwnerEnforced (disables ACLs)" not in verdict.remediation


# --- Block Public Access ----------------------------------------------------------------------------


def test_block_public_policy_alone_does_not_neutralise_an_existing_public_policy() -> None:
    block = PublicAccessBlock(block_public_policy=True)
    verdicts = check(s3_bucket(BUCKET, policy=PUBLIC_READ, public_access_block=block), account_block=block)
    assert outcomes(verdicts) == {(Status.FAIL, BUCKET)}


def test_block_public_acls_alone_does_not_neutralise_an_existing_public_acl() -> None:
    block = PublicAccessBlock(block_public_acls=True)
    bucket = s3_bucket(BUCKET, grants=(group_grant(ALL_USERS, "READ"),), public_access_block=block)
    assert outcomes(check(bucket, account_block=block)) == {(Status.FAIL, BUCKET)}


def test_public_policy_neutralised_by_restrict_public_buckets_passes_saying_what_it_would_expose() -> None:
    policy = bucket_policy(allow_statement("s3:*", sid="Everything", bucket=BUCKET))
    verdicts = check(s3_bucket(BUCKET, policy=policy, public_access_block=RESTRICT))
    assert outcomes(verdicts) == {(Status.PASS, BUCKET)}
    verdict = single(verdicts)
    assert verdict.message == (
        "not public: Block Public Access neutralises its public policy (read, list, write) by "
        "RestrictPublicBuckets; lifting it would expose them"
    )
    assert verdict.evidence["block_public_access"] == {
        "account": "none configured",
        "bucket": {**NO_FLAGS, "restrict_public_buckets": True},
    }
    assert verdict.evidence["exposed_via"] == []
    assert verdict.evidence["public_can"] == []
    assert [item["sid"] for item in verdict.evidence["public_statements"]] == ["Everything"]


def test_public_acl_neutralised_by_account_ignore_public_acls_passes_saying_what_it_would_expose() -> None:
    bucket = s3_bucket(BUCKET, grants=(group_grant(ALL_USERS, "FULL_CONTROL"),))
    verdicts = check(bucket, account_block=IGNORE_ACLS)
    assert outcomes(verdicts) == {(Status.PASS, BUCKET)}
    verdict = single(verdicts)
    assert "neutralises its public ACL (list, write) by IgnorePublicAcls" in verdict.message
    assert "lifting it would expose" in verdict.message
    assert verdict.evidence["block_public_access"] == {
        "account": {**NO_FLAGS, "ignore_public_acls": True},
        "bucket": "none configured",
    }
    assert verdict.evidence["public_acl_grants"] == [
        {"grantee": "AllUsers (anyone)", "permission": "FULL_CONTROL"}
    ]


def test_public_acl_with_acls_disabled_by_object_ownership_passes_naming_it() -> None:
    bucket = s3_bucket(BUCKET, grants=(group_grant(ALL_USERS, "READ"),), object_ownership=ENFORCED)
    verdicts = check(bucket)
    assert outcomes(verdicts) == {(Status.PASS, BUCKET)}
    verdict = single(verdicts)
    assert (
        "ACLs are disabled (Object Ownership BucketOwnerEnforced), so its public ACL (list) has no effect"
        in (verdict.message)
    )
    assert verdict.evidence["object_ownership"] == ENFORCED


def test_policy_and_acl_both_neutralised_pass_naming_both() -> None:
    bucket = s3_bucket(
        BUCKET,
        policy=PUBLIC_READ,
        grants=(group_grant(AUTHENTICATED_USERS, "READ"),),
        public_access_block=ALL_BLOCKED,
    )
    verdicts = check(bucket, account_block=ALL_BLOCKED)
    assert outcomes(verdicts) == {(Status.PASS, BUCKET)}
    verdict = single(verdicts)
    assert verdict.message == (
        "not public: Block Public Access neutralises its public policy (read) by RestrictPublicBuckets "
        "and its public ACL (list) by IgnorePublicAcls; lifting it would expose them"
    )
    assert verdict.evidence["block_public_access"] == {"account": ALL_FLAGS, "bucket": ALL_FLAGS}


def test_all_flags_off_block_is_described_by_its_flags_not_as_none() -> None:
    verdict = single(check(s3_bucket(BUCKET, public_access_block=PublicAccessBlock()), account_block=None))
    assert verdict.evidence["block_public_access"] == {"account": "none configured", "bucket": NO_FLAGS}


# The table: every exposure path x both Block Public Access levels x Object Ownership.

UNREADABLE = "unreadable"
BLOCKS: dict[str, PublicAccessBlock | None] = {
    "none": None,
    "all-off": PublicAccessBlock(),
    "BlockPublicPolicy": PublicAccessBlock(block_public_policy=True),
    "BlockPublicAcls": PublicAccessBlock(block_public_acls=True),
    "RestrictPublicBuckets": RESTRICT,
    "IgnorePublicAcls": IGNORE_ACLS,
    "all": ALL_BLOCKED,
    UNREADABLE: None,
}
OWNERSHIPS = ("none", "ObjectWriter", ENFORCED, UNREADABLE)
EXPOSURES = ("policy", "acl", "policy+acl")


def _on(level: str, setting: str) -> bool | None:
    """Whether `setting` is on at a level of the table (None: the level could not be read)."""
    if level == UNREADABLE:
        return None
    block = BLOCKS[level]
    return bool(block and getattr(block, setting))


def _any(*values: bool | None) -> bool | None:
    if True in values:
        return True
    return None if None in values else False


def _closed(exposure: str, account: str, bucket: str, ownership: str) -> dict[str, bool | None]:
    """The specification: whether each public path of the bucket is closed (None: cannot be known)."""
    restricted = _any(_on(account, "restrict_public_buckets"), _on(bucket, "restrict_public_buckets"))
    acls_off = None if ownership == UNREADABLE else ownership == ENFORCED
    ignored = _any(_on(account, "ignore_public_acls"), _on(bucket, "ignore_public_acls"), acls_off)
    paths = {"policy": restricted, "acl": ignored}
    return {path: closed for path, closed in paths.items() if path in exposure}


@pytest.mark.parametrize(
    ("exposure", "account_level", "bucket_level", "ownership"),
    list(itertools.product(EXPOSURES, BLOCKS, BLOCKS, OWNERSHIPS)),
)
def test_exposure_against_block_public_access_levels_and_ownership(
    exposure: str, account_level: str, bucket_level: str, ownership: str
) -> None:
    errors = []
    if account_level == UNREADABLE:
        errors.append(s3_api_error("GetPublicAccessBlock", service="s3control"))
    if bucket_level == UNREADABLE:
        errors.append(s3_api_error("GetPublicAccessBlock", BUCKET))
    if ownership == UNREADABLE:
        errors.append(s3_api_error("GetBucketOwnershipControls", BUCKET))
    bucket = s3_bucket(
        BUCKET,
        policy=PUBLIC_READ if "policy" in exposure else None,
        grants=(group_grant(ALL_USERS, "READ"),) if "acl" in exposure else (),
        public_access_block=BLOCKS[bucket_level],
        object_ownership=ownership if ownership not in ("none", UNREADABLE) else None,
    )
    verdict = single(check(bucket, account_block=BLOCKS[account_level], errors=errors))

    closed = _closed(exposure, account_level, bucket_level, ownership)
    if False in closed.values():
        expected = Status.FAIL
    else:
        expected = Status.UNKNOWN if None in closed.values() else Status.PASS
    assert (verdict.status, verdict.resource.id) == (expected, BUCKET)
    assert verdict.evidence["block_public_access"] == {
        "account": _described(account_level),
        "bucket": _described(bucket_level),
    }
    if expected is Status.FAIL:
        # The policy lets anyone read (high); the ACL's READ lets anyone list (critical).
        acl_open = closed.get("acl") is False
        assert severity(verdict) is (Severity.CRITICAL if acl_open else Severity.HIGH)
        assert verdict.evidence["public_can"] == [
            *(["read"] if closed.get("policy") is False else []),
            *(["list"] if acl_open else []),
        ]
    elif expected is Status.PASS:
        # Neutralised by Block Public Access, or (for an ACL) disabled by BucketOwnerEnforced.
        assert verdict.message.startswith(
            ("not public: Block Public Access neutralises its public ", "not public: ACLs are disabled")
        )
    else:
        assert "AccessDenied" in verdict.message
        if account_level == UNREADABLE:
            assert "the account's Block Public Access could not be read: s3control:GetPublicAccessBlock" in (
                verdict.message
            )
        if bucket_level == UNREADABLE:
            assert (
                f"the bucket's Block Public Access could not be read: s3:GetPublicAccessBlock for {BUCKET}"
                in (verdict.message)
            )


def _described(level: str) -> object:
    """How the evidence shows a level of the table."""
    if level == UNREADABLE:
        return UNREADABLE
    block = BLOCKS[level]
    return "none configured" if block is None else msgspec.structs.asdict(block)


# --- buckets declared public in s3.public_buckets ---------------------------------------------------


def test_declared_public_bucket_readable_by_anyone_passes_as_declared() -> None:
    verdicts = check(s3_bucket("www.example.com", policy=PUBLIC_READ), declared=("www.example.com",))
    assert outcomes(verdicts) == {(Status.PASS, "www.example.com")}
    verdict = single(verdicts)
    assert verdict.message == (
        "declared public in s3.public_buckets: "
        "anyone can read through its policy (statement 0 ('PublicRead'))"
    )
    assert verdict.evidence["public_can"] == ["read"]


def test_declared_public_bucket_listable_by_anyone_passes_as_declared() -> None:
    bucket = s3_bucket("downloads", grants=(group_grant(ALL_USERS, "READ"),))
    verdict = single(check(bucket, declared=("downloads",)))
    assert verdict.status is Status.PASS
    assert "declared public" in verdict.message


def test_public_buckets_glob_declares_only_the_buckets_it_matches() -> None:
    buckets = [
        s3_bucket(name, policy=PUBLIC_READ)
        for name in ("www.example.com", "www.example.org", "wwwexample", "assets.www.example.com", "www")
    ]
    verdicts = check(*buckets, declared=("www.*",))
    assert outcomes(verdicts) == {
        (Status.PASS, "www.example.com"),
        (Status.PASS, "www.example.org"),
        (Status.FAIL, "wwwexample"),
        (Status.FAIL, "assets.www.example.com"),
        (Status.FAIL, "www"),
    }


def test_declared_public_bucket_writable_by_anyone_through_its_policy_still_fails_critical() -> None:
    policy = bucket_policy(
        allow_statement(["s3:GetObject", "s3:PutObject"], sid="Upload", bucket="www.example.com")
    )
    verdicts = check(s3_bucket("www.example.com", policy=policy), declared=("www.*",))
    assert outcomes(verdicts) == {(Status.FAIL, "www.example.com")}
    verdict = single(verdicts)
    assert severity(verdict) is Severity.CRITICAL
    assert "declared public, but public write is never intended" in verdict.message
    assert verdict.evidence["public_can"] == ["read", "write"]
    assert verdict.evidence["declared_public"] is True


def test_declared_public_bucket_writable_by_anyone_through_its_acl_still_fails_critical() -> None:
    bucket = s3_bucket("www.example.com", grants=(group_grant(ALL_USERS, "WRITE_ACP"),))
    verdict = single(check(bucket, declared=("www.example.com",)))
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.CRITICAL
    assert "public write is never intended" in verdict.message
    assert verdict.evidence["declared_public"] is True


def test_declared_public_bucket_whose_public_write_is_neutralised_passes() -> None:
    bucket = s3_bucket(
        "www.example.com",
        policy=PUBLIC_READ,
        grants=(group_grant(ALL_USERS, "WRITE"),),
        object_ownership=ENFORCED,
    )
    verdict = single(check(bucket, declared=("www.example.com",)))
    assert verdict.status is Status.PASS
    assert "declared public" in verdict.message


def test_declared_public_bucket_that_is_not_public_passes_as_not_public() -> None:
    verdict = single(check(s3_bucket("www.example.com"), declared=("www.*",)))
    assert verdict.status is Status.PASS
    assert verdict.message.startswith("not public")


def test_every_bucket_finding_says_whether_the_bucket_matches_s3_public_buckets() -> None:
    """Failing, passing or unknown: a plan made without the scan's configuration still knows."""
    verdicts = check(
        s3_bucket("www.example.com", policy=PUBLIC_READ),
        s3_bucket("www.example.org", grants=(group_grant(ALL_USERS, "WRITE"),)),
        s3_bucket("www.example.net", grants=None),
        s3_bucket("uploads", grants=(group_grant(ALL_USERS, "WRITE"),)),
        s3_bucket("private-data"),
        s3_bucket("secrets", grants=None),
        declared=("www.*",),
        errors=[s3_api_error("GetBucketAcl", "www.example.net"), s3_api_error("GetBucketAcl", "secrets")],
    )
    assert {
        (verdict.status, verdict.resource.id, verdict.evidence["declared_public"]) for verdict in verdicts
    } == {
        (Status.PASS, "www.example.com", True),
        (Status.FAIL, "www.example.org", True),
        (Status.UNKNOWN, "www.example.net", True),
        (Status.FAIL, "uploads", False),
        (Status.PASS, "private-data", False),
        (Status.UNKNOWN, "secrets", False),
    }


# --- AWS's own verdict (GetBucketPolicyStatus) -------------------------------------------------------


def test_agreement_with_aws_is_recorded_without_a_disagreement() -> None:
    verdict = single(check(s3_bucket(BUCKET, policy=PUBLIC_READ, policy_is_public=True)))
    assert verdict.status is Status.FAIL
    assert verdict.evidence["aws_policy_is_public"] is True
    assert "disagreement" not in verdict.evidence


def test_public_policy_that_aws_calls_not_public_still_fails_with_the_disagreement() -> None:
    verdict = single(check(s3_bucket(BUCKET, policy=PUBLIC_READ, policy_is_public=False)))
    assert verdict.status is Status.FAIL
    assert severity(verdict) is Severity.HIGH
    assert verdict.evidence["aws_policy_is_public"] is False
    assert "IsPublic=False" in verdict.evidence["disagreement"]
    assert "the stricter verdict (public) is used" in verdict.evidence["disagreement"]


LIMITED_POLICY = bucket_policy(
    allow_statement("s3:GetObject", sid="FromVpce", bucket=BUCKET, condition=VPCE_ONLY)
)


def test_limited_policy_that_aws_calls_public_fails_with_the_disagreement() -> None:
    verdicts = check(s3_bucket(BUCKET, policy=LIMITED_POLICY, policy_is_public=True))
    assert outcomes(verdicts) == {(Status.FAIL, BUCKET)}
    verdict = single(verdicts)
    assert severity(verdict) is Severity.HIGH
    assert verdict.evidence["aws_policy_is_public"] is True
    assert "IsPublic=True" in verdict.evidence["disagreement"]
    assert verdict.evidence["public_statements"] == []
    assert verdict.remediation is not None
    assert f"Review the policy of {BUCKET}: AWS reports it as public." in verdict.remediation


def test_policy_aws_calls_public_is_named_without_an_empty_statement_list() -> None:
    """No statement is public by cloudwarden's reading: the message must not say "(statement )"."""
    verdict = single(check(s3_bucket(BUCKET, policy=LIMITED_POLICY, policy_is_public=True)))
    assert verdict.status is Status.FAIL
    assert "through its policy" in verdict.message
    assert "(statement )" not in verdict.message
    assert all("(statement )" not in path for path in verdict.evidence["exposed_via"])


def test_policy_aws_calls_public_keeps_its_remediation_beside_a_public_acl() -> None:
    bucket = s3_bucket(
        BUCKET, policy=LIMITED_POLICY, policy_is_public=True, grants=(group_grant(ALL_USERS, "READ"),)
    )
    verdict = single(check(bucket))
    assert verdict.status is Status.FAIL
    assert len(verdict.evidence["exposed_via"]) == 2
    assert verdict.remediation is not None
    assert f"policy of {BUCKET}" in verdict.remediation


def test_policy_aws_calls_public_neutralised_by_restrict_public_buckets_passes() -> None:
    bucket = s3_bucket(BUCKET, policy=LIMITED_POLICY, policy_is_public=True)
    verdict = single(check(bucket, account_block=RESTRICT))
    assert verdict.status is Status.PASS
    assert "by RestrictPublicBuckets" in verdict.message


def test_unreadable_policy_that_aws_calls_public_fails_when_nothing_restricts_it() -> None:
    """AWS's IsPublic=True with RestrictPublicBuckets off at both levels decides the verdict."""
    bucket = s3_bucket(BUCKET, policy=None, policy_is_public=True)
    verdicts = check(bucket, errors=[s3_api_error("GetBucketPolicy", BUCKET)])
    assert outcomes(verdicts) == {(Status.FAIL, BUCKET)}


# --- fail closed ------------------------------------------------------------------------------------


def test_denied_bucket_policy_is_unknown_naming_the_failed_call() -> None:
    verdicts = check(s3_bucket(BUCKET), errors=[s3_api_error("GetBucketPolicy", BUCKET)])
    assert outcomes(verdicts) == {(Status.UNKNOWN, BUCKET)}
    message = single(verdicts).message
    assert message.startswith(f"the bucket policy could not be read: s3:GetBucketPolicy for {BUCKET}")
    assert "AccessDenied" in message


def test_denied_bucket_acl_is_unknown_naming_the_failed_call() -> None:
    verdicts = check(s3_bucket(BUCKET, grants=None), errors=[s3_api_error("GetBucketAcl", BUCKET)])
    assert outcomes(verdicts) == {(Status.UNKNOWN, BUCKET)}
    message = single(verdicts).message
    assert message.startswith(f"the bucket ACL could not be read: s3:GetBucketAcl for {BUCKET}")
    assert "AccessDenied" in message


def test_acl_missing_without_a_recorded_failure_is_unknown() -> None:
    verdicts = check(s3_bucket(BUCKET, grants=None))
    assert outcomes(verdicts) == {(Status.UNKNOWN, BUCKET)}
    assert "the bucket ACL is missing from the snapshot" in single(verdicts).message


def test_every_failed_call_is_named_when_several_fail() -> None:
    errors = [
        s3_api_error("GetBucketPolicy", BUCKET, code="AccessDenied"),
        s3_api_error("GetBucketAcl", BUCKET, code="SlowDown"),
    ]
    verdict = single(check(s3_bucket(BUCKET, grants=None), errors=errors))
    assert verdict.status is Status.UNKNOWN
    assert "s3:GetBucketPolicy" in verdict.message
    assert "s3:GetBucketAcl" in verdict.message
    assert "SlowDown" in verdict.message


def test_unreadable_ownership_with_a_public_acl_is_unknown() -> None:
    bucket = s3_bucket(BUCKET, grants=(group_grant(ALL_USERS, "READ"),), object_ownership=None)
    verdicts = check(bucket, errors=[s3_api_error("GetBucketOwnershipControls", BUCKET)])
    assert outcomes(verdicts) == {(Status.UNKNOWN, BUCKET)}
    assert "Object Ownership could not be read: s3:GetBucketOwnershipControls" in single(verdicts).message


def test_unreadable_ownership_without_a_public_grant_is_decided() -> None:
    bucket = s3_bucket(BUCKET, object_ownership=None)
    verdicts = check(bucket, errors=[s3_api_error("GetBucketOwnershipControls", BUCKET)])
    assert outcomes(verdicts) == {(Status.PASS, BUCKET)}


def test_unreadable_bucket_block_with_a_public_policy_is_unknown() -> None:
    verdicts = check(
        s3_bucket(BUCKET, policy=PUBLIC_READ), errors=[s3_api_error("GetPublicAccessBlock", BUCKET)]
    )
    assert outcomes(verdicts) == {(Status.UNKNOWN, BUCKET)}
    verdict = single(verdicts)
    assert "the bucket's Block Public Access could not be read" in verdict.message
    assert verdict.evidence["block_public_access"] == {"account": "none configured", "bucket": "unreadable"}


def test_unreadable_account_block_with_a_public_acl_is_unknown() -> None:
    bucket = s3_bucket(BUCKET, grants=(group_grant(ALL_USERS, "READ"),))
    errors = [s3_api_error("GetPublicAccessBlock", service="s3control")]
    verdicts = check(bucket, errors=errors)
    assert outcomes(verdicts) == {(Status.UNKNOWN, BUCKET)}
    verdict = single(verdicts)
    assert (
        "the account's Block Public Access could not be read: s3control:GetPublicAccessBlock"
        in verdict.message
    )
    assert verdict.evidence["block_public_access"] == {"account": "unreadable", "bucket": "none configured"}


def test_unreadable_account_block_does_not_matter_to_a_bucket_with_nothing_public() -> None:
    errors = [s3_api_error("GetPublicAccessBlock", service="s3control")]
    verdicts = check(s3_bucket(BUCKET), errors=errors)
    assert outcomes(verdicts) == {(Status.PASS, BUCKET)}


def test_unreadable_account_block_does_not_matter_when_the_bucket_blocks_everything() -> None:
    bucket = s3_bucket(
        BUCKET, policy=PUBLIC_READ, grants=(group_grant(ALL_USERS, "READ"),), public_access_block=ALL_BLOCKED
    )
    errors = [s3_api_error("GetPublicAccessBlock", service="s3control")]
    assert outcomes(check(bucket, errors=errors)) == {(Status.PASS, BUCKET)}


def test_public_policy_fails_even_when_the_acl_is_unreadable() -> None:
    bucket = s3_bucket(BUCKET, policy=PUBLIC_READ, grants=None)
    verdicts = check(bucket, errors=[s3_api_error("GetBucketAcl", BUCKET)])
    assert outcomes(verdicts) == {(Status.FAIL, BUCKET)}
    verdict = single(verdicts)
    assert verdict.evidence["exposed_via"] == ["its policy (statement 0 ('PublicRead'))"]
    assert severity(verdict) is Severity.HIGH


def test_public_acl_fails_even_when_the_policy_is_unreadable() -> None:
    bucket = s3_bucket(BUCKET, grants=(group_grant(ALL_USERS, "WRITE"),))
    verdicts = check(bucket, errors=[s3_api_error("GetBucketPolicy", BUCKET)])
    assert outcomes(verdicts) == {(Status.FAIL, BUCKET)}
    assert single(verdicts).evidence["exposed_via"] == ["its ACL"]


def test_account_restrict_and_ignore_make_an_unreadable_bucket_block_irrelevant() -> None:
    account_block = PublicAccessBlock(ignore_public_acls=True, restrict_public_buckets=True)
    bucket = s3_bucket(BUCKET, policy=PUBLIC_READ, grants=(group_grant(ALL_USERS, "READ"),))
    verdicts = check(
        bucket, account_block=account_block, errors=[s3_api_error("GetPublicAccessBlock", BUCKET)]
    )
    assert outcomes(verdicts) == {(Status.PASS, BUCKET)}
    verdict = single(verdicts)
    assert "neutralises its public policy (read)" in verdict.message
    assert verdict.evidence["block_public_access"]["bucket"] == "unreadable"


def test_unreadable_policy_neutralised_by_restrict_public_buckets_passes() -> None:
    verdicts = check(
        s3_bucket(BUCKET), account_block=RESTRICT, errors=[s3_api_error("GetBucketPolicy", BUCKET)]
    )
    assert outcomes(verdicts) == {(Status.PASS, BUCKET)}


def test_pass_over_an_unreadable_policy_does_not_claim_it_has_no_public_statement() -> None:
    """The policy was never read: the PASS holds because of RestrictPublicBuckets, and must say so."""
    verdict = single(
        check(s3_bucket(BUCKET), account_block=RESTRICT, errors=[s3_api_error("GetBucketPolicy", BUCKET)])
    )
    assert verdict.status is Status.PASS
    assert "no public policy statement" not in verdict.message
    assert "RestrictPublicBuckets" in verdict.message


def test_pass_over_an_unreadable_acl_does_not_claim_it_has_no_public_grant() -> None:
    """The ACL was never read: the PASS holds because of IgnorePublicAcls, and must say so."""
    verdict = single(
        check(
            s3_bucket(BUCKET, grants=None),
            account_block=IGNORE_ACLS,
            errors=[s3_api_error("GetBucketAcl", BUCKET)],
        )
    )
    assert verdict.status is Status.PASS
    assert "no public ACL grant" not in verdict.message
    assert "IgnorePublicAcls" in verdict.message


def test_invalid_policy_json_is_unknown_for_that_bucket_only() -> None:
    verdicts = check(
        s3_bucket("broken-policy", policy='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",'),
        s3_bucket("open-data", policy=bucket_policy(allow_statement("s3:GetObject", bucket="open-data"))),
        s3_bucket("private-data"),
    )
    assert outcomes(verdicts) == {
        (Status.UNKNOWN, "broken-policy"),
        (Status.FAIL, "open-data"),
        (Status.PASS, "private-data"),
    }
    broken = next(verdict for verdict in verdicts if verdict.resource.id == "broken-policy")
    assert broken.message.startswith("the policy is not valid JSON")


def test_json_that_is_not_a_policy_is_unknown() -> None:
    verdicts = check(s3_bucket(BUCKET, policy='{"Version": "2012-10-17"}'))
    assert outcomes(verdicts) == {(Status.UNKNOWN, BUCKET)}
    assert "the policy cannot be read: it has no Statement" in single(verdicts).message


@pytest.mark.parametrize("statement", ["null", "true", '"Allow everyone"', "7"])
def test_policy_whose_statement_is_neither_a_list_nor_an_object_is_unknown_like_one_without(
    statement: str,
) -> None:
    """`{"Statement": null}` grants nothing readable: UNKNOWN, as a policy without Statement, not PASS."""
    verdicts = check(s3_bucket(BUCKET, policy='{"Version": "2012-10-17", "Statement": ' + statement + "}"))
    assert outcomes(verdicts) == {(Status.UNKNOWN, BUCKET)}
    assert (
        "the policy cannot be read: its Statement is neither a list nor an object" in single(verdicts).message
    )


def test_invalid_policy_json_beside_a_public_acl_fails() -> None:
    bucket = s3_bucket(BUCKET, policy="not json", grants=(group_grant(AUTHENTICATED_USERS, "READ"),))
    assert outcomes(check(bucket)) == {(Status.FAIL, BUCKET)}


def test_failure_for_one_bucket_does_not_affect_another() -> None:
    errors = [
        s3_api_error("GetBucketPolicy", "locked-down"),
        s3_api_error("GetBucketAcl", "locked-down"),
        s3_api_error("GetPublicAccessBlock", "locked-down"),
        s3_api_error("GetBucketOwnershipControls", "locked-down"),
    ]
    verdicts = check(
        s3_bucket("locked-down", grants=None, object_ownership=None),
        s3_bucket("open-data", grants=(group_grant(ALL_USERS, "READ"),)),
        s3_bucket("private-data"),
        errors=errors,
    )
    assert outcomes(verdicts) == {
        (Status.UNKNOWN, "locked-down"),
        (Status.FAIL, "open-data"),
        (Status.PASS, "private-data"),
    }


def test_failed_bucket_listing_is_one_unknown_for_the_account() -> None:
    target = s3_account(listed=False, errors=[s3_api_error("ListBuckets", code="AccessDenied")])
    verdicts = run(S3_NO_PUBLIC_ACCESS, target, s3_context())
    assert outcomes(verdicts) == {(Status.UNKNOWN, ACCOUNT_ID)}
    verdict = single(verdicts)
    assert verdict.resource.type == "AWS::::Account"
    assert verdict.message.startswith("the account's buckets could not be read: s3:ListBuckets")
    assert "AccessDenied" in verdict.message
    assert "declared_public" not in verdict.evidence


# --- the state a fix starts from (policy_document, acl, bucket_public_access_block) -----------------

OWNER_GRANT = {"Grantee": {"Type": "CanonicalUser", "ID": OWNER_CANONICAL_ID}, "Permission": "FULL_CONTROL"}


def test_bucket_without_policy_or_block_records_them_as_null_and_its_acl_as_get_bucket_acl_gives_it() -> None:
    verdict = single(check(s3_bucket(BUCKET)))
    assert verdict.evidence["policy_document"] is None
    assert verdict.evidence["acl"] == {"owner": OWNER_CANONICAL_ID, "grants": [OWNER_GRANT]}
    assert verdict.evidence["bucket_public_access_block"] is None


def test_policy_is_recorded_as_its_parsed_document() -> None:
    verdict = single(check(s3_bucket(BUCKET, policy=PUBLIC_READ)))
    assert verdict.evidence["policy_document"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicRead",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            }
        ],
    }


def test_policy_whose_statement_is_one_object_is_recorded_as_written_and_numbered_0() -> None:
    statement = allow_statement("s3:GetObject", sid="Only", bucket=BUCKET)
    verdict = single(check(s3_bucket(BUCKET, policy=json.dumps({"Statement": statement}))))
    assert verdict.evidence["policy_document"] == {"Statement": statement}
    assert [item["index"] for item in verdict.evidence["public_statements"]] == [0]


@pytest.mark.parametrize(
    "text",
    [
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",',
        '["not", "a", "policy"]',
        '{"Statement": [], "Version": NaN}',
    ],
    ids=["invalid-json", "not-an-object", "not-strict-json"],
)
def test_policy_that_is_not_a_json_object_is_left_out(text: str) -> None:
    verdict = single(check(s3_bucket(BUCKET, policy=text)))
    assert "policy_document" not in verdict.evidence


def test_unreadable_policy_is_left_out() -> None:
    verdict = single(check(s3_bucket(BUCKET), errors=[s3_api_error("GetBucketPolicy", BUCKET)]))
    assert "policy_document" not in verdict.evidence


def test_each_kind_of_grantee_is_recorded_under_its_get_bucket_acl_key() -> None:
    grants = (
        group_grant(ALL_USERS, "READ"),
        AclGrant(grantee_type="CanonicalUser", grantee=OTHER_CANONICAL_ID, permission="WRITE_ACP"),
        AclGrant(grantee_type="AmazonCustomerByEmail", grantee="ops@example.com", permission="READ_ACP"),
    )
    verdict = single(check(s3_bucket(BUCKET, grants=grants)))
    assert verdict.evidence["acl"] == {
        "owner": OWNER_CANONICAL_ID,
        "grants": [
            OWNER_GRANT,
            {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"},
            {"Grantee": {"Type": "CanonicalUser", "ID": OTHER_CANONICAL_ID}, "Permission": "WRITE_ACP"},
            {
                "Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "ops@example.com"},
                "Permission": "READ_ACP",
            },
        ],
    }


def test_unreadable_acl_is_left_out() -> None:
    verdict = single(check(s3_bucket(BUCKET, grants=None), errors=[s3_api_error("GetBucketAcl", BUCKET)]))
    assert "acl" not in verdict.evidence


def test_acl_without_its_owner_is_left_out() -> None:
    bucket = msgspec.structs.replace(s3_bucket(BUCKET), owner_id=None)
    assert "acl" not in single(check(bucket)).evidence


def test_acl_holding_a_grantee_the_snapshot_could_not_identify_is_left_out() -> None:
    """Its grants could not be put back as they were."""
    grants = (AclGrant(grantee_type="Unknown", grantee=None, permission="READ"),)
    assert "acl" not in single(check(s3_bucket(BUCKET, grants=grants))).evidence


def test_bucket_block_public_access_is_recorded_with_the_s3_api_names() -> None:
    block = PublicAccessBlock(block_public_policy=True, ignore_public_acls=True)
    verdict = single(check(s3_bucket(BUCKET, public_access_block=block), account_block=ALL_BLOCKED))
    assert verdict.evidence["bucket_public_access_block"] == {
        "BlockPublicAcls": False,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": False,
    }


def test_unreadable_bucket_block_public_access_is_left_out() -> None:
    verdict = single(check(s3_bucket(BUCKET), errors=[s3_api_error("GetPublicAccessBlock", BUCKET)]))
    assert "bucket_public_access_block" not in verdict.evidence


# --- several buckets, regions -----------------------------------------------------------------------


def test_each_bucket_of_an_account_gets_its_own_verdict() -> None:
    verdicts = check(
        s3_bucket("www.example.com", policy=PUBLIC_READ, region="us-east-1"),
        s3_bucket("uploads", grants=(group_grant(ALL_USERS, "WRITE"),), region="eu-central-1"),
        s3_bucket("reports", grants=(group_grant(ALL_USERS, "READ_ACP"),)),
        s3_bucket("archive", policy=PUBLIC_READ, public_access_block=ALL_BLOCKED),
        s3_bucket("logs", grants=(group_grant(LOG_DELIVERY, "WRITE"),)),
        s3_bucket("secrets", grants=None),
        declared=("www.*",),
        errors=[s3_api_error("GetBucketAcl", "secrets")],
    )
    assert outcomes(verdicts) == {
        (Status.PASS, "www.example.com"),
        (Status.FAIL, "uploads"),
        (Status.FAIL, "reports"),
        (Status.PASS, "archive"),
        (Status.PASS, "logs"),
        (Status.UNKNOWN, "secrets"),
    }
    by_name = {verdict.resource.id: verdict for verdict in verdicts}
    assert severity(by_name["uploads"]) is Severity.CRITICAL
    assert severity(by_name["reports"]) is Severity.HIGH
    assert by_name["uploads"].region == "eu-central-1"
    assert by_name["www.example.com"].region == "us-east-1"
    assert by_name["uploads"].remediation is not None
    assert "Object Ownership of uploads" in by_name["uploads"].remediation


def test_bucket_whose_location_is_unknown_is_reported_in_the_global_region() -> None:
    verdict = single(
        check(
            s3_bucket(BUCKET, region=None, policy=PUBLIC_READ),
            errors=[s3_api_error("GetBucketLocation", BUCKET)],
        )
    )
    assert verdict.status is Status.FAIL
    assert verdict.region == "global"
