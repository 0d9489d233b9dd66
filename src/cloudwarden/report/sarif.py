"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run; one reporting descriptor per rule; one result per finding that needs attention:
FAIL (kind `fail`, level from its severity), SUPPRESSED (the same, with an external suppression
carrying the reason) and UNKNOWN or MANUAL (kind `review`: a person must look; SARIF requires level
`none` for any kind but `fail`). PASS findings are left out: code scanning treats every result as an
alert. GitHub takes an alert's severity from the rule's `security-severity`.

Resources are not files: each result names its resource as a logical location, and as an
`aws://<account>/<region>/<type>/<id>` artifact because code scanning needs a physical location.

A finding of `iac` has a real file (its `location`): its physical location is that file, with the
line as `region.startLine` when a line is known (templates; a plan's JSON has no lines of the
configuration), and the logical location stays. GitHub code scanning reads relative artifact URIs
as relative to the repository's root and annotates a pull request at that file and line; so a
relative path becomes a relative URI reference (forward slashes, percent-encoded) with uriBaseId
`%SRCROOT%`, as GitHub's examples write it. An absolute path becomes a `file://` URI without a base
id (SARIF allows `uriBaseId` on relative references only), which GitHub makes relative to the
checkout it was given. The run declares no `originalUriBaseIds`: the header is written before the
first finding, and live scans' documents must not change.

A rule's descriptor carries the framework controls it assesses: one tag per control
(`cis-aws-foundations-3.0.0/1.5`, which code scanning lets users filter by) and, with each control's
relationship, `properties.compliance`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath
from typing import IO, Any
from urllib.parse import quote

import msgspec

from cloudwarden.compliance import CATALOGUE, Catalogue
from cloudwarden.files import formatted_elements
from cloudwarden.findings import ComplianceRef, Finding, Report, ScanSummary, Severity, Status
from cloudwarden.report import stream
from cloudwarden.report._common import GUIDELINES_URL, iso_utc, known_line, located
from cloudwarden.report.stream import ScanHeader, c1_escaped, header_of, rendered
from cloudwarden.ruledoc import RuleDoc

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT = "cloudwardenFindingId/v1"

SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
"""GitHub's scale (CVSS-like): 9.0 and up is critical, 7.0 high, 4.0 medium, above 0 low."""

LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_REPORTED = (Status.FAIL, Status.SUPPRESSED, Status.UNKNOWN, Status.MANUAL)


def render_sarif(report: Report, rules: Sequence[RuleDoc], catalogue: Catalogue = CATALOGUE) -> str:
    return rendered(report, lambda target: SarifStream(target, header_of(report), rules, catalogue))


_RESULTS = b'"results": []'
_BATCH_HEAD = b'{\n  "runs": [\n    {\n      "results": [\n'
_BATCH_TAIL = b"\n      ]\n    }\n  ]\n}"


class SarifStream:
    """The SARIF document written as the findings arrive: everything before the results is known from
    the rules and the scan's times, and the results come one per finding that needs attention.
    `catalogue` gives each rule's controls."""

    def __init__(
        self,
        target: IO[bytes],
        header: ScanHeader,
        rules: Sequence[RuleDoc],
        catalogue: Catalogue = CATALOGUE,
    ) -> None:
        self._target = target
        self._rule_index = {rule.id: index for index, rule in enumerate(rules)}
        self._encoder = msgspec.json.Encoder()
        run = {
            "tool": {
                "driver": {
                    "name": "cloudwarden",
                    "version": header.version,
                    "informationUri": GUIDELINES_URL,
                    "rules": [_descriptor(rule, catalogue.compliance_of(rule.id)) for rule in rules],
                }
            },
            "invocations": [
                {
                    "executionSuccessful": True,
                    "startTimeUtc": iso_utc(header.started_at),
                    "endTimeUtc": iso_utc(header.finished_at),
                }
            ],
            "results": [],
        }
        document = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
        frame = msgspec.json.format(self._encoder.encode(document), indent=2)
        head, found, self._tail = frame.partition(_RESULTS)
        if not found:  # pragma: no cover - msgspec's layout is fixed
            raise RuntimeError("unexpected layout of the SARIF document")
        target.write(head + b'"results": [')
        self._batch: list[dict[str, Any]] = []
        self._written = 0

    def add(self, finding: Finding) -> None:
        if finding.status in _REPORTED:
            self._batch.append(_result(finding, self._rule_index.get(finding.rule)))
            if len(self._batch) >= stream.BATCH:
                self._flush()

    def finish(self, summary: ScanSummary) -> None:
        self._flush()
        self._target.write((b"\n      ]" if self._written else b"]") + self._tail + b"\n")

    def close(self) -> None:
        self._batch = []

    def _flush(self) -> None:
        """The batch as results, formatted inside a document of the same depth (the enclosing lines
        cut off), so that they come out at the document's indentation."""
        if not self._batch:
            return
        document = {"runs": [{"results": self._batch}]}
        self._target.write(b",\n" if self._written else b"\n")
        elements = formatted_elements(self._encoder, document, _BATCH_HEAD, _BATCH_TAIL, indent=2)
        self._target.write(c1_escaped(elements))
        self._written += len(self._batch)
        self._batch = []


