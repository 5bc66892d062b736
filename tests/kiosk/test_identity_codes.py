"""What a scanned code is, and the platform's answer as an identity (kiosk/identity_codes.py, kiosk/identity.py)."""

from __future__ import annotations

import base64

import pytest

from kiosk.central.client import NeedsStaff, RetryLater
from kiosk.filing.submission import slip_qr
from kiosk.identity import Evidence, Identity
from kiosk.identity_codes import CodeKind, Refusal, classify, verify

ANSWER = {"evidence": "e_id_code", "card_type": "resident", "name": "李秀英", "id_number": "120101195001011281",
          "masked_id": "120101********1281", "id_hash": "a" * 64, "id_hash_version": 1, "gender_code": "2",
          "birth_date": "1950-01-01"}


@pytest.mark.parametrize("text, kind", [
    (slip_qr("PF20261130000123", "0123456789abcdef"), CodeKind.SLIP),
    ("HUTAPP:XY-0007-20261130-0001", CodeKind.SLIP),
    ("EID1.AAAA.BBBB", CodeKind.IDENTITY),
    ("  EID1.AAAA.BBBB  ", CodeKind.IDENTITY),
    ("https://pay.example.cn/qr/1", CodeKind.OTHER),
    ("weixin://wxpay/bizpayurl?pr=abc", CodeKind.OTHER),
    ("6901234567892", CodeKind.OTHER),            # a product's barcode
    ("社保码123", CodeKind.OTHER),                 # not ASCII: no e-ID code is
    ("", CodeKind.OTHER),
    ("E" * 2049, CodeKind.OTHER),
])
def test_classify(text, kind):
    assert classify(text) is kind


def test_the_platforms_answer_becomes_an_identity_with_its_photo():
    jpeg = b"\xff\xd8\xff\xe0 a photo \xff\xd9"
    identity = Identity.from_platform({**ANSWER, "photo_jpeg": base64.b64encode(jpeg).decode()})
    assert identity.evidence is Evidence.E_ID_CODE and identity.evidence.is_code
    assert identity.photo_bmp == jpeg and identity.masked_name == "李**" and identity.age_on(
        __import__("datetime").date(2026, 12, 7)) == 76
    assert "120101195001011281" not in repr(identity)


@pytest.mark.parametrize("garbled", [
    {**ANSWER, "evidence": "id_card"},            # a code's answer cannot claim a chip read
    {**ANSWER, "evidence": "passport"},
    {k: v for k, v in ANSWER.items() if k != "id_number"},
    {**ANSWER, "name": ""},
])
def test_a_garbled_answer_identifies_nobody(garbled):
    with pytest.raises(ValueError):
        Identity.from_platform(garbled)


def test_bad_optional_fields_are_dropped_not_fatal():
    identity = Identity.from_platform({**ANSWER, "birth_date": "1950-13-45", "photo_jpeg": "not base64!",
                                       "card_type": "spaceship"})
    assert identity.birth_date is None and identity.photo_bmp == b"" and identity.card_type.value == "resident"


class Client:
    def __init__(self, outcome):
        self.outcome = outcome

    def verify_identity_code(self, code, budget=None):
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


@pytest.mark.parametrize("outcome, refusal", [
    (NeedsStaff("refused", "CODE_EXPIRED", 422), Refusal.EXPIRED),
    (NeedsStaff("refused", "CODE_USED", 422), Refusal.USED),
    (NeedsStaff("refused", "CODE_UNKNOWN", 422), Refusal.UNKNOWN),
    (NeedsStaff("refused", "SIGNATURE_INVALID", 401), Refusal.FAILED),
    (RetryLater("no answer", "BUDGET"), Refusal.FAILED),
    ({"identity": "not one"}, Refusal.FAILED),
])
def test_verify_turns_every_failure_into_a_refusal(outcome, refusal):
    assert verify(Client(outcome), "EID1.x.y").refusal is refusal


def test_verify_gives_the_identity():
    found = verify(Client(dict(ANSWER)), "EID1.x.y")
    assert found.identity is not None and found.identity.name == "李秀英" and found.refusal is None
