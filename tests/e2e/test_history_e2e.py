"""The scan history end to end: scans of the emulator recorded with `--store` into a SQLite file and into
a real PostgreSQL server (`tests.pg`), the account changed between two scans (a bucket made private, a
new world-open group), then `history --format json` and `diff --store` with exact expectations; the
store chosen by `--store`, `CLOUDWARDEN_STORE` and `history.store`; bad, newer, missing and failing
stores; an interrupted scan; `iac` and `demo` recording their runs."""

from __future__ import annotations

import datetime as dt
import json
import signal
import socket
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
import pytest

from cloudwarden.history import open_store
from cloudwarden_emulator import Emulator
from cloudwarden_emulator.state import DEFAULT_ACCOUNT
from tests.pg import PostgresServer, postgres_server

from .scanner import cloudwarden, emulator_environment, finding
from .test_interrupt_e2e import LATENCY_MS, _collecting

__all__ = ["postgres_server"]

S3 = "s3-no-public-access"
SG = "sg-minimal-inbound"
STATUSES = ("PASS", "FAIL", "UNKNOWN", "MANUAL", "SUPPRESSED")
SEVERITIES = ("critical", "high", "medium", "low", "info")
IAC_TEMPLATE = Path(__file__).parent / "iac_fixtures" / "equivalence.yaml"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty store: a SQLite file, or a fresh database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.database()


def _public_policy(bucket: str) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _world_open_group(emulator: Emulator, name: str, port: int) -> None:
    ec2 = emulator.client("ec2")
    group = ec2.create_security_group(GroupName=name, Description=name)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )


def _seed(emulator: Emulator) -> None:
    """A public bucket, a private one, a group open to the world on SSH."""
    s3 = emulator.client("s3")
    for bucket in ("open-data", "private-data"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket="open-data", Policy=_public_policy("open-data"))
    _world_open_group(emulator, "bastion", 22)


def _change(emulator: Emulator) -> None:
    """The bucket made private, a new group open to the world on RDP."""
    emulator.client("s3").delete_bucket_policy(Bucket="open-data")
    _world_open_group(emulator, "remote-desktop", 3389)


def _scan(emulator: Emulator, store: str, report: Path, *extra: str) -> dict[str, Any]:
    """A scan of the two rules recorded in `store`, its JSON report in `report`; the report."""
    run = cloudwarden(
        emulator,
        "scan",
        *("--region", "us-east-1", "--rule", S3, "--rule", SG),
        *("--format", "json", "--output", str(report), "--store", store),
        *extra,
    )
    assert (run.exit_code, run.stderr) == (1, "")
    document: dict[str, Any] = json.loads(report.read_text())
    return document


def _history(*args: str) -> dict[str, Any]:
    run = cloudwarden(None, "history", "--format", "json", *args)
    assert (run.exit_code, run.stderr) == (0, "")
    return run.json()


def _counts(report: dict[str, Any]) -> dict[str, int]:
    seen = Counter(f["status"] for f in report["findings"])
    return {status: seen[status] for status in STATUSES}


def _ids(report: dict[str, Any], status: str) -> set[str]:
    return {f["id"] for f in report["findings"] if f["status"] == status}


def _epoch(started_at: str) -> float:
    return dt.datetime.fromisoformat(started_at).timestamp()


def _run_ids(url: str) -> list[int]:
    with open_store(url) as store:
        return store.run_ids()


