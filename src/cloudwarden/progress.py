"""Collection progress on standard error: a live display on a terminal, plain lines in a log.

Both take `collect`'s progress calls (its `Progress` protocol), from several threads.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from cloudwarden.interrupt import signals_blocked_in_new_threads


class RichProgress:
    """Live collection progress on standard error (only when it is a terminal)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}
        self._lock = threading.Lock()

    def step(self, name: str, total: int | None) -> None:
        with self._lock:
            task = self._tasks.get(name)
            if task is None:
                self._tasks[name] = self._progress.add_task(name, total=total)
            else:
                self._progress.update(task, total=total)

    def advance(self, name: str) -> None:
        self._progress.advance(self._tasks[name])

    def done(self, name: str) -> None:
        task = self._tasks[name]
        total = self._progress.tasks[task].total or 1
        self._progress.update(task, total=total, completed=total)

    def status(self, name: str, text: str) -> None:
        self._progress.update(self._tasks[name], description=f"{name} {text}")


class LogProgress:
    """Progress of a cluster scan as plain lines on standard error, for logs (not a terminal).

    Only the coordinator's account tally is logged, at most every `LOG_INTERVAL` seconds and when
    it ends: a local scan's steps are too fine-grained for a log.
    """

    LOG_INTERVAL = 30.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._totals: dict[str, int] = {}
        self._done: dict[str, int] = {}
        self._last = 0.0

    def step(self, name: str, total: int | None) -> None:
        with self._lock:
            self._totals[name] = total or 0
            self._done[name] = 0

    def advance(self, name: str) -> None:
        with self._lock:
            self._done[name] = self._done.get(name, 0) + 1

    def done(self, name: str) -> None:
        pass

    def status(self, name: str, text: str) -> None:
        now = time.monotonic()
        with self._lock:
            finished = self._done.get(name, 0) >= self._totals.get(name, 0)
            if not finished and now - self._last < self.LOG_INTERVAL:
                return
            self._last = now
            line = f"cloudwarden: {name} {self._done.get(name, 0)}/{self._totals.get(name, 0)} done {text}"
        print(line, file=sys.stderr, flush=True)


@contextmanager
def progress_display() -> Iterator[RichProgress | LogProgress]:
    """The display that suits standard error: live on a terminal (gone when the block ends), log
    lines otherwise."""
    console = Console(stderr=True, highlight=False)
    if not console.is_terminal:
        yield LogProgress()
        return
    progress = Progress(
        TextColumn("collecting [bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with signals_blocked_in_new_threads():  # the display's refresh thread leaves Ctrl-C to the main one
        progress.start()
    try:
        yield RichProgress(progress)
    finally:
        progress.stop()
