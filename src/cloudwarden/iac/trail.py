"""CloudTrail trails of a plan or template, as the `Trail` records `cloudtrail-segregated-storage` judges.

Read: Terraform's `aws_cloudtrail` and CloudFormation's `AWS::CloudTrail::Trail`. What AWS (or the
provider) does when the configuration is silent is applied and said in the annotation:
- Terraform: `enable_logging` defaults to true, `include_global_service_events` to true,
  `is_multi_region_trail`, `is_organization_trail` and `enable_log_file_validation` to false (the
  provider's schema); a plan's `after` values normally hold these defaults already.
- CloudFormation: `IsLogging` and `S3BucketName` are required; `IsMultiRegionTrail`,
  `IsOrganizationTrail` and `EnableLogFileValidation` default to false and `IncludeGlobalServiceEvents`
  to true, as for `CreateTrail`.
- A trail with neither event selectors nor advanced event selectors records every management event,
  read and write, and no data event (CloudTrail's default for a new trail).
- An event selector without `read_write_type` / `ReadWriteType` records `All`, and one without
  `include_management_events` / `IncludeManagementEvents` includes management events.

The destination bucket is the bucket's name when the document gives it, or, when it links to a
bucket of the same document (`aws_s3_bucket.logs.id`, `!Ref LogsBucket`), that bucket's snapshot name
(its `bucket` / `BucketName`, else its address, as `iac.s3` names it): such a trail delivers to a bucket
of the account it logs, which the rule fails. A value left to deployment becomes an `ApiError` with the
code `KNOWN_AFTER_APPLY` on the trail's ARN: `GetTrailStatus` (logging), `GetEventSelectors` (the
selectors), or `DescribeTrails:<field>` (`semantics.cloudtrail.PlannedField`: multi-region, global
service events, destination), so the rule says UNKNOWN naming the attribute, never PASS.

A trail's ARN is its `arn` when the plan knows it (an existing trail), else
`arn:aws:cloudtrail:<region>::trail/<address>`: stable from one plan to the next, with no account (the
document does not say which) and no name (a template may leave it to CloudFormation).

Laid over a collected account (`iac --snapshot`, `Draft.live`): a trail whose ARN the document does
not know but whose name is that of one of the account's trails in its region (names are unique per
region in an account) is that trail, under its ARN. A trail with a known ARN stands for the collected
one, and a Terraform plan's update, replacement or deletion retires the ARN of its `before` values;
the others are kept as collected. The trail is still judged on its own (the rule does not judge the
account's coverage from a plan), but its destination is judged as a live scan judges it, with the
account's buckets (the documents' and the collected ones) as its own: see the rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cloudwarden.findings import GLOBAL_REGION
from cloudwarden.iac.model import Action, IacResource, Ref, Unknown
from cloudwarden.iac.translate import UNKNOWN_REGION, Annotation, Draft, Graph
from cloudwarden.semantics.cloudtrail import PlannedField, planned_operation
from cloudwarden.snapshot import (
    MALFORMED_VALUE,
    AdvancedEventSelector,
    ApiError,
    ClassicEventSelector,
    EventSelectors,
    FieldSelector,
    Trail,
    TrailStatus,
)

TERRAFORM_TYPE = "aws_cloudtrail"
CLOUDFORMATION_TYPE = "AWS::CloudTrail::Trail"
FINDING_TYPE = "AWS::CloudTrail::Trail"
"""The resource type of the rule's findings on a trail of a document."""

BUCKET_TYPES = frozenset({"aws_s3_bucket", "AWS::S3::Bucket"})


@dataclass(frozen=True)
class _Spelling:
    """The attribute names of one tool, and its defaults where the configuration is silent."""

    name: str
    bucket: str
    logging: str
    multi_region: str
    global_events: str
    organization: str
    validation: str
    kms: str
    sns: str
    selectors: str
    advanced: str
    read_write: str
    management: str
    selector_name: str
    field_selectors: str
    field: str
    conditions: tuple[tuple[str, str], ...]
    """(FieldSelector attribute, the tool's key)."""
    logging_required: bool


