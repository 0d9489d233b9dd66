"""Reading AWS's published address ranges (`route53.aws_ip_ranges_file`); their meaning is in
`semantics.dns`."""

from __future__ import annotations

from pathlib import Path

from cloudwarden.inputs import InputError, read_text
from cloudwarden.semantics.dns import parse_ip_ranges

_WHAT = "route53.aws_ip_ranges_file"


def load_aws_ranges(path: str | None) -> tuple[str, ...] | None:
    """The prefixes of the ip-ranges.json file at `path`, None without one; `InputError` when it cannot
    be read or is not in AWS's format. Read before any AWS call, so a bad file costs no scan."""
    if path is None:
        return None
    try:
        return parse_ip_ranges(read_text(Path(path), _WHAT))
    except (ValueError, KeyError, TypeError) as error:
        raise InputError(f"{_WHAT} {path} is not AWS's ip-ranges.json format: {error}") from error
