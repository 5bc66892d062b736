"""The udev rules give each peripheral a stable /dev/kiosk/<name>, are current
with the kinds' manifests (drivers/*/manifest.py), and udev's own rules parser
accepts them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.devices.kinds import peripherals
from kiosk.devices.peripherals import RULES_NAME, Adapter, render_rules, shared_ids
from kiosk.errors import KioskError

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "provisioning" / "udev" / RULES_NAME


def test_shipped_rules_are_generated_from_the_table():
    assert SHIPPED.read_text(encoding="utf-8") == render_rules(), \
        "regenerate: python -c 'from kiosk.devices.peripherals import render_rules; print(render_rules(), end=\"\")'"


FOUND = {"idcard": Adapter("0403", "6001", "A10K3ZQ1"), "bp": Adapter("10c4", "ea60", "0001"),
         "printer": Adapter("0fe6", "811e", "P58-7")}  # a printer bridge the table does not list


def test_found_adapters_are_named_by_their_own_ids_and_serial():
    text = render_rules(FOUND)
    idcard = [line for line in text.splitlines() if 'SYMLINK+="kiosk/idcard"' in line]
    assert idcard == ['ACTION=="add|change", SUBSYSTEM=="tty", ATTRS{idVendor}=="0403", ATTRS{idProduct}=="6001", '
                      'ATTRS{serial}=="A10K3ZQ1", SYMLINK+="kiosk/idcard", GROUP="kiosk", MODE="0660"']
    assert any('SYMLINK+="kiosk/bp"' in line and 'ATTRS{serial}=="0001"' in line for line in text.splitlines())
    printer = [line for line in text.splitlines() if 'SYMLINK+="kiosk/printer"' in line]
    assert len(printer) == 1 and 'ATTRS{idVendor}=="0fe6"' in printer[0]
    # Without its serial, no rule names the glucose meter (its bridges are generic).
    assert 'kiosk/glucometer"' not in text
    assert all(p.name for p in peripherals()) and shared_ids()


def _udev_parse(rules: str, tmp_path: Path) -> list[str]:
    """What udev says about the file when it loads it (in a private mount
    namespace, so /etc/udev/rules.d of this machine is untouched)."""
    folder = tmp_path / "rules.d"
    folder.mkdir()
    (folder / RULES_NAME).write_text(rules, encoding="utf-8")
    proc = subprocess.run(["unshare", "-m", "sh", "-c",
                           f"mount --bind {folder} /etc/udev/rules.d && "
                           "udevadm test --action=add /sys/class/tty/tty0"],
                          capture_output=True, text=True, timeout=60)
    output = proc.stdout + proc.stderr
    assert f"Reading rules file: /etc/udev/rules.d/{RULES_NAME}" in output, output[-2000:]
    return [line for line in output.splitlines() if RULES_NAME + ":" in line
            and "Unknown group 'kiosk'" not in line]  # provisioning creates the group


needs_udevadm = pytest.mark.skipif(shutil.which("udevadm") is None or shutil.which("unshare") is None
                                   or os.geteuid() != 0, reason="udevadm test needs udev and root (unshare -m)")


@pytest.mark.procs
@needs_udevadm
def test_udev_accepts_the_rules(tmp_path):
    assert _udev_parse(render_rules(FOUND), tmp_path) == []


@pytest.mark.procs
@needs_udevadm
def test_udev_parse_catches_a_broken_rule(tmp_path):
    broken = render_rules().replace('SYMLINK+="kiosk/camera"', 'SYMLNK+="kiosk/camera"', 1)
    assert any("Invalid key" in line for line in _udev_parse(broken, tmp_path))


def test_camera_links_name_the_node_that_gives_frames():
    # A UVC camera has a picture node (index 0) and a metadata node (index 1).
    lines = [line for line in render_rules(FOUND).splitlines() if 'SUBSYSTEM=="video4linux"' in line]
    assert lines and all('ATTR{index}=="0"' in line for line in lines)


HOSTILE_SERIALS = ['A1"', 'A1\nACTION=="add", RUN+="/bin/sh -c id"', 'A1", RUN+="/bin/touch /tmp/owned', "A1*", "A|B",
                   ""]


@pytest.mark.parametrize("serial", HOSTILE_SERIALS)
def test_a_serial_that_would_be_read_as_more_than_a_value_is_refused(serial):
    """The adapter's serial comes from the device: a '"' would end the match
    and add keys (RUN+=), a newline a rule, '*' or '|' would match others."""
    with pytest.raises(KioskError, match="no udev rule for idcard"):
        render_rules({"idcard": Adapter("0403", "6001", serial)})


def test_provision_names_a_hostile_adapter_by_its_port_and_writes_no_rule_for_it(tmp_path):
    from kiosk.devices.probe import Candidate, Found
    from kiosk.ops.provision import Layout, Provisioner

    hostile = Found("idcard", Candidate("/dev/ttyUSB0", "serial", "0403", "6001", 'A1", RUN+="/bin/touch /tmp/owned'),
                    "ID card SAM", {})
    fine = Found("printer", Candidate("/dev/ttyUSB1", "serial", "1a86", "7523", "P58-7"), "ESC/POS printer", {})
    prov = Provisioner(Layout(tmp_path))
    prov.install_rules([hostile, fine])
    rules = prov.layout.rules.read_text(encoding="utf-8")
    assert "RUN" not in rules and "/tmp/owned" not in rules
    assert 'ATTRS{serial}=="P58-7", SYMLINK+="kiosk/printer"' in rules
    assert any(s.what == "udev rule for idcard" and s.outcome == "skipped" and "serial" in s.note for s in prov.steps)
    real = Provisioner(Layout(Path("/")))
    assert real.address_of("idcard", hostile) == {"port": "/dev/ttyUSB0"}  # not a /dev/kiosk link no rule makes
    assert real.address_of("printer", fine) == {"port": "/dev/kiosk/printer"}


def test_usb_ids_read_from_sysfs_must_be_hex():
    with pytest.raises(KioskError, match="USB ID"):
        render_rules({"camera": Adapter('0ac8"', "3610", "SN1")})
