"""kiosk provision against the virtual hut, into a temporary root: it finds
every simulated device, enrols, writes config and secrets (0600), installs
and enables the units and rules, prints its report; a second run changes
nothing; --dry-run writes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomli_w

from kiosk import config as config_mod
from kiosk.ops.pin import verify_pin
from simulators.hut import Hut

pytestmark = [pytest.mark.procs, pytest.mark.pcsc]  # a whole virtual hut: its own pcscd too

PIN = "135790"


def _files(root: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file under root/etc: content, mode and modification time."""
    out = {}
    for path in sorted((root / "etc").rglob("*")):
        if path.is_file() and not path.is_symlink():
            st = path.stat()
            out[str(path.relative_to(root))] = (path.read_bytes(), st.st_mode & 0o777, st.st_mtime_ns)
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    work = tmp_path_factory.mktemp("provision")
    with Hut(work / "hut") as hut:
        hut_config = tomllib.loads(hut.config_path.read_text())
        platform_url = hut_config["platform"]["url"]
        code = hut["platform"].control("enrolment_code")["enrolment_code"]
        _master, silent = os.openpty()  # a port where nothing answers
        root = work / "root"
        hut.control("scale", "reading", weight=70.0, height=172.0)  # someone stands on it: it talks
        hut.control("smartcard", "insert", card="social_security")  # test cards for the readers' self-tests
        hut.control("smartcard", "insert", card="staff")
        # Devices that speak only when started, and the card readers' roles,
        # come from the inventory, as the Ansible playbook templates them
        # before running provision.
        inventory = {"terminal": {"id": "UNENROLLED"}, "platform": {"url": platform_url},
                     "devices": {n: hut_config["devices"][n]
                                 for n in ("bp", "thermometer", "glucometer", "smartcard", "staffcard")}}

        def provision(*extra: str, stdin: str = "") -> subprocess.CompletedProcess:
            argv = [sys.executable, "-m", "kiosk.cli", "provision", "--root", str(root), "--no-scan",
                    "--non-interactive", "--port", hut["idcard"].where(), "--port", os.ttyname(silent),
                    "--port", hut["oximeter"].where(), "--port", hut["scale"].where(),
                    "--url", hut["printer"].where(), *extra]
            return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=120)

        dry = provision("--dry-run", "--platform", platform_url, "--enrolment-code", code)
        dry_files = sorted(p for p in root.rglob("*")) if root.exists() else []
        (root / "etc/kiosk").mkdir(parents=True)
        (root / "etc/kiosk/kiosk.toml").write_text(tomli_w.dumps(inventory), encoding="utf-8")
        first = provision("--enrolment-code", code, "--name", "测试小屋", "--pin-stdin", stdin=PIN + "\n")
        after_first = _files(root)
        second = provision()
        after_second = _files(root)
        slips = "\n".join(p.read_text(encoding="utf-8") for p in sorted((work / "hut" / "printer").glob("*.txt")))
        yield {"dry": dry, "dry_files": dry_files, "first": first, "second": second, "root": root,
               "after_first": after_first, "after_second": after_second, "slips": slips,
               "silent": os.ttyname(silent), "hut": hut}


def test_dry_run_writes_nothing_and_shows_the_plan(runs):
    dry = runs["dry"]
    assert dry.returncode == 0, dry.stderr
    assert runs["dry_files"] == []
    assert "DRY RUN" in dry.stdout
    assert "would change" in dry.stdout and " changed " not in dry.stdout
    assert "ID card SAM: 11 FF -> SW 90" in dry.stdout and "ESC/POS printer: DLE EOT 1" in dry.stdout


