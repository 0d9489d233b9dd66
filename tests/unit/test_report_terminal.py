"""The terminal report: AWS-controlled text is printed as inert plain text; one block per rule."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from cloudwarden.config import Config, SuppressionConfig
from cloudwarden.engine import evaluate
from cloudwarden.findings import Report
from cloudwarden.report.terminal import MAX_LINES_PER_RULE, clean, render_terminal
from cloudwarden.rules import RULES
from cloudwarden.rules.iam_user_mfa import IAM_USER_MFA
from cloudwarden.snapshot import AccountSnapshot, AccountStats, IamData, OperationStats

from .builders import (
    ACCOUNT_ID,
    account,
    account_summary,
    api_error,
    console_user,
    credential_report,
    key_user,
    root_row,
    snapshot,
    user_row,
)

TODAY = dt.date(2025, 6, 15)


def _report_of(*users: str) -> Report:
    rows = [root_row(), *(console_user(name, mfa=False) for name in users)]
    return evaluate(snapshot(account(report=credential_report(*rows))), Config(), today=TODAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b[1;38;5;196mbold\x1b[m", "bold"),
        ("\x1b[2J\x1b[Hcleared", "cleared"),
        ("\x1b]0;window title\x07after", "after"),
        ("\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x1b]52;c;ZWNobyBwd25lZA==\x07", ""),
        ("bell\x07null\x00del\x7f", "bellnulldel"),
        ("c1\x9b31mcsi\x85nel", "c131mcsinel"),
        ("back\x08space", "backspace"),
        ("tab\tnew\nline\rreturn", "tab new line return"),
        ("[bold red]markup[/]", "[bold red]markup[/]"),
        ("naïve café ☕", "naïve café ☕"),
    ],
)
def test_clean_strips_escapes_and_control_characters(text: str, expected: str) -> None:
    assert clean(text) == expected


def test_markup_in_a_user_name_is_printed_literally() -> None:
    output = render_terminal(_report_of("[bold red]x[/]"), RULES, color=False)
    assert f"{ACCOUNT_ID} [bold red]x[/]: the user can sign in" in output
    assert "\x1b" not in output


def test_escape_sequences_in_a_user_name_are_stripped() -> None:
    output = render_terminal(_report_of("\x1b[31mmallory\x1b]0;pwned\x07"), RULES, color=False)
    assert f"{ACCOUNT_ID} mallory: the user can sign in" in output
    assert "\x1b" not in output
    assert "pwned" not in output


def test_newline_in_a_name_cannot_forge_a_report_line() -> None:
    output = render_terminal(_report_of("eve\n  PASS    info     all good"), RULES, color=False)
    assert not any(line.startswith("  PASS    info") for line in output.splitlines())
    assert f"{ACCOUNT_ID} eve   PASS    info     all good: the user" in output


def test_escapes_in_api_error_messages_and_warnings_are_stripped() -> None:
    error = api_error("GetCredentialReport", code="AccessDenied\x1b[2J")
    scan = snapshot(account(report=None, errors=[error]), errors=[error])
    report = evaluate(scan, Config(), today=TODAY)
    output = render_terminal(report, RULES, color=False)
    assert "\x1b" not in output
    assert "error: 123456789012 iam:GetCredentialReport in us-east-1: AccessDenied:" in output


def test_plain_output_has_no_colour_codes_and_colour_output_has_them() -> None:
    report = _report_of("alice")
    assert "\x1b[" not in render_terminal(report, RULES, color=False)
    assert "\x1b[" in render_terminal(report, RULES, color=True)


def test_colour_output_still_strips_escapes_from_names() -> None:
    output = render_terminal(_report_of("\x1b]8;;https://evil.example\x07mallory"), RULES, color=True)
    assert "evil.example" not in output
    assert "mallory" in output


def test_report_has_one_block_per_rule_with_counts() -> None:
    rows = [
        root_row(),
        console_user("alice", mfa=False),
        console_user("bob", mfa=True),
        key_user("deploy", mfa=False),
        user_row("carol", mfa_active="??", password_enabled="true"),
    ]
    report = evaluate(
        snapshot(account(summary=account_summary(mfa=False), report=credential_report(*rows))),
        Config(),
        today=TODAY,
    )
    lines = render_terminal(report, RULES, color=False).splitlines()
    for rule in RULES:
        assert sum(f"[{rule.id}]" in line for line in lines) == 1, rule.id
    user_block = lines.index(next(line for line in lines if "[iam-user-mfa]" in line))
    assert lines[user_block].startswith(
        "Root User: Enable multi factor authentication (MFA) for non federated"
    )
    assert lines[user_block + 1].split() == ["PASS", "1", "FAIL", "2", "UNKNOWN", "1", "MANUAL", "0"]
    shown = lines[user_block + 2 : user_block + 5]
    assert [line.split()[:3] for line in shown] == [
        ["FAIL", "high", ACCOUNT_ID],
        ["FAIL", "medium", ACCOUNT_ID],
        ["UNKNOWN", "high", ACCOUNT_ID],
    ]
    assert [line.split()[3] for line in shown] == ["alice:", "deploy:", "carol:"]
    total = next(line for line in lines if line.startswith("Total"))
    # Seven more UNKNOWNs: this hand-built account carries no S3, CloudTrail, DNS or network data.
    assert total.split() == ["Total", "PASS", "3", "FAIL", "3", "UNKNOWN", "8", "MANUAL", "1"]


def test_header_names_accounts_and_collection_time() -> None:
    first = render_terminal(_report_of("alice"), RULES, color=False).splitlines()[0]
    assert first.startswith("cloudwarden ")
    assert f"accounts: {ACCOUNT_ID}" in first
    assert "regions: 2" in first
    assert "collected: 2025-06-15T12:00:00+00:00" in first


def test_rule_without_findings_has_no_block() -> None:
    report = _report_of("alice")
    only_users = Report(
        scan=report.scan, findings=tuple(f for f in report.findings if f.rule == IAM_USER_MFA.id)
    )
    output = render_terminal(only_users, RULES, color=False)
    assert "[iam-user-mfa]" in output
    assert "[root-mfa]" not in output


def test_long_lists_are_cut_with_a_pointer_to_json() -> None:
    names = [f"user-{index:02}" for index in range(MAX_LINES_PER_RULE + 5)]
    output = render_terminal(_report_of(*names), RULES, color=False)
    assert "... and 5 more (see --format json)" in output
    assert sum("the user can sign in" in line for line in output.splitlines()) == MAX_LINES_PER_RULE


def test_suppressed_findings_are_listed_after_fails_with_their_reason() -> None:
    suppression = SuppressionConfig(
        rule="iam-user-mfa", resource="deploy", reason="break-glass, reviewed", expires=dt.date(2026, 1, 1)
    )
    rows = [root_row(), console_user("alice", mfa=False), key_user("deploy", mfa=False)]
    report = evaluate(
        snapshot(account(report=credential_report(*rows))), Config(suppressions=(suppression,)), today=TODAY
    )
    lines = render_terminal(report, RULES, color=False).splitlines()
    block = lines.index(next(line for line in lines if "[iam-user-mfa]" in line))
    assert lines[block + 1].split() == [
        "PASS",
        "0",
        "FAIL",
        "1",
        "UNKNOWN",
        "0",
        "MANUAL",
        "0",
        "SUPPRESSED",
        "1",
    ]
    assert lines[block + 2].split()[:4] == ["FAIL", "high", ACCOUNT_ID, "alice:"]
    assert lines[block + 3].split()[:4] == ["SUPPRESSED", "medium", ACCOUNT_ID, "deploy:"]
    assert lines[block + 3].endswith("[suppressed until 2026-01-01: break-glass, reviewed]")


def test_each_account_line_gives_its_cost_and_why_an_account_was_not_scanned() -> None:
    scanned = msgspec.structs.replace(
        account(),
        stats=AccountStats(seconds=12.34, operations={"iam.GetAccountSummary": OperationStats(calls=41)}),
    )
    refused = AccountSnapshot(
        account_id="222233334444",
        regions=(),
        iam=IamData(),
        unreachable="cannot assume arn:aws:iam::222233334444:role/Audit: AccessDenied: \x1b[2Jno",
        stats=AccountStats(seconds=0.5, operations={"sts.AssumeRole": OperationStats(calls=1, errors=1)}),
    )
    report = evaluate(snapshot(scanned, refused), Config(), today=TODAY)

    lines = render_terminal(report, RULES, color=False).splitlines()

    (first,) = [line for line in lines if line.startswith(f"Account {ACCOUNT_ID}")]
    assert first.endswith("12.3 s, 41 calls")
    (second,) = [line for line in lines if line.startswith("Account 222233334444")]
    assert (
        "0.5 s, 1 call   not scanned: cannot assume arn:aws:iam::222233334444:role/Audit: AccessDenied:"
        in second
    )
    assert "\x1b" not in second
