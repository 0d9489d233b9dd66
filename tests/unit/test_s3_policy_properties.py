"""Laws the bucket-policy verdict obeys on generated policies, and robustness on any text."""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cloudwarden.semantics.s3_policy import PolicyAnalysis, analyze_policy
from tests.properties import PROPERTY_EXAMPLES

ACCOUNT = "111122223333"
BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"
VPCE = "vpce-1a2b3c4d"

FAST = settings(max_examples=PROPERTY_EXAMPLES, deadline=None)


@dataclass(frozen=True)
class Principal:
    element: str
    """Principal or NotPrincipal."""
    value: Any
    is_open: bool


@dataclass(frozen=True)
class Condition:
    operator: str
    key: str
    value: Any
    limits: bool


OPEN_PRINCIPALS = [
    Principal("Principal", "*", True),
    Principal("Principal", {"AWS": "*"}, True),
    Principal("Principal", {"AWS": [f"arn:aws:iam::{ACCOUNT}:root", "*"]}, True),
    Principal("Principal", {"AWS": "arn:aws:iam::*:root"}, True),
    Principal("Principal", {"Federated": "cognito-identity.amazonaws.com"}, True),
    Principal("Principal", {"Federated": "accounts.google.com"}, True),
    Principal("NotPrincipal", {"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"}, True),
]
FIXED_PRINCIPALS = [
    Principal("Principal", {"AWS": ACCOUNT}, False),
    Principal("Principal", {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, False),
    Principal(
        "Principal", {"AWS": [f"arn:aws:iam::{ACCOUNT}:role/reader", "arn:aws:iam::444455556666:root"]}, False
    ),
    Principal("Principal", {"Service": "cloudtrail.amazonaws.com"}, False),
    Principal(
        "Principal",
        {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
        False,
    ),
    Principal("Principal", {"Federated": f"arn:aws:iam::{ACCOUNT}:saml-provider/ExampleOkta"}, False),
]

LIMITING_CONDITIONS = [
    Condition("StringEquals", "aws:SourceVpce", VPCE, True),
    Condition("StringEquals", "aws:SourceVpc", "vpc-111bbb22", True),
    Condition("StringEqualsIgnoreCase", "aws:SourceVpce", [VPCE, "vpce-0f1e2d3c"], True),
    Condition(
        "ArnEquals", "aws:SourceArn", f"arn:aws:cloudfront::{ACCOUNT}:distribution/EDFDVBD6EXAMPLE", True
    ),
    Condition("ArnLike", "aws:SourceArn", f"arn:aws:cloudtrail:us-east-2:{ACCOUNT}:trail/main", True),
    Condition("StringEquals", "aws:SourceAccount", ACCOUNT, True),
    Condition("StringEquals", "aws:SourceOwner", ACCOUNT, True),
    Condition("StringEquals", "aws:PrincipalOrgID", "o-a1b2c3d4e5", True),
    Condition("StringEquals", "aws:PrincipalAccount", ACCOUNT, True),
    Condition("StringEquals", "aws:userid", "AIDACKCEVSQ6C2EXAMPLE", True),
    Condition("IpAddress", "aws:SourceIp", "192.0.2.0/24", True),
    Condition("IpAddress", "aws:SourceIp", ["10.0.0.0/8", "2600:1f18:1234::/48"], True),
    Condition("ForAnyValue:StringEquals", "aws:SourceVpce", VPCE, True),
    Condition("StringLike", "s3:DataAccessPointArn", f"arn:aws:s3:us-west-2:{ACCOUNT}:accesspoint/*", True),
    Condition("StringEquals", "s3:DataAccessPointAccount", ACCOUNT, True),
]
NON_LIMITING_CONDITIONS = [
    Condition("Bool", "aws:SecureTransport", "true", False),
    Condition("StringLike", "aws:Referer", ["https://example.com/*", "https://www.example.com/*"], False),
    Condition("StringEquals", "aws:UserAgent", "curl/8.0", False),
    Condition("StringEquals", "s3:prefix", "public/", False),
    Condition("StringNotEquals", "aws:SourceVpce", VPCE, False),
    Condition("StringEqualsIfExists", "aws:SourceVpc", "vpc-111bbb22", False),
    Condition("ForAllValues:StringEquals", "aws:SourceAccount", ACCOUNT, False),
    Condition("Null", "aws:SourceVpce", "false", False),
    Condition("IpAddress", "aws:SourceIp", "0.0.0.0/0", False),
    Condition("IpAddress", "aws:SourceIp", ["192.0.2.0/24", "::/0"], False),
    Condition("NotIpAddress", "aws:SourceIp", "192.0.2.0/24", False),
    Condition("StringLike", "aws:SourceArn", "*", False),
    Condition("StringLike", "aws:PrincipalOrgID", ["o-a1b2c3d4e5", "o-*"], False),
    Condition("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/reader", False),
    Condition("StringLike", "aws:PrincipalArn", f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}", False),
    Condition("StringLike", "s3:DataAccessPointArn", "arn:aws:s3:us-west-2:*:accesspoint/*", False),
]
ACTIONS = [
    "s3:GetObject",
    "s3:ListBucket",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:Get*",
    "s3:*",
    "*",
    "s3:PutBucketPolicy",
    "s3:GetBucketAcl",
]

principals = st.sampled_from(OPEN_PRINCIPALS + FIXED_PRINCIPALS)
conditions = st.lists(st.sampled_from(LIMITING_CONDITIONS + NON_LIMITING_CONDITIONS), max_size=4)


def condition_block(chosen: list[Condition]) -> dict[str, dict[str, Any]]:
    """The Condition element: operator blocks, each a map of keys (ANDed throughout)."""
    block: dict[str, dict[str, Any]] = {}
    for condition in chosen:
        block.setdefault(condition.operator, {})[condition.key] = condition.value
    return block


def limits(chosen: list[Condition]) -> bool:
    """The model: one limiting (operator, key) left after merging suffices."""
    final = {(condition.operator, condition.key): condition.limits for condition in chosen}
    return any(final.values())


@dataclass(frozen=True)
class Generated:
    document: dict[str, Any]
    public_at: frozenset[int]
    """Which statements the model calls public."""


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None) -> tuple[dict[str, Any], bool]:
    """A realistic statement, and whether the model calls it public."""
    chosen_effect = effect or draw(st.sampled_from(["Allow", "Deny"]))
    principal = draw(principals)
    chosen = draw(conditions)
    statement: dict[str, Any] = {}
    if draw(st.booleans()):
        statement["Sid"] = draw(st.sampled_from(["PublicRead", "Logs", "Endpoint", "Stmt1"]))
    statement["Effect"] = chosen_effect
    statement[principal.element] = principal.value
    actions = draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3, unique=True))
    statement["Action"] = actions[0] if len(actions) == 1 and draw(st.booleans()) else actions
    statement["Resource"] = [BUCKET, f"{BUCKET}/*"]
    if bool(chosen) or draw(st.booleans()):
        statement["Condition"] = condition_block(chosen)
    public = chosen_effect == "Allow" and principal.is_open and not limits(chosen)
    return statement, public