def test_two_scans_give_the_history_and_the_diff_of_what_changed(
    emulator: Emulator, store_url: str, tmp_path: Path
) -> None:
    _seed(emulator)
    first = _scan(emulator, store_url, tmp_path / "first.json")
    _change(emulator)
    second = _scan(emulator, store_url, tmp_path / "second.json")
    bucket = finding(first, S3, "open-data")
    new_group = next(
        f
        for f in second["findings"]
        if f["rule"] == SG and f["status"] == "FAIL" and f["id"] not in _ids(first, "FAIL")
    )
    t1, t2 = first["scan"]["started_at"], second["scan"]["started_at"]
    assert (bucket["status"], finding(second, S3, "open-data")["status"]) == ("FAIL", "PASS")

    document = _history("--store", store_url)

    assert document["schema"] == "cloudwarden.history/1"
    assert document["runs"] == [
        {
            "id": 1,
            "started_at": t1,
            "accounts": [DEFAULT_ACCOUNT],
            "counts": _counts(first),
            "command": "scan",
        },
        {
            "id": 2,
            "started_at": t2,
            "accounts": [DEFAULT_ACCOUNT],
            "counts": _counts(second),
            "command": "scan",
        },
    ]
    assert document["since_previous"] == {
        DEFAULT_ACCOUNT: {
            "new": [new_group["id"]],
            "fixed": [bucket["id"]],
            "regressed": [],
            "open": sorted(_ids(first, "FAIL") & _ids(second, "FAIL")),
            "run": {"id": 2, "started_at": t2},
            "previous_run": {"id": 1, "started_at": t1},
            "stale": False,
        }
    }
    assert len(_ids(first, "FAIL") & _ids(second, "FAIL")) >= 1  # the bastion, still open
    days = (_epoch(t2) - _epoch(t1)) / 86_400
    assert document["time_to_fix"] == {
        severity: (
            {
                "median_days": pytest.approx(days, abs=1e-9),
                "p90_days": pytest.approx(days, abs=1e-9),
                "count": 1,
            }
            if severity == bucket["severity"]
            else {"median_days": None, "p90_days": None, "count": 0}
        )
        for severity in SEVERITIES
    }
    assert document["stale_accounts"] == []
    stories = {story["id"]: story for story in document["findings"]}
    assert set(stories) == {f["id"] for f in (*first["findings"], *second["findings"])}
    assert stories[bucket["id"]] == {
        "id": bucket["id"],
        "rule": S3,
        "account": DEFAULT_ACCOUNT,
        "region": bucket["region"],
        "resource": {"type": bucket["resource"]["type"], "id": "open-data"},
        "status": "PASS",
        "severity": finding(second, S3, "open-data")["severity"],  # the latest finding's
        "first_seen": t1,
        "last_seen": t2,
        "failing_since": None,
        "resolved_at": t2,
        "regressions": 0,
    }
    assert {key: stories[new_group["id"]][key] for key in ("status", "first_seen", "failing_since")} == {
        "status": "FAIL",
        "first_seen": t2,
        "failing_since": t2,
    }
    assert [story["id"] for story in document["oldest_open"]] == [
        *sorted(_ids(first, "FAIL") & _ids(second, "FAIL")),
        new_group["id"],
    ]

    opened = len(_ids(first, "FAIL") & _ids(second, "FAIL"))
    terminal = cloudwarden(None, "history", "--store", store_url, env={"NO_COLOR": "1"})
    assert (terminal.exit_code, terminal.stderr) == (0, "")
    assert f"  {DEFAULT_ACCOUNT}  run #2 vs #1  new 1  regressed 0  fixed 1  open {opened}" in (
        terminal.stdout.splitlines()
    )
    page = tmp_path / "history.html"
    html = cloudwarden(None, "history", "--store", store_url, "--format", "html", "--output", str(page))
    assert (html.exit_code, html.stdout, html.stderr) == (0, "", "")
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert new_group["id"] in page.read_text()

    from_store = cloudwarden(None, "diff", "--store", store_url, "--format", "json")
    from_files = cloudwarden(
        None, "diff", str(tmp_path / "first.json"), str(tmp_path / "second.json"), "--format", "json"
    )
    assert (from_store.exit_code, from_store.stderr) == (1, "")  # a new FAIL, as the file diff says
    assert (from_store.exit_code, from_store.stdout) == (from_files.exit_code, from_files.stdout)
    named = cloudwarden(None, "diff", "--store", store_url, "--run", "2", "--format", "json")
    assert (named.exit_code, named.stdout) == (from_files.exit_code, from_files.stdout)


