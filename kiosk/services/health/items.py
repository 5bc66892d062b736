"""What a health visit can measure, and what each item needs.

An item is one of the checkup's tests (``kiosk.checkup.session.TESTS``): a
device measures it (the health device whose ``measures`` covers what the test
needs: the blood pressure monitor, the scale, the thermometer, the oximeter,
the glucometer), or the resident types it (the waist, read off a tape).  Which
items the hut offers now is a pure function of its health devices, so an item
whose device is down is listed with the reason, never left out silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from drivers.health.records import Kind
from kiosk.devices.availability import USABLE
from kiosk.flows.service import N_


@dataclass(frozen=True)
class Item:
    key: str                        # the checkup's test (kiosk.checkup.session.TESTS)
    title: str                      # msgid
    needs: frozenset[Kind]          # what a device must measure; empty: typed by the resident
    guidance: str                   # msgid: the one sentence shown beside the picture and spoken
    picture: str                    # which picture the screen draws


ITEMS: tuple[Item, ...] = (
    Item("blood_pressure", N_("Blood pressure"), frozenset({Kind.SYSTOLIC, Kind.DIASTOLIC}),
         N_("Sit down, rest your arm on the table with the cuff at heart height, keep still and do not talk"),
         "cuff"),
    Item("height_weight", N_("Height and weight (BMI)"), frozenset({Kind.WEIGHT}),
         N_("Take off your shoes and stand still on the scale, looking straight ahead"), "scale"),
    Item("waist", N_("Waist"), frozenset(),
         N_("Put the tape around your waist at the navel, level all round, breathe out gently and read the "
            "number"), "tape"),
    Item("temperature", N_("Temperature"), frozenset({Kind.TEMPERATURE}),
         N_("Hold the thermometer a hand's width in front of your forehead and keep still"), "thermometer"),
    Item("spo2", N_("Blood oxygen"), frozenset({Kind.SPO2}),
         N_("Clip the oximeter on your index finger and keep your hand still on the table"), "finger_clip"),
    Item("glucose", N_("Blood glucose"), frozenset({Kind.GLUCOSE}),
         N_("Insert a new test strip into the meter, then touch a drop of blood from your fingertip to the strip"),
         "strip"),
)
BY_KEY = {item.key: item for item in ITEMS}

# Why an item cannot be measured now (msgids).
NO_DEVICE = N_("This hut has no device for it")
OUT_OF_ORDER = N_("The device is not working now. Please ask the staff")


@dataclass(frozen=True)
class Offer:
    """One item as the item list shows it: can it be measured now, and if not, why."""

    key: str
    title: str
    available: bool
    reason: str = ""                # msgid, when not available
    device: str = ""                # the configured device's name (nothing about the resident)


def device_for(item: Item, devices: Iterable[Any]) -> Any | None:
    """The health device that measures ``item`` (the first configured that
    covers what it needs, a usable one before one in trouble), or None."""
    if not item.needs:
        return None
    fitting = [d for d in devices if item.needs <= frozenset(getattr(d, "measures", ()))]
    usable = [d for d in fitting if d.state.status in USABLE]
    return (usable or fitting or [None])[0]


def offers(devices: Iterable[Any]) -> tuple[Offer, ...]:
    devices = list(devices)
    out = []
    for item in ITEMS:
        if not item.needs:
            out.append(Offer(item.key, item.title, True))
            continue
        device = device_for(item, devices)
        if device is None:
            out.append(Offer(item.key, item.title, False, NO_DEVICE))
        elif device.state.status not in USABLE:
            out.append(Offer(item.key, item.title, False, OUT_OF_ORDER, device.name))
        else:
            out.append(Offer(item.key, item.title, True, "", device.name))
    return tuple(out)
