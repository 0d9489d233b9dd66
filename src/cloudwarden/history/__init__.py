"""The scan history: runs recorded in a database (SQLite file or PostgreSQL server), and what they say
over time. Only this package talks to a database (import-linter's `database-only-in-history`).

`open_store(url)` validates the URL, connects, creates or upgrades the schema (Alembic) and refuses a
schema newer than this code; `Store.recorder(...)` records one run in one transaction. The tables and
the meaning of a finding's state are in `cloudwarden.history.schema`; recording in
`cloudwarden.history.record`.
"""

from __future__ import annotations

from cloudwarden.history.record import Recorder
from cloudwarden.history.store import Store, StoreError, open_store

__all__ = ["Recorder", "Store", "StoreError", "open_store"]
