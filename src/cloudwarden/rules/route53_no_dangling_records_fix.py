"""Fixer of `route53-no-dangling-records`: delete the record set that points at what is no longer ours.

The DELETE carries the record set exactly as the scan listed it (`record_set` in the evidence): Route53
deletes a record set only when given all its current values (TTL, values or alias target, set
identifier, weight, routing...), and refuses the whole change (InvalidChangeBatch) when the record set
changed since the scan or is gone. So a record someone repointed after the scan is never deleted on
the scan's word. The rollback creates the same record set again.

A deletion removes every value of the set, so it is planned only when every value dangles: an alias or
a CNAME (one target), an A/AAAA set of one address, a third-party delegation whose servers all refuse
the zone. The rule fails an A/AAAA set on its first address that dangles, without judging the others,
and fails a delegation to Route53 name servers also when some of them serve a zone of that name (a
delegation to only some of its servers): its evidence does not say which values still serve, so those
sets are left to a person.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.findings import Finding
from cloudwarden.remedy import Call, Fixer, Proposal, Remedy, State
from cloudwarden.rules.route53_no_dangling_records import JUDGED_TYPES


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
    if kind not in JUDGED_TYPES:
        return Proposal(unplannable=f"the recorded record set is of a type the rule does not judge: {kind}")
    variant = f" (set identifier {identifier})" if identifier else ""
    left_to_a_person = _left_to_a_person(finding, record_set)
    if left_to_a_person is not None:
        return Proposal(
            manual=f"The {kind} record set {name}{variant} of the hosted zone {zone_id}: {left_to_a_person}"
        )
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


def _left_to_a_person(finding: Finding, record_set: dict[str, Any]) -> str | None:
    """Why the evidence does not show that every value of the set dangles, and what a person does
    instead of deleting it all; None when it shows it."""
    kind = record_set["Type"]
    if record_set.get("AliasTarget") is not None or kind == "CNAME":
        return None
    values = [str(record["Value"]) for record in record_set.get("ResourceRecords", [])]
    listed = ", ".join(values)
    if kind == "NS":
        if values and not any("awsdns" in value.lower() for value in values):
            return None  # a third-party delegation fails only when every one of its servers refuses the zone
        return (
            f"the finding does not say whether some of its Route53 name servers ({listed}) still serve a "
            "hosted zone of that name (a delegation to only some of a zone's servers fails too). Deleting "
            "it could cut a delegation that still works: delete it if no zone of that name has these "
            "servers, else set its values to that zone's name servers."
        )
    if len(values) == 1:
        return None
    return (
        f"of its {len(values)} values ({listed}), the finding names one that dangles ({finding.message}), "
        "not which of the others are still held, private or outside AWS. Deleting the set would cut those "
        "too: remove only the values that dangle (DELETE of the set as it is and CREATE of it without "
        "them, in one change batch)."
    )


ROUTE53_NO_DANGLING_RECORDS_FIX = Fixer(
    rule="route53-no-dangling-records",
    summary=(
        "Deletes the record set, given exactly as the scan listed it: Route53 refuses the deletion if the "
        "record set changed since. The rollback creates it again. Only when every value of the set dangles "
        "(an alias, a CNAME, an A/AAAA set of one address, a third-party delegation refused by all its "
        "servers); other sets are left to a person, naming the record and why."
    ),
    actions=("route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets"),
    operations=frozenset({"route53.ListResourceRecordSets", "route53.ChangeResourceRecordSets"}),
    propose=propose_record_deletion,
)
