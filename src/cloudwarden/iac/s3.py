"""Translator of the s3 family: buckets with the policy, ACL, Block Public Access and Object Ownership
that a plan or template gives them, and the account-level Block Public Access a plan manages.

Resources read:
- Terraform: `aws_s3_bucket` (its name is `bucket` when known; unknown, or drawn from `bucket_prefix`,
  the resource's address stands for it), with the legacy inline `policy`, `acl` and `grant` arguments;
  `aws_s3_bucket_policy` (`bucket`, `policy`), `aws_s3_bucket_acl` (`bucket`, `acl` or
  `access_control_policy`), `aws_s3_bucket_public_access_block` (`bucket`, four booleans, absent =
  false), `aws_s3_bucket_ownership_controls` (`bucket`, `rule[0].object_ownership`);
  `aws_s3_account_public_access_block` (the account level).
- CloudFormation: `AWS::S3::Bucket` (`BucketName`, `PublicAccessBlockConfiguration` whose omitted keys
  are false, `OwnershipControls.Rules[0].ObjectOwnership`, the canned `AccessControl`) and
  `AWS::S3::BucketPolicy` (`Bucket`, `PolicyDocument`, an object or JSON text).

A policy, ACL, block or ownership resource attaches to its bucket through a link (`aws_s3_bucket.x.id`
or `.bucket`, `!Ref X`) or a literal name equal to the name of a bucket of the document. One naming a
literal name that no bucket of the document has cannot open anything of the document: it is not judged,
a warning names it (unless a `--snapshot` overlay holds its bucket, below). One whose bucket is not
determined (an `Unknown`, a `Ref` to anything but a bucket's name or id, no value) may be any bucket's,
one whose name the document fixes included (an unknown value may evaluate to it): every bucket of the
draft (the document's; with `--snapshot`, those the change touches) gets that setting unknown, its
`KNOWN_AFTER_APPLY` error naming the resource ("may be X's, whose bucket is known only after apply"),
and the record's value of it None. Unless the resource cannot open anything: a policy known not to be
public, an ACL without a grant to AllUsers or AuthenticatedUsers, a block with IgnorePublicAcls and
RestrictPublicBuckets on (the two settings that close; the other two only refuse new settings), Object
Ownership BucketOwnerEnforced. Wherever such a one lands, the bucket is no more exposed, so it is not
applied (a warning says so): a bucket it would close keeps its own verdict, at worst a FAIL that it
would lift, never a wrong PASS.

A policy, block or ownership resource the plan deletes removes its setting from the bucket its
`before.bucket` names: no policy, no block configured, no ownership controls (ACLs enabled: S3's
behaviour without them). Deleting an `aws_s3_bucket_acl` changes nothing: the provider leaves the ACL
as it is. A bucket of the document takes the removal over what its plan values or AWS's defaults say
(an existing bucket's state may still show the setting); a deletion beside a new resource of the same
kind on that bucket makes the setting unknown (either may apply last). A bucket outside the document is
changed only with `--snapshot` (below); without, a warning names the deletion.

A separate resource wins over the bucket's legacy inline argument of the same kind (which the AWS
provider computes from what the separate resource sets); two separate resources of one kind on one
bucket overwrite each other, so that setting is unknown, naming both.

Where the configuration is silent, AWS's defaults apply and the annotation says so (`assumed`):
- a bucket the plan creates (Terraform create or replace) has all four Block Public Access settings on
  and Object Ownership BucketOwnerEnforced (ACLs disabled), S3's defaults for new buckets since April
  2023, and a private ACL (the owner only); a public policy on it would be refused by S3 at apply
  (BlockPublicPolicy), which `assumed` says;
- a bucket the plan updates or leaves unchanged exists already, and may predate those defaults: its
  Block Public Access and Object Ownership that the configuration does not manage are not in the plan,
  `NOT_IN_DOCUMENT` (UNKNOWN `not-checked`, "give --snapshot"; a `--snapshot` overlay gives the live
  ones);
- a template's bucket may be a new stack's or an existing stack's (a template does not say which). The
  defaults stand where no verdict depends on them; where a public or unknown policy or ACL of the
  template would open the bucket without them, the setting the template does not give is
  `NOT_IN_DOCUMENT` (`_doubted`): a new bucket's defaults would make S3 refuse that policy or ACL, an
  existing stack's bucket may have none. With `--snapshot`, a literal `BucketName` that a live bucket
  has makes it that bucket (it stands for it; what the template does not set is the live bucket's,
  its policy too when the template has no BucketPolicy for it); a name the listed live buckets lack is a
  new bucket, the defaults certain; no literal name, or live buckets not listed: in doubt as without;
- the account-level block is the document's `aws_s3_account_public_access_block` when it has one, else
  none configured (AWS's default for an account); the account's own setting is not in the document.

Laid over a collected account (`iac --snapshot`, `Draft.live`), what the plan does not say is read from
the live account, and `assumed` says so:
- a bucket the plan updates or leaves unchanged takes the settings the configuration does not manage
  (Block Public Access, Object Ownership, ACL; the policy when the plan holds none) from the live bucket
  of the same name, and stands for it (`Draft.replaced`). The live account's failed calls for that
  bucket are kept, so a setting the scan could not read stays unknown (a failed call, not a value left
  to apply). AWS's own verdict on the policy (`policy_is_public`) is kept only while the policy is the
  live one;
- a policy, ACL, block or ownership resource whose bucket is named by a literal name that no bucket of
  the document has, but that a bucket of the live account (or of an earlier document of the change)
  has, attaches to it: the judged record is that bucket with the resource's setting replacing its own,
  its other settings as they are. Its findings keep the bucket's name as their id (the live scan's) and
  its ARN (`Annotation.live_id`), and point at the attaching resource. A deleted policy, block or
  ownership resource of such a bucket is applied to it the same way. A link (`Ref`) only names a bucket
  of the document;
- when the live account's buckets could not be listed (a failed `s3:ListBuckets`, or S3 not collected),
  a literal name that neither the documents nor the list hold may still name a live bucket: it is judged
  as a record of its own (the name, the attaching resource's region and location, the document's
  settings) whose other settings are errors of the failed listing (UNKNOWN `failed-call`). Listed and
  absent, the bucket does not exist: a warning;
- a bucket the plan deletes (`before.bucket`) is gone from the judged account, and judged no more;
- the account-level block is the document's when it has one, else the live account's (an earlier
  document's, when one of the change manages it).

Canned ACLs become the grants S3 writes for them (S3's canned ACL table): the owner's FULL_CONTROL
(its canonical id is not in a plan), `public-read` AllUsers READ, `public-read-write` AllUsers READ and
WRITE, `authenticated-read` AuthenticatedUsers READ, `log-delivery-write` LogDelivery WRITE and
READ_ACP, `aws-exec-read` READ to Amazon EC2's canonical user; `bucket-owner-read` and
`bucket-owner-full-control` are object ACLs that S3 ignores on a bucket (private).

Resources under a CloudFormation condition decided at deployment (`IacResource.condition`): a bucket is
judged as if created, `assumed` saying "only if condition X holds"; a policy (ACL, block, ownership)
makes its setting unknown (`KNOWN_AFTER_APPLY`, naming the condition), unless it cannot change the
verdict: a policy known not to be public, on a bucket of the document that stands for no live one (with
it or without it, no public policy). A closing block or ownership under a condition does change it.

Malformed values (a Block Public Access flag that is no boolean, in a plan a string too; an ACL that is
no canned one; an Object Ownership that is none; a policy that is a number, text that is not a JSON
object, or a document the policy grammar refuses; a template property of the wrong shape) are
`MALFORMED_VALUE` errors (UNKNOWN `rule-error`): never read as a default, nor as left to apply.

Values known only after apply that a verdict needs become `KNOWN_AFTER_APPLY` errors of the call that
reads them live (`s3:GetBucketPolicy`, `GetBucketAcl`, `GetPublicAccessBlock`,
`GetBucketOwnershipControls`, `s3control:GetPublicAccessBlock`). A policy whose unknown leaves sit only
where publicness does not depend on them (a statement's `Resource`, `NotResource`, `Sid`; anything but
the `Effect` and principal of a statement whose principal is fixed or which denies) is judged with
placeholders there, and `assumed` says so (`semantics.s3_policy` reads neither `Resource` nor `Sid`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from cloudwarden.iac.model import Action, IacResource, Ref, Unknown
from cloudwarden.iac.translate import UNKNOWN_REGION, Annotation, Draft, Graph
from cloudwarden.inputs import quoted
from cloudwarden.semantics.s3_policy import analyze_policy
from cloudwarden.snapshot import (
    MALFORMED_VALUE,
    NOT_IN_DOCUMENT,
    AclGrant,
    ApiError,
    Bucket,
    Collection,
    PublicAccessBlock,
)

BUCKET_TYPE = "AWS::S3::Bucket"
"""The finding resource type of `s3-no-public-access`, and CloudFormation's bucket type."""

