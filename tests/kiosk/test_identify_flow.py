"""IdentifyFlow driven by plain reader events and a fake reader (no Kivy, no display)."""

import datetime as dt
import gc
import weakref

import pytest

from drivers.base import Action, DeviceError, DeviceEvent, DeviceState, Status, StatusChanged
from drivers.idcard.records import CardType, IdCardRecord
from kiosk.flows.identify import IdentifyFlow, IdentifyState
from kiosk.flows.session import Session
from kiosk.identity import Identity
from kiosk.services.progress.flow import ANY_CARD

NAME, NUMBER = "张三丰", "230108195001011234"
S = IdentifyState


def make_record(name=NAME, number=NUMBER):
    return IdCardRecord(card_type=CardType.RESIDENT, name=name, gender_code="1",
                        birth_date=dt.date(1950, 1, 1), id_number=number,
                        valid_from=dt.date(2015, 1, 1), valid_to="长期", id_number_valid=True,
                        address="黑龙江省哈尔滨市香坊区", photo=b"\x00" * 64)


class FakeReader:
    """Does what IdCardReader does for the flow: a card lies on it or not;
    ``remind_if_present`` reports ``card_left`` once per card through the
    same path as every other event (here: straight into the flow)."""

    name = "idcard"

    def __init__(self):
        self.card = False
        self.read_again_calls = 0
        self.remind_calls = 0
        self._left_reported = False
        self.deliver = None  # set to flow.handle

    def read_again(self):
        self.read_again_calls += 1

    def remind_if_present(self):
        self.remind_calls += 1
        if not self.card or self._left_reported:
            return False
        self._left_reported = True
        self.deliver(event("card_left"))
        return True


def event(kind, data=None):
    return DeviceEvent("idcard", kind, data)


def status(new, old=Status.UNKNOWN):
    return StatusChanged("idcard", DeviceState(old), DeviceState(new), {"status": (old.value, new.value)})


def read_error():
    return DeviceError("idcard", "读卡失败，请重新放置身份证 / card read failed, place the card again: 0x41",
                       Action.CLEAR, "0x41")


@pytest.fixture
def session():
    return Session()


@pytest.fixture
def reader():
    return FakeReader()


@pytest.fixture
def flow(session, reader):
    flow = IdentifyFlow(session, [reader])
    reader.deliver = flow.handle
    return flow


def online(flow):
    flow.handle(status(Status.ONLINE))


def open_step(flow, session, service="approval"):
    session.begin(service)
    flow.start()


def place_card(flow, reader, record=None):
    reader.card = True
    flow.handle(event("card_present"))
    flow.handle(event("record", record if record is not None else make_record()))


def take_card(flow, reader):
    reader.card = False
    reader._left_reported = False
    flow.handle(event("card_removed"))


# -- the resident is identified -------------------------------------------------------
def test_a_card_read_identifies_the_resident_with_the_record_in_the_session(flow, session, reader):
    online(flow)
    open_step(flow, session)
    assert flow.state is S.WAITING
    reader.card = True
    flow.handle(event("card_present"))
    assert flow.state is S.READING
    record = make_record()
    flow.handle(event("record", record))

    assert flow.state is S.IDENTIFIED
    assert session.identity == Identity.from_card(record)
    assert session.service == "approval", "identifying must not lose the chosen service"
    view = flow.view
    assert view.masked_name == "张**" and view.masked_id == "230108********1234"
    assert view.card_on_reader
    assert NUMBER not in repr(view) and NAME not in repr(view)
    assert all(NUMBER not in str(value) and NAME not in str(value) for value in vars(view).values())


def test_a_record_without_card_present_first_still_identifies(flow, session):
    online(flow)
    open_step(flow, session)
    flow.handle(event("record", make_record()))
    assert flow.state is S.IDENTIFIED and session.identity is not None


