"""The organisation's inventory: what every scanned account holds, and what could not be read."""

from __future__ import annotations

import msgspec

from cloudwarden.semantics.inventory import Held, Holder, OrganisationInventory, address_key, zone_key
from cloudwarden.snapshot import AccountSnapshot, IamData

from .builders import hosted_zone, network_interface, route53_account, route53_data

FIRST = "111122223333"
SECOND = "222233334444"


def test_an_address_has_one_spelling_whoever_wrote_it() -> None:
    assert address_key(" 2600:1F18:04A3:6900:0:0:0:1C ") == address_key("2600:1f18:4a3:6900::1c")
    assert address_key("54.239.28.85 ") == "54.239.28.85"


def test_a_zone_is_its_name_and_its_whole_set_of_name_servers_in_any_order() -> None:
    assert zone_key("dev.example.com", ["b.awsdns-2.net", "a.awsdns-1.com"]) == zone_key(
        "dev.example.com", ["a.awsdns-1.com", "b.awsdns-2.net"]
    )
    assert zone_key("dev.example.com", ["a.awsdns-1.com"]) != zone_key(
        "dev.example.com", ["a.awsdns-1.com", "b"]
    )


def test_holdings_of_every_account_with_the_region_where_known() -> None:
    interface = msgspec.structs.replace(
        network_interface("eni-1", region="eu-west-1"), public_ips=("54.239.1.1",)
    )
    first = route53_account(
        route53_data(elastic_ips=["54.239.9.9"], interface_ips=["54.239.1.1"], api_ids=["abc123"]),
        own_buckets=["assets"],
        account_id=FIRST,
        interfaces=[interface],
    )
    second = route53_account(
        route53_data(elastic_ips=["54.239.9.9"], load_balancers=["lb-1.eu-west-1.elb.amazonaws.com"]),
        account_id=SECOND,
    )
    inventory = OrganisationInventory.of((first, second))
    assert inventory.scanned == {FIRST, SECOND}
    assert inventory.holder(Held.ADDRESS, "54.239.1.1") == Holder(FIRST, "eu-west-1")
    assert inventory.holder(Held.ADDRESS, "54.239.9.9") == Holder(FIRST)  # the first to hold it keeps it
    assert inventory.holder(Held.BUCKET, "assets") == Holder(FIRST, "eu-west-1")
    assert inventory.holder(Held.LOAD_BALANCER, "lb-1.eu-west-1.elb.amazonaws.com") == Holder(SECOND)
    assert inventory.holder(Held.API, "abc123") == Holder(FIRST)
    assert inventory.holder(Held.DISTRIBUTION, "d1.cloudfront.net") is None
    assert all(inventory.unread_besides(kind, FIRST) == () for kind in Held)


def test_what_could_not_be_read_is_unread_for_every_other_account() -> None:
    unreadable = route53_account(
        route53_data(distributions=None, zones=[hosted_zone("dev.example.com", name_servers=None)]),
        own_buckets=None,
        account_id=SECOND,
    )
    unreachable = AccountSnapshot(account_id="333344445555", regions=(), iam=IamData(), unreachable="denied")
    inventory = OrganisationInventory.of((unreadable, unreachable))
    assert inventory.unread_besides(Held.BUCKET, FIRST) == (SECOND, "333344445555")
    assert inventory.unread_besides(Held.DISTRIBUTION, FIRST) == (SECOND, "333344445555")
    assert inventory.unread_besides(Held.ADDRESS, FIRST) == ("333344445555",)
    assert inventory.unread_besides(Held.ZONE, FIRST, zone="dev.example.com") == (SECOND, "333344445555")
    assert inventory.unread_besides(Held.ZONE, FIRST, zone="other.example.com") == ("333344445555",)
    assert inventory.unread_besides(Held.BUCKET, SECOND) == ("333344445555",)
