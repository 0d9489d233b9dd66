"""Rule `s3-no-public-access`: a bucket is judged by its effective exposure.

Two paths can expose a bucket, and Block Public Access can neutralise each:
- its policy, when AWS's definition of "public" holds (`semantics.s3_policy`) and
  `RestrictPublicBuckets` is off at both the account and the bucket level;
- its ACL, when it grants to AllUsers or AuthenticatedUsers, `IgnorePublicAcls` is off at both
  levels and Object Ownership is not `BucketOwnerEnforced` (which disables ACLs).
`BlockPublicPolicy` and `BlockPublicAcls` only refuse *new* public settings: existing ones stay.

Each fact is three-valued (True, False, unknown when its call failed); the verdict is FAIL as soon as
one path is known to expose the bucket, PASS only when every path is known to be closed, and
UNKNOWN otherwise.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from cloudwarden.findings import Resource, Severity, Status
from cloudwarden.rules.base import (
    Rule,
    RuleContext,
    Tristate,
    Verdict,
    account_resource,
    tri_and,
    tri_not,
    tri_or,
    unknown_because,
)
from cloudwarden.semantics.s3_policy import PolicyAnalysis, analyze_policy
from cloudwarden.snapshot import AccountSnapshot, ApiError, Bucket, PublicAccessBlock

PUBLIC_GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "AllUsers (anyone)",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "AuthenticatedUsers (any AWS account)",
}
ACL_CAPABILITIES = {
    "READ": ("list",),
    "WRITE": ("write",),
    "READ_ACP": ("read",),
    "WRITE_ACP": ("write",),
    "FULL_CONTROL": ("list", "write"),
}
BUCKET_OWNER_ENFORCED = "BucketOwnerEnforced"
_CAPABILITY_ORDER = ("read", "list", "write")


@dataclass(frozen=True)
class _Levels:
    """Block Public Access at the account and bucket levels; None where it could not be read."""

    account: PublicAccessBlock | None
    account_known: bool
    bucket: PublicAccessBlock | None
    bucket_known: bool

    def either(self, setting: str) -> Tristate:
        """Whether `setting` is on at one level or the other."""
        account = bool(self.account and getattr(self.account, setting)) if self.account_known else None
        bucket = bool(self.bucket and getattr(self.bucket, setting)) if self.bucket_known else None
        return tri_or(account, bucket)

    def describe(self) -> dict[str, Any]:
        def level(block: PublicAccessBlock | None, known: bool) -> Any:
            if not known:
                return "unreadable"
            if block is None:
                return "none configured"
            return {name: getattr(block, name) for name in PublicAccessBlock.__struct_fields__}

        return {
            "account": level(self.account, self.account_known),
            "bucket": level(self.bucket, self.bucket_known),
        }


def _ordered(capabilities: set[str]) -> list[str]:
    return [capability for capability in _CAPABILITY_ORDER if capability in capabilities]


def _declared_public(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _policy_evidence(analysis: PolicyAnalysis) -> dict[str, Any]:
    return {
        "public_statements": [
            {
                "index": statement.index,
                "sid": statement.sid,
                "principal": statement.principal,
                "grants": list(statement.capabilities),
                "why_no_condition_limits_it": list(statement.why_not_limited),
            }
            for statement in analysis.public_statements
        ],
        "limited_statements": [
            {"index": statement.index, "sid": statement.sid, "limited_by": statement.limited_by}
            for statement in analysis.open_statements
            if statement.limited_by is not None
        ],
        "narrowing_denies": [
            {"index": deny.index, "sid": deny.sid, "effect": deny.summary}
            for deny in analysis.narrowing_denies
        ],
    }


def _statement_names(analysis: PolicyAnalysis) -> str:
    return ", ".join(
        f"{statement.index}" + (f" ({statement.sid!r})" if statement.sid else "")
        for statement in analysis.public_statements
    )


@dataclass(frozen=True)
class _Path:
    """One way a bucket can be public: is it public in principle, and what would the public get."""

    public: Tristate
    capabilities: frozenset[str]
    unknown: str | None = None


def _policy_path(
    bucket: Bucket, failures: tuple[ApiError, ...], evidence: dict[str, Any]
) -> tuple[_Path, PolicyAnalysis | None]:
    """Our reading of the policy, made stricter by AWS's own IsPublic where it answered."""
    public: Tristate
    analysis: PolicyAnalysis | None = None
    unknown: str | None = None
    if failures:
        public, unknown = None, unknown_because(failures, "the bucket policy")
    elif bucket.policy is None:
        public = False
    else:
        analysis = analyze_policy(bucket.policy)
        if analysis.error:
            public, unknown, analysis = None, analysis.error, None
        else:
            public = analysis.is_public
            evidence.update(_policy_evidence(analysis))
    capabilities = frozenset(analysis.capabilities) if analysis and analysis.is_public else frozenset()
    aws_says = bucket.policy_is_public
    if aws_says is not None:
        evidence["aws_policy_is_public"] = aws_says
        if public is not None and aws_says != public:
            evidence["disagreement"] = (
                f"AWS's GetBucketPolicyStatus says IsPublic={aws_says}, cloudwarden's analysis says "
                f"{public}: the stricter verdict (public) is used"
            )
        if aws_says and not public:
            # AWS's verdict decides even when the policy could not be read; what it grants is unknown.
            public, unknown, capabilities = True, None, frozenset({"read"})
    return _Path(public, capabilities, unknown), analysis


