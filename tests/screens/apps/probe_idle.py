"""A resident identifies, walks away; the idle guard must wipe the visit.

Reader events are published from a real thread by a reader the app's device
owner holds, as a driver would send them, so the owner's event stream and the
marshalling onto the Kivy clock are exercised too.
"""

import datetime as dt
import gc
import time
import weakref

from probe_common import FakeReader, Until, from_driver_thread, labels_of, run, tap

from drivers.base import DeviceEvent, DeviceState, Status, StatusChanged
from drivers.idcard.records import CardType, IdCardRecord

NAME, NUMBER = "张三丰", "230108195001011234"


def clipped(widget):
    return [lab.text for lab in labels_of(widget)
            if lab.text and lab.opacity > 0 and lab.texture_size[0] > lab.width + 1]


def all_text(app):
    from kivy.core.window import Window
    return " ".join(lab.text for child in Window.children for lab in labels_of(child))


def script(app, facts):
    yield Until(lambda: app.sm is not None and app.sm.current == "home", "the home screen")
    yield 0.3
    facts["idle_running_at_home"] = app.idle.running

    reader = FakeReader("idcard")
    app.owner.attach(reader)
    app.identify_flow.attach(reader)
    tap(app.home.ids.frame.ids.language)  # this resident prefers English
    yield 0.2
    app.show_identify("approval")
    online = DeviceState(Status.ONLINE, {"card_present": False})
    from_driver_thread(reader, StatusChanged("idcard", DeviceState(), online, {}))
    yield Until(lambda: app.identify.reader_available, "the reader to be shown online", 5)
    facts["state_waiting"] = app.identify.state

    record = IdCardRecord(card_type=CardType.RESIDENT, name=NAME, gender_code="1",
                          birth_date=dt.date(1950, 1, 1), id_number=NUMBER,
                          valid_from=dt.date(2015, 1, 1), valid_to="长期", id_number_valid=True,
                          address="黑龙江省哈尔滨市香坊区", photo=b"\x00" * 1024)
    alive = weakref.ref(record)
    from_driver_thread(reader, DeviceEvent("idcard", "card_present"), DeviceEvent("idcard", "record", record))
    del record
    yield Until(lambda: app.identify.state == "identified", "the card to be shown", 5)
    yield 0.2
    facts["masked_name"] = app.identify.ids.masked_name.text
    facts["masked_id"] = app.identify.ids.masked_id.text
    text = all_text(app)
    facts["full_id_on_screen"] = NUMBER in text
    facts["full_name_on_screen"] = NAME in text
    facts["session_has_resident"] = app.session.resident is not None and app.session.resident.name == NAME
    facts["clipped_identify"] = clipped(app.identify)

    # Idle: the warning comes with a countdown; a touch anywhere sends it away.
    started = time.monotonic()
    yield Until(lambda: app.warning._is_open, "the idle warning", 10)
    facts["warning_after"] = time.monotonic() - started
    yield 0.3
    facts["countdown"] = app.warning.ids.countdown.text
    facts["warning_text"] = " ".join(lab.text for lab in labels_of(app.warning))
    facts["clipped_warning"] = clipped(app.warning)
    tap(pos=(5, 5))  # a corner, not the button: any touch counts
    yield 0.3
    facts["warning_open_after_touch"] = app.warning._is_open
    facts["screen_after_touch"] = app.sm.current
    facts["resident_kept_after_touch"] = app.session.resident is not None

    touched = time.monotonic()
    yield Until(lambda: app.sm.current == "home", "the idle timeout", 15)
    facts["timeout_after"] = time.monotonic() - touched
    yield 0.3
    gc.collect()
    facts["record_alive_after_timeout"] = alive() is not None
    facts["session"] = {"resident": app.session.resident is not None, "service": app.session.service,
                        "data": len(app.session.data), "active": app.session.active}
    facts["identify_masked"] = [app.identify.masked_name, app.identify.masked_id]
    text = all_text(app) + " " + " ".join(lab.text for lab in labels_of(app.identify))
    facts["masked_id_anywhere"] = facts["masked_id"] in text
    facts["lang_after_timeout"] = app.lang
    facts["warning_open_after_timeout"] = app.warning._is_open
    facts["idle_running_after_timeout"] = app.idle.running


if __name__ == "__main__":
    run(script)
