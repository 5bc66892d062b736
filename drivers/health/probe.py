"""How ``kiosk provision`` recognises the health devices that talk by
themselves: a CMS50D+ oximeter's live stream (19200 8O1), a scale printing
a preset line format (drivers.health.lineproto.PRESETS; someone must stand on
it).  Devices that speak only when started are never started here (a
blood-pressure cuff would inflate): the inventory configures them."""

from __future__ import annotations

from typing import Callable

import serial

from drivers.health import cms50d, lineproto
from drivers.manifest import Answer
from drivers.probing import hear

LISTEN_SECONDS = 1.2


def listen(where: str, opener: Callable[..., serial.Serial]) -> Answer | None:
    decoder = cms50d.Cms50dDecoder()
    decoder.feed(hear(where, opener, LISTEN_SECONDS, baudrate=19200, parity=serial.PARITY_ODD))
    packets = len(decoder.events())
    # The 8N1 listen comes second also because it leaves the port at the
    # defaults: a Linux pty refuses (EINVAL) an odd-parity open that follows
    # another one, and the oximeter's driver opens it next.
    heard = hear(where, opener, 0.0 if packets >= 10 else LISTEN_SECONDS, baudrate=9600)
    if packets >= 10:
        return Answer("pulse oximeter: CMS50D+ live stream at 19200 8O1", driver="health.cms50d", name="oximeter")
    for preset, raw in sorted(lineproto.PRESETS.items()):
        lines = lineproto.LineDecoder(lineproto.line_format(raw))
        lines.feed(heard)
        if any(isinstance(e, lineproto.LineReading) for e in lines.events()):
            return Answer(f"scale: a reading in the {preset} line format at 9600 8N1", {"preset": preset},
                          driver="health.line", name="scale")
    return None