TF_BUCKET = "aws_s3_bucket"
TF_POLICY = "aws_s3_bucket_policy"
TF_ACL = "aws_s3_bucket_acl"
TF_BLOCK = "aws_s3_bucket_public_access_block"
TF_OWNERSHIP = "aws_s3_bucket_ownership_controls"
TF_ACCOUNT_BLOCK = "aws_s3_account_public_access_block"
CFN_POLICY = "AWS::S3::BucketPolicy"

ENFORCED = "BucketOwnerEnforced"
OWNERSHIPS = frozenset({"BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"})

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"

_OWNER = AclGrant(grantee_type="CanonicalUser", grantee=None, permission="FULL_CONTROL")
"""The bucket owner's grant; its canonical id is not in a plan or template."""


def _group(uri: str, permission: str) -> AclGrant:
    return AclGrant(grantee_type="Group", grantee=uri, permission=permission)


CANNED_ACLS: Mapping[str, tuple[AclGrant, ...]] = {
    "private": (_OWNER,),
    "public-read": (_OWNER, _group(ALL_USERS, "READ")),
    "public-read-write": (_OWNER, _group(ALL_USERS, "READ"), _group(ALL_USERS, "WRITE")),
    "authenticated-read": (_OWNER, _group(AUTHENTICATED_USERS, "READ")),
    "log-delivery-write": (_OWNER, _group(LOG_DELIVERY, "WRITE"), _group(LOG_DELIVERY, "READ_ACP")),
    "aws-exec-read": (_OWNER, AclGrant(grantee_type="CanonicalUser", grantee=None, permission="READ")),
    "bucket-owner-read": (_OWNER,),
    "bucket-owner-full-control": (_OWNER,),
}
"""The grants S3 writes for each canned ACL on a bucket."""

CFN_ACCESS_CONTROL = {
    "Private": "private",
    "PublicRead": "public-read",
    "PublicReadWrite": "public-read-write",
    "AuthenticatedRead": "authenticated-read",
    "LogDeliveryWrite": "log-delivery-write",
    "BucketOwnerRead": "bucket-owner-read",
    "BucketOwnerFullControl": "bucket-owner-full-control",
    "AwsExecRead": "aws-exec-read",
}
"""CloudFormation's `AccessControl` values and the canned ACLs they stand for."""

BLOCK_SETTINGS = {
    "block_public_acls": "BlockPublicAcls",
    "ignore_public_acls": "IgnorePublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "restrict_public_buckets": "RestrictPublicBuckets",
}
"""Terraform's argument -> CloudFormation's key, for the four Block Public Access settings."""

ALL_ON = PublicAccessBlock(
    block_public_acls=True, ignore_public_acls=True, block_public_policy=True, restrict_public_buckets=True
)

NEW_BUCKET_BLOCK = (
    "Block Public Access: none in the configuration, so all four settings on "
    "(S3's default for new buckets since April 2023)"
)
NEW_BUCKET_OWNERSHIP = (
    "Object Ownership: none in the configuration, so BucketOwnerEnforced, ACLs disabled "
    "(S3's default for new buckets since April 2023)"
)
NEW_BUCKET_ACL = "ACL: none in the configuration, so private (the owner only)"
LIVE_SETTINGS = (
    "the bucket exists already: its live settings that the configuration does not manage are not in the "
    "plan (give --snapshot to use them)"
)
ACCOUNT_NOT_IN_DOCUMENT = (
    "account-level Block Public Access: not in the document, so none configured (AWS's default for an "
    "account); the account's own setting is not in the document (give --snapshot to use it)"
)
NOT_IN_PLAN = (
    "not in the plan, a setting of the existing bucket that the configuration does not manage (give "
    "--snapshot to read it from the live bucket)"
)
NOT_IN_SNAPSHOT = (
    "not in the plan, a setting of the existing bucket that the configuration does not manage, and the "
    "bucket is not in the snapshot given"
)
NOT_LIVE = (
    "the bucket exists already but is not in the snapshot given: its live settings that the configuration "
    "does not manage are unknown"
)
ACCOUNT_FROM_LIVE = (
    "account-level Block Public Access: not in the document, so the live account's (from the live account)"
)
ACCOUNT_FROM_CHANGE = (
    "account-level Block Public Access: not in the document, so the one another document of the change "
    "manages"
)
UNLISTED_BUCKET = (
    "the bucket is not in the configuration and the live account's buckets could not be listed: its "
    "settings other than those of the attached resources are unknown"
)
LIVE_BUCKET = (
    "the bucket is not in the configuration: its settings other than those of the attached resources are "
    "the live bucket's (from the live account)"
)

TEMPLATE_DOUBT = (
    "not in the template: a new bucket's default would refuse this public policy or ACL, but an existing "
    "stack's bucket may have none (give --snapshot to judge it with the live bucket)"
)
TEMPLATE_UNNAMED = (
    "not in the template, which gives the bucket no literal BucketName: whether it is new (S3's defaults) "
    "or an existing stack's bucket (maybe none) cannot be told from the snapshot given"
)
TEMPLATE_UNLISTED = (
    "not in the template, and the live buckets could not be listed: whether the bucket is new (S3's "
    "defaults) or an existing stack's (maybe none) is unknown"
)
TEMPLATE_CHANGED = (
    "not in the template, and another document of the change also has this bucket: whether it is new (S3's "
    "defaults) or an existing one (maybe none) is not told"
)
TEMPLATE_EXISTING = (
    "the template's BucketName is a bucket of the live account: an existing stack's bucket, its settings "
    "that the template does not set are the live bucket's"
)
TEMPLATE_NEW = "the template's BucketName is no bucket of the live account: a new bucket, S3's defaults apply"
REFUSED_POLICY = (
    "S3 refuses a public policy on a new bucket while BlockPublicPolicy is on (its default): deploying "
    "this policy would fail"
)

