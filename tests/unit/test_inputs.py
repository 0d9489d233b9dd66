"""Reading input files: what the readers of every kind share (their end-to-end cases are in
tests/e2e/test_input_files_e2e.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudwarden import inputs
from cloudwarden.inputs import InputError, mapped, not_utf8, quoted, read_text


def test_a_short_value_is_quoted_whole() -> None:
    assert quoted("sg-0123") == "'sg-0123'"
    assert quoted(None) == "None"


def test_a_long_value_is_quoted_cut_to_its_beginning_and_length() -> None:
    assert quoted("a" * 500) == "'" + "a" * 119 + "... (502 characters)"


def test_a_symbolic_link_to_a_regular_file_is_read(tmp_path: Path) -> None:
    """Users link their configuration from elsewhere: links are followed, only the target must be
    a regular file."""
    target = tmp_path / "real.yaml"
    target.write_text("root: {}\n", encoding="utf-8")
    link = tmp_path / "cloudwarden.yaml"
    link.symlink_to(target)
    assert read_text(link, "configuration") == "root: {}\n"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux's /proc")
def test_a_file_of_proc_that_says_it_is_empty_is_read_whole() -> None:
    assert "Name:" in read_text(Path("/proc/self/status"), "configuration")


def test_an_empty_file_which_cannot_be_mapped_is_read(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.touch()
    with mapped(path, "snapshot") as content:
        assert content == b""


def test_a_missing_file_names_the_file_and_the_reason(tmp_path: Path) -> None:
    absent = tmp_path / "absent.json"
    with (
        pytest.raises(InputError, match=f"cannot read report {absent}: No such file or directory"),
        mapped(absent, "report"),
    ):
        pass


@pytest.mark.parametrize(
    ("replaced", "reported"),
    [(0, 0), (3, 3), (4, 3), (7, 7), (8, 7), (10, 10)],
    ids=["first", "lead-byte-at-a-chunk-end", "its-continuation", "lead-byte", "its-continuation2", "last"],
)
def test_the_offset_of_the_first_byte_that_is_not_utf8_is_found_across_chunks(
    replaced: int, reported: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The search goes a chunk at a time: a character cut by a chunk's end is not an error, and a
    character whose continuation is broken is reported where it begins."""
    monkeypatch.setattr(inputs, "_SCAN_CHUNK", 4)
    data = bytearray("abcéxx€z".encode())  # é is bytes 3-4 and € bytes 7-9: each straddles a chunk end
    data[replaced] = 0xFF
    error = not_utf8(Path("r.json"), "report", bytes(data))
    assert str(error) == f"report r.json is not UTF-8: byte 0x{data[reported]:02x} at offset {reported}"


def test_a_truncated_character_at_the_end_is_not_utf8() -> None:
    error = not_utf8(Path("r.json"), "report", "abcé".encode()[:-1])
    assert str(error) == "report r.json is not UTF-8: byte 0xc3 at offset 3"
