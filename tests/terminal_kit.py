"""The terminal in process, as the app runs it, with devices faked at the driver interface.

``TerminalKit`` builds ``kiosk.terminal.Terminal`` exactly as the Kivy app
does (same class, same device owner, same flows), on an ``EventLoop`` instead
of Kivy's clock, with a fake clock for the idle timer, the voice writing
nothing, and fake devices that publish the events a real driver publishes
from its own thread: an ID card reader and a social security card reader
(cards placed and taken), a document camera streaming a rendered scene (a
page on the tray, so the real page detector and auto-capture run), a front
camera, and a receipt printer that keeps its slips.  Tests drive intents and
read the terminal's one view, as the screens do.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from drivers.base import Device, DeviceEvent, DeviceInfo, Status
from drivers.idcard.records import CardType, IdCardRecord
from drivers.smartcard.records import SocialSecurityRecord
from kiosk.devices.owner import DeviceOwner
from kiosk.filing.catalog import Catalog
from kiosk.flows.service import Step
from kiosk.terminal.loop import EventLoop
from kiosk.terminal.terminal import Terminal
from kiosk.terminal.view import TerminalView
from kiosk.terminal.voice import Speaker
from simulators.platform.app import load_catalog_document

CATALOG = Catalog.from_dict(load_catalog_document())

DEVICES = """
[devices.idcard]
driver = "idcard.sam"
port = "/dev/null"
[devices.ssc]
driver = "smartcard.pcsc"
port = "Virtual PCD 00 00"
[devices.printer]
driver = "printer.escpos"
url = "tcp://127.0.0.1:9"
[devices.camera]
driver = "camera.uvc"
url = "http://127.0.0.1:9/video.mjpg"
[devices.front_camera]
driver = "face_camera.uvc"
url = "http://127.0.0.1:9/front.mjpg"
[devices.speaker]
driver = "speaker.alsa"
port = "/dev/null"
"""


def card(name: str = "王秀兰", id_number: str = "110105194412310023", birth_date: dt.date = dt.date(1944, 12, 31),
         **kw: Any) -> IdCardRecord:
    """An ID card of an 81-year-old (old enough for every matter of the reference catalog)."""
    return IdCardRecord(card_type=CardType.RESIDENT, name=name, gender_code="2", birth_date=birth_date,
                        id_number=id_number, valid_from=dt.date(2015, 1, 1), valid_to="长期", id_number_valid=True,
                        address="黑龙江省哈尔滨市平房区友协大街1号", **kw)


def social_security_card(name: str = "李建国", id_number: str = "230108194403151231") -> SocialSecurityRecord:
    return SocialSecurityRecord(card_type=CardType.SOCIAL_SECURITY, name=name, gender_code="1",
                                birth_date=dt.date(1944, 3, 15), id_number=id_number, valid_from=dt.date(2019, 1, 1),
                                valid_to=dt.date(2029, 1, 1), id_number_valid=True, card_number="A12345678",
                                region_code="230100")


class FakeDevice(Device):
    """A driver whose events a test publishes from a thread of its own, as a
    driver's transport thread sends them."""

    device_class = "device"
    capabilities: frozenset[str] = frozenset()

    def _open(self) -> None:
        self._set_info(DeviceInfo("FAKE", "0001", "1.0", self.capabilities))
        self._set_state(Status.ONLINE)

    def _close(self) -> None:
        self._set_state(Status.OFFLINE)

    def _check_health(self, level: Any) -> str:
        return "OK"

    def publish(self, *events: Any) -> None:
        def send() -> None:
            for event in events:
                self._publish(event)
        thread = threading.Thread(target=send)
        thread.start()
        thread.join()

    def publish_state(self, status: Status, **detail: Any) -> None:
        thread = threading.Thread(target=lambda: self._set_state(status, **detail))
        thread.start()
        thread.join()

    def unplug(self) -> None:
        self.publish_state(Status.NO_DEVICE)

    def replug(self) -> None:
        self.publish_state(Status.ONLINE)


