"""Writing output files: whole or not at all, and JSON documents a piece at a time.

Snapshots and reports share these, so that both are written the same way: under a temporary name
renamed when complete, and, when large, as indented JSON built from batches of elements that are
byte for byte what msgspec makes of the whole document.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import msgspec


@contextmanager
def written_whole(path: Path) -> Iterator[BinaryIO]:
    """A file written as `.NAME.partial` beside `path` and renamed to `path` when the block ends
    without an error: a writer that stops half-way leaves the previous file as it was, not a truncated
    one. A device or a pipe given as `path` is written in place. OSError is left to the caller."""
    in_place = path.exists() and not path.is_file()
    partial = path if in_place else path.with_name(f".{path.name}.partial")
    try:
        with partial.open("wb") as target:
            yield target
        if not in_place:
            partial.replace(path)
    finally:
        if not in_place:
            partial.unlink(missing_ok=True)


def formatted_elements(
    encoder: msgspec.json.Encoder, document: object, head: bytes, tail: bytes, indent: int
) -> memoryview:
    """`document` encoded and indented, with the lines that enclose its innermost array (`head` and
    `tail`) cut off: the array's elements, at the indentation they have in a document of the same
    shape. Wrapping a batch in the shape of the whole document is what makes the pieces line up."""
    text = msgspec.json.format(encoder.encode(document), indent=indent)
    if not (text.startswith(head) and text.endswith(tail)):  # pragma: no cover - msgspec's layout is fixed
        raise RuntimeError("unexpected layout of the encoded JSON")
    return memoryview(text)[len(head) : len(text) - len(tail)]
