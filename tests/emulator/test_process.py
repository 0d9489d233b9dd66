"""The emulator process: its command line contract, and how Emulator starts and stops it."""

import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from cloudwarden_emulator import Emulator, EmulatorError

SRC = Path(__file__).resolve().parents[2] / "src"


def test_module_announces_its_endpoint_once_and_stays_quiet() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "cloudwarden_emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=SRC,
    )
    with process:
        assert process.stdout is not None
        line = process.stdout.readline()
        endpoint = re.fullmatch(r"cloudwarden-emulator listening on (http://127\.0\.0\.1:\d+)\n", line)
        assert endpoint is not None, line
        with urllib.request.urlopen(f"{endpoint[1]}/_cloudwarden/health", timeout=10) as response:
            assert response.status == 200
        process.terminate()
        stdout, stderr = process.communicate(timeout=10)

    assert (stdout, stderr) == ("", "")


def test_failed_start_reports_the_child_stderr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'no moto here' >&2\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(broken))
    emulator = Emulator()

    with pytest.raises(EmulatorError, match="the emulator exited; its stderr:\nno moto here\n"):
        emulator.start()
    with pytest.raises(EmulatorError, match="not running"):
        _ = emulator.endpoint


def test_stop_ends_the_process_and_may_repeat() -> None:
    emulator = Emulator()
    emulator.start()
    port = int(emulator.endpoint.rsplit(":", 1)[1])

    emulator.stop()
    emulator.stop()

    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
