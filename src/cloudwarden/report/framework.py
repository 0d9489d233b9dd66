"""The framework view (`--framework ID`): the report per control of a compliance framework.

Each control of the framework gets a status rolled up over the findings of the rules mapped to it
(`cloudwarden.compliance`), worst first, so that nothing but every resource passing is a PASS:

- FAIL: a finding of a mapped rule fails;
- UNKNOWN: none fails, but one could not be judged;
- MANUAL: a mapped rule needs a person's word (no valid attestation; an attested one is a PASS);
- SUPPRESSED: the only failures are suppressed. An accepted risk is still a failure of the control,
  so it is never shown as PASS;
- NOT_ASSESSED: no cloudwarden rule maps to the control, or one of its rules was left out of this run
  (`--rule`): what was not judged cannot pass;
- PARTIALLY_ASSESSED: every finding of every mapped rule passes, but every one of those rules is
  `partial` (it checks part of the control, or something near it): not proven, so not a PASS;
- PASS: every finding of every mapped rule passes, there is at least one, and a rule `equivalent`
  to the control answers it;
- NO_RESOURCES: the mapped rules ran and had nothing to judge (no bucket at all means no public
  bucket, but it is not evidence that a control holds, so it is not shown as PASS either).

A control whose mapped rules are all `partial` has partial coverage: it is never PASS (at best
PARTIALLY_ASSESSED), and its FAIL names what the rules found, which may be more than the control
asks. The rules that ran but map to no control of the framework are coverage beyond it, listed with
the catalogue's reason.
"""

from __future__ import annotations

import enum
import functools
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2
import msgspec
from rich.console import Console
from rich.text import Text

from cloudwarden.compliance import CATALOGUE, Catalogue, Control, Framework, Relationship
from cloudwarden.findings import Finding, ScanSummary, Status
from cloudwarden.report._common import describe_error, location_text
from cloudwarden.report.html import sha256_base64
from cloudwarden.report.stream import c1_escaped
from cloudwarden.report.terminal import clean, finding_line, text_console
from cloudwarden.ruledoc import RuleDoc

FRAMEWORK_SCHEMA = "cloudwarden.framework/1"
FRAMEWORK_RULES_SCHEMA = "cloudwarden.framework-rules/1"

FINDING_STATUSES = (Status.PASS, Status.FAIL, Status.UNKNOWN, Status.MANUAL, Status.SUPPRESSED)
"""The columns of a control's counts, in the findings reports' order."""
_FINDINGS_WORST_FIRST = (Status.FAIL, Status.UNKNOWN, Status.MANUAL, Status.SUPPRESSED, Status.PASS)
MAX_LINES_PER_CONTROL = 25
"""Findings a terminal control block shows; the JSON and HTML views list them all."""

_NOT_RUN = "not run (left out with --rule, or by `iac`: nothing to judge in plans and templates)"
"""What a mapped rule that did not run says in the terminal view."""


class ControlStatus(enum.StrEnum):
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"
    MANUAL = "MANUAL"
    SUPPRESSED = "SUPPRESSED"
    NOT_ASSESSED = "NOT_ASSESSED"
    PARTIALLY_ASSESSED = "PARTIALLY_ASSESSED"
    PASS = "PASS"
    NO_RESOURCES = "NO_RESOURCES"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


WORST_FIRST = tuple(ControlStatus)
"""The roll-up's order: a control takes the first of these that any of its rules has."""

_OF_FINDING = {
    Status.FAIL: ControlStatus.FAIL,
    Status.UNKNOWN: ControlStatus.UNKNOWN,
    Status.MANUAL: ControlStatus.MANUAL,
    Status.SUPPRESSED: ControlStatus.SUPPRESSED,
    Status.PASS: ControlStatus.PASS,
}


class UnknownFramework(ValueError):
    """A framework id the catalogue does not hold; the message lists those it does."""


def framework_of(framework_id: str, catalogue: Catalogue = CATALOGUE) -> Framework:
    framework = catalogue.frameworks.get(framework_id)
    if framework is None:
        known = ", ".join(sorted(catalogue.frameworks)) or "none"
        raise UnknownFramework(f"unknown framework: {framework_id} (known frameworks: {known})")
    return framework


@dataclass(frozen=True)
class RuleOutcome:
    """One rule mapped to a control, and what this run made of it."""

    rule: str
    relationship: str
    evaluated: bool
    """False for a rule left out of the run (`--rule`)."""
    status: ControlStatus
    """The worst status of its findings; NOT_ASSESSED when not evaluated, NO_RESOURCES when it
    judged nothing."""
    counts: dict[str, int]


