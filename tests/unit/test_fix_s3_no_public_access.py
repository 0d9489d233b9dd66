"""The fixer of s3-no-public-access on findings the real rule gives for hand-built buckets, read back
from the JSON report as `cloudwarden fix` reads them: the exact remedies, alternatives and what is left
to a person."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import msgspec

from cloudwarden.config import Config
from cloudwarden.engine import evaluate
from cloudwarden.findings import Finding, Status
from cloudwarden.remedy import Call, Proposal, Remedy, State
from cloudwarden.rules import FIXERS
from cloudwarden.rules.s3_no_public_access import S3_NO_PUBLIC_ACCESS
from cloudwarden.rules.s3_no_public_access_fix import S3_NO_PUBLIC_ACCESS_FIX
from cloudwarden.snapshot import AclGrant, ApiError, Bucket, PublicAccessBlock

from .builders import (
    ALL_USERS,
    AUTHENTICATED_USERS,
    LOG_DELIVERY,
    OTHER_ACCOUNT_ID,
    OTHER_CANONICAL_ID,
    OWNER_CANONICAL_ID,
    allow_statement,
    bucket_policy,
    group_grant,
    s3_account,
    s3_api_error,
    s3_bucket,
    snapshot,
)

BUCKET = "team-data"
PUBLIC_READ = allow_statement("s3:GetObject", sid="PublicRead", bucket=BUCKET)
PARTNER = allow_statement(
    "s3:GetObject", sid="Partner", principal={"AWS": f"arn:aws:iam::{OTHER_ACCOUNT_ID}:root"}, bucket=BUCKET
)
"""Open only to one other account: not public, so kept."""
VPCE_ONLY = {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}

OWNER_GRANT = {"Grantee": {"Type": "CanonicalUser", "ID": OWNER_CANONICAL_ID}, "Permission": "FULL_CONTROL"}
ALL_USERS_READ = {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"}
AUTHENTICATED_READ_ACP = {"Grantee": {"Type": "Group", "URI": AUTHENTICATED_USERS}, "Permission": "READ_ACP"}
LOG_DELIVERY_WRITE = {"Grantee": {"Type": "Group", "URI": LOG_DELIVERY}, "Permission": "WRITE"}

ALL_ON = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
BLOCK_EVERYTHING = Remedy(
    action="block-public-access",
    summary=f"Turn on all four Block Public Access settings of {BUCKET}, closing its policy and ACL.",
    state=State.BUCKET_PUBLIC_ACCESS_BLOCK,
    read=Call(service="s3", operation="GetPublicAccessBlock", parameters={"Bucket": BUCKET}),
    before={"configuration": None},
    after={"configuration": ALL_ON},
    calls=(
        Call(
            service="s3",
            operation="PutPublicAccessBlock",
            parameters={"Bucket": BUCKET, "PublicAccessBlockConfiguration": ALL_ON},
        ),
    ),
    rollback=(Call(service="s3", operation="DeletePublicAccessBlock", parameters={"Bucket": BUCKET}),),
)
"""The alternative for a bucket with no Block Public Access configured: undone by deleting it."""


def finding_of(bucket: Bucket, errors: Sequence[ApiError] = ()) -> Finding:
    """The rule's finding on `bucket`, through the JSON report, as `cloudwarden fix` reads it."""
    report = evaluate(snapshot(s3_account(bucket, errors=errors)), Config(), rules=[S3_NO_PUBLIC_ACCESS])
    (finding,) = report.findings
    return msgspec.json.decode(msgspec.json.encode(finding), type=Finding)


def older(finding: Finding, *missing: str) -> Finding:
    """The finding as a report of an older version gives it: without the evidence keys `missing`."""
    evidence = {key: value for key, value in finding.evidence.items() if key not in missing}
    return msgspec.structs.replace(finding, evidence=evidence)


def put_policy(document: dict[str, Any]) -> Call:
    return Call(
        service="s3",
        operation="PutBucketPolicy",
        parameters={"Bucket": BUCKET, "Policy": json.dumps(document)},
    )


def put_acl(grants: list[dict[str, Any]]) -> Call:
    return Call(
        service="s3",
        operation="PutBucketAcl",
        parameters={
            "Bucket": BUCKET,
            "AccessControlPolicy": {"Owner": {"ID": OWNER_CANONICAL_ID}, "Grants": grants},
        },
    )


