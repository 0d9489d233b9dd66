"""The rules reference: every rule documents itself in full, `cloudwarden rules` renders that documentation,
and the committed `docs/rules.md` is exactly what it renders."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cloudwarden.cli import app
from cloudwarden.findings import Severity, Status
from cloudwarden.report.reference import (
    NOT_DOCUMENTED,
    REGENERATE,
    anchor,
    render_rules_json,
    render_rules_markdown,
    render_rules_terminal,
    rules_entries,
)
from cloudwarden.ruledoc import Example, RuleDoc
from cloudwarden.rules import RULE_IDS, RULES, RULES_BY_ID
from cloudwarden.snapshot import Collection

CONTRACT_RULE_IDS = (
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
)
"""CONTRACT.md's rules table, in its order (the guidelines'): the one literal list of rule ids. A rule id
is never renamed or removed; the code's list is `rules.RULE_IDS`."""

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "rules.md"

KEPT_JSON_KEYS = frozenset(
    {
        "id",
        "section",
        "guideline",
        "audited_upstream",
        "severity",
        "resource_type",
        "rationale",
        "remediation",
        "permissions",
    }
)
"""What `rules --format json` has always given: scripts read these."""
ADDED_JSON_KEYS = frozenset(
    {"summary", "passes", "fails", "unknown", "needs", "examples", "can_be_manual", "iac", "compliance"}
)

HEADINGS = (
    "What it checks",
    "Passes",
    "Fails",
    "UNKNOWN",
    "Severity",
    "Why",
    "Fix",
    "Permissions",
    "Collects",
    "Examples",
    "In plans and templates",
    "Compliance",
)

UNDOCUMENTED = RuleDoc(
    id="undocumented-rule",
    section="Section",
    guideline="A rule whose documentation is not written yet",
    audited_upstream=False,
    severity=Severity.LOW,
    resource_type="AWS::::Account",
    rationale="",
    remediation="",
    permissions=(),
)
DOCUMENTED = RuleDoc(
    id="documented-rule",
    section="Section",
    guideline="A rule | with a pipe in its title",
    audited_upstream=True,
    severity=Severity.HIGH,
    resource_type="AWS::S3::Bucket",
    summary="Checks the bucket.",
    passes="A private bucket.",
    fails="A public bucket.",
    unknown="A bucket whose policy could not be read.",
    rationale="Public data leaks.",
    remediation="Block public access.",
    permissions=("s3:GetBucketPolicy", "s3:ListAllMyBuckets"),
    needs=frozenset({Collection.S3, Collection.IAM}),
    examples=(
        Example(Status.FAIL, "a bucket policy granting s3:GetObject to *"),
        Example(Status.PASS, "a bucket with Block Public Access on"),
        Example(Status.UNKNOWN, "GetBucketPolicy denied"),
    ),
)


def _rules_output(*arguments: str) -> str:
    result = CliRunner().invoke(app, ["rules", *arguments])
    assert result.exit_code == 0, result.output
    return result.stdout


# --- one list of rule ids ------------------------------------------------------------------------------


def test_the_rule_ids_are_the_contracts_in_the_registry_order() -> None:
    assert RULE_IDS == CONTRACT_RULE_IDS
    assert tuple(rule.id for rule in RULES) == RULE_IDS


def test_rule_ids_are_unique() -> None:
    assert len(RULES_BY_ID) == len(RULES) == len(set(RULE_IDS))


# --- every rule documents itself ------------------------------------------------------------------------


