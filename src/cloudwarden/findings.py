"""Findings: the verdicts of rules on resources, as reported to users (`cloudwarden.findings/1`)."""

from __future__ import annotations

import enum
import hashlib
from typing import Any

import msgspec

FINDINGS_SCHEMA = "cloudwarden.findings/1"

GLOBAL_REGION = "global"
"""The `region` of a finding on a global service (IAM, Route53, S3's bucket list, the account)."""


class Status(enum.StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"
    MANUAL = "MANUAL"
    SUPPRESSED = "SUPPRESSED"


class UnknownCause(enum.StrEnum):
    """Why a finding is UNKNOWN. The first three mean the scan could not judge what it was asked to:
    such a run never exits 0 (exit 3 when nothing FAILs)."""

    FAILED_CALL = "failed-call"
    """A call was denied, failed or gave an answer that could not be read, or its data is missing."""
    UNREACHABLE_ACCOUNT = "unreachable-account"
    """The account could not be entered (AssumeRole failed)."""
    RULE_ERROR = "rule-error"
    """The rule could not judge the data it was given."""
    NOT_CHECKED = "not-checked"
    """The scan was set up not to find out: live checks off, no AWS ip-ranges file, an account that is
    ours but not scanned, a part of the account the snapshot did not collect."""
    UNDECIDABLE = "undecidable"
    """The data was read but cannot decide it (a record with no value, a service not inventoried)."""
    KNOWN_AFTER_APPLY = "known-after-apply"
    """`iac`: the verdict needs a value that a plan or template leaves to deployment (an attribute
    known only after apply, a parameter without default, a condition that depends on one)."""

    @property
    def not_judged(self) -> bool:
        """The scan failed to read or judge: it must not pass as a green run."""
        return self in _NOT_JUDGED


_NOT_JUDGED = frozenset({UnknownCause.FAILED_CALL, UnknownCause.UNREACHABLE_ACCOUNT, UnknownCause.RULE_ERROR})


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class Resource(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    type: str
    id: str
    arn: str | None = None
    name: str | None = None


class Suppression(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Why a FAIL is hidden; the finding keeps its real status in `status_underneath`."""

    reason: str
    expires: str
    status_underneath: Status


class ComplianceRef(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A framework control a finding's rule assesses (see `cloudwarden.compliance`)."""

    framework: str
    """`cis-aws-foundations-3.0.0`, `cis-aws-foundations-5.0.0` or `aws-fsbp`."""
    control: str
    relationship: str
    """`equivalent` (the rule's PASS/FAIL answers the control) or `partial`."""


class Location(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Where `iac` found the resource a finding judges: the plan or template, and for a template the
    line of the resource's logical id (a plan's JSON says nothing of the configuration's lines)."""

    file: str
    line: int | None = None


class Finding(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One rule's verdict on one resource. Findings, their resources and suppressions hold no reference
    cycles, so the cyclic garbage collector does not track them (`gc=False`): millions of them cost
    it nothing.

    `unknown_cause` is UNSET, and left out of the JSON, on every finding that is not UNKNOWN."""

    id: str
    rule: str
    title: str
    status: Status
    severity: Severity
    account: str
    region: str
    resource: Resource
    message: str
    evidence: dict[str, Any] = msgspec.field(default_factory=dict)
    remediation: str = ""
    suppression: Suppression | None = None
    unknown_cause: UnknownCause | msgspec.UnsetType = msgspec.UNSET
    compliance: tuple[ComplianceRef, ...] = ()
    """The framework controls the rule assesses (shared by every finding of the rule)."""
    location: Location | msgspec.UnsetType = msgspec.UNSET
    """`iac` findings only: the file (and line) that defines the judged resource."""


def finding_id(rule: str, account: str, resource_id: str) -> str:
    """A stable id: the same rule on the same resource gives the same id in every run.

    The region is left out on purpose: resource ids are unique within an account, and a bucket
    whose region could not be read in one run must keep its id.
    """
    digest = hashlib.sha256(f"{rule}\x1f{account}\x1f{resource_id}".encode()).hexdigest()
    return f"cw-{digest[:24]}"


class ToolInfo(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    version: str


class ScanSummary(msgspec.Struct, frozen=True, kw_only=True):
    started_at: str
    finished_at: str
    tool: ToolInfo
    accounts: tuple[str, ...]
    regions: tuple[str, ...]
    errors: tuple[dict[str, Any], ...]
    stats: dict[str, Any]
    warnings: tuple[str, ...] = ()
    unreachable_accounts: dict[str, str] = msgspec.field(default_factory=dict)
    """Accounts that could not be entered, with the reason: their rules are UNKNOWN."""


class Report(msgspec.Struct, frozen=True, kw_only=True):
    schema: str = FINDINGS_SCHEMA
    scan: ScanSummary
    findings: tuple[Finding, ...]
