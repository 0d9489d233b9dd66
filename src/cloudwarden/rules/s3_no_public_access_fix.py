"""Fixer of `s3-no-public-access`: closes exactly the paths that expose the bucket, from the state its
finding's evidence recorded (`policy_document`, `acl`, `bucket_public_access_block`).

A path Block Public Access neutralises is left alone: a policy open to `*` behind RestrictPublicBuckets
still grants the account's own principals, and removing it could break them. What the rule judged
public is what is removed, after checking that the recorded state still yields the same judgement.
"""

from __future__ import annotations

import json
from typing import Any

from cloudwarden.findings import Finding
from cloudwarden.remedy import Call, Fixer, Proposal, Remedy, State
from cloudwarden.rules.s3_no_public_access import (
    BLOCK_SETTINGS,
    PUBLIC_GROUPS,
    VIA_ACL,
    VIA_POLICY,
    statement_names,
)
from cloudwarden.semantics.s3_policy import analyze_policy

BUCKET_TYPE = "AWS::S3::Bucket"
ALL_BLOCKED = dict.fromkeys(BLOCK_SETTINGS.values(), True)
"""All four Block Public Access settings on, as PutPublicAccessBlock takes them."""


class _Unplannable(Exception):
    """The evidence lacks, or contradicts, the state a change needs: nothing is planned."""


def _s3(operation: str, **parameters: Any) -> Call:
    return Call(service="s3", operation=operation, parameters=parameters)


def _listed_statements(evidence: dict[str, Any]) -> list[tuple[int, str | None]]:
    """The public statements the rule named: (index, sid) each."""
    listed = evidence["public_statements"]
    try:
        statements = [(item["index"], item["sid"]) for item in listed]
    except (KeyError, TypeError) as error:
        raise _Unplannable(f"the evidence's public_statements are malformed ({error!r})") from error
    if not all(isinstance(index, int) for index, _ in statements):
        raise _Unplannable("the evidence's public_statements have an index that is not a number")
    return statements


def _remove_public_statements(bucket: str, evidence: dict[str, Any]) -> Remedy:
    """The policy without the statements the rule judged public; deleted when none remains."""
    if not isinstance(evidence.get("policy_document"), dict):
        raise _Unplannable(
            "the evidence lacks the bucket policy (policy_document): the report predates it, or the policy "
            "could not be read as a JSON object"
        )
    document: dict[str, Any] = evidence["policy_document"]
    statements = _listed_statements(evidence)
    keys = [key for key in document if key.lower() == "statement"]
    if len(keys) != 1:
        raise _Unplannable(f"the policy has {len(keys)} Statement elements: which one AWS reads is unclear")
    judged = analyze_policy(json.dumps(document))
    if [(statement.index, statement.sid) for statement in judged.public_statements] != statements:
        raise _Unplannable("the policy document and the public statements of the evidence disagree")
    statement_key = keys[0]
    listed = document[statement_key]
    public = {index for index, _ in statements}
    remaining = [
        item
        for index, item in enumerate(listed if isinstance(listed, list) else [listed])
        if index not in public
    ]
    rollback = (_s3("PutBucketPolicy", Bucket=bucket, Policy=json.dumps(document)),)
    names = statement_names(judged)
    if not remaining:
        return Remedy(
            action="remove-public-policy-statements",
            summary=f"Delete the policy of {bucket}: every statement of it is public (statement {names}).",
            state=State.BUCKET_POLICY,
            read=_s3("GetBucketPolicy", Bucket=bucket),
            before={"policy": document},
            after={"policy": None},
            calls=(_s3("DeleteBucketPolicy", Bucket=bucket),),
            rollback=rollback,
        )
    kept = {**document, statement_key: remaining}
    return Remedy(
        action="remove-public-policy-statements",
        summary=f"Remove statement {names} from the policy of {bucket}, keeping its other statements.",
        state=State.BUCKET_POLICY,
        read=_s3("GetBucketPolicy", Bucket=bucket),
        before={"policy": document},
        after={"policy": kept},
        calls=(_s3("PutBucketPolicy", Bucket=bucket, Policy=json.dumps(kept)),),
        rollback=rollback,
    )


def _is_public_grant(grant: Any) -> bool:
    """The rule's test: a grant to the AllUsers or AuthenticatedUsers group."""
    grantee = grant.get("Grantee") if isinstance(grant, dict) else None
    if not isinstance(grantee, dict):
        raise _Unplannable(f"the evidence's ACL holds a malformed grant: {grant!r}")
    return grantee.get("Type") == "Group" and grantee.get("URI") in PUBLIC_GROUPS


