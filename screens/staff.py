"""The staff's own screen (maintenance mode): renders the staff session's view
(kiosk/terminal/staff.py) and forwards the staff member's intents to it.

Phases: the PIN keypad (after the long press in the top-left corner), "checking"
while a card or PIN is checked, a refusal in words with 返回, and the screen
itself: every device with its state, doctor's advice, counters, last error and
a 自检 button; the outbox, the platform link, the terminal's disk, uptime,
version and update; requeue, restart and reboot (each asks first; reboot
twice).  The document camera's self-test shows its live picture with the page
outline here.  Words Chinese first, through gettext like every screen.

``CornerPress`` is the long press itself: 5 s on the top-left corner of the
home, preparing or closed screen.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

import screens.widgets.keypad  # noqa: F401  (the PIN keypad's kv rule)
import screens.widgets.page_view  # noqa: F401  (the camera's live picture)
from kiosk.flows.service import N_
from kiosk.terminal.staff import StaffPhase, StaffView
from screens.i18n import other_language, tr

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

LONG_PRESS_SECONDS = 5.0
CORNER = dp(160)   # the top-left square that takes the long press

WORDS = {
    "title": N_("Staff screen"),
    "pin": N_("Enter the maintenance PIN"),
    "checking": N_("Checking..."),
    "devices": N_("Devices"),
    "outbox": N_("Outbox"),
    "platform": N_("Platform"),
    "terminal": N_("Terminal"),
    "outbox_line": N_("{pending} waiting, {sending} sending, {dead} dead letters"),
    "last_sent": N_("Last sent {when}"),
    "never_sent": N_("Nothing sent yet"),
    "reachable": N_("Reachable"),
    "unreachable": N_("Not reachable"),
    "unknown": N_("Not checked yet"),
    "last_heartbeat": N_("Last heartbeat {when}"),
    "clock": N_("Clock offset {seconds} s"),
    "disk": N_("Disk {free} GB free of {total} GB"),
    "uptime": N_("Up {hours} h, the kiosk app {app_hours} h"),
    "version": N_("Version {version}"),
    "update": N_("Last update: {update}"),
    "no_update": N_("No update recorded here"),
    "counters": N_("Counters"),
    "last_error": N_("Last error"),
    "test": N_("Last self-test"),
}


def both(msgid: str, lang: str, **args: Any) -> str:
    """The msgid in the screen's language, then the other (one line each)."""
    return tr(msgid, lang).format(**args) + "\n" + tr(msgid, other_language(lang)).format(**args)


def when(at: float | None) -> str:
    return dt.datetime.fromtimestamp(at).strftime("%m-%d %H:%M") if at else "-"


class DeviceRow(BoxLayout):
    """One device: its words, state, advice, counters, last error, and 自检."""

    name = StringProperty("")
    text = StringProperty("")
    well = BooleanProperty(True)
    busy = BooleanProperty(False)
    screen = ObjectProperty(None, allownone=True)


