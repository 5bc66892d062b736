"""Every screen at three window sizes and three ways of reading, measured on the widget tree.

One app process: each scene is reached once, through the app's intents the
way a visit reaches it, and measured in three windows, the window resized
under it: landscape (1920x1080), portrait (1080x1920) and a small landscape
(1280x800); a scene is reached with the longest real
content of the reference catalog (最低生活保障申请's guide, the 社会救助
category, a resident with many applications).  Each visit starts at home, as
a resident's does: the frame's switches are touched there (large text, the
language, high contrast), and they hold for the visit.  The scenes, windows
and passes are listed in ``layout_scenes.py``; each scene's set-up is a
function here marked ``@scene``.  ``KIOSK_LAYOUT_PASSES`` picks the ways of
reading (one per test module), ``KIOSK_LAYOUT_WINDOWS`` the windows.  Passes:

* ``normal``: Chinese, normal text;
* ``large``: Chinese, large text;
* ``english``: English, large text, high contrast (the colours are checked
  against the standard palette: nothing may keep it).
"""

import os
import threading
from pathlib import Path

from layout_check import drawn_stale, foreign_colours, measure, moved, place, primary_buttons
from layout_scenes import ORIENTATIONS, OVERLAYS, PASSES, REACHED_IN_EACH_WINDOW, SCENES, SWITCHED_ON, measured
from probe_common import SETTLE, Until, laid_out, reach, run, tap

from drivers.base import DeviceEvent
from kiosk.terminal import staff as staff_words
from simulators.demo.script import FastForwardClock, screenshot
from tests.terminal_kit import FakeCardReader, FakeSocialSecurityReader, card, health_devices, social_security_card

clock = FastForwardClock()
MATTER = "MZ-001"      # 最低生活保障申请: the longest lists of conditions and papers
CATEGORY = "社会救助"   # the category with the most matters
STATUSES = ("受理", "审核中", "办结", "退回")
MATTERS = ("MZ-001", "MZ-002", "MZ-004", "MZ-005", "LL-001", "CL-001", "GA-001", "YB-002")


class ManyApplications:
    """The platform's answer for a resident who filed eight matters."""

    def applications_for(self, id_hashes, budget=None):
        return [{"application_number": f"HUT-2026-{1000 + i}", "matter_code": code, "status": STATUSES[i % 4],
                 "received_at": "2026-03-0{}T10:00:00".format(i % 9 + 1)} for i, code in enumerate(MATTERS)]

    def application_status(self, number, proof, budget=None):
        return None

    def requests_for(self, id_hashes, budget=None):
        """Two requests beside the applications: one answered (rateable), one overdue."""
        from tests.request_kit import request_status

        return [request_status(), request_status("SQ20261120000003", "办理", rateable=False, overdue=True,
                                                 answer=None)]

    def request_catalog(self):
        from tests.request_kit import CATALOG_DOC

        return CATALOG_DOC


SET_UPS: dict = {}
HEALTH = health_devices()   # the hut's five health devices (open_readers attaches them)


def scene(set_up):
    """Register a scene's set-up, named as in ``layout_scenes.SCENES``: a
    generator ``set_up(app, readers)`` that leaves the app showing the scene,
    through the intents the screens send on the way there (it may yield
    ``Until``s to wait on the app)."""
    SET_UPS[set_up.__name__] = set_up
    return set_up


@scene
def home(app, readers):
    yield from ()


@scene
def identify(app, readers):
    app.terminal.refresh_availability()   # no code scanner in this hut (a scene before may have set one)
    app.open_service("approval")
    app.terminal.presenter.choose(MATTER)
    app.terminal.presenter.start()
    yield from ()


def _code_at_scanner(app, online, refusal=""):
    """The identify step of a hut with a code scanner (or 或出示电子身份证二维码's
    refusals): the scanner's and the platform's state set after an availability
    refresh, so none comes before the measurement."""
    yield from identify(app, None)
    app.terminal.identify.scanner_status(True, online)
    if refusal:
        app.terminal.identify.code_refused(refusal)


@scene
def identify_code(app, readers):
    yield from _code_at_scanner(app, True)


