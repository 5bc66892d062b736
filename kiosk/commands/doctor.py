"""``kiosk doctor``: is this terminal well, and if not, what should staff do?

For maintenance staff at the terminal's shell: every device's status,
model/serial/firmware, last error with its recommended action in plain words
(kiosk.devices.advice), counters; the outbox's depth and oldest pending age; the
platform's reachability and the clock offset; disk space.

While the kiosk app runs it owns the devices, so doctor reads what the app
reports (its snapshot and event log: the same registry the heartbeat sends)
instead of opening them a second time; without the app, doctor opens them
itself through the device owner.  ``--check external`` runs the devices'
external self-tests (prints a slip), which needs the devices: stop the app
first.  Exit 0 when all is well, 1 when something needs staff, 2 when the
kiosk cannot serve.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from drivers.base import HealthLevel
from kiosk import config as config_mod
from kiosk.config import Settings
from kiosk.devices import advice
from kiosk.devices.health_log import EVENTS_NAME, counter_label, last_problem, read_entries
from kiosk.devices.kinds import kind_of
from kiosk.devices.kinds import words as kind_words
from kiosk.devices.owner import DeviceOwner
from kiosk.devices.snapshot import read_snapshot
from kiosk.errors import KioskError
from kiosk.ops.terminal_checks import app_report_age, disk_status, findings, outbox_status, platform_status

ALL_WELL, NEEDS_STAFF, CANNOT_SERVE = 0, 1, 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="is this terminal well? devices, outbox, platform, disk (exit 0/1/2)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("-v", "--verbose", action="store_true", help="add each device's model and detail to the table")
    p.add_argument("--check", "--level", dest="check", default="internal", choices=["internal", "external"],
                   help="device self-test level: external prints a test slip (stop the kiosk app first)")
    p.add_argument("--offline", action="store_true", help="do not contact the platform")
    p.set_defaults(func=cmd_doctor)


def _app_rows(settings: Settings, snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    events = read_entries(settings.paths.state_dir / EVENTS_NAME)
    rows = []
    for name, cfg in settings.devices.items():
        view = snapshot.get(name) or {"status": "unknown", "detail": {"reason": "the app does not report it"}}
        row: dict[str, Any] = {"name": name, "driver": cfg.driver, "where": cfg.url or cfg.port or "-",
                               "enabled": cfg.enabled, "status": view.get("status", "unknown"),
                               "detail": dict(view.get("detail") or {}), "info": dict(view.get("info") or {}),
                               "counters": dict(view.get("counters") or {}), "health": "as the kiosk app reports"}
        if not cfg.enabled:
            row["status"], row["health"] = "disabled", "disabled in config"
        problem = last_problem(events, name)
        if view.get("last_error"):
            row["last_error"] = dict(view["last_error"])
            if problem is not None and problem.error == view["last_error"].get("what"):
                row["last_error"]["at"] = problem.at
        rows.append(row)
    return rows


def _owner_rows(settings: Settings, check: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with DeviceOwner(settings) as owner:
        owner.wait_settled()
        for name, rec in owner.records().items():
            row: dict[str, Any] = {"name": name, "driver": rec.driver, "where": rec.where, "enabled": rec.enabled,
                                   "status": rec.status, "detail": dict(rec.detail), "info": dict(rec.info)}
            if not rec.enabled:
                row["health"] = "disabled in config"
            else:
                row["health"] = owner.check_health(name, HealthLevel(check))
                rec = owner.record(name) or rec  # the health check may have refreshed the state
                row.update(status=rec.status, detail=dict(rec.detail), info=dict(rec.info),
                           counters=dict(rec.counters))
            if rec.last_error is not None:
                row["last_error"] = {**rec.last_error.as_dict(), "code": rec.last_error.code, "at": rec.last_error.at}
            rows.append(row)
    return rows


def doctor_report(settings: Settings, check: str = "internal", probe_platform: bool = True) -> dict[str, Any]:
    max_age = 3 * settings.platform.heartbeat_seconds
    age = app_report_age(settings)
    app_running = age is not None and age <= max_age
    snapshot = read_snapshot(settings.paths.state_dir, max_age) if app_running else {}
    if app_running and check == "external":
        raise KioskError("the kiosk app holds the devices: stop it first (systemctl stop kiosk), "
                         "then run kiosk doctor --check external")
    rows = _app_rows(settings, snapshot) if app_running else _owner_rows(settings, check)
    for row in rows:
        kind = kind_of(str(row["driver"]))
        tip = advice.for_device(row["status"], row["detail"], row.get("last_error"), kind=kind)
        row["advice"] = {"zh": tip.zh, "en": tip.en, "who": tip.who}
        configured = settings.devices.get(row["name"])
        zh, en = kind_words(kind, configured.options if configured is not None else {})
        row["device"] = {"zh": zh, "en": en}
    outbox = outbox_status(settings)
    platform = platform_status(settings, probe=probe_platform)
    disk = disk_status(settings)
    fatal, staff = findings(settings, outbox, platform, disk, app_stopped=age is not None and not app_running)
    call = _staff_call(settings, max_age) if app_running else None
    if call is not None and call.pending:
        staff.insert(0, "staff_called")   # a resident is waiting: first
    staff += [f"device:{r['name']}" for r in rows if r["enabled"] and r["advice"]["who"] != "none"]
    exit_code = CANNOT_SERVE if fatal else NEEDS_STAFF if staff else ALL_WELL
    return {"terminal": settings.terminal.id, "app_running": app_running, "devices": rows, "outbox": outbox,
            "platform": platform, "disk": disk, "cannot_serve": fatal, "needs_staff": staff,
            "staff_call": call.heartbeat() if call is not None else None,
            "terminal_advice": {k: {"zh": advice.TERMINAL[k].zh, "en": advice.TERMINAL[k].en}
                                for k in fatal + staff if k in advice.TERMINAL},
            "exit_code": exit_code}


def _staff_call(settings: Settings, max_age: float) -> Any:
    """The app's last staff call (呼叫工作人员), from its state file."""
    from kiosk.ops.app_state import read_app_state

    report = read_app_state(settings.paths.state_dir, max_age)
    return report[0].staff_call if report is not None else None


