"""The staff's screen with real touches against the virtual hut: the staff
card placed on the simulated staff card reader (pcscd + vpcd) opens it, the
printer's self-test prints the test slip on the simulated printer, taking the
card away leaves; then the hut's hours end and the closed screen shows.
"""

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from probe_common import SETTLE, Until, handled, labels_of, laid_out, run, tap  # noqa: E402 - after sys.path above

import simulators.hut as hut_module  # noqa: E402 - after the sys.path line above
from kiosk.ops.staff import staff_card_hash  # noqa: E402 - after the sys.path line above
from kiosk.secrets_file import load_maintenance, write_secrets_file  # noqa: E402 - after the sys.path line above
from simulators.demo.script import screenshot  # noqa: E402 - after the sys.path line above

STAFF_UID = "04A1B2C3D4E580"   # the simulator's staff card
HOURS = {"hut": {"opening_hours": "", "hours": {"monday": "08:30-17:30", "tuesday": "08:30-17:30", "wednesday": "08:30-17:30",
                           "thursday": "08:30-17:30", "friday": "08:30-17:30", "screen_off_minutes": 1}}}
OPEN_MOMENT = dt.datetime(2026, 9, 28, 10, 0)      # a Monday morning
CLOSED_MOMENT = dt.datetime(2026, 10, 2, 18, 0)    # a Friday evening: open again on Monday


def script(hut, out):
    def walk(app, facts):
        terminal = app.terminal
        wall = {"now": OPEN_MOMENT}
        terminal.now = lambda: wall["now"]
        staff = app.screens["staff"]
        key = load_maintenance(hut.secrets_path).staff_card_key
        write_secrets_file(hut.secrets_path, staff_cards=(staff_card_hash(bytes.fromhex(STAFF_UID), key),))
        yield Until(lambda: any(r.status == "online" and "staff_card_uid" in (r.info.get("capabilities") or ())
                                for r in terminal.owner.records().values()), "the staff card reader", 30)
        yield Until(lambda: terminal.owner.record("printer").status == "online", "the printer", 30)
        # the services' flows are built on their own thread (准备中 until then), and outside the real
        # clock's opening hours the hut was closed until its tick read the probe's Monday morning
        yield Until(lambda: app.sm.current == "home", "the home screen", 60)
        facts["screen_before"] = app.sm.current
        hut.control("smartcard", "insert", card="staff")
        yield Until(lambda: app.sm.current == "staff" and staff.phase == "open", "the staff screen", 30)
        yield laid_out()
        yield SETTLE
        screenshot(out / "staff.png")
        facts["operator"] = staff.operator
        facts["devices_listed"] = sorted(staff._rows)
        facts["reader_lines"] = {name: staff._rows[name].text.split("\n")[0] for name in ("smartcard", "staffcard")}
        row = staff._rows["printer"]
        body = staff.ids.body
        facts["layout"] = {"body": list(body.size), "view": list(staff.ids.scroll.ids.view.size),
                           "row": list(row.size), "row_pos": list(row.to_window(*row.pos)),
                           "rows": len(staff.ids.devices.children), "text": row.text[:80]}
        jobs_before = len(hut.control("printer", "jobs")["jobs"])
        staff.ids.scroll.reveal(row)
        yield laid_out()
        tap(row.ids.test)
        yield Until(lambda: "printer" in terminal.staff._results, "the printer's self-test", 30)
        yield handled(app)
        facts["printer_test"] = terminal.staff._results["printer"]
        # The simulator files the job once the slip's last bytes (the cut) have arrived.
        yield Until(lambda: len(hut.control("printer", "jobs")["jobs"]) > jobs_before, "the slip on the printer", 10)
        facts["slips_printed"] = len(hut.control("printer", "jobs")["jobs"]) - jobs_before
        facts["notice"] = staff.ids.notice.text
        yield laid_out()
        yield SETTLE
        screenshot(out / "staff-test.png")
        hut.control("smartcard", "remove", reader="staff")
        yield Until(lambda: app.sm.current == "home", "home after the card was taken", 20)
        facts["after_leaving"] = app.sm.current
        # The hours end: the closed screen.
        wall["now"] = CLOSED_MOMENT
        yield Until(lambda: app.sm.current == "closed", "the closed screen", 10)
        yield laid_out()
        yield SETTLE
        screenshot(out / "closed.png")
        closed = app.screens["closed"]
        facts["closed_title"] = closed.ids.title.first
        facts["reopens"] = closed.ids.reopens.first
        facts["closed_texts"] = [label.text for label in labels_of(closed) if label.text]
        facts["mode"] = terminal.mode()
        tap(pos=(app.root.width / 2, app.root.height / 2))   # a touch on the closed screen does not open anything
        yield laid_out()
        facts["after_touch"] = app.sm.current
        # The staff's other way in: a finger held 5 s on the top-left corner, then the PIN on the keypad.
        from kivy.tests.common import UnitTestTouch

        finger = UnitTestTouch(8, app.root.height - 8)
        finger.touch_down()
        yield 2.0
        facts["pin_after_2s"] = staff.phase == "pin"
        yield Until(lambda: staff.phase == "pin", "the PIN keypad after the long press", 10)
        finger.touch_up()
        yield laid_out()
        keypad = staff.ids.keypad
        for digit in "246810":
            tap(keypad.ids[f"key{digit}"])
        facts["pin_dots"] = staff.ids.dots.text
        tap(staff.ids.pin_ok)
        yield Until(lambda: staff.phase == "open", "the staff screen by PIN", 30)
        facts["pin_operator"] = staff.operator
        yield laid_out()
        tap(staff.ids.exit)
        yield Until(lambda: app.sm.current == "closed", "the closed screen again after 退出", 10)
        facts["after_exit"] = app.sm.current
        app.stop()
    return walk


def main():
    workdir, out = Path(sys.argv[1]), sys.argv[2]
    with hut_module.Hut(workdir, only=["smartcard", "printer", "platform"], overrides=HOURS) as hut:
        sys.argv[1:3] = [str(hut.config_path), out]
        run(script(hut, Path(out).parent))


if __name__ == "__main__":
    main()
