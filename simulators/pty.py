"""A simulated serial device's end of the line: a pty.

The driver opens the slave as it would open /dev/ttyUSB0; the simulator
reads and writes the master.  When the slave is reached through ``link``
(a symlink in the hut's folder, as udev gives a USB adapter a stable name),
closing both ends and removing the link is what pulling the adapter looks
like to the driver: its reads fail with EIO and the path disappears.
"""

from __future__ import annotations

import contextlib
import os
import tty
from pathlib import Path
from typing import Callable


def open_pty(link: Path | None = None, configure: Callable[[int], None] | None = None) -> tuple[int, int]:
    """(master, slave) in raw mode, the master non-blocking; ``configure``
    may set the slave's line settings; ``link`` is pointed at the slave
    atomically (a driver never sees it half made)."""
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    if configure is not None:
        configure(slave)
    os.set_blocking(master, False)
    if link is not None:
        tmp = link.with_name(link.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(os.ttyname(slave), tmp)
        os.replace(tmp, link)
    return master, slave


def close_pty(link: Path | None, *fds: int | None) -> None:
    """Unplug: the link goes, then both ends close."""
    if link is not None:
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
    for fd in fds:
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
