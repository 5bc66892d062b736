"""Files that root writes: in a folder the kiosk user cannot change.

The state folder (/var/lib/kiosk) belongs to the ``kiosk`` user: anything
root opened there by name, the kiosk user could have replaced with a
symlink to /etc/shadow a moment before (a rerun of provision once
overwrote a root-only file with its report that way).  So root's own
records (the maintenance audit and lockout, the update log and release
floor, the provisioning report) live in the admin folder beside it,
/var/lib/kiosk-admin, root:root 0700.  The folder is checked before each
use (a real folder, owned by this user, writable by nobody else) and its
files are opened relative to it with ``O_NOFOLLOW``: a link is refused, not
followed.  A developer's virtual hut runs as its own user, which then owns
its admin folder the same way.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterator

from kiosk.errors import KioskError

_OPEN = os.O_CLOEXEC | os.O_NOFOLLOW


class AdminFolderError(KioskError):
    """The admin folder (or a file in it) is not what root may trust."""


@contextlib.contextmanager
def admin_folder(path: Path) -> Iterator[int]:
    """A descriptor of ``path`` (created 0700 when missing) after checking
    that only this user can change it."""
    path = Path(path)
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except FileExistsError:
        pass  # a symlink or a file by that name: refused below
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | _OPEN)
    except OSError as exc:
        raise AdminFolderError(f"{path}: not a folder root can trust ({exc.strerror}); "
                               "it must be a real folder, not a link") from None
    try:
        st = os.fstat(fd)
        if st.st_uid != os.geteuid() or st.st_mode & 0o022:
            raise AdminFolderError(f"{path}: owned by uid {st.st_uid} with mode {stat.S_IMODE(st.st_mode):04o}; "
                                   f"expected this user's folder (uid {os.geteuid()}), mode 0700. "
                                   f"Fix with: chown {os.geteuid()} {path} && chmod 700 {path}")
        yield fd
    finally:
        os.close(fd)


def _own_regular(fd: int, path: Path) -> None:
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_nlink != 1:
        raise AdminFolderError(f"{path}: not a plain file of this user's (a link or someone else's file); "
                               "refusing to write through it")


def append_line(folder: Path, name: str, line: str) -> None:
    """Append one line to ``folder/name`` (0600), fsynced."""
    with admin_folder(folder) as dir_fd:
        try:
            fd = os.open(name, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _OPEN, 0o600, dir_fd=dir_fd)
        except OSError as exc:
            raise AdminFolderError(f"{folder / name}: cannot open for appending ({exc.strerror})") from None
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            _own_regular(fh.fileno(), folder / name)
            fh.write(line.rstrip("\n") + "\n")
            fh.flush()
            os.fsync(fh.fileno())


def replace_file(folder: Path, name: str, data: bytes) -> None:
    """Replace ``folder/name`` atomically (0600): a new file renamed over the
    old name, so a link by that name is replaced, never written through."""
    with admin_folder(folder):
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, Path(folder) / name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def read_file(folder: Path, name: str, limit: int) -> bytes | None:
    """``folder/name`` (at most ``limit`` bytes), or None when it does not exist.
    A link, a FIFO, someone else's file or a longer file raises AdminFolderError."""
    with admin_folder(folder) as dir_fd:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | _OPEN, dir_fd=dir_fd)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise AdminFolderError(f"{folder / name}: cannot be read ({exc.strerror})") from None
        with os.fdopen(fd, "rb") as fh:
            _own_regular(fh.fileno(), folder / name)
            data = fh.read(limit + 1)
    if len(data) > limit:
        raise AdminFolderError(f"{folder / name}: longer than {limit} bytes")
    return data
