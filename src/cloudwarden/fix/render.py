"""A plan written for people and programs: a shell script, JSON (`cloudwarden.fix/1`) or Markdown.

Each call is also written as the AWS CLI command that makes it (`aws s3api put-bucket-policy
--bucket ... --region ...`): parameters become `--kebab-case` options, booleans flags, structures and
lists their JSON, every value quoted for the shell. Values come from the report, a file anyone may have
edited: no value ends a comment of the script, splits a command over two lines or writes Markdown.
"""

from __future__ import annotations

import enum
import json
import re
import shlex
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec

from cloudwarden.findings import GLOBAL_REGION
from cloudwarden.fix.plan import FIX_SCHEMA, Change, ManualStep, Plan
from cloudwarden.remedy import Call, Remedy


class PlanFormat(enum.StrEnum):
    SH = "sh"
    JSON = "json"
    MARKDOWN = "markdown"


CLI_SERVICE = {"s3": "s3api"}
"""Services whose AWS CLI command has another name (the API calls of `s3` are under `aws s3api`)."""

GLOBAL_SERVICES = frozenset({"iam", "route53"})
"""Services with one endpoint: their commands need no `--region`."""

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def kebab(name: str) -> str:
    """`PutBucketPolicy` -> `put-bucket-policy`, `IpPermissions` -> `ip-permissions`, as the AWS CLI
    names operations and parameters."""
    return _WORD_BOUNDARY.sub("-", name).lower()


def cli_command(call: Call, region: str) -> str:
    """The AWS CLI command that makes `call` in `region` (a finding's region; `global`: none)."""
    words = ["aws", CLI_SERVICE.get(call.service, call.service), kebab(call.operation)]
    for name, value in call.parameters.items():
        if isinstance(value, bool):  # the AWS CLI's boolean parameters are flags: `--x` / `--no-x`
            words.append(f"--{kebab(name)}" if value else f"--no-{kebab(name)}")
            continue
        words += [f"--{kebab(name)}", shlex.quote(_cli_value(value))]
    if call.service not in GLOBAL_SERVICES and region != GLOBAL_REGION:
        words += ["--region", shlex.quote(region)]
    return " ".join(words)


def _cli_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def _calls_json(calls: Iterable[Call]) -> list[dict[str, Any]]:
    return [{"service": c.service, "operation": c.operation, "parameters": c.parameters} for c in calls]


def _remedy_json(remedy: Remedy, region: str) -> dict[str, Any]:
    return {
        "action": remedy.action,
        "summary": remedy.summary,
        "state": remedy.state.value,
        "disruptive": remedy.disruptive,
        "calls": _calls_json(remedy.calls),
        "cli": [cli_command(call, region) for call in remedy.calls],
        "before": remedy.before,
        "after": remedy.after,
        "rollback": _calls_json(remedy.rollback),
        "rollback_cli": [cli_command(call, region) for call in remedy.rollback],
        "read": _calls_json([remedy.read])[0],
    }


def change_json(change: Change) -> dict[str, Any]:
    """One change as `cloudwarden.fix/1` writes it."""
    return {
        "finding": change.finding,
        "rule": change.rule,
        "account": change.account,
        "region": change.region,
        "resource": change.resource,
        **_remedy_json(change, change.region),
        "also_fixes": list(change.also_fixes),
        "alternatives": [_remedy_json(alternative, change.region) for alternative in change.alternatives],
    }


def _manual_json(step: ManualStep) -> dict[str, Any]:
    return msgspec.to_builtins(step)  # type: ignore[no-any-return]


def render_plan_json(plan: Plan) -> str:
    document = {
        "schema": FIX_SCHEMA,
        "report": plan.report,
        "scanned_at": plan.scanned_at,
        "changes": [change_json(change) for change in plan.changes],
        "manual": [_manual_json(step) for step in plan.manual],
        "left_out": plan.left_out,
    }
    return json.dumps(document, indent=2) + "\n"


