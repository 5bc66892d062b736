"""Running the reference platform: in a thread (tests, the virtual hut) or
in the foreground (`kiosk platform serve`, the bench's separate process).

The port is chosen before uvicorn starts so it is known at once (a free
ephemeral port in tests) and a restart takes the same port back, which is
how the "platform down, then up" test works.

The admin token (``<db>.admin-token``, 0600, created at first start) is the
back office's credential; tests and tools read it from that file.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from kiosk.errors import KioskError
from kiosk.privacy import IdHashKeys
from simulators.platform.app import create_app
from simulators.platform.bodies import Refused
from simulators.platform.connections import ConnectionLimits, guarded_protocol
from simulators.platform.db import Unavailable, is_postgres, redacted
from simulators.platform.faults import MODES, FaultInjector
from simulators.platform.requests import RequestDesk
from simulators.platform.store import PlatformStore, private_folder

log = logging.getLogger(__name__)


def free_port(host: str = "127.0.0.1") -> int:
    """An unused port for uvicorn to bind.  (Handing uvicorn a pre-bound
    socket instead costs ~40 ms per request: Nagle meets delayed ACK.)"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _uvicorn(app: Any, host: str, port: int, tls: dict | None = None,
             limits: ConnectionLimits | None = None) -> uvicorn.Server:
    # h11 rather than httptools: it caps the request line and headers (h11_max_incomplete_event_size)
    # and, like httptools, pauses reading while a body waits to be consumed.  Its protocol class is
    # guarded (connections.py): time limits for the head and the body, a share per client address,
    # and refusals in the contract's shape (uvicorn's own concurrency limit answers plain text).
    config = uvicorn.Config(app, host=host, port=port, log_level="critical", access_log=False, lifespan="off",
                            timeout_keep_alive=30, limit_concurrency=None, timeout_graceful_shutdown=1,
                            http=guarded_protocol(limits or ConnectionLimits()),
                            h11_max_incomplete_event_size=32 * 1024, **(tls or {}))
    return uvicorn.Server(config)


def admin_token_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".admin-token")


