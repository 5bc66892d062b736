"""A private ``cupsd`` with the hut's A4 printer as a cups-pdf queue.

The real CUPS (Debian's ``cups``) runs from a temporary ServerRoot on its own
domain socket (and a loopback port), never the system's: nothing in
``/etc/cups`` is read, and the queue's jobs and the PDFs cups-pdf writes stay
in the folder given.  One file outside it: cups-pdf reads its per-queue
settings only from ``/etc/cups/cups-pdf-<queue>.conf``, so the queue name is
unique per server and :meth:`CupsServer.stop` removes that file.

The queue's device is ``hutsim:/<queue>``, a backend written here in front of
cups-pdf: it plays the printer's paper tray, which the tests set through
:meth:`CupsServer.tray` (a file the backend reads):

* ``sheets N``: N sheets left.  A job longer than that prints its first N
  pages (through cups-pdf, so they are real PDF pages), then the backend
  reports ``media-empty-error`` as a real printer's backend does
  (``STATE: +media-empty-error``) and waits; once the tray is refilled it
  prints the rest.  A job cancelled meanwhile ends the wait.
* ``jam`` / ``door-open``: ``media-jam-error`` / ``door-open-error`` before the
  first page, and the job waits until the tray file says otherwise.
* ``hang``: the printer takes the job and says nothing more (a job stuck
  with no reason given), until the tray file says otherwise.
* ``ok``: paper enough.

Pausing the queue (``cupsdisable``), stopping cupsd and cancelling are the
real CUPS operations and need nothing here.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

CUPS_SERVER_BIN = Path("/usr/lib/cups")
CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd")
CUPS_PDF_CONF_DIR = Path("/etc/cups")

CUPSD_CONF = """\
Listen {socket}
Listen 127.0.0.1:{port}
LogLevel {log_level}
WebInterface No
Browsing No
BrowseLocalProtocols none
DefaultAuthType None
MaxJobTime 0
PreserveJobHistory Yes
PreserveJobFiles No
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

CUPS_FILES_CONF = """\
ServerRoot {root}/etc
ServerBin {root}/bin
RequestRoot {root}/spool
CacheDir {root}/cache
StateDir {root}/state
ErrorLog {root}/log/error_log
AccessLog {root}/log/access_log
PageLog {root}/log/page_log
User lp
Group lp
SystemGroup root
"""

CUPS_PDF_CONF = """\
Out {out}
AnonDirName {out}
Spool {root}/cups-pdf-spool
Log {root}/log
Grp root
"""