def _missing_documentation(rule: RuleDoc) -> list[str]:
    missing = [
        name
        for name in ("summary", "passes", "fails", "unknown", "rationale", "remediation")
        if not getattr(rule, name).strip()
    ]
    if not rule.permissions:
        missing.append("permissions")
    if not rule.needs:
        missing.append("needs")
    statuses = [example.status for example in rule.examples]
    if len(statuses) < 3:
        missing.append(f"examples (at least 3, has {len(statuses)})")
    if Status.PASS not in statuses:
        missing.append("a PASS example")
    if rule.can_be_manual and Status.MANUAL not in statuses:
        missing.append("a MANUAL example")
    if Status.FAIL not in statuses and not rule.can_be_manual:
        # A rule that can be MANUAL may never FAIL (no API can tell a weak password): MANUAL is its
        # verdict that asks for action.
        missing.append("a FAIL example")
    if any(not example.situation.strip() for example in rule.examples):
        missing.append("a situation for every example")
    return missing


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_every_rule_documents_itself(rule: RuleDoc) -> None:
    assert _missing_documentation(rule) == []


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_examples_show_verdicts_the_rule_can_give(rule: RuleDoc) -> None:
    """A rule never yields SUPPRESSED (the engine does), and MANUAL only when it says it can."""
    possible = {Status.PASS, Status.FAIL, Status.UNKNOWN} | ({Status.MANUAL} if rule.can_be_manual else set())
    assert {example.status for example in rule.examples} <= possible


def test_the_completeness_check_names_what_is_missing() -> None:
    assert _missing_documentation(DOCUMENTED) == []
    assert _missing_documentation(UNDOCUMENTED) == [
        "summary",
        "passes",
        "fails",
        "unknown",
        "rationale",
        "remediation",
        "permissions",
        "examples (at least 3, has 0)",
        "a PASS example",
        "a FAIL example",
    ]


def test_a_rule_that_can_be_manual_shows_manual_where_others_show_fail() -> None:
    can_be_manual = dataclasses.replace(DOCUMENTED, can_be_manual=True)
    assert _missing_documentation(can_be_manual) == ["a MANUAL example"]
    never_fails = dataclasses.replace(
        can_be_manual, examples=(Example(Status.MANUAL, "a password to attest"), *DOCUMENTED.examples[1:])
    )
    assert _missing_documentation(never_fails) == []


# --- docs/rules.md ----------------------------------------------------------------------------------------


def test_the_committed_reference_is_what_the_code_renders() -> None:
    rendered = render_rules_markdown(RULES)
    committed = REFERENCE.read_text(encoding="utf-8") if REFERENCE.is_file() else ""
    if committed != rendered:
        pytest.fail(
            f"docs/rules.md differs from the rules' documentation: regenerate it with `{REGENERATE}` "
            "(from the repository's root) and commit it",
            pytrace=False,
        )


def test_the_command_prints_the_reference() -> None:
    assert _rules_output("--format", "markdown") == render_rules_markdown(RULES)


def test_the_reference_says_it_is_generated_and_how_to_regenerate() -> None:
    header = render_rules_markdown(RULES).split("# Rules reference")[0]
    assert "cloudwarden rules --format markdown" in header
    assert REGENERATE in header


def test_the_index_links_every_rule_to_its_section_in_order() -> None:
    markdown = render_rules_markdown(RULES)
    linked = re.findall(r"^\| \[`([^`]+)`\]\(#([^)]+)\) \|", markdown, flags=re.MULTILINE)
    assert linked == [(rule.id, anchor(rule)) for rule in RULES]
    sections = re.findall(r"^## (\S+)$", markdown, flags=re.MULTILINE)
    assert sections == [anchor(rule) for rule in RULES]


def test_every_section_has_the_fixed_headings_in_order() -> None:
    markdown = render_rules_markdown(RULES)
    for section in markdown.split("\n## ")[1:]:
        assert re.findall(r"^### (.+)$", section, flags=re.MULTILINE) == list(HEADINGS)


