"""The rules reference: what the `rules` command prints, and `docs/rules.md`; the compliance table,
`docs/compliance.md`.

It reads each rule's documentation (`RuleDoc`), the compliance catalogue, and what the caller says of
the fixers (`AutomaticFix`, by rule id: reports never import the rules). A field a rule has not
written yet renders as "not documented yet" rather than failing: the reference shows the gap, and the
completeness test names it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from cloudwarden.compliance import CATALOGUE, Catalogue, Framework
from cloudwarden.findings import ComplianceRef, Status
from cloudwarden.report._common import GUIDELINES_URL
from cloudwarden.ruledoc import RuleDoc

COMMAND = "rules --format markdown"
REGENERATE = f"cloudwarden {COMMAND} > docs/rules.md"
"""The command that writes the committed reference again (from the repository's root)."""

NOT_DOCUMENTED = "Not documented yet."

NOT_MAPPED = "Not in the compliance catalogue yet."
"""A rule `compliance/mapping.json` lacks (the catalogue's tests name it)."""

BEYOND = "no control mapped"
"""A framework none of whose controls the rule is mapped to; the catalogue's reason follows (most
often: no control of the framework judges it, so the rule's coverage goes beyond the framework)."""

COMPLIANCE_REGENERATE = "python -m cloudwarden.docs > docs/compliance.md"
"""The command that writes the committed compliance table again (from the repository's root)."""

NO_AUTOMATIC_FIX = (
    "None: no API call fixes it; `cloudwarden fix` lists the rule's remediation as a manual step."
)
"""What `cloudwarden fix` does with the FAILs of a rule that has no fixer."""

DISRUPTIVE = "Disruptive: planned only with `cloudwarden fix --include-disruptive`."
"""Said of a fixer whose changes break what uses the resource (`Fixer.disruptive`)."""


@dataclass(frozen=True, kw_only=True)
class AutomaticFix:
    """What a rule's fixer does with its FAILs, as the reference shows it: the fix command builds these
    from the fixers, since reports never import the rules."""

    summary: str
    actions: tuple[str, ...]
    """The IAM actions the fixer's calls need."""
    disruptive: bool


_STATUS_STYLE = {
    Status.PASS: "green",
    Status.FAIL: "red",
    Status.UNKNOWN: "yellow",
    Status.MANUAL: "cyan",
    Status.SUPPRESSED: "dim",
}


def rules_entries(
    rules: Sequence[RuleDoc],
    catalogue: Catalogue = CATALOGUE,
    *,
    automatic_fixes: Mapping[str, AutomaticFix] | None = None,
) -> list[dict[str, Any]]:
    """The JSON of `rules --format json`: the keys it has always had, then the documentation's, then the
    framework controls the rule assesses (`compliance`, as findings carry them), then, given the fixers
    (`automatic_fixes`, by rule id), what `cloudwarden fix` does with the rule's FAILs (`automatic_fix`)."""
    entries = [
        {
            "id": rule.id,
            "section": rule.section,
            "guideline": rule.guideline,
            "audited_upstream": rule.audited_upstream,
            "severity": rule.severity.value,
            "resource_type": rule.resource_type,
            "rationale": rule.rationale,
            "remediation": rule.remediation,
            "permissions": list(rule.permissions),
            "summary": rule.summary,
            "passes": rule.passes,
            "fails": rule.fails,
            "unknown": rule.unknown,
            "needs": sorted(rule.needs),
            "examples": [
                {"status": example.status.value, "situation": example.situation} for example in rule.examples
            ],
            "can_be_manual": rule.can_be_manual,
            "iac": rule.iac,
            "compliance": [_ref_json(ref) for ref in catalogue.compliance_of(rule.id)],
        }
        for rule in rules
    ]
    if automatic_fixes is not None:
        for entry, rule in zip(entries, rules, strict=True):
            entry["automatic_fix"] = _automatic_fix_json(automatic_fixes.get(rule.id))
    return entries


def _automatic_fix_json(fix: AutomaticFix | None) -> str:
    if fix is None:
        return NO_AUTOMATIC_FIX
    parts = [fix.summary.strip(), f"IAM actions: {', '.join(fix.actions)}."]
    if fix.disruptive:
        parts.append(DISRUPTIVE)
    return " ".join(parts)


def _ref_json(ref: ComplianceRef) -> dict[str, str]:
    return {"framework": ref.framework, "control": ref.control, "relationship": ref.relationship}


def render_rules_json(
    rules: Sequence[RuleDoc],
    catalogue: Catalogue = CATALOGUE,
    *,
    automatic_fixes: Mapping[str, AutomaticFix] | None = None,
) -> str:
    """ASCII only: `json.dumps` escapes everything else, so no control character reaches a terminal."""
    return json.dumps(rules_entries(rules, catalogue, automatic_fixes=automatic_fixes), indent=2) + "\n"


def anchor(rule: RuleDoc) -> str:
    """The link target of the rule's section (its heading is the bare id, which slugs to itself)."""
    return rule.id


def render_rules_markdown(
    rules: Sequence[RuleDoc],
    catalogue: Catalogue = CATALOGUE,
    *,
    automatic_fixes: Mapping[str, AutomaticFix] | None = None,
) -> str:
    """The reference: an index table, then one section per rule under the same headings ("Automatic fix"
    among them only given the fixers, `automatic_fixes`)."""
    lines = [
        f"<!-- Generated by `cloudwarden {COMMAND}` from the rules' documentation: do not edit.",
        f"     Regenerate with `{REGENERATE}`. -->",
        "",
        "# Rules reference",
        "",
        f"One rule per guideline of [Mozilla's AWS Security guidelines]({GUIDELINES_URL}), in the "
        "guidelines' order. Each rule yields PASS, FAIL, UNKNOWN (the data it needs could not be read: "
        "never a silent PASS) or, when no API can decide, MANUAL.",
        "",
        # The columns of the table this command printed before it rendered the whole reference.
        "| rule id | guideline | audited upstream | severity | resource |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| [`{rule.id}`](#{anchor(rule)}) | {_cell(rule.title)} "
        f"| {'yes' if rule.audited_upstream else 'no'} | {rule.severity.value} "
        f"| {_cell(rule.resource_type)} |"
        for rule in rules
    ]
    for rule in rules:
        lines += ["", *_markdown_section(rule, catalogue, automatic_fixes)]
    return "\n".join(lines) + "\n"


_NOT_IN_IAC = "_Nothing to judge: no plan or template holds it; `cloudwarden iac` does not run this rule._"


def _markdown_section(
    rule: RuleDoc, catalogue: Catalogue, automatic_fixes: Mapping[str, AutomaticFix] | None
) -> list[str]:
    automatic_fix = (
        ()
        if automatic_fixes is None
        else (("Automatic fix", _automatic_fix_markdown(automatic_fixes.get(rule.id))),)
    )
    fields = (
        ("What it checks", _text(rule.summary)),
        ("Passes", _text(rule.passes)),
        ("Fails", _text(rule.fails)),
        ("UNKNOWN", _text(rule.unknown)),
        ("Severity", f"`{rule.severity.value}`"),
        ("Why", _text(rule.rationale)),
        ("Fix", _text(rule.remediation)),
        *automatic_fix,
        ("Permissions", _code_list(rule.permissions)),
        ("Collects", _code_list(sorted(rule.needs))),
        ("Examples", _examples(rule)),
        ("In plans and templates", _text(rule.iac) if rule.iac else _NOT_IN_IAC),
        ("Compliance", _compliance_markdown(rule.id, catalogue)),
    )
    facts = [
        f"**{rule.title}**.",
        f"Resource type: `{rule.resource_type}`.",
        f"Audited upstream: {'yes' if rule.audited_upstream else 'no'}.",
    ]
    if rule.can_be_manual:
        facts.append("Can be MANUAL: a person attests it in the configuration (`attestations:`).")
    lines = [f"## {anchor(rule)}", "", " ".join(facts)]
    for heading, body in fields:
        lines += ["", f"### {heading}", "", body]
    return lines


def _automatic_fix_markdown(fix: AutomaticFix | None) -> str:
    if fix is None:
        return NO_AUTOMATIC_FIX
    paragraphs = [_text(fix.summary), f"IAM actions: {_code_list(fix.actions)}."]
    if fix.disruptive:
        paragraphs.append(DISRUPTIVE)
    return "\n\n".join(paragraphs)


def _compliance_markdown(rule_id: str, catalogue: Catalogue) -> str:
    """Per framework, the controls the rule answers and how, or why it answers none; then why."""
    mapping = catalogue.rules.get(rule_id)
    if mapping is None:
        return f"_{NOT_MAPPED}_"
    lines = []
    for framework in catalogue.frameworks.values():
        refs = [ref for ref in mapping.controls if ref.framework == framework.id]
        label = f"{framework.name} v{framework.version} (`{framework.id}`)"
        if refs:
            lines.append(f"- {label}: " + ", ".join(_control_markdown(framework, ref) for ref in refs) + ".")
        else:
            reason = mapping.unmapped.get(framework.id, "")
            lines.append(f"- {label}: {BEYOND}" + (f": {reason}." if reason else "."))
    if mapping.note:
        lines += ["", mapping.note]
    return "\n".join(lines)


def _control_markdown(framework: Framework, ref: ComplianceRef) -> str:
    control = framework.control(ref.control)
    title = f" {control.title}" if control else ""
    return f"**{ref.control}**{title} ({ref.relationship})"


def _text(value: str) -> str:
    return value.strip() or f"_{NOT_DOCUMENTED}_"


def _code_list(values: Sequence[str]) -> str:
    return ", ".join(f"`{value}`" for value in values) or f"_{NOT_DOCUMENTED}_"


def _examples(rule: RuleDoc) -> str:
    if not rule.examples:
        return f"_{NOT_DOCUMENTED}_"
    return "\n".join(
        f"- **{example.status.value}**: {' '.join(example.situation.split())}" for example in rule.examples
    )


def _cell(text: str) -> str:
    """Text that stays inside one table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def render_rules_terminal(
    rules: Sequence[RuleDoc],
    color: bool,
    width: int = 110,
    catalogue: Catalogue = CATALOGUE,
    *,
    automatic_fixes: Mapping[str, AutomaticFix] | None = None,
) -> str:
    """Each rule: its id and title, then its documentation as labelled lines (empty fields left out;
    what `cloudwarden fix` does only given the fixers, `automatic_fixes`)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width,
        highlight=False,
        emoji=False,
    )
    for index, rule in enumerate(rules):
        if index:
            console.print()
        header = Text()
        header.append(rule.id, style="bold")
        header.append(f"  ({rule.severity.value})")
        if rule.can_be_manual:
            header.append("  can be MANUAL", style="cyan")
        console.print(header)
        console.print(Text(f"  {rule.title}"))
        console.print(Padding(_terminal_fields(rule, catalogue, automatic_fixes), (0, 0, 0, 2)))
    # A table pads its cells to the column's width: no line keeps those trailing spaces.
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def _terminal_fields(
    rule: RuleDoc, catalogue: Catalogue, automatic_fixes: Mapping[str, AutomaticFix] | None
) -> Table:
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="dim", no_wrap=True)
    fields.add_column()
    automatic_fix = () if automatic_fixes is None else _automatic_fix_terminal(automatic_fixes.get(rule.id))
    for label, value in (
        ("checks", rule.summary),
        ("passes", rule.passes),
        ("fails", rule.fails),
        ("unknown", rule.unknown),
        ("why", rule.rationale),
        ("fix", rule.remediation),
        *automatic_fix,
        ("permissions", ", ".join(rule.permissions)),
        ("collects", ", ".join(sorted(rule.needs))),
    ):
        if value:
            fields.add_row(label, Text(value))
    for number, example in enumerate(rule.examples):
        situation = Text()
        situation.append(f"{example.status.value:<8}", style=_STATUS_STYLE[example.status])
        situation.append(example.situation)
        fields.add_row("" if number else "examples", situation)
    for number, line in enumerate(_compliance_terminal(rule.id, catalogue)):
        fields.add_row("" if number else "compliance", Text(line))
    return fields


