"""What a trail's event selectors record: management write events, judged by their conditions.

Classic selectors say it directly (`IncludeManagementEvents` with `ReadWriteType` All or
WriteOnly). Advanced selectors are judged by their field conditions, never by their name: a
selector records management write events when its `eventCategory` equals `Management`, its
`readOnly` field (if any) lets write events through, and nothing else narrows it except the
exclusion of event sources (`eventSource` NotEquals / NotStartsWith), which AWS itself offers to cut
noisy services such as KMS. Any other condition records only part of the management events and
does not count.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cloudwarden.snapshot import AdvancedEventSelector, EventSelectors

WRITE_TYPES = frozenset({"All", "WriteOnly"})


class PlannedField(enum.StrEnum):
    """A field of `DescribeTrails` that a plan or template may leave to deployment. `iac` records it as
    an error with the code `KNOWN_AFTER_APPLY` on the trail's ARN and the operation
    `planned_operation(field)`: the trail's record holds a default there, which the rule must not read."""

    MULTI_REGION = "IsMultiRegionTrail"
    GLOBAL_EVENTS = "IncludeGlobalServiceEvents"
    BUCKET = "S3BucketName"


def planned_operation(field: PlannedField) -> str:
    return f"DescribeTrails:{field.value}"


@dataclass(frozen=True)
class Coverage:
    records_management_writes: bool
    explanation: str


def management_write_coverage(selectors: EventSelectors) -> Coverage:
    if selectors.advanced:
        reasons = []
        for index, selector in enumerate(selectors.advanced):
            verdict, reason = _advanced(selector)
            if verdict:
                return Coverage(True, f"advanced selector {index}: {reason}")
            reasons.append(f"advanced selector {index}: {reason}")
        return Coverage(False, "; ".join(reasons))
    for index, classic in enumerate(selectors.classic):
        if classic.include_management_events and classic.read_write_type in WRITE_TYPES:
            return Coverage(True, f"event selector {index}: management events, {classic.read_write_type}")
    if not selectors.classic:
        return Coverage(False, "the trail has no event selector")
    return Coverage(False, "no event selector includes management write events")


def _advanced(selector: AdvancedEventSelector) -> tuple[bool, str]:
    fields = {field.field.lower(): field for field in selector.field_selectors}
    category = fields.pop("eventcategory", None)
    if category is None or "Management" not in category.equals:
        return False, "does not select eventCategory = Management"
    read_only = fields.pop("readonly", None)
    if read_only is not None:
        lets_writes = "false" in read_only.equals or ("true" in read_only.not_equals and not read_only.equals)
        if not lets_writes:
            return False, "records read-only management events only"
    notes = []
    source = fields.pop("eventsource", None)
    if source is not None:
        if source.equals or source.starts_with or source.ends_with or source.not_ends_with:
            return False, "records the management events of some event sources only"
        notes.append(
            "excludes " + ", ".join((*source.not_equals, *(f"{p}*" for p in source.not_starts_with)))
        )
    if fields:
        return False, "narrowed by " + ", ".join(sorted(field.field for field in fields.values()))
    return True, "management write events" + (f" ({'; '.join(notes)})" if notes else "")
