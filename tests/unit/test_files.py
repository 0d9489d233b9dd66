"""`written_whole`: a new file under a name nobody could plant, renamed when complete; an output that
is not a regular file refused; nothing left behind by an error, an exit or a signal."""

from __future__ import annotations

import errno
import os
import signal
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cloudwarden.files import NotARegularFile, check_writable, written_whole
from cloudwarden.interrupt import Interrupted, raise_on_stopping_signals
from tests.planted import VICTIM_CONTENT


def _names(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def _write_half(output: Path, then: Callable[[], None]) -> None:
    """Begin writing `output`, then do `then` (which raises) half-way."""
    with written_whole(output) as target:
        target.write(b"half of the new rep")
        target.flush()
        then()
        target.write(b"ort, never written\n")  # pragma: no cover - `then` raises


def _raise(stop: BaseException) -> None:
    raise stop


def test_a_link_planted_at_the_old_partial_name_is_left_alone(shared: Path, victim: Path) -> None:
    planted = shared / ".r.json.partial"
    planted.symlink_to(victim)
    with written_whole(shared / "r.json") as target:
        target.write(b"the report\n")
    assert victim.read_bytes() == VICTIM_CONTENT
    assert planted.readlink() == victim
    assert (shared / "r.json").read_bytes() == b"the report\n"
    assert _names(shared) == [".r.json.partial", "r.json"]


def test_a_link_planted_at_the_temporary_name_drawn_is_not_followed(
    shared: Path, victim: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever name of the `.NAME.*.partial` pattern is drawn, one that exists (a planted link) is
    passed over (O_EXCL, O_NOFOLLOW) for the next; the draw is made predictable here to plant it."""
    planted = shared / ".r.json.guessed.partial"
    planted.symlink_to(victim)

    def guessable() -> Iterator[str]:
        yield from ("guessed", "fresh")

    monkeypatch.setattr(tempfile, "_get_candidate_names", guessable)
    with written_whole(shared / "r.json") as target:
        target.write(b"the report\n")
        assert _names(shared) == [".r.json.fresh.partial", ".r.json.guessed.partial"]
    assert victim.read_bytes() == VICTIM_CONTENT
    assert planted.readlink() == victim
    assert _names(shared) == [".r.json.guessed.partial", "r.json"]


def test_an_output_that_is_a_link_to_a_file_elsewhere_is_refused(shared: Path, victim: Path) -> None:
    output = shared / "r.json"
    output.symlink_to(victim)
    with pytest.raises(NotARegularFile, match="a symbolic link, not a regular file"), written_whole(output):
        pass  # pragma: no cover - refused on entering
    assert victim.read_bytes() == VICTIM_CONTENT
    assert output.readlink() == victim
    assert _names(shared) == ["r.json"]


def test_a_fifo_is_refused_without_blocking_and_is_handed_nothing(shared: Path) -> None:
    fifo = shared / "r.json"
    os.mkfifo(fifo)
    # A reader that never blocks: were the FIFO written, the writer would not wait, and it would show here.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with pytest.raises(NotARegularFile, match="a FIFO, not a regular file"), written_whole(fifo):
            pass  # pragma: no cover - refused on entering
        with pytest.raises(NotARegularFile, match="a FIFO"):
            check_writable(fifo)
        assert os.read(reader, 100) == b""
    finally:
        os.close(reader)
    assert _names(shared) == ["r.json"]


@pytest.mark.parametrize(
    ("output", "kind"),
    [(Path(os.devnull), "a character device"), (Path(tempfile.gettempdir()), "a directory")],
)
def test_a_device_or_a_directory_is_refused(output: Path, kind: str) -> None:
    with pytest.raises(NotARegularFile, match=f"it is {kind}, not a regular file"):
        check_writable(output)
    with pytest.raises(NotARegularFile, match=kind), written_whole(output):
        pass  # pragma: no cover - refused on entering


@pytest.mark.parametrize(
    "stop",
    [RuntimeError("renderer broke"), KeyboardInterrupt(), SystemExit(1), Interrupted(signal.SIGTERM)],
    ids=["error", "keyboard-interrupt", "exit", "sigterm"],
)
def test_a_write_stopped_half_way_leaves_the_previous_file_whole_and_nothing_else(
    shared: Path, stop: BaseException
) -> None:
    output = shared / "r.json"
    output.write_bytes(b"the previous report\n")
    with pytest.raises(type(stop)):
        _write_half(output, then=lambda: _raise(stop))
    assert output.read_bytes() == b"the previous report\n"
    assert _names(shared) == ["r.json"]


@pytest.fixture
def stopping_signals_raise() -> Iterator[None]:
    """This process's handlers of the stopping signals, as the command line installs them, restored after."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    raise_on_stopping_signals()
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


@pytest.mark.usefixtures("stopping_signals_raise")
@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)],
    ids=["SIGINT", "SIGTERM", "SIGHUP"],
)
def test_a_signal_while_writing_removes_the_temporary_file(
    shared: Path, signum: signal.Signals, code: int
) -> None:
    output = shared / "r.json"
    output.write_bytes(b"the previous report\n")
    with pytest.raises(Interrupted) as stopped:
        _write_half(output, then=lambda: os.kill(os.getpid(), signum))
    assert stopped.value.exit_code == code
    assert output.read_bytes() == b"the previous report\n"
    assert _names(shared) == ["r.json"]


def test_two_interleaved_writers_each_write_a_whole_file(shared: Path) -> None:
    output = shared / "r.json"
    with written_whole(output) as first, written_whole(output) as second:
        for line in range(3):
            first.write(f"first {line}\n".encode())
            second.write(f"second {line}\n".encode())
        first.flush()
        second.flush()
        temporaries = {path.read_bytes() for path in shared.glob(".r.json.*.partial")}
        assert temporaries == {b"first 0\nfirst 1\nfirst 2\n", b"second 0\nsecond 1\nsecond 2\n"}
    # The first to finish (the inner block, `second`) is replaced by the last (`first`): whole, not mixed.
    assert output.read_bytes() == b"first 0\nfirst 1\nfirst 2\n"
    assert _names(shared) == ["r.json"]


def test_the_file_has_the_mode_of_a_new_file_not_the_temporary_files(shared: Path) -> None:
    previous = os.umask(0o027)
    try:
        with written_whole(shared / "r.json") as target:
            target.write(b"the report\n")
    finally:
        os.umask(previous)
    assert (shared / "r.json").stat().st_mode & 0o777 == 0o640


def test_check_writable_leaves_nothing_and_names_a_missing_directory(shared: Path) -> None:
    check_writable(shared / "r.json")
    assert _names(shared) == []
    with pytest.raises(FileNotFoundError):
        check_writable(shared / "missing" / "r.json")


def test_the_file_then_its_directory_are_synced_after_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Else a crash of the machine could bring back the previous file (a journal's earlier state)."""
    synced: list[tuple[str, bool]] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        info = os.fstat(descriptor)
        what = "directory" if stat.S_ISDIR(info.st_mode) else "file"
        synced.append((what, (tmp_path / "out.json").exists()))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    with written_whole(tmp_path / "out.json") as target:
        target.write(b"{}")

    assert synced == [("file", False), ("directory", True)]
    assert (tmp_path / "out.json").read_bytes() == b"{}"


def test_a_directory_its_file_system_cannot_sync_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        if stat.S_ISDIR(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "Invalid argument")
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    with written_whole(tmp_path / "out.json") as target:
        target.write(b"{}")

    assert (tmp_path / "out.json").read_bytes() == b"{}"
