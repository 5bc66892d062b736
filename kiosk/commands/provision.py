"""``kiosk provision``: the technician's one command at a new hut.

Probes every serial port, USB printer, camera (document and front camera) and
PC/SC reader, enrols with the one-time code, writes /etc/kiosk (config,
secrets.toml root:kiosk 0640 for the services, maintenance.toml root-only with
the PIN hash), installs and enables the units and udev rules, runs
every device's external self-test (the printer prints its test slip) and
prints a one-page report, on the screen and on the receipt printer.  Safe to
rerun; ``--dry-run`` shows the plan and writes nothing; ``--root DIR``
provisions into a folder.  Exit 0 when enrolled and every device checked
OK, 1 when something needs the technician.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import __version__
from kiosk.devices import kinds
from kiosk.devices.probe import Found, Silent, probe_all
from kiosk.errors import KioskError
from kiosk.ops.admin_files import replace_file
from kiosk.ops.provision import (
    PLACEHOLDER_ID,
    Layout,
    Provisioner,
    Step,
    device_names,
    found_only,
    service_ids,
    shared_sources,
    sort_shared,
)

if TYPE_CHECKING:
    from kiosk.central.client import Enrolment


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("provision", help="set up this terminal: find devices, enrol, write config, install units")
    p.add_argument("--root", default="/", help="install under this folder instead of / (tests, image builds)")
    p.add_argument("--dry-run", action="store_true", help="probe and show what would change; write nothing")
    p.add_argument("--non-interactive", action="store_true", help="never prompt (Ansible); fail instead")
    p.add_argument("--enrolment-code", default="", help="the one-time code from the district (first run only)")
    p.add_argument("--platform", default="", help="the central platform's URL (first run only)")
    p.add_argument("--name", default="", help="the hut's name as residents know it")
    p.add_argument("--pin-stdin", action="store_true", help="read the maintenance PIN (6-12 digits) from stdin")
    p.add_argument("--port", action="append", default=[], help="also probe this serial port (repeatable)")
    p.add_argument("--url", action="append", default=[], help="also probe this network printer, tcp://host:port")
    p.add_argument("--camera", action="append", default=[], help="also probe this camera source (URL or /dev/videoN)")
    for kind in kinds.all_kinds():  # a kind found by another's probe names a source its own way (--front-camera)
        if kind.shares_probe is not None:
            p.add_argument(kind.shares_probe.flag, action="append", default=[], dest=_chosen_dest(kind.kind),
                           metavar="SOURCE", help=kind.shares_probe.help)
    p.add_argument("--no-scan", action="store_true",
                   help="probe only the ports/urls/cameras given, not the system's (PC/SC readers are always "
                        "listed: asking pcscd touches no device)")
    p.add_argument("--skip-checks", action="store_true", help="do not run the devices' external self-tests")
    p.add_argument("--service-user", default="kiosk",
                   help="the user the kiosk services run as (name or UID:GID): it owns the state folder and its "
                        "group may read secrets.toml (default kiosk)")
    p.set_defaults(func=cmd_provision)


def _chosen_dest(kind: str) -> str:
    return f"chosen_{kind}"


def _chosen(args: argparse.Namespace) -> dict[str, str]:
    """Source -> kind, as the technician named them with the kinds' flags."""
    return {source: k.kind for k in kinds.all_kinds() if k.shares_probe is not None
            for source in getattr(args, _chosen_dest(k.kind), [])}


def _probe_places(args: argparse.Namespace, devices: dict[str, Any], chosen: dict[str, str]) -> dict[str, list[str]]:
    """The ports, addresses and cameras to probe besides the system's: the
    ones given, the configured ones a shared probe must see again, and the
    named sources, each where the probe that finds its kind looks."""
    places = {"serial": list(args.port), "network": list(args.url), "camera": list(args.camera)}
    for source in [*chosen, *shared_sources(devices)]:
        kind = kinds.kind(chosen.get(source) or "")
        owner = kinds.kind(kind.shares_probe.of) if kind is not None and kind.shares_probe is not None else None
        transports = {p.transport for p in owner.probes} if owner is not None else {"camera"}
        place = "camera" if "camera" in transports else "network" if "network" in transports else "serial"
        places[place].append(source)
    return {place: list(dict.fromkeys(sources)) for place, sources in places.items()}


