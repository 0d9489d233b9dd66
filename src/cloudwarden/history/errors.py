"""The store's errors, apart from the database code: the commands catch them without importing
SQLAlchemy, which only the commands that open a store pay for."""

from __future__ import annotations


class StoreError(Exception):
    """A store that cannot be opened, read or written: one line naming it (exit 2 from the CLI)."""


class RecordError(StoreError):
    """The run could not be recorded (nothing of it was kept): the run did not do what it was asked."""
