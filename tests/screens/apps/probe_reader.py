"""The identify screen against the real ID card driver and its simulator (a pty).

A resident puts the card down early, chooses a service, is identified, and
walks off leaving the card on the reader.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from probe_common import Until, labels_of, run  # noqa: E402 - after the sys.path line above

import simulators.hut as hut_module  # noqa: E402 - after the sys.path line above

IDCARD = "simulators.idcard.sam:IdCardSimulator"


def script(hut):
    def walk(app, facts):
        yield Until(lambda: app.identify.reader_available, "the reader to come online", 20)
        facts["reader_online"] = True
        hut.control("idcard", "place_card", card="resident")
        yield Until(lambda: app.card_on_reader, "the card to be noticed", 10)
        yield 1.0
        facts["session_after_card_at_home"] = app.session.active
        facts["screen_at_home"] = app.sm.current

        app.show_identify("request")
        yield Until(lambda: app.identify.state == "identified", "the early card to be read again", 10)
        facts["masked_name"] = app.identify.masked_name
        facts["masked_id"] = app.identify.masked_id
        record = app.session.resident
        facts["full_id_on_screen"] = any(record.id_number in lab.text for lab in labels_of(app.identify))
        del record

        app.go_home("resident")
        yield Until(lambda: app.card_reminder, "the reminder to take the card", 10)
        facts["home_prompt_with_card"] = app.home.ids.prompt.ids.first.text
        # The next resident must not be identified with the card left behind.
        app.show_identify("approval")
        yield 2.0
        facts["next_resident_state"] = app.identify.state
        facts["next_resident_session_has_card"] = app.session.resident is not None
        app.go_home("resident")
        yield 0.3
        hut.control("idcard", "remove_card")
        yield Until(lambda: not app.card_reminder, "the reminder to go away", 10)
        facts["home_prompt_after"] = app.home.ids.prompt.ids.first.text
    return walk


def main():
    workdir, out = Path(sys.argv[1]), sys.argv[2]
    if IDCARD not in hut_module.SIMULATORS:
        hut_module.SIMULATORS.append(IDCARD)
    with hut_module.Hut(workdir, only=["idcard"]) as hut:
        sys.argv[1:3] = [str(hut.config_path), out]
        run(script(hut))


if __name__ == "__main__":
    main()
