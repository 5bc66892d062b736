"""One endpoint's byte stream (a TCP connection or the pty) as the
simulated printer handles it: status queries answered at once, printing
stopped while the paper is out or the cover open, a cut (or silence) ending
the job, which then goes to the simulator to be drawn."""

from __future__ import annotations

from typing import Any, Callable, Protocol

from drivers.printer.interpret import EscPosInterpreter
from drivers.printer.ops import BarcodeOp, CutOp, Feed, InfoQuery, Init, QRCode, Raster, StatusQuery, TextLine
from drivers.printer.paper import PrintedSlip

PRINTING = (TextLine, Feed, Raster, QRCode, BarcodeOp)


class PrinterModel(Protocol):
    """What a connection asks of the printer it belongs to (the simulator,
    simulators/printer/sim.py, which imports this module, not the other way)."""

    encoding: str
    chinese_default: bool
    dots: int

    def status_byte(self, n: int) -> int | None: ...
    def info_reply(self, n: int) -> bytes | None: ...
    def stopped_reason(self) -> str | None: ...
    def consume_line(self) -> None: ...
    def cutter_fails(self, stopped: str | None) -> bool: ...
    def save_job(self, slip: PrintedSlip, notes: list[str], endpoint: str) -> None: ...


class PrinterConnection:
    """One endpoint's byte stream (a TCP connection or the pty)."""

    def __init__(self, sim: PrinterModel, endpoint: str, reply: Callable[[bytes], None]):
        self.sim, self.endpoint, self.reply = sim, endpoint, reply
        self.interp = EscPosInterpreter(sim.encoding, sim.chinese_default)
        self.slip = PrintedSlip(sim.dots)
        self.notes: list[str] = []

    def feed(self, data: bytes) -> None:
        for op in self.interp.feed(data):
            self.handle(op)

    def handle(self, op: Any) -> None:
        sim = self.sim
        if isinstance(op, StatusQuery):
            status = sim.status_byte(op.n)
            if status is not None:
                self.reply(bytes([status]))
            return
        if isinstance(op, InfoQuery):
            info = sim.info_reply(op.n)
            if info is not None:
                self.reply(info)
            return
        if isinstance(op, Init):
            if self.slip.printed_anything:
                self.finish()
            return
        if isinstance(op, PRINTING):
            stopped = sim.stopped_reason()
            if stopped:
                if not self.notes or not self.notes[-1].startswith("[NOT PRINTED"):
                    self.notes.append(f"[NOT PRINTED: {stopped}]")
                return
            self.slip.add(op)
            if isinstance(op, TextLine):
                sim.consume_line()
            return
        if isinstance(op, CutOp):
            stopped = sim.stopped_reason()
            if sim.cutter_fails(stopped):
                self.notes.append("[CUT FAILED: autocutter error]")
            elif stopped:
                self.notes.append(f"[NOT CUT: {stopped}]")
            else:
                self.slip.add(op)
            self.finish()

    def idle(self) -> None:
        for op in self.interp.flush():
            self.handle(op)
        if self.slip.printed_anything or self.notes:
            self.finish()

    def finish(self) -> None:
        if self.slip.printed_anything or self.notes:
            self.sim.save_job(self.slip, self.notes, self.endpoint)
        self.slip, self.notes = PrintedSlip(self.sim.dots), []
