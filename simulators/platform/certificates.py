"""Certificates (证明) on the reference platform: issued by the district's
departments, sealed with the district's e-seal, printed at a hut.

The platform issues certificates for the simulated residents (the ID cards of
simulators/idcard/cards.py): 居住证明, 低保证明, 社保参保证明 and
高龄津贴领取证明, each a two-page A4 PDF made from a template (fpdf2: the
resident's details, the district's seal drawn as an image, a verification QR
and code on every page; page two says how a receiving office checks it),
then signed with the district's e-seal: a PAdES signature (pyHanko,
``ETSI.CAdES.detached``) by a seal certificate issued by the district's CA.

Keys stay out of the repository: the first start generates a test CA and the
seal's key and certificate into the platform's data folder
(``<data>/certificates/``: ``seal-ca.pem`` is what a terminal trusts, through
``[platform] seal_ca_file`` in its config; ``seal-key.pem`` never leaves).

What a terminal may have: the list of a resident's certificates and a
certificate's PDF, each only with the keyed hash of the resident's ID number
(the proof the progress query uses) on a signed call; a wrong hash answers
exactly like an unknown code.  ``GET /v1/certificates/{code}`` answers anyone
(a receiving office that scanned the QR): the kind, the masked holder, the
issue date and the PDF's SHA-256, nothing more.

Each PDF carries, in its signed metadata (``/Keywords``), its code and
``holder=`` SHA-256 of ``code:ID number``: a terminal compares it with the
card on the reader, so a certificate of another resident is refused.

SQL that SQLite and PostgreSQL both run: ``ON CONFLICT DO NOTHING``, no
SQLite-only functions; the tables are this module's own (migration m0006).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import os
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from kiosk.privacy import id_lookup_hash, mask_id, mask_name
from kiosk.services.certificate.verify import holder_check
from simulators.platform.bodies import error_response
from simulators.platform.store import PlatformStore

# kind -> (中文, English, issuing department, what it states)
KINDS: dict[str, tuple[str, str, str, str]] = {
    "residence": ("居住证明", "Certificate of residence", "和平区南营门街道办事处",
                  "兹证明该居民现居住于上述地址，特此证明。"),
    "subsistence": ("低保证明", "Certificate of minimum living allowance", "和平区民政局",
                    "兹证明该居民家庭为本区城市最低生活保障对象，享受最低生活保障待遇。"),
    "social_insurance": ("社保参保证明", "Certificate of social insurance", "和平区社会保险事业管理中心",
                         "兹证明该居民在本区参加基本养老保险和基本医疗保险，目前处于正常参保缴费状态。"),
    "elderly_allowance": ("高龄津贴领取证明", "Certificate of the old-age allowance", "和平区民政局",
                          "兹证明该居民符合高龄津贴发放条件，按月领取高龄津贴。"),
}
# The simulated residents (simulators/idcard/cards.py) and what the district issued them.
ISSUED: dict[str, tuple[str, ...]] = {
    "resident": ("residence", "social_insurance", "elderly_allowance"),
    "resident_hui": ("residence", "subsistence"),
}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"   # no 0/O, 1/I: read aloud at a counter
CODE_RE = r"^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$"
VERIFY_URL = "https://zwfw.example.gov.cn/v1/certificates/"
LISTED = 20


def new_code() -> str:
    """16 characters of a 32-letter alphabet (80 bits), in groups of four."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


