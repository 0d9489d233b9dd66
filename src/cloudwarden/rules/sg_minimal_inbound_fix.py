"""Fixer of `sg-minimal-inbound`: revokes the too-broad inbound rules its finding names, each by its
exact permission (see `security_group_fix`)."""

from __future__ import annotations

from cloudwarden.rules.security_group_fix import revoking_fixer
from cloudwarden.rules.sg_minimal_inbound import SG_MINIMAL_INBOUND
from cloudwarden.semantics.network import Direction

SG_MINIMAL_INBOUND_FIX = revoking_fixer(
    SG_MINIMAL_INBOUND.id,
    Direction.INGRESS,
    summary=(
        "Revokes each too-broad inbound rule from a CIDR by its exact permission (protocol, ports and that "
        "one CIDR: the other sources of the same permission stay). A rule for one entry of a prefix list, "
        "or toward a list whose entries are unknown, is left to a person."
    ),
)