def admin_token(db_path: Path) -> str:
    """The platform's admin token, created (0600) at the first start."""
    path = admin_token_path(db_path)
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        token = path.read_text("ascii", errors="replace").strip()
        if len(token) < 32 or not token.isascii() or not token.isprintable():
            raise KioskError(f"{path}: not an admin token (32 or more printable ASCII characters); "
                             "delete the file to make a new one") from None
        return token
    token = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    return token


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PlatformServer:
    """The platform in a background thread of this process."""

    def __init__(self, db_path: Path | str, host: str = "127.0.0.1", port: int = 0, terminal_resolver: Any = None,
                 tls_cert: Path | None = None, tls_key: Path | None = None, client_ca: Path | None = None,
                 limits: ConnectionLimits | None = None, attachments: Path | None = None):
        """``db_path``: a SQLite file, or a PostgreSQL URL (then ``attachments``
        is the attachment folder and the admin token lives in the database).
        ``tls_cert``/``tls_key`` serve HTTPS; ``client_ca`` also demands a
        client certificate signed by that CA (mutual TLS)."""
        self.db = db_path if is_postgres(db_path) else Path(db_path)
        self.attachments = attachments
        self.db_path = Path(db_path) if not is_postgres(db_path) else Path(attachments or ".").with_suffix(".state")
        self.tls: dict | None = None
        if tls_cert:
            self.tls = {"ssl_certfile": str(tls_cert), "ssl_keyfile": str(tls_key)}
            if client_ca:
                self.tls.update(ssl_ca_certs=str(client_ca), ssl_cert_reqs=ssl.CERT_REQUIRED)
        self.host, self.port = host, port
        self.limits = limits or ConnectionLimits()
        self.faults = FaultInjector()
        self.terminal_resolver = terminal_resolver
        self.store: PlatformStore | None = None
        self.requests: RequestDesk | None = None   # the requests' desk (tests move its ``today``)
        self.admin_token = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if self._thread is not None:
            return
        self.store = PlatformStore(self.db, self.attachments)
        # a restart keeps a date the tests moved
        self.requests = RequestDesk(self.store, today=self.requests.today if self.requests else dt.date.today)
        self.admin_token = self.store.admin_token() if is_postgres(self.db) else admin_token(self.db_path)
        chosen = not self.port
        app = create_app(self.store, self.faults, self.terminal_resolver, self.admin_token,
                         request_desk=self.requests)
        # A port picked here can be taken by another process before uvicorn binds it (tests
        # on several workers start servers side by side): a picked one is picked again.
        for attempt in range(1, 4):
            if chosen:
                self.port = free_port(self.host)
            self._server = _uvicorn(app, self.host, self.port, self.tls, self.limits)
            self._thread = threading.Thread(target=self._server.run, name=f"platform:{self.port}", daemon=True)
            self._thread.start()
            deadline = time.monotonic() + 10
            while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
                time.sleep(0.01)
            if self._server.started:
                return
            if self._thread.is_alive() or not chosen or attempt == 3:
                self._thread = None
                raise RuntimeError(f"reference platform did not start on {self.host}:{self.port}")
            log.info("port %d was taken before the platform bound it; another", self.port)

    def stop(self) -> None:
        if self._thread is None:
            return
        assert self._server is not None
        self._server.should_exit = True
        self._thread.join(10)
        self._thread = None
        if self.store is not None:
            self.store.close()
            self.store = None

    def __enter__(self) -> "PlatformServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class PlatformSimulator:
    """The hut's simulator entry: the reference platform on an ephemeral port,
    its database in the hut's working folder.  The hut hands over its
    terminal's identity (trust_terminal) so a fresh hut can file at once."""

    name = "platform"
    description = "Reference central platform (FastAPI + SQLite) with failure injection"

    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.server = PlatformServer(self.workdir / "platform" / "platform.sqlite3")

    def trust_terminal(self, terminal_id: str, key: bytes) -> None:
        """Called by the hut with the terminal identity it writes into kiosk.toml/secrets.toml."""
        assert self.server.store is not None, "start() the platform first"
        self.server.store.add_terminal(terminal_id, key.hex(), "virtual hut")

    def id_hash_keys(self) -> IdHashKeys:
        """The district's ID hash keys, as an enrolled terminal holds them."""
        assert self.server.store is not None, "start() the platform first"
        return IdHashKeys.from_entries((k["version"], bytes.fromhex(k["key"])) for k in self.server.store.id_hash_keys())

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def where(self) -> str:
        return self.server.url

    def config_patch(self) -> dict:
        # The district's e-seal CA the platform made on its first start (simulators/platform/certificates.py).
        return {"platform": {"url": self.server.url,
                             "seal_ca_file": str(self.workdir / "platform" / "certificates" / "seal-ca.pem")}}

    def control(self, action: str, **params: Any) -> dict:
        store = self.server.store
        actions = ("stats", "fail", "clear_faults", "move", "move_request", "requests", "register_terminal", "revoke",
                   "enrolment_code", "identity_code", "down", "up")
        if action == "stats" and store:
            return store.stats()
        if action == "fail":
            if params.get("mode") not in MODES:
                raise ValueError(f"fail needs mode= one of {', '.join(MODES)}")
            self.server.faults.set(params["mode"], params.get("count"), params.get("seconds", 0.0),
                                   params.get("probability", 1.0), params.get("code", 500),
                                   params.get("retry_after"), params.get("path", "/v1/"))
            return {"fault": params["mode"]}
        if action == "clear_faults":
            self.server.faults.clear()
            return {"fault": None}
        if action == "move" and store:
            result = store.move(params["number"], params["status"], params.get("note", ""))
            return result if isinstance(result, dict) else {"error": result}
        if action == "move_request" and self.server.requests:
            # the department's work, as the back office's transition call does it
            try:
                return self.server.requests.transition(params["number"], params["to"], params.get("actor", "demo"),
                                                       params.get("note", ""), params.get("internal_note", ""),
                                                       params.get("department"))
            except Refused as exc:
                return {"error": json.loads(bytes(exc.response.body))["error"]}
        if action == "requests" and self.server.requests:
            return {"requests": self.server.requests.admin_list(params.get("overdue"), params.get("state"))}
        if action == "register_terminal" and store:
            store.add_terminal(params["terminal_id"], params["terminal_key"], params.get("name", ""))
            return {"terminal_id": params["terminal_id"]}
        if action == "revoke" and store:
            return {"revoked": store.revoke(params["terminal_id"])}
        if action == "enrolment_code" and store:
            return {"enrolment_code": store.new_enrolment_code()[0]}
        if action == "identity_code" and store:   # an e-ID code on a simulated resident's phone (identity_codes.py)
            from simulators.idcard.cards import CARDS
            from simulators.platform.identity_codes import IdentityCodeIssuer, resident_of_card

            issued = time.time() - float(params.get("age", 0.0))   # age 61: a code that has expired
            code, _expires = IdentityCodeIssuer(store).mint(resident_of_card(CARDS[params.get("card", "resident")]),
                                                            params.get("kind", "e_id"), issued)
            return {"code": code}
        if action == "down":
            self.server.stop()
            return {"running": False}
        if action == "up":
            self.server.start()
            return {"running": True}
        raise ValueError(f"unknown action {action!r}; actions: {', '.join(actions)}")