@scene
def identify_code_expired(app, readers):
    yield from _code_at_scanner(app, True, "expired")


@scene
def identify_code_offline(app, readers):
    yield from _code_at_scanner(app, False)


@scene
def progress_code(app, readers):
    """The progress query in a hut with a code scanner: the code offered under the card."""
    app.terminal.refresh_availability()
    yield from progress(app, readers)
    app.terminal.identify.scanner_status(True, True)


@scene
def health_code(app, readers):
    app.terminal.refresh_availability()
    yield from health_start(app, readers)
    app.terminal.identify.scanner_status(True, True)


@scene
def preparing(app, readers):
    # Every service has its screens now: a terminal without the request screens says "being prepared".
    from kiosk.flows.service import Step

    presentable = app.terminal.presentable
    app.terminal.presentable = presentable - {Step.REQUEST_TYPE}
    try:
        app.open_service("request")
    finally:
        app.terminal.presentable = presentable
    yield from ()


@scene
def idle_warning(app, readers):
    yield from identify(app, readers)
    clock.offset += app.terminal.idle.warning_after + 0.5 - app.terminal.idle.idle_for()


@scene
def choose_matter(app, readers):
    app.open_service("approval")
    app.terminal.presenter.search("db")  # search results under the keyboard
    yield from ()


@scene
def choose_category(app, readers):
    app.open_service("approval")
    app.terminal.presenter.pick_category(CATEGORY)
    yield from ()


@scene
def conditions(app, readers):
    app.open_service("approval")
    app.terminal.presenter.choose(MATTER)
    yield from ()


@scene
def guide(app, readers):
    app.open_service("guide")
    app.terminal.presenter.choose(MATTER)
    yield from ()


@scene
def progress(app, readers):
    app.open_service("progress")
    yield from ()


@scene
def progress_results(app, readers):
    idcard, _ssc = readers
    app.open_service("progress")
    idcard.place(card())
    yield Until(lambda: app.screens["progress"].state == "results", "the applications", 20)


@scene
def progress_rating(app, readers):
    yield from progress_results(app, readers)
    flow = app.terminal.flow("progress")
    flow.ask_rating("SQ20261201000007")
    flow.choose_rating("unsatisfied")
    flow.choose_reason("not_solved")


@scene
def progress_two_cards(app, readers):
    idcard, ssc = readers
    app.open_service("progress")
    idcard.publish(DeviceEvent(idcard.name, "card_present"))   # laid down, not read yet
    ssc.place(social_security_card())
    idcard.place(card())
    yield Until(lambda: app.screens["progress"].cards, "the two cards' words", 10)


@scene
def progress_left_card(app, readers):
    from screens.steps.progress import LEFT_CARD

    idcard, _ssc = readers
    # the last visit's card, still lying on the reader (as the reader says when a visit
    # ends with a card on it); going home here would give the next visit the hut's defaults
    idcard.publish(DeviceEvent(idcard.name, "card_present"), DeviceEvent(idcard.name, "card_left"))
    yield Until(lambda: app.card_reminder, "the reminder at home")
    app.open_service("progress")
    yield Until(lambda: app.screens["progress"].cards == LEFT_CARD, "'take the card from before away'", 10)


@scene
def staff_call(app, readers):
    yield from conditions(app, readers)
    app.call_staff()        # the header's 呼叫工作人员, pressed mid-visit


@scene
def staff_card_note(app, readers):
    yield from conditions(app, readers)
    app.terminal._update(staff_card_note=True)   # a staff card laid down mid-visit (the note only: no card waits)


@scene
def privacy_notice(app, readers):
    yield from conditions(app, readers)
    app.open_privacy()


@scene
def aids_menu(app, readers):
    yield from conditions(app, readers)
    yield Until(lambda: app.sm.current == "conditions", "the conditions")
    yield laid_out()
    tap(app.sm.current_screen.ids.frame.ids.aids)   # 更多设置: the switches the header has no room for


# -- 健康自测: each step's screen, the measuring picture, the waist's keypad, the results --------------------
def health(app):
    return app.terminal.flow("health")