@dataclass(frozen=True)
class ControlView:
    control: Control
    status: ControlStatus
    rules: tuple[RuleOutcome, ...]
    """Empty for a control no cloudwarden rule maps to."""
    findings: tuple[Finding, ...]
    """Every finding of its evaluated rules, worst first."""
    counts: dict[str, int]

    @property
    def coverage(self) -> str | None:
        """`equivalent` when one of its rules answers the control, `partial` when they only cover
        part of it, None when no rule maps to it."""
        if not self.rules:
            return None
        if any(outcome.relationship == Relationship.EQUIVALENT for outcome in self.rules):
            return Relationship.EQUIVALENT.value
        return Relationship.PARTIAL.value


@dataclass(frozen=True)
class BeyondRule:
    """A rule of the run that maps to no control of the framework: coverage beyond it."""

    rule: str
    reason: str
    status: ControlStatus
    counts: dict[str, int]
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class FrameworkView:
    framework: Framework
    controls: tuple[ControlView, ...]
    beyond: tuple[BeyondRule, ...]
    findings: tuple[Finding, ...]
    """Every finding of the run, in the run's order."""

    def summary(self) -> dict[str, int]:
        """How many controls have each status, every status present."""
        tally = Counter(control.status for control in self.controls)
        return {status.value: tally[status] for status in WORST_FIRST}


def framework_view(
    findings: Iterable[Finding],
    evaluated_rules: Sequence[str],
    framework_id: str,
    catalogue: Catalogue = CATALOGUE,
) -> FrameworkView:
    """The controls of `framework_id`, each rolled up over the findings of its mapped rules.

    `evaluated_rules` are the rules this run judged, in their order: a mapped rule not among them
    was left out, and leaves its control NOT_ASSESSED unless another of its rules says worse."""
    framework = framework_of(framework_id, catalogue)
    findings = tuple(findings)
    rule_order = {rule: index for index, rule in enumerate(evaluated_rules)}
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    evaluated = {*rule_order, *by_rule}
    outcomes = {rule: _outcome(by_rule.get(rule, []), evaluated=True) for rule in evaluated}

    mapped = _mapped_controls(catalogue, framework.id, catalogue.rules)

    def order(rule: str) -> tuple[int, str]:
        return (rule_order.get(rule, len(rule_order)), rule)

    controls = []
    for control in framework.controls:
        rules = sorted(mapped.get(control.id, []), key=lambda pair: order(pair[0]))
        rule_outcomes = tuple(
            _rule_outcome(rule, relationship, outcomes.get(rule) or _outcome([], evaluated=False))
            for rule, relationship in rules
        )
        control_findings = [finding for rule, _ in rules for finding in by_rule.get(rule, [])]
        status = _worst(outcome.status for outcome in rule_outcomes)
        if status is ControlStatus.PASS and not any(
            outcome.relationship == Relationship.EQUIVALENT for outcome in rule_outcomes
        ):
            status = ControlStatus.PARTIALLY_ASSESSED  # rules that only cover part of it prove nothing
        controls.append(
            ControlView(
                control=control,
                status=status,
                rules=rule_outcomes,
                findings=_worst_first(control_findings, order),
                counts=_counts(control_findings),
            )
        )

    # Only the controls listed: a rule mapped to a control the catalogue does not list stays in sight.
    in_framework = {rule for control in framework.controls for rule, _ in mapped.get(control.id, [])}
    beyond = tuple(
        BeyondRule(
            rule=rule,
            reason=_reason(catalogue, rule, framework.id),
            status=outcomes[rule][0],
            counts=_counts(by_rule.get(rule, [])),
            findings=_worst_first(by_rule.get(rule, []), order),
        )
        for rule in sorted(outcomes, key=order)
        if rule not in in_framework
    )
    return FrameworkView(framework=framework, controls=tuple(controls), beyond=beyond, findings=findings)


def _outcome(findings: Sequence[Finding], *, evaluated: bool) -> tuple[ControlStatus, dict[str, int]]:
    counts = _counts(findings)
    if not evaluated:
        return ControlStatus.NOT_ASSESSED, counts
    if not findings:
        return ControlStatus.NO_RESOURCES, counts
    return _worst(_OF_FINDING[finding.status] for finding in findings), counts


def _rule_outcome(rule: str, relationship: str, outcome: tuple[ControlStatus, dict[str, int]]) -> RuleOutcome:
    status, counts = outcome
    evaluated = status is not ControlStatus.NOT_ASSESSED
    return RuleOutcome(
        rule=rule, relationship=relationship, evaluated=evaluated, status=status, counts=counts
    )


