"""Organisation scans on a Dask cluster of worker processes find exactly what a local scan finds."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import threading
import time
from pathlib import Path
from typing import Any

import dask
import msgspec
import pytest
from distributed import Client, Future, LocalCluster

from cloudwarden.collect import CollectOptions, collect
from cloudwarden.collect import cluster as cluster_module
from cloudwarden.collect.cluster import RemoteAccount, _result, collect_remote
from cloudwarden.collect.session import ReadOnlyViolation
from cloudwarden_emulator import Emulator
from cloudwarden_emulator.seed import seed_demo
from tests.cluster.settings import PROFILER, PROFILER_OFF
from tests.e2e.scanner import WEBSITE, central_dns_organisation, cloudwarden

REGIONS = ("--region", "us-east-1", "--region", "eu-west-1")


def _findings(document: dict[str, Any]) -> list[str]:
    """Every finding as canonical JSON, in a stable order: what must match exactly."""
    return sorted(json.dumps(item, sort_keys=True) for item in document["findings"])


def _scan(emulator: Emulator, *extra: str) -> dict[str, Any]:
    run = cloudwarden(emulator, "scan", "--org", *REGIONS, "--format", "json", *extra)
    assert run.exit_code in (0, 1), run.stderr
    return run.json()


def test_a_cluster_scan_equals_the_local_scan(emulator: Emulator, cluster: LocalCluster) -> None:
    seed_demo(emulator)
    local = _scan(emulator)

    distributed = _scan(emulator, "--cluster", cluster.scheduler_address)

    assert len(distributed["scan"]["accounts"]) == 3
    assert distributed["scan"]["accounts"] == local["scan"]["accounts"]
    assert _findings(distributed) == _findings(local)
    workers = {entry["worker"] for entry in distributed["scan"]["stats"]["accounts"].values()}
    assert workers <= set(cluster.scheduler_info["workers"])
    assert None not in workers
    assert all(entry["calls"] > 0 for entry in distributed["scan"]["stats"]["accounts"].values())


def test_a_cluster_scan_of_an_organisation_with_central_dns_equals_the_local_scan(
    emulator: Emulator, cluster: LocalCluster, tmp_path: Path
) -> None:
    """Workers collect each account alone; the records of the DNS account still pass on the member's
    address and bucket, because the coordinator evaluates the merged snapshot."""
    organisation = central_dns_organisation(emulator, tmp_path)
    config = tmp_path / "cloudwarden.yaml"
    config.write_text(f"route53:\n  aws_ip_ranges_file: {organisation.ranges}\n", encoding="utf-8")
    only_dns = ("--rule", "route53-no-dangling-records", "--config", str(config))
    local = _scan(emulator, *only_dns)

    distributed = _scan(emulator, *only_dns, "--cluster", cluster.scheduler_address)

    assert _findings(distributed) == _findings(local)
    passed = {f["resource"]["id"] for f in local["findings"] if f["status"] == "PASS"}
    assert passed == {f"{organisation.zone}/app.example.test/A", f"{organisation.zone}/{WEBSITE}/CNAME"}


def test_a_scan_survives_a_worker_killed_in_the_middle(
    emulator: Emulator, cluster: LocalCluster, client: Client
) -> None:
    seed_demo(emulator)
    local = _scan(emulator)
    emulator.set_latency(30)  # every account now takes seconds: time to kill a worker mid-task
    result: dict[str, dict[str, Any]] = {}
    scan = threading.Thread(
        target=lambda: result.update(document=_scan(emulator, "--cluster", cluster.scheduler_address))
    )
    scan.start()
    victim = _busy_worker(client)
    pid = client.run(os.getpid, workers=[victim])[victim]
    os.kill(pid, signal.SIGKILL)  # the worker process dies with its task, as under the OOM killer
    scan.join(timeout=300)
    emulator.set_latency(0)

    assert not scan.is_alive()
    assert _findings(result["document"]) == _findings(local)
    assert result["document"]["scan"]["unreachable_accounts"] == {}


def _busy_worker(client: Client) -> str:
    """A worker that is running one of the scan's account tasks right now."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for worker, keys in client.processing().items():
            if any(str(key).startswith("cloudwarden-") for key in keys):
                return str(worker)
        time.sleep(0.05)
    raise AssertionError("no account task started on the cluster")


def test_an_account_whose_task_keeps_raising_is_unknown_with_the_reason(
    emulator: Emulator, client: Client
) -> None:
    future = client.submit(_always_fails, "123456789012", retries=cluster_module.TASK_RETRIES, pure=False)

    account, lost = _result(future, "123456789012")

    assert lost
    assert account.unreachable == "the cluster task failed: RuntimeError: no credentials on this worker"
    assert account.stats is None


def test_a_refused_call_on_a_worker_ends_the_scan_as_in_a_local_scan(
    emulator: Emulator, client: Client
) -> None:
    future = client.submit(_refused, "123456789012", pure=False)

    with pytest.raises(ReadOnlyViolation, match="iam:ListUsers"):
        _result(future, "123456789012")


