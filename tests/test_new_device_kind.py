"""The recipe "add a device kind", proved: a kind the project has never seen
(a flatbed scanner on a serial port) is written as a driver package with
its manifest plus a simulator, in a temporary folder, and nothing else.  The
registry and the config accept its driver, the virtual hut starts its
simulator, ``kiosk provision`` recognises it and names it, the udev rules
give it a stable name, ``kiosk doctor`` says what to do about its problem
in its own words, the metrics label it with its kind and count its
counters, the availability rules let it scan, and the generated docs list
it.  No file under kiosk/, screens/ or simulators/ is edited."""

from __future__ import annotations

import sys
import textwrap

import pytest
from prometheus_client import generate_latest

import drivers
from drivers.base import HealthLevel
from kiosk.devices import kinds

# Everything the new kind is: its driver package (under drivers/) and its simulator.
NEW_KIND_FILES = {
    "drivers/flatbed/__init__.py": '"""A flatbed scanner (平板扫描仪) on a serial port: a kind only this test knows."""\n',
    "drivers/flatbed/manifest.py": '''
        from drivers.manifest import Advice, DeviceKind, Offer, Peripheral, Probe, UsbId

        KINDS = (
            DeviceKind(
                "flatbed", "平板扫描仪", "flatbed scanner",
                drivers={"flatbed.serial": "drivers.flatbed.device:FlatbedScanner"},
                problems={"lid_open": Advice("合上扫描仪盖", "close the scanner lid", "staff")},
                counters={"pages": ("扫描页数", "pages scanned")},
                peripherals=(Peripheral("flatbed", "平板扫描仪", "flatbed scanner", "tty",
                                        (UsbId("04a9", "1905", "Canon LiDE 200"),), "answers ? with FLATBED"),),
                probes=(Probe("serial", "drivers.flatbed.probe:ask_serial", "? (flatbed scanner)", order=30),),
                offers=(Offer("scan"),),
                simulators=("flatbed_sim:FlatbedSimulator",),
            ),
        )
        ''',
    "drivers/flatbed/device.py": '''
        from typing import Any, ClassVar

        import serial

        from drivers.base import Action, Counters, Device, DeviceInfo, HealthLevel, Status


        class FlatbedScanner(Device):
            device_class: ClassVar[str] = "flatbed"
            transports: ClassVar[frozenset[str]] = frozenset({"serial"})

            def __init__(self, name: str, port: str, counters: Counters | None = None):
                super().__init__(name, counters)
                self.port = port
                self._serial: Any = None

            @classmethod
            def from_config(cls, name: str, cfg: Any, counters: Counters) -> "FlatbedScanner":
                return cls(name, cfg.port, counters)

            def _open(self) -> None:
                self._serial = serial.Serial(self.port, 9600, timeout=1)
                self._set_info(DeviceInfo(model="LiDE test"))
                self._look()

            def _look(self) -> None:
                self._serial.reset_input_buffer()
                self._serial.write(b"?\\n")
                line = self._serial.readline()
                if line.startswith(b"FLATBED LID"):
                    self._set_state(Status.USER_ERROR, problem="lid_open")
                    self._report_error("scanner lid open", Action.CLEAR, "lid_open")
                elif line.startswith(b"FLATBED"):
                    self._set_state(Status.ONLINE)
                    self.counters.incr("pages")
                else:
                    self._set_state(Status.OFFLINE, reason="no answer")

            def _close(self) -> None:
                self._serial.close()

            def _check_health(self, level: HealthLevel) -> str:
                self._look()
                return "OK" if self.status is Status.ONLINE else "lid open"
        ''',
    "drivers/flatbed/probe.py": '''
        import serial

        from drivers.manifest import Answer
        from drivers.probing import ask


        def ask_serial(port: serial.Serial, pty: bool) -> Answer | None:
            answer = ask(port, b"?\\n", complete=lambda a: a.endswith(b"\\n"))
            return Answer("flatbed scanner: ? -> FLATBED") if answer.startswith(b"FLATBED") else None
        ''',
    "flatbed_sim.py": '''
        import os
        import select
        import threading
        from pathlib import Path

        from simulators.pty import close_pty, open_pty


        class FlatbedSimulator:
            name = "flatbed"
            description = "flatbed scanner (a test's kind)"

            def __init__(self, workdir):
                self.link = Path(workdir) / "flatbed"
                self.lid_open = False
                self._stop = threading.Event()

            def start(self):
                self._master, self._slave = open_pty(self.link)
                self._thread = threading.Thread(target=self._serve, daemon=True)
                self._thread.start()

            def _serve(self):
                buf = b""
                while not self._stop.is_set():
                    if not select.select([self._master], [], [], 0.05)[0]:
                        continue
                    try:
                        buf += os.read(self._master, 256)
                    except OSError:
                        return
                    while b"\\n" in buf:  # other probes' questions come first: only "?" is answered
                        line, _, buf = buf.partition(b"\\n")
                        if line.endswith(b"?"):
                            os.write(self._master, b"FLATBED LID\\n" if self.lid_open else b"FLATBED OK\\n")

            def stop(self):
                self._stop.set()
                self._thread.join(2)
                close_pty(self.link, self._master, self._slave)

            def where(self):
                return str(self.link)

            def config_patch(self):
                return {"devices": {"flatbed": {"driver": "flatbed.serial", "port": str(self.link)}}}

            def control(self, action, **params):
                if action != "lid":
                    raise ValueError("flatbed: the one action is lid")
                self.lid_open = bool(params.get("open"))
                return {"lid_open": self.lid_open}
        ''',
}


