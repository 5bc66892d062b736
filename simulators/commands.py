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
    s.add_argument("--db", type=Path, required=True, help="SQLite database file (created if missing)")
    s.add_argument("--port", type=int, default=8765, help="TCP port (default 8765; 0 picks a free one)")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; any other needs TLS or --behind-tls-proxy)")
    s.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate (PEM)")
    s.add_argument("--tls-key", type=Path, help="the certificate's private key (PEM)")
    s.add_argument("--behind-tls-proxy", action="store_true",
                   help="plain HTTP beyond loopback, because a TLS proxy in front terminates the connections")
    s.set_defaults(func=cmd_serve, service=True)


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


def cmd_serve(args: argparse.Namespace) -> int:
    from simulators.platform import server

    try:
        server.serve(args.db, args.host, args.port, args.tls_cert, args.tls_key, args.behind_tls_proxy)
    except OSError as exc:
        raise KioskError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    except KeyboardInterrupt:
        pass
    return 0
