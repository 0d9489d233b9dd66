"""Fixer of `sg-no-internal-all-ports`: revokes the all-ports inbound rules from groups, and every
inbound rule of a default group, that its finding names, each by its exact permission (see
`security_group_fix`)."""

from __future__ import annotations

from cloudwarden.rules.security_group_fix import revoking_fixer
from cloudwarden.rules.sg_no_internal_all_ports import SG_NO_INTERNAL_ALL_PORTS
from cloudwarden.semantics.network import Direction

SG_NO_INTERNAL_ALL_PORTS_FIX = revoking_fixer(
    SG_NO_INTERNAL_ALL_PORTS.id,
    Direction.INGRESS,
    summary=(
        "Revokes each inbound rule that opens every port to a security group, and each inbound rule of a "
        "default group (a group reference, a CIDR, or a prefix list reference), by its exact permission. "
        "A default group's rule for one entry of a prefix list is left to a person."
    ),
)
