"""The identify screen against the real ID card driver and its simulator (a pty).

A resident puts the card down early, chooses a service, is identified, and
walks off leaving the card on the reader.  The hut's platform serves the
catalog the matter is chosen from.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from probe_common import DeviceEvents, Until, handled, labels_of, run, to_identify  # noqa: E402 - after sys.path above

import simulators.hut as hut_module  # noqa: E402 - after the sys.path line above

MATTER = "SQ-001"


def script(hut):
    def walk(app, facts):
        terminal, identify = app.terminal, app.screens["identify"]
        events = DeviceEvents(app)
        yield Until(lambda: terminal.identify.view.reader_available, "the reader to come online", 20)
        yield Until(lambda: terminal.catalog() is not None, "the catalog from the platform", 20)
        facts["reader_online"] = True
        hut.control("idcard", "place_card", card="resident")
        yield Until(lambda: app.card_on_reader, "the card to be noticed", 10)
        yield Until(lambda: events.count("idcard", "record"), "the card to be read at home", 10)
        facts["session_after_card_at_home"] = terminal.session.active
        facts["screen_at_home"] = app.sm.current

        yield from to_identify(app, MATTER)
        yield Until(lambda: identify.state == "identified", "the early card to be read again", 10)
        facts["masked_name"] = identify.masked_name
        facts["masked_id"] = identify.masked_id
        identity = terminal.session.identity
        facts["full_id_on_screen"] = any(identity.id_number in lab.text for lab in labels_of(identify))
        del identity

        app.go_home("resident")
        yield Until(lambda: app.card_reminder, "the reminder to take the card", 10)
        facts["home_prompt_with_card"] = app.screens["home"].ids.prompt.ids.first.text
        # The next resident must not be identified with the card left behind:
        # the step opens, and the reader polls the card lying there at least
        # twice (a read, if one were asked for, follows the next poll) before we look.
        reads = events.count("idcard", "record")
        yield from to_identify(app, MATTER)
        commands = hut.control("idcard", "status")["commands"]
        yield Until(lambda: hut.control("idcard", "status")["commands"] >= commands + 6,
                    "the reader to poll the card left behind twice", 10)
        yield handled(app)
        facts["next_resident_state"] = identify.state
        facts["next_resident_reads"] = events.count("idcard", "record") - reads
        facts["next_resident_session_has_card"] = terminal.session.identity is not None
        app.go_home("resident")
        hut.control("idcard", "remove_card")
        yield Until(lambda: not app.card_reminder, "the reminder to go away", 10)
        facts["home_prompt_after"] = app.screens["home"].ids.prompt.ids.first.text
    return walk


def main():
    workdir, out = Path(sys.argv[1]), sys.argv[2]
    with hut_module.Hut(workdir, only=["idcard", "platform"]) as hut:
        sys.argv[1:3] = [str(hut.config_path), out]
        run(script(hut))


if __name__ == "__main__":
    main()