_MISSING = object()
"""A value the resource does not give (no key), apart from an explicit null."""


@dataclass(frozen=True)
class _Known:
    """A setting of a bucket: its value, or the unknown value that hides it."""

    value: Any = None
    unknown: Unknown | Ref | None = None
    default: bool = False
    """The value is S3's default for a new bucket, the configuration being silent."""


@dataclass
class _Bucket:
    """A bucket of the document and what attaches to it."""

    resource: IacResource
    name: str
    policies: list[IacResource] = field(default_factory=list)
    acls: list[IacResource] = field(default_factory=list)
    blocks: list[IacResource] = field(default_factory=list)
    ownerships: list[IacResource] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)
    live: Bucket | None = None
    """The live bucket it stands for (`--snapshot`, a bucket that exists already)."""
    removed: list[IacResource] = field(default_factory=list)
    """Policy, block and ownership resources the plan deletes: their setting is removed."""
    unlisted: ApiError | None = None
    """`--snapshot`: a bucket named by a literal name that the live account could not list (the failed
    `ListBuckets`, or its stand-in when S3 was not collected); its other settings are unknown."""
    overlay: bool = False
    """Laid over a live account (`--snapshot`)."""
    doubt: str | None = None
    """A template's bucket that may be new or an existing stack's (no `--snapshot`, no literal
    `BucketName`, or live buckets that could not be listed): why. S3's defaults for new buckets are then
    applied only where no verdict depends on them (see `_doubted`)."""

    @property
    def cloudformation(self) -> bool:
        return self.resource.type == BUCKET_TYPE

    @property
    def created(self) -> bool:
        """Whether S3's defaults for new buckets stand in for what the configuration does not set: a
        Terraform create or replacement; a template's bucket unless it stands for a live one (an existing
        stack's, whose settings the template does not set are the live bucket's)."""
        if self.cloudformation:
            return self.live is None
        return self.resource.action in (Action.CREATE, Action.REPLACE)

    @property
    def region(self) -> str:
        return self.resource.region or UNKNOWN_REGION


def translate(graph: Graph, draft: Draft) -> None:
    """Add the document's buckets, and its account-level block, to the draft."""
    account_block = _account_block(graph, draft)
    account_assumed = _account_assumed(draft, account_block)
    _deleted(graph, draft)
    buckets = [_bucket(draft, resource) for resource in graph.of_type(TF_BUCKET, BUCKET_TYPE)]
    elsewhere, undetermined = _attach(graph, draft, buckets)
    _removals(graph, draft, buckets, elsewhere)
    for bucket in buckets:
        draft.buckets.append(_judged(draft, bucket, account_block, account_assumed))
    for bucket in elsewhere.values():
        _overlaid(draft, bucket, account_block, account_assumed)
    for resource, link in undetermined:
        _anywhere(graph, draft, resource, link)


# --- buckets and what attaches to them ------------------------------------------------------------------


def _bucket(draft: Draft, resource: IacResource) -> _Bucket:
    """The bucket with its name: the one configured, else its address stands for it. One that exists
    already stands for the live bucket of its name (`--snapshot`)."""
    key = "BucketName" if resource.type == BUCKET_TYPE else "bucket"
    name = resource.values.get(key)
    bucket = _Bucket(resource, name if isinstance(name, str) and name else resource.address)
    bucket.overlay = draft.live is not None
    if bucket.cloudformation:
        _template_bucket(draft, bucket)
    elif bucket.name != resource.address and resource.action in (
        Action.UPDATE,
        Action.NO_OP,
        Action.REPLACE,
    ):
        live = _live_bucket(draft, bucket.name)
        if live is not None:
            draft.replaced.add(("bucket", bucket.name))
            bucket.live = live if resource.action is not Action.REPLACE else None
    return bucket


def _template_bucket(draft: Draft, bucket: _Bucket) -> None:
    """Whether a template's bucket is new. A template may be a new stack's or an update of an existing
    one, which it does not say. With `--snapshot`, a literal `BucketName` that a live bucket has is that
    bucket (it stands for it: `Draft.replaced`); one that the listed live buckets lack is new, certainly.
    Otherwise (no snapshot, no literal name, live buckets not listed) it is in doubt."""
    if draft.live is None:
        bucket.doubt = TEMPLATE_DOUBT
        return
    if bucket.name == bucket.resource.address:
        bucket.doubt = TEMPLATE_UNNAMED
        return
    if ("bucket", bucket.name) in draft.replaced:
        bucket.doubt = TEMPLATE_CHANGED  # another document of the change stands for it or deletes it
        return
    live = _live_bucket(draft, bucket.name)
    if live is not None:
        draft.replaced.add(("bucket", bucket.name))
        bucket.live = live
        bucket.assumed.append(TEMPLATE_EXISTING)
    elif _listing_failure(draft) is not None:
        bucket.doubt = TEMPLATE_UNLISTED
    else:
        bucket.assumed.append(TEMPLATE_NEW)


def _live_bucket(draft: Draft, name: str) -> Bucket | None:
    """The live account's bucket of that name, unless a document already deletes or stands for it."""
    if draft.live is None or draft.live.s3.buckets is None or ("bucket", name) in draft.replaced:
        return None
    return next((bucket for bucket in draft.live.s3.buckets if bucket.name == name), None)


def _deleted(graph: Graph, draft: Draft) -> None:
    """The buckets the plan deletes leave the judged account (their name is in `before`)."""
    for resource in graph.document.resources:
        if resource.type == TF_BUCKET and resource.action is Action.DELETE:
            name = (resource.before or resource.values).get("bucket")
            if isinstance(name, str) and name:
                draft.replaced.add(("bucket", name))


_ATTACHED: Mapping[str, Callable[[_Bucket], list[IacResource]]] = {
    TF_POLICY: lambda bucket: bucket.policies,
    CFN_POLICY: lambda bucket: bucket.policies,
    TF_ACL: lambda bucket: bucket.acls,
    TF_BLOCK: lambda bucket: bucket.blocks,
    TF_OWNERSHIP: lambda bucket: bucket.ownerships,
}
"""Where each kind of separate resource goes on its bucket."""


Undetermined = list[tuple[IacResource, object]]
"""Resources whose bucket cannot be determined, with the value that should name it."""


def _attach(graph: Graph, draft: Draft, buckets: list[_Bucket]) -> tuple[dict[str, _Bucket], Undetermined]:
    """Attach each policy, ACL, block and ownership resource to its bucket, or warn. Those whose bucket
    is not in the document but is, by its literal name, in the account they are laid over (or may be:
    its buckets could not be listed) are returned, gathered by bucket name (each `_Bucket` standing on
    its first attaching resource); so are those whose bucket is not determined (not a literal name)."""
    by_address = {bucket.resource.address: bucket for bucket in buckets}
    by_name = {bucket.name: bucket for bucket in buckets if bucket.name != bucket.resource.address}
    elsewhere: dict[str, _Bucket] = {}
    undetermined: Undetermined = []
    for resource in graph.of_type(*_ATTACHED):
        link = resource.values.get(_bucket_key(resource))
        bucket = _linked(graph, link, by_address, by_name)
        if bucket is None and isinstance(link, str):
            bucket = _elsewhere(draft, elsewhere, resource, link)
        if bucket is None and not isinstance(link, str):
            undetermined.append((resource, link))
            continue
        if bucket is None:
            draft.warnings.append(_unattached(graph, draft, resource, link))
            continue
        _ATTACHED[resource.type](bucket).append(resource)
    return elsewhere, undetermined


