"""What the IAM credential report's values mean.

The report is CSV with AWS's own placeholders: `N/A` (not applicable: no such credential, or never
used), `no_information` (not used since AWS began tracking, October 2014), `not_supported` (the
column does not apply, e.g. `password_enabled` on the root row). A value that is none of these and
not a boolean or timestamp is *unreadable*: callers must treat it as unknown, never as "no".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime

from cloudwarden.inputs import quoted

ROOT_USER = "<root_account>"

NOT_APPLICABLE = "N/A"
NO_INFORMATION = "no_information"
NOT_SUPPORTED = "not_supported"


class Flag(enum.Enum):
    YES = "yes"
    NO = "no"
    NOT_SUPPORTED = "not_supported"
    UNREADABLE = "unreadable"


def parse_flag(value: str | None) -> Flag:
    """A `true`/`false` column; a missing column or an unexpected value is UNREADABLE."""
    if value is None:
        return Flag.UNREADABLE
    normalised = value.strip().lower()
    if normalised == "true":
        return Flag.YES
    if normalised == "false":
        return Flag.NO
    if normalised == NOT_SUPPORTED:
        return Flag.NOT_SUPPORTED
    return Flag.UNREADABLE


class UnreadableValueError(ValueError):
    """A value that is neither a timestamp nor one of AWS's placeholders."""


@dataclass(frozen=True)
class LastUse:
    """When a credential was last used: `when` is None when it never was (or not since 2014)."""

    when: datetime | None
    raw: str


def parse_last_use(value: str | None) -> LastUse:
    """A `*_last_used*` column. Raises UnreadableValueError for a missing column or an unexpected value."""
    if value is None:
        raise UnreadableValueError("column missing from the credential report")
    text = value.strip()
    if text in (NOT_APPLICABLE, NO_INFORMATION, NOT_SUPPORTED):
        return LastUse(when=None, raw=text)
    return LastUse(when=parse_timestamp(text), raw=text)


def parse_timestamp(text: str) -> datetime:
    """An ISO-8601 timestamp as AWS writes it (always aware, UTC when no offset is given)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as error:
        raise UnreadableValueError(f"not a timestamp: {quoted(text)}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
