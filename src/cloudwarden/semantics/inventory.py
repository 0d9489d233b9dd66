"""What the scanned accounts hold, together: the answer to "is this target ours?" in an organisation.

Companies keep DNS in one account and what it points at in others, so a record's target is ours when
any scanned account holds it, not only the account of its zone. The engine builds this inventory
once per snapshot, in one pass over its accounts, and hands it to every rule: lookups are then one
dictionary access, and a 1,000-account organisation costs the sum of its accounts, not their square.

An account whose inventory of a kind could not be read, or was not collected (a scan of a few rules),
is remembered as unread for that kind: a target found nowhere else may be that account's, so rules
must not call it dangling. Security groups are kept by id too: a rule may point at another account's
group (a central NSM proxy).
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cloudwarden.snapshot import AccountSnapshot, Collection, SecurityGroup


class Held(enum.StrEnum):
    """The kinds of things a record can point at, as the inventory indexes them."""

    ADDRESS = "address"
    """A public address (Elastic IP, or the public address of a network interface)."""
    BUCKET = "bucket"
    DISTRIBUTION = "distribution"
    """A CloudFront distribution's domain name."""
    LOAD_BALANCER = "load-balancer"
    """A classic or v2 load balancer's DNS name, without `dualstack.`."""
    API = "api"
    """An API Gateway REST or HTTP API id."""
    BEANSTALK = "beanstalk"
    """An Elastic Beanstalk environment's CNAME."""
    ZONE = "zone"
    """A public hosted zone: its name and exactly its name servers (see `zone_key`)."""


def address_key(text: str) -> str:
    """One spelling per address: Route53 keeps AAAA values as written, EC2 compresses them. A valid
    IPv4 address has one spelling already (leading zeros are refused), so only IPv6 is parsed: the
    organisation's inventory holds every public address of every account."""
    text = text.strip()
    if ":" not in text:
        return text.lower()
    try:
        return ipaddress.ip_address(text).compressed
    except ValueError:
        return text.lower()


def zone_key(name: str, name_servers: Iterable[str]) -> str:
    """A delegation reaches a zone only if the name and the whole set of name servers match."""
    return " ".join((name, *sorted(name_servers)))


@dataclass(frozen=True, slots=True)
class Holder:
    """The scanned account that holds a target, and its region when the inventory knows it."""

    account: str
    region: str | None = None

    def describe(self) -> str:
        return f"account {self.account}" + (f" ({self.region})" if self.region else "")

    def evidence(self) -> dict[str, Any]:
        return {"account": self.account, "region": self.region}


class OrganisationInventory:
    """Every scanned account's holdings by kind and key, and per kind the accounts that could not be
    read. Built once (`of`); read-only afterwards."""

    def __init__(
        self,
        holders: Mapping[Held, Mapping[str, Holder]],
        unread: Mapping[Held, tuple[str, ...]],
        unread_zones: Mapping[str, tuple[str, ...]],
        scanned: frozenset[str],
        security_groups: Mapping[str, SecurityGroup],
    ) -> None:
        self._holders = holders
        self._unread = unread
        self._unread_sets = {kind: frozenset(accounts) for kind, accounts in unread.items()}
        self._unread_zones = unread_zones
        self._security_groups = security_groups
        self.scanned = scanned
        """Every account of the snapshot, read or not."""

    @classmethod
    def of(cls, accounts: Iterable[AccountSnapshot]) -> OrganisationInventory:
        """One pass over the accounts; the first account to hold a key keeps it."""
        holders: dict[Held, dict[str, Holder]] = {kind: {} for kind in Held}
        unread: dict[Held, set[str]] = {kind: set() for kind in Held}
        unread_zones: dict[str, set[str]] = {}
        scanned: set[str] = set()
        security_groups: dict[str, SecurityGroup] = {}
        for account in accounts:
            scanned.add(account.account_id)
            _index(account, holders, unread, unread_zones)
            if account.ec2 is not None and Collection.EC2 in account.collected:
                security_groups.update((group.id, group) for group in account.ec2.security_groups)
        return cls(
            holders,
            {kind: tuple(sorted(accounts)) for kind, accounts in unread.items()},
            {name: tuple(sorted(accounts)) for name, accounts in unread_zones.items()},
            frozenset(scanned),
            security_groups,
        )

    def holder(self, kind: Held, key: str) -> Holder | None:
        return self._holders.get(kind, {}).get(key)

    def security_group(self, group_id: str) -> SecurityGroup | None:
        """A security group of any scanned account (a rule may name another account's group)."""
        return self._security_groups.get(group_id)

    def unread_besides(self, kind: Held, account_id: str, zone: str | None = None) -> tuple[str, ...]:
        """The accounts other than `account_id` whose holdings of `kind` (for ZONE: whose zones named
        `zone`) could not be read, in order. Sorted once when built: every record that no account
        holds asks, and many accounts may be unread."""
        accounts = self._unread.get(kind, ())
        among = account_id in self._unread_sets.get(kind, ())
        if zone is not None and zone in self._unread_zones:
            accounts = tuple(sorted({*accounts, *self._unread_zones[zone]}))
            among = account_id in accounts
        if among:  # rare: a rule asks only once its own account's holdings were read
            accounts = tuple(account for account in accounts if account != account_id)
        return accounts