def test_the_store_comes_from_the_option_then_the_environment_then_the_configuration(
    emulator: Emulator, tmp_path: Path
) -> None:
    _seed(emulator)
    configured, environment, option = (tmp_path / name for name in ("config.db", "env.db", "option.db"))
    config = tmp_path / "cloudwarden.yaml"
    config.write_text(f"history:\n  store: sqlite:///{configured}\n")
    variable = {"CLOUDWARDEN_STORE": f"sqlite:///{environment}"}
    report = tmp_path / "report.json"

    def scan(*extra: str, env: dict[str, str | None]) -> None:
        run = cloudwarden(
            emulator,
            *("scan", "--region", "us-east-1", "--rule", S3, "--format", "json", "--output", str(report)),
            *("--config", str(config), *extra),
            env=env,
        )
        assert (run.exit_code, run.stderr) == (1, "")

    scan("--store", f"sqlite:///{option}", env={**variable})
    assert (option.exists(), environment.exists(), configured.exists()) == (True, False, False)
    scan(env={**variable})
    assert (environment.exists(), configured.exists()) == (True, False)
    scan(env={"CLOUDWARDEN_STORE": None})
    assert [_run_ids(f"sqlite:///{path}") for path in (option, environment, configured)] == [[1], [1], [1]]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _nowhere() -> dict[str, str | None]:
    """AWS answering nowhere: a scan that reached its first AWS call would fail there, exit 3."""
    return {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{_closed_port()}",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
        "CLOUDWARDEN_STORE": None,
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "mysql://scanner@db/history",
            "mysql://scanner@db/history: unsupported store URL: sqlite:///path.db or postgresql://... only",
        ),
        ("sqlite://", "sqlite://: a SQLite store needs a file: sqlite:///path/history.db"),
        ("history.db", "that text: not a store URL (sqlite:///path.db or postgresql://...)"),
    ],
)
def test_a_bad_store_url_is_exit_2_before_any_aws_call(url: str, message: str) -> None:
    run = cloudwarden(None, "scan", "--region", "us-east-1", "--store", url, env=_nowhere())
    assert (run.exit_code, run.stdout, run.stderr) == (2, "", f"cloudwarden: error: {message}\n")


def test_a_store_that_cannot_be_reached_is_exit_2_without_its_password() -> None:
    port = _closed_port()
    url = f"postgresql://scanner:hunter2@127.0.0.1:{port}/history"
    run = cloudwarden(None, "scan", "--region", "us-east-1", "--store", url, env=_nowhere())
    assert run.exit_code == 2
    assert run.stderr.startswith(
        f"cloudwarden: error: postgresql://scanner:***@127.0.0.1:{port}/history: cannot open the store: "
    )
    assert "hunter2" not in run.stderr
    assert run.stderr.count("\n") == 1


