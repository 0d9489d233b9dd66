"""Alembic's scripts for the history store: `env.py` and the revisions under `versions/`. Run by
`cloudwarden.history.store.migrate` with a connection it passes in; no alembic.ini."""
