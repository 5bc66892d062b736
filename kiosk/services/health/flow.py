"""健康自测: one guided visit through the hut's health devices.

Who: the resident places the ID card or the social security card (the step
reads it at once, as progress does) so the results join their health record,
or chooses to measure without identifying (nothing is sent or kept, the slip
carries no name).  An identified visit asks the separate consent for health
data (PIPL art. 29) before the first measurement; declining measures without
saving, as an anonymous visit.

What: the resident picks items (or all); an item whose device is down stays
in the list with the reason.  Each item then has its own little path on the
measure step: blood pressure offers a 5-minute seated rest and takes two
readings 1-2 minutes apart (a third when they differ: ``bp``); glucose asks
when the resident last ate; the waist is typed on a keypad (and the sex asked
when no card said it); the others show their picture and sentence and
measure.  A device's fault is shown in its words with "try again", and after
two failures of the same item also "ask the staff".

Results: every item with its value, its class in words and its place on the
scale, the not-a-diagnosis note, a plain "see a doctor today" for urgent
values; for an identified resident the platform's earlier results (a trend)
and the record sent through the outbox; a health slip.  A card taken away
mid-visit wipes an identified visit's values (the next person must not find
them); the idle timeout ends the visit as everywhere.

States::

    closed ─open─▶ who ─card─▶ consent ─agree─▶ items      (decline: items, anonymous)
                   who ─anonymous─▶ items ─start─▶ (per item) rest │ context │ guide │ waist
    rest ─skip/elapsed─▶ guide ─measure─▶ measuring ─result─▶ item_done │ interval (blood pressure)
                                          measuring ─failure─▶ failed ─measure─▶ measuring
    interval ─elapsed─▶ guide;  item_done ─next─▶ (the next item) │ results
    interval ─measure_meanwhile─▶ a seated item (temperature, blood oxygen); when it is done,
             blood pressure again: the rest of its minute, or the next reading's guide
    any measuring state ─card_taken (identified)─▶ wiped;  any ─close─▶ closed
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import math
import threading
from dataclasses import dataclass
from typing import Any, Callable

from drivers.base import DeviceEvent, DeviceFailure, StatusChanged
from drivers.health.records import Kind, measurement
from kiosk.checkup import classify
from kiosk.checkup.session import MeasurementSession, display
from kiosk.checkup.visit import Visit
from kiosk.devices.availability import MEASURE, SlipMode
from kiosk.filing.submission import print_slip
from kiosk.flows.jobs import JobSlot
from kiosk.flows.service import CardRequest, FlowContext, Service, ServiceFlow, Step
from kiosk.identity import Evidence, Identity
from kiosk.services.health import bp, items
from kiosk.services.health.items import BY_KEY, ITEMS, Offer

log = logging.getLogger(__name__)

ANY_CARD = CardRequest(frozenset({Evidence.ID_CARD, Evidence.SOCIAL_SECURITY_CARD}), confirm=False)
WAIST_RANGE = (40.0, 200.0)      # cm a tape around an adult's waist can read
ASK_STAFF_AFTER = 2              # failures of one item before "ask the staff" is offered
# The record waits for the earlier results' question this long at most (the client gives the
# question its status budget, 3 s by default); then it is handed over all the same.
HISTORY_FIRST_SECONDS = 10.0
SEXES = {"1": "male", "2": "female"}   # the ID card's gender code (GB 11643)


class HealthState(enum.StrEnum):
    CLOSED = "closed"
    WHO = "who"                  # place a card, or measure without identifying
    CONSENT = "consent"          # the separate consent for health data
    ITEMS = "items"              # which items
    REST = "rest"                # blood pressure: the offer of a 5-minute seated rest (and its countdown)
    CONTEXT = "context"          # glucose: fasting, 2 h after a meal, or random
    GUIDE = "guide"              # the picture and the sentence; 开始测量
    MEASURING = "measuring"      # the device works; its progress in words
    FAILED = "failed"            # the device's fault in words; try again (ask the staff after two)
    INTERVAL = "interval"        # blood pressure: the minute between readings
    WAIST = "waist"              # typed on the keypad
    ITEM_DONE = "item_done"      # the item's values; next
    RESULTS = "results"
    WIPED = "wiped"              # the card was taken mid-visit: the values are gone


class HealthJob(enum.StrEnum):
    HISTORY = "health_history"
    SUBMIT = "health_submit"
    PRINT = "health_print"


_MEASURING_STATES = (HealthState.REST, HealthState.CONTEXT, HealthState.GUIDE, HealthState.MEASURING,
                     HealthState.FAILED, HealthState.INTERVAL, HealthState.WAIST, HealthState.ITEM_DONE)
# Items a resident can measure seated with the cuff on, in the minute between blood-pressure readings.
SEATED = ("temperature", "spo2")
_TO_ITEM = (HealthState.ITEMS, HealthState.ITEM_DONE, HealthState.FAILED, HealthState.GUIDE, HealthState.REST,
            HealthState.CONTEXT, HealthState.WAIST)


@dataclass(frozen=True)
class ResultLine:
    """One test on the results screen: words and display texts, no raw value."""

    test: str
    title: str                        # msgid
    values: tuple[tuple[str, str], ...]   # (kind, "128 mmHg")
    label_zh: str
    label_en: str
    flag: str
    category: str
    bands: tuple[tuple[str, str, str], ...]   # (flag, label_zh, label_en), rising
    band_index: int
    urgent: bool


@dataclass(frozen=True)
class Trend:
    """Earlier results of one kind for the chart: (date, value) oldest first."""

    kind: str
    points: tuple[tuple[dt.date, float], ...]


@dataclass(frozen=True, repr=False)
class HealthView:
    """``record``: "" | saving | sent | queued | anonymous | failed | declined;
    ``slip``: "" | printing | printed | failed | none (no printer: the
    results stay on screen); ``history``: "" | loading | shown | none |
    unavailable; ``notice`` on the measure step: "" | out_of_range |
    device_gone | not_started."""

    state: HealthState = HealthState.CLOSED
    identify_mode: str = ""
    identified: bool = False
    masked_name: str = ""
    masked_id: str = ""
    consent: str = ""                 # "" | given | declined
    offers: tuple[Offer, ...] = ()
    chosen: tuple[str, ...] = ()
    current: str = ""                 # the item on the measure step
    item_index: int = 0               # "item 2 of 4" (0-based)
    item_total: int = 0
    done: tuple[str, ...] = ()        # items measured so far
    reading: int = 0                  # blood pressure: which reading (1-3) is next or running
    readings_needed: int = 2
    seconds_left: int = 0             # rest / interval countdown
    resting: bool = False             # the rest's countdown runs
    prompt_zh: str = ""               # the device's words (progress, fault)
    prompt_en: str = ""
    failures: int = 0
    notice: str = ""
    shown: tuple[tuple[str, str], ...] = ()   # the item's values as measured (item_done)
    entry: str = ""                   # waist, typed
    sex: str = ""                     # "" | male | female (the waist's cut-offs)
    glucose_context: str = ""
    live: tuple[tuple[str, str], ...] = ()    # what the device shows while it measures: (kind, "120 mmHg")
    meanwhile: tuple[str, ...] = ()   # blood pressure's minute: seated items that can be measured in it
    paused: bool = False              # a seated item measured in blood pressure's minute; its next reading waits
    results: tuple[ResultLine, ...] = ()
    urgent: bool = False
    trends: tuple[Trend, ...] = ()
    history: str = ""
    record: str = ""
    slip: str = ""
    can_print: bool = False

    @property
    def ask_staff(self) -> bool:
        return self.failures >= ASK_STAFF_AFTER

    @property
    def measured(self) -> bool:
        return bool(self.done)

    def __repr__(self) -> str:
        return (f"HealthView(state={self.state.value!r}, item={self.current!r}, identified={self.identified}, "
                f"values=<hidden>)")


class HealthFlow(ServiceFlow[HealthState, HealthView]):
    """Intents: ``anonymous()``, ``agree()``, ``decline()``, ``toggle(key)``,
    ``choose_all()``, ``start()``, ``start_rest()``, ``skip_rest()``,
    ``glucose_when(context)``, ``measure()``, ``cancel()``, ``skip_item()``,
    ``type_digit(d)``, ``erase()``, ``set_sex(sex)``, ``confirm_waist()``,
    ``next_item()``, ``measure_again()``, ``measure_meanwhile(key)``,
    ``print()``; the card arrives by
    ``identified``, the device's events by ``_device_event``."""

    STEP_OF = {
        HealthState.WHO: Step.HEALTH_START, HealthState.CONSENT: Step.CONSENT, HealthState.ITEMS: Step.HEALTH_ITEMS,
        **{s: Step.MEASURE for s in _MEASURING_STATES},
        HealthState.RESULTS: Step.RESULT, HealthState.WIPED: Step.RESULT,
    }
    TRANSITIONS = {
        **{(s, "open"): HealthState.WHO for s in HealthState},
        **{(s, "close"): HealthState.CLOSED for s in HealthState},
        (HealthState.WHO, "card"): HealthState.CONSENT,
        (HealthState.WHO, "anonymous"): HealthState.ITEMS,
        (HealthState.CONSENT, "agree"): HealthState.ITEMS,
        (HealthState.CONSENT, "decline"): HealthState.ITEMS,
        (HealthState.CONSENT, "back"): HealthState.WHO,
        (HealthState.ITEMS, "back"): HealthState.WHO,
        **{(s, "rest"): HealthState.REST for s in _TO_ITEM},
        **{(s, "interval"): HealthState.INTERVAL for s in _TO_ITEM},
        **{(s, "context"): HealthState.CONTEXT for s in _TO_ITEM},
        **{(s, "guide"): HealthState.GUIDE for s in (*_TO_ITEM, HealthState.INTERVAL, HealthState.MEASURING)},
        **{(s, "waist"): HealthState.WAIST for s in _TO_ITEM},
        (HealthState.GUIDE, "measure"): HealthState.MEASURING,
        (HealthState.FAILED, "measure"): HealthState.MEASURING,
        (HealthState.INTERVAL, "measure"): HealthState.MEASURING,
        (HealthState.MEASURING, "failure"): HealthState.FAILED,
        (HealthState.MEASURING, "interval"): HealthState.INTERVAL,
        (HealthState.MEASURING, "item_done"): HealthState.ITEM_DONE,
        (HealthState.WAIST, "item_done"): HealthState.ITEM_DONE,
        (HealthState.INTERVAL, "item_done"): HealthState.ITEM_DONE,   # skipped the further readings
        **{(s, "items"): HealthState.ITEMS for s in _MEASURING_STATES},
        **{(s, "results"): HealthState.RESULTS for s in (*_MEASURING_STATES, HealthState.ITEMS)},
        **{(s, "wiped"): HealthState.WIPED for s in (HealthState.CONSENT, HealthState.ITEMS, *_MEASURING_STATES,
                                                      HealthState.RESULTS)},
    }

    def __init__(self, ctx: FlowContext, service: Service):
        super().__init__(ctx, service, HealthView())
        self.job = JobSlot(ctx.jobs)
        self.print_job = JobSlot(ctx.jobs)
        self.history_job = JobSlot(ctx.jobs)
        settings = getattr(ctx.settings, "health", None)
        self.rest_seconds = float(getattr(settings, "rest_seconds", 300.0))
        self.interval_seconds = float(getattr(settings, "interval_seconds", 60.0))
        self._table_path = getattr(settings, "reference_table", None)
        self._table: classify.ReferenceTable | None = None
        self._clock: Callable[[], float] = ctx.clock
        self._forget()

    # -- the resident's data lives here, and only for the visit ---------------------------
    def _forget(self) -> None:
        self.job.forget()
        self.print_job.forget()
        self.history_job.forget()
        self._stop_device()
        self._identity: Identity | None = None
        self._visit = Visit()
        self._readings: list[bp.Reading] = []
        self._session: MeasurementSession | None = None
        self._device: Any = None
        self._unsubscribe: Callable[[], None] | None = None
        self._deadline: float | None = None
        self._failures: dict[str, int] = {}
        # Blood pressure's readings so far and when the next may be taken, while a seated item
        # (temperature, blood oxygen) is measured in the minute between them.
        self._paused_bp: tuple[list[bp.Reading], float] | None = None

    @property
    def references(self) -> classify.ReferenceTable:
        if self._table is None:
            self._table = classify.load_table(self._table_path)
        return self._table

    # -- the terminal's side ----------------------------------------------------------------
    def open(self) -> None:
        self._forget()
        self._fire("open", **_blank(), identify_mode=self.ctx.availability().identify(social_security_allowed=True)
                   .value)

    def close(self) -> None:
        self._forget()
        self._fire("close", **_blank(), identify_mode="")

    def shutdown(self) -> None:
        self._stop_device()

    def card_request(self) -> CardRequest | None:
        return ANY_CARD if self.state is HealthState.WHO else None

    def included(self) -> frozenset[Step]:
        return frozenset({Step.CONSENT}) if self.view.identified else frozenset()

    def steps_known(self) -> bool:
        return self.state is not HealthState.WHO

    def unsaved_work(self) -> bool:
        return self.view.measured and self.state is not HealthState.RESULTS

    def keeps_resident_here(self) -> bool:
        """A measurement, a rest or the minute between readings runs: the
        resident is busy with the device, not gone (the idle timer waits)."""
        return self.state is HealthState.MEASURING or (self.state is HealthState.REST and self.view.resting) \
            or self.state is HealthState.INTERVAL

    def speech(self) -> str:
        state = self.state
        if state in (HealthState.GUIDE, HealthState.REST, HealthState.WAIST) and self.view.current:
            return f"{state.value}:{self.view.current}"
        if state is HealthState.MEASURING:
            return ""  # the device's progress is on screen; the guide's sentence was said
        if state is HealthState.RESULTS:
            return "results_urgent" if self.view.urgent else "results"
        if state is HealthState.FAILED:
            return "failed_staff" if self.view.ask_staff else "failed"
        return state.value

    def back(self) -> bool:
        state = self.state
        if state is HealthState.WHO:
            return False
        if state is HealthState.CONSENT or state is HealthState.ITEMS:
            self._identity = None
            self._visit = Visit()
            return self._fire("back", identified=False, masked_name="", masked_id="", consent="", chosen=(),
                              done=())
        if state is HealthState.MEASURING:
            return self.cancel()
        if state in _MEASURING_STATES:
            self._stop_device()
            self._deadline = None
            return self._fire("items", current="", notice="", resting=False, seconds_left=0)
        return False   # results, wiped: leave

    def availability_changed(self, availability: Any) -> None:
        if self.state in (HealthState.ITEMS, HealthState.GUIDE, HealthState.FAILED):
            self._set(offers=self._offers())
        if self.state is HealthState.WHO:
            self._set(identify_mode=availability.identify(social_security_allowed=True).value)

    def tick(self, now: float) -> None:
        """The rest's and the interval's countdowns."""
        if self._deadline is None or self.state not in (HealthState.REST, HealthState.INTERVAL):
            return
        left = max(0, math.ceil(self._deadline - now))
        if left == 0:
            self._deadline = None
            self._fire("guide", seconds_left=0, resting=False)
        elif left != self.view.seconds_left:
            self._set(seconds_left=left)

    def card_taken(self) -> None:
        """The card left the reader: an identified visit's values go at once."""
        if self._identity is None or self.state in (HealthState.WHO, HealthState.CLOSED, HealthState.WIPED):
            return
        self._forget()
        self._fire("wiped", **_blank(), identify_mode=self.view.identify_mode)

    # -- who ---------------------------------------------------------------------------------
    def identified(self, identity: Identity) -> None:
        if self.state is not HealthState.WHO:
            return
        self._identity = identity
        self._fire("card", identified=True, masked_name=identity.masked_name, masked_id=identity.masked_id)

    def anonymous(self) -> bool:
        if self.state is not HealthState.WHO:
            return False
        self._measure_only()
        return self._fire("anonymous", identified=False, offers=self._offers(), chosen=self._default_chosen())

    def agree(self) -> bool:
        identity = self._identity
        if self.state is not HealthState.CONSENT or identity is None:
            return False
        keys = self.ctx.id_hash_keys
        ref = keys.filing_hash(identity.id_number)[0] if keys and identity.id_number else None
        self._visit = Visit(resident_ref=ref, sex=SEXES.get(identity.gender_code))
        self._visit.give_consent()
        return self._fire("agree", consent="given", offers=self._offers(), chosen=self._default_chosen(),
                          sex=self._visit.sex or "")

    def decline(self) -> bool:
        """No consent: measure without saving; the card's data is not used."""
        if self.state is not HealthState.CONSENT:
            return False
        self._identity = None
        self._measure_only()
        return self._fire("decline", consent="declined", identified=False, masked_name="", masked_id="",
                          offers=self._offers(), chosen=self._default_chosen())

    def _measure_only(self) -> None:
        """A visit nobody is identified for: the resident chose to be measured
        and shown the results here (that choice is what ``give_consent``
        records); with no identity the record is never sent (``_record_state``)."""
        self._visit = Visit()
        self._visit.give_consent()

    # -- which items --------------------------------------------------------------------------
    def _offers(self) -> tuple[Offer, ...]:
        return items.offers(self.ctx.devices(MEASURE))

    def _default_chosen(self) -> tuple[str, ...]:
        return ()

    def toggle(self, key: str) -> bool:
        offer = next((o for o in self.view.offers if o.key == key), None)
        if self.state is not HealthState.ITEMS or offer is None or not offer.available:
            return False
        chosen = set(self.view.chosen) ^ {key}
        self._set(chosen=tuple(i.key for i in ITEMS if i.key in chosen))
        return True

    def choose_all(self) -> bool:
        if self.state is not HealthState.ITEMS:
            return False
        available = tuple(o.key for o in self.view.offers if o.available)
        self._set(chosen=() if set(available) <= set(self.view.chosen) else available)
        return True

    def start(self) -> bool:
        if self.state is not HealthState.ITEMS or not self.view.chosen:
            return False
        todo = [k for k in self.view.chosen if k not in self.view.done]
        if not todo:
            return self._to_results()
        return self._begin_item(todo[0])

    def _begin_item(self, key: str) -> bool:
        if key == "blood_pressure" and self._paused_bp is not None:
            return self._resume_blood_pressure()
        self._readings = []
        self._stop_device()
        index = self.view.chosen.index(key) if key in self.view.chosen else 0
        common: dict[str, Any] = dict(current=key, item_index=index, item_total=len(self.view.chosen),
                                      failures=self._failures.get(key, 0), prompt_zh="", prompt_en="", notice="",
                                      shown=(), entry="", seconds_left=0, resting=False, reading=0,
                                      paused=self._paused_bp is not None, meanwhile=())
        if key == "blood_pressure":
            return self._fire("rest", **{**common, "reading": 1, "readings_needed": 2})
        if key == "glucose":
            return self._fire("context", **common, glucose_context="")
        return self._fire("guide", **common, sex=self._visit.sex or "")

    def _resume_blood_pressure(self) -> bool:
        """Back to blood pressure after a seated item measured in its minute:
        the minute's rest of it, or the next reading's guide."""
        assert self._paused_bp is not None
        readings, deadline = self._paused_bp
        self._paused_bp = None
        self._stop_device()
        self._readings = readings
        number = len(readings) + 1
        common: dict[str, Any] = dict(current="blood_pressure", item_index=self.view.chosen.index("blood_pressure")
                                      if "blood_pressure" in self.view.chosen else 0, item_total=len(self.view.chosen),
                                      failures=self._failures.get("blood_pressure", 0), prompt_zh="", prompt_en="",
                                      notice="", shown=(), entry="", resting=False, reading=number,
                                      readings_needed=max(2, number), paused=False)
        left = deadline - self._clock()
        if left > 0:
            self._deadline = deadline
            return self._fire("interval", **common, seconds_left=math.ceil(left), meanwhile=self._meanwhile())
        return self._fire("guide", **common, seconds_left=0, meanwhile=())

    def _meanwhile(self) -> tuple[str, ...]:
        """The chosen seated items not measured yet whose device works now: a
        resident with the cuff on can do them in the minute between readings."""
        working = {o.key for o in self._offers() if o.available}
        return tuple(k for k in self.view.chosen if k in SEATED and k not in self.view.done and k in working)

    def measure_meanwhile(self, key: str) -> bool:
        """In blood pressure's minute: measure ``key`` (temperature, blood oxygen)
        now; blood pressure's next reading follows it."""
        if self.state is not HealthState.INTERVAL or key not in self.view.meanwhile or self._deadline is None:
            return False
        self._paused_bp = (self._readings, self._deadline)
        self._deadline = None
        self._readings = []
        return self._begin_item(key)

    def next_item(self) -> bool:
        if self.state is not HealthState.ITEM_DONE:
            return False
        todo = [k for k in self.view.chosen if k not in self.view.done]
        return self._begin_item(todo[0]) if todo else self._to_results()

    def skip_item(self) -> bool:
        """Leave this item unmeasured (or with the readings taken so far) and go on."""
        if self.state not in (HealthState.GUIDE, HealthState.FAILED, HealthState.REST, HealthState.CONTEXT,
                              HealthState.WAIST, HealthState.INTERVAL):
            return False
        self._stop_device()
        self._deadline = None
        if self.view.current == "blood_pressure" and self._readings:
            self._keep_blood_pressure()
        key = self.view.current
        chosen = tuple(k for k in self.view.chosen if k != key or k in self.view.done)
        self._set(chosen=chosen, item_total=len(chosen))
        todo = [k for k in chosen if k not in self.view.done]
        if todo:
            return self._begin_item(todo[0])
        return self._to_results() if self.view.done else self._fire("items", current="")

    def measure_again(self) -> bool:
        if self.state is not HealthState.ITEM_DONE:
            return False
        key = self.view.current
        self._set(done=tuple(k for k in self.view.done if k != key))
        return self._begin_item(key)

    # -- blood pressure's rest, glucose's question -----------------------------------------------
    def start_rest(self) -> bool:
        if self.state is not HealthState.REST or self.view.resting:
            return False
        self._deadline = self._clock() + self.rest_seconds
        self._set(resting=True, seconds_left=math.ceil(self.rest_seconds))
        return True

    def skip_rest(self) -> bool:
        if self.state is not HealthState.REST:
            return False
        self._deadline = None
        return self._fire("guide", resting=False, seconds_left=0)

    def glucose_when(self, context: str) -> bool:
        if self.state is not HealthState.CONTEXT:
            return False
        try:
            when = classify.GlucoseContext(context)
        except ValueError:
            return False
        self._visit.glucose_context = when
        return self._fire("guide", glucose_context=when.value)

    # -- measuring ------------------------------------------------------------------------------
    def measure(self) -> bool:
        if not self.can("measure") or self.state is HealthState.INTERVAL and self.view.seconds_left > 0:
            return False
        item = BY_KEY[self.view.current]
        if not item.needs:   # the waist: after its picture, the keypad
            return self._fire("waist", entry="", notice="")
        device = items.device_for(item, self.ctx.devices(MEASURE))
        if device is None:
            return self._failed("not_started", "本机没有这项测量的设备", "This hut has no device for it")
        self._deadline = None
        self._session = MeasurementSession(item.key)
        self._session.start()
        self._device = device
        self._unsubscribe = device.subscribe(lambda event: self.ctx.post(lambda: self._device_event(device, event)))
        reading = len(self._readings) + 1 if item.key == "blood_pressure" else 0
        self._fire("measure", prompt_zh=self._session.prompt[0], prompt_en=self._session.prompt[1], notice="",
                   seconds_left=0, reading=reading, live=())
        try:
            device.start_measurement()
        except DeviceFailure as exc:
            log.info("health %s: measurement not started (%s)", device.name, exc.code)
            self._release_device()
            return self._failed("not_started", "设备暂时不能使用，请再试一次或联系工作人员",
                                "The device cannot be used now. Try again or ask the staff")
        return True

    def cancel(self) -> bool:
        if self.state is not HealthState.MEASURING:
            return False
        self._stop_device()
        return self._fire("guide", prompt_zh="", prompt_en="")

    def _device_event(self, device: Any, event: Any) -> None:
        if device is not self._device or self.state is not HealthState.MEASURING or self._session is None:
            return
        if isinstance(event, StatusChanged) and event.new.status.value in ("no_device", "offline"):
            # Unplugged mid-measurement: the driver ends the measurement too; say it at once.
            self._release_device()
            self._failed("device_gone", "设备已断开，请联系工作人员", "The device was disconnected. Please ask the staff")
            return
        if not isinstance(event, DeviceEvent):
            return
        if event.kind == "progress":
            self._session.progress(event.data.text_zh, event.data.text_en)
            live = tuple((str(kind), _live_text(str(kind), value)) for kind, value in getattr(event.data, "live", ()))
            self._set(prompt_zh=event.data.text_zh, prompt_en=event.data.text_en, live=live or self.view.live)
        elif event.kind == "measurement_failed":
            self._release_device()
            self._session.failure(event.data.reason, event.data.text_zh, event.data.text_en)
            self._failed("", event.data.text_zh, event.data.text_en)
        elif event.kind == "measurement":
            self._release_device()
            self._measured(tuple(event.data))

    def _measured(self, records: tuple[Any, ...]) -> None:
        session = self._session
        assert session is not None
        wrong = [r for r in records if r.kind not in _KINDS_OF[session.test]]
        session.result(r for r in records if r.kind in _KINDS_OF[session.test])
        if session.state.value != "done":
            notice = "wrong_device" if wrong else ""
            self._failed(notice, session.prompt[0], session.prompt[1])
            return
        if session.test == "blood_pressure":
            self._readings.append(bp.Reading(session.records))
            if bp.needs_another(self._readings) and len(self._readings) < bp.MAX_READINGS:
                self._deadline = self._clock() + self.interval_seconds
                self._fire("interval", reading=len(self._readings) + 1, readings_needed=len(self._readings) + 1
                           if len(self._readings) >= 2 else 2, seconds_left=math.ceil(self.interval_seconds),
                           prompt_zh="", prompt_en="", meanwhile=self._meanwhile(), live=())
                if self.interval_seconds <= 0:
                    self.tick(self._clock())
                return
            self._keep_blood_pressure()
        else:
            self._visit.keep(session)
        self._item_done(session.test)

    def _keep_blood_pressure(self) -> None:
        self._visit.keep_records("blood_pressure", bp.mean_records(self._readings))

    def _item_done(self, key: str) -> None:
        shown = tuple((m.kind.value, display(m)) for m in self._visit.measurements
                      if m.kind in _KINDS_OF[key] and m.value is not None)
        done = tuple(k for k in self.view.chosen if k in {*self.view.done, key})
        self._fire("item_done", done=done, shown=shown, prompt_zh="", prompt_en="", notice="", seconds_left=0, live=())

    def _failed(self, notice: str, zh: str, en: str) -> bool:
        key = self.view.current
        self._failures[key] = self._failures.get(key, 0) + 1
        if self.state is not HealthState.MEASURING:
            return self._set_failed_from_guide(notice, zh, en)
        return self._fire("failure", failures=self._failures[key], notice=notice, prompt_zh=zh, prompt_en=en,
                          live=())

    def _set_failed_from_guide(self, notice: str, zh: str, en: str) -> bool:
        # Not started at all (no device at the moment 开始 was pressed): the guide stays, with the words.
        self._set(failures=self._failures.get(self.view.current, 0), notice=notice, prompt_zh=zh, prompt_en=en)
        return False

    def _release_device(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe, self._device = None, None

    def _stop_device(self) -> None:
        device = getattr(self, "_device", None)
        if device is not None:
            try:
                device.cancel_measurement()
            except Exception as exc:  # a device that went away: nothing to cancel
                log.info("health %s: cancel failed (%s)", device.name, type(exc).__name__)
        if getattr(self, "_unsubscribe", None) is not None:
            self._release_device()

    # -- the waist, typed ---------------------------------------------------------------------------
    def set_entry(self, text: str) -> bool:
        """What the keypad shows: up to three digits and one decimal."""
        whole, _, decimals = text.partition(".")
        digits_only = not text or (whole + decimals).isdigit()
        if self.state is not HealthState.WAIST or not digits_only or len(whole) > 3 or len(decimals) > 1:
            return False
        self._set(entry=text, notice="")
        return True

    def type_digit(self, digit: str) -> bool:
        return self.set_entry(self.view.entry + digit)

    def erase(self) -> bool:
        return self.set_entry(self.view.entry[:-1])

    def set_sex(self, sex: str) -> bool:
        if self.state is not HealthState.WAIST or sex not in ("male", "female"):
            return False
        self._visit.sex = sex
        self._set(sex=sex, notice="")
        return True

    def confirm_waist(self) -> bool:
        if self.state is not HealthState.WAIST:
            return False
        try:
            value = float(self.view.entry)
        except ValueError:
            self._set(notice="enter_waist")
            return False
        lo, hi = WAIST_RANGE
        if not lo <= value <= hi:
            self._set(notice="out_of_range")
            return False
        if not self._visit.sex:
            self._set(notice="choose_sex")
            return False
        record = measurement(Kind.WAIST, value, b"", time=dt.datetime.now().replace(microsecond=0))
        self._visit.keep_records("waist", (record,))
        self._item_done("waist")
        return True

    # -- results ----------------------------------------------------------------------------------
    def _to_results(self) -> bool:
        self._stop_device()
        self._deadline = None
        lines = tuple(_line(r) for r in self._visit.results(self.references))
        record, history = self._record_state(), ("loading" if self._identity is not None else "")
        can_print = self._can_print()
        self._fire("results", results=lines, urgent=any(line.urgent for line in lines), record=record,
                   history=history, current="", slip="" if can_print else "none", can_print=can_print)
        # The earlier results are asked for before this visit's record is handed over: once in
        # the outbox, the worker may send it before the question arrives, and the platform
        # would answer with today's visit among the earlier ones (today drawn twice).
        asked = threading.Event()
        if history:
            self._ask_history(asked)
        else:
            asked.set()
        if record == "saving":
            self._submit(after=asked)
        return True

    def _record_state(self) -> str:
        if self._identity is None:
            return "declined" if self.view.consent == "declined" else "anonymous"
        if not self._visit.measurements:
            return ""
        return "saving" if self.ctx.outbox is not None else "failed"

    def _submit(self, after: threading.Event | None = None) -> None:
        """Hand the record to the outbox, once ``after`` is set (the earlier results
        asked for) or ``HISTORY_FIRST_SECONDS`` have passed."""
        visit, table, outbox = self._visit, self.references, self.ctx.outbox
        devices = {name: {"model": str(info.get("model", "")), "serial": str(info.get("serial", ""))}
                   for name, info in self._device_infos().items()}
        online = self.ctx.availability().online

        def run() -> str:
            if after is not None:
                after.wait(HISTORY_FIRST_SECONDS)
            try:
                visit.submit(outbox, table, devices=devices)
            except Exception as exc:  # the outbox full or locked: the resident keeps the slip
                log.warning("health record not saved: %s", type(exc).__name__)
                return "failed"
            return "sent" if online else "queued"

        self.job.start(HealthJob.SUBMIT, run, lambda outcome: self._set(record=outcome))

    def _device_infos(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for device in self.ctx.devices(MEASURE):
            info = device.info
            name = f"{device.name} ({getattr(device, 'model', '') or info.model})"
            out[name] = {"model": info.model, "serial": info.serial}
        return out

    def _ask_history(self, asked: threading.Event) -> None:
        """Ask the platform for the earlier results; ``asked`` is set once it answered
        (or could not)."""
        identity, client, keys = self._identity, self.ctx.client, self.ctx.id_hash_keys
        if identity is None or client is None or not keys or not identity.id_number:
            asked.set()
            self._set(history="unavailable")
            return
        hashes = keys.lookup_hashes(identity.id_number)

        def run() -> Any:
            from kiosk.checkup.history import parse_history

            try:
                return parse_history(client.health_history(hashes))
            except Exception as exc:  # not reachable, too slow, garbage: the chart says so
                log.info("health history not shown: %s", type(exc).__name__)
                return None
            finally:
                asked.set()

        self.history_job.start(HealthJob.HISTORY, run, self._history)

    def _history(self, history: Any) -> None:
        if self.state is not HealthState.RESULTS or self._identity is None:
            return
        if history is None:
            self._set(history="unavailable")
            return
        today = dt.date.today()
        trends = []
        for kind in (Kind.SYSTOLIC, Kind.DIASTOLIC, Kind.WEIGHT, Kind.GLUCOSE):
            earlier = tuple(history.series(kind))
            now = next((m.value for m in self._visit.measurements if m.kind is kind and m.value is not None), None)
            if earlier:   # today's value beside the earlier ones: the point the resident looks for
                trends.append(Trend(kind.value, earlier + (((today, round(now, 1)),) if now is not None else ())))
        self._set(history="shown" if trends else "none", trends=tuple(trends))

    def _can_print(self) -> bool:
        return self.ctx.availability().slip_mode is SlipMode.PRINT and self.ctx.printer() is not None

    def print(self) -> bool:
        if self.state is not HealthState.RESULTS or self.view.slip == "printing":
            return False
        printer = self.ctx.printer() if self._can_print() else None
        if printer is None:
            self._set(slip="none", can_print=False)
            return False
        from kiosk import slips

        identity = self._identity
        data = self._visit.slip_data(self.references, name=identity.name if identity else None,
                                     id_number=identity.id_number if identity else None, hut=self.ctx.hut,
                                     queued=self.view.record == "queued")
        slip = slips.health_report(data, self.ctx.language)
        self._set(slip="printing")
        self.print_job.start(HealthJob.PRINT, lambda: print_slip(printer, slip),
                             lambda ok: self._set(slip="printed" if ok else "failed"))
        return True


# How a live value reads on the measuring screen (the units a resident reads on the device too).
_LIVE_FORMATS = {"cuff_pressure": "{:.0f} mmHg", "weight": "{:.1f} kg", "spo2": "{:.0f} %", "pulse": "{:.0f} 次/分"}


def _live_text(kind: str, value: float) -> str:
    return _LIVE_FORMATS.get(kind, "{:g}").format(value)


_KINDS_OF: dict[str, frozenset[Kind]] = {
    "blood_pressure": frozenset({Kind.SYSTOLIC, Kind.DIASTOLIC, Kind.PULSE, Kind.MEAN_ARTERIAL}),
    "height_weight": frozenset({Kind.WEIGHT, Kind.HEIGHT, Kind.BMI}),
    "waist": frozenset({Kind.WAIST}),
    "temperature": frozenset({Kind.TEMPERATURE}),
    "spo2": frozenset({Kind.SPO2, Kind.PULSE}),
    "glucose": frozenset({Kind.GLUCOSE}),
}


def _line(result: Any) -> ResultLine:
    c = result.classification
    return ResultLine(result.test, _TITLES.get(result.test, result.test), tuple(result.shown), c.label_zh,
                      c.label_en, c.flag, c.category, tuple((b.flag, b.label_zh, b.label_en) for b in c.bands),
                      c.band_index, bool(c.urgent))


_TITLES = {item.key: item.title for item in ITEMS}


def _blank() -> dict[str, Any]:
    return dict(identified=False, masked_name="", masked_id="", consent="", offers=(), chosen=(), current="",
                item_index=0, item_total=0, done=(), reading=0, readings_needed=2, seconds_left=0, resting=False,
                prompt_zh="", prompt_en="", failures=0, notice="", shown=(), entry="", sex="", glucose_context="",
                results=(), urgent=False, trends=(), history="", record="", slip="", can_print=False)