def _automatic_fix_terminal(fix: AutomaticFix | None) -> tuple[tuple[str, str], ...]:
    """The "auto-fix" line (with "fix actions", the fixer's IAM actions), labelled as the other fields."""
    if fix is None:
        return (("auto-fix", NO_AUTOMATIC_FIX),)
    summary = fix.summary.strip() + (f" {DISRUPTIVE}" if fix.disruptive else "")
    return (("auto-fix", summary), ("fix actions", ", ".join(fix.actions)))


def _compliance_terminal(rule_id: str, catalogue: Catalogue) -> list[str]:
    """One line per framework: its id, then each control and its relationship, or BEYOND."""
    mapping = catalogue.rules.get(rule_id)
    if mapping is None:
        return []
    width = max((len(framework_id) for framework_id in catalogue.frameworks), default=0)
    lines = []
    for framework_id in catalogue.frameworks:
        refs = [ref for ref in mapping.controls if ref.framework == framework_id]
        controls = ", ".join(f"{ref.control} ({ref.relationship})" for ref in refs) or BEYOND
        lines.append(f"{framework_id:<{width}}  {controls}")
    return lines


def render_compliance_markdown(rules: Sequence[RuleDoc], catalogue: Catalogue = CATALOGUE) -> str:
    """`docs/compliance.md`: the frameworks and their sources, each rule's controls per framework, then
    each framework's catalogue with the rules that answer each control."""
    frameworks = list(catalogue.frameworks.values())
    lines = [
        "<!-- Generated from src/cloudwarden/compliance/mapping.json: do not edit.",
        f"     Regenerate with `{COMPLIANCE_REGENERATE}`. -->",
        "",
        "# Compliance mapping",
        "",
        "Each rule's findings carry the framework controls the rule assesses (`compliance` in the JSON "
        "findings and in `cloudwarden rules --format json`). The relationship says how far a verdict "
        "answers the control: **equivalent**, the rule's PASS/FAIL answers the control; **partial**, the "
        "rule covers part of the control, or more than it. "
        f"A rule that answers no control of a framework says so: {BEYOND}.",
        "",
        "## Frameworks",
    ]
    for framework in frameworks:
        lines += [
            "",
            f"### {framework.name} v{framework.version}",
            "",
            f"Id `{framework.id}`; requirements read `{framework.requirement_prefix}/<control>` ("
            + (
                framework.requirement_prefix_note
                or "as Security Hub writes them in the findings' `Compliance.RelatedRequirements`"
            )
            + ").",
            "",
            f"Catalogue ({len(framework.controls)} controls): {framework.catalogue}.",
            "",
            "Sources:",
            "",
            *[f"- <{source}>" for source in framework.sources],
        ]
    lines += [
        "",
        "## Controls per rule",
        "",
        "| rule | " + " | ".join(f"{framework.name} v{framework.version}" for framework in frameworks) + " |",
        "|---" * (len(frameworks) + 1) + "|",
    ]
    for rule in rules:
        mapping = catalogue.rules.get(rule.id)
        cells = [
            ", ".join(
                f"{ref.control} ({ref.relationship})"
                for ref in (mapping.controls if mapping else ())
                if ref.framework == framework.id
            )
            or (BEYOND if mapping else f"_{NOT_MAPPED}_")
            for framework in frameworks
        ]
        lines.append(f"| [`{rule.id}`](rules.md#{anchor(rule)}) | " + " | ".join(cells) + " |")
    lines += ["", "## Why", ""]
    for rule in rules:
        lines += [f"- `{rule.id}`: " + _cell(_why(rule.id, catalogue))]
    for framework in frameworks:
        answered = _answering_rules(framework.id, rules, catalogue)
        lines += [
            "",
            f"## Catalogue: {framework.name} v{framework.version}",
            "",
            "| control | title | assessed by |",
            "|---|---|---|",
        ]
        for control in framework.controls:
            title = control.title
            if control.security_hub_controls:
                title += f" (Security Hub {', '.join(control.security_hub_controls)})"
            if control.manual:
                title += f" (manual: not assessed by Security Hub; source <{control.source}>)"
            assessed_by = ", ".join(
                f"`{rule_id}` ({relation})" for rule_id, relation in answered.get(control.id, [])
            )
            lines.append(f"| {control.id} | {_cell(title)} | {assessed_by or 'not assessed'} |")
    return "\n".join(lines) + "\n"


def _why(rule_id: str, catalogue: Catalogue) -> str:
    mapping = catalogue.rules.get(rule_id)
    if mapping is None:
        return NOT_MAPPED
    reasons = [f"`{framework_id}`: {BEYOND}; {reason}." for framework_id, reason in mapping.unmapped.items()]
    return " ".join([mapping.note, *reasons]).strip()


def _answering_rules(
    framework_id: str, rules: Sequence[RuleDoc], catalogue: Catalogue
) -> dict[str, list[tuple[str, str]]]:
    answered: dict[str, list[tuple[str, str]]] = {}
    for rule in rules:
        for ref in catalogue.compliance_of(rule.id):
            if ref.framework == framework_id:
                answered.setdefault(ref.control, []).append((rule.id, ref.relationship))
    return answered