GET_POLICY = Call(service="s3", operation="GetBucketPolicy", parameters={"Bucket": BUCKET})
GET_ACL = Call(service="s3", operation="GetBucketAcl", parameters={"Bucket": BUCKET})


def test_the_fixer_is_registered_with_exactly_the_operations_and_actions_its_remedies_use() -> None:
    assert FIXERS["s3-no-public-access"] is S3_NO_PUBLIC_ACCESS_FIX
    assert S3_NO_PUBLIC_ACCESS_FIX.operations == {
        "s3.GetBucketPolicy",
        "s3.PutBucketPolicy",
        "s3.DeleteBucketPolicy",
        "s3.GetBucketAcl",
        "s3.PutBucketAcl",
        "s3.GetPublicAccessBlock",
        "s3.PutPublicAccessBlock",
        "s3.DeletePublicAccessBlock",
    }
    assert S3_NO_PUBLIC_ACCESS_FIX.actions == (
        "s3:GetBucketPolicy",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:GetBucketAcl",
        "s3:PutBucketAcl",
        "s3:GetBucketPublicAccessBlock",
        "s3:PutBucketPublicAccessBlock",
    )
    assert S3_NO_PUBLIC_ACCESS_FIX.disruptive is False


# --- the policy -------------------------------------------------------------------------------------


def test_public_statement_is_removed_and_the_private_one_kept() -> None:
    document = {"Version": "2012-10-17", "Id": "TeamData", "Statement": [PARTNER, PUBLIC_READ]}
    finding = finding_of(s3_bucket(BUCKET, policy=json.dumps(document)))
    assert finding.status is Status.FAIL
    kept = {"Version": "2012-10-17", "Id": "TeamData", "Statement": [PARTNER]}
    assert S3_NO_PUBLIC_ACCESS_FIX.propose(finding) == Proposal(
        remedies=(
            Remedy(
                action="remove-public-policy-statements",
                summary=f"Remove statement 1 ('PublicRead') from the policy of {BUCKET}, keeping its other "
                "statements.",
                state=State.BUCKET_POLICY,
                read=GET_POLICY,
                before={"policy": document},
                after={"policy": kept},
                calls=(put_policy(kept),),
                rollback=(put_policy(document),),
            ),
        ),
        alternatives=(BLOCK_EVERYTHING,),
    )


def test_statement_limited_to_a_vpc_endpoint_is_kept_beside_removed_public_ones() -> None:
    limited = allow_statement("s3:*", sid="FromVpce", bucket=BUCKET, condition=VPCE_ONLY)
    listing = allow_statement("s3:ListBucket", sid=None, bucket=BUCKET)
    document = {"Version": "2012-10-17", "Statement": [PUBLIC_READ, limited, listing]}
    proposal = S3_NO_PUBLIC_ACCESS_FIX.propose(finding_of(s3_bucket(BUCKET, policy=json.dumps(document))))
    kept = {"Version": "2012-10-17", "Statement": [limited]}
    assert proposal.remedies == (
        Remedy(
            action="remove-public-policy-statements",
            summary=f"Remove statement 0 ('PublicRead'), 2 from the policy of {BUCKET}, keeping its other "
            "statements.",
            state=State.BUCKET_POLICY,
            read=GET_POLICY,
            before={"policy": document},
            after={"policy": kept},
            calls=(put_policy(kept),),
            rollback=(put_policy(document),),
        ),
    )


def test_policy_whose_only_statement_is_public_is_deleted() -> None:
    document = {"Version": "2012-10-17", "Statement": [PUBLIC_READ]}
    proposal = S3_NO_PUBLIC_ACCESS_FIX.propose(finding_of(s3_bucket(BUCKET, policy=json.dumps(document))))
    assert proposal == Proposal(
        remedies=(
            Remedy(
                action="remove-public-policy-statements",
                summary=f"Delete the policy of {BUCKET}: every statement of it is public (statement 0 "
                "('PublicRead')).",
                state=State.BUCKET_POLICY,
                read=GET_POLICY,
                before={"policy": document},
                after={"policy": None},
                calls=(Call(service="s3", operation="DeleteBucketPolicy", parameters={"Bucket": BUCKET}),),
                rollback=(put_policy(document),),
            ),
        ),
        alternatives=(BLOCK_EVERYTHING,),
    )


