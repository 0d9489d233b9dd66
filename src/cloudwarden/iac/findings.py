"""Findings pointed back at the code: the Terraform address or logical id, the file and line.

Rules judge snapshot records, whose ids are what AWS would call the resource (a bucket's name); the
engine hands every finding to `Relabel` before suppressions and attestations are matched, so that
`resource.id` is the address users write in their configuration (and in `suppressions`), the finding
id is derived from it (stable from one plan to the next), and the finding carries its `location` and
`evidence.iac`: the address, the resources attached to the judged one, the AWS defaults assumed.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from cloudwarden.findings import Finding, Location, Resource, Status, finding_id
from cloudwarden.iac.translate import Annotation


class Relabel:
    """Finding -> the same finding about the code. `annotations` per account (document), keyed by
    (resource type, snapshot id); `files` gives each account's document for findings on no
    annotated resource (the account itself). With `keep_others` False (a plan laid over a live
    snapshot), findings on resources the documents do not touch are the live scan's business, not the
    change's, and are dropped, but for those whose status the change makes differ from the live
    account's own judgement (`live_statuses`): a plan that lifts the account's Block Public Access, or
    deletes the bucket a live record serves, changes a verdict on a resource it never names."""

    def __init__(
        self,
        annotations: Mapping[str, Mapping[tuple[str, str], Annotation]],
        files: Mapping[str, str],
        *,
        keep_others: bool = True,
        live_statuses: Mapping[LiveKey, Status] | None = None,
    ) -> None:
        self._annotations = annotations
        self._files = files
        self._keep_others = keep_others
        self._live_statuses = live_statuses or {}

    def with_live(self, live_statuses: Mapping[LiveKey, Status]) -> Relabel:
        """The same relabelling, reporting the untouched resources whose status the change makes differ
        from `live_statuses` (`live_key` of each finding of the live snapshot judged alone)."""
        return Relabel(
            self._annotations, self._files, keep_others=self._keep_others, live_statuses=live_statuses
        )

    def __call__(self, finding: Finding) -> Finding | None:
        resource = finding.resource
        annotation = self._annotations.get(finding.account, {}).get((resource.type, resource.id))
        if annotation is None:
            file = self._files.get(finding.account)
            if self._keep_others:
                return (
                    None if file is None else msgspec.structs.replace(finding, location=Location(file=file))
                )
            return self._changed(finding, file)
        # A record whose id is its address (a group, a bucket whose name is left to apply) has no real
        # ARN yet, unless that address is the live resource's own id; a name that is only the address
        # says nothing more.
        known = annotation.live_id or resource.id != annotation.address
        return msgspec.structs.replace(
            finding,
            id=finding_id(finding.rule, finding.account, annotation.address),
            resource=Resource(
                type=resource.type,
                id=annotation.address,
                arn=resource.arn if known else None,
                name=resource.name if resource.name != annotation.address else None,
            ),
            location=annotation.location,
            evidence={**finding.evidence, "iac": annotation.evidence()},
        )

    def _changed(self, finding: Finding, file: str | None) -> Finding | None:
        """A finding on a resource no document touches, kept when the change alters its live status."""
        before = self._live_statuses.get(live_key(finding))
        if before is None or before is finding.status:
            return None
        changed: dict[str, object] = {
            "address": None,
            "attached": [],
            "assumed": [],
            "live_status": before.value,
        }
        located = {"location": Location(file=file)} if file else {}
        return msgspec.structs.replace(finding, evidence={**finding.evidence, "iac": changed}, **located)


LiveKey = tuple[str, str, str]
"""A finding's rule, resource type and resource id: what the live judgement and the change share."""


def live_key(finding: Finding) -> LiveKey:
    return (finding.rule, finding.resource.type, finding.resource.id)


def live_status(finding: Finding) -> Status:
    """A finding's status before suppression (the change is compared with what the account is)."""
    return finding.suppression.status_underneath if finding.suppression is not None else finding.status
