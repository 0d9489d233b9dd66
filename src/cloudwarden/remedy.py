"""Remedies: the changes a fixer proposes for a FAIL finding, as plain data (`cloudwarden fix`).

A fixer is a pure function of one finding: from the state the finding's evidence records, it writes
the exact API calls that fix the resource, the calls that restore it, and the read that tells whether
the resource is still as the scan saw it. It never calls AWS: `cloudwarden.fix` plans with fixers,
and only `fix --apply` sends the calls, through a session that allows exactly the operations the
fixers declare (`Fixer.operations`).

Each fixer lives beside the rule whose findings it fixes (`rules/<rule>_fix.py`), and the registry
`rules.FIXERS` lists them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from cloudwarden.findings import Finding


class Call(msgspec.Struct, frozen=True, kw_only=True):
    """One AWS API call, named as botocore names it (`s3`, `PutBucketPolicy`), with its parameters
    exactly as boto3 takes them."""

    service: str
    operation: str
    parameters: dict[str, Any]

    @property
    def key(self) -> str:
        """`service.Operation`, as the read-only guard and `scan.stats.operations` name it."""
        return f"{self.service}.{self.operation}"


class State(enum.StrEnum):
    """The kinds of resource state a remedy changes. Each kind says what `before` and `after` hold and
    how `fix --apply` compares a fresh read with them (`cloudwarden.fix.drift`)."""

    BUCKET_POLICY = "s3-bucket-policy"
    """`{"policy": <the policy document, parsed JSON> | None}`; read with s3.GetBucketPolicy
    (NoSuchBucketPolicy: None). Equal when the parsed documents are equal."""
    BUCKET_ACL = "s3-bucket-acl"
    """`{"owner": <canonical id>, "grants": [<Grant as GetBucketAcl gives it>...]}`; read with
    s3.GetBucketAcl. Equal when the owners are and the grants are the same multiset (grantee type,
    id / uri / email address, permission; display names ignored)."""
    BUCKET_PUBLIC_ACCESS_BLOCK = "s3-bucket-public-access-block"
    """`{"configuration": {"BlockPublicAcls": bool, "IgnorePublicAcls": bool, "BlockPublicPolicy":
    bool, "RestrictPublicBuckets": bool} | None}`; read with s3.GetPublicAccessBlock
    (NoSuchPublicAccessBlockConfiguration: None). A missing setting reads as false."""
    SECURITY_GROUP_RULES = "ec2-security-group-rules"
    """`{"direction": "ingress" | "egress", "present": [<IpPermission>...], "absent": [<IpPermission>...]}`
    where each IpPermission has exactly one peer (one IpRanges, Ipv6Ranges, UserIdGroupPairs or
    PrefixListIds entry); read with ec2.DescribeSecurityGroups(GroupIds=[id]). Matches when every
    `present` permission is in the group's rules of that direction and no `absent` one is
    (InvalidGroup.NotFound: no longer matches)."""
    RECORD_SET = "route53-record-set"
    """`{"present": <ResourceRecordSet> | None, "absent": <ResourceRecordSet> | None}`: the record set
    exactly as ListResourceRecordSets gives it; read with route53.ListResourceRecordSets from its name
    and type. Matches when the `present` one is listed identically and the `absent` one is not
    listed under its name, type and set identifier."""
    ACCESS_KEY = "iam-access-key"
    """`{"user": <user name>, "access_key_id": <id>, "status": "Active" | "Inactive"}`; read with
    iam.ListAccessKeys(UserName=...). Matches when the key is listed with that status."""


class Remedy(msgspec.Struct, frozen=True, kw_only=True):
    """One change to one resource's state: the calls that make it, and the calls that undo it."""

    action: str
    """What it does, as an id (`remove-public-policy-statements`, `revoke-ingress`...)."""
    summary: str
    """One sentence for the reviewer: what changes, on which resource."""
    state: State
    read: Call
    """The read that re-reads that state before the change (and before its rollback)."""
    before: dict[str, Any]
    """The state the scan saw, taken from the finding's evidence (shape: `state`'s)."""
    after: dict[str, Any]
    """The state the calls leave."""
    calls: tuple[Call, ...]
    rollback: tuple[Call, ...]
    """The calls that restore `before` once `calls` have run."""
    disruptive: bool = False
    """Breaks whatever depends on the resource (deactivating an access key): planned only with
    `--include-disruptive`."""


class Proposal(msgspec.Struct, frozen=True, kw_only=True):
    """What a fixer proposes for one FAIL finding: remedies to apply, alternatives the plan names
    without applying, and what only a person can do."""

    remedies: tuple[Remedy, ...] = ()
    alternatives: tuple[Remedy, ...] = ()
    """Other ways to fix the same finding (turning on the bucket's Block Public Access instead of
    editing its policy and ACL): shown in the plan, applied only if a reviewer picks them by hand."""
    manual: str | None = None
    """What is left for a person: the steps, when no API call fixes (all or part of) the finding."""
    unplannable: str | None = None
    """Why nothing can be planned although the rule has a fixer (the evidence lacks the state a
    change needs, as in a report of an older version): the finding is left out with this reason."""


@dataclass(frozen=True, kw_only=True)
class Fixer:
    """Turns one FAIL finding of `rule` into a proposal."""

    rule: str
    summary: str
    """What the fixer changes, for the rule's documentation."""
    actions: tuple[str, ...]
    """The IAM actions its calls need: the writes, their rollbacks and the re-reads
    (`cloudwarden permissions --fix`)."""
    operations: frozenset[str]
    """Every `service.Operation` its remedies may call or read: the write session allows exactly the
    union of these (and sts.GetCallerIdentity)."""
    propose: Callable[[Finding], Proposal]
    disruptive: bool = False
    """Its remedies break what uses the resource: planned only with `--include-disruptive`."""