def _pin(args: argparse.Namespace, has_pin: bool) -> str:
    if args.pin_stdin:
        pin = sys.stdin.readline().strip()
    elif not has_pin and not args.non_interactive and not args.dry_run and sys.stdin.isatty():
        pin = getpass.getpass("maintenance PIN for this terminal (6-12 digits): ")
        if getpass.getpass("again: ") != pin:
            raise KioskError("the two PINs differ; nothing was written")
    else:
        return ""
    if not (pin.isdigit() and 6 <= len(pin) <= 12):
        raise KioskError("the maintenance PIN must be 6 to 12 digits; nothing was written")
    return pin


def _enrol(prov: Provisioner, args: argparse.Namespace, platform: dict[str, Any], name: str) -> "Enrolment":
    from kiosk.central.client import CentralClient

    code = args.enrolment_code.strip()
    if not code and not args.non_interactive and sys.stdin.isatty():
        code = input("one-time enrolment code from the district: ").strip()
    if not code:
        raise KioskError("this terminal is not enrolled yet: give --enrolment-code CODE (from the district)")
    ca = platform.get("ca_file") or None
    client = CentralClient(platform["url"], PLACEHOLDER_ID, b"", ca_file=Path(ca) if ca else None)
    try:
        enrolment = client.enrol(code, name)
    finally:
        client.close()
    prov.steps.append(Step("enrol", "changed", f"terminal {enrolment.terminal_id}"))
    return enrolment


def cmd_provision(args: argparse.Namespace) -> int:
    layout = Layout(Path(args.root))
    prov = Provisioner(layout, dry_run=args.dry_run)
    config, (enrolled, has_pin) = prov.existing_config(), prov.existing_secrets()
    service = _service_user(args.service_user, layout)
    devices = config.get("devices", {})
    chosen = _chosen(args)
    places = _probe_places(args, devices, chosen)
    results = sort_shared(probe_all(places["serial"], places["network"], places["camera"],
                                    scan_system=not args.no_scan), devices, chosen)
    found = found_only(results)

    platform = {**config.get("platform", {}), **({"url": args.platform} if args.platform else {})}
    if not platform.get("url"):
        raise KioskError("no platform URL yet: give --platform https://... (first run only)")
    name = args.name or config.get("terminal", {}).get("name", "")
    terminal_id = str(config.get("terminal", {}).get("id") or PLACEHOLDER_ID)
    enrolment = None
    if enrolled and terminal_id != PLACEHOLDER_ID:
        prov.steps.append(Step("enrol", "unchanged", f"already terminal {terminal_id}"))
    elif args.dry_run:
        prov.steps.append(Step("enrol", "would change", "with the one-time code"))
    else:
        enrolment = _enrol(prov, args, platform, name)
        terminal_id = enrolment.terminal_id

    pin = _pin(args, has_pin)
    # Secrets first: an enrolment key exists nowhere else once the code is spent.
    prov.write_secrets(enrolment=enrolment, pin=pin, group=service[1] if service else None)
    prov.write("config", layout.config, prov.config_text(config, found, terminal_id=terminal_id, name=name,
                                                         platform_url=platform["url"]))
    if not args.dry_run:
        layout.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if service:
            os.chown(layout.state_dir, *service)
    prov.install_units()
    prov.install_rules(found)
    prov.enable_units()

    checks: dict[str, str] = {}
    if not args.dry_run and not args.skip_checks:
        checks = _check_devices(layout, terminal_id, name, platform["url"], results)
    configured_at = {str(v.get("url") or v.get("port")): k for k, v in config.get("devices", {}).items()}
    report = report_text(terminal_id, name, platform["url"], results, prov.steps, checks, configured_at,
                         dry_run=args.dry_run)
    print(report)
    if not args.dry_run:  # root's folder: the kiosk user's state folder could hold a link by that name
        replace_file(layout.admin_dir, "provision-report.txt", report.encode("utf-8"))
    failed = any(s.outcome == "failed" for s in prov.steps) or not all(v.startswith("OK") for v in checks.values())
    return 1 if failed or (terminal_id == PLACEHOLDER_ID and not args.dry_run) else 0


