"""Before a certificate is printed: is it the district's, unaltered, and this
resident's?

The platform seals each certificate with a PAdES signature (ETSI.CAdES.detached)
by the district's e-seal certificate.  pyHanko's validator checks here that the
signature is intact and valid, that its certificate chains to the district's
seal CA in the terminal's trust store (``[platform] seal_ca_file``), that it
covers the whole file (nothing added after signing), and the PDF's signed
``/Keywords`` say which certificate it is and whose: ``holder=`` is SHA-256 of
``code:ID number``, compared with the card on the reader.  Anything else is a
refusal the resident hears as "please go to the counter".
"""

from __future__ import annotations

import enum
import hashlib
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

log = logging.getLogger(__name__)

_KEYWORD = re.compile(r"(\w+)=(\S+)")


class Refusal(enum.StrEnum):
    NOT_PDF = "not_pdf"               # not a readable PDF
    UNSIGNED = "unsigned"             # no signature at all
    ALTERED = "altered"               # the signature does not match the content, or content was added after it
    UNTRUSTED = "untrusted"           # signed, but not by the district's seal (or no trust store configured)
    OTHER_RESIDENT = "other_resident" # the district's, but another resident's (or another certificate)


class CertificateRefused(Exception):
    def __init__(self, reason: Refusal, detail: str = ""):
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason


@dataclass(frozen=True)
class Checked:
    """A certificate fit to print: its code, kind, page count and the seal's holder."""

    code: str
    kind: str
    pages: int
    sealed_by: str


def holder_check(code: str, id_number: str) -> str:
    return hashlib.sha256(f"{code}:{id_number.strip().upper()}".encode()).hexdigest()


def load_trust(path: Path | None) -> tuple[Any, ...]:
    """The seal CA certificates of a PEM (or DER) file; () when none is configured."""
    if path is None:
        return ()
    from asn1crypto import pem, x509

    data = Path(path).read_bytes()
    if pem.detect(data):
        return tuple(x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True))
    return (x509.Certificate.load(data),)


def check_certificate(pdf: bytes, trust: Sequence[Any], code: str, id_number: str) -> Checked:
    """``pdf`` checked against ``trust`` (the seal CA) and the resident's ID
    number; raises :class:`CertificateRefused`."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
        pages = int(reader.root["/Pages"]["/Count"])
        info = reader.trailer["/Info"] if "/Info" in reader.trailer else {}
        keywords = str(info.get("/Keywords", "")) if hasattr(info, "get") else ""
    except (PdfReadError, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise CertificateRefused(Refusal.NOT_PDF, type(exc).__name__) from None
    if not signatures:
        raise CertificateRefused(Refusal.UNSIGNED)
    if not trust:
        raise CertificateRefused(Refusal.UNTRUSTED, "no seal CA in the trust store (platform.seal_ca_file)")
    signature = signatures[-1]
    try:
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=list(trust)))
    except (SignatureValidationError, ValueError, KeyError) as exc:
        raise CertificateRefused(Refusal.ALTERED, type(exc).__name__) from None
    if not (status.intact and status.valid):
        raise CertificateRefused(Refusal.ALTERED, "the signature does not match the content")
    if status.coverage is None or status.coverage.name != "ENTIRE_FILE":
        raise CertificateRefused(Refusal.ALTERED, f"content added after the signature ({status.coverage})")
    if not status.trusted:
        raise CertificateRefused(Refusal.UNTRUSTED, "not sealed by the district's seal CA")
    fields = dict(_KEYWORD.findall(keywords))
    if fields.get("code") != code:
        raise CertificateRefused(Refusal.OTHER_RESIDENT, "not the certificate asked for")
    if fields.get("holder") != holder_check(code, id_number):
        raise CertificateRefused(Refusal.OTHER_RESIDENT, "the holder is not the resident on the card")
    sealed_by = status.signing_cert.subject.human_friendly if status.signing_cert is not None else ""
    return Checked(code, fields.get("kind", ""), pages, sealed_by)
