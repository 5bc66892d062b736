"""The filing screens measured on the widget tree: both orientations, both text sizes.

Each of the form's editors, the papers under the camera, a paper that stops
the filing, the review with both consents and the done screen with the
number to note down, reached through the flows' intents (a reader the app's
owner holds delivers the card) and measured with layout_check.
"""

import datetime as dt
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import cv2  # noqa: E402 - after the sys.path line above
import numpy as np  # noqa: E402 - after the sys.path line above
from layout_check import measure, primary_buttons  # noqa: E402 - after the sys.path line above
from probe_common import SETTLE, Until, laid_out, run, tap  # noqa: E402 - after the sys.path line above

import simulators.hut as hut_module  # noqa: E402 - after the sys.path line above
from drivers.base import Device, DeviceEvent, Status  # noqa: E402 - after sys.path above
from drivers.idcard.records import CardType, IdCardRecord  # noqa: E402 - after the sys.path line above
from kiosk.filing.live_scan import Shot  # noqa: E402 - after the sys.path line above
from simulators.demo.script import screenshot  # noqa: E402 - after the sys.path line above

PAGE_JPEG = bytes(cv2.imencode(".jpg", np.full((297, 210, 3), 245, np.uint8))[1])   # a blank A4 page
ORIENTATIONS = {"landscape": (1920, 1080), "portrait": (1080, 1920), "small": (1280, 800)}
# The low landscape window: the keypad whole and every fast tap kept; the corners' handles and buttons.
ONLY_IN_SMALL = ("form_keypad", "papers_adjust")
SCENES = ("face_consent", "face_challenge", "face_retry", "face_counter", "face_no_photo",
          "form_keypad", "form_pinyin", "form_phrases", "form_choices", "form_date", "papers_scan",
          "papers_check", "papers_adjust", "papers_camera_lost", "papers_cannot_file", "review", "done")


class Reader(Device):
    device_class = "idcard"

    def _close(self):
        pass   # the owner closes every device it holds when the app stops

    def read_again(self):
        pass

    def remind_if_present(self):
        return False


class FrontCamera(Device):
    """A front camera that is online and sends nothing (the step's layout, not its check)."""

    device_class = "face_camera"

    def _open(self):
        self._set_state(Status.ONLINE)

    def _close(self):
        self._set_state(Status.OFFLINE)

    def latest(self):
        return None

    def next_frame(self, after=0, timeout=2.0):
        threading.Event().wait(timeout)
        return None


class Engine:
    """A face engine that finds a face in anything (the card photo here)."""

    name = "layout"

    def find(self, rgb, upsample=0):
        from kiosk.face.engine import Face

        return Face((0, 0, 10, 10), np.zeros((68, 2), np.float32))

    def embed(self, rgb, face):
        return np.zeros(128)

    def distance(self, a, b):
        return 0.0


def card_photo():
    import cv2

    return cv2.imencode(".bmp", np.full((126, 102, 3), 200, np.uint8))[1].tobytes()


def publish(reader, *events):
    thread = threading.Thread(target=lambda: [reader._publish(e) for e in events])
    thread.start()
    thread.join()


RECORD = dict(card_type=CardType.RESIDENT, name="张三丰", gender_code="1", birth_date=dt.date(1950, 1, 1),
              id_number="230108195001011234", valid_from=dt.date(2015, 1, 1), valid_to="长期",
              id_number_valid=True, address="黑龙江省哈尔滨市香坊区幸福街道红旗小区12号楼3单元501室", photo=b"")


def identified(app, reader, code, record):
    """Home -> 自助办事 -> ``code`` -> Start -> the card -> Continue, through the intents."""
    app.go_home("resident")
    approval = app.terminal.flow("approval")
    app.open_service("approval")
    approval.choice.choose(code)
    approval.start()
    publish(reader, DeviceEvent("idcard", "card_present"), DeviceEvent("idcard", "record", record))
    yield Until(lambda: app.screens["identify"].state == "identified", "the card", 10)
    app.continue_service()


def to_face_check(app, reader, photo):
    yield from identified(app, reader, "MZ-001", IdCardRecord(**RECORD, photo_bmp=photo))
    yield Until(lambda: app.sm.current == "face_check", "the face check", 5)


