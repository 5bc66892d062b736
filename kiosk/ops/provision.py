"""Turning a Debian box with peripherals into an enrolled, locked-down kiosk.

``kiosk provision`` (kiosk/commands/provision.py) runs :class:`Provisioner`:
probe what answers where, enrol once, write the config, the key files
(secrets.toml root:kiosk 0640 for the services, maintenance.toml root-only
with the PIN hash: kiosk/secrets_file.py), the units and the udev rules,
enable the units, and check every device.  Every file is compared before it is written, so a
second run (a technician unsure whether the first finished) changes nothing
and says so, and ``--dry-run`` computes the same plan and writes nothing.
``root`` prefixes every system path: a test (or an image build) provisions
into a folder.
"""

from __future__ import annotations

import glob
import pwd
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping

import tomli_w

from drivers.storage import atomic_write
from kiosk.devices import kinds
from kiosk.devices.peripherals import Adapter, by_name, render_rules
from kiosk.devices.probe import Found, Silent
from kiosk.errors import KioskError
from kiosk.ops.layout import Layout

PLAYBACK_NODES = "/dev/snd/pcmC*D*p"   # ALSA playback devices: the voice's speaker
CONFIG_HEADER = ("# /etc/kiosk/kiosk.toml, written by `kiosk provision` from what answered on this terminal.\n"
                 "# Rerunning provision keeps your edits to options and to devices it did not find.\n")
UNITS = ("kiosk.service", "kiosk-outbox.service", "kiosk-metrics.service", "kiosk-staff-gate.socket")
INSTALLED_ONLY = ("kiosk-staff-gate.service",)   # started by its socket: installed, not enabled
PLACEHOLDER_ID = "UNENROLLED"


@dataclass
class Step:
    """One line of the plan and of the report: what, and what happened."""

    what: str
    outcome: str  # "changed", "unchanged", "would change", "skipped", "failed"
    note: str = ""


def shipped_dir(name: str) -> Path:
    """``systemd/`` or ``provisioning/`` of the installed release: beside the
    package in a checkout, else beside the virtualenv on a terminal
    (/opt/kiosk/releases/<v>/, where the package is in site-packages)."""
    for base in (Path(__file__).resolve().parents[2], Path(sys.prefix).parent):
        if (base / name).is_dir():
            return base / name
    raise KioskError(f"cannot find the release's {name}/ folder beside {sys.prefix}")