def _acl_path(bucket: Bucket, failures: tuple[ApiError, ...], evidence: dict[str, Any]) -> _Path:
    if bucket.acl_grants is None:
        return _Path(None, frozenset(), unknown_because(failures, "the bucket ACL"))
    grants = [
        grant
        for grant in bucket.acl_grants
        if grant.grantee_type == "Group" and grant.grantee in PUBLIC_GROUPS
    ]
    evidence["public_acl_grants"] = [
        {"grantee": PUBLIC_GROUPS[grant.grantee or ""], "permission": grant.permission} for grant in grants
    ]
    capabilities = frozenset(c for grant in grants for c in ACL_CAPABILITIES.get(grant.permission, ("read",)))
    return _Path(bool(grants), capabilities)


def _judge_bucket(
    account: AccountSnapshot, bucket: Bucket, levels: _Levels, declared: Sequence[str]
) -> Verdict:
    name = bucket.name
    resource = Resource(type="AWS::S3::Bucket", id=name, arn=f"arn:aws:s3:::{name}", name=name)
    region = bucket.region or "global"

    def failed(operation: str) -> tuple[ApiError, ...]:
        return account.errors_for("s3", operation, resource=name)

    evidence: dict[str, Any] = {
        "block_public_access": levels.describe(),
        "object_ownership": bucket.object_ownership,
    }
    policy, analysis = _policy_path(bucket, failed("GetBucketPolicy"), evidence)
    acl = _acl_path(bucket, failed("GetBucketAcl"), evidence)
    ownership_failures = failed("GetBucketOwnershipControls")
    acls_disabled: Tristate = None if ownership_failures else bucket.object_ownership == BUCKET_OWNER_ENFORCED

    unknowns = [path.unknown for path in (policy, acl) if path.unknown]
    if ownership_failures:
        unknowns.append(unknown_because(ownership_failures, "Object Ownership"))
    if not levels.bucket_known:
        unknowns.append(unknown_because(failed("GetPublicAccessBlock"), "the bucket's Block Public Access"))
    if not levels.account_known:
        account_failures = account.errors_for("s3control", "GetPublicAccessBlock")
        unknowns.append(unknown_because(account_failures, "the account's Block Public Access"))

    exposed_by_policy = tri_and(policy.public, tri_not(levels.either("restrict_public_buckets")))
    exposed_by_acl = tri_and(acl.public, tri_not(tri_or(levels.either("ignore_public_acls"), acls_disabled)))
    exposed = tri_or(exposed_by_policy, exposed_by_acl)

    capabilities: set[str] = set()
    paths = []
    if exposed_by_policy:
        capabilities |= policy.capabilities
        paths.append(
            f"its policy (statement {_statement_names(analysis)})"
            if analysis and analysis.public_statements
            else "its policy (AWS reports it as public)"
        )
    if exposed_by_acl:
        capabilities |= acl.capabilities
        paths.append("its ACL")
    evidence["exposed_via"] = paths
    evidence["public_can"] = _ordered(capabilities)

    if exposed is None:
        return Verdict(Status.UNKNOWN, resource, "; ".join(unknowns), region=region, evidence=evidence)
    if not exposed:
        message = _closed_message(policy, acl, acls_disabled is True)
        return Verdict(Status.PASS, resource, message, region=region, evidence=evidence)
    what = f"anyone can {', '.join(_ordered(capabilities)) or 'access it'} through {' and '.join(paths)}"
    if _declared_public(name, declared):
        if "write" not in capabilities:
            return Verdict(
                Status.PASS,
                resource,
                f"declared public in s3.public_buckets: {what}",
                region=region,
                evidence=evidence,
            )
        what += " (declared public, but public write is never intended)"
    return Verdict(
        Status.FAIL,
        resource,
        what,
        region=region,
        evidence=evidence,
        severity=Severity.CRITICAL if capabilities & {"write", "list"} else Severity.HIGH,
        remediation=_fix(name, analysis, bool(exposed_by_policy), bool(exposed_by_acl)),
    )


