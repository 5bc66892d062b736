"""The reference platform checks the signatures an application carries: it
recomputes every hash of the signing record from what it received and from
its own catalog, and refuses (422, with a code) whatever was changed after
signing."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import uuid

import pytest
import requests

from kiosk.central import signing
from kiosk.filing import signature as sig
from kiosk.filing.catalog import Catalog
from simulators.platform.app import load_catalog_document
from tests.terminal_kit import BOX, name_strokes

CATALOG = Catalog.from_dict(load_catalog_document())
DIBAO = CATALOG.matter("MZ-001")
FORM = {"household_size": 3, "monthly_income": 1200.5, "reason": "因病", "phone": "13800000000",
        "address": "平房区友协大街1号"}
APPLICANT = {"name": "张三", "id_number": "230108199001011234"}
PAGE = b"\xff\xd8\xff\xe0" + b"income statement" * 50 + b"\xff\xd9"


def _signed(method, url, terminal, body=b""):
    headers = {"Content-Type": "application/octet-stream" if method == "PUT" else "application/json"}
    return requests.request(method, url, data=body, timeout=5,
                            headers={**signing.sign(terminal.key, method, url, body, terminal.id), **headers,
                                     "Idempotency-Key": uuid.uuid4().hex})


def signed_document(terminal_id, form=FORM, pages=(PAGE,), text=None):
    """What the kiosk's signing step makes (kiosk/services/approval/signature_step.py)."""
    document = DIBAO.signatures[0]
    content = sig.signed_content({"code": document.code, "title": document.title, "text": text or document.text},
                                 APPLICANT, form, document.declares, [hashlib.sha256(p).hexdigest() for p in pages])
    kept = sig.Signature(*BOX, tuple(tuple(sig.Point(x, y, round(t)) for x, y, t in s) for s in name_strokes()))
    strokes = sig.encode(kept)
    png = sig.signature_png(kept)
    record = sig.signing_record(content, strokes, png, signed_at="2026-12-07T10:00:00+08:00", terminal=terminal_id,
                                identity={"card": "id_card"})
    pdf = sig.signed_pdf(content, sig.PageText(DIBAO.name, APPLICANT["name"], APPLICANT["id_number"]), kept, record)
    return sig.SignedDocument(document.code, record, strokes, png, pdf)


def application(platform, terminal, signed, pages=(PAGE,), form=FORM):
    """Upload the pages and the signature's attachments (as the outbox worker
    does); the body that references them, as ``application_body`` makes it."""
    refs = []
    attachments = [("income_proof", p, "image/jpeg") for p in pages] + \
        [(a.material_code, a.data, a.content_type) for a in signed.attachments()]
    for code, data, kind in attachments:
        refs.append({"sha256": upload(platform, terminal, data), "material_code": code, "content_type": kind,
                     "size": len(data)})
    return {"serial": "HUT-TEST-01-" + uuid.uuid4().hex[:10], "matter_code": "MZ-001", "applicant": APPLICANT,
            "form": dict(form), "card": "id_card", "attachments": refs, "signatures": [signed.body_entry()]}


def upload(platform, terminal, data):
    sha = hashlib.sha256(data).hexdigest()
    assert _signed("PUT", f"{platform.url}/v1/attachments/{sha}", terminal, data).status_code in (200, 201)
    return sha


def post(platform, terminal, body):
    return _signed("POST", platform.url + "/v1/applications", terminal, json.dumps(body, ensure_ascii=False).encode())


def refused(response, code):
    return (response.status_code, response.json()["error"]["code"]) == (422, code)


def test_a_signature_that_binds_what_was_sent_is_accepted_and_kept(platform, terminal):
    signed = signed_document(terminal.id)
    r = post(platform, terminal, application(platform, terminal, signed))
    assert r.status_code == 201, r.text
    with platform.store.lock:
        row = platform.store.db.execute("SELECT body FROM submissions WHERE number=?", (r.json()["number"],)).fetchone()
    kept = json.loads(row[0])["signatures"][0]   # what the department reads: the record and its fingerprint
    assert kept["fingerprint"] == signed.fingerprint and kept["record"]["terminal"] == terminal.id


