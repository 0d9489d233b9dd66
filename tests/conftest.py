"""Shared fixtures: one emulator process per test session, reset before each test that uses it; the
files a planted link aims at, for the tests of output files. The tiers: each test is marked after the
directory it lives in (see `markers` in pyproject.toml), so `pytest -m unit` is the fast loop."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudwarden_emulator import Emulator

from .planted import VICTIM_CONTENT

TESTS = Path(__file__).parent
TIER_OF_DIRECTORY = {
    "unit": "unit",
    "report": "unit",
    "report_html": "unit",
    "iac": "unit",
    "emulator": "emulator",
    "e2e": "e2e",
    "live": "live",
    "cluster": "cluster",
    "bench": "bench",
    "history": "store",
}
TIER_OF_FILE = {"report_html/test_browser.py": "browser", "report_html/test_history_browser.py": "browser"}
"""Files whose tier is not their directory's: the HTML report's and history page's browser tests start
Chromium."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        where = item.path.relative_to(TESTS)
        tier = TIER_OF_FILE.get(where.as_posix()) or TIER_OF_DIRECTORY.get(where.parts[0])
        if tier is None:
            raise pytest.UsageError(f"{where}: no test tier for it (TIER_OF_DIRECTORY in tests/conftest.py)")
        item.add_marker(tier)


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def emulator(emulator_server: Emulator) -> Emulator:
    emulator_server.reset()
    return emulator_server


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file of the scanner's user outside the output directory, which a planted link points to."""
    outside = tmp_path / "home"
    outside.mkdir()
    path = outside / "authorized_keys"
    path.write_bytes(VICTIM_CONTENT)
    return path


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """An output directory others can write to (a shared temporary directory, a CI workspace)."""
    directory = tmp_path / "shared"
    directory.mkdir()
    return directory
