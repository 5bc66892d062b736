"""What a printer does with the bytes it receives, as records: a printed
line, a feed, a raster image, a QR code, a barcode, a cut, a status or ID
query.

They are what the interpreter (interpret.py) produces and what the paper
renderer (paper.py) and the simulator's session draw and answer, so the three
agree on one vocabulary without importing each other's machinery.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Run:
    text: str
    bold: bool = False
    width: int = 1
    height: int = 1
    underline: bool = False


@dataclass
class TextLine:
    runs: list[Run]
    align: int = 0          # 0 left, 1 center, 2 right
    spacing: int = 30       # line feed amount in dots

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Feed:
    dots: int


@dataclass
class Raster:
    width_bytes: int
    height: int
    data: bytes
    align: int = 0


@dataclass
class QRCode:
    data: bytes
    module: int = 3
    ec: int = 48            # 48 L, 49 M, 50 Q, 51 H
    align: int = 0


@dataclass
class BarcodeOp:
    system: int
    data: bytes
    height: int = 162
    module: int = 3
    hri: int = 0
    align: int = 0


@dataclass
class CutOp:
    partial: bool


@dataclass
class StatusQuery:
    n: int


@dataclass
class InfoQuery:
    """GS I n: transmit printer ID (model, firmware, serial...)."""

    n: int


@dataclass
class Init:
    pass


@dataclass
class Unknown:
    data: bytes


Op = TextLine | Feed | Raster | QRCode | BarcodeOp | CutOp | StatusQuery | InfoQuery | Init | Unknown