def test_policy_whose_statement_is_a_single_public_object_is_deleted() -> None:
    """A Statement written as one object is statement 0, as the rule numbers it."""
    document = {"Version": "2012-10-17", "Statement": PUBLIC_READ}
    proposal = S3_NO_PUBLIC_ACCESS_FIX.propose(finding_of(s3_bucket(BUCKET, policy=json.dumps(document))))
    assert proposal.remedies == (
        Remedy(
            action="remove-public-policy-statements",
            summary=f"Delete the policy of {BUCKET}: every statement of it is public (statement 0 "
            "('PublicRead')).",
            state=State.BUCKET_POLICY,
            read=GET_POLICY,
            before={"policy": document},
            after={"policy": None},
            calls=(Call(service="s3", operation="DeleteBucketPolicy", parameters={"Bucket": BUCKET}),),
            rollback=(put_policy(document),),
        ),
    )


def test_policy_only_aws_calls_public_is_left_to_a_person_with_block_public_access_as_alternative() -> None:
    """cloudwarden finds no public statement (the one open statement is limited to a VPC endpoint), but
    GetBucketPolicyStatus says IsPublic: nothing identifies what to remove."""
    limited = allow_statement("s3:GetObject", sid="FromVpce", bucket=BUCKET, condition=VPCE_ONLY)
    finding = finding_of(s3_bucket(BUCKET, policy=bucket_policy(limited), policy_is_public=True))
    assert finding.status is Status.FAIL
    assert S3_NO_PUBLIC_ACCESS_FIX.propose(finding) == Proposal(
        alternatives=(BLOCK_EVERYTHING,),
        manual=f"Review the policy of {BUCKET}: AWS reports it as public. If nothing in it is meant to be "
        "public, turn on all four Block Public Access settings for the bucket (or the account); if it is "
        "meant to be public, list it in s3.public_buckets. No change to the policy is planned: AWS reports "
        "it as public (GetBucketPolicyStatus), but cloudwarden finds no public statement in it to remove.",
    )


def test_unreadable_policy_aws_calls_public_beside_a_public_acl_plans_the_acl_and_leaves_the_policy() -> None:
    bucket = s3_bucket(BUCKET, policy_is_public=True, grants=(group_grant(ALL_USERS, "READ"),))
    finding = finding_of(bucket, errors=[s3_api_error("GetBucketPolicy", BUCKET)])
    assert finding.status is Status.FAIL
    proposal = S3_NO_PUBLIC_ACCESS_FIX.propose(finding)
    assert [remedy.action for remedy in proposal.remedies] == ["remove-public-acl-grants"]
    assert proposal.remedies[0].calls == (put_acl([OWNER_GRANT]),)
    assert proposal.manual is not None
    assert proposal.manual.endswith(
        "No change to the policy is planned: AWS reports it as public (GetBucketPolicyStatus), but "
        "cloudwarden finds no public statement in it to remove."
    )
    assert proposal.alternatives == (BLOCK_EVERYTHING,)


# --- the ACL ----------------------------------------------------------------------------------------


def test_public_acl_grants_are_removed_and_the_owner_and_log_delivery_grants_kept() -> None:
    grants = (
        group_grant(ALL_USERS, "READ"),
        group_grant(LOG_DELIVERY, "WRITE"),
        group_grant(AUTHENTICATED_USERS, "READ_ACP"),
    )
    finding = finding_of(s3_bucket(BUCKET, grants=grants))
    before = [OWNER_GRANT, ALL_USERS_READ, LOG_DELIVERY_WRITE, AUTHENTICATED_READ_ACP]
    after = [OWNER_GRANT, LOG_DELIVERY_WRITE]
    assert S3_NO_PUBLIC_ACCESS_FIX.propose(finding) == Proposal(
        remedies=(
            Remedy(
                action="remove-public-acl-grants",
                summary="Remove the public grants (AllUsers (anyone) READ, AuthenticatedUsers (any AWS "
                f"account) READ_ACP) from the ACL of {BUCKET}, keeping its other grants.",
                state=State.BUCKET_ACL,
                read=GET_ACL,
                before={"owner": OWNER_CANONICAL_ID, "grants": before},
                after={"owner": OWNER_CANONICAL_ID, "grants": after},
                calls=(put_acl(after),),
                rollback=(put_acl(before),),
            ),
        ),
        alternatives=(BLOCK_EVERYTHING,),
    )


