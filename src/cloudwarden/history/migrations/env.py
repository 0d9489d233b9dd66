"""Alembic's environment: migrate on the connection `cloudwarden.history.store.migrate` passed in,
inside the transaction it began (no alembic.ini, no URL of its own, no offline mode)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("the history store's migrations run only from cloudwarden.history.store")
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


_run()
