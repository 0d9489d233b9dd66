"""The registry of rules: one explicit, ordered table (the order of the guidelines document)."""

from __future__ import annotations

from collections.abc import Iterable

from cloudwarden.remedy import Fixer
from cloudwarden.ruledoc import RuleDoc
from cloudwarden.rules.base import Rule
from cloudwarden.rules.cloudtrail_segregated_storage import CLOUDTRAIL_SEGREGATED_STORAGE
from cloudwarden.rules.iam_user_mfa import IAM_USER_MFA
from cloudwarden.rules.iam_user_mfa_fix import IAM_USER_MFA_FIX
from cloudwarden.rules.root_mfa import ROOT_MFA
from cloudwarden.rules.root_no_access_keys import ROOT_NO_ACCESS_KEYS
from cloudwarden.rules.root_not_used import ROOT_NOT_USED
from cloudwarden.rules.root_strong_password import ROOT_STRONG_PASSWORD
from cloudwarden.rules.route53_no_dangling_records import ROUTE53_NO_DANGLING_RECORDS
from cloudwarden.rules.route53_no_dangling_records_fix import ROUTE53_NO_DANGLING_RECORDS_FIX
from cloudwarden.rules.s3_no_public_access import S3_NO_PUBLIC_ACCESS
from cloudwarden.rules.s3_no_public_access_fix import S3_NO_PUBLIC_ACCESS_FIX
from cloudwarden.rules.sg_egress_via_nsm_only import SG_EGRESS_VIA_NSM_ONLY
from cloudwarden.rules.sg_egress_via_nsm_only_fix import SG_EGRESS_VIA_NSM_ONLY_FIX
from cloudwarden.rules.sg_inbound_rules_only import SG_INBOUND_RULES_ONLY
from cloudwarden.rules.sg_minimal_inbound import SG_MINIMAL_INBOUND
from cloudwarden.rules.sg_minimal_inbound_fix import SG_MINIMAL_INBOUND_FIX
from cloudwarden.rules.sg_no_internal_all_ports import SG_NO_INTERNAL_ALL_PORTS
from cloudwarden.rules.sg_no_internal_all_ports_fix import SG_NO_INTERNAL_ALL_PORTS_FIX
from cloudwarden.snapshot import Collection

RULES: tuple[Rule, ...] = (
    ROOT_STRONG_PASSWORD,
    ROOT_MFA,
    IAM_USER_MFA,
    ROOT_NO_ACCESS_KEYS,
    ROOT_NOT_USED,
    CLOUDTRAIL_SEGREGATED_STORAGE,
    ROUTE53_NO_DANGLING_RECORDS,
    S3_NO_PUBLIC_ACCESS,
    SG_INBOUND_RULES_ONLY,
    SG_MINIMAL_INBOUND,
    SG_NO_INTERNAL_ALL_PORTS,
    SG_EGRESS_VIA_NSM_ONLY,
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}

MANUAL_RULE_IDS = frozenset(rule.id for rule in RULES if rule.can_be_manual)
"""The rules that may yield MANUAL: configuration may attest only these."""

RULE_IDS: tuple[str, ...] = tuple(rule.id for rule in RULES)
"""Every rule id, in the registry's order: the one list configuration, the CLI and the reference use
(the public contract pins it: a rule id is never renamed or removed)."""


FIXERS: dict[str, Fixer] = {
    fixer.rule: fixer
    for fixer in (
        # one line per fixer (`rules/<rule>_fix.py`), in the order of RULES
        IAM_USER_MFA_FIX,
        ROUTE53_NO_DANGLING_RECORDS_FIX,
        S3_NO_PUBLIC_ACCESS_FIX,
        SG_MINIMAL_INBOUND_FIX,
        SG_NO_INTERNAL_ALL_PORTS_FIX,
        SG_EGRESS_VIA_NSM_ONLY_FIX,
    )
}
"""The fixers of the rules whose FAILs an API call can fix (`cloudwarden fix`). A rule without one
(the root user's, CloudTrail's, sg-inbound-rules-only) gets its remediation steps listed as manual."""


def collections_needed(rules: Iterable[RuleDoc]) -> frozenset[Collection]:
    """The parts of an account a scan of `rules` must collect: the union of what each reads."""
    return frozenset(collection for rule in rules for collection in rule.needs)


__all__ = ["FIXERS", "MANUAL_RULE_IDS", "RULES", "RULES_BY_ID", "RULE_IDS", "Rule", "collections_needed"]
