"""`cloudwarden diff`: new, resolved, changed and unchanged findings, and the exit code that gates."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
from typer.testing import CliRunner

from cloudwarden.cli import app
from cloudwarden.findings import (
    Finding,
    Report,
    Resource,
    ScanSummary,
    Severity,
    Status,
    ToolInfo,
    finding_id,
)
from cloudwarden.report.diff import compare, render_diff_json, render_diff_terminal

ACCOUNT = "111122223333"


def _finding(resource: str, status: Status, rule: str = "sg-minimal-inbound") -> Finding:
    return Finding(
        id=finding_id(rule, ACCOUNT, resource),
        rule=rule,
        title="t",
        status=status,
        severity=Severity.HIGH,
        account=ACCOUNT,
        region="us-east-1",
        resource=Resource(type="AWS::EC2::SecurityGroup", id=resource),
        message=f"{resource} is {status.value}",
        evidence={},
        remediation="",
        suppression=None,
    )


def _report(*findings: Finding) -> Report:
    return Report(
        scan=ScanSummary(
            started_at="2026-01-01T00:00:00+00:00",
            finished_at="2026-01-01T00:01:00+00:00",
            tool=ToolInfo(name="cloudwarden", version="test"),
            accounts=(ACCOUNT,),
            regions=("us-east-1",),
            errors=(),
            stats={},
        ),
        findings=findings,
    )


OLD = _report(
    _finding("sg-stays-fail", Status.FAIL),
    _finding("sg-gets-fixed", Status.FAIL),
    _finding("sg-breaks", Status.PASS),
    _finding("sg-deleted", Status.FAIL),
    _finding("sg-stays-pass", Status.PASS),
)
NEW = _report(
    _finding("sg-stays-fail", Status.FAIL),
    _finding("sg-gets-fixed", Status.PASS),
    _finding("sg-breaks", Status.FAIL),
    _finding("sg-stays-pass", Status.PASS),
    _finding("sg-created-failing", Status.FAIL),
    _finding("sg-created-passing", Status.PASS),
)


def test_findings_are_matched_by_id() -> None:
    diff = compare(OLD, NEW)
    assert {f.resource.id for f in diff.new} == {"sg-created-failing", "sg-created-passing"}
    assert {f.resource.id for f in diff.resolved} == {"sg-deleted"}
    assert {(c.old.status, c.new.status, c.new.resource.id) for c in diff.changed} == {
        (Status.FAIL, Status.PASS, "sg-gets-fixed"),
        (Status.PASS, Status.FAIL, "sg-breaks"),
    }
    assert {f.resource.id for f in diff.unchanged} == {"sg-stays-fail", "sg-stays-pass"}
    assert {f.resource.id for f in diff.new_fails} == {"sg-created-failing", "sg-breaks"}


def test_identical_reports_have_no_new_fail() -> None:
    diff = compare(OLD, OLD)
    assert diff.new == diff.resolved == ()
    assert diff.changed == ()
    assert diff.new_fails == ()
    assert len(diff.unchanged) == 5


def test_json_and_terminal_renderings() -> None:
    diff = compare(OLD, NEW)
    document = json.loads(render_diff_json(diff))
    assert document["schema"] == "cloudwarden.diff/1"
    assert [entry["resource"] for entry in document["new_fails"]] == ["sg-created-failing", "sg-breaks"]
    assert document["unchanged"] == 2
    assert [(entry["resource"], entry["old_status"]) for entry in document["changed"]] == [
        ("sg-gets-fixed", "FAIL"),
        ("sg-breaks", "PASS"),
    ]
    text = render_diff_terminal(diff, color=False)
    assert text.splitlines()[0] == "new 2  resolved 1  changed 2  unchanged 2  new FAIL 2"
    assert "\x1b[" not in text


def _write(path: Path, report: Report) -> str:
    path.write_bytes(msgspec.json.encode(report))
    return str(path)


def test_diff_command_exits_1_on_a_new_fail_and_0_otherwise(tmp_path: Path) -> None:
    old, new = _write(tmp_path / "old.json", OLD), _write(tmp_path / "new.json", NEW)
    runner = CliRunner()
    assert runner.invoke(app, ["diff", old, new]).exit_code == 1
    assert runner.invoke(app, ["diff", old, old]).exit_code == 0
    fixed_only = _write(
        tmp_path / "fixed.json", _report(*(f for f in OLD.findings if f.resource.id != "sg-gets-fixed"))
    )
    assert runner.invoke(app, ["diff", old, fixed_only, "--format", "json"]).exit_code == 0


def test_findings_shaped_as_in_the_contract_are_compared(tmp_path: Path) -> None:
    """The contract's example finding has no `suppression` or `unknown_cause`: a report of that shape
    is read as it always was."""
    document = msgspec.to_builtins(NEW)
    for finding in document["findings"]:
        for key in ("suppression", "evidence", "remediation"):
            del finding[key]
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(document))
    result = CliRunner().invoke(app, ["diff", _write(tmp_path / "old.json", OLD), str(bare)])
    assert result.exit_code == 1, result.stderr
    assert result.stderr == ""


def test_diff_of_a_file_that_is_not_a_report_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "something else"}')
    result = CliRunner().invoke(app, ["diff", str(bad), str(bad)])
    assert result.exit_code == 2
    assert "not a cloudwarden JSON report" in result.stderr


def _refused(old: str, new: str, *phrases: str) -> None:
    result = CliRunner().invoke(app, ["diff", old, new])
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    for phrase in phrases:
        assert phrase in line


def test_diff_of_a_report_of_another_schema_version_exits_2_naming_it(tmp_path: Path) -> None:
    document = msgspec.to_builtins(NEW)
    document["schema"] = "cloudwarden.findings/2"
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(document))
    _refused(
        _write(tmp_path / "old.json", OLD),
        str(newer),
        f"{newer} is not a cloudwarden JSON report",
        "schema 'cloudwarden.findings/2', expected 'cloudwarden.findings/1'",
    )


def test_diff_of_a_report_without_schema_exits_2(tmp_path: Path) -> None:
    document = msgspec.to_builtins(OLD)
    del document["schema"]
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(document))
    _refused(str(bare), _write(tmp_path / "new.json", NEW), f"{bare} is not", "schema None")


def test_diff_of_a_report_holding_one_finding_id_twice_exits_2_naming_the_id(tmp_path: Path) -> None:
    """A FAIL followed by a PASS of the same id would otherwise hide the FAIL (the later one wins)."""
    breaks = next(finding for finding in NEW.findings if finding.resource.id == "sg-breaks")
    hiding = _report(*NEW.findings, msgspec.structs.replace(breaks, status=Status.PASS))
    doubled = _write(tmp_path / "doubled.json", hiding)
    _refused(
        _write(tmp_path / "old.json", OLD),
        doubled,
        f"{doubled} holds the same finding id more than once: '{breaks.id}'",
    )


def test_many_duplicated_ids_are_counted_beyond_the_first_five(tmp_path: Path) -> None:
    findings = [_finding(f"sg-{number}", Status.PASS) for number in range(8)]
    doubled = _write(tmp_path / "doubled.json", _report(*findings, *findings))
    _refused(doubled, doubled, "more than once: ", " and 3 more")
