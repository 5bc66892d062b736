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
import socket
import ssl
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

    def __init__(self, db_path: Path, host: str = "127.0.0.1", port: int = 0, terminal_resolver: Any = None,
                 tls_cert: Path | None = None, tls_key: Path | None = None, client_ca: Path | None = None,
                 limits: ConnectionLimits | None = None):
        """``tls_cert``/``tls_key`` serve HTTPS; ``client_ca`` also demands a
        client certificate signed by that CA (mutual TLS)."""
        self.db_path = Path(db_path)
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
        self.store = PlatformStore(self.db_path)
        # a restart keeps a date the tests moved
        self.requests = RequestDesk(self.store, today=self.requests.today if self.requests else dt.date.today)
        self.admin_token = admin_token(self.db_path)
        if not self.port:
            self.port = free_port(self.host)
        self._server = _uvicorn(create_app(self.store, self.faults, self.terminal_resolver, self.admin_token,
                                           request_desk=self.requests), self.host, self.port, self.tls, self.limits)
        self._thread = threading.Thread(target=self._server.run, name=f"platform:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("reference platform did not start")
            time.sleep(0.01)

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
                   "enrolment_code", "down", "up")
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
        if action == "down":
            self.server.stop()
            return {"running": False}
        if action == "up":
            self.server.start()
            return {"running": True}
        raise ValueError(f"unknown action {action!r}; actions: {', '.join(actions)}")


def serve(db_path: Path, host: str = "127.0.0.1", port: int = 8765, tls_cert: Path | None = None,
          tls_key: Path | None = None, behind_tls_proxy: bool = False) -> None:
    """Run in the foreground until interrupted (SIGINT/SIGTERM).

    Beyond loopback the platform faces the network a district's platform
    faces: it refuses to start there in plain HTTP, unless told that a TLS
    proxy terminates connections in front of it."""
    if bool(tls_cert) != bool(tls_key):
        raise KioskError("--tls-cert and --tls-key go together")
    for pem in (tls_cert, tls_key):
        if pem and not Path(pem).is_file():
            raise KioskError(f"{pem}: no such file (TLS certificate and key are PEM files)")
    if not is_loopback(host) and not tls_cert and not behind_tls_proxy:
        raise KioskError(f"refusing to listen on {host} without TLS: pass --tls-cert and --tls-key, or "
                         "--behind-tls-proxy when a TLS proxy terminates connections in front of the platform")
    token = admin_token(Path(db_path))
    store = PlatformStore(Path(db_path))
    port = port or free_port(host)
    tls = {"ssl_certfile": str(tls_cert), "ssl_keyfile": str(tls_key)} if tls_cert else None
    server = _uvicorn(create_app(store, FaultInjector(), admin_token=token), host, port, tls)
    print(f"reference platform listening on {'https' if tls else 'http'}://{host}:{port} (db {db_path}; "
          f"admin token in {admin_token_path(Path(db_path))})", flush=True)
    try:
        server.run()
    finally:
        store.close()
