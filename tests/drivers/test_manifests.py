"""Each driver package declares its device kinds in one manifest
(drivers/<class>/manifest.py), and what a manifest names exists."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest

from drivers.manifest import Advice, DeviceKind, Peripheral, Probe

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(p.parent.name for p in (ROOT / "drivers").glob("*/__init__.py"))


def kinds_of(package: str) -> tuple[DeviceKind, ...]:
    return importlib.import_module(f"drivers.{package}.manifest").KINDS


def _load(target: str) -> object:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_driver_package_declares_its_kinds(package):
    kinds = kinds_of(package)
    assert kinds and all(isinstance(k, DeviceKind) for k in kinds)
    for kind in kinds:
        assert kind.zh and kind.en and kind.simulators
        # A kind without a plugged-in peripheral of its own (the speaker: the sound
        # card is found through ALSA, not a /dev/kiosk link) has nothing to probe for.
        assert kind.peripherals or not kind.probes, kind.kind
        for driver, target in kind.drivers.items():
            cls = _load(target)
            assert target.startswith(f"drivers.{package}.") and cls.device_class == kind.kind, driver
        assert all(p.kind == kind.kind for p in kind.peripherals)


@pytest.mark.parametrize("package", PACKAGES)
def test_what_a_manifest_names_is_there(package):
    for kind in kinds_of(package):
        for probe in kind.probes:
            assert callable(_load(probe.function)) and probe.function.startswith(f"drivers.{package}."), probe
        for target in kind.simulators:
            assert target.startswith("simulators.") and callable(_load(target)), target


@pytest.mark.procs
def test_reading_the_manifests_loads_no_driver():
    """The kiosk reads every manifest at start (config check, doctor,
    metrics): that must not load pyserial, OpenCV, python-escpos or pyscard."""
    code = ("import sys; from kiosk.devices import kinds; kinds.all_kinds();"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'serial', 'cv2', 'escpos', 'smartcard', 'numpy'} or m.endswith(('.device', '.probe'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_a_manifest_says_what_is_wrong_with_it():
    with pytest.raises(ValueError, match="who must be one of"):
        Advice("换纸", "replace the paper", "janitor")
    with pytest.raises(ValueError, match='"pad.<variant>"'):
        DeviceKind("pad", "签字板", "signature pad", drivers={"signpad.usb": "drivers.pad.device:Pad"})
    with pytest.raises(ValueError, match="no advice for"):
        DeviceKind("pad", "签字板", "signature pad", drivers={"pad.usb": "drivers.pad.device:Pad"},
                   notices={("ink", "low"): "ink_low"})
    with pytest.raises(ValueError, match="subsystem"):
        Peripheral("pad", "签字板", "signature pad", "hid")
    with pytest.raises(ValueError, match="transport"):
        Probe("usb", "drivers.pad.probe:ask", "?")
    kind = DeviceKind("pad", "签字板", "signature pad", drivers={"pad.usb": "drivers.pad.device:Pad"},
                      peripherals=(Peripheral("pad", "签字板", "signature pad", "tty"),))
    assert kind.peripherals[0].kind == "pad" and kind.default_driver == "pad.usb" and kind.default_name == "pad"
    with pytest.raises(TypeError):
        cast(dict, kind.problems)["x"] = Advice("x", "y", "none")


def test_a_device_is_named_by_what_its_options_make_it_do():
    from kiosk.devices.kinds import kind, words

    reader = kind("smartcard")
    assert reader is not None
    assert reader.words({"reads": "staff_uid"}) == ("工作卡读卡器", "staff card reader")
    assert reader.words({"reads": "social_security"}) == ("社保卡读卡器", "social security card reader")
    assert reader.words({}) == reader.words(None) == ("社保卡读卡器", "social security card reader")
    assert words("smartcard", {"reads": "staff_uid"}) == ("工作卡读卡器", "staff card reader")
    assert words("printer")[0] != "printer" and words("no_such_kind") == ("no_such_kind", "no_such_kind")
