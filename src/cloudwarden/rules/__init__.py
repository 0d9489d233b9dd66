"""The registry of rules: one explicit, ordered table (the order of the guidelines document)."""

from __future__ import annotations

from cloudwarden.rules.base import Rule
from cloudwarden.rules.cloudtrail import CLOUDTRAIL_SEGREGATED_STORAGE
from cloudwarden.rules.iam_users import IAM_USER_MFA
from cloudwarden.rules.root import ROOT_MFA, ROOT_NO_ACCESS_KEYS, ROOT_NOT_USED, ROOT_STRONG_PASSWORD
from cloudwarden.rules.route53 import ROUTE53_NO_DANGLING_RECORDS
from cloudwarden.rules.s3 import S3_NO_PUBLIC_ACCESS
from cloudwarden.rules.security_groups import (
    SG_EGRESS_VIA_NSM_ONLY,
    SG_INBOUND_RULES_ONLY,
    SG_MINIMAL_INBOUND,
    SG_NO_INTERNAL_ALL_PORTS,
)

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

CONTRACT_RULE_IDS = frozenset(
    {
        "root-strong-password",
        "root-mfa",
        "iam-user-mfa",
        "root-no-access-keys",
        "root-not-used",
        "cloudtrail-segregated-storage",
        "route53-no-dangling-records",
        "s3-no-public-access",
        "sg-inbound-rules-only",
        "sg-minimal-inbound",
        "sg-no-internal-all-ports",
        "sg-egress-via-nsm-only",
    }
)
"""Every rule id of the public contract: configuration may name any of them (a suppression written
for a rule this version does not implement yet is valid, and simply matches nothing)."""

__all__ = ["CONTRACT_RULE_IDS", "MANUAL_RULE_IDS", "RULES", "RULES_BY_ID", "Rule"]
