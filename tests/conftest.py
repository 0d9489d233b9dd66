"""Shared fixtures: one emulator process per test session, reset before each test that uses it."""

from collections.abc import Iterator

import pytest

from cloudwarden_emulator import Emulator


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def emulator(emulator_server: Emulator) -> Emulator:
    emulator_server.reset()
    return emulator_server