def _remove_public_grants(bucket: str, evidence: dict[str, Any]) -> Remedy:
    """The ACL without its grants to AllUsers and AuthenticatedUsers; every other grant kept."""
    acl = evidence.get("acl")
    if not (
        isinstance(acl, dict) and isinstance(acl.get("owner"), str) and isinstance(acl.get("grants"), list)
    ):
        raise _Unplannable(
            "the evidence lacks the bucket ACL and its owner (acl): the report predates it, or the ACL "
            "could not be read"
        )
    owner: str = acl["owner"]
    grants: list[Any] = acl["grants"]
    public = [grant for grant in grants if _is_public_grant(grant)]
    kept = [grant for grant in grants if not _is_public_grant(grant)]
    judged = [
        {"grantee": PUBLIC_GROUPS[grant["Grantee"]["URI"]], "permission": grant.get("Permission")}
        for grant in public
    ]
    if judged != evidence.get("public_acl_grants"):
        raise _Unplannable("the ACL and the public grants of the evidence disagree")
    removed = ", ".join(f"{item['grantee']} {item['permission']}" for item in judged)
    return Remedy(
        action="remove-public-acl-grants",
        summary=f"Remove the public grants ({removed}) from the ACL of {bucket}, keeping its other grants.",
        state=State.BUCKET_ACL,
        read=_s3("GetBucketAcl", Bucket=bucket),
        before={"owner": owner, "grants": grants},
        after={"owner": owner, "grants": kept},
        calls=(
            _s3("PutBucketAcl", Bucket=bucket, AccessControlPolicy={"Owner": {"ID": owner}, "Grants": kept}),
        ),
        rollback=(
            _s3(
                "PutBucketAcl", Bucket=bucket, AccessControlPolicy={"Owner": {"ID": owner}, "Grants": grants}
            ),
        ),
    )


def _block_public_access(bucket: str, evidence: dict[str, Any]) -> Remedy | None:
    """All four Block Public Access settings of the bucket on; None when its current ones were not read
    (nothing could restore them)."""
    if "bucket_public_access_block" not in evidence:
        return None
    current = evidence["bucket_public_access_block"]
    if current is not None and not (isinstance(current, dict) and set(current) == set(ALL_BLOCKED)):
        raise _Unplannable(f"the evidence's bucket_public_access_block is malformed: {current!r}")
    rollback = (
        _s3("DeletePublicAccessBlock", Bucket=bucket)
        if current is None
        else _s3("PutPublicAccessBlock", Bucket=bucket, PublicAccessBlockConfiguration=current)
    )
    return Remedy(
        action="block-public-access",
        summary=f"Turn on all four Block Public Access settings of {bucket}, closing its policy and ACL.",
        state=State.BUCKET_PUBLIC_ACCESS_BLOCK,
        read=_s3("GetPublicAccessBlock", Bucket=bucket),
        before={"configuration": current},
        after={"configuration": dict(ALL_BLOCKED)},
        calls=(_s3("PutPublicAccessBlock", Bucket=bucket, PublicAccessBlockConfiguration=dict(ALL_BLOCKED)),),
        rollback=(rollback,),
    )


def propose_s3_no_public_access(finding: Finding) -> Proposal:
    """Remove the public statements and grants of each path that exposes the bucket; name Block Public
    Access as the alternative; leave to a person a policy only AWS calls public."""
    if finding.resource.type != BUCKET_TYPE:
        return Proposal(unplannable=f"the finding is about a {finding.resource.type}, not a bucket")
    bucket = finding.resource.id
    evidence = finding.evidence
    exposed_via = evidence.get("exposed_via")
    if not isinstance(exposed_via, list):
        return Proposal(unplannable="the evidence does not say which path exposes the bucket (exposed_via)")
    remedies: list[Remedy] = []
    manual = None
    try:
        if any(str(path).startswith(VIA_POLICY) for path in exposed_via):
            if evidence.get("public_statements"):
                remedies.append(_remove_public_statements(bucket, evidence))
            else:
                manual = (
                    f"{finding.remediation} No change to the policy is planned: AWS reports it as public "
                    "(GetBucketPolicyStatus), but cloudwarden finds no public statement in it to remove."
                ).strip()
        if VIA_ACL in exposed_via:
            remedies.append(_remove_public_grants(bucket, evidence))
        alternative = _block_public_access(bucket, evidence)
    except _Unplannable as reason:
        return Proposal(unplannable=str(reason))
    return Proposal(
        remedies=tuple(remedies),
        alternatives=() if alternative is None else (alternative,),
        manual=manual,
    )


S3_NO_PUBLIC_ACCESS_FIX = Fixer(
    rule="s3-no-public-access",
    summary=(
        "Removes from the bucket policy the statements judged public (deleting the policy when none "
        "remains) and from the ACL the grants to AllUsers and AuthenticatedUsers, for each path that "
        "exposes the bucket; names turning on the bucket's four Block Public Access settings as the "
        "alternative. A policy only AWS calls public is left to a person."
    ),
    actions=(
        "s3:GetBucketPolicy",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:GetBucketAcl",
        "s3:PutBucketAcl",
        "s3:GetBucketPublicAccessBlock",
        "s3:PutBucketPublicAccessBlock",
    ),
    operations=frozenset(
        {
            "s3.GetBucketPolicy",
            "s3.PutBucketPolicy",
            "s3.DeleteBucketPolicy",
            "s3.GetBucketAcl",
            "s3.PutBucketAcl",
            "s3.GetPublicAccessBlock",
            "s3.PutPublicAccessBlock",
            "s3.DeletePublicAccessBlock",
        }
    ),
    propose=propose_s3_no_public_access,
)