class StaffScreen(Screen):
    phase = StringProperty("none")
    notice = StringProperty("")        # the notice, both languages
    detail = StringProperty("")
    operator = StringProperty("")
    confirm = StringProperty("")
    camera = StringProperty("")
    outbox_text = StringProperty("")
    platform_text = StringProperty("")
    system_text = StringProperty("")

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.session: Any = None
        self._rows: dict[str, DeviceRow] = {}
        self._view = StaffView()
        self._preview: Any = None

    # -- rendering -----------------------------------------------------------------------
    def render(self, view: StaffView, session: Any) -> None:
        self.session, self._view = session, view
        lang = App.get_running_app().lang
        self.phase, self.operator, self.confirm = view.phase.value, view.operator, view.confirm.value
        self.notice = both(view.notice, lang, **view.args) if view.notice else ""
        self.detail = view.detail
        if view.phase is StaffPhase.PIN and self.ids.keypad.value and view.notice:
            self.ids.keypad.value = ""   # a wrong PIN: the keypad starts afresh
        self._rows_for(view, lang)
        ob, pf, sy = view.outbox, view.platform, view.system
        self.outbox_text = "\n".join([
            both(WORDS["outbox_line"], lang, pending=ob.pending, sending=ob.sending, dead=ob.dead),
            both(WORDS["last_sent"], lang, when=when(ob.last_success)) if ob.last_success
            else both(WORDS["never_sent"], lang),
            *(f"{serial}  {kind}  {error}" for serial, kind, error in ob.dead_letters[:10]),
            *([ob.error] if ob.error else [])])
        reach = {True: WORDS["reachable"], False: WORDS["unreachable"], None: WORDS["unknown"]}[pf.reachable]
        self.platform_text = "\n".join([
            both(reach, lang) + f"  ({pf.url})",
            both(WORDS["last_heartbeat"], lang, when=when(pf.last_heartbeat)),
            *([both(WORDS["clock"], lang, seconds=f"{pf.clock_offset:+.1f}")] if pf.clock_offset is not None else []),
            *([pf.error] if pf.error else [])])
        gb = 2 ** 30
        self.system_text = "\n".join([
            *([both(WORDS["disk"], lang, free=f"{sy.free_bytes / gb:.1f}", total=f"{sy.total_bytes / gb:.1f}")]
              if sy.free_bytes is not None and sy.total_bytes else []),
            both(WORDS["uptime"], lang, hours=f"{(sy.uptime_seconds or 0) / 3600:.1f}",
                 app_hours=f"{sy.app_seconds / 3600:.1f}"),
            both(WORDS["version"], lang, version=sy.version),
            both(WORDS["update"], lang, update=sy.update) if sy.update else both(WORDS["no_update"], lang)])
        self._camera(view.camera)

    def _rows_for(self, view: StaffView, lang: str) -> None:
        box = self.ids.devices
        names = [d.name for d in view.devices]
        if list(self._rows) != names:
            box.clear_widgets()
            self._rows = {}
            for line in view.devices:
                row = DeviceRow(name=line.name, screen=self)
                self._rows[line.name] = row
                box.add_widget(row)
        first = lang != "en"
        for line in view.devices:
            row = self._rows[line.name]
            kind = f"{line.kind_zh} {line.kind_en}" if first else f"{line.kind_en} {line.kind_zh}"
            advice = f"{line.advice_zh}\n{line.advice_en}" if first else f"{line.advice_en}\n{line.advice_zh}"
            parts = [f"[b]{line.name}[/b]  {kind}  ({line.status})", advice]
            if line.counters:
                counted = ", ".join(f"{zh if first else en} {value}" for zh, en, value in line.counters)
                parts.append(f"{tr(WORDS['counters'], lang)}: {counted}")
            if line.last_error:
                parts.append(f"{tr(WORDS['last_error'], lang)}: {line.last_error} ({when(line.last_error_at)})")
            if line.test:
                parts.append(f"{tr(WORDS['test'], lang)}: {line.test}")
            row.text, row.well, row.busy = "\n".join(parts), line.well, view.testing == line.name

    def _camera(self, name: str) -> None:
        self.camera = name
        if name and self._preview is None:
            self._preview = Clock.schedule_interval(self._frame, 1 / 15)
        elif not name and self._preview is not None:
            self._preview.cancel()
            self._preview = None
            self.ids.preview.clear()

    def _frame(self, _dt: float) -> None:
        live = getattr(self.session, "live", None)
        if live is None:
            return
        frame = live.latest_frame()
        if frame is None:
            return
        seen = live.snapshot()
        self.ids.preview.show(frame.image, seen.corners or None, seen.steady)

    def forget(self) -> None:
        self._camera("")
        self.ids.keypad.value = ""

    # -- intents -------------------------------------------------------------------------
    def send(self, intent: str, *args: Any) -> None:
        if self.session is not None:
            getattr(self.session, intent)(*args)

    def submit_pin(self) -> None:
        pin, self.ids.keypad.value = self.ids.keypad.value, ""
        if pin:
            self.send("submit_pin", pin)

    def leave(self) -> None:
        App.get_running_app().go_home("resident")


class CornerPress:
    """A touch held ``LONG_PRESS_SECONDS`` in the top-left corner calls ``fire``
    (only where ``allowed()`` says so: the home, preparing and closed screens)."""

    def __init__(self, window: Any, allowed: Callable[[], bool], fire: Callable[[], Any]):
        self.window, self.allowed, self.fire = window, allowed, fire
        self._event: Any = None
        self._touch: Any = None

    def down(self, touch: Any) -> None:
        if touch.x <= CORNER and touch.y >= self.window.height - CORNER and self.allowed():
            self.cancel()
            self._touch = touch
            self._event = Clock.schedule_once(lambda _dt: self._held(), LONG_PRESS_SECONDS)

    def up(self, touch: Any) -> None:
        if touch is self._touch:
            self.cancel()

    def cancel(self) -> None:
        if self._event is not None:
            self._event.cancel()
        self._event, self._touch = None, None

    def _held(self) -> None:
        self._event, self._touch = None, None
        if self.allowed():
            self.fire()

