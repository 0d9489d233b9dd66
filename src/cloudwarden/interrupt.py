"""Stopping on SIGINT, SIGTERM and SIGHUP: promptly, with one line, leaving no file half-written.

The signal becomes an exception in the main thread, so every `finally` on the way out runs (a report
or snapshot being written is removed, the previous one stays whole). Then the process leaves without
waiting for the threads still blocked in AWS calls: they only read, so abandoning them loses nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(BaseException):
    """A stopping signal arrived. A BaseException, as KeyboardInterrupt is, so that no `except
    Exception` on the way takes it for an error of the scan."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, as a shell reports a process the signal ended (130 for SIGINT)."""
        return 128 + self.signum

    def __str__(self) -> str:
        return f"interrupted by {signal.Signals(self.signum).name}: stopped, no file was left half-written"


def raise_on_stopping_signals() -> None:
    """From now on, a stopping signal raises Interrupted in the main thread (call from it)."""
    for signum in STOPPING_SIGNALS:
        signal.signal(signum, _interrupt)


@contextmanager
def signals_blocked_in_new_threads() -> Iterator[None]:
    """Threads started in this block, and the threads they start, never receive a stopping signal;
    one that arrives meanwhile waits, and is given to the main thread when the block ends.

    Python runs its handlers in the main thread only, and CPython 3.11 notices a signal that the kernel
    gave another thread only when the main thread next wakes: waiting on a collection, that is when
    the AWS call it waits for ends. Started with the signals blocked, no other thread can be given one."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # Further signals are ignored: a second Ctrl-C must not cut short the clean-up the first began.
    for other in STOPPING_SIGNALS:
        signal.signal(other, signal.SIG_IGN)
    raise Interrupted(signum)


def leave(stop: Interrupted) -> None:
    """Say why on standard error, then end the process at once with the signal's exit code. Only once
    the main thread has unwound: threads still running are not waited for."""
    # os._exit flushes nothing; a stream that is closed (a pipe's reader gone) is past helping.
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(f"cloudwarden: {stop}\n")
        sys.stderr.flush()
    os._exit(stop.exit_code)