def test_a_card_read_on_the_home_screen_is_not_kept(flow, session, reader):
    online(flow)
    place_card(flow, reader)
    assert flow.state is S.CLOSED
    assert session.identity is None and not session.active
    assert flow.view.card_on_reader and flow.view.masked_id == ""


def test_a_card_already_on_the_reader_is_asked_for_again_when_the_step_opens(flow, session, reader):
    online(flow)
    place_card(flow, reader)  # placed before choosing a service: not kept
    assert reader.read_again_calls == 0
    open_step(flow, session)
    assert reader.read_again_calls == 1
    flow.handle(event("record", make_record()))  # the driver delivers it again
    assert flow.state is S.IDENTIFIED and session.identity is not None


def test_a_record_with_no_data_identifies_nobody(flow, session):
    online(flow)
    open_step(flow, session)
    flow.handle(event("record", None))
    assert flow.state is S.WAITING and session.identity is None


def test_a_second_card_replaces_the_first_while_the_step_is_open(flow, session, reader):
    online(flow)
    open_step(flow, session)
    place_card(flow, reader)
    take_card(flow, reader)
    assert flow.state is S.IDENTIFIED, "taking the card after the read must not undo it"
    other = make_record("李四", "110101199003074578")
    place_card(flow, reader, other)
    assert session.identity == Identity.from_card(other) and flow.view.masked_id == "110101********4578"


# -- failures -------------------------------------------------------------------------
def test_a_failed_read_is_a_friendly_failed_state_and_placing_the_card_again_works(flow, session, reader):
    online(flow)
    open_step(flow, session)
    reader.card = True
    flow.handle(event("card_present"))
    flow.handle(read_error())
    assert flow.state is S.FAILED
    assert session.identity is None and flow.view.masked_name == ""
    # The resident lifts the card and places it again.
    take_card(flow, reader)
    assert flow.state is S.FAILED
    place_card(flow, reader)
    assert flow.state is S.IDENTIFIED and session.identity is not None


def test_the_reader_retrying_by_itself_after_a_failure_also_identifies(flow, session):
    online(flow)
    open_step(flow, session)
    flow.handle(event("card_present"))
    flow.handle(read_error())
    flow.handle(event("record", make_record()))  # the next poll read it
    assert flow.state is S.IDENTIFIED


def test_a_card_lifted_while_reading_is_a_failed_read(flow, session, reader):
    online(flow)
    open_step(flow, session)
    flow.handle(event("card_present"))
    take_card(flow, reader)
    assert flow.state is S.FAILED
    flow.handle(event("card_present"))
    assert flow.state is S.READING


def test_an_error_while_nobody_is_reading_changes_nothing(flow, session):
    online(flow)
    open_step(flow, session)
    flow.handle(read_error())
    assert flow.state is S.WAITING
    flow.handle(event("record", make_record()))
    flow.handle(read_error())
    assert flow.state is S.IDENTIFIED


# -- the reader comes and goes -----------------------------------------------------------
@pytest.mark.parametrize("down", [Status.OFFLINE, Status.POWER_OFF, Status.NO_DEVICE,
                                  Status.HARDWARE_ERROR, Status.UNKNOWN])
def test_reader_down_is_reader_unavailable_and_back_is_waiting(flow, session, down):
    online(flow)
    open_step(flow, session)
    flow.handle(status(down, Status.ONLINE))
    assert flow.state is S.READER_UNAVAILABLE and not flow.view.reader_available
    flow.handle(status(Status.ONLINE, down))
    assert flow.state is S.WAITING and flow.view.reader_available


def test_before_any_reader_reports_the_step_opens_as_unavailable(flow, session, reader):
    open_step(flow, session)
    assert flow.state is S.READER_UNAVAILABLE
    flow.reader_status(Status.ONLINE)  # what the app passes after open()
    assert flow.state is S.WAITING


