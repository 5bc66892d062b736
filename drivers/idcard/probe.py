"""How ``kiosk provision`` recognises a SAM ID card reader: it answers the
SAM status command ``11 FF`` with ``SW 90``.  Asked after the printer's
``DLE EOT 1``, which a SAM module discards as noise before its preamble."""

from __future__ import annotations

import serial

from drivers.idcard import codec as sam
from drivers.manifest import Answer
from drivers.probing import ask

BAUDS = (115200, 9600)


def replies(data: bytes) -> list[sam.Reply]:
    """The SAM replies in ``data``; a malformed frame (an echo of our own
    command, another protocol that happens to use the preamble) is none."""
    decoder = sam.FrameDecoder("reply")
    decoder.feed(data)
    try:
        return [e for e in decoder.events() if isinstance(e, sam.Reply)]
    except sam.ProtocolError:
        return []


def ask_serial(port: serial.Serial, pty: bool) -> Answer | None:
    for baud in BAUDS[:1] if pty else BAUDS:
        port.baudrate = baud
        found = replies(ask(port, sam.encode_command(*sam.SAM_STATUS), complete=lambda a: bool(replies(a))))
        if found:
            reply = found[0]
            zh, en = sam.sw3_meaning(reply.sw3)
            if reply.ok:
                return Answer(f"ID card SAM: 11 FF -> SW {reply.sw3:02X} ({en}) at {baud} baud", {"baudrate": baud})
            return Answer(f"a SAM answered 11 FF with SW {reply.sw3:02X}: {zh} / {en}", recognised=False)
    return None
