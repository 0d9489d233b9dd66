"""Translator of the users family (being written)."""

from __future__ import annotations

from cloudwarden.iac.translate import Draft, Graph


def translate(graph: Graph, draft: Draft) -> None:
    """Adds nothing yet."""