class FakeCardReader(FakeDevice):
    """An ID card reader: ``place(record)`` and ``take()`` as a resident does."""

    device_class = "idcard"

    def __init__(self, name: str):
        super().__init__(name)
        self.record: Any = None
        self.reads = 0

    def place(self, record: Any) -> None:
        self.record = record
        self.publish(DeviceEvent(self.name, "card_present"), DeviceEvent(self.name, "record", record))

    def take(self) -> None:
        self.record = None
        self.publish(DeviceEvent(self.name, "card_removed"))

    def read_again(self) -> None:
        if self.record is not None:
            self.reads += 1
            self.publish(DeviceEvent(self.name, "record", self.record))

    def remind_if_present(self) -> bool:
        if self.record is not None:
            self.publish(DeviceEvent(self.name, "card_left"))
            return True
        return False


class FakeSocialSecurityReader(FakeCardReader):
    device_class = "smartcard"
    capabilities = frozenset({"social_security_card"})


class FakeCodeScanner(FakeDevice):
    """The 2D code scanner under the screen: ``show(text)`` as a resident holds a phone under it."""

    device_class = "code_scanner"
    capabilities = frozenset({"code"})

    def show(self, text: str) -> None:
        self.publish(DeviceEvent(self.name, "code", text))


CODE_SCANNER = """
[devices.code_scanner]
driver = "code_scanner.serial"
port = "/dev/null"
"""


@dataclass
class Frame:
    image: np.ndarray = field(repr=False)
    seq: int
    at: float


class FakeCamera(FakeDevice):
    """A camera streaming one picture at about 30 frames a second (``show``
    another, ``empty`` tray); ``latest``/``next_frame`` as the driver's."""

    device_class = "camera"

    def __init__(self, name: str, image: np.ndarray | None = None):
        super().__init__(name)
        self.image = image if image is not None else empty_tray()
        self._seq = 0
        self._lock = threading.Lock()

    def show(self, image: np.ndarray) -> None:
        with self._lock:
            self.image = image

    def latest(self) -> Frame | None:
        if self.status is not Status.ONLINE:
            return None
        with self._lock:
            return Frame(self.image, self._seq, time.monotonic())

    def next_frame(self, after: int = 0, timeout: float = 2.0) -> Frame | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.status is Status.ONLINE:
                time.sleep(1 / 30)
                with self._lock:
                    self._seq += 1
                    return Frame(self.image, self._seq, time.monotonic())
            time.sleep(0.05)
        return None


class FakeFrontCamera(FakeCamera):
    device_class = "face_camera"


class FakeSpeaker(FakeDevice):
    """The speaker the voice plays on (its volume: the hut's, espeak-ng's amplitude)."""

    device_class = "speaker"
    capabilities = frozenset({"voice"})
    volume = 120


class FakePrinter(FakeDevice):
    """A receipt printer that keeps each slip (``fail``: it reports a failed job)."""

    device_class = "printer"

    def __init__(self, name: str):
        super().__init__(name)
        self.fail = False
        self.printed: list[Any] = []

    def print_receipt(self, receipt: Any, holder: str = "print", job_id: str | None = None, wait: float = 5.0) -> Any:
        self.printed.append(receipt)
        return type("JobResult", (), {"ok": not self.fail})()