def health_state(app, state, what):
    return Until(lambda: health(app).view.state.value == state, what, 10)


def health_items_chosen(app, *keys):
    """Without identifying (nothing is sent), these items chosen."""
    app.open_service("health")
    yield Until(lambda: app.sm.current == "consent", "the health visit's first step")
    health(app).anonymous()
    yield health_state(app, "items", "the items")
    for key in keys:
        health(app).toggle(key)


def health_measured(app, key, device, **values):
    """The item's guide, 开始测量, the device's reading: the item done."""
    flow = health(app)
    yield Until(lambda: flow.view.state.value == "guide" and flow.view.current == key, f"the {key} guide", 10)
    flow.measure()
    yield Until(lambda: HEALTH[device].measuring, f"the {device} measuring", 10)
    HEALTH[device].deliver(**values)
    yield health_state(app, "item_done", f"the {key} measured")
    flow.next_item()


@scene
def health_start(app, readers):
    app.open_service("health")
    yield Until(lambda: app.sm.current == "consent", "the health visit's first step")


@scene
def health_consent(app, readers):
    idcard, _ssc = readers
    yield from health_start(app, readers)
    idcard.place(card())
    yield health_state(app, "consent", "the consent after the card")


@scene
def health_items(app, readers):
    yield from health_items_chosen(app)
    health(app).choose_all()


@scene
def health_measuring(app, readers):
    yield from health_items_chosen(app, "blood_pressure")
    health(app).start()
    yield health_state(app, "rest", "the rest offered")
    health(app).skip_rest()
    yield health_state(app, "guide", "the cuff's guide")
    health(app).measure()
    yield Until(lambda: HEALTH["bp"].measuring, "the cuff measuring", 10)
    HEALTH["bp"].progress("inflating")
    yield Until(lambda: health(app).view.prompt_zh.startswith("袖带"), "the cuff's words", 10)


@scene
def health_waist(app, readers):
    yield from health_items_chosen(app, "waist")
    health(app).start()
    yield health_state(app, "guide", "the tape's picture")
    health(app).measure()
    yield health_state(app, "waist", "the keypad")
    health(app).set_entry("86")


@scene
def health_results(app, readers):
    yield from health_items_chosen(app, "height_weight", "temperature", "spo2", "glucose")
    health(app).start()
    yield from health_measured(app, "height_weight", "scale", weight=63.5, height=165.0, bmi=23.3)
    yield from health_measured(app, "temperature", "thermometer", temperature=36.6)
    yield from health_measured(app, "spo2", "oximeter", spo2=97, pulse=74)
    yield health_state(app, "context", "the glucose question")
    health(app).glucose_when("fasting")
    yield from health_measured(app, "glucose", "glucometer", glucose=6.4)
    yield health_state(app, "results", "the results")


@scene
def health_urgent(app, readers):
    yield from health_items_chosen(app, "temperature", "spo2")
    health(app).start()
    yield from health_measured(app, "temperature", "thermometer", temperature=39.6)
    yield from health_measured(app, "spo2", "oximeter", spo2=87, pulse=124)
    yield health_state(app, "results", "the urgent results")


def signing(app, readers):
    from sign_steps import attach_front_camera, to_sign

    if not app.availability.face_camera:
        attach_front_camera(app)
        yield Until(lambda: app.availability.face_camera, "the front camera")
    idcard, _ssc = readers
    return (yield from to_sign(app, idcard))


@scene
def sign_reading(app, readers):
    yield from signing(app, readers)


@scene
def sign_refused(app, readers):
    """The box after a scrawl that left it: why, in words, the box empty again."""
    from tests.terminal_kit import name_strokes

    approval = yield from signing(app, readers)
    approval.sign.sign()
    yield laid_out()
    pad = app.screens["sign"].ids.pad
    box = (pad.width, pad.height)
    for stroke in name_strokes(box, dx=box[0] * 0.8):
        approval.sign.add_stroke(stroke, box)
    approval.sign.confirm()


