"""Where reports and snapshots go, from the command line: a bad `--output` fails before any AWS call;
no write follows a link planted in the output directory; standard output closed or full is exit 2
with one line, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudwarden.snapshot import dump_snapshot
from cloudwarden_emulator import Emulator
from tests.planted import VICTIM_CONTENT
from tests.unit.builders import account, snapshot

from .scanner import cloudwarden, emulator_environment


@pytest.fixture
def fifo(shared: Path) -> Iterator[Path]:
    """A FIFO with a reader that never blocks, so that nothing written to it could block the test."""
    path = shared / "fifo"
    os.mkfifo(path)
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        yield path
        assert os.read(reader, 100) == b"", "the FIFO was written"
    finally:
        os.close(reader)


@pytest.fixture
def saved_snapshot(tmp_path: Path) -> Path:
    path = tmp_path / "snapshot.json"
    dump_snapshot(snapshot(account()), path)
    return path


def _names(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


@pytest.mark.parametrize(
    ("command", "output", "problem"),
    [
        (["scan"], "missing/r.json", "cannot write {output}: No such file or directory"),
        (["scan"], "fifo", "cannot write {output}: it is a FIFO, not a regular file"),
        (["scan"], "link", "cannot write {output}: it is a symbolic link, not a regular file"),
        # A link to a directory is not taken for the directory of the reports either.
        (["scan"], "dirlink", "cannot write {output}: it is a symbolic link, not a regular file"),
        (
            ["scan", "--format", "json", "--format", "csv"],
            "dirlink",
            "cannot write {output}: it is a symbolic link, not a regular file",
        ),
        (
            ["scan", "--format", "json", "--format", "csv"],
            "file/reports",
            "cannot create the directory {output}: Not a directory",
        ),
        (["collect"], ".", "cannot write {output}: it is a directory, not a regular file"),
        (["collect"], "missing/snapshot.json", "cannot write {output}: No such file or directory"),
    ],
    ids=[
        "scan-no-directory",
        "scan-fifo",
        "scan-link",
        "scan-link-to-a-directory",
        "scan-formats-into-a-link-to-a-directory",
        "scan-directory-blocked",
        "collect-dir",
        "collect-no-dir",
    ],
)
def test_a_bad_output_exits_2_before_any_aws_call(
    emulator: Emulator,
    shared: Path,
    fifo: Path,
    victim: Path,
    command: list[str],
    output: str,
    problem: str,
) -> None:
    (shared / "link").symlink_to(victim)
    (shared / "dirlink").symlink_to(victim.parent, target_is_directory=True)
    (shared / "file").write_text("")
    emulator.inject_error("sts", "GetCallerIdentity", code="ShouldNotBeCalled")
    target = shared / output
    run = cloudwarden(emulator, *command, "--region", "us-east-1", "--output", str(target))
    assert run.exit_code == 2, run.stderr
    assert run.stderr.splitlines() == [f"cloudwarden: error: {problem.format(output=target)}"]
    assert _names(shared) == ["dirlink", "fifo", "file", "link"]
    assert victim.read_bytes() == VICTIM_CONTENT
    assert _names(victim.parent) == [victim.name]


def test_links_planted_in_the_output_directory_are_not_followed(
    shared: Path, victim: Path, saved_snapshot: Path
) -> None:
    (shared / ".r.json.partial").symlink_to(victim)
    (shared / "linked.json").symlink_to(victim)
    run = cloudwarden(
        None, "evaluate", str(saved_snapshot), "--format", "json", "--output", str(shared / "r.json")
    )
    assert run.exit_code != 2, run.stderr
    assert json.loads((shared / "r.json").read_text())["schema"] == "cloudwarden.findings/1"
    run = cloudwarden(
        None, "evaluate", str(saved_snapshot), "--format", "json", "--output", str(shared / "linked.json")
    )
    assert run.exit_code == 2
    assert "it is a symbolic link" in run.stderr
    assert victim.read_bytes() == VICTIM_CONTENT
    assert (shared / ".r.json.partial").readlink() == (shared / "linked.json").readlink() == victim
    assert _names(shared) == [".r.json.partial", "linked.json", "r.json"]


def _into(stdout: int, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The CLI as a real process whose standard output is `stdout`."""
    return subprocess.run(
        [sys.executable, "-m", "cloudwarden", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        env={"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/"), **env},
        text=True,
        timeout=120,
        check=False,
    )


def _gone_reader() -> tuple[int, int]:
    """A pipe whose reader has gone, as `| head -1` is once it has its line: writing gives EPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    return read_end, write_end


@pytest.mark.parametrize("output_format", ["json", "terminal"], ids=["streamed", "held"])
def test_standard_output_closed_or_full_exits_2_with_one_line(
    saved_snapshot: Path, output_format: str
) -> None:
    _, write_end = _gone_reader()
    try:
        closed = _into(write_end, ["evaluate", str(saved_snapshot), "--format", output_format], {})
    finally:
        os.close(write_end)
    assert closed.returncode == 2
    assert closed.stderr.splitlines() == ["cloudwarden: error: cannot write to standard output: Broken pipe"]
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "wb") as full:
        filled = _into(full.fileno(), ["evaluate", str(saved_snapshot), "--format", output_format], {})
    assert filled.returncode == 2
    assert filled.stderr.splitlines() == [
        "cloudwarden: error: cannot write to standard output: No space left on device"
    ]


def test_a_scan_into_a_closed_pipe_exits_2_with_one_line(emulator: Emulator) -> None:
    env = {key: value for key, value in emulator_environment(emulator).items() if value is not None}
    _, write_end = _gone_reader()
    try:
        run = _into(write_end, ["scan", "--region", "us-east-1", "--format", "json"], env)
    finally:
        os.close(write_end)
    assert run.returncode == 2
    assert run.stderr.splitlines() == ["cloudwarden: error: cannot write to standard output: Broken pipe"]
