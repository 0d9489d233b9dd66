"""What the machine-readable reporters share: scan times, AWS partitions, the guidelines' address."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cloudwarden.compliance import Catalogue
from cloudwarden.findings import GLOBAL_REGION, ComplianceRef, Finding, Location, Report, Suppression
from cloudwarden.semantics.credentials import parse_timestamp

GUIDELINES_URL = "https://infosec.mozilla.org/guidelines/aws_security"
"""The document every rule enforces; reporters link to it for help and remediation."""

_HOME_REGION = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}


def utc(timestamp: str) -> datetime:
    """A scan time of the report, in UTC."""
    return parse_timestamp(timestamp).astimezone(UTC)


def iso_utc(timestamp: str) -> str:
    """A scan time as `2025-06-15T12:00:00Z`, the form SARIF and Security Hub expect."""
    return utc(timestamp).strftime("%Y-%m-%dT%H:%M:%SZ")


def partition(finding: Finding) -> str:
    """The AWS partition of the finding's resource: from its ARN, else from its region."""
    arn = finding.resource.arn or ""
    if arn.startswith("arn:") and arn.count(":") >= 5:
        return arn.split(":")[1]
    if finding.region.startswith("cn-"):
        return "aws-cn"
    if finding.region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def concrete_region(finding: Finding) -> str:
    """The finding's region, or its partition's home region for global services (`global`)."""
    if finding.region == GLOBAL_REGION:
        return _HOME_REGION.get(partition(finding), "us-east-1")
    return finding.region


def suppression_note(suppression: Suppression) -> str:
    """One line on why a FAIL is hidden, and until when."""
    return f"suppressed until {suppression.expires}: {suppression.reason}"


def located(finding: Finding) -> Location | None:
    """Where `iac` found the finding's resource; None for a finding of a live scan (no `location`) and
    for a location that names no file, which no format could point at."""
    location = finding.location
    if not isinstance(location, Location) or not location.file.strip():
        return None
    return location


def known_line(location: Location) -> int | None:
    """The location's line, if it is one: lines count from 1 (SARIF's `startLine`, editors), so a
    line below 1 says nothing and is left out rather than shown."""
    return location.line if location.line is not None and location.line >= 1 else None


def location_text(finding: Finding) -> str:
    """`file:line`, or `file` when the line is not known (a plan); empty for a finding of a live scan.
    Raw text: each format escapes it."""
    location = located(finding)
    if location is None:
        return ""
    line = known_line(location)
    return location.file if line is None else f"{location.file}:{line}"


def collection_cost(report: Report, account: str) -> str:
    """ "12.3 s, 41 calls": what collecting `account` cost, from `scan.stats.accounts`; empty when unknown."""
    cost = report.scan.stats.get("accounts", {}).get(account)
    if not (isinstance(cost, dict) and "seconds" in cost and "calls" in cost):
        return ""
    calls = cost["calls"]
    return f"{cost['seconds']:.1f} s, {calls} call{'' if calls == 1 else 's'}"


def requirement(ref: ComplianceRef, catalogue: Catalogue) -> str:
    """A control as AWS Security Hub names it in `Compliance.RelatedRequirements`
    (`CIS AWS Foundations Benchmark v3.0.0/1.5`); a framework the catalogue lacks keeps its id."""
    framework = catalogue.frameworks.get(ref.framework)
    return f"{framework.requirement_prefix if framework else ref.framework}/{ref.control}"


class ControlNames:
    """A finding's controls as requirements (`requirement`) and their frameworks as standards
    (`standard`), each once, in the finding's order. Made once per set of controls: every finding of a
    rule has its rule's, and naming them anew for each finding made an OCSF event cost 21 µs, not 15."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self._made: dict[tuple[ComplianceRef, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def requirements(self, finding: Finding) -> tuple[str, ...]:
        return self._names(finding.compliance)[0]

    def answered_requirements(self, finding: Finding) -> tuple[str, ...]:
        """The requirements the finding's status answers: those of `equivalent` controls only. A
        `partial` rule's PASS does not pass its control, nor its FAIL always fail it."""
        equivalent = tuple(ref for ref in finding.compliance if ref.relationship == "equivalent")
        return self._names(equivalent)[0]

    def described(self, finding: Finding) -> str:
        """Every control with its relationship: `CIS ... v3.0.0/1.6 (partial); ...`."""
        return "; ".join(
            f"{requirement(ref, self._catalogue)} ({ref.relationship})" for ref in finding.compliance
        )

    def standards(self, finding: Finding) -> tuple[str, ...]:
        return self._names(finding.compliance)[1]

    def _names(self, compliance: tuple[ComplianceRef, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        names = self._made.get(compliance)
        if names is None:
            names = self._made[compliance] = (
                tuple(dict.fromkeys(requirement(ref, self._catalogue) for ref in compliance)),
                tuple(dict.fromkeys(standard(ref.framework, self._catalogue) for ref in compliance)),
            )
        return names


def standard(framework_id: str, catalogue: Catalogue) -> str:
    """A framework's name with its version (`CIS AWS Foundations Benchmark v3.0.0`); else its id."""
    framework = catalogue.frameworks.get(framework_id)
    return f"{framework.name} v{framework.version}" if framework else framework_id


def describe_error(error: Mapping[str, Any]) -> str:
    """A failed call of `scan.errors` in one line (`ApiError.describe`'s words, with its account); a
    report read back may lack a field, which shows as `?`. Raw text: each format escapes it."""
    about = f" for {error['resource']}" if error.get("resource") else ""
    return (
        f"{error.get('account', '?')} {error.get('service', '?')}:{error.get('operation', '?')}{about} in "
        f"{error.get('region', '?')}: {error.get('code', '?')}: {error.get('message', '')}"
    )
