"""The schema's revisions, in order: 0001 the first schema, 0002 the per-run counts (trends)."""
