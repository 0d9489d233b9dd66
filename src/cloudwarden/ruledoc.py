"""What a rule says about itself: the documentation and metadata every output renders.

Reports, the `rules` command and the reference in `docs/rules.md` read a rule through this record
only, never through its code (`rules.base.Rule` adds the check). Each rule module writes its own,
beside the check it documents.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from cloudwarden.findings import Severity, Status
from cloudwarden.snapshot import ALL_COLLECTIONS, Collection


@dataclass(frozen=True)
class Example:
    """One situation the rule judges, and its verdict."""

    status: Status
    situation: str


@dataclass(frozen=True, kw_only=True)
class RuleDoc:
    id: str
    section: str
    guideline: str
    """The guideline's title, in the words of the source document."""
    audited_upstream: bool
    severity: Severity
    resource_type: str
    summary: str = ""
    """What the rule checks, in a few sentences."""
    passes: str = ""
    """What passes."""
    fails: str = ""
    """What fails."""
    unknown: str = ""
    """What is UNKNOWN (and MANUAL, for a rule that can say it)."""
    rationale: str
    remediation: str
    permissions: tuple[str, ...]
    """The AWS actions whose answers this rule reads."""
    needs: frozenset[Collection] = ALL_COLLECTIONS
    """The parts of the snapshot the rule reads: a scan of this rule alone collects only these."""
    examples: tuple[Example, ...] = ()
    can_be_manual: bool = False
    """The rule may yield MANUAL (no API can decide): only such a rule can be attested."""
    iac: str | None = None
    """What `cloudwarden iac` judges with the rule in a Terraform plan or CloudFormation template; None
    when no plan or template holds what it judges (the root user): `iac` does not run it."""

    @functools.cached_property
    def title(self) -> str:
        """Made once: every finding of the rule carries it, and a large account has millions."""
        return f"{self.section}: {self.guideline}"