_TERRAFORM = _Spelling(
    name="name",
    bucket="s3_bucket_name",
    logging="enable_logging",
    multi_region="is_multi_region_trail",
    global_events="include_global_service_events",
    organization="is_organization_trail",
    validation="enable_log_file_validation",
    kms="kms_key_id",
    sns="sns_topic_name",
    selectors="event_selector",
    advanced="advanced_event_selector",
    read_write="read_write_type",
    management="include_management_events",
    selector_name="name",
    field_selectors="field_selector",
    field="field",
    conditions=tuple(
        (key, key)
        for key in ("equals", "not_equals", "starts_with", "not_starts_with", "ends_with", "not_ends_with")
    ),
    logging_required=False,
)

_CLOUDFORMATION = _Spelling(
    name="TrailName",
    bucket="S3BucketName",
    logging="IsLogging",
    multi_region="IsMultiRegionTrail",
    global_events="IncludeGlobalServiceEvents",
    organization="IsOrganizationTrail",
    validation="EnableLogFileValidation",
    kms="KMSKeyId",
    sns="SnsTopicName",
    selectors="EventSelectors",
    advanced="AdvancedEventSelectors",
    read_write="ReadWriteType",
    management="IncludeManagementEvents",
    selector_name="Name",
    field_selectors="FieldSelectors",
    field="Field",
    conditions=(
        ("equals", "Equals"),
        ("not_equals", "NotEquals"),
        ("starts_with", "StartsWith"),
        ("not_starts_with", "NotStartsWith"),
        ("ends_with", "EndsWith"),
        ("not_ends_with", "NotEndsWith"),
    ),
    logging_required=True,
)


class _Unreadable(Exception):
    """A value of the wrong shape: judged as unknown, naming it."""

    def __init__(self, unknown: Unknown) -> None:
        super().__init__(unknown.describe())
        self.unknown = unknown


def translate(graph: Graph, draft: Draft) -> None:
    """Adds one `Trail` per trail of the document (none deleted by it), with its annotation."""
    for resource in graph.of_type(TERRAFORM_TYPE, CLOUDFORMATION_TYPE):
        _Translation(graph, draft, resource).run()
    _retire_before(graph, draft)
    note_unlisted_buckets(draft)


NOT_COLLECTED = "NotCollected"
"""The code of the error that says the collected account's buckets are unknown though no call failed."""


def note_unlisted_buckets(draft: Draft) -> None:
    """Laid over a collected account whose buckets are not known without a failed call saying so (a
    collection of rules that do not need S3), the judged account lists the documents' buckets only.
    An `s3:ListBuckets` error says so, as it does for a failed listing, so that rules do not take the
    documents' buckets for all of the account's (a trail's destination outside them is not outside the
    account, a record's bucket missing from them is not dangling)."""
    live = draft.live
    if live is None or live.s3.buckets is not None:
        return
    errors = (*live.errors, *draft.errors)
    if any(error.service == "s3" and error.operation == "ListBuckets" for error in errors):
        return
    draft.errors.append(
        ApiError(
            account=draft.account_id,
            service="s3",
            operation="ListBuckets",
            region=GLOBAL_REGION,
            code=NOT_COLLECTED,
            message="the snapshot given with --snapshot did not collect the account's buckets",
        )
    )


def _retire_before(graph: Graph, draft: Draft) -> None:
    """Mark the live trails a Terraform plan updates, replaces or deletes, by their ARN before."""
    for resource in graph.document.resources:
        if resource.type != TERRAFORM_TYPE or resource.action in (Action.CREATE, Action.NO_OP):
            continue
        arn = resource.before.get("arn") if isinstance(resource.before, Mapping) else None
        if isinstance(arn, str) and arn:
            draft.replaced.add(("trail", arn))


def live_trail(draft: Draft, name: object, region: str) -> Trail | None:
    """The collected trail a document's trail is, by name, when its own ARN is not known (a
    template of a deployed stack): trail names are unique per region in an account, so the match is
    one of this account's trails of that name in the document's region, or in any region when the
    document does not say, and then only when one trail has the name."""
    if draft.live is None or draft.live.cloudtrail is None or not isinstance(name, str) or not name:
        return None
    found = [
        trail
        for trail in draft.live.cloudtrail.trails
        if trail.name == name
        and trail.account_id == draft.live.account_id
        and region in (UNKNOWN_REGION, trail.home_region)
    ]
    return found[0] if len(found) == 1 else None


def synthetic_arn(resource: IacResource) -> str:
    """The ARN of a trail whose real ARN the document does not know."""
    return f"arn:aws:cloudtrail:{resource.region or UNKNOWN_REGION}::trail/{resource.address}"


