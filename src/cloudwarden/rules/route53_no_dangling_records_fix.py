"""Fixer of `route53-no-dangling-records`: delete the record set that points at what is no longer ours.

The DELETE carries the record set exactly as the scan listed it (`record_set` in the evidence): Route53
deletes a record set only when given all its current values (TTL, values or alias target, set
identifier, weight, routing...), and refuses the whole change (InvalidChangeBatch) when the record set
changed since the scan or is gone. So a record someone repointed after the scan is never deleted on
the scan's word. The rollback creates the same record set again.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.findings import Finding
from cloudwarden.remedy import Call, Fixer, Proposal, Remedy, State


def propose_record_deletion(finding: Finding) -> Proposal:
    record_set = finding.evidence.get("record_set")
    zone_id = finding.evidence.get("zone_id")
    if not isinstance(record_set, dict) or not isinstance(zone_id, str):
        return Proposal(
            unplannable="the finding does not record the record set as listed and its hosted zone "
            "(`record_set`, `zone_id`: a report of an older version): scan again"
        )
    name, kind, identifier = record_set.get("Name"), record_set.get("Type"), record_set.get("SetIdentifier")
    if not isinstance(name, str) or not isinstance(kind, str):
        return Proposal(unplannable=f"the recorded record set has no name or type: {record_set!r}")
    listing: dict[str, Any] = {"HostedZoneId": zone_id, "StartRecordName": name, "StartRecordType": kind}
    if identifier:
        listing["StartRecordIdentifier"] = identifier
    listing["MaxItems"] = "1"

    def change(action: str) -> Call:
        batch = {
            "Comment": f"cloudwarden fix {finding.id}",
            "Changes": [{"Action": action, "ResourceRecordSet": record_set}],
        }
        return Call(
            service="route53",
            operation="ChangeResourceRecordSets",
            parameters={"HostedZoneId": zone_id, "ChangeBatch": batch},
        )

    variant = f" (set identifier {identifier})" if identifier else ""
    return Proposal(
        remedies=(
            Remedy(
                action="delete-record-set",
                summary=f"Delete the {kind} record set {name}{variant} from the hosted zone {zone_id}.",
                state=State.RECORD_SET,
                read=Call(service="route53", operation="ListResourceRecordSets", parameters=listing),
                before={"present": record_set, "absent": None},
                after={"present": None, "absent": record_set},
                calls=(change("DELETE"),),
                rollback=(change("CREATE"),),
            ),
        )
    )


ROUTE53_NO_DANGLING_RECORDS_FIX = Fixer(
    rule="route53-no-dangling-records",
    summary=(
        "Deletes the record set, given exactly as the scan listed it: Route53 refuses the deletion if the "
        "record set changed since. The rollback creates it again."
    ),
    actions=("route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets"),
    operations=frozenset({"route53.ListResourceRecordSets", "route53.ChangeResourceRecordSets"}),
    propose=propose_record_deletion,
)