def _worst(statuses: Iterable[ControlStatus]) -> ControlStatus:
    """The first of `WORST_FIRST` among `statuses`; NOT_ASSESSED when there is none (no rule)."""
    present = set(statuses)
    return next((status for status in WORST_FIRST if status in present), ControlStatus.NOT_ASSESSED)


def _counts(findings: Iterable[Finding]) -> dict[str, int]:
    tally = Counter(finding.status for finding in findings)
    return {status.value: tally[status] for status in FINDING_STATUSES}


def _worst_first(findings: Iterable[Finding], order: Callable[[str], tuple[int, str]]) -> tuple[Finding, ...]:
    return tuple(
        sorted(
            findings,
            key=lambda f: (
                _FINDINGS_WORST_FIRST.index(f.status),
                -f.severity.rank,
                order(f.rule),
                f.account,
                f.resource.id,
            ),
        )
    )


def _reason(catalogue: Catalogue, rule: str, framework_id: str) -> str:
    mapping = catalogue.rules.get(rule)
    if mapping is None:
        return "the rule is not in the compliance catalogue"
    return mapping.unmapped.get(framework_id, "no control of the framework corresponds")


# --- JSON -------------------------------------------------------------------------------------------


def _framework_json(framework: Framework) -> dict[str, Any]:
    return {
        "id": framework.id,
        "name": framework.name,
        "version": framework.version,
        "sources": list(framework.sources),
        "catalogue": framework.catalogue,
    }


def render_framework_json(view: FrameworkView, scan: ScanSummary) -> str:
    """`cloudwarden.framework/1`: the controls with their status and the ids of their findings, and
    every finding of the run once, as the findings report writes them."""
    document = {
        "schema": FRAMEWORK_SCHEMA,
        "framework": _framework_json(view.framework),
        "scan": scan,
        "summary": view.summary(),
        "controls": [
            {
                "id": control.control.id,
                "title": control.control.title,
                "status": control.status.value,
                "coverage": control.coverage,
                "rules": [
                    {
                        "rule": outcome.rule,
                        "relationship": outcome.relationship,
                        "evaluated": outcome.evaluated,
                        "status": outcome.status.value,
                    }
                    for outcome in control.rules
                ],
                "counts": control.counts,
                "findings": [finding.id for finding in control.findings],
            }
            for control in view.controls
        ],
        "beyond": [
            {
                "rule": rule.rule,
                "reason": rule.reason,
                "status": rule.status.value,
                "counts": rule.counts,
                "findings": [finding.id for finding in rule.findings],
            }
            for rule in view.beyond
        ],
        "findings": view.findings,
    }
    return bytes(c1_escaped(msgspec.json.format(msgspec.json.encode(document), indent=2))).decode() + "\n"


# --- terminal ---------------------------------------------------------------------------------------

_STYLE = {
    ControlStatus.FAIL: "bold red",
    ControlStatus.UNKNOWN: "yellow",
    ControlStatus.MANUAL: "cyan",
    ControlStatus.SUPPRESSED: "dim",
    ControlStatus.NOT_ASSESSED: "magenta",
    ControlStatus.PARTIALLY_ASSESSED: "blue",
    ControlStatus.PASS: "green",
    ControlStatus.NO_RESOURCES: "dim",
}
_FINDING_STYLE = {status: _STYLE[_OF_FINDING[status]] for status in FINDING_STATUSES}
_LABEL_WIDTH = max(len(status.label) for status in ControlStatus)


def _counts_text(counts: dict[str, int]) -> Text:
    text = Text()
    for status in FINDING_STATUSES:
        count = counts[status.value]
        if status is Status.SUPPRESSED and not count:
            continue
        text.append("   " if text else "")
        text.append(f"{status.value} {count}", style=_FINDING_STYLE[status] if count else "dim")
    return text


def _framework_title(framework: Framework) -> str:
    return clean(f"{framework.name} {framework.version} [{framework.id}]")


