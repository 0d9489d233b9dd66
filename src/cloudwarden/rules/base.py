"""What a rule is: metadata, the guideline it enforces, and a pure check function."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast

from cloudwarden.config import Config
from cloudwarden.findings import GLOBAL_REGION, Resource, Severity, Status, UnknownCause
from cloudwarden.ruledoc import RuleDoc
from cloudwarden.semantics.inventory import NO_INVENTORY, OrganisationInventory
from cloudwarden.snapshot import (
    KNOWN_AFTER_APPLY,
    MALFORMED_VALUE,
    AccountSnapshot,
    ApiError,
    ErrorIndex,
)

A = TypeVar("A")
V = TypeVar("V")
H = TypeVar("H", bound=Hashable)

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


class Memo:
    """Values worked out once and reused while the memo lives, keyed on the identity of their argument
    (which the memo keeps alive, so an identity is never reused while it is known).

    Rules keep no cache of their own: what several rules (or several accounts) would work out again
    lives in their `RuleContext`, whose memos the engine drops with the account or the evaluation, so
    nothing keeps a snapshot alive after it is judged."""

    def __init__(self) -> None:
        self._values: dict[tuple[Callable[[Any], Any], int], tuple[object, Any]] = {}
        self._by_value: dict[tuple[Callable[[Any], Any], Hashable], tuple[Any]] = {}

    def __call__(self, function: Callable[[A], V], argument: A) -> V:
        key = (function, id(argument))
        known = self._values.get(key)
        if known is not None and known[0] is argument:
            return cast("V", known[1])
        value = function(argument)
        self._values[key] = (argument, value)
        return value

    def by_value(self, function: Callable[[H], V], key: H) -> V:
        """As calling the memo, keyed on the value of `key` rather than its identity: for arguments that
        are equal without being the same object (each account of a snapshot read from JSON holds its
        own copy of the published AWS ranges). Hashing and comparing `key` costs its size on each call."""
        memo_key = (function, key)
        known = self._by_value.get(memo_key)
        if known is not None:
            return cast("V", known[0])
        value = function(key)
        self._by_value[memo_key] = (value,)
        return value

    def clear(self) -> None:
        self._values.clear()
        self._by_value.clear()


@dataclass(frozen=True)
class RuleContext:
    """What a rule may consult besides the snapshot."""

    config: Config
    collected_at: datetime
    """When the data was read: "recent" is measured from here, so re-evaluation is reproducible."""
    inventory: OrganisationInventory = NO_INVENTORY
    """What every scanned account holds: a target another account of the scan holds is ours too.
    Built by the engine from the whole snapshot, so a rule stays a function of (account, context)."""
    per_evaluation: Memo = field(default_factory=Memo)
    """What is worked out once for every account (the published AWS ranges...)."""
    per_account: Memo = field(default_factory=Memo)
    """What is worked out once for one account and shared by its rules; the engine clears it when it
    moves to the next account."""

    def errors(self, account: AccountSnapshot) -> ErrorIndex:
        """The account's failed calls, indexed once for all its rules."""
        return self.per_account(ErrorIndex, account)


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


@dataclass(frozen=True, kw_only=True)
class Rule(RuleDoc):
    """A rule: its documentation (`RuleDoc`) and the pure function that judges an account."""

    check: Check


def account_resource(account_id: str) -> Resource:
    return Resource(
        type="AWS::::Account", id=account_id, arn=f"arn:aws:iam::{account_id}:root", name=account_id
    )


def unknown_because(errors: tuple[ApiError, ...], what: str) -> str:
    """The one-line reason for an UNKNOWN verdict: the failed calls, or that the data is absent
    (or, from `iac`, the attributes known only after apply)."""
    if errors and all(error.after_apply for error in errors):
        return f"{what} is known only after apply: " + "; ".join(error.describe() for error in errors)
    if errors and all(error.from_document for error in errors):
        return f"{what} cannot be judged from the document: " + "; ".join(e.describe() for e in errors)
    if errors:
        return f"{what} could not be read: " + "; ".join(error.describe() for error in errors)
    return f"{what} is missing from the snapshot"


def cause_of(*errors: tuple[ApiError, ...]) -> UnknownCause:
    """The cause of an UNKNOWN verdict drawn from `errors`: a failed call as soon as one is (a missing
    value included); from a plan or template (`iac`), a malformed value is a `rule-error`, then a value
    left to deployment `known-after-apply`, then one the document does not give `not-checked`."""
    flat = [error for group in errors for error in group]
    if not flat or not all(error.from_document for error in flat):
        return UnknownCause.FAILED_CALL
    codes = {error.code for error in flat}
    if MALFORMED_VALUE in codes:
        return UnknownCause.RULE_ERROR
    if KNOWN_AFTER_APPLY in codes:
        return UnknownCause.KNOWN_AFTER_APPLY
    return UnknownCause.NOT_CHECKED
