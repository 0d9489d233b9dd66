"""Opening a history store: which URLs, which schema, and what is refused.

Decided:
- URLs: `sqlite:///relative/path.db`, `sqlite:////absolute/path.db` (an embedded file, no server), and
  `postgresql://user@host:port/db` or `postgresql+psycopg://...` (psycopg 3, the `postgresql` extra).
  Anything else (another database, another driver, SQLite in memory, which would keep nothing) is
  refused with a StoreError, before any connection and so before any AWS call.
- The schema is Alembic's: created on first use, upgraded in place when older (revisions under
  `migrations/versions`), and a store whose revision this code does not know, written by a newer
  cloudwarden, is refused rather than guessed at. A store at the current revision is only read when
  opened; a creation or upgrade runs in one transaction under the same lock as recording (SQLite
  `BEGIN IMMEDIATE`; PostgreSQL an advisory transaction lock), so two scanners opening a new store at
  once create it once.
- SQLite: WAL journal (readers never block the writer), a 30 s busy timeout (a second recorder waits
  for the first instead of failing), foreign keys on. pysqlite's own implicit transactions are turned
  off and SQLAlchemy's `begin` emits the BEGIN itself, `BEGIN IMMEDIATE` on connections that write (the
  pattern of SQLAlchemy's SQLite dialect documentation, "Serializable isolation / Savepoints /
  Transactional DDL"): a deferred transaction that reads and then writes can fail at once with
  SQLITE_BUSY_SNAPSHOT when another writer committed meanwhile, whatever the busy timeout.
- Every error is a StoreError of one line naming the store, its password redacted.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import msgspec
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from cloudwarden.findings import Finding, Report, ScanSummary
from cloudwarden.history import schema
from cloudwarden.history.errors import StoreError

if TYPE_CHECKING:
    from cloudwarden.history.record import Recorder

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_CACHE_KIB = 131_072
"""SQLite's page cache per connection (128 MiB, bounded): a million-finding run's index inserts and
state update stay in memory instead of re-reading pages (SQLite's default is 2 MiB)."""
WRITE_LOCK_KEY = 0x636C6F7564
"""PostgreSQL advisory lock key (b"cloud") taken by migrations and by the state update of a run: one
key for the whole store, so runs apply one after another in the order they commit."""

IMMEDIATE = "cloudwarden_immediate"
"""Execution option of a connection whose transactions begin with SQLite's `BEGIN IMMEDIATE`."""


class Store:
    """An open history store. `engine` is SQLAlchemy's, for the read queries of `history.query`."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def writer(self) -> Connection:
        """A connection for writing: on SQLite its transactions begin IMMEDIATE (see the module)."""
        return self.engine.connect().execution_options(**{IMMEDIATE: True})

    def recorder(self, *, command: str, rules: Sequence[str]) -> Recorder:
        """One run, recorded in one transaction: see `cloudwarden.history.record`."""
        from cloudwarden.history.record import Recorder

        return Recorder(self, command=command, rules=rules)

    def run_ids(self) -> list[int]:
        """Every recorded run, in the order of the story: started_at, then id."""
        query = select(schema.runs.c.id).order_by(schema.runs.c.started_epoch, schema.runs.c.id)
        with self._reading() as connection:
            return [row.id for row in connection.execute(query)]

    def report_of(self, run_id: int) -> Report:
        """The run as its report was: its summary and every finding whole, in the order recorded."""
        runs, blocks = schema.runs, schema.evidence_blocks
        with self._reading() as connection:
            summary = connection.execute(select(runs.c.summary).where(runs.c.id == run_id)).scalar()
            if summary is None:
                raise StoreError(f"{self.url}: no run {run_id} in the store")
            query = select(blocks.c.data).where(blocks.c.run_id == run_id).order_by(blocks.c.block)
            findings: list[Finding] = []
            for (data,) in connection.execute(query):
                findings.extend(msgspec.json.decode(zlib.decompress(data), type=list[Finding]))
        scan = msgspec.json.decode(zlib.decompress(summary), type=ScanSummary)
        return Report(scan=scan, findings=tuple(findings))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as connection:
                yield connection
        except SQLAlchemyError as error:
            raise StoreError(f"{self.url}: {one_line(error)}") from error


def open_store(url: str, *, read_only: bool = False) -> Store:
    """Validate the URL, connect, create or upgrade the schema; refuse a newer one (StoreError).

    `read_only` (`history`, `diff --store`): the schema is never created nor upgraded (reading must
    not turn another program's database into a store, nor lock out the scanners of an older version
    sharing it): a store without the schema, or with an older one, is refused."""
    store = connect(url)
    try:
        if read_only:
            _readable(store.engine, store.url)
        else:
            migrate(store.engine, store.url)
    except BaseException:
        store.close()
        raise
    return store


def _readable(engine: Engine, shown: str) -> None:
    try:
        with engine.connect() as connection:
            if _up_to_date(connection, shown, "head"):
                return
            current = MigrationContext.configure(connection).get_current_heads()
    except SQLAlchemyError as error:
        raise StoreError(f"{shown}: cannot open the store: {one_line(error)}") from error
    if not current:
        raise StoreError(f"{shown}: not a cloudwarden store (no history schema): record a run first")
    raise StoreError(
        f"{shown}: the store's schema (revision {', '.join(current)}) is older than this cloudwarden's: "
        "record a run with --store to upgrade it"
    )


def connect(url: str) -> Store:
    """The store at `url`, its schema untouched (`open_store` migrates it; tests stop at older ones)."""
    parsed, shown = _parse(url)
    return Store(shown, _engine(parsed, shown))


def one_line(error: BaseException) -> str:
    """A database error's first line, without SQLAlchemy's statement and background link."""
    origin = getattr(error, "orig", None) or error
    lines = str(origin).strip().splitlines()
    return lines[0] if lines else type(origin).__name__


def _parse(url: str) -> tuple[URL, str]:
    """The URL for SQLAlchemy (its driver made explicit), and as shown in messages: as given, but for a
    password, which is redacted."""
    try:
        parsed = make_url(url)
        shown = _shown(parsed, url)
    except (ArgumentError, ValueError):
        shown = url.split("://", 1)[0] + "://..." if "://" in url else "that text"
        raise StoreError(f"{shown}: not a store URL (sqlite:///path.db or postgresql://...)") from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        if not parsed.database or parsed.database == ":memory:" or parsed.database.startswith("file:"):
            raise StoreError(f"{shown}: a SQLite store needs a file: sqlite:///path/history.db")
        if parsed.query:
            raise StoreError(f"{shown}: a SQLite store URL takes no options")
        return parsed.set(drivername="sqlite+pysqlite"), shown
    if backend == "postgresql" and driver in ("", "psycopg"):
        return parsed.set(drivername="postgresql+psycopg"), shown
    raise StoreError(f"{shown}: unsupported store URL: sqlite:///path.db or postgresql://... only")


_SECRET_OPTIONS = frozenset({"password", "sslpassword", "passfile", "sslkey"})
"""Connection options that hold or lead to a secret (libpq's), never shown."""


def _shown(parsed: URL, url: str) -> str:
    """The URL as messages show it: as given, but for its password and secret options."""
    if parsed.password is None and not _SECRET_OPTIONS.intersection(key.lower() for key in parsed.query):
        return url
    query = {key: ("***" if key.lower() in _SECRET_OPTIONS else value) for key, value in parsed.query.items()}
    return parsed.set(query=query).render_as_string(hide_password=True)


def _engine(parsed: URL, shown: str) -> Engine:
    if parsed.get_backend_name() == "postgresql":
        try:
            import psycopg  # noqa: F401  (only to say which extra is missing)
        except ImportError:
            raise StoreError(
                f"{shown}: a PostgreSQL store needs the `postgresql` extra: "
                "pip install 'cloudwarden[postgresql]'"
            ) from None
        return create_engine(parsed)
    engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_connected)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connected(dbapi_connection: Any, record: Any) -> None:
    """pysqlite emits no BEGIN of its own (SQLAlchemy's `begin` does); WAL, busy timeout, foreign keys.
    `synchronous = NORMAL` is WAL's recommended setting: a commit survives a crash of the process, and
    a power loss can only lose the last commits, never corrupt the store."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration, with no alembic.ini: the scripts of this package, the connection given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, shown: str, revision: str = "head") -> None:
    """Bring the schema to `revision` (tests stop at an older one). A store already there is only
    read (no write lock: a recorder committing meanwhile does not make it wait); otherwise the upgrade
    runs in one transaction under the write lock, after looking again."""
    try:
        with engine.connect() as connection:
            if _up_to_date(connection, shown, revision):
                return
        with engine.connect().execution_options(**{IMMEDIATE: True}) as connection, connection.begin():
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
            if not _up_to_date(connection, shown, revision):
                command.upgrade(alembic_config(connection), revision)
    except SQLAlchemyError as error:
        raise StoreError(f"{shown}: cannot open the store: {one_line(error)}") from error


def _up_to_date(connection: Connection, shown: str, revision: str) -> bool:
    """Whether the store is at `revision` already; a revision this code does not know is refused."""
    scripts = ScriptDirectory.from_config(alembic_config(connection))
    current = set(MigrationContext.configure(connection).get_current_heads())
    known = {script.revision for script in scripts.walk_revisions()}
    for unknown in sorted(current - known):
        raise StoreError(
            f"{shown}: the store's schema (revision {unknown}) is newer than this cloudwarden "
            f"(knows up to {scripts.get_current_head()}): upgrade cloudwarden"
        )
    return current == (set(scripts.get_heads()) if revision == "head" else {revision})