def _bucket_key(resource: IacResource) -> str:
    return "Bucket" if resource.type == CFN_POLICY else "bucket"


def _elsewhere(
    draft: Draft, elsewhere: dict[str, _Bucket], resource: IacResource, name: str
) -> _Bucket | None:
    """The bucket of the account the documents are laid over that a literal name names: one that
    exists, or one that may (the live buckets could not be listed); None without `--snapshot`."""
    if name in elsewhere:
        return elsewhere[name]
    if _existing(draft, name) is not None:
        bucket = elsewhere[name] = _Bucket(resource, name)
        return bucket
    failure = _listing_failure(draft)
    if failure is None or ("bucket", name) in draft.replaced:  # a bucket the change deletes is gone
        return None
    bucket = elsewhere[name] = _Bucket(resource, name, unlisted=failure)
    return bucket


def _listing_failure(draft: Draft) -> ApiError | None:
    """Why the live account's buckets are not all known (`--snapshot`): its failed `ListBuckets`, or a
    stand-in saying S3 was not collected; None when they were listed (or without `--snapshot`)."""
    live = draft.live
    if live is None:
        return None
    failed = live.errors_for("s3", "ListBuckets")
    if failed:
        return failed[0]
    if Collection.S3 in live.collected and live.s3.buckets is not None:
        return None
    return ApiError(
        account=live.account_id,
        service="s3",
        operation="ListBuckets",
        region=UNKNOWN_REGION,
        code="NotCollected",
        message="the snapshot given did not collect S3",
    )


_REMOVABLE = (TF_POLICY, TF_BLOCK, TF_OWNERSHIP)
"""Resources whose deletion removes their setting from the bucket. (Deleting an `aws_s3_bucket_acl`
leaves the bucket's ACL as it is: the provider only removes the resource from the state.)"""


def _removals(graph: Graph, draft: Draft, buckets: list[_Bucket], elsewhere: dict[str, _Bucket]) -> None:
    """The policy, block and ownership resources the plan deletes, on the bucket their `before` names:
    one of the document (by its name), else (`--snapshot`) one of the account laid over."""
    by_name = {bucket.name: bucket for bucket in buckets if bucket.name != bucket.resource.address}
    for resource in graph.document.resources:
        if resource.type not in _REMOVABLE or resource.action is not Action.DELETE:
            continue
        name = (resource.before or resource.values).get("bucket")
        if not isinstance(name, str) or not name:
            draft.warnings.append(
                f"{resource.address}: deleted, but its bucket is not in the plan: not judged"
            )
            continue
        bucket = by_name.get(name) or _elsewhere(draft, elsewhere, resource, name)
        if bucket is None:
            if draft.live is None:
                draft.warnings.append(
                    f"{resource.address}: deleted from bucket {quoted(name)}, which is not a bucket of "
                    f"{graph.document.path}; not judged (give --snapshot to judge it with the live bucket)"
                )
            continue  # laid over a live account that lists no such bucket: nothing is left to open
        bucket.removed.append(resource)


# --- a bucket that is not determined ---------------------------------------------------------------------


def _what(resource_type: str) -> tuple[str, str, Callable[[_Bucket], _Known], str]:
    """What a kind of resource sets, the call that reads it live, the reader of its value, and the
    record's field that holds it."""
    if resource_type in (TF_POLICY, CFN_POLICY):
        return "bucket policy", "GetBucketPolicy", _policy, "policy"
    if resource_type == TF_ACL:
        return "bucket ACL", "GetBucketAcl", _acl, "acl_grants"
    if resource_type == TF_BLOCK:
        return "Block Public Access", "GetPublicAccessBlock", _block, "public_access_block"
    return "Object Ownership", "GetBucketOwnershipControls", _ownership, "object_ownership"


def _anywhere(graph: Graph, draft: Draft, resource: IacResource, link: object) -> None:
    """A resource whose bucket is not determined may be any bucket's: every bucket judged in the draft
    (the document's, those a change touches) gets that setting unknown, unless the resource cannot open
    anything (then whichever bucket it lands on is no more exposed: no verdict depends on it)."""
    what, operation, read, setting = _what(resource.type)
    probe = _Bucket(resource, resource.address)
    # Under a condition or not, one that opens nothing leaves any bucket no more exposed.
    _ATTACHED[resource.type](probe).append(dataclasses.replace(resource, condition=None))
    where = _link_unknown(resource, link)
    if _opens_nothing(resource.type, read(probe)):
        draft.warnings.append(
            f"{resource.address}: its bucket is not known ({where.describe()}); it opens nothing, so no "
            "verdict depends on which bucket it is"
        )
        return
    for position, bucket in enumerate(draft.buckets):
        # The value the rule reads is unknown too (it reads an ACL's failed call only when no grants).
        changes: dict[str, Any] = {setting: None}
        if setting == "policy":
            changes["policy_is_public"] = None  # AWS's verdict was on a policy that may be replaced
        draft.buckets[position] = msgspec.structs.replace(bucket, **changes)
        unknown = Unknown(
            f"the {what} of {bucket.name}",
            f"unknown: it may be {resource.address}'s, whose bucket is known only after apply "
            f"({where.describe()})",
        )
        draft.unknown("s3", operation, bucket.region or UNKNOWN_REGION, unknown, resource=bucket.name)
        annotation = draft.annotations.get((BUCKET_TYPE, bucket.name))
        if annotation is not None:
            annotation.assumed.append(
                f"{what}: {resource.address} may be this bucket's (its bucket is known only after apply), "
                "so it is unknown"
            )
    if draft.live is not None:
        draft.warnings.append(
            f"{resource.address}: its bucket is not known ({where.describe()}); it may also be a bucket "
            "of the live account that the change does not otherwise touch, which is not judged"
        )


def _link_unknown(resource: IacResource, link: object) -> Unknown:
    if isinstance(link, Unknown):
        return link
    if isinstance(link, Ref):
        return Unknown(link.at, f"a link to {_describe_link(link)}, which is no bucket of the document")
    return Unknown(
        f"{resource.address}.{_bucket_key(resource)}", f"not a bucket name ({_describe_link(link)})"
    )


def _opens_nothing(resource_type: str, known: _Known) -> bool:
    """Whether the setting, on any bucket, leaves it no more exposed than before: a policy known not to
    be public (or none), an ACL without a grant to AllUsers or AuthenticatedUsers, a block that turns on
    IgnorePublicAcls and RestrictPublicBuckets (the two that close; the other two only refuse new
    settings), Object Ownership BucketOwnerEnforced."""
    if known.unknown is not None:
        return False
    value = known.value
    if resource_type in (TF_POLICY, CFN_POLICY):
        if value is None:
            return True
        analysis = analyze_policy(value)
        return analysis.error is None and not analysis.is_public
    if resource_type == TF_ACL:
        public = {ALL_USERS, AUTHENTICATED_USERS}
        return value is not None and not any(
            grant.grantee_type == "Group" and grant.grantee in public for grant in value
        )
    if resource_type == TF_BLOCK:
        return (
            isinstance(value, PublicAccessBlock)
            and value.ignore_public_acls
            and value.restrict_public_buckets
        )
    return bool(value == ENFORCED)