def test_first_run_finds_every_device_enrols_and_writes_config_and_secrets(runs):
    first, root = runs["first"], runs["root"]
    assert first.returncode == 0, first.stdout + first.stderr
    settings = config_mod.load(root / "etc/kiosk/kiosk.toml")
    assert settings.terminal.id.startswith("HUT-") and settings.terminal.name == "测试小屋"
    assert settings.devices["idcard"].driver == "idcard.sam"
    assert settings.devices["idcard"].port == runs["hut"]["idcard"].where()
    assert settings.devices["printer"].url == runs["hut"]["printer"].where()
    assert settings.devices["oximeter"].driver == "health.cms50d"
    assert settings.devices["oximeter"].port == runs["hut"]["oximeter"].where()
    assert settings.devices["scale"].driver == "health.line" and settings.devices["scale"].port == \
        runs["hut"]["scale"].where()
    assert {"bp", "thermometer", "glucometer"} <= set(settings.devices), "the inventory's devices were dropped"
    assert settings.devices["staffcard"].options["reads"] == "staff_uid", "a found reader lost its role"
    assert "smartcard_2" not in settings.devices
    assert len(settings.secrets.terminal_key) == 32 and settings.secrets.outbox_key
    assert verify_pin(PIN, settings.maintenance_secrets().pin_hash)
    assert (root / "etc/kiosk/secrets.toml").stat().st_mode & 0o777 == 0o600
    assert f"no answer 无应答:\n  {runs['silent']}: no answer" in first.stdout
    found = first.stdout.split("devices found 找到的设备:")[1].split("\n\n")[0]
    assert [line.split()[0] for line in found.strip().splitlines()] == ["idcard", "oximeter", "scale", "printer",
                                                                         "smartcard", "staffcard"]
    assert "PC/SC reader listed by pcscd: Virtual PCD 00 01" in found
    assert all("; check: OK" in line for line in found.splitlines() if line.strip()), found
    configured = first.stdout.split("configured, not probed")[1].split("\n\n")[0]
    assert [line.split()[0] for line in configured.strip().splitlines()[1:]] == ["bp", "thermometer", "glucometer"]
    assert all(line.endswith("check: OK") for line in configured.strip().splitlines()[1:]), configured


def test_units_and_rules_are_installed_and_enabled(runs):
    root = runs["root"]
    system = root / "etc/systemd/system"
    assert (system / "kiosk.service").read_bytes() == (Path("systemd") / "kiosk.service").read_bytes()
    assert (system / "graphical.target.wants/kiosk.service").is_symlink()
    assert (system / "multi-user.target.wants/kiosk-outbox.service").is_symlink()
    assert (root / "etc/udev/rules.d/70-kiosk.rules").read_text().startswith("# Stable names")


def test_self_test_slip_and_report_come_out_of_the_printer(runs):
    assert "HUT-PRINTER-TEST" in runs["slips"], "no test slip printed"
    assert "终端安装报告" in runs["slips"], "the provisioning report was not printed"
    report = (runs["root"] / "var/lib/kiosk-admin/provision-report.txt").read_text(encoding="utf-8")
    assert "terminal 终端:   HUT-" in report


def test_second_run_changes_nothing(runs):
    second = runs["second"]
    assert second.returncode == 0, second.stdout + second.stderr
    steps = second.stdout.split("steps 步骤:")[1].strip().splitlines()
    assert steps and all("unchanged" in line.split() for line in steps), steps
    assert runs["after_second"] == runs["after_first"]


def test_the_platform_accepts_the_enrolled_terminal_signature(runs):
    from kiosk.central.client import CentralClient

    settings = config_mod.load(runs["root"] / "etc/kiosk/kiosk.toml")
    with CentralClient(settings.platform.url, settings.terminal.id, settings.secrets.terminal_key) as client:
        assert isinstance(client.heartbeat({}, {"depth": 0, "dead": 0, "oldest_pending_seconds": None}), dict)


def test_on_a_real_root_a_usb_adapter_is_configured_by_its_stable_name(tmp_path):
    import tomllib as toml

    from kiosk.devices.probe import Candidate, Found
    from kiosk.ops.provision import Layout, Provisioner

    usb = Found("idcard", Candidate("/dev/ttyUSB0", "serial", "0403", "6001", "A10K3ZQ1"), "ID card SAM", {})
    pty = Found("printer", Candidate("/dev/pts/4", "serial"), "ESC/POS printer", {"baudrate": 9600})
    real = toml.loads(Provisioner(Layout(Path("/"))).config_text({}, [usb, pty], terminal_id="T", name="",
                                                                  platform_url="https://p").decode())
    assert real["devices"]["idcard"]["port"] == "/dev/kiosk/idcard"
    assert real["devices"]["printer"] == {"driver": "printer.escpos", "port": "/dev/pts/4",
                                          "options": {"baudrate": 9600}}
    staged = toml.loads(Provisioner(Layout(tmp_path)).config_text({}, [usb], terminal_id="T", name="",
                                                                   platform_url="https://p").decode())
    assert staged["devices"]["idcard"]["port"] == "/dev/ttyUSB0"  # no udev under a staging root


