"""Collection fanned out over a Dask cluster: one task per account (`--cluster`, `execution.cluster`).

The coordinator lists the accounts as in a local scan, then submits one task per account to the
scheduler. A worker enters the account with its own credentials (its instance role, its environment:
nothing of the coordinator's travels through the scheduler), collects it exactly as a local scan
does, and sends back the account's snapshot in msgpack form. The coordinator merges the accounts
into one snapshot, so evaluation and reports cannot tell a cluster scan from a local one.

Faults: a task that raises is retried (`TASK_RETRIES`); a task lost with its worker is rescheduled
by Dask on another worker, up to the scheduler's `allowed-failures`. An account whose task still
fails is kept, unreachable, with the reason, so its rules say UNKNOWN and the scan completes.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid

import msgspec
from distributed import Client, Future, as_completed, get_worker

from cloudwarden import __version__
from cloudwarden.collect import (
    COLLECTORS,
    CollectOptions,
    NoProgress,
    Progress,
    ScanAborted,
    collect_account,
    identify,
    unreachable_account,
)
from cloudwarden.collect.session import AwsSession, ReadOnlyViolation
from cloudwarden.snapshot import AccountSnapshot

TASK_RETRIES = 2
"""Further attempts for an account whose task raised (a worker without credentials, a crash)."""

CONNECT_TIMEOUT = "15s"
WORKER_WAIT = 300.0
"""Seconds to wait for a first worker to join the scheduler (an autoscaled cluster starts them on
demand) before the scan stops, instead of waiting for ever."""
STATUS_INTERVAL = 1.0
"""Seconds between two updates of the coordinator's progress (accounts done, running, failed)."""


class RemoteAccount(msgspec.Struct, frozen=True, kw_only=True):
    """What a worker sends back for one account."""

    version: str
    """The worker's cloudwarden version: snapshots are only merged from the coordinator's own version."""
    worker: str
    account: AccountSnapshot


def collect_on_cluster(
    address: str, targets: tuple[str, ...], options: CollectOptions, progress: Progress
) -> tuple[AccountSnapshot, ...]:
    """Collect `targets` on the Dask cluster at `address`; the accounts come back in `targets` order."""
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise ScanAborted(f"cannot reach the Dask scheduler at {address}: {error}") from error
    with client:
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT)
        except TimeoutError as error:
            raise ScanAborted(
                f"no Dask worker joined the scheduler at {address} within {WORKER_WAIT:g} s"
            ) from error
        # Workers use their own credential chain: the coordinator's profile is not theirs.
        # The options go with every task rather than scattered once: scattered data dies with the
        # last worker holding it, and every task that needs it would then fail.
        remote = dataclasses.replace(options, cluster=None, profile=None)
        several = len(targets) > 1
        scan = uuid.uuid4().hex[:8]
        futures: dict[Future[bytes], str] = {
            client.submit(
                collect_remote,
                account_id,
                remote,
                several,
                key=f"cloudwarden-{scan}-{account_id}",
                retries=TASK_RETRIES,
                pure=False,
            ): account_id
            for account_id in targets
        }
        return _gather(client, futures, targets, progress)


def _gather(
    client: Client, futures: dict[Future[bytes], str], targets: tuple[str, ...], progress: Progress
) -> tuple[AccountSnapshot, ...]:
    name = "accounts"
    progress.step(name, len(futures))
    done: dict[str, AccountSnapshot] = {}
    lock = threading.Lock()
    pending: set[object] = {future.key for future in futures}
    failed = [0]
    finished = threading.Event()

    def report() -> None:
        while not finished.wait(STATUS_INTERVAL):
            with lock:
                waiting = set(pending)
            progress.status(name, f"({_running(client, waiting)} running, {failed[0]} failed)")

    reporter = threading.Thread(target=report, name="cluster-status", daemon=True)
    reporter.start()
    try:
        for future in as_completed(list(futures), loop=client.loop):
            account_id = futures[future]
            account, lost = _result(future, account_id)
            with lock:
                pending.discard(future.key)
                failed[0] += lost
            done[account_id] = account
            progress.advance(name)
    finally:
        finished.set()
        reporter.join()
    progress.status(name, f"({failed[0]} failed)")
    progress.done(name)
    return tuple(done[account_id] for account_id in targets)


def _running(client: Client, keys: set[object]) -> int:
    """How many of `keys` a worker is executing now (the others wait in the scheduler's queue)."""
    try:
        processing = client.processing()
    except (OSError, TimeoutError):
        return 0
    return sum(1 for tasks in processing.values() for key in tasks if key in keys)


def _result(future: Future[bytes], account_id: str) -> tuple[AccountSnapshot, bool]:
    """The account a task sent back, and whether the task failed for good (the account is then
    unreachable, with the reason)."""
    try:
        blob = future.result()
        remote = msgspec.msgpack.decode(blob, type=RemoteAccount)
    except ReadOnlyViolation:
        raise  # a bug, as in a local scan: it ends the scan instead of making one account UNKNOWN
    except Exception as error:  # KilledWorker, a task's own exception after its retries, a bad answer
        reason = f"the cluster task failed: {type(error).__name__}: {error}"
        return unreachable_account(account_id, reason), True
    if remote.version != __version__:
        reason = f"worker {remote.worker} runs cloudwarden {remote.version}, the coordinator {__version__}"
        return unreachable_account(account_id, reason), True
    if remote.account.account_id != account_id:
        return unreachable_account(
            account_id, f"worker {remote.worker} answered for account {remote.account.account_id}"
        ), True
    stats = remote.account.stats
    if stats is not None:
        stats = msgspec.structs.replace(stats, worker=remote.worker)
    return msgspec.structs.replace(remote.account, stats=stats), False


# --- On the workers -------------------------------------------------------------------------------

_SESSION_LOCK = threading.Lock()
_SESSION: list[tuple[AwsSession, str]] = []


def _worker_session(options: CollectOptions) -> tuple[AwsSession, str]:
    """This worker process's own session and the account its credentials belong to, made once."""
    with _SESSION_LOCK:
        if not _SESSION:
            session = AwsSession(max_connections=options.max_workers + len(COLLECTORS) + 1)
            _SESSION.append((session, identify(session)))
        return _SESSION[0]


def collect_remote(account_id: str, options: CollectOptions, several: bool) -> bytes:
    """A cluster task: collect one account with the worker's credentials, as msgpack."""
    session, caller = _worker_session(options)
    account = collect_account(session, caller, account_id, options, NoProgress(), several)
    return msgspec.msgpack.encode(
        RemoteAccount(version=__version__, worker=get_worker().address, account=account)
    )
