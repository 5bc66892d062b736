"""The signature without a screen: its rules, the compact stroke format, the
signing record's binding, and the PNG and the signed page."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from kiosk.filing import signature as sig
from tests.terminal_kit import BOX, name_strokes


def signature(strokes=None, box=BOX, pressure=False) -> sig.Signature:
    strokes = strokes if strokes is not None else name_strokes(box)
    return sig.Signature(*box, tuple(tuple(sig.Point(x, y, round(t), 0.5 if pressure else None) for x, y, t in s)
                                     for s in strokes))


# -- the rules ---------------------------------------------------------------------------------
def test_a_written_name_passes():
    assert sig.problem(signature()) is None


def test_nothing_is_refused_as_empty():
    assert sig.problem(sig.Signature(*BOX, ())) == sig.Problem.EMPTY


def test_a_dot_and_a_tap_are_refused():
    assert sig.problem(signature([[(450, 150, 0)]])) == sig.Problem.DOT
    assert sig.problem(signature([[(450, 150, 0), (452, 151, 10), (453, 149, 20)]])) == sig.Problem.DOT
    # several taps close together are still a dot
    assert sig.problem(signature([[(450, 150, 0)], [(455, 152, 200)], [(460, 150, 400)]])) == sig.Problem.DOT


def test_one_short_stroke_is_refused_but_one_long_flowing_stroke_passes():
    short = [[(300 + i * 8, 150, i * 10) for i in range(15)]]          # a dash of 112 px in a 300 px tall box
    assert sig.problem(signature(short)) == sig.Problem.SHORT
    flowing = [[(100 + i * 6, 150 + 60 * (-1) ** (i // 8), i * 10) for i in range(100)]]
    assert sig.problem(signature(flowing)) is None


def test_a_signature_mostly_outside_the_box_is_refused():
    outside = name_strokes(BOX, dx=BOX[0] * 0.8)       # the finger started near the right edge and went on
    assert sig.problem(signature(outside)) == sig.Problem.OUTSIDE
    a_little_out = name_strokes(BOX, dx=BOX[0] * 0.12)  # the last letter's tail leaves the box: fine
    assert sig.problem(signature(a_little_out)) is None


# -- the compact format ------------------------------------------------------------------------
def test_the_format_round_trips_and_keeps_a_tenth_of_a_pixel_and_a_millisecond():
    original = signature()
    data = sig.encode(original)
    back = sig.decode(data)
    assert sig.encode(back) == data
    assert (back.width, back.height, len(back.strokes), back.points) == (900, 300, 3, original.points)
    for a, b in zip((p for s in original.strokes for p in s), (p for s in back.strokes for p in s)):
        assert abs(a.x - b.x) <= 0.05 and abs(a.y - b.y) <= 0.05 and a.t == b.t and b.p is None
    assert len(data) < 6 * original.points     # compact: a few bytes a point, not JSON


def test_pressure_and_points_outside_the_box_round_trip():
    rng = random.Random(7)
    strokes = [[(rng.uniform(-50, 950), rng.uniform(-20, 320), i * 8 + k * 500) for i in range(30)] for k in range(4)]
    original = sig.Signature(*BOX, tuple(tuple(sig.Point(x, y, t, rng.random()) for x, y, t in s) for s in strokes))
    back = sig.decode(sig.encode(original))
    assert back.has_pressure and sig.encode(back) == sig.encode(original)
    for a, b in zip((p for s in original.strokes for p in s), (p for s in back.strokes for p in s)):
        assert abs(a.x - b.x) <= 0.05 and abs(a.y - b.y) <= 0.05 and abs((a.p or 0) - (b.p or 0)) <= 0.0005


def test_the_header_says_what_the_docs_say():
    data = sig.encode(signature())
    assert data[:4] == b"HSG1" and data[4] == 0 and int.from_bytes(data[5:7], "big") == 900
    assert int.from_bytes(data[7:9], "big") == 300 and data[9] == sig.RESOLUTION and data[10] == 3   # 3 strokes


@pytest.mark.parametrize("bad", [b"", b"HSG2" + bytes(10), b"HSG1\x00\x03\x84\x01\x2c\x0a\x01\x05",
                                 sig.encode(signature()) + b"\x00", b"HSG1\x02\x03\x84\x01\x2c\x0a\x00"])
def test_bytes_that_are_not_a_signature_are_refused(bad):
    with pytest.raises(sig.SignatureFormatError):
        sig.decode(bad)


# -- the record --------------------------------------------------------------------------------
DOCUMENT = {"code": "property_statement", "title": "家庭财产申报表", "text": "本人郑重声明：所填情况真实。"}
APPLICANT = {"name": "张三", "id_number": "230108199001011234"}


def record_for(form=None, pages=("a" * 64,)):
    content = sig.signed_content(DOCUMENT, APPLICANT, form or {"household_size": 3, "monthly_income": 1200.0},
                                 ("household_size", "monthly_income"), pages)
    strokes = sig.encode(signature())
    png = sig.signature_png(sig.decode(strokes))
    return content, sig.signing_record(content, strokes, png, signed_at="2026-12-07T10:00:00+08:00",
                                       terminal="HUT-TEST-01", identity={"card": "id_card"}), strokes, png


def test_the_record_binds_the_text_the_values_the_pages_the_strokes_and_the_image():
    content, record, strokes, png = record_for()
    assert record["document"]["text_sha256"] == sig.document_text_sha256(DOCUMENT["title"], DOCUMENT["text"])
    assert record["content_sha256"] == sig.sha256(sig.canonical(content))
    assert record["strokes"]["sha256"] == sig.sha256(strokes) and record["image_sha256"] == sig.sha256(png)
    assert record["strokes"]["strokes"] == 3 and record["terminal"] == "HUT-TEST-01"
    # another value, another page, another text: another content hash
    assert record_for({"household_size": 4, "monthly_income": 1200.0})[1]["content_sha256"] != record["content_sha256"]
    assert record_for(pages=("b" * 64,))[1]["content_sha256"] != record["content_sha256"]
    # the order the pages were taken in is not part of it; a field it does not declare is not either
    assert record_for(pages=("b" * 64, "a" * 64))[1]["content_sha256"] == \
        record_for(pages=("a" * 64, "b" * 64))[1]["content_sha256"]
    assert record_for({"household_size": 3, "monthly_income": 1200.0, "phone": "1"})[1]["content_sha256"] == \
        record["content_sha256"]


def test_the_canonical_form_does_not_depend_on_key_order_or_unicode_composition():
    assert sig.canonical({"b": 1, "a": "é"}) == sig.canonical({"a": "e\u0301", "b": 1}) == '{"a":"é","b":1}'.encode()


def test_the_fingerprint_changes_with_any_field_of_the_record():
    _content, record, _s, _p = record_for()
    assert sig.fingerprint(record) == sig.fingerprint(dict(reversed(list(record.items()))))
    assert sig.fingerprint({**record, "signed_at": "2026-12-07T10:00:01+08:00"}) != sig.fingerprint(record)


# -- what the department sees --------------------------------------------------------------------
def ink(image: Image.Image, box=None) -> int:
    part = image.convert("L").crop(box) if box else image.convert("L")
    return sum(1 for v in part.getdata() if v < 128)


def test_the_png_shows_the_strokes_where_they_were_drawn():
    image = Image.open(io.BytesIO(sig.signature_png(signature())))
    assert image.size == BOX
    assert ink(image, (100, 60, 800, 240)) > 1500     # the three letters' ink
    assert ink(image, (0, 0, 900, 50)) == 0 and ink(image, (820, 0, 900, 300)) == 0


def test_the_line_is_thinner_where_the_finger_is_fast():
    slow = [[(100 + i * 3, 150, i * 40) for i in range(100)]]
    fast = [[(100 + i * 3, 150, i * 1) for i in range(100)]]
    assert ink(Image.open(io.BytesIO(sig.signature_png(signature(slow))))) > \
        1.5 * ink(Image.open(io.BytesIO(sig.signature_png(signature(fast)))))


def test_the_signed_page_has_the_document_the_signature_and_the_fingerprint():
    content, record, strokes, _png = record_for()
    pdf = sig.signed_pdf(content, sig.PageText("最低生活保障申请", "张三", "230108199001011234",
                                               (("家庭人口数", "3"),), "友协小屋"), sig.decode(strokes), record,
                         text_en="I declare that what I stated is true.")
    assert pdf.startswith(b"%PDF-") and b"/MediaBox" in pdf
    page = Image.open(io.BytesIO(sig.page_image(pdf)))
    assert page.size == (1240, 1754)                       # A4 at 150 dpi
    width, height = page.size
    assert ink(page, (0, 0, width, 200)) > 500             # the title and the resident
    assert ink(page, (0, height - 150, width, height)) == 0   # a bottom margin, nothing cut off


def test_the_page_shown_outside_the_outbox_masks_the_name_and_id_number_and_keeps_the_rest():
    """The demo's picture of the signed page: redacting the department's page
    gives the page a masked record would have made; nothing else changes."""
    import numpy as np

    content, record, strokes, _png = record_for()
    drawn = sig.decode(strokes)

    def page(name, number):
        pdf = sig.signed_pdf(content, sig.PageText("最低生活保障申请", name, number, (("家庭人口数", "3"),), "友协小屋"),
                             drawn, record)
        return sig.page_image(pdf)

    full = page("张三", "230108199001011234")
    masked_render = np.asarray(Image.open(io.BytesIO(page("张*", "230108********1234"))).convert("L"), dtype=float)
    redacted = np.asarray(sig.masked_page(full, "张*", "230108********1234"), dtype=float)
    original = np.asarray(Image.open(io.BytesIO(full)).convert("L"), dtype=float)
    lines = slice(200, 300)                                    # the applicant's and the ID number's lines
    assert np.abs(redacted[lines] - original[lines]).mean() > 2        # the full forms are gone
    assert np.abs(redacted[lines] - masked_render[lines]).mean() < 1.5  # the masked forms are there
    assert np.abs(redacted[300:] - original[300:]).max() == 0 and np.abs(redacted[:200] - original[:200]).max() == 0


# -- the catalog's documents to sign -----------------------------------------------------------
def test_the_reference_catalog_signs_the_dibao_declaration_here_instead_of_at_the_counter():
    from kiosk.filing.catalog import Catalog
    from simulators.platform.app import load_catalog_document

    matter = Catalog.from_dict(load_catalog_document()).matter("MZ-001")
    (document,) = matter.signatures
    assert document.material == "property_statement" and document.kiosk_suffices
    assert matter.signed_here("property_statement") is document and matter.signed_here("hukou") is None
    assert set(document.declares) <= {f.name for f in matter.fields}


@pytest.mark.parametrize("change, why", [
    ({"declares": ["no_such_field"]}, "fields"),
    ({"material": "no_such_paper"}, "paper"),
    ({"text": " "}, "title and a text"),
])
def test_a_document_to_sign_naming_what_the_matter_lacks_is_refused(change, why):
    from kiosk.filing.catalog import Catalog, CatalogError
    from simulators.platform.app import load_catalog_document

    data = load_catalog_document()
    matter = next(m for m in data["matters"] if m["code"] == "MZ-001")
    matter["signatures"] = [{**matter["signatures"][0], **change}]
    with pytest.raises(CatalogError, match=why):
        Catalog.from_dict(data)


def test_a_matter_whose_signature_does_not_suffice_keeps_its_counter_step():
    from kiosk.devices.availability import Papers
    from kiosk.filing.catalog import Catalog
    from kiosk.filing.papers import PaperSet, PaperState
    from simulators.platform.app import load_catalog_document

    data = load_catalog_document()
    matter = next(m for m in data["matters"] if m["code"] == "MZ-001")
    for suffices, state in ((True, PaperState.SIGNED), (False, PaperState.AT_COUNTER)):
        matter["signatures"] = [{**matter["signatures"][0], "kiosk_suffices": suffices}]
        papers = PaperSet(Catalog.from_dict(data).matter("MZ-001"), Papers.SCAN)
        assert papers.state("property_statement") is state
        assert (papers.bring_today() != []) is (not suffices)
