"""`cloudwarden demo` installed without its extra: exit 2 and one line saying what to install.

The emulator and moto are the optional extra `cloudwarden[demo]`. Each test runs the console script's
`main` in a fresh interpreter where one of them cannot be imported (`sys.modules[name] = None` makes
Python refuse the import, as it does a module that is not installed)."""

from __future__ import annotations

import subprocess
import sys

import pytest

RUN_DEMO_WITHOUT = """
import sys
sys.modules[sys.argv[1]] = None
sys.argv = ["cloudwarden", "demo", "--format", "json"]
from cloudwarden.cli import main
main()
"""


@pytest.mark.parametrize("missing", ["cloudwarden_emulator", "moto", "flask"])
def test_demo_without_the_emulator_says_what_to_install(missing: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", RUN_DEMO_WITHOUT, missing],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr == (
        f"cloudwarden: error: the demo needs the AWS emulator, an optional extra ({missing} cannot be "
        "imported): pip install 'cloudwarden[demo]'\n"
    )