@scene
def sign_signed(app, readers):
    from tests.terminal_kit import name_strokes

    approval = yield from signing(app, readers)
    approval.sign.sign()
    yield laid_out()
    pad = app.screens["sign"].ids.pad
    box = (pad.width, pad.height)
    for stroke in name_strokes(box):
        approval.sign.add_stroke(stroke, box)
    approval.sign.confirm()


CERTIFICATES: dict = {}


def certificate_flow(app, readers):
    """证明打印 for the default card's resident, with the stand-ins of certificate_fakes.py."""
    from certificate_fakes import FakeCertificates, PaperOutPrinter

    if not CERTIFICATES:
        resident = card()
        CERTIFICATES["client"] = FakeCertificates(resident.name, resident.id_number)
        printer = CERTIFICATES["printer"] = PaperOutPrinter()
        app.terminal.owner.attach(printer)
        printer.open()
    flow = app.terminal.flow("certificate")
    flow.client = CERTIFICATES["client"]
    flow._trust = CERTIFICATES["client"].trust()
    idcard, _ssc = readers
    app.open_service("certificate")
    idcard.place(card())
    yield Until(lambda: app.terminal.identify.view.state.value == "identified", "the card read", 20)
    app.terminal.continue_()
    yield Until(lambda: flow.view.state.value == "list", "the certificates", 20)
    return flow


@scene
def certificate_list(app, readers):
    yield from certificate_flow(app, readers)


@scene
def certificate_preview(app, readers):
    flow = yield from certificate_flow(app, readers)
    flow.choose(flow.view.certificates[0].code)
    yield Until(lambda: flow.view.state.value == "preview", "the checked preview", 30)


@scene
def certificate_paper_out(app, readers):
    yield from certificate_preview(app, readers)
    flow = app.terminal.flow("certificate")
    flow.print_()
    yield Until(lambda: flow.view.state.value == "stopped", "paper out", 20)


def overlay(app):
    """(name, widget) of the overlay the resident reads now (the one on top), or None."""
    frame = app.sm.current_screen.ids.get("frame")   # the staff and closed screens have no resident's frame
    menu = frame.menu if frame is not None else None
    for name, dialog in (("idle_warning", app.warning), ("staff_call", app.staff_call),
                         ("staff_card_note", app.staff_card_note), ("privacy_notice", app.privacy),
                         ("aids_menu", menu)):
        if dialog is not None and dialog._is_open:
            return name, dialog
    return None


def visit(app, readers, name, large, lang, contrast):
    """A visit from home to the scene ``name``: the switches touched at home first."""
    app.go_home("resident")
    if app.terminal.view.confirm_home:   # a scene with work to lose (the signing): asked, discarded
        app.terminal.discard_visit()
    for reader in readers:
        reader.take()
    yield Until(lambda: app.sm.current == "home" and not app.card_reminder, "home")
    yield from set_aids(app, large=large, lang=lang, contrast=contrast)
    yield from SET_UPS[name](app, readers)


def set_aids(app, large, lang, contrast):
    """At home, before the visit: the frame's switches, touched."""
    frame = app.screens["home"].ids.frame
    for wanted, now, button in ((large, lambda: app.large_text, "large_text"), (contrast, lambda: app.high_contrast,
                                                                                    "contrast"),
                                (lang, lambda: app.lang, "language")):
        if now() != wanted:
            yield from reach(frame, button)
            tap(frame.ids[button])
            yield Until(lambda now=now, wanted=wanted: now() == wanted, f"the {button} switch")
    if frame.menu._is_open:
        yield laid_out()
        tap(frame.menu.ids.close)
        yield Until(lambda: not frame.menu._is_open, "the more-settings menu closed")


FRAME_PARTS = ("back", "home", "language", "large_text", "contrast", "voice", "volume", "help", "aids")