def _unattached(graph: Graph, draft: Draft, resource: IacResource, link: object) -> str:
    """The warning for a resource whose bucket is nowhere to be found."""
    if draft.live is None:
        return (
            f"{resource.address}: its bucket ({_describe_link(link)}) is not a bucket of "
            f"{graph.document.path}; not judged (give --snapshot to judge it with the live bucket)"
        )
    return (
        f"{resource.address}: its bucket ({_describe_link(link)}) is not a bucket of "
        f"{graph.document.path}, of an earlier document of the change or of the live account (or the "
        "change deletes it); not judged"
    )


def _existing(draft: Draft, name: str) -> Bucket | None:
    """The bucket of that name in the account the documents are laid over: an earlier document's, else
    the live account's (None without `--snapshot`)."""
    if draft.live is None:
        return None
    earlier = next((bucket for bucket in draft.buckets if bucket.name == name), None)
    return earlier if earlier is not None else _live_bucket(draft, name)


def _linked(
    graph: Graph, link: object, by_address: Mapping[str, _Bucket], by_name: Mapping[str, _Bucket]
) -> _Bucket | None:
    """The bucket a `bucket`/`Bucket` value names: a link to a bucket resource (its name or id), or a
    literal name equal to a bucket's configured name."""
    if isinstance(link, Ref):
        target = graph.target(link)
        if target is None or link.attribute not in (None, "id", "bucket"):
            return None
        return by_address.get(target.address)
    if isinstance(link, str):
        return by_name.get(link)
    return None


def _describe_link(link: object) -> str:
    if isinstance(link, Ref):
        return f"{link.address}.{link.attribute}" if link.attribute else link.address
    if isinstance(link, Unknown):
        return link.describe()
    return quoted(link) if isinstance(link, str) else "not given"


# --- one bucket -------------------------------------------------------------------------------------------


def _judged(
    draft: Draft, bucket: _Bucket, account_block: IacResource | None, account_assumed: str | None
) -> Bucket:
    """The bucket as a snapshot record; its unknown settings as errors; its annotation."""
    policy = _policy(bucket)
    acl = _acl(bucket)
    block = _block(bucket)
    ownership = _ownership(bucket)
    if bucket.doubt is not None:
        block, ownership = _doubted(bucket, policy, acl, block, ownership)
    elif block.default and _policy_open(policy) is True:
        bucket.assumed.append(REFUSED_POLICY)
    name = bucket.name
    region = bucket.resource.region or (bucket.live.region if bucket.live else None) or UNKNOWN_REGION
    for setting, operation in (
        (policy, "GetBucketPolicy"),
        (acl, "GetBucketAcl"),
        (block, "GetPublicAccessBlock"),
        (ownership, "GetBucketOwnershipControls"),
    ):
        if setting.unknown is not None:
            draft.unknown("s3", operation, region, setting.unknown, resource=name)
    annotation = draft.annotate(BUCKET_TYPE, name, bucket.resource)
    _annotate(annotation, bucket, account_block, account_assumed, draft.live is not None)
    live = bucket.live
    return Bucket(
        name=name,
        region=region,
        created=live.created if live else None,
        owner_id=live.owner_id if live else None,
        policy=policy.value,
        # AWS's verdict on the live policy still holds while the plan keeps that very policy.
        policy_is_public=live.policy_is_public if live and policy == _Known(live.policy) else None,
        acl_grants=acl.value,
        public_access_block=block.value,
        object_ownership=ownership.value,
    )


def _policy_open(policy: _Known) -> bool | None:
    """Whether the policy is public: None when unknown (it may be)."""
    if policy.unknown is not None:
        return None
    if policy.value is None:
        return False
    analysis = analyze_policy(policy.value)
    return None if analysis.error is not None else analysis.is_public


def _acl_open(acl: _Known) -> bool | None:
    """Whether the ACL grants anything to AllUsers or AuthenticatedUsers: None when unknown."""
    if acl.unknown is not None:
        return None
    return not _opens_nothing(TF_ACL, acl)


def _doubted(
    bucket: _Bucket, policy: _Known, acl: _Known, block: _Known, ownership: _Known
) -> tuple[_Known, _Known]:
    """Block Public Access and Object Ownership of a template's bucket that may be new or an existing
    stack's (`_Bucket.doubt`). S3's defaults for a new bucket (all four settings on, ACLs disabled) stand
    only where no verdict depends on them: where a public (or unknown) policy or ACL of the template
    would open the bucket without them, the setting is not in the document (UNKNOWN `not-checked`). A
    new bucket's defaults would make S3 refuse that policy or ACL; an existing stack's bucket may have no
    block at all, and then it is public: either way, the template means it public."""
    policy_open = _policy_open(policy) is not False
    acl_open = _acl_open(acl) is not False
    ignores_acls = (
        not block.default and isinstance(block.value, PublicAccessBlock) and block.value.ignore_public_acls
    )
    acls_disabled = not ownership.default and ownership.value == ENFORCED
    if block.default and (policy_open or (acl_open and not acls_disabled)):
        block = _not_in_template(bucket, "PublicAccessBlockConfiguration", NEW_BUCKET_BLOCK)
    if ownership.default and acl_open and not ignores_acls:
        ownership = _not_in_template(bucket, "OwnershipControls", NEW_BUCKET_OWNERSHIP)
    return block, ownership


def _not_in_template(bucket: _Bucket, key: str, default: str) -> _Known:
    """A setting the template does not give and the verdict depends on: not in the document."""
    if default in bucket.assumed:
        bucket.assumed.remove(default)
    bucket.assumed.append(f"{key}: {bucket.doubt}")
    return _Known(
        unknown=Unknown(f"{bucket.resource.address}.{key}", bucket.doubt or "", code=NOT_IN_DOCUMENT)
    )


def _annotate(
    annotation: Annotation,
    bucket: _Bucket,
    account_block: IacResource | None,
    account_assumed: str | None,
    live_context: bool,
) -> None:
    attached = [*bucket.policies, *bucket.acls, *bucket.blocks, *bucket.ownerships, *bucket.removed]
    annotation.attached.extend(resource.address for resource in attached)
    if bucket.resource.condition is not None:
        annotation.assumed.append(
            f"judged as if created: the bucket exists only if {_condition_words(bucket.resource.condition)}"
        )
    if account_block is not None:
        annotation.attached.append(account_block.address)
    elif account_assumed is not None:
        annotation.assumed.append(account_assumed)
    annotation.assumed.extend(bucket.assumed)
    if not bucket.created and bucket.live is None:
        annotation.assumed.append(NOT_LIVE if live_context else LIVE_SETTINGS)


def _account_assumed(draft: Draft, account_block: IacResource | None) -> str | None:
    """Where the account-level block comes from when the document has none (None: it has one). Laid
    over a live account, it is the live account's, unless an earlier document of the change set it."""
    if account_block is not None:
        return None
    if draft.live is None:
        return ACCOUNT_NOT_IN_DOCUMENT
    live_block = draft.live.s3.account_public_access_block
    if not draft.account_block_known or draft.account_public_access_block not in (None, live_block):
        return ACCOUNT_FROM_CHANGE
    draft.account_public_access_block = live_block
    return ACCOUNT_FROM_LIVE


