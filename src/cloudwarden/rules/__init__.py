"""The registry of rules: one explicit, ordered table (the order of the guidelines document)."""

from __future__ import annotations

from cloudwarden.rules.base import Rule
from cloudwarden.rules.iam_users import IAM_USER_MFA
from cloudwarden.rules.root import ROOT_MFA, ROOT_NO_ACCESS_KEYS, ROOT_NOT_USED, ROOT_STRONG_PASSWORD

RULES: tuple[Rule, ...] = (
    ROOT_STRONG_PASSWORD,
    ROOT_MFA,
    IAM_USER_MFA,
    ROOT_NO_ACCESS_KEYS,
    ROOT_NOT_USED,
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}

__all__ = ["RULES", "RULES_BY_ID", "Rule"]
