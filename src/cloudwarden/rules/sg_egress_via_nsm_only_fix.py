"""Fixer of `sg-egress-via-nsm-only`: revokes the outbound internet rules its finding names, each by
its exact permission (see `security_group_fix`). The planner leaves the designated internet egress
groups out (`internet_egress_group` in the evidence).

Disruptive, as deactivating access keys is: whatever the group's instances reach on the internet
directly (package mirrors, AWS APIs without VPC endpoints, partners) stops until it goes through the
proxy, so these changes are planned only with `--include-disruptive`."""

from __future__ import annotations

from cloudwarden.rules.security_group_fix import revoking_fixer
from cloudwarden.rules.sg_egress_via_nsm_only import SG_EGRESS_VIA_NSM_ONLY
from cloudwarden.semantics.network import Direction

SG_EGRESS_VIA_NSM_ONLY_FIX = revoking_fixer(
    SG_EGRESS_VIA_NSM_ONLY.id,
    Direction.EGRESS,
    summary=(
        "Revokes each outbound rule to the internet (AWS's default all traffic to 0.0.0.0/0 included) by "
        "its exact permission, leaving the group's other outbound rules. A rule for one entry of a prefix "
        "list is left to a person. Disruptive: whatever the group's instances reach on the internet "
        "directly stops until it goes through the proxy (planned only with --include-disruptive)."
    ),
    disruptive=True,
)