def test_a_documented_rule_renders_every_field() -> None:
    markdown = render_rules_markdown((DOCUMENTED,))
    assert (
        "| [`documented-rule`](#documented-rule) | Section: A rule \\| with a pipe in its title | yes | high "
        in markdown
    )
    for text in (
        "Checks the bucket.",
        "A private bucket.",
        "A public bucket.",
        "A bucket whose policy could not be read.",
        "`high`",
        "Public data leaks.",
        "Block public access.",
        "`s3:GetBucketPolicy`, `s3:ListAllMyBuckets`",
        "`iam`, `s3`",
        "- **FAIL**: a bucket policy granting s3:GetObject to *",
        "- **UNKNOWN**: GetBucketPolicy denied",
    ):
        assert text in markdown
    assert NOT_DOCUMENTED not in markdown
    assert "`attestations:`" not in markdown
    assert "`attestations:`" in render_rules_markdown((dataclasses.replace(DOCUMENTED, can_be_manual=True),))


def test_an_undocumented_rule_renders_in_every_format() -> None:
    """A rule whose documentation is not written yet shows the gap instead of failing the command."""
    markdown = render_rules_markdown((UNDOCUMENTED,))
    # all but severity, collects, compliance, and plans and templates (None: nothing to judge there)
    assert markdown.count(NOT_DOCUMENTED) == len(HEADINGS) - 4
    assert json.loads(render_rules_json((UNDOCUMENTED,)))[0]["examples"] == []
    assert render_rules_terminal((UNDOCUMENTED,), color=False).splitlines()[0] == "undocumented-rule  (low)"


# --- rules --format json ---------------------------------------------------------------------------------


def test_the_json_keeps_its_keys_and_adds_the_documentation() -> None:
    entries = json.loads(_rules_output("--format", "json"))
    assert [entry["id"] for entry in entries] == list(RULE_IDS)
    for entry in entries:
        assert set(entry) >= KEPT_JSON_KEYS | ADDED_JSON_KEYS


def test_a_json_entry_holds_the_rules_documentation() -> None:
    assert rules_entries((DOCUMENTED,)) == [
        {
            "id": "documented-rule",
            "section": "Section",
            "guideline": "A rule | with a pipe in its title",
            "audited_upstream": True,
            "severity": "high",
            "resource_type": "AWS::S3::Bucket",
            "rationale": "Public data leaks.",
            "remediation": "Block public access.",
            "permissions": ["s3:GetBucketPolicy", "s3:ListAllMyBuckets"],
            "summary": "Checks the bucket.",
            "passes": "A private bucket.",
            "fails": "A public bucket.",
            "unknown": "A bucket whose policy could not be read.",
            "needs": ["iam", "s3"],
            "examples": [
                {"status": "FAIL", "situation": "a bucket policy granting s3:GetObject to *"},
                {"status": "PASS", "situation": "a bucket with Block Public Access on"},
                {"status": "UNKNOWN", "situation": "GetBucketPolicy denied"},
            ],
            "can_be_manual": False,
            "iac": None,
            "compliance": [],
        }
    ]


# --- rules (terminal) --------------------------------------------------------------------------------------


def test_the_terminal_lists_every_rule_with_its_documentation() -> None:
    output = _rules_output()
    assert re.findall(r"^(\S+)  \(", output, flags=re.MULTILINE) == list(RULE_IDS)


def test_the_terminal_shows_the_documentation_compactly() -> None:
    lines = render_rules_terminal((DOCUMENTED,), color=False).splitlines()
    assert lines == [
        "documented-rule  (high)",
        "  Section: A rule | with a pipe in its title",
        "  checks       Checks the bucket.",
        "  passes       A private bucket.",
        "  fails        A public bucket.",
        "  unknown      A bucket whose policy could not be read.",
        "  why          Public data leaks.",
        "  fix          Block public access.",
        "  permissions  s3:GetBucketPolicy, s3:ListAllMyBuckets",
        "  collects     iam, s3",
        "  examples     FAIL    a bucket policy granting s3:GetObject to *",
        "               PASS    a bucket with Block Public Access on",
        "               UNKNOWN GetBucketPolicy denied",
    ]


def test_the_terminal_says_a_rule_can_be_manual() -> None:
    output = render_rules_terminal((dataclasses.replace(DOCUMENTED, can_be_manual=True),), color=False)
    assert output.startswith("documented-rule  (high)  can be MANUAL\n")
