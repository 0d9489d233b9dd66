"""Rule `route53-no-dangling-records`: is every public record's target still held by us (this account,
another scanned account, or a trusted one)?"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cloudwarden.findings import Resource, Severity, Status, UnknownCause
from cloudwarden.ruledoc import Example
from cloudwarden.rules.base import Rule, RuleContext, Verdict, account_resource, cause_of, unknown_because
from cloudwarden.semantics.dns import (
    AwsRanges,
    Target,
    TargetKind,
    classify_target,
    is_placeholder,
    is_private_or_reserved,
)
from cloudwarden.semantics.inventory import Held, Holder, address_key, zone_key
from cloudwarden.semantics.takeover import match_service
from cloudwarden.snapshot import (
    AccountSnapshot,
    ApiError,
    Collection,
    HostedZone,
    LiveCheck,
    RecordSet,
    Route53Data,
)

JUDGED_TYPES = frozenset({"A", "AAAA", "CNAME", "NS"})


@dataclass(frozen=True)
class _Outcome:
    status: Status
    message: str
    severity: Severity | None = None
    evidence: dict[str, Any] | None = None
    unknown_cause: UnknownCause = UnknownCause.FAILED_CALL


def _pass(message: str, **evidence: Any) -> _Outcome:
    return _Outcome(Status.PASS, message, evidence=evidence)


def _fail(message: str, severity: Severity, **evidence: Any) -> _Outcome:
    return _Outcome(Status.FAIL, message, severity, evidence)


def _unknown(message: str, **evidence: Any) -> _Outcome:
    """UNKNOWN because something could not be read (a failed call, a failed live check)."""
    return _Outcome(Status.UNKNOWN, message, evidence=evidence)


def _unchecked(message: str, **evidence: Any) -> _Outcome:
    """UNKNOWN because the scan was set up not to find out (live checks off, no AWS ranges file)."""
    return _Outcome(Status.UNKNOWN, message, evidence=evidence, unknown_cause=UnknownCause.NOT_CHECKED)


def _undecidable(message: str, **evidence: Any) -> _Outcome:
    """UNKNOWN because the record itself cannot decide it: every read succeeded."""
    return _Outcome(Status.UNKNOWN, message, evidence=evidence, unknown_cause=UnknownCause.UNDECIDABLE)


def _not_in_document(what: str, evidence: dict[str, Any]) -> _Outcome:
    """A plan or template that does not hold the target: the live account might (never a FAIL)."""
    return _unchecked(
        f"{what} is not in this document and the live account is not visible (give --snapshot)", **evidence
    )


_PLANNED_KINDS = (
    ("load_balancers", "a load balancer"),
    ("beanstalk_cnames", "an Elastic Beanstalk environment"),
    ("api_ids", "an API Gateway API or domain name"),
    ("elastic_ips", "an Elastic IP"),
)


_INVENTORIES = ("load_balancers", "distributions", "beanstalk_cnames", "api_ids", "elastic_ips")
"""What a target a document leaves to apply may be held by (`iac.dns` enters the documents' there)."""


def _planned_holdings(data: Route53Data) -> dict[str, str]:
    """What a plan or template holds, by name (or by the expression that will give it at apply)."""
    held: dict[str, str] = {}
    for field, what in _PLANNED_KINDS:
        held.update((name, what) for name in getattr(data, field) or ())
    distributions = data.distributions or ()
    held.update((distribution.domain_name, "a CloudFront distribution") for distribution in distributions)
    return held


def _left_to_apply(record: RecordSet, unknown: tuple[ApiError, ...]) -> _Outcome:
    """A record whose name, type or values a document leaves to deployment."""
    return _Outcome(
        Status.UNKNOWN,
        unknown_because(unknown, f"the record {record.name}"),
        evidence={"unknown": [error.describe() for error in unknown]},
        unknown_cause=cause_of(unknown),
    )


def _accounts(accounts: tuple[str, ...]) -> str:
    named = ", ".join(accounts[:5])
    return named + (f" and {len(accounts) - 5} more" if len(accounts) > 5 else "")


class _Judge:
    """The account's own inventory, and the judgement of one record set at a time."""

    def __init__(self, account: AccountSnapshot, data: Route53Data, context: RuleContext) -> None:
        self.account = account
        self.errors = context.errors(account)
        self.data = data
        self.inventory = context.inventory
        self.trusted_unscanned = tuple(
            trusted
            for trusted in context.config.route53.trusted_accounts
            if trusted != account.account_id and trusted not in self.inventory.scanned
        )
        self.ownership = {entry.bucket: entry for entry in data.bucket_ownership}
        buckets = account.s3.buckets
        self.buckets = None if buckets is None else frozenset(bucket.name for bucket in buckets)
        self.all_buckets = buckets is not None and not (
            account.live_context and self.errors.errors_for("s3", "ListBuckets")
        )
        """Whether `buckets` is every bucket of the account: laid over a collected account whose buckets
        could not be listed (`iac --snapshot`), it holds the documents' buckets only."""
        ips = None
        if data.elastic_ips is not None and data.interface_ips is not None:
            ips = frozenset(address_key(ip) for ip in (*data.elastic_ips, *data.interface_ips))
        self.ips = ips
        # Built once for every account of the evaluation: they all carry the same published ranges, each
        # its own copy when the snapshot was read from JSON (hence keyed on their value).
        ranges = data.aws_ranges
        self.ranges = None if ranges is None else context.per_evaluation.by_value(AwsRanges, ranges)
        self.zones_by_name: dict[str, list[HostedZone]] = {}
        for zone in data.zones:
            if not zone.private:  # a private zone of the same name (split horizon) answers no one outside
                self.zones_by_name.setdefault(zone.name, []).append(zone)
        self.zone_ids = frozenset(zone.id for zone in data.zones)
        self.live = {check.record: check for check in data.live} if data.live is not None else None
        self.planned = _planned_holdings(data) if account.partial else {}
        self.overlay = account.partial and account.live_context
        """A plan laid over the collected account (`iac --snapshot`): its records are judged as live
        ones, but a target a document leaves to apply is no DNS name, and a live check of the
        snapshot is about the target the record had when it was collected."""

    def probed(self, record: RecordSet, targets: frozenset[str]) -> LiveCheck | None:
        """The live check of `record`, when it probed `targets` (the CNAME target, or the delegated
        name servers). In a live scan the check was made of the record as collected; laid over it, a
        record a document changes may point elsewhere, and a check of its old target says nothing."""
        check = self.live.get(record.record_id) if self.live is not None else None
        if check is not None and self.overlay and frozenset(check.target.split(",")) != targets:
            return None
        return check

    def _not_probed(self) -> str:
        """What to do when no live check judged a takeover-prone target."""
        if self.overlay and self.live is not None:
            return (
                "the snapshot's live checks did not probe this target (the plan sets it): scan with --live "
                "once deployed"
            )
        return "enable live checks (--live)"

    def _missing(self, what: str, calls: tuple[tuple[str, str | None], ...]) -> str:
        """Why `what` is unknown: the failed calls among `calls` (service, operation or None for any)."""
        errors = tuple(
            error
            for service, operation in calls
            for error in (
                self.errors.errors_for(service, operation) if operation else self.errors.errors_for(service)
            )
        )
        return unknown_because(errors, what)

    def elsewhere(self, kind: Held, key: str) -> Holder | None:
        """The other scanned account that holds `key`, if any."""
        holder = self.inventory.holder(kind, key)
        return None if holder is None or holder.account == self.account.account_id else holder

    def unseen(
        self, kind: Held, what: str, evidence: dict[str, Any], zone: str | None = None
    ) -> _Outcome | None:
        """Why a target no scanned account was seen to hold is not yet dangling: an account whose `what`
        could not be read, or a trusted account that is not scanned. None when neither."""
        unread = self.inventory.unread_besides(kind, self.account.account_id, zone)
        if unread:
            return _unknown(
                f"no scanned account whose {what} could be read holds it, and the {what} of "
                f"{_accounts(unread)} could not be read",
                unread_accounts=list(unread),
                **evidence,
            )
        if self.trusted_unscanned:
            return _unchecked(
                f"no scanned account holds it, but {_accounts(self.trusted_unscanned)} "
                "(route53.trusted_accounts) are not scanned and might: scan them to judge it",
                trusted_accounts=list(self.trusted_unscanned),
                **evidence,
            )
        return None

    def record(self, record: RecordSet, zone: HostedZone) -> _Outcome | None:
        if record.type not in JUDGED_TYPES:
            return None
        if record.type == "NS":
            return None if record.name == zone.name else self.delegation(record)
        if record.alias_target:
            if record.alias_zone in self.zone_ids:
                return _pass(
                    "alias to a record of this account's own hosted zone", target=record.alias_target
                )
            return self.name(record, record.alias_target)
        if record.type == "CNAME":
            return (
                self.name(record, record.values[0])
                if record.values
                else _undecidable("the CNAME has no value")
            )
        if not record.values:
            return _undecidable(
                "the record has no value (a traffic policy record?): its targets are not known"
            )
        return self.addresses(record.values)

    # --- a plan or template (a partial snapshot): what the document holds, else not decided here ------

    def planned_record(self, record: RecordSet, zone: HostedZone) -> _Outcome | None:
        """A record of a plan or template: passes when the document holds its target; UNKNOWN (not
        checked) when the target is not in the document; never FAIL, since the rest of the account is
        not in view. Judgements that need no inventory (third-party services, private addresses) are
        the live ones."""
        unknown = self.errors.errors_for("route53", resource=record.record_id)
        if record.type not in JUDGED_TYPES and not unknown:
            return None
        if unknown:
            return _left_to_apply(record, unknown)
        if record.type == "NS":
            return None if record.name == zone.name else self.planned_delegation(record)
        if record.alias_target:
            if record.alias_zone in self.zone_ids:
                return _pass(
                    "alias to a record of a hosted zone of this document", target=record.alias_target
                )
            return self.planned_name(record, record.alias_target)
        if record.type == "CNAME":
            if not record.values:
                return _undecidable("the CNAME has no value")
            return self.planned_name(record, record.values[0])
        if not record.values:
            return _undecidable(
                "the record has no value (a traffic policy record?): its targets are not known"
            )
        return self.planned_addresses(record.values)

    # --- a plan laid over the collected account (`iac --snapshot`): judged as live ---------------------

    def overlaid_record(self, record: RecordSet, zone: HostedZone) -> _Outcome | None:
        """A record of a plan or template laid over the collected account: judged as a live scan judges
        it, against the documents' resources and the account's own inventory together (a target
        neither holds is dangling, as live). Only what deployment decides stays UNKNOWN: a value left
        to apply, or a target that links to a resource of a document holding no name the rule reads."""
        unknown = self.errors.errors_for("route53", resource=record.record_id)
        if unknown:
            return _left_to_apply(record, unknown)
        return self.record(record, zone)

    def linked(self, name: str, evidence: dict[str, Any]) -> _Outcome:
        """A target a document leaves to apply (`${aws_lb.web.dns_name}`): held when a document's
        resource gives it, else decided only at apply."""
        held = self.planned.get(name)
        if held is not None:
            return _pass(f"points at {held} this document creates", **evidence)
        unread = [field for field in _INVENTORIES if getattr(self.data, field) is None]
        if unread:  # a document's own additions are not kept in an inventory that could not be read
            return _unknown(
                f"the target {name} is known only after apply, and whether a resource of the documents "
                f"gives it is not known: the account's {', '.join(unread)} could not be read",
                **evidence,
            )
        return _Outcome(
            Status.UNKNOWN,
            f"the target {name} is known only after apply, and it is not the name of a load balancer, "
            "distribution, environment, API, Elastic IP or hosted zone of the documents",
            evidence=evidence,
            unknown_cause=UnknownCause.KNOWN_AFTER_APPLY,
        )

    def overlaid_delegation(self, record: RecordSet) -> _Outcome:
        """A delegation to a zone of a document whose name servers are left to apply."""
        servers = sorted(record.values)
        zones = self.zones_by_name.get(record.name, [])
        if any(zone.name_servers is not None and sorted(zone.name_servers) == servers for zone in zones):
            return _pass(
                "delegated to a hosted zone this document creates, with its name servers",
                name_servers=servers,
            )
        linked = next(server for server in servers if is_placeholder(server))
        return self.linked(linked, {"name_servers": servers})

    def planned_name(self, record: RecordSet, name: str) -> _Outcome:
        held = self.planned.get(name)
        if held is not None:
            return _pass(f"points at {held} this document creates", target=name)
        if is_placeholder(name):  # a resource of the document that holds no name for the record
            return _not_in_document("the target", {"target": name})
        target = classify_target(name)
        evidence = {"target": target.name, "target_kind": target.kind.value}
        match target.kind:
            case TargetKind.S3_WEBSITE | TargetKind.S3_REST:
                evidence["bucket_served"] = record.name
                if self.buckets is not None and record.name in self.buckets:
                    return _pass(
                        f"S3 serves the bucket named {record.name}, which this document creates", **evidence
                    )
                return _not_in_document(f"S3 serves the bucket named {record.name}, which", evidence)
            case (
                TargetKind.LOAD_BALANCER
                | TargetKind.CLOUDFRONT
                | TargetKind.BEANSTALK
                | TargetKind.API_GATEWAY
            ):
                key = target.detail if target.kind is TargetKind.API_GATEWAY else target.name
                held = self.planned.get((key or "").removeprefix("dualstack."))
                if held is not None:
                    return _pass(f"points at {held} this document creates", **evidence)
                return _not_in_document("the target", evidence)
            case TargetKind.EC2_HOST:
                return self.planned_addresses((target.detail or "",), evidence)
            case TargetKind.OTHER_AWS:
                return self.name(record, name)  # undecidable from the record alone, as in a live scan
        return self.third_party(record, target, evidence)

    def planned_addresses(self, values: tuple[str, ...], evidence: dict[str, Any] | None = None) -> _Outcome:
        evidence = dict(evidence or {})
        evidence["addresses"] = list(values)
        for value in values:
            if value in self.planned or address_key(value) in self.planned:
                continue
            if is_placeholder(value):
                return _not_in_document(f"the address {value}", evidence)
            private = is_private_or_reserved(value)
            if private:
                continue
            if private is not None and self.ranges is not None and not self.ranges.contains(value):
                continue
            return _not_in_document(f"the address {value}", evidence)
        return _pass(
            "every address is private, reserved, outside AWS, or an Elastic IP this document creates",
            **evidence,
        )

    def planned_delegation(self, record: RecordSet) -> _Outcome:
        servers = sorted(record.values)
        zones = self.zones_by_name.get(record.name, [])
        if any(zone.name_servers is not None and sorted(zone.name_servers) == servers for zone in zones):
            return _pass(
                "delegated to a hosted zone this document creates, with its name servers",
                name_servers=servers,
            )
        if any("awsdns" in server or is_placeholder(server) for server in servers):
            return _not_in_document("the delegated zone", {"name_servers": servers})
        return self.delegation(record)  # third-party name servers: the live checks decide, as in a scan

    def name(self, record: RecordSet, name: str) -> _Outcome:
        if self.overlay and is_placeholder(name):
            return self.linked(name, {"target": name})
        target = classify_target(name)
        evidence = {"target": target.name, "target_kind": target.kind.value}
        match target.kind:
            case TargetKind.S3_WEBSITE | TargetKind.S3_REST:
                return self.bucket(record, evidence)
            case TargetKind.BEANSTALK:
                return self.beanstalk(target, evidence)
            case TargetKind.CLOUDFRONT:
                owned = self.data.distributions
                names = None if owned is None else {d.domain_name for d in owned}
                return self.owned_or_stale(
                    target.name,
                    names,
                    "CloudFront distribution",
                    evidence,
                    ("cloudfront",),
                    Held.DISTRIBUTION,
                )
            case TargetKind.LOAD_BALANCER:
                name_only = target.name.removeprefix("dualstack.")
                return self.owned_or_stale(
                    name_only,
                    self.data.load_balancers,
                    "load balancer",
                    evidence,
                    ("elb", "elbv2"),
                    Held.LOAD_BALANCER,
                )
            case TargetKind.API_GATEWAY:
                return self.owned_or_stale(
                    target.detail or "",
                    self.data.api_ids,
                    "API",
                    evidence,
                    ("apigateway", "apigatewayv2"),
                    Held.API,
                )
            case TargetKind.EC2_HOST:
                return self.addresses((target.detail or "",), evidence)
            case TargetKind.OTHER_AWS:
                return _undecidable(
                    f"{target.name} is an AWS name of a service whose resources cloudwarden does not "
                    "inventory: confirm it still belongs to this account",
                    **evidence,
                )
        return self.third_party(record, target, evidence)

    def bucket(self, record: RecordSet, evidence: dict[str, Any]) -> _Outcome:
        name = record.name
        evidence["bucket_served"] = name
        if self.buckets is not None and name in self.buckets:
            return _pass(f"S3 serves the bucket named {name}, which this account owns", **evidence)
        holder = self.elsewhere(Held.BUCKET, name)
        if holder is not None:
            return _pass(
                f"S3 serves the bucket named {name}, which {holder.describe()}, another scanned account, "
                "owns",
                held_by=holder.evidence(),
                **evidence,
            )
        ownership = self.ownership.get(name)
        if ownership is not None and ownership.exists is False:
            return _fail(
                f"S3 serves the bucket named by the Host header, {name}, and no such bucket exists: anyone "
                "can create it and serve content under this name",
                Severity.HIGH,
                **evidence,
            )
        if ownership is not None and ownership.confirmed_owner is not None:
            return _pass(
                f"S3 serves the bucket named {name}, which S3 confirms the trusted account "
                f"{ownership.confirmed_owner} owns",
                held_by={"account": ownership.confirmed_owner, "region": None},
                **evidence,
            )
        if not self.all_buckets:
            return _unknown(self._missing("the account's buckets", (("s3", "ListBuckets"),)), **evidence)
        unseen = self.unseen(Held.BUCKET, "buckets", evidence)
        if unseen is not None and unseen.unknown_cause is UnknownCause.FAILED_CALL:
            return unseen
        # No bucket can be named like a wildcard record: S3 was not asked, and no account can own it.
        if self.trusted_unscanned and not name.startswith("*"):
            failed = self.errors.errors_for("s3", "HeadBucket", resource=name)
            if failed:
                return _unknown(unknown_because(failed, f"the owner of {name}"), **evidence)
            refused = ownership.refused if ownership is not None else ()
            unasked = tuple(trusted for trusted in self.trusted_unscanned if trusted not in refused)
            if unasked:
                return _unchecked(
                    f"whether {_accounts(unasked)} (route53.trusted_accounts) own {name} was not asked of "
                    "S3: collect again with this configuration",
                    **evidence,
                )
            # 403 is S3's answer both to "another owner" and to "you may not ask" (HeadBucket needs
            # s3:ListBucket on the bucket, which a website bucket rarely grants to other accounts):
            # the bucket exists and its owner is unknown, so it is not dangling for certain.
            return _unknown(
                f"S3 refused to say whether {_accounts(refused)} (route53.trusted_accounts) own {name} "
                "(HeadBucket with ExpectedBucketOwner answered 403: another owner, or no s3:ListBucket "
                "on the bucket for this account)",
                owner_check_refused=list(refused),
                **evidence,
            )
        return _fail(
            f"S3 serves the bucket named by the Host header, {name}, and no scanned or trusted account owns "
            "such a bucket: anyone can create it and serve content under this name",
            Severity.HIGH,
            **evidence,
        )

    def beanstalk(self, target: Target, evidence: dict[str, Any]) -> _Outcome:
        owned = self.data.beanstalk_cnames
        if owned is not None and target.name in owned:
            return _pass(f"{target.name} is an Elastic Beanstalk environment of this account", **evidence)
        holder = self.elsewhere(Held.BEANSTALK, target.name)
        if holder is not None:
            return _pass(
                f"{target.name} is an Elastic Beanstalk environment of {holder.describe()}, another scanned "
                "account",
                held_by=holder.evidence(),
                **evidence,
            )
        if target.detail is None:  # a generated eba- name: only AWS hands those out
            return self.owned_or_stale(
                target.name,
                owned,
                "Elastic Beanstalk environment",
                evidence,
                ("elasticbeanstalk",),
                Held.BEANSTALK,
            )
        available = self.data.beanstalk_available.get(target.name)
        if available:
            return _fail(
                f"{target.name} belongs to no environment and is available: anyone can create an Elastic "
                "Beanstalk environment with that name",
                Severity.HIGH,
                **evidence,
            )
        if owned is None or available is None:
            return _unknown(
                self._missing(
                    f"whether {target.name} is ours or free",
                    (
                        ("elasticbeanstalk", "DescribeEnvironments"),
                        ("elasticbeanstalk", "CheckDNSAvailability"),
                    ),
                ),
                **evidence,
            )
        return _pass(
            f"{target.name} is not this account's, but another account holds it, so it cannot be claimed "
            "now; remove the record if it is no longer used",
            **evidence,
        )

    def owned_or_stale(
        self,
        name: str,
        owned: frozenset[str] | tuple[str, ...] | set[str] | None,
        what: str,
        evidence: dict[str, Any],
        services: tuple[str, ...],
        kind: Held,
    ) -> _Outcome:
        if owned is not None and name in owned:
            return _pass(f"points at a {what} of this account", **evidence)
        holder = self.elsewhere(kind, name)
        if holder is not None:
            return _pass(
                f"points at a {what} of {holder.describe()}, another scanned account",
                held_by=holder.evidence(),
                **evidence,
            )
        if owned is None:
            calls = tuple((service, None) for service in services)
            return _unknown(self._missing(f"the account's {what}s", calls), **evidence)
        unseen = self.unseen(kind, f"{what}s", evidence)
        if unseen is not None:
            return unseen
        return _fail(
            f"points at a {what} no scanned account holds; its name cannot be claimed by another account, "
            "so the record is stale: remove it",
            Severity.LOW,
            **evidence,
        )

    def addresses(self, values: tuple[str, ...], evidence: dict[str, Any] | None = None) -> _Outcome:
        evidence = dict(evidence or {})
        evidence["addresses"] = list(values)
        outside: list[str] = []
        held: list[tuple[str, Holder]] = []
        for value in values:
            if self.overlay and is_placeholder(value):
                if value in self.planned:
                    continue  # an Elastic IP of a document
                return self.linked(value, evidence)
            private = is_private_or_reserved(value)
            if private is None:
                return _undecidable(f"{value!r} is not an IP address", **evidence)
            if private:
                continue
            if self.ranges is None:
                return _unchecked(
                    "AWS's address ranges are unknown (set route53.aws_ip_ranges_file): cannot tell whether "
                    f"{value} is an AWS address",
                    **evidence,
                )
            if not self.ranges.contains(value):
                outside.append(value)
                continue
            key = address_key(value)
            if self.ips is not None and key in self.ips:
                continue
            holder = self.elsewhere(Held.ADDRESS, key)
            if holder is not None:
                held.append((value, holder))
                continue
            if self.ips is None:
                return _unknown(
                    self._missing(
                        "the account's public addresses",
                        (("ec2", "DescribeAddresses"), ("ec2", "DescribeNetworkInterfaces")),
                    ),
                    **evidence,
                )
            unseen = self.unseen(Held.ADDRESS, "public addresses", evidence | {"address": value})
            if unseen is not None:
                return unseen
            return _fail(
                f"{value} is an AWS address no scanned account holds: whoever is given it next serves "
                "this name",
                Severity.HIGH,
                **evidence,
            )
        if held:
            evidence["held_by"] = [{"address": value, **holder.evidence()} for value, holder in held]
            holders = "; ".join(f"{value} by {holder.describe()}" for value, holder in held)
            return _pass(f"AWS addresses held by another scanned account: {holders}", **evidence)
        if outside:
            return _pass("the addresses are outside AWS (not an AWS leftover)", **evidence)
        return _pass("every address is private, reserved, or held by this account", **evidence)

    def delegation(self, record: RecordSet) -> _Outcome:
        if self.overlay and any(is_placeholder(value) for value in record.values):
            return self.overlaid_delegation(record)
        servers = sorted(value.lower().rstrip(".") for value in record.values)
        evidence: dict[str, Any] = {"name_servers": servers}
        if any("awsdns" in server for server in servers):
            zones = self.zones_by_name.get(record.name, [])
            if any(sorted(zone.name_servers or ()) == servers for zone in zones):
                return _pass(
                    "delegated to a hosted zone of this account with exactly these name servers", **evidence
                )
            holder = self.elsewhere(Held.ZONE, zone_key(record.name, servers))
            if holder is not None:
                return _pass(
                    f"delegated to the hosted zone {record.name} of {holder.describe()}, another scanned "
                    "account, with exactly these name servers",
                    held_by=holder.evidence(),
                    **evidence,
                )
            if any(zone.name_servers is None for zone in zones):
                return _unknown(
                    self._missing(
                        "the name servers of this account's zones", (("route53", "GetHostedZone"),)
                    ),
                    **evidence,
                )
            unseen = self.unseen(Held.ZONE, "hosted zones", evidence, zone=record.name)
            if unseen is not None:
                return unseen
            return _fail(
                "delegated to Route53 name servers of a zone no scanned account owns: anyone can create a "
                "hosted zone of that name and may be given these servers",
                Severity.HIGH,
                **evidence,
            )
        check = self.probed(record, frozenset(servers))
        if check is not None:
            if check.error and check.delegation_refused is None:
                return _unknown(f"live check failed: {check.error}", **evidence)
            if check.delegation_refused:
                return _fail(
                    "delegated to third-party name servers that all refuse the zone: whoever registers it "
                    "there controls this name",
                    Severity.HIGH,
                    **evidence,
                )
            return _pass("third-party delegation answered by its name servers", **evidence)
        return _unchecked(
            f"delegated to third-party name servers: {self._not_probed()} to verify that they still serve "
            "this zone",
            **evidence,
        )

    def third_party(self, record: RecordSet, target: Target, evidence: dict[str, Any]) -> _Outcome:
        service = match_service(target.name)
        if service is None:
            return _pass("the target is not an AWS resource or a known takeover-prone service", **evidence)
        evidence["service"] = service.service
        check = self.probed(record, frozenset({target.name}))
        if check is None:
            return _unchecked(
                f"{target.name} is a {service.service} name, a service where abandoned names can be taken "
                f"over: {self._not_probed()} to verify it is still claimed",
                **evidence,
            )
        evidence |= {"nxdomain": check.nxdomain, "http_status": check.http_status}
        severity = Severity.MEDIUM if service.verifies_ownership else Severity.HIGH
        if check.fingerprint_matched:
            return _fail(
                f"{service.service} answers with its page for an unclaimed name: anyone can claim it",
                severity,
                **evidence,
            )
        if check.nxdomain and service.nxdomain_claimable:
            return _fail(
                f"{target.name} does not exist (NXDOMAIN): anyone can claim it on {service.service}",
                severity,
                **evidence,
            )
        if check.error:
            return _unknown(f"live check failed: {check.error}", **evidence)
        return _pass(f"{service.service} serves this name", **evidence)


def check_dangling_records(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    data = account.route53
    if data is None:
        yield Verdict(
            Status.UNKNOWN, account_resource(account.account_id), "DNS data is missing from the snapshot"
        )
        return
    errors = context.errors(account)
    listing = errors.errors_for("route53", "ListHostedZones")
    if listing:
        yield Verdict(
            Status.UNKNOWN, account_resource(account.account_id), unknown_because(listing, "the hosted zones")
        )
        if account.live_context:
            yield from _unlisted_zones(data, listing)
        return
    judge = _Judge(account, data, context)
    zones = {zone.id: zone for zone in data.zones if not zone.private}
    for public_zone in zones.values():
        failures = errors.errors_for("route53", "ListResourceRecordSets", resource=public_zone.id)
        if failures:
            resource = Resource(type="AWS::Route53::HostedZone", id=public_zone.id, name=public_zone.name)
            yield Verdict(
                Status.UNKNOWN, resource, unknown_because(failures, f"the records of {public_zone.name}")
            )
    for record in data.records:
        zone = zones.get(record.zone_id)
        if zone is None:
            continue
        if judge.overlay:
            outcome = judge.overlaid_record(record, zone)
        elif account.partial:
            outcome = judge.planned_record(record, zone)
        else:
            outcome = judge.record(record, zone)
        if outcome is None:
            continue
        resource = Resource(type="AWS::Route53::RecordSet", id=record.record_id, name=record.name)
        evidence = {"zone": zone.name, "type": record.type, **(outcome.evidence or {})}
        if outcome.status is Status.FAIL:
            evidence |= _deletion_evidence(record, account)
        yield Verdict(
            outcome.status,
            resource,
            outcome.message,
            evidence=evidence,
            severity=outcome.severity,
            unknown_cause=outcome.unknown_cause,
        )


def _deletion_evidence(record: RecordSet, account: AccountSnapshot) -> dict[str, Any]:
    """What deleting the record set takes (`cloudwarden fix`): its hosted zone's id, and the record set
    exactly as ListResourceRecordSets gave it, where the scan read them (a zone a plan or template creates
    is known by its address only)."""
    evidence: dict[str, Any] = {}
    if record.listed is not None or not account.partial:
        evidence["zone_id"] = record.zone_id
    if record.listed is not None:
        evidence["record_set"] = record.listed
    return evidence


def _unlisted_zones(data: Route53Data, listing: tuple[ApiError, ...]) -> Iterator[Verdict]:
    """A plan laid over an account whose hosted zones could not be listed: the records are the
    documents' only, and none can be judged against zones that are not known (an alias to one of
    them, a delegation to a zone of the account), so each is UNKNOWN rather than left unreported."""
    public = {zone.id: zone for zone in data.zones if not zone.private}
    for record in data.records:
        zone = public.get(record.zone_id)
        if (
            zone is None
            or record.type not in JUDGED_TYPES
            or (record.type == "NS" and record.name == zone.name)
        ):
            continue
        yield Verdict(
            Status.UNKNOWN,
            Resource(type="AWS::Route53::RecordSet", id=record.record_id, name=record.name),
            unknown_because(listing, "the account's hosted zones"),
            evidence={"zone": zone.name, "type": record.type},
        )


ROUTE53_NO_DANGLING_RECORDS = Rule(
    id="route53-no-dangling-records",
    section="Route53",
    guideline=(
        "Do not leave DNS records in Route53 that resolve to third party services which you are no "
        "longer using"
    ),
    audited_upstream=False,
    severity=Severity.HIGH,
    resource_type="AWS::Route53::RecordSet",
    summary=(
        "Whether each record set of a public hosted zone still points at something we hold, one finding per "
        "judged record set (A, AAAA, CNAME and alias records, NS delegations below the apex; TXT, MX, SOA, "
        'the apex NS and private zones are not judged). "Does it answer?" is the wrong question: a target '
        "already taken over answers 200. So the target is compared with what is ours: the inventory of the "
        "account that holds the zone, then that of every other scanned account (DNS in one account, what it "
        "points at in others); a target another scanned account holds passes, naming it. By kind of target: "
        "S3 serves the bucket named by the record name (the Host header), which must be a bucket we own, or "
        "one S3 confirms a `route53.trusted_accounts` account owns (`HeadBucket` with `ExpectedBucketOwner`, "
        "asked at collection); an Elastic Beanstalk name is ours, reserved by someone else, or free "
        "(`CheckDNSAvailability`); CloudFront, load balancer, API Gateway and generated Elastic Beanstalk "
        "names cannot be claimed by another account, so a record to one we no longer hold is only stale "
        "(low); an A/AAAA value or EC2 host name inside AWS's published ranges "
        "(`route53.aws_ip_ranges_file`) must be an address we hold; a delegation to Route53 (`awsdns`) name "
        "servers must reach a zone of that name with exactly those servers; a CNAME to a takeover-prone "
        "third-party service (GitHub Pages, Heroku, Azure...) is judged by live checks (`--live`). A target "
        "no scanned account holds is not yet dangling while another scanned account's inventory of that kind "
        "could not be read, or while a trusted account that is not scanned might hold it."
    ),
    passes=(
        "The target is held by this account or another scanned account (the message names it): the bucket "
        "named like the record, the Elastic Beanstalk environment, the CloudFront distribution, load "
        "balancer or API, the address (Elastic IP or public address of a network interface), the hosted zone "
        "with exactly the delegated name servers; or S3 confirms a trusted account owns the bucket. Also: an "
        "alias to a record of the account's own zones; addresses that are private, reserved or outside AWS's "
        "ranges; an Elastic Beanstalk name another account reserves (with a note to remove the record if "
        "unused); a name that is neither AWS's nor a known takeover-prone service's; a third-party site or "
        "delegation that live checks find serving the name."
    ),
    fails=(
        "High: S3 serves a bucket named like the record that no scanned or trusted account owns, or that "
        "does not exist (`HeadBucket` 404), including for a wildcard record whatever the trust list (no "
        "bucket can have its name); an Elastic Beanstalk name that is available; an AWS address no scanned "
        "account holds; a delegation to Route53 name servers of no scanned account's zone of that name; a "
        "third-party delegation whose name servers all refuse the zone; a takeover-prone service that "
        "answers with its page for an unclaimed name, or whose name does not exist (NXDOMAIN) where that "
        "means anyone can claim it (medium for services that verify ownership). Low: a CloudFront "
        "distribution, load balancer, API or generated Elastic Beanstalk name no scanned account holds (a "
        "stale record: remove it). From `iac`, only with `--snapshot` (the documents' records against the "
        "collected account): without it, the rest of the account is not in view and nothing FAILs. A FAIL "
        "also records what deleting the record set takes: `zone_id`, the hosted zone's id, and "
        "`record_set`, the record set exactly as `ListResourceRecordSets` gave it (name with its final "
        "dot, TTL, values or alias target, set identifier, weight...), each where the scan read it."
    ),
    unknown=(
        "For the account: DNS was not collected, or `ListHostedZones` failed. For a zone: its records could "
        "not be listed (`ListResourceRecordSets`); other zones are still judged. For a record, after a "
        "failed read: the account's inventory the target needs could not be read (`ListBuckets`, "
        "`DescribeAddresses` or `DescribeNetworkInterfaces`, `ListDistributions`, `DescribeLoadBalancers`, "
        "`DescribeEnvironments` for a name not known to be free, an unanswered `CheckDNSAvailability`, "
        "`GetRestApis`/`GetApis`, `GetHostedZone` for the delegated zone's name servers); another scanned "
        "account's inventory of that kind could not be read, or that account could not be entered; the "
        "`HeadBucket` owner check failed, or S3 refused it (403) for every trusted account not scanned; a "
        "live check failed. Not checked (the scan was set up not to find out): a trusted account that is not "
        "scanned might hold the target, or was never asked about the bucket; AWS's ranges are unknown (no "
        "`route53.aws_ip_ranges_file`) for a public address; live checks are off for a takeover-prone "
        "service or a third-party delegation. Undecidable from the record itself: a CNAME or A/AAAA record "
        "without value (a traffic policy record), a value that is not an IP address, an AWS name of a "
        "service cloudwarden does not inventory (RDS, Global Accelerator, App Runner, an Elastic Beanstalk "
        "name without region...). From `iac`: a value left to deployment (`known-after-apply`); without "
        "`--snapshot`, a target the document does not hold (`not-checked`); with it, what the collected "
        "account could not read, as above."
    ),
    rationale=(
        "A record that still points at a bucket, an environment, an address or a third-party site nobody "
        "owns any more lets whoever claims it serve content under the domain: phishing on a trusted name, "
        "domain-wide cookies, same-origin attacks."
    ),
    remediation=(
        "Delete the record, or claim the target back (create the bucket, the environment, reassociate the "
        "address) and keep it for as long as the record exists."
    ),
    permissions=(
        "route53:ListHostedZones",
        "route53:GetHostedZone",
        "route53:ListResourceRecordSets",
        "ec2:DescribeAddresses",
        "ec2:DescribeNetworkInterfaces",
        "cloudfront:ListDistributions",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticbeanstalk:DescribeEnvironments",
        "elasticbeanstalk:CheckDNSAvailability",
        "apigateway:GET",
        "s3:ListAllMyBuckets",
        "s3:ListBucket",
    ),
    needs=frozenset({Collection.ROUTE53, Collection.S3, Collection.EC2}),
    examples=(
        Example(
            Status.FAIL,
            "`assets.example.com` is a CNAME to an S3 website endpoint and no scanned or trusted account "
            "owns a bucket named `assets.example.com`: anyone can create it (high).",
        ),
        Example(
            Status.FAIL,
            "An A record points at `54.239.28.85`, an AWS address no scanned account holds (high).",
        ),
        Example(
            Status.FAIL,
            "A CNAME to a CloudFront distribution no scanned account holds: a stale record (low).",
        ),
        Example(
            Status.PASS,
            "An alias to a load balancer that another scanned account holds: the finding names that account.",
        ),
        Example(Status.UNKNOWN, "A CNAME to GitHub Pages, scanned without live checks (not checked)."),
        Example(
            Status.UNKNOWN,
            "A CNAME to S3 while the account's buckets could not be listed (`ListBuckets` denied).",
        ),
        Example(
            Status.PASS,
            "A plan's `aws_route53_record.www` aliases `aws_lb.web.dns_name`, a load balancer the same plan "
            "creates.",
        ),
        Example(
            Status.UNKNOWN,
            "A template's CNAME points at `legacy.example.net.s3-website-us-east-1.amazonaws.com` and the "
            "template creates no bucket of the record's name (not checked: give --snapshot).",
        ),
    ),
    iac=(
        "The record sets of `aws_route53_record`, `AWS::Route53::RecordSet` and "
        "`AWS::Route53::RecordSetGroup` in public zones (a zone of the document with `vpc` / `VPCs` is "
        "private; a zone outside it is taken as public), with the rule's record id (`<zone id>/<name>/"
        "<type>`, the zone id being the zone's address when the document creates it). The document "
        "decides only where it holds the target: a link to a load balancer, CloudFront distribution, "
        "Elastic Beanstalk environment, API Gateway API or domain name, Elastic IP or delegated hosted "
        "zone of the document, a known name of one, an alias to a record of a zone of the document, or an "
        "S3 endpoint serving a bucket of the document named like the record, passes. Judgements that "
        "need no inventory are the live ones (private or reserved addresses, names neither AWS's nor a "
        "takeover-prone service's, live checks off). Anything else is UNKNOWN (`not-checked`): the "
        "target is not in the document and the live account is not visible (give `--snapshot`); never "
        "FAIL. A name, type or value left to deployment (not a link) is UNKNOWN (`known-after-apply`) "
        "naming the attribute. With `--snapshot`, the documents' records are judged as a live scan judges "
        "them, against the documents' resources and the collected account's inventory together: a target "
        "the account holds passes, one neither holds FAILs (dangling or stale, as live), an inventory the "
        "collection could not read is UNKNOWN (`failed-call`), and a takeover-prone service is judged by the "
        "snapshot's live checks only when they probed the record's new target. A zone named by a literal "
        "id or name is the collected zone (its name completes relative record names); a record of the "
        "documents replaces the collected record of the same id, and a plan's deleted or renamed records "
        "are gone. A target that links to a resource of the documents holding no name the rule reads is "
        "UNKNOWN (`known-after-apply`); when the collected hosted zones could not be listed, every record "
        "of the documents is UNKNOWN (`failed-call`). Findings on records the documents do not touch are "
        "not reported (they are the live scan's)."
    ),
    check=check_dangling_records,
)
