"""pcscd for the virtual hut and the tests: the hut's own, or the machine's.

**Private (the default wherever it can run):** every hut starts its own
``pcscd -f`` with its own socket and its own vpcd ports, so two huts on one
machine (two test workers, ``kiosk sim`` beside a test run) never see each
other's cards, and a hut never takes a real USB reader from the machine's
pcscd.  pcsc-lite 1.9 puts its socket and pid file in a folder fixed at
build time (``ipcdir``, /run/pcscd), whatever it is told; its *client*
library reads the socket's path from ``PCSCLITE_CSOCK_NAME``.  So the hut's
pcscd runs in a private mount namespace (``unshare --mount``, or a user
namespace when not root) where a folder of the hut's is bind-mounted over
/run/pcscd, and this process's ``PCSCLITE_CSOCK_NAME`` points at that
folder's ``pcscd.comm``.  ``-c`` gives it a reader.conf.d of its own: the
vpcd driver on a free pair of ports (slot 0 on the first, slot 1 on the
next).  In the same namespace the USB driver bundles are hidden behind
empty read-only mounts: the hut's pcscd drives the vpcd slots and nothing
else.

pcsc-lite's client reads ``PCSCLITE_CSOCK_NAME`` once, at a process's first
PC/SC call: a process talks to one pcscd for its whole life.  Private
pcscds of one process (started one after the other) therefore share its one
socket folder, a process runs one at a time, and the variable must be set
before the first PC/SC call (the test suite sets one folder per worker when
it starts).  Child processes inherit it; a kiosk started by hand finds the
socket in its config (the readers' ``pcsc_socket`` option).

**Shared (fallback):** where no mount namespace can be made (no ``unshare``,
no privilege, no user namespaces), the machine's pcscd is used as before:
a running one as it is, else one started here on /etc/reader.conf.d/vpcd's
fixed port 35963.  Two huts cannot share those readers, so a hut holds a
machine-wide lock from start to stop and a second one waits for it (test
workers then take turns).  ``HUT_PCSCD=shared`` forces this mode,
``HUT_PCSCD=private`` fails instead of falling back.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import functools
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO

from smartcard import scard

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
VPCD_CONF = Path("/etc/reader.conf.d/vpcd")
SHARED_VPCD_PORT = 35963            # /etc/reader.conf.d/vpcd: 0x8C7B
SOCKET_ENV = "PCSCLITE_CSOCK_NAME"  # read by libpcsclite (the client), not by pcscd 1.9
MODE_ENV = "HUT_PCSCD"              # "private", "shared" or unset (private when possible)
PORTS = range(20000, 32000, 2)      # below Linux's ephemeral range (32768-60999)
SHARED_LOCK = Path(tempfile.gettempdir()) / "hut-pcscd-shared.lock"   # one hut at a time on the machine's

# Inside the namespace: the hut's folder over pcscd's ipcdir, the USB driver
# bundles hidden, then pcscd.  $1 = folder, $2 = ipcdir, $3 = usbdropdir.
_NAMESPACE_SCRIPT = """
mount --bind "$1" "$2" || exit 97
for bundle in "$3"/*.bundle; do
    [ -d "$bundle" ] || continue
    mount -t tmpfs -o ro,size=4k hut-pcscd "$bundle" || exit 97
done
shift 3
exec "$@"
"""


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


def pcscd_path() -> str:
    """pcscd's path; raises PcscdUnavailable saying what is missing."""
    path = shutil.which("pcscd") or next((p for p in ("/usr/sbin/pcscd", "/sbin/pcscd") if os.path.exists(p)), None)
    if path is None:
        raise PcscdUnavailable("pcscd is not installed (apt-get install pcscd)")
    if not VPCD_DRIVER.exists():
        raise PcscdUnavailable("the vsmartcard vpcd driver is not installed (apt-get install vsmartcard-vpcd)")
    return path


@functools.cache
def _build_dirs() -> dict[str, str]:
    """pcscd's compiled-in folders (``ipcdir``, ``usbdropdir``), from ``pcscd -v``."""
    out = subprocess.run([pcscd_path(), "-v"], capture_output=True, text=True, timeout=10).stdout
    found = dict(word.split("=", 1) for word in out.split() if word.count("=") == 1)
    return {"ipcdir": found.get("ipcdir", "/run/pcscd"), "usbdropdir": found.get("usbdropdir", "/usr/lib/pcsc/drivers")}


@functools.cache
def isolation_problem() -> str | None:
    """Why a private pcscd cannot run here, or None when it can (tried once
    per process: one ``unshare`` that mounts nothing)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return "unshare (util-linux) is not installed"
    try:
        ipcdir = Path(_build_dirs()["ipcdir"])
    except PcscdUnavailable as exc:
        return str(exc)
    if not ipcdir.is_dir():
        if os.geteuid() != 0:
            return f"{ipcdir} does not exist (it is made when pcscd is installed)"
        ipcdir.mkdir(parents=True, exist_ok=True)
    try:
        tried = subprocess.run([unshare, *_namespace_flags(), "--", "true"], capture_output=True, text=True,
                               timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare failed: {exc}"
    if tried.returncode != 0:
        return f"no mount namespace here: {tried.stderr.strip() or f'unshare exited {tried.returncode}'}"
    return None


def private_pcscd_possible() -> bool:
    mode = os.environ.get(MODE_ENV, "")
    return mode != "shared" and (mode == "private" or isolation_problem() is None)


def _namespace_flags() -> list[str]:
    return ["--mount"] if os.geteuid() == 0 else ["--user", "--map-root-user", "--mount"]


def _answers(path: Path) -> bool:
    """Whether a daemon listens on the Unix socket ``path`` (asked without
    libpcsclite, which would fix this process's socket path for good)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def _free_port_pair() -> int:
    """A port p with p and p+1 free on every address (vpcd binds 0.0.0.0)."""
    for port in random.Random(os.getpid() ^ time.monotonic_ns()).sample(PORTS, 200):
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("", port))
                b.bind(("", port + 1))
        except OSError:
            continue
        return port
    raise PcscdUnavailable(f"no free pair of TCP ports for the vpcd slots in {PORTS.start}-{PORTS.stop}")


_running_here: set["Pcscd"] = set()   # private pcscds of this process (one at a time)


def _claim_socket() -> Path:
    """The socket path of this process's private pcscds; sets
    ``PCSCLITE_CSOCK_NAME`` to a fresh folder when it is unset or points at a
    pcscd that is not this process's (a parent's, another hut's)."""
    current = os.environ.get(SOCKET_ENV)
    if current and not _answers(Path(current)):
        return Path(current)
    if current and _running_here:
        raise PcscdUnavailable(f"this process already runs a pcscd at {current}: pcsc-lite's client reads its "
                               "socket path once per process, so one process cannot talk to two")
    folder = Path(tempfile.mkdtemp(prefix="hut-pcscd-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "pcscd.comm"
    os.environ[SOCKET_ENV] = str(path)
    return path


class Pcscd:
    """``start()`` makes sure a pcscd with the vpcd readers answers (this
    process's own, private one when possible); ``stop()`` ends it if this
    object started it.  ``socket``/``vpcd_port`` say where it is."""

    def __init__(self, log_path: Path | None = None, ready_timeout: float = 10.0, private: bool | None = None,
                 lock_timeout: float = 300.0):
        self.log_path = log_path
        self.ready_timeout = ready_timeout
        self.lock_timeout = lock_timeout
        self._lock: IO[bytes] | None = None
        self.private = private_pcscd_possible() if private is None else private
        self.process: subprocess.Popen[bytes] | None = None
        self.socket = Path(os.environ.get(SOCKET_ENV) or "/run/pcscd/pcscd.comm")  # set by start()
        self.vpcd_port = 0 if self.private else SHARED_VPCD_PORT

    @property
    def owned(self) -> bool:
        return self.process is not None

    @staticmethod
    def check_installed() -> str:
        path = pcscd_path()
        if not VPCD_CONF.exists():
            raise PcscdUnavailable("the vsmartcard vpcd driver is not installed (apt-get install vsmartcard-vpcd)")
        return path

    def start(self) -> list[str]:
        """Return the vpcd reader names once pcscd lists them."""
        return self._start_private() if self.private else self._start_shared()

    # -- private -------------------------------------------------------------------
    def _start_private(self) -> list[str]:
        if os.environ.get(MODE_ENV) == "private" and (problem := isolation_problem()):
            raise PcscdUnavailable(f"HUT_PCSCD=private, but {problem}")
        path = pcscd_path()
        self.socket = _claim_socket()
        folder = self.socket.parent
        folder.mkdir(parents=True, exist_ok=True)
        for stale in (self.socket, folder / "pcscd.pid"):   # left by a pcscd that was killed
            stale.unlink(missing_ok=True)
        fixed = bool(self.vpcd_port)   # a restart keeps the ports the cards connect to
        for _ in range(1 if fixed else 5):
            port = self.vpcd_port or _free_port_pair()
            names = self._launch_private(path, folder, port)
            if names:
                self.vpcd_port = port
                _running_here.add(self)
                return names
        raise PcscdUnavailable(f"pcscd could not open the vpcd ports (last tried {port} and {port + 1}; "
                               f"log: {self.log_path})")

    def _launch_private(self, pcscd: str, folder: Path, port: int) -> list[str] | None:
        """Start pcscd on ``port``; its readers, or None when the ports were taken."""
        conf = folder / "reader.conf.d"
        conf.mkdir(exist_ok=True)
        (conf / "vpcd").write_text(f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:{port}\n'
                                   f"LIBPATH {VPCD_DRIVER}\nCHANNELID {port}\n", encoding="ascii")
        dirs = _build_dirs()
        unshare = shutil.which("unshare") or "unshare"
        command = [unshare, *_namespace_flags(), "--", "/bin/sh", "-c", _NAMESPACE_SCRIPT, "hut-pcscd",
                   str(folder), dirs["ipcdir"], dirs["usbdropdir"], pcscd, "-f", "-c", str(conf)]
        self._spawn(command)
        # pcscd adds the readers of its reader.conf.d before it opens its
        # socket: once it answers, a missing vpcd reader means a taken port.
        deadline = time.monotonic() + self.ready_timeout
        while not _answers(self.socket):
            self._check_alive()
            if time.monotonic() > deadline:
                self.stop()
                raise PcscdUnavailable(f"pcscd did not open {self.socket} within {self.ready_timeout:g} s "
                                       f"(log: {self.log_path})")
            time.sleep(0.02)
        names = readers()
        if names is None:
            self.stop()
            raise PcscdUnavailable(f"pcscd answers at {self.socket}, but this process's PC/SC client does not "
                                   f"reach it ({SOCKET_ENV}={os.environ.get(SOCKET_ENV)}): the process made its "
                                   f"first PC/SC call before {SOCKET_ENV} pointed there")
        if len(vpcd_readers(names)) >= 2:
            return vpcd_readers(names)
        self.stop()
        return None

    # -- shared --------------------------------------------------------------------
    def _start_shared(self) -> list[str]:
        path = self.check_installed()
        self._take_shared_lock()
        try:
            return self._start_machines(path)
        except BaseException:
            self.release()
            raise

    def _start_machines(self, path: str) -> list[str]:
        if readers() is None:
            self._spawn([path, "-f"])
        deadline = time.monotonic() + self.ready_timeout
        while True:
            names = readers()
            if len(vpcd_readers(names)) >= 2:
                return vpcd_readers(names)
            self._check_alive()
            if time.monotonic() > deadline:
                self.stop()
                raise PcscdUnavailable(f"pcscd did not list the vpcd readers within {self.ready_timeout:g} s "
                                       f"(readers: {names})")
            time.sleep(0.05)

    def _take_shared_lock(self) -> None:
        if self._lock is not None:
            return
        lock = SHARED_LOCK.open("ab")
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    lock.close()
                    raise PcscdUnavailable(f"another virtual hut has used the machine's pcscd for over "
                                           f"{self.lock_timeout:g} s ({SHARED_LOCK})") from None
                time.sleep(0.1)
        self._lock = lock

    def release(self) -> None:
        """Let the next hut have the machine's pcscd (shared mode)."""
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.close()

    # -- both ------------------------------------------------------------------------
    def _spawn(self, command: list[str]) -> None:
        with contextlib.ExitStack() as files:
            log = files.enter_context(open(self.log_path, "ab")) if self.log_path else subprocess.DEVNULL
            # unshare and sh exec into pcscd: this pid is pcscd's.
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)

    def _check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            code = self.process.returncode
            self.process = None
            raise PcscdUnavailable(f"pcscd -f exited with status {code}"
                                   + (f" (log: {self.log_path})" if self.log_path else ""))

    def stop(self) -> None:
        _running_here.discard(self)
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
        gone = (lambda: not _answers(self.socket)) if self.private else (lambda: readers() is None)
        while not gone() and time.monotonic() < deadline:
            time.sleep(0.02)

    def restart(self) -> list[str]:
        if not self.owned:
            raise PcscdUnavailable("this pcscd was running before the hut started; it is not ours to restart")
        self.stop()
        return self.start()

    def where(self) -> str:
        if self.private:
            return (f"the hut's own pcscd ({SOCKET_ENV}={self.socket}, vpcd ports {self.vpcd_port} and "
                    f"{self.vpcd_port + 1})")
        return "pcscd -f started by the hut" if self.owned else "the running pcscd"


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