def to_form(app, reader, code):
    approval = app.terminal.flow("approval")
    yield from identified(app, reader, code, IdCardRecord(**RECORD))
    if code == "MZ-001":  # the face check, skipped: this card carries no photo
        yield Until(lambda: approval.face.state.value == "no_photo", "the face check", 5)
        approval.face_continue()
    yield Until(lambda: app.sm.current == "form", "the form", 5)


def edit(form, name):
    form.choose(next(f for f in form.fields if f.name == name))


FAST_DIGITS = "13812345678"


def keypad_whole(form, window_size):
    """Is the form's keypad wholly on screen, outside any scrolled part (where a
    scroll view holds a tap back to tell it from a swipe)?"""
    from kivy.uix.scrollview import ScrollView

    keypad, parent, scrolled = form.ids.keypad, form.ids.keypad.parent, False
    while parent is not None and parent is not parent.parent:
        scrolled = scrolled or isinstance(parent, ScrollView)
        parent = parent.parent
    x, y = keypad.to_window(keypad.x, keypad.y)
    inside = x >= 0 and y >= 0 and x + keypad.width <= window_size[0] + 0.5 and y + keypad.height <= window_size[1] + 0.5
    return {"in_scroll": scrolled, "inside_window": inside}


def fast_taps(form):
    """The phone number tapped as fast as a finger can: every tap in the same frame,
    real touches through Kivy's input path.  -> what the keypad shows a second later."""
    import time

    keypad = form.ids.keypad
    while keypad.value:
        keypad.press("delete")
    yield laid_out()
    for digit in FAST_DIGITS:
        tap(keypad.ids[f"key{digit}"])
    since = time.monotonic()
    yield Until(lambda: keypad.value == FAST_DIGITS or time.monotonic() - since > 1.0, "the digits typed")
    return keypad.value


def scene(app, reader, name):
    form = app.screens["form"]
    approval = app.terminal.flow("approval")
    if name.startswith("face_"):
        from kiosk.face.check import FaceCheckResult

        yield from to_face_check(app, reader, b"" if name == "face_no_photo" else card_photo())
        face = approval.face
        if name == "face_counter":
            face.decline()
        elif name != "face_consent":
            face.consent()   # the challenge: the mirror waits for the camera
            if name == "face_retry":
                face.attempt_finished(FaceCheckResult(False, False, True, 0.5, 0.63, "not_live"), "2026-11-30T10:00")
        return
    if name.startswith("form_"):
        yield from to_form(app, reader, "LL-001" if name == "form_date" else "SQ-001")
        field = {"form_keypad": "phone", "form_pinyin": "purpose", "form_phrases": "purpose",
                 "form_choices": "certificate", "form_date": "birth_date"}[name]
        edit(form, field)
        if name == "form_pinyin":
            for letter in "banli":
                form.ids.pinyin.letter(letter)
            yield Until(lambda: bool(form.ids.pinyin.candidates), "candidates", 30)
        if name == "form_phrases":
            form.toggle_phrases()
        if name == "form_keypad":
            for key in "1381234":
                form.ids.keypad.press(key)
            form.enter_typed()   # the phone's problem words under the field
            edit(form, "phone")
        return
    if name in ("papers_scan", "papers_check", "papers_adjust", "papers_camera_lost", "papers_cannot_file"):
        yield from to_form(app, reader, "LL-001")
        approval.form.set_field("pickup", "社区领取")
        approval.form.set_field("phone", "13812345678")
        approval.form.done()
        papers = app.screens["papers"]
        yield Until(lambda: app.sm.current == "papers", "the papers", 5)
        if name in ("papers_scan", "papers_check", "papers_adjust"):
            yield Until(lambda: papers.camera_ready, "the live preview", 20)
        if name == "papers_check":   # a page taken: its check, with 'take it again', 'more pages', 'adjust the corners'
            approval.papers.page_taken(PAGE_JPEG, None, Shot(np.full((720, 1280, 3), 40, np.uint8), None))
            yield Until(lambda: papers.reviewing == 0, "the page on check", 10)
        elif name == "papers_adjust":   # corners by touch, by hand (no page found), an outline refused in words
            step = approval.papers
            assert step.adjust_corners()
            corners = step.view.adjusting.corners
            step.move_corner(0, *corners[1]), step.move_corner(1, *corners[0])
            step.confirm_corners()
            yield Until(lambda: papers.state == "adjusting" and papers.corner_problem[0], "the outline refused", 10)
        elif name == "papers_camera_lost":
            approval.papers.camera_changed(False)
            yield Until(lambda: papers.state == "camera_lost", "the camera lost", 10)
        else:
            assert approval.papers.view.current_paper == "id_card"
            approval.papers.dont_have()   # the ID card: this matter cannot be filed without it
        return
    yield from to_form(app, reader, "MZ-001")
    for field, value in (("household_size", "3"), ("monthly_income", "1850.5"), ("reason", "年老无依"),
                         ("phone", "13812345678")):
        approval.form.set_field(field, value)
    approval.form.done()
    while approval.papers.view.current_paper and approval.papers.state.value != "cannot_file":
        approval.papers.dont_have()   # each paper to scan: not at hand (brought later)
    approval.papers.proceed()
    if approval.state.value == "sign":   # the property declaration, signed (its screen is probe_sign's)
        from tests.terminal_kit import sign

        sign(approval)
    approval.submission.consent(True)
    approval.submission.consent_sensitive(True)
    if name == "done":
        approval.submission.submit()
        yield Until(lambda: approval.state.value == "done", "the number", 20)


