"""What a trail's event selectors record: management write events, judged by their conditions.

Classic selectors say it directly (IncludeManagementEvents with ReadWriteType All or WriteOnly).
Advanced selectors are judged by their field conditions and never by their name: eventCategory
Equals Management, a readOnly condition that lets write events through, and no other narrowing than
the exclusion of event sources.
"""

from __future__ import annotations

import pytest

from cloudwarden.semantics.cloudtrail import Coverage, management_write_coverage
from cloudwarden.snapshot import AdvancedEventSelector, EventSelectors, FieldSelector

from .builders import advanced_selector, classic_selector, field_selector, management_category


def advanced(*selectors: AdvancedEventSelector) -> Coverage:
    return management_write_coverage(EventSelectors(advanced=selectors))


def management(*conditions: FieldSelector, name: str | None = None) -> Coverage:
    """The coverage of one advanced selector: eventCategory = Management plus `conditions`."""
    return advanced(advanced_selector(management_category(), *conditions, name=name))


# --- classic selectors ------------------------------------------------------------------------------


@pytest.mark.parametrize("read_write_type", ["All", "WriteOnly"])
def test_classic_selector_with_management_events_and_writes_records(read_write_type: str) -> None:
    coverage = management_write_coverage(EventSelectors(classic=(classic_selector(read_write_type),)))
    assert coverage == Coverage(True, f"event selector 0: management events, {read_write_type}")


def test_classic_read_only_selector_does_not_record_writes() -> None:
    coverage = management_write_coverage(EventSelectors(classic=(classic_selector("ReadOnly"),)))
    assert coverage == Coverage(False, "no event selector includes management write events")


@pytest.mark.parametrize("read_write_type", ["All", "WriteOnly"])
def test_classic_selector_excluding_management_events_does_not_record(read_write_type: str) -> None:
    selectors = EventSelectors(classic=(classic_selector(read_write_type, management=False),))
    assert management_write_coverage(selectors) == Coverage(
        False, "no event selector includes management write events"
    )


def test_trail_without_any_selector_records_nothing() -> None:
    assert management_write_coverage(EventSelectors()) == Coverage(False, "the trail has no event selector")


def test_second_classic_selector_that_records_writes_is_enough() -> None:
    selectors = EventSelectors(
        classic=(classic_selector("ReadOnly"), classic_selector("All", management=False), classic_selector())
    )
    assert management_write_coverage(selectors) == Coverage(True, "event selector 2: management events, All")


# --- advanced selectors: the management category and readOnly --------------------------------------


def test_advanced_selector_of_the_management_category_records() -> None:
    assert management() == Coverage(True, "advanced selector 0: management write events")


def test_advanced_management_selector_of_write_events_records() -> None:
    coverage = management(field_selector("readOnly", equals=["false"]))
    assert coverage == Coverage(True, "advanced selector 0: management write events")


def test_advanced_management_selector_of_read_only_events_does_not_record() -> None:
    coverage = management(field_selector("readOnly", equals=["true"]))
    assert coverage == Coverage(False, "advanced selector 0: records read-only management events only")


def test_advanced_selector_excluding_read_only_events_records() -> None:
    coverage = management(field_selector("readOnly", not_equals=["true"]))
    assert coverage == Coverage(True, "advanced selector 0: management write events")


def test_advanced_selector_excluding_write_events_does_not_record() -> None:
    coverage = management(field_selector("readOnly", not_equals=["false"]))
    assert coverage == Coverage(False, "advanced selector 0: records read-only management events only")


def test_advanced_selector_of_data_events_only_does_not_record() -> None:
    coverage = advanced(
        advanced_selector(
            field_selector("eventCategory", equals=["Data"]),
            field_selector("resources.type", equals=["AWS::S3::Object"]),
        )
    )
    assert coverage == Coverage(False, "advanced selector 0: does not select eventCategory = Management")


def test_advanced_selector_without_an_event_category_does_not_record() -> None:
    coverage = advanced(advanced_selector(field_selector("readOnly", equals=["false"])))
    assert coverage == Coverage(False, "advanced selector 0: does not select eventCategory = Management")


def test_selector_named_management_events_that_selects_data_events_does_not_record() -> None:
    coverage = advanced(
        advanced_selector(
            field_selector("eventCategory", equals=["Data"]),
            field_selector("resources.type", equals=["AWS::S3::Object"]),
            name="Management events",
        )
    )
    assert coverage.records_management_writes is False
    assert coverage.explanation == "advanced selector 0: does not select eventCategory = Management"


def test_selector_name_does_not_matter_to_a_management_selector() -> None:
    coverage = management(name="S3 data events of the payments bucket")
    assert coverage == Coverage(True, "advanced selector 0: management write events")


# --- advanced selectors: event sources and other narrowing ------------------------------------------