def render_framework_terminal(view: FrameworkView, scan: ScanSummary, color: bool, width: int = 110) -> str:
    """One block per assessed control in the framework's order, then the controls no rule maps to."""
    buffer = io.StringIO()
    console = text_console(buffer, color, width)
    console.print(
        Text.assemble(
            ("cloudwarden ", "bold"),
            f"{scan.tool.version}  accounts: {clean(', '.join(scan.accounts)) or '-'}  "
            f"regions: {len(scan.regions)}  collected: {clean(scan.finished_at)}",
        )
    )
    console.print(Text(_framework_title(view.framework), style="bold"))
    if view.framework.catalogue:
        console.print(Text(f"Controls listed: {clean(view.framework.catalogue)}", style="dim"))
    for control in view.controls:
        if control.rules:
            console.print()
            _print_control(console, control)
    unassessed = [control for control in view.controls if not control.rules]
    if unassessed:
        console.print()
        console.print(Text("Not assessed: no cloudwarden rule maps to these controls", style="bold"))
        for control in unassessed:
            line = Text("  ")
            line.append(f"{ControlStatus.NOT_ASSESSED.label:<{_LABEL_WIDTH}}", style=_STYLE[control.status])
            line.append(f"  {clean(control.control.id)}  ", style="bold")
            line.append(clean(control.control.title))
            console.print(line)
    if view.beyond:
        console.print()
        console.print(Text("Beyond the framework (rules no control of it corresponds to)", style="bold"))
        for rule in view.beyond:
            line = Text("  ")
            line.append(f"{rule.status.label:<{_LABEL_WIDTH}}", style=_STYLE[rule.status])
            line.append(f"  {clean(rule.rule)}: {clean(rule.reason)}  ")
            line.append_text(_counts_text(rule.counts))
            console.print(line)
    console.print()
    summary = Text("Controls")
    for status in WORST_FIRST:
        count = view.summary()[status.value]
        summary.append("   " if len(summary) > len("Controls") else "  ")
        summary.append(f"{status.label} {count}", style=_STYLE[status] if count else "dim")
    console.print(summary)
    findings = Text("Findings  ")
    findings.append_text(_counts_text(_counts(view.findings)))
    console.print(findings)
    for error in scan.errors:
        console.print(
            Text(
                clean(f"error: {describe_error(error)}"),
                style="yellow",
            )
        )
    for warning in scan.warnings:
        console.print(Text("warning: " + clean(warning), style="yellow"))
    return buffer.getvalue()


def _print_control(console: Console, control: ControlView) -> None:
    header = Text()
    header.append(f"{control.status.label:<{_LABEL_WIDTH}}", style=_STYLE[control.status])
    header.append(f"  {clean(control.control.id)}  ", style="bold")
    header.append(clean(control.control.title))
    if control.coverage == Relationship.PARTIAL:
        header.append("  (partial: our rules cover part of the control, or more)", style="dim")
    console.print(header)
    for outcome in control.rules:
        line = Text(f"  {clean(outcome.rule)} ({outcome.relationship})  ")
        if not outcome.evaluated:
            line.append(_NOT_RUN, style=_STYLE[ControlStatus.NOT_ASSESSED])
        elif outcome.status is ControlStatus.NO_RESOURCES:
            line.append("no resources to judge", style="dim")
        else:
            line.append_text(_counts_text(outcome.counts))
        console.print(line)
    shown = [finding for finding in control.findings if finding.status is not Status.PASS]
    for finding in shown[:MAX_LINES_PER_CONTROL]:
        line = finding_line(finding, indent=4, style=_FINDING_STYLE[finding.status])
        console.print(line)
    if len(shown) > MAX_LINES_PER_CONTROL:
        console.print(
            Text(f"    ... and {len(shown) - MAX_LINES_PER_CONTROL} more (see --format json)", style="dim")
        )


# --- HTML -------------------------------------------------------------------------------------------


