"""``kiosk doctor``: every configured device's state, for a technician at the shell.

It reads the same device owner (registry) the app, the snapshot and the
heartbeat read, so what it prints is what the platform sees.  Exit 0 when
every enabled device is online, 1 when something needs staff.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from drivers.base import HealthLevel
from kiosk import config as config_mod
from kiosk.config import Settings
from kiosk.device_owner import DeviceOwner


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="list each configured device and its status")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("-v", "--verbose", action="store_true", help="add each device's model and detail to the table")
    p.add_argument("--level", default="internal", choices=["internal", "external"],
                   help="health check level (external may print a slip)")
    p.set_defaults(func=cmd_doctor)


def doctor_report(settings: Settings, level: str = "internal") -> list[dict[str, Any]]:
    """One row per configured device."""
    rows: list[dict[str, Any]] = []
    with DeviceOwner(settings) as owner:
        owner.wait_settled()
        for name, rec in owner.records().items():
            row: dict[str, Any] = {"name": name, "driver": rec.driver, "where": rec.where, "enabled": rec.enabled,
                                   "status": rec.status, "detail": dict(rec.detail),
                                   "info": dict(rec.info) or {"model": "-"}}
            if not rec.enabled:
                row["health"] = "disabled in config"
            else:
                row["health"] = owner.check_health(name, HealthLevel(level))
                rec = owner.record(name) or rec  # the health check may have refreshed the state
                row.update(status=rec.status, detail=dict(rec.detail), info=dict(rec.info) or {"model": "-"},
                           counters=dict(rec.counters))
            if rec.last_error is not None:
                row["last_error"] = rec.last_error.as_dict()
            rows.append(row)
    return rows


def cmd_doctor(args: argparse.Namespace) -> int:
    settings = config_mod.load(args.config)
    rows = doctor_report(settings, level=args.level)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print(_table(rows, verbose=args.verbose))
    return 0 if all(r["status"] == "online" or not r["enabled"] for r in rows) else 1


def _table(rows: list[dict[str, Any]], verbose: bool = False) -> str:
    headers = ["device", "driver", "where", "status", "health"] + (["model", "detail"] if verbose else [])
    body = [[str(r["name"]), r["driver"], r["where"], r["status"], r["health"]]
            + ([r["info"].get("model", "-"), ", ".join(f"{k}={v}" for k, v in r["detail"].items())]
               if verbose else [])
            for r in rows]
    if not body:
        return "no devices configured"
    widths = [max(len(h), *(len(row[i]) for row in body)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in body]
    return "\n".join(line.rstrip() for line in lines)
