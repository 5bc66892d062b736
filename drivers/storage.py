"""Replacing a small file so that a power cut leaves the old or the new one.

Counters, the cached catalog, the secrets file and the maintenance lockout
all hold state that a half-written file would lose or corrupt (a hut's power
is cut without warning).  Both drivers/ and kiosk/ write such files, so the
one implementation lives here, below both.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def atomic_write(path: str | os.PathLike[str], data: bytes, mode: int = 0o644,
                 owner: tuple[int, int] | None = None) -> None:
    """Replace ``path`` with ``data``: a temporary file in the same folder is
    written, fsynced and renamed over it, then the folder is fsynced so the
    rename itself survives a power cut.  The file has ``mode`` from its first
    byte (0600 for secrets: never briefly readable by others), and ``owner``
    (uid, gid; -1 keeps one) before it gets its name, so a file a service
    group may read (root:kiosk 0640) is never briefly someone else's.  On any
    error the old file is untouched and no temporary file is left behind."""
    path = Path(path)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            if owner is not None:
                os.fchown(fh.fileno(), *owner)
            os.fchmod(fh.fileno(), mode)  # before the first byte (mkstemp made it 0600)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
