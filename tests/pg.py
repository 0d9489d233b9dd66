"""A throwaway PostgreSQL server for the tests that need a real one (the history store's, and the
end-to-end scans that record into it): initdb in a temporary directory, a free port on 127.0.0.1, its
socket in that directory, everything removed at the end of the session; `database()` gives a fresh
database per test.

As root, PostgreSQL refuses to run: the server's binaries then run as the `postgres` user, owner of
the temporary directory. Without server binaries (PATH, then /usr/lib/postgresql/*/bin) the tests
that need the server are skipped, saying so; `.ci/run` installs Debian's `postgresql` package.
Conftests import `postgres_server` to offer the fixture."""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

SERVER_START_SECONDS = 60


@dataclass
class PostgresServer:
    """A running throwaway server; `database()` gives a fresh empty database's URL."""

    port: int
    user: str = "cloudwarden"
    _numbers: Iterator[int] = field(default_factory=itertools.count)

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        name = f"t_{next(self._numbers)}"
        with psycopg.connect(self._conninfo("postgres"), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def _conninfo(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname={database}"


def _binaries() -> Path | None:
    """The directory holding initdb and postgres: PATH first, then Debian's versioned directories."""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("postgres"):
        return Path(initdb).parent
    for directory in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(directory) / "initdb").exists() and (Path(directory) / "postgres").exists():
            return Path(directory)
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _server_user() -> str | None:
    """Who runs the server: `postgres` when we are root (PostgreSQL refuses root), else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and no `postgres` user to run the PostgreSQL server as")
    return "postgres"


def _wait_until_ready(server: subprocess.Popen[bytes], conninfo: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"the PostgreSQL server stopped at start:\n{log.read_text(errors='replace')}")
        try:
            psycopg.connect(conninfo, connect_timeout=2).close()
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
        else:
            return


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    binaries = _binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server binaries (initdb, postgres) in PATH or /usr/lib/postgresql/*/bin")
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="cloudwarden-postgres-"))
    data, log = root / "data", root / "server.log"
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    server: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            [binaries / "initdb", "-D", data, "-A", "trust", "-U", "cloudwarden", "-E", "UTF8", "--no-sync"],
            check=True,
            capture_output=True,
            user=user,
        )
        with log.open("wb") as output:
            server = subprocess.Popen(
                [
                    *(str(binaries / "postgres"), "-D", str(data), "-p", str(port), "-k", str(root)),
                    *("-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=50"),
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
                user=user,
            )
        instance = PostgresServer(port=port)
        _wait_until_ready(server, instance._conninfo("postgres"), log)
        yield instance
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)  # fast shutdown: clients are disconnected
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(root, ignore_errors=True)
