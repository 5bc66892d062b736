"""A certificate's first page as a picture for the screen (pypdfium2: PDFium,
in process, no temporary file: the page is a resident's document)."""

from __future__ import annotations

import io


def first_page_png(pdf: bytes, width: int = 700) -> bytes:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        scale = width / page.get_width()
        image = page.render(scale=scale).to_pil()
        out = io.BytesIO()
        image.convert("RGB").save(out, "PNG")
        return out.getvalue()
    finally:
        doc.close()