# -- keys -------------------------------------------------------------------------
@dataclass(frozen=True)
class SealKeys:
    ca_pem: bytes
    seal_pem: bytes
    key_pem: bytes

    @classmethod
    def load_or_create(cls, folder: Path, district: str = "天津市和平区") -> "SealKeys":
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
        paths = [folder / "seal-ca.pem", folder / "seal.pem", folder / "seal-key.pem"]
        if all(p.exists() for p in paths):
            return cls(*(p.read_bytes() for p in paths))
        keys = cls.generate(district)
        for path, data in zip(paths, (keys.ca_pem, keys.seal_pem, keys.key_pem)):
            path.write_bytes(data)
            path.chmod(0o600)   # the platform's folder is private; terminals get the CA by provisioning
        return keys

    @classmethod
    def generate(cls, district: str) -> "SealKeys":
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)

        def name(cn: str) -> x509.Name:
            return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                              x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"{district}人民政府 (test)"),
                              x509.NameAttribute(NameOID.COMMON_NAME, cn)])

        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = name(f"{district} 电子印章 CA (test)")
        ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
              .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now).not_valid_after(now + dt.timedelta(days=3650))
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
              .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
        seal_key = ec.generate_private_key(ec.SECP256R1())
        seal = (x509.CertificateBuilder().subject_name(name(f"{district}政务服务电子印章 (test)"))
                .issuer_name(ca_name).public_key(seal_key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1825))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                               critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                               critical=False)
                .sign(ca_key, hashes.SHA256()))
        pem = serialization.Encoding.PEM
        return cls(ca.public_bytes(pem), seal.public_bytes(pem),
                   seal_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))

    def signer(self) -> Any:
        from pyhanko.keys import load_private_key_from_pemder_data
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        return signers.SimpleSigner(
            signing_cert=_pem_cert(self.seal_pem), signing_key=load_private_key_from_pemder_data(self.key_pem, None),
            cert_registry=SimpleCertificateStore.from_certs([_pem_cert(self.ca_pem)]))


def _pem_cert(data: bytes) -> Any:
    from asn1crypto import pem, x509

    _, _, der = pem.unarmor(data)
    return x509.Certificate.load(der)


