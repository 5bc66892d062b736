"""The reference platform's check of the signatures an application carries.

The kiosk sends, per document signed on the touchscreen, the signing record,
its fingerprint and the strokes (``kiosk/filing/signature.py``,
``docs/signature.md``), and the signature's PNG and the signed page's PDF as
attachments.  The platform trusts none of the record's hashes: it recomputes
each from what it received and from its own catalog, and refuses the
application (422) when one does not match:

* ``SIGNATURE_DOCUMENT_MISMATCH``: the document is not one the matter's catalog
  entry asks to sign, or its text's hash is not the hash of the catalog's text
  (the resident signed another wording than the department's);
* ``SIGNATURE_BINDING_MISMATCH``: the signed content (document, applicant,
  declared form values, scanned pages) hashes to something else than the
  record says (a value or a page changed after signing), the strokes or the
  PNG are not the ones recorded, the strokes are not a signature, the record
  names another terminal or card holder, the fingerprint is not the record's,
  or the signature's PNG or PDF attachment is missing.

An application without a signature for a document is accepted (an older
terminal, or a hut whose screen could not take it): the department then
asks for the signed original at the counter, as before.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from kiosk.filing.catalog import Matter
from kiosk.filing.signature import (
    SIGNATURE_SUFFIX,
    SIGNED_SUFFIX,
    SignatureFormatError,
    canonical,
    decode,
    document_text_sha256,
    fingerprint,
    is_signature_attachment,
    sha256,
    signed_content,
)
from simulators.platform.bodies import Refused, error_response

DOCUMENT_MISMATCH = "SIGNATURE_DOCUMENT_MISMATCH"
BINDING_MISMATCH = "SIGNATURE_BINDING_MISMATCH"


def _refuse(code: str, message: str) -> Refused:
    return Refused(error_response(422, code, message))


def check_signatures(data: dict, matter: Matter, terminal_id: str) -> None:
    """Raise ``Refused`` (422) unless every signature in ``data`` binds what
    the application carries; the attachments were checked before (uploaded,
    their sizes and types).  A record that cannot even be hashed (a number
    that is not finite, a value of the wrong kind) binds nothing either."""
    try:
        _check(data, matter, terminal_id)
    except (ValueError, TypeError, KeyError, AttributeError):
        raise _refuse(BINDING_MISMATCH, "a signing record that cannot be checked") from None


def _check(data: dict, matter: Matter, terminal_id: str) -> None:
    entries = data.get("signatures") or []
    if not entries:
        return
    documents = {d.code: d for d in matter.signatures}
    attachments = [a for a in data.get("attachments") or [] if isinstance(a, dict)]
    pages = [a["sha256"] for a in attachments if not is_signature_attachment(str(a.get("material_code", "")))]
    codes = {(str(a.get("material_code", "")), a.get("content_type")): a["sha256"] for a in attachments}
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        record = entry["record"]
        where = f"signatures[{i}]"
        code = str(record["document"]["code"])
        document = documents.get(code)
        if document is None or code in seen:
            raise _refuse(DOCUMENT_MISMATCH, f"{where}: matter {matter.code} asks for no (other) signature of {code!r}")
        seen.add(code)
        if record["document"]["text_sha256"] != document_text_sha256(document.title, document.text) or \
                record["document"]["title"] != document.title:
            raise _refuse(DOCUMENT_MISMATCH, f"{where}: the signed text is not the catalog's text of {code!r}")
        if fingerprint(record) != entry["fingerprint"]:
            raise _refuse(BINDING_MISMATCH, f"{where}: the fingerprint is not the record's")
        content = signed_content({"code": document.code, "title": document.title, "text": document.text},
                                 data.get("applicant") or {}, data.get("form") or {}, document.declares, pages)
        if sha256(canonical(content)) != record["content_sha256"]:
            raise _refuse(BINDING_MISMATCH, f"{where}: the application's values or pages are not what was signed")
        try:
            strokes = base64.b64decode(entry["strokes"], validate=True)
            decode(strokes)
        except (binascii.Error, SignatureFormatError):
            raise _refuse(BINDING_MISMATCH, f"{where}: the strokes are not a signature (HSG1)") from None
        if sha256(strokes) != record["strokes"]["sha256"]:
            raise _refuse(BINDING_MISMATCH, f"{where}: the strokes are not the ones recorded")
        if codes.get((code + SIGNATURE_SUFFIX, "image/png")) != record["image_sha256"]:
            raise _refuse(BINDING_MISMATCH, f"{where}: the signature's PNG is not attached as recorded")
        if (code + SIGNED_SUFFIX, "application/pdf") not in codes:
            raise _refuse(BINDING_MISMATCH, f"{where}: the signed page (PDF) is not attached")
        if record["terminal"] != terminal_id:
            raise _refuse(BINDING_MISMATCH, f"{where}: signed at another terminal than the one filing it")
        identity: dict[str, Any] = record.get("identity") or {}
        applicant_hash = (data.get("applicant") or {}).get("id_hash")
        if identity.get("id_hash") and applicant_hash and identity["id_hash"] != applicant_hash:
            raise _refuse(BINDING_MISMATCH, f"{where}: signed by another card holder than the applicant")
        if identity.get("card") and data.get("card") and identity["card"] != data["card"]:
            raise _refuse(BINDING_MISMATCH, f"{where}: the card of the signing is not the application's")