def test_a_reader_going_down_mid_read_or_after_failure_is_unavailable(flow, session):
    online(flow)
    open_step(flow, session)
    flow.handle(event("card_present"))
    flow.handle(status(Status.UNKNOWN, Status.ONLINE))
    assert flow.state is S.READER_UNAVAILABLE
    flow.handle(status(Status.ONLINE))
    flow.handle(event("card_present"))
    flow.handle(read_error())
    flow.handle(status(Status.OFFLINE, Status.ONLINE))
    assert flow.state is S.READER_UNAVAILABLE


def test_a_resident_already_identified_stays_identified_when_the_reader_drops(flow, session):
    online(flow)
    open_step(flow, session)
    flow.handle(event("record", make_record()))
    flow.handle(status(Status.OFFLINE, Status.ONLINE))
    assert flow.state is S.IDENTIFIED and session.identity is not None
    assert not flow.view.reader_available


def test_busy_or_user_error_still_counts_as_a_reader(flow, session):
    online(flow)
    open_step(flow, session)
    for st in (Status.BUSY, Status.USER_ERROR, Status.STARTING):
        flow.handle(status(st, Status.ONLINE))
        assert flow.state is S.WAITING and flow.view.reader_available


def test_status_changes_while_closed_only_update_availability(flow):
    flow.handle(status(Status.OFFLINE))
    assert flow.state is S.CLOSED and not flow.view.reader_available
    flow.handle(status(Status.ONLINE))
    assert flow.state is S.CLOSED and flow.view.reader_available


# -- the card left behind ------------------------------------------------------------------
def test_session_end_with_the_card_on_the_reader_reminds_until_it_is_taken(flow, session, reader):
    online(flow)
    open_step(flow, session)
    place_card(flow, reader)
    flow.end()
    assert reader.remind_calls == 1
    assert flow.state is S.CLOSED
    assert flow.view.card_reminder and flow.view.card_on_reader
    flow.handle(event("card_present"))  # nothing the reader says about it clears the reminder
    flow.handle(read_error())
    assert flow.view.card_reminder
    take_card(flow, reader)
    assert not flow.view.card_reminder and not flow.view.card_on_reader


def test_session_end_without_a_card_raises_no_reminder(flow, session, reader):
    online(flow)
    open_step(flow, session)
    place_card(flow, reader)
    take_card(flow, reader)
    flow.end()
    assert reader.remind_calls == 1
    assert not flow.view.card_reminder


def test_a_card_left_by_the_previous_resident_is_not_taken_as_the_next_ones(flow, session, reader):
    online(flow)
    open_step(flow, session)
    place_card(flow, reader)
    flow.end()
    session.clear()

    open_step(flow, session, "progress")  # the next resident
    assert reader.read_again_calls == 1, "the left card must not be read again for the next resident"
    assert flow.state is S.WAITING
    flow.handle(event("record", make_record()))  # even if the reader delivered it anyway
    assert flow.state is S.WAITING and session.identity is None and flow.view.masked_id == ""
    assert flow.view.card_reminder

    take_card(flow, reader)  # the previous resident's card is gone; the next one's is placed
    mine = make_record("李四", "110101199003074578")
    place_card(flow, reader, mine)
    assert flow.state is S.IDENTIFIED and session.identity == Identity.from_card(mine)


def test_the_reminder_survives_until_removed_even_across_steps_without_a_card(flow, session, reader):
    online(flow)
    place_card(flow, reader)
    flow.end()  # a visit that never identified: the card on the reader is still pointed out
    assert flow.view.card_reminder
    open_step(flow, session)
    flow.cancel()
    assert flow.view.card_reminder
    take_card(flow, reader)
    assert not flow.view.card_reminder


