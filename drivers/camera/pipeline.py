"""One page from one frame: rectify, turn upright, enhance.

The kiosk's scan step and the CLI's ``scan rectify`` both call this, so the
page a resident uploads is the page a technician checks.
"""

from __future__ import annotations

import numpy as np

from drivers.camera.enhance import enhance
from drivers.camera.rectify import DPI, rectify, upright


def scan_page(frame: np.ndarray, corners: np.ndarray, size: str = "a4", mode: str = "colour",
              dpi: int = DPI, turn_upright: bool = True) -> np.ndarray:
    page = rectify(frame, corners, size, dpi)
    if turn_upright:
        page = upright(page)
    return enhance(page, mode)
