"""The platform as the issuer of e-ID codes: /v1/identity/verify-code answers
the identity of a fresh code once, and refuses an expired, replayed or forged one."""

from __future__ import annotations

import time

import pytest
import requests

from kiosk.central.client import NeedsStaff
from kiosk.identity import Evidence, Identity
from kiosk.privacy import id_lookup_hash
from simulators.idcard.cards import CARDS
from simulators.platform.testing import admin, client_for, mint_identity_code


@pytest.fixture
def client(platform, terminal):
    with client_for(platform.url, terminal) as c:
        yield c


def refusal(client, code) -> str:
    with pytest.raises(NeedsStaff) as caught:
        client.verify_identity_code(code)
    assert caught.value.status == 422
    return caught.value.code


def test_a_fresh_code_identifies_its_holder_once(platform, client, terminal):
    code = mint_identity_code(platform, "resident")
    answer = client.verify_identity_code(code)
    holder = CARDS["resident"]
    identity = Identity.from_platform(answer)
    assert identity.evidence is Evidence.E_ID_CODE and identity.name == holder["name"]
    assert identity.id_number == holder["id_number"] and identity.birth_date.isoformat() == "1950-01-01"
    assert answer["masked_id"] == identity.masked_id and answer["masked_id"].count("*") == 8
    assert answer["id_hash"] == id_lookup_hash(holder["id_number"], terminal.id_hash_key)
    assert refusal(client, code) == "CODE_USED"          # the same code again: replayed


def test_a_code_older_than_a_minute_is_expired(platform, client):
    assert refusal(client, mint_identity_code(platform, issued_at=time.time() - 61)) == "CODE_EXPIRED"
    assert client.verify_identity_code(mint_identity_code(platform, issued_at=time.time() - 55))["name"]
    # a code from the future (a phone's clock far ahead) is no fresher
    assert refusal(client, mint_identity_code(platform, issued_at=time.time() + 120)) == "CODE_EXPIRED"


def test_an_expired_code_is_refused_when_the_platform_clock_moves(platform, client):
    from simulators.platform.identity_codes import CodeRefused, IdentityCodeIssuer

    code = mint_identity_code(platform)
    a_minute_on = IdentityCodeIssuer(platform.store, clock=lambda: time.time() + 61)   # the platform's key and tables
    with pytest.raises(CodeRefused) as caught:
        a_minute_on.verify(code, "HUT-TEST-01")
    assert caught.value.code == "CODE_EXPIRED"
    assert client.verify_identity_code(code)["name"]   # at the real time still fresh: refusing did not spend it


@pytest.mark.parametrize("forge", [
    lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),        # the tag altered
    lambda c: c.split(".")[0] + "." + "A" * 32 + "." + c.split(".")[2],  # the payload swapped
    lambda c: "EID1.bm90IGEgY29kZQ.c2ln",                               # made up
    lambda c: "ESSC1." + c.split(".", 1)[1],                           # another kind's prefix on it
    lambda c: "HELLO WORLD",
])
def test_a_forged_code_is_unknown_and_identifies_nobody(platform, client, forge):
    assert refusal(client, forge(mint_identity_code(platform))) == "CODE_UNKNOWN"


def test_a_social_security_code_and_the_admin_mint(platform, client):
    r = admin(platform, "POST", "/v1/admin/identity-codes", json={"card": "resident_hui", "kind": "social_security"})
    assert r.status_code == 200, r.text
    answer = client.verify_identity_code(r.json()["code"])
    assert answer["evidence"] == Evidence.E_SOCIAL_SECURITY_CODE.value and answer["name"] == "马建国"
    assert admin(platform, "POST", "/v1/admin/identity-codes", json={"card": "nobody"}).status_code == 422
    assert requests.post(platform.url + "/v1/admin/identity-codes", json={"card": "resident"},
                         timeout=5).status_code == 401   # no admin token


def test_the_call_must_be_signed_and_well_formed(platform, client):
    assert requests.post(platform.url + "/v1/identity/verify-code", json={"code": "EID1.x.y"},
                         timeout=5).status_code == 401
    for body in ({"code": ""}, {"code": "x" * 2049}, {"code": 5}, {"code": "a", "more": 1}):
        r = client.request("POST", "/v1/identity/verify-code", json_body=body, expect=(422,))
        assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION"


def test_an_application_filed_after_a_code_names_the_code_as_its_evidence():
    """The contract takes a filing whose identity came from a code (the department
    sees it was no chip read); another word is still refused."""
    from simulators.platform.app import contract_schemas
    from simulators.platform.bodies import Refused

    schemas = contract_schemas()
    body = {"serial": "HUT-TEST-01-20261207-0001", "matter_code": "MZ-003", "form": {},
            "applicant": {"name": "李秀英", "id_number": CARDS["resident"]["id_number"]}}
    for card in ("e_id_code", "e_social_security_code", "id_card"):
        schemas.check("Application", {**body, "card": card})
    with pytest.raises(Refused):
        schemas.check("Application", {**body, "card": "phone_photo"})


def test_the_holders_photo_comes_back_for_the_face_check(platform, client):
    import base64

    photo = base64.b64encode(b"\xff\xd8\xff\xe0 the holder \xff\xd9").decode()
    code = mint_identity_code(platform, name="赵丽", id_number="120101199001011234", photo_jpeg=photo)
    identity = Identity.from_platform(client.verify_identity_code(code))
    assert identity.photo_bmp.startswith(b"\xff\xd8") and identity.name == "赵丽"
