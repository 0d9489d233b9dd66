"""The store's URL and opening as the commands see them: what is refused at once (exit 2), what reading
never does (create or upgrade a store), and what no message ever shows (a password)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cloudwarden.cli import app
from cloudwarden.history.errors import StoreError
from cloudwarden.history.store import connect, migrate, open_store

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Logs:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: cli-store-logs
"""


def _run(*arguments: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(arguments), env=env)
    return result.exit_code, result.stderr


def _template(tmp_path: Path) -> Path:
    path = tmp_path / "stack.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    return path


def test_an_empty_store_option_is_refused_not_ignored(tmp_path: Path) -> None:
    code, error = _run("iac", str(_template(tmp_path)), "--store", "")
    assert code == 2
    assert "--store: empty" in error


def test_an_empty_store_variable_is_refused_not_ignored(tmp_path: Path) -> None:
    code, error = _run("iac", str(_template(tmp_path)), env={"CLOUDWARDEN_STORE": " "})
    assert code == 2
    assert "$CLOUDWARDEN_STORE is set but empty" in error


def test_a_plan_laid_over_an_account_is_not_recorded_as_a_run_of_it(tmp_path: Path) -> None:
    store = tmp_path / "history.db"
    code, error = _run(
        "iac",
        str(_template(tmp_path)),
        "--snapshot",
        str(tmp_path / "live.json"),
        "--store",
        f"sqlite:///{store}",
    )
    assert code == 2
    assert "--store with --snapshot" in error
    assert not store.exists()


def test_history_never_turns_another_database_into_a_store(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    code, error = _run("history", "--store", f"sqlite:///{other}")
    assert code == 2
    assert "not a cloudwarden store (no history schema)" in error
    with sqlite3.connect(other) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"notes"}


def test_history_never_upgrades_an_older_store(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = connect(f"sqlite:///{path}")
    try:
        migrate(store.engine, store.url, "0001")
    finally:
        store.close()
    code, error = _run("history", "--store", f"sqlite:///{path}")
    assert code == 2
    assert "is older than this cloudwarden's: record a run with --store to upgrade it" in error
    with sqlite3.connect(path) as connection:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == "0001"


def test_a_store_recorded_by_iac_is_read_by_history(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'history.db'}"
    code, _ = _run(
        "iac",
        str(_template(tmp_path)),
        "--store",
        url,
        "--format",
        "json",
        "--output",
        str(tmp_path / "r.json"),
    )
    assert code == 0
    code, error = _run("history", "--store", url, "--account", "elsewhere.yaml")
    assert code == 0
    assert "no recorded run judged account elsewhere.yaml" in error


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://scanner:hunter2@127.0.0.1:1/history", "postgresql://scanner:***@127.0.0.1:1/history"),
        (
            "postgresql://scanner@127.0.0.1:1/history?password=hunter2",
            "postgresql://scanner@127.0.0.1:1/history",
        ),
    ],
)
def test_no_message_shows_a_password(url: str, shown: str) -> None:
    with pytest.raises(StoreError) as raised:
        open_store(url)
    message = str(raised.value)
    assert "hunter2" not in message
    assert message.startswith(shown)
    code, error = _run("history", "--store", url)
    assert code == 2
    assert "hunter2" not in error


def test_a_malformed_url_is_a_usage_error_not_an_internal_one() -> None:
    code, error = _run("history", "--store", "postgresql://u:hunter2@[::1")
    assert code == 2
    assert "not a store URL" in error
    assert "hunter2" not in error
