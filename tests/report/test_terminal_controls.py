"""The terminal report names the framework controls of a guideline that FAILs, at the end of its block."""

from __future__ import annotations

import msgspec

from cloudwarden.findings import ComplianceRef, Report, Status
from cloudwarden.report.terminal import render_terminal
from cloudwarden.ruledoc import RuleDoc

from .sample import HOSTILE, sample_report


def _block(output: str, rule_id: str) -> list[str]:
    """The lines of a rule's block, from its header to the blank line that ends it."""
    lines = output.splitlines()
    start = next(index for index, line in enumerate(lines) if f"[{rule_id}]" in line)
    end = next((index for index in range(start, len(lines)) if not lines[index].strip()), len(lines))
    return lines[start:end]


def test_a_failing_guideline_ends_with_its_controls(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    output = render_terminal(report, rules, color=False)
    assert _block(output, "root-mfa")[-1] == (
        "  controls: cis-aws-foundations-3.0.0/1.5, cis-aws-foundations-5.0.0/1.4, aws-fsbp/IAM.6"
    )
    assert _block(output, "sg-minimal-inbound")[-1] == (
        "  controls: cis-aws-foundations-3.0.0/5.2, cis-aws-foundations-3.0.0/5.3, aws-fsbp/EC2.19"
    )


def test_no_controls_line_without_a_fail_or_without_controls(
    report: Report, rules: tuple[RuleDoc, ...]
) -> None:
    output = render_terminal(report, rules, color=False)
    for rule_id in ("root-strong-password", "cloudtrail-segregated-storage", "route53-no-dangling-records"):
        assert not any("controls:" in line for line in _block(output, rule_id)), rule_id
    passing = sample_report(
        tuple(finding for finding in report.findings if finding.status is not Status.FAIL)
    )
    assert "controls:" not in render_terminal(passing, rules, color=False)


def test_a_control_is_plain_text(rules: tuple[RuleDoc, ...]) -> None:
    finding = msgspec.structs.replace(
        HOSTILE, compliance=(ComplianceRef(framework="[bold]x\x1b[2J", control="1", relationship="partial"),)
    )
    output = render_terminal(sample_report((finding,)), rules, color=True)
    assert "\x1b[2J" not in output
    assert "[bold]x/1" in output
