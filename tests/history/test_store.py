"""Opening a store: the URLs taken and refused, the schema created, upgraded from 0001, refused when
newer; the PostgreSQL driver's absence named; a run read back whole. SQLite and PostgreSQL alike."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from cloudwarden.findings import Report, Status
from cloudwarden.history import StoreError, open_store
from cloudwarden.history.store import connect, migrate

from .child import finding, summary

TABLES = {
    "alembic_version",
    "evidence_blocks",
    "finding_state",
    "findings",
    "run_accounts",
    "run_counts",
    "runs",
    "transitions",
}


def _revision(url: str) -> str:
    with open_store(url) as store:
        return _version(store.engine)


def test_a_new_store_gets_the_whole_schema(store_url: str) -> None:
    with open_store(store_url) as store:
        assert set(inspect(store.engine).get_table_names()) == TABLES
        assert store.run_ids() == []
    assert _revision(store_url) == "0002"
    assert _revision(store_url) == "0002"  # opening again changes nothing


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://user@localhost/history", "mysql://user@localhost/history: unsupported store URL"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg2://u@h/db: unsupported store URL"),
        ("sqlite+aiosqlite:///h.db", "sqlite+aiosqlite:///h.db: unsupported store URL"),
        ("sqlite://", "sqlite://: a SQLite store needs a file"),
        ("sqlite:///:memory:", "sqlite:///:memory:: a SQLite store needs a file"),
        ("sqlite:///h.db?mode=ro", "sqlite:///h.db?mode=ro: a SQLite store URL takes no options"),
        ("history.db", "that text: not a store URL"),
    ],
)
def test_other_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(StoreError) as refused:
        open_store(url)
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)


def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    with socket_closed() as port, pytest.raises(StoreError) as refused:
        open_store(f"postgresql://scanner:s3cret@127.0.0.1:{port}/history")
    message = str(refused.value)
    assert message.startswith(f"postgresql://scanner:***@127.0.0.1:{port}/history: cannot open the store: ")
    assert "s3cret" not in message
    assert "\n" not in message


def test_a_sqlite_store_in_a_missing_directory_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing' / 'history.db'}"
    with pytest.raises(StoreError) as refused:
        open_store(url)
    assert str(refused.value) == (
        f"sqlite:///{tmp_path / 'missing' / 'history.db'}: cannot open the store: "
        "unable to open database file"
    )


def test_a_newer_schema_is_refused(store_url: str) -> None:
    with open_store(store_url) as store, store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(StoreError) as refused:
        open_store(store_url)
    assert str(refused.value).endswith(
        ": the store's schema (revision 0099) is newer than this cloudwarden (knows up to 0002): "
        "upgrade cloudwarden"
    )


def test_a_store_of_the_first_schema_is_upgraded_with_its_trends(store_url: str) -> None:
    """Runs written at revision 0001 (no run_counts yet) get their counts from the upgrade to 0002."""
    with connect(store_url) as store:
        migrate(store.engine, store.url, "0001")
        assert set(inspect(store.engine).get_table_names()) == TABLES - {"run_counts"}
        _write_first_schema_runs(store.engine)
        assert _version(store.engine) == "0001"
    with open_store(store_url) as store:
        with store.engine.connect() as connection:
            counts = connection.execute(
                text(
                    'SELECT run_id, account, rule, status, "count" FROM run_counts '
                    "ORDER BY run_id, rule, status"
                )
            ).all()
        assert [tuple(row) for row in counts] == [
            (1, "111", "rule-a", "FAIL", 2),
            (1, "111", "rule-a", "PASS", 1),
            (1, "111", "rule-b", "UNKNOWN", 1),
            (2, "111", "rule-a", "PASS", 3),
        ]
        assert _version(store.engine) == "0002"
        assert store.run_ids() == [1, 2]


def _version(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def _write_first_schema_runs(engine: Engine) -> None:
    """Two runs through the 0001 tables, as a cloudwarden of the first schema wrote them."""
    rows = {
        1: [
            ("a", "rule-a", "FAIL"),
            ("b", "rule-a", "FAIL"),
            ("c", "rule-a", "PASS"),
            ("d", "rule-b", "UNKNOWN"),
        ],
        2: [("a", "rule-a", "PASS"), ("b", "rule-a", "PASS"), ("c", "rule-a", "PASS")],
    }
    with engine.begin() as connection:
        for run, findings in rows.items():
            connection.execute(
                text(
                    "INSERT INTO runs (id, started_at, started_epoch, finished_at, recorded_at, command, "
                    "tool_version, accounts, rules, counts, summary) VALUES (:id, '', :id, '', '', 'scan', "
                    "'0', '[\"111\"]', '[]', '{}', :summary)"
                ),
                {"id": run, "summary": b""},
            )
            for name, rule, status in findings:
                connection.execute(
                    text(
                        "INSERT INTO findings VALUES "
                        "(:run, :id, :rule, '111', 'eu-west-1', 'bucket', :id, :status, 'high', 'm', 0, 0)"
                    ),
                    {"run": run, "id": name, "rule": rule, "status": status},
                )


def test_a_run_is_read_back_whole(store_url: str) -> None:
    findings = tuple(finding(f"bucket-{n}", Status.FAIL if n % 3 else Status.PASS) for n in range(2_345))
    scan = summary("2026-03-01T10:00:00+00:00")
    with open_store(store_url) as store:
        with store.recorder(command="scan", rules=["rule-a"]) as recorder:
            for item in findings:
                recorder.add(item)
            run = recorder.finish(scan)
        assert store.run_ids() == [run]
        assert store.report_of(run) == Report(scan=scan, findings=findings)
        with pytest.raises(StoreError) as missing:
            store.report_of(run + 1)
        assert str(missing.value).endswith(f": no run {run + 1} in the store")


def test_postgresql_without_its_driver_names_the_extra() -> None:
    program = (
        "import sys\n"
        "sys.modules['psycopg'] = None\n"
        "from cloudwarden.history import StoreError, open_store\n"
        "try:\n"
        "    open_store('postgresql://scanner:pw@127.0.0.1:5432/history')\n"
        "except StoreError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert result.stdout == (
        "postgresql://scanner:***@127.0.0.1:5432/history: a PostgreSQL store needs the `postgresql` "
        "extra: pip install 'cloudwarden[postgresql]'\n"
    )


class socket_closed:  # noqa: N801  (a context manager read as a phrase)
    """A port on 127.0.0.1 where nothing listens."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
        return port

    def __exit__(self, *exc: object) -> None:
        return None