def test_the_front_camera_is_configured_apart_from_the_document_camera(tmp_path):
    """Both cameras answer the same probe; the config, --front-camera, the
    document camera's USB ID or the order say which is which."""
    import tomllib as toml

    from kiosk.devices.probe import Candidate, Found, Silent
    from kiosk.ops.provision import Layout, Provisioner, shared_sources, sort_shared

    def cam(where: str, vid: str = "", pid: str = "") -> Found:
        return Found("camera", Candidate(where, "camera", vid, pid), "camera: a 640x480 frame from OpenCV")

    def config(results: list, devices: dict | None = None) -> dict:
        found = [r for r in results if isinstance(r, Found)]
        current = {"devices": devices} if devices else {}
        written = toml.loads(Provisioner(Layout(tmp_path)).config_text(current, found, terminal_id="T", name="",
                                                                        platform_url="https://p").decode())
        return {name: entry for name, entry in written["devices"].items() if name != "speaker"}   # cameras only

    # by order: the first camera is the document camera (as before), the second the front camera
    by_order = sort_shared([cam("/dev/video0"), Silent(Candidate("/dev/video1", "camera"), "no frame"),
                             cam("/dev/video2")], {})
    assert config(by_order) == {"camera": {"driver": "camera.uvc", "port": "/dev/video0"},
                                "front_camera": {"driver": "face_camera.uvc", "port": "/dev/video2"}}
    assert "taken as the front camera by order" in by_order[2].result
    # one camera alone stays the document camera
    assert config(sort_shared([cam("/dev/video0")], {})) == {"camera": {"driver": "camera.uvc",
                                                                         "port": "/dev/video0"}}
    # the document camera's USB ID wins over the order; --front-camera names a source
    by_usb = sort_shared([cam("/dev/video0"), cam("/dev/video2", "0ac8", "3610")], {})
    assert config(by_usb) == {"front_camera": {"driver": "face_camera.uvc", "port": "/dev/video0"},
                              "camera": {"driver": "camera.uvc", "port": "/dev/video2"}}
    named = sort_shared([cam("/dev/video0"), cam("http://10.0.0.5/front.mjpg")], {},
                        {"/dev/video0": "face_camera"})
    assert config(named) == {"front_camera": {"driver": "face_camera.uvc", "port": "/dev/video0"},
                             "camera": {"driver": "camera.uvc", "url": "http://10.0.0.5/front.mjpg"}}
    # a rerun: the configured front camera is probed at its source and keeps its name, kind and options
    devices = {"front_camera": {"driver": "face_camera.uvc", "port": "/dev/video0", "options": {"width": 800}},
               "camera": {"driver": "camera.uvc", "port": "/dev/video2"}}
    assert shared_sources(devices) == ["/dev/video0", "/dev/video2"]
    again = config(sort_shared([cam("/dev/video0"), cam("/dev/video2")], devices), devices)
    assert again == devices
    # a configured front camera that is unplugged now: a new unknown camera is not taken for it
    assert config(sort_shared([cam("/dev/video4")], {"front_camera": devices["front_camera"]}),
                  {"front_camera": devices["front_camera"]})["camera"] == {"driver": "camera.uvc",
                                                                          "port": "/dev/video4"}


def test_video_devices_carry_their_usb_identity(tmp_path):
    from kiosk.devices.probe import _video_usb

    usb = tmp_path / "devices/usb1/1-1"
    (usb / "1-1:1.0").mkdir(parents=True)
    (usb / "idVendor").write_text("0ac8\n")
    (usb / "idProduct").write_text("3610\n")
    (usb / "serial").write_text("SN1\n")
    node = tmp_path / "class/video0"
    node.mkdir(parents=True)
    (node / "device").symlink_to(usb / "1-1:1.0")
    (node / "name").write_text("USB Document Camera\n")
    assert _video_usb("/dev/video0", str(tmp_path / "class")) == ("0ac8", "3610", "SN1", "USB Document Camera")
    assert _video_usb("/dev/video9", str(tmp_path / "class")) == ("", "", "", "")