def test_grants_to_other_accounts_and_e_mail_addresses_are_kept() -> None:
    grants = (
        AclGrant(grantee_type="CanonicalUser", grantee=OTHER_CANONICAL_ID, permission="READ"),
        AclGrant(grantee_type="AmazonCustomerByEmail", grantee="ops@example.com", permission="READ"),
        group_grant(ALL_USERS, "WRITE"),
    )
    proposal = S3_NO_PUBLIC_ACCESS_FIX.propose(finding_of(s3_bucket(BUCKET, grants=grants)))
    other_account = {"Grantee": {"Type": "CanonicalUser", "ID": OTHER_CANONICAL_ID}, "Permission": "READ"}
    by_email = {
        "Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "ops@example.com"},
        "Permission": "READ",
    }
    (remedy,) = proposal.remedies
    assert remedy.after == {"owner": OWNER_CANONICAL_ID, "grants": [OWNER_GRANT, other_account, by_email]}
    assert remedy.calls == (put_acl([OWNER_GRANT, other_account, by_email]),)


def test_public_acl_neutralised_by_ownership_is_left_alone_beside_an_exposing_policy() -> None:
    """Only what exposes the bucket is changed: ACLs are disabled, so its public grant has no effect."""
    bucket = s3_bucket(
        BUCKET,
        policy=bucket_policy(PUBLIC_READ),
        grants=(group_grant(ALL_USERS, "READ"),),
        object_ownership="BucketOwnerEnforced",
    )
    proposal = S3_NO_PUBLIC_ACCESS_FIX.propose(finding_of(bucket))
    assert [remedy.action for remedy in proposal.remedies] == ["remove-public-policy-statements"]


def test_public_policy_neutralised_by_restrict_public_buckets_is_left_alone_beside_an_exposing_acl() -> None:
    """RestrictPublicBuckets limits a `*` policy to the account's own principals, which may rely on it."""
    block = PublicAccessBlock(restrict_public_buckets=True)
    bucket = s3_bucket(
        BUCKET,
        policy=bucket_policy(PUBLIC_READ),
        grants=(group_grant(ALL_USERS, "READ"),),
        public_access_block=block,
    )
    proposal = S3_NO_PUBLIC_ACCESS_FIX.propose(finding_of(bucket))
    assert [remedy.action for remedy in proposal.remedies] == ["remove-public-acl-grants"]


# --- both paths, and Block Public Access ------------------------------------------------------------


def test_public_policy_and_public_acl_get_one_remedy_each() -> None:
    document = {"Version": "2012-10-17", "Statement": [PUBLIC_READ, PARTNER]}
    bucket = s3_bucket(BUCKET, policy=json.dumps(document), grants=(group_grant(ALL_USERS, "READ"),))
    kept = {"Version": "2012-10-17", "Statement": [PARTNER]}
    assert S3_NO_PUBLIC_ACCESS_FIX.propose(finding_of(bucket)) == Proposal(
        remedies=(
            Remedy(
                action="remove-public-policy-statements",
                summary=f"Remove statement 0 ('PublicRead') from the policy of {BUCKET}, keeping its other "
                "statements.",
                state=State.BUCKET_POLICY,
                read=GET_POLICY,
                before={"policy": document},
                after={"policy": kept},
                calls=(put_policy(kept),),
                rollback=(put_policy(document),),
            ),
            Remedy(
                action="remove-public-acl-grants",
                summary=f"Remove the public grants (AllUsers (anyone) READ) from the ACL of {BUCKET}, "
                "keeping its other grants.",
                state=State.BUCKET_ACL,
                read=GET_ACL,
                before={"owner": OWNER_CANONICAL_ID, "grants": [OWNER_GRANT, ALL_USERS_READ]},
                after={"owner": OWNER_CANONICAL_ID, "grants": [OWNER_GRANT]},
                calls=(put_acl([OWNER_GRANT]),),
                rollback=(put_acl([OWNER_GRANT, ALL_USERS_READ]),),
            ),
        ),
        alternatives=(BLOCK_EVERYTHING,),
    )


