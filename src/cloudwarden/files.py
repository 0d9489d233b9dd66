"""Writing output files: whole or not at all, and JSON documents a piece at a time.

Snapshots and reports share these, so that both are written the same way: under a temporary name
renamed when complete, and, when large, as indented JSON built from batches of elements that are
byte for byte what msgspec makes of the whole document.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import msgspec

from cloudwarden.interrupt import STOPPING_SIGNALS


class NotARegularFile(OSError):
    """An output that exists and is not a regular file. A FIFO or a socket would hand the data to
    whoever reads it, a device would take it in place, a directory cannot be replaced by a file; a
    symbolic link is neither written through (where a planted link points) nor replaced (run as
    root, `--output /dev/stdout` would replace /dev/stdout)."""


@contextmanager
def written_whole(path: Path) -> Iterator[BinaryIO]:
    """A file written under a new temporary name beside `path` and renamed to `path` when the block
    ends without an error: a writer that stops half-way, by an error or an interrupt, leaves the
    previous file as it was and no temporary file behind.

    The temporary file is made by `mkstemp` (O_CREAT|O_EXCL|O_NOFOLLOW, a random name), so no link
    planted in the directory is followed and two writers of the same `path` never share one; it gets
    the mode a new file gets (0o666 less the umask). `path` must be a regular file or not exist
    (else NotARegularFile); a symbolic link put at `path` after that check is replaced by the rename,
    never written through. OSError is left to the caller."""
    _refuse_non_regular(path)
    # A stopping signal waits until the temporary file is in the hands of the clean-up below.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING_SIGNALS)
    try:
        descriptor, name = _temporary_beside(path)
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise
    temporary = Path(name)
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        with open(descriptor, "wb") as target:
            os.fchmod(descriptor, 0o666 & ~_umask())
            yield target
            target.flush()
            os.fsync(descriptor)  # else a crash of the machine can leave an empty file under the final name
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    """The rename made durable: until the directory itself is synced, a crash of the machine can bring
    back the previous file (an earlier state of a fix journal, whose latest change it then forgets).
    A file system that cannot sync a directory (EINVAL) is left as it is."""
    try:
        descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(descriptor)


def check_writable(path: Path) -> None:
    """Raise now the OSError that `written_whole(path)` would raise on opening (`path` is not a
    regular file; its directory is missing, not writable, read-only), so that a bad output fails
    before the work whose result it was to hold."""
    _refuse_non_regular(path)
    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING_SIGNALS)  # no probe file left behind
    try:
        descriptor, name = _temporary_beside(path)
        os.close(descriptor)
        os.unlink(name)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _refuse_non_regular(path: Path) -> None:
    """Raise NotARegularFile if `path` exists and is not a regular file (a symbolic link included)."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        problem = errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL
        raise NotARegularFile(problem, f"it is {kind_of(mode)}, not a regular file", str(path))


def kind_of(mode: int) -> str:
    """What a file that is not a regular one is, in words ("a FIFO"), for messages about the paths
    the scanner refuses to read or write."""
    return _KINDS.get(stat.S_IFMT(mode), "an unusual kind of file")


_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def _temporary_beside(path: Path) -> tuple[int, str]:
    return tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)


def _umask() -> int:
    """The process's umask, which can only be read by setting it: meanwhile it is the strict 0o077,
    so a file another thread creates in that instant is at worst more private, never less."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


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