def _counts(plan: Plan) -> str:
    left_out = sum(plan.left_out.values())
    return f"{len(plan.changes)} change(s), {len(plan.manual)} manual step(s), {left_out} finding(s) left out"


def _left_out_lines(plan: Plan) -> Iterator[str]:
    for reason, count in plan.left_out.items():
        yield f"{reason}: {count}"


def _comment(text: str) -> Iterator[str]:
    """`text` as shell comment lines (a value from the report never ends the comment)."""
    for line in text.splitlines() or [""]:
        yield f"# {_printable(line)}".rstrip()


def _printable(text: str) -> str:
    """Control characters (a terminal escape in a resource's name) shown, not sent."""
    return "".join(character if character.isprintable() else repr(character)[1:-1] for character in text)


def _commented(command: str) -> str:
    """A command shown in a comment of the script: on one line, whatever its values hold."""
    return f"#   {_printable(command)}"


_ACCOUNT_CHECK = """\
account_is() {
  # Stop unless these credentials are in the account the next changes are for.
  current=$(aws sts get-caller-identity --query Account --output text)
  if [ "$current" != "$1" ]; then
    echo "these credentials are in account $current, not $1: stopped" >&2
    exit 1
  fi
}
"""


def render_plan_sh(plan: Plan) -> str:
    """A POSIX shell script a reviewer reads and may run: each change's calls, with its finding, the
    state it changes from and the commands that undo it in comments. It does not re-read resources
    before changing them (`fix --apply` does), and stops at the first failed command."""
    lines = ["#!/bin/sh"]
    lines += _comment(
        f"cloudwarden fix plan for {plan.report} (scanned at {plan.scanned_at}): {_counts(plan)}."
    )
    lines += _comment(
        "Review every command. This script does not check that a resource is still as the scan saw it; "
        "`cloudwarden fix --apply` does, and journals each change so that it can be rolled back."
    )
    lines += ["set -eu", "", _ACCOUNT_CHECK]
    account = None
    for change in plan.changes:
        commands = [cli_command(call, change.region) for call in change.calls]
        runnable = change.account.isprintable() and all(command.isprintable() for command in commands)
        if runnable and change.account != account:
            account = change.account
            lines += [f"account_is {shlex.quote(account)}", ""]
        lines += _comment(f"{change.rule} {change.finding}: {change.summary}")
        if change.also_fixes:
            lines += _comment(f"also fixes {', '.join(change.also_fixes)}")
        lines += _comment("before: " + json.dumps(change.before, sort_keys=True))
        if runnable:
            lines += commands
        else:
            lines += _comment(
                "NOT RUN: its account or a value of its calls holds a control character (a line break, a "
                "terminal escape) that a command of this script cannot hold on one line; review it in the "
                "JSON plan:"
            )
            lines += [_commented(command) for command in commands]
        lines += _comment("to undo:")
        lines += [_commented(cli_command(call, change.region)) for call in change.rollback]
        for alternative in change.alternatives:
            lines += _comment(f"alternative ({alternative.action}): {alternative.summary}")
            lines += [_commented(cli_command(call, change.region)) for call in alternative.calls]
        lines.append("")
    if plan.manual:
        lines += _comment("Manual steps (no API call fixes these):")
        for step in plan.manual:
            lines += _comment(f"- {step.rule} {step.finding} on {step.resource} ({step.account}): {step.why}")
            lines += _comment(f"  {step.steps}")
        lines.append("")
    if plan.left_out:
        lines += _comment("Left out: " + ", ".join(_left_out_lines(plan)))
    return "\n".join(lines) + "\n"


_MARKDOWN_ESCAPES = str.maketrans(
    {
        **{character: f"\\{character}" for character in "\\`*_[]|~"},
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
    }
)


_LINK_TRIGGERS = re.compile(r"[@#]|:(?=//)|(?i:GH)(?=-\d)|(?i:www)(?=\.)")
"""Where GitHub would start a mention (`@user`, `@org/team`), an issue reference (`#123`, `GH-123`,
`owner/repo#123`) or an autolink (`https://...`, `ftp://...`, `www.example.com`, `user@example.com`)."""


