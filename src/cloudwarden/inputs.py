"""Reading input files that may be hostile or a mistake: configuration, ip-ranges, reports, snapshots.

A path given to the scanner may name a FIFO (which blocks, or streams without end), a device
(`/dev/zero` never ends), bytes that are not UTF-8 or text nested deep enough to exhaust the stack.
Each is refused with an `InputError` that names the file and the problem, before it costs more than
its bound:

- only a regular file is read. It is opened with O_NONBLOCK, so that opening a FIFO cannot block,
  then refused unless `fstat` says it is a regular file. Links are followed (a symlinked
  configuration is common and harmless to read);
- a file read whole into memory (configuration, ip-ranges) is bounded by `TEXT_MAX_BYTES`. Reports
  and snapshots can be gigabytes: they are mapped into memory, not read into it (`mapped`), so only
  the records decoded from them cost memory, and their size has no bound;
- text must be UTF-8; the error names the offset of the first byte that is not;
- nesting is bounded by the parsers themselves: libyaml stops at 1,000 levels, msgspec, `json` and
  PyYAML's pure-Python parser at Python's recursion limit with a `RecursionError` (callers turn it
  into `too_deep`). No schema read here nests more than a dozen levels.
"""

from __future__ import annotations

import codecs
import mmap
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TypeVar

from cloudwarden.files import kind_of

T = TypeVar("T")

TEXT_MAX_BYTES = 64 * 1024 * 1024
"""The largest configuration or ip-ranges file read (AWS's ip-ranges.json is about 2 MB)."""

QUOTED_MAX_CHARS = 120
"""The longest value an error message quotes whole: a 10 MB value would drown the message."""

_SCAN_CHUNK = 16 * 1024 * 1024


class InputError(Exception):
    """An input file that cannot be read, with a one-line message naming the file and the problem."""


def quoted(value: object) -> str:
    """`repr(value)`, cut to `QUOTED_MAX_CHARS` characters with its full length when longer."""
    text = repr(value)
    if len(text) <= QUOTED_MAX_CHARS:
        return text
    return f"{text[:QUOTED_MAX_CHARS]}... ({len(text)} characters)"


def read_text(path: Path, what: str) -> str:
    """The whole of the regular file `path`, of at most `TEXT_MAX_BYTES`, decoded as UTF-8.

    `what` names the file's role in messages ("configuration", "route53.aws_ip_ranges_file")."""
    with _regular_file(path, what) as file:
        if os.fstat(file.fileno()).st_size > TEXT_MAX_BYTES:
            raise _too_large(path, what)
        try:
            # One byte more than allowed is asked for: a file of /proc says it is empty and is not.
            data = file.read(TEXT_MAX_BYTES + 1)
        except OSError as error:
            raise InputError(f"cannot read {what} {path}: {error.strerror}") from error
    if len(data) > TEXT_MAX_BYTES:
        raise _too_large(path, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _not_utf8(path, what, data, error.start) from error


@contextmanager
def mapped(path: Path, what: str) -> Iterator[mmap.mmap | bytes]:
    """The bytes of the regular file `path`, mapped into memory (read when it cannot be mapped, as an
    empty file cannot): the decoder then walks page cache that the kernel can take back under
    pressure, instead of a copy in the process's own memory."""
    with _regular_file(path, what) as file:
        try:
            mapping = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            mapping = None
        if mapping is None:
            try:
                content = file.read()
            except OSError as error:
                raise InputError(f"cannot read {what} {path}: {error.strerror}") from error
            yield content
            return
        with mapping:
            yield mapping


def decoded(path: Path, what: str, decode: Callable[[mmap.mmap | bytes], T]) -> T:
    """`decode` applied to the bytes of the regular file `path` (`mapped`): text that is not UTF-8 or
    nested deeper than the decoder goes becomes an InputError naming the file, as any unreadable
    file does. The decoder's own errors (the wrong schema, a missing field) are left to the caller."""
    with mapped(path, what) as raw:
        try:
            return decode(raw)
        except UnicodeDecodeError as error:
            raise not_utf8(path, what, raw) from error
        except RecursionError as error:
            raise too_deep(path, what) from error


def not_utf8(path: Path, what: str, data: mmap.mmap | bytes) -> InputError:
    """The error for `data` that a decoder found not to be UTF-8 somewhere (msgspec does not say
    where in the file): the offset is found again, a chunk at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    for start in range(0, len(data), _SCAN_CHUNK):
        pending = len(decoder.getstate()[0])
        chunk = data[start : start + _SCAN_CHUNK]
        try:
            decoder.decode(chunk, final=start + len(chunk) >= len(data))
        except UnicodeDecodeError as error:
            return _not_utf8(path, what, data, start - pending + error.start)
    return InputError(f"{what} {path} is not UTF-8")


def too_deep(path: Path, what: str) -> InputError:
    """The error for a document nested deeper than its parser allows (a `RecursionError`)."""
    return InputError(f"{what} {path} is nested too deeply to be read")


def _too_large(path: Path, what: str) -> InputError:
    return InputError(f"cannot read {what} {path}: larger than {TEXT_MAX_BYTES // (1024 * 1024)} MiB")


def _not_utf8(path: Path, what: str, data: mmap.mmap | bytes, offset: int) -> InputError:
    return InputError(f"{what} {path} is not UTF-8: byte 0x{data[offset]:02x} at offset {offset}")


@contextmanager
def _regular_file(path: Path, what: str) -> Iterator[BinaryIO]:
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise InputError(f"cannot read {what} {path}: {error.strerror}") from error
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise InputError(f"cannot read {what} {path}: not a regular file ({kind_of(mode)})")
    with open(descriptor, "rb") as file:
        yield file