@pytest.fixture
def new_kind(tmp_path, monkeypatch):
    """The new kind's files, where a driver package and a simulator module
    are looked for (the drivers package's path, and sys.path)."""
    for name, text in NEW_KIND_FILES.items():
        path = tmp_path / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    monkeypatch.setattr(drivers, "__path__", [*drivers.__path__, str(tmp_path / "src" / "drivers")])
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    kinds.rediscover()
    yield tmp_path / "src"
    kinds.rediscover()
    for module in [m for m in sys.modules if m.startswith("drivers.flatbed") or m == "flatbed_sim"]:
        del sys.modules[module]


def test_a_new_kind_is_its_driver_package_and_its_simulator(new_kind, tmp_path):
    from kiosk import config
    from kiosk.commands.doctor import doctor_report
    from kiosk.devices import advice
    from kiosk.devices.availability import decide
    from kiosk.devices.health_log import counter_label
    from kiosk.devices.owner import DeviceOwner
    from kiosk.devices.peripherals import render_rules
    from kiosk.devices.probe import Candidate, Found, probe_serial
    from kiosk.ops import docs_gen
    from kiosk.ops.metrics import registry_for
    from kiosk.ops.provision import Layout, Provisioner
    from simulators.hut import Hut, simulator_targets
    from tests.kiosk.test_operator_docs import codes_reported_in

    assert sorted(str(p.relative_to(new_kind)) for p in new_kind.rglob("*.py")) == sorted(NEW_KIND_FILES)
    assert kinds.kind_of("flatbed.serial") == "flatbed" and "flatbed_sim:FlatbedSimulator" in simulator_targets()
    assert codes_reported_in(new_kind / "drivers" / "flatbed") == {"lid_open"}  # the drift check sees it too

    with Hut(tmp_path / "hut", only=["flatbed"]) as hut:
        settings = config.load(hut.config_path)  # the config accepts the new driver name
        assert settings.devices["flatbed"].driver == "flatbed.serial"

        # provision: asked after the printer's and the SAM's questions, it answers its own
        found = probe_serial(Candidate(hut["flatbed"].where(), "serial"))
        assert isinstance(found, Found) and found.kind == "flatbed" and found.result == "flatbed scanner: ? -> FLATBED"
        written = Provisioner(Layout(tmp_path / "root")).config_text({}, [found], terminal_id="T", name="",
                                                                      platform_url="https://p")
        assert b'[devices.flatbed]\ndriver = "flatbed.serial"' in written
        assert 'ATTRS{idVendor}=="04a9", ATTRS{idProduct}=="1905", SYMLINK+="kiosk/flatbed"' in render_rules()

        # the app's owner: it counts for scanning, its counters and status reach the metrics
        with DeviceOwner(settings, snapshot_dir=settings.paths.state_dir) as owner:
            owner.wait_settled()
            assert owner.record("flatbed").status == "online"
            assert decide(owner.records().values()).scan
            hut.control("flatbed", "lid", open=True)
            owner.check_health("flatbed", HealthLevel.INTERNAL)
            assert not decide(owner.records().values()).scan
            owner.write_snapshot()
            scraped = generate_latest(registry_for(settings)).decode()
        assert 'kiosk_device_status{device="flatbed",kind="flatbed",status="user_error"} 1.0' in scraped
        assert 'kiosk_device_events_total{counter="pages",device="flatbed"}' in scraped

        # doctor (the app not running: it opens the device itself) in the kind's own words
        row = next(r for r in doctor_report(settings, probe_platform=False)["devices"] if r["name"] == "flatbed")
        assert row["advice"] == {"zh": "合上扫描仪盖", "en": "close the scanner lid", "who": "staff"}
        assert counter_label("pages") == "扫描页数 pages scanned"
        assert advice.problem("lid_open", "flatbed") == advice.problems()["lid_open"]

    # the generated operator docs list it
    assert "| flatbed | 平板扫描仪 / flatbed scanner | `flatbed.serial` | flatbed | scan |" in docs_gen.kinds_table()
    assert "`/dev/kiosk/flatbed`" in docs_gen.peripherals_table()
    assert "| `lid_open` | 平板扫描仪 | 合上扫描仪盖 | close the scanner lid |" in docs_gen.problem_table()
    assert "| `pages` | 扫描页数 | pages scanned | 平板扫描仪 |" in docs_gen.counters_table()


def test_without_the_package_the_kind_is_unknown():
    assert kinds.kind("flatbed") is None and "flatbed.serial" not in kinds.drivers_by_name()
