"""The papers (申请材料) of one filing: pages captured, papers not at hand,
and whether the matter can still be filed today.

The rule, from the catalog (``Material.required``, ``Material.handling``,
``Matter.papers_later``) and the availability mode (``Papers``):

* a paper with ``handling: counter`` is never scanned: the original goes to
  the hut's counter today (``at_counter``);
* with no camera (``Papers.BRING``) every paper is handed in at the counter
  today, and filing goes on: the resident has the papers with them;
* a required paper the resident does not have with them ("I don't have it")
  may be brought to the counter later only where the matter says so
  (``papers_later``: the department accepts it within its promised days);
  otherwise the matter cannot be filed today (``blocked``), and the screen
  says which paper to come back with;
* an optional paper not at hand is simply left out.

Pages are JPEG bytes, in memory only, held by ``Page`` objects that the
session owns (``Session.data``) so ``Session.clear`` drops them; ``repr``
never shows a byte of them.  A page goes to the platform as an outbox
attachment (sealed on disk until the platform confirms).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from kiosk.devices.availability import Papers
from kiosk.filing.catalog import Material, Matter
from kiosk.outbox.store import Attachment

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def page_media_type(data: bytes) -> str:
    """What a scanned page is, for the platform (which checks it against the
    bytes): the scan makes JPEG, or a 1-bit PNG for a black-and-white page
    (drivers/camera/output.py page_file)."""
    return "image/png" if data.startswith(PNG_SIGNATURE) else "image/jpeg"

MAX_PAGES_PER_PAPER = 10   # a thick medical record still fits; the contract allows 50 attachments


class PaperState(enum.StrEnum):
    TO_SCAN = "to_scan"          # nothing captured yet
    SCANNED = "scanned"          # at least one page
    AT_COUNTER = "at_counter"    # the original is handed in at the hut's counter today
    LATER = "later"              # not at hand; brought to the counter within the promised days
    LEFT_OUT = "left_out"        # optional and not at hand
    MISSING = "missing"          # required, not at hand, and the matter does not accept it later
    SIGNED = "signed"            # a signed original the resident signs on the touchscreen instead (catalog: signatures)


@dataclass(frozen=True, eq=False)
class Page:
    """One captured page.  An object (not bare bytes) so a test can hold a
    weak reference and see it go with the session."""

    material_code: str
    jpeg: bytes = field(repr=False)
    # A small picture of the page (kiosk.filing.live_scan.page_fingerprint): another
    # capture like it is the same page.  Derived from the page: goes with it.
    fingerprint: Any = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        return f"Page({self.material_code!r}, {len(self.jpeg)} bytes)"


@dataclass(frozen=True)
class PaperView:
    """One paper as the papers and review screens show it; ``pages`` are the
    page objects (their JPEG bytes for thumbnails)."""

    code: str
    name: str
    name_en: str
    required: bool
    state: PaperState
    pages_expected: int = 1
    pages: tuple[Page, ...] = ()
    scan_size: str | None = None
    enhance: str | None = None
    for_camera: bool = True        # the camera asks for it (whatever the resident then chose for it)

    def __repr__(self) -> str:
        return f"PaperView({self.code!r}, {self.state.value}, pages={len(self.pages)})"


class PaperSet:
    """The papers of one filing.  ``mode`` is the availability's papers mode
    when the papers step opened."""

    def __init__(self, matter: Matter, mode: Papers = Papers.SCAN):
        self.matter = matter
        self.mode = mode
        self.pages: dict[str, list[Page]] = {m.code: [] for m in matter.materials}
        self.not_at_hand: set[str] = set()
        self.at_counter: set[str] = set()   # handed in at the counter because the camera stopped

    def __repr__(self) -> str:
        return f"PaperSet({self.matter.code}, pages={sum(len(p) for p in self.pages.values())})"

    def material(self, code: str) -> Material:
        for m in self.matter.materials:
            if m.code == code:
                return m
        raise KeyError(f"matter {self.matter.code} has no paper {code!r}")

    def state(self, code: str) -> PaperState:
        m = self.material(code)
        if code not in self.at_counter and self.matter.signed_here(code) is not None:
            return PaperState.SIGNED
        if m.handling == "counter" or code in self.at_counter or (
                self.mode is Papers.BRING and code not in self.not_at_hand):
            return PaperState.AT_COUNTER
        if code in self.not_at_hand:
            if not m.required:
                return PaperState.LEFT_OUT
            return PaperState.LATER if self.matter.papers_later else PaperState.MISSING
        return PaperState.SCANNED if self.pages[code] else PaperState.TO_SCAN

    def for_camera(self, code: str) -> bool:
        """Whether the camera asks for this paper: not signed here, not the
        counter's by the catalog or by the hut's papers mode.  The resident's
        own choices (hand it in, don't have it) don't change it."""
        m = self.material(code)
        return self.matter.signed_here(code) is None and m.handling != "counter" and self.mode is not Papers.BRING

    def to_scan(self) -> list[Material]:
        """The papers still waiting for the camera, in the catalog's order."""
        return [m for m in self.matter.materials if self.state(m.code) is PaperState.TO_SCAN]

    # -- the resident's actions ----------------------------------------------
    def add_page(self, code: str, jpeg: bytes, fingerprint: Any = None) -> Page:
        """A captured page (more pages: call again)."""
        if self.state(code) not in (PaperState.TO_SCAN, PaperState.SCANNED):
            raise ValueError(f"paper {code!r} is not scanned here ({self.state(code)})")
        if len(self.pages[code]) >= MAX_PAGES_PER_PAPER:
            raise ValueError(f"paper {code!r} has {MAX_PAGES_PER_PAPER} pages already")
        if not jpeg:
            raise ValueError("an empty page")
        page = Page(code, bytes(jpeg), fingerprint)
        self.pages[code].append(page)
        return page

    def retake(self, code: str, index: int, jpeg: bytes, fingerprint: Any = None) -> Page:
        """Page ``index`` again (the resident did not like the review)."""
        if not 0 <= index < len(self.pages[code]):
            raise IndexError(f"paper {code!r} has no page {index}")
        page = Page(code, bytes(jpeg), fingerprint)
        self.pages[code][index] = page
        return page

    def remove_page(self, code: str, index: int) -> None:
        del self.pages[code][index]

    def fingerprints(self, leave_out: tuple[str, int] | None = None) -> tuple[Any, ...]:
        """The fingerprints of every page taken (but the one being taken again)."""
        return tuple(page.fingerprint for code, pages in self.pages.items() for i, page in enumerate(pages)
                     if page.fingerprint is not None and (code, i) != leave_out)

    def hand_in(self, code: str) -> PaperState:
        """The camera cannot take it now: the original goes to the counter today."""
        self.material(code)
        self.pages[code].clear()
        self.at_counter.add(code)
        return self.state(code)

    def dont_have(self, code: str) -> PaperState:
        """"I don't have it with me": its pages go, and the new state says
        whether filing can go on (``LATER``, ``LEFT_OUT``) or not (``MISSING``)."""
        self.material(code)
        self.pages[code].clear()
        self.not_at_hand.add(code)
        return self.state(code)

    def have_it(self, code: str) -> PaperState:
        """The resident found it after all."""
        self.not_at_hand.discard(code)
        return self.state(code)

    # -- the rule ----------------------------------------------------------------
    def blocking(self) -> list[Material]:
        """Required papers without which the matter cannot be filed today."""
        return [m for m in self.matter.materials if self.state(m.code) is PaperState.MISSING]

    def complete(self) -> bool:
        """Every paper is scanned, handed in, excused or left out: on to review."""
        return not self.to_scan() and not self.blocking()

    def bring_today(self) -> list[Material]:
        return [m for m in self.matter.materials if self.state(m.code) is PaperState.AT_COUNTER]

    def bring_later(self) -> list[Material]:
        return [m for m in self.matter.materials if self.state(m.code) is PaperState.LATER]

    def attachments(self) -> list[Attachment]:
        return [Attachment(p.material_code, p.jpeg, page_media_type(p.jpeg)) for m in self.matter.materials
                for p in self.pages[m.code] if self.state(m.code) is PaperState.SCANNED]

    def views(self) -> tuple[PaperView, ...]:
        return tuple(PaperView(code=m.code, name=m.name, name_en=m.name_en, required=m.required,
                               state=self.state(m.code), pages_expected=m.pages, pages=tuple(self.pages[m.code]),
                               scan_size=m.scan_size, enhance=m.enhance, for_camera=self.for_camera(m.code))
                     for m in self.matter.materials)

    def clear(self) -> None:
        for pages in self.pages.values():
            pages.clear()
        self.not_at_hand.clear()
        self.at_counter.clear()