# -- the document -----------------------------------------------------------------
def seal_image(district: str, size: int = 400) -> bytes:
    """The district's round red seal, drawn: a ring, a star, the name around."""
    from PIL import Image, ImageDraw

    from drivers.printer.profiles import cjk_font

    red = (200, 16, 24, 255)
    img = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    c, r = size / 2, size / 2 - 8
    draw.ellipse((c - r, c - r, c + r, c + r), outline=red, width=max(6, size // 40))
    star = []
    for i in range(10):
        angle = -math.pi / 2 + i * math.pi / 5
        radius = size * (0.16 if i % 2 == 0 else 0.065)
        star.append((c + radius * math.cos(angle), c + radius * math.sin(angle)))
    draw.polygon(star, fill=red)
    text = f"{district}政务服务专用章"
    font = cjk_font(size // 10)
    span = math.radians(250)
    for i, ch in enumerate(text):
        angle = math.radians(215) + span * i / max(1, len(text) - 1)
        x, y = c + (r - size * 0.11) * math.cos(angle), c + (r - size * 0.11) * math.sin(angle)
        glyph = Image.new("RGBA", (size // 8, size // 8), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text((size // 16, size // 16), ch, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
        img.alpha_composite(glyph, (int(x - size / 16), int(y - size / 16)))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def qr_image(text: str) -> bytes:
    import qrcode

    img = qrcode.make(text, border=1)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@dataclass(frozen=True)
class Holder:
    name: str
    id_number: str
    gender: str
    birth: str
    address: str


def render_pdf(kind: str, code: str, holder: Holder, issued_on: dt.date, district: str, seal_png: bytes) -> bytes:
    """The unsigned two-page certificate (A4)."""
    from fpdf import FPDF

    from drivers.printer.profiles import find_cjk_font

    zh, en, office, statement = KINDS[kind]
    pdf = FPDF(format="A4")
    pdf.set_creator("hut-kiosk reference platform")
    pdf.set_title(f"{zh} {code}")
    pdf.set_keywords(f"hutcert code={code} kind={kind} holder={holder_check(code, holder.id_number)}")
    font = find_cjk_font()
    pdf.add_font("cjk", fname=str(font), collection_font_number=0)
    qr = qr_image(VERIFY_URL + code)
    gender = {"1": "男", "2": "女"}.get(holder.gender, "")
    birth = f"{holder.birth[:4]}年{holder.birth[4:6]}月{holder.birth[6:8]}日" if len(holder.birth) == 8 else ""

    def footer() -> None:
        pdf.image(io.BytesIO(qr), x=160, y=250, w=32, h=32)
        pdf.set_xy(20, 262)
        pdf.set_font("cjk", size=10)
        pdf.cell(130, 6, f"核验码 Verification code: {code}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(20)
        pdf.cell(130, 6, f"扫码或访问 {VERIFY_URL}{code} 核验", new_x="LMARGIN", new_y="NEXT")

    pdf.add_page()
    pdf.set_font("cjk", size=26)
    pdf.set_y(30)
    pdf.cell(0, 14, zh, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, en, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(12)
    pdf.set_font("cjk", size=14)
    rows = [("姓名", holder.name), ("性别", gender), ("出生日期", birth),
            ("公民身份号码", mask_id(holder.id_number)), ("住址", holder.address)]
    for label, value in rows:
        pdf.set_x(25)
        pdf.cell(40, 11, label + "：")
        pdf.multi_cell(135, 11, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_x(25)
    pdf.multi_cell(160, 10, "    " + statement, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(20)
    pdf.set_x(110)
    pdf.cell(80, 10, office, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(110)
    pdf.cell(80, 10, f"{issued_on.year}年{issued_on.month}月{issued_on.day}日", align="C")
    pdf.image(io.BytesIO(seal_png), x=128, y=pdf.get_y() - 32, w=44, h=44)
    footer()

    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.set_y(30)
    pdf.cell(0, 12, "核验说明 How to verify", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("cjk", size=12)
    notes = [
        f"1. 本证明由{office}出具，加盖{district}政务服务电子印章（数字签名），在居民自助服务小屋打印。",
        "   Issued by the office above, sealed with the district's electronic seal (a digital signature), "
        "printed at a community service hut.",
        f"2. 收件单位可扫描二维码或访问 {VERIFY_URL}{code} ，核对证明种类、持有人（部分隐藏）和出具日期。",
        "   A receiving office scans the QR code or opens the address to check the kind, the holder (masked) "
        "and the date.",
        "3. 电子文件可用PDF阅读器查看签名；签名后改动的文件无效。",
        "   The electronic file's signature shows in a PDF reader; a file changed after signing is not valid.",
        "4. 本证明共2页。This certificate has 2 pages.",
    ]
    for line in notes:
        pdf.set_x(20)
        pdf.multi_cell(170, 8, line, new_x="LMARGIN", new_y="NEXT")
    footer()
    return bytes(pdf.output())


def sign_pdf(pdf: bytes, keys: SealKeys) -> bytes:
    """The PDF with the district's e-seal: a PAdES B-B signature over it all."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(field_name="DistrictSeal", subfilter=fields.SigSeedSubFilter.PADES,
                                        reason="电子印章 e-seal", location="天津市和平区")
    out = signers.PdfSigner(meta, signer=keys.signer()).sign_pdf(writer)
    return out.getvalue()


# -- the desk ---------------------------------------------------------------------
class CertificateDesk:
    """The platform's certificates: one per app, over the platform's store;
    ``folder`` holds the keys and the signed PDFs."""

    def __init__(self, store: PlatformStore, folder: Path | None = None, district: str = "天津市和平区",
                 today: Callable[[], dt.date] = dt.date.today):
        self.store, self.district, self.today = store, district, today
        self.folder = Path(folder) if folder is not None else store.db_path.parent / "certificates"
        self.keys = SealKeys.load_or_create(self.folder)
        self._seal: bytes | None = None
        self._lock = threading.Lock()
        self._indexed: set[int] = set()
        self._issuing = threading.Lock()   # this process: a second request waits for the first one's certificates

    @property
    def ca_file(self) -> Path:
        return self.folder / "seal-ca.pem"

    def _pdf_path(self, code: str) -> Path:
        return self.folder / f"{code}.pdf"

    def issue(self, kind: str, holder: Holder) -> str:
        """A new certificate; returns its code.  Its PDF is made and sealed
        when first asked for (``sealed``): a list answers at once."""
        if kind not in KINDS:
            raise ValueError(f"no certificate kind {kind!r}")
        code = new_code()
        self.store.db.execute(
            "INSERT INTO certificates (code, kind, id_number, holder_name, issued_on, pages, pdf_sha256, gender, "
            "birth, address) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (code, kind, holder.id_number, holder.name, self.today().isoformat(), 2, "", holder.gender,
             holder.birth, holder.address))
        self._index(force=True)
        return code

    def sealed(self, code: str) -> bytes | None:
        """The certificate's signed PDF (made and sealed the first time)."""
        path = self._pdf_path(code)
        with self._lock:
            if path.exists():
                return path.read_bytes()
            row = self.store.db.execute(
                "SELECT kind, id_number, holder_name, issued_on, gender, birth, address FROM certificates "
                "WHERE code = ?", (code,)).fetchone()
            if row is None:
                return None
            kind, id_number, name, issued_on, gender, birth, address = row
            if self._seal is None:
                self._seal = seal_image(self.district)
            holder = Holder(name, id_number, gender, birth, address)
            signed = sign_pdf(render_pdf(kind, code, holder, dt.date.fromisoformat(issued_on), self.district,
                                         self._seal), self.keys)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")   # two workers may seal the same one at once
            tmp.write_bytes(signed)
            tmp.chmod(0o600)
            tmp.replace(path)
            self.store.db.execute("UPDATE certificates SET pdf_sha256 = ? WHERE code = ?",
                                  (hashlib.sha256(signed).hexdigest(), code))
            return signed

    def issue_for_simulated_residents(self, id_hashes: list[str]) -> None:
        """The certificates ``ISSUED`` lists for the simulated resident whose
        keyed hash is among ``id_hashes``, made the first time they are asked
        for (a platform that no test asks for certificates renders none)."""
        from simulators.idcard.cards import CARDS

        wanted = set(id_hashes)
        keys = [bytes.fromhex(k["key"]) for k in self.store.id_hash_keys()]
        for card_name, kinds in ISSUED.items():
            card = CARDS[card_name]
            if not any(id_lookup_hash(card["id_number"], key) in wanted for key in keys):
                continue
            with self._issuing:
                # one worker issues them (the marker's primary key decides between workers)
                if self.store.db.execute("INSERT INTO certificates_issued_for (id_number) VALUES (?) "
                                         "ON CONFLICT DO NOTHING", (card["id_number"],)).rowcount != 1:
                    continue
                holder = Holder(card["name"], card["id_number"], card.get("gender", ""), card.get("birth", ""),
                                card.get("address", ""))
                for kind in kinds:
                    self.issue(kind, holder)

    def _index(self, force: bool = False) -> None:
        """Holders' keyed hashes under every ID hash key the platform holds."""
        keys = self.store.id_hash_keys()
        versions = {int(k["version"]) for k in keys}
        if not force and versions <= self._indexed:
            return
        rows = self.store.db.execute("SELECT code, id_number FROM certificates").fetchall()
        for code, id_number in rows:
            for key in keys:
                self.store.db.execute("INSERT INTO certificate_holders (code, id_hash) VALUES (?, ?) "
                                      "ON CONFLICT DO NOTHING",
                                      (code, id_lookup_hash(id_number, bytes.fromhex(key["key"]))))
        self._indexed |= versions

    def _entry(self, row: Any) -> dict:
        code, kind, _id_number, name, issued_on, pages = row[:6]
        zh, en, office, _ = KINDS[kind]
        return {"code": code, "kind": kind, "title": zh, "title_en": en, "issued_by": office,
                "issued_on": issued_on, "pages": pages, "holder": mask_name(name)}

    def for_residents(self, id_hashes: list[str]) -> list[dict]:
        """The resident's valid certificates, newest first."""
        self.issue_for_simulated_residents(id_hashes)
        self._index()
        marks = ",".join("?" * len(id_hashes))
        rows = self.store.db.execute(
            "SELECT code, kind, id_number, holder_name, issued_on, pages FROM certificates WHERE revoked = 0 "
            f"AND code IN (SELECT code FROM certificate_holders WHERE id_hash IN ({marks})) "
            "ORDER BY issued_on DESC, code LIMIT ?", (*id_hashes, LISTED)).fetchall()
        return [self._entry(r) for r in rows]

    def document(self, code: str, id_hashes: list[str]) -> bytes | None:
        """The signed PDF, only for its holder's hash; None otherwise (as for an unknown code)."""
        self.issue_for_simulated_residents(id_hashes)
        self._index()
        marks = ",".join("?" * len(id_hashes))
        row = self.store.db.execute(
            "SELECT code FROM certificates WHERE code = ? AND revoked = 0 AND code IN "
            f"(SELECT code FROM certificate_holders WHERE id_hash IN ({marks}))", (code, *id_hashes)).fetchone()
        if row is None:
            return None
        return self.sealed(code)

    def verification(self, code: str) -> dict | None:
        """What a receiving office may know of a certificate."""
        row = self.store.db.execute(
            "SELECT code, kind, id_number, holder_name, issued_on, pages, pdf_sha256, revoked FROM certificates "
            "WHERE code = ?", (code,)).fetchone()
        if row is None:
            return None
        sha = row[6] or hashlib.sha256(self.sealed(code) or b"").hexdigest()
        entry = self._entry(row)
        entry.update({"holder_id": mask_id(row[2]), "sha256": sha, "status": "revoked" if row[7] else "valid"})
        return entry

    def revoke(self, code: str) -> bool:
        cur = self.store.db.execute("UPDATE certificates SET revoked = 1 WHERE code = ?", (code,))
        return cur.rowcount > 0


def add_certificate_routes(app: Any, desk: CertificateDesk, terminal_of: Callable[[Any], str],
                           sha_re: Any, max_hashes: int) -> None:
    """``GET /v1/certificates`` and ``/v1/certificates/{code}/document`` (a
    signed terminal, with the resident's keyed hash), ``/v1/certificates/{code}``
    (anyone: the receiving office)."""
    code_re = re.compile(CODE_RE)

    def hashes_of(request: Request) -> list[str] | None:
        found = request.query_params.getlist("id_hash")
        if not 1 <= len(found) <= max_hashes or not all(sha_re.match(h) for h in found):
            return None
        return found

    bad_hash = f"id_hash: 1 to {max_hashes} values of 64 lower-case hex digits (the keyed hashes of the ID number)"

    @app.get("/v1/certificates")
    async def find_certificates(request: Request) -> JSONResponse:
        terminal_of(request)
        found = hashes_of(request)
        if found is None:
            return error_response(422, "VALIDATION", bad_hash)
        return JSONResponse({"certificates": await run_in_threadpool(desk.for_residents, found)})

    @app.get("/v1/certificates/{code}/document")
    async def get_certificate_document(code: str, request: Request) -> Response:
        terminal_of(request)
        found = hashes_of(request)
        if found is None:
            return error_response(422, "VALIDATION", bad_hash)
        pdf = await run_in_threadpool(desk.document, code, found) if code_re.match(code) else None
        if pdf is None:
            return error_response(404, "NOT_FOUND", "no certificate with this code for this resident")
        return Response(pdf, media_type="application/pdf", headers={"Cache-Control": "no-store"})

    @app.get("/v1/certificates/{code}")
    async def verify_certificate(code: str) -> JSONResponse:
        found = await run_in_threadpool(desk.verification, code) if code_re.match(code) else None
        if found is None:
            return error_response(404, "NOT_FOUND", "no certificate with this code")
        return JSONResponse(found)