class FakeHealthDevice(FakeDevice):
    """A health device at the driver interface (drivers.health.device): a
    measurement starts on ``start_measurement`` and ends when the test sends
    ``deliver`` (records) or ``fail`` (a fault name of drivers.health.device.FAULTS)."""

    device_class = "health"

    def __init__(self, name: str, measures: frozenset[Any], model: str = "FAKE"):
        super().__init__(name)
        self.measures = measures
        self.model = model
        self.measuring = False
        self.started = 0
        self.cancelled = 0

    def start_measurement(self, timeout: float | None = None) -> None:
        from drivers.base import Action, DeviceFailure

        if self.state.status is not Status.ONLINE:
            raise DeviceFailure(f"{self.name}: not online", Action.MAINTENANCE, "no_device")
        self.measuring = True
        self.started += 1

    def cancel_measurement(self) -> None:
        if self.measuring:
            self.measuring = False
            self.cancelled += 1

    def progress(self, step: str, **live: float) -> None:
        """``progress("inflating", cuff_pressure=120)``: a step, with what the device shows meanwhile."""
        from drivers.health.device import PROGRESS, Progress
        from drivers.health.records import LiveKind

        pairs = tuple((LiveKind(kind), float(value)) for kind, value in live.items())
        self.publish(DeviceEvent(self.name, "progress", Progress(step, *PROGRESS[step], live=pairs)))

    def deliver(self, **values: float) -> None:
        """``deliver(systolic=128, diastolic=82, pulse=70)``: one reading in the kinds' units."""
        from drivers.health.records import Kind, measurement

        now = dt.datetime.now().replace(microsecond=0)
        records = tuple(measurement(Kind(k), v, b"", time=now).with_source(f"{self.name} ({self.model})", now)
                        for k, v in values.items())
        self.measuring = False
        self.publish(DeviceEvent(self.name, "measurement", records))

    def fail(self, reason: str) -> None:
        from drivers.health.device import failure

        self.measuring = False
        self.publish(DeviceEvent(self.name, "measurement_failed", failure(reason)))


def health_devices() -> dict[str, FakeHealthDevice]:
    """The hut's five health devices, as the virtual hut configures them."""
    from drivers.health.records import Kind

    return {"bp": FakeHealthDevice("bp", frozenset({Kind.SYSTOLIC, Kind.DIASTOLIC, Kind.PULSE})),
            "scale": FakeHealthDevice("scale", frozenset({Kind.WEIGHT, Kind.HEIGHT, Kind.BMI})),
            "thermometer": FakeHealthDevice("thermometer", frozenset({Kind.TEMPERATURE})),
            "oximeter": FakeHealthDevice("oximeter", frozenset({Kind.SPO2, Kind.PULSE})),
            "glucometer": FakeHealthDevice("glucometer", frozenset({Kind.GLUCOSE}))}


HEALTH_DEVICES = "".join(f"""
[devices.{name}]
driver = "health.line"
port = "/dev/null"
options = {{preset = "and-standard"}}
""" for name in ("bp", "scale", "thermometer", "glucometer")) + """
[devices.oximeter]
driver = "health.cms50d"
port = "/dev/null"
"""


def empty_tray() -> np.ndarray:
    return np.full((1080, 1920, 3), 40, np.uint8)


def page_scene(seed: int = 3) -> np.ndarray:
    """A clean A4 page on the dark tray (the real detector finds it)."""
    from simulators.camera.scenes import render_scene

    return render_scene(seed, kind="dark", doc="a4", conditions=()).image


# The kit's voice is a HeardSpeaker (below): a test never starts espeak-ng (the end
# of a visit switches the voice back on; the tiers guard fails a test that starts a
# process unmarked).  Tests of espeak-ng's command line pass a Speaker with a recording popen.


class SaidAtOnce:
    """What a recording popen returns instead of an espeak-ng process: an
    utterance already said (no process, so the test stays in process)."""

    returncode = 0

    def poll(self) -> int:
        return 0

    def wait(self, timeout: float | None = None) -> int:
        return 0

    def terminate(self) -> None:
        pass

    kill = terminate