def test_a_value_changed_after_signing_is_refused(platform, terminal):
    signed = signed_document(terminal.id)
    body = application(platform, terminal, signed, form={**FORM, "monthly_income": 900.0})   # the income, lowered afterwards
    assert refused(post(platform, terminal, body), "SIGNATURE_BINDING_MISMATCH")


def test_a_page_swapped_after_signing_is_refused(platform, terminal):
    signed = signed_document(terminal.id)
    other = PAGE.replace(b"income", b"INCOME")
    assert refused(post(platform, terminal, application(platform, terminal, signed, pages=(other,))),
                   "SIGNATURE_BINDING_MISMATCH")


def test_a_signature_over_another_text_than_the_catalogs_is_refused(platform, terminal):
    signed = signed_document(terminal.id, text="本人声明：以上情况大致属实。")   # a softer wording
    r = post(platform, terminal, application(platform, terminal, signed))
    assert refused(r, "SIGNATURE_DOCUMENT_MISMATCH") and "catalog" in r.json()["error"]["message"]


def test_a_record_whose_document_hash_was_edited_to_match_is_caught_by_the_fingerprint(platform, terminal):
    signed = signed_document(terminal.id, text="本人声明：以上情况大致属实。")
    body = application(platform, terminal, signed)
    document = DIBAO.signatures[0]
    body["signatures"][0]["record"]["document"]["text_sha256"] = sig.document_text_sha256(document.title,
                                                                                           document.text)
    assert refused(post(platform, terminal, body), "SIGNATURE_BINDING_MISMATCH")


@pytest.mark.parametrize("tamper", ["strokes", "image", "terminal", "no_pdf", "fingerprint", "garbage_strokes"])
def test_other_tampering_is_refused(platform, terminal, tamper):
    signed = signed_document(terminal.id if tamper != "terminal" else "HUT-OTHER-09")
    body = application(platform, terminal, signed)
    entry = body["signatures"][0]
    if tamper == "strokes":
        other = sig.encode(sig.Signature(*BOX, tuple(tuple(sig.Point(x, y + 3, round(t)) for x, y, t in s)
                                                     for s in name_strokes())))
        entry["strokes"] = base64.b64encode(other).decode()
    elif tamper == "garbage_strokes":
        entry["strokes"] = base64.b64encode(b"HSG1 not strokes").decode()
    elif tamper == "image":
        png = next(a for a in body["attachments"] if a["material_code"].endswith(".signature"))
        other = sig.signature_png(sig.Signature(*BOX, ((sig.Point(1, 1, 0), sig.Point(800, 250, 10)),)))
        png.update(sha256=upload(platform, terminal, other), size=len(other))
    elif tamper == "no_pdf":
        body["attachments"] = [a for a in body["attachments"] if not a["material_code"].endswith(".signed")]
    elif tamper == "fingerprint":
        entry["fingerprint"] = "0" * 64
    assert refused(post(platform, terminal, body), "SIGNATURE_BINDING_MISMATCH")


def test_a_document_the_matter_does_not_ask_to_sign_is_refused(platform, terminal):
    signed = signed_document(terminal.id)
    body = application(platform, terminal, signed)
    record = copy.deepcopy(body["signatures"][0]["record"])
    record["document"]["code"] = "something_else"
    body["signatures"][0] = {**body["signatures"][0], "record": record, "fingerprint": sig.fingerprint(record)}
    assert refused(post(platform, terminal, body), "SIGNATURE_DOCUMENT_MISMATCH")


def test_an_application_without_the_signature_is_still_taken_as_before(platform, terminal):
    body = application(platform, terminal, signed_document(terminal.id))
    del body["signatures"]
    assert post(platform, terminal, body).status_code == 201

