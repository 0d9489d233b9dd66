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

from cloudwarden.findings import Finding, Location, Resource, finding_id
from cloudwarden.iac.translate import Annotation


class Relabel:
    """Finding -> the same finding about the code. `annotations` per account (document), keyed by
    (resource type, snapshot id); `files` gives each account's document for findings on no
    annotated resource (the account itself). With `keep_others` False (a plan laid over a live
    snapshot), findings on resources the documents do not touch are dropped: they are the live scan's
    business, not the change's."""

    def __init__(
        self,
        annotations: Mapping[str, Mapping[tuple[str, str], Annotation]],
        files: Mapping[str, str],
        *,
        keep_others: bool = True,
    ) -> None:
        self._annotations = annotations
        self._files = files
        self._keep_others = keep_others

    def __call__(self, finding: Finding) -> Finding | None:
        resource = finding.resource
        annotation = self._annotations.get(finding.account, {}).get((resource.type, resource.id))
        if annotation is None:
            file = self._files.get(finding.account)
            if not self._keep_others or file is None:
                return None
            return msgspec.structs.replace(finding, location=Location(file=file))
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
