"""An internal error: one line and a hint without `--debug`; its traceback with it, whether `--debug`
comes before the command's name or after it. The exit code is 3 either way."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cloudwarden.cli import app
from cloudwarden.engine import Evaluation
from cloudwarden.findings import ScanSummary
from cloudwarden.snapshot import dump_snapshot

from .builders import account, snapshot

SUMMARY = "cloudwarden: internal error: RuntimeError: summary lost"


@pytest.fixture
def broken_evaluation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A saved snapshot whose evaluation fails unexpectedly."""

    def broken(self: Evaluation) -> ScanSummary:
        raise RuntimeError("summary lost")

    monkeypatch.setattr(Evaluation, "summary", broken)
    path = tmp_path / "snapshot.json"
    dump_snapshot(snapshot(account()), path)
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_an_internal_error_without_debug_is_one_line_and_a_hint(broken_evaluation: Path) -> None:
    code, stdout, stderr = _run("evaluate", str(broken_evaluation), "--format", "json")
    assert code == 3
    assert stdout == ""
    assert stderr == f"{SUMMARY} (run again with --debug for the traceback)\n"


@pytest.mark.parametrize(
    "position",
    [
        pytest.param(("--debug", "evaluate", "SNAPSHOT"), id="before-the-command"),
        pytest.param(("evaluate", "SNAPSHOT", "--debug"), id="after-the-command"),
    ],
)
def test_debug_prints_the_traceback_then_the_line(broken_evaluation: Path, position: tuple[str, ...]) -> None:
    args = [str(broken_evaluation) if arg == "SNAPSHOT" else arg for arg in position]
    code, _, stderr = _run(*args, "--format", "json")
    assert code == 3
    lines = stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert "in broken" in stderr  # the frame that raised
    assert lines[-2:] == ["RuntimeError: summary lost", SUMMARY]
    assert "--debug for the traceback" not in stderr


@pytest.mark.parametrize("command", ["scan", "collect", "evaluate", "diff", "demo", "rules", "permissions"])
def test_every_command_takes_debug(command: str) -> None:
    code, stdout, _ = _run(command, "--help")
    assert code == 0
    assert "--debug" in stdout


def test_debug_changes_nothing_when_all_goes_well(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.json"
    dump_snapshot(snapshot(account()), path)
    plain = _run("evaluate", str(path), "--rule", "root-mfa", "--format", "json")
    assert plain[0] == 0
    assert _run("--debug", "evaluate", str(path), "--rule", "root-mfa", "--format", "json") == plain