@st.composite
def policies(draw: st.DrawFn) -> Generated:
    drawn = draw(st.lists(statements(), min_size=1, max_size=4))
    items = [statement for statement, _ in drawn]
    public_at = frozenset(index for index, (_, public) in enumerate(drawn) if public)
    document: dict[str, Any] = {"Version": "2012-10-17"}
    document["Statement"] = items[0] if len(items) == 1 and draw(st.booleans()) else items
    return Generated(document, public_at)


def analyze(document: Any) -> PolicyAnalysis:
    return analyze_policy(json.dumps(document))


def statement_list(document: dict[str, Any]) -> list[dict[str, Any]]:
    items = document["Statement"]
    return list(items) if isinstance(items, list) else [items]


def public_indices(analysis: PolicyAnalysis) -> frozenset[int]:
    return frozenset(statement.index for statement in analysis.public_statements)


# --- the verdict follows the definition ---------------------------------------------------------------


@FAST
@given(policies())
def test_verdict_matches_the_definition(generated: Generated) -> None:
    analysis = analyze(generated.document)

    assert analysis.error is None
    assert public_indices(analysis) == generated.public_at
    assert analysis.is_public is bool(generated.public_at)


# --- (a) a Deny never makes a policy public, nor changes its verdict -----------------------------------


