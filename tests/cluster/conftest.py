"""A local Dask cluster of worker processes on 127.0.0.1, whose workers reach the test emulator."""

from __future__ import annotations

import os
from collections.abc import Iterator

import dask
import pytest
from distributed import Client, LocalCluster

from cloudwarden_emulator import Emulator
from tests.cluster.settings import PROFILER_OFF
from tests.e2e.scanner import emulator_environment

WORKERS = 2


@pytest.fixture(scope="module")
def cluster(emulator_server: Emulator) -> Iterator[LocalCluster]:
    """Worker processes inherit this process's environment when they start: the emulator's, so that
    their own credential chain (here the emulator's keys) is what they scan with."""
    saved = dict(os.environ)
    for name, value in emulator_environment(emulator_server).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    try:
        with (
            dask.config.set(
                {
                    "distributed.scheduler.allowed-failures": 2,
                    "distributed.logging.distributed": "error",
                    **PROFILER_OFF,
                }
            ),
            LocalCluster(
                n_workers=WORKERS,
                threads_per_worker=2,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as local,
        ):
            yield local
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def client(cluster: LocalCluster) -> Iterator[Client]:
    with Client(cluster.scheduler_address, set_as_default=False) as connected:
        yield connected
