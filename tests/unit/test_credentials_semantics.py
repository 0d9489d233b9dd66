"""What the credential report's flags and last-use columns mean."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cloudwarden.semantics.credentials import (
    Flag,
    UnreadableValueError,
    parse_flag,
    parse_last_use,
    parse_timestamp,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", Flag.YES),
        ("TRUE", Flag.YES),
        (" true ", Flag.YES),
        ("false", Flag.NO),
        ("False", Flag.NO),
        ("not_supported", Flag.NOT_SUPPORTED),
        (None, Flag.UNREADABLE),
        ("", Flag.UNREADABLE),
        ("N/A", Flag.UNREADABLE),
        ("yes", Flag.UNREADABLE),
        ("1", Flag.UNREADABLE),
        ("tru", Flag.UNREADABLE),
    ],
)
def test_flag_column_values(value: str | None, expected: Flag) -> None:
    assert parse_flag(value) is expected


def test_last_use_with_utc_offset_is_an_aware_moment() -> None:
    use = parse_last_use("2025-06-12T12:00:00+00:00")
    assert use.when == datetime(2025, 6, 12, 12, 0, tzinfo=UTC)
    assert use.raw == "2025-06-12T12:00:00+00:00"


def test_last_use_with_z_suffix_is_utc() -> None:
    use = parse_last_use("2025-06-12T12:00:00Z")
    assert use.when == datetime(2025, 6, 12, 12, 0, tzinfo=UTC)
    assert use.when is not None
    assert use.when.utcoffset() == timedelta(0)


def test_last_use_with_another_offset_keeps_the_instant() -> None:
    use = parse_last_use("2025-06-12T14:00:00+02:00")
    assert use.when == datetime(2025, 6, 12, 12, 0, tzinfo=UTC)
    assert use.when is not None
    assert use.when.utcoffset() == timedelta(hours=2)


def test_last_use_without_offset_is_taken_as_utc() -> None:
    use = parse_last_use("2025-06-12T12:00:00")
    assert use.when == datetime(2025, 6, 12, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("placeholder", ["N/A", "no_information", "not_supported"])
def test_last_use_placeholders_mean_no_recorded_use(placeholder: str) -> None:
    use = parse_last_use(placeholder)
    assert use.when is None
    assert use.raw == placeholder


def test_missing_last_use_column_is_unreadable() -> None:
    with pytest.raises(UnreadableValueError, match="missing"):
        parse_last_use(None)


@pytest.mark.parametrize("garbage", ["yesterday", "", "2025-13-45T00:00:00+00:00", "n/a", "NO_INFORMATION"])
def test_garbage_last_use_is_unreadable_not_never_used(garbage: str) -> None:
    with pytest.raises(UnreadableValueError, match="not a timestamp"):
        parse_last_use(garbage)


def test_unreadable_value_is_a_value_error() -> None:
    assert issubclass(UnreadableValueError, ValueError)


def test_scan_timestamp_parses_like_report_timestamps() -> None:
    assert parse_timestamp("2025-06-15T12:00:00+00:00") == datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