def _overlaid(
    draft: Draft, bucket: _Bucket, account_block: IacResource | None, account_assumed: str | None
) -> None:
    """A bucket of the account the documents are laid over, with the settings of the resources that
    attach to it by name (or that the plan deletes) replacing its own: judged in place of the record it
    was. One the live account could not list stands on its own, its other settings unknown."""
    base = _existing(draft, bucket.name) or _unlisted(bucket)
    changes: dict[str, Any] = {}
    region = base.region or UNKNOWN_REGION
    removed = {resource.type for resource in bucket.removed}
    for resources, kinds, read, operation, setting in (
        (bucket.policies, (TF_POLICY,), _policy, "GetBucketPolicy", "policy"),
        (bucket.acls, (), _acl, "GetBucketAcl", "acl_grants"),
        (bucket.blocks, (TF_BLOCK,), _block, "GetPublicAccessBlock", "public_access_block"),
        (bucket.ownerships, (TF_OWNERSHIP,), _ownership, "GetBucketOwnershipControls", "object_ownership"),
    ):
        if not resources and not removed.intersection(kinds):
            if bucket.unlisted is not None:
                draft.errors.append(_not_listed(bucket.unlisted, operation, region, bucket.name))
            continue
        known = read(bucket)
        if known.unknown is not None:
            draft.unknown("s3", operation, region, known.unknown, resource=bucket.name)
        changes[setting] = known.value
    if "policy" in changes:
        changes["policy_is_public"] = None  # AWS's verdict was on the policy the document replaces
    record = msgspec.structs.replace(base, **changes)
    if base in draft.buckets:
        draft.buckets[draft.buckets.index(base)] = record
    else:
        draft.replaced.add(("bucket", bucket.name))
        draft.buckets.append(record)
    annotation = draft.annotations.get((BUCKET_TYPE, bucket.name))
    if annotation is None:
        # Named as the live scan names it: the same finding before and after the change.
        annotation = Annotation(bucket.name, bucket.resource.location, live_id=True)
        draft.annotations[(BUCKET_TYPE, bucket.name)] = annotation
        if account_block is not None:
            annotation.attached.append(account_block.address)
        elif account_assumed is not None:
            annotation.assumed.append(account_assumed)
        annotation.assumed.append(LIVE_BUCKET if bucket.unlisted is None else UNLISTED_BUCKET)
    attached = [*bucket.policies, *bucket.acls, *bucket.blocks, *bucket.ownerships, *bucket.removed]
    annotation.attached.extend(resource.address for resource in attached)
    annotation.assumed.extend(bucket.assumed)


def _unlisted(bucket: _Bucket) -> Bucket:
    """A bucket that may exist in the live account, which could not be listed: only its name and the
    attaching resource's region are known."""
    assert bucket.unlisted is not None  # `_elsewhere` gathered it because the listing failed
    return Bucket(name=bucket.name, region=bucket.resource.region)


def _not_listed(failure: ApiError, operation: str, region: str, name: str) -> ApiError:
    """A setting of a bucket the live account could not list: not read, because the listing failed."""
    return ApiError(
        account=failure.account,
        service="s3",
        operation=operation,
        region=region,
        code=failure.code,
        message=f"not read: the live buckets could not be listed ({failure.describe()})",
        resource=name,
    )


def _only(bucket: _Bucket, resources: list[IacResource], what: str) -> _Known | None:
    """Unknown when several resources set the same thing on one bucket (the last applied wins)."""
    if len(resources) < 2:
        return None
    names = " and ".join(resource.address for resource in resources)
    return _Known(
        unknown=Unknown(
            f"the {what} of {bucket.name}",
            f"set by both {names}, which overwrite each other (whichever applies last wins)",
        )
    )


def _not_in_plan(bucket: _Bucket, what: str, setting: str) -> _Known:
    """A setting of a bucket that exists already, which the configuration does not manage: the live
    bucket's (`--snapshot`), else unknown."""
    if bucket.live is not None:
        bucket.assumed.append(f"{what}: not managed by the configuration, so the live bucket's")
        return _Known(getattr(bucket.live, setting))
    why = NOT_IN_SNAPSHOT if bucket.overlay else NOT_IN_PLAN
    return _Known(unknown=Unknown(f"the {what} of {bucket.name}", why, code=NOT_IN_DOCUMENT))


def _removal(
    bucket: _Bucket, resources: list[IacResource], types: tuple[str, ...], what: str
) -> _Known | None:
    """The setting when the plan deletes the resource that set it: none; unknown when another resource
    sets it too (the deletion and the new setting may apply in either order)."""
    removed = [resource for resource in bucket.removed if resource.type in types]
    if not removed:
        return None
    names = " and ".join(resource.address for resource in removed)
    if resources:
        setters = " and ".join(resource.address for resource in resources)
        return _Known(
            unknown=Unknown(
                f"the {what} of {bucket.name}",
                f"set by {setters} and removed by the deletion of {names}, which may apply after it",
            )
        )
    bucket.assumed.append(f"{what}: none, the plan deletes {names}")
    return _Known()


def _policy(bucket: _Bucket) -> _Known:
    """The bucket policy's JSON text (None: no policy)."""
    if conflict := _only(bucket, bucket.policies, "bucket policy"):
        return conflict
    if removal := _removal(bucket, bucket.policies, (TF_POLICY,), "bucket policy"):
        return removal
    if bucket.policies:
        resource = bucket.policies[0]
        key = "PolicyDocument" if resource.type == CFN_POLICY else "policy"
        return _conditional(resource, "bucket policy", bucket, _policy_text(resource, key, bucket))
    if bucket.cloudformation:
        # A template's bucket has a policy only through an AWS::S3::BucketPolicy; one that stands for a
        # live bucket keeps the live policy (the template does not say it removes one).
        return _not_in_plan(bucket, "bucket policy", "policy") if bucket.live is not None else _Known()
    if not bucket.created and "policy" not in bucket.resource.values:
        return _not_in_plan(bucket, "bucket policy", "policy")
    return _policy_text(bucket.resource, "policy", bucket)


def _policy_text(resource: IacResource, key: str, bucket: _Bucket) -> _Known:
    """The policy a resource gives: JSON text (a plan's, or a template's JSON string) or a template's
    structure; one that is no policy document (a number, text that is not a JSON object, a statement
    without Effect...) is a malformed value, not a value left to apply."""
    value = resource.values.get(key)
    if value is None or value == "":
        return _Known()
    if isinstance(value, Unknown | Ref):
        return _Known(unknown=value)
    if isinstance(value, str):
        known = _Known(value)
    elif isinstance(value, Mapping):
        known = _policy_document(value, f"{resource.address}.{key}", bucket)
    else:
        return _Known(unknown=_malformed(resource, key, value, "a policy document"))
    if known.unknown is None and known.value is not None:
        error = _policy_error(known.value)
        if error is not None:
            where = f"{resource.address}.{key}"
            return _Known(unknown=Unknown(where, f"not a policy document: {error}", code=MALFORMED_VALUE))
    return known


def _policy_error(text: str) -> str | None:
    """Why a policy's text is no policy document (None: it is one)."""
    try:
        document = json.loads(text)
    except ValueError as error:
        return f"not JSON: {error}"
    if not isinstance(document, dict):
        return "not a JSON object"
    return analyze_policy(text).error