@dataclass
class Provisioner:
    layout: Layout
    dry_run: bool = False
    run: Callable[..., subprocess.CompletedProcess] = subprocess.run
    steps: list[Step] = field(default_factory=list)

    # -- files --------------------------------------------------------------------
    def write(self, what: str, path: Path, content: bytes, mode: int = 0o644) -> bool:
        """Write ``content`` when it differs (or the mode does); record the step."""
        try:
            same = path.read_bytes() == content and (path.stat().st_mode & 0o777) == mode
        except FileNotFoundError:
            same = False
        if same:
            self.steps.append(Step(what, "unchanged", str(path)))
            return False
        if self.dry_run:
            self.steps.append(Step(what, "would change", str(path)))
            return True
        atomic_write(path, content, mode=mode)
        self.steps.append(Step(what, "changed", str(path)))
        return True

    # -- config ---------------------------------------------------------------------
    def existing_config(self) -> dict[str, Any]:
        try:
            with self.layout.config.open("rb") as fh:
                return tomllib.load(fh)
        except FileNotFoundError:
            return {}
        except tomllib.TOMLDecodeError as exc:
            raise KioskError(f"{self.layout.config}: TOML syntax error ({exc}); fix or remove it, then rerun") from None

    def config_text(self, current: dict[str, Any], found: list[Found], *, terminal_id: str, name: str,
                    platform_url: str) -> bytes:
        data = {k: v for k, v in current.items()}
        data["terminal"] = {**current.get("terminal", {}), "id": terminal_id}
        if name:
            data["terminal"]["name"] = name
        data["platform"] = {**current.get("platform", {}), "url": platform_url}
        paths = dict(current.get("paths", {}))
        if not self.layout.real:
            paths.update(state_dir=str(self.layout.state_dir), secrets_file=str(self.layout.secrets))
        if paths:
            data["paths"] = paths
        devices = {k: dict(v) for k, v in current.get("devices", {}).items()}
        # A device found where the config already has one is that one (its
        # name and options, e.g. a reader's role, come from the inventory).
        configured_at = {str(v.get("url") or v.get("port")): k for k, v in devices.items()}
        for dev_name, found_one in device_names(found, configured_at).items():
            entry = devices.get(dev_name, {})
            entry["driver"] = found_one.driver
            entry.pop("port", None)
            entry.pop("url", None)
            entry.update(self.address_of(dev_name, found_one))
            if found_one.options:
                entry["options"] = {**entry.get("options", {}), **found_one.options}
            devices[dev_name] = entry
        if not any(str(v.get("driver", "")).startswith("speaker.") for v in devices.values()) \
                and glob.glob(PLAYBACK_NODES):
            # The voice's audio output, where this terminal has one: checked like a
            # device from now on, so a sound card that goes missing is seen.
            devices["speaker"] = {"driver": "speaker.alsa", "port": PLAYBACK_NODES}
        data["devices"] = devices
        return (CONFIG_HEADER + tomli_w.dumps(data)).encode()

    def address_of(self, dev_name: str, found: Found) -> dict[str, str]:
        c = found.candidate
        if c.transport == "network" or c.where.startswith(("http://", "https://", "rtsp://", "tcp://")):
            return {"url": c.where}
        if self.layout.real and dev_name in by_name() and (adapter := adapter_of(found)) and not adapter.unsafe():
            return {"port": f"/dev/kiosk/{dev_name}"}  # the udev rule below names it by its serial
        return {"port": c.where}

    # -- secrets --------------------------------------------------------------------
    def existing_secrets(self) -> tuple[bool, bool]:
        """(enrolled, has a maintenance PIN) from the key files already there."""
        from kiosk.secrets_file import load_maintenance, load_secrets, maintenance_path

        if not self.layout.secrets.exists():
            return False, False
        enrolled = bool(load_secrets(self.layout.secrets).terminal_key)
        has_pin = False
        if maintenance_path(self.layout.secrets).exists() or load_secrets(self.layout.secrets).format == 1:
            has_pin = bool(load_maintenance(self.layout.secrets).pin_hash)
        return enrolled, has_pin

    def write_secrets(self, *, enrolment: Any, pin: str, group: int | None) -> None:
        """Through the one writer (kiosk/secrets_file.py): secrets.toml for the
        services' group, maintenance.toml for root; a format 1 file is upgraded."""
        from kiosk.secrets_file import maintenance_path, write_secrets_file

        done = write_secrets_file(self.layout.secrets, terminal_key=enrolment.terminal_key if enrolment else None,
                                  id_hash_keys=enrolment.id_hash_keys if enrolment else None, pin=pin or None,
                                  group=group, dry_run=self.dry_run)
        self.steps.append(Step("secrets", done["secrets"], str(self.layout.secrets)))
        self.steps.append(Step("maintenance PIN", done["maintenance"], str(maintenance_path(self.layout.secrets))))

    # -- units and rules ---------------------------------------------------------------
    def install_units(self) -> None:
        source = shipped_dir("systemd")
        for unit in (*UNITS, *INSTALLED_ONLY):
            if (source / unit).exists():
                self.write(f"unit {unit}", self.layout.units_dir / unit, (source / unit).read_bytes())

    def enable_units(self) -> None:
        root = str(self.layout.root.resolve())
        for unit in UNITS:
            if not (shipped_dir("systemd") / unit).exists():
                continue
            state = self.run(["systemctl", f"--root={root}", "is-enabled", unit], capture_output=True, text=True)
            if state.stdout.strip() == "enabled":
                self.steps.append(Step(f"enable {unit}", "unchanged"))
                continue
            if self.dry_run:
                self.steps.append(Step(f"enable {unit}", "would change"))
                continue
            done = self.run(["systemctl", f"--root={root}", "enable", unit], capture_output=True, text=True)
            self.steps.append(Step(f"enable {unit}", "changed" if done.returncode == 0 else "failed",
                                   done.stderr.strip().splitlines()[-1] if done.returncode else ""))
        if self.layout.real and not self.dry_run and Path("/run/systemd/system").is_dir():
            self.run(["systemctl", "daemon-reload"], check=False)

    def install_rules(self, found: list[Found]) -> None:
        adapters = {n: a for n, f in device_names(found).items() if (a := adapter_of(f)) is not None}
        for name, adapter in list(adapters.items()):
            why = adapter.unsafe()
            if why is not None:  # named by its port in the config (address_of), not by a rule
                self.steps.append(Step(f"udev rule for {name}", "skipped", why))
                del adapters[name]
        changed = self.write("udev rules", self.layout.rules, render_rules(adapters).encode())
        if changed and self.layout.real and not self.dry_run and shutil.which("udevadm"):
            self.run(["udevadm", "control", "--reload"], check=False)
            self.run(["udevadm", "trigger", "--settle", "--subsystem-match=tty", "--subsystem-match=usbmisc",
                      "--subsystem-match=video4linux", "--subsystem-match=usb"], check=False)


