"""Running a benchmark script at a tiny size and reading its figures (the smoke tests' shared part)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def run_bench(script: str, *arguments: str) -> str:
    """The standard output of `bench/<script> <arguments>`, which must exit 0."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    completed = subprocess.run(
        [sys.executable, str(BENCH / script), *arguments],
        capture_output=True,
        text=True,
        timeout=180,
        env=environment,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def number(text: str) -> int:
    """`1,234` -> 1234."""
    return int(text.replace(",", ""))
