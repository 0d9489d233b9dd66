"""Route53 zones and records of a plan or template, as the records `route53-no-dangling-records` judges.

Read: Terraform's `aws_route53_zone` (`name`; `vpc` blocks make it private; `zone_id` and
`name_servers` when known) and `aws_route53_record` (`zone_id`, `name`, `type`, `records`, `alias`
{`name`, `zone_id`}, `set_identifier`); CloudFormation's `AWS::Route53::HostedZone` (`Name`, `VPCs`),
`AWS::Route53::RecordSet` (`HostedZoneId` or `HostedZoneName`, `Name`, `Type`, `ResourceRecords`,
`AliasTarget` {`DNSName`, `HostedZoneId`}, `SetIdentifier`) and `AWS::Route53::RecordSetGroup` (its
`RecordSets`, in the group's zone). A Terraform record name that does not end with its zone's name
gets it appended, as the AWS provider does (`expandRecordName`).

A zone of the document is known by its `zone_id` when the plan knows it, else by its address (its real
id is given at apply); a zone named by a literal id or name is outside the document and is kept under
that id (public: the document does not say). A record's id is the rule's `<zone id>/<name>/<type>`
(`/<set identifier>`), annotated with the record's resource.

Targets: a known name or address is kept as written (normalised). A target that links to a resource
of the document (`aws_lb.web.dns_name`, `!GetAtt Cdn.DomainName`) is written as the placeholder of a
name known only after apply, the expression that will give it (`${aws_lb.web.dns_name}`,
`${Cdn.DomainName}`: `semantics.dns.placeholder`, which no DNS name can be mistaken for), and the same
placeholder is entered in the inventory the rule reads (`Route53Data.load_balancers`,
`distributions`, `beanstalk_cnames`, `api_ids`, `elastic_ips`; a delegated zone's `name_servers`), so
the rule sees that the document holds it. The known names of the document's load balancers,
distributions, environments, APIs and Elastic IPs are entered too. A link to a bucket (its website or
REST endpoint) is written as an S3 endpoint name (`s3-website-<region>.amazonaws.com`, or
`s3.amazonaws.com` when the region is not in the document): S3 serves the bucket named by the request's
Host header, the record's own name, so only the kind of the target matters, and the rule compares the
record's name with the document's buckets. A link to anything else (an instance's address...) stays a
placeholder no inventory holds: not decided by the document, and never taken for a third-party name.
A value left to deployment (not a link) is an `ApiError` with the code `KNOWN_AFTER_APPLY` on the
record's id; one the document gives as no such value (a name or type that is no text, values that are
no list, a required value missing) has the code `MALFORMED_VALUE` (UNKNOWN `rule-error`), and so has a
`RecordSetGroup`'s `RecordSets` that is no list of record sets (or an entry that is no record set),
judged as a record `<address>.recordsets` of type `(malformed)`.

Laid over a collected account (`iac --snapshot`, `Draft.live`): a zone named by a literal id is the
live zone of that id, and one named by a literal `HostedZoneName` the only live zone of that name
(CloudFormation refuses the name when several zones have it), kept as collected, whose name completes
Terraform's relative record names; the inventories are joined with the live ones (`Draft.account`), so
the rule judges the documents' records against both. A record of a document stands for the live
record of the same id (an update, or a record a stack already holds); a zone of a document with a
known id for the live zone. A Terraform plan's update, replacement or deletion also retires the record
or zone its `before` values name: a deleted one is gone from the judged account, a renamed one no
longer exists under its old id; a load balancer, Elastic IP, distribution, Beanstalk environment or API
it deletes, replaces or renames (its `before` `dns_name`, `public_ip`, `domain_name`, `cname`, `id`)
leaves the live inventory (`Draft.removed_inventory`; an Elastic IP the interfaces' addresses too), so a
record still pointing at it is dangling. When the collected account's buckets are not known and no failed
call says so, an `s3:ListBuckets` error says it (`iac.trail.note_unlisted_buckets`): the judged account
then lists the documents' buckets only, which is not the account's whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.findings import GLOBAL_REGION
from cloudwarden.iac.model import Action, IacResource, Ref, Unknown
from cloudwarden.iac.trail import note_unlisted_buckets
from cloudwarden.iac.translate import Annotation, Draft, Graph, inventory_key
from cloudwarden.semantics.dns import normalise_name, placeholder
from cloudwarden.snapshot import MALFORMED_VALUE, Distribution, HostedZone, RecordSet

FINDING_TYPE = "AWS::Route53::RecordSet"
ZONE_TYPES = frozenset({"aws_route53_zone", "AWS::Route53::HostedZone"})
RECORD_TYPES = ("aws_route53_record", "AWS::Route53::RecordSet", "AWS::Route53::RecordSetGroup")

HOLDINGS: Mapping[str, str] = {
    "aws_lb": "load_balancers",
    "aws_alb": "load_balancers",
    "aws_elb": "load_balancers",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "load_balancers",
    "AWS::ElasticLoadBalancing::LoadBalancer": "load_balancers",
    "aws_cloudfront_distribution": "distributions",
    "AWS::CloudFront::Distribution": "distributions",
    "aws_elastic_beanstalk_environment": "beanstalk_cnames",
    "AWS::ElasticBeanstalk::Environment": "beanstalk_cnames",
    "aws_api_gateway_rest_api": "api_ids",
    "aws_apigatewayv2_api": "api_ids",
    "aws_api_gateway_domain_name": "api_ids",
    "aws_apigatewayv2_domain_name": "api_ids",
    "AWS::ApiGateway::RestApi": "api_ids",
    "AWS::ApiGatewayV2::Api": "api_ids",
    "AWS::ApiGateway::DomainName": "api_ids",
    "AWS::ApiGatewayV2::DomainName": "api_ids",
    "aws_eip": "elastic_ips",
    "AWS::EC2::EIP": "elastic_ips",
}
"""What a record may point at that the document then holds, and the inventory field that lists it."""

KNOWN_NAMES: Mapping[str, str] = {
    "aws_lb": "dns_name",
    "aws_alb": "dns_name",
    "aws_elb": "dns_name",
    "aws_cloudfront_distribution": "domain_name",
    "aws_elastic_beanstalk_environment": "cname",
    "aws_api_gateway_rest_api": "id",
    "aws_apigatewayv2_api": "id",
    "aws_eip": "public_ip",
}
"""The attribute that holds the name the rule compares, where a plan knows it (an existing resource)."""

S3_TYPES = frozenset({"aws_s3_bucket", "aws_s3_bucket_website_configuration", "AWS::S3::Bucket"})


@dataclass
class _Zone:
    id: str
    name: str
    private: bool
    name_servers: tuple[str, ...] | None
    live: bool = False
    """A zone of the collected account (`--snapshot`), named by its literal id or name: kept as
    collected, not added again."""


@dataclass
class _Record:
    """One record set being read: its identity, values, and what the document leaves to deployment."""

    resource: IacResource
    zone: _Zone
    name: str
    type: str
    set_identifier: str | None = None
    values: list[str] = field(default_factory=list)
    alias_target: str | None = None
    alias_zone: str | None = None
    unknown: list[Unknown] = field(default_factory=list)
    attached: list[str] = field(default_factory=list)


class _Translation:
    def __init__(self, graph: Graph, draft: Draft) -> None:
        self.graph = graph
        self.draft = draft
        self.zones: dict[str, _Zone] = {}
        """By address and known id (zones of the document), by id or name (zones outside it)."""
        self.ordered: list[_Zone] = []
        self.holdings: dict[str, list[str]] = {
            name: []
            for name in ("load_balancers", "distributions", "beanstalk_cnames", "api_ids", "elastic_ips")
        }
        live = draft.live.route53 if draft.live is not None else None
        self.live_zones: tuple[HostedZone, ...] = live.zones if live is not None else ()

    def run(self) -> None:
        for resource in self.graph.of_type(*ZONE_TYPES):
            self._document_zone(resource)
        self._known_holdings()
        for resource in self.graph.of_type(*RECORD_TYPES):
            for record in self._records(resource):
                self._add(record)
        for zone in self.ordered:
            if not zone.live:
                self.draft.zones.append(
                    HostedZone(
                        id=zone.id, name=zone.name, private=zone.private, name_servers=zone.name_servers
                    )
                )
        self._retire_before()
        route53: dict[str, Any] = {key: tuple(dict.fromkeys(values)) for key, values in self.holdings.items()}
        route53["distributions"] = tuple(Distribution(domain_name=name) for name in route53["distributions"])
        route53["interface_ips"] = ()
        self.draft.route53.update(route53)

    # --- zones ---------------------------------------------------------------------------------------

    def _document_zone(self, resource: IacResource) -> None:
        terraform = resource.type == "aws_route53_zone"
        values = resource.values
        known_id = values.get("zone_id") if terraform else None
        name = values.get("name" if terraform else "Name")
        vpcs = values.get("vpc" if terraform else "VPCs")
        servers = values.get("name_servers") if terraform else None
        zone = _Zone(
            id=known_id if isinstance(known_id, str) and known_id else resource.address,
            name=normalise_name(name) if isinstance(name, str) else resource.address,
            private=isinstance(vpcs, list) and bool(vpcs),
            name_servers=_names(servers) if _strings(servers) else None,
        )
        if zone.id != resource.address:  # a zone that exists: the document's stands for the live one
            self.draft.replaced.add(("zone", zone.id))
        self.zones[resource.address] = zone
        self.zones.setdefault(zone.id, zone)
        self.ordered.append(zone)

    def _outside(self, key: str, name: str) -> _Zone:
        """A zone outside the document, kept under its id (or name): public, as far as it says; or,
        laid over the collected account, the live zone of that id, or the only one of that name."""
        zone = self.zones.get(key)
        if zone is None:
            live = self._live_zone(key, name)
            if live is not None:
                zone = _Zone(live.id, live.name, live.private, live.name_servers, live=True)
            else:
                zone = _Zone(key, name, False, None)
            self.zones[key] = zone
            self.ordered.append(zone)
        return zone

    def _live_zone(self, key: str, name: str) -> HostedZone | None:
        """The collected zone a literal id names, or the one zone a literal name names (CloudFormation
        refuses `HostedZoneName` when several zones have the name: there is then none to pick)."""
        if not name:
            return next((zone for zone in self.live_zones if zone.id == key), None)
        named = [zone for zone in self.live_zones if zone.name == name]
        return named[0] if len(named) == 1 else None

    def _zone(self, resource: IacResource, by_id: object, by_name: object = None) -> _Zone:
        """The zone a record names: a zone of the document, or one outside it."""
        target = self.graph.target(by_id)
        if target is not None and target.type in ZONE_TYPES:
            return self.zones[target.address]
        if isinstance(by_id, str) and by_id:
            return self._outside(by_id.removeprefix("/hostedzone/"), "")
        if isinstance(by_name, str) and by_name:
            name = normalise_name(by_name)
            for zone in self.zones.values():
                if zone.name == name and not zone.private:
                    return zone
            return self._outside(name, name)
        unknown = _unknown(by_id if by_id is not None else by_name, f"{resource.address}.zone")
        return self._outside(unknown.attribute, "")

    # --- records -------------------------------------------------------------------------------------

    def _records(self, resource: IacResource) -> Iterator[_Record]:
        values = resource.values
        if resource.type == "aws_route53_record":
            yield self._terraform_record(resource)
            return
        zone = self._zone(resource, values.get("HostedZoneId"), values.get("HostedZoneName"))
        if resource.type == "AWS::Route53::RecordSet":
            yield self._cloudformation_record(resource, values, zone, "")
            return
        sets = values.get("RecordSets")
        if not isinstance(sets, list):
            yield self._malformed(resource, zone, "RecordSets", sets, "a list of record sets")
            return
        for index, entry in enumerate(sets):
            if isinstance(entry, Mapping):
                own = entry.get("HostedZoneId"), entry.get("HostedZoneName")
                entry_zone = self._zone(resource, *own) if any(own) else zone
                yield self._cloudformation_record(resource, entry, entry_zone, f"RecordSets[{index}].")
            else:
                yield self._malformed(resource, zone, f"RecordSets[{index}]", entry, "a record set")

    def _malformed(self, resource: IacResource, zone: _Zone, key: str, value: object, what: str) -> _Record:
        """A record set the document gives as something else (or left to deployment): judged under the
        resource's address and the attribute, UNKNOWN for what it is (malformed: a rule error)."""
        attribute = f"{resource.address}.{key}"
        unknown = (
            _unknown(value, attribute)
            if isinstance(value, Unknown | Ref)
            else Unknown(attribute, f"not {what} ({type(value).__name__} {value!r:.40})", MALFORMED_VALUE)
        )
        kind = "(malformed)" if unknown.code == MALFORMED_VALUE else "(known after apply)"
        return _Record(resource, zone, name=attribute.lower(), type=kind, unknown=[unknown])

    def _terraform_record(self, resource: IacResource) -> _Record:
        values = resource.values
        zone = self._zone(resource, values.get("zone_id"))
        record = self._identity(
            resource, zone, values.get("name"), values.get("type"), values.get("set_identifier"), ""
        )
        named = isinstance(values.get("name"), str)
        if named and zone.name and not record.name.endswith(zone.name):  # the provider's expandRecordName
            record.name = f"{record.name}.{zone.name}" if record.name else zone.name
        self._values(record, values.get("records"), f"{resource.address}.records")
        alias = values.get("alias")
        if isinstance(alias, list) and alias:
            self._alias(record, alias[0], "name", "zone_id", f"{resource.address}.alias[0]")
        elif alias is not None and not isinstance(alias, list):
            record.unknown.append(_unknown(alias, f"{resource.address}.alias"))
        return record

    def _cloudformation_record(
        self, resource: IacResource, values: Mapping[str, Any], zone: _Zone, where: str
    ) -> _Record:
        record = self._identity(
            resource, zone, values.get("Name"), values.get("Type"), values.get("SetIdentifier"), where
        )
        self._values(record, values.get("ResourceRecords"), f"{resource.address}.{where}ResourceRecords")
        alias = values.get("AliasTarget")
        if alias is not None:
            self._alias(record, alias, "DNSName", "HostedZoneId", f"{resource.address}.{where}AliasTarget")
        return record

    def _identity(
        self, resource: IacResource, zone: _Zone, name: object, kind: object, set_id: object, where: str
    ) -> _Record:
        unknown: list[Unknown] = []
        if not isinstance(name, str):
            unknown.append(_unknown(name, f"{resource.address}.{where}name"))
        if not isinstance(kind, str) or not kind:
            unknown.append(_unknown(kind, f"{resource.address}.{where}type"))
        if set_id is not None and not isinstance(set_id, str):
            unknown.append(_unknown(set_id, f"{resource.address}.{where}set_identifier"))
        return _Record(
            resource,
            zone,
            name=normalise_name(name) if isinstance(name, str) else resource.address,
            type=kind.upper() if isinstance(kind, str) and kind else "(known after apply)",
            set_identifier=set_id if isinstance(set_id, str) and set_id else None,
            unknown=unknown,
        )

    def _values(self, record: _Record, raw: object, attribute: str) -> None:
        if raw is None:
            return
        if isinstance(raw, Ref):
            self._linked(record, raw, attribute)
            return
        if not isinstance(raw, list):
            record.unknown.append(_unknown(raw, attribute))
            return
        for index, value in enumerate(raw):
            if isinstance(value, str):
                keep = value.strip().rstrip(".") if record.type in ("CNAME", "NS") else value.strip()
                record.values.append(keep.lower() if record.type in ("CNAME", "NS") else keep)
            elif isinstance(value, Ref):
                self._linked(record, value, f"{attribute}[{index}]")
            else:
                record.unknown.append(_unknown(value, f"{attribute}[{index}]"))

    def _alias(self, record: _Record, alias: object, name_key: str, zone_key: str, attribute: str) -> None:
        if not isinstance(alias, Mapping):
            record.unknown.append(_unknown(alias, attribute))
            return
        name, zone = alias.get(name_key), alias.get(zone_key)
        if isinstance(name, str) and name:
            record.alias_target = normalise_name(name)
        elif isinstance(name, Ref) and self.graph.target(name) is not None:
            record.alias_target = self._placeholder(record, name)
        else:
            record.unknown.append(_unknown(name, f"{attribute}.{name_key}"))
        target = self.graph.target(zone)
        if target is not None and target.type in ZONE_TYPES:
            record.alias_zone = self.zones[target.address].id
        elif isinstance(zone, str) and zone:
            record.alias_zone = zone.removeprefix("/hostedzone/")

    def _linked(self, record: _Record, link: Ref, attribute: str) -> None:
        if self.graph.target(link) is None:
            record.unknown.append(link.unknown())
            return
        record.values.append(self._placeholder(record, link))

    def _placeholder(self, record: _Record, link: Ref) -> str:
        """The target a link stands for, entered in the inventory when the document then holds it."""
        target = self.graph.target(link)
        assert target is not None
        record.attached.append(target.address)
        if target.type in S3_TYPES:
            return f"s3-website-{target.region}.amazonaws.com" if target.region else "s3.amazonaws.com"
        expression = placeholder(f"{link.address}.{link.attribute}" if link.attribute else link.address)
        holding = HOLDINGS.get(target.type)
        if holding is not None:
            self.holdings[holding].append(expression)
        elif target.type in ZONE_TYPES:
            zone = self.zones[target.address]
            if zone.name_servers is None:
                zone.name_servers = (expression,)
        return expression

    def _known_holdings(self) -> None:
        for resource in self.graph.of_type(*KNOWN_NAMES):
            value = resource.values.get(KNOWN_NAMES[resource.type])
            if isinstance(value, str) and value:
                self.holdings[HOLDINGS[resource.type]].append(normalise_name(value))

    def _add(self, record: _Record) -> None:
        snapshot = RecordSet(
            zone_id=record.zone.id,
            name=record.name,
            type=record.type,
            set_identifier=record.set_identifier,
            values=tuple(record.values),
            alias_target=record.alias_target,
            alias_zone=record.alias_zone,
        )
        self.draft.records.append(snapshot)
        self.draft.replaced.add(("record", snapshot.record_id))
        for unknown in record.unknown:
            self.draft.unknown(
                "route53", "ListResourceRecordSets", GLOBAL_REGION, unknown, snapshot.record_id
            )
        annotation = Annotation(record.resource.address, record.resource.location)
        annotation.attached.extend(dict.fromkeys(record.attached))
        self.draft.annotations[(FINDING_TYPE, snapshot.record_id)] = annotation

    # --- what a plan changes in the live account --------------------------------------------------------

    def _retire_before(self) -> None:
        """Mark the live zones and records a Terraform plan updates, replaces or deletes, by the values
        they have before (`before`): a deleted one is gone from the account, and one whose identity
        changes (a record renamed: a replacement) no longer exists under its old id."""
        for resource in self.graph.document.resources:
            before = resource.before
            if resource.action in (Action.CREATE, Action.NO_OP) or not isinstance(before, Mapping):
                continue
            if resource.type == "aws_route53_zone":
                zone_id = before.get("zone_id")
                if isinstance(zone_id, str) and zone_id:
                    self.draft.replaced.add(("zone", zone_id))
            elif resource.type == "aws_route53_record":
                record_id = self._record_id_before(before)
                if record_id is not None:
                    self.draft.replaced.add(("record", record_id))
            elif resource.type in KNOWN_NAMES:
                self._retire_held(resource, before)

    def _retire_held(self, resource: IacResource, before: Mapping[str, Any]) -> None:
        """A load balancer, distribution, environment, API or Elastic IP the plan deletes, replaces (a
        new one gets a new name) or renames leaves the live inventory under its old name (`before`), so
        that a record still pointing at it is judged dangling. An Elastic IP released leaves the
        addresses of the interfaces it was associated with too."""
        key = KNOWN_NAMES[resource.type]
        old, new = before.get(key), resource.values.get(key)
        if not isinstance(old, str) or not old:
            return
        if resource.action is Action.UPDATE and (not isinstance(new, str) or new == old):
            return  # unchanged, or left to apply: not known to go
        held = HOLDINGS[resource.type]
        for field_name in (held, "interface_ips") if held == "elastic_ips" else (held,):
            self.draft.removed_inventory.add((field_name, inventory_key(old)))

    def _record_id_before(self, before: Mapping[str, Any]) -> str | None:
        zone_id, name, kind, set_id = (
            before.get(key) for key in ("zone_id", "name", "type", "set_identifier")
        )
        if not (isinstance(zone_id, str) and zone_id and isinstance(name, str) and isinstance(kind, str)):
            return None
        zone_id = zone_id.removeprefix("/hostedzone/")
        known = self.zones.get(zone_id) or next((z for z in self.live_zones if z.id == zone_id), None)
        zone_name = known.name if known is not None else ""
        record_name = normalise_name(name)
        if zone_name and not record_name.endswith(zone_name):  # the provider's expandRecordName
            record_name = f"{record_name}.{zone_name}" if record_name else zone_name
        kept = RecordSet(
            zone_id=zone_id,
            name=record_name,
            type=kind.upper(),
            set_identifier=set_id if isinstance(set_id, str) and set_id else None,
        )
        return kept.record_id


def translate(graph: Graph, draft: Draft) -> None:
    """Adds the document's zones and record sets, and the inventory its records may point at."""
    _Translation(graph, draft).run()
    note_unlisted_buckets(draft)  # a record's bucket missing from the documents' is not dangling


def _strings(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, str) for item in value)


def _names(values: object) -> tuple[str, ...]:
    assert isinstance(values, list)
    return tuple(normalise_name(value) for value in values)


def _unknown(value: object, attribute: str) -> Unknown:
    if isinstance(value, Ref):
        return value.unknown()
    if isinstance(value, Unknown):
        return value
    if value is None:
        return Unknown(attribute, "not set in the document (it is required)", MALFORMED_VALUE)
    return Unknown(
        attribute, f"not a value Route53 accepts ({type(value).__name__} {value!r:.40})", MALFORMED_VALUE
    )