def adapter_of(found: Found) -> Adapter | None:
    """The USB adapter a found device answered through, when the kernel says which."""
    c = found.candidate
    return Adapter(c.vid, c.pid, c.serial_number) if c.serial_number and c.vid and c.pid else None


def service_ids(spec: str) -> tuple[int, int]:
    """The service user's (uid, gid), from its name or ``UID:GID``."""
    if re.fullmatch(r"[0-9]{1,9}:[0-9]{1,9}", spec):
        uid, gid = spec.split(":")
        return int(uid), int(gid)
    try:
        user = pwd.getpwnam(spec)
    except KeyError:
        raise KioskError(f"no user {spec!r}: create it first (install.sh or the Ansible playbook), "
                         "or name it with --service-user UID:GID") from None
    return user.pw_uid, user.pw_gid


def device_names(found: list[Found], configured_at: dict[str, str] | None = None) -> dict[str, Found]:
    """Config names for what answered: the configured device's name when
    the config has one at that address, else ``printer``, ``printer_2``...;
    a device without an installed driver is left out (the report says so)."""
    out: dict[str, Found] = {}
    configured_at = configured_at or {}
    for f in found:
        if f.driver is None:
            continue
        if f.candidate.where in configured_at:
            out[configured_at[f.candidate.where]] = f
            continue
        kind = kinds.kind(f.kind)
        base = f.name or (kind.default_name if kind else f.kind)
        name, n = base, 1
        while name in out:
            n += 1
            name = f"{base}_{n}"
        out[name] = f
    return out


def found_only(results: list[Found | Silent]) -> list[Found]:
    return [r for r in results if isinstance(r, Found)]


def _where(entry: Mapping[str, Any]) -> str:
    return str(entry.get("url") or entry.get("port") or "")


def _kind(entry: Mapping[str, Any]) -> str:
    return kinds.kind_of(str(entry.get("driver", "")))


def _sharing() -> list[tuple[str, ...]]:
    """The groups of kinds one probe finds (the document camera's finds the front camera too)."""
    return [group for group in kinds.probe_groups().values() if len(group) > 1]


def shared_sources(devices: dict[str, Any]) -> list[str]:
    """The configured sources of the kinds that share a probe (the document
    and the front camera), probed again on a rerun so each keeps its name
    and kind."""
    sharing = {k for group in _sharing() for k in group}
    return [_where(v) for v in devices.values() if _kind(v) in sharing and _where(v)]


def sort_shared(results: list[Found | Silent], devices: dict[str, Any],
                chosen: Mapping[str, str] | None = None) -> list[Found | Silent]:
    """Which kind each device found by a shared probe is: the document camera
    and the front camera both give a frame from OpenCV.  In this order: the
    config's device at that source keeps its kind; a source the technician
    named (``chosen``: source -> kind, from the kind's flag, ``--front-camera
    SOURCE``) is that kind; a USB ID one of the kinds' peripherals lists
    decides; the rest go by order: the probe's own kind first (as before the
    front camera existed), then each kind that shares it if none is known
    yet, any further one another of the probe's own kind.  A device placed
    by order says so in the report (the technician can swap the two sources
    in kiosk.toml; a rerun keeps them)."""
    out = list(results)
    for group in _sharing():
        out = _sort_group(out, group, devices, chosen or {})
    return out


def _sort_group(results: list[Found | Silent], group: tuple[str, ...], devices: dict[str, Any],
                chosen: Mapping[str, str]) -> list[Found | Silent]:
    kind_at = {_where(v): _kind(v) for v in devices.values()}
    by_usb = {(u.vendor, u.product): p.kind for p in kinds.peripherals() if p.kind in group for u in p.usb}

    def known(f: Found) -> str | None:
        c = f.candidate
        for said in (kind_at.get(c.where), chosen.get(c.where)):
            if said in group:
                return said
        return by_usb.get((c.vid, c.pid))

    members = [r for r in results if isinstance(r, Found) and r.kind in group]
    have = {k for k in kind_at.values() if k in group} | {k for f in members if (k := known(f))}
    out: list[Found | Silent] = []
    for r in results:
        if isinstance(r, Found) and r.kind in group:
            kind = known(r)
            if kind is None:
                kind = next((k for k in group if k not in have), group[0])
                have.add(kind)
                sharer = kinds.kind(kind)
                if sharer is not None and sharer.shares_probe is not None:
                    r = replace(r, result=r.result + f"; taken as the {sharer.en} by order "
                                f"({sharer.shares_probe.flag} SOURCE names it)")
            r = replace(r, kind=kind)
        out.append(r)
    return out