def serve(db: Path | str, host: str = "127.0.0.1", port: int = 8765, tls_cert: Path | None = None,
          tls_key: Path | None = None, behind_tls_proxy: bool = False, workers: int = 1,
          attachments: Path | None = None, pool_size: int = 8, pool_timeout: float = 5.0) -> None:
    """Run in the foreground until interrupted (SIGINT/SIGTERM).

    Beyond loopback the platform faces the network a district's platform
    faces: it refuses to start there in plain HTTP, unless told that a TLS
    proxy terminates connections in front of it.

    ``db``: a SQLite file (one worker; migrated at start, as always) or a
    PostgreSQL URL (``workers`` processes, each with its own pool of
    ``pool_size`` connections; the schema must be migrated first with
    ``kiosk platform migrate``: a worker never changes it)."""
    if bool(tls_cert) != bool(tls_key):
        raise KioskError("--tls-cert and --tls-key go together")
    for pem in (tls_cert, tls_key):
        if pem and not Path(pem).is_file():
            raise KioskError(f"{pem}: no such file (TLS certificate and key are PEM files)")
    if not is_loopback(host) and not tls_cert and not behind_tls_proxy:
        raise KioskError(f"refusing to listen on {host} without TLS: pass --tls-cert and --tls-key, or "
                         "--behind-tls-proxy when a TLS proxy terminates connections in front of the platform")
    postgres = is_postgres(db)
    if workers < 1:
        raise KioskError("--workers: 1 or more")
    if workers > 1 and not postgres:
        raise KioskError("several workers need PostgreSQL (--db postgresql://...): a SQLite file serves one process")
    if postgres and attachments is None:
        raise KioskError("--attachments DIR is needed with PostgreSQL (a folder every worker shares)")
    tls = {"ssl_certfile": str(tls_cert), "ssl_keyfile": str(tls_key)} if tls_cert else None
    try:
        store = PlatformStore(db, attachments, migrate=not postgres, pool_size=2)  # checks the schema
    except Unavailable as exc:
        raise KioskError(f"cannot reach the database {redacted(str(db))}: {exc}") from None
    try:
        where = redacted(str(db)) if postgres else str(db)
        token_note = ("admin token: kiosk platform admin-token --db ..." if postgres
                      else f"admin token in {admin_token_path(Path(db))}")
        token = store.admin_token() if postgres else admin_token(Path(db))
    finally:
        store.close()
    port = port or free_port(host)
    config = {"db": str(db), "attachments": str(attachments) if attachments else None, "host": host, "port": port,
              "tls": tls, "pool_size": pool_size, "pool_timeout": pool_timeout, "admin_token": token}
    print(f"reference platform listening on {'https' if tls else 'http'}://{host}:{port} (db {where}; "
          f"{workers} worker{'s' if workers > 1 else ''}; {token_note})", flush=True)
    if workers == 1:
        run_worker(config, reuse_port=False)
    else:
        supervise(config, workers)


