"""Scanned pages as upload-sized JPEG and PDF bytes, in memory only.

Scanned pages are personal data: these functions return ``bytes`` and
never write a file; the kiosk puts them in the encrypted outbox.  Pillow
writes the JPEGs (cv2 cannot record the dpi in JFIF) and the multi-page PDF
(its PDF writer embeds each page as a JPEG at the stated resolution).
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from drivers.camera.frames import ScanError
from drivers.camera.rectify import DPI

MAX_PAGE_BYTES = 400_000      # an A4 page in colour, for upload
QUALITIES = (70, 55, 42, 35)   # 8-point text at 300 dpi is ~33 px tall: legible at all of these


def _pil(page: np.ndarray) -> Image.Image:
    if page.ndim == 2:
        return Image.fromarray(page, "L")
    return Image.fromarray(cv2.cvtColor(page, cv2.COLOR_BGR2RGB), "RGB")


def jpeg_bytes(page: np.ndarray, quality: int = 85, dpi: int = DPI) -> bytes:
    buf = io.BytesIO()
    _pil(page).save(buf, "JPEG", quality=quality, dpi=(dpi, dpi))
    return buf.getvalue()


def page_jpeg(page: np.ndarray, dpi: int = DPI, max_bytes: int = MAX_PAGE_BYTES) -> bytes:
    """The best quality of QUALITIES that fits ``max_bytes``."""
    data = b""
    for quality in QUALITIES:
        data = jpeg_bytes(page, quality, dpi)
        if len(data) <= max_bytes:
            return data
    raise ScanError(f"the page does not fit {max_bytes // 1000} KB even at JPEG quality {QUALITIES[-1]} "
                    f"({len(data) // 1000} KB); scan at a lower dpi", "too_big")


def is_bilevel(page: np.ndarray) -> bool:
    return page.ndim == 2 and bool(np.isin(page[:: 7, :: 7], (0, 255)).all())


def page_file(page: np.ndarray, dpi: int = DPI) -> tuple[bytes, str]:
    """One page for upload: (bytes, media type).  Colour and grey pages are
    JPEG; black-and-white pages are 1-bit PNG, because JPEG spends ~700 KB
    on the ringing around every sharp black stroke of a 300 dpi A4 page
    where PNG needs ~110 KB."""
    if is_bilevel(page):
        buf = io.BytesIO()
        Image.fromarray(page, "L").convert("1").save(buf, "PNG", dpi=(dpi, dpi), optimize=True)
        return buf.getvalue(), "image/png"
    return page_jpeg(page, dpi), "image/jpeg"


def document_pdf(pages: list[np.ndarray], dpi: int = DPI) -> bytes:
    """One PDF of the pages, each sized by ``dpi``: colour and grey pages as
    JPEG (the quality page_jpeg chose), black-and-white as CCITT G4."""
    if not pages:
        raise ScanError("a document needs at least one page", "no_pages")
    images = []
    for page in pages:
        if is_bilevel(page):
            images.append(Image.fromarray(page, "L").convert("1"))
        else:
            images.append(Image.open(io.BytesIO(page_jpeg(page, dpi))))
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=float(dpi), quality=85)
    return buf.getvalue()