def recording_popen(started: list[list[str]]) -> Callable[..., Any]:
    """A Speaker's popen that keeps each espeak-ng command line and starts nothing."""
    def popen(args: Any, **_kwargs: Any) -> SaidAtOnce:
        started.append(list(args))
        return SaidAtOnce()
    return popen


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class HeardSpeaker(Speaker):
    """The voice as a list of what it said (text, language): no espeak-ng process
    in the in-process tier, and a test can ask what a resident heard."""

    def __init__(self) -> None:
        super().__init__()
        self.said: list[tuple[str, str]] = []

    def say(self, text: str, lang: str = "zh_CN") -> bool:
        self.stop()
        if not self.enabled or not text.strip():
            return False
        self.said.append((text, lang))
        return True


class TerminalKit:
    """One terminal with its fake devices; ``run_until`` drains the loop."""

    def __init__(self, settings: Any, *, outbox: Any = None, client: Any = None, catalog: Any = CATALOG,
                 wait_seconds: float = 0.0, face_engine: Callable[[], Any] | None = None,
                 devices: tuple[str, ...] = ("idcard", "ssc", "printer", "camera", "front_camera", "speaker"),
                 speaker: Speaker | None = None):
        self.loop = EventLoop()
        self.clock = FakeClock()
        made: dict[str, Any] = {"idcard": FakeCardReader("idcard"), "ssc": FakeSocialSecurityReader("ssc"),
                                "printer": FakePrinter("printer"), "camera": FakeCamera("camera"),
                                "front_camera": FakeFrontCamera("front_camera"), "speaker": FakeSpeaker("speaker"),
                                "code_scanner": FakeCodeScanner("code_scanner"), **health_devices()}
        self.devices = {name: made[name] for name in devices}
        self.reader: FakeCardReader = made["idcard"]
        self.ssc: FakeSocialSecurityReader = made["ssc"]
        self.printer: FakePrinter = made["printer"]
        self.camera: FakeCamera = made["camera"]
        self.front_camera: FakeFrontCamera = made["front_camera"]
        self.speaker: FakeSpeaker = made["speaker"]
        self.scanner: FakeCodeScanner = made["code_scanner"]
        self.health: dict[str, FakeHealthDevice] = {k: v for k, v in made.items() if isinstance(v, FakeHealthDevice)}

        def build(_settings: Any, name: str) -> Any:
            from kiosk.errors import KioskError

            if name not in self.devices:
                raise KioskError(f"no fake device {name}")
            return self.devices[name]

        self.owner = DeviceOwner(settings, build=build)
        self.terminal = Terminal(settings, post=self.loop.post, owner=self.owner, clock=self.clock,
                                 speaker=speaker or HeardSpeaker(), outbox=outbox, client=client,
                                 catalog=(lambda: catalog), wait_seconds=wait_seconds, face_engine=face_engine)
        self.views: list[TerminalView] = []
        self.terminal.subscribe(self.views.append)

    def __enter__(self) -> TerminalKit:
        self.terminal.build()
        self.terminal.start()
        self.run_until(lambda: self.view.availability.id_card, "the devices to open")
        self.settle()
        return self

    def __exit__(self, *exc: object) -> None:
        self.terminal.stop()

    @property
    def view(self) -> TerminalView:
        return self.terminal.view

    @property
    def step(self) -> Step | None:
        return self.view.step

    @property
    def here(self) -> Any:
        """The machine the current step's screen talks to."""
        return self.terminal.presenter

    def run_until(self, condition: Callable[[], bool], what: str = "", timeout: float = 10.0) -> None:
        self.loop.run_until(condition, timeout=timeout, what=what, tick=self.terminal.tick)

    def settle(self) -> None:
        """Run what the devices and jobs posted so far."""
        for _ in range(3):
            self.loop.run_pending(wait=0.01)

    def at(self, step: Step, what: str = "", timeout: float = 10.0) -> None:
        self.run_until(lambda: self.step is step, what or f"the {step.value} step", timeout)


JPEG = b"\xff\xd8\xff\xe0" + b"page" * 100 + b"\xff\xd9"


