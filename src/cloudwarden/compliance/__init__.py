"""Compliance frameworks and the controls each rule assesses, kept as data (`mapping.json`).

The frameworks are versioned (CIS AWS Foundations 3.0.0 and 5.0.0, AWS Foundational Security Best
Practices), each with its source and its catalogue of controls, so a framework view can list the
controls cloudwarden does not assess. Findings carry their rule's controls (`Finding.compliance`);
reports and the `rules` command read them from here.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from cloudwarden.findings import ComplianceRef


class Relationship(enum.StrEnum):
    EQUIVALENT = "equivalent"
    """The rule's PASS/FAIL answers the control."""
    PARTIAL = "partial"
    """The rule covers part of the control, or more than it."""


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    security_hub_controls: tuple[str, ...] = ()
    """For a CIS requirement: the Security Hub controls that assess it (`IAM.9` for v3.0.0's 1.5)."""
    manual: bool = False
    """A requirement Security Hub does not assess (CIS calls it manual), listed because a rule answers it."""
    source: str = ""
    """Where a control outside the framework's own sources is confirmed."""


@dataclass(frozen=True)
class Framework:
    id: str
    """As findings name it: `cis-aws-foundations-3.0.0`, `cis-aws-foundations-5.0.0`, `aws-fsbp`."""
    name: str
    version: str
    requirement_prefix: str
    """How AWS Security Hub names the standard in `Compliance.RelatedRequirements`
    (`CIS AWS Foundations Benchmark v3.0.0`, so a requirement reads `.../1.5`)."""
    sources: tuple[str, ...]
    """Where the control ids and titles come from (public AWS documentation)."""
    controls: tuple[Control, ...]
    """The framework's catalogue, in its own order."""
    catalogue: str = ""
    """What the catalogue holds (all of the framework's controls, or which part)."""
    standards_id: str = ""
    """The standard as Security Hub names it in `Compliance.AssociatedStandards`."""
    requirement_prefix_note: str = ""
    """Where Security Hub does not write the framework in `RelatedRequirements`, what it does instead."""

    def control(self, control_id: str) -> Control | None:
        return next((control for control in self.controls if control.id == control_id), None)


@dataclass(frozen=True)
class RuleMapping:
    rule: str
    controls: tuple[ComplianceRef, ...]
    unmapped: Mapping[str, str]
    """Framework id -> why no control of it corresponds (coverage beyond the framework)."""
    note: str = ""
    """Why each relationship is what it is."""


@dataclass(frozen=True)
class Catalogue:
    frameworks: Mapping[str, Framework]
    rules: Mapping[str, RuleMapping]

    def compliance_of(self, rule_id: str) -> tuple[ComplianceRef, ...]:
        """The controls a rule assesses (empty for a rule with none, or unknown here)."""
        mapping = self.rules.get(rule_id)
        return mapping.controls if mapping else ()


def load_catalogue(text: str | None = None) -> Catalogue:
    """The catalogue in `mapping.json` (or in `text`); its validation lives in the tests."""
    raw = json.loads(
        text if text is not None else resources.files(__package__).joinpath("mapping.json").read_text("utf-8")
    )
    frameworks = {
        entry["id"]: Framework(
            id=entry["id"],
            name=entry["name"],
            version=entry["version"],
            requirement_prefix=entry["requirement_prefix"],
            sources=tuple(entry["sources"]),
            controls=tuple(
                Control(
                    id=control["id"],
                    title=control["title"],
                    security_hub_controls=tuple(control.get("security_hub_controls", ())),
                    manual=control.get("manual", False),
                    source=control.get("source", ""),
                )
                for control in entry["controls"]
            ),
            catalogue=entry.get("catalogue", ""),
            standards_id=entry.get("standards_id", ""),
            requirement_prefix_note=entry.get("requirement_prefix_note", ""),
        )
        for entry in raw["frameworks"]
    }
    rules = {
        rule_id: RuleMapping(
            rule=rule_id,
            controls=tuple(
                ComplianceRef(
                    framework=ref["framework"],
                    control=ref["control"],
                    relationship=Relationship(ref["relationship"]).value,
                )
                for ref in entry.get("controls", [])
            ),
            unmapped=dict(entry.get("unmapped", {})),
            note=entry.get("note", ""),
        )
        for rule_id, entry in raw["rules"].items()
    }
    return Catalogue(frameworks=frameworks, rules=rules)


CATALOGUE = load_catalogue()
"""Loaded once: every finding of a rule shares its tuple of controls."""

__all__ = ["CATALOGUE", "Catalogue", "Control", "Framework", "Relationship", "RuleMapping", "load_catalogue"]