CALL_WORDS = {"pending": "waiting for staff 等待协助", "cancelled": "cancelled 已取消",
              "visit_ended": "visit ended before staff came 未等到协助即离开"}


def _call_line(call: dict[str, Any]) -> str:
    """``staff call 呼叫工作人员: waiting for staff 等待协助 since 14:05 on the form screen (approval)``."""
    import datetime as dt

    at = dt.datetime.strptime(call["requested_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    local = at.astimezone()
    when = local.strftime("%H:%M") if local.date() == dt.date.today() else local.strftime("%Y-%m-%d %H:%M")
    where = f"the {call['screen']} screen" + (f" ({call['service']})" if call.get("service") else "")
    return f"staff call 呼叫工作人员: {CALL_WORDS.get(call['state'], call['state'])}, called {when} on {where}"


def cmd_doctor(args: argparse.Namespace) -> int:
    settings = config_mod.load(args.config)
    report = doctor_report(settings, check=args.check, probe_platform=not args.offline)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(render(report, verbose=args.verbose))
    return int(report["exit_code"])


def _ago(at: float | None) -> str:
    if not at:
        return ""
    minutes = int((time.time() - at) // 60)
    return f", {minutes} min ago" if minutes < 180 else f", {minutes // 60} h ago"


def render(report: dict[str, Any], verbose: bool = False) -> str:
    rows = report["devices"]
    source = "as the running kiosk app reports" if report["app_running"] else "opened by doctor (app not running)"
    lines = [_table(rows, verbose) if rows else "no devices configured", ""]
    for r in rows:
        if not r["enabled"]:
            continue
        info = r["info"]
        what = f" ({r['device']['zh']} {r['device']['en']})" if r.get("device") else ""
        lines.append(f"{r['name']}{what}: {r['advice']['zh']} / {r['advice']['en']}")
        lines.append(f"  model {info.get('model', '-')}  serial {info.get('serial', '-')}  "
                     f"firmware {info.get('firmware', '-')}")
        if r.get("last_error"):
            e = r["last_error"]
            lines.append(f"  last error: {e['what']} ({e['action']}{_ago(e.get('at'))})")
        if r.get("counters"):
            counted = sorted(r["counters"].items())
            lines.append("  counters: " + ", ".join(f"{counter_label(k)} {v}" for k, v in counted))
    ob = report["outbox"]
    if "error" in ob:
        lines.append(f"outbox 待发: {ob['error']}")
    else:
        age = ob["oldest_pending_seconds"]
        lines.append(f"outbox 待发: {ob['pending']} pending" + (f", oldest {int(age // 60)} min" if age else "")
                     + f"; {ob['dead']} dead")
    pf = report["platform"]
    reach = {True: "reachable", False: "NOT reachable", None: "not checked"}[pf.get("reachable")]
    clock = f", clock offset {pf['clock_offset_seconds']:+.1f} s" if "clock_offset_seconds" in pf else ""
    lines.append(f"platform 平台: {reach}{clock} ({pf['url']}; worker last: {pf.get('worker_reached')})"
                 + (f"\n  {pf['error']}" if pf.get("error") else ""))
    dk = report["disk"]
    if "free_bytes" in dk:
        lines.append(f"disk 磁盘: {dk['free_bytes'] / 2**30:.1f} GiB free of {dk['total_bytes'] / 2**30:.1f} GiB")
    lines.append(f"devices: {source}")
    if report.get("staff_call"):
        lines.append(_call_line(report["staff_call"]))
    verdict = {ALL_WELL: "all well 一切正常", NEEDS_STAFF: "needs staff 需要处理",
               CANNOT_SERVE: "cannot serve 无法服务"}[report["exit_code"]]
    lines.append("")
    lines.append(f"verdict: {verdict}")
    for key, tip in report["terminal_advice"].items():
        lines.append(f"  {key}: {tip['zh']} / {tip['en']}")
    by_name = {r["name"]: r for r in rows}
    for key in report["needs_staff"]:   # each device that needs someone, with what to do
        row = by_name.get(key.partition(":")[2]) if key.startswith("device:") else None
        if row is not None:
            who = {"staff": "hut staff 现场人员", "engineer": "an engineer 工程师", "wait": "wait 稍候"}.get(
                row["advice"]["who"], row["advice"]["who"])
            lines.append(f"  {row['name']} ({row['status']}, {who}): {row['advice']['zh']} / {row['advice']['en']}")
    return "\n".join(lines)


def _table(rows: list[dict[str, Any]], verbose: bool = False) -> str:
    headers = ["device", "driver", "where", "status", "health"] + (["model", "detail"] if verbose else [])
    body = [[str(r["name"]), r["driver"], r["where"], r["status"], r["health"]]
            + ([r["info"].get("model", "-"), ", ".join(f"{k}={v}" for k, v in r["detail"].items())]
               if verbose else [])
            for r in rows]
    widths = [max(len(h), *(len(row[i]) for row in body)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in body]
    return "\n".join(line.rstrip() for line in lines)
