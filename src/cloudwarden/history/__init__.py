"""The scan history: runs recorded in a database (SQLite file or PostgreSQL server), and what they say
over time. Only this package talks to a database (import-linter's `database-only-in-history`).

`open_store(url)` validates the URL, connects, creates or upgrades the schema (Alembic) and refuses a
schema newer than this code; `Store.recorder(...)` records one run in one transaction. The tables and
the meaning of a finding's state are in `cloudwarden.history.schema`; recording in
`cloudwarden.history.record`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudwarden.history.errors import RecordError, StoreError

if TYPE_CHECKING:
    from cloudwarden.history.record import Recorder
    from cloudwarden.history.store import Store, open_store

__all__ = ["RecordError", "Recorder", "Store", "StoreError", "open_store"]


def __getattr__(name: str) -> Any:
    """The database side (SQLAlchemy, Alembic) imported when first asked for: the views and the errors
    come without it, so a command that opens no store does not pay for it."""
    if name == "Recorder":
        from cloudwarden.history.record import Recorder

        return Recorder
    if name in ("Store", "open_store"):
        from cloudwarden.history import store

        return getattr(store, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