# The paper tray in front of cups-pdf (runs as root: mode 0700, like cups-pdf).
BACKEND = r"""#!/bin/sh
# hutsim: the virtual hut's A4 printer, cups-pdf behind a paper tray the tests set.
if [ $# -eq 0 ]; then
    echo 'direct hutsim "Unknown" "Hut A4 printer (cups-pdf with a simulated tray)"'
    exit 0
fi
queue=${DEVICE_URI#hutsim:/}
tray="$CUPS_SERVERROOT/trays/$queue"
out=$(sed -n 's/^Out //p' "/etc/cups/cups-pdf-$queue.conf")
work="${TMPDIR:-/tmp}/hutsim-$$"
mkdir -p "$work"
trap 'rm -rf "$work"; exit 0' TERM INT
job=$1 user=$2 title=$3 copies=$4 opts=$5
if [ -n "$6" ]; then in="$6"; else in="$work/job.ps"; cat > "$in"; fi
pages=$(grep -c '^%%Page:' "$in")
[ "$pages" -gt 0 ] || pages=1
state() { cat "$tray" 2>/dev/null || echo ok; }
wait_while() {  # $1: the tray word that keeps the printer stopped; $2: the reason reported
    echo "STATE: +$2" >&2
    while [ "$(state)" = "$1" ]; do sleep 0.1; done
    echo "STATE: -$2" >&2
}
print_pages() {  # $1 first page, $2 last page: a real PDF of them through cups-pdf
    part="$work/part-$1.ps"
    gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=ps2write -dFirstPage="$1" -dLastPage="$2" \
        -sOutputFile="$part" "$in" >/dev/null 2>&1 || { echo "ERROR: cannot cut pages $1-$2" >&2; exit 1; }
    DEVICE_URI="cups-pdf:/$queue" /usr/lib/cups/backend/cups-pdf "$job" "$user" "$title-p$1" "$copies" "$opts" \
        "$part" || exit 1
    # cups-pdf names its file after the title it finds; keep each part apart
    made=$(ls -t "$out"/*.pdf 2>/dev/null | head -n 1)
    [ -z "$made" ] || mv "$made" "$out/job-$job-pages-$1-$2.pdf"
    echo "PAGE: total $2" >&2   # the sheets out of the printer so far, as a real backend reports them
}
next=1
while [ "$next" -le "$pages" ]; do
    s=$(state)
    case "$s" in
        jam) wait_while jam media-jam-error; continue ;;
        door-open) wait_while door-open door-open-error; continue ;;
        hang) while [ "$(state)" = hang ]; do sleep 0.1; done; continue ;;   # says nothing: a job stuck
        "sheets 0") wait_while "sheets 0" media-empty-error; continue ;;
        sheets\ *) left=${s#sheets }
            last=$((next + left - 1)); [ "$last" -le "$pages" ] || last=$pages
            print_pages "$next" "$last"
            echo "sheets $((left - (last - next + 1)))" > "$tray"
            next=$((last + 1)) ;;
        *) print_pages "$next" "$pages"; next=$((pages + 1)) ;;
    esac
done
rm -rf "$work"
exit 0
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class CupsServer:
    """``cupsd`` in ``root`` (a folder it owns): ``start()``, ``add_queue()``,
    ``tray()``, ``stop()``.  ``socket`` is where a client connects (the A4
    printer's ``url = "unix:<socket>"``); ``out`` is where cups-pdf writes."""

    def __init__(self, root: Path, log_level: str = "info"):
        self.root = Path(root)
        self.socket = self.root / "cups.sock"
        self.port = 0
        self.out = self.root / "out"
        self.log_level = log_level
        self._proc: subprocess.Popen[bytes] | None = None
        self._queues: list[str] = []

    @staticmethod
    def available() -> str:
        """Empty when cupsd and cups-pdf are installed, else what is missing."""
        missing = [what for what, path in (("cups (cupsd)", shutil.which("cupsd") or ""),
                                           ("printer-driver-cups-pdf", str(CUPS_SERVER_BIN / "backend/cups-pdf")),
                                           ("ghostscript", shutil.which("gs") or ""))
                   if not path or not Path(path).exists()]
        return ", ".join(missing)

    @property
    def url(self) -> str:
        return f"unix:{self.socket}"

    def start(self, timeout: float = 10.0) -> None:
        if self.available():
            raise RuntimeError(f"cannot start cupsd: missing {self.available()}")
        root = self.root
        for sub in ("etc/ppd", "bin", "cache", "state", "log", "out", "etc/trays"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        # cupsd's filters run as lp: they must reach the spool under root.
        for path in [root, *root.parents]:
            if path == Path("/"):
                break
            if path.stat().st_uid == 0 and not path.stat().st_mode & 0o001:
                path.chmod(path.stat().st_mode | 0o011)
        self._server_bin(root / "bin")
        self.port = self.port or free_port()
        (root / "etc/cupsd.conf").write_text(CUPSD_CONF.format(socket=self.socket, port=self.port,
                                                                log_level=self.log_level))
        (root / "etc/cups-files.conf").write_text(CUPS_FILES_CONF.format(root=root))
        self._proc = subprocess.Popen(
            ["cupsd", "-f", "-c", str(root / "etc/cupsd.conf"), "-s", str(root / "etc/cups-files.conf")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(root / "log/stderr", "wb"),
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"cupsd exited ({self._proc.returncode}): "
                                   + (root / "log/stderr").read_text(errors="replace")[-500:])
            if self.socket.exists():
                with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as s:
                    s.connect(str(self.socket))
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"cupsd did not open {self.socket} within {timeout:g} s")

    def _server_bin(self, bin_dir: Path) -> None:
        """Debian's filters and backends, plus the ``hutsim`` backend."""
        for item in CUPS_SERVER_BIN.iterdir():
            if item.name != "backend" and not (bin_dir / item.name).exists():
                (bin_dir / item.name).symlink_to(item)
        backends = bin_dir / "backend"
        backends.mkdir(exist_ok=True)
        for item in (CUPS_SERVER_BIN / "backend").iterdir():
            if not (backends / item.name).exists():
                (backends / item.name).symlink_to(item)
        hutsim = backends / "hutsim"
        hutsim.write_text(BACKEND)
        hutsim.chmod(0o700)

    def add_queue(self, name: str = "") -> str:
        """A cups-pdf queue behind the simulated tray, enabled and accepting;
        returns its name (unique per server: cups-pdf's settings file is global)."""
        name = name or f"hut-a4-{uuid.uuid4().hex[:8]}"
        conf = CUPS_PDF_CONF_DIR / f"cups-pdf-{name}.conf"
        conf.write_text(CUPS_PDF_CONF.format(out=self.out, root=self.root))
        self._queues.append(name)
        self.tray(name, "ok")
        self.lp("lpadmin", "-p", name, "-E", "-v", f"hutsim:/{name}", "-P", str(CUPS_PDF_PPD),
                "-o", "printer-error-policy=abort-job")
        self.lp("cupsenable", name)
        self.lp("cupsaccept", name)
        return name

    def lp(self, command: str, *args: str) -> str:
        """Run one of CUPS's own commands against this server."""
        done = subprocess.run([command, "-h", str(self.socket), *args], capture_output=True, text=True, timeout=20)
        if done.returncode != 0:
            raise RuntimeError(f"{command} {' '.join(args)}: {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def tray(self, queue: str, state: str) -> None:
        """``"ok"``, ``"sheets N"``, ``"jam"``, ``"door-open"`` or ``"hang"`` (see the module's doc)."""
        path = self.root / "etc/trays" / queue
        tmp = path.with_suffix(".tmp")
        tmp.write_text(state + "\n")
        tmp.replace(path)

    def printed(self) -> list[Path]:
        """The PDFs cups-pdf wrote, oldest first."""
        return sorted(self.out.glob("*.pdf"), key=lambda p: p.stat().st_mtime_ns)

    def stop(self, keep_queues: bool = False) -> None:
        """Stop cupsd (its queues stay in the ServerRoot for a restart);
        ``keep_queues=False`` also removes cups-pdf's settings files."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        if keep_queues:
            return
        for name in self._queues:
            with contextlib.suppress(OSError):
                (CUPS_PDF_CONF_DIR / f"cups-pdf-{name}.conf").unlink()
        self._queues.clear()

    def __enter__(self) -> "CupsServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