def _descriptor(rule: RuleDoc, compliance: Sequence[ComplianceRef]) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "section": rule.section,
        "auditedUpstream": rule.audited_upstream,
        "severity": rule.severity.value,
        "security-severity": SECURITY_SEVERITY[rule.severity],
        "tags": ["security", *dict.fromkeys(f"{ref.framework}/{ref.control}" for ref in compliance)],
    }
    if compliance:
        properties["compliance"] = [msgspec.to_builtins(ref) for ref in compliance]
    return {
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": rule.remediation, "markdown": rule.remediation},
        "helpUri": GUIDELINES_URL,
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": properties,
    }


def _result(finding: Finding, rule_index: int | None) -> dict[str, Any]:
    resource = finding.resource
    failed = finding.status in (Status.FAIL, Status.SUPPRESSED)
    result: dict[str, Any] = {"ruleId": finding.rule}
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    result |= {
        "kind": "fail" if failed else "review",
        "level": LEVEL[finding.severity] if failed else "none",
        "message": {"text": finding.message or finding.title},
        "locations": [
            {
                "physicalLocation": _physical_location(finding),
                "logicalLocations": [
                    {
                        "name": resource.id,
                        "fullyQualifiedName": resource.arn or resource.id,
                        "kind": "resource",
                    }
                ],
            }
        ],
        "partialFingerprints": {FINGERPRINT: finding.id},
    }
    if finding.suppression is not None:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": finding.suppression.reason,
                "properties": {"expires": finding.suppression.expires},
            }
        ]
    result["properties"] = {
        "status": finding.status.value,
        "severity": finding.severity.value,
        "account": finding.account,
        "region": finding.region,
        "resource": msgspec.to_builtins(resource),
        "evidence": finding.evidence,
    }
    return result


def _physical_location(finding: Finding) -> dict[str, Any]:
    """The file (and line) `iac` found the resource in; else the resource as an `aws://` artifact."""
    location = located(finding)
    if location is None:
        return {"artifactLocation": {"uri": _resource_uri(finding)}}
    physical: dict[str, Any] = {"artifactLocation": file_artifact(location.file)}
    line = known_line(location)
    if line is not None:
        physical["region"] = {"startLine": line}
    return physical


SOURCE_ROOT = "%SRCROOT%"
"""The base id of relative file URIs: the root of the sources (of the repository, for GitHub)."""


def file_artifact(path: str) -> dict[str, str]:
    """The SARIF artifact location of a file path: a `file://` URI when absolute, else a relative URI
    reference with forward slashes, every character outside RFC 3986's unreserved set percent-encoded
    (`:` too, so that a first segment never reads as a scheme), based on `%SRCROOT%`. A name that is
    not UTF-8 (decoded with surrogate escapes) is encoded byte for byte."""
    pure = PurePath(path)
    if pure.is_absolute():
        return {"uri": pure.as_uri()}
    return {"uri": quote(pure.as_posix(), safe="/", errors="surrogateescape"), "uriBaseId": SOURCE_ROOT}


def _resource_uri(finding: Finding) -> str:
    """`aws://<account>/<region>/<type>/<id>`, each part percent-encoded (record ids hold slashes)."""
    path = (finding.region, finding.resource.type, finding.resource.id)
    return f"aws://{quote(finding.account, safe='')}/" + "/".join(quote(part, safe=":") for part in path)
