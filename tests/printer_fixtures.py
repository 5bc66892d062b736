"""Fixtures and helpers shared by the printer driver tests and the printer
simulator tests: a started simulator per test (ephemeral TCP port + a pty),
waiting for its drawn jobs, and reading Chinese back from printed pixels.

Imported by tests/drivers/printer/conftest.py and
tests/simulators/printer/conftest.py rather than listed in ``pytest_plugins``:
pytest refuses ``pytest_plugins`` in a conftest below the rootdir once a
whole-suite run collects it, and tests/conftest.py belongs to the lead.
"""

from __future__ import annotations

import time

import pytest


@pytest.fixture
def printer_sim(tmp_path):
    from simulators.printer import PrinterSimulator

    sim = PrinterSimulator(tmp_path / "hut")
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def wait_jobs(sim, count: int, timeout: float = 5.0) -> list[dict]:
    """The simulator's jobs once ``count`` are drawn (it draws on its own
    thread, as a printer prints while it answers status)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = sim.jobs()
        if len(jobs) >= count:
            return jobs
        time.sleep(0.05)
    raise AssertionError(f"simulator has {len(sim.jobs())} jobs, wanted {count}")


# -- reading Chinese back from dots ---------------------------------------------
LOOK_ALIKES = "埋为征亏报侍热近射层氏未末己已"  # a wrong or shifted glyph would match one of these better


class GlyphReader:
    """Reads the Chinese characters of a printed line from its pixels.

    There is no OCR here to lean on, and none is needed: the text is known,
    so each Chinese cell is matched against every character of the slip
    (plus look-alikes), each drawn independently with Pillow and the CJK
    font, and must come out as the expected one.  A missing, wrong, shifted
    or garbled glyph fails.  Latin cells must carry ink, blank cells none.
    """

    def __init__(self, texts, size: int = 24):
        from drivers.printer.slip import char_width

        wide = {ch for text in texts for ch in text if char_width(ch) == 2} | set(LOOK_ALIKES)
        self.templates = {1: self._draw(wide, size), 2: self._draw(wide, size * 2)}

    @staticmethod
    def _draw(chars: set[str], size: int) -> dict:
        import numpy as np
        from PIL import Image as PILImage
        from PIL import ImageDraw, ImageFont

        from drivers.printer.profiles import find_cjk_font

        font = ImageFont.truetype(str(find_cjk_font()), size)
        out = {}
        for ch in chars:
            img = PILImage.new("L", (size, size * 5 // 4), 0)
            ImageDraw.Draw(img).text((size / 2, size * 5 // 8), ch, font=font, fill=255, anchor="mm")
            out[ch] = (np.asarray(img) / 255.0).astype(np.float32)
        return out

    def read(self, band, x: int, width: int, scale: int = 1) -> str:
        """The best-matching character for the cell at ``x`` (a few dots of
        offset allowed either way).  ``band``: 2-D array, ink = 1."""
        import cv2
        import numpy as np

        pad = 8
        cell = np.pad(band[:, max(0, x - pad):x + width + pad].astype(np.float32), ((pad, pad), (0, 0)))
        scores = {ch: cv2.matchTemplate(cell, tpl, cv2.TM_CCOEFF_NORMED).max()
                  for ch, tpl in self.templates[scale].items() if tpl.shape[1] <= cell.shape[1]}
        return max(scores, key=scores.get)

    def check_line(self, band, text: str, align: str, scale: int, dots: int, cell: int) -> int:
        """Assert that ``band`` (one printed line, ink = 1) shows ``text`` on
        the printer's grid of ``cell``-dot columns; returns how many Chinese
        characters were read."""
        from drivers.printer.slip import char_width

        used = sum(char_width(ch) for ch in text) * cell * scale
        x = {"left": 0, "center": (dots - used) // 2, "right": dots - used}[align]
        read = 0
        for ch in text:
            width = char_width(ch) * cell * scale
            ink = band[:, x:x + width].sum()
            if ch == " ":
                assert ink == 0, (text, x)
            elif char_width(ch) == 2:
                assert self.read(band, x, width, scale) == ch, (text, ch)
                read += 1
            else:
                assert ink > 0, (text, ch)
            x += width
        return read