def test_a_store_of_a_newer_schema_is_refused_with_exit_2(emulator: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    _seed(emulator)
    _scan(emulator, f"sqlite:///{path}", tmp_path / "report.json")
    with sqlite3.connect(path) as database:
        database.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    database.close()
    run = cloudwarden(None, "scan", "--region", "us-east-1", "--store", f"sqlite:///{path}", env=_nowhere())
    assert run.exit_code == 2
    assert run.stderr.startswith(
        f"cloudwarden: error: sqlite:///{path}: the store's schema (revision 9999_from_the_future) is newer "
        "than this cloudwarden (knows up to "
    )
    assert run.stderr.endswith("): upgrade cloudwarden\n")


def _refuse_runs(url: str) -> None:
    """The database refuses to record a run from now on, as a full disk would: a real error of the
    database at commit time (a trigger), after the findings went in."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as database:
            database.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON runs "
                "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
            )
        database.close()
        return
    with psycopg.connect(url, autocommit=True) as server:
        server.execute(
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$ "
            "LANGUAGE plpgsql"
        )
        server.execute("CREATE TRIGGER refuse BEFORE UPDATE ON runs FOR EACH ROW EXECUTE FUNCTION refuse()")


def test_a_run_the_database_refuses_is_exit_3_with_its_reports_whole_and_nothing_recorded(
    emulator: Emulator, store_url: str, tmp_path: Path
) -> None:
    _seed(emulator)
    _scan(emulator, store_url, tmp_path / "first.json")
    _refuse_runs(store_url)
    report = tmp_path / "second.json"
    run = cloudwarden(
        emulator,
        *("scan", "--region", "us-east-1", "--rule", S3, "--rule", SG, "--format", "json"),
        *("--output", str(report), "--store", store_url),
    )
    assert run.exit_code == 3
    assert run.stderr == (
        f"cloudwarden: not recorded: {store_url}: the run could not be recorded: the disk is full\n"
    )
    assert json.loads(report.read_text())["findings"] != []
    assert _run_ids(store_url) == [1]


def test_a_scan_interrupted_leaves_the_store_as_it_was(emulator: Emulator, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'history.db'}"
    _seed(emulator)
    _scan(emulator, url, tmp_path / "first.json")
    before = _history("--store", url)
    emulator.set_latency(LATENCY_MS)
    env = {key: value for key, value in emulator_environment(emulator).items() if value is not None}
    with subprocess.Popen(
        [sys.executable, "-m", "cloudwarden", "scan", "--region", "us-east-1", "--store", url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        _collecting(process, timeout=60 + LATENCY_MS / 1000)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stderr == "cloudwarden: interrupted by SIGINT: stopped, no file was left half-written\n"
    assert _run_ids(url) == [1]
    after = _history("--store", url)
    recorded = ("runs", "findings", "since_previous", "time_to_fix", "totals", "trends")
    assert {key: after[key] for key in recorded} == {key: before[key] for key in recorded}


def test_history_and_diff_refuse_what_they_cannot_read(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    nothing = cloudwarden(None, "history", env={"CLOUDWARDEN_STORE": None})
    assert (nothing.exit_code, nothing.stderr) == (
        2,
        "cloudwarden: error: history reads a store: give --store URL (or $CLOUDWARDEN_STORE, or "
        "history.store)\n",
    )
    absent = cloudwarden(None, "history", "--store", f"sqlite:///{missing}")
    assert (absent.exit_code, absent.stderr) == (
        2,
        f"cloudwarden: error: sqlite:///{missing}: no store there ({missing} does not exist): record a run "
        "first, with --store on scan, evaluate, demo or iac\n",
    )
    assert not missing.exists()
    both = cloudwarden(None, "diff", "a.json", "b.json", "--store", f"sqlite:///{missing}")
    assert (both.exit_code, both.stderr) == (
        2,
        "cloudwarden: error: diff compares two report files or two runs of --store, not both\n",
    )
    run_alone = cloudwarden(None, "diff", "--run", "3")
    assert (run_alone.exit_code, run_alone.stderr) == (
        2,
        "cloudwarden: error: --run names a run of a store: give --store URL too\n",
    )
    bad_day = cloudwarden(None, "history", "--store", f"sqlite:///{missing}", "--since", "yesterday")
    assert (bad_day.exit_code, bad_day.stderr) == (
        2,
        "cloudwarden: error: --since: 'yesterday' is not a day (YYYY-MM-DD)\n",
    )


def test_an_empty_store_is_an_empty_history_and_no_diff(store_url: str) -> None:
    open_store(store_url).close()
    run = cloudwarden(None, "history", "--store", store_url, "--format", "json")
    assert run.exit_code == 0
    assert run.stderr == (
        f"cloudwarden: {store_url} holds no run yet: record one with --store on scan, evaluate, demo or iac\n"
    )
    document = run.json()
    assert (document["runs"], document["findings"], document["since_previous"]) == ([], [], {})
    diff = cloudwarden(None, "diff", "--store", store_url)
    assert (diff.exit_code, diff.stderr) == (
        2,
        f"cloudwarden: error: {store_url}: the store holds 0 run(s): diff needs two\n",
    )


def test_diff_of_a_named_run_compares_it_with_the_run_before_it(emulator: Emulator, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'history.db'}"
    _seed(emulator)
    _scan(emulator, url, tmp_path / "first.json")
    _change(emulator)
    _scan(emulator, url, tmp_path / "second.json")
    _scan(emulator, url, tmp_path / "third.json")
    latest = cloudwarden(None, "diff", "--store", url, "--format", "json")
    assert latest.exit_code == 0  # the third scan found nothing new
    named = cloudwarden(None, "diff", "--store", url, "--run", "2", "--format", "json")
    files = cloudwarden(
        None, "diff", str(tmp_path / "first.json"), str(tmp_path / "second.json"), "--format", "json"
    )
    assert (named.exit_code, named.stdout) == (files.exit_code, files.stdout) == (1, files.stdout)
    first = cloudwarden(None, "diff", "--store", url, "--run", "1")
    assert (first.exit_code, first.stderr) == (
        2,
        f"cloudwarden: error: {url}: run 1 is the first recorded: there is no run before it\n",
    )
    unknown = cloudwarden(None, "diff", "--store", url, "--run", "7")
    assert (unknown.exit_code, unknown.stderr) == (
        2,
        f"cloudwarden: error: {url}: no run 7 in the store (runs: 1-3)\n",
    )


def test_iac_records_its_runs(store_url: str, tmp_path: Path) -> None:
    report = tmp_path / "iac.json"
    run = cloudwarden(
        None, "iac", str(IAC_TEMPLATE), "--format", "json", "--output", str(report), "--store", store_url
    )
    assert run.exit_code in (0, 1), run.stderr
    judged = json.loads(report.read_text())
    document = _history("--store", store_url)
    assert document["runs"] == [
        {
            "id": 1,
            "started_at": judged["scan"]["started_at"],
            "accounts": sorted({f["account"] for f in judged["findings"]}),
            "counts": _counts(judged),
            "command": "iac",
        }
    ]
    assert sorted(story["id"] for story in document["findings"]) == sorted(
        f["id"] for f in judged["findings"]
    )


def test_evaluate_records_its_runs_with_and_without_a_framework(emulator: Emulator, tmp_path: Path) -> None:
    _seed(emulator)
    snapshot = tmp_path / "snapshot.json"
    collected = cloudwarden(emulator, "collect", "--region", "us-east-1", "--output", str(snapshot))
    assert collected.exit_code == 0, collected.stderr
    url = f"sqlite:///{tmp_path / 'history.db'}"
    report = tmp_path / "report.json"
    plain = cloudwarden(
        None, "evaluate", str(snapshot), "--format", "json", "--output", str(report), "--store", url
    )
    framed = cloudwarden(
        None,
        *("evaluate", str(snapshot), "--framework", "cis-aws-foundations-5.0.0", "--format", "json"),
        *("--output", str(tmp_path / "framework.json"), "--store", url),
    )
    assert (plain.exit_code, framed.exit_code) == (1, 1)
    judged = json.loads(report.read_text())
    entry = {
        "started_at": judged["scan"]["started_at"],
        "accounts": [DEFAULT_ACCOUNT],
        "counts": _counts(judged),
        "command": "evaluate",
    }
    assert _history("--store", url)["runs"] == [{"id": 1, **entry}, {"id": 2, **entry}]
    assert cloudwarden(None, "diff", "--store", url, "--format", "json").json() == json.loads(
        cloudwarden(None, "diff", str(report), str(report), "--format", "json").stdout
    )
