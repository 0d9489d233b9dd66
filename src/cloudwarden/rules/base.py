"""What a rule is: metadata, the guideline it enforces, and a pure check function."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cloudwarden.config import Config
from cloudwarden.findings import Resource, Severity, Status, UnknownCause
from cloudwarden.semantics.inventory import NO_INVENTORY, OrganisationInventory
from cloudwarden.snapshot import AccountSnapshot, ApiError

GLOBAL_REGION = "global"

Tristate = bool | None
"""A fact that may be unknown (its data could not be read)."""


def tri_and(*values: Tristate) -> Tristate:
    """False as soon as one is False; unknown while any is unknown; else True."""
    if any(value is False for value in values):
        return False
    return None if any(value is None for value in values) else True


def tri_or(*values: Tristate) -> Tristate:
    """True as soon as one is True; unknown while any is unknown; else False."""
    if any(value is True for value in values):
        return True
    return None if any(value is None for value in values) else False


def tri_not(value: Tristate) -> Tristate:
    return None if value is None else not value


@dataclass(frozen=True)
class RuleContext:
    """What a rule may consult besides the snapshot."""

    config: Config
    collected_at: datetime
    """When the data was read: "recent" is measured from here, so re-evaluation is reproducible."""
    inventory: OrganisationInventory = NO_INVENTORY
    """What every scanned account holds: a target another account of the scan holds is ours too.
    Built by the engine from the whole snapshot, so a rule stays a function of (account, context)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """One rule's judgement of one resource."""

    status: Status
    resource: Resource
    message: str
    region: str = GLOBAL_REGION
    evidence: Mapping[str, Any] = field(default_factory=dict)
    severity: Severity | None = None
    """Overrides the rule's default severity for this resource."""
    remediation: str | None = None
    """The exact fix for this resource, when the rule can name it (else the rule's remediation)."""
    unknown_cause: UnknownCause = UnknownCause.FAILED_CALL
    """Why an UNKNOWN verdict is unknown. A failed read unless the rule says otherwise: a rule that
    forgets to say makes the run exit 3, never green."""


Check = Callable[[AccountSnapshot, RuleContext], Iterator[Verdict]]


@dataclass(frozen=True)
class Rule:
    id: str
    section: str
    guideline: str
    """The guideline's title, in the words of the source document."""
    audited_upstream: bool
    severity: Severity
    resource_type: str
    rationale: str
    remediation: str
    permissions: tuple[str, ...]
    """The AWS actions whose answers this rule reads."""
    check: Check
    can_be_manual: bool = False
    """The rule may yield MANUAL (no API can decide): only such a rule can be attested."""

    @functools.cached_property
    def title(self) -> str:
        """Made once: every finding of the rule carries it, and a large account has millions."""
        return f"{self.section}: {self.guideline}"


def account_resource(account_id: str) -> Resource:
    return Resource(
        type="AWS::::Account", id=account_id, arn=f"arn:aws:iam::{account_id}:root", name=account_id
    )


def unknown_because(errors: tuple[ApiError, ...], what: str) -> str:
    """The one-line reason for an UNKNOWN verdict: the failed calls, or that the data is absent."""
    if errors:
        return f"{what} could not be read: " + "; ".join(error.describe() for error in errors)
    return f"{what} is missing from the snapshot"
