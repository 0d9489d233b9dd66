"""Rule `s3-no-public-access`: each bucket judged by its effective exposure, through its policy or its
ACL, once Block Public Access and Object Ownership have had their say."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from cloudwarden.findings import Resource, Severity, Status, UnknownCause
from cloudwarden.ruledoc import Example
from cloudwarden.rules.base import (
    Rule,
    RuleContext,
    Tristate,
    Verdict,
    account_resource,
    cause_of,
    tri_and,
    tri_not,
    tri_or,
    unknown_because,
)
from cloudwarden.semantics.s3_policy import PolicyAnalysis, analyze_policy
from cloudwarden.snapshot import (
    AccountSnapshot,
    AclGrant,
    ApiError,
    Bucket,
    Collection,
    ErrorIndex,
    PublicAccessBlock,
)

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

VIA_POLICY = "its policy"
"""How `exposed_via` starts an entry for the policy path (the statements or AWS's verdict follow)."""
VIA_ACL = "its ACL"
"""The `exposed_via` entry for the ACL path."""

GRANTEE_KEYS = {"CanonicalUser": "ID", "Group": "URI", "AmazonCustomerByEmail": "EmailAddress"}
"""Where GetBucketAcl puts each kind of grantee's identity."""
BLOCK_SETTINGS = {
    "block_public_acls": "BlockPublicAcls",
    "ignore_public_acls": "IgnorePublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "restrict_public_buckets": "RestrictPublicBuckets",
}
"""Each Block Public Access setting and its name in the S3 API."""


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


def statement_names(analysis: PolicyAnalysis) -> str:
    """The public statements as messages name them: `0 ('PublicRead'), 2`."""
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


def _policy_document(text: str) -> dict[str, Any] | None:
    """The policy as a JSON object; None when the text is not one (strict JSON: no NaN)."""
    try:
        document = msgspec.json.decode(text)
    except (msgspec.DecodeError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def _grant_shape(grant: AclGrant) -> dict[str, Any] | None:
    """The grant as GetBucketAcl gives it (display names aside); None when the snapshot lost its identity."""
    key = GRANTEE_KEYS.get(grant.grantee_type)
    if key is None or grant.grantee is None or not grant.permission:
        return None
    return {"Grantee": {"Type": grant.grantee_type, key: grant.grantee}, "Permission": grant.permission}


def _state_evidence(bucket: Bucket, policy_failures: tuple[ApiError, ...], levels: _Levels) -> dict[str, Any]:
    """The bucket's policy, ACL and Block Public Access as the scan read them, in the shapes of the S3
    API: what a fix starts from and what its rollback restores (`s3_no_public_access_fix`). A state
    that was not read, or that the snapshot cannot give exactly, is left out."""
    state: dict[str, Any] = {}
    if not policy_failures:
        if bucket.policy is None:
            state["policy_document"] = None
        elif (document := _policy_document(bucket.policy)) is not None:
            state["policy_document"] = document
    if bucket.acl_grants is not None and bucket.owner_id is not None:
        grants = [_grant_shape(grant) for grant in bucket.acl_grants]
        if None not in grants:
            state["acl"] = {"owner": bucket.owner_id, "grants": grants}
    if levels.bucket_known:
        block = bucket.public_access_block
        state["bucket_public_access_block"] = (
            None
            if block is None
            else {api_name: getattr(block, field) for field, api_name in BLOCK_SETTINGS.items()}
        )
    return state


def _judge_bucket(errors: ErrorIndex, bucket: Bucket, levels: _Levels, declared: Sequence[str]) -> Verdict:
    name = bucket.name
    resource = Resource(type="AWS::S3::Bucket", id=name, arn=f"arn:aws:s3:::{name}", name=name)
    region = bucket.region or "global"

    def failed(operation: str) -> tuple[ApiError, ...]:
        return errors.errors_for("s3", operation, resource=name)

    is_declared = _declared_public(name, declared)
    evidence: dict[str, Any] = {
        "block_public_access": levels.describe(),
        "object_ownership": bucket.object_ownership,
        "declared_public": is_declared,
    }
    policy, analysis = _policy_path(bucket, failed("GetBucketPolicy"), evidence)
    acl = _acl_path(bucket, failed("GetBucketAcl"), evidence)
    evidence.update(_state_evidence(bucket, failed("GetBucketPolicy"), levels))
    ownership_failures = failed("GetBucketOwnershipControls")
    acls_disabled: Tristate = None if ownership_failures else bucket.object_ownership == BUCKET_OWNER_ENFORCED

    unknowns = [path.unknown for path in (policy, acl) if path.unknown]
    causes = [
        failed(call) for path, call in ((policy, "GetBucketPolicy"), (acl, "GetBucketAcl")) if path.unknown
    ]
    if ownership_failures:
        unknowns.append(unknown_because(ownership_failures, "Object Ownership"))
        causes.append(ownership_failures)
    if not levels.bucket_known:
        unknowns.append(unknown_because(failed("GetPublicAccessBlock"), "the bucket's Block Public Access"))
        causes.append(failed("GetPublicAccessBlock"))
    if not levels.account_known:
        account_failures = errors.errors_for("s3control", "GetPublicAccessBlock")
        unknowns.append(unknown_because(account_failures, "the account's Block Public Access"))
        causes.append(account_failures)

    exposed_by_policy = tri_and(policy.public, tri_not(levels.either("restrict_public_buckets")))
    exposed_by_acl = tri_and(acl.public, tri_not(tri_or(levels.either("ignore_public_acls"), acls_disabled)))
    exposed = tri_or(exposed_by_policy, exposed_by_acl)

    capabilities: set[str] = set()
    paths = []
    if exposed_by_policy:
        capabilities |= policy.capabilities
        paths.append(
            f"{VIA_POLICY} (statement {statement_names(analysis)})"
            if analysis and analysis.public_statements
            else f"{VIA_POLICY} (AWS reports it as public)"
        )
    if exposed_by_acl:
        capabilities |= acl.capabilities
        paths.append(VIA_ACL)
    evidence["exposed_via"] = paths
    evidence["public_can"] = _ordered(capabilities)

    if exposed is None:
        # Known only after apply when every unknown fact is a value a plan leaves to deployment.
        cause = cause_of(*causes) if all(causes) else UnknownCause.FAILED_CALL
        return Verdict(
            Status.UNKNOWN,
            resource,
            "; ".join(unknowns),
            region=region,
            evidence=evidence,
            unknown_cause=cause,
        )
    if not exposed:
        message = _closed_message(policy, acl, acls_disabled is True)
        return Verdict(Status.PASS, resource, message, region=region, evidence=evidence)
    what = f"anyone can {', '.join(_ordered(capabilities)) or 'access it'} through {' and '.join(paths)}"
    if is_declared:
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
            f"In the policy of {name}, remove statement {statement_names(analysis)} or limit it to fixed "
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
    errors = context.errors(account)
    if buckets is None:
        yield Verdict(
            Status.UNKNOWN,
            account_resource(account.account_id),
            unknown_because(errors.errors_for("s3", "ListBuckets"), "the account's buckets"),
        )
        return
    account_known = not errors.errors_for("s3control", "GetPublicAccessBlock")
    for bucket in buckets:
        levels = _Levels(
            account=account.s3.account_public_access_block,
            account_known=account_known,
            bucket=bucket.public_access_block,
            bucket_known=not errors.errors_for("s3", "GetPublicAccessBlock", resource=bucket.name),
        )
        yield _judge_bucket(errors, bucket, levels, context.config.s3.public_buckets)


S3_NO_PUBLIC_ACCESS = Rule(
    id="s3-no-public-access",
    section="S3",
    guideline="Avoid unintentionally granting public access to non-public S3 data",
    audited_upstream=True,
    severity=Severity.CRITICAL,
    resource_type="AWS::S3::Bucket",
    summary=(
        "Whether anyone on the internet can reach a bucket, one finding per bucket. Two paths can expose it, "
        "and Block Public Access can close each. Its policy: public by AWS's definition (an Allow to an open "
        "principal with no condition that fixes who or where the caller is, see `semantics.s3_policy`), or "
        "reported public by AWS itself (`GetBucketPolicyStatus`: where AWS and cloudwarden disagree, the "
        "stricter verdict is used and the disagreement is in the evidence); `RestrictPublicBuckets` at the "
        "account or the bucket level closes it. Its ACL: a grant to AllUsers or AuthenticatedUsers; "
        "`IgnorePublicAcls` at either level, or Object Ownership `BucketOwnerEnforced` (which disables "
        "ACLs), closes it. `BlockPublicPolicy` and `BlockPublicAcls` only refuse new public settings: "
        "existing ones stay. Each fact is three-valued (true, false, unknown when its call failed): the "
        "bucket fails as soon as one path is known to expose it, passes only when every path is known to be "
        "closed, and is UNKNOWN otherwise. Buckets listed in `s3.public_buckets` (glob patterns) are public "
        "on purpose: public read or list passes, public write never does. Severity is critical when the "
        "public can list or write, high when it can only read. Besides what it judged, each bucket's finding "
        "records the state a fix starts from, in the S3 API's shapes: `policy_document` (the policy as "
        "parsed JSON, null when the bucket has none), `acl` (`owner` and `grants` as `GetBucketAcl` gives "
        "them) and `bucket_public_access_block` (its four settings, null when none is configured); each is "
        "left out when it could not be read (or the policy is not a JSON object). Every bucket's finding "
        "also says whether the bucket matches `s3.public_buckets` of the scan's configuration "
        "(`declared_public`, true or false), so that `fix` can leave a declared bucket to its owners even "
        "when it fails for public write and the plan is made without that configuration."
    ),
    passes=(
        "No path exposes the bucket: no public policy statement and no public ACL grant (grants to "
        "LogDelivery, other accounts' canonical ids or e-mail addresses are not public; a policy limited to "
        "fixed principals or by a condition such as `aws:SourceVpce` is not public); or what is public is "
        "neutralised (`RestrictPublicBuckets` for the policy, `IgnorePublicAcls` or Object Ownership "
        "`BucketOwnerEnforced` for the ACL), and the message says what lifting it would expose. A bucket "
        "matching `s3.public_buckets` that the public can read or list, but not write, passes as declared "
        "public."
    ),
    fails=(
        "Its policy (by cloudwarden's reading or by AWS's `IsPublic`) or its ACL exposes the bucket and "
        "Block Public Access does not neutralise that path; a Deny for everyone does not offset a public "
        "Allow. A bucket declared in `s3.public_buckets` still fails when the public can write to it "
        "(`WRITE` or `WRITE_ACP` grants, `s3:PutObject`...). The finding names the public statements and "
        "grants, and the exact fix for the bucket."
    ),
    unknown=(
        "The buckets could not be listed (`ListBuckets` failed): one UNKNOWN for the account. For a bucket, "
        "when no path is known to expose it and a fact that could open one is unknown: its policy could not "
        "be read (`GetBucketPolicy` failed) or is not a policy (invalid JSON, no `Statement`, a `Statement` "
        "neither a list nor an object); its ACL could not be read (`GetBucketAcl` failed, or the ACL is "
        "missing from the snapshot); its Object Ownership could not be read (`GetBucketOwnershipControls` "
        "failed) beside a public or unreadable ACL; the bucket's or the account's Block Public Access could "
        "not be read (`GetPublicAccessBlock` of s3 or s3control failed) while it would decide. The message "
        "names every failed call."
    ),
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
        "s3:GetAccountPublicAccessBlock",
    ),
    needs=frozenset({Collection.S3}),
    examples=(
        Example(Status.FAIL, "A policy statement lets `*` call `s3:GetObject` without condition (high)."),
        Example(Status.FAIL, "The ACL grants AllUsers `READ`: anyone can list the bucket (critical)."),
        Example(
            Status.PASS,
            "A policy grants `s3:*` to anyone, but the bucket turns on `RestrictPublicBuckets`: the message "
            "says lifting it would expose read, list and write.",
        ),
        Example(
            Status.PASS,
            "The ACL grants AllUsers `READ`, but Object Ownership is `BucketOwnerEnforced`: ACLs have no "
            "effect.",
        ),
        Example(
            Status.PASS, "`www.example.com`, readable by anyone, matches `www.*` in `s3.public_buckets`."
        ),
        Example(
            Status.UNKNOWN,
            "`GetBucketPolicy` was denied (AccessDenied) for a bucket whose ACL is not public.",
        ),
    ),
    iac=(
        "Each `aws_s3_bucket` and `AWS::S3::Bucket` with the policy, ACL, Block Public Access and Object "
        "Ownership resources or properties attached to it (by reference or by name), and the account-level "
        "block the document manages (`aws_s3_account_public_access_block`). A bucket a plan creates gets "
        "AWS's defaults for a new bucket where the configuration is silent (all four Block Public Access "
        "settings on, ACLs disabled, a private ACL), said in `evidence.iac.assumed`; a template may update "
        "an existing stack, so a template bucket that a public policy or ACL would open but for those "
        "defaults is UNKNOWN (`not-checked`: give `--snapshot`), as is a setting of a bucket a plan updates "
        "that the configuration does not manage. The account-level block is AWS's default (none) unless the "
        "document or `--snapshot` gives it. A value known only after apply, or a resource that may attach "
        "to it (its bucket, or its condition, known only at deployment), is UNKNOWN (`known-after-apply`) "
        "naming the attribute, unless another path already exposes the bucket; a malformed value is "
        "UNKNOWN (`rule-error`)."
    ),
    check=check_s3_public_access,
)
