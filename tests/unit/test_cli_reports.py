"""`evaluate` writes its reports: a JSON report alone is streamed, and is the same document as the
whole report's; exit codes are counted on the way; a report that could not be finished leaves nothing."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest
from typer.testing import CliRunner

from cloudwarden.cli import app
from cloudwarden.config import Config
from cloudwarden.engine import Evaluation, evaluate
from cloudwarden.findings import ScanSummary
from cloudwarden.report import Format, render
from cloudwarden.rules import RULES
from cloudwarden.snapshot import AccountSnapshot, Snapshot, dump_snapshot, load_snapshot

from .builders import (
    ACCOUNT_ID,
    OTHER_ACCOUNT_ID,
    account,
    account_summary,
    console_user,
    credential_report,
    root_row,
    snapshot,
)

IAM_RULES = ("root-strong-password", "root-mfa", "iam-user-mfa", "root-no-access-keys", "root-not-used")


def _saved(tmp_path: Path, scan: Snapshot) -> Path:
    path = tmp_path / "snapshot.json"
    dump_snapshot(scan, path)
    return path


def _evaluate(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["evaluate", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _failing_account(account_id: str = ACCOUNT_ID) -> AccountSnapshot:
    """Root without MFA (critical) and a console user without MFA."""
    return account(
        account_id=account_id,
        summary=account_summary(mfa=False),
        report=credential_report(root_row(account_id), console_user("alice", mfa=False)),
    )


def test_a_json_report_to_a_file_is_the_whole_report(tmp_path: Path) -> None:
    path = _saved(tmp_path, snapshot(_failing_account(), _failing_account(OTHER_ACCOUNT_ID)))
    output = tmp_path / "report.json"
    code, stdout, _ = _evaluate(str(path), "--format", "json", "--output", str(output))
    expected = evaluate(load_snapshot(path), Config())
    assert code == 1
    assert stdout == ""
    assert output.read_bytes() == msgspec.json.format(msgspec.json.encode(expected), indent=2) + b"\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "snapshot.json"]


def test_a_json_report_to_standard_output_and_to_a_directory(tmp_path: Path) -> None:
    path = _saved(tmp_path, snapshot(_failing_account()))
    code, stdout, _ = _evaluate(str(path), "--format", "json")
    assert code == 1
    document = json.loads(stdout)
    assert document["scan"]["accounts"] == [ACCOUNT_ID]
    reports = tmp_path / "reports"
    reports.mkdir()
    code, _, _ = _evaluate(str(path), "--format", "json", "--output", str(reports))
    assert code == 1
    assert json.loads((reports / "cloudwarden.json").read_text()) == document


@pytest.mark.parametrize(
    ("accounts", "fail_on", "code"),
    [
        ((_failing_account(),), "info", 1),
        ((_failing_account(),), "critical", 1),
        (
            (account(report=credential_report(root_row(ACCOUNT_ID), console_user("alice", mfa=False))),),
            "high",
            1,
        ),
        (
            (account(report=credential_report(root_row(ACCOUNT_ID), console_user("alice", mfa=False))),),
            "critical",
            0,
        ),
        ((account(),), "info", 0),
        # Nothing FAILs, but the account summary could not be read: root-mfa was not judged.
        ((account(summary=None),), "info", 3),
        # A FAIL at the threshold decides, whatever could not be judged.
        ((_failing_account(), account(account_id=OTHER_ACCOUNT_ID, summary=None)), "critical", 1),
        ((account(summary=None, report=None),), "critical", 3),
        # A snapshot of no account judged nothing.
        ((), "info", 3),
    ],
)
def test_streamed_exit_codes_follow_fail_on_and_what_could_not_be_judged(
    tmp_path: Path, accounts: tuple[AccountSnapshot, ...], fail_on: str, code: int
) -> None:
    path = _saved(tmp_path, snapshot(*accounts))
    # The builders' accounts hold IAM data only: the other rules would say UNKNOWN (data missing).
    rules = [f"--rule={rule}" for rule in IAM_RULES]
    streamed, _, _ = _evaluate(
        str(path), *rules, "--format", "json", "--fail-on", fail_on, "--output", str(tmp_path / "r.json")
    )
    # HTML is not streamed: the exit code of a held report must be the same.
    held, _, _ = _evaluate(
        str(path), *rules, "--format", "html", "--fail-on", fail_on, "--output", str(tmp_path / "r.html")
    )
    assert streamed == held == code


def test_data_missing_from_the_snapshot_is_not_a_green_run(tmp_path: Path) -> None:
    path = _saved(tmp_path, snapshot(account()))
    code, stdout, stderr = _evaluate(str(path), "--format", "json")
    assert code == 3
    findings = json.loads(stdout)["findings"]
    unknown = {(f["rule"], f["unknown_cause"]) for f in findings if f["status"] == "UNKNOWN"}
    assert unknown == {
        ("cloudtrail-segregated-storage", "failed-call"),
        ("route53-no-dangling-records", "failed-call"),
        ("s3-no-public-access", "failed-call"),
        ("sg-inbound-rules-only", "failed-call"),
        ("sg-minimal-inbound", "failed-call"),
        ("sg-no-internal-all-ports", "failed-call"),
        ("sg-egress-via-nsm-only", "failed-call"),
    }
    assert not [f for f in findings if f["status"] != "UNKNOWN" and "unknown_cause" in f]
    assert stderr == (
        "cloudwarden: 7 finding(s) could not be judged (UNKNOWN after a failed call or a rule error): "
        "exit 3\n"
    )


def test_an_unreachable_account_without_fails_exits_3_when_streamed(tmp_path: Path) -> None:
    unreachable = msgspec.structs.replace(
        account(account_id=OTHER_ACCOUNT_ID), unreachable="AssumeRole was denied"
    )
    path = _saved(tmp_path, snapshot(account(), unreachable))
    code, stdout, _ = _evaluate(str(path), "--format", "json")
    assert code == 3
    assert json.loads(stdout)["scan"]["unreachable_accounts"] == {OTHER_ACCOUNT_ID: "AssumeRole was denied"}


def test_a_report_that_cannot_be_finished_leaves_the_old_one_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _saved(tmp_path, snapshot(_failing_account()))
    output = tmp_path / "report.json"
    output.write_text("the previous report\n")

    def broken(self: Evaluation) -> ScanSummary:
        raise RuntimeError("summary lost")

    monkeypatch.setattr(Evaluation, "summary", broken)
    code, _, stderr = _evaluate(str(path), "--format", "json", "--output", str(output))
    assert code == 3
    assert "internal error: RuntimeError: summary lost" in stderr
    assert output.read_text() == "the previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "snapshot.json"]


def test_an_unwritable_report_exits_2(tmp_path: Path) -> None:
    path = _saved(tmp_path, snapshot(account()))
    code, _, stderr = _evaluate(
        str(path), "--format", "json", "--output", str(tmp_path / "missing" / "r.json")
    )
    assert code == 2
    assert f"cannot write {tmp_path / 'missing' / 'r.json'}: No such file or directory" in stderr
    assert "partial" not in stderr
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, stderr = _evaluate(
        str(path), "--format", "json", "--format", "csv", "--output", str(blocker / "reports")
    )
    assert code == 2
    assert "cannot create the directory" in stderr


def test_other_formats_replace_the_previous_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _saved(tmp_path, snapshot(_failing_account()))
    output = tmp_path / "report.csv"
    output.write_text("the previous report\n")
    code, _, _ = _evaluate(str(path), "--format", "csv", "--output", str(output))
    assert code == 1
    assert output.read_text(encoding="utf-8").startswith("id,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv", "snapshot.json"]

    def full_disk(self: Path, target: Path) -> Path:
        raise OSError(28, "No space left on device")

    previous = output.read_bytes()
    monkeypatch.setattr(Path, "replace", full_disk)
    code, _, stderr = _evaluate(str(path), "--format", "csv", "--output", str(output))
    assert code == 2
    assert f"cannot write {output}: No space left on device" in stderr
    assert output.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv", "snapshot.json"]


def test_every_streamed_format_is_written_in_one_pass_as_its_renderer_writes_it(tmp_path: Path) -> None:
    path = _saved(tmp_path, snapshot(_failing_account(), _failing_account(OTHER_ACCOUNT_ID)))
    reports = tmp_path / "reports"
    formats = [argument for fmt in ("json", "csv", "ocsf", "asff", "sarif") for argument in ("--format", fmt)]
    code, stdout, _ = _evaluate(str(path), *formats, "--output", str(reports))
    assert code == 1
    assert stdout == ""
    expected = evaluate(load_snapshot(path), Config())
    written = {p.name: p.read_bytes() for p in reports.iterdir()}
    assert written == {
        f"cloudwarden.{fmt.extension}": render(expected, fmt, RULES).encode()
        for fmt in (Format.JSON, Format.CSV, Format.OCSF, Format.ASFF, Format.SARIF)
    }


def test_one_streamed_format_goes_to_standard_output(tmp_path: Path) -> None:
    path = _saved(tmp_path, snapshot(_failing_account()))
    code, stdout, _ = _evaluate(str(path), "--format", "asff")
    assert code == 1
    assert stdout == render(evaluate(load_snapshot(path), Config()), Format.ASFF, RULES)


def test_several_formats_to_standard_output_follow_one_another(tmp_path: Path) -> None:
    """Streams cannot share standard output: the report is held, and each format written in turn."""
    path = _saved(tmp_path, snapshot(_failing_account()))
    code, stdout, _ = _evaluate(str(path), "--format", "csv", "--format", "json")
    expected = evaluate(load_snapshot(path), Config())
    assert code == 1
    both = render(expected, Format.CSV, RULES) + render(expected, Format.JSON, RULES)
    assert stdout == both.replace("\r\n", "\n")  # the runner reads standard output as text


def test_streamed_reports_that_cannot_be_finished_leave_none_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _saved(tmp_path, snapshot(_failing_account()))
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "cloudwarden.csv").write_text("the previous report\n")

    def broken(self: Evaluation) -> ScanSummary:
        raise RuntimeError("summary lost")

    monkeypatch.setattr(Evaluation, "summary", broken)
    code, _, _ = _evaluate(str(path), "--format", "csv", "--format", "ocsf", "--output", str(reports))
    assert code == 3
    assert sorted(p.name for p in reports.iterdir()) == ["cloudwarden.csv"]
    assert (reports / "cloudwarden.csv").read_text() == "the previous report\n"