def switch_shifts(app):
    """Press 大字 and 高对比 (and again, to undo) on the screen shown: where every
    part of the frame is before and after each press must not change, or
    the next press of the same finger lands on something else."""
    frame = app.sm.current_screen.ids.frame
    found = []

    def places():
        return {name: place(frame.ids[name]) for name in FRAME_PARTS if frame.ids[name].get_root_window() is not None}

    for button, now in (("large_text", lambda: app.large_text), ("contrast", lambda: app.high_contrast)):
        for _ in range(2):
            yield from reach(frame, button)
            before, was = places(), now()
            tap(frame.ids[button])
            yield Until(lambda now=now, was=was: now() != was, f"the {button} switch")
            yield laid_out()
            found += [f"{button}: {line}" for line in moved(before, places())]
    if frame.menu._is_open:
        tap(frame.menu.ids.close)
        yield Until(lambda: not frame.menu._is_open, "the more-settings menu closed")
    return found


def hidden_keys(app):
    """The choose-matter keyboard's letters not wholly in sight: out of the window,
    or out of the visible part of a scroll view they are in (issue 21)."""
    from kivy.core.window import Window
    from kivy.uix.scrollview import ScrollView

    hidden = []
    for key in app.screens["choose_matter"].ids.keyboard.children:
        x, y = key.to_window(key.x, key.y)
        room = [0.0, 0.0, float(Window.width), float(Window.height)]
        parent = key.parent
        while parent is not None and parent is not parent.parent:
            if isinstance(parent, ScrollView):
                vx, vy = parent.to_window(parent.x, parent.y)
                room = [max(room[0], vx), max(room[1], vy), min(room[2], vx + parent.width),
                        min(room[3], vy + parent.height)]
            parent = parent.parent
        if x < room[0] - 0.5 or y < room[1] - 0.5 or x + key.width > room[2] + 0.5 or y + key.height > room[3] + 0.5:
            hidden.append(key.text)
    return sorted(hidden)


def check_catches(app):
    """The check itself, on widgets made to fail it: a label too small for its
    words (cut off), one that fits, a list longer than its box without a
    cue (a bare ScrollView) and a row in it wider than it; and a label whose
    words changed after it was drawn (``drawn_stale``)."""
    from kivy.core.window import Window
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.label import Label
    from kivy.uix.scrollview import ScrollView

    from screens import theme

    box = BoxLayout(orientation="vertical", size_hint=(None, None), size=(600, 600), pos=(10, 10))
    cut = Label(text="最低生活保障申请 Minimum living allowance", font_size=theme.FONT_BODY, size_hint=(None, None),
                size=(300, 60), text_size=(300, None))
    fits = Label(text="首页", font_size=theme.FONT_BODY, size_hint=(None, None), size=(300, 80))
    view = ScrollView(size_hint=(None, None), size=(600, 300), do_scroll_x=False)
    content = BoxLayout(size_hint_y=None, height=900)
    content.add_widget(Label(text="a b c d e f g h i j", font_size=theme.FONT_BODY, size_hint=(None, None),
                             size=(900, 80)))   # wider than the view, which scrolls only up and down
    view.add_widget(content)
    for widget in (cut, fits, view):
        box.add_widget(widget)
    Window.add_widget(box)
    yield laid_out()
    found = measure([box], tuple(Window.size), theme.MIN_TEXT, theme.MIN_TARGET, theme.MIN_GAP)
    fits.text = "首页 Home"   # its words changed, not drawn again yet (the clock has not ticked)
    stale = drawn_stale([box])
    Window.remove_widget(box)
    return found, stale


def open_readers(app):
    """An ID card reader and a social security card reader the app's owner holds (and the health devices)."""
    readers = FakeCardReader("idcard"), FakeSocialSecurityReader("ssc")
    for reader in (*readers, *HEALTH.values()):
        app.terminal.owner.attach(reader)
        opening = threading.Thread(target=reader.open)   # its status arrives from a device thread
        opening.start()
        opening.join()
    return readers


