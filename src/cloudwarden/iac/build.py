"""Documents into the snapshot the engine judges, with what points findings back at the code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cloudwarden import __version__
from cloudwarden.iac.findings import Relabel
from cloudwarden.iac.model import IacDocument
from cloudwarden.iac.translate import Annotation, translate
from cloudwarden.snapshot import ScanInfo, Snapshot


@dataclass(frozen=True)
class Built:
    snapshot: Snapshot
    """One partial account per document, its id the document's path."""
    relabel: Relabel
    """For the engine's `prepare`: each finding named by its address, with its file and line."""
    warnings: tuple[str, ...]
    """What the documents hold that was not judged, and why."""


def build(documents: Sequence[IacDocument], now: dt.datetime | None = None) -> Built:
    """The documents as accounts of one snapshot, each judged on its own."""
    moment = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    accounts = []
    annotations: dict[str, dict[tuple[str, str], Annotation]] = {}
    files: dict[str, str] = {}
    warnings: list[str] = []
    for document in documents:
        account, draft = translate(document)
        accounts.append(account)
        annotations[account.account_id] = draft.annotations
        files[account.account_id] = document.path
        warnings += [f"{document.path}: {warning}" for warning in draft.warnings]
    snapshot = Snapshot(
        scan=ScanInfo(started_at=moment, finished_at=moment, tool_version=__version__),
        accounts=tuple(accounts),
    )
    return Built(snapshot, Relabel(annotations, files), tuple(warnings))
