"""A scan stopped by a signal, as a real process: it ends at once, says so in one line, and leaves the
previous report whole and no temporary file, while AWS calls are still in flight."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cloudwarden_emulator import Emulator

from .scanner import emulator_environment

LATENCY_MS = 8000
"""Every AWS answer takes this long, so calls are in flight, and a scan takes several times this."""
PROMPT = 5.0
"""Seconds within which the process must end after the signal: well under one call's latency."""


def _collecting(process: subprocess.Popen[str], timeout: float) -> None:
    """Wait until the scan collects: its thread pools run (before, only the main thread exists)."""
    deadline = time.monotonic() + timeout
    while len(os.listdir(f"/proc/{process.pid}/task")) < 2:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the scan did not start collecting"
        time.sleep(0.05)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts the process's threads in /proc")
@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"]
)
def test_a_signal_during_collection_ends_the_scan_at_once_with_one_line(
    emulator: Emulator, tmp_path: Path, signum: signal.Signals, code: int
) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    previous = reports / "report.json"
    previous.write_text("the previous report\n")
    emulator.set_latency(LATENCY_MS)
    env = {key: value for key, value in emulator_environment(emulator).items() if value is not None}
    with subprocess.Popen(
        [sys.executable, "-m", "cloudwarden", "scan", "--region", "us-east-1", "--output", str(previous)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        _collecting(process, timeout=60 + LATENCY_MS / 1000)
        sent = time.monotonic()
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
        elapsed = time.monotonic() - sent
    assert elapsed < PROMPT, f"the scan took {elapsed:.1f} s to stop"
    assert process.returncode == code
    assert stdout == ""
    assert stderr.splitlines() == [
        f"cloudwarden: interrupted by {signum.name}: stopped, no file was left half-written"
    ]
    assert sorted(path.name for path in reports.iterdir()) == ["report.json"]
    assert previous.read_text() == "the previous report\n"