def script(app, facts):
    from kivy.core.window import Window

    from screens import theme

    shots = os.environ.get("KIOSK_LAYOUT_SHOTS")
    # while fixing a screen: KIOSK_LAYOUT_ONLY="conditions,guide/small/large" (prefixes of the scene keys)
    only = [o for o in os.environ.get("KIOSK_LAYOUT_ONLY", "").split(",") if o]
    yield Until(lambda: app.sm is not None and app.sm.current == "home" and app.ready, "the home screen")
    yield Until(lambda: app.terminal.catalog() is not None, "the catalog")
    facts["check_catches"], facts["stale_catches"] = yield from check_catches(app)
    readers = open_readers(app)
    yield Until(lambda: len(app.terminal.identify.readers) == 2 and app.terminal.identify.view.reader_available,
                "the card readers")
    app.terminal.flow("progress").client = ManyApplications()
    yield Until(lambda: (app.terminal.refresh_availability(), app.availability.health_devices >= 5)[1],
                "the five health devices")
    for key in ("problems", "primaries", "shown", "sizes", "aids", "colours", "shifts", "keyboard"):
        facts[key] = {}
    if set(SET_UPS) != set(SCENES):
        raise AssertionError(f"scenes without a set-up or a set-up without a scene: {set(SET_UPS) ^ set(SCENES)}")
    # one way of reading per test module (tests/screens/test_layout_<pass>.py): KIOSK_LAYOUT_PASSES="large";
    # KIOSK_LAYOUT_WINDOWS="small" measures in that window only (while fixing a screen)
    passes = [p for p in os.environ.get("KIOSK_LAYOUT_PASSES", "").split(",") if p] or list(PASSES)
    windows = [w for w in os.environ.get("KIOSK_LAYOUT_WINDOWS", "").split(",") if w] or list(ORIENTATIONS)
    for pass_name in passes:
        scale, lang, contrast = PASSES[pass_name]
        for name in SCENES:
            shows = SCENES[name]
            here = [w for w in windows if name in measured(w)
                    and (not only or any(f"{name}/{w}/{pass_name}".startswith(o) for o in only))]
            if not here:
                continue
            # The scene is reached once and measured in every window: the window is resized under
            # it (the app's layouts follow the window's size), the one it is in first.
            here.sort(key=lambda w: (tuple(ORIENTATIONS[w][0]) != tuple(Window.size),
                                     ORIENTATIONS[w][1] != app.portrait))
            for orientation in here:
                size = tuple(ORIENTATIONS[orientation][0])
                if tuple(Window.size) != size:
                    Window.size = size
                    yield Until(lambda size=size: tuple(Window.size) == size and app.portrait == (size[1] > size[0]),
                                f"the window at {size}")
                if orientation == here[0] or name in REACHED_IN_EACH_WINDOW:
                    yield from visit(app, readers, name, scale > 1, lang, contrast)
                facts["sizes"][orientation] = [list(Window.size), app.portrait]
                if shows in OVERLAYS:
                    yield Until(lambda shows=shows: (overlay(app) or ("",))[0] == shows, f"the {shows} overlay")
                else:
                    yield Until(lambda shows=shows: app.sm.current == shows, f"the {name} screen")
                yield laid_out()
                key = f"{name}/{orientation}/{pass_name}"
                # An open overlay covers the screen (under a scrim): it is what the resident reads.
                top = overlay(app)
                roots = [top[1]] if top else [app.sm.current_screen]
                facts["shown"][key] = top[0] if top else app.sm.current
                facts["aids"][key] = [app.text_scale, app.lang, app.high_contrast]
                facts["problems"][key] = measure(roots, tuple(Window.size), theme.MIN_TEXT, theme.MIN_TARGET,
                                                 theme.MIN_GAP)
                if pass_name == "english":   # every switch pressed at home while this screen was kept off the window
                    facts["problems"][key] += drawn_stale(roots)
                facts["primaries"][key] = primary_buttons(roots)
                if shows == "choose_matter":
                    facts["keyboard"][key] = hidden_keys(app)
                own, other = (theme.HIGH_CONTRAST, theme.STANDARD) if app.high_contrast else \
                    (theme.STANDARD, theme.HIGH_CONTRAST)
                facts["colours"][key] = foreign_colours(roots, own, other)
                if shots:
                    yield SETTLE  # the frame drawn, for the photo
                    screenshot(Path(shots) / f"{key.replace('/', '-')}.png")
                if name in SWITCHED_ON:
                    facts["shifts"][key] = yield from switch_shifts(app)
            app.terminal.touched()
    app.go_home("resident")