def test_management_selector_excluding_kms_records_and_names_the_exclusion() -> None:
    coverage = management(field_selector("eventSource", not_equals=["kms.amazonaws.com"]))
    assert coverage == Coverage(
        True, "advanced selector 0: management write events (excludes kms.amazonaws.com)"
    )


def test_management_selector_excluding_several_sources_lists_them_all() -> None:
    coverage = management(
        field_selector("eventSource", not_equals=["kms.amazonaws.com", "rdsdata.amazonaws.com"]),
        field_selector("readOnly", equals=["false"]),
    )
    assert coverage == Coverage(
        True,
        "advanced selector 0: management write events (excludes kms.amazonaws.com, rdsdata.amazonaws.com)",
    )


def test_management_selector_excluding_sources_by_prefix_records() -> None:
    coverage = management(field_selector("eventSource", not_starts_with=["kms."]))
    assert coverage == Coverage(True, "advanced selector 0: management write events (excludes kms.*)")


def test_management_selector_of_one_event_source_records_only_part() -> None:
    coverage = management(field_selector("eventSource", equals=["s3.amazonaws.com"]))
    assert coverage == Coverage(
        False, "advanced selector 0: records the management events of some event sources only"
    )


@pytest.mark.parametrize("operator", ["starts_with", "ends_with"])
def test_management_selector_of_event_sources_matching_a_pattern_records_only_part(operator: str) -> None:
    source = field_selector("eventSource", **{operator: ["iam"]})
    assert management(source) == Coverage(
        False, "advanced selector 0: records the management events of some event sources only"
    )


@pytest.mark.parametrize(
    "condition",
    [
        field_selector("eventName", equals=["CreateUser", "DeleteUser"]),
        field_selector("eventName", not_equals=["ConsoleLogin"]),
        field_selector("resources.type", equals=["AWS::IAM::User"]),
    ],
    ids=["eventName-equals", "eventName-not-equals", "resources.type"],
)
def test_management_selector_narrowed_by_another_field_does_not_record(condition: FieldSelector) -> None:
    coverage = management(condition)
    assert coverage == Coverage(False, f"advanced selector 0: narrowed by {condition.field}")


def test_narrowing_fields_are_all_named() -> None:
    coverage = management(
        field_selector("resources.type", equals=["AWS::IAM::User"]),
        field_selector("eventName", equals=["CreateUser"]),
    )
    assert coverage == Coverage(False, "advanced selector 0: narrowed by eventName, resources.type")


# --- several selectors, letter case ------------------------------------------------------------------


def test_second_advanced_selector_that_records_is_enough() -> None:
    coverage = advanced(
        advanced_selector(
            field_selector("eventCategory", equals=["Data"]),
            field_selector("resources.type", equals=["AWS::S3::Object"]),
            name="Management events",
        ),
        advanced_selector(management_category(), field_selector("readOnly", equals=["false"])),
    )
    assert coverage == Coverage(True, "advanced selector 1: management write events")


def test_no_advanced_selector_recording_explains_each_one() -> None:
    coverage = advanced(
        advanced_selector(field_selector("eventCategory", equals=["Data"])),
        advanced_selector(management_category(), field_selector("readOnly", equals=["true"])),
    )
    assert coverage == Coverage(
        False,
        "advanced selector 0: does not select eventCategory = Management; "
        "advanced selector 1: records read-only management events only",
    )


def test_advanced_selectors_decide_over_classic_ones() -> None:
    selectors = EventSelectors(
        classic=(classic_selector("All"),),
        advanced=(advanced_selector(field_selector("eventCategory", equals=["Data"])),),
    )
    assert management_write_coverage(selectors).records_management_writes is False


@pytest.mark.parametrize(
    ("category", "read_only", "source"),
    [
        ("eventcategory", "readonly", "eventsource"),
        ("EVENTCATEGORY", "READONLY", "EVENTSOURCE"),
        ("EventCategory", "ReadOnly", "EventSource"),
    ],
)
def test_field_names_are_read_in_any_letter_case(category: str, read_only: str, source: str) -> None:
    coverage = advanced(
        advanced_selector(
            field_selector(category, equals=["Management"]),
            field_selector(read_only, equals=["false"]),
            field_selector(source, not_equals=["kms.amazonaws.com"]),
        )
    )
    assert coverage == Coverage(
        True, "advanced selector 0: management write events (excludes kms.amazonaws.com)"
    )


@pytest.mark.parametrize("read_only", ["readonly", "READONLY"])
def test_read_only_condition_in_another_letter_case_still_limits(read_only: str) -> None:
    coverage = management(field_selector(read_only, equals=["true"]))
    assert coverage == Coverage(False, "advanced selector 0: records read-only management events only")


def test_event_source_restriction_in_another_letter_case_still_limits() -> None:
    coverage = management(field_selector("EventSource", equals=["s3.amazonaws.com"]))
    assert coverage.records_management_writes is False
