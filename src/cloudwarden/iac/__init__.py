"""Infrastructure as code: Terraform plans and CloudFormation templates judged by the same rules as a
live account, before anything is deployed.

One direction, as for a scan: files are read (`iac.sources`, `iac.terraform`, `iac.cloudformation`)
into documents (`iac.model`), translated into snapshot records (`iac.translate` and its families:
`iac.s3`, `iac.network`, `iac.trail`, `iac.dns`, `iac.users`), optionally laid over a collected
snapshot (`--snapshot`: `Draft.live` in `iac.translate`, `iac.build`), judged by the engine's rules, and
the findings pointed back at the code (`iac.findings`). Nothing here calls AWS.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a document's many small objects are made.

    Decoded plans, parsed templates and their snapshot records are trees: reference counting frees
    them all the same, and any cycle is collected once the pause ends. Left running, the collector
    walks the growing heap again and again: a 50,000-resource plan took four times as long to decode
    (`bench/bench_iac.py`)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
