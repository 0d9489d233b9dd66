"""Dask settings every cluster of the tests runs with."""

PROFILER = "distributed.worker.profile.enabled"
PROFILER_OFF = {PROFILER: False}
"""Dask's statistical profiler reads every thread's frame (`sys._current_frames`) a hundred times a
second; on CPython before 3.11.9 that deadlocks a process whose other threads start threads, as a
scan's do (CPython gh-116969, dask/distributed#8616): a worker, or the scheduler in this process,
would hang for good. Every cluster of the tests runs without it; docs/organisations.md says so too."""
