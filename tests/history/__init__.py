"""The history store: recording runs, the schema, SQLite and a real PostgreSQL server."""