def test_partial_block_public_access_is_put_back_by_the_alternatives_rollback() -> None:
    """BlockPublicPolicy alone does not close an existing public policy: the bucket fails, and turning on
    all four settings is undone by putting back the one it had."""
    block = PublicAccessBlock(block_public_policy=True)
    finding = finding_of(s3_bucket(BUCKET, policy=bucket_policy(PUBLIC_READ), public_access_block=block))
    previous = {
        "BlockPublicAcls": False,
        "IgnorePublicAcls": False,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": False,
    }
    assert S3_NO_PUBLIC_ACCESS_FIX.propose(finding).alternatives == (
        Remedy(
            action="block-public-access",
            summary=f"Turn on all four Block Public Access settings of {BUCKET}, closing its policy and ACL.",
            state=State.BUCKET_PUBLIC_ACCESS_BLOCK,
            read=Call(service="s3", operation="GetPublicAccessBlock", parameters={"Bucket": BUCKET}),
            before={"configuration": previous},
            after={"configuration": ALL_ON},
            calls=(
                Call(
                    service="s3",
                    operation="PutPublicAccessBlock",
                    parameters={"Bucket": BUCKET, "PublicAccessBlockConfiguration": ALL_ON},
                ),
            ),
            rollback=(
                Call(
                    service="s3",
                    operation="PutPublicAccessBlock",
                    parameters={"Bucket": BUCKET, "PublicAccessBlockConfiguration": previous},
                ),
            ),
        ),
    )


# --- fail closed ------------------------------------------------------------------------------------


def test_older_report_without_the_policy_document_is_unplannable() -> None:
    finding = older(finding_of(s3_bucket(BUCKET, policy=bucket_policy(PUBLIC_READ))), "policy_document")
    assert S3_NO_PUBLIC_ACCESS_FIX.propose(finding) == Proposal(
        unplannable="the evidence lacks the bucket policy (policy_document): the report predates it, or the "
        "policy could not be read as a JSON object"
    )


def test_older_report_without_the_acl_is_unplannable_even_with_a_plannable_policy() -> None:
    """A plan that fixed only the policy would leave the bucket public through its ACL."""
    bucket = s3_bucket(BUCKET, policy=bucket_policy(PUBLIC_READ), grants=(group_grant(ALL_USERS, "READ"),))
    finding = older(finding_of(bucket), "acl")
    assert S3_NO_PUBLIC_ACCESS_FIX.propose(finding) == Proposal(
        unplannable="the evidence lacks the bucket ACL and its owner (acl): the report predates it, or the "
        "ACL could not be read"
    )


def test_acl_with_a_grantee_the_snapshot_could_not_identify_is_unplannable() -> None:
    """Putting the ACL back without that grantee's identity would change it: the rule records no `acl`."""
    grants = (
        AclGrant(grantee_type="Unknown", grantee=None, permission="READ"),
        group_grant(ALL_USERS, "READ"),
    )
    finding = finding_of(s3_bucket(BUCKET, grants=grants))
    assert "acl" not in finding.evidence
    assert S3_NO_PUBLIC_ACCESS_FIX.propose(finding).unplannable == (
        "the evidence lacks the bucket ACL and its owner (acl): the report predates it, or the ACL could not "
        "be read"
    )


def test_older_report_without_block_public_access_plans_the_remedies_without_the_alternative() -> None:
    """Without the bucket's current settings, nothing could put them back."""
    finding = older(
        finding_of(s3_bucket(BUCKET, policy=bucket_policy(PUBLIC_READ))), "bucket_public_access_block"
    )
    proposal = S3_NO_PUBLIC_ACCESS_FIX.propose(finding)
    assert [remedy.action for remedy in proposal.remedies] == ["remove-public-policy-statements"]
    assert proposal.alternatives == ()


def test_policy_document_that_no_longer_yields_the_listed_statements_is_unplannable() -> None:
    """A report edited by hand: the recorded policy's public statement is not the one the evidence names."""
    finding = finding_of(s3_bucket(BUCKET, policy=bucket_policy(PARTNER, PUBLIC_READ)))
    statements = [{**finding.evidence["public_statements"][0], "index": 0}]
    edited = msgspec.structs.replace(finding, evidence={**finding.evidence, "public_statements": statements})
    assert S3_NO_PUBLIC_ACCESS_FIX.propose(edited) == Proposal(
        unplannable="the policy document and the public statements of the evidence disagree"
    )


def test_acl_that_no_longer_yields_the_listed_grants_is_unplannable() -> None:
    finding = finding_of(s3_bucket(BUCKET, grants=(group_grant(ALL_USERS, "READ"),)))
    grants = [{"grantee": "AllUsers (anyone)", "permission": "WRITE"}]
    edited = msgspec.structs.replace(finding, evidence={**finding.evidence, "public_acl_grants": grants})
    assert S3_NO_PUBLIC_ACCESS_FIX.propose(edited) == Proposal(
        unplannable="the ACL and the public grants of the evidence disagree"
    )