@FAST
@given(policies(), statements(effect="Deny"), st.integers(min_value=0, max_value=4))
def test_adding_a_deny_never_changes_the_verdict(
    generated: Generated, added: tuple[dict[str, Any], bool], position: int
) -> None:
    before = analyze(generated.document)
    items = statement_list(generated.document)
    position = min(position, len(items))
    items.insert(position, added[0])

    after = analyze({**generated.document, "Statement": items})

    assert after.error is None
    assert not (after.is_public and not before.is_public)
    assert after.is_public is before.is_public
    assert position not in public_indices(after)
    shifted = {index + 1 if index >= position else index for index in public_indices(before)}
    assert public_indices(after) == shifted


@FAST
@given(st.lists(statements(effect="Deny"), min_size=1, max_size=5))
def test_deny_only_policy_is_never_public(drawn: list[tuple[dict[str, Any], bool]]) -> None:
    analysis = analyze({"Statement": [statement for statement, _ in drawn]})

    assert analysis.error is None
    assert not analysis.is_public
    assert analysis.open_statements == ()


# --- (b) a fixed limiting condition on every open Allow makes the policy private ---------------------


def add_condition(statement: dict[str, Any], condition: Condition) -> dict[str, Any]:
    """The statement with one more condition, ANDed with the ones it has (the operator blocks merged)."""
    merged = {operator: dict(block) for operator, block in statement.get("Condition", {}).items()}
    merged.setdefault(condition.operator, {})[condition.key] = condition.value
    return {**statement, "Condition": merged}


@FAST
@given(policies(), st.sampled_from(LIMITING_CONDITIONS))
def test_limiting_every_open_allow_makes_the_policy_private(generated: Generated, limit: Condition) -> None:
    items = [
        add_condition(statement, limit) if statement["Effect"] == "Allow" else statement
        for statement in statement_list(generated.document)
    ]

    analysis = analyze({**generated.document, "Statement": items})

    assert analysis.error is None
    assert not analysis.is_public
    assert analysis.public_statements == ()
    assert all(statement.limited_by is not None for statement in analysis.open_statements)


@FAST
@given(policies())
def test_vpce_condition_merged_into_existing_blocks(generated: Generated) -> None:
    vpce = Condition("StringEquals", "aws:SourceVpce", "vpce-0abc", True)
    items = [
        add_condition(statement, vpce) if statement["Effect"] == "Allow" else statement
        for statement in statement_list(generated.document)
    ]

    assert not analyze({**generated.document, "Statement": items}).is_public


@FAST
@given(policies(), st.sampled_from(NON_LIMITING_CONDITIONS))
def test_a_non_limiting_condition_never_makes_a_public_statement_private(
    generated: Generated, broad: Condition
) -> None:
    # Only where the statement has no (operator, key) it would overwrite.
    items = statement_list(generated.document)
    touched = [
        index
        for index, statement in enumerate(items)
        if broad.key not in statement.get("Condition", {}).get(broad.operator, {})
    ]
    for index in touched:
        items[index] = add_condition(items[index], broad)

    after = analyze({**generated.document, "Statement": items})

    assert generated.public_at & set(touched) <= public_indices(after)