def _service_user(spec: str, layout: Layout) -> tuple[int, int] | None:
    """(uid, gid) of the services' user; under a staging root without that
    user (an image build, a test) the files keep this user's ownership."""
    try:
        return service_ids(spec)
    except KioskError:
        if layout.real or spec != "kiosk":
            raise
        return None


def _check_devices(layout: Layout, terminal_id: str, name: str, platform_url: str,
                   results: list[Found | Silent]) -> dict[str, str]:
    """Every configured device's external self-test, then the report on the printer."""
    from drivers.base import HealthLevel, Status
    from drivers.printer.device import ReceiptPrinter
    from kiosk import config as config_mod
    from kiosk.devices.owner import DeviceOwner
    from kiosk.slips import provisioning_report

    settings = config_mod.load(layout.config)
    checks: dict[str, str] = {}
    with DeviceOwner(settings) as owner:
        owner.wait_settled()
        for dev in owner.records():
            checks[dev] = owner.check_health(dev, HealthLevel.EXTERNAL)
        records = owner.records()
        slip = provisioning_report({
            "terminal_id": terminal_id, "terminal_name": name, "platform_url": platform_url,
            "software": __version__, "time": time.time(),
            "devices": {n: {"status": r.status, "summary": checks.get(n, "")} for n, r in records.items()},
            "checks": [f"{'-' if isinstance(r, Silent) else '+'} {r.candidate.where}: {r.result}" for r in results]})
        for printer in owner.devices_offering("slip"):
            if isinstance(printer, ReceiptPrinter) and printer.status == Status.ONLINE:
                printer.print_receipt(slip, holder="provision")
                break
    return checks


def report_text(terminal_id: str, name: str, platform_url: str, results: list[Found | Silent], steps: list[Step],
                checks: dict[str, str], configured_at: dict[str, str], dry_run: bool = False) -> str:
    lines = ["终端安装报告 / Terminal provisioning report" + ("  (DRY RUN: nothing written)" if dry_run else ""),
             f"terminal 终端:   {terminal_id}" + (f"  ({name})" if name else ""),
             f"platform 平台:   {platform_url}",
             f"software 软件:   {__version__}",
             f"time 时间:       {time.strftime('%Y-%m-%d %H:%M:%S')}", "",
             "devices found 找到的设备:"]
    names = {id(f): n for n, f in device_names(found_only(results), configured_at).items()}
    for r in results:
        if isinstance(r, Found):
            dev = names.get(id(r), "-")
            check = checks.get(dev, "not checked" if dev != "-" else "no driver installed for " + r.kind)
            lines.append(f"  {dev:<10} {r.candidate.where}: {r.result}; check: {check}")
    configured = [n for n in checks if n not in names.values()]
    if configured:
        lines += ["", "configured, not probed 已配置(未探测):"]
        lines += [f"  {n:<10} check: {checks[n]}" for n in configured]
    silent = [r for r in results if isinstance(r, Silent)]
    if silent:
        lines += ["", "no answer 无应答:"] + [f"  {r.candidate.where}: {r.result}" for r in silent]
    lines += ["", "steps 步骤:"] + [f"  {s.what:<28} {s.outcome:<13} {s.note}".rstrip() for s in steps]
    return "\n".join(lines)
