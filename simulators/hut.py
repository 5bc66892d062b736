"""The virtual hut: every simulated device at its real interface, at once.

``Hut(workdir).start()`` starts each simulator of :func:`simulator_targets`
(the platform, then every device kind's simulators as its manifest names
them: a pty for serial devices, TCP for the network printer, HTTP for the
platform and the cameras), writes a
``kiosk.toml`` that points the kiosk at them plus a ``secrets.toml`` (mode
0600) with fresh keys, and serves a small control API so tests and the demo
can script the hut from another process:

    POST /control/<simulator>/<action>   JSON body = parameters -> JSON result
    GET  /status                         where every simulator is

A simulator class is built as ``Cls(workdir)`` and provides ``name``,
``description``, ``start()``, ``stop()``, ``where()``, ``config_patch()`` and
``control(action, **params)``.  One that must know the terminal (the
platform, which verifies its signatures) also provides
``trust_terminal(terminal_id, key)``; the hut calls it after ``start()``.
"""

from __future__ import annotations

import copy
import importlib
import json
import logging
import os
import secrets
import threading
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol

import tomli_w

from kiosk.config import write_secrets_file
from kiosk.devices.kinds import simulators as kind_simulators

log = logging.getLogger(__name__)

PROFILE = Path(__file__).with_name("profiles") / "simulated.toml"

# "module:Class" of the simulators the hut starts before the device kinds'
# (drivers/<class>/manifest.py names those): the platform, whose trust the
# others' config needs.  A script may append one of its own.
SIMULATORS: list[str] = [
    "simulators.platform.server:PlatformSimulator",
]


def simulator_targets() -> list[str]:
    """Every simulator the hut starts, in start order, each once."""
    return list(dict.fromkeys([*SIMULATORS, *kind_simulators()]))


class Simulator(Protocol):
    name: str
    description: str

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def where(self) -> str: ...
    def config_patch(self) -> dict[str, Any]: ...
    def control(self, action: str, **params: Any) -> dict[str, Any]: ...


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _load_class(target: str) -> Any:
    """The simulator class a ``module:Class`` entry point names."""
    module_name, _, class_name = target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