def _unlinked(escaped: str) -> str:
    """`escaped` with a zero-width space after each of `_LINK_TRIGGERS` (`@&#8203;user`, `https:&#8203;//`):
    shown as before, linked to nothing. An entity for the character itself (`&#64;`, `&#35;`) would not
    do: GitHub finds mentions and references in the rendered text, where it is the character again, and
    its autolinks join an e-mail address written with one back together."""
    return _LINK_TRIGGERS.sub(r"\g<0>&#8203;", escaped)


def _md(text: str) -> str:
    """Text for a Markdown table cell or list item: no HTML, no line breaks, no table pipes, no code
    span, emphasis, strikethrough or link, no mention, issue reference or autolink."""
    return _unlinked(_printable(text).translate(_MARKDOWN_ESCAPES))


def _code(text: str) -> str:
    """`text` as an inline code span (where nothing is escaped, and GitHub makes no mention, reference
    or autolink): delimited by more backticks than any run of them in it, so that none ends it early; on
    one line."""
    shown = _printable(text)
    longest = max((len(run) for run in re.findall("`+", shown)), default=0)
    delimiter = "`" * (longest + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") else ""
    return f"{delimiter}{pad}{shown}{pad}{delimiter}"


def _fenced(lines: Iterable[str], language: str = "sh") -> list[str]:
    body = list(lines)
    fence = "```"
    while any(fence in line for line in body):
        fence += "`"
    return [f"{fence}{language}", *body, fence]


def _md_commands(calls: Iterable[Call], region: str) -> Iterator[str]:
    """Commands for a fenced block, each on one line."""
    return (_printable(cli_command(call, region)) for call in calls)


def render_plan_markdown(plan: Plan) -> str:
    """The plan for a ticket or a pull request: a summary table, then each change with its commands
    and their undo, the manual steps and what was left out."""
    lines = [
        f"# cloudwarden fix plan: {_md(plan.report)}",
        "",
        f"Scanned at {_md(plan.scanned_at)}: {_counts(plan)}.",
        "",
    ]
    if plan.changes:
        lines += ["| # | rule | account | region | resource | change |", "|---|---|---|---|---|---|"]
        for number, change in enumerate(plan.changes, 1):
            cells = (change.rule, change.account, change.region, change.resource, change.summary)
            lines.append(f"| {number} | " + " | ".join(_md(cell) for cell in cells) + " |")
        lines.append("")
    for number, change in enumerate(plan.changes, 1):
        lines += [f"## {number}. {_md(change.rule)} on {_code(change.resource)}", ""]
        lines += [
            f"Finding {_code(change.finding)}"
            + (f" (also {', '.join(map(_code, change.also_fixes))})" if change.also_fixes else "")
            + f": {_md(change.summary)}",
            "",
        ]
        lines += ["Before:", "", *_fenced([json.dumps(change.before, indent=2, sort_keys=True)], "json"), ""]
        lines += ["Commands:", "", *_fenced(_md_commands(change.calls, change.region)), ""]
        lines += ["Undo:", "", *_fenced(_md_commands(change.rollback, change.region)), ""]
        for alternative in change.alternatives:
            lines += [f"Alternative, {_md(alternative.action)}: {_md(alternative.summary)}", ""]
            lines += [*_fenced(_md_commands(alternative.calls, change.region)), ""]
    if plan.manual:
        lines += ["## Manual steps", ""]
        for step in plan.manual:
            lines.append(
                f"- **{_md(step.rule)}** {_code(step.resource)} ({_md(step.account)}, finding "
                f"{_code(step.finding)}): {_md(step.why)}. {_md(step.steps)}"
            )
        lines.append("")
    if plan.left_out:
        lines += ["## Left out", "", *(f"- {_md(line)}" for line in _left_out_lines(plan)), ""]
    return "\n".join(lines)


RENDERERS = {
    PlanFormat.SH: render_plan_sh,
    PlanFormat.JSON: render_plan_json,
    PlanFormat.MARKDOWN: render_plan_markdown,
}
