"""The social security card's record is the ID card's identity record:
same JSON keys where they mean the same, masked repr, accepted by the
identify step."""

from __future__ import annotations

import datetime as dt
import logging

from drivers.base import DeviceEvent, Status
from drivers.idcard.records import CardType, IdCardRecord
from drivers.smartcard import codec
from kiosk.flows.identify import IdentifyFlow, IdentifyState
from kiosk.flows.session import Session
from kiosk.services.progress.flow import ANY_CARD
from simulators.smartcard.cards import DEFAULT_PERSON, make_card
from tests.smartcard_fixtures import TODAY, run


def _record():
    return run(codec.read_social_security(TODAY), make_card("social_security"))[0]


def _id_card_json() -> dict:
    return IdCardRecord(card_type=CardType.RESIDENT, name="张三", gender_code="1", birth_date=dt.date(1990, 1, 1),
                        id_number=DEFAULT_PERSON["id_number"], valid_from=dt.date(2020, 1, 1),
                        valid_to=dt.date(2040, 1, 1), id_number_valid=True).as_json()


def test_json_has_the_id_card_keys_plus_the_card_facts():
    out = _record().as_json()
    assert set(_id_card_json()) <= set(out)
    assert {"card_number", "issue_date", "expiry_date", "region_code"} <= set(out)
    assert out["card_type"] == "social_security"
    assert out["issue_date"] == out["valid_from"] == "2020-01-15"
    assert out["expiry_date"] == out["valid_to"] == "2030-01-15"


def test_repr_and_logs_hide_personal_data(caplog):
    record = _record()
    for text in (repr(record), str(record), repr(DeviceEvent("sscard", "record", record))):
        assert DEFAULT_PERSON["id_number"] not in text
        assert "王秀英" not in text and "A12345678" not in text
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("read %r", record)
    assert DEFAULT_PERSON["id_number"] not in caplog.text


def test_identify_step_takes_the_social_security_record():
    session = Session()
    session.begin("health")
    flow = IdentifyFlow(session)
    flow.reader_status(Status.ONLINE)
    flow.start(ANY_CARD)  # the health check accepts the card
    flow.handle(DeviceEvent("sscard", "card_present"))
    flow.handle(DeviceEvent("sscard", "record", _record()))
    assert flow.state is IdentifyState.IDENTIFIED
    assert flow.view.masked_name == "王**" and flow.view.masked_id == "110105********002X"
    assert session.identity.card_type is CardType.SOCIAL_SECURITY
