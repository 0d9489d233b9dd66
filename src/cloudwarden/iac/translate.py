"""Documents into snapshot records: one partial `AccountSnapshot` per document.

Each family of resources has its translator (`iac.s3`, `iac.network`, `iac.trail`, `iac.dns`,
`iac.users`), a function `translate(graph, draft)` that reads the document's resources through the
`Graph` (which follows `Ref`s) and adds records, errors and annotations to the `Draft`. Unknown
values become `ApiError`s with the code `KNOWN_AFTER_APPLY` (for data the rules read through
errors: a bucket policy, a trail's status) or `IpPermission.unknown_peers`; the rules then say
UNKNOWN naming the attribute, never PASS.

The judged resource's snapshot id (a bucket's name, a group's id) is what its findings carry; the
annotation of that id gives the address, the file and line, the resources attached to it and the
defaults of AWS that were assumed, and `iac.findings` puts them on the findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec

from cloudwarden.findings import Location
from cloudwarden.iac.model import IacDocument, IacResource, Ref, Unknown
from cloudwarden.semantics.dns import normalise_name
from cloudwarden.semantics.inventory import address_key
from cloudwarden.snapshot import (
    EVERY_COLLECTION,
    AccountSnapshot,
    ApiError,
    Bucket,
    BucketOwnership,
    CloudTrailData,
    CredentialReport,
    CredentialReportRow,
    Distribution,
    Ec2Data,
    HostedZone,
    IamData,
    PublicAccessBlock,
    RecordSet,
    Route53Data,
    S3Data,
    SecurityGroup,
    Trail,
)

UNKNOWN_REGION = "unknown"
"""The region of resources whose document does not say (a template, a plan without a region)."""


@dataclass
class Annotation:
    """What a finding on a translated resource must say about the code."""

    address: str
    location: Location
    attached: list[str] = field(default_factory=list)
    """Addresses of the resources that configure it (a bucket's policy, a group's rules)."""
    assumed: list[str] = field(default_factory=list)
    """AWS's defaults applied where the configuration is silent, in words."""
    live_id: bool = False
    """The address is the judged resource's live id (a live bucket or group a document only attaches
    to, `--snapshot`): its findings keep the resource's ARN, which is real."""

    def evidence(self) -> dict[str, Any]:
        return {"address": self.address, "attached": list(self.attached), "assumed": list(self.assumed)}


class Graph:
    """A document's resources by address, and the links between them."""

    def __init__(self, document: IacDocument) -> None:
        self.document = document
        self.by_address: dict[str, IacResource] = {r.address: r for r in document.resources}

    def of_type(self, *types: str) -> Iterator[IacResource]:
        """The resources of `types` that deployment leaves in place (not those it deletes)."""
        return (r for r in self.document.resources if r.type in types and r.action != "delete")

    def target(self, value: object) -> IacResource | None:
        """The resource a `Ref` links to (None for anything else, or a link out of the document)."""
        if isinstance(value, Ref):
            found = self.by_address.get(value.address)
            return found if found is not None and found.action != "delete" else None
        return None