# --- (c) never an exception, whatever the text ------------------------------------------------------


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=40,
)
ELEMENT_NAMES = [
    "Statement",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Condition",
    "Sid",
    "AWS",
    "Federated",
    "StringEquals",
    "IpAddress",
    "aws:SourceIp",
    "aws:SourceVpce",
    "s3:DataAccessPointArn",
]
ELEMENT_VALUES = [
    "Allow",
    "Deny",
    "*",
    "s3:*",
    "0.0.0.0/0",
    "arn:aws:s3:us-west-2:1:accesspoint/*",
    "[",
    "${",
]
policy_shaped = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(ELEMENT_VALUES) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(ELEMENT_NAMES), children, max_size=5)
    ),
    max_leaves=40,
)


def assert_sound(analysis: PolicyAnalysis) -> None:
    assert isinstance(analysis, PolicyAnalysis)
    if analysis.error is not None:
        assert not analysis.is_public
        assert analysis.open_statements == ()
    assert analysis.is_public is (analysis.error is None and bool(analysis.public_statements))


@FAST
@given(json_values)
def test_any_json_is_judged_without_exception(value: Any) -> None:
    assert_sound(analyze_policy(json.dumps(value)))


@FAST
@given(policy_shaped)
def test_policy_shaped_json_is_judged_without_exception(value: Any) -> None:
    assert_sound(analyze_policy(json.dumps(value)))
    assert_sound(analyze_policy(json.dumps({"Statement": value})))
    assert_sound(
        analyze_policy(json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Condition": value}]}))
    )


@FAST
@given(st.text())
def test_any_text_is_judged_without_exception(text: str) -> None:
    assert_sound(analyze_policy(text))


@FAST
@given(policies(), st.data())
def test_corrupting_one_element_never_raises(generated: Generated, data: st.DataObject) -> None:
    items = statement_list(generated.document)
    index = data.draw(st.integers(min_value=0, max_value=len(items) - 1))
    element = data.draw(st.sampled_from(sorted(items[index])))
    items[index] = {**items[index], element: data.draw(json_values)}

    assert_sound(analyze({**generated.document, "Statement": items}))


# --- (d) element names are case-insensitive -------------------------------------------------------------


def recase(value: Any, rng: random.Random) -> Any:
    """The same document with every object key in a random mix of upper and lower case."""
    if isinstance(value, dict):
        return {
            "".join(char.upper() if rng.random() < 0.5 else char.lower() for char in key): recase(item, rng)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [recase(item, rng) for item in value]
    return value


@FAST
@given(policies(), st.integers(min_value=0, max_value=2**32))
def test_key_case_never_changes_the_verdict(generated: Generated, seed: int) -> None:
    rng = random.Random(seed)
    before = analyze(generated.document)
    recased = recase(copy.deepcopy(generated.document), rng)

    after = analyze(recased)

    assert after.error is None
    assert after.is_public is before.is_public
    assert public_indices(after) == public_indices(before)
    assert after.capabilities == before.capabilities
    assert [statement.limited_by is None for statement in after.open_statements] == [
        statement.limited_by is None for statement in before.open_statements
    ]


@FAST
@given(policies())
def test_all_upper_and_all_lower_keys_agree(generated: Generated) -> None:
    def fold(value: Any, upper: bool) -> Any:
        if isinstance(value, dict):
            return {(key.upper() if upper else key.lower()): fold(item, upper) for key, item in value.items()}
        if isinstance(value, list):
            return [fold(item, upper) for item in value]
        return value

    verdicts = {analyze(fold(generated.document, upper)).is_public for upper in (True, False)}

    assert verdicts == {bool(generated.public_at)}


# --- shapes ---------------------------------------------------------------------------------------------


@FAST
@given(statements())
def test_statement_object_and_one_element_list_agree(drawn: tuple[dict[str, Any], bool]) -> None:
    statement, public = drawn

    as_object = analyze({"Statement": statement})
    as_list = analyze({"Statement": [statement]})

    assert as_object == as_list
    assert as_object.is_public is public
