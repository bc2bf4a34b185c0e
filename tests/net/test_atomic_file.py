"""The download file: written beside its target, renamed on commit, removed otherwise (§2.7)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from net.atomic_file import AtomicFile


def test_nothing_appears_until_commit_then_the_whole_file_does(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    sink = AtomicFile(str(target)).open()
    sink.write(b"abc")
    sink.write(b"def")
    assert not target.exists()
    assert len(list(tmp_path.iterdir())) == 1  # the temporary file, beside the target
    sink.commit()
    assert target.read_bytes() == b"abcdef"
    assert list(tmp_path.iterdir()) == [target]


def test_discard_removes_the_temporary_file_and_keeps_an_older_target(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    sink = AtomicFile(str(target)).open()
    sink.write(b"new")
    sink.discard()
    sink.discard()  # again: nothing more happens
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]
    with pytest.raises(OSError, match="discarded"):
        sink.commit()


def test_a_discard_from_another_thread_makes_later_writes_fail(tmp_path: Path) -> None:
    sink = AtomicFile(str(tmp_path / "x")).open()
    sink.discard(close=False)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(OSError, match="discarded"):
        sink.write(b"late")
    sink.discard()


def test_as_a_context_it_commits_on_success_and_discards_on_an_exception(tmp_path: Path) -> None:
    target = tmp_path / "ctx"
    with AtomicFile(str(target)) as sink:
        sink.write(b"ok")
    assert target.read_bytes() == b"ok"

    def fail_midway() -> None:
        with AtomicFile(str(target)) as sink:
            sink.write(b"partial")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_midway()
    assert target.read_bytes() == b"ok"
    assert list(tmp_path.iterdir()) == [target]


def test_the_new_files_mode_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        with AtomicFile(str(tmp_path / "f")) as sink:
            sink.write(b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f").stat().st_mode) == 0o640


def test_a_mode_given_replaces_the_umasks(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        with AtomicFile(str(tmp_path / "out.bin"), mode=0o640) as sink:
            sink.write(b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.bin").stat().st_mode) == 0o640


@pytest.mark.parametrize("where", ["missing_folder", "a_folder"])
def test_a_target_that_cannot_be_written_fails_at_open(tmp_path: Path, where: str) -> None:
    path = tmp_path / "nope" / "f" if where == "missing_folder" else tmp_path
    with pytest.raises((FileNotFoundError, IsADirectoryError)):
        AtomicFile(str(path)).open()
    assert list(tmp_path.iterdir()) == []


def test_a_target_whose_name_is_near_the_limit_is_written_too(tmp_path: Path) -> None:
    """The temporary name adds to the target's; a target named as long as the file system
    allows must still be replaced (by a temporary file with a shorter name)."""
    name_max = os.pathconf(tmp_path, "PC_NAME_MAX")
    target = tmp_path / ("n" * name_max)
    target.write_bytes(b"old")
    with AtomicFile(str(target)) as sink:
        sink.write(b"new")
    assert target.read_bytes() == b"new"
    assert list(tmp_path.iterdir()) == [target]
