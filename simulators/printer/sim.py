"""A simulated ESC/POS receipt printer on TCP (like port 9100) and on a pty.

It interprets what it receives with the same interpreter the preview uses,
answers DLE EOT 1-4 from a scriptable state (paper near end / end, cover
open, paper jam, cutter error, unrecoverable error, overheat, no answer), and writes every job to
``workdir/printer/job-NNNN.png`` (the slip as it would look) and ``.txt``
(a transcript).  Like a real printer it stops printing when the paper runs
out or the cover opens: what comes after is not on the paper, and the
transcript says so.
"""

from __future__ import annotations

import logging
import os
import queue
import select
import socket
import threading
from pathlib import Path
from typing import Any, Callable

from drivers.printer import profiles
from drivers.printer.ops import TextLine
from drivers.printer.paper import PrintedSlip
from simulators.pty import open_pty

from .connection import PrinterConnection

log = logging.getLogger(__name__)

IDLE_END_OF_JOB = 0.5   # seconds of silence that end a job without a cut


class PrinterSimulator:
    name = "printer"
    description = "ESC/POS receipt printer (TCP and serial pty), slips rendered to PNG"

    def __init__(self, workdir: str | os.PathLike, port: int = 0, *, profile: str = "generic80-cn",
                 encoding: str | None = None, chinese_default: bool | None = None, dots: int | None = None,
                 serial: bool = True, host: str = "127.0.0.1"):
        self.workdir = Path(workdir)
        self.outdir = self.workdir / "printer"
        self.profile = profiles.resolve({"profile": profile})
        self.encoding = encoding or self.profile.encoding
        # A printer without a Chinese font (the image-fallback profile) is never in Chinese mode.
        if chinese_default is None:
            chinese_default = not self.profile.image_fallback
        self.chinese_default = chinese_default
        self.dots = dots or self.profile.dots
        self.host, self.port, self.serial = host, port, serial
        self._lock = threading.RLock()
        self.state: dict[str, Any] = {}
        self.reset()
        self._jobs: list[dict[str, Any]] = []
        self._numbered = 0
        self._render_queue: queue.Queue = queue.Queue()
        self._renderer: threading.Thread | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._master = self._slave = -1
        self.serial_port = ""
        self._started = False

    # -- the printer's state -------------------------------------------------
    def reset(self) -> dict[str, Any]:
        with self._lock:
            self.state = {"paper": "ok", "lines_left": None, "cover_open": False, "paper_jam": False,
                          "cutter_error": False, "cutter_armed": False, "unrecoverable_error": False,
                          "overheated": False, "no_answer": False}
            return dict(self.state)

    def stopped_reason(self) -> str | None:
        s = self.state
        if s["paper"] == "end":
            return "paper end"
        if s["cover_open"]:
            return "cover open"
        if s["paper_jam"]:
            return "paper jam"
        if s["unrecoverable_error"]:
            return "unrecoverable error"
        if s["overheated"]:
            return "print head overheated"
        return None

    def consume_line(self) -> None:
        with self._lock:
            left = self.state["lines_left"]
            if left is not None:
                left -= 1
                self.state["lines_left"] = left if left > 0 else None
                if left <= 0:
                    self.state["paper"] = "end"

    def cutter_fails(self, stopped: str | None) -> bool:
        """Whether the cut now asked for fails: an armed cutter jams on the
        next cut the printer makes (not on one it refuses while stopped)."""
        with self._lock:
            if self.state["cutter_armed"] and not stopped:
                self.state["cutter_armed"], self.state["cutter_error"] = False, True
            return bool(self.state["cutter_error"])

    def status_byte(self, n: int) -> int | None:
        """The reply to DLE EOT n, from the ESC/POS reference's bit table."""
        with self._lock:
            s = self.state
            if s["no_answer"] or n not in (1, 2, 3, 4):
                return None
            error = s["cutter_error"] or s["unrecoverable_error"] or s["overheated"] or s["paper_jam"]
            paper_end = s["paper"] == "end"
            value = 0x12
            if n == 1 and (paper_end or s["cover_open"] or error):
                value |= 0x08
            elif n == 2:
                value |= (0x04 if s["cover_open"] else 0) | (0x20 if paper_end else 0) | (0x40 if error else 0)
            elif n == 3:
                value |= ((0x04 if s["paper_jam"] else 0) | (0x08 if s["cutter_error"] else 0)
                          | (0x20 if s["unrecoverable_error"] else 0) | (0x40 if s["overheated"] else 0))
            elif n == 4:
                value |= (0x0C if s["paper"] in ("near_end", "end") else 0) | (0x60 if paper_end else 0)
            return value

    def info_reply(self, n: int) -> bytes | None:
        """GS I n as Epson answers it: 65-69 as "_" + text + NUL."""
        with self._lock:
            if self.state["no_answer"]:
                return None
        text = {65: "HUT-SIM 1.0", 66: "HUT", 67: f"HUT-SIM{self.profile.paper_mm}", 68: "SIM00000001"}.get(n)
        return None if text is None else b"_" + text.encode("ascii") + b"\x00"

    def save_job(self, slip: PrintedSlip, notes: list[str], endpoint: str) -> None:
        """Queue the slip for drawing.  Drawing takes a while and a real
        printer answers DLE EOT in real time, so the endpoint thread must not
        wait for it."""
        with self._lock:
            self._numbered += 1
            number = self._numbered
        self._render_queue.put((number, slip, list(notes), endpoint))

    def _render_loop(self) -> None:
        while True:
            item = self._render_queue.get()
            if item is None:
                return
            try:
                self._render(*item)
            except Exception:
                log.exception("printer simulator could not draw job %d", item[0])

    def _render(self, number: int, slip: PrintedSlip, notes: list[str], endpoint: str) -> dict[str, Any]:
        self.outdir.mkdir(parents=True, exist_ok=True)
        base = self.outdir / f"job-{number:04d}"
        # Written aside and renamed: whoever collects *.png never gets half a file.
        partial = base.with_name(base.name + ".partial")
        slip.render().save(partial, format="PNG")
        os.replace(partial, base.with_suffix(".png"))
        transcript = slip.transcript() + "".join(n + "\n" for n in notes)
        partial.write_text(transcript, encoding="utf-8")
        os.replace(partial, base.with_suffix(".txt"))
        job = {"id": number, "png": str(base.with_suffix(".png")), "transcript": str(base.with_suffix(".txt")),
               "endpoint": endpoint, "cut": slip.cut, "lines": sum(isinstance(o, TextLine) for o in slip.ops),
               "complete": not notes, "notes": list(notes)}
        with self._lock:
            self._jobs.append(job)
            self._jobs.sort(key=lambda j: j["id"])
        log.info("printer simulator: job %d (%s) -> %s", number, endpoint, job["png"])
        return job

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> None:
        if self._started:
            return
        self._stop.clear()
        self.outdir.mkdir(parents=True, exist_ok=True)
        self._renderer = threading.Thread(target=self._render_loop, name="printer-sim-render", daemon=True)
        self._renderer.start()
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            server.bind((self.host, self.port))
        except OSError:
            server.close()
            raise
        server.listen(4)
        server.settimeout(0.2)
        self._server = server
        self._spawn(self._accept_loop, "printer-sim-accept")
        if self.serial:
            self._master, self._slave = open_pty()
            self.serial_port = os.ttyname(self._slave)
            self._spawn(self._pty_loop, "printer-sim-pty")
        self._started = True

    def stop(self) -> None:
        if not self._started:
            return
        self._stop.set()
        if self._server is not None:
            self._server.close()
        with self._lock:
            for conn in list(self._conns):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        for thread in self._threads:
            thread.join(5)
        self._threads.clear()
        if self._renderer is not None:  # draw what is queued, then end
            self._render_queue.put(None)
            self._renderer.join(30)
            self._renderer = None
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1
        self._server = None
        self._started = False

    def __enter__(self) -> "PrinterSimulator":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, target: Callable[..., None], name: str, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    @property
    def tcp_port(self) -> int:
        return self._server.getsockname()[1] if self._server is not None else 0

    def where(self) -> str:
        return f"tcp://{self.host}:{self.tcp_port}"

    def config_patch(self) -> dict[str, Any]:
        return {"devices": {"printer": {"driver": "printer.escpos", "url": self.where(),
                                        "options": {"profile": self.profile.name, "status_timeout": 0.5}}}}

    # -- endpoints ---------------------------------------------------------------
    def _accept_loop(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self._conns.add(conn)
            self._spawn(self._conn_loop, "printer-sim-conn", conn)

    def _conn_loop(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection = PrinterConnection(self, "tcp", conn.sendall)
        conn.settimeout(0.1)
        idle = 0.0
        try:
            while not self._stop.is_set():
                try:
                    data = conn.recv(65536)
                except socket.timeout:
                    idle += 0.1
                    if idle >= IDLE_END_OF_JOB:
                        connection.idle()
                        idle = 0.0
                    continue
                if not data:
                    break
                idle = 0.0
                connection.feed(data)
        except OSError:
            pass
        finally:
            try:
                connection.idle()
            except Exception:
                log.exception("printer simulator could not save the last job")
            with self._lock:
                self._conns.discard(conn)
            conn.close()

    def _pty_loop(self) -> None:
        def reply(data: bytes) -> None:
            os.write(self._master, data)

        connection = PrinterConnection(self, "serial", reply)
        idle = 0.0
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.1)
            if not ready:
                idle += 0.1
                if idle >= IDLE_END_OF_JOB:
                    connection.idle()
                    idle = 0.0
                continue
            try:
                data = os.read(self._master, 65536)
            except BlockingIOError:
                continue
            except OSError:  # nobody has the port open right now
                self._stop.wait(0.05)
                continue
            idle = 0.0
            if data:
                connection.feed(data)
        connection.idle()

    # -- scripting -------------------------------------------------------------------
    def control(self, action: str, **params: Any) -> dict[str, Any]:
        actions: dict[str, Callable[..., dict[str, Any]]] = {
            "set_paper": self._set_paper, "open_cover": lambda open=True: self._flag("cover_open", open),
            "close_cover": lambda: self._flag("cover_open", False),
            "paper_jam": lambda on=True: self._flag("paper_jam", on),
            "cutter_error": self._cutter_error,
            "unrecoverable_error": lambda on=True: self._flag("unrecoverable_error", on),
            "overheat": lambda on=True: self._flag("overheated", on),
            "no_answer": lambda on=True: self._flag("no_answer", on),
            "reset": self.reset, "jobs": lambda: {"jobs": self.jobs()}, "status": self._status,
            "clear_jobs": self._clear_jobs,
        }
        if action not in actions:
            raise ValueError(f"unknown printer action {action!r}; actions: {', '.join(sorted(actions))}")
        return actions[action](**params)

    def _flag(self, key: str, on: bool) -> dict[str, Any]:
        with self._lock:
            self.state[key] = bool(on)
            return dict(self.state)

    def _cutter_error(self, on: bool = True, on_next_cut: bool = False) -> dict[str, Any]:
        """Cutter broken now, or (on_next_cut) jamming at the next cut."""
        with self._lock:
            if on_next_cut:
                self.state["cutter_armed"] = bool(on)
            else:
                self.state["cutter_error"] = bool(on)
            return dict(self.state)

    def _set_paper(self, state: str = "ok", lines_left: int | None = None) -> dict[str, Any]:
        if state not in ("ok", "near_end", "end"):
            raise ValueError("paper state is one of ok, near_end, end")
        if lines_left is not None and (not isinstance(lines_left, int) or lines_left < 1):
            raise ValueError("lines_left is a positive number of lines before the paper runs out")
        with self._lock:
            self.state["paper"], self.state["lines_left"] = state, lines_left
            return dict(self.state)

    def _status(self) -> dict[str, Any]:
        with self._lock:
            replies = {str(n): self.status_byte(n) for n in (1, 2, 3, 4)}
            return {**self.state, "replies": replies, "tcp": self.where(), "serial": self.serial_port,
                    "encoding": self.encoding, "chinese_default": self.chinese_default, "dots": self.dots}

    def jobs(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(j) for j in self._jobs]

    def _clear_jobs(self) -> dict[str, Any]:
        with self._lock:
            self._jobs.clear()
        return {"jobs": []}
