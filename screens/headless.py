"""A virtual X display for running the kiosk without a screen (demo, UI tests).

Xvfb picks a free display number itself (``-displayfd``), so parallel test
workers and a developer's own Xvfb never collide on a guessed ``:99``.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
from typing import Iterator

from kiosk.errors import KioskError


@contextlib.contextmanager
def virtual_display(width: int = 1920, height: int = 1080, *, set_env: bool = True,
                    timeout: float = 15.0) -> Iterator[str]:
    """Yield a ``DISPLAY`` value: the current one if there is one, else a fresh
    Xvfb that is stopped on exit.  With ``set_env`` the process's own
    ``DISPLAY`` points at it meanwhile."""
    current = os.environ.get("DISPLAY")
    if current:
        yield current
        return
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise KioskError("no display and no Xvfb: install the xvfb package (apt-get install xvfb)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24",
                             "-nolisten", "tcp", "-noreset"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        number = b""
        while not number.endswith(b"\n"):
            ready, _, _ = select.select([read_fd], [], [], timeout)
            chunk = os.read(read_fd, 16) if ready else b""
            if not chunk:
                raise KioskError(f"Xvfb did not start within {timeout:g} s (exit code {proc.poll()})")
            number += chunk
        display = f":{number.decode().strip()}"
        if set_env:
            os.environ["DISPLAY"] = display
        try:
            yield display
        finally:
            if set_env:
                os.environ.pop("DISPLAY", None)
    finally:
        os.close(read_fd)
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
