"""The demo's staff part: the staff's own screen with one device in error, and
the closed screen outside the opening hours.

The hut's printer runs out of paper; a staff card is enrolled on this
terminal (as ``kiosk card uid --enrol`` does) and placed on the simulated
staff card reader; the staff screen lists every device with doctor's advice,
the printer's in red.  Taking the card away leaves.  Then the terminal's clock
is set to a Friday evening under the hours 08:30-17:30 on weekdays: the closed
screen, "星期一08:30开放".  Everything is put back after.

Called from ``simulators.demo.walkthrough`` with its ``shot(name, caption)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, Callable

from simulators.demo.script import SETTLE, Script, Until, hut_control

STAFF_UID = "04A1B2C3D4E580"   # the smart card simulator's staff card
CLOSED_AT = dt.datetime(2026, 10, 2, 18, 0)   # a Friday evening


def enrol_staff_card(settings: Any) -> None:
    from kiosk.ops.staff import staff_card_hash
    from kiosk.secrets_file import load_maintenance, write_secrets_file

    keys = load_maintenance(settings.paths.secrets_file)
    digest = staff_card_hash(bytes.fromhex(STAFF_UID), keys.staff_card_key)
    if digest not in keys.staff_cards:
        write_secrets_file(settings.paths.secrets_file, staff_cards=(*keys.staff_cards, digest))


def staff_walkthrough(app: Any, control_url: str, shot: Callable[[str, str], None],
                      devices: dict[str, Any], log: Callable[[str], None]) -> Script:
    from kiosk.terminal.hours import OpeningHours, parse_day

    terminal = app.terminal
    if "smartcard" in devices and "printer" in devices:
        enrol_staff_card(terminal.settings)
        app.go_home("resident")
        hut_control(control_url, "printer", "set_paper", state="end")
        yield Until(lambda: (terminal.owner.record("printer") or terminal.owner.records()["printer"]).status
                    != "online", "the printer to report its paper out", 20)
        hut_control(control_url, "smartcard", "insert", card="staff")
        staff = app.screens["staff"]
        yield Until(lambda: app.sm.current == "staff" and staff.phase == "open", "the staff screen", 30)
        row = staff._rows.get("printer")
        if row is not None:
            staff.ids.scroll.reveal(row)
        yield SETTLE
        shot("86-staff-screen", "The staff's screen (staff card on its reader): every device with kiosk doctor's "
                                "advice; the printer out of paper")
        hut_control(control_url, "smartcard", "remove", reader="staff")
        yield Until(lambda: app.sm.current == "home", "home after the staff card was taken", 20)
        hut_control(control_url, "printer", "set_paper", state="ok")
    else:
        log("  (no smart card reader or printer in this hut: no staff screen)")

    hours, now, hut = terminal.hours, terminal.now, terminal.view.hut
    terminal.hours = OpeningHours((parse_day("08:30-17:30"),) * 5 + ((), ()))
    terminal._update(hut=replace(hut, hours=terminal.hours))
    terminal.now = lambda: CLOSED_AT
    yield Until(lambda: app.sm.current == "closed", "the closed screen", 10)
    yield SETTLE
    shot("87-closed", "Outside the opening hours ([hut.hours]): closed, and when it opens again")
    terminal.hours, terminal.now = hours, now
    terminal._update(hut=hut)
    app.go_home("resident")
    yield Until(lambda: app.sm.current == "home", "home again", 10)
