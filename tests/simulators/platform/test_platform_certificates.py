"""Certificates on the reference platform and their check on the terminal:
issued for the simulated residents, sealed (PAdES) by the district's e-seal,
listed and served only for the holder's keyed hash, answered to anyone by
code; the terminal's check refuses unsigned, altered, untrusted and other
residents' PDFs."""

from __future__ import annotations

import io

import pytest
import requests as http

from kiosk.privacy import id_lookup_hash
from kiosk.services.certificate.verify import CertificateRefused, Refusal, check_certificate, holder_check, load_trust
from simulators.idcard.cards import CARDS
from simulators.platform.certificates import SealKeys, sign_pdf
from simulators.platform.testing import Terminal, client_for, start_platform

pytestmark = pytest.mark.slow   # issuing renders and seals PDFs: seconds

LI = CARDS["resident"]          # 李秀英: residence, social insurance, old-age allowance
MA = CARDS["resident_hui"]      # 马建国: residence, subsistence


@pytest.fixture(scope="module")
def terminal():
    return Terminal()


@pytest.fixture(scope="module")
def platform(tmp_path_factory, terminal):
    """One platform for the module: issuing a resident's certificates renders and seals three PDFs."""
    server = start_platform(tmp_path_factory.mktemp("platform"), terminal)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def listed(platform, terminal):
    client = client_for(platform.url, terminal, read_timeout=30.0)
    client.status_budget = 60.0
    mine = client.certificates_for([id_lookup_hash(LI["id_number"], terminal.id_hash_key)])
    yield client, mine
    client.close()


def trust(platform):
    return load_trust(platform.store.db_path.parent / "certificates" / "seal-ca.pem")


def test_a_resident_sees_their_certificates_and_gets_a_sealed_pdf(platform, terminal, listed):
    client, mine = listed
    assert sorted(c["title"] for c in mine) == ["居住证明", "社保参保证明", "高龄津贴领取证明"]
    assert all(c["holder"] == "李**" and c["pages"] == 2 for c in mine)
    assert "id_number" not in str(mine) and LI["id_number"] not in str(mine)
    code = mine[0]["code"]
    pdf = client.certificate_document(code, [id_lookup_hash(LI["id_number"], terminal.id_hash_key)])
    checked = check_certificate(pdf, trust(platform), code, LI["id_number"])
    assert checked.pages == 2 and checked.code == code and "电子印章" in checked.sealed_by
    # anyone (the receiving office) may check the code: masked, with the PDF's hash
    answer = http.get(f"{platform.url}/v1/certificates/{code}", timeout=5).json()
    assert answer["status"] == "valid" and answer["holder_id"].startswith("120101") and "*" in answer["holder_id"]
    assert answer["holder"] == "李**" and len(answer["sha256"]) == 64


def test_another_residents_hash_gets_nothing(platform, terminal, listed):
    client, mine = listed
    ma_hash = id_lookup_hash(MA["id_number"], terminal.id_hash_key)
    assert client.certificate_document(mine[0]["code"], [ma_hash]) is None
    theirs = client.certificates_for([ma_hash])
    assert sorted(c["title"] for c in theirs) == ["低保证明", "居住证明"]
    assert not {c["code"] for c in theirs} & {c["code"] for c in mine}
    assert http.get(f"{platform.url}/v1/certificates/AAAA-BBBB-CCCC-DDDD", timeout=5).status_code == 404
    unsigned = http.get(f"{platform.url}/v1/certificates", params={"id_hash": ma_hash}, timeout=5)
    assert unsigned.status_code == 401


def test_the_terminal_refuses_what_it_must_not_print(platform, terminal, listed):
    client, mine = listed
    code = mine[0]["code"]
    pdf = client.certificate_document(code, [id_lookup_hash(LI["id_number"], terminal.id_hash_key)])
    ca = trust(platform)

    def refused(data, who=LI["id_number"], roots=ca, asked=code):
        with pytest.raises(CertificateRefused) as info:
            check_certificate(data, roots, asked, who)
        return info.value.reason

    assert refused(pdf, who=MA["id_number"]) is Refusal.OTHER_RESIDENT
    assert refused(pdf, asked=mine[1]["code"]) is Refusal.OTHER_RESIDENT
    # one byte of the signed content changed
    at = pdf.index(b"/Keywords")
    assert refused(pdf[:at + 12] + bytes([pdf[at + 12] ^ 1]) + pdf[at + 13:]) is Refusal.ALTERED
    # something appended after the signature (an incremental update)
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.root["/PageMode"] = generic.NameObject("/UseOutlines")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    assert refused(out.getvalue()) is Refusal.ALTERED
    # sealed by someone else's key, and nothing sealed at all
    from fpdf import FPDF
    plain = FPDF()
    plain.add_page()
    plain.set_keywords(f"hutcert code={code} kind=residence holder={holder_check(code, LI['id_number'])}")
    assert refused(bytes(plain.output())) is Refusal.UNSIGNED
    assert refused(sign_pdf(bytes(plain.output()), SealKeys.generate("某区"))) is Refusal.UNTRUSTED
    assert refused(b"%PDF-1.7\n garbage") is Refusal.NOT_PDF
    assert refused(pdf, roots=()) is Refusal.UNTRUSTED