def _conditional(resource: IacResource, what: str, bucket: _Bucket, known: _Known) -> _Known:
    """The setting of a resource created only if a condition the template leaves to deployment holds:
    unknown, naming the condition, unless it cannot change the verdict: a policy known not to be public
    on a bucket of the document that stands for no live one (with it or without it, the bucket has no
    public policy). A block or ownership that closes does change it (without it, the bucket may be
    open), and a live bucket's policy may stay without it."""
    condition = resource.condition
    if condition is None:
        return known
    own_bucket = bucket.resource.type in (TF_BUCKET, BUCKET_TYPE) and bucket.live is None
    policy = resource.type in (TF_POLICY, CFN_POLICY)
    if policy and own_bucket and known.unknown is None and _opens_nothing(resource.type, known):
        bucket.assumed.append(
            f"{what}: {resource.address} exists only if {_condition_words(condition)}; it is not public, "
            "so the verdict is the same either way"
        )
        return known
    return _Known(
        unknown=Unknown(
            f"the {what} of {bucket.name}",
            f"set by {resource.address} only if {_condition_words(condition)}",
        )
    )


def _condition_words(condition: Unknown) -> str:
    """`condition IsProd holds (parameter Env has no default)`."""
    name = condition.attribute.removeprefix("Conditions.")
    return f"condition {name} holds ({condition.why})"


# --- policies with unknown leaves ---------------------------------------------------------------------------

_IGNORED_KEYS = frozenset({"resource", "notresource", "sid"})
"""Statement keys whose values never decide whether a policy is public."""
_DECIDING_KEYS = frozenset({"effect", "principal", "notprincipal"})


