"""Is an S3 bucket policy public? AWS's own definition, statement by statement.

AWS (S3 User Guide, Block Public Access, "The meaning of public") calls a policy public when it
grants access to an open principal without a condition that fixes who or where the caller is.
This module reproduces that judgement as a pure function of the policy text:

- a statement makes the policy public when it is an Allow, its principal is open, and none of its
  conditions limits it (conditions are ANDed: one limiting key suffices; the values of one key are
  ORed: one broad value defeats the limit);
- Deny statements never make a policy public and never offset a public Allow; a Deny that narrows an
  open Allow is reported beside it;
- any shape a stored policy can take (a Statement object or list, strings or lists, any key case,
  unknown keys) is read; text that is not a policy gives an analysis with `error` set, never an
  exception.

Two readings are decisions, each taken on the side that never passes a public bucket:

- A condition key with an empty set of values (`"aws:SourceAccount": []`, `"aws:SourceIp": []`,
  `ForAnyValue:StringEquals` with `[]`) never limits the statement. IAM documents no meaning for an
  empty value set: evaluated literally, nothing matches it and the statement grants nothing, but were
  AWS to ignore the key instead, calling it a limit would pass a public bucket. At worst this FAILs a
  statement that grants nothing, which deleting the meaningless condition fixes. ANDed with a key that
  does limit, the statement stays limited.
- Partitions are isolated: a policy grants nothing to principals of another partition. The policy is
  judged without knowing the bucket's partition, so an open principal of any partition
  (`arn:aws-cn:iam::*:root`, `arn:aws-us-gov:iam::*:root`) is open: it makes a bucket of its own
  partition public and grants nothing elsewhere, so the worst case is a FAIL for a bucket in `aws`
  that nobody can reach that way, never a PASS for a public bucket. A fixed principal of another
  partition (`arn:aws-cn:iam::123456789012:root`) is fixed, as in its own partition, and a condition
  value naming an ARN of another partition is a fixed value that limits: both can only narrow access.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cloudwarden.inputs import quoted

OPEN_AWS_PRINCIPAL = re.compile(r"^(\*|arn:aws[a-z-]*:iam::\*:root)$", re.IGNORECASE)
"""`*`, or the root of every account in any partition."""

POSITIVE_STRING_OPERATORS = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"}
)
IP_OPERATORS = frozenset({"ipaddress"})

SOURCE_IP = "aws:sourceip"
DATA_ACCESS_POINT_ARN = "s3:dataaccesspointarn"
LIMITING_KEYS = frozenset(
    {
        SOURCE_IP,
        "aws:sourcearn",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceowner",
        "aws:sourceaccount",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "aws:userid",
        DATA_ACCESS_POINT_ARN,
        "s3:dataaccesspointaccount",
        "aws:principalorgid",
        "aws:principalaccount",
        "aws:principalarn",
    }
)

_WILDCARD = re.compile(r"[*?]|\$\{")
_ACCESS_POINT_ARN = re.compile(r"^arn:aws[a-z-]*:s3:[a-z0-9-]+:(\d{12}):accesspoint/(.+)$")

# What a grant lets the public do, judged by representative actions.
CAPABILITY_ACTIONS: Mapping[str, tuple[str, ...]] = {
    "read": ("s3:getobject", "s3:getobjectversion"),
    "list": ("s3:listbucket", "s3:listbucketversions", "s3:listbucketmultipartuploads"),
    "write": (
        "s3:putobject",
        "s3:deleteobject",
        "s3:putobjectacl",
        "s3:putbucketpolicy",
        "s3:putbucketacl",
        "s3:deletebucket",
        "s3:deletebucketpolicy",
    ),
}


@dataclass(frozen=True)
class OpenStatement:
    """An Allow statement with an open principal, and whether a condition limits it."""

    index: int
    sid: str | None
    principal: str
    capabilities: tuple[str, ...]
    limited_by: str | None
    """The condition that limits it (None: nothing limits it, the statement is public)."""
    why_not_limited: tuple[str, ...] = ()
    """For a public statement: why each of its conditions fails to limit it."""


@dataclass(frozen=True)
class NarrowingDeny:
    index: int
    sid: str | None
    summary: str


@dataclass(frozen=True)
class PolicyAnalysis:
    open_statements: tuple[OpenStatement, ...] = ()
    narrowing_denies: tuple[NarrowingDeny, ...] = ()
    error: str | None = None
    """Set when the text is not a readable policy: the verdict must then be UNKNOWN."""

    @property
    def public_statements(self) -> tuple[OpenStatement, ...]:
        return tuple(statement for statement in self.open_statements if statement.limited_by is None)

    @property
    def is_public(self) -> bool:
        return self.error is None and bool(self.public_statements)

    @property
    def capabilities(self) -> tuple[str, ...]:
        """What the public statements grant together, in the order read, list, write."""
        granted = {item for statement in self.public_statements for item in statement.capabilities}
        return tuple(capability for capability in CAPABILITY_ACTIONS if capability in granted)


class _Malformed(ValueError):
    pass


def analyze_policy(text: str) -> PolicyAnalysis:
    """Judge a bucket policy document (its JSON text). Never raises."""
    try:
        document = json.loads(text)
    except (ValueError, TypeError, RecursionError) as error:
        return PolicyAnalysis(error=f"the policy is not valid JSON: {error}")
    try:
        return _analyze_document(document)
    except (_Malformed, RecursionError) as error:
        return PolicyAnalysis(error=f"the policy cannot be read: {error}")


def _lower_keys(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Malformed(f"{what} is not an object")
    return {str(key).lower(): item for key, item in value.items()}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _analyze_document(document: Any) -> PolicyAnalysis:
    policy = _lower_keys(document, "the policy")
    if "statement" not in policy:
        raise _Malformed("it has no Statement")
    statements = policy["statement"]
    if isinstance(statements, dict):
        statements = [statements]
    elif not isinstance(statements, list):
        raise _Malformed("its Statement is neither a list nor an object")
    open_statements: list[OpenStatement] = []
    denies: list[NarrowingDeny] = []
    for index, raw in enumerate(statements):
        statement = _lower_keys(raw, f"statement {index}")
        sid = statement.get("sid")
        sid_text = str(sid) if sid is not None else None
        effect = str(statement.get("effect", "")).lower()
        if effect not in ("allow", "deny"):
            raise _Malformed(f"statement {index} has Effect {quoted(statement.get('effect'))}")
        if "principal" not in statement and "notprincipal" not in statement:
            raise _Malformed(f"statement {index} has no Principal")
        conditions = _conditions(statement.get("condition"), index)
        if effect == "deny":
            summary = _deny_summary(statement, conditions)
            if summary:
                denies.append(NarrowingDeny(index=index, sid=sid_text, summary=summary))
            continue
        principal = _open_principal(statement)
        if principal is None:
            continue
        capabilities = _capabilities(statement)
        limit, reasons = _limiting_condition(conditions)
        open_statements.append(
            OpenStatement(
                index=index,
                sid=sid_text,
                principal=principal,
                capabilities=capabilities,
                limited_by=limit,
                why_not_limited=() if limit else reasons,
            )
        )
    return PolicyAnalysis(open_statements=tuple(open_statements), narrowing_denies=tuple(denies))


# --- principals ----------------------------------------------------------------------------------------


def _open_principal(statement: Mapping[str, Any]) -> str | None:
    """The open principal of an Allow statement, described; None when the principal is fixed."""
    if "notprincipal" in statement:
        return "NotPrincipal (everyone except the listed principals)"
    principal = statement["principal"]
    if isinstance(principal, str):
        return '"*"' if principal.strip() == "*" else None
    if not isinstance(principal, dict):
        raise _Malformed("a Principal is neither a string nor an object")
    for kind, values in principal.items():
        kind_name = str(kind)
        for value in _as_list(values):
            text = str(value).strip()
            if kind_name.lower() == "aws" and OPEN_AWS_PRINCIPAL.match(text):
                return f'{{"AWS": "{text}"}}'
            if text == "*":
                return f'{{"{kind_name}": "*"}}'
            if kind_name.lower() == "federated" and not text.lower().startswith("arn:"):
                return f'{{"Federated": "{text}"}} (web identity: anyone who signs in there)'
    return None


# --- actions -------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _wildcard(pattern: str) -> re.Pattern[str]:
    """An IAM action pattern: only `*` and `?` are wildcards, and case does not matter."""
    parts = (".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _matches(patterns: Iterable[str], action: str) -> bool:
    return any(_wildcard(pattern).fullmatch(action) for pattern in patterns)


def _capabilities(statement: Mapping[str, Any]) -> tuple[str, ...]:
    if "notaction" in statement:
        return _granted(tuple(str(action) for action in _as_list(statement["notaction"])), negated=True)
    return _granted(tuple(str(action) for action in _as_list(statement.get("action"))), negated=False)


@functools.lru_cache(maxsize=4096)
def _granted(patterns: tuple[str, ...], negated: bool) -> tuple[str, ...]:
    """What an Action (or, negated, a NotAction) list grants; cached, as policies repeat a few lists."""
    if negated:
        granted = {
            capability
            for capability, actions in CAPABILITY_ACTIONS.items()
            if any(not _matches(patterns, action) for action in actions)
        }
    else:
        granted = {
            capability
            for capability, actions in CAPABILITY_ACTIONS.items()
            if any(_matches(patterns, action) for action in actions)
        }
    return tuple(capability for capability in CAPABILITY_ACTIONS if capability in granted)


# --- conditions ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Condition:
    operator: str
    """As written, for messages."""
    base: str
    """Lower case, without ForAnyValue:/ForAllValues: and IfExists."""
    set_operator: str | None
    if_exists: bool
    key: str
    """Lower case."""
    key_text: str
    """As written, for messages."""
    values: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.operator} {self.key_text} {list(self.values)}"


def _conditions(raw: Any, index: int) -> list[_Condition]:
    if raw is None:
        return []
    if not isinstance(raw, dict):
        raise _Malformed(f"the Condition of statement {index} is not an object")
    conditions: list[_Condition] = []
    for operator_text, entries in raw.items():
        operator = str(operator_text)
        if not isinstance(entries, dict):
            raise _Malformed(f"condition {quoted(operator)} of statement {index} is not an object")
        base = operator.lower()
        set_operator = None
        for prefix in ("foranyvalue:", "forallvalues:"):
            if base.startswith(prefix):
                set_operator, base = prefix[:-1], base[len(prefix) :]
        if_exists = base.endswith("ifexists")
        if if_exists:
            base = base[: -len("ifexists")]
        conditions.extend(
            _Condition(
                operator=operator,
                base=base,
                set_operator=set_operator,
                if_exists=if_exists,
                key=str(key).lower(),
                key_text=str(key),
                values=tuple(_value_text(value) for value in _as_list(values)),
            )
            for key, values in entries.items()
        )
    return conditions


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _limiting_condition(conditions: list[_Condition]) -> tuple[str | None, tuple[str, ...]]:
    """The first condition that limits the statement, or the reasons none does."""
    reasons = []
    for condition in conditions:
        reason = _why_not_limiting(condition)
        if reason is None:
            return condition.describe(), ()
        reasons.append(f"{condition.operator} {condition.key_text}: {reason}")
    return None, tuple(reasons) if reasons else ("no condition",)


def _why_not_limiting(condition: _Condition) -> str | None:
    """None when the condition limits the statement to fixed callers; otherwise why it does not."""
    if condition.if_exists:
        return "an ...IfExists operator is true when the key is absent"
    if condition.set_operator == "forallvalues":
        return "ForAllValues is true when the key is absent"
    if condition.key not in LIMITING_KEYS:
        return "this key does not identify the caller or its network"
    if condition.key == SOURCE_IP:
        if condition.base not in IP_OPERATORS:
            return "only IpAddress limits aws:SourceIp"
    elif condition.base not in POSITIVE_STRING_OPERATORS:
        return "a negated or non-matching operator does not limit who may call"
    if not condition.values:
        return "the key has no value"
    for value in condition.values:
        problem = _broad_value(condition.key, value)
        if problem:
            return problem
    return None


def _broad_value(key: str, value: str) -> str | None:
    text = value.strip()
    if key == SOURCE_IP:
        return _broad_network(text)
    if key == DATA_ACCESS_POINT_ARN:
        match = _ACCESS_POINT_ARN.match(text)
        if match is None or _WILDCARD.search(text[: match.start(2)]):
            return f"{quoted(text)} is not an access point ARN of one fixed account"
        return None
    if text == "" or _WILDCARD.search(text):
        return f"{quoted(text)} contains a wildcard or a policy variable"
    return None


_MIN_PREFIX = {4: 8, 6: 32}
"""The widest fixed network: /8 in IPv4 (every private range is narrower), /32 in IPv6."""


def _broad_network(text: str) -> str | None:
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return f"{quoted(text)} is not an IP address or network"
    minimum = _MIN_PREFIX[network.version]
    if network.prefixlen < minimum:
        return f"{text} is wider than /{minimum}"
    return None


def _deny_summary(statement: Mapping[str, Any], conditions: list[_Condition]) -> str | None:
    """How a Deny narrows access, when it applies to everyone (it still does not offset an Allow)."""
    principal_open = "notprincipal" in statement or bool(_open_principal(statement))
    if not principal_open:
        return None
    if not conditions:
        return "denies everyone, unconditionally, for its actions"
    return "denies everyone when " + " and ".join(condition.describe() for condition in conditions)
