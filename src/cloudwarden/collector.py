"""Python's cyclic garbage collector, paused while many small acyclic objects are made.

Decoded documents, snapshot records and findings are trees: reference counting frees them all the
same, and a cycle (a recursive YAML alias) is collected once the pause ends. Left running, the
collector walks the growing heap again and again: a large account's findings cost as much as its
rules, a 50,000-resource plan took four times as long to decode.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off for the block (and back on after, if it was on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
