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
from cloudwarden.fix.command import fix_docs
from cloudwarden.report.reference import (
    DISRUPTIVE,
    NO_AUTOMATIC_FIX,
    NOT_DOCUMENTED,
    REGENERATE,
    AutomaticFix,
    anchor,
    render_rules_json,
    render_rules_markdown,
    render_rules_terminal,
    rules_entries,
)
from cloudwarden.ruledoc import Example, RuleDoc
from cloudwarden.rules import FIXERS, RULE_IDS, RULES, RULES_BY_ID
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
    {
        "summary",
        "passes",
        "fails",
        "unknown",
        "needs",
        "examples",
        "can_be_manual",
        "iac",
        "compliance",
        "automatic_fix",
    }
)

HEADINGS = (
    "What it checks",
    "Passes",
    "Fails",
    "UNKNOWN",
    "Severity",
    "Why",
    "Fix",
    "Automatic fix",
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
POLICY_DELETION = AutomaticFix(
    summary="Deletes the [bold]public[/bold] | policy.",
    actions=("s3:GetBucketPolicy", "s3:DeleteBucketPolicy"),
    disruptive=False,
)
"""A fixer of DOCUMENTED, whose summary holds a pipe and what rich would read as markup."""


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
    rendered = render_rules_markdown(RULES, automatic_fixes=fix_docs())
    committed = REFERENCE.read_text(encoding="utf-8") if REFERENCE.is_file() else ""
    if committed != rendered:
        pytest.fail(
            f"docs/rules.md differs from the rules' documentation: regenerate it with `{REGENERATE}` "
            "(from the repository's root) and commit it",
            pytrace=False,
        )


def test_the_command_prints_the_reference() -> None:
    assert _rules_output("--format", "markdown") == render_rules_markdown(RULES, automatic_fixes=fix_docs())


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
    markdown = render_rules_markdown(RULES, automatic_fixes=fix_docs())
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
    markdown = render_rules_markdown((UNDOCUMENTED,), automatic_fixes={})
    # all but severity, automatic fix (none: a manual step), collects, compliance, and plans and
    # templates (None: nothing to judge there)
    assert markdown.count(NOT_DOCUMENTED) == len(HEADINGS) - 5
    assert json.loads(render_rules_json((UNDOCUMENTED,)))[0]["examples"] == []
    assert render_rules_terminal((UNDOCUMENTED,), color=False).splitlines()[0] == "undocumented-rule  (low)"


# --- what `cloudwarden fix` does ----------------------------------------------------------------------------


def _markdown_headings(markdown: str) -> list[str]:
    return re.findall(r"^### (.+)$", markdown, flags=re.MULTILINE)


def test_without_the_fixers_the_reference_leaves_the_automatic_fix_out() -> None:
    """The framework view and older callers render without the fixers: no section, key or line for them."""
    assert _markdown_headings(render_rules_markdown((DOCUMENTED,))) == [
        heading for heading in HEADINGS if heading != "Automatic fix"
    ]
    assert "automatic_fix" not in rules_entries((DOCUMENTED,))[0]
    assert "auto-fix" not in render_rules_terminal((DOCUMENTED,), color=False)


def test_a_rule_with_a_fixer_shows_its_summary_and_iam_actions_in_every_format() -> None:
    fixes = {"documented-rule": POLICY_DELETION}
    markdown = render_rules_markdown((DOCUMENTED,), automatic_fixes=fixes)
    assert (
        "### Fix\n\nBlock public access.\n\n"
        "### Automatic fix\n\nDeletes the [bold]public[/bold] | policy.\n\n"
        "IAM actions: `s3:GetBucketPolicy`, `s3:DeleteBucketPolicy`.\n\n"
        "### Permissions\n"
    ) in markdown
    assert rules_entries((DOCUMENTED,), automatic_fixes=fixes)[0]["automatic_fix"] == (
        "Deletes the [bold]public[/bold] | policy. IAM actions: s3:GetBucketPolicy, s3:DeleteBucketPolicy."
    )
    lines = render_rules_terminal((DOCUMENTED,), color=False, automatic_fixes=fixes).splitlines()
    assert lines[7:11] == [
        "  fix          Block public access.",
        "  auto-fix     Deletes the [bold]public[/bold] | policy.",
        "  fix actions  s3:GetBucketPolicy, s3:DeleteBucketPolicy",
        "  permissions  s3:GetBucketPolicy, s3:ListAllMyBuckets",
    ]


def test_a_disruptive_fixer_says_it_is_planned_only_with_include_disruptive() -> None:
    fixes = {
        "documented-rule": dataclasses.replace(POLICY_DELETION, summary="Deactivates keys.", disruptive=True)
    }
    markdown = render_rules_markdown((DOCUMENTED,), automatic_fixes=fixes)
    assert (
        "### Automatic fix\n\nDeactivates keys.\n\n"
        "IAM actions: `s3:GetBucketPolicy`, `s3:DeleteBucketPolicy`.\n\n"
        "Disruptive: planned only with `cloudwarden fix --include-disruptive`.\n\n"
        "### Permissions\n"
    ) in markdown
    assert rules_entries((DOCUMENTED,), automatic_fixes=fixes)[0]["automatic_fix"] == (
        "Deactivates keys. IAM actions: s3:GetBucketPolicy, s3:DeleteBucketPolicy. "
        "Disruptive: planned only with `cloudwarden fix --include-disruptive`."
    )
    lines = render_rules_terminal((DOCUMENTED,), color=False, width=200, automatic_fixes=fixes).splitlines()
    assert lines[8:10] == [
        f"  auto-fix     Deactivates keys. {DISRUPTIVE}",
        "  fix actions  s3:GetBucketPolicy, s3:DeleteBucketPolicy",
    ]


def test_a_rule_without_a_fixer_says_its_fails_are_manual_steps() -> None:
    markdown = render_rules_markdown((DOCUMENTED,), automatic_fixes={})
    assert f"### Automatic fix\n\n{NO_AUTOMATIC_FIX}\n\n### Permissions\n" in markdown
    assert rules_entries((DOCUMENTED,), automatic_fixes={})[0]["automatic_fix"] == NO_AUTOMATIC_FIX
    assert NO_AUTOMATIC_FIX == (
        "None: no API call fixes it; `cloudwarden fix` lists the rule's remediation as a manual step."
    )
    lines = render_rules_terminal((DOCUMENTED,), color=False, width=200, automatic_fixes={}).splitlines()
    assert lines[7:10] == [
        "  fix          Block public access.",
        f"  auto-fix     {NO_AUTOMATIC_FIX}",
        "  permissions  s3:GetBucketPolicy, s3:ListAllMyBuckets",
    ]
    assert DISRUPTIVE not in markdown


def test_the_fix_commands_docs_are_the_fixers() -> None:
    assert fix_docs() == {
        rule: AutomaticFix(summary=fixer.summary, actions=fixer.actions, disruptive=fixer.disruptive)
        for rule, fixer in FIXERS.items()
    }
    assert fix_docs()["iam-user-mfa"].actions == ("iam:ListAccessKeys", "iam:UpdateAccessKey")
    assert fix_docs()["iam-user-mfa"].disruptive is True


def test_the_command_documents_every_rules_automatic_fix() -> None:
    output = _rules_output("--format", "json")
    assert output == render_rules_json(RULES, automatic_fixes=fix_docs())
    manual = {entry["id"]: entry["automatic_fix"] == NO_AUTOMATIC_FIX for entry in json.loads(output)}
    assert manual == {rule_id: rule_id not in FIXERS for rule_id in RULE_IDS}
    assert len(re.findall(r"^  auto-fix  ", _rules_output(), flags=re.MULTILINE)) == len(RULE_IDS)


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
