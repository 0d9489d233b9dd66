"""The history store's fixtures: a SQLite file in tmp_path, and a fresh database on the session's real
PostgreSQL server (`tests.pg`: initdb in a temporary directory, a free port on 127.0.0.1, removed at
the end). Every store test runs on both; without server binaries the PostgreSQL half is skipped,
saying so."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pg import PostgresServer, postgres_server

__all__ = ["postgres_server", "store_url"]


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty store: a SQLite file, or a fresh database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.database()