@dataclass
class Draft:
    """The records of one document's account, filled by the translators."""

    account_id: str
    regions: set[str] = field(default_factory=set)
    errors: list[ApiError] = field(default_factory=list)
    annotations: dict[tuple[str, str], Annotation] = field(default_factory=dict)
    """(finding resource type, snapshot id) -> annotation: `("AWS::S3::Bucket", "logs-bucket")`."""
    warnings: list[str] = field(default_factory=list)

    buckets: list[Bucket] = field(default_factory=list)
    account_public_access_block: PublicAccessBlock | None = None
    account_block_known: bool = True
    """False when the account-level block the plan manages has a setting known only after apply (an
    error `s3control:GetPublicAccessBlock` with `KNOWN_AFTER_APPLY` says which)."""

    security_groups: list[SecurityGroup] = field(default_factory=list)

    trails: list[Trail] = field(default_factory=list)
    trail_regions: dict[str, list[str]] = field(default_factory=dict)
    bucket_ownership: list[BucketOwnership] = field(default_factory=list)

    zones: list[HostedZone] = field(default_factory=list)
    records: list[RecordSet] = field(default_factory=list)
    route53: dict[str, Any] = field(default_factory=dict)
    """Route53Data's inventory fields (`distributions`, `load_balancers`...) the plan holds."""

    users: list[CredentialReportRow] = field(default_factory=list)

    live: AccountSnapshot | None = None
    """`iac --snapshot`: the collected account the documents are laid over. Families read it for what a
    document touches but does not set (a live bucket's Block Public Access, the live group a rule
    resource adds to) and mark in `replaced` the live records their own records stand for."""
    replaced: set[tuple[str, str]] = field(default_factory=set)
    """Live records a document replaces or deletes: `("bucket", name)`, `("group", id)`,
    `("trail", arn)`, `("zone", id)`, `("record", record id)`; the others are kept as collected."""
    removed_inventory: set[tuple[str, str]] = field(default_factory=set)
    """Entries of the live Route53Data inventories a document deletes or renames: (field, name as
    `inventory_key` spells it), as `("load_balancers", "web-1.eu-west-1.elb.amazonaws.com")`; the merge
    leaves them out of the live inventories."""

    def unknown(
        self, service: str, operation: str, region: str, value: Unknown | Ref, resource: str | None
    ) -> None:
        """Record that `resource`'s data read by `service:operation` is not known from the document (None:
        the account's own data, as the account-level Block Public Access): left to deployment, not in
        the document, or malformed, as `Unknown.code` says."""
        unknown = value.unknown() if isinstance(value, Ref) else value
        self.errors.append(
            ApiError(
                account=self.account_id,
                service=service,
                operation=operation,
                region=region,
                code=unknown.code,
                message=unknown.describe(),
                resource=resource,
            )
        )

    def annotate(self, resource_type: str, snapshot_id: str, resource: IacResource) -> Annotation:
        annotation = Annotation(resource.address, resource.location)
        self.annotations[(resource_type, snapshot_id)] = annotation
        return annotation

    def account(self) -> AccountSnapshot:
        """The partial account of the documents (laid over `live` when there is one)."""
        account = self._documents_account()
        return account if self.live is None else self._laid_over(account, self.live)

    def _kept(self, kind: str, key: str) -> bool:
        return (kind, key) not in self.replaced

    def _laid_over(self, account: AccountSnapshot, live: AccountSnapshot) -> AccountSnapshot:
        """The documents' records with the live account's others: its buckets, groups, interfaces,
        prefix lists, trails, zones, records and inventories as collected (but those a document replaces
        or deletes), its failed calls, its regions. The users are the documents' only: the live ones are
        the scan's business, and the documents' are judged on their own (MANUAL)."""
        kept = self._kept
        own_buckets = {bucket.name for bucket in self.buckets}
        own_groups = {group.id for group in self.security_groups}
        live_ec2 = live.ec2 or Ec2Data()
        live_trails = live.cloudtrail or CloudTrailData()
        live_dns = live.route53 or Route53Data()
        planned_regions = {region: tuple(arns) for region, arns in self.trail_regions.items()}
        inventory = {
            name: _joined(
                _without(getattr(live_dns, name), name, self.removed_inventory), self.route53.get(name)
            )
            for name in _INVENTORIES
        }
        buckets = None
        if live.s3.buckets is not None or self.buckets:
            # The documents' buckets are judged even when the live ones could not be listed (the rules
            # then know the list is not the account's whole: live_context and the ListBuckets error).
            listed = live.s3.buckets or ()
            others = (b for b in listed if b.name not in own_buckets and kept("bucket", b.name))
            buckets = (*self.buckets, *others)
        return msgspec.structs.replace(
            account,
            regions=tuple(sorted(set(self.regions) | set(live.regions))) or account.regions,
            s3=S3Data(buckets=buckets, account_public_access_block=self.account_public_access_block),
            ec2=Ec2Data(
                security_groups=(
                    *self.security_groups,
                    *(g for g in live_ec2.security_groups if g.id not in own_groups and kept("group", g.id)),
                ),
                network_interfaces=live_ec2.network_interfaces,
                vpcs=live_ec2.vpcs,
                prefix_lists=live_ec2.prefix_lists,
            ),
            cloudtrail=CloudTrailData(
                trails=(*self.trails, *(t for t in live_trails.trails if kept("trail", t.arn))),
                regions={
                    region: (*live_trails.regions.get(region, ()), *planned_regions.get(region, ()))
                    for region in {*live_trails.regions, *planned_regions}
                },
                organization=live_trails.organization,
                bucket_ownership=(*live_trails.bucket_ownership, *self.bucket_ownership),
            ),
            route53=msgspec.structs.replace(
                live_dns,
                zones=(*self.zones, *(z for z in live_dns.zones if kept("zone", z.id))),
                records=(*self.records, *(r for r in live_dns.records if kept("record", r.record_id))),
                **inventory,
            ),
            errors=(*live.errors, *self.errors),
            live_context=True,
        )

    def _documents_account(self) -> AccountSnapshot:
        regions = tuple(sorted(self.regions)) or (UNKNOWN_REGION,)
        return AccountSnapshot(
            account_id=self.account_id,
            regions=regions,
            iam=IamData(
                credential_report=CredentialReport(generated_time=None, rows=tuple(self.users))
                if self.users
                else None
            ),
            s3=S3Data(
                buckets=tuple(self.buckets), account_public_access_block=self.account_public_access_block
            ),
            cloudtrail=CloudTrailData(
                trails=tuple(self.trails),
                regions={region: tuple(arns) for region, arns in self.trail_regions.items()},
                bucket_ownership=tuple(self.bucket_ownership),
            ),
            ec2=Ec2Data(security_groups=tuple(self.security_groups)),
            route53=Route53Data(zones=tuple(self.zones), records=tuple(self.records), **self.route53),
            collected=EVERY_COLLECTION,  # the document's whole part of the account (`partial`)
            errors=tuple(self.errors),
            partial=True,
        )


