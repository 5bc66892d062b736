"""Soak: one kiosk process files a matter again and again, touch by touch.

Each session is a complete filing on the filing screens (form, papers,
review, done) with real touches; the ID card reader is a device the app's
owner holds, publishing from its own thread as a driver does, so a session
takes a fraction of a second.  The hut's platform serves the catalog, but
no outbox worker runs and there is no printer: each filing goes into the
outbox under a local number and the number is shown to note down, the paths
that hold the most on screen.  The RSS (after a collection) is
recorded every ``EVERY`` sessions.
"""

import datetime as dt
import gc
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from probe_common import FakeReader, Until, from_driver_thread, run, tap  # noqa: E402 - after sys.path above

import simulators.hut as hut_module  # noqa: E402 - after the sys.path line above
from drivers.base import DeviceEvent, DeviceState, Status, StatusChanged  # noqa: E402 - after sys.path above
from drivers.idcard.records import CardType, IdCardRecord  # noqa: E402 - after the sys.path line above

SESSIONS = int(os.environ.get("KIOSK_SOAK_SESSIONS", "1000"))
EVERY = 50


def rss_mb():
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def record(i):
    return IdCardRecord(card_type=CardType.RESIDENT, name="张三丰", gender_code="1", birth_date=dt.date(1950, 1, 1),
                        id_number="230108195001011234", valid_from=dt.date(2015, 1, 1), valid_to="长期",
                        id_number_valid=True, address=f"黑龙江省哈尔滨市香坊区{i}号", photo=b"\x00" * 1024)


def editing(form, name):
    return Until(lambda: form.current is not None and form.current.name == name and form.keyboard,
                 f"the {name} field's editor")


def session(app, reader, i):
    """One filing, touch by touch.  The rows and the phrases are in scroll
    views: Kivy releases a tap there 0.2 s later (it tells a tap from a
    scroll), so every touch waits for what it does, not for a time."""
    terminal = app.terminal
    approval, identify = terminal.flow("approval"), app.screens["identify"]
    form, papers = app.screens["form"], app.screens["papers"]
    review, done = app.screens["review"], app.screens["done"]
    app.open_service("approval")
    approval.choice.choose("SQ-001")
    approval.start()
    from_driver_thread(reader, DeviceEvent("idcard", "card_present"), DeviceEvent("idcard", "record", record(i)))
    yield Until(lambda: identify.state == "identified", "the card", 5)
    tap(identify.ids.proceed)
    yield Until(lambda: app.sm.current == "form" and form.rows, "the form", 5)
    tap(form.rows["certificate"])
    yield editing(form, "certificate")
    tap(form.choice_buttons[i % len(form.choice_buttons)])
    yield Until(lambda: form.rows["certificate"].display, "the certificate chosen")
    tap(form.rows["purpose"])
    yield editing(form, "purpose")
    tap(form.ids.phrases_button)
    yield Until(lambda: form.phrases_open and form.ids.phrases.children, "the common phrases")
    tap(form.ids.phrases.children[-1])
    yield Until(lambda: form.rows["purpose"].display, "the phrase entered")
    tap(form.rows["phone"])
    yield editing(form, "phone")
    keypad = form.ids.keypad
    for typed, digit in enumerate("13812345678", 1):
        tap(keypad.ids[f"key{digit}"])
        # a resident sees each digit appear before the next (the keypad lies in the
        # editor's scroll view, which holds a touch back a moment to tell a tap from a swipe)
        yield Until(lambda typed=typed: len(keypad.value) == typed, "the digit typed", 5)
    sent = approval.form.view
    tap(form.ids.enter)
    yield Until(lambda: approval.form.view is not sent, "the phone number to reach the flow")
    tap(form.ids.proceed)
    try:
        yield Until(lambda: app.sm.current == "papers", "the papers", 5)
    except TimeoutError:
        raise AssertionError(f"session {i}: the form was not accepted: "
                             f"{[(r.name, r.problem) for r in form.rows.values()]}") from None
    tap(papers.ids.proceed)
    yield Until(lambda: app.sm.current == "review", "the review", 5)
    tap(review.ids.consent)
    yield Until(lambda: review.consent_given, "the consent given")
    tap(review.ids.submit)
    yield Until(lambda: approval.state.value == "done" and done.slip, "the number", 10)
    from_driver_thread(reader, DeviceEvent("idcard", "card_removed"))
    tap(done.ids.finish)
    yield Until(lambda: app.sm.current == "home" and not terminal.session.active, "home", 5)


def script(app, facts):
    terminal = app.terminal
    yield Until(lambda: app.sm is not None and app.ready and terminal.catalog() is not None,
                "the app and the platform's catalog", 30)
    reader = FakeReader("idcard")
    terminal.owner.attach(reader)   # the terminal attaches it to identification with its first status
    from_driver_thread(reader, StatusChanged("idcard", DeviceState(), DeviceState(Status.ONLINE, {"card_present": False}), {}))
    yield Until(lambda: terminal.identify.view.reader_available, "the reader", 5)
    facts["rss_mb"], facts["numbers"] = [], 0
    for i in range(1, SESSIONS + 1):
        yield from session(app, reader, i)
        facts["numbers"] += bool(app.screens["done"].number == "")   # forgotten once home
        if i % EVERY == 0:
            gc.collect()
            facts["rss_mb"].append([i, round(rss_mb(), 1)])
    facts["sessions"] = SESSIONS
    facts["outbox_pending"] = terminal.outbox.status()["pending"]


def main():
    workdir, out = Path(sys.argv[1]), sys.argv[2]
    # A smaller window than the reference: the same widgets, fewer pixels for
    # the software renderer to draw on every frame of 1,000 sessions.
    overrides = {"timeouts": {"idle_seconds": 600, "idle_warning_seconds": 500},
                 "screen": {"width": 1280, "height": 800}}
    with hut_module.Hut(workdir, only=["platform"], overrides=overrides) as hut:
        sys.argv[1:3] = [str(hut.config_path), out]
        run(script)


if __name__ == "__main__":
    main()
