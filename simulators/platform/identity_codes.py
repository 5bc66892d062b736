"""The reference platform as the issuing service of e-ID codes (电子身份证 / 网证)
and electronic social security card codes, for identification at the scanner.

A real code is an opaque string the resident's phone shows for a minute; only
the issuing service can say whose it is.  Here the platform plays that
service: a simulated code is

    EID1.<payload>.<tag>      (ESSC1. for the electronic social security card)

with ``payload`` the base64url of 16 random bytes (the code's id) and the
issue time (8 bytes, milliseconds), and ``tag`` the first 16 bytes of
HMAC-SHA256 over the prefix and payload under the issuer's key, which only
the platform holds (one row of ``identity_code_keys``).  A code is valid for
``VALID_SECONDS`` (60) from its issue and once: the first verification
inserts its id into ``identity_codes_used`` (``INSERT ... ON CONFLICT DO
NOTHING``; the row count says whether this call was first, on SQLite and on
PostgreSQL alike), every later one is ``USED``.

    POST /v1/identity/verify-code      (signed)  {"code": "..."}
      200 {"identity": {evidence, card_type, name, id_number, masked_id, id_hash,
                        id_hash_version, gender_code, birth_date, address?, photo_jpeg?}}
      422 {"error": {"code": "CODE_EXPIRED" | "CODE_USED" | "CODE_UNKNOWN", ...}}
    POST /v1/admin/identity-codes      (admin)   {"card": "<simulated card name>"} or {"resident": {...}},
                                                 "kind": "e_id" | "social_security"   -> {"code", "expires_at"}

The answer carries the full ID number: the terminal files applications with
it, as it does after reading the chip of a card.  It travels only in the
answer to a signed call over the platform link (TLS in production) and stays
in the terminal's session like a card's record (docs/scanner.md).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from kiosk.central import signing
from kiosk.privacy import id_lookup_hash, mask_id
from simulators.platform.bodies import error_response, parse_object
from simulators.platform.gate import Refusal

VALID_SECONDS = 60
SKEW_SECONDS = 5          # a code "issued" a little in the future (the phone's clock) is still taken
PREFIXES = {"EID1": "e_id_code", "ESSC1": "e_social_security_code"}
KINDS = {"e_id": "EID1", "social_security": "ESSC1"}
EXPIRED, USED, UNKNOWN = "CODE_EXPIRED", "CODE_USED", "CODE_UNKNOWN"
MAX_CODE = 2048
RESIDENT_FIELDS = ("name", "id_number", "gender_code", "birth_date", "address", "card_type", "photo_jpeg")


class CodeRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class IdentityCodeIssuer:
    """Mints and verifies codes over the platform's database (its tables: migration m0005;
    the key is made once, by whichever worker starts first)."""

    def __init__(self, store: Any, clock: Callable[[], float] = time.time):
        self.store, self.clock = store, clock
        store.db.execute("INSERT INTO identity_code_keys (id, key_hex) VALUES (1, ?) ON CONFLICT DO NOTHING",
                         (secrets.token_bytes(32).hex(),))
        self.key = bytes.fromhex(store.db.execute("SELECT key_hex FROM identity_code_keys WHERE id=1")
                                 .fetchone()[0])

    def _tag(self, prefix: str, payload: str) -> bytes:
        return hmac.new(self.key, f"{prefix}.{payload}".encode("ascii"), hashlib.sha256).digest()[:16]

    def mint(self, resident: dict[str, Any], kind: str = "e_id", issued_at: float | None = None) -> tuple[str, float]:
        """A code for ``resident`` (name, id_number, gender_code, birth_date,
        address, photo_jpeg as base64, card_type): (the code, when it expires)."""
        prefix = KINDS[kind]
        when = self.clock() if issued_at is None else issued_at
        code_id = secrets.token_bytes(16)
        payload = _b64(code_id + int(when * 1000).to_bytes(8, "big"))
        self.store.db.execute("INSERT INTO identity_codes_issued (code_id, resident, issued_at) VALUES (?, ?, ?)",
                              (code_id.hex(), json.dumps(resident, ensure_ascii=False), when))
        return f"{prefix}.{payload}.{_b64(self._tag(prefix, payload))}", when + VALID_SECONDS

    def verify(self, code: str, terminal_id: str) -> dict[str, Any]:
        """The identity the code stands for, or ``CodeRefused``.  A forged or
        malformed code is UNKNOWN (the platform does not say what is wrong
        with it); the tag is checked before anything is looked up."""
        parts = code.split(".")
        if len(code) > MAX_CODE or len(parts) != 3 or parts[0] not in PREFIXES:
            raise CodeRefused(UNKNOWN, "not a code this district issues")
        prefix, payload, tag = parts
        try:
            raw, given = _unb64(payload), _unb64(tag)
        except (binascii.Error, ValueError):
            raise CodeRefused(UNKNOWN, "not a code this district issues") from None
        if len(raw) != 24 or not hmac.compare_digest(given, self._tag(prefix, payload)):
            raise CodeRefused(UNKNOWN, "not a code this district issues")
        code_id, issued_ms = raw[:16].hex(), int.from_bytes(raw[16:], "big")
        now = self.clock()
        if now > issued_ms / 1000 + VALID_SECONDS or issued_ms / 1000 > now + SKEW_SECONDS:
            raise CodeRefused(EXPIRED, f"the code is valid for {VALID_SECONDS} s from when the phone showed it")
        row = self.store.db.execute("SELECT resident FROM identity_codes_issued WHERE code_id=?",
                                    (code_id,)).fetchone()
        if row is None:
            raise CodeRefused(UNKNOWN, "not a code this district issued")
        # once: the used table's primary key decides between two workers verifying the same code
        first = self.store.db.execute(
            "INSERT INTO identity_codes_used (code_id, used_at, terminal_id) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING", (code_id, now, terminal_id)).rowcount == 1
        if not first:
            raise CodeRefused(USED, "the code was used already: a new one is shown on the phone")
        self.store.bump("identity_codes_verified")
        return self._identity(PREFIXES[prefix], json.loads(row[0]))

    def _identity(self, evidence: str, resident: dict[str, Any]) -> dict[str, Any]:
        keys = self.store.id_hash_keys()
        number = str(resident["id_number"])
        answer = {"evidence": evidence, "card_type": resident.get("card_type", "resident"),
                  "name": resident["name"], "id_number": number, "masked_id": mask_id(number),
                  "id_hash": id_lookup_hash(number, bytes.fromhex(keys[0]["key"])),
                  "id_hash_version": keys[0]["version"], "gender_code": str(resident.get("gender_code", "0")),
                  "birth_date": resident.get("birth_date")}
        for optional in ("address", "photo_jpeg"):
            if resident.get(optional):
                answer[optional] = resident[optional]
        return answer


def resident_of_card(card: dict[str, Any]) -> dict[str, Any]:
    """A simulated card (simulators/idcard/cards.py) as the issuing service knows its holder."""
    birth = str(card.get("birth") or "")
    resident: dict[str, Any] = {"name": card.get("name") or card.get("name_en") or "", "id_number": card["id_number"],
                                "gender_code": str(card.get("gender") or "0"), "card_type": card.get("type", "resident"),
                                "birth_date": f"{birth[:4]}-{birth[4:6]}-{birth[6:8]}" if len(birth) == 8 else None,
                                "address": card.get("address") or None}
    if card.get("photo_image"):
        from pathlib import Path

        resident["photo_jpeg"] = base64.b64encode(Path(card["photo_image"]).read_bytes()).decode("ascii")
    return resident


def add_identity_code_routes(app: FastAPI, store: Any) -> IdentityCodeIssuer:
    """The routes on the platform's app; the issuer is ``app.state.identity_codes``."""
    issuer = IdentityCodeIssuer(store)
    app.state.identity_codes = issuer

    @app.post("/v1/identity/verify-code")
    async def verify_code(request: Request) -> JSONResponse:
        terminal_id = request.scope.get("kiosk.terminal")
        if not terminal_id:
            raise Refusal(401, signing.SIGNATURE_MISSING, "request is not signed")
        body = parse_object(await request.body())
        code = body.get("code")
        if set(body) != {"code"} or not isinstance(code, str) or not 1 <= len(code) <= MAX_CODE:
            return error_response(422, "VALIDATION", f"code: the scanned text, 1 to {MAX_CODE} characters, only")
        try:
            identity = await run_in_threadpool(issuer.verify, code, str(terminal_id))
        except CodeRefused as exc:
            store.bump("identity_codes_refused")
            return error_response(422, exc.code, str(exc))
        return JSONResponse({"identity": identity})

    @app.post("/v1/admin/identity-codes")
    async def mint(request: Request) -> JSONResponse:
        body = parse_object(await request.body())
        kind = body.get("kind", "e_id")
        resident = body.get("resident")
        if isinstance(body.get("card"), str):
            from simulators.idcard.cards import CARDS

            card = CARDS.get(body["card"])
            resident = resident_of_card(card) if card is not None else None
        if isinstance(resident, dict):   # only the fields a holder has, as text
            resident = {k: v for k, v in resident.items() if k in RESIDENT_FIELDS and isinstance(v, str) and v}
        if not isinstance(kind, str) or kind not in KINDS or not isinstance(resident, dict) \
                or not resident.get("name") or not resident.get("id_number"):
            return error_response(422, "VALIDATION", "card (a simulated card's name) or resident {name, id_number, "
                                                     "...}; kind e_id or social_security")
        code, expires = await run_in_threadpool(issuer.mint, resident, kind)
        return JSONResponse({"code": code, "expires_at": dt.datetime.fromtimestamp(expires, dt.timezone.utc)
                             .isoformat(timespec="seconds")})

    return issuer
