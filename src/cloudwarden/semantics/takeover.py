"""Third-party services where an abandoned name can be claimed by anyone (subdomain takeover).

The fingerprints are the project's own data file (`takeover_fingerprints.json`), from public
knowledge of how each service behaves when a name points at it but no customer has claimed it:
whether NXDOMAIN means the name is free, which page and status it answers, and whether the service
makes a claimant prove they own the domain. Rules use it to know which targets need live checks;
live checks use it to recognise an unclaimed page.
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import msgspec

from cloudwarden.semantics.dns import normalise_name

FINGERPRINTS_FILE = "takeover_fingerprints.json"


@dataclass(frozen=True)
class Fingerprint:
    """How one third-party service answers for a name that no customer of it has claimed."""

    service: str
    cname_patterns: tuple[str, ...]
    """Globs on target names, lower case without the final dot (`*.github.io`)."""
    nxdomain_claimable: bool
    """A target name that does not exist can be created again by anyone (customers choose the name)."""
    http_fingerprints: tuple[str, ...] = ()
    """Texts of the service's page for an unclaimed name; any one of them matches, ignoring case."""
    http_status: int | None = None
    """The status that page comes with, where the service is consistent about it."""
    verifies_ownership: bool = False
    """The service makes a new claimant prove control of the domain: the record is stale rather than
    open to anyone."""

    def matches(self, status: int, body: str) -> bool:
        """Whether a page is this service's page for an unclaimed name."""
        if self.http_status is not None and status != self.http_status:
            return False
        text = body.casefold()
        return any(fingerprint.casefold() in text for fingerprint in self.http_fingerprints)


@dataclass(frozen=True)
class _FingerprintFile:
    services: tuple[Fingerprint, ...]


@functools.cache
def load_fingerprints() -> tuple[Fingerprint, ...]:
    """The fingerprints shipped with cloudwarden (read once: they are data of the release, not settings)."""
    raw = resources.files("cloudwarden.semantics").joinpath(FINGERPRINTS_FILE).read_bytes()
    return msgspec.json.decode(raw, type=_FingerprintFile).services


def match_service(target: str, fingerprints: Sequence[Fingerprint] | None = None) -> Fingerprint | None:
    """The first service whose names `target` belongs to (case-insensitive, final dot ignored)."""
    name = normalise_name(target)
    for fingerprint in load_fingerprints() if fingerprints is None else fingerprints:
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in fingerprint.cname_patterns):
            return fingerprint
    return None
