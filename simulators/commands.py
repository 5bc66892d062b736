"""``kiosk sim``, ``kiosk demo`` and ``kiosk platform serve``: the virtual hut's
commands, registered into the kiosk CLI through the ``hut_kiosk.commands``
entry point (pyproject.toml).

The kiosk itself never imports simulators/; this module sits above every
layer (it starts the hut and, for the demo, the screens) and imports them only
when one of its commands runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from kiosk import config as config_mod
from kiosk.errors import KioskError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="start the virtual hut and run the kiosk in it (headless: screenshots to demo-out/)")
    p.add_argument("--out", default="demo-out", help="folder for screenshots (default demo-out)")
    p.add_argument("--dir", default=None, help="folder for the virtual hut's files (default: a temporary folder)")
    p.set_defaults(func=cmd_demo, service=True)

    p = sub.add_parser("sim", help="start the virtual hut (every simulated device) and print where each one is")
    p.add_argument("--dir", default="hut", help="folder for the hut's config, state and outputs (default ./hut)")
    p.add_argument("--control-port", type=int, default=0, help="port of the control API (default: any free port)")
    p.add_argument("--printer-port", type=int, default=9100,
                   help="TCP port of the network printer (default 9100, the JetDirect port; any free one if taken)")
    p.set_defaults(func=cmd_sim, service=True)

    p = sub.add_parser("platform", help="the reference central platform (for development and tests)")
    actions = p.add_subparsers(dest="platform_command", metavar="ACTION", required=True)
    s = actions.add_parser("serve", help="serve the reference platform over HTTP until interrupted")
    _db_arguments(s)
    s.add_argument("--port", type=int, default=8765, help="TCP port (default 8765; 0 picks a free one)")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; any other needs TLS or --behind-tls-proxy)")
    s.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate (PEM)")
    s.add_argument("--tls-key", type=Path, help="the certificate's private key (PEM)")
    s.add_argument("--behind-tls-proxy", action="store_true",
                   help="plain HTTP beyond loopback, because a TLS proxy in front terminates the connections")
    s.add_argument("--workers", type=int, default=1, help="worker processes on the port (more than 1: PostgreSQL only)")
    s.add_argument("--pool-size", type=int, default=8, help="database connections per worker (PostgreSQL; default 8)")
    s.add_argument("--pool-timeout", type=float, default=5.0,
                   help="seconds a request waits for a free connection before its 503 (default 5)")
    s.set_defaults(func=cmd_serve, service=True)
    m = actions.add_parser("migrate", help="bring the platform's database schema up to date (a no-op when it is)")
    _db_arguments(m)
    m.set_defaults(func=cmd_migrate)
    t = actions.add_parser("admin-token", help="print the back office's admin token (PostgreSQL: kept in the database)")
    _db_arguments(t)
    t.set_defaults(func=cmd_admin_token)


def _db_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default=None,
                   help="the database: a SQLite file (path or sqlite:///path, created if missing) or "
                        "postgresql://user@host/db (default: $KIOSK_PLATFORM_DB, which keeps a password off the "
                        "command line)")
    p.add_argument("--attachments", type=Path, help="the attachment folder (PostgreSQL: needed, shared by every "
                                                    "worker; SQLite: default beside the file)")


def cmd_sim(args: argparse.Namespace) -> int:
    from simulators.hut import Hut

    workdir = Path(args.dir).resolve()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    options = {}
    if args.printer_port and _port_free(args.printer_port):
        options["printer"] = {"port": args.printer_port}
    elif args.printer_port:
        print(f"port {args.printer_port} is taken; the printer simulator takes any free port", file=sys.stderr)
    with Hut(workdir, control_port=args.control_port, options=options) as hut:
        print(hut.describe(), flush=True)
        # What a terminal runs beside the app: the outbox worker, which alone sends
        # to the platform (and the heartbeat); without it nothing filed would arrive.
        log_path = workdir / "outbox-worker.log"
        with log_path.open("ab") as log_file:
            worker = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "--config", str(hut.config_path), "outbox",
                                       "worker"], stdout=log_file, stderr=subprocess.STDOUT)
            print(f"  outbox worker: pid {worker.pid}, log {log_path}", flush=True)
            print(f"Run the kiosk in it: kiosk --config {hut.config_path} run", flush=True)
            try:
                while not stop.wait(1.0):
                    if worker.poll() is not None:
                        print(f"the outbox worker stopped (exit {worker.returncode}); see {log_path}",
                              file=sys.stderr, flush=True)
                        stop.wait()
            finally:
                if worker.poll() is None:
                    worker.terminate()
                    try:
                        worker.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        worker.kill()
                        worker.wait()
    return 0


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _have_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_demo(args: argparse.Namespace) -> int:
    if not _have_display() and not os.environ.get("KIOSK_DEMO_UNDER_XVFB"):
        xvfb = shutil.which("xvfb-run")
        if not xvfb:
            raise KioskError("no display and no xvfb-run: install the xvfb package (make demo does)")
        env = dict(os.environ, KIOSK_DEMO_UNDER_XVFB="1")
        cmd = [xvfb, "-a", "-s", "-screen 0 1920x1080x24", sys.executable, "-m", "kiosk.cli", *sys.argv[1:]]
        return subprocess.call(cmd, env=env)
    from simulators.demo.walkthrough import main as demo_main
    from simulators.hut import Hut

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    headless = bool(os.environ.get("KIOSK_DEMO_UNDER_XVFB"))
    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as tmp:
        workdir = Path(args.dir).resolve() if args.dir else Path(tmp)
        with Hut(workdir) as hut:
            print(hut.describe(), flush=True)
            settings = config_mod.load(hut.config_path)
            from simulators.face.cooperative import in_the_hut
            from simulators.face.samples import card_picture

            return demo_main(settings, hut.control_url, out, headless=headless,
                             face_engine=lambda challenge: in_the_hut(hut.control, challenge),
                             card_picture=card_picture) or 0


def _db(args: argparse.Namespace) -> Path | str:
    from simulators.platform.db import is_postgres, sqlite_path

    db = args.db or os.environ.get("KIOSK_PLATFORM_DB")
    if not db:
        raise KioskError("which database? --db FILE|postgresql://..., or the variable KIOSK_PLATFORM_DB")
    return db if is_postgres(db) else sqlite_path(db)


def cmd_migrate(args: argparse.Namespace) -> int:
    from simulators.platform import migrations
    from simulators.platform.db import redacted
    from simulators.platform.store import private_folder

    db = _db(args)
    if isinstance(db, Path):
        private_folder(db.parent)
    database = _open(db)
    try:
        before = migrations.current(database)
        applied = migrations.migrate(database)
    except migrations.SchemaTooNew as exc:
        raise KioskError(str(exc)) from None
    finally:
        database.close()
    if applied:
        print(f"migrated {redacted(str(db))} from schema {before} to {migrations.latest()}: {', '.join(applied)}")
    else:
        print(f"{redacted(str(db))} is up to date (schema {before})")
    return 0


def _open(db: Path | str) -> Any:
    """The database, or one line saying why it cannot be reached."""
    from simulators.platform.db import PostgresDatabase, SQLiteDatabase, Unavailable, is_postgres, redacted

    try:
        return PostgresDatabase(str(db), max_size=1) if is_postgres(db) else SQLiteDatabase(Path(db))
    except Unavailable as exc:
        raise KioskError(f"cannot reach the database {redacted(str(db))}: {exc}") from None


def cmd_admin_token(args: argparse.Namespace) -> int:
    from simulators.platform import migrations, server
    from simulators.platform.db import is_postgres
    from simulators.platform.store import stored_admin_token

    db = _db(args)
    if not is_postgres(db):
        print(server.admin_token(Path(db)))
        return 0
    database = _open(db)
    try:
        if migrations.current(database) < migrations.latest():
            raise KioskError("the database is not migrated: run kiosk platform migrate first")
        print(stored_admin_token(database))
    finally:
        database.close()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from simulators.platform import server

    try:
        server.serve(_db(args), args.host, args.port, args.tls_cert, args.tls_key, args.behind_tls_proxy,
                     args.workers, args.attachments, args.pool_size, args.pool_timeout)
    except OSError as exc:
        raise KioskError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    except KeyboardInterrupt:
        pass
    return 0
