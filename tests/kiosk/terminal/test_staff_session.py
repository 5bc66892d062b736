"""The staff's screen on the kiosk, in process: entering by staff card or by
the long press and the PIN, what it shows, its actions and their audit lines,
leaving; a card that is not a staff card, a revoked one, an out-of-date list,
five wrong PINs; a self-test refused while a resident's print holds the
printer, the printer out of paper; and a staff card during a visit (it waits for the visit's end)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from drivers.base import DeviceEvent, DeviceInfo, Status
from kiosk.ops.maintenance_tasks import AuditLog
from kiosk.ops.staff import staff_card_hash
from kiosk.ops.staff_gate import LocalGate, RevocationCache, RevocationList, card_fingerprint
from kiosk.secrets_file import load_maintenance, write_secrets_file
from kiosk.terminal import staff as staff_mod
from kiosk.terminal.staff import Confirm, Power, StaffPhase
from kiosk.terminal.view import TerminalState
from tests.terminal_kit import DEVICES, FakeCardReader, TerminalKit, to_identify

STAFF_UID = bytes.fromhex("04A1B2C3D4E580")
OTHER_UID = bytes.fromhex("04FFEEDDCCBB01")
PIN = "246810"
STAFF_READER = """
[devices.staffcard]
driver = "smartcard.pcsc"
port = "Virtual PCD 00 01"
options = {reads = "staff_uid"}
"""


class FakeStaffReader(FakeCardReader):
    """The staff card reader at the driver interface: a UID, then taken away."""

    device_class = "smartcard"

    def _open(self) -> None:
        self._set_info(DeviceInfo("FAKE", "0002", "1.0", frozenset({"staff_card_uid"})))
        self._set_state(Status.ONLINE)

    def place(self, record: object) -> None:
        self.record = record
        self.publish(DeviceEvent(self.name, "card_present"), DeviceEvent(self.name, "staff_card", record))


class Recorder:
    def __init__(self) -> None:
        self.commands: list[list[str]] = []
        self.restarts = 0

    def run(self, args: list[str], **_kw: object) -> object:
        self.commands.append(list(args))
        return type("Done", (), {"returncode": 0, "stderr": ""})()

    def restart(self) -> None:
        self.restarts += 1


@pytest.fixture
def hut(make_settings, tmp_path):
    """A terminal with a staff card reader, one enrolled staff card, the PIN
    set, a fresh revocation list from the platform, and recorded power commands."""
    made = []

    def make(extra: str = "", list_age: float = 0.0, revoked: tuple[bytes, ...] = (),
             devices: tuple[str, ...] = ()) -> tuple[TerminalKit, Recorder]:
        settings = make_settings(DEVICES + STAFF_READER + extra)
        write_secrets_file(settings.paths.secrets_file, pin=PIN)
        key = load_maintenance(settings.paths.secrets_file).staff_card_key
        write_secrets_file(settings.paths.secrets_file, staff_cards=(staff_card_hash(STAFF_UID, key),))
        settings.paths.state_dir.mkdir(parents=True, exist_ok=True)
        RevocationCache(settings.paths.state_dir).store(
            RevocationList(4, frozenset(card_fingerprint(uid) for uid in revoked), time.time() - list_age))
        kit = TerminalKit(settings, devices=("idcard", "ssc", "printer", "camera", "front_camera", "speaker", *devices))
        kit.staff_reader = FakeStaffReader("staffcard")
        kit.devices["staffcard"] = kit.staff_reader
        recorder = Recorder()
        session = kit.terminal.staff
        session.gate = LocalGate(settings)
        session.revocations = session.gate.revocations
        session.power = Power(restart_app=recorder.restart, run=recorder.run)
        kit.__enter__()
        made.append(kit)
        return kit, recorder

    yield make
    for kit in made:
        kit.__exit__(None, None, None)


def audit(kit: TerminalKit) -> list[tuple[str, str, str, str]]:
    return [(e.operator, e.action, e.target, e.result) for e in AuditLog(kit.terminal.settings.admin_dir).entries()]


def enter_by_card(kit: TerminalKit) -> None:
    kit.staff_reader.place(STAFF_UID)
    kit.run_until(lambda: kit.view.staff.phase is StaffPhase.OPEN, "the staff screen")


def test_the_staff_card_opens_the_staff_screen_and_taking_it_leaves(hut):
    kit, _ = hut()
    assert kit.view.state is TerminalState.HOME
    enter_by_card(kit)
    view = kit.view
    assert view.screen == "staff" and view.staff.by_card
    operator = view.staff.operator
    key = load_maintenance(kit.terminal.settings.paths.secrets_file).staff_card_key
    assert operator == "card " + staff_card_hash(STAFF_UID, key)[:12]
    assert STAFF_UID.hex() not in operator.lower()
    # Every device, with doctor's advice, its counters' words; the system's facts.
    names = [d.name for d in view.staff.devices]
    assert names == list(kit.terminal.settings.devices)
    printer = next(d for d in view.staff.devices if d.name == "printer")
    assert (printer.status, printer.advice_zh, printer.advice_en, printer.who) == ("online", "正常", "working", "none")
    assert view.staff.system.version and view.staff.system.free_bytes and view.staff.system.app_seconds >= 0
    kit.staff_reader.take()
    kit.run_until(lambda: kit.view.state is TerminalState.HOME, "home after the card was taken")
    assert [a[1] for a in audit(kit)] == ["enter", "leave"]
    assert audit(kit)[-1] == (operator, "leave", "staff screen", "card removed")


def test_each_card_reader_is_named_by_the_card_it_reads(hut):
    kit, _ = hut()
    enter_by_card(kit)
    words = {d.name: (d.kind_zh, d.kind_en) for d in kit.view.staff.devices}
    assert words["staffcard"] == ("工作卡读卡器", "staff card reader")
    assert words["ssc"] == ("社保卡读卡器", "social security card reader")


def test_a_device_in_error_shows_doctors_advice_and_its_last_error(hut):
    kit, _ = hut()
    kit.printer.publish_state(Status.USER_ERROR, problem="paper_out")
    enter_by_card(kit)
    printer = next(d for d in kit.view.staff.devices if d.name == "printer")
    from kiosk.devices import advice

    tip = advice.for_device("user_error", {"problem": "paper_out"}, None, kind="printer")
    assert (printer.status, printer.advice_zh, printer.advice_en) == ("user_error", tip.zh, tip.en)
    assert printer.who == "staff" and not printer.well


def test_a_card_that_is_not_a_staff_card_is_refused_in_words(hut):
    kit, _ = hut()
    kit.staff_reader.place(OTHER_UID)
    kit.run_until(lambda: kit.view.staff.phase is StaffPhase.REFUSED, "the refusal")
    assert kit.view.screen == "staff" and kit.view.staff.notice == staff_mod.NOT_STAFF
    assert kit.view.staff.devices == ()   # nothing of the terminal shown
    kit.staff_reader.take()
    kit.run_until(lambda: kit.view.state is TerminalState.HOME, "home")


def test_a_revoked_staff_card_is_refused_and_audited(hut):
    kit, _ = hut(revoked=(STAFF_UID,))
    kit.staff_reader.place(STAFF_UID)
    kit.run_until(lambda: kit.view.staff.phase is StaffPhase.REFUSED, "the refusal")
    assert kit.view.staff.notice == staff_mod.REVOKED
    assert audit(kit)[-1][1:] == ("enter", "staff screen", "refused: revoked")
    kit.terminal.home("resident")   # 返回
    assert kit.view.state is TerminalState.HOME


def test_an_old_list_refuses_the_card_offline_but_the_pin_works(hut):
    kit, _ = hut(list_age=2 * 24 * 3600)   # the platform unreachable (the kit's client is None) for two days
    kit.staff_reader.place(STAFF_UID)
    kit.run_until(lambda: kit.view.staff.phase is StaffPhase.REFUSED, "the refusal")
    assert kit.view.staff.notice == staff_mod.LIST_STALE
    kit.terminal.home("resident")
    assert kit.terminal.open_staff_pin()
    for key in PIN:
        kit.terminal.staff.pin_key(key)
    assert kit.view.staff.pin_length == len(PIN)
    kit.terminal.staff.pin_key("ok")
    kit.run_until(lambda: kit.view.staff.phase is StaffPhase.OPEN, "the staff screen by PIN")
    assert kit.view.staff.operator == "PIN" and not kit.view.staff.by_card


def test_five_wrong_pins_lock_with_the_minutes_in_words(hut):
    kit, _ = hut()
    t = kit.terminal
    assert t.open_staff_pin()
    for tries_left in (4, 3, 2, 1):
        t.staff.submit_pin("000000")
        kit.run_until(lambda: t.staff.view.phase is StaffPhase.PIN and t.staff.view.notice, "the answer")
        assert (t.staff.view.notice, t.staff.view.args) == (staff_mod.WRONG_PIN, {"tries": tries_left})
        t.staff._set(notice="")
    t.staff.submit_pin("000000")
    kit.run_until(lambda: t.staff.view.phase is StaffPhase.REFUSED, "the lock")
    assert (t.staff.view.notice, t.staff.view.args) == (staff_mod.LOCKED, {"minutes": 5})
    t.home("resident")
    assert t.open_staff_pin()
    t.staff.submit_pin(PIN)   # the right PIN during the lock: still refused
    kit.run_until(lambda: t.staff.view.phase is StaffPhase.REFUSED, "refused while locked")
    assert t.staff.view.notice == staff_mod.LOCKED


def test_a_staff_card_during_a_visit_never_interrupts_it_and_opens_the_staff_screen_after(hut):
    kit, _ = hut()
    to_identify(kit)
    kit.staff_reader.place(STAFF_UID)
    kit.settle()
    assert kit.view.state is TerminalState.SERVICE and kit.view.staff.phase is StaffPhase.NONE
    assert kit.view.staff_card_note                      # not silent: "opens when this visit ends"
    kit.terminal.close_staff_card_note()
    assert not kit.view.staff_card_note and kit.view.state is TerminalState.SERVICE
    assert not kit.terminal.open_staff_pin()
    assert audit(kit) == []
    kit.terminal.home("resident")                         # the resident is done; the card still lies there
    kit.run_until(lambda: kit.view.staff.phase is StaffPhase.OPEN, "the staff screen after the visit")
    assert [a[1] for a in audit(kit)] == ["enter"]


def test_a_staff_card_taken_away_during_the_visit_opens_nothing_after(hut):
    kit, _ = hut()
    to_identify(kit)
    kit.staff_reader.place(STAFF_UID)
    kit.settle()
    assert kit.view.staff_card_note
    kit.staff_reader.take()
    kit.settle()
    assert not kit.view.staff_card_note and kit.view.state is TerminalState.SERVICE
    kit.terminal.home("resident")
    kit.settle()
    assert kit.view.state is TerminalState.HOME and audit(kit) == []


def test_self_test_prints_the_slip_and_is_audited(hut):
    kit, _ = hut()
    printed = []
    kit.printer._check_health = lambda level: printed.append(level) or "OK"
    enter_by_card(kit)
    kit.terminal.staff.self_test("printer")
    kit.run_until(lambda: kit.view.staff.testing == "" and kit.terminal.staff._results.get("printer"), "the test")
    assert [str(level) for level in printed] == ["external"]
    line = next(d for d in kit.view.staff.devices if d.name == "printer")
    assert line.test == "OK"
    assert audit(kit)[-1][1:] == ("self_test:external", "printer", "OK")


def test_the_printer_out_of_paper_during_the_test_slip_says_so_in_its_words(hut):
    kit, _ = hut()
    words = "缺纸：请装入新纸卷 / paper out: load a new roll"
    kit.printer._check_health = lambda level: words
    enter_by_card(kit)
    kit.terminal.staff.self_test("printer")
    kit.run_until(lambda: "printer" in kit.terminal.staff._results, "the test")
    assert kit.view.staff.detail == words and kit.view.staff.args["result"] == words
    assert audit(kit)[-1] == (kit.view.staff.operator, "self_test:external", "printer", words)


def test_a_self_test_on_a_device_a_resident_flow_holds_is_refused(hut):
    kit, _ = hut()
    enter_by_card(kit)
    with kit.printer.exclusive("print"):   # a resident's slip still printing
        kit.terminal.staff.self_test("printer")
    assert kit.view.staff.notice == staff_mod.IN_USE and kit.view.staff.args == {"device": "printer"}
    assert audit(kit)[-1][1:] == ("self_test", "printer", "refused: in use by print")


def test_a_health_device_takes_the_staff_members_measurement(hut):
    from tests.terminal_kit import HEALTH_DEVICES

    kit, _ = hut(extra=HEALTH_DEVICES, devices=("bp", "scale", "thermometer", "glucometer", "oximeter"))
    enter_by_card(kit)
    kit.terminal.staff.self_test("bp")
    assert kit.view.staff.testing == "bp" and kit.health["bp"].measuring
    assert kit.view.staff.notice == staff_mod.MEASURE_NOW
    kit.clock.advance(kit.terminal.settings.timeouts.idle_seconds + 5)   # the worker sits for the cuff
    kit.terminal.tick()
    assert kit.view.screen == "staff" and kit.view.staff.testing == "bp"
    kit.health["bp"].deliver(systolic=121, diastolic=79, pulse=66)
    kit.run_until(lambda: kit.view.staff.testing == "", "the measurement")
    line = next(d for d in kit.view.staff.devices if d.name == "bp")
    assert line.test.startswith("OK") and "121" in line.test
    assert audit(kit)[-1][1:3] == ("self_test:external", "bp")
    assert "121" not in "".join(a[3] for a in audit(kit)[:-1])   # only the test's own line holds the values


def test_requeue_restart_and_reboot_with_a_second_confirmation(hut):
    from kiosk.outbox.store import Outbox

    kit, recorder = hut()
    settings = kit.terminal.settings
    outbox = Outbox.from_settings(settings)
    serial = outbox.enqueue("application", {"x": 1}).serial
    item = outbox.next_due()
    assert item is not None
    outbox.dead_letter(item, "VALIDATION")
    outbox.close()
    enter_by_card(kit)
    staff = kit.terminal.staff
    assert kit.view.staff.outbox.dead == 1 and kit.view.staff.outbox.dead_letters[0][0] == serial
    staff.requeue_dead()
    assert kit.view.staff.outbox.dead == 0 and kit.view.staff.outbox.pending == 1
    assert (staff.view.notice, staff.view.args) == (staff_mod.REQUEUED, {"count": 1})
    staff.ask_reboot()
    assert kit.view.staff.confirm is Confirm.REBOOT
    staff.confirm()
    assert kit.view.staff.confirm is Confirm.REBOOT_AGAIN and recorder.commands == []
    staff.confirm()
    assert recorder.commands == [["systemctl", "reboot"]]
    staff.ask_restart()
    staff.cancel_confirm()
    assert recorder.restarts == 0
    staff.ask_restart()
    staff.confirm()
    assert recorder.restarts == 1 and kit.view.state is TerminalState.HOME
    actions = [a[1:3] for a in audit(kit)]
    assert actions[-4:] == [("requeue", serial), ("reboot", "terminal"), ("restart", "kiosk app"),
                            ("leave", "staff screen")]


def test_the_idle_timeout_leaves_the_staff_screen(hut):
    kit, _ = hut()
    enter_by_card(kit)
    kit.clock.advance(kit.terminal.settings.timeouts.idle_seconds + 1)
    kit.run_until(lambda: kit.view.state is TerminalState.HOME, "home after the timeout")
    assert audit(kit)[-1][1:] == ("leave", "staff screen", "timeout")


def test_the_uid_never_reaches_the_audit_log_or_the_state_folder(hut):
    kit, _ = hut()
    enter_by_card(kit)
    kit.terminal.home("resident")
    admin, state = kit.terminal.settings.admin_dir, kit.terminal.settings.paths.state_dir
    for folder in (admin, state):
        for path in Path(folder).rglob("*"):
            if path.is_file():
                assert STAFF_UID.hex() not in path.read_bytes().hex(), path


def test_the_app_state_says_staff_while_the_screen_is_open(hut):
    from kiosk.ops.app_state import read_app_state

    kit, _ = hut()
    enter_by_card(kit)
    kit.terminal.write_app_state()
    state = read_app_state(kit.terminal.settings.paths.state_dir, 60)
    assert state is not None and state[0].mode == "staff"




def test_the_document_cameras_self_test_shows_its_live_picture_and_finds_a_page(hut):
    from tests.terminal_kit import page_scene

    kit, _ = hut()
    enter_by_card(kit)
    staff = kit.terminal.staff
    staff.self_test("camera")
    assert kit.view.staff.camera == "camera" and kit.view.staff.notice == staff_mod.CAMERA_LIVE
    kit.run_until(lambda: staff.live is not None and staff.live.latest_frame() is not None, "the live picture")
    kit.camera.show(page_scene())
    kit.run_until(lambda: staff._results.get("camera", "").startswith("OK"), "the page found", timeout=30)
    staff.close_camera()
    assert kit.view.staff.camera == "" and staff.live is None
    assert audit(kit)[-1][1:] == ("self_test:camera", "camera", "page found")


def test_where_this_process_cannot_read_the_maintenance_file_the_screen_says_so(hut):
    kit, _ = hut()
    kit.terminal.settings.paths.secrets_file.with_name("maintenance.toml").unlink()
    kit.terminal.staff.gate._secrets = None
    kit.staff_reader.place(STAFF_UID)
    kit.run_until(lambda: kit.view.staff.phase is StaffPhase.REFUSED, "the refusal")
    assert kit.view.staff.notice == staff_mod.GATE_UNAVAILABLE
    kit.terminal.home("resident")
    assert kit.terminal.open_staff_pin()
    kit.terminal.staff.submit_pin(PIN)
    kit.run_until(lambda: kit.view.staff.phase is StaffPhase.REFUSED, "the refusal of the PIN")
    assert kit.view.staff.notice == staff_mod.GATE_UNAVAILABLE


def test_a_card_the_staff_reader_cannot_read_is_not_a_staff_card(hut):
    from drivers.base import Action, DeviceError

    kit, _ = hut()
    kit.staff_reader.publish(DeviceEvent("staffcard", "card_present"),
                             DeviceError("staffcard", "读不到卡号 / the reader returned no card UID", Action.CLEAR,
                                         "sw_6A81"))
    kit.run_until(lambda: kit.view.staff.phase is StaffPhase.REFUSED, "the refusal")
    assert kit.view.staff.notice == staff_mod.NOT_STAFF
    kit.staff_reader.take()
    kit.run_until(lambda: kit.view.state is TerminalState.HOME, "home after the card was taken")
    to_identify(kit)   # during a visit the same card changes nothing
    kit.staff_reader.publish(DeviceError("staffcard", "no UID", Action.CLEAR, "sw_6A81"))
    kit.settle()
    assert kit.view.state is TerminalState.SERVICE