def FACE_PASSED() -> Any:
    from kiosk.face.check import FaceCheckResult

    return FaceCheckResult(True, True, True, 0.41, 0.63, "passed")


def to_identify(kit: TerminalKit, code: str = "MZ-003") -> Any:
    """Open 自助办事, choose ``code``, start: the identify step."""
    from kiosk.flows.identify import IdentifyState

    t = kit.terminal
    t.open_service("approval")
    approval = t.flow("approval")
    assert approval.choice.choose(code)
    assert approval.start()
    assert kit.step is Step.IDENTIFY and t.identify.state in (IdentifyState.WAITING, IdentifyState.READER_UNAVAILABLE)
    return approval


def identify(kit: TerminalKit, record: Any = None, reader: Any = None) -> None:
    """Place the card and press Continue."""
    from kiosk.flows.identify import IdentifyState

    (reader or kit.reader).place(record if record is not None else card())
    kit.run_until(lambda: kit.terminal.identify.state is IdentifyState.IDENTIFIED, "the card to be read")
    assert kit.terminal.continue_()


def to_form(kit: TerminalKit, code: str = "MZ-003", record: Any = None) -> Any:
    """Choose ``code``, identify with ``record``, and for a matter with the face
    check pass it as the runner would report it (or skip it: no card photo)."""
    approval = to_identify(kit, code)
    approval.face_runner.close()   # a face check's attempt is reported by the test, as the runner would
    identify(kit, record)
    if kit.step is Step.FACE_CHECK:
        face = approval.face
        if face.consent():
            face.attempt_finished(FACE_PASSED(), at="2026-11-30T19:00:00+08:00")
        assert approval.face_continue()
    assert kit.step is Step.FORM
    return approval


def fill_form(approval: Any, phone: str = "13912345678") -> None:
    form = approval.form
    for f in form.view.fields:
        if not f.filled and f.required:
            value = {"phone": phone, "date": "2020-01-01", "integer": "2", "decimal": "1200"}.get(
                f.name if f.name == "phone" else f.type) or (f.choices[0] if f.choices else "平房区")
            assert form.set_field(f.name, value) is None, f.name
    assert form.done()


def scan_all(approval: Any) -> None:
    """Every paper one page, as the camera work reports a page taken."""
    papers = approval.papers
    while papers.view.current_paper:
        assert papers.page_taken(JPEG)
        papers.next_paper()


BOX = (900, 300)   # the signing box's size on the screen, in pixels


def name_strokes(box: tuple[int, int] = BOX, dx: float = 0.0) -> list[list[tuple[float, float, float]]]:
    """A written name as a finger draws it: three strokes of (x, y, t ms)
    across the middle of the box (``dx`` moves them sideways)."""
    w, h = box
    strokes, t = [], 1000.0
    for k in range(3):
        x0 = w * (0.15 + 0.25 * k) + dx
        points = []
        for i in range(24):
            u = i / 23
            points.append((x0 + u * w * 0.18, h * (0.35 + 0.3 * u) + h * 0.08 * math.sin(u * 9), t))
            t += 12
        strokes.append(points)
        t += 150
    return strokes


def sign(approval: Any, strokes: Any = None, box: tuple[int, int] = BOX) -> None:
    """Every document the matter asks to sign: 签名, a name drawn, 确认, 继续."""
    step = approval.sign
    while step.view.state.value in ("reading", "signed"):
        if step.view.state.value == "reading":
            assert step.sign()
            for stroke in (strokes or name_strokes(box)):
                assert step.add_stroke(stroke, box)
            assert step.confirm() is None
        assert step.proceed()


def to_review(kit: TerminalKit, code: str = "MZ-003", phone: str = "13912345678", record: Any = None) -> Any:
    approval = to_form(kit, code, record)
    fill_form(approval, phone)
    scan_all(approval)
    if kit.step is Step.SIGN:
        sign(approval)
    assert kit.step is Step.REVIEW
    return approval
