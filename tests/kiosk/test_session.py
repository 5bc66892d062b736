"""Session and IdleTimer, driven by a fake clock (no Kivy, no sleeping)."""

import gc
import weakref

import pytest

from kiosk.flows.session import IdleState, IdleTimer, Session, Slot


class FakeClock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Record:
    """Stands in for an ID card record; weak-referenceable so we can prove it is gone."""

    def __init__(self, name: str, number: str):
        self.name = name
        self.id_number = number


class Recorder:
    def __init__(self):
        self.calls: list[tuple] = []

    def warning(self, remaining):
        self.calls.append(("warning", remaining))

    def resume(self):
        self.calls.append(("resume",))

    def timeout(self):
        self.calls.append(("timeout",))


def make_timer(clock, rec, timeout=60, warning=45):
    return IdleTimer(timeout, warning, clock=clock, on_warning=rec.warning,
                     on_resume=rec.resume, on_timeout=rec.timeout)


# -- Session -------------------------------------------------------------------
PHOTO: Slot = Slot("photo")
ANSWERS: Slot = Slot("answers", drop=dict.clear)
PRESSURE: Slot = Slot("pressure")


def test_clear_drops_every_reference_to_the_resident():
    session = Session()
    session.begin("approval")
    record = Record("张三", "230108195001011234")
    photo = Record("photo", "\x89PNG fake photo")  # bytes cannot be weak-referenced
    session.identify(record)
    session.put(PHOTO, photo)
    answers = session.put(ANSWERS, {"phone": "13812345678"})
    kept_by_a_careless_flow = answers
    ref_record, ref_photo = weakref.ref(record), weakref.ref(photo)
    del record, photo

    assert session.active and session.get(ANSWERS) == {"phone": "13812345678"}
    session.clear()
    gc.collect()

    assert ref_record() is None, "the identity record is still alive after clear()"
    assert ref_photo() is None, "a document image is still alive after clear()"
    assert kept_by_a_careless_flow == {}, "a slot that says how is wiped, not only let go"
    assert session.identity is None and session.service is None and session.get(PHOTO) is None
    assert not session.active


def test_begin_starts_from_a_clean_session():
    session = Session()
    session.begin("health")
    session.identify(Record("李四", "110101199003074578"))
    session.put(PRESSURE, (120, 80))
    session.begin("guide")
    assert session.service == "guide"
    assert session.identity is None and not session.holds(PRESSURE)
    assert session.visits == 2


def test_repr_never_shows_personal_data():
    session = Session()
    session.begin("approval")
    session.identify(Record("张三", "230108195001011234"))
    session.put(ANSWERS, {"phone": "13812345678"})
    text = repr(session)
    assert "230108195001011234" not in text and "张三" not in text and "13812345678" not in text
    assert "<held>" in text


# -- IdleTimer -----------------------------------------------------------------
def test_warning_then_timeout_at_the_configured_times():
    clock, rec = FakeClock(), Recorder()
    timer = make_timer(clock, rec)
    timer.start()
    clock.advance(44.9)
    assert timer.poll() is IdleState.RUNNING and rec.calls == []
    clock.advance(0.1)
    assert timer.poll() is IdleState.WARNING
    assert rec.calls == [("warning", pytest.approx(15.0))]
    clock.advance(10)
    assert timer.remaining() == pytest.approx(5.0)
    assert timer.poll() is IdleState.WARNING and len(rec.calls) == 1, "warning fired twice"
    clock.advance(5)
    assert timer.poll() is IdleState.TIMED_OUT
    assert rec.calls[-1] == ("timeout",)
    clock.advance(100)
    timer.poll()
    assert rec.calls.count(("timeout",)) == 1, "timeout fired more than once"
    assert not timer.running


def test_touch_resets_the_count_and_ends_a_warning():
    clock, rec = FakeClock(), Recorder()
    timer = make_timer(clock, rec)
    timer.start()
    clock.advance(30)
    timer.touch()
    clock.advance(44)
    assert timer.poll() is IdleState.RUNNING, "a touch 44 s ago must not warn yet"
    clock.advance(2)
    assert timer.poll() is IdleState.WARNING
    timer.touch()
    assert timer.state is IdleState.RUNNING
    assert rec.calls[-1] == ("resume",)
    clock.advance(59)
    timer.poll()
    assert ("timeout",) not in rec.calls, "timed out although the resident touched 59 s ago"
    clock.advance(1)
    assert timer.poll() is IdleState.TIMED_OUT


def test_a_stalled_loop_still_warns_before_it_times_out():
    clock, rec = FakeClock(), Recorder()
    timer = make_timer(clock, rec)
    timer.start()
    clock.advance(600)
    timer.poll()
    assert [c[0] for c in rec.calls] == ["warning", "timeout"]
    assert rec.calls[0][1] == 0.0


def test_stopped_timer_never_fires_and_touch_does_not_start_it():
    clock, rec = FakeClock(), Recorder()
    timer = make_timer(clock, rec)
    clock.advance(1000)
    assert timer.poll() is IdleState.STOPPED
    timer.start()
    timer.stop()
    timer.touch()
    clock.advance(1000)
    assert timer.poll() is IdleState.STOPPED
    assert rec.calls == [] and timer.remaining() == 0.0


def test_restart_from_the_timeout_callback_keeps_running():
    clock = FakeClock()
    timer = IdleTimer(10, 5, clock=clock)
    timer.on_timeout = timer.start
    timer.start()
    clock.advance(10)
    assert timer.poll() is IdleState.RUNNING
    clock.advance(5)
    assert timer.poll() is IdleState.WARNING


@pytest.mark.parametrize("timeout,warning", [(60, 60), (60, 75), (0, 0), (10, -1)])
def test_warning_must_come_before_timeout(timeout, warning):
    with pytest.raises(ValueError, match="idle"):
        IdleTimer(timeout, warning)


def test_zero_warning_means_the_warning_shows_at_once():
    clock, rec = FakeClock(), Recorder()
    timer = make_timer(clock, rec, timeout=5, warning=0)
    timer.start()
    assert timer.poll() is IdleState.WARNING
    assert rec.calls == [("warning", 5.0)]
