"""Real-time status (DLE EOT 1-4) decoded bit by bit, and mapped to the
device model.

python-escpos reads "no reply" as "offline" (is_online) or as "paper
adequate" (paper_status), so a dead cable and an empty roll look alike.  Here
a missing reply stays missing: the answer is ``unknown``, never "no paper".
Bit meanings follow the ESC/POS reference for DLE EOT n (Epson, and the
Citizen/Bixolon manuals that copy it): every reply byte has bit 1 and bit 4
set and bits 0 and 7 clear, which is also how a stray byte is told apart
from a status reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from drivers.base import Action, Status

DLE_EOT = b"\x10\x04"
FIXED_MASK, FIXED_VALUE = 0x93, 0x12

# (query n, bit mask) -> (flag name, meaning for a technician)
BITS: dict[tuple[int, int], tuple[str, str]] = {
    (1, 0x04): ("drawer_pin3_high", "drawer kick-out connector pin 3 is high"),
    (1, 0x08): ("offline", "printer is offline"),
    (1, 0x20): ("waiting_online_recovery", "waiting for online recovery"),
    (1, 0x40): ("feed_button_pressed", "paper feed button is being pressed"),
    (2, 0x04): ("cover_open", "cover is open"),
    (2, 0x08): ("feeding_by_button", "paper is being fed by the feed button"),
    (2, 0x20): ("stopped_paper_end", "printing stopped because the paper ran out"),
    (2, 0x40): ("error", "an error occurred"),
    (3, 0x04): ("recoverable_error", "mechanical (recoverable) error, e.g. paper jam"),
    (3, 0x08): ("autocutter_error", "autocutter error"),
    (3, 0x20): ("unrecoverable_error", "unrecoverable error (circuit or head failure)"),
    (3, 0x40): ("auto_recoverable_error", "automatically recoverable error (print head overheated)"),
    (4, 0x0C): ("paper_near_end", "paper roll near its end"),
    (4, 0x60): ("paper_end", "paper roll is out"),
}


def query(n: int) -> bytes:
    if n not in (1, 2, 3, 4):
        raise ValueError("DLE EOT n is 1, 2, 3 or 4")
    return DLE_EOT + bytes([n])


def valid_reply(byte: int) -> bool:
    return byte & FIXED_MASK == FIXED_VALUE


@dataclass(frozen=True)
class Problem:
    what: str            # for a technician (English; the log and the CLI)
    what_zh: str         # for hut staff on screen
    action: Action
    code: str


@dataclass(frozen=True)
class PrinterStatus:
    """Decoded replies; ``replies[n]`` is None when the printer did not
    answer DLE EOT n (or answered with a byte that is not a status)."""

    replies: Mapping[int, int | None] = field(default_factory=dict)

    @classmethod
    def decode(cls, replies: Mapping[int, bytes | int | None]) -> "PrinterStatus":
        clean: dict[int, int | None] = {}
        for n in (1, 2, 3, 4):
            raw = replies.get(n)
            if isinstance(raw, (bytes, bytearray)):
                raw = raw[-1] if raw else None
            clean[n] = raw if raw is not None and valid_reply(raw) else None
        return cls(clean)

    @property
    def answered(self) -> bool:
        return any(v is not None for v in self.replies.values())

    def flag(self, name: str) -> bool | None:
        """True/False from the reply, None when that query got no answer."""
        for (n, mask), (flag, _) in BITS.items():
            if flag == name:
                reply = self.replies.get(n)
                if reply is None:
                    return None
                return reply & mask == mask
        raise KeyError(name)

    def flags(self) -> dict[str, bool | None]:
        return {name: self.flag(name) for (_, _), (name, _) in BITS.items()}

    @property
    def paper(self) -> str:
        """"ok", "near_end", "end" or "unknown" (no answer is never "end")."""
        if self.flag("paper_end") or self.flag("stopped_paper_end"):
            return "end"
        near = self.flag("paper_near_end")
        if near is None:
            return "unknown"
        return "near_end" if near else "ok"

    def problems(self) -> list[Problem]:
        """What is wrong, worst first, each with who has to act."""
        if not self.answered:
            return [Problem("printer does not answer status queries (cable, power or network)",
                            "打印机无应答（请检查电源、连线或网络）", Action.MAINTENANCE, "no_answer")]
        out: list[Problem] = []
        f = self.flag
        if f("unrecoverable_error"):
            out.append(Problem("unrecoverable printer error (circuit or head failure)",
                               "打印机严重故障，需维修", Action.MAINTENANCE, "unrecoverable_error"))
        if f("autocutter_error"):
            out.append(Problem("autocutter error: the cutter is jammed or broken",
                               "切刀故障，需维修", Action.MAINTENANCE, "autocutter_error"))
        if f("recoverable_error"):
            out.append(Problem("mechanical error, e.g. paper jam: clear it and close the cover",
                               "卡纸或机械故障，请清除后合上盖子", Action.CLEAR, "recoverable_error"))
        if self.paper == "end":
            out.append(Problem("paper roll is out: load a new roll", "打印纸用完，请换纸",
                               Action.CLEAR, "paper_end"))
        if f("cover_open"):
            out.append(Problem("printer cover is open: close it", "打印机盖未合上，请合上",
                               Action.CLEAR, "cover_open"))
        if f("auto_recoverable_error"):
            out.append(Problem("print head overheated: printing resumes when it cools down",
                               "打印头过热，冷却后自动恢复", Action.AUTO, "auto_recoverable_error"))
        if not out and (f("offline") or f("error")):
            if f("waiting_online_recovery"):
                out.append(Problem("printer is offline, waiting for online recovery", "打印机离线，等待恢复",
                                   Action.AUTO, "offline"))
            else:
                out.append(Problem("printer is offline", "打印机离线", Action.AUTO, "offline"))
        return out

    @property
    def status(self) -> Status:
        """The device-model status: no answer -> offline (detail says
        unknown), cutter/unrecoverable -> hardware_error, paper end / cover
        open / jam -> user_error."""
        if not self.answered:
            return Status.OFFLINE
        codes = {p.code for p in self.problems()}
        if codes & {"unrecoverable_error", "autocutter_error", "auto_recoverable_error"}:
            return Status.HARDWARE_ERROR
        if codes & {"paper_end", "cover_open", "recoverable_error"}:
            return Status.USER_ERROR
        if codes & {"offline"}:
            return Status.OFFLINE
        if self.flag("feed_button_pressed") or self.flag("feeding_by_button"):
            return Status.BUSY
        return Status.ONLINE

    @property
    def action(self) -> Action | None:
        problems = self.problems()
        return problems[0].action if problems else None

    @property
    def printable(self) -> bool:
        return self.answered and self.status in (Status.ONLINE, Status.BUSY)

    def detail(self) -> dict:
        """The per-class detail of the device state (JSON-able)."""
        detail: dict = {
            "reply": "none" if not self.answered else "ok",
            "paper": self.paper,
            "cover": {None: "unknown", True: "open", False: "closed"}[self.flag("cover_open")],
            "cutter": {None: "unknown", True: "error", False: "ok"}[self.flag("autocutter_error")],
        }
        problems = self.problems()
        if problems:
            detail["problem"] = problems[0].code
            detail["action"] = problems[0].action.value
        return detail

    def summary(self) -> str:
        """One line: "OK" or the worst problem with what to do."""
        problems = self.problems()
        if not problems:
            return "OK, paper near its end" if self.paper == "near_end" else "OK"
        return "; ".join(f"{p.what} [{p.action.value}]" for p in problems)

    def as_dict(self) -> dict:
        return {
            "status": self.status.value,
            "summary": self.summary(),
            "detail": self.detail(),
            "flags": self.flags(),
            "raw": {str(n): (None if v is None else f"0x{v:02x}") for n, v in self.replies.items()},
            "problems": [{"what": p.what, "what_zh": p.what_zh, "action": p.action.value, "code": p.code}
                         for p in self.problems()],
        }