def run_worker(config: dict, reuse_port: bool = True) -> None:
    """One worker: its own store (and pool) and uvicorn on the shared port
    (SO_REUSEPORT: the kernel spreads connections over the workers)."""
    db = config["db"]
    attachments = Path(config["attachments"]) if config.get("attachments") else None
    store = PlatformStore(db, attachments, migrate=not is_postgres(db), pool_size=config["pool_size"],
                          pool_timeout=config["pool_timeout"])
    try:
        server = _uvicorn(create_app(store, FaultInjector(), admin_token=config["admin_token"]), config["host"],
                          config["port"], config.get("tls"))
        if reuse_port:
            # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so (with proto 0 every
            # answer waits ~40 ms for the client's delayed ACK: Nagle)
            sock = socket.socket(socket.AF_INET6 if ":" in config["host"] else socket.AF_INET, socket.SOCK_STREAM,
                                 socket.IPPROTO_TCP)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((config["host"], config["port"]))
            sock.listen(2048)
            server.run(sockets=[sock])
        else:
            server.run()
    finally:
        store.close()


# -- several workers (simulators/platform/workers.py is one) ------------------------------
RESTART_PAUSE = 1.0
EARLY_SECONDS, EARLY_DEATHS = 10.0, 5


CONFIG_VARIABLE = "KIOSK_PLATFORM_WORKER"


def _start(config: dict, env: dict) -> subprocess.Popen:
    # in the environment, not the command line: the admin token and the database URL's password are not
    # for `ps` to show (a process's environment is readable by its own user only)
    return subprocess.Popen([sys.executable, "-m", "simulators.platform.workers"],
                            env={**env, CONFIG_VARIABLE: json.dumps(config)})


def supervise(config: dict, workers: int) -> None:
    metrics_dir = tempfile.mkdtemp(prefix="kiosk-platform-metrics-")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": metrics_dir}
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    old = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    running = [_start(config, env) for _ in range(workers)]
    started = [time.monotonic()] * workers
    early_deaths = 0   # in a row: workers that died within EARLY_SECONDS of their start
    try:
        while not stopping:
            time.sleep(0.2)
            for i, proc in enumerate(running):
                if proc.poll() is not None and not stopping:
                    early_deaths = early_deaths + 1 if time.monotonic() - started[i] < EARLY_SECONDS else 0
                    if early_deaths >= EARLY_DEATHS:  # not a crash to ride out: let systemd see it and say so
                        raise KioskError(f"{early_deaths} platform workers in a row ended within "
                                         f"{EARLY_SECONDS:g} s of their start (their messages are above)")
                    print(f"platform worker {proc.pid} ended ({proc.returncode}); starting another", flush=True)
                    _forget(metrics_dir, proc.pid)
                    time.sleep(RESTART_PAUSE)
                    running[i], started[i] = _start(config, env), time.monotonic()
    finally:
        for proc in running:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in running:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for sig, handler in old.items():
            signal.signal(sig, handler)
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _forget(metrics_dir: str, pid: int) -> None:
    """A dead worker's live gauges leave the sum (its counters stay: they happened)."""
    try:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, metrics_dir)
    except Exception:  # noqa: BLE001 - metrics must never stop the supervisor
        pass