class _Translation:
    """One trail: its record, the errors for what is left to deployment, its annotation."""

    def __init__(self, graph: Graph, draft: Draft, resource: IacResource) -> None:
        self.graph = graph
        self.draft = draft
        self.resource = resource
        self.spelling = _TERRAFORM if resource.type == TERRAFORM_TYPE else _CLOUDFORMATION
        self.values: Mapping[str, Any] = resource.values
        self.region = resource.region or UNKNOWN_REGION
        known_arn = self.values.get("arn")
        if not (isinstance(known_arn, str) and known_arn):
            live = live_trail(draft, self.values.get(self.spelling.name), self.region)
            known_arn = live.arn if live is not None else None
            self.region = live.home_region if live is not None else self.region
        self.arn = known_arn or synthetic_arn(resource)
        if known_arn:  # an existing trail: the document's stands for the collected one
            draft.replaced.add(("trail", known_arn))
        self.annotation = Annotation(resource.address, resource.location)

    def run(self) -> None:
        spelling = self.spelling
        name = self.values.get(spelling.name)
        trail = Trail(
            arn=self.arn,
            name=name if isinstance(name, str) and name else self.resource.address,
            home_region=self.region,
            is_multi_region=self._flag(spelling.multi_region, False, PlannedField.MULTI_REGION),
            is_organization_trail=self._flag(spelling.organization, False, None),
            include_global_service_events=self._flag(
                spelling.global_events, True, PlannedField.GLOBAL_EVENTS
            ),
            s3_bucket=self._bucket(),
            kms_key_id=self._text(spelling.kms),
            log_file_validation=self._flag(spelling.validation, False, None),
            sns_topic_arn=self._text(spelling.sns),
            status=self._status(),
            selectors=self._selectors(),
        )
        self.draft.trails.append(trail)
        self.draft.trail_regions.setdefault(self.region, []).append(self.arn)
        self.draft.annotations[(FINDING_TYPE, self.arn)] = self.annotation

    def _attribute(self, key: str) -> str:
        return f"{self.resource.address}.{key}"

    def _unknown(self, operation: str, value: Unknown | Ref) -> None:
        self.draft.unknown("cloudtrail", operation, self.region, value, self.arn)

    def _flag(self, key: str, default: bool, field: PlannedField | None) -> bool:
        """A boolean attribute; when unknown, an error for `field` (None: the verdict does not need it)
        and the default in the record, which the rule does not read while the error stands."""
        value = self.values.get(key)
        if value is None:
            self.annotation.assumed.append(f"{key} is not set: {str(default).lower()} (the default)")
            return default
        if isinstance(value, bool):
            return value
        if field is not None:
            unknown = value if isinstance(value, Unknown | Ref) else _wrong(self._attribute(key), value)
            self._unknown(planned_operation(field), unknown)
        return default

    def _text(self, key: str) -> str | None:
        value = self.values.get(key)
        return value if isinstance(value, str) and value else None

    def _bucket(self) -> str | None:
        """The destination bucket's snapshot name; None (with an error) when deployment decides it."""
        key = self.spelling.bucket
        value = self.values.get(key)
        target = self.graph.target(value)
        if target is not None and target.type in BUCKET_TYPES:
            name = bucket_name(target)
            self.annotation.attached.append(target.address)
            if name not in {bucket.name for bucket in self.draft.buckets}:
                self.draft.warnings.append(
                    f"{self.resource.address}: its bucket {target.address} has no bucket record"
                )
            return name
        if isinstance(value, str) and value:
            return value
        operation = planned_operation(PlannedField.BUCKET)
        if isinstance(value, Unknown | Ref):
            self._unknown(operation, value)
        elif value is None:
            self._unknown(
                operation,
                Unknown(self._attribute(key), "not set in the document (it is required)", MALFORMED_VALUE),
            )
        else:
            self._unknown(operation, _wrong(self._attribute(key), value))
        return None

    def _status(self) -> TrailStatus | None:
        key = self.spelling.logging
        value = self.values.get(key)
        if isinstance(value, bool):
            return TrailStatus(is_logging=value)
        if value is None and not self.spelling.logging_required:
            self.annotation.assumed.append(f"{key} is not set: true (the default)")
            return TrailStatus(is_logging=True)
        if value is None:
            unknown = Unknown(
                self._attribute(key), "not set in the document (it is required)", MALFORMED_VALUE
            )
        elif isinstance(value, Unknown | Ref):
            unknown = value.unknown() if isinstance(value, Ref) else value
        else:
            unknown = _wrong(self._attribute(key), value)
        self._unknown("GetTrailStatus", unknown)
        return None

    def _selectors(self) -> EventSelectors | None:
        spelling = self.spelling
        try:
            classic = tuple(
                self._classic(entry, f"{spelling.selectors}[{index}]")
                for index, entry in enumerate(self._entries(spelling.selectors))
            )
            advanced = tuple(
                self._advanced(entry, f"{spelling.advanced}[{index}]")
                for index, entry in enumerate(self._entries(spelling.advanced))
            )
        except _Unreadable as unreadable:
            self._unknown("GetEventSelectors", unreadable.unknown)
            return None
        if not classic and not advanced:
            self.annotation.assumed.append(
                "no event selector: CloudTrail records every management event, read and write (its default)"
            )
            classic = (ClassicEventSelector(),)
        return EventSelectors(classic=classic, advanced=advanced)

    def _entries(self, key: str) -> Sequence[Mapping[str, Any]]:
        value = self.values.get(key)
        if value is None:
            return ()
        return _mappings(value, self._attribute(key))

    def _classic(self, entry: Mapping[str, Any], where: str) -> ClassicEventSelector:
        spelling = self.spelling
        read_write = entry.get(spelling.read_write)
        management = entry.get(spelling.management)
        _known(read_write, self._attribute(f"{where}.{spelling.read_write}"), str)
        _known(management, self._attribute(f"{where}.{spelling.management}"), bool)
        return ClassicEventSelector(
            read_write_type=read_write if isinstance(read_write, str) else "All",
            include_management_events=management if isinstance(management, bool) else True,
        )

    def _advanced(self, entry: Mapping[str, Any], where: str) -> AdvancedEventSelector:
        spelling = self.spelling
        name = entry.get(spelling.selector_name)
        fields = entry.get(spelling.field_selectors)
        selectors = (
            ()
            if fields is None
            else _mappings(fields, self._attribute(f"{where}.{spelling.field_selectors}"))
        )
        return AdvancedEventSelector(
            name=name if isinstance(name, str) else None,
            field_selectors=tuple(
                self._field(selector, f"{where}.{spelling.field_selectors}[{index}]")
                for index, selector in enumerate(selectors)
            ),
        )

    def _field(self, entry: Mapping[str, Any], where: str) -> FieldSelector:
        spelling = self.spelling
        field = entry.get(spelling.field)
        _known(field, self._attribute(f"{where}.{spelling.field}"), str, required=True)
        conditions = {
            attribute: _strings(entry.get(key), self._attribute(f"{where}.{key}"))
            for attribute, key in spelling.conditions
        }
        return FieldSelector(field=str(field), **conditions)


