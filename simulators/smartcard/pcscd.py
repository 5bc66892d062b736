"""pcscd for the virtual hut and the tests: use the running one, or start
``pcscd -f`` and stop it at the end.

pcscd 1.9 always listens on /run/pcscd/pcscd.comm, so there is one per
machine: a daemon already running (systemd's socket-activated one) is used
as it is and never stopped; one started here is ours to stop and restart
(the restart test).  Readiness is polled with a bounded wait: pcscd needs a
moment before the vpcd readers appear in its list.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from smartcard import scard

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
VPCD_CONF = Path("/etc/reader.conf.d/vpcd")


class PcscdUnavailable(RuntimeError):
    """pcscd or the vpcd driver is missing here, or pcscd would not start."""


def readers() -> list[str] | None:
    """The reader names pcscd lists, or None when pcscd does not answer."""
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return None
    try:
        hresult, names = scard.SCardListReaders(context, [])
        if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        return list(names) if hresult == scard.SCARD_S_SUCCESS else None
    finally:
        scard.SCardReleaseContext(context)


def vpcd_readers(names: list[str] | None) -> list[str]:
    return [n for n in names or [] if n.startswith("Virtual PCD")]


class Pcscd:
    """``start()`` makes sure a pcscd with the vpcd readers answers;
    ``stop()`` ends it if this object started it."""

    def __init__(self, log_path: Path | None = None, ready_timeout: float = 10.0):
        self.log_path = log_path
        self.ready_timeout = ready_timeout
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def owned(self) -> bool:
        return self.process is not None

    @staticmethod
    def check_installed() -> str:
        """pcscd's path; raises PcscdUnavailable saying what is missing."""
        path = shutil.which("pcscd") or next((p for p in ("/usr/sbin/pcscd", "/sbin/pcscd") if os.path.exists(p)),
                                             None)
        if path is None:
            raise PcscdUnavailable("pcscd is not installed (apt-get install pcscd)")
        if not VPCD_DRIVER.exists() or not VPCD_CONF.exists():
            raise PcscdUnavailable("the vsmartcard vpcd driver is not installed (apt-get install vsmartcard-vpcd)")
        return path

    def start(self) -> list[str]:
        """Return the vpcd reader names once pcscd lists them."""
        path = self.check_installed()
        names = readers()
        if names is None:
            with contextlib.ExitStack() as files:
                log = files.enter_context(open(self.log_path, "ab")) if self.log_path else subprocess.DEVNULL
                self.process = subprocess.Popen([path, "-f"], stdout=log, stderr=subprocess.STDOUT,
                                                stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + self.ready_timeout
        while True:
            names = readers()
            if len(vpcd_readers(names)) >= 2:
                return vpcd_readers(names)
            if self.process is not None and self.process.poll() is not None:
                code = self.process.returncode
                self.process = None
                raise PcscdUnavailable(f"pcscd -f exited with status {code}"
                                       + (f" (log: {self.log_path})" if self.log_path else ""))
            if time.monotonic() > deadline:
                self.stop()
                raise PcscdUnavailable(f"pcscd did not list the vpcd readers within {self.ready_timeout:g} s "
                                       f"(readers: {names})")
            time.sleep(0.05)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        deadline = time.monotonic() + 5
        while readers() is not None and time.monotonic() < deadline:
            time.sleep(0.05)

    def restart(self) -> list[str]:
        if not self.owned:
            raise PcscdUnavailable("this pcscd was running before the hut started; it is not ours to restart")
        self.stop()
        return self.start()


def wait_card(reader: str, present: bool, timeout: float = 3.0) -> bool:
    """Wait (bounded) until pcscd sees a card in ``reader`` (or none): it
    polls presence about every 0.4 s, so a removed card is "still there" for
    a moment.  False on timeout or when pcscd does not answer."""
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return False
    try:
        known = scard.SCARD_STATE_UNAWARE
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            hresult, states = scard.SCardGetStatusChange(context, max(0, int(remaining * 1000)), [(reader, known)])
            if hresult not in (scard.SCARD_S_SUCCESS, scard.SCARD_E_TIMEOUT):
                return False
            known = states[0][1] & ~scard.SCARD_STATE_CHANGED
            if bool(known & scard.SCARD_STATE_PRESENT) == present:
                return True
            if remaining <= 0:
                return False
    finally:
        scard.SCardReleaseContext(context)
