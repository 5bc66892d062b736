"""atomic_write: the content, the mode from the first byte, and a failed
write that leaves the old file and no temporary file."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from drivers import storage
from drivers.storage import atomic_write


def test_writes_content_and_creates_the_folder(tmp_path: Path):
    target = tmp_path / "state" / "counters" / "printer.json"
    atomic_write(target, b'{"cuts": 3}')
    assert target.read_bytes() == b'{"cuts": 3}'
    atomic_write(target, b'{"cuts": 4}')
    assert target.read_bytes() == b'{"cuts": 4}'
    assert os.listdir(target.parent) == ["printer.json"]


@pytest.mark.parametrize("mode", [0o600, 0o644, 0o400])
def test_mode_is_set_whatever_the_umask(tmp_path: Path, mode: int):
    old_umask = os.umask(0o077)
    try:
        atomic_write(tmp_path / "f", b"x", mode=mode)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / "f").stat().st_mode) == mode


def test_secret_file_is_never_readable_by_others_while_written(tmp_path: Path, monkeypatch):
    seen: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        seen.append(stat.S_IMODE(os.fstat(fd).st_mode))  # first call: the file, then its folder
        real_fsync(fd)

    monkeypatch.setattr(storage.os, "fsync", fsync)
    atomic_write(tmp_path / "secrets.toml", b"key = 1", mode=0o600)
    assert seen[0] == 0o600  # the temporary file, data written, before the rename


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path, monkeypatch):
    target = tmp_path / "catalog.json"
    target.write_bytes(b"old")

    def broken_fsync(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(storage.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="Input/output"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["catalog.json"]