# -- the staff's screen and the closed screen (kiosk/terminal/staff.py, [hut.hours]) -------------
def _staff(app):
    """The staff screen as a staff card opens it (the session's entry, without a card reader here)."""
    from kiosk.terminal.view import TerminalState

    app.terminal._update(state=TerminalState.STAFF)
    return app.terminal.staff


@scene
def staff_open(app, readers):
    staff = _staff(app)
    staff._enter("card 1a2b3c4d5e6f", by_card=True, how="the layout probe")
    staff._say(staff_words.TEST_DONE, detail="缺纸：请装入新纸卷 / paper out: load a new roll", device="printer",
               result="缺纸：请装入新纸卷 / paper out: load a new roll")
    yield from ()


@scene
def staff_pin(app, readers):
    app.terminal.open_staff_pin()
    app.terminal.staff._set(notice=staff_words.WRONG_PIN, notice_args=(("tries", 3),))
    yield from ()


@scene
def staff_refused(app, readers):
    staff = _staff(app)
    staff._refuse(staff_words.LIST_STALE)
    yield from ()


@scene
def staff_confirm(app, readers):
    staff = _staff(app)
    staff._enter("PIN", by_card=False, how="the layout probe")
    staff.ask_reboot()
    staff.confirm()   # the second question
    yield from ()


@scene
def closed(app, readers):
    from kiosk.terminal.view import TerminalState

    app.terminal._update(state=TerminalState.CLOSED, reopens="2099-01-05T08:30")
    yield from ()


# -- 诉求反映 ------------------------------------------------------------------------------------
LONG_TEXT = ("二号楼三单元的楼道灯从上个月开始就不亮了，晚上上下楼什么都看不见，楼里老人多，"
             "已经有人摔倒过。物业说要等配件，等了三个星期还没有修。") * 4


def request_flow(app):
    return app.terminal.flow("request")


def request_opened(app):
    """The request tile, with the district's catalog (the test's document: no platform runs here)."""
    from kiosk.services.request.catalog import RequestCatalog
    from tests.request_kit import CATALOG_DOC

    flow = request_flow(app)
    flow.catalog = RequestCatalog.from_dict(CATALOG_DOC)   # what the client would have cached
    app.open_service("request")
    yield Until(lambda: flow.view.state.value == "type", "the request types", 20)


def request_described(app, kind="complaint"):
    yield from request_opened(app)
    flow = request_flow(app)
    flow.choose_type(kind)
    flow.choose_topic("lighting")
    flow.choose_building("2")
    flow.choose_unit("3")
    flow.place_done()
    flow.set_text(LONG_TEXT[:300])
    flow.text_done()
    yield Until(lambda: app.sm.current == "request_photos", "the photos step")


@scene
def request_type(app, readers):
    yield from request_opened(app)


@scene
def request_topic(app, readers):
    yield from request_opened(app)
    request_flow(app).choose_type("complaint")


@scene
def request_not_here(app, readers):
    yield from request_topic(app, readers)
    request_flow(app).choose_not_here("petition")


@scene
def request_place(app, readers):
    yield from request_topic(app, readers)
    request_flow(app).choose_topic("lighting")
    request_flow(app).choose_building("2")


@scene
def request_text(app, readers):
    yield from request_place(app, readers)
    flow = request_flow(app)
    flow.place_done()
    flow.set_text((LONG_TEXT * 2)[:480])
    flow.set_text((LONG_TEXT * 2)[:480] + LONG_TEXT[:40])   # 520: refused, the notice under the text


@scene
def request_photos(app, readers):
    yield from request_described(app)


@scene
def request_who(app, readers):
    yield from request_described(app)
    request_flow(app).photos_done()


@scene
def request_contact(app, readers):
    yield from request_who(app, readers)
    flow = request_flow(app)
    flow.go_anonymous()
    flow.set_phone_entry("13812345678")


@scene
def request_review(app, readers):
    yield from request_contact(app, readers)
    flow = request_flow(app)
    flow.set_consent(True)
    flow.contact_done()


if __name__ == "__main__":
    run(script, clock=clock)