def _closed_message(policy: _Path, acl: _Path, acls_disabled: bool) -> str:
    """Why nothing is exposed, claiming only what was read."""
    by_block = []
    others = []
    if policy.public:
        by_block.append(
            f"its public policy ({', '.join(_ordered(set(policy.capabilities)))}) by RestrictPublicBuckets"
        )
    elif policy.public is None:
        by_block.append("whatever its unreadable policy grants by RestrictPublicBuckets")
    if acl.public is not False:
        what = (
            f"its public ACL ({', '.join(_ordered(set(acl.capabilities)))})"
            if acl.public
            else "whatever its unreadable ACL grants"
        )
        if acls_disabled:
            others.append(
                f"ACLs are disabled (Object Ownership BucketOwnerEnforced), so {what} has no effect"
            )
        else:
            by_block.append(f"{what} by IgnorePublicAcls")
    if not by_block and not others:
        return "not public: no public policy statement and no public ACL grant"
    parts = others
    if by_block:
        parts = [
            f"Block Public Access neutralises {' and '.join(by_block)}; lifting it would expose them",
            *others,
        ]
    return "not public: " + "; ".join(parts)


def _fix(name: str, analysis: PolicyAnalysis | None, via_policy: bool, via_acl: bool) -> str:
    steps = []
    if via_policy and analysis is not None and analysis.public_statements:
        steps.append(
            f"In the policy of {name}, remove statement {_statement_names(analysis)} or limit it to fixed "
            "principals or a fixed condition (aws:SourceVpce, aws:PrincipalOrgID, aws:SourceArn...)."
        )
    elif via_policy:
        steps.append(f"Review the policy of {name}: AWS reports it as public.")
    if via_acl:
        steps.append(
            f"Set Object Ownership of {name} to BucketOwnerEnforced (disables ACLs), or remove the "
            "AllUsers/AuthenticatedUsers grants from its ACL."
        )
    steps.append(
        "If nothing in it is meant to be public, turn on all four Block Public Access settings for the "
        "bucket (or the account); if it is meant to be public, list it in s3.public_buckets."
    )
    return " ".join(steps)


def check_s3_public_access(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    buckets = account.s3.buckets
    if buckets is None:
        yield Verdict(
            Status.UNKNOWN,
            account_resource(account.account_id),
            unknown_because(account.errors_for("s3", "ListBuckets"), "the account's buckets"),
        )
        return
    account_known = not account.errors_for("s3control", "GetPublicAccessBlock")
    for bucket in buckets:
        levels = _Levels(
            account=account.s3.account_public_access_block,
            account_known=account_known,
            bucket=bucket.public_access_block,
            bucket_known=not account.errors_for("s3", "GetPublicAccessBlock", resource=bucket.name),
        )
        yield _judge_bucket(account, bucket, levels, context.config.s3.public_buckets)


S3_NO_PUBLIC_ACCESS = Rule(
    id="s3-no-public-access",
    section="S3",
    guideline="Avoid unintentionally granting public access to non-public S3 data",
    audited_upstream=True,
    severity=Severity.CRITICAL,
    resource_type="AWS::S3::Bucket",
    rationale=(
        "Data not classified as public must not be readable or writable by anyone on the internet. "
        "A bucket is public when its policy grants an open principal without a condition that fixes "
        "who or where the caller is (AWS's own definition), or when its ACL grants AllUsers or "
        "AuthenticatedUsers, unless Block Public Access neutralises it."
    ),
    remediation=(
        "Remove or limit the public statements of the bucket policy and the public ACL grants, set "
        "Object Ownership to BucketOwnerEnforced, and turn on Block Public Access for the account; "
        "list buckets that are public on purpose (websites) in s3.public_buckets."
    ),
    permissions=(
        "s3:ListAllMyBuckets",
        "s3:GetBucketLocation",
        "s3:GetBucketPolicy",
        "s3:GetBucketPolicyStatus",
        "s3:GetBucketAcl",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetBucketOwnershipControls",
        "s3:GetBucketTagging",
        "s3:GetAccountPublicAccessBlock",
    ),
    check=check_s3_public_access,
)
