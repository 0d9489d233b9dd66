"""Route 53 changes as `cloudwarden fix` makes them: a DELETE carries the record set exactly as listed, and
Route 53 refuses it (InvalidChangeBatch) when the record set is not so any more; a CREATE of the same
record set puts it back."""

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .test_route53 import CLOUDFRONT, S3_WEBSITE, alias, change, create, listed, plain, weighted


@pytest.fixture
def route53(emulator: Any) -> Any:
    return emulator.client("route53")


@pytest.fixture
def zone(route53: Any) -> str:
    """example.com with a plain record, an alias and two weighted records; `w.example.com`'s `blue`
    has a namesake identifier on `v.example.com`."""
    zone_id = create(route53, "example.com")
    change(
        route53,
        zone_id,
        "CREATE",
        plain("a.example.com", "A", "192.0.2.1", "192.0.2.2"),
        alias("static.example.com", S3_WEBSITE),
        weighted("blue", 10, "blue.example.net"),
        weighted("green", 20, "green.example.net"),
        plain("v.example.com", "CNAME", "blue.example.net", ttl=60, SetIdentifier="blue", Weight=10),
    )
    return zone_id


def as_listed(route53: Any, zone_id: str, name: str, identifier: str | None = None) -> dict[str, Any]:
    """The record set named `name` (and `identifier`), exactly as ListResourceRecordSets gives it."""
    (record_set,) = [
        rrset
        for rrset in listed(route53, zone_id)
        if rrset["Name"] == name and rrset.get("SetIdentifier") == identifier
    ]
    return record_set


def refusal(route53: Any, zone_id: str, action: str, *record_sets: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ClientError) as caught:
        change(route53, zone_id, action, *record_sets)
    error = caught.value.response["Error"]
    return {"Code": error["Code"], "Message": error["Message"]}


MISMATCH = "but the values provided do not match the current values"


@pytest.mark.parametrize(
    "stale",
    [
        pytest.param(plain("a.example.com.", "A", "192.0.2.1", "192.0.2.2", ttl=60), id="another-ttl"),
        pytest.param(plain("a.example.com.", "A", "192.0.2.1"), id="fewer-values"),
        pytest.param(plain("a.example.com.", "A", "192.0.2.1", "192.0.2.9"), id="another-value"),
    ],
)
def test_a_delete_whose_values_or_ttl_differ_from_the_record_is_refused(
    route53: Any, zone: str, stale: dict[str, Any]
) -> None:
    before = listed(route53, zone)

    assert refusal(route53, zone, "DELETE", stale) == {
        "Code": "InvalidChangeBatch",
        "Message": f"Tried to delete resource record set [name='a.example.com.', type='A'] {MISMATCH}",
    }
    assert listed(route53, zone) == before


def test_a_delete_with_the_values_a_record_had_before_an_upsert_is_refused(route53: Any, zone: str) -> None:
    scanned = as_listed(route53, zone, "a.example.com.")
    change(route53, zone, "UPSERT", plain("a.example.com", "A", "192.0.2.7"))

    assert refusal(route53, zone, "DELETE", scanned) == {
        "Code": "InvalidChangeBatch",
        "Message": f"Tried to delete resource record set [name='a.example.com.', type='A'] {MISMATCH}",
    }
    assert as_listed(route53, zone, "a.example.com.") == plain("a.example.com.", "A", "192.0.2.7")


def test_a_delete_of_an_alias_to_another_target_is_refused(route53: Any, zone: str) -> None:
    elsewhere = alias("static.example.com.", CLOUDFRONT)

    assert refusal(route53, zone, "DELETE", elsewhere) == {
        "Code": "InvalidChangeBatch",
        "Message": f"Tried to delete resource record set [name='static.example.com.', type='A'] {MISMATCH}",
    }
    assert as_listed(route53, zone, "static.example.com.")["AliasTarget"]["HostedZoneId"] == "Z3AQBSTGFYJSTF"


def test_a_delete_of_a_weighted_record_with_another_weight_is_refused(route53: Any, zone: str) -> None:
    heavier = weighted("blue", 90, "blue.example.net")

    assert refusal(route53, zone, "DELETE", heavier) == {
        "Code": "InvalidChangeBatch",
        "Message": "Tried to delete resource record set [name='w.example.com.', type='CNAME', "
        f"set-identifier='blue'] {MISMATCH}",
    }


def test_a_delete_of_a_record_set_already_deleted_is_refused(route53: Any, zone: str) -> None:
    scanned = as_listed(route53, zone, "a.example.com.")
    change(route53, zone, "DELETE", scanned)

    assert refusal(route53, zone, "DELETE", scanned) == {
        "Code": "InvalidChangeBatch",
        "Message": "Tried to delete resource record set [name='a.example.com.', type='A'] "
        "but it was not found",
    }


def test_a_create_of_a_record_set_that_exists_is_refused(route53: Any, zone: str) -> None:
    assert refusal(route53, zone, "CREATE", plain("a.example.com", "A", "192.0.2.3")) == {
        "Code": "InvalidChangeBatch",
        "Message": "Tried to create resource record set [name='a.example.com.', type='A'] "
        "but it already exists",
    }


def test_a_batch_with_one_refused_change_changes_nothing(route53: Any, zone: str) -> None:
    before = listed(route53, zone)
    exact = as_listed(route53, zone, "static.example.com.")

    refused = refusal(route53, zone, "DELETE", exact, plain("a.example.com.", "A", "192.0.2.1"))

    assert refused["Code"] == "InvalidChangeBatch"
    assert listed(route53, zone) == before


@pytest.mark.parametrize(
    ("name", "identifier"),
    [
        pytest.param("a.example.com.", None, id="plain"),
        pytest.param("static.example.com.", None, id="alias"),
        pytest.param("w.example.com.", "blue", id="weighted"),
    ],
)
def test_a_record_set_deleted_as_listed_is_created_back_as_it_was(
    route53: Any, zone: str, name: str, identifier: str | None
) -> None:
    before = listed(route53, zone)
    scanned = as_listed(route53, zone, name, identifier)

    change(route53, zone, "DELETE", scanned)
    gone = listed(route53, zone)
    change(route53, zone, "CREATE", scanned)

    assert gone == [rrset for rrset in before if rrset != scanned]
    assert listed(route53, zone) == before