def script(hut):
    def walk(app, facts):
        from kivy.core.window import Window

        from screens import theme

        shots = os.environ.get("KIOSK_LAYOUT_SHOTS")
        terminal = app.terminal
        yield Until(lambda: app.sm is not None and app.ready and terminal.catalog() is not None,
                    "the app and the catalog", 30)
        reader = Reader("idcard")
        terminal.owner.attach(reader)   # the terminal attaches it to identification with its first status
        online = threading.Thread(target=lambda: reader._set_state(Status.ONLINE, card_present=False))
        online.start()   # its status, from a device thread as a driver sets it
        online.join()
        front = FrontCamera("front_camera")
        terminal.owner.attach(front)
        opening = threading.Thread(target=front.open)   # its state change arrives from a device thread
        opening.start()
        opening.join()
        yield Until(lambda: app.availability.scan and app.availability.face_camera and app.availability.id_card,
                    "the cameras and the reader", 30)
        facts["problems"], facts["primaries"], facts["shown"] = {}, {}, {}
        facts["keypad"], facts["fast_taps"] = {}, {}
        for orientation, size in ORIENTATIONS.items():
            Window.size = size
            yield Until(lambda size=size: tuple(Window.size) == size, f"the window at {size}")
            for large in (False, True):
                if app.large_text != large:
                    app.toggle_large_text()
                    yield Until(lambda large=large: app.large_text == large, "the large text switch")
                for name in SCENES:
                    if orientation == "small" and name not in ONLY_IN_SMALL:
                        continue
                    yield from scene(app, reader, name)
                    yield laid_out()
                    key = f"{name}/{orientation}/{'large' if large else 'normal'}"
                    roots = [app.sm.current_screen]
                    facts["shown"][key] = app.sm.current
                    facts["problems"][key] = measure(roots, tuple(Window.size), theme.MIN_TEXT, theme.MIN_TARGET,
                                                     theme.MIN_GAP)
                    facts["primaries"][key] = primary_buttons(roots)
                    if name == "form_keypad":
                        facts["keypad"][key] = keypad_whole(app.screens["form"], tuple(Window.size))
                        facts["fast_taps"][key] = yield from fast_taps(app.screens["form"])
                    if shots:
                        yield SETTLE  # the frame drawn, for the photo
                        screenshot(Path(shots) / f"{key.replace('/', '-')}.png")
                    publish(reader, DeviceEvent("idcard", "card_removed"))
                    app.go_home("resident")
        tap(pos=(5, 5))
    return walk


def main():
    workdir, out = Path(sys.argv[1]), sys.argv[2]
    overrides = {"timeouts": {"idle_seconds": 600, "idle_warning_seconds": 500}}
    with hut_module.Hut(workdir, only=["platform", "camera"], overrides=overrides) as hut:
        sys.argv[1:3] = [str(hut.config_path), out]
        run(script(hut), face_engine=Engine)


if __name__ == "__main__":
    main()