NO_INVENTORY = OrganisationInventory({}, {}, {}, frozenset(), {})
"""No other scanned account: each account is judged on its own holdings (a rule run by hand)."""


def _index(
    account: AccountSnapshot,
    holders: dict[Held, dict[str, Holder]],
    unread: dict[Held, set[str]],
    unread_zones: dict[str, set[str]],
) -> None:
    account_id = account.account_id
    by_region: dict[str | None, Holder] = {}

    def hold(kind: Held, keys: Iterable[str] | None, region: str | None = None) -> None:
        if keys is None:
            unread[kind].add(account_id)
            return
        holder = by_region.get(region) or by_region.setdefault(region, Holder(account_id, region))
        table = holders[kind]
        for key in keys:
            if key not in table:
                table[key] = holder

    collected = account.collected
    buckets = account.s3.buckets if Collection.S3 in collected else None
    if buckets is None:
        unread[Held.BUCKET].add(account_id)
    else:
        for bucket in buckets:
            hold(Held.BUCKET, (bucket.name,), bucket.region)
    if Collection.EC2 not in collected:  # the public addresses of its interfaces are unknown
        unread[Held.ADDRESS].add(account_id)
    # Interfaces first: they know their region, the Elastic IP list does not.
    for interface in account.ec2.network_interfaces if account.ec2 is not None else ():
        hold(Held.ADDRESS, (address_key(ip) for ip in interface.public_ips), interface.region)
    data = account.route53 if Collection.ROUTE53 in collected else None
    if data is None:
        for kind in (
            Held.ADDRESS,
            Held.DISTRIBUTION,
            Held.LOAD_BALANCER,
            Held.API,
            Held.BEANSTALK,
            Held.ZONE,
        ):
            unread[kind].add(account_id)
        return
    hold(Held.ADDRESS, None if data.elastic_ips is None else (address_key(ip) for ip in data.elastic_ips))
    hold(Held.ADDRESS, None if data.interface_ips is None else (address_key(ip) for ip in data.interface_ips))
    distributions = data.distributions
    hold(Held.DISTRIBUTION, None if distributions is None else (d.domain_name for d in distributions))
    hold(Held.LOAD_BALANCER, data.load_balancers)
    hold(Held.API, data.api_ids)
    hold(Held.BEANSTALK, data.beanstalk_cnames)
    if account.errors_for("route53", "ListHostedZones"):
        unread[Held.ZONE].add(account_id)
    for zone in data.zones:
        if zone.private:  # a private zone answers no one outside its VPCs
            continue
        if zone.name_servers is None:
            unread_zones.setdefault(zone.name, set()).add(account_id)
        else:
            hold(Held.ZONE, (zone_key(zone.name, zone.name_servers),))
