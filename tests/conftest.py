"""Shared fixtures: one emulator process per test session, reset before each test that uses it; the
files a planted link aims at, for the tests of output files."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudwarden_emulator import Emulator

from .planted import VICTIM_CONTENT


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