def bucket_name(bucket: IacResource) -> str:
    """A bucket's snapshot name: its name when the document gives it, else its address."""
    key = "bucket" if bucket.type == "aws_s3_bucket" else "BucketName"
    name = bucket.values.get(key)
    return name if isinstance(name, str) and name else bucket.address


def _wrong(attribute: str, value: object) -> Unknown:
    return Unknown(
        attribute, f"not a value CloudTrail accepts ({type(value).__name__} {value!r:.40})", MALFORMED_VALUE
    )


def _known(value: object, attribute: str, kind: type, *, required: bool = False) -> None:
    """Raises `_Unreadable` unless `value` is of `kind` (or absent, when it may be)."""
    if value is None and not required:
        return
    if isinstance(value, Ref):
        raise _Unreadable(value.unknown())
    if isinstance(value, Unknown):
        raise _Unreadable(value)
    if value is None:
        raise _Unreadable(Unknown(attribute, "not set in the document (it is required)", MALFORMED_VALUE))
    if not isinstance(value, kind):
        raise _Unreadable(_wrong(attribute, value))


def _mappings(value: object, attribute: str) -> Sequence[Mapping[str, Any]]:
    _known(value, attribute, list)
    assert isinstance(value, list)
    for item in value:
        _known(item, attribute, dict, required=True)
    return value


def _strings(value: object, attribute: str) -> tuple[str, ...]:
    if value is None:
        return ()
    _known(value, attribute, list)
    assert isinstance(value, list)
    for item in value:
        _known(item, attribute, str, required=True)
    return tuple(value)
