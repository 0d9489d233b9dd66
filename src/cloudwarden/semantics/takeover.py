"""Third-party services where an abandoned name can be claimed by anyone (subdomain takeover).

The fingerprints are the project's own data file (`takeover_fingerprints.json`), from public
knowledge of how each service behaves when a name points at it but no customer has claimed it:
whether NXDOMAIN means the name is free, which page and status it answers, and whether the service
makes a claimant prove they own the domain.
"""

from __future__ import annotations

import fnmatch
import functools
import json
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Service:
    name: str
    cname_patterns: tuple[str, ...]
    nxdomain_claimable: bool
    http_fingerprints: tuple[str, ...]
    http_status: int | None
    verifies_ownership: bool


@functools.cache
def services() -> tuple[Service, ...]:
    raw = json.loads(
        resources.files("cloudwarden.semantics").joinpath("takeover_fingerprints.json").read_text()
    )
    return tuple(
        Service(
            name=str(entry["service"]),
            cname_patterns=tuple(str(pattern).lower() for pattern in entry["cname_patterns"]),
            nxdomain_claimable=bool(entry["nxdomain_claimable"]),
            http_fingerprints=tuple(str(text) for text in entry.get("http_fingerprints", ())),
            http_status=entry.get("http_status"),
            verifies_ownership=bool(entry.get("verifies_ownership", False)),
        )
        for entry in raw["services"]
    )


def match_service(target: str) -> Service | None:
    """The service whose names `target` belongs to (case-insensitive, final dot ignored)."""
    name = target.strip().lower().rstrip(".")
    for service in services():
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in service.cname_patterns):
            return service
    return None
