"""A resident identifies, walks away; the idle guard must wipe the visit.

Reader events are published from a real thread by a reader the app's device
owner holds, as a driver would send them, so the owner's event stream and the
marshalling onto the Kivy clock are exercised too.
"""

import datetime as dt
import gc
import time
import weakref

from probe_common import FakeReader, Until, from_driver_thread, labels_of, laid_out, press_switch, run, tap, to_identify

from drivers.base import DeviceEvent, DeviceState, Status, StatusChanged
from drivers.idcard.records import CardType, IdCardRecord

NAME, NUMBER = "张三丰", "230108195001011234"
MATTER = "SQ-001"   # a matter without the face check: Continue would lead to the form


def clipped(widget):
    return [lab.text for lab in labels_of(widget)
            if lab.text and lab.opacity > 0 and lab.texture_size[0] > lab.width + 1]


def all_text(app):
    from kivy.core.window import Window
    return " ".join(lab.text for child in Window.children for lab in labels_of(child))


def script(app, facts):
    terminal, identify = app.terminal, app.screens["identify"]
    yield Until(lambda: app.sm is not None and app.sm.current == "home", "the home screen")
    facts["idle_running_at_home"] = terminal.idle.running

    reader = FakeReader("idcard")
    terminal.owner.attach(reader)   # the terminal attaches it to identification once it reports a status
    online = DeviceState(Status.ONLINE, {"card_present": False})
    from_driver_thread(reader, StatusChanged("idcard", DeviceState(), online, {}))
    yield from press_switch(app.screens["home"].ids.frame, "language")  # this resident prefers English
    yield Until(lambda: app.lang == "en", "English")
    yield from to_identify(app, MATTER)
    yield Until(lambda: identify.reader_available, "the reader to be shown online", 5)
    facts["state_waiting"] = identify.state

    record = IdCardRecord(card_type=CardType.RESIDENT, name=NAME, gender_code="1",
                          birth_date=dt.date(1950, 1, 1), id_number=NUMBER,
                          valid_from=dt.date(2015, 1, 1), valid_to="长期", id_number_valid=True,
                          address="黑龙江省哈尔滨市香坊区", photo=b"\x00" * 1024)
    alive = weakref.ref(record)
    from_driver_thread(reader, DeviceEvent("idcard", "card_present"), DeviceEvent("idcard", "record", record))
    last_activity = time.monotonic()   # placing the card is the resident's last action
    del record
    yield Until(lambda: identify.state == "identified", "the card to be shown", 5)
    yield laid_out()   # for the clipping check
    identity = weakref.ref(terminal.session.identity)   # what the terminal made of the card
    facts["masked_name"] = identify.ids.masked_name.text
    facts["masked_id"] = identify.ids.masked_id.text
    text = all_text(app)
    facts["full_id_on_screen"] = NUMBER in text
    facts["full_name_on_screen"] = NAME in text
    facts["session_has_resident"] = identity() is not None and identity().name == NAME
    facts["clipped_identify"] = clipped(identify)

    # Idle: the warning comes with a countdown; a touch anywhere sends it away.
    yield Until(lambda: app.warning._is_open, "the idle warning", 10)
    facts["warning_after"] = time.monotonic() - last_activity
    yield laid_out()   # the countdown drawn, for the clipping check
    facts["countdown"] = app.warning.ids.countdown.text
    facts["warning_text"] = " ".join(lab.text for lab in labels_of(app.warning))
    facts["clipped_warning"] = clipped(app.warning)
    tap(pos=(5, 5))  # a corner, not the button: any touch counts
    touched = time.monotonic()
    yield Until(lambda: not app.warning._is_open or app.sm.current != "identify", "the warning to go")
    facts["warning_open_after_touch"] = app.warning._is_open
    facts["screen_after_touch"] = app.sm.current
    facts["resident_kept_after_touch"] = terminal.session.identity is not None

    yield Until(lambda: app.sm.current == "home", "the idle timeout", 15)
    facts["timeout_after"] = time.monotonic() - touched
    gc.collect()
    facts["record_alive_after_timeout"] = alive() is not None
    facts["identity_alive_after_timeout"] = identity() is not None
    session = terminal.session
    facts["session"] = {"resident": session.identity is not None, "service": session.service,
                        "data": len(session._data), "active": session.active}
    facts["identify_masked"] = [identify.masked_name, identify.masked_id]
    text = all_text(app) + " " + " ".join(lab.text for lab in labels_of(identify))
    facts["masked_id_anywhere"] = facts["masked_id"] in text
    facts["lang_after_timeout"] = app.lang
    facts["warning_open_after_timeout"] = app.warning._is_open
    facts["idle_running_after_timeout"] = terminal.idle.running


if __name__ == "__main__":
    run(script)