_INVENTORIES = (
    "elastic_ips",
    "interface_ips",
    "distributions",
    "load_balancers",
    "beanstalk_cnames",
    "api_ids",
)
"""Route53Data's inventories of what the account holds, which the documents' resources add to."""


def _joined(live: tuple[Any, ...] | None, planned: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    """A live inventory with the documents' additions; unknown (None) when the live one could not be
    read: what a document adds does not make the rest of the account known."""
    if live is None:
        return None
    return (*live, *(planned or ()))


def inventory_key(entry: object) -> str:
    """One spelling per inventory entry: a distribution by its domain name, any other entry (a name, an
    id, an address) as text; names lower case without a final dot, IPv6 addresses compressed."""
    text = entry.domain_name if isinstance(entry, Distribution) else str(entry)
    return address_key(normalise_name(text))


def _without(
    live: tuple[Any, ...] | None, name: str, removed: set[tuple[str, str]]
) -> tuple[Any, ...] | None:
    """A live inventory without the entries the documents delete."""
    if live is None or not removed:
        return live
    return tuple(entry for entry in live if (name, inventory_key(entry)) not in removed)


Translator = Callable[[Graph, Draft], None]


def translators() -> tuple[Translator, ...]:
    """Every family's translator, in the order they run (buckets before what refers to them)."""
    from cloudwarden.iac import dns, network, s3, trail, users  # families import this module

    return (s3.translate, network.translate, trail.translate, dns.translate, users.translate)


def translate(document: IacDocument, account_id: str | None = None) -> tuple[AccountSnapshot, Draft]:
    """The document as a partial account (its id: the document's path unless given)."""
    draft = Draft(account_id=account_id or document.path)
    translate_into(document, draft)
    return draft.account(), draft


def translate_into(document: IacDocument, draft: Draft) -> None:
    """Add the document's records to `draft` (several documents laid over one live account share one)."""
    graph = Graph(document)
    for resource in document.resources:
        if resource.region:
            draft.regions.add(resource.region)
    for family in translators():
        family(graph, draft)
    draft.warnings.extend(
        f"{document.path}: {note}" if not note.startswith(document.path) else note for note in document.notes
    )