@functools.cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("cloudwarden.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["sha256"] = sha256_base64
    environment.filters["inert"] = clean
    environment.filters["location"] = location_text
    return environment.get_template("framework.html.j2")


def render_framework_html(view: FrameworkView, scan: ScanSummary) -> str:
    """A self-contained page: Jinja2 autoescaping, no script, a CSP that loads nothing and allows only
    the page's own style (pinned by its hash). Every text from AWS goes through `inert` (no control
    or bidi-override characters) and is escaped."""
    return _template().render(
        framework=view.framework,
        scan=scan,
        summary=view.summary(),
        statuses=WORST_FIRST,
        finding_statuses=[status.value for status in FINDING_STATUSES],
        controls=view.controls,
        beyond=view.beyond,
        total=_counts(view.findings),
        errors=[_error_line(error) for error in scan.errors],
    )


def _error_line(error: dict[str, Any]) -> str:
    return clean(describe_error(error))


# --- the `rules --framework` listing ----------------------------------------------------------------


@dataclass(frozen=True)
class ControlRules:
    control: Control
    rules: tuple[tuple[str, str], ...]
    """(rule id, relationship), in the rules' order; empty: not assessed."""


def _mapped_controls(
    catalogue: Catalogue, framework_id: str, rule_ids: Iterable[str]
) -> dict[str, list[tuple[str, str]]]:
    """Control id -> the (rule, relationship) pairs of `rule_ids` mapped to it in `framework_id`."""
    mapped: dict[str, list[tuple[str, str]]] = {}
    for rule_id in rule_ids:
        for ref in catalogue.compliance_of(rule_id):
            if ref.framework == framework_id:
                mapped.setdefault(ref.control, []).append((rule_id, ref.relationship))
    return mapped


def controls_with_rules(
    framework_id: str, rules: Sequence[RuleDoc], catalogue: Catalogue = CATALOGUE
) -> tuple[Framework, tuple[ControlRules, ...], tuple[tuple[str, str], ...]]:
    """The framework, each control with the rules mapped to it, and the rules beyond it (with why)."""
    framework = framework_of(framework_id, catalogue)
    mapped = _mapped_controls(catalogue, framework.id, [rule.id for rule in rules])
    controls = tuple(
        ControlRules(control=control, rules=tuple(mapped.get(control.id, ())))
        for control in framework.controls
    )
    in_framework = {rule for pairs in mapped.values() for rule, _ in pairs}
    beyond = tuple(
        (rule.id, _reason(catalogue, rule.id, framework.id)) for rule in rules if rule.id not in in_framework
    )
    return framework, controls, beyond


def render_framework_rules_json(
    framework_id: str, rules: Sequence[RuleDoc], catalogue: Catalogue = CATALOGUE
) -> str:
    framework, controls, beyond = controls_with_rules(framework_id, rules, catalogue)
    document = {
        "schema": FRAMEWORK_RULES_SCHEMA,
        "framework": _framework_json(framework),
        "controls": [
            {
                "id": entry.control.id,
                "title": entry.control.title,
                "assessed": bool(entry.rules),
                "rules": [{"rule": rule, "relationship": relationship} for rule, relationship in entry.rules],
            }
            for entry in controls
        ],
        "beyond": [{"rule": rule, "reason": reason} for rule, reason in beyond],
    }
    return json.dumps(document, indent=2) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_framework_rules_markdown(
    framework_id: str, rules: Sequence[RuleDoc], catalogue: Catalogue = CATALOGUE
) -> str:
    framework, controls, beyond = controls_with_rules(framework_id, rules, catalogue)
    lines = [
        f"# {_cell(framework.name)} {_cell(framework.version)}",
        "",
        f"Framework id `{framework.id}`. Sources: {', '.join(map(_cell, framework.sources))}.",
        "",
        *([f"Controls listed: {_cell(framework.catalogue)}.", ""] if framework.catalogue else []),
        "| control | title | cloudwarden rules |",
        "|---|---|---|",
    ]
    for entry in controls:
        assessed = ", ".join(f"`{rule}` ({relationship})" for rule, relationship in entry.rules)
        lines.append(
            f"| {_cell(entry.control.id)} | {_cell(entry.control.title)} | {assessed or 'not assessed'} |"
        )
    if beyond:
        lines += ["", "Beyond the framework:", ""]
        lines += [f"- `{rule}`: {_cell(reason)}" for rule, reason in beyond]
    return "\n".join(lines) + "\n"


def render_framework_rules_terminal(
    framework_id: str,
    rules: Sequence[RuleDoc],
    color: bool,
    width: int = 110,
    catalogue: Catalogue = CATALOGUE,
) -> str:
    framework, controls, beyond = controls_with_rules(framework_id, rules, catalogue)
    buffer = io.StringIO()
    console = text_console(buffer, color, width)
    console.print(Text(_framework_title(framework), style="bold"))
    if framework.catalogue:
        console.print(Text(f"Controls listed: {clean(framework.catalogue)}", style="dim"))
    for entry in controls:
        line = Text()
        line.append(f"{clean(entry.control.id):<8}", style="bold")
        line.append(clean(entry.control.title))
        console.print(line)
        if not entry.rules:
            console.print(Text("        not assessed", style=_STYLE[ControlStatus.NOT_ASSESSED]))
        for rule, relationship in entry.rules:
            console.print(Text(f"        {rule} ({relationship})"))
    if beyond:
        console.print()
        console.print(Text("Beyond the framework", style="bold"))
        for rule, reason in beyond:
            console.print(Text(f"  {rule}: {clean(reason)}"))
    return buffer.getvalue()
