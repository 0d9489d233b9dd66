"""`bench_cluster.py` at a tiny size: the local pool and a Dask cluster each scan every account
(not timed)."""

from __future__ import annotations

import re

from .runner import run_bench


def test_bench_cluster_prints_every_side_with_every_account_scanned() -> None:
    output = run_bench("bench_cluster.py", "4", "0", "1")

    sides = re.findall(
        r"^(local pool \(8 accounts\)|dask, 1 workers x 8)\s+[\d.]+ s\s+\d+ accounts/min\s+\d+ calls\s+"
        r"[\d.]+ s per account\s+(\d+) unreachable$",
        output,
        re.MULTILINE,
    )
    assert [side for side, _ in sides] == ["local pool (8 accounts)", "dask, 1 workers x 8"], output
    assert [unreachable for _, unreachable in sides] == ["0", "0"], output
    assert re.search(r"^\s+[\d.]+ s of scanner CPU per account$", output, re.MULTILINE), output