def _unknowns(value: object) -> Iterator[Unknown | Ref]:
    if isinstance(value, Unknown | Ref):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _unknowns(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _unknowns(item)


def _filled(value: object) -> object:
    """`value` with each unknown leaf replaced by a placeholder naming its attribute."""
    if isinstance(value, Unknown | Ref):
        unknown = value.unknown() if isinstance(value, Ref) else value
        return f"<{unknown.attribute}: {unknown.why}>"
    if isinstance(value, Mapping):
        return {key: _filled(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_filled(item) for item in value]
    return value


def _policy_document(document: Mapping[str, Any], where: str, bucket: _Bucket) -> _Known:
    """A policy given as a structure (a template's `PolicyDocument`), possibly with unknown leaves."""
    if not any(True for _ in _unknowns(document)):
        return _Known(json.dumps(document))
    statements = _get_lower(document, "statement")
    outside = {key: item for key, item in document.items() if str(key).lower() != "statement"}
    if first := next(_unknowns(outside), None):
        return _Known(unknown=first)
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        return _Known(unknown=next(_unknowns(statements)))
    for statement in statements:
        if deciding := _deciding_unknown(statement):
            return _Known(unknown=deciding)
    for unknown in _unknowns(statements):
        attribute = unknown.unknown().attribute if isinstance(unknown, Ref) else unknown.attribute
        bucket.assumed.append(
            f"{where}: {attribute} is known only after apply, but whether the policy is public does not "
            "depend on it (it was judged with a placeholder there)"
        )
    return _Known(json.dumps(_filled(document)))


def _get_lower(mapping: Mapping[str, Any], key: str) -> Any:
    return next((item for name, item in mapping.items() if str(name).lower() == key), _MISSING)


def _deciding_unknown(statement: object) -> Unknown | Ref | None:
    """The first unknown leaf of a statement on which the policy's publicness may depend."""
    if not isinstance(statement, Mapping):
        return next(_unknowns(statement), None)
    relevant = {key: item for key, item in statement.items() if str(key).lower() not in _IGNORED_KEYS}
    first = next(_unknowns(relevant), None)
    if first is None:
        return None
    deciding = {key: item for key, item in relevant.items() if str(key).lower() in _DECIDING_KEYS}
    if any(True for _ in _unknowns(deciding)):
        return first
    if str(_get_lower(statement, "effect")).lower() == "deny":
        return None  # a Deny never makes a policy public
    analysis = analyze_policy(json.dumps({"Statement": [_filled(statement)]}))
    if analysis.error is None and not analysis.open_statements:
        return None  # an Allow to fixed principals is not public, whatever it allows and when
    return first


# --- ACLs ------------------------------------------------------------------------------------------------


def _acl(bucket: _Bucket) -> _Known:
    """The bucket's grants."""
    if conflict := _only(bucket, bucket.acls, "bucket ACL"):
        return conflict
    if bucket.acls:
        return _conditional(bucket.acls[0], "bucket ACL", bucket, _acl_resource(bucket.acls[0]))
    if bucket.cloudformation:
        value = bucket.resource.values.get("AccessControl")
        if value is None and bucket.live is not None:
            return _not_in_plan(bucket, "bucket ACL", "acl_grants")
        if value is None:
            bucket.assumed.append(NEW_BUCKET_ACL)
            return _Known(CANNED_ACLS["private"], default=True)
        if isinstance(value, Unknown | Ref):
            return _Known(unknown=value)
        canned = CFN_ACCESS_CONTROL.get(value) if isinstance(value, str) else None
        if canned is None:
            return _Known(unknown=_malformed(bucket.resource, "AccessControl", value, "a canned ACL"))
        return _Known(CANNED_ACLS[canned])
    return _legacy_acl(bucket)


def _legacy_acl(bucket: _Bucket) -> _Known:
    """A Terraform bucket's inline `grant` or `acl` (the live grants, for a bucket that exists)."""
    resource = bucket.resource
    grants = resource.values.get("grant")
    acl = resource.values.get("acl")
    if isinstance(grants, list) and grants:
        return _grants(resource, "grant", grants, legacy=True)
    for value in (grants, acl):
        if isinstance(value, Unknown | Ref):
            return _Known(unknown=value)
    if isinstance(acl, str) and acl:
        return _canned(resource, "acl", acl)
    if not bucket.created:
        return _not_in_plan(bucket, "bucket ACL", "acl_grants")
    bucket.assumed.append(NEW_BUCKET_ACL)
    return _Known(CANNED_ACLS["private"], default=True)


def _canned(resource: IacResource, key: str, value: str) -> _Known:
    grants = CANNED_ACLS.get(value)
    if grants is None:
        return _Known(unknown=_malformed(resource, key, value, "a canned ACL"))
    return _Known(grants)


def _acl_resource(resource: IacResource) -> _Known:
    """An `aws_s3_bucket_acl`: its canned `acl`, or its `access_control_policy` grants."""
    acl = resource.values.get("acl")
    policy = _single(resource.values.get("access_control_policy"))
    if isinstance(acl, Unknown | Ref):
        return _Known(unknown=acl)
    if isinstance(acl, str) and acl:
        return _canned(resource, "acl", acl)
    if isinstance(policy, Unknown | Ref):
        return _Known(unknown=policy)
    if isinstance(policy, Mapping):
        grants = policy.get("grant")
        if isinstance(grants, Unknown | Ref):
            return _Known(unknown=grants)
        return _grants(resource, "access_control_policy.grant", grants if isinstance(grants, list) else [])
    return _Known(
        unknown=Unknown(
            f"{resource.address}.acl", "not given, nor access_control_policy", code=MALFORMED_VALUE
        )
    )


def _single(value: object) -> object:
    """A nested block of at most one item, as a plan writes it (a list of one) or as an object."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _grants(resource: IacResource, key: str, raw: list[Any], legacy: bool = False) -> _Known:
    """Grants as S3 lists them: legacy `grant` blocks ({type, uri, id, permissions}) or
    `access_control_policy` grants ({grantee {type, uri, id, email_address}, permission})."""
    grants: list[AclGrant] = []
    for index, item in enumerate(raw):
        where = f"{key}[{index}]"
        grantee = item if legacy else _single(item.get("grantee")) if isinstance(item, Mapping) else None
        if not isinstance(grantee, Mapping) or not isinstance(item, Mapping):
            return _Known(unknown=next(_unknowns(item), None) or _malformed(resource, where, item, "a grant"))
        permissions = item.get("permissions") if legacy else [item.get("permission")]
        kind, uri = grantee.get("type"), grantee.get("uri")
        for value in (kind, uri, permissions, *(permissions if isinstance(permissions, list) else [])):
            if isinstance(value, Unknown | Ref):
                return _Known(unknown=value)  # who is granted, or what, decides: unknown
        if not isinstance(kind, str) or not isinstance(permissions, list):
            return _Known(unknown=_malformed(resource, where, item, "a grant"))
        identity = uri if kind == "Group" else grantee.get("id") or grantee.get("email_address")
        grants.extend(
            AclGrant(
                grantee_type=kind,
                grantee=identity if isinstance(identity, str) else None,
                permission=str(permission),
            )
            for permission in permissions
        )
    return _Known(tuple(grants))


def _malformed(resource: IacResource, key: str, value: object, what: str) -> Unknown:
    """A value of the wrong type or outside its domain: the run cannot judge it (`rule-error`), which
    is no value left to deployment."""
    return Unknown(f"{resource.address}.{key}", f"not {what} ({quoted(str(value))})", code=MALFORMED_VALUE)


# --- Block Public Access and Object Ownership ---------------------------------------------------------------


def _block(bucket: _Bucket) -> _Known:
    if conflict := _only(bucket, bucket.blocks, "Block Public Access"):
        return conflict
    if removal := _removal(bucket, bucket.blocks, (TF_BLOCK,), "Block Public Access"):
        return removal
    if bucket.blocks:
        resource = bucket.blocks[0]
        return _conditional(resource, "Block Public Access", bucket, _settings(resource, terraform=True))
    if bucket.cloudformation:
        key = "PublicAccessBlockConfiguration"
        configuration = bucket.resource.values.get(key)
        if isinstance(configuration, Unknown | Ref):
            return _Known(unknown=configuration)
        if isinstance(configuration, Mapping):
            return _settings(bucket.resource, terraform=False, values=configuration)
        if configuration is not None:
            return _Known(unknown=_malformed(bucket.resource, key, configuration, "a mapping of settings"))
    if not bucket.created:
        return _not_in_plan(bucket, "Block Public Access", "public_access_block")
    bucket.assumed.append(NEW_BUCKET_BLOCK)
    return _Known(ALL_ON, default=True)


def _settings(resource: IacResource, terraform: bool, values: Mapping[str, Any] | None = None) -> _Known:
    """The four settings of a block resource or property: an absent one is off."""
    given = resource.values if values is None else values
    flags: dict[str, bool] = {}
    for setting, cfn_key in BLOCK_SETTINGS.items():
        key = setting if terraform else cfn_key
        value = given.get(key)
        where = key if terraform else f"PublicAccessBlockConfiguration.{key}"
        flag = _flag(value, terraform)
        if flag is None:
            unknown = (
                value if isinstance(value, Unknown | Ref) else _malformed(resource, where, value, "a boolean")
            )
            return _Known(unknown=unknown)
        flags[setting] = flag
    return _Known(PublicAccessBlock(**flags))


def _flag(value: object, terraform: bool) -> bool | None:
    """A boolean as a plan (true/false: the provider's schema types it) or a template ("true"/"false"
    too: CloudFormation passes scalars as strings) writes it; absent is off; anything else None."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if not terraform and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _ownership(bucket: _Bucket) -> _Known:
    if conflict := _only(bucket, bucket.ownerships, "Object Ownership"):
        return conflict
    if removal := _removal(bucket, bucket.ownerships, (TF_OWNERSHIP,), "Object Ownership"):
        return removal  # no ownership controls: ACLs enabled, as S3 has it without them
    if bucket.ownerships:
        resource = bucket.ownerships[0]
        rule = _single(resource.values.get("rule"))
        value = rule.get("object_ownership") if isinstance(rule, Mapping) else rule
        known = _ownership_value(resource, "rule[0].object_ownership", value)
        return _conditional(resource, "Object Ownership", bucket, known)
    if bucket.cloudformation:
        controls = bucket.resource.values.get("OwnershipControls")
        if isinstance(controls, Unknown | Ref):
            return _Known(unknown=controls)
        if isinstance(controls, Mapping):
            rules = controls.get("Rules")
            rule = rules[0] if isinstance(rules, list) and rules else rules
            value = rule.get("ObjectOwnership") if isinstance(rule, Mapping) else rule
            return _ownership_value(bucket.resource, "OwnershipControls.Rules[0].ObjectOwnership", value)
        if controls is not None:
            return _Known(unknown=_malformed(bucket.resource, "OwnershipControls", controls, "a mapping"))
    if not bucket.created:
        return _not_in_plan(bucket, "Object Ownership", "object_ownership")
    bucket.assumed.append(NEW_BUCKET_OWNERSHIP)
    return _Known(ENFORCED, default=True)


def _ownership_value(resource: IacResource, key: str, value: object) -> _Known:
    if isinstance(value, Unknown | Ref):
        return _Known(unknown=value)
    if not isinstance(value, str) or value not in OWNERSHIPS:
        return _Known(unknown=_malformed(resource, key, value, "an Object Ownership setting"))
    return _Known(value)


# --- the account level --------------------------------------------------------------------------------------


def _account_block(graph: Graph, draft: Draft) -> IacResource | None:
    """The account-level block the plan manages (None: the document has none). One the plan deletes
    leaves the account without a block (none configured: AWS's default for an account), over what the
    live account has; beside a new one, either may apply last (unknown)."""
    resources = list(graph.of_type(TF_ACCOUNT_BLOCK))
    deleted = [
        resource
        for resource in graph.document.resources
        if resource.type == TF_ACCOUNT_BLOCK and resource.action is Action.DELETE
    ]
    if not resources and deleted:
        draft.account_public_access_block = None
        draft.account_block_known = True
        return deleted[0]
    if not resources:
        return None
    first = resources[0]
    region = first.region or UNKNOWN_REGION
    if len(resources) + len(deleted) > 1:
        names = " and ".join(resource.address for resource in (*resources, *deleted))
        unknown = Unknown(
            "the account's Block Public Access",
            f"set by both {names}, which overwrite each other (whichever applies last wins)",
        )
        _account_unknown(draft, region, unknown)
        return first
    settings = _settings(first, terraform=True)
    if settings.unknown is not None:
        _account_unknown(draft, region, settings.unknown)
    else:
        draft.account_public_access_block = settings.value
    return first


def _account_unknown(draft: Draft, region: str, unknown: Unknown | Ref) -> None:
    draft.account_block_known = False
    draft.unknown("s3control", "GetPublicAccessBlock", region, unknown, resource=None)
