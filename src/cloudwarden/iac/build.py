"""Documents into the snapshot the engine judges, with what points findings back at the code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cloudwarden import __version__
from cloudwarden.collector import collector_paused
from cloudwarden.iac.findings import Relabel
from cloudwarden.iac.model import IacDocument
from cloudwarden.iac.translate import Annotation, Draft, translate_into
from cloudwarden.snapshot import AccountSnapshot, ScanInfo, Snapshot


@dataclass(frozen=True)
class Built:
    snapshot: Snapshot
    """One partial account per document, its id the document's path; or, laid over a collected
    account, one account holding every document's resources and the account's own."""
    relabel: Relabel
    """For the engine's `prepare`: each finding named by its address, with its file and line."""
    warnings: tuple[str, ...]
    """What the documents hold that was not judged, and why."""


@collector_paused()  # many small records; see `collector_paused`
def build(
    documents: Sequence[IacDocument], live: AccountSnapshot | None = None, now: dt.datetime | None = None
) -> Built:
    """Without `live`, each document is judged on its own, as a partial account named by its path.
    With it (`--snapshot`), every document is one change to that account: their resources are laid
    over its collected ones and judged against them, and only the findings on what the documents touch
    are reported (the others are the live scan's)."""
    moment = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    drafts: list[tuple[Draft, str]] = []
    if live is None:
        for document in documents:
            draft = Draft(account_id=document.path)
            translate_into(document, draft)
            drafts.append((draft, document.path))
    else:
        draft = Draft(account_id=live.account_id, live=live)
        for document in documents:
            translate_into(document, draft)
        drafts.append((draft, documents[0].path if documents else ""))
    annotations: dict[str, dict[tuple[str, str], Annotation]] = {}
    files: dict[str, str] = {}
    warnings: list[str] = []
    accounts = []
    for draft, file in drafts:
        accounts.append(draft.account())
        annotations[draft.account_id] = draft.annotations
        if file:
            files[draft.account_id] = file
        warnings += draft.warnings
    snapshot = Snapshot(
        scan=ScanInfo(started_at=moment, finished_at=moment, tool_version=__version__),
        accounts=tuple(accounts),
    )
    return Built(snapshot, Relabel(annotations, files, keep_others=live is None), tuple(warnings))