def test_a_malformed_answer_on_a_worker_is_a_failed_call_as_in_a_local_scan(
    emulator: Emulator, cluster: LocalCluster
) -> None:
    seed_demo(emulator)
    emulator.inject_malformed_answer("iam", "GetAccountSummary", body="html")  # in every account
    local = _scan(emulator)

    distributed = _scan(emulator, "--cluster", cluster.scheduler_address)

    assert _findings(distributed) == _findings(local)
    assert distributed["scan"]["unreachable_accounts"] == {}
    errors = {
        (error["account"], error["operation"], error["code"]) for error in distributed["scan"]["errors"]
    }
    assert errors == {
        (account, "GetAccountSummary", "MalformedAnswer") for account in distributed["scan"]["accounts"]
    }


def test_an_account_whose_task_kills_every_worker_is_unknown(emulator: Emulator, client: Client) -> None:
    future: Future[bytes] = client.submit(os._exit, 1, pure=False)

    account, lost = _result(future, "123456789012")

    assert lost
    assert account.unreachable is not None
    assert "KilledWorker" in account.unreachable


def test_a_worker_of_another_version_is_not_merged(emulator: Emulator, client: Client) -> None:
    future = client.submit(_other_version, pure=False)

    account, lost = _result(future, "123456789012")

    assert lost
    assert account.unreachable is not None
    assert "runs cloudwarden 0.0.1" in account.unreachable


def test_an_unreachable_scheduler_stops_the_scan(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT", "1s")
    run = cloudwarden(emulator, "scan", "--region", "us-east-1", "--cluster", "tcp://127.0.0.1:9")
    assert run.exit_code == 3
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in run.stderr


def test_a_scheduler_without_workers_stops_the_scan(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster_module, "WORKER_WAIT", 1.0)
    with (
        dask.config.set(PROFILER_OFF),
        LocalCluster(n_workers=0, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0") as empty,
    ):
        run = cloudwarden(emulator, "scan", "--region", "us-east-1", "--cluster", empty.scheduler_address)
    assert run.exit_code == 3
    assert f"no Dask worker joined the scheduler at {empty.scheduler_address} within 1 s" in run.stderr


def test_the_task_is_importable_by_workers() -> None:
    assert collect_remote.__module__ == "cloudwarden.collect.cluster"


def _always_fails(account_id: str) -> bytes:
    raise RuntimeError("no credentials on this worker")


def _refused(account_id: str) -> bytes:
    raise ReadOnlyViolation("refused to call iam:ListUsers")


def _other_version() -> bytes:
    from cloudwarden.snapshot import AccountSnapshot, IamData

    account = AccountSnapshot(account_id="123456789012", regions=(), iam=IamData())
    return msgspec.msgpack.encode(RemoteAccount(version="0.0.1", worker="tcp://127.0.0.1:1", account=account))


class _Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, object]] = []
        self._lock = threading.Lock()

    def step(self, name: str, total: int | None) -> None:
        with self._lock:
            self.events.append(("step", name, total))

    def advance(self, name: str) -> None:
        with self._lock:
            self.events.append(("advance", name, None))

    def done(self, name: str) -> None:
        with self._lock:
            self.events.append(("done", name, None))

    def status(self, name: str, text: str) -> None:
        with self._lock:
            self.events.append(("status", name, text))


def test_the_coordinator_reports_accounts_done_running_and_failed(
    emulator: Emulator, cluster: LocalCluster
) -> None:
    seed_demo(emulator)
    recorder = _Recorder()
    options = CollectOptions(regions=("us-east-1",), organization=True, cluster=cluster.scheduler_address)

    snapshot = collect(options, recorder)

    accounts = [event for event in recorder.events if event[1] == "accounts"]
    assert accounts[0] == ("step", "accounts", 3)
    assert [kind for kind, _, _ in accounts].count("advance") == 3
    assert accounts[-2:] == [("status", "accounts", "(0 failed)"), ("done", "accounts", None)]
    assert all(
        text == "(0 failed)" or re.fullmatch(r"\(\d running, 0 failed\)", str(text))
        for kind, _, text in accounts
        if kind == "status"
    )
    assert len(snapshot.accounts) == 3


def test_a_cluster_without_dask_installed_is_a_usage_error(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *args: None if name == "distributed" else real(name, *args)
    )
    run = cloudwarden(emulator, "scan", "--region", "us-east-1", "--cluster", "tcp://127.0.0.1:8786")
    assert run.exit_code == 2
    assert "pip install 'cloudwarden[distributed]'" in run.stderr


def test_the_configured_cluster_is_used(emulator: Emulator, cluster: LocalCluster, tmp_path: Path) -> None:
    config = tmp_path / "cloudwarden.yaml"
    config.write_text(f"execution:\n  cluster: {cluster.scheduler_address}\n", encoding="utf-8")
    run = cloudwarden(emulator, "scan", "--region", "us-east-1", "--config", str(config), "--format", "json")
    assert run.exit_code in (0, 1), run.stderr
    (entry,) = run.json()["scan"]["stats"]["accounts"].values()
    assert entry["worker"] in cluster.scheduler_info["workers"]
    # Standard error is no terminal here: the tally goes to the log as plain lines, the last one final.
    assert run.stderr.splitlines()[-1] == "cloudwarden: accounts 1/1 done (0 failed)"


def _profiling() -> bool:
    return bool(dask.config.get(PROFILER))


def test_the_workers_run_without_dask_s_profiler(client: Client) -> None:
    """The profiler deadlocks a scan's threads on CPython < 3.11.9 (tests/cluster/settings.py)."""
    answers = client.run(_profiling)
    assert len(answers) == 2
    assert set(answers.values()) == {False}