# -- leaving the step ----------------------------------------------------------------------
@pytest.mark.parametrize("leave", ["cancel", "end"])
def test_cancel_or_timeout_drops_the_record_from_the_session(flow, session, reader, leave):
    online(flow)
    open_step(flow, session)
    record = make_record()
    alive = weakref.ref(record)
    place_card(flow, reader, record)
    assert session.identity == Identity.from_card(record)
    del record

    getattr(flow, leave)()  # "Back" or the idle timeout's go_home
    gc.collect()

    assert alive() is None, f"the identity record is still alive after {leave}()"
    assert session.identity is None
    assert flow.state is S.CLOSED
    assert flow.view.masked_name == "" and flow.view.masked_id == ""


def test_confirm_closes_the_step_and_keeps_the_record_for_the_service(flow, session, reader):
    online(flow)
    open_step(flow, session)
    record = make_record()
    place_card(flow, reader, record)
    assert flow.confirm() is not None
    assert flow.state is S.CLOSED and session.identity == Identity.from_card(record)
    assert flow.view.masked_id == "", "the masked ID is no longer on any screen"
    take_card(flow, reader)  # taking the card during the service keeps the identity
    flow.handle(event("record", make_record("李四", "110101199003074578")))
    assert session.identity == Identity.from_card(record), "a card read during the service must not replace the resident"


@pytest.mark.parametrize("setup", ["waiting", "reading", "failed", "unavailable", "closed"])
def test_confirm_does_nothing_unless_identified(flow, session, setup):
    online(flow)
    if setup != "closed":
        open_step(flow, session)
    if setup in ("reading", "failed"):
        flow.handle(event("card_present"))
    if setup == "failed":
        flow.handle(read_error())
    if setup == "unavailable":
        flow.handle(status(Status.OFFLINE, Status.ONLINE))
    before = flow.state
    assert flow.confirm() is None
    assert flow.state is before


def test_start_clears_what_the_previous_opening_showed(flow, session, reader):
    online(flow)
    open_step(flow, session)
    place_card(flow, reader)
    take_card(flow, reader)
    flow.start()
    assert flow.state is S.WAITING and flow.view.masked_name == "" and flow.view.masked_id == ""


# -- observing ----------------------------------------------------------------------------
def test_listeners_see_every_change_once_and_can_leave(flow, session, reader):
    seen = []
    unsubscribe = flow.subscribe(seen.append)
    online(flow)
    online(flow)  # no change, no call
    open_step(flow, session)
    place_card(flow, reader)
    assert [v.state for v in seen] == [S.CLOSED, S.WAITING, S.READING, S.IDENTIFIED]
    assert seen[-1] is flow.view
    unsubscribe()
    flow.end()
    assert len(seen) == 4


def test_a_broken_reader_does_not_keep_the_step_from_opening_or_ending(session, reader):
    class Broken:
        name = "broken"

        def read_again(self):
            raise OSError("gone")

        def remind_if_present(self):
            raise OSError("gone")

    flow = IdentifyFlow(session, [Broken()])
    flow.attach(reader)
    reader.deliver = flow.handle
    online(flow)
    open_step(flow, session)
    assert flow.state is S.WAITING and reader.read_again_calls == 1
    place_card(flow, reader)
    flow.end()
    assert reader.remind_calls == 1 and flow.view.card_reminder


def test_a_social_security_card_is_refused_where_the_id_card_is_required():
    session = Session()
    flow = IdentifyFlow(session)
    flow.reader_status(Status.ONLINE)
    ssc = {"card_type": "social_security", "name": "李四", "id_number": "110105194912310021"}
    flow.start()
    flow.handle(DeviceEvent("smartcard", "card_present"))
    flow.handle(DeviceEvent("smartcard", "record", ssc))
    assert flow.state is IdentifyState.CARD_NOT_ACCEPTED and session.identity is None
    assert flow.view.masked_name == "" and flow.view.masked_id == ""
    flow.start(ANY_CARD)
    flow.handle(DeviceEvent("smartcard", "record", ssc))
    assert flow.state is IdentifyState.IDENTIFIED and session.identity == Identity.from_card(ssc)
    assert flow.view.masked_id == "110105********0021"