class Hut:
    """Start, describe, script and stop the simulated devices of one hut."""

    def __init__(self, workdir: str | os.PathLike, control_port: int = 0,
                 only: list[str] | None = None, overrides: dict[str, Any] | None = None,
                 options: dict[str, dict[str, Any]] | None = None):
        """``overrides`` is merged into the written config; ``options`` gives a
        simulator's constructor arguments by simulator name, e.g.
        ``{"printer": {"port": 9100}}``."""
        self.workdir = Path(workdir).resolve()
        self.control_port = control_port
        self.only = only
        self.overrides = overrides or {}
        self.options = options or {}
        self.simulators: dict[str, Simulator] = {}
        self._server: ThreadingHTTPServer | None = None
        self._server_thread: threading.Thread | None = None
        self.terminal_id = ""
        self.terminal_key = b""

    # -- paths -----------------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.workdir / "kiosk.toml"

    @property
    def secrets_path(self) -> Path:
        return self.workdir / "secrets.toml"

    @property
    def state_dir(self) -> Path:
        return self.workdir / "state"

    @property
    def control_url(self) -> str:
        if self._server is None:
            return ""
        host, port = self._server.server_address[:2]
        if isinstance(host, bytes):
            host = host.decode()
        return f"http://{host}:{port}"

    # -- lifecycle -------------------------------------------------------
    def start(self) -> "Hut":
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with PROFILE.open("rb") as fh:
            config = tomllib.load(fh)
        config = deep_merge(config, self.overrides)
        self.terminal_id = config["terminal"]["id"]
        self.terminal_key = secrets.token_bytes(32)
        try:
            for target in simulator_targets():
                cls = _load_class(target)
                if self.only is not None and cls.name not in self.only:
                    continue
                if cls.name in self.simulators:   # two on one device's line would fight over its link
                    first = type(self.simulators[cls.name])
                    raise ValueError(f"two simulators named {cls.name!r}: {first.__module__}:{first.__name__} "
                                     f"and {target}")
                sim: Simulator = cls(self.workdir, **self.options.get(cls.name, {}))
                sim.start()
                self.simulators[sim.name] = sim
                trust = getattr(sim, "trust_terminal", None)
                if trust is not None:
                    trust(self.terminal_id, self.terminal_key)
                config = deep_merge(config, sim.config_patch())
            config = deep_merge(config, self.overrides)
            config.setdefault("paths", {})
            config["paths"]["state_dir"] = str(self.state_dir)
            config["paths"]["secrets_file"] = str(self.secrets_path)
            self._write_secrets()
            self.config_path.write_text(
                "# Written by the virtual hut (kiosk sim); the devices are simulators.\n"
                + tomli_w.dumps(config), encoding="utf-8")
            self._start_control()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for name, sim in reversed(list(self.simulators.items())):
            try:
                sim.stop()
            except Exception:
                log.exception("simulator %s did not stop cleanly", name)
        self.simulators.clear()

    def __enter__(self) -> "Hut":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _write_secrets(self) -> None:
        # The simulated hut's maintenance PIN is 246810; its ID hash keys are its platform's (the district's).
        platform = self.simulators.get("platform")
        keys = platform.id_hash_keys() if platform is not None and hasattr(platform, "id_hash_keys") else None
        write_secrets_file(self.secrets_path, terminal_key=self.terminal_key, pin="246810", id_hash_keys=keys)

    # -- use -------------------------------------------------------------
    def __getitem__(self, name: str) -> Simulator:
        return self.simulators[name]

    def control(self, name: str, action: str, **params: Any) -> dict[str, Any]:
        try:
            sim = self.simulators[name]
        except KeyError:
            raise ValueError(f"no simulator {name!r} in this hut; there are: {', '.join(self.simulators)}") from None
        return sim.control(action, **params)

    def status(self) -> dict[str, Any]:
        return {
            "config": str(self.config_path),
            "control": self.control_url,
            "simulators": {n: {"description": s.description, "where": s.where()}
                           for n, s in self.simulators.items()},
        }

    def describe(self) -> str:
        rows = [(n, s.description, s.where()) for n, s in self.simulators.items()]
        width = [max([len(r[i]) for r in rows] + [len(h)]) for i, h in enumerate(("device", "what", "where"))]
        lines = ["Virtual hut is running:"]
        lines.append("  " + "  ".join(h.ljust(w) for h, w in zip(("device", "what", "where"), width)))
        lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, width)) for r in rows]
        lines.append(f"  config:      {self.config_path}")
        lines.append(f"  control API: {self.control_url}  (POST /control/<device>/<action>)")
        return "\n".join(lines)

    def _start_control(self) -> None:
        hut = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, fmt: str, *args: Any) -> None:
                log.debug("control: " + fmt, *args)

            def _reply(self, code: int, body: Any) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/status":
                    self._reply(200, hut.status())
                else:
                    self._reply(404, {"error": "use GET /status or POST /control/<device>/<action>"})

            def do_POST(self) -> None:
                parts = self.path.strip("/").split("/")
                if len(parts) != 3 or parts[0] != "control":
                    self._reply(404, {"error": "use POST /control/<device>/<action>"})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    params = json.loads(self.rfile.read(length) or b"{}")
                    if not isinstance(params, dict):
                        raise ValueError("the body must be a JSON object of parameters")
                    result = hut.control(parts[1], parts[2], **params)
                except (ValueError, TypeError) as exc:
                    self._reply(400, {"error": str(exc)})
                    return
                self._reply(200, result if result is not None else {})

        self._server = ThreadingHTTPServer(("127.0.0.1", self.control_port), Handler)
        self._server.daemon_threads = True
        self._server_thread = threading.Thread(target=self._server.serve_forever, name="hut-control", daemon=True)
        self._server_thread.start()

